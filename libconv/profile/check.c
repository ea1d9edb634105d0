/*
 * The checker: every rule of a profile over a stream of records, every
 * finding reported (not just the first) through the caller's callback.
 *
 * Rules on one record run as it arrives: required fields, types, the
 * shapes of codes and periods, status values, units and region codes
 * from the profile's code lists.  Rules across records (duplicates, sums
 * of components, growth against the year before, values far from their
 * history) need records that may be anywhere in the input: each record
 * becomes two or three small items of an external sort (extsort.c), so
 * that what a rule compares comes out side by side; memory stays within
 * the sort's budget whatever the input's size.
 */
#include "profile.h"
#include "extsort.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>

#define SORT_BUDGET_DEFAULT ((size_t)32 << 20)
#define GROWTH_TOL_DEFAULT 0.5 /* percentage points */
#define OUTLIER_DEFAULT 10.0
#define SUM_LIST 6   /* components named in a sum finding */
#define HISTORY 3    /* earlier values an outlier is judged against */
#define TEXT_MAX 64 /* bytes of a value or unit kept for messages */

enum { MAP_UNKNOWN = -1, MAP_SHEET = -2 };

struct region_info {
    char *name;
    char valid_from[11], valid_to[11]; /* "" when open */
    long from, to;                     /* the same as yyyymmdd, 0 when open */
};

/* The last code found in a list: records of a file mostly repeat it. */
struct code_cache {
    char text[32];
    size_t len; /* 0: empty */
};

struct conv_checker {
    struct conv_context *ctx;
    const struct convp_profile *prof;
    conv_finding_fn fn;
    void *user;
    struct conv_error err;
    double growth_tol, outlier;
    long budget_mib;
    struct conv_schema *units;   /* a set of names */
    struct conv_schema *unsummed; /* units whose figures do not add up: ratios, yields */
    struct conv_schema *regions; /* codes; info by index */
    struct region_info *rinfo;
    size_t rinfo_cap;
    /* the current input */
    char source[256];
    int spreadsheet;
    int per_sheet; /* the rules across records within each sheet (tables) */
    char *sheet_default;
    struct conv_schema *sheets; /* sheet names seen, by index */
    long *map;                  /* record field -> profile field */
    size_t map_n;
    size_t map_required;        /* required profile fields the map reaches */
    int no_records_said;        /* the input has none of them: said once */
    uint64_t map_serial;
    struct conv_schema *unknown_seen;
    struct convp_sorter *sorter;
    struct conv_check_counts counts;
    struct convp_buf key, pay;
    struct code_cache last_unit, last_region;
    /* a profile made from a schema file (option "schema") */
    struct convp_profile own;
    struct convp_pfield *own_fields;
    struct conv_schema *own_schema;
    char what[300]; /* "the indicators profile", "the schema file x" */
    const struct convp_slot **at; /* per profile field, for one record */
    convp_record_namer namer; /* names another record in messages (a merge) */
    uint64_t rel_record, rel_line; /* the other record of the next finding, 0 if none */
    void *namer_user;
    /* the profile fields the rules across records use, or -1 */
    long fi_region, fi_code, fi_parent, fi_period, fi_value, fi_change, fi_unit;
};

/* ---- findings ------------------------------------------------------------------------------ */

struct where {
    uint64_t record, line, column;
    const char *field;
    const char *sheet;
};

static void emit(struct conv_checker *c, enum conv_severity sev, const char *rule,
                 const struct where *w, const char *fmt, ...) CONVP_PRINTF(5, 6);
static void emit(struct conv_checker *c, enum conv_severity sev, const char *rule,
                 const struct where *w, const char *fmt, ...)
{
    struct conv_finding f;
    memset(&f, 0, sizeof f);
    f.rule = rule;
    f.severity = sev;
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&f.where, CONV_E_SCHEMA, c->source, w->line, c->spreadsheet ? 0 : w->column,
                     fmt, ap);
    va_end(ap);
    f.where.record = w->record;
    if (c->rel_record) {
        f.related_record = c->rel_record;
        f.related_line = c->rel_line;
        f.related_source = c->source;
        c->rel_record = c->rel_line = 0;
    }
    if (w->field)
        snprintf(f.where.field, sizeof f.where.field, "%s", w->field);
    char cell[24] = "";
    if (c->spreadsheet && w->line) {
        char col[8] = "";
        if (w->column)
            convp_col_name((uint32_t)w->column, col);
        snprintf(cell, sizeof cell, "%s%llu", col, (unsigned long long)w->line);
        f.cell = cell;
        f.sheet = w->sheet ? w->sheet : c->sheet_default;
    }
    if (sev == CONV_SEVERITY_ERROR)
        c->counts.errors++;
    else
        c->counts.warnings++;
    if (c->fn)
        c->fn(c->user, &f);
}

static int nomem(struct conv_checker *c)
{
    convp_error_set(&c->err, CONV_E_NOMEM, c->source, 0, 0, "out of memory");
    return CONV_ERR;
}

/* ---- code lists ---------------------------------------------------------------------------- */

/* A YYYY-MM-DD date as yyyymmdd, 0 for "". */
static long date_num(const char *d)
{
    if (!d[0])
        return 0;
    return atol(d) * 10000 + atol(d + 5) * 100 + atol(d + 8);
}


static struct conv_reader *open_list(struct conv_checker *c, const char *list, const char *opt,
                                     struct conv_options *ro)
{
    if (conv_options_set(ro, "infer-rows", "0") != CONV_OK ||
        conv_options_set(ro, "from", "csv") != CONV_OK) {
        nomem(c);
        return NULL;
    }
    if (opt)
        return conv_reader_open_file(c->ctx, opt, ro, &c->err);
    size_t size = 0;
    const unsigned char *data = convp_profile_codes(c->prof, list, &size);
    if (!data) {
        convp_error_set(&c->err, CONV_E_USAGE, NULL, 0, 0, "profile %s has no %s list",
                        c->prof->name, list);
        return NULL;
    }
    char name[64];
    snprintf(name, sizeof name, "profiles/%s/%s.csv", c->prof->name, list);
    return conv_reader_open_memory(c->ctx, data, size, name, ro, &c->err);
}

static const char *col_text(const struct conv_record *rec, const char *name)
{
    const struct conv_value *v = conv_record_get(rec, name);
    return v && v->type != CONV_NULL ? v->text : NULL;
}

static int load_list(struct conv_checker *c, const char *list, const char *opt,
                     struct conv_schema *set, const char *key_col)
{
    struct conv_options *ro = conv_options_new(c->ctx);
    if (!ro)
        return nomem(c);
    struct conv_reader *rd = open_list(c, list, opt, ro);
    int rc = CONV_ERR;
    if (!rd)
        goto out;
    if (conv_schema_find(conv_reader_schema(rd), key_col) < 0) {
        convp_error_set(&c->err, CONV_E_SCHEMA, opt ? opt : list, 1, 0,
                        "a %s list needs a column '%s'", list, key_col);
        goto out;
    }
    const struct conv_record *rec;
    int r;
    while ((r = conv_reader_next(rd, &rec)) == CONV_OK) {
        const char *k = col_text(rec, key_col);
        if (!k || convp_schema_find_n(set, k, strlen(k)) >= 0)
            continue;
        long i = convp_schema_add_name(set, k, strlen(k));
        if (i < 0) {
            nomem(c);
            goto out;
        }
        const char *kind = set == c->units ? col_text(rec, "kind") : NULL;
        if (kind && (!strcmp(kind, "ratio") || !strcmp(kind, "yield")) &&
            convp_schema_add_name(c->unsummed, k, strlen(k)) < 0) {
            nomem(c);
            goto out;
        }
        if (set == c->regions) {
            if ((size_t)i >= c->rinfo_cap) {
                size_t cap = c->rinfo_cap ? c->rinfo_cap * 2 : 64;
                struct region_info *ri = convp_realloc(c->ctx, c->rinfo, cap * sizeof *ri);
                if (!ri) {
                    nomem(c);
                    goto out;
                }
                memset(ri + c->rinfo_cap, 0, (cap - c->rinfo_cap) * sizeof *ri);
                c->rinfo = ri;
                c->rinfo_cap = cap;
            }
            struct region_info *ri = &c->rinfo[i];
            const char *name = col_text(rec, "name");
            const char *from = col_text(rec, "valid_from");
            const char *to = col_text(rec, "valid_to");
            if ((from && !convp_is_date(from, strlen(from))) ||
                (to && !convp_is_date(to, strlen(to)))) {
                convp_error_set(&c->err, CONV_E_SCHEMA, opt ? opt : list,
                                conv_record_line(rec), 0,
                                "region %s: valid_from and valid_to are dates (YYYY-MM-DD)", k);
                goto out;
            }
            snprintf(ri->valid_from, sizeof ri->valid_from, "%s", from ? from : "");
            snprintf(ri->valid_to, sizeof ri->valid_to, "%s", to ? to : "");
            ri->from = date_num(ri->valid_from);
            ri->to = date_num(ri->valid_to);
            if (name && !(ri->name = convp_strdup(c->ctx, name))) {
                nomem(c);
                goto out;
            }
        }
    }
    if (r == CONV_ERR) {
        c->err = *conv_reader_error(rd);
        goto out;
    }
    rc = CONV_OK;
out:
    conv_reader_close(rd);
    conv_options_free(ro);
    return rc;
}

/* ---- the checker --------------------------------------------------------------------------- */

static int opt_double(struct conv_checker *c, const struct conv_options *o, const char *name,
                      double dflt, double min, double max, double *out)
{
    const char *v = conv_options_get(o, name);
    *out = dflt;
    if (!v)
        return CONV_OK;
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= min && d <= max)) {
        convp_error_set(&c->err, CONV_E_USAGE, NULL, 0, 0,
                        "option %s: expected a number from %g to %g, got '%s'", name, min, max,
                        v);
        return CONV_ERR;
    }
    *out = d;
    return CONV_OK;
}

/*
 * The rules of a schema file: its fields, types and required ones; a field
 * named as one of the profile's, of the same type, keeps that field's
 * shape and code list, so the rules across records apply when the schema
 * has their fields.
 */
static int own_profile(struct conv_checker *c, const struct convp_profile *base,
                       const char *path)
{
    const struct conv_schema *s = c->own_schema;
    c->own_fields = convp_calloc(c->ctx, s->n ? s->n : 1, sizeof *c->own_fields);
    if (!c->own_fields)
        return nomem(c);
    for (size_t i = 0; i < s->n; i++) {
        const struct conv_field *f = &s->fields[i];
        struct convp_pfield *pf = &c->own_fields[i];
        pf->name = f->name;
        pf->type = f->type;
        pf->required = f->required;
        pf->label = f->label ? f->label : "";
        pf->label_en = f->label_en ? f->label_en : "";
        pf->unit = f->unit;
        pf->shape = f->type == CONV_DECIMAL ? CONVP_SHAPE_NUMBER : CONVP_SHAPE_TEXT;
        long k = convp_profile_field(base, f->name);
        if (k >= 0 && base->fields[k].type == f->type) {
            pf->shape = base->fields[k].shape;
            pf->codes = base->fields[k].codes;
        }
    }
    c->own.name = base->name;
    c->own.title = s->title ? s->title : "";
    c->own.doc = "";
    c->own.fields = c->own_fields;
    c->own.n = s->n;
    c->own.lists = base->lists;
    c->prof = &c->own;
    snprintf(c->what, sizeof c->what, "the schema %.250s", path);
    return CONV_OK;
}

struct conv_checker *conv_checker_new(struct conv_context *ctx, const char *profile,
                                      const struct conv_options *opts, conv_finding_fn fn,
                                      void *user, struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    const struct convp_profile *p = convp_profile_find(profile ? profile : "indicators");
    if (!p) {
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0, "unknown profile '%s' (known: indicators)",
                        profile);
        return NULL;
    }
    struct conv_checker *c = convp_calloc(ctx, 1, sizeof *c);
    if (!c) {
        convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    c->ctx = ctx;
    c->prof = p;
    snprintf(c->what, sizeof c->what, "the %s profile", p->name);
    const char *schema = conv_options_get(opts, "schema");
    if (schema) {
        if (!(c->own_schema = conv_schema_load(ctx, schema, &c->err)) ||
            own_profile(c, p, schema) != CONV_OK)
            goto fail;
        p = c->prof;
    }
    if (!(c->at = convp_calloc(ctx, p->n ? p->n : 1, sizeof *c->at))) {
        nomem(c);
        goto fail;
    }
    c->fi_region = convp_profile_field(p, convp_indicator_field(CONVP_IND_REGION_CODE));
    c->fi_code = convp_profile_field(p, convp_indicator_field(CONVP_IND_INDICATOR_CODE));
    c->fi_parent = convp_profile_field(p, convp_indicator_field(CONVP_IND_PARENT_CODE));
    c->fi_period = convp_profile_field(p, convp_indicator_field(CONVP_IND_PERIOD));
    c->fi_value = convp_profile_field(p, convp_indicator_field(CONVP_IND_VALUE));
    c->fi_change = convp_profile_field(p, convp_indicator_field(CONVP_IND_CHANGE_PCT));
    c->fi_unit = convp_profile_field(p, convp_indicator_field(CONVP_IND_UNIT));
    c->fn = fn;
    c->user = user;
    convp_buf_init(&c->key, ctx);
    convp_buf_init(&c->pay, ctx);
    c->units = conv_schema_new(ctx);
    c->unsummed = conv_schema_new(ctx);
    c->regions = conv_schema_new(ctx);
    if (!c->units || !c->unsummed || !c->regions) {
        nomem(c);
        goto fail;
    }
    if (opt_double(c, opts, "growth-tolerance", GROWTH_TOL_DEFAULT, 0, 1000, &c->growth_tol) !=
            CONV_OK ||
        opt_double(c, opts, "outlier-factor", OUTLIER_DEFAULT, 1.5, 1e9, &c->outlier) !=
            CONV_OK ||
        convp_opt_long(opts, "sort-memory", (long)(SORT_BUDGET_DEFAULT >> 20), 1, 65536, &c->err,
                       &c->budget_mib) != CONV_OK)
        goto fail;
    if (load_list(c, "units", conv_options_get(opts, "units"), c->units, "unit") != CONV_OK ||
        load_list(c, "regions", conv_options_get(opts, "regions"), c->regions, "code") !=
            CONV_OK)
        goto fail;
    return c;
fail:
    if (err)
        *err = c->err;
    conv_checker_free(c);
    return NULL;
}

static void end_input(struct conv_checker *c)
{
    convp_sorter_free(c->sorter);
    c->sorter = NULL;
    conv_schema_free(c->sheets);
    c->sheets = NULL;
    conv_schema_free(c->unknown_seen);
    c->unknown_seen = NULL;
    convp_free(c->ctx, c->sheet_default);
    c->sheet_default = NULL;
    convp_free(c->ctx, c->map);
    c->map = NULL;
    c->map_n = 0;
    c->map_serial = 0;
    c->map_required = 0;
    c->no_records_said = 0;
}

void conv_checker_free(struct conv_checker *c)
{
    if (!c)
        return;
    end_input(c);
    convp_free(c->ctx, c->at);
    convp_free(c->ctx, c->own_fields);
    conv_schema_free(c->own_schema);
    for (size_t i = 0; c->regions && i < c->regions->n && i < c->rinfo_cap; i++)
        convp_free(c->ctx, c->rinfo[i].name);
    convp_free(c->ctx, c->rinfo);
    conv_schema_free(c->units);
    conv_schema_free(c->unsummed);
    conv_schema_free(c->regions);
    convp_buf_free(&c->key);
    convp_buf_free(&c->pay);
    convp_free(c->ctx, c);
}

int conv_checker_begin(struct conv_checker *c, const char *source, int spreadsheet,
                       const char *sheet)
{
    end_input(c);
    memset(&c->counts, 0, sizeof c->counts);
    conv_error_clear(&c->err);
    snprintf(c->source, sizeof c->source, "%s", source ? source : "-");
    c->spreadsheet = spreadsheet;
    c->per_sheet = 0;
    c->sorter = convp_sorter_new(c->ctx, (size_t)c->budget_mib << 20, &c->err);
    c->sheets = conv_schema_new(c->ctx);
    c->unknown_seen = conv_schema_new(c->ctx);
    if (!c->sorter || !c->sheets || !c->unknown_seen ||
        (sheet && !(c->sheet_default = convp_strdup(c->ctx, sheet))))
        return nomem(c);
    return CONV_OK;
}

static int known_code(struct code_cache *cc, const struct conv_schema *list, const char *text,
                      size_t len)
{
    if (len && len == cc->len && !memcmp(cc->text, text, len))
        return 1;
    if (convp_schema_find_n(list, text, len) < 0)
        return 0;
    if (len < sizeof cc->text) {
        memcpy(cc->text, text, len);
        cc->len = len;
    }
    return 1;
}

/* Field names, and the Vietnamese and English labels, name profile fields. */
static long profile_index(const struct convp_profile *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->fields[i].name, name))
            return (long)i;
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->fields[i].label, name) || !strcasecmp(p->fields[i].label_en, name))
            return (long)i;
    return MAP_UNKNOWN;
}

static int build_map(struct conv_checker *c, const struct conv_schema *s)
{
    if (c->map && c->map_serial == s->serial && c->map_n == s->n)
        return CONV_OK;
    long *m = convp_realloc(c->ctx, c->map, (s->n ? s->n : 1) * sizeof *m);
    if (!m)
        return nomem(c);
    c->map = m;
    for (size_t i = 0; i < s->n; i++) {
        m[i] = profile_index(c->prof, s->fields[i].name);
        if (m[i] == MAP_UNKNOWN && c->spreadsheet && !strcmp(s->fields[i].name, "sheet"))
            m[i] = MAP_SHEET;
    }
    c->map_required = 0;
    for (size_t f = 0; f < c->prof->n; f++) {
        int reached = 0;
        for (size_t i = 0; i < s->n && !reached; i++)
            reached = m[i] == (long)f;
        c->map_required += reached && c->prof->fields[f].required;
    }
    c->map_n = s->n;
    c->map_serial = s->serial;
    return CONV_OK;
}

static int is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

static int is_number_text(const struct conv_value *v)
{
    return v->type == CONV_INTEGER || v->type == CONV_DECIMAL ||
           ((v->type == CONV_STRING || (v->flags & CONV_VALUE_RAW)) &&
            (convp_is_integer(v->text, v->len) || convp_is_decimal(v->text, v->len)));
}

/* A value of type t, or text that reads as one. */
static int fits(const struct conv_value *v, enum conv_type t)
{
    if (v->type == t || (t == CONV_DECIMAL && v->type == CONV_INTEGER))
        return 1;
    /* Text, or a decimal column's value that is whole. */
    if (v->type != CONV_STRING && !(v->flags & CONV_VALUE_RAW) &&
        !(t == CONV_INTEGER && v->type == CONV_DECIMAL))
        return 0;
    return conv_text_is(t, v->text, v->len);
}

/* Digits after the point of a number's text, less its exponent. */
static int decimals_of(const char *s, size_t n)
{
    int d = 0, in_frac = 0;
    size_t i = 0;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.')
            in_frac = 1;
        else if (in_frac)
            d++;
    }
    if (i < n)
        d -= atoi(s + i + 1);
    return d;
}

/* The first and last day of a period as yyyymmdd (day 31 for every
 * month: it compares right against real dates). */
static void period_bounds(const struct convp_period *p, long *start, long *end)
{
    *start = (long)p->year * 10000 + p->first * 100 + 1;
    *end = (long)p->year * 10000 + p->last * 100 + 31;
}

/* The payload of a sort item. */
struct item {
    uint64_t record, line;
    uint32_t vcol, ccol; /* columns of value and change */
    uint32_t sheet;      /* sheet index + 1, 0 none */
    double value, change;
    int16_t vdec, cdec;
    uint8_t has_change;
    uint8_t pad[3];
    int32_t year;
    uint16_t vlen, ulen, clen, codelen; /* texts after the struct */
};

static int add_item(struct conv_checker *c, const struct item *it, const char *vtext,
                    const char *unit, const char *ctext, const char *code)
{
    const struct convp_sort_piece pieces[] = {{it, sizeof *it},
                                              {vtext, it->vlen},
                                              {unit, it->ulen},
                                              {ctext, it->clen},
                                              {code, it->codelen}};
    return convp_sorter_addv(c->sorter, c->key.data, c->key.len, pieces,
                             sizeof pieces / sizeof pieces[0], &c->err);
}

/*
 * The sort key of an item: region \x01 code \x01, then four bytes of
 * period (kind, part, year big-endian) and one of role.  The fixed tail
 * puts a history in year order, each year's components right after their
 * total, and keeps most keys within the 16 bytes the sort compares first.
 */
#define KEY_TAIL 5

static int key_make(struct conv_checker *c, uint32_t sheet, const char *region, size_t rlen,
                    const char *code, size_t clen, const struct convp_period *p, char role)
{
    char tail[KEY_TAIL] = {p->kind, (char)p->part, (char)(p->year >> 8), (char)(p->year & 0xff),
                           role};
    struct convp_buf *k = &c->key;
    k->len = 0;
    if (c->per_sheet) {
        /* the sheet's number first: codes are the sheet's own */
        char pre[16];
        int n = snprintf(pre, sizeof pre, "%u\x02", (unsigned)sheet);
        if (convp_buf_append(k, pre, (size_t)n) != 0)
            return nomem(c);
    }
    if (convp_buf_append(k, region, rlen) != 0 || convp_buf_putc(k, '\x01') != 0 ||
        convp_buf_append(k, code, clen) != 0 || convp_buf_putc(k, '\x01') != 0 ||
        convp_buf_append(k, tail, sizeof tail) != 0)
        return nomem(c);
    return CONV_OK;
}

static size_t clip(size_t n)
{
    return n > TEXT_MAX ? TEXT_MAX : n;
}

static size_t required_count(const struct convp_profile *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->fields[i].required != 0;
    return n;
}

/* Append a name to a list for a message, "..." once it is full. */
static void list_name(char *list, size_t size, const char *name)
{
    size_t k = strlen(list);
    if (k >= 3 && !strcmp(list + k - 3, "..."))
        return;
    size_t need = (k ? 2 : 0) + strlen(name);
    if (k + need + 6 >= size) {
        snprintf(list + k, size - k, "%s...", k ? ", " : "");
        return;
    }
    snprintf(list + k, size - k, "%s%s", k ? ", " : "", name);
}

/*
 * The input holds none of the fields the profile requires: no indicator
 * records at all (a list of provinces, a conversion table).  One finding
 * for the input, at its header, naming the fields missing and the
 * input's own, instead of one per field and record.
 */
static void say_no_records(struct conv_checker *c, const struct conv_record *rec)
{
    const struct conv_schema *s = rec->schema;
    char missing[96] = "", have[96] = "";
    for (size_t i = 0; i < c->prof->n; i++)
        if (c->prof->fields[i].required)
            list_name(missing, sizeof missing, c->prof->fields[i].name);
    for (size_t i = 0; i < s->n; i++)
        if (!(c->spreadsheet && !strcmp(s->fields[i].name, "sheet")))
            list_name(have, sizeof have, s->fields[i].name);
    struct where w = {0, rec->line, 0, NULL, NULL};
    if (s->pos && s->n) {
        /* The header: where the first field is named. */
        size_t first = c->spreadsheet && s->n > 1 && !strcmp(s->fields[0].name, "sheet");
        if (s->pos[first].line) {
            w.line = s->pos[first].line;
            w.column = s->pos[first].column;
        }
    }
    for (size_t i = 0; i < rec->n; i++)
        if (c->map && rec->slots[i].field < c->map_n && c->map[rec->slots[i].field] == MAP_SHEET &&
            rec->slots[i].value.type != CONV_NULL)
            w.sheet = rec->slots[i].value.text;
    emit(c, CONV_SEVERITY_ERROR, "no-records", &w,
         "no indicator records: none of the fields %.80s requires (%s) is here; its fields: %s",
         c->what, missing, have[0] ? have : "none");
}

int conv_checker_put(struct conv_checker *c, const struct conv_record *rec)
{
    if (c->err.code != CONV_E_NONE)
        return CONV_ERR;
    if (!c->sorter && conv_checker_begin(c, rec->source, 0, NULL) != CONV_OK)
        return CONV_ERR;
    c->counts.records++;
    if (build_map(c, rec->schema) != CONV_OK)
        return CONV_ERR;
    if (c->map_required == 0 && required_count(c->prof) > 0) {
        /* Not indicator records at all: said once, not per record. */
        if (!c->no_records_said)
            say_no_records(c, rec);
        c->no_records_said = 1;
        return CONV_OK;
    }
    const struct convp_profile *p = c->prof;
    const struct convp_slot **at = c->at;
    memset(at, 0, p->n * sizeof *at);
    const char *sheet = NULL;
    struct where w = {rec->index, rec->line, 0, NULL, NULL};
    for (size_t i = 0; i < rec->n; i++) {
        const struct convp_slot *s = &rec->slots[i];
        long m = s->field < c->map_n ? c->map[s->field] : MAP_UNKNOWN;
        if (m == MAP_SHEET) {
            if (s->value.type != CONV_NULL)
                sheet = s->value.text;
        } else if (m >= 0) {
            at[m] = s;
        } else {
            const char *name = rec->schema->fields[s->field].name;
            if (convp_schema_find_n(c->unknown_seen, name, strlen(name)) >= 0)
                continue;
            if (convp_schema_add_name(c->unknown_seen, name, strlen(name)) < 0)
                return nomem(c);
            struct where u = {rec->index, s->line, s->column, name, NULL};
            emit(c, CONV_SEVERITY_WARNING, "unknown-field", &u, "field '%s' is not in %s", name,
                 c->what);
        }
    }
    if (!sheet && c->spreadsheet)
        sheet = rec->sheet; /* no sheet field: where the reader read it */
    w.sheet = sheet;
    uint32_t sheet_id = 0;
    if (sheet) {
        long k = convp_schema_find_n(c->sheets, sheet, strlen(sheet));
        if (k < 0 && (k = convp_schema_add_name(c->sheets, sheet, strlen(sheet))) < 0)
            return nomem(c);
        sheet_id = (uint32_t)k + 1;
    }

    int ok_region = 0, ok_code = 0, ok_period = 0, ok_value = 0, ok_change = 0;
    struct convp_period per = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < p->n; i++) {
        const struct convp_pfield *f = &p->fields[i];
        const struct convp_slot *s = at[i];
        w.field = f->name;
        w.line = s ? s->line : rec->line;
        w.column = s ? s->column : 0;
        if (!s || s->value.type == CONV_NULL) {
            if (f->required)
                emit(c, CONV_SEVERITY_ERROR, "required", &w,
                     s ? "field '%s' is required but has no value"
                       : "field '%s' is required but missing",
                     f->name);
            continue;
        }
        const struct conv_value *v = &s->value;
        if (f->type == CONV_DECIMAL) {
            if (!is_number_text(v)) {
                emit(c, CONV_SEVERITY_ERROR, "type", &w, "field '%s': '%.60s' is not a number",
                     f->name, v->text);
                continue;
            }
        } else if (f->type != CONV_STRING && f->type != CONV_ANY && !fits(v, f->type)) {
            emit(c, CONV_SEVERITY_ERROR, "type", &w, "field '%s': '%.60s' is not a valid %s",
                 f->name, v->text, conv_type_name(f->type));
            continue;
        } else if (v->len == 0 && f->required) {
            emit(c, CONV_SEVERITY_ERROR, "required", &w, "field '%s' is required but empty",
                 f->name);
            continue;
        }
        switch (f->shape) {
        case CONVP_SHAPE_REGION:
            if (v->len < 2 || v->len > 5 || !is_digits(v->text, v->len)) {
                emit(c, CONV_SEVERITY_ERROR, "region-code", &w,
                     "region code '%.40s' is not 2 to 5 digits", v->text);
                continue;
            }
            break;
        case CONVP_SHAPE_INDICATOR:
            if (v->len < 2 || v->len > 32 || v->len % 2 || !is_digits(v->text, v->len)) {
                emit(c, CONV_SEVERITY_ERROR, "indicator-code", &w,
                     "%s '%.40s' is not two digits per level (01, 0101, ...)", f->name,
                     v->text);
                continue;
            }
            break;
        case CONVP_SHAPE_PERIOD:
            if (convp_period_parse(v->text, v->len, &per) != 0) {
                emit(c, CONV_SEVERITY_ERROR, "period", &w,
                     "period '%.40s' is not a year, quarter, half, nine months or month "
                     "(2021, 2021-Q3, 2021-H1, 2021-9M, 2021-06)",
                     v->text);
                continue;
            }
            ok_period = 1;
            break;
        case CONVP_SHAPE_STATUS: {
            int known = 0;
            for (size_t k = 0; convp_status_values[k]; k++)
                known |= !strcmp(v->text, convp_status_values[k]);
            if (!known) {
                emit(c, CONV_SEVERITY_ERROR, "status", &w,
                     "status '%.40s' is not official, preliminary or estimate", v->text);
                continue;
            }
            break;
        }
        default:
            break;
        }
        if (f->codes && !strcmp(f->codes, "units") &&
            !known_code(&c->last_unit, c->units, v->text, v->len)) {
            emit(c, CONV_SEVERITY_ERROR, "unit", &w,
                 "unit '%.40s' is not in the list of units (profiles/%s/units.csv)", v->text,
                 p->name);
            continue;
        }
        if (f->codes && !strcmp(f->codes, "regions")) {
            if (!known_code(&c->last_region, c->regions, v->text, v->len)) {
                emit(c, CONV_SEVERITY_ERROR, "region", &w,
                     "region code '%.40s' is not in the list of administrative units", v->text);
                continue;
            }
        }
        long fi = (long)i;
        ok_region |= fi == c->fi_region;
        ok_code |= fi == c->fi_code;
        ok_value |= fi == c->fi_value;
        ok_change |= fi == c->fi_change;
    }

    if (c->fi_region < 0 || c->fi_code < 0 || c->fi_value < 0 || c->fi_period < 0)
        return CONV_OK; /* without these, no rule across records */
    const struct convp_slot *sr = at[c->fi_region], *sc = at[c->fi_code];
    const struct convp_slot *sv = at[c->fi_value];
    const struct convp_slot *sp = c->fi_parent >= 0 ? at[c->fi_parent] : NULL;
    const struct convp_slot *sch = c->fi_change >= 0 ? at[c->fi_change] : NULL;
    const struct convp_slot *su = c->fi_unit >= 0 ? at[c->fi_unit] : NULL;
    int has_parent = sp && sp->value.type != CONV_NULL && sp->value.len > 0;
    if (has_parent && ok_code && sp->value.len == sc->value.len &&
        !memcmp(sp->value.text, sc->value.text, sc->value.len)) {
        struct where pw = {rec->index, sp->line, sp->column,
                           convp_indicator_field(CONVP_IND_PARENT_CODE), sheet};
        emit(c, CONV_SEVERITY_ERROR, "parent", &pw, "indicator %s is its own parent",
             sc->value.text);
        has_parent = 0;
    }
    if (ok_region && ok_period) {
        long ri = convp_schema_find_n(c->regions, sr->value.text, sr->value.len);
        if (ri >= 0 && (size_t)ri < c->rinfo_cap) {
            const struct region_info *info = &c->rinfo[ri];
            long start, end;
            period_bounds(&per, &start, &end);
            struct where rw = {rec->index, sr->line, sr->column,
                               convp_indicator_field(CONVP_IND_REGION_CODE), sheet};
            if (info->to && start > info->to)
                emit(c, CONV_SEVERITY_WARNING, "region-period", &rw,
                     "region code %s (%s) ended on %s, before period %.20s: later periods use "
                     "the codes of the new administrative units",
                     sr->value.text, info->name ? info->name : "?", info->valid_to,
                     at[c->fi_period]->value.text);
            else if (info->from && end < info->from)
                emit(c, CONV_SEVERITY_WARNING, "region-period", &rw,
                     "region code %s (%s) starts on %s, after period %.20s", sr->value.text,
                     info->name ? info->name : "?", info->valid_from,
                     at[c->fi_period]->value.text);
        }
    }
    if (!(ok_region && ok_code && ok_period && ok_value))
        return CONV_OK;

    /* Items for the rules across records. */
    struct item it;
    memset(&it, 0, sizeof it);
    it.record = rec->index;
    it.line = sv->line ? sv->line : rec->line;
    it.vcol = sv->column;
    it.sheet = sheet_id;
    it.value = strtod(sv->value.text, NULL);
    it.vdec = (int16_t)decimals_of(sv->value.text, sv->value.len);
    it.year = per.year;
    it.vlen = (uint16_t)clip(sv->value.len);
    const char *unit = su && su->value.type != CONV_NULL ? su->value.text : "";
    it.ulen = (uint16_t)clip(strlen(unit));
    const char *ctext = "";
    if (ok_change && sch && sch->value.type != CONV_NULL) {
        it.has_change = 1;
        it.change = strtod(sch->value.text, NULL);
        it.cdec = (int16_t)decimals_of(sch->value.text, sch->value.len);
        it.ccol = sch->column;
        ctext = sch->value.text;
        it.clen = (uint16_t)clip(sch->value.len);
    }
    const char *region = sr->value.text, *code = sc->value.text;
    size_t rlen = sr->value.len, clen = sc->value.len;
    /* The record under its own code (role 0): its history, and the total
     * of its components; a component also under its parent's code (role
     * 1), carrying its own code.  Keys sort a history by year and put
     * each year's components right after their total. */
    if (key_make(c, it.sheet, region, rlen, code, clen, &per, 0) != CONV_OK ||
        add_item(c, &it, sv->value.text, unit, ctext, "") != CONV_OK)
        return CONV_ERR;
    if (has_parent && sp->value.len <= 32) {
        if (key_make(c, it.sheet, region, rlen, sp->value.text, sp->value.len, &per, 1) !=
            CONV_OK)
            return CONV_ERR;
        it.codelen = (uint16_t)clen;
        if (add_item(c, &it, sv->value.text, unit, ctext, code) != CONV_OK)
            return CONV_ERR;
    }
    return CONV_OK;
}

/* ---- rules across records ------------------------------------------------------------------ */

struct entry {
    struct item it;
    char value[TEXT_MAX + 1];
    char unit[TEXT_MAX + 1];
    char change[TEXT_MAX + 1];
    char code[40];
};

static void entry_from(struct entry *e, const struct convp_sort_item *si)
{
    memcpy(&e->it, si->payload, sizeof e->it);
    const unsigned char *t = si->payload + sizeof e->it;
    memcpy(e->value, t, e->it.vlen);
    e->value[e->it.vlen] = '\0';
    t += e->it.vlen;
    memcpy(e->unit, t, e->it.ulen);
    e->unit[e->it.ulen] = '\0';
    t += e->it.ulen;
    memcpy(e->change, t, e->it.clen);
    e->change[e->it.clen] = '\0';
    t += e->it.clen;
    size_t cl = e->it.codelen < sizeof e->code ? e->it.codelen : sizeof e->code - 1;
    memcpy(e->code, t, cl);
    e->code[cl] = '\0';
}

/* Copy what an entry holds, not its whole arrays. */
static void entry_copy(struct entry *d, const struct entry *e)
{
    d->it = e->it;
    memcpy(d->value, e->value, (size_t)e->it.vlen + 1);
    memcpy(d->unit, e->unit, (size_t)e->it.ulen + 1);
    memcpy(d->change, e->change, (size_t)e->it.clen + 1);
    memcpy(d->code, e->code, strlen(e->code) + 1);
}

static const char *sheet_of(struct conv_checker *c, const struct item *it)
{
    return it->sheet && it->sheet <= c->sheets->n ? c->sheets->fields[it->sheet - 1].name : NULL;
}

static double half_unit(int dec)
{
    return 0.5 * pow(10.0, -dec);
}

/* The region and code of a key. */
static void key_parts(const struct convp_sort_item *si, char *region, size_t rsize, char *code,
                      size_t csize)
{
    const unsigned char *k = si->key, *e = si->key + si->klen - KEY_TAIL;
    const unsigned char *a = memchr(k, 1, (size_t)(e - k));
    if (!a)
        a = e;
    const unsigned char *sheet = memchr(k, 2, (size_t)(a - k));
    if (sheet)
        k = sheet + 1; /* past the sheet's number */
    size_t n = (size_t)(a - k) < rsize - 1 ? (size_t)(a - k) : rsize - 1;
    memcpy(region, k, n);
    region[n] = '\0';
    code[0] = '\0';
    if (a == e)
        return;
    const unsigned char *b = memchr(a + 1, 1, (size_t)(e - a - 1));
    if (!b)
        b = e;
    n = (size_t)(b - a - 1) < csize - 1 ? (size_t)(b - a - 1) : csize - 1;
    memcpy(code, a + 1, n);
    code[n] = '\0';
}

/* A number of 15 significant digits or more is one a spreadsheet computed
 * and shows to its precision (1/3 as 0.333333333333333): it is only
 * known to half a unit of its last digit, which adds up over a sum.  A
 * number typed by a person, shorter, is taken as exact. */
static double computed_slack(const struct entry *e)
{
    int digits = 0, started = 0;
    for (const char *p = e->value; *p; p++)
        if (*p >= '0' && *p <= '9') {
            started |= *p != '0';
            digits += started;
        }
    return digits >= 15 ? half_unit(e->it.vdec) : 0;
}

struct sum_group {
    int has_total;
    struct entry total;
    int n;
    double sum;
    int min_dec;
    double slack; /* the rounding of numbers a spreadsheet computed */
    int unit_mismatch;
    struct entry first;
    size_t list_len;
    char list[SUM_LIST * (40 + TEXT_MAX + 4) + 8];
};

static void sum_reset(struct sum_group *g)
{
    g->has_total = 0;
    g->n = 0;
    g->sum = 0;
    g->min_dec = 0;
    g->slack = 0;
    g->unit_mismatch = 0;
    g->list_len = 0;
    g->list[0] = '\0';
}

static void list_add(struct sum_group *g, const char *s, size_t n)
{
    if (g->list_len + n < sizeof g->list) {
        memcpy(g->list + g->list_len, s, n);
        g->list_len += n;
        g->list[g->list_len] = '\0';
    }
}

static void sum_finish(struct conv_checker *c, struct sum_group *g, const char *region,
                       const char *code)
{
    if (g->n == 0)
        return;
    if (!g->has_total) {
        struct where w = {g->first.it.record, g->first.it.line, 0,
                          convp_indicator_field(CONVP_IND_PARENT_CODE), sheet_of(c, &g->first.it)};
        emit(c, CONV_SEVERITY_WARNING, "parent", &w,
             "parent indicator %s has no record for region %s in this period", code, region);
        return;
    }
    struct where w = {g->total.it.record, g->total.it.line, g->total.it.vcol, "value",
                      sheet_of(c, &g->total.it)};
    c->rel_record = g->first.it.record;
    c->rel_line = g->first.it.line;
    if (g->unit_mismatch) {
        emit(c, CONV_SEVERITY_WARNING, "sum-unit", &w,
             "components of %s are not all in its unit (%s): their sum is not checked", code,
             g->total.unit);
        return;
    }
    if (convp_schema_find_n(c->unsummed, g->total.unit, strlen(g->total.unit)) >= 0)
        return; /* rates, shares, yields: the parts' do not add up to the whole's */
    int dec = g->min_dec < g->total.it.vdec ? g->min_dec : g->total.it.vdec;
    double tol = (half_unit(dec) + g->slack + computed_slack(&g->total)) * (1 + 1e-9);
    double diff = g->sum - g->total.it.value;
    if (fabs(diff) > tol) {
        char sum[64];
        snprintf(sum, sizeof sum, "%.*f", dec > 0 ? dec : 0, g->sum);
        emit(c, CONV_SEVERITY_ERROR, "sum", &w,
             "components of %s add up to %s (%s), not %s %s", code, sum, g->list,
             g->total.value, g->total.unit);
    }
    c->rel_record = c->rel_line = 0; /* no finding: nothing related */
}

static void sum_add(struct sum_group *g, const struct entry *e, int role)
{
    if (role == 0) {
        if (!g->has_total) {
            g->has_total = 1;
            entry_copy(&g->total, e);
        }
        return;
    }
    if (g->n == 0) {
        entry_copy(&g->first, e);
        g->min_dec = e->it.vdec;
    }
    if (g->has_total && strcmp(e->unit, g->total.unit) != 0)
        g->unit_mismatch = 1;
    g->sum += e->it.value;
    if (e->it.vdec < g->min_dec)
        g->min_dec = e->it.vdec;
    g->slack += computed_slack(e);
    if (g->n < SUM_LIST) {
        /* "code value" joined by " + ": codes are at most 32 bytes, values
         * TEXT_MAX, so SUM_LIST of them fit. */
        if (g->n)
            list_add(g, " + ", 3);
        list_add(g, e->code, strlen(e->code));
        list_add(g, " ", 1);
        list_add(g, e->value, strlen(e->value));
    } else if (g->n == SUM_LIST) {
        list_add(g, " + ...", 6);
    }
    g->n++;
}

struct history {
    int n;
    struct entry prev[HISTORY]; /* oldest first */
};

static double median(const struct history *h)
{
    double v[HISTORY];
    int n = h->n;
    for (int i = 0; i < n; i++)
        v[i] = h->prev[i].it.value;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void history_step(struct conv_checker *c, struct history *h, const struct entry *e)
{
    const struct entry *last = h->n ? &h->prev[h->n - 1] : NULL;
    const char *sheet = sheet_of(c, &e->it);
    if (last && last->it.year == e->it.year) {
        struct where w = {e->it.record, e->it.line, 0, NULL, sheet};
        c->rel_record = last->it.record;
        c->rel_line = last->it.line;
        char other[300];
        if (c->namer)
            c->namer(c->namer_user, last->it.record, other, sizeof other);
        else
            snprintf(other, sizeof other, "record %llu", (unsigned long long)last->it.record);
        emit(c, CONV_SEVERITY_ERROR, "duplicate", &w,
             "same region, indicator and period as %s (line %llu)", other,
             (unsigned long long)last->it.line);
        return;
    }
    if (e->it.has_change && last && last->it.year == e->it.year - 1) {
        double hv = half_unit(e->it.vdec), hp = half_unit(last->it.vdec);
        double hc = half_unit(e->it.cdec);
        double plo = last->it.value - hp, phi = last->it.value + hp;
        double v = e->it.value;
        if (plo > 0 && v - hv >= 0) {
            double gmin = ((v - hv) / phi - 1) * 100, gmax = ((v + hv) / plo - 1) * 100;
            double c0 = e->it.change - hc - c->growth_tol, c1 = e->it.change + hc + c->growth_tol;
            if (c1 < gmin || c0 > gmax) {
                struct where w = {e->it.record, e->it.line, e->it.ccol,
                                  convp_indicator_field(CONVP_IND_CHANGE_PCT), sheet};
                c->rel_record = last->it.record;
                c->rel_line = last->it.line;
                emit(c, CONV_SEVERITY_ERROR, "growth", &w,
                     "change %s %% contradicts the value %s against %s the year before "
                     "(%.1f %%)",
                     e->change, e->value, last->value, (v / last->it.value - 1) * 100);
            }
        }
    }
    if (h->n) {
        double m = median(h), v = e->it.value;
        if (m > 0 && v > 0) {
            double ratio = v / m;
            if (ratio > c->outlier || ratio < 1 / c->outlier) {
                struct where w = {e->it.record, e->it.line, e->it.vcol, "value", sheet};
                emit(c, CONV_SEVERITY_WARNING, "outlier", &w,
                     "value %s is %.3g times the median %.15g of the %d period%s before", e->value,
                     ratio, m, h->n, h->n > 1 ? "s" : "");
            }
        }
    }
    if (h->n == HISTORY) {
        for (int k = 1; k < HISTORY; k++)
            entry_copy(&h->prev[k - 1], &h->prev[k]);
        h->n--;
    }
    entry_copy(&h->prev[h->n++], e);
}

int conv_checker_finish(struct conv_checker *c)
{
    if (c->err.code != CONV_E_NONE)
        return CONV_ERR;
    if (!c->sorter)
        return CONV_OK;
    if (convp_sorter_finish(c->sorter, &c->err) != CONV_OK)
        return CONV_ERR;
    struct convp_sort_item si;
    int r;
    char group[128];
    size_t glen = 0;
    struct sum_group *sg = convp_calloc(c->ctx, 1, sizeof *sg);
    struct history *hist = convp_calloc(c->ctx, 1, sizeof *hist);
    struct entry *e = convp_malloc(c->ctx, sizeof *e);
    char region[64] = "", code[64] = "";
    if (!sg || !hist || !e) {
        convp_free(c->ctx, sg);
        convp_free(c->ctx, hist);
        convp_free(c->ctx, e);
        return nomem(c);
    }
    char hgroup[128];
    size_t hlen = 0;
    int have_sum = 0, have_hist = 0;
    while ((r = convp_sorter_next(c->sorter, &si, &c->err)) == 1) {
        /* A sum group is the key less its role; a history, less the year
         * too. */
        if (si.klen < KEY_TAIL + 4 || si.klen > sizeof group)
            continue; /* not made by conv_checker_put */
        size_t ns = si.klen - 1, nh = si.klen - 3;
        if (!have_sum || ns != glen || memcmp(group, si.key, ns) != 0) {
            if (have_sum)
                sum_finish(c, sg, region, code);
            sum_reset(sg);
            have_sum = 1;
            glen = ns;
            memcpy(group, si.key, ns);
            key_parts(&si, region, sizeof region, code, sizeof code);
        }
        if (!have_hist || nh != hlen || memcmp(hgroup, si.key, nh) != 0) {
            hist->n = 0;
            have_hist = 1;
            hlen = nh;
            memcpy(hgroup, si.key, nh);
        }
        entry_from(e, &si);
        int role = si.key[si.klen - 1] == 1;
        if (!role)
            history_step(c, hist, e);
        sum_add(sg, e, role);
    }
    if (r >= 0 && have_sum)
        sum_finish(c, sg, region, code);
    convp_free(c->ctx, sg);
    convp_free(c->ctx, hist);
    convp_free(c->ctx, e);
    convp_sorter_free(c->sorter);
    c->sorter = NULL;
    return r < 0 ? CONV_ERR : CONV_OK;
}

void convp_checker_set_namer(struct conv_checker *c, convp_record_namer fn, void *user)
{
    c->namer = fn;
    c->namer_user = user;
}

const struct conv_check_counts *conv_checker_counts(const struct conv_checker *c)
{
    return &c->counts;
}

const struct conv_error *conv_checker_error(const struct conv_checker *c)
{
    return &c->err;
}

/* Read a file with the caller's reading options, less any declared schema:
 * the checker types values itself, so that every finding is reported. */
int conv_checker_check_file(struct conv_checker *c, const char *path,
                            const struct conv_options *opts, struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct conv_options *ro = conv_options_new(c->ctx);
    if (!ro)
        return nomem(c);
    for (size_t i = 0; opts && i < opts->n; i++)
        if (strcmp(opts->names[i], "schema") && strcmp(opts->names[i], "profile") &&
            conv_options_set(ro, opts->names[i], opts->values[i]) != CONV_OK) {
            conv_options_free(ro);
            return nomem(c);
        }
    if (opts) {
        conv_options_set_progress(ro, opts->progress, opts->progress_user);
        conv_options_set_diag(ro, opts->diag, opts->diag_user);
    }
    /* A table made for people is read as this profile's records (the
     * indicators are the one profile the table layout knows): its values
     * with their indicator, period and region, not cell by cell. */
    const char *layout = conv_options_get(ro, "layout");
    if (layout && !strcmp(layout, "table") && !strcmp(c->prof->name, "indicators") &&
        conv_options_set(ro, "profile", c->prof->name) != CONV_OK) {
        conv_options_free(ro);
        return nomem(c);
    }
    /* A reader that maps its records to a profile (SDMX) gives this one's
     * fields; other readers ignore the option. */
    if (!conv_options_get(ro, "sdmx-profile") &&
        conv_options_set(ro, "sdmx-profile", c->prof->name) != CONV_OK) {
        conv_options_free(ro);
        return nomem(c);
    }
    int rc = CONV_ERR;
    struct conv_reader *rd = conv_reader_open_file(c->ctx, path, ro, err);
    if (!rd)
        goto out;
    int sheetful = (conv_format_caps(conv_reader_format(rd)) & CONV_FORMAT_SHEETS) != 0;
    const char *sheet = sheetful ? conv_reader_info(rd, "sheet") : NULL;
    if (conv_checker_begin(c, path && strcmp(path, "-") ? path : "-", sheetful, sheet) !=
        CONV_OK) {
        if (err)
            *err = c->err;
        goto out;
    }
    /* A table's codes, numbered from its hierarchy, are its sheet's own:
     * duplicates, sums and histories are looked for within each sheet. */
    c->per_sheet = sheetful && layout && !strcmp(layout, "table");
    const struct conv_record *rec;
    int r;
    while ((r = conv_reader_next(rd, &rec)) == CONV_OK)
        if (conv_checker_put(c, rec) != CONV_OK)
            break;
    if (c->err.code != CONV_E_NONE) {
        if (err)
            *err = c->err;
        goto out;
    }
    if (r == CONV_ERR) {
        const struct conv_error *re = conv_reader_error(rd);
        if (re->code == CONV_E_IO || re->code == CONV_E_NOMEM || re->code == CONV_E_CANCELED) {
            if (err)
                *err = *re;
            goto out;
        }
        /* Bad input ends the reading; it is a finding like the others. */
        struct conv_finding f;
        memset(&f, 0, sizeof f);
        f.rule = "read";
        f.severity = CONV_SEVERITY_ERROR;
        f.where = *re;
        c->counts.errors++;
        if (c->fn)
            c->fn(c->user, &f);
    }
    if (conv_checker_finish(c) != CONV_OK) {
        if (err)
            *err = c->err;
        goto out;
    }
    rc = CONV_OK;
out:
    conv_reader_close(rd);
    conv_options_free(ro);
    return rc;
}
