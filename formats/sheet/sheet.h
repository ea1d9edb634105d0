/*
 * The spreadsheet layer: what the XLSX, XLS and ODS readers share above
 * their file formats.  A reader implements a small book driver (list the
 * sheets and styles, start a sheet, give its next row of cells with their
 * values); this layer does the rest once for all of them: the options,
 * which sheets are read, our own field sheet, the header search, column
 * names and the records (docs/formats.md, "Reading" under Excel).
 *
 * Each cell comes with what a person reading the table sees: its value
 * and type, its number format, its style (bold, italic, indent, font) and,
 * per sheet, the merged ranges and hidden rows and columns.
 */
#ifndef CONV_SHEET_H
#define CONV_SHEET_H

#include "conv_private.h"
#include "sheet_cells.h"

/* The name of our own field sheet (the XLSX writer's hidden _conv_fields). */
#define CONVP_META_SHEET "_conv_fields"

/* What a sheet of the book is. */
enum {
    CONVP_SHEET_WORK = 0, /* a worksheet: read */
    CONVP_SHEET_OTHER     /* a chart or dialog sheet: listed nowhere, never read */
};

/* Cell flags. */
#define CONVP_CELL_LASTING 0x1u /* text lives as long as the book (a shared string) */
#define CONVP_CELL_ERROR 0x2u   /* an error value (#N/A, #DIV/0!) given as its text */
#define CONVP_CELL_FORMULA 0x4u /* the cached result of a formula */
#define CONVP_CELL_TEXT_INPUT 0x8u /* from text input (CSV): every value is text */

/* One cell of a row. */
struct convp_cell {
    uint32_t col;        /* 1-based */
    uint32_t style;      /* index into the book's styles (0: the default) */
    enum conv_type type; /* CONV_NULL: no value (a styled empty cell) */
    unsigned flags;
    const char *text; /* NUL-terminated; NULL while the text is at row->text + off */
    size_t off;
    size_t len;
};

/* A row of a sheet: its cells by ascending column, none twice. */
struct convp_row {
    uint32_t num; /* 1-based */
    uint8_t hidden;
    struct convp_cell *cells;
    size_t n, cap;
    struct convp_buf text; /* value texts the driver made (numbers, dates) */
};

/* What a cell looks like, as far as reading a table goes. */
struct convp_style {
    struct convp_numfmt nf;
    const char *code; /* the number format's code ("#,##0.0"), NULL for General */
    uint8_t bold;
    uint8_t italic;
    uint8_t indent; /* indent level */
    uint8_t legacy; /* set by the book: the font's legacy encoding (sheet_legacy.h) */
    uint32_t font;  /* index of the font's name (convp_book_font), CONVP_NO_FONT */
};
#define CONVP_NO_FONT UINT32_MAX

/* A rectangle of cells, 1-based and inclusive. */
struct convp_range {
    uint32_t row1, col1, row2, col2;
};

struct convp_book;

/*
 * A spreadsheet reader's driver.  The book calls open() once, then reads
 * sheets with start(), and row by row with read_row() and values():
 * each sheet from its first row, in the order of the book's list (a
 * driver over one stream may scan forward), any sheet again from its
 * start.  Errors go to the reader's error (convp_book_reader(b)->err)
 * with CONV_ERR or -1.
 */
struct convp_book_ops {
    const char *what;  /* "workbook", "document": in messages */
    uint32_t max_rows; /* rows a sheet can have */
    size_t drv_size;   /* the driver's state, allocated zeroed by the book */
    int one_pass;      /* a stream of one sheet without merged cells or hidden
                          columns (CSV): read once, never skimmed first */
    /* List the sheets (convp_book_add_sheet), styles and fonts. */
    int (*open)(struct convp_book *b, void *drv);
    /* Make sheet i of the list the one read_row() reads, from its start. */
    int (*start)(struct convp_book *b, void *drv, size_t i);
    /* The next row of the sheet with at least one cell, as the file has it:
     * 1, 0 once the sheet has ended and was read to its end (its merged
     * ranges and hidden columns given), -1. */
    int (*read_row)(struct convp_book *b, void *drv);
    /* The row read, with each cell's value, into row: convp_row_clear(),
     * then its cells by convp_row_cell().  CONV_OK or CONV_ERR. */
    int (*values)(struct convp_book *b, void *drv, struct convp_row *row);
    /* Optional: the dataset's title, source and created (into the reader's
     * fields), read when the book is one of ours (it has our field sheet). */
    int (*props)(struct convp_book *b, void *drv);
    /* Free what the driver holds (not drv itself). */
    void (*close)(struct convp_book *b, void *drv);
};

/* The reader of every spreadsheet format, over its book driver:
 *   const struct convp_reader_ops convp_xls_reader_ops = CONVP_BOOK_READER(&xls_book); */
int convp_book_open(struct conv_reader *rd);
int convp_book_next(struct conv_reader *rd, struct conv_record *rec);
void convp_book_close(struct conv_reader *rd);
#define CONVP_BOOK_READER(book)                                                                    \
    {                                                                                              \
        .open = convp_book_open, .next = convp_book_next, .close = convp_book_close, .data = (book) \
    }

/* The reading options every spreadsheet format has, for its option table
 * (each adds its own max-part-size, and the layout: CONVP_SHEET_LAYOUT_OPTION
 * for a reader, its own words for a format that writes too). */
#define CONVP_SHEET_READ_OPTIONS                                                                   \
    {"sheet", "NAME|INDEX",                                                                        \
     "read only this sheet (a name, or 1 for the first); "                                         \
     "default: every sheet, with a 'sheet' field when there are several",                          \
     CONV_OPT_READ},                                                                               \
        {"header-row", "N",                                                                        \
         "the row holding the field names (default: the first row with two or "                    \
         "more values, within 20 rows of the first non-empty one)",                                \
         CONV_OPT_READ},                                                                           \
        {"no-header", NULL,                                                                        \
         "no header row: every row is a record, its fields named by column number "               \
         "(1 for A, 2 for B...)",                                                                  \
         CONV_OPT_READ},                                                                           \
        {"header-rows", "ROWS",\
        "--layout table: the header rows (4-7), instead of those found; SHEET!4-7;SHEET!5-6 sheet "\
        "by sheet",\
        CONV_OPT_READ},\
        {"stub-cols", "COLS",\
        "--layout table: the stub columns (A-B), instead of those found; SHEET!A-B sheet by sheet",\
        CONV_OPT_READ},\
        {"body-rows", "ROWS",\
        "--layout table: the rows of values (9-40), instead of those found; SHEET!9-40 sheet by "\
        "sheet",\
        CONV_OPT_READ},\
        {"unit", "TEXT",\
        "--layout table: the unit of the values, instead of the unit line's; SHEET!TEXT sheet by "\
        "sheet",\
        CONV_OPT_READ},\
        {"region", "CODE",                                                                         \
         "--layout table --profile indicators: the region of rows that name none (a code of "      \
         "the profile's list)",                                                                    \
         CONV_OPT_READ},                                                                           \
        {"raw-numbers", NULL,                                                                      \
         "keep numbers as stored (up to 17 digits) instead of as Excel shows "                     \
         "them (15 significant digits, the format's decimals)",                                    \
         CONV_OPT_READ},                                                                           \
    {                                                                                              \
        "duplicate-names", "error|rename",                                                         \
            "duplicate header names: error (default) or rename to x_2, column_N", CONV_OPT_READ    \
    }

#define CONVP_SHEET_LAYOUT_HELP                                                                    \
    "reading: records (default: a header row and a record per row), table (tables made for "     \
    "people: a record per value with its title, unit, row and column labels; docs/tables.md), "  \
    "cells (a record per non-empty cell with its type, number format, merged range, bold, "      \
    "indent, font) or report (the indicator records of a report conv --layout report wrote, "   \
    "from its visible cells; the default for such a workbook)"
#define CONVP_SHEET_LAYOUT_OPTION                                                                  \
    {                                                                                              \
        "layout", "records|table|cells|report", CONVP_SHEET_LAYOUT_HELP, CONV_OPT_READ             \
    }

/* ---- for drivers ---------------------------------------------------------------------------- */

struct conv_reader *convp_book_reader(const struct convp_book *b);
/* Options every spreadsheet reader has. */
int convp_book_raw_numbers(const struct convp_book *b);
/* CONV_E_NOMEM in the reader's error; CONV_ERR. */
int convp_book_nomem(struct convp_book *b);
/* An error at a cell: "Sheet!B3: message" (col 0: "Sheet, row 3: ...").
 * CONV_ERR. */
int convp_book_cell_error(struct convp_book *b, enum conv_errcode code, const char *sheet,
                          uint64_t row, uint32_t col, const char *fmt, ...) CONVP_PRINTF(6, 7);

/* Add a sheet to the list (at most 10,000); pos locates it for the driver.
 * CONV_OK or CONV_ERR. */
int convp_book_add_sheet(struct convp_book *b, const char *name, size_t len, int kind,
                         uint64_t pos);
size_t convp_book_sheet_count(const struct convp_book *b);
const char *convp_book_sheet_name(const struct convp_book *b, size_t i);
uint64_t convp_book_sheet_pos(const struct convp_book *b, size_t i);
/* The date system: serials count from 1904-01-01 instead of 1900. */
void convp_book_set_date1904(struct convp_book *b, int on);

/* Styles in the order cells refer to them; the first is the default.
 * Without any, every cell has a default style (General, no font). */
int convp_book_add_style(struct convp_book *b, const struct convp_style *s);
/* A number format's code, kept as long as the book: the copy, or NULL
 * with the error set (nomem). */
const char *convp_book_add_code(struct convp_book *b, const char *code, size_t len);
/* A font name: its index, or -1 (nomem). */
long convp_book_add_font(struct convp_book *b, const char *name, size_t len);
/* What the sheet being read has besides its cells. */
int convp_book_add_merge(struct convp_book *b, size_t sheet, const struct convp_range *r);
int convp_book_hide_cols(struct convp_book *b, size_t sheet, uint32_t col1, uint32_t col2);

/* Start a new row numbered num: no cells, no text. */
void convp_row_clear(struct convp_row *row, uint32_t num);
/* A new cell at the end of the row (columns must ascend); NULL on nomem. */
struct convp_cell *convp_row_cell(struct convp_book *b, struct convp_row *row, uint32_t col);
/*
 * The value of a number cell c (its col and style set): as Excel shows it
 * (15 significant digits, padded to its format's decimals), or a date or
 * date-time when the format shows one, or with raw-numbers as stored.
 * stored is the number's text as the file stores it (XLSX, ODS), or NULL
 * to take v (XLS); text it makes goes to row->text.  CONV_OK, or CONV_ERR
 * naming the cell (not a number, not a date Excel can show).
 */
int convp_book_number(struct convp_book *b, struct convp_row *row, struct convp_cell *c,
                      const char *stored, size_t n, double v, const char *sheet);

/* ---- what the layer found ------------------------------------------------------------------- */

/* Read sheet i from its start, row by row (as convp_book_next() does):
 * CONV_OK or CONV_ERR; then 1 with *row (valid until the next call), 0 at
 * the sheet's end, -1. */
int convp_book_start(struct convp_book *b, size_t i);
int convp_book_row(struct convp_book *b, const struct convp_row **row);
/* A style by index (the default one past the end). */
const struct convp_style *convp_book_style(const struct convp_book *b, uint32_t i);
/* A font's name, or NULL. */
const char *convp_book_font(const struct convp_book *b, uint32_t font);
/* The merged ranges of a sheet read to its end. */
const struct convp_range *convp_book_merges(const struct convp_book *b, size_t sheet, size_t *n);
/* 1 when a column of a sheet read to its end is hidden. */
int convp_book_col_hidden(const struct convp_book *b, size_t sheet, uint32_t col);

#endif /* CONV_SHEET_H */
