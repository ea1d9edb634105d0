/* Cell helpers of the spreadsheet layer; see sheet_cells.h. */
#include "sheet_cells.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void convp_sheet_ref(const char *name, char *out, size_t size)
{
    int plain = name[0] && !(name[0] >= '0' && name[0] <= '9');
    for (const unsigned char *p = (const unsigned char *)name; *p && plain; p++)
        plain = (*p >= 0x80) || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || *p == '_' || *p == '.';
    size_t k = 0;
    if (!plain && k + 1 < size)
        out[k++] = '\'';
    for (const char *p = name; *p && k + 4 < size; p++) {
        if (*p == '\'' && !plain)
            out[k++] = '\'';
        out[k++] = *p;
    }
    if (!plain && k + 1 < size)
        out[k++] = '\'';
    out[k] = '\0';
}

/* v with at most prec significant digits (15 to 17), shortest form. */
static size_t number_text(double v, int prec, char *out, int *integral)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    /* The radix character depends on the locale: take the digits only. */
    char dig[20];
    size_t nd = 0;
    const char *p = buf;
    int neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '0' && *p <= '9' && nd < (size_t)prec)
            dig[nd++] = *p;
    int e10 = *p ? atoi(p + 1) : 0;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    size_t k = 0;
    *integral = 0;
    if (nd == 1 && dig[0] == '0') {
        out[0] = '0';
        out[1] = '\0';
        *integral = 1;
        return 1;
    }
    if (neg)
        out[k++] = '-';
    if (e10 >= 21 || e10 < -7) {
        out[k++] = dig[0];
        if (nd > 1) {
            out[k++] = '.';
            memcpy(out + k, dig + 1, nd - 1);
            k += nd - 1;
        }
        k += (size_t)snprintf(out + k, 8, "e%c%d", e10 < 0 ? '-' : '+', e10 < 0 ? -e10 : e10);
        return k;
    }
    if (e10 >= 0) {
        size_t ip = (size_t)e10 + 1;
        for (size_t i = 0; i < ip; i++)
            out[k++] = i < nd ? dig[i] : '0';
        if (nd > ip) {
            out[k++] = '.';
            memcpy(out + k, dig + ip, nd - ip);
            k += nd - ip;
        } else {
            *integral = 1;
        }
    } else {
        out[k++] = '0';
        out[k++] = '.';
        for (int i = 0; i < -e10 - 1; i++)
            out[k++] = '0';
        memcpy(out + k, dig, nd);
        k += nd;
    }
    out[k] = '\0';
    return k;
}

size_t convp_shortest_number(double v, char *out, int *integral)
{
    return number_text(v, 15, out, integral);
}

size_t convp_roundtrip_number(double v, char *out, int *integral)
{
    size_t n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = number_text(v, prec, out, integral);
        /* Read back with the digits only: the radix character is locale's. */
        char buf[48];
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return n;
}

int convp_cell_verror(struct conv_reader *rd, enum conv_errcode code, const char *sheet,
                      uint64_t row, uint32_t col, const char *fmt, va_list ap)
{
    char msg[200], ref[120], cn[8];
    vsnprintf(msg, sizeof msg, fmt, ap);
    convp_sheet_ref(sheet ? sheet : "", ref, sizeof ref);
    convp_col_name(col, cn);
    if (col)
        convp_error_set(&rd->err, code, rd->source, row, col, "%s!%s%llu: %s", ref, cn,
                        (unsigned long long)row, msg);
    else
        convp_error_set(&rd->err, code, rd->source, row, 0, "%s, row %llu: %s", ref,
                        (unsigned long long)row, msg);
    return CONV_ERR;
}

/* ---- number formats ------------------------------------------------------------------------ */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int starts_fold(const char *s, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (lower((unsigned char)s[i]) != word[i])
            return 0;
    return 1;
}

/* Skip one UTF-8 character at s[i]. */
static size_t skip_char(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return n;
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/*
 * What a number format code shows, from its first section: a date or a
 * time (d, m, y, h, s, AM/PM or [h] [m] [s] outside quotes, escapes and
 * brackets), a percentage, another kind that shows no plain decimals
 * (scientific, fraction, text), or a number with its required decimals.
 */
struct convp_numfmt convp_numfmt_classify(const char *s, size_t n)
{
    int date = 0, time = 0, percent = 0, other = 0, digits = 0, point = 0, after = 0;
    int subsec = 0, zeros = 0, counting = 0;
    char last = 0; /* the last date/time letter */
    struct convp_numfmt f = {CONVP_NF_GENERAL, 0};
    for (size_t i = 0; i < n;) {
        char c = s[i];
        int lc = lower((unsigned char)c);
        if (c == ';')
            break;
        if (c != '0')
            counting = 0;
        if (c == '"') {
            const char *q = memchr(s + i + 1, '"', n - i - 1);
            i = q ? (size_t)(q - s) + 1 : n;
            continue;
        }
        if (c == '\\' || c == '_' || c == '*') {
            i = skip_char(s, n, i + 1);
            continue;
        }
        if (c == '[') {
            const char *q = memchr(s + i + 1, ']', n - i - 1);
            size_t e = q ? (size_t)(q - s) : n, k = i + 1;
            int same = k < e;
            while (k < e && lower((unsigned char)s[k]) == lower((unsigned char)s[i + 1]))
                k++;
            int l1 = lower((unsigned char)s[i + 1]);
            if (same && k == e && (l1 == 'h' || l1 == 'm' || l1 == 's')) {
                time = 1;
                last = (char)l1;
            }
            i = q ? e + 1 : n;
            continue;
        }
        if (starts_fold(s + i, n - i, "general")) {
            i += 7;
            continue;
        }
        if (starts_fold(s + i, n - i, "am/pm")) {
            time = 1;
            i += 5;
            continue;
        }
        if (starts_fold(s + i, n - i, "a/p")) {
            time = 1;
            i += 3;
            continue;
        }
        if ((lc == 'e') && i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-')) {
            other = 1;
            i += 2;
            continue;
        }
        switch (lc) {
        case 'y':
        case 'd':
            date = 1;
            last = (char)lc;
            break;
        case 'h':
        case 's':
            time = 1;
            last = (char)lc;
            break;
        case 'm': {
            size_t k = i;
            while (k < n && lower((unsigned char)s[k]) == 'm')
                k++;
            /* Minutes after hours or before seconds; else months. */
            size_t j = k;
            while (j < n && !strchr("dmyhsDMYHS\"[", s[j]))
                j++;
            if (last == 'h' || (j < n && lower((unsigned char)s[j]) == 's') ||
                (j + 1 < n && s[j] == '[' && lower((unsigned char)s[j + 1]) == 's'))
                time = 1;
            else
                date = 1;
            last = 'm';
            i = k;
            continue;
        }
        case '.':
            if (last == 's' && (date || time)) {
                size_t k = i + 1;
                while (k < n && s[k] == '0')
                    k++;
                subsec = (int)(k - i - 1);
                i = k;
                continue;
            }
            point = 1;
            counting = 1;
            i++;
            continue;
        case '0':
            digits = 1;
            if (point && counting)
                zeros++;
            after |= point;
            break;
        case '#':
        case '?':
            digits = 1;
            after |= point;
            break;
        case '%':
            percent = 1;
            break;
        case '/':
            if (digits)
                other = 1;
            break;
        case '@':
            other = 1;
            break;
        default:
            break;
        }
        i = skip_char(s, n, i);
    }
    (void)after;
    if (date || time) {
        f.kind = time ? CONVP_NF_DATETIME : CONVP_NF_DATE;
        f.dec = (uint8_t)(subsec > 3 ? 3 : subsec);
    } else if (percent) {
        f.kind = CONVP_NF_PERCENT;
    } else if (other) {
        f.kind = CONVP_NF_OTHER;
    } else if (digits) {
        f.kind = CONVP_NF_NUMBER;
        f.dec = (uint8_t)(zeros > 60 ? 60 : zeros);
    }
    return f;
}

/* Excel's built-in formats (en-US), by id. */
static const char *const builtin_formats[50] = {
    [0] = "General",
    [1] = "0",
    [2] = "0.00",
    [3] = "#,##0",
    [4] = "#,##0.00",
    [5] = "$#,##0_);($#,##0)",
    [6] = "$#,##0_);[Red]($#,##0)",
    [7] = "$#,##0.00_);($#,##0.00)",
    [8] = "$#,##0.00_);[Red]($#,##0.00)",
    [9] = "0%",
    [10] = "0.00%",
    [11] = "0.00E+00",
    [12] = "# ?/?",
    [13] = "# ?\?/??",
    [14] = "mm-dd-yy",
    [15] = "d-mmm-yy",
    [16] = "d-mmm",
    [17] = "mmm-yy",
    [18] = "h:mm AM/PM",
    [19] = "h:mm:ss AM/PM",
    [20] = "h:mm",
    [21] = "h:mm:ss",
    [22] = "m/d/yy h:mm",
    [37] = "#,##0 ;(#,##0)",
    [38] = "#,##0 ;[Red](#,##0)",
    [39] = "#,##0.00;(#,##0.00)",
    [40] = "#,##0.00;[Red](#,##0.00)",
    [41] = "_(* #,##0_);_(* \\(#,##0\\);_(* \"-\"_);_(@_)",
    [42] = "_(\"$\"* #,##0_);_(\"$\"* \\(#,##0\\);_(\"$\"* \"-\"_);_(@_)",
    [43] = "_(* #,##0.00_);_(* \\(#,##0.00\\);_(* \"-\"??_);_(@_)",
    [44] = "_(\"$\"* #,##0.00_);_(\"$\"* \\(#,##0.00\\);_(\"$\"* \"-\"??_);_(@_)",
    [45] = "mm:ss",
    [46] = "[h]:mm:ss",
    [47] = "mmss.0",
    [48] = "##0.0E+0",
    [49] = "@",
};

struct convp_numfmt convp_numfmt_builtin(uint32_t id)
{
    struct convp_numfmt f = {CONVP_NF_GENERAL, 0};
    if (id < sizeof builtin_formats / sizeof builtin_formats[0] && builtin_formats[id])
        f = convp_numfmt_classify(builtin_formats[id], strlen(builtin_formats[id]));
    return f;
}

const char *convp_numfmt_builtin_code(uint32_t id)
{
    if (id == 0 || id >= sizeof builtin_formats / sizeof builtin_formats[0])
        return NULL;
    return builtin_formats[id];
}

size_t convp_numfmt_pad(struct convp_numfmt f, const char *text, size_t len, char *out, size_t size)
{
    if (f.kind != CONVP_NF_NUMBER || !f.dec || memchr(text, 'e', len))
        return 0;
    const char *dot = memchr(text, '.', len);
    size_t have = dot ? len - (size_t)(dot - text) - 1 : 0;
    if (have >= f.dec || len + 2 + (size_t)(f.dec - have) > size)
        return 0;
    if (text != out)
        memmove(out, text, len);
    size_t k = len;
    if (!dot)
        out[k++] = '.';
    while (have < f.dec) {
        out[k++] = '0';
        have++;
    }
    out[k] = '\0';
    return k;
}

/* ---- date serials -------------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

int convp_serial_text(double v, int date1904, struct convp_numfmt f, char *out, size_t size,
                      enum conv_type *type, size_t *len)
{
    if (!(v >= 0) || v >= 2958466.0 || size < 48)
        return -1;
    int64_t ms = (int64_t)(v * 86400000.0 + 0.5); /* v >= 0: rounds to the millisecond */
    int64_t days = ms / 86400000, msd = ms % 86400000;
    if (days > 2958465)
        return -1;
    int64_t z;
    if (date1904) {
        z = days_from_civil(1904, 1, 1) + days;
    } else if (days == 60) {
        return -2;
    } else {
        /* Serial 1 is 1900-01-01; Excel counts a 29 February 1900, so from
         * serial 61 on the days are one fewer than they look. */
        z = days_from_civil(1899, 12, days < 60 ? 31 : 30) + days;
    }
    int y;
    unsigned mo, d;
    civil_from_days(z, &y, &mo, &d);
    if (f.kind != CONVP_NF_DATETIME && msd == 0) {
        *len = (size_t)snprintf(out, size, "%04d-%02u-%02u", y, mo, d);
        *type = CONV_DATE;
        return 0;
    }
    unsigned hh = (unsigned)(msd / 3600000), mi = (unsigned)(msd / 60000 % 60),
             ss = (unsigned)(msd / 1000 % 60), mss = (unsigned)(msd % 1000);
    size_t n = (size_t)snprintf(out, size, "%04d-%02u-%02uT%02u:%02u:%02u", y, mo, d, hh, mi, ss);
    int digits = f.dec;
    if (mss && digits < 3)
        digits = 3;
    if (digits) {
        char fr[12];
        snprintf(fr, sizeof fr, "%03u", mss);
        out[n++] = '.';
        for (int k = 0; k < digits; k++)
            out[n++] = k < 3 ? fr[k] : '0';
        out[n] = '\0';
    }
    *len = n;
    *type = CONV_DATETIME;
    return 0;
}
