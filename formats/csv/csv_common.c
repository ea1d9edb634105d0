/*
 * The CSV format descriptor and what reader and writer share: the probe
 * (CSV is the low-bidding fallback for any clean UTF-8 text), delimiter
 * option parsing and a UTF-8 validator with an ASCII fast path.
 */
#include "csv_private.h"

#include <string.h>

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

int convp_csv_probe(const unsigned char *peek, size_t n)
{
    int truncated;
    size_t ok = convp_csv_utf8_scan(peek, n, &truncated);
    /* The peek window may end inside a character: that is not a fault. */
    if (ok == n || (truncated && n - ok < 4))
        return 10;
    return 0;
}

int convp_csv_parse_delim(const char *s, int allow_auto, unsigned char *out)
{
    static const struct {
        const char *name;
        char c;
    } names[] = {{"tab", '\t'}, {"comma", ','}, {"semicolon", ';'},
                 {"pipe", '|'}, {"space", ' '}};

    if (!s)
        return -1;
    if (allow_auto && strcmp(s, "auto") == 0) {
        *out = 0;
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = (unsigned char)names[i].c;
            return 0;
        }
    /* One ASCII byte; the quote and line ends are the syntax itself. */
    if (s[0] == '\0' || s[1] != '\0')
        return -1;
    unsigned char c = (unsigned char)s[0];
    if (c >= 0x80 || c == '"' || c == '\r' || c == '\n')
        return -1;
    *out = c;
    return 0;
}

static const char *const csv_extensions[] = {"csv", NULL};
static const char *const tsv_extensions[] = {"tsv", "tab", NULL};

static const struct conv_option_desc csv_options[] = {
    {"delimiter", "CHAR",
     "field delimiter: auto (default), ',', ';', tab, '|' or one ASCII character",
     CONV_OPT_READ},
    {"no-header", NULL, "the first row is data; fields are named 1, 2, ...",
     CONV_OPT_READ},
    {"header-row", "N",
     "the line holding the field names (default: the first row with two or more values, "
     "skipping title rows above it)",
     CONV_OPT_READ},
    {"layout", "records|table|cells",
     "records (default: a header row and a record per row), table (a table made for people: "
     "a record per value with its row and column labels, docs/tables.md) or cells (a record "
     "per non-empty field with its row and column)",
     CONV_OPT_READ},
    {"header-rows", "ROWS",
     "--layout table: the header rows (4-7), instead of those found; SHEET!4-7;SHEET!5-6 sheet "
     "by sheet",
     CONV_OPT_READ},
    {"stub-cols", "COLS",
     "--layout table: the stub columns (A-B), instead of those found; SHEET!A-B sheet by sheet",
     CONV_OPT_READ},
    {"body-rows", "ROWS",
     "--layout table: the rows of values (9-40), instead of those found; SHEET!9-40 sheet by "
     "sheet",
     CONV_OPT_READ},
    {"unit", "TEXT",
     "--layout table: the unit of the values, instead of the unit line's; SHEET!TEXT sheet by "
     "sheet",
     CONV_OPT_READ},
    {"region", "CODE",
     "--layout table --profile indicators: the region of rows that name none (a code of the "
     "profile's list)",
     CONV_OPT_READ},
    {"ragged", "error|pad", "short rows: error (default) or pad with nulls",
     CONV_OPT_READ},
    {"duplicate-names", "error|rename",
     "duplicate column names: error (default) or rename to x_2, x_3 (a column without a name is column_N)",
     CONV_OPT_READ},
    {"out-delimiter", "CHAR", "field delimiter to write (default ',')",
     CONV_OPT_WRITE},
    {"omit-header", NULL, "do not write the header row", CONV_OPT_WRITE},
    {"eol", "crlf|lf", "line end to write (default crlf)", CONV_OPT_WRITE},
    {"bom", NULL, "start the output with a UTF-8 byte-order mark", CONV_OPT_WRITE},
    {"excel-safe", NULL,
     "prefix ' to text starting with = + - @ tab or CR that is not a number",
     CONV_OPT_WRITE},
    {NULL, NULL, NULL, 0}};

const struct conv_format convp_format_csv = {
    .name = "csv",
    .description = "Comma-separated values (RFC 4180), UTF-8, with a header row",
    .extensions = csv_extensions,
    .flags = CONV_FORMAT_NEEDS_HEADER | CONVP_FMT_TEXT | CONVP_FMT_NOTATION,
    .probe = convp_csv_probe,
    .reader = &convp_csv_reader_ops,
    .writer = &convp_csv_writer_ops,
    .options = csv_options,
};

/* Tab-separated values: the same driver with tab as the default delimiter
 * both ways.  No probe: by content, such a file is CSV with a detected tab. */
const struct conv_format convp_format_tsv = {
    .name = "tsv",
    .description = "Tab-separated values (CSV rules with a tab delimiter)",
    .extensions = tsv_extensions,
    .flags = CONV_FORMAT_NEEDS_HEADER | CONVP_FMT_TEXT | CONVP_FMT_NOTATION,
    .probe = NULL,
    .reader = &convp_csv_reader_ops,
    .writer = &convp_csv_writer_ops,
    .options = NULL,
};
