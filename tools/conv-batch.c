/*
 * conv-batch: convert many submissions at once.  Inputs are files,
 * directories (walked recursively) and list files; outputs mirror the
 * input tree under -o DIR with the new extension.  A pool of threads runs
 * one conv_convert() per file, each with its own context, so an output is
 * the one `conv` makes of that file alone.  A bad file is reported and
 * the others go on; a journal in the output directory lets a rerun skip
 * the files whose output is up to date; Ctrl-C finishes cleanly.
 *
 * --merge OUT reads every input twice: in parallel first, to learn its
 * fields and find the broken ones, then in input order through one writer
 * with the union of the fields and the field naming each record's file.
 * --check runs the indicator checks on each input, or on the merged set.
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
            "       conv-batch [OPTIONS] --merge FILE INPUT...\n"
            "Convert many files of records at once, in parallel.  An INPUT is a file, a\n"
            "directory (every file of a readable format under it, recursively) or a glob;\n"
            "outputs mirror the inputs under DIR with the new extension.  A file that fails\n"
            "is reported and skipped; the others go on.  A rerun skips the inputs whose\n"
            "output is up to date (same content, same options).\n"
            "\n"
            "Options:\n"
            "  -o, --output DIR             where the outputs go (created if needed)\n"
            "  -t, --to FORMAT              output format (one of the Formats below that\n"
            "                               is not read only)\n"
            "      --merge FILE             instead of one output per input, one dataset of\n"
            "                               all records in input order, with a field\n"
            "                               source_file naming each record's input (its path\n"
            "                               under its INPUT); fields merged by name, first seen\n"
            "                               first; an input that fails is left out whole; the\n"
            "                               format from FILE's extension or --to; a workbook\n"
            "                               gets a first sheet counting the records per input\n"
            "                               (--sheet-by FIELD: a sheet per value, as in conv)\n"
            "      --check                  run the indicator checks (as conv-check) on each\n"
            "                               input, or with --merge on the merged set (so\n"
            "                               duplicates across files are found); findings in the\n"
            "                               report, the first 20 on stderr; errors: exit 1\n"
            "      --growth-tolerance PP, --outlier-factor F, --units FILE, --regions FILE,\n"
            "      --sort-memory MIB        the checks' settings, as conv-check has them\n"
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
    tool_print_formats(f);
    fprintf(f,
            "\nExit status:\n"
            "  0  every input converted (or up to date), merged, and no check error\n"
            "  1  at least one input failed, the merge failed on bad data, or --check\n"
            "     found errors (see the summary or the report)\n"
            "  2  wrong usage\n"
            "  3  I/O or system error (the output directory, the merged file, the report)\n"
            "  130 interrupted: inputs in flight are discarded, the report is written;\n"
            "     an interrupted --merge leaves no file\n"
            "\nExamples:\n"
            "  conv-batch --to xlsx -o out/ submissions/\n"
            "  find in -name '*.csv' | conv-batch --from-list - --to json -o out/ --report r.json\n"
            "  conv-batch --merge all.xlsx --sheet-by region_code --check --report r.json in/\n");
}

enum status { ST_PENDING, ST_OK, ST_SKIPPED, ST_FAILED, ST_CANCELED };
static const char *const status_names[] = {"pending", "ok", "skipped", "failed", "canceled"};

struct job {
    char *input;
    char *output;
    char *rel; /* its path relative to its input argument: the mirror tree's name */
    enum status status;
    const char *format;
    uint64_t records, bytes;
    double seconds;
    struct conv_error err;
    char message[512]; /* a failure not from the library */
    /* --merge: what the first pass found */
    struct conv_schema *fields;
    char *sheet;     /* a workbook's first sheet read, for findings */
    int spreadsheet; /* findings name cells */
    uint64_t first;  /* merged record number of its first record, less one */
    /* --check: its findings, a stretch of one spool file, and their count */
    FILE *spool;
    long spool_from, spool_to;
    uint64_t errors, warnings;
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
    _Atomic uint64_t check_errors, check_warnings;
    struct tool_progress *progress;
    int show;
    double start;
    /* --check */
    int check;
    const char *merge;   /* --merge OUT, or NULL */
    struct job **merged; /* the inputs merged, in order */
    size_t nmerged;
    struct conv_context *ctx; /* the main thread's; schemas of the first pass */
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

static void add_job_named(struct batch *b, const char *input, const char *rel, char *output)
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
    j->rel = xstrdup(rel);
    j->output = output;
}

static void add_job(struct batch *b, const char *input, const char *rel)
{
    /* --merge has no outputs: the relative name names the records' source,
     * and two inputs of one name collide like two of one output. */
    add_job_named(b, input, rel, b->merge ? xstrdup(rel) : output_for(b, rel));
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
        snprintf(b->jobs[b->n - 1].message, sizeof b->jobs[0].message, "%s: cannot read: %s", dir,
                 strerror(errno));
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

/* Two inputs with the same output (with --merge, the same source name):
 * both fail, each naming the other. */
static void find_collisions(struct batch *b)
{
    const char *what = b->merge ? "source name" : "output";
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
                snprintf(x->message, sizeof x->message, "%s %.200s also comes from %.200s", what,
                         x->output, y->input);
                x->status = ST_FAILED;
            }
            snprintf(y->message, sizeof y->message, "%s %.200s also comes from %.200s", what,
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
                     (unsigned long long)b->opts_hash, (unsigned long long)size, (long long)mtime,
                     (unsigned long long)hash, j->input, j->output);
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
    FILE *spool; /* --check without --merge: the findings of its jobs */
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
        snprintf(j->message, sizeof j->message, "%s: cannot create its directory: %s", j->output,
                 strerror(errno));
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

/* ---- --check: findings spooled per worker, reported in input order ---------------------- */

/* Column letters of a 1-based column number. */
static void col_letters(uint64_t col, char out[8])
{
    char tmp[8];
    int n = 0;
    while (col > 0 && n < 7) {
        col--;
        tmp[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* Where findings go while the checks run: the spool of one job, and for
 * --merge the map from merged record numbers back to the inputs. */
struct finding_sink {
    struct batch *b;
    struct job *job; /* the input being checked; NULL with --merge */
    FILE *spool;
    const char *field; /* --merge: the source field, whose "unknown field" is ours */
};

/* The merged input holding merged record number rec (1-based), by binary
 * search; NULL when none. */
static struct job *job_of_record(struct batch *b, uint64_t rec)
{
    size_t lo = 0, hi = b->nmerged;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct job *j = b->merged[mid];
        if (rec <= j->first)
            hi = mid;
        else if (rec > j->first + j->records)
            lo = mid + 1;
        else
            return j;
    }
    return NULL;
}

/* One finding as two spool lines: "T" and its text for stderr, "J" and its
 * JSON for the report. */
static void on_finding(void *user, const struct conv_finding *x)
{
    struct finding_sink *k = user;
    const struct conv_error *w = &x->where;
    struct job *j = k->job;
    uint64_t record = w->record, merged = 0;
    char sheetbuf[8] = "", cell[32] = "";
    const char *sheet = x->sheet, *cellp = x->cell;
    if (k->b->merge) {
        if (!strcmp(x->rule, "unknown-field") && !strcmp(w->field, k->field))
            return; /* the source field is not the inputs' */
        merged = record;
        j = job_of_record(k->b, record);
        if (j) {
            record -= j->first;
            if (j->spreadsheet && w->line) {
                col_letters(w->column, sheetbuf);
                snprintf(cell, sizeof cell, "%s%llu", sheetbuf, (unsigned long long)w->line);
                sheet = j->sheet;
                cellp = cell;
            }
        }
    }
    const char *file = j ? j->input : w->source;
    /* A record named in the message is a merged record number: name it in
     * its own input. */
    char msg[sizeof w->message + 300];
    snprintf(msg, sizeof msg, "%s", w->message);
    static const char dup[] = "same region, indicator and period as record ";
    if (k->b->merge && !strncmp(w->message, dup, sizeof dup - 1)) {
        char *end;
        unsigned long long other = strtoull(w->message + sizeof dup - 1, &end, 10);
        struct job *oj = job_of_record(k->b, other);
        if (oj)
            snprintf(msg, sizeof msg, "%s%llu of %s%s", dup, other - oj->first, oj->input, end);
    }
    if (j && x->severity == CONV_SEVERITY_ERROR)
        j->errors++;
    else if (j)
        j->warnings++;
    if (x->severity == CONV_SEVERITY_ERROR)
        atomic_fetch_add(&k->b->check_errors, 1);
    else
        atomic_fetch_add(&k->b->check_warnings, 1);
    FILE *f = k->spool;
    if (!f)
        return;
    /* The finding as its input names it: record, sheet and cell there. */
    struct conv_finding y = *x;
    y.where.record = record;
    y.sheet = sheet;
    y.cell = cellp;
    fputc('T', f);
    tool_finding_text(f, &y, file, msg);
    fputc('J', f);
    tool_finding_json(f, &y, file, msg, merged);
    fputc('\n', f);
}

static int cancel_only(void *user, uint64_t done, uint64_t total, uint64_t records)
{
    (void)user, (void)done, (void)total, (void)records;
    return tool_interrupted() ? 1 : 0;
}

/* The indicator checks of one converted input, into the worker's spool. */
static void check_job(struct batch *b, struct job *j, struct conv_context *ctx,
                      struct conv_options *opts, FILE *spool)
{
    struct finding_sink sink = {b, j, spool, NULL};
    conv_options_set_progress(opts, cancel_only, NULL);
    struct conv_error err;
    conv_error_clear(&err);
    j->spool = spool;
    j->spool_from = spool ? ftell(spool) : 0;
    struct conv_checker *c = conv_checker_new(ctx, NULL, opts, on_finding, &sink, &err);
    int rc = c ? conv_checker_check_file(c, j->input, opts, &err) : CONV_ERR;
    conv_checker_free(c);
    j->spool_to = spool ? ftell(spool) : 0;
    if (rc != CONV_OK) {
        if (err.code == CONV_E_CANCELED) {
            j->status = ST_CANCELED;
        } else {
            j->err = err;
            j->status = ST_FAILED;
        }
    }
}

/* ---- --merge, first pass: each input's fields and records, in parallel --------------------- */

static void scan_job(struct batch *b, struct job *j, struct conv_context *ctx,
                     struct conv_options *opts, struct worker *w)
{
    double t0 = now();
    w->last_bytes = w->last_records = 0;
    conv_options_set_progress(opts, worker_progress, w);
    conv_error_clear(&j->err);
    struct conv_reader *rd = conv_reader_open_file(ctx, j->input, opts, &j->err);
    int r = CONV_ERR;
    if (rd) {
        const struct conv_record *rec;
        while ((r = conv_reader_next(rd, &rec)) == CONV_OK)
            j->records++;
        if (r == CONV_ERR)
            j->err = *conv_reader_error(rd);
        j->format = conv_format_name(conv_reader_format(rd));
    } else if (conv_format_by_path(j->input)) {
        j->format = conv_format_name(conv_format_by_path(j->input));
    }
    worker_progress(w, w->last_bytes, 0, j->records);
    if (r == CONV_EOF) {
        const struct conv_schema *s = conv_reader_schema(rd);
        /* The main context: these outlive the worker's. */
        j->fields = conv_schema_new(b->ctx);
        for (size_t i = 0; j->fields && i < conv_schema_count(s); i++)
            if (conv_schema_add(j->fields, conv_schema_field(s, i)) != CONV_OK) {
                conv_schema_free(j->fields);
                j->fields = NULL;
            }
        j->spreadsheet = (conv_format_caps(conv_reader_format(rd)) & CONV_FORMAT_SHEETS) != 0;
        const char *sh = conv_reader_info(rd, "sheet");
        if (j->spreadsheet && sh)
            j->sheet = xstrdup(sh);
        if (!j->fields) {
            snprintf(j->message, sizeof j->message, "%s: out of memory", j->input);
            r = CONV_ERR;
        }
    }
    conv_reader_close(rd);
    j->seconds = now() - t0;
    if (r == CONV_EOF)
        j->status = ST_OK;
    else
        j->status = j->err.code == CONV_E_CANCELED ? ST_CANCELED : ST_FAILED;
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
            } else if (b->merge) {
                scan_job(b, j, ctx, opts, w);
            } else {
                run_job(b, j, ctx, opts, w);
                if (b->check && (j->status == ST_OK || j->status == ST_SKIPPED))
                    check_job(b, j, ctx, opts, w->spool);
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

/* ---- --merge, second pass: every record in input order through one writer -------------- */

struct merge_result {
    enum status status;
    uint64_t records;
    double seconds;
    char field[64]; /* the source field's name */
    struct conv_error err;
    char message[512];
};

/* The source field: "source_file", or with "_2", "_3"... when an input has
 * a field of that name already. */
static void source_field_name(const struct batch *b, char *out, size_t size)
{
    for (unsigned k = 1;; k++) {
        if (k == 1)
            snprintf(out, size, "source_file");
        else
            snprintf(out, size, "source_file_%u", k);
        int taken = 0;
        for (size_t i = 0; i < b->nmerged && !taken; i++)
            taken = conv_schema_find(b->merged[i]->fields, out) >= 0;
        if (!taken)
            return;
    }
}

/* The header of the merged set: every input's fields by name, first seen
 * first (a type kept when all inputs agree), then the source field. */
static struct conv_schema *merge_header(struct batch *b, const char *field)
{
    struct conv_schema *u = conv_schema_new(b->ctx), *h = conv_schema_new(b->ctx);
    enum conv_type *types = NULL;
    size_t cap = 0;
    if (!u || !h)
        goto fail;
    for (size_t i = 0; i < b->nmerged; i++) {
        const struct conv_schema *s = b->merged[i]->fields;
        for (size_t k = 0; k < conv_schema_count(s); k++) {
            const struct conv_field *f = conv_schema_field(s, k);
            long at = conv_schema_find(u, f->name);
            if (at >= 0) {
                if (types[at] != f->type)
                    types[at] = CONV_ANY;
                continue;
            }
            if (conv_schema_count(u) == cap) {
                cap = cap ? 2 * cap : 64;
                enum conv_type *t = realloc(types, cap * sizeof *t);
                if (!t)
                    goto fail;
                types = t;
            }
            struct conv_field c = *f;
            c.required = 0; /* absent from the inputs that lack it */
            if (conv_schema_add(u, &c) != CONV_OK)
                goto fail;
            types[conv_schema_count(u) - 1] = f->type;
        }
    }
    for (size_t k = 0; k < conv_schema_count(u); k++) {
        struct conv_field c = *conv_schema_field(u, k);
        c.type = types[k];
        if (conv_schema_add(h, &c) != CONV_OK)
            goto fail;
    }
    struct conv_field sf = {field, CONV_STRING, "Tệp nguồn", "Source file", NULL, 1};
    if (conv_schema_add(h, &sf) != CONV_OK)
        goto fail;
    free(types);
    conv_schema_free(u);
    return h;
fail:
    free(types);
    conv_schema_free(u);
    conv_schema_free(h);
    return NULL;
}

static void merge_progress(struct batch *b, uint64_t records, uint64_t total, double *shown)
{
    if (!b->show || now() - *shown < 0.25)
        return;
    *shown = now();
    fprintf(stderr, "\r%s: merging: %llu of %llu records \033[K", prog, (unsigned long long)records,
            (unsigned long long)total);
    b->progress->shown = 1;
}

/*
 * Read the inputs the first pass found good again, in input order, and
 * write every record with its source through one writer; with --check,
 * check them as one set.  An input that no longer reads as it did fails
 * the merge: an input is merged whole or not at all.  Without a finished
 * writer no output is left.
 */
static void merge_run(struct batch *b, struct conv_options *opts, FILE *spool,
                      struct merge_result *m)
{
    double t0 = now(), shown = 0;
    struct conv_context *ctx = b->ctx;
    uint64_t total = 0;
    for (size_t i = 0; i < b->nmerged; i++) {
        b->merged[i]->first = total;
        total += b->merged[i]->records;
    }
    source_field_name(b, m->field, sizeof m->field);
    struct conv_schema *h = merge_header(b, m->field);
    struct conv_record *out = conv_record_new(ctx);
    struct conv_writer *w = NULL;
    struct conv_checker *c = NULL;
    struct finding_sink sink = {b, NULL, spool, m->field};
    m->status = ST_FAILED;
    if (b->nmerged == 0) {
        /* Every input failed: no dataset of nothing but a header. */
        snprintf(m->message, sizeof m->message, "%s: nothing to merge: no input could be read",
                 b->merge);
        goto done;
    }
    if (!h || !out) {
        snprintf(m->message, sizeof m->message, "out of memory");
        goto done;
    }
    conv_options_set_progress(opts, cancel_only, NULL);
    /* A workbook counts the records of each source on its first sheet. */
    const char *layout = conv_options_get(opts, "layout");
    const struct conv_format *to = conv_format_by_name(b->to);
    unsigned sheets = CONV_FORMAT_WRITE | CONV_FORMAT_SHEETS;
    if (to && (conv_format_caps(to) & sheets) == sheets && !conv_options_get(opts, "summary-by") &&
        !(layout && !strcmp(layout, "report")) &&
        conv_options_set(opts, "summary-by", m->field) != CONV_OK) {
        snprintf(m->message, sizeof m->message, "out of memory");
        goto done;
    }
    w = conv_writer_open_file(ctx, b->merge, h, opts, &m->err);
    if (!w)
        goto done;
    if (b->check) {
        c = conv_checker_new(ctx, NULL, opts, on_finding, &sink, &m->err);
        if (!c || conv_checker_begin(c, b->merge, 0, NULL) != CONV_OK) {
            if (c)
                m->err = *conv_checker_error(c);
            goto done;
        }
    }
    uint64_t g = 0;
    for (size_t i = 0; i < b->nmerged; i++) {
        struct job *j = b->merged[i];
        struct conv_value src = {CONV_STRING, 0, strlen(j->rel), j->rel};
        struct conv_reader *rd = conv_reader_open_file(ctx, j->input, opts, &m->err);
        if (!rd)
            goto done;
        const struct conv_record *rec;
        uint64_t n = 0;
        int r;
        while ((r = conv_reader_next(rd, &rec)) == CONV_OK) {
            if (++n > j->records)
                break;
            conv_record_reset(out, ++g, conv_record_line(rec));
            if (conv_record_append_record(out, rec) != CONV_OK ||
                conv_record_append(out, m->field, &src, 0, 0) != CONV_OK) {
                snprintf(m->message, sizeof m->message, "out of memory");
                conv_reader_close(rd);
                goto done;
            }
            if (conv_writer_put(w, out) != CONV_OK) {
                m->err = *conv_writer_error(w);
                conv_reader_close(rd);
                goto done;
            }
            if (c && conv_checker_add(c, out) != CONV_OK) {
                m->err = *conv_checker_error(c);
                conv_reader_close(rd);
                goto done;
            }
            if ((g & 4095) == 0) {
                if (tool_interrupted()) {
                    m->status = ST_CANCELED;
                    conv_reader_close(rd);
                    goto done;
                }
                merge_progress(b, g, total, &shown);
            }
        }
        if (r == CONV_ERR)
            m->err = *conv_reader_error(rd);
        conv_reader_close(rd);
        if (m->err.code == CONV_E_CANCELED || tool_interrupted()) {
            m->status = ST_CANCELED;
            goto done;
        }
        if (r == CONV_ERR)
            goto done;
        if (n != j->records) {
            snprintf(m->message, sizeof m->message,
                     "%s: changed while merged: %llu records, first %llu", j->input,
                     (unsigned long long)n, (unsigned long long)j->records);
            goto done;
        }
    }
    if (c && conv_checker_finish(c) != CONV_OK) {
        m->err = *conv_checker_error(c);
        goto done;
    }
    if (tool_interrupted()) {
        m->status = ST_CANCELED;
        goto done;
    }
    if (conv_writer_finish(w) != CONV_OK) {
        m->err = *conv_writer_error(w);
        goto done;
    }
    m->records = g;
    m->status = ST_OK;
done:
    if (m->status == ST_FAILED && m->err.code == CONV_E_CANCELED)
        m->status = ST_CANCELED;
    conv_checker_free(c);
    conv_writer_close(w); /* unfinished: no output */
    conv_record_free(out);
    conv_schema_free(h);
    m->seconds = now() - t0;
}

/* ---- reports ---------------------------------------------------------------------------- */

/* Copy the spooled findings of one kind ('T' text, 'J' JSON): every
 * input's in input order, or the merged set's; at most limit of them
 * (0: all).  Returns how many were copied. */
static uint64_t copy_findings(FILE *out, const struct batch *b, FILE *merge_spool, char kind,
                              const char *first, const char *sep, uint64_t limit)
{
    uint64_t copied = 0;
    char *line = NULL;
    size_t cap = 0;
    for (size_t i = 0; i <= b->n; i++) {
        FILE *f;
        long from, to;
        if (merge_spool) {
            if (i > 0)
                break;
            f = merge_spool;
            from = 0;
            fflush(f);
            to = ftell(f);
        } else {
            if (i == b->n)
                break;
            f = b->jobs[i].spool;
            from = b->jobs[i].spool_from;
            to = b->jobs[i].spool_to;
        }
        if (!f || to <= from)
            continue;
        fflush(f);
        if (fseek(f, from, SEEK_SET) != 0)
            continue;
        ssize_t len;
        while (ftell(f) < to && (len = getline(&line, &cap, f)) > 0) {
            if (line[0] != kind)
                continue;
            if (limit && copied >= limit)
                goto out;
            fputs(copied ? sep : first, out);
            fwrite(line + 1, 1, (size_t)len - 2, out); /* no kind, no newline */
            copied++;
        }
        fseek(f, 0, SEEK_END);
    }
out:
    free(line);
    return copied;
}

static void error_text(const struct job *j, char *out, size_t size)
{
    if (j->message[0])
        snprintf(out, size, "%s", j->message);
    else if (j->err.code != CONV_E_NONE)
        conv_error_format(&j->err, out, size);
    else
        out[0] = '\0';
}

static void json_error(FILE *f, const char *msg, const struct conv_error *err)
{
    if (!msg[0]) {
        fputs("null", f);
        return;
    }
    fputs("{\"message\": ", f);
    tool_json_string(f, msg);
    fprintf(f, ", \"line\": %llu, \"column\": %llu}", (unsigned long long)err->line,
            (unsigned long long)err->column);
}

static void write_json(FILE *f, const struct batch *b, double seconds, const struct merge_result *m,
                       FILE *merge_spool)
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
        if (b->merge && j->status == ST_OK && m->status == ST_OK)
            tool_json_string(f, b->merge);
        else if (!b->merge && (j->status == ST_OK || j->status == ST_SKIPPED))
            tool_json_string(f, j->output);
        else
            fputs("null", f);
        if (b->merge) {
            fputs(", \"source\": ", f);
            tool_json_string(f, j->rel);
        }
        if (b->check)
            fprintf(f, ", \"check_errors\": %llu, \"check_warnings\": %llu",
                    (unsigned long long)j->errors, (unsigned long long)j->warnings);
        fprintf(f, ", \"seconds\": %.3f, \"error\": ", j->seconds);
        char msg[1024];
        error_text(j, msg, sizeof msg);
        json_error(f, msg, &j->err);
        fputc('}', f);
    }
    fputs("\n  ],\n", f);
    if (b->merge) {
        fputs("  \"merge\": {\"output\": ", f);
        tool_json_string(f, b->merge);
        fprintf(f,
                ", \"format\": \"%s\", \"status\": \"%s\", \"inputs\": %zu, \"records\": %llu, "
                "\"source_field\": ",
                b->to, status_names[m->status], m->status == ST_OK ? b->nmerged : 0,
                (unsigned long long)m->records);
        tool_json_string(f, m->field);
        fprintf(f, ", \"seconds\": %.3f, \"error\": ", m->seconds);
        char msg[1024] = "";
        if (m->message[0])
            snprintf(msg, sizeof msg, "%s", m->message);
        else if (m->err.code != CONV_E_NONE)
            conv_error_format(&m->err, msg, sizeof msg);
        json_error(f, msg, &m->err);
        fputs("},\n", f);
    }
    if (b->check) {
        fputs("  \"findings\": [", f);
        uint64_t n = copy_findings(f, b, merge_spool, 'J', "\n    ", ",\n    ", 0);
        fputs(n ? "\n  ],\n" : "],\n", f);
    }
    size_t counts[5] = {0};
    uint64_t records = 0;
    for (size_t i = 0; i < b->n; i++) {
        counts[b->jobs[i].status]++;
        if (b->jobs[i].status == ST_OK)
            records += b->jobs[i].records;
    }
    fprintf(f,
            "  \"summary\": {\"inputs\": %zu, \"ok\": %zu, \"skipped\": %zu, \"failed\": "
            "%zu, \"canceled\": %zu, \"records\": %llu, ",
            b->n, counts[ST_OK], counts[ST_SKIPPED], counts[ST_FAILED],
            counts[ST_CANCELED] + counts[ST_PENDING], (unsigned long long)records);
    if (b->check)
        fprintf(f, "\"check_errors\": %llu, \"check_warnings\": %llu, ",
                (unsigned long long)atomic_load(&b->check_errors),
                (unsigned long long)atomic_load(&b->check_warnings));
    fprintf(f, "\"seconds\": %.3f}\n}\n", seconds);
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

static void write_csv(FILE *f, const struct batch *b, const struct merge_result *m)
{
    fprintf(f, "input,status,format,records,output,seconds,error,line,column%s\r\n",
            b->check ? ",check_errors,check_warnings" : "");
    for (size_t i = 0; i < b->n; i++) {
        const struct job *j = &b->jobs[i];
        csv_field(f, j->input);
        fprintf(f, ",%s,%s,%llu,", status_names[j->status], j->format ? j->format : "",
                (unsigned long long)j->records);
        if (b->merge)
            csv_field(f, j->status == ST_OK && m->status == ST_OK ? b->merge : "");
        else
            csv_field(f, j->status == ST_OK || j->status == ST_SKIPPED ? j->output : "");
        fprintf(f, ",%.3f,", j->seconds);
        char msg[1024];
        error_text(j, msg, sizeof msg);
        csv_field(f, msg);
        if (msg[0] && j->err.line)
            fprintf(f, ",%llu,%llu", (unsigned long long)j->err.line,
                    (unsigned long long)j->err.column);
        else
            fputs(",,", f);
        if (b->check)
            fprintf(f, ",%llu,%llu", (unsigned long long)j->errors,
                    (unsigned long long)j->warnings);
        fputs("\r\n", f);
    }
}

static int write_report(const char *path, const struct batch *b, double seconds, int csv,
                        const struct merge_result *m, FILE *merge_spool)
{
    char *tmp;
    FILE *f = tool_atomic_open(path, &tmp);
    if (!f) {
        fprintf(stderr, "%s: %s: cannot write the report: %s\n", prog, path, strerror(errno));
        return -1;
    }
    if (csv)
        write_csv(f, b, m);
    else
        write_json(f, b, seconds, m, merge_spool);
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
    const char *merge = NULL;
    int progress_mode = 0, force = 0, quiet = 0, check = 0;
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
        static const char *const valued[] = {"-o",
                                             "--output",
                                             "-t",
                                             "--to",
                                             "-j",
                                             "--jobs",
                                             "--from-list",
                                             "--report",
                                             "--report-csv",
                                             "--merge",
                                             "--growth-tolerance",
                                             "--outlier-factor",
                                             "--units",
                                             "--regions",
                                             "--sort-memory",
                                             NULL};
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
        } else if (!strcmp(a, "--check")) {
            check = 1;
        } else if (!strcmp(a, "--growth-tolerance") || !strcmp(a, "--outlier-factor") ||
                   !strcmp(a, "--units") || !strcmp(a, "--regions") ||
                   !strcmp(a, "--sort-memory")) {
            /* The checker's options, as conv-check takes them. */
            if (conv_options_set(opts, a + 2, v) != CONV_OK) {
                fprintf(stderr, "%s: out of memory\n", prog);
                status = TOOL_EXIT_IO;
                goto out;
            }
        } else if (!strcmp(a, "--merge")) {
            merge = v;
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
    const struct conv_format *fmt = NULL;
    if (!to && merge) {
        fmt = conv_format_by_path(merge);
        if (!fmt || !conv_format_can_write(fmt)) {
            status = tool_usage_error(prog,
                                      "--merge: cannot tell the format of '%s' from its "
                                      "extension; give it with --to",
                                      merge);
            goto out;
        }
        to = conv_format_name(fmt);
    }
    if (!to) {
        status = tool_usage_error(prog, "give the output format with --to");
        goto out;
    }
    fmt = conv_format_by_name(to);
    if (!fmt || !conv_format_can_write(fmt)) {
        status = tool_usage_error(prog, "--to: '%s' is not a format conv can write", to);
        goto out;
    }
    if (merge && (outdir || !strcmp(merge, "-"))) {
        status = tool_usage_error(prog, outdir ? "--merge writes one file: not with -o DIR"
                                               : "--merge: give a file, not standard output");
        goto out;
    }
    if (!outdir && !merge) {
        status = tool_usage_error(prog, "give the output directory with -o DIR (or --merge FILE)");
        goto out;
    }
    if (!ninputs && !list) {
        status = tool_usage_error(prog, "no input (files, directories or --from-list)");
        goto out;
    }
    conv_options_set(opts, "to", conv_format_name(fmt));
    struct stat outst;
    if (!merge) {
        if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: %s: cannot create: %s\n", prog, outdir, strerror(errno));
            status = TOOL_EXIT_IO;
            goto out;
        }
        if (stat(outdir, &outst) != 0 || !S_ISDIR(outst.st_mode)) {
            fprintf(stderr, "%s: %s: not a directory\n", prog, outdir);
            status = TOOL_EXIT_USAGE;
            goto out;
        }
    }
    const struct stat *skip_dir = merge ? NULL : &outst;

    struct batch b;
    memset(&b, 0, sizeof b);
    b.outdir = outdir;
    b.to = conv_format_name(fmt);
    b.ext = conv_format_extensions(fmt)[0];
    b.opts = opts;
    b.force = force;
    b.journal_fd = -1;
    b.check = check;
    b.merge = merge;
    b.ctx = ctx;
    pthread_mutex_init(&b.lock, NULL);
    for (size_t i = 0; i < ninputs; i++)
        add_input(&b, inputs[i], skip_dir);
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
                add_input(&b, line, skip_dir);
        }
        free(line);
        if (lf != stdin)
            fclose(lf);
    }
    /* A merged file inside an input directory is not an input of the
     * next merge. */
    struct stat mst;
    if (merge && stat(merge, &mst) == 0) {
        size_t kept = 0;
        for (size_t i = 0; i < b.n; i++) {
            struct stat ist;
            if (stat(b.jobs[i].input, &ist) == 0 && ist.st_dev == mst.st_dev &&
                ist.st_ino == mst.st_ino) {
                free(b.jobs[i].input);
                free(b.jobs[i].output);
                free(b.jobs[i].rel);
                continue;
            }
            b.jobs[kept++] = b.jobs[i];
        }
        b.n = kept;
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
    /* One run at a time per output directory.  --merge has neither lock
     * nor journal: its one output is made whole each time, atomically. */
    if (!merge) {
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
    }
    /* --check: findings are spooled to unnamed temporary files, so memory
     * does not grow with their number. */
    FILE *merge_spool = NULL;
    if (check && merge && !(merge_spool = tmpfile())) {
        fprintf(stderr, "%s: cannot make a temporary file: %s\n", prog, strerror(errno));
        status = TOOL_EXIT_IO;
        goto out;
    }

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
    for (long k = 0; check && !merge && k < jobs; k++)
        if (!(workers[k].spool = tmpfile())) {
            fprintf(stderr, "%s: cannot make a temporary file: %s\n", prog, strerror(errno));
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
    struct merge_result mres;
    memset(&mres, 0, sizeof mres);
    mres.status = ST_CANCELED;
    if (merge) {
        b.merged = malloc((b.n ? b.n : 1) * sizeof *b.merged);
        if (!b.merged) {
            fprintf(stderr, "%s: out of memory\n", prog);
            exit(TOOL_EXIT_IO);
        }
        int canceled = tool_interrupted();
        for (size_t i = 0; i < b.n; i++) {
            canceled |= b.jobs[i].status == ST_CANCELED || b.jobs[i].status == ST_PENDING;
            if (b.jobs[i].status == ST_OK)
                b.merged[b.nmerged++] = &b.jobs[i];
        }
        if (!canceled)
            merge_run(&b, opts, merge_spool, &mres);
    }
    tool_progress_end(&progress);
    double seconds = now() - b.start;
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
        if (check) {
            /* The first findings; all of them are in the report. */
            enum { SHOWN = 20 };
            uint64_t nf = atomic_load(&b.check_errors) + atomic_load(&b.check_warnings);
            uint64_t shown_n = copy_findings(stderr, &b, merge_spool, 'T', "", "\n", SHOWN);
            if (shown_n)
                fputc('\n', stderr);
            if (nf > shown_n)
                fprintf(stderr, "%s: ... and %llu more findings%s\n", prog,
                        (unsigned long long)(nf - shown_n), report ? " (see the report)" : "");
        }
        if (merge) {
            fprintf(stderr, "%s: %zu files: %zu read, %zu failed%s, %llu records\n", prog, b.n,
                    counts[ST_OK], counts[ST_FAILED],
                    counts[ST_CANCELED] || mres.status == ST_CANCELED ? ", interrupted" : "",
                    (unsigned long long)records);
            char msg[1024] = "";
            if (mres.message[0])
                snprintf(msg, sizeof msg, "%s", mres.message);
            else if (mres.err.code != CONV_E_NONE)
                conv_error_format(&mres.err, msg, sizeof msg);
            if (mres.status == ST_OK)
                fprintf(stderr, "%s: merged %zu files, %llu records, into %s, %.1f s\n", prog,
                        b.nmerged, (unsigned long long)mres.records, merge, seconds);
            else if (mres.status == ST_FAILED)
                fprintf(stderr, "%s: %s: merge failed, no output: %s\n", prog, merge, msg);
            else
                fprintf(stderr, "%s: %s: merge interrupted, no output\n", prog, merge);
        } else {
            fprintf(stderr,
                    "%s: %zu files: %zu converted, %zu up to date, %zu failed%s, %llu records, "
                    "%.1f s\n",
                    prog, b.n, counts[ST_OK], counts[ST_SKIPPED], counts[ST_FAILED],
                    counts[ST_CANCELED] ? ", interrupted" : "", (unsigned long long)records,
                    seconds);
        }
        if (check)
            fprintf(stderr, "%s: checks: %llu errors, %llu warnings\n", prog,
                    (unsigned long long)atomic_load(&b.check_errors),
                    (unsigned long long)atomic_load(&b.check_warnings));
    }
    int io = 0;
    if (report && write_report(report, &b, seconds, 0, &mres, merge_spool) != 0)
        io = 1;
    if (report_csv && write_report(report_csv, &b, seconds, 1, &mres, merge_spool) != 0)
        io = 1;
    if (tool_interrupted() || counts[ST_CANCELED] || (merge && mres.status == ST_CANCELED))
        status = TOOL_EXIT_INTERRUPTED;
    else if (io)
        status = TOOL_EXIT_IO;
    else if (merge && mres.status == ST_FAILED && mres.err.code != CONV_E_NONE &&
             tool_exit_code(&mres.err) != TOOL_EXIT_DATA)
        status = tool_exit_code(&mres.err);
    else if (counts[ST_FAILED] || (merge && mres.status == ST_FAILED) ||
             atomic_load(&b.check_errors))
        status = TOOL_EXIT_DATA;
    for (long k = 0; k < jobs; k++)
        if (workers[k].spool)
            fclose(workers[k].spool);
    free(workers);
    free(threads);
    if (merge_spool)
        fclose(merge_spool);
    free(b.merged);
    for (size_t i = 0; i < b.n; i++) {
        free(b.jobs[i].input);
        free(b.jobs[i].output);
        free(b.jobs[i].rel);
        free(b.jobs[i].sheet);
        conv_schema_free(b.jobs[i].fields);
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
