/*
 * SDMX-ML 2.1 StructureSpecificData output (needs --dsd): the header as
 * the NSDP files have it, the data set's attributes on DataSet, each
 * group's on a Group element, then the observations grouped in Series by
 * the key without time, every attribute at the level the structure
 * attaches it.
 *
 * Records come in any order: they go through the spool (sdmx_write.c),
 * a temporary file and the external sort (libconv/profile/extsort.c), and
 * come back grouped by series, in key order, a series' records in the
 * order they came.  Memory stays within the sort's budget whatever the
 * input (an in-memory index of series would grow with the number of
 * series, and a series can be as long as the input); the price is one
 * write and one read of the records.  Group attributes are held in
 * memory: one value per group key.
 */
#include "sdmx_private.h"

#include <inttypes.h>

struct mw {
    struct sdmx_wr s;
    struct sdmx_spool sp;
    unsigned char *key;  /* per column: part of the series key */
    unsigned char *sattr; /* per column: a series attribute */
    struct convp_buf gkey;
    /* groups: per group definition, key -> values */
    struct conv_schema **gkeys; /* per group of the structure */
    struct convp_buf gtext;
    size_t *gvoff, *gvlen; /* per (group entry, column): value, or SIZE_MAX */
    size_t ngentries, capgentries;
    size_t **gentry; /* per group: entry index of each key */
    size_t *gcap;
    long obs_dim; /* the time dimension's column, or -1 (flat) */
    int flat;
    int begun;
};

static int mw_nomem(struct conv_writer *w)
{
    convp_error_set(&w->err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
    return CONV_ERR;
}

/* ---- XML text ---------------------------------------------------------------- */

static int put(struct conv_writer *w, const char *s, size_t n)
{
    return convp_output_write(w->out, s, n, &w->err);
}

static int puts_(struct conv_writer *w, const char *s)
{
    return put(w, s, strlen(s));
}

/* An attribute value, escaped; a character XML 1.0 cannot carry is an
 * error naming the component. */
static int put_attr_value(struct conv_writer *w, const char *name, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = NULL;
        switch (c) {
        case '&':
            e = "&amp;";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '"':
            e = "&quot;";
            break;
        case '\t':
            e = "&#9;";
            break;
        case '\n':
            e = "&#10;";
            break;
        case '\r':
            e = "&#13;";
            break;
        default:
            if (c < 0x20) {
                convp_error_set(&w->err, CONV_E_ENCODING, NULL, 0, 0,
                                "%s: a control character (U+%04X) XML cannot carry", name, c);
                return CONV_ERR;
            }
            continue;
        }
        if (put(w, s + run, i - run) != CONV_OK || puts_(w, e) != CONV_OK)
            return CONV_ERR;
        run = i + 1;
    }
    return put(w, s + run, n - run);
}

static int put_attr(struct conv_writer *w, const char *name, const char *v, size_t n)
{
    if (put(w, " ", 1) != CONV_OK || puts_(w, name) != CONV_OK || put(w, "=\"", 2) != CONV_OK ||
        put_attr_value(w, name, v, n) != CONV_OK || put(w, "\"", 1) != CONV_OK)
        return CONV_ERR;
    return CONV_OK;
}

/* ---- groups --------------------------------------------------------------------- */

static int same_text(const struct conv_value *v, const char *t, size_t n)
{
    return v->len == n && !memcmp(v->text, t, n);
}

static long group_of(const struct mw *m, size_t i)
{
    const struct sdmx_ocol *c = &m->s.col[i];
    if (c->role != SDMX_ROLE_ATTR || c->level != SDMX_LV_GROUP || c->comp < 0)
        return -1;
    const char *g = m->s.st->comps[c->comp].group;
    for (size_t k = 0; g && k < m->s.st->ngroups; k++)
        if (!strcmp(m->s.st->groups[k].id, g))
            return (long)k;
    return -1;
}

/* The column of a structure component, or -1. */
static long col_of_comp(const struct mw *m, size_t comp)
{
    for (size_t i = 0; i < m->s.ncol; i++)
        if (m->s.col[i].comp == (long)comp)
            return (long)i;
    return -1;
}

static int group_key(struct mw *m, size_t g)
{
    const struct sdmx_group *def = &m->s.st->groups[g];
    m->gkey.len = 0;
    for (size_t d = 0; d < def->ndims; d++) {
        long c = col_of_comp(m, def->dims[d]);
        const struct conv_value *v = c >= 0 ? m->s.vals[c] : NULL;
        if (!v)
            return 0;
        if (convp_buf_append(&m->gkey, v->text, v->len) != 0 || convp_buf_putc(&m->gkey, '\x1f'))
            return -1;
    }
    return 1;
}

static int take_group_attrs(struct conv_writer *w, struct mw *m, const struct conv_record *rec)
{
    const struct sdmx_struct *st = m->s.st;
    for (size_t g = 0; g < st->ngroups; g++) {
        int any = 0;
        for (size_t i = 0; i < m->s.ncol; i++)
            any |= group_of(m, i) == (long)g && m->s.vals[i];
        if (!any)
            continue;
        int k = group_key(m, g);
        if (k < 0)
            return mw_nomem(w);
        if (k == 0)
            continue; /* a group dimension without a value: kept at the series */
        long e = convp_schema_find_n(m->gkeys[g], m->gkey.data, m->gkey.len);
        if (e < 0) {
            if (m->ngentries >= SDMX_MAX_GROUPS) {
                convp_error_set(&w->err, CONV_E_LIMIT, rec->source, rec->line, 0,
                                "more than %d groups", SDMX_MAX_GROUPS);
                return CONV_ERR;
            }
            e = convp_schema_add_name(m->gkeys[g], m->gkey.data, m->gkey.len);
            if (e < 0)
                return mw_nomem(w);
            if (m->ngentries == m->capgentries) {
                size_t cap = m->capgentries ? m->capgentries * 2 : 64;
                size_t *a = convp_realloc(w->ctx, m->gvoff, cap * m->s.ncol * sizeof *a);
                if (!a)
                    return mw_nomem(w);
                m->gvoff = a;
                size_t *b = convp_realloc(w->ctx, m->gvlen, cap * m->s.ncol * sizeof *b);
                if (!b)
                    return mw_nomem(w);
                m->gvlen = b;
                m->capgentries = cap;
            }
            if ((size_t)e >= m->gcap[g]) {
                size_t cap = m->gcap[g] ? m->gcap[g] * 2 : 64;
                while (cap <= (size_t)e)
                    cap *= 2;
                size_t *x = convp_realloc(w->ctx, m->gentry[g], cap * sizeof *x);
                if (!x)
                    return mw_nomem(w);
                m->gentry[g] = x;
                m->gcap[g] = cap;
            }
            m->gentry[g][e] = m->ngentries;
            for (size_t i = 0; i < m->s.ncol; i++)
                m->gvoff[m->ngentries * m->s.ncol + i] = SIZE_MAX;
            m->ngentries++;
        }
        size_t ent = m->gentry[g][e];
        for (size_t i = 0; i < m->s.ncol; i++) {
            if (group_of(m, i) != (long)g || !m->s.vals[i])
                continue;
            const struct conv_value *v = m->s.vals[i];
            size_t *off = &m->gvoff[ent * m->s.ncol + i], *len = &m->gvlen[ent * m->s.ncol + i];
            if (*off == SIZE_MAX) {
                *off = m->gtext.len;
                *len = v->len;
                if (convp_buf_append(&m->gtext, v->text, v->len) != 0)
                    return mw_nomem(w);
            } else if (!same_text(v, m->gtext.data + *off, *len)) {
                convp_error_set(&w->err, CONV_E_SCHEMA, rec->source, rec->line, 0,
                                "%s is attached to group %s but has two values in one group: "
                                "'%.*s' and '%.40s'",
                                m->s.col[i].name, st->groups[g].id, (int)(*len > 40 ? 40 : *len),
                                m->gtext.data + *off, v->text);
                return CONV_ERR;
            }
        }
    }
    return CONV_OK;
}

/* ---- driver ------------------------------------------------------------------------ */

static int mw_open(struct conv_writer *w)
{
    struct mw *m = convp_calloc(w->ctx, 1, sizeof *m);
    if (!m)
        return mw_nomem(w);
    w->drv = m;
    m->sp.fd = -1;
    convp_buf_init(&m->gkey, w->ctx);
    convp_buf_init(&m->gtext, w->ctx);
    if (sdmx_buf_ready(&m->gkey) || sdmx_buf_ready(&m->gtext))
        return mw_nomem(w);
    return sdmx_wr_open(&m->s, w, 1);
}

/* Where a column's value goes: 0 the series, 1 the observation, -1 not
 * written there (data set or group attributes). */
static int place(const struct mw *m, size_t i);

static int mw_begin(struct conv_writer *w, const struct conv_schema *fields)
{
    struct mw *m = w->drv;
    if (sdmx_wr_begin(&m->s, fields) != CONV_OK || sdmx_spool_open(&m->sp, &m->s) != CONV_OK)
        return CONV_ERR;
    m->begun = 1;
    size_t n = m->s.ncol ? m->s.ncol : 1;
    size_t ng = m->s.st->ngroups ? m->s.st->ngroups : 1;
    m->key = convp_calloc(w->ctx, n, 1);
    m->sattr = convp_calloc(w->ctx, n, 1);
    m->gkeys = convp_calloc(w->ctx, ng, sizeof *m->gkeys);
    m->gentry = convp_calloc(w->ctx, ng, sizeof *m->gentry);
    m->gcap = convp_calloc(w->ctx, ng, sizeof *m->gcap);
    if (!m->key || !m->sattr || !m->gkeys || !m->gentry || !m->gcap)
        return mw_nomem(w);
    for (size_t g = 0; g < m->s.st->ngroups; g++)
        if (!(m->gkeys[g] = conv_schema_new(w->ctx)))
            return mw_nomem(w);
    m->obs_dim = m->s.period_col;
    m->flat = m->obs_dim < 0;
    for (size_t i = 0; i < m->s.ncol; i++) {
        const struct sdmx_ocol *c = &m->s.col[i];
        m->key[i] = !m->flat && (c->role == SDMX_ROLE_DIM || c->role == SDMX_ROLE_TIME) &&
                    (long)i != m->obs_dim;
        m->sattr[i] = c->role == SDMX_ROLE_ATTR && place(m, i) == 0;
    }
    return CONV_OK;
}

static int mw_put(struct conv_writer *w, const struct conv_record *rec)
{
    struct mw *m = w->drv;
    if (sdmx_wr_values(&m->s, rec) != CONV_OK || take_group_attrs(w, m, rec) != CONV_OK)
        return CONV_ERR;
    return sdmx_spool_add(&m->sp, &m->s, m->key, rec);
}

static int write_header(struct conv_writer *w, struct mw *m)
{
    const struct sdmx_struct *st = m->s.st;
    char sid[400], urn[600];
    snprintf(sid, sizeof sid, "%s_%s_%s", st->agency ? st->agency : "", st->id ? st->id : "",
             st->version ? st->version : "1.0");
    for (char *p = sid; *p; p++)
        if (*p == '.' || *p == '-')
            *p = '_';
    snprintf(urn, sizeof urn,
             "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=%s:%s(%s):ObsLevelDim:%s",
             st->agency ? st->agency : "", st->id ? st->id : "", st->version ? st->version : "1.0",
             m->flat ? "AllDimensions" : m->s.col[m->obs_dim].name);
    if (puts_(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<message:StructureSpecificData "
                 "xmlns:ss=\"" SDMX_NS_SS21 "\" xmlns:ns1=\"") != CONV_OK ||
        put_attr_value(w, "namespace", urn, strlen(urn)) != CONV_OK ||
        puts_(w, "\" xmlns:message=\"" SDMX_NS_MESSAGE21 "\" xmlns:common=\"" SDMX_NS_COMMON21
                 "\" xmlns:xsi=\"" SDMX_NS_XSI "\">\n<message:Header><message:ID>") != CONV_OK ||
        puts_(w, m->s.msg_id) != CONV_OK ||
        puts_(w, "</message:ID><message:Test>false</message:Test><message:Prepared>") != CONV_OK ||
        puts_(w, m->s.prepared) != CONV_OK ||
        puts_(w, "</message:Prepared><message:Sender id=\"") != CONV_OK ||
        puts_(w, m->s.sender) != CONV_OK ||
        puts_(w, "\"/><message:Structure structureID=\"") != CONV_OK || puts_(w, sid) != CONV_OK ||
        puts_(w, "\" namespace=\"") != CONV_OK ||
        put_attr_value(w, "namespace", urn, strlen(urn)) != CONV_OK ||
        puts_(w, "\" dimensionAtObservation=\"") != CONV_OK ||
        puts_(w, m->flat ? "AllDimensions" : m->s.col[m->obs_dim].name) != CONV_OK ||
        puts_(w, "\"><common:Structure><Ref") != CONV_OK ||
        put_attr(w, "agencyID", st->agency ? st->agency : "",
                 st->agency ? strlen(st->agency) : 0) != CONV_OK ||
        put_attr(w, "id", st->id ? st->id : "", st->id ? strlen(st->id) : 0) != CONV_OK ||
        put_attr(w, "version", st->version ? st->version : "1.0",
                 st->version ? strlen(st->version) : 3) != CONV_OK ||
        puts_(w, "/></common:Structure></message:Structure><message:DataSetAction>Information"
                 "</message:DataSetAction></message:Header>\n<message:DataSet "
                 "ss:dataScope=\"DataStructure\" xsi:type=\"ns1:DataSetType\" "
                 "ss:structureRef=\"") != CONV_OK ||
        puts_(w, sid) != CONV_OK || puts_(w, "\"") != CONV_OK)
        return CONV_ERR;
    for (size_t i = 0; i < m->s.ncol; i++)
        if (m->sp.ds_off[i] != SIZE_MAX &&
            put_attr(w, m->s.col[i].name, m->sp.ds_text.data + m->sp.ds_off[i],
                     m->sp.ds_len[i]) != CONV_OK)
            return CONV_ERR;
    if (puts_(w, ">\n") != CONV_OK)
        return CONV_ERR;
    /* The groups, each with its key and attributes. */
    for (size_t g = 0; g < st->ngroups; g++) {
        const struct sdmx_group *def = &st->groups[g];
        const struct conv_schema *keys = m->gkeys[g];
        for (size_t e = 0; e < keys->n; e++) {
            size_t ent = m->gentry[g][e];
            if (puts_(w, "<Group xsi:type=\"ns1:") != CONV_OK || puts_(w, def->id) != CONV_OK ||
                puts_(w, "\"") != CONV_OK || put_attr(w, "type", def->id, strlen(def->id)))
                return CONV_ERR;
            const char *k = keys->fields[e].name;
            for (size_t d = 0; d < def->ndims; d++) {
                const char *end = strchr(k, '\x1f');
                size_t kl = end ? (size_t)(end - k) : strlen(k);
                if (put_attr(w, st->comps[def->dims[d]].id, k, kl) != CONV_OK)
                    return CONV_ERR;
                k = end ? end + 1 : k + kl;
            }
            for (size_t i = 0; i < m->s.ncol; i++) {
                size_t off = m->gvoff[ent * m->s.ncol + i];
                if (off != SIZE_MAX && put_attr(w, m->s.col[i].name, m->gtext.data + off,
                                                m->gvlen[ent * m->s.ncol + i]) != CONV_OK)
                    return CONV_ERR;
            }
            if (puts_(w, "/>\n") != CONV_OK)
                return CONV_ERR;
        }
    }
    return CONV_OK;
}

static int place(const struct mw *m, size_t i)
{
    const struct sdmx_ocol *c = &m->s.col[i];
    if (c->role == SDMX_ROLE_ATTR) {
        if (c->level == SDMX_LV_DATASET)
            return -1;
        if (c->level == SDMX_LV_GROUP && group_of(m, i) >= 0)
            return -1;
        if (c->level == SDMX_LV_OBS)
            return 1;
        return m->flat ? 1 : 0;
    }
    if (c->role == SDMX_ROLE_MEASURE || (long)i == m->obs_dim)
        return 1;
    return m->flat ? 1 : 0;
}

static int mw_finish(struct conv_writer *w)
{
    struct mw *m = w->drv;
    if (!m->begun)
        return CONV_OK;
    if (sdmx_spool_finish(&m->sp, &m->s) != CONV_OK || write_header(w, m) != CONV_OK)
        return CONV_ERR;
    size_t n = m->s.ncol;
    struct sdmx_spool *sp = &m->sp;
    int got, open = 0;
    while ((got = sdmx_spool_next(sp, &m->s, m->sattr)) == 1) {
        if (!m->flat && sp->new_series) {
            if (open && puts_(w, "</Series>\n") != CONV_OK)
                return CONV_ERR;
            open = 1;
            if (puts_(w, "<Series") != CONV_OK)
                return CONV_ERR;
            for (size_t i = 0; i < n; i++)
                if (place(m, i) == 0 && sp->vt[i] &&
                    put_attr(w, m->s.col[i].name, (const char *)sp->vt[i], sp->vl[i]) != CONV_OK)
                    return CONV_ERR;
            if (puts_(w, ">\n") != CONV_OK)
                return CONV_ERR;
        }
        if (puts_(w, m->flat ? "<Obs" : "  <Obs") != CONV_OK)
            return CONV_ERR;
        for (size_t i = 0; i < n; i++) {
            if (place(m, i) != 1)
                continue;
            if (sp->vt[i]) {
                if (put_attr(w, m->s.col[i].name, (const char *)sp->vt[i], sp->vl[i]) != CONV_OK)
                    return CONV_ERR;
            } else if (m->s.col[i].role == SDMX_ROLE_MEASURE &&
                       put_attr(w, m->s.col[i].name, "NaN", 3) != CONV_OK) {
                return CONV_ERR;
            }
        }
        if (puts_(w, "/>\n") != CONV_OK)
            return CONV_ERR;
    }
    if (got < 0)
        return CONV_ERR;
    if (open && puts_(w, "</Series>\n") != CONV_OK)
        return CONV_ERR;
    return puts_(w, "</message:DataSet></message:StructureSpecificData>\n");
}

static void mw_close(struct conv_writer *w)
{
    struct mw *m = w->drv;
    if (!m)
        return;
    sdmx_spool_close(&m->sp, &m->s);
    convp_buf_free(&m->gkey);
    convp_buf_free(&m->gtext);
    convp_free(w->ctx, m->key);
    convp_free(w->ctx, m->sattr);
    for (size_t g = 0; m->gkeys && m->gentry && g < m->s.st->ngroups; g++) {
        conv_schema_free(m->gkeys[g]);
        convp_free(w->ctx, m->gentry[g]);
    }
    convp_free(w->ctx, m->gkeys);
    convp_free(w->ctx, m->gentry);
    convp_free(w->ctx, m->gcap);
    convp_free(w->ctx, m->gvoff);
    convp_free(w->ctx, m->gvlen);
    sdmx_wr_close(&m->s);
    convp_free(w->ctx, m);
    w->drv = NULL;
}

const struct convp_writer_ops convp_sdmx_ml_writer_ops = {
    .open = mw_open,
    .begin = mw_begin,
    .put = mw_put,
    .finish = mw_finish,
    .close = mw_close,
};
