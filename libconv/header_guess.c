/*
 * Does a row a reader guessed as the header read like a record?  The CSV
 * and spreadsheet readers ask this of the row they took, against the rows
 * below it, to warn when the guess looks wrong: column by column, a name
 * over values of another shape (text over numbers, "Country Code" over
 * "ABW") says header, a value over values of its own shape ("01" over
 * "04") says record.  Years over numbers are the period labels of wide
 * tables (PX-Web, the World Bank): a header.
 */
#include "conv_private.h"

enum { SH_EMPTY, SH_NUMBER, SH_YEAR, SH_DATE, SH_TEXT };

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The shape of a text: a number (digits with . or , between groups, a
 * sign first, a percent sign last), a year (1800 to 2100), a date
 * (yyyy-mm-dd, d/m/yyyy), other text, or nothing. */
static int shape(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!n)
        return SH_EMPTY;
    if (n == 4 && digit(s[0]) && digit(s[1]) && digit(s[2]) && digit(s[3])) {
        int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        if (y >= 1800 && y <= 2100)
            return SH_YEAR;
    }
    if (n == 10 && convp_is_date(s, n))
        return SH_DATE;
    size_t i = 0, slashes = 0, digits = 0;
    for (size_t k = 0; k < n; k++) {
        slashes += s[k] == '/';
        digits += digit(s[k]) != 0;
    }
    if (slashes == 2 && digits + 2 == n && n >= 8 && n <= 10)
        return SH_DATE;
    if (s[i] == '-' || s[i] == '+')
        i++;
    if (n && s[n - 1] == '%')
        n--;
    int any = 0, after_sep = 0;
    for (; i < n; i++) {
        if (digit(s[i])) {
            any = 1;
            after_sep = 0;
        } else if ((s[i] == '.' || s[i] == ',') && any && !after_sep) {
            after_sep = 1;
        } else {
            return SH_TEXT;
        }
    }
    return any && !after_sep ? SH_NUMBER : SH_TEXT;
}

/* Characters of UTF-8 text. */
static size_t chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

int convp_header_looks_like_data(const struct convp_text *head, size_t ncols,
                                 const struct convp_text *rows, size_t nrows)
{
    long header = 0, data = 0;
    for (size_t c = 0; c < ncols; c++) {
        int h = head[c].number ? SH_NUMBER : shape(head[c].text, head[c].len);
        if (h == SH_EMPTY)
            continue;
        int seen = 0, numeric = 1, years = 1, dates = 1, texts = 1, same_len = 1;
        size_t len = 0;
        for (size_t r = 0; r < nrows; r++) {
            const struct convp_text *v = &rows[r * ncols + c];
            int d = v->number ? SH_NUMBER : shape(v->text, v->len);
            if (d == SH_EMPTY)
                continue;
            numeric &= d == SH_NUMBER || d == SH_YEAR;
            years &= d == SH_YEAR;
            dates &= d == SH_DATE;
            texts &= d == SH_TEXT;
            size_t l = chars(v->text, v->len);
            if (seen && l != len)
                same_len = 0;
            len = l;
            seen = 1;
        }
        if (!seen)
            continue;
        if (numeric) {
            if (h == SH_TEXT || h == SH_DATE || (h == SH_YEAR && !years))
                header++;
            else
                data++;
        } else if (dates) {
            if (h == SH_DATE)
                data++;
            else if (h == SH_TEXT)
                header++;
        } else if (texts && h == SH_TEXT && same_len &&
                   chars(head[c].text, head[c].len) != len) {
            header++; /* "Country Code" over "ABW", "VNM" */
        }
    }
    return data > header;
}

int convp_text_is_words(const char *s, size_t n)
{
    int sh = shape(s, n);
    return sh == SH_TEXT;
}
