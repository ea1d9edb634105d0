/*
 * The table logic of the spreadsheet readers, once for XLSX, XLS and ODS:
 * options, which sheets are read, our own field sheet, the header row of
 * each sheet, column names, and one record per row.  The formats give
 * rows of valued cells through their book driver (sheet.h).
 */
#include "sheet_book.h"
#include "sheet_legacy.h"
#include "sheet_report.h"

#include <iconv.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>

/* ---- errors ------------------------------------------------------------------------------- */

struct conv_reader *convp_book_reader(const struct convp_book *b)
{
    return b->rd;
}

int convp_book_raw_numbers(const struct convp_book *b)
{
    return b->raw_numbers;
}

int convp_book_nomem(struct convp_book *b)
{
    convp_error_set(&b->rd->err, CONV_E_NOMEM, b->rd->source, 0, 0, "out of memory");
    return CONV_ERR;
}

int convp_book_cell_error(struct convp_book *b, enum conv_errcode code, const char *sheet,
                          uint64_t row, uint32_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    convp_cell_verror(b->rd, code, sheet, row, col, fmt, ap);
    va_end(ap);
    return CONV_ERR;
}

/* ---- the book's lists ----------------------------------------------------------------------- */

/* Room for one more of n items of size at *v with capacity *cap. */
static int grow(struct convp_book *b, void **v, size_t n, size_t *cap, size_t size)
{
    return convp_array_grow(b->ctx, v, n, cap, size) == 0 ? CONV_OK : convp_book_nomem(b);
}

int convp_book_add_sheet(struct convp_book *b, const char *name, size_t len, int kind,
                         uint64_t pos)
{
    if (b->nsheets == BOOK_MAX_SHEETS) {
        convp_error_set(&b->rd->err, CONV_E_LIMIT, b->rd->source, 0, 0, "more than %d sheets",
                        BOOK_MAX_SHEETS);
        return CONV_ERR;
    }
    if (grow(b, (void **)&b->sheets, b->nsheets, &b->capsheets, sizeof *b->sheets) != CONV_OK)
        return CONV_ERR;
    struct book_sheet *sh = &b->sheets[b->nsheets];
    memset(sh, 0, sizeof *sh);
    if (!(sh->name = convp_strndup(b->ctx, name, len)))
        return convp_book_nomem(b);
    sh->kind = kind;
    sh->pos = pos;
    b->nsheets++;
    return CONV_OK;
}

size_t convp_book_sheet_count(const struct convp_book *b)
{
    return b->nsheets;
}

const char *convp_book_sheet_name(const struct convp_book *b, size_t i)
{
    return i < b->nsheets ? b->sheets[i].name : "";
}

uint64_t convp_book_sheet_pos(const struct convp_book *b, size_t i)
{
    return i < b->nsheets ? b->sheets[i].pos : 0;
}

void convp_book_set_date1904(struct convp_book *b, int on)
{
    b->date1904 = on != 0;
}

int convp_book_add_style(struct convp_book *b, const struct convp_style *s)
{
    if (b->nstyles == BOOK_MAX_STYLES) {
        convp_error_set(&b->rd->err, CONV_E_LIMIT, b->rd->source, 0, 0,
                        "more than %d cell formats", BOOK_MAX_STYLES);
        return CONV_ERR;
    }
    if (grow(b, (void **)&b->styles, b->nstyles, &b->capstyles, sizeof *b->styles) != CONV_OK)
        return CONV_ERR;
    struct convp_style *t = &b->styles[b->nstyles++];
    *t = *s;
    t->legacy = (uint8_t)convp_legacy_of_font(convp_book_font(b, s->font));
    b->legacy |= t->legacy != CONVP_LEGACY_NONE;
    return CONV_OK;
}

long convp_book_add_font(struct convp_book *b, const char *name, size_t len)
{
    if (b->nfonts == BOOK_MAX_FONTS) {
        convp_error_set(&b->rd->err, CONV_E_LIMIT, b->rd->source, 0, 0, "more than %d fonts",
                        BOOK_MAX_FONTS);
        return -1;
    }
    if (grow(b, (void **)&b->fonts, b->nfonts, &b->capfonts, sizeof *b->fonts) != CONV_OK)
        return -1;
    if (!(b->fonts[b->nfonts] = convp_strndup(b->ctx, name, len)))
        return convp_book_nomem(b), -1;
    return (long)b->nfonts++;
}

const char *convp_book_add_code(struct convp_book *b, const char *code, size_t len)
{
    if (grow(b, (void **)&b->codes, b->ncodes, &b->capcodes, sizeof *b->codes) != CONV_OK)
        return NULL;
    if (!(b->codes[b->ncodes] = convp_strndup(b->ctx, code, len))) {
        convp_book_nomem(b);
        return NULL;
    }
    return b->codes[b->ncodes++];
}

int convp_book_add_merge(struct convp_book *b, size_t sheet, const struct convp_range *r)
{
    if (sheet >= b->nsheets)
        return CONV_OK;
    struct book_sheet *sh = &b->sheets[sheet];
    if (sh->nmerges == BOOK_MAX_MERGES)
        return convp_book_cell_error(b, CONV_E_LIMIT, sh->name, r->row1, r->col1,
                                     "more than %d merged ranges", BOOK_MAX_MERGES);
    if (grow(b, (void **)&sh->merges, sh->nmerges, &sh->capmerges, sizeof *sh->merges) != CONV_OK)
        return CONV_ERR;
    sh->merges[sh->nmerges++] = *r;
    return CONV_OK;
}

int convp_book_hide_cols(struct convp_book *b, size_t sheet, uint32_t col1, uint32_t col2)
{
    if (sheet >= b->nsheets || col1 > col2)
        return CONV_OK;
    struct book_sheet *sh = &b->sheets[sheet];
    if (sh->nhidden == BOOK_MAX_MERGES)
        return CONV_OK; /* more is not information */
    if (grow(b, (void **)&sh->hidden, sh->nhidden, &sh->caphidden, sizeof *sh->hidden) != CONV_OK)
        return CONV_ERR;
    sh->hidden[sh->nhidden++] = (struct convp_range){0, col1, 0, col2};
    return CONV_OK;
}

const struct convp_style *convp_book_style(const struct convp_book *b, uint32_t i)
{
    static const struct convp_style dflt = {{CONVP_NF_GENERAL, 0}, NULL, 0, 0, 0, 0, CONVP_NO_FONT};
    return i < b->nstyles ? &b->styles[i] : &dflt;
}

const char *convp_book_font(const struct convp_book *b, uint32_t font)
{
    return font < b->nfonts ? b->fonts[font] : NULL;
}

const struct convp_range *convp_book_merges(const struct convp_book *b, size_t sheet, size_t *n)
{
    *n = sheet < b->nsheets ? b->sheets[sheet].nmerges : 0;
    return *n ? b->sheets[sheet].merges : NULL;
}

int convp_book_col_hidden(const struct convp_book *b, size_t sheet, uint32_t col)
{
    if (sheet >= b->nsheets)
        return 0;
    const struct book_sheet *sh = &b->sheets[sheet];
    for (size_t i = 0; i < sh->nhidden; i++)
        if (col >= sh->hidden[i].col1 && col <= sh->hidden[i].col2)
            return 1;
    return 0;
}

/* ---- rows and values ------------------------------------------------------------------------- */

void convp_row_clear(struct convp_row *row, uint32_t num)
{
    row->num = num;
    row->hidden = 0;
    row->n = 0;
    row->text.len = 0;
}

struct convp_cell *convp_row_cell(struct convp_book *b, struct convp_row *row, uint32_t col)
{
    if (row->n == row->cap) {
        size_t ncap = row->cap ? row->cap * 2 : 32;
        struct convp_cell *q = convp_realloc(b->ctx, row->cells, ncap * sizeof *q);
        if (!q) {
            convp_book_nomem(b);
            return NULL;
        }
        row->cells = q;
        row->cap = ncap;
    }
    struct convp_cell *c = &row->cells[row->n++];
    c->col = col;
    c->style = 0;
    c->type = CONV_NULL;
    c->flags = 0;
    c->text = "";
    c->off = 0;
    c->len = 0;
    return c;
}

/*
 * Whether a number's stored text is already what Excel shows:
 * -?(0|[1-9][0-9]*)(.[0-9]*[1-9])? with at most 15 significant digits,
 * not a negative zero.  *frac: it has a point.
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

/* The cell's text is out[0..len): into the row's text. */
static int cell_made(struct convp_book *b, struct convp_row *row, struct convp_cell *c,
                     const char *out, size_t len)
{
    c->off = row->text.len;
    c->len = len;
    c->text = NULL;
    if (convp_buf_append(&row->text, out, len) != 0 || convp_buf_putc(&row->text, '\0') != 0)
        return convp_book_nomem(b);
    return CONV_OK;
}

int convp_book_number(struct convp_book *b, struct convp_row *row, struct convp_cell *c,
                      const char *stored, size_t n, double v, const char *sheet)
{
    struct convp_numfmt f = convp_book_style(b, c->style)->nf;
    int date = f.kind == CONVP_NF_DATE || f.kind == CONVP_NF_DATETIME;
    char out[128];
    size_t len;
    int frac = 0;
    if (stored && !date && canonical_number(stored, n, &frac) && !b->raw_numbers) {
        /* What Excel shows already, as most numbers are stored: no copy. */
        c->type = frac ? CONV_DECIMAL : CONV_INTEGER;
        c->text = stored;
        c->len = n;
        size_t padded = convp_numfmt_pad(f, stored, n, out, sizeof out);
        if (padded) {
            c->type = CONV_DECIMAL;
            return cell_made(b, row, c, out, padded);
        }
        return CONV_OK;
    }
    if (stored && !date && b->raw_numbers) {
        if (convp_is_integer(stored, n))
            c->type = CONV_INTEGER;
        else if (convp_is_decimal(stored, n))
            c->type = CONV_DECIMAL;
        else
            return convp_book_cell_error(b, CONV_E_SYNTAX, sheet, row->num, c->col,
                                         "'%.*s' is not a number", n < 40 ? (int)n : 40, stored);
        c->text = stored;
        c->len = n;
        return CONV_OK;
    }
    if (stored) {
        if (!number_syntax(stored, n) || n >= sizeof out)
            return convp_book_cell_error(b, CONV_E_SYNTAX, sheet, row->num, c->col,
                                         "'%.*s' is not a number", n < 40 ? (int)n : 40, stored);
        memcpy(out, stored, n); /* stored text need not end where the number does */
        out[n] = '\0';
        v = strtod_l(out, NULL, b->cloc);
        if (!isfinite(v))
            return convp_book_cell_error(b, CONV_E_SYNTAX, sheet, row->num, c->col,
                                         "'%.*s' is out of the range of numbers",
                                         n < 40 ? (int)n : 40, stored);
    } else if (!isfinite(v)) {
        return convp_book_cell_error(b, CONV_E_SYNTAX, sheet, row->num, c->col,
                                     "a number that is not finite");
    }
    if (date) {
        int rc = convp_serial_text(v, b->date1904, f, out, sizeof out, &c->type, &len);
        if (rc == -2)
            return convp_book_cell_error(b, CONV_E_TYPE, sheet, row->num, c->col,
                                         "serial 60 is 1900-02-29, a day that did not exist "
                                         "(Excel's 1900 leap-year quirk)");
        if (rc != 0)
            return convp_book_cell_error(b, CONV_E_TYPE, sheet, row->num, c->col,
                                         "%.17g in a date format is not a date Excel can show", v);
        return cell_made(b, row, c, out, len);
    }
    int integral;
    /* Our own workbook's numbers were written from exact text: a decimal
     * printed from a double (2.913148229712206) comes back as written, not
     * as the 15 digits Excel shows. */
    len = b->raw_numbers || b->meta ? convp_roundtrip_number(v, out, &integral)
                                    : convp_shortest_number(v, out, &integral);
    c->type = integral ? CONV_INTEGER : CONV_DECIMAL;
    if (!b->raw_numbers) {
        size_t padded = convp_numfmt_pad(f, out, len, out, sizeof out);
        if (padded) {
            len = padded;
            c->type = CONV_DECIMAL;
        }
    }
    return cell_made(b, row, c, out, len);
}

static int nonempty(const struct convp_cell *c)
{
    return c->type != CONV_NULL && c->len > 0;
}

/* The text of the row's cells in a legacy font (TCVN3, VNI), in Unicode;
 * with --encoding, also of cells whose font names none and whose text
 * may be legacy text (convp_legacy_suspect()). */
static int legacy_text(struct convp_book *b, struct convp_row *row)
{
    for (size_t i = 0; i < row->n; i++) {
        struct convp_cell *c = &row->cells[i];
        int kind = convp_book_style(b, c->style)->legacy;
        if (c->type != CONV_STRING || !c->len)
            continue;
        const char *text = c->text ? c->text : row->text.data + c->off;
        if (!kind && b->fallback && convp_legacy_suspect(b->fallback, text, c->len))
            kind = b->fallback;
        if (!kind)
            continue;
        b->tmp.len = 0;
        if (convp_buf_append(&b->tmp, text, c->len) != 0)
            return convp_book_nomem(b);
        c->off = row->text.len;
        int rc = kind == CONVP_LEGACY_ICONV
                     ? convp_legacy_decode_iconv(b->fallback_cd, b->tmp.data, b->tmp.len,
                                                 &b->legacy_scratch, &row->text)
                     : convp_legacy_decode(kind, b->tmp.data, b->tmp.len, &b->legacy_scratch,
                                           &row->text);
        if (rc != 0 || convp_buf_putc(&row->text, '\0') != 0)
            return convp_book_nomem(b);
        c->len = row->text.len - 1 - c->off;
        c->text = NULL;
        c->flags &= ~CONVP_CELL_LASTING;
    }
    return CONV_OK;
}

/* Start reading sheet i. */
static int sheet_start(struct convp_book *b, size_t i)
{
    b->at_sheet = b->sheets[i].name;
    return b->ops->start(b, b->drv, i);
}

/* The next row of the sheet being read: 1, 0 at its end, -1.  Every
 * cell's text is set. */
static int sheet_row(struct convp_book *b)
{
    struct convp_row *row = &b->row;
    int rc = b->ops->read_row(b, b->drv);
    if (rc <= 0)
        return rc;
    if (b->ops->values(b, b->drv, row) != CONV_OK)
        return -1;
    if (b->legacy && legacy_text(b, row) != CONV_OK)
        return -1;
    for (size_t i = 0; i < row->n; i++)
        if (!row->cells[i].text)
            row->cells[i].text = row->text.data + row->cells[i].off;
    return 1;
}

/* ---- our field sheet ------------------------------------------------------------------------- */

static enum conv_type type_named(const char *s, size_t n)
{
    for (int t = CONV_STRING; t <= CONV_ANY; t++) {
        const char *name = conv_type_name((enum conv_type)t);
        if (strlen(name) == n && !memcmp(name, s, n))
            return (enum conv_type)t;
    }
    return CONV_ANY;
}

static int is_text(const struct convp_cell *c, const char *s)
{
    size_t n = strlen(s);
    return c && c->len == n && !memcmp(c->text, s, n);
}

/*
 * The XLSX writer's _conv_fields sheet (kept when such a workbook is saved
 * as .xls or .ods): a header row (name, type, label, label_en, unit,
 * required), then one row per field; G1 "summary_sheet" and G2 a sheet's
 * name mark that sheet as counts, not records.
 */
static int read_meta(struct convp_book *b, size_t si)
{
    const char *sheet = b->sheets[si].name;
    if (sheet_start(b, si) != CONV_OK)
        return CONV_ERR;
    if (!(b->meta = conv_schema_new(b->ctx)))
        return convp_book_nomem(b);
    int rc, summary_mark = 0;
    while ((rc = sheet_row(b)) == 1) {
        struct convp_row *row = &b->row;
        const struct convp_cell *v[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
        for (size_t i = 0; i < row->n; i++) {
            const struct convp_cell *c = &row->cells[i];
            if (c->col == 7 && row->num <= 2) {
                if (row->num == 1)
                    summary_mark = is_text(c, "summary_sheet");
                else if (summary_mark && nonempty(c) && !b->summary_sheet &&
                         !(b->summary_sheet = convp_strndup(b->ctx, c->text, c->len)))
                    return convp_book_nomem(b);
            } else if (c->col <= 6 && nonempty(c)) {
                v[c->col - 1] = c;
            }
        }
        if (!v[0] || (is_text(v[0], "name") && is_text(v[1], "type")))
            continue;
        if (b->meta->n >= CONVP_MAX_FIELDS)
            return convp_book_cell_error(b, CONV_E_LIMIT, sheet, row->num, 1,
                                         "more than %d fields described", CONVP_MAX_FIELDS);
        struct conv_field f = {0};
        char *texts[4] = {NULL, NULL, NULL, NULL};
        for (int k = 0; k < 4; k++) {
            const struct convp_cell *x = v[k == 0 ? 0 : k + 1];
            if (x && !(texts[k] = convp_strndup(b->ctx, x->text, x->len))) {
                for (int m = 0; m < k; m++)
                    convp_free(b->ctx, texts[m]);
                return convp_book_nomem(b);
            }
        }
        f.name = texts[0];
        f.label = texts[1];
        f.label_en = texts[2];
        f.unit = texts[3];
        f.type = v[1] ? type_named(v[1]->text, v[1]->len) : CONV_ANY;
        f.required = v[5] && (v[5]->type == CONV_BOOLEAN ? v[5]->text[0] == 't'
                                                          : is_text(v[5], "true"));
        int added = conv_schema_add(b->meta, &f);
        int dup = added != CONV_OK && conv_schema_find(b->meta, f.name) >= 0;
        for (int m = 0; m < 4; m++)
            convp_free(b->ctx, texts[m]);
        if (added != CONV_OK) {
            if (!dup)
                return convp_book_nomem(b);
            return convp_book_cell_error(b, CONV_E_STRUCTURE, sheet, row->num, 1,
                                         "field '%.60s' described twice", v[0]->text);
        }
    }
    return rc < 0 ? CONV_ERR : CONV_OK;
}

/* ---- sheets ---------------------------------------------------------------------------------- */

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Whether a sheet's name is what --sheet asked for, at a level of
 * leniency: 1 exactly, 2 but for white space around either (GSO names
 * sheets "Danso "), 3 also but for ASCII case. */
static int name_is(const char *name, const char *want, int level)
{
    if (level == 1)
        return !strcmp(name, want);
    while (*name == ' ' || *name == '\t')
        name++;
    while (*want == ' ' || *want == '\t')
        want++;
    size_t n = strlen(name), w = strlen(want);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
        n--;
    while (w && (want[w - 1] == ' ' || want[w - 1] == '\t'))
        w--;
    if (n != w)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int a = (unsigned char)name[i], c = (unsigned char)want[i];
        if (level == 3) {
            a = a >= 'A' && a <= 'Z' ? a + 32 : a;
            c = c >= 'A' && c <= 'Z' ? c + 32 : c;
        }
        if (a != c)
            return 0;
    }
    return 1;
}

/* Our own hidden sheets, never data: the field sheet and the report's
 * description (sheet_report.h). */
static int is_ours(const char *name)
{
    return !strcmp(name, CONVP_META_SHEET) || !strcmp(name, CONVP_REPORT_SHEET);
}

/* The sheets of the book quoted for a message: 'Data', 'Năm 2 '. */
static int quoted_names(struct convp_book *b, struct convp_buf *t)
{
    t->len = 0;
    for (size_t i = 0; i < b->nsheets; i++) {
        const struct book_sheet *sh = &b->sheets[i];
        if (sh->kind != CONVP_SHEET_WORK || is_ours(sh->name))
            continue;
        if ((t->len && convp_buf_append(t, ", ", 2) != 0) || convp_buf_putc(t, '\'') != 0 ||
            convp_buf_append(t, sh->name, strlen(sh->name)) != 0 || convp_buf_putc(t, '\'') != 0)
            return convp_book_nomem(b);
    }
    if (!t->len && convp_buf_append(t, "none", 4) != 0)
        return convp_book_nomem(b);
    return convp_buf_cstr(t) ? CONV_OK : convp_book_nomem(b);
}

/* The sheets to read (--sheet, else every worksheet but ours), the
 * reader's info about them, and our field sheet read.  --sheet is a name
 * (exact, else but for white space around it, else but for ASCII case),
 * which wins over an index (GSO names sheets "1", "9", "13"), else the
 * index of a worksheet from 1. */
static int pick_sheets(struct convp_book *b)
{
    const char *want = b->want;
    long want_index = want && all_digits(want) && strlen(want) < 9 ? atol(want) : 0;
    int by_name = 0, found = 0;
    long meta = -1;
    size_t nwork = 0;
    for (int level = 1; want && level <= 3 && !by_name; level++)
        for (size_t i = 0; i < b->nsheets && !by_name; i++)
            if (name_is(b->sheets[i].name, want, level) && !is_ours(b->sheets[i].name))
                by_name = level;
    for (size_t i = 0; i < b->nsheets; i++) {
        struct book_sheet *sh = &b->sheets[i];
        int is_meta = !strcmp(sh->name, CONVP_META_SHEET);
        if (sh->kind != CONVP_SHEET_WORK) {
            if (!is_ours(sh->name) && want && by_name && name_is(sh->name, want, by_name)) {
                convp_error_set(&b->rd->err, CONV_E_USAGE, b->rd->source, 0, 0,
                                "option sheet: '%.100s' is not a worksheet (a chart sheet?)",
                                sh->name);
                return CONV_ERR;
            }
            continue;
        }
        if (is_meta) {
            meta = (long)i;
            continue;
        }
        if (is_ours(sh->name)) {
            b->report_sheet = i + 1;
            continue;
        }
        nwork++;
        char key[32];
        snprintf(key, sizeof key, "sheet.%zu", nwork - 1);
        if (convp_reader_set_info(b->rd, key, sh->name) != 0)
            return CONV_ERR;
        sh->take =
            !want || (by_name ? name_is(sh->name, want, by_name) : (long)nwork == want_index);
        if (want && sh->take && found) {
            if (quoted_names(b, &b->tmp) != CONV_OK)
                return CONV_ERR;
            convp_error_set(&b->rd->err, CONV_E_USAGE, b->rd->source, 0, 0,
                            "option sheet: '%.60s' names more than one sheet (its sheets: "
                            "%.160s); give one exactly",
                            want, b->tmp.data);
            return CONV_ERR;
        }
        found |= sh->take;
    }
    if (want && !found) {
        if (quoted_names(b, &b->tmp) != CONV_OK)
            return CONV_ERR;
        convp_error_set(&b->rd->err, CONV_E_USAGE, b->rd->source, 0, 0,
                        "option sheet: no sheet '%.60s' in the %s (its sheets: %.160s)", want,
                        b->ops->what, b->tmp.data);
        return CONV_ERR;
    }
    char count[32];
    snprintf(count, sizeof count, "%zu", nwork);
    if (convp_reader_set_info(b->rd, "sheets", count) != 0)
        return CONV_ERR;
    if (meta >= 0 && read_meta(b, (size_t)meta) != CONV_OK)
        return CONV_ERR;
    /* Our own summary sheet (--summary-by) is counts: left out unless
     * asked for by --sheet. */
    for (size_t i = 0; !want && b->summary_sheet && i < b->nsheets; i++)
        if (b->sheets[i].take && !strcmp(b->sheets[i].name, b->summary_sheet)) {
            b->sheets[i].take = 0;
            break;
        }
    if (!(b->order = convp_calloc(b->ctx, b->nsheets ? b->nsheets : 1, sizeof *b->order)))
        return convp_book_nomem(b);
    for (size_t i = 0; i < b->nsheets; i++)
        if (b->sheets[i].take)
            b->order[b->norder++] = i;
    b->multi = !want && b->norder > 1;
    if (b->norder &&
        convp_reader_set_info(b->rd, "sheet", b->sheets[b->order[0]].name) != 0)
        return CONV_ERR;
    return CONV_OK;
}

/* ---- headers --------------------------------------------------------------------------------- */

/* Add a name to the sheet's names (local) and the reader's fields. */
static long add_field(struct conv_schema *local, struct conv_schema *fields, const char *name,
                      size_t len, int rename, struct convp_buf *tmp, uint64_t row, uint32_t col,
                      int *added, enum conv_errcode *fail)
{
    *added = 0;
    *fail = CONV_E_NOMEM;
    if (convp_schema_find_n(local, name, len) >= 0) {
        if (!rename) {
            *fail = CONV_E_STRUCTURE;
            return -1;
        }
        for (uint32_t k = 2;; k++) {
            char suffix[16];
            int sn = snprintf(suffix, sizeof suffix, "_%u", (unsigned)k);
            tmp->len = 0;
            if (convp_buf_append(tmp, name, len) != 0 ||
                convp_buf_append(tmp, suffix, (size_t)sn) != 0)
                return -1;
            if (convp_schema_find_n(local, tmp->data, tmp->len) < 0)
                break;
        }
        name = tmp->data;
        len = tmp->len;
    }
    if (convp_schema_add_name(local, name, len) < 0)
        return -1;
    long idx = convp_schema_find_n(fields, name, len);
    if (idx >= 0)
        return idx;
    if (fields->n >= CONVP_MAX_FIELDS) {
        *fail = CONV_E_LIMIT;
        return -1;
    }
    idx = convp_schema_add_name(fields, name, len);
    if (idx < 0 || convp_schema_set_pos(fields, (size_t)idx, row, col) != 0)
        return -1;
    *added = 1;
    return idx;
}

/*
 * A sheet's header name: unique within the sheet (local), where a repeat
 * is an error unless duplicate-names=rename makes it x_2, x_3; then found
 * in or added to the reader's fields, with its position; a new field our
 * field sheet describes takes its type, labels and unit.  The field's
 * index, or -1 with the error set.
 */
static long header_field(struct convp_book *b, const struct book_sheet *sh, uint32_t col,
                         const char *name, size_t len, struct conv_schema *local)
{
    struct conv_reader *rd = b->rd;
    int added;
    enum conv_errcode fail;
    struct conv_schema *fields = rd->fields;
    long idx = add_field(local, fields, name, len, b->rename, &b->tmp, sh->header_row, col,
                         &added, &fail);
    if (idx < 0) {
        if (fail == CONV_E_STRUCTURE)
            convp_book_cell_error(b, CONV_E_STRUCTURE, sh->name, sh->header_row, col,
                                  "duplicate column name '%.*s' (--duplicate-names rename makes "
                                  "x_2)",
                                  (int)(len < 60 ? len : 60), name);
        else if (fail == CONV_E_LIMIT)
            convp_book_cell_error(b, CONV_E_LIMIT, sh->name, sh->header_row, col,
                                  "more than %d distinct column names", CONVP_MAX_FIELDS);
        else
            convp_book_nomem(b);
        return -1;
    }
    long m = added && b->meta ? conv_schema_find(b->meta, fields->fields[idx].name) : -1;
    if (m >= 0) {
        const struct conv_field *mf = &b->meta->fields[m];
        struct conv_field *f = &fields->fields[idx];
        f->type = mf->type;
        f->required = mf->required;
        if ((mf->label && !(f->label = convp_strdup(rd->ctx, mf->label))) ||
            (mf->label_en && !(f->label_en = convp_strdup(rd->ctx, mf->label_en))) ||
            (mf->unit && !(f->unit = convp_strdup(rd->ctx, mf->unit)))) {
            convp_book_nomem(b);
            return -1;
        }
    }
    return idx;
}

/* The sheet's columns lo..hi and their fields, "sheet" first when several
 * sheets are read. */
static int begin_fields(struct convp_book *b, struct book_sheet *sh, uint32_t lo, uint32_t hi,
                        struct conv_schema *local)
{
    sh->first_col = lo;
    sh->ncols = hi - lo + 1;
    if (!(sh->field = convp_calloc(b->ctx, sh->ncols, sizeof *sh->field)))
        return convp_book_nomem(b);
    if (b->multi) {
        long idx = header_field(b, sh, 0, "sheet", 5, local);
        if (idx < 0)
            return CONV_ERR;
        b->sheet_field = (uint32_t)idx;
    }
    return CONV_OK;
}

/* The field our field sheet gives header cell k of ncols: the one named
 * or labelled by the cell's text, else, when the sheet has as many
 * columns as described fields, the k-th; NULL when none.  used marks the
 * fields already taken. */
static const char *meta_name(const struct conv_schema *meta, const char *text, size_t len,
                             uint32_t k, uint32_t ncols, const unsigned char *used)
{
    if (!meta)
        return NULL;
    if (len) {
        long i = convp_schema_find_n(meta, text, len);
        if (i >= 0)
            return meta->fields[i].name;
        for (size_t f = 0; f < meta->n; f++) {
            const char *l = meta->fields[f].label, *le = meta->fields[f].label_en;
            if (used[f])
                continue;
            if ((l && strlen(l) == len && !memcmp(l, text, len)) ||
                (le && strlen(le) == len && !memcmp(le, text, len)))
                return meta->fields[f].name;
        }
    }
    if (ncols == meta->n && !used[k])
        return meta->fields[k].name;
    return NULL;
}

/* Copy a row: its cells, and their texts into dst's text. */
int convp_row_copy(struct convp_book *b, struct convp_row *dst, const struct convp_row *src)
{
    dst->num = src->num;
    dst->hidden = src->hidden;
    dst->n = 0;
    dst->text.len = 0;
    for (size_t i = 0; i < src->n; i++) {
        const struct convp_cell *s = &src->cells[i];
        struct convp_cell *c = convp_row_cell(b, dst, s->col);
        if (!c)
            return CONV_ERR;
        *c = *s;
        if (!(s->flags & CONVP_CELL_LASTING) && cell_made(b, dst, c, s->text, s->len) != CONV_OK)
            return CONV_ERR;
    }
    for (size_t i = 0; i < dst->n; i++)
        if (!dst->cells[i].text)
            dst->cells[i].text = dst->text.data + dst->cells[i].off;
    return CONV_OK;
}

static void row_swap(struct convp_row *x, struct convp_row *y)
{
    struct convp_row t = *x;
    *x = *y;
    *y = t;
}

void convp_row_free(struct convp_book *b, struct convp_row *row)
{
    convp_free(b->ctx, row->cells);
    convp_buf_free(&row->text);
}

/* Non-empty cells of the current row, up to 2. */
static size_t count_nonempty(const struct convp_row *row)
{
    size_t ne = 0;
    for (size_t i = 0; i < row->n && ne < 2; i++)
        ne += nonempty(&row->cells[i]);
    return ne;
}

/*
 * Find a sheet's header row and leave it in b->row: row --header-row,
 * else the first row with at least two non-empty cells among the first
 * non-empty row and the 19 rows after it, else that first non-empty row.
 * *skip1, *skip2: the first and last non-empty rows above the header
 * that were passed over (0: none), title the first one's text; *ended:
 * the sheet was read to its end.  1 found, 0 an empty sheet, -1.
 */
static const char *row_cells(const struct convp_row *row, char *out, size_t size);

static int find_header(struct convp_book *b, const struct book_sheet *sh, uint32_t *skip1,
                       uint32_t *skip2, char *title, size_t tsize, int *ended)
{
    struct convp_row keep = {0};
    convp_buf_init(&keep.text, b->ctx);
    int rc, found = 0;
    int any = 0; /* a row with a value: the sheet is not empty */
    uint32_t last = 0; /* the last non-empty row before the one looked at */
    *skip1 = *skip2 = 0;
    while ((rc = sheet_row(b)) == 1) {
        uint32_t num = b->row.num;
        size_t ne = count_nonempty(&b->row);
        if (b->header_row > 0) {
            any |= ne > 0;
            if (num > (uint32_t)b->header_row)
                break;
            if (num == (uint32_t)b->header_row) {
                found = 1;
                break;
            }
            continue;
        }
        if (ne == 0)
            continue;
        if (ne >= 2 && (!keep.num || num - keep.num < BOOK_AUTO_ROWS)) {
            found = 1;
            if (keep.num) {
                *skip1 = keep.num;
                *skip2 = last;
                row_cells(&keep, title, tsize);
            }
            break;
        }
        if (!keep.num) {
            if (convp_row_copy(b, &keep, &b->row) != CONV_OK) {
                rc = -1;
                break;
            }
        } else if (num - keep.num >= BOOK_AUTO_ROWS) {
            break;
        }
        last = num;
    }
    *ended = rc == 0;
    if (rc >= 0 && !found && keep.num) {
        row_swap(&b->row, &keep); /* a one-column table: its first non-empty row */
        found = 1;
    }
    convp_row_free(b, &keep);
    if (rc < 0)
        return -1;
    if (!found && b->header_row > 0 && any)
        return convp_book_cell_error(b, CONV_E_STRUCTURE, sh->name, (uint32_t)b->header_row, 0,
                                     "header row %ld is empty", b->header_row);
    return found;
}

/* Name a sheet's columns from its header row (in b->row): from the first
 * to the last non-empty header cell. */
static int name_columns(struct convp_book *b, struct book_sheet *sh)
{
    struct convp_row *row = &b->row;
    struct conv_schema *local = conv_schema_new(b->ctx);
    unsigned char *used = b->meta ? convp_calloc(b->ctx, b->meta->n + 1, 1) : NULL;
    int rc = CONV_OK;
    uint32_t lo = 0, hi = 0;
    if (!local || (b->meta && !used)) {
        rc = convp_book_nomem(b);
        goto out;
    }
    for (size_t i = 0; i < row->n; i++)
        if (nonempty(&row->cells[i])) {
            if (!lo)
                lo = row->cells[i].col;
            hi = row->cells[i].col;
        }
    if (!lo) {
        rc = convp_book_cell_error(b, CONV_E_STRUCTURE, sh->name, row->num, 0,
                                   "header row %u is empty", (unsigned)row->num);
        goto out;
    }
    sh->header_row = row->num;
    if ((rc = begin_fields(b, sh, lo, hi, local)) != CONV_OK)
        goto out;
    size_t ci = 0;
    for (uint32_t k = 0; k < sh->ncols; k++) {
        uint32_t col = lo + k;
        while (ci < row->n && row->cells[ci].col < col)
            ci++;
        const struct convp_cell *v =
            ci < row->n && row->cells[ci].col == col && nonempty(&row->cells[ci]) ? &row->cells[ci]
                                                                                  : NULL;
        const char *name = meta_name(b->meta, v ? v->text : "", v ? v->len : 0, k, sh->ncols, used);
        char gen[32];
        size_t len;
        if (name) {
            len = strlen(name);
            used[conv_schema_find(b->meta, name)] = 1;
        } else if (v) {
            name = v->text;
            len = v->len;
        } else {
            len = (size_t)snprintf(gen, sizeof gen, "column_%u", (unsigned)col);
            name = gen;
        }
        long idx = header_field(b, sh, col, name, len, local);
        if (idx < 0) {
            rc = CONV_ERR;
            goto out;
        }
        sh->field[k] = (uint32_t)idx;
    }
out:
    convp_free(b->ctx, used);
    conv_schema_free(local);
    return rc;
}

/* A warning about a sheet's header, through the diagnostic callback: the
 * reading goes on.  "Sheet1, row 3: message". */
static void book_warn(struct convp_book *b, const char *sheet, uint32_t row, const char *fmt,
                      ...) CONVP_PRINTF(4, 5);
static void book_warn(struct convp_book *b, const char *sheet, uint32_t row, const char *fmt,
                      ...)
{
    char msg[220], ref[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    convp_sheet_ref(sheet, ref, sizeof ref);
    struct conv_error e;
    conv_error_clear(&e);
    convp_error_set(&e, CONV_E_STRUCTURE, b->rd->source, row, 0, "%s, row %u: %s", ref,
                    (unsigned)row, msg);
    convp_diag(b->rd->opts, &e);
}

/* Up to three of a row's non-empty cells, quoted and cut to 20
 * characters, for a message. */
static const char *row_cells(const struct convp_row *row, char *out, size_t size)
{
    size_t k = 0, shown = 0;
    out[0] = '\0';
    for (size_t i = 0; i < row->n && shown < 3; i++) {
        const struct convp_cell *c = &row->cells[i];
        if (!nonempty(c))
            continue;
        size_t cut = 0, nch = 0;
        while (cut < c->len && nch < 20) {
            cut++;
            while (cut < c->len && ((unsigned char)c->text[cut] & 0xC0) == 0x80)
                cut++;
            nch++;
        }
        int m = snprintf(out + k, size - k, "%s'%.*s%s'", shown ? ", " : "", (int)cut, c->text,
                         cut < c->len ? "..." : "");
        if (m < 0 || (size_t)m >= size - k)
            break;
        k += (size_t)m;
        shown++;
    }
    return out;
}

#define BOOK_SNIFF_ROWS 10 /* rows under a guessed header it is compared with */

/*
 * Say when a guessed header (in b->row, left there) may be wrong: it
 * reads like a record of the rows under it, or names few of the columns
 * the row under it fills with words.  Reads on in the sheet (which is
 * read again from its start for its records).  CONV_OK or CONV_ERR.
 */
static int judge_header(struct convp_book *b, const struct book_sheet *sh, int ended)
{
    struct convp_row head = {0}, below[BOOK_SNIFF_ROWS];
    size_t nb = 0;
    int rc = CONV_OK;
    convp_buf_init(&head.text, b->ctx);
    memset(below, 0, sizeof below);
    if (convp_row_copy(b, &head, &b->row) != CONV_OK)
        goto out_err;
    uint32_t lo = 0, hi = 0;
    size_t named = 0;
    for (size_t i = 0; i < head.n; i++)
        if (nonempty(&head.cells[i])) {
            if (!lo)
                lo = head.cells[i].col;
            hi = head.cells[i].col;
            named++;
        }
    int r = 0;
    while (!ended && nb < BOOK_SNIFF_ROWS && (r = sheet_row(b)) == 1) {
        if (!count_nonempty(&b->row))
            continue;
        convp_buf_init(&below[nb].text, b->ctx);
        if (convp_row_copy(b, &below[nb++], &b->row) != CONV_OK)
            goto out_err;
    }
    if (nb < BOOK_SNIFF_ROWS && r < 0)
        goto out_err;
    if (!nb || !lo)
        goto out;
    size_t w = hi - lo + 1;
    struct convp_text *t = convp_calloc(b->ctx, (nb + 1) * w, sizeof *t);
    if (!t) {
        convp_book_nomem(b);
        goto out_err;
    }
    for (size_t k = 0; k <= nb; k++) {
        const struct convp_row *x = k ? &below[k - 1] : &head;
        for (size_t i = 0; i < w; i++)
            t[k * w + i].text = "";
        for (size_t i = 0; i < x->n; i++) {
            const struct convp_cell *c = &x->cells[i];
            if (c->col < lo || c->col > hi || c->type == CONV_NULL)
                continue;
            struct convp_text *v = &t[k * w + (c->col - lo)];
            v->text = c->text;
            v->len = c->len;
            v->number = c->type == CONV_INTEGER || c->type == CONV_DECIMAL;
        }
    }
    int like = convp_header_looks_like_data(t, w, t + w, nb);
    convp_free(b->ctx, t);
    /* The row under the header: words in more cells than the header names? */
    const struct convp_row *next = &below[0];
    size_t words = 0;
    int all_words = 1;
    for (size_t i = 0; i < next->n; i++) {
        const struct convp_cell *c = &next->cells[i];
        if (!nonempty(c))
            continue;
        words++;
        all_words &= c->type == CONV_STRING && convp_text_is_words(c->text, c->len);
    }
    char cells[160];
    if (like)
        book_warn(b, sh->name, head.num,
                  "took row %u as the header, but it reads like a record (%s); --no-header "
                  "reads it as one, --header-row N takes another row",
                  (unsigned)head.num, row_cells(&head, cells, sizeof cells));
    else if (all_words && words > named && named * 2 < words)
        book_warn(b, sh->name, head.num,
                  "took row %u as the header, but it names only %zu of the %zu columns the row "
                  "under it fills (a heading over the header?); --header-row %u takes that row",
                  (unsigned)head.num, named, words, (unsigned)next->num);
out:
    row_swap(&b->row, &head);
    convp_row_free(b, &head);
    for (size_t i = 0; i < nb; i++)
        convp_row_free(b, &below[i]);
    return rc;
out_err:
    rc = CONV_ERR;
    goto out;
}

/* --no-header: the sheet's columns are those with a value in any row,
 * named by their number; every row is a record. */
static int name_columns_headless(struct convp_book *b, struct book_sheet *sh)
{
    uint32_t lo = 0, hi = 0;
    int rc;
    while ((rc = sheet_row(b)) == 1)
        for (size_t i = 0; i < b->row.n; i++)
            if (nonempty(&b->row.cells[i])) {
                uint32_t col = b->row.cells[i].col;
                if (!lo || col < lo)
                    lo = col;
                if (col > hi)
                    hi = col;
            }
    if (rc < 0)
        return CONV_ERR;
    if (!lo)
        return CONV_OK; /* an empty sheet */
    struct conv_schema *local = conv_schema_new(b->ctx);
    if (!local)
        return convp_book_nomem(b);
    sh->headless = 1;
    sh->header_row = 0;
    if ((rc = begin_fields(b, sh, lo, hi, local)) != CONV_OK)
        goto out;
    for (uint32_t k = 0; k < sh->ncols; k++) {
        char name[16];
        int len = snprintf(name, sizeof name, "%u", (unsigned)(lo + k));
        long idx = header_field(b, sh, lo + k, name, (size_t)len, local);
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

static int read_header(struct convp_book *b, size_t si)
{
    struct book_sheet *sh = &b->sheets[si];
    if (sheet_start(b, si) != CONV_OK)
        return CONV_ERR;
    if (b->no_header)
        return name_columns_headless(b, sh);
    uint32_t skip1, skip2;
    char title[160] = "";
    int ended;
    int found = find_header(b, sh, &skip1, &skip2, title, sizeof title, &ended);
    if (found < 0)
        return CONV_ERR;
    if (found == 0) {
        sh->header_row = 0; /* an empty sheet */
        return CONV_OK;
    }
    /* A guess is said when it may be wrong; our own workbooks are not
     * guessed at (their title rows are ours). */
    if (b->header_row == 0 && !b->meta) {
        if (skip1) {
            char what[64];
            if (skip1 == skip2)
                snprintf(what, sizeof what, "row %u", (unsigned)skip1);
            else
                snprintf(what, sizeof what, "rows %u to %u", (unsigned)skip1, (unsigned)skip2);
            book_warn(b, sh->name, b->row.num,
                      "took row %u as the header, skipping %s above it (a title or notes: %s); "
                      "--header-row N takes another row",
                      (unsigned)b->row.num, what, title);
        } else if (judge_header(b, sh, ended) != CONV_OK) {
            return CONV_ERR;
        }
    }
    return name_columns(b, sh);
}

/* ---- the reader ------------------------------------------------------------------------------ */

int convp_book_open(struct conv_reader *rd)
{
    const struct convp_book_ops *ops = rd->ops->data;
    static const char *const dup_words[] = {"error", "rename", NULL};
    struct convp_book *b = convp_calloc(rd->ctx, 1, sizeof *b);
    if (!b) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = b;
    b->rd = rd;
    b->ctx = rd->ctx;
    b->ops = ops;
    convp_buf_init(&b->row.text, rd->ctx);
    convp_buf_init(&b->tmp, rd->ctx);
    convp_buf_init(&b->legacy_scratch, rd->ctx);
    if (convp_opt_flag(rd->opts, "raw-numbers", 0, &rd->err, &b->raw_numbers) != CONV_OK ||
        convp_opt_long(rd->opts, "header-row", 0, 1, ops->max_rows, &rd->err, &b->header_row) !=
            CONV_OK ||
        convp_opt_flag(rd->opts, "no-header", 0, &rd->err, &b->no_header) != CONV_OK ||
        convp_opt_enum(rd->opts, "duplicate-names", dup_words, 0, &rd->err, &b->rename) != CONV_OK)
        return CONV_ERR;
    if (b->no_header && b->header_row) {
        convp_error_set(&rd->err, CONV_E_USAGE, NULL, 0, 0,
                        "--header-row and --no-header do not go together");
        return CONV_ERR;
    }
    /* --encoding: the legacy encoding of text cells whose font says none. */
    const char *enc = convp_opt_str(rd->opts, "encoding", NULL);
    if (enc) {
        const char *iconv_name;
        int kind = convp_legacy_of_name(enc, &iconv_name);
        if (kind < 0) {
            convp_error_set(&rd->err, CONV_E_USAGE, NULL, 0, 0,
                            "unknown encoding '%.60s' (tcvn3, vni, cp1258 or an iconv name)",
                            enc);
            return CONV_ERR;
        }
        if (kind == CONVP_LEGACY_ICONV) {
            iconv_t cd = iconv_open("UTF-8", iconv_name);
            if (cd == (iconv_t)-1)
                return convp_book_nomem(b);
            b->fallback_cd = cd;
        }
        b->fallback = kind;
        b->legacy |= kind != CONVP_LEGACY_NONE;
    }
    b->want = convp_opt_str(rd->opts, "sheet", NULL);
    /* --layout: how to read; the values a writer takes (people, plain) are
     * not this reader's and leave it reading as without the option: our
     * report workbook as a report, any other by records. */
    const char *layout = convp_opt_str(rd->opts, "layout", "records");
    static const char *const modes[] = {"records", "cells", "table", "report", NULL};
    static const char *const writer_modes[] = {"people", "plain", NULL};
    int known = 0, chosen = convp_opt_str(rd->opts, "layout", NULL) != NULL;
    _Static_assert(BOOK_REPORT == 3, "modes[] follows the enum");
    for (int i = 0; modes[i]; i++)
        if (!strcmp(layout, modes[i]))
            b->mode = i, known = 1;
    for (int i = 0; writer_modes[i]; i++)
        if (!strcmp(layout, writer_modes[i]))
            known = 1, chosen = 0;
    if (!known) {
        convp_error_set(&rd->err, CONV_E_USAGE, NULL, 0, 0,
                        "option layout: expected records, table, cells or report to read a %s, "
                        "got '%.40s'",
                        ops->what, layout);
        return CONV_ERR;
    }
    b->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (b->cloc == (locale_t)0 || !(b->drv = convp_calloc(b->ctx, 1, ops->drv_size)))
        return convp_book_nomem(b);
    if (ops->open(b, b->drv) != CONV_OK || pick_sheets(b) != CONV_OK)
        return CONV_ERR;
    if (!chosen && b->report_sheet)
        b->mode = BOOK_REPORT;
    if ((b->meta || b->mode == BOOK_REPORT) && ops->props && ops->props(b, b->drv) != CONV_OK)
        return CONV_ERR;
    if (b->mode != BOOK_RECORDS)
        return convp_layout_open(b);
    for (size_t i = 0; i < b->norder; i++)
        if (read_header(b, b->order[i]) != CONV_OK)
            return CONV_ERR;
    rd->fields_fixed = 1;
    return CONV_OK;
}

/* A record of the row; 0 when it holds no value, 1, -1. */
static int row_record(struct convp_book *b, const struct book_sheet *sh, struct conv_record *rec)
{
    const struct convp_row *row = &b->row;
    int any = 0;
    struct convp_slot *slot;
    if (b->multi) {
        if (!(slot = convp_record_push(rec)))
            return convp_book_nomem(b), -1;
        slot->field = b->sheet_field;
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
            return convp_book_nomem(b), -1;
        slot->field = sh->field[k];
        slot->line = row->num;
        slot->column = sh->first_col + k;
        slot->value.type = CONV_NULL;
        slot->value.flags = 0;
        slot->value.text = "";
        slot->value.len = 0;
    }
    const struct conv_field *fields = b->rd->fields->fields;
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        if (c->col < sh->first_col || c->col - sh->first_col >= sh->ncols) {
            if (nonempty(c)) {
                char x[8], y[8];
                convp_col_name(sh->first_col, x);
                convp_col_name(sh->first_col + sh->ncols - 1, y);
                return convp_book_cell_error(b, CONV_E_STRUCTURE, sh->name, row->num, c->col,
                                             "a value outside the header's columns (%s to %s); "
                                             "--header-row picks another header row",
                                             x, y),
                       -1;
            }
            continue;
        }
        if (c->type == CONV_NULL)
            continue;
        any |= nonempty(c);
        slot = &rec->slots[first + (c->col - sh->first_col)];
        const char *text = c->text;
        /* Shared strings live as long as the reader; the rest is copied. */
        if (!(c->flags & CONVP_CELL_LASTING) &&
            !(text = convp_arena_strndup(&rec->arena, c->text, c->len)))
            return convp_book_nomem(b), -1;
        enum conv_type t = c->type;
        if (t == CONV_INTEGER && b->meta && fields[slot->field].type == CONV_DECIMAL)
            t = CONV_DECIMAL; /* a decimal field keeps its integral values decimal */
        slot->value.type = t;
        slot->value.text = text;
        slot->value.len = c->len;
    }
    if (!any)
        return 0;
    rec->line = row->num;
    return 1;
}

int convp_book_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct convp_book *b = rd->drv;
    if (b->mode != BOOK_RECORDS) {
        int lrc = convp_layout_next(b, rec);
        rec->sheet = lrc == CONV_OK ? b->at_sheet : NULL;
        return lrc;
    }
    for (;;) {
        if (b->cur >= b->norder)
            return CONV_EOF;
        size_t si = b->order[b->cur];
        const struct book_sheet *sh = &b->sheets[si];
        if (sh->header_row == 0 && !sh->headless) {
            b->cur++;
            continue;
        }
        if (!b->started) {
            if (sheet_start(b, si) != CONV_OK)
                return CONV_ERR;
            b->started = 1;
        }
        int rc = sheet_row(b);
        if (rc < 0)
            return CONV_ERR;
        if (rc == 0) {
            b->started = 0;
            b->cur++;
            continue;
        }
        if (b->row.num <= sh->header_row && !sh->headless)
            continue;
        convp_record_clear(rec);
        rc = row_record(b, sh, rec);
        if (rc < 0)
            return CONV_ERR;
        if (rc > 0) {
            rec->sheet = sh->name;
            return CONV_OK;
        }
    }
}

void convp_book_close(struct conv_reader *rd)
{
    struct convp_book *b = rd->drv;
    if (!b)
        return;
    convp_layout_free(b);
    if (b->drv && b->ops->close)
        b->ops->close(b, b->drv);
    convp_free(b->ctx, b->drv);
    if (b->cloc != (locale_t)0)
        freelocale(b->cloc);
    if (b->fallback_cd)
        iconv_close((iconv_t)b->fallback_cd);
    for (size_t i = 0; i < b->nsheets; i++) {
        convp_free(b->ctx, b->sheets[i].name);
        convp_free(b->ctx, b->sheets[i].field);
        convp_free(b->ctx, b->sheets[i].merges);
        convp_free(b->ctx, b->sheets[i].hidden);
    }
    convp_free(b->ctx, b->sheets);
    convp_free(b->ctx, b->styles);
    for (size_t i = 0; i < b->nfonts; i++)
        convp_free(b->ctx, b->fonts[i]);
    convp_free(b->ctx, b->fonts);
    for (size_t i = 0; i < b->ncodes; i++)
        convp_free(b->ctx, b->codes[i]);
    convp_free(b->ctx, b->codes);
    conv_schema_free(b->meta);
    convp_free(b->ctx, b->summary_sheet);
    convp_free(b->ctx, b->order);
    convp_row_free(b, &b->row);
    convp_buf_free(&b->tmp);
    convp_buf_free(&b->legacy_scratch);
    convp_free(b->ctx, b);
    rd->drv = NULL;
}

int convp_book_start(struct convp_book *b, size_t i)
{
    return sheet_start(b, i);
}

int convp_book_skim(struct convp_book *b, size_t i)
{
    if (b->ops->one_pass)
        return CONV_OK; /* nothing to find but the cells */
    if (sheet_start(b, i) != CONV_OK)
        return CONV_ERR;
    int rc;
    while ((rc = b->ops->read_row(b, b->drv)) == 1) {
    }
    return rc == 0 ? CONV_OK : CONV_ERR;
}

int convp_book_row(struct convp_book *b, const struct convp_row **row)
{
    int rc = sheet_row(b);
    *row = &b->row;
    return rc;
}
