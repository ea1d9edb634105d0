/*
 * Read records from a buffer in memory (text received over the network,
 * say) and write them as JSON Lines into memory too.  The format of the
 * buffer is found from its content; "from" would name it.
 *   example-read-memory
 */
#include <conv/conv.h>
#include <stdio.h>
#include <string.h>

static const char csv[] = "region_code,period,value,status\r\n"
                          "165,2021,552.6,official\r\n"
                          "165,2020,442.1,estimate\r\n";

int main(void)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *out_opts = conv_options_new(ctx);
    if (!ctx || !out_opts || conv_options_set(out_opts, "to", "jsonl") != CONV_OK)
        return 3;
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, csv, strlen(csv), "buffer", NULL, &err);
    struct conv_writer *w = rd ? conv_writer_open_memory(ctx, NULL, out_opts, &err) : NULL;
    int rc = (rd && w) ? CONV_OK : CONV_ERR;
    const struct conv_record *rec;
    while (rc == CONV_OK && (rc = conv_reader_next(rd, &rec)) == CONV_OK) {
        const struct conv_value *v = conv_record_get(rec, "value");
        printf("record %llu: value %s (%s)\n", (unsigned long long)conv_record_index(rec),
               v->text, conv_type_name(v->type));
        if (conv_writer_put(w, rec) != CONV_OK)
            rc = CONV_ERR;
    }
    if (rc == CONV_EOF)
        rc = conv_writer_finish(w);
    if (rc == CONV_OK) {
        size_t size;
        const char *bytes = conv_writer_memory(w, &size);
        printf("as JSON Lines:\n%.*s", (int)size, bytes);
    } else {
        char msg[600];
        const struct conv_error *e = !rd || !w ? &err
                                     : conv_reader_error(rd)->code ? conv_reader_error(rd)
                                                                   : conv_writer_error(w);
        conv_error_format(e, msg, sizeof msg);
        fprintf(stderr, "example-read-memory: %s\n", msg);
    }
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(out_opts);
    conv_context_free(ctx);
    return rc == CONV_OK ? 0 : 1;
}
