/*
 * XML writer tests: the exchange vocabulary byte for byte (metadata and its
 * defaults, field declarations, every value type and the type attribute,
 * null against empty against absent), escaping in text and attributes,
 * element names for fields whose names are not NCNames and their
 * uniqueness, fields that appear after the header, indentation, characters
 * XML cannot carry, --created, long values, the sample files against their
 * goldens, and a text-level comparison of CSV cells with the XML written.
 *
 * Every document a test writes is parsed by libxml2 (XML_PARSE_NONET) and
 * validated against schemas/dataset.xsd; the samples also against
 * schemas/indicators.xsd, which must reject documents that break it.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "conv_private.h" /* records are built here slot by slot */

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

#define CREATED "2022-01-15T00:00:00Z"
#define DECL                                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                           \
    "<dataset xmlns=\"urn:x-libconv:dataset:1\" "                                            \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
/* The metadata the default options give: title t, no source. */
#define META(fields)                                                                         \
    "  <meta>\n    <title>t</title>\n    <created>" CREATED "</created>\n    <fields>\n" fields \
    "    </fields>\n  </meta>\n"
#define FIELD(attrs) "      <field " attrs "/>\n"
#define END "</dataset>\n"
#define DEFAULT_OPTS ARGV("title=t", "source=", "created=" CREATED)

/* ---- libxml2: parsing and XSD validation ------------------------------------------ */

static xmlSchemaPtr xsd_dataset, xsd_indicators;
static char xml_errors[2048];

#if LIBXML_VERSION >= 21200
static void collect_error(void *user, const xmlError *e)
#else
static void collect_error(void *user, xmlErrorPtr e)
#endif
{
    (void)user;
    size_t n = strlen(xml_errors);
    if (n + 1 < sizeof xml_errors)
        snprintf(xml_errors + n, sizeof xml_errors - n, "line %d: %s", e->line,
                 e->message ? e->message : "?\n");
}

/* A path in the source tree (CONV_SRC when ctest runs us). */
static char *src_path(const char *rel)
{
    const char *src = getenv("CONV_SRC");
    return src ? tu_path(src, rel) : tu_src(rel);
}

static xmlSchemaPtr load_xsd(const char *rel)
{
    char *path = src_path(rel);
    xml_errors[0] = '\0';
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    assert_non_null(pc);
    xmlSchemaSetParserStructuredErrors(pc, collect_error, NULL);
    xmlSchemaPtr s = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (!s)
        fail_msg("%s does not compile: %s", path, xml_errors);
    free(path);
    return s;
}

static int setup(void **state)
{
    (void)state;
    xmlInitParser();
    xmlSetStructuredErrorFunc(NULL, collect_error);
    xsd_dataset = load_xsd("schemas/dataset.xsd");
    xsd_indicators = load_xsd("schemas/indicators.xsd");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    xmlSchemaFree(xsd_dataset);
    xmlSchemaFree(xsd_indicators);
    xmlCleanupParser();
    return 0;
}

/* Parse without network access; NULL (and xml_errors) when not well-formed. */
static xmlDocPtr parse(const char *doc, size_t len)
{
    xml_errors[0] = '\0';
    return xmlReadMemory(doc, (int)len, "written.xml", NULL, XML_PARSE_NONET);
}

/* 0 when doc is well-formed and valid against xsd, else -1 with xml_errors. */
static int validate(const char *doc, size_t len, xmlSchemaPtr xsd)
{
    xmlDocPtr d = parse(doc, len);
    if (!d)
        return -1;
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(xsd);
    assert_non_null(vc);
    xmlSchemaSetValidStructuredErrors(vc, collect_error, NULL);
    int rc = xmlSchemaValidateDoc(vc, d);
    xmlSchemaFreeValidCtxt(vc);
    xmlFreeDoc(d);
    return rc == 0 ? 0 : -1;
}

static void assert_valid(const char *doc, size_t len, xmlSchemaPtr xsd, const char *what)
{
    if (validate(doc, len, xsd) != 0)
        fail_msg("%s is not valid against %s: %s\n%.3000s", what,
                 xsd == xsd_dataset ? "dataset.xsd" : "indicators.xsd", xml_errors, doc);
}

/* ---- records made by hand -------------------------------------------------------- */

struct fix {
    struct conv_context *ctx;
    struct conv_schema *schema; /* the records' field names */
    struct conv_record rec[4];
    size_t n;
};

static void fix_init(struct fix *f)
{
    f->ctx = conv_context_new(NULL);
    f->schema = conv_schema_new(f->ctx);
    assert_non_null(f->schema);
    for (size_t i = 0; i < 4; i++) {
        convp_record_init(&f->rec[i], f->ctx, f->schema);
        f->rec[i].index = i + 1;
        f->rec[i].source = "in.csv";
    }
    f->n = 0;
}

static void fix_free(struct fix *f)
{
    for (size_t i = 0; i < 4; i++)
        convp_record_fini(&f->rec[i]);
    conv_schema_free(f->schema);
    conv_context_free(f->ctx);
}

/* Add a value named name to record r, at line r + 2, column 3. */
static void fix_add_n(struct fix *f, size_t r, const char *name, size_t nlen,
                      enum conv_type type, unsigned flags, const char *text, size_t len)
{
    long i = convp_schema_find_n(f->schema, name, nlen);
    if (i < 0)
        i = convp_schema_add_name(f->schema, name, nlen);
    assert_true(i >= 0);
    assert_int_equal(
        convp_record_add(&f->rec[r], (uint32_t)i, type, flags, text, len, r + 2, 3), CONV_OK);
    if (r + 1 > f->n)
        f->n = r + 1;
}

static void fix_add(struct fix *f, size_t r, const char *name, enum conv_type type,
                    const char *text)
{
    fix_add_n(f, r, name, strlen(name), type, 0, text, strlen(text));
}

/* Options "name=value" (NULL-terminated) plus to=xml. */
static struct conv_options *make_opts(struct conv_context *ctx, const char *const *opts)
{
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "to", "xml");
    for (size_t i = 0; opts && opts[i]; i++) {
        const char *eq = strchr(opts[i], '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - opts[i]), opts[i]);
        conv_options_set(o, name, eq + 1);
    }
    return o;
}

/* The bytes of a finished memory writer, malloc'd and NUL-terminated;
 * they are checked against dataset.xsd on the way. */
static char *take_output(struct conv_writer *w, size_t *len)
{
    size_t size;
    const void *mem = conv_writer_memory(w, &size);
    char *out = malloc(size + 1);
    memcpy(out, mem, size);
    out[size] = '\0';
    *len = size;
    assert_valid(out, size, xsd_dataset, "the document written");
    return out;
}

/*
 * Write the first n records with header (NULL: from the first record) and
 * opts; returns the document, or NULL with *err set.
 */
static char *write_doc(struct fix *f, size_t n, const struct conv_schema *header,
                       const char *const *opts, size_t *len, struct conv_error *err)
{
    struct conv_options *o = make_opts(f->ctx, opts);
    conv_error_clear(err);
    struct conv_writer *w = conv_writer_open_memory(f->ctx, header, o, err);
    char *out = NULL;
    if (w) {
        size_t i;
        for (i = 0; i < n; i++)
            if (conv_writer_put(w, &f->rec[i]) != CONV_OK)
                break;
        if (i == n && conv_writer_finish(w) == CONV_OK)
            out = take_output(w, len);
        else
            *err = *conv_writer_error(w);
    }
    conv_writer_close(w);
    conv_options_free(o);
    return out;
}

static void expect_same(const char *what, const char *got, size_t glen, const char *want,
                        size_t wlen)
{
    if (glen != wlen || memcmp(got, want, wlen) != 0) {
        size_t i = 0;
        while (i < glen && i < wlen && got[i] == want[i])
            i++;
        fail_msg("%s: differs at byte %zu\n--- expected\n%s\n--- got\n%s", what, i, want, got);
    }
}

static void expect_doc(struct fix *f, size_t n, const struct conv_schema *header,
                       const char *const *opts, const char *want)
{
    struct conv_error err;
    size_t len;
    char *got = write_doc(f, n, header, opts, &len, &err);
    if (!got)
        fail_msg("write failed: %s", err.message);
    expect_same("document", got, len, want, strlen(want));
    free(got);
}

/* A header schema: fields "name:type" (type optional). */
static struct conv_schema *make_header(struct conv_context *ctx, const char *const *fields)
{
    struct conv_schema *s = conv_schema_new(ctx);
    for (size_t i = 0; fields[i]; i++) {
        char name[256];
        struct conv_field fd = {0};
        const char *colon = strrchr(fields[i], ':');
        snprintf(name, sizeof name, "%.*s",
                 (int)(colon ? (size_t)(colon - fields[i]) : strlen(fields[i])), fields[i]);
        fd.name = name;
        fd.type = CONV_ANY;
        if (colon)
            assert_int_equal(conv_type_parse(colon + 1, &fd.type), 0);
        assert_int_equal(conv_schema_add(s, &fd), CONV_OK);
    }
    return s;
}

/* Write expecting failure; returns the error. */
static struct conv_error write_error(struct fix *f, size_t n, const struct conv_schema *header,
                                     const char *const *opts)
{
    struct conv_error err;
    size_t len;
    char *out = write_doc(f, n, header, opts, &len, &err);
    if (out)
        fail_msg("expected an error, got:\n%s", out);
    return err;
}

/* ---- values ------------------------------------------------------------------------ */

/* Fields of type any (no header): every value type but string says its type. */
static void test_value_types_any(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    fix_add(&f, 0, "null", CONV_NULL, "");
    fix_add(&f, 0, "empty", CONV_STRING, "");
    fix_add(&f, 0, "int", CONV_INTEGER, "-12345678901234567890123");
    fix_add(&f, 0, "dec", CONV_DECIMAL, "552.6");
    fix_add(&f, 0, "exp", CONV_DECIMAL, "1E+5");
    fix_add(&f, 0, "t", CONV_BOOLEAN, "true");
    fix_add(&f, 0, "f", CONV_BOOLEAN, "false");
    fix_add(&f, 0, "date", CONV_DATE, "2024-02-29");
    fix_add(&f, 0, "dt", CONV_DATETIME, "2024-02-29T10:00:00+07:00");
    fix_add(&f, 0, "str", CONV_STRING, "Sông Công");
    fix_add_n(&f, 0, "raw", 3, CONV_INTEGER, CONV_VALUE_RAW, "0012", 4);
    fix_add(&f, 0, "anyv", CONV_ANY, "x");
    expect_doc(&f, 1, NULL, DEFAULT_OPTS,
               DECL META(FIELD("name=\"null\" type=\"any\"") FIELD("name=\"empty\" type=\"any\"")
                             FIELD("name=\"int\" type=\"any\"") FIELD("name=\"dec\" type=\"any\"")
                                 FIELD("name=\"exp\" type=\"any\"")
                                     FIELD("name=\"t\" type=\"any\"")
                                         FIELD("name=\"f\" type=\"any\"")
                                             FIELD("name=\"date\" type=\"any\"")
                                                 FIELD("name=\"dt\" type=\"any\"")
                                                     FIELD("name=\"str\" type=\"any\"")
                                                         FIELD("name=\"raw\" type=\"any\"")
                                                             FIELD("name=\"anyv\" type=\"any\""))
                   "  <record>\n"
                   "    <null xsi:nil=\"true\"/>\n"
                   "    <empty/>\n"
                   "    <int type=\"integer\">-12345678901234567890123</int>\n"
                   "    <dec type=\"decimal\">552.6</dec>\n"
                   "    <exp type=\"decimal\">1E+5</exp>\n"
                   "    <t type=\"boolean\">true</t>\n"
                   "    <f type=\"boolean\">false</f>\n"
                   "    <date type=\"date\">2024-02-29</date>\n"
                   "    <dt type=\"datetime\">2024-02-29T10:00:00+07:00</dt>\n"
                   "    <str>Sông Công</str>\n"
                   "    <raw>0012</raw>\n"
                   "    <anyv>x</anyv>\n"
                   "  </record>\n" END);
    fix_free(&f);
}

/* Declared fields: values of their type carry nothing, others their type;
 * labels, unit and required are declared. */
static void test_value_types_declared(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    struct conv_schema *h = make_header(
        f.ctx, ARGV("s:string", "i:integer", "d:decimal", "b:boolean", "day:date", "ts:datetime",
                    "a:any"));
    struct conv_field *hf = h->fields;
    hf[0].label = convp_strdup(f.ctx, "Mã địa bàn");
    hf[0].label_en = convp_strdup(f.ctx, "Region code");
    hf[0].required = 1;
    hf[2].unit = convp_strdup(f.ctx, "tỷ đồng");
    fix_add(&f, 0, "s", CONV_STRING, "0101");
    fix_add(&f, 0, "i", CONV_INTEGER, "165");
    fix_add(&f, 0, "d", CONV_DECIMAL, "13090");
    fix_add(&f, 0, "b", CONV_BOOLEAN, "false");
    fix_add(&f, 0, "day", CONV_DATE, "2021-12-31");
    fix_add(&f, 0, "ts", CONV_DATETIME, "2021-12-31T23:59:59.5Z");
    fix_add(&f, 0, "a", CONV_STRING, "text");
    /* A string fallen back in typed columns, an integer in a decimal one. */
    fix_add(&f, 1, "s", CONV_INTEGER, "7");
    fix_add(&f, 1, "i", CONV_STRING, "n/a");
    fix_add(&f, 1, "d", CONV_INTEGER, "5");
    fix_add(&f, 1, "b", CONV_STRING, "");
    fix_add(&f, 1, "day", CONV_STRING, "2021-13-01");
    fix_add(&f, 1, "ts", CONV_DATE, "2021-12-31");
    fix_add(&f, 1, "a", CONV_DECIMAL, "0.5");
    expect_doc(&f, 2, h, DEFAULT_OPTS,
               DECL META(FIELD("name=\"s\" type=\"string\" label=\"Mã địa bàn\" "
                               "label-en=\"Region code\" required=\"true\"")
                             FIELD("name=\"i\" type=\"integer\"")
                                 FIELD("name=\"d\" type=\"decimal\" unit=\"tỷ đồng\"")
                                     FIELD("name=\"b\" type=\"boolean\"")
                                         FIELD("name=\"day\" type=\"date\"")
                                             FIELD("name=\"ts\" type=\"datetime\"")
                                                 FIELD("name=\"a\" type=\"any\""))
                   "  <record>\n"
                   "    <s>0101</s>\n"
                   "    <i>165</i>\n"
                   "    <d>13090</d>\n"
                   "    <b>false</b>\n"
                   "    <day>2021-12-31</day>\n"
                   "    <ts>2021-12-31T23:59:59.5Z</ts>\n"
                   "    <a>text</a>\n"
                   "  </record>\n"
                   "  <record>\n"
                   "    <s type=\"integer\">7</s>\n"
                   "    <i type=\"string\">n/a</i>\n"
                   "    <d type=\"integer\">5</d>\n"
                   "    <b type=\"string\"/>\n"
                   "    <day type=\"string\">2021-13-01</day>\n"
                   "    <ts type=\"date\">2021-12-31</ts>\n"
                   "    <a type=\"decimal\">0.5</a>\n"
                   "  </record>\n" END);
    conv_schema_free(h);
    fix_free(&f);
}

/* Null, empty string and absent field are three different things; a
 * record without values is an empty record; a record keeps its order. */
static void test_null_empty_absent(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    struct conv_schema *h = make_header(f.ctx, ARGV("a:string", "b:string", "c:decimal"));
    fix_add(&f, 0, "a", CONV_NULL, "");
    fix_add(&f, 0, "b", CONV_STRING, "");
    fix_add(&f, 1, "c", CONV_DECIMAL, "1.5");
    fix_add(&f, 1, "a", CONV_STRING, " ");
    fix_add(&f, 3, "c", CONV_NULL, "");
    expect_doc(&f, 4, h, DEFAULT_OPTS,
               DECL META(FIELD("name=\"a\" type=\"string\"") FIELD("name=\"b\" type=\"string\"")
                             FIELD("name=\"c\" type=\"decimal\""))
                   "  <record>\n"
                   "    <a xsi:nil=\"true\"/>\n"
                   "    <b/>\n"
                   "  </record>\n"
                   "  <record>\n"
                   "    <c>1.5</c>\n"
                   "    <a> </a>\n"
                   "  </record>\n"
                   "  <record/>\n"
                   "  <record>\n"
                   "    <c xsi:nil=\"true\"/>\n"
                   "  </record>\n" END);
    conv_schema_free(h);
    fix_free(&f);
}

/* ---- escaping --------------------------------------------------------------------- */

static void test_text_escapes(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    fix_add(&f, 0, "v", CONV_STRING, "a<b&c>d\r\ne\tf\"g'h]]>i&amp;");
    /* Characters near the refused ones pass: U+FFFD, U+F000, U+FEFF, DEL, C1. */
    fix_add(&f, 0, "w", CONV_STRING, "\xef\xbf\xbd\xef\x80\x80\xef\xbb\xbf\x7f\xc2\x85");
    fix_add(&f, 0, "x", CONV_STRING, "\r");
    expect_doc(&f, 1, NULL, DEFAULT_OPTS,
               DECL META(FIELD("name=\"v\" type=\"any\"") FIELD("name=\"w\" type=\"any\"")
                             FIELD("name=\"x\" type=\"any\""))
                   "  <record>\n"
                   "    <v>a&lt;b&amp;c&gt;d&#13;\ne\tf\"g'h]]&gt;i&amp;amp;</v>\n"
                   "    <w>\xef\xbf\xbd\xef\x80\x80\xef\xbb\xbf\x7f\xc2\x85</w>\n"
                   "    <x>&#13;</x>\n"
                   "  </record>\n" END);
    fix_free(&f);
}

/* Escapes at every offset of the eight-byte scan. */
static void test_escape_alignment(void **state)
{
    (void)state;
    static const char *const special[] = {"<", "&", ">", "\r", "\t", "\n", "\xef\xbf\xbd"};
    static const char *const escaped[] = {"&lt;", "&amp;", "&gt;", "&#13;", "\t", "\n",
                                          "\xef\xbf\xbd"};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
        for (size_t at = 0; at < 20; at++) {
            struct fix f;
            fix_init(&f);
            char text[64], want[1024];
            snprintf(text, sizeof text, "%.*s%s%.*s", (int)at, "aaaaaaaaaaaaaaaaaaaaaaa",
                     special[k], (int)(20 - at), "bbbbbbbbbbbbbbbbbbbbbbbb");
            fix_add(&f, 0, "s", CONV_STRING, text);
            snprintf(want, sizeof want,
                     DECL META(FIELD("name=\"s\" type=\"any\"")) "  <record>\n    "
                                                                 "<s>%.*s%s%.*s</s>\n  "
                                                                 "</record>\n" END,
                     (int)at, "aaaaaaaaaaaaaaaaaaaaaaa", escaped[k], (int)(20 - at),
                     "bbbbbbbbbbbbbbbbbbbbbbbb");
            expect_doc(&f, 1, NULL, DEFAULT_OPTS, want);
            fix_free(&f);
        }
}

/* Attribute values (names, labels) escape quotes and white space too, and
 * an XML parser gives back exactly the original text. */
static void test_attribute_escapes(void **state)
{
    (void)state;
    static const char name[] = "a\"b<c>&d\te\nf\rg'h";
    static const char label[] = " \"quoted\"\t<&>\r\n ";
    struct fix f;
    fix_init(&f);
    struct conv_schema *h = conv_schema_new(f.ctx);
    struct conv_field fd = {.name = name, .type = CONV_STRING, .label = label,
                            .label_en = "it's", .unit = "m\xc2\xb2"};
    assert_int_equal(conv_schema_add(h, &fd), CONV_OK);
    fix_add(&f, 0, name, CONV_STRING, "v");
    const char *want =
        DECL "  <meta>\n    <title>&lt;T&gt; &amp; \"Q\"\ttab</title>\n"
             "    <source>s&#13;</source>\n"
             "    <created>" CREATED "</created>\n    <fields>\n"
             "      <field name=\"a&quot;b&lt;c&gt;&amp;d&#9;e&#10;f&#13;g'h\" "
             "element=\"a_b_c__d_e_f_g_h\" type=\"string\" "
             "label=\" &quot;quoted&quot;&#9;&lt;&amp;&gt;&#13;&#10; \" label-en=\"it's\" "
             "unit=\"m\xc2\xb2\"/>\n"
             "    </fields>\n  </meta>\n"
             "  <record>\n    <a_b_c__d_e_f_g_h>v</a_b_c__d_e_f_g_h>\n  </record>\n" END;
    expect_doc(&f, 1, h,
               ARGV("title=<T> & \"Q\"\ttab", "source=s\r", "created=" CREATED), want);

    /* libxml2 reads the same strings back. */
    xmlDocPtr d = parse(want, strlen(want));
    assert_non_null(d);
    xmlNodePtr n = xmlDocGetRootElement(d)->children;
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next; /* meta */
    xmlNodePtr c = n->children;
    for (; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "fields"))
            break;
    assert_non_null(c);
    xmlNodePtr fe = c->children;
    while (fe->type != XML_ELEMENT_NODE)
        fe = fe->next;
    xmlChar *got = xmlGetProp(fe, (const xmlChar *)"name");
    assert_string_equal((const char *)got, name);
    xmlFree(got);
    got = xmlGetProp(fe, (const xmlChar *)"label");
    assert_string_equal((const char *)got, label);
    xmlFree(got);
    xmlFreeDoc(d);
    conv_schema_free(h);
    fix_free(&f);
}

/* ---- element names ---------------------------------------------------------------- */

/* Each field name and the element it must get (NULL: its own name). */
static const struct {
    const char *name, *element;
} names[] = {
    {"mã_vùng", NULL},
    {"Đơn_vị_tính", NULL},
    {"region.code", NULL},
    {"a-b", NULL},
    {"名前", NULL},
    {"\xf0\x9f\x98\x80", "__2"}, /* U+1F600: a name character only since the 5th edition */
    {"record", NULL},
    {"meta", NULL},
    {"title", NULL},
    {"_1st", NULL},
    {"1st", "_1st_2"},
    {"-x", "_-x"},
    {".x", "_.x"},
    {"a b", "a_b"},
    {"a:b", "a_b_2"},
    {"a\xc2\xa0" "b", "a_b_3"}, /* no-break space */
    {"change %", "change___2"},
    {"change__", NULL},
    {"xml", "_xml"},
    {"XMLdata", "_XMLdata"},
    {"xmlns", "_xmlns"},
    {"Xml-1", "_Xml-1"},
    {"x ml", "x_ml"},
    {"xml y", "_xml_y"},
    {"field", "_field"},
    {"dataset", "_dataset"},
    {"\xc3\x97", "__3"},        /* U+00D7 is no name character */
    {"\xcc\x81x", "_\xcc\x81x"}, /* U+0301 may follow, not start */
    {"\xc2\xb7x", "_\xc2\xb7x"}, /* U+00B7 likewise */
    {"9", "_9"},
    {"%", "__4"},
    {"\xce\xa9\xe1\xbb\xb9", NULL}, /* Ω and ỹ */
};

static void test_element_names(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    size_t n = sizeof names / sizeof names[0];
    /* "_" is a usable name of its own, taken before the made-up ones. */
    fix_add(&f, 0, "_", CONV_STRING, "u");
    for (size_t i = 0; i < n; i++)
        fix_add(&f, 0, names[i].name, CONV_STRING, "v");
    struct tu_sbuf want = {0}, recs = {0};
    tu_sb_str(&want, DECL "  <meta>\n    <title>t</title>\n    <created>" CREATED
                          "</created>\n    <fields>\n"
                          "      <field name=\"_\" type=\"any\"/>\n");
    tu_sb_str(&recs, "  <record>\n    <_>u</_>\n");
    for (size_t i = 0; i < n; i++) {
        const char *el = names[i].element ? names[i].element : names[i].name;
        tu_sb_str(&want, "      <field name=\"");
        tu_sb_str(&want, names[i].name);
        tu_sb_str(&want, "\"");
        if (names[i].element) {
            tu_sb_str(&want, " element=\"");
            tu_sb_str(&want, el);
            tu_sb_str(&want, "\"");
        }
        tu_sb_str(&want, " type=\"any\"/>\n");
        tu_sb_str(&recs, "    <");
        tu_sb_str(&recs, el);
        tu_sb_str(&recs, ">v</");
        tu_sb_str(&recs, el);
        tu_sb_str(&recs, ">\n");
    }
    tu_sb_str(&want, "    </fields>\n  </meta>\n");
    tu_sb_str(&want, recs.p);
    tu_sb_str(&want, "  </record>\n" END);
    expect_doc(&f, 1, NULL, DEFAULT_OPTS, want.p);
    free(want.p);
    free(recs.p);
    fix_free(&f);
}

/* ---- fields that come after the header -------------------------------------------- */

static void test_late_fields(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    struct conv_schema *h = make_header(f.ctx, ARGV("a:string", "b c:integer"));
    fix_add(&f, 0, "a", CONV_STRING, "1");
    fix_add(&f, 0, "b c", CONV_INTEGER, "2");
    fix_add(&f, 1, "n", CONV_INTEGER, "5");
    fix_add(&f, 1, "a", CONV_STRING, "x");
    fix_add(&f, 1, "x y", CONV_STRING, "v");
    fix_add(&f, 1, "b_c", CONV_STRING, "w");   /* taken by "b c" */
    fix_add(&f, 1, "field", CONV_STRING, "f"); /* reserved */
    fix_add(&f, 1, "xmlfoo", CONV_BOOLEAN, "true");
    fix_add(&f, 1, "q\"<&>\t", CONV_NULL, "");
    fix_add(&f, 2, "x y", CONV_STRING, "");
    fix_add(&f, 2, "n", CONV_DECIMAL, "0.5");
    fix_add(&f, 2, "m", CONV_STRING, "s");
    expect_doc(&f, 3, h, DEFAULT_OPTS,
               DECL META(FIELD("name=\"a\" type=\"string\"")
                             FIELD("name=\"b c\" element=\"b_c\" type=\"integer\""))
                   "  <record>\n"
                   "    <a>1</a>\n"
                   "    <b_c>2</b_c>\n"
                   "  </record>\n"
                   "  <record>\n"
                   "    <n type=\"integer\">5</n>\n"
                   "    <a>x</a>\n"
                   "    <field name=\"x y\">v</field>\n"
                   "    <field name=\"b_c\">w</field>\n"
                   "    <field name=\"field\">f</field>\n"
                   "    <field name=\"xmlfoo\" type=\"boolean\">true</field>\n"
                   "    <field name=\"q&quot;&lt;&amp;&gt;&#9;\" xsi:nil=\"true\"/>\n"
                   "  </record>\n"
                   "  <record>\n"
                   "    <field name=\"x y\"/>\n"
                   "    <n type=\"decimal\">0.5</n>\n"
                   "    <m>s</m>\n"
                   "  </record>\n" END);
    conv_schema_free(h);
    fix_free(&f);
}

/* As a JSON reader does it: the header is the first record's fields, and
 * the dictionary grows under the writer. */
static void test_growing_dictionary(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    struct conv_options *o = make_opts(f.ctx, DEFAULT_OPTS);
    struct conv_error err;
    struct conv_writer *w = conv_writer_open_memory(f.ctx, NULL, o, &err);
    assert_non_null(w);
    fix_add(&f, 0, "a", CONV_INTEGER, "1");
    assert_int_equal(conv_writer_put(w, &f.rec[0]), CONV_OK);
    fix_add(&f, 1, "b", CONV_STRING, "x");
    fix_add(&f, 1, "a", CONV_INTEGER, "2");
    fix_add(&f, 1, "2nd", CONV_STRING, "y");
    assert_int_equal(conv_writer_put(w, &f.rec[1]), CONV_OK);
    fix_add(&f, 2, "2nd", CONV_STRING, "z");
    assert_int_equal(conv_writer_put(w, &f.rec[2]), CONV_OK);
    assert_int_equal(conv_writer_finish(w), CONV_OK);
    size_t len;
    char *got = take_output(w, &len);
    const char *want = DECL META(FIELD("name=\"a\" type=\"any\"")) "  <record>\n"
                                                                    "    <a type=\"integer\">1</a>\n"
                                                                    "  </record>\n"
                                                                    "  <record>\n"
                                                                    "    <b>x</b>\n"
                                                                    "    <a type=\"integer\">2</a>\n"
                                                                    "    <field name=\"2nd\">y</field>\n"
                                                                    "  </record>\n"
                                                                    "  <record>\n"
                                                                    "    <field name=\"2nd\">z</field>\n"
                                                                    "  </record>\n" END;
    expect_same("growing dictionary", got, len, want, strlen(want));
    free(got);
    conv_writer_close(w);
    conv_options_free(o);
    fix_free(&f);
}

/* ---- layout ---------------------------------------------------------------------------- */

static void indent_fixture(struct fix *f, struct conv_schema **h)
{
    fix_init(f);
    *h = make_header(f->ctx, ARGV("code:string", "giá trị:decimal"));
    fix_add(f, 0, "code", CONV_STRING, "01");
    fix_add(f, 0, "giá trị", CONV_DECIMAL, "552.6");
    fix_add(f, 2, "code", CONV_STRING, "");
    fix_add(f, 2, "giá trị", CONV_NULL, "");
}

static void test_indent(void **state)
{
    (void)state;
    struct fix f;
    struct conv_schema *h;
    indent_fixture(&f, &h);
    expect_doc(&f, 3, h, ARGV("title=t", "source=s", "created=" CREATED, "xml-indent=0"),
               DECL "<meta><title>t</title><source>s</source><created>" CREATED
                    "</created><fields><field name=\"code\" type=\"string\"/><field "
                    "name=\"giá trị\" element=\"giá_trị\" type=\"decimal\"/></fields></meta>\n"
                    "<record><code>01</code><giá_trị>552.6</giá_trị></record>\n"
                    "<record/>\n"
                    "<record><code/><giá_trị xsi:nil=\"true\"/></record>\n" END);
    expect_doc(&f, 3, h, ARGV("title=t", "source=s", "created=" CREATED, "xml-indent=4"),
               DECL "    <meta>\n"
                    "        <title>t</title>\n"
                    "        <source>s</source>\n"
                    "        <created>" CREATED "</created>\n"
                    "        <fields>\n"
                    "            <field name=\"code\" type=\"string\"/>\n"
                    "            <field name=\"giá trị\" element=\"giá_trị\" type=\"decimal\"/>\n"
                    "        </fields>\n"
                    "    </meta>\n"
                    "    <record>\n"
                    "        <code>01</code>\n"
                    "        <giá_trị>552.6</giá_trị>\n"
                    "    </record>\n"
                    "    <record/>\n"
                    "    <record>\n"
                    "        <code/>\n"
                    "        <giá_trị xsi:nil=\"true\"/>\n"
                    "    </record>\n" END);
    /* The most indentation there is. */
    struct conv_error err;
    size_t len;
    char *out = write_doc(&f, 3, h, ARGV("title=t", "created=" CREATED, "xml-indent=16"), &len,
                          &err);
    assert_non_null(out);
    assert_non_null(strstr(out, "\n" "                                "
                                "<code>01</code>\n"));
    free(out);
    static const char *const bad[] = {"xml-indent=17", "xml-indent=-1", "xml-indent=two",
                                      "xml-indent="};
    for (size_t i = 0; i < 4; i++) {
        err = write_error(&f, 3, h, ARGV(bad[i]));
        assert_int_equal(err.code, CONV_E_USAGE);
        assert_non_null(strstr(err.message, "xml-indent"));
    }
    conv_schema_free(h);
    fix_free(&f);
}

/* No records: the metadata and nothing else, with or without fields. */
static void test_empty(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    expect_doc(&f, 0, NULL, DEFAULT_OPTS,
               DECL "  <meta>\n    <title>t</title>\n    <created>" CREATED
                    "</created>\n    <fields/>\n  </meta>\n" END);
    struct conv_schema *h = make_header(f.ctx, ARGV("a:integer"));
    expect_doc(&f, 0, h, DEFAULT_OPTS, DECL META(FIELD("name=\"a\" type=\"integer\"")) END);
    /* No title known: an empty one. */
    expect_doc(&f, 0, h, ARGV("created=" CREATED, "xml-indent=0"),
               DECL "<meta><title/><created>" CREATED
                    "</created><fields><field name=\"a\" type=\"integer\"/></fields></meta>\n" END);
    conv_schema_free(h);
    fix_free(&f);
}

/* ---- metadata ---------------------------------------------------------------------- */

/* Convert input (named name) with conv's reader and the XML writer. */
static char *convert_named(const char *input, const char *name, const char *from,
                           const char *const *opts, size_t *len, struct conv_error *err)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *ro = conv_options_new(ctx);
    struct conv_options *wo = make_opts(ctx, opts);
    conv_options_set(ro, "from", from);
    conv_error_clear(err);
    char *out = NULL;
    struct conv_reader *rd = conv_reader_open_memory(ctx, input, strlen(input), name, ro, err);
    assert_non_null(rd);
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, wo, err);
    if (w) {
        const struct conv_record *rec;
        int rc;
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
            if (conv_writer_put(w, rec) != CONV_OK)
                break;
        if (rc == CONV_EOF && conv_writer_finish(w) == CONV_OK)
            out = take_output(w, len);
        else if (rc == CONV_ERR)
            *err = *conv_reader_error(rd);
        else
            *err = *conv_writer_error(w);
    }
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(ro);
    conv_options_free(wo);
    conv_context_free(ctx);
    return out;
}

static void expect_contains(const char *doc, const char *part)
{
    if (!strstr(doc, part))
        fail_msg("missing [%s] in\n%s", part, doc);
}

static void test_metadata_defaults(void **state)
{
    (void)state;
    struct conv_error err;
    size_t len;
    /* The input's name without its directories. */
    char *out = convert_named("a\n1\n", "some/dir/in.csv", "csv", ARGV("created=" CREATED),
                              &len, &err);
    assert_non_null(out);
    expect_contains(out, "<meta>\n    <title>in.csv</title>\n    <source>in.csv</source>\n"
                         "    <created>" CREATED "</created>\n");
    free(out);
    /* Standard input: no title, no source. */
    out = convert_named("a\n1\n", "-", "csv", ARGV("created=" CREATED), &len, &err);
    assert_non_null(out);
    expect_contains(out, "<meta>\n    <title/>\n    <created>" CREATED "</created>\n");
    free(out);
    /* Options win; an empty source leaves the element out. */
    out = convert_named("[{\"a\":1}]", "x.json", "json",
                        ARGV("created=" CREATED, "title=", "source=Cục Thống kê"), &len, &err);
    assert_non_null(out);
    expect_contains(out, "<meta>\n    <title/>\n    <source>Cục Thống kê</source>\n");
    free(out);
    out = convert_named("[{\"a\":1}]", "x.json", "json", ARGV("created=" CREATED, "source="),
                        &len, &err);
    assert_non_null(out);
    expect_contains(out, "<meta>\n    <title>x.json</title>\n    <created>");
    free(out);

    /* The header's metadata (a schema title, an XML input's source and time). */
    struct fix f;
    fix_init(&f);
    struct conv_schema *h = make_header(f.ctx, ARGV("a:integer"));
    h->title = convp_strdup(f.ctx, "Chỉ tiêu & số liệu");
    h->source = convp_strdup(f.ctx, "Cục Thống kê <Thái Nguyên>");
    h->created = convp_strdup(f.ctx, "2021-12-31T17:00:00-07:00");
    fix_add(&f, 0, "a", CONV_INTEGER, "1");
    expect_doc(&f, 1, h, NULL,
               DECL "  <meta>\n    <title>Chỉ tiêu &amp; số liệu</title>\n"
                    "    <source>Cục Thống kê &lt;Thái Nguyên&gt;</source>\n"
                    "    <created>2021-12-31T17:00:00-07:00</created>\n"
                    "    <fields>\n" FIELD("name=\"a\" type=\"integer\"")
                    "    </fields>\n  </meta>\n"
                    "  <record>\n    <a>1</a>\n  </record>\n" END);
    expect_doc(&f, 1, h, DEFAULT_OPTS,
               DECL META(FIELD("name=\"a\" type=\"integer\"")) "  <record>\n    <a>1</a>\n  "
                                                                "</record>\n" END);
    /* A header time xs:dateTime would refuse is an error, not copied. */
    convp_free(f.ctx, h->created);
    h->created = convp_strdup(f.ctx, "yesterday");
    err = write_error(&f, 1, h, NULL);
    assert_int_equal(err.code, CONV_E_TYPE);
    assert_non_null(strstr(err.message, "'yesterday'"));
    conv_schema_free(h);
    fix_free(&f);
}

/* --created: what xs:dateTime takes, checked when the writer opens. */
static void test_created(void **state)
{
    (void)state;
    static const char *const good[] = {
        "2022-01-15T00:00:00Z",      "2022-01-15T07:00:00+07:00", "2022-01-15T00:00:00.123Z",
        "2022-01-15T00:00:00",       "2024-02-29T23:59:59-14:00", "9999-12-31T23:59:59+14:00",
    };
    static const char *const bad[] = {
        "2022-01-15",           "2022-01-15 00:00:00Z", "2022-02-30T00:00:00Z",
        "2022-01-15T24:00:00Z", "2022-01-15T23:59:60Z", "2022-01-15T00:00:00+15:00",
        "0000-01-01T00:00:00Z", "",                     "now",
        "2022-01-15T00:00:00z", "2022-01-15T00:00:00.Z",
    };
    struct fix f;
    fix_init(&f);
    fix_add(&f, 0, "a", CONV_INTEGER, "1");
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char opt[96], want[128];
        snprintf(opt, sizeof opt, "created=%s", good[i]);
        snprintf(want, sizeof want, "<created>%s</created>", good[i]);
        struct conv_error err;
        size_t len;
        char *out = write_doc(&f, 1, NULL, ARGV(opt), &len, &err);
        if (!out)
            fail_msg("%s: %s", good[i], err.message);
        expect_contains(out, want);
        free(out);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char opt[96];
        snprintf(opt, sizeof opt, "created=%s", bad[i]);
        struct conv_options *o = make_opts(f.ctx, ARGV(opt));
        struct conv_error err;
        conv_error_clear(&err);
        assert_null(conv_writer_open_memory(f.ctx, NULL, o, &err));
        assert_int_equal(err.code, CONV_E_USAGE);
        assert_non_null(strstr(err.message, "created"));
        conv_options_free(o);
    }
    /* By default: now, in UTC, to the second. */
    struct conv_error err;
    size_t len;
    time_t before = time(NULL);
    char *out = write_doc(&f, 1, NULL, NULL, &len, &err);
    time_t after = time(NULL);
    assert_non_null(out);
    const char *c = strstr(out, "<created>");
    assert_non_null(c);
    struct tm tm = {0};
    char z = 0;
    assert_int_equal(sscanf(c + 9, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z),
                     7);
    assert_int_equal(z, 'Z');
    assert_memory_equal(c + 9 + 20, "</created>", 10);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    assert_true(t >= before && t <= after);
    free(out);
    fix_free(&f);
}

/* ---- characters XML cannot carry ----------------------------------------------------- */

static void test_unwritable_characters(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *code;
        size_t at;
    } bad[] = {
        {"a\x01" "b", "U+0001", 2},      {"\x08", "U+0008", 1},
        {"ab\x0b", "U+000B", 3},         {"\x0c", "U+000C", 1},
        {"x\x1f", "U+001F", 2},          {"\xef\xbf\xbe", "U+FFFE", 1},
        {"ok \xef\xbf\xbf", "U+FFFF", 4}, {"\x1b[0m", "U+001B", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fix f;
        fix_init(&f);
        fix_add(&f, 0, "note", CONV_STRING, "fine");
        fix_add(&f, 1, "code", CONV_STRING, "01");
        fix_add(&f, 1, "note", CONV_STRING, bad[i].text);
        struct conv_error err = write_error(&f, 2, NULL, DEFAULT_OPTS);
        assert_int_equal(err.code, CONV_E_ENCODING);
        assert_int_equal(err.record, 2);
        assert_string_equal(err.field, "note");
        assert_string_equal(err.source, "in.csv");
        assert_int_equal(err.line, 3);
        assert_int_equal(err.column, 3);
        char want[128];
        snprintf(want, sizeof want,
                 "record 2, field 'note': %s at byte %zu cannot be written in XML 1.0",
                 bad[i].code, bad[i].at);
        assert_string_equal(err.message, want);
        fix_free(&f);
    }

    /* Deep inside a value long enough to be written in pieces. */
    struct fix f;
    fix_init(&f);
    struct tu_sbuf v = {0};
    for (int i = 0; i < 3000; i++)
        tu_sb_str(&v, "Sông ");
    tu_sb_str(&v, "\x02");
    fix_add_n(&f, 0, "long", 4, CONV_STRING, 0, v.p, v.n);
    struct conv_error err = write_error(&f, 1, NULL, DEFAULT_OPTS);
    assert_int_equal(err.code, CONV_E_ENCODING);
    assert_string_equal(err.field, "long");
    assert_non_null(strstr(err.message, "U+0002"));
    free(v.p);
    fix_free(&f);

    /* In a field name, declared or late, in a label, in an option. */
    fix_init(&f);
    fix_add(&f, 0, "a\x01", CONV_STRING, "x");
    err = write_error(&f, 1, NULL, DEFAULT_OPTS);
    assert_int_equal(err.code, CONV_E_ENCODING);
    assert_non_null(strstr(err.message, "U+0001"));
    struct conv_schema *h = make_header(f.ctx, ARGV("b"));
    err = write_error(&f, 1, h, DEFAULT_OPTS);
    assert_int_equal(err.code, CONV_E_ENCODING);
    assert_int_equal(err.record, 1);
    h->fields[0].label = convp_strdup(f.ctx, "bad\x07");
    err = write_error(&f, 0, h, DEFAULT_OPTS);
    assert_int_equal(err.code, CONV_E_ENCODING);
    assert_non_null(strstr(err.message, "label"));
    conv_schema_free(h);
    struct conv_options *o = make_opts(f.ctx, ARGV("title=a\x01", "created=" CREATED));
    assert_null(conv_writer_open_memory(f.ctx, NULL, o, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    assert_non_null(strstr(err.message, "title"));
    conv_options_free(o);
    o = make_opts(f.ctx, ARGV("source=\xc3(", "created=" CREATED));
    assert_null(conv_writer_open_memory(f.ctx, NULL, o, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    assert_non_null(strstr(err.message, "UTF-8"));
    conv_options_free(o);
    fix_free(&f);
}

/* ---- long values ------------------------------------------------------------------ */

static void ref_escape(struct tu_sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        switch (s[i]) {
        case '<': tu_sb_str(b, "&lt;"); break;
        case '>': tu_sb_str(b, "&gt;"); break;
        case '&': tu_sb_str(b, "&amp;"); break;
        case '\r': tu_sb_str(b, "&#13;"); break;
        default: tu_sb_add(b, s + i, 1);
        }
}

/* Values and a name longer than one reservation, full of escapes and
 * multibyte characters at every piece boundary; libxml2 reads the text back. */
static void test_long_values(void **state)
{
    (void)state;
    static const char *const parts[] = {"Đường ", "<", "&", "\r", "\n", "\t", "abcdefgh",
                                        "ộ",      "\xef\xbf\xbd", "\xef\x80\x80", "\xf0\x9f\x98\x80"};
    const size_t np = sizeof parts / sizeof parts[0];
    struct tu_sbuf name = {0}, value = {0}, want = {0};
    for (unsigned i = 0; i < 1500; i++)
        tu_sb_str(&name, parts[i % np]);
    for (unsigned i = 0; i < 60000; i++)
        tu_sb_str(&value, parts[(i * 2654435761u >> 13) % np]);
    struct fix f;
    fix_init(&f);
    fix_add_n(&f, 0, name.p, name.n, CONV_STRING, 0, value.p, value.n);
    fix_add(&f, 0, "n", CONV_INTEGER, "7");
    fix_add_n(&f, 0, "v", 1, CONV_STRING, 0, value.p, value.n);
    struct conv_error err;
    size_t len;
    char *out = write_doc(&f, 1, NULL, DEFAULT_OPTS, &len, &err);
    assert_non_null(out);
    /* The value as the reference escapes it, once per element. */
    tu_sb_str(&want, ">");
    ref_escape(&want, value.p, value.n);
    tu_sb_str(&want, "</v>\n");
    assert_non_null(strstr(out, want.p));

    xmlDocPtr d = parse(out, len);
    assert_non_null(d);
    xmlNodePtr rec = xmlDocGetRootElement(d)->last;
    while (rec->type != XML_ELEMENT_NODE)
        rec = rec->prev;
    int seen = 0;
    for (xmlNodePtr c = rec->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !strcmp((const char *)c->name, "n"))
            continue;
        xmlChar *text = xmlNodeGetContent(c);
        assert_int_equal(strlen((const char *)text), value.n);
        assert_memory_equal(text, value.p, value.n);
        xmlFree(text);
        seen++;
    }
    assert_int_equal(seen, 2);
    xmlFreeDoc(d);
    free(out);
    fix_free(&f);
    free(name.p);
    free(value.p);
    free(want.p);
}

/* ---- failures ----------------------------------------------------------------------- */

static int failing_write(void *user, const void *buf, size_t size)
{
    (void)user;
    (void)buf;
    (void)size;
    return -1;
}

static void test_failing_sink(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    fix_add(&f, 0, "a", CONV_STRING, "x");
    struct conv_options *o = make_opts(f.ctx, DEFAULT_OPTS);
    struct conv_error err = {0};
    struct conv_writer *w = conv_writer_open_callback(f.ctx, failing_write, NULL, NULL, o, &err);
    assert_non_null(w);
    int rc = CONV_OK;
    for (int i = 0; i < 100000 && rc == CONV_OK; i++)
        rc = conv_writer_put(w, &f.rec[0]);
    if (rc == CONV_OK)
        rc = conv_writer_finish(w);
    assert_int_equal(rc, CONV_ERR);
    assert_int_equal(conv_writer_error(w)->code, CONV_E_IO);
    conv_writer_close(w);
    conv_options_free(o);
    fix_free(&f);
}

/* A slot whose field is not in the record's schema. */
static void test_unknown_field(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    assert_int_equal(convp_record_add(&f.rec[0], 3, CONV_STRING, 0, "x", 1, 1, 1), CONV_OK);
    struct conv_error err = write_error(&f, 1, NULL, DEFAULT_OPTS);
    assert_int_equal(err.code, CONV_E_USAGE);
    fix_free(&f);
}

/* ---- the samples, through conv_convert ------------------------------------------------ */

/* conv_convert in to a temporary .xml with opts; returns the bytes. */
static char *convert_file(const char *in_rel, const char *const *opts, size_t *len)
{
    char *dir = tu_tempdir();
    char *out_path = tu_path(dir, "out.xml");
    char *in = src_path(in_rel);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    for (size_t i = 0; opts && opts[i]; i++) {
        const char *eq = strchr(opts[i], '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - opts[i]), opts[i]);
        char *value = eq[1] == '@' ? src_path(eq + 2) : strdup(eq + 1);
        conv_options_set(o, name, value);
        free(value);
    }
    struct conv_error err = {0};
    if (conv_convert(ctx, in, out_path, o, NULL, &err) != CONV_OK)
        fail_msg("%s: %s", in_rel, err.message);
    char *doc = tu_read_file(out_path, len);
    assert_non_null(doc);
    conv_options_free(o);
    conv_context_free(ctx);
    tu_rmtree(dir);
    free(dir);
    free(out_path);
    free(in);
    return doc;
}

#define SAMPLE_TITLE "Chỉ tiêu kinh tế - xã hội thành phố Sông Công năm 2020-2021"
#define SAMPLE_SOURCE "Báo cáo tình hình kinh tế - xã hội năm 2021, thành phố Sông Công"

/* samples/indicators.xml is what conv makes of the CSV and its schema. */
static void test_sample_golden(void **state)
{
    (void)state;
    size_t len, want_len;
    char *got = convert_file("samples/indicators.csv",
                             ARGV("schema=@samples/indicators.schema.json",
                                  "title=" SAMPLE_TITLE, "source=" SAMPLE_SOURCE,
                                  "created=2022-01-15T00:00:00Z"),
                             &len);
    char *path = src_path("samples/indicators.xml");
    char *want = tu_read_file(path, &want_len);
    assert_non_null(want);
    expect_same("samples/indicators.xml", got, len, want, want_len);
    assert_valid(got, len, xsd_dataset, "samples/indicators.xml");
    assert_valid(got, len, xsd_indicators, "samples/indicators.xml");
    free(got);
    free(want);
    free(path);
}

/* JSON without a schema: fields of type any, numbers say their type; the
 * indicator XSD takes that too.  So does CSV with inferred types. */
static void test_json_sample_golden(void **state)
{
    (void)state;
    size_t len, want_len;
    char *got = convert_file("samples/indicators.json",
                             ARGV("title=" SAMPLE_TITLE, "created=2022-01-15T00:00:00+07:00"),
                             &len);
    char *path = src_path("tests/data/xml/write/indicators_from_json.xml");
    char *want = tu_read_file(path, &want_len);
    assert_non_null(want);
    expect_same("indicators_from_json.xml", got, len, want, want_len);
    assert_valid(got, len, xsd_dataset, "JSON sample");
    assert_valid(got, len, xsd_indicators, "JSON sample");
    free(got);
    free(want);
    free(path);

    got = convert_file("samples/indicators.csv", ARGV("created=" CREATED), &len);
    expect_contains(got, "<title>indicators.csv</title>\n    <source>indicators.csv</source>\n");
    expect_contains(got, "<field name=\"region_code\" type=\"integer\"/>");
    assert_valid(got, len, xsd_dataset, "CSV sample, inferred");
    assert_valid(got, len, xsd_indicators, "CSV sample, inferred");
    free(got);
}

/* Replace the first `from` in doc by `to`; malloc'd. */
static char *replace(const char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    if (!at)
        fail_msg("no [%s] to replace", from);
    struct tu_sbuf b = {0};
    tu_sb_add(&b, doc, (size_t)(at - doc));
    tu_sb_str(&b, to);
    tu_sb_str(&b, at + strlen(from));
    return b.p;
}

/* The XSDs refuse what breaks them. */
static void test_xsd_negative(void **state)
{
    (void)state;
    char *path = src_path("samples/indicators.xml");
    char *sample = tu_read_file(path, NULL);
    assert_non_null(sample);
    free(path);
    static const struct {
        const char *from, *to;
        int dataset_ok; /* still valid against dataset.xsd */
    } cases[] = {
        {"<value>552.6</value>", "<value>abc</value>", 1},
        {"<value>552.6</value>", "<value>5.5e2</value>", 1},
        {"<value>552.6</value>", "<value xsi:nil=\"true\"/>", 1},
        {"<value>552.6</value>", "", 1},
        {"<unit>triệu USD</unit>", "", 1},
        {"<period>2021</period>", "<period>2021-Q5</period>", 1},
        {"<period>2021</period>", "<period>21</period>", 1},
        {"<indicator_code>0101</indicator_code>", "<indicator_code>101</indicator_code>", 1},
        {"<region_code>165</region_code>", "<region_code>A65</region_code>", 1},
        {"<status>official</status>", "<status>draft</status>", 1},
        {"<change_pct>25</change_pct>", "<change_pct type=\"string\">25</change_pct>", 1},
        {"<note xsi:nil=\"true\"/>", "<note xsi:nil=\"true\"/><note/>", 1},
        {"<note xsi:nil=\"true\"/>", "<remark>x</remark>", 1},
        {"<created>2022-01-15T00:00:00Z</created>", "<created>yesterday</created>", 0},
        {"<created>2022-01-15T00:00:00Z</created>", "", 0},
        {"type=\"decimal\" label=\"Giá trị\"", "type=\"float\" label=\"Giá trị\"", 0},
        {"<field name=\"note\"", "<field name=\"value\"", 0},
        {"<field name=\"note\"", "<field", 0},
        {"  <record>", "  <record><dataset/>", 0},
        {"  <record>", "  <record>text", 0},
    };
    assert_valid(sample, strlen(sample), xsd_indicators, "the sample");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *doc = replace(sample, cases[i].from, cases[i].to);
        if (validate(doc, strlen(doc), xsd_indicators) == 0)
            fail_msg("indicators.xsd takes [%s] for [%s]", cases[i].to, cases[i].from);
        if ((validate(doc, strlen(doc), xsd_dataset) == 0) != cases[i].dataset_ok)
            fail_msg("dataset.xsd %s [%s] for [%s]: %s",
                     cases[i].dataset_ok ? "refuses" : "takes", cases[i].to, cases[i].from,
                     xml_errors);
        free(doc);
    }
    /* What stays valid: a null optional field, an absent one, another order. */
    char *doc = replace(sample, "<change_pct>25</change_pct>", "<change_pct xsi:nil=\"true\"/>");
    assert_valid(doc, strlen(doc), xsd_indicators, "nil change_pct");
    free(doc);
    doc = replace(sample, "<status>official</status>", "");
    assert_valid(doc, strlen(doc), xsd_indicators, "absent status");
    free(doc);
    doc = replace(sample, "<region_code>165</region_code>", "");
    char *doc2 = replace(doc, "<unit>tỷ đồng</unit>",
                         "<unit>tỷ đồng</unit><region_code>165</region_code>");
    assert_valid(doc2, strlen(doc2), xsd_indicators, "another order");
    free(doc);
    free(doc2);
    free(sample);
}

/* ---- text-level losslessness ---------------------------------------------------------- */

/* CSV cells, whatever they hold, are the text of their elements (or nil). */
static void test_csv_cells_survive(void **state)
{
    (void)state;
    static const char csv[] =
        "id,text,\"odd name\",num\r\n"
        "1,plain,\"a,b\",1.50\r\n"
        "2,\"multi\r\nline \"\"quoted\"\"\",  spaced  ,\r\n"
        "3,<tag attr=\"x\">&amp;</tag>,\"\",-0\r\n"
        "4,\"\tTab\",]]>,12e3\r\n"
        "5,Thành phố Sông Công,\xf0\x9f\x98\x80,abc\r\n";
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *ro = conv_options_new(ctx);
    conv_options_set(ro, "from", "csv");
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_memory(ctx, csv, strlen(csv), "cells.csv", ro, &err);
    assert_non_null(rd);
    /* What the reader gives, value by value. */
    char *cells[5][4];
    int nil[5][4];
    const struct conv_record *rec;
    for (int r = 0; r < 5; r++) {
        assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
        assert_int_equal(conv_record_count(rec), 4);
        for (int c = 0; c < 4; c++) {
            const struct conv_value *v = conv_record_value(rec, (size_t)c);
            cells[r][c] = strdup(v->text);
            nil[r][c] = v->type == CONV_NULL;
        }
    }
    conv_reader_close(rd);
    conv_options_free(ro);
    conv_context_free(ctx);

    size_t len;
    char *out = convert_named(csv, "cells.csv", "csv", ARGV("created=" CREATED), &len, &err);
    assert_non_null(out);
    xmlDocPtr d = parse(out, len);
    assert_non_null(d);
    int r = -1;
    for (xmlNodePtr n = xmlDocGetRootElement(d)->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "record"))
            continue;
        r++;
        int c = 0;
        for (xmlNodePtr e = n->children; e; e = e->next) {
            if (e->type != XML_ELEMENT_NODE)
                continue;
            assert_true(c < 4);
            xmlChar *is_nil = xmlGetNsProp(e, (const xmlChar *)"nil",
                                           (const xmlChar *)"http://www.w3.org/2001/"
                                                            "XMLSchema-instance");
            assert_int_equal(is_nil != NULL, nil[r][c]);
            xmlFree(is_nil);
            xmlChar *text = xmlNodeGetContent(e);
            assert_string_equal((const char *)text, cells[r][c]);
            xmlFree(text);
            free(cells[r][c]);
            c++;
        }
        assert_int_equal(c, 4);
    }
    assert_int_equal(r, 4);
    xmlFreeDoc(d);
    free(out);
}

/* ---- allocation failures ------------------------------------------------------------ */

struct chaos {
    long calls, fail_at, live;
    int persistent;
};

static int chaos_refuse(struct chaos *c)
{
    c->calls++;
    return c->fail_at && (c->calls == c->fail_at || (c->persistent && c->calls > c->fail_at));
}

static void *chaos_malloc(void *user, size_t size)
{
    struct chaos *c = user;
    void *p = chaos_refuse(c) ? NULL : malloc(size);
    c->live += p != NULL;
    return p;
}

static void *chaos_realloc(void *user, void *ptr, size_t size)
{
    struct chaos *c = user;
    void *p = chaos_refuse(c) ? NULL : realloc(ptr, size);
    c->live += p && !ptr;
    return p;
}

static void chaos_free(void *user, void *ptr)
{
    struct chaos *c = user;
    c->live -= ptr != NULL;
    free(ptr);
}

/*
 * One write (made-up names, a late field in both forms, a long value) with
 * the k-th allocation failing, once or for good: a clean out-of-memory
 * error and every block freed, or, once k is past the last allocation,
 * the document.  Returns 1 when the run needed fewer than k allocations.
 */
static int chaos_run(long k, int persistent, struct tu_sbuf *want)
{
    struct chaos c = {0};
    struct conv_allocator a = {chaos_malloc, chaos_realloc, chaos_free, &c};
    struct fix f;
    f.ctx = conv_context_new(&a);
    assert_non_null(f.ctx);
    f.schema = conv_schema_new(f.ctx);
    for (size_t i = 0; i < 4; i++) {
        convp_record_init(&f.rec[i], f.ctx, f.schema);
        f.rec[i].index = i + 1;
        f.rec[i].source = "in.csv";
    }
    struct tu_sbuf big = {0};
    for (int i = 0; i < 2000; i++)
        tu_sb_str(&big, "Sông <Công> & ");
    fix_add(&f, 0, "a b", CONV_STRING, "x");
    fix_add(&f, 0, "mã", CONV_INTEGER, "1");
    struct conv_schema *h = convp_schema_copy(f.ctx, f.schema);
    fix_add(&f, 1, "late", CONV_DECIMAL, "1.5");
    fix_add(&f, 1, "a_b", CONV_STRING, "y");
    fix_add_n(&f, 2, "v", 1, CONV_STRING, 0, big.p, big.n);
    struct conv_options *o = make_opts(f.ctx, DEFAULT_OPTS);
    c.calls = 0;
    c.fail_at = k;
    c.persistent = persistent;
    struct conv_error err = {0};
    struct conv_writer *w = conv_writer_open_memory(f.ctx, h, o, &err);
    int ok = w != NULL;
    for (size_t i = 0; ok && i < 3; i++)
        ok = conv_writer_put(w, &f.rec[i]) == CONV_OK;
    ok = ok && conv_writer_finish(w) == CONV_OK;
    long used = c.calls;
    c.fail_at = 0;
    if (ok) {
        size_t len;
        const void *mem = conv_writer_memory(w, &len);
        if (!want->p)
            tu_sb_add(want, mem, len);
        else
            expect_same("after allocation failures", mem, len, want->p, want->n);
    } else {
        if (!w)
            assert_int_equal(err.code, CONV_E_NOMEM);
        else
            assert_int_equal(conv_writer_error(w)->code, CONV_E_NOMEM);
        assert_true(k <= used);
    }
    conv_writer_close(w);
    conv_options_free(o);
    conv_schema_free(h);
    fix_free(&f);
    free(big.p);
    assert_int_equal(c.live, 0);
    return ok && used < k;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    struct tu_sbuf want = {0};
    assert_int_equal(chaos_run(0, 0, &want), 0); /* the reference run */
    assert_valid(want.p, want.n, xsd_dataset, "chaos reference");
    for (int persistent = 0; persistent < 2; persistent++) {
        long k = 1;
        while (!chaos_run(k, persistent, &want))
            k++;
        assert_true(k > 5);
    }
    free(want.p);
}

/* ---- the tool -------------------------------------------------------------------- */

static void test_tool(void **state)
{
    (void)state;
    struct tu_run r;
    /* Standard input in, standard output out, one record per line. */
    tu_run_tool(&r, "conv", "a,b\n1,x\n", 8,
                ARGV("--from", "csv", "--to", "xml", "--xml-indent", "0", "--created", CREATED));
    assert_int_equal(r.status, 0);
    const char *want = DECL "<meta><title/><created>" CREATED
                            "</created><fields><field name=\"a\" type=\"integer\"/><field "
                            "name=\"b\" type=\"string\"/></fields></meta>\n"
                            "<record><a>1</a><b>x</b></record>\n" END;
    expect_same("conv stdout", r.out, r.out_len, want, strlen(want));
    assert_valid(r.out, r.out_len, xsd_dataset, "conv stdout");
    tu_run_free(&r);

    /* A bad --created is a usage error (exit 2), before reading. */
    tu_run_tool(&r, "conv", "a\n1\n", 4,
                ARGV("--from", "csv", "--to", "xml", "--created", "2022-01-15"));
    assert_int_equal(r.status, 2);
    expect_contains(r.err, "option created: expected an ISO 8601 date-time");
    assert_int_equal(r.out_len, 0);
    tu_run_free(&r);

    /* A control character in the data is bad input (exit 1), with its place. */
    tu_run_tool(&r, "conv", "a,b\n1,x\n2,y\x01z\n", 14,
                ARGV("--from", "csv", "--to", "xml", "--created", CREATED));
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "conv: -:3:3: record 2, field 'b': U+0001 at byte 2 cannot be "
                               "written in XML 1.0\n");
    tu_run_free(&r);

    /* --title, --source and --xml-indent from the command line. */
    char *dir = tu_tempdir();
    char *out = tu_path(dir, "o.xml");
    char *in = src_path("samples/indicators.csv");
    tu_run_tool(&r, "conv",
                NULL, 0,
                ARGV(in, "-o", out, "--title", "T", "--source", "S", "--created", CREATED,
                     "--xml-indent", "1"));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    size_t len;
    char *doc = tu_read_file(out, &len);
    assert_non_null(doc);
    expect_contains(doc, "\n <meta>\n  <title>T</title>\n  <source>S</source>\n");
    assert_valid(doc, len, xsd_indicators, "conv output");
    free(doc);
    tu_rmtree(dir);
    free(dir);
    free(out);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_types_any),
        cmocka_unit_test(test_value_types_declared),
        cmocka_unit_test(test_null_empty_absent),
        cmocka_unit_test(test_text_escapes),
        cmocka_unit_test(test_escape_alignment),
        cmocka_unit_test(test_attribute_escapes),
        cmocka_unit_test(test_element_names),
        cmocka_unit_test(test_late_fields),
        cmocka_unit_test(test_growing_dictionary),
        cmocka_unit_test(test_indent),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_metadata_defaults),
        cmocka_unit_test(test_created),
        cmocka_unit_test(test_unwritable_characters),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_failing_sink),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_sample_golden),
        cmocka_unit_test(test_json_sample_golden),
        cmocka_unit_test(test_xsd_negative),
        cmocka_unit_test(test_csv_cells_survive),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_tool),
    };
    return cmocka_run_group_tests_name("xml writer", tests, setup, teardown);
}
