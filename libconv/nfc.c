/*
 * Unicode normalization (NFC) and case folding with libutf8proc, through
 * the context allocator.  The test for "already NFC" is exact and cheap:
 * nothing below U+0300 changes under NFC, so text without a byte >= 0xCC
 * is left alone, and so is every precomposed letter of Latin Extended
 * Additional (Vietnamese: U+1E00..U+1EFF); other code points are checked
 * against their utf8proc properties.
 */
#include "conv_private.h"

#include <utf8proc.h>

#if defined(__SSE2__)
#define NFC_SSE2 1
#endif

/* Bytes >= 0xCC in an 8-byte word: high bit set and low 7 bits >= 0x4C. */
#define HIGH8 UINT64_C(0x8080808080808080)
#define LOW7 UINT64_C(0x7F7F7F7F7F7F7F7F)
#define ADD34 UINT64_C(0x3434343434343434)

/* A code point >= U+0300 that NFC leaves as it is wherever it stands: a
 * starter (combining class 0) that is not excluded from composition, can
 * never combine with the character before it and has no canonical
 * decomposition (tests/test_vi_input.c checks this against utf8proc for
 * every code point). */
static int cp_stable(int32_t cp)
{
    if (cp >= 0x1E00 && cp <= 0x1EFF)
        return 1;
    if (cp >= 0x1100 && cp <= 0x11FF)
        return 0; /* Hangul jamo compose algorithmically */
    if (cp >= 0xAC00 && cp <= 0xD7A3)
        return 0; /* a Hangul syllable may take a trailing jamo */
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    if (p->combining_class != 0 || p->comp_exclusion)
        return 0;
    /* A possible second character of a composition pair. */
    if (p->comb_index != UINT16_MAX && p->comb_index >= 0x8000)
        return 0;
    /* A canonical decomposition: a precomposed letter is stable, a
     * singleton (U+212B) is not; let utf8proc decide (rare above U+1EFF). */
    if (p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0)
        return 0;
    return 1;
}

/* Check text[i..] up to at least stop (a character boundary past it):
 * 1 when a code point there may change, else 0 with *at where it ended. */
static int check_from(const unsigned char *p, size_t n, size_t i, size_t stop, size_t *at)
{
    while (i < stop) {
        while (i + 8 <= stop) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            if (v & (((v & LOW7) + ADD34)) & HIGH8)
                break;
            i += 8;
        }
        while (i < stop && p[i] < 0xCC)
            i++;
        if (i >= stop)
            break;
        unsigned c = p[i];
        if (c < 0xE0)
            return 1; /* U+0300..U+07FF: combining marks among them */
        if (c == 0xE1 && i + 2 < n && (p[i + 1] & 0xFC) == 0xB8) {
            i += 3; /* U+1E00..U+1EFF */
            continue;
        }
        int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) {
            i = n; /* not valid UTF-8: not ours to change */
            break;
        }
        if (!cp_stable(cp))
            return 1;
        i += (size_t)k;
    }
    *at = i;
    return 0;
}

int convp_nfc_needed(const char *text, size_t n)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
#ifdef NFC_SSE2
    /* 16 bytes at a time: every byte >= 0xCC must be the lead 0xE1 of a
     * letter U+1E00..U+1EFF (next byte 0xB8..0xBB).  The second load reads
     * p[i + 16], so stop one byte early. */
    const __m128i cc = _mm_set1_epi8((char)0xCC);
    const __m128i e1 = _mm_set1_epi8((char)0xE1);
    const __m128i fc = _mm_set1_epi8((char)0xFC);
    const __m128i b8 = _mm_set1_epi8((char)0xB8);
    while (i + 17 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned hit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, cc), v));
        if (hit) {
            __m128i nx = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 1));
            __m128i ok = _mm_and_si128(_mm_cmpeq_epi8(v, e1),
                                       _mm_cmpeq_epi8(_mm_and_si128(nx, fc), b8));
            if (hit & ~(unsigned)_mm_movemask_epi8(ok)) {
                if (check_from(p, n, i, i + 16, &i))
                    return 1;
                continue;
            }
        }
        i += 16;
    }
#endif
    return check_from(p, n, i, n, &i);
}

/* Map text through utf8proc with options into scratch (code points, then
 * the UTF-8 result in the same memory).  0, or -1 (no memory, or text that
 * utf8proc refuses: *out is then NULL). */
static int map_text(struct convp_buf *scratch, const char *text, size_t n, int options,
                    const char **out, size_t *out_len)
{
    *out = NULL;
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
    /* One pass in the common case: a code point decomposes canonically to
     * at most 4, and there are at most n of them; ask for the size only
     * when that bound is not enough (case folding can expand more). */
    utf8proc_ssize_t want = (utf8proc_ssize_t)n * 4 + 4;
    utf8proc_int32_t *buf = NULL;
    utf8proc_ssize_t got = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t bytes = ((size_t)want + 1) * sizeof(utf8proc_int32_t);
        scratch->len = 0;
        if (scratch->cap < bytes + 1 && convp_buf_grow(scratch, bytes + 1) != 0)
            return -1;
        buf = (utf8proc_int32_t *)(void *)scratch->data;
        got = utf8proc_decompose(s, (utf8proc_ssize_t)n, buf, want, options);
        if (got < 0)
            return 0;
        if (got <= want)
            break;
        want = got;
    }
    if (got > want)
        return 0;
    utf8proc_ssize_t len = utf8proc_reencode(buf, got, options);
    if (len < 0)
        return 0;
    *out = scratch->data;
    *out_len = (size_t)len;
    return 0;
}

int convp_nfc(struct convp_buf *scratch, const char *text, size_t n, const char **out,
              size_t *out_len)
{
    return map_text(scratch, text, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE, out, out_len);
}

int convp_casefold(struct convp_buf *scratch, const char *text, size_t n, const char **out,
                   size_t *out_len)
{
    return map_text(scratch, text, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD,
                    out, out_len);
}

int convp_fold_ascii(struct convp_buf *scratch, const char *text, size_t n, const char **out,
                     size_t *out_len)
{
    if (map_text(scratch, text, n,
                 UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD,
                 out, out_len) != 0)
        return -1;
    if (!*out)
        return 0;
    /* d with stroke has no decomposition: d, in place (2 bytes to 1). */
    char *d = scratch->data;
    size_t k = 0;
    for (size_t i = 0; i < *out_len; i++) {
        if ((unsigned char)d[i] == 0xC4 && i + 1 < *out_len && (unsigned char)d[i + 1] == 0x91) {
            d[k++] = 'd';
            i++;
            continue;
        }
        d[k++] = d[i];
    }
    *out_len = k;
    return 0;
}
