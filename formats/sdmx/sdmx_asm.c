/*
 * The record assembler of the SDMX readers.  A reader puts the values it
 * parses at their level (data set, series, observation) and its groups
 * into a store; at each observation the assembler makes one record of
 * every value that applies: the observation's own, its series', the
 * attributes of each group whose partial key the observation matches
 * (found through the structure, or from the names the series carry), and
 * the data set's; the lowest level wins.  Here too: measures typed (a
 * number, a missing value, or dirty text kept and reported), codes and
 * mandatory attributes checked against the structure, and the mapping to
 * the indicator profile.  Records wait in a queue that the reader's
 * next() drains, since a parser callback makes many at once.
 */
#include "sdmx_private.h"

#include "profile/profile.h"

#include <inttypes.h>

/* ---- errors and findings ----------------------------------------------------------- */

void sdmx_rd_fail(struct sdmx_rd *a, enum conv_errcode code, uint64_t line, uint64_t col,
                  const char *fmt, ...)
{
    if (a->err.code == CONV_E_NONE) {
        va_list ap;
        va_start(ap, fmt);
        convp_error_vset(&a->err, code, a->rd->source, line, col, fmt, ap);
        va_end(ap);
        convp_error_where(&a->err, a->rd->count + (a->qtail - a->qhead) + 1, NULL, 0);
    }
    a->failed = 1;
}

static int nomem(struct sdmx_rd *a)
{
    sdmx_rd_fail(a, CONV_E_NOMEM, 0, 0, "out of memory");
    return -1;
}

int sdmx_rd_finding(struct sdmx_rd *a, enum conv_errcode code, uint64_t line, uint64_t col,
                    const char *field, const char *fmt, ...)
{
    struct conv_error d;
    memset(&d, 0, sizeof d);
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&d, code, a->rd->source, line, col, fmt, ap);
    va_end(ap);
    convp_error_where(&d, a->rd->count + (a->qtail - a->qhead) + 1, field, 0);
    if (a->strict) {
        if (a->err.code == CONV_E_NONE)
            a->err = d;
        a->failed = 1;
        return -1;
    }
    a->ndiag++;
    if (a->ndiag <= SDMX_MAX_DIAGS)
        convp_diag(a->rd->opts, &d);
    return 0;
}

/* 1 the first time a finding with this key is seen, 0 after, -1 nomem. */
static int first_seen(struct sdmx_rd *a, const char *kind, const char *name, const char *val,
                      size_t vlen)
{
    a->key.len = 0;
    if (convp_buf_append(&a->key, kind, strlen(kind)) != 0 ||
        convp_buf_putc(&a->key, '\x1f') != 0 ||
        convp_buf_append(&a->key, name, strlen(name)) != 0 ||
        convp_buf_putc(&a->key, '\x1f') != 0 || convp_buf_append(&a->key, val, vlen) != 0)
        return nomem(a);
    if (convp_schema_find_n(a->seen_diag, a->key.data, a->key.len) >= 0)
        return 0;
    if (a->seen_diag->n >= 100000)
        return 0; /* enough kinds told */
    if (convp_schema_add_name(a->seen_diag, a->key.data, a->key.len) < 0)
        return nomem(a);
    return 1;
}

/* ---- set up ------------------------------------------------------------------------ */

int sdmx_rd_init(struct sdmx_rd *a, struct conv_reader *rd)
{
    memset(a, 0, sizeof *a);
    a->rd = rd;
    a->ctx = rd->ctx;
    a->period_cid = -1;
    for (int i = 0; i < SDMX_NLEVELS; i++)
        convp_buf_init(&a->lv[i].text, rd->ctx);
    convp_buf_init(&a->gtext, rd->ctx);
    convp_buf_init(&a->key, rd->ctx);
    convp_buf_init(&a->qtext, rd->ctx);
    a->cnames = conv_schema_new(rd->ctx);
    a->seen_diag = conv_schema_new(rd->ctx);
    int ready = sdmx_buf_ready(&a->gtext) | sdmx_buf_ready(&a->key) | sdmx_buf_ready(&a->qtext);
    for (int i = 0; i < SDMX_NLEVELS; i++)
        ready |= sdmx_buf_ready(&a->lv[i].text);
    if (!a->cnames || !a->seen_diag || ready) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    if (convp_opt_flag(rd->opts, "strict", 0, &rd->err, &a->strict) != CONV_OK)
        return CONV_ERR;
    a->lang = convp_opt_str(rd->opts, "sdmx-lang", "en");
    if (sdmx_map_init(&a->map, rd->ctx, rd->opts, &rd->err) != CONV_OK)
        return CONV_ERR;
    const char *declared = convp_opt_str(rd->opts, "profile", NULL);
    const char *prof = convp_opt_str(rd->opts, "sdmx-profile", declared);
    if (prof) {
        a->profile = convp_profile_find(prof);
        if (!a->profile || strcmp(prof, "indicators")) {
            convp_error_set(&rd->err, CONV_E_USAGE, NULL, 0, 0,
                            "SDMX maps to the indicators profile only, not '%s'", prof);
            return CONV_ERR;
        }
        a->map_on = 1;
        a->declared = declared != NULL;
    }
    const char *dsd = convp_opt_str(rd->opts, "dsd", NULL);
    if (dsd && !(a->dsd = sdmx_dsd_load(rd->ctx, dsd, &rd->err)))
        return CONV_ERR;
    return CONV_OK;
}

void sdmx_rd_fini(struct sdmx_rd *a)
{
    if (!a->ctx)
        return;
    struct conv_context *ctx = a->ctx;
    for (size_t i = 0; i < a->nc; i++)
        convp_free(ctx, a->c[i].name);
    convp_free(ctx, a->c);
    conv_schema_free(a->cnames);
    conv_schema_free(a->seen_diag);
    for (int i = 0; i < SDMX_NLEVELS; i++) {
        convp_free(ctx, a->lv[i].v);
        convp_buf_free(&a->lv[i].text);
    }
    convp_free(ctx, a->gkv);
    convp_buf_free(&a->gtext);
    for (size_t i = 0; i < a->ngrp; i++)
        convp_free(ctx, a->grp[i].type);
    convp_free(ctx, a->grp);
    for (size_t i = 0; i < a->nsigs; i++)
        convp_free(ctx, a->sigs[i].cids);
    convp_free(ctx, a->sigs);
    convp_free(ctx, a->ghash);
    convp_free(ctx, a->obs);
    convp_free(ctx, a->cstamp);
    convp_free(ctx, a->fstamp);
    convp_buf_free(&a->key);
    convp_free(ctx, a->q);
    convp_free(ctx, a->qv);
    convp_buf_free(&a->qtext);
    sdmx_map_fini(&a->map);
    sdmx_dsd_free(a->dsd);
    memset(a, 0, sizeof *a);
}

/* ---- components ------------------------------------------------------------------- */

long sdmx_rd_cid(struct sdmx_rd *a, const char *name, size_t len, enum sdmx_role role)
{
    long k = convp_schema_find_n(a->cnames, name, len);
    if (k >= 0) {
        struct sdmx_cinfo *c = &a->c[k];
        if (c->comp < 0 && (c->role == SDMX_ROLE_UNKNOWN || c->role == SDMX_ROLE_ATTR) &&
            role != SDMX_ROLE_UNKNOWN && role != SDMX_ROLE_ATTR)
            c->role = role;
        return k;
    }
    if (a->nc >= SDMX_MAX_COMPONENTS) {
        sdmx_rd_fail(a, CONV_E_LIMIT, 0, 0, "more than %d component names",
                     SDMX_MAX_COMPONENTS);
        return -1;
    }
    /* Names that are no ids (an SDMX-CSV custom column "LAST UPDATE")
     * are kept as they are: writing SDMX asks for ids. */
    if (len == 0) {
        sdmx_rd_fail(a, CONV_E_SYNTAX, 0, 0, "a component without a name");
        return -1;
    }
    if (a->nc == a->capc &&
        convp_array_grow(a->ctx, (void **)&a->c, a->nc, &a->capc, sizeof *a->c) != 0)
        return nomem(a);
    struct sdmx_cinfo *c = &a->c[a->nc];
    memset(c, 0, sizeof *c);
    if (!(c->name = convp_strndup(a->ctx, name, len)))
        return nomem(a);
    c->len = len;
    c->field = -1;
    c->comp = sdmx_struct_find(a->st, name, len);
    if (c->comp >= 0) {
        c->role = a->st->comps[c->comp].role;
    } else if (a->st) {
        /* The structure is the field set: nothing else may come. */
        sdmx_rd_fail(a, CONV_E_SCHEMA, 0, 0,
                     "component '%s' is not in the structure %s:%s(%s)", c->name,
                     a->st->agency ? a->st->agency : "", a->st->id ? a->st->id : "",
                     a->st->version ? a->st->version : "");
        convp_free(a->ctx, c->name);
        return -1;
    } else {
        c->role = role;
        if (len >= 9 && !memcmp(name, "OBS_VALUE", 9))
            c->role = SDMX_ROLE_MEASURE;
        else if (len == 11 && !memcmp(name, "TIME_PERIOD", 11))
            c->role = SDMX_ROLE_TIME;
    }
    c->konst = sdmx_map_const(&a->map, name, len);
    if (a->map_on) {
        c->rename = sdmx_map_to_field(&a->map, name, len);
        c->is_status = c->rename && !strcmp(c->rename, "status");
        c->is_freq = !c->rename && len == 4 && !memcmp(name, "FREQ", 4);
        c->is_period = c->rename && !strcmp(c->rename, "period");
    }
    if (convp_schema_add_name(a->cnames, name, len) < 0) {
        convp_free(a->ctx, c->name);
        return nomem(a);
    }
    if (c->role == SDMX_ROLE_TIME || c->is_period)
        a->period_cid = (long)a->nc;
    return (long)a->nc++;
}

/* The field a component's values go to: registered on first use. */
static long field_of(struct sdmx_rd *a, long cid)
{
    struct sdmx_cinfo *c = &a->c[cid];
    if (c->field >= 0)
        return c->field;
    const char *name = c->rename ? c->rename : c->name;
    size_t len = strlen(name);
    long f = convp_schema_find_n(a->rd->fields, name, len);
    if (f < 0) {
        if (a->rd->fields_fixed) {
            sdmx_rd_fail(a, CONV_E_SCHEMA, 0, 0, "component '%s' is not in the structure",
                         c->name);
            return -1;
        }
        f = convp_schema_add_name(a->rd->fields, name, len);
        if (f < 0)
            return nomem(a);
    }
    c->field = f;
    return f;
}

int sdmx_rd_declare(struct sdmx_rd *a, long cid)
{
    const struct sdmx_cinfo *c = &a->c[cid];
    if (a->map_on && !c->rename && (c->is_freq || c->konst))
        return 0; /* given out only if a value is kept */
    return field_of(a, cid) < 0 ? -1 : 0;
}

int sdmx_rd_use_struct(struct sdmx_rd *a, const char *agency, const char *id,
                       const char *version)
{
    if (!a->dsd || a->st)
        return 0;
    a->st = sdmx_dsd_pick(a->dsd, agency, id, version);
    if (!a->st)
        return 0;
    /* Names met before (an SDMX-CSV header) become its components. */
    for (size_t k = 0; k < a->nc; k++) {
        struct sdmx_cinfo *c = &a->c[k];
        c->comp = sdmx_struct_find(a->st, c->name, c->len);
        if (c->comp < 0) {
            sdmx_rd_fail(a, CONV_E_SCHEMA, 0, 0,
                         "component '%s' is not in the structure %s:%s(%s)", c->name,
                         a->st->agency ? a->st->agency : "", a->st->id ? a->st->id : "",
                         a->st->version ? a->st->version : "");
            return -1;
        }
        c->role = a->st->comps[c->comp].role;
        if (c->role == SDMX_ROLE_TIME)
            a->period_cid = (long)k;
    }
    /* The structure's components are the fields, in its order; a
     * profile's own fields come from the declared schema instead. */
    for (size_t i = 0; i < a->st->n; i++) {
        const struct sdmx_comp *comp = &a->st->comps[i];
        long cid = sdmx_rd_cid(a, comp->id, strlen(comp->id), comp->role);
        if (cid < 0 || sdmx_rd_declare(a, cid) != 0)
            return -1;
    }
    if (!a->map_on)
        a->rd->fields_fixed = 1;
    return 0;
}

/* ---- levels ---------------------------------------------------------------------- */

int sdmx_rd_put(struct sdmx_rd *a, enum sdmx_level lv, long cid, const char *text, size_t len,
                int null, uint64_t line, uint32_t col)
{
    struct sdmx_level_vals *l = &a->lv[lv];
    if (len > SDMX_MAX_VALUE) {
        sdmx_rd_fail(a, CONV_E_LIMIT, line, col, "value of '%s' longer than %zu bytes",
                     a->c[cid].name, SDMX_MAX_VALUE);
        return -1;
    }
    if (l->n == l->cap &&
        convp_array_grow(a->ctx, (void **)&l->v, l->n, &l->cap, sizeof *l->v) != 0)
        return nomem(a);
    struct sdmx_kv *kv = &l->v[l->n];
    kv->cid = (uint32_t)cid;
    kv->line = line;
    kv->col = col;
    kv->off = l->text.len;
    kv->len = len;
    kv->null = (unsigned char)(null || len == 0);
    if (convp_buf_append(&l->text, text, len) != 0)
        return nomem(a);
    l->n++;
    return 0;
}

void sdmx_rd_clear(struct sdmx_rd *a, enum sdmx_level lv)
{
    a->lv[lv].n = 0;
    a->lv[lv].text.len = 0;
}

/* ---- groups ------------------------------------------------------------------------ */

int sdmx_rd_group_begin(struct sdmx_rd *a, const char *type, size_t tlen, int explicit_key)
{
    if (a->ngrp >= SDMX_MAX_GROUPS) {
        sdmx_rd_fail(a, CONV_E_LIMIT, 0, 0, "more than %d groups", SDMX_MAX_GROUPS);
        return -1;
    }
    if (a->ngrp == a->capgrp &&
        convp_array_grow(a->ctx, (void **)&a->grp, a->ngrp, &a->capgrp, sizeof *a->grp) != 0)
        return nomem(a);
    struct sdmx_grp *g = &a->grp[a->ngrp];
    memset(g, 0, sizeof *g);
    g->first = a->ngkv;
    g->sig = SIZE_MAX;
    g->next = SIZE_MAX;
    g->explicit_key = explicit_key;
    if (type && !(g->type = convp_strndup(a->ctx, type, tlen)))
        return nomem(a);
    a->ngrp++;
    a->groups_ready = 0;
    return 0;
}

void sdmx_rd_groups_reset(struct sdmx_rd *a)
{
    for (size_t i = 0; i < a->ngrp; i++)
        convp_free(a->ctx, a->grp[i].type);
    for (size_t i = 0; i < a->nsigs; i++)
        convp_free(a->ctx, a->sigs[i].cids);
    convp_free(a->ctx, a->sigs);
    convp_free(a->ctx, a->ghash);
    a->sigs = NULL;
    a->ghash = NULL;
    a->nsigs = a->ngrp = a->ngkv = 0;
    a->ghash_mask = 0;
    a->gtext.len = 0;
    a->groups_ready = 0;
}

int sdmx_rd_group_put(struct sdmx_rd *a, long cid, const char *text, size_t len, int is_key)
{
    if (!a->ngrp)
        return 0; /* a group key or attributes outside a group: nothing to attach to */
    struct sdmx_grp *g = &a->grp[a->ngrp - 1];
    if (len > SDMX_MAX_VALUE || a->gtext.len > ((size_t)256 << 20)) {
        sdmx_rd_fail(a, CONV_E_LIMIT, 0, 0, "groups larger than 256 MiB");
        return -1;
    }
    if (a->ngkv == a->capgkv &&
        convp_array_grow(a->ctx, (void **)&a->gkv, a->ngkv, &a->capgkv, sizeof *a->gkv) != 0)
        return nomem(a);
    /* Keys first: an attribute given before a key moves after it. */
    size_t at = a->ngkv;
    if (is_key) {
        at = g->first + g->nkey;
        memmove(&a->gkv[at + 1], &a->gkv[at], (a->ngkv - at) * sizeof *a->gkv);
        g->nkey++;
    } else {
        g->nattr++;
    }
    struct sdmx_kv *kv = &a->gkv[at];
    memset(kv, 0, sizeof *kv);
    kv->cid = (uint32_t)cid;
    kv->off = a->gtext.len;
    kv->len = len;
    kv->null = (unsigned char)(len == 0);
    if (convp_buf_append(&a->gtext, text, len) != 0)
        return nomem(a);
    a->ngkv++;
    return 0;
}

static uint64_t hash_bytes(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static size_t sig_find_or_add(struct sdmx_rd *a, const uint32_t *cids, size_t n)
{
    for (size_t i = 0; i < a->nsigs; i++)
        if (a->sigs[i].n == n && !memcmp(a->sigs[i].cids, cids, n * sizeof *cids))
            return i;
    if (a->nsigs >= 64) {
        sdmx_rd_fail(a, CONV_E_LIMIT, 0, 0, "groups over more than 64 different keys");
        return SIZE_MAX;
    }
    struct sdmx_sig *s = convp_realloc(a->ctx, a->sigs, (a->nsigs + 1) * sizeof *s);
    if (!s) {
        nomem(a);
        return SIZE_MAX;
    }
    a->sigs = s;
    uint32_t *c = convp_malloc(a->ctx, (n ? n : 1) * sizeof *c);
    if (!c) {
        nomem(a);
        return SIZE_MAX;
    }
    memcpy(c, cids, n * sizeof *c);
    s[a->nsigs].cids = c;
    s[a->nsigs].n = n;
    return a->nsigs++;
}

/* Is cid a dimension the current observation carries (its key)? */
static int in_key(const struct sdmx_rd *a, uint32_t cid)
{
    const struct sdmx_cinfo *c = &a->c[cid];
    if (c->role == SDMX_ROLE_MEASURE || c->role == SDMX_ROLE_ATTR)
        return 0;
    return a->cstamp && cid < a->capcstamp && a->cstamp[cid] == a->serial;
}

/* The key of group g as one string (sig index, then values), in a->key. */
static int group_key(struct sdmx_rd *a, const struct sdmx_grp *g)
{
    a->key.len = 0;
    char head[24];
    int hn = snprintf(head, sizeof head, "%zu\x1f", g->sig);
    if (convp_buf_append(&a->key, head, (size_t)hn) != 0)
        return nomem(a);
    for (size_t i = 0; i < g->nkey; i++) {
        const struct sdmx_kv *kv = &a->gkv[g->first + i];
        if (convp_buf_append(&a->key, a->gtext.data + kv->off, kv->len) != 0 ||
            convp_buf_putc(&a->key, '\x1f') != 0)
            return nomem(a);
    }
    return 0;
}

static int ghash_insert(struct sdmx_rd *a, size_t gi)
{
    if (!a->ghash || a->ngrp * 2 > a->ghash_mask + 1) {
        size_t cap = 64;
        while (cap < a->ngrp * 4)
            cap *= 2;
        size_t *h = convp_malloc(a->ctx, cap * sizeof *h);
        if (!h)
            return nomem(a);
        for (size_t i = 0; i < cap; i++)
            h[i] = SIZE_MAX;
        convp_free(a->ctx, a->ghash);
        a->ghash = h;
        a->ghash_mask = cap - 1;
        /* Re-hash the groups resolved before this one. */
        for (size_t i = 0; i < a->ngrp; i++)
            a->grp[i].next = SIZE_MAX;
        for (size_t i = 0; i < gi; i++) {
            if (a->grp[i].sig == SIZE_MAX)
                continue;
            if (group_key(a, &a->grp[i]) != 0)
                return -1;
            size_t b = (size_t)hash_bytes(a->key.data, a->key.len, UINT64_C(14695981039346656037)) &
                       a->ghash_mask;
            a->grp[i].next = a->ghash[b];
            a->ghash[b] = i;
        }
    }
    if (group_key(a, &a->grp[gi]) != 0)
        return -1;
    size_t b =
        (size_t)hash_bytes(a->key.data, a->key.len, UINT64_C(14695981039346656037)) & a->ghash_mask;
    a->grp[gi].next = a->ghash[b];
    a->ghash[b] = gi;
    return 0;
}

/* Which of each group's values are its key: what the message said, the
 * structure's group definition, or else the names the observation
 * carries as its key.  Then the group goes into the hash by its key. */
static int resolve_groups(struct sdmx_rd *a)
{
    for (size_t gi = 0; gi < a->ngrp; gi++) {
        struct sdmx_grp *g = &a->grp[gi];
        if (g->sig != SIZE_MAX)
            continue;
        if (!g->explicit_key) {
            const struct sdmx_group *def = NULL;
            for (size_t k = 0; a->st && g->type && k < a->st->ngroups; k++)
                if (!strcmp(a->st->groups[k].id, g->type))
                    def = &a->st->groups[k];
            /* Partition: key values first. */
            size_t nk = 0, total = g->nkey + g->nattr;
            for (size_t i = 0; i < total; i++) {
                struct sdmx_kv kv = a->gkv[g->first + i];
                int key = 0;
                if (def) {
                    for (size_t d = 0; d < def->ndims; d++)
                        if ((long)def->dims[d] == a->c[kv.cid].comp)
                            key = 1;
                } else {
                    key = in_key(a, kv.cid);
                }
                if (key) {
                    memmove(&a->gkv[g->first + nk + 1], &a->gkv[g->first + nk],
                            (i - nk) * sizeof kv);
                    a->gkv[g->first + nk] = kv;
                    nk++;
                }
            }
            g->nkey = nk;
            g->nattr = total - nk;
        }
        /* The key in cid order, so that equal keys compare equal. */
        for (size_t i = 1; i < g->nkey; i++)
            for (size_t j = i; j > 0 && a->gkv[g->first + j - 1].cid > a->gkv[g->first + j].cid;
                 j--) {
                struct sdmx_kv t = a->gkv[g->first + j];
                a->gkv[g->first + j] = a->gkv[g->first + j - 1];
                a->gkv[g->first + j - 1] = t;
            }
        uint32_t cids[256];
        size_t n = g->nkey < 256 ? g->nkey : 256;
        for (size_t i = 0; i < n; i++)
            cids[i] = a->gkv[g->first + i].cid;
        g->nkey = n;
        g->sig = sig_find_or_add(a, cids, n);
        if (g->sig == SIZE_MAX || ghash_insert(a, gi) != 0)
            return -1;
    }
    a->groups_ready = 1;
    return 0;
}

/* ---- one observation ----------------------------------------------------------------- */

static int obs_add(struct sdmx_rd *a, const struct sdmx_kv *kv, enum sdmx_level lv)
{
    if (a->nobs == a->capobs &&
        convp_array_grow(a->ctx, (void **)&a->obs, a->nobs, &a->capobs, sizeof *a->obs) != 0)
        return nomem(a);
    a->obs[a->nobs] = *kv;
    /* The level goes in the spare bits of col's neighbour: off keeps the
     * offset, line's top byte the level (lines never get that far). */
    a->obs[a->nobs].line = (kv->line & ~(UINT64_C(0xFF) << 56)) | ((uint64_t)lv << 56);
    a->nobs++;
    if (kv->cid >= a->capcstamp) {
        size_t cap = a->capcstamp ? a->capcstamp : 64;
        while (cap <= kv->cid)
            cap *= 2;
        uint64_t *s = convp_realloc(a->ctx, a->cstamp, cap * sizeof *s);
        if (!s)
            return nomem(a);
        memset(s + a->capcstamp, 0, (cap - a->capcstamp) * sizeof *s);
        a->cstamp = s;
        a->capcstamp = cap;
    }
    a->cstamp[kv->cid] = a->serial;
    return 0;
}

static const char *kv_text(const struct sdmx_rd *a, const struct sdmx_kv *kv)
{
    enum sdmx_level lv = (enum sdmx_level)(kv->line >> 56);
    return lv == SDMX_LV_GROUP ? a->gtext.data + kv->off : a->lv[lv].text.data + kv->off;
}

static int is_dimlike(enum sdmx_role r)
{
    return r == SDMX_ROLE_DIM || r == SDMX_ROLE_TIME || r == SDMX_ROLE_UNKNOWN;
}

static int gather(struct sdmx_rd *a)
{
    static const enum sdmx_level key_levels[] = {SDMX_LV_DATASET, SDMX_LV_SERIES, SDMX_LV_OBS};
    static const enum sdmx_level attr_levels[] = {SDMX_LV_OBS, SDMX_LV_SERIES, SDMX_LV_DATASET};
    a->nobs = 0;
    a->serial++;
    for (size_t k = 0; k < 3; k++) {
        const struct sdmx_level_vals *l = &a->lv[key_levels[k]];
        for (size_t i = 0; i < l->n; i++)
            if (is_dimlike(a->c[l->v[i].cid].role) && obs_add(a, &l->v[i], key_levels[k]) != 0)
                return -1;
    }
    const struct sdmx_level_vals *o = &a->lv[SDMX_LV_OBS];
    for (size_t i = 0; i < o->n; i++)
        if (a->c[o->v[i].cid].role == SDMX_ROLE_MEASURE &&
            obs_add(a, &o->v[i], SDMX_LV_OBS) != 0)
            return -1;
    for (size_t k = 0; k < 3; k++) {
        if (attr_levels[k] == SDMX_LV_DATASET && a->ngrp) {
            /* Groups before the data set: a group's value is nearer. */
            if (!a->groups_ready && resolve_groups(a) != 0)
                return -1;
            for (size_t s = 0; s < a->nsigs; s++) {
                const struct sdmx_sig *sg = &a->sigs[s];
                a->key.len = 0;
                char head[24];
                int hn = snprintf(head, sizeof head, "%zu\x1f", s);
                if (convp_buf_append(&a->key, head, (size_t)hn) != 0)
                    return nomem(a);
                int whole = 1;
                for (size_t j = 0; j < sg->n && whole; j++) {
                    const struct sdmx_kv *hit = NULL;
                    for (size_t i = 0; i < a->nobs; i++)
                        if (a->obs[i].cid == sg->cids[j])
                            hit = &a->obs[i];
                    if (!hit) {
                        whole = 0;
                        break;
                    }
                    if (convp_buf_append(&a->key, kv_text(a, hit), hit->len) != 0 ||
                        convp_buf_putc(&a->key, '\x1f') != 0)
                        return nomem(a);
                }
                if (!whole)
                    continue;
                size_t b = (size_t)hash_bytes(a->key.data, a->key.len,
                                              UINT64_C(14695981039346656037)) &
                           a->ghash_mask;
                /* The probe key lives in a->key; group_key() below reuses
                 * it, so keep a copy. */
                size_t klen = a->key.len;
                char kbuf[512];
                char *kcopy = klen <= sizeof kbuf ? kbuf : convp_malloc(a->ctx, klen);
                if (!kcopy)
                    return nomem(a);
                memcpy(kcopy, a->key.data, klen);
                for (size_t gi = a->ghash[b]; gi != SIZE_MAX; gi = a->grp[gi].next) {
                    const struct sdmx_grp *g = &a->grp[gi];
                    if (g->sig != s)
                        continue;
                    if (group_key(a, g) != 0) {
                        if (kcopy != kbuf)
                            convp_free(a->ctx, kcopy);
                        return -1;
                    }
                    if (a->key.len != klen || memcmp(a->key.data, kcopy, klen))
                        continue;
                    for (size_t i = 0; i < g->nattr; i++) {
                        struct sdmx_kv kv = a->gkv[g->first + g->nkey + i];
                        if (obs_add(a, &kv, SDMX_LV_GROUP) != 0) {
                            if (kcopy != kbuf)
                                convp_free(a->ctx, kcopy);
                            return -1;
                        }
                    }
                }
                if (kcopy != kbuf)
                    convp_free(a->ctx, kcopy);
            }
        }
        const struct sdmx_level_vals *l = &a->lv[attr_levels[k]];
        for (size_t i = 0; i < l->n; i++)
            if (a->c[l->v[i].cid].role == SDMX_ROLE_ATTR &&
                obs_add(a, &l->v[i], attr_levels[k]) != 0)
                return -1;
    }
    return 0;
}

/* ---- checks ------------------------------------------------------------------------ */

static int check_code(struct sdmx_rd *a, const struct sdmx_cinfo *c, const char *t, size_t n,
                      uint64_t line, uint32_t col)
{
    const struct sdmx_comp *comp = &a->st->comps[c->comp];
    if (sdmx_dsd_code_ok(a->dsd, comp, t, n))
        return 0;
    int first = first_seen(a, "code", c->name, t, n);
    if (first <= 0)
        return first;
    return sdmx_rd_finding(a, CONV_E_SCHEMA, line, col, c->name,
                           "%s: code '%.*s' is not in the code list %s", c->name,
                           (int)(n > 60 ? 60 : n), t, comp->enum_ref ? comp->enum_ref : "");
}

static int check_mandatory(struct sdmx_rd *a, uint64_t line)
{
    for (size_t i = 0; i < a->st->n; i++) {
        const struct sdmx_comp *comp = &a->st->comps[i];
        if (!comp->mandatory)
            continue;
        long cid = convp_schema_find_n(a->cnames, comp->id, strlen(comp->id));
        int has = 0;
        for (size_t j = 0; cid >= 0 && j < a->nobs && !has; j++)
            has = (long)a->obs[j].cid == cid && !a->obs[j].null;
        if (has)
            continue;
        int first = first_seen(a, "mandatory", comp->id, "", 0);
        if (first < 0)
            return -1;
        if (first &&
            sdmx_rd_finding(a, CONV_E_SCHEMA, line, 0, comp->id,
                            "mandatory attribute %s has no value (reported once)", comp->id) != 0)
            return -1;
    }
    return 0;
}

static int check_dirty(struct sdmx_rd *a, const struct sdmx_cinfo *c, const char *t, size_t n,
                       uint64_t line, uint32_t col)
{
    a->ndirty++;
    if (a->ndirty == 1)
        snprintf(a->dirty_first, sizeof a->dirty_first, "%s '%.*s' (line %" PRIu64 ")", c->name,
                 (int)(n > 60 ? 60 : n), t, line);
    return sdmx_rd_finding(a, CONV_E_TYPE, line, col, c->name,
                           "%s: '%.*s' is not a number (kept as text)", c->name,
                           (int)(n > 60 ? 60 : n), t);
}

/* ---- the queue ----------------------------------------------------------------------- */

static int q_value(struct sdmx_rd *a, long field, enum conv_type type, const char *t, size_t n,
                   uint64_t line, uint32_t col)
{
    if (a->nqv == a->capqv &&
        convp_array_grow(a->ctx, (void **)&a->qv, a->nqv, &a->capqv, sizeof *a->qv) != 0)
        return nomem(a);
    struct sdmx_qval *v = &a->qv[a->nqv++];
    v->field = (uint32_t)field;
    v->type = type;
    v->line = line;
    v->col = col;
    v->off = a->qtext.len;
    v->len = n;
    if (convp_buf_append(&a->qtext, t, n) != 0 || convp_buf_putc(&a->qtext, '\0') != 0)
        return nomem(a);
    return 0;
}

int sdmx_rd_queued(const struct sdmx_rd *a)
{
    return a->qtail > a->qhead;
}

int sdmx_rd_pop(struct sdmx_rd *a, struct conv_record *rec)
{
    if (a->qhead == a->qtail) {
        a->qhead = a->qtail = 0;
        a->nqv = 0;
        a->qtext.len = 0;
        return CONV_EOF;
    }
    const struct sdmx_qrec *q = &a->q[a->qhead++];
    for (size_t i = 0; i < q->n; i++) {
        const struct sdmx_qval *v = &a->qv[q->first + i];
        struct convp_slot *slot = convp_record_push(rec);
        if (!slot) {
            convp_error_set(&a->rd->err, CONV_E_NOMEM, a->rd->source, v->line, v->col,
                            "out of memory");
            return CONV_ERR;
        }
        slot->field = v->field;
        slot->line = v->line;
        slot->column = v->col;
        slot->value.type = v->type;
        slot->value.flags = 0;
        slot->value.len = v->len;
        slot->value.text = a->qtext.data + v->off;
    }
    rec->line = q->line;
    return CONV_OK;
}

/* ---- emitting ------------------------------------------------------------------------ */

static int drop_value(struct sdmx_rd *a, const struct sdmx_cinfo *c, const char *t, size_t n,
                      const char *period, size_t pn)
{
    if (c->konst && strlen(c->konst) == n && !memcmp(c->konst, t, n))
        return 1;
    if (c->is_freq && period) {
        const char *f = sdmx_freq_of_period(period, pn);
        if (f && strlen(f) == n && !memcmp(f, t, n))
            return 1;
    }
    (void)a;
    return 0;
}

int sdmx_rd_emit(struct sdmx_rd *a, uint64_t line)
{
    if (a->failed)
        return -1;
    if (gather(a) != 0)
        return -1;
    if (a->st && check_mandatory(a, line) != 0)
        return -1;
    const char *period = NULL;
    size_t pn = 0;
    for (size_t i = 0; a->map_on && i < a->nobs; i++)
        if ((long)a->obs[i].cid == a->period_cid && !a->obs[i].null) {
            period = kv_text(a, &a->obs[i]);
            pn = a->obs[i].len;
        }
    size_t first = a->nqv;
    for (size_t i = 0; i < a->nobs; i++) {
        const struct sdmx_kv *kv = &a->obs[i];
        struct sdmx_cinfo *c = &a->c[kv->cid];
        const char *t = kv_text(a, kv);
        size_t n = kv->len;
        uint64_t vline = kv->line & ~(UINT64_C(0xFF) << 56);
        if (!kv->null && drop_value(a, c, t, n, period, pn))
            continue;
        if (a->map_on && a->declared && !c->rename &&
            convp_profile_field(a->profile, c->name) < 0) {
            if (kv->null)
                continue;
            sdmx_rd_fail(a, CONV_E_SCHEMA, vline, kv->col,
                         "component %s is no field of the indicators profile: map it "
                         "(--sdmx-map FIELD=%s) or give its value (--sdmx-set %s=%.*s)",
                         c->name, c->name, c->name, (int)(n > 40 ? 40 : n), t);
            return -1;
        }
        long f = field_of(a, (long)kv->cid);
        if (f < 0)
            return -1;
        if ((size_t)f >= a->capfstamp) {
            size_t cap = a->capfstamp ? a->capfstamp : 64;
            while (cap <= (size_t)f)
                cap *= 2;
            uint64_t *s = convp_realloc(a->ctx, a->fstamp, cap * sizeof *s);
            if (!s)
                return nomem(a);
            memset(s + a->capfstamp, 0, (cap - a->capfstamp) * sizeof *s);
            a->fstamp = s;
            a->capfstamp = cap;
        }
        if (a->fstamp[f] == a->serial)
            continue; /* given at a lower level already */
        a->fstamp[f] = a->serial;
        enum conv_type type = kv->null ? CONV_NULL : CONV_STRING;
        if (c->role == SDMX_ROLE_MEASURE && !kv->null) {
            enum sdmx_vkind k = sdmx_classify(t, n, &type);
            if (k == SDMX_V_DIRTY && check_dirty(a, c, t, n, vline, kv->col) != 0)
                return -1;
        } else if (!kv->null && c->comp >= 0 && a->st->comps[c->comp].codelist >= 0 &&
                   check_code(a, c, t, n, vline, kv->col) != 0) {
            return -1;
        }
        if (type == CONV_NULL) {
            t = "";
            n = 0;
        } else if (c->is_status) {
            const char *w = sdmx_status_from_code(t, n);
            if (w) {
                t = w;
                n = strlen(w);
            }
        }
        if (q_value(a, f, type, t, n, vline, kv->col) != 0)
            return -1;
    }
    if (a->qtail == a->capq &&
        convp_array_grow(a->ctx, (void **)&a->q, a->qtail, &a->capq, sizeof *a->q) != 0)
        return nomem(a);
    /* Values in field order: one column order whatever the levels. */
    size_t nv = a->nqv - first;
    struct sdmx_qval *v = nv ? a->qv + first : NULL;
    for (size_t i = 1; i < nv; i++)
        for (size_t j = i; j > 0 && v[j - 1].field > v[j].field; j--) {
            struct sdmx_qval t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    struct sdmx_qrec *q = &a->q[a->qtail++];
    q->first = first;
    q->n = nv;
    q->line = line;
    a->nobs_total++;
    return 0;
}

/* ---- what conv-info tells ------------------------------------------------------------- */

static int info_list(struct sdmx_rd *a, const char *key, int want)
{
    struct convp_buf b;
    convp_buf_init(&b, a->ctx);
    int rc = 0;
    for (size_t i = 0; i < a->nc; i++) {
        const struct sdmx_cinfo *c = &a->c[i];
        int r = c->role == SDMX_ROLE_TIME ? SDMX_ROLE_DIM : (int)c->role;
        if (r != want)
            continue;
        if ((b.len && convp_buf_append(&b, ", ", 2) != 0) ||
            convp_buf_append(&b, c->name, c->len) != 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && b.len)
        rc = convp_reader_set_info(a->rd, key, convp_buf_cstr(&b));
    convp_buf_free(&b);
    return rc;
}

int sdmx_rd_info_end(struct sdmx_rd *a)
{
    char num[64];
    if (a->nseries) {
        snprintf(num, sizeof num, "%" PRIu64, a->nseries);
        if (convp_reader_set_info(a->rd, "sdmx-series", num) != 0)
            return -1;
    }
    snprintf(num, sizeof num, "%" PRIu64, a->nobs_total);
    if (convp_reader_set_info(a->rd, "sdmx-observations", num) != 0)
        return -1;
    char dirty[220];
    if (a->ndirty)
        snprintf(dirty, sizeof dirty, "%" PRIu64 " (first: %s)", a->ndirty, a->dirty_first);
    else
        snprintf(dirty, sizeof dirty, "0");
    if (convp_reader_set_info(a->rd, "sdmx-dirty-values", dirty) != 0)
        return -1;
    if (info_list(a, "sdmx-dimensions", SDMX_ROLE_DIM) != 0 ||
        info_list(a, "sdmx-measures", SDMX_ROLE_MEASURE) != 0 ||
        info_list(a, "sdmx-attributes", SDMX_ROLE_ATTR) != 0 ||
        info_list(a, "sdmx-series-components", SDMX_ROLE_UNKNOWN) != 0)
        return -1;
    if (a->ngrp) {
        snprintf(num, sizeof num, "%zu", a->ngrp);
        if (convp_reader_set_info(a->rd, "sdmx-groups", num) != 0)
            return -1;
    }
    return 0;
}
