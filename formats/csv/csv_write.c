/*
 * CSV writer: canonical RFC 4180 (CRLF, a field quoted only when it holds
 * the delimiter, a quote or a line end, "" for an empty string, nothing
 * for a null), so canonical CSV read and written back is byte-identical.
 * Rows go straight into the output buffer through reserve/advance.
 */
#include "csv_private.h"

#define CSV_ROW_RESERVE_MAX ((size_t)1 << 20) /* above this, reserve per value */

struct csv_writer {
    unsigned char delim;
    int omit_header;
    int lf;         /* eol=lf */
    int bom;
    int excel_safe;
    int at_start;   /* nothing written yet: a leading BOM in text needs quotes */
    unsigned char quote[256]; /* 1 for bytes that force quoting */
    char eol[2];
    size_t eol_len;
};

/*
 * Whether text should get a leading apostrophe under excel-safe: a
 * spreadsheet would run it as a formula (= + - @, or a tab or CR that
 * some import paths strip first), and it is not simply a number.
 */
static int csv_formula_like(const struct conv_value *v)
{
    if (v->len == 0 || (v->type != CONV_STRING && !(v->flags & CONV_VALUE_RAW)))
        return 0;
    switch (v->text[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        break;
    default:
        return 0;
    }
    return !convp_is_integer(v->text, v->len) && !convp_is_decimal(v->text, v->len);
}

/* Most bytes one value can take: quotes, doubled quotes, an apostrophe and
 * the delimiter or line end after it. */
static inline size_t csv_value_room(size_t len)
{
    return 2 * len + 5;
}

/*
 * Write one value (NULL for null or absent) at dst and return the bytes
 * written.  dst has csv_value_room(len) bytes.
 */
static size_t csv_put_value(struct csv_writer *cw, char *dst, const struct conv_value *v)
{
    if (!v || v->type == CONV_NULL) {
        cw->at_start = 0;
        return 0;
    }
    const unsigned char *s = (const unsigned char *)v->text;
    size_t n = v->len, k = 0;
    int apos = cw->excel_safe && csv_formula_like(v);
    if (n == 0) {
        dst[0] = dst[1] = '"'; /* an empty string, not a null */
        cw->at_start = 0;
        return 2;
    }
    /* One scan decides quoting; most values need none and are copied. */
    size_t i = 0;
    while (i < n && !cw->quote[s[i]])
        i++;
    int must = i < n;
    /* At the very start of the output a leading U+FEFF would be taken
     * for a byte-order mark and dropped on reading: quote it. */
    if (cw->at_start && !apos && n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        must = 1;
    cw->at_start = 0;
    if (!must) {
        if (apos)
            dst[k++] = '\'';
        memcpy(dst + k, s, n);
        return k + n;
    }
    dst[k++] = '"';
    if (apos)
        dst[k++] = '\'';
    size_t run = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '"') {
            memcpy(dst + k, s + run, i + 1 - run);
            k += i + 1 - run;
            dst[k++] = '"';
            run = i + 1;
        }
    }
    memcpy(dst + k, s + run, n - run);
    k += n - run;
    dst[k++] = '"';
    return k;
}

/* Write a row of ncol values (NULL entries are empty). */
static int csv_put_row(struct conv_writer *w, const struct conv_value *const *vals, size_t ncol)
{
    struct csv_writer *cw = w->drv;
    struct convp_output *out = w->out;
    size_t total = cw->eol_len;
    for (size_t i = 0; i < ncol; i++)
        total += vals[i] ? csv_value_room(vals[i]->len) : 1;
    if (total <= CSV_ROW_RESERVE_MAX) {
        char *dst = convp_output_reserve(out, total, &w->err);
        if (!dst)
            return CONV_ERR;
        size_t k = 0;
        for (size_t i = 0; i < ncol; i++) {
            if (i)
                dst[k++] = (char)cw->delim;
            k += csv_put_value(cw, dst + k, vals[i]);
        }
        memcpy(dst + k, cw->eol, cw->eol_len);
        convp_output_advance(out, k + cw->eol_len);
        return CONV_OK;
    }
    /* A huge row: a value at a time keeps the output buffer smaller. */
    for (size_t i = 0; i < ncol; i++) {
        size_t room = vals[i] ? csv_value_room(vals[i]->len) : 1;
        char *dst = convp_output_reserve(out, room, &w->err);
        if (!dst)
            return CONV_ERR;
        size_t k = 0;
        if (i)
            dst[k++] = (char)cw->delim;
        k += csv_put_value(cw, dst + k, vals[i]);
        convp_output_advance(out, k);
    }
    return convp_output_write(out, cw->eol, cw->eol_len, &w->err);
}

/* Parse the options into the driver state; a bad value is a usage error. */
static int csv_wopen(struct conv_writer *w)
{
    static const char *const eol_words[] = {"crlf", "lf", NULL};
    struct csv_writer *cw = convp_calloc(w->ctx, 1, sizeof *cw);
    if (!cw) {
        convp_error_set(&w->err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return CONV_ERR;
    }
    w->drv = cw;
    const char *d = convp_opt_str(w->opts, "out-delimiter",
                                  w->fmt == &convp_format_tsv ? "tab" : ",");
    if (convp_csv_parse_delim(d, 0, &cw->delim) != 0) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option out-delimiter: expected tab or one ASCII character "
                        "other than a quote or line end, got '%s'",
                        d);
        return CONV_ERR;
    }
    if (convp_opt_flag(w->opts, "omit-header", 0, &w->err, &cw->omit_header) != CONV_OK ||
        convp_opt_enum(w->opts, "eol", eol_words, 0, &w->err, &cw->lf) != CONV_OK ||
        convp_opt_flag(w->opts, "bom", 0, &w->err, &cw->bom) != CONV_OK ||
        convp_opt_flag(w->opts, "excel-safe", 0, &w->err, &cw->excel_safe) != CONV_OK)
        return CONV_ERR;
    cw->quote[cw->delim] = 1;
    cw->quote['"'] = cw->quote['\r'] = cw->quote['\n'] = 1;
    cw->eol[0] = cw->lf ? '\n' : '\r';
    cw->eol[1] = '\n';
    cw->eol_len = cw->lf ? 1 : 2;
    cw->at_start = !cw->bom;
    return CONV_OK;
}

/* The optional BOM, then the header row. */
static int csv_begin(struct conv_writer *w, const struct conv_schema *fields)
{
    struct csv_writer *cw = w->drv;
    if (cw->bom && convp_output_write(w->out, "\xEF\xBB\xBF", 3, &w->err) != CONV_OK)
        return CONV_ERR;
    if (cw->omit_header || fields->n == 0)
        return CONV_OK;
    /* Names go through the same quoting (and excel-safe) as values. */
    const struct conv_value **names = convp_calloc(w->ctx, fields->n, sizeof *names);
    struct conv_value *vals = convp_calloc(w->ctx, fields->n, sizeof *vals);
    int rc = CONV_ERR;
    if (!names || !vals) {
        convp_error_set(&w->err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
    } else {
        for (size_t i = 0; i < fields->n; i++) {
            vals[i].type = CONV_STRING;
            vals[i].text = fields->fields[i].name;
            vals[i].len = strlen(vals[i].text);
            names[i] = &vals[i];
        }
        rc = csv_put_row(w, names, fields->n);
    }
    convp_free(w->ctx, names);
    convp_free(w->ctx, vals);
    return rc;
}

/* One row: the record's values in header order, absent ones empty. */
static int csv_put(struct conv_writer *w, const struct conv_record *rec)
{
    const struct conv_value *const *row = convp_writer_row(w, rec);
    if (!row)
        return CONV_ERR;
    if (w->header->n == 0)
        return CONV_OK; /* no columns: nothing a CSV row could hold */
    return csv_put_row(w, row, w->header->n);
}

/* CSV has no trailer; the core flushes and commits the output. */
static int csv_finish(struct conv_writer *w)
{
    CONVP_UNUSED(w);
    return CONV_OK;
}

/* Free the driver state. */
static void csv_wclose(struct conv_writer *w)
{
    convp_free(w->ctx, w->drv);
    w->drv = NULL;
}

const struct convp_writer_ops convp_csv_writer_ops = {
    .open = csv_wopen,
    .begin = csv_begin,
    .put = csv_put,
    .finish = csv_finish,
    .close = csv_wclose,
};
