/*
 * conv-batch's pieces: what every file of the tool shares.  The inputs
 * and their outputs (batch_inputs.c), the pool of workers that converts,
 * checks and scans them (batch_pool.c), the findings and the reports
 * (batch_report.c); argument handling and the run in conv-batch.c.  The
 * merge and the journal themselves are the library's.
 */
#ifndef CONV_TOOL_BATCH_H
#define CONV_TOOL_BATCH_H

#include "tool_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

extern const char *const batch_prog;

enum status { ST_PENDING, ST_OK, ST_SKIPPED, ST_FAILED, ST_CANCELED };
extern const char *const batch_status_names[];

struct job {
    char *input;
    char *output; /* with --merge: the relative name (collisions are found on it) */
    char *rel;    /* its path relative to its input argument: the mirror tree's name */
    enum status status;
    const char *format;
    uint64_t records, bytes;
    double seconds;
    struct conv_error err;
    char message[512]; /* a failure not from the library */
    size_t merge_index; /* --merge: its input in the merge */
    /* --check: its findings, a stretch of one spool file, and their count */
    FILE *spool;
    long spool_from, spool_to;
    uint64_t errors, warnings;
};

struct batch {
    struct job *jobs;
    size_t n, cap;
    const char *outdir;
    const char *to;
    const char *ext;
    const struct conv_options *opts;
    int force;
    struct conv_journal *journal;
    _Atomic size_t next;
    _Atomic size_t done, failed, skipped;
    _Atomic uint64_t records, bytes;
    _Atomic uint64_t check_errors, check_warnings;
    struct tool_progress *progress;
    int show;
    double start;
    int check;
    const char *merge;    /* --merge OUT, or NULL */
    struct conv_merge *m; /* its inputs: the jobs still pending after planning */
    struct job **of_input; /* the job of each input of the merge */
    double merge_shown;    /* when the merge's progress was last drawn */
};

double batch_now(void);
/* Exit on a failed allocation: the tool cannot go on without memory. */
void *batch_check_alloc(void *p);
char *batch_strdup(const char *s);
char *batch_join(const char *a, const char *b);

/* batch_inputs.c: the inputs of the arguments, a list file, collisions. */
void batch_add_input(struct batch *b, const char *arg, const struct stat *skip_dir);
int batch_add_list(struct batch *b, const char *list, const struct stat *skip_dir);
void batch_drop_file(struct batch *b, const char *path);
void batch_find_collisions(struct batch *b);
void batch_free_jobs(struct batch *b);

/* batch_pool.c: the pool of -j workers over the pending jobs. */
struct worker {
    struct batch *b;
    uint64_t last_bytes, last_records;
    FILE *spool; /* --check without --merge: the findings of its jobs */
};
/* Run the pool (with the progress line) until every job is done. */
int batch_run_pool(struct batch *b, long jobs, struct worker *workers);
int batch_merge_progress(void *user, uint64_t done, uint64_t total, uint64_t records);

/* batch_report.c: findings spooled as text and JSON; the reports. */
struct finding_sink {
    struct batch *b;
    struct job *job; /* the input being checked; NULL with --merge */
    FILE *spool;
};
void batch_on_finding(void *user, const struct conv_finding *x);
uint64_t batch_copy_findings(FILE *out, const struct batch *b, FILE *merge_spool, char kind,
                             const char *first, const char *sep, uint64_t limit);
void batch_error_text(const struct job *j, char *out, size_t size);
/* What became of the --merge: its status, records, time and error. */
struct merge_result {
    enum status status;
    uint64_t records;
    double seconds;
    const char *field; /* the source field's name */
    size_t inputs;     /* inputs merged */
    struct conv_error err;
};
int batch_write_report(const char *path, const struct batch *b, double seconds, int csv,
                       const struct merge_result *m, FILE *merge_spool);

#endif
