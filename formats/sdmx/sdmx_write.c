/*
 * What the three SDMX writers share: the options (--dsd, the mapping and
 * constants, the dataflow, sender, id and preparation time), the output
 * columns made from the header fields (the structure's order with --dsd;
 * indicator fields under their SDMX names; FREQ from the period; the
 * constants), and each record's values checked: a measure must be a plain
 * decimal, a null measure is NaN.
 */
#include "sdmx_private.h"

#include "profile/extsort.h"

#include <time.h>
#include <unistd.h>

static int wr_fail(struct sdmx_wr *s, enum conv_errcode code, const char *fmt, ...)
    CONVP_PRINTF(3, 4);
static int wr_fail(struct sdmx_wr *s, enum conv_errcode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&s->w->err, code, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return CONV_ERR;
}

static int wr_nomem(struct sdmx_wr *s)
{
    return wr_fail(s, CONV_E_NOMEM, "out of memory");
}

/* "AGENCY:ID(VERSION)" into its parts (copies). */
static int set_flow(struct sdmx_wr *s, const char *ref, int is_dsd)
{
    struct conv_context *ctx = s->ctx;
    convp_free(ctx, s->flow);
    convp_free(ctx, s->flow_agency);
    convp_free(ctx, s->flow_id);
    convp_free(ctx, s->flow_version);
    s->flow = s->flow_agency = s->flow_id = s->flow_version = NULL;
    const char *colon = strchr(ref, ':'), *open = strchr(ref, '(');
    const char *id = colon && (!open || colon < open) ? colon + 1 : ref;
    size_t idn = open ? (size_t)(open - id) : strlen(id);
    if (!sdmx_is_id(id, idn))
        return wr_fail(s, CONV_E_USAGE, "'%.80s' is not a structure reference AGENCY:ID(VERSION)",
                       ref);
    const char *close = open ? strchr(open, ')') : NULL;
    s->flow_agency = convp_strndup(ctx, ref, id != ref ? (size_t)(colon - ref) : 0);
    s->flow_id = convp_strndup(ctx, id, idn);
    s->flow_version = open ? convp_strndup(ctx, open + 1, close ? (size_t)(close - open - 1)
                                                                : strlen(open + 1))
                           : convp_strdup(ctx, "1.0");
    char buf[600];
    snprintf(buf, sizeof buf, "%s:%s(%s)", s->flow_agency ? s->flow_agency : "",
             s->flow_id ? s->flow_id : "", s->flow_version ? s->flow_version : "");
    s->flow = convp_strdup(ctx, buf);
    s->flow_is_dsd = is_dsd;
    if (!s->flow_agency || !s->flow_id || !s->flow_version || !s->flow)
        return wr_nomem(s);
    return CONV_OK;
}

int sdmx_wr_open(struct sdmx_wr *s, struct conv_writer *w, int need_dsd)
{
    memset(s, 0, sizeof *s);
    s->w = w;
    s->ctx = w->ctx;
    s->period_col = -1;
    if (convp_opt_flag(w->opts, "strict", 0, &w->err, &s->strict) != CONV_OK ||
        sdmx_map_init(&s->map, w->ctx, w->opts, &w->err) != CONV_OK)
        return CONV_ERR;
    const char *dsd = convp_opt_str(w->opts, "dsd", NULL);
    if (dsd && !(s->dsd = sdmx_dsd_load(w->ctx, dsd, &w->err)))
        return CONV_ERR;
    if (need_dsd && !s->dsd)
        return wr_fail(s, CONV_E_USAGE,
                       "writing SDMX-ML needs its structure: --dsd FILE (an SDMX-ML "
                       "structure message)");
    const char *flow = convp_opt_str(w->opts, "sdmx-dataflow", NULL);
    s->st = sdmx_dsd_pick(s->dsd, NULL, NULL, NULL);
    if (flow && set_flow(s, flow, 0) != CONV_OK)
        return CONV_ERR;
    if (!s->flow && s->st) {
        char buf[600];
        if (s->st->flow) {
            if (set_flow(s, s->st->flow, 0) != CONV_OK)
                return CONV_ERR;
        } else {
            snprintf(buf, sizeof buf, "%s:%s(%s)", s->st->agency ? s->st->agency : "",
                     s->st->id ? s->st->id : "", s->st->version ? s->st->version : "1.0");
            if (set_flow(s, buf, 1) != CONV_OK)
                return CONV_ERR;
        }
    }
    s->sender = convp_opt_str(w->opts, "sdmx-sender", "ZZZ");
    if (!sdmx_is_id(s->sender, strlen(s->sender)))
        return wr_fail(s, CONV_E_USAGE, "option sdmx-sender: '%.60s' is not an id", s->sender);
    const char *created = convp_opt_str(w->opts, "created", NULL);
    if (created) {
        if (!convp_is_datetime(created, strlen(created)) || strlen(created) >= sizeof s->prepared)
            return wr_fail(s, CONV_E_USAGE,
                           "option created: expected an ISO 8601 date-time such as "
                           "2022-01-15T00:00:00Z, got '%.60s'",
                           created);
        snprintf(s->prepared, sizeof s->prepared, "%s", created);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        if (!gmtime_r(&t, &tm) ||
            !strftime(s->prepared, sizeof s->prepared, "%Y-%m-%dT%H:%M:%SZ", &tm))
            snprintf(s->prepared, sizeof s->prepared, "1970-01-01T00:00:00Z");
    }
    const char *id = convp_opt_str(w->opts, "sdmx-id", NULL);
    if (id) {
        if (!sdmx_is_id(id, strlen(id)) || strlen(id) >= sizeof s->msg_id)
            return wr_fail(s, CONV_E_USAGE, "option sdmx-id: '%.60s' is not an id", id);
        snprintf(s->msg_id, sizeof s->msg_id, "%s", id);
    } else {
        size_t k = snprintf(s->msg_id, sizeof s->msg_id, "CONV");
        for (const char *p = s->prepared; *p && k + 1 < sizeof s->msg_id; p++)
            if (*p >= '0' && *p <= '9')
                s->msg_id[k++] = *p;
        s->msg_id[k] = '\0';
    }
    return CONV_OK;
}

static int add_col(struct sdmx_wr *s, const char *name, long src)
{
    struct sdmx_ocol *c = convp_realloc(s->ctx, s->col, (s->ncol + 1) * sizeof *c);
    if (!c)
        return wr_nomem(s);
    s->col = c;
    c = &s->col[s->ncol];
    memset(c, 0, sizeof *c);
    c->src = src;
    c->comp = -1;
    c->level = SDMX_LV_OBS;
    if (!(c->name = convp_strdup(s->ctx, name)))
        return wr_nomem(s);
    s->ncol++;
    return CONV_OK;
}

static long find_col(const struct sdmx_wr *s, const char *name)
{
    for (size_t i = 0; i < s->ncol; i++)
        if (!strcmp(s->col[i].name, name))
            return (long)i;
    return -1;
}

/* The SDMX name of a header field: its mapped component, else itself. */
static const char *sdmx_name(const struct sdmx_wr *s, const char *field, int *is_status,
                             int *is_period)
{
    const char *id = sdmx_map_to_sdmx(&s->map, field, strlen(field));
    *is_status = id && !strcmp(field, "status");
    *is_period = id && !strcmp(field, "period");
    return id ? id : field;
}

int sdmx_wr_begin(struct sdmx_wr *s, const struct conv_schema *fields)
{
    /* The header's fields under their SDMX names. */
    size_t nh = fields->n;
    const char **names = convp_calloc(s->ctx, nh ? nh : 1, sizeof *names);
    int *status = convp_calloc(s->ctx, nh ? nh : 1, sizeof *status);
    int rc = CONV_ERR, from_period = 0;
    if (!names || !status) {
        wr_nomem(s);
        goto out;
    }
    for (size_t i = 0; i < nh; i++) {
        int per;
        names[i] = sdmx_name(s, fields->fields[i].name, &status[i], &per);
        from_period |= per;
        if (!sdmx_is_id(names[i], strlen(names[i]))) {
            wr_fail(s, CONV_E_SCHEMA,
                    "field '%.60s' cannot be an SDMX component: its name is no id (map it "
                    "with --sdmx-map %.60s=ID)",
                    names[i], names[i]);
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(names[i], names[j])) {
                wr_fail(s, CONV_E_SCHEMA, "fields '%s' and '%s' are both component %s",
                        fields->fields[j].name, fields->fields[i].name, names[i]);
                goto out;
            }
    }
    if (s->st) {
        for (size_t k = 0; k < s->st->n; k++) {
            const struct sdmx_comp *comp = &s->st->comps[k];
            long src = -1;
            for (size_t i = 0; i < nh; i++)
                if (!strcmp(names[i], comp->id))
                    src = (long)i;
            if (add_col(s, comp->id, src) != CONV_OK)
                goto out;
            struct sdmx_ocol *c = &s->col[s->ncol - 1];
            c->comp = (long)k;
            c->role = comp->role;
            c->level = comp->level;
            c->status = src >= 0 && status[src];
            c->konst = sdmx_map_const(&s->map, comp->id, strlen(comp->id));
            c->freq = !strcmp(comp->id, "FREQ");
        }
        for (size_t i = 0; i < nh; i++)
            if (find_col(s, names[i]) < 0) {
                wr_fail(s, CONV_E_SCHEMA, "field '%s' is no component of the structure %s:%s(%s)",
                        names[i], s->st->agency ? s->st->agency : "", s->st->id ? s->st->id : "",
                        s->st->version ? s->st->version : "");
                goto out;
            }
        for (size_t i = 0; i < s->map.nset; i++)
            if (find_col(s, s->map.set_id[i]) < 0) {
                wr_fail(s, CONV_E_SCHEMA, "--sdmx-set %s: no such component in the structure",
                        s->map.set_id[i]);
                goto out;
            }
    } else {
        for (size_t i = 0; i < nh; i++) {
            if (add_col(s, names[i], (long)i) != CONV_OK)
                goto out;
            struct sdmx_ocol *c = &s->col[s->ncol - 1];
            c->status = status[i];
            c->konst = sdmx_map_const(&s->map, names[i], strlen(names[i]));
        }
        if (from_period && find_col(s, "FREQ") < 0) {
            if (add_col(s, "FREQ", -1) != CONV_OK)
                goto out;
            s->col[s->ncol - 1].freq = 1;
        }
        for (size_t i = 0; i < s->map.nset; i++)
            if (find_col(s, s->map.set_id[i]) < 0) {
                if (add_col(s, s->map.set_id[i], -1) != CONV_OK)
                    goto out;
                s->col[s->ncol - 1].konst = s->map.set_val[i];
            }
        for (size_t i = 0; i < s->ncol; i++) {
            struct sdmx_ocol *c = &s->col[i];
            c->role = !strncmp(c->name, "OBS_VALUE", 9)   ? SDMX_ROLE_MEASURE
                      : !strcmp(c->name, "TIME_PERIOD") ? SDMX_ROLE_TIME
                                                        : SDMX_ROLE_DIM;
            /* FREQ goes with the other dimensions, before the time. */
        }
    }
    for (size_t i = 0; i < s->ncol; i++)
        if (s->col[i].role == SDMX_ROLE_TIME)
            s->period_col = (long)i;
    /* FREQ from the period only where nothing gives it. */
    for (size_t i = 0; i < s->ncol; i++)
        if (s->col[i].freq && (s->col[i].src >= 0 || s->period_col < 0))
            s->col[i].freq = 0;
    s->vals = convp_calloc(s->ctx, s->ncol ? s->ncol : 1, sizeof *s->vals);
    s->own = convp_calloc(s->ctx, s->ncol ? s->ncol : 1, sizeof *s->own);
    if (!s->vals || !s->own) {
        wr_nomem(s);
        goto out;
    }
    /* Without a structure or an option, the structure the input named. */
    if (!s->flow && fields->source && !strncmp(fields->source, "urn:sdmx:", 9)) {
        const char *eq = strchr(fields->source, '=');
        if (eq && set_flow(s, eq + 1, strstr(fields->source, ".DataStructure=") != NULL) !=
                      CONV_OK)
            goto out;
    }
    rc = CONV_OK;
out:
    convp_free(s->ctx, names);
    convp_free(s->ctx, status);
    return rc;
}

/* A writer's finding: reported, or an error under --strict. */
static int wr_finding(struct sdmx_wr *s, const struct conv_record *rec, const char *field,
                      enum conv_errcode code, const char *fmt, ...) CONVP_PRINTF(5, 6);
static int wr_finding(struct sdmx_wr *s, const struct conv_record *rec, const char *field,
                      enum conv_errcode code, const char *fmt, ...)
{
    struct conv_error d;
    memset(&d, 0, sizeof d);
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&d, code, rec->source, rec->line, 0, fmt, ap);
    va_end(ap);
    convp_error_where(&d, rec->index, field, 0);
    if (s->strict) {
        s->w->err = d;
        return CONV_ERR;
    }
    if (++s->ndiag <= SDMX_MAX_DIAGS)
        convp_diag(s->w->opts, &d);
    return CONV_OK;
}

static int check_measure(struct sdmx_wr *s, const struct conv_record *rec, size_t i,
                         const struct conv_value **pv)
{
    const struct conv_value *v = *pv;
    if (!v || v->type == CONV_NULL) {
        *pv = NULL;
        return CONV_OK;
    }
    if (v->type == CONV_INTEGER || v->type == CONV_DECIMAL)
        return CONV_OK;
    enum conv_type t;
    switch (sdmx_classify(v->text, v->len, &t)) {
    case SDMX_V_NUMBER:
        return CONV_OK;
    case SDMX_V_MISSING:
        *pv = NULL;
        return CONV_OK;
    default:
        break;
    }
    int loc = convp_loc_classify(v->text, v->len);
    if (loc == CONVP_LOC_VI || loc == CONVP_LOC_VI_COMMA || loc == CONVP_LOC_AMBIG ||
        loc == CONVP_LOC_VI_WEAK) {
        convp_error_set(&s->w->err, CONV_E_TYPE, rec->source, rec->line, 0,
                        "%s: '%.60s' is not a plain decimal (Vietnamese notation? read the "
                        "input with --locale vi)",
                        s->col[i].name, v->text);
        convp_error_where(&s->w->err, rec->index, s->col[i].name, 0);
        return CONV_ERR;
    }
    return wr_finding(s, rec, s->col[i].name, CONV_E_TYPE,
                      "%s: '%.60s' is not a plain decimal (written as it is)", s->col[i].name,
                      v->text);
}

int sdmx_wr_values(struct sdmx_wr *s, const struct conv_record *rec)
{
    const struct conv_value *const *row = convp_writer_row(s->w, rec);
    if (!row)
        return CONV_ERR;
    const struct conv_value *period = NULL;
    for (size_t i = 0; i < s->ncol; i++) {
        struct sdmx_ocol *c = &s->col[i];
        const struct conv_value *v = c->src >= 0 ? row[c->src] : NULL;
        if (v && v->type == CONV_NULL)
            v = NULL;
        if (!v && c->konst) {
            s->own[i].type = CONV_STRING;
            s->own[i].flags = 0;
            s->own[i].text = c->konst;
            s->own[i].len = strlen(c->konst);
            v = &s->own[i];
        }
        if (v && c->status) {
            const char *code = sdmx_status_to_code(v->text, v->len);
            if (code) {
                s->own[i].type = CONV_STRING;
                s->own[i].flags = 0;
                s->own[i].text = code;
                s->own[i].len = strlen(code);
                v = &s->own[i];
            }
        }
        if ((long)i == s->period_col)
            period = v;
        s->vals[i] = v;
    }
    for (size_t i = 0; i < s->ncol; i++) {
        struct sdmx_ocol *c = &s->col[i];
        if (c->freq && !s->vals[i] && period) {
            const char *f = sdmx_freq_of_period(period->text, period->len);
            if (f) {
                s->own[i].type = CONV_STRING;
                s->own[i].flags = 0;
                s->own[i].text = f;
                s->own[i].len = strlen(f);
                s->vals[i] = &s->own[i];
            }
        }
        if (c->role == SDMX_ROLE_MEASURE && check_measure(s, rec, i, &s->vals[i]) != CONV_OK)
            return CONV_ERR;
        if (s->st && (c->role == SDMX_ROLE_DIM || c->role == SDMX_ROLE_TIME) && !s->vals[i]) {
            convp_error_set(&s->w->err, CONV_E_SCHEMA, rec->source, rec->line, 0,
                            "dimension %s has no value%s", c->name,
                            c->freq ? " (the period gives no frequency: set FREQ)" : "");
            convp_error_where(&s->w->err, rec->index, c->name, 0);
            return CONV_ERR;
        }
        /* XML 1.0 and the id rules: a dimension value must be text an XML
         * attribute can hold (checked by the writers) */
    }
    return CONV_OK;
}

void sdmx_wr_close(struct sdmx_wr *s)
{
    if (!s->ctx)
        return;
    for (size_t i = 0; i < s->ncol; i++)
        convp_free(s->ctx, s->col[i].name);
    convp_free(s->ctx, s->col);
    convp_free(s->ctx, s->vals);
    convp_free(s->ctx, s->own);
    convp_free(s->ctx, s->flow);
    convp_free(s->ctx, s->flow_agency);
    convp_free(s->ctx, s->flow_id);
    convp_free(s->ctx, s->flow_version);
    sdmx_map_fini(&s->map);
    sdmx_dsd_free(s->dsd);
    memset(s, 0, sizeof *s);
}

/* ---- the spool ------------------------------------------------------------------ */

#define SPOOL_SORT_BUDGET ((size_t)16 << 20) /* each of the two sorts */
#define SPOOL_WINDOW ((size_t)256 << 10)

int sdmx_spool_open(struct sdmx_spool *sp, struct sdmx_wr *s)
{
    struct conv_writer *w = s->w;
    memset(sp, 0, sizeof *sp);
    sp->fd = -1;
    struct convp_buf *bufs[] = {&sp->out, &sp->key, &sp->rec, &sp->cur_key, &sp->cur_attr,
                                &sp->ds_text};
    int ready = 0;
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        convp_buf_init(bufs[i], w->ctx);
        ready |= sdmx_buf_ready(bufs[i]);
    }
    if (ready)
        return wr_nomem(s);
    size_t n = s->ncol ? s->ncol : 1;
    sp->vt = convp_calloc(w->ctx, n, sizeof *sp->vt);
    sp->vl = convp_calloc(w->ctx, n, sizeof *sp->vl);
    sp->aoff = convp_calloc(w->ctx, n, sizeof *sp->aoff);
    sp->alen = convp_calloc(w->ctx, n, sizeof *sp->alen);
    sp->ds_off = convp_calloc(w->ctx, n, sizeof *sp->ds_off);
    sp->ds_len = convp_calloc(w->ctx, n, sizeof *sp->ds_len);
    if (!sp->vt || !sp->vl || !sp->aoff || !sp->alen || !sp->ds_off || !sp->ds_len)
        return wr_nomem(s);
    for (size_t i = 0; i < s->ncol; i++)
        sp->ds_off[i] = SIZE_MAX;
    sp->fd = convp_temp_fd(&w->err);
    if (sp->fd < 0)
        return CONV_ERR;
    sp->sort = convp_sorter_new(w->ctx, SPOOL_SORT_BUDGET, &w->err);
    return sp->sort ? CONV_OK : CONV_ERR;
}

static int spool_flush(struct sdmx_spool *sp, struct sdmx_wr *s)
{
    if (!sp->out.len)
        return CONV_OK;
    if (convp_pwrite_all(sp->fd, sp->out.data, sp->out.len, sp->spooled, &s->w->err) != CONV_OK)
        return CONV_ERR;
    sp->spooled += sp->out.len;
    sp->out.len = 0;
    return CONV_OK;
}

static int put_be(struct convp_buf *b, uint64_t v, int bytes)
{
    unsigned char x[8];
    for (int k = 0; k < bytes; k++)
        x[k] = (unsigned char)(v >> (8 * (bytes - 1 - k)));
    return convp_buf_append(b, x, (size_t)bytes);
}

static void be_put(unsigned char *p, uint64_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        p[k] = (unsigned char)(v >> (8 * (bytes - 1 - k)));
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int k = 0; k < bytes; k++)
        v = v << 8 | p[k];
    return v;
}

/* A data set attribute: its one value. */
static int take_dataset_attr(struct sdmx_spool *sp, struct sdmx_wr *s, size_t i,
                             const struct conv_record *rec)
{
    const struct conv_value *v = s->vals[i];
    if (!v)
        return CONV_OK;
    if (sp->ds_off[i] == SIZE_MAX) {
        sp->ds_off[i] = sp->ds_text.len;
        sp->ds_len[i] = v->len;
        return convp_buf_append(&sp->ds_text, v->text, v->len) != 0 ? wr_nomem(s) : CONV_OK;
    }
    if (v->len == sp->ds_len[i] && !memcmp(v->text, sp->ds_text.data + sp->ds_off[i], v->len))
        return CONV_OK;
    convp_error_set(&s->w->err, CONV_E_SCHEMA, rec->source, rec->line, 0,
                    "%s is a data set attribute but has two values: '%.*s' and '%.40s'",
                    s->col[i].name, (int)(sp->ds_len[i] > 40 ? 40 : sp->ds_len[i]),
                    sp->ds_text.data + sp->ds_off[i], v->text);
    return CONV_ERR;
}

int sdmx_spool_add(struct sdmx_spool *sp, struct sdmx_wr *s, const unsigned char *key,
                   const struct conv_record *rec)
{
    struct conv_writer *w = s->w;
    sp->key.len = 0;
    sp->rec.len = 0;
    for (size_t i = 0; i < s->ncol; i++) {
        const struct conv_value *v = s->vals[i];
        if (s->col[i].role == SDMX_ROLE_ATTR && s->col[i].level == SDMX_LV_DATASET) {
            if (take_dataset_attr(sp, s, i, rec) != CONV_OK)
                return CONV_ERR;
            continue;
        }
        if (!v)
            continue;
        if (put_be(&sp->rec, i, 4) != 0 || put_be(&sp->rec, v->len, 4) != 0 ||
            convp_buf_append(&sp->rec, v->text, v->len) != 0)
            return wr_nomem(s);
        if (key[i] && (convp_buf_append(&sp->key, v->text, v->len) != 0 ||
                       convp_buf_putc(&sp->key, '\0') != 0))
            return wr_nomem(s);
    }
    if (sp->key.len + 16 > CONVP_SORT_ITEM_MAX || sp->rec.len > CONVP_MAX_RECORD_BYTES) {
        convp_error_set(&w->err, CONV_E_LIMIT, rec->source, rec->line, 0,
                        sp->rec.len > CONVP_MAX_RECORD_BYTES ? "record larger than %zu bytes"
                                                             : "a series key longer than %zu bytes",
                        sp->rec.len > CONVP_MAX_RECORD_BYTES ? CONVP_MAX_RECORD_BYTES
                                                             : (size_t)CONVP_SORT_ITEM_MAX - 16);
        return CONV_ERR;
    }
    /* The sort by series key: arrival, spool offset, length. */
    unsigned char wbuf[20];
    be_put(wbuf, sp->seq++, 8);
    be_put(wbuf + 8, sp->spooled + sp->out.len, 8);
    be_put(wbuf + 16, sp->rec.len, 4);
    sp->keymask = key;
    if (convp_buf_append(&sp->out, sp->rec.data, sp->rec.len) != 0)
        return wr_nomem(s);
    if (sp->out.len >= SPOOL_WINDOW && spool_flush(sp, s) != CONV_OK)
        return CONV_ERR;
    return convp_sorter_add(sp->sort, sp->key.data ? sp->key.data : "", sp->key.len, wbuf,
                            sizeof wbuf, &w->err);
}

int sdmx_spool_finish(struct sdmx_spool *sp, struct sdmx_wr *s)
{
    struct conv_error *err = &s->w->err;
    if (spool_flush(sp, s) != CONV_OK || convp_sorter_finish(sp->sort, err) != CONV_OK)
        return CONV_ERR;
    sp->sort2 = convp_sorter_new(s->ctx, SPOOL_SORT_BUDGET, err);
    if (!sp->sort2)
        return CONV_ERR;
    /* Each series' records by key, the first of them first: its arrival
     * is the series' place. */
    struct convp_sort_item it;
    int got;
    uint64_t first = 0;
    while ((got = convp_sorter_next(sp->sort, &it, err)) == 1) {
        uint64_t seq = get_be(it.payload, 8);
        if (!sp->cur_key.data || sp->cur_key.len != it.klen ||
            memcmp(sp->cur_key.data, it.key, it.klen)) {
            sp->cur_key.len = 0;
            if (convp_buf_append(&sp->cur_key, it.key, it.klen) != 0 ||
                !convp_buf_cstr(&sp->cur_key))
                return wr_nomem(s);
            first = seq;
        }
        unsigned char k[16];
        be_put(k, first, 8);
        be_put(k + 8, seq, 8);
        if (convp_sorter_add(sp->sort2, k, sizeof k, it.payload + 8, 12, err) != CONV_OK)
            return CONV_ERR;
    }
    if (got < 0)
        return CONV_ERR;
    convp_sorter_free(sp->sort);
    sp->sort = NULL;
    sp->cur_key.len = 0;
    return convp_sorter_finish(sp->sort2, err);
}

/* The bytes of a spooled record, through a window over the spool. */
static const unsigned char *spooled(struct sdmx_spool *sp, struct sdmx_wr *s, uint64_t off,
                                    size_t len)
{
    if (len == 0)
        return (const unsigned char *)"";
    if (sp->win && off >= sp->win_off && off + len <= sp->win_off + sp->win_len)
        return sp->win + (off - sp->win_off);
    size_t want = len > SPOOL_WINDOW ? len : SPOOL_WINDOW;
    if (off + want > sp->spooled)
        want = (size_t)(sp->spooled - off);
    if (want < len)
        want = len;
    unsigned char *p = convp_realloc(s->ctx, sp->win, want > SPOOL_WINDOW ? want : SPOOL_WINDOW);
    if (!p) {
        wr_nomem(s);
        return NULL;
    }
    sp->win = p;
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(sp->fd, sp->win + got, want - got, (off_t)(off + got));
        if (r <= 0) {
            wr_fail(s, CONV_E_IO, "reading the spool back failed");
            return NULL;
        }
        got += (size_t)r;
    }
    sp->win_off = off;
    sp->win_len = want;
    return sp->win;
}

int sdmx_spool_next(struct sdmx_spool *sp, struct sdmx_wr *s, const unsigned char *series_attr)
{
    struct convp_sort_item it;
    int got = convp_sorter_next(sp->sort2, &it, &s->w->err);
    if (got <= 0)
        return got;
    uint64_t off = get_be(it.payload, 8);
    size_t len = (size_t)get_be(it.payload + 8, 4);
    /* The series' first arrival names it. */
    sp->new_series = !sp->cur_key.len || memcmp(sp->cur_key.data, it.key, 8);
    if (sp->new_series) {
        sp->cur_key.len = 0;
        if (convp_buf_append(&sp->cur_key, it.key, 8) != 0)
            return wr_nomem(s), -1;
    }
    const unsigned char *p = spooled(sp, s, off, len);
    if (!p)
        return -1;
    for (size_t i = 0; i < s->ncol; i++)
        sp->vt[i] = NULL;
    for (size_t at = 0; at + 8 <= len;) {
        size_t col = (size_t)get_be(p + at, 4), vlen = (size_t)get_be(p + at + 4, 4);
        if (col < s->ncol) {
            sp->vt[col] = p + at + 8;
            sp->vl[col] = vlen;
        }
        at += 8 + vlen;
    }
    /* A series attribute keeps its value within the series. */
    if (sp->new_series)
        sp->cur_attr.len = 0;
    for (size_t i = 0; i < s->ncol; i++) {
        if (!series_attr[i])
            continue;
        if (sp->new_series) {
            sp->aoff[i] = SIZE_MAX;
            if (sp->vt[i]) {
                sp->aoff[i] = sp->cur_attr.len;
                sp->alen[i] = sp->vl[i];
                if (convp_buf_append(&sp->cur_attr, sp->vt[i], sp->vl[i]) != 0)
                    return wr_nomem(s), -1;
            }
            continue;
        }
        int had = sp->aoff[i] != SIZE_MAX, has = sp->vt[i] != NULL;
        if (had == has && (!has || (sp->alen[i] == sp->vl[i] &&
                                    !memcmp(sp->cur_attr.data + sp->aoff[i], sp->vt[i],
                                            sp->vl[i]))))
            continue;
        char key[80];
        size_t k = 0;
        for (size_t c = 0; sp->keymask && c < s->ncol; c++)
            if (sp->keymask[c] && sp->vt[c])
                k += (size_t)snprintf(key + k, sizeof key - k, "%s%.*s", k ? "." : "",
                                      (int)(sp->vl[c] > 20 ? 20 : sp->vl[c]),
                                      (const char *)sp->vt[c]);
        if (k >= sizeof key)
            k = sizeof key - 1;
        key[k] = '\0';
        convp_error_set(&s->w->err, CONV_E_SCHEMA, NULL, 0, 0,
                        "%s is a series attribute but differs within the series %s ('%.*s' "
                        "and '%.*s')",
                        s->col[i].name, key, had ? (int)(sp->alen[i] > 30 ? 30 : sp->alen[i]) : 0,
                        had ? sp->cur_attr.data + sp->aoff[i] : "",
                        has ? (int)(sp->vl[i] > 30 ? 30 : sp->vl[i]) : 0,
                        has ? (const char *)sp->vt[i] : "");
        return -1;
    }
    return 1;
}

void sdmx_spool_close(struct sdmx_spool *sp, struct sdmx_wr *s)
{
    if (!s->ctx)
        return;
    convp_sorter_free(sp->sort);
    convp_sorter_free(sp->sort2);
    if (sp->fd >= 0)
        close(sp->fd);
    struct convp_buf *bufs[] = {&sp->out, &sp->key, &sp->rec, &sp->cur_key, &sp->cur_attr,
                                &sp->ds_text};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        convp_buf_free(bufs[i]);
    convp_free(s->ctx, sp->win);
    convp_free(s->ctx, sp->vt);
    convp_free(s->ctx, sp->vl);
    convp_free(s->ctx, sp->aoff);
    convp_free(s->ctx, sp->alen);
    convp_free(s->ctx, sp->ds_off);
    convp_free(s->ctx, sp->ds_len);
    memset(sp, 0, sizeof *sp);
    sp->fd = -1;
}
