/*
 * Cell helpers shared by the spreadsheet readers (XLSX, ODS): column
 * letters, sheet names in references, and numbers as Excel shows them.
 */
#ifndef CONV_XLSX_CELLS_H
#define CONV_XLSX_CELLS_H

#include <stddef.h>
#include <stdint.h>

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

#endif /* CONV_XLSX_CELLS_H */
