/*
 * The work of a request, in a worker thread, over the public API: convert
 * (conv_convert(), as conv does), check (the checker, as conv-check
 * --format json reports), info (as conv-info --format json).
 *
 * The library is given each file by a path: a symbolic link named as the
 * client named the file, to the file's unnamed temporary file
 * (/proc/self/fd/N), in a directory of the request's own under the
 * server's directory (the working directory).  So the format comes from
 * the same name, content and options as on the command line, the errors
 * name the same file, and the outputs are made by the same code; names of
 * the server's directories are taken out of every message.
 */
#include "serve.h"
#include "info_describe.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- small helpers ----------------------------------------------------- */

double serve_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void serve_buf_add(struct serve_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            abort(); /* a few bytes of JSON: nothing sensible to do without them */
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void serve_buf_str(struct serve_buf *b, const char *s)
{
    serve_buf_add(b, s, strlen(s));
}

void serve_buf_printf(struct serve_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        serve_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        abort();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    serve_buf_add(b, big, (size_t)n);
    free(big);
}

static void put_buf(void *user, const char *p, size_t n)
{
    serve_buf_add(user, p, n);
}

void serve_buf_json(struct serve_buf *b, const char *s)
{
    if (s)
        tool_json_escape(s, put_buf, b);
    else
        serve_buf_str(b, "null");
}

void serve_buf_free(struct serve_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

int serve_temp_fd(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        char path[4200];
        snprintf(path, sizeof path, "%s/conv-serve-XXXXXX", dir);
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0)
            unlink(path);
    }
    return fd;
}

size_t serve_utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3
                               : (p[0] & 0xF8) == 0xF0                    ? 4
                                                                          : 0;
    if (!len || len > n || (len == 2 && p[0] < 0xC2))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

void serve_safe_name(const char *name, char *out, size_t size)
{
    size_t cap = size - 1 < 200 ? size - 1 : 200, n = 0;
    const char *base = name ? name : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    const unsigned char *p = (const unsigned char *)base;
    size_t left = strlen(base);
    while (left && n < cap) {
        size_t len = serve_utf8_len(p, left);
        if (len == 1 && (*p < 0x20 || *p == 0x7f || *p == '"'))
            len = 0;
        if (!len) {
            out[n++] = '_';
            p++;
            left--;
            continue;
        }
        if (n + len > cap)
            break;
        memcpy(out + n, p, len);
        n += len;
        p += len;
        left -= len;
    }
    out[n] = '\0';
    if (!strcmp(out, ".") || !strcmp(out, ".."))
        out[0] = '_';
}

/* ---- errors ------------------------------------------------------------ */

static const char *const code_names[] = {
    "none",   "usage", "format", "syntax", "encoding", "type",       "structure",
    "schema", "limit", "io",     "nomem",  "canceled", "unsupported"};

static const char *code_name(enum conv_errcode c)
{
    return (unsigned)c < sizeof code_names / sizeof code_names[0] ? code_names[c] : "error";
}

int serve_status_of(const struct conv_error *err)
{
    switch (err->code) {
    case CONV_E_NONE:
        return 200;
    case CONV_E_FORMAT:
    case CONV_E_UNSUPPORTED:
        return 415;
    case CONV_E_LIMIT:
        return 413;
    case CONV_E_IO:
        return 500;
    case CONV_E_NOMEM:
    case CONV_E_CANCELED:
        return 503;
    default: /* usage and bad data */
        return 400;
    }
}

/* The members of an error object, from a library error. */
static void error_members(struct serve_buf *b, int status, const struct conv_error *err)
{
    char text[1024];
    conv_error_format(err, text, sizeof text);
    serve_buf_printf(b, "{\"status\": %d, \"code\": \"%s\", \"exit\": %d, \"file\": ", status,
                     code_name(err->code), tool_exit_code(err));
    serve_buf_json(b, err->source[0] ? err->source : NULL);
    serve_buf_printf(b, ", \"line\": %llu, \"column\": %llu, \"record\": %llu, \"field\": ",
                     (unsigned long long)err->line, (unsigned long long)err->column,
                     (unsigned long long)err->record);
    serve_buf_json(b, err->field[0] ? err->field : NULL);
    serve_buf_str(b, ", \"message\": ");
    serve_buf_json(b, err->message[0] ? err->message : conv_strerror(err->code));
    serve_buf_str(b, ", \"text\": ");
    serve_buf_json(b, text);
    serve_buf_str(b, "}");
}

static void own_error_members(struct serve_buf *b, int status, const char *code,
                              const char *file, const char *message)
{
    serve_buf_printf(b, "{\"status\": %d, \"code\": \"%s\", \"exit\": %s, \"file\": ", status,
                     code, !strcmp(code, "usage") ? "2" : "null");
    serve_buf_json(b, file);
    serve_buf_str(b, ", \"line\": 0, \"column\": 0, \"record\": 0, \"field\": null, \"message\": ");
    serve_buf_json(b, message);
    serve_buf_str(b, ", \"text\": ");
    if (file) {
        struct serve_buf t = {0};
        serve_buf_printf(&t, "%s: %s", file, message);
        serve_buf_json(b, t.p);
        serve_buf_free(&t);
    } else {
        serve_buf_json(b, message);
    }
    serve_buf_str(b, "}");
}

void serve_error_body(struct serve_buf *b, int status, const char *code, const char *file,
                      const char *message)
{
    serve_buf_str(b, "{\"error\": ");
    own_error_members(b, status, code, file, message);
    serve_buf_str(b, "}\n");
}

/* ---- parameters -------------------------------------------------------- */

#define K_CONVERT (1 << SERVE_CONVERT)
#define K_CHECK (1 << SERVE_CHECK)
#define K_INFO (1 << SERVE_INFO)

/* The server's own parameters, by the requests that take them. */
static const struct {
    const char *name;
    int kinds;
} own_params[] = {
    {"filename", K_CONVERT | K_CHECK | K_INFO},
    {"profile", K_CHECK},      /* conv-check --profile: the checker's */
    {"strict", K_CHECK},       /* conv-check --strict */
    {"max-findings", K_CHECK}, /* conv-check --max-findings */
    {"fail", K_CHECK},         /* 422 when conv-check would exit 1 */
    {"max-problems", K_INFO},  /* conv-info --max-problems */
    {"check", K_INFO},         /* conv-info --check */
};

/* Options of the library that are the server's to set: resources. */
static const char *const server_only[] = {"sort-memory", "max-part-size", NULL};

static int own_param(enum serve_kind kind, const char *name)
{
    for (size_t i = 0; i < sizeof own_params / sizeof own_params[0]; i++)
        if (!strcmp(own_params[i].name, name) && (own_params[i].kinds & (1 << kind)))
            return 1;
    return 0;
}

static int lib_allowed(enum serve_kind kind, const struct conv_option_desc *d)
{
    return d && (kind == SERVE_CHECK || d->dir != CONV_OPT_CHECK);
}

/* The name this request takes closest to name, as the library would
 * suggest it, or NULL when none is close. */
static const char *closest(enum serve_kind kind, const char *name)
{
    const char *names[512];
    size_t n = 0;
    const struct conv_option_desc *d;
    for (size_t i = 0; (d = conv_core_option(i)) != NULL && n < 512; i++)
        names[n++] = d->name;
    for (size_t f = 0; f < conv_format_count(); f++)
        for (size_t i = 0; (d = conv_format_option(conv_format_at(f), i)) != NULL && n < 512; i++)
            names[n++] = d->name;
    if (kind == SERVE_CHECK)
        for (size_t i = 0; (d = conv_checker_option(i)) != NULL && n < 512; i++)
            names[n++] = d->name;
    for (size_t i = 0; i < sizeof own_params / sizeof own_params[0] && n < 512; i++)
        if (own_params[i].kinds & (1 << kind))
            names[n++] = own_params[i].name;
    return conv_closest_name(name, names, n);
}

static int is_flag_value(const char *v)
{
    return !v || !*v || !strcmp(v, "1") || !strcmp(v, "0") || !strcmp(v, "true") ||
           !strcmp(v, "false");
}

static int flag_on(const char *v)
{
    return !v || !*v || !strcmp(v, "1") || !strcmp(v, "true");
}

static int parse_count(const char *v, long max, long *out)
{
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 0 || n > max)
        return -1;
    *out = n;
    return 0;
}

int serve_param_check(enum serve_kind kind, const char *name, const char *value, char *msg,
                      size_t size)
{
    long n;
    if (own_param(kind, name)) {
        if ((!strcmp(name, "strict") || !strcmp(name, "fail")) && !is_flag_value(value)) {
            snprintf(msg, size, "%s: expected 1, 0, true or false, got '%.100s'", name, value);
            return -1;
        }
        if (!strcmp(name, "max-findings") && parse_count(value, 1L << 30, &n) != 0) {
            snprintf(msg, size, "max-findings: expected a count, got '%.100s'",
                     value ? value : "");
            return -1;
        }
        if (!strcmp(name, "max-problems") && parse_count(value, 100000, &n) != 0) {
            snprintf(msg, size, "max-problems: expected a count, got '%.100s'",
                     value ? value : "");
            return -1;
        }
        if (!strcmp(name, "check") &&
            (!value || (strcmp(value, "auto") && strcmp(value, "yes") && strcmp(value, "no")))) {
            snprintf(msg, size, "check: expected auto, yes or no, got '%.100s'",
                     value ? value : "");
            return -1;
        }
        if ((!strcmp(name, "profile") || !strcmp(name, "filename")) && !value) {
            snprintf(msg, size, "option '%s' needs a value", name);
            return -1;
        }
        return 0;
    }
    for (size_t i = 0; server_only[i]; i++)
        if (!strcmp(name, server_only[i])) {
            snprintf(msg, size, "option '%s' is the server's to set, not a request's", name);
            return -1;
        }
    const struct conv_option_desc *d = conv_option_find(name);
    if (lib_allowed(kind, d) && value && (!strcmp(name, "to") || !strcmp(name, "from"))) {
        /* Unknown formats are 415, found before the body is read; the
         * library's words. */
        const struct conv_format *f = conv_format_by_name(value);
        if (!f) {
            snprintf(msg, size, "unknown %s format '%.100s'", name[0] == 't' ? "output" : "input",
                     value);
            return -2;
        }
        if (name[0] == 't' && !conv_format_can_write(f)) {
            snprintf(msg, size, "format '%.100s' cannot be written", value);
            return -2;
        }
        if (name[0] == 'f' && !conv_format_can_read(f)) {
            snprintf(msg, size, "format '%.100s' cannot be read", value);
            return -2;
        }
    }
    if (lib_allowed(kind, d)) {
        if (d->arg && !strcmp(d->arg, "FILE")) {
            snprintf(msg, size,
                     "option '%s' names a file: send the file as a multipart part named '%s'",
                     name, name);
            return -1;
        }
        if (d->arg && !value) {
            snprintf(msg, size, "option '%s' needs a value (%s)", name, d->arg);
            return -1;
        }
        return 0;
    }
    const char *near = closest(kind, name);
    if (near)
        snprintf(msg, size, "unknown option '%.100s' (did you mean '%s'?)", name, near);
    else
        snprintf(msg, size, "unknown option '%.100s'", name);
    return -1;
}

int serve_param_is_file(enum serve_kind kind, const char *name)
{
    const struct conv_option_desc *d = conv_option_find(name);
    return lib_allowed(kind, d) && d->arg && !strcmp(d->arg, "FILE");
}

static const char *param(const struct serve_task *t, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < t->nparams; i++)
        if (!strcmp(t->params[i].name, name))
            v = t->params[i].value ? t->params[i].value : "";
    return v;
}

static int has_param(const struct serve_task *t, const char *name)
{
    for (size_t i = 0; i < t->nparams; i++)
        if (!strcmp(t->params[i].name, name))
            return 1;
    return 0;
}

/* ---- the formats ------------------------------------------------------- */

static const struct {
    const char *ext, *type;
} media_types[] = {
    {"json", "application/json"},
    {"jsonl", "application/x-ndjson"},
    {"ndjson", "application/x-ndjson"},
    {"csv", "text/csv; charset=utf-8"},
    {"tsv", "text/tab-separated-values; charset=utf-8"},
    {"tab", "text/tab-separated-values; charset=utf-8"},
    {"xml", "application/xml"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"xls", "application/vnd.ms-excel"},
    {"zip", "application/zip"},
};

/* Formats found by content only have no extension of their own: the
 * extension and media type of what they are. */
static const struct {
    const char *format, *ext, *type;
} content_only[] = {
    {"sdmx", "xml", "application/vnd.sdmx.structurespecificdata+xml; version=2.1"},
    {"sdmx-csv", "csv", "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"},
    {"sdmx-json", "json", "application/vnd.sdmx.data+json; version=2.0.0"},
};

static const char *media_type_of_ext(const char *ext)
{
    for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++)
        if (!strcmp(media_types[i].ext, ext))
            return media_types[i].type;
    return "application/octet-stream";
}

/* The extension and media type of what format fmt writes. */
static void format_output(const char *fmt, const char **ext, const char **type)
{
    for (size_t i = 0; i < sizeof content_only / sizeof content_only[0]; i++)
        if (!strcmp(content_only[i].format, fmt)) {
            *ext = content_only[i].ext;
            *type = content_only[i].type;
            return;
        }
    const struct conv_format *f = conv_format_by_name(fmt);
    const char *const *e = f ? conv_format_extensions(f) : NULL;
    *ext = e && e[0] ? e[0] : "out";
    *type = media_type_of_ext(*ext);
}

static void json_options(struct serve_buf *b, const struct conv_option_desc *(*at)(size_t),
                         const struct conv_format *fmt)
{
    serve_buf_str(b, "[");
    const struct conv_option_desc *d;
    for (size_t i = 0; (d = at ? at(i) : conv_format_option(fmt, i)) != NULL; i++) {
        serve_buf_str(b, i ? ",\n      {\"name\": " : "\n      {\"name\": ");
        serve_buf_json(b, d->name);
        serve_buf_str(b, ", \"arg\": ");
        serve_buf_json(b, d->arg);
        serve_buf_str(b, ", \"use\": ");
        serve_buf_json(b, d->dir == CONV_OPT_READ    ? "read"
                          : d->dir == CONV_OPT_WRITE ? "write"
                          : d->dir == CONV_OPT_BOTH  ? "both"
                                                     : "check");
        serve_buf_str(b, ", \"file\": ");
        serve_buf_str(b, d->arg && !strcmp(d->arg, "FILE") ? "true" : "false");
        serve_buf_str(b, ", \"help\": ");
        serve_buf_json(b, d->help);
        serve_buf_str(b, "}");
    }
    serve_buf_str(b, "]");
}

void serve_formats_body(struct serve_buf *b)
{
    serve_buf_printf(b, "{\"version\": ");
    serve_buf_json(b, conv_version());
    serve_buf_str(b, ",\n  \"formats\": [");
    for (size_t i = 0; i < conv_format_count(); i++) {
        const struct conv_format *f = conv_format_at(i);
        unsigned caps = conv_format_caps(f);
        serve_buf_str(b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
        serve_buf_json(b, conv_format_name(f));
        serve_buf_str(b, ", \"description\": ");
        serve_buf_json(b, conv_format_description(f));
        serve_buf_str(b, ", \"extensions\": [");
        const char *const *e = conv_format_extensions(f);
        for (size_t k = 0; e && e[k]; k++) {
            serve_buf_str(b, k ? ", " : "");
            serve_buf_json(b, e[k]);
        }
        const char *ext, *type;
        format_output(conv_format_name(f), &ext, &type);
        serve_buf_printf(b,
                         "], \"read\": %s, \"write\": %s, \"typed\": %s, \"sheets\": %s, "
                         "\"output_extension\": ",
                         caps & CONV_FORMAT_READ ? "true" : "false",
                         caps & CONV_FORMAT_WRITE ? "true" : "false",
                         caps & CONV_FORMAT_TYPED ? "true" : "false",
                         caps & CONV_FORMAT_SHEETS ? "true" : "false");
        serve_buf_json(b, ext);
        serve_buf_str(b, ", \"media_type\": ");
        serve_buf_json(b, type);
        serve_buf_str(b, ",\n     \"options\": ");
        json_options(b, NULL, f);
        serve_buf_str(b, "}");
    }
    serve_buf_str(b, "],\n  \"options\": ");
    json_options(b, conv_core_option, NULL);
    serve_buf_str(b, ",\n  \"check_options\": ");
    json_options(b, conv_checker_option, NULL);
    serve_buf_str(b, "\n}\n");
}

/* ---- a run ------------------------------------------------------------- */

enum stop { STOP_NONE, STOP_SHUTDOWN, STOP_TIME, STOP_GONE };

struct run {
    struct serve_task *t;
    char dir[40];      /* r<id>, relative to the working directory */
    char (*link)[260]; /* each file's path for the library */
    struct conv_context *ctx;
    struct conv_options *opts, *copts;
    enum stop stop;
    struct conv_error first; /* info: the first error that stopped a file */
};

static int should_stop(struct run *r)
{
    struct serve_task *t = r->t;
    if (r->stop != STOP_NONE)
        return 1;
    if (atomic_load(&t->cancel))
        r->stop = STOP_SHUTDOWN;
    else if (serve_now() > t->deadline)
        r->stop = STOP_TIME;
    else if (t->client_fd >= 0) {
        struct pollfd p = {t->client_fd, POLLRDHUP, 0};
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
            r->stop = STOP_GONE;
    }
    return r->stop != STOP_NONE;
}

static int on_progress(void *user, uint64_t done, uint64_t total, uint64_t records)
{
    (void)done;
    (void)total;
    (void)records;
    return should_stop(user);
}

static void unpath(const struct run *r, char *s, size_t size);

/* A reader's warning: kept for the answer's headers (the first ones) and
 * counted, as conv would print it. */
static void on_diag(void *user, const struct conv_error *diag)
{
    struct run *r = user;
    struct serve_task *t = r->t;
    t->warnings_total++;
    if (t->nwarnings >= SERVE_WARNINGS)
        return;
    char text[1100];
    conv_error_format(diag, text, sizeof text);
    unpath(r, text, sizeof text);
    char *copy = strdup(text);
    if (copy)
        t->warnings[t->nwarnings++] = copy;
}

/* Replace every occurrence of from by to in s (size bytes). */
static void replace_in(char *s, size_t size, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    if (!fl)
        return;
    char *p = s;
    while ((p = strstr(p, from)) != NULL) {
        size_t rest = strlen(p + fl);
        if ((size_t)(p - s) + tl + rest + 1 > size)
            return;
        memmove(p + tl, p + fl, rest + 1);
        memcpy(p, to, tl);
        p += tl;
    }
}

/* The server's paths out of a text: each file's link by the file's name,
 * then the request's directory. */
static void unpath(const struct run *r, char *s, size_t size)
{
    for (size_t k = 0; k < r->t->nfiles; k++)
        replace_in(s, size, r->link[k], r->t->files[k].name);
    char dir[48];
    snprintf(dir, sizeof dir, "%s/", r->dir);
    replace_in(s, size, dir, "");
}

static void unpath_error(const struct run *r, struct conv_error *e)
{
    unpath(r, e->source, sizeof e->source);
    unpath(r, e->message, sizeof e->message);
}

static void unpath_buf(const struct run *r, struct serve_buf *b)
{
    if (!b->p)
        return;
    /* Names are never longer than the links they replace. */
    unpath(r, b->p, b->n + 1);
    b->n = strlen(b->p);
}

static void fail_with(struct run *r, const struct conv_error *err)
{
    struct serve_task *t = r->t;
    struct conv_error e = *err;
    unpath_error(r, &e);
    t->status = serve_status_of(&e);
    serve_buf_free(&t->body);
    serve_buf_str(&t->body, "{\"error\": ");
    error_members(&t->body, t->status, &e);
    serve_buf_str(&t->body, "}\n");
    char text[600];
    conv_error_format(&e, text, sizeof text);
    snprintf(t->note, sizeof t->note, "%.190s", text);
}

static void fail_own(struct run *r, int status, const char *code, const char *message)
{
    struct serve_task *t = r->t;
    t->status = status;
    serve_buf_free(&t->body);
    serve_error_body(&t->body, status, code, NULL, message);
    snprintf(t->note, sizeof t->note, "%s", message);
}

/* A stopped run: the reason as the response. */
static void fail_stopped(struct run *r)
{
    struct serve_task *t = r->t;
    char msg[200];
    switch (r->stop) {
    case STOP_TIME:
        snprintf(msg, sizeof msg, "the work took longer than the time limit of %g s",
                 t->cfg->time_limit);
        fail_own(r, 503, "timeout", msg);
        break;
    case STOP_GONE:
        fail_own(r, 503, "canceled", "the client went away during the work");
        break;
    default:
        fail_own(r, 503, "canceled", "the server is stopping");
        t->retry_after = 5;
        break;
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void serve_remove_tree(const char *path)
{
    nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}
static int setup(struct run *r)
{
    struct serve_task *t = r->t;
    snprintf(r->dir, sizeof r->dir, "r%lu", t->id);
    if (mkdir(r->dir, 0700) != 0)
        return -1;
    r->link = calloc(t->nfiles ? t->nfiles : 1, sizeof *r->link);
    if (!r->link)
        return -1;
    for (size_t k = 0; k < t->nfiles; k++) {
        char sub[64], target[64];
        snprintf(sub, sizeof sub, "%s/%zu", r->dir, k);
        snprintf(target, sizeof target, "/proc/self/fd/%d", t->files[k].fd);
        snprintf(r->link[k], sizeof r->link[k], "%s/%s", sub, t->files[k].name);
        if (mkdir(sub, 0700) != 0 || symlink(target, r->link[k]) != 0)
            return -1;
    }
    r->ctx = conv_context_new(NULL);
    r->opts = r->ctx ? conv_options_new(r->ctx) : NULL;
    r->copts = r->ctx ? conv_options_new(r->ctx) : NULL;
    if (!r->opts || !r->copts)
        return -1;
    for (size_t i = 0; i < t->nparams; i++) {
        const char *name = t->params[i].name, *value = t->params[i].value;
        if (own_param(t->kind, name))
            continue;
        const struct conv_option_desc *d = conv_option_find(name);
        struct conv_options *o = d && d->dir == CONV_OPT_CHECK ? r->copts : r->opts;
        if (conv_options_set(o, name, value ? value : "1") != CONV_OK)
            return -1; /* checked before: out of memory */
    }
    for (size_t k = 0; k < t->nfiles; k++) {
        const char *opt = t->files[k].option;
        if (!opt)
            continue;
        const struct conv_option_desc *d = conv_option_find(opt);
        struct conv_options *o = d && d->dir == CONV_OPT_CHECK ? r->copts : r->opts;
        if (conv_options_set(o, opt, r->link[k]) != CONV_OK)
            return -1;
    }
    conv_options_set_progress(r->opts, on_progress, r);
    conv_options_set_diag(r->opts, on_diag, r);
    return 0;
}

static void teardown(struct run *r)
{
    conv_options_free(r->opts);
    conv_options_free(r->copts);
    conv_context_free(r->ctx);
    free(r->link);
    if (r->dir[0])
        serve_remove_tree(r->dir);
}

/* The stem of a file name: without its last extension. */
static void stem_of(const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s", name);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

/* ---- convert ----------------------------------------------------------- */

static void run_convert(struct run *r)
{
    struct serve_task *t = r->t;
    const char *to = conv_options_get(r->opts, "to");
    if (!to) {
        fail_own(r, 400, "usage",
                 "the output format is missing: to=FORMAT (xlsx, csv, json...; GET /v1/formats)");
        return;
    }
    size_t ninputs = 0;
    for (size_t k = 0; k < t->nfiles; k++)
        ninputs += !t->files[k].option;
    struct serve_zip_entry *ent = calloc(ninputs ? ninputs : 1, sizeof *ent);
    char (*names)[300] = calloc(ninputs ? ninputs : 1, sizeof *names);
    if (!ent || !names) {
        fail_own(r, 503, "nomem", "out of memory");
        free(ent);
        free(names);
        return;
    }
    const char *ext = "out", *type = "application/octet-stream";
    size_t done = 0;
    int failed = 0;
    for (size_t k = 0; k < t->nfiles && !failed; k++) {
        if (t->files[k].option)
            continue;
        if (should_stop(r)) {
            fail_stopped(r);
            failed = 1;
            break;
        }
        char out[300];
        snprintf(out, sizeof out, "%s/%zu/out", r->dir, k);
        struct conv_error err;
        struct conv_stats st;
        conv_error_clear(&err);
        if (conv_convert(r->ctx, r->link[k], out, r->opts, &st, &err) != CONV_OK) {
            if (err.code == CONV_E_CANCELED && r->stop != STOP_NONE)
                fail_stopped(r);
            else
                fail_with(r, &err);
            failed = 1;
            break;
        }
        t->records += st.records;
        int fd = open(out, O_RDONLY | O_CLOEXEC);
        unlink(out);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) != 0) {
            if (fd >= 0)
                close(fd);
            fail_own(r, 500, "io", "cannot read the output back");
            failed = 1;
            break;
        }
        format_output(st.output_format ? st.output_format : to, &ext, &type);
        /* The output's name: the input's stem and the format's extension,
         * made unique within the zip. */
        char stem[260];
        stem_of(t->files[k].name, stem, sizeof stem);
        snprintf(names[done], sizeof names[done], "%s.%s", stem, ext);
        for (int n = 2; n < 10000; n++) {
            int clash = 0;
            for (size_t j = 0; j < done; j++)
                clash |= !strcmp(names[j], names[done]);
            if (!clash)
                break;
            snprintf(names[done], sizeof names[done], "%s-%d.%s", stem, n, ext);
        }
        ent[done].name = names[done];
        ent[done].fd = fd;
        ent[done].size = (uint64_t)sb.st_size;
        done++;
    }
    if (!failed && done == 1) {
        t->out_fd = ent[0].fd;
        t->out_size = ent[0].size;
        t->media_type = type;
        snprintf(t->out_name, sizeof t->out_name, "%s", names[0]);
        t->status = 200;
        done = 0; /* the descriptor is the result's now */
    } else if (!failed) {
        int zfd = serve_temp_fd(".");
        char msg[200] = "cannot make a temporary file";
        if (zfd < 0 || serve_zip_write(zfd, ent, done, msg, sizeof msg) != 0) {
            if (zfd >= 0)
                close(zfd);
            fail_own(r, 500, "io", msg);
        } else {
            struct stat sb;
            fstat(zfd, &sb);
            t->out_fd = zfd;
            t->out_size = (uint64_t)sb.st_size;
            t->media_type = "application/zip";
            snprintf(t->out_name, sizeof t->out_name, "converted-%s.zip", ext);
            t->status = 200;
        }
    } else if (ninputs > 1) {
        /* Which files were converted, which one failed: after the error. */
        t->body.n -= 2; /* "}\n" */
        serve_buf_str(&t->body, ", \"files\": [");
        size_t i = 0;
        for (size_t k = 0; k < t->nfiles; k++) {
            if (t->files[k].option)
                continue;
            serve_buf_str(&t->body, i ? ", {\"file\": " : "{\"file\": ");
            serve_buf_json(&t->body, t->files[k].name);
            serve_buf_printf(&t->body, ", \"status\": \"%s\"}",
                             i < done ? "converted" : i == done ? "failed" : "not converted");
            i++;
        }
        serve_buf_str(&t->body, "]}\n");
    }
    for (size_t j = 0; j < done; j++)
        close(ent[j].fd);
    free(ent);
    free(names);
}

/* ---- check ------------------------------------------------------------- */

struct check_state {
    struct run *r;
    FILE *f;
    long max;
    long printed;
    int first;
};

static void on_finding(void *user, const struct conv_finding *x)
{
    struct check_state *st = user;
    if (st->max > 0 && st->printed >= st->max)
        return;
    st->printed++;
    struct conv_finding y = *x;
    unpath_error(st->r, &y.where);
    char related[300];
    if (y.related_source) {
        snprintf(related, sizeof related, "%s", y.related_source);
        unpath(st->r, related, sizeof related);
        y.related_source = related;
    }
    tool_check_report_finding(st->f, &y, &st->first);
}

static void run_check(struct run *r)
{
    struct serve_task *t = r->t;
    const char *profile = param(t, "profile") ? param(t, "profile") : "indicators";
    int strict = has_param(t, "strict") && flag_on(param(t, "strict"));
    int fail = has_param(t, "fail") && flag_on(param(t, "fail"));
    long max = 0;
    if (param(t, "max-findings"))
        parse_count(param(t, "max-findings"), 1L << 30, &max);
    /* --schema FILE: against a schema file instead of the profile. */
    const char *schema = conv_options_get(r->opts, "schema");
    if (schema)
        conv_options_set(r->copts, "schema", schema);
    struct check_state st = {r, NULL, max, 0, 1};
    char *text = NULL;
    size_t len = 0;
    st.f = open_memstream(&text, &len);
    if (!st.f) {
        fail_own(r, 503, "nomem", "out of memory");
        return;
    }
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_checker *chk = conv_checker_new(r->ctx, profile, r->copts, on_finding, &st, &err);
    if (!chk) {
        fclose(st.f);
        free(text);
        fail_with(r, &err);
        return;
    }
    tool_check_report_head(st.f, conv_options_get(r->copts, "schema"), profile);
    size_t n = t->nfiles;
    struct conv_check_counts *per = calloc(n ? n : 1, sizeof *per);
    struct conv_error *errs = calloc(n ? n : 1, sizeof *errs);
    const char **names = calloc(n ? n : 1, sizeof *names);
    uint64_t errors = 0, warnings = 0;
    int failed = -1; /* the first file that could not be checked */
    for (size_t k = 0; names && k < n; k++)
        names[k] = t->files[k].option ? NULL : t->files[k].name; /* option files: not listed */
    for (size_t k = 0; per && errs && names && k < n; k++) {
        if (!names[k])
            continue;
        st.printed = 0;
        if (conv_checker_check_file(chk, r->link[k], r->opts, &errs[k]) != CONV_OK) {
            unpath_error(r, &errs[k]);
            if (failed < 0)
                failed = (int)k;
            if (errs[k].code == CONV_E_CANCELED)
                break;
        } else {
            per[k] = *conv_checker_counts(chk);
        }
        errors += per[k].errors;
        warnings += per[k].warnings;
    }
    tool_check_report_files(st.f, names, per && errs && names ? n : 0, per, errs);
    fclose(st.f);
    conv_checker_free(chk);
    serve_buf_free(&t->body);
    serve_buf_add(&t->body, text ? text : "", text ? len : 0);
    free(text);
    unpath_buf(r, &t->body);
    t->records = 0;
    for (size_t k = 0; per && k < n; k++)
        t->records += per[k].records;
    t->status = 200;
    if (!per || !errs || !names) {
        t->status = 503;
        serve_buf_str(&t->body, ",\n  \"error\": ");
        own_error_members(&t->body, 503, "nomem", NULL, "out of memory");
    } else if (failed >= 0 && errs[failed].code == CONV_E_CANCELED && r->stop != STOP_NONE) {
        struct serve_buf keep = t->body;
        memset(&t->body, 0, sizeof t->body);
        fail_stopped(r); /* its error body, then the report under "report" */
        t->body.n -= 2;
        serve_buf_str(&t->body, ", \"report\": ");
        serve_buf_add(&t->body, keep.p, keep.n);
        serve_buf_str(&t->body, "\n}}\n");
        serve_buf_free(&keep);
        free(per);
        free(errs);
        free(names);
        return;
    } else if (failed >= 0) {
        t->status = serve_status_of(&errs[failed]);
        serve_buf_str(&t->body, ",\n  \"error\": ");
        error_members(&t->body, t->status, &errs[failed]);
        char text2[600];
        conv_error_format(&errs[failed], text2, sizeof text2);
        snprintf(t->note, sizeof t->note, "%.190s", text2);
    } else if (fail && (errors || (strict && warnings))) {
        t->status = 422;
        char msg[200];
        snprintf(msg, sizeof msg, "%llu errors, %llu warnings%s", (unsigned long long)errors,
                 (unsigned long long)warnings, strict ? " (strict: warnings fail too)" : "");
        serve_buf_str(&t->body, ",\n  \"error\": ");
        own_error_members(&t->body, 422, "check", NULL, msg);
        snprintf(t->note, sizeof t->note, "check: %.180s", msg);
    } else {
        snprintf(t->note, sizeof t->note, "check: %llu errors, %llu warnings",
                 (unsigned long long)errors, (unsigned long long)warnings);
    }
    serve_buf_str(&t->body, "\n}\n");
    t->media_type = "application/json";
    free(per);
    free(errs);
    free(names);
}

/* ---- info -------------------------------------------------------------- */

static void info_failed(void *user, const struct conv_error *err)
{
    struct run *r = user;
    if (r->first.code == CONV_E_NONE) {
        r->first = *err;
        unpath_error(r, &r->first);
    }
}

static void run_info(struct run *r)
{
    struct serve_task *t = r->t;
    int check_mode = 0;
    long max_problems = 5;
    const char *c = param(t, "check");
    if (c)
        check_mode = !strcmp(c, "yes") ? 1 : !strcmp(c, "no") ? -1 : 0;
    if (param(t, "max-problems"))
        parse_count(param(t, "max-problems"), 100000, &max_problems);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        fail_own(r, 503, "nomem", "out of memory");
        return;
    }
    struct info_io io = {check_mode, max_problems, 1, f, info_failed, r};
    int printed = 0;
    fputs("[\n", f);
    for (size_t k = 0; k < t->nfiles; k++) {
        if (t->files[k].option)
            continue;
        int s = info_describe(r->ctx, r->link[k], r->opts, &io, &printed);
        if (s == TOOL_EXIT_INTERRUPTED)
            break;
    }
    fputs("\n]\n", f);
    fclose(f);
    struct serve_buf list = {0};
    serve_buf_add(&list, text ? text : "", text ? len : 0);
    free(text);
    unpath_buf(r, &list);
    t->media_type = "application/json";
    if (r->first.code == CONV_E_CANCELED && r->stop != STOP_NONE) {
        fail_stopped(r);
        serve_buf_free(&list);
        return;
    }
    if (r->first.code != CONV_E_NONE) {
        fail_with(r, &r->first);
        t->body.n -= 2;
        serve_buf_str(&t->body, ", \"files\": ");
        serve_buf_add(&t->body, list.p, list.n - 1);
        serve_buf_str(&t->body, "}\n");
        serve_buf_free(&list);
        return;
    }
    serve_buf_free(&t->body);
    t->body = list;
    t->status = 200;
}

/* ---- the task ---------------------------------------------------------- */

void serve_task_run(struct serve_task *t)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.t = t;
    t->out_fd = -1;
    t->media_type = "application/json";
    if (should_stop(&r)) {
        if (r.stop == STOP_TIME) {
            fail_own(&r, 503, "busy", "the server was too busy to start the work in time");
            t->retry_after = 5;
        } else {
            fail_stopped(&r);
        }
        return;
    }
    if (setup(&r) != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot prepare the work: %s", strerror(errno));
        fail_own(&r, 500, "io", msg);
        teardown(&r);
        return;
    }
    switch (t->kind) {
    case SERVE_CONVERT:
        run_convert(&r);
        break;
    case SERVE_CHECK:
        run_check(&r);
        break;
    case SERVE_INFO:
        run_info(&r);
        break;
    }
    if (r.stop == STOP_GONE)
        snprintf(t->note, sizeof t->note, "the client went away during the work");
    teardown(&r);
}
