/*
 * The spreadsheet layer's own state, shared by its files: the book
 * (sheet_book.c) and the layouts a book can be read in besides one record
 * per row (sheet_layout.c: one record per cell, tables made for people).
 * Drivers see sheet.h only.
 */
#ifndef CONV_SHEET_BOOK_H
#define CONV_SHEET_BOOK_H

#include "sheet.h"

#include <locale.h>

#define BOOK_MAX_SHEETS 10000
#define BOOK_AUTO_ROWS 20 /* rows looked at for the header, from the first non-empty one */
#define BOOK_MAX_STYLES 1000000
#define BOOK_MAX_FONTS 100000
#define BOOK_MAX_MERGES 1000000

struct book_sheet {
    char *name;
    int kind;
    uint64_t pos;
    int take;
    /* the table, once its header is known */
    uint32_t header_row; /* 0: no header (an empty sheet, or headless) */
    int headless;        /* --no-header: every row a record */
    uint32_t first_col, ncols;
    uint32_t *field; /* per table column */
    /* what was found reading it to its end */
    struct convp_range *merges;
    size_t nmerges, capmerges;
    struct convp_range *hidden; /* hidden columns: col1..col2 of each */
    size_t nhidden, caphidden;
};

/* How the book is read (--layout). */
enum { BOOK_RECORDS, BOOK_CELLS, BOOK_TABLE, BOOK_REPORT };

struct convp_book {
    struct conv_reader *rd;
    struct conv_context *ctx;
    const struct convp_book_ops *ops;
    void *drv;
    locale_t cloc;
    /* options */
    int raw_numbers;
    int rename;
    long header_row;
    int no_header;
    const char *want; /* --sheet */
    /* the book */
    int date1904;
    struct book_sheet *sheets;
    size_t nsheets, capsheets;
    const char *at_sheet; /* the name of the sheet started last */
    struct convp_style *styles;
    size_t nstyles, capstyles;
    char **fonts;
    size_t nfonts, capfonts;
    char **codes; /* number format codes, each its own allocation */
    size_t ncodes, capcodes;
    struct conv_schema *meta; /* from our field sheet, or NULL */
    char *summary_sheet;      /* a sheet of counts our writer made (--summary-by) */
    /* reading */
    size_t *order; /* the sheets read, in order */
    size_t norder;
    size_t cur;    /* in order */
    int started;   /* sheet order[cur] is being read */
    int multi;     /* several sheets: a 'sheet' field */
    uint32_t sheet_field;
    struct convp_row row;
    struct convp_buf tmp;
    int legacy;   /* a style's font is in a legacy encoding (TCVN3, VNI), or --encoding */
    int fallback; /* --encoding: the legacy kind of text cells no font gives one */
    void *fallback_cd; /* its iconv converter (CONVP_LEGACY_ICONV), or NULL */
    struct convp_buf legacy_scratch;
    int mode;     /* BOOK_RECORDS... */
    void *layout; /* the layout's state (sheet_layout.c) */
    size_t report_sheet; /* our report's description (_conv_report): its index + 1, or 0 */
};

/* Copy a row (cells, and their texts into dst's own); free one. */
int convp_row_copy(struct convp_book *b, struct convp_row *dst, const struct convp_row *src);
void convp_row_free(struct convp_book *b, struct convp_row *row);
/* Read sheet i to its end without making values: its merged ranges and
 * hidden columns are then known.  CONV_OK or CONV_ERR. */
int convp_book_skim(struct convp_book *b, size_t i);

/* The layouts of sheet_layout.c: set up at open (after the sheets are
 * picked), one record per call, freed with the book. */
int convp_layout_open(struct convp_book *b);
int convp_layout_next(struct convp_book *b, struct conv_record *rec);
void convp_layout_free(struct convp_book *b);

/* The report layout (sheet_report.c): our report workbook read back. */
int convp_report_open(struct convp_book *b);
int convp_report_next(struct convp_book *b, struct conv_record *rec);
void convp_report_free(struct convp_book *b);

#endif /* CONV_SHEET_BOOK_H */
