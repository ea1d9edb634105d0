/*
 * SDMX-JSON data messages, 1.0 ("structure" and "dataSets" at the top)
 * and 2.0 ("data" with "structures" and "dataSets"), on yajl's event
 * parser (through formats/yajlguard/).  Members may come in any order,
 * so the input is read twice through random access: the first pass keeps
 * the structures (components and their values), each data set's own
 * attributes and its dimensionGroupAttributes; the second streams the
 * series and observations, decoding the index keys and the value indexes
 * of dimensions, measures and attributes (with their defaults; the
 * annotation indexes after the attributes are skipped).  A series'
 * observations wait for its attributes only when those come after them.
 */
#include "sdmx_private.h"
#include "yajlguard.h"

#include <inttypes.h>
#include <limits.h>

#define JR_CHUNK ((size_t)256 << 10)
#define JR_MAX_INPUT ((uint64_t)1 << 40)
#define JR_MAX_VALUES 10000000 /* component values in all structures */

enum jlevel { JL_DATASET = 0, JL_DIMGROUP, JL_SERIES, JL_OBS };

struct jval {
    size_t off, len; /* in the reader's text */
    unsigned char null;
    unsigned char given;
    unsigned char num; /* given as a number: an index when its component has values */
};

struct jcomp {
    char *id;
    long key_pos;
    enum jlevel level;
    enum sdmx_role role;
    size_t *vals; /* offsets of value texts (into txt); lengths in vlens */
    size_t *vlens;
    size_t nvals, capvals;
    int has_values;
    int has_def;
    struct jval def;
    long cid;
};

struct jstruct {
    struct jcomp *c;
    size_t n, cap;
    /* component indexes by role and level, built after pass 1 */
    size_t *list[4][4]; /* [role kind 0 dim 1 measure 2 attr][level] */
    size_t nlist[4][4];
    size_t *keydims; /* all dimensions by keyPosition */
    size_t nkeydims;
    char *flow, *dsd; /* from links: "AGENCY:ID(VERSION)" */
};

struct jdga {
    size_t key_off, key_len;
    size_t first, n; /* values in dgv */
};

struct jds {
    long st;
    size_t attr_first, nattr; /* in dsv */
    size_t dga_first, ndga;   /* in dga */
};

enum fkind {
    F_TOP, F_DATA, F_STRUCTS, F_STRUCT, F_CGROUP, F_CLIST, F_COMP, F_CVALUES, F_CVALUE,
    F_LINKS, F_LINK, F_DSETS, F_DSET, F_DSATTRS, F_DGA, F_DGARR, F_SMAP, F_SERIES, F_SATTRS,
    F_OMAP, F_OARR, F_COLLECT_OBJ, F_COLLECT_ARR, F_SKIP
};

struct frame {
    enum fkind kind;
    size_t idx;   /* arrays: the element being read */
    int key;      /* objects: the member being read (KEY_*) */
    int role;     /* F_CGROUP/F_CLIST: the component kind; F_CLIST: level */
    int level;
};

enum {
    K_OTHER, K_DATA, K_STRUCTURE, K_STRUCTURES, K_DATASETS, K_DIMENSIONS, K_ATTRIBUTES,
    K_MEASURES, K_LINKS, K_DATASET, K_DIMGROUP, K_SERIES, K_OBSERVATION, K_OBSERVATIONS,
    K_VALUES, K_VALUE, K_ID, K_NAME, K_KEYPOS, K_DEFAULT, K_REL, K_URN, K_DGA, K_ACTION,
    K_ROLES, K_ROLE
};

struct jr {
    struct sdmx_rd a;
    struct conv_reader *rd;
    struct conv_context *ctx;
    struct convp_yg yg;
    int pass;
    int version; /* 1 or 2 */
    uint64_t size, pos, start;
    unsigned char *chunk;
    int parse_done;
    struct conv_error err;
    int failed;
    /* the frames */
    struct frame st[CONVP_MAX_DEPTH + 2];
    size_t depth;
    /* pass 1 */
    struct jstruct *s;
    size_t ns, caps;
    long cur_struct;
    long cur_comp;
    struct convp_buf cv_id, cv_value, cv_name; /* the component value being read */
    int cv_has_id, cv_has_value, cv_has_name;
    struct convp_buf link_rel, link_urn;
    struct jds *ds;
    size_t nds, capds;
    struct jval *dsv;
    size_t ndsv, capdsv;
    struct jdga *dga;
    size_t ndga, capdga;
    struct jval *dgv;
    size_t ndgv, capdgv;
    struct convp_buf txt; /* value texts of pass 1 */
    size_t nvalues;
    /* pass 2 */
    long cur_ds;
    const struct jstruct *js;
    struct convp_buf key; /* a series, observation or group key being read */
    int sattrs_done;
    uint64_t line;
    /* observations waiting for their series' attributes */
    struct sdmx_kv *wait;
    size_t nwait, capwait;
    size_t *wait_obs; /* where each waiting observation starts */
    size_t nwait_obs, capwait_obs;
    struct convp_buf wait_text;
    /* a value being collected (multilingual object, multi-valued array) */
    struct convp_buf col;
    int col_any;        /* some text was collected */
    int col_lang_match; /* the current member is the wanted language */
    const struct jcomp *col_comp;
};

/* ---- errors --------------------------------------------------------------------- */

static int jr_fail(struct jr *r, enum conv_errcode code, const char *fmt, ...) CONVP_PRINTF(3, 4);
static int jr_fail(struct jr *r, enum conv_errcode code, const char *fmt, ...)
{
    if (r->err.code == CONV_E_NONE) {
        va_list ap;
        va_start(ap, fmt);
        convp_error_vset(&r->err, code, r->rd->source, 0, 0, fmt, ap);
        va_end(ap);
        convp_error_where(&r->err, r->rd->count + (r->a.qtail - r->a.qhead) + 1, NULL,
                          r->start + r->pos);
    }
    r->failed = 1;
    return 0; /* cancels yajl */
}

static int jr_nomem(struct jr *r)
{
    return jr_fail(r, CONV_E_NOMEM, "out of memory");
}

/* The assembler failed: its error is ours. */
static int jr_sync(struct jr *r)
{
    if (r->err.code == CONV_E_NONE)
        r->err = r->a.err;
    r->failed = 1;
    return 0;
}

/* ---- keys ---------------------------------------------------------------------- */

static int key_of(const unsigned char *k, size_t n)
{
    static const struct {
        const char *s;
        int k;
    } keys[] = {{"data", K_DATA},
                {"structure", K_STRUCTURE},
                {"structures", K_STRUCTURES},
                {"dataSets", K_DATASETS},
                {"dimensions", K_DIMENSIONS},
                {"attributes", K_ATTRIBUTES},
                {"measures", K_MEASURES},
                {"links", K_LINKS},
                {"dataSet", K_DATASET},
                {"dimensionGroup", K_DIMGROUP},
                {"series", K_SERIES},
                {"observation", K_OBSERVATION},
                {"observations", K_OBSERVATIONS},
                {"values", K_VALUES},
                {"value", K_VALUE},
                {"id", K_ID},
                {"name", K_NAME},
                {"keyPosition", K_KEYPOS},
                {"default", K_DEFAULT},
                {"rel", K_REL},
                {"urn", K_URN},
                {"dimensionGroupAttributes", K_DGA},
                {"action", K_ACTION},
                {"roles", K_ROLES},
                {"role", K_ROLE}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i].s) == n && !memcmp(keys[i].s, k, n))
            return keys[i].k;
    return K_OTHER;
}

static struct frame *top(struct jr *r)
{
    return &r->st[r->depth - 1];
}

static int push(struct jr *r, enum fkind kind)
{
    if (r->depth >= CONVP_MAX_DEPTH)
        return jr_fail(r, CONV_E_LIMIT, "nesting deeper than %d", CONVP_MAX_DEPTH);
    struct frame *f = &r->st[r->depth++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    return 1;
}

/* ---- pass 1: structures ------------------------------------------------------------- */

static struct jstruct *cur_struct(struct jr *r)
{
    return r->cur_struct >= 0 ? &r->s[r->cur_struct] : NULL;
}

static int new_struct(struct jr *r)
{
    if (r->ns == r->caps &&
        convp_array_grow(r->ctx, (void **)&r->s, r->ns, &r->caps, sizeof *r->s) != 0)
        return jr_nomem(r);
    memset(&r->s[r->ns], 0, sizeof r->s[r->ns]);
    r->cur_struct = (long)r->ns++;
    return 1;
}

static int new_comp(struct jr *r, int role, int level)
{
    struct jstruct *s = cur_struct(r);
    if (!s)
        return 1;
    if (s->n >= SDMX_MAX_COMPONENTS)
        return jr_fail(r, CONV_E_LIMIT, "more than %d components", SDMX_MAX_COMPONENTS);
    if (s->n == s->cap && convp_array_grow(r->ctx, (void **)&s->c, s->n, &s->cap, sizeof *s->c) != 0)
        return jr_nomem(r);
    struct jcomp *c = &s->c[s->n];
    memset(c, 0, sizeof *c);
    c->key_pos = -1;
    c->level = (enum jlevel)level;
    c->role = (enum sdmx_role)role;
    c->cid = -1;
    r->cur_comp = (long)s->n++;
    return 1;
}

static struct jcomp *cur_comp(struct jr *r)
{
    struct jstruct *s = cur_struct(r);
    return s && r->cur_comp >= 0 ? &s->c[r->cur_comp] : NULL;
}

static int txt_add(struct jr *r, const char *t, size_t n, size_t *off)
{
    if (r->txt.len > ((size_t)512 << 20))
        return jr_fail(r, CONV_E_LIMIT, "structure texts larger than 512 MiB");
    *off = r->txt.len;
    if (convp_buf_append(&r->txt, t, n) != 0)
        return jr_nomem(r);
    return 1;
}

static int comp_add_value(struct jr *r, const char *t, size_t n)
{
    struct jcomp *c = cur_comp(r);
    if (!c)
        return 1;
    if (++r->nvalues > JR_MAX_VALUES)
        return jr_fail(r, CONV_E_LIMIT, "more than %d component values", JR_MAX_VALUES);
    if (c->nvals == c->capvals) {
        size_t cap = c->capvals;
        if (convp_array_grow(r->ctx, (void **)&c->vals, c->nvals, &cap, sizeof *c->vals) != 0)
            return jr_nomem(r);
        size_t cap2 = c->capvals;
        if (convp_array_grow(r->ctx, (void **)&c->vlens, c->nvals, &cap2, sizeof *c->vlens) != 0)
            return jr_nomem(r);
        c->capvals = cap < cap2 ? cap : cap2;
    }
    size_t off = 0;
    if (!txt_add(r, t, n, &off))
        return 0;
    c->vals[c->nvals] = off;
    c->vlens[c->nvals] = n;
    c->nvals++;
    return 1;
}

/* ---- values --------------------------------------------------------------------- */

/* The text of a value for component c given as a scalar: an index into
 * its values when it has them, else the literal. */
static int resolve(struct jr *r, const struct jcomp *c, int is_num, const char *t, size_t n,
                   const char **out, size_t *olen)
{
    *out = t;
    *olen = n;
    if (!c || !c->has_values || !is_num)
        return 1;
    uint64_t idx = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9' || idx > (UINT64_MAX - 9) / 10)
            return jr_fail(r, CONV_E_STRUCTURE, "%s: '%.*s' is no index of its values", c->id,
                           (int)(n > 30 ? 30 : n), t);
        idx = idx * 10 + (uint64_t)(t[i] - '0');
    }
    if (n == 0 || idx >= c->nvals)
        return jr_fail(r, CONV_E_STRUCTURE, "%s: value index %.*s out of range (%zu values)",
                       c->id, (int)(n > 30 ? 30 : n), t, c->nvals);
    *out = r->txt.data + c->vals[idx];
    *olen = c->vlens[idx];
    return 1;
}

static int jval_add(struct jr *r, struct jval **v, size_t *nv, size_t *cap, const char *t,
                    size_t n, int null, int num)
{
    if (*nv == *cap && convp_array_grow(r->ctx, (void **)v, *nv, cap, sizeof **v) != 0)
        return jr_nomem(r);
    struct jval *x = &(*v)[*nv];
    memset(x, 0, sizeof *x);
    x->null = (unsigned char)null;
    x->num = (unsigned char)num;
    x->given = 1;
    if (!null && !txt_add(r, t, n, &x->off))
        return 0;
    x->len = null ? 0 : n;
    (*nv)++;
    return 1;
}

/* ---- pass 2: series and observations ------------------------------------------------ */

static const struct jcomp *list_comp(const struct jstruct *s, int kind, int level, size_t i)
{
    if (!s || i >= s->nlist[kind][level])
        return NULL;
    return &s->c[s->list[kind][level][i]];
}

/* Decode "0:1:2" against the dimensions of a level, putting each value. */
static int put_key(struct jr *r, const char *k, size_t n, int level, enum sdmx_level lv)
{
    const struct jstruct *s = r->js;
    size_t dims = s ? s->nlist[0][level] : 0;
    size_t i = 0, p = 0;
    while (p <= n) {
        size_t e = p;
        while (e < n && k[e] != ':')
            e++;
        const struct jcomp *c = list_comp(s, 0, level, i);
        if (!c)
            return jr_fail(r, CONV_E_STRUCTURE, "key '%.*s' has more parts than the %zu "
                                                "dimensions of its level",
                           (int)(n > 40 ? 40 : n), k, dims);
        const char *t;
        size_t tl;
        if (!resolve(r, c, 1, k + p, e - p, &t, &tl))
            return 0;
        if (sdmx_rd_put(&r->a, lv, c->cid, t, tl, 0, r->line, 0) != 0)
            return jr_sync(r);
        i++;
        p = e + 1;
    }
    if (i != dims)
        return jr_fail(r, CONV_E_STRUCTURE, "key '%.*s' has %zu parts, its level %zu dimensions",
                       (int)(n > 40 ? 40 : n), k, i, dims);
    return 1;
}

static int put_default(struct jr *r, const struct jcomp *c, enum sdmx_level lv)
{
    if (!c->has_def)
        return 1;
    if (sdmx_rd_put(&r->a, lv, c->cid, r->txt.data + c->def.off, c->def.len, c->def.null,
                    r->line, 0) != 0)
        return jr_sync(r);
    return 1;
}

/* An observation is whole: emit it, or keep it until its series'
 * attributes are known. */
static int obs_done(struct jr *r, size_t given_attrs)
{
    const struct jstruct *s = r->js;
    for (size_t i = given_attrs; s && i < s->nlist[2][JL_OBS]; i++)
        if (!put_default(r, list_comp(s, 2, JL_OBS, i), SDMX_LV_OBS))
            return 0;
    if (r->sattrs_done) {
        if (sdmx_rd_emit(&r->a, r->line) != 0)
            return jr_sync(r);
        return 1;
    }
    const struct sdmx_level_vals *o = &r->a.lv[SDMX_LV_OBS];
    if (r->nwait_obs == r->capwait_obs &&
        convp_array_grow(r->ctx, (void **)&r->wait_obs, r->nwait_obs, &r->capwait_obs,
                         sizeof *r->wait_obs) != 0)
        return jr_nomem(r);
    r->wait_obs[r->nwait_obs++] = r->nwait;
    for (size_t i = 0; i < o->n; i++) {
        if (r->nwait == r->capwait &&
            convp_array_grow(r->ctx, (void **)&r->wait, r->nwait, &r->capwait, sizeof *r->wait) !=
                0)
            return jr_nomem(r);
        struct sdmx_kv kv = o->v[i];
        kv.off = r->wait_text.len;
        if (convp_buf_append(&r->wait_text, o->text.data + o->v[i].off, o->v[i].len) != 0)
            return jr_nomem(r);
        r->wait[r->nwait++] = kv;
    }
    if (r->wait_text.len > CONVP_MAX_RECORD_BYTES)
        return jr_fail(r, CONV_E_LIMIT,
                       "a series of more than %zu bytes before its attributes",
                       CONVP_MAX_RECORD_BYTES);
    return 1;
}

/* The series' attributes are known: the observations kept go out. */
static int flush_waiting(struct jr *r)
{
    r->sattrs_done = 1;
    for (size_t k = 0; k < r->nwait_obs; k++) {
        size_t from = r->wait_obs[k], to = k + 1 < r->nwait_obs ? r->wait_obs[k + 1] : r->nwait;
        sdmx_rd_clear(&r->a, SDMX_LV_OBS);
        for (size_t i = from; i < to; i++) {
            const struct sdmx_kv *kv = &r->wait[i];
            if (sdmx_rd_put(&r->a, SDMX_LV_OBS, kv->cid, r->wait_text.data + kv->off, kv->len,
                            kv->null, kv->line, kv->col) != 0)
                return jr_sync(r);
        }
        if (sdmx_rd_emit(&r->a, r->line) != 0)
            return jr_sync(r);
    }
    r->nwait = r->nwait_obs = 0;
    r->wait_text.len = 0;
    return 1;
}

static int series_attrs_done(struct jr *r, size_t given)
{
    const struct jstruct *s = r->js;
    for (size_t i = given; s && i < s->nlist[2][JL_SERIES]; i++)
        if (!put_default(r, list_comp(s, 2, JL_SERIES, i), SDMX_LV_SERIES))
            return 0;
    return flush_waiting(r);
}

/* The data set starts (pass 2): its dimensions, its attributes and its
 * dimension-group attributes as groups. */
static int dataset_begin(struct jr *r, size_t di)
{
    r->cur_ds = (long)di;
    sdmx_rd_clear(&r->a, SDMX_LV_DATASET);
    if (di >= r->nds)
        return jr_fail(r, CONV_E_STRUCTURE, "data set %zu unknown", di);
    const struct jds *d = &r->ds[di];
    r->js = d->st >= 0 && (size_t)d->st < r->ns ? &r->s[d->st] : NULL;
    if (!r->js)
        return jr_fail(r, CONV_E_STRUCTURE, "data set %zu names no structure", di);
    const struct jstruct *s = r->js;
    for (size_t i = 0; i < s->nlist[0][JL_DATASET]; i++) {
        const struct jcomp *c = list_comp(s, 0, JL_DATASET, i);
        if (c->nvals == 0)
            continue;
        if (sdmx_rd_put(&r->a, SDMX_LV_DATASET, c->cid, r->txt.data + c->vals[0], c->vlens[0],
                        0, 0, 0) != 0)
            return jr_sync(r);
    }
    for (size_t i = 0; i < s->nlist[2][JL_DATASET]; i++) {
        const struct jcomp *c = list_comp(s, 2, JL_DATASET, i);
        const struct jval *v = i < d->nattr ? &r->dsv[d->attr_first + i] : NULL;
        if (!v || !v->given) {
            if (!put_default(r, c, SDMX_LV_DATASET))
                return 0;
            continue;
        }
        const char *t = r->txt.data + v->off;
        size_t tl = v->len;
        if (!v->null && !resolve(r, c, v->num, r->txt.data + v->off, v->len, &t, &tl))
            return 0;
        if (sdmx_rd_put(&r->a, SDMX_LV_DATASET, c->cid, t, tl, v->null, 0, 0) != 0)
            return jr_sync(r);
    }
    /* dimensionGroupAttributes: "0::1" over every dimension by key position. */
    sdmx_rd_groups_reset(&r->a);
    for (size_t g = 0; g < d->ndga; g++) {
        const struct jdga *e = &r->dga[d->dga_first + g];
        const char *k = r->txt.data + e->key_off;
        if (sdmx_rd_group_begin(&r->a, NULL, 0, 1) != 0)
            return jr_sync(r);
        size_t part = 0, p = 0;
        while (p <= e->key_len) {
            size_t q = p;
            while (q < e->key_len && k[q] != ':')
                q++;
            if (q > p) {
                if (part >= s->nkeydims)
                    return jr_fail(r, CONV_E_STRUCTURE, "group key '%.*s' has too many parts",
                                   (int)(e->key_len > 40 ? 40 : e->key_len), k);
                const struct jcomp *c = &s->c[s->keydims[part]];
                const char *t;
                size_t tl;
                if (!resolve(r, c, 1, k + p, q - p, &t, &tl))
                    return 0;
                if (sdmx_rd_group_put(&r->a, c->cid, t, tl, 1) != 0)
                    return jr_sync(r);
            }
            part++;
            p = q + 1;
        }
        for (size_t i = 0; i < e->n && i < s->nlist[2][JL_DIMGROUP]; i++) {
            const struct jval *v = &r->dgv[e->first + i];
            if (v->null)
                continue;
            const struct jcomp *c = list_comp(s, 2, JL_DIMGROUP, i);
            const char *t;
            size_t tl;
            if (!resolve(r, c, v->num, r->txt.data + v->off, v->len, &t, &tl))
                return 0;
            if (sdmx_rd_group_put(&r->a, c->cid, t, tl, 0) != 0)
                return jr_sync(r);
        }
    }
    return 1;
}

/* A measure or attribute value of an observation (pass 2), or of a
 * series' attributes. */
static int obs_value(struct jr *r, size_t i, int is_num, int null, const char *t, size_t n)
{
    const struct jstruct *s = r->js;
    size_t nm = s->nlist[1][JL_OBS], na = s->nlist[2][JL_OBS];
    const struct jcomp *c;
    if (i < nm)
        c = list_comp(s, 1, JL_OBS, i);
    else if (i < nm + na)
        c = list_comp(s, 2, JL_OBS, i - nm);
    else
        return 1; /* an annotation index */
    const char *v = t;
    size_t vl = n;
    if (!null && !resolve(r, c, is_num, t, n, &v, &vl))
        return 0;
    if (sdmx_rd_put(&r->a, SDMX_LV_OBS, c->cid, v, vl, null, r->line, 0) != 0)
        return jr_sync(r);
    return 1;
}

static int series_attr(struct jr *r, size_t i, int is_num, int null, const char *t, size_t n)
{
    const struct jcomp *c = list_comp(r->js, 2, JL_SERIES, i);
    if (!c)
        return 1; /* annotation */
    const char *v = t;
    size_t vl = n;
    if (!null && !resolve(r, c, is_num, t, n, &v, &vl))
        return 0;
    if (sdmx_rd_put(&r->a, SDMX_LV_SERIES, c->cid, v, vl, null, r->line, 0) != 0)
        return jr_sync(r);
    return 1;
}

/* ---- one scalar, wherever it is ------------------------------------------------------- */

enum { S_NULL, S_BOOL, S_NUM, S_STR };

static int collect_scalar(struct jr *r, int kind, const char *t, size_t n);

/* The component whose value an element of the current array is. */
static const struct jcomp *elem_comp(struct jr *r, const struct frame *f)
{
    if (r->pass == 2 && f->kind == F_OARR) {
        const struct jstruct *s = r->js;
        size_t nm = s->nlist[1][JL_OBS];
        return f->idx < nm ? list_comp(s, 1, JL_OBS, f->idx)
                           : list_comp(s, 2, JL_OBS, f->idx - nm);
    }
    if (r->pass == 2 && f->kind == F_SATTRS)
        return list_comp(r->js, 2, JL_SERIES, f->idx);
    if (r->pass == 1 && f->kind == F_DSATTRS && r->nds) {
        const struct jds *d = &r->ds[r->nds - 1];
        long st = d->st >= 0 ? d->st : 0;
        return (size_t)st < r->ns ? list_comp(&r->s[st], 2, JL_DATASET, f->idx) : NULL;
    }
    return NULL;
}

static int scalar(struct jr *r, int kind, const char *t, size_t n)
{
    if (r->failed)
        return 0;
    if (!r->depth)
        return 1;
    struct frame *f = top(r);
    int null = kind == S_NULL, num = kind == S_NUM;
    switch (f->kind) {
    case F_COLLECT_OBJ:
    case F_COLLECT_ARR:
        return collect_scalar(r, kind, t, n);
    case F_COMP:
        if (r->pass != 1)
            return 1;
        if (f->key == K_ID && kind == S_STR) {
            struct jcomp *c = cur_comp(r);
            if (c && !c->id && !(c->id = convp_strndup(r->ctx, t, n)))
                return jr_nomem(r);
        } else if (f->key == K_KEYPOS && num) {
            struct jcomp *c = cur_comp(r);
            if (c)
                c->key_pos = strtol(t, NULL, 10);
        } else if (f->key == K_DEFAULT && !null) {
            struct jcomp *c = cur_comp(r);
            if (c) {
                c->has_def = 1;
                c->def.null = 0;
                c->def.len = n;
                if (!txt_add(r, t, n, &c->def.off))
                    return 0;
            }
        } else if (f->key == K_ROLE && kind == S_STR && n == 11 && !memcmp(t, "TIME_PERIOD", 11)) {
            struct jcomp *c = cur_comp(r);
            if (c && c->role == SDMX_ROLE_DIM)
                c->role = SDMX_ROLE_TIME;
        }
        return 1;
    case F_CVALUE: {
        if (r->pass != 1 || null)
            return 1;
        struct convp_buf *b = f->key == K_ID      ? &r->cv_id
                              : f->key == K_VALUE ? &r->cv_value
                              : f->key == K_NAME  ? &r->cv_name
                                                  : NULL;
        if (!b)
            return 1;
        b->len = 0;
        if (convp_buf_append(b, t, n) != 0)
            return jr_nomem(r);
        if (f->key == K_ID)
            r->cv_has_id = 1;
        else if (f->key == K_VALUE)
            r->cv_has_value = 1;
        else
            r->cv_has_name = 1;
        return 1;
    }
    case F_CVALUES: /* a plain value in a values array */
        if (r->pass == 1 && !null)
            return comp_add_value(r, t, n);
        return 1;
    case F_LINK:
        if (r->pass == 1 && kind == S_STR && (f->key == K_REL || f->key == K_URN)) {
            struct convp_buf *b = f->key == K_REL ? &r->link_rel : &r->link_urn;
            b->len = 0;
            if (convp_buf_append(b, t, n) != 0)
                return jr_nomem(r);
        }
        return 1;
    case F_DSET:
        if (r->pass == 1 && f->key == K_OTHER + 100 && num && r->nds)
            r->ds[r->nds - 1].st = strtol(t, NULL, 10);
        if (r->pass == 1 && f->key == K_ACTION && kind == S_STR && r->nds == 1) {
            char a[40];
            snprintf(a, sizeof a, "%.*s", (int)(n > 30 ? 30 : n), t);
            if (convp_reader_set_info(r->rd, "sdmx-action", a) != 0)
                return jr_nomem(r);
        }
        return 1;
    case F_DSATTRS:
        /* Kept as given: indexes are resolved in pass 2, against the
         * data set's structure. */
        if (r->pass == 1 && r->nds) {
            if (!jval_add(r, &r->dsv, &r->ndsv, &r->capdsv, t, n, null, num))
                return 0;
            r->ds[r->nds - 1].nattr++;
        }
        f->idx++;
        return 1;
    case F_DGARR:
        if (r->pass == 1 && r->ndga) {
            if (!jval_add(r, &r->dgv, &r->ndgv, &r->capdgv, t, n, null, num))
                return 0;
            r->dga[r->ndga - 1].n++;
        }
        f->idx++;
        return 1;
    case F_OARR:
        if (r->pass == 2 && !obs_value(r, f->idx, num, null, t, n))
            return 0;
        f->idx++;
        return 1;
    case F_SATTRS:
        if (r->pass == 2 && !series_attr(r, f->idx, num, null, t, n))
            return 0;
        f->idx++;
        return 1;
    default:
        if (f->kind == F_CLIST || f->kind == F_STRUCTS || f->kind == F_DSETS ||
            f->kind == F_LINKS)
            f->idx++;
        return 1;
    }
}

/* ---- collecting a value that is an object or an array ---------------------------------- */

/*
 * A value that is an object or an array: an object is multilingual (the
 * text in --sdmx-lang, else its first), an array multi-valued (elements
 * joined by ';', each an index of the values when the component is
 * coded).  Per object frame: idx is where its text starts, role whether
 * it has any text, level whether the wanted language was found.
 */
static int collect_start(struct jr *r, int is_map, const struct jcomp *c)
{
    struct frame *f = top(r);
    int nested = f->kind == F_COLLECT_OBJ || f->kind == F_COLLECT_ARR;
    if (!nested) {
        r->col.len = 0;
        r->col_any = 0;
        r->col_comp = c;
    } else if (f->kind == F_COLLECT_ARR && f->idx && convp_buf_putc(&r->col, ';') != 0) {
        return jr_nomem(r);
    }
    size_t at = r->col.len;
    if (!push(r, is_map ? F_COLLECT_OBJ : F_COLLECT_ARR))
        return 0;
    top(r)->idx = at;
    return 1;
}

static int collect_scalar(struct jr *r, int kind, const char *t, size_t n)
{
    struct frame *f = top(r);
    if (kind == S_NULL)
        return 1;
    const char *v = t;
    size_t vl = n;
    if (f->kind == F_COLLECT_ARR) {
        if (!resolve(r, r->col_comp, kind == S_NUM, t, n, &v, &vl))
            return 0;
        if (((r->col.len > f->idx || f->key) && convp_buf_putc(&r->col, ';') != 0) ||
            convp_buf_append(&r->col, v, vl) != 0)
            return jr_nomem(r);
        f->key = 1; /* an element was written */
        r->col_any = 1;
        return 1;
    }
    /* An object's member: the wanted language wins, else the first. */
    if (f->level || (f->role && !r->col_lang_match))
        return 1;
    r->col.len = f->idx;
    if (convp_buf_append(&r->col, v, vl) != 0)
        return jr_nomem(r);
    f->role = 1;
    r->col_any = 1;
    if (r->col_lang_match)
        f->level = 1;
    return 1;
}

/* ---- yajl callbacks -------------------------------------------------------------------- */

static int cb_null(void *u)
{
    return scalar(u, S_NULL, "", 0);
}

static int cb_bool(void *u, int b)
{
    return scalar(u, S_BOOL, b ? "true" : "false", b ? 4 : 5);
}

static int cb_number(void *u, const char *s, size_t n)
{
    return scalar(u, S_NUM, s, n);
}

static int cb_string(void *u, const unsigned char *s, size_t n)
{
    return scalar(u, S_STR, (const char *)s, n);
}

static int cb_key(void *u, const unsigned char *k, size_t n)
{
    struct jr *r = u;
    if (r->failed)
        return 0;
    struct frame *f = top(r);
    switch (f->kind) {
    case F_DGA:
    case F_SMAP:
    case F_OMAP:
        r->key.len = 0;
        if (convp_buf_append(&r->key, k, n) != 0)
            return jr_nomem(r);
        return 1;
    case F_COLLECT_OBJ: {
        size_t ll = strlen(r->a.lang);
        r->col_lang_match = n == ll && !memcmp(k, r->a.lang, ll);
        f->key = 0;
        return 1;
    }
    case F_DSET:
        f->key = n == 9 && !memcmp(k, "structure", 9) ? K_OTHER + 100 : key_of(k, n);
        return 1;
    default:
        f->key = key_of(k, n);
        return 1;
    }
}

/* What a container starting here is. */
static int cb_start(struct jr *r, int is_map)
{
    if (r->failed)
        return 0;
    if (r->depth == 0) {
        if (!is_map)
            return jr_fail(r, CONV_E_STRUCTURE, "not an SDMX-JSON message: the top is no object");
        return push(r, F_TOP);
    }
    struct frame *f = top(r);
    int k = f->key;
    switch (f->kind) {
    case F_TOP:
    case F_DATA:
        if (is_map && k == K_DATA)
            return push(r, F_DATA);
        if (is_map && k == K_STRUCTURE) {
            r->version = r->version ? r->version : 1;
            if (r->pass == 1 && !new_struct(r))
                return 0;
            return push(r, r->pass == 1 ? F_STRUCT : F_SKIP);
        }
        if (!is_map && k == K_STRUCTURES) {
            r->version = 2;
            return push(r, r->pass == 1 ? F_STRUCTS : F_SKIP);
        }
        if (!is_map && k == K_DATASETS)
            return push(r, F_DSETS);
        return push(r, F_SKIP);
    case F_STRUCTS:
        f->idx++;
        if (is_map) {
            if (!new_struct(r))
                return 0;
            return push(r, F_STRUCT);
        }
        return push(r, F_SKIP);
    case F_STRUCT:
        if (is_map && (k == K_DIMENSIONS || k == K_ATTRIBUTES || k == K_MEASURES)) {
            if (!push(r, F_CGROUP))
                return 0;
            top(r)->role = k == K_DIMENSIONS ? SDMX_ROLE_DIM
                           : k == K_MEASURES ? SDMX_ROLE_MEASURE
                                             : SDMX_ROLE_ATTR;
            return 1;
        }
        if (!is_map && k == K_LINKS)
            return push(r, F_LINKS);
        return push(r, F_SKIP);
    case F_CGROUP:
        if (!is_map && (k == K_DATASET || k == K_DIMGROUP || k == K_SERIES ||
                        k == K_OBSERVATION)) {
            int role = f->role;
            if (!push(r, F_CLIST))
                return 0;
            top(r)->role = role;
            top(r)->level = k == K_DATASET   ? JL_DATASET
                            : k == K_DIMGROUP ? JL_DIMGROUP
                            : k == K_SERIES   ? JL_SERIES
                                              : JL_OBS;
            return 1;
        }
        return push(r, F_SKIP);
    case F_CLIST:
        f->idx++;
        if (is_map) {
            if (!new_comp(r, f->role, f->level))
                return 0;
            return push(r, F_COMP);
        }
        return push(r, F_SKIP);
    case F_COMP:
        if (!is_map && k == K_VALUES) {
            struct jcomp *c = cur_comp(r);
            if (c)
                c->has_values = 1;
            return push(r, F_CVALUES);
        }
        if (k == K_DEFAULT) {
            if (!collect_start(r, is_map, NULL))
                return 0;
            top(r)->role = K_DEFAULT;
            return 1;
        }
        if (!is_map && (k == K_ROLES || k == K_ROLE)) {
            /* A roles array: its strings are looked at as a role's. */
            if (!push(r, F_COMP))
                return 0;
            top(r)->key = K_ROLE;
            return 1;
        }
        return push(r, F_SKIP);
    case F_CVALUES:
        if (is_map) {
            r->cv_has_id = r->cv_has_value = r->cv_has_name = 0;
            return push(r, F_CVALUE);
        }
        return push(r, F_SKIP);
    case F_CVALUE:
        if (k == K_VALUE || k == K_VALUES) {
            if (!collect_start(r, is_map, NULL))
                return 0;
            top(r)->role = K_VALUE;
            return 1;
        }
        return push(r, F_SKIP);
    case F_LINKS:
        if (is_map) {
            r->link_rel.len = r->link_urn.len = 0;
            return push(r, F_LINK);
        }
        return push(r, F_SKIP);
    case F_DSETS:
        if (!is_map)
            return push(r, F_SKIP);
        if (r->pass == 1) {
            if (r->nds == r->capds &&
                convp_array_grow(r->ctx, (void **)&r->ds, r->nds, &r->capds, sizeof *r->ds) != 0)
                return jr_nomem(r);
            struct jds *d = &r->ds[r->nds++];
            memset(d, 0, sizeof *d);
            d->attr_first = r->ndsv;
            d->dga_first = r->ndga;
        } else if (!dataset_begin(r, f->idx)) {
            return 0;
        }
        f->idx++;
        return push(r, F_DSET);
    case F_DSET:
        if (r->pass == 1 && !is_map && k == K_ATTRIBUTES)
            return push(r, F_DSATTRS);
        if (r->pass == 1 && is_map && k == K_DGA)
            return push(r, F_DGA);
        if (r->pass == 2 && is_map && k == K_SERIES)
            return push(r, F_SMAP);
        if (r->pass == 2 && is_map && k == K_OBSERVATIONS) {
            r->sattrs_done = 1;
            sdmx_rd_clear(&r->a, SDMX_LV_SERIES);
            return push(r, F_OMAP);
        }
        return push(r, F_SKIP);
    case F_DGA:
        if (!is_map) {
            if (r->ndga == r->capdga &&
                convp_array_grow(r->ctx, (void **)&r->dga, r->ndga, &r->capdga, sizeof *r->dga) !=
                    0)
                return jr_nomem(r);
            struct jdga *e = &r->dga[r->ndga++];
            memset(e, 0, sizeof *e);
            if (!txt_add(r, r->key.data ? r->key.data : "", r->key.len, &e->key_off))
                return 0;
            e->key_len = r->key.len;
            e->first = r->ndgv;
            r->ds[r->nds - 1].ndga++;
            return push(r, F_DGARR);
        }
        return push(r, F_SKIP);
    case F_SMAP:
        if (!is_map)
            return push(r, F_SKIP);
        sdmx_rd_clear(&r->a, SDMX_LV_SERIES);
        r->a.nseries++;
        r->nwait = r->nwait_obs = 0;
        r->wait_text.len = 0;
        r->sattrs_done = r->js->nlist[2][JL_SERIES] == 0;
        if (!put_key(r, r->key.data ? r->key.data : "", r->key.len, JL_SERIES, SDMX_LV_SERIES))
            return 0;
        return push(r, F_SERIES);
    case F_SERIES:
        if (!is_map && k == K_ATTRIBUTES)
            return push(r, F_SATTRS);
        if (is_map && k == K_OBSERVATIONS)
            return push(r, F_OMAP);
        return push(r, F_SKIP);
    case F_OMAP:
        if (is_map)
            return push(r, F_SKIP);
        sdmx_rd_clear(&r->a, SDMX_LV_OBS);
        if (!put_key(r, r->key.data ? r->key.data : "", r->key.len, JL_OBS, SDMX_LV_OBS))
            return 0;
        return push(r, F_OARR);
    case F_OARR:
    case F_SATTRS:
    case F_DSATTRS:
    case F_DGARR:
        return collect_start(r, is_map, elem_comp(r, f));
    case F_COLLECT_OBJ:
    case F_COLLECT_ARR:
        return push(r, is_map ? F_COLLECT_OBJ : F_COLLECT_ARR);
    default:
        return push(r, F_SKIP);
    }
}

static int cb_start_map(void *u)
{
    return cb_start(u, 1);
}

static int cb_start_array(void *u)
{
    return cb_start(u, 0);
}

static int end_cvalue(struct jr *r)
{
    /* A value's text: its id, else its value, else its name. */
    struct convp_buf *b = r->cv_has_id      ? &r->cv_id
                          : r->cv_has_value ? &r->cv_value
                          : r->cv_has_name  ? &r->cv_name
                                            : NULL;
    return comp_add_value(r, b && b->data ? b->data : "", b ? b->len : 0);
}

static int end_link(struct jr *r)
{
    struct jstruct *s = cur_struct(r);
    if (!s || !r->link_urn.len)
        return 1;
    const char *u = convp_buf_cstr(&r->link_urn);
    const char *eq = strchr(u, '=');
    if (!u || !eq)
        return 1;
    int flow = strstr(u, ".Dataflow=") || strstr(u, ".ProvisionAgreement=");
    int dsd = strstr(u, ".DataStructure=") != NULL;
    char **slot = flow ? &s->flow : dsd ? &s->dsd : NULL;
    if (!slot || *slot)
        return 1;
    if (!(*slot = convp_strdup(r->ctx, eq + 1)))
        return jr_nomem(r);
    return 1;
}

/* A collected value is whole: it is the value of the element or member
 * that holds it. */
static int end_collect(struct jr *r)
{
    struct frame *f = top(r);
    const char *t = r->col.data ? r->col.data : "";
    size_t n = r->col.len;
    int null = !r->col_any && n == 0;
    switch (f->kind) {
    case F_COMP: /* a default given as an object or array */
        if (r->pass == 1 && !null) {
            struct jcomp *c = cur_comp(r);
            if (c) {
                c->has_def = 1;
                c->def.len = n;
                if (!txt_add(r, t, n, &c->def.off))
                    return 0;
            }
        }
        return 1;
    case F_CVALUE:
        if (r->pass == 1) {
            r->cv_value.len = 0;
            if (convp_buf_append(&r->cv_value, t, n) != 0)
                return jr_nomem(r);
            r->cv_has_value = 1;
        }
        return 1;
    default:
        /* An element of an array of values: the text is final (indexes
         * were resolved as it was collected). */
        switch (f->kind) {
        case F_OARR: {
            if (r->pass != 2) {
                f->idx++;
                return 1;
            }
            const struct jstruct *s = r->js;
            size_t nm = s->nlist[1][JL_OBS], na = s->nlist[2][JL_OBS];
            const struct jcomp *c = f->idx < nm        ? list_comp(s, 1, JL_OBS, f->idx)
                                    : f->idx < nm + na ? list_comp(s, 2, JL_OBS, f->idx - nm)
                                                       : NULL;
            f->idx++;
            if (c && sdmx_rd_put(&r->a, SDMX_LV_OBS, c->cid, t, n, null, r->line, 0) != 0)
                return jr_sync(r);
            return 1;
        }
        case F_SATTRS: {
            const struct jcomp *c = r->pass == 2 ? list_comp(r->js, 2, JL_SERIES, f->idx) : NULL;
            f->idx++;
            if (c && sdmx_rd_put(&r->a, SDMX_LV_SERIES, c->cid, t, n, null, r->line, 0) != 0)
                return jr_sync(r);
            return 1;
        }
        case F_DSATTRS:
            f->idx++;
            if (r->pass == 1 && r->nds) {
                if (!jval_add(r, &r->dsv, &r->ndsv, &r->capdsv, t, n, null, 0))
                    return 0;
                r->ds[r->nds - 1].nattr++;
            }
            return 1;
        case F_DGARR:
            f->idx++;
            if (r->pass == 1 && r->ndga) {
                if (!jval_add(r, &r->dgv, &r->ndgv, &r->capdgv, t, n, null, 0))
                    return 0;
                r->dga[r->ndga - 1].n++;
            }
            return 1;
        default:
            return 1;
        }
    }
}

static int cb_end(void *u)
{
    struct jr *r = u;
    if (r->failed || r->depth == 0)
        return 0;
    struct frame f = *top(r);
    r->depth--;
    switch (f.kind) {
    case F_CVALUE:
        return r->pass == 1 ? end_cvalue(r) : 1;
    case F_LINK:
        return r->pass == 1 ? end_link(r) : 1;
    case F_COMP:
        if (r->pass == 1 && r->depth && top(r)->kind == F_CLIST) {
            struct jcomp *c = cur_comp(r);
            if (c && !c->id)
                return jr_fail(r, CONV_E_STRUCTURE, "a component without an id");
            r->cur_comp = -1;
        }
        return 1;
    case F_OARR:
        return r->pass == 2 ? obs_done(r, f.idx > r->js->nlist[1][JL_OBS]
                                              ? f.idx - r->js->nlist[1][JL_OBS]
                                              : 0)
                            : 1;
    case F_SATTRS:
        return r->pass == 2 ? series_attrs_done(r, f.idx) : 1;
    case F_SERIES:
        if (r->pass == 2 && !r->sattrs_done && !series_attrs_done(r, 0))
            return 0;
        return 1;
    case F_COLLECT_OBJ:
    case F_COLLECT_ARR:
        if (r->depth && (top(r)->kind == F_COLLECT_OBJ || top(r)->kind == F_COLLECT_ARR)) {
            if (top(r)->kind == F_COLLECT_ARR)
                top(r)->key = 1;
            return 1;
        }
        return end_collect(r);
    default:
        return 1;
    }
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* ---- feeding ----------------------------------------------------------------------------- */

/* Line and column of the byte at off (errors only: counted again). */
static void where(struct jr *r, uint64_t off, uint64_t *line, uint64_t *col)
{
    uint64_t l = 1, c = 1, p = r->start;
    unsigned char b[4096];
    while (p < off) {
        size_t n = off - p < sizeof b ? (size_t)(off - p) : sizeof b;
        if (convp_input_pread(r->rd->in, p, b, n, NULL) != CONV_OK)
            break;
        for (size_t i = 0; i < n; i++) {
            if (b[i] == '\n') {
                l++;
                c = 1;
            } else if ((b[i] & 0xC0) != 0x80) {
                c++;
            }
        }
        p += n;
    }
    *line = l;
    *col = c;
}

static void yajl_failed(struct jr *r, size_t consumed)
{
    unsigned char *msg = yajl_get_error(r->yg.h, 0, NULL, 0);
    const char *m = msg ? (const char *)msg : "syntax error";
    if (!strncmp(m, "parse error: ", 13))
        m += 13;
    else if (!strncmp(m, "lexical error: ", 15))
        m += 15;
    size_t ml = strcspn(m, "\n");
    uint64_t off = r->start + r->pos + consumed, line, col;
    where(r, off, &line, &col);
    convp_error_set(&r->err, CONV_E_SYNTAX, r->rd->source, line, col, "%.*s", (int)ml, m);
    convp_error_where(&r->err, 0, NULL, off);
    r->failed = 1;
    if (msg)
        yajl_free_error(r->yg.h, msg);
}

/* Parse the next chunk of the pass: 1 more to come, 0 at the end, -1 failed. */
static int feed(struct jr *r)
{
    if (r->failed)
        return -1;
    uint64_t left = r->size - r->start - r->pos;
    yajl_status st = yajl_status_ok;
    if (left == 0) {
        if (convp_yg_finish(&r->yg, &st) != 0)
            return jr_nomem(r), -1;
        if (r->failed)
            return -1;
        if (st != yajl_status_ok) {
            yajl_failed(r, 0);
            return -1;
        }
        return 0;
    }
    size_t n = left < JR_CHUNK ? (size_t)left : JR_CHUNK;
    if (convp_input_pread(r->rd->in, r->start + r->pos, r->chunk, n, &r->err) != CONV_OK) {
        if (r->err.code == CONV_E_NONE)
            convp_error_set(&r->err, CONV_E_IO, r->rd->source, 0, 0, "read failed");
        r->failed = 1;
        return -1;
    }
    if (convp_yg_parse(&r->yg, r->chunk, n, &st) != 0)
        return jr_nomem(r), -1;
    if (r->failed)
        return -1;
    if (st != yajl_status_ok) {
        yajl_failed(r, yajl_get_bytes_consumed(r->yg.h));
        return -1;
    }
    r->pos += n;
    return 1;
}

static int start_pass(struct jr *r, int pass)
{
    convp_yg_free(&r->yg);
    memset(&r->yg, 0, sizeof r->yg);
    if (convp_yg_alloc(&r->yg, r->ctx, &callbacks, r) != 0)
        return jr_nomem(r), -1;
    r->pass = pass;
    r->pos = 0;
    r->depth = 0;
    r->cur_struct = -1;
    r->cur_comp = -1;
    r->cur_ds = -1;
    return 0;
}

/* After pass 1: each structure's components by kind and level, their
 * component ids, and the fields in the structure's order. */
static int prepare(struct jr *r)
{
    char ref[300] = "", *agency = NULL, *id = NULL, *version = NULL;
    if (r->ns && r->s[0].dsd) {
        snprintf(ref, sizeof ref, "%s", r->s[0].dsd);
        char *colon = strchr(ref, ':'), *open = strchr(ref, '(');
        id = ref;
        if (colon && (!open || colon < open)) {
            *colon = '\0';
            agency = ref;
            id = colon + 1;
        }
        if (open) {
            *open = '\0';
            version = open + 1;
            char *close = strchr(version, ')');
            if (close)
                *close = '\0';
        }
    }
    if (sdmx_rd_use_struct(&r->a, agency, id, version) != 0)
        return jr_sync(r);
    for (size_t si = 0; si < r->ns; si++) {
        struct jstruct *s = &r->s[si];
        int measures = 0;
        for (size_t i = 0; i < s->n; i++)
            measures |= s->c[i].role == SDMX_ROLE_MEASURE;
        if (!measures) {
            /* 1.0, or a 2.0 message without "measures": OBS_VALUE. */
            r->cur_struct = (long)si;
            if (!new_comp(r, SDMX_ROLE_MEASURE, JL_OBS))
                return 0;
            s = &r->s[si];
            if (!(s->c[s->n - 1].id = convp_strdup(r->ctx, "OBS_VALUE")))
                return jr_nomem(r);
        }
        for (int k = 0; k < 3; k++)
            for (int l = 0; l < 4; l++) {
                s->list[k][l] = convp_calloc(r->ctx, s->n ? s->n : 1, sizeof *s->list[k][l]);
                if (!s->list[k][l])
                    return jr_nomem(r);
            }
        s->keydims = convp_calloc(r->ctx, s->n ? s->n : 1, sizeof *s->keydims);
        if (!s->keydims)
            return jr_nomem(r);
        for (size_t i = 0; i < s->n; i++) {
            struct jcomp *c = &s->c[i];
            int k = c->role == SDMX_ROLE_MEASURE ? 1 : c->role == SDMX_ROLE_ATTR ? 2 : 0;
            if (c->role == SDMX_ROLE_DIM && !strcmp(c->id, "TIME_PERIOD"))
                c->role = SDMX_ROLE_TIME;
            s->list[k][c->level][s->nlist[k][c->level]++] = i;
            if (k == 0)
                s->keydims[s->nkeydims++] = i;
        }
        /* Dimensions by key position (a stable insertion sort; one without
         * goes last, as the time dimension of 1.0 messages). */
        for (size_t i = 0; i < s->n; i++)
            if (s->c[i].key_pos < 0)
                s->c[i].key_pos = LONG_MAX;
        for (size_t i = 1; i < s->nkeydims; i++)
            for (size_t j = i; j > 0 && s->c[s->keydims[j - 1]].key_pos > s->c[s->keydims[j]].key_pos;
                 j--) {
                size_t t = s->keydims[j];
                s->keydims[j] = s->keydims[j - 1];
                s->keydims[j - 1] = t;
            }
    }
    /* Component ids: dimensions by key position, measures, attributes by
     * level; fields declared in that order (the structure's with --dsd). */
    for (size_t si = 0; si < r->ns; si++) {
        struct jstruct *s = &r->s[si];
        for (size_t i = 0; i < s->nkeydims; i++) {
            struct jcomp *c = &s->c[s->keydims[i]];
            if ((c->cid = sdmx_rd_cid(&r->a, c->id, strlen(c->id), c->role)) < 0 ||
                sdmx_rd_declare(&r->a, c->cid) != 0)
                return jr_sync(r);
        }
        for (int k = 1; k < 3; k++)
            for (int l = 0; l < 4; l++)
                for (size_t i = 0; i < s->nlist[k][l]; i++) {
                    struct jcomp *c = &s->c[s->list[k][l][i]];
                    if ((c->cid = sdmx_rd_cid(&r->a, c->id, strlen(c->id), c->role)) < 0 ||
                        sdmx_rd_declare(&r->a, c->cid) != 0)
                        return jr_sync(r);
                }
    }
    for (size_t i = 0; i < r->nds; i++)
        if (r->ds[i].st < 0 || (size_t)r->ds[i].st >= r->ns)
            return jr_fail(r, CONV_E_STRUCTURE, "data set %zu names structure %ld, of %zu", i,
                           r->ds[i].st, r->ns);
    char buf[300];
    snprintf(buf, sizeof buf, "SDMX-JSON %s", r->version == 2 ? "2.0" : "1.0");
    int rc = convp_reader_set_info(r->rd, "sdmx-message", buf);
    if (r->ns && r->s[0].flow)
        rc |= convp_reader_set_info(r->rd, "sdmx-dataflow", r->s[0].flow);
    if (r->ns && r->s[0].dsd)
        rc |= convp_reader_set_info(r->rd, "sdmx-structure", r->s[0].dsd);
    if (r->ns && (r->s[0].flow || r->s[0].dsd)) {
        char urn[400];
        snprintf(urn, sizeof urn, "urn:sdmx:org.sdmx.infomodel.datastructure.%s=%s",
                 r->s[0].flow ? "Dataflow" : "DataStructure",
                 r->s[0].flow ? r->s[0].flow : r->s[0].dsd);
        convp_free(r->ctx, r->rd->fields->source);
        if (!(r->rd->fields->source = convp_strdup(r->ctx, urn)))
            rc = -1;
    }
    if (rc)
        return jr_nomem(r);
    return 1;
}

static int jr_open(struct conv_reader *rd)
{
    struct jr *r = convp_calloc(rd->ctx, 1, sizeof *r);
    if (!r) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = r;
    r->rd = rd;
    r->ctx = rd->ctx;
    struct convp_buf *bufs[] = {&r->cv_id,  &r->cv_value, &r->cv_name, &r->link_rel,
                                &r->link_urn, &r->txt,    &r->key,     &r->wait_text,
                                &r->col};
    int ready = 0;
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        convp_buf_init(bufs[i], rd->ctx);
        ready |= sdmx_buf_ready(bufs[i]);
    }
    if (ready) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    if (sdmx_rd_init(&r->a, rd) != CONV_OK)
        return CONV_ERR;
    if (convp_input_random(rd->in, JR_MAX_INPUT, "SDMX-JSON message", &rd->err) != CONV_OK)
        return CONV_ERR;
    r->size = convp_input_size(rd->in);
    unsigned char bom[3];
    if (r->size >= 3 && convp_input_pread(rd->in, 0, bom, 3, &rd->err) == CONV_OK &&
        !memcmp(bom, "\xEF\xBB\xBF", 3))
        r->start = 3;
    if (r->size >= 2 && ((bom[0] == 0xFF && bom[1] == 0xFE) || (bom[0] == 0xFE && bom[1] == 0xFF))) {
        convp_error_set(&rd->err, CONV_E_ENCODING, rd->source, 1, 1,
                        "SDMX-JSON in UTF-16 is not read: save it as UTF-8");
        return CONV_ERR;
    }
    r->chunk = convp_malloc(rd->ctx, JR_CHUNK);
    if (!r->chunk) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    if (start_pass(r, 1) != 0) {
        rd->err = r->err;
        return CONV_ERR;
    }
    int rc;
    while ((rc = feed(r)) > 0) {
    }
    if (rc == 0)
        prepare(r);
    if (r->failed) {
        rd->err = r->err;
        return CONV_ERR;
    }
    if (start_pass(r, 2) != 0) {
        rd->err = r->err;
        return CONV_ERR;
    }
    return CONV_OK;
}

static int jr_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct jr *r = rd->drv;
    for (;;) {
        int rc = sdmx_rd_pop(&r->a, rec);
        if (rc != CONV_EOF)
            return rc;
        if (r->failed) {
            if (rd->err.code == CONV_E_NONE)
                rd->err = r->err;
            return CONV_ERR;
        }
        if (r->parse_done) {
            if (sdmx_rd_info_end(&r->a) != 0)
                return CONV_ERR;
            return CONV_EOF;
        }
        rc = feed(r);
        if (rc == 0)
            r->parse_done = 1;
    }
}

static void jr_close(struct conv_reader *rd)
{
    struct jr *r = rd->drv;
    if (!r)
        return;
    struct conv_context *ctx = rd->ctx;
    convp_yg_free(&r->yg);
    for (size_t si = 0; si < r->ns; si++) {
        struct jstruct *s = &r->s[si];
        for (size_t i = 0; i < s->n; i++) {
            convp_free(ctx, s->c[i].id);
            convp_free(ctx, s->c[i].vals);
            convp_free(ctx, s->c[i].vlens);
        }
        convp_free(ctx, s->c);
        for (int k = 0; k < 4; k++)
            for (int l = 0; l < 4; l++)
                convp_free(ctx, s->list[k][l]);
        convp_free(ctx, s->keydims);
        convp_free(ctx, s->flow);
        convp_free(ctx, s->dsd);
    }
    convp_free(ctx, r->s);
    convp_free(ctx, r->ds);
    convp_free(ctx, r->dsv);
    convp_free(ctx, r->dga);
    convp_free(ctx, r->dgv);
    convp_free(ctx, r->wait);
    convp_free(ctx, r->wait_obs);
    convp_free(ctx, r->chunk);
    struct convp_buf *bufs[] = {&r->cv_id,  &r->cv_value, &r->cv_name, &r->link_rel,
                                &r->link_urn, &r->txt,    &r->key,     &r->wait_text,
                                &r->col};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        convp_buf_free(bufs[i]);
    sdmx_rd_fini(&r->a);
    convp_free(ctx, r);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_sdmx_json_reader_ops = {
    .open = jr_open,
    .next = jr_next,
    .close = jr_close,
};
