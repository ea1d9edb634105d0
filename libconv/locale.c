/*
 * Values written the Vietnamese way: numbers with '.' grouping and a
 * decimal comma (13.090, 552,6, 16,5 %), booleans ĐÚNG/SAI and dates
 * dd/mm/yyyy, rewritten to canonical text without passing through a
 * binary number; and the classification that lets the reader tell the
 * notation of a text input from its values.
 */
#include "conv_private.h"

static inline int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* A percent sign after a number: '%', ' %', or '%' after U+00A0 / U+202F. */
static size_t percent_suffix(const unsigned char *s, size_t n)
{
    if (n == 0 || s[n - 1] != '%')
        return 0;
    if (n >= 2 && s[n - 2] == ' ')
        return 2;
    if (n >= 3 && s[n - 3] == 0xC2 && s[n - 2] == 0xA0)
        return 3;
    if (n >= 4 && s[n - 4] == 0xE2 && s[n - 3] == 0x80 && s[n - 2] == 0xAF)
        return 4;
    return 1;
}

/*
 * The shape of a number body (no sign, no percent sign):
 *   plain   digits, no leading zero unless alone
 *   grouped [1-9][0-9]{0,2}(.[0-9]{3})+  (groups: the dot count)
 * then optionally ',' digits (a decimal comma).
 */
struct vi_num {
    int ok;        /* the body is a Vietnamese-style number */
    size_t groups; /* dots in the integer part */
    int comma;     /* has a decimal comma */
};

static struct vi_num vi_parse(const unsigned char *s, size_t n)
{
    struct vi_num r = {0, 0, 0};
    size_t i = 0;
    if (i >= n || !is_digit(s[i]))
        return r;
    size_t start = i;
    while (i < n && is_digit(s[i]))
        i++;
    size_t lead = i - start;
    if (i < n && s[i] == '.') {
        if (lead > 3 || s[start] == '0')
            return r;
        while (i < n && s[i] == '.') {
            if (i + 4 > n || !is_digit(s[i + 1]) || !is_digit(s[i + 2]) || !is_digit(s[i + 3]))
                return r;
            i += 4;
            r.groups++;
        }
        if (i < n && is_digit(s[i]))
            return r;
    } else if (lead > 1 && s[start] == '0') {
        return r; /* 0167: a code, not a number */
    }
    if (i < n && s[i] == ',') {
        i++;
        if (i >= n || !is_digit(s[i]))
            return r;
        while (i < n && is_digit(s[i]))
            i++;
        r.comma = 1;
    }
    r.ok = i == n;
    return r;
}

/* ĐÚNG / SAI in any case (NFC): 1 true, 0 false, -1 neither. */
static int vi_bool(const unsigned char *s, size_t n)
{
    if (n == 3 && (s[0] | 0x20) == 's' && (s[1] | 0x20) == 'a' && (s[2] | 0x20) == 'i')
        return 0;
    /* Đ U+0110 / đ U+0111, Ú U+00DA / ú U+00FA. */
    if (n == 6 && s[0] == 0xC4 && (s[1] == 0x90 || s[1] == 0x91) && s[2] == 0xC3 &&
        (s[3] == 0x9A || s[3] == 0xBA) && (s[4] | 0x20) == 'n' && (s[5] | 0x20) == 'g')
        return 1;
    return -1;
}

static int num(const unsigned char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* d/m/yyyy or dd/mm/yyyy, a valid calendar date: writes yyyy-mm-dd. */
static int vi_date(const unsigned char *s, size_t n, char *out)
{
    size_t a = 0;
    while (a < n && a < 3 && is_digit(s[a]))
        a++;
    if (a < 1 || a > 2 || a >= n || s[a] != '/')
        return 0;
    size_t b = a + 1;
    while (b < n && b - a - 1 < 3 && is_digit(s[b]))
        b++;
    if (b - a - 1 < 1 || b - a - 1 > 2 || b >= n || s[b] != '/' || n - b - 1 != 4)
        return 0;
    int d, m, y;
    if (!num(s, a, &d) || !num(s + a + 1, b - a - 1, &m) || !num(s + b + 1, 4, &y))
        return 0;
    char iso[11];
    iso[0] = (char)s[b + 1];
    iso[1] = (char)s[b + 2];
    iso[2] = (char)s[b + 3];
    iso[3] = (char)s[b + 4];
    iso[4] = '-';
    iso[5] = (char)('0' + m / 10);
    iso[6] = (char)('0' + m % 10);
    iso[7] = '-';
    iso[8] = (char)('0' + d / 10);
    iso[9] = (char)('0' + d % 10);
    iso[10] = '\0';
    if (!convp_is_date(iso, 10))
        return 0;
    memcpy(out, iso, 10);
    return 1;
}

/* dd/mm/yyyy hh:mm[:ss]: writes yyyy-mm-ddThh:mm:ss, returns its length. */
static size_t vi_datetime(const unsigned char *s, size_t n, char *out)
{
    size_t sp = 0;
    while (sp < n && s[sp] != ' ')
        sp++;
    if (sp >= n || sp < 8 || !vi_date(s, sp, out))
        return 0;
    const unsigned char *t = s + sp + 1;
    size_t tn = n - sp - 1;
    size_t hl = 0;
    while (hl < tn && hl < 3 && is_digit(t[hl]))
        hl++;
    int h, mi, se = 0;
    if (hl < 1 || hl > 2 || hl >= tn || t[hl] != ':' || !num(t, hl, &h))
        return 0;
    const unsigned char *r = t + hl + 1;
    size_t rn = tn - hl - 1;
    if (rn == 2) {
        if (!num(r, 2, &mi))
            return 0;
    } else if (rn == 5 && r[2] == ':') {
        if (!num(r, 2, &mi) || !num(r + 3, 2, &se))
            return 0;
    } else {
        return 0;
    }
    if (h > 23 || mi > 59 || se > 59)
        return 0;
    char *o = out + 10;
    o[0] = 'T';
    o[1] = (char)('0' + h / 10);
    o[2] = (char)('0' + h % 10);
    o[3] = ':';
    o[4] = (char)('0' + mi / 10);
    o[5] = (char)('0' + mi % 10);
    o[6] = ':';
    o[7] = (char)('0' + se / 10);
    o[8] = (char)('0' + se % 10);
    return 19;
}

enum conv_type convp_vi_canon(const char *text, size_t n, char *out, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)text;
    if (n == 0)
        return CONV_STRING;
    int b = vi_bool(s, n);
    if (b >= 0) {
        *out_len = b ? 4 : 5;
        memcpy(out, b ? "true" : "false", *out_len);
        return CONV_BOOLEAN;
    }
    if (!is_digit(s[0]) && s[0] != '-' && s[0] != '+')
        return CONV_STRING;
    if (n >= 8 && n <= 10 && vi_date(s, n, out)) {
        *out_len = 10;
        return CONV_DATE;
    }
    if (n >= 12 && n <= 19) {
        size_t k = vi_datetime(s, n, out);
        if (k) {
            *out_len = k;
            return CONV_DATETIME;
        }
    }
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    size_t end = n - percent_suffix(s, n);
    struct vi_num v = vi_parse(s + i, end - i);
    if (!v.ok)
        return CONV_STRING;
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    for (; i < end; i++) {
        if (s[i] == '.')
            continue;
        out[o++] = s[i] == ',' ? '.' : (char)s[i];
    }
    *out_len = o;
    return v.comma ? CONV_DECIMAL : CONV_INTEGER;
}

int convp_loc_classify(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    if (n == 0)
        return CONVP_LOC_NONE;
    unsigned char c = s[0];
    if (c == 0xC4 || c == 'S' || c == 's')
        return vi_bool(s, n) >= 0 ? CONVP_LOC_VI_WEAK : CONVP_LOC_NONE;
    if (!is_digit(c) && c != '-' && c != '+')
        return CONVP_LOC_NONE;
    size_t i = c == '-' || c == '+';
    size_t pct = percent_suffix(s, n);
    size_t end = n - pct;
    if (i >= end)
        return CONVP_LOC_NONE;
    /* Fast answers for the common plain forms. */
    size_t k = i;
    while (k < end && is_digit(s[k]))
        k++;
    if (k == end) {
        if (pct == 0 && c != '+')
            return CONVP_LOC_NONE; /* an integer or a code: the same both ways */
        return vi_parse(s + i, end - i).ok ? CONVP_LOC_VI_WEAK : CONVP_LOC_NONE;
    }
    if (s[k] == '/') {
        char tmp[20];
        if ((n <= 10 && vi_date(s, n, tmp)) || (n >= 12 && n <= 19 && vi_datetime(s, n, tmp)))
            return CONVP_LOC_VI_WEAK;
        return CONVP_LOC_NONE;
    }
    struct vi_num v = vi_parse(s + i, end - i);
    if (v.ok) {
        if (v.groups >= 2 || (v.groups >= 1 && v.comma))
            return CONVP_LOC_VI;
        if (v.comma)
            return CONVP_LOC_VI_COMMA;
        if (v.groups == 1)
            return CONVP_LOC_AMBIG; /* 13.090 */
        return CONVP_LOC_VI_WEAK;
    }
    /* A number only C reads: 552.6, 0.165, 1234.5, 1e5. */
    if (pct == 0 && c != '+' && convp_is_decimal(text, n))
        return CONVP_LOC_C;
    return CONVP_LOC_NONE;
}
