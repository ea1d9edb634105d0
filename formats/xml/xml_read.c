/*
 * The XML reader: libxml2's SAX2 push parser fed 256 KiB chunks.
 *
 * Each record element is built as a small tree (names from the parser's
 * dictionary, text in one buffer), flattened to named values when it ends
 * and queued; next() drains the queue before the next chunk is parsed, so
 * memory is bounded by one record plus what one chunk can hold.
 *
 * Two kinds of input.  The project's exchange vocabulary (a root
 * `dataset` in CONVP_XML_NS) declares its fields and their types in
 * `meta`, so values come typed and the field set is fixed.  Any other XML
 * has a repeating record element (`xml-record`, else each child of the
 * root) whose attributes and child elements become string fields, nested
 * ones under dotted names, repeated ones numbered.
 *
 * Safety is the shared layer's (formats/xmlsafe/): no network, no external
 * subset, no entity declarations at all (refused when the declaration is
 * seen, before any text is read: that is what stops billion-laughs and
 * quadratic-blowup documents), every error libxml2 reports fails the
 * read; depth, start tags and distinct names are bounded there, names and
 * text here.
 */
#include "xml_private.h"
#include "xmlsafe.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/uri.h>
#include <libxml/xmlschemas.h>

#define XR_MAX_DIAGS 1000   /* XSD violations reported one by one */
#define XR_SMALL_SIBLINGS 16

_Static_assert(CONVP_XML_MAX_DEPTH == CONVP_XS_MAX_DEPTH, "one depth bound for XML");
#define XR_MAX_START_TAG ((size_t)128 << 10) /* bytes of one start tag */

/* ---- the record tree ------------------------------------------------------ */

struct xr_seg {
    size_t off; /* in r->cur */
    size_t len;
    struct xr_seg *next;
};

struct xr_attr {
    const xmlChar *name; /* local name, interned */
    size_t off, len;     /* value in r->cur, NUL-terminated */
    struct xr_attr *next;
};

struct xr_node {
    const xmlChar *name; /* local name, interned */
    struct xr_node *parent, *first, *last, *next;
    struct xr_attr *attrs, *attrs_last;
    struct xr_seg *segs, *segs_last;
    size_t text_len;
    size_t nchildren;
    uint64_t line;
    uint32_t column;
    unsigned char nil;     /* xsi:nil="true" */
    unsigned char nonblank; /* some text is not whitespace */
    signed char vtype;     /* vocabulary type="..." attribute, -1 if none */
    unsigned int index;    /* occurrence among same-named siblings, or -1u */
};

/* A queued value: text in r->q_text, NUL-terminated. */
struct xr_value {
    uint32_t field;
    uint32_t column;
    uint64_t line;
    size_t off;
    size_t len;
    unsigned char type;
    unsigned char flags;
};

struct xr_rec {
    size_t first, n;
    uint64_t line;
};

/* Interned name -> field index, open addressing on the pointer. */
struct xr_pmap {
    const xmlChar **keys;
    uint32_t *vals;
    size_t mask; /* cap - 1; cap 0 when empty */
    size_t n;
};

enum xr_mode { XR_UNKNOWN, XR_VOCAB, XR_GENERIC };

struct xr {
    struct convp_xs xs; /* first: the SAX user data is the struct */
    struct conv_reader *rd;
    struct conv_context *ctx;
    xmlSAXHandler sax;
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vctxt;
    xmlSchemaSAXPlugPtr plug;
    xmlSAXHandlerPtr plug_sax; /* the handler and user data given to the */
    void *plug_user;           /* parser, possibly the plug's (see xr_open) */
    const char *xsd;

    /* options */
    int reject_nested;
    const char *rec_name; /* xml-record: a name */
    char **rec_path;      /* or a path: its steps */
    size_t rec_steps;
    int rec_absolute;

    /* where we are */
    enum xr_mode mode;
    size_t depth;                              /* open elements */
    const xmlChar *stack[CONVP_XML_MAX_DEPTH]; /* their local names */
    int meta_state;    /* vocabulary: 0 before meta, 1 in meta, 2 after */
    int header_known;  /* open() may return */
    struct convp_buf meta_text;
    int meta_item;     /* which meta child is open: 1 title, 2 source, 3 created */

    /* the record being built */
    struct convp_arena arena;
    struct xr_node *rec;  /* its root, NULL outside a record */
    struct xr_node *node; /* innermost open element in it */
    size_t rec_depth;     /* depth of the record element */
    size_t rec_nodes;     /* elements in it so far */
    struct convp_buf cur; /* its text */
    struct xr_seg *open_seg;
    struct xr_node *open_node;
    uint64_t rec_serial;

    /* queued records */
    struct xr_value *vals;
    size_t nvals, capvals;
    struct xr_rec *recs;
    size_t rhead, rtail, caprecs;
    struct convp_buf q_text;

    /* fields */
    struct xr_pmap top;    /* names of the record's children -> field */
    uint64_t *stamp;       /* rec_serial of the last record using each field */
    size_t capstamp;
    struct convp_buf path; /* dotted names are built here */

    /* XSD violations */
    uint64_t violations;
    struct conv_error first_violation;
};

/* ---- errors ---------------------------------------------------------------- */

/* The record an error names: the one being built, if any. */
static uint64_t xr_record(const struct convp_xs *xs)
{
    const struct xr *r = (const struct xr *)(const void *)xs;
    return r->rec ? r->rd->count + (r->rtail - r->rhead) + 1 : 0;
}

#define xr_fail(r, code, ...) convp_xs_fail(&(r)->xs, (code), __VA_ARGS__)
#define xr_fail_at(r, ...) convp_xs_fail_at(&(r)->xs, __VA_ARGS__)

static void xr_nomem(struct xr *r)
{
    xr_fail(r, CONV_E_NOMEM, "out of memory");
}

/* An XSD violation: reported, counted, and the read goes on. */
static void on_schema_error(void *user, xmlErrorPtr e)
{
    struct xr *r = user;
    if (!e || e->level < XML_ERR_ERROR)
        return;
    struct conv_error d;
    memset(&d, 0, sizeof d);
    char msg[220];
    convp_xs_message(msg, sizeof msg, e->message);
    uint64_t line = e->line > 0 ? (uint64_t)e->line : convp_xs_line(&r->xs);
    convp_error_set(&d, CONV_E_SCHEMA, r->rd->source, line, 0, "%s", msg);
    if (r->violations == 0)
        r->first_violation = d;
    r->violations++;
    if (r->violations <= XR_MAX_DIAGS)
        convp_diag(r->rd->opts, &d);
}

/* ---- small helpers ---------------------------------------------------------------- */

static int grow(struct xr *r, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = convp_realloc(r->ctx, *p, n * size);
    if (!q) {
        xr_nomem(r);
        return 0;
    }
    *p = q;
    *cap = n;
    return 1;
}

static inline int is_blank_text(const xmlChar *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    return 1;
}

static size_t pmap_hash(const xmlChar *p)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 7);
}

static long pmap_get(const struct xr_pmap *m, const xmlChar *k)
{
    if (!m->keys)
        return -1;
    for (size_t i = pmap_hash(k) & m->mask;; i = (i + 1) & m->mask) {
        if (m->keys[i] == k)
            return m->vals[i];
        if (!m->keys[i])
            return -1;
    }
}

static int pmap_put(struct xr *r, struct xr_pmap *m, const xmlChar *k, uint32_t v)
{
    if ((m->n + 1) * 2 > (m->keys ? m->mask + 1 : 0)) {
        size_t cap = m->keys ? (m->mask + 1) * 2 : 64;
        const xmlChar **keys = convp_calloc(r->ctx, cap, sizeof *keys);
        uint32_t *vals = convp_calloc(r->ctx, cap, sizeof *vals);
        if (!keys || !vals) {
            convp_free(r->ctx, keys);
            convp_free(r->ctx, vals);
            xr_nomem(r);
            return 0;
        }
        for (size_t i = 0; m->keys && i <= m->mask; i++)
            if (m->keys[i]) {
                size_t j = pmap_hash(m->keys[i]) & (cap - 1);
                while (keys[j])
                    j = (j + 1) & (cap - 1);
                keys[j] = m->keys[i];
                vals[j] = m->vals[i];
            }
        convp_free(r->ctx, m->keys);
        convp_free(r->ctx, m->vals);
        m->keys = keys;
        m->vals = vals;
        m->mask = cap - 1;
    }
    size_t i = pmap_hash(k) & m->mask;
    while (m->keys[i] && m->keys[i] != k)
        i = (i + 1) & m->mask;
    if (!m->keys[i])
        m->n++;
    m->keys[i] = k;
    m->vals[i] = v;
    return 1;
}

static void pmap_free(struct xr *r, struct xr_pmap *m)
{
    convp_free(r->ctx, m->keys);
    convp_free(r->ctx, m->vals);
    memset(m, 0, sizeof *m);
}

/* The field of a name, added when new (unless the vocabulary fixed them). */
static long field_of(struct xr *r, const char *name, size_t len, uint64_t line, uint64_t col)
{
    struct conv_schema *fields = r->rd->fields;
    long f = convp_schema_find_n(fields, name, len);
    if (f >= 0)
        return f;
    if (r->rd->fields_fixed) {
        xr_fail_at(r, CONV_E_STRUCTURE, line, col, NULL,
                   "element <%.*s> is not a field declared in meta", (int)(len > 200 ? 200 : len),
                   name);
        return -1;
    }
    if (fields->n >= CONVP_MAX_FIELDS) {
        xr_fail_at(r, CONV_E_LIMIT, line, col, NULL, "more than %d distinct field names",
                   CONVP_MAX_FIELDS);
        return -1;
    }
    f = convp_schema_add_name(fields, name, len);
    if (f < 0)
        xr_nomem(r);
    return f;
}

/* ---- queueing values --------------------------------------------------------- */

static int queue_value(struct xr *r, long f, enum conv_type type, unsigned flags,
                       const char *text, size_t len, uint64_t line, uint32_t col)
{
    if ((size_t)f >= r->capstamp) {
        size_t old = r->capstamp;
        if (!grow(r, (void **)&r->stamp, &r->capstamp, (size_t)f + 1, sizeof *r->stamp))
            return 0;
        memset(r->stamp + old, 0, (r->capstamp - old) * sizeof *r->stamp);
    }
    if (r->stamp[f] == r->rec_serial) {
        const char *name = r->rd->fields->fields[f].name;
        xr_fail_at(r, CONV_E_STRUCTURE, line, col, name, "duplicate field '%.200s'", name);
        return 0;
    }
    r->stamp[f] = r->rec_serial;
    if (!grow(r, (void **)&r->vals, &r->capvals, r->nvals + 1, sizeof *r->vals))
        return 0;
    struct xr_value *v = &r->vals[r->nvals];
    v->field = (uint32_t)f;
    v->line = line;
    v->column = col;
    v->type = (unsigned char)type;
    v->flags = (unsigned char)flags;
    v->len = len;
    v->off = r->q_text.len;
    if (convp_buf_append(&r->q_text, text, len) != 0 || convp_buf_putc(&r->q_text, '\0') != 0) {
        xr_nomem(r);
        return 0;
    }
    r->nvals++;
    return 1;
}

/* A node's text, contiguous: in place when it has one piece, else joined
 * at the end of r->cur (which may move: call before taking pointers). */
static const char *node_text(struct xr *r, struct xr_node *n, size_t *len)
{
    *len = n->text_len;
    if (!n->segs)
        return "";
    if (!n->segs->next)
        return r->cur.data + n->segs->off;
    size_t off = r->cur.len;
    /* The pieces are copied from r->cur into r->cur: make room first, so
     * that no append moves the buffer under its own source. */
    if (convp_buf_grow(&r->cur, n->text_len + 2) != 0) {
        xr_nomem(r);
        return NULL;
    }
    for (struct xr_seg *s = n->segs; s; s = s->next)
        if (convp_buf_append(&r->cur, r->cur.data + s->off, s->len) != 0) {
            xr_nomem(r);
            return NULL;
        }
    if (convp_buf_putc(&r->cur, '\0') != 0) {
        xr_nomem(r);
        return NULL;
    }
    n->segs->off = off;
    n->segs->len = n->text_len;
    n->segs->next = NULL;
    n->segs_last = n->segs;
    return r->cur.data + off;
}

/* ---- flattening one record ------------------------------------------------------ */

static int path_push(struct xr *r, const xmlChar *name, long index, size_t *mark)
{
    *mark = r->path.len;
    char num[24];
    int nl = index >= 0 ? snprintf(num, sizeof num, "%ld", index) : 0;
    size_t add = strlen((const char *)name);
    if ((r->path.len && convp_buf_putc(&r->path, '.') != 0) ||
        convp_buf_append(&r->path, name, add) != 0 ||
        (nl > 0 && (convp_buf_putc(&r->path, '.') != 0 ||
                    convp_buf_append(&r->path, num, (size_t)nl) != 0))) {
        xr_nomem(r);
        return 0;
    }
    if (r->path.len > CONVP_XML_MAX_NAME) {
        xr_fail(r, CONV_E_LIMIT, "field name longer than %zu bytes", CONVP_XML_MAX_NAME);
        return 0;
    }
    return 1;
}

/* Number same-named siblings: index stays -1u for a name used once. */
static int number_children(struct xr *r, struct xr_node *n)
{
    if (n->nchildren < 2)
        return 1;
    if (n->nchildren <= XR_SMALL_SIBLINGS) {
        for (struct xr_node *c = n->first; c; c = c->next) {
            if (c->index != (unsigned)-1)
                continue;
            unsigned k = 0;
            for (struct xr_node *d = c->next; d; d = d->next)
                if (d->name == c->name)
                    d->index = ++k;
            if (k)
                c->index = 0;
        }
        return 1;
    }
    /* Many children: count per name in a small map first. */
    struct xr_pmap m = {0};
    for (struct xr_node *c = n->first; c; c = c->next) {
        long k = pmap_get(&m, c->name);
        if (!pmap_put(r, &m, c->name, (uint32_t)(k < 0 ? 1 : k + 1))) {
            pmap_free(r, &m);
            return 0;
        }
    }
    struct xr_pmap seen = {0};
    for (struct xr_node *c = n->first; c; c = c->next) {
        if (pmap_get(&m, c->name) < 2)
            continue;
        long k = pmap_get(&seen, c->name);
        c->index = (unsigned)(k < 0 ? 0 : k + 1);
        if (!pmap_put(r, &seen, c->name, c->index)) {
            pmap_free(r, &m);
            pmap_free(r, &seen);
            return 0;
        }
    }
    pmap_free(r, &m);
    pmap_free(r, &seen);
    return 1;
}

static int emit_path(struct xr *r, const char *text, size_t len, enum conv_type type,
                     unsigned flags, uint64_t line, uint32_t col, const xmlChar *top_name)
{
    long f;
    if (top_name) {
        f = pmap_get(&r->top, top_name);
        if (f < 0) {
            f = field_of(r, r->path.data, r->path.len, line, col);
            if (f < 0 || !pmap_put(r, &r->top, top_name, (uint32_t)f))
                return 0;
        }
    } else {
        f = field_of(r, r->path.data, r->path.len, line, col);
        if (f < 0)
            return 0;
    }
    return queue_value(r, f, type, flags, text, len, line, col);
}

/* The value of a generic element: a string (raw, to be typed later), an
 * empty string, or null for xsi:nil. */
static int emit_node_value(struct xr *r, struct xr_node *n, const xmlChar *top_name)
{
    size_t len;
    const char *text = node_text(r, n, &len);
    if (!text)
        return 0;
    if (n->nil && len) {
        xr_fail_at(r, CONV_E_STRUCTURE, n->line, n->column, convp_buf_cstr(&r->path),
                   "element <%.200s> is nil but has text", n->name);
        return 0;
    }
    if (n->nil)
        return emit_path(r, "", 0, CONV_NULL, 0, n->line, n->column, top_name);
    return emit_path(r, text, len, CONV_STRING, len ? CONV_VALUE_RAW : 0u, n->line, n->column,
                     top_name);
}

/* The first child of n named name: a walk for a few children, else a map
 * built once per node (kids holds the children in order). */
static struct xr_node *child_named(struct xr *r, struct xr_node *n, const xmlChar *name,
                                   struct xr_pmap *m, struct xr_node ***kids)
{
    if (n->nchildren <= XR_SMALL_SIBLINGS) {
        for (struct xr_node *c = n->first; c; c = c->next)
            if (c->name == name)
                return c;
        return NULL;
    }
    if (!*kids) {
        *kids = convp_arena_alloc(&r->arena, n->nchildren * sizeof **kids);
        if (!*kids) {
            xr_nomem(r);
            return NULL;
        }
        uint32_t i = 0;
        for (struct xr_node *c = n->first; c; c = c->next, i++) {
            (*kids)[i] = c;
            if (pmap_get(m, c->name) < 0 && !pmap_put(r, m, c->name, i))
                return NULL;
        }
    }
    long i = pmap_get(m, name);
    return i < 0 ? NULL : (*kids)[i];
}

/* An attribute of n and its child of the same name must agree: *skip when
 * they do (one field), 1 with the error set when they do not. */
static int attr_clashes(struct xr *r, struct xr_node *n, struct xr_attr *a, int *skip,
                        struct xr_pmap *m, struct xr_node ***kids)
{
    *skip = 0;
    struct xr_node *c = child_named(r, n, a->name, m, kids);
    if (r->xs.failed)
        return 1;
    if (!c)
        return 0;
    size_t len;
    const char *text = c->first || c->attrs || c->index != (unsigned)-1 || c->nil
                           ? NULL
                           : node_text(r, c, &len);
    if (r->xs.failed)
        return 1;
    if (text && len == a->len && !memcmp(text, r->cur.data + a->off, len)) {
        *skip = 1;
        return 0;
    }
    xr_fail_at(r, CONV_E_STRUCTURE, n->line, n->column, (const char *)a->name,
               "attribute '%.100s' and element <%.100s> differ", a->name, a->name);
    return 1;
}

static int flatten(struct xr *r, struct xr_node *n, int is_record);

/* Attributes then children of n, under the current path. */
static int flatten_members(struct xr *r, struct xr_node *n, int is_record)
{
    struct xr_pmap m = {0};
    struct xr_node **kids = NULL;
    /* Numbered first: an attribute clashes with a repeated child. */
    if (!number_children(r, n))
        return 0;
    for (struct xr_attr *a = n->attrs; a; a = a->next) {
        int skip;
        if (attr_clashes(r, n, a, &skip, &m, &kids)) {
            pmap_free(r, &m);
            return 0;
        }
        if (skip)
            continue;
        size_t mark;
        if (!path_push(r, a->name, -1, &mark)) {
            pmap_free(r, &m);
            return 0;
        }
        if (!emit_path(r, r->cur.data + a->off, a->len, CONV_STRING,
                       a->len ? CONV_VALUE_RAW : 0u, n->line, n->column,
                       is_record ? a->name : NULL)) {
            pmap_free(r, &m);
            return 0;
        }
        r->path.len = mark;
    }
    pmap_free(r, &m);
    for (struct xr_node *c = n->first; c; c = c->next)
        if (!flatten(r, c, is_record))
            return 0;
    return 1;
}

/* Flatten child n of a record (or of a nested element). */
static int flatten(struct xr *r, struct xr_node *n, int parent_is_record)
{
    size_t mark;
    long index = n->index == (unsigned)-1 ? -1 : (long)n->index;
    if (!path_push(r, n->name, index, &mark))
        return 0;
    const xmlChar *top = parent_is_record && index < 0 ? n->name : NULL;
    if (!n->first && !n->attrs) {
        if (!emit_node_value(r, n, top))
            return 0;
    } else {
        if (r->reject_nested) {
            xr_fail_at(r, CONV_E_STRUCTURE, n->line, n->column, convp_buf_cstr(&r->path),
                       "element <%.100s> has %s (flattening is off: --reject-nested)", n->name,
                       n->first ? "child elements" : "attributes");
            return 0;
        }
        if (n->nonblank && !emit_node_value(r, n, top))
            return 0;
        if (!flatten_members(r, n, 0))
            return 0;
    }
    r->path.len = mark;
    return 1;
}

/*
 * The field of a vocabulary record's child: declared in meta, else a field
 * the writer met after meta was written (type any): an element named after
 * it, or <field name="..."> when the name is not an element name.  Such a
 * field is added even though meta fixed the field set: an output with a
 * header (CSV) then stops on it with an error naming it.
 */
static long late_field(struct xr *r, struct xr_node *c)
{
    long f = pmap_get(&r->top, c->name);
    if (f >= 0)
        return f;
    const char *name = (const char *)c->name;
    size_t len = strlen(name);
    int escaped = !strcmp(name, CONVP_XML_FIELD);
    if (escaped) {
        struct xr_attr *a = c->attrs;
        if (!a || a->next || strcmp((const char *)a->name, "name") || !a->len) {
            xr_fail_at(r, CONV_E_STRUCTURE, c->line, c->column, NULL,
                       "<field> in a record needs one attribute, a non-empty name");
            return -1;
        }
        name = r->cur.data + a->off;
        len = a->len;
        c->attrs = NULL;
    }
    struct conv_schema *fields = r->rd->fields;
    f = convp_schema_find_n(fields, name, len);
    if (f < 0) {
        if (fields->n >= CONVP_MAX_FIELDS) {
            xr_fail_at(r, CONV_E_LIMIT, c->line, c->column, NULL,
                       "more than %d distinct field names", CONVP_MAX_FIELDS);
            return -1;
        }
        f = convp_schema_add_name(fields, name, len);
        if (f < 0) {
            xr_nomem(r);
            return -1;
        }
    }
    if (!escaped && !pmap_put(r, &r->top, c->name, (uint32_t)f))
        return -1;
    return f;
}

/* The vocabulary: flat children, typed from meta. */
static int flatten_vocab(struct xr *r, struct xr_node *rec)
{
    if (rec->attrs) {
        xr_fail_at(r, CONV_E_STRUCTURE, rec->line, rec->column, NULL,
                   "<record> takes no attributes");
        return 0;
    }
    if (rec->nonblank) {
        xr_fail_at(r, CONV_E_STRUCTURE, rec->line, rec->column, NULL,
                   "text directly inside <record>");
        return 0;
    }
    for (struct xr_node *c = rec->first; c; c = c->next) {
        long f = late_field(r, c);
        if (f < 0)
            return 0;
        const struct conv_field *fields = r->rd->fields->fields;
        if (c->first || c->attrs) {
            xr_fail_at(r, CONV_E_STRUCTURE, c->line, c->column, fields[f].name,
                       "field <%.200s> holds %s", c->name,
                       c->first ? "elements" : "unknown attributes");
            return 0;
        }
        size_t len;
        const char *text = node_text(r, c, &len);
        if (!text)
            return 0;
        if (c->nil) {
            if (len) {
                xr_fail_at(r, CONV_E_STRUCTURE, c->line, c->column, fields[f].name,
                           "field <%.200s> is nil but has text", c->name);
                return 0;
            }
            if (!queue_value(r, f, CONV_NULL, 0, "", 0, c->line, c->column))
                return 0;
            continue;
        }
        enum conv_type t = c->vtype >= 0 ? (enum conv_type)c->vtype : fields[f].type;
        struct conv_value v = {CONV_STRING, CONV_VALUE_RAW, len, text};
        if (t == CONV_ANY) {
            v.type = CONV_STRING;
        } else if (convp_value_coerce(&v, t, 1) != 0) {
            xr_fail_at(r, CONV_E_TYPE, c->line, c->column, fields[f].name,
                       "field '%.100s': '%.40s' is not a valid %s", fields[f].name, text,
                       conv_type_name(t));
            return 0;
        }
        if (!queue_value(r, f, v.type, 0, v.text, v.len, c->line, c->column))
            return 0;
    }
    return 1;
}

static void end_record(struct xr *r)
{
    struct xr_node *rec = r->rec;
    r->rec_serial++;
    size_t first = r->nvals;
    int ok;
    r->path.len = 0;
    if (r->mode == XR_VOCAB) {
        ok = flatten_vocab(r, rec);
    } else if (!rec->first && !rec->attrs) {
        /* A record that is only text: one field named after it. */
        size_t mark;
        ok = path_push(r, rec->name, -1, &mark) && emit_node_value(r, rec, rec->name);
    } else {
        ok = 1;
        if (rec->nonblank) {
            if (r->reject_nested) {
                xr_fail_at(r, CONV_E_STRUCTURE, rec->line, rec->column, NULL,
                           "mixed content in <%.100s> (flattening is off: --reject-nested)",
                           rec->name);
                ok = 0;
            } else {
                size_t mark;
                ok = path_push(r, rec->name, -1, &mark) && emit_node_value(r, rec, NULL);
                r->path.len = 0;
            }
        }
        ok = ok && flatten_members(r, rec, 1);
    }
    if (ok && grow(r, (void **)&r->recs, &r->caprecs, r->rtail + 1, sizeof *r->recs)) {
        struct xr_rec *q = &r->recs[r->rtail++];
        q->first = first;
        q->n = r->nvals - first;
        q->line = rec->line;
    }
    r->rec = r->node = NULL;
    r->open_seg = NULL;
    r->open_node = NULL;
    r->cur.len = 0;
    convp_arena_reset(&r->arena);
}

/* ---- SAX callbacks ---------------------------------------------------------------- */

static int is_record_start(struct xr *r, const xmlChar *name)
{
    if (r->rec_path) {
        size_t d = r->depth + 1; /* including this element */
        if (r->rec_absolute ? d != r->rec_steps : d < r->rec_steps)
            return 0;
        for (size_t i = 0; i < r->rec_steps; i++) {
            const xmlChar *s = i + 1 == r->rec_steps ? name : r->stack[d - r->rec_steps + i];
            if (strcmp((const char *)s, r->rec_path[i]))
                return 0;
        }
        return 1;
    }
    if (r->rec_name)
        return !strcmp((const char *)name, r->rec_name);
    if (r->mode == XR_VOCAB)
        return r->depth == 1 && !strcmp((const char *)name, CONVP_XML_RECORD);
    return r->depth == 1;
}

static const char *attr_value(const xmlChar **a, size_t *len)
{
    *len = (size_t)(a[4] - a[3]);
    return (const char *)a[3];
}

static int xsi_true(const xmlChar **a)
{
    size_t len;
    const char *v = attr_value(a, &len);
    while (len && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
        v++, len--;
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\n'))
        len--;
    return (len == 4 && !memcmp(v, "true", 4)) || (len == 1 && *v == '1');
}

/* Close the open text piece with a NUL. */
static int close_seg(struct xr *r)
{
    if (!r->open_seg)
        return 1;
    r->open_seg = NULL;
    r->open_node = NULL;
    if (convp_buf_putc(&r->cur, '\0') != 0) {
        xr_nomem(r);
        return 0;
    }
    return 1;
}

static void meta_start(struct xr *r, const xmlChar *name, int nb_attributes,
                       const xmlChar **attributes);

static void on_start(void *user, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *URI, int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    struct xr *r = user;
    (void)prefix;
    (void)nb_namespaces;
    (void)namespaces;
    (void)nb_defaulted;
    if (r->xs.failed)
        return;
    if (!convp_xs_enter(&r->xs, r->depth))
        return;
    if (r->depth == 0) {
        int vocab = !r->rec_name && !r->rec_path && URI &&
                    !strcmp((const char *)URI, CONVP_XML_NS) &&
                    !strcmp((const char *)localname, CONVP_XML_ROOT);
        r->mode = vocab ? XR_VOCAB : XR_GENERIC;
        if (!vocab)
            r->header_known = 1;
    }

    if (!r->rec) {
        if (r->mode == XR_VOCAB && r->depth >= 1) {
            if (r->depth == 1 && !strcmp((const char *)localname, CONVP_XML_RECORD)) {
                if (r->meta_state != 2) {
                    xr_fail(r, CONV_E_STRUCTURE, "<record> before <meta>");
                    return;
                }
            } else if (r->depth == 1 && !strcmp((const char *)localname, CONVP_XML_META) &&
                       r->meta_state == 0) {
                r->meta_state = 1;
                r->stack[r->depth++] = localname;
                return;
            } else if (r->meta_state == 1) {
                meta_start(r, localname, nb_attributes, attributes);
                r->stack[r->depth++] = localname;
                return;
            } else {
                xr_fail(r, CONV_E_STRUCTURE, "unexpected element <%.100s>", localname);
                return;
            }
        }
        if (!is_record_start(r, localname)) {
            r->stack[r->depth++] = localname;
            return;
        }
    }

    /* An element of a record, or the record itself. */
    if (r->rec && !close_seg(r))
        return;
    if (!r->rec)
        r->rec_nodes = 0;
    if (++r->rec_nodes > CONVP_MAX_FIELDS) {
        xr_fail(r, CONV_E_LIMIT, "record with more than %d elements", CONVP_MAX_FIELDS);
        return;
    }
    struct xr_node *n = convp_arena_alloc(&r->arena, sizeof *n);
    if (!n) {
        xr_nomem(r);
        return;
    }
    memset(n, 0, sizeof *n);
    n->name = localname;
    n->line = convp_xs_line(&r->xs);
    n->column = (uint32_t)convp_xs_col(&r->xs);
    n->vtype = -1;
    n->index = (unsigned)-1;
    if (!r->rec) {
        r->rec = n;
        r->rec_depth = r->depth;
    } else {
        struct xr_node *p = r->node;
        /* Whitespace before the first child is layout, not text. */
        if (!p->nonblank && p->segs) {
            p->segs = p->segs_last = NULL;
            p->text_len = 0;
        }
        n->parent = p;
        if (p->last)
            p->last->next = n;
        else
            p->first = n;
        p->last = n;
        p->nchildren++;
    }
    r->node = n;
    for (int i = 0; i < nb_attributes; i++) {
        const xmlChar **a = attributes + 5 * i;
        const char *uri = (const char *)a[2];
        if (uri && !strcmp(uri, CONVP_XSI_NS)) {
            if (!strcmp((const char *)a[0], "nil"))
                n->nil = (unsigned char)xsi_true(a);
            continue; /* schemaLocation, type: hints, not data */
        }
        if (r->mode == XR_VOCAB && !uri && n != r->rec && !strcmp((const char *)a[0], "type")) {
            size_t len;
            const char *v = attr_value(a, &len);
            char t[16];
            enum conv_type ty;
            if (len >= sizeof t || (memcpy(t, v, len), t[len] = '\0', conv_type_parse(t, &ty)) ||
                ty == CONV_ANY || ty == CONV_NULL) {
                xr_fail(r, CONV_E_SYNTAX, "unknown type '%.*s'", (int)(len > 40 ? 40 : len), v);
                return;
            }
            n->vtype = (signed char)ty;
            continue;
        }
        size_t len;
        const char *v = attr_value(a, &len);
        struct xr_attr *at = convp_arena_alloc(&r->arena, sizeof *at);
        if (!at) {
            xr_nomem(r);
            return;
        }
        at->name = a[0];
        at->off = r->cur.len;
        at->len = len;
        at->next = NULL;
        if (convp_buf_append(&r->cur, v, len) != 0 || convp_buf_putc(&r->cur, '\0') != 0) {
            xr_nomem(r);
            return;
        }
        if (n->attrs_last)
            n->attrs_last->next = at;
        else
            n->attrs = at;
        n->attrs_last = at;
    }
    r->stack[r->depth++] = localname;
}

static void meta_end(struct xr *r, const xmlChar *name);

static void on_end(void *user, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *URI)
{
    struct xr *r = user;
    (void)prefix;
    (void)URI;
    if (r->xs.failed || r->depth == 0)
        return;
    r->depth--;
    if (r->rec) {
        if (!close_seg(r))
            return;
        if (r->depth == r->rec_depth) {
            end_record(r);
            return;
        }
        r->node = r->node->parent;
        return;
    }
    if (r->mode == XR_VOCAB && r->meta_state == 1)
        meta_end(r, localname);
}

static void on_text(void *user, const xmlChar *ch, int len)
{
    struct xr *r = user;
    if (r->xs.failed || len <= 0)
        return;
    if (!r->rec) {
        if (r->meta_item) {
            if (r->meta_text.len + (size_t)len > CONVP_XML_MAX_TEXT) {
                xr_fail(r, CONV_E_LIMIT, "text longer than %zu bytes", CONVP_XML_MAX_TEXT);
                return;
            }
            if (convp_buf_append(&r->meta_text, ch, (size_t)len) != 0)
                xr_nomem(r);
        }
        return; /* text outside records is not data */
    }
    struct xr_node *n = r->node;
    int blank = is_blank_text(ch, (size_t)len);
    /* Layout between children is dropped at once. */
    if (blank && n->first)
        return;
    if (n->text_len + (size_t)len > CONVP_XML_MAX_TEXT) {
        /* Where the value starts, not somewhere in its 10 MB. */
        xr_fail_at(r, CONV_E_LIMIT, n->line, n->column, NULL, "text longer than %zu bytes",
                   CONVP_XML_MAX_TEXT);
        return;
    }
    if (r->cur.len + (size_t)len > CONVP_MAX_RECORD_BYTES) {
        xr_fail(r, CONV_E_LIMIT, "record larger than %zu bytes", CONVP_MAX_RECORD_BYTES);
        return;
    }
    if (r->open_node != n) {
        if (!close_seg(r))
            return;
        struct xr_seg *s = convp_arena_alloc(&r->arena, sizeof *s);
        if (!s) {
            xr_nomem(r);
            return;
        }
        s->off = r->cur.len;
        s->len = 0;
        s->next = NULL;
        if (n->segs_last)
            n->segs_last->next = s;
        else
            n->segs = s;
        n->segs_last = s;
        r->open_seg = s;
        r->open_node = n;
    }
    if (convp_buf_append(&r->cur, ch, (size_t)len) != 0) {
        xr_nomem(r);
        return;
    }
    r->open_seg->len += (size_t)len;
    n->text_len += (size_t)len;
    if (!blank)
        n->nonblank = 1;
}

/* libxml2's push parser checks a CDATA section's UTF-8 less strictly than
 * other text (overlong forms such as C0 AB pass): check it here. */
static void on_cdata(void *user, const xmlChar *ch, int len)
{
    struct xr *r = user;
    if (r->xs.failed || len <= 0)
        return;
    if (convp_utf8_valid_prefix(ch, (size_t)len) != (size_t)len) {
        xr_fail(r, CONV_E_ENCODING, "invalid UTF-8 in a CDATA section");
        return;
    }
    on_text(user, ch, len);
}

/* ---- the vocabulary's meta ------------------------------------------------------------ */

static const char *meta_attr(int nb, const xmlChar **attrs, const char *name, size_t *len)
{
    for (int i = 0; i < nb; i++) {
        const xmlChar **a = attrs + 5 * i;
        if (!a[2] && !strcmp((const char *)a[0], name))
            return attr_value(a, len);
    }
    *len = 0;
    return NULL;
}

static char *meta_dup(struct xr *r, int nb, const xmlChar **attrs, const char *name)
{
    /* Once the read failed, xmlStopParser() has freed the input that the
     * attribute values point into. */
    if (r->xs.failed)
        return NULL;
    size_t len;
    const char *v = meta_attr(nb, attrs, name, &len);
    if (!v)
        return NULL;
    char *s = convp_strndup(r->ctx, v, len);
    if (!s)
        xr_nomem(r);
    return s;
}

static void meta_field(struct xr *r, int nb, const xmlChar **attrs)
{
    struct conv_field f = {0};
    char *name = meta_dup(r, nb, attrs, "name");
    char *type = meta_dup(r, nb, attrs, "type");
    char *elem = meta_dup(r, nb, attrs, "element");
    char *label = meta_dup(r, nb, attrs, "label");
    char *label_en = meta_dup(r, nb, attrs, "label-en");
    char *unit = meta_dup(r, nb, attrs, "unit");
    char *req = meta_dup(r, nb, attrs, "required");
    if (!name || !*name) {
        xr_fail(r, CONV_E_STRUCTURE, "<field> without a name");
        goto done;
    }
    f.name = name;
    f.type = CONV_ANY;
    if (type && strcmp(type, "any") && (conv_type_parse(type, &f.type) || f.type == CONV_NULL)) {
        xr_fail(r, CONV_E_SYNTAX, "field '%.100s': unknown type '%.40s'", name, type);
        goto done;
    }
    f.label = label;
    f.label_en = label_en;
    f.unit = unit;
    f.required = req && (!strcmp(req, "true") || !strcmp(req, "1"));
    if (conv_schema_find(r->rd->fields, name) >= 0) {
        xr_fail(r, CONV_E_STRUCTURE, "field '%.100s' declared twice", name);
        goto done;
    }
    if (r->rd->fields->n >= CONVP_MAX_FIELDS) {
        xr_fail(r, CONV_E_LIMIT, "more than %d fields", CONVP_MAX_FIELDS);
        goto done;
    }
    if (conv_schema_add(r->rd->fields, &f) != CONV_OK) {
        xr_nomem(r);
        goto done;
    }
    const char *e = elem ? elem : name;
    const xmlChar *key = xmlDictLookup(r->xs.pc->dict, (const xmlChar *)e, -1);
    if (!key) {
        xr_nomem(r);
        goto done;
    }
    if (pmap_get(&r->top, key) >= 0) {
        xr_fail(r, CONV_E_STRUCTURE, "element name '%.100s' used by two fields", e);
        goto done;
    }
    pmap_put(r, &r->top, key, (uint32_t)(r->rd->fields->n - 1));
done:
    convp_free(r->ctx, name);
    convp_free(r->ctx, type);
    convp_free(r->ctx, elem);
    convp_free(r->ctx, label);
    convp_free(r->ctx, label_en);
    convp_free(r->ctx, unit);
    convp_free(r->ctx, req);
}

static void meta_start(struct xr *r, const xmlChar *name, int nb, const xmlChar **attrs)
{
    const char *n = (const char *)name;
    r->meta_text.len = 0;
    r->meta_item = 0;
    if (r->depth == 2) {
        if (!strcmp(n, "title"))
            r->meta_item = 1;
        else if (!strcmp(n, "source"))
            r->meta_item = 2;
        else if (!strcmp(n, "created"))
            r->meta_item = 3;
    } else if (r->depth == 3 && !strcmp(n, CONVP_XML_FIELD) &&
               !strcmp((const char *)r->stack[2], CONVP_XML_FIELDS)) {
        meta_field(r, nb, attrs);
    }
}

static void meta_end(struct xr *r, const xmlChar *name)
{
    (void)name;
    if (r->depth == 1) { /* </meta> */
        r->meta_state = 2;
        r->header_known = 1;
        r->rd->fields_fixed = 1;
        r->rd->typed = 1;
        return;
    }
    if (r->depth != 2 || !r->meta_item)
        return;
    struct conv_schema *s = r->rd->fields;
    char **slot = r->meta_item == 1 ? &s->title : r->meta_item == 2 ? &s->source : &s->created;
    convp_free(r->ctx, *slot);
    *slot = convp_strndup(r->ctx, r->meta_text.data ? r->meta_text.data : "", r->meta_text.len);
    if (!*slot)
        xr_nomem(r);
    r->meta_item = 0;
}

/* ---- feeding the parser ------------------------------------------------------------ */

static void feed(struct xr *r)
{
    if (convp_xs_feed(&r->xs) != 0)
        return;
    /* The end of the input: say what is wrong before libxml2 says it its
     * own way. */
    if (r->mode == XR_UNKNOWN)
        xr_fail(r, CONV_E_SYNTAX, "no root element (empty or cut short)");
    else if (r->depth != 0)
        xr_fail(r, CONV_E_SYNTAX, "unexpected end of input inside <%.100s>",
                r->stack[r->depth - 1]);
    else
        convp_xs_finish(&r->xs);
}

/* ---- options ---------------------------------------------------------------------- */

static int parse_record_option(struct xr *r, const char *v)
{
    if (!*v)
        goto bad;
    if (!strchr(v, '/')) {
        /* A prefix is not compared: names match on their local part. */
        const char *colon = strchr(v, ':');
        r->rec_name = colon ? colon + 1 : v;
        if (!*r->rec_name)
            goto bad;
        return CONV_OK;
    }
    r->rec_absolute = v[0] == '/';
    const char *p = v + r->rec_absolute;
    size_t steps = 1;
    for (const char *q = p; *q; q++)
        steps += *q == '/';
    if (steps > CONVP_XML_MAX_DEPTH)
        goto bad;
    r->rec_path = convp_calloc(r->ctx, steps, sizeof *r->rec_path);
    if (!r->rec_path)
        return CONV_ERR;
    r->rec_steps = steps;
    for (size_t i = 0; i < steps; i++) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (!len)
            goto bad;
        /* A prefix is not compared: names match on their local part. */
        const char *colon = memchr(p, ':', len);
        const char *s = colon ? colon + 1 : p;
        if (s == p + len)
            goto bad;
        if (!(r->rec_path[i] = convp_strndup(r->ctx, s, len - (size_t)(s - p))))
            return CONV_ERR;
        p += len + 1;
    }
    return CONV_OK;
bad:
    convp_error_set(&r->rd->err, CONV_E_USAGE, NULL, 0, 0,
                    "--xml-record: '%s' is not an element name or a path such as /root/item", v);
    return CONV_ERR;
}

/* The first error of parsing the XSD, kept (libxml2 would print it). */
static void on_xsd_error(void *user, xmlErrorPtr e)
{
    struct conv_error *xe = user;
    if (!e || e->level < XML_ERR_ERROR || xe->code != CONV_E_NONE)
        return;
    char msg[200];
    convp_xs_message(msg, sizeof msg, e->message);
    convp_error_set(xe, CONV_E_SCHEMA, NULL, e->line > 0 ? (uint64_t)e->line : 0, 0, "%s", msg);
}

/*
 * Read one schema document from the file system: opened here, so that no
 * URL loader (HTTP, FTP) is ever involved, and parsed without network,
 * DTD loading, entity substitution or messages on stderr.  NULL with *err
 * set (code io_code when the file cannot be opened) if it fails.
 */
static xmlDocPtr xsd_read(const char *path, enum conv_errcode io_code, struct conv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        convp_error_set(err, io_code, path, 0, 0, "cannot open the XSD: %s", strerror(errno));
        return NULL;
    }
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc) {
        close(fd);
        convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    xmlDocPtr doc = xmlCtxtReadFd(pc, fd, path, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    close(fd);
    if (!doc) {
        xmlErrorPtr e = xmlCtxtGetLastError(pc);
        char msg[200];
        convp_xs_message(msg, sizeof msg, e ? e->message : "cannot read the XSD");
        int io = !e || e->domain == XML_FROM_IO;
        convp_error_set(err, io ? io_code : CONV_E_SCHEMA, path,
                        e && e->line > 0 ? (uint64_t)e->line : 0, 0, "%s%s",
                        io ? "" : "invalid XSD: ", msg);
    }
    xmlFreeParserCtxt(pc);
    return doc;
}

/*
 * No remote schema documents, in the XSD or in the local schema documents
 * it includes, imports or redefines (libxml2 would fetch them: its schema
 * parser loads them without XML_PARSE_NONET).  depth bounds include cycles.
 */
static int xsd_check_includes(xmlDocPtr doc, int depth, struct conv_error *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, "include") && strcmp((const char *)n->name, "import") &&
            strcmp((const char *)n->name, "redefine"))
            continue;
        xmlChar *loc = xmlGetProp(n, (const xmlChar *)"schemaLocation");
        if (!loc)
            continue;
        if (strstr((const char *)loc, "://") && strncmp((const char *)loc, "file://", 7)) {
            xmlFree(loc);
            convp_error_set(err, CONV_E_USAGE, doc->URL ? (const char *)doc->URL : "",
                            (uint64_t)xmlGetLineNo(n), 0,
                            "the XSD includes a remote schema (refused: no network access)");
            return CONV_ERR;
        }
        xmlChar *uri = depth < 16 ? xmlBuildURI(loc, doc->URL) : NULL;
        xmlFree(loc);
        if (!uri)
            continue;
        const char *path = (const char *)uri;
        if (!strncmp(path, "file://", 7))
            path += 7;
        /* One that cannot be read is libxml2's to report, later. */
        struct conv_error ignored;
        memset(&ignored, 0, sizeof ignored);
        xmlDocPtr sub = xsd_read(path, CONV_E_IO, &ignored);
        xmlFree(uri);
        if (!sub)
            continue;
        int rc = xsd_check_includes(sub, depth + 1, err);
        xmlFreeDoc(sub);
        if (rc != CONV_OK)
            return rc;
    }
    return CONV_OK;
}

/* The XSD is the caller's file: read without network, and with no remote
 * include or import.  Not XML or not a schema: CONV_E_SCHEMA, as a bad
 * --schema file; unreadable: CONV_E_IO. */
static int load_xsd(struct xr *r)
{
    struct conv_reader *rd = r->rd;
    struct conv_error *err = &rd->err;
    xmlDocPtr doc = xsd_read(r->xsd, CONV_E_IO, err);
    if (!doc)
        return CONV_ERR;
    if (xsd_check_includes(doc, 0, err) != CONV_OK) {
        xmlFreeDoc(doc);
        return CONV_ERR;
    }
    xmlSchemaParserCtxtPtr sp = xmlSchemaNewDocParserCtxt(doc);
    if (!sp) {
        xmlFreeDoc(doc);
        convp_error_set(err, CONV_E_NOMEM, r->xsd, 0, 0, "out of memory");
        return CONV_ERR;
    }
    struct conv_error xe;
    memset(&xe, 0, sizeof xe);
    xmlSchemaSetParserStructuredErrors(sp, on_xsd_error, &xe);
    /* The schema documents it includes are parsed with libxml2's default
     * handlers, which print through the generic one: silenced. */
    struct convp_xs_quiet q;
    convp_xs_quiet_begin(&q);
    r->schema = xmlSchemaParse(sp);
    convp_xs_quiet_end(&q);
    if (!r->schema)
        convp_error_set(err, CONV_E_SCHEMA, r->xsd, xe.line, 0, "invalid XSD: %s",
                        xe.code != CONV_E_NONE ? xe.message : "not a valid XML Schema");
    xmlSchemaFreeParserCtxt(sp);
    xmlFreeDoc(doc);
    if (!r->schema)
        return CONV_ERR;
    r->vctxt = xmlSchemaNewValidCtxt(r->schema);
    if (!r->vctxt) {
        convp_error_set(err, CONV_E_NOMEM, r->xsd, 0, 0, "out of memory");
        return CONV_ERR;
    }
    xmlSchemaSetValidStructuredErrors(r->vctxt, on_schema_error, r);
    return CONV_OK;
}

/* ---- driver ------------------------------------------------------------------------ */

static int xr_next(struct conv_reader *rd, struct conv_record *rec);

static int xr_open(struct conv_reader *rd)
{
    struct xr *r = convp_calloc(rd->ctx, 1, sizeof *r);
    if (!r) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = r;
    r->rd = rd;
    r->ctx = rd->ctx;
    convp_arena_init(&r->arena, rd->ctx);
    convp_buf_init(&r->cur, rd->ctx);
    convp_buf_init(&r->q_text, rd->ctx);
    convp_buf_init(&r->path, rd->ctx);
    convp_buf_init(&r->meta_text, rd->ctx);
    if (convp_opt_flag(rd->opts, "reject-nested", 0, &rd->err, &r->reject_nested) != CONV_OK)
        return CONV_ERR;
    const char *rec = convp_opt_str(rd->opts, "xml-record", NULL);
    if (rec && parse_record_option(r, rec) != CONV_OK) {
        if (rd->err.code == CONV_E_NONE)
            convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    xmlInitParser();
    r->xsd = convp_opt_str(rd->opts, "xsd", NULL);
    if (r->xsd && load_xsd(r) != CONV_OK)
        return CONV_ERR;

    xmlSAXHandler *sax = &r->sax;
    convp_xs_handlers(sax);
    sax->startElementNs = on_start;
    sax->endElementNs = on_end;
    sax->characters = on_text;
    sax->cdataBlock = on_cdata;
    /* The plug keeps the addresses of these two and writes through them
     * when unplugged in xr_close: they live in r, not on this stack. */
    r->plug_sax = sax;
    r->plug_user = r;
    if (r->vctxt) {
        r->plug = xmlSchemaSAXPlug(r->vctxt, &r->plug_sax, &r->plug_user);
        if (!r->plug) {
            convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0,
                            "cannot start XSD validation");
            return CONV_ERR;
        }
    }
    r->xs.record = xr_record;
    if (convp_xs_start(&r->xs, rd->ctx, rd->in, rd->source, r->plug_sax, r->plug_user,
                       &rd->err) != CONV_OK)
        return CONV_ERR;

    /* Read up to the first record, so that the vocabulary's fields and
     * types are known before the first next(). */
    while (!r->header_known && !r->xs.failed && !r->xs.input_done)
        feed(r);
    if (r->xs.failed && r->rhead == r->rtail) {
        rd->err = r->xs.err;
        return CONV_ERR;
    }
    return CONV_OK;
}

static int xr_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct xr *r = rd->drv;
    while (r->rhead == r->rtail) {
        if (r->xs.failed) {
            if (rd->err.code == CONV_E_NONE)
                rd->err = r->xs.err;
            return CONV_ERR;
        }
        if (r->xs.parse_done) {
            if (r->violations) {
                struct conv_error *f = &r->first_violation;
                convp_error_set(&rd->err, CONV_E_SCHEMA, rd->source, f->line, f->column,
                                "%llu XSD violation%s; the first: %.160s",
                                (unsigned long long)r->violations, r->violations > 1 ? "s" : "",
                                f->message);
                return CONV_ERR;
            }
            return CONV_EOF;
        }
        r->rhead = r->rtail = 0;
        r->nvals = 0;
        r->q_text.len = 0;
        feed(r);
    }
    const struct xr_rec *q = &r->recs[r->rhead++];
    for (size_t i = 0; i < q->n; i++) {
        const struct xr_value *v = &r->vals[q->first + i];
        struct convp_slot *slot = convp_record_push(rec);
        if (!slot) {
            convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, v->line, v->column,
                            "out of memory");
            return CONV_ERR;
        }
        slot->field = v->field;
        slot->column = v->column;
        slot->line = v->line;
        slot->value.type = (enum conv_type)v->type;
        slot->value.flags = v->flags;
        slot->value.len = v->len;
        slot->value.text = r->q_text.data + v->off;
    }
    rec->line = q->line;
    return CONV_OK;
}

static void xr_close(struct conv_reader *rd)
{
    struct xr *r = rd->drv;
    if (!r)
        return;
    convp_xs_close(&r->xs);
    if (r->plug)
        xmlSchemaSAXUnplug(r->plug);
    if (r->vctxt)
        xmlSchemaFreeValidCtxt(r->vctxt);
    if (r->schema)
        xmlSchemaFree(r->schema);
    for (size_t i = 0; r->rec_path && i < r->rec_steps; i++)
        convp_free(r->ctx, r->rec_path[i]);
    convp_free(r->ctx, r->rec_path);
    convp_arena_free(&r->arena);
    convp_buf_free(&r->cur);
    convp_buf_free(&r->q_text);
    convp_buf_free(&r->path);
    convp_buf_free(&r->meta_text);
    convp_free(r->ctx, r->vals);
    convp_free(r->ctx, r->recs);
    convp_free(r->ctx, r->stamp);
    pmap_free(r, &r->top);
    convp_free(r->ctx, r);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_xml_reader_ops = {
    .open = xr_open,
    .next = xr_next,
    .close = xr_close,
};
