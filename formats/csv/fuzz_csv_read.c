/*
 * libFuzzer target for the CSV reader: read the bytes to the end or the
 * first error; when they read cleanly, write the records as CSV, read that
 * back and check nothing was lost (as many records, and writing the second
 * reading gives the same bytes again).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read doc as CSV; with w, write every record to it.  Returns the record
 * count, or -1 when reading failed. */
static long read_all(struct conv_context *ctx, const void *doc, size_t n,
                     const struct conv_options *opts, struct conv_writer *w)
{
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, n, "fuzz", opts, &err);
    if (!rd)
        return -1;
    const struct conv_record *rec;
    long count = 0;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
        count++;
        /* Touch every value so sanitizers see bad text pointers. */
        for (size_t i = 0; i < conv_record_count(rec); i++) {
            const struct conv_value *v = conv_record_value(rec, i);
            if (!v || strlen(v->text) != v->len || !conv_record_name(rec, i))
                abort();
        }
        if (w && conv_writer_put(w, rec) != CONV_OK)
            abort(); /* anything read must be writable */
    }
    conv_reader_close(rd);
    return rc == CONV_EOF ? count : -1;
}

/* Write what doc reads as into a new memory writer; NULL when unreadable. */
static struct conv_writer *rewrite(struct conv_context *ctx, const void *doc, size_t n,
                                   const struct conv_options *ropts,
                                   const struct conv_options *wopts, long *count)
{
    struct conv_error err;
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, wopts, &err);
    if (!w)
        abort();
    *count = read_all(ctx, doc, n, ropts, w);
    if (*count < 0) {
        conv_writer_close(w);
        return NULL;
    }
    if (conv_writer_finish(w) != CONV_OK)
        abort();
    return w;
}

/* Options come from a hash of the input's first bytes, so seed files stay
 * plain CSV and half of the runs use the defaults. */
static uint32_t pick_options(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size && i < 64; i++)
        h = (h ^ data[i]) * 16777619u;
    return h >> 31 ? 0 : h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const delims[] = {NULL, ",", ";", "tab"};
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *ropts = conv_options_new(ctx);
    struct conv_options *back = conv_options_new(ctx);
    struct conv_options *wopts = conv_options_new(ctx);
    if (!ctx || !ropts || !back || !wopts)
        abort();
    uint32_t h = pick_options(data, size);
    conv_options_set(ropts, "from", "csv");
    if (h & 1)
        conv_options_set(ropts, "no-header", "1");
    if (h & 2)
        conv_options_set(ropts, "ragged", "pad");
    if (h & 4)
        conv_options_set(ropts, "duplicate-names", "rename");
    if (delims[(h >> 3) & 3])
        conv_options_set(ropts, "delimiter", delims[(h >> 3) & 3]);
    if (h & 0x100) {
        conv_options_set(ropts, "infer-rows", "0");
        conv_options_set(back, "infer-rows", "0");
    }
    /* The notation (auto, vi, c), a header row, a legacy encoding.  What
     * was read is written in canonical text, which C notation reads back
     * as written (auto could find a canonical 1.250 ambiguous). */
    static const char *const locales[] = {NULL, "vi", "c", NULL};
    if (locales[(h >> 9) & 3])
        conv_options_set(ropts, "locale", locales[(h >> 9) & 3]);
    conv_options_set(back, "locale", "c");
    if ((h & 0x800) && !(h & 1))
        conv_options_set(ropts, "header-row", "2");
    if (h & 0x1000)
        conv_options_set(ropts, "encoding", "cp1258");
    /* Read the written text back with the delimiter it was written with
     * (a guess could pick another); the written file has a header, unique
     * names and full rows, so no other reading option is needed. */
    conv_options_set(wopts, "to", "csv");
    conv_options_set(back, "from", "csv");
    conv_options_set(back, "delimiter", h & 0x40 ? ";" : ",");
    if (h & 0x40)
        conv_options_set(wopts, "out-delimiter", ";");
    if (h & 0x20)
        conv_options_set(wopts, "eol", "lf");
    if (h & 0x80)
        conv_options_set(wopts, "excel-safe", "1");

    long n1, n2, n3;
    struct conv_writer *w1 = rewrite(ctx, data, size, ropts, wopts, &n1);
    if (w1) {
        size_t len1, len2;
        const void *out1 = conv_writer_memory(w1, &len1);
        struct conv_writer *w2 = rewrite(ctx, out1, len1, back, wopts, &n2);
        if (!w2 || n2 != n1)
            abort();
        const void *out2 = conv_writer_memory(w2, &len2);
        if (len2 != len1 || memcmp(out1, out2, len1) != 0)
            abort();
        n3 = read_all(ctx, out2, len2, back, NULL);
        if (n3 != n1)
            abort();
        conv_writer_close(w2);
        conv_writer_close(w1);
    }
    conv_options_free(ropts);
    conv_options_free(back);
    conv_options_free(wopts);
    conv_context_free(ctx);
    return 0;
}

