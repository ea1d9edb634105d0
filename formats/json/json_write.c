/*
 * JSON and JSON Lines writers.  Records are streamed straight into the
 * output buffer in the canonical form that the reader gives back byte for
 * byte: `{"name":value,...}`, no spaces, minimal string escapes, numbers as
 * their text.  JSON wraps the records in `[\n`, `,\n`, `\n]\n`.
 */
#include "json_private.h"

/* Strings longer than this are escaped in pieces, so a reservation in the
 * output buffer never exceeds about 6 * SEGMENT bytes. */
#define SEGMENT 4096

struct jw {
    int jsonl;
    uint64_t n; /* records written */
};

/* Bytes that need an escape inside a JSON string: controls, '"', '\'. */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\' */
};

/* Whether any of the eight bytes in w needs an escape. */
static inline int word_needs_escape(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t high = UINT64_C(0x8080808080808080);
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high) != 0;
}

/* The length of the prefix of s[0 .. n) that needs no escape. */
static inline size_t plain_prefix(const unsigned char *s, size_t n)
{
    size_t j = 0;
    while (j + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + j, 8);
        if (word_needs_escape(w))
            break;
        j += 8;
    }
    if (j + 8 > n && n >= 8) {
        /* The last bytes, as one word overlapping what was checked. */
        uint64_t w;
        memcpy(&w, s + n - 8, 8);
        if (!word_needs_escape(w))
            return n;
    }
    while (j < n && !needs_escape[s[j]])
        j++;
    return j;
}

/*
 * Escape n bytes of s into d, which has room for 6 * n bytes; returns the
 * bytes written.  Most text needs no escape and is copied whole.
 */
static size_t escape(char *d, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *start = d;
    size_t i = 0;

    for (;;) {
        size_t j = i + plain_prefix(s + i, n - i);
        memcpy(d, s + i, j - i);
        d += j - i;
        if (j == n)
            break;
        unsigned char c = s[j];
        *d++ = '\\';
        switch (c) {
        case '"': *d++ = '"'; break;
        case '\\': *d++ = '\\'; break;
        case '\b': *d++ = 'b'; break;
        case '\f': *d++ = 'f'; break;
        case '\n': *d++ = 'n'; break;
        case '\r': *d++ = 'r'; break;
        case '\t': *d++ = 't'; break;
        default:
            *d++ = 'u';
            *d++ = '0';
            *d++ = '0';
            *d++ = hex[c >> 4];
            *d++ = hex[c & 15];
            break;
        }
        i = j + 1;
    }
    return (size_t)(d - start);
}

/* A string of any length, escaped in segments. */
static int put_string(struct conv_writer *w, const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    if (convp_output_write(w->out, "\"", 1, &w->err) != CONV_OK)
        return CONV_ERR;
    while (n > 0) {
        size_t k = n < SEGMENT ? n : SEGMENT;
        char *p = convp_output_reserve(w->out, 6 * k, &w->err);
        if (!p)
            return CONV_ERR;
        convp_output_advance(w->out, escape(p, s, k));
        s += k;
        n -= k;
    }
    return convp_output_write(w->out, "\"", 1, &w->err);
}

enum kind { K_NULL, K_LITERAL, K_STRING };

/* How a value is written; numbers and booleans are checked to be valid
 * JSON, so a bad value can never make the output unreadable. */
static int value_kind(struct conv_writer *w, const struct conv_record *rec,
                      const struct convp_slot *s, enum kind *kind)
{
    const struct conv_value *v = &s->value;
    const char *want;
    if (v->type == CONV_NULL) {
        *kind = K_NULL;
        return CONV_OK;
    }
    if (v->flags & CONV_VALUE_RAW) {
        *kind = K_STRING; /* untyped text, whatever it looks like */
        return CONV_OK;
    }
    switch (v->type) {
    case CONV_INTEGER:
    case CONV_DECIMAL:
        if (convp_is_integer(v->text, v->len) || convp_is_decimal(v->text, v->len)) {
            *kind = K_LITERAL;
            return CONV_OK;
        }
        want = "number";
        break;
    case CONV_BOOLEAN:
        if (conv_text_is(CONV_BOOLEAN, v->text, v->len)) {
            *kind = K_LITERAL;
            return CONV_OK;
        }
        want = "boolean";
        break;
    default:
        *kind = K_STRING;
        return CONV_OK;
    }
    convp_error_at_slot(&w->err, CONV_E_TYPE, rec->source, rec, s,
                        "'%.40s' is not a JSON %s", v->text, want);
    return CONV_ERR;
}

/* One member the long way: a name or value too long for one reservation. */
static int put_member_slow(struct conv_writer *w, int first, const char *name, size_t nlen,
                           const struct conv_value *v, enum kind kind)
{
    if (!first && convp_output_write(w->out, ",", 1, &w->err) != CONV_OK)
        return CONV_ERR;
    if (put_string(w, name, nlen) != CONV_OK ||
        convp_output_write(w->out, ":", 1, &w->err) != CONV_OK)
        return CONV_ERR;
    switch (kind) {
    case K_NULL: return convp_output_write(w->out, "null", 4, &w->err);
    case K_LITERAL: return convp_output_write(w->out, v->text, v->len, &w->err);
    case K_STRING: return put_string(w, v->text, v->len);
    }
    return CONV_ERR;
}

static int jw_put(struct conv_writer *w, const struct conv_record *rec)
{
    struct jw *j = w->drv;
    const struct conv_schema *schema = rec->schema;
    const char *open = j->jsonl ? "{" : j->n ? ",\n{" : "[\n{";

    if (convp_output_write(w->out, open, strlen(open), &w->err) != CONV_OK)
        return CONV_ERR;
    for (size_t i = 0; i < rec->n; i++) {
        const struct convp_slot *s = &rec->slots[i];
        const struct conv_value *v = &s->value;
        enum kind kind;
        if (!schema || s->field >= schema->n) {
            convp_error_set(&w->err, CONV_E_USAGE, convp_output_name(w->out), 0, 0,
                            "record value %zu has no field name", i + 1);
            return CONV_ERR;
        }
        if (value_kind(w, rec, s, &kind) != CONV_OK)
            return CONV_ERR;
        const char *name = schema->fields[s->field].name;
        size_t nlen = strlen(name);
        size_t vlen = kind == K_NULL ? 0 : v->len;
        if (nlen + vlen > SEGMENT) {
            if (put_member_slow(w, i == 0, name, nlen, v, kind) != CONV_OK)
                return CONV_ERR;
            continue;
        }
        /* ,"name":"value" at most 6 bytes per byte plus 6, or null */
        char *p = convp_output_reserve(w->out, 6 * (nlen + vlen) + 10, &w->err);
        if (!p)
            return CONV_ERR;
        char *d = p;
        if (i)
            *d++ = ',';
        *d++ = '"';
        d += escape(d, (const unsigned char *)name, nlen);
        *d++ = '"';
        *d++ = ':';
        switch (kind) {
        case K_NULL:
            memcpy(d, "null", 4);
            d += 4;
            break;
        case K_LITERAL:
            memcpy(d, v->text, vlen);
            d += vlen;
            break;
        case K_STRING:
            *d++ = '"';
            d += escape(d, (const unsigned char *)v->text, vlen);
            *d++ = '"';
            break;
        }
        convp_output_advance(w->out, (size_t)(d - p));
    }
    if (convp_output_write(w->out, j->jsonl ? "}\n" : "}", j->jsonl ? 2 : 1, &w->err) !=
        CONV_OK)
        return CONV_ERR;
    j->n++;
    return CONV_OK;
}

static int jw_open(struct conv_writer *w, int jsonl)
{
    struct jw *j = convp_calloc(w->ctx, 1, sizeof *j);
    if (!j) {
        convp_error_set(&w->err, CONV_E_NOMEM, convp_output_name(w->out), 0, 0,
                        "out of memory");
        return CONV_ERR;
    }
    j->jsonl = jsonl;
    w->drv = j;
    return CONV_OK;
}

static int json_open(struct conv_writer *w)
{
    return jw_open(w, 0);
}

static int jsonl_open(struct conv_writer *w)
{
    return jw_open(w, 1);
}

/* No header: the JSON array opens with its first record, so that an empty
 * output can be written as `[]`. */
static int jw_begin(struct conv_writer *w, const struct conv_schema *fields)
{
    CONVP_UNUSED(w);
    CONVP_UNUSED(fields);
    return CONV_OK;
}

static int jw_finish(struct conv_writer *w)
{
    struct jw *j = w->drv;
    if (j->jsonl)
        return CONV_OK;
    return j->n ? convp_output_write(w->out, "\n]\n", 3, &w->err)
                : convp_output_write(w->out, "[]\n", 3, &w->err);
}

static void jw_close(struct conv_writer *w)
{
    convp_free(w->ctx, w->drv);
    w->drv = NULL;
}

const struct convp_writer_ops convp_json_writer_ops = {
    .open = json_open,
    .begin = jw_begin,
    .put = jw_put,
    .finish = jw_finish,
    .close = jw_close,
};

const struct convp_writer_ops convp_jsonl_writer_ops = {
    .open = jsonl_open,
    .begin = jw_begin,
    .put = jw_put,
    .finish = jw_finish,
    .close = jw_close,
};
