/*
 * Small shared pieces of the core: the context allocator, positioned
 * errors, the per-record arena, growable buffers, UTF-8 checks and the
 * canonical-text recognisers behind every value type.
 */
#include "conv_private.h"

#include <stdatomic.h>
#include <stdlib.h>

const char *conv_version(void)
{
    return CONV_VERSION_STRING;
}

unsigned long conv_version_number(void)
{
    return CONV_VERSION_NUMBER;
}

/* Callers allocate these: their sizes stay fixed, a new field takes
 * reserved words (see "Structs the caller allocates" in conv.h).  These
 * are the LP64 sizes; other ABIs are not checked. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct conv_error) == 744, "struct conv_error changed size");
_Static_assert(sizeof(struct conv_stats) == 96, "struct conv_stats changed size");
_Static_assert(sizeof(struct conv_finding) == 872, "struct conv_finding changed size");
_Static_assert(sizeof(struct conv_journal_stamp) == 64, "struct conv_journal_stamp changed size");
#endif

/* ---- context ------------------------------------------------------------ */

static void *std_malloc(void *user, size_t size)
{
    CONVP_UNUSED(user);
    return malloc(size);
}

static void *std_realloc(void *user, void *p, size_t size)
{
    CONVP_UNUSED(user);
    return realloc(p, size);
}

static void std_free(void *user, void *p)
{
    CONVP_UNUSED(user);
    free(p);
}

struct conv_context *conv_context_new(const struct conv_allocator *alloc)
{
    struct conv_allocator a = {std_malloc, std_realloc, std_free, NULL};
    if (alloc)
        a = *alloc;
    struct conv_context *ctx = a.malloc(a.user, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->alloc = a;
    atomic_init(&ctx->serial, 1);
    return ctx;
}

void conv_context_free(struct conv_context *ctx)
{
    if (ctx)
        ctx->alloc.free(ctx->alloc.user, ctx);
}

void *convp_malloc(struct conv_context *ctx, size_t size)
{
    return ctx->alloc.malloc(ctx->alloc.user, size ? size : 1);
}

void *convp_calloc(struct conv_context *ctx, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = convp_malloc(ctx, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *convp_realloc(struct conv_context *ctx, void *p, size_t size)
{
    return ctx->alloc.realloc(ctx->alloc.user, p, size ? size : 1);
}

void convp_free(struct conv_context *ctx, void *p)
{
    if (p)
        ctx->alloc.free(ctx->alloc.user, p);
}

char *convp_strndup(struct conv_context *ctx, const char *s, size_t n)
{
    char *p = convp_malloc(ctx, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *convp_strdup(struct conv_context *ctx, const char *s)
{
    return s ? convp_strndup(ctx, s, strlen(s)) : NULL;
}

/* ---- errors ------------------------------------------------------------- */

const char *conv_strerror(enum conv_errcode code)
{
    switch (code) {
    case CONV_E_NONE: return "no error";
    case CONV_E_USAGE: return "invalid usage";
    case CONV_E_FORMAT: return "unknown format";
    case CONV_E_SYNTAX: return "syntax error";
    case CONV_E_ENCODING: return "encoding error";
    case CONV_E_TYPE: return "type error";
    case CONV_E_STRUCTURE: return "structure error";
    case CONV_E_SCHEMA: return "schema error";
    case CONV_E_LIMIT: return "limit exceeded";
    case CONV_E_IO: return "input/output error";
    case CONV_E_NOMEM: return "out of memory";
    case CONV_E_CANCELED: return "canceled";
    case CONV_E_UNSUPPORTED: return "not supported";
    }
    return "unknown error";
}

void conv_error_clear(struct conv_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

/* Keep the end of a long source name: the file name matters most. */
static void copy_source(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n < size) {
        memcpy(dst, src, n + 1);
        return;
    }
    const char *tail = src + n - (size - 4);
    snprintf(dst, size, "...%s", tail);
}

void convp_error_vset(struct conv_error *err, enum conv_errcode code, const char *source,
                      uint64_t line, uint64_t column, const char *fmt, va_list ap)
{
    if (!err || err->code != CONV_E_NONE)
        return;
    err->code = code;
    err->line = line;
    err->column = column;
    copy_source(err->source, sizeof err->source, source ? source : "");
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

void convp_error_set(struct conv_error *err, enum conv_errcode code, const char *source,
                     uint64_t line, uint64_t column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(err, code, source, line, column, fmt, ap);
    va_end(ap);
}

void convp_error_where(struct conv_error *err, uint64_t record, const char *field,
                       uint64_t offset)
{
    if (!err)
        return;
    if (record && !err->record)
        err->record = record;
    if (field && !err->field[0])
        snprintf(err->field, sizeof err->field, "%s", field);
    if (offset && !err->offset)
        err->offset = offset;
}

size_t conv_error_format(const struct conv_error *err, char *buf, size_t size)
{
    char pos[64] = "";
    if (err->line && err->column)
        snprintf(pos, sizeof pos, ":%llu:%llu", (unsigned long long)err->line,
                 (unsigned long long)err->column);
    else if (err->line)
        snprintf(pos, sizeof pos, ":%llu", (unsigned long long)err->line);
    const char *msg = err->message[0] ? err->message : conv_strerror(err->code);
    int n;
    if (err->source[0])
        n = snprintf(buf, size, "%s%s: %s", err->source, pos, msg);
    else
        n = snprintf(buf, size, "%s", msg);
    return n < 0 ? 0 : (size_t)n;
}

/* ---- arena ---------------------------------------------------------------- */

struct convp_arena_chunk {
    struct convp_arena_chunk *next;
    size_t size;
    /* data follows, 16-aligned */
};

#define ARENA_HDR ((sizeof(struct convp_arena_chunk) + 15) & ~(size_t)15)
#define ARENA_MIN 1024 /* records held back for inference each have one */

void convp_arena_init(struct convp_arena *a, struct conv_context *ctx)
{
    a->ctx = ctx;
    a->head = NULL;
    a->used = 0;
}

void *convp_arena_alloc(struct convp_arena *a, size_t size)
{
    if (size > SIZE_MAX / 4)
        return NULL;
    size = (size + 7) & ~(size_t)7;
    if (CONVP_LIKELY(a->head && a->head->size - a->used >= size)) {
        void *p = (char *)a->head + ARENA_HDR + a->used;
        a->used += size;
        return p;
    }
    size_t want = a->head ? a->head->size * 2 : ARENA_MIN;
    while (want < size)
        want *= 2;
    struct convp_arena_chunk *c = convp_malloc(a->ctx, ARENA_HDR + want);
    if (!c)
        return NULL;
    c->size = want;
    c->next = a->head;
    a->head = c;
    a->used = size;
    return (char *)c + ARENA_HDR;
}

char *convp_arena_strndup(struct convp_arena *a, const char *s, size_t n)
{
    char *p = convp_arena_alloc(a, n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void convp_arena_reset(struct convp_arena *a)
{
    /* The newest chunk is the largest; keep it for the next record. */
    if (!a->head)
        return;
    struct convp_arena_chunk *c = a->head->next;
    while (c) {
        struct convp_arena_chunk *next = c->next;
        convp_free(a->ctx, c);
        c = next;
    }
    a->head->next = NULL;
    a->used = 0;
}

void convp_arena_free(struct convp_arena *a)
{
    struct convp_arena_chunk *c = a->head;
    while (c) {
        struct convp_arena_chunk *next = c->next;
        convp_free(a->ctx, c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}

/* ---- buffers ---------------------------------------------------------------- */

void convp_buf_init(struct convp_buf *b, struct conv_context *ctx)
{
    b->ctx = ctx;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void convp_buf_free(struct convp_buf *b)
{
    convp_free(b->ctx, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int convp_buf_grow(struct convp_buf *b, size_t extra)
{
    size_t need = b->len + extra;
    if (need < b->len || need > SIZE_MAX / 4)
        return -1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = convp_realloc(b->ctx, b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

/* ---- UTF-8 ------------------------------------------------------------------ */

size_t convp_utf8_valid_prefix(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, eight bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + len > n)
            return i;
        for (size_t k = 1; k < len; k++) {
            unsigned cc = p[i + k];
            if ((cc & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += len;
    }
    return n;
}

size_t convp_utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t convp_utf8_count(const unsigned char *p, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += (p[i] & 0xC0) != 0x80;
    return count;
}

/* ---- types -------------------------------------------------------------------- */

static const char *const type_names[] = {"null", "string", "integer", "decimal",
                                         "boolean", "date", "datetime", "any"};

const char *conv_type_name(enum conv_type type)
{
    return (unsigned)type < sizeof type_names / sizeof type_names[0] ? type_names[type]
                                                                      : "unknown";
}

int conv_type_parse(const char *name, enum conv_type *out)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (!strcmp(name, type_names[i])) {
            *out = (enum conv_type)i;
            return 0;
        }
    if (!strcmp(name, "number")) {
        *out = CONV_DECIMAL;
        return 0;
    }
    return -1;
}

static inline int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int convp_is_integer(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || !is_digit(s[i]))
        return 0;
    if (s[i] == '0')
        return i + 1 == n;
    while (i < n && is_digit(s[i]))
        i++;
    return i == n;
}

/* The JSON number grammar, with a fraction or an exponent (else it is an
 * integer). */
int convp_is_decimal(const char *s, size_t n)
{
    size_t i = 0;
    int frac = 0, exp = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || !is_digit(s[i]))
        return 0;
    if (s[i] == '0')
        i++;
    else
        while (i < n && is_digit(s[i]))
            i++;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
        frac = 1;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
        exp = 1;
    }
    return i == n && (frac || exp);
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int convp_is_date(const char *s, size_t n)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

int convp_is_datetime(const char *s, size_t n)
{
    int h, mi, se;
    if (n < 19 || !convp_is_date(s, 10) || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
        return 0;
    if (h > 23 || mi > 59 || se > 60)
        return 0;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        i++;
        size_t start = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == start)
            return 0;
    }
    if (i == n)
        return 1;
    if (s[i] == 'Z')
        return i + 1 == n;
    int oh, om;
    if ((s[i] == '+' || s[i] == '-') && n - i == 6 && s[i + 3] == ':' &&
        digits(s + i + 1, 2, &oh) && digits(s + i + 4, 2, &om))
        return oh <= 23 && om <= 59;
    return 0;
}

int conv_text_is(enum conv_type type, const char *text, size_t len)
{
    switch (type) {
    case CONV_NULL: return len == 0;
    case CONV_STRING: return convp_utf8_valid_prefix((const unsigned char *)text, len) == len;
    case CONV_INTEGER: return convp_is_integer(text, len);
    case CONV_DECIMAL: return convp_is_integer(text, len) || convp_is_decimal(text, len);
    case CONV_BOOLEAN:
        return (len == 4 && !memcmp(text, "true", 4)) || (len == 5 && !memcmp(text, "false", 5));
    case CONV_DATE: return convp_is_date(text, len);
    case CONV_DATETIME: return convp_is_datetime(text, len);
    case CONV_ANY: return 1;
    }
    return 0;
}

int conv_value_int64(const struct conv_value *v, int64_t *out)
{
    if (!v || v->type != CONV_INTEGER || !convp_is_integer(v->text, v->len))
        return CONV_ERR;
    const char *s = v->text;
    int neg = *s == '-';
    uint64_t acc = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (size_t i = neg; i < v->len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (acc > (limit - d) / 10)
            return CONV_ERR;
        acc = acc * 10 + d;
    }
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return CONV_OK;
}

/* ---- cell references ------------------------------------------------------- */

void convp_col_name(uint32_t col, char *out)
{
    char tmp[8];
    size_t n = 0;
    while (col > 0 && n < sizeof tmp) {
        uint32_t d = (col - 1) % 26;
        tmp[n++] = (char)('A' + d);
        col = (col - 1) / 26;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* ---- arrays ------------------------------------------------------------------ */

int convp_array_grow(struct conv_context *ctx, void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / size)
        return -1;
    void *q = convp_realloc(ctx, *v, ncap * size);
    if (!q)
        return -1;
    *v = q;
    *cap = ncap;
    return 0;
}
