/*
 * libFuzzer target for the XML reader: read the bytes to the end or the
 * first error, from memory and again through a callback handing out 1..7
 * bytes at a time (both must agree: same records, same output bytes, same
 * error); when a reading is clean, write its records as JSON Lines, read
 * that back and check nothing was lost (same record count) and that the
 * output is canonical (writing it again gives the same bytes).
 *
 * An input whose first line is "#NAME" is read with --xml-record NAME (a
 * name or a path) and the rest is the document: the generic path with
 * every record rule.  Odd-sized inputs also try --reject-nested.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A source handing out the document in small pieces. */
struct trickle {
    const uint8_t *p;
    size_t n, pos;
    uint32_t seed;
};

static long trickle_read(void *user, void *buf, size_t size)
{
    struct trickle *t = user;
    t->seed = t->seed * 1103515245u + 12345u;
    size_t k = 1 + (t->seed >> 16) % 7;
    if (k > size)
        k = size;
    if (k > t->n - t->pos)
        k = t->n - t->pos;
    memcpy(buf, t->p + t->pos, k);
    t->pos += k;
    return (long)k;
}

/* Read doc (trickled or not); with w, write every record to it.  Returns
 * the record count, or -1 when reading failed, with the error in msg. */
static long read_all(struct conv_context *ctx, const void *doc, size_t n,
                     const struct conv_options *opts, struct conv_writer *w, int trickle, char *msg,
                     size_t msg_size)
{
    struct conv_error err;
    conv_error_clear(&err);
    struct trickle t = {doc, n, 0, (uint32_t)n};
    struct conv_reader *rd =
        trickle ? conv_reader_open_callback(ctx, trickle_read, &t, "fuzz", opts, &err)
                : conv_reader_open_memory(ctx, doc, n, "fuzz", opts, &err);
    if (!rd) {
        if (err.code == CONV_E_NONE)
            abort(); /* a failure always says why */
        conv_error_format(&err, msg, msg_size);
        return -1;
    }
    const struct conv_record *rec;
    long count = 0;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
        count++;
        /* Touch every value so sanitizers see bad text pointers. */
        for (size_t i = 0; i < conv_record_count(rec); i++) {
            const struct conv_value *v = conv_record_value(rec, i);
            const char *name = conv_record_name(rec, i);
            if (!v || !name || !name[0] || strlen(v->text) != v->len)
                abort();
            /* Every text is in the canonical form of its type (strings:
             * strict UTF-8), and so is every name. */
            if (!conv_text_is(v->type, v->text, v->len) ||
                !conv_text_is(CONV_STRING, name, strlen(name)))
                abort();
        }
        if (w && conv_writer_put(w, rec) != CONV_OK)
            abort(); /* anything read must be writable as JSON */
    }
    if (rc == CONV_ERR) {
        const struct conv_error *e = conv_reader_error(rd);
        if (e->code == CONV_E_NONE || !e->message[0])
            abort(); /* a failure always says why */
        conv_error_format(e, msg, msg_size);
        /* A failed reader stays failed. */
        if (conv_reader_next(rd, &rec) != CONV_ERR)
            abort();
    }
    conv_reader_close(rd);
    return rc == CONV_EOF ? count : -1;
}

/* Write what doc reads as into a new memory JSON Lines writer; NULL when
 * unreadable (*count -1 and the error in msg). */
static struct conv_writer *rewrite(struct conv_context *ctx, const void *doc, size_t n,
                                   const struct conv_options *ropts,
                                   const struct conv_options *wopts, int trickle, long *count,
                                   char *msg, size_t msg_size)
{
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, wopts, &err);
    if (!w)
        abort();
    *count = read_all(ctx, doc, n, ropts, w, trickle, msg, msg_size);
    if (*count < 0) {
        conv_writer_close(w);
        return NULL;
    }
    if (conv_writer_finish(w) != CONV_OK)
        abort();
    return w;
}

static void check(struct conv_context *ctx, const uint8_t *data, size_t size,
                  const struct conv_options *ropts, const struct conv_options *back,
                  const struct conv_options *wopts)
{
    char msg1[600] = "", msg2[600] = "";
    long n1, n2, nt;
    struct conv_writer *w1 = rewrite(ctx, data, size, ropts, wopts, 0, &n1, msg1, sizeof msg1);
    struct conv_writer *wt = rewrite(ctx, data, size, ropts, wopts, 1, &nt, msg2, sizeof msg2);

    /* Chunking changes nothing: same records and bytes, or same error. */
    if ((w1 == NULL) != (wt == NULL) || n1 != nt)
        abort();
    if (!w1) {
        if (strcmp(msg1, msg2) != 0)
            abort();
        return;
    }
    size_t len1, len2, lent;
    const void *out1 = conv_writer_memory(w1, &len1);
    const void *outt = conv_writer_memory(wt, &lent);
    if (len1 != lent || memcmp(out1, outt, len1) != 0)
        abort();
    conv_writer_close(wt);

    /* The JSON Lines output reads back to as many records, and writing it
     * again gives the same bytes. */
    struct conv_writer *w2 = rewrite(ctx, out1, len1, back, wopts, 0, &n2, msg2, sizeof msg2);
    if (!w2 || n2 != n1)
        abort();
    const void *out2 = conv_writer_memory(w2, &len2);
    if (len2 != len1 || memcmp(out1, out2, len1) != 0)
        abort();
    conv_writer_close(w2);
    conv_writer_close(w1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *xml = conv_options_new(ctx);
    struct conv_options *back = conv_options_new(ctx);
    struct conv_options *wopts = conv_options_new(ctx);
    if (!ctx || !xml || !back || !wopts)
        abort();
    conv_options_set(xml, "from", "xml");
    /* "#NAME\n" first: the record element, and the document after it. */
    if (size > 1 && data[0] == '#') {
        const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
        if (nl) {
            char name[200];
            size_t n = (size_t)(nl - data) - 1;
            memcpy(name, data + 1, n);
            name[n] = '\0';
            if (strlen(name) == n) /* no NUL inside */
                conv_options_set(xml, "xml-record", name);
            size -= (size_t)(nl - data) + 1;
            data = nl + 1;
        }
    }
    /* Half the inputs also try the refusal of nested values. */
    if (size & 1)
        conv_options_set(xml, "reject-nested", "1");
    conv_options_set(back, "from", "jsonl");
    conv_options_set(back, "reject-nested", "1"); /* the output is flat */
    conv_options_set(wopts, "to", "jsonl");

    check(ctx, data, size, xml, back, wopts);

    conv_options_free(xml);
    conv_options_free(back);
    conv_options_free(wopts);
    conv_context_free(ctx);
    return 0;
}
