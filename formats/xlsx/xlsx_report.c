/*
 * The report workbook (--layout report, docs/formats.md "Report workbook"):
 * indicator records held in compact form, then one sheet per region laid
 * out as a Vietnamese administrative report: issuing body and national
 * motto, place and date, title, the table of indicators (by hierarchy) by
 * period with the change on the same period a year before, and the
 * signature block; Times New Roman, A4 landscape.  A hidden sheet,
 * _conv_report (sheet_report.h), says what each row and column of the
 * tables is, so that reading the workbook gives the records back.
 */
#include "xlsx_book.h"

#include "profile/profile.h"
#include "sheet_report.h"

#include <math.h> /* isfinite: a macro; nothing from libm */
#include <stdlib.h>

#include <utf8proc.h>

#define FONT "Times New Roman"
#define SIZE_TEXT 12
#define SIZE_TITLE 14
#define SIZE_SMALL 11           /* the recipients */
#define SHEET_UNNAMED "Báo cáo" /* "Report": records without a region */
#define MOTTO_1 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
#define MOTTO_2 "Độc lập - Tự do - Hạnh phúc"
#define ISSUER_RULE "────────" /* the short line under the issuing body */
#define SIGNER_TITLE "THỦ TRƯỞNG ĐƠN VỊ"
#define SIGN_NOTE "(Ký, ghi rõ họ tên, đóng dấu)"
#define SIGN_ROOM 4         /* empty rows left for the signature */
#define MAX_DEPTH 16        /* levels of the indicator hierarchy */
#define VN_OFFSET 25200     /* the heading's date is Vietnam's (UTC+07:00) */
#define CHARS_PER_UNIT 1.15 /* Times New Roman 12 against the width unit */
#define LINE_PT 16.0        /* a line of 12-point text, in points */
#define NAME_WIDTH_MIN 30   /* the indicator column, in characters */
#define NAME_WIDTH_MAX 50
#define NUM_MIN 11
#define HEAD_WORD_MAX 30 /* characters of a heading's word that widen its column */
#define BLOCK_MIN 48     /* the right heading block, for the motto */
#define NONE UINT32_MAX
/* Records a report holds at most: a report is a summary table. */
#define MAX_RECORDS 100000u
/* Text it keeps of them (codes, names, units, numbers) at most. */
#define MAX_TEXT ((size_t)64 << 20)
/* Regions, a sheet each, at most (as the people layout's sheets). */
#define MAX_REGIONS 1000u
/* Cells of its tables (rows times columns, all sheets) at most. */
#define MAX_CELLS 4000000u

/* The fields the report cannot do without (of the indicators profile). */
static const enum convp_indicator_field required[] = {CONVP_IND_INDICATOR_CODE, CONVP_IND_PERIOD,
                                                      CONVP_IND_VALUE};
#define NREQUIRED (sizeof required / sizeof required[0])
_Static_assert(NREQUIRED == 3, "the header's error names three fields");

struct rp_period {
    uint32_t text;
    int known;               /* one of the profile's periods, read into per */
    struct convp_period per; /* (convp_period_parse) */
    uint32_t seen;           /* first-seen order */
};

struct rp_region {
    uint32_t code, name;
    uint32_t first_row, last_row; /* list through rp_row.next */
};

/* One indicator of one region: a table row. */
struct rp_row {
    uint32_t region, code, name, parent, unit;
    uint32_t next;                   /* next row of the region */
    uint32_t first_cell, last_cell;  /* its values, through rp_cell.next */
    uint32_t child, last_child, sib; /* the hierarchy, at the end */
    int depth, total;
    char stt[12 * MAX_DEPTH]; /* 1.2.3: up to 11 characters a level */
};

/* One value: a row at a period. */
struct rp_cell {
    uint32_t period, value, change, plan, status;
    uint32_t next;
};

/* An entry of the report's description (sheet_report.h): its texts by
 * column (offsets into the held text, 0 for none). */
struct rp_desc {
    uint32_t f[CONVP_RD_COLS];
    uint8_t kind; /* enum convp_rd_kind */
    uint8_t role; /* a column's: the profile field + 1, or 0 */
    uint8_t has_computed;
    double computed; /* a computed change, as the table shows it */
};

/* A cell format: the properties that make one (no padding: compared whole). */
struct rp_fkey {
    uint8_t bold, italic, underline, wrap, border, halign, valign, size, indent;
    uint8_t number; /* a number format with number - 1 decimals; 0: none */
};
#define NUMBER_GENERAL (2 + CONVP_XLSX_MAX_DECIMALS) /* rp_fkey.number: General */

struct rp_fmt {
    struct rp_fkey key;
    lxw_format *fmt;
};

struct report {
    struct conv_context *ctx;
    struct convp_xlsx_book *book; /* the workbook, its title and creation time */
    /* options */
    const char *issuer, *place, *signer, *signer_title, *recipients;
    size_t max_records;
    /* the header */
    long col[CONVP_IND_FIELDS]; /* the header's column of each profile field, or -1 */
    /* what is held */
    struct convp_buf text; /* every string, NUL-terminated; offset 0 is "" */
    struct rp_region *regions;
    size_t nregions, regions_cap;
    struct rp_row *rows;
    size_t nrows, rows_cap;
    struct rp_cell *cells;
    size_t ncells, cells_cap;
    struct rp_period *periods;
    size_t nperiods, periods_cap;
    struct conv_schema *region_keys, *row_keys, *period_keys, *cell_keys;
    /* the description of the tables written */
    struct rp_desc *desc;
    size_t ndesc, desc_cap;
    /* writing */
    struct rp_fmt *fmts;
    size_t nfmts, fmts_cap;
    struct convp_buf tmp, tmp2;
    struct conv_schema *sheet_names; /* folded */
    uint64_t table_cells;
};

/* ---- errors ------------------------------------------------------------------------------ */

static int lxw_fail(struct conv_writer *w, lxw_error e, const char *what)
{
    convp_error_set(&w->err,
                    e == LXW_ERROR_MEMORY_MALLOC_FAILED         ? CONV_E_NOMEM
                    : e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED ? CONV_E_LIMIT
                                                                : CONV_E_IO,
                    convp_output_name(w->out), 0, 0, "report: %s: %s", what, lxw_strerror(e));
    return CONV_ERR;
}

/* x rounded to tenths, halves away from zero (for |x| < 1e17). */
static double tenths(double x)
{
    double t = x * 10;
    long long k = (long long)(t < 0 ? t - 0.5 : t + 0.5);
    return (double)k / 10;
}

/* ---- held text ----------------------------------------------------------------------------- */

static const char *str(const struct report *r, uint32_t off)
{
    return r->text.data + off;
}

/* Keep n bytes of s; *off gets where (0 for empty text). */
static int keep(struct conv_writer *w, struct report *r, const char *s, size_t n, uint32_t *off)
{
    if (n == 0) {
        *off = 0;
        return CONV_OK;
    }
    if (r->text.len + n + 1 > MAX_TEXT) {
        convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                        "the report holds at most %zu MiB of text (codes, names, units, "
                        "numbers): a report is a summary table; write the records with "
                        "--layout people",
                        MAX_TEXT >> 20);
        return CONV_ERR;
    }
    *off = (uint32_t)r->text.len;
    if (convp_buf_append(&r->text, s, n) != 0 || convp_buf_putc(&r->text, '\0') != 0)
        return convp_xlsx_nomem(w);
    return CONV_OK;
}

/* ---- options ---------------------------------------------------------------------------- */

/* The report's own options (the heading and the signature block). */
static const char *const report_options[] = {"issuer",       "place",      "signer",
                                             "signer-title", "recipients", NULL};

static void rp_close(void *lay);

/* The report's options (issuer, place, signer, signer-title, recipients)
 * checked and kept; the sheets' options are the people layout's. */
static void *rp_open(const struct convp_xlsx_layout *l, struct conv_writer *w,
                     struct convp_xlsx_book *book)
{
    (void)l;
    static const char *const sheet_options[] = {"sheet-by", "summary-by"};
    for (size_t i = 0; i < sizeof sheet_options / sizeof sheet_options[0]; i++)
        if (convp_opt_str(w->opts, sheet_options[i], NULL)) {
            convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                            "option %s: not with --layout report, which has a sheet for "
                            "each region",
                            sheet_options[i]);
            return NULL;
        }
    const char *const *names = report_options;
    for (size_t i = 0; names[i]; i++) {
        const char *v = convp_opt_str(w->opts, names[i], NULL);
        if (v && convp_utf8_valid_prefix((const unsigned char *)v, strlen(v)) != strlen(v)) {
            convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0, "option %s is not valid UTF-8",
                            names[i]);
            return NULL;
        }
        if (v && strlen(v) > 4096) {
            convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                            "option %s: over 4096 bytes of heading", names[i]);
            return NULL;
        }
    }
    long max;
    /* For tests only, and not in the option table: a lower limit makes
     * the limit testable without 100,000 records. */
    if (convp_opt_long(w->opts, "xlsx-test-report-max", MAX_RECORDS, 1, MAX_RECORDS, &w->err,
                       &max) != CONV_OK)
        return NULL;
    struct report *r = convp_calloc(w->ctx, 1, sizeof *r);
    if (!r) {
        convp_xlsx_nomem(w);
        return NULL;
    }
    r->ctx = w->ctx;
    r->book = book;
    r->max_records = (size_t)max;
    r->issuer = convp_opt_str(w->opts, "issuer", NULL);
    r->place = convp_opt_str(w->opts, "place", NULL);
    r->signer = convp_opt_str(w->opts, "signer", "");
    r->signer_title = convp_opt_str(w->opts, "signer-title", SIGNER_TITLE);
    r->recipients = convp_opt_str(w->opts, "recipients", "");
    convp_buf_init(&r->text, w->ctx);
    convp_buf_init(&r->tmp, w->ctx);
    convp_buf_init(&r->tmp2, w->ctx);
    r->region_keys = conv_schema_new(w->ctx);
    r->row_keys = conv_schema_new(w->ctx);
    r->period_keys = conv_schema_new(w->ctx);
    r->cell_keys = conv_schema_new(w->ctx);
    r->sheet_names = conv_schema_new(w->ctx);
    if (!r->region_keys || !r->row_keys || !r->period_keys || !r->cell_keys || !r->sheet_names ||
        convp_buf_putc(&r->text, '\0') != 0) {
        rp_close(r);
        convp_xlsx_nomem(w);
        return NULL;
    }
    return r;
}

/* NULL is a no-op; the formats went with the workbook. */
static void rp_close(void *lay)
{
    struct report *r = lay;
    if (!r)
        return;
    struct conv_context *ctx = r->ctx;
    convp_buf_free(&r->text);
    convp_buf_free(&r->tmp);
    convp_buf_free(&r->tmp2);
    convp_free(ctx, r->regions);
    convp_free(ctx, r->rows);
    convp_free(ctx, r->cells);
    convp_free(ctx, r->periods);
    convp_free(ctx, r->fmts);
    convp_free(ctx, r->desc);
    conv_schema_free(r->region_keys);
    conv_schema_free(r->row_keys);
    conv_schema_free(r->period_keys);
    conv_schema_free(r->cell_keys);
    conv_schema_free(r->sheet_names);
    convp_free(ctx, r);
}

/* The header: the fields the report needs must be there. */
static int rp_begin(void *lay, struct conv_writer *w, const struct conv_schema *h)
{
    struct report *r = lay;
    for (size_t f = 0; f < CONVP_IND_FIELDS; f++)
        r->col[f] = conv_schema_find(h, convp_indicator_field((enum convp_indicator_field)f));
    char missing[80] = "";
    for (size_t i = 0; i < NREQUIRED; i++)
        if (r->col[required[i]] < 0) {
            size_t len = strlen(missing);
            snprintf(missing + len, sizeof missing - len, "%s%s", len ? ", " : "",
                     convp_indicator_field(required[i]));
        }
    if (*missing) {
        convp_error_set(&w->err, CONV_E_SCHEMA, w->first_source, 0, 0,
                        "the report needs the fields %s, %s and %s (the indicators profile); "
                        "the input has no %s",
                        convp_indicator_field(required[0]), convp_indicator_field(required[1]),
                        convp_indicator_field(required[2]), missing);
        return CONV_ERR;
    }
    return CONV_OK;
}

/* ---- periods ------------------------------------------------------------------------------- */

/* Where a kind of period comes among those ending in the same month: a
 * month, its quarter, its half, the first nine months, the year. */
static int span_rank(char kind)
{
    static const char spans[] = "MQHNY";
    const char *k = strchr(spans, kind);
    return k ? (int)(k - spans) : (int)sizeof spans;
}

/* Chronological: by year, then the month the period ends, then its span;
 * periods the profile does not know after all others, as they came. */
static int period_cmp(const struct rp_period *a, const struct rp_period *b)
{
    if (a->known != b->known)
        return a->known ? -1 : 1;
    if (a->known) {
        const struct convp_period *p = &a->per, *q = &b->per;
        if (p->year != q->year)
            return p->year < q->year ? -1 : 1;
        if (p->last != q->last)
            return p->last < q->last ? -1 : 1;
        if (p->kind != q->kind)
            return span_rank(p->kind) < span_rank(q->kind) ? -1 : 1;
    }
    return a->seen < b->seen ? -1 : a->seen > b->seen;
}

/* The heading of a period's column into b. */
static int period_heading(struct convp_buf *b, const struct report *r, const struct rp_period *rp)
{
    static const char *const roman[] = {"", "I", "II", "III", "IV"};
    const struct convp_period *p = &rp->per;
    char s[64];
    b->len = 0;
    if (!rp->known)
        return convp_buf_append(b, str(r, rp->text), strlen(str(r, rp->text)));
    switch (p->kind) {
    case 'Q':
        snprintf(s, sizeof s, "Quý %s/%d", roman[p->part], p->year);
        break;
    case 'H':
        snprintf(s, sizeof s, "6 tháng %s năm %d", p->part == 1 ? "đầu" : "cuối", p->year);
        break;
    case 'N':
        snprintf(s, sizeof s, "%d tháng %d", p->part, p->year);
        break;
    case 'M':
        snprintf(s, sizeof s, "Tháng %d/%d", p->part, p->year);
        break;
    default:
        snprintf(s, sizeof s, "Năm %d", p->year);
        break;
    }
    return convp_buf_append(b, s, strlen(s));
}

/* The text of the same period a year before ("" for none). */
static void period_before(const struct rp_period *rp, char *s, size_t size)
{
    *s = '\0';
    if (rp->known && rp->per.year > 0) {
        struct convp_period before = rp->per;
        before.year--;
        convp_period_format(&before, s, size);
    }
}

/* ---- records ---------------------------------------------------------------------------- */

/* The text of field f of a record's row, NULL when absent or empty. */
static const struct conv_value *field(const struct report *r, const struct conv_value *const *row,
                                      enum convp_indicator_field f)
{
    if (r->col[f] < 0)
        return NULL;
    const struct conv_value *v = row[r->col[f]];
    return v && v->type != CONV_NULL && v->len ? v : NULL;
}

/* A number field: its text kept, or an error naming the record. */
static int keep_number(struct conv_writer *w, struct report *r, const struct conv_record *rec,
                       const struct conv_value *v, enum convp_indicator_field f, uint32_t *off)
{
    *off = 0;
    if (!v)
        return CONV_OK;
    if (!convp_is_integer(v->text, v->len) && !convp_is_decimal(v->text, v->len)) {
        convp_error_at_slot(&w->err, CONV_E_TYPE, rec->source, rec, convp_xlsx_slot_of(v),
                            "record %llu: %s '%.40s' is not a number; the report needs one",
                            (unsigned long long)rec->index, convp_indicator_field(f), v->text);
        return CONV_ERR;
    }
    return keep(w, r, v->text, v->len, off);
}

/* The index of key in dict, added when new (*added set); -1 on nomem. */
static long intern(struct conv_schema *dict, const char *key, size_t n, int *added)
{
    long i = convp_schema_find_n(dict, key, n);
    *added = i < 0;
    return i >= 0 ? i : convp_schema_add_name(dict, key, n);
}

/* Hold what the report needs of a record. */
static int rp_put(void *lay, struct conv_writer *w, const struct conv_record *rec)
{
    struct report *r = lay;
    const struct conv_value *const *row = convp_writer_row(w, rec);
    if (!row)
        return CONV_ERR;
    if (r->ncells >= r->max_records) {
        convp_error_set(&w->err, CONV_E_LIMIT, rec->source, rec->line, 0,
                        "record %llu: the report holds at most %zu records (a report is a "
                        "summary table); write the records with --layout people",
                        (unsigned long long)rec->index, r->max_records);
        convp_error_where(&w->err, rec->index, NULL, 0);
        return CONV_ERR;
    }
    const struct conv_value *v[CONVP_IND_FIELDS];
    for (size_t f = 0; f < CONVP_IND_FIELDS; f++)
        v[f] = field(r, row, (enum convp_indicator_field)f);
    for (size_t i = 0; i < NREQUIRED; i++)
        if (!v[required[i]]) {
            const char *name = convp_indicator_field(required[i]);
            convp_error_set(&w->err, CONV_E_SCHEMA, rec->source, rec->line, 0,
                            "record %llu has no %s, which the report needs",
                            (unsigned long long)rec->index, name);
            convp_error_where(&w->err, rec->index, name, 0);
            return CONV_ERR;
        }
    struct rp_cell cell = {.next = NONE};
    if (keep_number(w, r, rec, v[CONVP_IND_VALUE], CONVP_IND_VALUE, &cell.value) != CONV_OK ||
        keep_number(w, r, rec, v[CONVP_IND_CHANGE_PCT], CONVP_IND_CHANGE_PCT, &cell.change) !=
            CONV_OK ||
        keep_number(w, r, rec, v[CONVP_IND_PLAN_VALUE], CONVP_IND_PLAN_VALUE, &cell.plan) !=
            CONV_OK ||
        (v[CONVP_IND_STATUS] &&
         keep(w, r, v[CONVP_IND_STATUS]->text, v[CONVP_IND_STATUS]->len, &cell.status)))
        return CONV_ERR;

    /* the region */
    int added;
    const struct conv_value *rc =
        v[CONVP_IND_REGION_CODE] ? v[CONVP_IND_REGION_CODE] : v[CONVP_IND_REGION_NAME];
    long g = intern(r->region_keys, rc ? rc->text : "", rc ? rc->len : 0, &added);
    if (g < 0)
        return convp_xlsx_nomem(w);
    if (added) {
        if (r->nregions >= MAX_REGIONS) {
            convp_error_set(&w->err, CONV_E_LIMIT, rec->source, rec->line, 0,
                            "record %llu: more than %u regions, a sheet each; write the records "
                            "with --layout people",
                            (unsigned long long)rec->index, MAX_REGIONS);
            convp_error_where(&w->err, rec->index, NULL, 0);
            return CONV_ERR;
        }
        if (convp_xlsx_grow(w, (void **)&r->regions, &r->regions_cap, r->nregions,
                            sizeof *r->regions))
            return CONV_ERR;
        struct rp_region *reg = &r->regions[r->nregions++];
        memset(reg, 0, sizeof *reg);
        reg->first_row = reg->last_row = NONE;
        if (v[CONVP_IND_REGION_CODE] &&
            keep(w, r, v[CONVP_IND_REGION_CODE]->text, v[CONVP_IND_REGION_CODE]->len, &reg->code))
            return CONV_ERR;
    }
    struct rp_region *reg = &r->regions[g];
    if (!reg->name && v[CONVP_IND_REGION_NAME] &&
        keep(w, r, v[CONVP_IND_REGION_NAME]->text, v[CONVP_IND_REGION_NAME]->len, &reg->name))
        return CONV_ERR;

    /* the row: the region's indicator */
    struct convp_buf *k = &r->tmp;
    char num[48];
    snprintf(num, sizeof num, "%ld:", g);
    k->len = 0;
    if (convp_buf_append(k, num, strlen(num)) ||
        convp_buf_append(k, v[CONVP_IND_INDICATOR_CODE]->text, v[CONVP_IND_INDICATOR_CODE]->len))
        return convp_xlsx_nomem(w);
    long ri = intern(r->row_keys, k->data, k->len, &added);
    if (ri < 0)
        return convp_xlsx_nomem(w);
    if (added) {
        if (convp_xlsx_grow(w, (void **)&r->rows, &r->rows_cap, r->nrows, sizeof *r->rows))
            return CONV_ERR;
        struct rp_row *row_ = &r->rows[r->nrows++];
        memset(row_, 0, sizeof *row_);
        row_->region = (uint32_t)g;
        row_->next = row_->first_cell = row_->last_cell = NONE;
        if (keep(w, r, v[CONVP_IND_INDICATOR_CODE]->text, v[CONVP_IND_INDICATOR_CODE]->len,
                 &row_->code))
            return CONV_ERR;
        if (reg->last_row == NONE)
            reg->first_row = (uint32_t)ri;
        else
            r->rows[reg->last_row].next = (uint32_t)ri;
        reg->last_row = (uint32_t)ri;
    }
    struct rp_row *rw = &r->rows[ri];
    /* The first name, parent and unit given stand for the indicator. */
    if (!rw->name && v[CONVP_IND_INDICATOR_NAME] &&
        keep(w, r, v[CONVP_IND_INDICATOR_NAME]->text, v[CONVP_IND_INDICATOR_NAME]->len, &rw->name))
        return CONV_ERR;
    if (!rw->parent && v[CONVP_IND_PARENT_CODE] &&
        keep(w, r, v[CONVP_IND_PARENT_CODE]->text, v[CONVP_IND_PARENT_CODE]->len, &rw->parent))
        return CONV_ERR;
    if (!rw->unit && v[CONVP_IND_UNIT] &&
        keep(w, r, v[CONVP_IND_UNIT]->text, v[CONVP_IND_UNIT]->len, &rw->unit))
        return CONV_ERR;

    /* the period */
    long pi = intern(r->period_keys, v[CONVP_IND_PERIOD]->text, v[CONVP_IND_PERIOD]->len, &added);
    if (pi < 0)
        return convp_xlsx_nomem(w);
    if (added) {
        if (convp_xlsx_grow(w, (void **)&r->periods, &r->periods_cap, r->nperiods,
                            sizeof *r->periods))
            return CONV_ERR;
        struct rp_period *p = &r->periods[r->nperiods];
        memset(p, 0, sizeof *p);
        p->seen = (uint32_t)r->nperiods++;
        if (keep(w, r, v[CONVP_IND_PERIOD]->text, v[CONVP_IND_PERIOD]->len, &p->text))
            return CONV_ERR;
        p->known =
            convp_period_parse(v[CONVP_IND_PERIOD]->text, v[CONVP_IND_PERIOD]->len, &p->per) == 0;
    }
    cell.period = (uint32_t)pi;

    /* one value per indicator, region and period */
    snprintf(num, sizeof num, "%ld:%ld", ri, pi);
    long ci = intern(r->cell_keys, num, strlen(num), &added);
    if (ci < 0)
        return convp_xlsx_nomem(w);
    if (!added) {
        convp_error_at_slot(
            &w->err, CONV_E_STRUCTURE, rec->source, rec, convp_xlsx_slot_of(v[CONVP_IND_PERIOD]),
            "record %llu: a second value of indicator '%.40s', period '%.20s'%s%.40s"
            " (a report table has one)",
            (unsigned long long)rec->index, str(r, rw->code), str(r, r->periods[pi].text),
            reg->code ? ", region " : "", str(r, reg->code));
        return CONV_ERR;
    }
    if (convp_xlsx_grow(w, (void **)&r->cells, &r->cells_cap, r->ncells, sizeof *r->cells))
        return CONV_ERR;
    r->cells[r->ncells] = cell;
    if (rw->last_cell == NONE)
        rw->first_cell = (uint32_t)r->ncells;
    else
        r->cells[rw->last_cell].next = (uint32_t)r->ncells;
    rw->last_cell = (uint32_t)r->ncells;
    r->ncells++;
    return CONV_OK;
}

/* ---- formats --------------------------------------------------------------------------------- */

static lxw_format *fmt_get(struct conv_writer *w, struct report *r, lxw_workbook *wb,
                           const struct rp_fkey *key)
{
    for (size_t i = 0; i < r->nfmts; i++)
        if (!memcmp(&r->fmts[i].key, key, sizeof *key))
            return r->fmts[i].fmt;
    if (convp_xlsx_grow(w, (void **)&r->fmts, &r->fmts_cap, r->nfmts, sizeof *r->fmts))
        return NULL;
    lxw_format *f = workbook_add_format(wb);
    if (!f)
        return convp_xlsx_nomem(w), NULL;
    format_set_font_name(f, FONT);
    format_set_font_size(f, key->size ? key->size : SIZE_TEXT);
    if (key->bold)
        format_set_bold(f);
    if (key->italic)
        format_set_italic(f);
    if (key->underline)
        format_set_underline(f, LXW_UNDERLINE_SINGLE);
    if (key->wrap)
        format_set_text_wrap(f);
    if (key->border)
        format_set_border(f, LXW_BORDER_THIN);
    if (key->halign)
        format_set_align(f, key->halign);
    format_set_align(f, key->valign ? key->valign : LXW_ALIGN_VERTICAL_CENTER);
    if (key->indent)
        format_set_indent(f, key->indent);
    if (key->number == NUMBER_GENERAL) {
        format_set_num_format(f, "General");
    } else if (key->number) {
        char code[40];
        convp_xlsx_number_code(code, sizeof code, key->number - 1, 1);
        format_set_num_format(f, code);
    }
    r->fmts[r->nfmts].key = *key;
    r->fmts[r->nfmts].fmt = f;
    r->nfmts++;
    return f;
}

/* ---- text helpers ------------------------------------------------------------------------- */

/* s in capitals (utf8proc_toupper) into b. */
static int upper(struct convp_buf *b, const char *s, size_t n)
{
    b->len = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    while (n > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, (utf8proc_ssize_t)n, &c);
        if (k <= 0)
            return -1; /* the text was checked */
        utf8proc_uint8_t out[4];
        utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_toupper(c), out);
        if (convp_buf_append(b, out, (size_t)m) != 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return convp_buf_cstr(b) ? 0 : -1;
}

/* The next line of a '|' or newline separated list, trimmed; NULL at the end. */
static const char *next_line(const char **p, size_t *n)
{
    const char *s = *p;
    while (*s == ' ' || *s == '|' || *s == '\n' || *s == '\r' || *s == '\t')
        s++;
    if (!*s)
        return NULL;
    size_t k = strcspn(s, "|\n");
    *p = s + k;
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\r' || s[k - 1] == '\t'))
        k--;
    *n = k;
    return s;
}

static size_t count_lines(const char *s)
{
    size_t n = 0, k;
    while (next_line(&s, &k))
        n++;
    return n;
}

/* ---- writing a sheet ------------------------------------------------------------------------ */

struct rp_sheet {
    struct report *r;
    struct conv_writer *w;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    const struct rp_region *reg;
    size_t nper;
    uint32_t *per;           /* the region's periods, in column order */
    long *prev;              /* per column: the column of the same period a year before, or -1 */
    unsigned char *chg;      /* per column: has a change column */
    unsigned char *plan;     /* per column: has a plan column */
    uint32_t *at;            /* per column: the row's cell, or NONE */
    uint32_t *order;         /* rows in table order */
    unsigned char *is_child; /* per row of the workbook, cleared after each sheet */
    uint32_t *colstatus;     /* per column: its values' status (the first's) */
    uint32_t name;           /* the sheet's name (held text) */
    size_t nrows;
    lxw_col_t ncol, chg_col, plan_col;
    double *width;
};

/* A string over columns c1..c2 of row rr (merged when more than one). */
static int span(struct rp_sheet *s, lxw_row_t rr, lxw_col_t c1, lxw_col_t c2, const char *text,
                size_t n, lxw_format *f)
{
    const char *t = convp_xlsx_cell_text(&s->r->tmp2, text, n);
    if (!t)
        return convp_xlsx_nomem(s->w);
    if (convp_utf8_count((const unsigned char *)t, strlen(t)) > CONVP_XLSX_MAX_TEXT) {
        convp_error_set(&s->w->err, CONV_E_LIMIT, convp_output_name(s->w->out), 0, 0,
                        "report: a text of over %u characters for a cell: '%.40s...'",
                        CONVP_XLSX_MAX_TEXT, t);
        return CONV_ERR;
    }
    lxw_error e = c2 > c1 ? worksheet_merge_range(s->ws, rr, c1, rr, c2, t, f)
                          : worksheet_write_string(s->ws, rr, c1, t, f);
    return e ? lxw_fail(s->w, e, "cannot write a cell") : CONV_OK;
}

/* An empty cell with its format (the table's borders). */
static int put_blank(struct rp_sheet *s, lxw_row_t rr, lxw_col_t c, lxw_format *f)
{
    lxw_error e = worksheet_write_blank(s->ws, rr, c, f);
    return e ? lxw_fail(s->w, e, "cannot write a cell") : CONV_OK;
}

static int put_height(struct rp_sheet *s, lxw_row_t rr, double pt)
{
    lxw_error e = worksheet_set_row(s->ws, rr, pt, NULL);
    return e ? lxw_fail(s->w, e, "cannot set a row's height") : CONV_OK;
}

/* ---- the description (sheet_report.h) ---- */

/* A new entry of the sheet's description; NULL on failure.  (The pointer
 * lasts until the next entry.) */
static struct rp_desc *desc_new(struct rp_sheet *s, enum convp_rd_kind kind)
{
    struct report *r = s->r;
    if (convp_xlsx_grow(s->w, (void **)&r->desc, &r->desc_cap, r->ndesc, sizeof *r->desc))
        return NULL;
    struct rp_desc *d = &r->desc[r->ndesc++];
    memset(d, 0, sizeof *d);
    d->kind = (uint8_t)kind;
    d->f[CONVP_RD_SHEET] = s->name;
    return d;
}

/* A column of the table: its letters, what it holds of which period, its
 * heading (in s->r->tmp) and, for values, their status. */
static int desc_column(struct rp_sheet *s, lxw_col_t c, enum convp_indicator_field role,
                       uint32_t period, uint32_t status)
{
    char letters[8];
    convp_col_name((uint32_t)c + 1, letters);
    uint32_t at, heading;
    if (keep(s->w, s->r, letters, strlen(letters), &at) != CONV_OK ||
        keep(s->w, s->r, s->r->tmp.data, s->r->tmp.len, &heading) != CONV_OK)
        return CONV_ERR;
    struct rp_desc *d = desc_new(s, CONVP_RK_COLUMN);
    if (!d)
        return CONV_ERR;
    d->f[CONVP_RD_AT] = at;
    d->role = (uint8_t)(role + 1);
    d->f[CONVP_RD_PERIOD] = s->r->periods[period].text;
    d->f[CONVP_RD_HEADING] = heading;
    d->f[CONVP_RD_STATUS] = status == NONE ? 0 : status;
    return CONV_OK;
}

/* A value's own status (not its column's), or a change computed: kind, at
 * row stt, of period. */
static struct rp_desc *desc_value(struct rp_sheet *s, enum convp_rd_kind kind, uint32_t stt,
                                  uint32_t period)
{
    struct rp_desc *d = desc_new(s, kind);
    if (d) {
        d->f[CONVP_RD_AT] = stt;
        d->f[CONVP_RD_PERIOD] = s->r->periods[period].text;
    }
    return d;
}

/* Whether two held texts differ. */
static int differ(const struct report *r, uint32_t a, uint32_t b)
{
    return a != b && strcmp(str(r, a), str(r, b)) != 0;
}

/* The lines text takes in columns c1..c2. */
static unsigned lines_in(struct rp_sheet *s, lxw_col_t c1, lxw_col_t c2, const char *t, size_t n,
                         int bold, int indent)
{
    double wd = 0;
    for (lxw_col_t c = c1; c <= c2; c++)
        wd += s->width[c];
    wd = wd / CHARS_PER_UNIT - 1 - indent * 1.5;
    if (bold)
        wd /= 1.1;
    return convp_xlsx_wrap_lines(t, n, wd < 1 ? 1 : (size_t)wd);
}

/* The number of the num-th component of the row numbered parent. */
static void stt_child(char *stt, const char *parent, unsigned num)
{
    char tail[16];
    size_t n = strlen(parent);
    int k = snprintf(tail, sizeof tail, ".%u", num);
    memcpy(stt, parent, n);
    memcpy(stt + n, tail, (size_t)k + 1);
}

/* The table's order: each total followed by its components, as they came;
 * numbered 1, 1.1, 1.1.1 (a parent that is not in the table, or a loop,
 * makes a first level). */
static int table_order(struct rp_sheet *s)
{
    struct report *r = s->r;
    struct convp_buf *k = &r->tmp;
    long g = s->reg - r->regions;
    for (uint32_t i = s->reg->first_row; i != NONE; i = r->rows[i].next) {
        struct rp_row *rw = &r->rows[i];
        rw->child = rw->last_child = rw->sib = NONE;
        rw->depth = -1;
        rw->total = 0;
        s->nrows++;
    }
    /* parents */
    for (uint32_t i = s->reg->first_row; i != NONE; i = r->rows[i].next) {
        struct rp_row *rw = &r->rows[i];
        if (!rw->parent)
            continue;
        char num[48];
        snprintf(num, sizeof num, "%ld:", g);
        k->len = 0;
        if (convp_buf_append(k, num, strlen(num)) ||
            convp_buf_append(k, str(r, rw->parent), strlen(str(r, rw->parent))))
            return convp_xlsx_nomem(s->w);
        long p = convp_schema_find_n(r->row_keys, k->data, k->len);
        if (p < 0 || (uint32_t)p == i)
            continue;
        struct rp_row *pr = &r->rows[p];
        if (pr->last_child == NONE)
            pr->child = i;
        else
            r->rows[pr->last_child].sib = i;
        pr->last_child = i;
    }
    s->order = convp_malloc(s->w->ctx, (s->nrows ? s->nrows : 1) * sizeof *s->order);
    uint32_t *stack = convp_malloc(s->w->ctx, (s->nrows ? s->nrows : 1) * sizeof *stack);
    if (!s->order || !stack) {
        convp_free(s->w->ctx, stack);
        return convp_xlsx_nomem(s->w);
    }
    /* Roots first (no parent in the table); then whatever a loop left. */
    size_t n = 0;
    unsigned char *is_child = s->is_child;
    for (uint32_t i = s->reg->first_row; i != NONE; i = r->rows[i].next)
        for (uint32_t c = r->rows[i].child; c != NONE; c = r->rows[c].sib)
            is_child[c] = 1;
    unsigned roots = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = s->reg->first_row; i != NONE; i = r->rows[i].next) {
            if (r->rows[i].depth >= 0 || (pass == 0 && is_child[i]))
                continue;
            /* depth-first from i */
            struct rp_row *root = &r->rows[i];
            root->depth = 0;
            snprintf(root->stt, sizeof root->stt, "%u", ++roots);
            size_t sp = 0;
            stack[sp++] = i;
            while (sp) {
                uint32_t x = stack[--sp];
                struct rp_row *xr = &r->rows[x];
                s->order[n++] = x;
                /* children pushed in reverse so they come out in order */
                size_t nch = 0;
                for (uint32_t c = xr->child; c != NONE; c = r->rows[c].sib)
                    if (r->rows[c].depth < 0)
                        nch++;
                size_t base = sp, idx = 0;
                sp += nch;
                unsigned num = 0;
                for (uint32_t c = xr->child; c != NONE; c = r->rows[c].sib) {
                    struct rp_row *cr = &r->rows[c];
                    if (cr->depth >= 0)
                        continue;
                    if (xr->depth + 1 >= MAX_DEPTH) {
                        convp_free(s->w->ctx, stack);
                        convp_error_set(&s->w->err, CONV_E_LIMIT, convp_output_name(s->w->out), 0,
                                        0,
                                        "report: indicator '%.40s' is more than %d levels "
                                        "below its first-level total",
                                        str(r, cr->code), MAX_DEPTH - 1);
                        return CONV_ERR;
                    }
                    cr->depth = xr->depth + 1;
                    stt_child(cr->stt, xr->stt, ++num);
                    xr->total = 1;
                    stack[base + nch - 1 - idx++] = c;
                }
            }
        }
    convp_free(s->w->ctx, stack);
    for (uint32_t i = s->reg->first_row; i != NONE; i = r->rows[i].next)
        is_child[i] = 0;
    return CONV_OK;
}

static int period_ptr_cmp(const void *a, const void *b)
{
    return period_cmp(*(const struct rp_period *const *)a, *(const struct rp_period *const *)b);
}

/* The region's periods in column order (colof: period -> column), with
 * their year-before columns. */
static int sheet_periods(struct rp_sheet *s, uint32_t *mark, uint32_t stamp, uint32_t *colof)
{
    struct report *r = s->r;
    for (size_t o = 0; o < s->nrows; o++)
        for (uint32_t c = r->rows[s->order[o]].first_cell; c != NONE; c = r->cells[c].next) {
            uint32_t p = r->cells[c].period;
            if (mark[p] != stamp) {
                mark[p] = stamp;
                s->per[s->nper++] = p;
            }
        }
    const struct rp_period **sorted =
        convp_malloc(s->w->ctx, (s->nper ? s->nper : 1) * sizeof *sorted);
    if (!sorted)
        return convp_xlsx_nomem(s->w);
    for (size_t i = 0; i < s->nper; i++)
        sorted[i] = &r->periods[s->per[i]];
    qsort(sorted, s->nper, sizeof *sorted, period_ptr_cmp);
    for (size_t i = 0; i < s->nper; i++) {
        s->per[i] = (uint32_t)(sorted[i] - r->periods);
        colof[s->per[i]] = (uint32_t)i;
    }
    convp_free(s->w->ctx, sorted);
    for (size_t i = 0; i < s->nper; i++) {
        char before[32];
        period_before(&r->periods[s->per[i]], before, sizeof before);
        long q = *before ? convp_schema_find_n(r->period_keys, before, strlen(before)) : -1;
        s->prev[i] = q >= 0 && mark[q] == stamp ? (long)colof[q] : -1;
    }
    return CONV_OK;
}

/* Fill s->at with the cells of row ri by column. */
static void row_cells(struct rp_sheet *s, uint32_t ri, const uint32_t *colof)
{
    struct report *r = s->r;
    for (size_t i = 0; i < s->nper; i++)
        s->at[i] = NONE;
    for (uint32_t c = r->rows[ri].first_cell; c != NONE; c = r->cells[c].next)
        s->at[colof[r->cells[c].period]] = c;
}

/* The change of column i of the row in s->at: given (1), computed into
 * *pct (2), or none (0). */
static int change_of(struct rp_sheet *s, size_t i, double *pct)
{
    struct report *r = s->r;
    if (s->at[i] == NONE)
        return 0;
    const struct rp_cell *c = &r->cells[s->at[i]];
    if (c->change)
        return 1;
    if (s->prev[i] < 0 || s->at[s->prev[i]] == NONE)
        return 0;
    double now = strtod(str(r, c->value), NULL);
    double before = strtod(str(r, r->cells[s->at[s->prev[i]]].value), NULL);
    if (before == 0 || !isfinite(now / before) || fabs(now / before) > 1e12)
        return 0;
    *pct = tenths(now / before * 100 - 100);
    if (*pct == 0)
        *pct = 0; /* no -0.0 */
    return 2;
}

/* A number cell from held text (text when Excel cannot hold it). */
static int put_number(struct rp_sheet *s, lxw_row_t rr, lxw_col_t c, const char *t,
                      struct rp_fkey key)
{
    struct convp_xlsx_number num;
    lxw_error e;
    if (convp_xlsx_plan_number(s->w->ctx, t, strlen(t), 1, &num) == 0) {
        /* General for an exponent or more than 30 decimals, as the
         * people layout writes them */
        key.number = (uint8_t)(num.decimals < 0 ? NUMBER_GENERAL : 1 + num.decimals);
        lxw_format *f = fmt_get(s->w, s->r, s->wb, &key);
        if (!f)
            return CONV_ERR;
        e = worksheet_write_number(s->ws, rr, c, num.value, f);
    } else {
        lxw_format *f = fmt_get(s->w, s->r, s->wb, &key);
        if (!f)
            return CONV_ERR;
        e = worksheet_write_string(s->ws, rr, c, t, f);
    }
    return e ? lxw_fail(s->w, e, "cannot write a number") : CONV_OK;
}

/* The width a number shows with, in characters. */
static size_t number_width(struct rp_sheet *s, const char *t)
{
    struct convp_xlsx_number num;
    if (convp_xlsx_plan_number(s->w->ctx, t, strlen(t), 1, &num) == 0)
        return num.width;
    return strlen(t);
}

/* The date line: "Sông Công, ngày 15 tháng 01 năm 2022" (days below 10
 * and the months January and February with a leading zero, as official
 * documents write them). */
static int date_line(struct rp_sheet *s, struct convp_buf *b)
{
    struct report *r = s->r;
    const char *place = r->place;
    const char *name = s->reg->name ? str(r, s->reg->name) : "";
    size_t plen;
    if (!place) {
        static const char *const prefixes[] = {"Thành phố ", "Tỉnh ", "Huyện ", "Thị xã "};
        place = name;
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
            if (!strncmp(name, prefixes[i], strlen(prefixes[i])) && name[strlen(prefixes[i])]) {
                place = name + strlen(prefixes[i]);
                break;
            }
    }
    plen = strlen(place);
    time_t t = r->book->created + VN_OFFSET;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    char d[80];
    int mon = tm.tm_mon + 1;
    snprintf(d, sizeof d, "%sgày %s%d tháng %s%d năm %d", plen ? "n" : "N",
             tm.tm_mday < 10 ? "0" : "", tm.tm_mday, mon < 3 ? "0" : "", mon, tm.tm_year + 1900);
    b->len = 0;
    if ((plen && (convp_buf_append(b, place, plen) || convp_buf_append(b, ", ", 2))) ||
        convp_buf_append(b, d, strlen(d)) || !convp_buf_cstr(b))
        return convp_xlsx_nomem(s->w);
    return CONV_OK;
}

/* The sheet's name: the region's name (else its code), unique without case. */
static int sheet_name(struct report *r, struct conv_writer *w, const struct rp_region *reg,
                      struct convp_buf *out)
{
    const char *base = reg->name   ? str(r, reg->name)
                       : reg->code ? str(r, reg->code)
                                   : SHEET_UNNAMED;
    struct convp_buf fold;
    convp_buf_init(&fold, w->ctx);
    int rc = CONV_ERR;
    for (unsigned k = 1;; k++) {
        char suffix[24] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, " (%u)", k);
        if (convp_xlsx_sheet_base(out, base, strlen(base),
                                  CONVP_XLSX_SHEET_NAME_MAX - strlen(suffix)) ||
            convp_buf_append(out, suffix, strlen(suffix)) || !convp_buf_cstr(out))
            break;
        /* folded for Excel's comparison without case */
        fold.len = 0;
        const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)out->data;
        utf8proc_ssize_t n = (utf8proc_ssize_t)out->len;
        int bad = 0;
        while (n > 0 && !bad) {
            utf8proc_int32_t c;
            utf8proc_ssize_t m = utf8proc_iterate(p, n, &c);
            if (m <= 0)
                break;
            utf8proc_uint8_t e[4];
            bad = convp_buf_append(&fold, e, (size_t)utf8proc_encode_char(utf8proc_tolower(c), e));
            p += m;
            n -= m;
        }
        if (bad)
            break;
        /* Excel's, and our own hidden sheets' (the reader's) */
        int reserved =
            (fold.len == 7 && !memcmp(fold.data, "history", 7)) ||
            (fold.len == strlen(CONVP_REPORT_SHEET) &&
             !memcmp(fold.data, CONVP_REPORT_SHEET, fold.len)) ||
            (fold.len == strlen("_conv_fields") && !memcmp(fold.data, "_conv_fields", fold.len));
        if (!reserved && convp_schema_find_n(r->sheet_names, fold.data, fold.len) < 0) {
            rc =
                convp_schema_add_name(r->sheet_names, fold.data, fold.len) < 0 ? CONV_ERR : CONV_OK;
            break;
        }
    }
    convp_buf_free(&fold);
    return rc == CONV_OK ? CONV_OK : convp_xlsx_nomem(w);
}

/* The columns' widths, in Excel's units. */
static void fit_widths(struct rp_sheet *s, const struct report *r, struct convp_buf *b)
{
    double *wd = s->width;
    wd[0] = 6;
    size_t name = 0, unit = 4;
    for (size_t o = 0; o < s->nrows; o++) {
        const struct rp_row *rw = &r->rows[s->order[o]];
        const char *nm = str(r, rw->name ? rw->name : rw->code);
        size_t w = convp_xlsx_display_width(nm, strlen(nm)) + (size_t)rw->depth * 2;
        if (rw->total)
            w += w / 10;
        if (w > name)
            name = w;
        size_t u = convp_xlsx_display_width(str(r, rw->unit), strlen(str(r, rw->unit)));
        if (u > unit)
            unit = u;
    }
    name = name < NAME_WIDTH_MIN ? NAME_WIDTH_MIN : name > NAME_WIDTH_MAX ? NAME_WIDTH_MAX : name;
    wd[1] = (double)name * CHARS_PER_UNIT + 2;
    wd[2] = (double)unit * CHARS_PER_UNIT + 3;
    if (wd[2] < 10)
        wd[2] = 10;
    for (lxw_col_t c = 3; c < s->ncol; c++)
        wd[c] = NUM_MIN;
    /* the longest word of the headings (the numbers are measured later) */
    lxw_col_t cc = s->chg_col, pc = s->plan_col;
    for (size_t i = 0; i < s->nper; i++) {
        if (period_heading(b, r, &r->periods[s->per[i]]) == 0) {
            size_t word = 0, cur = 0;
            for (size_t k = 0; k <= b->len; k++) {
                if (k == b->len || b->data[k] == ' ') {
                    word = cur > word ? cur : word;
                    cur = 0;
                } else if ((b->data[k] & 0xC0) != 0x80) {
                    cur++;
                }
            }
            if (word > HEAD_WORD_MAX)
                word = HEAD_WORD_MAX; /* a longer word is broken */
            double hw = (double)word * CHARS_PER_UNIT * 1.1 + 3;
            lxw_col_t cols[3] = {(lxw_col_t)(3 + i), s->chg[i] ? cc : 0, s->plan[i] ? pc : 0};
            for (int k = 0; k < 3; k++)
                if (cols[k] && wd[cols[k]] < hw)
                    wd[cols[k]] = hw;
        }
        cc += s->chg[i];
        pc += s->plan[i];
    }
}

static int write_sheet(struct rp_sheet *s, const uint32_t *colof)
{
    struct report *r = s->r;
    struct conv_writer *w = s->w;
    struct convp_buf *b = &r->tmp;
    lxw_worksheet *ws = s->ws;
    lxw_col_t last = s->ncol - 1, right = 2;
    lxw_format *f;
    struct rp_fkey key;
#define KEY(...) (key = (struct rp_fkey){__VA_ARGS__}, &key)

    /* ---- widths: numbers measured; the columns' statuses ---- */
    fit_widths(s, r, b);
    for (size_t i = 0; i < s->nper; i++)
        s->colstatus[i] = NONE;
    for (size_t o = 0; o < s->nrows; o++) {
        row_cells(s, s->order[o], colof);
        lxw_col_t pc = s->plan_col;
        for (size_t i = 0; i < s->nper; i++) {
            if (s->at[i] == NONE)
                continue;
            const struct rp_cell *c = &r->cells[s->at[i]];
            if (s->colstatus[i] == NONE)
                s->colstatus[i] = c->status;
            double nw = (double)number_width(s, str(r, c->value)) * CHARS_PER_UNIT * 1.1 + 3;
            if (s->width[3 + i] < nw)
                s->width[3 + i] = nw;
            if (s->plan[i]) {
                if (c->plan) {
                    nw = (double)number_width(s, str(r, c->plan)) * CHARS_PER_UNIT * 1.1 + 3;
                    if (s->width[pc] < nw)
                        s->width[pc] = nw;
                }
                pc++;
            }
        }
    }
    /* the right block holds the motto */
    double block = 0;
    for (lxw_col_t c = right; c <= last; c++)
        block += s->width[c];
    if (block < BLOCK_MIN) {
        double add = (BLOCK_MIN - block) / (double)(last - right + 1);
        for (lxw_col_t c = right; c <= last; c++)
            s->width[c] += add;
    }
    for (lxw_col_t c = 0; c <= last; c++) {
        lxw_error e = worksheet_set_column(ws, c, c, tenths(s->width[c]), NULL);
        if (e)
            return lxw_fail(w, e, "cannot set the column widths");
    }

    /* ---- the heading ---- */
    lxw_row_t rr = 0;
    const char *issuer = r->issuer;
    if (!issuer) {
        const char *nm = s->reg->name ? str(r, s->reg->name) : "";
        if (*nm) {
            if (upper(&r->tmp2, nm, strlen(nm)) != 0)
                return convp_xlsx_nomem(w);
            b->len = 0;
            if (convp_buf_append(b, "UBND ", 5) || convp_buf_append(b, r->tmp2.data, r->tmp2.len) ||
                !convp_buf_cstr(b))
                return convp_xlsx_nomem(w);
            issuer = b->data;
        } else {
            issuer = "";
        }
    }
    /* Copied: the scratch buffers are reused by span(). */
    char *iss = convp_strdup(w->ctx, issuer);
    if (!iss)
        return convp_xlsx_nomem(w);
    size_t nl = count_lines(iss), len;
    const char *p = iss, *line;
    lxw_row_t ir = 0;
    int rc = CONV_OK;
    /* Upper bodies in capitals, the issuing body (the last line) bold too. */
    while (rc == CONV_OK && (line = next_line(&p, &len)) != NULL) {
        int last_line = ir + 1 == nl;
        if (upper(&r->tmp, line, len) != 0) {
            rc = convp_xlsx_nomem(w);
            break;
        }
        char *u = convp_strndup(w->ctx, r->tmp.data, r->tmp.len);
        if (!u) {
            rc = convp_xlsx_nomem(w);
            break;
        }
        f = fmt_get(w, r, s->wb, KEY(.bold = (uint8_t)last_line, .halign = LXW_ALIGN_CENTER));
        rc = f ? span(s, ir, 0, 1, u, strlen(u), f) : CONV_ERR;
        convp_free(w->ctx, u);
        ir++;
    }
    convp_free(w->ctx, iss);
    if (rc != CONV_OK)
        return rc;
    if (nl) {
        f = fmt_get(w, r, s->wb, KEY(.halign = LXW_ALIGN_CENTER, .valign = LXW_ALIGN_VERTICAL_TOP));
        if (!f || span(s, ir, 0, 1, ISSUER_RULE, strlen(ISSUER_RULE), f))
            return CONV_ERR;
        ir++;
    }
    f = fmt_get(w, r, s->wb, KEY(.bold = 1, .halign = LXW_ALIGN_CENTER));
    if (!f || span(s, 0, right, last, MOTTO_1, strlen(MOTTO_1), f))
        return CONV_ERR;
    f = fmt_get(w, r, s->wb, KEY(.bold = 1, .underline = 1, .halign = LXW_ALIGN_CENTER));
    if (!f || span(s, 1, right, last, MOTTO_2, strlen(MOTTO_2), f))
        return CONV_ERR;
    rr = ir > 2 ? ir : 2;
    if (date_line(s, b) != CONV_OK)
        return CONV_ERR;
    f = fmt_get(w, r, s->wb, KEY(.italic = 1, .halign = LXW_ALIGN_CENTER));
    if (!f || span(s, rr, right, last, b->data, b->len, f))
        return CONV_ERR;
    rr += 2;
    /* the title, and the unit when all rows share one */
    if (r->book->title && *r->book->title) {
        f = fmt_get(w, r, s->wb,
                    KEY(.bold = 1, .wrap = 1, .size = SIZE_TITLE, .halign = LXW_ALIGN_CENTER));
        size_t tl = strlen(r->book->title);
        unsigned l = lines_in(s, 0, last, r->book->title, tl, 1, 0);
        if (!f || span(s, rr, 0, last, r->book->title, tl, f) ||
            put_height(s, rr, (l * LINE_PT + 4) * SIZE_TITLE / SIZE_TEXT))
            return CONV_ERR;
        rr++;
    }
    uint32_t unit = NONE;
    for (size_t o = 0; o < s->nrows && unit != 0; o++) {
        uint32_t u = r->rows[s->order[o]].unit;
        if (unit == NONE)
            unit = u;
        else if (u == 0 || strcmp(str(r, u), str(r, unit)) != 0)
            unit = 0;
    }
    if (unit != NONE && unit != 0) {
        b->len = 0;
        if (convp_buf_append(b, "Đơn vị tính: ", strlen("Đơn vị tính: ")) ||
            convp_buf_append(b, str(r, unit), strlen(str(r, unit))) || !convp_buf_cstr(b))
            return convp_xlsx_nomem(w);
        f = fmt_get(w, r, s->wb, KEY(.italic = 1, .halign = LXW_ALIGN_CENTER));
        if (!f || span(s, rr, 0, last, b->data, b->len, f))
            return CONV_ERR;
        rr++;
    }
    rr++;

    /* ---- the table's header: two rows and the column letters ---- */
    lxw_row_t h1 = rr, h2 = rr + 1, h3 = rr + 2;
    lxw_format *hf =
        fmt_get(w, r, s->wb, KEY(.bold = 1, .wrap = 1, .border = 1, .halign = LXW_ALIGN_CENTER));
    lxw_format *lf =
        fmt_get(w, r, s->wb, KEY(.italic = 1, .border = 1, .halign = LXW_ALIGN_CENTER));
    if (!hf || !lf)
        return CONV_ERR;
    unsigned hl = 1;
    static const char *const fixed[] = {"STT", "Chỉ tiêu", "Đơn vị tính"};
    lxw_error e = LXW_NO_ERROR;
    for (lxw_col_t c = 0; c < 3 && !e; c++) {
        e = worksheet_merge_range(ws, h1, c, h2, c, fixed[c], hf);
        unsigned l = lines_in(s, c, c, fixed[c], strlen(fixed[c]), 1, 0);
        if (l > 2 && l - 1 > hl)
            hl = l - 1;
    }
    for (size_t i = 0; i < s->nper && !e; i++) {
        if (period_heading(b, r, &r->periods[s->per[i]]) || !convp_buf_cstr(b))
            return convp_xlsx_nomem(w);
        const char *t = convp_xlsx_cell_text(&r->tmp2, b->data, b->len);
        if (!t)
            return convp_xlsx_nomem(w);
        e = worksheet_merge_range(ws, h1, (lxw_col_t)(3 + i), h2, (lxw_col_t)(3 + i), t, hf);
        unsigned l = lines_in(s, (lxw_col_t)(3 + i), (lxw_col_t)(3 + i), b->data, b->len, 1, 0);
        if (l > 2 && l - 1 > hl)
            hl = l - 1;
        lxw_col_t cols[2] = {s->chg[i] ? s->chg_col : 0, s->plan[i] ? s->plan_col : 0};
        for (int k = 0; k < 2 && !e; k++) {
            if (!cols[k])
                continue;
            lxw_col_t c = cols[k];
            for (size_t j = 0; j < i; j++)
                c += k == 0 ? s->chg[j] : s->plan[j];
            e = worksheet_write_string(ws, h2, c, t, hf);
            l = lines_in(s, c, c, b->data, b->len, 1, 0);
            if (l > hl)
                hl = l;
        }
    }
    if (e)
        return lxw_fail(w, e, "cannot write the table's header");
    /* the groups over the change and plan columns */
    size_t nchg = 0, nplan = 0;
    for (size_t i = 0; i < s->nper; i++)
        nchg += s->chg[i], nplan += s->plan[i];
    if (nchg && span(s, h1, s->chg_col, (lxw_col_t)(s->chg_col + nchg - 1), "Tăng/giảm so với cùng kỳ (%)",
                     strlen("Tăng/giảm so với cùng kỳ (%)"), hf))
        return CONV_ERR;
    unsigned gl = nchg ? lines_in(s, s->chg_col, (lxw_col_t)(s->chg_col + nchg - 1),
                                  "Tăng/giảm so với cùng kỳ (%)", strlen("Tăng/giảm so với cùng kỳ (%)"), 1, 0)
                       : 1;
    if (nplan && span(s, h1, s->plan_col, (lxw_col_t)(s->plan_col + nplan - 1), "Kế hoạch",
                      strlen("Kế hoạch"), hf))
        return CONV_ERR;
    if (put_height(s, h1, gl * LINE_PT + 4) || put_height(s, h2, hl * LINE_PT + 4))
        return CONV_ERR;
    for (lxw_col_t c = 0; c <= last && !e; c++) {
        char letter[16];
        if (c < 3)
            snprintf(letter, sizeof letter, "%c", 'A' + c);
        else
            snprintf(letter, sizeof letter, "%u", (unsigned)(c - 2));
        e = worksheet_write_string(ws, h3, c, letter, lf);
    }
    if (e)
        return lxw_fail(w, e, "cannot write the table's header");
    if ((e = worksheet_repeat_rows(ws, h1, h3)) != LXW_NO_ERROR)
        return lxw_fail(w, e, "cannot repeat the header rows");
    rr = h3 + 1;

    /* ---- the description: the sheet and its columns ---- */
    struct rp_desc *d = desc_new(s, CONVP_RK_SHEET);
    if (!d)
        return CONV_ERR;
    d->f[CONVP_RD_REGION_CODE] = s->reg->code;
    d->f[CONVP_RD_REGION_NAME] = s->reg->name;
    for (int k = 0; k < 3; k++) {
        lxw_col_t c = k == 0 ? 3 : k == 1 ? s->chg_col : s->plan_col;
        for (size_t i = 0; i < s->nper; i++) {
            if ((k == 1 && !s->chg[i]) || (k == 2 && !s->plan[i]))
                continue;
            if (period_heading(b, r, &r->periods[s->per[i]]))
                return convp_xlsx_nomem(w);
            static const enum convp_indicator_field roles[] = {
                CONVP_IND_VALUE, CONVP_IND_CHANGE_PCT, CONVP_IND_PLAN_VALUE};
            if (desc_column(s, k == 0 ? (lxw_col_t)(3 + i) : c++, roles[k], s->per[i],
                            k == 0 ? s->colstatus[i] : NONE) != CONV_OK)
                return CONV_ERR;
        }
    }

    /* ---- the rows ---- */
    for (size_t o = 0; o < s->nrows; o++, rr++) {
        const struct rp_row *rw = &r->rows[s->order[o]];
        uint8_t bold = (uint8_t)rw->total;
        row_cells(s, s->order[o], colof);
        uint32_t stt;
        if (keep(w, r, rw->stt, strlen(rw->stt), &stt) != CONV_OK ||
            !(d = desc_new(s, CONVP_RK_ROW)))
            return CONV_ERR;
        d->f[CONVP_RD_AT] = stt;
        d->f[CONVP_RD_INDICATOR_CODE] = rw->code;
        d->f[CONVP_RD_INDICATOR_NAME] = rw->name;
        d->f[CONVP_RD_PARENT_CODE] = rw->parent;
        d->f[CONVP_RD_UNIT] = rw->unit;
        f = fmt_get(w, r, s->wb, KEY(.bold = bold, .border = 1, .halign = LXW_ALIGN_CENTER));
        if (!f || span(s, rr, 0, 0, rw->stt, strlen(rw->stt), f))
            return CONV_ERR;
        const char *nm = str(r, rw->name ? rw->name : rw->code);
        int indent = rw->depth > 15 ? 15 : rw->depth;
        f = fmt_get(w, r, s->wb,
                    KEY(.bold = bold, .border = 1, .wrap = 1, .indent = (uint8_t)indent));
        if (!f || span(s, rr, 1, 1, nm, strlen(nm), f))
            return CONV_ERR;
        unsigned l = lines_in(s, 1, 1, nm, strlen(nm), bold, indent);
        f = fmt_get(w, r, s->wb,
                    KEY(.bold = bold, .border = 1, .wrap = 1, .halign = LXW_ALIGN_CENTER));
        if (!f)
            return CONV_ERR;
        if (rw->unit ? span(s, rr, 2, 2, str(r, rw->unit), strlen(str(r, rw->unit)), f)
                     : put_blank(s, rr, 2, f))
            return CONV_ERR;
        struct rp_fkey nk = {.bold = bold, .border = 1};
        lxw_format *blank = fmt_get(w, r, s->wb, &nk);
        if (!blank)
            return CONV_ERR;
        lxw_col_t cc = s->chg_col, pc = s->plan_col;
        for (size_t i = 0; i < s->nper; i++) {
            const struct rp_cell *c = s->at[i] != NONE ? &r->cells[s->at[i]] : NULL;
            if (c && differ(r, c->status, s->colstatus[i])) {
                if (!(d = desc_value(s, CONVP_RK_STATUS, stt, s->per[i])))
                    return CONV_ERR;
                d->f[CONVP_RD_STATUS] = c->status;
            }
            rc = c ? put_number(s, rr, (lxw_col_t)(3 + i), str(r, c->value), nk)
                   : put_blank(s, rr, (lxw_col_t)(3 + i), blank);
            if (rc == CONV_OK && s->chg[i]) {
                double pct = 0;
                int how = change_of(s, i, &pct);
                if (how == 1) {
                    rc = put_number(s, rr, cc, str(r, c->change), nk);
                } else if (how == 2) {
                    /* computed: one decimal; the description says so, for
                     * it is no record's */
                    lxw_format *pf =
                        fmt_get(w, r, s->wb, KEY(.bold = bold, .border = 1, .number = 2));
                    e = pf ? worksheet_write_number(ws, rr, cc, pct, pf) : LXW_NO_ERROR;
                    rc = !pf ? CONV_ERR : e ? lxw_fail(w, e, "cannot write a cell") : CONV_OK;
                    if (rc == CONV_OK && !(d = desc_value(s, CONVP_RK_COMPUTED, stt, s->per[i])))
                        return CONV_ERR;
                    if (rc == CONV_OK) {
                        d->has_computed = 1;
                        d->computed = pct;
                    }
                } else {
                    rc = put_blank(s, rr, cc, blank);
                }
                cc++;
            }
            if (rc == CONV_OK && s->plan[i])
                rc = c && c->plan ? put_number(s, rr, pc++, str(r, c->plan), nk)
                                  : put_blank(s, rr, pc++, blank);
            if (rc != CONV_OK)
                return rc;
        }
        if (put_height(s, rr, l * LINE_PT + 4))
            return CONV_ERR;
    }

    /* ---- the signature block ---- */
    rr++;
    lxw_row_t sr = rr;
    if (*r->recipients) {
        f = fmt_get(w, r, s->wb, KEY(.bold = 1, .italic = 1));
        if (!f || span(s, sr, 0, 1, "Nơi nhận:", strlen("Nơi nhận:"), f))
            return CONV_ERR;
        f = fmt_get(w, r, s->wb, KEY(.size = SIZE_SMALL));
        if (!f)
            return CONV_ERR;
        const char *q = r->recipients;
        lxw_row_t k = sr + 1;
        while ((line = next_line(&q, &len)) != NULL) {
            b->len = 0;
            if ((line[0] != '-' && convp_buf_append(b, "- ", 2)) ||
                convp_buf_append(b, line, len) || !convp_buf_cstr(b))
                return convp_xlsx_nomem(w);
            if (span(s, k++, 0, 1, b->data, b->len, f))
                return CONV_ERR;
        }
    }
    /* the signer's title in capitals, as the issuing body */
    f = fmt_get(w, r, s->wb, KEY(.bold = 1, .halign = LXW_ALIGN_CENTER));
    if (!f)
        return CONV_ERR;
    if (*r->signer_title) {
        if (upper(&r->tmp, r->signer_title, strlen(r->signer_title)) != 0)
            return convp_xlsx_nomem(w);
        char *t = convp_strndup(w->ctx, r->tmp.data, r->tmp.len);
        if (!t)
            return convp_xlsx_nomem(w);
        rc = span(s, sr, right, last, t, strlen(t), f);
        convp_free(w->ctx, t);
        if (rc != CONV_OK)
            return rc;
    }
    f = fmt_get(w, r, s->wb, KEY(.italic = 1, .halign = LXW_ALIGN_CENTER));
    if (!f || span(s, sr + 1, right, last, SIGN_NOTE, strlen(SIGN_NOTE), f))
        return CONV_ERR;
    if (*r->signer) {
        f = fmt_get(w, r, s->wb, KEY(.bold = 1, .halign = LXW_ALIGN_CENTER));
        if (!f || span(s, sr + 2 + SIGN_ROOM, right, last, r->signer, strlen(r->signer), f))
            return CONV_ERR;
    }
#undef KEY

    /* ---- the page ---- */
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, CONVP_XLSX_PAPER_A4);
    worksheet_fit_to_pages(ws, 1, 0);
    /* Official documents: 20 mm top and bottom, 30 mm left, 15 mm right. */
    worksheet_set_margins(ws, 30 / 25.4, 15 / 25.4, 20 / 25.4, 20 / 25.4);
    worksheet_center_horizontally(ws);
    worksheet_gridlines(ws, LXW_HIDE_ALL_GRIDLINES);
    if ((e = worksheet_set_footer(ws, "&C&\"" FONT ",Regular\"Trang &P / &N")) != LXW_NO_ERROR)
        return lxw_fail(w, e, "cannot set up the page");
    return CONV_OK;
}

/* The hidden sheet describing the tables (sheet_report.h): a header row,
 * the version, then the entries as the sheets were written.  Its cells are
 * in the report's font, as every cell of the workbook. */
static int write_description(struct report *r, struct conv_writer *w)
{
    if (r->ndesc + 2 > CONVP_XLSX_MAX_ROWS) {
        convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                        "the report's tables need %zu rows to describe them, more than a "
                        "sheet has: write the records with --layout people",
                        r->ndesc + 2);
        return CONV_ERR;
    }
    lxw_worksheet *ws = workbook_add_worksheet(r->book->wb, CONVP_REPORT_SHEET);
    if (!ws)
        return lxw_fail(w, LXW_ERROR_MEMORY_MALLOC_FAILED,
                        "cannot add the sheet " CONVP_REPORT_SHEET);
    worksheet_hide(ws);
    struct rp_fkey key = {0}, nkey = {.number = 2};
    lxw_format *f = fmt_get(w, r, r->book->wb, &key);
    lxw_format *nf = f ? fmt_get(w, r, r->book->wb, &nkey) : NULL;
    if (!nf)
        return CONV_ERR;
    lxw_error e = LXW_NO_ERROR;
    for (lxw_col_t c = 0; c < CONVP_RD_COLS && !e; c++)
        e = worksheet_write_string(ws, 0, c, convp_report_col_name((enum convp_rd_col)c), f);
    char version[16];
    snprintf(version, sizeof version, "%d", CONVP_REPORT_VERSION);
    if (!e)
        e = worksheet_write_string(ws, 1, CONVP_RD_KIND, convp_report_kind_name(CONVP_RK_VERSION),
                                   f);
    if (!e)
        e = worksheet_write_string(ws, 1, CONVP_RD_AT, version, f);
    for (size_t i = 0; i < r->ndesc && !e; i++) {
        const struct rp_desc *d = &r->desc[i];
        lxw_row_t rr = (lxw_row_t)(i + 2);
        e = worksheet_write_string(ws, rr, CONVP_RD_KIND,
                                   convp_report_kind_name((enum convp_rd_kind)d->kind), f);
        if (!e && d->role)
            e = worksheet_write_string(
                ws, rr, CONVP_RD_ROLE,
                convp_indicator_field((enum convp_indicator_field)(d->role - 1)), f);
        for (lxw_col_t c = 0; c < CONVP_RD_COLS && !e; c++) {
            if (!d->f[c] || c == CONVP_RD_KIND)
                continue;
            const char *t =
                convp_xlsx_cell_text(&r->tmp2, str(r, d->f[c]), strlen(str(r, d->f[c])));
            if (!t)
                return convp_xlsx_nomem(w);
            e = worksheet_write_string(ws, rr, c, t, f);
        }
        if (!e && d->has_computed)
            e = worksheet_write_number(ws, rr, CONVP_RD_COMPUTED, d->computed, nf);
    }
    return e ? lxw_fail(w, e, "cannot write the sheet " CONVP_REPORT_SHEET) : CONV_OK;
}

/* Write the sheets, one per region. */
static int rp_finish(void *lay, struct conv_writer *w)
{
    struct report *r = lay;
    lxw_workbook *wb = r->book->wb;
    size_t np = r->nperiods ? r->nperiods : 1;
    uint32_t *mark = convp_calloc(w->ctx, np, sizeof *mark);
    uint32_t *colof = convp_calloc(w->ctx, np, sizeof *colof);
    struct rp_sheet s = {.r = r, .w = w, .wb = wb};
    s.per = convp_calloc(w->ctx, np, sizeof *s.per);
    s.prev = convp_calloc(w->ctx, np, sizeof *s.prev);
    s.chg = convp_calloc(w->ctx, np, 1);
    s.plan = convp_calloc(w->ctx, np, 1);
    s.at = convp_calloc(w->ctx, np, sizeof *s.at);
    s.colstatus = convp_calloc(w->ctx, np, sizeof *s.colstatus);
    s.is_child = convp_calloc(w->ctx, r->nrows ? r->nrows : 1, 1);
    int rc = CONV_OK;
    struct rp_region none = {.first_row = NONE, .last_row = NONE};
    if (!mark || !colof || !s.per || !s.prev || !s.chg || !s.plan || !s.at || !s.colstatus ||
        !s.is_child)
        rc = convp_xlsx_nomem(w);
    size_t nreg = r->nregions ? r->nregions : 1;
    for (size_t g = 0; g < nreg && rc == CONV_OK; g++) {
        s.reg = r->nregions ? &r->regions[g] : &none;
        s.nrows = s.nper = 0;
        convp_free(w->ctx, s.order);
        s.order = NULL;
        if (r->nregions && (rc = table_order(&s)) != CONV_OK)
            break;
        if ((rc = sheet_periods(&s, mark, (uint32_t)g + 1, colof)) != CONV_OK)
            break;
        /* which change and plan columns there are */
        memset(s.chg, 0, s.nper);
        memset(s.plan, 0, s.nper);
        for (size_t o = 0; o < s.nrows; o++) {
            row_cells(&s, s.order[o], colof);
            for (size_t i = 0; i < s.nper; i++) {
                double pct;
                s.chg[i] |= change_of(&s, i, &pct) != 0;
                s.plan[i] |= s.at[i] != NONE && r->cells[s.at[i]].plan != 0;
            }
        }
        size_t nchg = 0, nplan = 0;
        for (size_t i = 0; i < s.nper; i++)
            nchg += s.chg[i], nplan += s.plan[i];
        size_t ncol = 3 + s.nper + nchg + nplan;
        r->table_cells += (uint64_t)ncol * (s.nrows + 3);
        if (ncol > CONVP_XLSX_MAX_COLS || r->table_cells > MAX_CELLS) {
            convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                            "the report table would have %zu columns (%zu periods) and %llu "
                            "cells; at most %u and %u: write the records with --layout people",
                            ncol, s.nper, (unsigned long long)r->table_cells, CONVP_XLSX_MAX_COLS,
                            MAX_CELLS);
            rc = CONV_ERR;
            break;
        }
        s.ncol = (lxw_col_t)ncol;
        s.chg_col = (lxw_col_t)(3 + s.nper);
        s.plan_col = (lxw_col_t)(s.chg_col + nchg);
        convp_free(w->ctx, s.width);
        if (!(s.width = convp_calloc(w->ctx, ncol, sizeof *s.width))) {
            rc = convp_xlsx_nomem(w);
            break;
        }
        struct convp_buf name;
        convp_buf_init(&name, w->ctx);
        if (sheet_name(r, w, s.reg, &name) != CONV_OK) {
            convp_buf_free(&name);
            rc = CONV_ERR;
            break;
        }
        lxw_error e = workbook_validate_sheet_name(wb, name.data);
        s.ws = e ? NULL : workbook_add_worksheet(wb, name.data);
        rc = keep(w, r, name.data, name.len, &s.name);
        convp_buf_free(&name);
        if (rc != CONV_OK)
            break;
        if (!s.ws) {
            rc = lxw_fail(w, e ? e : LXW_ERROR_MEMORY_MALLOC_FAILED, "cannot add a sheet");
            break;
        }
        rc = write_sheet(&s, colof);
    }
    if (rc == CONV_OK)
        rc = write_description(r, w);
    convp_free(w->ctx, s.order);
    convp_free(w->ctx, s.width);
    convp_free(w->ctx, mark);
    convp_free(w->ctx, colof);
    convp_free(w->ctx, s.per);
    convp_free(w->ctx, s.prev);
    convp_free(w->ctx, s.chg);
    convp_free(w->ctx, s.plan);
    convp_free(w->ctx, s.at);
    convp_free(w->ctx, s.colstatus);
    convp_free(w->ctx, s.is_child);
    return rc;
}

static const struct convp_xlsx_layout_ops rp_ops = {
    /* Written at the end from the records it holds (a bounded number),
     * not in row order as they come. */
    .constant_memory = 0, .open = rp_open,     .begin = rp_begin,
    .put = rp_put,        .finish = rp_finish, .close = rp_close,
};

const struct convp_xlsx_layout convp_xlsx_layout_report = {
    .name = "report",
    .comment = "; a report table (--layout report)",
    .options = report_options,
    .ops = &rp_ops,
};
