/*
 * XLS (Excel 97-2003) reader: BIFF8 records from the "Workbook" stream of
 * an OLE compound file (xls_cfb.c).  The workbook globals (sheets, date
 * system, number formats, cell formats, shared strings) are read at open;
 * then each worksheet's records are read in order, one row at a time, one
 * record per row.  Values, sheets, header rows and errors follow the XLSX
 * reader (docs/formats.md, "Excel").
 */
#include "xls_private.h"
#include "xls_cfb.h"
#include "xlsx/xlsx_cells.h"

#include <math.h>
#include <stdlib.h>

#define XLS_META_SHEET "_conv_fields" /* the XLSX writer's field sheet: not data */
#define XLS_AUTO_ROWS 20 /* rows looked at for the header, from the first non-empty one */
#define XLS_MAX_ROWS 65536u
#define XLS_MAX_COLS 256u
#define XLS_MAX_REC 8224 /* a BIFF8 record's data */
#define XLS_MAX_SHEETS 10000
#define XLS_MAX_XFS 65536

/* Record types. */
enum {
    R_FORMULA = 0x0006,
    R_EOF = 0x000A,
    R_FILEPASS = 0x002F,
    R_DATEMODE = 0x0022,
    R_CONTINUE = 0x003C,
    R_BOUNDSHEET = 0x0085,
    R_MULRK = 0x00BD,
    R_RSTRING = 0x00D6,
    R_XF = 0x00E0,
    R_SST = 0x00FC,
    R_LABELSST = 0x00FD,
    R_NUMBER = 0x0203,
    R_LABEL = 0x0204,
    R_BOOLERR = 0x0205,
    R_STRING = 0x0207,
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
    uint32_t col; /* 1-based */
    uint16_t xf;
    uint8_t kind;
    uint8_t b; /* K_BOOL: 0/1; K_ERR: the code */
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

struct xls_sheet {
    char *name;
    uint64_t offset;     /* its BOF in the stream */
    uint32_t header_row; /* 0: no values */
    uint32_t first_col, ncols;
    uint32_t *field; /* per table column */
};

struct xls {
    struct conv_reader *rd;
    struct conv_context *ctx;
    struct convp_cfb *cfb;
    uint64_t ssize; /* the workbook stream's */
    /* options */
    int raw_numbers;
    int rename;
    long header_row;
    uint64_t max;
    /* globals */
    int date1904;
    struct convp_numfmt *custom; /* by format id, from FORMAT records */
    unsigned char *custom_set;
    uint16_t *xf_ifmt;
    struct convp_numfmt *xf;
    size_t nxf, capxf;
    struct convp_buf sst;
    uint64_t *sst_off; /* nsst + 1 offsets */
    size_t nsst;
    struct conv_schema *meta; /* from the _conv_fields sheet, or NULL */
    struct xls_sheet *sheets;
    size_t nsheets;
    int multi;
    uint32_t sheet_field;
    /* records */
    struct xls_rec rec;
    uint64_t pos; /* the next record */
    /* the sheet being read */
    size_t cur;
    int open;
    int depth;      /* BOF/EOF nesting: 1 in the sheet's own records */
    int sheet_done; /* its EOF was read */
    uint32_t prev_row;
    long pending; /* the row's cell whose STRING record is to come, or -1 */
    struct xls_row row;
    struct convp_buf tmp;
};

struct xls_val {
    enum conv_type type;
    const char *text;
    size_t len;
};

/* ---- errors -------------------------------------------------------------------------------- */

static int nomem(struct xls *x)
{
    convp_error_set(&x->rd->err, CONV_E_NOMEM, x->rd->source, 0, 0, "out of memory");
    return CONV_ERR;
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

/* An error at a cell (1-based row and column; column 0: the row). */
static int cell_error(struct xls *x, enum conv_errcode code, const char *sheet, uint32_t row,
                      uint32_t col, const char *fmt, ...) CONVP_PRINTF(6, 7);
static int cell_error(struct xls *x, enum conv_errcode code, const char *sheet, uint32_t row,
                      uint32_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    convp_cell_verror(x->rd, code, sheet, row, col, fmt, ap);
    va_end(ap);
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
    x->custom[id] = convp_numfmt_classify(b->data ? b->data : "", b->len);
    x->custom_set[id] = 1;
    return CONV_OK;
}

static int read_xf(struct xls *x)
{
    if (x->rec.len < 4)
        return damaged(x, "a cell format record of %u bytes", (unsigned)x->rec.len);
    if (x->nxf == XLS_MAX_XFS)
        return CONV_OK; /* cells cannot refer to more */
    if (x->nxf == x->capxf) {
        size_t ncap = x->capxf ? x->capxf * 2 : 64;
        uint16_t *q = convp_realloc(x->ctx, x->xf_ifmt, ncap * sizeof *q);
        if (!q)
            return nomem(x);
        x->xf_ifmt = q;
        x->capxf = ncap;
    }
    x->xf_ifmt[x->nxf++] = le16(x->rec.data + 2);
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
    x->custom = convp_calloc(x->ctx, 65536, sizeof *x->custom);
    x->custom_set = convp_calloc(x->ctx, 65536, 1);
    if (!x->custom || !x->custom_set)
        return nomem(x);
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
            x->date1904 = x->rec.len >= 2 && le16(x->rec.data) == 1;
            break;
        case R_BOUNDSHEET:
            if (n == XLS_MAX_SHEETS) {
                convp_error_set(&x->rd->err, CONV_E_LIMIT, x->rd->source, 0, 0,
                                "more than %d sheets", XLS_MAX_SHEETS);
                rc = CONV_ERR;
                break;
            }
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
    /* Each cell format's number format: a FORMAT record of its id, else
     * the built-in one. */
    if (x->nxf) {
        x->xf = convp_malloc(x->ctx, x->nxf * sizeof *x->xf);
        if (!x->xf)
            return nomem(x);
        for (size_t i = 0; i < x->nxf; i++) {
            uint16_t id = x->xf_ifmt[i];
            x->xf[i] = x->custom_set[id] ? x->custom[id] : convp_numfmt_builtin(id);
        }
    }
    convp_free(x->ctx, x->custom);
    convp_free(x->ctx, x->custom_set);
    x->custom = NULL;
    x->custom_set = NULL;
    return CONV_OK;
}

/* ---- rows ---------------------------------------------------------------------------------- */

static int sheet_open(struct xls *x, const struct xls_sheet *sh)
{
    x->pos = sh->offset;
    int rc = rec_next(x);
    if (rc <= 0)
        return rc < 0 ? CONV_ERR
                      : damaged(x, "sheet '%.60s' starts past the end of the stream", sh->name);
    if (check_bof(x, 0x0010) != 0)
        return CONV_ERR;
    x->open = 1;
    x->depth = 1;
    x->sheet_done = 0;
    x->prev_row = 0;
    x->pending = -1;
    x->row.n = 0;
    x->row.num = 0;
    return CONV_OK;
}

/* A new cell of the row at column col (1-based), kept in column order. */
static struct xls_cell *add_cell(struct xls *x, const struct xls_sheet *sh, uint32_t col)
{
    struct xls_row *row = &x->row;
    if (col > XLS_MAX_COLS) {
        cell_error(x, CONV_E_SYNTAX, sh->name, row->num, 0, "a cell in column %u (at most %u)",
                   (unsigned)col, XLS_MAX_COLS);
        return NULL;
    }
    size_t at = row->n;
    while (at > 0 && row->cells[at - 1].col > col)
        at--;
    if (at > 0 && row->cells[at - 1].col == col) {
        cell_error(x, CONV_E_SYNTAX, sh->name, row->num, col, "the cell is given twice");
        return NULL;
    }
    if (row->n == row->cap) {
        size_t ncap = row->cap ? row->cap * 2 : 32;
        struct xls_cell *q = convp_realloc(x->ctx, row->cells, ncap * sizeof *q);
        if (!q) {
            nomem(x);
            return NULL;
        }
        row->cells = q;
        row->cap = ncap;
    }
    memmove(row->cells + at + 1, row->cells + at, (row->n - at) * sizeof *row->cells);
    row->n++;
    if (x->pending >= (long)at)
        x->pending++;
    struct xls_cell *c = &row->cells[at];
    memset(c, 0, sizeof *c);
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
static int cell_record(struct xls *x, const struct xls_sheet *sh)
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
        if (!(c = add_cell(x, sh, col)))
            return CONV_ERR;
        c->kind = K_NUM;
        c->xf = xf;
        c->num = le_double(d + 6);
        return CONV_OK;
    case R_RK:
        if (r->len < 10)
            break;
        if (!(c = add_cell(x, sh, col)))
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
            if (!(c = add_cell(x, sh, col + (uint32_t)k)))
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
        if (!(c = add_cell(x, sh, col)))
            return CONV_ERR;
        c->kind = K_SST;
        c->xf = xf;
        c->sst = le32(d + 6);
        return CONV_OK;
    case R_LABEL:
    case R_RSTRING: {
        if (r->len < 9)
            break;
        if (!(c = add_cell(x, sh, col)))
            return CONV_ERR;
        c->kind = K_TEXT;
        c->xf = xf;
        size_t off = x->row.text.len, i = 6;
        size_t idx = (size_t)(c - x->row.cells);
        if (read_ustr(x, &i, 0, &x->row.text) != CONV_OK)
            return CONV_ERR;
        x->row.cells[idx].off = off;
        x->row.cells[idx].len = x->row.text.len - off;
        return CONV_OK;
    }
    case R_BOOLERR:
        if (r->len < 8)
            break;
        if (!(c = add_cell(x, sh, col)))
            return CONV_ERR;
        c->kind = d[7] ? K_ERR : K_BOOL;
        c->b = d[6];
        c->xf = xf;
        return CONV_OK;
    case R_FORMULA:
        if (r->len < 20)
            break;
        if (x->pending >= 0)
            return cell_error(x, CONV_E_SYNTAX, sh->name, x->row.num, x->row.cells[x->pending].col,
                              "a formula's text result (STRING record) is missing");
        if (!(c = add_cell(x, sh, col)))
            return CONV_ERR;
        c->xf = xf;
        if (le16(d + 12) != 0xFFFF) {
            c->kind = K_NUM;
            c->num = le_double(d + 6);
            return CONV_OK;
        }
        switch (d[6]) {
        case 0: /* a text: in the STRING record that follows */
            c->kind = K_STRPENDING;
            x->pending = (long)(c - x->row.cells);
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
            c->off = x->row.text.len;
            c->len = 0;
            return CONV_OK;
        default:
            return cell_error(x, CONV_E_SYNTAX, sh->name, x->row.num, col,
                              "a formula result of unknown type %u", (unsigned)d[6]);
        }
    default:
        break;
    }
    return cell_error(x, CONV_E_SYNTAX, sh->name, x->row.num, col,
                      "a cell record (type 0x%04x) of %u bytes is too short", (unsigned)r->type,
                      (unsigned)r->len);
}

/* The STRING record after a formula: its text result. */
static int string_record(struct xls *x, const struct xls_sheet *sh)
{
    struct xls_row *row = &x->row;
    if (x->pending < 0)
        return CONV_OK; /* not after a text formula: nothing to fill */
    struct xls_cell *c = &row->cells[x->pending];
    size_t off = row->text.len, i = 0;
    if (x->rec.len < 3)
        return cell_error(x, CONV_E_SYNTAX, sh->name, row->num, c->col,
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

/*
 * The next row of the open sheet into x->row: 1, 0 when the sheet has no
 * more, -1.  Cells come row by row; the record that starts the next row
 * is read again by the next call.
 */
static int next_row(struct xls *x, const struct xls_sheet *sh)
{
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
            return damaged(x, "sheet '%.60s' has no EOF record", sh->name), -1;
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
                return cell_error(x, CONV_E_SYNTAX, sh->name, row->num, row->cells[x->pending].col,
                                  "a formula's text result (STRING record) is missing"),
                       -1;
            break;
        }
        if (x->depth != 1)
            continue;
        if (t == R_STRING) {
            if (have && string_record(x, sh) != CONV_OK)
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
                return cell_error(x, CONV_E_SYNTAX, sh->name, row->num, row->cells[x->pending].col,
                                  "a formula's text result (STRING record) is missing"),
                       -1;
            if (num < row->num)
                return cell_error(x, CONV_E_SYNTAX, sh->name, num, 0,
                                  "row %u comes after row %u (rows out of order)", (unsigned)num,
                                  (unsigned)row->num),
                       -1;
            x->pos = x->rec.pos; /* this record starts the next row */
            break;
        }
        if (!have) {
            if (num <= x->prev_row)
                return cell_error(x, CONV_E_SYNTAX, sh->name, num, 0,
                                  "row %u comes after row %u (rows out of order)", (unsigned)num,
                                  (unsigned)x->prev_row),
                       -1;
            row->num = num;
            have = 1;
        }
        if (cell_record(x, sh) != CONV_OK)
            return -1;
        if (row->text.len > CONVP_MAX_RECORD_BYTES)
            return cell_error(x, CONV_E_LIMIT, sh->name, row->num, 0, "row over %zu bytes",
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
static int cell_value(struct xls *x, const struct xls_cell *c, char *out, size_t size,
                      struct xls_val *v, const char *sheet, uint32_t rownum)
{
    v->type = CONV_NULL;
    v->text = "";
    v->len = 0;
    switch (c->kind) {
    case K_NUM: {
        struct convp_numfmt f =
            c->xf < x->nxf ? x->xf[c->xf] : (struct convp_numfmt){CONVP_NF_GENERAL, 0};
        if (!isfinite(c->num))
            return cell_error(x, CONV_E_SYNTAX, sheet, rownum, c->col,
                              "a number that is not finite");
        if (f.kind == CONVP_NF_DATE || f.kind == CONVP_NF_DATETIME) {
            int rc = convp_serial_text(c->num, x->date1904, f, out, size, &v->type, &v->len);
            if (rc == -2)
                return cell_error(x, CONV_E_TYPE, sheet, rownum, c->col,
                                  "serial 60 is 1900-02-29, a day that did not exist (Excel's "
                                  "1900 leap-year quirk)");
            if (rc != 0)
                return cell_error(x, CONV_E_TYPE, sheet, rownum, c->col,
                                  "%.17g in a date format is not a date Excel can show", c->num);
            v->text = out;
            return CONV_OK;
        }
        int integral;
        v->len = x->raw_numbers ? convp_roundtrip_number(c->num, out, &integral)
                                : convp_shortest_number(c->num, out, &integral);
        v->text = out;
        v->type = integral ? CONV_INTEGER : CONV_DECIMAL;
        if (!x->raw_numbers) {
            size_t padded = convp_numfmt_pad(f, out, v->len, out, size);
            if (padded) {
                v->len = padded;
                v->type = CONV_DECIMAL;
            }
        }
        return CONV_OK;
    }
    case K_SST:
        if (c->sst >= x->nsst)
            return cell_error(x, CONV_E_SYNTAX, sheet, rownum, c->col,
                              "shared string %u out of range (the workbook has %zu)",
                              (unsigned)c->sst, x->nsst);
        v->type = CONV_STRING;
        v->text = x->sst.data + x->sst_off[c->sst];
        v->len = (size_t)(x->sst_off[c->sst + 1] - x->sst_off[c->sst] - 1);
        return CONV_OK;
    case K_TEXT:
        v->type = CONV_STRING;
        v->text = c->len ? x->row.text.data + c->off : "";
        v->len = c->len;
        return CONV_OK;
    case K_BOOL:
        if (c->b > 1)
            return cell_error(x, CONV_E_SYNTAX, sheet, rownum, c->col,
                              "boolean value %u (0 or 1 expected)", (unsigned)c->b);
        v->type = CONV_BOOLEAN;
        v->text = c->b ? "true" : "false";
        v->len = c->b ? 4 : 5;
        return CONV_OK;
    case K_ERR: {
        const char *e = error_text(c->b);
        if (!e)
            return cell_error(x, CONV_E_SYNTAX, sheet, rownum, c->col, "unknown error code 0x%02x",
                              (unsigned)c->b);
        v->type = CONV_STRING;
        v->text = e;
        v->len = strlen(e);
        return CONV_OK;
    }
    default:
        return CONV_OK;
    }
}

static int nonempty(const struct xls_val *v)
{
    return v->type != CONV_NULL && v->len > 0;
}

/* ---- headers ------------------------------------------------------------------------------- */

/* Add a name (renamed x_2, x_3... if taken in this sheet and allowed). */
static long header_field(struct xls *x, const struct xls_sheet *sh, uint32_t col, const char *name,
                         size_t len, struct conv_schema *local)
{
    return convp_sheet_field(x->rd, local, x->meta, sh->name, name, len, x->rename, &x->tmp,
                             sh->header_row, col);
}

/* The _conv_fields name for a header cell: by name, by label, else by position. */

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
 * The XLSX writer's _conv_fields sheet, kept when such a workbook is saved
 * as .xls: a header row (name, type, label, label_en, unit, required),
 * then one row per field.
 */
static int read_meta(struct xls *x, const struct xls_sheet *sh)
{
    if (sheet_open(x, sh) != CONV_OK)
        return CONV_ERR;
    x->meta = conv_schema_new(x->ctx);
    if (!x->meta)
        return nomem(x);
    int rc;
    char out[6][128];
    while ((rc = next_row(x, sh)) == 1) {
        struct xls_val v[6];
        memset(v, 0, sizeof v);
        for (int k = 0; k < 6; k++)
            v[k].text = "";
        for (size_t i = 0; i < x->row.n; i++) {
            const struct xls_cell *c = &x->row.cells[i];
            if (c->col > 6)
                continue;
            if (cell_value(x, c, out[c->col - 1], sizeof out[0], &v[c->col - 1], sh->name,
                           x->row.num) != CONV_OK)
                return CONV_ERR;
        }
        if (!nonempty(&v[0]) || (v[0].len == 4 && !memcmp(v[0].text, "name", 4) && v[1].len == 4 &&
                                 !memcmp(v[1].text, "type", 4)))
            continue;
        if (x->meta->n >= CONVP_MAX_FIELDS)
            return cell_error(x, CONV_E_LIMIT, sh->name, x->row.num, 1,
                              "more than %d fields described", CONVP_MAX_FIELDS);
        struct conv_field f = {0};
        char *texts[4] = {NULL, NULL, NULL, NULL};
        for (int k = 0; k < 4; k++) {
            const struct xls_val *t = &v[k == 0 ? 0 : k + 1];
            if (nonempty(t) && !(texts[k] = convp_strndup(x->ctx, t->text, t->len))) {
                for (int m = 0; m < k; m++)
                    convp_free(x->ctx, texts[m]);
                return nomem(x);
            }
        }
        f.name = texts[0];
        f.label = texts[1];
        f.label_en = texts[2];
        f.unit = texts[3];
        f.type = nonempty(&v[1]) ? type_named(v[1].text, v[1].len) : CONV_ANY;
        f.required = v[5].type == CONV_BOOLEAN ? v[5].text[0] == 't'
                                               : (v[5].len == 4 && !memcmp(v[5].text, "true", 4));
        int added = conv_schema_add(x->meta, &f);
        int dup = added != CONV_OK && conv_schema_find(x->meta, f.name) >= 0;
        for (int m = 0; m < 4; m++)
            convp_free(x->ctx, texts[m]);
        if (added != CONV_OK) {
            if (!dup)
                return nomem(x);
            return cell_error(x, CONV_E_STRUCTURE, sh->name, x->row.num, 1,
                              "field '%.60s' described twice", v[0].text);
        }
    }
    x->open = 0;
    return rc < 0 ? CONV_ERR : CONV_OK;
}

static int row_copy(struct xls *x, struct xls_row *dst, const struct xls_row *src)
{
    dst->num = src->num;
    dst->text.len = 0;
    if (src->text.len && convp_buf_append(&dst->text, src->text.data, src->text.len) != 0)
        return nomem(x);
    if (src->n > dst->cap) {
        struct xls_cell *q = convp_realloc(x->ctx, dst->cells, src->n * sizeof *q);
        if (!q)
            return nomem(x);
        dst->cells = q;
        dst->cap = src->n;
    }
    if (src->n)
        memcpy(dst->cells, src->cells, src->n * sizeof *src->cells);
    dst->n = src->n;
    return CONV_OK;
}

static void row_swap(struct xls_row *a, struct xls_row *b)
{
    struct xls_row t = *a;
    *a = *b;
    *b = t;
}

/* Non-empty cells of the current row, counting up to 2. */
static int count_nonempty(struct xls *x, const struct xls_sheet *sh, size_t *ne)
{
    char out[128];
    *ne = 0;
    for (size_t i = 0; i < x->row.n && *ne < 2; i++) {
        struct xls_val v;
        if (cell_value(x, &x->row.cells[i], out, sizeof out, &v, sh->name, x->row.num) != CONV_OK)
            return CONV_ERR;
        *ne += nonempty(&v);
    }
    return CONV_OK;
}

/*
 * Find a sheet's header row and leave it in x->row: row --header-row,
 * else the first row with at least two non-empty cells among the first
 * non-empty row and the 19 rows after it, else that first non-empty row.
 * 1 found, 0 an empty sheet, -1.
 */
static int find_header(struct xls *x, struct xls_sheet *sh)
{
    struct xls_row keep = {0};
    convp_buf_init(&keep.text, x->ctx);
    int rc, found = 0, any = 0;
    size_t ne;
    while ((rc = next_row(x, sh)) == 1) {
        uint32_t num = x->row.num;
        if (x->header_row > 0) {
            if (!any) {
                if (count_nonempty(x, sh, &ne) != CONV_OK) {
                    rc = -1;
                    break;
                }
                any = ne > 0;
            }
            if (num > (uint32_t)x->header_row)
                break;
            if (num == (uint32_t)x->header_row) {
                found = 1;
                break;
            }
            continue;
        }
        if (count_nonempty(x, sh, &ne) != CONV_OK) {
            rc = -1;
            break;
        }
        if (ne == 0)
            continue;
        if (ne >= 2 && (!keep.num || num - keep.num < XLS_AUTO_ROWS)) {
            found = 1;
            break;
        }
        if (!keep.num) {
            if (row_copy(x, &keep, &x->row) != CONV_OK) {
                rc = -1;
                break;
            }
        } else if (num - keep.num >= XLS_AUTO_ROWS) {
            break;
        }
    }
    if (rc >= 0 && !found && keep.num) {
        row_swap(&x->row, &keep); /* a one-column table: its first non-empty row */
        found = 1;
    }
    convp_free(x->ctx, keep.cells);
    convp_buf_free(&keep.text);
    if (rc < 0)
        return -1;
    if (!found && x->header_row > 0 && any)
        return cell_error(x, CONV_E_STRUCTURE, sh->name, (uint32_t)x->header_row, 0,
                          "header row %ld is empty", x->header_row);
    return found;
}

/* Name a sheet's columns from its header row (in x->row): from the first
 * to the last non-empty header cell. */
static int name_columns(struct xls *x, struct xls_sheet *sh)
{
    struct xls_row *row = &x->row;
    size_t n = row->n ? row->n : 1;
    struct xls_val *vals = convp_calloc(x->ctx, n, sizeof *vals);
    char(*tmp)[128] = convp_calloc(x->ctx, n, sizeof *tmp);
    struct conv_schema *local = conv_schema_new(x->ctx);
    unsigned char *used = x->meta ? convp_calloc(x->ctx, x->meta->n + 1, 1) : NULL;
    int rc = CONV_OK;
    uint32_t lo = 0, hi = 0;
    if (!vals || !tmp || !local || (x->meta && !used)) {
        rc = nomem(x);
        goto out;
    }
    for (size_t i = 0; i < row->n; i++) {
        if (cell_value(x, &row->cells[i], tmp[i], sizeof tmp[i], &vals[i], sh->name, row->num) !=
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
        rc = cell_error(x, CONV_E_STRUCTURE, sh->name, row->num, 0, "header row %u is empty",
                        (unsigned)row->num);
        goto out;
    }
    sh->header_row = row->num;
    sh->first_col = lo;
    sh->ncols = hi - lo + 1;
    sh->field = convp_calloc(x->ctx, sh->ncols, sizeof *sh->field);
    if (!sh->field) {
        rc = nomem(x);
        goto out;
    }
    if (x->multi) {
        long idx = header_field(x, sh, 0, "sheet", 5, local);
        if (idx < 0) {
            rc = CONV_ERR;
            goto out;
        }
        x->sheet_field = (uint32_t)idx;
    }
    size_t ci = 0;
    for (uint32_t k = 0; k < sh->ncols; k++) {
        uint32_t col = lo + k;
        while (ci < row->n && row->cells[ci].col < col)
            ci++;
        struct xls_val none = {CONV_NULL, "", 0};
        const struct xls_val *v = ci < row->n && row->cells[ci].col == col ? &vals[ci] : &none;
        char gen[32];
        const char *name = convp_meta_name(x->meta, v->text, nonempty(v) ? v->len : 0, k,
                                           sh->ncols, used);
        size_t len;
        if (name) {
            len = strlen(name);
            used[conv_schema_find(x->meta, name)] = 1;
        } else if (nonempty(v)) {
            name = v->text;
            len = v->len;
        } else {
            len = (size_t)snprintf(gen, sizeof gen, "column_%u", (unsigned)col);
            name = gen;
        }
        long idx = header_field(x, sh, col, name, len, local);
        if (idx < 0) {
            rc = CONV_ERR;
            goto out;
        }
        sh->field[k] = (uint32_t)idx;
    }
out:
    convp_free(x->ctx, vals);
    convp_free(x->ctx, tmp);
    convp_free(x->ctx, used);
    conv_schema_free(local);
    return rc;
}

static int read_header(struct xls *x, struct xls_sheet *sh)
{
    if (sheet_open(x, sh) != CONV_OK)
        return CONV_ERR;
    int found = find_header(x, sh);
    x->open = 0;
    if (found < 0)
        return CONV_ERR;
    if (found == 0) {
        sh->header_row = 0; /* an empty sheet */
        return CONV_OK;
    }
    return name_columns(x, sh);
}

/* ---- options, sheets ----------------------------------------------------------------------- */

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* The worksheets to read, in workbook order (the _conv_fields sheet the
 * XLSX writer adds is not data; chart and macro sheets are skipped). */
static int pick_sheets(struct xls *x, struct xls_bsheet *bs, size_t nbs)
{
    const char *want = convp_opt_str(x->rd->opts, "sheet", NULL);
    x->sheets = convp_calloc(x->ctx, nbs ? nbs : 1, sizeof *x->sheets);
    if (!x->sheets)
        return nomem(x);
    size_t nwork = 0;
    long want_index = want && all_digits(want) && strlen(want) < 9 ? atol(want) : 0;
    int by_name = 0, found = 0;
    for (size_t i = 0; want && i < nbs; i++)
        by_name |= !strcmp(bs[i].name, want);
    struct xls_sheet meta = {0};
    for (size_t i = 0; i < nbs; i++) {
        if (!strcmp(bs[i].name, XLS_META_SHEET)) {
            if (bs[i].work) {
                meta.name = bs[i].name;
                meta.offset = bs[i].offset;
            }
            continue;
        }
        if (!bs[i].work) {
            if (want && by_name && !strcmp(bs[i].name, want)) {
                convp_error_set(&x->rd->err, CONV_E_USAGE, x->rd->source, 0, 0,
                                "option sheet: '%.100s' is not a worksheet (a chart sheet?)", want);
                return CONV_ERR;
            }
            continue;
        }
        nwork++;
        char key[32];
        snprintf(key, sizeof key, "sheet.%zu", nwork - 1);
        if (convp_reader_set_info(x->rd, key, bs[i].name) != 0)
            return CONV_ERR;
        if (want && !(by_name ? !strcmp(bs[i].name, want) : (long)nwork == want_index))
            continue;
        found = 1;
        struct xls_sheet *sh = &x->sheets[x->nsheets++];
        sh->name = bs[i].name;
        bs[i].name = NULL;
        sh->offset = bs[i].offset;
    }
    if (want && !found) {
        struct convp_buf *b = &x->tmp;
        b->len = 0;
        for (size_t i = 0; i < nbs; i++) {
            if (!bs[i].name || !strcmp(bs[i].name, XLS_META_SHEET) || !bs[i].work)
                continue;
            if ((b->len && convp_buf_append(b, ", ", 2) != 0) ||
                convp_buf_append(b, bs[i].name, strlen(bs[i].name)) != 0)
                return nomem(x);
        }
        if (!convp_buf_cstr(b))
            return nomem(x);
        convp_error_set(&x->rd->err, CONV_E_USAGE, x->rd->source, 0, 0,
                        "option sheet: no sheet '%.60s' in the workbook (its sheets: %.120s)", want,
                        b->len ? b->data : "none");
        return CONV_ERR;
    }
    char count[32];
    snprintf(count, sizeof count, "%zu", nwork);
    if (convp_reader_set_info(x->rd, "sheets", count) != 0)
        return CONV_ERR;
    x->multi = !want && x->nsheets > 1;
    if (x->nsheets && convp_reader_set_info(x->rd, "sheet", x->sheets[0].name) != 0)
        return CONV_ERR;
    if (meta.name && read_meta(x, &meta) != CONV_OK)
        return CONV_ERR;
    return CONV_OK;
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

static int xls_open(struct conv_reader *rd)
{
    struct xls *x = convp_calloc(rd->ctx, 1, sizeof *x);
    if (!x) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = x;
    x->rd = rd;
    x->ctx = rd->ctx;
    x->pending = -1;
    convp_buf_init(&x->sst, rd->ctx);
    convp_buf_init(&x->row.text, rd->ctx);
    convp_buf_init(&x->tmp, rd->ctx);
    static const char *const dup_words[] = {"error", "rename", NULL};
    long maxp;
    if (convp_opt_flag(rd->opts, "raw-numbers", 0, &rd->err, &x->raw_numbers) != CONV_OK ||
        convp_opt_long(rd->opts, "header-row", 0, 1, XLS_MAX_ROWS, &rd->err, &x->header_row) !=
            CONV_OK ||
        convp_opt_long(rd->opts, "max-part-size", (long)CONVP_XLS_DEFAULT_MAX, 4096,
                       (long)((uint64_t)1 << 60), &rd->err, &maxp) != CONV_OK ||
        convp_opt_enum(rd->opts, "duplicate-names", dup_words, 0, &rd->err, &x->rename) != CONV_OK)
        return CONV_ERR;
    x->max = (uint64_t)maxp;
    if (open_stream(x) != CONV_OK)
        return CONV_ERR;
    struct xls_bsheet *bs = NULL;
    size_t nbs = 0;
    int rc = read_globals(x, &bs, &nbs);
    if (rc == CONV_OK)
        rc = pick_sheets(x, bs, nbs);
    for (size_t i = 0; i < nbs; i++)
        convp_free(x->ctx, bs[i].name);
    convp_free(x->ctx, bs);
    if (rc != CONV_OK)
        return CONV_ERR;
    for (size_t i = 0; i < x->nsheets; i++)
        if (read_header(x, &x->sheets[i]) != CONV_OK)
            return CONV_ERR;
    rd->fields_fixed = 1;
    return CONV_OK;
}

/* Make a record of the row; 0 when it is empty, 1, -1. */
static int row_record(struct xls *x, struct xls_sheet *sh, struct conv_record *rec)
{
    struct xls_row *row = &x->row;
    char out[128];
    int any = 0;
    struct convp_slot *slot;
    if (x->multi) {
        if (!(slot = convp_record_push(rec)))
            return nomem(x), -1;
        slot->field = x->sheet_field;
        slot->line = row->num;
        slot->column = 0;
        slot->value.type = CONV_STRING;
        slot->value.flags = 0;
        slot->value.text = sh->name;
        slot->value.len = strlen(sh->name);
    }
    size_t first = rec->n;
    for (uint32_t k = 0; k < sh->ncols; k++) {
        if (!(slot = convp_record_push(rec)))
            return nomem(x), -1;
        slot->field = sh->field[k];
        slot->line = row->num;
        slot->column = sh->first_col + k;
        slot->value.type = CONV_NULL;
        slot->value.flags = 0;
        slot->value.text = "";
        slot->value.len = 0;
    }
    for (size_t i = 0; i < row->n; i++) {
        const struct xls_cell *c = &row->cells[i];
        struct xls_val v;
        if (cell_value(x, c, out, sizeof out, &v, sh->name, row->num) != CONV_OK)
            return -1;
        if (c->col < sh->first_col || c->col - sh->first_col >= sh->ncols) {
            if (nonempty(&v)) {
                char a[8], b[8];
                convp_col_name(sh->first_col, a);
                convp_col_name(sh->first_col + sh->ncols - 1, b);
                return cell_error(x, CONV_E_STRUCTURE, sh->name, row->num, c->col,
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
        if (c->kind != K_SST && !(text = convp_arena_strndup(&rec->arena, v.text, v.len)))
            return nomem(x), -1;
        enum conv_type t = v.type;
        if (t == CONV_INTEGER && x->meta && x->rd->fields->fields[slot->field].type == CONV_DECIMAL)
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

static int xls_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct xls *x = rd->drv;
    for (;;) {
        if (x->cur >= x->nsheets)
            return CONV_EOF;
        struct xls_sheet *sh = &x->sheets[x->cur];
        if (sh->header_row == 0) {
            x->cur++;
            continue;
        }
        if (!x->open && sheet_open(x, sh) != CONV_OK)
            return CONV_ERR;
        int rc = next_row(x, sh);
        if (rc < 0)
            return CONV_ERR;
        if (rc == 0) {
            x->open = 0;
            x->cur++;
            continue;
        }
        if (x->row.num <= sh->header_row)
            continue;
        convp_record_clear(rec);
        rc = row_record(x, sh, rec);
        if (rc < 0)
            return CONV_ERR;
        if (rc > 0)
            return CONV_OK;
    }
}

static void xls_close(struct conv_reader *rd)
{
    struct xls *x = rd->drv;
    if (!x)
        return;
    convp_cfb_close(x->cfb);
    convp_free(x->ctx, x->custom);
    convp_free(x->ctx, x->custom_set);
    convp_free(x->ctx, x->xf_ifmt);
    convp_free(x->ctx, x->xf);
    convp_buf_free(&x->sst);
    convp_free(x->ctx, x->sst_off);
    conv_schema_free(x->meta);
    for (size_t i = 0; i < x->nsheets; i++) {
        convp_free(x->ctx, x->sheets[i].name);
        convp_free(x->ctx, x->sheets[i].field);
    }
    convp_free(x->ctx, x->sheets);
    convp_free(x->ctx, x->row.cells);
    convp_buf_free(&x->row.text);
    convp_buf_free(&x->tmp);
    convp_free(x->ctx, x);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_xls_reader_ops = {
    .open = xls_open,
    .next = xls_next,
    .close = xls_close,
};
