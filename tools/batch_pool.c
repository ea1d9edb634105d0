/*
 * conv-batch's pool: -j threads take the inputs in order, each with its
 * own context and options, and convert (skipping what the journal says is
 * up to date), check, or scan them for a merge; the main thread draws the
 * progress line meanwhile.
 */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double batch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
    char *p = batch_strdup(path);
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
    char *dir = batch_strdup(output);
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
        char *path = slash ? batch_join(dir[0] ? dir : "/", n) : batch_strdup(n);
        struct stat st;
        if (hex && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            unlink(path);
        free(path);
    }
    closedir(d);
    free(dir);
}

/* One conversion, unless the journal says its output is up to date. */
static void run_job(struct batch *b, struct job *j, struct conv_context *ctx,
                    struct conv_options *opts, struct worker *w)
{
    double t0 = batch_now();
    struct conv_journal_stamp st;
    int up = b->force || !b->journal
                 ? conv_journal_stamp_file(j->input, &st, &j->err)
                 : conv_journal_lookup(b->journal, j->input, j->output, &st, &j->err);
    if (up == CONV_ERR) {
        j->status = ST_FAILED;
        return;
    }
    if (up == 1) {
        j->status = ST_SKIPPED;
        return;
    }
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
    int rc = conv_convert(ctx, j->input, j->output, opts, &stats, &j->err);
    worker_progress(w, stats.bytes_in, 0, stats.records);
    j->records = stats.records;
    j->bytes = stats.bytes_in;
    j->format = stats.input_format;
    j->seconds = batch_now() - t0;
    if (rc == CONV_OK) {
        j->status = ST_OK;
        if (b->journal)
            conv_journal_record(b->journal, j->input, j->output, &st, NULL);
    } else {
        j->status = j->err.code == CONV_E_CANCELED ? ST_CANCELED : ST_FAILED;
    }
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
    struct finding_sink sink = {b, j, spool};
    conv_options_set_progress(opts, cancel_only, NULL);
    struct conv_error err;
    j->spool = spool;
    j->spool_from = spool ? ftell(spool) : 0;
    struct conv_checker *c = conv_checker_new(ctx, NULL, opts, batch_on_finding, &sink, &err);
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

/* --merge, first pass: the library's scan of one input. */
static void scan_job(struct batch *b, struct job *j, struct conv_context *ctx,
                     struct conv_options *opts, struct worker *w)
{
    double t0 = batch_now();
    w->last_bytes = w->last_records = 0;
    conv_options_set_progress(opts, worker_progress, w);
    conv_merge_scan(b->m, j->merge_index, ctx, opts);
    const struct conv_merge_input *p = conv_merge_input(b->m, j->merge_index);
    j->records = p->records;
    j->format = p->format;
    j->err = p->error;
    worker_progress(w, w->last_bytes, 0, j->records);
    j->seconds = batch_now() - t0;
    j->status = p->status == CONV_MERGE_OK         ? ST_OK
                : p->status == CONV_MERGE_CANCELED ? ST_CANCELED
                                                   : ST_FAILED;
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

/* The progress line: files done of total, records, MB/s, failures, time left. */
static void show_progress(struct batch *b)
{
    if (!b->show)
        return;
    double t = batch_now() - b->start;
    size_t done = atomic_load(&b->done);
    double mb = (double)atomic_load(&b->bytes) / 1e6;
    double left = done ? t / (double)done * (double)(b->n - done) : 0;
    fprintf(stderr, "\r%s: %zu/%zu files, %llu records, %.1f MB/s, %zu failed, %.0fs left \033[K",
            batch_prog, done, b->n, (unsigned long long)atomic_load(&b->records),
            t > 0 ? mb / t : 0, atomic_load(&b->failed), left);
    b->progress->shown = 1;
}

/* --merge, second pass: the merge's progress, in records; Ctrl-C stops it. */
int batch_merge_progress(void *user, uint64_t done, uint64_t total, uint64_t records)
{
    (void)records;
    struct batch *b = user;
    if (b->show && batch_now() - b->merge_shown >= 0.25) {
        b->merge_shown = batch_now();
        fprintf(stderr, "\r%s: merging: %llu of %llu records \033[K", batch_prog,
                (unsigned long long)done, (unsigned long long)total);
        b->progress->shown = 1;
    }
    return tool_interrupted() ? 1 : 0;
}

int batch_run_pool(struct batch *b, long jobs, struct worker *workers)
{
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (!threads)
        return -1;
    long started = 0;
    for (long k = 0; k < jobs; k++) {
        workers[k].b = b;
        if (pthread_create(&threads[k], NULL, worker_main, &workers[k]) != 0)
            break;
        started++;
    }
    if (started == 0) {
        workers[0].b = b;
        worker_main(&workers[0]); /* no thread could start: one at a time here */
    }
    double shown = 0;
    while (atomic_load(&b->done) < b->n) {
        if (batch_now() - shown >= 0.25) {
            show_progress(b);
            shown = batch_now();
        }
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    for (long k = 0; k < started; k++)
        pthread_join(threads[k], NULL);
    free(threads);
    return 0;
}
