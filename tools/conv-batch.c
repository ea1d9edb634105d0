/*
 * conv-batch: convert many submissions at once.  Inputs are files,
 * directories (walked recursively) and list files; outputs mirror the
 * input tree under -o DIR with the new extension.  A pool of threads runs
 * one conv_convert() per file, each with its own context, so an output is
 * the one `conv` makes of that file alone.  A bad file is reported and
 * the others go on; a journal in the output directory lets a rerun skip
 * the files whose output is up to date; Ctrl-C finishes cleanly.
 */
#include "tool_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static const char *prog = "conv-batch";

#define JOURNAL ".conv-batch.journal"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: conv-batch [OPTIONS] --to FORMAT -o DIR INPUT...\n"
            "Convert many files of records at once, in parallel.  An INPUT is a file, a\n"
            "directory (every file of a readable format under it, recursively) or a glob;\n"
            "outputs mirror the inputs under DIR with the new extension.  A file that fails\n"
            "is reported and skipped; the others go on.  A rerun skips the inputs whose\n"
            "output is up to date (same content, same options).\n"
            "\n"
            "Options:\n"
            "  -o, --output DIR             where the outputs go (created if needed)\n"
            "  -t, --to FORMAT              output format: csv, tsv, json, jsonl, xml, xlsx\n"
            "      --from-list FILE         also read input paths from FILE, one per line\n"
            "                               ('-' for standard input)\n"
            "  -j, --jobs N                 conversions at once (default: the cores)\n"
            "      --force                  convert every input, up to date or not\n"
            "      --report FILE            write a JSON report of every input\n"
            "      --report-csv FILE        write the same report as CSV\n"
            "  -q, --quiet                  no progress line and no summary\n"
            "      --progress               progress line even when stderr is not a terminal\n"
            "  -h, --help                   show this help and exit\n"
            "  -V, --version                show the version and exit\n");
    tool_print_format_options(f);
    fprintf(f,
            "\nExit status:\n"
            "  0  every input converted (or up to date)\n"
            "  1  at least one input failed (see the summary or the report)\n"
            "  2  wrong usage\n"
            "  3  I/O or system error (the output directory, the report)\n"
            "  130 interrupted: inputs in flight are discarded, the report is written\n"
            "\nExamples:\n"
            "  conv-batch --to xlsx -o out/ submissions/\n"
            "  find in -name '*.csv' | conv-batch --from-list - --to json -o out/ --report r.json\n");
}

enum status { ST_PENDING, ST_OK, ST_SKIPPED, ST_FAILED, ST_CANCELED };
static const char *const status_names[] = {"pending", "ok", "skipped", "failed", "canceled"};

struct job {
    char *input;
    char *output;
    enum status status;
    const char *format;
    uint64_t records, bytes;
    double seconds;
    struct conv_error err;
    char message[512]; /* a failure not from the library */
};

struct journal_entry {
    char *input, *output;
    uint64_t opts_hash, size, hash;
    int64_t mtime;
};

struct batch {
    struct job *jobs;
    size_t n, cap;
    const char *outdir;
    const char *to;
    const char *ext;
    const struct conv_options *opts;
    int force, jobs_n;
    uint64_t opts_hash;
    struct journal_entry *journal;
    size_t njournal;
    int journal_fd;
    pthread_mutex_t lock;
    _Atomic size_t next;
    _Atomic size_t done, failed, skipped;
    _Atomic uint64_t records, bytes;
    struct tool_progress *progress;
    int show;
    double start;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(TOOL_EXIT_IO);
    }
    return d;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(TOOL_EXIT_IO);
    }
    snprintf(p, n, "%s%s%s", a, a[0] && a[strlen(a) - 1] != '/' ? "/" : "", b);
    return p;
}

/* ---- planning: inputs and their outputs ---------------------------------------------- */

/* The output for rel (a path relative to the output directory) with the
 * output format's extension instead of its own. */
static char *output_for(const struct batch *b, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - rel) : strlen(rel);
    size_t n = strlen(b->outdir) + stem + strlen(b->ext) + 3;
    char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(TOOL_EXIT_IO);
    }
    snprintf(p, n, "%s%s%.*s.%s", b->outdir, b->outdir[strlen(b->outdir) - 1] == '/' ? "" : "/",
             (int)stem, rel, b->ext);
    return p;
}

static void add_job(struct batch *b, const char *input, const char *rel)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct job *j = realloc(b->jobs, cap * sizeof *j);
        if (!j) {
            fprintf(stderr, "%s: out of memory\n", prog);
            exit(TOOL_EXIT_IO);
        }
        b->jobs = j;
        b->cap = cap;
    }
    struct job *j = &b->jobs[b->n++];
    memset(j, 0, sizeof *j);
    j->input = xstrdup(input);
    j->output = output_for(b, rel);
}

static int readable_name(const char *name)
{
    const struct conv_format *f = conv_format_by_path(name);
    return f && conv_format_can_read(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of a readable format under dir, in name order; hidden names
 * and the output directory are left out. */
static void walk(struct batch *b, const char *dir, const char *rel, const struct stat *outst)
{
    DIR *d = opendir(dir);
    if (!d) {
        add_job(b, dir, rel[0] ? rel : "dir");
        snprintf(b->jobs[b->n - 1].message, sizeof b->jobs[0].message, "%s: cannot read: %s",
                 dir, strerror(errno));
        b->jobs[b->n - 1].status = ST_FAILED;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                fprintf(stderr, "%s: out of memory\n", prog);
                exit(TOOL_EXIT_IO);
            }
            names = nn;
        }
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path = join(dir, names[i]);
        char *r = rel[0] ? join(rel, names[i]) : xstrdup(names[i]);
        struct stat st;
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (!(outst && st.st_dev == outst->st_dev && st.st_ino == outst->st_ino))
                    walk(b, path, r, outst);
            } else if (S_ISREG(st.st_mode) && readable_name(names[i])) {
                add_job(b, path, r);
            }
        }
        free(path);
        free(r);
        free(names[i]);
    }
    free(names);
}

static const char *base_name(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    const char *s = p + n;
    while (s > p && s[-1] != '/')
        s--;
    return s;
}

static void add_input(struct batch *b, const char *arg, const struct stat *outst)
{
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        walk(b, arg, "", outst);
        return;
    }
    if (stat(arg, &st) != 0 && strpbrk(arg, "*?[")) {
        glob_t g;
        if (glob(arg, 0, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; i++)
                add_input(b, g.gl_pathv[i], outst);
            globfree(&g);
            return;
        }
    }
    char *rel = xstrdup(base_name(arg));
    add_job(b, arg, rel);
    free(rel);
}

static int cmp_job_output(const void *a, const void *b)
{
    const struct job *x = *(const struct job *const *)a, *y = *(const struct job *const *)b;
    int c = strcmp(x->output, y->output);
    return c ? c : (x < y ? -1 : x > y);
}

/* Two inputs with the same output: both fail, each naming the other. */
static void find_collisions(struct batch *b)
{
    struct job **v = malloc((b->n ? b->n : 1) * sizeof *v);
    if (!v) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(TOOL_EXIT_IO);
    }
    for (size_t i = 0; i < b->n; i++)
        v[i] = &b->jobs[i];
    qsort(v, b->n, sizeof *v, cmp_job_output);
    for (size_t i = 1; i < b->n; i++)
        if (!strcmp(v[i]->output, v[i - 1]->output)) {
            struct job *x = v[i - 1], *y = v[i];
            if (!x->status) {
                snprintf(x->message, sizeof x->message, "output %.200s also comes from %.200s",
                         x->output, y->input);
                x->status = ST_FAILED;
            }
            snprintf(y->message, sizeof y->message, "output %.200s also comes from %.200s",
                     y->output, x->input);
            y->status = ST_FAILED;
        }
    free(v);
}

/* ---- the journal: what was converted from what, with which options ---------------------- */

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Content hash: CRC-32 and Adler-32 of the bytes, side by side. */
static int hash_file(const char *path, uint64_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    uLong crc = crc32(0, Z_NULL, 0), adl = adler32(0, Z_NULL, 0);
    static _Thread_local unsigned char buf[1 << 16];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0) {
        crc = crc32(crc, buf, (uInt)got);
        adl = adler32(adl, buf, (uInt)got);
    }
    close(fd);
    if (got < 0)
        return -1;
    *out = (uint64_t)crc << 32 | (adl & 0xffffffffu);
    return 0;
}

static int journal_path_ok(const char *s)
{
    return !strpbrk(s, "\t\n\r");
}

static void journal_load(struct batch *b)
{
    char *path = join(b->outdir, JOURNAL);
    FILE *f = fopen(path, "r");
    free(path);
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char in[PATH_MAX], out[PATH_MAX];
        unsigned long long oh, size, hash;
        long long mtime;
        line[strcspn(line, "\n")] = '\0';
        char *fields[7];
        int k = 0;
        for (char *p = line; k < 7 && p; k++) {
            fields[k] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (k != 7 || strcmp(fields[0], "v1"))
            continue;
        oh = strtoull(fields[1], NULL, 16);
        size = strtoull(fields[2], NULL, 10);
        mtime = strtoll(fields[3], NULL, 10);
        hash = strtoull(fields[4], NULL, 16);
        snprintf(in, sizeof in, "%s", fields[5]);
        snprintf(out, sizeof out, "%s", fields[6]);
        struct journal_entry *e = realloc(b->journal, (b->njournal + 1) * sizeof *e);
        if (!e)
            break;
        b->journal = e;
        e = &b->journal[b->njournal++];
        e->input = xstrdup(in);
        e->output = xstrdup(out);
        e->opts_hash = oh;
        e->size = size;
        e->mtime = mtime;
        e->hash = hash;
    }
    free(line);
    fclose(f);
}

/* The newest entry for a job, or NULL. */
static struct journal_entry *journal_find(struct batch *b, const struct job *j)
{
    for (size_t i = b->njournal; i-- > 0;)
        if (!strcmp(b->journal[i].input, j->input) && !strcmp(b->journal[i].output, j->output))
            return &b->journal[i];
    return NULL;
}

static void journal_add(struct batch *b, const struct job *j, uint64_t size, int64_t mtime,
                        uint64_t hash)
{
    if (b->journal_fd < 0 || !journal_path_ok(j->input) || !journal_path_ok(j->output))
        return;
    char line[2 * PATH_MAX + 128];
    int n = snprintf(line, sizeof line, "v1\t%016llx\t%llu\t%lld\t%016llx\t%s\t%s\n",
                     (unsigned long long)b->opts_hash, (unsigned long long)size,
                     (long long)mtime, (unsigned long long)hash, j->input, j->output);
    if (n <= 0 || (size_t)n >= sizeof line)
        return;
    pthread_mutex_lock(&b->lock);
    /* One write per line, O_APPEND: a killed run leaves whole lines. */
    if (write(b->journal_fd, line, (size_t)n) != n)
        b->journal_fd = -1;
    pthread_mutex_unlock(&b->lock);
}

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* ---- the workers ------------------------------------------------------------------------- */

struct worker {
    struct batch *b;
    uint64_t last_bytes, last_records;
};

static int worker_progress(void *user, uint64_t done, uint64_t total, uint64_t records)
{
    (void)total;
    struct worker *w = user;
    if (done > w->last_bytes)
        atomic_fetch_add(&w->b->bytes, done - w->last_bytes);
    if (records > w->last_records)
        atomic_fetch_add(&w->b->records, records - w->last_records);
    w->last_bytes = done;
    w->last_records = records;
    return tool_interrupted() ? 1 : 0;
}

static int make_parents(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

/* A run killed hard (SIGKILL, power loss) leaves the library's temporary
 * file beside its target: .NAME.<12 hex digits>.tmp.  Remove those of
 * this output: the lock on the output directory says no other run is
 * writing there. */
static void remove_stale(const char *output)
{
    char *dir = xstrdup(output);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : output;
    if (slash)
        *slash = '\0';
    DIR *d = opendir(slash ? (dir[0] ? dir : "/") : ".");
    if (!d) {
        free(dir);
        return;
    }
    size_t bl = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (len != 1 + bl + 1 + 12 + 4 || n[0] != '.' || strncmp(n + 1, base, bl) ||
            n[1 + bl] != '.' || strcmp(n + len - 4, ".tmp"))
            continue;
        int hex = 1;
        for (size_t k = 0; k < 12; k++)
            hex &= strchr("0123456789abcdef", n[2 + bl + k]) != NULL;
        char *path = slash ? join(dir[0] ? dir : "/", n) : xstrdup(n);
        struct stat st;
        if (hex && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            unlink(path);
        free(path);
    }
    closedir(d);
    free(dir);
}

static void run_job(struct batch *b, struct job *j, struct conv_context *ctx,
                    struct conv_options *opts, struct worker *w)
{
    double t0 = now();
    struct stat st;
    if (stat(j->input, &st) != 0) {
        snprintf(j->message, sizeof j->message, "%s: %s", j->input, strerror(errno));
        j->status = ST_FAILED;
        return;
    }
    uint64_t hash = 0;
    int hashed = 0;
    struct journal_entry *e = b->force ? NULL : journal_find(b, j);
    struct stat ost;
    if (e && e->opts_hash == b->opts_hash && stat(j->output, &ost) == 0) {
        if (e->size == (uint64_t)st.st_size && e->mtime == mtime_ns(&st)) {
            j->status = ST_SKIPPED;
            return;
        }
        if (hash_file(j->input, &hash) == 0) {
            hashed = 1;
            if (hash == e->hash && e->size == (uint64_t)st.st_size) {
                journal_add(b, j, (uint64_t)st.st_size, mtime_ns(&st), hash);
                j->status = ST_SKIPPED;
                return;
            }
        }
    }
    if (!hashed && hash_file(j->input, &hash) == 0)
        hashed = 1;
    if (make_parents(j->output) != 0) {
        snprintf(j->message, sizeof j->message, "%s: cannot create its directory: %s",
                 j->output, strerror(errno));
        j->status = ST_FAILED;
        return;
    }
    remove_stale(j->output);
    w->last_bytes = w->last_records = 0;
    conv_options_set_progress(opts, worker_progress, w);
    struct conv_stats stats;
    conv_error_clear(&j->err);
    int rc = conv_convert(ctx, j->input, j->output, opts, &stats, &j->err);
    worker_progress(w, stats.bytes_in, 0, stats.records);
    j->records = stats.records;
    j->bytes = stats.bytes_in;
    j->format = stats.input_format;
    j->seconds = now() - t0;
    if (rc == CONV_OK) {
        j->status = ST_OK;
        if (hashed)
            journal_add(b, j, (uint64_t)st.st_size, mtime_ns(&st), hash);
    } else {
        j->status = j->err.code == CONV_E_CANCELED ? ST_CANCELED : ST_FAILED;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct batch *b = w->b;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = ctx ? conv_options_new(ctx) : NULL;
    for (size_t i = 0; opts && i < conv_options_count(b->opts); i++)
        conv_options_set(opts, conv_options_name(b->opts, i), conv_options_value(b->opts, i));
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n)
            break;
        struct job *j = &b->jobs[i];
        if (j->status == ST_PENDING) {
            if (tool_interrupted())
                j->status = ST_CANCELED;
            else if (!opts) {
                snprintf(j->message, sizeof j->message, "out of memory");
                j->status = ST_FAILED;
            } else {
                run_job(b, j, ctx, opts, w);
            }
        }
        if (j->status == ST_FAILED)
            atomic_fetch_add(&b->failed, 1);
        if (j->status == ST_SKIPPED)
            atomic_fetch_add(&b->skipped, 1);
        atomic_fetch_add(&b->done, 1);
    }
    conv_options_free(opts);
    conv_context_free(ctx);
    return NULL;
}

/* ---- reports ---------------------------------------------------------------------------- */

static void error_text(const struct job *j, char *out, size_t size)
{
    if (j->message[0])
        snprintf(out, size, "%s", j->message);
    else if (j->err.code != CONV_E_NONE)
        conv_error_format(&j->err, out, size);
    else
        out[0] = '\0';
}

static void write_json(FILE *f, const struct batch *b, double seconds)
{
    fprintf(f, "{\n  \"inputs\": [");
    for (size_t i = 0; i < b->n; i++) {
        const struct job *j = &b->jobs[i];
        fprintf(f, "%s\n    {\"input\": ", i ? "," : "");
        tool_json_string(f, j->input);
        fprintf(f, ", \"status\": \"%s\", \"format\": ", status_names[j->status]);
        if (j->format)
            tool_json_string(f, j->format);
        else
            fputs("null", f);
        fprintf(f, ", \"records\": %llu, \"output\": ", (unsigned long long)j->records);
        if (j->status == ST_OK || j->status == ST_SKIPPED)
            tool_json_string(f, j->output);
        else
            fputs("null", f);
        fprintf(f, ", \"seconds\": %.3f, \"error\": ", j->seconds);
        char msg[1024];
        error_text(j, msg, sizeof msg);
        if (!msg[0]) {
            fputs("null", f);
        } else {
            fputs("{\"message\": ", f);
            tool_json_string(f, msg);
            fprintf(f, ", \"line\": %llu, \"column\": %llu}", (unsigned long long)j->err.line,
                    (unsigned long long)j->err.column);
        }
        fputc('}', f);
    }
    size_t counts[5] = {0};
    uint64_t records = 0;
    for (size_t i = 0; i < b->n; i++) {
        counts[b->jobs[i].status]++;
        if (b->jobs[i].status == ST_OK)
            records += b->jobs[i].records;
    }
    fprintf(f,
            "\n  ],\n  \"summary\": {\"inputs\": %zu, \"ok\": %zu, \"skipped\": %zu, \"failed\": "
            "%zu, \"canceled\": %zu, \"records\": %llu, \"seconds\": %.3f}\n}\n",
            b->n, counts[ST_OK], counts[ST_SKIPPED], counts[ST_FAILED],
            counts[ST_CANCELED] + counts[ST_PENDING], (unsigned long long)records, seconds);
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_csv(FILE *f, const struct batch *b)
{
    fputs("input,status,format,records,output,seconds,error,line,column\r\n", f);
    for (size_t i = 0; i < b->n; i++) {
        const struct job *j = &b->jobs[i];
        csv_field(f, j->input);
        fprintf(f, ",%s,%s,%llu,", status_names[j->status], j->format ? j->format : "",
                (unsigned long long)j->records);
        csv_field(f, j->status == ST_OK || j->status == ST_SKIPPED ? j->output : "");
        fprintf(f, ",%.3f,", j->seconds);
        char msg[1024];
        error_text(j, msg, sizeof msg);
        csv_field(f, msg);
        if (msg[0] && j->err.line)
            fprintf(f, ",%llu,%llu\r\n", (unsigned long long)j->err.line,
                    (unsigned long long)j->err.column);
        else
            fputs(",,\r\n", f);
    }
}

static int write_report(const char *path, const struct batch *b, double seconds, int csv)
{
    char *tmp;
    FILE *f = tool_atomic_open(path, &tmp);
    if (!f) {
        fprintf(stderr, "%s: %s: cannot write the report: %s\n", prog, path, strerror(errno));
        return -1;
    }
    if (csv)
        write_csv(f, b);
    else
        write_json(f, b, seconds);
    if (tool_atomic_close(f, tmp, path, 1) != 0) {
        fprintf(stderr, "%s: %s: cannot write the report: %s\n", prog, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The progress line: files done of total, records, MB/s, failures, time left. */
static void show_progress(struct batch *b)
{
    if (!b->show)
        return;
    double t = now() - b->start;
    size_t done = atomic_load(&b->done);
    double mb = (double)atomic_load(&b->bytes) / 1e6;
    double left = done ? t / (double)done * (double)(b->n - done) : 0;
    fprintf(stderr, "\r%s: %zu/%zu files, %llu records, %.1f MB/s, %zu failed, %.0fs left \033[K",
            prog, done, b->n, (unsigned long long)atomic_load(&b->records), t > 0 ? mb / t : 0,
            atomic_load(&b->failed), left);
    b->progress->shown = 1;
}

int main(int argc, char **argv)
{
    const char *outdir = NULL, *to = NULL, *list = NULL, *report = NULL, *report_csv = NULL;
    int progress_mode = 0, force = 0, quiet = 0;
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t ninputs = 0;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = ctx ? conv_options_new(ctx) : NULL;
    if (!inputs || !opts) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return TOOL_EXIT_IO;
    }
    int status = TOOL_EXIT_OK, only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-') {
            inputs[ninputs++] = argv[i];
            continue;
        }
        static const char *const valued[] = {"-o", "--output", "-t", "--to", "-j", "--jobs",
                                             "--from-list", "--report", "--report-csv", NULL};
        int is_valued = 0;
        for (size_t k = 0; valued[k]; k++)
            is_valued |= !strcmp(a, valued[k]);
        const char *v = NULL;
        if (is_valued) {
            if (i + 1 >= argc) {
                status = tool_usage_error(prog, "option %s needs a value", a);
                goto out;
            }
            v = argv[++i];
        }
        if (!strcmp(a, "--")) {
            only_args = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            goto out;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("conv-batch (libconv) %s\n", conv_version());
            goto out;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            progress_mode = -1;
            quiet = 1;
        } else if (!strcmp(a, "--progress")) {
            progress_mode = 1;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            outdir = v;
        } else if (!strcmp(a, "-t") || !strcmp(a, "--to")) {
            to = v;
        } else if (!strcmp(a, "--from-list")) {
            list = v;
        } else if (!strcmp(a, "--report")) {
            report = v;
        } else if (!strcmp(a, "--report-csv")) {
            report_csv = v;
        } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
            char *end;
            errno = 0;
            jobs = strtol(v, &end, 10);
            if (errno || end == v || *end || jobs < 1 || jobs > 1024) {
                status = tool_usage_error(prog, "--jobs: expected 1 to 1024, got '%s'", v);
                goto out;
            }
        } else {
            int r = tool_format_option(prog, argc, argv, &i, opts);
            if (r < 0) {
                status = TOOL_EXIT_USAGE;
                goto out;
            }
            if (r == 0) {
                status = tool_usage_error(prog, "unknown option '%s'", a);
                goto out;
            }
        }
    }
    if (!to)
        to = conv_options_get(opts, "to");
    if (!to) {
        status = tool_usage_error(prog, "give the output format with --to");
        goto out;
    }
    const struct conv_format *fmt = conv_format_by_name(to);
    if (!fmt || !conv_format_can_write(fmt)) {
        status = tool_usage_error(prog, "--to: '%s' is not a format conv can write", to);
        goto out;
    }
    if (!outdir) {
        status = tool_usage_error(prog, "give the output directory with -o DIR");
        goto out;
    }
    if (!ninputs && !list) {
        status = tool_usage_error(prog, "no input (files, directories or --from-list)");
        goto out;
    }
    conv_options_set(opts, "to", conv_format_name(fmt));
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: %s: cannot create: %s\n", prog, outdir, strerror(errno));
        status = TOOL_EXIT_IO;
        goto out;
    }
    struct stat outst;
    if (stat(outdir, &outst) != 0 || !S_ISDIR(outst.st_mode)) {
        fprintf(stderr, "%s: %s: not a directory\n", prog, outdir);
        status = TOOL_EXIT_USAGE;
        goto out;
    }

    struct batch b;
    memset(&b, 0, sizeof b);
    b.outdir = outdir;
    b.to = conv_format_name(fmt);
    b.ext = conv_format_extensions(fmt)[0];
    b.opts = opts;
    b.force = force;
    b.journal_fd = -1;
    pthread_mutex_init(&b.lock, NULL);
    for (size_t i = 0; i < ninputs; i++)
        add_input(&b, inputs[i], &outst);
    if (list) {
        FILE *lf = strcmp(list, "-") ? fopen(list, "r") : stdin;
        if (!lf) {
            fprintf(stderr, "%s: %s: %s\n", prog, list, strerror(errno));
            status = TOOL_EXIT_IO;
            goto out;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while ((len = getline(&line, &cap, lf)) > 0) {
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                line[--len] = '\0';
            if (len > 0)
                add_input(&b, line, &outst);
        }
        free(line);
        if (lf != stdin)
            fclose(lf);
    }
    find_collisions(&b);

    /* The options that shape an output: a change redoes every file. */
    b.opts_hash = fnv(1469598103934665603ull, conv_version());
    for (size_t i = 0; i < conv_options_count(opts); i++) {
        b.opts_hash = fnv(b.opts_hash, conv_options_name(opts, i));
        b.opts_hash = fnv(b.opts_hash, "=");
        b.opts_hash = fnv(b.opts_hash, conv_options_value(opts, i));
        b.opts_hash = fnv(b.opts_hash, "\n");
    }
    /* One run at a time per output directory. */
    char *lpath = join(outdir, ".conv-batch.lock");
    int lock_fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(lpath);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, outdir,
                lock_fd < 0 ? strerror(errno) : "another conv-batch is writing there");
        status = TOOL_EXIT_IO;
        goto out;
    }
    journal_load(&b);
    char *jpath = join(outdir, JOURNAL);
    b.journal_fd = open(jpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    free(jpath);

    struct tool_progress progress;
    tool_progress_init(&progress, prog, progress_mode);
    b.progress = &progress;
    b.show = progress.enabled;
    tool_catch_signals();
    b.start = now();
    if ((size_t)jobs > b.n)
        jobs = b.n ? (long)b.n : 1;
    struct worker *workers = calloc((size_t)jobs, sizeof *workers);
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (!workers || !threads) {
        fprintf(stderr, "%s: out of memory\n", prog);
        status = TOOL_EXIT_IO;
        goto out;
    }
    long started = 0;
    for (long k = 0; k < jobs; k++) {
        workers[k].b = &b;
        if (pthread_create(&threads[k], NULL, worker_main, &workers[k]) != 0)
            break;
        started++;
    }
    if (started == 0) {
        workers[0].b = &b;
        worker_main(&workers[0]); /* no thread could start: one at a time here */
    }
    double shown = 0;
    while (atomic_load(&b.done) < b.n) {
        if (now() - shown >= 0.25) {
            show_progress(&b);
            shown = now();
        }
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    for (long k = 0; k < started; k++)
        pthread_join(threads[k], NULL);
    tool_progress_end(&progress);
    double seconds = now() - b.start;
    free(workers);
    free(threads);
    if (b.journal_fd >= 0)
        close(b.journal_fd);

    size_t counts[5] = {0};
    uint64_t records = 0;
    for (size_t i = 0; i < b.n; i++) {
        counts[b.jobs[i].status]++;
        if (b.jobs[i].status == ST_OK)
            records += b.jobs[i].records;
    }
    if (!quiet) {
        for (size_t i = 0; i < b.n; i++)
            if (b.jobs[i].status == ST_FAILED) {
                char msg[1024];
                error_text(&b.jobs[i], msg, sizeof msg);
                fprintf(stderr, "%s: %s\n", prog, msg);
            }
        fprintf(stderr,
                "%s: %zu files: %zu converted, %zu up to date, %zu failed%s, %llu records, "
                "%.1f s\n",
                prog, b.n, counts[ST_OK], counts[ST_SKIPPED], counts[ST_FAILED],
                counts[ST_CANCELED] ? ", interrupted" : "", (unsigned long long)records,
                seconds);
    }
    int io = 0;
    if (report && write_report(report, &b, seconds, 0) != 0)
        io = 1;
    if (report_csv && write_report(report_csv, &b, seconds, 1) != 0)
        io = 1;
    if (tool_interrupted() || counts[ST_CANCELED])
        status = TOOL_EXIT_INTERRUPTED;
    else if (io)
        status = TOOL_EXIT_IO;
    else if (counts[ST_FAILED])
        status = TOOL_EXIT_DATA;
    for (size_t i = 0; i < b.n; i++) {
        free(b.jobs[i].input);
        free(b.jobs[i].output);
    }
    free(b.jobs);
    for (size_t i = 0; i < b.njournal; i++) {
        free(b.journal[i].input);
        free(b.journal[i].output);
    }
    free(b.journal);
    pthread_mutex_destroy(&b.lock);
out:
    conv_options_free(opts);
    conv_context_free(ctx);
    free(inputs);
    return status;
}
