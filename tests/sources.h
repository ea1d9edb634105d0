/*
 * Documents handed to a reader through its read callback: a given one a
 * few bytes at a time, so that tokens, records and characters straddle
 * reads (tu_trickle), and a large one made up while it is read (tu_gen);
 * and the CRC-32 of the zips built for the spreadsheet readers.  Plain C
 * with no test framework: the cmocka tests and the fuzz targets share it.
 */
#ifndef CONV_TESTS_SOURCES_H
#define CONV_TESTS_SOURCES_H

#include <stddef.h>
#include <stdint.h>

/*
 * The state behind tu_trickle_read().  Set data and len (pos 0) and one
 * way of cutting: seed alone gives pieces of 1..7 bytes drawn from it
 * (max changes the 7); step gives pieces of exactly step bytes.  A piece
 * is never more than the reader asks for or than is left.  fail_at and lie
 * make a broken source for the input layer's own tests.
 */
struct tu_trickle {
    const void *data;
    size_t len, pos;
    uint32_t seed; /* random pieces: the generator's state, advanced each call */
    size_t max;    /* random pieces are 1..max bytes; 0 means 7 */
    size_t step;   /* nonzero: every piece is step bytes instead */
    int fail_at;   /* nonzero: this call and every later one return -1 */
    long lie;      /* nonzero: each call claims size + lie bytes */
    int calls;     /* calls so far */
};

/* A conv_read_fn over a struct tu_trickle (user). */
long tu_trickle_read(void *user, void *buf, size_t size);

/* A generated document: head, then size bytes of pat repeated (the last
 * copy cut short), then tail; pos counts what was handed out. */
struct tu_gen {
    const char *head;
    const char *pat;
    uint64_t size;
    const char *tail;
    uint64_t pos;
};

/* A conv_read_fn over a struct tu_gen (user), as much as asked for. */
long tu_gen_read(void *user, void *buf, size_t size);

/* The CRC-32 of n bytes (zip's, IEEE 802.3). */
uint32_t tu_crc32(const void *data, size_t n);

#endif
