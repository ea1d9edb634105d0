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
int convp_layout_fields(struct convp_book *b, const char *const *names,
                        const enum conv_type *types, size_t n);

#endif /* CONV_SHEET_TABLE_H */
