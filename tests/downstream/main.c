/*
 * A downstream program: converts a file with libconv's one-call API, then
 * reads the output back and prints the first record's "value" field, so
 * the test sees that the installed header, library and package all work.
 *   downstream IN OUT [SCHEMA]
 */
#include <conv/conv.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: downstream IN OUT [SCHEMA]\n");
        return 2;
    }
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = conv_options_new(ctx);
    if (!ctx || !opts)
        return 3;
    if (argc > 3)
        conv_options_set(opts, "schema", argv[3]);
    struct conv_error err;
    struct conv_stats stats;
    int rc = 1;
    char msg[512];
    if (conv_convert(ctx, argv[1], argv[2], opts, &stats, &err) != CONV_OK) {
        conv_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "downstream: %s\n", msg);
        goto out;
    }
    printf("libconv %s: %llu records %s -> %s\n", conv_version(),
           (unsigned long long)stats.records, stats.input_format, stats.output_format);

    struct conv_reader *rd = conv_reader_open_file(ctx, argv[2], NULL, &err);
    if (!rd) {
        conv_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "downstream: %s\n", msg);
        goto out;
    }
    const struct conv_record *rec;
    if (conv_reader_next(rd, &rec) == CONV_OK) {
        const struct conv_value *v = conv_record_get(rec, "change_pct");
        if (v)
            printf("first change_pct: %s (%s)\n", v->text, conv_type_name(v->type));
        rc = 0;
    }
    conv_reader_close(rd);
out:
    conv_options_free(opts);
    conv_context_free(ctx);
    return rc;
}
