/*
 * JSON and JSON Lines reader on libyajl's event parser.  The input is fed
 * to yajl in chunks; records completed within a chunk wait in a small
 * queue (one text buffer, one value array) that next() drains, so memory
 * follows the chunk and record sizes, never the document size.
 *
 * Each chunk is first mapped 64 bytes at a time (SSE2 where there is
 * one): newlines, character starts, and strict UTF-8 (yajl's own check
 * lets overlongs and surrogates through, so it is off).  yajl reports no
 * positions, but inside a callback yajl_get_bytes_consumed() is the offset
 * just past the current token in the chunk; the map turns the token's
 * start offset into a 1-based line and character column.  A value slot
 * carries the position of the value's first byte (the opening quote of a
 * string, the '{' or '[' of an empty container); a duplicate or empty key
 * error points at the most recent key; a syntax error at the start of the
 * token yajl refused; invalid UTF-8 at the first byte of the bad sequence.
 */
#include "json_private.h"
#include "yajlguard.h"

#include <stddef.h>
#if defined(__SSE2__) && !defined(CONV_JSON_NO_SIMD)
#include <emmintrin.h>
#endif

#include <yajl/yajl_parse.h>

enum jr_state { JR_RUN, JR_DONE, JR_FAILED };

/* A position in the input: line, character column, byte offset. */
struct jr_pos {
    uint64_t line;
    uint64_t column;
    uint64_t abs;
};

/* One value of a queued record.  Its NUL-terminated text stays in place
 * in the chunk (a string, its closing quote overwritten), which is kept
 * until the queue is empty, or is static, or is copied to jr->text. */
struct jr_value {
    uint32_t field;
    uint32_t column;
    uint64_t line;
    union {
        const char *ptr; /* in_place */
        size_t off;      /* in jr->text */
    } at;
    uint32_t len;
    uint8_t type;
    uint8_t in_place;
};

/* A queued record: values[first .. first + n). */
struct jr_rec {
    size_t first;
    size_t n;
    uint64_t line;
};

/* What tells a field's name apart quickly. */
struct jr_name {
    size_t len;
    uint64_t print; /* name_print() */
};

/* An open container: the document array, a record, or a nested value. */
struct jr_frame {
    int is_array;
    uint64_t count;  /* members or elements seen so far */
    size_t name_len; /* its own flattened name is path[0 .. name_len) */
    struct jr_pos pos;
};

/* While a token longer than a chunk is pending, the chunk grows up to
 * this, so that yajl's scanning it again per chunk stays cheap. */
#define JR_MAX_CHUNK ((size_t)1 << 20)
#define JR_PAD 128

/* Where lines and characters start in the chunk: bit i of nl[i / 64] is
 * set when byte i is a newline, of lead[i / 64] when byte i starts a
 * character (is not a UTF-8 continuation byte); the counts are of the
 * blocks before.  One allocation, sized for the chunk. */
struct jr_map {
    uint64_t *nl;
    uint64_t *lead;
    uint32_t *nl_before;
    uint32_t *lead_before;
    uint8_t *lead_word;    /* in its block, before each 8 bytes */
    uint64_t line0, col0;  /* position of byte 0 */
    uint32_t cached_nls;   /* newlines before the cached line start, or -1 */
    uint32_t cached_leads; /* characters before the cached line start */
};

struct jr {
    struct conv_reader *rd;
    struct conv_context *ctx;
    int jsonl;
    int reject_nested;
    enum jr_state state;
    struct conv_error err; /* handed to rd->err once the queue is empty */

    /* yajl and its allocation guard (formats/yajlguard/) */
    struct convp_yg yg;

    /* the text being parsed and its map */
    unsigned char *chunk; /* cap + JR_PAD bytes */
    size_t cap;           /* CONVP_JSON_CHUNK, up to JR_MAX_CHUNK */
    size_t held;          /* bytes of a cut character kept for the next chunk */
    int input_done;       /* the input has returned its end */
    const unsigned char *buf;
    size_t len;
    uint64_t base;  /* offset of buf[0] in the input */
    size_t ev_end;  /* end of the last token that had a callback */
    int finishing;  /* in yajl_complete_parse: no map, positions are eof */
    struct jr_pos eof;
    struct jr_map map;

    /* the token of the current callback */
    struct jr_pos tok;
    size_t tok_off; /* its start in buf, unless it straddled chunks */
    size_t tok_end;
    int tok_straddled;
    struct jr_pos key; /* the most recent key; only placed when needed: */
    size_t key_off;    /* its offset in buf, while key_lazy */
    int key_lazy;

    /* a token that began in an earlier chunk and has had no callback yet */
    int pend;
    int pend_string;
    struct jr_pos pend_pos;
    struct convp_buf raw; /* a pending string's source bytes */

    /* open containers */
    struct jr_frame stack[CONVP_MAX_DEPTH];
    size_t depth;
    size_t rec_depth; /* stack index of a record's frame */
    int in_record;
    struct convp_buf path; /* flattened names are built here */
    const char *name;      /* the current value's name: in path, or a key */
    size_t name_len;       /* read in place in the chunk */
    uint64_t elements;     /* json: elements of the top-level array */

    /* queued records and the record being built (the tail) */
    struct jr_value *vals;
    size_t nvals, capvals;
    struct jr_rec *recs;
    size_t rhead, rtail, caprecs;
    struct convp_buf text;  /* value text yajl held in its own buffers */
    unsigned char keep[4];  /* a cut character, for the next chunk */
    size_t rec_first;       /* first value of the record being built */
    size_t rec_text;        /* its first byte in text */
    struct jr_pos rec_pos;  /* its '{' */
    uint64_t rec_serial;    /* 1, 2, ... per record begun */

    /* field lookup and duplicate detection */
    uint32_t *prev; /* field at each slot position of earlier records */
    size_t nprev, capprev;
    uint64_t *stamp; /* rec_serial of the last record using each field */
    struct jr_name *fnames; /* each field's name length and print */
    size_t capstamp;
};

/* ---- errors --------------------------------------------------------------- */

/* Record the first error; returns 0 so a callback can cancel yajl with it. */
static int jr_fail(struct jr *r, enum conv_errcode code, const struct jr_pos *at,
                   const char *field, const char *fmt, ...) CONVP_PRINTF(5, 6);

static int jr_fail(struct jr *r, enum conv_errcode code, const struct jr_pos *at,
                   const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&r->err, code, r->rd->source, at ? at->line : 0, at ? at->column : 0,
                     fmt, ap);
    va_end(ap);
    convp_error_where(&r->err, 0, field, at ? at->abs : 0);
    r->state = JR_FAILED;
    return 0;
}

static int jr_nomem(struct jr *r)
{
    return jr_fail(r, CONV_E_NOMEM, NULL, NULL, "out of memory");
}

/* ---- positions ------------------------------------------------------------- */

/* JSON's whitespace (RFC 8259): yajl also skips \v and \f, which feed()
 * refuses before yajl sees them. */
static inline int is_blank(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The first vertical tab or form feed in p[0 .. n), or n: neither is JSON
 * whitespace, and inside a string either must be escaped. */
static size_t vt_ff(const unsigned char *p, size_t n)
{
    const unsigned char *v = memchr(p, '\v', n);
    const unsigned char *f = memchr(p, '\f', v ? (size_t)(v - p) : n);
    return f ? (size_t)(f - p) : v ? (size_t)(v - p) : n;
}

static inline int is_sep(unsigned char c)
{
    return is_blank(c) || c == ',' || c == ':';
}

static inline unsigned popcount64(uint64_t x)
{
#if defined(__POPCNT__)
    return (unsigned)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
    x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
    x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
#endif
}

/* Bits below bit n. */
static inline uint64_t below(unsigned n)
{
    return n ? ~UINT64_C(0) >> (64 - n) : 0;
}

/* Set bits in a byte. */
static const uint8_t popcount8[256] = {
#define P2(n) n, n + 1, n + 1, n + 2
#define P4(n) P2(n), P2(n + 1), P2(n + 1), P2(n + 2)
#define P6(n) P4(n), P4(n + 1), P4(n + 1), P4(n + 2)
    P6(0), P6(1), P6(1), P6(2)
#undef P2
#undef P4
#undef P6
};

/* Masks of one 64-byte block, bit i for byte i. */
struct jr_masks {
    uint64_t hi;   /* >= 0x80 */
    uint64_t nl;   /* '\n' */
    uint64_t cont; /* 10xxxxxx */
    uint64_t l2, l3, l4; /* leads of 2, 3, 4 byte characters: C2-DF E0-EF F0-F4 */
    uint64_t badlead;    /* C0 C1 F5-FF */
    uint64_t e0, ed, f0, f4;
    uint64_t ge90, gea0; /* (signed) > 0x8F, > 0x9F: in a continuation, >= 0x90 / 0xA0 */
};

#if defined(__SSE2__) && !defined(CONV_JSON_NO_SIMD)
static inline uint64_t mm_bits(__m128i a, __m128i b, __m128i c, __m128i d)
{
    return (uint64_t)(uint16_t)_mm_movemask_epi8(a) |
           (uint64_t)(uint16_t)_mm_movemask_epi8(b) << 16 |
           (uint64_t)(uint16_t)_mm_movemask_epi8(c) << 32 |
           (uint64_t)(uint16_t)_mm_movemask_epi8(d) << 48;
}
#define MM_EQ(c) mm_bits(_mm_cmpeq_epi8(x0, _mm_set1_epi8((char)(c))), \
                         _mm_cmpeq_epi8(x1, _mm_set1_epi8((char)(c))), \
                         _mm_cmpeq_epi8(x2, _mm_set1_epi8((char)(c))), \
                         _mm_cmpeq_epi8(x3, _mm_set1_epi8((char)(c))))
#define MM_GT(c) mm_bits(_mm_cmpgt_epi8(x0, _mm_set1_epi8((char)(c))), \
                         _mm_cmpgt_epi8(x1, _mm_set1_epi8((char)(c))), \
                         _mm_cmpgt_epi8(x2, _mm_set1_epi8((char)(c))), \
                         _mm_cmpgt_epi8(x3, _mm_set1_epi8((char)(c))))

static void block_masks(const unsigned char *p, struct jr_masks *m)
{
    __m128i x0 = _mm_loadu_si128((const __m128i *)p);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
    m->hi = mm_bits(x0, x1, x2, x3);
    m->nl = MM_EQ('\n');
    if (!m->hi)
        return;
    /* Signed bytes: 0x80 = -128 ... 0xBF = -65, 0xC0 = -64 ... 0xFF = -1. */
    uint64_t gt_bf = MM_GT(-65), gt_c1 = MM_GT(-63), gt_df = MM_GT(-33);
    uint64_t gt_ef = MM_GT(-17), gt_f4 = MM_GT(-12);
    m->cont = m->hi & ~gt_bf;
    m->badlead = (gt_bf & ~gt_c1) | (gt_f4 & m->hi);
    m->l2 = gt_c1 & ~gt_df;
    m->l3 = gt_df & ~gt_ef;
    m->l4 = gt_ef & ~gt_f4;
    /* E0 ED F0 F4 restrict the byte after them; they are rare. */
#define MM_SPEC(x) _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xE0)), \
                                             _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xED))), \
                                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xF0)), \
                                             _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xF4))))
    if (!mm_bits(MM_SPEC(x0), MM_SPEC(x1), MM_SPEC(x2), MM_SPEC(x3))) {
        m->e0 = m->ed = m->f0 = m->f4 = m->ge90 = m->gea0 = 0;
        return;
    }
#undef MM_SPEC
    m->e0 = MM_EQ(0xE0);
    m->ed = MM_EQ(0xED);
    m->f0 = MM_EQ(0xF0);
    m->f4 = MM_EQ(0xF4);
    m->ge90 = MM_GT(-113);
    m->gea0 = MM_GT(-97);
}
#else
static void block_masks(const unsigned char *p, struct jr_masks *m)
{
    memset(m, 0, sizeof *m);
    for (unsigned i = 0; i < 64; i++) {
        uint64_t bit = UINT64_C(1) << i;
        unsigned c = p[i];
        if (c == '\n')
            m->nl |= bit;
        if (c < 0x80)
            continue;
        m->hi |= bit;
        if (c <= 0xBF)
            m->cont |= bit;
        else if (c <= 0xC1 || c >= 0xF5)
            m->badlead |= bit;
        else if (c <= 0xDF)
            m->l2 |= bit;
        else if (c <= 0xEF)
            m->l3 |= bit;
        else
            m->l4 |= bit;
        m->e0 |= c == 0xE0 ? bit : 0;
        m->ed |= c == 0xED ? bit : 0;
        m->f0 |= c == 0xF0 ? bit : 0;
        m->f4 |= c == 0xF4 ? bit : 0;
        m->ge90 |= c >= 0x90 ? bit : 0;
        m->gea0 |= c >= 0xA0 ? bit : 0;
    }
}
#endif

/*
 * Map buf[0 .. len) (zero bytes follow it) and check it is strict UTF-8:
 * every lead followed by its continuation bytes, no overlong form, no
 * surrogate, nothing above U+10FFFF.  Returns the offset of the first bad
 * sequence, or len.
 */
static size_t map_build(struct jr *r)
{
    struct jr_map *m = &r->map;
    const unsigned char *buf = r->buf;
    size_t len = r->len, nb = len / 64 + 1, first = (size_t)-1;
    uint32_t nls = 0, leads = 0;
    uint64_t need_c = 0, e0_c = 0, ed_c = 0, f0_c = 0, f4_c = 0;

    for (size_t b = 0; b < nb; b++) {
        struct jr_masks k;
        block_masks(buf + 64 * b, &k);
        m->nl[b] = k.nl;
        m->nl_before[b] = nls;
        m->lead_before[b] = leads;
        nls += popcount64(k.nl);
        if (!k.hi && !(need_c | e0_c | ed_c | f0_c | f4_c)) {
            static const uint8_t ascii[8] = {0, 8, 16, 24, 32, 40, 48, 56};
            m->lead[b] = ~UINT64_C(0);
            memcpy(m->lead_word + 8 * b, ascii, 8);
            leads += 64;
            continue;
        }
        if (!k.hi) /* only a character cut by the block end to finish */
            k.cont = k.l2 = k.l3 = k.l4 = k.badlead = k.e0 = k.ed = k.f0 = k.f4 = k.ge90 =
                k.gea0 = 0;
        uint64_t lead = ~k.cont;
        m->lead[b] = lead;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        {
            /* Characters per byte of the mask, then their running sums. */
            uint64_t x = lead - ((lead >> 1) & UINT64_C(0x5555555555555555));
            x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
            x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
            uint64_t sums = x * UINT64_C(0x0101010101010101);
            uint64_t before = sums << 8;
            memcpy(m->lead_word + 8 * b, &before, 8);
            leads += (uint32_t)(sums >> 56);
        }
#else
        unsigned in_block = 0;
        for (unsigned w = 0; w < 8; w++) {
            m->lead_word[8 * b + w] = (uint8_t)in_block;
            in_block += popcount8[(lead >> (8 * w)) & 0xFF];
        }
        leads += in_block;
#endif
        if (e0_c | ed_c | f0_c | f4_c) {
            /* The byte after a special lead from the block before: its
             * ranges, which block_masks() skips in a block without one. */
            signed char c0 = (signed char)buf[64 * b];
            k.ge90 = (k.ge90 & ~UINT64_C(1)) | (c0 > -113);
            k.gea0 = (k.gea0 & ~UINT64_C(1)) | (c0 > -97);
        }
        uint64_t ls = k.l2 | k.l3 | k.l4, l34 = k.l3 | k.l4;
        uint64_t need = ls << 1 | l34 << 2 | k.l4 << 3 | need_c;
        uint64_t fe0 = k.e0 << 1 | e0_c, fed = k.ed << 1 | ed_c;
        uint64_t ff0 = k.f0 << 1 | f0_c, ff4 = k.f4 << 1 | f4_c;
        need_c = ls >> 63 | l34 >> 62 | k.l4 >> 61;
        e0_c = k.e0 >> 63;
        ed_c = k.ed >> 63;
        f0_c = k.f0 >> 63;
        f4_c = k.f4 >> 63;
        uint64_t bad = (need ^ k.cont) | k.badlead | (fe0 & ~k.gea0) | (fed & k.gea0) |
                       (ff0 & ~k.ge90) | (ff4 & k.ge90);
        if (bad && first == (size_t)-1)
            first = 64 * b + (size_t)__builtin_ctzll(bad);
    }
    if (first == (size_t)-1 && (need_c | e0_c | ed_c | f0_c | f4_c))
        first = 64 * nb;
    m->cached_nls = UINT32_MAX;
    if (first == (size_t)-1)
        return len;
    /* The bad sequence begins at most three bytes before the first bad
     * bit, after the last good character: find it exactly. */
    size_t from = first > len ? len : first;
    from = from >= 3 ? from - 3 : 0;
    while (from > 0 && (buf[from] & 0xC0) == 0x80)
        from--;
    size_t at = from + convp_utf8_valid_prefix(buf + from, len - from);
    return at;
}

/* Characters that start in buf[0 .. off). */
static inline uint32_t leads_before(const struct jr_map *m, size_t off)
{
    size_t b = off >> 6;
    unsigned sh = off & 56;
    unsigned part = (unsigned)(m->lead[b] >> sh) & ((1u << (off & 7)) - 1);
    return m->lead_before[b] + m->lead_word[off >> 3] + popcount8[part];
}

/* The position of buf[off]. */
static void here(struct jr *r, size_t off, struct jr_pos *pos)
{
    struct jr_map *m = &r->map;
    if (r->finishing) {
        *pos = r->eof;
        return;
    }
    size_t b = off >> 6;
    uint64_t low = below(off & 63);
    uint64_t nlbits = m->nl[b] & low;
    uint32_t nls = m->nl_before[b] + (nlbits ? popcount64(nlbits) : 0);
    uint32_t leads = leads_before(m, off);
    pos->line = m->line0 + nls;
    pos->abs = r->base + off;
    if (nls == 0) {
        pos->column = m->col0 + leads;
        return;
    }
    if (nls != m->cached_nls) {
        /* Count the characters up to the start of this line. */
        size_t k = b;
        uint64_t x = nlbits;
        while (!x)
            x = m->nl[--k];
        m->cached_leads = leads_before(m, 64 * k + 64 - (size_t)__builtin_clzll(x));
        m->cached_nls = nls;
    }
    pos->column = 1 + leads - m->cached_leads;
}

/* Find the token of the current callback: tok_off .. tok_end, or r->tok
 * when it began in an earlier chunk. */
static void token_find(struct jr *r)
{
    size_t end = yajl_get_bytes_consumed(r->yg.h);
    if (end > r->len)
        end = r->len;
    if (r->pend) {
        r->tok = r->pend_pos;
        r->tok_straddled = 1;
        r->pend = 0;
    } else {
        size_t i = r->ev_end;
        while (i < end && is_sep(r->buf[i]))
            i++;
        r->tok_off = i;
        r->tok_straddled = 0;
    }
    r->tok_end = end;
    r->ev_end = end;
}

/* Find and place the token of the current callback (sets r->tok). */
static void token_start(struct jr *r)
{
    token_find(r);
    if (!r->tok_straddled)
        here(r, r->tok_off, &r->tok);
}

/* Whether yajl handed over text in place in the chunk: a string without
 * escapes or a number, neither cut by the chunk's start. */
static inline int in_chunk(const struct jr *r, const void *p)
{
    return (uintptr_t)p - (uintptr_t)r->buf < r->len;
}

/* The token of the current callback is buf[start .. end): no need to ask
 * yajl where it ends and to look for where it starts. */
static inline void token_known(struct jr *r, size_t start, size_t end)
{
    r->tok_off = start;
    r->tok_end = end;
    r->ev_end = end;
    r->tok_straddled = 0;
}

/* The most recent key's position, placed now if it was not yet. */
static const struct jr_pos *key_pos(struct jr *r)
{
    if (r->key_lazy) {
        here(r, r->key_off, &r->key);
        r->key_lazy = 0;
    }
    return &r->key;
}

/* A '}' or ']': no position needed, only the bookkeeping. */
static void token_end(struct jr *r)
{
    size_t end = yajl_get_bytes_consumed(r->yg.h);
    r->ev_end = end > r->len ? r->len : end;
    r->pend = 0;
    r->tok_end = r->ev_end;
}

/* ---- strings ------------------------------------------------------------------ */

static unsigned hex4(const unsigned char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i];
        v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/*
 * Check the \u escapes of a string token against its source bytes: no
 * \u0000, surrogates only in pairs (yajl would turn a lone one into '?' or
 * into invalid UTF-8).  The chunk map has checked the UTF-8.  dlen is the
 * decoded length: it differs from the source length exactly when there
 * are escapes.
 */
static int check_string(struct jr *r, size_t dlen)
{
    const unsigned char *src;
    size_t n;
    if (r->tok_straddled) {
        if (convp_buf_append(&r->raw, r->buf, r->tok_end) != 0)
            return jr_nomem(r);
        src = (const unsigned char *)r->raw.data;
        n = r->raw.len;
    } else {
        src = r->buf + r->tok_off;
        n = r->tok_end - r->tok_off;
    }
    if (n < 2) /* cannot happen: yajl hands over whole tokens */
        return 1;
    src++; /* inside the quotes; a string holds no raw newline */
    n -= 2;
    if (dlen == n)
        return 1;
    for (size_t i = 0; i + 1 < n; i++) {
        if (src[i] != '\\')
            continue;
        if (src[i + 1] != 'u' || i + 6 > n) {
            i++;
            continue;
        }
        unsigned cp = hex4(src + i + 2);
        const char *bad = NULL;
        if (cp == 0) {
            bad = "\\u0000 in string";
        } else if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 12 <= n && src[i + 6] == '\\' && src[i + 7] == 'u') {
                unsigned lo = hex4(src + i + 8);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    i += 11;
                    continue;
                }
            }
            bad = "unpaired surrogate in \\u escape";
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            bad = "unpaired surrogate in \\u escape";
        }
        if (bad) {
            struct jr_pos at;
            if (!r->tok_straddled)
                here(r, r->tok_off, &r->tok);
            at = r->tok;
            at.column += 1 + convp_utf8_count(src, i);
            at.abs += 1 + i;
            return jr_fail(r, CONV_E_ENCODING, &at, NULL, "%s", bad);
        }
        i += 5;
    }
    return 1;
}

/* ---- records ---------------------------------------------------------------------- */

static int grow(struct jr *r, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = convp_realloc(r->ctx, *p, n * size);
    if (!q)
        return jr_nomem(r);
    *p = q;
    *cap = n;
    return 1;
}

static inline uint64_t load64(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static inline uint64_t load32(const char *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* Eight bytes that, with the length, tell names of up to 8 bytes apart
 * (and are the first eight of longer ones); no byte past the name is read. */
static inline uint64_t name_print(const char *a, size_t n)
{
    if (n >= 8)
        return load64(a);
    if (n >= 4)
        return load32(a) | load32(a + n - 4) << 32;
    if (n == 0)
        return 0;
    return (uint64_t)(unsigned char)a[0] | (uint64_t)(unsigned char)a[n / 2] << 8 |
           (uint64_t)(unsigned char)a[n - 1] << 16;
}

/* Names of n > 8 bytes whose first eight are equal. */
static inline int same_rest(const char *a, const char *b, size_t n)
{
    for (size_t i = 8; i + 8 < n; i += 8)
        if (load64(a + i) != load64(b + i))
            return 0;
    return load64(a + n - 8) == load64(b + n - 8);
}

/* The field index of the current name, added when new. */
static long field_index(struct jr *r, size_t pos)
{
    struct conv_schema *fields = r->rd->fields;
    const char *name = r->name;
    size_t len = r->name_len;
    uint64_t print = name_print(name, len);
    /* Records of one input mostly share their layout. */
    if (pos < r->nprev) {
        uint32_t f = r->prev[pos];
        if (r->fnames[f].len == len && r->fnames[f].print == print &&
            (len <= 8 || same_rest(fields->fields[f].name, name, len)))
            return f;
    }
    long f = convp_schema_find_n(fields, name, len);
    if (f < 0) {
        if (fields->n >= CONVP_MAX_FIELDS)
            return jr_fail(r, CONV_E_LIMIT, &r->tok, NULL, "more than %d distinct field names",
                           CONVP_MAX_FIELDS) - 1;
        f = convp_schema_add_name(fields, name, len);
        if (f < 0)
            return jr_nomem(r) - 1;
    }
    if ((size_t)f >= r->capstamp) {
        size_t old = r->capstamp, cap = old;
        if (!grow(r, (void **)&r->stamp, &r->capstamp, (size_t)f + 1, sizeof *r->stamp) ||
            !grow(r, (void **)&r->fnames, &cap, (size_t)f + 1, sizeof *r->fnames))
            return -1;
        memset(r->stamp + old, 0, (r->capstamp - old) * sizeof *r->stamp);
    }
    r->fnames[f].len = len;
    r->fnames[f].print = print;
    if (!grow(r, (void **)&r->prev, &r->capprev, pos + 1, sizeof *r->prev))
        return -1;
    if (pos >= r->nprev) {
        for (size_t i = r->nprev; i < pos; i++)
            r->prev[i] = (uint32_t)f;
        r->nprev = pos + 1;
    }
    r->prev[pos] = (uint32_t)f;
    return f;
}

/* Add a value with the current name to the record being built.  in_place:
 * text is NUL-terminated and stays until the queue is empty. */
static int emit(struct jr *r, enum conv_type type, const char *text, size_t len,
                int in_place, const struct jr_pos *at)
{
    if (r->name_len == 0)
        return jr_fail(r, CONV_E_STRUCTURE, key_pos(r), NULL, "empty key");
    size_t pos = r->nvals - r->rec_first;
    long f = field_index(r, pos);
    if (f < 0)
        return 0;
    if (r->stamp[f] == r->rec_serial) {
        const char *name = r->rd->fields->fields[f].name;
        return jr_fail(r, CONV_E_STRUCTURE, key_pos(r), name, "duplicate key '%.200s'", name);
    }
    r->stamp[f] = r->rec_serial;
    if (r->nvals == r->capvals &&
        !grow(r, (void **)&r->vals, &r->capvals, r->nvals + 1, sizeof *r->vals))
        return 0;
    struct jr_value *v = &r->vals[r->nvals];
    v->field = (uint32_t)f;
    v->line = at->line;
    v->column = at->column > UINT32_MAX ? UINT32_MAX : (uint32_t)at->column;
    v->type = (uint8_t)type;
    v->len = (uint32_t)len;
    v->in_place = (uint8_t)in_place;
    if (in_place) {
        v->at.ptr = text;
    } else {
        v->at.off = r->text.len;
        if (convp_buf_grow(&r->text, len + 1) != 0)
            return jr_nomem(r);
        memcpy(r->text.data + r->text.len, text, len);
        r->text.data[r->text.len + len] = '\0';
        r->text.len += len + 1;
    }
    r->nvals++;
    return 1;
}

/* Name a value about to be added to the innermost container: an element
 * gets its index; a member has its name from its key. */
static inline int member_name(struct jr *r)
{
    struct jr_frame *fr = &r->stack[r->depth - 1];
    if (fr->is_array) {
        char num[24];
        int k = snprintf(num, sizeof num, ".%llu", (unsigned long long)fr->count);
        r->path.len = fr->name_len;
        if (convp_buf_append(&r->path, num, (size_t)k) != 0)
            return jr_nomem(r);
        r->name = r->path.data;
        r->name_len = r->path.len;
    }
    fr->count++;
    return 1;
}

/* A value where a record should begin. */
static int not_object(struct jr *r)
{
    if (r->jsonl)
        return jr_fail(r, CONV_E_STRUCTURE, &r->tok, NULL, "expected one object per line");
    r->elements++;
    return jr_fail(r, CONV_E_STRUCTURE, &r->tok, NULL, "element %llu is not an object",
                   (unsigned long long)(r->elements ? r->elements : 1));
}

static int push_frame(struct jr *r, int is_array, size_t name_len)
{
    if (r->depth >= CONVP_MAX_DEPTH)
        return jr_fail(r, CONV_E_LIMIT, &r->tok, NULL, "nesting deeper than %d levels",
                       CONVP_MAX_DEPTH);
    struct jr_frame *fr = &r->stack[r->depth++];
    fr->is_array = is_array;
    fr->count = 0;
    fr->name_len = name_len;
    fr->pos = r->tok;
    return 1;
}

static inline int scalar(struct jr *r, enum conv_type type, const char *text, size_t len,
                         int in_place)
{
    if (!r->in_record)
        return not_object(r);
    if (!member_name(r))
        return 0;
    return emit(r, type, text, len, in_place, &r->tok);
}

/* ---- yajl callbacks ------------------------------------------------------------------ */

static int cb_null(void *ctx)
{
    struct jr *r = ctx;
    token_start(r);
    return scalar(r, CONV_NULL, "", 0, 1);
}

static int cb_boolean(void *ctx, int b)
{
    struct jr *r = ctx;
    token_start(r);
    return b ? scalar(r, CONV_BOOLEAN, "true", 4, 1) : scalar(r, CONV_BOOLEAN, "false", 5, 1);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    struct jr *r = ctx;
    if (!r->pend && in_chunk(r, s)) {
        size_t start = (size_t)((const unsigned char *)s - r->buf);
        token_known(r, start, start + n);
        here(r, start, &r->tok);
    } else {
        token_start(r);
    }
    /* Copied: the byte after a number is the next token. */
    return scalar(r, convp_is_integer(s, n) ? CONV_INTEGER : CONV_DECIMAL, s, n, 0);
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    struct jr *r = ctx;
    if (!r->pend && in_chunk(r, s)) {
        /* In place: no escapes, and the quotes are around it.  yajl is done
         * with the closing quote: it becomes the text's NUL. */
        size_t start = (size_t)(s - r->buf) - 1;
        token_known(r, start, start + n + 2);
        here(r, start, &r->tok);
        if (!r->in_record)
            return not_object(r);
        r->chunk[start + n + 1] = '\0';
        return scalar(r, CONV_STRING, (const char *)s, n, 1);
    }
    token_start(r);
    if (!r->in_record)
        return not_object(r);
    if (!check_string(r, n))
        return 0;
    return scalar(r, CONV_STRING, (const char *)s, n, 0);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
    struct jr *r = ctx;
    if (!r->pend && in_chunk(r, s)) {
        size_t start = (size_t)(s - r->buf) - 1;
        token_known(r, start, start + n + 2);
        r->key_off = start;
        r->key_lazy = 1;
    } else {
        token_find(r);
        if (r->tok_straddled) {
            r->key = r->tok;
            r->key_lazy = 0;
        } else {
            r->key_off = r->tok_off;
            r->key_lazy = 1;
        }
        if (!check_string(r, n))
            return 0;
    }
    /* Keys only come inside a record: other objects were refused. */
    struct jr_frame *fr = &r->stack[r->depth - 1];
    if (r->depth - 1 == r->rec_depth && in_chunk(r, s)) {
        /* A member of the record: its name is the key, read in place. */
        r->name = (const char *)s;
        r->name_len = n;
        return 1;
    }
    r->path.len = fr->name_len;
    if (r->depth - 1 != r->rec_depth && convp_buf_putc(&r->path, '.') != 0)
        return jr_nomem(r);
    if (convp_buf_append(&r->path, s, n) != 0)
        return jr_nomem(r);
    r->name = r->path.data;
    r->name_len = r->path.len;
    return 1;
}

static int begin_record(struct jr *r)
{
    r->rec_serial++;
    r->rec_first = r->nvals;
    r->rec_text = r->text.len;
    r->rec_pos = r->tok;
    r->in_record = 1;
    r->path.len = 0;
    r->name_len = 0;
    return push_frame(r, 0, 0);
}

/* A '{' or '[' inside a record: a nested value, flattened or refused. */
static int begin_nested(struct jr *r, int is_array)
{
    if (!member_name(r))
        return 0;
    if (r->name != r->path.data) {
        /* The prefix of the names inside: a key read in place so far. */
        r->path.len = 0;
        if (convp_buf_append(&r->path, r->name, r->name_len) != 0)
            return jr_nomem(r);
        r->name = r->path.data;
    }
    if (r->reject_nested) {
        const char *name = convp_buf_cstr(&r->path);
        if (!name)
            return jr_nomem(r);
        return jr_fail(r, CONV_E_STRUCTURE, &r->tok, name, "nested value in field '%.200s'",
                       name);
    }
    return push_frame(r, is_array, r->path.len);
}

static int cb_start_map(void *ctx)
{
    struct jr *r = ctx;
    token_start(r);
    if (r->in_record)
        return begin_nested(r, 0);
    if (r->depth == 0 && !r->jsonl)
        return jr_fail(r, CONV_E_STRUCTURE, &r->tok, NULL,
                       "expected an array of objects (use --from jsonl for one object per line)");
    if (!r->jsonl)
        r->elements++;
    return begin_record(r);
}

static int cb_start_array(void *ctx)
{
    struct jr *r = ctx;
    token_start(r);
    if (r->in_record)
        return begin_nested(r, 1);
    if (r->depth == 0 && !r->jsonl)
        return push_frame(r, 1, 0);
    return not_object(r);
}

static int cb_end(void *ctx)
{
    struct jr *r = ctx;
    token_end(r);
    struct jr_frame *fr = &r->stack[--r->depth];
    if (!r->in_record)
        return 1; /* the top-level array */
    if (r->depth == r->rec_depth) {
        uint64_t size = r->base + r->tok_end - r->rec_pos.abs;
        if (size > CONVP_MAX_RECORD_BYTES)
            return jr_fail(r, CONV_E_LIMIT, &r->rec_pos, NULL, "record longer than %zu bytes",
                           CONVP_MAX_RECORD_BYTES);
        if (!grow(r, (void **)&r->recs, &r->caprecs, r->rtail + 1, sizeof *r->recs))
            return 0;
        struct jr_rec *q = &r->recs[r->rtail++];
        q->first = r->rec_first;
        q->n = r->nvals - r->rec_first;
        q->line = r->rec_pos.line;
        r->in_record = 0;
        return 1;
    }
    if (fr->count == 0) {
        /* An empty object or array is a null under its own name. */
        r->path.len = fr->name_len;
        r->name = r->path.data;
        r->name_len = r->path.len;
        return emit(r, CONV_NULL, "", 0, 1, &fr->pos);
    }
    return 1;
}

static const yajl_callbacks jr_callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* ---- feeding yajl ---------------------------------------------------------------------- */

/* Turn a yajl error in the current chunk into a positioned error. */
static void yajl_error(struct jr *r)
{
    size_t off = yajl_get_bytes_consumed(r->yg.h);
    if (off > r->len)
        off = r->len;
    struct jr_pos at;
    size_t start = off;
    if (r->pend) {
        /* yajl failed inside the token that began in an earlier chunk */
        at = r->pend_pos;
    } else {
        /* Find the start of the last token before off: the one refused. */
        size_t i = r->ev_end, last = (size_t)-1;
        while (i < off) {
            unsigned char c = r->buf[i];
            if (is_blank(c)) {
                i++;
                continue;
            }
            last = i++;
            if (c == '"') {
                while (i < off && r->buf[i] != '"')
                    i += r->buf[i] == '\\' ? 2 : 1;
                i++;
            } else if (!strchr(",:[]{}", c)) {
                while (i < off && !is_blank(r->buf[i]) && !strchr(",:[]{}\"", r->buf[i]))
                    i++;
            }
        }
        if (last != (size_t)-1)
            start = last;
        here(r, start, &at);
    }
    unsigned char *msg = yajl_get_error(r->yg.h, 0, NULL, 0);
    const char *m = msg ? (const char *)msg : "syntax error";
    if (!strncmp(m, "parse error: ", 13))
        m += 13;
    else if (!strncmp(m, "lexical error: ", 15))
        m += 15;
    size_t mlen = strcspn(m, "\n");
    if (mlen > 0 && m[mlen - 1] == '.')
        mlen--;
    jr_fail(r, CONV_E_SYNTAX, &at, NULL, "%.*s", (int)mlen, m);
    if (msg)
        yajl_free_error(r->yg.h, msg);
}

/* After a chunk: note a token left unfinished at its end. */
static int chunk_tail(struct jr *r)
{
    key_pos(r); /* the map is about to change */
    if (!r->pend) {
        size_t i = r->ev_end;
        while (i < r->len && is_sep(r->buf[i]))
            i++;
        if (i < r->len) {
            here(r, i, &r->pend_pos);
            r->pend = 1;
            r->pend_string = r->buf[i] == '"';
            r->raw.len = 0;
            if (r->pend_string && convp_buf_append(&r->raw, r->buf + i, r->len - i) != 0)
                return jr_nomem(r);
        }
    } else if (r->pend_string) {
        if (convp_buf_append(&r->raw, r->buf, r->len) != 0)
            return jr_nomem(r);
    }
    /* yajl buffers an unfinished token whole: bound it with the record. */
    uint64_t end = r->base + r->len;
    if (r->in_record && end - r->rec_pos.abs > CONVP_MAX_RECORD_BYTES)
        return jr_fail(r, CONV_E_LIMIT, &r->rec_pos, NULL, "record longer than %zu bytes",
                       CONVP_MAX_RECORD_BYTES);
    if (!r->in_record && r->pend && end - r->pend_pos.abs > CONVP_MAX_RECORD_BYTES)
        return jr_fail(r, CONV_E_LIMIT, &r->pend_pos, NULL, "value longer than %zu bytes",
                       CONVP_MAX_RECORD_BYTES);
    return 1;
}

static void finish(struct jr *r)
{
    static const unsigned char space[1] = {' '};
    yajl_status st = yajl_status_ok;

    /* JSON Lines may hold no value at all; yajl would call that premature. */
    if (r->jsonl && r->depth == 0 && !r->pend) {
        r->state = JR_DONE;
        return;
    }
    /* yajl_complete_parse parses one space: only a pending top-level
     * scalar can have a callback then, and it uses pend_pos. */
    r->finishing = 1;
    r->buf = space;
    r->len = 1;
    r->ev_end = 0;
    if (convp_yg_finish(&r->yg, &st) != 0) {
        jr_nomem(r);
        return;
    }
    if (st == yajl_status_client_canceled || r->state == JR_FAILED)
        return;
    if (st != yajl_status_ok) {
        jr_fail(r, CONV_E_SYNTAX, &r->eof, NULL, "unexpected end of input");
        return;
    }
    r->state = JR_DONE;
}

/* Bytes at the end of p[0 .. len) that begin a character the chunk cuts. */
static size_t cut_character(const unsigned char *p, size_t len)
{
    for (size_t k = 1; k <= 3 && k <= len; k++) {
        unsigned c = p[len - k];
        if ((c & 0xC0) == 0x80)
            continue;
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > k ? k : 0;
    }
    return 0;
}

/* Room for a chunk of cap bytes and its map. */
static int grow_chunk(struct jr *r, size_t cap)
{
    size_t blocks = cap / 64 + 2;
    unsigned char *chunk = convp_realloc(r->ctx, r->chunk, cap + JR_PAD);
    if (!chunk)
        return jr_nomem(r);
    r->chunk = chunk;
    char *m = convp_realloc(r->ctx, r->map.nl, blocks * (8 + 8 + 4 + 4 + 8));
    if (!m)
        return jr_nomem(r);
    r->map.nl = (uint64_t *)m;
    r->map.lead = (uint64_t *)(m + 8 * blocks);
    r->map.nl_before = (uint32_t *)(m + 16 * blocks);
    r->map.lead_before = (uint32_t *)(m + 20 * blocks);
    r->map.lead_word = (uint8_t *)(m + 24 * blocks);
    r->cap = cap;
    return 1;
}

/* Parse one more chunk, or finish at the end of the input. */
static void feed(struct jr *r)
{
    yajl_status st = yajl_status_ok;
    size_t held = r->held;
    /* The queue is empty: the chunk can be overwritten now. */
    memcpy(r->chunk, r->keep, held);
    /* yajl scans a token cut by a chunk end again from its start with each
     * chunk.  While a token is pending, read at least as much as it already
     * has (growing the chunk for a long one, up to JR_MAX_CHUNK): the
     * scanning then costs at most twice the token, however small the reads
     * of the source.  Otherwise parse what one read gives, so records from
     * a slow pipe are not held back. */
    size_t want = 1;
    if (r->pend) {
        uint64_t pending = r->base - r->pend_pos.abs;
        want = pending < JR_MAX_CHUNK ? (size_t)pending : JR_MAX_CHUNK;
        if (want > r->cap && !grow_chunk(r, want))
            return;
    }
    size_t len = held;
    for (;;) {
        long got = convp_input_read(r->rd->in, r->chunk + len, r->cap - len, &r->err);
        if (got < 0) {
            if (r->err.code == CONV_E_NONE)
                jr_fail(r, CONV_E_IO, NULL, NULL, "read failed");
            r->state = JR_FAILED;
            return;
        }
        len += (size_t)got;
        if (got == 0) {
            r->input_done = 1;
            break;
        }
        if (len >= want)
            break;
    }
    if (len == 0) {
        finish(r);
        return;
    }
    /* A character cut by the end of the read waits for its other bytes
     * (at the end of the input it goes in, and is refused). */
    size_t cut = r->input_done ? 0 : cut_character(r->chunk, len);
    r->held = cut;
    if (cut == len) {
        memcpy(r->keep, r->chunk, cut);
        return;
    }
    len -= cut;
    memcpy(r->keep, r->chunk + len, cut);
    memset(r->chunk + len, 0, JR_PAD);

    r->buf = r->chunk;
    r->len = len;
    r->ev_end = 0;
    size_t bad = map_build(r);
    size_t ctl = vt_ff(r->buf, bad);
    if (ctl < bad)
        r->len = ctl;
    else if (bad < len)
        r->len = bad; /* yajl gets the good part; any error in it comes first */
    if (convp_yg_parse(&r->yg, r->buf, r->len, &st) != 0) {
        jr_nomem(r);
        return;
    }
    if (st == yajl_status_client_canceled || r->state == JR_FAILED) {
        r->state = JR_FAILED;
        return;
    }
    if (st != yajl_status_ok) {
        yajl_error(r);
        return;
    }
    if (ctl < bad) {
        struct jr_pos at;
        here(r, ctl, &at);
        jr_fail(r, CONV_E_SYNTAX, &at, NULL,
                "%s (U+000%c) is not JSON whitespace, nor allowed unescaped in a string",
                r->buf[ctl] == '\f' ? "a form feed" : "a vertical tab",
                r->buf[ctl] == '\f' ? 'C' : 'B');
        return;
    }
    if (bad < len) {
        struct jr_pos at;
        here(r, bad, &at);
        jr_fail(r, CONV_E_ENCODING, &at, NULL, "invalid UTF-8");
        return;
    }
    if (!chunk_tail(r))
        return;
    /* The next chunk starts where this one ends. */
    here(r, len, &r->eof);
    r->map.line0 = r->eof.line;
    r->map.col0 = r->eof.column;
    r->base += len;
}

/* The queue is empty: keep only the record being built, at the start,
 * with its text out of the chunk about to be overwritten. */
static int compact(struct jr *r)
{
    r->rhead = r->rtail = 0;
    if (!r->in_record) {
        r->nvals = 0;
        r->text.len = 0;
        return 1;
    }
    size_t n = r->nvals - r->rec_first;
    if (r->rec_first)
        memmove(r->vals, r->vals + r->rec_first, n * sizeof *r->vals);
    if (r->rec_text) {
        memmove(r->text.data, r->text.data + r->rec_text, r->text.len - r->rec_text);
        r->text.len -= r->rec_text;
    }
    for (size_t i = 0; i < n; i++) {
        struct jr_value *v = &r->vals[i];
        if (!v->in_place) {
            v->at.off -= r->rec_text;
        } else if (in_chunk(r, v->at.ptr)) {
            size_t off = r->text.len;
            if (convp_buf_append(&r->text, v->at.ptr, (size_t)v->len + 1) != 0)
                return jr_nomem(r);
            v->at.off = off;
            v->in_place = 0;
        }
    }
    r->nvals = n;
    r->rec_first = 0;
    r->rec_text = 0;
    /* A key read in place is the name of the value to come. */
    if (r->name_len && r->name != r->path.data) {
        r->path.len = 0;
        if (convp_buf_append(&r->path, r->name, r->name_len) != 0)
            return jr_nomem(r);
        r->name = r->path.data;
    }
    return 1;
}

/* ---- driver ------------------------------------------------------------------------------ */

static int jr_open(struct conv_reader *rd, int jsonl)
{
    struct jr *r = convp_calloc(rd->ctx, 1, sizeof *r);
    if (!r) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = r;
    r->rd = rd;
    r->ctx = rd->ctx;
    r->jsonl = jsonl;
    r->rec_depth = jsonl ? 0 : 1;
    r->state = JR_RUN;
    r->map.line0 = r->map.col0 = 1;
    r->eof.line = r->eof.column = 1;
    convp_buf_init(&r->raw, rd->ctx);
    convp_buf_init(&r->path, rd->ctx);
    convp_buf_init(&r->text, rd->ctx);
    if (convp_opt_flag(rd->opts, "reject-nested", 0, &rd->err, &r->reject_nested) != CONV_OK)
        return CONV_ERR;
    if (!grow_chunk(r, CONVP_JSON_CHUNK) ||
        convp_yg_alloc(&r->yg, rd->ctx, &jr_callbacks, r) != 0) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    /* Strings are checked here, strictly, against their source bytes. */
    yajl_config(r->yg.h, yajl_dont_validate_strings, 1);
    if (jsonl)
        yajl_config(r->yg.h, yajl_allow_multiple_values, 1);
    return CONV_OK;
}

static int json_open(struct conv_reader *rd)
{
    return jr_open(rd, 0);
}

static int jsonl_open(struct conv_reader *rd)
{
    return jr_open(rd, 1);
}

static int jr_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct jr *r = rd->drv;
    while (r->rhead == r->rtail) {
        if (r->state == JR_DONE)
            return CONV_EOF;
        if (r->state == JR_FAILED) {
            if (rd->err.code == CONV_E_NONE)
                rd->err = r->err;
            return CONV_ERR;
        }
        if (compact(r))
            feed(r);
    }
    const struct jr_rec *q = &r->recs[r->rhead++];
    /* The texts stay valid until the next call, when the core has cleared
     * the record: they are not copied again. */
    for (size_t i = 0; i < q->n; i++) {
        const struct jr_value *v = &r->vals[q->first + i];
        struct convp_slot *slot = convp_record_push(rec);
        if (!slot) {
            convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, v->line, v->column,
                            "out of memory");
            return CONV_ERR;
        }
        slot->field = v->field;
        slot->column = v->column;
        slot->line = v->line;
        slot->value.type = (enum conv_type)v->type;
        slot->value.flags = 0;
        slot->value.len = v->len;
        slot->value.text = v->in_place ? v->at.ptr : r->text.data + v->at.off;
    }
    rec->line = q->line;
    return CONV_OK;
}

static void jr_close(struct conv_reader *rd)
{
    struct jr *r = rd->drv;
    if (!r)
        return;
    convp_yg_free(&r->yg);
    convp_free(r->ctx, r->chunk);
    convp_free(r->ctx, r->map.nl);
    convp_buf_free(&r->raw);
    convp_buf_free(&r->path);
    convp_buf_free(&r->text);
    convp_free(r->ctx, r->vals);
    convp_free(r->ctx, r->recs);
    convp_free(r->ctx, r->prev);
    convp_free(r->ctx, r->stamp);
    convp_free(r->ctx, r->fnames);
    convp_free(r->ctx, r);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_json_reader_ops = {
    .open = json_open,
    .next = jr_next,
    .close = jr_close,
};

const struct convp_reader_ops convp_jsonl_reader_ops = {
    .open = jsonl_open,
    .next = jr_next,
    .close = jr_close,
};
