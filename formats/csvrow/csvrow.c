/*
 * The CSV layer shared by the formats written as delimited text (CSV, TSV,
 * SDMX-CSV): UTF-8 validation with an ASCII and an SSSE3 fast path, the
 * RFC 4180 row reader (a driver-owned buffer validated once per chunk,
 * fields split 16 bytes at a time while characters are counted for
 * columns) and the canonical row writer.
 */
#include "csvrow.h"

#include <inttypes.h>

#define CSV_CHUNK ((size_t)256 << 10) /* normal buffer size and read size */
#define CSV_PAD 16                    /* zeroed slack after the data for 16-byte loads */
#define CSV_WANT_MAX ((size_t)16 << 20) /* most bytes awaited in one refill */
#define CSV_ROW_RESERVE_MAX ((size_t)1 << 20) /* above this, a row is reserved per value */

#if defined(__SSE2__)
#include <emmintrin.h>
#define CSV_SSE2 1
#endif

/* ---- UTF-8 ------------------------------------------------------------------ */

size_t convp_csv_utf8_scan(const unsigned char *p, size_t n, int *truncated)
{
    const uint64_t high = UINT64_C(0x8080808080808080);
    const uint64_t ones = UINT64_C(0x0101010101010101);
    size_t i = 0;

    *truncated = 0;
    while (i < n) {
        /* Most statistical CSV is ASCII between the accented letters:
         * skip eight bytes at a time while none is >= 0x80 or NUL. */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            if ((v & high) | ((v - ones) & ~v & high))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c = p[i];
        if (c < 0x80) {
            if (c == 0)
                return i;
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
        if (c < 0xC2) {
            return i; /* stray continuation or overlong 2-byte lead */
        } else if (c < 0xE0) {
            need = 2;
        } else if (c < 0xF0) {
            need = 3;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c < 0xF5) {
            need = 4;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return i;
        }
        size_t k;
        for (k = 1; k < need; k++) {
            if (i + k >= n) {
                *truncated = 1;
                return i;
            }
            unsigned b = p[i + k];
            if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80)
                return i;
        }
        i += need;
    }
    return n;
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define CSV_SSSE3 1

/*
 * UTF-8 validation 64 bytes at a time with SSSE3 table lookups (the
 * Keiser-Lemire "lookup" method, as in simdjson): each byte is checked
 * against the high and low nibble of the byte before it and its own high
 * nibble, and the 3rd/4th bytes of long sequences against the lead two or
 * three bytes back.  It only says whether a group is clean; the exact
 * position of a fault comes from the scalar scan, from the last character
 * boundary before the faulty group.
 */
#define U8_TOO_SHORT (1 << 0)  /* lead not followed by a continuation */
#define U8_TOO_LONG (1 << 1)   /* ASCII followed by a continuation */
#define U8_OVERLONG_3 (1 << 2) /* E0 80..9F */
#define U8_TOO_LARGE (1 << 3)  /* above U+10FFFF */
#define U8_SURROGATE (1 << 4)  /* ED A0..BF */
#define U8_OVERLONG_2 (1 << 5) /* C0, C1 */
#define U8_TOO_LARGE_1000 (1 << 6)
#define U8_OVERLONG_4 (1 << 6) /* F0 80..8F */
#define U8_TWO_CONTS (1 << 7)  /* continuation after continuation */
#define U8_CARRY (U8_TOO_SHORT | U8_TOO_LONG | U8_TWO_CONTS)

__attribute__((target("ssse3"))) static size_t csv_utf8_ssse3(const unsigned char *p,
                                                               size_t n)
{
    const __m128i byte1_high = _mm_setr_epi8(
        U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
        U8_TOO_LONG, U8_TOO_LONG, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS,
        (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, U8_TOO_SHORT | U8_OVERLONG_2, U8_TOO_SHORT,
        U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
        U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4);
    const __m128i byte1_low = _mm_setr_epi8(
        (char)(U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4),
        (char)(U8_CARRY | U8_OVERLONG_2), (char)U8_CARRY, (char)U8_CARRY,
        (char)(U8_CARRY | U8_TOO_LARGE), (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_SURROGATE),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000));
    const __m128i byte2_high = _mm_setr_epi8(
        U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
        U8_TOO_SHORT, U8_TOO_SHORT,
        (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 |
               U8_TOO_LARGE_1000 | U8_OVERLONG_4),
        (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE),
        (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
        (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
        U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT);
    const __m128i nibble = _mm_set1_epi8(0x0F);
    const __m128i zero = _mm_setzero_si128();
    const __m128i third = _mm_set1_epi8((char)(0xE0 - 0x80));
    const __m128i fourth = _mm_set1_epi8((char)(0xF0 - 0x80));
    const __m128i high = _mm_set1_epi8((char)0x80);
    __m128i prev = zero;
    size_t i = 0;

    while (i + 64 <= n) {
        __m128i err = zero;
        for (int k = 0; k < 4; k++) {
            __m128i in = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
            __m128i prev1 = _mm_alignr_epi8(in, prev, 15);
            __m128i b1h = _mm_shuffle_epi8(byte1_high,
                                           _mm_and_si128(_mm_srli_epi16(prev1, 4), nibble));
            __m128i b1l = _mm_shuffle_epi8(byte1_low, _mm_and_si128(prev1, nibble));
            __m128i b2h =
                _mm_shuffle_epi8(byte2_high, _mm_and_si128(_mm_srli_epi16(in, 4), nibble));
            __m128i special = _mm_and_si128(_mm_and_si128(b1h, b1l), b2h);
            __m128i is3 = _mm_subs_epu8(_mm_alignr_epi8(in, prev, 14), third);
            __m128i is4 = _mm_subs_epu8(_mm_alignr_epi8(in, prev, 13), fourth);
            __m128i must = _mm_and_si128(_mm_or_si128(is3, is4), high);
            err = _mm_or_si128(err, _mm_xor_si128(must, special));
            err = _mm_or_si128(err, _mm_cmpeq_epi8(in, zero)); /* NUL */
            prev = in;
        }
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(err, zero)) != 0xFFFF)
            break;
        i += 64;
    }
    return i;
}
#endif

size_t convp_csv_utf8_valid(const unsigned char *p, size_t n, int *truncated)
{
    size_t i = 0;
#ifdef CSV_SSSE3
    if (n >= 64 && __builtin_cpu_supports("ssse3")) {
        i = csv_utf8_ssse3(p, n);
        /* [0, i) is clean except that the character holding byte i - 1
         * may be cut at i: restart the scalar scan at its lead byte. */
        for (int back = 0; i > 0 && back < 3 && (p[i - 1] & 0xC0) == 0x80; back++)
            i--;
        if (i > 0 && p[i - 1] >= 0xC0)
            i--;
    }
#endif
    return i + convp_csv_utf8_scan(p + i, n - i, truncated);
}

/* ---- the row reader ---------------------------------------------------------- */

/* ---- errors --------------------------------------------------------------- */

int convp_csvr_fail(struct convp_csvr *r, enum conv_errcode code, uint64_t line,
                    uint64_t column, uint64_t off, const char *fmt, ...)
{
    struct conv_reader *rd = r->rd;
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&rd->err, code, rd->source, line, column, fmt, ap);
    va_end(ap);
    /* The offset is a source offset only while the source is UTF-8. */
    const char *bom = convp_input_bom(rd->in);
    if (!strcmp(bom, ""))
        convp_error_where(&rd->err, 0, NULL, off);
    else if (!strcmp(bom, "UTF-8"))
        convp_error_where(&rd->err, 0, NULL, off + 3);
    r->failed = 1;
    return CONV_ERR;
}

int convp_csvr_nomem(struct convp_csvr *r)
{
    return convp_csvr_fail(r, CONV_E_NOMEM, 0, 0, 0, "out of memory");
}

/*
 * Line and column of buffer offset off inside the field that starts at
 * offset fs, on line fline, column fcol.  Only errors need it, so it
 * rescans; inside a quoted field the line ends are text.
 */
static void csv_where(const struct convp_csvr *r, size_t fs, uint64_t fline, uint64_t fcol,
                      size_t off, uint64_t *line, uint64_t *col)
{
    const unsigned char *p = r->buf + fs, *e = r->buf + off;
    uint64_t l = fline, c = fcol;
    while (p < e) {
        unsigned char b = *p++;
        if (b == '\r' || b == '\n') {
            if (b == '\r' && p < e && *p == '\n')
                p++;
            l++;
            c = 1;
        } else if ((b & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* The error at lim: a NUL, or a byte that does not continue valid UTF-8. */
static int csv_encoding_error(struct convp_csvr *r, size_t fs, uint64_t fline, uint64_t fcol)
{
    uint64_t line, col;
    csv_where(r, fs, fline, fcol, r->lim, &line, &col);
    if (r->buf[r->lim] == 0)
        return convp_csvr_fail(r, CONV_E_ENCODING, line, col, r->base + r->lim, "NUL byte");
    return convp_csvr_fail(r, CONV_E_ENCODING, line, col, r->base + r->lim,
                    "invalid UTF-8 (a legacy encoding? try --encoding cp1258 or tcvn3)");
}

/* ---- buffer --------------------------------------------------------------- */

/* Extend lim over the bytes read since. */
static void csv_validate(struct convp_csvr *r)
{
    if (r->lim >= r->end)
        return;
    int truncated;
    r->lim += convp_csv_utf8_valid(r->buf + r->lim, r->end - r->lim, &truncated);
    /* A character cut by the end of a read is completed by the next one. */
    r->bad = r->lim < r->end && !(truncated && !r->eof);
}

/* Drop buf[0..keep), moving the rest to the front. */
static void csv_compact(struct convp_csvr *r, size_t keep)
{
    if (keep == 0)
        return;
    memmove(r->buf, r->buf + keep, r->end - keep);
    r->base += keep;
    r->pos -= keep;
    r->lim -= keep;
    r->end -= keep;
}

/*
 * Read more, keeping buf[keep..end) (the field being parsed).  Waits for
 * about as many new bytes as are kept, so a long field is rescanned a
 * logarithmic number of times even when the source trickles.  Returns 1
 * when lim moved, 0 when it never will (end of input, or invalid text at
 * lim), -1 on a read error.
 */
static int csv_refill(struct convp_csvr *r, size_t keep)
{
    if (r->bad || r->eof)
        return 0;
    csv_compact(r, keep);
    size_t want = r->end ? r->end : 1;
    if (want > CSV_WANT_MAX)
        want = CSV_WANT_MAX;
    if (r->cap - r->end < want + 4) {
        size_t cap = r->cap;
        while (cap - r->end < want + 4)
            cap *= 2;
        unsigned char *b = convp_realloc(r->rd->ctx, r->buf, cap + CSV_PAD);
        if (!b)
            return convp_csvr_nomem(r);
        r->buf = b;
        r->cap = cap;
    }
    size_t old_lim = r->lim, got_total = 0;
    while ((got_total < want || r->lim == old_lim) && r->end < r->cap) {
        long got = convp_input_read(r->rd->in, r->buf + r->end, r->cap - r->end, &r->rd->err);
        if (got < 0) {
            r->failed = 1;
            return -1;
        }
        if (got == 0) {
            r->eof = 1;
            r->bad = r->lim < r->end;
            break;
        }
        r->end += (size_t)got;
        got_total += (size_t)got;
        csv_validate(r);
        if (r->bad)
            break;
    }
    /* The 16-byte loads may look past the data: keep that defined. */
    memset(r->buf + r->end, 0, CSV_PAD);
    return r->lim > old_lim;
}

/* After a huge record, give the memory back. */
static void csv_shrink(struct convp_csvr *r)
{
    if (r->cap <= 4 * CSV_CHUNK || r->end - r->pos > CSV_CHUNK)
        return;
    csv_compact(r, r->pos);
    unsigned char *b = convp_realloc(r->rd->ctx, r->buf, CSV_CHUNK + CSV_PAD);
    if (b) {
        r->buf = b;
        r->cap = CSV_CHUNK;
        memset(r->buf + r->end, 0, CSV_PAD);
    }
}

/* ---- scanning ------------------------------------------------------------- */

/*
 * Find the first of three ASCII bytes (delimiter, CR, LF unquoted; quote,
 * CR, LF quoted) in validated text [p, e), or e.  *cont grows by the UTF-8
 * continuation bytes passed, so a column is bytes minus those: the same
 * pass splits fields and counts characters.
 */
#ifdef CSV_SSE2
static inline unsigned csv_popcount16(unsigned x)
{
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return (x + (x >> 8)) & 0x1Fu;
}

static inline const unsigned char *csv_scan(const unsigned char *p, const unsigned char *e,
                                            __m128i s1, __m128i s2, __m128i s3, size_t *cont)
{
    /* Continuation bytes 0x80..0xBF are the signed bytes below -64.  The
     * loads may run up to 15 bytes past e: buf has CSV_PAD zeroed bytes
     * after the data, and anything from e on is masked off. */
    const __m128i below = _mm_set1_epi8(-64);
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, s1), _mm_cmpeq_epi8(v, s2)),
                                   _mm_cmpeq_epi8(v, s3));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        unsigned c = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, below));
        size_t left = (size_t)(e - p);
        if (left < 16)
            m |= 1u << left;
        if (m) {
            unsigned at = (unsigned)__builtin_ctz(m);
            *cont += csv_popcount16(c & ((1u << at) - 1));
            return p + at;
        }
        *cont += csv_popcount16(c);
        p += 16;
    }
}
#define CSV_SCAN_PLAIN(p, e, cont) csv_scan(p, e, v_delim, v_cr, v_lf, cont)
#define CSV_SCAN_QUOTED(p, e, cont) csv_scan(p, e, v_quote, v_cr, v_lf, cont)
#else
static inline const unsigned char *csv_scan(const unsigned char *p, const unsigned char *e,
                                            const unsigned char *stop, size_t *cont)
{
    size_t k = 0;
    while (p < e && !stop[*p])
        k += (*p++ & 0xC0) == 0x80;
    *cont += k;
    return p;
}
#define CSV_SCAN_PLAIN(p, e, cont) csv_scan(p, e, r->plain_stop, cont)
#define CSV_SCAN_QUOTED(p, e, cont) csv_scan(p, e, r->quoted_stop, cont)
#endif

/* ---- rows ------------------------------------------------------------------ */

static inline uint32_t csv_col32(uint64_t col)
{
    return col > UINT32_MAX ? UINT32_MAX : (uint32_t)col;
}

/*
 * Read one row into rec.  While width is 0 (header, or first row without
 * one) the slots are numbered by position and no width is enforced.
 * Returns CONV_OK, CONV_EOF or CONV_ERR.
 */
int convp_csvr_row(struct convp_csvr *r, struct conv_record *rec)
{
    const int first = r->width == 0;
    const size_t width = r->width;

    csv_shrink(r);
    /* Find the start of the row, skipping blank lines.  A blank line is a
     * row with one null only when the table has exactly one column. */
    for (;;) {
        if (r->pos == r->lim) {
            int rc = csv_refill(r, r->pos);
            if (rc < 0)
                return CONV_ERR;
            if (rc == 0) {
                if (r->lim < r->end)
                    return csv_encoding_error(r, r->pos, r->line, 1);
                return CONV_EOF;
            }
            continue;
        }
        unsigned char c = r->buf[r->pos];
        if (r->skip_lf) {
            r->skip_lf = 0;
            if (c == '\n') {
                r->pos++;
                continue;
            }
        }
        if ((c == '\r' || c == '\n') && width != 1 && !r->keep_blank) {
            r->pos++;
            r->line++;
            r->skip_lf = c == '\r';
            continue;
        }
        break;
    }

#ifdef CSV_SSE2
    const __m128i v_delim = _mm_set1_epi8((char)r->delim);
    const __m128i v_quote = _mm_set1_epi8('"');
    const __m128i v_cr = _mm_set1_epi8('\r');
    const __m128i v_lf = _mm_set1_epi8('\n');
#endif
    const uint64_t row_off = r->base + r->pos;
    const unsigned char delim = r->delim;
    size_t nf = 0;
    uint64_t extra_line = 0, extra_col = 0;
    rec->line = r->line;
    r->col = 1;

    for (;;) {
        size_t fs = r->pos;
        const uint64_t fline = r->line;
        const uint64_t fcol = r->col;
        const unsigned char *b, *p, *q, *e;
        const char *text;
        size_t len;
        size_t cont;    /* continuation bytes since fs or the last line start */
        size_t line_at; /* where the last line inside a quoted field starts */
        uint64_t line;
        enum conv_type type;
        unsigned flags;
        int at_end;

    retry:
        b = r->buf;
        p = b + fs;
        e = b + r->lim;
        at_end = r->eof && r->lim == r->end; /* no byte will follow e */
        line = fline;
        line_at = fs;
        cont = 0;
        if (p < e && *p == '"') {
            size_t nesc = 0;
            q = p + 1;
            for (;;) {
                q = CSV_SCAN_QUOTED(q, e, &cont);
                if (q == e) {
                    if (at_end)
                        return convp_csvr_fail(r, CONV_E_SYNTAX, fline, fcol, r->base + fs,
                                        "unterminated quoted field");
                    goto need_more;
                }
                if (*q == '"') {
                    if (q + 1 == e && !at_end)
                        goto need_more; /* "" or the closing quote? */
                    if (q + 1 < e && q[1] == '"') {
                        nesc++;
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                /* A line end inside quotes is text; count the line. */
                if (*q == '\r') {
                    if (q + 1 == e && !at_end)
                        goto need_more;
                    if (q + 1 < e && q[1] == '\n')
                        q++;
                }
                q++;
                line++;
                line_at = (size_t)(q - b);
                cont = 0;
            }
            text = (const char *)p + 1;
            len = (size_t)(q - p) - 2;
            if (nesc) {
                /* Unescape "" into tmp, one run up to each pair at a time. */
                const char *s = text, *se = text + len;
                r->tmp.len = 0;
                while (s < se) {
                    const char *dq = memchr(s, '"', (size_t)(se - s));
                    size_t run = dq ? (size_t)(dq - s) + 1 : (size_t)(se - s);
                    if (convp_buf_append(&r->tmp, s, run) != 0)
                        return convp_csvr_nomem(r);
                    s += run + (dq != NULL);
                }
                text = r->tmp.data;
                len = r->tmp.len;
            }
            type = CONV_STRING;
            flags = len ? CONV_VALUE_RAW : 0u;
            if (q < e && *q != delim && *q != '\r' && *q != '\n') {
                uint64_t el, ec;
                csv_where(r, fs, fline, fcol, (size_t)(q - b), &el, &ec);
                return convp_csvr_fail(r, CONV_E_SYNTAX, el, ec, r->base + (size_t)(q - b),
                                "unexpected character after closing quote");
            }
        } else {
            q = CSV_SCAN_PLAIN(p, e, &cont);
            if (q == e && !at_end)
                goto need_more;
            text = (const char *)p;
            len = (size_t)(q - p);
            type = len ? CONV_STRING : CONV_NULL;
            flags = len ? CONV_VALUE_RAW : 0u;
        }

        /* The field is whole: q is at its delimiter, line end or the end. */
        if (first) {
            if (nf >= CONVP_MAX_FIELDS)
                return convp_csvr_fail(r, CONV_E_LIMIT, fline, fcol, r->base + fs,
                                "more than %d columns", CONVP_MAX_FIELDS);
            if (convp_record_add(rec, (uint32_t)nf, type, flags, text, len, fline,
                                 csv_col32(fcol)) != CONV_OK)
                return convp_csvr_nomem(r);
        } else if (nf < width) {
            if (convp_record_add(rec, (uint32_t)nf, type, flags, text, len, fline,
                                 csv_col32(fcol)) != CONV_OK)
                return convp_csvr_nomem(r);
        } else if (nf == width) {
            extra_line = fline;
            extra_col = fcol;
        }
        nf++;
        size_t qo = (size_t)(q - b);
        /* Column of q: characters since the field or line start. */
        if (line == fline) {
            r->col = fcol + (qo - fs) - cont;
        } else {
            r->line = line;
            r->col = 1 + (qo - line_at) - cont;
        }
        if (q < e && *q == delim) {
            r->pos = qo + 1;
            r->col++;
            continue;
        }

        /* End of the row: a line end, or the end of the input. */
        if (first) {
            r->end_line = r->line;
            r->end_col = r->col;
            r->end_off = r->base + qo;
        }
        if (!first && nf != width) {
            if (nf > width)
                return convp_csvr_fail(r, CONV_E_STRUCTURE, extra_line, extra_col, 0,
                                "row has %zu field%s, expected %zu", nf, nf == 1 ? "" : "s", width);
            if (!r->pad)
                return convp_csvr_fail(r, CONV_E_STRUCTURE, r->line, r->col, r->base + qo,
                                "row has %zu field%s, expected %zu", nf, nf == 1 ? "" : "s", width);
            for (; nf < width; nf++)
                if (convp_record_add(rec, (uint32_t)nf, CONV_NULL, 0, "", 0, r->line,
                                     csv_col32(r->col)) != CONV_OK)
                    return convp_csvr_nomem(r);
        }
        if (q < e) {
            qo++;
            r->line++;
            if (*q == '\r') {
                if (qo < r->lim && b[qo] == '\n')
                    qo++;
                else if (qo == r->lim)
                    r->skip_lf = 1;
            }
        }
        r->pos = qo;
        return CONV_OK;

    need_more:
        if (r->lim < r->end && r->bad)
            return csv_encoding_error(r, fs, fline, fcol);
        if (r->base + r->end - row_off > CONVP_MAX_RECORD_BYTES)
            return convp_csvr_fail(r, CONV_E_LIMIT, rec->line, 1, row_off,
                            "record larger than %zu bytes", CONVP_MAX_RECORD_BYTES);
        {
            uint64_t fs_off = r->base + fs;
            if (csv_refill(r, fs) < 0)
                return CONV_ERR;
            fs = (size_t)(fs_off - r->base);
        }
        goto retry;
    }
}

/* ---- set up ------------------------------------------------------------------ */

int convp_csvr_init(struct convp_csvr *r, struct conv_reader *rd, unsigned char delim)
{
    r->rd = rd;
    r->line = 1;
    r->delim = delim;
    convp_buf_init(&r->tmp, rd->ctx);
    r->plain_stop['\r'] = r->plain_stop['\n'] = 1;
    r->quoted_stop['\r'] = r->quoted_stop['\n'] = 1;
    r->plain_stop[delim] = 1;
    r->quoted_stop['"'] = 1;
    r->cap = CSV_CHUNK;
    r->buf = convp_calloc(rd->ctx, r->cap + CSV_PAD, 1);
    if (!r->buf)
        return convp_csvr_nomem(r);
    return CONV_OK;
}

void convp_csvr_fini(struct convp_csvr *r)
{
    if (!r->rd)
        return;
    convp_buf_free(&r->tmp);
    convp_free(r->rd->ctx, r->buf);
    r->buf = NULL;
}

/* ---- writing ------------------------------------------------------------------ */

void convp_csvw_init(struct convp_csvw *cw, unsigned char delim, int lf, int excel_safe,
                     int at_start)
{
    memset(cw, 0, sizeof *cw);
    cw->delim = delim;
    cw->excel_safe = excel_safe;
    cw->at_start = at_start;
    cw->quote[delim] = 1;
    cw->quote['"'] = cw->quote['\r'] = cw->quote['\n'] = 1;
    cw->eol[0] = lf ? '\n' : '\r';
    cw->eol[1] = '\n';
    cw->eol_len = lf ? 1 : 2;
}

/*
 * Whether text should get a leading apostrophe under excel-safe: a
 * spreadsheet would run it as a formula (= + - @, or a tab or CR that
 * some import paths strip first), and it is not simply a number.
 */
static int csv_formula_like(const struct conv_value *v)
{
    if (v->len == 0 || (v->type != CONV_STRING && !(v->flags & CONV_VALUE_RAW)))
        return 0;
    switch (v->text[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        break;
    default:
        return 0;
    }
    return !convp_is_integer(v->text, v->len) && !convp_is_decimal(v->text, v->len);
}

/* Most bytes one value can take: quotes, doubled quotes, an apostrophe and
 * the delimiter or line end after it. */
static inline size_t csv_value_room(size_t len)
{
    return 2 * len + 5;
}

/*
 * Write one value (NULL for null or absent) at dst and return the bytes
 * written.  dst has csv_value_room(len) bytes.
 */
static size_t csv_put_value(struct convp_csvw *cw, char *dst, const struct conv_value *v)
{
    if (!v || v->type == CONV_NULL) {
        cw->at_start = 0;
        return 0;
    }
    const unsigned char *s = (const unsigned char *)v->text;
    size_t n = v->len, k = 0;
    int apos = cw->excel_safe && csv_formula_like(v);
    if (n == 0) {
        dst[0] = dst[1] = '"'; /* an empty string, not a null */
        cw->at_start = 0;
        return 2;
    }
    /* One scan decides quoting; most values need none and are copied. */
    size_t i = 0;
    while (i < n && !cw->quote[s[i]])
        i++;
    int must = i < n;
    /* At the very start of the output a leading U+FEFF would be taken
     * for a byte-order mark and dropped on reading: quote it. */
    if (cw->at_start && !apos && n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        must = 1;
    cw->at_start = 0;
    if (!must) {
        if (apos)
            dst[k++] = '\'';
        memcpy(dst + k, s, n);
        return k + n;
    }
    dst[k++] = '"';
    if (apos)
        dst[k++] = '\'';
    size_t run = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '"') {
            memcpy(dst + k, s + run, i + 1 - run);
            k += i + 1 - run;
            dst[k++] = '"';
            run = i + 1;
        }
    }
    memcpy(dst + k, s + run, n - run);
    k += n - run;
    dst[k++] = '"';
    return k;
}

/* Write a row of ncol values (NULL entries are empty). */
int convp_csvw_row(struct convp_csvw *cw, struct convp_output *out,
                   const struct conv_value *const *vals, size_t ncol, struct conv_error *err)
{
    size_t total = cw->eol_len;
    for (size_t i = 0; i < ncol; i++)
        total += vals[i] ? csv_value_room(vals[i]->len) : 1;
    if (total <= CSV_ROW_RESERVE_MAX) {
        char *dst = convp_output_reserve(out, total, err);
        if (!dst)
            return CONV_ERR;
        size_t k = 0;
        for (size_t i = 0; i < ncol; i++) {
            if (i)
                dst[k++] = (char)cw->delim;
            k += csv_put_value(cw, dst + k, vals[i]);
        }
        memcpy(dst + k, cw->eol, cw->eol_len);
        convp_output_advance(out, k + cw->eol_len);
        return CONV_OK;
    }
    /* A huge row: a value at a time keeps the output buffer smaller. */
    for (size_t i = 0; i < ncol; i++) {
        size_t room = vals[i] ? csv_value_room(vals[i]->len) : 1;
        char *dst = convp_output_reserve(out, room, err);
        if (!dst)
            return CONV_ERR;
        size_t k = 0;
        if (i)
            dst[k++] = (char)cw->delim;
        k += csv_put_value(cw, dst + k, vals[i]);
        convp_output_advance(out, k);
    }
    return convp_output_write(out, cw->eol, cw->eol_len, err);
}

