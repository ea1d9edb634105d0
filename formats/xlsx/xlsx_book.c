/*
 * What every layout of the XLSX writer shares (xlsx_book.h): errors, the
 * width and wrapping of text as a spreadsheet shows it, the escapes of cell
 * text, valid sheet names, and numbers planned as exact number cells with
 * the format that shows the digits of their text.
 */
#include "xlsx_book.h"

#include "sheet_cells.h"

#include <math.h>
#include <stdlib.h>

#define EXCEL_DIGITS 15 /* significant digits Excel keeps */
#define MAX_LINES 27    /* Excel's highest row is 409 points */

/* ---- errors ---------------------------------------------------------------------------------- */

int convp_xlsx_nomem(struct conv_writer *w)
{
    convp_error_set(&w->err, CONV_E_NOMEM, convp_output_name(w->out), 0, 0, "out of memory");
    return CONV_ERR;
}

enum conv_errcode convp_xlsx_lxw_code(lxw_error e)
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

int convp_xlsx_lxw_fail(struct conv_writer *w, lxw_error e, const char *what)
{
    convp_error_set(&w->err, convp_xlsx_lxw_code(e), convp_output_name(w->out), 0, 0, "%s: %s",
                    what, lxw_strerror(e));
    return CONV_ERR;
}

int convp_xlsx_grow(struct conv_writer *w, void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return CONV_OK;
    size_t c = *cap ? *cap * 2 : 16;
    void *q = convp_realloc(w->ctx, *p, c * size);
    if (!q)
        return convp_xlsx_nomem(w);
    *p = q;
    *cap = c;
    return CONV_OK;
}

const struct convp_slot *convp_xlsx_slot_of(const struct conv_value *v)
{
    return (const struct convp_slot *)((const char *)v - offsetof(struct convp_slot, value));
}

/* ---- text --------------------------------------------------------------------------------------
 */

size_t convp_xlsx_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
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

/* Whether byte i of s starts a character that takes room on a line: not a
 * continuation byte, nor a combining mark (U+0300..U+036F, UTF-8 CC 80 ..
 * CD AF), so decomposed Vietnamese is as wide as precomposed. */
static int takes_room(const unsigned char *s, size_t n, size_t i)
{
    unsigned char c = s[i];
    return (c & 0xC0) != 0x80 && !(c == 0xCC || (c == 0xCD && i + 1 < n && s[i + 1] < 0xB0));
}

size_t convp_xlsx_display_width(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            if (cur > best)
                best = cur;
            cur = 0;
        } else if (takes_room(s, n, i)) {
            cur++;
        }
    }
    return cur > best ? cur : best;
}

/*
 * Words go on the line while they fit, a word longer than a line is
 * broken; a line break starts a line.
 */
unsigned convp_xlsx_wrap_lines(const char *text, size_t n, size_t width)
{
    const unsigned char *s = (const unsigned char *)text;
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
        } else if (takes_room(s, n, i)) {
            word++;
        }
    }
    return lines < MAX_LINES ? lines : MAX_LINES;
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
 * Excel decodes _xHHHH_ in cell text (libxlsxwriter writes control
 * characters that way), so text that holds one literally gets its
 * underscore escaped as _x005F_.
 */
const char *convp_xlsx_cell_text(struct convp_buf *b, const char *s, size_t n)
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

/*
 * Characters Excel refuses in a sheet name ([ ] : * ? / \ and controls)
 * become '_', so does an apostrophe at either end.
 */
int convp_xlsx_sheet_base(struct convp_buf *b, const char *text, size_t n, size_t room)
{
    const unsigned char *s = (const unsigned char *)text;
    b->len = 0;
    if (n == 0) {
        text = CONVP_XLSX_SHEET_EMPTY;
        s = (const unsigned char *)text;
        n = strlen(text);
    }
    size_t chars = 0;
    for (size_t i = 0; i < n && chars < room; chars++) {
        uint32_t c;
        size_t k = convp_xlsx_utf8_next(s + i, n - i, &c);
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

/* ---- numbers --------------------------------------------------------------------------------- */

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * Excel cannot show a number exactly with more than 15 significant digits,
 * out of its range, or as a negative zero: such a number stays text.
 */
int convp_xlsx_plan_number(struct conv_context *ctx, const char *s, size_t n, int grouped,
                           struct convp_xlsx_number *num)
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
    if (exp || frac > CONVP_XLSX_MAX_DECIMALS) {
        num->decimals = -1;
        num->width = n;
    } else {
        num->decimals = (int)frac;
        num->width =
            (size_t)neg + int_digits + (grouped ? (int_digits - 1) / 3 : 0) + (frac ? frac + 1 : 0);
    }
    return 0;
}

int convp_xlsx_plan_float(const char *s, size_t n, struct convp_xlsx_number *num)
{
    char buf[64], back[48], g[48];
    if (n == 0 || n >= sizeof buf || !memchr(s, '.', n))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + n || !isfinite(v))
        return -1;
    int integral;
    size_t k = convp_roundtrip_number(v, back, &integral);
    if (k != n || memcmp(back, s, n) != 0)
        return -1;
    snprintf(g, sizeof g, "%.16G", v); /* what worksheet_write_number() stores */
    if (strtod(g, NULL) != v)
        return -1;
    num->value = v;
    num->decimals = -1;
    num->width = n;
    return 0;
}

void convp_xlsx_number_code(char *code, size_t size, int decimals, int grouped)
{
    size_t k = (size_t)snprintf(code, size, "%s", grouped ? "#,##0" : "0");
    if (decimals > 0 && k + 1 + (size_t)decimals < size) {
        code[k++] = '.';
        memset(code + k, '0', (size_t)decimals);
        k += (size_t)decimals;
        code[k] = '\0';
    }
}
