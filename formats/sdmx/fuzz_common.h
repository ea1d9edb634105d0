/*
 * The body of the three SDMX fuzz targets (fuzz_sdmx_read.c,
 * fuzz_sdmxcsv_read.c, fuzz_sdmxjson_read.c), public API only: read the
 * bytes as one SDMX format to the end or the first error, touching every
 * value; when they read cleanly, write the records as SDMX-CSV and read
 * that back: as many records.
 */
#ifndef CONV_SDMX_FUZZ_COMMON_H
#define CONV_SDMX_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Records of doc read as format from, each written to w when given (*all
 * set when every one was taken); -1 when the reading fails.  vary: the
 * options come from the input (--strict, the indicator mapping). */
static long fuzz_sdmx_read(struct conv_context *ctx, const void *doc, size_t n, const char *from,
                           int vary, struct conv_writer *w, int *all)
{
    struct conv_options *o = conv_options_new(ctx);
    if (!o || conv_options_set(o, "from", from) != CONV_OK)
        abort();
    if (vary && n && ((const unsigned char *)doc)[n - 1] % 3 == 0 &&
        (conv_options_set(o, "strict", "1") != CONV_OK ||
         conv_options_set(o, "sdmx-profile", "indicators") != CONV_OK))
        abort();
    struct conv_error err;
    long count = -1;
    if (all)
        *all = w != NULL;
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, n, "fuzz", o, &err);
    if (rd) {
        const struct conv_record *rec;
        int rc;
        count = 0;
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
            count++;
            for (size_t i = 0; i < conv_record_count(rec); i++) {
                const struct conv_value *v = conv_record_value(rec, i);
                if (!v || strlen(v->text) != v->len || !conv_record_name(rec, i))
                    abort();
            }
            /* A record SDMX-CSV refuses (a field after the header, a
             * Vietnamese number): no rewrite. */
            if (w && all && *all && conv_writer_put(w, rec) != CONV_OK)
                *all = 0;
        }
        for (size_t i = 0; conv_reader_info_key(rd, i); i++)
            if (!conv_reader_info(rd, conv_reader_info_key(rd, i)))
                abort();
        if (rc != CONV_EOF)
            count = -1;
        conv_reader_close(rd);
    }
    conv_options_free(o);
    return count;
}

static int fuzz_sdmx(const uint8_t *data, size_t size, const char *from)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *wo = conv_options_new(ctx);
    if (!ctx || !wo || conv_options_set(wo, "to", "sdmx-csv") != CONV_OK ||
        conv_options_set(wo, "sdmx-dataflow", "FUZZ:DF(1.0)") != CONV_OK)
        abort();
    struct conv_error err;
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, wo, &err);
    if (!w)
        abort();
    int all = 0;
    long n = fuzz_sdmx_read(ctx, data, size, from, 1, w, &all);
    if (n >= 0 && all && conv_writer_finish(w) == CONV_OK) {
        size_t len;
        const void *out = conv_writer_memory(w, &len);
        long back = fuzz_sdmx_read(ctx, out, len, "sdmx-csv", 0, NULL, NULL);
        if (back != n)
            abort(); /* what SDMX-CSV wrote reads back as many records */
    }
    conv_writer_close(w);
    conv_options_free(wo);
    conv_context_free(ctx);
    return 0;
}

#endif /* CONV_SDMX_FUZZ_COMMON_H */
