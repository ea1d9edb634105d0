/*
 * XLS reader: Excel 97-2003 workbooks, BIFF8 records in the Workbook
 * stream of an OLE2 compound file (xls_cfb.c).  The workbook globals
 * (sheets, date system, number formats, fonts, cell formats, shared
 * strings) are read once; each sheet's records are then read a row at a
 * time.  This file is the book driver of the spreadsheet layer
 * (formats/sheet/sheet.h), which makes the records.
 */
#include "xls_private.h"
#include "xls_cfb.h"

#include "sheet.h"

#include <stdlib.h>

#define XLS_MAX_ROWS 65536u
#define XLS_MAX_COLS 256u
#define XLS_MAX_REC 8224 /* a BIFF8 record's data */
#define XLS_MAX_XFS 65536
#define XLS_MAX_FONTS 65536

/* Record types. */
enum {
    R_FORMULA = 0x0006,
    R_EOF = 0x000A,
    R_FILEPASS = 0x002F,
    R_DATEMODE = 0x0022,
    R_FONT = 0x0031,
    R_CONTINUE = 0x003C,
    R_COLINFO = 0x007D,
    R_BOUNDSHEET = 0x0085,
    R_MULRK = 0x00BD,
    R_RSTRING = 0x00D6,
    R_XF = 0x00E0,
    R_MERGEDCELLS = 0x00E5,
    R_SST = 0x00FC,
    R_LABELSST = 0x00FD,
    R_NUMBER = 0x0203,
    R_LABEL = 0x0204,
    R_BOOLERR = 0x0205,
    R_STRING = 0x0207,
    R_ROW = 0x0208,
    R_RK = 0x027E,
    R_FORMAT = 0x041E,
    R_BOF = 0x0809,
};

/* Cell kinds. */
enum { K_NUM, K_SST, K_TEXT, K_BOOL, K_ERR, K_STRPENDING };

struct xls_rec {
    uint16_t type, len;
    uint64_t pos;
    unsigned char data[XLS_MAX_REC];
};

struct xls_cell {
    uint32_t row; /* 1-based; kept in a gathered sheet */
    uint32_t col; /* 1-based */
    uint16_t xf;
    uint8_t kind;
    uint8_t b; /* K_BOOL: 0/1; K_ERR: the code */
    uint8_t formula;
    double num;
    uint32_t sst;
    size_t off, len; /* K_TEXT: in the row's text */
};

struct xls_row {
    uint32_t num; /* 1-based */
    struct xls_cell *cells;
    size_t n, cap;
    struct convp_buf text;
};

/* A font: bold, italic and its name in the book. */
struct xls_font {
    uint8_t bold, italic;
    uint32_t name;
};

/* A number format of a FORMAT record: id, what it shows, its code. */
struct xls_format {
    uint16_t id;
    struct convp_numfmt f;
    const char *code; /* kept by the book */
};

/* A cell format: its number format id, font record and indent. */
struct xls_xf {
    uint16_t ifmt, ifnt;
    uint8_t indent;
};

struct xls {
    struct convp_book *b;
    struct conv_reader *rd;
    struct conv_context *ctx;
    struct convp_cfb *cfb;
    uint64_t ssize; /* the workbook stream's */
    uint64_t max;
    /* globals */
    struct xls_format *custom; /* FORMAT records, in order */
    size_t ncustom, capcustom;
    struct xls_font *fonts;
    size_t nfonts, capfonts;
    struct xls_xf *xfs;
    size_t nxf, capxf;
    struct convp_buf sst;
    uint64_t *sst_off; /* nsst + 1 offsets */
    size_t nsst;
    /* records */
    struct xls_rec rec;
    uint64_t pos; /* the next record */
    /* the sheet being read */
    const char *sname;
    size_t sindex;
    int depth;      /* BOF/EOF nesting: 1 in the sheet's own records */
    int sheet_done; /* its EOF was read */
    uint32_t prev_row;
    long pending; /* the row's cell whose STRING record is to come, or -1 */
    unsigned char *hidden_rows; /* a bit per row of the sheet (ROW records) */
    struct xls_row row;
    /* A sheet whose cells do not come row by row (written column by
     * column): all of them, sorted by row and column, given from memory. */
    int gathered;
    unsigned char *order_known; /* per sheet: 0 not yet, 1 row by row, 2 gathered */
    struct xls_row all;
    size_t all_pos;
    struct xls_row *store; /* where cell records go: row, or all while gathering */
    uint32_t gather_row;
    struct convp_buf tmp;
};

/* ---- errors -------------------------------------------------------------------------------- */

static int nomem(struct xls *x)
{
    return convp_book_nomem(x->b);
}

static int damaged(struct xls *x, const char *fmt, ...) CONVP_PRINTF(2, 3);
static int damaged(struct xls *x, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    convp_error_set(&x->rd->err, CONV_E_SYNTAX, x->rd->source, 0, 0,
                    "damaged Excel 97-2003 workbook: %s", msg);
    return CONV_ERR;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double le_double(const unsigned char *p)
{
    uint64_t b = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* ---- records ------------------------------------------------------------------------------- */

/* The record at x->pos into x->rec, x->pos past it: 1, 0 at the stream's end, -1. */
static int rec_next(struct xls *x)
{
    struct xls_rec *r = &x->rec;
    unsigned char h[4];
    if (x->pos >= x->ssize || x->ssize - x->pos < 4)
        return 0;
    if (convp_cfb_read(x->cfb, x->pos, h, 4, &x->rd->err) != CONV_OK)
        return -1;
    r->type = le16(h);
    r->len = le16(h + 2);
    r->pos = x->pos;
    if (r->len > XLS_MAX_REC)
        return damaged(x, "a record of %u bytes at offset %llu (at most %d)", (unsigned)r->len,
                       (unsigned long long)x->pos, XLS_MAX_REC),
               -1;
    if (x->ssize - x->pos - 4 < r->len)
        return damaged(x, "a record runs past the end of the workbook stream"), -1;
    if (r->len && convp_cfb_read(x->cfb, x->pos + 4, r->data, r->len, &x->rd->err) != CONV_OK)
        return -1;
    x->pos += 4 + (uint64_t)r->len;
    return 1;
}

/* Make sure x->rec has data at *i: read the CONTINUE record that carries
 * on when *i is at its end (*i becomes 0). */
static int need(struct xls *x, size_t *i)
{
    while (*i >= x->rec.len) { /* an empty CONTINUE: the next one */
        uint64_t at = x->pos;
        int rc = rec_next(x);
        if (rc < 0)
            return CONV_ERR;
        if (rc == 0 || x->rec.type != R_CONTINUE)
            return damaged(x, "a text cut short at offset %llu", (unsigned long long)at);
        *i = 0;
    }
    return CONV_OK;
}

static int get_byte(struct xls *x, size_t *i, unsigned *out)
{
    if (need(x, i) != CONV_OK)
        return CONV_ERR;
    *out = x->rec.data[(*i)++];
    return CONV_OK;
}

static int skip_bytes(struct xls *x, size_t *i, uint64_t n)
{
    while (n) {
        if (need(x, i) != CONV_OK)
            return CONV_ERR;
        size_t avail = x->rec.len - *i;
        size_t k = n < avail ? (size_t)n : avail;
        *i += k;
        n -= k;
    }
    return CONV_OK;
}

/*
 * An Excel unicode string at *i: its character count (2 bytes, or 1 for a
 * short string), flags, run and phonetic sizes, the characters, then the
 * runs and phonetic data, which are skipped.  The characters may go on in
 * CONTINUE records, each starting with a new flags byte (compressed
 * Latin-1 or UTF-16LE).  Appended to out as UTF-8: a surrogate pair makes
 * one character, a lone surrogate U+FFFD; NUL is an error.
 */
static int read_ustr(struct xls *x, size_t *i, int short_len, struct convp_buf *out)
{
    unsigned b0, b1, flags;
    uint32_t cch;
    if (get_byte(x, i, &b0) != CONV_OK)
        return CONV_ERR;
    cch = b0;
    if (!short_len) {
        if (get_byte(x, i, &b1) != CONV_OK)
            return CONV_ERR;
        cch |= b1 << 8;
    }
    if (get_byte(x, i, &flags) != CONV_OK)
        return CONV_ERR;
    uint32_t runs = 0, ext = 0;
    if (flags & 0x08) {
        unsigned a, b;
        if (get_byte(x, i, &a) != CONV_OK || get_byte(x, i, &b) != CONV_OK)
            return CONV_ERR;
        runs = a | b << 8;
    }
    if (flags & 0x04) {
        for (int k = 0; k < 4; k++) {
            unsigned a;
            if (get_byte(x, i, &a) != CONV_OK)
                return CONV_ERR;
            ext |= (uint32_t)a << (8 * k);
        }
    }
    int high = flags & 1;
    uint32_t lead = 0; /* a high surrogate waiting for its pair */
    while (cch) {
        if (*i >= x->rec.len) {
            unsigned f;
            if (need(x, i) != CONV_OK || get_byte(x, i, &f) != CONV_OK)
                return CONV_ERR;
            high = f & 1;
            continue;
        }
        size_t avail = x->rec.len - *i;
        const unsigned char *p = x->rec.data + *i;
        if (high && avail < 2)
            return damaged(x, "a character split across records");
        size_t k = high ? avail / 2 : avail;
        if (k > cch)
            k = cch;
        if (convp_buf_grow(out, k * 3 + 4) != 0)
            return nomem(x);
        for (size_t j = 0; j < k; j++) {
            uint32_t u = high ? le16(p + 2 * j) : p[j];
            if (lead) {
                if (u >= 0xDC00 && u <= 0xDFFF) {
                    if (convp_buf_put_cp(out, 0x10000 + ((lead - 0xD800) << 10) + (u - 0xDC00)) != 0)
                        return nomem(x);
                    lead = 0;
                    continue;
                }
                if (convp_buf_put_cp(out, 0xFFFD) != 0)
                    return nomem(x);
                lead = 0;
            }
            if (u == 0) {
                convp_error_set(&x->rd->err, CONV_E_ENCODING, x->rd->source, 0, 0,
                                "a NUL character in a text of the workbook");
                return CONV_ERR;
            }
            if (u >= 0xD800 && u <= 0xDBFF) {
                lead = u;
                continue;
            }
            if (convp_buf_put_cp(out, u >= 0xDC00 && u <= 0xDFFF ? 0xFFFD : u) != 0)
                return nomem(x);
        }
        *i += high ? 2 * k : k;
        cch -= (uint32_t)k;
    }
    if (lead && convp_buf_put_cp(out, 0xFFFD) != 0)
        return nomem(x);
    if (out->len > CONVP_MAX_RECORD_BYTES)
        return damaged(x, "a text over %zu bytes", CONVP_MAX_RECORD_BYTES);
    return skip_bytes(x, i, (uint64_t)runs * 4 + ext);
}

/* ---- workbook globals ---------------------------------------------------------------------- */

/* The shared strings: the SST record and its CONTINUE records. */
static int read_sst(struct xls *x)
{
    if (x->rec.len < 8)
        return damaged(x, "a shared string table of %u bytes", (unsigned)x->rec.len);
    uint32_t count = le32(x->rec.data + 4);
    size_t i = 8, cap = 0;
    struct convp_buf *b = &x->sst;
    if (x->sst_off)
        return damaged(x, "two shared string tables");
    for (uint32_t k = 0; k < count; k++) {
        if (i >= x->rec.len) {
            /* Between strings: the table goes on in a CONTINUE record, or
             * has ended early (some writers count wrong). */
            uint64_t keep = x->pos;
            int rc = rec_next(x);
            if (rc < 0)
                return CONV_ERR;
            if (rc == 0 || x->rec.type != R_CONTINUE) {
                x->pos = keep;
                break;
            }
            i = 0;
            k--;
            continue;
        }
        if (x->nsst + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            uint64_t *q = convp_realloc(x->ctx, x->sst_off, ncap * sizeof *q);
            if (!q)
                return nomem(x);
            x->sst_off = q;
            cap = ncap;
        }
        size_t start = b->len;
        if (read_ustr(x, &i, 0, b) != CONV_OK || convp_buf_putc(b, '\0') != 0)
            return x->rd->err.code ? CONV_ERR : nomem(x);
        x->sst_off[x->nsst++] = start;
        x->sst_off[x->nsst] = b->len;
        if ((uint64_t)b->len + 8 * (uint64_t)x->nsst > x->max) {
            convp_error_set(&x->rd->err, CONV_E_LIMIT, x->rd->source, 0, 0,
                            "shared strings take more than %llu bytes (max-part-size)",
                            (unsigned long long)x->max);
            return CONV_ERR;
        }
    }
    if (!x->sst_off && !(x->sst_off = convp_calloc(x->ctx, 1, sizeof *x->sst_off)))
        return nomem(x);
    return CONV_OK;
}

/* A sheet from BOUNDSHEET8: worksheets only (dt 0); *skip for the others. */
struct xls_bsheet {
    char *name;
    uint64_t offset;
    int work;
};

static int read_boundsheet(struct xls *x, struct xls_bsheet *s)
{
    if (x->rec.len < 8)
        return damaged(x, "a sheet record of %u bytes", (unsigned)x->rec.len);
    s->offset = le32(x->rec.data);
    s->work = x->rec.data[5] == 0;
    size_t i = 6;
    struct convp_buf *b = &x->tmp;
    b->len = 0;
    if (read_ustr(x, &i, 1, b) != CONV_OK)
        return CONV_ERR;
    if (!convp_buf_cstr(b) || !(s->name = convp_strndup(x->ctx, b->data, b->len)))
        return nomem(x);
    return CONV_OK;
}

static int read_format(struct xls *x)
{
    if (x->rec.len < 5)
        return damaged(x, "a number format record of %u bytes", (unsigned)x->rec.len);
    uint16_t id = le16(x->rec.data);
    size_t i = 2;
    struct convp_buf *b = &x->tmp;
    b->len = 0;
    if (read_ustr(x, &i, 0, b) != CONV_OK)
        return CONV_ERR;
    if (convp_array_grow(x->ctx, (void **)&x->custom, x->ncustom, &x->capcustom,
                         sizeof *x->custom) != 0)
        return nomem(x);
    struct xls_format *f = &x->custom[x->ncustom];
    f->id = id;
    f->f = convp_numfmt_classify(b->data ? b->data : "", b->len);
    if (!(f->code = convp_book_add_code(x->b, b->data ? b->data : "", b->len)))
        return CONV_ERR;
    x->ncustom++;
    return CONV_OK;
}

/* XF: the font (ifnt), number format (ifmt) and indent of a cell format. */
static int read_xf(struct xls *x)
{
    if (x->rec.len < 4)
        return damaged(x, "a cell format record of %u bytes", (unsigned)x->rec.len);
    if (x->nxf == XLS_MAX_XFS)
        return CONV_OK; /* cells cannot refer to more */
    if (convp_array_grow(x->ctx, (void **)&x->xfs, x->nxf, &x->capxf, sizeof *x->xfs) != 0)
        return nomem(x);
    const unsigned char *d = x->rec.data;
    x->xfs[x->nxf++] = (struct xls_xf){le16(d + 2), le16(d), x->rec.len > 8 ? d[8] & 0x0F : 0};
    return CONV_OK;
}

/* FONT: weight (700 is bold), italic, and the font's name. */
static int read_font(struct xls *x)
{
    if (x->rec.len < 16)
        return damaged(x, "a font record of %u bytes", (unsigned)x->rec.len);
    if (x->nfonts == XLS_MAX_FONTS)
        return CONV_OK;
    if (convp_array_grow(x->ctx, (void **)&x->fonts, x->nfonts, &x->capfonts, sizeof *x->fonts))
        return nomem(x);
    const unsigned char *d = x->rec.data;
    struct xls_font f = {le16(d + 6) >= 700, (le16(d + 2) & 2) != 0, CONVP_NO_FONT};
    size_t i = 14;
    struct convp_buf *t = &x->tmp;
    t->len = 0;
    if (read_ustr(x, &i, 1, t) != CONV_OK)
        return CONV_ERR;
    long k = convp_book_add_font(x->b, t->data ? t->data : "", t->len);
    if (k < 0)
        return CONV_ERR;
    f.name = (uint32_t)k;
    x->fonts[x->nfonts++] = f;
    return CONV_OK;
}

static int unsupported(struct xls *x, const char *msg)
{
    convp_error_set(&x->rd->err, CONV_E_UNSUPPORTED, x->rd->source, 0, 0, "%s", msg);
    return CONV_ERR;
}

#define MSG_BIFF5                                                                                  \
    "an Excel 5.0/95 workbook (BIFF5) is not supported: open it in Excel or LibreOffice and "      \
    "save it as .xlsx"
#define MSG_ENCRYPTED                                                                              \
    "encrypted workbook: open it in Excel or LibreOffice and save it without a password"

/* A BOF record in x->rec: 0, or -1 with the error for what it is not. */
static int check_bof(struct xls *x, uint16_t want_dt)
{
    if (x->rec.type == 0x0009 || x->rec.type == 0x0209 || x->rec.type == 0x0409)
        return unsupported(x, "an Excel 2.x-4.0 file (BIFF2-4) is not supported: open it in "
                              "Excel or LibreOffice and save it as .xlsx"),
               -1;
    if (x->rec.type != R_BOF || x->rec.len < 4)
        return damaged(x, "no BOF record at offset %llu", (unsigned long long)x->rec.pos), -1;
    uint16_t version = le16(x->rec.data), dt = le16(x->rec.data + 2);
    if (version == 0x0500)
        return unsupported(x, MSG_BIFF5), -1;
    if (version != 0x0600)
        return damaged(x, "BIFF version 0x%04x (0x0600 expected)", (unsigned)version), -1;
    if (dt != want_dt)
        return damaged(x, "a substream of type 0x%04x where 0x%04x was expected", (unsigned)dt,
                       (unsigned)want_dt),
               -1;
    return 0;
}

/* The globals substream: from the first BOF to its EOF. */
static int read_globals(struct xls *x, struct xls_bsheet **out, size_t *nout)
{
    struct xls_bsheet *v = NULL;
    size_t n = 0, cap = 0;
    int rc;
    x->pos = 0;
    *out = NULL;
    *nout = 0;
    if ((rc = rec_next(x)) <= 0)
        return rc < 0 ? CONV_ERR : damaged(x, "an empty workbook stream");
    if (check_bof(x, 0x0005) != 0)
        return CONV_ERR;
    int ended = 0;
    while (!ended && (rc = rec_next(x)) == 1) {
        switch (x->rec.type) {
        case R_EOF:
            ended = 1;
            break;
        case R_FILEPASS:
            rc = unsupported(x, MSG_ENCRYPTED);
            break;
        case R_DATEMODE:
            convp_book_set_date1904(x->b, x->rec.len >= 2 && le16(x->rec.data) == 1);
            break;
        case R_BOUNDSHEET:
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                struct xls_bsheet *q = convp_realloc(x->ctx, v, ncap * sizeof *q);
                if (!q) {
                    rc = nomem(x);
                    break;
                }
                v = q;
                cap = ncap;
            }
            memset(&v[n], 0, sizeof v[n]);
            rc = read_boundsheet(x, &v[n]);
            n++;
            break;
        case R_FORMAT:
            rc = read_format(x);
            break;
        case R_XF:
            rc = read_xf(x);
            break;
        case R_FONT:
            rc = read_font(x);
            break;
        case R_SST:
            rc = read_sst(x);
            break;
        default:
            break;
        }
        if (rc == CONV_ERR)
            break;
        rc = 1;
    }
    *out = v;
    *nout = n;
    if (rc == CONV_ERR || rc < 0)
        return CONV_ERR;
    if (!ended)
        return damaged(x, "the workbook globals have no EOF record");
    /* Each cell format as a style: its number format (a FORMAT record of
     * its id, else the built-in one), its font's bold, italic and name
     * (font records are numbered without 4), its indent. */
    for (size_t i = 0; i < x->nxf; i++) {
        const struct xls_xf *xf = &x->xfs[i];
        size_t fi = xf->ifnt >= 4 ? (size_t)xf->ifnt - 1 : xf->ifnt;
        const struct xls_font *f = fi < x->nfonts ? &x->fonts[fi] : NULL;
        const struct xls_format *c = NULL;
        for (size_t k = x->ncustom; !c && k-- > 0;) /* the last FORMAT of an id wins */
            if (x->custom[k].id == xf->ifmt)
                c = &x->custom[k];
        struct convp_style s = {
            .nf = c ? c->f : convp_numfmt_builtin(xf->ifmt),
            .code = c ? c->code : convp_numfmt_builtin_code(xf->ifmt),
            .bold = f ? f->bold : 0,
            .italic = f ? f->italic : 0,
            .indent = xf->indent,
            .font = f ? f->name : CONVP_NO_FONT,
        };
        if (convp_book_add_style(x->b, &s) != CONV_OK)
            return CONV_ERR;
    }
    return CONV_OK;
}

/* ---- rows ---------------------------------------------------------------------------------- */

/* The row of the cell record being read. */
static uint32_t cur_row(const struct xls *x)
{
    return x->store == &x->all ? x->gather_row : x->row.num;
}

/* A new cell of the row at column col (1-based), kept in column order;
 * while a sheet is gathered, of its row gather_row, at the end. */
static struct xls_cell *add_cell(struct xls *x, uint32_t col)
{
    struct xls_row *row = x->store;
    uint32_t rnum = cur_row(x);
    if (col > XLS_MAX_COLS) {
        convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, rnum, 0,
                              "a cell in column %u (at most %u)", (unsigned)col, XLS_MAX_COLS);
        return NULL;
    }
    size_t at = row->n;
    if (x->store == &x->row) {
        while (at > 0 && row->cells[at - 1].col > col)
            at--;
        if (at > 0 && row->cells[at - 1].col == col) {
            convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, rnum, col,
                                  "the cell is given twice");
            return NULL;
        }
    }
    if (convp_array_grow(x->ctx, (void **)&row->cells, row->n, &row->cap, sizeof *row->cells)) {
        nomem(x);
        return NULL;
    }
    memmove(row->cells + at + 1, row->cells + at, (row->n - at) * sizeof *row->cells);
    row->n++;
    if (x->pending >= (long)at)
        x->pending++;
    struct xls_cell *c = &row->cells[at];
    memset(c, 0, sizeof *c);
    c->row = rnum;
    c->col = col;
    return c;
}

static double rk_value(uint32_t rk)
{
    double v;
    if (rk & 2) {
        v = (double)((int32_t)rk >> 2);
    } else {
        uint64_t b = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
        memcpy(&v, &b, sizeof v);
    }
    return rk & 1 ? v / 100 : v;
}

static int is_cell_record(uint16_t t)
{
    return t == R_NUMBER || t == R_RK || t == R_MULRK || t == R_LABELSST || t == R_LABEL ||
           t == R_RSTRING || t == R_BOOLERR || t == R_FORMULA;
}

/* The cells of a cell record (row already checked). */
static int cell_record(struct xls *x)
{
    struct xls_rec *r = &x->rec;
    const unsigned char *d = r->data;
    uint32_t col = (uint32_t)le16(d + 2) + 1;
    uint16_t xf = le16(d + 4);
    struct xls_cell *c;
    switch (r->type) {
    case R_NUMBER:
        if (r->len < 14)
            break;
        if (!(c = add_cell(x, col)))
            return CONV_ERR;
        c->kind = K_NUM;
        c->xf = xf;
        c->num = le_double(d + 6);
        return CONV_OK;
    case R_RK:
        if (r->len < 10)
            break;
        if (!(c = add_cell(x, col)))
            return CONV_ERR;
        c->kind = K_NUM;
        c->xf = xf;
        c->num = rk_value(le32(d + 6));
        return CONV_OK;
    case R_MULRK: {
        if (r->len < 6 || (r->len - 6) % 6)
            break;
        size_t n = (size_t)(r->len - 6) / 6;
        for (size_t k = 0; k < n; k++) {
            if (!(c = add_cell(x, col + (uint32_t)k)))
                return CONV_ERR;
            c->kind = K_NUM;
            c->xf = le16(d + 4 + 6 * k);
            c->num = rk_value(le32(d + 6 + 6 * k));
        }
        return CONV_OK;
    }
    case R_LABELSST:
        if (r->len < 10)
            break;
        if (!(c = add_cell(x, col)))
            return CONV_ERR;
        c->kind = K_SST;
        c->xf = xf;
        c->sst = le32(d + 6);
        return CONV_OK;
    case R_LABEL:
    case R_RSTRING: {
        if (r->len < 9)
            break;
        if (!(c = add_cell(x, col)))
            return CONV_ERR;
        c->kind = K_TEXT;
        c->xf = xf;
        size_t off = x->store->text.len, i = 6;
        size_t idx = (size_t)(c - x->store->cells);
        if (read_ustr(x, &i, 0, &x->store->text) != CONV_OK)
            return CONV_ERR;
        x->store->cells[idx].off = off;
        x->store->cells[idx].len = x->store->text.len - off;
        return CONV_OK;
    }
    case R_BOOLERR:
        if (r->len < 8)
            break;
        if (!(c = add_cell(x, col)))
            return CONV_ERR;
        c->kind = d[7] ? K_ERR : K_BOOL;
        c->b = d[6];
        c->xf = xf;
        return CONV_OK;
    case R_FORMULA:
        if (r->len < 20)
            break;
        if (x->pending >= 0)
            return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, cur_row(x), x->store->cells[x->pending].col,
                              "a formula's text result (STRING record) is missing");
        if (!(c = add_cell(x, col)))
            return CONV_ERR;
        c->xf = xf;
        c->formula = 1;
        if (le16(d + 12) != 0xFFFF) {
            c->kind = K_NUM;
            c->num = le_double(d + 6);
            return CONV_OK;
        }
        switch (d[6]) {
        case 0: /* a text: in the STRING record that follows */
            c->kind = K_STRPENDING;
            x->pending = (long)(c - x->store->cells);
            return CONV_OK;
        case 1:
            c->kind = K_BOOL;
            c->b = d[8];
            return CONV_OK;
        case 2:
            c->kind = K_ERR;
            c->b = d[8];
            return CONV_OK;
        case 3: /* an empty text */
            c->kind = K_TEXT;
            c->off = x->store->text.len;
            c->len = 0;
            return CONV_OK;
        default:
            return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, cur_row(x), col,
                              "a formula result of unknown type %u", (unsigned)d[6]);
        }
    default:
        break;
    }
    return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, cur_row(x), col,
                      "a cell record (type 0x%04x) of %u bytes is too short", (unsigned)r->type,
                      (unsigned)r->len);
}

/* The STRING record after a formula: its text result. */
static int string_record(struct xls *x)
{
    struct xls_row *row = x->store;
    if (x->pending < 0)
        return CONV_OK; /* not after a text formula: nothing to fill */
    struct xls_cell *c = &row->cells[x->pending];
    size_t off = row->text.len, i = 0;
    if (x->rec.len < 3)
        return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, c->row, c->col,
                          "a formula's text result of %u bytes", (unsigned)x->rec.len);
    if (read_ustr(x, &i, 0, &row->text) != CONV_OK)
        return CONV_ERR;
    c = &row->cells[x->pending];
    c->kind = K_TEXT;
    c->off = off;
    c->len = row->text.len - off;
    x->pending = -1;
    return CONV_OK;
}

/* What a sheet says besides its cells: hidden rows (ROW), hidden columns
 * (COLINFO), merged ranges (MERGEDCELLS). */
static int sheet_facts(struct xls *x)
{
    const struct xls_rec *r = &x->rec;
    const unsigned char *d = r->data;
    if (r->type == R_ROW && r->len >= 14) {
        uint16_t row = le16(d);
        if (le16(d + 12) & 0x20)
            x->hidden_rows[row / 8] |= (unsigned char)(1u << (row % 8));
    } else if (r->type == R_COLINFO && r->len >= 10) {
        if (le16(d + 8) & 1)
            return convp_book_hide_cols(x->b, x->sindex, (uint32_t)le16(d) + 1,
                                        (uint32_t)le16(d + 2) + 1);
    } else if (r->type == R_MERGEDCELLS && r->len >= 2) {
        size_t n = le16(d);
        for (size_t k = 0; k < n && 2 + 8 * k + 8 <= r->len; k++) {
            const unsigned char *q = d + 2 + 8 * k;
            struct convp_range g = {(uint32_t)le16(q) + 1, (uint32_t)le16(q + 4) + 1,
                                    (uint32_t)le16(q + 2) + 1, (uint32_t)le16(q + 6) + 1};
            if (g.row1 <= g.row2 && g.col1 <= g.col2 &&
                convp_book_add_merge(x->b, x->sindex, &g) != CONV_OK)
                return CONV_ERR;
        }
    }
    return CONV_OK;
}

/*
 * Whether the sheet's cells come row by row, as Excel writes them: a look
 * at the row of each cell record (its first two bytes) from here to the
 * sheet's EOF, nothing else read.  1, 0 (some writers go column by
 * column), -1.
 */
static int rows_in_order(struct xls *x)
{
    unsigned char *buf = x->rec.data; /* free until the next record is read */
    const size_t cap = sizeof x->rec.data;
    uint64_t pos = x->pos, base = pos;
    size_t have = 0;
    uint32_t prev = 0;
    int depth = 1;
    while (pos + 4 <= x->ssize) {
        /* The record's header and first two bytes, from a chunk of the stream. */
        if (pos + 6 > base + have) {
            base = pos;
            have = x->ssize - pos < cap ? (size_t)(x->ssize - pos) : cap;
            if (convp_cfb_read(x->cfb, base, buf, have, &x->rd->err) != CONV_OK)
                return -1;
        }
        const unsigned char *h = buf + (pos - base);
        uint16_t type = le16(h), len = le16(h + 2);
        if (len > XLS_MAX_REC || x->ssize - pos - 4 < len)
            return 1; /* damaged: the reading says where */
        if (type == R_BOF) {
            depth++;
        } else if (type == R_EOF) {
            if (--depth == 0)
                return 1;
        } else if (depth == 1 && len >= 2 && is_cell_record(type)) {
            if (pos + 6 > base + have)
                continue; /* read again from pos */
            uint32_t r = le16(h + 4);
            if (r < prev)
                return 0;
            prev = r;
        }
        pos += 4 + (uint64_t)len;
    }
    return 1;
}

static int cmp_cell(const void *a, const void *b)
{
    const struct xls_cell *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

/*
 * Read all the cells of a sheet whose cells are not row by row into
 * x->all, sorted by row and column: as Excel shows such a sheet.  Memory
 * holds the sheet, as the file forces (at most 65,536 rows of 256 cells).
 */
static int gather(struct xls *x)
{
    x->all.n = 0;
    x->all.text.len = 0;
    x->store = &x->all;
    x->pending = -1;
    for (;;) {
        int rc = rec_next(x);
        if (rc < 0)
            return CONV_ERR;
        if (rc == 0)
            return damaged(x, "sheet '%.60s' has no EOF record", x->sname);
        uint16_t t = x->rec.type;
        if (t == R_BOF) {
            if (++x->depth > 16)
                return damaged(x, "substreams nested deeper than 16");
            continue;
        }
        if (t == R_EOF) {
            if (--x->depth > 0)
                continue;
            break;
        }
        if (x->depth != 1)
            continue;
        if (t == R_STRING) {
            if (string_record(x) != CONV_OK)
                return CONV_ERR;
            continue;
        }
        if (t == R_ROW || t == R_COLINFO || t == R_MERGEDCELLS) {
            if (sheet_facts(x) != CONV_OK)
                return CONV_ERR;
            continue;
        }
        if (!is_cell_record(t))
            continue;
        if (x->rec.len < 6)
            return damaged(x, "a cell record of %u bytes", (unsigned)x->rec.len);
        if (x->pending >= 0)
            return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname,
                                         x->all.cells[x->pending].row,
                                         x->all.cells[x->pending].col,
                                         "a formula's text result (STRING record) is missing");
        x->gather_row = (uint32_t)le16(x->rec.data) + 1;
        if (cell_record(x) != CONV_OK)
            return CONV_ERR;
        if (x->all.text.len > x->max)
            return convp_book_cell_error(x->b, CONV_E_LIMIT, x->sname, x->gather_row, 0,
                                         "the sheet's text takes more than %llu bytes "
                                         "(max-part-size)",
                                         (unsigned long long)x->max);
    }
    if (x->pending >= 0)
        return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, x->all.cells[x->pending].row,
                                     x->all.cells[x->pending].col,
                                     "a formula's text result (STRING record) is missing");
    if (x->all.n > 1)
        qsort(x->all.cells, x->all.n, sizeof *x->all.cells, cmp_cell);
    for (size_t i = 1; i < x->all.n; i++)
        if (!cmp_cell(&x->all.cells[i - 1], &x->all.cells[i]))
            return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, x->all.cells[i].row,
                                         x->all.cells[i].col, "the cell is given twice");
    x->sheet_done = 1;
    x->gathered = 1;
    x->all_pos = 0;
    x->store = &x->row;
    return CONV_OK;
}

/* The next row of a gathered sheet into x->row: 1, or 0 at its end. */
static int gathered_row(struct xls *x)
{
    struct xls_row *row = &x->row;
    row->n = 0;
    row->text.len = 0;
    if (x->all_pos >= x->all.n)
        return 0;
    row->num = x->all.cells[x->all_pos].row;
    while (x->all_pos < x->all.n && x->all.cells[x->all_pos].row == row->num) {
        const struct xls_cell *g = &x->all.cells[x->all_pos++];
        if (convp_array_grow(x->ctx, (void **)&row->cells, row->n, &row->cap, sizeof *row->cells))
            return nomem(x), -1;
        struct xls_cell *c = &row->cells[row->n++];
        *c = *g;
        if (g->kind == K_TEXT) {
            c->off = row->text.len;
            if (g->len && convp_buf_append(&row->text, x->all.text.data + g->off, g->len) != 0)
                return nomem(x), -1;
        }
    }
    return 1;
}

static int xls_start(struct convp_book *b, void *drv, size_t i)
{
    struct xls *x = drv;
    x->sname = convp_book_sheet_name(b, i);
    x->sindex = i;
    x->pos = convp_book_sheet_pos(b, i);
    int rc = rec_next(x);
    if (rc <= 0)
        return rc < 0 ? CONV_ERR
                      : damaged(x, "sheet '%.60s' starts past the end of the stream", x->sname);
    if (check_bof(x, 0x0010) != 0)
        return CONV_ERR;
    x->depth = 1;
    x->sheet_done = 0;
    x->prev_row = 0;
    x->pending = -1;
    x->row.n = 0;
    x->row.num = 0;
    x->store = &x->row;
    x->gathered = 0;
    memset(x->hidden_rows, 0, XLS_MAX_ROWS / 8);
    /* Whether its cells come row by row, found once per sheet. */
    if (!x->order_known[i]) {
        int in_order = rows_in_order(x);
        if (in_order < 0)
            return CONV_ERR;
        x->order_known[i] = in_order ? 1 : 2;
    }
    return x->order_known[i] == 1 ? CONV_OK : gather(x);
}

/*
 * The next row of the open sheet into x->row: 1, 0 when the sheet has no
 * more, -1.  Cells come row by row; the record that starts the next row
 * is read again by the next call.
 */
static int next_row(struct xls *x)
{
    if (x->gathered)
        return gathered_row(x);
    struct xls_row *row = &x->row;
    int have = 0;
    row->n = 0;
    row->text.len = 0;
    x->pending = -1;
    if (x->sheet_done)
        return 0;
    for (;;) {
        int rc = rec_next(x);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return damaged(x, "sheet '%.60s' has no EOF record", x->sname), -1;
        uint16_t t = x->rec.type;
        if (t == R_BOF) {
            if (++x->depth > 16)
                return damaged(x, "substreams nested deeper than 16"), -1;
            continue;
        }
        if (t == R_EOF) {
            if (--x->depth > 0)
                continue;
            x->sheet_done = 1;
            if (x->pending >= 0)
                return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, row->num, row->cells[x->pending].col,
                                  "a formula's text result (STRING record) is missing"),
                       -1;
            break;
        }
        if (x->depth != 1)
            continue;
        if (t == R_STRING) {
            if (have && string_record(x) != CONV_OK)
                return -1;
            continue;
        }
        if (t == R_ROW || t == R_COLINFO || t == R_MERGEDCELLS) {
            if (sheet_facts(x) != CONV_OK)
                return -1;
            continue;
        }
        if (!is_cell_record(t))
            continue;
        if (x->rec.len < 6)
            return damaged(x, "a cell record of %u bytes", (unsigned)x->rec.len), -1;
        uint32_t num = (uint32_t)le16(x->rec.data) + 1;
        if (have && num != row->num) {
            if (x->pending >= 0)
                return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, row->num, row->cells[x->pending].col,
                                  "a formula's text result (STRING record) is missing"),
                       -1;
            if (num < row->num)
                return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, num, 0,
                                  "row %u comes after row %u (rows out of order)", (unsigned)num,
                                  (unsigned)row->num),
                       -1;
            x->pos = x->rec.pos; /* this record starts the next row */
            break;
        }
        if (!have) {
            if (num <= x->prev_row)
                return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, num, 0,
                                  "row %u comes after row %u (rows out of order)", (unsigned)num,
                                  (unsigned)x->prev_row),
                       -1;
            row->num = num;
            have = 1;
        }
        if (cell_record(x) != CONV_OK)
            return -1;
        if (row->text.len > CONVP_MAX_RECORD_BYTES)
            return convp_book_cell_error(x->b, CONV_E_LIMIT, x->sname, row->num, 0, "row over %zu bytes",
                              CONVP_MAX_RECORD_BYTES),
                   -1;
    }
    if (!have)
        return 0;
    x->prev_row = row->num;
    return 1;
}

/* ---- cell values --------------------------------------------------------------------------- */

static const char *error_text(unsigned code)
{
    switch (code) {
    case 0x00:
        return "#NULL!";
    case 0x07:
        return "#DIV/0!";
    case 0x0F:
        return "#VALUE!";
    case 0x17:
        return "#REF!";
    case 0x1D:
        return "#NAME?";
    case 0x24:
        return "#NUM!";
    case 0x2A:
        return "#N/A";
    case 0x2B:
        return "#GETTING_DATA";
    default:
        return NULL;
    }
}

/* A cell's value; CONV_NULL with len 0 for none.  Text may be in out (at
 * least 128 bytes), the row's text or the shared strings. */

/* The row just read, with each cell's value, into the book's row. */
static int xls_values(struct convp_book *b, void *drv, struct convp_row *out)
{
    struct xls *x = drv;
    (void)b;
    const struct xls_row *row = &x->row;
    convp_row_clear(out, row->num);
    out->hidden = (x->hidden_rows[(row->num - 1) / 8] >> ((row->num - 1) % 8)) & 1;
    for (size_t i = 0; i < row->n; i++) {
        const struct xls_cell *xc = &row->cells[i];
        struct convp_cell *c = convp_row_cell(x->b, out, xc->col);
        if (!c)
            return CONV_ERR;
        c->style = xc->xf;
        c->flags = xc->formula ? CONVP_CELL_FORMULA : 0;
        switch (xc->kind) {
        case K_NUM:
            if (convp_book_number(x->b, out, c, NULL, 0, xc->num, x->sname) != CONV_OK)
                return CONV_ERR;
            break;
        case K_SST:
            if (xc->sst >= x->nsst)
                return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, row->num, xc->col,
                                             "shared string %u out of range (the workbook has "
                                             "%zu)",
                                             (unsigned)xc->sst, x->nsst);
            c->type = CONV_STRING;
            c->flags |= CONVP_CELL_LASTING;
            c->text = x->sst.data + x->sst_off[xc->sst];
            c->len = (size_t)(x->sst_off[xc->sst + 1] - x->sst_off[xc->sst] - 1);
            break;
        case K_TEXT:
            c->type = CONV_STRING;
            c->text = xc->len ? row->text.data + xc->off : "";
            c->len = xc->len;
            break;
        case K_BOOL:
            if (xc->b > 1)
                return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, row->num, xc->col,
                                             "boolean value %u (0 or 1 expected)",
                                             (unsigned)xc->b);
            c->type = CONV_BOOLEAN;
            c->text = xc->b ? "true" : "false";
            c->len = xc->b ? 4 : 5;
            break;
        case K_ERR: {
            const char *e = error_text(xc->b);
            if (!e)
                return convp_book_cell_error(x->b, CONV_E_SYNTAX, x->sname, row->num, xc->col,
                                             "unknown error code 0x%02x", (unsigned)xc->b);
            c->type = CONV_STRING;
            c->flags |= CONVP_CELL_ERROR;
            c->text = e;
            c->len = strlen(e);
            break;
        }
        default:
            break;
        }
    }
    return CONV_OK;
}

static int xls_read_row(struct convp_book *b, void *drv)
{
    (void)b;
    return next_row(drv);
}

/* The compound file and its workbook stream, or an error saying what the
 * file is instead. */
static int open_stream(struct xls *x)
{
    size_t plen = 0;
    const unsigned char *peek = convp_input_peek(x->rd->in, &plen);
    if (peek && plen >= 4 && peek[0] == 'P' && peek[1] == 'K' && peek[2] == 3 && peek[3] == 4) {
        convp_error_set(&x->rd->err, CONV_E_SYNTAX, x->rd->source, 0, 0,
                        "not an Excel 97-2003 workbook: a zip archive (an .xlsx or .ods? "
                        "--from xlsx or --from ods reads it)");
        return CONV_ERR;
    }
    x->cfb = convp_cfb_open(x->ctx, x->rd->in, x->rd->source, x->max, &x->rd->err);
    if (!x->cfb)
        return CONV_ERR;
    long e = convp_cfb_find(x->cfb, "Workbook");
    if (e < 0) {
        if (convp_cfb_find(x->cfb, "EncryptedPackage") >= 0)
            return unsupported(x, "encrypted workbook (an .xlsx protected by a password): open it "
                                  "in Excel or LibreOffice and save it without a password");
        if (convp_cfb_find(x->cfb, "Book") >= 0)
            return unsupported(x, MSG_BIFF5);
        convp_error_set(&x->rd->err, CONV_E_SYNTAX, x->rd->source, 0, 0,
                        "not an Excel 97-2003 workbook: an OLE compound file without a "
                        "Workbook stream (a Word or PowerPoint document?)");
        return CONV_ERR;
    }
    return convp_cfb_select(x->cfb, e, &x->ssize, &x->rd->err);
}


/* ---- driver -------------------------------------------------------------------------------- */

static int xls_open_book(struct convp_book *b, void *drv)
{
    struct xls *x = drv;
    struct conv_reader *rd = convp_book_reader(b);
    x->b = b;
    x->rd = rd;
    x->ctx = rd->ctx;
    x->pending = -1;
    convp_buf_init(&x->sst, rd->ctx);
    convp_buf_init(&x->row.text, rd->ctx);
    convp_buf_init(&x->all.text, rd->ctx);
    convp_buf_init(&x->tmp, rd->ctx);
    x->store = &x->row;
    long maxp;
    if (convp_opt_long(rd->opts, "max-part-size", (long)CONVP_XLS_DEFAULT_MAX, 4096,
                       (long)((uint64_t)1 << 60), &rd->err, &maxp) != CONV_OK)
        return CONV_ERR;
    x->max = (uint64_t)maxp;
    if (!(x->hidden_rows = convp_calloc(x->ctx, XLS_MAX_ROWS / 8, 1)))
        return nomem(x);
    if (open_stream(x) != CONV_OK)
        return CONV_ERR;
    struct xls_bsheet *bs = NULL;
    size_t nbs = 0;
    int rc = read_globals(x, &bs, &nbs);
    for (size_t i = 0; rc == CONV_OK && i < nbs; i++)
        rc = convp_book_add_sheet(b, bs[i].name, strlen(bs[i].name),
                                  bs[i].work ? CONVP_SHEET_WORK : CONVP_SHEET_OTHER, bs[i].offset);
    for (size_t i = 0; i < nbs; i++)
        convp_free(x->ctx, bs[i].name);
    convp_free(x->ctx, bs);
    if (rc == CONV_OK && !(x->order_known = convp_calloc(x->ctx, nbs ? nbs : 1, 1)))
        return nomem(x);
    return rc;
}

static void xls_close_book(struct convp_book *b, void *drv)
{
    struct xls *x = drv;
    (void)b;
    if (!x->ctx)
        return;
    convp_cfb_close(x->cfb);
    convp_free(x->ctx, x->custom);
    convp_free(x->ctx, x->fonts);
    convp_free(x->ctx, x->xfs);
    convp_buf_free(&x->sst);
    convp_free(x->ctx, x->sst_off);
    convp_free(x->ctx, x->hidden_rows);
    convp_free(x->ctx, x->row.cells);
    convp_buf_free(&x->row.text);
    convp_free(x->ctx, x->order_known);
    convp_free(x->ctx, x->all.cells);
    convp_buf_free(&x->all.text);
    convp_buf_free(&x->tmp);
}

static const struct convp_book_ops xls_book = {
    .what = "workbook",
    .max_rows = XLS_MAX_ROWS,
    .drv_size = sizeof(struct xls),
    .open = xls_open_book,
    .start = xls_start,
    .read_row = xls_read_row,
    .values = xls_values,
    .close = xls_close_book,
};

const struct convp_reader_ops convp_xls_reader_ops = CONVP_BOOK_READER(&xls_book);
