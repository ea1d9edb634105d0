/*
 * Core values and small pieces: the canonical-text recognisers behind every
 * type, int64 reading, type names, UTF-8 checks, positioned errors, the
 * per-record arena and the growable buffer.  Tables of rows, one checker.
 */
#include "testutil.h"

#include "conv_private.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a counting allocator (live blocks, calls, a size ceiling) ------------ */

struct count_alloc {
    long live;       /* blocks allocated and not freed */
    long calls;      /* malloc + realloc calls */
    size_t max_size; /* refuse bigger requests (keeps ASan quiet) */
};

static void *ca_malloc(void *user, size_t size)
{
    struct count_alloc *ca = user;
    ca->calls++;
    if (ca->max_size && size > ca->max_size)
        return NULL;
    void *p = malloc(size);
    if (p)
        ca->live++;
    return p;
}

static void *ca_realloc(void *user, void *ptr, size_t size)
{
    struct count_alloc *ca = user;
    ca->calls++;
    if (ca->max_size && size > ca->max_size)
        return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        ca->live++;
    return p;
}

static void ca_free(void *user, void *ptr)
{
    struct count_alloc *ca = user;
    if (ptr)
        ca->live--;
    free(ptr);
}

static struct conv_context *ca_context(struct count_alloc *ca)
{
    struct conv_allocator a = {ca_malloc, ca_realloc, ca_free, ca};
    struct conv_context *ctx = conv_context_new(&a);
    assert_non_null(ctx);
    return ctx;
}

/* ---- recognisers ------------------------------------------------------------- */

struct text_row {
    enum conv_type type;
    const char *text;
    size_t len; /* 0: strlen(text) */
    int want;
};

static const struct text_row text_rows[] = {
    /* integer: -?(0|[1-9][0-9]*), any length */
    {CONV_INTEGER, "0", 0, 1},
    {CONV_INTEGER, "-0", 0, 1},
    {CONV_INTEGER, "7", 0, 1},
    {CONV_INTEGER, "-7", 0, 1},
    {CONV_INTEGER, "13090", 0, 1},
    {CONV_INTEGER, "123456789012345678901234567890", 0, 1},
    {CONV_INTEGER, "0167", 0, 0},
    {CONV_INTEGER, "00", 0, 0},
    {CONV_INTEGER, "-01", 0, 0},
    {CONV_INTEGER, "+1", 0, 0},
    {CONV_INTEGER, "-", 0, 0},
    {CONV_INTEGER, "", 0, 0},
    {CONV_INTEGER, "1e5", 0, 0},
    {CONV_INTEGER, "1.0", 0, 0},
    {CONV_INTEGER, "1.", 0, 0},
    {CONV_INTEGER, " 1", 0, 0},
    {CONV_INTEGER, "1 ", 0, 0},
    {CONV_INTEGER, "12a", 0, 0},
    {CONV_INTEGER, "--1", 0, 0},
    {CONV_INTEGER,
     "1\0"
     "2",
     3, 0},
    {CONV_INTEGER, "12", 1, 1}, /* the length given counts, not the NUL */
    /* decimal: a JSON number (integers included) */
    {CONV_DECIMAL, "25", 0, 1},
    {CONV_DECIMAL, "16.5", 0, 1},
    {CONV_DECIMAL, "552.6", 0, 1},
    {CONV_DECIMAL, "-0.0", 0, 1},
    {CONV_DECIMAL, "1e5", 0, 1},
    {CONV_DECIMAL, "1E5", 0, 1},
    {CONV_DECIMAL, "1e+5", 0, 1},
    {CONV_DECIMAL, "1e-5", 0, 1},
    {CONV_DECIMAL, "-1.25e-10", 0, 1},
    {CONV_DECIMAL, "0.000", 0, 1},
    {CONV_DECIMAL, "1.", 0, 0},
    {CONV_DECIMAL, ".5", 0, 0},
    {CONV_DECIMAL, "-.5", 0, 0},
    {CONV_DECIMAL, "+1", 0, 0},
    {CONV_DECIMAL, "+1.5", 0, 0},
    {CONV_DECIMAL, "0167", 0, 0},
    {CONV_DECIMAL, "01.5", 0, 0},
    {CONV_DECIMAL, "1e", 0, 0},
    {CONV_DECIMAL, "1e+", 0, 0},
    {CONV_DECIMAL, "1.5.2", 0, 0},
    {CONV_DECIMAL, "1,5", 0, 0},
    {CONV_DECIMAL, "NaN", 0, 0},
    {CONV_DECIMAL, "Infinity", 0, 0},
    {CONV_DECIMAL, "0x10", 0, 0},
    {CONV_DECIMAL, "", 0, 0},
    /* boolean */
    {CONV_BOOLEAN, "true", 0, 1},
    {CONV_BOOLEAN, "false", 0, 1},
    {CONV_BOOLEAN, "TRUE", 0, 0},
    {CONV_BOOLEAN, "True", 0, 0},
    {CONV_BOOLEAN, "1", 0, 0},
    {CONV_BOOLEAN, "truee", 0, 0},
    {CONV_BOOLEAN, "tru", 0, 0},
    {CONV_BOOLEAN, "", 0, 0},
    /* date: YYYY-MM-DD, a real calendar date */
    {CONV_DATE, "2021-01-01", 0, 1},
    {CONV_DATE, "2021-12-31", 0, 1},
    {CONV_DATE, "2024-02-29", 0, 1},
    {CONV_DATE, "2000-02-29", 0, 1},
    {CONV_DATE, "2021-04-30", 0, 1},
    {CONV_DATE, "2021-02-29", 0, 0},
    {CONV_DATE, "1900-02-29", 0, 0},
    {CONV_DATE, "2021-02-30", 0, 0},
    {CONV_DATE, "2021-04-31", 0, 0},
    {CONV_DATE, "2021-13-01", 0, 0},
    {CONV_DATE, "2021-00-10", 0, 0},
    {CONV_DATE, "2021-01-00", 0, 0},
    {CONV_DATE, "2021-01-32", 0, 0},
    {CONV_DATE, "2021-1-01", 0, 0},
    {CONV_DATE, "2021/01/01", 0, 0},
    {CONV_DATE, "21-01-01", 0, 0},
    {CONV_DATE, "2021-01-011", 0, 0},
    {CONV_DATE, "2021-0a-01", 0, 0},
    {CONV_DATE, "2021-01-01T00:00:00", 0, 0},
    {CONV_DATE, "", 0, 0},
    /* datetime: YYYY-MM-DDTHH:MM:SS[.f][Z|+hh:mm] */
    {CONV_DATETIME, "2021-01-01T00:00:00", 0, 1},
    {CONV_DATETIME, "2021-12-31T23:59:59Z", 0, 1},
    {CONV_DATETIME, "2021-01-01T10:00:00.123", 0, 1},
    {CONV_DATETIME, "2021-01-01T10:00:00.123456789Z", 0, 1},
    {CONV_DATETIME, "2021-01-01T10:00:00+07:00", 0, 1},
    {CONV_DATETIME, "2021-01-01T10:00:00-05:30", 0, 1},
    {CONV_DATETIME, "2021-01-01T10:00:00.5+07:00", 0, 1},
    {CONV_DATETIME, "2024-02-29T10:00:00Z", 0, 1},
    {CONV_DATETIME, "2021-02-29T10:00:00", 0, 0},
    {CONV_DATETIME, "2021-13-01T10:00:00", 0, 0},
    {CONV_DATETIME, "2021-01-01T24:00:00", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:60:00", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00:61", 0, 0},
    {CONV_DATETIME, "2021-01-01 10:00:00", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00:00.", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00:00.Z", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00:00ZZ", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00:00+0700", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00:00+07", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00:00+24:00", 0, 0},
    {CONV_DATETIME, "2021-01-01T10:00:00+07:60", 0, 0},
    {CONV_DATETIME, "2021-01-01T1a:00:00", 0, 0},
    {CONV_DATETIME, "2021-01-01", 0, 0},
    {CONV_DATETIME, "", 0, 0},
    /* null, string, any */
    {CONV_NULL, "", 0, 1},
    {CONV_NULL, "x", 0, 0},
    {CONV_STRING, "", 0, 1},
    {CONV_STRING, "Thành phố Sông Công", 0, 1},
    {CONV_STRING, "\xC0\x80", 0, 0},
    {CONV_STRING, "ab\xFF", 0, 0},
    {CONV_STRING, "\xE1\xBB", 0, 0},
    {CONV_ANY, "anything at all", 0, 1},
    {(enum conv_type)99, "x", 0, 0},
};

static void test_text_is(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(text_rows); i++) {
        const struct text_row *r = &text_rows[i];
        size_t len = r->len ? r->len : strlen(r->text);
        int got = conv_text_is(r->type, r->text, len);
        if (got != r->want)
            fail_msg("row %zu: conv_text_is(%s, \"%s\") = %d, want %d", i, conv_type_name(r->type),
                     r->text, got, r->want);
        /* The internal recogniser agrees where there is one. */
        int inner = -1;
        switch (r->type) {
        case CONV_INTEGER:
            inner = convp_is_integer(r->text, len);
            break;
        case CONV_DATE:
            inner = convp_is_date(r->text, len);
            break;
        case CONV_DATETIME:
            inner = convp_is_datetime(r->text, len);
            break;
        default:
            break;
        }
        if (inner != -1 && inner != r->want)
            fail_msg("row %zu: convp_is_%s(\"%s\") = %d, want %d", i, conv_type_name(r->type),
                     r->text, inner, r->want);
    }
}

/* convp_is_decimal wants a fraction or an exponent: a plain integer is not. */
struct dec_row {
    const char *text;
    int want;
};

static const struct dec_row dec_rows[] = {
    {"16.5", 1}, {"-16.5", 1}, {"0.5", 1},  {"1e5", 1},  {"1E-5", 1},  {"2.5e+3", 1},
    {"25", 0},   {"-0", 0},    {"0", 0},    {"1.", 0},   {".5", 0},    {"+1.5", 0},
    {"01.5", 0}, {"1e", 0},    {"1e-", 0},  {"1.5e", 0}, {"1.5x", 0},  {"", 0},
    {"-", 0},    {"0.", 0},    {"00.5", 0}, {"1..5", 0}, {"1e5.5", 0}, {"e5", 0},
};

static void test_is_decimal(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(dec_rows); i++) {
        int got = convp_is_decimal(dec_rows[i].text, strlen(dec_rows[i].text));
        if (got != dec_rows[i].want)
            fail_msg("row %zu: convp_is_decimal(\"%s\") = %d, want %d", i, dec_rows[i].text, got,
                     dec_rows[i].want);
    }
}

/* ---- int64 -------------------------------------------------------------------- */

struct int64_row {
    enum conv_type type;
    const char *text;
    int rc;
    int64_t want;
};

static const struct int64_row int64_rows[] = {
    {CONV_INTEGER, "0", CONV_OK, 0},
    {CONV_INTEGER, "-0", CONV_OK, 0},
    {CONV_INTEGER, "42", CONV_OK, 42},
    {CONV_INTEGER, "-42", CONV_OK, -42},
    {CONV_INTEGER, "13090", CONV_OK, 13090},
    {CONV_INTEGER, "9223372036854775807", CONV_OK, INT64_MAX},
    {CONV_INTEGER, "-9223372036854775808", CONV_OK, INT64_MIN},
    {CONV_INTEGER, "9223372036854775806", CONV_OK, INT64_MAX - 1},
    {CONV_INTEGER, "-9223372036854775807", CONV_OK, INT64_MIN + 1},
    {CONV_INTEGER, "9223372036854775808", CONV_ERR, 0},
    {CONV_INTEGER, "-9223372036854775809", CONV_ERR, 0},
    {CONV_INTEGER, "9223372036854775810", CONV_ERR, 0},
    {CONV_INTEGER, "18446744073709551615", CONV_ERR, 0},
    {CONV_INTEGER, "18446744073709551616", CONV_ERR, 0},
    {CONV_INTEGER, "92233720368547758070", CONV_ERR, 0},
    {CONV_INTEGER, "99999999999999999999999999", CONV_ERR, 0},
    {CONV_INTEGER, "0167", CONV_ERR, 0},
    {CONV_INTEGER, "1.5", CONV_ERR, 0},
    {CONV_INTEGER, "", CONV_ERR, 0},
    {CONV_DECIMAL, "42", CONV_ERR, 0},
    {CONV_STRING, "42", CONV_ERR, 0},
    {CONV_NULL, "", CONV_ERR, 0},
};

static void test_value_int64(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(int64_rows); i++) {
        const struct int64_row *r = &int64_rows[i];
        struct conv_value v = {r->type, 0, strlen(r->text), r->text};
        int64_t got = 12345;
        int rc = conv_value_int64(&v, &got);
        if (rc != r->rc)
            fail_msg("row %zu: conv_value_int64(\"%s\") returned %d, want %d", i, r->text, rc,
                     r->rc);
        if (rc == CONV_OK && got != r->want)
            fail_msg("row %zu: conv_value_int64(\"%s\") = %lld, want %lld", i, r->text,
                     (long long)got, (long long)r->want);
    }
    int64_t out;
    assert_int_equal(conv_value_int64(NULL, &out), CONV_ERR);
}

/* ---- type names ------------------------------------------------------------------ */

struct type_row {
    enum conv_type type;
    const char *name;
};

static const struct type_row type_rows[] = {
    {CONV_NULL, "null"},         {CONV_STRING, "string"},   {CONV_INTEGER, "integer"},
    {CONV_DECIMAL, "decimal"},   {CONV_BOOLEAN, "boolean"}, {CONV_DATE, "date"},
    {CONV_DATETIME, "datetime"}, {CONV_ANY, "any"},
};

static void test_type_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(type_rows); i++) {
        assert_string_equal(conv_type_name(type_rows[i].type), type_rows[i].name);
        enum conv_type t = (enum conv_type) - 5;
        assert_int_equal(conv_type_parse(type_rows[i].name, &t), 0);
        assert_int_equal(t, type_rows[i].type);
    }
    enum conv_type t = CONV_STRING;
    assert_int_equal(conv_type_parse("number", &t), 0);
    assert_int_equal(t, CONV_DECIMAL);

    static const char *const unknown[] = {"", "int", "float", "str", "date time", "bool"};
    for (size_t i = 0; i < N_ELEMS(unknown); i++) {
        t = CONV_DATE;
        if (conv_type_parse(unknown[i], &t) != -1)
            fail_msg("conv_type_parse(\"%s\") accepted", unknown[i]);
        assert_int_equal(t, CONV_DATE); /* untouched */
    }
    assert_string_equal(conv_type_name((enum conv_type)99), "unknown");
    assert_string_equal(conv_type_name((enum conv_type) - 1), "unknown");
}

/* ---- UTF-8 ----------------------------------------------------------------------- */

struct utf8_row {
    const char *what;
    const char *bytes;
    size_t len; /* 0: strlen */
    size_t prefix;
    size_t chars; /* convp_utf8_count over the valid prefix */
};

static const struct utf8_row utf8_rows[] = {
    {"empty", "", 0, 0, 0},
    {"ascii", "hello, world", 0, 12, 12},
    {"ascii over the 8-byte path", "0123456789abcdefghijklmnopqrstuvwxyz", 0, 36, 36},
    {"vietnamese", "Thành phố Sông Công", 0, 24, 19},
    {"vietnamese 3-byte", "Tổng giá trị sản xuất", 0, 30, 21},
    {"dong sign", "tỷ đồng", 0, 12, 7},
    {"emoji", "\xF0\x9F\x98\x80", 0, 4, 1},
    {"NUL is valid UTF-8", "a\0b", 3, 3, 3},
    {"smallest 3-byte", "\xE0\xA0\x80", 0, 3, 1},
    {"smallest 4-byte", "\xF0\x90\x80\x80", 0, 4, 1},
    {"U+10FFFF", "\xF4\x8F\xBF\xBF", 0, 4, 1},
    {"U+D7FF", "\xED\x9F\xBF", 0, 3, 1},
    {"U+E000", "\xEE\x80\x80", 0, 3, 1},
    {"overlong 2-byte C0", "\xC0\xAF", 0, 0, 0},
    {"overlong 2-byte C1", "\xC1\xBF", 0, 0, 0},
    {"overlong NUL after text", "ab\xC0\x80", 0, 2, 2},
    {"overlong 3-byte", "\xE0\x80\xAF", 0, 0, 0},
    {"overlong 3-byte U+07FF", "\xE0\x9F\xBF", 0, 0, 0},
    {"overlong 4-byte", "\xF0\x8F\xBF\xBF", 0, 0, 0},
    {"high surrogate", "\xED\xA0\x80", 0, 0, 0},
    {"low surrogate", "\xED\xBF\xBF", 0, 0, 0},
    {"surrogate after text", "Sông\xED\xB0\x80", 0, 5, 4},
    {"above U+10FFFF", "\xF4\x90\x80\x80", 0, 0, 0},
    {"F5 lead", "\xF5\x80\x80\x80", 0, 0, 0},
    {"5-byte form", "\xF8\x88\x80\x80\x80", 0, 0, 0},
    {"FE", "\xFE", 0, 0, 0},
    {"FF", "ab\xFF", 0, 2, 2},
    {"lone continuation", "\x80", 0, 0, 0},
    {"continuation after text", "abc\xBF", 0, 3, 3},
    {"truncated 2-byte", "\xC3", 0, 0, 0},
    {"truncated 3-byte", "a\xE1\xBB", 0, 1, 1},
    {"truncated 4-byte", "abc\xF0\x9F\x98", 0, 3, 3},
    {"bad 2nd byte", "\xC3\x28", 0, 0, 0},
    {"bad 3rd byte", "\xE1\xBB\x28", 0, 0, 0},
    {"bad 4th byte", "\xF0\x9F\x98\x28", 0, 0, 0},
    {"invalid right after 8 ascii", "01234567\x80", 0, 8, 8},
    {"invalid after 9 ascii", "abcdefghi\xFF", 0, 9, 9},
    {"2-byte after 16 ascii", "0123456789abcdef\xC3\xA9", 0, 18, 17},
};

static void test_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(utf8_rows); i++) {
        const struct utf8_row *r = &utf8_rows[i];
        size_t len = r->len ? r->len : strlen(r->bytes);
        const unsigned char *p = (const unsigned char *)r->bytes;
        size_t got = convp_utf8_valid_prefix(p, len);
        if (got != r->prefix)
            fail_msg("row %zu (%s): valid prefix %zu, want %zu", i, r->what, got, r->prefix);
        size_t chars = convp_utf8_count(p, got);
        if (chars != r->chars)
            fail_msg("row %zu (%s): %zu characters, want %zu", i, r->what, chars, r->chars);
    }
}

/* Every code point round-trips through an encoder; the boundaries hold. */
static size_t encode_utf8(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static void test_utf8_every_code_point(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF + 2; cp += (cp < 0x30000 ? 1 : 97)) {
        unsigned char b[4];
        size_t n = encode_utf8(cp, b);
        int valid = cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        size_t got = convp_utf8_valid_prefix(b, n);
        if (got != (valid ? n : 0))
            fail_msg("U+%04X: prefix %zu of %zu", (unsigned)cp, got, n);
    }
}

/* ---- errors ------------------------------------------------------------------------ */

struct errfmt_row {
    const char *source;
    uint64_t line, column;
    enum conv_errcode code;
    const char *message;
    const char *want;
};

static const struct errfmt_row errfmt_rows[] = {
    {"in.csv", 7, 12, CONV_E_SYNTAX, "unterminated quoted field",
     "in.csv:7:12: unterminated quoted field"},
    {"in.csv", 7, 0, CONV_E_SYNTAX, "bad row", "in.csv:7: bad row"},
    {"in.csv", 0, 0, CONV_E_IO, "cannot open: No such file", "in.csv: cannot open: No such file"},
    {"in.csv", 0, 5, CONV_E_IO, "odd", "in.csv: odd"},
    {"Báo cáo.csv", 2, 3, CONV_E_TYPE, "field 'giá trị': 'abc' is not a valid decimal",
     "Báo cáo.csv:2:3: field 'giá trị': 'abc' is not a valid decimal"},
    {"-", 1, 1, CONV_E_ENCODING, "invalid UTF-8", "-:1:1: invalid UTF-8"},
    {"", 0, 0, CONV_E_USAGE, "option x: bad", "option x: bad"},
    {"", 3, 4, CONV_E_USAGE, "no source", "no source"},
    {"out.csv", 0, 0, CONV_E_IO, "", "out.csv: input/output error"},
    {"", 0, 0, CONV_E_NOMEM, "", "out of memory"},
    {"big.json", 18446744073709551615ull, 4294967296ull, CONV_E_LIMIT, "too deep",
     "big.json:18446744073709551615:4294967296: too deep"},
};

static void test_error_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(errfmt_rows); i++) {
        const struct errfmt_row *r = &errfmt_rows[i];
        struct conv_error e;
        conv_error_clear(&e);
        e.code = r->code;
        e.line = r->line;
        e.column = r->column;
        snprintf(e.source, sizeof e.source, "%s", r->source);
        snprintf(e.message, sizeof e.message, "%s", r->message);
        char buf[600];
        memset(buf, 'X', sizeof buf);
        size_t n = conv_error_format(&e, buf, sizeof buf);
        if (strcmp(buf, r->want) != 0)
            fail_msg("row %zu: got \"%s\", want \"%s\"", i, buf, r->want);
        assert_int_equal(n, strlen(r->want));
        /* Like snprintf: the needed size without a buffer, and a cut,
         * NUL-terminated text with a small one. */
        assert_int_equal(conv_error_format(&e, NULL, 0), strlen(r->want));
        char small[6];
        assert_int_equal(conv_error_format(&e, small, sizeof small), strlen(r->want));
        assert_int_equal(strlen(small), strlen(r->want) < 5 ? strlen(r->want) : 5);
        assert_memory_equal(small, r->want, strlen(small));
    }
}

static void test_error_first_wins(void **state)
{
    (void)state;
    struct conv_error e;
    conv_error_clear(&e);
    assert_int_equal(e.code, CONV_E_NONE);
    convp_error_set(&e, CONV_E_SYNTAX, "a.csv", 3, 4, "first %d", 1);
    convp_error_set(&e, CONV_E_IO, "b.csv", 9, 9, "second");
    assert_int_equal(e.code, CONV_E_SYNTAX);
    assert_string_equal(e.source, "a.csv");
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 4);
    assert_string_equal(e.message, "first 1");

    /* where() fills only what is missing. */
    convp_error_where(&e, 5, "value", 77);
    convp_error_where(&e, 6, "other", 88);
    assert_int_equal(e.record, 5);
    assert_string_equal(e.field, "value");
    assert_int_equal(e.offset, 77);

    /* Clearing starts over. */
    conv_error_clear(&e);
    assert_int_equal(e.code, CONV_E_NONE);
    assert_int_equal(e.record, 0);
    assert_string_equal(e.field, "");
    convp_error_set(&e, CONV_E_IO, NULL, 0, 0, "no source");
    assert_int_equal(e.code, CONV_E_IO);
    assert_string_equal(e.source, "");
    assert_string_equal(e.message, "no source");

    /* A NULL error is accepted everywhere. */
    convp_error_set(NULL, CONV_E_IO, "x", 1, 1, "ignored");
    convp_error_where(NULL, 1, "f", 1);
    conv_error_clear(NULL);

    /* A long message is cut, never overflows. */
    char longmsg[1000];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    conv_error_clear(&e);
    convp_error_set(&e, CONV_E_SYNTAX, "s", 1, 1, "%s", longmsg);
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    convp_error_where(&e, 1, longmsg, 0);
    assert_int_equal(strlen(e.field), sizeof e.field - 1);
}

/* Long source names keep their tail, where the file name is. */
struct source_row {
    size_t len; /* total length of the source name */
    int cut;    /* expected to be cut */
};

static const struct source_row source_rows[] = {
    {20, 0}, {254, 0}, {255, 0}, {256, 1}, {257, 1}, {400, 1}, {4000, 1},
};

static void test_error_long_source(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(source_rows); i++) {
        size_t len = source_rows[i].len;
        char *src = malloc(len + 1);
        for (size_t k = 0; k < len; k++)
            src[k] = (char)('a' + k % 26);
        memcpy(src + len - 15, "/indicators.csv", 15);
        src[len] = '\0';
        struct conv_error e;
        conv_error_clear(&e);
        convp_error_set(&e, CONV_E_SYNTAX, src, 2, 1, "x");
        if (!source_rows[i].cut) {
            assert_string_equal(e.source, src);
        } else {
            size_t keep = sizeof e.source - 4; /* "..." + tail + NUL */
            assert_int_equal(strlen(e.source), sizeof e.source - 1);
            assert_memory_equal(e.source, "...", 3);
            assert_string_equal(e.source + 3, src + len - keep);
        }
        char line[400];
        conv_error_format(&e, line, sizeof line);
        assert_non_null(strstr(line, "/indicators.csv:2:1: x"));
        free(src);
    }
}

/* A long name of Vietnamese folders: the cut keeps the end; the text
 * stays within the field and NUL-terminated. */
static void test_error_long_source_utf8(void **state)
{
    (void)state;
    char src[600] = "";
    while (strlen(src) < 500)
        strcat(src, "/Báo cáo thống kê");
    strcat(src, "/chỉ tiêu.csv");
    struct conv_error e;
    conv_error_clear(&e);
    convp_error_set(&e, CONV_E_SYNTAX, src, 2, 1, "x");
    size_t n = strlen(e.source);
    assert_true(n < sizeof e.source);
    assert_memory_equal(e.source, "...", 3);
    /* A suffix of the original name. */
    assert_string_equal(e.source + 3, src + strlen(src) - (n - 3));
    assert_string_equal(e.source + n - strlen("/chỉ tiêu.csv"), "/chỉ tiêu.csv");
}

struct strerror_row {
    enum conv_errcode code;
    const char *text;
};

static const struct strerror_row strerror_rows[] = {
    {CONV_E_NONE, "no error"},
    {CONV_E_USAGE, "invalid usage"},
    {CONV_E_FORMAT, "unknown format"},
    {CONV_E_SYNTAX, "syntax error"},
    {CONV_E_ENCODING, "encoding error"},
    {CONV_E_TYPE, "type error"},
    {CONV_E_STRUCTURE, "structure error"},
    {CONV_E_SCHEMA, "schema error"},
    {CONV_E_LIMIT, "limit exceeded"},
    {CONV_E_IO, "input/output error"},
    {CONV_E_NOMEM, "out of memory"},
    {CONV_E_CANCELED, "canceled"},
    {CONV_E_UNSUPPORTED, "not supported"},
};

static void test_strerror(void **state)
{
    (void)state;
    /* The numbers are stable: reports and bindings use them. */
    assert_int_equal(CONV_E_NONE, 0);
    assert_int_equal(CONV_E_USAGE, 1);
    assert_int_equal(CONV_E_IO, 9);
    assert_int_equal(CONV_E_NOMEM, 10);
    assert_int_equal(CONV_E_UNSUPPORTED, 12);
    for (size_t i = 0; i < N_ELEMS(strerror_rows); i++) {
        assert_int_equal(strerror_rows[i].code, (enum conv_errcode)i);
        assert_string_equal(conv_strerror(strerror_rows[i].code), strerror_rows[i].text);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(conv_strerror(strerror_rows[i].code),
                                    conv_strerror(strerror_rows[k].code));
    }
    assert_string_equal(conv_strerror((enum conv_errcode)13), "unknown error");
    assert_string_equal(conv_strerror((enum conv_errcode) - 1), "unknown error");
}

/* ---- context --------------------------------------------------------------------------- */

static void test_context_allocator(void **state)
{
    (void)state;
    struct count_alloc ca = {0, 0, 0};
    struct conv_context *ctx = ca_context(&ca);
    assert_int_equal(ca.live, 1); /* the context itself */
    void *p = convp_malloc(ctx, 0);
    assert_non_null(p);
    convp_free(ctx, p);
    convp_free(ctx, NULL);
    char *s = convp_strdup(ctx, "Sông Công");
    assert_string_equal(s, "Sông Công");
    convp_free(ctx, s);
    assert_null(convp_strdup(ctx, NULL));
    s = convp_strndup(ctx, "abcdef", 3);
    assert_string_equal(s, "abc");
    convp_free(ctx, s);
    unsigned char *z = convp_calloc(ctx, 100, 3);
    for (size_t i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    convp_free(ctx, z);
    /* n * size overflow: refused before asking the allocator. */
    long calls = ca.calls;
    assert_null(convp_calloc(ctx, SIZE_MAX / 2, 4));
    assert_int_equal(ca.calls, calls);
    assert_int_equal(ca.live, 1);
    conv_context_free(ctx);
    assert_int_equal(ca.live, 0);
    conv_context_free(NULL);
    /* The default allocator. */
    ctx = conv_context_new(NULL);
    assert_non_null(ctx);
    conv_context_free(ctx);
    assert_string_equal(conv_version(), CONV_VERSION_STRING);
}

/* ---- arena ----------------------------------------------------------------------------- */

struct arena_row {
    size_t count; /* allocations */
    size_t size;  /* bytes each; 0: varying 0..300 */
};

static const struct arena_row arena_rows[] = {
    {1, 1}, {100000, 0}, {20000, 8}, {1000, 4000}, {3, 100000}, {2, 5u << 20},
};

static void test_arena(void **state)
{
    (void)state;
    for (size_t r = 0; r < N_ELEMS(arena_rows); r++) {
        struct count_alloc ca = {0, 0, 0};
        struct conv_context *ctx = ca_context(&ca);
        struct convp_arena a;
        convp_arena_init(&a, ctx);
        size_t n = arena_rows[r].count;
        unsigned char **ptrs = malloc(n * sizeof *ptrs);
        size_t *sizes = malloc(n * sizeof *sizes);
        for (int round = 0; round < 3; round++) {
            for (size_t i = 0; i < n; i++) {
                size_t sz = arena_rows[r].size ? arena_rows[r].size : (i * 7919) % 301;
                ptrs[i] = convp_arena_alloc(&a, sz);
                sizes[i] = sz;
                if (!ptrs[i])
                    fail_msg("row %zu: allocation %zu of %zu bytes failed", r, i, sz);
                if ((uintptr_t)ptrs[i] % 8 != 0)
                    fail_msg("row %zu: allocation %zu not 8-aligned", r, i);
                memset(ptrs[i], (int)((i + (size_t)round) & 0xFF), sz);
            }
            /* Nothing overlaps: every block still holds its own byte. */
            for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < sizes[i]; k += (sizes[i] > 64 ? 61 : 1))
                    if (ptrs[i][k] != (unsigned char)((i + (size_t)round) & 0xFF))
                        fail_msg("row %zu round %d: block %zu overwritten", r, round, i);
            /* Reset keeps one chunk and the arena keeps working. */
            convp_arena_reset(&a);
            assert_int_equal(ca.live, 2); /* context + the kept chunk */
        }
        /* After a reset, what fits the kept chunk costs no allocation. */
        long calls = ca.calls;
        char *s = convp_arena_strndup(&a, "Thành phố", strlen("Thành phố"));
        assert_string_equal(s, "Thành phố");
        char *e = convp_arena_strndup(&a, "ignored", 0);
        assert_string_equal(e, "");
        assert_int_equal(ca.calls, calls);
        convp_arena_free(&a);
        assert_int_equal(ca.live, 1);
        /* Free twice, reset after free: harmless. */
        convp_arena_free(&a);
        convp_arena_reset(&a);
        assert_non_null(convp_arena_alloc(&a, 10));
        convp_arena_free(&a);
        free(ptrs);
        free(sizes);
        conv_context_free(ctx);
        assert_int_equal(ca.live, 0);
    }
}

/* A failing allocator gives NULL, not a crash; the arena stays usable. */
static void test_arena_nomem(void **state)
{
    (void)state;
    struct count_alloc ca = {0, 0, 1u << 20};
    struct conv_context *ctx = ca_context(&ca);
    struct convp_arena a;
    convp_arena_init(&a, ctx);
    assert_non_null(convp_arena_alloc(&a, 100));
    assert_null(convp_arena_alloc(&a, 2u << 20));
    char *s = convp_arena_strndup(&a, "still fine", 10);
    assert_string_equal(s, "still fine");
    convp_arena_free(&a);
    conv_context_free(ctx);
    assert_int_equal(ca.live, 0);
}

/*
 * Requests too large to satisfy must give NULL: run in a child with an
 * alarm, so a size computation that wraps (and loops or returns a tiny
 * block) shows as a failure instead of hanging the suite.
 */
enum huge_what { HUGE_ARENA, HUGE_BUF_GROW };

struct huge_row {
    enum huge_what what;
    size_t size;
};

static const struct huge_row huge_rows[] = {
    {HUGE_ARENA, (size_t)1 << 31},    {HUGE_ARENA, SIZE_MAX / 2 + 2},
    {HUGE_ARENA, SIZE_MAX - 3},       {HUGE_ARENA, SIZE_MAX},
    {HUGE_BUF_GROW, (size_t)1 << 31}, {HUGE_BUF_GROW, SIZE_MAX / 2 + 2},
    {HUGE_BUF_GROW, SIZE_MAX - 10},   {HUGE_BUF_GROW, SIZE_MAX},
};

/* 0: NULL / -1 as it should; 1: claimed success; 2: crashed or hung. */
static int huge_request(const struct huge_row *r)
{
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork failed");
    if (pid == 0) {
        alarm(2);
        struct count_alloc ca = {0, 0, 1u << 30};
        struct conv_allocator al = {ca_malloc, ca_realloc, ca_free, &ca};
        struct conv_context *ctx = conv_context_new(&al);
        int claimed = 0;
        if (r->what == HUGE_ARENA) {
            struct convp_arena a;
            convp_arena_init(&a, ctx);
            convp_arena_alloc(&a, 16);
            claimed = convp_arena_alloc(&a, r->size) != NULL;
            convp_arena_free(&a);
        } else {
            struct convp_buf b;
            convp_buf_init(&b, ctx);
            convp_buf_append(&b, "abc", 3);
            claimed = convp_buf_grow(&b, r->size) == 0;
            convp_buf_free(&b);
        }
        conv_context_free(ctx);
        _exit(claimed);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st))
        return WEXITSTATUS(st) == 0 ? 0 : 1;
    return 2;
}

static void test_huge_requests(void **state)
{
    (void)state;
    static const char *const outcome[] = {"NULL", "success claimed", "crash or hang"};
    int bad = 0;
    for (size_t i = 0; i < N_ELEMS(huge_rows); i++) {
        int got = huge_request(&huge_rows[i]);
        if (got != 0) {
            print_message("row %zu: %s of %zu bytes: %s\n", i,
                          huge_rows[i].what == HUGE_ARENA ? "convp_arena_alloc" : "convp_buf_grow",
                          huge_rows[i].size, outcome[got]);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- buffer ---------------------------------------------------------------------------- */

static void test_buf(void **state)
{
    (void)state;
    struct count_alloc ca = {0, 0, 0};
    struct conv_context *ctx = ca_context(&ca);
    struct convp_buf b;
    convp_buf_init(&b, ctx);
    assert_int_equal(b.len, 0);
    assert_string_equal(convp_buf_cstr(&b), "");
    assert_int_equal(convp_buf_append(&b, "Sông", strlen("Sông")), 0);
    assert_int_equal(convp_buf_putc(&b, ','), 0);
    assert_int_equal(convp_buf_append(&b, "", 0), 0);
    assert_string_equal(convp_buf_cstr(&b), "Sông,");
    assert_int_equal(b.len, strlen("Sông,"));
    /* Grow well past the first capacity, byte by byte and in blocks. */
    for (int i = 0; i < 100000; i++)
        assert_int_equal(convp_buf_putc(&b, (char)('a' + i % 26)), 0);
    char block[70000];
    memset(block, 'z', sizeof block);
    assert_int_equal(convp_buf_append(&b, block, sizeof block), 0);
    size_t want = strlen("Sông,") + 100000 + sizeof block;
    assert_int_equal(b.len, want);
    assert_true(b.cap > b.len);
    const char *s = convp_buf_cstr(&b);
    assert_int_equal(strlen(s), want);
    assert_memory_equal(s, "Sông,abc", 8);
    assert_int_equal(s[strlen("Sông,") + 26], 'a');
    assert_int_equal(s[want - 1], 'z');
    /* grow(0) and a grow that fits change nothing. */
    size_t cap = b.cap;
    assert_int_equal(convp_buf_grow(&b, 0), 0);
    assert_int_equal(convp_buf_grow(&b, b.cap - b.len), 0);
    assert_int_equal(b.cap, cap);
    convp_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    convp_buf_free(&b);
    assert_int_equal(ca.live, 1);

    /* Out of memory: -1 and the contents stay. */
    ca.max_size = 4096;
    convp_buf_init(&b, ctx);
    assert_int_equal(convp_buf_append(&b, "keep", 4), 0);
    assert_int_equal(convp_buf_append(&b, block, 10000), -1);
    assert_int_equal(b.len, 4);
    assert_string_equal(convp_buf_cstr(&b), "keep");
    convp_buf_free(&b);
    conv_context_free(ctx);
    assert_int_equal(ca.live, 0);
}

/* ---- options ----------------------------------------------------------------------------- */

static void test_options(void **state)
{
    (void)state;
    struct count_alloc ca = {0, 0, 0};
    struct conv_context *ctx = ca_context(&ca);
    struct conv_options *o = conv_options_new(ctx);
    assert_non_null(o);
    assert_null(conv_options_get(o, "from"));
    assert_null(conv_options_get(NULL, "from"));
    assert_int_equal(conv_options_set(o, "from", "csv"), CONV_OK);
    assert_int_equal(conv_options_set(o, "bom", NULL), CONV_OK); /* a flag */
    char value[16] = "json";
    assert_int_equal(conv_options_set(o, "to", value), CONV_OK);
    strcpy(value, "changed"); /* copied */
    assert_string_equal(conv_options_get(o, "from"), "csv");
    assert_string_equal(conv_options_get(o, "to"), "json");
    assert_string_equal(conv_options_get(o, "bom"), "1");
    /* Setting again replaces. */
    assert_int_equal(conv_options_set(o, "from", "jsonl"), CONV_OK);
    assert_string_equal(conv_options_get(o, "from"), "jsonl");
    /* An unknown name is refused, naming the closest known one. */
    assert_int_equal(conv_options_set(o, "no_heder", "1"), CONV_ERR);
    assert_int_equal(conv_options_error(o)->code, CONV_E_USAGE);
    assert_string_equal(conv_options_error(o)->message,
                        "unknown option 'no_heder' (did you mean 'no-header'?)");
    assert_null(conv_options_get(o, "no_heder"));
    assert_int_equal(conv_options_set(o, "growth-tolerence", "1"), CONV_ERR);
    assert_string_equal(conv_options_error(o)->message,
                        "unknown option 'growth-tolerence' (did you mean 'growth-tolerance'?)");
    assert_int_equal(conv_options_set(o, "zzzzzzzz", "1"), CONV_ERR);
    assert_string_equal(conv_options_error(o)->message, "unknown option 'zzzzzzzz'");
    /* The same suggestion among a program's own names. */
    const char *own[] = {"filename", NULL, "profile", "strict"};
    assert_string_equal(conv_closest_name("profil", own, 4), "profile");
    assert_string_equal(conv_closest_name("file_name", own, 4), "filename");
    assert_null(conv_closest_name("zzzzzzzz", own, 4));
    assert_null(conv_closest_name("profile", own, 0));
    assert_null(conv_closest_name(NULL, own, 4));
    /* The checker's options are known; a success clears the error. */
    assert_int_equal(conv_options_set(o, "sort-memory", "8"), CONV_OK);
    assert_int_equal(conv_options_error(o)->code, CONV_E_NONE);
    assert_non_null(conv_option_find("sheet-by"));
    assert_non_null(conv_option_find("outlier-factor"));
    assert_int_equal(conv_option_find("outlier-factor")->dir, CONV_OPT_CHECK);
    assert_null(conv_option_find("opt1"));
    assert_string_equal(conv_checker_option(0)->name, "growth-tolerance");
    assert_null(conv_checker_option(5));
    /* Many options: the list grows (any keys, as a reader's info keeps). */
    char name[32];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "opt%d", i);
        snprintf(value, sizeof value, "%d", i * 3);
        assert_int_equal(convp_options_put(o, name, value), CONV_OK);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "opt%d", i);
        snprintf(value, sizeof value, "%d", i * 3);
        assert_string_equal(conv_options_get(o, name), value);
    }
    assert_string_equal(convp_opt_str(o, "from", "x"), "jsonl");
    assert_string_equal(convp_opt_str(o, "absent", "dflt"), "dflt");
    conv_options_set_progress(o, NULL, NULL);
    conv_options_free(o);
    conv_options_free(NULL);
    conv_context_free(ctx);
    assert_int_equal(ca.live, 0);
}

struct flag_row {
    const char *value; /* NULL: unset */
    int dflt;
    int rc;
    int want;
};

static const struct flag_row flag_rows[] = {
    {NULL, 0, CONV_OK, 0},  {NULL, 1, CONV_OK, 1},   {"1", 0, CONV_OK, 1},
    {"yes", 0, CONV_OK, 1}, {"true", 0, CONV_OK, 1}, {"", 0, CONV_OK, 1},
    {"0", 1, CONV_OK, 0},   {"no", 1, CONV_OK, 0},   {"false", 1, CONV_OK, 0},
    {"2", 0, CONV_ERR, 0},  {"Yes", 0, CONV_ERR, 0}, {"on", 0, CONV_ERR, 0},
};

struct long_row {
    const char *value;
    long min, max;
    int rc;
    long want;
};

static const struct long_row long_rows[] = {
    {NULL, 0, 10, CONV_OK, 5},  {"0", 0, 10, CONV_OK, 0},
    {"10", 0, 10, CONV_OK, 10}, {"-3", -5, 10, CONV_OK, -3},
    {"11", 0, 10, CONV_ERR, 0}, {"-1", 0, 10, CONV_ERR, 0},
    {"", 0, 10, CONV_ERR, 0},   {"1x", 0, 10, CONV_ERR, 0},
    {"x", 0, 10, CONV_ERR, 0},  {"99999999999999999999999", 0, 10, CONV_ERR, 0},
};

struct enum_row {
    const char *value;
    int rc;
    int want;
};

static const struct enum_row enum_rows[] = {
    {NULL, CONV_OK, 1},     {"error", CONV_OK, 0}, {"pad", CONV_OK, 1},
    {"rename", CONV_OK, 2}, {"PAD", CONV_ERR, 0},  {"", CONV_ERR, 0},
};

static void test_option_getters(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    for (size_t i = 0; i < N_ELEMS(flag_rows); i++) {
        struct conv_options *o = conv_options_new(ctx);
        if (flag_rows[i].value)
            conv_options_set(o, "bom", flag_rows[i].value);
        struct conv_error err;
        conv_error_clear(&err);
        int out = -7;
        int rc = convp_opt_flag(o, "bom", flag_rows[i].dflt, &err, &out);
        if (rc != flag_rows[i].rc || (rc == CONV_OK && out != flag_rows[i].want))
            fail_msg("flag row %zu ('%s'): rc %d, value %d", i,
                     flag_rows[i].value ? flag_rows[i].value : "unset", rc, out);
        if (rc == CONV_ERR) {
            assert_int_equal(err.code, CONV_E_USAGE);
            assert_non_null(strstr(err.message, "bom"));
        }
        conv_options_free(o);
    }
    for (size_t i = 0; i < N_ELEMS(long_rows); i++) {
        struct conv_options *o = conv_options_new(ctx);
        if (long_rows[i].value)
            conv_options_set(o, "infer-rows", long_rows[i].value);
        struct conv_error err;
        conv_error_clear(&err);
        long out = -7;
        int rc = convp_opt_long(o, "infer-rows", 5, long_rows[i].min, long_rows[i].max, &err, &out);
        if (rc != long_rows[i].rc || (rc == CONV_OK && out != long_rows[i].want))
            fail_msg("long row %zu ('%s'): rc %d, value %ld", i,
                     long_rows[i].value ? long_rows[i].value : "unset", rc, out);
        if (rc == CONV_ERR) {
            assert_int_equal(err.code, CONV_E_USAGE);
            assert_non_null(strstr(err.message, "infer-rows"));
        }
        conv_options_free(o);
    }
    static const char *const words[] = {"error", "pad", "rename", NULL};
    for (size_t i = 0; i < N_ELEMS(enum_rows); i++) {
        struct conv_options *o = conv_options_new(ctx);
        if (enum_rows[i].value)
            conv_options_set(o, "ragged", enum_rows[i].value);
        struct conv_error err;
        conv_error_clear(&err);
        int out = -7;
        int rc = convp_opt_enum(o, "ragged", words, 1, &err, &out);
        if (rc != enum_rows[i].rc || (rc == CONV_OK && out != enum_rows[i].want))
            fail_msg("enum row %zu ('%s'): rc %d, value %d", i,
                     enum_rows[i].value ? enum_rows[i].value : "unset", rc, out);
        if (rc == CONV_ERR) {
            assert_int_equal(err.code, CONV_E_USAGE);
            assert_non_null(strstr(err.message, "error|pad|rename"));
        }
        conv_options_free(o);
    }
    /* NULL options: every getter gives its default. */
    int f;
    long l;
    int e;
    assert_int_equal(convp_opt_flag(NULL, "bom", 1, NULL, &f), CONV_OK);
    assert_int_equal(f, 1);
    assert_int_equal(convp_opt_long(NULL, "n", 42, 0, 100, NULL, &l), CONV_OK);
    assert_int_equal(l, 42);
    assert_int_equal(convp_opt_enum(NULL, "ragged", words, 2, NULL, &e), CONV_OK);
    assert_int_equal(e, 2);
    conv_context_free(ctx);
}

/* ---- header guessing ------------------------------------------------------------- */

struct hg_row {
    const char *head;  /* cells joined by '|' */
    const char *rows;  /* rows joined by ';', cells by '|' */
    int number;        /* every data cell a typed number cell */
    int want;
};

static const struct hg_row hg_rows[] = {
    {"01|Thành phố Hà Nội", "04|Cao Bằng;08|Tuyên Quang", 0, 1}, /* a code over codes */
    {"code|name", "04|Cao Bằng;08|Tuyên Quang", 0, 0},             /* a name over codes */
    {"Province|1995|Prel. 2016", "Ha Noi|1.5|..;Hue|2|3", 0, 0},   /* years over numbers */
    {"2020|2021", "2019|2018", 0, 1},                              /* years over years */
    {"1|2", "3|4", 1, 1},                                          /* numbers over numbers */
    {"-5,5%|x", "16,5%|y", 0, 1},                                  /* percentages */
    {"Country Name|Country Code", "Viet Nam|VNM;Aruba|ABW", 0, 0}, /* a length apart */
    {"Viet Nam|VNM", "Aruba|ABW;Chad|TCD", 0, 0},                  /* nothing to say */
    {"2021-01-01|a", "2021-02-01|b", 0, 1},                        /* a date over dates */
    {"31/12/2021|a", "1/2/2021|b", 0, 1},
    {"day|a", "1/2/2021|b", 0, 0},                                 /* a name over dates */
    {"|1", "x|2", 0, 1},                                           /* empty: no vote */
    {"a|b", "|", 0, 0},                                            /* no values: no vote */
    {"1.2.3|x", "4|5", 0, 0},                                      /* "1.2.3" is no number */
};

/* Split s at sep into up to max texts. */
static size_t split(const char *s, char sep, struct convp_text *out, size_t max, int number)
{
    size_t n = 0;
    for (const char *p = s;; ) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        assert_true(n < max);
        out[n].text = p;
        out[n].len = len;
        out[n].number = number && len;
        n++;
        if (!e)
            return n;
        p = e + 1;
    }
}

static void test_header_guess(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hg_rows / sizeof hg_rows[0]; i++) {
        const struct hg_row *r = &hg_rows[i];
        struct convp_text head[8], cells[64];
        size_t w = split(r->head, '|', head, 8, r->number);
        size_t nr = 0, k = 0;
        char buf[256];
        snprintf(buf, sizeof buf, "%s", r->rows);
        for (char *row = strtok(buf, ";"); row; row = strtok(NULL, ";")) {
            char *copy = strdup(row); /* kept until the end of the row's use */
            size_t got = split(copy, '|', cells + k, 64 - k, r->number);
            assert_int_equal(got, w);
            k += got;
            nr++;
        }
        int like = convp_header_looks_like_data(head, w, cells, nr);
        if (like != r->want)
            fail_msg("row %zu (%s over %s): %d, want %d", i, r->head, r->rows, like, r->want);
        for (size_t j = 0; j < nr; j++)
            free((char *)cells[j * w].text);
    }
    assert_true(convp_text_is_words("Tên xã", 8));
    assert_false(convp_text_is_words("00004", 5));
    assert_false(convp_text_is_words("2025", 4));
    assert_false(convp_text_is_words(" ", 1));
}

int main(void)
{
    /* CONV_TEST_FILTER=pattern runs only the matching tests. */
    if (getenv("CONV_TEST_FILTER"))
        cmocka_set_test_filter(getenv("CONV_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_is),
        cmocka_unit_test(test_header_guess),
        cmocka_unit_test(test_is_decimal),
        cmocka_unit_test(test_value_int64),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_utf8_every_code_point),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_error_first_wins),
        cmocka_unit_test(test_error_long_source),
        cmocka_unit_test(test_error_long_source_utf8),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_context_allocator),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_arena_nomem),
        cmocka_unit_test(test_huge_requests),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_option_getters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
