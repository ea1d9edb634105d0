/*
 * Convert one file to another with libconv's one-call API; the formats
 * come from the extensions.
 *   example-convert IN OUT [SCHEMA]
 */
#include <conv/conv.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s IN OUT [SCHEMA]\n", argv[0]);
        return 2;
    }
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = conv_options_new(ctx);
    if (!ctx || !opts || (argc == 4 && conv_options_set(opts, "schema", argv[3]) != CONV_OK))
        return 3;

    struct conv_stats stats;
    struct conv_error err;
    int rc = conv_convert(ctx, argv[1], argv[2], opts, &stats, &err);
    if (rc == CONV_OK) {
        printf("%llu records, %s -> %s\n", (unsigned long long)stats.records,
               stats.input_format, stats.output_format);
    } else {
        char msg[600];
        conv_error_format(&err, msg, sizeof msg); /* "in.csv:7:12: message" */
        fprintf(stderr, "%s: %s\n", argv[0], msg);
    }
    conv_options_free(opts);
    conv_context_free(ctx);
    return rc == CONV_OK ? 0 : 1;
}
