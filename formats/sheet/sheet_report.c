/*
 * Reading our report workbook back (--layout report; docs/formats.md,
 * "Reading a report back"): one indicator record per value the table
 * shows, taken from the visible cells (what an official may have edited),
 * with the hidden sheet _conv_report (sheet_report.h) saying which indicator
 * each row is (found by its STT) and which period and field each column
 * holds (checked against the column numbers and headings).  What cannot be
 * matched is an error naming the cell, never a guess.
 */
#include "sheet_book.h"
#include "sheet_report.h"
#include "sheet_table.h" /* convp_layout_fields() */

#include "profile/profile.h"

#include <stdlib.h>

#define NONE UINT32_MAX
#define MAX_ENTRIES 2000000u /* rows of the description (a report has fewer) */
#define MAX_DESC_COLS 256    /* columns of the description looked at */

/* ---- the contract's names (sheet_report.h) -------------------------------------------------- */

const char *convp_report_col_name(enum convp_rd_col c)
{
    switch (c) {
    case CONVP_RD_KIND:
        return "kind";
    case CONVP_RD_SHEET:
        return "sheet";
    case CONVP_RD_AT:
        return "at";
    case CONVP_RD_ROLE:
        return "role";
    case CONVP_RD_PERIOD:
        return convp_indicator_field(CONVP_IND_PERIOD);
    case CONVP_RD_HEADING:
        return "heading";
    case CONVP_RD_STATUS:
        return convp_indicator_field(CONVP_IND_STATUS);
    case CONVP_RD_REGION_CODE:
        return convp_indicator_field(CONVP_IND_REGION_CODE);
    case CONVP_RD_REGION_NAME:
        return convp_indicator_field(CONVP_IND_REGION_NAME);
    case CONVP_RD_INDICATOR_CODE:
        return convp_indicator_field(CONVP_IND_INDICATOR_CODE);
    case CONVP_RD_INDICATOR_NAME:
        return convp_indicator_field(CONVP_IND_INDICATOR_NAME);
    case CONVP_RD_PARENT_CODE:
        return convp_indicator_field(CONVP_IND_PARENT_CODE);
    case CONVP_RD_UNIT:
        return convp_indicator_field(CONVP_IND_UNIT);
    case CONVP_RD_COMPUTED:
        return "computed";
    default:
        return "";
    }
}

const char *convp_report_kind_name(enum convp_rd_kind k)
{
    static const char *const names[CONVP_RK_KINDS] = {"version", "sheet",  "column",
                                                      "row",     "status", "computed"};
    return (unsigned)k < CONVP_RK_KINDS ? names[k] : "";
}

/* ---- state --------------------------------------------------------------------------------- */

/* The fields of the records, in order: the indicators profile's that the
 * table shows. */
static const enum convp_indicator_field out_fields[] = {
    CONVP_IND_REGION_CODE,    CONVP_IND_REGION_NAME, CONVP_IND_INDICATOR_CODE,
    CONVP_IND_INDICATOR_NAME, CONVP_IND_PARENT_CODE, CONVP_IND_PERIOD,
    CONVP_IND_VALUE,          CONVP_IND_UNIT,        CONVP_IND_CHANGE_PCT,
    CONVP_IND_PLAN_VALUE,     CONVP_IND_STATUS};
#define NOUT (sizeof out_fields / sizeof out_fields[0])
enum {
    OF_REGION_CODE,
    OF_REGION_NAME,
    OF_CODE,
    OF_NAME,
    OF_PARENT,
    OF_PERIOD,
    OF_VALUE,
    OF_UNIT,
    OF_CHANGE,
    OF_PLAN,
    OF_STATUS
};
_Static_assert(NOUT == OF_STATUS + 1, "out_fields and OF_ agree");

/* What a column of the table holds of a period: its value, the change on
 * the year before, the plan. */
enum { ROLE_VALUE, ROLE_CHANGE, ROLE_PLAN, ROLES };
static const enum convp_indicator_field role_field[ROLES] = {CONVP_IND_VALUE, CONVP_IND_CHANGE_PCT,
                                                             CONVP_IND_PLAN_VALUE};

/* A sheet of the report. */
struct rd_sheet {
    uint32_t name, region_code, region_name; /* text offsets; 0: none */
    uint32_t first, n;                       /* its periods: order[first..first+n) */
    uint32_t maxcol;                         /* its last described column */
    uint8_t seen;                            /* read from the book */
};

/* A period of a sheet: its columns. */
struct rd_slot {
    uint32_t sheet;
    uint32_t period, status; /* text: the period; the value column's status (0: none) */
    uint32_t col[ROLES];     /* 1-based; 0: none */
    uint32_t heading[ROLES]; /* text */
    uint32_t line[ROLES];    /* the description's row, for messages */
};

/* An indicator's row of a sheet. */
struct rd_row {
    uint32_t stt;                      /* text: what finds it */
    uint32_t code, name, parent, unit; /* text; name 0: the table shows the code */
    uint32_t seen;                     /* the sheet's row it was found on, 0 */
};

struct rd {
    struct convp_buf text; /* every text kept, NUL-terminated; offset 0 is "" */
    struct convp_buf key;
    struct rd_sheet *sheets;
    size_t nsheets, capsheets;
    struct rd_slot *slots;
    size_t nslots, capslots;
    uint32_t *order; /* the slots by sheet, then value column */
    struct rd_row *rows;
    size_t nrows, caprows;
    uint32_t *status; /* by status_keys: a value's own status (text, 0: none) */
    size_t nstatus, capstatus;
    uint32_t *computed; /* by computed_keys: a computed change as shown (text) */
    size_t ncomputed, capcomputed;
    /* keys: sheet name; sheet|period; sheet|STT; sheet|STT|period (twice) */
    struct conv_schema *sheet_keys, *slot_keys, *row_keys, *status_keys, *computed_keys;
    /* reading */
    size_t cur;               /* in b->order */
    int phase;                /* 0: a sheet to start; 1: its header to find; 2: its body */
    uint32_t sh;              /* the sheet read, in sheets */
    struct convp_row prev[2]; /* the rows before, while the header is looked for */
    unsigned char *described; /* per column of the sheet read: a column of the report */
    size_t capdescribed;
    int in_row;      /* b->row is a table row whose records are being given */
    uint32_t rr;     /* its indicator, in rows */
    uint32_t slot;   /* the next period of it */
    int warned_gone; /* the sheets not found were reported */
};

static const char *txt(const struct rd *s, uint32_t off)
{
    return s->text.data + off;
}

/* Keep n bytes of p; *off gets where (0 for none). */
static int keep(struct convp_book *b, struct rd *s, const char *p, size_t n, uint32_t *off)
{
    *off = 0;
    if (!n)
        return CONV_OK;
    if (s->text.len + n + 1 > UINT32_MAX / 2)
        return convp_book_cell_error(b, CONV_E_LIMIT, CONVP_REPORT_SHEET, 0, 0,
                                     "the report's description holds too much text");
    *off = (uint32_t)s->text.len;
    if (convp_buf_append(&s->text, p, n) != 0 || convp_buf_putc(&s->text, '\0') != 0)
        return convp_book_nomem(b);
    return CONV_OK;
}

/* The key of parts joined by a unit separator, in s->key. */
static int make_key(struct convp_book *b, struct rd *s, uint32_t sheet, const char *a,
                    const char *c)
{
    char num[16];
    int n = snprintf(num, sizeof num, "%u", (unsigned)sheet);
    s->key.len = 0;
    if (convp_buf_append(&s->key, num, (size_t)n) != 0 ||
        (a &&
         (convp_buf_putc(&s->key, '\x1f') != 0 || convp_buf_append(&s->key, a, strlen(a)) != 0)) ||
        (c &&
         (convp_buf_putc(&s->key, '\x1f') != 0 || convp_buf_append(&s->key, c, strlen(c)) != 0)) ||
        !convp_buf_cstr(&s->key))
        return convp_book_nomem(b);
    return CONV_OK;
}

static long find_key(const struct conv_schema *dict, const struct rd *s)
{
    return convp_schema_find_n(dict, s->key.data, s->key.len);
}

/* A cell's text (any type), "" for none. */
static const char *cell_text(const struct convp_cell *c)
{
    return c && c->type != CONV_NULL ? c->text : "";
}

static int is_empty(const struct convp_cell *c)
{
    return !c || c->type == CONV_NULL || c->len == 0;
}

/* The cell of row at col (cells ascend by column), or NULL. */
static const struct convp_cell *cell_at(const struct convp_row *row, uint32_t col)
{
    size_t lo = 0, hi = row->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (row->cells[mid].col < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < row->n && row->cells[lo].col == col ? &row->cells[lo] : NULL;
}

/* Column letters (A..XFD) as a number; 0 when they are none. */
static uint32_t col_of(const char *p)
{
    uint32_t c = 0;
    size_t n = 0;
    for (; *p >= 'A' && *p <= 'Z'; p++, n++)
        c = c * 26 + (uint32_t)(*p - 'A' + 1);
    return *p || n == 0 || n > 3 || c > 16384 ? 0 : c;
}

/* ---- the description ------------------------------------------------------------------------ */

/* Grow a payload array to hold index i (the dictionary's new entry). */
static int payload(struct convp_book *b, uint32_t **v, size_t *n, size_t *cap, long i,
                   uint32_t value)
{
    if ((size_t)i != *n) /* a dictionary gives its entries in order */
        return convp_book_nomem(b);
    if (convp_array_grow(b->ctx, (void **)v, *n, cap, sizeof **v) != 0)
        return convp_book_nomem(b);
    (*v)[(*n)++] = value;
    return CONV_OK;
}

/* An error at a cell of the description. */
static int desc_error(struct convp_book *b, uint32_t row, uint32_t col, const char *msg,
                      const char *what)
{
    return convp_book_cell_error(b, CONV_E_STRUCTURE, CONVP_REPORT_SHEET, row, col,
                                 "the report's description: %s%.80s", msg, what ? what : "");
}

/* One entry of the description (v: its cells by column, NULL when empty). */
static int entry(struct convp_book *b, struct rd *s, uint32_t line,
                 const struct convp_cell *const *v, const uint32_t *colno, int *version)
{
    const char *kind = cell_text(v[CONVP_RD_KIND]);
    int k = 0;
    while (k < CONVP_RK_KINDS && strcmp(kind, convp_report_kind_name((enum convp_rd_kind)k)))
        k++;
    if (k == CONVP_RK_KINDS)
        return desc_error(b, line, colno[CONVP_RD_KIND], "no entry of the kind ", kind);
    /* What each kind needs. */
    static const unsigned char needs[CONVP_RK_KINDS][CONVP_RD_COLS] = {
        [CONVP_RK_VERSION] = {[CONVP_RD_AT] = 1},
        [CONVP_RK_SHEET] = {[CONVP_RD_SHEET] = 1},
        [CONVP_RK_COLUMN] =
            {[CONVP_RD_SHEET] = 1, [CONVP_RD_AT] = 1, [CONVP_RD_ROLE] = 1, [CONVP_RD_PERIOD] = 1},
        [CONVP_RK_ROW] = {[CONVP_RD_SHEET] = 1, [CONVP_RD_AT] = 1, [CONVP_RD_INDICATOR_CODE] = 1},
        [CONVP_RK_STATUS] = {[CONVP_RD_SHEET] = 1, [CONVP_RD_AT] = 1, [CONVP_RD_PERIOD] = 1},
        [CONVP_RK_COMPUTED] = {[CONVP_RD_SHEET] = 1,
                               [CONVP_RD_AT] = 1,
                               [CONVP_RD_PERIOD] = 1,
                               [CONVP_RD_COMPUTED] = 1},
    };
    for (int c = 0; c < CONVP_RD_COLS; c++)
        if (needs[k][c] && is_empty(v[c])) {
            char what[96];
            snprintf(what, sizeof what, "%s (column '%s')", kind,
                     convp_report_col_name((enum convp_rd_col)c));
            return desc_error(b, line, colno[c] ? colno[c] : 1,
                              "an entry without what it needs: ", what);
        }
    if (k == CONVP_RK_VERSION) {
        const char *at = cell_text(v[CONVP_RD_AT]);
        long ver = convp_is_integer(at, strlen(at)) && strlen(at) < 9 ? atol(at) : -1;
        if (ver > CONVP_REPORT_VERSION)
            return convp_book_cell_error(b, CONV_E_UNSUPPORTED, CONVP_REPORT_SHEET, line,
                                         colno[CONVP_RD_AT],
                                         "the report was described by a newer libconv "
                                         "(description version %ld; this one reads %d)",
                                         ver, CONVP_REPORT_VERSION);
        if (ver != CONVP_REPORT_VERSION || *version)
            return desc_error(b, line, colno[CONVP_RD_AT], "a version that is not 1: ", at);
        *version = 1;
        return CONV_OK;
    }
    if (!*version)
        return desc_error(b, line, colno[CONVP_RD_KIND], "an entry before the version: ", kind);
    const char *sheet = cell_text(v[CONVP_RD_SHEET]);
    long si = convp_schema_find_n(s->sheet_keys, sheet, strlen(sheet));
    if (k == CONVP_RK_SHEET) {
        if (si >= 0)
            return desc_error(b, line, colno[CONVP_RD_SHEET], "a sheet described twice: ", sheet);
        long i = convp_schema_add_name(s->sheet_keys, sheet, strlen(sheet));
        if (i < 0 || (size_t)i != s->nsheets ||
            convp_array_grow(b->ctx, (void **)&s->sheets, s->nsheets, &s->capsheets,
                             sizeof *s->sheets) != 0)
            return convp_book_nomem(b);
        struct rd_sheet *sh = &s->sheets[s->nsheets++];
        memset(sh, 0, sizeof *sh);
        const struct convp_cell *rc = v[CONVP_RD_REGION_CODE], *rn = v[CONVP_RD_REGION_NAME];
        if (keep(b, s, sheet, strlen(sheet), &sh->name) != CONV_OK ||
            (rc && keep(b, s, rc->text, rc->len, &sh->region_code) != CONV_OK) ||
            (rn && keep(b, s, rn->text, rn->len, &sh->region_name) != CONV_OK))
            return CONV_ERR;
        return CONV_OK;
    }
    if (si < 0)
        return desc_error(b, line, colno[CONVP_RD_SHEET],
                          "an entry of a sheet not described: ", sheet);
    const char *at = cell_text(v[CONVP_RD_AT]);
    const char *period = cell_text(v[CONVP_RD_PERIOD]);
    if (k == CONVP_RK_COLUMN) {
        const char *role = cell_text(v[CONVP_RD_ROLE]);
        int r = 0;
        while (r < ROLES && strcmp(role, convp_indicator_field(role_field[r])))
            r++;
        if (r == ROLES)
            return desc_error(b, line, colno[CONVP_RD_ROLE], "a column of no known role: ", role);
        uint32_t col = col_of(at);
        if (col < 4)
            return desc_error(b, line, colno[CONVP_RD_AT], "no column of values: ", at);
        if (make_key(b, s, (uint32_t)si, period, NULL) != CONV_OK)
            return CONV_ERR;
        long pi = find_key(s->slot_keys, s);
        if (r == ROLE_VALUE) {
            if (pi >= 0)
                return desc_error(b, line, colno[CONVP_RD_PERIOD],
                                  "a period with two value columns: ", period);
            pi = convp_schema_add_name(s->slot_keys, s->key.data, s->key.len);
            if (pi < 0 || (size_t)pi != s->nslots ||
                convp_array_grow(b->ctx, (void **)&s->slots, s->nslots, &s->capslots,
                                 sizeof *s->slots) != 0)
                return convp_book_nomem(b);
            struct rd_slot *sl = &s->slots[s->nslots++];
            memset(sl, 0, sizeof *sl);
            sl->sheet = (uint32_t)si;
            const struct convp_cell *st = v[CONVP_RD_STATUS];
            if (keep(b, s, period, strlen(period), &sl->period) != CONV_OK ||
                (st && keep(b, s, st->text, st->len, &sl->status) != CONV_OK))
                return CONV_ERR;
        } else if (pi < 0) {
            return desc_error(
                b, line, colno[CONVP_RD_PERIOD],
                "a change or plan column of a period without a value column: ", period);
        }
        struct rd_slot *sl = &s->slots[pi];
        if (sl->col[r])
            return desc_error(b, line, colno[CONVP_RD_ROLE], "a period with two columns of ", role);
        sl->col[r] = col;
        sl->line[r] = line;
        const struct convp_cell *h = v[CONVP_RD_HEADING];
        if (h && keep(b, s, h->text, h->len, &sl->heading[r]) != CONV_OK)
            return CONV_ERR;
        if (col > s->sheets[si].maxcol)
            s->sheets[si].maxcol = col;
        return CONV_OK;
    }
    if (k == CONVP_RK_ROW) {
        if (make_key(b, s, (uint32_t)si, at, NULL) != CONV_OK)
            return CONV_ERR;
        if (find_key(s->row_keys, s) >= 0)
            return desc_error(b, line, colno[CONVP_RD_AT], "two rows numbered ", at);
        long i = convp_schema_add_name(s->row_keys, s->key.data, s->key.len);
        if (i < 0 || (size_t)i != s->nrows ||
            convp_array_grow(b->ctx, (void **)&s->rows, s->nrows, &s->caprows, sizeof *s->rows) !=
                0)
            return convp_book_nomem(b);
        struct rd_row *rw = &s->rows[s->nrows++];
        memset(rw, 0, sizeof *rw);
        if (keep(b, s, at, strlen(at), &rw->stt) != CONV_OK)
            return CONV_ERR;
        static const int cols[] = {CONVP_RD_INDICATOR_CODE, CONVP_RD_INDICATOR_NAME,
                                   CONVP_RD_PARENT_CODE, CONVP_RD_UNIT};
        uint32_t *offs[] = {&rw->code, &rw->name, &rw->parent, &rw->unit};
        for (size_t c = 0; c < 4; c++)
            if (v[cols[c]] && keep(b, s, v[cols[c]]->text, v[cols[c]]->len, offs[c]) != CONV_OK)
                return CONV_ERR;
        return CONV_OK;
    }
    /* a value's own status, or a computed change */
    int is_status = k == CONVP_RK_STATUS;
    struct conv_schema *dict = is_status ? s->status_keys : s->computed_keys;
    if (make_key(b, s, (uint32_t)si, at, period) != CONV_OK)
        return CONV_ERR;
    if (find_key(dict, s) >= 0)
        return desc_error(b, line, colno[CONVP_RD_AT], "an entry given twice: ", kind);
    const struct convp_cell *t = v[is_status ? CONVP_RD_STATUS : CONVP_RD_COMPUTED];
    uint32_t off = 0;
    long i = convp_schema_add_name(dict, s->key.data, s->key.len);
    if (i < 0)
        return convp_book_nomem(b);
    if (t && keep(b, s, t->text, t->len, &off) != CONV_OK)
        return CONV_ERR;
    return is_status ? payload(b, &s->status, &s->nstatus, &s->capstatus, i, off)
                     : payload(b, &s->computed, &s->ncomputed, &s->capcomputed, i, off);
}

static int slot_cmp(const void *x, const void *y, void *arg)
{
    const struct rd_slot *sl = arg;
    const struct rd_slot *a = &sl[*(const uint32_t *)x], *c = &sl[*(const uint32_t *)y];
    if (a->sheet != c->sheet)
        return a->sheet < c->sheet ? -1 : 1;
    return a->col[ROLE_VALUE] < c->col[ROLE_VALUE] ? -1 : a->col[ROLE_VALUE] > c->col[ROLE_VALUE];
}

/* Read the hidden sheet: a header row naming its columns, then the entries. */
static int read_description(struct convp_book *b, struct rd *s)
{
    size_t si = b->report_sheet - 1;
    if (convp_book_start(b, si) != CONV_OK)
        return CONV_ERR;
    const struct convp_row *row;
    int rc, have_header = 0, version = 0;
    int map[MAX_DESC_COLS + 1]; /* sheet column -> description column, -1 */
    uint32_t colno[CONVP_RD_COLS] = {0};
    size_t entries = 0;
    while ((rc = convp_book_row(b, &row)) == 1) {
        if (!have_header) {
            for (size_t c = 0; c <= MAX_DESC_COLS; c++)
                map[c] = -1;
            for (size_t i = 0; i < row->n; i++) {
                const struct convp_cell *c = &row->cells[i];
                if (c->col > MAX_DESC_COLS || is_empty(c))
                    continue;
                for (int d = 0; d < CONVP_RD_COLS; d++)
                    if (!colno[d] &&
                        !strcmp(c->text, convp_report_col_name((enum convp_rd_col)d))) {
                        map[c->col] = d;
                        colno[d] = c->col;
                    }
            }
            if (!colno[CONVP_RD_KIND])
                return desc_error(b, row->num, 1, "no column 'kind' in its header", NULL);
            have_header = 1;
            continue;
        }
        const struct convp_cell *v[CONVP_RD_COLS] = {NULL};
        for (size_t i = 0; i < row->n; i++) {
            const struct convp_cell *c = &row->cells[i];
            if (c->col <= MAX_DESC_COLS && map[c->col] >= 0 && !is_empty(c))
                v[map[c->col]] = c;
        }
        if (!v[CONVP_RD_KIND])
            continue;
        if (++entries > MAX_ENTRIES)
            return convp_book_cell_error(b, CONV_E_LIMIT, CONVP_REPORT_SHEET, row->num, 1,
                                         "the report's description has more than %u entries",
                                         MAX_ENTRIES);
        if (entry(b, s, row->num, v, colno, &version) != CONV_OK)
            return CONV_ERR;
    }
    if (rc < 0)
        return CONV_ERR;
    if (!version)
        return desc_error(b, 1, 1, "no version entry (is it one conv wrote?)", NULL);
    /* each sheet's periods in column order */
    if (!(s->order = convp_malloc(b->ctx, (s->nslots ? s->nslots : 1) * sizeof *s->order)))
        return convp_book_nomem(b);
    for (size_t i = 0; i < s->nslots; i++)
        s->order[i] = (uint32_t)i;
    qsort_r(s->order, s->nslots, sizeof *s->order, slot_cmp, s->slots);
    for (size_t i = 0; i < s->nslots; i++) {
        struct rd_sheet *sh = &s->sheets[s->slots[s->order[i]].sheet];
        if (!sh->n)
            sh->first = (uint32_t)i;
        sh->n++;
    }
    return CONV_OK;
}

/* ---- the layout ------------------------------------------------------------------------------ */

int convp_report_open(struct convp_book *b)
{
    struct rd *s = convp_calloc(b->ctx, 1, sizeof *s);
    if (!s)
        return convp_book_nomem(b);
    b->layout = s;
    convp_buf_init(&s->text, b->ctx);
    convp_buf_init(&s->key, b->ctx);
    for (int i = 0; i < 2; i++)
        convp_buf_init(&s->prev[i].text, b->ctx);
    s->sheet_keys = conv_schema_new(b->ctx);
    s->slot_keys = conv_schema_new(b->ctx);
    s->row_keys = conv_schema_new(b->ctx);
    s->status_keys = conv_schema_new(b->ctx);
    s->computed_keys = conv_schema_new(b->ctx);
    if (!s->sheet_keys || !s->slot_keys || !s->row_keys || !s->status_keys || !s->computed_keys ||
        convp_buf_putc(&s->text, '\0') != 0)
        return convp_book_nomem(b);
    const struct convp_profile *p = convp_profile_indicators();
    const char *names[NOUT];
    enum conv_type types[NOUT];
    for (size_t i = 0; i < NOUT; i++) {
        names[i] = p->fields[out_fields[i]].name;
        types[i] = p->fields[out_fields[i]].type;
    }
    if (convp_layout_fields(b, names, types, NOUT) != CONV_OK)
        return CONV_ERR;
    if (!b->report_sheet) {
        convp_error_set(&b->rd->err, CONV_E_STRUCTURE, b->rd->source, 0, 0,
                        "--layout report reads a report workbook that conv --layout report "
                        "wrote, with its hidden sheet %s; this %s has none (--layout table "
                        "reads other tables)",
                        CONVP_REPORT_SHEET, b->ops->what);
        return CONV_ERR;
    }
    return read_description(b, s);
}

/* A warning that does not stop the reading (the options' diagnostic callback). */
static void warn(struct convp_book *b, const char *fmt, ...) CONVP_PRINTF(2, 3);
static void warn(struct convp_book *b, const char *fmt, ...)
{
    struct conv_error e;
    conv_error_clear(&e);
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&e, CONV_E_STRUCTURE, b->rd->source, 0, 0, fmt, ap);
    va_end(ap);
    convp_diag(b->rd->opts, &e);
}

/* Whether a row is the table's row of column numbers: A, B, C in its
 * first three cells. */
static int numbers_row(const struct convp_row *row)
{
    static const char *const abc[] = {"A", "B", "C"};
    for (uint32_t c = 1; c <= 3; c++) {
        const struct convp_cell *x = cell_at(row, c);
        if (is_empty(x) || strcmp(x->text, abc[c - 1]) != 0)
            return 0;
    }
    return 1;
}

/* The row numbered num among the two kept before the header, or NULL. */
static const struct convp_row *kept(const struct rd *s, uint32_t num)
{
    for (int i = 0; i < 2; i++)
        if (s->prev[i].num == num && num)
            return &s->prev[i];
    return NULL;
}

static const char *role_name(int r)
{
    return convp_indicator_field(role_field[r]);
}

/* The row of column numbers found at row: each column of the report must
 * be numbered as conv numbered it and have its heading above. */
static int check_header(struct convp_book *b, struct rd *s, size_t si, const struct convp_row *row)
{
    const struct rd_sheet *sh = &s->sheets[s->sh];
    const char *name = convp_book_sheet_name(b, si);
    size_t need = (size_t)sh->maxcol + 1;
    if (need > s->capdescribed) {
        unsigned char *q = convp_realloc(b->ctx, s->described, need);
        if (!q)
            return convp_book_nomem(b);
        s->described = q;
        s->capdescribed = need;
    }
    memset(s->described, 0, need);
    for (uint32_t k = 0; k < sh->n; k++) {
        const struct rd_slot *sl = &s->slots[s->order[sh->first + k]];
        for (int r = 0; r < ROLES; r++) {
            uint32_t col = sl->col[r];
            if (!col)
                continue;
            char letters[8], want[16];
            convp_col_name(col, letters);
            if (s->described[col])
                return desc_error(b, sl->line[r], 1, "a column described twice: ", letters);
            s->described[col] = 1;
            snprintf(want, sizeof want, "%u", (unsigned)(col - 3));
            const struct convp_cell *x = cell_at(row, col);
            if (is_empty(x) || strcmp(x->text, want) != 0)
                return convp_book_cell_error(
                    b, CONV_E_STRUCTURE, name, row->num, col,
                    "the table's column %s (%s of %s) is numbered '%.20s', not '%s' as conv "
                    "wrote it: columns were added, removed or moved, so the values cannot be "
                    "matched to their periods",
                    letters, role_name(r), txt(s, sl->period), cell_text(x), want);
            /* a value's heading spans both header rows; a change's or a
             * plan's is under its group's */
            uint32_t back = r == ROLE_VALUE ? 2 : 1;
            uint32_t hrow = row->num > back ? row->num - back : row->num;
            const struct convp_row *h = row->num > back ? kept(s, hrow) : NULL;
            const struct convp_cell *hc = h ? cell_at(h, col) : NULL;
            if (strcmp(cell_text(hc), txt(s, sl->heading[r])) != 0)
                return convp_book_cell_error(
                    b, CONV_E_STRUCTURE, name, hrow, col,
                    "the heading of the table's column %s is '%.60s', not '%.60s' as conv "
                    "wrote it for %s of %s: the column may no longer hold that",
                    letters, cell_text(hc), txt(s, sl->heading[r]), role_name(r),
                    txt(s, sl->period));
        }
    }
    return CONV_OK;
}

/* Missing-value marks an official may type instead of a number. */
static int missing_mark(const char *t, size_t n)
{
    while (n && t[0] == ' ')
        t++, n--;
    while (n && t[n - 1] == ' ')
        n--;
    static const char *const marks[] = {"-", "–", "—", "..", "...", "…", "x", NULL};
    for (int i = 0; marks[i]; i++)
        if (strlen(marks[i]) == n && !memcmp(marks[i], t, n))
            return 1;
    return 0;
}

/* A number of the table: 1 (its text), 0 none (empty, a missing mark),
 * -1 (not a number: the error set). */
static int number_of(struct convp_book *b, const char *sheet, uint32_t line,
                     const struct convp_cell *c, const char *what, const char **text, size_t *len)
{
    if (is_empty(c) || (c->type == CONV_STRING && missing_mark(c->text, c->len)))
        return 0;
    if ((c->type == CONV_INTEGER || c->type == CONV_DECIMAL ||
         (c->type == CONV_STRING && !(c->flags & CONVP_CELL_ERROR))) &&
        (convp_is_integer(c->text, c->len) || convp_is_decimal(c->text, c->len))) {
        *text = c->text;
        *len = c->len;
        return 1;
    }
    convp_book_cell_error(b, CONV_E_TYPE, sheet, line, c->col, "'%.40s' is not a number (%s)",
                          c->text, what);
    return -1;
}

static int put(struct convp_book *b, struct conv_record *rec, uint32_t field, enum conv_type t,
               const char *text, size_t len, uint64_t line, uint32_t col)
{
    if (!text || !len) {
        t = CONV_NULL;
        text = "";
        len = 0;
    }
    if (convp_record_add(rec, field, t, 0, text, len, line, col) != 0)
        return convp_book_nomem(b);
    return CONV_OK;
}

static int put_text(struct convp_book *b, struct conv_record *rec, uint32_t field,
                    const struct rd *s, uint32_t off, uint64_t line, uint32_t col)
{
    return put(b, rec, field, CONV_STRING, txt(s, off), strlen(txt(s, off)), line, col);
}

/* The record of period k of the table row in b->row: 1 made, 0 none (no
 * value there), -1. */
static int slot_record(struct convp_book *b, struct rd *s, uint32_t k, struct conv_record *rec)
{
    const struct convp_row *row = &b->row;
    const struct rd_sheet *sh = &s->sheets[s->sh];
    const struct rd_slot *sl = &s->slots[s->order[sh->first + k]];
    const struct rd_row *rw = &s->rows[s->rr];
    const char *sheet = txt(s, sh->name);
    const char *num[ROLES] = {NULL, NULL, NULL};
    size_t len[ROLES] = {0, 0, 0};
    const struct convp_cell *cell[ROLES] = {NULL, NULL, NULL};
    for (int r = 0; r < ROLES; r++) {
        if (!sl->col[r])
            continue;
        char what[160];
        snprintf(what, sizeof what, "the %s of indicator %.40s, period %.40s", role_name(r),
                 txt(s, rw->code), txt(s, sl->period));
        cell[r] = cell_at(row, sl->col[r]);
        int rc = number_of(b, sheet, row->num, cell[r], what, &num[r], &len[r]);
        if (rc < 0)
            return -1;
        if (!rc)
            num[r] = NULL;
    }
    /* A change conv computed (no record had one) is not data, unless the
     * number shown is no longer the one computed (an official's). */
    if (make_key(b, s, s->sh, txt(s, rw->stt), txt(s, sl->period)) != CONV_OK)
        return -1;
    if (num[ROLE_CHANGE]) {
        long ci = find_key(s->computed_keys, s);
        if (ci >= 0 && strlen(txt(s, s->computed[ci])) == len[ROLE_CHANGE] &&
            !memcmp(txt(s, s->computed[ci]), num[ROLE_CHANGE], len[ROLE_CHANGE]))
            num[ROLE_CHANGE] = NULL;
    }
    if (!num[ROLE_VALUE]) {
        for (int r = ROLE_CHANGE; r < ROLES; r++)
            if (num[r]) {
                char v[8];
                convp_col_name(sl->col[ROLE_VALUE], v);
                convp_book_cell_error(b, CONV_E_STRUCTURE, sheet, row->num, sl->col[r],
                                      "a %s of indicator %.40s, period %.40s, with no value "
                                      "(%s%u is empty): every record of the report has a "
                                      "value; fill it in or empty this cell",
                                      role_name(r), txt(s, rw->code), txt(s, sl->period), v,
                                      (unsigned)row->num);
                return -1;
            }
        return 0;
    }
    long si = find_key(s->status_keys, s);
    uint32_t status = si >= 0 ? s->status[si] : sl->status;
    /* The name and unit as the table shows them; a name the table shows
     * only because the records had none is the code. */
    const struct convp_cell *nc = cell_at(row, 2), *uc = cell_at(row, 3);
    const char *nm = is_empty(nc) ? "" : nc->text;
    if (!rw->name && !strcmp(nm, txt(s, rw->code)))
        nm = "";
    const char *unit = is_empty(uc) ? "" : uc->text;
    uint64_t line = row->num;
    convp_record_clear(rec);
    rec->line = line;
    if (put_text(b, rec, OF_REGION_CODE, s, sh->region_code, line, 0) != CONV_OK ||
        put_text(b, rec, OF_REGION_NAME, s, sh->region_name, line, 0) != CONV_OK ||
        put_text(b, rec, OF_CODE, s, rw->code, line, 1) != CONV_OK ||
        put(b, rec, OF_NAME, CONV_STRING, nm, strlen(nm), line, 2) != CONV_OK ||
        put_text(b, rec, OF_PARENT, s, rw->parent, line, 1) != CONV_OK ||
        put_text(b, rec, OF_PERIOD, s, sl->period, line, sl->col[ROLE_VALUE]) != CONV_OK ||
        put(b, rec, OF_VALUE, CONV_DECIMAL, num[ROLE_VALUE], len[ROLE_VALUE], line,
            sl->col[ROLE_VALUE]) != CONV_OK ||
        put(b, rec, OF_UNIT, CONV_STRING, unit, strlen(unit), line, 3) != CONV_OK ||
        put(b, rec, OF_CHANGE, CONV_DECIMAL, num[ROLE_CHANGE], len[ROLE_CHANGE], line,
            sl->col[ROLE_CHANGE]) != CONV_OK ||
        put(b, rec, OF_PLAN, CONV_DECIMAL, num[ROLE_PLAN], len[ROLE_PLAN], line,
            sl->col[ROLE_PLAN]) != CONV_OK ||
        put_text(b, rec, OF_STATUS, s, status, line, sl->col[ROLE_VALUE]) != CONV_OK)
        return -1;
    return 1;
}

/* Whether a cell holds a number (or a number's text). */
static int is_number(const struct convp_cell *c)
{
    return !is_empty(c) && !(c->flags & CONVP_CELL_ERROR) &&
           (c->type == CONV_INTEGER || c->type == CONV_DECIMAL || c->type == CONV_STRING) &&
           (convp_is_integer(c->text, c->len) || convp_is_decimal(c->text, c->len));
}

/* A row under the table's header: an indicator's, found by its STT, whose
 * records are then given; or another (the signature block, notes), which
 * must hold no number in the value columns.  CONV_OK or CONV_ERR. */
static int body_row(struct convp_book *b, struct rd *s, size_t si, const struct convp_row *row)
{
    const struct rd_sheet *sh = &s->sheets[s->sh];
    const char *name = convp_book_sheet_name(b, si);
    const struct convp_cell *a = cell_at(row, 1);
    const char *stt = is_empty(a) ? "" : a->text;
    long ri = -1;
    if (*stt) {
        if (make_key(b, s, s->sh, stt, NULL) != CONV_OK)
            return CONV_ERR;
        ri = find_key(s->row_keys, s);
    }
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        if (c->col < 4 || !is_number(c))
            continue;
        if (ri >= 0 && c->col <= sh->maxcol && s->described[c->col])
            continue;
        if (ri >= 0)
            return convp_book_cell_error(b, CONV_E_STRUCTURE, name, row->num, c->col,
                                         "a number outside the report's columns (a column "
                                         "added by hand?): it is no period of the report, so "
                                         "it cannot be read as a record");
        return convp_book_cell_error(
            b, CONV_E_STRUCTURE, name, row->num, c->col,
            "a number in a row that is none of the report's indicators (%s%.20s%s): a row "
            "added by hand has no indicator code, so it cannot be read as a record",
            *stt ? "STT '" : "no STT in column A", stt, *stt ? "' is not the report's" : "");
    }
    if (ri < 0)
        return CONV_OK;
    struct rd_row *rw = &s->rows[ri];
    if (rw->seen)
        return convp_book_cell_error(b, CONV_E_STRUCTURE, name, row->num, 1,
                                     "STT '%.20s' (indicator %.40s) is on row %u too: one "
                                     "row per indicator",
                                     stt, txt(s, rw->code), (unsigned)rw->seen);
    rw->seen = row->num;
    s->in_row = 1;
    s->rr = (uint32_t)ri;
    s->slot = 0;
    return CONV_OK;
}

int convp_report_next(struct convp_book *b, struct conv_record *rec)
{
    struct rd *s = b->layout;
    for (;;) {
        if (s->in_row) {
            const struct rd_sheet *sh = &s->sheets[s->sh];
            while (s->slot < sh->n) {
                int rc = slot_record(b, s, s->slot++, rec);
                if (rc < 0)
                    return CONV_ERR;
                if (rc > 0)
                    return CONV_OK;
            }
            s->in_row = 0;
        }
        if (s->cur >= b->norder) {
            /* Every sheet was read: a sheet of the report that is gone is
             * said (--sheet reads one on purpose). */
            for (size_t i = 0; !s->warned_gone && !b->want && i < s->nsheets; i++)
                if (!s->sheets[i].seen)
                    warn(b,
                         "the report's sheet '%.100s' is not in the %s (renamed or "
                         "deleted?): its records are not read",
                         txt(s, s->sheets[i].name), b->ops->what);
            s->warned_gone = 1;
            return CONV_EOF;
        }
        size_t si = b->order[s->cur];
        const char *name = convp_book_sheet_name(b, si);
        if (s->phase == 0) {
            long k = convp_schema_find_n(s->sheet_keys, name, strlen(name));
            if (k < 0) {
                warn(b,
                     "sheet '%.100s' is not one of the report's (the hidden sheet %s does "
                     "not describe it): skipped",
                     name, CONVP_REPORT_SHEET);
                s->cur++;
                continue;
            }
            s->sh = (uint32_t)k;
            s->sheets[k].seen = 1;
            if (convp_book_start(b, si) != CONV_OK)
                return CONV_ERR;
            s->prev[0].num = s->prev[1].num = 0;
            s->phase = 1;
        }
        const struct convp_row *row;
        int rc = convp_book_row(b, &row);
        if (rc < 0)
            return CONV_ERR;
        if (rc == 0) {
            if (s->phase == 1) {
                char ref[320];
                convp_sheet_ref(name, ref, sizeof ref);
                convp_error_set(&b->rd->err, CONV_E_STRUCTURE, b->rd->source, 0, 0,
                                "%s: the report's table is not found: no row of column numbers "
                                "(A, B, C, 1, 2...) under a header",
                                ref);
                return CONV_ERR;
            }
            s->phase = 0;
            s->cur++;
            continue;
        }
        if (s->phase == 1) {
            if (numbers_row(row)) {
                if (check_header(b, s, si, row) != CONV_OK)
                    return CONV_ERR;
                s->phase = 2;
            } else {
                struct convp_row *older =
                    s->prev[0].num <= s->prev[1].num ? &s->prev[0] : &s->prev[1];
                if (convp_row_copy(b, older, row) != CONV_OK)
                    return CONV_ERR;
            }
            continue;
        }
        if (body_row(b, s, si, row) != CONV_OK)
            return CONV_ERR;
    }
}

void convp_report_free(struct convp_book *b)
{
    struct rd *s = b->layout;
    convp_buf_free(&s->text);
    convp_buf_free(&s->key);
    convp_free(b->ctx, s->sheets);
    convp_free(b->ctx, s->slots);
    convp_free(b->ctx, s->order);
    convp_free(b->ctx, s->rows);
    convp_free(b->ctx, s->status);
    convp_free(b->ctx, s->computed);
    conv_schema_free(s->sheet_keys);
    conv_schema_free(s->slot_keys);
    conv_schema_free(s->row_keys);
    conv_schema_free(s->status_keys);
    conv_schema_free(s->computed_keys);
    for (int i = 0; i < 2; i++)
        convp_row_free(b, &s->prev[i]);
    convp_free(b->ctx, s->described);
    convp_free(b->ctx, s);
}
