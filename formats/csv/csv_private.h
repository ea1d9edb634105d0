/*
 * What the CSV reader, writer and format descriptor share: the ops tables,
 * the probe and delimiter parsing (rows and UTF-8 are formats/csvrow/).
 */
#ifndef CONV_CSV_PRIVATE_H
#define CONV_CSV_PRIVATE_H

#include "conv_private.h"
#include "csvrow.h"

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

#endif /* CONV_CSV_PRIVATE_H */
