/* Cell helpers shared by the spreadsheet readers; see xlsx_cells.h. */
#include "xlsx_cells.h"

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

long convp_sheet_field(struct conv_schema *local, struct conv_schema *fields, const char *name,
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
