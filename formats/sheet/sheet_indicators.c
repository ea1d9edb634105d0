/*
 * Tables made for people read as indicator records (--layout table
 * --profile indicators): the values of a body row grouped into one record
 * per indicator and period, each column's header saying what its values
 * are (the figure, a change against the year before, the plan), for which
 * period and with which status; the row's label the indicator, or the
 * region when it names one of the profile's; indicator codes from the
 * stub when it gives the profile's codes, else numbered from the rows'
 * hierarchy (01, 0101...), sheet by sheet.  What cannot be decided stays
 * empty and is told once per column or sheet.  Rules: docs/tables.md.
 */
#include "sheet_table.h"

#include "profile/profile.h"

#include <stdlib.h>

#define IND_MAX_CODE 32

/* An indicator met on the sheet: its path of labels and its code. */
struct ind_entry {
    char *key; /* labels joined by \x1f */
    char code[IND_MAX_CODE];
    unsigned children;
    size_t parent; /* SIZE_MAX: none */
};

/* A column of the table being read. */
struct ind_col {
    struct convp_col_meaning m;
    int told; /* its left-out values or missing period were told */
};

/* One record being put together: an indicator in a period. */
struct ind_rec {
    size_t entry;
    char period[16];
    const struct ind_value *value, *change, *plan;
    char change_text[48];
    const char *status;
    const struct ind_value *first;
    struct convp_buf note;
};

struct convp_ind {
    struct convp_book *b;
    struct convp_regions *regions;
    const char *region_opt; /* --region CODE */
    long region_opt_i;
    char **units; /* the profile's units, and their case-folded keys */
    char **unit_keys;
    size_t nunits;
    /* the sheet */
    const char *sheet;
    int sheet_year;
    struct ind_entry *entries;
    size_t nentries, capentries;
    size_t *hash; /* entry index + 1, open addressing */
    size_t nhash;
    unsigned top;                /* top-level codes given */
    int told_region, told_codes; /* once per reading, once per sheet */
    /* the table */
    const char *title;
    int by_region;  /* its rows list regions: the title names the indicator */
    int year;       /* from the title, else the sheet's name */
    int title_year; /* the title names a year and no finer period */
    struct ind_col *cols;
    uint32_t ncols;
    struct ind_rec *recs;
    size_t nrecs, caprecs;
    struct convp_buf tmp, key, fold;
};

static int nomem(struct convp_ind *g)
{
    return convp_book_nomem(g->b);
}

static int fold(struct convp_ind *g, const char *s, size_t n, const char **out, size_t *len)
{
    if (convp_casefold(&g->fold, s, n, out, len) != 0)
        return nomem(g);
    if (!*out)
        *out = s, *len = n;
    return CONV_OK;
}

/* ---- set up ------------------------------------------------------------------------------------
 */

static int load_units(struct convp_ind *g)
{
    size_t size;
    const char *data =
        (const char *)convp_profile_codes(convp_profile_indicators(), "units", &size);
    const char *p = data, *end = data ? data + size : NULL;
    size_t cap = 0;
    int first = 1;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *q = p;
        p = nl ? nl + 1 : end;
        const char *comma = memchr(q, ',', (size_t)(le - q));
        if (first || !comma || comma == q) {
            first = 0;
            continue;
        }
        if (convp_array_grow(g->b->ctx, (void **)&g->units, g->nunits + 1, &cap,
                             sizeof *g->units) != 0)
            return nomem(g);
        size_t cap2 = g->nunits;
        if (convp_array_grow(g->b->ctx, (void **)&g->unit_keys, g->nunits + 1, &cap2,
                             sizeof *g->unit_keys) != 0)
            return nomem(g);
        const char *f;
        size_t fl;
        g->units[g->nunits] = convp_strndup(g->b->ctx, q, (size_t)(comma - q));
        g->unit_keys[g->nunits] = NULL;
        g->nunits++;
        if (!g->units[g->nunits - 1] || fold(g, q, (size_t)(comma - q), &f, &fl) != CONV_OK ||
            !(g->unit_keys[g->nunits - 1] = convp_strndup(g->b->ctx, f, fl)))
            return nomem(g);
    }
    return CONV_OK;
}

struct convp_ind *convp_ind_new(struct convp_book *b)
{
    struct convp_ind *g = convp_calloc(b->ctx, 1, sizeof *g);
    if (!g)
        return convp_book_nomem(b), NULL;
    g->b = b;
    convp_buf_init(&g->tmp, b->ctx);
    convp_buf_init(&g->key, b->ctx);
    convp_buf_init(&g->fold, b->ctx);
    if (!(g->regions = convp_regions_load(b->ctx)) || load_units(g) != CONV_OK) {
        convp_book_nomem(b);
        convp_ind_free(g);
        return NULL;
    }
    g->region_opt_i = -1;
    b->rd->required_later = 1;
    g->region_opt = convp_opt_str(b->rd->opts, "region", NULL);
    if (g->region_opt) {
        for (long i = 0; i < (long)convp_regions_count(g->regions); i++)
            if (!strcmp(convp_regions_code(g->regions, i), g->region_opt)) {
                g->region_opt_i = i;
                break;
            }
    }
    /* The profile's fields, in its order. */
    const struct convp_profile *p = convp_profile_indicators();
    const char *names[CONVP_IND_FIELDS];
    enum conv_type types[CONVP_IND_FIELDS];
    for (size_t i = 0; i < CONVP_IND_FIELDS; i++) {
        names[i] = p->fields[i].name;
        types[i] = p->fields[i].type;
    }
    if (convp_layout_fields(b, names, types, CONVP_IND_FIELDS) != CONV_OK) {
        convp_ind_free(g);
        return NULL;
    }
    return g;
}

static void free_table(struct convp_ind *g)
{
    for (size_t i = 0; i < g->caprecs; i++)
        convp_buf_free(&g->recs[i].note);
    convp_free(g->b->ctx, g->recs);
    g->recs = NULL;
    g->nrecs = g->caprecs = 0;
    convp_free(g->b->ctx, g->cols);
    g->cols = NULL;
    g->ncols = 0;
}

static void free_sheet(struct convp_ind *g)
{
    for (size_t i = 0; i < g->nentries; i++)
        convp_free(g->b->ctx, g->entries[i].key);
    convp_free(g->b->ctx, g->entries);
    convp_free(g->b->ctx, g->hash);
    g->entries = NULL;
    g->hash = NULL;
    g->nentries = g->capentries = g->nhash = 0;
    g->top = 0;
}

void convp_ind_free(struct convp_ind *g)
{
    if (!g)
        return;
    free_table(g);
    free_sheet(g);
    convp_regions_free(g->regions);
    for (size_t i = 0; i < g->nunits; i++) {
        convp_free(g->b->ctx, g->units[i]);
        convp_free(g->b->ctx, g->unit_keys[i]);
    }
    convp_free(g->b->ctx, g->units);
    convp_free(g->b->ctx, g->unit_keys);
    convp_buf_free(&g->tmp);
    convp_buf_free(&g->key);
    convp_buf_free(&g->fold);
    convp_free(g->b->ctx, g);
}

int convp_ind_sheet(struct convp_ind *g, const char *sheet)
{
    free_table(g);
    free_sheet(g);
    g->sheet = sheet;
    g->told_codes = 0;
    const char *f;
    size_t fl;
    if (fold(g, sheet, strlen(sheet), &f, &fl) != CONV_OK)
        return CONV_ERR;
    g->sheet_year = convp_text_year(f, fl);
    return CONV_OK;
}

int convp_ind_probe(struct convp_ind *g, const char *label, size_t n)
{
    long r = convp_regions_find(g->regions, label, n, 0);
    if (r == -3)
        return nomem(g);
    g->by_region |= r >= 0 || r == -2;
    return CONV_OK;
}

int convp_ind_table(struct convp_ind *g, const char *title, char *const *labels, uint32_t ncols)
{
    free_table(g);
    g->by_region = 0;
    g->title = title ? title : "";
    const char *f;
    size_t fl;
    if (fold(g, g->title, strlen(g->title), &f, &fl) != CONV_OK)
        return CONV_ERR;
    g->year = convp_text_year(f, fl);
    struct convp_col_meaning tm;
    convp_col_meaning(g->title, strlen(g->title), f, fl, &tm);
    g->title_year = tm.have_period && !tm.need_year && tm.period.kind == 'Y' && tm.years == 1
                        ? tm.period.year
                        : 0;
    if (!g->year)
        g->year = g->sheet_year;
    if (!(g->cols = convp_calloc(g->b->ctx, (size_t)ncols + 1, sizeof *g->cols)))
        return nomem(g);
    g->ncols = ncols;
    for (uint32_t c = 1; c <= ncols; c++) {
        const char *l = labels && labels[c] ? labels[c] : "";
        if (fold(g, l, strlen(l), &f, &fl) != CONV_OK)
            return CONV_ERR;
        convp_col_meaning(l, strlen(l), f, fl, &g->cols[c].m);
    }
    /* The year of columns that name only a quarter or a month: the year
     * the other columns name most, else the title's, else the sheet's. */
    int best = 0, best_n = 0;
    for (uint32_t c = 1; c <= ncols; c++) {
        int y = g->cols[c].m.period.year, cnt = 0;
        for (uint32_t d = 1; y && d <= ncols; d++)
            cnt += g->cols[d].m.period.year == y;
        if (cnt > best_n)
            best = y, best_n = cnt;
    }
    if (best)
        g->year = best;
    /* A column's breakdown (Nam, Nữ; Total, Male) names an indicator of
     * its own only where another column holds the same kind of figure for
     * the same period under another one. */
    for (uint32_t c = 1; c <= ncols; c++) {
        struct convp_col_meaning *m = &g->cols[c].m;
        int needed = 0;
        for (uint32_t d = 1; m->rest[0] && d <= ncols && !needed; d++) {
            const struct convp_col_meaning *o = &g->cols[d].m;
            needed = d != c && o->kind == m->kind && o->have_period == m->have_period &&
                     !memcmp(&o->period, &m->period, sizeof o->period) &&
                     strcmp(o->rest, m->rest) != 0;
        }
        if (!needed)
            m->rest[0] = '\0';
    }
    return CONV_OK;
}

/* ---- codes -------------------------------------------------------------------------------------
 */

static size_t hash_of(const char *s, size_t n)
{
    size_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static int rehash(struct convp_ind *g)
{
    size_t n = g->nhash ? g->nhash * 2 : 256;
    size_t *h = convp_calloc(g->b->ctx, n, sizeof *h);
    if (!h)
        return nomem(g);
    for (size_t i = 0; i < g->nentries; i++) {
        size_t k = hash_of(g->entries[i].key, strlen(g->entries[i].key)) & (n - 1);
        while (h[k])
            k = (k + 1) & (n - 1);
        h[k] = i + 1;
    }
    convp_free(g->b->ctx, g->hash);
    g->hash = h;
    g->nhash = n;
    return CONV_OK;
}

/* The entry of a path of labels (key: joined by \x1f), made with code
 * (or numbered under parent, SIZE_MAX for the top) when new.  Its index,
 * or -1. */
static long entry(struct convp_ind *g, const char *key, size_t n, size_t parent, const char *code,
                  size_t code_len)
{
    if (g->nhash) {
        size_t k = hash_of(key, n) & (g->nhash - 1);
        while (g->hash[k]) {
            struct ind_entry *e = &g->entries[g->hash[k] - 1];
            if (strlen(e->key) == n && !memcmp(e->key, key, n))
                return (long)(g->hash[k] - 1);
            k = (k + 1) & (g->nhash - 1);
        }
    }
    if (convp_array_grow(g->b->ctx, (void **)&g->entries, g->nentries + 1, &g->capentries,
                         sizeof *g->entries) != 0)
        return nomem(g), -1;
    struct ind_entry *e = &g->entries[g->nentries];
    memset(e, 0, sizeof *e);
    if (!(e->key = convp_strndup(g->b->ctx, key, n)))
        return nomem(g), -1;
    if (code_len && code_len < IND_MAX_CODE) {
        memcpy(e->code, code, code_len);
    } else {
        /* numbered: two digits per level */
        unsigned k = parent == SIZE_MAX ? ++g->top : ++g->entries[parent].children;
        const char *pc = parent == SIZE_MAX ? "" : g->entries[parent].code;
        size_t pl = strlen(pc);
        if (k <= 99 && (parent == SIZE_MAX || pc[0]) && pl + 3 < IND_MAX_CODE) {
            memcpy(e->code, pc, pl);
            e->code[pl] = (char)('0' + k / 10);
            e->code[pl + 1] = (char)('0' + k % 10);
            e->code[pl + 2] = '\0';
        } else if (!g->told_codes) {
            g->told_codes = 1;
            convp_table_warn(g->b,
                             "sheet '%.100s': more than 99 indicators under one parent, or too "
                             "deep: their indicator_code is left empty",
                             g->sheet);
        }
    }
    e->parent = parent;
    g->nentries++;
    if (g->nentries * 2 > g->nhash) {
        if (rehash(g) != CONV_OK) /* places every entry, the new one too */
            return -1;
    } else {
        size_t k = hash_of(key, n) & (g->nhash - 1);
        while (g->hash[k])
            k = (k + 1) & (g->nhash - 1);
        g->hash[k] = g->nentries;
    }
    return (long)(g->nentries - 1);
}

/* A code of the profile's shape: pairs of digits. */
static int profile_code(const char *s, size_t n)
{
    if (!n || n % 2 || n >= IND_MAX_CODE)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* ---- a row -------------------------------------------------------------------------------------
 */

static struct ind_rec *new_rec(struct convp_ind *g)
{
    if (g->nrecs == g->caprecs) {
        size_t nc = g->caprecs ? g->caprecs * 2 : 8;
        struct ind_rec *r = convp_realloc(g->b->ctx, g->recs, nc * sizeof *r);
        if (!r)
            return nomem(g), NULL;
        for (size_t i = g->caprecs; i < nc; i++)
            convp_buf_init(&r[i].note, g->b->ctx);
        g->recs = r;
        g->caprecs = nc;
    }
    struct ind_rec *r = &g->recs[g->nrecs++];
    struct convp_buf keep = r->note;
    memset(r, 0, sizeof *r);
    r->note = keep;
    r->note.len = 0;
    return r;
}

static const char *canon_unit(struct convp_ind *g, const char *u)
{
    const char *f;
    size_t fl;
    if (!u || !*u || fold(g, u, strlen(u), &f, &fl) != CONV_OK)
        return u;
    for (size_t i = 0; i < g->nunits; i++)
        if (strlen(g->unit_keys[i]) == fl && !memcmp(g->unit_keys[i], f, fl))
            return g->units[i];
    return u;
}

/* An indicator's name without the bullet or numbering its row had:
 * "- Công nghiệp", "a) Cây hằng năm", "1.2. Chăn nuôi", "II. Dịch vụ". */
static const char *bare_name(const char *s, size_t *n)
{
    size_t i = 0, len = *n;
    if (len > 2 && (s[0] == '-' || s[0] == '+' || s[0] == '*') && s[1] == ' ')
        i = 2;
    else if (len > 4 && !memcmp(s, "\xE2\x80\xA2 ", 4))
        i = 4; /* • */
    else {
        size_t k = 0;
        while (k < len && ((s[k] >= '0' && s[k] <= '9') || s[k] == '.'))
            k++;
        if (!k)
            while (k < len && k < 5 && strchr("IVXL", s[k]))
                k++;
        if (!k && len > 1 && s[0] >= 'a' && s[0] <= 'z')
            k = 1;
        if (k && k < len && (s[k] == ')' || s[k] == '.' || (s[k - 1] == '.' && s[k] == ' ')))
            i = k + (s[k] != ' ');
    }
    while (i < len && s[i] == ' ')
        i++;
    if (i >= len)
        return s;
    *n = len - i;
    return s + i;
}

static int add(struct convp_ind *g, struct conv_record *rec, enum convp_indicator_field f,
               enum conv_type t, const char *text, size_t len, uint64_t line, uint32_t col)
{
    if (!text || !len)
        t = CONV_NULL, text = "", len = 0;
    if (convp_record_add(rec, (uint32_t)f, t, 0, text, len, line, col) != 0)
        return nomem(g);
    return CONV_OK;
}

static int tell_column(struct convp_ind *g, uint32_t col, const char *what)
{
    if (col > g->ncols || g->cols[col].told)
        return CONV_OK;
    g->cols[col].told = 1;
    char cn[8];
    convp_col_name(col, cn);
    convp_table_warn(g->b, "sheet '%.100s', column %s: %s", g->sheet, cn, what);
    return CONV_OK;
}

int convp_ind_row(struct convp_ind *g, const struct ind_row *row, const struct ind_value *v,
                  size_t n, struct conv_record *(*next)(void *), void *nctx)
{
    /* The year of the row's period, for the regions' validity. */
    int year = g->year;
    for (size_t i = 0; i < n && !year; i++)
        if (v[i].col <= g->ncols && g->cols[v[i].col].m.period.year)
            year = g->cols[v[i].col].m.period.year;
    /* The region: the row's label or the nearest label above it naming
     * one; else --region. */
    long region = -1;
    size_t region_at = SIZE_MAX;
    for (size_t i = row->npath; i-- > 0 && region < 0;) {
        long r = convp_regions_find(g->regions, row->path[i], row->path_len[i], year);
        if (r == -3)
            return nomem(g);
        if (r >= 0)
            region = r, region_at = i;
    }
    if (region < 0 && g->sheet) {
        /* a sheet named after its region (a report per region) */
        long r = convp_regions_find(g->regions, g->sheet, strlen(g->sheet), year);
        if (r == -3)
            return nomem(g);
        if (r >= 0)
            region = r;
    }
    if (region < 0)
        region = g->region_opt_i;
    if (region < 0 && !g->told_region && !(g->by_region && row->npath)) {
        g->told_region = 1;
        convp_table_warn(g->b,
                         "no region named in the rows of sheet '%.100s' nor by its name%s: "
                         "region_code left empty there and in any other such sheet (--region "
                         "CODE gives one)",
                         g->sheet,
                         g->region_opt ? ", and --region is not in the profile's list" : "");
    }
    /* The indicator: the labels other than the region's (sections left
     * out), else the title; in a table of regions, the title, and a row
     * naming none of the list (Cả nước, a group of provinces) names its
     * region without a code. */
    struct convp_buf *key = &g->key;
    key->len = 0;
    size_t parent = SIZE_MAX;
    long own = -1;
    const char *name = NULL;
    size_t name_len = 0;
    const char *region_text = NULL;
    size_t region_text_len = 0;
    if (g->by_region && row->npath) {
        if (region_at == SIZE_MAX) {
            region_text = row->path[row->npath - 1];
            region_text_len = row->path_len[row->npath - 1];
            region = -1;
        }
        region_at = SIZE_MAX;
    }
    for (size_t i = 0; i < row->npath && !g->by_region; i++) {
        if (row->section && row->section[i])
            continue;
        if (i == region_at)
            continue;
        if (key->len && convp_buf_putc(key, '\x1f') != 0)
            return nomem(g);
        if (convp_buf_append(key, row->path[i], row->path_len[i]) != 0)
            return nomem(g);
        int last = i + 1 == row->npath || (i + 2 == row->npath && region_at == i + 1);
        const char *code = last && profile_code(row->code, row->code_len) ? row->code : NULL;
        long e = entry(g, key->data, key->len, parent, code, code ? row->code_len : 0);
        if (e < 0)
            return CONV_ERR;
        parent = (size_t)e;
        own = e;
        name = row->path[i];
        name_len = row->path_len[i];
    }
    if (own < 0) {
        const char *t = g->title;
        if (!*t)
            t = g->sheet;
        /* without its form number: "Biểu 13. ", "13. " */
        const char *p = t;
        if (!strncmp(p, "Biểu ", strlen("Biểu ")))
            p += strlen("Biểu ");
        const char *q = p;
        while (*q && ((*q >= '0' && *q <= '9') || *q == '.' || (*q >= 'a' && *q <= 'z' && q > p)))
            q++;
        if (q > p && (q[-1] == '.' || *q == ':' || *q == '.') && q[*q == ':' || *q == '.'] == ' ')
            t = q + 1 + (*q == ':' || *q == '.');
        key->len = 0;
        if (convp_buf_append(key, t, strlen(t)) != 0)
            return nomem(g);
        if ((own = entry(g, key->data, key->len, SIZE_MAX, NULL, 0)) < 0)
            return CONV_ERR;
        name = t;
        name_len = strlen(t);
        parent = (size_t)own;
    }
    size_t row_key_len = key->len;
    /* The records: one per indicator (with the column's breakdown) and
     * period. */
    g->nrecs = 0;
    for (size_t i = 0; i < n; i++) {
        const struct ind_value *x = &v[i];
        const struct convp_col_meaning *m =
            x->col <= g->ncols ? &g->cols[x->col].m : &(struct convp_col_meaning){0};
        if (m->kind == CONVP_COL_OTHER) {
            tell_column(g, x->col,
                        "its header names none of the profile's figures (a share, against the "
                        "plan or the period before): its values are left out");
            continue;
        }
        char period[16] = "";
        if (!m->have_period && !m->undecided && g->title_year) {
            /* a column naming no period in a table of one year */
            snprintf(period, sizeof period, "%04d", g->title_year);
        } else if (m->have_period && (!m->need_year || year)) {
            struct convp_period p = m->period;
            if (!p.year)
                p.year = g->year ? g->year : year;
            convp_period_format(&p, period, sizeof period);
        } else {
            tell_column(g, x->col,
                        m->undecided ? "its header names months from the start of the year "
                                       "that are none of the profile's periods: period left empty"
                                     : "no period in its header, the title or the sheet's name: "
                                       "period left empty");
        }
        /* the breakdown the column adds to the indicator */
        long ent = own;
        if (m->rest[0]) {
            key->len = row_key_len;
            if (convp_buf_putc(key, '\x1f') != 0 ||
                convp_buf_append(key, m->rest, strlen(m->rest)) != 0)
                return nomem(g);
            if ((ent = entry(g, key->data, key->len, (size_t)own, NULL, 0)) < 0)
                return CONV_ERR;
        }
        struct ind_rec *r = NULL;
        for (size_t k = 0; k < g->nrecs; k++)
            if (g->recs[k].entry == (size_t)ent && !strcmp(g->recs[k].period, period)) {
                const struct ind_rec *c = &g->recs[k];
                int taken = m->kind == CONVP_COL_VALUE  ? c->value != NULL
                            : m->kind == CONVP_COL_PLAN ? c->plan != NULL
                                                        : c->change != NULL;
                if (!taken) {
                    r = &g->recs[k];
                    break;
                }
            }
        if (!r) {
            if (!(r = new_rec(g)))
                return CONV_ERR;
            r->entry = (size_t)ent;
            memcpy(r->period, period, sizeof period);
            r->first = x;
        }
        if (m->kind == CONVP_COL_VALUE) {
            r->value = x;
            r->status = m->status;
        } else if (m->kind == CONVP_COL_PLAN) {
            r->plan = x;
        } else {
            r->change = x;
            if (!x->missing && m->kind == CONVP_COL_CHANGE_INDEX &&
                convp_index_change(x->text, x->len, r->change_text, sizeof r->change_text) != 0)
                r->change_text[0] = '\0';
            else if (!x->missing && m->kind == CONVP_COL_CHANGE)
                snprintf(r->change_text, sizeof r->change_text, "%.*s", (int)x->len, x->text);
        }
        if (x->note_len &&
            !(r->note.len >= x->note_len &&
              !memcmp(r->note.data + r->note.len - x->note_len, x->note, x->note_len))) {
            if (r->note.len && convp_buf_append(&r->note, "; ", 2) != 0)
                return nomem(g);
            if (convp_buf_append(&r->note, x->note, x->note_len) != 0)
                return nomem(g);
        }
    }
    for (size_t k = 0; k < g->nrecs; k++) {
        const struct ind_rec *r = &g->recs[k];
        const struct ind_entry *e = &g->entries[r->entry];
        struct conv_record *rec = next(nctx);
        if (!rec)
            return CONV_ERR;
        const struct ind_value *f = r->first;
        uint64_t line = row->line;
        uint32_t col = f->col;
        rec->line = line;
        size_t rname_len = name_len;
        const char *rname = bare_name(name, &rname_len);
        struct convp_buf *tmp = &g->tmp;
        tmp->len = 0;
        if (r->entry != (size_t)own) {
            /* the breakdown named after the row's indicator */
            const char *rest = strrchr(e->key, '\x1f');
            rest = rest ? rest + 1 : e->key;
            if (convp_buf_append(tmp, rname, rname_len) != 0 || convp_buf_append(tmp, " - ", 3) ||
                convp_buf_append(tmp, rest, strlen(rest)) != 0)
                return nomem(g);
            rname = tmp->data;
            rname_len = tmp->len;
        }
        const char *parent_code = e->parent != SIZE_MAX && g->entries[e->parent].code[0]
                                      ? g->entries[e->parent].code
                                      : NULL;
        const char *unit = r->value ? r->value->unit : NULL;
        for (size_t i = 0; !unit && i < n; i++)
            if (v[i].col <= g->ncols && g->cols[v[i].col].m.kind == CONVP_COL_VALUE)
                unit = v[i].unit; /* a change alone: the unit of the row's figures */
        unit = canon_unit(g, unit ? unit : f->unit);
        char src[160];
        int sl = snprintf(src, sizeof src, "%s!%s", g->sheet, f->ref);
        const char *rc = region >= 0 ? convp_regions_code(g->regions, region) : NULL;
        const char *rn = region >= 0 ? convp_regions_name(g->regions, region) : NULL;
        size_t rnl = rn ? strlen(rn) : 0;
        if (!rn && region_text)
            rn = region_text, rnl = region_text_len;
        if (add(g, rec, CONVP_IND_REGION_CODE, CONV_STRING, rc, rc ? strlen(rc) : 0, line, col) ||
            add(g, rec, CONVP_IND_REGION_NAME, CONV_STRING, rn, rnl, line, col) ||
            add(g, rec, CONVP_IND_INDICATOR_CODE, CONV_STRING, e->code, strlen(e->code), line,
                col) ||
            add(g, rec, CONVP_IND_INDICATOR_NAME, CONV_STRING, rname, rname_len, line, col) ||
            add(g, rec, CONVP_IND_PARENT_CODE, CONV_STRING, parent_code,
                parent_code ? strlen(parent_code) : 0, line, col) ||
            add(g, rec, CONVP_IND_PERIOD, CONV_STRING, r->period, strlen(r->period), line, col) ||
            add(g, rec, CONVP_IND_VALUE, CONV_DECIMAL,
                r->value && !r->value->missing ? r->value->text : NULL,
                r->value && !r->value->missing ? r->value->len : 0, line,
                r->value ? r->value->col : col) ||
            add(g, rec, CONVP_IND_UNIT, CONV_STRING, unit, unit ? strlen(unit) : 0, line, col) ||
            add(g, rec, CONVP_IND_CHANGE_PCT, CONV_DECIMAL, r->change_text, strlen(r->change_text),
                line, r->change ? r->change->col : col) ||
            add(g, rec, CONVP_IND_PLAN_VALUE, CONV_DECIMAL,
                r->plan && !r->plan->missing ? r->plan->text : NULL,
                r->plan && !r->plan->missing ? r->plan->len : 0, line,
                r->plan ? r->plan->col : col) ||
            add(g, rec, CONVP_IND_STATUS, CONV_STRING, r->status, r->status ? strlen(r->status) : 0,
                line, col) ||
            add(g, rec, CONVP_IND_SOURCE, CONV_STRING, src,
                sl > 0 ? (size_t)(sl < (int)sizeof src ? sl : (int)sizeof src - 1) : 0, line,
                col) ||
            add(g, rec, CONVP_IND_NOTE, CONV_STRING, r->note.data, r->note.len, line, col))
            return CONV_ERR;
    }
    return CONV_OK;
}
