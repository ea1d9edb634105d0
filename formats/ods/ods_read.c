/*
 * ODS reader.  content.xml comes out of the checked zip layer
 * (formats/sheet/sheet_zip.c, bounded and CRC-checked) and goes through
 * the layer's strict streaming tokenizer: once at open to list the tables
 * and the cell styles, then table by table for the rows.  Repeated empty
 * rows and cells are skipped by counting; repeats of non-empty ones are
 * expanded up to Excel's limits.  This file is the book driver of the
 * spreadsheet layer (formats/sheet/sheet.h), which makes the records as
 * for XLSX (docs/formats.md, "Excel").
 */
#include "ods_private.h"

#include "sheet.h"
#include "sheet_xml.h"
#include "sheet_zip.h"

#include <stdlib.h>

#define OD_DEFAULT_MAX_PART ((uint64_t)1 << 30)
#define OD_MAX_STYLES 100000
#define OD_MAX_COLDEFS 16384

struct od_cell {
    uint32_t col;
    uint32_t style; /* the book's */
    enum conv_type type;
    uint8_t number; /* the text is a number as stored (office:value) */
    uint8_t pad;    /* zeros the cell shows after the stored number's digits (30125.0) */
    size_t off, len; /* text in the row's buffer */
};

struct od_row {
    uint32_t num;
    uint32_t repeat;
    uint8_t hidden;
    struct od_cell *cells; /* non-empty cells only, by column */
    size_t n, cap;
    struct convp_buf text;
};

/* A cell style of content.xml's automatic styles, as the book's style. */
struct od_style {
    char *name;
    uint32_t style;
};

/* The default cell style of a run of columns (table:table-column). */
struct od_coldef {
    uint32_t col1, col2;
    uint32_t style;
};

struct od {
    struct convp_book *b;
    struct conv_reader *rd;
    struct conv_context *ctx;
    struct convp_zip *zip;
    long entry;
    uint64_t max_part;
    struct od_style *styles; /* sorted by name */
    size_t nstyles, capstyles;
    /* the stream */
    struct convp_xscan *scan;
    long tidx;          /* the last table begun, -1 before the first */
    size_t table_depth; /* of the table being read; 0: outside */
    uint64_t rownum;
    uint32_t colpos; /* columns described so far (table-column) */
    struct od_coldef *coldefs;
    size_t ncoldefs, capcoldefs;
    struct od_row row;
    uint32_t rep_left; /* copies of the row still to give */
};

static int nomem(struct od *o)
{
    return convp_book_nomem(o->b);
}

static const char *cur_name(struct od *o)
{
    return convp_book_sheet_name(o->b, o->tidx < 0 ? 0 : (size_t)o->tidx);
}

/* ---- values ---------------------------------------------------------------------------------- */

/* PT10H30M05S (or with a fraction) as 10:30:05; 0 if not that. */
static size_t time_text(const char *s, size_t n, char *out, size_t size)
{
    unsigned long part[3] = {0, 0, 0};
    const char *frac = NULL;
    size_t nfrac = 0, i = 2;
    int seen = 0;
    if (n < 3 || s[0] != 'P' || s[1] != 'T')
        return 0;
    while (i < n) {
        unsigned long v = 0;
        size_t from = i;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - from < 9)
            v = v * 10 + (unsigned long)(s[i++] - '0');
        if (i == from || i == n)
            return 0;
        if (s[i] == '.' && seen < 3) {
            frac = s + ++i;
            while (i < n && s[i] >= '0' && s[i] <= '9' && nfrac < 9) {
                i++;
                nfrac++;
            }
            if (i == n || s[i] != 'S')
                return 0;
        }
        int slot = s[i] == 'H' ? 0 : s[i] == 'M' ? 1 : s[i] == 'S' ? 2 : -1;
        if (slot < seen)
            return 0;
        part[slot] = v;
        seen = slot + 1;
        i++;
    }
    if (!seen)
        return 0;
    int k = snprintf(out, size, "%02lu:%02lu:%02lu", part[0], part[1], part[2]);
    if (k < 0 || (size_t)k >= size)
        return 0;
    size_t len = (size_t)k;
    while (nfrac && frac[nfrac - 1] == '0')
        nfrac--;
    if (nfrac && len + nfrac + 2 < size) {
        out[len++] = '.';
        memcpy(out + len, frac, nfrac);
        len += nfrac;
        out[len] = '\0';
    }
    return len;
}

static int is_name(const struct convp_xscan_tok *t, const char *name)
{
    size_t len = strlen(name);
    return t->name_len == len && !memcmp(t->name, name, len);
}

/* Attributes keep their prefix in the tokenizer: the ones read here are
 * matched with the prefixes OpenDocument's own documents use (office:,
 * table:, text:), which every producer we know writes. */
static const struct convp_xscan_attr *attr(const struct convp_xscan_tok *t, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < t->nattrs; i++)
        if (t->attrs[i].name_len == len && !memcmp(t->attrs[i].name, name, len))
            return &t->attrs[i];
    return NULL;
}

/* A repeat count: 1 when absent, else 1..UINT32_MAX (saturated). */
static int repeat_of(struct od *o, const struct convp_xscan_tok *t, const char *name, uint32_t *out)
{
    const struct convp_xscan_attr *a = attr(t, name);
    *out = 1;
    if (!a)
        return CONV_OK;
    uint64_t v = 0;
    for (size_t i = 0; i < a->value_len; i++) {
        char c = a->value[i];
        if (c < '0' || c > '9' || a->value_len > 20)
            v = 0, i = a->value_len;
        else if (v < UINT32_MAX)
            v = v * 10 + (uint64_t)(c - '0');
    }
    if (v == 0) {
        convp_error_set(&o->rd->err, CONV_E_SYNTAX, o->rd->source, 0, 0,
                        "content.xml: bad %s '%.*s'", name,
                        a->value_len < 20 ? (int)a->value_len : 20, a->value);
        return CONV_ERR;
    }
    *out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    return CONV_OK;
}

/* ---- the stream ------------------------------------------------------------------------------ */

static long stream_read(void *user, void *buf, size_t n, struct conv_error *err)
{
    struct od *o = user;
    return convp_zip_read(o->zip, buf, n, err);
}

static void stream_close(struct od *o)
{
    convp_xscan_free(o->scan);
    o->scan = NULL;
}

static int stream_open(struct od *o)
{
    stream_close(o);
    if (convp_zip_open_entry(o->zip, (size_t)o->entry, &o->rd->err) != CONV_OK)
        return CONV_ERR;
    o->scan = convp_xscan_new(o->ctx, stream_read, o, "content.xml", o->rd->source, &o->rd->err);
    if (!o->scan)
        return CONV_ERR;
    o->table_depth = 0;
    o->tidx = -1;
    return CONV_OK;
}

/* ---- styles ---------------------------------------------------------------------------------- */

static int cmp_style(const void *a, const void *b)
{
    return strcmp(((const struct od_style *)a)->name, ((const struct od_style *)b)->name);
}

/* The book's style of a cell style name (0, the default, when unknown). */
static uint32_t style_of(const struct od *o, const char *name, size_t len)
{
    size_t lo = 0, hi = o->nstyles;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *s = o->styles[mid].name;
        int d = strncmp(s, name, len);
        if (d == 0)
            d = s[len] ? 1 : 0;
        if (d == 0)
            return o->styles[mid].style;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int attr_is(const struct convp_xscan_attr *a, const char *s)
{
    size_t n = strlen(s);
    return a && a->value_len == n && !memcmp(a->value, s, n);
}

/* A length such as 0.353cm, 10pt, 0.1389in in points; 0 when not one. */
static double length_pt(const struct convp_xscan_attr *a)
{
    if (!a || !a->value_len || a->value_len > 30)
        return 0;
    char s[32];
    memcpy(s, a->value, a->value_len);
    s[a->value_len] = '\0';
    double v = 0, scale = 1;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (s[i] - '0');
    if (s[i] == '.')
        for (i++; s[i] >= '0' && s[i] <= '9'; i++)
            v += (s[i] - '0') * (scale /= 10);
    const char *u = s + i;
    return !strcmp(u, "pt")   ? v
           : !strcmp(u, "cm") ? v * 72 / 2.54
           : !strcmp(u, "mm") ? v * 72 / 25.4
           : !strcmp(u, "in") ? v * 72
           : !strcmp(u, "pc") ? v * 12
                              : 0;
}

/*
 * The cell styles of content.xml's automatic styles, each made a style of
 * the book (after the default, 0): bold (fo:font-weight bold or 600 and
 * more), italic, the font (style:font-name), and the indent, one level per
 * 10 points of left margin (fo:margin-left), which is how spreadsheet
 * programs store an indent in this format.  Number formats are not read:
 * a cell's value type says what it is.  Called on a START token.
 */
static int style_token(struct od *o, const struct convp_xscan_tok *t, struct convp_style *cur,
                       char **cur_name, size_t *style_depth)
{
    if (is_name(t, "style")) {
        const struct convp_xscan_attr *fam = attr(t, "style:family");
        const struct convp_xscan_attr *name = attr(t, "style:name");
        if (!attr_is(fam, "table-cell") || !name || *style_depth)
            return CONV_OK;
        *cur = (struct convp_style){{CONVP_NF_GENERAL, 0}, NULL, 0, 0, 0, 0, CONVP_NO_FONT};
        if (!(*cur_name = convp_strndup(o->ctx, name->value, name->value_len)))
            return nomem(o);
        *style_depth = t->depth;
        return CONV_OK;
    }
    if (!*style_depth)
        return CONV_OK;
    if (is_name(t, "text-properties")) {
        const struct convp_xscan_attr *w = attr(t, "fo:font-weight");
        const struct convp_xscan_attr *it = attr(t, "fo:font-style");
        const struct convp_xscan_attr *f = attr(t, "style:font-name");
        if (w)
            cur->bold = attr_is(w, "bold") || (w->value_len == 3 && w->value[0] >= '6' &&
                                               w->value[0] <= '9');
        if (it)
            cur->italic = attr_is(it, "italic") || attr_is(it, "oblique");
        if (f) {
            long k = convp_book_add_font(o->b, f->value, f->value_len);
            if (k < 0)
                return CONV_ERR;
            cur->font = (uint32_t)k;
        }
    } else if (is_name(t, "paragraph-properties")) {
        double pt = length_pt(attr(t, "fo:margin-left"));
        unsigned lv = (unsigned)(pt / 10 + 0.5);
        cur->indent = (uint8_t)(lv > 250 ? 250 : lv);
    }
    return CONV_OK;
}

/* The end of a cell style: it becomes the book's next style. */
static int style_end(struct od *o, struct convp_style *cur, char **cur_name)
{
    if (o->nstyles == OD_MAX_STYLES) {
        convp_free(o->ctx, *cur_name);
        *cur_name = NULL;
        return CONV_OK;
    }
    if (o->nstyles == o->capstyles) {
        size_t nc = o->capstyles ? o->capstyles * 2 : 16;
        struct od_style *q = convp_realloc(o->ctx, o->styles, nc * sizeof *q);
        if (!q)
            return nomem(o);
        o->styles = q;
        o->capstyles = nc;
    }
    if (convp_book_add_style(o->b, cur) != CONV_OK)
        return CONV_ERR;
    o->styles[o->nstyles].name = *cur_name;
    o->styles[o->nstyles].style = (uint32_t)o->nstyles + 1;
    o->nstyles++;
    *cur_name = NULL;
    return CONV_OK;
}

/*
 * The listing pass over content.xml: every table at the top (a sheet of
 * the book), and the automatic cell styles before them.  The document is
 * read to its end, so it is well-formed and its CRC is checked.
 */
static int list_tables(struct od *o)
{
    static const struct convp_style dflt = {{CONVP_NF_GENERAL, 0}, NULL, 0, 0, 0, 0, CONVP_NO_FONT};
    if (convp_book_add_style(o->b, &dflt) != CONV_OK || stream_open(o) != CONV_OK)
        return CONV_ERR;
    struct convp_xscan_tok t;
    struct convp_style cur;
    char *name = NULL;
    size_t style_depth = 0, table_depth = 0, ntables = 0;
    int rc;
    while ((rc = convp_xscan_next(o->scan, &t)) == CONV_OK) {
        if (t.kind == CONVP_XSCAN_START) {
            if (table_depth)
                continue;
            if (is_name(&t, "table")) {
                const struct convp_xscan_attr *a = attr(&t, "table:name");
                char gen[32];
                size_t len = a ? a->value_len
                               : (size_t)snprintf(gen, sizeof gen, "Sheet%zu", ntables + 1);
                if (convp_book_add_sheet(o->b, a ? a->value : gen, len, CONVP_SHEET_WORK,
                                         ntables) != CONV_OK)
                    break;
                ntables++;
                table_depth = t.depth;
            } else if (style_token(o, &t, &cur, &name, &style_depth) != CONV_OK) {
                break;
            }
        } else if (t.kind == CONVP_XSCAN_END) {
            if (table_depth == t.depth) {
                table_depth = 0;
            } else if (style_depth == t.depth) {
                style_depth = 0;
                if (style_end(o, &cur, &name) != CONV_OK)
                    break;
            }
        }
    }
    convp_free(o->ctx, name);
    stream_close(o);
    if (rc != CONV_EOF)
        return CONV_ERR;
    if (o->nstyles > 1)
        qsort(o->styles, o->nstyles, sizeof *o->styles, cmp_style);
    return CONV_OK;
}

/* A column description of the table being read: its default cell style
 * and whether it is hidden, for its run of columns. */
static int table_column(struct od *o, const struct convp_xscan_tok *t)
{
    uint32_t rep;
    if (repeat_of(o, t, "table:number-columns-repeated", &rep) != CONV_OK)
        return CONV_ERR;
    uint32_t c1 = o->colpos + 1;
    uint64_t c2 = (uint64_t)o->colpos + rep;
    if (c2 > CONVP_ODS_MAX_COLS)
        c2 = CONVP_ODS_MAX_COLS;
    if (c1 > c2)
        return CONV_OK;
    o->colpos = (uint32_t)c2;
    const struct convp_xscan_attr *vis = attr(t, "table:visibility");
    if (vis && !attr_is(vis, "visible") &&
        convp_book_hide_cols(o->b, (size_t)o->tidx, c1, (uint32_t)c2) != CONV_OK)
        return CONV_ERR;
    const struct convp_xscan_attr *ds = attr(t, "table:default-cell-style-name");
    uint32_t st = ds ? style_of(o, ds->value, ds->value_len) : 0;
    if (!st || o->ncoldefs == OD_MAX_COLDEFS)
        return CONV_OK;
    if (o->ncoldefs == o->capcoldefs) {
        size_t nc = o->capcoldefs ? o->capcoldefs * 2 : 16;
        struct od_coldef *q = convp_realloc(o->ctx, o->coldefs, nc * sizeof *q);
        if (!q)
            return nomem(o);
        o->coldefs = q;
        o->capcoldefs = nc;
    }
    o->coldefs[o->ncoldefs++] = (struct od_coldef){c1, (uint32_t)c2, st};
    return CONV_OK;
}

/* A cell's style (its own, else its column's) and merged range. */
static int cell_facts(struct od *o, const struct convp_xscan_tok *t, uint32_t col, uint32_t *style)
{
    const struct convp_xscan_attr *s = attr(t, "table:style-name");
    *style = s ? style_of(o, s->value, s->value_len) : 0;
    for (size_t i = 0; !s && i < o->ncoldefs; i++)
        if (col >= o->coldefs[i].col1 && col <= o->coldefs[i].col2)
            *style = o->coldefs[i].style;
    uint32_t cs, rs;
    if (!is_name(t, "table-cell") ||
        repeat_of(o, t, "table:number-columns-spanned", &cs) != CONV_OK ||
        repeat_of(o, t, "table:number-rows-spanned", &rs) != CONV_OK)
        return is_name(t, "table-cell") ? CONV_ERR : CONV_OK;
    if (cs < 2 && rs < 2)
        return CONV_OK;
    uint64_t r1 = o->rownum + 1, r2 = r1 + rs - 1, c2 = (uint64_t)col + cs - 1;
    struct convp_range g = {(uint32_t)r1, col,
                            (uint32_t)(r2 > CONVP_ODS_MAX_ROWS ? CONVP_ODS_MAX_ROWS : r2),
                            (uint32_t)(c2 > CONVP_ODS_MAX_COLS ? CONVP_ODS_MAX_COLS : c2)};
    return r1 > CONVP_ODS_MAX_ROWS ? CONV_OK : convp_book_add_merge(o->b, (size_t)o->tidx, &g);
}

/* Append the text of a typed cell's value to the row; type set (a number's
 * stored text, *number set). */
static int cell_typed(struct od *o, const struct convp_xscan_tok *t, enum conv_type *type,
                      int *want_text, int *number, uint32_t col)
{
    const struct convp_xscan_attr *vt = attr(t, "office:value-type");
    struct convp_buf *b = &o->row.text;
    char out[64];
    *type = CONV_NULL;
    *want_text = 0;
    *number = 0;
    if (!vt)
        return CONV_OK;
    const char *s = vt->value;
    size_t n = vt->value_len;
#define VT(w) (n == sizeof w - 1 && !memcmp(s, w, n))
    const struct convp_xscan_attr *v;
    if (VT("float") || VT("percentage") || VT("currency")) {
        v = attr(t, "office:value");
        if (!v || !v->value_len)
            return CONV_OK;
        *type = CONV_DECIMAL; /* made a value by convp_book_number() */
        *number = 1;
        /* its text too, for the decimals it shows (number styles are not read) */
        *want_text = VT("float");
        return convp_buf_append(b, v->value, v->value_len) != 0 ? nomem(o) : CONV_OK;
    }
    if (VT("date")) {
        v = attr(t, "office:date-value");
        if (!v || !v->value_len)
            return CONV_OK;
        if (v->value_len == 10 && convp_is_date(v->value, 10))
            *type = CONV_DATE;
        else if (convp_is_datetime(v->value, v->value_len))
            *type = CONV_DATETIME;
        else
            return convp_book_cell_error(o->b, CONV_E_SYNTAX, cur_name(o), o->rownum + 1, col,
                              "'%.*s' is not an ISO 8601 date",
                              v->value_len < 40 ? (int)v->value_len : 40, v->value);
        return convp_buf_append(b, v->value, v->value_len) != 0 ? nomem(o) : CONV_OK;
    }
    if (VT("time")) {
        v = attr(t, "office:time-value");
        if (!v || !v->value_len)
            return CONV_OK;
        size_t k = time_text(v->value, v->value_len, out, sizeof out);
        if (!k)
            return convp_book_cell_error(o->b, CONV_E_SYNTAX, cur_name(o), o->rownum + 1, col,
                              "'%.*s' is not a time (PTnnHnnMnnS)",
                              v->value_len < 40 ? (int)v->value_len : 40, v->value);
        *type = CONV_STRING;
        return convp_buf_append(b, out, k) != 0 ? nomem(o) : CONV_OK;
    }
    if (VT("boolean")) {
        v = attr(t, "office:boolean-value");
        if (!v || !v->value_len)
            return CONV_OK;
        const char *w;
        if ((v->value_len == 4 && !memcmp(v->value, "true", 4)) ||
            (v->value_len == 1 && v->value[0] == '1'))
            w = "true";
        else if ((v->value_len == 5 && !memcmp(v->value, "false", 5)) ||
                 (v->value_len == 1 && v->value[0] == '0'))
            w = "false";
        else
            return convp_book_cell_error(o->b, CONV_E_SYNTAX, cur_name(o), o->rownum + 1, col,
                              "'%.*s' is not a boolean", v->value_len < 20 ? (int)v->value_len : 20,
                              v->value);
        *type = CONV_BOOLEAN;
        return convp_buf_append(b, w, strlen(w)) != 0 ? nomem(o) : CONV_OK;
    }
    if (VT("string")) {
        *type = CONV_STRING;
        v = attr(t, "office:string-value");
        if (v)
            return convp_buf_append(b, v->value, v->value_len) != 0 ? nomem(o) : CONV_OK;
        *want_text = 1;
        return CONV_OK;
    }
#undef VT
    return CONV_OK; /* void, or unknown: empty */
}

/* Paragraph text, as written: LibreOffice writes runs of spaces as they
 * are (older files use text:s, handled by the caller). */
/* The zeros a number cell shows after its stored digits: "30125" shown
 * as 30125.0 gives 1 (with the point), "1.5" as 1.50 gives 1; anything
 * else (grouping, another notation, a percent) 0. */
static uint8_t shown_zeros(const char *v, size_t vn, const char *raw, size_t rn)
{
    /* the shown text without its thousands separators (30,125.0) */
    char shown[64];
    size_t sn = 0;
    int seen_point = 0;
    for (size_t i = 0; i < rn; i++) {
        if (sn + 1 >= sizeof shown)
            return 0;
        if (raw[i] == '.')
            seen_point = 1;
        if (raw[i] == ',' && !seen_point && sn && i + 3 < rn + 1)
            continue;
        shown[sn++] = raw[i];
    }
    if (!vn || sn <= vn || memcmp(v, shown, vn) != 0 || memchr(v, 'E', vn) || memchr(v, 'e', vn))
        return 0;
    size_t k = vn;
    int point = memchr(v, '.', vn) != NULL;
    if (!point) {
        if (shown[k] != '.')
            return 0;
        k++;
    }
    size_t zeros = 0;
    for (; k < sn; k++, zeros++)
        if (shown[k] != '0')
            return 0;
    return zeros && zeros < 16 ? (uint8_t)(zeros + !point) : 0;
}

static int para_text(struct od *o, const char *s, size_t n, size_t cell_off)
{
    struct convp_buf *b = &o->row.text;
    if (convp_buf_append(b, s, n) != 0)
        return nomem(o);
    if (b->len - cell_off > CONVP_MAX_RECORD_BYTES)
        return convp_book_cell_error(o->b, CONV_E_LIMIT, cur_name(o), o->rownum + 1, 0,
                          "a cell's text is too long");
    return CONV_OK;
}

/*
 * The next row with a value of the table being read: 1 with o->row (its
 * number, repeat and non-empty cells), 0 at the end of the table, -1.
 * Empty rows and cells, however repeated, are only counted; columns and
 * rows say whether they are hidden, cells whether they are merged.
 */
static int next_row(struct od *o)
{
    struct convp_xscan_tok t;
    int rc;
    struct od_row *row = &o->row;
    size_t row_depth = 0, cell_depth = 0, para_depth = 0, skip_depth = 0;
    uint32_t col = 0, crep = 1;
    uint64_t row_bytes = 0;
    enum conv_type ctype = CONV_NULL;
    int want_text = 0, npara = 0, cnum = 0;
    uint32_t cstyle = 0;
    size_t coff = 0, doff = 0;
    if (!o->table_depth)
        return 0;
    while ((rc = convp_xscan_next(o->scan, &t)) == CONV_OK) {
        if (t.kind == CONVP_XSCAN_START) {
            if (skip_depth)
                continue;
            if (cell_depth) {
                if (!want_text)
                    continue;
                if (is_name(&t, "annotation") ||
                    (!para_depth && !is_name(&t, "p") && !is_name(&t, "h"))) {
                    skip_depth = t.depth;
                    continue;
                }
                if (!para_depth) {
                    if (npara++ && convp_buf_putc(&row->text, '\n') != 0)
                        return nomem(o), -1;
                    para_depth = t.depth;
                    continue;
                }
                uint32_t spaces = 0;
                if (is_name(&t, "s")) {
                    if (repeat_of(o, &t, "text:c", &spaces) != CONV_OK)
                        return -1;
                    if (spaces > 65536)
                        spaces = 65536;
                    while (spaces--)
                        if (convp_buf_putc(&row->text, ' ') != 0)
                            return nomem(o), -1;
                } else if (is_name(&t, "tab")) {
                    if (convp_buf_putc(&row->text, '\t') != 0)
                        return nomem(o), -1;
                } else if (is_name(&t, "line-break")) {
                    if (convp_buf_putc(&row->text, '\n') != 0)
                        return nomem(o), -1;
                } else if (is_name(&t, "note") || is_name(&t, "ruby-text")) {
                    skip_depth = t.depth;
                }
                continue;
            }
            if (!row_depth) {
                if (is_name(&t, "table-row")) {
                    row_depth = t.depth;
                    row->n = 0;
                    row->text.len = 0;
                    row_bytes = 0;
                    col = 0;
                    if (repeat_of(o, &t, "table:number-rows-repeated", &row->repeat) != CONV_OK)
                        return -1;
                    const struct convp_xscan_attr *vis = attr(&t, "table:visibility");
                    row->hidden = vis && !(vis->value_len == 7 && !memcmp(vis->value, "visible", 7));
                } else if (is_name(&t, "table-column")) {
                    if (table_column(o, &t) != CONV_OK)
                        return -1;
                } else if (is_name(&t, "table")) {
                    skip_depth = t.depth; /* a table in a table's shapes: not ours */
                }
                continue;
            }
            if (is_name(&t, "table-cell") || is_name(&t, "covered-table-cell")) {
                cell_depth = t.depth;
                if (repeat_of(o, &t, "table:number-columns-repeated", &crep) != CONV_OK)
                    return -1;
                coff = row->text.len;
                npara = 0;
                para_depth = 0;
                uint32_t c1 = col < CONVP_ODS_MAX_COLS ? col + 1 : CONVP_ODS_MAX_COLS;
                if (cell_typed(o, &t, &ctype, &want_text, &cnum, c1) != CONV_OK ||
                    cell_facts(o, &t, c1, &cstyle) != CONV_OK)
                    return -1;
                doff = row->text.len; /* a number's shown text follows its value */
            } else {
                skip_depth = t.depth;
            }
            continue;
        }
        if (t.kind == CONVP_XSCAN_TEXT) {
            if (!skip_depth && para_depth && para_text(o, t.text, t.text_len, coff) != CONV_OK)
                return -1;
            continue;
        }
        /* END */
        if (skip_depth) {
            if (t.depth == skip_depth)
                skip_depth = 0;
            continue;
        }
        if (para_depth && t.depth == para_depth) {
            para_depth = 0;
            continue;
        }
        if (cell_depth && t.depth == cell_depth) {
            cell_depth = 0;
            uint8_t pad = 0;
            if (cnum) {
                pad = shown_zeros(row->text.data + coff, doff - coff, row->text.data + doff,
                                  row->text.len - doff);
                row->text.len = doff;
            }
            size_t len = row->text.len - coff;
            if (ctype == CONV_NULL || len == 0) {
                row->text.len = coff;
                col = (uint64_t)col + crep > UINT32_MAX ? UINT32_MAX : col + crep;
                continue;
            }
            if ((uint64_t)col + crep > CONVP_ODS_MAX_COLS)
                return convp_book_cell_error(o->b, CONV_E_LIMIT, cur_name(o), o->rownum + 1,
                                  col < CONVP_ODS_MAX_COLS ? col + 1 : 0,
                                  "a value past column %u (XFD), the most a sheet has",
                                  CONVP_ODS_MAX_COLS),
                       -1;
            /* A repeat shares its text here, but each copy is a value of the record. */
            row_bytes += (uint64_t)len * crep;
            if (row_bytes > CONVP_MAX_RECORD_BYTES)
                return convp_book_cell_error(o->b, CONV_E_LIMIT, cur_name(o), o->rownum + 1, col + 1,
                                  "a row of more than %zu bytes of text", CONVP_MAX_RECORD_BYTES),
                       -1;
            if (convp_buf_putc(&row->text, '\0') != 0)
                return nomem(o), -1;
            if (row->n + crep > row->cap) {
                size_t nc = row->cap ? row->cap : 16;
                while (nc < row->n + crep)
                    nc *= 2;
                struct od_cell *q = convp_realloc(o->ctx, row->cells, nc * sizeof *q);
                if (!q)
                    return nomem(o), -1;
                row->cells = q;
                row->cap = nc;
            }
            for (uint32_t k = 0; k < crep; k++) {
                struct od_cell *c = &row->cells[row->n++];
                c->col = ++col;
                c->type = ctype;
                c->number = (uint8_t)cnum;
                c->pad = pad;
                c->style = cstyle;
                c->off = coff;
                c->len = len;
            }
            continue;
        }
        if (row_depth && t.depth == row_depth) {
            row_depth = 0;
            uint64_t first = o->rownum + 1;
            o->rownum += row->repeat;
            if (!row->n)
                continue;
            if (o->rownum > CONVP_ODS_MAX_ROWS)
                return convp_book_cell_error(o->b, CONV_E_LIMIT, cur_name(o),
                                  first <= CONVP_ODS_MAX_ROWS ? first : CONVP_ODS_MAX_ROWS, 0,
                                  "a value past row %u, the most a sheet has", CONVP_ODS_MAX_ROWS),
                       -1;
            row->num = (uint32_t)first;
            return 1;
        }
        if (t.depth == o->table_depth) {
            o->table_depth = 0;
            return 0;
        }
    }
    if (rc == CONV_EOF) {
        o->table_depth = 0;
        return 0;
    }
    return -1;
}

/* ---- driver ---------------------------------------------------------------------------------- */

/* Make table i the one read: scan on to its start, or from the document's
 * start for a table already passed. */
static int od_start(struct convp_book *b, void *drv, size_t i)
{
    struct od *o = drv;
    (void)b;
    if ((!o->scan || o->tidx >= (long)i) && stream_open(o) != CONV_OK)
        return CONV_ERR;
    o->rep_left = 0;
    o->row.n = 0;
    struct convp_xscan_tok t;
    int rc;
    size_t skip = o->table_depth; /* the rest of a table being read */
    o->table_depth = 0;
    while ((rc = convp_xscan_next(o->scan, &t)) == CONV_OK) {
        if (skip) {
            if (t.kind == CONVP_XSCAN_END && t.depth == skip)
                skip = 0;
            continue;
        }
        if (t.kind != CONVP_XSCAN_START || !is_name(&t, "table"))
            continue;
        if (++o->tidx == (long)i) {
            o->table_depth = t.depth;
            o->rownum = 0;
            o->colpos = 0;
            o->ncoldefs = 0;
            return CONV_OK;
        }
        skip = t.depth;
    }
    if (rc == CONV_EOF)
        convp_error_set(&o->rd->err, CONV_E_SYNTAX, o->rd->source, 0, 0,
                        "content.xml changed while read");
    return CONV_ERR;
}

/* A number shown with more decimals than its value's digits: as shown. */
static int pad_number(struct od *o, struct convp_row *out, struct convp_cell *c, uint8_t pad)
{
    const char *t = c->text ? c->text : out->text.data + c->off;
    size_t n = c->len;
    int point = memchr(t, '.', n) != NULL;
    char buf[64];
    if (n + pad + 1 >= sizeof buf)
        return CONV_OK;
    memcpy(buf, t, n);
    size_t k = n;
    if (!point) {
        buf[k++] = '.';
        pad--;
    }
    while (pad--)
        buf[k++] = '0';
    c->off = out->text.len;
    if (convp_buf_append(&out->text, buf, k) != 0 || convp_buf_putc(&out->text, '\0') != 0)
        return nomem(o);
    c->text = NULL;
    c->len = k;
    c->type = CONV_DECIMAL;
    return CONV_OK;
}

/* The row read (a copy of a repeated one) into the book's row. */
static int od_values(struct convp_book *b, void *drv, struct convp_row *out)
{
    struct od *o = drv;
    (void)b;
    uint32_t num = o->row.num + (o->row.repeat - o->rep_left);
    const struct od_row *row = &o->row;
    convp_row_clear(out, num);
    out->hidden = row->hidden;
    for (size_t i = 0; i < row->n; i++) {
        const struct od_cell *x = &row->cells[i];
        struct convp_cell *c = convp_row_cell(o->b, out, x->col);
        if (!c)
            return CONV_ERR;
        c->style = x->style;
        const char *s = row->text.data + x->off;
        if (x->number) {
            if (convp_book_number(o->b, out, c, s, x->len, 0, cur_name(o)) != CONV_OK)
                return CONV_ERR;
            if (x->pad && !convp_book_raw_numbers(o->b) &&
                (c->type == CONV_INTEGER || c->type == CONV_DECIMAL) && pad_number(o, out, c, x->pad) != CONV_OK)
                return CONV_ERR;
            continue;
        }
        c->type = x->type;
        c->text = s;
        c->len = x->len;
    }
    return CONV_OK;
}

/* The next row, or the next copy of a repeated one. */
static int od_read_row(struct convp_book *b, void *drv)
{
    struct od *o = drv;
    (void)b;
    if (o->rep_left > 1) {
        o->rep_left--;
        return 1;
    }
    int rc = next_row(o);
    o->rep_left = rc > 0 ? o->row.repeat : 0;
    return rc;
}

static int od_open(struct convp_book *b, void *drv)
{
    struct od *o = drv;
    struct conv_reader *rd = convp_book_reader(b);
    o->b = b;
    o->rd = rd;
    o->ctx = rd->ctx;
    o->tidx = -1;
    convp_buf_init(&o->row.text, rd->ctx);
    long maxp;
    if (convp_opt_long(rd->opts, "max-part-size", (long)OD_DEFAULT_MAX_PART, 4096,
                       (long)((uint64_t)1 << 60), &rd->err, &maxp) != CONV_OK)
        return CONV_ERR;
    o->max_part = (uint64_t)maxp;
    o->zip = convp_zip_open(rd->ctx, rd->in, rd->source, "OpenDocument spreadsheet",
                            o->max_part, o->max_part * 4, &rd->err);
    if (!o->zip)
        return CONV_ERR;
    o->entry = convp_zip_find(o->zip, "content.xml");
    if (o->entry < 0) {
        convp_error_set(&rd->err, CONV_E_SYNTAX, rd->source, 0, 0,
                        "not an OpenDocument spreadsheet: the zip has no content.xml");
        return CONV_ERR;
    }
    return list_tables(o);
}

static void od_close(struct convp_book *b, void *drv)
{
    struct od *o = drv;
    (void)b;
    if (!o->ctx)
        return;
    stream_close(o);
    convp_zip_close(o->zip);
    for (size_t i = 0; i < o->nstyles; i++)
        convp_free(o->ctx, o->styles[i].name);
    convp_free(o->ctx, o->styles);
    convp_free(o->ctx, o->coldefs);
    convp_free(o->ctx, o->row.cells);
    convp_buf_free(&o->row.text);
}

static const struct convp_book_ops ods_book = {
    .what = "document",
    .max_rows = CONVP_ODS_MAX_ROWS,
    .drv_size = sizeof(struct od),
    .open = od_open,
    .start = od_start,
    .read_row = od_read_row,
    .values = od_values,
    .close = od_close,
};

const struct convp_reader_ops convp_ods_reader_ops = CONVP_BOOK_READER(&ods_book);
