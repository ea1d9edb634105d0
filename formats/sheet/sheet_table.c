/*
 * Tables made for people (--layout table): a sheet's title rows, unit
 * line, header block, stub columns, body and notes found from what a
 * reader sees (values, bold, indent, merged cells), then one record per
 * body cell that holds a number or a missing-value mark, labelled by its
 * row (code, label, the path of labels above it) and its column (the
 * header cells above it).  Each sheet is first read to its end for its
 * merged ranges (the formats keep them after the cells), then row by row:
 * the rows above the body and the text rows between body rows are held
 * until what follows says what they are, so memory holds a table's head,
 * not its body.  Rules: docs/tables.md.
 */
#include "sheet_table.h"

#include <stdlib.h>

#define T_MAX_HEAD 400     /* rows looked at for a table's head before giving up */
#define T_MAX_PENDING 400  /* text rows held between body rows */
#define T_SAMPLE 5         /* body rows that settle the columns */
#define T_MAX_TEXT 4096    /* a label or column label, bytes */
#define T_MAX_MERGES 10000 /* merged ranges of a sheet read for its tables */
#define T_MAX_COLS 16384   /* columns a merged range may cover (Excel's) */
#define T_COVERS 32        /* rows whose merged ranges are kept at a time */

/* The fields of --layout table. */
enum {
    TF_SHEET,
    TF_CELL,
    TF_TITLE,
    TF_UNIT,
    TF_ROW_CODE,
    TF_ROW_LABEL,
    TF_ROW_PATH,
    TF_COLUMN_LABEL,
    TF_VALUE,
    TF_NOTE,
    TF_COUNT
};
static const char *const table_fields[TF_COUNT] = {
    "sheet",     "cell",     "title",        "unit",  "row_code",
    "row_label", "row_path", "column_label", "value", "note",
};
static const enum conv_type table_types[TF_COUNT] = {
    CONV_STRING, CONV_STRING, CONV_STRING, CONV_STRING, CONV_STRING,
    CONV_STRING, CONV_STRING, CONV_STRING, CONV_ANY,    CONV_STRING,
};

/* A cell of a column of codes in text input (its cells include digits
 * with a leading zero, 00004): text, even where a cell is 10117. */
#define T_CELL_CODE 0x100u
/* Text such as 19.307 (19307 in Vietnamese notation, 19.307 in C) read by
 * the notation the sheet's other numbers show: */
#define T_CELL_C 0x200u  /* C: a decimal point */
#define T_CELL_VI 0x400u /* Vietnamese: a thousands point */

/* What a cell is to a table. */
enum { K_EMPTY, K_TEXT, K_NUMBER, K_MISSING };

/* A cell read as a table's cell: its kind, and for a number its value. */
struct tcell {
    int kind;
    enum conv_type type; /* K_NUMBER: integer or decimal */
    const char *text;    /* K_TEXT: the text; K_NUMBER: the value; K_MISSING: the mark */
    size_t len;
    const char *mark; /* a footnote mark after it, or NULL */
    size_t mark_len;
};

/* A level of the row hierarchy. */
struct level {
    double depth;
    char *label;
    unsigned sig;  /* a section's look (column, bold, indent), 0 for a row */
    int leaf;      /* a row of values that is not bold: never the parent of a bold one */
    char unit[48]; /* a unit in brackets at the end of its label, for the rows under it */
};

/* The description of the table being read. */
struct table {
    int have;
    char *title;
    char *unit;                     /* the unit line's, or "" */
    char *cur_unit;                 /* a caption's inside the body, else NULL */
    uint32_t head_top, head_bottom; /* header rows, 0 when none */
    uint32_t first_value;           /* the first column of values */
    uint32_t unit_col, note_col;    /* 0 when none */
    char *last_unit;                /* the unit column's last unit (for ditto marks) */
    char **labels;                  /* column labels by column (0..ncols), NULL when unknown */
    char **units;                   /* a column's own unit ("%" from "(%)"), or NULL */
    uint32_t ncols;
    struct level *stack;
    size_t nstack, capstack;
    uint32_t body_first, body_last;
    unsigned char *codecol; /* by column: its header names codes (Mã, STT), not values */
    int indented;           /* its stub shows levels by indents or leading spaces */
    double last_depth;      /* the depth of the last body row's label */
    uint32_t ofwhich_col;   /* the column of the labels under "Trong đó:", 0 none */
    double ofwhich_depth;
    int dims;        /* stub columns with a header name each (Country, Code): a
                        row's label and code are all of them, joined */
    char parts[320]; /* for the reader's info */
};

/* The merged ranges over one row, by column (index + 1; 0 none). */
struct cover {
    uint32_t *cols; /* T_MAX_COLS + 1, allocated when first needed */
    uint32_t max;   /* the highest column set */
    uint32_t row;
    size_t sheet;
    unsigned gen;
    int ok;
    uint64_t age;
};

struct tstate {
    size_t cur;             /* in b->order */
    size_t si;              /* the sheet being read */
    size_t lead;            /* held rows from lead to the body: sections over it */
    int phase;              /* 0: sheet not started; 1: head; 2: body */
    struct convp_row *held; /* head or pending rows */
    size_t nheld, capheld;
    size_t body_seen; /* body rows among the held head rows */
    struct table t;
    size_t tables;    /* tables found on the sheet */
    uint64_t records; /* records made of the sheet */
    /* tables printed side by side: the columns read in this pass of the
     * sheet, and those of the next pass (0: none) */
    uint32_t win_lo, win_hi, next_lo, next_hi;
    int split_looked; /* the sheet's first table was looked at for a split */
    /* parts given by options for the sheet being read (0: found) */
    uint32_t g_head1, g_head2, g_stub1, g_stub2, g_body1, g_body2;
    const char *g_unit;
    char g_unit_buf[128];
    struct convp_ind *ind;  /* --profile indicators: the mapping, else NULL */
    struct ind_value *vals; /* a row's values for it, texts at offsets in vbuf */
    size_t *voff;           /* per value: text, unit, note offsets */
    size_t capvals;
    struct convp_buf vbuf;
    const char **lv; /* a row's path of labels */
    size_t *lvn, caplv;
    unsigned char *lvs;   /* per label: a section */
    int notation;         /* numbers typed as text: 0 not seen, 1 C, 2 Vietnamese */
    uint64_t ambiguous;   /* such numbers left as text, the notation unknown */
    unsigned char *codes; /* text input: columns of codes (by column, ncodes) */
    size_t ncodes;
    uint64_t skipped_hidden;
    /* the merged ranges over the last rows asked about */
    struct cover covers[T_COVERS];
    uint64_t cover_clock;
    unsigned cover_gen; /* a new sheet (or pass of it): the covers are old */
    /* the records of one row, given one by one */
    struct conv_record *out;
    size_t nout, capout, outpos;
    struct convp_buf tmp, tmp2;
    struct convp_buf flagbuf; /* a flag per held row, while a head is looked at */
    char info_key[64];
    size_t ninfo;
};

/* ---- text ------------------------------------------------------------------------------------ */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Text with its white space collapsed (NBSP too) and trimmed, into b. */
static int clean(struct convp_buf *b, const char *s, size_t n)
{
    b->len = 0;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int sp = is_space(c) || (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0);
        if (sp) {
            if (c == 0xC2)
                i++;
            space = b->len > 0;
            continue;
        }
        if (space && convp_buf_putc(b, ' ') != 0)
            return -1;
        space = 0;
        if (convp_buf_putc(b, (char)c) != 0)
            return -1;
    }
    return convp_buf_cstr(b) ? 0 : -1;
}

static char *dup_clean(struct convp_book *b, struct convp_buf *tmp, const char *s, size_t n)
{
    if (clean(tmp, s, n) != 0)
        return convp_book_nomem(b), NULL;
    char *d = convp_strndup(b->ctx, tmp->data, tmp->len);
    if (!d)
        convp_book_nomem(b);
    return d;
}

/* Lower-case ASCII and the Vietnamese letters a comparison meets, enough
 * to match words such as "Đơn vị tính" in any case. */
static int starts_word(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        unsigned char a = (unsigned char)s[i], c = (unsigned char)w[i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a + 32);
        if (a != c)
            return 0;
    }
    return 1;
}

/* A header naming codes or row numbers (Mã xã, Mã số, STT, Code, ID):
 * its column holds no values, however numeric. */
static int code_header(const char *s, size_t n)
{
    static const char *const words[] = {
        "m\xC3\xA3",        "M\xC3\x83",        "stt", "tt", "code", "id",
        "s\xE1\xBB\x91 tt", "S\xE1\xBB\x90 TT", NULL};
    for (int i = 0; words[i]; i++) {
        size_t k = strlen(words[i]);
        if (starts_word(s, n, words[i]) && (n == k || s[k] == ' ' || s[k] == '/' || s[k] == '.'))
            return 1;
    }
    return 0;
}

/* A footnote mark at the end of text: "(*)", "(1)", "(a)", "*", "**"; its
 * length, the text before it trimmed into *keep. */
static size_t footnote(const char *s, size_t n, size_t *keep)
{
    size_t e = n;
    while (e && is_space((unsigned char)s[e - 1]))
        e--;
    size_t m = 0;
    if (e >= 3 && s[e - 1] == ')') {
        /* (*), (**), (1), (12), (a): stars, digits, or one letter */
        size_t i = e - 2, k = 0, letters = 0;
        while (i > 0 && s[i] != '(' && k < 3) {
            unsigned char c = (unsigned char)s[i];
            if (!(c == '*' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
                break;
            letters += c >= 'a' && c <= 'z';
            i--;
            k++;
        }
        if (s[i] == '(' && k >= 1 && k <= 3 && i + 1 < e - 1 && (letters == 0 || k == 1))
            m = e - i;
    } else {
        while (m < e && m < 3 && s[e - 1 - m] == '*')
            m++;
    }
    if (!m || m >= e)
        return 0;
    size_t k = e - m;
    while (k && is_space((unsigned char)s[k - 1]))
        k--;
    if (!k)
        return 0;
    *keep = k;
    return m;
}

/* ---- cells ------------------------------------------------------------------------------------
 */

static int is_missing_mark(const char *s, size_t n)
{
    static const char *const marks[] = {
        "-", "\xE2\x80\x93", "\xE2\x80\x94", "..", "...", "\xE2\x80\xA6", "x", "X", "--", NULL};
    for (int i = 0; marks[i]; i++)
        if (strlen(marks[i]) == n && !memcmp(marks[i], s, n))
            return 1;
    return 0;
}

/* What a cell is: empty, text, a number (a number cell, or text that is a
 * number in C or Vietnamese notation, with or without a footnote mark
 * after it), or a missing-value mark.  A number's text lands in out. */
static struct tcell read_cell(const struct convp_cell *c, char *out, size_t size)
{
    int text_numbers = c && (c->flags & CONVP_CELL_TEXT_INPUT);
    struct tcell t = {K_EMPTY, CONV_NULL, "", 0, NULL, 0};
    if (!c || c->type == CONV_NULL || !c->len)
        return t;
    const char *s = c->text;
    size_t n = c->len, a = 0;
    if (c->flags & T_CELL_CODE) {
        t.kind = K_TEXT;
        t.text = c->text;
        t.len = c->len;
        return t;
    }
    if (c->type == CONV_INTEGER || c->type == CONV_DECIMAL) {
        t.kind = K_NUMBER;
        t.type = c->type;
        t.text = s;
        t.len = n;
        return t;
    }
    while (a < n && is_space((unsigned char)s[a]))
        a++;
    while (n > a && is_space((unsigned char)s[n - 1]))
        n--;
    if (a == n)
        return t;
    s += a;
    n -= a;
    if (c->type != CONV_STRING) {
        t.kind = K_TEXT;
        t.text = s;
        t.len = n;
        return t;
    }
    if (is_missing_mark(s, n)) {
        t.kind = K_MISSING;
        t.text = s;
        t.len = n;
        return t;
    }
    /* Numbers typed as text, perhaps with a footnote mark.  Digits alone
     * typed as text in a workbook are a code (Mã 01, 250), in text input
     * (CSV) a number unless a leading zero makes them a code. */
    size_t keep = n, m = footnote(s, n, &keep);
    size_t digits = 0;
    while (digits < keep && s[digits] >= '0' && s[digits] <= '9')
        digits++;
    if (digits == keep && (!text_numbers || (s[0] == '0' && keep > 1))) {
        t.kind = K_TEXT;
        t.text = s;
        t.len = n;
        return t;
    }
    if (keep + 16 < size && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
        int cls = convp_loc_classify(s, keep);
        size_t len = 0;
        enum conv_type ty = CONV_STRING;
        if (cls == CONVP_LOC_AMBIG && c && (c->flags & T_CELL_C))
            cls = CONVP_LOC_C;
        else if (cls == CONVP_LOC_AMBIG && c && (c->flags & T_CELL_VI))
            cls = CONVP_LOC_VI;
        if (cls == CONVP_LOC_C || (cls == CONVP_LOC_NONE && convp_is_integer(s, keep))) {
            ty = convp_is_integer(s, keep) ? CONV_INTEGER : CONV_DECIMAL;
            memcpy(out, s, keep);
            len = keep;
        } else if (cls == CONVP_LOC_VI || cls == CONVP_LOC_VI_COMMA) {
            ty = convp_vi_canon(s, keep, out, &len);
        }
        if (ty == CONV_INTEGER || ty == CONV_DECIMAL) {
            out[len] = '\0';
            t.kind = K_NUMBER;
            t.type = ty;
            t.text = out;
            t.len = len;
            if (m) {
                t.mark = s + n - m;
                t.mark_len = m;
            }
            return t;
        }
    }
    t.kind = K_TEXT;
    t.text = s;
    t.len = n;
    return t;
}

static const struct convp_cell *cell_at(const struct convp_row *row, uint32_t col)
{
    /* cells ascend by column */
    size_t lo = 0, hi = row->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (row->cells[mid].col < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < row->n && row->cells[lo].col == col ? &row->cells[lo] : NULL;
}

/* The merged range whose first cell is (r, c), or NULL. */
/* The merged range covering (r, c), from the ranges over row r found once
 * per row and kept for the last T_COVERS rows asked about (a header's
 * rows, asked column by column); of the first T_MAX_MERGES ranges of the
 * sheet; a range crossing a column another one took is cut there.  Each
 * lookup is then one index. */
static const struct convp_range *covering(struct convp_book *b, size_t si, uint32_t r, uint32_t c)
{
    struct tstate *s = b->layout;
    size_t n;
    const struct convp_range *m = convp_book_merges(b, si, &n);
    if (!n || !c || c > T_MAX_COLS)
        return NULL;
    if (n > T_MAX_MERGES)
        n = T_MAX_MERGES;
    struct cover *v = NULL, *old = &s->covers[0];
    for (int i = 0; i < T_COVERS && !v; i++) {
        struct cover *x = &s->covers[i];
        if (x->cols && x->ok && x->row == r && x->sheet == si && x->gen == s->cover_gen)
            v = x;
        else if (x->age < old->age)
            old = x;
    }
    if (!v) {
        v = old;
        if (!v->cols && !(v->cols = convp_calloc(b->ctx, T_MAX_COLS + 1, sizeof *v->cols)))
            return convp_book_nomem(b), NULL;
        memset(v->cols, 0, ((size_t)v->max + 1) * sizeof *v->cols);
        v->max = 0;
        for (size_t i = 0; i < n; i++) {
            if (m[i].row1 > r || m[i].row2 < r)
                continue;
            uint32_t hi = m[i].col2 < T_MAX_COLS ? m[i].col2 : T_MAX_COLS;
            for (uint32_t k = m[i].col1; k && k <= hi && !v->cols[k]; k++)
                v->cols[k] = (uint32_t)i + 1;
            if (hi > v->max)
                v->max = hi;
        }
        v->ok = 1;
        v->row = r;
        v->sheet = si;
        v->gen = s->cover_gen;
    }
    v->age = ++s->cover_clock;
    return v->cols[c] ? &m[v->cols[c] - 1] : NULL;
}

/* The merged range whose first cell is (r, c), or NULL. */
static const struct convp_range *merge_at(struct convp_book *b, size_t si, uint32_t r, uint32_t c)
{
    const struct convp_range *m = covering(b, si, r, c);
    return m && m->row1 == r && m->col1 == c ? m : NULL;
}

/* The merged range covering (r, c) without starting there, or NULL. */
static const struct convp_range *merge_over(struct convp_book *b, size_t si, uint32_t r, uint32_t c)
{
    const struct convp_range *m = covering(b, si, r, c);
    return m && !(m->row1 == r && m->col1 == c) ? m : NULL;
}

/* ---- rows -------------------------------------------------------------------------------------
 */

/* A unit line: "Đơn vị tính: Nghìn người", "ĐVT: %", "Đơn vị: tỷ đồng",
 * "(Tỷ đồng)", or a known unit alone ("Tỷ đồng", "%", "Nghìn ha").  The
 * unit's own text into *u, *ulen; 1 when it is one. */
static int unit_line(const char *s, size_t n, const char **u, size_t *ulen);
static int one_unit(const char *s, size_t n, const char **u, size_t *ulen, int two);
static int trailing_unit(const char *s, size_t n, const char **u, size_t *ul);

/* Two units in one text: where the separator is (sep, its length sl). */
static int two_units(const char *s, size_t n, size_t *sep, size_t *sl)
{
    static const char *const seps[] = {";", ",", " và ", " - ", NULL};
    for (int i = 0; seps[i]; i++) {
        size_t k = strlen(seps[i]);
        for (size_t j = 1; j + k < n; j++) {
            if (memcmp(s + j, seps[i], k) != 0)
                continue;
            const char *u1, *u2;
            size_t l1, l2;
            if (one_unit(s, j, &u1, &l1, 0) && one_unit(s + j + k, n - j - k, &u2, &l2, 0) &&
                u1 == s && u2 <= s + j + k + 1) {
                *sep = j;
                *sl = k;
                return 1;
            }
        }
    }
    return 0;
}

static int unit_line(const char *s, size_t n, const char **u, size_t *ulen)
{
    return one_unit(s, n, u, ulen, 1);
}

/* A unit line or a unit; two: also two units in one text (not inside
 * one of them: the search is one level deep). */
static int one_unit(const char *s, size_t n, const char **u, size_t *ulen, int two)
{
    static const char *const lead[] = {"đơn vị tính", "\xC4\x90\xC6\xA1n v\xE1\xBB\x8B t\xC3\xADnh",
                                       "đvt",         "\xC4\x90VT",
                                       "đơn vị",      "\xC4\x90\xC6\xA1n v\xE1\xBB\x8B",
                                       "unit",        NULL};
    while (n && is_space((unsigned char)*s))
        s++, n--;
    while (n && is_space((unsigned char)s[n - 1]))
        n--;
    for (int i = 0; lead[i]; i++) {
        size_t k = strlen(lead[i]);
        if (starts_word(s, n, lead[i])) {
            size_t j = k;
            while (j < n && (is_space((unsigned char)s[j]) || s[j] == ':' || s[j] == '.'))
                j++;
            if (j == n || (j == k && (s[j] & 0x80) == 0 && s[j] != ' '))
                continue;
            *u = s + j;
            *ulen = n - j;
            if (*ulen >= 2 && (*u)[0] == '(' && (*u)[*ulen - 1] == ')') {
                (*u)++;
                *ulen -= 2;
            }
            return 1;
        }
    }
    int bracketed = n >= 2 && s[0] == '(' && s[n - 1] == ')';
    if (bracketed) {
        s++;
        n -= 2;
    }
    /* "Nghìn tấn; Triệu USD", "Nghìn tấn, triệu USD", "Nghìn tấn và Triệu USD":
     * the units of the quantities and of the values */
    size_t sep, sl;
    if (two && n <= 120 && two_units(s, n, &sep, &sl)) {
        *u = s;
        *ulen = n;
        return 1;
    }
    /* in brackets: a magnitude (Nghìn HK, Triệu quả, Tỷ đồng), a ratio
     * (Số nam/100 nữ, Tạ/ha), a percent (annual %) */
    if (bracketed && n && n <= 40) {
        static const char *const mags[] = {"Nghìn ", "nghìn ", "Ngàn ", "ngàn ", "Triệu ", "triệu ",
                                           "Tỷ ",    "tỷ ",    "Trăm ", "trăm ", NULL};
        for (int i = 0; mags[i]; i++)
            if (n > strlen(mags[i]) && !memcmp(s, mags[i], strlen(mags[i])))
                return *u = s, *ulen = n, 1;
        if (memchr(s, '/', n) && !memchr(s, '(', n))
            return *u = s, *ulen = n, 1;
        if (n >= 2 && s[n - 1] == '%' && s[n - 2] == ' ')
            return *u = "%", *ulen = 1, 1;
    }
    static const char *const units[] = {"%",
                                        "‰",
                                        "dn",
                                        "hk",
                                        "tuổi",
                                        "quả",
                                        "ste",
                                        "tỷ đồng",
                                        "t\xE1\xBB\xB7 \xC4\x91\xE1\xBB\x93ng",
                                        "triệu đồng",
                                        "nghìn đồng",
                                        "triệu usd",
                                        "nghìn usd",
                                        "tỷ usd",
                                        "nghìn người",
                                        "người",
                                        "nghìn ha",
                                        "ha",
                                        "tấn",
                                        "nghìn tấn",
                                        "triệu tấn",
                                        "nghìn con",
                                        "con",
                                        "nghìn hộ",
                                        "hộ",
                                        "lượt người",
                                        "nghìn lượt người",
                                        "triệu lượt người",
                                        "triệu kwh",
                                        "triệu m3",
                                        "nghìn m3",
                                        "km",
                                        "triệu tấn.km",
                                        "triệu hk.km",
                                        "nghìn tỷ đồng",
                                        "usd",
                                        "vnd",
                                        "billion vnd",
                                        "million usd",
                                        "thousand persons",
                                        "persons",
                                        "tạ/ha",
                                        "tấn/ha",
                                        "kg",
                                        "lít",
                                        "m2",
                                        "m3",
                                        "nghìn m2",
                                        "triệu lít",
                                        "nghìn lít",
                                        "chiếc",
                                        "nghìn chiếc",
                                        "cái",
                                        "nghìn cái",
                                        "doanh nghiệp",
                                        "dự án",
                                        "lần",
                                        "ha",
                                        "cây",
                                        "nghìn cây",
                                        "triệu cây",
                                        "mw",
                                        "triệu mw",
                                        "nghìn km",
                                        "triệu hành khách",
                                        "nghìn hành khách",
                                        "triệu lượt",
                                        "nghìn lượt",
                                        NULL};
    for (int i = 0; units[i]; i++)
        if (strlen(units[i]) == n && starts_word(s, n, units[i])) {
            *u = s;
            *ulen = n;
            return 1;
        }
    /* Vietnamese capitals of the same words: compare case-insensitively
     * through utf8proc would be exact; the words above in their usual
     * capitalisation cover the files seen. */
    static const char *const cap_units[] = {"Tỷ đồng",
                                            "Triệu đồng",
                                            "Nghìn đồng",
                                            "Triệu USD",
                                            "Nghìn USD",
                                            "Tỷ USD",
                                            "Nghìn người",
                                            "Người",
                                            "Nghìn ha",
                                            "Tấn",
                                            "Nghìn tấn",
                                            "Triệu tấn",
                                            "Nghìn con",
                                            "Nghìn hộ",
                                            "Hộ",
                                            "Lượt người",
                                            "Nghìn lượt người",
                                            "Triệu lượt người",
                                            "Nghìn tỷ đồng",
                                            "Tạ/ha",
                                            "Tấn/ha",
                                            "Lít",
                                            "Chiếc",
                                            "Nghìn chiếc",
                                            "Cái",
                                            "Doanh nghiệp",
                                            "Dự án",
                                            "Lần",
                                            "Cây",
                                            "Triệu lít",
                                            "Nghìn lít",
                                            "Nghìn m2",
                                            "Nghìn m3",
                                            "Triệu m3",
                                            "Triệu kWh",
                                            "Triệu lượt",
                                            "Nghìn lượt",
                                            NULL};
    for (int i = 0; cap_units[i]; i++)
        if (strlen(cap_units[i]) == n && !memcmp(cap_units[i], s, n)) {
            *u = s;
            *ulen = n;
            return 1;
        }
    return 0;
}

/* A unit in brackets at the end of text: "Diện tích (Nghìn ha)". */
static int trailing_unit(const char *s, size_t n, const char **u, size_t *ul)
{
    while (n && is_space((unsigned char)s[n - 1]))
        n--;
    if (n < 3 || s[n - 1] != ')')
        return 0;
    size_t open = n - 1;
    while (open > 0 && s[open] != '(')
        open--;
    if (s[open] != '(')
        return 0;
    return unit_line(s + open, n - open, u, ul);
}

/* Whether a cell is a code: 01, 1.1, I, IV, a, A, 1., a), (1). */
static int code_like(const char *s, size_t n)
{
    while (n && (s[n - 1] == '.' || s[n - 1] == ')' || is_space((unsigned char)s[n - 1])))
        n--;
    if (n && s[0] == '(')
        s++, n--;
    if (!n || n > 12)
        return 0;
    int digits = 1, roman = 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.'))
            digits = 0;
        if (!strchr("IVXLivxl", c))
            roman = 0;
    }
    if (digits && s[0] != '.')
        return 1;
    if (roman && n <= 5)
        return 1;
    if (n == 1 && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 1;
    return 0;
}

/* The depth a row's label stands at: its column, indent, leading spaces,
 * numbering and boldness (smaller is higher up). */
static double label_depth(struct convp_book *b, const struct table *t, const struct convp_cell *c,
                          const char *code, size_t code_len)
{
    const struct convp_style *st = convp_book_style(b, c->style);
    const char *s = c->text;
    size_t n = c->len, lead = 0;
    while (lead < n && s[lead] == ' ')
        lead++;
    double d = (double)(c->col - 1) * 10 + (double)st->indent * 3 + (double)(lead / 2) * 3;
    double d0 = d;
    size_t i = lead;
    const char *num = code_len ? code : s + i;
    size_t nn = code_len ? code_len : n - i;
    /* Numbering: I. II (roman) 0, 1. 1, 1.1 2, 1.1.1 3, a) 4, - or + 5. */
    int roman = 0;
    {
        /* I. II. (roman) and A. B. (capital letters): the top of a stub */
        size_t k = 0;
        while (k < nn && strchr("IVXL", num[k]))
            k++;
        roman = k && (k == nn ? code_len != 0 : (num[k] == '.' || num[k] == ')'));
        if (!roman && nn >= 2 && num[0] >= 'A' && num[0] <= 'Z' && (num[1] == '.' || num[1] == ')'))
            roman = 1;
    }
    if (roman)
        d -= 0.01; /* numbered at the top: above a plain label there */
    else if (nn && (num[0] == '-' || num[0] == '+' || (unsigned char)num[0] == 0xE2))
        d += 5;
    else if (nn && ((num[0] >= 'a' && num[0] <= 'z') && nn > 1 && (num[1] == ')' || num[1] == '.')))
        d += 4;
    else if (nn && num[0] >= '0' && num[0] <= '9') {
        int dots = 0;
        size_t k = 0;
        while (k < nn && ((num[k] >= '0' && num[k] <= '9') || num[k] == '.')) {
            if (num[k] == '.' && k + 1 < nn && num[k + 1] >= '0' && num[k + 1] <= '9')
                dots++;
            k++;
        }
        d += 1 + dots;
    }
    /* Bold tells the level only where no numbering does, and in a table
     * whose stub shows its levels by indenting, not at all. */
    if (!st->bold && d == d0 && !t->indented)
        d += 0.5;
    return d;
}

/* The depth of a row's label, with what its words say: a total without a
 * code is the root; "Trong đó:" makes the label a child of the row
 * before, and the labels under it in its column its siblings. */
/* A row's stub: its code, label and depth. */
struct stub {
    const char *code, *label;
    size_t code_len, label_len;
    const struct convp_cell *label_cell, *code_cell;
    const char *mark; /* a footnote mark after the label */
    size_t mark_len;
    int ofwhich; /* "Trong đó:" (of which) before the label */
    char own[256]; /* the label rebuilt without a mark inside it */
};
static double stub_depth(struct convp_book *b, const struct table *t, const struct stub *st);
static int numbered(const char *s, size_t n);
static int top_numbering(const char *s, size_t n);
static void row_stub(const struct table *t, const struct convp_row *row, struct stub *st);

/* ---- the table's head ----------------------------------------------------------------------- */

static void table_free(struct convp_book *b, struct table *t)
{
    convp_free(b->ctx, t->title);
    convp_free(b->ctx, t->unit);
    convp_free(b->ctx, t->cur_unit);
    convp_free(b->ctx, t->last_unit);
    for (uint32_t i = 0; i <= t->ncols; i++) {
        if (t->labels)
            convp_free(b->ctx, t->labels[i]);
        if (t->units)
            convp_free(b->ctx, t->units[i]);
    }
    convp_free(b->ctx, t->labels);
    convp_free(b->ctx, t->units);
    convp_free(b->ctx, t->codecol);
    for (size_t i = 0; i < t->nstack; i++)
        convp_free(b->ctx, t->stack[i].label);
    convp_free(b->ctx, t->stack);
    memset(t, 0, sizeof *t);
}

/* What a row says to a table: it has values (numbers or marks) at or
 * right of column from, texts, a year-row or numbering-row shape. */
struct rowsum {
    int values, numbers, texts, texts_right;
    uint32_t first_value, first_text;
    int years_only, numbering;
    int small_ints; /* every value an integer of at most 4 digits (grades, ages, years) */
    int years_run;  /* two or more years, each after the one before (a header of years) */
    int letters;    /* single letters among its texts (A, B, C of a numbering row) */
};

static struct rowsum row_sum(const struct convp_row *row, uint32_t from)
{
    struct rowsum r = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0}; /* ..., small_ints, years_run, letters */
    char out[128];
    long expect = 1, last_year = 0;
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        struct tcell t = read_cell(c, out, sizeof out);
        if (t.kind == K_EMPTY)
            continue;
        if (t.kind == K_TEXT) {
            r.texts++;
            /* digits typed as text (a code, or a heading like 0(*)) are
             * not a label */
            size_t keep = t.len, d = 0;
            footnote(t.text, t.len, &keep);
            while (d < keep && t.text[d] >= '0' && t.text[d] <= '9')
                d++;
            if (!r.first_text && d < keep)
                r.first_text = c->col;
            if (c->col >= from && from)
                r.texts_right++;
            if (t.len > 3 || !(t.len == 1 || (t.text[0] == '(' && t.text[t.len - 1] == ')')))
                r.numbering = 0;
            r.letters += t.len == 1 && ((t.text[0] >= 'A' && t.text[0] <= 'Z') ||
                                        (t.text[0] >= 'a' && t.text[0] <= 'z'));
            continue;
        }
        if (c->col < from)
            continue;
        r.values++;
        r.numbers += t.kind == K_NUMBER;
        if (!r.first_value)
            r.first_value = c->col;
        long v = t.kind == K_NUMBER && t.type == CONV_INTEGER && t.len <= 4 ? atol(t.text) : -1;
        if (v < 1900 || v > 2100)
            r.years_only = 0;
        if (v <= last_year)
            r.years_run = 0;
        last_year = v;
        if (v < 0)
            r.small_ints = 0;
        if (v != expect)
            r.numbering = 0;
        expect++;
    }
    if (!r.values)
        r.years_only = r.numbering = r.small_ints = 0;
    if (r.values < 2 || !r.years_only)
        r.years_run = 0;
    if (!r.letters && r.texts)
        r.numbering = 0;
    return r;
}

/* A row of the head (no body row seen yet) that is still header: small
 * integers with no label left of them (grades 0 1 2 3, ages, years). */
static int head_numbers(const struct rowsum *r)
{
    return r->small_ints && (!r->first_text || r->first_text > r->first_value);
}

/* A body row: values, and not the years or the column numbers a header
 * block ends with. */
static int is_body(const struct rowsum *r)
{
    /* Marks alone make a body row only beside a label (a row with no data). */
    if (!r->numbers && !(r->values && r->first_text && r->first_text < r->first_value))
        return 0;
    /* Years under a header, or a header row that ends with a year, or a
     * header of years beside the stub's heading (Tỉnh 2020 2021). */
    if (r->years_only &&
        (!r->first_text || r->first_text > r->first_value || r->texts >= 2 || r->years_run))
        return 0;
    if (r->numbering)
        return 0;
    return 1;
}

/* The columns' numbers under a header, all typed as text: A B C 1 2 3,
 * (1) (2) (3). */
static int numbering_row(const struct convp_row *row)
{
    size_t cells = 0;
    long expect = -1;
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        if (c->type == CONV_NULL || !c->len)
            continue;
        const char *t = c->text;
        size_t n = c->len;
        while (n && is_space((unsigned char)*t))
            t++, n--;
        while (n && is_space((unsigned char)t[n - 1]))
            n--;
        if (n >= 2 && t[0] == '(' && t[n - 1] == ')')
            t++, n -= 2;
        if (!n)
            continue;
        cells++;
        if (n == 1 && ((t[0] >= 'A' && t[0] <= 'Z') || (t[0] >= 'a' && t[0] <= 'z')))
            continue;
        if (n > 3)
            return 0;
        long v = 0;
        for (size_t k = 0; k < n; k++) {
            if (t[k] < '0' || t[k] > '9')
                return 0;
            v = v * 10 + (t[k] - '0');
        }
        if (expect >= 0 && v != expect)
            return 0;
        expect = v + 1;
    }
    return cells >= 2;
}

/* A line of a file's metadata above its table: a key and its value
 * ("Data Source","World Development Indicators"; "Last Updated Date"). */
static int metadata_line(const struct convp_row *row)
{
    static const char *const keys[] = {"Data Source",   "Last Updated Date", "Source", "Nguồn",
                                       "Ngày cập nhật", "Updated",           NULL};
    size_t texts = 0;
    const struct convp_cell *first = NULL;
    for (size_t i = 0; i < row->n; i++)
        if (row->cells[i].type != CONV_NULL && row->cells[i].len) {
            if (!texts++)
                first = &row->cells[i];
        }
    if (texts != 2 || first->col != 1)
        return 0;
    for (int k = 0; keys[k]; k++)
        if (first->len == strlen(keys[k]) && !memcmp(first->text, keys[k], first->len))
            return 1;
    return 0;
}

/* A row of a report's letterhead: the issuing body (UBND, Ủy ban), the
 * national motto (Cộng hòa..., Độc lập - Tự do - Hạnh phúc), a rule, the
 * place and date (Sông Công, ngày 15 tháng 01 năm 2022). */
static int letterhead(const struct convp_row *row)
{
    static const char *const heads[] = {"UBND",         "ubnd",     "Ủy ban",   "ỦY BAN",
                                        "Uỷ ban",       "UỶ BAN",   "CỘNG HÒA", "CỘNG HOÀ",
                                        "Cộng hòa",     "Cộng hoà", "Độc lập",  "ĐỘC LẬP",
                                        "\xE2\x94\x80", "---",      "___",      NULL};
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        if (c->type != CONV_STRING)
            continue;
        size_t a = 0;
        while (a < c->len && is_space((unsigned char)c->text[a]))
            a++;
        for (int k = 0; heads[k]; k++)
            if (c->len - a >= strlen(heads[k]) && !memcmp(c->text + a, heads[k], strlen(heads[k])))
                return 1;
        /* ", ngày 15 tháng 01 năm 2022" */
        const char *d = c->len > 8 ? strstr(c->text, "ngày ") : NULL;
        if (d && d < c->text + c->len && strstr(d, " tháng ") && strstr(d, " năm "))
            return 1;
    }
    return 0;
}

/* A body row, with the parts the options give: rows of the header or
 * outside the body rows are not, rows of values after them are. */
static int body_given(const struct tstate *s, const struct convp_row *row, const struct rowsum *r)
{
    if (s->g_body1 && (row->num < s->g_body1 || row->num > s->g_body2))
        return 0;
    if (s->g_head2 && row->num <= s->g_head2)
        return 0;
    if (s->g_head2 || s->g_body1)
        return r->values > 0 ? 1 : 0;
    return -1; /* nothing given: the rules decide */
}

static int is_body_row(const struct tstate *s, const struct convp_row *row, uint32_t from, int head)
{
    struct rowsum r = row_sum(row, s->g_stub2 ? s->g_stub2 + 1 : from);
    int g = body_given(s, row, &r);
    if (g >= 0)
        return g;
    return is_body(&r) && (!head || !head_numbers(&r));
}

/* Join part to the text in buf with sep. */
static int join(struct convp_buf *buf, const char *sep, const char *part, size_t n)
{
    if (!n)
        return 0;
    if (buf->len && convp_buf_append(buf, sep, strlen(sep)) != 0)
        return -1;
    return convp_buf_append(buf, part, n);
}

/* A column headed by a code header (STT, Mã số) among the rows above the
 * body. */
static int code_column(const struct tstate *s, size_t body_at, uint32_t col)
{
    for (size_t i = 0; i < body_at; i++) {
        const struct convp_cell *c = cell_at(&s->held[i], col);
        if (c && c->type == CONV_STRING && c->len) {
            const char *t = c->text;
            size_t n = c->len;
            while (n && is_space((unsigned char)*t))
                t++, n--;
            if (code_header(t, n))
                return 1;
        }
    }
    return 0;
}

/*
 * Make the table's description from the held rows: rows 0..nheld-1 are
 * above and at the body, body_at the first body row.  Title rows, the
 * unit line, the header block, the column labels.
 */
static int analyse_head(struct convp_book *b, struct tstate *s, size_t si, size_t body_at)
{
    struct table *t = &s->t;
    /* A part under a header of its own but no title or unit line of its
     * own continues the table above: its title, unit and total stay. */
    char *keep_title = t->title, *keep_unit = t->unit;
    struct level *keep_stack = t->stack;
    size_t keep_n = t->nstack, keep_cap = t->capstack;
    t->title = t->unit = NULL;
    t->stack = NULL;
    t->nstack = t->capstack = 0;
    table_free(b, t);
    t->title = keep_title;
    t->have = 1;
    /* The first column of values: the leftmost value over the sampled body
     * rows, or the first column of the header right of the body's labels
     * (a column can start with empty cells). */
    uint32_t first = 0, maxcol = 0, label_max = 0;
    for (size_t i = body_at; i < s->nheld; i++) {
        if (!is_body_row(s, &s->held[i], 1, 0))
            continue;
        /* the row's first value, not counting a column of row numbers
         * under STT or codes under Mã */
        uint32_t fv = 0;
        char out[128];
        for (size_t k = 0; k < s->held[i].n && !fv; k++) {
            const struct convp_cell *c = &s->held[i].cells[k];
            struct tcell tc = read_cell(c, out, sizeof out);
            if ((tc.kind == K_NUMBER || tc.kind == K_MISSING) && !code_column(s, body_at, c->col))
                fv = c->col;
        }
        if (!fv)
            continue;
        if (!first || fv < first)
            first = fv;
        for (size_t k = 0; k < s->held[i].n; k++) {
            const struct convp_cell *c = &s->held[i].cells[k];
            struct tcell tc = read_cell(c, out, sizeof out);
            if (tc.kind == K_TEXT && c->col < fv && c->col > label_max)
                label_max = c->col;
        }
    }
    for (size_t i = 0; i < s->nheld; i++)
        if (s->held[i].n && s->held[i].cells[s->held[i].n - 1].col > maxcol)
            maxcol = s->held[i].cells[s->held[i].n - 1].col;
    uint32_t head_first = 0;
    for (size_t i = 0; i < body_at; i++) {
        const struct convp_row *row = &s->held[i];
        char out[128];
        struct rowsum rr = row_sum(row, 0);
        for (size_t k = 0; k < row->n; k++) {
            const struct convp_cell *c = &row->cells[k];
            struct tcell tc = read_cell(c, out, sizeof out);
            if (tc.kind == K_EMPTY || c->col <= label_max || (head_first && c->col >= head_first))
                continue;
            if (tc.kind == K_TEXT && code_header(tc.text, tc.len))
                continue; /* STT, Mã: the stub's */
            /* not the unit column's header, nor a title or unit line alone */
            if (tc.kind == K_TEXT &&
                (starts_word(tc.text, tc.len, "đơn vị") ||
                 starts_word(tc.text, tc.len, "\xC4\x90\xC6\xA1n v\xE1\xBB\x8B") ||
                 starts_word(tc.text, tc.len, "\xC4\x90VT") || starts_word(tc.text, tc.len, "đvt")))
                continue;
            const char *u;
            size_t ul;
            if (rr.texts + rr.values <= 1 &&
                (tc.kind != K_TEXT || unit_line(tc.text, tc.len, &u, &ul) || c->col == 1))
                continue;
            head_first = c->col;
        }
    }
    /* A header over the values says where they start: numbers left of it
     * are the stub's (age groups, codes). */
    if (head_first)
        first = head_first;
    t->first_value = first ? first : 1;
    if (s->g_stub2)
        t->first_value = s->g_stub2 + 1;
    /* Levels shown by indenting (an indent, or leading spaces) in the
     * stub of the sampled body or the rows among it. */
    for (size_t i = body_at; i < s->nheld && !t->indented; i++) {
        const struct convp_row *row = &s->held[i];
        for (size_t k = 0; k < row->n && row->cells[k].col < t->first_value; k++) {
            const struct convp_cell *c = &row->cells[k];
            if (c->type != CONV_STRING || !c->len)
                continue;
            if (convp_book_style(b, c->style)->indent ||
                (c->len > 2 && c->text[0] == ' ' && c->text[1] == ' ' && c->text[2] != ' ') ||
                (c->len > 3 && c->text[0] == ' ' && c->text[1] == ' ' && c->text[2] == ' '))
                t->indented = 1;
        }
    }
    /* The rows above the body, from the bottom: text rows of the stub
     * alone (sections over the first body rows), the header rows, then the
     * unit line and the title rows. */
    size_t top = body_at; /* the first header row */
    int phase = 0;        /* 0 sections, 1 header, 2 above it */
    const char *unit = NULL;
    size_t unit_len = 0, unit_at = (size_t)-1;
    size_t title_to = 0; /* title rows are held[title_from .. title_to) */
    s->lead = body_at;   /* the section rows: held[lead .. body_at) */
    for (size_t k = body_at; k-- > 0;) {
        const struct convp_row *row = &s->held[k];
        size_t nonempty = 0;
        const struct convp_cell *only = NULL;
        int value_side = 0;
        char out[128];
        for (size_t i = 0; i < row->n; i++) {
            struct tcell c = read_cell(&row->cells[i], out, sizeof out);
            if (c.kind == K_EMPTY)
                continue;
            nonempty++;
            only = &row->cells[i];
            const struct convp_range *m = merge_at(b, si, row->num, row->cells[i].col);
            if (row->cells[i].col >= t->first_value ||
                (m && m->col2 >= t->first_value && m->col1 >= t->first_value))
                value_side = 1;
        }
        /* A row under a header cell merged down from above is header too. */
        for (uint32_t c = t->first_value; !value_side && c <= maxcol; c++) {
            const struct convp_range *m = merge_over(b, si, row->num, c);
            if (m && m->row1 < row->num)
                value_side = 1;
        }
        if (!nonempty) {
            if (phase == 1)
                top = k;
            continue;
        }
        const char *u;
        size_t ul;
        char ob[128];
        struct tcell oc = read_cell(only, ob, sizeof ob);
        int unit_row = nonempty == 1 && oc.kind == K_TEXT && unit_line(oc.text, oc.len, &u, &ul);
        if (phase == 0 && !value_side && !unit_row) {
            s->lead = k; /* a section over the first body rows */
            continue;
        }
        if (unit_row && (!unit || phase < 2)) {
            /* A unit line under the header (over the body) keeps the search
             * for the header going; above the header it ends it. */
            if (!unit) {
                unit = u;
                unit_len = ul;
                unit_at = k;
            }
            if (phase == 1)
                phase = 2;
            continue;
        }
        if (phase <= 1 && value_side) {
            phase = 1;
            top = k;
            continue;
        }
        /* Above the header: title rows (the nearest run of them). */
        phase = 2;
        if (!title_to)
            title_to = k + 1;
    }
    /* Without a header, the text rows above the body are the title down to
     * the first blank row, and sections below it. */
    if (top == body_at && s->lead < body_at && !title_to) {
        size_t k = s->lead;
        while (k < body_at && s->held[k].n)
            k++;
        if (k < body_at) {
            title_to = k;
            s->lead = k;
        } else if (s->lead == 0) {
            title_to = 1;
            s->lead = 1;
        }
    }
    if (s->g_head1) {
        /* the header rows given: the title above them, sections under them */
        size_t k = 0;
        while (k < body_at && s->held[k].num < s->g_head1)
            k++;
        top = k;
        while (k < body_at && s->held[k].num <= s->g_head2)
            k++;
        s->lead = k;
        title_to = top;
        if (unit_at != (size_t)-1 && unit_at >= top && unit_at < s->lead)
            unit_at = (size_t)-1, unit = NULL;
    }
    if (s->g_unit) {
        unit = s->g_unit;
        unit_len = strlen(s->g_unit);
    }
    if (top < body_at) {
        t->head_top = s->held[top].num;
        t->head_bottom = s->held[body_at - 1].num;
    }
    /* The title: the text rows above the header (or the unit line), joined,
     * up to a letterhead (the issuing body, the national motto, the place
     * and date). */
    struct convp_buf *tb = &s->tmp2;
    tb->len = 0;
    size_t title_from = title_to;
    while (title_from > 0) {
        const struct convp_row *row = &s->held[title_from - 1];
        if (letterhead(row))
            break;
        if (metadata_line(row)) {
            /* "Data Source","World Development Indicators": no title */
            if (title_from == title_to)
                title_to--;
            title_from--;
            continue;
        }
        struct rowsum r = row_sum(row, 0);
        if (!r.texts && !r.values) {
            if (title_from < title_to)
                break; /* a blank row above the title ends it */
            title_from--;
            title_to--;
            continue;
        }
        if (r.values)
            break;
        title_from--;
    }
    for (size_t k = title_from; k < title_to; k++) {
        const struct convp_row *row = &s->held[k];
        if (metadata_line(row))
            continue;
        for (size_t i = 0; i < row->n; i++) {
            char out[128];
            struct tcell c = read_cell(&row->cells[i], out, sizeof out);
            const char *u;
            size_t ul;
            if (c.kind != K_TEXT)
                continue;
            if (unit_line(c.text, c.len, &u, &ul)) {
                if (!unit) {
                    unit = u;
                    unit_len = ul;
                }
                continue;
            }
            if (clean(&s->tmp, c.text, c.len) != 0 || join(tb, " ", s->tmp.data, s->tmp.len) != 0)
                return convp_book_nomem(b);
        }
    }
    int continued = !tb->len && !unit && keep_unit && s->tables > 0;
    if (tb->len || !t->title) {
        convp_free(b->ctx, t->title);
        if (!(t->title = convp_strndup(b->ctx, tb->data ? tb->data : "", tb->len))) {
            convp_free(b->ctx, keep_unit);
            for (size_t i = 0; i < keep_n; i++)
                convp_free(b->ctx, keep_stack[i].label);
            convp_free(b->ctx, keep_stack);
            return convp_book_nomem(b);
        }
    }
    if (continued) {
        t->unit = keep_unit;
        /* the roots (a total, a caption) stay over the part's rows */
        size_t k = 0;
        for (size_t i = 0; i < keep_n; i++) {
            if (keep_stack[i].depth <= -50)
                keep_stack[k++] = keep_stack[i];
            else
                convp_free(b->ctx, keep_stack[i].label);
        }
        t->stack = keep_stack;
        t->nstack = k;
        t->capstack = keep_cap;
    } else {
        convp_free(b->ctx, keep_unit);
        for (size_t i = 0; i < keep_n; i++)
            convp_free(b->ctx, keep_stack[i].label);
        convp_free(b->ctx, keep_stack);
        if (!(t->unit = unit ? dup_clean(b, &s->tmp, unit, unit_len) : convp_strdup(b->ctx, "")))
            return convp_book_nomem(b);
    }
    /* Column labels: the header cells above each column, top to bottom; a
     * merged cell gives its text to every column it spans, once. */
    t->ncols = maxcol;
    t->labels = convp_calloc(b->ctx, maxcol + 1, sizeof *t->labels);
    t->units = convp_calloc(b->ctx, maxcol + 1, sizeof *t->units);
    t->codecol = convp_calloc(b->ctx, maxcol + 1, 1);
    if (!t->labels || !t->units || !t->codecol)
        return convp_book_nomem(b);
    /* the columns' numbers under a header (A, B, 1, 2...) give no label */
    s->flagbuf.len = 0;
    if (convp_buf_grow(&s->flagbuf, body_at + 1) != 0)
        return convp_book_nomem(b);
    unsigned char *numbers = (unsigned char *)s->flagbuf.data;
    memset(numbers, 0, body_at + 1);
    for (size_t k = top; k < body_at && k < s->lead; k++) {
        struct rowsum nr = row_sum(&s->held[k], 0);
        numbers[k] = nr.numbering || numbering_row(&s->held[k]);
    }
    for (uint32_t col = 1; col <= maxcol; col++) {
        tb->len = 0;
        for (size_t k = top; k < body_at && k < s->lead; k++) {
            if (k == unit_at || numbers[k])
                continue;
            const struct convp_row *row = &s->held[k];
            const struct convp_cell *c = cell_at(row, col);
            const struct convp_range *over = merge_over(b, si, row->num, col);
            if (over && over->row1 == row->num) {
                /* spread from the merged cell's first column */
                for (size_t i = 0; i < row->n; i++)
                    if (row->cells[i].col == over->col1)
                        c = &row->cells[i];
            } else if (over) {
                continue; /* the same merged cell, from a row above */
            }
            char out[128];
            struct tcell tc = read_cell(c, out, sizeof out);
            if (tc.kind == K_EMPTY)
                continue;
            if (clean(&s->tmp, tc.text, tc.len) != 0 ||
                join(tb, " / ", s->tmp.data, s->tmp.len) != 0)
                return convp_book_nomem(b);
            /* a unit in brackets at its end: Thực hiện (Tỷ đồng) */
            const char *hu;
            size_t hul;
            if (col >= t->first_value && trailing_unit(s->tmp.data, s->tmp.len, &hu, &hul)) {
                convp_free(b->ctx, t->units[col]);
                if (!(t->units[col] = convp_strndup(b->ctx, hu, hul)))
                    return convp_book_nomem(b);
            }
            /* The header names the unit column, the notes column, or a unit. */
            if (col < t->first_value && !t->unit_col) {
                const char *u;
                size_t ul;
                if (starts_word(s->tmp.data, s->tmp.len, "đơn vị") ||
                    starts_word(s->tmp.data, s->tmp.len, "\xC4\x90\xC6\xA1n v\xE1\xBB\x8B") ||
                    starts_word(s->tmp.data, s->tmp.len, "đvt") ||
                    starts_word(s->tmp.data, s->tmp.len, "\xC4\x90VT") ||
                    (unit_line(s->tmp.data, s->tmp.len, &u, &ul) && 0))
                    t->unit_col = col;
            }
            if (starts_word(s->tmp.data, s->tmp.len, "ghi chú") ||
                starts_word(s->tmp.data, s->tmp.len, "note"))
                t->note_col = col;
        }
        if (!convp_buf_cstr(tb) || !(t->labels[col] = convp_strndup(b->ctx, tb->data, tb->len)))
            return convp_book_nomem(b);
        /* (%), and a share or a comparison: percent (its words may be
         * split over the header's rows: Cơ / cấu) */
        if (col >= t->first_value && !t->units[col] && tb->len >= 3) {
            char flat[256];
            size_t fl = 0;
            for (size_t i = 0; i < tb->len && fl + 1 < sizeof flat; i++) {
                if (i + 3 <= tb->len && !memcmp(tb->data + i, " / ", 3)) {
                    flat[fl++] = ' ';
                    i += 2;
                    continue;
                }
                flat[fl++] = tb->data[i];
            }
            flat[fl] = '\0';
            if ((strstr(flat, "(%)") || strstr(flat, "Cơ cấu") || strstr(flat, "cơ cấu") ||
                 strstr(flat, "Tỷ trọng") || strstr(flat, "tỷ trọng") || strstr(flat, "So với") ||
                 strstr(flat, "so với")) &&
                !(t->units[col] = convp_strdup(b->ctx, "%")))
                return convp_book_nomem(b);
        }
        t->codecol[col] = code_header(tb->data, tb->len);
    }
    /* Two units on the unit line: the first for the quantities (Lượng),
     * the second for the values (Trị giá). */
    size_t usep = 0, usl = 0;
    const char *semi =
        t->unit && two_units(t->unit, strlen(t->unit), &usep, &usl) ? t->unit + usep : NULL;
    for (uint32_t col = t->first_value; semi && col <= maxcol; col++) {
        const char *l = t->labels[col];
        if (t->units[col] || !l[0])
            continue;
        int qty = strstr(l, "Lượng") || strstr(l, "lượng") || strstr(l, "Khối lượng");
        int val = strstr(l, "Trị giá") || strstr(l, "trị giá") || strstr(l, "Giá trị") ||
                  strstr(l, "giá trị");
        if (qty == val)
            continue;
        const char *a = qty ? t->unit : semi + usl;
        size_t n = qty ? (size_t)(semi - t->unit) : strlen(semi + usl);
        while (n && is_space((unsigned char)*a))
            a++, n--;
        while (n && is_space((unsigned char)a[n - 1]))
            n--;
        if (!(t->units[col] = convp_strndup(b->ctx, a, n)))
            return convp_book_nomem(b);
    }
    /* Stub columns each under a name of its own are dimensions. */
    int named = 0;
    for (uint32_t col = 1; col < t->first_value && col <= maxcol; col++) {
        if (col == t->unit_col || col == t->note_col || !t->labels[col][0] || t->codecol[col])
            continue;
        int dup = 0;
        for (uint32_t k = 1; k < col; k++)
            dup |= !strcmp(t->labels[k], t->labels[col]);
        named += !dup;
    }
    t->dims = named >= 2;
    if (s->ind && convp_ind_table(s->ind, t->title, t->labels, t->ncols) != CONV_OK)
        return CONV_ERR;
    for (size_t i = body_at; s->ind && i < s->nheld; i++) {
        struct stub st;
        row_stub(t, &s->held[i], &st);
        if (st.label && convp_ind_probe(s->ind, st.label, st.label_len) != CONV_OK)
            return CONV_ERR;
    }
    return CONV_OK;
}

/* ---- records ----------------------------------------------------------------------------------
 */

static int put(struct convp_book *b, struct conv_record *rec, uint32_t field, enum conv_type t,
               const char *text, size_t len, uint64_t line, uint32_t col)
{
    if (!text || (t == CONV_STRING && !len)) {
        if (convp_record_add(rec, field, t == CONV_STRING ? CONV_NULL : t, 0, "", 0, line, col) !=
            0)
            return convp_book_nomem(b);
        return CONV_OK;
    }
    if (convp_record_add(rec, field, t, 0, text, len, line, col) != 0)
        return convp_book_nomem(b);
    return CONV_OK;
}

/* A record slot of the output queue. */
static struct conv_record *next_out(struct convp_book *b, struct tstate *s)
{
    if (s->nout == s->capout) {
        size_t nc = s->capout ? s->capout * 2 : 16;
        struct conv_record *q = convp_realloc(b->ctx, s->out, nc * sizeof *q);
        if (!q)
            return convp_book_nomem(b), NULL;
        for (size_t i = s->capout; i < nc; i++)
            convp_record_init(&q[i], b->ctx, b->rd->fields);
        s->out = q;
        s->capout = nc;
    }
    struct conv_record *r = &s->out[s->nout++];
    convp_record_clear(r);
    s->records++;
    return r;
}

/* The path of labels: the stack and the row's own. */
static int path_text(struct tstate *s, const char *own, size_t n)
{
    struct convp_buf *p = &s->tmp2;
    p->len = 0;
    for (size_t i = 0; i < s->t.nstack; i++)
        if (join(p, " / ", s->t.stack[i].label, strlen(s->t.stack[i].label)) != 0)
            return -1;
    if (join(p, " / ", own, n) != 0)
        return -1;
    return convp_buf_cstr(p) ? 0 : -1;
}

/* The levels at depth d or deeper leave the hierarchy. */
static void pop_levels(struct convp_book *b, struct table *t, double d)
{
    while (t->nstack && t->stack[t->nstack - 1].depth >= d) {
        convp_free(b->ctx, t->stack[t->nstack - 1].label);
        t->nstack--;
    }
}

/* Push a label on the hierarchy at depth d, after the deeper or equal ones
 * went. */
static int push_level(struct convp_book *b, struct table *t, double d, const char *label, size_t n)
{
    pop_levels(b, t, d);
    if (convp_array_grow(b->ctx, (void **)&t->stack, t->nstack, &t->capstack, sizeof *t->stack))
        return convp_book_nomem(b);
    char *l = convp_strndup(b->ctx, label, n);
    if (!l)
        return convp_book_nomem(b);
    t->stack[t->nstack].depth = d;
    t->stack[t->nstack].label = l;
    t->stack[t->nstack].sig = 0;
    t->stack[t->nstack].leaf = 0;
    const char *u;
    size_t ul;
    t->stack[t->nstack].unit[0] = '\0';
    if (trailing_unit(label, n, &u, &ul) && ul < sizeof t->stack[t->nstack].unit) {
        memcpy(t->stack[t->nstack].unit, u, ul);
        t->stack[t->nstack].unit[ul] = '\0';
    }
    t->nstack++;
    return CONV_OK;
}

/* "Trong đó:" (of which) at the start of text: 1, with the bytes up to the
 * text after it in *skip. */
static int of_which(const char *s, size_t n, size_t *skip)
{
    static const char *const words[] = {"Trong đó",    "trong đó", "TRONG ĐÓ", "Trong số đó",
                                        "trong số đó", "Of which", "of which", NULL};
    for (int i = 0; words[i]; i++) {
        size_t k = strlen(words[i]);
        if (n >= k && !memcmp(s, words[i], k) && (n == k || s[k] == ':' || s[k] == ' ')) {
            while (k < n && (s[k] == ':' || is_space((unsigned char)s[k])))
                k++;
            if (skip)
                *skip = k;
            return 1;
        }
    }
    return 0;
}

/* A total that heads the rows after it: the root of their paths. */
static int total_label(const char *s, size_t n)
{
    static const char *const words[] = {
        "TỔNG SỐ",    "Tổng số",    "TỔNG CỘNG",     "Tổng cộng",
        "CẢ NƯỚC",    "Cả nước",    "TOÀN QUỐC",     "Toàn quốc",
        "TOÀN NGÀNH", "Toàn ngành", "WHOLE COUNTRY", "Whole country",
        "TOTAL",      "Total",      "TỔNG",          "Tổng",
        NULL};
    while (n && is_space((unsigned char)*s))
        s++, n--;
    while (n && (is_space((unsigned char)s[n - 1]) || s[n - 1] == ':'))
        n--;
    for (int i = 0; words[i]; i++) {
        size_t k = strlen(words[i]);
        if (n == k && !memcmp(s, words[i], k))
            return 1;
        /* Toàn ngành công nghiệp */
        if (i >= 6 && i <= 9 && n > k && !memcmp(s, words[i], k) && s[k] == ' ')
            return 1;
    }
    return 0;
}

static void row_stub(const struct table *t, const struct convp_row *row, struct stub *st)
{
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        if (c->col >= t->first_value || c->col == t->unit_col || c->col == t->note_col)
            continue;
        char out[128];
        struct tcell tc = read_cell(c, out, sizeof out);
        if (tc.kind == K_EMPTY)
            continue;
        if (tc.kind != K_TEXT) {
            if (!st->code && tc.kind == K_NUMBER) {
                /* the cell's own text: a number in the stub is a code */
                size_t a = 0, e = c->len;
                while (a < e && is_space((unsigned char)c->text[a]))
                    a++;
                while (e > a && is_space((unsigned char)c->text[e - 1]))
                    e--;
                st->code = c->text + a;
                st->code_len = e - a;
                st->code_cell = c;
            }
            continue;
        }
        /* A cell holding only a code is the row's code; the label is the
         * rightmost other text. */
        if (code_like(tc.text, tc.len) && !st->code) {
            st->code = tc.text;
            st->code_len = tc.len;
            st->code_cell = c;
            continue;
        }
        if (st->label && of_which(st->label, st->label_len, NULL))
            st->ofwhich = 1; /* "Trong đó:" beside the label */
        st->label = tc.text;
        st->label_len = tc.len;
        st->label_cell = c;
    }
    size_t skip;
    if (st->label && of_which(st->label, st->label_len, &skip) && skip < st->label_len) {
        /* "Trong đó: Lương thực" in one cell */
        st->ofwhich = 2; /* in the label's own cell: the rows after are not its siblings */
        st->label += skip;
        st->label_len -= skip;
    }
    /* A stub of a number or code alone (age groups 0, 5; grades) is the
     * row's label. */
    if (!st->label && st->code) {
        st->label = st->code;
        st->label_len = st->code_len;
        st->label_cell = st->code_cell;
        st->code = NULL;
        st->code_len = 0;
    }
    if (st->label) {
        size_t keep;
        size_t m = footnote(st->label, st->label_len, &keep);
        const char *u;
        size_t ul;
        if (m) {
            st->mark = st->label + st->label_len - m;
            st->mark_len = m;
            st->label_len = keep;
        } else if (trailing_unit(st->label, st->label_len, &u, &ul)) {
            /* a mark before a unit in brackets: "Dân số trung bình(*) (Nghìn người)" */
            size_t open = (size_t)(u - st->label);
            while (open > 0 && st->label[open - 1] != '(')
                open--;
            if (open > 0) {
                open--; /* at the unit's bracket */
                m = footnote(st->label, open, &keep);
                size_t tail = st->label_len - open;
                if (m && keep + 1 + tail < sizeof st->own) {
                    size_t e = open;
                    while (e > 0 && is_space((unsigned char)st->label[e - 1]))
                        e--;
                    st->mark = st->label + e - m;
                    st->mark_len = m;
                    memcpy(st->own, st->label, keep);
                    st->own[keep] = ' ';
                    memcpy(st->own + keep + 1, st->label + open, tail);
                    st->label = st->own;
                    st->label_len = keep + 1 + tail;
                }
            }
        }
    }
}

/* A code among dimension stubs: one word of capitals, digits, dots,
 * underscores or dashes (ABW, NY.GDP.MKTP.KD.ZG, 00004). */
static int dim_code(const char *s, size_t n)
{
    if (code_like(s, n))
        return 1;
    if (n < 2 || n > 40)
        return 0;
    int sign = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
        sign |= c == '.' || c == '_' || (c >= '0' && c <= '9');
    }
    return sign || n <= 3;
}

/* The label and code of a row whose stub columns are dimensions: each
 * column's text joined, codes to code. */
static int dims_stub(const struct table *t, const struct convp_row *row, struct convp_buf *lb,
                     struct convp_buf *cb, struct convp_buf *tmp)
{
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        if (c->col >= t->first_value || c->col == t->unit_col || c->col == t->note_col)
            continue;
        char out[128];
        struct tcell tc = read_cell(c, out, sizeof out);
        if (tc.kind == K_EMPTY)
            continue;
        if (tc.kind == K_NUMBER)
            tc.text = c->text, tc.len = c->len;
        if (clean(tmp, tc.text, tc.len) != 0)
            return -1;
        struct convp_buf *to = dim_code(tmp->data, tmp->len) ? cb : lb;
        if (join(to, " / ", tmp->data, tmp->len) != 0)
            return -1;
    }
    return 0;
}

static double stub_depth(struct convp_book *b, const struct table *t, const struct stub *st)
{
    if (!st->label_cell)
        return st->code ? 1 : 1000;
    if (!st->code && total_label(st->label, st->label_len))
        return -50;
    if (st->ofwhich)
        return t->nstack ? t->stack[t->nstack - 1].depth + 0.25 : 1000;
    if (t->ofwhich_col && st->label_cell->col == t->ofwhich_col && !st->code &&
        !numbered(st->label, st->label_len) &&
        !convp_book_style(b, st->label_cell->style)->bold)
        return t->ofwhich_depth;
    return label_depth(b, t, st->label_cell, st->code, st->code_len);
}

/* A label that starts with its numbering or a bullet: A. B. I. 1. 1.1
 * a) - + */
static int numbered(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] == ' ')
        k++;
    if (k + 1 < n && (s[k] == '-' || s[k] == '+') && s[k + 1] == ' ')
        return 1;
    size_t a = k;
    while (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == '.' || strchr("IVXL", s[k])))
        k++;
    if (k == a && k < n && ((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= 'a' && s[k] <= 'z')))
        k++;
    return k > a && k < n && (s[k] == '.' || s[k] == ')' || (s[k - 1] == '.' && s[k] == ' '));
}

/* The numbering of the top of a stub a label starts with: 1 capital
 * letters (A. B.), 2 roman numerals (I. II.), 0 none. */
static int top_numbering(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && strchr("IVXL", s[k]))
        k++;
    if (k && k < n && (s[k] == '.' || s[k] == ')'))
        return 2;
    if (n > 2 && s[0] >= 'A' && s[0] <= 'Z' && (s[1] == '.' || s[1] == ')') && s[2] == ' ')
        return 1;
    return 0;
}

/* The unit of a value in column col of a body row. */
static const char *value_unit(struct convp_book *b, struct tstate *s, const struct convp_row *row,
                              uint32_t col, struct convp_buf *ub, const char *row_unit)
{
    struct table *t = &s->t;
    if (col < t->ncols + 1 && t->units && t->units[col])
        return t->units[col];
    if (t->unit_col) {
        const struct convp_cell *c = cell_at(row, t->unit_col);
        char out[128];
        struct tcell tc = read_cell(c, out, sizeof out);
        int ditto = tc.kind == K_TEXT && ((tc.len == 1 && tc.text[0] == '"') ||
                                          (tc.len == 3 && !memcmp(tc.text, "-\"-", 3)) ||
                                          (tc.len == 2 && !memcmp(tc.text, "''", 2)) ||
                                          (tc.len == 3 && !memcmp(tc.text, "\xE2\x80\x9C", 3)) ||
                                          (tc.len == 3 && !memcmp(tc.text, "\xE2\x80\x9D", 3)));
        if (tc.kind == K_TEXT && !ditto) {
            if (clean(ub, tc.text, tc.len) != 0)
                return convp_book_nomem(b), NULL;
            char *u = convp_strndup(b->ctx, ub->data, ub->len);
            if (!u)
                return convp_book_nomem(b), NULL;
            convp_free(b->ctx, t->last_unit);
            t->last_unit = u;
        }
        if (t->last_unit && (tc.kind == K_TEXT || ditto))
            return t->last_unit;
    }
    if (t->cur_unit)
        return t->cur_unit;
    if (t->unit && t->unit[0])
        return t->unit;
    /* a table without a unit of its own: the one its row's label names,
     * else the nearest label above it (a price per kg under a unit line
     * names the item's measure only) */
    if (row_unit)
        return row_unit;
    for (size_t i = t->nstack; i-- > 0;)
        if (t->stack[i].unit[0])
            return t->stack[i].unit;
    return "";
}

/* A value of a body row kept for the indicator mapping: its texts into
 * vbuf (offsets until the row is whole). */
static int ind_value(struct convp_book *b, struct tstate *s, size_t i, uint32_t col,
                     const struct tcell *v, const char *unit, const char *lmark, size_t lmark_len,
                     const char *ref)
{
    if (convp_array_grow(b->ctx, (void **)&s->vals, i + 1, &s->capvals, sizeof *s->vals) != 0)
        return convp_book_nomem(b);
    size_t *vo = convp_realloc(b->ctx, s->voff, s->capvals * 3 * sizeof *vo);
    if (!vo)
        return convp_book_nomem(b);
    s->voff = vo;
    struct ind_value *x = &s->vals[i];
    memset(x, 0, sizeof *x);
    x->col = col;
    x->missing = v->kind == K_MISSING;
    snprintf(x->ref, sizeof x->ref, "%s", ref);
    struct convp_buf *vb = &s->vbuf;
    vo[3 * i] = vb->len;
    x->len = x->missing ? 0 : v->len;
    if ((x->len && convp_buf_append(vb, v->text, v->len) != 0) || convp_buf_putc(vb, '\0') != 0)
        return convp_book_nomem(b);
    vo[3 * i + 1] = vb->len;
    if (convp_buf_append(vb, unit, strlen(unit)) != 0 || convp_buf_putc(vb, '\0') != 0)
        return convp_book_nomem(b);
    vo[3 * i + 2] = vb->len;
    size_t n0 = vb->len;
    struct convp_buf *nb = &s->tmp2;
    nb->len = 0;
    if ((v->kind == K_MISSING && join(nb, " ", v->text, v->len) != 0) ||
        (v->mark && join(nb, " ", v->mark, v->mark_len) != 0) ||
        (lmark && join(nb, " ", lmark, lmark_len) != 0))
        return convp_book_nomem(b);
    if ((nb->len && convp_buf_append(vb, nb->data, nb->len) != 0) || convp_buf_putc(vb, '\0') != 0)
        return convp_book_nomem(b);
    x->note_len = vb->len - 1 - n0;
    return CONV_OK;
}

static struct conv_record *ind_next(void *p)
{
    struct convp_book *b = p;
    return next_out(b, b->layout);
}

/* The indicator records of a body row's values. */
static int ind_put(struct convp_book *b, struct tstate *s, size_t n, const char *label,
                   size_t label_len, const struct stub *st, uint64_t line)
{
    struct table *t = &s->t;
    for (size_t i = 0; i < n; i++) {
        struct ind_value *x = &s->vals[i];
        x->text = s->vbuf.data + s->voff[3 * i];
        x->unit = s->vbuf.data + s->voff[3 * i + 1];
        x->note = s->vbuf.data + s->voff[3 * i + 2];
    }
    size_t np = t->nstack + 1;
    if (convp_array_grow(b->ctx, (void **)&s->lv, np, &s->caplv, sizeof *s->lv) != 0)
        return convp_book_nomem(b);
    size_t cap = s->caplv;
    size_t *lvn = convp_realloc(b->ctx, s->lvn, cap * sizeof *lvn);
    if (!lvn)
        return convp_book_nomem(b);
    s->lvn = lvn;
    unsigned char *lvs = convp_realloc(b->ctx, s->lvs, cap);
    if (!lvs)
        return convp_book_nomem(b);
    s->lvs = lvs;
    size_t k = 0;
    for (size_t i = 0; i < t->nstack; i++) {
        s->lvs[k] = t->stack[i].sig != 0;
        s->lv[k] = t->stack[i].label;
        s->lvn[k++] = strlen(t->stack[i].label);
    }
    if (label_len) {
        s->lvs[k] = 0;
        s->lv[k] = label;
        s->lvn[k++] = label_len;
    }
    struct ind_row r = {s->lv, s->lvn, s->lvs, k, st->code, st->code_len, line};
    return convp_ind_row(s->ind, &r, s->vals, n, ind_next, b);
}

/* The records of a body row, into the queue. */
static int body_row(struct convp_book *b, struct tstate *s, size_t si, const struct convp_row *row,
                    const char *prefix, size_t prefix_len)
{
    struct table *t = &s->t;
    struct stub st;
    row_stub(t, row, &st);
    /* The label: the row's own, after a label its first half held. */
    struct convp_buf *lb = &s->tmp;
    lb->len = 0;
    if (prefix_len && convp_buf_append(lb, prefix, prefix_len) != 0)
        return convp_book_nomem(b);
    struct convp_buf label, code;
    convp_buf_init(&label, b->ctx);
    convp_buf_init(&code, b->ctx);
    int rc = CONV_ERR;
    if (t->dims) {
        if (dims_stub(t, row, lb, &code, &s->tmp2) != 0) {
            convp_book_nomem(b);
            goto out;
        }
        if (code.len) {
            st.code = code.data;
            st.code_len = code.len;
        }
        st.mark = NULL, st.mark_len = 0;
    } else if (st.label && join(lb, " ", st.label, st.label_len) != 0) {
        convp_book_nomem(b);
        goto out;
    }
    if (clean(&label, lb->data ? lb->data : "", lb->len) != 0) {
        convp_book_nomem(b);
        goto out;
    }
    if (st.label_cell && !t->indented) {
        /* a stub that indents its levels: learnt from the rows as they come */
        const struct convp_cell *c = st.label_cell;
        t->indented = convp_book_style(b, c->style)->indent ||
                      (c->len > 2 && c->text[0] == ' ' && c->text[1] == ' ');
    }
    double depth = stub_depth(b, t, &st);
    /* "B. ..." after a section "A. ...": they are siblings */
    int kind = label.len ? top_numbering(label.data, label.len) : 0;
    for (size_t i = t->nstack; kind && i-- > 0;)
        if (t->stack[i].sig && top_numbering(t->stack[i].label, strlen(t->stack[i].label)) == kind) {
            depth = t->stack[i].depth;
            break;
        }
    if (st.ofwhich == 1 && st.label_cell) {
        t->ofwhich_col = st.label_cell->col;
        t->ofwhich_depth = depth;
    } else if (st.label_cell && st.label_cell->col != t->ofwhich_col) {
        t->ofwhich_col = 0;
    }
    /* Its siblings and their children leave the path; a bold label is no
     * child of a plain row of values (measures under a crop, then the
     * next crop in a deeper column). */
    if (label.len)
        pop_levels(b, t, depth);
    int bold = st.label_cell && convp_book_style(b, st.label_cell->style)->bold;
    while (bold && label.len && t->nstack && t->stack[t->nstack - 1].leaf) {
        convp_free(b->ctx, t->stack[t->nstack - 1].label);
        t->nstack--;
    }
    if (path_text(s, label.data, label.len) != 0) {
        convp_book_nomem(b);
        goto out;
    }
    /* The row becomes the parent of deeper rows after it. */
    char *path = convp_strndup(b->ctx, s->tmp2.data, s->tmp2.len);
    if (!path) {
        convp_book_nomem(b);
        goto out;
    }
    const char *sheet = convp_book_sheet_name(b, si);
    struct convp_buf ub;
    convp_buf_init(&ub, b->ctx);
    size_t nvals = 0;
    s->vbuf.len = 0;
    /* a unit in brackets at the end of the label: Diện tích (Nghìn ha) */
    char row_unit[64] = "";
    const char *ru;
    size_t rul;
    if (label.len && trailing_unit(label.data, label.len, &ru, &rul) && rul < sizeof row_unit) {
        memcpy(row_unit, ru, rul);
        row_unit[rul] = '\0';
    }
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        if (c->col < t->first_value || c->col == t->unit_col || c->col == t->note_col ||
            (c->col <= t->ncols && t->codecol[c->col]))
            continue;
        char out[128];
        struct tcell v = read_cell(c, out, sizeof out);
        if (v.kind != K_NUMBER && v.kind != K_MISSING)
            continue;
        const char *unit = value_unit(b, s, row, c->col, &ub, row_unit[0] ? row_unit : NULL);
        if (!unit)
            goto out2;
        char ref[24], cn[8];
        convp_col_name(c->col, cn);
        int rn = snprintf(ref, sizeof ref, "%s%u", cn, (unsigned)row->num);
        const char *clabel = c->col <= t->ncols && t->labels ? t->labels[c->col] : NULL;
        if (s->ind) {
            if (ind_value(b, s, nvals++, c->col, &v, unit, st.mark, st.mark_len, ref) != CONV_OK)
                goto out2;
            continue;
        }
        struct conv_record *rec = next_out(b, s);
        if (!rec)
            goto out2;
        uint64_t line = row->num;
        rec->line = line;
        /* The note: a missing mark, a footnote mark on the value or label. */
        struct convp_buf *nb = &s->tmp2;
        nb->len = 0;
        if (v.kind == K_MISSING && join(nb, " ", v.text, v.len) != 0)
            goto nomem;
        if (v.mark && join(nb, " ", v.mark, v.mark_len) != 0)
            goto nomem;
        if (st.mark && join(nb, " ", st.mark, st.mark_len) != 0)
            goto nomem;
        if (put(b, rec, TF_SHEET, CONV_STRING, sheet, strlen(sheet), line, 0) != CONV_OK ||
            put(b, rec, TF_CELL, CONV_STRING, ref, (size_t)rn, line, c->col) != CONV_OK ||
            put(b, rec, TF_TITLE, CONV_STRING, t->title, t->title ? strlen(t->title) : 0, line,
                c->col) != CONV_OK ||
            put(b, rec, TF_UNIT, CONV_STRING, unit, strlen(unit), line, c->col) != CONV_OK ||
            put(b, rec, TF_ROW_CODE, CONV_STRING, st.code, st.code_len, line, c->col) != CONV_OK ||
            put(b, rec, TF_ROW_LABEL, CONV_STRING, label.data, label.len, line, c->col) !=
                CONV_OK ||
            put(b, rec, TF_ROW_PATH, CONV_STRING, path, strlen(path), line, c->col) != CONV_OK ||
            put(b, rec, TF_COLUMN_LABEL, CONV_STRING, clabel, clabel ? strlen(clabel) : 0, line,
                c->col) != CONV_OK ||
            (v.kind == K_NUMBER
                 ? put(b, rec, TF_VALUE, v.type, v.text, v.len, line, c->col)
                 : put(b, rec, TF_VALUE, CONV_NULL, "", 0, line, c->col)) != CONV_OK ||
            put(b, rec, TF_NOTE, CONV_STRING, nb->data, nb->len, line, c->col) != CONV_OK)
            goto out2;
    }
    if (s->ind && nvals && ind_put(b, s, nvals, label.data, label.len, &st, row->num) != CONV_OK)
        goto out2;
    if (label.len && push_level(b, t, depth, label.data, label.len) != CONV_OK)
        goto out2;
    if (label.len) {
        t->stack[t->nstack - 1].leaf = !bold;
        t->last_depth = depth;
    }
    if (!t->body_first)
        t->body_first = row->num;
    t->body_last = row->num;
    rc = CONV_OK;
    goto out2;
nomem:
    convp_book_nomem(b);
out2:
    convp_buf_free(&ub);
    convp_free(b->ctx, path);
out:
    convp_buf_free(&label);
    convp_buf_free(&code);
    return rc;
}

/* A caption: a text row with text only among the value columns (a unit
 * line, or a line merged over them such as "Cơ cấu - %").  Its unit, if
 * it names one, into *u. */
static int caption(struct convp_book *b, size_t si, const struct table *t,
                   const struct convp_row *row, const char **u, size_t *ul, const char **text,
                   size_t *len)
{
    char out[128];
    int texts = 0;
    *u = NULL;
    *ul = 0;
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_cell *c = &row->cells[i];
        struct tcell tc = read_cell(c, out, sizeof out);
        if (tc.kind == K_EMPTY)
            continue;
        /* in the value columns, or merged from the stub over them */
        const struct convp_range *m = merge_at(b, si, row->num, c->col);
        int over = c->col >= t->first_value || (m && m->col2 >= t->first_value);
        if (tc.kind != K_TEXT || !over || c->col == t->note_col || ++texts > 1)
            return 0;
        *text = tc.text;
        *len = tc.len;
    }
    if (!texts)
        return 0;
    if (!unit_line(*text, *len, u, ul)) {
        /* "Cơ cấu - %", "Cơ cấu (%)": a unit at its end, out of the text */
        size_t n = *len;
        while (n && is_space((unsigned char)(*text)[n - 1]))
            n--;
        size_t cut = n;
        if (n >= 3 && !memcmp(*text + n - 3, "(%)", 3))
            *u = "%", *ul = 1, cut = n - 3;
        else if (n >= 1 && (*text)[n - 1] == '%')
            *u = "%", *ul = 1, cut = n - 1;
        while (cut && (is_space((unsigned char)(*text)[cut - 1]) || (*text)[cut - 1] == '-' ||
                       (*text)[cut - 1] == ':' || (*text)[cut - 1] == ','))
            cut--;
        if (*u && cut)
            *len = cut;
    }
    return 1;
}

/* The depth of a body row's label, or far down when it has none. */
static double row_depth(struct convp_book *b, const struct table *t, const struct convp_row *row)
{
    struct stub st;
    row_stub(t, row, &st);
    return stub_depth(b, t, &st);
}

/*
 * The text rows held before a body row: captions (the unit, and a new
 * part of the table: its text heads the rows after it) and sections, each
 * standing just above what follows it (a section no deeper than the next
 * row is made its parent).
 */
static int sections(struct convp_book *b, struct tstate *s, const struct convp_row *rows, size_t n,
                    const struct convp_row *body)
{
    struct table *t = &s->t;
    if (t->dims)
        n = 0; /* stub columns of dimensions: a row without values is no section */
    double next = body ? row_depth(b, t, body) : 1000;
    double *d = n ? convp_malloc(b->ctx, n * sizeof *d) : NULL;
    if (n && !d)
        return convp_book_nomem(b);
    for (size_t i = n; i-- > 0;) {
        const char *u, *text;
        size_t ul, len;
        struct stub st;
        row_stub(t, &rows[i], &st);
        d[i] = -1;
        if (caption(b, s->si, t, &rows[i], &u, &ul, &text, &len) || !st.label_cell)
            continue;
        double own = stub_depth(b, t, &st);
        d[i] = own < next - 0.5 ? own : next - 0.5;
        /* right under a row whose children follow it: the section is one
         * of them (Dân số, then Phân theo giới tính over its indented Nam) */
        if (i == 0 && t->body_last && rows[0].num == t->body_last + 1 && own >= t->last_depth &&
            t->last_depth + 0.25 < next && d[i] < t->last_depth + 0.25)
            d[i] = t->last_depth + 0.25;
        next = d[i];
    }
    int rc = CONV_OK;
    for (size_t i = 0; i < n && rc == CONV_OK; i++) {
        const char *u, *text;
        size_t ul, len;
        if (caption(b, s->si, t, &rows[i], &u, &ul, &text, &len)) {
            if (u) {
                convp_free(b->ctx, t->cur_unit);
                if (!(t->cur_unit = dup_clean(b, &s->tmp, u, ul)))
                    rc = CONV_ERR;
            }
            /* a line over the columns that is more than a unit heads a part */
            const char *lu;
            size_t lul;
            if (rc == CONV_OK && !unit_line(text, len, &lu, &lul)) {
                pop_levels(b, t, -1e9);
                if (clean(&s->tmp, text, len) != 0)
                    rc = convp_book_nomem(b);
                else
                    rc = push_level(b, t, -100, s->tmp.data, s->tmp.len);
            }
            continue;
        }
        if (d[i] == -1)
            continue;
        struct stub st;
        row_stub(t, &rows[i], &st);
        /* A section like one above it (Phân theo ngành, then Phân theo
         * loại hình) takes its place. */
        const struct convp_style *sy = convp_book_style(b, st.label_cell->style);
        /* its look: column, bold, indent and the kind of its numbering */
        unsigned nk = (unsigned)top_numbering(st.label, st.label_len);
        if (!nk && numbered(st.label, st.label_len))
            nk = 3;
        unsigned sig = 1u + nk + 4u * (sy->indent + 256u * (sy->bold + 2u * st.label_cell->col));
        for (size_t k = t->nstack; k-- > 0;)
            if (t->stack[k].sig == sig) {
                d[i] = t->stack[k].depth;
                break;
            }
        pop_levels(b, t, d[i]);
        while (sy->bold && t->nstack && t->stack[t->nstack - 1].leaf) {
            convp_free(b->ctx, t->stack[t->nstack - 1].label);
            t->nstack--; /* a bold heading is no child of a plain row of values */
        }
        if (clean(&s->tmp, st.label, st.label_len) != 0)
            rc = convp_book_nomem(b);
        else if ((rc = push_level(b, t, d[i], s->tmp.data, s->tmp.len)) == CONV_OK)
            t->stack[t->nstack - 1].sig = sig;
    }
    convp_free(b->ctx, d);
    return rc;
}

/* ---- the sheet, row by row ----------------------------------------------------------------------
 */

static int hold(struct convp_book *b, struct tstate *s, const struct convp_row *row)
{
    if (s->nheld == s->capheld) {
        size_t nc = s->capheld ? s->capheld * 2 : 16;
        struct convp_row *q = convp_realloc(b->ctx, s->held, nc * sizeof *q);
        if (!q)
            return convp_book_nomem(b);
        memset(q + s->capheld, 0, (nc - s->capheld) * sizeof *q);
        for (size_t i = s->capheld; i < nc; i++)
            convp_buf_init(&q[i].text, b->ctx);
        s->held = q;
        s->capheld = nc;
    }
    return convp_row_copy(b, &s->held[s->nheld++], row);
}

/* The reader's info about the table just ended. */
static int table_info(struct convp_book *b, struct tstate *s, size_t si)
{
    struct table *t = &s->t;
    if (!t->have || !t->body_first)
        return CONV_OK;
    char a[8], z[8];
    uint32_t lo = s->win_lo ? s->win_lo : 1;
    convp_col_name(t->first_value > lo ? lo : t->first_value, a);
    convp_col_name(t->first_value > 1 ? t->first_value - 1 : t->first_value, z);
    char v1[8], v2[8];
    convp_col_name(t->first_value, v1);
    convp_col_name(t->ncols >= t->first_value ? t->ncols : t->first_value, v2);
    char key[48];
    snprintf(key, sizeof key, "table.%zu", s->ninfo++);
    struct convp_buf *p = &s->tmp;
    p->len = 0;
    char line[400];
    int n = snprintf(line, sizeof line, "%s: ", convp_book_sheet_name(b, si));
    if (convp_buf_append(p, line, (size_t)n) != 0)
        return convp_book_nomem(b);
    if (t->title && t->title[0]) {
        size_t tl = strlen(t->title), cut = tl > 80 ? 80 : tl;
        while (cut < tl && cut > 0 && ((unsigned char)t->title[cut] & 0xC0) == 0x80)
            cut--; /* on a character's first byte */
        n = snprintf(line, sizeof line, "title '%.*s%s', ", (int)cut, t->title,
                     cut < tl ? "..." : "");
        if (convp_buf_append(p, line, (size_t)n) != 0)
            return convp_book_nomem(b);
    }
    if (t->unit && t->unit[0]) {
        n = snprintf(line, sizeof line, "unit '%.40s', ", t->unit);
        if (convp_buf_append(p, line, (size_t)n) != 0)
            return convp_book_nomem(b);
    }
    if (t->head_top)
        n = snprintf(line, sizeof line, "header rows %u-%u, ", (unsigned)t->head_top,
                     (unsigned)t->head_bottom);
    else
        n = snprintf(line, sizeof line, "no header, ");
    if (convp_buf_append(p, line, (size_t)n) != 0)
        return convp_book_nomem(b);
    if (t->first_value > lo)
        n = snprintf(line, sizeof line, "stub %s-%s, ", a, z);
    else
        n = snprintf(line, sizeof line, "no stub, ");
    if (convp_buf_append(p, line, (size_t)n) != 0)
        return convp_book_nomem(b);
    n = snprintf(line, sizeof line, "values %s-%s, body rows %u-%u", v1, v2,
                 (unsigned)t->body_first, (unsigned)t->body_last);
    if (convp_buf_append(p, line, (size_t)n) != 0 || !convp_buf_cstr(p))
        return convp_book_nomem(b);
    if (convp_reader_set_info(b->rd, key, p->data) != 0)
        return CONV_ERR;
    char count[24];
    snprintf(count, sizeof count, "%zu", s->ninfo);
    return convp_reader_set_info(b->rd, "tables", count) != 0 ? CONV_ERR : CONV_OK;
}

/* Forget the oldest held row (its buffers kept for reuse). */
static void drop_oldest(struct tstate *s)
{
    if (!s->nheld)
        return;
    struct convp_row first = s->held[0];
    memmove(s->held, s->held + 1, (s->nheld - 1) * sizeof *s->held);
    s->held[s->nheld - 1] = first;
    s->nheld--;
}

/* Whether the held text rows begin a new table: a row of texts among the
 * value columns that is not a caption, followed by no body row yet. */
static int starts_table(struct convp_book *b, struct tstate *s)
{
    if (s->g_head1)
        return 0; /* the header given: one table */
    for (size_t i = 0; i < s->nheld; i++) {
        const char *u, *text;
        size_t ul, len;
        if (caption(b, s->si, &s->t, &s->held[i], &u, &ul, &text, &len))
            continue;
        struct rowsum r = row_sum(&s->held[i], s->t.first_value);
        if (r.texts_right >= 1 && !r.values)
            return 1;
    }
    return 0;
}

/* Whether a row's label continues the one before (it starts in lower case). */
static int continues(const struct table *t, const struct convp_row *row)
{
    struct stub st;
    row_stub(t, row, &st);
    if (!st.label)
        return 0;
    unsigned char c = (unsigned char)st.label[0];
    return (c >= 'a' && c <= 'z') || (c == 0xC4 && (unsigned char)st.label[1] == 0x91) /* đ */ ||
           c == '(';
}

/* Settle held text rows when a body row comes: the last one's label may
 * be the first half of the body row's; the others are captions and
 * sections.  *prefix gets the half label (in s->tmp2's own buffer). */
static int settle_held(struct convp_book *b, struct tstate *s, const struct convp_row *body,
                       struct convp_buf *prefix)
{
    prefix->len = 0;
    size_t n = s->nheld;
    if (n && continues(&s->t, body)) {
        struct stub st;
        row_stub(&s->t, &s->held[n - 1], &st);
        if (st.label && !st.code) {
            if (convp_buf_append(prefix, st.label, st.label_len) != 0)
                return convp_book_nomem(b);
            n--;
        }
    }
    if (sections(b, s, s->held, n, body) != CONV_OK)
        return CONV_ERR;
    s->nheld = 0;
    return CONV_OK;
}

/* The first body row among the held head rows. */
static size_t first_body(const struct tstate *s)
{
    for (size_t i = 0; i < s->nheld; i++) {
        if (is_body_row(s, &s->held[i], 1, 1))
            return i;
    }
    return s->nheld;
}

/* The held rows from the table's first sections on: sections and body
 * rows, in order. */
static int give_held(struct convp_book *b, struct tstate *s, size_t si)
{
    size_t from = s->lead;
    for (size_t i = s->lead; i < s->nheld; i++) {
        if (!is_body_row(s, &s->held[i], s->t.first_value, 0))
            continue;
        if (sections(b, s, s->held + from, i - from, &s->held[i]) != CONV_OK ||
            body_row(b, s, si, &s->held[i], NULL, 0) != CONV_OK)
            return CONV_ERR;
        from = i + 1;
    }
    /* text rows after the last body row stay held for what follows */
    size_t keep = s->nheld - from;
    for (size_t i = 0; i < keep; i++) {
        struct convp_row tmp = s->held[i];
        s->held[i] = s->held[from + i];
        s->held[from + i] = tmp;
    }
    s->nheld = keep;
    return CONV_OK;
}

/* The next row of the sheet into the table's state: records queued, or
 * held.  1 row taken, 0 at the sheet's end, -1. */
/* Leave out what the sheet hides: a hidden row whole, the cells of hidden
 * columns; the numbers left out are counted.  1 when the row stays. */
static int visible(struct convp_book *b, struct tstate *s, size_t si, struct convp_row *row)
{
    char out[128];
    size_t k = 0;
    for (size_t i = 0; i < row->n; i++) {
        struct convp_cell *c = &row->cells[i];
        if ((c->flags & CONVP_CELL_TEXT_INPUT) && c->col < 16384) {
            if (c->col >= s->ncodes) {
                size_t n = c->col + 64u;
                unsigned char *m = convp_realloc(b->ctx, s->codes, n);
                if (!m)
                    return convp_book_nomem(b), -1;
                memset(m + s->ncodes, 0, n - s->ncodes);
                s->codes = m;
                s->ncodes = n;
            }
            size_t d = 0;
            while (d < c->len && c->text[d] >= '0' && c->text[d] <= '9')
                d++;
            if (d == c->len && d > 1 && c->text[0] == '0')
                s->codes[c->col] = 1;
            if (s->codes[c->col])
                c->flags |= T_CELL_CODE;
        }
        if ((s->win_lo && c->col < s->win_lo) || (s->win_hi && c->col > s->win_hi))
            continue; /* another table printed beside this one */
        if (c->type == CONV_STRING && c->len && c->len < 40 && !(c->flags & T_CELL_CODE)) {
            /* numbers typed as text: the notation they show */
            size_t a = 0, e = c->len;
            while (a < e && is_space((unsigned char)c->text[a]))
                a++;
            while (e > a && is_space((unsigned char)c->text[e - 1]))
                e--;
            int cls = a < e && (c->text[a] == '-' || (c->text[a] >= '0' && c->text[a] <= '9'))
                          ? convp_loc_classify(c->text + a, e - a)
                          : CONVP_LOC_NONE;
            if (cls == CONVP_LOC_C && !s->notation)
                s->notation = 1;
            else if (cls == CONVP_LOC_VI && !s->notation)
                s->notation = 2;
            else if (cls == CONVP_LOC_AMBIG) {
                if (s->notation)
                    c->flags |= s->notation == 1 ? T_CELL_C : T_CELL_VI;
                else
                    s->ambiguous++;
            }
        }
        if (row->hidden || convp_book_col_hidden(b, si, c->col)) {
            struct tcell tc = read_cell(c, out, sizeof out);
            s->skipped_hidden += tc.kind == K_NUMBER;
            continue;
        }
        row->cells[k++] = *c;
    }
    row->n = k;
    return !row->hidden;
}

/*
 * Tables printed side by side: in most sampled body rows, a label right of
 * the values with values right of it again.  The column of that label, or
 * 0.
 */
static uint32_t side_by_side(const struct tstate *s, size_t body_at, uint32_t first_value)
{
    uint32_t cols[8] = {0};
    size_t counts[8] = {0}, rows = 0;
    for (size_t i = body_at; i < s->nheld; i++) {
        const struct convp_row *row = &s->held[i];
        if (!is_body_row(s, row, first_value, 0))
            continue;
        rows++;
        uint32_t at = 0;
        int value_after = 0;
        char out[128];
        for (size_t k = 0; k < row->n; k++) {
            const struct convp_cell *c = &row->cells[k];
            struct tcell tc = read_cell(c, out, sizeof out);
            if (!at && tc.kind == K_TEXT && c->col > first_value) {
                size_t d = 0;
                while (d < tc.len && tc.text[d] >= '0' && tc.text[d] <= '9')
                    d++;
                if (d < tc.len && tc.len > 1)
                    at = c->col;
            } else if (at && tc.kind == K_NUMBER) {
                value_after = 1;
            }
        }
        if (!at || !value_after)
            continue;
        for (int j = 0; j < 8; j++)
            if (!cols[j] || cols[j] == at) {
                cols[j] = at;
                counts[j]++;
                break;
            }
    }
    for (int j = 0; j < 8; j++) {
        if (!cols[j] || counts[j] < 2 || counts[j] * 5 < rows * 3)
            continue;
        /* and a heading of its own over that stub (Mặt hàng) */
        for (size_t i = 0; i < body_at; i++) {
            const struct convp_cell *c = cell_at(&s->held[i], cols[j]);
            if (c && c->type == CONV_STRING && c->len)
                return cols[j];
        }
    }
    return 0;
}

/* Read the sheet again from its start, for the columns lo..hi. */
static int restart_sheet(struct convp_book *b, struct tstate *s, size_t si, uint32_t lo,
                         uint32_t hi)
{
    if (convp_book_start(b, si) != CONV_OK)
        return -1;
    table_free(b, &s->t);
    s->nheld = s->body_seen = s->tables = 0;
    s->win_lo = lo;
    s->win_hi = hi;
    s->phase = 1;
    return 1;
}

static int step(struct convp_book *b, struct tstate *s, size_t si)
{
    const struct convp_row *crow;
    int rc = convp_book_row(b, &crow);
    if (rc < 0)
        return -1;
    struct convp_row *row = (struct convp_row *)crow; /* the layer's own row */
    if (rc > 0) {
        int v = visible(b, s, si, row);
        if (v <= 0)
            return v < 0 ? -1 : 1; /* a hidden row: left out */
    }
    if (rc == 0) {
        /* Rows held at the end: notes under the last table, or a table head
         * without a body. */
        if (s->phase == 1 && s->body_seen) {
            size_t body_at = first_body(s);
            if (analyse_head(b, s, si, body_at) != CONV_OK)
                return -1;
            if (give_held(b, s, si) != CONV_OK)
                return -1;
            s->tables++;
        }
        if (table_info(b, s, si) != CONV_OK)
            return -1;
        s->nheld = 0;
        if (s->next_lo) {
            /* the table printed beside: the sheet again, for its columns */
            uint32_t lo = s->next_lo, hi = s->next_hi;
            s->next_lo = s->next_hi = 0;
            return restart_sheet(b, s, si, lo, hi);
        }
        return 0;
    }
    if (s->phase == 1) {
        /* The head: rows up to the first body rows. */
        int body = is_body_row(s, row, 1, !s->body_seen);
        if (!body && s->body_seen) {
            /* the sample ends at a text row */
        } else if (body || s->nheld < T_MAX_HEAD) {
            if (hold(b, s, row) != CONV_OK)
                return -1;
            if (body)
                s->body_seen++;
            if (s->body_seen < T_SAMPLE)
                return 1;
        } else {
            return 1; /* a long text sheet: still looking */
        }
        /* Enough of the body: describe the table, give the held body rows. */
        size_t body_at = first_body(s);
        if (analyse_head(b, s, si, body_at) != CONV_OK)
            return -1;
        if (!s->split_looked && !b->ops->one_pass && !s->g_head1) {
            /* the sheet's first table: another printed beside it? */
            s->split_looked = 1;
            uint32_t at = side_by_side(s, body_at, s->t.first_value);
            if (at) {
                s->next_lo = at;
                s->next_hi = s->win_hi;
                return restart_sheet(b, s, si, s->win_lo, at - 1);
            }
        }
        s->tables++;
        if (give_held(b, s, si) != CONV_OK)
            return -1;
        s->body_seen = 0;
        s->phase = 2;
        if (!body) {
            /* the text row that ended the sample is held as the body's */
            if (hold(b, s, row) != CONV_OK)
                return -1;
        }
        return 1;
    }
    /* The body. */
    struct rowsum r = row_sum(row, s->t.first_value);
    if (!is_body_row(s, row, s->t.first_value, 0)) {
        if (r.texts || r.values) {
            if (s->nheld >= T_MAX_PENDING)
                drop_oldest(s); /* a long run of text: the oldest are notes */
            if (hold(b, s, row) != CONV_OK)
                return -1;
        }
        return 1;
    }
    if (s->nheld && starts_table(b, s)) {
        /* The held rows head a new table (or a part under a repeated header). */
        if (table_info(b, s, si) != CONV_OK)
            return -1;
        /* The held rows are its head, this row its first body row. */
        s->phase = 1;
        if (hold(b, s, row) != CONV_OK)
            return -1;
        s->body_seen = 1;
        return 1;
    }
    struct convp_buf prefix;
    convp_buf_init(&prefix, b->ctx);
    int ok = settle_held(b, s, row, &prefix) == CONV_OK &&
             body_row(b, s, si, row, prefix.data, prefix.len) == CONV_OK;
    convp_buf_free(&prefix);
    return ok ? 1 : -1;
}

/* ---- the layout -------------------------------------------------------------------------------
 */

/* ---- parts given by options ---------------------------------------------------------------- */

/* A column name (A, BC) into its number, or 0. */
static uint32_t col_number(const char *s, size_t n)
{
    uint32_t v = 0;
    if (!n || n > 3)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c < 'A' || c > 'Z')
            return 0;
        v = v * 26 + (uint32_t)(c - 'A' + 1);
    }
    return v <= 16384 ? v : 0;
}

static uint32_t row_number(const char *s, size_t n)
{
    uint32_t v = 0;
    if (!n || n > 7)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    return v;
}

/* One range, "4-7" or "4" (cols: "A-B", "A"): 0, or -1. */
static int parse_range(const char *s, size_t n, int cols, uint32_t *a, uint32_t *z)
{
    const char *dash = memchr(s, '-', n);
    size_t n1 = dash ? (size_t)(dash - s) : n;
    uint32_t (*num)(const char *, size_t) = cols ? col_number : row_number;
    *a = num(s, n1);
    *z = dash ? num(dash + 1, n - n1 - 1) : *a;
    return *a && *z && *a <= *z ? 0 : -1;
}

/*
 * The value of a part option for a sheet: "4-7" for every sheet, or
 * "SHEET!4-7;SHEET!5-6" sheet by sheet (a spec without a sheet applies to
 * the others).  Into *a, *z (text: into *text); 1 given, 0 not, -1 bad.
 */
static int part_for(const char *opt, const char *sheet, int cols, uint32_t *a, uint32_t *z,
                    const char **text, size_t *tlen)
{
    int found = 0;
    const char *p = opt;
    while (*p) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *bang = NULL;
        for (size_t i = n; i-- > 0;)
            if (p[i] == '!') {
                bang = p + i;
                break;
            }
        const char *v = bang ? bang + 1 : p;
        size_t vn = bang ? n - (size_t)(bang + 1 - p) : n;
        int mine = !bang || (sheet && strlen(sheet) == (size_t)(bang - p) &&
                             !memcmp(sheet, p, (size_t)(bang - p)));
        uint32_t x = 0, y = 0;
        if (!text && parse_range(v, vn, cols, &x, &y) != 0)
            return -1;
        if (mine && (bang || !found)) {
            if (text) {
                *text = v;
                *tlen = vn;
            } else {
                *a = x;
                *z = y;
            }
            found = bang ? 2 : 1;
        }
        p = e ? e + 1 : p + n;
    }
    return found ? 1 : 0;
}

/* The parts given for sheet si. */
static int given_parts(struct convp_book *b, struct tstate *s, size_t si)
{
    static const struct {
        const char *name;
        int cols;
    } opts[] = {{"header-rows", 0}, {"stub-cols", 1}, {"body-rows", 0}};
    uint32_t *dst[3][2] = {
        {&s->g_head1, &s->g_head2}, {&s->g_stub1, &s->g_stub2}, {&s->g_body1, &s->g_body2}};
    const char *sheet = si == SIZE_MAX ? NULL : convp_book_sheet_name(b, si);
    for (int i = 0; i < 3; i++) {
        *dst[i][0] = *dst[i][1] = 0;
        const char *v = convp_opt_str(b->rd->opts, opts[i].name, NULL);
        if (v && part_for(v, sheet, opts[i].cols, dst[i][0], dst[i][1], NULL, NULL) < 0) {
            convp_error_set(&b->rd->err, CONV_E_USAGE, NULL, 0, 0,
                            "option %s: expected %s, or SHEET!%s;SHEET!%s sheet by sheet, got "
                            "'%.60s'",
                            opts[i].name, opts[i].cols ? "A-B" : "4-7",
                            opts[i].cols ? "A-B" : "4-7", opts[i].cols ? "A" : "5", v);
            return CONV_ERR;
        }
    }
    s->g_unit = NULL;
    const char *u = convp_opt_str(b->rd->opts, "unit", NULL);
    const char *ut;
    size_t ul;
    if (u && part_for(u, sheet, 0, NULL, NULL, &ut, &ul) == 1) {
        snprintf(s->g_unit_buf, sizeof s->g_unit_buf, "%.*s", (int)ul, ut);
        s->g_unit = s->g_unit_buf;
    }
    return CONV_OK;
}

int convp_table_open(struct convp_book *b)
{
    struct tstate *s = convp_calloc(b->ctx, 1, sizeof *s);
    if (!s)
        return convp_book_nomem(b);
    b->layout = s;
    convp_buf_init(&s->tmp, b->ctx);
    convp_buf_init(&s->tmp2, b->ctx);
    convp_buf_init(&s->vbuf, b->ctx);
    convp_buf_init(&s->flagbuf, b->ctx);
    if (given_parts(b, s, SIZE_MAX) != CONV_OK)
        return CONV_ERR;
    /* the count first, so that the tables' facts follow it */
    if (convp_reader_set_info(b->rd, "tables", "0") != 0)
        return CONV_ERR;
    const char *profile = convp_opt_str(b->rd->opts, "profile", NULL);
    if (profile && !strcmp(profile, "indicators")) {
        /* the reader checks the records against the profile it declared */
        return (s->ind = convp_ind_new(b)) ? CONV_OK : CONV_ERR;
    }
    return convp_layout_fields(b, table_fields, table_types, TF_COUNT);
}

/* A warning that does not stop the reading, through the options'
 * diagnostic callback. */
void convp_table_warn(struct convp_book *b, const char *fmt, ...)
{
    struct conv_error e;
    conv_error_clear(&e);
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&e, CONV_E_STRUCTURE, b->rd->source, 0, 0, fmt, ap);
    va_end(ap);
    convp_diag(b->rd->opts, &e);
}

int convp_table_next(struct convp_book *b, struct conv_record *rec)
{
    struct tstate *s = b->layout;
    for (;;) {
        if (s->outpos < s->nout) {
            struct conv_record *q = &s->out[s->outpos++];
            convp_record_clear(rec);
            if (convp_record_copy(rec, q) != 0)
                return convp_book_nomem(b);
            rec->line = q->line;
            return CONV_OK;
        }
        s->nout = s->outpos = 0;
        if (s->cur >= b->norder)
            return CONV_EOF;
        size_t si = b->order[s->cur];
        s->si = si;
        if (s->phase == 0) {
            /* The merged ranges first: they come after the cells. */
            if (convp_book_skim(b, si) != CONV_OK || convp_book_start(b, si) != CONV_OK)
                return CONV_ERR;
            s->cover_gen++;
            size_t nm;
            convp_book_merges(b, si, &nm);
            if (nm > T_MAX_MERGES)
                convp_table_warn(b,
                                 "sheet '%.100s': %zu merged ranges; the first %d are read for "
                                 "its tables",
                                 convp_book_sheet_name(b, si), nm, T_MAX_MERGES);
            table_free(b, &s->t);
            if (s->ind && convp_ind_sheet(s->ind, convp_book_sheet_name(b, si)) != CONV_OK)
                return CONV_ERR;
            if (given_parts(b, s, si) != CONV_OK)
                return CONV_ERR;
            s->phase = 1;
            s->nheld = s->body_seen = s->tables = 0;
            s->records = 0;
            s->ambiguous = 0;
            {
                const char *loc = convp_opt_str(b->rd->opts, "locale", "auto");
                s->notation = !strcmp(loc, "c") ? 1 : !strcmp(loc, "vi") ? 2 : 0;
            }
            s->win_lo = s->win_hi = s->next_lo = s->next_hi = 0;
            s->split_looked = 0;
            if (s->codes)
                memset(s->codes, 0, s->ncodes);
            s->skipped_hidden = 0;
        }
        int rc = step(b, s, si);
        if (rc < 0)
            return CONV_ERR;
        if (rc == 0) {
            const char *name = convp_book_sheet_name(b, si);
            if (!s->records) {
                convp_table_warn(
                    b,
                    "sheet '%.100s' holds no table (no row of numbers under a header): "
                    "skipped",
                    name);
                char key[48], what[160];
                snprintf(key, sizeof key, "table.%zu", s->ninfo++);
                snprintf(what, sizeof what,
                         "%s: no table (no row of numbers under a header), "
                         "skipped",
                         name);
                snprintf(s->info_key, sizeof s->info_key, "%zu", s->ninfo);
                if (convp_reader_set_info(b->rd, key, what) != 0 ||
                    convp_reader_set_info(b->rd, "tables", s->info_key) != 0)
                    return CONV_ERR;
            }
            if (s->ambiguous)
                convp_table_warn(b,
                                 "sheet '%.100s': %llu number%s such as 19.307 read as text: "
                                 "no other number tells its notation (--locale c or vi does)",
                                 name, (unsigned long long)s->ambiguous,
                                 s->ambiguous == 1 ? "" : "s");
            if (s->skipped_hidden)
                convp_table_warn(
                    b, "sheet '%.100s': %llu value%s in hidden rows or columns left out", name,
                    (unsigned long long)s->skipped_hidden, s->skipped_hidden == 1 ? "" : "s");
            s->phase = 0;
            s->cur++;
        }
    }
}

void convp_table_free(struct convp_book *b)
{
    struct tstate *s = b->layout;
    table_free(b, &s->t);
    for (size_t i = 0; i < s->capheld; i++)
        convp_row_free(b, &s->held[i]);
    convp_free(b->ctx, s->held);
    for (size_t i = 0; i < s->capout; i++)
        convp_record_fini(&s->out[i]);
    convp_free(b->ctx, s->out);
    convp_buf_free(&s->tmp);
    convp_buf_free(&s->tmp2);
    convp_free(b->ctx, s->codes);
    convp_ind_free(s->ind);
    convp_free(b->ctx, s->vals);
    convp_free(b->ctx, s->voff);
    convp_buf_free(&s->vbuf);
    convp_buf_free(&s->flagbuf);
    convp_free(b->ctx, s->lv);
    convp_free(b->ctx, s->lvn);
    convp_free(b->ctx, s->lvs);
    for (int i = 0; i < T_COVERS; i++)
        convp_free(b->ctx, s->covers[i].cols);
    convp_free(b->ctx, s);
}
