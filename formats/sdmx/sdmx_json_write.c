/*
 * SDMX-JSON 2.0 output: one structure (dimensions, measures, attributes,
 * each dimension and attribute with the values the data use) and one data
 * set of series keyed by value indexes, observations keyed by the time
 * dimension's.  The structure must come before the data and needs every
 * value, so the records go through the spool (sdmx_write.c) first, as for
 * SDMX-ML; the value lists are the only thing held in memory.  Without
 * --dsd every field but the measures and TIME_PERIOD is a dimension.
 */
#include "sdmx_private.h"

#define JW_MAX_VALUES 10000000
#define JW_SCHEMA                                                                                \
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/v2.0.0/data-message/tools/schemas/"   \
    "2.0.0/sdmx-json-data-schema.json"

enum jw_kind { JW_SDIM, JW_ODIM, JW_MEASURE, JW_DSATTR, JW_SATTR, JW_OATTR };

struct jw {
    struct sdmx_wr s;
    struct sdmx_spool sp;
    unsigned char *key, *sattr;
    enum jw_kind *kind;
    struct conv_schema **vmap; /* per dimension and attribute: its values */
    size_t nvalues;
    int flat;
    int begun;
};

static int jw_nomem(struct conv_writer *w)
{
    convp_error_set(&w->err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
    return CONV_ERR;
}

static int out(struct conv_writer *w, const char *s)
{
    return convp_output_write(w->out, s, strlen(s), &w->err);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static int out_str(struct conv_writer *w, const char *s, size_t n)
{
    if (convp_output_write(w->out, "\"", 1, &w->err) != CONV_OK)
        return CONV_ERR;
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else if (c == '\t')
            snprintf(esc, sizeof esc, "\\t");
        else if (c == '\r')
            snprintf(esc, sizeof esc, "\\r");
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        if (convp_output_write(w->out, s + from, i - from, &w->err) != CONV_OK ||
            out(w, esc) != CONV_OK)
            return CONV_ERR;
        from = i + 1;
    }
    if (convp_output_write(w->out, s + from, n - from, &w->err) != CONV_OK)
        return CONV_ERR;
    return convp_output_write(w->out, "\"", 1, &w->err);
}

static int out_num(struct conv_writer *w, size_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%zu", v);
    return out(w, b);
}

static int jw_open(struct conv_writer *w)
{
    struct jw *j = convp_calloc(w->ctx, 1, sizeof *j);
    if (!j)
        return jw_nomem(w);
    w->drv = j;
    j->sp.fd = -1;
    return sdmx_wr_open(&j->s, w, 0);
}

static int jw_begin(struct conv_writer *w, const struct conv_schema *fields)
{
    struct jw *j = w->drv;
    if (sdmx_wr_begin(&j->s, fields) != CONV_OK || sdmx_spool_open(&j->sp, &j->s) != CONV_OK)
        return CONV_ERR;
    j->begun = 1;
    size_t n = j->s.ncol ? j->s.ncol : 1;
    j->key = convp_calloc(w->ctx, n, 1);
    j->sattr = convp_calloc(w->ctx, n, 1);
    j->kind = convp_calloc(w->ctx, n, sizeof *j->kind);
    j->vmap = convp_calloc(w->ctx, n, sizeof *j->vmap);
    if (!j->key || !j->sattr || !j->kind || !j->vmap)
        return jw_nomem(w);
    j->flat = j->s.period_col < 0;
    for (size_t i = 0; i < j->s.ncol; i++) {
        const struct sdmx_ocol *c = &j->s.col[i];
        switch (c->role) {
        case SDMX_ROLE_MEASURE:
            j->kind[i] = JW_MEASURE;
            break;
        case SDMX_ROLE_ATTR:
            j->kind[i] = c->level == SDMX_LV_DATASET ? JW_DSATTR
                         : c->level == SDMX_LV_OBS || j->flat ? JW_OATTR
                                                              : JW_SATTR;
            break;
        default:
            j->kind[i] = j->flat || (long)i == j->s.period_col ? JW_ODIM : JW_SDIM;
        }
        j->key[i] = j->kind[i] == JW_SDIM;
        j->sattr[i] = j->kind[i] == JW_SATTR;
        if (j->kind[i] != JW_MEASURE && !(j->vmap[i] = conv_schema_new(w->ctx)))
            return jw_nomem(w);
    }
    return CONV_OK;
}

static int jw_put(struct conv_writer *w, const struct conv_record *rec)
{
    struct jw *j = w->drv;
    if (sdmx_wr_values(&j->s, rec) != CONV_OK)
        return CONV_ERR;
    for (size_t i = 0; i < j->s.ncol; i++) {
        const struct conv_value *v = j->s.vals[i];
        if (!v || !j->vmap[i] || convp_schema_find_n(j->vmap[i], v->text, v->len) >= 0)
            continue;
        if (++j->nvalues > JW_MAX_VALUES) {
            convp_error_set(&w->err, CONV_E_LIMIT, rec->source, rec->line, 0,
                            "more than %d distinct values", JW_MAX_VALUES);
            return CONV_ERR;
        }
        if (convp_schema_add_name(j->vmap[i], v->text, v->len) < 0)
            return jw_nomem(w);
    }
    return sdmx_spool_add(&j->sp, &j->s, j->key, rec);
}

/* A component of the structure: id, key position, values. */
static int out_comp(struct conv_writer *w, struct jw *j, size_t i, long key_pos, int *first)
{
    const struct sdmx_ocol *c = &j->s.col[i];
    if (out(w, *first ? "{\"id\":" : ",{\"id\":") != CONV_OK ||
        out_str(w, c->name, strlen(c->name)) != CONV_OK)
        return CONV_ERR;
    *first = 0;
    if (key_pos >= 0 && (out(w, ",\"keyPosition\":") != CONV_OK ||
                         out_num(w, (size_t)key_pos) != CONV_OK))
        return CONV_ERR;
    if (c->role == SDMX_ROLE_TIME && out(w, ",\"roles\":[\"TIME_PERIOD\"]") != CONV_OK)
        return CONV_ERR;
    if (!j->vmap[i])
        return out(w, "}");
    int coded = c->role != SDMX_ROLE_ATTR ||
                (c->comp >= 0 && j->s.st->comps[c->comp].enum_ref != NULL);
    if (c->role == SDMX_ROLE_ATTR && j->kind[i] != JW_SATTR &&
        out(w, j->kind[i] == JW_DSATTR ? ",\"relationship\":{\"dataflow\":{}}"
                                       : ",\"relationship\":{\"observation\":{}}") != CONV_OK)
        return CONV_ERR;
    if (j->kind[i] == JW_SATTR) {
        /* Attached to the series: its dimensions. */
        if (out(w, ",\"relationship\":{\"dimensions\":[") != CONV_OK)
            return CONV_ERR;
        int f = 1;
        for (size_t k = 0; k < j->s.ncol; k++) {
            if (j->kind[k] != JW_SDIM)
                continue;
            if ((!f && out(w, ",") != CONV_OK) ||
                out_str(w, j->s.col[k].name, strlen(j->s.col[k].name)) != CONV_OK)
                return CONV_ERR;
            f = 0;
        }
        if (out(w, "]}") != CONV_OK)
            return CONV_ERR;
    }
    if (out(w, ",\"values\":[") != CONV_OK)
        return CONV_ERR;
    const struct conv_schema *m = j->vmap[i];
    for (size_t k = 0; k < m->n; k++)
        if (out(w, k ? (coded ? ",{\"id\":" : ",{\"value\":") : (coded ? "{\"id\":" : "{\"value\":")) !=
                CONV_OK ||
            out_str(w, m->fields[k].name, strlen(m->fields[k].name)) != CONV_OK ||
            out(w, "}") != CONV_OK)
            return CONV_ERR;
    return out(w, "]}");
}

static int out_list(struct conv_writer *w, struct jw *j, const char *name, enum jw_kind a,
                    enum jw_kind b, int dims, int comma)
{
    if (out(w, comma ? ",\"" : "\"") != CONV_OK || out(w, name) != CONV_OK ||
        out(w, "\":[") != CONV_OK)
        return CONV_ERR;
    int first = 1;
    long pos = 0;
    for (size_t i = 0; i < j->s.ncol; i++) {
        int dim = j->kind[i] == JW_SDIM || j->kind[i] == JW_ODIM;
        if (j->kind[i] == a || j->kind[i] == b) {
            if (out_comp(w, j, i, dims ? pos : -1, &first) != CONV_OK)
                return CONV_ERR;
        }
        pos += dim;
    }
    return out(w, "]");
}

/* The index of a value in its component's values. */
static int out_index(struct conv_writer *w, struct jw *j, size_t i, const unsigned char *v,
                     size_t n)
{
    long k = convp_schema_find_n(j->vmap[i], (const char *)v, n);
    if (k < 0)
        return out(w, "null");
    return out_num(w, (size_t)k);
}

static int out_key(struct conv_writer *w, struct jw *j, enum jw_kind kind)
{
    struct sdmx_spool *sp = &j->sp;
    char buf[24];
    int first = 1;
    if (out(w, "\"") != CONV_OK)
        return CONV_ERR;
    for (size_t i = 0; i < j->s.ncol; i++) {
        if (j->kind[i] != kind)
            continue;
        long k = sp->vt[i] ? convp_schema_find_n(j->vmap[i], (const char *)sp->vt[i], sp->vl[i])
                           : -1;
        snprintf(buf, sizeof buf, "%s%ld", first ? "" : ":", k < 0 ? 0 : k);
        if (out(w, buf) != CONV_OK)
            return CONV_ERR;
        first = 0;
    }
    return out(w, "\"");
}

static int out_obs(struct conv_writer *w, struct jw *j)
{
    struct sdmx_spool *sp = &j->sp;
    if (out_key(w, j, JW_ODIM) != CONV_OK || out(w, ":[") != CONV_OK)
        return CONV_ERR;
    int first = 1;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < j->s.ncol; i++) {
            if (j->kind[i] != (pass ? JW_OATTR : JW_MEASURE))
                continue;
            if (!first && out(w, ",") != CONV_OK)
                return CONV_ERR;
            first = 0;
            if (!sp->vt[i]) {
                if (out(w, "null") != CONV_OK)
                    return CONV_ERR;
                continue;
            }
            if (pass) {
                if (out_index(w, j, i, sp->vt[i], sp->vl[i]) != CONV_OK)
                    return CONV_ERR;
                continue;
            }
            enum conv_type t;
            if (sdmx_classify((const char *)sp->vt[i], sp->vl[i], &t) == SDMX_V_NUMBER) {
                if (convp_output_write(w->out, sp->vt[i], sp->vl[i], &w->err) != CONV_OK)
                    return CONV_ERR;
            } else if (out_str(w, (const char *)sp->vt[i], sp->vl[i]) != CONV_OK) {
                return CONV_ERR;
            }
        }
    return out(w, "]");
}

static int jw_finish(struct conv_writer *w)
{
    struct jw *j = w->drv;
    if (!j->begun)
        return CONV_OK;
    struct sdmx_spool *sp = &j->sp;
    if (sdmx_spool_finish(sp, &j->s) != CONV_OK)
        return CONV_ERR;
    if (out(w, "{\"meta\":{\"schema\":\"" JW_SCHEMA "\",\"id\":") != CONV_OK ||
        out_str(w, j->s.msg_id, strlen(j->s.msg_id)) != CONV_OK ||
        out(w, ",\"test\":false,\"prepared\":") != CONV_OK ||
        out_str(w, j->s.prepared, strlen(j->s.prepared)) != CONV_OK ||
        out(w, ",\"sender\":{\"id\":") != CONV_OK ||
        out_str(w, j->s.sender, strlen(j->s.sender)) != CONV_OK ||
        out(w, "}},\n\"data\":{\"structures\":[{") != CONV_OK)
        return CONV_ERR;
    int comma = 0;
    if (j->s.flow) {
        char urn[700];
        snprintf(urn, sizeof urn, "urn:sdmx:org.sdmx.infomodel.datastructure.%s=%s",
                 j->s.flow_is_dsd ? "DataStructure" : "Dataflow", j->s.flow);
        if (out(w, "\"links\":[{\"urn\":") != CONV_OK || out_str(w, urn, strlen(urn)) != CONV_OK ||
            out(w, j->s.flow_is_dsd ? ",\"rel\":\"datastructure\"}]"
                                    : ",\"rel\":\"dataflow\"}]") != CONV_OK)
            return CONV_ERR;
        comma = 1;
    }
    if (out(w, comma ? ",\n\"dimensions\":{" : "\n\"dimensions\":{") != CONV_OK ||
        out(w, "\"dataSet\":[]") != CONV_OK ||
        out_list(w, j, "series", JW_SDIM, JW_SDIM, 1, 1) != CONV_OK ||
        out_list(w, j, "observation", JW_ODIM, JW_ODIM, 1, 1) != CONV_OK ||
        out(w, "},\n\"measures\":{") != CONV_OK ||
        out_list(w, j, "observation", JW_MEASURE, JW_MEASURE, 0, 0) != CONV_OK ||
        out(w, "},\n\"attributes\":{") != CONV_OK ||
        out_list(w, j, "dataSet", JW_DSATTR, JW_DSATTR, 0, 0) != CONV_OK ||
        out(w, ",\"dimensionGroup\":[]") != CONV_OK ||
        out_list(w, j, "series", JW_SATTR, JW_SATTR, 0, 1) != CONV_OK ||
        out_list(w, j, "observation", JW_OATTR, JW_OATTR, 0, 1) != CONV_OK ||
        out(w, "}}],\n\"dataSets\":[{\"structure\":0,\"action\":\"Information\",\"attributes\":[") !=
            CONV_OK)
        return CONV_ERR;
    int first = 1;
    for (size_t i = 0; i < j->s.ncol; i++) {
        if (j->kind[i] != JW_DSATTR)
            continue;
        if (!first && out(w, ",") != CONV_OK)
            return CONV_ERR;
        first = 0;
        if (sp->ds_off[i] == SIZE_MAX ? out(w, "null") != CONV_OK
                                      : out_index(w, j, i,
                                                  (const unsigned char *)sp->ds_text.data +
                                                      sp->ds_off[i],
                                                  sp->ds_len[i]) != CONV_OK)
            return CONV_ERR;
    }
    if (out(w, j->flat ? "],\n\"observations\":{" : "],\n\"series\":{") != CONV_OK)
        return CONV_ERR;
    int got, open = 0, nobs = 0;
    while ((got = sdmx_spool_next(sp, &j->s, j->sattr)) == 1) {
        if (!j->flat && sp->new_series) {
            if (open && out(w, "}},\n") != CONV_OK)
                return CONV_ERR;
            open = 1;
            nobs = 0;
            if (out_key(w, j, JW_SDIM) != CONV_OK || out(w, ":{\"attributes\":[") != CONV_OK)
                return CONV_ERR;
            int f = 1;
            for (size_t i = 0; i < j->s.ncol; i++) {
                if (j->kind[i] != JW_SATTR)
                    continue;
                if (!f && out(w, ",") != CONV_OK)
                    return CONV_ERR;
                f = 0;
                if (!sp->vt[i] ? out(w, "null") != CONV_OK
                               : out_index(w, j, i, sp->vt[i], sp->vl[i]) != CONV_OK)
                    return CONV_ERR;
            }
            if (out(w, "],\"observations\":{") != CONV_OK)
                return CONV_ERR;
        }
        if ((nobs++ && out(w, j->flat ? ",\n" : ",") != CONV_OK) || out_obs(w, j) != CONV_OK)
            return CONV_ERR;
    }
    if (got < 0)
        return CONV_ERR;
    if (open && out(w, "}}") != CONV_OK)
        return CONV_ERR;
    return out(w, "}}]}}\n");
}

static void jw_close(struct conv_writer *w)
{
    struct jw *j = w->drv;
    if (!j)
        return;
    sdmx_spool_close(&j->sp, &j->s);
    for (size_t i = 0; j->vmap && i < j->s.ncol; i++)
        conv_schema_free(j->vmap[i]);
    convp_free(w->ctx, j->vmap);
    convp_free(w->ctx, j->key);
    convp_free(w->ctx, j->sattr);
    convp_free(w->ctx, j->kind);
    sdmx_wr_close(&j->s);
    convp_free(w->ctx, j);
    w->drv = NULL;
}

const struct convp_writer_ops convp_sdmx_json_writer_ops = {
    .open = jw_open,
    .begin = jw_begin,
    .put = jw_put,
    .finish = jw_finish,
    .close = jw_close,
};
