/*
 * The indicator profile and SDMX: which indicator field is which SDMX
 * component (region_code REF_AREA, indicator_code INDICATOR, period
 * TIME_PERIOD, value OBS_VALUE, unit UNIT_MEASURE, status OBS_STATUS,
 * overridden by --sdmx-map), the constants of --sdmx-set, status words and
 * codes, and the frequency a period's shape gives.
 */
#include "sdmx_private.h"

static const char *const default_map[][2] = {
    {"region_code", "REF_AREA"}, {"indicator_code", "INDICATOR"}, {"period", "TIME_PERIOD"},
    {"value", "OBS_VALUE"},      {"unit", "UNIT_MEASURE"},        {"status", "OBS_STATUS"},
};

static const char *const status_codes[][2] = {
    {"official", "A"},
    {"preliminary", "P"},
    {"estimate", "E"},
};

static int set_pair(struct conv_context *ctx, char ***a, char ***b, size_t *n, const char *x,
                    size_t xn, const char *y, size_t yn)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*a)[i]) == xn && !memcmp((*a)[i], x, xn)) {
            char *v = convp_strndup(ctx, y, yn);
            if (!v)
                return -1;
            convp_free(ctx, (*b)[i]);
            (*b)[i] = v;
            return 0;
        }
    char **na = convp_realloc(ctx, *a, (*n + 1) * sizeof *na);
    if (!na)
        return -1;
    *a = na;
    char **nb = convp_realloc(ctx, *b, (*n + 1) * sizeof *nb);
    if (!nb)
        return -1;
    *b = nb;
    na[*n] = convp_strndup(ctx, x, xn);
    nb[*n] = convp_strndup(ctx, y, yn);
    if (!na[*n] || !nb[*n]) {
        convp_free(ctx, na[*n]);
        convp_free(ctx, nb[*n]);
        return -1;
    }
    (*n)++;
    return 0;
}

/* "A=B,C=D": each pair to set_pair; the right side of --sdmx-map and the
 * left of --sdmx-set must be component ids. */
static int parse_pairs(struct sdmx_map *m, const char *opt, const char *v, int is_map,
                       struct conv_error *err)
{
    const char *p = v;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t kn = eq ? (size_t)(eq - p) : 0, vn = eq ? len - kn - 1 : 0;
        if (!eq || kn == 0 || vn == 0 || (is_map ? !sdmx_is_id(eq + 1, vn) : !sdmx_is_id(p, kn))) {
            convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                            "option %s: expected %s, got '%.*s'", opt,
                            is_map ? "FIELD=COMPONENT_ID,..." : "COMPONENT_ID=VALUE,...",
                            (int)(len > 80 ? 80 : len), p);
            return CONV_ERR;
        }
        int rc = is_map ? set_pair(m->ctx, &m->field, &m->id, &m->n, p, kn, eq + 1, vn)
                        : set_pair(m->ctx, &m->set_id, &m->set_val, &m->nset, p, kn, eq + 1, vn);
        if (rc != 0) {
            convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
            return CONV_ERR;
        }
        p += len + (end != NULL);
    }
    return CONV_OK;
}

int sdmx_map_init(struct sdmx_map *m, struct conv_context *ctx, const struct conv_options *o,
                  struct conv_error *err)
{
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
    for (size_t i = 0; i < sizeof default_map / sizeof default_map[0]; i++)
        if (set_pair(ctx, &m->field, &m->id, &m->n, default_map[i][0], strlen(default_map[i][0]),
                     default_map[i][1], strlen(default_map[i][1])) != 0) {
            convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
            return CONV_ERR;
        }
    const char *v = convp_opt_str(o, "sdmx-map", NULL);
    if (v && parse_pairs(m, "sdmx-map", v, 1, err) != CONV_OK)
        return CONV_ERR;
    /* A component mapped from two fields would be ambiguous on the way back. */
    for (size_t i = 0; i < m->n; i++)
        for (size_t j = i + 1; j < m->n; j++)
            if (!strcmp(m->id[i], m->id[j])) {
                convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                                "option sdmx-map: fields '%s' and '%s' both map to '%s'",
                                m->field[i], m->field[j], m->id[i]);
                return CONV_ERR;
            }
    v = convp_opt_str(o, "sdmx-set", NULL);
    if (v && parse_pairs(m, "sdmx-set", v, 0, err) != CONV_OK)
        return CONV_ERR;
    return CONV_OK;
}

void sdmx_map_fini(struct sdmx_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        convp_free(m->ctx, m->field[i]);
        convp_free(m->ctx, m->id[i]);
    }
    for (size_t i = 0; i < m->nset; i++) {
        convp_free(m->ctx, m->set_id[i]);
        convp_free(m->ctx, m->set_val[i]);
    }
    convp_free(m->ctx, m->field);
    convp_free(m->ctx, m->id);
    convp_free(m->ctx, m->set_id);
    convp_free(m->ctx, m->set_val);
    memset(m, 0, sizeof *m);
}

static const char *lookup(char *const *from, char *const *to, size_t n, const char *s,
                          size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(from[i]) == len && !memcmp(from[i], s, len))
            return to[i];
    return NULL;
}

const char *sdmx_map_to_sdmx(const struct sdmx_map *m, const char *field, size_t len)
{
    return lookup(m->field, m->id, m->n, field, len);
}

const char *sdmx_map_to_field(const struct sdmx_map *m, const char *id, size_t len)
{
    return lookup(m->id, m->field, m->n, id, len);
}

const char *sdmx_map_const(const struct sdmx_map *m, const char *id, size_t len)
{
    return lookup(m->set_id, m->set_val, m->nset, id, len);
}

const char *sdmx_status_to_code(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof status_codes / sizeof status_codes[0]; i++)
        if (strlen(status_codes[i][0]) == len && !memcmp(status_codes[i][0], s, len))
            return status_codes[i][1];
    return NULL;
}

const char *sdmx_status_from_code(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof status_codes / sizeof status_codes[0]; i++)
        if (len == 1 && status_codes[i][1][0] == s[0])
            return status_codes[i][0];
    return NULL;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

const char *sdmx_freq_of_period(const char *p, size_t n)
{
    if (n < 4 || !digits(p, 4))
        return NULL;
    if (n == 4)
        return "A";
    if (p[4] != '-')
        return NULL;
    const char *r = p + 5;
    size_t rn = n - 5;
    if (rn == 2 && digits(r, 2))
        return "M";
    if (rn == 5 && digits(r, 2) && r[2] == '-' && digits(r + 3, 2))
        return "D";
    if (rn >= 2 && digits(r + 1, rn - 1)) {
        switch (r[0]) {
        case 'A':
            return "A";
        case 'S':
        case 'H':
            return rn == 2 ? "S" : NULL;
        case 'Q':
            return rn == 2 ? "Q" : NULL;
        case 'M':
            return rn == 3 ? "M" : NULL;
        case 'W':
            return rn == 3 ? "W" : NULL;
        case 'D':
            return rn == 4 ? "D" : NULL;
        default:
            return NULL;
        }
    }
    return NULL;
}
