/*
 * ODS reader.  content.xml comes out of the checked zip layer of the XLSX
 * reader (bounded, CRC-checked) and goes through its strict streaming
 * tokenizer twice: once at open to find each table's header row, once
 * row by row for the records.  Repeated empty rows and cells are skipped
 * by counting; repeats of non-empty ones are expanded up to Excel's
 * limits.  Header rule, 'sheet' field and errors as for XLSX
 * (docs/formats.md, "Excel").
 */
#include "ods_private.h"
#include "xlsx/xlsx_cells.h"
#include "xlsx/xlsx_scan.h"
#include "xlsx/xlsx_zip.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>

#define OD_DEFAULT_MAX_PART ((uint64_t)1 << 30)
#define OD_MAX_SHEETS 10000
#define OD_AUTO_ROWS 20

struct od_cell {
    uint32_t col;
    enum conv_type type;
    size_t off, len; /* text in the row's buffer */
};

struct od_row {
    uint32_t num;
    uint32_t repeat;
    size_t sheet;
    struct od_cell *cells; /* non-empty cells only, by column */
    size_t n, cap;
    struct convp_buf text;
};

struct od_sheet {
    char *name;
    int take;
    int found, done, any; /* header search (first pass) */
    struct od_row hdr;
    uint32_t header_row; /* 0: no table */
    uint32_t first_col, ncols;
    uint32_t *field;
};

struct od {
    struct conv_reader *rd;
    struct conv_context *ctx;
    struct convp_xlsx_zip *zip;
    locale_t cloc;
    long entry;
    int rename;
    long header_row;
    uint64_t max_part;
    struct od_sheet *sheets;
    size_t nsheets, cap;
    int pass2;   /* sheets already known */
    int started; /* pass 2 under way */
    size_t tidx; /* current table in pass 2 */
    int multi;
    uint32_t sheet_field;
    /* stream */
    struct convp_xscan *scan;
    size_t table_depth; /* 0: outside a table */
    uint64_t rownum;
    struct od_row row;
    uint32_t rep_left; /* copies of row still to give (pass 2) */
    int eof;
    struct convp_buf tmp;
};

static int nomem(struct od *o)
{
    convp_error_set(&o->rd->err, CONV_E_NOMEM, o->rd->source, 0, 0, "out of memory");
    return CONV_ERR;
}

static int cell_error(struct od *o, enum conv_errcode code, const char *sheet, uint64_t row,
                      uint32_t col, const char *fmt, ...) CONVP_PRINTF(6, 7);
static int cell_error(struct od *o, enum conv_errcode code, const char *sheet, uint64_t row,
                      uint32_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    convp_cell_verror(o->rd, code, sheet, row, col, fmt, ap);
    va_end(ap);
    return CONV_ERR;
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
    return convp_xlsx_zip_read(o->zip, buf, n, err);
}

static void stream_close(struct od *o)
{
    convp_xscan_free(o->scan);
    o->scan = NULL;
}

static int stream_open(struct od *o)
{
    stream_close(o);
    if (convp_xlsx_zip_open_entry(o->zip, (size_t)o->entry, &o->rd->err) != CONV_OK)
        return CONV_ERR;
    o->scan = convp_xscan_new(o->ctx, stream_read, o, "content.xml", o->rd->source, &o->rd->err);
    if (!o->scan)
        return CONV_ERR;
    o->table_depth = 0;
    o->eof = 0;
    o->rep_left = 0;
    o->tidx = (size_t)-1;
    return CONV_OK;
}

static const char *cur_name(struct od *o)
{
    return o->tidx < o->nsheets ? o->sheets[o->tidx].name : "";
}

/* A new table: pass 1 records it, pass 2 follows the list. */
static int table_begin(struct od *o, const struct convp_xscan_tok *t)
{
    o->tidx++;
    o->rownum = 0;
    if (o->pass2)
        return o->tidx < o->nsheets ? CONV_OK
                                    : (convp_error_set(&o->rd->err, CONV_E_SYNTAX, o->rd->source, 0,
                                                       0, "content.xml changed while read"),
                                       CONV_ERR);
    if (o->nsheets >= OD_MAX_SHEETS) {
        convp_error_set(&o->rd->err, CONV_E_LIMIT, o->rd->source, 0, 0, "more than %d sheets",
                        OD_MAX_SHEETS);
        return CONV_ERR;
    }
    if (o->nsheets == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 4;
        struct od_sheet *q = convp_realloc(o->ctx, o->sheets, nc * sizeof *q);
        if (!q)
            return nomem(o);
        o->sheets = q;
        o->cap = nc;
    }
    struct od_sheet *sh = &o->sheets[o->nsheets];
    memset(sh, 0, sizeof *sh);
    convp_buf_init(&sh->hdr.text, o->ctx);
    o->nsheets++;
    const struct convp_xscan_attr *a = attr(t, "table:name");
    char gen[32];
    const char *name = a ? a->value : gen;
    size_t len = a ? a->value_len : (size_t)snprintf(gen, sizeof gen, "Sheet%zu", o->nsheets);
    if (!(sh->name = convp_strndup(o->ctx, name, len)))
        return nomem(o);
    return CONV_OK;
}

/* Append the text of a typed cell's value to the row; type set. */
static int cell_typed(struct od *o, const struct convp_xscan_tok *t, enum conv_type *type,
                      int *want_text, uint32_t col)
{
    const struct convp_xscan_attr *vt = attr(t, "office:value-type");
    struct convp_buf *b = &o->row.text;
    char out[64];
    *type = CONV_NULL;
    *want_text = 0;
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
        int vn = v->value_len < 40 ? (int)v->value_len : 40;
        char num[400];
        if (v->value_len >= sizeof num || (!convp_is_integer(v->value, v->value_len) &&
                                           !convp_is_decimal(v->value, v->value_len)))
            return cell_error(o, CONV_E_SYNTAX, cur_name(o), o->rownum + 1, col,
                              "'%.*s' is not a number", vn, v->value);
        memcpy(num, v->value, v->value_len); /* attribute values are not NUL-terminated */
        num[v->value_len] = '\0';
        double d = strtod_l(num, NULL, o->cloc);
        if (!isfinite(d))
            return cell_error(o, CONV_E_SYNTAX, cur_name(o), o->rownum + 1, col,
                              "'%.*s' is out of the range of numbers", vn, v->value);
        int integral;
        size_t k = convp_shortest_number(d, out, &integral);
        *type = integral ? CONV_INTEGER : CONV_DECIMAL;
        return convp_buf_append(b, out, k) != 0 ? nomem(o) : CONV_OK;
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
            return cell_error(o, CONV_E_SYNTAX, cur_name(o), o->rownum + 1, col,
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
            return cell_error(o, CONV_E_SYNTAX, cur_name(o), o->rownum + 1, col,
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
            return cell_error(o, CONV_E_SYNTAX, cur_name(o), o->rownum + 1, col,
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
static int para_text(struct od *o, const char *s, size_t n, size_t cell_off)
{
    struct convp_buf *b = &o->row.text;
    if (convp_buf_append(b, s, n) != 0)
        return nomem(o);
    if (b->len - cell_off > CONVP_MAX_RECORD_BYTES)
        return cell_error(o, CONV_E_LIMIT, cur_name(o), o->rownum + 1, 0,
                          "a cell's text is too long");
    return CONV_OK;
}

/*
 * The next row with a value: 1 with o->row (its sheet, number, repeat and
 * non-empty cells), 0 at the end of the document, -1.  Empty rows and
 * cells, however repeated, are only counted.
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
    int want_text = 0, npara = 0;
    size_t coff = 0;
    if (o->eof)
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
            if (!o->table_depth) {
                if (is_name(&t, "table")) {
                    if (table_begin(o, &t) != CONV_OK)
                        return -1;
                    o->table_depth = t.depth;
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
                if (cell_typed(o, &t, &ctype, &want_text, c1) != CONV_OK)
                    return -1;
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
            size_t len = row->text.len - coff;
            if (ctype == CONV_NULL || len == 0) {
                row->text.len = coff;
                col = (uint64_t)col + crep > UINT32_MAX ? UINT32_MAX : col + crep;
                continue;
            }
            if ((uint64_t)col + crep > CONVP_ODS_MAX_COLS)
                return cell_error(o, CONV_E_LIMIT, cur_name(o), o->rownum + 1,
                                  col < CONVP_ODS_MAX_COLS ? col + 1 : 0,
                                  "a value past column %u (XFD), the most a sheet has",
                                  CONVP_ODS_MAX_COLS),
                       -1;
            /* A repeat shares its text here, but each copy is a value of the record. */
            row_bytes += (uint64_t)len * crep;
            if (row_bytes > CONVP_MAX_RECORD_BYTES)
                return cell_error(o, CONV_E_LIMIT, cur_name(o), o->rownum + 1, col + 1,
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
                return cell_error(o, CONV_E_LIMIT, cur_name(o),
                                  first <= CONVP_ODS_MAX_ROWS ? first : CONVP_ODS_MAX_ROWS, 0,
                                  "a value past row %u, the most a sheet has", CONVP_ODS_MAX_ROWS),
                       -1;
            row->num = (uint32_t)first;
            row->sheet = o->tidx;
            return 1;
        }
        if (o->table_depth && t.depth == o->table_depth)
            o->table_depth = 0;
    }
    if (rc == CONV_EOF) {
        o->eof = 1;
        return 0;
    }
    return -1;
}

/* ---- header ---------------------------------------------------------------------------------- */

static int row_copy(struct od *o, struct od_row *dst, const struct od_row *src)
{
    dst->num = src->num;
    dst->repeat = src->repeat;
    dst->sheet = src->sheet;
    dst->text.len = 0;
    if (src->text.len && convp_buf_append(&dst->text, src->text.data, src->text.len) != 0)
        return nomem(o);
    if (src->n > dst->cap) {
        struct od_cell *q = convp_realloc(o->ctx, dst->cells, src->n * sizeof *q);
        if (!q)
            return nomem(o);
        dst->cells = q;
        dst->cap = src->n;
    }
    if (src->n)
        memcpy(dst->cells, src->cells, src->n * sizeof *src->cells);
    dst->n = src->n;
    return CONV_OK;
}

/* First pass, one row: the header rule of the XLSX reader. */
static int header_step(struct od *o)
{
    struct od_row *row = &o->row;
    struct od_sheet *sh = &o->sheets[row->sheet];
    if (sh->done)
        return CONV_OK;
    sh->any = 1;
    if (o->header_row > 0) {
        uint64_t want = (uint64_t)o->header_row;
        if (row->num > want) {
            sh->done = 1;
        } else if (want < (uint64_t)row->num + row->repeat) {
            if (row_copy(o, &sh->hdr, row) != CONV_OK)
                return CONV_ERR;
            sh->hdr.num = (uint32_t)want;
            sh->found = sh->done = 1;
        }
        return CONV_OK;
    }
    if (row->n >= 2 && (!sh->hdr.num || row->num - sh->hdr.num < OD_AUTO_ROWS)) {
        if (row_copy(o, &sh->hdr, row) != CONV_OK)
            return CONV_ERR;
        sh->found = sh->done = 1;
    } else if (!sh->hdr.num) {
        if (row_copy(o, &sh->hdr, row) != CONV_OK)
            return CONV_ERR;
        sh->found = 1; /* a one-column table, unless a wider row follows */
    } else if (row->num - sh->hdr.num >= OD_AUTO_ROWS) {
        sh->done = 1;
    }
    return CONV_OK;
}

static long header_field(struct od *o, const struct od_sheet *sh, uint32_t col, const char *name,
                         size_t len, struct conv_schema *local)
{
    return convp_sheet_field(o->rd, local, NULL, sh->name, name, len, o->rename, &o->tmp,
                             sh->header_row, col);
}

/* Name a sheet's columns from its header row: first to last non-empty cell. */
static int name_columns(struct od *o, struct od_sheet *sh)
{
    struct od_row *row = &sh->hdr;
    struct conv_schema *local = conv_schema_new(o->ctx);
    int rc = CONV_OK;
    if (!local)
        return nomem(o);
    sh->header_row = row->num;
    sh->first_col = row->cells[0].col;
    sh->ncols = row->cells[row->n - 1].col - sh->first_col + 1;
    sh->field = convp_calloc(o->ctx, sh->ncols, sizeof *sh->field);
    if (!sh->field) {
        rc = nomem(o);
        goto out;
    }
    if (o->multi) {
        long idx = header_field(o, sh, 0, "sheet", 5, local);
        if (idx < 0) {
            rc = CONV_ERR;
            goto out;
        }
        o->sheet_field = (uint32_t)idx;
    }
    size_t ci = 0;
    for (uint32_t k = 0; k < sh->ncols; k++) {
        uint32_t col = sh->first_col + k;
        while (ci < row->n && row->cells[ci].col < col)
            ci++;
        char gen[32];
        const char *name;
        size_t len;
        if (ci < row->n && row->cells[ci].col == col) {
            name = row->text.data + row->cells[ci].off;
            len = row->cells[ci].len;
        } else {
            len = (size_t)snprintf(gen, sizeof gen, "column_%u", (unsigned)col);
            name = gen;
        }
        long idx = header_field(o, sh, col, name, len, local);
        if (idx < 0) {
            rc = CONV_ERR;
            goto out;
        }
        sh->field[k] = (uint32_t)idx;
    }
out:
    conv_schema_free(local);
    return rc;
}

/* ---- driver ---------------------------------------------------------------------------------- */

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int pick_sheets(struct od *o)
{
    const char *want = convp_opt_str(o->rd->opts, "sheet", NULL);
    long want_index = want && all_digits(want) && strlen(want) < 9 ? atol(want) : 0;
    int by_name = 0, found = 0;
    size_t ntake = 0;
    for (size_t i = 0; want && i < o->nsheets; i++)
        by_name |= !strcmp(o->sheets[i].name, want);
    for (size_t i = 0; i < o->nsheets; i++) {
        struct od_sheet *sh = &o->sheets[i];
        sh->take = !want || (by_name ? !strcmp(sh->name, want) : (long)i + 1 == want_index);
        found |= sh->take;
        ntake += (size_t)sh->take;
        char key[32];
        snprintf(key, sizeof key, "sheet.%zu", i);
        if (convp_reader_set_info(o->rd, key, sh->name) != 0)
            return CONV_ERR;
    }
    char count[32];
    snprintf(count, sizeof count, "%zu", o->nsheets);
    if (convp_reader_set_info(o->rd, "sheets", count) != 0)
        return CONV_ERR;
    if (want && !found) {
        struct convp_buf *b = &o->tmp;
        b->len = 0;
        for (size_t i = 0; i < o->nsheets; i++) {
            if (b->len && convp_buf_append(b, ", ", 2) != 0)
                return nomem(o);
            if (convp_buf_append(b, o->sheets[i].name, strlen(o->sheets[i].name)) != 0)
                return nomem(o);
        }
        if (!convp_buf_cstr(b))
            return nomem(o);
        convp_error_set(&o->rd->err, CONV_E_USAGE, o->rd->source, 0, 0,
                        "option sheet: no sheet '%.60s' in the document (its sheets: %.120s)", want,
                        b->len ? b->data : "none");
        return CONV_ERR;
    }
    o->multi = !want && ntake > 1;
    for (size_t i = 0; i < o->nsheets; i++)
        if (o->sheets[i].take)
            return convp_reader_set_info(o->rd, "sheet", o->sheets[i].name) != 0 ? CONV_ERR
                                                                                 : CONV_OK;
    return CONV_OK;
}

static void od_close(struct conv_reader *rd);

static int od_open(struct conv_reader *rd)
{
    static const char *const dup_words[] = {"error", "rename", NULL};
    struct od *o = convp_calloc(rd->ctx, 1, sizeof *o);
    long maxp;
    if (!o) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = o;
    o->rd = rd;
    o->ctx = rd->ctx;
    convp_buf_init(&o->row.text, rd->ctx);
    convp_buf_init(&o->tmp, rd->ctx);
    if (convp_opt_long(rd->opts, "header-row", 0, 1, CONVP_ODS_MAX_ROWS, &rd->err,
                       &o->header_row) != CONV_OK ||
        convp_opt_long(rd->opts, "max-part-size", (long)OD_DEFAULT_MAX_PART, 4096,
                       (long)((uint64_t)1 << 60), &rd->err, &maxp) != CONV_OK ||
        convp_opt_enum(rd->opts, "duplicate-names", dup_words, 0, &rd->err, &o->rename) != CONV_OK)
        return CONV_ERR;
    o->max_part = (uint64_t)maxp;
    o->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (o->cloc == (locale_t)0)
        return nomem(o);
    o->zip =
        convp_xlsx_zip_open(rd->ctx, rd->in, rd->source, o->max_part, o->max_part * 4, &rd->err);
    if (!o->zip)
        return CONV_ERR;
    o->entry = convp_xlsx_zip_find(o->zip, "content.xml");
    if (o->entry < 0) {
        convp_error_set(&rd->err, CONV_E_SYNTAX, rd->source, 0, 0,
                        "not an OpenDocument spreadsheet: the zip has no content.xml");
        return CONV_ERR;
    }
    /* First pass: the tables and their header rows. */
    if (stream_open(o) != CONV_OK)
        return CONV_ERR;
    int rc;
    while ((rc = next_row(o)) == 1)
        if (header_step(o) != CONV_OK)
            return CONV_ERR;
    if (rc < 0)
        return CONV_ERR;
    stream_close(o);
    if (pick_sheets(o) != CONV_OK)
        return CONV_ERR;
    for (size_t i = 0; i < o->nsheets; i++) {
        struct od_sheet *sh = &o->sheets[i];
        if (!sh->take)
            continue;
        if (!sh->found) {
            if (o->header_row > 0 && sh->any)
                return cell_error(o, CONV_E_STRUCTURE, sh->name, (uint64_t)o->header_row, 0,
                                  "header row %ld is empty", o->header_row);
            continue; /* an empty sheet */
        }
        if (name_columns(o, sh) != CONV_OK)
            return CONV_ERR;
    }
    o->pass2 = 1;
    rd->fields_fixed = 1;
    return CONV_OK;
}

/* A record of the current row copy numbered num: 0 when nothing is in the header's columns. */
static int row_record(struct od *o, struct od_sheet *sh, uint32_t num, struct conv_record *rec)
{
    struct od_row *row = &o->row;
    struct convp_slot *slot;
    if (o->multi) {
        slot = convp_record_push(rec);
        if (!slot)
            return nomem(o), -1;
        slot->field = o->sheet_field;
        slot->line = num;
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
            return nomem(o), -1;
        slot->field = sh->field[k];
        slot->line = num;
        slot->column = sh->first_col + k;
        slot->value.type = CONV_NULL;
        slot->value.flags = 0;
        slot->value.text = "";
        slot->value.len = 0;
    }
    for (size_t i = 0; i < row->n; i++) {
        const struct od_cell *c = &row->cells[i];
        if (c->col < sh->first_col || c->col - sh->first_col >= sh->ncols) {
            char a[8], b[8];
            convp_col_name(sh->first_col, a);
            convp_col_name(sh->first_col + sh->ncols - 1, b);
            return cell_error(o, CONV_E_STRUCTURE, sh->name, num, c->col,
                              "a value outside the header's columns (%s to %s); "
                              "--header-row picks another header row",
                              a, b),
                   -1;
        }
        slot = &rec->slots[first + (c->col - sh->first_col)];
        const char *text = convp_arena_strndup(&rec->arena, row->text.data + c->off, c->len);
        if (!text)
            return nomem(o), -1;
        slot->value.type = c->type;
        slot->value.text = text;
        slot->value.len = c->len;
    }
    rec->line = num;
    return 1;
}

static int od_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct od *o = rd->drv;
    if (!o->started) {
        o->started = 1;
        if (stream_open(o) != CONV_OK)
            return CONV_ERR;
    }
    for (;;) {
        if (!o->rep_left) {
            int rc = next_row(o);
            if (rc < 0)
                return CONV_ERR;
            if (rc == 0) {
                stream_close(o);
                return CONV_EOF;
            }
            o->rep_left = o->row.repeat;
        }
        struct od_sheet *sh = &o->sheets[o->row.sheet];
        uint32_t num = o->row.num + (o->row.repeat - o->rep_left);
        if (!sh->take || !sh->header_row) {
            o->rep_left = 0;
            continue;
        }
        o->rep_left--;
        if (num <= sh->header_row)
            continue;
        convp_record_clear(rec);
        if (row_record(o, sh, num, rec) < 0)
            return CONV_ERR;
        return CONV_OK;
    }
}

static void od_close(struct conv_reader *rd)
{
    struct od *o = rd->drv;
    if (!o)
        return;
    stream_close(o);
    convp_xlsx_zip_close(o->zip);
    if (o->cloc != (locale_t)0)
        freelocale(o->cloc);
    for (size_t i = 0; i < o->nsheets; i++) {
        convp_free(o->ctx, o->sheets[i].name);
        convp_free(o->ctx, o->sheets[i].field);
        convp_free(o->ctx, o->sheets[i].hdr.cells);
        convp_buf_free(&o->sheets[i].hdr.text);
    }
    convp_free(o->ctx, o->sheets);
    convp_free(o->ctx, o->row.cells);
    convp_buf_free(&o->row.text);
    convp_buf_free(&o->tmp);
    convp_free(o->ctx, o);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_ods_reader_ops = {
    .open = od_open,
    .next = od_next,
    .close = od_close,
};
