/*
 * SDMX-CSV output, row by row through the shared row writer
 * (formats/csvrow/): 1.0 (DATAFLOW, then the components) by default, 2.0
 * (STRUCTURE, STRUCTURE_ID, ACTION, then the components) with
 * --sdmx-csv-version 2.  A missing measure is NaN.
 */
#include "sdmx_private.h"
#include "csvrow.h"

struct cw {
    struct sdmx_wr s;
    struct convp_csvw row;
    int version;
    size_t lead; /* structure columns before the components */
    const struct conv_value **vals;
    struct conv_value fixed[3];
};

static int cw_open(struct conv_writer *w)
{
    static const char *const versions[] = {"1", "2", NULL};
    struct cw *c = convp_calloc(w->ctx, 1, sizeof *c);
    if (!c) {
        convp_error_set(&w->err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return CONV_ERR;
    }
    w->drv = c;
    if (sdmx_wr_open(&c->s, w, 0) != CONV_OK ||
        convp_opt_enum(w->opts, "sdmx-csv-version", versions, 0, &w->err, &c->version) !=
            CONV_OK)
        return CONV_ERR;
    c->version++;
    convp_csvw_init(&c->row, ',', 0, 0, 1);
    return CONV_OK;
}

static void fixed(struct conv_value *v, const char *t)
{
    v->type = CONV_STRING;
    v->flags = 0;
    v->text = t;
    v->len = strlen(t);
}

static int cw_begin(struct conv_writer *w, const struct conv_schema *fields)
{
    struct cw *c = w->drv;
    if (sdmx_wr_begin(&c->s, fields) != CONV_OK)
        return CONV_ERR;
    if (!c->s.flow) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "SDMX-CSV names its dataflow: give --sdmx-dataflow AGENCY:ID(VERSION), "
                        "or --dsd with a dataflow");
        return CONV_ERR;
    }
    c->lead = c->version == 1 ? 1 : 3;
    size_t n = c->lead + c->s.ncol;
    c->vals = convp_calloc(w->ctx, n, sizeof *c->vals);
    struct conv_value *names = convp_calloc(w->ctx, n, sizeof *names);
    if (!c->vals || !names) {
        convp_free(w->ctx, names);
        convp_error_set(&w->err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return CONV_ERR;
    }
    if (c->version == 1) {
        fixed(&names[0], "DATAFLOW");
    } else {
        fixed(&names[0], "STRUCTURE");
        fixed(&names[1], "STRUCTURE_ID");
        fixed(&names[2], "ACTION");
    }
    for (size_t i = 0; i < c->s.ncol; i++)
        fixed(&names[c->lead + i], c->s.col[i].name);
    for (size_t i = 0; i < n; i++)
        c->vals[i] = &names[i];
    int rc = convp_csvw_row(&c->row, w->out, c->vals, n, &w->err);
    convp_free(w->ctx, names);
    if (c->version == 1) {
        fixed(&c->fixed[0], c->s.flow);
    } else {
        fixed(&c->fixed[0], c->s.flow_is_dsd ? "datastructure" : "dataflow");
        fixed(&c->fixed[1], c->s.flow);
        fixed(&c->fixed[2], "I");
    }
    return rc;
}

static int cw_put(struct conv_writer *w, const struct conv_record *rec)
{
    struct cw *c = w->drv;
    static const struct conv_value nan = {CONV_STRING, 0, 3, "NaN"};
    if (sdmx_wr_values(&c->s, rec) != CONV_OK)
        return CONV_ERR;
    for (size_t i = 0; i < c->lead; i++)
        c->vals[i] = &c->fixed[i];
    for (size_t i = 0; i < c->s.ncol; i++) {
        const struct conv_value *v = c->s.vals[i];
        if (!v && c->s.col[i].role == SDMX_ROLE_MEASURE)
            v = &nan;
        c->vals[c->lead + i] = v;
    }
    return convp_csvw_row(&c->row, w->out, c->vals, c->lead + c->s.ncol, &w->err);
}

static int cw_finish(struct conv_writer *w)
{
    (void)w;
    return CONV_OK;
}

static void cw_close(struct conv_writer *w)
{
    struct cw *c = w->drv;
    if (!c)
        return;
    sdmx_wr_close(&c->s);
    convp_free(w->ctx, c->vals);
    convp_free(w->ctx, c);
    w->drv = NULL;
}

const struct convp_writer_ops convp_sdmx_csv_writer_ops = {
    .open = cw_open,
    .begin = cw_begin,
    .put = cw_put,
    .finish = cw_finish,
    .close = cw_close,
};
