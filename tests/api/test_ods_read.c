/*
 * ODS reader tests through the public API.  Documents made by LibreOffice
 * and Gnumeric (tests/data/ods/, see make-fixtures.sh) are checked cell by
 * cell, type by type; others are built here as stored zips around a
 * hand-written content.xml: text markup, repeats (empty ones skipped,
 * non-empty ones expanded and bounded), header rule, sheet choice, and
 * errors (not a zip, truncated, DOCTYPE, no content.xml, bad values).
 */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* "#names\n" then one line per record (name=type:text|...), or "ERR code
 * line:col message": tu_dump_sheet(); the reader must be the ODS one. */
static char *read_doc(const char *path, const void *data, size_t n, const char *const *opts)
{
    struct tu_sheet_read how = {
        .path = path, .data = data, .len = n, .name = "doc.ods", .format = "ods"};
    return tu_read_sheet(&how, opts);
}

static char *read_fixture(const char *name, const char *const *opts)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/data/ods/%s", name);
    char *path = tu_src(rel);
    char *s = read_doc(path, NULL, 0, opts);
    free(path);
    return s;
}

#define CHECK(got_expr, want)                                                                      \
    do {                                                                                           \
        char *got_ = (got_expr);                                                                   \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

#define CHECK_ERR(got_expr, code, part)                                                            \
    do {                                                                                           \
        char *got_ = (got_expr);                                                                   \
        char pre_[16];                                                                             \
        snprintf(pre_, sizeof pre_, "ERR %d ", (int)(code));                                       \
        if (strncmp(got_, pre_, strlen(pre_)) || !strstr(got_, part))                              \
            fail_msg("got '%s', want %s...%s", got_, pre_, part);                                  \
        free(got_);                                                                                \
    } while (0)

/* ---- a stored zip ---------------------------------------------------------------------------- */

struct zentry {
    char name[64];
    uint32_t crc, size, off;
};

struct zb {
    struct tu_sbuf b;
    struct zentry e[8];
    size_t n;
};

static void put16(struct tu_sbuf *b, uint32_t v)
{
    char s[2] = {(char)(v & 0xFF), (char)(v >> 8 & 0xFF)};
    tu_sb_add(b, s, 2);
}

static void put32(struct tu_sbuf *b, uint32_t v)
{
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

static void zb_add(struct zb *z, const char *name, const char *data)
{
    size_t n = strlen(data);
    struct zentry *e = &z->e[z->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->crc = tu_crc32(data, n);
    e->size = (uint32_t)n;
    e->off = (uint32_t)z->b.n;
    put32(&z->b, 0x04034b50u);
    put16(&z->b, 20);
    put16(&z->b, 0);
    put16(&z->b, 0);
    put32(&z->b, 0);
    put32(&z->b, e->crc);
    put32(&z->b, e->size);
    put32(&z->b, e->size);
    put16(&z->b, (uint32_t)strlen(name));
    put16(&z->b, 0);
    tu_sb_str(&z->b, name);
    tu_sb_add(&z->b, data, n);
}

static void zb_finish(struct zb *z)
{
    uint32_t cd = (uint32_t)z->b.n;
    for (size_t i = 0; i < z->n; i++) {
        const struct zentry *e = &z->e[i];
        put32(&z->b, 0x02014b50u);
        put16(&z->b, 20);
        put16(&z->b, 20);
        put16(&z->b, 0);
        put16(&z->b, 0);
        put32(&z->b, 0);
        put32(&z->b, e->crc);
        put32(&z->b, e->size);
        put32(&z->b, e->size);
        put16(&z->b, (uint32_t)strlen(e->name));
        put32(&z->b, 0);
        put16(&z->b, 0);
        put16(&z->b, 0);
        put32(&z->b, 0);
        put32(&z->b, e->off);
        tu_sb_str(&z->b, e->name);
    }
    uint32_t len = (uint32_t)z->b.n - cd;
    put32(&z->b, 0x06054b50u);
    put32(&z->b, 0);
    put16(&z->b, (uint32_t)z->n);
    put16(&z->b, (uint32_t)z->n);
    put32(&z->b, len);
    put32(&z->b, cd);
    put16(&z->b, 0);
}

#define DOC_HEAD                                                                                   \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                   \
    "<office:document-content "                                                                    \
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "                           \
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "                             \
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\">"                               \
    "<office:body><office:spreadsheet>"
#define DOC_TAIL "</office:spreadsheet></office:body></office:document-content>"
#define TABLE(name, rows) "<table:table table:name=\"" name "\">" rows "</table:table>"
#define ROW(cells) "<table:table-row>" cells "</table:table-row>"
#define S(t)                                                                                       \
    "<table:table-cell office:value-type=\"string\"><text:p>" t "</text:p></table:table-cell>"
#define F(v) "<table:table-cell office:value-type=\"float\" office:value=\"" v "\"/>"
#define E "<table:table-cell/>"

/* Read a document whose content.xml holds the given tables. */
static char *read_content(const char *tables, const char *const *opts)
{
    struct tu_sbuf c = {0};
    tu_sb_str(&c, DOC_HEAD);
    tu_sb_str(&c, tables);
    tu_sb_str(&c, DOC_TAIL);
    struct zb z = {0};
    zb_add(&z, "mimetype", "application/vnd.oasis.opendocument.spreadsheet");
    zb_add(&z, "content.xml", c.p);
    zb_finish(&z);
    char *s = read_doc(NULL, z.b.p, z.b.n, opts);
    free(z.b.p);
    free(c.p);
    return s;
}

/* ---- fixtures -------------------------------------------------------------------------------- */

static void test_libreoffice(void **state)
{
    (void)state;
    CHECK(
        read_fixture("basic.ods", NULL),
        "#sheet|id|tỉnh|value|pct|day|when|ok|key|at|text\n"
        "sheet=str:Data|id=int:1|tỉnh=str:Hà Nội|value=dec:1234.5|pct=dec:0.25|day=date:2024-03-15|"
        "when=dt:2024-03-15T10:30:00|ok=bool:true\n"
        "sheet=str:Data|id=int:2|tỉnh=str:Thành phố Hồ Chí Minh|value=null|pct=dec:0.1|"
        "day=int:123456789012|when=dec:0.3|ok=bool:false\n"
        "sheet=str:Data|id=int:7|tỉnh=int:7|value=null|pct=null|day=null|when=null|ok=null\n"
        "sheet=str:Data|id=int:7|tỉnh=int:7|value=null|pct=null|day=null|when=null|ok=null\n"
        "sheet=str:Notes|key=str:a|at=str:10:30:05|text=str:line one\nx   yz\n");
    /* One sheet: no 'sheet' field; by name or by position. */
    CHECK(read_fixture("basic.ods", OPTS("sheet=Notes")),
          "#key|at|text\nkey=str:a|at=str:10:30:05|text=str:line one\nx   yz\n");
    CHECK(read_fixture("basic.ods", OPTS("sheet=2")),
          "#key|at|text\nkey=str:a|at=str:10:30:05|text=str:line one\nx   yz\n");
    CHECK_ERR(read_fixture("basic.ods", OPTS("sheet=Nope")), CONV_E_USAGE,
              "no sheet 'Nope' in the document (its sheets: 'Data', 'Notes')");
    /* The title row as the header, by option: the table is wider than it. */
    CHECK_ERR(read_fixture("basic.ods", OPTS("sheet=1", "header-row=1")), CONV_E_STRUCTURE,
              "Data!B2: a value outside the header's columns (A to A)");
}

static void test_gnumeric(void **state)
{
    (void)state;
    CHECK(read_fixture("gnumeric.ods", NULL), "#a|b\na=int:1|b=dec:2.5\na=str:x|b=bool:true\n");
}

static void test_bad_files(void **state)
{
    (void)state;
    CHECK_ERR(read_fixture("doctype.ods", NULL), CONV_E_SYNTAX, "DOCTYPE");
    char *got = read_fixture("truncated.ods", NULL);
    assert_true(!strncmp(got, "ERR ", 4));
    assert_non_null(strstr(got, "truncated"));
    free(got);
    got = read_doc(NULL, "hello, world\n", 13, OPTS("from=ods"));
    assert_true(!strncmp(got, "ERR ", 4));
    free(got);
    /* A zip without content.xml. */
    struct zb z = {0};
    zb_add(&z, "mimetype", "application/vnd.oasis.opendocument.spreadsheet");
    zb_finish(&z);
    CHECK_ERR(read_doc(NULL, z.b.p, z.b.n, NULL), CONV_E_SYNTAX, "no content.xml");
    free(z.b.p);
}

/* ---- built documents ------------------------------------------------------------------------- */

static void test_text(void **state)
{
    (void)state;
    CHECK(
        read_content(
            TABLE("T",
                  ROW(S("a") S("b")) ROW(S("x<text:s text:c=\"2\"/>y<text:s/>z")
                                             S("1<text:tab/>2<text:line-break/>3"))
                      ROW("<table:table-cell office:value-type=\"string\"><text:p>p1</text:p>"
                          "<text:p><text:span>p</text:span>2<office:annotation><text:p>note"
                          "</text:p></office:annotation></text:p></table:table-cell>"
                          "<table:table-cell office:value-type=\"string\" "
                          "office:string-value=\"attr\"><text:p>shown</text:p></table:table-cell>")
                          ROW("<table:table-cell><text:p>no type</text:p></table:table-cell>" S(
                              "&amp;&lt;&#x1F600;"))),
            NULL),
        "#a|b\na=str:x  y "
        "z|b=str:1\t2\n3\na=str:p1\np2|b=str:attr\na=null|b=str:&<\xF0\x9F\x98\x80\n");
}

static void test_values(void **state)
{
    (void)state;
    CHECK(
        read_content(
            TABLE("T",
                  ROW(S("n") S("m")) ROW(F("1.0") F("-0.5")) ROW(
                      F("1e3") F("0.1234567890123456789")) ROW(F("123456789012345678") F("1e-9"))
                      ROW("<table:table-cell office:value-type=\"currency\" office:value=\"9.99\"/>"
                          "<table:table-cell office:value-type=\"time\" "
                          "office:time-value=\"PT25H00M01.500S\"/>")
                          ROW("<table:table-cell office:value-type=\"date\" "
                              "office:date-value=\"2024-02-29T23:59:59.25\"/>"
                              "<table:table-cell office:value-type=\"boolean\" "
                              "office:boolean-value=\"false\"/>")),
            NULL),
        "#n|m\nn=int:1|m=dec:-0.5\nn=int:1000|m=dec:0.123456789012346\n"
        "n=int:123456789012346000|m=dec:1e-9\nn=dec:9.99|m=str:25:00:01.5\n"
        "n=dt:2024-02-29T23:59:59.25|m=bool:false\n");
    CHECK_ERR(read_content(TABLE("T", ROW(S("n") S("m")) ROW(F("x1") F("2"))), NULL), CONV_E_SYNTAX,
              "T!A2: 'x1' is not a number");
    CHECK_ERR(read_content(TABLE("My T", ROW(S("n") S("m")) ROW(
                                             F("1") "<table:table-cell office:value-type=\"date\" "
                                                    "office:date-value=\"2024-13-01\"/>")),
                           NULL),
              CONV_E_SYNTAX, "'My T'!B2: '2024-13-01' is not an ISO 8601 date");
}

static void test_repeats(void **state)
{
    (void)state;
    /* Huge empty repeats cost nothing; a repeated value is expanded. */
    CHECK(read_content(TABLE("T", "<table:table-row table:number-rows-repeated=\"3\">"
                                  "<table:table-cell table:number-columns-repeated=\"16384\"/>"
                                  "</table:table-row>" ROW(
                                      S("a") E S("c") "<table:table-cell "
                                                      "table:number-columns-repeated=\"100000\"/"
                                                      ">") "<table:table-row "
                                                           "table:number-rows-repeated=\"2\">"
                                                           "<table:table-cell "
                                                           "office:value-type=\"float\" "
                                                           "office:value=\"5\""
                                                           " table:number-columns-repeated=\"3\"/"
                                                           "></table:table-row>"
                                                           "<table:table-row "
                                                           "table:number-rows-repeated="
                                                           "\"4000000000\">"
                                                           "<table:table-cell "
                                                           "table:number-columns-repeated="
                                                           "\"4000000000\"/>"
                                                           "</table:table-row>"),
                       NULL),
          "#a|column_2|c\na=int:5|column_2=int:5|c=int:5\na=int:5|column_2=int:5|c=int:5\n");
    /* A value past the last column or row Excel has. */
    CHECK_ERR(
        read_content(TABLE("T", ROW(S("a") S("b")) ROW(
                                    "<table:table-cell table:number-columns-repeated=\"16383\"/>" F(
                                        "1") F("2"))),
                     NULL),
        CONV_E_LIMIT, "past column 16384");
    CHECK_ERR(
        read_content(
            TABLE("T",
                  ROW(S("a") S("b")) "<table:table-row table:number-rows-repeated=\"2000000\">" F(
                      "1") "</table:table-row>"),
            NULL),
        CONV_E_LIMIT, "past row 1048576");
    /* Repeats of a long text are bounded by the record size. */
    {
        struct tu_sbuf t = {0};
        tu_sb_str(&t, "<table:table table:name=\"T\">" ROW(S("a") S(
                          "b")) "<table:table-row><table:table-cell office:value-type=\"string\" "
                                "table:number-columns-repeated=\"16000\"><text:p>");
        for (int i = 0; i < 5000; i++)
            tu_sb_str(&t, "0123456789");
        tu_sb_str(&t, "</text:p></table:table-cell></table:table-row></table:table>");
        CHECK_ERR(read_content(t.p, NULL), CONV_E_LIMIT, "T!A2: a row of more than");
        free(t.p);
    }
    /* A value outside the header's columns. */
    CHECK_ERR(read_content(TABLE("T", ROW(S("a") S("b")) ROW(F("1") F("2") F("3"))), NULL),
              CONV_E_STRUCTURE, "T!C2: a value outside the header's columns (A to B)");
}

static void test_headers(void **state)
{
    (void)state;
    /* Title above the header; an empty sheet; a duplicate name. */
    CHECK(read_content(TABLE("A", ROW(S("Title")) ROW(E) ROW(S("x") S("y")) ROW(F("1") E))
                           TABLE("Empty", "") TABLE("B", ROW(S("y") E S("z")) ROW(S("v"))),
                       NULL),
          "#sheet|x|y|column_2|z\nsheet=str:A|x=int:1|y=null\nsheet=str:B|y=str:v|column_2=null|z="
          "null\n");
    CHECK_ERR(read_content(TABLE("A", ROW(S("x") S("x"))), NULL), CONV_E_STRUCTURE,
              "A!B1: duplicate column name 'x'");
    CHECK(read_content(TABLE("A", ROW(S("x") S("x")) ROW(F("1") F("2"))),
                       OPTS("duplicate-names=rename")),
          "#x|x_2\nx=int:1|x_2=int:2\n");
    CHECK_ERR(read_content(TABLE("A", ROW(S("x") S("y")) ROW(E)), OPTS("header-row=3")),
              CONV_E_STRUCTURE, "header row 3 is empty");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libreoffice), cmocka_unit_test(test_gnumeric),
        cmocka_unit_test(test_bad_files),   cmocka_unit_test(test_text),
        cmocka_unit_test(test_values),      cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
