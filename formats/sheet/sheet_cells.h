/*
 * Cell helpers of the spreadsheet layer (XLSX, ODS, XLS): sheet names in
 * references, numbers as Excel shows them, number formats and date
 * serials, errors at a cell.
 */
#ifndef CONV_SHEET_CELLS_H
#define CONV_SHEET_CELLS_H

#include "conv_private.h"

/* A sheet name as Excel writes it in a reference: quoted unless plain. */
void convp_sheet_ref(const char *name, char *out, size_t size);
/*
 * The shortest text of at most 15 significant digits for v: plain for
 * 1e-7 <= |v| < 1e21 (as JavaScript prints numbers), else d.ddde+N.
 * Returns the length; *integral set for a plain integer.  out holds 48.
 */
size_t convp_shortest_number(double v, char *out, int *integral);
/* The same with as few digits as read back to v exactly (15 to 17): the
 * number as stored, for raw-numbers.  out holds 48. */
size_t convp_roundtrip_number(double v, char *out, int *integral);

/* What a number format shows (docs/formats.md, "Excel": numbers and dates). */
enum {
    CONVP_NF_GENERAL,
    CONVP_NF_NUMBER, /* dec: decimals shown */
    CONVP_NF_PERCENT,
    CONVP_NF_OTHER, /* scientific, fraction, text: no padding */
    CONVP_NF_DATE,
    CONVP_NF_DATETIME /* dec: fraction digits of seconds */
};
struct convp_numfmt {
    uint8_t kind;
    uint8_t dec;
};
/* A format code (its first section), or one of Excel's built-in ids. */
struct convp_numfmt convp_numfmt_classify(const char *s, size_t n);
struct convp_numfmt convp_numfmt_builtin(uint32_t id);
/* The code of one of Excel's built-in formats ("#,##0"), or NULL (General,
 * or an id whose code depends on the locale). */
const char *convp_numfmt_builtin_code(uint32_t id);
/*
 * Pad a number's text to the decimals f shows (16 in #,##0.0 is 16.0):
 * the new length with the text in out (size bytes; text may be out), or 0
 * when nothing changes.
 */
size_t convp_numfmt_pad(struct convp_numfmt f, const char *text, size_t len, char *out,
                        size_t size);
/*
 * A date serial as ISO 8601 text in out (at least 48 bytes): a date when f
 * shows no time and v is a whole day, else a date-time rounded to the
 * millisecond.  The 1900 system counts Excel's 29 February 1900; date1904
 * starts at 1904-01-01.  0, -1 for a serial no date can show (negative,
 * past 9999-12-31), -2 for serial 60 of the 1900 system.
 */
int convp_serial_text(double v, int date1904, struct convp_numfmt f, char *out, size_t size,
                      enum conv_type *type, size_t *len);

/*
 * An error at a cell of a sheet (1-based row and column; column 0: the
 * row) in rd->err: "Sheet!B3: message", or "Sheet, row 3: message".
 * Returns CONV_ERR.
 */
int convp_cell_verror(struct conv_reader *rd, enum conv_errcode code, const char *sheet,
                      uint64_t row, uint32_t col, const char *fmt, va_list ap);

#endif /* CONV_SHEET_CELLS_H */
