/*
 * What the readers' libFuzzer targets (formats/<fmt>/fuzz_<fmt>_read.c)
 * share: reader options picked by bits of the input, reading a document to
 * its end from memory and again trickled with every record checked, the
 * round trip through a writer, and containers built in memory.  A broken
 * promise aborts, which libFuzzer and the corpus replay (replay_main.c)
 * report.  Each target adds only what its format needs.
 */
#ifndef CONV_FUZZ_COMMON_H
#define CONV_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv.h"

/* The entry point each target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- options ------------------------------------------------------------------------------ */

/* One row of an option table: name=value is set when (picked & mask) ==
 * bits (a mask of 0 always matches).  A table ends with a NULL name. */
struct fuzz_option {
    uint32_t mask, bits;
    const char *name, *value;
};

/* New options of ctx with every row of table that picked matches. */
struct conv_options *fuzz_options(struct conv_context *ctx, const struct fuzz_option *table,
                                  uint32_t picked);

/* ---- reading ------------------------------------------------------------------------------ */

/*
 * Read doc to its end or its first error, from memory (trickle 0) or
 * through a callback handing it out in pieces of 1..trickle bytes (seeded
 * by its size).  Every value must be as long as it says and in the
 * canonical text of its type, every name non-empty strict UTF-8; a failure
 * must say why and stay failed, an end stay ended.  With w, every record
 * is written to it and must be writable.  out gets the error line, or
 * "N records, digest H" over every name, text and type.  Returns the
 * record count, or -1 when the reading failed.
 */
long fuzz_read(struct conv_context *ctx, const void *doc, size_t n, const struct conv_options *opts,
               size_t trickle, struct conv_writer *w, char *out, size_t out_size);

/* doc read from memory and trickled (fuzz_read): the same records or the
 * same error.  Returns the record count, or -1. */
long fuzz_read_both(struct conv_context *ctx, const void *doc, size_t n,
                    const struct conv_options *opts, size_t trickle);

/*
 * The round trip of an input, in a context of its own, with the options
 * of the three tables that picked matches: data read with read (from
 * memory and, with trickle, trickled too: the same records, output bytes
 * or error) and written with write into memory; that output read with
 * back gives as many records, written again the same bytes, and read once
 * more as many records again.  Returns 1 when data read cleanly, else 0.
 */
int fuzz_round_trip(const uint8_t *data, size_t size, uint32_t picked,
                    const struct fuzz_option *read, const struct fuzz_option *back,
                    const struct fuzz_option *write, size_t trickle);

/* ---- containers --------------------------------------------------------------------------- */

/* A growing byte buffer; free(p) when done. */
struct fuzz_buf {
    uint8_t *p;
    size_t n, cap;
};

/* Append n zero bytes; returns where they start. */
uint8_t *fuzz_buf_grow(struct fuzz_buf *b, size_t n);
/* Append n bytes of s. */
void fuzz_buf_put(struct fuzz_buf *b, const void *s, size_t n);

/* One entry of a stored zip. */
struct fuzz_zip_entry {
    const char *name;
    const void *data;
    size_t len;
};

/* Append a zip of the n entries (at most 16), stored without
 * compression, with right CRCs and central directory. */
void fuzz_zip(struct fuzz_buf *out, const struct fuzz_zip_entry *e, size_t n);

/* ---- spreadsheets ------------------------------------------------------------------------ */

/* The reading options the spreadsheet targets share: bit 1
 * duplicate-names=rename, bit 2 header-row=2, bit 3 raw-numbers, bits 4-5
 * the layout (table, cells, table with the indicators profile), and a
 * 16 MiB bound on a part. */
extern const struct fuzz_option fuzz_book_options[];

/*
 * A spreadsheet target's input: its first byte picks the options from
 * table (bits 1..7; "from" is format) and, when odd, has wrap make a
 * container around the rest (so the fuzzer works on what is inside; wrap
 * may leave out empty to skip the input); then the document is read from
 * memory and trickled, in pieces of 1..trickle bytes (fuzz_read_both).
 */
void fuzz_read_wrapped(const char *format, const uint8_t *data, size_t size,
                       const struct fuzz_option *table,
                       void (*wrap)(struct fuzz_buf *out, const uint8_t *p, size_t n),
                       size_t trickle);

#endif
