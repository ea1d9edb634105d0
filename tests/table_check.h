/*
 * Helpers of the --layout table tests (tests/unit/test_sheet_table.c,
 * tests/tools/test_table_real.c): a reading's records kept whole with the
 * warnings it gave, a record found by its sheet and cell, and the
 * expected records of a table written compactly by hand (its columns with
 * their labels and units, its rows with their code, label, path and the
 * value of each cell) compared field by field, every difference printed.
 * Public header only.
 */
#ifndef CONV_TABLE_CHECK_H
#define CONV_TABLE_CHECK_H

#include "testutil.h"
#include "sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields of --layout table, in order. */
enum {
    TT_SHEET,
    TT_CELL,
    TT_TITLE,
    TT_UNIT,
    TT_CODE,
    TT_LABEL,
    TT_PATH,
    TT_COLUMN,
    TT_VALUE,
    TT_NOTE,
    TT_NFIELDS
};
static const char *const tt_field_names[TT_NFIELDS] = {
    "sheet",     "cell",     "title",        "unit",  "row_code",
    "row_label", "row_path", "column_label", "value", "note",
};

/* A record as read: each field's text (NULL when the record lacks the
 * field, or for a null value), the value's type. */
struct tt_rec {
    char *f[TT_NFIELDS];
    enum conv_type vtype;
    int seen; /* matched by a check */
};

/* A whole reading. */
struct tt_got {
    struct tt_rec *r;
    size_t n, cap;
    char **warn; /* the diagnostics' messages */
    size_t nwarn, capwarn;
    int rc;         /* CONV_EOF when the reading ended well */
    char err[1024]; /* else the error */
};

static inline char *tt_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    memcpy(d, s, n);
    return d;
}

static inline void tt_on_diag(void *user, const struct conv_error *e)
{
    struct tt_got *g = user;
    if (g->nwarn == g->capwarn) {
        g->capwarn = g->capwarn ? 2 * g->capwarn : 8;
        g->warn = realloc(g->warn, g->capwarn * sizeof *g->warn);
    }
    g->warn[g->nwarn++] = tt_strdup(e->message);
}

/* Every record of rd into g (which the caller zeroed and whose options
 * carry tt_on_diag). */
static inline void tt_collect(struct tt_got *g, struct conv_reader *rd)
{
    const struct conv_record *rec;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
        if (g->n == g->cap) {
            g->cap = g->cap ? 2 * g->cap : 64;
            g->r = realloc(g->r, g->cap * sizeof *g->r);
        }
        struct tt_rec *t = &g->r[g->n++];
        memset(t, 0, sizeof *t);
        t->vtype = CONV_NULL;
        for (int k = 0; k < TT_NFIELDS; k++) {
            const struct conv_value *v = conv_record_get(rec, tt_field_names[k]);
            if (!v)
                continue;
            if (k == TT_VALUE)
                t->vtype = v->type;
            if (v->type != CONV_NULL)
                t->f[k] = tt_strdup(v->text);
            else if (k != TT_VALUE)
                t->f[k] = tt_strdup(""); /* an empty text field may come as null */
        }
    }
    g->rc = rc;
    if (rc == CONV_ERR) {
        const struct conv_error *e = conv_reader_error(rd);
        conv_error_format(e, g->err, sizeof g->err);
    }
}

/* How a document reaches the reader. */
enum tt_via { TT_FILE, TT_MEMORY, TT_PIPE };

/*
 * Read path with --layout table (and the "name=value" options opts,
 * NULL-terminated or NULL) by way of via: the file by name, its bytes in
 * memory under its name, or through a read callback in pieces of 1..7
 * bytes with no name (as from a pipe: the format from the "from" option).
 * Fails the test when the file cannot be read or the reader not opened.
 */
static inline struct tt_got *tt_read(const char *path, enum tt_via via, const char *const *opts)
{
    struct tt_got *g = calloc(1, sizeof *g);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    if (conv_options_set(o, "layout", "table") != 0)
        fail_msg("option layout=table refused");
    for (size_t i = 0; opts && opts[i]; i++) {
        char name[128];
        const char *eq = strchr(opts[i], '=');
        size_t n = eq ? (size_t)(eq - opts[i]) : strlen(opts[i]);
        snprintf(name, sizeof name, "%.*s", (int)n, opts[i]);
        if (conv_options_set(o, name, eq ? eq + 1 : "1") != 0)
            fail_msg("option %s refused", opts[i]);
    }
    conv_options_set_diag(o, tt_on_diag, g);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = NULL;
    size_t len = 0;
    char *data = NULL;
    struct tu_trickle t;
    memset(&t, 0, sizeof t);
    if (via == TT_FILE) {
        rd = conv_reader_open_file(ctx, path, o, &err);
    } else {
        data = tu_read_file(path, &len);
        if (!data)
            fail_msg("cannot read %s", path);
        const char *base = strrchr(path, '/');
        if (via == TT_MEMORY) {
            rd = conv_reader_open_memory(ctx, data, len, base ? base + 1 : path, o, &err);
        } else {
            t.data = data;
            t.len = len;
            t.seed = 7;
            rd = conv_reader_open_callback(ctx, tu_trickle_read, &t, NULL, o, &err);
        }
    }
    if (!rd) {
        char msg[1024];
        conv_error_format(&err, msg, sizeof msg);
        fail_msg("%s: cannot open: %s", path, msg);
    }
    tt_collect(g, rd);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    free(data);
    return g;
}

static inline void tt_free(struct tt_got *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        for (int k = 0; k < TT_NFIELDS; k++)
            free(g->r[i].f[k]);
    for (size_t i = 0; i < g->nwarn; i++)
        free(g->warn[i]);
    free(g->r);
    free(g->warn);
    free(g);
}

/* The record of sheet!cell (sheet NULL: any sheet), or NULL. */
static inline struct tt_rec *tt_find(struct tt_got *g, const char *sheet, const char *cell)
{
    for (size_t i = 0; i < g->n; i++) {
        struct tt_rec *t = &g->r[i];
        if (t->f[TT_CELL] && !strcmp(t->f[TT_CELL], cell) &&
            (!sheet || (t->f[TT_SHEET] && !strcmp(t->f[TT_SHEET], sheet))))
            return t;
    }
    return NULL;
}

/* The number of records of a sheet. */
static inline size_t tt_count(const struct tt_got *g, const char *sheet)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        n += g->r[i].f[TT_SHEET] && !strcmp(g->r[i].f[TT_SHEET], sheet);
    return n;
}

/* One field compared: 1 and the difference printed when they differ. */
static inline int tt_diff(const char *what, const char *sheet, const char *cell, const char *field,
                          const char *want, const char *got)
{
    if (got && !strcmp(want, got))
        return 0;
    fprintf(stderr, "  %s: %s!%s %s: want '%s', got %s%s%s\n", what, sheet ? sheet : "*", cell,
            field, want, got ? "'" : "", got ? got : "none", got ? "'" : "");
    return 1;
}

/* Differences gathered: the same field wrong the same way in several cells
 * is one line naming the cells. */
struct tt_diffs {
    struct {
        char *key; /* "field: want '...', got '...'" */
        char cells[512];
    } *d;
    size_t n, cap, total;
};

static inline void tt_diffs_add(struct tt_diffs *ds, const char *cell, const char *field,
                                const char *want, const char *got)
{
    char key[4096];
    snprintf(key, sizeof key, "%s: want '%s', got %s%s%s", field, want, got ? "'" : "",
             got ? got : "none", got ? "'" : "");
    ds->total++;
    for (size_t i = 0; i < ds->n; i++)
        if (!strcmp(ds->d[i].key, key)) {
            size_t k = strlen(ds->d[i].cells);
            snprintf(ds->d[i].cells + k, sizeof ds->d[i].cells - k, " %s", cell);
            return;
        }
    if (ds->n == ds->cap) {
        ds->cap = ds->cap ? 2 * ds->cap : 16;
        ds->d = realloc(ds->d, ds->cap * sizeof *ds->d);
    }
    ds->d[ds->n].key = tt_strdup(key);
    snprintf(ds->d[ds->n].cells, sizeof ds->d[ds->n].cells, "%s", cell);
    ds->n++;
}

static inline void tt_field(struct tt_diffs *ds, const char *cell, const char *field,
                            const char *want, const char *got)
{
    if (!got || strcmp(want, got) != 0)
        tt_diffs_add(ds, cell, field, want, got);
}

/* Print the gathered differences under what and free them. */
static inline size_t tt_diffs_flush(struct tt_diffs *ds, const char *what)
{
    for (size_t i = 0; i < ds->n; i++) {
        fprintf(stderr, "  %s: %s [%s]\n", what, ds->d[i].key, ds->d[i].cells);
        free(ds->d[i].key);
    }
    free(ds->d);
    size_t n = ds->total;
    memset(ds, 0, sizeof *ds);
    return n;
}

/* ---- expected tables, written compactly ---------------------------------------------------- */

/* A column of values: its letters, its label, its unit (NULL: each row's). */
struct tt_col {
    const char *col;
    const char *label;
    const char *unit;
};

/*
 * A row of the body: its number; its code, label and path (code NULL is
 * "", path NULL is the label alone); its unit when the columns take the
 * row's (a unit column, a caption); the note of its label's footnote mark
 * (NULL none); then one cell per column, in the columns' order: NULL for
 * a cell that gives no record (empty), else "VALUE" or "VALUE NOTE", VALUE
 * "null" for a missing mark (the mark is the NOTE).  A value with a '.' is
 * a decimal, else an integer.
 */
struct tt_row {
    unsigned row;
    const char *code, *label, *path, *unit, *note;
    const char *v[8];
};

/* A table (or a part of one under its own header): where, its title, its
 * columns and rows. */
struct tt_table {
    const char *sheet, *title;
    const struct tt_col *cols;
    size_t ncols;
    const struct tt_row *rows;
    size_t nrows;
};

#define TT_N(a) (sizeof(a) / sizeof *(a))
#define TT_TABLE(sheet, title, cols, rows) {sheet, title, cols, TT_N(cols), rows, TT_N(rows)}

/*
 * Compare the records of g with the tables (ntab of them): every cell a
 * record with the fields expected, and no other record (of the tables'
 * sheets, or any sheet when all_sheets).  ignore_sheet compares records
 * whatever their sheet field says (a pipe has no file name).  Prints each
 * difference under what; returns their number.
 */
static inline size_t tt_check(struct tt_got *g, const struct tt_table *tabs, size_t ntab,
                              const char *what, int ignore_sheet, int all_sheets)
{
    size_t diffs = 0, want_n = 0;
    struct tt_diffs ds;
    memset(&ds, 0, sizeof ds);
    if (g->rc != CONV_EOF) {
        fprintf(stderr, "  %s: the reading failed: %s\n", what, g->err);
        diffs++;
    }
    for (size_t i = 0; i < g->n; i++)
        g->r[i].seen = 0;
    for (size_t ti = 0; ti < ntab; ti++) {
        const struct tt_table *t = &tabs[ti];
        const char *sheet = ignore_sheet ? NULL : t->sheet;
        for (size_t ri = 0; ri < t->nrows; ri++) {
            const struct tt_row *r = &t->rows[ri];
            for (size_t ci = 0; ci < t->ncols; ci++) {
                const char *spec = r->v[ci];
                if (!spec)
                    continue;
                want_n++;
                char cell[32], value[128];
                const char *note = "";
                snprintf(cell, sizeof cell, "%s%u", t->cols[ci].col, r->row);
                const char *sp = strchr(spec, ' ');
                snprintf(value, sizeof value, "%.*s", (int)(sp ? (size_t)(sp - spec) : strlen(spec)),
                         spec);
                if (sp)
                    note = sp + 1;
                char notes[256];
                snprintf(notes, sizeof notes, "%s%s%s", note, *note && r->note ? " " : "",
                         r->note ? r->note : "");
                struct tt_rec *got = tt_find(g, sheet, cell);
                if (!got) {
                    fprintf(stderr, "  %s: %s!%s: no record (want row '%s', column '%s', value %s)\n",
                            what, t->sheet, cell, r->label, t->cols[ci].label, spec);
                    diffs++;
                    continue;
                }
                if (got->seen) {
                    fprintf(stderr, "  %s: %s!%s: expected twice\n", what, t->sheet, cell);
                    diffs++;
                }
                got->seen = 1;
                const char *unit = t->cols[ci].unit ? t->cols[ci].unit : r->unit;
                char at[96];
                snprintf(at, sizeof at, "%s!%s", t->sheet, cell);
                tt_field(&ds, at, "title", t->title, got->f[TT_TITLE]);
                tt_field(&ds, at, "unit", unit ? unit : "", got->f[TT_UNIT]);
                tt_field(&ds, at, "row_code", r->code ? r->code : "", got->f[TT_CODE]);
                tt_field(&ds, at, "row_label", r->label, got->f[TT_LABEL]);
                tt_field(&ds, at, "row_path", r->path ? r->path : r->label, got->f[TT_PATH]);
                tt_field(&ds, at, "column_label", t->cols[ci].label, got->f[TT_COLUMN]);
                tt_field(&ds, at, "note", notes, got->f[TT_NOTE]);
                if (!strcmp(value, "null")) {
                    if (got->vtype != CONV_NULL) {
                        char g2[160];
                        snprintf(g2, sizeof g2, "%s %s", conv_type_name(got->vtype),
                                 got->f[TT_VALUE] ? got->f[TT_VALUE] : "");
                        tt_diffs_add(&ds, at, "value", "null", g2);
                    }
                } else {
                    enum conv_type type = strchr(value, '.') ? CONV_DECIMAL : CONV_INTEGER;
                    if (!got->f[TT_VALUE] || strcmp(value, got->f[TT_VALUE]) != 0) {
                        tt_diffs_add(&ds, at, "value", value, got->f[TT_VALUE]);
                    } else if (got->vtype != type) {
                        tt_diffs_add(&ds, at, "value's type", conv_type_name(type),
                                     conv_type_name(got->vtype));
                    }
                }
            }
        }
    }
    diffs += tt_diffs_flush(&ds, what);
    for (size_t i = 0; i < g->n; i++) {
        struct tt_rec *r = &g->r[i];
        if (r->seen)
            continue;
        int ours = all_sheets || ignore_sheet;
        for (size_t ti = 0; !ours && ti < ntab; ti++)
            ours = r->f[TT_SHEET] && !strcmp(r->f[TT_SHEET], tabs[ti].sheet);
        if (!ours)
            continue;
        fprintf(stderr, "  %s: %s!%s: a record not expected (row '%s', column '%s', value %s)\n",
                what, r->f[TT_SHEET] ? r->f[TT_SHEET] : "?", r->f[TT_CELL] ? r->f[TT_CELL] : "?",
                r->f[TT_LABEL] ? r->f[TT_LABEL] : "", r->f[TT_COLUMN] ? r->f[TT_COLUMN] : "",
                r->f[TT_VALUE] ? r->f[TT_VALUE] : "null");
        diffs++;
    }
    if (diffs)
        fprintf(stderr, "  %s: %zu difference%s (%zu records expected, %zu read)\n", what, diffs,
                diffs == 1 ? "" : "s", want_n, g->n);
    return diffs;
}

/* ---- warnings ------------------------------------------------------------------------------ */

/* A warning expected: its message holds both texts (b may be NULL). */
struct tt_warn {
    const char *a, *b;
};

/* Every warning expected given once, and no other; returns the
 * differences, printed. */
static inline size_t tt_check_warnings(const struct tt_got *g, const struct tt_warn *w, size_t nw,
                                       const char *what)
{
    size_t diffs = 0;
    char used[64] = {0};
    for (size_t i = 0; i < nw; i++) {
        size_t hits = 0;
        for (size_t k = 0; k < g->nwarn && k < sizeof used; k++)
            if (strstr(g->warn[k], w[i].a) && (!w[i].b || strstr(g->warn[k], w[i].b))) {
                hits++;
                used[k] = 1;
            }
        if (hits != 1) {
            fprintf(stderr, "  %s: want one warning with '%s'%s%s%s, got %zu\n", what, w[i].a,
                    w[i].b ? " and '" : "", w[i].b ? w[i].b : "", w[i].b ? "'" : "", hits);
            diffs++;
        }
    }
    for (size_t k = 0; k < g->nwarn; k++)
        if (k >= sizeof used || !used[k]) {
            fprintf(stderr, "  %s: a warning not expected: %s\n", what, g->warn[k]);
            diffs++;
        }
    return diffs;
}

#endif
