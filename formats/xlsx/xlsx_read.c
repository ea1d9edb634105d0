/*
 * XLSX reader.  The zip layer (xlsx_zip.c) hands out each part as a
 * bounded, CRC-checked stream.  The small parts (content types,
 * relationships, workbook, styles, shared strings) are read with libxml2's
 * xmlTextReader under the project's libxml2 rules; worksheets, which are
 * most of the bytes, go through our own strict tokenizer (xlsx_scan.c),
 * row by row, one record per row.  Rules: docs/formats.md, "Excel".
 */
#include "xlsx_private.h"
#include "xlsx_cells.h"
#include "xlsx_scan.h"
#include "xlsx_zip.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>

#include <libxml/xmlreader.h>

#ifndef CONVP_XLSX_META_SHEET
#define CONVP_XLSX_META_SHEET "_conv_fields"
#endif

#define XR_DEFAULT_MAX_PART ((uint64_t)1 << 30)
#define XR_MAX_SHEETS 10000
#define XR_MAX_RELS 100000
#define XR_MAX_NUMFMTS 100000
#define XR_MAX_XFS 1000000
#define XR_AUTO_ROWS 20 /* rows looked at for the header, from the first non-empty one */

#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_REL_STRICT "http://purl.oclc.org/ooxml/officeDocument/relationships"

/* Cell types (the t attribute). */
enum { T_N, T_S, T_STR, T_INLINE, T_B, T_E, T_D };

struct xr_numfmt {
    uint32_t id;
    uint32_t order;
    struct convp_numfmt f;
};

struct xr_rel {
    char *id, *type, *target; /* target resolved to a part name; NULL if outside */
    char *raw;                /* the target as written, for errors */
};

struct xr_cell {
    uint32_t col;
    uint32_t style;
    uint8_t t;
    uint8_t has_v;
    uint8_t decoded; /* _xHHHH_ escapes decoded (in place) */
    size_t off, len; /* text in the row's buffer, NUL-terminated */
};

struct xr_row {
    uint32_t num;
    struct xr_cell *cells;
    size_t n, cap;
    struct convp_buf text;
};

struct xr_sheet {
    char *name;
    long entry; /* its zip entry */
    /* the table, once its header is known */
    uint32_t header_row; /* 0: the sheet has no rows */
    uint32_t first_col, ncols;
    uint32_t *field; /* per table column */
};

/* One worksheet being read. */
struct xr_stream {
    struct convp_xscan *scan;
    const struct xr_sheet *sh;
    const char *part;
    int in_data, data_done;
    uint32_t prev_row;
};

struct xr {
    struct conv_reader *rd;
    struct conv_context *ctx;
    struct convp_xlsx_zip *zip;
    locale_t cloc;
    /* options */
    int raw_numbers;
    int rename;
    long header_row;
    uint64_t max_part;
    /* workbook */
    int date1904;
    char *wb_part;
    char *core_part; /* docProps/core.xml, or NULL */
    struct xr_rel *rels;
    size_t nrels;
    struct convp_numfmt *xf;
    size_t nxf;
    struct convp_buf sst;
    uint64_t *sst_off; /* nsst + 1 offsets; string i is [off[i], off[i+1] - 1) */
    size_t nsst;
    struct conv_schema *meta; /* from the _conv_fields sheet, or NULL */
    char *summary_sheet;      /* its note of a sheet of counts, not records */
    struct xr_sheet *sheets;
    size_t nsheets;
    int multi;
    /* reading */
    size_t cur;
    struct xr_stream st;
    int st_open;
    struct xr_row row;
    uint32_t sheet_field; /* the 'sheet' field, when multi */
    struct convp_buf tmp;
};

/* ---- errors -------------------------------------------------------------------------------- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int nomem(struct xr *r)
{
    convp_error_set(&r->rd->err, CONV_E_NOMEM, r->rd->source, 0, 0, "out of memory");
    return CONV_ERR;
}

static int name_cmp_fold(const char *a, const char *b)
{
    for (;; a++, b++) {
        int d = lower((unsigned char)*a) - lower((unsigned char)*b);
        if (d || !*a)
            return d;
    }
}

/* An error at a cell: line = row, column = column, and the reference. */
static int cell_error(struct xr *r, enum conv_errcode code, const char *sheet, uint32_t row,
                      uint32_t col, const char *fmt, ...) CONVP_PRINTF(6, 7);
static int cell_error(struct xr *r, enum conv_errcode code, const char *sheet, uint32_t row,
                      uint32_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    convp_cell_verror(r->rd, code, sheet, row, col, fmt, ap);
    va_end(ap);
    return CONV_ERR;
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
    long got = convp_xlsx_zip_read(p->r->zip, buf, (size_t)len, &p->r->rd->err);
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
    p->name = convp_xlsx_zip_name(r->zip, (size_t)entry);
    if (convp_xlsx_zip_open_entry(r->zip, (size_t)entry, &r->rd->err) != CONV_OK)
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
    long e = convp_xlsx_zip_find(r->zip, rels_name);
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
    long e = convp_xlsx_zip_find(r->zip, rel->target);
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
        if (convp_xlsx_zip_find(r->zip, "xl/workbook.xml") < 0) {
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
    long e = convp_xlsx_zip_find(r->zip, "[Content_Types].xml");
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
    long e = convp_xlsx_zip_find(r->zip, r->wb_part);
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
            r->date1904 = truthy(d);
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
    long e = r->core_part ? convp_xlsx_zip_find(r->zip, r->core_part) : -1;
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

/* ---- number formats ------------------------------------------------------------------------ */


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

/* styles.xml: custom number formats and the cell formats (cellXfs). */
static int read_styles(struct xr *r, long e)
{
    struct xr_part p;
    if (part_open(r, &p, e) != CONV_OK)
        return CONV_ERR;
    struct xr_numfmt *nf = NULL;
    uint32_t *xf_ids = NULL;
    size_t nnf = 0, capnf = 0, nxf = 0, capxf = 0;
    int in_xfs = 0, rc;
    while ((rc = part_next(&p)) == 1) {
        int type = xmlTextReaderNodeType(p.tr);
        const char *name = (const char *)xmlTextReaderConstLocalName(p.tr);
        if (!name)
            continue;
        if (type == XML_READER_TYPE_END_ELEMENT) {
            if (!strcmp(name, "cellXfs"))
                in_xfs = 0;
            continue;
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        if (!strcmp(name, "cellXfs")) {
            in_xfs = !xmlTextReaderIsEmptyElement(p.tr);
        } else if (!strcmp(name, "numFmt")) {
            char *id = get_attr(&p, "numFmtId"), *code = get_attr(&p, "formatCode");
            uint32_t v;
            int ok = id && code && parse_u32(id, &v) == 0;
            if (ok && nnf == XR_MAX_NUMFMTS) {
                part_fail(&p, CONV_E_LIMIT, "more than %d number formats", XR_MAX_NUMFMTS);
                rc = -1;
            } else if (ok && nnf == capnf) {
                size_t ncap = capnf ? capnf * 2 : 16;
                struct xr_numfmt *q = convp_realloc(r->ctx, nf, ncap * sizeof *q);
                if (q) {
                    nf = q;
                    capnf = ncap;
                } else {
                    rc = -2;
                }
            }
            if (ok && rc == 1) {
                nf[nnf].id = v;
                nf[nnf].order = (uint32_t)nnf;
                nf[nnf].f = convp_numfmt_classify(code, strlen(code));
                nnf++;
            }
            convp_free(r->ctx, id);
            convp_free(r->ctx, code);
            if (rc != 1)
                break;
        } else if (in_xfs && !strcmp(name, "xf")) {
            if (nxf == XR_MAX_XFS) {
                part_fail(&p, CONV_E_LIMIT, "more than %d cell formats", XR_MAX_XFS);
                rc = -1;
                break;
            }
            if (nxf == capxf) {
                size_t ncap = capxf ? capxf * 2 : 64;
                uint32_t *q = convp_realloc(r->ctx, xf_ids, ncap * sizeof *q);
                if (!q) {
                    rc = -2;
                    break;
                }
                xf_ids = q;
                capxf = ncap;
            }
            char *id = get_attr(&p, "numFmtId");
            uint32_t v = 0;
            if (!id || parse_u32(id, &v) != 0)
                v = 0;
            convp_free(r->ctx, id);
            xf_ids[nxf++] = v;
        }
    }
    part_close(&p);
    if (rc == 0 && nxf) {
        r->xf = convp_malloc(r->ctx, nxf * sizeof *r->xf);
        if (!r->xf) {
            rc = -2;
        } else {
            if (nnf > 1)
                qsort(nf, nnf, sizeof *nf, cmp_numfmt);
            for (size_t i = 0; i < nxf; i++) {
                /* A numFmt of the same id overrides a built-in one. */
                const struct xr_numfmt *m = find_numfmt(nf, nnf, xf_ids[i]);
                r->xf[i] = m ? m->f : convp_numfmt_builtin(xf_ids[i]);
            }
            r->nxf = nxf;
        }
    }
    convp_free(r->ctx, nf);
    convp_free(r->ctx, xf_ids);
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
    return convp_xlsx_zip_read(r->zip, buf, n, err);
}

static void stream_close(struct xr *r)
{
    convp_xscan_free(r->st.scan);
    memset(&r->st, 0, sizeof r->st);
    r->st_open = 0;
}

static int stream_open(struct xr *r, const struct xr_sheet *sh)
{
    stream_close(r);
    if (convp_xlsx_zip_open_entry(r->zip, (size_t)sh->entry, &r->rd->err) != CONV_OK)
        return CONV_ERR;
    r->st.part = convp_xlsx_zip_name(r->zip, (size_t)sh->entry);
    r->st.scan = convp_xscan_new(r->ctx, stream_read, r, r->st.part, r->rd->source, &r->rd->err);
    if (!r->st.scan)
        return CONV_ERR;
    r->st.sh = sh;
    r->st_open = 1;
    return CONV_OK;
}

/* Read the rest of the part: it must be well-formed to its end, and the
 * zip layer checks its size and CRC there. */
static int stream_finish(struct xr *r)
{
    struct convp_xscan_tok t;
    int rc;
    while ((rc = convp_xscan_next(r->st.scan, &t)) == CONV_OK) {
    }
    stream_close(r);
    return rc == CONV_EOF ? CONV_OK : CONV_ERR;
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
    const char *sheet = r->st.sh->name;
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
            return cell_error(r, CONV_E_SYNTAX, sheet, r->st.prev_row + 1, 0,
                              "row number '%.*s' out of range (1 to %u)",
                              (int)(a->value_len > 20 ? 20 : a->value_len), a->value,
                              CONVP_XLSX_MAX_ROWS);
    }
    if (num > CONVP_XLSX_MAX_ROWS)
        return cell_error(r, CONV_E_SYNTAX, sheet, (uint32_t)CONVP_XLSX_MAX_ROWS, 0,
                          "more than %u rows", CONVP_XLSX_MAX_ROWS);
    if (num <= r->st.prev_row)
        return cell_error(r, CONV_E_SYNTAX, sheet, (uint32_t)num, 0,
                          "row %llu comes after row %u (rows out of order or repeated)",
                          (unsigned long long)num, (unsigned)r->st.prev_row);
    row->num = (uint32_t)num;
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
    const char *sheet = r->st.sh->name;
    uint32_t prev = row->n ? row->cells[row->n - 1].col : 0;
    c->col = prev + 1;
    c->style = 0;
    c->t = T_N;
    c->has_v = 0;
    c->decoded = 0;
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
                return cell_error(r, CONV_E_SYNTAX, sheet, row->num, prev + 1,
                                  "bad cell reference '%.*s' (columns A to XFD, rows 1 to %u)",
                                  (int)(n > 20 ? 20 : n), v, CONVP_XLSX_MAX_ROWS);
            if (rr != row->num)
                return cell_error(r, CONV_E_SYNTAX, sheet, row->num, c->col,
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
                return cell_error(r, CONV_E_SYNTAX, sheet, row->num, c->col,
                                  "unknown cell type '%.*s'", (int)(n > 20 ? 20 : n), v);
            break;
        default:
            break;
        }
    }
    if (c->col > CONVP_XLSX_MAX_COLS)
        return cell_error(r, CONV_E_SYNTAX, sheet, row->num, 0, "more than %u columns",
                          CONVP_XLSX_MAX_COLS);
    if (c->col <= prev)
        return cell_error(r, CONV_E_SYNTAX, sheet, row->num, c->col,
                          "cell comes after column %u (cells out of order or repeated)",
                          (unsigned)prev);
    return CONV_OK;
}

/*
 * The next row of the open sheet: 1, 0 when the sheet has no more, -1.
 * Elements are recognized by local name and depth: worksheet (1),
 * sheetData (2), row (3), c (4), v f is (5), t r rPh (6), r/t (7).
 */
static int next_row(struct xr *r)
{
    struct xr_stream *st = &r->st;
    struct xr_row *row = &r->row;
    struct convp_xscan_tok t;
    struct xr_cell cell = {0};
    int in_row = 0, in_cell = 0, in_is = 0, in_run = 0, collect = 0;
    if (st->data_done)
        return 0;
    for (;;) {
        int rc = convp_xscan_next(st->scan, &t);
        if (rc == CONV_EOF)
            return 0;
        if (rc != CONV_OK)
            return -1;
        if (t.kind == CONVP_XSCAN_TEXT) {
            if (collect) {
                if (convp_buf_append(&row->text, t.text, t.text_len) != 0)
                    return nomem(r), -1;
                if (row->text.len > CONVP_MAX_RECORD_BYTES)
                    return cell_error(r, CONV_E_LIMIT, st->sh->name, row->num, cell.col,
                                      "row over %zu bytes", CONVP_MAX_RECORD_BYTES),
                           -1;
            }
            continue;
        }
        if (t.kind == CONVP_XSCAN_START) {
            if (!st->in_data) {
                if (t.depth == 2 && is_name(&t, "sheetData", 9))
                    st->in_data = 1;
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
                if (in_cell && is_name(&t, "v", 1)) {
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
            return 0;
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

struct xr_val {
    enum conv_type type;
    const char *text;
    size_t len;
    int temp; /* text is in r->tmp or a caller's buffer, not lasting */
};

/* A date serial as text (convp_serial_text), or an error naming the cell. */
static int serial_text(struct xr *r, double v, struct convp_numfmt f, char *out, size_t size,
                       struct xr_val *val, const char *sheet, uint32_t row, uint32_t col)
{
    int rc = convp_serial_text(v, r->date1904, f, out, size, &val->type, &val->len);
    if (rc == -2)
        return cell_error(r, CONV_E_TYPE, sheet, row, col,
                          "serial 60 is 1900-02-29, a day that did not exist (Excel's 1900 "
                          "leap-year quirk)");
    if (rc != 0)
        return cell_error(r, CONV_E_TYPE, sheet, row, col,
                          "%.17g in a date format is not a date Excel can show", v);
    val->text = out;
    val->temp = 1;
    return CONV_OK;
}

/*
 * Whether <v> text is already what Excel shows: -?(0|[1-9][0-9]*)(.[0-9]*[1-9])?
 * with at most 15 significant digits, not a negative zero.  *frac: has a point.
 */
static int canonical_number(const char *s, size_t n, int *frac)
{
    size_t i = 0, sig = 0;
    int nonzero = 0;
    *frac = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i == n)
        return 0;
    if (s[i] == '0') {
        i++;
        if (i < n && s[i] != '.')
            return 0;
    } else {
        size_t from = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            nonzero = 1;
            sig++;
        }
        if (i == from)
            return 0;
    }
    if (i < n) {
        if (s[i] != '.' || i + 1 == n || s[n - 1] == '0')
            return 0;
        *frac = 1;
        for (i++; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return 0;
            if (s[i] != '0' || nonzero) {
                nonzero = 1;
                sig++;
            }
        }
    }
    if (sig > 15 || (s[0] == '-' && !nonzero))
        return 0;
    return 1;
}

/* A number as stored: [+-]digits[.digits][e[+-]digits], or .digits. */
static int number_syntax(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        d++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            d++;
    if (!d)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t e = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            e++;
        if (!e)
            return 0;
    }
    return i == n;
}

/* A number cell's value: as Excel shows it, padded to its format's
 * decimals, or a date; or (raw-numbers) as stored. */
static int number_value(struct xr *r, const struct xr_cell *c, const char *s, size_t n, char *out,
                        size_t size, struct xr_val *val, const char *sheet, uint32_t row)
{
    struct convp_numfmt f =
        c->style < r->nxf ? r->xf[c->style] : (struct convp_numfmt){CONVP_NF_GENERAL, 0};
    int frac = 0;
    int fast = f.kind != CONVP_NF_DATE && f.kind != CONVP_NF_DATETIME && !r->raw_numbers &&
               canonical_number(s, n, &frac);
    if (fast) {
        val->text = s;
        val->len = n;
        val->type = frac ? CONV_DECIMAL : CONV_INTEGER;
    } else if (r->raw_numbers && f.kind != CONVP_NF_DATE && f.kind != CONVP_NF_DATETIME) {
        if (convp_is_integer(s, n))
            val->type = CONV_INTEGER;
        else if (convp_is_decimal(s, n))
            val->type = CONV_DECIMAL;
        else
            return cell_error(r, CONV_E_SYNTAX, sheet, row, c->col, "'%.40s' is not a number", s);
        val->text = s;
        val->len = n;
        return CONV_OK;
    } else {
        if (!number_syntax(s, n))
            return cell_error(r, CONV_E_SYNTAX, sheet, row, c->col, "'%.40s' is not a number", s);
        double v = strtod_l(s, NULL, r->cloc);
        if (!isfinite(v))
            return cell_error(r, CONV_E_SYNTAX, sheet, row, c->col,
                              "'%.40s' is out of the range of numbers", s);
        if (f.kind == CONVP_NF_DATE || f.kind == CONVP_NF_DATETIME)
            return serial_text(r, v, f, out, size, val, sheet, row, c->col);
        int integral;
        val->len = convp_shortest_number(v, out, &integral);
        val->text = out;
        val->temp = 1;
        frac = !integral;
        val->type = integral ? CONV_INTEGER : CONV_DECIMAL;
    }
    /* Pad to the decimals the format shows: 16 in #,##0.0 is 16.0. */
    size_t padded = convp_numfmt_pad(f, val->text, val->len, out, size);
    if (padded) {
        val->text = out;
        val->len = padded;
        val->temp = 1;
        val->type = CONV_DECIMAL;
    }
    return CONV_OK;
}

/* A cell's value; val->len == 0 with CONV_NULL for no value. */
static int cell_value(struct xr *r, struct xr_cell *c, char *out, size_t size, struct xr_val *val,
                      const char *sheet, uint32_t rownum)
{
    char *s = r->row.text.data ? r->row.text.data + c->off : NULL;
    size_t n = c->len;
    val->temp = 0;
    val->type = CONV_NULL;
    val->text = "";
    val->len = 0;
    switch (c->t) {
    case T_N:
        if (!c->has_v || n == 0)
            return CONV_OK;
        return number_value(r, c, s, n, out, size, val, sheet, rownum);
    case T_S: {
        if (!c->has_v || n == 0)
            return CONV_OK;
        uint64_t i = 0;
        for (size_t k = 0; k < n; k++) {
            if (s[k] < '0' || s[k] > '9' || k >= 12) {
                i = UINT64_MAX;
                break;
            }
            i = i * 10 + (uint64_t)(s[k] - '0');
        }
        if (i >= r->nsst)
            return cell_error(r, CONV_E_SYNTAX, sheet, rownum, c->col,
                              "shared string '%.20s' out of range (the workbook has %zu)", s,
                              r->nsst);
        val->type = CONV_STRING;
        val->text = r->sst.data + r->sst_off[i];
        val->len = (size_t)(r->sst_off[i + 1] - r->sst_off[i] - 1);
        return CONV_OK;
    }
    case T_STR:
    case T_INLINE:
        if (!c->has_v)
            return CONV_OK;
        if (!c->decoded) {
            c->len = n = decode_x(s, n);
            s[n] = '\0';
            c->decoded = 1;
        }
        /* fall through */
    case T_E:
        if (!c->has_v)
            return CONV_OK;
        val->type = CONV_STRING;
        val->text = s;
        val->len = n;
        return CONV_OK;
    case T_B:
        if (!c->has_v || n == 0)
            return CONV_OK;
        val->type = CONV_BOOLEAN;
        if ((n == 1 && s[0] == '1') || (n == 4 && !memcmp(s, "true", 4)))
            val->text = "true";
        else if ((n == 1 && s[0] == '0') || (n == 5 && !memcmp(s, "false", 5)))
            val->text = "false";
        else
            return cell_error(r, CONV_E_SYNTAX, sheet, rownum, c->col, "'%.20s' is not a boolean",
                              s);
        val->len = strlen(val->text);
        return CONV_OK;
    case T_D:
        if (!c->has_v || n == 0)
            return CONV_OK;
        if (n == 10 && convp_is_date(s, n))
            val->type = CONV_DATE;
        else if (convp_is_datetime(s, n))
            val->type = CONV_DATETIME;
        else
            return cell_error(r, CONV_E_SYNTAX, sheet, rownum, c->col,
                              "'%.40s' is not an ISO 8601 date", s);
        val->text = s;
        val->len = n;
        return CONV_OK;
    }
    return CONV_OK;
}

static int nonempty(const struct xr_val *v)
{
    return v->type != CONV_NULL && v->len > 0;
}

/* ---- the field metadata sheet -------------------------------------------------------------- */

static enum conv_type type_named(const char *s, size_t n)
{
    for (int t = CONV_STRING; t <= CONV_ANY; t++) {
        const char *name = conv_type_name((enum conv_type)t);
        if (strlen(name) == n && !memcmp(name, s, n))
            return (enum conv_type)t;
    }
    return CONV_ANY;
}

/*
 * The writer's _conv_fields sheet: a header row (name, type, label,
 * label_en, unit, required), then one row per field.
 */
static int read_meta(struct xr *r, struct xr_sheet *sh)
{
    if (stream_open(r, sh) != CONV_OK)
        return CONV_ERR;
    r->meta = conv_schema_new(r->ctx);
    if (!r->meta)
        return nomem(r);
    int rc, summary_mark = 0;
    char out[128];
    while ((rc = next_row(r)) == 1) {
        struct xr_val v[6];
        memset(v, 0, sizeof v);
        char keep[6][128];
        for (size_t i = 0; i < r->row.n; i++) {
            struct xr_cell *c = &r->row.cells[i];
            if (c->col == 7 && r->row.num <= 2) {
                /* G1 "summary_sheet", G2 its name: a sheet of counts. */
                struct xr_val g;
                memset(&g, 0, sizeof g);
                if (cell_value(r, c, out, sizeof out, &g, sh->name, r->row.num) != CONV_OK)
                    return CONV_ERR;
                if (r->row.num == 1)
                    summary_mark = g.len == 13 && !memcmp(g.text, "summary_sheet", 13);
                else if (summary_mark && nonempty(&g) && !r->summary_sheet &&
                         !(r->summary_sheet = convp_strndup(r->ctx, g.text, g.len)))
                    return nomem(r);
                continue;
            }
            if (c->col > 6)
                continue;
            if (cell_value(r, c, out, sizeof out, &v[c->col - 1], sh->name, r->row.num) != CONV_OK)
                return CONV_ERR;
            if (v[c->col - 1].temp) {
                memcpy(keep[c->col - 1], out, sizeof out);
                v[c->col - 1].text = keep[c->col - 1];
            }
        }
        if (!nonempty(&v[0]) || (v[0].len == 4 && !memcmp(v[0].text, "name", 4) && v[1].len == 4 &&
                                 !memcmp(v[1].text, "type", 4)))
            continue;
        if (r->meta->n >= CONVP_MAX_FIELDS)
            return cell_error(r, CONV_E_LIMIT, sh->name, r->row.num, 1,
                              "more than %d fields described", CONVP_MAX_FIELDS);
        struct conv_field f = {0};
        char *texts[4] = {NULL, NULL, NULL, NULL};
        for (int k = 0; k < 4; k++) {
            const struct xr_val *x = &v[k == 0 ? 0 : k + 1];
            if (nonempty(x) && !(texts[k] = convp_strndup(r->ctx, x->text, x->len))) {
                for (int m = 0; m < k; m++)
                    convp_free(r->ctx, texts[m]);
                return nomem(r);
            }
        }
        f.name = texts[0];
        f.label = texts[1];
        f.label_en = texts[2];
        f.unit = texts[3];
        f.type = nonempty(&v[1]) ? type_named(v[1].text, v[1].len) : CONV_ANY;
        f.required = v[5].type == CONV_BOOLEAN ? v[5].text[0] == 't'
                                               : (v[5].len == 4 && !memcmp(v[5].text, "true", 4));
        int added = conv_schema_add(r->meta, &f);
        int dup = added != CONV_OK && conv_schema_find(r->meta, f.name) >= 0;
        for (int m = 0; m < 4; m++)
            convp_free(r->ctx, texts[m]);
        if (added != CONV_OK) {
            if (!dup)
                return nomem(r);
            return cell_error(r, CONV_E_STRUCTURE, sh->name, r->row.num, 1,
                              "field '%.60s' described twice", v[0].text);
        }
    }
    if (rc < 0)
        return CONV_ERR;
    return stream_finish(r);
}

/* ---- headers ------------------------------------------------------------------------------- */

/* Add a name (renamed x_2, x_3... if taken in this sheet and allowed). */
static long header_field(struct xr *r, const struct xr_sheet *sh, uint32_t col, const char *name,
                         size_t len, struct conv_schema *local)
{
    return convp_sheet_field(r->rd, local, r->meta, sh->name, name, len, r->rename, &r->tmp,
                             sh->header_row, col);
}

/* The _conv_fields name for a header cell: by name, by label, else by position. */

/* Copy a row (cells and text). */
static int row_copy(struct xr *r, struct xr_row *dst, const struct xr_row *src)
{
    dst->num = src->num;
    dst->text.len = 0;
    if (convp_buf_append(&dst->text, src->text.data, src->text.len) != 0)
        return nomem(r);
    if (src->n > dst->cap) {
        struct xr_cell *q = convp_realloc(r->ctx, dst->cells, src->n * sizeof *q);
        if (!q)
            return nomem(r);
        dst->cells = q;
        dst->cap = src->n;
    }
    if (src->n)
        memcpy(dst->cells, src->cells, src->n * sizeof *src->cells);
    dst->n = src->n;
    return CONV_OK;
}

/* Non-empty cells of the current row, counting up to 2. */
static int count_nonempty(struct xr *r, const struct xr_sheet *sh, size_t *ne)
{
    char out[128];
    *ne = 0;
    for (size_t i = 0; i < r->row.n && *ne < 2; i++) {
        struct xr_val v;
        if (cell_value(r, &r->row.cells[i], out, sizeof out, &v, sh->name, r->row.num) != CONV_OK)
            return CONV_ERR;
        *ne += nonempty(&v);
    }
    return CONV_OK;
}

/*
 * Find a sheet's header row and leave it in r->row: row --header-row,
 * else the first row with at least two non-empty cells among the first
 * non-empty row and the 19 rows after it, else that first non-empty row.
 * 1 found, 0 an empty sheet, -1.
 */
static int find_header(struct xr *r, struct xr_sheet *sh)
{
    struct xr_row keep = {0};
    convp_buf_init(&keep.text, r->ctx);
    int rc, found = 0;
    size_t ne;
    int any = 0; /* a row with a value: the sheet is not empty */
    while ((rc = next_row(r)) == 1) {
        uint32_t num = r->row.num;
        if (r->header_row > 0) {
            if (!any) {
                if (count_nonempty(r, sh, &ne) != CONV_OK) {
                    rc = -1;
                    break;
                }
                any = ne > 0;
            }
            if (num > (uint32_t)r->header_row)
                break;
            if (num == (uint32_t)r->header_row) {
                found = 1;
                break;
            }
            continue;
        }
        if (count_nonempty(r, sh, &ne) != CONV_OK) {
            rc = -1;
            break;
        }
        if (ne == 0)
            continue;
        if (ne >= 2 && (!keep.num || num - keep.num < XR_AUTO_ROWS)) {
            found = 1;
            break;
        }
        if (!keep.num) {
            if (row_copy(r, &keep, &r->row) != CONV_OK) {
                rc = -1;
                break;
            }
        } else if (num - keep.num >= XR_AUTO_ROWS) {
            break;
        }
    }
    if (rc >= 0 && !found && keep.num) {
        /* A one-column table: its first non-empty row. */
        struct xr_row t = r->row;
        r->row = keep;
        keep = t;
        found = 1;
    }
    convp_free(r->ctx, keep.cells);
    convp_buf_free(&keep.text);
    if (rc < 0)
        return -1;
    if (!found && r->header_row > 0 && any)
        return cell_error(r, CONV_E_STRUCTURE, sh->name, (uint32_t)r->header_row, 0,
                          "header row %ld is empty", r->header_row);
    return found;
}

/* Name a sheet's columns from its header row (in r->row): from the first
 * to the last non-empty header cell. */
static int name_columns(struct xr *r, struct xr_sheet *sh)
{
    struct xr_row *row = &r->row;
    size_t n = row->n ? row->n : 1;
    struct xr_val *vals = convp_calloc(r->ctx, n, sizeof *vals);
    char(*tmp)[128] = convp_calloc(r->ctx, n, sizeof *tmp);
    struct conv_schema *local = conv_schema_new(r->ctx);
    unsigned char *used = r->meta ? convp_calloc(r->ctx, r->meta->n + 1, 1) : NULL;
    int rc = CONV_OK;
    uint32_t lo = 0, hi = 0;
    if (!vals || !tmp || !local || (r->meta && !used)) {
        rc = nomem(r);
        goto out;
    }
    for (size_t i = 0; i < row->n; i++) {
        if (cell_value(r, &row->cells[i], tmp[i], sizeof tmp[i], &vals[i], sh->name, row->num) !=
            CONV_OK) {
            rc = CONV_ERR;
            goto out;
        }
        if (nonempty(&vals[i])) {
            if (!lo)
                lo = row->cells[i].col;
            hi = row->cells[i].col;
        }
    }
    if (!lo) {
        rc = cell_error(r, CONV_E_STRUCTURE, sh->name, row->num, 0, "header row %u is empty",
                        (unsigned)row->num);
        goto out;
    }
    sh->header_row = row->num;
    sh->first_col = lo;
    sh->ncols = hi - lo + 1;
    sh->field = convp_calloc(r->ctx, sh->ncols, sizeof *sh->field);
    if (!sh->field) {
        rc = nomem(r);
        goto out;
    }
    if (r->multi) {
        long idx = header_field(r, sh, 0, "sheet", 5, local);
        if (idx < 0) {
            rc = CONV_ERR;
            goto out;
        }
        r->sheet_field = (uint32_t)idx;
    }
    size_t ci = 0;
    for (uint32_t k = 0; k < sh->ncols; k++) {
        uint32_t col = lo + k;
        while (ci < row->n && row->cells[ci].col < col)
            ci++;
        struct xr_val none = {CONV_NULL, "", 0, 0};
        const struct xr_val *v = ci < row->n && row->cells[ci].col == col ? &vals[ci] : &none;
        const char *name = convp_meta_name(r->meta, v->text, nonempty(v) ? v->len : 0, k,
                                           sh->ncols, used);
        char gen[32];
        size_t len;
        if (name) {
            len = strlen(name);
            used[conv_schema_find(r->meta, name)] = 1;
        } else if (nonempty(v)) {
            name = v->text;
            len = v->len;
        } else {
            len = (size_t)snprintf(gen, sizeof gen, "column_%u", (unsigned)col);
            name = gen;
        }
        long idx = header_field(r, sh, col, name, len, local);
        if (idx < 0) {
            rc = CONV_ERR;
            goto out;
        }
        sh->field[k] = (uint32_t)idx;
    }
out:
    convp_free(r->ctx, vals);
    convp_free(r->ctx, tmp);
    convp_free(r->ctx, used);
    conv_schema_free(local);
    return rc;
}

static int read_header(struct xr *r, struct xr_sheet *sh)
{
    if (stream_open(r, sh) != CONV_OK)
        return CONV_ERR;
    int found = find_header(r, sh);
    stream_close(r);
    if (found < 0)
        return CONV_ERR;
    if (found == 0) {
        sh->header_row = 0; /* an empty sheet */
        return CONV_OK;
    }
    return name_columns(r, sh);
}

/* ---- options, sheets ----------------------------------------------------------------------- */

static int parse_options(struct xr *r)
{
    struct conv_reader *rd = r->rd;
    static const char *const dup_words[] = {"error", "rename", NULL};
    long maxp;
    if (convp_opt_flag(rd->opts, "raw-numbers", 0, &rd->err, &r->raw_numbers) != CONV_OK ||
        convp_opt_long(rd->opts, "header-row", 0, 1, CONVP_XLSX_MAX_ROWS, &rd->err,
                       &r->header_row) != CONV_OK ||
        convp_opt_long(rd->opts, "max-part-size", (long)XR_DEFAULT_MAX_PART, 4096,
                       (long)((uint64_t)1 << 60), &rd->err, &maxp) != CONV_OK ||
        convp_opt_enum(rd->opts, "duplicate-names", dup_words, 0, &rd->err, &r->rename) != CONV_OK)
        return CONV_ERR;
    r->max_part = (uint64_t)maxp;
    return CONV_OK;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* The worksheets to read, in workbook order; the _conv_fields sheet is
 * read for its metadata, chart sheets are skipped. */
static int pick_sheets(struct xr *r, struct xr_wbsheet *wb, size_t nwb)
{
    const char *want = convp_opt_str(r->rd->opts, "sheet", NULL);
    r->sheets = convp_calloc(r->ctx, nwb ? nwb : 1, sizeof *r->sheets);
    if (!r->sheets)
        return nomem(r);
    struct xr_sheet meta = {0};
    size_t nwork = 0;
    long want_index = want && all_digits(want) && strlen(want) < 9 ? atol(want) : 0;
    int by_name = 0;
    for (size_t i = 0; want && i < nwb; i++)
        by_name |= !strcmp(wb[i].name, want);
    int found = 0;
    for (size_t i = 0; i < nwb; i++) {
        const struct xr_rel *rel = rel_by_id(r, wb[i].rid);
        if (!rel) {
            convp_error_set(&r->rd->err, CONV_E_SYNTAX, r->rd->source, 0, 0,
                            "damaged workbook: sheet '%.100s' has no relationship '%.60s'",
                            wb[i].name, wb[i].rid);
            return CONV_ERR;
        }
        int is_meta = !strcmp(wb[i].name, CONVP_XLSX_META_SHEET);
        int work = ends_with(rel->type, "/worksheet");
        if (!work && !is_meta) {
            if (want && (by_name ? !strcmp(wb[i].name, want) : 0)) {
                convp_error_set(&r->rd->err, CONV_E_USAGE, r->rd->source, 0, 0,
                                "option sheet: '%.100s' is not a worksheet (a chart sheet?)", want);
                return CONV_ERR;
            }
            continue;
        }
        if (!work)
            continue;
        long e = rel_part(r, rel, "worksheet");
        if (e < 0)
            return CONV_ERR;
        if (is_meta) {
            meta.name = wb[i].name;
            meta.entry = e;
            continue;
        }
        nwork++;
        char key[32];
        snprintf(key, sizeof key, "sheet.%zu", nwork - 1);
        if (convp_reader_set_info(r->rd, key, wb[i].name) != 0)
            return CONV_ERR;
        int take = !want || (by_name ? !strcmp(wb[i].name, want) : (long)nwork == want_index);
        if (!take)
            continue;
        found = 1;
        struct xr_sheet *sh = &r->sheets[r->nsheets++];
        sh->name = convp_strdup(r->ctx, wb[i].name);
        sh->entry = e;
        if (!sh->name)
            return nomem(r);
    }
    if (want && !found) {
        struct convp_buf *b = &r->tmp;
        b->len = 0;
        for (size_t i = 0; i < nwb; i++) {
            if (!strcmp(wb[i].name, CONVP_XLSX_META_SHEET))
                continue;
            if (b->len && convp_buf_append(b, ", ", 2) != 0)
                return nomem(r);
            if (convp_buf_append(b, wb[i].name, strlen(wb[i].name)) != 0)
                return nomem(r);
        }
        if (!convp_buf_cstr(b))
            return nomem(r);
        convp_error_set(&r->rd->err, CONV_E_USAGE, r->rd->source, 0, 0,
                        "option sheet: no sheet '%.60s' in the workbook (its sheets: %.120s)", want,
                        b->len ? b->data : "none");
        return CONV_ERR;
    }
    char count[32];
    snprintf(count, sizeof count, "%zu", nwork);
    if (convp_reader_set_info(r->rd, "sheets", count) != 0)
        return CONV_ERR;
    if (meta.name && read_meta(r, &meta) != CONV_OK)
        return CONV_ERR;
    /* Our own summary sheet (--summary-by) is counts: left out unless asked
     * for by --sheet. */
    for (size_t i = 0; !want && r->summary_sheet && i < r->nsheets; i++)
        if (!strcmp(r->sheets[i].name, r->summary_sheet)) {
            convp_free(r->ctx, r->sheets[i].name);
            memmove(&r->sheets[i], &r->sheets[i + 1], (r->nsheets - i - 1) * sizeof *r->sheets);
            r->nsheets--;
            break;
        }
    r->multi = !want && r->nsheets > 1;
    if (r->nsheets && convp_reader_set_info(r->rd, "sheet", r->sheets[0].name) != 0)
        return CONV_ERR;
    return CONV_OK;
}

/* ---- driver -------------------------------------------------------------------------------- */

static void xr_close(struct conv_reader *rd);

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
    convp_buf_init(&r->sst, rd->ctx);
    convp_buf_init(&r->row.text, rd->ctx);
    convp_buf_init(&r->tmp, rd->ctx);
    if (parse_options(r) != CONV_OK)
        return CONV_ERR;
    r->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (r->cloc == (locale_t)0)
        return nomem(r);
    xmlInitParser();
    r->zip =
        convp_xlsx_zip_open(rd->ctx, rd->in, rd->source, r->max_part, r->max_part * 4, &rd->err);
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
    if (pick_sheets(r, wb, nwb) != CONV_OK || (r->meta && read_core(r) != CONV_OK))
        goto out;
    for (size_t i = 0; i < r->nsheets; i++)
        if (read_header(r, &r->sheets[i]) != CONV_OK)
            goto out;
    rd->fields_fixed = 1;
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

/* Make a record of the row; 0 when it is empty, 1, -1. */
static int row_record(struct xr *r, struct xr_sheet *sh, struct conv_record *rec)
{
    struct xr_row *row = &r->row;
    char out[128];
    int any = 0;
    struct convp_slot *slot;
    if (r->multi) {
        slot = convp_record_push(rec);
        if (!slot)
            return nomem(r), -1;
        slot->field = r->sheet_field;
        slot->line = row->num;
        slot->column = 0;
        slot->value.type = CONV_STRING;
        slot->value.flags = 0;
        slot->value.text = sh->name;
        slot->value.len = strlen(sh->name);
    }
    size_t first = rec->n;
    for (uint32_t k = 0; k < sh->ncols; k++) {
        slot = convp_record_push(rec);
        if (!slot)
            return nomem(r), -1;
        slot->field = sh->field[k];
        slot->line = row->num;
        slot->column = sh->first_col + k;
        slot->value.type = CONV_NULL;
        slot->value.flags = 0;
        slot->value.text = "";
        slot->value.len = 0;
    }
    for (size_t i = 0; i < row->n; i++) {
        struct xr_cell *c = &row->cells[i];
        struct xr_val v;
        if (cell_value(r, c, out, sizeof out, &v, sh->name, row->num) != CONV_OK)
            return -1;
        if (c->col < sh->first_col || c->col - sh->first_col >= sh->ncols) {
            if (nonempty(&v)) {
                char a[8], b[8];
                convp_col_name(sh->first_col, a);
                convp_col_name(sh->first_col + sh->ncols - 1, b);
                return cell_error(r, CONV_E_STRUCTURE, sh->name, row->num, c->col,
                                  "a value outside the header's columns (%s to %s); "
                                  "--header-row picks another header row",
                                  a, b),
                       -1;
            }
            continue;
        }
        if (v.type == CONV_NULL)
            continue;
        any |= nonempty(&v);
        slot = &rec->slots[first + (c->col - sh->first_col)];
        const char *text = v.text;
        /* Shared strings live as long as the reader; the rest is copied. */
        if (c->t != T_S && !(text = convp_arena_strndup(&rec->arena, v.text, v.len)))
            return nomem(r), -1;
        enum conv_type t = v.type;
        if (t == CONV_INTEGER && r->meta && r->rd->fields->fields[slot->field].type == CONV_DECIMAL)
            t = CONV_DECIMAL; /* a decimal field keeps its integral values decimal */
        slot->value.type = t;
        slot->value.text = text;
        slot->value.len = v.len;
    }
    if (!any)
        return 0;
    rec->line = row->num;
    return 1;
}

static int xr_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct xr *r = rd->drv;
    for (;;) {
        if (r->cur >= r->nsheets)
            return CONV_EOF;
        struct xr_sheet *sh = &r->sheets[r->cur];
        if (sh->header_row == 0) {
            r->cur++;
            continue;
        }
        if (!r->st_open && stream_open(r, sh) != CONV_OK)
            return CONV_ERR;
        int rc = next_row(r);
        if (rc < 0)
            return CONV_ERR;
        if (rc == 0) {
            if (stream_finish(r) != CONV_OK)
                return CONV_ERR;
            r->cur++;
            continue;
        }
        if (r->row.num <= sh->header_row)
            continue;
        convp_record_clear(rec);
        rc = row_record(r, sh, rec);
        if (rc < 0)
            return CONV_ERR;
        if (rc > 0)
            return CONV_OK;
    }
}

static void xr_close(struct conv_reader *rd)
{
    struct xr *r = rd->drv;
    if (!r)
        return;
    stream_close(r);
    convp_xlsx_zip_close(r->zip);
    if (r->cloc != (locale_t)0)
        freelocale(r->cloc);
    free_rels(r);
    convp_free(r->ctx, r->wb_part);
    convp_free(r->ctx, r->core_part);
    convp_free(r->ctx, r->xf);
    convp_buf_free(&r->sst);
    convp_free(r->ctx, r->sst_off);
    conv_schema_free(r->meta);
    convp_free(r->ctx, r->summary_sheet);
    for (size_t i = 0; i < r->nsheets; i++) {
        convp_free(r->ctx, r->sheets[i].name);
        convp_free(r->ctx, r->sheets[i].field);
    }
    convp_free(r->ctx, r->sheets);
    convp_free(r->ctx, r->row.cells);
    convp_buf_free(&r->row.text);
    convp_buf_free(&r->tmp);
    convp_free(r->ctx, r);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_xlsx_reader_ops = {
    .open = xr_open,
    .next = xr_next,
    .close = xr_close,
};
