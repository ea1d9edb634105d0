/*
 * What the CSV reader, writer and format descriptor share: the ops tables,
 * the probe, delimiter parsing and the UTF-8 scanning helpers, all kept
 * inside formats/csv/.
 */
#ifndef CONV_CSV_PRIVATE_H
#define CONV_CSV_PRIVATE_H

#include "conv_private.h"

#include <stdint.h>

/* The two descriptors of this folder (csv_common.c): TSV is CSV with a tab. */
extern const struct conv_format convp_format_tsv;
extern const struct convp_reader_ops convp_csv_reader_ops;
extern const struct convp_writer_ops convp_csv_writer_ops;

/* Probe: 10 for NUL-free valid UTF-8 (a truncated last character is fine,
 * the peek window may cut one), 0 otherwise. */
int convp_csv_probe(const unsigned char *peek, size_t n);

/*
 * Parse a delimiter option value: "tab", "comma", "semicolon", "pipe",
 * "space" or one ASCII character other than a quote, CR, LF or NUL.
 * With allow_auto, "auto" gives 0.  Returns 0, or -1 for a bad value.
 */
int convp_csv_parse_delim(const char *s, int allow_auto, unsigned char *out);

/*
 * Length of the valid UTF-8 prefix of p[0..n) that holds no NUL byte.
 * When the prefix stops at a character cut short by the end of the
 * buffer (valid so far), *truncated is set to 1, else 0.
 */
size_t convp_csv_utf8_scan(const unsigned char *p, size_t n, int *truncated);
/* The same answer, 64 bytes at a step with SSSE3 where the CPU has it. */
size_t convp_csv_utf8_valid(const unsigned char *p, size_t n, int *truncated);

/* Number of characters in valid UTF-8 p[0..n): bytes that are not
 * continuation bytes.  Eight bytes per step. */
static inline size_t convp_csv_chars(const unsigned char *p, size_t n)
{
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        /* A continuation byte is 10xxxxxx: bit 7 set, bit 6 clear. */
        uint64_t c = v & ~(v << 1) & UINT64_C(0x8080808080808080);
        if (c) {
#if defined(__GNUC__)
            cont += (size_t)__builtin_popcountll(c);
#else
            for (; c; c &= c - 1)
                cont++;
#endif
        }
    }
    for (; i < n; i++)
        cont += (p[i] & 0xC0) == 0x80;
    return n - cont;
}

#endif /* CONV_CSV_PRIVATE_H */
