/*
 * The readers' fuzz targets' common part (fuzz_common.h): option tables,
 * checked reading from memory and trickled, the round trip, stored zips.
 */
#include "fuzz_common.h"

#include <stdio.h>

#include "sources.h"

/* ---- options ------------------------------------------------------------------------------ */

struct conv_options *fuzz_options(struct conv_context *ctx, const struct fuzz_option *table,
                                  uint32_t picked)
{
    struct conv_options *o = ctx ? conv_options_new(ctx) : NULL;
    if (!o)
        abort();
    for (const struct fuzz_option *r = table; r->name; r++)
        if ((picked & r->mask) == r->bits && conv_options_set(o, r->name, r->value) != CONV_OK)
            abort();
    return o;
}

/* ---- reading ------------------------------------------------------------------------------ */

static uint32_t digest(uint32_t h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const uint8_t *)p)[i]) * 16777619u;
    return h;
}

long fuzz_read(struct conv_context *ctx, const void *doc, size_t n, const struct conv_options *opts,
               size_t trickle, struct conv_writer *w, char *out, size_t out_size)
{
    struct conv_error err;
    conv_error_clear(&err);
    struct tu_trickle t = {.data = doc, .len = n, .seed = (uint32_t)n, .max = trickle};
    struct conv_reader *rd =
        trickle ? conv_reader_open_callback(ctx, tu_trickle_read, &t, "fuzz", opts, &err)
                : conv_reader_open_memory(ctx, doc, n, "fuzz", opts, &err);
    if (!rd) {
        if (err.code == CONV_E_NONE)
            abort(); /* a failure always says why */
        conv_error_format(&err, out, out_size);
        return -1;
    }
    const struct conv_record *rec;
    uint32_t h = 2166136261u;
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
            h = digest(h, name, strlen(name) + 1);
            h = digest(h, v->text, v->len + 1);
            h = (h ^ (uint32_t)v->type) * 16777619u;
        }
        if (w && conv_writer_put(w, rec) != CONV_OK)
            abort(); /* anything read must be writable */
    }
    if (rc == CONV_ERR) {
        const struct conv_error *e = conv_reader_error(rd);
        if (e->code == CONV_E_NONE || !e->message[0])
            abort(); /* a failure always says why */
        conv_error_format(e, out, out_size);
    } else {
        snprintf(out, out_size, "%ld records, digest %08x", count, (unsigned)h);
    }
    /* A failed reader stays failed, an ended one ended. */
    if (conv_reader_next(rd, &rec) != rc)
        abort();
    conv_reader_close(rd);
    return rc == CONV_EOF ? count : -1;
}

long fuzz_read_both(struct conv_context *ctx, const void *doc, size_t n,
                    const struct conv_options *opts, size_t trickle)
{
    char a[600] = "", b[600] = "";
    long na = fuzz_read(ctx, doc, n, opts, 0, NULL, a, sizeof a);
    long nb = fuzz_read(ctx, doc, n, opts, trickle, NULL, b, sizeof b);
    if (na != nb || strcmp(a, b) != 0)
        abort(); /* memory and streamed (spooled) input must agree */
    return na;
}

/* Write what doc reads as into a new memory writer; NULL when unreadable
 * (*count -1 and the error in msg). */
static struct conv_writer *rewrite(struct conv_context *ctx, const void *doc, size_t n,
                                   const struct conv_options *ropts,
                                   const struct conv_options *wopts, size_t trickle, long *count,
                                   char *msg, size_t msg_size)
{
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, wopts, &err);
    if (!w)
        abort();
    *count = fuzz_read(ctx, doc, n, ropts, trickle, w, msg, msg_size);
    if (*count < 0) {
        conv_writer_close(w);
        return NULL;
    }
    if (conv_writer_finish(w) != CONV_OK)
        abort();
    return w;
}

/* The round trip (fuzz_round_trip) with the options made. */
static int round_trip(struct conv_context *ctx, const void *doc, size_t n,
                      const struct conv_options *ropts, const struct conv_options *back,
                      const struct conv_options *wopts, size_t trickle)
{
    char msg1[600] = "", msg2[600] = "";
    long n1, n2, nt;
    size_t len1 = 0, len2 = 0, lent = 0;
    struct conv_writer *w1 = rewrite(ctx, doc, n, ropts, wopts, 0, &n1, msg1, sizeof msg1);
    const void *out1 = w1 ? conv_writer_memory(w1, &len1) : NULL;
    if (trickle) {
        /* Chunking changes nothing: same records and bytes, or same error. */
        struct conv_writer *wt =
            rewrite(ctx, doc, n, ropts, wopts, trickle, &nt, msg2, sizeof msg2);
        if ((w1 == NULL) != (wt == NULL) || n1 != nt || strcmp(msg1, msg2) != 0)
            abort();
        if (wt) {
            const void *outt = conv_writer_memory(wt, &lent);
            if (len1 != lent || memcmp(out1, outt, len1) != 0)
                abort();
            conv_writer_close(wt);
        }
    }
    if (!w1)
        return 0;

    /* The output reads back to as many records, writing it again gives the
     * same bytes, and those read as many records again. */
    struct conv_writer *w2 = rewrite(ctx, out1, len1, back, wopts, 0, &n2, msg2, sizeof msg2);
    if (!w2 || n2 != n1)
        abort();
    const void *out2 = conv_writer_memory(w2, &len2);
    if (len2 != len1 || memcmp(out1, out2, len1) != 0)
        abort();
    if (fuzz_read(ctx, out2, len2, back, 0, NULL, msg2, sizeof msg2) != n1)
        abort();
    conv_writer_close(w2);
    conv_writer_close(w1);
    return 1;
}

int fuzz_round_trip(const uint8_t *data, size_t size, uint32_t picked,
                    const struct fuzz_option *read, const struct fuzz_option *back,
                    const struct fuzz_option *write, size_t trickle)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *ropts = fuzz_options(ctx, read, picked);
    struct conv_options *bopts = fuzz_options(ctx, back, picked);
    struct conv_options *wopts = fuzz_options(ctx, write, picked);
    int clean = round_trip(ctx, data, size, ropts, bopts, wopts, trickle);
    conv_options_free(ropts);
    conv_options_free(bopts);
    conv_options_free(wopts);
    conv_context_free(ctx);
    return clean;
}

/* ---- containers --------------------------------------------------------------------------- */

uint8_t *fuzz_buf_grow(struct fuzz_buf *b, size_t n)
{
    if (!n)
        return b->p ? b->p + b->n : NULL;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    uint8_t *at = b->p + b->n;
    memset(at, 0, n);
    b->n += n;
    return at;
}

void fuzz_buf_put(struct fuzz_buf *b, const void *s, size_t n)
{
    uint8_t *at = fuzz_buf_grow(b, n);
    if (n)
        memcpy(at, s, n);
}

static void put16(struct fuzz_buf *b, uint32_t v)
{
    uint8_t s[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    fuzz_buf_put(b, s, 2);
}

static void put32(struct fuzz_buf *b, uint32_t v)
{
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

/* What a zip's local and central headers both say of an entry. */
static void put_entry(struct fuzz_buf *out, uint32_t crc, uint32_t len, const char *name)
{
    put16(out, 20); /* version needed */
    put16(out, 0);  /* flags */
    put16(out, 0);  /* stored */
    put32(out, 0);  /* time, date */
    put32(out, crc);
    put32(out, len); /* compressed */
    put32(out, len);
    put16(out, (uint32_t)strlen(name));
}

void fuzz_zip(struct fuzz_buf *out, const struct fuzz_zip_entry *e, size_t n)
{
    uint32_t offs[16], crcs[16];
    if (n > 16)
        abort();
    for (size_t i = 0; i < n; i++) {
        offs[i] = (uint32_t)out->n;
        crcs[i] = tu_crc32(e[i].data, e[i].len);
        put32(out, 0x04034b50u); /* local header */
        put_entry(out, crcs[i], (uint32_t)e[i].len, e[i].name);
        put16(out, 0); /* extra */
        fuzz_buf_put(out, e[i].name, strlen(e[i].name));
        fuzz_buf_put(out, e[i].data, e[i].len);
    }
    uint32_t cd = (uint32_t)out->n;
    for (size_t i = 0; i < n; i++) {
        put32(out, 0x02014b50u); /* central directory header */
        put16(out, 20);          /* version made by */
        put_entry(out, crcs[i], (uint32_t)e[i].len, e[i].name);
        put32(out, 0); /* extra, comment */
        put16(out, 0); /* disk */
        put16(out, 0); /* internal attributes */
        put32(out, 0); /* external attributes */
        put32(out, offs[i]);
        fuzz_buf_put(out, e[i].name, strlen(e[i].name));
    }
    uint32_t cd_len = (uint32_t)out->n - cd;
    put32(out, 0x06054b50u); /* end of central directory */
    put32(out, 0);           /* disks */
    put16(out, (uint32_t)n);
    put16(out, (uint32_t)n);
    put32(out, cd_len);
    put32(out, cd);
    put16(out, 0); /* comment */
}

/* ---- spreadsheets ------------------------------------------------------------------------ */

const struct fuzz_option fuzz_book_options[] = {
    {0, 0, "max-part-size", "16777216"},
    {0x2, 0x2, "duplicate-names", "rename"},
    {0x4, 0x4, "header-row", "2"},
    {0x8, 0x8, "raw-numbers", "1"},
    {0x30, 0x10, "layout", "table"},
    {0x30, 0x20, "layout", "cells"},
    {0x30, 0x30, "layout", "table"},
    {0x30, 0x30, "profile", "indicators"},
    {0, 0, NULL, NULL},
};

void fuzz_read_wrapped(const char *format, const uint8_t *data, size_t size,
                       const struct fuzz_option *table,
                       void (*wrap)(struct fuzz_buf *out, const uint8_t *p, size_t n),
                       size_t trickle)
{
    if (size < 1)
        return;
    uint8_t mode = data[0];
    struct fuzz_buf z = {NULL, 0, 0};
    const uint8_t *doc = data + 1;
    size_t n = size - 1;
    if (mode & 1) {
        wrap(&z, doc, n);
        if (!z.n) {
            free(z.p);
            return;
        }
        doc = z.p;
        n = z.n;
    }
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = fuzz_options(ctx, table, mode);
    if (conv_options_set(opts, "from", format) != CONV_OK)
        abort();
    fuzz_read_both(ctx, doc, n, opts, trickle);
    conv_options_free(opts);
    conv_context_free(ctx);
    free(z.p);
}
