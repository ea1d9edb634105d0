/*
 * Structure messages (--dsd FILE): the data structure definitions, their
 * groups, the attributes' attachment and assignment status, the code
 * lists and the dataflows of an SDMX-ML 2.1 (or 3.0) structure message,
 * read through the hardened XML parser (formats/xmlsafe/).  Nothing a
 * message refers to by URL is fetched: a code list that is only a
 * reference (isExternalReference) simply validates nothing.
 */
#include "sdmx_private.h"
#include "xmlsafe.h"

#include <errno.h>

#define DSD_MAX_TEXT ((size_t)64 << 10)

/* What an attribute's relationship said, until every dimension is known. */
struct pend {
    char **dims;
    size_t ndims;
    char *group; /* Group or AttachmentGroup */
    int kind;    /* 0 none given, 1 data set, 2 observation, 3 dimensions, 4 group */
};

struct dp {
    struct convp_xs xs; /* first: the SAX user data */
    struct sdmx_dsd *d;
    xmlSAXHandler sax;
    const xmlChar *stack[CONVP_XS_MAX_DEPTH];
    size_t depth;
    struct convp_buf text;
    int text_on;
    /* where we are */
    struct sdmx_struct *st; /* the DataStructure open */
    struct pend *pend;      /* per component of st */
    size_t capcomps;
    long comp;           /* the component open, or -1 */
    struct sdmx_group *grp; /* the Group definition open */
    struct sdmx_codelist *cl; /* the Codelist open */
    int in_flow;
    char *flow_ref; /* the Dataflow open: "AGENCY:ID(VERSION)" */
    char **flow_of; /* per dataflow: "AGENCY:ID(VERSION)" of its structure */
    char **flow_name;
    size_t nflows, capflows;
    size_t capstructs, capcls;
};

static void dp_nomem(struct dp *p)
{
    convp_xs_fail(&p->xs, CONV_E_NOMEM, "out of memory");
}

static char *dp_strdup(struct dp *p, const char *s, size_t n)
{
    char *r = convp_strndup(p->d->ctx, s ? s : "", s ? n : 0);
    if (!r)
        dp_nomem(p);
    return r;
}

static int is(const xmlChar *a, const char *b)
{
    return a && !strcmp((const char *)a, b);
}

/* The local name depth levels up (0: the element itself). */
static const xmlChar *up(const struct dp *p, size_t k)
{
    return p->depth > k ? p->stack[p->depth - 1 - k] : NULL;
}

/* "AGENCY:ID(VERSION)" made of three parts (version may be NULL). */
static char *make_ref(struct dp *p, const char *agency, const char *id, const char *version)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s:%s(%s)", agency ? agency : "", id ? id : "",
             version && *version ? version : "1.0");
    return dp_strdup(p, buf, strlen(buf));
}

/* The "AGENCY:ID(VERSION)" of a URN ("urn:...Codelist=ISO:CL_CURRENCY(1.0)"),
 * or of the trimmed text itself; *tail gets what follows ")." (a concept's
 * id), when asked. */
static char *ref_of_urn(struct dp *p, const char *s, size_t n, char **tail)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    const char *eq = memchr(s, '=', n);
    if (eq) {
        n -= (size_t)(eq + 1 - s);
        s = eq + 1;
    }
    const char *close = memchr(s, ')', n);
    if (tail) {
        *tail = NULL;
        if (close && (size_t)(close - s) + 2 < n && close[1] == '.')
            *tail = dp_strdup(p, close + 2, n - (size_t)(close + 2 - s));
    }
    return dp_strdup(p, s, close ? (size_t)(close + 1 - s) : n);
}

static int grow(struct dp *p, void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    if (convp_array_grow(p->d->ctx, v, n, cap, size) != 0) {
        dp_nomem(p);
        return -1;
    }
    return 0;
}

static int pend_add_dim(struct dp *p, struct pend *pe, const char *s, size_t n)
{
    size_t cap = pe->ndims; /* grown one at a time: relationships are short */
    char **v = convp_realloc(p->d->ctx, pe->dims, (cap + 1) * sizeof *v);
    if (!v) {
        dp_nomem(p);
        return -1;
    }
    pe->dims = v;
    if (!(v[pe->ndims] = dp_strdup(p, s, n)))
        return -1;
    pe->ndims++;
    return 0;
}

static void start_component(struct dp *p, const xmlChar *name, int nb, const xmlChar **attrs)
{
    struct sdmx_struct *st = p->st;
    if (st->n >= SDMX_MAX_COMPONENTS) {
        convp_xs_fail(&p->xs, CONV_E_LIMIT, "more than %d components", SDMX_MAX_COMPONENTS);
        return;
    }
    if (grow(p, (void **)&st->comps, st->n, &p->capcomps, sizeof *st->comps) != 0)
        return;
    size_t cap = p->capcomps;
    struct pend *np = convp_realloc(p->d->ctx, p->pend, cap * sizeof *np);
    if (!np) {
        dp_nomem(p);
        return;
    }
    p->pend = np;
    struct sdmx_comp *c = &st->comps[st->n];
    memset(c, 0, sizeof *c);
    memset(&p->pend[st->n], 0, sizeof p->pend[st->n]);
    c->codelist = -1;
    c->level = SDMX_LV_OBS;
    c->id = convp_xs_attr_dup(&p->xs, nb, attrs, "id");
    if (is(name, "TimeDimension")) {
        c->role = SDMX_ROLE_TIME;
    } else if (is(name, "Dimension") || is(name, "MeasureDimension")) {
        c->role = SDMX_ROLE_DIM;
    } else if (is(name, "PrimaryMeasure") || is(name, "Measure")) {
        c->role = SDMX_ROLE_MEASURE;
    } else {
        c->role = SDMX_ROLE_ATTR;
        size_t len;
        const char *v = convp_xs_attr(&p->xs, nb, attrs, "assignmentStatus", &len);
        if (v && len == 9 && !memcmp(v, "Mandatory", 9))
            c->mandatory = 1;
        v = convp_xs_attr(&p->xs, nb, attrs, "usage", &len);
        if (v && len == 9 && !memcmp(v, "mandatory", 9))
            c->mandatory = 1;
    }
    p->comp = (long)st->n++;
}

/* A reference, by the element it is in: a Ref's attributes or a URN's or
 * an element's text. */
static void take_ref(struct dp *p, const xmlChar *where, const xmlChar *above, const char *agency,
                     const char *id, const char *version, const char *urn, size_t urn_len)
{
    struct sdmx_struct *st = p->st;
    struct sdmx_comp *c = st && p->comp >= 0 ? &st->comps[p->comp] : NULL;
    char *ref = NULL, *tail = NULL;
    if (is(where, "Structure") && p->in_flow) {
        ref = urn ? ref_of_urn(p, urn, urn_len, NULL) : make_ref(p, agency, id, version);
        if (ref && p->nflows) {
            convp_free(p->d->ctx, p->flow_of[p->nflows - 1]);
            p->flow_of[p->nflows - 1] = ref;
        } else {
            convp_free(p->d->ctx, ref);
        }
        return;
    }
    if (is(where, "Enumeration") && c) {
        ref = urn ? ref_of_urn(p, urn, urn_len, NULL) : make_ref(p, agency, id, version);
        convp_free(p->d->ctx, c->enum_ref);
        c->enum_ref = ref;
        return;
    }
    if (is(where, "ConceptIdentity") && c) {
        if (!c->id) {
            if (urn) {
                ref = ref_of_urn(p, urn, urn_len, &tail);
                convp_free(p->d->ctx, ref);
                c->id = tail;
            } else if (id) {
                c->id = dp_strdup(p, id, strlen(id));
            }
        }
        return;
    }
    /* An id: of a dimension or a group. */
    const char *s = id;
    size_t n = id ? strlen(id) : 0;
    if (!s && urn) {
        s = urn;
        n = urn_len;
        while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
            s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            n--;
    }
    if (!s || !n)
        return;
    if (p->grp && (is(where, "DimensionReference") || is(where, "GroupDimension"))) {
        struct sdmx_group *g = p->grp;
        size_t *v = convp_realloc(p->d->ctx, g->dims, (g->ndims + 1) * sizeof *v);
        char *name = dp_strdup(p, s, n);
        if (!v || !name) {
            convp_free(p->d->ctx, name);
            if (v)
                g->dims = v;
            dp_nomem(p);
            return;
        }
        g->dims = v;
        /* Kept as a name until the end: stored in the pend of no one, so
         * resolve now against the dimensions, which come first. */
        long k = sdmx_struct_find(st, name, n);
        convp_free(p->d->ctx, name);
        if (k < 0) {
            convp_xs_fail(&p->xs, CONV_E_SCHEMA, "group '%s' names no dimension '%.*s'", g->id,
                          (int)(n > 80 ? 80 : n), s);
            return;
        }
        g->dims[g->ndims++] = (size_t)k;
        return;
    }
    if (c && c->role == SDMX_ROLE_ATTR && is(above, "AttributeRelationship")) {
        struct pend *pe = &p->pend[p->comp];
        if (is(where, "Dimension")) {
            pe->kind = pe->kind == 4 ? 4 : 3;
            pend_add_dim(p, pe, s, n);
        } else if (is(where, "Group") || is(where, "AttachmentGroup")) {
            convp_free(p->d->ctx, pe->group);
            pe->group = dp_strdup(p, s, n);
            pe->kind = 4;
        }
    }
}

static int finish_struct(struct dp *p, struct sdmx_struct *st, struct pend *pend);

static void on_start(void *user, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb, int nb_def, const xmlChar **attrs)
{
    struct dp *p = user;
    (void)prefix;
    (void)uri;
    (void)nb_ns;
    (void)ns;
    (void)nb_def;
    if (p->xs.failed || !convp_xs_enter(&p->xs, p->depth))
        return;
    const xmlChar *parent = up(p, 0);
    p->stack[p->depth++] = name;
    p->text.len = 0;
    p->text_on = 1;
    struct sdmx_dsd *d = p->d;

    if ((is(name, "Codelist") && is(parent, "Codelists")) ||
        (is(name, "ValueList") && is(parent, "ValueLists"))) {
        if (grow(p, (void **)&d->cls, d->ncls, &p->capcls, sizeof *d->cls) != 0)
            return;
        struct sdmx_codelist *cl = &d->cls[d->ncls++];
        memset(cl, 0, sizeof *cl);
        cl->id = convp_xs_attr_dup(&p->xs, nb, attrs, "id");
        cl->agency = convp_xs_attr_dup(&p->xs, nb, attrs, "agencyID");
        cl->version = convp_xs_attr_dup(&p->xs, nb, attrs, "version");
        size_t len;
        const char *v = convp_xs_attr(&p->xs, nb, attrs, "isExternalReference", &len);
        cl->external = v && len == 4 && !memcmp(v, "true", 4);
        v = convp_xs_attr(&p->xs, nb, attrs, "isPartial", &len);
        cl->partial = v && len == 4 && !memcmp(v, "true", 4);
        cl->codes = conv_schema_new(d->ctx);
        if (!cl->codes)
            dp_nomem(p);
        p->cl = cl;
        return;
    }
    if (p->cl && (is(name, "Code") || is(name, "ValueItem")) &&
        (is(parent, "Codelist") || is(parent, "ValueList"))) {
        size_t len;
        const char *v = convp_xs_attr(&p->xs, nb, attrs, "id", &len);
        if (v && convp_schema_find_n(p->cl->codes, v, len) < 0 &&
            convp_schema_add_name(p->cl->codes, v, len) < 0)
            dp_nomem(p);
        return;
    }
    if (is(name, "Dataflow") && is(parent, "Dataflows")) {
        if (grow(p, (void **)&p->flow_of, p->nflows, &p->capflows, sizeof *p->flow_of) != 0)
            return;
        size_t cap = p->capflows;
        char **nn = convp_realloc(d->ctx, p->flow_name, cap * sizeof *nn);
        if (!nn) {
            dp_nomem(p);
            return;
        }
        p->flow_name = nn;
        char *a = convp_xs_attr_dup(&p->xs, nb, attrs, "agencyID"), *i = convp_xs_attr_dup(&p->xs, nb, attrs, "id"),
             *v = convp_xs_attr_dup(&p->xs, nb, attrs, "version");
        p->flow_name[p->nflows] = make_ref(p, a, i, v);
        p->flow_of[p->nflows] = NULL;
        p->nflows++;
        convp_free(d->ctx, a);
        convp_free(d->ctx, i);
        convp_free(d->ctx, v);
        p->in_flow = 1;
        return;
    }
    if (is(name, "DataStructure") && is(parent, "DataStructures")) {
        if (grow(p, (void **)&d->structs, d->nstructs, &p->capstructs, sizeof *d->structs) != 0)
            return;
        struct sdmx_struct *st = &d->structs[d->nstructs++];
        memset(st, 0, sizeof *st);
        st->time = -1;
        st->id = convp_xs_attr_dup(&p->xs, nb, attrs, "id");
        st->agency = convp_xs_attr_dup(&p->xs, nb, attrs, "agencyID");
        st->version = convp_xs_attr_dup(&p->xs, nb, attrs, "version");
        p->st = st;
        p->capcomps = 0;
        p->pend = NULL;
        p->comp = -1;
        return;
    }
    if (is(name, "Ref") && (p->st || p->in_flow)) {
        char *a = convp_xs_attr_dup(&p->xs, nb, attrs, "agencyID"), *i = convp_xs_attr_dup(&p->xs, nb, attrs, "id"),
             *v = convp_xs_attr_dup(&p->xs, nb, attrs, "version");
        const xmlChar *where = parent, *above = up(p, 2);
        take_ref(p, where, above, a, i, v, NULL, 0);
        convp_free(d->ctx, a);
        convp_free(d->ctx, i);
        convp_free(d->ctx, v);
        return;
    }
    if (!p->st)
        return;
    if ((is(parent, "DimensionList") &&
         (is(name, "Dimension") || is(name, "TimeDimension") || is(name, "MeasureDimension"))) ||
        (is(parent, "AttributeList") && is(name, "Attribute")) ||
        (is(parent, "MeasureList") && (is(name, "PrimaryMeasure") || is(name, "Measure")))) {
        start_component(p, name, nb, attrs);
        return;
    }
    if (is(name, "Group") && is(parent, "DataStructureComponents")) {
        struct sdmx_struct *st = p->st;
        struct sdmx_group *g = convp_realloc(d->ctx, st->groups, (st->ngroups + 1) * sizeof *g);
        if (!g) {
            dp_nomem(p);
            return;
        }
        st->groups = g;
        p->grp = &g[st->ngroups++];
        memset(p->grp, 0, sizeof *p->grp);
        p->grp->id = convp_xs_attr_dup(&p->xs, nb, attrs, "id");
        if (!p->grp->id)
            p->grp->id = dp_strdup(p, "", 0);
        return;
    }
    if (p->comp >= 0 && p->st->comps[p->comp].role == SDMX_ROLE_ATTR &&
        is(parent, "AttributeRelationship")) {
        struct pend *pe = &p->pend[p->comp];
        if (is(name, "None") || is(name, "Dataflow"))
            pe->kind = 1;
        else if (is(name, "PrimaryMeasure") || is(name, "Observation"))
            pe->kind = pe->kind ? pe->kind : 2;
        return;
    }
}

static void on_end(void *user, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    struct dp *p = user;
    (void)prefix;
    (void)uri;
    if (p->xs.failed || p->depth == 0)
        return;
    p->depth--;
    const xmlChar *parent = up(p, 0), *above = up(p, 1);
    const char *t = p->text.data ? p->text.data : "";
    size_t tn = p->text_on ? p->text.len : 0;
    p->text_on = 0;
    int blank = 1;
    for (size_t i = 0; i < tn; i++)
        if (t[i] != ' ' && t[i] != '\n' && t[i] != '\t' && t[i] != '\r')
            blank = 0;
    if (!blank) {
        if (is(name, "URN"))
            take_ref(p, parent, above, NULL, NULL, NULL, t, tn);
        else if (p->st && (is(name, "Enumeration") || is(name, "Dimension") ||
                           is(name, "Group") || is(name, "AttachmentGroup") ||
                           is(name, "DimensionReference") || is(name, "GroupDimension") ||
                           is(name, "ConceptIdentity")))
            take_ref(p, name, parent, NULL, NULL, NULL, t, tn);
        else if (is(name, "Structure") && p->in_flow)
            take_ref(p, name, parent, NULL, NULL, NULL, t, tn);
    }
    if ((is(name, "Codelist") || is(name, "ValueList")) && p->cl) {
        p->cl = NULL;
    } else if (is(name, "Dataflow") && is(parent, "Dataflows")) {
        p->in_flow = 0;
    } else if (p->st && p->comp >= 0 &&
               (is(parent, "DimensionList") || is(parent, "AttributeList") ||
                is(parent, "MeasureList"))) {
        struct sdmx_comp *c = &p->st->comps[p->comp];
        if (!c->id)
            convp_xs_fail(&p->xs, CONV_E_SCHEMA, "a component without an id");
        p->comp = -1;
    } else if (is(name, "Group") && p->grp && is(parent, "DataStructureComponents")) {
        p->grp = NULL;
    } else if (is(name, "DataStructure") && p->st && is(parent, "DataStructures")) {
        finish_struct(p, p->st, p->pend);
        convp_free(p->d->ctx, p->pend);
        p->pend = NULL;
        p->st = NULL;
        p->comp = -1;
    }
}

static void on_text(void *user, const xmlChar *ch, int len)
{
    struct dp *p = user;
    if (p->xs.failed || !p->text_on || len <= 0)
        return;
    if (p->text.len + (size_t)len > DSD_MAX_TEXT)
        return; /* a long name or description: not used */
    if (convp_buf_append(&p->text, ch, (size_t)len) != 0)
        dp_nomem(p);
}

/* ---- after the document ----------------------------------------------------------- */

long sdmx_struct_find(const struct sdmx_struct *s, const char *id, size_t len)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (strlen(s->comps[i].id) == len && !memcmp(s->comps[i].id, id, len))
            return (long)i;
    return -1;
}

/* Split "AGENCY:ID(VERSION)" in place into its parts. */
static void split_ref(char *ref, char **agency, char **id, char **version)
{
    *agency = *id = *version = NULL;
    char *colon = strchr(ref, ':');
    char *open = strchr(ref, '(');
    if (colon && (!open || colon < open)) {
        *colon = '\0';
        *agency = ref;
        *id = colon + 1;
    } else {
        *id = ref;
    }
    if (open) {
        *open = '\0';
        *version = open + 1;
        char *close = strchr(*version, ')');
        if (close)
            *close = '\0';
    }
}

static int same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* At the end of a DataStructure: order the components (dimensions, time,
 * measures, attributes) and attach the attributes. */
static int finish_struct(struct dp *p, struct sdmx_struct *st, struct pend *pend)
{
    struct sdmx_dsd *d = p->d;
    size_t n = st->n;
    size_t *order = convp_calloc(d->ctx, n ? n : 1, sizeof *order);
    struct sdmx_comp *sorted = convp_calloc(d->ctx, n ? n : 1, sizeof *sorted);
    struct pend *spend = convp_calloc(d->ctx, n ? n : 1, sizeof *spend);
    size_t *newidx = convp_calloc(d->ctx, n ? n : 1, sizeof *newidx);
    if (!order || !sorted || !spend || !newidx) {
        convp_free(d->ctx, order);
        convp_free(d->ctx, sorted);
        convp_free(d->ctx, spend);
        convp_free(d->ctx, newidx);
        for (size_t i = 0; pend && i < n; i++) {
            for (size_t j = 0; j < pend[i].ndims; j++)
                convp_free(d->ctx, pend[i].dims[j]);
            convp_free(d->ctx, pend[i].dims);
            convp_free(d->ctx, pend[i].group);
        }
        dp_nomem(p);
        return -1;
    }
    static const enum sdmx_role ranks[] = {SDMX_ROLE_DIM, SDMX_ROLE_TIME, SDMX_ROLE_MEASURE,
                                           SDMX_ROLE_ATTR};
    size_t k = 0;
    for (size_t r = 0; r < 4; r++)
        for (size_t i = 0; i < n; i++)
            if (st->comps[i].role == ranks[r])
                order[k++] = i;
    for (size_t i = 0; i < k; i++) {
        sorted[i] = st->comps[order[i]];
        spend[i] = pend ? pend[order[i]] : (struct pend){0};
        newidx[order[i]] = i;
    }
    for (size_t g = 0; g < st->ngroups; g++)
        for (size_t j = 0; j < st->groups[g].ndims; j++)
            st->groups[g].dims[j] = newidx[st->groups[g].dims[j]];
    convp_free(d->ctx, st->comps);
    st->comps = sorted;
    st->n = k;
    st->time = -1;
    int rc = 0;
    for (size_t i = 0; i < k; i++) {
        struct sdmx_comp *c = &st->comps[i];
        if (c->role == SDMX_ROLE_TIME)
            st->time = (long)i;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(st->comps[j].id, c->id)) {
                convp_xs_fail(&p->xs, CONV_E_SCHEMA, "structure %s: component '%s' twice",
                              st->id ? st->id : "?", c->id);
                rc = -1;
            }
    }
    for (size_t i = 0; i < k; i++) {
        struct sdmx_comp *c = &st->comps[i];
        struct pend *pe = &spend[i];
        if (c->role == SDMX_ROLE_ATTR) {
            switch (pe->kind) {
            case 1:
                c->level = SDMX_LV_DATASET;
                break;
            case 4:
                c->level = SDMX_LV_GROUP;
                c->group = pe->group;
                pe->group = NULL;
                break;
            case 3:
                c->level = SDMX_LV_SERIES;
                for (size_t j = 0; j < pe->ndims; j++) {
                    long dk = sdmx_struct_find(st, pe->dims[j], strlen(pe->dims[j]));
                    if (dk >= 0 && st->comps[dk].role == SDMX_ROLE_TIME)
                        c->level = SDMX_LV_OBS;
                }
                break;
            default:
                c->level = SDMX_LV_OBS;
            }
        }
        for (size_t j = 0; j < pe->ndims; j++)
            convp_free(d->ctx, pe->dims[j]);
        convp_free(d->ctx, pe->dims);
        convp_free(d->ctx, pe->group);
    }
    convp_free(d->ctx, order);
    convp_free(d->ctx, spend);
    convp_free(d->ctx, newidx);
    return rc;
}

/* At the end of the document: each component's code list, each
 * structure's dataflow. */
static int resolve_refs(struct dp *p, struct sdmx_struct *st)
{
    struct sdmx_dsd *d = p->d;
    int rc = 0;
    for (size_t i = 0; i < st->n; i++) {
        struct sdmx_comp *c = &st->comps[i];
        c->codelist = -1;
        if (c->enum_ref) {
            char *tmp = convp_strdup(d->ctx, c->enum_ref);
            if (!tmp) {
                dp_nomem(p);
                rc = -1;
                continue;
            }
            char *a, *id, *v;
            split_ref(tmp, &a, &id, &v);
            for (size_t l = 0; l < d->ncls; l++) {
                const struct sdmx_codelist *cl = &d->cls[l];
                if (same(cl->id, id) && (!a || !cl->agency || same(cl->agency, a)) &&
                    (!v || !cl->version || same(cl->version, v))) {
                    c->codelist = (long)l;
                    break;
                }
            }
            convp_free(d->ctx, tmp);
        }
    }
    /* A dataflow using this structure names it in data messages. */
    char *self = make_ref(p, st->agency, st->id, st->version);
    for (size_t f = 0; self && f < p->nflows && !st->flow; f++)
        if (p->flow_of[f] && !strcmp(p->flow_of[f], self))
            st->flow = convp_strdup(d->ctx, p->flow_name[f]);
    convp_free(d->ctx, self);
    return rc;
}

void sdmx_dsd_free(struct sdmx_dsd *d)
{
    if (!d)
        return;
    struct conv_context *ctx = d->ctx;
    for (size_t i = 0; i < d->nstructs; i++) {
        struct sdmx_struct *st = &d->structs[i];
        for (size_t j = 0; j < st->n; j++) {
            convp_free(ctx, st->comps[j].id);
            convp_free(ctx, st->comps[j].group);
            convp_free(ctx, st->comps[j].enum_ref);
        }
        for (size_t j = 0; j < st->ngroups; j++) {
            convp_free(ctx, st->groups[j].id);
            convp_free(ctx, st->groups[j].dims);
        }
        convp_free(ctx, st->comps);
        convp_free(ctx, st->groups);
        convp_free(ctx, st->agency);
        convp_free(ctx, st->id);
        convp_free(ctx, st->version);
        convp_free(ctx, st->flow);
    }
    convp_free(ctx, d->structs);
    for (size_t i = 0; i < d->ncls; i++) {
        convp_free(ctx, d->cls[i].agency);
        convp_free(ctx, d->cls[i].id);
        convp_free(ctx, d->cls[i].version);
        conv_schema_free(d->cls[i].codes);
    }
    convp_free(ctx, d->cls);
    convp_free(ctx, d->path);
    convp_free(ctx, d);
}

struct sdmx_dsd *sdmx_dsd_load(struct conv_context *ctx, const char *path,
                               struct conv_error *err)
{
    struct sdmx_dsd *d = convp_calloc(ctx, 1, sizeof *d);
    struct dp *p = convp_calloc(ctx, 1, sizeof *p);
    if (!d || !p) {
        convp_free(ctx, d);
        convp_free(ctx, p);
        convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    d->ctx = ctx;
    d->path = convp_strdup(ctx, path);
    p->d = d;
    p->comp = -1;
    convp_buf_init(&p->text, ctx);
    struct convp_input *in = convp_input_open_file(ctx, path, err);
    int ok = 0;
    if (in && convp_input_start(in, err) == CONV_OK) {
        convp_xs_handlers(&p->sax);
        p->sax.startElementNs = on_start;
        p->sax.endElementNs = on_end;
        p->sax.characters = on_text;
        p->sax.cdataBlock = on_text;
        if (convp_xs_start(&p->xs, ctx, in, path, &p->sax, p, err) == CONV_OK) {
            int rc;
            while ((rc = convp_xs_feed(&p->xs)) > 0) {
                /* each DataStructure is finished when the next starts or at the end */
            }
            if (rc == 0) {
                if (p->depth)
                    convp_xs_fail(&p->xs, CONV_E_SYNTAX, "unexpected end of input");
                else
                    convp_xs_finish(&p->xs);
            }
            if (!p->xs.failed && d->nstructs == 0)
                convp_xs_fail(&p->xs, CONV_E_SCHEMA,
                              "no data structure definition (DataStructure) in the file");
            for (size_t i = 0; !p->xs.failed && i < d->nstructs; i++)
                resolve_refs(p, &d->structs[i]);
            if (p->xs.failed) {
                *err = p->xs.err;
                if (err->code == CONV_E_NONE)
                    convp_error_set(err, CONV_E_SCHEMA, path, 0, 0, "invalid structure message");
            } else {
                ok = 1;
            }
        } else if (err && err->code == CONV_E_NONE) {
            convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        }
        convp_xs_close(&p->xs);
    }
    convp_input_close(in);
    for (size_t i = 0; i < p->nflows; i++) {
        convp_free(ctx, p->flow_of[i]);
        convp_free(ctx, p->flow_name[i]);
    }
    convp_free(ctx, p->flow_of);
    convp_free(ctx, p->flow_name);
    if (p->pend && p->st) { /* a structure cut short */
        struct sdmx_struct *st = p->st;
        for (size_t i = 0; i < st->n; i++) {
            for (size_t j = 0; j < p->pend[i].ndims; j++)
                convp_free(ctx, p->pend[i].dims[j]);
            convp_free(ctx, p->pend[i].dims);
            convp_free(ctx, p->pend[i].group);
        }
    }
    convp_free(ctx, p->pend);
    convp_buf_free(&p->text);
    convp_free(ctx, p);
    if (!ok) {
        sdmx_dsd_free(d);
        return NULL;
    }
    return d;
}

const struct sdmx_struct *sdmx_dsd_pick(const struct sdmx_dsd *d, const char *agency,
                                        const char *id, const char *version)
{
    if (!d || !d->nstructs)
        return NULL;
    if (id && *id)
        for (size_t i = 0; i < d->nstructs; i++) {
            const struct sdmx_struct *st = &d->structs[i];
            if (same(st->id, id) && (!agency || !*agency || same(st->agency, agency)) &&
                (!version || !*version || same(st->version, version)))
                return st;
        }
    return &d->structs[0];
}

int sdmx_dsd_code_ok(const struct sdmx_dsd *d, const struct sdmx_comp *c, const char *code,
                     size_t len)
{
    if (!d || c->codelist < 0)
        return 1;
    const struct sdmx_codelist *cl = &d->cls[c->codelist];
    if (cl->external || cl->partial || !cl->codes || cl->codes->n == 0)
        return 1;
    return convp_schema_find_n(cl->codes, code, len) >= 0;
}
