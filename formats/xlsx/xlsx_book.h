/*
 * The XLSX writer's common room: the workbook being written (struct
 * convp_xlsx_book, owned by the driver, xlsx_write.c), the interface every
 * layout implements (struct convp_xlsx_layout: people and plain in
 * xlsx_people.c, report in xlsx_report.c), and the helpers the layouts
 * share (xlsx_book.c): numbers, cell text, widths, wrapping, sheet names.
 * A layout includes this header only, never another layout's file.
 */
#ifndef CONV_XLSX_BOOK_H
#define CONV_XLSX_BOOK_H

#include "xlsx_private.h"

#include <time.h>

#include <xlsxwriter.h>

#define CONVP_XLSX_SHEET_NAME_MAX 31     /* characters */
#define CONVP_XLSX_SHEET_EMPTY "(trống)" /* "(empty)": the name of empty text */
#define CONVP_XLSX_MAX_DECIMALS 30       /* beyond this a number shows as General */
#define CONVP_XLSX_PAPER_A4 9            /* libxlsxwriter's paper size */

/* ---- the workbook and its layouts ---------------------------------------------------------- */

/* The workbook being written: the driver makes it, the layout fills it. */
struct convp_xlsx_book {
    lxw_workbook *wb;   /* from the layout's begin on */
    const char *tmpdir; /* where libxlsxwriter's temporary files go */
    const char *title;  /* the dataset's title (option, header, input name); from begin on */
    time_t created;     /* the dataset's creation time; from begin on */
};

struct convp_xlsx_layout;

/*
 * What a layout does.  The driver calls open once the options are known
 * (before the workbook exists), begin with the header, put per record,
 * finish before it closes the workbook (whose properties it sets), and
 * close in any case.  Errors go to w->err.
 */
struct convp_xlsx_layout_ops {
    int constant_memory; /* rows are written in order as they come */
    /* The layout's state, options checked; NULL on failure.  l is the
     * layout opened (one implementation may serve several). */
    void *(*open)(const struct convp_xlsx_layout *l, struct conv_writer *w,
                  struct convp_xlsx_book *book);
    int (*begin)(void *lay, struct conv_writer *w, const struct conv_schema *h);
    int (*put)(void *lay, struct conv_writer *w, const struct conv_record *rec);
    int (*finish)(void *lay, struct conv_writer *w);
    void (*close)(void *lay); /* after the workbook is freed */
};

/* A layout: what the workbook holds and how it looks (--layout, --plain). */
struct convp_xlsx_layout {
    const char *name;    /* --layout NAME */
    const char *comment; /* after "Written by libconv X.Y.Z" in the document's comments */
    /* The write options only this layout takes (NULL-terminated), or NULL. */
    const char *const *options;
    const struct convp_xlsx_layout_ops *ops;
};

extern const struct convp_xlsx_layout convp_xlsx_layout_people;
extern const struct convp_xlsx_layout convp_xlsx_layout_plain;
extern const struct convp_xlsx_layout convp_xlsx_layout_report;

/* ---- helpers (xlsx_book.c) ---------------------------------------------------------------------
 */

/* w->err set to "out of memory"; CONV_ERR. */
int convp_xlsx_nomem(struct conv_writer *w);
/* A libxlsxwriter error as ours. */
enum conv_errcode convp_xlsx_lxw_code(lxw_error e);
/* w->err set to "what: libxlsxwriter's message"; CONV_ERR. */
int convp_xlsx_lxw_fail(struct conv_writer *w, lxw_error e, const char *what);
/* Grow the array *p of *cap elements of size bytes, n in use, to hold one
 * more: 0, or CONV_ERR with w->err set. */
int convp_xlsx_grow(struct conv_writer *w, void **p, size_t *cap, size_t n, size_t size);
/* The slot a row value (convp_writer_row) came from, for an error's position. */
const struct convp_slot *convp_xlsx_slot_of(const struct conv_value *v);

/* Decode one character of valid UTF-8 at s (n > 0 bytes); returns its length. */
size_t convp_xlsx_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
/* How wide text shows in characters: its longest line, combining marks
 * not counted. */
size_t convp_xlsx_display_width(const char *s, size_t n);
/* The lines text takes wrapped at width characters (at most 27). */
unsigned convp_xlsx_wrap_lines(const char *s, size_t n, size_t width);
/* The cell text for s (Excel's _xHHHH_ escapes escaped): s itself or a
 * copy in b; NULL on nomem. */
const char *convp_xlsx_cell_text(struct convp_buf *b, const char *s, size_t n);
/* A valid sheet name made of text into b, cut to room characters (empty
 * text gives CONVP_XLSX_SHEET_EMPTY); 0 or -1 on nomem. */
int convp_xlsx_sheet_base(struct convp_buf *b, const char *text, size_t n, size_t room);

/* A number as a cell: its value, the decimals its text shows (-1:
 * General) and its width in characters (grouped when asked). */
struct convp_xlsx_number {
    double value;
    int decimals;
    size_t width;
};
/* Plan a number (an integer or JSON number text): 0, or -1 when Excel
 * cannot hold it exactly and it must stay text. */
int convp_xlsx_plan_number(struct conv_context *ctx, const char *s, size_t n, int grouped,
                           struct convp_xlsx_number *num);
/* A decimal printed from a double (2.913148229712206: more digits than
 * Excel shows, as pandas, R and JavaScript print): 0 and num set (General
 * format) when its text is exactly the shortest text that reads back as
 * that double, which our reader gives back from our own workbooks, and
 * libxlsxwriter's 16 digits keep that double; else -1 and it stays text.
 * An integer never: one of 16 digits and more is a code more often than a
 * measure, and Excel would show it rounded. */
int convp_xlsx_plan_float(const char *s, size_t n, struct convp_xlsx_number *num);
/* The number format that shows decimals digits after the point (0 or
 * more), thousands grouped or not: "#,##0.00", "0" (size >= 40). */
void convp_xlsx_number_code(char *code, size_t size, int decimals, int grouped);

#endif /* CONV_XLSX_BOOK_H */
