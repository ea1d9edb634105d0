/*
 * XLSX reader.  The zip layer (formats/sheet/sheet_zip.c) hands out each
 * part as a bounded, CRC-checked stream.  The small parts (content types,
 * relationships, workbook, styles, shared strings) are read with libxml2's
 * xmlTextReader under the project's libxml2 rules; worksheets, which are
 * most of the bytes, go through our own strict tokenizer
 * (formats/sheet/sheet_xml.c), row by row.  This file is the book driver
 * of the spreadsheet layer (formats/sheet/sheet.h), which makes the
 * records.  Rules: docs/formats.md, "Excel".
 */
#include "xlsx_private.h"

#include "sheet.h"
#include "sheet_xml.h"
#include "sheet_zip.h"

#include <stdlib.h>

#include <libxml/xmlreader.h>

#define XR_DEFAULT_MAX_PART ((uint64_t)1 << 30)
#define XR_MAX_SHEETS 10000
#define XR_MAX_RELS 100000
#define XR_MAX_NUMFMTS 100000
#define XR_MAX_XFS 1000000
#define XR_MAX_FONTS 100000

#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_REL_STRICT "http://purl.oclc.org/ooxml/officeDocument/relationships"

/* Cell types (the t attribute). */
enum { T_N, T_S, T_STR, T_INLINE, T_B, T_E, T_D };

struct xr_numfmt {
    uint32_t id;
    uint32_t order;
    struct convp_numfmt f;
    const char *code; /* kept by the book */
};

struct xr_rel {
    char *id, *type, *target; /* target resolved to a part name; NULL if outside */
    char *raw;                /* the target as written, for errors */
};

/* A cell as the worksheet has it, before its value is made. */
struct xr_cell {
    uint32_t col;
    uint32_t style;
    uint8_t t;
    uint8_t has_v;
    uint8_t formula;
    size_t off, len; /* text in the row's buffer, NUL-terminated */
};

struct xr_row {
    uint32_t num;
    uint8_t hidden;
    struct xr_cell *cells;
    size_t n, cap;
    struct convp_buf text;
};

/* The worksheet being read. */
struct xr_stream {
    struct convp_xscan *scan;
    const char *sheet; /* its name */
    size_t index;      /* in the book */
    const char *part;
    int in_data, data_done;
    uint32_t prev_row;
};

struct xr {
    struct convp_book *b;
    struct conv_reader *rd;
    struct conv_context *ctx;
    struct convp_zip *zip;
    uint64_t max_part;
    /* workbook */
    char *wb_part;
    char *core_part; /* docProps/core.xml, or NULL */
    struct xr_rel *rels;
    size_t nrels;
    struct convp_buf sst;
    uint64_t *sst_off; /* nsst + 1 offsets; string i is [off[i], off[i+1] - 1) */
    size_t nsst;
    /* reading */
    struct xr_stream st;
    int st_open;
    struct xr_row row;
};

/* ---- errors -------------------------------------------------------------------------------- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int nomem(struct xr *r)
{
    return convp_book_nomem(r->b);
}

static int name_cmp_fold(const char *a, const char *b)
{
    for (;; a++, b++) {
        int d = lower((unsigned char)*a) - lower((unsigned char)*b);
        if (d || !*a)
            return d;
    }
}

/* ---- small parts through xmlTextReader ----------------------------------------------------- */

struct xr_part {
    struct xr *r;
    const char *name;
    xmlTextReaderPtr tr;
    int failed;
    int prolog; /* DOCTYPE watch: 0 text, 1 '<', 2 PI, 3 "<!", 4 "<!-", 5 comment, 6 done */
    unsigned char last[2];
};

static void quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static int part_fail(struct xr_part *p, enum conv_errcode code, const char *fmt, ...)
    CONVP_PRINTF(3, 4);
static int part_fail(struct xr_part *p, enum conv_errcode code, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    convp_error_set(&p->r->rd->err, code, p->r->rd->source, 0, 0, "part '%.100s': %s", p->name,
                    msg);
    p->failed = 1;
    return -1;
}

/*
 * Watch the prolog for a DOCTYPE before libxml2 sees it: OOXML parts never
 * have one, and refusing it here means no DTD is ever parsed.  NUL bytes
 * are skipped, so that UTF-16 parts are watched too.
 */
static int watch_prolog(struct xr_part *p, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n && p->prolog != 6; i++) {
        unsigned char c = b[i];
        if (c == 0)
            continue;
        switch (p->prolog) {
        case 0:
            if (c == '<')
                p->prolog = 1;
            break;
        case 1:
            p->prolog = c == '?' ? 2 : c == '!' ? 3 : 6;
            break;
        case 2:
            if (c == '>' && p->last[1] == '?')
                p->prolog = 0;
            break;
        case 3:
            if (c != '-')
                return part_fail(p, CONV_E_SYNTAX, "a DOCTYPE in a workbook part is refused");
            p->prolog = 4;
            break;
        case 4:
            if (c != '-')
                return part_fail(p, CONV_E_SYNTAX, "malformed comment");
            p->prolog = 5;
            p->last[0] = p->last[1] = 0;
            c = 0;
            break;
        case 5:
            if (c == '>' && p->last[0] == '-' && p->last[1] == '-')
                p->prolog = 0;
            break;
        }
        p->last[0] = p->last[1];
        p->last[1] = c;
    }
    return 0;
}

static int part_io_read(void *ctx, char *buf, int len)
{
    struct xr_part *p = ctx;
    if (p->failed || len <= 0)
        return -1;
    long got = convp_zip_read(p->r->zip, buf, (size_t)len, &p->r->rd->err);
    if (got < 0) {
        p->failed = 1;
        return -1;
    }
    if (p->prolog != 6 && watch_prolog(p, (const unsigned char *)buf, (size_t)got) != 0)
        return -1;
    return (int)got;
}

static int part_io_close(void *ctx)
{
    (void)ctx;
    return 0;
}

/* Every error libxml2 reports fails the read; warnings do not. */
static void part_xml_error(void *user, xmlErrorPtr e)
{
    struct xr_part *p = user;
    if (!e || e->level < XML_ERR_ERROR || p->failed)
        return;
    char msg[160];
    size_t n = 0;
    if (e->message)
        while (e->message[n] && e->message[n] != '\n' && n + 1 < sizeof msg) {
            msg[n] = e->message[n];
            n++;
        }
    while (n && (msg[n - 1] == '.' || msg[n - 1] == ' '))
        n--;
    msg[n] = '\0';
    part_fail(p,
              e->code == XML_ERR_INVALID_CHAR || e->code == XML_ERR_INVALID_ENCODING
                  ? CONV_E_ENCODING
                  : CONV_E_SYNTAX,
              "line %d: %s", e->line, msg);
}

static int part_open(struct xr *r, struct xr_part *p, long entry)
{
    memset(p, 0, sizeof *p);
    p->r = r;
    p->name = convp_zip_name(r->zip, (size_t)entry);
    if (convp_zip_open_entry(r->zip, (size_t)entry, &r->rd->err) != CONV_OK)
        return CONV_ERR;
    /* Creating the reader reads the first bytes and may report an
     * encoding error before our handler is set: keep it off stderr. */
    xmlGenericErrorFunc handler = xmlGenericError;
    void *handler_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet_generic);
    p->tr = xmlReaderForIO(part_io_read, part_io_close, p, p->name, NULL, XML_PARSE_NONET);
    xmlSetGenericErrorFunc(handler_ctx, handler);
    if (!p->tr)
        return p->failed ? CONV_ERR : nomem(r);
    xmlTextReaderSetStructuredErrorHandler(p->tr, part_xml_error, p);
    return CONV_OK;
}

/* The next node: 1, 0 at the end of the part (checked to its end), -1. */
static int part_next(struct xr_part *p)
{
    if (p->failed)
        return -1;
    xmlGenericErrorFunc handler = xmlGenericError;
    void *handler_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet_generic);
    int rc = xmlTextReaderRead(p->tr);
    xmlSetGenericErrorFunc(handler_ctx, handler);
    if (p->failed)
        return -1;
    if (rc < 0)
        return part_fail(p, CONV_E_SYNTAX, "malformed XML");
    if (rc == 0) {
        /* libxml2 stops at the root's end: read on, so that the zip layer
         * checks the size and CRC. */
        char c;
        if (part_io_read(p, &c, 1) != 0)
            return p->failed ? -1 : part_fail(p, CONV_E_SYNTAX, "data after the root element");
        return 0;
    }
    if (xmlTextReaderNodeType(p->tr) == XML_READER_TYPE_DOCUMENT_TYPE)
        return part_fail(p, CONV_E_SYNTAX, "a DOCTYPE in a workbook part is refused");
    return 1;
}

static void part_close(struct xr_part *p)
{
    if (p->tr) {
        xmlGenericErrorFunc handler = xmlGenericError;
        void *handler_ctx = xmlGenericErrorContext;
        xmlSetGenericErrorFunc(NULL, quiet_generic);
        xmlFreeTextReader(p->tr);
        xmlSetGenericErrorFunc(handler_ctx, handler);
    }
    p->tr = NULL;
}

static int node_is(struct xr_part *p, int type, const char *local)
{
    if (xmlTextReaderNodeType(p->tr) != type)
        return 0;
    const xmlChar *n = xmlTextReaderConstLocalName(p->tr);
    return n && !strcmp((const char *)n, local);
}

/* An attribute without a namespace, copied (NULL if absent or no memory). */
static char *get_attr(struct xr_part *p, const char *name)
{
    xmlChar *v = xmlTextReaderGetAttribute(p->tr, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = convp_strdup(p->r->ctx, (const char *)v);
    xmlFree(v);
    if (!s) {
        nomem(p->r);
        p->failed = 1;
    }
    return s;
}

/* r:id, in the transitional or the strict namespace. */
static char *get_rid(struct xr_part *p)
{
    xmlChar *v = xmlTextReaderGetAttributeNs(p->tr, (const xmlChar *)"id", (const xmlChar *)NS_REL);
    if (!v)
        v = xmlTextReaderGetAttributeNs(p->tr, (const xmlChar *)"id",
                                        (const xmlChar *)NS_REL_STRICT);
    if (!v)
        return NULL;
    char *s = convp_strdup(p->r->ctx, (const char *)v);
    xmlFree(v);
    if (!s) {
        nomem(p->r);
        p->failed = 1;
    }
    return s;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcmp(s + n - k, tail);
}

/* ---- part names ---------------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 32;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * A relationship target as a part name: relative to dir (the source
 * part's folder, "" for the package root), or absolute from the root.
 * NULL when it points outside the package (an URL, ".." above the root)
 * or on no memory (then *nomem_out is set).
 */
static char *resolve(struct xr *r, const char *dir, const char *target, int *nomem_out)
{
    *nomem_out = 0;
    for (const char *p = target; *p && *p != '/'; p++)
        if (*p == ':')
            return NULL; /* a scheme: http:, file:, C: ... */
    if (target[0] == '/' && target[1] == '/')
        return NULL;
    struct convp_buf in, out;
    convp_buf_init(&in, r->ctx);
    convp_buf_init(&out, r->ctx);
    if (target[0] != '/' && convp_buf_append(&in, dir, strlen(dir)) != 0)
        goto nomem;
    for (const char *p = target[0] == '/' ? target + 1 : target; *p; p++) {
        char c = *p;
        if (c == '%' && hexval((unsigned char)p[1]) >= 0 && hexval((unsigned char)p[2]) >= 0) {
            c = (char)(hexval((unsigned char)p[1]) * 16 + hexval((unsigned char)p[2]));
            p += 2;
        }
        if (c == '\0' || c == '\\')
            goto outside;
        if (convp_buf_putc(&in, c) != 0)
            goto nomem;
    }
    if (!convp_buf_cstr(&in))
        goto nomem;
    /* Drop "." and empty segments; ".." removes one, and above the root
     * it is outside the package. */
    for (const char *s = in.data; *s;) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (out.len == 0)
                goto outside;
            while (out.len && out.data[out.len - 1] != '/')
                out.len--;
            if (out.len)
                out.len--; /* the separator */
        } else if (len && !(len == 1 && s[0] == '.')) {
            if ((out.len && convp_buf_putc(&out, '/') != 0) || convp_buf_append(&out, s, len) != 0)
                goto nomem;
        }
        s = e ? e + 1 : s + len;
    }
    convp_buf_free(&in);
    if (out.len == 0)
        goto outside;
    if (!convp_buf_cstr(&out))
        goto nomem;
    return out.data;
outside:
    convp_buf_free(&in);
    convp_buf_free(&out);
    return NULL;
nomem:
    convp_buf_free(&in);
    convp_buf_free(&out);
    *nomem_out = 1;
    return NULL;
}

/* The folder of a part name, with its '/' ("" at the root), into a new string. */
static char *dir_of(struct xr *r, const char *part)
{
    const char *slash = strrchr(part, '/');
    return convp_strndup(r->ctx, part, slash ? (size_t)(slash - part) + 1 : 0);
}

/* The relationships part of a part: dir/_rels/name.rels. */
static char *rels_of(struct xr *r, const char *part)
{
    const char *slash = strrchr(part, '/');
    size_t d = slash ? (size_t)(slash - part) + 1 : 0;
    size_t n = strlen(part);
    char *s = convp_malloc(r->ctx, n + 12);
    if (!s)
        return NULL;
    memcpy(s, part, d);
    memcpy(s + d, "_rels/", 6);
    memcpy(s + d + 6, part + d, n - d);
    memcpy(s + 6 + n, ".rels", 6);
    return s;
}

/* ---- relationships, workbook, content types ------------------------------------------------ */

static void free_rels(struct xr *r)
{
    for (size_t i = 0; i < r->nrels; i++) {
        convp_free(r->ctx, r->rels[i].id);
        convp_free(r->ctx, r->rels[i].type);
        convp_free(r->ctx, r->rels[i].target);
        convp_free(r->ctx, r->rels[i].raw);
    }
    convp_free(r->ctx, r->rels);
    r->rels = NULL;
    r->nrels = 0;
}

/* Read a .rels part into r->rels; targets resolved against dir.  A
 * missing part is no relationships. */
static int read_rels(struct xr *r, const char *rels_name, const char *dir)
{
    free_rels(r);
    long e = convp_zip_find(r->zip, rels_name);
    if (e < 0)
        return CONV_OK;
    struct xr_part p;
    size_t cap = 0;
    if (part_open(r, &p, e) != CONV_OK)
        return CONV_ERR;
    int rc;
    while ((rc = part_next(&p)) == 1) {
        if (!node_is(&p, XML_READER_TYPE_ELEMENT, "Relationship"))
            continue;
        if (r->nrels == XR_MAX_RELS) {
            part_fail(&p, CONV_E_LIMIT, "more than %d relationships", XR_MAX_RELS);
            rc = -1;
            break;
        }
        if (r->nrels == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct xr_rel *q = convp_realloc(r->ctx, r->rels, ncap * sizeof *q);
            if (!q) {
                rc = -2;
                break;
            }
            r->rels = q;
            cap = ncap;
        }
        struct xr_rel *rel = &r->rels[r->nrels];
        memset(rel, 0, sizeof *rel);
        r->nrels++;
        xmlChar *id = xmlTextReaderGetAttribute(p.tr, (const xmlChar *)"Id");
        xmlChar *type = xmlTextReaderGetAttribute(p.tr, (const xmlChar *)"Type");
        xmlChar *target = xmlTextReaderGetAttribute(p.tr, (const xmlChar *)"Target");
        xmlChar *mode = xmlTextReaderGetAttribute(p.tr, (const xmlChar *)"TargetMode");
        int external = mode && !strcmp((const char *)mode, "External");
        int complete = id && type && target;
        if (complete) {
            rel->id = convp_strdup(r->ctx, (const char *)id);
            rel->type = convp_strdup(r->ctx, (const char *)type);
            rel->raw = convp_strdup(r->ctx, (const char *)target);
        }
        xmlFree(id);
        xmlFree(type);
        xmlFree(target);
        xmlFree(mode);
        if (!complete) {
            r->nrels--; /* unusable: ignored */
            continue;
        }
        if (!rel->id || !rel->type || !rel->raw) {
            rc = -2;
            break;
        }
        int nm;
        rel->target = external ? NULL : resolve(r, dir, rel->raw, &nm);
        if (!external && !rel->target && nm) {
            rc = -2;
            break;
        }
    }
    part_close(&p);
    if (rc == -2)
        return nomem(r);
    return rc == 0 ? CONV_OK : CONV_ERR;
}

static const struct xr_rel *rel_by_type(const struct xr *r, const char *type_tail)
{
    for (size_t i = 0; i < r->nrels; i++)
        if (ends_with(r->rels[i].type, type_tail))
            return &r->rels[i];
    return NULL;
}

static int cmp_rel(const void *a, const void *b)
{
    return strcmp(((const struct xr_rel *)a)->id, ((const struct xr_rel *)b)->id);
}

/* Needs the relationships sorted (sort_rels). */
static const struct xr_rel *rel_by_id(const struct xr *r, const char *id)
{
    struct xr_rel key = {.id = (char *)id};
    return r->nrels ? bsearch(&key, r->rels, r->nrels, sizeof *r->rels, cmp_rel) : NULL;
}

static void sort_rels(struct xr *r)
{
    if (r->nrels > 1)
        qsort(r->rels, r->nrels, sizeof *r->rels, cmp_rel);
}

/* The part a relationship points to, or an error naming it. */
static long rel_part(struct xr *r, const struct xr_rel *rel, const char *what)
{
    if (!rel->target) {
        convp_error_set(&r->rd->err, CONV_E_SYNTAX, r->rd->source, 0, 0,
                        "the %s points outside the workbook ('%.200s'): refused", what, rel->raw);
        return -1;
    }
    long e = convp_zip_find(r->zip, rel->target);
    if (e < 0)
        convp_error_set(&r->rd->err, CONV_E_SYNTAX, r->rd->source, 0, 0,
                        "damaged workbook: the %s '%.200s' is missing", what, rel->target);
    return e;
}

/* Find the workbook part: _rels/.rels, else the usual name. */
static int find_workbook(struct xr *r)
{
    if (read_rels(r, "_rels/.rels", "") != CONV_OK)
        return CONV_ERR;
    const struct xr_rel *core = rel_by_type(r, "/metadata/core-properties");
    if (core && core->target && !(r->core_part = convp_strdup(r->ctx, core->target)))
        return nomem(r);
    const struct xr_rel *rel = rel_by_type(r, "/officeDocument");
    if (rel) {
        if (rel_part(r, rel, "workbook") < 0)
            return CONV_ERR;
        r->wb_part = convp_strdup(r->ctx, rel->target);
    } else {
        if (convp_zip_find(r->zip, "xl/workbook.xml") < 0) {
            convp_error_set(&r->rd->err, CONV_E_SYNTAX, r->rd->source, 0, 0,
                            "not an XLSX workbook (a zip archive without a workbook: a "
                            ".docx, .odt or other zip?)");
            return CONV_ERR;
        }
        r->wb_part = convp_strdup(r->ctx, "xl/workbook.xml");
    }
    return r->wb_part ? CONV_OK : nomem(r);
}

/* [Content_Types].xml, when present, must not call the workbook something
 * else (a Word or PowerPoint document). */
static int check_content_types(struct xr *r)
{
    long e = convp_zip_find(r->zip, "[Content_Types].xml");
    if (e < 0)
        return CONV_OK;
    struct xr_part p;
    if (part_open(r, &p, e) != CONV_OK)
        return CONV_ERR;
    int rc;
    while ((rc = part_next(&p)) == 1) {
        if (!node_is(&p, XML_READER_TYPE_ELEMENT, "Override"))
            continue;
        xmlChar *name = xmlTextReaderGetAttribute(p.tr, (const xmlChar *)"PartName");
        xmlChar *type = xmlTextReaderGetAttribute(p.tr, (const xmlChar *)"ContentType");
        int bad =
            name && type && name[0] == '/' && !name_cmp_fold((const char *)name + 1, r->wb_part) &&
            !strstr((const char *)type, "spreadsheetml") && !strstr((const char *)type, "ms-excel");
        if (bad)
            part_fail(&p, CONV_E_SYNTAX, "not an XLSX workbook: its main part is '%.120s'",
                      (const char *)type);
        xmlFree(name);
        xmlFree(type);
        if (bad) {
            rc = -1;
            break;
        }
    }
    part_close(&p);
    return rc == 0 ? CONV_OK : CONV_ERR;
}

static int truthy(const char *v)
{
    return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

/* The workbook: the 1904 flag and the sheets in order. */
struct xr_wbsheet {
    char *name, *rid;
};

static int read_workbook(struct xr *r, struct xr_wbsheet **out, size_t *nout)
{
    long e = convp_zip_find(r->zip, r->wb_part);
    if (e < 0) {
        convp_error_set(&r->rd->err, CONV_E_SYNTAX, r->rd->source, 0, 0,
                        "damaged workbook: the workbook part '%.200s' is missing", r->wb_part);
        return CONV_ERR;
    }
    struct xr_part p;
    if (part_open(r, &p, e) != CONV_OK)
        return CONV_ERR;
    struct xr_wbsheet *v = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = part_next(&p)) == 1) {
        if (node_is(&p, XML_READER_TYPE_ELEMENT, "workbookPr")) {
            char *d = get_attr(&p, "date1904");
            convp_book_set_date1904(r->b, truthy(d));
            convp_free(r->ctx, d);
        } else if (node_is(&p, XML_READER_TYPE_ELEMENT, "sheet")) {
            if (n == XR_MAX_SHEETS) {
                part_fail(&p, CONV_E_LIMIT, "more than %d sheets", XR_MAX_SHEETS);
                rc = -1;
                break;
            }
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                struct xr_wbsheet *q = convp_realloc(r->ctx, v, ncap * sizeof *q);
                if (!q) {
                    rc = -2;
                    break;
                }
                v = q;
                cap = ncap;
            }
            v[n].name = get_attr(&p, "name");
            v[n].rid = get_rid(&p);
            n++;
            if (!v[n - 1].name || !v[n - 1].rid) {
                part_fail(&p, CONV_E_SYNTAX, "a sheet without a name or relationship id");
                rc = -1;
                break;
            }
        }
    }
    part_close(&p);
    *out = v;
    *nout = n;
    if (rc == -2)
        return nomem(r);
    return rc == 0 ? CONV_OK : CONV_ERR;
}

/*
 * The document properties of a workbook our writer made (it has the field
 * sheet): its title, subject and creation time are the dataset's title,
 * source and created, which an XML output writes again.
 */
static int read_core(struct xr *r)
{
    long e = r->core_part ? convp_zip_find(r->zip, r->core_part) : -1;
    if (e < 0)
        return CONV_OK;
    struct xr_part p;
    if (part_open(r, &p, e) != CONV_OK)
        return CONV_ERR;
    struct conv_schema *f = r->rd->fields;
    char **slot = NULL;
    int rc;
    while ((rc = part_next(&p)) == 1) {
        int type = xmlTextReaderNodeType(p.tr);
        if (type == XML_READER_TYPE_ELEMENT && xmlTextReaderDepth(p.tr) == 1) {
            const char *name = (const char *)xmlTextReaderConstLocalName(p.tr);
            slot = !name                      ? NULL
                   : !strcmp(name, "title")   ? &f->title
                   : !strcmp(name, "subject") ? &f->source
                   : !strcmp(name, "created") ? &f->created
                                              : NULL;
            if (slot && *slot) {
                convp_free(r->ctx, *slot);
                *slot = NULL;
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (slot == &f->created && f->created &&
                !convp_is_datetime(f->created, strlen(f->created))) {
                convp_free(r->ctx, f->created); /* not a date-time an output can write */
                f->created = NULL;
            }
            slot = NULL;
        } else if (slot && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                            type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
            const char *v = (const char *)xmlTextReaderConstValue(p.tr);
            size_t old = *slot ? strlen(*slot) : 0, add = v ? strlen(v) : 0;
            char *t = convp_realloc(r->ctx, *slot, old + add + 1);
            if (!t) {
                rc = -2;
                break;
            }
            memcpy(t + old, v ? v : "", add);
            t[old + add] = '\0';
            *slot = t;
        }
    }
    part_close(&p);
    if (rc == -2)
        return nomem(r);
    return rc == 0 ? CONV_OK : CONV_ERR;
}

/* ---- styles -------------------------------------------------------------------------------- */

/* By id, then by order of appearance (the last one of an id wins). */
static int cmp_numfmt(const void *a, const void *b)
{
    const struct xr_numfmt *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static const struct xr_numfmt *find_numfmt(const struct xr_numfmt *v, size_t n, uint32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].id <= id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && v[lo - 1].id == id ? &v[lo - 1] : NULL;
}

static int parse_u32(const char *s, uint32_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* A number attribute of the current element (0 when absent or not one). */
static uint32_t attr_u32(struct xr_part *p, const char *name)
{
    char *v = get_attr(p, name);
    uint32_t n = 0;
    if (!v || parse_u32(v, &n) != 0)
        n = 0;
    convp_free(p->r->ctx, v);
    return n;
}

/* A boolean property element such as <b/> or <b val="0"/>: on unless val
 * says off. */
static int prop_on(struct xr_part *p)
{
    char *v = get_attr(p, "val");
    int on = !v || !(!strcmp(v, "0") || !strcmp(v, "false"));
    convp_free(p->r->ctx, v);
    return on;
}

struct xr_font {
    uint8_t bold, italic;
    uint32_t name; /* the book's font index, or CONVP_NO_FONT */
};

struct xr_xf {
    uint32_t numfmt, font;
    uint8_t indent;
};

/*
 * styles.xml: custom number formats, the fonts (bold, italic, name) and
 * the cell formats (cellXfs: number format, font, indent), which become
 * the book's styles in order.
 */
static int read_styles(struct xr *r, long e)
{
    struct xr_part p;
    if (part_open(r, &p, e) != CONV_OK)
        return CONV_ERR;
    struct xr_numfmt *nf = NULL;
    struct xr_font *fonts = NULL;
    struct xr_xf *xfs = NULL;
    size_t nnf = 0, capnf = 0, nfonts = 0, capfonts = 0, nxf = 0, capxf = 0;
    int in_xfs = 0, in_fonts = 0, in_font = 0, in_xf = 0, rc;
    while ((rc = part_next(&p)) == 1) {
        int type = xmlTextReaderNodeType(p.tr);
        const char *name = (const char *)xmlTextReaderConstLocalName(p.tr);
        if (!name)
            continue;
        int empty = type == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(p.tr);
        if (type == XML_READER_TYPE_END_ELEMENT) {
            if (!strcmp(name, "cellXfs"))
                in_xfs = 0;
            else if (!strcmp(name, "fonts"))
                in_fonts = 0;
            else if (!strcmp(name, "font"))
                in_font = 0;
            else if (!strcmp(name, "xf"))
                in_xf = 0;
            continue;
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        if (!strcmp(name, "cellXfs")) {
            in_xfs = !empty;
        } else if (!strcmp(name, "fonts")) {
            in_fonts = !empty;
        } else if (!strcmp(name, "numFmt")) {
            char *id = get_attr(&p, "numFmtId"), *code = get_attr(&p, "formatCode");
            uint32_t v;
            int ok = id && code && parse_u32(id, &v) == 0;
            if (ok && nnf == XR_MAX_NUMFMTS) {
                part_fail(&p, CONV_E_LIMIT, "more than %d number formats", XR_MAX_NUMFMTS);
                rc = -1;
            } else if (ok) {
                rc = convp_array_grow(r->ctx, (void **)&nf, nnf, &capnf, sizeof *nf) ? -2 : 1;
            }
            if (ok && rc == 1) {
                nf[nnf].id = v;
                nf[nnf].order = (uint32_t)nnf;
                nf[nnf].f = convp_numfmt_classify(code, strlen(code));
                if (!(nf[nnf].code = convp_book_add_code(r->b, code, strlen(code)))) {
                    p.failed = 1;
                    rc = -1;
                }
                nnf++;
            }
            convp_free(r->ctx, id);
            convp_free(r->ctx, code);
            if (rc != 1)
                break;
        } else if (in_fonts && !strcmp(name, "font")) {
            if (nfonts == XR_MAX_FONTS) {
                part_fail(&p, CONV_E_LIMIT, "more than %d fonts", XR_MAX_FONTS);
                rc = -1;
                break;
            }
            if (convp_array_grow(r->ctx, (void **)&fonts, nfonts, &capfonts, sizeof *fonts)) {
                rc = -2;
                break;
            }
            fonts[nfonts++] = (struct xr_font){0, 0, CONVP_NO_FONT};
            in_font = !empty;
        } else if (in_font && (!strcmp(name, "b") || !strcmp(name, "i"))) {
            if (name[0] == 'b')
                fonts[nfonts - 1].bold = (uint8_t)prop_on(&p);
            else
                fonts[nfonts - 1].italic = (uint8_t)prop_on(&p);
        } else if (in_font && !strcmp(name, "name")) {
            char *v = get_attr(&p, "val");
            long k = v ? convp_book_add_font(r->b, v, strlen(v)) : (long)CONVP_NO_FONT;
            convp_free(r->ctx, v);
            if (k < 0) {
                p.failed = 1;
                rc = -1;
                break;
            }
            fonts[nfonts - 1].name = (uint32_t)k;
        } else if (in_xfs && !strcmp(name, "xf")) {
            if (nxf == XR_MAX_XFS) {
                part_fail(&p, CONV_E_LIMIT, "more than %d cell formats", XR_MAX_XFS);
                rc = -1;
                break;
            }
            if (convp_array_grow(r->ctx, (void **)&xfs, nxf, &capxf, sizeof *xfs)) {
                rc = -2;
                break;
            }
            xfs[nxf++] = (struct xr_xf){attr_u32(&p, "numFmtId"), attr_u32(&p, "fontId"), 0};
            in_xf = !empty;
        } else if (in_xf && !strcmp(name, "alignment")) {
            uint32_t ind = attr_u32(&p, "indent");
            xfs[nxf - 1].indent = (uint8_t)(ind > 250 ? 250 : ind);
        }
    }
    part_close(&p);
    if (rc == 0 && nnf > 1)
        qsort(nf, nnf, sizeof *nf, cmp_numfmt);
    for (size_t i = 0; rc == 0 && i < nxf; i++) {
        /* A numFmt of the same id overrides a built-in one. */
        const struct xr_numfmt *m = find_numfmt(nf, nnf, xfs[i].numfmt);
        const struct xr_font *f = xfs[i].font < nfonts ? &fonts[xfs[i].font] : NULL;
        struct convp_style s = {
            .nf = m ? m->f : convp_numfmt_builtin(xfs[i].numfmt),
            .code = m ? m->code : convp_numfmt_builtin_code(xfs[i].numfmt),
            .bold = f ? f->bold : 0,
            .italic = f ? f->italic : 0,
            .indent = xfs[i].indent,
            .font = f ? f->name : CONVP_NO_FONT,
        };
        if (convp_book_add_style(r->b, &s) != CONV_OK)
            rc = -1;
    }
    convp_free(r->ctx, nf);
    convp_free(r->ctx, fonts);
    convp_free(r->ctx, xfs);
    if (rc == -2)
        return nomem(r);
    return rc == 0 ? CONV_OK : CONV_ERR;
}

/* ---- shared strings ------------------------------------------------------------------------ */

/*
 * Decode Excel's _xHHHH_ escapes in place (a character XML cannot carry,
 * or a literal "_x" sequence escaped as _x005F_); returns the new length.
 * A pair of surrogate escapes makes one character; an escape of NUL or of
 * a lone surrogate is kept as written.
 */
static size_t decode_x(char *s, size_t n)
{
    if (n < 7 || !memchr(s, '_', n))
        return n;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp = 0;
        size_t used = 0;
        if (s[i] == '_' && i + 7 <= n && s[i + 1] == 'x' && s[i + 6] == '_') {
            int ok = 1;
            for (int k = 2; k < 6 && ok; k++) {
                int h = hexval((unsigned char)s[i + k]);
                ok = h >= 0;
                cp = cp * 16 + (unsigned)(h < 0 ? 0 : h);
            }
            if (ok)
                used = 7;
            if (ok && cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo = 0;
                int ok2 = i + 14 <= n && s[i + 7] == '_' && s[i + 8] == 'x' && s[i + 13] == '_';
                for (int k = 9; k < 13 && ok2; k++) {
                    int h = hexval((unsigned char)s[i + k]);
                    ok2 = h >= 0;
                    lo = lo * 16 + (unsigned)(h < 0 ? 0 : h);
                }
                if (ok2 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    used = 14;
                } else {
                    used = 0;
                }
            } else if (ok && (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))) {
                used = 0;
            }
        }
        if (!used) {
            s[o++] = s[i++];
            continue;
        }
        o += convp_utf8_encode((uint32_t)cp, s + o);
        i += used;
    }
    return o;
}

/*
 * sharedStrings.xml into one buffer and offsets.  Rich-text runs are
 * concatenated, phonetic runs (rPh) skipped.  Held in memory, so its text
 * plus 8 bytes a string is bounded by max-part-size / 4.
 */
static int read_sst(struct xr *r, long e)
{
    struct xr_part p;
    if (part_open(r, &p, e) != CONV_OK)
        return CONV_ERR;
    uint64_t limit = r->max_part / 4;
    size_t cap = 0, start = 0;
    int in_si = 0, in_t = 0, rph = 0, rc;
    struct convp_buf *b = &r->sst;
    while ((rc = part_next(&p)) == 1) {
        int type = xmlTextReaderNodeType(p.tr);
        if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
            type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
            if (in_t && !rph) {
                const char *v = (const char *)xmlTextReaderConstValue(p.tr);
                if (v && convp_buf_append(b, v, strlen(v)) != 0) {
                    rc = -2;
                    break;
                }
                if ((uint64_t)b->len + 8 * (uint64_t)r->nsst > limit) {
                    part_fail(&p, CONV_E_LIMIT,
                              "shared strings take more than %llu bytes (max-part-size / 4)",
                              (unsigned long long)limit);
                    rc = -1;
                    break;
                }
            }
            continue;
        }
        const char *name = (const char *)xmlTextReaderConstLocalName(p.tr);
        if (!name)
            continue;
        int empty = type == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(p.tr);
        int end = type == XML_READER_TYPE_END_ELEMENT || empty;
        if (type == XML_READER_TYPE_ELEMENT) {
            if (!strcmp(name, "si")) {
                in_si = 1;
                start = b->len;
            } else if (in_si && !strcmp(name, "rPh")) {
                rph = 1;
            } else if (in_si && !strcmp(name, "t")) {
                in_t = 1;
            }
        }
        if (!end)
            continue;
        if (!strcmp(name, "t")) {
            in_t = 0;
        } else if (!strcmp(name, "rPh")) {
            rph = 0;
        } else if (!strcmp(name, "si") && in_si) {
            in_si = 0;
            b->len = start + decode_x(b->data ? b->data + start : NULL, b->len - start);
            if (convp_buf_putc(b, '\0') != 0) {
                rc = -2;
                break;
            }
            if (r->nsst + 1 >= cap) {
                size_t ncap = cap ? cap * 2 : 1024;
                uint64_t *q = convp_realloc(r->ctx, r->sst_off, ncap * sizeof *q);
                if (!q) {
                    rc = -2;
                    break;
                }
                r->sst_off = q;
                cap = ncap;
            }
            r->sst_off[r->nsst++] = start;
            r->sst_off[r->nsst] = b->len;
        }
    }
    part_close(&p);
    if (rc == -2)
        return nomem(r);
    return rc == 0 ? CONV_OK : CONV_ERR;
}

/* ---- worksheets: rows ---------------------------------------------------------------------- */

static long stream_read(void *user, void *buf, size_t n, struct conv_error *err)
{
    struct xr *r = user;
    return convp_zip_read(r->zip, buf, n, err);
}

static void stream_close(struct xr *r)
{
    convp_xscan_free(r->st.scan);
    memset(&r->st, 0, sizeof r->st);
    r->st_open = 0;
}

static int xr_start(struct convp_book *b, void *drv, size_t i)
{
    struct xr *r = drv;
    (void)b;
    stream_close(r);
    long entry = (long)convp_book_sheet_pos(r->b, i);
    if (convp_zip_open_entry(r->zip, (size_t)entry, &r->rd->err) != CONV_OK)
        return CONV_ERR;
    r->st.part = convp_zip_name(r->zip, (size_t)entry);
    r->st.scan = convp_xscan_new(r->ctx, stream_read, r, r->st.part, r->rd->source, &r->rd->err);
    if (!r->st.scan)
        return CONV_ERR;
    r->st.sheet = convp_book_sheet_name(r->b, i);
    r->st.index = i;
    r->st_open = 1;
    return CONV_OK;
}

static int is_name(const struct convp_xscan_tok *t, const char *name, size_t len)
{
    return t->name_len == len && !memcmp(t->name, name, len);
}

static const struct convp_xscan_attr *find_attr(const struct convp_xscan_tok *t, char name)
{
    for (size_t i = 0; i < t->nattrs; i++)
        if (t->attrs[i].name_len == 1 && t->attrs[i].name[0] == name)
            return &t->attrs[i];
    return NULL;
}

static int row_begin(struct xr *r, const struct convp_xscan_tok *t)
{
    struct xr_row *row = &r->row;
    const char *sheet = r->st.sheet;
    const struct convp_xscan_attr *a = find_attr(t, 'r');
    uint64_t num = (uint64_t)r->st.prev_row + 1;
    if (a) {
        num = 0;
        for (size_t i = 0; i < a->value_len; i++) {
            char c = a->value[i];
            if (c < '0' || c > '9' || i >= 8) {
                num = 0;
                break;
            }
            num = num * 10 + (uint64_t)(c - '0');
        }
        if (num == 0 || num > CONVP_XLSX_MAX_ROWS)
            return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, r->st.prev_row + 1, 0,
                              "row number '%.*s' out of range (1 to %u)",
                              (int)(a->value_len > 20 ? 20 : a->value_len), a->value,
                              CONVP_XLSX_MAX_ROWS);
    }
    if (num > CONVP_XLSX_MAX_ROWS)
        return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, (uint32_t)CONVP_XLSX_MAX_ROWS, 0,
                          "more than %u rows", CONVP_XLSX_MAX_ROWS);
    if (num <= r->st.prev_row)
        return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, (uint32_t)num, 0,
                          "row %llu comes after row %u (rows out of order or repeated)",
                          (unsigned long long)num, (unsigned)r->st.prev_row);
    row->num = (uint32_t)num;
    const struct convp_xscan_attr *h = NULL;
    for (size_t i = 0; i < t->nattrs; i++)
        if (t->attrs[i].name_len == 6 && !memcmp(t->attrs[i].name, "hidden", 6))
            h = &t->attrs[i];
    row->hidden = h && ((h->value_len == 1 && h->value[0] == '1') ||
                        (h->value_len == 4 && !memcmp(h->value, "true", 4)));
    row->n = 0;
    row->text.len = 0;
    return CONV_OK;
}

/* A cell reference: column letters, then the row's number. */
static int parse_ref(const char *s, size_t n, uint32_t *col, uint64_t *row)
{
    size_t i = 0;
    uint32_t c = 0;
    while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) {
        if (i == 3)
            return -1;
        c = c * 26 + (uint32_t)(lower((unsigned char)s[i]) - 'a' + 1);
        i++;
    }
    if (i == 0 || i == n || n - i > 7 || c > CONVP_XLSX_MAX_COLS)
        return -1;
    uint64_t rr = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        rr = rr * 10 + (uint64_t)(s[i] - '0');
    }
    if (rr == 0 || rr > CONVP_XLSX_MAX_ROWS)
        return -1;
    *col = c;
    *row = rr;
    return 0;
}

static int cell_begin(struct xr *r, const struct convp_xscan_tok *t, struct xr_cell *c)
{
    struct xr_row *row = &r->row;
    const char *sheet = r->st.sheet;
    uint32_t prev = row->n ? row->cells[row->n - 1].col : 0;
    c->col = prev + 1;
    c->style = 0;
    c->t = T_N;
    c->has_v = 0;
    c->formula = 0;
    c->off = row->text.len;
    c->len = 0;
    for (size_t i = 0; i < t->nattrs; i++) {
        const struct convp_xscan_attr *a = &t->attrs[i];
        if (a->name_len != 1)
            continue;
        const char *v = a->value;
        size_t n = a->value_len;
        switch (a->name[0]) {
        case 'r': {
            uint64_t rr;
            if (parse_ref(v, n, &c->col, &rr) != 0)
                return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, row->num, prev + 1,
                                  "bad cell reference '%.*s' (columns A to XFD, rows 1 to %u)",
                                  (int)(n > 20 ? 20 : n), v, CONVP_XLSX_MAX_ROWS);
            if (rr != row->num)
                return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, row->num, c->col,
                                  "cell reference '%.*s' is not in row %u", (int)(n > 20 ? 20 : n),
                                  v, (unsigned)row->num);
            break;
        }
        case 's': {
            uint32_t sv = 0;
            for (size_t k = 0; k < n; k++) {
                if (v[k] < '0' || v[k] > '9' || k >= 9) {
                    sv = UINT32_MAX;
                    break;
                }
                sv = sv * 10 + (uint32_t)(v[k] - '0');
            }
            c->style = sv;
            break;
        }
        case 't':
            if (n == 1 && v[0] == 'n')
                c->t = T_N;
            else if (n == 1 && v[0] == 's')
                c->t = T_S;
            else if (n == 3 && !memcmp(v, "str", 3))
                c->t = T_STR;
            else if (n == 9 && !memcmp(v, "inlineStr", 9))
                c->t = T_INLINE;
            else if (n == 1 && v[0] == 'b')
                c->t = T_B;
            else if (n == 1 && v[0] == 'e')
                c->t = T_E;
            else if (n == 1 && v[0] == 'd')
                c->t = T_D;
            else
                return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, row->num, c->col,
                                  "unknown cell type '%.*s'", (int)(n > 20 ? 20 : n), v);
            break;
        default:
            break;
        }
    }
    if (c->col > CONVP_XLSX_MAX_COLS)
        return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, row->num, 0, "more than %u columns",
                          CONVP_XLSX_MAX_COLS);
    if (c->col <= prev)
        return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, row->num, c->col,
                          "cell comes after column %u (cells out of order or repeated)",
                          (unsigned)prev);
    return CONV_OK;
}

/* "A1:C2" (or "B3", one cell) as a range: 0, or -1. */
static int parse_range(const char *s, size_t n, struct convp_range *out)
{
    const char *colon = memchr(s, ':', n);
    size_t k = colon ? (size_t)(colon - s) : n;
    uint64_t r1, r2;
    if (parse_ref(s, k, &out->col1, &r1) != 0)
        return -1;
    if (!colon) {
        r2 = r1;
        out->col2 = out->col1;
    } else if (parse_ref(colon + 1, n - k - 1, &out->col2, &r2) != 0) {
        return -1;
    }
    out->row1 = (uint32_t)(r1 < r2 ? r1 : r2);
    out->row2 = (uint32_t)(r1 < r2 ? r2 : r1);
    if (out->col1 > out->col2) {
        uint32_t t = out->col1;
        out->col1 = out->col2;
        out->col2 = t;
    }
    return 0;
}

/* An attribute by local name. */
static const struct convp_xscan_attr *attr_named(const struct convp_xscan_tok *t, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < t->nattrs; i++)
        if (t->attrs[i].name_len == len && !memcmp(t->attrs[i].name, name, len))
            return &t->attrs[i];
    return NULL;
}

/* A small number attribute: its value, 0 when absent or not one. */
static uint32_t attr_num(const struct convp_xscan_tok *t, const char *name)
{
    const struct convp_xscan_attr *a = attr_named(t, name);
    uint32_t v = 0;
    for (size_t i = 0; a && i < a->value_len; i++) {
        if (a->value[i] < '0' || a->value[i] > '9' || i >= 8)
            return 0;
        v = v * 10 + (uint32_t)(a->value[i] - '0');
    }
    return v;
}

/* What a worksheet says outside sheetData: hidden columns before it,
 * merged ranges after. */
static int outside_data(struct xr *r, const struct convp_xscan_tok *t)
{
    if (t->depth != 3)
        return CONV_OK;
    if (is_name(t, "col", 3)) {
        const struct convp_xscan_attr *h = attr_named(t, "hidden");
        uint32_t lo = attr_num(t, "min"), hi = attr_num(t, "max");
        int on = h && ((h->value_len == 1 && h->value[0] == '1') ||
                       (h->value_len == 4 && !memcmp(h->value, "true", 4)));
        if (on && lo && hi >= lo)
            return convp_book_hide_cols(r->b, r->st.index, lo,
                                        hi < CONVP_XLSX_MAX_COLS ? hi : CONVP_XLSX_MAX_COLS);
    } else if (is_name(t, "mergeCell", 9)) {
        const struct convp_xscan_attr *a = attr_named(t, "ref");
        struct convp_range g;
        if (a && parse_range(a->value, a->value_len, &g) == 0)
            return convp_book_add_merge(r->b, r->st.index, &g);
    }
    return CONV_OK;
}

/*
 * The next row of the open sheet into r->row: 1, 0 when the sheet has no
 * more (read to its end: well-formed, its size and CRC checked by the zip
 * layer), -1.  Elements are recognized by local name and depth: worksheet
 * (1), cols sheetData mergeCells (2), col row mergeCell (3), c (4), v f is
 * (5), t r rPh (6), r/t (7).
 */
static int next_row(struct xr *r)
{
    struct xr_stream *st = &r->st;
    struct xr_row *row = &r->row;
    struct convp_xscan_tok t;
    struct xr_cell cell = {0};
    int in_row = 0, in_cell = 0, in_is = 0, in_run = 0, collect = 0;
    for (;;) {
        int rc = convp_xscan_next(st->scan, &t);
        if (rc == CONV_EOF) {
            stream_close(r);
            return 0;
        }
        if (rc != CONV_OK)
            return -1;
        if (t.kind == CONVP_XSCAN_TEXT) {
            if (collect) {
                if (convp_buf_append(&row->text, t.text, t.text_len) != 0)
                    return nomem(r), -1;
                if (row->text.len > CONVP_MAX_RECORD_BYTES)
                    return convp_book_cell_error(r->b, CONV_E_LIMIT, st->sheet, row->num, cell.col,
                                      "row over %zu bytes", CONVP_MAX_RECORD_BYTES),
                           -1;
            }
            continue;
        }
        if (t.kind == CONVP_XSCAN_START) {
            if (!st->in_data) {
                if (t.depth == 2 && is_name(&t, "sheetData", 9) && !st->data_done)
                    st->in_data = 1;
                else if (outside_data(r, &t) != CONV_OK)
                    return -1;
                continue;
            }
            switch (t.depth) {
            case 3:
                if (is_name(&t, "row", 3)) {
                    if (row_begin(r, &t) != CONV_OK)
                        return -1;
                    in_row = 1;
                }
                break;
            case 4:
                if (in_row && is_name(&t, "c", 1)) {
                    if (cell_begin(r, &t, &cell) != CONV_OK)
                        return -1;
                    in_cell = 1;
                }
                break;
            case 5:
                if (in_cell && is_name(&t, "f", 1)) {
                    cell.formula = 1;
                } else if (in_cell && is_name(&t, "v", 1)) {
                    row->text.len = cell.off; /* a second <v> replaces the first */
                    cell.has_v = 1;
                    collect = 1;
                } else if (in_cell && is_name(&t, "is", 2)) {
                    in_is = 1;
                    cell.has_v = 1;
                }
                break;
            case 6:
                if (in_is && is_name(&t, "t", 1))
                    collect = 1;
                else if (in_is && is_name(&t, "r", 1))
                    in_run = 1;
                break;
            case 7:
                if (in_run && is_name(&t, "t", 1))
                    collect = 1;
                break;
            default:
                break;
            }
            continue;
        }
        /* END */
        if (!st->in_data)
            continue;
        switch (t.depth) {
        case 2:
            st->in_data = 0;
            st->data_done = 1;
            break;
        case 3:
            if (in_row) {
                st->prev_row = row->num;
                return 1;
            }
            break;
        case 4:
            if (in_cell) {
                in_cell = 0;
                cell.len = row->text.len - cell.off;
                if (convp_buf_putc(&row->text, '\0') != 0)
                    return nomem(r), -1;
                if (row->n == row->cap) {
                    size_t ncap = row->cap ? row->cap * 2 : 32;
                    struct xr_cell *q = convp_realloc(r->ctx, row->cells, ncap * sizeof *q);
                    if (!q)
                        return nomem(r), -1;
                    row->cells = q;
                    row->cap = ncap;
                }
                row->cells[row->n++] = cell;
            }
            break;
        case 5:
            collect = 0;
            in_is = 0;
            break;
        case 6:
            collect = 0;
            in_run = 0;
            break;
        case 7:
            collect = 0;
            break;
        default:
            break;
        }
    }
}


/* ---- cell values --------------------------------------------------------------------------- */

/* The row just read, with each cell's value, into the book's row. */
static int xr_values(struct convp_book *b, void *drv, struct convp_row *out)
{
    struct xr *r = drv;
    (void)b;
    const struct xr_row *row = &r->row;
    const char *sheet = r->st.sheet;
    convp_row_clear(out, row->num);
    out->hidden = row->hidden;
    for (size_t i = 0; i < row->n; i++) {
        const struct xr_cell *x = &row->cells[i];
        struct convp_cell *c = convp_row_cell(r->b, out, x->col);
        if (!c)
            return CONV_ERR;
        c->style = x->style;
        c->flags = x->formula ? CONVP_CELL_FORMULA : 0;
        char *s = row->text.data ? row->text.data + x->off : NULL;
        size_t n = x->len;
        if (!x->has_v || (n == 0 && x->t != T_STR && x->t != T_INLINE && x->t != T_E))
            continue; /* no value */
        switch (x->t) {
        case T_N:
            if (convp_book_number(r->b, out, c, s, n, 0, sheet) != CONV_OK)
                return CONV_ERR;
            break;
        case T_S: {
            uint64_t k = 0;
            for (size_t j = 0; j < n; j++) {
                if (s[j] < '0' || s[j] > '9' || j >= 12) {
                    k = UINT64_MAX;
                    break;
                }
                k = k * 10 + (uint64_t)(s[j] - '0');
            }
            if (k >= r->nsst)
                return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, row->num, x->col,
                                             "shared string '%.20s' out of range (the workbook "
                                             "has %zu)",
                                             s, r->nsst);
            c->type = CONV_STRING;
            c->flags |= CONVP_CELL_LASTING;
            c->text = r->sst.data + r->sst_off[k];
            c->len = (size_t)(r->sst_off[k + 1] - r->sst_off[k] - 1);
            break;
        }
        case T_STR:
        case T_INLINE:
            n = decode_x(s, n);
            s[n] = '\0';
            /* fall through */
        case T_E:
            c->type = CONV_STRING;
            c->flags |= x->t == T_E ? CONVP_CELL_ERROR : 0;
            c->text = s;
            c->len = n;
            break;
        case T_B:
            c->type = CONV_BOOLEAN;
            if ((n == 1 && s[0] == '1') || (n == 4 && !memcmp(s, "true", 4)))
                c->text = "true";
            else if ((n == 1 && s[0] == '0') || (n == 5 && !memcmp(s, "false", 5)))
                c->text = "false";
            else
                return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, row->num, x->col,
                                             "'%.20s' is not a boolean", s);
            c->len = strlen(c->text);
            break;
        case T_D:
            if (n == 10 && convp_is_date(s, n))
                c->type = CONV_DATE;
            else if (convp_is_datetime(s, n))
                c->type = CONV_DATETIME;
            else
                return convp_book_cell_error(r->b, CONV_E_SYNTAX, sheet, row->num, x->col,
                                             "'%.40s' is not an ISO 8601 date", s);
            c->text = s;
            c->len = n;
            break;
        }
    }
    return CONV_OK;
}

static int xr_read_row(struct convp_book *b, void *drv)
{
    (void)b;
    return next_row(drv);
}

/* ---- driver -------------------------------------------------------------------------------- */

static int xr_props(struct convp_book *b, void *drv)
{
    (void)b;
    return read_core(drv);
}

/* The workbook's parts: relationships, content types, the workbook with
 * its sheets, styles and shared strings. */
static int xr_open(struct convp_book *b, void *drv)
{
    struct xr *r = drv;
    struct conv_reader *rd = convp_book_reader(b);
    r->b = b;
    r->rd = rd;
    r->ctx = rd->ctx;
    convp_buf_init(&r->sst, rd->ctx);
    convp_buf_init(&r->row.text, rd->ctx);
    long maxp;
    if (convp_opt_long(rd->opts, "max-part-size", (long)XR_DEFAULT_MAX_PART, 4096,
                       (long)((uint64_t)1 << 60), &rd->err, &maxp) != CONV_OK)
        return CONV_ERR;
    r->max_part = (uint64_t)maxp;
    xmlInitParser();
    r->zip = convp_zip_open(rd->ctx, rd->in, rd->source, "XLSX workbook", r->max_part,
                            r->max_part * 4, &rd->err);
    if (!r->zip)
        return CONV_ERR;
    struct xr_wbsheet *wb = NULL;
    size_t nwb = 0;
    int rc = CONV_ERR;
    if (find_workbook(r) != CONV_OK || check_content_types(r) != CONV_OK ||
        read_workbook(r, &wb, &nwb) != CONV_OK)
        goto out;
    char *dir = dir_of(r, r->wb_part), *rels = rels_of(r, r->wb_part);
    int ok = dir && rels && read_rels(r, rels, dir) == CONV_OK;
    if (!dir || !rels)
        nomem(r);
    convp_free(r->ctx, dir);
    convp_free(r->ctx, rels);
    if (!ok)
        goto out;
    sort_rels(r);
    const struct xr_rel *styles = rel_by_type(r, "/styles");
    const struct xr_rel *sst = rel_by_type(r, "/sharedStrings");
    long e;
    if (styles && ((e = rel_part(r, styles, "styles part")) < 0 || read_styles(r, e) != CONV_OK))
        goto out;
    if (sst && ((e = rel_part(r, sst, "shared strings part")) < 0 || read_sst(r, e) != CONV_OK))
        goto out;
    /* The sheets in workbook order; chart sheets are listed as not read. */
    for (size_t i = 0; i < nwb; i++) {
        const struct xr_rel *rel = rel_by_id(r, wb[i].rid);
        if (!rel) {
            convp_error_set(&rd->err, CONV_E_SYNTAX, rd->source, 0, 0,
                            "damaged workbook: sheet '%.100s' has no relationship '%.60s'",
                            wb[i].name, wb[i].rid);
            goto out;
        }
        int work = ends_with(rel->type, "/worksheet");
        e = work ? rel_part(r, rel, "worksheet") : 0;
        if (e < 0 || convp_book_add_sheet(b, wb[i].name, strlen(wb[i].name),
                                          work ? CONVP_SHEET_WORK : CONVP_SHEET_OTHER,
                                          (uint64_t)e) != CONV_OK)
            goto out;
    }
    rc = CONV_OK;
out:
    for (size_t i = 0; i < nwb; i++) {
        convp_free(r->ctx, wb[i].name);
        convp_free(r->ctx, wb[i].rid);
    }
    convp_free(r->ctx, wb);
    if (rc == CONV_OK)
        free_rels(r);
    return rc;
}

static void xr_close(struct convp_book *b, void *drv)
{
    struct xr *r = drv;
    (void)b;
    if (!r->ctx)
        return;
    stream_close(r);
    convp_zip_close(r->zip);
    free_rels(r);
    convp_free(r->ctx, r->wb_part);
    convp_free(r->ctx, r->core_part);
    convp_buf_free(&r->sst);
    convp_free(r->ctx, r->sst_off);
    convp_free(r->ctx, r->row.cells);
    convp_buf_free(&r->row.text);
}

static const struct convp_book_ops xlsx_book = {
    .what = "workbook",
    .max_rows = CONVP_XLSX_MAX_ROWS,
    .drv_size = sizeof(struct xr),
    .open = xr_open,
    .start = xr_start,
    .read_row = xr_read_row,
    .values = xr_values,
    .props = xr_props,
    .close = xr_close,
};

const struct convp_reader_ops convp_xlsx_reader_ops = CONVP_BOOK_READER(&xlsx_book);
