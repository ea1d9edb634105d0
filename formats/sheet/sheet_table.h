/*
 * Tables made for people (--layout table): finding a sheet's tables, their
 * title, unit, header block, stub and body, and one record per value
 * (sheet_table.c).  Part of the spreadsheet layer's own state.
 */
#ifndef CONV_SHEET_TABLE_H
#define CONV_SHEET_TABLE_H

#include "sheet_book.h"

int convp_table_open(struct convp_book *b);
int convp_table_next(struct convp_book *b, struct conv_record *rec);
void convp_table_free(struct convp_book *b);

/* Declare a layout's fixed fields, in order (their indexes 0..n-1). */
int convp_layout_fields(struct convp_book *b, const char *const *names, const enum conv_type *types,
                        size_t n);

/* A warning that does not stop the reading (the options' diagnostics). */
void convp_table_warn(struct convp_book *b, const char *fmt, ...) CONVP_PRINTF(2, 3);

/* ---- indicator records of a table (sheet_indicators.c) ----------------------------------------
 */

struct convp_ind;
/* A body row: the labels from the top of its path to its own, its code. */
struct ind_row {
    const char *const *path;
    const size_t *path_len;
    const unsigned char *section; /* per label: a section (Phân theo...), not an indicator */
    size_t npath;
    const char *code;
    size_t code_len;
    uint64_t line;
};
/* A value of the row. */
struct ind_value {
    uint32_t col;
    int missing; /* a missing-value mark: no value */
    const char *text;
    size_t len;
    const char *unit;
    const char *note;
    size_t note_len;
    char ref[24]; /* its cell, C9 */
};
/* Declares the profile's fields; NULL with the error set. */
struct convp_ind *convp_ind_new(struct convp_book *b);
void convp_ind_free(struct convp_ind *g);
/* A new sheet, a new table on it (its title and column labels 1..ncols). */
int convp_ind_sheet(struct convp_ind *g, const char *sheet);
int convp_ind_table(struct convp_ind *g, const char *title, char *const *labels, uint32_t ncols);
/* A label of the table's first rows: a region makes it a table of regions. */
int convp_ind_probe(struct convp_ind *g, const char *label, size_t n);
/* The records of a row, each from next(nctx). */
int convp_ind_row(struct convp_ind *g, const struct ind_row *row, const struct ind_value *v,
                  size_t n, struct conv_record *(*next)(void *), void *nctx);

#endif /* CONV_SHEET_TABLE_H */
