/*
 * Shared tool code: option routing to the format tables, exit codes,
 * error lines and a progress line that only appears on a terminal.
 */
#include "tool_common.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

void tool_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int tool_interrupted(void)
{
    return interrupted != 0;
}

int tool_exit_code(const struct conv_error *err)
{
    switch (err->code) {
    case CONV_E_NONE:
        return TOOL_EXIT_OK;
    case CONV_E_USAGE:
    case CONV_E_FORMAT:
    case CONV_E_UNSUPPORTED:
        return TOOL_EXIT_USAGE;
    case CONV_E_IO:
    case CONV_E_NOMEM:
        return TOOL_EXIT_IO;
    case CONV_E_CANCELED:
        return TOOL_EXIT_INTERRUPTED;
    default:
        return TOOL_EXIT_DATA;
    }
}

void tool_print_error(const char *prog, const struct conv_error *err)
{
    char line[1024];
    conv_error_format(err, line, sizeof line);
    if (tool_exit_code(err) == TOOL_EXIT_USAGE)
        fprintf(stderr, "%s: %s (see %s --help)\n", prog, line, prog);
    else
        fprintf(stderr, "%s: %s\n", prog, line);
}

int tool_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see %s --help)\n", prog);
    return TOOL_EXIT_USAGE;
}

/* The option named name (len bytes) of the core or a format: the
 * checker's are conv-check's and conv-batch's own options. */
static const struct conv_option_desc *find_option(const char *name, size_t len)
{
    char key[128];
    if (len >= sizeof key)
        return NULL;
    memcpy(key, name, len);
    key[len] = '\0';
    const struct conv_option_desc *d = conv_option_find(key);
    return d && d->dir != CONV_OPT_CHECK ? d : NULL;
}

int tool_format_option(const char *prog, int argc, char **argv, int *i,
                       struct conv_options *opts)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || !a[2])
        return 0;
    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct conv_option_desc *d = find_option(name, len);
    if (!d)
        return 0;
    const char *value;
    if (!d->arg) {
        value = eq ? eq + 1 : "1";
    } else if (eq) {
        value = eq + 1;
    } else if (*i + 1 < argc) {
        value = argv[++*i];
    } else {
        tool_usage_error(prog, "option --%s needs a value (%s)", d->name, d->arg);
        return -1;
    }
    char key[128];
    snprintf(key, sizeof key, "%.*s", (int)len, name);
    if (conv_options_set(opts, key, value) != CONV_OK) {
        fprintf(stderr, "%s: %s\n", prog, conv_options_error(opts)->message);
        return -1;
    }
    return 1;
}

static void print_option(FILE *f, const struct conv_option_desc *d)
{
    char left[64];
    snprintf(left, sizeof left, "--%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
    fprintf(f, "  %-32s %s\n", left, d->help);
}

void tool_print_format_options(FILE *f)
{
    const struct conv_option_desc *d;
    fprintf(f, "\nConversion options:\n");
    for (size_t i = 0; (d = conv_core_option(i)) != NULL; i++)
        print_option(f, d);
    /* Formats sharing one option table (json and jsonl) share a section. */
    for (size_t k = 0; k < conv_format_count(); k++) {
        const struct conv_option_desc *first = conv_format_option(conv_format_at(k), 0);
        int seen = !first;
        for (size_t j = 0; j < k && !seen; j++)
            seen = conv_format_option(conv_format_at(j), 0) == first;
        if (seen)
            continue;
        fprintf(f, "\n%s", conv_format_name(conv_format_at(k)));
        for (size_t j = k + 1; j < conv_format_count(); j++)
            if (conv_format_option(conv_format_at(j), 0) == first)
                fprintf(f, ", %s", conv_format_name(conv_format_at(j)));
        fprintf(f, " options:\n");
        for (size_t i = 0; (d = conv_format_option(conv_format_at(k), i)) != NULL; i++)
            print_option(f, d);
    }
}

void tool_print_formats(FILE *f)
{
    fprintf(f, "\nFormats:\n");
    for (size_t i = 0; i < conv_format_count(); i++) {
        const struct conv_format *fmt = conv_format_at(i);
        char ext[128] = "";
        const char *const *e = conv_format_extensions(fmt);
        for (size_t k = 0; e && e[k]; k++) {
            size_t len = strlen(ext);
            snprintf(ext + len, sizeof ext - len, "%s.%s", k ? " " : "", e[k]);
        }
        if (!ext[0])
            snprintf(ext, sizeof ext, "-"); /* found by content only */
        fprintf(f, "  %-8s %-18s %s\n", conv_format_name(fmt), ext,
                conv_format_description(fmt));
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mode: -1 never, 0 when stderr is a terminal, 1 always */
void tool_progress_init(struct tool_progress *p, const char *prog, int mode)
{
    memset(p, 0, sizeof *p);
    p->prog = prog;
    p->enabled = mode > 0 || (mode == 0 && isatty(2));
    p->start = p->last = now();
}

int tool_progress_cb(void *user, uint64_t done, uint64_t total, uint64_t records)
{
    struct tool_progress *p = user;
    if (interrupted)
        return 1;
    if (!p->enabled)
        return 0;
    double t = now();
    if (t - p->last < 0.25)
        return 0;
    p->last = t;
    double mb = (double)done / 1e6;
    double rate = t > p->start ? mb / (t - p->start) : 0;
    if (total) {
        double pct = 100.0 * (double)done / (double)total;
        double left = rate > 0 ? ((double)total / 1e6 - mb) / rate : 0;
        fprintf(stderr, "\r%s: %5.1f%% %8.1f MB %12llu records %7.1f MB/s %4.0fs left ", p->prog,
                pct, mb, (unsigned long long)records, rate, left);
    } else {
        fprintf(stderr, "\r%s: %8.1f MB %12llu records %7.1f MB/s ", p->prog, mb,
                (unsigned long long)records, rate);
    }
    p->shown = 1;
    return 0;
}

void tool_progress_end(struct tool_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r\033[K");
    p->shown = 0;
}

void tool_diag_cb(void *user, const struct conv_error *diag)
{
    struct tool_progress *p = user;
    char line[1024];
    conv_error_format(diag, line, sizeof line);
    if (p->shown)
        fprintf(stderr, "\r\033[K");
    p->shown = 0;
    fprintf(stderr, "%s: %s\n", p->prog, line);
}

static ssize_t output_cookie_write(void *cookie, const char *buf, size_t size)
{
    struct tool_output *o = cookie;
    return conv_output_write(o->out, buf, size) == CONV_OK ? (ssize_t)size : -1;
}

struct tool_output *tool_output_open(const char *path, struct conv_error *err)
{
    struct tool_output *o = calloc(1, sizeof *o);
    if (!o || !(o->ctx = conv_context_new(NULL))) {
        free(o);
        conv_error_clear(err);
        if (err) {
            err->code = CONV_E_NOMEM;
            snprintf(err->message, sizeof err->message, "out of memory");
        }
        return NULL;
    }
    o->out = conv_output_open(o->ctx, path, err);
    cookie_io_functions_t io = {NULL, output_cookie_write, NULL, NULL};
    if (o->out && !(o->f = fopencookie(o, "w", io))) {
        conv_output_close(o->out);
        o->out = NULL;
    }
    if (!o->out) {
        conv_context_free(o->ctx);
        free(o);
        return NULL;
    }
    return o;
}

int tool_output_close(struct tool_output *o, int commit, struct conv_error *err)
{
    int rc = fflush(o->f) == 0 && !ferror(o->f) ? CONV_OK : CONV_ERR;
    if (rc == CONV_OK && commit)
        rc = conv_output_finish(o->out);
    if (err)
        *err = *conv_output_error(o->out);
    fclose(o->f);
    conv_output_close(o->out); /* unfinished: nothing left */
    conv_context_free(o->ctx);
    free(o);
    return rc == CONV_OK || !commit ? 0 : -1;
}

void tool_json_escape(const char *s, void (*put)(void *user, const char *p, size_t n),
                      void *user)
{
    put(user, "\"", 1);
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; p && *p; p++) {
        char e[8];
        if (*p == '"' || *p == '\\')
            snprintf(e, sizeof e, "\\%c", *p);
        else if (*p == '\n')
            snprintf(e, sizeof e, "\\n");
        else if (*p == '\r')
            snprintf(e, sizeof e, "\\r");
        else if (*p == '\t')
            snprintf(e, sizeof e, "\\t");
        else if (*p < 0x20)
            snprintf(e, sizeof e, "\\u%04x", *p);
        else
            continue;
        if (p > run)
            put(user, (const char *)run, (size_t)(p - run));
        put(user, e, strlen(e));
        run = p + 1;
    }
    if (p > run)
        put(user, (const char *)run, (size_t)(p - run));
    put(user, "\"", 1);
}

static void put_file(void *user, const char *p, size_t n)
{
    fwrite(p, 1, n, user);
}

void tool_json_string(FILE *f, const char *s)
{
    tool_json_escape(s, put_file, f);
}

static const char *severity_name(enum conv_severity s)
{
    return s == CONV_SEVERITY_ERROR ? "error" : "warning";
}

void tool_finding_text(FILE *f, const struct conv_finding *x)
{
    const struct conv_error *w = &x->where;
    if (x->cell)
        fprintf(f, "%s:%s%s%s: ", w->source, x->sheet ? x->sheet : "", x->sheet ? "!" : "",
                x->cell);
    else if (w->line)
        fprintf(f, "%s:%llu: ", w->source, (unsigned long long)w->line);
    else
        fprintf(f, "%s: ", w->source);
    fprintf(f, "%s: %s: ", severity_name(x->severity), x->rule);
    if (w->record)
        fprintf(f, "record %llu%s%s%s: ", (unsigned long long)w->record, w->field[0] ? " (" : "",
                w->field, w->field[0] ? ")" : "");
    for (const char *p = w->message; *p; p++)
        fputc(*p == '\n' ? ' ' : *p, f);
    fputc('\n', f);
}

void tool_finding_json(FILE *f, const struct conv_finding *x)
{
    const struct conv_error *w = &x->where;
    fputs("{\"file\": ", f);
    tool_json_string(f, w->source);
    fprintf(f, ", \"record\": %llu", (unsigned long long)w->record);
    if (x->merged_record)
        fprintf(f, ", \"merged_record\": %llu", (unsigned long long)x->merged_record);
    if (x->sheet || x->cell) {
        fputs(", \"sheet\": ", f);
        if (x->sheet)
            tool_json_string(f, x->sheet);
        else
            fputs("null", f);
        fputs(", \"cell\": ", f);
        tool_json_string(f, x->cell ? x->cell : "");
    } else {
        fprintf(f, ", \"line\": %llu, \"column\": %llu", (unsigned long long)w->line,
                (unsigned long long)w->column);
    }
    fputs(", \"field\": ", f);
    if (w->field[0])
        tool_json_string(f, w->field);
    else
        fputs("null", f);
    fputs(", \"rule\": ", f);
    tool_json_string(f, x->rule);
    fprintf(f, ", \"severity\": \"%s\", \"message\": ", severity_name(x->severity));
    tool_json_string(f, w->message);
    fputc('}', f);
}

void tool_check_report_head(FILE *f, const char *schema, const char *profile)
{
    fprintf(f, "{\n  \"%s\": ", schema ? "schema" : "profile");
    tool_json_string(f, schema ? schema : profile);
    fputs(",\n  \"findings\": [", f);
}

void tool_check_report_finding(FILE *f, const struct conv_finding *x, int *first)
{
    fprintf(f, "%s\n    ", *first ? "" : ",");
    *first = 0;
    tool_finding_json(f, x);
}

void tool_check_report_files(FILE *f, const char *const *names, size_t n,
                             const struct conv_check_counts *per, const struct conv_error *errs)
{
    uint64_t errors = 0, warnings = 0;
    fputs("\n  ],\n  \"files\": [", f);
    for (size_t k = 0, first = 1; k < n; k++) {
        if (!names[k])
            continue;
        const struct conv_error *err = errs[k].code != CONV_E_NONE ? &errs[k] : NULL;
        const struct conv_check_counts *c = &per[k];
        const char *status = err            ? "failed"
                             : c->errors   ? "errors"
                             : c->warnings ? "warnings"
                                           : "clean";
        fprintf(f, "%s\n    {\"file\": ", first ? "" : ",");
        first = 0;
        tool_json_string(f, names[k]);
        fprintf(f, ", \"status\": \"%s\", \"records\": %llu, \"errors\": %llu, \"warnings\": %llu",
                status, (unsigned long long)c->records, (unsigned long long)c->errors,
                (unsigned long long)c->warnings);
        if (err) {
            char line[1024];
            conv_error_format(err, line, sizeof line);
            fputs(", \"error\": ", f);
            tool_json_string(f, line);
        }
        fputc('}', f);
        errors += c->errors;
        warnings += c->warnings;
    }
    fprintf(f, "\n  ],\n  \"errors\": %llu,\n  \"warnings\": %llu", (unsigned long long)errors,
            (unsigned long long)warnings);
}
