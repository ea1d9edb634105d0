/*
 * conv: convert one file of records between formats.  A thin shell over
 * conv_convert(): arguments become options, errors become one line on
 * stderr and a documented exit code.
 */
#include "tool_common.h"

#include <stdlib.h>
#include <string.h>

static const char *prog = "conv";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: conv [OPTIONS] [INPUT] [-o OUTPUT]\n"
            "Convert statistical indicator records between formats, one record at a time.\n"
            "\n"
            "INPUT and OUTPUT default to '-' (standard input and output). Formats come from\n"
            "the --from/--to options, else the file extensions, else (input only) the\n"
            "content. A file output is written beside its target and renamed when\n"
            "complete: on failure nothing is left and an existing file is untouched.\n"
            "\n"
            "Options:\n"
            "  -o, --output FILE            write to FILE ('-' for standard output)\n"
            "  -f FORMAT                    same as --from FORMAT\n"
            "  -t FORMAT                    same as --to FORMAT\n"
            "  -q, --quiet                  no progress line\n"
            "      --progress               progress line even when stderr is not a terminal\n"
            "  -h, --help                   show this help and exit\n"
            "  -V, --version                show the version and exit\n");
    tool_print_format_options(f);
    tool_print_formats(f);
    fprintf(f,
            "\nExit status:\n"
            "  0  success\n"
            "  1  bad input data (the message names the file, line and column)\n"
            "  2  wrong usage\n"
            "  3  I/O or system error\n"
            "  130 interrupted\n"
            "\nExamples:\n"
            "  conv samples/indicators.csv -o out.json\n"
            "  conv --from csv --to jsonl < in.csv > out.jsonl\n"
            "  conv --schema samples/indicators.schema.json data.json -o data.csv\n");
}

int main(int argc, char **argv)
{
    const char *input = NULL, *output = "-";
    int progress_mode = 0;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = ctx ? conv_options_new(ctx) : NULL;
    if (!opts) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return TOOL_EXIT_IO;
    }
    int status = TOOL_EXIT_OK;
    int only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || !strcmp(a, "-")) {
            if (input) {
                status = tool_usage_error(prog, "more than one input: '%s' and '%s'", input, a);
                goto out;
            }
            input = a;
        } else if (!strcmp(a, "--")) {
            only_args = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            goto out;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("conv (libconv) %s\n", conv_version());
            goto out;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            progress_mode = -1;
        } else if (!strcmp(a, "--progress")) {
            progress_mode = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "-f") ||
                   !strcmp(a, "-t")) {
            if (i + 1 >= argc) {
                status = tool_usage_error(prog, "option %s needs a value", a);
                goto out;
            }
            const char *v = argv[++i];
            if (a[1] == 'f')
                conv_options_set(opts, "from", v);
            else if (a[1] == 't')
                conv_options_set(opts, "to", v);
            else
                output = v;
        } else if (!strncmp(a, "--output=", 9)) {
            output = a + 9;
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
    if (!input)
        input = "-";

    struct tool_progress progress;
    tool_progress_init(&progress, prog, progress_mode);
    conv_options_set_progress(opts, tool_progress_cb, &progress);
    conv_options_set_diag(opts, tool_diag_cb, &progress);
    tool_catch_signals();

    struct conv_error err;
    conv_error_clear(&err);
    struct conv_stats stats;
    int rc = conv_convert(ctx, input, output, opts, &stats, &err);
    tool_progress_end(&progress);
    if (rc != CONV_OK) {
        tool_print_error(prog, &err);
        status = tool_exit_code(&err);
    }
out:
    conv_options_free(opts);
    conv_context_free(ctx);
    return status;
}
