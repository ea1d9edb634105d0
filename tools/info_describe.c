/*
 * conv-info's description of a file: its format, encoding, delimiter,
 * locale signals and sheets as the reader found them; its fields with the
 * types their values have across the whole file; the record count; and
 * the first problems (reading errors, and the indicator checks when the
 * fields are indicator fields).  One streaming pass per file.  Used by
 * conv-info and by conv-serve (POST /v1/info).
 */
#include "info_describe.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void fail_nomem(const struct info_io *io)
{
    struct conv_error err;
    conv_error_clear(&err);
    err.code = CONV_E_NOMEM;
    snprintf(err.message, sizeof err.message, "out of memory");
    io->fail(io->user, &err);
}

struct field_stat {
    uint64_t count[8]; /* per conv_type */
};

struct problems {
    long max;
    long n;
    uint64_t errors, warnings;
    char **lines;
    struct tool_progress *progress;
};

static void add_problem(struct problems *p, const char *line)
{
    if (p->n >= p->max)
        return;
    p->lines[p->n] = strdup(line);
    if (p->lines[p->n])
        p->n++;
}

static void on_finding(void *user, const struct conv_finding *x)
{
    struct problems *p = user;
    char line[1024];
    const struct conv_error *w = &x->where;
    char where[96] = "";
    if (x->cell)
        snprintf(where, sizeof where, "%s%s%s", x->sheet ? x->sheet : "", x->sheet ? "!" : "",
                 x->cell);
    else if (w->line)
        snprintf(where, sizeof where, "line %llu", (unsigned long long)w->line);
    snprintf(line, sizeof line, "%s%s%s: %s: %s", where, where[0] ? ": " : "",
             x->severity == CONV_SEVERITY_ERROR ? "error" : "warning", x->rule, w->message);
    add_problem(p, line);
}

/* The type a field's values have: one type, integer within decimal, or
 * "mixed" with the counts. */
static void describe_type(const struct field_stat *s, char *out, size_t size)
{
    int kinds = 0;
    enum conv_type only = CONV_NULL;
    for (int t = CONV_STRING; t <= CONV_DATETIME; t++)
        if (s->count[t]) {
            kinds++;
            only = (enum conv_type)t;
        }
    if (kinds == 0) {
        snprintf(out, size, "empty");
    } else if (kinds == 1) {
        snprintf(out, size, "%s", conv_type_name(only));
    } else if (kinds == 2 && s->count[CONV_INTEGER] && s->count[CONV_DECIMAL]) {
        snprintf(out, size, "decimal");
    } else {
        size_t n = (size_t)snprintf(out, size, "mixed (");
        int first = 1;
        for (int t = CONV_STRING; t <= CONV_DATETIME && n < size; t++)
            if (s->count[t]) {
                n += (size_t)snprintf(out + n, size - n, "%s%llu %s", first ? "" : ", ",
                                      (unsigned long long)s->count[t],
                                      conv_type_name((enum conv_type)t));
                first = 0;
            }
        if (n < size)
            snprintf(out + n, size - n, ")");
    }
}

static const char *indicator_fields[] = {"region_code", "indicator_code", "period", "value",
                                         "unit", NULL};

struct info {
    const char *path;
    const char *format, *description;
    long long size;
    const char *encoding, *bom, *delimiter, *locale, *locale_signal, *header_row;
    long nsheets;
    const char **sheets;
    uint64_t records;
    size_t nfields;
    char **names;
    char **types;
    uint64_t *nulls;
    int read_ok;
    char read_error[1024];
    int checked;
    struct problems probs;
    /* what else the reader tells (an SDMX message's structure, counts) */
    const char **fact_keys, **fact_vals;
    size_t nfacts;
};

/* Text's width on a terminal: its characters, combining marks (which
 * Vietnamese decomposed text has) not counted. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        /* U+0300..U+036F: CC 80 .. CD AF */
        if ((p[0] == 0xCC && p[1] >= 0x80) || (p[0] == 0xCD && p[1] >= 0x80 && p[1] <= 0xAF))
            continue;
        w++;
    }
    return w;
}

/* The reader's facts other than those printed on their own lines. */
static int known_fact(const char *k)
{
    static const char *const known[] = {"encoding", "bom",    "delimiter", "locale",
                                        "locale-signal", "header-row", "sheets", "sheet", NULL};
    for (size_t i = 0; known[i]; i++)
        if (!strcmp(k, known[i]))
            return 1;
    return !strncmp(k, "sheet.", 6);
}

static void print_text(FILE *out, const struct info *in)
{
    fprintf(out, "file: %s\n", in->path);
    fprintf(out, "format: %s (%s)\n", in->format, in->description);
    if (in->size >= 0)
        fprintf(out, "size: %lld bytes\n", in->size);
    if (in->encoding)
        fprintf(out, "encoding: %s%s%s\n", in->encoding, in->bom && in->bom[0] ? ", byte-order mark " : "",
               in->bom && in->bom[0] ? in->bom : "");
    if (in->delimiter)
        fprintf(out, "delimiter: %s\n", in->delimiter);
    if (in->locale)
        fprintf(out, "locale: %s%s%s%s\n", in->locale, in->locale_signal ? " (" : "",
               in->locale_signal ? in->locale_signal : "", in->locale_signal ? ")" : "");
    if (in->nsheets >= 0) {
        fprintf(out, "sheets: %ld", in->nsheets);
        for (long i = 0; i < in->nsheets; i++)
            fprintf(out, "%s%s", i ? ", " : ": ", in->sheets[i]);
        fprintf(out, "\n");
    }
    if (in->header_row)
        fprintf(out, "header row: %s\n", in->header_row);
    for (size_t i = 0; i < in->nfacts; i++)
        fprintf(out, "%s: %s\n", in->fact_keys[i], in->fact_vals[i]);
    fprintf(out, "records: %llu%s\n", (unsigned long long)in->records,
           in->read_ok ? "" : " (reading stopped at an error)");
    fprintf(out, "fields: %zu\n", in->nfields);
    size_t w = 4;
    for (size_t i = 0; i < in->nfields; i++)
        if (display_width(in->names[i]) > w)
            w = display_width(in->names[i]);
    for (size_t i = 0; i < in->nfields; i++)
        fprintf(out, "  %s%*s  %-10s  %llu empty\n", in->names[i],
               (int)(w - display_width(in->names[i])), "", in->types[i],
               (unsigned long long)in->nulls[i]);
    if (!in->read_ok)
        fprintf(out, "error: %s\n", in->read_error);
    if (in->checked)
        fprintf(out, "indicator checks: %llu errors, %llu warnings\n",
               (unsigned long long)in->probs.errors, (unsigned long long)in->probs.warnings);
    for (long i = 0; i < in->probs.n; i++)
        fprintf(out, "  %s\n", in->probs.lines[i]);
}

static void json_str_or_null(FILE *out, const char *s)
{
    if (s)
        tool_json_string(out, s);
    else
        fputs("null", out);
}

static void print_json(FILE *out, const struct info *in, int first)
{
    fprintf(out, "%s  {\"file\": ", first ? "" : ",\n");
    tool_json_string(out, in->path);
    fprintf(out, ", \"format\": ");
    tool_json_string(out, in->format);
    if (in->size >= 0)
        fprintf(out, ", \"size\": %lld", in->size);
    fprintf(out, ",\n   \"encoding\": ");
    json_str_or_null(out, in->encoding);
    fprintf(out, ", \"bom\": ");
    json_str_or_null(out, in->bom && in->bom[0] ? in->bom : NULL);
    fprintf(out, ", \"delimiter\": ");
    json_str_or_null(out, in->delimiter);
    fprintf(out, ", \"locale\": ");
    json_str_or_null(out, in->locale);
    fprintf(out, ", \"locale_signal\": ");
    json_str_or_null(out, in->locale_signal);
    fprintf(out, ", \"header_row\": %s", in->header_row ? in->header_row : "null");
    fprintf(out, ",\n   \"facts\": {");
    for (size_t i = 0; i < in->nfacts; i++) {
        fprintf(out, "%s", i ? ", " : "");
        tool_json_string(out, in->fact_keys[i]);
        fprintf(out, ": ");
        tool_json_string(out, in->fact_vals[i]);
    }
    fprintf(out, "}");
    fprintf(out, ",\n   \"sheets\": ");
    if (in->nsheets < 0) {
        fprintf(out, "null");
    } else {
        fprintf(out, "[");
        for (long i = 0; i < in->nsheets; i++) {
            fprintf(out, "%s", i ? ", " : "");
            tool_json_string(out, in->sheets[i]);
        }
        fprintf(out, "]");
    }
    fprintf(out, ", \"records\": %llu, \"complete\": %s,\n   \"fields\": [",
           (unsigned long long)in->records, in->read_ok ? "true" : "false");
    for (size_t i = 0; i < in->nfields; i++) {
        fprintf(out, "%s\n     {\"name\": ", i ? "," : "");
        tool_json_string(out, in->names[i]);
        fprintf(out, ", \"type\": ");
        tool_json_string(out, in->types[i]);
        fprintf(out, ", \"empty\": %llu}", (unsigned long long)in->nulls[i]);
    }
    fprintf(out, "],\n   \"error\": ");
    json_str_or_null(out, in->read_ok ? NULL : in->read_error);
    fprintf(out, ", \"checked\": %s, \"errors\": %llu, \"warnings\": %llu,\n   \"problems\": [",
           in->checked ? "true" : "false", (unsigned long long)in->probs.errors,
           (unsigned long long)in->probs.warnings);
    for (long i = 0; i < in->probs.n; i++) {
        fprintf(out, "%s", i ? ", " : "");
        tool_json_string(out, in->probs.lines[i]);
    }
    fprintf(out, "]}");
}

/*
 * A file the reader refuses to open may still say what it is: a workbook
 * whose header cannot be found is opened again cell by cell, which needs
 * no header, for its format and sheets; then the error.
 */
static int describe_unreadable(struct conv_context *ctx, const char *path,
                               const struct conv_options *opts, const struct conv_error *err,
                               struct info *in, const struct info_io *io, int *printed)
{
    int code = tool_exit_code(err);
    struct conv_options *o = conv_options_new(ctx);
    for (size_t i = 0; o && i < conv_options_count(opts); i++)
        if (strcmp(conv_options_name(opts, i), "layout") != 0)
            conv_options_set(o, conv_options_name(opts, i), conv_options_value(opts, i));
    struct conv_error err2;
    struct conv_reader *rd = NULL;
    if (o && conv_options_set(o, "layout", "cells") == CONV_OK)
        rd = conv_reader_open_file(ctx, path, o, &err2);
    if (!rd || !(conv_format_caps(conv_reader_format(rd)) & CONV_FORMAT_SHEETS)) {
        conv_reader_close(rd);
        conv_options_free(o);
        io->fail(io->user, err);
        return code;
    }
    const struct conv_format *fmt = conv_reader_format(rd);
    in->format = conv_format_name(fmt);
    in->description = conv_format_description(fmt);
    const char *sheets = conv_reader_info(rd, "sheets");
    in->nsheets = sheets ? atol(sheets) : -1;
    in->sheets = in->nsheets > 0 ? calloc((size_t)in->nsheets, sizeof *in->sheets) : NULL;
    for (long i = 0; in->sheets && i < in->nsheets; i++) {
        char key[32];
        snprintf(key, sizeof key, "sheet.%ld", i);
        in->sheets[i] = conv_reader_info(rd, key) ? conv_reader_info(rd, key) : "?";
    }
    if (!in->sheets && in->nsheets > 0)
        in->nsheets = -1;
    in->read_ok = 0;
    conv_error_format(err, in->read_error, sizeof in->read_error);
    if (io->json)
        print_json(io->out, in, !*printed);
    else
        print_text(io->out, in);
    *printed = 1;
    free(in->sheets);
    conv_reader_close(rd);
    conv_options_free(o);
    return code;
}

int info_describe(struct conv_context *ctx, const char *path, struct conv_options *opts,
                  const struct info_io *io, int *printed)
{
    struct info in;
    memset(&in, 0, sizeof in);
    in.path = path;
    in.size = -1;
    in.nsheets = -1;
    in.read_ok = 1;
    struct stat st;
    if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISREG(st.st_mode))
        in.size = (long long)st.st_size;
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_file(ctx, path, opts, &err);
    if (!rd)
        return describe_unreadable(ctx, path, opts, &err, &in, io, printed);
    const struct conv_format *fmt = conv_reader_format(rd);
    in.format = conv_format_name(fmt);
    in.description = conv_format_description(fmt);
    int sheetful = (conv_format_caps(fmt) & CONV_FORMAT_SHEETS) != 0;
    const char *sheets = conv_reader_info(rd, "sheets");
    if (sheets) {
        in.nsheets = atol(sheets);
        in.sheets = calloc((size_t)in.nsheets + 1, sizeof *in.sheets);
        for (long i = 0; in.sheets && i < in.nsheets; i++) {
            char key[32];
            snprintf(key, sizeof key, "sheet.%ld", i);
            in.sheets[i] = conv_reader_info(rd, key);
            if (!in.sheets[i])
                in.sheets[i] = "?";
        }
        if (!in.sheets)
            in.nsheets = -1;
    }
    in.probs.max = io->max_problems;
    in.probs.lines = calloc((size_t)io->max_problems + 1, sizeof *in.probs.lines);

    /* The checks run when asked, or when the header has indicator fields. */
    const struct conv_schema *schema = conv_reader_schema(rd);
    int run_check = io->check_mode == 1;
    if (io->check_mode == 0) {
        int have = 0;
        for (size_t k = 0; indicator_fields[k]; k++)
            have += conv_schema_find(schema, indicator_fields[k]) >= 0;
        run_check = have >= 3;
    }
    struct conv_checker *chk = NULL;
    struct field_stat *stats = NULL;
    size_t nstats = 0;
    int status = TOOL_EXIT_OK;
    if (run_check) {
        chk = conv_checker_new(ctx, "indicators", NULL, on_finding, &in.probs, &err);
        if (!chk || conv_checker_begin(chk, path, sheetful,
                                       in.nsheets > 0 ? in.sheets[0] : NULL) != CONV_OK) {
            io->fail(io->user, chk ? conv_checker_error(chk) : &err);
            status = TOOL_EXIT_IO;
            goto out;
        }
        in.checked = 1;
    }
    const struct conv_record *rec;
    int r;
    while ((r = conv_reader_next(rd, &rec)) == CONV_OK) {
        in.records++;
        schema = conv_reader_schema(rd);
        size_t nf = conv_schema_count(schema);
        if (nf > nstats) {
            struct field_stat *s = realloc(stats, nf * sizeof *s);
            if (!s) {
                fail_nomem(io);
                status = TOOL_EXIT_IO;
                goto out;
            }
            memset(s + nstats, 0, (nf - nstats) * sizeof *s);
            stats = s;
            nstats = nf;
        }
        for (size_t i = 0; i < conv_record_count(rec); i++) {
            long k = conv_schema_find(schema, conv_record_name(rec, i));
            if (k >= 0)
                stats[k].count[conv_record_value(rec, i)->type & 7]++;
        }
        if (chk && conv_checker_put(chk, rec) != CONV_OK) {
            io->fail(io->user, conv_checker_error(chk));
            status = TOOL_EXIT_IO;
            goto out;
        }
    }
    if (r == CONV_ERR) {
        const struct conv_error *e = conv_reader_error(rd);
        if (tool_exit_code(e) != TOOL_EXIT_DATA) {
            io->fail(io->user, e);
            status = tool_exit_code(e);
            goto out;
        }
        in.read_ok = 0;
        conv_error_format(e, in.read_error, sizeof in.read_error);
        status = TOOL_EXIT_DATA;
    }
    if (chk && conv_checker_finish(chk) != CONV_OK) {
        io->fail(io->user, conv_checker_error(chk));
        status = TOOL_EXIT_IO;
        goto out;
    }
    if (chk) {
        in.probs.errors = conv_checker_counts(chk)->errors;
        in.probs.warnings = conv_checker_counts(chk)->warnings;
    }
    /* Reader facts known once the data has been read (locale). */
    in.encoding = conv_reader_info(rd, "encoding");
    in.bom = conv_reader_info(rd, "bom");
    in.delimiter = conv_reader_info(rd, "delimiter");
    in.locale = conv_reader_info(rd, "locale");
    in.locale_signal = conv_reader_info(rd, "locale-signal");
    in.header_row = conv_reader_info(rd, "header-row");
    for (size_t i = 0; conv_reader_info_key(rd, i); i++)
        in.nfacts++;
    in.fact_keys = calloc(in.nfacts + 1, sizeof *in.fact_keys);
    in.fact_vals = calloc(in.nfacts + 1, sizeof *in.fact_vals);
    if (!in.fact_keys || !in.fact_vals) {
        fail_nomem(io);
        status = TOOL_EXIT_IO;
        goto out;
    }
    in.nfacts = 0;
    for (size_t i = 0; conv_reader_info_key(rd, i); i++) {
        const char *k = conv_reader_info_key(rd, i);
        if (known_fact(k))
            continue;
        in.fact_keys[in.nfacts] = k;
        in.fact_vals[in.nfacts++] = conv_reader_info(rd, k);
    }
    schema = conv_reader_schema(rd);
    in.nfields = conv_schema_count(schema);
    in.names = calloc(in.nfields + 1, sizeof *in.names);
    in.types = calloc(in.nfields + 1, sizeof *in.types);
    in.nulls = calloc(in.nfields + 1, sizeof *in.nulls);
    if (!in.names || !in.types || !in.nulls) {
        fail_nomem(io);
        status = TOOL_EXIT_IO;
        goto out;
    }
    for (size_t i = 0; i < in.nfields; i++) {
        struct field_stat zero;
        memset(&zero, 0, sizeof zero);
        const struct field_stat *s = i < nstats ? &stats[i] : &zero;
        char type[160];
        describe_type(s, type, sizeof type);
        in.names[i] = (char *)conv_schema_field(schema, i)->name;
        in.types[i] = strdup(type);
        uint64_t seen = 0;
        for (int t = 0; t < 8; t++)
            seen += s->count[t];
        in.nulls[i] = s->count[CONV_NULL] + (in.records - seen);
        if (!in.types[i])
            in.types[i] = "?";
    }
    if (io->json)
        print_json(io->out, &in, *printed == 0);
    else
        print_text(io->out, &in);
    ++*printed;
    for (size_t i = 0; i < in.nfields; i++)
        if (in.types[i] && strcmp(in.types[i], "?"))
            free(in.types[i]);
out:
    free(stats);
    free(in.fact_keys);
    free(in.fact_vals);
    free(in.names);
    free(in.types);
    free(in.nulls);
    free(in.sheets);
    for (long i = 0; i < in.probs.n; i++)
        free(in.probs.lines[i]);
    free(in.probs.lines);
    conv_checker_free(chk);
    conv_reader_close(rd);
    return status;
}
