/*
 * The report layout of the XLSX writer (--layout report): the table of
 * indicators officials print, made in xlsx_report.c from records held in
 * compact form, and the few helpers of xlsx_write.c it shares (number
 * formats, cell text escapes, widths, sheet names).
 */
#ifndef CONV_XLSX_REPORT_H
#define CONV_XLSX_REPORT_H

#include "xlsx_private.h"

#include <time.h>

#include <xlsxwriter.h>

/* Records a report holds at most: a report is a summary table. */
#define CONVP_XREP_MAX_RECORDS 100000u
/* Text it keeps of them (codes, names, units, numbers) at most. */
#define CONVP_XREP_MAX_TEXT ((size_t)64 << 20)
/* Regions, a sheet each, at most (as the people layout's sheets). */
#define CONVP_XREP_MAX_REGIONS 1000u
/* Cells of its tables (rows times columns, all sheets) at most. */
#define CONVP_XREP_MAX_CELLS 4000000u

/* ---- shared with xlsx_write.c (defined there) ------------------------------------------ */

/* A number as the people layout writes it: its value and the decimals its
 * text shows (-1: General); its width in characters, grouped. */
struct convp_xlsx_number {
    double value;
    int decimals;
    size_t width;
};

/* Plan a number (an integer or JSON number text): 0, or -1 when Excel
 * cannot hold it exactly and it must stay text. */
int convp_xlsx_plan_number(struct conv_context *ctx, const char *s, size_t n,
                           struct convp_xlsx_number *num);
/* The cell text for s (Excel's _xHHHH_ escapes escaped): s itself or a
 * copy in b; NULL on nomem. */
const char *convp_xlsx_cell_text(struct convp_buf *b, const char *s, size_t n);
/* How wide text shows in characters (its longest line; combining marks
 * do not count). */
size_t convp_xlsx_display_width(const char *s, size_t n);
/* The lines text takes wrapped at width characters. */
unsigned convp_xlsx_wrap_lines(const char *s, size_t n, size_t width);
/* A valid sheet name made of text into b, cut to room characters (empty
 * text gives "(trống)"); 0 or -1 on nomem. */
int convp_xlsx_sheet_base(struct convp_buf *b, const char *text, size_t n, size_t room);

/* ---- the report ---------------------------------------------------------------------------- */

struct convp_xrep;

/* The report's options (issuer, place, signer, signer-title, recipients)
 * checked and kept; NULL with w->err set. */
struct convp_xrep *convp_xrep_open(struct conv_writer *w);
/* The header: the fields the report needs must be there.  title is the
 * dataset's title, created the time the heading's date is taken from. */
int convp_xrep_begin(struct convp_xrep *r, struct conv_writer *w, const struct conv_schema *h,
                     const char *title, time_t created);
/* Hold what the report needs of a record. */
int convp_xrep_put(struct convp_xrep *r, struct conv_writer *w, const struct conv_record *rec);
/* Write the sheets (one per region) into wb. */
int convp_xrep_finish(struct convp_xrep *r, struct conv_writer *w, lxw_workbook *wb);
/* NULL is a no-op. */
void convp_xrep_free(struct convp_xrep *r);

#endif /* CONV_XLSX_REPORT_H */
