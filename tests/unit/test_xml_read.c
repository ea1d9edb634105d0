/*
 * XML reader tests through the public API (every document is built here):
 * record-shaped XML (attributes, namespaces, CDATA, references, repeated
 * and nested children, nil, empty and mixed content, the record rules of
 * xml-record, reject-nested), the exchange vocabulary (typed values, nil /
 * empty / absent, element mapping, metadata, its errors), hostile input
 * (entities, external DTDs, limits, encodings) with exact codes, lines and
 * messages, XSD validation through the diagnostic callback, memory, failed
 * allocations, and the format descriptor.  Each document is read from
 * memory and again through a callback handing out 1..7 bytes at a time;
 * both must give the same records or the same error.
 */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_private.h"    /* slot positions, the probe, schema metadata, limits */
#include "xml/xml_private.h" /* the XML limits */

/* ---- helpers ------------------------------------------------------------------ */

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* from=xml plus "name=value" options. */
static struct conv_options *xml_options(struct conv_context *ctx, const char *const *opts)
{
    struct conv_options *o = conv_options_new(ctx);
    assert_non_null(o);
    assert_int_equal(conv_options_set(o, "from", "xml"), CONV_OK);
    tu_options_add(o, opts);
    return o;
}

/* Read a whole document: the dump of its records, or NULL with *err set at
 * the first error (from open or from next). */
static char *read_dump_n(const void *data, size_t len, const char *const *opts, int trickle,
                         struct conv_error *err)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = xml_options(ctx, opts);
    char *dump = tu_read_dump(data, len, "in.xml", o, trickle, err);
    conv_options_free(o);
    conv_context_free(ctx);
    return dump;
}

/* The document reads, from memory and trickled, as exactly want. */
static void expect_dump_n(const char *doc, size_t len, const char *const *opts, const char *want)
{
    for (int trickle = 0; trickle <= 1; trickle++) {
        struct conv_error err;
        char *got = read_dump_n(doc, len, opts, trickle, &err);
        if (!got)
            fail_msg("trickle=%d: unexpected error: %s", trickle, tu_error_line(&err));
        if (strcmp(got, want) != 0) {
            /* Say where, with both sides around it (long dumps are cut). */
            size_t i = 0;
            while (got[i] && got[i] == want[i])
                i++;
            size_t from = i > 60 ? i - 60 : 0;
            fail_msg("trickle=%d: differs at byte %zu\n--- expected\n%.200s\n--- got\n%.200s",
                     trickle, i, want + from, got + from);
        }
        free(got);
    }
}

static void expect_dump(const char *doc, const char *const *opts, const char *want)
{
    expect_dump_n(doc, strlen(doc), opts, want);
}

/*
 * The document fails, from memory and trickled, with this code, at this
 * line (and column, unless col is 0), with a message containing msg; the
 * records before the error are the same both ways.  Returns the error.
 */
static struct conv_error expect_error_n(const char *doc, size_t len, const char *const *opts,
                                        enum conv_errcode code, uint64_t line, uint64_t col,
                                        const char *msg)
{
    struct conv_error first;
    for (int trickle = 0; trickle <= 1; trickle++) {
        struct conv_error err;
        char *got = read_dump_n(doc, len, opts, trickle, &err);
        if (got)
            fail_msg("trickle=%d: read without error:\n%s", trickle, got);
        char *s = tu_error_line(&err);
        if (err.code != code || err.line != line || (col && err.column != col) ||
            !strstr(err.message, msg))
            fail_msg("trickle=%d: want code %d at %llu:%llu with '%s'; got code %d: %s", trickle,
                     code, (unsigned long long)line, (unsigned long long)col, msg, err.code, s);
        assert_string_equal(err.source, "in.xml");
        free(s);
        if (trickle == 0)
            first = err;
        else
            assert_string_equal(err.message, first.message);
    }
    return first;
}

static struct conv_error expect_error(const char *doc, const char *const *opts,
                                      enum conv_errcode code, uint64_t line, uint64_t col,
                                      const char *msg)
{
    return expect_error_n(doc, strlen(doc), opts, code, line, col, msg);
}

/* One reader on a string, for tests that look at values and the schema. */
struct one {
    struct conv_context *ctx;
    struct conv_options *o;
    struct conv_reader *rd;
    struct conv_error err;
};

static void one_open(struct one *x, const char *doc, const char *const *opts)
{
    x->ctx = conv_context_new(NULL);
    x->o = xml_options(x->ctx, opts);
    conv_error_clear(&x->err);
    x->rd = conv_reader_open_memory(x->ctx, doc, strlen(doc), "in.xml", x->o, &x->err);
    if (!x->rd)
        fail_msg("open: %s", tu_error_line(&x->err));
}

static const struct conv_record *one_next(struct one *x)
{
    const struct conv_record *rec;
    int rc = conv_reader_next(x->rd, &rec);
    if (rc == CONV_ERR)
        fail_msg("next: %s", tu_error_line(conv_reader_error(x->rd)));
    return rc == CONV_OK ? rec : NULL;
}

static void one_close(struct one *x)
{
    conv_reader_close(x->rd);
    conv_options_free(x->o);
    conv_context_free(x->ctx);
}

static void assert_value(const struct conv_record *rec, const char *name, enum conv_type type,
                         const char *text)
{
    const struct conv_value *v = conv_record_get(rec, name);
    if (!v)
        fail_msg("no field '%s' in the record", name);
    if (v->type != type || strcmp(v->text, text) != 0 || v->len != strlen(text))
        fail_msg("field '%s': got %s '%s', want %s '%s'", name, conv_type_name(v->type), v->text,
                 conv_type_name(type), text);
}

/* ---- 1. record-shaped XML --------------------------------------------------------- */

/*
 * Attributes, two prefixed namespaces, CDATA, character references, the
 * five predefined entities, repeated children (numbered whatever their
 * prefix), nested elements, an attribute and a child with the same name
 * and text, xsi:nil, empty elements, mixed content, whitespace kept in
 * leaves and dropped between elements, comments and PIs ignored.
 */
static const char generic_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- a comment before the root -->\n"
    "<root xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"7\">\n"
    "  <item id=\"165\" a:kind=\"thành phố\">\n"
    "    <name><![CDATA[<Sông & Công>]]></name>\n"
    "    <note>&#x1EA1;&#233; &lt;&gt;&amp;&apos;&quot;</note>\n"
    "    <tag>t1</tag>\n"
    "    <b:tag>t2</b:tag>\n"
    "    <a:addr zip=\"25000\"><city>Thái Nguyên</city><b:ward>Phường 1</b:ward></a:addr>\n"
    "    <id>165</id>\n"
    "    <empty/>\n"
    "    <empty2></empty2>\n"
    "    <nil xsi:nil=\"true\"/>\n"
    "    <sp>  hai  dấu cách  </sp>\n"
    "    <mix>hello <b>x</b> world</mix>\n"
    "    <?pi not data?>\n"
    "    <!-- not data -->\n"
    "  </item>\n"
    "  text between records is not data\n"
    "  <item id=\"166\"><name>Phổ Yên</name><tag>t3</tag></item>\n"
    "</root>\n";

static void test_generic_document(void **state)
{
    (void)state;
    /* Record 1: the attribute id and the element <id> are one field,
     * where the element is; record 2 has a single <tag>, not numbered. */
    const char *want =
        "@4\tkind:string=thành phố\tname:string=<Sông & Công>"
        "\tnote:string=ạé <>&'\"\ttag.0:string=t1\ttag.1:string=t2\taddr.zip:integer=25000"
        "\taddr.city:string=Thái Nguyên\taddr.ward:string=Phường 1\tid:integer=165"
        "\tempty:string=\tempty2:string=\tnil:null=\tsp:string=  hai  dấu cách  "
        "\tmix:string=hello  world\tmix.b:string=x\n"
        "@20\tid:integer=166\tname:string=Phổ Yên\ttag:string=t3\n";
    expect_dump(generic_doc, NULL, want);

    /* Field names in first-seen order; open, not fixed. */
    struct one x;
    one_open(&x, generic_doc, NULL);
    while (one_next(&x))
        ;
    const struct conv_schema *s = conv_reader_schema(x.rd);
    static const char *const names[] = {
        "kind", "name",  "note",   "tag.0", "tag.1", "addr.zip", "addr.city", "addr.ward",
        "id",   "empty", "empty2", "nil",   "sp",    "mix",      "mix.b",     "tag"};
    assert_int_equal(conv_schema_count(s), sizeof names / sizeof names[0]);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(conv_schema_field(s, i)->name, names[i]);
    assert_null(conv_schema_title(s));
    one_close(&x);
}

/* Values of record-shaped XML are text, typed as CSV columns are: by
 * inference, or by --schema. */
static void test_generic_inference(void **state)
{
    (void)state;
    const char *doc = "<r>\n"
                      "<i><n>1</n><d>2.50</d><c>0101</c><b>true</b><t>2021-12-31</t></i>\n"
                      "<i><n>-20</n><d>3</d><c>0202</c><b>false</b><t>2022-01-01</t></i>\n"
                      "</r>\n";
    expect_dump(
        doc, NULL,
        "@2\tn:integer=1\td:decimal=2.50\tc:string=0101\tb:boolean=true\tt:date=2021-12-31\n"
        "@3\tn:integer=-20\td:decimal=3\tc:string=0202\tb:boolean=false"
        "\tt:date=2022-01-01\n");
    /* infer-rows 0: everything stays text. */
    expect_dump(doc, OPTS("infer-rows=0"),
                "@2\tn:string=1\td:string=2.50\tc:string=0101\tb:string=true\tt:string=2021-12-31\n"
                "@3\tn:string=-20\td:string=3\tc:string=0202\tb:string=false"
                "\tt:string=2022-01-01\n");
}

/* Where values and records are: the record's line is its start tag's, a
 * value's line and column those libxml2 reports at its element's start
 * tag (the '>' that ends it); an attribute has its element's. */
static void test_generic_positions(void **state)
{
    (void)state;
    const char *doc = "<r>\n"
                      "  <i a=\"1\">\n"
                      "    <b>x</b><c\n"
                      "       d=\"2\">y</c>\n"
                      "  </i>\n"
                      "  <i><b>Đà Nẵng</b><e>z</e></i>\n"
                      "</r>\n";
    struct one x;
    one_open(&x, doc, NULL);
    const struct conv_record *rec = one_next(&x);
    assert_non_null(rec);
    assert_int_equal(conv_record_line(rec), 2);
    assert_int_equal(conv_record_index(rec), 1);
    assert_int_equal(rec->n, 4);
    static const unsigned pos1[4][2] = {{2, 11}, {3, 7}, {4, 13}, {4, 13}};
    for (size_t i = 0; i < 4; i++)
        if (rec->slots[i].line != pos1[i][0] || rec->slots[i].column != pos1[i][1])
            fail_msg("value %zu (%s) at %llu:%u, want %u:%u", i, conv_record_name(rec, i),
                     (unsigned long long)rec->slots[i].line, rec->slots[i].column, pos1[i][0],
                     pos1[i][1]);
    rec = one_next(&x);
    assert_non_null(rec);
    assert_int_equal(conv_record_line(rec), 6);
    assert_int_equal(conv_record_index(rec), 2);
    /* Columns count characters: after "Đà Nẵng" (7 letters, 11 bytes). */
    assert_int_equal(rec->slots[1].line, 6);
    assert_int_equal(rec->slots[1].column, 5 + 3 + 7 + 4 + 3);
    assert_null(one_next(&x));
    one_close(&x);
}

/* An attribute and a child element of the same name: one field when their
 * text is the same, an error otherwise (also when the child is not a
 * plain leaf). */
static void test_attribute_and_child(void **state)
{
    (void)state;
    expect_dump("<r><i code=\"01\"><code>01</code><v>1</v></i></r>", NULL,
                "@1\tcode:string=01\tv:integer=1\n");
    struct conv_error e =
        expect_error("<r>\n<i code=\"01\">\n<code>1</code></i></r>", NULL, CONV_E_STRUCTURE, 2, 0,
                     "attribute 'code' and element <code> differ");
    assert_string_equal(e.field, "code");
    assert_int_equal(e.record, 1);
    expect_error("<r><i/>\n<i code=\"1\"><code>1</code><code>1</code></i></r>", NULL,
                 CONV_E_STRUCTURE, 2, 0, "attribute 'code' and element <code> differ");
    expect_error("<r>\n<i code=\"1\"><code><x/></code></i></r>", NULL, CONV_E_STRUCTURE, 2, 0,
                 "attribute 'code' and element <code> differ");
    expect_error("<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
                 "<i code=\"\"><code xsi:nil=\"true\"/></i></r>",
                 NULL, CONV_E_STRUCTURE, 2, 0, "attribute 'code' and element <code> differ");
    /* Same text with whitespace differing is not the same. */
    expect_error("<r>\n<i code=\"1\"><code> 1</code></i></r>", NULL, CONV_E_STRUCTURE, 2, 0,
                 "differ");
    /* Deeper: an attribute of a nested element and its child. */
    expect_dump("<r><i><p cur=\"VND\"><cur>VND</cur></p></i></r>", NULL, "@1\tp.cur:string=VND\n");
    expect_error("<r>\n<i><p cur=\"VND\"><cur>USD</cur></p></i></r>", NULL, CONV_E_STRUCTURE, 2, 0,
                 "attribute 'cur' and element <cur> differ");
}

/* Many same-named children (past the small-sibling walk) are numbered in
 * order; names used once among them are not. */
static void test_many_repeated_children(void **state)
{
    (void)state;
    struct tu_sbuf doc = {0}, want = {0};
    tu_sb_str(&doc, "<r><i k=\"v\"><solo>s</solo>");
    tu_sb_str(&want, "@1\tsolo:string=s");
    for (int i = 0; i < 40; i++) {
        char buf[96];
        snprintf(buf, sizeof buf, "<v>a%d</v><w>b%d</w>", i, i);
        tu_sb_str(&doc, buf);
        snprintf(buf, sizeof buf, "\tv.%d:string=a%d\tw.%d:string=b%d", i, i, i, i);
        tu_sb_str(&want, buf);
    }
    tu_sb_str(&doc, "<k>v</k><last>l</last></i></r>");
    tu_sb_str(&want, "\tk:string=v\tlast:string=l\n");
    expect_dump(doc.p, NULL, want.p);
    /* The attribute k and the child <k> are matched through the map too. */
    char *p = strstr(doc.p, "<k>v</k>");
    p[3] = 'w';
    expect_error(doc.p, NULL, CONV_E_STRUCTURE, 1, 0, "attribute 'k' and element <k> differ");
    free(doc.p);
    free(want.p);
}

/* Two paths that flatten to one name. */
static void test_flattened_duplicate(void **state)
{
    (void)state;
    struct conv_error e = expect_error("<r>\n<i><a><b>1</b></a><a.b>2</a.b></i>\n</r>", NULL,
                                       CONV_E_STRUCTURE, 2, 0, "duplicate field 'a.b'");
    assert_string_equal(e.field, "a.b");
    expect_error("<r>\n<i x=\"1\"><a/><a/><a.1>2</a.1></i>\n</r>", NULL, CONV_E_STRUCTURE, 2, 0,
                 "duplicate field 'a.1'");
}

/* xsi:nil: "true" and "1" (blanks around allowed) are null, "false" is
 * not; a nil element that has text is an error, not a silent drop. */
static void test_generic_nil(void **state)
{
    (void)state;
    const char *ns = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
    char doc[512];
    snprintf(doc, sizeof doc,
             "<r %s><i><a xsi:nil=\"true\"/><b xsi:nil=\"1\"></b><c xsi:nil=\" true \"/>"
             "<d xsi:nil=\"false\"/><e xsi:nil=\"false\">t</e></i></r>",
             ns);
    expect_dump(doc, NULL, "@1\ta:null=\tb:null=\tc:null=\td:string=\te:string=t\n");
    snprintf(doc, sizeof doc, "<r %s>\n<i><a>1</a>\n<z xsi:nil=\"true\">t</z></i></r>", ns);
    struct conv_error e =
        expect_error(doc, NULL, CONV_E_STRUCTURE, 3, 0, "<z> is nil but has text");
    assert_string_equal(e.field, "z");
    snprintf(doc, sizeof doc,
             "<r %s>\n<i><a_long_name>1</a_long_name></i>\n<i><z xsi:nil=\"true\">t</z></i></r>",
             ns);
    e = expect_error(doc, NULL, CONV_E_STRUCTURE, 3, 0, "<z> is nil but has text");
    assert_string_equal(e.field, "z");
    /* Another namespace's nil attribute is data. */
    expect_dump("<r xmlns:x=\"urn:x\"><i><a x:nil=\"true\">v</a></i></r>", NULL,
                "@1\ta:string=v\ta.nil:boolean=true\n");
}

/* Leaf text is kept as it is; whitespace between elements is layout. */
static void test_whitespace(void **state)
{
    (void)state;
    expect_dump("<r>\r\n  <i>\r\n    <a>x\r\ny&#13;z&#9;</a>\n    <b>   </b>\n    <c>\n</c>"
                "\n    <d>  <![CDATA[ c ]]>  </d>\n  </i>\r\n</r>\n",
                NULL, "@2\ta:string=x\\ny\\rz\\t\tb:string=   \tc:string=\\n\td:string=   c   \n");
    /* Blanks beside child elements are layout, not mixed content. */
    expect_dump("<r><i> <a> 1 </a> <b/> </i></r>", OPTS("reject-nested"),
                "@1\ta:string= 1 \tb:string=\n");
}

/* Mixed content in pieces of every size: the pieces are joined in the
 * record's text buffer, which must not move under the copy (a fuzzer
 * find; the ASan build shows the use after free). */
static void test_mixed_content_pieces(void **state)
{
    (void)state;
    for (size_t k = 1; k < 1200; k += 37) {
        struct tu_sbuf doc = {0}, want = {0};
        tu_sb_str(&doc, "<r><i><m>");
        tu_sb_str(&want, "@1\tm:string=");
        for (size_t j = 0; j < 3; j++) {
            for (size_t i = 0; i < k; i++) {
                char c = (char)('a' + (i + j) % 26);
                tu_sb_add(&doc, &c, 1);
                tu_sb_add(&want, &c, 1);
            }
            tu_sb_str(&doc, j < 2 ? "<b/>" : "");
        }
        tu_sb_str(&doc, "</m></i></r>");
        tu_sb_str(&want, "\tm.b.0:string=\tm.b.1:string=\n");
        expect_dump(doc.p, NULL, want.p);
        free(doc.p);
        free(want.p);
    }
}

/* A record with only text is one field named after it; a record with
 * attributes and text has the text under its own name. */
static void test_text_only_record(void **state)
{
    (void)state;
    expect_dump("<names>\n<name>Hà Nội</name>\n<name> Huế </name>\n<name/>\n</names>", NULL,
                "@2\tname:string=Hà Nội\n@3\tname:string= Huế \n@4\tname:string=\n");
    expect_dump("<r><v unit=\"tỷ đồng\">552.6</v></r>", NULL,
                "@1\tv:decimal=552.6\tunit:string=tỷ đồng\n");
}

/* By default each child of the root is a record, whatever its name; the
 * root's attributes and text are not data; an empty root has none. */
static void test_default_records(void **state)
{
    (void)state;
    expect_dump("<?xml version=\"1.0\"?>\n<r a=\"root attr\">text<x n=\"1\"/>\n<y><n>2</n></y>"
                "<!-- c --><?pi?>\n<z/>\n</r>\n<!-- after -->\n",
                NULL, "@2\tn:integer=1\n@3\tn:integer=2\n@4\tz:string=\n");
    expect_dump("<r/>", NULL, "");
    expect_dump("<r>\n  \n</r>", NULL, "");
    /* A plain DOCTYPE without declarations is accepted. */
    expect_dump("<!DOCTYPE r>\n<r><i>1</i></r>", NULL, "@2\ti:integer=1\n");
    expect_dump("<!DOCTYPE r [\n<!ELEMENT r ANY>\n]>\n<r><i>1</i></r>", NULL, "@4\ti:integer=1\n");
}

static const char paths_doc[] = "<root xmlns:p=\"urn:p\">\n"
                                "  <head><item>h</item></head>\n"
                                "  <p:items>\n"
                                "    <p:item n=\"1\"/>\n"
                                "    <group><item n=\"2\"><item>inner</item></item></group>\n"
                                "    <item n=\"3\"/>\n"
                                "  </p:items>\n"
                                "  <other><items><item n=\"4\"/></items></other>\n"
                                "</root>\n";

/* --xml-record NAME: any element of that local name, outside another
 * record (one inside a record is a field). */
static void test_record_name(void **state)
{
    (void)state;
    expect_dump(paths_doc, OPTS("xml-record=item"),
                "@2\titem:string=h\n@4\tn:integer=1\n@5\tn:integer=2\titem:string=inner\n"
                "@6\tn:integer=3\n@8\tn:integer=4\n");
    /* A prefix in the option is not compared, as in paths. */
    expect_dump(paths_doc, OPTS("xml-record=p:item"),
                "@2\titem:string=h\n@4\tn:integer=1\n@5\tn:integer=2\titem:string=inner\n"
                "@6\tn:integer=3\n@8\tn:integer=4\n");
    /* The root itself, flattened whole. */
    expect_dump(paths_doc, OPTS("xml-record=root"),
                "@1\thead.item:string=h\titems.item.0.n:integer=1\titems.group.item.n:integer=2"
                "\titems.group.item.item:string=inner\titems.item.1.n:integer=3"
                "\tother.items.item.n:integer=4\n");
    expect_dump(paths_doc, OPTS("xml-record=nothing"), "");
}

/* --xml-record /abs/path: exactly that path of local names. */
static void test_record_absolute_path(void **state)
{
    (void)state;
    expect_dump(paths_doc, OPTS("xml-record=/root/items/item"),
                "@4\tn:integer=1\n@6\tn:integer=3\n");
    expect_dump(paths_doc, OPTS("xml-record=/p:root/p:items/p:item"),
                "@4\tn:integer=1\n@6\tn:integer=3\n");
    expect_dump(paths_doc, OPTS("xml-record=/root/head/item"), "@2\titem:string=h\n");
    expect_dump(paths_doc, OPTS("xml-record=/items/item"), "");
    expect_dump(paths_doc, OPTS("xml-record=/root"),
                "@1\thead.item:string=h\titems.item.0.n:integer=1\titems.group.item.n:integer=2"
                "\titems.group.item.item:string=inner\titems.item.1.n:integer=3"
                "\tother.items.item.n:integer=4\n");
}

/* --xml-record rel/path: a path ending there, at any depth. */
static void test_record_relative_path(void **state)
{
    (void)state;
    expect_dump(paths_doc, OPTS("xml-record=items/item"),
                "@4\tn:integer=1\n@6\tn:integer=3\n@8\tn:integer=4\n");
    expect_dump(paths_doc, OPTS("xml-record=group/item"), "@5\tn:integer=2\titem:string=inner\n");
    expect_dump(paths_doc, OPTS("xml-record=other/items/item"), "@8\tn:integer=4\n");
    expect_dump(paths_doc, OPTS("xml-record=root/items/item"),
                "@4\tn:integer=1\n@6\tn:integer=3\n");
}

static void test_record_option_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "a//b", "/", "/root/", "//a", "p:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char opt[64];
        snprintf(opt, sizeof opt, "xml-record=%s", bad[i]);
        struct conv_error err;
        char *got = read_dump_n(paths_doc, strlen(paths_doc), OPTS(opt), 0, &err);
        if (got)
            fail_msg("xml-record '%s' accepted:\n%s", bad[i], got);
        assert_int_equal(err.code, CONV_E_USAGE);
        char want[160];
        snprintf(want, sizeof want,
                 "--xml-record: '%s' is not an element name or a path such as /root/item", bad[i]);
        assert_string_equal(err.message, want);
    }
}

/* --reject-nested: a record's own attributes and flat children are fine;
 * child elements or attributes inside a field, and mixed content, fail. */
static void test_reject_nested(void **state)
{
    (void)state;
    const char *const rn[] = {"reject-nested", NULL};
    expect_dump("<r><i a=\"1\"><b>2</b><c/></i><i>only text</i></r>", rn,
                "@1\ta:integer=1\tb:integer=2\tc:string=\n@1\ti:string=only text\n");
    struct conv_error e = expect_error("<r>\n<i a=\"1\"><b>2</b></i>\n<i><b><c>3</c></b></i>\n</r>",
                                       rn, CONV_E_STRUCTURE, 3, 6,
                                       "element <b> has child elements (flattening is off: "
                                       "--reject-nested)");
    assert_int_equal(e.record, 2);
    assert_string_equal(e.field, "b");
    e = expect_error("<r>\n<i><b x=\"1\">2</b></i>\n</r>", rn, CONV_E_STRUCTURE, 2, 0,
                     "element <b> has attributes (flattening is off: --reject-nested)");
    assert_string_equal(e.field, "b");
    expect_error("<r>\n<i>text<b>2</b></i>\n</r>", rn, CONV_E_STRUCTURE, 2, 0,
                 "mixed content in <i> (flattening is off: --reject-nested)");
    expect_error("<r>\n<i><b>text<c/></b></i>\n</r>", rn, CONV_E_STRUCTURE, 2, 0,
                 "element <b> has child elements");
    /* The field named is the element's path, whatever longer path came
     * before it. */
    e = expect_error("<r>\n<i><longer_name>1</longer_name></i>\n<i><b><c/></b></i>\n</r>", rn,
                     CONV_E_STRUCTURE, 3, 0, "element <b> has child elements");
    assert_string_equal(e.field, "b");
    /* Without the option the same documents flatten. */
    expect_dump("<r>\n<i><b x=\"1\">2</b></i>\n</r>", NULL, "@2\tb:integer=2\tb.x:integer=1\n");
}

/* ---- 2. the exchange vocabulary -------------------------------------------------- */

#define VOCAB_HEAD                                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                 \
    "<dataset xmlns=\"urn:x-libconv:dataset:1\" "                                                  \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"                                   \
    "  <meta>\n"                                                                                   \
    "    <title>Chỉ tiêu kinh tế - xã hội</title>\n"                                       \
    "    <source>indicators.csv</source>\n"                                                        \
    "    <created>2026-11-27T08:00:00Z</created>\n"                                                \
    "    <fields>\n"                                                                               \
    "      <field name=\"region_code\" type=\"string\" label=\"Mã đơn vị\" "                  \
    "label-en=\"Region code\" required=\"true\"/>\n"                                               \
    "      <field name=\"year\" type=\"integer\"/>\n"                                              \
    "      <field name=\"value\" type=\"decimal\" unit=\"tỷ đồng\"/>\n"                       \
    "      <field name=\"final\" type=\"boolean\"/>\n"                                             \
    "      <field name=\"day\" type=\"date\"/>\n"                                                  \
    "      <field name=\"at\" type=\"datetime\"/>\n"                                               \
    "      <field name=\"change %\" element=\"change__\" type=\"decimal\"/>\n"                     \
    "      <field name=\"note\" type=\"string\"/>\n"                                               \
    "      <field name=\"extra\" type=\"any\"/>\n"                                                 \
    "      <field name=\"untyped\"/>\n"                                                            \
    "    </fields>\n"                                                                              \
    "  </meta>\n"
/* VOCAB_HEAD ends on line 19. */

static void test_vocab_typed(void **state)
{
    (void)state;
    const char *doc = VOCAB_HEAD "  <record>\n" /* 20 */
                                 "    <region_code>0165</region_code>\n"
                                 "    <year>2021</year>\n"
                                 "    <value>552.60</value>\n"
                                 "    <final>true</final>\n"
                                 "    <day>2021-12-31</day>\n"
                                 "    <at>2021-12-31T23:59:59+07:00</at>\n"
                                 "    <change__>-1.5e3</change__>\n"
                                 "    <note>  có khoảng trắng  </note>\n"
                                 "    <extra>42</extra>\n"
                                 "    <untyped>true</untyped>\n"
                                 "  </record>\n"
                                 "</dataset>\n";
    struct one x;
    one_open(&x, doc, NULL);
    /* Fields and metadata are known when open returns. */
    const struct conv_schema *s = conv_reader_schema(x.rd);
    assert_int_equal(conv_schema_count(s), 10);
    assert_string_equal(conv_schema_title(s), "Chỉ tiêu kinh tế - xã hội");
    assert_string_equal(s->source, "indicators.csv");
    assert_string_equal(s->created, "2026-11-27T08:00:00Z");
    const struct conv_field *f = conv_schema_field(s, 0);
    assert_string_equal(f->name, "region_code");
    assert_int_equal(f->type, CONV_STRING);
    assert_string_equal(f->label, "Mã đơn vị");
    assert_string_equal(f->label_en, "Region code");
    assert_null(f->unit);
    assert_true(f->required);
    f = conv_schema_field(s, 2);
    assert_int_equal(f->type, CONV_DECIMAL);
    assert_string_equal(f->unit, "tỷ đồng");
    assert_false(f->required);
    static const enum conv_type types[] = {CONV_STRING, CONV_INTEGER,  CONV_DECIMAL, CONV_BOOLEAN,
                                           CONV_DATE,   CONV_DATETIME, CONV_DECIMAL, CONV_STRING,
                                           CONV_ANY,    CONV_ANY};
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(conv_schema_field(s, i)->type, types[i]);
    assert_string_equal(conv_schema_field(s, 6)->name, "change %");

    const struct conv_record *rec = one_next(&x);
    assert_non_null(rec);
    assert_int_equal(conv_record_line(rec), 20);
    assert_int_equal(conv_record_count(rec), 10);
    assert_value(rec, "region_code", CONV_STRING, "0165");
    assert_value(rec, "year", CONV_INTEGER, "2021");
    assert_value(rec, "value", CONV_DECIMAL, "552.60");
    assert_value(rec, "final", CONV_BOOLEAN, "true");
    assert_value(rec, "day", CONV_DATE, "2021-12-31");
    assert_value(rec, "at", CONV_DATETIME, "2021-12-31T23:59:59+07:00");
    assert_value(rec, "change %", CONV_DECIMAL, "-1.5e3");
    assert_value(rec, "note", CONV_STRING, "  có khoảng trắng  ");
    /* An 'any' field without type="..." is a string, never inferred. */
    assert_value(rec, "extra", CONV_STRING, "42");
    assert_value(rec, "untyped", CONV_STRING, "true");
    assert_null(conv_record_get(rec, "change__"));
    int64_t year;
    assert_int_equal(conv_value_int64(conv_record_get(rec, "year"), &year), CONV_OK);
    assert_int_equal(year, 2021);
    /* Each value's position: its element's start tag. */
    assert_int_equal(rec->slots[1].line, 22);
    assert_int_equal(rec->slots[1].column, 10);
    assert_null(one_next(&x));
    one_close(&x);
}

/* type="..." overrides the field's type; nil, empty and absent differ. */
static void test_vocab_override_nil_empty_absent(void **state)
{
    (void)state;
    const char *doc = VOCAB_HEAD
        "  <record><region_code type=\"integer\">165</region_code>"
        "<value type=\"string\">n/a</value><extra type=\"boolean\">false</extra>"
        "<untyped type=\"date\">2020-02-29</untyped><year type=\"decimal\">2.5</year></record>\n"
        "  <record><region_code xsi:nil=\"true\"/><note></note><value xsi:nil=\"1\"></value>"
        "<extra/></record>\n"
        "  <record/>\n"
        "</dataset>\n";
    struct one x;
    one_open(&x, doc, NULL);
    const struct conv_record *rec = one_next(&x);
    assert_int_equal(conv_record_count(rec), 5);
    assert_value(rec, "region_code", CONV_INTEGER, "165");
    assert_value(rec, "value", CONV_STRING, "n/a");
    assert_value(rec, "extra", CONV_BOOLEAN, "false");
    assert_value(rec, "untyped", CONV_DATE, "2020-02-29");
    assert_value(rec, "year", CONV_DECIMAL, "2.5");
    rec = one_next(&x);
    assert_int_equal(conv_record_count(rec), 4);
    assert_value(rec, "region_code", CONV_NULL, "");
    assert_value(rec, "note", CONV_STRING, "");
    assert_value(rec, "value", CONV_NULL, "");
    assert_value(rec, "extra", CONV_STRING, "");
    assert_null(conv_record_get(rec, "year")); /* absent */
    rec = one_next(&x);
    assert_non_null(rec);
    assert_int_equal(conv_record_count(rec), 0);
    assert_null(one_next(&x));
    one_close(&x);
    /* The record order is the document's, not the declaration's. */
    expect_dump(VOCAB_HEAD "<record><note>b</note><year>1</year></record></dataset>", NULL,
                "@20\tnote:string=b\tyear:integer=1\n");
}

/* Every way a vocabulary document can be wrong: code, line, column,
 * message, and the field when there is one. */
static void test_vocab_errors(void **state)
{
    (void)state;
    static const struct {
        const char *records; /* after VOCAB_HEAD: line 20 on */
        enum conv_errcode code;
        uint64_t line, col;
        const char *field;
        const char *msg;
    } cases[] = {
        {"<record><year>1</year></record>\n<record><year>x1</year></record>", CONV_E_TYPE, 21, 14,
         "year", "field 'year': 'x1' is not a valid integer"},
        {"<record>\n<value>5,5</value></record>", CONV_E_TYPE, 21, 7, "value",
         "field 'value': '5,5' is not a valid decimal"},
        {"<record><year> 1</year></record>", CONV_E_TYPE, 20, 14, "year",
         "field 'year': ' 1' is not a valid integer"},
        {"<record><year>01</year></record>", CONV_E_TYPE, 20, 14, "year",
         "field 'year': '01' is not a valid integer"},
        {"<record><final>yes</final></record>", CONV_E_TYPE, 20, 15, "final",
         "field 'final': 'yes' is not a valid boolean"},
        {"<record><day>2021-02-29</day></record>", CONV_E_TYPE, 20, 13, "day",
         "field 'day': '2021-02-29' is not a valid date"},
        {"<record><extra type=\"integer\">1.0</extra></record>", CONV_E_TYPE, 20, 30, "extra",
         "field 'extra': '1.0' is not a valid integer"},
        {"<record><year>1</year><field>x</field></record>", CONV_E_STRUCTURE, 20, 29, "",
         "<field> in a record needs one attribute, a non-empty name"},
        {"<record><field name=\"\">x</field></record>", CONV_E_STRUCTURE, 20, 0, "",
         "<field> in a record needs one attribute, a non-empty name"},
        {"<record><field name=\"a\" unit=\"b\">x</field></record>", CONV_E_STRUCTURE, 20, 0, "",
         "<field> in a record needs one attribute, a non-empty name"},
        {"<record><year>1</year><field name=\"year\">2</field></record>", CONV_E_STRUCTURE, 20, 0,
         "year", "duplicate field 'year'"},
        {"<record><field name=\"year\">x</field></record>", CONV_E_TYPE, 20, 0, "year",
         "field 'year': 'x' is not a valid integer"},
        {"<record><change %>1</change %></record>", CONV_E_SYNTAX, 20, 0, "", ""},
        {"<record><year type=\"int\">1</year></record>", CONV_E_SYNTAX, 20, 0, "",
         "unknown type 'int'"},
        {"<record><year type=\"any\">1</year></record>", CONV_E_SYNTAX, 20, 0, "",
         "unknown type 'any'"},
        {"<record><year xsi:nil=\"true\">1</year></record>", CONV_E_STRUCTURE, 20, 0, "year",
         "field <year> is nil but has text"},
        {"<record id=\"1\"><year>1</year></record>", CONV_E_STRUCTURE, 20, 0, "",
         "<record> takes no attributes"},
        {"<record>t<year>1</year></record>", CONV_E_STRUCTURE, 20, 0, "",
         "text directly inside <record>"},
        {"<record><year><b/></year></record>", CONV_E_STRUCTURE, 20, 0, "year",
         "field <year> holds elements"},
        {"<record><year unit=\"x\">1</year></record>", CONV_E_STRUCTURE, 20, 0, "year",
         "field <year> holds unknown attributes"},
        {"<record><year>1</year><year>2</year></record>", CONV_E_STRUCTURE, 20, 0, "year",
         "duplicate field 'year'"},
        {"<record/>\n<other/>", CONV_E_STRUCTURE, 21, 0, "", "unexpected element <other>"},
        {"<meta/>", CONV_E_STRUCTURE, 20, 0, "", "unexpected element <meta>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tu_sbuf doc = {0};
        tu_sb_str(&doc, VOCAB_HEAD);
        tu_sb_str(&doc, cases[i].records);
        tu_sb_str(&doc, "\n</dataset>\n");
        struct conv_error e =
            expect_error(doc.p, NULL, cases[i].code, cases[i].line, cases[i].col, cases[i].msg);
        if (strcmp(e.field, cases[i].field) != 0)
            fail_msg("case %zu: field '%s', want '%s'", i, e.field, cases[i].field);
        free(doc.p);
    }
}

/* Errors in meta, and a record before it. */
static void test_vocab_meta_errors(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        enum conv_errcode code;
        uint64_t line;
        const char *msg;
    } cases[] = {
        {"<dataset xmlns=\"urn:x-libconv:dataset:1\">\n<record><a>1</a></record>\n"
         "<meta><fields/></meta></dataset>",
         CONV_E_STRUCTURE, 2, "<record> before <meta>"},
        {"<dataset xmlns=\"urn:x-libconv:dataset:1\">\n<meta><fields>\n"
         "<field name=\"a\" type=\"int\"/></fields></meta></dataset>",
         CONV_E_SYNTAX, 3, "field 'a': unknown type 'int'"},
        {"<dataset xmlns=\"urn:x-libconv:dataset:1\">\n<meta><fields>\n"
         "<field name=\"a\" type=\"null\"/></fields></meta></dataset>",
         CONV_E_SYNTAX, 3, "field 'a': unknown type 'null'"},
        {"<dataset xmlns=\"urn:x-libconv:dataset:1\">\n<meta><fields><field name=\"a\"/>\n"
         "<field name=\"a\"/></fields></meta></dataset>",
         CONV_E_STRUCTURE, 3, "field 'a' declared twice"},
        {"<dataset xmlns=\"urn:x-libconv:dataset:1\">\n<meta><fields><field name=\"a\"/>\n"
         "<field name=\"b\" element=\"a\"/></fields></meta></dataset>",
         CONV_E_STRUCTURE, 3, "element name 'a' used by two fields"},
        {"<dataset xmlns=\"urn:x-libconv:dataset:1\">\n<meta><fields>\n"
         "<field type=\"string\"/></fields></meta></dataset>",
         CONV_E_STRUCTURE, 3, "<field> without a name"},
        {"<dataset xmlns=\"urn:x-libconv:dataset:1\">\n<meta><fields>\n"
         "<field name=\"\"/></fields></meta></dataset>",
         CONV_E_STRUCTURE, 3, "<field> without a name"},
        {"<dataset xmlns=\"urn:x-libconv:dataset:1\">\n<meta><fields/></meta>\n<meta/></dataset>",
         CONV_E_STRUCTURE, 3, "unexpected element <meta>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].doc, NULL, cases[i].code, cases[i].line, 0, cases[i].msg);
}

/* Elements that meta does not declare (fields the writer met after writing
 * meta): named after the field, or <field name="...">; type any (string)
 * unless type="..." says otherwise; appended to the reader's fields. */
static void test_vocab_late_fields(void **state)
{
    (void)state;
    const char *doc =
        VOCAB_HEAD "<record><year>1</year><region>x</region><field name=\"a b\">v</field>"
                   "<late type=\"integer\">5</late><field name=\"field\">f</field></record>\n"
                   "<record><region>y</region><field name=\"a b\" xsi:nil=\"true\"/>"
                   "<field name=\"note\">declared</field></record>\n"
                   "</dataset>\n";
    expect_dump(doc, NULL,
                "@20\tyear:integer=1\tregion:string=x\ta b:string=v\tlate:integer=5"
                "\tfield:string=f\n"
                "@21\tregion:string=y\ta b:null=\tnote:string=declared\n");
    struct one x;
    one_open(&x, doc, NULL);
    while (one_next(&x))
        ;
    const struct conv_schema *s = conv_reader_schema(x.rd);
    assert_int_equal(conv_schema_count(s), 14);
    static const char *const late[] = {"region", "a b", "late", "field"};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(conv_schema_field(s, 10 + i)->name, late[i]);
        assert_int_equal(conv_schema_field(s, 10 + i)->type, CONV_ANY);
    }
    one_close(&x);
}

/* The vocabulary is a root `dataset` in its namespace, without
 * --xml-record; anything else is record-shaped XML, values untyped. */
static void test_vocab_detection(void **state)
{
    (void)state;
    const char *doc = VOCAB_HEAD "  <record><year>0021</year></record>\n</dataset>\n";
    expect_error(doc, NULL, CONV_E_TYPE, 20, 16, "field 'year': '0021' is not a valid integer");
    expect_dump(doc, OPTS("xml-record=record"), "@20\tyear:string=0021\n");
    expect_dump("<dataset>\n<record><year>0021</year></record></dataset>", NULL,
                "@2\tyear:string=0021\n");
    expect_dump("<dataset xmlns=\"urn:x-libconv:dataset:2\">\n<record><a>1</a></record></dataset>",
                NULL, "@2\ta:integer=1\n");
    expect_dump("<d:dataset xmlns:d=\"urn:x-libconv:dataset:1\"><d:meta><d:fields>"
                "<d:field name=\"a\" type=\"decimal\"/></d:fields></d:meta>\n"
                "<d:record><d:a>1</d:a></d:record></d:dataset>",
                NULL, "@2\ta:decimal=1\n");
    /* Fields declared but no record. */
    struct one x;
    one_open(&x, VOCAB_HEAD "</dataset>", NULL);
    assert_int_equal(conv_schema_count(conv_reader_schema(x.rd)), 10);
    assert_null(one_next(&x));
    one_close(&x);
}

/* ---- 3. hostile input: codes, lines and messages ---------------------------------- */

static void test_entities_refused(void **state)
{
    (void)state;
    /* Billion laughs. */
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    for (int i = 1; i < 10; i++) {
        char buf[200];
        int n = snprintf(buf, sizeof buf, " <!ENTITY lol%d \"", i);
        for (int k = 0; k < 10; k++)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "&lol%.0d;", i - 1);
        snprintf(buf + n, sizeof buf - (size_t)n, "\">\n");
        tu_sb_str(&doc, buf);
    }
    tu_sb_str(&doc, "]>\n<lolz><i>&lol9;</i></lolz>\n");
    expect_error(doc.p, NULL, CONV_E_LIMIT, 3, 20,
                 "the DTD declares entity 'lol' (refused: entity declarations are not allowed)");
    free(doc.p);

    expect_error("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r><i>&x;</i></r>",
                 NULL, CONV_E_LIMIT, 1, 0, "the DTD declares entity 'x'");
    expect_error("<!DOCTYPE r [\n<!ENTITY % p SYSTEM \"http://127.0.0.1:9/p\"> %p;]>\n<r/>", NULL,
                 CONV_E_LIMIT, 2, 0, "the DTD declares entity 'p'");
    expect_error("<!DOCTYPE r [\n<!NOTATION n SYSTEM \"x\">\n"
                 "<!ENTITY u SYSTEM \"u.bin\" NDATA n>]>\n<r/>",
                 NULL, CONV_E_LIMIT, 3, 0, "the DTD declares entity 'u'");
    expect_error("<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/r.dtd\">\n<r><i>1</i></r>", NULL,
                 CONV_E_LIMIT, 1, 0,
                 "the document names an external DTD (refused: no external loading)");
    expect_error("<!DOCTYPE r PUBLIC \"-//x//y\" \"r.dtd\" [<!ELEMENT r ANY>]>\n<r/>", NULL,
                 CONV_E_LIMIT, 1, 0, "the document names an external DTD");
    /* Undefined and never-declared entities. */
    expect_error("<r>\n<i>a &nbsp; b</i></r>", NULL, CONV_E_SYNTAX, 2, 0,
                 "Entity 'nbsp' not defined");
    expect_error("<r>\n<i a=\"&x;\"/></r>", NULL, CONV_E_SYNTAX, 2, 0, "Entity 'x' not defined");
    /* Character references to what XML cannot carry. */
    expect_error("<r>\n<i>&#0;</i></r>", NULL, CONV_E_ENCODING, 2, 0,
                 "xmlParseCharRef: invalid xmlChar value 0");
    expect_error("<r>\n<i>&#x1;</i></r>", NULL, CONV_E_ENCODING, 2, 0,
                 "xmlParseCharRef: invalid xmlChar value 1");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_error("<r>\n<i><p:x>1</p:x></i></r>", NULL, CONV_E_SYNTAX, 2, 0,
                 "Namespace prefix p on x is not defined");
    expect_error("<r>\n<i p:a=\"1\"/></r>", NULL, CONV_E_SYNTAX, 2, 0,
                 "Namespace prefix p for a on i is not defined");
    expect_error("<r>\n<i a=\"1\" a=\"2\"/></r>", NULL, CONV_E_SYNTAX, 2, 0,
                 "Attribute a redefined");
    expect_error("<r xmlns:p=\"urn:p\" xmlns:q=\"urn:p\">\n<i p:a=\"1\" q:a=\"2\"/></r>", NULL,
                 CONV_E_SYNTAX, 2, 0, "");
    expect_error("<r>\n<i>1</i><i>2", NULL, CONV_E_SYNTAX, 2, 12,
                 "unexpected end of input inside <i>");
    expect_error("<r>\n<i>1</j></r>", NULL, CONV_E_SYNTAX, 2, 0, "");
    expect_error("", NULL, CONV_E_SYNTAX, 1, 1, "no root element (empty or cut short)");
    expect_error("  \n ", NULL, CONV_E_SYNTAX, 2, 2, "no root element (empty or cut short)");
    expect_error("<?xml version=\"1.0\"?>\n", NULL, CONV_E_SYNTAX, 2, 1,
                 "no root element (empty or cut short)");
    expect_error("<!-- only a comment -->", NULL, CONV_E_SYNTAX, 1, 0, "no root element");
    expect_error("<r><i>1</i></r>\n<r2/>", NULL, CONV_E_SYNTAX, 2, 0, "");
    expect_error("<r><i>1</i></r>\ntrailing", NULL, CONV_E_SYNTAX, 2, 0, "");
    expect_error("<r>\n<i>a\x01</i></r>", NULL, CONV_E_ENCODING, 2, 0, "");
}

/* Line 1 of a document whose first record is fine and second breaks a
 * limit: the first is delivered, then the error. */
static void test_limits(void **state)
{
    (void)state;
    struct tu_sbuf doc = {0};
    /* Nesting: 64 open elements are fine, 65 are not. */
    for (int depth = 64; depth <= 65; depth++) {
        doc.n = 0;
        tu_sb_str(&doc, "");
        for (int i = 0; i < depth; i++)
            tu_sb_str(&doc, i ? "<a>" : "<r>");
        for (int i = depth - 1; i >= 0; i--)
            tu_sb_str(&doc, i ? "</a>" : "</r>");
        if (depth == 64) {
            struct conv_error err;
            char *d = read_dump_n(doc.p, doc.n, NULL, 0, &err);
            if (!d)
                fail_msg("depth 64: %s", tu_error_line(&err));
            free(d);
        } else {
            expect_error(doc.p, NULL, CONV_E_LIMIT, 1, 0, "elements nested deeper than 64");
        }
    }
    /* A text value over 10,000,000 bytes (and one just under is fine). */
    for (int over = 0; over <= 1; over++) {
        doc.n = 0;
        tu_sb_str(&doc, "<r><i><a>ok</a></i>\n<i><a>");
        size_t n = CONVP_XML_MAX_TEXT + (over ? 1 : 0);
        char *big = malloc(n);
        memset(big, 'x', n);
        tu_sb_add(&doc, big, n);
        free(big);
        tu_sb_str(&doc, "</a></i></r>");
        if (!over) {
            struct conv_error err;
            char *d = read_dump_n(doc.p, doc.n, NULL, 0, &err);
            if (!d)
                fail_msg("text of 10,000,000 bytes: %s", tu_error_line(&err));
            free(d);
        } else {
            /* At the value's element, not somewhere in the text. */
            expect_error_n(doc.p, doc.n, NULL, CONV_E_LIMIT, 2, 6,
                           "text longer than 10000000 bytes");
        }
    }
    /* A name of 100,000 characters. */
    doc.n = 0;
    tu_sb_str(&doc, "<r>\n<");
    for (int i = 0; i < 100000; i++)
        tu_sb_str(&doc, "n");
    tu_sb_str(&doc, "/></r>");
    expect_error_n(doc.p, doc.n, NULL, CONV_E_SYNTAX, 2, 0, "Name too long");
    /* A start tag of 200,000 attributes. */
    doc.n = 0;
    tu_sb_str(&doc, "<r>\n<i");
    for (int i = 0; i < 200000; i++) {
        char a[32];
        snprintf(a, sizeof a, " a%d=\"1\"", i);
        tu_sb_str(&doc, a);
    }
    tu_sb_str(&doc, "/></r>");
    expect_error_n(doc.p, doc.n, NULL, CONV_E_LIMIT, 2, 0, "start tag longer than 131072 bytes");
    /* A record of 500,000 children. */
    doc.n = 0;
    tu_sb_str(&doc, "<r><i><c/></i>\n<i>");
    for (int i = 0; i < 500000; i++)
        tu_sb_str(&doc, "<c/>");
    tu_sb_str(&doc, "</i></r>");
    struct conv_error e = expect_error_n(doc.p, doc.n, NULL, CONV_E_LIMIT, 2, 0,
                                         "record with more than 100000 elements");
    assert_int_equal(e.record, 2);
    /* 300,000 distinct names: as fields first... */
    doc.n = 0;
    tu_sb_str(&doc, "<r>");
    for (int i = 0; i < 300000; i++) {
        char a[32];
        snprintf(a, sizeof a, "<n%d/>", i);
        tu_sb_str(&doc, a);
    }
    tu_sb_str(&doc, "</r>");
    expect_error_n(doc.p, doc.n, NULL, CONV_E_LIMIT, 1, 0, "more than 100000 distinct field names");
    /* ...and outside records, where only the parser's dictionary grows. */
    expect_error_n(doc.p, doc.n, OPTS("xml-record=item"), CONV_E_LIMIT, 1, 0,
                   "more than 200000 distinct names");
    free(doc.p);
}

/* ---- encodings ----------------------------------------------------------------- */

/* Line and column of the first byte over 0x7F (all before it ASCII). */
static void first_non_ascii(const char *doc, size_t n, uint64_t *line, uint64_t *col)
{
    *line = *col = 1;
    for (size_t i = 0; i < n && (unsigned char)doc[i] < 0x80; i++) {
        if (doc[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static void test_encodings(void **state)
{
    (void)state;
    /* A single-byte declaration over UTF-8 text: an error at the first
     * letter, not mojibake. */
    const char *lie = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                      "<r>\n<i>Thành phố Hải Dương</i></r>\n";
    expect_error(lie, NULL, CONV_E_ENCODING, 3, 6,
                 "the text is UTF-8 but the declaration says another encoding");
    /* The same with the first letter far into the document, past a chunk. */
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<r>\n");
    while (doc.n < 70000)
        tu_sb_str(&doc, "<i>ascii only</i>\n");
    tu_sb_str(&doc, "<i>Đà Lạt</i></r>\n");
    uint64_t line, col;
    first_non_ascii(doc.p, doc.n, &line, &col);
    assert_int_equal(col, 4);
    expect_error_n(doc.p, doc.n, NULL, CONV_E_ENCODING, line, col,
                   "the text is UTF-8 but the declaration says another encoding");
    /* The letter straddling the 64 KiB chunk boundary, at every offset. */
    for (size_t cut = 0; cut < 4; cut++) {
        doc.n = 0;
        tu_sb_str(&doc, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r><i>");
        while (doc.n < 65536 - cut)
            tu_sb_str(&doc, "x");
        tu_sb_str(&doc, "ệ</i></r>"); /* three bytes */
        first_non_ascii(doc.p, doc.n, &line, &col);
        assert_int_equal(line, 2);
        expect_error_n(doc.p, doc.n, NULL, CONV_E_ENCODING, line, col,
                       "the text is UTF-8 but the declaration says another encoding");
    }
    free(doc.p);

    /* Genuine ISO-8859-1 is read as UTF-8 text. */
    expect_dump(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r><i>caf\xe9 Z\xfcrich \xa9</i></r>",
        NULL, "@2\ti:string=café Zürich ©\n");
    expect_dump("<?xml version='1.0' encoding='latin1'?>\n<r><i a=\"\xe0\">\xe8</i></r>", NULL,
                "@2\ti:string=è\ta:string=à\n");
    /* Declared UTF-8 (or nothing) over Latin-1 bytes. */
    expect_error("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>\n<i>caf\xe9</i></r>", NULL,
                 CONV_E_ENCODING, 3, 0, "Input is not proper UTF-8");
    expect_error("<r>\n<i>caf\xe9</i></r>", NULL, CONV_E_ENCODING, 2, 0,
                 "Input is not proper UTF-8");
    /* Other declared encodings that the text does not fit: what libxml2
     * cannot convert is an encoding error, not a document cut short. */
    expect_error("<?xml version=\"1.0\" encoding=\"US-ASCII\"?>\n<r>\n<i>Thỉ t</i></r>", NULL,
                 CONV_E_ENCODING, 3, 4, "the input is not valid in its declared encoding");
    expect_error("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<r>\n<i>Thỉ t</i></r>", NULL,
                 CONV_E_ENCODING, 3, 4, "the input is not valid in its declared encoding");
    /* Overlong UTF-8 forms, which libxml2's push parser lets through in
     * CDATA sections (a fuzzer find). */
    expect_error("<r>\n<i><![CDATA[a\xc0\xab]]></i></r>", NULL, CONV_E_ENCODING, 2, 0,
                 "invalid UTF-8 in a CDATA section");
    expect_error("<r>\n<i><![CDATA[\xe0\x81\xab]]></i></r>", NULL, CONV_E_ENCODING, 2, 0,
                 "invalid UTF-8 in a CDATA section");
    expect_error("<r>\n<i>a\xc0\xab</i></r>", NULL, CONV_E_ENCODING, 2, 0, "");
    /* An encoding libxml2 does not know. */
    expect_error("<?xml version=\"1.0\" encoding=\"x-no-such\"?>\n<r/>", NULL, CONV_E_ENCODING, 1,
                 0, "");
}

/* UTF-16 with a BOM, LE and BE, with or without encoding="UTF-16". */
static void test_utf16(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<r><i n=\"Hà Nội\">Thành phố Huế 😀</i></r>\n",
        "<?xml version=\"1.0\"?>\n<r><i n=\"Hà Nội\">Thành phố Huế 😀</i></r>\n",
        "<r>\n<i n=\"Hà Nội\">Thành phố Huế 😀</i></r>\n",
    };
    static const char *const want[] = {
        "@2\ti:string=Thành phố Huế 😀\tn:string=Hà Nội\n",
        "@2\ti:string=Thành phố Huế 😀\tn:string=Hà Nội\n",
        "@2\ti:string=Thành phố Huế 😀\tn:string=Hà Nội\n",
    };
    for (size_t k = 0; k < 3; k++) {
        for (int be = 0; be <= 1; be++) {
            /* UTF-8 -> UTF-16 by hand. */
            const unsigned char *s = (const unsigned char *)texts[k];
            struct tu_sbuf u = {0};
            tu_sb_add(&u, be ? "\xfe\xff" : "\xff\xfe", 2);
            while (*s) {
                uint32_t cp;
                if (s[0] < 0x80) {
                    cp = s[0];
                    s += 1;
                } else if (s[0] < 0xE0) {
                    cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
                    s += 2;
                } else if (s[0] < 0xF0) {
                    cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) |
                         (s[2] & 0x3F);
                    s += 3;
                } else {
                    cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                         ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
                    s += 4;
                }
                uint16_t units[2];
                int nu = 1;
                if (cp >= 0x10000) {
                    cp -= 0x10000;
                    units[0] = (uint16_t)(0xD800 | (cp >> 10));
                    units[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
                    nu = 2;
                } else {
                    units[0] = (uint16_t)cp;
                }
                for (int j = 0; j < nu; j++) {
                    char b[2];
                    b[be ? 0 : 1] = (char)(units[j] >> 8);
                    b[be ? 1 : 0] = (char)(units[j] & 0xFF);
                    tu_sb_add(&u, b, 2);
                }
            }
            expect_dump_n(u.p, u.n, NULL, want[k]);
            free(u.p);
        }
    }
    /* A UTF-8 BOM is fine too. */
    expect_dump("\xef\xbb\xbf<r>\n<i>Huế</i></r>", NULL, "@2\ti:string=Huế\n");
}

/* ---- 4. XSD through the library's diagnostic callback ------------------------------ */

struct diags {
    int n;
    char lines[8][300];
};

static void collect_diag(void *user, const struct conv_error *d)
{
    struct diags *c = user;
    if (c->n < 8)
        conv_error_format(d, c->lines[c->n], sizeof c->lines[0]);
    c->n++;
}

static const char small_xsd[] = "<?xml version=\"1.0\"?>\n"
                                "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                                "  <xs:element name=\"r\">\n"
                                "    <xs:complexType><xs:sequence>\n"
                                "      <xs:element name=\"i\" maxOccurs=\"unbounded\">\n"
                                "        <xs:complexType><xs:sequence>\n"
                                "          <xs:element name=\"n\" type=\"xs:integer\"/>\n"
                                "        </xs:sequence></xs:complexType>\n"
                                "      </xs:element>\n"
                                "    </xs:sequence></xs:complexType>\n"
                                "  </xs:element>\n"
                                "</xs:schema>\n";

static void test_xsd_diagnostics(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *xsd = tu_path(dir, "s.xsd");
    tu_write_file(xsd, small_xsd, strlen(small_xsd));
    char opt[4200];
    snprintf(opt, sizeof opt, "xsd=%s", xsd);
    const char *good = "<r>\n<i><n>1</n></i>\n<i><n>2</n></i>\n</r>\n";
    const char *bad = "<r>\n<i><n>1</n></i>\n<i><n>x</n></i>\n<i><n>3</n><m/></i>\n</r>\n";

    for (int trickle = 0; trickle <= 1; trickle++) {
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = xml_options(ctx, OPTS(opt));
        struct diags dg = {0};
        conv_options_set_diag(o, collect_diag, &dg);
        struct tu_trickle t = {.seed = 3};
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd =
            tu_reader_open(ctx, good, strlen(good), "in.xml", o, trickle ? &t : NULL, &err);
        assert_non_null(rd);
        const struct conv_record *rec;
        int n = 0, rc;
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
            n++;
        assert_int_equal(rc, CONV_EOF);
        assert_int_equal(n, 2);
        assert_int_equal(dg.n, 0);
        conv_reader_close(rd);

        rd = tu_reader_open(ctx, bad, strlen(bad), "in.xml", o, trickle ? &t : NULL, &err);
        assert_non_null(rd);
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
            ;
        assert_int_equal(rc, CONV_ERR);
        /* Both violations, each with its line, then the summary. */
        assert_int_equal(dg.n, 2);
        assert_string_equal(dg.lines[0], "in.xml:3: Element 'n': 'x' is not a valid value of the "
                                         "atomic type 'xs:integer'");
        assert_string_equal(dg.lines[1], "in.xml:4: Element 'm': This element is not expected");
        const struct conv_error *e = conv_reader_error(rd);
        assert_int_equal(e->code, CONV_E_SCHEMA);
        assert_int_equal(e->line, 3);
        assert_string_equal(e->message, "2 XSD violations; the first: Element 'n': 'x' is not a "
                                        "valid value of the atomic type 'xs:integer'");
        conv_reader_close(rd);
        conv_options_free(o);
        conv_context_free(ctx);
    }

    /* A missing XSD, one that is not XML, one that is not a schema. */
    struct conv_error err;
    char miss[4200];
    snprintf(miss, sizeof miss, "xsd=%s/none.xsd", dir);
    assert_null(read_dump_n(good, strlen(good), OPTS(miss), 0, &err));
    assert_int_equal(err.code, CONV_E_IO);
    char *notxml = tu_path(dir, "notxml.xsd");
    tu_write_file(notxml, "<xs:schema\n", 11);
    snprintf(opt, sizeof opt, "xsd=%s", notxml);
    assert_null(read_dump_n(good, strlen(good), OPTS(opt), 0, &err));
    assert_int_equal(err.code, CONV_E_SCHEMA);
    assert_non_null(strstr(err.message, "invalid XSD"));
    char *invalid = tu_path(dir, "invalid.xsd");
    const char *inv = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                      "<xs:element name=\"r\" type=\"nope\"/></xs:schema>\n";
    tu_write_file(invalid, inv, strlen(inv));
    snprintf(opt, sizeof opt, "xsd=%s", invalid);
    assert_null(read_dump_n(good, strlen(good), OPTS(opt), 0, &err));
    assert_int_equal(err.code, CONV_E_SCHEMA);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "invalid XSD: "));
    /* A remote include is refused before anything is fetched. */
    char *remote = tu_path(dir, "remote.xsd");
    const char *rem = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                      "<xs:include schemaLocation=\"http://127.0.0.1:9/x.xsd\"/>\n"
                      "<xs:element name=\"r\"/></xs:schema>\n";
    tu_write_file(remote, rem, strlen(rem));
    snprintf(opt, sizeof opt, "xsd=%s", remote);
    assert_null(read_dump_n(good, strlen(good), OPTS(opt), 0, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.message,
                        "the XSD includes a remote schema (refused: no network access)");

    /* With an XSD, the DTD refusals still hold. */
    snprintf(opt, sizeof opt, "xsd=%s", xsd);
    expect_error("<!DOCTYPE r [<!ENTITY x \"y\">]>\n<r><i><n>&x;</n></i></r>", OPTS(opt),
                 CONV_E_LIMIT, 1, 0, "the DTD declares entity 'x'");

    free(remote);
    free(invalid);
    free(notxml);
    free(xsd);
    tu_rmtree(dir);
    free(dir);
}

/* ---- chunks, memory, allocation failures ---------------------------------------- */

/* A document of several chunks, long values straddling the boundaries:
 * memory and trickled reads agree, and every value is exact. */
static void test_long_values_across_chunks(void **state)
{
    (void)state;
    struct tu_sbuf doc = {0}, want = {0}, big = {0};
    tu_sb_str(&doc, "<r>\n");
    tu_sb_str(&want, "");
    unsigned line = 2;
    for (unsigned r = 0; r < 60; r++) {
        big.n = 0;
        tu_sb_str(&big, "");
        unsigned len = 1000 + r * 997;
        for (unsigned i = 0; i < len; i++)
            tu_sb_str(&big, i % 3 ? "ộ" : (i % 5 ? "a" : "&amp;"));
        char head[96];
        snprintf(head, sizeof head, "<i n=\"%u\">\n <v>", r);
        tu_sb_str(&doc, head);
        tu_sb_add(&doc, big.p, big.n);
        tu_sb_str(&doc,
                  r % 2 ? "</v><w><![CDATA[]]]]><![CDATA[>]]></w></i>\n" : "</v><w>x</w></i>\n");
        snprintf(head, sizeof head, "@%u\tn:integer=%u\tv:string=", line, r);
        tu_sb_str(&want, head);
        for (unsigned i = 0; i < len; i++)
            tu_sb_str(&want, i % 3 ? "ộ" : (i % 5 ? "a" : "&"));
        tu_sb_str(&want, r % 2 ? "\tw:string=]]>\n" : "\tw:string=x\n");
        line += 2;
    }
    tu_sb_str(&doc, "</r>\n");
    assert_true(doc.n > 4 * ((size_t)64 << 10));
    expect_dump_n(doc.p, doc.n, NULL, want.p);
    free(doc.p);
    free(want.p);
    free(big.p);
}

/* 300,000 records (about 70 MB) through the callback: the library's own
 * memory stays flat (libxml2's is measured by the tool tests). */
static void test_memory_stays_flat(void **state)
{
    (void)state;
    static const char generic_rec[] =
        "  <item code=\"165\"><name>Thành phố Sông Công</name><v unit=\"tỷ đồng\">552.6</v>"
        "<tag>a</tag><tag>b</tag><addr><city>Thái Nguyên</city></addr><empty/></item>\n";
    static const char vocab_rec[] =
        "  <record><region_code>165</region_code><year>2021</year><value>552.6</value>"
        "<note>Thành phố Sông Công</note><change__ xsi:nil=\"true\"/></record>\n";
    for (int vocab = 0; vocab <= 1; vocab++) {
        struct tu_counting cnt = {0};
        struct conv_allocator alloc = tu_counting_allocator(&cnt);
        struct conv_context *ctx = conv_context_new(&alloc);
        const char *pat = vocab ? vocab_rec : generic_rec;
        struct tu_gen g = {vocab ? VOCAB_HEAD : "<items>\n", pat, (uint64_t)strlen(pat) * 300000,
                           vocab ? "</dataset>\n" : "</items>\n", 0};
        /* infer-rows 0: the core's inference holds back its first records,
         * whatever the format (about 18 KiB each); that is not measured here. */
        struct conv_options *o = xml_options(ctx, OPTS("infer-rows=0"));
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd = conv_reader_open_callback(ctx, tu_gen_read, &g, "gen", o, &err);
        assert_non_null(rd);
        const struct conv_record *rec;
        unsigned n = 0;
        while (conv_reader_next(rd, &rec) == CONV_OK)
            n++;
        if (conv_reader_error(rd)->code != CONV_E_NONE)
            fail_msg("%s", tu_error_line(conv_reader_error(rd)));
        assert_int_equal(n, 300000);
        conv_reader_close(rd);
        conv_options_free(o);
        conv_context_free(ctx);
        if (cnt.peak > ((size_t)2 << 20))
            fail_msg("%s: peak memory %zu bytes", vocab ? "vocabulary" : "generic", cnt.peak);
        assert_int_equal(cnt.now, 0);
    }
}

/*
 * Fail the 1st, 2nd, ... allocation of the library while reading (trickled,
 * so records straddle reads): each run ends in a clean CONV_E_NOMEM or in
 * the full result, and frees everything.
 */
static void test_allocation_failures(void **state)
{
    (void)state;
    const char *docs[2] = {
        "<r xmlns:p=\"urn:p\"><i a=\"1\"><p:b>x</p:b><c><d>2</d><d>3</d></c><e/></i>\n"
        "<i>text only</i>\n<i a=\"2\"><b>dài dài dài dài dài dài dài dài</b></i></r>\n",
        VOCAB_HEAD "<record><year>1</year><note>n</note></record>\n"
                   "<record><value>2.5</value><change__ xsi:nil=\"true\"/></record></dataset>\n"};
    const unsigned want[2] = {3, 2};
    for (int k = 0; k < 2; k++) {
        struct tu_outcome last;
        long at = tu_alloc_sweep(docs[k], strlen(docs[k]), "in.xml", OPTS("from=xml"), CONV_E_NOMEM,
                                 &last);
        assert_int_equal(last.rc, CONV_EOF);
        assert_int_equal(last.records, want[k]);
        assert_true(at > 5);
    }
}

/* ---- the descriptor and probing ---------------------------------------------------- */

static void test_probe_and_descriptor(void **state)
{
    (void)state;
    const struct conv_format *f = conv_format_by_name("xml");
    assert_ptr_equal(f, conv_format_by_name("xml"));
    assert_ptr_equal(conv_format_by_path("data/x.xml"), f);
    assert_true(conv_format_can_read(f));
    assert_string_equal(conv_format_extensions(f)[0], "xml");
    assert_null(conv_format_extensions(f)[1]);
    static const char *const opts[] = {"xml-record", "xsd", "reject-nested", "xml-indent"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(conv_format_option(f, i)->name, opts[i]);
    assert_null(conv_format_option(f, 4));

    assert_int_equal(f->probe((const unsigned char *)"<?xml version", 13), 95);
    assert_int_equal(f->probe((const unsigned char *)" \n<r>", 5), 70);
    assert_int_equal(f->probe((const unsigned char *)"<!-- c --><r/>", 14), 70);
    assert_int_equal(f->probe((const unsigned char *)"<", 1), 0);
    assert_int_equal(f->probe((const unsigned char *)"<1", 2), 0);
    assert_int_equal(f->probe((const unsigned char *)"a,b", 3), 0);
    assert_int_equal(f->probe((const unsigned char *)"", 0), 0);
    assert_ptr_equal(conv_format_probe("<?xml version=\"1.0\"?><r/>", 25), f);
    assert_ptr_equal(conv_format_probe("<r><i>1</i></r>", 15), f);

    /* Read without --from: the probe picks XML. */
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    struct conv_error err;
    conv_error_clear(&err);
    const char *doc = "<r><i><a>1</a></i></r>";
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, strlen(doc), "-", o, &err);
    assert_non_null(rd);
    assert_ptr_equal(conv_reader_format(rd), f);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_value(rec, "a", CONV_INTEGER, "1");
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic_document),
        cmocka_unit_test(test_generic_inference),
        cmocka_unit_test(test_generic_positions),
        cmocka_unit_test(test_attribute_and_child),
        cmocka_unit_test(test_many_repeated_children),
        cmocka_unit_test(test_flattened_duplicate),
        cmocka_unit_test(test_generic_nil),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_mixed_content_pieces),
        cmocka_unit_test(test_text_only_record),
        cmocka_unit_test(test_default_records),
        cmocka_unit_test(test_record_name),
        cmocka_unit_test(test_record_absolute_path),
        cmocka_unit_test(test_record_relative_path),
        cmocka_unit_test(test_record_option_invalid),
        cmocka_unit_test(test_reject_nested),
        cmocka_unit_test(test_vocab_typed),
        cmocka_unit_test(test_vocab_override_nil_empty_absent),
        cmocka_unit_test(test_vocab_errors),
        cmocka_unit_test(test_vocab_meta_errors),
        cmocka_unit_test(test_vocab_late_fields),
        cmocka_unit_test(test_vocab_detection),
        cmocka_unit_test(test_entities_refused),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_xsd_diagnostics),
        cmocka_unit_test(test_long_values_across_chunks),
        cmocka_unit_test(test_memory_stays_flat),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_probe_and_descriptor),
    };
    return cmocka_run_group_tests_name("xml reader", tests, NULL, NULL);
}
