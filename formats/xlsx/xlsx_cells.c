/* Cell helpers shared by the spreadsheet readers; see xlsx_cells.h. */
#include "xlsx_cells.h"

#include "conv_private.h"

#include <stdio.h>
#include <stdlib.h>

void convp_col_name(uint32_t col, char *out)
{
    char tmp[8];
    size_t n = 0;
    while (col > 0 && n < sizeof tmp) {
        uint32_t d = (col - 1) % 26;
        tmp[n++] = (char)('A' + d);
        col = (col - 1) / 26;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

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

size_t convp_shortest_number(double v, char *out, int *integral)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.14e", v);
    /* The radix character depends on the locale: take the digits only. */
    char dig[16];
    size_t nd = 0;
    const char *p = buf;
    int neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '0' && *p <= '9' && nd < 15)
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
