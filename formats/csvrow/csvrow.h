/*
 * The delimited-text layer shared by CSV, TSV and SDMX-CSV: UTF-8
 * scanning, the RFC 4180 row reader and the canonical row writer
 * (csvrow.c).  The formats keep what is theirs: options, the header and
 * how a row becomes a record.
 */
#ifndef CONV_CSVROW_H
#define CONV_CSVROW_H

#include "conv_private.h"

#include <stdint.h>

/* ---- UTF-8 ------------------------------------------------------------------ */

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

/* ---- reading rows --------------------------------------------------------------- */

/* The row reader: its buffer and where it is.  Fields other than the
 * options (delim, pad, keep_blank, width) are its own. */
struct convp_csvr {
    struct conv_reader *rd; /* input, source name, error, allocator */
    unsigned char *buf;     /* cap + 16 bytes */
    size_t cap;
    size_t pos;    /* next byte to parse */
    size_t lim;    /* end of the validated bytes: UTF-8 without NUL */
    size_t end;    /* end of the bytes read */
    uint64_t base; /* stream offset of buf[0] */
    int eof;       /* the input has no more bytes */
    int bad;       /* buf[lim] starts invalid text (lim < end) */
    int failed;
    int skip_lf;   /* a CR ended the last line; a LF right after belongs to it */
    unsigned char delim;
    int pad; /* short rows are padded with nulls (else an error) */
    /* 1 for the bytes that end an unquoted field / need a look in quotes
     * (the scalar scan; SSE2 compares with the same three bytes). */
    unsigned char plain_stop[256];
    unsigned char quoted_stop[256];
    uint64_t line; /* line of pos */
    uint64_t col;  /* character column of pos */
    size_t width;  /* columns; 0 until the first row is read */
    struct convp_buf tmp; /* unescaped quoted text; free for the caller between rows */
    int keep_blank; /* a blank line is a row (one null), not skipped */
    /* where the last row read without a width (width 0) ended: line,
     * column and byte offset, for an error about it found later */
    uint64_t end_line, end_col, end_off;
};

/* Set up a reader of rd's input with a delimiter (not a quote or line
 * end): CONV_OK, or CONV_ERR with rd->err set. */
int convp_csvr_init(struct convp_csvr *r, struct conv_reader *rd, unsigned char delim);
/*
 * Read one row into rec: slot i is field i, a value raw text
 * (CONV_VALUE_RAW), an unquoted empty field null, a quoted empty one an
 * empty string.  While width is 0 no width is enforced; then a row of
 * another width is an error (or padded, with pad).  Blank lines are
 * skipped unless width is 1 or keep_blank.  CONV_OK, CONV_EOF or CONV_ERR
 * with rd->err set.
 */
int convp_csvr_row(struct convp_csvr *r, struct conv_record *rec);
/* Set rd->err (the byte offset off when the input is UTF-8) and fail:
 * returns CONV_ERR. */
int convp_csvr_fail(struct convp_csvr *r, enum conv_errcode code, uint64_t line,
                    uint64_t column, uint64_t off, const char *fmt, ...) CONVP_PRINTF(6, 7);
int convp_csvr_nomem(struct convp_csvr *r);
/* Free the buffers; NULL-safe after a zeroed struct. */
void convp_csvr_fini(struct convp_csvr *r);

/* ---- writing rows ---------------------------------------------------------------- */

/* Canonical RFC 4180: a field quoted only when it holds the delimiter, a
 * quote or a line end, "" for an empty string, nothing for a null. */
struct convp_csvw {
    unsigned char delim;
    int excel_safe; /* prefix ' to formula-like text */
    int at_start;   /* nothing written yet: a leading BOM in text needs quotes */
    unsigned char quote[256]; /* 1 for bytes that force quoting */
    char eol[2];
    size_t eol_len;
};

void convp_csvw_init(struct convp_csvw *cw, unsigned char delim, int lf, int excel_safe,
                     int at_start);
/* Write a row of ncol values (NULL entries are empty) and its line end:
 * CONV_OK or CONV_ERR with *err set. */
int convp_csvw_row(struct convp_csvw *cw, struct convp_output *out,
                   const struct conv_value *const *vals, size_t ncol, struct conv_error *err);

#endif /* CONV_CSVROW_H */
