/*
 * CSV writer tests: quoting rules, empty string vs null, eol/bom/
 * omit-header/out-delimiter/excel-safe, bad options, and round trips: canonical
 * CSV read and written back byte for byte, and every valid reader case
 * folder read, written and read again to the same records.
 */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_private.h" /* typed records built by hand */

/* A value for make_record(): type and text (NULL text = null). */
struct tv {
    enum conv_type type;
    const char *text;
};

static struct conv_schema *make_schema(struct conv_context *ctx, const char *const *names)
{
    struct conv_schema *s = conv_schema_new(ctx);
    for (size_t i = 0; names[i]; i++) {
        struct conv_field f = {names[i], CONV_ANY, NULL, NULL, NULL, 0};
        assert_int_equal(conv_schema_add(s, &f), CONV_OK);
    }
    return s;
}

static void fill_record(struct conv_record *rec, const struct tv *vals, size_t n)
{
    convp_record_clear(rec);
    for (size_t i = 0; i < n; i++) {
        const char *t = vals[i].text ? vals[i].text : "";
        enum conv_type type = vals[i].text ? vals[i].type : CONV_NULL;
        assert_int_equal(convp_record_add(rec, (uint32_t)i, type, 0, t, strlen(t), 1, 1),
                         CONV_OK);
    }
}

/*
 * Write rows of ncol typed values (rows * ncol entries) under the given
 * names with options (name, value pairs, NULL-terminated) and return the
 * output, malloc'd and NUL-terminated.
 */
static char *write_rows(const char *const *names, const struct tv *vals, size_t ncol,
                        size_t rows, const char *const *opts, size_t *len)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "to", "csv");
    for (size_t i = 0; opts && opts[i]; i += 2)
        conv_options_set(o, opts[i], opts[i + 1]);
    struct conv_schema *s = make_schema(ctx, names);
    struct conv_error err;
    struct conv_writer *w = conv_writer_open_memory(ctx, s, o, &err);
    assert_non_null(w);
    struct conv_record rec;
    convp_record_init(&rec, ctx, s);
    for (size_t r = 0; r < rows; r++) {
        fill_record(&rec, vals + r * ncol, ncol);
        assert_int_equal(conv_writer_put(w, &rec), CONV_OK);
    }
    assert_int_equal(conv_writer_finish(w), CONV_OK);
    size_t n;
    const void *p = conv_writer_memory(w, &n);
    char *out = malloc(n + 1);
    memcpy(out, p, n);
    out[n] = '\0';
    if (len)
        *len = n;
    convp_record_fini(&rec);
    conv_writer_close(w);
    conv_schema_free(s);
    conv_options_free(o);
    conv_context_free(ctx);
    return out;
}

#define S(x) {CONV_STRING, x}
#define NUL {CONV_NULL, NULL}

static void test_quoting(void **state)
{
    (void)state;
    const char *names[] = {"plain", "comma", "quote", "lf", "cr", "space", "viet", NULL};
    const struct tv vals[] = {
        S("abc"), S("a,b"), S("say \"hi\""), S("two\nlines"), S("cr\rx"), S(" padded "),
        S("Sông Công"),
        /* a quote alone, quotes at both ends, CRLF inside, a semicolon */
        S("x"), S("\""), S("\"q\""), S("a\r\nb"), S("\r"), S("a;b"), S("'"),
    };
    char *out = write_rows(names, vals, 7, 2, NULL, NULL);
    assert_string_equal(out, "plain,comma,quote,lf,cr,space,viet\r\n"
                             "abc,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\", padded ,"
                             "Sông Công\r\n"
                             "x,\"\"\"\",\"\"\"q\"\"\",\"a\r\nb\",\"\r\",a;b,'\r\n");
    free(out);
}

static void test_empty_string_vs_null(void **state)
{
    (void)state;
    const char *names[] = {"a", "b", "c", NULL};
    const struct tv vals[] = {S(""), NUL, S("x"), NUL, NUL, NUL, S(""), S(""), S("")};
    char *out = write_rows(names, vals, 3, 3, NULL, NULL);
    assert_string_equal(out, "a,b,c\r\n\"\",,x\r\n,,\r\n\"\",\"\",\"\"\r\n");

    /* And they read back as they were. */
    struct conv_error cerr;
    char *back = tu_convert_mem(out, strlen(out), "csv", "csv",
                                (const char *[]){"infer-rows=0", NULL}, NULL, &cerr);
    assert_non_null(back);
    assert_string_equal(back, out);
    free(back);

    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = conv_options_new(ctx);
    conv_options_set(opts, "from", "csv");
    conv_options_set(opts, "infer-rows", "0");
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, out, strlen(out), "x", opts, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_record_value(rec, 0)->type, CONV_STRING);
    assert_int_equal(conv_record_value(rec, 0)->len, 0);
    assert_int_equal(conv_record_value(rec, 1)->type, CONV_NULL);
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(conv_record_value(rec, i)->type, CONV_NULL);
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(conv_record_value(rec, i)->type, CONV_STRING);
    assert_int_equal(conv_reader_next(rd, &rec), CONV_EOF);
    conv_reader_close(rd);
    conv_options_free(opts);
    conv_context_free(ctx);
    free(out);
}

static void test_every_type_as_text(void **state)
{
    (void)state;
    const char *names[] = {"i", "d", "b", "day", "at", NULL};
    const struct tv vals[] = {{CONV_INTEGER, "-13090"},   {CONV_DECIMAL, "552.60"},
                              {CONV_BOOLEAN, "true"},     {CONV_DATE, "2024-02-29"},
                              {CONV_DATETIME, "2024-02-29T10:00:00+07:00"}};
    char *out = write_rows(names, vals, 5, 1, NULL, NULL);
    assert_string_equal(out, "i,d,b,day,at\r\n-13090,552.60,true,2024-02-29,"
                             "2024-02-29T10:00:00+07:00\r\n");
    free(out);
}

static void test_eol_lf_bom_omit_header(void **state)
{
    (void)state;
    const char *names[] = {"a", "b", NULL};
    const struct tv vals[] = {S("1"), S("x\ny"), S("2"), NUL};
    char *out = write_rows(names, vals, 2, 2, (const char *[]){"eol", "lf", NULL}, NULL);
    assert_string_equal(out, "a,b\n1,\"x\ny\"\n2,\n");
    free(out);

    size_t n;
    out = write_rows(names, vals, 2, 1, (const char *[]){"bom", "1", NULL}, &n);
    assert_int_equal(n, 3 + 5 + 9);
    assert_memory_equal(out, "\xEF\xBB\xBF" "a,b\r\n1,\"x\ny\"\r\n", n);
    free(out);

    out = write_rows(names, vals, 2, 2, (const char *[]){"omit-header", "1", NULL}, NULL);
    assert_string_equal(out, "1,\"x\ny\"\r\n2,\r\n");
    free(out);

    /* A BOM alone when there are no records (and no header). */
    out = write_rows(names, vals, 2, 0,
                     (const char *[]){"bom", "yes", "omit-header", "yes", NULL}, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\xEF\xBB\xBF", 3);
    free(out);
}

static void test_out_delimiter(void **state)
{
    (void)state;
    const char *names[] = {"a", "b;c", "d", NULL};
    const struct tv vals[] = {S("1,5"), S("x;y"), S("tab\there")};
    char *out = write_rows(names, vals, 3, 1, (const char *[]){"out-delimiter", ";", NULL}, NULL);
    assert_string_equal(out, "a;\"b;c\";d\r\n1,5;\"x;y\";tab\there\r\n");
    free(out);
    out = write_rows(names, vals, 3, 1, (const char *[]){"out-delimiter", "tab", NULL}, NULL);
    assert_string_equal(out, "a\tb;c\td\r\n1,5\tx;y\t\"tab\there\"\r\n");
    free(out);
    out = write_rows(names, vals, 3, 1, (const char *[]){"out-delimiter", "|", NULL}, NULL);
    assert_string_equal(out, "a|b;c|d\r\n1,5|x;y|tab\there\r\n");
    free(out);
}

static void test_excel_safe(void **state)
{
    (void)state;
    const char *names[] = {"v", NULL};
    const struct tv vals[] = {
        {CONV_DECIMAL, "-3.5"}, S("-3.5"), S("=SUM(A1)"), S("-x"), S("+x"), S("@x"),
        S("\tx"), S("\rx"), {CONV_INTEGER, "-5"}, S("-5"), S("+5"), S("x=1"), S("=a,b"),
        S("-"), S("1e5"), S("-1.5e-3")};
    size_t nv = sizeof vals / sizeof vals[0];
    char *out = write_rows(names, vals, 1, nv, (const char *[]){"excel-safe", "1", NULL}, NULL);
    assert_string_equal(out, "v\r\n"
                             "-3.5\r\n"
                             "-3.5\r\n"
                             "'=SUM(A1)\r\n"
                             "'-x\r\n"
                             "'+x\r\n"
                             "'@x\r\n"
                             "'\tx\r\n"
                             "\"'\rx\"\r\n"
                             "-5\r\n"
                             "-5\r\n"
                             "'+5\r\n"
                             "x=1\r\n"
                             "\"'=a,b\"\r\n"
                             "'-\r\n"
                             "1e5\r\n"
                             "-1.5e-3\r\n");
    free(out);

    /* Without the option formula-looking text is kept as it is. */
    out = write_rows(names, vals, 1, 4, NULL, NULL);
    assert_string_equal(out, "v\r\n-3.5\r\n-3.5\r\n=SUM(A1)\r\n-x\r\n");
    free(out);

    /* The header gets the same treatment. */
    const char *fnames[] = {"=cmd", "ok", NULL};
    const struct tv two[] = {S("1"), S("2")};
    out = write_rows(fnames, two, 2, 1, (const char *[]){"excel-safe", "1", NULL}, NULL);
    assert_string_equal(out, "'=cmd,ok\r\n1,2\r\n");
    free(out);
}

/* A first value starting with U+FEFF must survive the reader's BOM strip. */
static void test_leading_feff_is_quoted(void **state)
{
    (void)state;
    const char *names[] = {"\xEF\xBB\xBFname", "b", NULL};
    const struct tv vals[] = {S("\xEF\xBB\xBFx"), S("y")};
    char *out = write_rows(names, vals, 2, 1, NULL, NULL);
    assert_string_equal(out, "\"\xEF\xBB\xBFname\",b\r\n\xEF\xBB\xBFx,y\r\n");
    struct conv_error err;
    char *back = tu_convert_mem(out, strlen(out), "csv", "csv", NULL, NULL, &err);
    assert_non_null(back);
    assert_string_equal(back, out);
    free(back);
    free(out);

    /* With a BOM written first, no quotes are needed. */
    out = write_rows(names, vals, 2, 1, (const char *[]){"bom", "1", NULL}, NULL);
    assert_string_equal(out, "\xEF\xBB\xBF\xEF\xBB\xBFname,b\r\n\xEF\xBB\xBFx,y\r\n");
    free(out);
}

static void test_bad_options(void **state)
{
    (void)state;
    const char *cases[][3] = {
        {"out-delimiter", "ab",
         "option out-delimiter: expected tab or one ASCII character other than a quote or "
         "line end, got 'ab'"},
        {"out-delimiter", "\n",
         "option out-delimiter: expected tab or one ASCII character other than a quote or "
         "line end, got '\n'"},
        {"eol", "cr", "option eol: expected crlf|lf, got 'cr'"},
        {"bom", "maybe", "option bom: expected yes or no, got 'maybe'"},
        {"excel-safe", "2", "option excel-safe: expected yes or no, got '2'"},
        {"omit-header", "x", "option omit-header: expected yes or no, got 'x'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = conv_options_new(ctx);
        conv_options_set(o, "to", "csv");
        conv_options_set(o, cases[i][0], cases[i][1]);
        struct conv_error err;
        conv_error_clear(&err);
        assert_null(conv_writer_open_memory(ctx, NULL, o, &err));
        assert_int_equal(err.code, CONV_E_USAGE);
        assert_string_equal(err.message, cases[i][2]);
        conv_options_free(o);
        conv_context_free(ctx);
    }
}

/* A row far above the writer's one-reservation size. */
static void test_huge_value(void **state)
{
    (void)state;
    size_t n = 3u << 20;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 1000 == 999 ? '"' : 'a' + (char)(i % 26);
    big[n] = '\0';
    const char *names[] = {"a", "b", NULL};
    const struct tv vals[] = {S("x"), {CONV_STRING, big}};
    size_t len;
    char *out = write_rows(names, vals, 2, 1, NULL, &len);
    size_t quotes = n / 1000;
    assert_int_equal(len, strlen("a,b\r\nx,") + 2 + n + quotes + 2);
    assert_memory_equal(out, "a,b\r\nx,\"", 8);
    assert_memory_equal(out + len - 3, "\"\r\n", 3);
    /* It reads back to the same text. */
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, out, len, "big", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_record_value(rec, 1)->len, n);
    assert_memory_equal(conv_record_value(rec, 1)->text, big, n);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    free(out);
    free(big);
}

/* ---- round trips ------------------------------------------------------------------ */

/* Read csv, write it with the reader's fixed header (as conv_convert
 * does) and require the very same bytes.  options: "name=value" for both. */
static void assert_round_trip(const char *csv, const char *const *options)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *ro = conv_options_new(ctx);
    struct conv_options *wo = conv_options_new(ctx);
    conv_options_set(ro, "from", "csv");
    conv_options_set(wo, "to", "csv");
    for (size_t i = 0; options && options[i]; i++) {
        char name[64];
        const char *eq = strchr(options[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - options[i]), options[i]);
        conv_options_set(ro, name, eq + 1);
        conv_options_set(wo, name, eq + 1);
    }
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, csv, strlen(csv), "in", ro, &err);
    assert_non_null(rd);
    struct conv_writer *w = conv_writer_open_memory(ctx, conv_reader_schema(rd), wo, &err);
    assert_non_null(w);
    const struct conv_record *rec;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
        assert_int_equal(conv_writer_put(w, rec), CONV_OK);
    if (rc != CONV_EOF) {
        char msg[512];
        conv_error_format(conv_reader_error(rd), msg, sizeof msg);
        fail_msg("round trip failed: %s", msg);
    }
    assert_int_equal(conv_writer_finish(w), CONV_OK);
    size_t n;
    const char *out = conv_writer_memory(w, &n);
    if (n != strlen(csv) || memcmp(out, csv, n) != 0)
        fail_msg("not byte-identical:\n--- in\n%s--- out\n%.*s", csv, (int)n, out);
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(ro);
    conv_options_free(wo);
    conv_context_free(ctx);
}

static void test_round_trip_canonical(void **state)
{
    (void)state;
    /* Canonical: CRLF, quotes only where needed, "" for empty strings. */
    static const char canonical[] =
        "region_code,region_name,indicator,period,value,unit,change_pct,note\r\n"
        "165,Thành phố Sông Công,Tổng giá trị sản xuất,2021,13090,tỷ đồng,16.5,\r\n"
        "164,Thành phố Thái Nguyên,\"Công nghiệp, xây dựng\",2021,11227,tỷ đồng,16.5,"
        "\"ghi chú \"\"sơ bộ\"\"\"\r\n"
        "019,Tỉnh Thái Nguyên,Thu ngân sách,2022,552.6,tỷ đồng,25,\"\"\r\n"
        "001,Quận Ba Đình,\"dòng một\r\ndòng hai\",2023-01-31,-7.07,%,,\"a\nb\"\r\n"
        ",,,,,,,\r\n"
        "=SUM(A1),-x,true,2024-01-01T00:00:00Z,0,\"\",-0.5,' \r\n";
    assert_round_trip(canonical, NULL);
    assert_round_trip(canonical, (const char *[]){"infer-rows=0", NULL});

    /* One column: a null row is an empty line, an empty string is "". */
    assert_round_trip("name\r\nx\r\n\r\n\"\"\r\ny\r\n", NULL);
    /* LF line ends when asked for on both sides. */
    assert_round_trip("a,b\n1,\"x\ny\"\n", (const char *[]){"eol=lf", NULL});
    /* Only a header. */
    assert_round_trip("a,b,c\r\n", NULL);
}

/* The generated benchmark file is canonical too. */
static void test_round_trip_generated(void **state)
{
    (void)state;
    const char *bin = getenv("CONV_BIN");
    char exe[4096];
    snprintf(exe, sizeof exe, "%s/bench-gen", bin ? bin : CONV_BINARY_DIR "/bin");
    if (!tu_exists(exe))
        skip();
    struct tu_run r;
    tu_run_tool(&r, "bench-gen", NULL, 0, (const char *[]){"2000", "--seed", "7", NULL});
    assert_int_equal(r.status, 0);
    assert_true(r.out_len > 1000);
    assert_round_trip(r.out, NULL);
    tu_run_free(&r);
}

/* ---- every valid reader case: read, write, read back, same records ---------------- */

struct sbuf {
    char *p;
    size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* Records as name:type=text lines (no line numbers: those change). */
static char *dump_doc(const void *doc, size_t len, const struct conv_options *o,
                      struct conv_error *err)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, len, "input", o, err);
    struct sbuf b = {0};
    sb_add(&b, "", 0);
    int rc = CONV_ERR;
    if (rd) {
        const struct conv_record *rec;
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
            for (size_t i = 0; i < conv_record_count(rec); i++) {
                const char *name = conv_record_name(rec, i);
                const struct conv_value *v = conv_record_value(rec, i);
                const char *t = conv_type_name(v->type);
                sb_add(&b, name, strlen(name));
                sb_add(&b, ":", 1);
                sb_add(&b, t, strlen(t));
                sb_add(&b, "=", 1);
                sb_add(&b, v->text, v->len);
                sb_add(&b, "\x1f", 1);
            }
            sb_add(&b, "\x1e\n", 2);
        }
        if (rc == CONV_ERR)
            *err = *conv_reader_error(rd);
    }
    conv_reader_close(rd);
    conv_context_free(ctx);
    if (rc != CONV_EOF) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static void test_round_trip_case_folders(void **state)
{
    (void)state;
    const char *src = getenv("CONV_SRC");
    char *root = src ? tu_path(src, "tests/data/csv/valid") : tu_src("tests/data/csv/valid");
    DIR *d = opendir(root);
    assert_non_null(d);
    struct dirent *e;
    int cases = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *dir = tu_path(root, e->d_name);
        char *in_path = tu_path(dir, "input.csv");
        char *opt_path = tu_path(dir, "options");
        size_t len;
        char *input = tu_read_file(in_path, &len);
        char *opt_text = tu_read_file(opt_path, NULL);
        assert_non_null(input);

        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *first = conv_options_new(ctx);
        struct conv_options *again = conv_options_new(ctx);
        struct conv_options *wo = conv_options_new(ctx);
        conv_options_set(first, "from", "csv");
        conv_options_set(first, "infer-rows", "0");
        conv_options_set(again, "from", "csv");
        conv_options_set(again, "infer-rows", "0");
        conv_options_set(again, "delimiter", ",");
        conv_options_set(wo, "to", "csv");
        char *save = NULL;
        for (char *l = opt_text ? strtok_r(opt_text, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save)) {
            char *eq = strchr(l, '=');
            *eq = '\0';
            conv_options_set(first, l, eq + 1);
            /* The written file has unique names, full rows and a header. */
            if (!strcmp(l, "infer-rows"))
                conv_options_set(again, l, eq + 1);
        }

        struct conv_error err;
        char *want = dump_doc(input, len, first, &err);
        if (!want)
            fail_msg("%s: read failed", e->d_name);

        /* Write what was read. */
        struct conv_writer *w = conv_writer_open_memory(ctx, NULL, wo, &err);
        struct conv_reader *rd = conv_reader_open_memory(ctx, input, len, "input", first, &err);
        assert_non_null(w);
        assert_non_null(rd);
        const struct conv_record *rec;
        int rc;
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
            assert_int_equal(conv_writer_put(w, rec), CONV_OK);
        assert_int_equal(rc, CONV_EOF);
        assert_int_equal(conv_writer_finish(w), CONV_OK);
        size_t n;
        const void *out = conv_writer_memory(w, &n);
        char *got = dump_doc(out, n, again, &err);
        if (!got)
            fail_msg("%s: reading the written CSV failed", e->d_name);
        if (strcmp(want, got) != 0)
            fail_msg("%s: records differ after a round trip:\n%s---\n%s", e->d_name, want, got);
        cases++;

        free(want);
        free(got);
        conv_reader_close(rd);
        conv_writer_close(w);
        conv_options_free(first);
        conv_options_free(again);
        conv_options_free(wo);
        conv_context_free(ctx);
        free(input);
        free(opt_text);
        free(in_path);
        free(opt_path);
        free(dir);
    }
    closedir(d);
    free(root);
    assert_true(cases >= 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_empty_string_vs_null),
        cmocka_unit_test(test_every_type_as_text),
        cmocka_unit_test(test_eol_lf_bom_omit_header),
        cmocka_unit_test(test_out_delimiter),
        cmocka_unit_test(test_excel_safe),
        cmocka_unit_test(test_leading_feff_is_quoted),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_huge_value),
        cmocka_unit_test(test_round_trip_canonical),
        cmocka_unit_test(test_round_trip_generated),
        cmocka_unit_test(test_round_trip_case_folders),
    };
    return cmocka_run_group_tests_name("csv_write", tests, NULL, NULL);
}
