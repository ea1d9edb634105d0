/*
 * The people and plain layouts of the XLSX writer (docs/formats.md,
 * "Excel"), streamed one row per record in order.  people, the default: a
 * title, a styled header of the fields' labels, fitted column widths, a
 * frozen header with a filter, print setup, and a hidden sheet that
 * describes the fields so a reader can map the labels back.  plain
 * (--plain): the names and the data only.  Both: --sheet-by, --summary-by,
 * continuation sheets past Excel's rows.  Numbers are number cells whose
 * format shows exactly the digits of their text; dates are real dates.
 */
#include "xlsx_book.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

#define SHEET_DEFAULT "Dữ liệu"        /* "Data" */
#define SHEET_META "_conv_fields"      /* hidden: the fields, for readers */
#define SHEET_SUMMARY "Tổng hợp"       /* "Summary": --summary-by counts */
#define MAX_SUMMARY 100000             /* distinct values counted for it */
#define MAX_SHEETS 1000                /* data sheets in one workbook */
#define SAMPLE_RECORDS 1000            /* records measured for the column widths */
#define SAMPLE_BYTES ((size_t)4 << 20) /* and at most this much of their text */
#define WIDTH_PAD 2                    /* characters around the content */
#define WIDTH_MIN 6
#define WIDTH_MAX 60     /* wider text wraps */
#define HEADER_FIT 12    /* a longer label wraps rather than widen its column */
#define LINE_HEIGHT 15.0 /* points, for the default font */
#define TITLE_HEIGHT 21.0
/* Characters of text on a line of one width unit (the width of '0'): in
 * Calibri, Excel's default font, text averages 0.8 of a digit, bold 0.85;
 * a little less, to be safe, for the rows that wrapped text makes taller. */
#define TEXT_PER_UNIT 1.2
#define BOLD_PER_UNIT 1.1
#define TITLE_ROW 0
#define HEADER_ROW 2 /* styled; --plain has it at row 0 */
/* A sheet whose XML may pass this needs ZIP64 in the container. */
#define ZIP64_AT ((uint64_t)3 << 30)

/* One worksheet being written. */
struct xp_sheet {
    lxw_worksheet *ws;
    uint32_t next_row;  /* the next row to write */
    uint64_t xml_bytes; /* an upper bound of its XML so far */
};

/* The sheets of one --sheet-by value (or of all records). */
struct xp_group {
    char *base;     /* sheet name before " (2)", " (3)"... */
    unsigned parts; /* sheets made so far */
    size_t sheet;   /* the one being filled, index into sheets */
};

struct xp {
    struct conv_context *ctx;
    struct convp_xlsx_book *book;
    int plain;            /* the plain layout */
    const char *sheet_by; /* field name, or NULL */
    long by_col;          /* its header column */
    uint32_t max_rows;    /* rows in one sheet: Excel's, or lower for tests */
    size_t max_sheets;
    char *title_cell; /* the title as cell text */
    /* formats: numbers by decimals and grouping, dates, each also aligned
     * to the top for rows that wrapped text makes taller; layout */
    lxw_format *num[CONVP_XLSX_MAX_DECIMALS + 1][2][2];
    lxw_format *date[2], *datetime[4][2];
    lxw_format *title_fmt, *header_fmt, *wrap, *top;
    /* columns */
    size_t ncol;
    char **head;            /* header cell text, escaped for the cell */
    unsigned char *grouped; /* integers grouped in this column */
    uint32_t *width;        /* widest content in the sample, in characters */
    uint32_t *head_width;   /* the label's width (bold) */
    uint32_t *head_word;    /* and its longest word's */
    uint32_t *col_width;    /* the columns' widths, once the sample is measured */
    unsigned head_lines;    /* lines the wrapped header takes */
    unsigned char *wraps;   /* per column of the row being written: its text wraps */
    /* the sample: the first records, held back until the widths are known
     * (libxlsxwriter has written a row once the next one starts) */
    int sampling;
    struct convp_buf held; /* the records, serialized */
    size_t held_n;
    struct conv_record replay;
    const struct conv_value **replay_row;
    /* sheets */
    struct xp_sheet *sheets;
    size_t nsheets, sheets_cap;
    struct xp_group *groups;
    size_t ngroups, groups_cap;
    struct conv_schema *keys; /* --sheet-by: the values seen */
    size_t *key_group;        /* key index -> group */
    size_t key_group_cap;
    long empty_group;          /* the group of records without a value, or -1 */
    struct conv_schema *taken; /* sheet names in use, case-folded */
    struct convp_buf tmp;      /* scratch: escaped text, names */
    /* --summary-by: the first sheet, filled at the end with the records
     * counted per value of the field, in the order the values appear */
    const char *summary_by;
    long sum_col;
    lxw_worksheet *sum_ws;
    struct conv_schema *sum_keys; /* the values seen (not "") */
    uint64_t *sum_counts;         /* per value */
    size_t sum_cap;
    uint64_t sum_empty;  /* records without a value */
    size_t sum_empty_at; /* where they come in the order: values seen before */
};

/* ---- sheet names -------------------------------------------------------------------- */

/* A letter's lower case for the scripts Vietnamese names use: ASCII, Latin-1,
 * Latin Extended-A and Additional, and Ơ, Ư.  Excel compares sheet names
 * without case. */
static uint32_t fold_case(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177) || (c >= 0x1E00 && c <= 0x1EFF))
        return c | 1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1u) ? c + 1 : c;
    if (c == 0x178)
        return 0xFF;
    if (c == 0x1A0 || c == 0x1AF)
        return c + 1;
    return c;
}

/* The case-folded name into b. */
static int fold_name(struct convp_buf *b, const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t n = strlen(name);
    b->len = 0;
    if (convp_buf_grow(b, n + 1) != 0)
        return -1;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        i += convp_xlsx_utf8_next(s + i, n - i, &c);
        b->len += convp_utf8_encode(fold_case(c), b->data + b->len);
    }
    return convp_buf_cstr(b) ? 0 : -1;
}

/* Whether a name (folded) cannot be used: taken, or reserved by Excel or us. */
static int name_taken(struct xp *x, const struct convp_buf *folded)
{
    return convp_schema_find_n(x->taken, folded->data, folded->len) >= 0 ||
           (folded->len == 7 && !memcmp(folded->data, "history", 7)) ||
           (folded->len == strlen(SHEET_META) && !memcmp(folded->data, SHEET_META, folded->len));
}

/* Cut s (a valid sheet name) to at most room characters. */
static size_t cut_chars(const char *s, size_t room)
{
    size_t i = 0, chars = 0;
    while (s[i] && chars < room) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    return i;
}

/*
 * A unique name for sheet part of a group with base name base into out
 * (CONVP_XLSX_SHEET_NAME_MAX characters at most): base, or "base (part)"; a name
 * taken gets the next free number.
 */
static int unique_name(struct xp *x, const char *base, unsigned part, struct convp_buf *out)
{
    struct convp_buf folded;
    convp_buf_init(&folded, x->taken->ctx);
    int rc = -1;
    for (unsigned k = part;; k++) {
        char suffix[24] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, " (%u)", k);
        size_t keep = cut_chars(base, CONVP_XLSX_SHEET_NAME_MAX - strlen(suffix));
        out->len = 0;
        if (convp_buf_append(out, base, keep) != 0 ||
            convp_buf_append(out, suffix, strlen(suffix)) != 0 || !convp_buf_cstr(out))
            break;
        /* A cut can leave an apostrophe at the end. */
        if (out->data[out->len - 1] == '\'')
            out->data[out->len - 1] = '_';
        if (fold_name(&folded, out->data) != 0)
            break;
        if (!name_taken(x, &folded)) {
            rc = convp_schema_add_name(x->taken, folded.data, folded.len) < 0 ? -1 : 0;
            break;
        }
    }
    convp_buf_free(&folded);
    return rc;
}

/* ---- numbers, dates ------------------------------------------------------------------ */

/* The two digits at s as a number. */
static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/*
 * A date or date-time as Excel's: 0, or -1 when it must stay text (before
 * 1900, a zone offset, a leap second, or more than 3 fraction digits).
 * *frac gets the fraction digits.
 */
static int plan_datetime(const char *s, size_t n, lxw_datetime *dt, int *frac)
{
    int y = two(s) * 100 + two(s + 2);
    if (y < 1900)
        return -1;
    memset(dt, 0, sizeof *dt);
    dt->year = y;
    dt->month = two(s + 5);
    dt->day = two(s + 8);
    *frac = 0;
    if (n == 10)
        return 0;
    dt->hour = two(s + 11);
    dt->min = two(s + 14);
    int sec = two(s + 17);
    if (sec > 59)
        return -1;
    size_t i = 19;
    double f = 0, scale = 0.1;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10) {
            if (++*frac > 3)
                return -1;
            f += (s[i] - '0') * scale;
        }
    }
    if (i < n)
        return -1; /* Z or an offset: Excel has no zones */
    dt->sec = sec + f;
    return 0;
}

/* ---- the integer grouping rule --------------------------------------------------------- */

/* The base letter of a Latin letter with Vietnamese diacritics, lower case;
 * 0 when c is not one. */
static char base_letter(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? (char)c : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : 0;
    if (c >= 0xC0 && c <= 0xFF && c != 0xD7 && c != 0xF7) {
        static const char latin1[] = "aaaaaaaceeeeiiiidnooooo_ouuuuyts"; /* 0xC0 .. 0xDF */
        return c == 0xFF ? 'y' : latin1[(c - 0xC0) & 0x1F];
    }
    switch (c) {
    case 0x102:
    case 0x103:
        return 'a';
    case 0x110:
    case 0x111:
        return 'd';
    case 0x128:
    case 0x129:
        return 'i';
    case 0x168:
    case 0x169:
        return 'u';
    case 0x1A0:
    case 0x1A1:
        return 'o';
    case 0x1AF:
    case 0x1B0:
        return 'u';
    default:
        break;
    }
    if (c >= 0x1EA0 && c <= 0x1EF9) {
        if (c <= 0x1EB7)
            return 'a';
        if (c <= 0x1EC7)
            return 'e';
        if (c <= 0x1ECB)
            return 'i';
        if (c <= 0x1EE3)
            return 'o';
        if (c <= 0x1EF1)
            return 'u';
        return 'y';
    }
    return 0;
}

/* The words that mark identifiers, years and periods. */
static int id_word(const char *w, size_t n)
{
    static const char *const words[] = {"id", "code", "ma", "year", "nam", "period", "ky"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && !memcmp(words[i], w, n))
            return 1;
    return 0;
}

/*
 * Whether text has an identifier word: anywhere (which = 0), as its first
 * word (1) or its last (2).  Words are runs of letters and digits, split
 * also where a lower-case letter meets an upper-case one (regionCode);
 * case and diacritics are ignored, combining marks are part of a letter.
 */
static int has_id_word(const char *text, int which)
{
    if (!text)
        return 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    char word[16];
    size_t wl = 0;
    int in_word = 0, overlong = 0, prev_lower = 0, last = 0;
    for (size_t i = 0; i <= n;) {
        uint32_t c = 0;
        size_t k = i < n ? convp_xlsx_utf8_next(s + i, n - i, &c) : 1;
        int combining = c >= 0x300 && c <= 0x36F;
        char b = i < n ? base_letter(c) : 0;
        int alnum = i < n && (b || (c >= '0' && c <= '9') || (c >= 0x80 && !combining));
        int upper = (c >= 'A' && c <= 'Z');
        if (combining && in_word) {
            i += k;
            continue;
        }
        int boundary = !alnum || (in_word && prev_lower && upper);
        if (boundary && in_word) {
            last = !overlong && id_word(word, wl);
            if (last && which != 2)
                return 1;
            if (which == 1)
                return 0;
            in_word = 0;
        }
        if (alnum) {
            if (!in_word) {
                in_word = 1;
                wl = 0;
                overlong = 0;
            }
            char ch = b ? b : (c >= '0' && c <= '9') ? (char)c : '#';
            if (wl < sizeof word)
                word[wl++] = ch;
            else
                overlong = 1;
            prev_lower = (b && !upper) || (c >= '0' && c <= '9');
        }
        i += k;
    }
    return which == 2 ? last : 0;
}

/*
 * Integers are grouped (13,090) unless the field looks like an identifier,
 * a year or a period: its name has one of the words id, code, ma (mã),
 * year, nam (năm), period, ky (kỳ), or its label starts with one, or its
 * English label ends with one.  Decimals are always grouped.
 */
static int ungrouped_field(const struct conv_field *f)
{
    return has_id_word(f->name, 0) || has_id_word(f->label, 1) || has_id_word(f->label_en, 2);
}

/* ---- formats ------------------------------------------------------------------------- */

static lxw_format *number_format(struct conv_writer *w, struct xp *x, int decimals, int grouped,
                                 int top)
{
    lxw_format **slot = &x->num[decimals][grouped][top];
    if (*slot)
        return *slot;
    char code[40];
    convp_xlsx_number_code(code, sizeof code, decimals, grouped);
    *slot = workbook_add_format(x->book->wb);
    if (!*slot)
        return convp_xlsx_nomem(w), NULL;
    format_set_num_format(*slot, code);
    if (top)
        format_set_align(*slot, LXW_ALIGN_VERTICAL_TOP);
    return *slot;
}

static lxw_format *datetime_format(struct conv_writer *w, struct xp *x, int has_time, int frac,
                                   int top)
{
    lxw_format **slot = has_time ? &x->datetime[frac][top] : &x->date[top];
    if (*slot)
        return *slot;
    static const char *const codes[] = {"yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd hh:mm:ss.0",
                                        "yyyy-mm-dd hh:mm:ss.00", "yyyy-mm-dd hh:mm:ss.000"};
    *slot = workbook_add_format(x->book->wb);
    if (!*slot)
        return convp_xlsx_nomem(w), NULL;
    format_set_num_format(*slot, has_time ? codes[frac] : "yyyy-mm-dd");
    if (top)
        format_set_align(*slot, LXW_ALIGN_VERTICAL_TOP);
    return *slot;
}

static int layout_formats(struct conv_writer *w, struct xp *x)
{
    x->title_fmt = workbook_add_format(x->book->wb);
    x->header_fmt = workbook_add_format(x->book->wb);
    x->wrap = workbook_add_format(x->book->wb);
    x->top = workbook_add_format(x->book->wb);
    if (!x->title_fmt || !x->header_fmt || !x->wrap || !x->top)
        return convp_xlsx_nomem(w);
    format_set_bold(x->title_fmt);
    format_set_font_size(x->title_fmt, 14);
    format_set_bold(x->header_fmt);
    format_set_text_wrap(x->header_fmt);
    format_set_align(x->header_fmt, LXW_ALIGN_CENTER);
    format_set_align(x->header_fmt, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(x->header_fmt, 0xDDEBF7);
    format_set_border(x->header_fmt, LXW_BORDER_THIN);
    format_set_text_wrap(x->wrap);
    format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(x->top, LXW_ALIGN_VERTICAL_TOP);
    return CONV_OK;
}

/* ---- options ----------------------------------------------------------------------------- */

static void xp_close(void *lay);

/* The sheets' options (--sheet-by, --summary-by) checked and kept. */
static void *xp_open(const struct convp_xlsx_layout *l, struct conv_writer *w,
                     struct convp_xlsx_book *book)
{
    struct xp *x = convp_calloc(w->ctx, 1, sizeof *x);
    if (!x) {
        convp_xlsx_nomem(w);
        return NULL;
    }
    x->ctx = w->ctx;
    x->book = book;
    x->plain = l == &convp_xlsx_layout_plain;
    x->empty_group = -1;
    x->by_col = -1;
    x->sum_col = -1;
    convp_buf_init(&x->tmp, w->ctx);
    convp_buf_init(&x->held, w->ctx);
    long max_rows;
    /* For tests only, and not in the option table: a lower row limit
     * makes the continuation sheets testable without a million rows. */
    if (convp_opt_long(w->opts, "xlsx-test-max-rows", CONVP_XLSX_MAX_ROWS, 4, CONVP_XLSX_MAX_ROWS,
                       &w->err, &max_rows) != CONV_OK)
        goto fail;
    x->max_rows = (uint32_t)max_rows;
    x->sheet_by = convp_opt_str(w->opts, "sheet-by", NULL);
    x->summary_by = convp_opt_str(w->opts, "summary-by", NULL);
    if ((x->summary_by && !*x->summary_by) || (x->sheet_by && !*x->sheet_by)) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0, "option %s: expected a field name",
                        x->summary_by && !*x->summary_by ? "summary-by" : "sheet-by");
        goto fail;
    }
    /* Each sheet holds a temporary file open while it is written. */
    x->max_sheets = MAX_SHEETS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < MAX_SHEETS + 64)
        x->max_sheets = rl.rlim_cur > 96 ? (size_t)rl.rlim_cur - 64 : 32;
    x->keys = conv_schema_new(w->ctx);
    x->taken = conv_schema_new(w->ctx);
    if (!x->keys || !x->taken) {
        convp_xlsx_nomem(w);
        goto fail;
    }
    return x;
fail:
    xp_close(x);
    return NULL;
}

/* ---- sheets ------------------------------------------------------------------------------ */

/* The rows before the data: title and header (styled), or the names; then
 * the columns and the page. */
static int sheet_top(struct conv_writer *w, struct xp *x, struct xp_sheet *sh)
{
    lxw_worksheet *ws = sh->ws;
    lxw_error e = LXW_NO_ERROR;
    lxw_row_t hr = x->plain ? 0 : HEADER_ROW;
    if (!x->plain && *x->title_cell) {
        e = x->ncol > 1
                ? worksheet_merge_range(ws, TITLE_ROW, 0, TITLE_ROW, (lxw_col_t)(x->ncol - 1),
                                        x->title_cell, x->title_fmt)
                : worksheet_write_string(ws, TITLE_ROW, 0, x->title_cell, x->title_fmt);
        if (!e)
            e = worksheet_set_row(ws, TITLE_ROW, TITLE_HEIGHT, NULL);
        if (e)
            return convp_xlsx_lxw_fail(w, e, "cannot write the title");
    }
    for (size_t c = 0; c < x->ncol && !e; c++)
        e = worksheet_write_string(ws, hr, (lxw_col_t)c, x->head[c],
                                   x->plain ? NULL : x->header_fmt);
    if (!e && !x->plain && x->head_lines > 1)
        e = worksheet_set_row(ws, hr, LINE_HEIGHT * x->head_lines, NULL);
    if (e)
        return convp_xlsx_lxw_fail(w, e, "cannot write the header");
    sh->next_row = hr + 1;
    if (x->plain)
        return CONV_OK;
    for (size_t c = 0; c < x->ncol && !e; c++)
        e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, x->col_width[c], NULL);
    if (e)
        return convp_xlsx_lxw_fail(w, e, "cannot set the column widths");
    worksheet_freeze_panes(ws, HEADER_ROW + 1, 0);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, CONVP_XLSX_PAPER_A4);
    worksheet_fit_to_pages(ws, 1, 0);
    if ((e = worksheet_repeat_rows(ws, HEADER_ROW, HEADER_ROW)) != LXW_NO_ERROR ||
        (e = worksheet_set_footer(ws, "&CTrang &P / &N")) != LXW_NO_ERROR)
        return convp_xlsx_lxw_fail(w, e, "cannot set up the page");
    return CONV_OK;
}

/* A new sheet for group g (its next part); returns its index or -1. */
static long new_sheet(struct conv_writer *w, struct xp *x, size_t g)
{
    struct xp_group *grp = &x->groups[g];
    if (x->nsheets >= x->max_sheets) {
        convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                        "more than %zu sheets%s", x->max_sheets,
                        x->sheet_by ? ": too many distinct values for --sheet-by" : "");
        return -1;
    }
    if (convp_xlsx_grow(w, (void **)&x->sheets, &x->sheets_cap, x->nsheets, sizeof *x->sheets))
        return -1;
    struct convp_buf name;
    convp_buf_init(&name, w->ctx);
    if (unique_name(x, grp->base, grp->parts + 1, &name) != 0) {
        convp_buf_free(&name);
        return convp_xlsx_nomem(w), -1;
    }
    struct xp_sheet *sh = &x->sheets[x->nsheets];
    memset(sh, 0, sizeof *sh);
    /* Checked first: libxlsxwriter prints its own complaint about a name. */
    lxw_error e = workbook_validate_sheet_name(x->book->wb, name.data);
    if (e == LXW_NO_ERROR) {
        errno = 0;
        sh->ws = workbook_add_worksheet(x->book->wb, name.data);
        if (!sh->ws)
            convp_error_set(&w->err, errno == ENOMEM ? CONV_E_NOMEM : CONV_E_IO,
                            convp_output_name(w->out), 0, 0,
                            "cannot add the sheet '%s' (or its temporary file in %s): %s",
                            name.data, x->book->tmpdir, errno ? strerror(errno) : "failed");
    } else {
        convp_xlsx_lxw_fail(w, e, "cannot name a sheet");
    }
    convp_buf_free(&name);
    if (!sh->ws)
        return -1;
    x->nsheets++;
    grp->parts++;
    grp->sheet = x->nsheets - 1;
    return sheet_top(w, x, sh) == CONV_OK ? (long)grp->sheet : -1;
}

/* A new group of sheets named after text; returns its index or -1. */
static long new_group(struct conv_writer *w, struct xp *x, const char *text, size_t n)
{
    /* keys never outnumber groups: room for one more of each */
    if (convp_xlsx_grow(w, (void **)&x->groups, &x->groups_cap, x->ngroups, sizeof *x->groups) ||
        convp_xlsx_grow(w, (void **)&x->key_group, &x->key_group_cap, x->ngroups,
                        sizeof *x->key_group))
        return -1;
    struct xp_group *grp = &x->groups[x->ngroups];
    memset(grp, 0, sizeof *grp);
    if (convp_xlsx_sheet_base(&x->tmp, text, n, CONVP_XLSX_SHEET_NAME_MAX) != 0 ||
        !(grp->base = convp_strndup(w->ctx, x->tmp.data, x->tmp.len)))
        return convp_xlsx_nomem(w), -1;
    x->ngroups++;
    return new_sheet(w, x, x->ngroups - 1) < 0 ? -1 : (long)x->ngroups - 1;
}

/* The group for a record: the only one, or that of its --sheet-by value
 * (null and "" share one), made when new; -1 on failure. */
static long group_of(struct conv_writer *w, struct xp *x, const struct conv_value *v)
{
    if (!x->sheet_by)
        return x->ngroups ? 0 : new_group(w, x, SHEET_DEFAULT, strlen(SHEET_DEFAULT));
    if (!v || v->type == CONV_NULL || v->len == 0) {
        if (x->empty_group < 0)
            x->empty_group = new_group(w, x, "", 0);
        return x->empty_group;
    }
    long k = convp_schema_find_n(x->keys, v->text, v->len);
    if (k >= 0)
        return (long)x->key_group[k];
    long g = new_group(w, x, v->text, v->len);
    if (g < 0)
        return -1;
    k = convp_schema_add_name(x->keys, v->text, v->len);
    if (k < 0)
        return convp_xlsx_nomem(w), -1;
    x->key_group[k] = (size_t)g; /* keys never outnumber groups */
    return g;
}

/* The sheet for the next record of group g: a new one past the row limit. */
static struct xp_sheet *sheet_for(struct conv_writer *w, struct xp *x, long g)
{
    if (g < 0)
        return NULL;
    struct xp_sheet *sh = &x->sheets[x->groups[g].sheet];
    if (sh->next_row < x->max_rows)
        return sh;
    long s = new_sheet(w, x, (size_t)g);
    return s < 0 ? NULL : &x->sheets[s];
}

/* ---- the summary sheet (--summary-by) ------------------------------------------------- */

/* The summary sheet comes first in the workbook, so it is added before any
 * data sheet; in constant_memory mode its rows can still be written at the
 * end, since each sheet streams its own rows in order. */
static int summary_open(struct conv_writer *w, struct xp *x, const struct conv_schema *h)
{
    x->sum_col = conv_schema_find(h, x->summary_by);
    if (x->sum_col < 0) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option summary-by: no field named '%.60s'", x->summary_by);
        return CONV_ERR;
    }
    x->sum_keys = conv_schema_new(w->ctx);
    if (!x->sum_keys)
        return convp_xlsx_nomem(w);
    struct convp_buf name;
    convp_buf_init(&name, w->ctx);
    if (unique_name(x, SHEET_SUMMARY, 1, &name) != 0) {
        convp_buf_free(&name);
        return convp_xlsx_nomem(w);
    }
    errno = 0;
    x->sum_ws = workbook_add_worksheet(x->book->wb, name.data);
    if (!x->sum_ws)
        convp_error_set(&w->err, errno == ENOMEM ? CONV_E_NOMEM : CONV_E_IO,
                        convp_output_name(w->out), 0, 0,
                        "cannot add the sheet '%s' (or its temporary file in %s): %s", name.data,
                        x->book->tmpdir, errno ? strerror(errno) : "failed");
    convp_buf_free(&name);
    return x->sum_ws ? CONV_OK : CONV_ERR;
}

/* Count a record under its value of the summary field. */
static int summary_count(struct conv_writer *w, struct xp *x, const struct conv_value *v)
{
    if (!v || v->type == CONV_NULL || v->len == 0) {
        if (!x->sum_empty++)
            x->sum_empty_at = x->sum_keys->n;
        return CONV_OK;
    }
    long k = convp_schema_find_n(x->sum_keys, v->text, v->len);
    if (k < 0) {
        if (x->sum_keys->n >= MAX_SUMMARY) {
            convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                            "option summary-by: more than %d distinct values of '%.60s' to "
                            "count",
                            MAX_SUMMARY, x->summary_by);
            return CONV_ERR;
        }
        if (convp_xlsx_grow(w, (void **)&x->sum_counts, &x->sum_cap, x->sum_keys->n,
                            sizeof *x->sum_counts))
            return CONV_ERR;
        k = convp_schema_add_name(x->sum_keys, v->text, v->len);
        if (k < 0)
            return convp_xlsx_nomem(w);
        x->sum_counts[k] = 0;
    }
    x->sum_counts[k]++;
    return CONV_OK;
}

/* One row of the summary: a value (text) and its count. */
static lxw_error summary_row(struct xp *x, lxw_row_t r, const char *text, uint64_t count,
                             lxw_format *fmt)
{
    const char *t = convp_xlsx_cell_text(&x->tmp, text, strlen(text));
    if (!t)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error e = *t ? worksheet_write_string(x->sum_ws, r, 0, t, fmt) : LXW_NO_ERROR;
    return e ? e : worksheet_write_number(x->sum_ws, r, 1, (double)count, fmt);
}

/* Fill the summary sheet: the field's name and "records", a row per value
 * in the order they appeared, and the total. */
static int summary_write(struct conv_writer *w, struct xp *x)
{
    if (!x->sum_ws)
        return CONV_OK;
    lxw_worksheet *ws = x->sum_ws;
    const struct conv_field *f = &w->header->fields[x->sum_col];
    const char *label = x->plain || !f->label || !*f->label ? f->name : f->label;
    lxw_format *hf = x->plain ? NULL : x->header_fmt;
    const char *t = convp_xlsx_cell_text(&x->tmp, label, strlen(label));
    if (!t)
        return convp_xlsx_nomem(w);
    lxw_error e = worksheet_write_string(ws, 0, 0, t, hf);
    if (!e)
        e = worksheet_write_string(ws, 0, 1, x->plain ? "records" : "Số bản ghi", hf);
    lxw_row_t r = 1;
    uint64_t total = 0;
    for (size_t k = 0; k <= x->sum_keys->n && !e; k++) {
        if (x->sum_empty && k == x->sum_empty_at) {
            e = summary_row(x, r++, CONVP_XLSX_SHEET_EMPTY, x->sum_empty, NULL);
            total += x->sum_empty;
        }
        if (k < x->sum_keys->n && !e) {
            e = summary_row(x, r++, x->sum_keys->fields[k].name, x->sum_counts[k], NULL);
            total += x->sum_counts[k];
        }
    }
    if (!e)
        e = summary_row(x, r, x->plain ? "total" : "Tổng cộng", total, hf);
    if (!e && !x->plain) {
        size_t wd = 10;
        for (size_t k = 0; k < x->sum_keys->n; k++) {
            const char *n = x->sum_keys->fields[k].name;
            size_t d = convp_xlsx_display_width(n, strlen(n));
            if (d > wd)
                wd = d;
        }
        e = worksheet_set_column(ws, 0, 0, (double)(wd > WIDTH_MAX ? WIDTH_MAX : wd) + WIDTH_PAD,
                                 NULL);
        if (!e)
            e = worksheet_set_column(ws, 1, 1, 14, NULL);
    }
    if (e == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return convp_xlsx_nomem(w);
    return e ? convp_xlsx_lxw_fail(w, e, "cannot write the summary sheet") : CONV_OK;
}

/* ---- the header ------------------------------------------------------------------------- */

/* The width of the longest word of text (words split at spaces and line ends). */
static size_t longest_word(const char *text)
{
    size_t best = 0;
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, " \n");
        size_t wd = convp_xlsx_display_width(p, n);
        if (wd > best)
            best = wd;
        p += n;
        if (*p)
            p++;
    }
    return best;
}

/* The header cells, the columns' grouping and label widths, the sheets'
 * field and the summary sheet; the formats; the sample begins. */
static int xp_begin(void *lay, struct conv_writer *w, const struct conv_schema *h)
{
    struct xp *x = lay;
    x->ncol = h->n;
    size_t nc = h->n ? h->n : 1;
    x->head = convp_calloc(w->ctx, nc, sizeof *x->head);
    x->grouped = convp_calloc(w->ctx, nc, 1);
    x->width = convp_calloc(w->ctx, nc, sizeof *x->width);
    x->head_width = convp_calloc(w->ctx, nc, sizeof *x->head_width);
    x->head_word = convp_calloc(w->ctx, nc, sizeof *x->head_word);
    x->col_width = convp_calloc(w->ctx, nc, sizeof *x->col_width);
    x->replay_row = convp_calloc(w->ctx, nc, sizeof *x->replay_row);
    x->wraps = convp_calloc(w->ctx, nc, 1);
    if (!x->head || !x->grouped || !x->width || !x->head_width || !x->head_word || !x->col_width ||
        !x->replay_row || !x->wraps)
        return convp_xlsx_nomem(w);
    for (size_t c = 0; c < h->n; c++) {
        const struct conv_field *f = &h->fields[c];
        const char *label = x->plain || !f->label || !*f->label ? f->name : f->label;
        size_t n = strlen(label);
        if (convp_utf8_count((const unsigned char *)label, n) > CONVP_XLSX_MAX_TEXT) {
            convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                            "the header of field %zu is over Excel's %u characters in a cell",
                            c + 1, CONVP_XLSX_MAX_TEXT);
            return CONV_ERR;
        }
        const char *t = convp_xlsx_cell_text(&x->tmp, label, n);
        if (!t || !(x->head[c] = convp_strdup(w->ctx, t)))
            return convp_xlsx_nomem(w);
        x->grouped[c] = !ungrouped_field(f);
        /* bold text is about a tenth wider */
        size_t hw = convp_xlsx_display_width(label, n), ww = longest_word(label);
        x->head_width[c] = (uint32_t)(hw + (hw + 9) / 10);
        x->head_word[c] = (uint32_t)(ww + (ww + 9) / 10);
    }
    if (x->sheet_by) {
        x->by_col = conv_schema_find(h, x->sheet_by);
        if (x->by_col < 0) {
            convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                            "option sheet-by: no field named '%.60s'", x->sheet_by);
            return CONV_ERR;
        }
    }
    if (x->summary_by && summary_open(w, x, h) != CONV_OK)
        return CONV_ERR;
    const char *title = x->book->title;
    const char *tt = convp_xlsx_cell_text(&x->tmp, title, strlen(title));
    if (!tt || !(x->title_cell = convp_strdup(w->ctx, tt)))
        return convp_xlsx_nomem(w);
    if (!x->plain && layout_formats(w, x) != CONV_OK)
        return CONV_ERR;
    convp_record_init(&x->replay, w->ctx, w->header);
    x->sampling = !x->plain; /* --plain has no widths to measure */
    return CONV_OK;
}

/* ---- rows ------------------------------------------------------------------------------- */

static int cell_fail(struct conv_writer *w, const struct conv_record *rec,
                     const struct conv_value *v, lxw_error e)
{
    const struct convp_slot *s = convp_xlsx_slot_of(v);
    if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
        convp_error_at_slot(&w->err, CONV_E_LIMIT, rec->source, rec, s,
                            "record %llu, field '%.60s': text over Excel's %u characters in a "
                            "cell (counting the escapes of any literal _xHHHH_)",
                            (unsigned long long)rec->index, rec->schema->fields[s->field].name,
                            CONVP_XLSX_MAX_TEXT);
    else
        convp_error_at_slot(&w->err, convp_xlsx_lxw_code(e), rec->source, rec, s,
                            "record %llu, field '%.60s': cannot write the cell: %s",
                            (unsigned long long)rec->index, rec->schema->fields[s->field].name,
                            lxw_strerror(e));
    return CONV_ERR;
}

/* Whether a value is text that does not fit its column (or has a line
 * break) and wraps; *lines gets the lines it takes, when more. */
static int text_wraps(const struct xp *x, size_t c, const struct conv_value *v, unsigned *lines)
{
    enum conv_type t = v->flags & CONV_VALUE_RAW ? CONV_STRING : v->type;
    if ((t != CONV_STRING && t != CONV_ANY) || v->len == 0)
        return 0;
    uint32_t fit = x->col_width[c] - WIDTH_PAD;
    if (!memchr(v->text, '\n', v->len) &&
        (v->len <= fit || convp_xlsx_display_width(v->text, v->len) <= fit))
        return 0;
    unsigned l =
        convp_xlsx_wrap_lines(v->text, v->len, (size_t)((x->col_width[c] - 1) * TEXT_PER_UNIT));
    if (l > *lines)
        *lines = l;
    return 1;
}

/* Write a text cell, escaped. */
static lxw_error put_text(struct conv_writer *w, struct xp *x, struct xp_sheet *sh, lxw_row_t r,
                          size_t c, const char *s, size_t n, lxw_format *fmt)
{
    const char *t = convp_xlsx_cell_text(&x->tmp, s, n);
    if (!t) {
        convp_xlsx_nomem(w);
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    }
    sh->xml_bytes += 7 * n; /* control characters become _xHHHH_ */
    return worksheet_write_string(sh->ws, r, (lxw_col_t)c, t, fmt);
}

/* Text over Excel's limit of characters in a cell. */
static int text_over_limit(struct conv_writer *w, const struct conv_record *rec,
                           const struct conv_value *v)
{
    if (v->len <= CONVP_XLSX_MAX_TEXT)
        return 0;
    size_t chars = convp_utf8_count((const unsigned char *)v->text, v->len);
    if (chars <= CONVP_XLSX_MAX_TEXT)
        return 0;
    const struct convp_slot *s = convp_xlsx_slot_of(v);
    convp_error_at_slot(&w->err, CONV_E_LIMIT, rec->source, rec, s,
                        "record %llu, field '%.60s': text of %zu characters is over Excel's "
                        "%u in a cell",
                        (unsigned long long)rec->index, rec->schema->fields[s->field].name, chars,
                        CONVP_XLSX_MAX_TEXT);
    return 1;
}

/* Write one value at row r, column c: wrapped when wraps is set, aligned to
 * the top when top is (a row with wrapped text). */
static int put_value(struct conv_writer *w, struct xp *x, struct xp_sheet *sh, lxw_row_t r,
                     size_t c, const struct conv_record *rec, const struct conv_value *v, int wraps,
                     int top)
{
    lxw_format *plain_fmt = top ? x->top : NULL;
    lxw_error e = LXW_NO_ERROR;
    enum conv_type t = v->flags & CONV_VALUE_RAW ? CONV_STRING : v->type;
    sh->xml_bytes += 48;
    switch (t) {
    case CONV_INTEGER:
    case CONV_DECIMAL: {
        struct convp_xlsx_number num;
        int grouped = t == CONV_DECIMAL || x->grouped[c];
        /* A decimal printed from a double is a number cell where our field
         * sheet lets the reader give its text back (not --plain). */
        if (convp_xlsx_plan_number(w->ctx, v->text, v->len, grouped, &num) != 0 &&
            (t != CONV_DECIMAL || x->plain || convp_xlsx_plan_float(v->text, v->len, &num) != 0))
            goto text;
        lxw_format *fmt =
            num.decimals < 0 ? plain_fmt : number_format(w, x, num.decimals, grouped, top);
        if (num.decimals >= 0 && !fmt)
            return CONV_ERR;
        e = worksheet_write_number(sh->ws, r, (lxw_col_t)c, num.value, fmt);
        break;
    }
    case CONV_BOOLEAN:
        e = worksheet_write_boolean(sh->ws, r, (lxw_col_t)c, v->text[0] == 't', plain_fmt);
        break;
    case CONV_DATE:
    case CONV_DATETIME: {
        lxw_datetime dt;
        int frac;
        if (plan_datetime(v->text, v->len, &dt, &frac) != 0)
            goto text;
        lxw_format *fmt = datetime_format(w, x, t == CONV_DATETIME, frac, top);
        if (!fmt)
            return CONV_ERR;
        e = worksheet_write_datetime(sh->ws, r, (lxw_col_t)c, &dt, fmt);
        break;
    }
    default:
    text:
        if (v->len == 0)
            return CONV_OK; /* libxlsxwriter writes no cell for "" */
        if (text_over_limit(w, rec, v))
            return CONV_ERR;
        e = put_text(w, x, sh, r, c, v->text, v->len, wraps ? x->wrap : plain_fmt);
        if (e == LXW_ERROR_MEMORY_MALLOC_FAILED && w->err.code != CONV_E_NONE)
            return CONV_ERR;
        break;
    }
    return e == LXW_NO_ERROR ? CONV_OK : cell_fail(w, rec, v, e);
}

/* Write a record (its values in header order) as the next row of its sheet. */
static int write_row(struct conv_writer *w, struct xp *x, const struct conv_record *rec,
                     const struct conv_value *const *row)
{
    if (x->sum_ws && summary_count(w, x, row[x->sum_col]) != CONV_OK)
        return CONV_ERR;
    long g = group_of(w, x, x->sheet_by ? row[x->by_col] : NULL);
    struct xp_sheet *sh = sheet_for(w, x, g);
    if (!sh)
        return CONV_ERR;
    lxw_row_t r = sh->next_row++;
    unsigned lines = 1;
    int top = 0;
    if (!x->plain)
        for (size_t c = 0; c < x->ncol; c++)
            top |= x->wraps[c] = row[c] && text_wraps(x, c, row[c], &lines);
    for (size_t c = 0; c < x->ncol; c++) {
        const struct conv_value *v = row[c];
        if (v && v->type != CONV_NULL &&
            put_value(w, x, sh, r, c, rec, v, top && x->wraps[c], top) != CONV_OK)
            return CONV_ERR;
    }
    /* Excel and LibreOffice keep a row's height unless told: make room
     * for wrapped text (the row is still open). */
    if (lines > 1) {
        lxw_error e = worksheet_set_row(sh->ws, r, LINE_HEIGHT * lines, NULL);
        if (e)
            return convp_xlsx_lxw_fail(w, e, "cannot set a row's height");
    }
    return CONV_OK;
}

/* ---- the sample ------------------------------------------------------------------------ */

/* How wide a value shows, in characters. */
static size_t value_width(struct conv_writer *w, struct xp *x, size_t c, const struct conv_value *v)
{
    enum conv_type t = v->flags & CONV_VALUE_RAW ? CONV_STRING : v->type;
    struct convp_xlsx_number num;
    lxw_datetime dt;
    int frac;
    switch (t) {
    case CONV_INTEGER:
    case CONV_DECIMAL:
        if (convp_xlsx_plan_number(w->ctx, v->text, v->len, t == CONV_DECIMAL || x->grouped[c],
                                   &num) == 0 ||
            (t == CONV_DECIMAL && !x->plain &&
             convp_xlsx_plan_float(v->text, v->len, &num) == 0))
            return num.width;
        break;
    case CONV_BOOLEAN:
        return v->len; /* TRUE, FALSE */
    case CONV_DATE:
    case CONV_DATETIME:
        if (plan_datetime(v->text, v->len, &dt, &frac) == 0)
            return t == CONV_DATE ? 10 : 19 + (frac ? (size_t)frac + 1 : 0);
        break;
    default:
        break;
    }
    return convp_xlsx_display_width(v->text, v->len);
}

static int hold_bytes(struct convp_buf *b, const void *p, size_t n)
{
    return convp_buf_append(b, p, n);
}

/* Measure a record of the sample and keep it for later. */
static int hold_row(struct conv_writer *w, struct xp *x, const struct conv_record *rec,
                    const struct conv_value *const *row)
{
    struct convp_buf *b = &x->held;
    const char *src = rec->source ? rec->source : "";
    uint32_t srclen = (uint32_t)strlen(src), n = 0;
    for (size_t c = 0; c < x->ncol; c++)
        n += row[c] != NULL;
    int bad = hold_bytes(b, &rec->index, 8) | hold_bytes(b, &rec->line, 8) |
              hold_bytes(b, &srclen, 4) | hold_bytes(b, src, srclen + 1) | hold_bytes(b, &n, 4);
    for (size_t c = 0; c < x->ncol && !bad; c++) {
        const struct conv_value *v = row[c];
        if (!v)
            continue;
        const struct convp_slot *s = convp_xlsx_slot_of(v);
        uint32_t col = (uint32_t)c;
        uint8_t type = (uint8_t)v->type, flags = (uint8_t)v->flags;
        uint64_t len = v->len;
        bad = hold_bytes(b, &col, 4) | hold_bytes(b, &s->column, 4) | hold_bytes(b, &s->line, 8) |
              hold_bytes(b, &type, 1) | hold_bytes(b, &flags, 1) | hold_bytes(b, &len, 8) |
              hold_bytes(b, v->text, v->len);
        if (v->type != CONV_NULL) {
            size_t wd = value_width(w, x, c, v);
            if (wd > x->width[c])
                x->width[c] = wd > WIDTH_MAX ? WIDTH_MAX : (uint32_t)wd;
        }
    }
    if (bad)
        return convp_xlsx_nomem(w);
    x->held_n++;
    return CONV_OK;
}

static void take(const char **p, void *dst, size_t n)
{
    memcpy(dst, *p, n);
    *p += n;
}

/* The sample is measured: set the widths, then write the records held. */
static int end_sample(struct conv_writer *w, struct xp *x)
{
    x->sampling = 0;
    x->head_lines = 1;
    for (size_t c = 0; c < x->ncol; c++) {
        uint32_t hw = x->head_width[c] < HEADER_FIT ? x->head_width[c] : HEADER_FIT;
        uint32_t cw = x->width[c];
        if (x->head_word[c] > cw)
            cw = x->head_word[c];
        if (hw > cw)
            cw = hw;
        cw += WIDTH_PAD;
        x->col_width[c] = cw < WIDTH_MIN ? WIDTH_MIN : cw > WIDTH_MAX ? WIDTH_MAX : cw;
        const char *label = w->header->fields[c].label && *w->header->fields[c].label
                                ? w->header->fields[c].label
                                : w->header->fields[c].name;
        unsigned l = convp_xlsx_wrap_lines(label, strlen(label),
                                           (size_t)((x->col_width[c] - 1) * BOLD_PER_UNIT));
        if (l > x->head_lines)
            x->head_lines = l;
    }
    const char *p = x->held.data, *end = x->held.len ? x->held.data + x->held.len : p;
    struct conv_record *rec = &x->replay;
    while (p < end) {
        uint32_t srclen, n;
        convp_record_clear(rec);
        take(&p, &rec->index, 8);
        take(&p, &rec->line, 8);
        take(&p, &srclen, 4);
        rec->source = p;
        p += srclen + 1;
        take(&p, &n, 4);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t col, column;
            uint64_t line, len;
            uint8_t type, flags;
            take(&p, &col, 4);
            take(&p, &column, 4);
            take(&p, &line, 8);
            take(&p, &type, 1);
            take(&p, &flags, 1);
            take(&p, &len, 8);
            if (convp_record_add(rec, col, (enum conv_type)type, flags, p, len, line, column) !=
                CONV_OK)
                return convp_xlsx_nomem(w);
            p += len;
        }
        memset(x->replay_row, 0, x->ncol * sizeof *x->replay_row);
        for (size_t i = 0; i < rec->n; i++)
            x->replay_row[rec->slots[i].field] = &rec->slots[i].value;
        if (write_row(w, x, rec, x->replay_row) != CONV_OK)
            return CONV_ERR;
    }
    convp_buf_free(&x->held);
    convp_buf_init(&x->held, w->ctx);
    return CONV_OK;
}

static int xp_put(void *lay, struct conv_writer *w, const struct conv_record *rec)
{
    struct xp *x = lay;
    const struct conv_value *const *row = convp_writer_row(w, rec);
    if (!row)
        return CONV_ERR;
    if (!x->sampling)
        return write_row(w, x, rec, row);
    if (hold_row(w, x, rec, row) != CONV_OK)
        return CONV_ERR;
    if (x->held_n >= SAMPLE_RECORDS || x->held.len >= SAMPLE_BYTES)
        return end_sample(w, x);
    return CONV_OK;
}

/* ---- the end ------------------------------------------------------------------------------ */

/* The hidden sheet describing the fields: a header row, then one row per
 * field with its name, type, labels, unit and whether it is required. */
static int put_meta_sheet(struct conv_writer *w, struct xp *x)
{
    const struct conv_schema *h = w->header;
    lxw_worksheet *ws = workbook_add_worksheet(x->book->wb, SHEET_META);
    if (!ws) {
        convp_error_set(&w->err, CONV_E_IO, convp_output_name(w->out), 0, 0,
                        "cannot add the sheet " SHEET_META);
        return CONV_ERR;
    }
    worksheet_hide(ws);
    static const char *const cols[] = {"name", "type", "label", "label_en", "unit", "required"};
    lxw_error e = LXW_NO_ERROR;
    for (lxw_col_t c = 0; c < 6 && !e; c++)
        e = worksheet_write_string(ws, 0, c, cols[c], NULL);
    /* The summary sheet holds counts, not records: G1 and G2 say which it
     * is, so that a reader of the workbook leaves it out.  (Rows are
     * written in order: constant memory.) */
    if (x->sum_ws && !e)
        e = worksheet_write_string(ws, 0, 6, "summary_sheet", NULL);
    for (size_t i = 0; i < h->n && !e; i++) {
        const struct conv_field *f = &h->fields[i];
        lxw_row_t r = (lxw_row_t)i + 1;
        const char *texts[] = {f->name, conv_type_name(f->type == CONV_NULL ? CONV_ANY : f->type),
                               f->label, f->label_en, f->unit};
        for (lxw_col_t c = 0; c < 5 && !e; c++) {
            if (!texts[c] || !*texts[c])
                continue;
            const char *t = convp_xlsx_cell_text(&x->tmp, texts[c], strlen(texts[c]));
            if (!t)
                return convp_xlsx_nomem(w);
            e = worksheet_write_string(ws, r, c, t, NULL);
        }
        if (!e)
            e = worksheet_write_boolean(ws, r, 5, f->required != 0, NULL);
        if (x->sum_ws && !e && r == 1)
            e = worksheet_write_string(ws, 1, 6, SHEET_SUMMARY, NULL);
    }
    return e ? convp_xlsx_lxw_fail(w, e, "cannot write the sheet " SHEET_META) : CONV_OK;
}

static int xp_finish(void *lay, struct conv_writer *w)
{
    struct xp *x = lay;
    if (x->sampling && end_sample(w, x) != CONV_OK)
        return CONV_ERR;
    /* No records: the sheet with its header only. */
    if (x->nsheets == 0 && new_group(w, x, SHEET_DEFAULT, strlen(SHEET_DEFAULT)) < 0)
        return CONV_ERR;
    uint64_t biggest = 0;
    for (size_t i = 0; i < x->nsheets; i++) {
        struct xp_sheet *sh = &x->sheets[i];
        if (sh->xml_bytes > biggest)
            biggest = sh->xml_bytes;
        if (x->plain || x->ncol == 0)
            continue;
        /* In constant_memory mode a filter can only end at the last row
         * written, hence here. */
        lxw_error e =
            worksheet_autofilter(sh->ws, HEADER_ROW, 0, sh->next_row - 1, (lxw_col_t)(x->ncol - 1));
        if (e)
            return convp_xlsx_lxw_fail(w, e, "cannot set the filter");
    }
    if (summary_write(w, x) != CONV_OK)
        return CONV_ERR;
    if (!x->plain && put_meta_sheet(w, x) != CONV_OK)
        return CONV_ERR;
    /* A part over 4 GB needs ZIP64, which is left off otherwise (it is the
     * exception in the files Excel writes): turned on only when a sheet's
     * XML may come near that. */
    if (biggest > ZIP64_AT)
        x->book->wb->options.use_zip64 = LXW_TRUE;
    return CONV_OK;
}

/* The workbook is freed by now (the driver closes the temporary files of
 * its sheets first). */
static void xp_close(void *lay)
{
    struct xp *x = lay;
    if (!x)
        return;
    struct conv_context *ctx = x->ctx;
    for (size_t c = 0; x->head && c < x->ncol; c++)
        convp_free(ctx, x->head[c]);
    convp_free(ctx, x->head);
    convp_free(ctx, x->grouped);
    convp_free(ctx, x->width);
    convp_free(ctx, x->head_width);
    convp_free(ctx, x->head_word);
    convp_free(ctx, x->col_width);
    convp_free(ctx, x->replay_row);
    convp_free(ctx, x->wraps);
    convp_buf_free(&x->held);
    if (x->replay.ctx)
        convp_record_fini(&x->replay);
    for (size_t g = 0; g < x->ngroups; g++)
        convp_free(ctx, x->groups[g].base);
    convp_free(ctx, x->groups);
    convp_free(ctx, x->key_group);
    convp_free(ctx, x->sheets);
    conv_schema_free(x->keys);
    conv_schema_free(x->taken);
    conv_schema_free(x->sum_keys);
    convp_free(ctx, x->sum_counts);
    convp_buf_free(&x->tmp);
    convp_free(ctx, x->title_cell);
    convp_free(ctx, x);
}

static const struct convp_xlsx_layout_ops xp_ops = {
    .constant_memory = 1,
    .open = xp_open,
    .begin = xp_begin,
    .put = xp_put,
    .finish = xp_finish,
    .close = xp_close,
};

const struct convp_xlsx_layout convp_xlsx_layout_people = {
    .name = "people",
    .comment = "; the fields are described on the hidden sheet " SHEET_META,
    .ops = &xp_ops,
};

const struct convp_xlsx_layout convp_xlsx_layout_plain = {
    .name = "plain",
    .comment = "",
    .ops = &xp_ops,
};
