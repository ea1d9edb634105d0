/*
 * conv-check: check files of indicator records, in any format, against
 * the indicators profile and report every finding, as text lines or as a
 * JSON report for pipelines.  A thin shell over conv_checker_*().
 */
#include "tool_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "conv-check";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: conv-check [OPTIONS] FILE...\n"
            "Check statistical indicator records (CSV, JSON, XML, Excel...) against the\n"
            "indicators profile and report every finding, not just the first.\n"
            "\n"
            "Rules: required fields, types, code and period shapes, status values, units and\n"
            "region codes from the profile's lists; duplicates of (region, indicator,\n"
            "period); components that do not add up to their parent within the rounding of\n"
            "the data; a change that contradicts the value of the same period a year before;\n"
            "a value far from its history (warning).  With --schema FILE, the fields,\n"
            "types and required fields of that schema instead (and the rules above for the\n"
            "fields it shares with the profile).  FILE '-' is standard input.\n"
            "\n"
            "Options:\n"
            "      --format text|json       findings on standard output as lines\n"
            "                               'file:line: severity: rule: message' (default)\n"
            "                               or as one JSON report\n"
            "      --report FILE            also write the JSON report to FILE\n"
            "      --strict                 warnings fail too (exit 1)\n"
            "      --max-findings N         print at most N findings per file (0: all;\n"
            "                               counts stay complete)\n"
            "      --growth-tolerance PP    percentage points a change may differ from the\n"
            "                               one its values give, beyond rounding (default 0.5)\n"
            "      --outlier-factor F       warn when a value is F times its history's median\n"
            "                               or less than 1/F of it (default 10)\n"
            "      --units FILE             CSV list of units (column 'unit') instead of\n"
            "                               the profile's\n"
            "      --regions FILE           CSV list of region codes (columns code, name,\n"
            "                               valid_from, valid_to) instead of the profile's\n"
            "      --sort-memory MIB        memory for the rules across records (default 32)\n"
            "      --print-schema KIND      print the profile as json-schema, xsd or fields\n"
            "                               (a --schema file) and exit\n"
            "  -q, --quiet                  no progress line\n"
            "      --progress               progress line even when stderr is not a terminal\n"
            "  -h, --help                   show this help and exit\n"
            "  -V, --version                show the version and exit\n");
    tool_print_format_options(f);
    fprintf(f,
            "\nExit status:\n"
            "  0  no errors (warnings allowed unless --strict)\n"
            "  1  findings of severity error (or warnings with --strict)\n"
            "  2  wrong usage\n"
            "  3  I/O or system error (a file could not be read)\n"
            "  130 interrupted\n"
            "\nExamples:\n"
            "  conv-check samples/indicators.csv\n"
            "  conv-check --format json data.xlsx > findings.json\n"
            "  conv-check --locale vi --encoding cp1258 --report r.json submission.csv\n");
}

static int write_cb(void *user, const void *buf, size_t size)
{
    return fwrite(buf, 1, size, user) == size ? 0 : -1;
}

struct state {
    int json;           /* findings as JSON on stdout */
    FILE *report;       /* JSON report file, or NULL */
    long max;           /* findings printed per file, 0 all */
    long printed;       /* in this file */
    int first_finding;  /* in the JSON arrays */
    int first_report;
    struct tool_progress *progress;
};

static void on_finding(void *user, const struct conv_finding *x)
{
    struct state *st = user;
    if (st->report)
        tool_check_report_finding(st->report, x, &st->first_report);
    if (st->max > 0 && st->printed >= st->max)
        return;
    st->printed++;
    tool_progress_end(st->progress);
    if (st->json) {
        tool_check_report_finding(stdout, x, &st->first_finding);
        return;
    }
    tool_finding_text(stdout, x);
}

int main(int argc, char **argv)
{
    const char *report_path = NULL, *print_schema = NULL, *profile = "indicators";
    int progress_mode = 0, strict = 0, json = 0;
    long max = 0;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = ctx ? conv_options_new(ctx) : NULL;
    struct conv_options *copts = ctx ? conv_options_new(ctx) : NULL;
    if (!files || !opts || !copts) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return TOOL_EXIT_IO;
    }
    int status = TOOL_EXIT_OK;
    int only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || !strcmp(a, "-")) {
            files[nfiles++] = argv[i];
            continue;
        }
        static const char *const valued[] = {"--format",       "--report",         "--max-findings",
                                             "--growth-tolerance", "--outlier-factor", "--units",
                                             "--regions",      "--sort-memory",    "--print-schema",
                                             NULL};
        const char *name = a, *val = NULL;
        char nbuf[64];
        const char *eq = strchr(a, '=');
        if (eq && (size_t)(eq - a) < sizeof nbuf) {
            snprintf(nbuf, sizeof nbuf, "%.*s", (int)(eq - a), a);
            name = nbuf;
        }
        int is_valued = 0;
        for (size_t k = 0; valued[k]; k++)
            is_valued |= !strcmp(name, valued[k]);
        if (is_valued) {
            if (eq) {
                val = eq + 1;
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                status = tool_usage_error(prog, "option %s needs a value", a);
                goto out;
            }
        }
        if (!strcmp(a, "--")) {
            only_args = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            goto out;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("conv-check (libconv) %s\n", conv_version());
            goto out;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            progress_mode = -1;
        } else if (!strcmp(a, "--progress")) {
            progress_mode = 1;
        } else if (!strcmp(a, "--strict")) {
            strict = 1;
        } else if (!strcmp(name, "--format")) {
            if (strcmp(val, "text") && strcmp(val, "json")) {
                status = tool_usage_error(prog, "--format: expected text or json, got '%s'", val);
                goto out;
            }
            json = !strcmp(val, "json");
        } else if (!strcmp(name, "--report")) {
            report_path = val;
        } else if (!strcmp(name, "--print-schema")) {
            print_schema = val;
        } else if (!strcmp(name, "--max-findings")) {
            char *end;
            errno = 0;
            max = strtol(val, &end, 10);
            if (errno || end == val || *end || max < 0) {
                status = tool_usage_error(prog, "--max-findings: expected a count, got '%s'", val);
                goto out;
            }
        } else if (is_valued) {
            conv_options_set(copts, name + 2, val);
        } else if (!strcmp(name, "--profile") || !strncmp(a, "--profile=", 10)) {
            if (!eq && i + 1 >= argc) {
                status = tool_usage_error(prog, "option %s needs a value", a);
                goto out;
            }
            profile = eq ? eq + 1 : argv[++i];
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
    /* --schema FILE: check against a schema file instead of the profile. */
    if (conv_options_get(opts, "schema"))
        conv_options_set(copts, "schema", conv_options_get(opts, "schema"));

    struct conv_error err;
    conv_error_clear(&err);
    if (print_schema) {
        if (conv_profile_write(ctx, profile, print_schema, write_cb, stdout, &err) != CONV_OK) {
            tool_print_error(prog, &err);
            status = tool_exit_code(&err);
        }
        goto out;
    }
    if (nfiles == 0) {
        status = tool_usage_error(prog, "no input file ('-' for standard input)");
        goto out;
    }

    struct tool_progress progress;
    tool_progress_init(&progress, prog, progress_mode);
    conv_options_set_progress(opts, tool_progress_cb, &progress);
    conv_options_set_diag(opts, tool_diag_cb, &progress);
    tool_catch_signals();

    struct state st = {json, NULL, max, 0, 1, 1, &progress};
    struct tool_output *rep = NULL;
    if (report_path) {
        if (!(rep = tool_output_open(report_path, &err))) {
            fprintf(stderr, "%s: %s: cannot write the report: %s\n", prog, report_path,
                    err.message);
            status = TOOL_EXIT_IO;
            goto out;
        }
        st.report = rep->f;
    }
    struct conv_checker *chk = conv_checker_new(ctx, profile, copts, on_finding, &st, &err);
    if (!chk) {
        tool_print_error(prog, &err);
        status = tool_exit_code(&err);
        if (rep)
            tool_output_close(rep, 0, NULL);
        goto out;
    }
    /* The reports: findings first, then one entry per file. */
    const char *against = conv_options_get(copts, "schema");
    FILE *heads[2] = {json ? stdout : NULL, st.report};
    for (int o = 0; o < 2; o++) {
        if (!heads[o])
            continue;
        tool_check_report_head(heads[o], against, profile);
    }
    struct conv_check_counts *per = calloc(nfiles, sizeof *per);
    struct conv_error *errs = calloc(nfiles, sizeof *errs);
    uint64_t errors = 0, warnings = 0;
    int io_failed = 0, interrupted = 0;
    for (size_t k = 0; per && errs && k < nfiles && !interrupted; k++) {
        st.printed = 0;
        conv_error_clear(&errs[k]);
        if (conv_checker_check_file(chk, files[k], opts, &errs[k]) != CONV_OK) {
            tool_progress_end(&progress);
            tool_print_error(prog, &errs[k]);
            int code = tool_exit_code(&errs[k]);
            if (code == TOOL_EXIT_INTERRUPTED)
                interrupted = 1;
            else
                io_failed = code;
        } else {
            per[k] = *conv_checker_counts(chk);
        }
        tool_progress_end(&progress);
        errors += per[k].errors;
        warnings += per[k].warnings;
        if (st.max > 0 && st.printed >= st.max && !json &&
            per[k].errors + per[k].warnings > (uint64_t)st.max)
            printf("%s: ... %llu findings in all\n", files[k],
                   (unsigned long long)(per[k].errors + per[k].warnings));
    }
    if (!per || !errs) {
        fprintf(stderr, "%s: out of memory\n", prog);
        io_failed = TOOL_EXIT_IO;
    }
    FILE *outs[2] = {json ? stdout : NULL, st.report};
    for (int o = 0; o < 2; o++) {
        FILE *f = outs[o];
        if (!f)
            continue;
        tool_check_report_files(f, (const char *const *)files, per && errs ? nfiles : 0, per,
                                errs);
        fputs("\n}\n", f);
    }
    if (!json && !report_path && nfiles > 1)
        fprintf(stderr, "%s: %zu files, %llu errors, %llu warnings\n", prog, nfiles,
                (unsigned long long)errors, (unsigned long long)warnings);
    if (rep && tool_output_close(rep, !interrupted, &err) != 0) {
        fprintf(stderr, "%s: %s: cannot write the report: %s\n", prog, report_path,
                err.message);
        io_failed = TOOL_EXIT_IO;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: write error on standard output\n", prog);
        io_failed = TOOL_EXIT_IO;
    }
    conv_checker_free(chk);
    free(per);
    free(errs);
    if (interrupted)
        status = TOOL_EXIT_INTERRUPTED;
    else if (io_failed)
        status = io_failed;
    else if (errors || (strict && warnings))
        status = TOOL_EXIT_DATA;
out:
    conv_options_free(opts);
    conv_options_free(copts);
    conv_context_free(ctx);
    free(files);
    return status;
}
