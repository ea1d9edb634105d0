/*
 * conv-batch: convert many submissions at once.  Inputs are files,
 * directories (walked recursively) and list files; outputs mirror the
 * input tree under -o DIR with the new extension.  A pool of threads runs
 * one conv_convert() per file, each with its own context, so an output is
 * the one `conv` makes of that file alone.  A bad file is reported and
 * the others go on; the library's journal in the output directory lets a
 * rerun skip the files whose output is up to date; Ctrl-C finishes cleanly.
 *
 * --merge OUT is the library's merge (conv_merge_*): the pool scans the
 * inputs in parallel, then one writer takes them in input order.  --check
 * runs the indicator checks on each input, or on the merged set.
 *
 * This file: the arguments and the run; batch_inputs.c, batch_pool.c and
 * batch_report.c the rest.
 */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

const char *const batch_prog = "conv-batch";
static const char *const prog = "conv-batch";

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

/* What the command line asks for. */
struct args {
    const char *outdir, *to, *list, *report, *report_csv, *merge;
    int progress_mode, force, quiet, check;
    long jobs;
    char **inputs;
    size_t ninputs;
};

/* Read the arguments into a and opts.  Returns -1 to go on, else the exit
 * status (0 after --help or --version). */
static int parse_args(int argc, char **argv, struct args *a, struct conv_options *opts)
{
    static const char *const valued[] = {"-o",          "--output",           "-t",
                                         "--to",        "-j",                 "--jobs",
                                         "--from-list", "--report",           "--report-csv",
                                         "--merge",     "--growth-tolerance", "--outlier-factor",
                                         "--units",     "--regions",          "--sort-memory",
                                         NULL};
    int only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_args || arg[0] != '-') {
            a->inputs[a->ninputs++] = argv[i];
            continue;
        }
        int is_valued = 0;
        for (size_t k = 0; valued[k]; k++)
            is_valued |= !strcmp(arg, valued[k]);
        const char *v = NULL;
        if (is_valued) {
            if (i + 1 >= argc)
                return tool_usage_error(prog, "option %s needs a value", arg);
            v = argv[++i];
        }
        if (!strcmp(arg, "--")) {
            only_args = 1;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            usage(stdout);
            return TOOL_EXIT_OK;
        } else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
            printf("conv-batch (libconv) %s\n", conv_version());
            return TOOL_EXIT_OK;
        } else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
            a->progress_mode = -1;
            a->quiet = 1;
        } else if (!strcmp(arg, "--progress")) {
            a->progress_mode = 1;
        } else if (!strcmp(arg, "--force")) {
            a->force = 1;
        } else if (!strcmp(arg, "--check")) {
            a->check = 1;
        } else if (!strcmp(arg, "--growth-tolerance") || !strcmp(arg, "--outlier-factor") ||
                   !strcmp(arg, "--units") || !strcmp(arg, "--regions") ||
                   !strcmp(arg, "--sort-memory")) {
            /* The checker's options, as conv-check takes them. */
            if (conv_options_set(opts, arg + 2, v) != CONV_OK) {
                fprintf(stderr, "%s: %s\n", prog, conv_options_error(opts)->message);
                return TOOL_EXIT_IO;
            }
        } else if (!strcmp(arg, "--merge")) {
            a->merge = v;
        } else if (!strcmp(arg, "-o") || !strcmp(arg, "--output")) {
            a->outdir = v;
        } else if (!strcmp(arg, "-t") || !strcmp(arg, "--to")) {
            a->to = v;
        } else if (!strcmp(arg, "--from-list")) {
            a->list = v;
        } else if (!strcmp(arg, "--report")) {
            a->report = v;
        } else if (!strcmp(arg, "--report-csv")) {
            a->report_csv = v;
        } else if (!strcmp(arg, "-j") || !strcmp(arg, "--jobs")) {
            char *end;
            errno = 0;
            a->jobs = strtol(v, &end, 10);
            if (errno || end == v || *end || a->jobs < 1 || a->jobs > 1024)
                return tool_usage_error(prog, "--jobs: expected 1 to 1024, got '%s'", v);
        } else {
            int r = tool_format_option(prog, argc, argv, &i, opts);
            if (r < 0)
                return TOOL_EXIT_USAGE;
            if (r == 0)
                return tool_usage_error(prog, "unknown option '%s'", arg);
        }
    }
    return -1;
}

/* The output format and what goes with it.  Returns -1 to go on, else
 * the exit status. */
static int check_usage(struct args *a, struct conv_options *opts, const struct conv_format **out)
{
    if (!a->to)
        a->to = conv_options_get(opts, "to");
    const struct conv_format *fmt = NULL;
    if (!a->to && a->merge) {
        fmt = conv_format_by_path(a->merge);
        if (!fmt || !conv_format_can_write(fmt))
            return tool_usage_error(prog,
                                    "--merge: cannot tell the format of '%s' from its "
                                    "extension; give it with --to",
                                    a->merge);
        a->to = conv_format_name(fmt);
    }
    if (!a->to)
        return tool_usage_error(prog, "give the output format with --to");
    fmt = conv_format_by_name(a->to);
    if (!fmt || !conv_format_can_write(fmt))
        return tool_usage_error(prog, "--to: '%s' is not a format conv can write", a->to);
    if (a->merge && (a->outdir || !strcmp(a->merge, "-")))
        return tool_usage_error(prog, a->outdir ? "--merge writes one file: not with -o DIR"
                                                : "--merge: give a file, not standard output");
    if (!a->outdir && !a->merge)
        return tool_usage_error(prog, "give the output directory with -o DIR (or --merge FILE)");
    if (!a->ninputs && !a->list)
        return tool_usage_error(prog, "no input (files, directories or --from-list)");
    if (conv_options_set(opts, "to", conv_format_name(fmt)) != CONV_OK) {
        fprintf(stderr, "%s: %s\n", prog, conv_options_error(opts)->message);
        return TOOL_EXIT_IO;
    }
    *out = fmt;
    return -1;
}

/* One run at a time per output directory, and its journal.  --merge has
 * neither lock nor journal: its one output is made whole each time. */
static int lock_outdir(struct batch *b, struct conv_context *ctx, int *lock_fd)
{
    char *lpath = batch_join(b->outdir, ".conv-batch.lock");
    *lock_fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(lpath);
    if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, b->outdir,
                *lock_fd < 0 ? strerror(errno) : "another conv-batch is writing there");
        return -1;
    }
    char *jpath = batch_join(b->outdir, CONV_JOURNAL_NAME);
    /* Without a journal every input is converted: nothing is lost. */
    b->journal = conv_journal_open(ctx, jpath, b->opts, NULL);
    free(jpath);
    return 0;
}

/* --merge: the inputs the planning left pending go to the library's merge. */
static void plan_merge(struct batch *b, struct conv_context *ctx)
{
    b->m = batch_check_alloc(conv_merge_new(ctx, b->opts, NULL));
    b->of_input = batch_check_alloc(malloc((b->n ? b->n : 1) * sizeof *b->of_input));
    for (size_t i = 0; i < b->n; i++) {
        struct job *j = &b->jobs[i];
        if (j->status != ST_PENDING)
            continue;
        if (conv_merge_add(b->m, j->input, j->rel) != CONV_OK)
            batch_check_alloc(NULL);
        j->merge_index = conv_merge_count(b->m) - 1;
        b->of_input[j->merge_index] = j;
    }
}

/* --merge, second pass: the library writes every input the pool's scans
 * found good, in input order, and checks them as one set. */
static void run_merge(struct batch *b, struct conv_options *opts, FILE *spool,
                      struct merge_result *m)
{
    int canceled = tool_interrupted();
    for (size_t i = 0; i < b->n; i++)
        canceled |= b->jobs[i].status == ST_CANCELED || b->jobs[i].status == ST_PENDING;
    m->status = ST_CANCELED;
    m->field = "";
    if (canceled)
        return;
    double t0 = batch_now();
    struct finding_sink sink = {b, NULL, spool};
    conv_options_set_progress(opts, batch_merge_progress, b);
    int rc = conv_merge_write(b->m, b->merge, b->check ? batch_on_finding : NULL, &sink, &m->err);
    m->seconds = batch_now() - t0;
    m->field = conv_merge_source_field(b->m);
    m->records = conv_merge_records(b->m);
    for (size_t i = 0; i < conv_merge_count(b->m); i++)
        m->inputs += conv_merge_input(b->m, i)->status == CONV_MERGE_OK;
    m->status = rc == CONV_OK                       ? ST_OK
                : m->err.code == CONV_E_CANCELED ? ST_CANCELED
                                                 : ST_FAILED;
}

/* The failures, the first findings and the summary on stderr. */
static void print_summary(const struct batch *b, const struct args *a, const size_t counts[5],
                          uint64_t records, const struct merge_result *m, FILE *merge_spool,
                          double seconds)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->jobs[i].status == ST_FAILED) {
            char msg[1024];
            batch_error_text(&b->jobs[i], msg, sizeof msg);
            fprintf(stderr, "%s: %s\n", prog, msg);
        }
    if (a->check) {
        /* The first findings; all of them are in the report. */
        enum { SHOWN = 20 };
        uint64_t nf = atomic_load(&b->check_errors) + atomic_load(&b->check_warnings);
        uint64_t shown_n = batch_copy_findings(stderr, b, merge_spool, 'T', "", "\n", SHOWN);
        if (shown_n)
            fputc('\n', stderr);
        if (nf > shown_n)
            fprintf(stderr, "%s: ... and %llu more findings%s\n", prog,
                    (unsigned long long)(nf - shown_n), a->report ? " (see the report)" : "");
    }
    if (a->merge) {
        fprintf(stderr, "%s: %zu files: %zu read, %zu failed%s, %llu records\n", prog, b->n,
                counts[ST_OK], counts[ST_FAILED],
                counts[ST_CANCELED] || m->status == ST_CANCELED ? ", interrupted" : "",
                (unsigned long long)records);
        char msg[1024] = "";
        if (m->err.code != CONV_E_NONE)
            conv_error_format(&m->err, msg, sizeof msg);
        if (m->status == ST_OK)
            fprintf(stderr, "%s: merged %zu files, %llu records, into %s, %.1f s\n", prog,
                    m->inputs, (unsigned long long)m->records, a->merge, seconds);
        else if (m->status == ST_FAILED)
            fprintf(stderr, "%s: %s: merge failed, no output: %s\n", prog, a->merge, msg);
        else
            fprintf(stderr, "%s: %s: merge interrupted, no output\n", prog, a->merge);
    } else {
        fprintf(stderr,
                "%s: %zu files: %zu converted, %zu up to date, %zu failed%s, %llu records, "
                "%.1f s\n",
                prog, b->n, counts[ST_OK], counts[ST_SKIPPED], counts[ST_FAILED],
                counts[ST_CANCELED] ? ", interrupted" : "", (unsigned long long)records,
                seconds);
    }
    if (a->check)
        fprintf(stderr, "%s: checks: %llu errors, %llu warnings\n", prog,
                (unsigned long long)atomic_load(&b->check_errors),
                (unsigned long long)atomic_load(&b->check_warnings));
}

/* Plan, run the pool (and the merge), report.  Returns the exit status. */
static int run(struct args *a, const struct conv_format *fmt, struct conv_context *ctx,
               struct conv_options *opts)
{
    struct stat outst;
    if (!a->merge) {
        if (mkdir(a->outdir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: %s: cannot create: %s\n", prog, a->outdir, strerror(errno));
            return TOOL_EXIT_IO;
        }
        if (stat(a->outdir, &outst) != 0 || !S_ISDIR(outst.st_mode)) {
            fprintf(stderr, "%s: %s: not a directory\n", prog, a->outdir);
            return TOOL_EXIT_USAGE;
        }
    }
    const struct stat *skip_dir = a->merge ? NULL : &outst;
    struct batch b;
    memset(&b, 0, sizeof b);
    b.outdir = a->outdir;
    b.to = conv_format_name(fmt);
    b.ext = conv_format_extensions(fmt)[0];
    b.opts = opts;
    b.force = a->force;
    b.check = a->check;
    b.merge = a->merge;
    int status = TOOL_EXIT_OK, lock_fd = -1;
    FILE *merge_spool = NULL;
    struct worker *workers = NULL;
    long jobs = a->jobs;
    for (size_t i = 0; i < a->ninputs; i++)
        batch_add_input(&b, a->inputs[i], skip_dir);
    if (a->list && batch_add_list(&b, a->list, skip_dir) != 0) {
        status = TOOL_EXIT_IO;
        goto out;
    }
    if (a->merge)
        batch_drop_file(&b, a->merge);
    batch_find_collisions(&b);
    if (a->merge)
        plan_merge(&b, ctx);
    else if (lock_outdir(&b, ctx, &lock_fd) != 0) {
        status = TOOL_EXIT_IO;
        goto out;
    }
    /* --check: findings are spooled to unnamed temporary files, so memory
     * does not grow with their number. */
    if (a->check && a->merge && !(merge_spool = tmpfile())) {
        fprintf(stderr, "%s: cannot make a temporary file: %s\n", prog, strerror(errno));
        status = TOOL_EXIT_IO;
        goto out;
    }
    struct tool_progress progress;
    tool_progress_init(&progress, prog, a->progress_mode);
    b.progress = &progress;
    b.show = progress.enabled;
    tool_catch_signals();
    b.start = batch_now();
    if ((size_t)jobs > b.n)
        jobs = b.n ? (long)b.n : 1;
    workers = batch_check_alloc(calloc((size_t)jobs, sizeof *workers));
    for (long k = 0; a->check && !a->merge && k < jobs; k++)
        if (!(workers[k].spool = tmpfile())) {
            fprintf(stderr, "%s: cannot make a temporary file: %s\n", prog, strerror(errno));
            status = TOOL_EXIT_IO;
            goto out;
        }
    if (batch_run_pool(&b, jobs, workers) != 0)
        batch_check_alloc(NULL);
    struct merge_result mres;
    memset(&mres, 0, sizeof mres);
    mres.status = ST_CANCELED;
    mres.field = "";
    if (a->merge)
        run_merge(&b, opts, merge_spool, &mres);
    tool_progress_end(&progress);
    double seconds = batch_now() - b.start;

    size_t counts[5] = {0};
    uint64_t records = 0;
    for (size_t i = 0; i < b.n; i++) {
        counts[b.jobs[i].status]++;
        if (b.jobs[i].status == ST_OK)
            records += b.jobs[i].records;
    }
    if (!a->quiet)
        print_summary(&b, a, counts, records, &mres, merge_spool, seconds);
    int io = 0;
    if (a->report && batch_write_report(a->report, &b, seconds, 0, &mres, merge_spool) != 0)
        io = 1;
    if (a->report_csv && batch_write_report(a->report_csv, &b, seconds, 1, &mres, merge_spool) != 0)
        io = 1;
    if (tool_interrupted() || counts[ST_CANCELED] || (a->merge && mres.status == ST_CANCELED))
        status = TOOL_EXIT_INTERRUPTED;
    else if (io)
        status = TOOL_EXIT_IO;
    else if (a->merge && mres.status == ST_FAILED && mres.err.code != CONV_E_NONE &&
             tool_exit_code(&mres.err) != TOOL_EXIT_DATA)
        status = tool_exit_code(&mres.err);
    else if (counts[ST_FAILED] || (a->merge && mres.status == ST_FAILED) ||
             atomic_load(&b.check_errors))
        status = TOOL_EXIT_DATA;
out:
    for (long k = 0; workers && k < jobs; k++)
        if (workers[k].spool)
            fclose(workers[k].spool);
    free(workers);
    if (merge_spool)
        fclose(merge_spool);
    conv_journal_close(b.journal);
    if (lock_fd >= 0)
        close(lock_fd);
    conv_merge_free(b.m);
    batch_free_jobs(&b);
    return status;
}

int main(int argc, char **argv)
{
    struct args a;
    memset(&a, 0, sizeof a);
    a.jobs = sysconf(_SC_NPROCESSORS_ONLN);
    a.inputs = calloc((size_t)argc + 1, sizeof *a.inputs);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = ctx ? conv_options_new(ctx) : NULL;
    if (!a.inputs || !opts) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return TOOL_EXIT_IO;
    }
    const struct conv_format *fmt = NULL;
    int status = parse_args(argc, argv, &a, opts);
    if (status < 0)
        status = check_usage(&a, opts, &fmt);
    if (status < 0)
        status = run(&a, fmt, ctx, opts);
    conv_options_free(opts);
    conv_context_free(ctx);
    free(a.inputs);
    return status;
}
