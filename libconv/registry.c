/*
 * The format registry: one const table of drivers.  Formats are found by
 * name, by a path's extension, or by probing the first bytes, where the
 * highest score wins and ties go to table order.
 */
#include "conv_private.h"

#include <strings.h>

/* Each format folder (formats/<fmt>/) defines its descriptor; this table
 * is the only place that names them.  A new format: its folder, and a
 * declaration and a row here. */
extern const struct conv_format convp_format_csv;
extern const struct conv_format convp_format_tsv;
extern const struct conv_format convp_format_json;
extern const struct conv_format convp_format_jsonl;
extern const struct conv_format convp_format_xml;
extern const struct conv_format convp_format_xlsx;
extern const struct conv_format convp_format_ods;
extern const struct conv_format convp_format_xls;
extern const struct conv_format convp_format_sdmx;
extern const struct conv_format convp_format_sdmx_csv;
extern const struct conv_format convp_format_sdmx_json;

static const struct conv_format *const formats[] = {
    &convp_format_json,
    &convp_format_jsonl,
    &convp_format_csv,
    &convp_format_tsv,
    &convp_format_xml,
    &convp_format_xlsx,
    &convp_format_ods,
    &convp_format_xls,
    &convp_format_sdmx,
    &convp_format_sdmx_csv,
    &convp_format_sdmx_json,
};

#define NFORMATS (sizeof formats / sizeof formats[0])

static const struct conv_option_desc core_options[] = {
    {"from", "FORMAT", "input format (default: from the extension, else the content)",
     CONV_OPT_READ},
    {"to", "FORMAT", "output format (default: from the extension)", CONV_OPT_WRITE},
    {"schema", "FILE", "schema file (JSON) declaring the fields, their types and labels",
     CONV_OPT_READ},
    {"profile", "NAME",
     "fields of a built-in profile (indicators) instead of a schema file",
     CONV_OPT_READ},
    {"locale", "auto|c|vi",
     "number, boolean and date style of text input (default auto: from the data)",
     CONV_OPT_READ},
    {"encoding", "NAME",
     "input encoding when not UTF-8: cp1258, tcvn3 or another iconv name; for workbooks, "
     "of text cells whose font names none (also vni)",
     CONV_OPT_READ},
    {"null", "MARKS",
     "texts read as a missing value (null), comma-separated: '..,-,x'; an empty item, as in "
     "'' or '..,', is the empty text (\\, is a comma)",
     CONV_OPT_READ},
    {"infer-rows", "N",
     "records used to infer column types when there is no schema (default 1000, 0: all text)",
     CONV_OPT_READ},
    {"title", "TEXT",
     "dataset title written by XML and XLSX (default: the schema's, else the input's)",
     CONV_OPT_WRITE},
    {"source", "TEXT",
     "dataset source written by XML and XLSX (default: the input's, if it has one)",
     CONV_OPT_WRITE},
    {"created", "DATETIME",
     "creation time written by XML, XLSX and SDMX, ISO 8601 (default: the input's, else now)",
     CONV_OPT_WRITE},
    {NULL, NULL, NULL, 0},
};

/* The indicator checks' settings (conv_checker_new() reads them). */
static const struct conv_option_desc checker_options[] = {
    {"growth-tolerance", "PP",
     "percentage points a change may differ from its values' (default 0.5)", CONV_OPT_CHECK},
    {"outlier-factor", "F", "a value this many times its history's median, or 1/F of it, is "
     "an outlier (default 10)", CONV_OPT_CHECK},
    {"units", "FILE", "CSV list of units replacing the profile's", CONV_OPT_CHECK},
    {"regions", "FILE", "CSV list of region codes replacing the profile's", CONV_OPT_CHECK},
    {"sort-memory", "MIB", "memory of the checks across records (default 32)", CONV_OPT_CHECK},
    {NULL, NULL, NULL, 0},
};

size_t conv_format_count(void)
{
    return NFORMATS;
}

const struct conv_format *conv_format_at(size_t i)
{
    return i < NFORMATS ? formats[i] : NULL;
}

const struct conv_format *conv_format_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NFORMATS; i++)
        if (!strcasecmp(formats[i]->name, name))
            return formats[i];
    return NULL;
}

const struct conv_format *conv_format_by_path(const char *path)
{
    if (!path)
        return NULL;
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot || !dot[1])
        return NULL;
    for (size_t i = 0; i < NFORMATS; i++)
        for (const char *const *e = formats[i]->extensions; e && *e; e++)
            if (!strcasecmp(*e, dot + 1))
                return formats[i];
    return NULL;
}

const struct conv_format *conv_format_probe(const void *data, size_t n)
{
    const struct conv_format *best = NULL;
    int best_score = 0;
    for (size_t i = 0; i < NFORMATS; i++) {
        if (!formats[i]->probe || !formats[i]->reader)
            continue;
        int score = formats[i]->probe(data, n);
        if (score > best_score) {
            best_score = score;
            best = formats[i];
        }
    }
    return best;
}

const char *conv_format_name(const struct conv_format *fmt)
{
    return fmt->name;
}

const char *conv_format_description(const struct conv_format *fmt)
{
    return fmt->description;
}

const char *const *conv_format_extensions(const struct conv_format *fmt)
{
    return fmt->extensions;
}

unsigned conv_format_caps(const struct conv_format *fmt)
{
    return (fmt->flags & CONVP_FMT_PUBLIC) | (fmt->reader ? CONV_FORMAT_READ : 0u) |
           (fmt->writer ? CONV_FORMAT_WRITE : 0u);
}

int conv_format_can_read(const struct conv_format *fmt)
{
    return fmt->reader != NULL;
}

int conv_format_can_write(const struct conv_format *fmt)
{
    return fmt->writer != NULL;
}

const struct conv_option_desc *conv_format_option(const struct conv_format *fmt, size_t i)
{
    if (!fmt->options)
        return NULL;
    for (size_t k = 0; k <= i; k++)
        if (!fmt->options[k].name)
            return NULL;
    return &fmt->options[i];
}

const struct conv_option_desc *conv_core_option(size_t i)
{
    for (size_t k = 0; k <= i; k++)
        if (!core_options[k].name)
            return NULL;
    return &core_options[i];
}

const struct conv_option_desc *conv_checker_option(size_t i)
{
    for (size_t k = 0; k <= i; k++)
        if (!checker_options[k].name)
            return NULL;
    return &checker_options[i];
}

/* Options the tests give drivers to reach their limits with small data;
 * known, so that setting them is not an error, but never listed. */
static const struct conv_option_desc test_hooks[] = {
    {"xlsx-test-max-rows", "N", "rows per sheet before a continuation sheet", CONV_OPT_WRITE},
    {"xlsx-test-report-max", "N", "records a report table holds", CONV_OPT_WRITE},
};

const struct conv_option_desc *conv_option_find(const char *name)
{
    const struct conv_option_desc *d;
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof test_hooks / sizeof test_hooks[0]; i++)
        if (!strcmp(test_hooks[i].name, name))
            return &test_hooks[i];
    for (size_t i = 0; (d = conv_core_option(i)) != NULL; i++)
        if (!strcmp(d->name, name))
            return d;
    for (size_t f = 0; f < NFORMATS; f++)
        for (size_t i = 0; (d = conv_format_option(formats[f], i)) != NULL; i++)
            if (!strcmp(d->name, name))
                return d;
    for (size_t i = 0; (d = conv_checker_option(i)) != NULL; i++)
        if (!strcmp(d->name, name))
            return d;
    return NULL;
}
