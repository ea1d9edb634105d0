/*
 * Reading a book in another layout than one record per row (--layout):
 * cells, one record per non-empty cell with what a person sees of it
 * (value, type, number format, merged range, bold, indent, font); table,
 * the tables made for people that a sheet holds, one record per value
 * (sheet_table.c).  Rules: docs/tables.md.
 */
#include "sheet_book.h"
#include "sheet_table.h"

#include <stdlib.h>

/* The fields of --layout cells, in order. */
enum {
    CF_SHEET,
    CF_CELL,
    CF_ROW,
    CF_COLUMN,
    CF_VALUE,
    CF_TYPE,
    CF_FORMAT,
    CF_MERGED,
    CF_BOLD,
    CF_INDENT,
    CF_FONT,
    CF_HIDDEN,
    CF_COUNT
};

static const struct {
    const char *name;
    enum conv_type type;
} cell_fields[CF_COUNT] = {
    {"sheet", CONV_STRING},   {"cell", CONV_STRING},          {"row", CONV_INTEGER},
    {"column", CONV_INTEGER}, {"value", CONV_ANY},            {"type", CONV_STRING},
    {"number_format", CONV_STRING}, {"merged", CONV_STRING},  {"bold", CONV_BOOLEAN},
    {"indent", CONV_INTEGER}, {"font", CONV_STRING},          {"hidden", CONV_BOOLEAN},
};

struct cells {
    size_t cur;  /* in b->order */
    int pass;    /* 0: not started; 1: sheet read to its end (merges); 2: giving cells */
    size_t cell; /* the next cell of the row */
    int have_row;
    const struct convp_row *row;
    /* merged ranges by first row, and those over the current row */
    struct convp_range *merges;
    size_t nmerges, next_merge;
    size_t *active;
    size_t nactive, capactive;
};

/* Declare the fixed fields of a layout. */
int convp_layout_fields(struct convp_book *b, const char *const *names,
                        const enum conv_type *types, size_t n)
{
    struct conv_schema *f = b->rd->fields;
    for (size_t i = 0; i < n; i++) {
        long idx = convp_schema_add_name(f, names[i], strlen(names[i]));
        if (idx < 0)
            return convp_book_nomem(b);
        f->fields[idx].type = types[i];
    }
    b->rd->fields_fixed = 1;
    return CONV_OK;
}

static int cmp_range(const void *x, const void *y)
{
    const struct convp_range *a = x, *c = y;
    if (a->row1 != c->row1)
        return a->row1 < c->row1 ? -1 : 1;
    return a->col1 < c->col1 ? -1 : a->col1 > c->col1;
}

static int cells_open(struct convp_book *b)
{
    const char *names[CF_COUNT];
    enum conv_type types[CF_COUNT];
    for (size_t i = 0; i < CF_COUNT; i++) {
        names[i] = cell_fields[i].name;
        types[i] = cell_fields[i].type;
    }
    struct cells *c = convp_calloc(b->ctx, 1, sizeof *c);
    if (!c)
        return convp_book_nomem(b);
    b->layout = c;
    return convp_layout_fields(b, names, types, CF_COUNT);
}

/* The sheet's merged ranges, sorted by their first row. */
static int cells_sheet_merges(struct convp_book *b, struct cells *c, size_t si)
{
    size_t n;
    const struct convp_range *m = convp_book_merges(b, si, &n);
    convp_free(b->ctx, c->merges);
    c->merges = NULL;
    c->nmerges = c->next_merge = c->nactive = 0;
    if (!n)
        return CONV_OK;
    if (!(c->merges = convp_malloc(b->ctx, n * sizeof *m)))
        return convp_book_nomem(b);
    memcpy(c->merges, m, n * sizeof *m);
    qsort(c->merges, n, sizeof *m, cmp_range);
    c->nmerges = n;
    return CONV_OK;
}

/* The merged ranges over row r: those begun at or before it, not ended. */
static int cells_merges_at(struct convp_book *b, struct cells *c, uint32_t r)
{
    size_t k = 0;
    for (size_t i = 0; i < c->nactive; i++)
        if (c->merges[c->active[i]].row2 >= r)
            c->active[k++] = c->active[i];
    c->nactive = k;
    while (c->next_merge < c->nmerges && c->merges[c->next_merge].row1 <= r) {
        if (c->merges[c->next_merge].row2 >= r) {
            if (convp_array_grow(b->ctx, (void **)&c->active, c->nactive, &c->capactive,
                                 sizeof *c->active) != 0)
                return convp_book_nomem(b);
            c->active[c->nactive++] = c->next_merge;
        }
        c->next_merge++;
    }
    return CONV_OK;
}

/* Add a value of text to the record; CONV_OK or CONV_ERR (nomem). */
static int put(struct convp_book *b, struct conv_record *rec, uint32_t field, enum conv_type t,
               const char *text, size_t len, uint64_t line, uint32_t col)
{
    if (convp_record_add(rec, field, t, 0, text, len, line, col) != 0)
        return convp_book_nomem(b);
    return CONV_OK;
}

static int put_num(struct convp_book *b, struct conv_record *rec, uint32_t field, uint64_t v,
                   uint64_t line, uint32_t col)
{
    char s[24];
    int n = snprintf(s, sizeof s, "%llu", (unsigned long long)v);
    return put(b, rec, field, CONV_INTEGER, s, (size_t)n, line, col);
}

static int put_bool(struct convp_book *b, struct conv_record *rec, uint32_t field, int v,
                    uint64_t line, uint32_t col)
{
    return put(b, rec, field, CONV_BOOLEAN, v ? "true" : "false", v ? 4 : 5, line, col);
}

/* The record of one cell. */
static int cell_record(struct convp_book *b, struct cells *c, size_t si,
                       const struct convp_cell *x, struct conv_record *rec)
{
    const struct convp_row *row = c->row;
    const char *sheet = convp_book_sheet_name(b, si);
    const struct convp_style *st = convp_book_style(b, x->style);
    const char *font = convp_book_font(b, st->font);
    char ref[24], col[8], merged[48] = "";
    convp_col_name(x->col, col);
    int rn = snprintf(ref, sizeof ref, "%s%u", col, (unsigned)row->num);
    for (size_t i = 0; i < c->nactive; i++) {
        const struct convp_range *g = &c->merges[c->active[i]];
        if (x->col >= g->col1 && x->col <= g->col2) {
            char a[8], z[8];
            convp_col_name(g->col1, a);
            convp_col_name(g->col2, z);
            snprintf(merged, sizeof merged, "%s%u:%s%u", a, (unsigned)g->row1, z, (unsigned)g->row2);
            break;
        }
    }
    const char *type = x->flags & CONVP_CELL_ERROR ? "error" : conv_type_name(x->type);
    const char *code = st->code ? st->code : "General";
    uint64_t line = row->num;
    convp_record_clear(rec);
    rec->line = line;
    if (put(b, rec, CF_SHEET, CONV_STRING, sheet, strlen(sheet), line, 0) != CONV_OK ||
        put(b, rec, CF_CELL, CONV_STRING, ref, (size_t)rn, line, x->col) != CONV_OK ||
        put_num(b, rec, CF_ROW, row->num, line, x->col) != CONV_OK ||
        put_num(b, rec, CF_COLUMN, x->col, line, x->col) != CONV_OK ||
        put(b, rec, CF_VALUE, x->type, x->text, x->len, line, x->col) != CONV_OK ||
        put(b, rec, CF_TYPE, CONV_STRING, type, strlen(type), line, x->col) != CONV_OK ||
        put(b, rec, CF_FORMAT, CONV_STRING, code, strlen(code), line, x->col) != CONV_OK ||
        (merged[0] ? put(b, rec, CF_MERGED, CONV_STRING, merged, strlen(merged), line, x->col)
                   : put(b, rec, CF_MERGED, CONV_NULL, "", 0, line, x->col)) != CONV_OK ||
        put_bool(b, rec, CF_BOLD, st->bold, line, x->col) != CONV_OK ||
        put_num(b, rec, CF_INDENT, st->indent, line, x->col) != CONV_OK ||
        (font ? put(b, rec, CF_FONT, CONV_STRING, font, strlen(font), line, x->col)
              : put(b, rec, CF_FONT, CONV_NULL, "", 0, line, x->col)) != CONV_OK ||
        put_bool(b, rec, CF_HIDDEN, row->hidden || convp_book_col_hidden(b, si, x->col), line,
                 x->col) != CONV_OK)
        return CONV_ERR;
    return CONV_OK;
}

static int cells_next(struct convp_book *b, struct conv_record *rec)
{
    struct cells *c = b->layout;
    for (;;) {
        if (c->cur >= b->norder)
            return CONV_EOF;
        size_t si = b->order[c->cur];
        if (c->pass == 0) {
            /* Read the sheet to its end first: its merged ranges come last. */
            if (convp_book_skim(b, si) != CONV_OK || cells_sheet_merges(b, c, si) != CONV_OK ||
                convp_book_start(b, si) != CONV_OK)
                return CONV_ERR;
            c->pass = 2;
            c->have_row = 0;
        }
        if (!c->have_row) {
            int rc = convp_book_row(b, &c->row);
            if (rc < 0)
                return CONV_ERR;
            if (rc == 0) {
                c->pass = 0;
                c->cur++;
                continue;
            }
            if (cells_merges_at(b, c, c->row->num) != CONV_OK)
                return CONV_ERR;
            c->have_row = 1;
            c->cell = 0;
        }
        while (c->cell < c->row->n) {
            const struct convp_cell *x = &c->row->cells[c->cell++];
            if (x->type == CONV_NULL || x->len == 0)
                continue;
            return cell_record(b, c, si, x, rec) == CONV_OK ? CONV_OK : CONV_ERR;
        }
        c->have_row = 0;
    }
}

static void cells_free(struct convp_book *b)
{
    struct cells *c = b->layout;
    convp_free(b->ctx, c->merges);
    convp_free(b->ctx, c->active);
    convp_free(b->ctx, c);
}

int convp_layout_open(struct convp_book *b)
{
    switch (b->mode) {
    case BOOK_CELLS:
        return cells_open(b);
    default:
        return convp_table_open(b);
    }
}

int convp_layout_next(struct convp_book *b, struct conv_record *rec)
{
    return b->mode == BOOK_CELLS ? cells_next(b, rec) : convp_table_next(b, rec);
}

void convp_layout_free(struct convp_book *b)
{
    if (!b->layout)
        return;
    if (b->mode == BOOK_CELLS)
        cells_free(b);
    else
        convp_table_free(b);
    b->layout = NULL;
}
