/*
 * Cell helpers shared by the spreadsheet readers (XLSX, ODS): column
 * letters, sheet names in references, and numbers as Excel shows them.
 */
#ifndef CONV_XLSX_CELLS_H
#define CONV_XLSX_CELLS_H

#include "conv_private.h"

/* Column letters of a 1-based column ("A", "XFD"); out holds 8 bytes. */
void convp_col_name(uint32_t col, char *out);
/* A sheet name as Excel writes it in a reference: quoted unless plain. */
void convp_sheet_ref(const char *name, char *out, size_t size);
/*
 * The shortest text of at most 15 significant digits for v: plain for
 * 1e-7 <= |v| < 1e21 (as JavaScript prints numbers), else d.ddde+N.
 * Returns the length; *integral set for a plain integer.  out holds 48.
 */
size_t convp_shortest_number(double v, char *out, int *integral);

/*
 * Add a sheet's header name: unique within the sheet (local), where a
 * repeat is an error unless rename makes it x_2, x_3 (built in tmp), and
 * then found in or added to the reader's fields, with its position.
 * Returns the field index (*added set when it is new), or -1 with *fail
 * set: CONV_E_STRUCTURE for a repeat, CONV_E_LIMIT past CONVP_MAX_FIELDS,
 * CONV_E_NOMEM.
 */
long convp_sheet_field(struct conv_schema *local, struct conv_schema *fields, const char *name,
                       size_t len, int rename, struct convp_buf *tmp, uint64_t row, uint32_t col,
                       int *added, enum conv_errcode *fail);

#endif /* CONV_XLSX_CELLS_H */
