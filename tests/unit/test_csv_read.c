/*
 * CSV reader tests: the case folders under tests/data/csv/{valid,invalid}
 * (one cmocka test per folder, each read from memory and again through a
 * callback that hands out 1..7 bytes at a time), then chunk boundaries,
 * limits, bounded memory, probing and the format descriptor.
 */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_private.h" /* slot columns, the probe, CONVP_MAX_RECORD_BYTES */

/* ---- helpers ---------------------------------------------------------------- */

/* What every case folder starts from: from=csv (the input's extension), and
 * infer-rows=0 so values keep the driver's own types. */
static const char *const csv_defaults[] = {"infer-rows=0", NULL};
static const struct tu_reader_cases csv_cases = {csv_defaults, 1};

/* Read a string with default options (from=csv, infer-rows=0) plus extra
 * name=value pairs. */
static char *dump_str(const char *csv, const char *const *extra, struct conv_error *err)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    conv_options_set(o, "infer-rows", "0");
    for (size_t i = 0; extra && extra[i]; i += 2)
        conv_options_set(o, extra[i], extra[i + 1]);
    char *d = tu_read_dump(csv, strlen(csv), "input", o, 0, err);
    conv_options_free(o);
    conv_context_free(ctx);
    return d;
}

/* ---- chunk boundaries -------------------------------------------------------- */

/* A deterministic value for row r, column c: plain, quoted with quotes and
 * line breaks, multibyte, long, empty string or null. */
static void make_value(struct tu_sbuf *v, int *kind, unsigned r, unsigned c)
{
    static const char *const words[] = {"Sông Công", "13090", "đô thị loại II", "x",
                                        "Thái Nguyên", "552,6", "a\"b", "dòng\r\nmới"};
    unsigned h = (r * 2654435761u) ^ (c * 40503u);
    v->n = 0;
    tu_sb_str(v, "");
    *kind = (int)(h % 11);
    if (*kind == 0)
        return; /* null */
    if (*kind == 1) {
        *kind = -1; /* empty string */
        return;
    }
    unsigned reps = *kind == 2 ? 200 + h % 3000 : 1 + h % 4;
    for (unsigned i = 0; i < reps; i++)
        tu_sb_str(v, words[((h >> 8) + i) % 8]);
}

/* CSV text for a value (quoted when needed, like the writer). */
static void csv_field(struct tu_sbuf *out, const struct tu_sbuf *v, int kind)
{
    if (kind == 0)
        return;
    if (kind == -1) {
        tu_sb_str(out, "\"\"");
        return;
    }
    if (!strpbrk(v->p, ",\"\r\n")) {
        tu_sb_add(out, v->p, v->n);
        return;
    }
    tu_sb_str(out, "\"");
    for (size_t i = 0; i < v->n; i++) {
        if (v->p[i] == '"')
            tu_sb_str(out, "\"");
        tu_sb_add(out, v->p + i, 1);
    }
    tu_sb_str(out, "\"");
}

static void check_big(int trickle)
{
    enum { COLS = 5 };
    struct tu_sbuf doc = {0}, v = {0};
    tu_sb_str(&doc, "c1,c2,c3,c4,c5\r\n");
    unsigned rows = 0;
    int kind;
    while (doc.n < ((size_t)3 << 19)) { /* > 1.5 MiB */
        for (unsigned c = 0; c < COLS; c++) {
            if (c)
                tu_sb_str(&doc, ",");
            make_value(&v, &kind, rows, c);
            csv_field(&doc, &v, kind);
        }
        /* Vary the line end too. */
        tu_sb_str(&doc, rows % 3 == 0 ? "\r\n" : rows % 3 == 1 ? "\n" : "\r");
        rows++;
    }

    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    conv_options_set(o, "infer-rows", "0");
    struct conv_error err;
    struct tu_trickle t = {.seed = 99};
    struct conv_reader *rd = tu_reader_open(ctx, doc.p, doc.n, "big", o, trickle ? &t : NULL, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    unsigned r = 0;
    uint64_t line = 2;
    while (conv_reader_next(rd, &rec) == CONV_OK) {
        assert_int_equal(conv_record_count(rec), COLS);
        assert_int_equal(conv_record_line(rec), line);
        for (unsigned c = 0; c < COLS; c++) {
            const struct conv_value *got = conv_record_value(rec, c);
            make_value(&v, &kind, r, c);
            if (kind == 0) {
                assert_int_equal(got->type, CONV_NULL);
            } else {
                assert_int_equal(got->type, CONV_STRING);
                assert_int_equal(got->len, v.n);
                assert_memory_equal(got->text, v.p, v.n);
                /* Line breaks inside quoted values add lines. */
                for (size_t i = 0; i < v.n; i++)
                    line += v.p[i] == '\n';
            }
        }
        line++;
        r++;
    }
    assert_int_equal(conv_reader_error(rd)->code, CONV_E_NONE);
    assert_int_equal(r, rows);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    free(doc.p);
    free(v.p);
}

static void test_big_from_memory(void **state)
{
    (void)state;
    check_big(0);
}

static void test_big_trickled(void **state)
{
    (void)state;
    check_big(1);
}

/* A column count past a chunk: a 600 KiB quoted field of two-byte letters
 * on line 2, then a bad character after the closing quote. */
static void test_error_column_after_long_field(void **state)
{
    (void)state;
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "a,b\r\nx,\"");
    const unsigned n = 300000;
    for (unsigned i = 0; i < n; i++)
        tu_sb_str(&doc, "ă");
    tu_sb_str(&doc, "\"!\r\n");
    for (int trickle = 0; trickle <= 1; trickle++) {
        struct conv_error err;
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = conv_options_new(ctx);
        conv_options_set(o, "from", "csv");
        assert_null(tu_read_dump(doc.p, doc.n, "input", o, trickle, &err));
        assert_int_equal(err.code, CONV_E_SYNTAX);
        assert_int_equal(err.line, 2);
        assert_int_equal(err.column, 3 + n + 2); /* x , " ă... " ! */
        conv_options_free(o);
        conv_context_free(ctx);
    }
    free(doc.p);
}

/* ---- limits and memory ---------------------------------------------------------- */

static void test_record_limit(void **state)
{
    (void)state;
    /* One unquoted field longer than the record limit on line 3. */
    struct tu_gen g = {"a,b\r\n1,2\r\nx,", "abcdefgh", CONVP_MAX_RECORD_BYTES + 16, "\r\n", 0};
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    conv_options_set(o, "infer-rows", "0");
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_callback(ctx, tu_gen_read, &g, "huge", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_reader_next(rd, &rec), CONV_ERR);
    const struct conv_error *e = conv_reader_error(rd);
    assert_int_equal(e->code, CONV_E_LIMIT);
    assert_int_equal(e->line, 3);
    assert_int_equal(e->column, 1);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* More columns than CONVP_MAX_FIELDS in the header. */
static void test_column_limit(void **state)
{
    (void)state;
    size_t n = CONVP_MAX_FIELDS; /* n delimiters: n + 1 fields */
    char *doc = malloc(n + 3);
    memset(doc, ',', n);
    memcpy(doc + n, "\r\n", 3);
    struct conv_error err;
    assert_null(dump_str(doc, (const char *const[]){"duplicate-names", "rename", NULL}, &err));
    assert_int_equal(err.code, CONV_E_LIMIT);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, n + 1);
    /* One fewer is fine, renamed column_1 ... column_100000. */
    char *d = dump_str(doc + 1, (const char *const[]){"duplicate-names", "rename", NULL}, &err);
    assert_non_null(d);
    assert_string_equal(d, "");
    free(d);
    free(doc);
}

static void test_memory_stays_flat(void **state)
{
    (void)state;
    static const char row[] = "165,Thành phố Sông Công,\"đô thị, loại II\",13090,552.6\r\n";
    struct tu_counting cnt = {0};
    struct conv_allocator alloc = tu_counting_allocator(&cnt);
    struct conv_context *ctx = conv_context_new(&alloc);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    conv_options_set(o, "infer-rows", "0");
    /* 32 MiB of rows through the callback. */
    struct tu_gen g = {"code,name,note,value,ratio\r\n", row, (uint64_t)(sizeof row - 1) * 500000,
                       "", 0};
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_callback(ctx, tu_gen_read, &g, "flat", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    size_t n = 0;
    while (conv_reader_next(rd, &rec) == CONV_OK)
        n++;
    assert_int_equal(conv_reader_error(rd)->code, CONV_E_NONE);
    assert_int_equal(n, 500000);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    /* Read buffer, peek window and one record: well under 2 MiB. */
    if (cnt.peak > ((size_t)2 << 20))
        fail_msg("peak memory %zu bytes", cnt.peak);
    assert_int_equal(cnt.now, 0);
}

/* ---- smaller checks ----------------------------------------------------------------- */

/* Each value's slot knows its character column and line. */
static void test_slot_positions(void **state)
{
    (void)state;
    const char *csv = "a,b,c\r\nĐà,\"x\r\nyz\",Nẵng\r\n";
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, csv, strlen(csv), "p", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(rec->n, 3);
    assert_int_equal(rec->slots[0].line, 2);
    assert_int_equal(rec->slots[0].column, 1);
    assert_int_equal(rec->slots[1].line, 2);
    assert_int_equal(rec->slots[1].column, 4);
    assert_int_equal(rec->slots[2].line, 3);
    assert_int_equal(rec->slots[2].column, 5);
    assert_int_equal(conv_reader_next(rd, &rec), CONV_EOF);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* Types the core infers from raw CSV text (default options). */
static void test_inferred_by_default(void **state)
{
    (void)state;
    struct conv_error err;
    char *d = dump_str("ma,gia_tri\r\n165,13090\r\n166,552.6\r\n",
                       (const char *const[]){"infer-rows", "1000", NULL}, &err);
    assert_non_null(d);
    assert_string_equal(d, "@2\tma:integer=165\tgia_tri:decimal=13090\n"
                           "@3\tma:integer=166\tgia_tri:decimal=552.6\n");
    free(d);
}

static void test_no_header_fields_fixed_at_open(void **state)
{
    (void)state;
    const char *csv = "x,y,z\r\n1,2,3\r\n";
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    conv_options_set(o, "no-header", "1");
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, csv, strlen(csv), "n", o, &err);
    assert_non_null(rd);
    /* The names exist before the first record is asked for. */
    const struct conv_schema *s = conv_reader_schema(rd);
    assert_int_equal(conv_schema_count(s), 3);
    assert_string_equal(conv_schema_field(s, 2)->name, "3");
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

static void test_probe(void **state)
{
    (void)state;
    assert_int_equal(conv_format_by_name("csv")->probe((const unsigned char *)"a,b\r\n1,2", 8), 10);
    assert_int_equal(conv_format_by_name("csv")->probe((const unsigned char *)"", 0), 10);
    assert_int_equal(conv_format_by_name("csv")->probe((const unsigned char *)"S\xc3\xb4ng", 5), 10);
    /* The window may cut a character. */
    assert_int_equal(conv_format_by_name("csv")->probe((const unsigned char *)"S\xc3", 2), 10);
    assert_int_equal(conv_format_by_name("csv")->probe((const unsigned char *)"a\0b", 3), 0);
    assert_int_equal(conv_format_by_name("csv")->probe((const unsigned char *)"a\xff,b", 4), 0);
    assert_int_equal(conv_format_by_name("csv")->probe((const unsigned char *)"\xc3(", 2), 0);
    /* Never reads past n: the byte after is invalid. */
    assert_int_equal(conv_format_by_name("csv")->probe((const unsigned char *)"ab\xff", 2), 10);
}

static void test_descriptor(void **state)
{
    (void)state;
    const struct conv_format *f = conv_format_by_name("csv");
    assert_non_null(f);
    assert_ptr_equal(f, conv_format_by_name("csv"));
    assert_string_equal(conv_format_name(f), "csv");
    const char *const *ext = conv_format_extensions(f);
    assert_string_equal(ext[0], "csv");
    assert_null(ext[1]);
    const struct conv_format *t = conv_format_by_path("x.tsv");
    assert_ptr_equal(t, conv_format_by_name("tsv"));
    assert_ptr_equal(t->reader, f->reader);
    assert_ptr_equal(t->writer, f->writer);
    assert_true(conv_format_can_read(f));
    assert_true(conv_format_can_write(f));
    assert_true(f->flags & CONV_FORMAT_NEEDS_HEADER);
    assert_false(f->flags & CONV_FORMAT_TYPED);
    const char *want[] = {"delimiter", "no-header", "header-row", "layout", "header-rows", "stub-cols", "body-rows", "unit", "region", "ragged", "duplicate-names",
                          "out-delimiter", "omit-header", "eol", "bom", "excel-safe"};
    size_t n = 0;
    while (conv_format_option(f, n))
        n++;
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(conv_format_option(f, i)->name, want[i]);
}

/* Errors keep the record number the core adds, and the byte offset. */
static void test_error_offset(void **state)
{
    (void)state;
    struct conv_error err;
    assert_null(dump_str("a,b\r\n1,2\r\n3,\"x\"y\r\n", NULL, &err));
    assert_int_equal(err.code, CONV_E_SYNTAX);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 6);
    assert_int_equal(err.offset, 15);
    assert_int_equal(err.record, 2);
}

/* ---- the header guess says so ------------------------------------------------------ */

struct guess_row {
    const char *what;
    const char *doc;
    const char *const *opts; /* name, value pairs */
    const char *want;        /* the records dumped, or the error line */
    const char *warn;        /* the warnings, one line each ("" none) */
};

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct guess_row guess_rows[] = {
    /* The World Bank's bulk CSV: "key","value" lines above the header. */
    {"preamble lines", "\"Data Source\",\"WDI\",\n\n\"Last Updated Date\",\"2025-10-07\",\n\n"
     "\"Country Name\",\"Country Code\",\"1960\",\"1961\",\n"
     "\"Viet Nam\",\"VNM\",\"\",\"6.5\",\n\"Aruba\",\"ABW\",\"1.5\",\"\",\n",
     KV("infer-rows", "1000", "null", ""),
     "@6\tCountry Name:string=Viet Nam\tCountry Code:string=VNM\t1960:null=\t1961:decimal=6.5"
     "\tcolumn_5:null=\n"
     "@7\tCountry Name:string=Aruba\tCountry Code:string=ABW\t1960:decimal=1.5\t1961:null="
     "\tcolumn_5:null=\n",
     "input:5: took line 5 as the header, skipping lines 1 to 3 above it (a title or notes: "
     "'Data Source', 'WDI'); --header-row N takes another line\n"},
    {"preamble lines, --header-row", "\"Data Source\",\"WDI\",\n\n\"Country\",\"1960\",\n"
     "\"VNM\",\"6.5\",\n", KV("header-row", "3"), "@4\tCountry:string=VNM\t1960:string=6.5\tcolumn_3:null=\n",
     ""},
    /* A PX-Web export: a title line, '..' for missing values. */
    {"title line", "\"Retail sales by province\"\n\n\"Province\";\"1995\";\"Prel. 2016\"\n"
     "\" WHOLE COUNTRY\";119569.6;..\n\"Ha Noi\";..;12\n",
     KV("infer-rows", "1000", "null", ".."),
     "@4\tProvince:string= WHOLE COUNTRY\t1995:decimal=119569.6\tPrel. 2016:null=\n"
     "@5\tProvince:string=Ha Noi\t1995:null=\tPrel. 2016:integer=12\n",
     "input:3: took line 3 as the header, skipping line 1 above it (a title or notes: "
     "'Retail sales by prov...'); --header-row N takes another line\n"},
    /* A list without a header: its first record taken as the header. */
    {"first record", "01,Thành phố Hà Nội\n04,Cao Bằng\n08,Tuyên Quang\n", NULL,
     "@2\t01:string=04\tThành phố Hà Nội:string=Cao Bằng\n"
     "@3\t01:string=08\tThành phố Hà Nội:string=Tuyên Quang\n",
     "input:1: took line 1 as the header, but it reads like a record ('01', 'Thành phố Hà "
     "Nội'); --no-header reads it as one, --header-row N takes another line\n"},
    {"first record, --no-header", "01,Thành phố Hà Nội\n04,Cao Bằng\n", KV("no-header", "1"),
     "@1\t1:string=01\t2:string=Thành phố Hà Nội\n@2\t1:string=04\t2:string=Cao Bằng\n", ""},
    /* A heading over the header (a merged group row exported to CSV). */
    {"heading row", "Từ 01/7/2025,,,Trước 01/7/2025,,\nTên,Mã,Ghi chú,Tên cũ,Mã cũ,x\n"
     "Ba Đình,00004,,Trúc Bạch,00004,1\n", NULL,
     "@2\tTừ 01/7/2025:string=Tên\tcolumn_2:string=Mã\tcolumn_3:string=Ghi chú"
     "\tTrước 01/7/2025:string=Tên cũ\tcolumn_5:string=Mã cũ\tcolumn_6:string=x\n"
     "@3\tTừ 01/7/2025:string=Ba Đình\tcolumn_2:string=00004\tcolumn_3:null="
     "\tTrước 01/7/2025:string=Trúc Bạch\tcolumn_5:string=00004\tcolumn_6:string=1\n",
     "input:1: took line 1 as the header, but it names only 2 of its 6 columns (a heading over "
     "the header?); --header-row 2 takes the line below\n"},
    {"heading row, --header-row 2", "Từ,,\nTên,Mã,x\nBa Đình,00004,1\n",
     KV("header-row", "2"), "@3\tTên:string=Ba Đình\tMã:string=00004\tx:string=1\n", ""},
    /* Headers that say nothing. */
    {"plain", "a,b\n1,2\n", NULL, "@2\ta:string=1\tb:string=2\n", ""},
    {"years over numbers", "Province,1995,1996\nHa Noi,1.5,2\n", NULL,
     "@2\tProvince:string=Ha Noi\t1995:string=1.5\t1996:string=2\n", ""},
    {"codes under names", "code,name\n01,Hà Nội\n", NULL,
     "@2\tcode:string=01\tname:string=Hà Nội\n", ""},
    {"one column", "name\nA\nB\n", NULL, "@2\tname:string=A\n@3\tname:string=B\n", ""},
    /* A wider row under a header stays an error when the wider row reads
     * like a record: no data is taken as the header. */
    {"wider data rows", "a,b\n1,2,\n3,4,\n", NULL, "input:2:5: row has 3 fields, expected 2", ""},
};

static void on_warning(void *user, const struct conv_error *e)
{
    char line[512];
    conv_error_format(e, line, sizeof line);
    tu_sb_str(user, line);
    tu_sb_str(user, "\n");
}

static void test_header_guess_warnings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof guess_rows / sizeof guess_rows[0]; i++) {
        const struct guess_row *g = &guess_rows[i];
        for (int trickle = 0; trickle <= 1; trickle++) {
            struct conv_context *ctx = conv_context_new(NULL);
            struct conv_options *o = conv_options_new(ctx);
            conv_options_set(o, "from", "csv");
            conv_options_set(o, "infer-rows", "0");
            for (size_t k = 0; g->opts && g->opts[k]; k += 2)
                conv_options_set(o, g->opts[k], g->opts[k + 1]);
            struct tu_sbuf warn = {0};
            tu_sb_str(&warn, "");
            conv_options_set_diag(o, on_warning, &warn);
            struct conv_error err;
            char *got = tu_read_dump(g->doc, strlen(g->doc), "input", o, trickle, &err);
            char *line = got ? NULL : tu_error_line(&err);
            const char *have = got ? got : line;
            if (strcmp(have, g->want) != 0)
                fail_msg("%s (trickle %d):\ngot\n%s\nwant\n%s", g->what, trickle, have, g->want);
            if (strcmp(warn.p, g->warn) != 0)
                fail_msg("%s (trickle %d): warnings\n%s\nwant\n%s", g->what, trickle, warn.p,
                         g->warn);
            free(got);
            free(line);
            free(warn.p);
            conv_options_free(o);
            conv_context_free(ctx);
        }
    }
}

int main(void)
{
    struct tu_cases cases = {0};
    tu_cases_add(&cases, "tests/data/csv/valid", tu_reader_case_valid, &csv_cases);
    tu_cases_add(&cases, "tests/data/csv/invalid", tu_reader_case_invalid, &csv_cases);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_from_memory),
        cmocka_unit_test(test_big_trickled),
        cmocka_unit_test(test_error_column_after_long_field),
        cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_column_limit),
        cmocka_unit_test(test_memory_stays_flat),
        cmocka_unit_test(test_slot_positions),
        cmocka_unit_test(test_inferred_by_default),
        cmocka_unit_test(test_no_header_fields_fixed_at_open),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_error_offset),
        cmocka_unit_test(test_header_guess_warnings),
    };
    int failed = tu_cases_run(&cases, "csv_read_cases");
    failed += cmocka_run_group_tests_name("csv_read", tests, NULL, NULL);
    return failed ? 1 : 0;
}
