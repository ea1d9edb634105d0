/*
 * XLSX writer: libxlsxwriter in constant_memory mode, one row per record
 * streamed in order (docs/formats.md, "Excel").  By default a workbook for
 * people: a title, a styled header of the fields' labels, fitted column
 * widths, a frozen header with a filter, print setup, and a hidden sheet
 * that describes the fields so a reader can map the labels back; --plain
 * writes the names and the data only (--layout plain); --layout report
 * hands the records to xlsx_report.c.  Numbers are number cells whose
 * format shows exactly the digits of their text; dates are real dates.
 */
#include "xlsx_report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#define SHEET_DEFAULT "Dữ liệu"        /* "Data" */
#define SHEET_EMPTY "(trống)"          /* "(empty)": --sheet-by records with no value */
#define SHEET_META "_conv_fields"      /* hidden: the fields, for readers */
#define SHEET_SUMMARY "Tổng hợp"       /* "Summary": --summary-by counts */
#define MAX_SUMMARY 100000             /* distinct values counted for it */
#define MAX_SHEETS 1000                /* data sheets in one workbook */
#define SHEET_NAME_MAX 31              /* characters */
#define SAMPLE_RECORDS 1000            /* records measured for the column widths */
#define SAMPLE_BYTES ((size_t)4 << 20) /* and at most this much of their text */
#define WIDTH_PAD 2                    /* characters around the content */
#define WIDTH_MIN 6
#define WIDTH_MAX 60     /* wider text wraps */
#define HEADER_FIT 12    /* a longer label wraps rather than widen its column */
#define LINE_HEIGHT 15.0 /* points, for the default font */
#define MAX_LINES 27     /* Excel's highest row is 409 points */
#define TITLE_HEIGHT 21.0
/* Characters of text on a line of one width unit (the width of '0'): in
 * Calibri, Excel's default font, text averages 0.8 of a digit, bold 0.85;
 * a little less, to be safe, for the rows that wrapped text makes taller. */
#define TEXT_PER_UNIT 1.2
#define BOLD_PER_UNIT 1.1
#define MAX_DECIMALS 30 /* beyond this a number shows as General */
#define EXCEL_DIGITS 15 /* significant digits Excel keeps */
#define TITLE_ROW 0
#define HEADER_ROW 2 /* styled; --plain has it at row 0 */
#define PAPER_A4 9
/* A sheet whose XML may pass this needs ZIP64 in the container. */
#define ZIP64_AT ((uint64_t)3 << 30)

/* One worksheet being written. */
struct xw_sheet {
    lxw_worksheet *ws;
    uint32_t next_row;  /* the next row to write */
    uint64_t xml_bytes; /* an upper bound of its XML so far */
};

/* The sheets of one --sheet-by value (or of all records). */
struct xw_group {
    char *base;     /* sheet name before " (2)", " (3)"... */
    unsigned parts; /* sheets made so far */
    size_t sheet;   /* the one being filled, index into sheets */
};

/* --layout */
enum { LAYOUT_PEOPLE, LAYOUT_PLAIN, LAYOUT_REPORT };

struct xw {
    lxw_workbook *wb;
    int plain;
    /* --layout report: the records held for it */
    struct convp_xrep *rep;
    const char *sheet_by; /* field name, or NULL */
    long by_col;          /* its header column */
    const char *author;
    uint32_t max_rows; /* rows in one sheet: Excel's, or lower for tests */
    size_t max_sheets;
    char *tmpdir;   /* for libxlsxwriter's temporary files */
    char *own_path; /* our temporary workbook (stdout, memory, callback): the
                       name libxlsxwriter writes to */
    int own_fd;
    int own_named; /* own_path is a name in the directory, to unlink */
    /* metadata, kept until the workbook is closed */
    char *title, *source, *comments;
    char *title_cell; /* the title as cell text */
    time_t created;
    /* formats: numbers by decimals and grouping, dates, each also aligned
     * to the top for rows that wrapped text makes taller; layout */
    lxw_format *num[MAX_DECIMALS + 1][2][2];
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
    struct xw_sheet *sheets;
    size_t nsheets, sheets_cap;
    struct xw_group *groups;
    size_t ngroups, groups_cap;
    struct conv_schema *keys;  /* --sheet-by: the values seen */
    size_t *key_group;         /* key index -> group */
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

static int nomem(struct conv_writer *w)
{
    convp_error_set(&w->err, CONV_E_NOMEM, convp_output_name(w->out), 0, 0, "out of memory");
    return CONV_ERR;
}

/* A libxlsxwriter error as ours; what says which step failed. */
static enum conv_errcode lxw_code(lxw_error e)
{
    switch (e) {
    case LXW_ERROR_MEMORY_MALLOC_FAILED:
        return CONV_E_NOMEM;
    case LXW_ERROR_CREATING_XLSX_FILE:
    case LXW_ERROR_CREATING_TMPFILE:
    case LXW_ERROR_READING_TMPFILE:
    case LXW_ERROR_ZIP_FILE_OPERATION:
    case LXW_ERROR_ZIP_PARAMETER_ERROR:
    case LXW_ERROR_ZIP_BAD_ZIP_FILE:
    case LXW_ERROR_ZIP_INTERNAL_ERROR:
    case LXW_ERROR_ZIP_FILE_ADD:
    case LXW_ERROR_ZIP_CLOSE:
        return CONV_E_IO;
    case LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED:
    case LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE:
        return CONV_E_LIMIT;
    default:
        return CONV_E_UNSUPPORTED;
    }
}

static int lxw_fail(struct conv_writer *w, lxw_error e, const char *what)
{
    convp_error_set(&w->err, lxw_code(e), convp_output_name(w->out), 0, 0, "%s: %s", what,
                    lxw_strerror(e));
    return CONV_ERR;
}

/* ---- characters ------------------------------------------------------------------- */

/* Decode one character of valid UTF-8; returns its length. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (k > n)
        k = 1;
    uint32_t v = k == 1 ? c : k == 2 ? c & 0x1Fu : k == 3 ? c & 0x0Fu : c & 0x07u;
    for (size_t i = 1; i < k; i++)
        v = (v << 6) | (s[i] & 0x3Fu);
    *cp = v;
    return k;
}

/*
 * How wide text shows, in characters: the longest line, counting code
 * points but not combining marks (U+0300..U+036F, UTF-8 CC 80 .. CD AF),
 * so decomposed Vietnamese is as wide as precomposed.
 */
static size_t display_width(const unsigned char *s, size_t n)
{
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '\n') {
            if (cur > best)
                best = cur;
            cur = 0;
        } else if ((c & 0xC0) != 0x80 &&
                   !((c == 0xCC || (c == 0xCD && i + 1 < n && s[i + 1] < 0xB0)))) {
            cur++;
        }
    }
    return cur > best ? cur : best;
}

/* "_x" four hex digits "_" at s: Excel reads it as an escaped character. */
static int is_x_escape(const char *s, size_t n)
{
    if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_')
        return 0;
    for (size_t i = 2; i < 6; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

/*
 * The text to give libxlsxwriter for s: Excel decodes _xHHHH_ in cell text
 * (libxlsxwriter writes control characters that way), so text that holds
 * one literally gets its underscore escaped as _x005F_.  Returns s itself
 * when nothing needs escaping, else the escaped copy in b; NULL on nomem.
 */
static const char *cell_text(struct convp_buf *b, const char *s, size_t n)
{
    const char *u = memchr(s, '_', n);
    while (u && !is_x_escape(u, n - (size_t)(u - s)))
        u = memchr(u + 1, '_', n - (size_t)(u + 1 - s));
    if (!u)
        return s;
    b->len = 0;
    size_t i = 0;
    while (i < n) {
        if (s[i] == '_' && is_x_escape(s + i, n - i)) {
            if (convp_buf_append(b, "_x005F", 6) != 0)
                return NULL;
        }
        if (convp_buf_putc(b, s[i]) != 0)
            return NULL;
        i++;
    }
    return convp_buf_cstr(b);
}

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
        i += utf8_next(s + i, n - i, &c);
        b->len += convp_utf8_encode(fold_case(c), b->data + b->len);
    }
    return convp_buf_cstr(b) ? 0 : -1;
}

/*
 * A valid sheet name from text into b: characters Excel refuses ([ ] : * ?
 * / \ and controls) become '_', so does an apostrophe at either end, and
 * the name is cut to room characters.  Empty text gives SHEET_EMPTY.
 */
static int sheet_base(struct convp_buf *b, const char *text, size_t n, size_t room)
{
    const unsigned char *s = (const unsigned char *)text;
    b->len = 0;
    if (n == 0) {
        text = SHEET_EMPTY;
        s = (const unsigned char *)text;
        n = strlen(text);
    }
    size_t chars = 0;
    for (size_t i = 0; i < n && chars < room; chars++) {
        uint32_t c;
        size_t k = utf8_next(s + i, n - i, &c);
        int bad = c < 0x20 || c == 0x7F || (c < 0x80 && strchr("[]:*?/\\", (int)c));
        if (bad) {
            if (convp_buf_putc(b, '_') != 0)
                return -1;
        } else if (convp_buf_append(b, s + i, k) != 0) {
            return -1;
        }
        i += k;
    }
    if (!convp_buf_cstr(b))
        return -1;
    if (b->data[0] == '\'')
        b->data[0] = '_';
    if (b->data[b->len - 1] == '\'')
        b->data[b->len - 1] = '_';
    return 0;
}

/* Whether a name (folded) cannot be used: taken, or reserved by Excel or us. */
static int name_taken(struct xw *x, const struct convp_buf *folded)
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
 * (SHEET_NAME_MAX characters at most): base, or "base (part)"; a name
 * taken gets the next free number.
 */
static int unique_name(struct xw *x, const char *base, unsigned part, struct convp_buf *out)
{
    struct convp_buf folded;
    convp_buf_init(&folded, x->taken->ctx);
    int rc = -1;
    for (unsigned k = part;; k++) {
        char suffix[24] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, " (%u)", k);
        size_t keep = cut_chars(base, SHEET_NAME_MAX - strlen(suffix));
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

/* How a number is written: as a number of this value and number format. */
struct xw_number {
    double value;
    int decimals; /* digits after the point to show; -1: General */
    size_t width; /* characters it shows as (grouped) */
};

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * Plan a number from its text (an integer, or a JSON number): 0, or -1
 * when Excel cannot show it exactly (more than 15 significant digits, out
 * of Excel's range, or a negative zero) and it must stay text.
 */
static int plan_number(struct conv_context *ctx, const char *s, size_t n, int grouped,
                       struct xw_number *num)
{
    size_t i = 0, sig = 0, int_digits = 0, frac = 0;
    int neg = s[0] == '-', nonzero = 0, exp = 0;
    uint64_t m = 0;
    if (neg)
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
        nonzero |= s[i] != '0';
        if (nonzero) {
            sig++;
            if (sig <= EXCEL_DIGITS)
                m = m * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac++) {
            nonzero |= s[i] != '0';
            if (nonzero) {
                sig++;
                if (sig <= EXCEL_DIGITS)
                    m = m * 10 + (uint64_t)(s[i] - '0');
            }
        }
    }
    exp = i < n; /* what is left is the exponent */
    if (sig > EXCEL_DIGITS || (neg && !nonzero))
        return -1;
    if (!exp && frac <= 22) {
        /* m < 10^15 and 10^frac are exact doubles: one correctly rounded
         * division gives what strtod would. */
        num->value = (double)m / pow10_exact[frac];
    } else {
        char buf[64];
        if (n >= sizeof buf) {
            /* Long only by its zeros: strtod takes any length. */
            char *copy = convp_strndup(ctx, s, n);
            if (!copy)
                return -1;
            num->value = strtod(copy, NULL);
            convp_free(ctx, copy);
        } else {
            memcpy(buf, s, n);
            buf[n] = '\0';
            num->value = strtod(buf, NULL);
        }
        double a = fabs(num->value);
        if (!isfinite(num->value) || (nonzero && (a < 1e-307 || a > 9.99999999999999e307)))
            return -1;
    }
    if (neg)
        num->value = -num->value;
    if (exp || frac > MAX_DECIMALS) {
        num->decimals = -1;
        num->width = n;
    } else {
        num->decimals = (int)frac;
        num->width =
            (size_t)neg + int_digits + (grouped ? (int_digits - 1) / 3 : 0) + (frac ? frac + 1 : 0);
    }
    return 0;
}

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
        size_t k = i < n ? utf8_next(s + i, n - i, &c) : 1;
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

static lxw_format *number_format(struct conv_writer *w, struct xw *x, int decimals, int grouped,
                                 int top)
{
    lxw_format **slot = &x->num[decimals][grouped][top];
    if (*slot)
        return *slot;
    char code[8 + MAX_DECIMALS];
    size_t k = (size_t)snprintf(code, sizeof code, "%s", grouped ? "#,##0" : "0");
    if (decimals > 0) {
        code[k++] = '.';
        memset(code + k, '0', (size_t)decimals);
        k += (size_t)decimals;
    }
    code[k] = '\0';
    *slot = workbook_add_format(x->wb);
    if (!*slot)
        return nomem(w), NULL;
    format_set_num_format(*slot, code);
    if (top)
        format_set_align(*slot, LXW_ALIGN_VERTICAL_TOP);
    return *slot;
}

static lxw_format *datetime_format(struct conv_writer *w, struct xw *x, int has_time, int frac,
                                   int top)
{
    lxw_format **slot = has_time ? &x->datetime[frac][top] : &x->date[top];
    if (*slot)
        return *slot;
    static const char *const codes[] = {"yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd hh:mm:ss.0",
                                        "yyyy-mm-dd hh:mm:ss.00", "yyyy-mm-dd hh:mm:ss.000"};
    *slot = workbook_add_format(x->wb);
    if (!*slot)
        return nomem(w), NULL;
    format_set_num_format(*slot, has_time ? codes[frac] : "yyyy-mm-dd");
    if (top)
        format_set_align(*slot, LXW_ALIGN_VERTICAL_TOP);
    return *slot;
}

static int layout_formats(struct conv_writer *w, struct xw *x)
{
    x->title_fmt = workbook_add_format(x->wb);
    x->header_fmt = workbook_add_format(x->wb);
    x->wrap = workbook_add_format(x->wb);
    x->top = workbook_add_format(x->wb);
    if (!x->title_fmt || !x->header_fmt || !x->wrap || !x->top)
        return nomem(w);
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

/* ---- options and metadata -------------------------------------------------------------- */

/* The input's name without its directories; NULL for none or standard input. */
static const char *input_name(const char *source)
{
    if (!source || !*source || !strcmp(source, "-"))
        return NULL;
    const char *slash = strrchr(source, '/');
    return slash && slash[1] ? slash + 1 : source;
}

/*
 * An ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS[.f][Z|±hh:mm], no leap second,
 * year 1900 or later) as a time_t; without a zone it is taken as UTC.
 * 0 or -1.
 */
static int parse_created(const char *s, time_t *out)
{
    size_t n = strlen(s);
    if (!convp_is_datetime(s, n) || two(s + 17) > 59)
        return -1;
    struct tm tm = {0};
    tm.tm_year = two(s) * 100 + two(s + 2) - 1900;
    tm.tm_mon = two(s + 5) - 1;
    tm.tm_mday = two(s + 8);
    tm.tm_hour = two(s + 11);
    tm.tm_min = two(s + 14);
    tm.tm_sec = two(s + 17);
    if (tm.tm_year < 0)
        return -1;
    time_t t = timegm(&tm);
    if (s[n - 1] != 'Z' && n >= 25 && (s[n - 6] == '+' || s[n - 6] == '-')) {
        long off = (two(s + n - 5) * 60L + two(s + n - 2)) * 60L;
        if (off > 14 * 3600L)
            return -1;
        t += s[n - 6] == '+' ? -off : off;
    }
    *out = t;
    return 0;
}

/* Text for the workbook must be UTF-8. */
static int check_utf8(struct conv_writer *w, enum conv_errcode code, const char *what,
                      const char *s)
{
    size_t n = strlen(s);
    if (convp_utf8_valid_prefix((const unsigned char *)s, n) != n) {
        convp_error_set(&w->err, code, NULL, 0, 0, "%s is not valid UTF-8", what);
        return CONV_ERR;
    }
    return CONV_OK;
}

/* Where libxlsxwriter puts its temporary files: $TMPDIR, else beside the
 * target, else /tmp. */
static char *temp_dir(struct conv_context *ctx, const char *target)
{
    const char *env = getenv("TMPDIR");
    if (env && *env)
        return convp_strdup(ctx, env);
    if (target) {
        const char *slash = strrchr(target, '/');
        if (!slash)
            return convp_strdup(ctx, ".");
        return convp_strndup(ctx, target, slash == target ? 1 : (size_t)(slash - target));
    }
    return convp_strdup(ctx, "/tmp");
}

/*
 * Our own temporary workbook for outputs that are not a file we may
 * replace.  libxlsxwriter opens its output by name: it gets the file's
 * /proc/self/fd name, so the file can be unlinked at once and is never
 * left behind; without /proc it keeps its name until close.
 */
static int own_temp(struct conv_writer *w, struct xw *x)
{
    const char *env = getenv("TMPDIR");
    const char *dir = env && *env ? env : "/tmp";
    size_t size = strlen(dir) + 32;
    x->own_path = convp_malloc(w->ctx, size);
    if (!x->own_path)
        return nomem(w);
    snprintf(x->own_path, size, "%s/conv-xlsx-XXXXXX", dir);
    x->own_fd = mkostemp(x->own_path, O_CLOEXEC);
    if (x->own_fd < 0) {
        convp_error_set(&w->err, CONV_E_IO, dir, 0, 0, "cannot create a temporary file: %s",
                        strerror(errno));
        convp_free(w->ctx, x->own_path);
        x->own_path = NULL;
        return CONV_ERR;
    }
    x->own_named = 1;
    char proc[40];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", x->own_fd);
    if (access(proc, W_OK) == 0 && strlen(proc) < size && unlink(x->own_path) == 0) {
        memcpy(x->own_path, proc, strlen(proc) + 1);
        x->own_named = 0;
    }
    return CONV_OK;
}

static int xw_open(struct conv_writer *w)
{
    struct xw *x = convp_calloc(w->ctx, 1, sizeof *x);
    if (!x)
        return nomem(w);
    w->drv = x;
    x->own_fd = -1;
    x->empty_group = -1;
    x->by_col = -1;
    convp_buf_init(&x->tmp, w->ctx);
    convp_buf_init(&x->held, w->ctx);
    long max_rows;
    if (convp_opt_flag(w->opts, "plain", 0, &w->err, &x->plain) != CONV_OK ||
        /* For tests only, and not in the option table: a lower row limit
         * makes the continuation sheets testable without a million rows. */
        convp_opt_long(w->opts, "xlsx-test-max-rows", CONVP_XLSX_MAX_ROWS, 4, CONVP_XLSX_MAX_ROWS,
                       &w->err, &max_rows) != CONV_OK)
        return CONV_ERR;
    x->max_rows = (uint32_t)max_rows;
    static const char *const layouts[] = {"people", "plain", "report", NULL};
    int layout;
    if (convp_opt_enum(w->opts, "layout", layouts, x->plain ? LAYOUT_PLAIN : LAYOUT_PEOPLE, &w->err,
                       &layout) != CONV_OK)
        return CONV_ERR;
    if (x->plain && layout != LAYOUT_PLAIN) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option plain: means --layout plain, not --layout %s", layouts[layout]);
        return CONV_ERR;
    }
    x->plain = layout == LAYOUT_PLAIN;
    x->sheet_by = convp_opt_str(w->opts, "sheet-by", NULL);
    x->summary_by = convp_opt_str(w->opts, "summary-by", NULL);
    x->sum_col = -1;
    if (x->summary_by && !*x->summary_by) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option summary-by: expected a field name");
        return CONV_ERR;
    }
    if (layout == LAYOUT_REPORT) {
        if (x->sheet_by || x->summary_by) {
            convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                            "option %s: not with --layout report, which has a sheet for "
                            "each region",
                            x->sheet_by ? "sheet-by" : "summary-by");
            return CONV_ERR;
        }
        if (!(x->rep = convp_xrep_open(w)))
            return CONV_ERR;
    } else {
        /* The report's own options are mistakes anywhere else. */
        static const char *const report_only[] = {"issuer", "place", "signer", "signer-title",
                                                  "recipients"};
        for (size_t i = 0; i < sizeof report_only / sizeof report_only[0]; i++)
            if (convp_opt_str(w->opts, report_only[i], NULL)) {
                convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                                "option %s: only with --layout report", report_only[i]);
                return CONV_ERR;
            }
    }
    if (x->sheet_by && !*x->sheet_by) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option sheet-by: expected a field name");
        return CONV_ERR;
    }
    x->author = convp_opt_str(w->opts, "author", "libconv");
    const char *created = convp_opt_str(w->opts, "created", NULL);
    if (created && parse_created(created, &x->created) != 0) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option created: expected an ISO 8601 date-time from 1900 on, such as "
                        "2022-01-15T00:00:00Z, got '%.60s'",
                        created);
        return CONV_ERR;
    }
    static const char *const text_opts[] = {"title", "source", "author"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = convp_opt_str(w->opts, text_opts[i], NULL);
        char what[32];
        snprintf(what, sizeof what, "option %s", text_opts[i]);
        if (v && check_utf8(w, CONV_E_USAGE, what, v) != CONV_OK)
            return CONV_ERR;
    }
    /* Each sheet holds a temporary file open while it is written. */
    x->max_sheets = MAX_SHEETS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < MAX_SHEETS + 64)
        x->max_sheets = rl.rlim_cur > 96 ? (size_t)rl.rlim_cur - 64 : 32;

    const char *target = convp_output_file(w->out);
    if (!target) {
        if (own_temp(w, x) != CONV_OK)
            return CONV_ERR;
        target = x->own_path;
    }
    x->tmpdir = temp_dir(w->ctx, convp_output_file(w->out));
    x->keys = conv_schema_new(w->ctx);
    x->taken = conv_schema_new(w->ctx);
    if (!x->tmpdir || !x->keys || !x->taken)
        return nomem(w);
    /* The report is written at the end from the records it holds (a
     * bounded number), not in row order as it comes: no constant_memory. */
    lxw_workbook_options wo = {.constant_memory = x->rep ? LXW_FALSE : LXW_TRUE,
                               .tmpdir = x->tmpdir};
    x->wb = workbook_new_opt(target, &wo);
    if (!x->wb)
        return nomem(w);
    return CONV_OK;
}

/* ---- sheets ------------------------------------------------------------------------------ */

/* The rows before the data: title and header (styled), or the names; then
 * the columns and the page. */
static int sheet_top(struct conv_writer *w, struct xw *x, struct xw_sheet *sh)
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
            return lxw_fail(w, e, "cannot write the title");
    }
    for (size_t c = 0; c < x->ncol && !e; c++)
        e = worksheet_write_string(ws, hr, (lxw_col_t)c, x->head[c],
                                   x->plain ? NULL : x->header_fmt);
    if (!e && !x->plain && x->head_lines > 1)
        e = worksheet_set_row(ws, hr, LINE_HEIGHT * x->head_lines, NULL);
    if (e)
        return lxw_fail(w, e, "cannot write the header");
    sh->next_row = hr + 1;
    if (x->plain)
        return CONV_OK;
    for (size_t c = 0; c < x->ncol && !e; c++)
        e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, x->col_width[c], NULL);
    if (e)
        return lxw_fail(w, e, "cannot set the column widths");
    worksheet_freeze_panes(ws, HEADER_ROW + 1, 0);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, PAPER_A4);
    worksheet_fit_to_pages(ws, 1, 0);
    if ((e = worksheet_repeat_rows(ws, HEADER_ROW, HEADER_ROW)) != LXW_NO_ERROR ||
        (e = worksheet_set_footer(ws, "&CTrang &P / &N")) != LXW_NO_ERROR)
        return lxw_fail(w, e, "cannot set up the page");
    return CONV_OK;
}

/* A new sheet for group g (its next part); returns its index or -1. */
static long new_sheet(struct conv_writer *w, struct xw *x, size_t g)
{
    struct xw_group *grp = &x->groups[g];
    if (x->nsheets >= x->max_sheets) {
        convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                        "more than %zu sheets%s", x->max_sheets,
                        x->sheet_by ? ": too many distinct values for --sheet-by" : "");
        return -1;
    }
    if (x->nsheets == x->sheets_cap) {
        size_t cap = x->sheets_cap ? 2 * x->sheets_cap : 8;
        struct xw_sheet *s = convp_realloc(w->ctx, x->sheets, cap * sizeof *s);
        if (!s)
            return nomem(w), -1;
        x->sheets = s;
        x->sheets_cap = cap;
    }
    struct convp_buf name;
    convp_buf_init(&name, w->ctx);
    if (unique_name(x, grp->base, grp->parts + 1, &name) != 0) {
        convp_buf_free(&name);
        return nomem(w), -1;
    }
    struct xw_sheet *sh = &x->sheets[x->nsheets];
    memset(sh, 0, sizeof *sh);
    /* Checked first: libxlsxwriter prints its own complaint about a name. */
    lxw_error e = workbook_validate_sheet_name(x->wb, name.data);
    if (e == LXW_NO_ERROR) {
        errno = 0;
        sh->ws = workbook_add_worksheet(x->wb, name.data);
        if (!sh->ws)
            convp_error_set(&w->err, errno == ENOMEM ? CONV_E_NOMEM : CONV_E_IO,
                            convp_output_name(w->out), 0, 0,
                            "cannot add the sheet '%s' (or its temporary file in %s): %s",
                            name.data, x->tmpdir, errno ? strerror(errno) : "failed");
    } else {
        lxw_fail(w, e, "cannot name a sheet");
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
static long new_group(struct conv_writer *w, struct xw *x, const char *text, size_t n)
{
    if (x->ngroups == x->groups_cap) {
        size_t cap = x->groups_cap ? 2 * x->groups_cap : 8;
        struct xw_group *g = convp_realloc(w->ctx, x->groups, cap * sizeof *g);
        if (!g)
            return nomem(w), -1;
        x->groups = g;
        size_t *k = convp_realloc(w->ctx, x->key_group, cap * sizeof *k);
        if (!k)
            return nomem(w), -1;
        x->key_group = k;
        x->groups_cap = cap;
    }
    struct xw_group *grp = &x->groups[x->ngroups];
    memset(grp, 0, sizeof *grp);
    if (sheet_base(&x->tmp, text, n, SHEET_NAME_MAX) != 0 ||
        !(grp->base = convp_strndup(w->ctx, x->tmp.data, x->tmp.len)))
        return nomem(w), -1;
    x->ngroups++;
    return new_sheet(w, x, x->ngroups - 1) < 0 ? -1 : (long)x->ngroups - 1;
}

/* The group for a record: the only one, or that of its --sheet-by value
 * (null and "" share one), made when new; -1 on failure. */
static long group_of(struct conv_writer *w, struct xw *x, const struct conv_value *v)
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
        return nomem(w), -1;
    x->key_group[k] = (size_t)g; /* keys never outnumber groups */
    return g;
}

/* The sheet for the next record of group g: a new one past the row limit. */
static struct xw_sheet *sheet_for(struct conv_writer *w, struct xw *x, long g)
{
    if (g < 0)
        return NULL;
    struct xw_sheet *sh = &x->sheets[x->groups[g].sheet];
    if (sh->next_row < x->max_rows)
        return sh;
    long s = new_sheet(w, x, (size_t)g);
    return s < 0 ? NULL : &x->sheets[s];
}

/* ---- the summary sheet (--summary-by) ------------------------------------------------- */

/* The summary sheet comes first in the workbook, so it is added before any
 * data sheet; in constant_memory mode its rows can still be written at the
 * end, since each sheet streams its own rows in order. */
static int summary_open(struct conv_writer *w, struct xw *x, const struct conv_schema *h)
{
    x->sum_col = conv_schema_find(h, x->summary_by);
    if (x->sum_col < 0) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option summary-by: no field named '%.60s'", x->summary_by);
        return CONV_ERR;
    }
    x->sum_keys = conv_schema_new(w->ctx);
    if (!x->sum_keys)
        return nomem(w);
    struct convp_buf name;
    convp_buf_init(&name, w->ctx);
    if (unique_name(x, SHEET_SUMMARY, 1, &name) != 0) {
        convp_buf_free(&name);
        return nomem(w);
    }
    errno = 0;
    x->sum_ws = workbook_add_worksheet(x->wb, name.data);
    if (!x->sum_ws)
        convp_error_set(&w->err, errno == ENOMEM ? CONV_E_NOMEM : CONV_E_IO,
                        convp_output_name(w->out), 0, 0,
                        "cannot add the sheet '%s' (or its temporary file in %s): %s", name.data,
                        x->tmpdir, errno ? strerror(errno) : "failed");
    convp_buf_free(&name);
    return x->sum_ws ? CONV_OK : CONV_ERR;
}

/* Count a record under its value of the summary field. */
static int summary_count(struct conv_writer *w, struct xw *x, const struct conv_value *v)
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
        if (x->sum_keys->n == x->sum_cap) {
            size_t cap = x->sum_cap ? 2 * x->sum_cap : 64;
            uint64_t *c = convp_realloc(w->ctx, x->sum_counts, cap * sizeof *c);
            if (!c)
                return nomem(w);
            x->sum_counts = c;
            x->sum_cap = cap;
        }
        k = convp_schema_add_name(x->sum_keys, v->text, v->len);
        if (k < 0)
            return nomem(w);
        x->sum_counts[k] = 0;
    }
    x->sum_counts[k]++;
    return CONV_OK;
}

/* One row of the summary: a value (text) and its count. */
static lxw_error summary_row(struct xw *x, lxw_row_t r, const char *text, uint64_t count,
                             lxw_format *fmt)
{
    const char *t = cell_text(&x->tmp, text, strlen(text));
    if (!t)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error e = *t ? worksheet_write_string(x->sum_ws, r, 0, t, fmt) : LXW_NO_ERROR;
    return e ? e : worksheet_write_number(x->sum_ws, r, 1, (double)count, fmt);
}

/* Fill the summary sheet: the field's name and "records", a row per value
 * in the order they appeared, and the total. */
static int summary_write(struct conv_writer *w, struct xw *x)
{
    if (!x->sum_ws)
        return CONV_OK;
    lxw_worksheet *ws = x->sum_ws;
    const struct conv_field *f = &w->header->fields[x->sum_col];
    const char *label = x->plain || !f->label || !*f->label ? f->name : f->label;
    lxw_format *hf = x->plain ? NULL : x->header_fmt;
    const char *t = cell_text(&x->tmp, label, strlen(label));
    if (!t)
        return nomem(w);
    lxw_error e = worksheet_write_string(ws, 0, 0, t, hf);
    if (!e)
        e = worksheet_write_string(ws, 0, 1, x->plain ? "records" : "Số bản ghi", hf);
    lxw_row_t r = 1;
    uint64_t total = 0;
    for (size_t k = 0; k <= x->sum_keys->n && !e; k++) {
        if (x->sum_empty && k == x->sum_empty_at) {
            e = summary_row(x, r++, SHEET_EMPTY, x->sum_empty, NULL);
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
            size_t d = display_width((const unsigned char *)n, strlen(n));
            if (d > wd)
                wd = d;
        }
        e = worksheet_set_column(ws, 0, 0, (double)(wd > WIDTH_MAX ? WIDTH_MAX : wd) + WIDTH_PAD,
                                 NULL);
        if (!e)
            e = worksheet_set_column(ws, 1, 1, 14, NULL);
    }
    if (e == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return nomem(w);
    return e ? lxw_fail(w, e, "cannot write the summary sheet") : CONV_OK;
}

/* ---- driver ---------------------------------------------------------------------------- */

/* The width of the longest word of text (words split at spaces and line ends). */
static size_t longest_word(const char *text)
{
    size_t best = 0;
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, " \n");
        size_t wd = display_width((const unsigned char *)p, n);
        if (wd > best)
            best = wd;
        p += n;
        if (*p)
            p++;
    }
    return best;
}

static int xw_begin(struct conv_writer *w, const struct conv_schema *h)
{
    struct xw *x = w->drv;
    x->ncol = h->n;
    if (h->n > CONVP_XLSX_MAX_COLS) {
        convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                        "%zu fields: a sheet has at most %u columns", h->n, CONVP_XLSX_MAX_COLS);
        return CONV_ERR;
    }
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
        return nomem(w);
    for (size_t c = 0; c < h->n; c++) {
        const struct conv_field *f = &h->fields[c];
        const char *texts[] = {f->name, f->label, f->label_en, f->unit};
        static const char *const what[] = {"name", "label", "English label", "unit"};
        for (size_t k = 0; k < 4; k++) {
            char msg[64];
            snprintf(msg, sizeof msg, "the %s of field %zu", what[k], c + 1);
            if (texts[k] && check_utf8(w, CONV_E_ENCODING, msg, texts[k]) != CONV_OK)
                return CONV_ERR;
        }
        const char *label = x->plain || !f->label || !*f->label ? f->name : f->label;
        size_t n = strlen(label);
        if (convp_utf8_count((const unsigned char *)label, n) > CONVP_XLSX_MAX_TEXT) {
            convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                            "the header of field %zu is over Excel's %u characters in a cell",
                            c + 1, CONVP_XLSX_MAX_TEXT);
            return CONV_ERR;
        }
        const char *t = cell_text(&x->tmp, label, n);
        if (!t || !(x->head[c] = convp_strdup(w->ctx, t)))
            return nomem(w);
        x->grouped[c] = !ungrouped_field(f);
        /* bold text is about a tenth wider */
        size_t hw = display_width((const unsigned char *)label, n), ww = longest_word(label);
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
    if (x->summary_by && !x->rep && summary_open(w, x, h) != CONV_OK)
        return CONV_ERR;

    /* title, source, created: the options, the header's, the input's */
    const char *in = input_name(w->first_source);
    const char *title = convp_opt_str(w->opts, "title", NULL);
    if (!title)
        title = h->title ? h->title : in ? in : "";
    const char *source = convp_opt_str(w->opts, "source", NULL);
    if (!source)
        source = h->source ? h->source : in ? in : "";
    if (check_utf8(w, CONV_E_ENCODING, "the dataset title", title) ||
        check_utf8(w, CONV_E_ENCODING, "the dataset source", source))
        return CONV_ERR;
    if (convp_utf8_count((const unsigned char *)title, strlen(title)) > CONVP_XLSX_MAX_TEXT) {
        convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                        "the title is over Excel's %u characters in a cell", CONVP_XLSX_MAX_TEXT);
        return CONV_ERR;
    }
    const char *tt = cell_text(&x->tmp, title, strlen(title));
    if (!tt || !(x->title_cell = convp_strdup(w->ctx, tt)) ||
        !(x->title = convp_strdup(w->ctx, title)) || !(x->source = convp_strdup(w->ctx, source)))
        return nomem(w);
    if (!convp_opt_str(w->opts, "created", NULL)) {
        if (h->created) {
            if (parse_created(h->created, &x->created) != 0) {
                convp_error_set(&w->err, CONV_E_TYPE, w->first_source, 0, 0,
                                "the input's creation time '%.60s' is not an ISO 8601 "
                                "date-time; use --created",
                                h->created);
                return CONV_ERR;
            }
        } else {
            x->created = time(NULL);
        }
    }
    char comments[160];
    snprintf(comments, sizeof comments, "Written by libconv %s%s", conv_version(),
             x->rep     ? "; a report table (--layout report)"
             : x->plain ? ""
                        : "; the fields are described on the hidden sheet " SHEET_META);
    if (!(x->comments = convp_strdup(w->ctx, comments)))
        return nomem(w);
    if (x->rep)
        return convp_xrep_begin(x->rep, w, h, x->title, x->created);
    if (!x->plain && layout_formats(w, x) != CONV_OK)
        return CONV_ERR;
    convp_record_init(&x->replay, w->ctx, w->header);
    x->sampling = !x->plain; /* --plain has no widths to measure */
    return CONV_OK;
}

/* The slot a row value came from (for the position of an error). */
static const struct convp_slot *slot_of(const struct conv_value *v)
{
    return (const struct convp_slot *)((const char *)v - offsetof(struct convp_slot, value));
}

static int cell_fail(struct conv_writer *w, const struct conv_record *rec,
                     const struct conv_value *v, lxw_error e)
{
    const struct convp_slot *s = slot_of(v);
    if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
        convp_error_at_slot(&w->err, CONV_E_LIMIT, rec->source, rec, s,
                            "record %llu, field '%.60s': text over Excel's %u characters in a "
                            "cell (counting the escapes of any literal _xHHHH_)",
                            (unsigned long long)rec->index, rec->schema->fields[s->field].name,
                            CONVP_XLSX_MAX_TEXT);
    else
        convp_error_at_slot(&w->err, lxw_code(e), rec->source, rec, s,
                            "record %llu, field '%.60s': cannot write the cell: %s",
                            (unsigned long long)rec->index, rec->schema->fields[s->field].name,
                            lxw_strerror(e));
    return CONV_ERR;
}

/*
 * The lines text takes when wrapped in a column of width characters: words
 * go on the line while they fit, a word longer than a line is broken.
 */
static unsigned wrap_lines(const unsigned char *s, size_t n, size_t width)
{
    unsigned lines = 1;
    size_t cur = 0, word = 0;
    if (width < 1)
        width = 1;
    for (size_t i = 0; i <= n && lines < MAX_LINES; i++) {
        unsigned char c = i < n ? s[i] : ' ';
        if (c == ' ' || c == '\n') {
            if (word) {
                if (cur && cur + 1 + word > width) {
                    lines++;
                    cur = 0;
                }
                if (cur)
                    cur++;
                while (cur + word > width) {
                    lines++;
                    word -= width - cur;
                    cur = 0;
                }
                cur += word;
                word = 0;
            }
            if (c == '\n') {
                lines++;
                cur = 0;
            }
        } else if ((c & 0xC0) != 0x80 &&
                   !(c == 0xCC || (c == 0xCD && i + 1 < n && s[i + 1] < 0xB0))) {
            word++;
        }
    }
    return lines < MAX_LINES ? lines : MAX_LINES;
}

/* Whether a value is text that does not fit its column (or has a line
 * break) and wraps; *lines gets the lines it takes, when more. */
static int text_wraps(const struct xw *x, size_t c, const struct conv_value *v, unsigned *lines)
{
    enum conv_type t = v->flags & CONV_VALUE_RAW ? CONV_STRING : v->type;
    if ((t != CONV_STRING && t != CONV_ANY) || v->len == 0)
        return 0;
    const unsigned char *u = (const unsigned char *)v->text;
    uint32_t fit = x->col_width[c] - WIDTH_PAD;
    if (!memchr(u, '\n', v->len) && (v->len <= fit || display_width(u, v->len) <= fit))
        return 0;
    unsigned l = wrap_lines(u, v->len, (size_t)((x->col_width[c] - 1) * TEXT_PER_UNIT));
    if (l > *lines)
        *lines = l;
    return 1;
}

/* Write a text cell, escaped. */
static lxw_error put_text(struct conv_writer *w, struct xw *x, struct xw_sheet *sh, lxw_row_t r,
                          size_t c, const char *s, size_t n, lxw_format *fmt)
{
    const char *t = cell_text(&x->tmp, s, n);
    if (!t) {
        nomem(w);
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
    const struct convp_slot *s = slot_of(v);
    convp_error_at_slot(&w->err, CONV_E_LIMIT, rec->source, rec, s,
                        "record %llu, field '%.60s': text of %zu characters is over Excel's "
                        "%u in a cell",
                        (unsigned long long)rec->index, rec->schema->fields[s->field].name, chars,
                        CONVP_XLSX_MAX_TEXT);
    return 1;
}

/* Write one value at row r, column c: wrapped when wraps is set, aligned to
 * the top when top is (a row with wrapped text). */
static int put_value(struct conv_writer *w, struct xw *x, struct xw_sheet *sh, lxw_row_t r,
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
        struct xw_number num;
        int grouped = t == CONV_DECIMAL || x->grouped[c];
        if (plan_number(w->ctx, v->text, v->len, grouped, &num) != 0)
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
static int write_row(struct conv_writer *w, struct xw *x, const struct conv_record *rec,
                     const struct conv_value *const *row)
{
    if (x->sum_ws && summary_count(w, x, row[x->sum_col]) != CONV_OK)
        return CONV_ERR;
    long g = group_of(w, x, x->sheet_by ? row[x->by_col] : NULL);
    struct xw_sheet *sh = sheet_for(w, x, g);
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
            return lxw_fail(w, e, "cannot set a row's height");
    }
    return CONV_OK;
}

/* ---- the sample ------------------------------------------------------------------------ */

/* How wide a value shows, in characters. */
static size_t value_width(struct conv_writer *w, struct xw *x, size_t c, const struct conv_value *v)
{
    enum conv_type t = v->flags & CONV_VALUE_RAW ? CONV_STRING : v->type;
    struct xw_number num;
    lxw_datetime dt;
    int frac;
    switch (t) {
    case CONV_INTEGER:
    case CONV_DECIMAL:
        if (plan_number(w->ctx, v->text, v->len, t == CONV_DECIMAL || x->grouped[c], &num) == 0)
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
    return display_width((const unsigned char *)v->text, v->len);
}

static int hold_bytes(struct convp_buf *b, const void *p, size_t n)
{
    return convp_buf_append(b, p, n);
}

/* Measure a record of the sample and keep it for later. */
static int hold_row(struct conv_writer *w, struct xw *x, const struct conv_record *rec,
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
        const struct convp_slot *s = slot_of(v);
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
        return nomem(w);
    x->held_n++;
    return CONV_OK;
}

static void take(const char **p, void *dst, size_t n)
{
    memcpy(dst, *p, n);
    *p += n;
}

/* The sample is measured: set the widths, then write the records held. */
static int end_sample(struct conv_writer *w, struct xw *x)
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
        unsigned l = wrap_lines((const unsigned char *)label, strlen(label),
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
                return nomem(w);
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

static int xw_put(struct conv_writer *w, const struct conv_record *rec)
{
    struct xw *x = w->drv;
    if (x->rep)
        return convp_xrep_put(x->rep, w, rec);
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
static int put_meta_sheet(struct conv_writer *w, struct xw *x)
{
    const struct conv_schema *h = w->header;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, SHEET_META);
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
            const char *t = cell_text(&x->tmp, texts[c], strlen(texts[c]));
            if (!t)
                return nomem(w);
            e = worksheet_write_string(ws, r, c, t, NULL);
        }
        if (!e)
            e = worksheet_write_boolean(ws, r, 5, f->required != 0, NULL);
        if (x->sum_ws && !e && r == 1)
            e = worksheet_write_string(ws, 1, 6, SHEET_SUMMARY, NULL);
    }
    return e ? lxw_fail(w, e, "cannot write the sheet " SHEET_META) : CONV_OK;
}

/* Copy our temporary workbook to the output (stdout, memory, callback). */
static int copy_out(struct conv_writer *w, struct xw *x)
{
    char buf[65536];
    if (lseek(x->own_fd, 0, SEEK_SET) != 0) {
        convp_error_set(&w->err, CONV_E_IO, "temporary file", 0, 0, "cannot rewind: %s",
                        strerror(errno));
        return CONV_ERR;
    }
    for (;;) {
        ssize_t r = read(x->own_fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            convp_error_set(&w->err, CONV_E_IO, "temporary file", 0, 0, "read error: %s",
                            strerror(errno));
            return CONV_ERR;
        }
        if (r == 0)
            return CONV_OK;
        if (convp_output_write(w->out, buf, (size_t)r, &w->err) != CONV_OK)
            return CONV_ERR;
    }
}

static int xw_finish(struct conv_writer *w)
{
    struct xw *x = w->drv;
    if (x->rep && convp_xrep_finish(x->rep, w, x->wb) != CONV_OK)
        return CONV_ERR;
    if (x->sampling && end_sample(w, x) != CONV_OK)
        return CONV_ERR;
    /* No records: the sheet with its header only. */
    if (!x->rep && x->nsheets == 0 && new_group(w, x, SHEET_DEFAULT, strlen(SHEET_DEFAULT)) < 0)
        return CONV_ERR;
    uint64_t biggest = 0;
    for (size_t i = 0; i < x->nsheets; i++) {
        struct xw_sheet *sh = &x->sheets[i];
        if (sh->xml_bytes > biggest)
            biggest = sh->xml_bytes;
        if (x->plain || x->ncol == 0)
            continue;
        /* In constant_memory mode a filter can only end at the last row
         * written, hence here. */
        lxw_error e =
            worksheet_autofilter(sh->ws, HEADER_ROW, 0, sh->next_row - 1, (lxw_col_t)(x->ncol - 1));
        if (e)
            return lxw_fail(w, e, "cannot set the filter");
    }
    if (summary_write(w, x) != CONV_OK)
        return CONV_ERR;
    if (!x->plain && !x->rep && put_meta_sheet(w, x) != CONV_OK)
        return CONV_ERR;
    lxw_doc_properties props = {
        .title = x->title,
        .subject = x->source,
        .author = (char *)x->author,
        .comments = x->comments,
        .created = x->created,
    };
    lxw_error e = workbook_set_properties(x->wb, &props);
    if (e)
        return lxw_fail(w, e, "cannot set the document properties");
    /* A part over 4 GB needs ZIP64, which is left off otherwise (it is the
     * exception in the files Excel writes): turned on only when a sheet's
     * XML may come near that. */
    if (biggest > ZIP64_AT)
        x->wb->options.use_zip64 = LXW_TRUE;
    lxw_workbook *wb = x->wb;
    x->wb = NULL; /* closed and freed whatever happens */
    e = workbook_close(wb);
    if (e)
        return lxw_fail(w, e, "cannot write the workbook");
    return x->own_path ? copy_out(w, x) : CONV_OK;
}

static void xw_close(struct conv_writer *w)
{
    struct xw *x = w->drv;
    if (!x)
        return;
    if (x->wb) {
        /* lxw_workbook_free() leaves the constant_memory temporary files
         * open (libxlsxwriter 1.1.4): close them first. */
        for (size_t i = 0; i < x->nsheets; i++)
            if (x->sheets[i].ws && x->sheets[i].ws->optimize_tmpfile) {
                fclose(x->sheets[i].ws->optimize_tmpfile);
                x->sheets[i].ws->optimize_tmpfile = NULL;
                x->sheets[i].ws->file = NULL;
            }
        if (x->sum_ws && x->sum_ws->optimize_tmpfile) {
            fclose(x->sum_ws->optimize_tmpfile);
            x->sum_ws->optimize_tmpfile = NULL;
            x->sum_ws->file = NULL;
        }
        lxw_workbook_free(x->wb);
    }
    if (x->own_path) {
        if (x->own_named)
            unlink(x->own_path);
        convp_free(w->ctx, x->own_path);
    }
    if (x->own_fd >= 0)
        close(x->own_fd);
    for (size_t c = 0; x->head && c < x->ncol; c++)
        convp_free(w->ctx, x->head[c]);
    convp_free(w->ctx, x->head);
    convp_free(w->ctx, x->grouped);
    convp_free(w->ctx, x->width);
    convp_free(w->ctx, x->head_width);
    convp_free(w->ctx, x->head_word);
    convp_free(w->ctx, x->col_width);
    convp_free(w->ctx, x->replay_row);
    convp_free(w->ctx, x->wraps);
    convp_buf_free(&x->held);
    if (x->replay.ctx)
        convp_record_fini(&x->replay);
    for (size_t g = 0; g < x->ngroups; g++)
        convp_free(w->ctx, x->groups[g].base);
    convp_free(w->ctx, x->groups);
    convp_free(w->ctx, x->key_group);
    convp_free(w->ctx, x->sheets);
    conv_schema_free(x->keys);
    conv_schema_free(x->taken);
    conv_schema_free(x->sum_keys);
    convp_free(w->ctx, x->sum_counts);
    convp_buf_free(&x->tmp);
    convp_xrep_free(x->rep);
    convp_free(w->ctx, x->tmpdir);
    convp_free(w->ctx, x->title);
    convp_free(w->ctx, x->title_cell);
    convp_free(w->ctx, x->source);
    convp_free(w->ctx, x->comments);
    convp_free(w->ctx, x);
    w->drv = NULL;
}

const struct convp_writer_ops convp_xlsx_writer_ops = {
    .open = xw_open,
    .begin = xw_begin,
    .put = xw_put,
    .finish = xw_finish,
    .close = xw_close,
};

/* ---- for the report layout (xlsx_report.h) --------------------------------------------------- */

int convp_xlsx_plan_number(struct conv_context *ctx, const char *s, size_t n,
                           struct convp_xlsx_number *num)
{
    struct xw_number k;
    if (plan_number(ctx, s, n, 1, &k) != 0)
        return -1;
    num->value = k.value;
    num->decimals = k.decimals;
    num->width = k.width;
    return 0;
}

const char *convp_xlsx_cell_text(struct convp_buf *b, const char *s, size_t n)
{
    return cell_text(b, s, n);
}

size_t convp_xlsx_display_width(const char *s, size_t n)
{
    return display_width((const unsigned char *)s, n);
}

unsigned convp_xlsx_wrap_lines(const char *s, size_t n, size_t width)
{
    return wrap_lines((const unsigned char *)s, n, width);
}

int convp_xlsx_sheet_base(struct convp_buf *b, const char *text, size_t n, size_t room)
{
    return sheet_base(b, text, n, room);
}
