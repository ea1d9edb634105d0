/*
 * JSON and JSON Lines writer tests: string and name escaping, every value
 * type, null against empty string, the array and line framing, long values
 * written in pieces, refused number text, a failing sink, and byte-exact
 * round trips of the canonical files in tests/data/json/roundtrip/.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_private.h" /* records are built here slot by slot */

/* ---- helpers ------------------------------------------------------------------ */

/* A growing string. */



/* Records made by hand over one schema. */
struct fix {
    struct conv_context *ctx;
    struct conv_schema *schema;
    struct conv_record rec[4];
    size_t n;
};

static void fix_init(struct fix *f)
{
    f->ctx = conv_context_new(NULL);
    f->schema = conv_schema_new(f->ctx);
    assert_non_null(f->schema);
    for (size_t i = 0; i < 4; i++)
        convp_record_init(&f->rec[i], f->ctx, f->schema);
    f->n = 0;
}

static void fix_free(struct fix *f)
{
    for (size_t i = 0; i < 4; i++)
        convp_record_fini(&f->rec[i]);
    conv_schema_free(f->schema);
    conv_context_free(f->ctx);
}

/* Add a value named name (len bytes of text) to record r. */
static void fix_add_n(struct fix *f, size_t r, const char *name, size_t nlen,
                      enum conv_type type, unsigned flags, const char *text, size_t len)
{
    long i = convp_schema_find_n(f->schema, name, nlen);
    if (i < 0)
        i = convp_schema_add_name(f->schema, name, nlen);
    assert_true(i >= 0);
    assert_int_equal(convp_record_add(&f->rec[r], (uint32_t)i, type, flags, text, len, 1, 1),
                     CONV_OK);
    if (r + 1 > f->n)
        f->n = r + 1;
}

static void fix_add(struct fix *f, size_t r, const char *name, enum conv_type type,
                    unsigned flags, const char *text)
{
    fix_add_n(f, r, name, strlen(name), type, flags, text, strlen(text));
}

/* Write the first n records in format to; returns the bytes (malloc'd), or
 * NULL with *err set. */
static char *write_n(struct fix *f, size_t n, const char *to, size_t *len,
                     struct conv_error *err)
{
    struct conv_options *o = conv_options_new(f->ctx);
    conv_options_set(o, "to", to);
    conv_error_clear(err);
    struct conv_writer *w = conv_writer_open_memory(f->ctx, NULL, o, err);
    assert_non_null(w);
    char *out = NULL;
    size_t i;
    for (i = 0; i < n; i++)
        if (conv_writer_put(w, &f->rec[i]) != CONV_OK)
            break;
    if (i == n && conv_writer_finish(w) == CONV_OK) {
        size_t size;
        const void *mem = conv_writer_memory(w, &size);
        out = malloc(size + 1);
        memcpy(out, mem, size);
        out[size] = '\0';
        *len = size;
    } else {
        *err = *conv_writer_error(w);
    }
    conv_writer_close(w);
    conv_options_free(o);
    return out;
}

static void expect_output(struct fix *f, size_t n, const char *to, const char *want)
{
    struct conv_error err;
    size_t len = 0;
    char *got = write_n(f, n, to, &len, &err);
    if (!got)
        fail_msg("write failed: %s", err.message);
    if (len != strlen(want) || memcmp(got, want, len) != 0)
        fail_msg("--- expected\n%s\n--- got\n%s", want, got);
    free(got);
}

/* ---- escaping and values ---------------------------------------------------------- */

static void test_string_escapes(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    char ctl[40];
    for (int i = 1; i < 32; i++)
        ctl[i - 1] = (char)i;
    strcpy(ctl + 31, "\"\\/\x7f");
    fix_add(&f, 0, "ctl", CONV_STRING, 0, ctl);
    fix_add(&f, 0, "vi", CONV_STRING, 0, "Việt Nam 😀 – “ngoặc”");
    expect_output(&f, 1, "jsonl",
                  "{\"ctl\":\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n"
                  "\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015"
                  "\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
                  "\\\"\\\\/\x7f\",\"vi\":\"Việt Nam 😀 – “ngoặc”\"}\n");
    fix_free(&f);
}

/* Escapes sitting at every offset of the eight-byte scan. */
static void test_escape_alignment(void **state)
{
    (void)state;
    for (size_t at = 0; at < 20; at++) {
        struct fix f;
        fix_init(&f);
        char text[32], want[96];
        memset(text, 'a', sizeof text);
        text[at] = '"';
        text[21] = '\0';
        fix_add(&f, 0, "s", CONV_STRING, 0, text);
        snprintf(want, sizeof want, "{\"s\":\"%.*s\\\"%s\"}\n", (int)at, text, text + at + 1);
        expect_output(&f, 1, "jsonl", want);
        fix_free(&f);
    }
}

static void test_name_escapes(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    fix_add(&f, 0, "a\"b\\c\nd", CONV_INTEGER, 0, "1");
    fix_add(&f, 0, "tỉnh/thành", CONV_INTEGER, 0, "2");
    expect_output(&f, 1, "jsonl", "{\"a\\\"b\\\\c\\nd\":1,\"tỉnh/thành\":2}\n");
    fix_free(&f);
}

static void test_value_types(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    fix_add(&f, 0, "null", CONV_NULL, 0, "");
    fix_add(&f, 0, "empty", CONV_STRING, 0, "");
    fix_add(&f, 0, "int", CONV_INTEGER, 0, "-12345678901234567890123");
    fix_add(&f, 0, "zero", CONV_INTEGER, 0, "-0");
    fix_add(&f, 0, "dec", CONV_DECIMAL, 0, "552.6");
    fix_add(&f, 0, "exp", CONV_DECIMAL, 0, "1E+5");
    fix_add(&f, 0, "decint", CONV_DECIMAL, 0, "13090");
    fix_add(&f, 0, "t", CONV_BOOLEAN, 0, "true");
    fix_add(&f, 0, "f", CONV_BOOLEAN, 0, "false");
    fix_add(&f, 0, "date", CONV_DATE, 0, "2024-02-29");
    fix_add(&f, 0, "dt", CONV_DATETIME, 0, "2024-02-29T10:00:00+07:00");
    fix_add(&f, 0, "any", CONV_ANY, 0, "x");
    /* Untyped text stays a string whatever it looks like. */
    fix_add(&f, 0, "raw", CONV_INTEGER, CONV_VALUE_RAW, "0012");
    fix_add(&f, 0, "rawnull", CONV_STRING, CONV_VALUE_RAW, "null");
    fix_add(&f, 0, "nullraw", CONV_NULL, CONV_VALUE_RAW, "");
    expect_output(&f, 1, "json",
                  "[\n{\"null\":null,\"empty\":\"\",\"int\":-12345678901234567890123,"
                  "\"zero\":-0,\"dec\":552.6,\"exp\":1E+5,\"decint\":13090,\"t\":true,"
                  "\"f\":false,\"date\":\"2024-02-29\",\"dt\":\"2024-02-29T10:00:00+07:00\","
                  "\"any\":\"x\",\"raw\":\"0012\",\"rawnull\":\"null\",\"nullraw\":null}\n]\n");
    fix_free(&f);
}

/* A number or boolean whose text is not JSON is refused, not written. */
static void test_bad_literals(void **state)
{
    (void)state;
    static const struct {
        enum conv_type type;
        const char *text;
    } bad[] = {{CONV_INTEGER, "1,5"}, {CONV_DECIMAL, "552,6"}, {CONV_DECIMAL, ".5"},
               {CONV_INTEGER, ""},    {CONV_DECIMAL, "NaN"},   {CONV_BOOLEAN, "TRUE"},
               {CONV_BOOLEAN, "1"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fix f;
        fix_init(&f);
        fix_add(&f, 0, "v", bad[i].type, 0, bad[i].text);
        struct conv_error err;
        size_t len;
        char *out = write_n(&f, 1, "json", &len, &err);
        assert_null(out);
        assert_int_equal(err.code, CONV_E_TYPE);
        fix_free(&f);
    }
}

/* ---- framing --------------------------------------------------------------------------- */

static void test_json_framing(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    expect_output(&f, 0, "json", "[]\n");
    fix_add(&f, 0, "a", CONV_INTEGER, 0, "1");
    expect_output(&f, 1, "json", "[\n{\"a\":1}\n]\n");
    /* record 1 stays empty */
    fix_add(&f, 2, "b", CONV_STRING, 0, "x");
    fix_add(&f, 2, "a", CONV_NULL, 0, "");
    expect_output(&f, 3, "json", "[\n{\"a\":1},\n{},\n{\"b\":\"x\",\"a\":null}\n]\n");
    fix_free(&f);
}

static void test_jsonl_framing(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    expect_output(&f, 0, "jsonl", "");
    fix_add(&f, 0, "a", CONV_INTEGER, 0, "1");
    fix_add(&f, 2, "a", CONV_DECIMAL, 0, "0.1");
    expect_output(&f, 3, "jsonl", "{\"a\":1}\n{}\n{\"a\":0.1}\n");
    fix_free(&f);
}

/* ---- long values -------------------------------------------------------------------- */

/* What the writer must make of s: the reference escaper. */
static void ref_escape(struct tu_sbuf *b, const char *s, size_t n)
{
    tu_sb_str(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char u[8];
        switch (c) {
        case '"': tu_sb_str(b, "\\\""); break;
        case '\\': tu_sb_str(b, "\\\\"); break;
        case '\b': tu_sb_str(b, "\\b"); break;
        case '\f': tu_sb_str(b, "\\f"); break;
        case '\n': tu_sb_str(b, "\\n"); break;
        case '\r': tu_sb_str(b, "\\r"); break;
        case '\t': tu_sb_str(b, "\\t"); break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", c);
                tu_sb_str(b, u);
            } else {
                tu_sb_add(b, s + i, 1);
            }
        }
    }
    tu_sb_str(b, "\"");
}

/* Names and values longer than one output reservation, full of escapes
 * and multibyte letters, then read back. */
static void test_long_values(void **state)
{
    (void)state;
    static const char *const parts[] = {"Đường ", "\"", "\\", "\n", "\x01", "abcdefgh", "ộ"};
    struct tu_sbuf name = {0}, value = {0}, want = {0};
    for (unsigned i = 0; i < 3000; i++)
        tu_sb_str(&name, parts[i % 7]);
    for (unsigned i = 0; i < 60000; i++)
        tu_sb_str(&value, parts[(i * 2654435761u >> 13) % 7]);
    struct fix f;
    fix_init(&f);
    fix_add_n(&f, 0, name.p, name.n, CONV_STRING, 0, value.p, value.n);
    fix_add(&f, 0, "n", CONV_INTEGER, 0, "7");
    fix_add_n(&f, 0, "v", 1, CONV_STRING, 0, value.p, value.n);
    tu_sb_str(&want, "{");
    ref_escape(&want, name.p, name.n);
    tu_sb_str(&want, ":");
    ref_escape(&want, value.p, value.n);
    tu_sb_str(&want, ",\"n\":7,\"v\":");
    ref_escape(&want, value.p, value.n);
    tu_sb_str(&want, "}\n");
    expect_output(&f, 1, "jsonl", want.p);

    /* Read it back: the same name and text. */
    struct conv_options *o = conv_options_new(f.ctx);
    conv_options_set(o, "from", "jsonl");
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_memory(f.ctx, want.p, want.n, "w", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_record_count(rec), 3);
    assert_int_equal(strlen(conv_record_name(rec, 0)), name.n);
    assert_memory_equal(conv_record_name(rec, 0), name.p, name.n);
    assert_int_equal(conv_record_value(rec, 2)->len, value.n);
    assert_memory_equal(conv_record_value(rec, 2)->text, value.p, value.n);
    conv_reader_close(rd);
    conv_options_free(o);
    fix_free(&f);
    free(name.p);
    free(value.p);
    free(want.p);
}

/* ---- failures -------------------------------------------------------------------------- */

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
    fix_add(&f, 0, "a", CONV_STRING, 0, "x");
    struct conv_options *o = conv_options_new(f.ctx);
    conv_options_set(o, "to", "json");
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
    struct conv_error err;
    size_t len;
    assert_null(write_n(&f, 1, "jsonl", &len, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    fix_free(&f);
}

/* ---- round trips ------------------------------------------------------------------------ */

/* Read doc in format from and write it in format to; returns the bytes. */
static char *convert(const char *doc, size_t n, const char *from, const char *to,
                     size_t *len)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *ro = conv_options_new(ctx), *wo = conv_options_new(ctx);
    conv_options_set(ro, "from", from);
    conv_options_set(wo, "to", to);
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, n, "rt", ro, &err);
    assert_non_null(rd);
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, wo, &err);
    assert_non_null(w);
    const struct conv_record *rec;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
        assert_int_equal(conv_writer_put(w, rec), CONV_OK);
    if (rc != CONV_EOF) {
        char msg[512];
        conv_error_format(conv_reader_error(rd), msg, sizeof msg);
        fail_msg("%s", msg);
    }
    assert_int_equal(conv_writer_finish(w), CONV_OK);
    size_t size;
    const void *mem = conv_writer_memory(w, &size);
    char *out = malloc(size + 1);
    memcpy(out, mem, size);
    out[size] = '\0';
    *len = size;
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(ro);
    conv_options_free(wo);
    conv_context_free(ctx);
    return out;
}

static char *read_data(const char *name, size_t *len)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/data/json/roundtrip/%s", name);
    const char *src = getenv("CONV_SRC");
    char *path = src ? tu_path(src, rel) : tu_src(rel);
    char *text = tu_read_file(path, len);
    if (!text)
        fail_msg("cannot read %s", path);
    free(path);
    return text;
}

static void expect_same(const char *what, const char *got, size_t glen, const char *want,
                        size_t wlen)
{
    if (glen != wlen || memcmp(got, want, wlen) != 0)
        fail_msg("%s:\n--- expected\n%s--- got\n%s", what, want, got);
}

/* Canonical files read and written again give the same bytes, in their own
 * format and through the other one. */
static void test_roundtrip_files(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {{"canonical.json", "canonical.jsonl"},
                                           {"empty.json", "empty.jsonl"}};
    for (size_t i = 0; i < 2; i++) {
        size_t jl, ll, n;
        char *json = read_data(pairs[i][0], &jl);
        char *jsonl = read_data(pairs[i][1], &ll);
        char *out = convert(json, jl, "json", "json", &n);
        expect_same(pairs[i][0], out, n, json, jl);
        free(out);
        out = convert(jsonl, ll, "jsonl", "jsonl", &n);
        expect_same(pairs[i][1], out, n, jsonl, ll);
        free(out);
        out = convert(json, jl, "json", "jsonl", &n);
        expect_same("json to jsonl", out, n, jsonl, ll);
        free(out);
        out = convert(jsonl, ll, "jsonl", "json", &n);
        expect_same("jsonl to json", out, n, json, jl);
        free(out);
        free(json);
        free(jsonl);
    }
}

/* Any JSON becomes canonical in one step: writing what the output reads as
 * gives the output again.  Nested, spaced, escaped input, > 1 MiB. */
static void test_roundtrip_canonical_form(void **state)
{
    (void)state;
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "[\n");
    for (unsigned i = 0; doc.n < ((size_t)3 << 19); i++) {
        char rec[512];
        snprintf(rec, sizeof rec,
                 "%s{ \"ma\" : %u, \"t\\u00ean\": \"Th\\u00e1i Nguy\\u00ean \\/ %u\\u0007\","
                 " \"v\": %u.%u, \"e\": %ue%u, \"o\": {\"a\": [true, null, {}], \"b\": \"\"},"
                 " \"s\": \"\\ud83d\\ude00\\t\\\"\"}",
                 i ? ",\r\n" : "", i, i * 7, i % 1000, i % 7, i % 9, i % 3);
        tu_sb_str(&doc, rec);
    }
    tu_sb_str(&doc, "\n]\n");
    size_t n1, n2, n3;
    char *once = convert(doc.p, doc.n, "json", "json", &n1);
    char *twice = convert(once, n1, "json", "json", &n2);
    expect_same("second writing", twice, n2, once, n1);
    char *lines = convert(once, n1, "json", "jsonl", &n3);
    free(twice);
    twice = convert(lines, n3, "jsonl", "json", &n2);
    expect_same("through jsonl", twice, n2, once, n1);
    free(once);
    free(twice);
    free(lines);
    free(doc.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_escape_alignment),
        cmocka_unit_test(test_name_escapes),
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_bad_literals),
        cmocka_unit_test(test_json_framing),
        cmocka_unit_test(test_jsonl_framing),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_failing_sink),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_roundtrip_files),
        cmocka_unit_test(test_roundtrip_canonical_form),
    };
    return cmocka_run_group_tests_name("json writer", tests, NULL, NULL);
}
