/*
 * SDMX-ML data messages, streamed through the hardened SAX parser
 * (formats/xmlsafe/) into one record per observation: GenericData and
 * GenericTimeSeriesData (SeriesKey, ObsDimension, ObsValue, Attributes,
 * Group with GroupKey), StructureSpecificData and its time-series form
 * (values as XML attributes of DataSet, Group, Series and Obs), and the
 * SDMX 2.0 CompactData of the same shape.  Time series, cross-sections
 * (another dimension at the observation) and flat observations
 * (AllDimensions) alike; several data sets one after the other.
 */
#include "sdmx_private.h"
#include "xmlsafe.h"

#include <inttypes.h>
#include <strings.h>

enum mr_kind { MR_NONE, MR_GENERIC, MR_SS, MR_COMPACT };

/* What the Value elements of a generic message stand for, where they are. */
enum gen_ctx { GEN_NONE, GEN_KEY, GEN_ATTR, GEN_GROUP_KEY, GEN_GROUP_ATTR };

#define MR_CACHE 512

struct mr {
    struct convp_xs xs; /* first: the SAX user data */
    struct sdmx_rd a;
    struct conv_reader *rd;
    xmlSAXHandler sax;
    enum mr_kind kind;
    size_t depth;
    const xmlChar *stack[CONVP_XS_MAX_DEPTH];
    int skip_depth; /* inside Annotations (or other content not read): its depth, else 0 */
    /* the header */
    int in_header;
    int in_struct_ref; /* in message:Structure */
    struct convp_buf text;
    int text_on;
    char *dim_at_obs;
    char *ref_agency, *ref_id, *ref_version, *ref_class;
    char version[8]; /* "2.1" */
    /* the data */
    size_t dataset_depth; /* depth of the DataSet element + 1, 0 outside */
    int in_series, in_obs, in_group;
    enum gen_ctx gctx;
    enum sdmx_level glevel;
    int datasets;
    int header_done;
    uint64_t obs_line;
    long obs_dim_cid; /* the dimension at the observation, once known */
    long obs_value_cid;
    struct {
        const xmlChar *name;
        long cid;
    } cache[MR_CACHE];
};

/* ---- errors ------------------------------------------------------------------- */

static uint64_t mr_record(const struct convp_xs *xs)
{
    const struct mr *r = (const struct mr *)(const void *)xs;
    return r->rd->count + (r->a.qtail - r->a.qhead) + 1;
}

/* A failure of the assembler stops the parser. */
static int mr_sync(struct mr *r)
{
    if (!r->a.failed)
        return 0;
    if (!r->xs.failed) {
        if (r->xs.err.code == CONV_E_NONE)
            r->xs.err = r->a.err;
        r->xs.failed = 1;
        if (r->xs.pc)
            xmlStopParser(r->xs.pc);
    }
    return -1;
}

static void mr_nomem(struct mr *r)
{
    convp_xs_fail(&r->xs, CONV_E_NOMEM, "out of memory");
}

static int is(const xmlChar *a, const char *b)
{
    return a && !strcmp((const char *)a, b);
}

/* The component of an XML attribute's interned local name. */
static long cid_of(struct mr *r, const xmlChar *name, enum sdmx_role role)
{
    size_t h = ((uintptr_t)name >> 4) % MR_CACHE;
    for (size_t k = 0; k < 8; k++) {
        size_t i = (h + k) % MR_CACHE;
        if (r->cache[i].name == name)
            return r->cache[i].cid;
        if (!r->cache[i].name) {
            long cid = sdmx_rd_cid(&r->a, (const char *)name, strlen((const char *)name), role);
            if (cid >= 0) {
                r->cache[i].name = name;
                r->cache[i].cid = cid;
            }
            return cid;
        }
    }
    return sdmx_rd_cid(&r->a, (const char *)name, strlen((const char *)name), role);
}

/* ---- the header ---------------------------------------------------------------- */

static void take_urn(struct mr *r, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return;
    const char *dot = eq;
    while (dot > s && dot[-1] != '.')
        dot--;
    char cls[32];
    snprintf(cls, sizeof cls, "%.*s", (int)(eq - dot), dot);
    const char *p = eq + 1, *e = s + n;
    const char *colon = memchr(p, ':', (size_t)(e - p));
    const char *open = memchr(p, '(', (size_t)(e - p));
    const char *close = open ? memchr(open, ')', (size_t)(e - open)) : NULL;
    if (!colon || !open || !close || colon > open)
        return;
    struct conv_context *ctx = r->a.ctx;
    convp_free(ctx, r->ref_agency);
    convp_free(ctx, r->ref_id);
    convp_free(ctx, r->ref_version);
    convp_free(ctx, r->ref_class);
    r->ref_agency = convp_strndup(ctx, p, (size_t)(colon - p));
    r->ref_id = convp_strndup(ctx, colon + 1, (size_t)(open - colon - 1));
    r->ref_version = convp_strndup(ctx, open + 1, (size_t)(close - open - 1));
    r->ref_class = convp_strdup(ctx, cls);
    if (!r->ref_agency || !r->ref_id || !r->ref_version || !r->ref_class)
        mr_nomem(r);
}

/* The structure is known (the first DataSet starts): tell it, and take
 * the structure given with --dsd that the message names. */
static void start_data(struct mr *r)
{
    struct conv_reader *rd = r->rd;
    if (r->header_done)
        return;
    r->header_done = 1;
    if (sdmx_rd_use_struct(&r->a, r->ref_agency, r->ref_id, r->ref_version) != 0) {
        mr_sync(r);
        return;
    }
    char buf[400];
    static const char *const names[] = {"", "GenericData", "StructureSpecificData",
                                        "CompactData"};
    snprintf(buf, sizeof buf, "SDMX-ML %s %s", r->version, names[r->kind]);
    int rc = convp_reader_set_info(rd, "sdmx-message", buf);
    if (r->ref_id) {
        snprintf(buf, sizeof buf, "%s:%s(%s)", r->ref_agency ? r->ref_agency : "", r->ref_id,
                 r->ref_version ? r->ref_version : "");
        int flow = r->ref_class && (!strcmp(r->ref_class, "Dataflow") ||
                                    !strcmp(r->ref_class, "ProvisionAgreement"));
        rc |= convp_reader_set_info(rd, flow ? "sdmx-dataflow" : "sdmx-structure", buf);
        char urn[520];
        snprintf(urn, sizeof urn, "urn:sdmx:org.sdmx.infomodel.%s=%s",
                 flow ? "datastructure.Dataflow" : "datastructure.DataStructure", buf);
        convp_free(r->a.ctx, rd->fields->source);
        rd->fields->source = convp_strdup(r->a.ctx, urn);
        if (!rd->fields->source)
            rc = -1;
    }
    if (r->a.st && r->a.st->flow)
        rc |= convp_reader_set_info(rd, "sdmx-dataflow", r->a.st->flow);
    rc |= convp_reader_set_info(rd, "sdmx-dimension-at-observation",
                                r->dim_at_obs ? r->dim_at_obs : "TIME_PERIOD");
    if (rc)
        mr_nomem(r);
}

/* ---- elements -------------------------------------------------------------------- */

static const char *const compact_dataset_attrs[] = {
    "keyFamilyURI",  "datasetID",         "dataProviderSchemeAgencyId",
    "dataProviderSchemeId", "dataProviderID", "dataflowAgencyID",
    "dataflowID",    "action",            "reportingBeginDate",
    "reportingEndDate", "validFromDate",  "validToDate",
    "publicationYear", "publicationPeriod", NULL};

static int standard_attr(const struct mr *r, const xmlChar *name)
{
    if (r->kind != MR_COMPACT)
        return 0;
    for (const char *const *p = compact_dataset_attrs; *p; p++)
        if (is(name, *p))
            return 1;
    return 0;
}

/* The unqualified XML attributes of a structure-specific element as
 * values of one level. */
static void put_attrs(struct mr *r, enum sdmx_level lv, int nb, const xmlChar **attrs,
                      int obs)
{
    uint64_t line = convp_xs_line(&r->xs);
    uint32_t col = (uint32_t)convp_xs_col(&r->xs);
    for (int i = 0; i < nb; i++) {
        const xmlChar **a = attrs + 5 * i;
        if (a[2])
            continue; /* xsi:type, ss:structureRef...: not components */
        if ((obs || lv == SDMX_LV_GROUP) && is(a[0], "type"))
            continue;
        if (lv == SDMX_LV_DATASET && standard_attr(r, a[0]))
            continue;
        enum sdmx_role role = SDMX_ROLE_UNKNOWN;
        if (lv == SDMX_LV_DATASET)
            role = SDMX_ROLE_ATTR;
        else if (obs && r->dim_at_obs && is(a[0], r->dim_at_obs))
            role = is(a[0], "TIME_PERIOD") ? SDMX_ROLE_TIME : SDMX_ROLE_DIM;
        else if (obs && r->in_series)
            role = SDMX_ROLE_ATTR;
        long cid = cid_of(r, a[0], role);
        if (cid < 0) {
            mr_sync(r);
            return;
        }
        size_t len = (size_t)(a[4] - a[3]);
        int rc = lv == SDMX_LV_GROUP ? sdmx_rd_group_put(&r->a, cid, (const char *)a[3], len, 0)
                                     : sdmx_rd_put(&r->a, lv, cid, (const char *)a[3], len, 0,
                                                   line, col);
        if (rc != 0) {
            mr_sync(r);
            return;
        }
    }
}

/* A generic Value element: id and value. */
static void put_value(struct mr *r, int nb, const xmlChar **attrs)
{
    size_t il, vl;
    const char *id = convp_xs_attr(&r->xs, nb, attrs, "id", &il);
    const char *v = convp_xs_attr(&r->xs, nb, attrs, "value", &vl);
    if (!id) {
        convp_xs_fail(&r->xs, CONV_E_STRUCTURE, "a Value without an id");
        return;
    }
    if (!v)
        v = "", vl = 0;
    int key = r->gctx == GEN_KEY || r->gctx == GEN_GROUP_KEY;
    long cid = sdmx_rd_cid(&r->a, id, il, key ? SDMX_ROLE_DIM : SDMX_ROLE_ATTR);
    if (cid < 0) {
        mr_sync(r);
        return;
    }
    int rc;
    if (r->gctx == GEN_GROUP_KEY || r->gctx == GEN_GROUP_ATTR)
        rc = sdmx_rd_group_put(&r->a, cid, v, vl, r->gctx == GEN_GROUP_KEY);
    else
        rc = sdmx_rd_put(&r->a, r->glevel, cid, v, vl, 0, convp_xs_line(&r->xs), 0);
    if (rc != 0)
        mr_sync(r);
}

static void start_obs(struct mr *r, int nb, const xmlChar **attrs)
{
    r->in_obs = 1;
    r->obs_line = convp_xs_line(&r->xs);
    sdmx_rd_clear(&r->a, SDMX_LV_OBS);
    if (r->kind != MR_GENERIC)
        put_attrs(r, SDMX_LV_OBS, nb, attrs, 1);
}

static void on_start(void *user, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb, int nb_def, const xmlChar **attrs)
{
    struct mr *r = user;
    (void)prefix;
    (void)nb_ns;
    (void)ns;
    (void)nb_def;
    if (r->xs.failed || !convp_xs_enter(&r->xs, r->depth))
        return;
    size_t d = r->depth;
    const xmlChar *parent = d ? r->stack[d - 1] : NULL;
    r->stack[r->depth++] = name;
    if (r->skip_depth)
        return;
    if (d == 0) {
        const char *u = (const char *)uri;
        /* SDMX 2.0 spells it www.SDMX.org/resources/SDMXML/... */
        if (!u || strncasecmp(u, SDMX_NS_PREFIX, strlen(SDMX_NS_PREFIX))) {
            convp_xs_fail(&r->xs, CONV_E_FORMAT, "not an SDMX-ML message (root <%.60s>)", name);
            return;
        }
        const char *v = u + strlen(SDMX_NS_PREFIX);
        snprintf(r->version, sizeof r->version, "%s", !strncmp(v, "v3_0", 4)   ? "3.0"
                                                      : !strncmp(v, "v2_0", 4) ? "2.0"
                                                                               : "2.1");
        if (is(name, "GenericData") || is(name, "GenericTimeSeriesData"))
            r->kind = MR_GENERIC;
        else if (is(name, "StructureSpecificData") || is(name, "StructureSpecificTimeSeriesData"))
            r->kind = MR_SS;
        else if (is(name, "CompactData"))
            r->kind = MR_COMPACT;
        else
            convp_xs_fail(&r->xs, CONV_E_UNSUPPORTED,
                          "SDMX-ML <%.60s> is not read (GenericData, StructureSpecificData "
                          "and CompactData are)",
                          name);
        return;
    }
    if (is(name, "Annotations")) {
        r->skip_depth = (int)r->depth;
        return;
    }
    if (d == 1 && is(name, "Header")) {
        r->in_header = 1;
        return;
    }
    if (r->in_header) {
        r->text.len = 0;
        r->text_on = 1;
        if (is(name, "Structure") && is(parent, "Header")) {
            r->in_struct_ref = 1;
            char *dao = convp_xs_attr_dup(&r->xs, nb, attrs, "dimensionAtObservation");
            if (dao) {
                convp_free(r->a.ctx, r->dim_at_obs);
                r->dim_at_obs = dao;
            }
        } else if (r->in_struct_ref && is(name, "Ref")) {
            struct conv_context *ctx = r->a.ctx;
            convp_free(ctx, r->ref_agency);
            convp_free(ctx, r->ref_id);
            convp_free(ctx, r->ref_version);
            convp_free(ctx, r->ref_class);
            r->ref_agency = convp_xs_attr_dup(&r->xs, nb, attrs, "agencyID");
            r->ref_id = convp_xs_attr_dup(&r->xs, nb, attrs, "id");
            r->ref_version = convp_xs_attr_dup(&r->xs, nb, attrs, "version");
            r->ref_class = convp_xs_attr_dup(&r->xs, nb, attrs, "class");
            if (!r->ref_class && is(parent, "StructureUsage")) {
                r->ref_class = convp_strdup(ctx, "Dataflow");
                if (!r->ref_class)
                    mr_nomem(r);
            }
        }
        return;
    }
    if (d == 1 && is(name, "DataSet")) {
        start_data(r);
        if (r->xs.failed)
            return;
        r->dataset_depth = r->depth;
        r->datasets++;
        sdmx_rd_clear(&r->a, SDMX_LV_DATASET);
        if (r->kind != MR_GENERIC)
            put_attrs(r, SDMX_LV_DATASET, nb, attrs, 0);
        return;
    }
    if (!r->dataset_depth) {
        if (d == 1 && r->kind == MR_COMPACT && !r->header_done)
            return; /* 2.0: nothing else before the data set matters */
        return;
    }
    /* Inside a data set. */
    if (r->kind == MR_GENERIC) {
        if (is(name, "Value")) {
            if (r->gctx != GEN_NONE)
                put_value(r, nb, attrs);
        } else if (is(name, "SeriesKey") || is(name, "ObsKey")) {
            r->gctx = GEN_KEY;
            r->glevel = is(name, "SeriesKey") ? SDMX_LV_SERIES : SDMX_LV_OBS;
        } else if (is(name, "GroupKey")) {
            r->gctx = r->in_group ? GEN_GROUP_KEY : GEN_NONE;
        } else if (is(name, "Attributes")) {
            r->gctx = r->in_group ? GEN_GROUP_ATTR : GEN_ATTR;
            r->glevel = r->in_obs ? SDMX_LV_OBS : r->in_series ? SDMX_LV_SERIES : SDMX_LV_DATASET;
        } else if (is(name, "Series") && d == r->dataset_depth) {
            r->in_series = 1;
            r->a.nseries++;
            sdmx_rd_clear(&r->a, SDMX_LV_SERIES);
        } else if (is(name, "Obs") && (d == r->dataset_depth || r->in_series)) {
            start_obs(r, nb, attrs);
        } else if (is(name, "Group") && d == r->dataset_depth) {
            r->in_group = 1;
            size_t tl;
            const char *t = convp_xs_attr(&r->xs, nb, attrs, "type", &tl);
            if (sdmx_rd_group_begin(&r->a, t, tl, 1) != 0)
                mr_sync(r);
        } else if (r->in_obs && (is(name, "ObsDimension") || is(name, "ObsValue"))) {
            size_t il, vl;
            const char *id = convp_xs_attr(&r->xs, nb, attrs, "id", &il);
            const char *v = convp_xs_attr(&r->xs, nb, attrs, "value", &vl);
            int dim = is(name, "ObsDimension");
            if (!id) {
                id = dim ? (r->dim_at_obs && strcmp(r->dim_at_obs, "AllDimensions")
                                ? r->dim_at_obs
                                : "TIME_PERIOD")
                         : "OBS_VALUE";
                il = strlen(id);
            }
            long cid = sdmx_rd_cid(&r->a, id, il,
                                   dim ? (il == 11 && !memcmp(id, "TIME_PERIOD", 11)
                                              ? SDMX_ROLE_TIME
                                              : SDMX_ROLE_DIM)
                                       : SDMX_ROLE_MEASURE);
            if (cid < 0 || sdmx_rd_put(&r->a, SDMX_LV_OBS, cid, v ? v : "", v ? vl : 0, !v,
                                       convp_xs_line(&r->xs), 0) != 0)
                mr_sync(r);
        }
        return;
    }
    /* Structure-specific and compact. */
    if (d == r->dataset_depth) {
        if (is(name, "Series")) {
            r->in_series = 1;
            r->a.nseries++;
            sdmx_rd_clear(&r->a, SDMX_LV_SERIES);
            put_attrs(r, SDMX_LV_SERIES, nb, attrs, 0);
        } else if (is(name, "Obs")) {
            start_obs(r, nb, attrs);
        } else if (is(name, "DataProvider")) {
            r->skip_depth = (int)r->depth;
        } else {
            /* A group: <Group type="..."> (xsi:type="ns:NAME") in 2.1, an
             * element named after the group in 2.0. */
            size_t tl = 0;
            const char *t = r->kind == MR_SS ? convp_xs_attr(&r->xs, nb, attrs, "type", &tl) : NULL;
            if (!t) {
                for (int i = 0; i < nb; i++) {
                    const xmlChar **a = attrs + 5 * i;
                    if (a[2] && !strcmp((const char *)a[2], SDMX_NS_XSI) && is(a[0], "type")) {
                        const char *v = (const char *)a[3], *e = (const char *)a[4];
                        const char *c = memchr(v, ':', (size_t)(e - v));
                        t = c ? c + 1 : v;
                        tl = (size_t)(e - t);
                    }
                }
            }
            if (!t) {
                t = (const char *)name;
                tl = strlen(t);
            }
            r->in_group = 1;
            if (sdmx_rd_group_begin(&r->a, t, tl, 0) != 0) {
                mr_sync(r);
                return;
            }
            put_attrs(r, SDMX_LV_GROUP, nb, attrs, 0);
        }
        return;
    }
    if (r->in_series && d == r->dataset_depth + 1 && is(name, "Obs")) {
        start_obs(r, nb, attrs);
        return;
    }
    /* Other content (SDMX 3.0 complex values): not read. */
    r->skip_depth = (int)r->depth;
}

static void on_end(void *user, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    struct mr *r = user;
    (void)prefix;
    (void)uri;
    if (r->xs.failed || r->depth == 0)
        return;
    size_t d = --r->depth;
    if (r->skip_depth) {
        if ((int)d + 1 == r->skip_depth)
            r->skip_depth = 0;
        return;
    }
    if (r->in_header) {
        if (d == 1 && is(name, "Header")) {
            r->in_header = 0;
        } else if (is(name, "Structure") && r->in_struct_ref && d == 2) {
            r->in_struct_ref = 0;
        } else if (r->in_struct_ref && r->text_on && r->text.len) {
            /* 2.1: <URN>urn:...</URN>; 3.0: <common:Structure>urn:...</common:Structure> */
            const char *t = r->text.data;
            size_t n = r->text.len;
            while (n && (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r'))
                t++, n--;
            if (n > 9 && !memcmp(t, "urn:sdmx:", 9))
                take_urn(r, t, n);
        }
        r->text_on = 0;
        return;
    }
    if (!r->dataset_depth)
        return;
    if (d + 1 == r->dataset_depth) {
        r->dataset_depth = 0;
        return;
    }
    if (is(name, "Obs") && r->in_obs) {
        r->in_obs = 0;
        if (sdmx_rd_emit(&r->a, r->obs_line) != 0)
            mr_sync(r);
        return;
    }
    if (r->kind == MR_GENERIC) {
        if (is(name, "SeriesKey") || is(name, "ObsKey") || is(name, "GroupKey") ||
            is(name, "Attributes"))
            r->gctx = GEN_NONE;
        else if (is(name, "Series") && d == r->dataset_depth)
            r->in_series = 0;
        else if (is(name, "Group") && d == r->dataset_depth)
            r->in_group = 0;
        return;
    }
    if (d == r->dataset_depth) {
        if (is(name, "Series"))
            r->in_series = 0;
        else
            r->in_group = 0;
    }
}

static void on_text(void *user, const xmlChar *ch, int len)
{
    struct mr *r = user;
    if (r->xs.failed || !r->text_on || len <= 0 || r->text.len > 4096)
        return;
    if (convp_buf_append(&r->text, ch, (size_t)len) != 0)
        mr_nomem(r);
}

/* ---- driver -------------------------------------------------------------------- */

static void feed(struct mr *r)
{
    if (convp_xs_feed(&r->xs) != 0)
        return;
    if (r->kind == MR_NONE)
        convp_xs_fail(&r->xs, CONV_E_SYNTAX, "no root element (empty or cut short)");
    else if (r->depth != 0)
        convp_xs_fail(&r->xs, CONV_E_SYNTAX, "unexpected end of input inside <%.100s>",
                      r->stack[r->depth - 1]);
    else
        convp_xs_finish(&r->xs);
}

static int mr_open(struct conv_reader *rd)
{
    struct mr *r = convp_calloc(rd->ctx, 1, sizeof *r);
    if (!r) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = r;
    r->rd = rd;
    convp_buf_init(&r->text, rd->ctx);
    if (sdmx_rd_init(&r->a, rd) != CONV_OK)
        return CONV_ERR;
    convp_xs_handlers(&r->sax);
    r->sax.startElementNs = on_start;
    r->sax.endElementNs = on_end;
    r->sax.characters = on_text;
    r->xs.record = mr_record;
    if (convp_xs_start(&r->xs, rd->ctx, rd->in, rd->source, &r->sax, r, &rd->err) != CONV_OK)
        return CONV_ERR;
    /* Up to the first data set: the structure and its fields are known
     * before the first record. */
    while (!r->header_done && !r->xs.failed && !r->xs.parse_done)
        feed(r);
    if (r->xs.failed && !sdmx_rd_queued(&r->a)) {
        rd->err = r->xs.err;
        return CONV_ERR;
    }
    return CONV_OK;
}

static int mr_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct mr *r = rd->drv;
    for (;;) {
        int rc = sdmx_rd_pop(&r->a, rec);
        if (rc != CONV_EOF)
            return rc;
        if (r->xs.failed) {
            if (rd->err.code == CONV_E_NONE)
                rd->err = r->xs.err;
            return CONV_ERR;
        }
        if (r->xs.parse_done) {
            if (sdmx_rd_info_end(&r->a) != 0)
                return CONV_ERR;
            return CONV_EOF;
        }
        feed(r);
    }
}

static void mr_close(struct conv_reader *rd)
{
    struct mr *r = rd->drv;
    if (!r)
        return;
    convp_xs_close(&r->xs);
    struct conv_context *ctx = rd->ctx;
    convp_buf_free(&r->text);
    convp_free(ctx, r->dim_at_obs);
    convp_free(ctx, r->ref_agency);
    convp_free(ctx, r->ref_id);
    convp_free(ctx, r->ref_version);
    convp_free(ctx, r->ref_class);
    sdmx_rd_fini(&r->a);
    convp_free(ctx, r);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_sdmx_ml_reader_ops = {
    .open = mr_open,
    .next = mr_next,
    .close = mr_close,
};
