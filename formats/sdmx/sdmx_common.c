/*
 * The SDMX descriptors: sdmx (SDMX-ML data messages), sdmx-csv (SDMX-CSV
 * 1.0 and 2.0) and sdmx-json (SDMX-JSON 1.0 and 2.0), their one option
 * table, their probes (found by content only: .xml, .csv and .json stay
 * with the plain formats), and what readers and writers share about
 * values.
 */
#include "sdmx_private.h"

#include <strings.h>

static const struct conv_option_desc sdmx_options[] = {
    {"dsd", "FILE",
     "SDMX-ML structure message (data structure, code lists): orders the fields, checks "
     "codes and mandatory attributes, matches groups; needed to write SDMX-ML",
     CONV_OPT_BOTH},
    {"strict", NULL, "SDMX: dirty values and structure findings are errors, not warnings",
     CONV_OPT_BOTH},
    {"sdmx-map", "FIELD=ID,...",
     "indicator fields and their SDMX components (default region_code=REF_AREA, "
     "indicator_code=INDICATOR, period=TIME_PERIOD, value=OBS_VALUE, unit=UNIT_MEASURE, "
     "status=OBS_STATUS)",
     CONV_OPT_BOTH},
    {"sdmx-set", "ID=VALUE,...",
     "constant components (DATA_DOMAIN=NAG,UNIT_MULT=9): written into every observation, "
     "dropped on reading where equal",
     CONV_OPT_BOTH},
    {"sdmx-profile", "NAME",
     "read SDMX as the records of a built-in profile (indicators) through the mapping; "
     "--profile implies it",
     CONV_OPT_READ},
    {"sdmx-lang", "LANG", "the language taken from multilingual SDMX values (default en)",
     CONV_OPT_READ},
    {"sdmx-dataflow", "AGENCY:ID(VERSION)",
     "the dataflow SDMX output names (default: the structure's dataflow, else the input's)",
     CONV_OPT_WRITE},
    {"sdmx-csv-version", "1|2", "SDMX-CSV version written (default 1)", CONV_OPT_WRITE},
    {"sdmx-sender", "ID", "sender id in the SDMX-ML and SDMX-JSON header (default ZZZ)",
     CONV_OPT_WRITE},
    {"sdmx-id", "ID", "message id in the header (default: made from the preparation time)",
     CONV_OPT_WRITE},
    {NULL, NULL, NULL, 0},
};

static const char *const no_extensions[] = {NULL};

int sdmx_is_id(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '@' || c == '$' || c == '-'))
            return 0;
    }
    return 1;
}

/* xs:double's lexical space: (+|-)?(digits(.digits*)?|.digits)(e(+|-)?digits)?, INF. */
static int xs_double(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (n - i == 3 && !memcmp(s + i, "INF", 3))
        return 1;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, d++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, d++;
    }
    if (!d)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, e++;
        if (!e)
            return 0;
    }
    return i == n;
}

enum sdmx_vkind sdmx_classify(const char *s, size_t n, enum conv_type *type)
{
    *type = CONV_STRING;
    if (n == 0 || (n == 3 && !memcmp(s, "NaN", 3)) || (n == 4 && !memcmp(s, "#N/A", 4)) ||
        (n == 4 && !memcmp(s, "null", 4))) {
        *type = CONV_NULL;
        return SDMX_V_MISSING;
    }
    if (convp_is_integer(s, n)) {
        *type = CONV_INTEGER;
        return SDMX_V_NUMBER;
    }
    if (convp_is_decimal(s, n)) {
        *type = CONV_DECIMAL;
        return SDMX_V_NUMBER;
    }
    return xs_double(s, n) ? SDMX_V_SPECIAL : SDMX_V_DIRTY;
}

/* ---- probes ------------------------------------------------------------------ */

static size_t skip_blank(const unsigned char *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

static const unsigned char *find(const unsigned char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k <= n && i + k <= n; i++)
        if (p[i] == (unsigned char)s[0] && !memcmp(p + i, s, k))
            return p + i;
    return NULL;
}

/* The same, ASCII letters in any case (SDMX 2.0 writes www.SDMX.org). */
static const unsigned char *find_nocase(const unsigned char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k <= n && i + k <= n; i++)
        if (!strncasecmp((const char *)p + i, s, k))
            return p + i;
    return NULL;
}

/* An SDMX data message: the root element (after the declaration and any
 * comments) is one of the data messages and its start tag declares an
 * SDMX-ML namespace. */
static int sdmx_ml_probe(const unsigned char *p, size_t n)
{
    static const char *const roots[] = {
        "GenericData",        "GenericTimeSeriesData",           "StructureSpecificData",
        "StructureSpecificTimeSeriesData", "CompactData", "CrossSectionalData",
        "UtilityData",        NULL};
    size_t i = skip_blank(p, 0, n);
    for (;;) {
        if (i + 1 >= n || p[i] != '<')
            return 0;
        if (p[i + 1] == '?' || p[i + 1] == '!') {
            const unsigned char *e = find(p + i, n - i, ">");
            if (!e)
                return 0;
            i = skip_blank(p, (size_t)(e - p) + 1, n);
            continue;
        }
        break;
    }
    size_t s = i + 1, e = s;
    while (e < n && p[e] != ' ' && p[e] != '>' && p[e] != '\t' && p[e] != '\r' && p[e] != '\n' &&
           p[e] != '/')
        e++;
    if (e >= n)
        return 0;
    size_t ls = s;
    for (size_t k = s; k < e; k++)
        if (p[k] == ':')
            ls = k + 1;
    int root = 0;
    for (const char *const *r = roots; *r; r++)
        if (strlen(*r) == e - ls && !memcmp(p + ls, *r, e - ls))
            root = 1;
    if (!root)
        return 0;
    const unsigned char *end = find(p + e, n - e, ">");
    size_t tag = end ? (size_t)(end - (p + e)) : n - e;
    return find_nocase(p + e, tag, "www.sdmx.org/resources/sdmxml/schemas/") ? 100 : 0;
}

/* SDMX-CSV: the header starts with DATAFLOW (1.0) or STRUCTURE (2.0),
 * then the delimiter (or STRUCTURE's [sub-delimiter]). */
static int sdmx_csv_probe(const unsigned char *p, size_t n)
{
    size_t i = 0;
    int q = i < n && p[i] == '"';
    i += (size_t)q;
    size_t k;
    if (n - i >= 8 && !memcmp(p + i, "DATAFLOW", 8))
        k = 8;
    else if (n - i >= 9 && !memcmp(p + i, "STRUCTURE", 9))
        k = 9;
    else
        return 0;
    i += k;
    if (q) {
        if (i >= n || p[i] != '"')
            return 0;
        i++;
    }
    if (i >= n)
        return 0;
    unsigned char c = p[i];
    if (k == 9 && c == '[')
        return 100;
    if (c == ',' || c == ';' || c == '\t' || c == '|')
        return 100;
    return 0;
}

/* SDMX-JSON: an object whose first member is one of a message's, and that
 * names its data sets or structure early on. */
static int sdmx_json_probe(const unsigned char *p, size_t n)
{
    static const char *const keys[] = {"\"header\"", "\"meta\"",     "\"data\"",
                                       "\"structure\"", "\"structures\"", "\"dataSets\"",
                                       "\"$schema\"",   NULL};
    size_t i = skip_blank(p, 0, n);
    if (i >= n || p[i] != '{')
        return 0;
    i = skip_blank(p, i + 1, n);
    int first = 0;
    for (const char *const *k = keys; *k; k++)
        if (n - i >= strlen(*k) && !memcmp(p + i, *k, strlen(*k)))
            first = 1;
    if (!first)
        return 0;
    if (find(p, n, "\"dataSets\"") || find(p, n, "\"structure\"") ||
        find(p, n, "\"structures\"") || find(p, n, "sdmx-json"))
        return 100;
    return 0;
}

const struct conv_format convp_format_sdmx = {
    .name = "sdmx",
    .description = "SDMX-ML 2.1 data: GenericData, StructureSpecificData (read; write with --dsd)",
    .extensions = no_extensions,
    .flags = CONV_FORMAT_TYPED | CONV_FORMAT_NEEDS_HEADER | CONVP_FMT_DIALECT,
    .probe = sdmx_ml_probe,
    .reader = &convp_sdmx_ml_reader_ops,
    .writer = &convp_sdmx_ml_writer_ops,
    .options = sdmx_options,
};

const struct conv_format convp_format_sdmx_csv = {
    .name = "sdmx-csv",
    .description = "SDMX-CSV 1.0 and 2.0 data",
    .extensions = no_extensions,
    .flags = CONV_FORMAT_TYPED | CONV_FORMAT_NEEDS_HEADER | CONVP_FMT_DIALECT,
    .probe = sdmx_csv_probe,
    .reader = &convp_sdmx_csv_reader_ops,
    .writer = &convp_sdmx_csv_writer_ops,
    .options = sdmx_options,
};

const struct conv_format convp_format_sdmx_json = {
    .name = "sdmx-json",
    .description = "SDMX-JSON 1.0 and 2.0 data (written as 2.0)",
    .extensions = no_extensions,
    .flags = CONV_FORMAT_TYPED | CONV_FORMAT_NEEDS_HEADER | CONVP_FMT_DIALECT,
    .probe = sdmx_json_probe,
    .reader = &convp_sdmx_json_reader_ops,
    .writer = &convp_sdmx_json_writer_ops,
    .options = sdmx_options,
};
