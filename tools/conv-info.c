/*
 * conv-info: what a file is and holds (info_describe.c tells it), for
 * each file of the command line, as text or one JSON array.
 */
#include "info_describe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "conv-info";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: conv-info [OPTIONS] FILE...\n"
            "Describe files of records: format, encoding, delimiter, locale, sheets, fields\n"
            "with the types of their values, record count, and the first problems found.\n"
            "FILE '-' is standard input.\n"
            "\n"
            "Options:\n"
            "      --format text|json       output as text (default) or JSON\n"
            "      --max-problems N         problems listed per file (default 5; counts stay\n"
            "                               complete)\n"
            "      --check auto|yes|no      run the indicator checks: when the fields are\n"
            "                               indicator fields (auto, default), always, never\n"
            "  -q, --quiet                  no progress line\n"
            "      --progress               progress line even when stderr is not a terminal\n"
            "  -h, --help                   show this help and exit\n"
            "  -V, --version                show the version and exit\n");
    tool_print_format_options(f);
    fprintf(f,
            "\nExit status:\n"
            "  0  every file was read (problems or not)\n"
            "  1  a file could not be read to its end (bad data)\n"
            "  2  wrong usage\n"
            "  3  I/O or system error\n"
            "  130 interrupted\n"
            "\nExamples:\n"
            "  conv-info samples/indicators.csv\n"
            "  conv-info --format json --locale vi submission.csv\n");
}

static void print_failure(void *user, const struct conv_error *err)
{
    (void)user;
    tool_print_error(prog, err);
}

int main(int argc, char **argv)
{
    int progress_mode = 0, json = 0, check_mode = 0;
    long max_problems = 5;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = ctx ? conv_options_new(ctx) : NULL;
    if (!files || !opts) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return TOOL_EXIT_IO;
    }
    int status = TOOL_EXIT_OK, only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || !strcmp(a, "-")) {
            files[nfiles++] = argv[i];
        } else if (!strcmp(a, "--")) {
            only_args = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            goto out;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("conv-info (libconv) %s\n", conv_version());
            goto out;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            progress_mode = -1;
        } else if (!strcmp(a, "--progress")) {
            progress_mode = 1;
        } else if (!strcmp(a, "--format") || !strcmp(a, "--max-problems") ||
                   !strcmp(a, "--check")) {
            if (i + 1 >= argc) {
                status = tool_usage_error(prog, "option %s needs a value", a);
                goto out;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--format")) {
                if (strcmp(v, "text") && strcmp(v, "json")) {
                    status = tool_usage_error(prog, "--format: expected text or json, got '%s'", v);
                    goto out;
                }
                json = !strcmp(v, "json");
            } else if (!strcmp(a, "--check")) {
                if (!strcmp(v, "auto"))
                    check_mode = 0;
                else if (!strcmp(v, "yes"))
                    check_mode = 1;
                else if (!strcmp(v, "no"))
                    check_mode = -1;
                else {
                    status = tool_usage_error(prog, "--check: expected auto, yes or no, got '%s'",
                                              v);
                    goto out;
                }
            } else {
                char *end;
                errno = 0;
                max_problems = strtol(v, &end, 10);
                if (errno || end == v || *end || max_problems < 0 || max_problems > 100000) {
                    status = tool_usage_error(prog, "--max-problems: expected a count, got '%s'", v);
                    goto out;
                }
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
    if (nfiles == 0) {
        status = tool_usage_error(prog, "no input file ('-' for standard input)");
        goto out;
    }
    struct tool_progress progress;
    tool_progress_init(&progress, prog, progress_mode);
    conv_options_set_progress(opts, tool_progress_cb, &progress);
    conv_options_set_diag(opts, tool_diag_cb, &progress);
    tool_catch_signals();
    if (json)
        printf("[\n");
    int printed = 0;
    struct info_io io = {check_mode, max_problems, json, stdout, print_failure, NULL};
    for (size_t k = 0; k < nfiles; k++) {
        if (!json && printed)
            printf("\n");
        int s = info_describe(ctx, files[k], opts, &io, &printed);
        tool_progress_end(&progress);
        if (s > status)
            status = s;
        if (s == TOOL_EXIT_INTERRUPTED)
            break;
    }
    if (json)
        printf("\n]\n");
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: write error on standard output\n", prog);
        status = TOOL_EXIT_IO;
    }
out:
    conv_options_free(opts);
    conv_context_free(ctx);
    free(files);
    return status;
}
