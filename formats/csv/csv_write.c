/*
 * CSV writer: canonical RFC 4180 (CRLF, a field quoted only when it holds
 * the delimiter, a quote or a line end, "" for an empty string, nothing
 * for a null), so canonical CSV read and written back is byte-identical.
 * Rows are written by the shared row writer (formats/csvrow/) straight
 * into the output buffer.
 */
#include "csv_private.h"

struct csv_writer {
    struct convp_csvw row; /* the shared row writer */
    int omit_header;
    int bom;
};

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
    unsigned char delim;
    if (convp_csv_parse_delim(d, 0, &delim) != 0) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option out-delimiter: expected tab or one ASCII character "
                        "other than a quote or line end, got '%s'",
                        d);
        return CONV_ERR;
    }
    int lf, excel_safe;
    if (convp_opt_flag(w->opts, "omit-header", 0, &w->err, &cw->omit_header) != CONV_OK ||
        convp_opt_enum(w->opts, "eol", eol_words, 0, &w->err, &lf) != CONV_OK ||
        convp_opt_flag(w->opts, "bom", 0, &w->err, &cw->bom) != CONV_OK ||
        convp_opt_flag(w->opts, "excel-safe", 0, &w->err, &excel_safe) != CONV_OK)
        return CONV_ERR;
    convp_csvw_init(&cw->row, delim, lf, excel_safe, !cw->bom);
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
        rc = convp_csvw_row(&cw->row, w->out, names, fields->n, &w->err);
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
    struct csv_writer *cw = w->drv;
    return convp_csvw_row(&cw->row, w->out, row, w->header->n, &w->err);
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
