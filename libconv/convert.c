/*
 * One-call conversion.  Records stream from reader to writer; when the
 * writer needs every field up front (CSV) but the input can bring new
 * fields at any record (JSON), the records go to an unnamed temporary
 * file first and are replayed under the union of fields, in first-seen
 * order, so memory stays bounded whatever the input size.
 */
#include "conv_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define SPOOL_BUF ((size_t)1 << 20)

struct spool {
    struct conv_context *ctx;
    int fd;
    struct convp_buf buf; /* write buffer, then read buffer */
    size_t pos;           /* read position in buf */
    uint64_t file_len;    /* bytes in the file */
    uint64_t written;     /* records spooled */
    uint64_t replayed;    /* records read back */
};

static int spool_open(struct spool *sp, struct conv_context *ctx, struct conv_error *err)
{
    memset(sp, 0, sizeof *sp);
    sp->ctx = ctx;
    convp_buf_init(&sp->buf, ctx);
    sp->fd = convp_temp_fd(err);
    if (sp->fd < 0)
        return CONV_ERR;
    return CONV_OK;
}

static int spool_flush(struct spool *sp, struct conv_error *err)
{
    if (convp_pwrite_all(sp->fd, sp->buf.data, sp->buf.len, sp->file_len, err) != CONV_OK)
        return CONV_ERR;
    sp->file_len += sp->buf.len;
    sp->buf.len = 0;
    return CONV_OK;
}

static int put_bytes(struct spool *sp, const void *p, size_t n)
{
    return convp_buf_append(&sp->buf, p, n);
}

static int spool_put(struct spool *sp, const struct conv_record *rec, struct conv_error *err)
{
    uint32_t n = (uint32_t)rec->n;
    int bad = put_bytes(sp, &rec->index, 8) | put_bytes(sp, &rec->line, 8) |
              put_bytes(sp, &n, 4);
    for (size_t i = 0; i < rec->n && !bad; i++) {
        const struct convp_slot *s = &rec->slots[i];
        uint8_t type = (uint8_t)s->value.type;
        uint64_t len = s->value.len;
        bad = put_bytes(sp, &s->field, 4) | put_bytes(sp, &s->column, 4) |
              put_bytes(sp, &s->line, 8) | put_bytes(sp, &type, 1) | put_bytes(sp, &len, 8) |
              put_bytes(sp, s->value.text, s->value.len);
    }
    if (bad) {
        convp_error_set(err, CONV_E_NOMEM, "temporary file", 0, 0, "out of memory");
        return CONV_ERR;
    }
    sp->written++;
    return sp->buf.len >= SPOOL_BUF ? spool_flush(sp, err) : CONV_OK;
}

/* Make sure n bytes are readable at sp->pos; 0, or -1 on a short file. */
static int need(struct spool *sp, size_t n, struct conv_error *err)
{
    if (sp->buf.len - sp->pos >= n)
        return 0;
    memmove(sp->buf.data, sp->buf.data + sp->pos, sp->buf.len - sp->pos);
    sp->buf.len -= sp->pos;
    sp->pos = 0;
    size_t want = n > SPOOL_BUF ? n : SPOOL_BUF;
    if (sp->buf.cap < want + 1 && convp_buf_grow(&sp->buf, want + 1 - sp->buf.len) != 0) {
        convp_error_set(err, CONV_E_NOMEM, "temporary file", 0, 0, "out of memory");
        return -1;
    }
    while (sp->buf.len < n) {
        ssize_t r = read(sp->fd, sp->buf.data + sp->buf.len, sp->buf.cap - 1 - sp->buf.len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            convp_error_set(err, CONV_E_IO, "temporary file", 0, 0, "short read");
            return -1;
        }
        sp->buf.len += (size_t)r;
    }
    return 0;
}

static void take(struct spool *sp, void *dst, size_t n)
{
    memcpy(dst, sp->buf.data + sp->pos, n);
    sp->pos += n;
}

/* Next spooled record into rec: CONV_OK, CONV_EOF or CONV_ERR. */
static int spool_get(struct spool *sp, struct conv_record *rec, struct conv_error *err)
{
    /* The end is the count spooled, never a failed read. */
    if (sp->replayed == sp->written)
        return CONV_EOF;
    sp->replayed++;
    uint32_t n;
    if (need(sp, 20, err) != 0)
        return CONV_ERR;
    take(sp, &rec->index, 8);
    take(sp, &rec->line, 8);
    take(sp, &n, 4);
    convp_record_clear(rec);
    for (uint32_t i = 0; i < n; i++) {
        struct convp_slot *s = convp_record_push(rec);
        uint8_t type;
        uint64_t len;
        if (!s || need(sp, 25, err) != 0)
            goto fail;
        take(sp, &s->field, 4);
        take(sp, &s->column, 4);
        take(sp, &s->line, 8);
        take(sp, &type, 1);
        take(sp, &len, 8);
        if (need(sp, len, err) != 0)
            goto fail;
        char *text = convp_arena_strndup(&rec->arena, sp->buf.data + sp->pos, len);
        if (!text)
            goto fail;
        sp->pos += len;
        s->value.type = (enum conv_type)type;
        s->value.flags = 0;
        s->value.len = len;
        s->value.text = text;
    }
    return CONV_OK;
fail:
    convp_error_set(err, CONV_E_NOMEM, "temporary file", 0, 0, "out of memory");
    return CONV_ERR;
}

static void spool_close(struct spool *sp)
{
    if (sp->fd >= 0)
        close(sp->fd);
    convp_buf_free(&sp->buf);
}

/* Ask the progress callback whether to go on; 0 or -1 (canceled). */
static int keep_going(const struct conv_options *opts, const struct conv_reader *rd,
                      uint64_t records, struct conv_error *err)
{
    if (opts && opts->progress &&
        opts->progress(opts->progress_user, convp_input_done(rd->in), convp_input_total(rd->in),
                       records) != 0) {
        convp_error_set(err, CONV_E_CANCELED, rd->source, 0, 0, "canceled");
        return -1;
    }
    return 0;
}

static int fail_with(struct conv_error *err, const struct conv_error *src)
{
    if (err && err->code == CONV_E_NONE)
        *err = *src;
    return CONV_ERR;
}

int conv_convert(struct conv_context *ctx, const char *in, const char *out,
                 const struct conv_options *opts, struct conv_stats *stats,
                 struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    if (stats)
        memset(stats, 0, sizeof *stats);
    const struct conv_format *wfmt = convp_writer_format(out, opts, err);
    if (!wfmt)
        return CONV_ERR;
    if (stats)
        stats->output_format = wfmt->name;
    struct conv_reader *rd = conv_reader_open_file(ctx, in, opts, err);
    if (!rd)
        return CONV_ERR;
    if (stats)
        stats->input_format = rd->fmt->name;
    struct conv_writer *w = NULL;
    struct spool sp = {.fd = -1};
    int rc = CONV_ERR;
    const struct conv_record *rec;
    int spooling = !rd->declared && !rd->fields_fixed && (wfmt->flags & CONV_FORMAT_NEEDS_HEADER);

    if (spooling) {
        if (spool_open(&sp, ctx, err) != CONV_OK)
            goto done;
        int r;
        while ((r = conv_reader_next(rd, &rec)) == CONV_OK)
            if (spool_put(&sp, rec, err) != CONV_OK)
                goto done;
        if (r == CONV_ERR) {
            fail_with(err, conv_reader_error(rd));
            goto done;
        }
        if (spool_flush(&sp, err) != CONV_OK)
            goto done;
        if (lseek(sp.fd, 0, SEEK_SET) != 0) {
            convp_error_set(err, CONV_E_IO, "temporary file", 0, 0, "cannot rewind");
            goto done;
        }
        sp.buf.len = sp.pos = 0;
        w = conv_writer_open_file(ctx, out, rd->fields, opts, err);
        if (!w)
            goto done;
        struct conv_record replay;
        convp_record_init(&replay, ctx, rd->fields);
        replay.source = rd->source;
        uint64_t replayed = 0;
        while ((r = spool_get(&sp, &replay, err)) == CONV_OK) {
            if (conv_writer_put(w, &replay) != CONV_OK)
                break;
            if (++replayed % 16384 == 0 && keep_going(opts, rd, rd->count, err) != 0) {
                r = CONV_ERR;
                break;
            }
        }
        convp_record_fini(&replay);
        if (r == CONV_ERR)
            goto done;
        if (r == CONV_OK) {
            fail_with(err, conv_writer_error(w));
            goto done;
        }
    } else {
        const struct conv_schema *header =
            rd->declared || rd->fields_fixed ? conv_reader_schema(rd) : NULL;
        w = conv_writer_open_file(ctx, out, header, opts, err);
        if (!w)
            goto done;
        int r;
        while ((r = conv_reader_next(rd, &rec)) == CONV_OK)
            if (conv_writer_put(w, rec) != CONV_OK) {
                fail_with(err, conv_writer_error(w));
                goto done;
            }
        if (r == CONV_ERR) {
            fail_with(err, conv_reader_error(rd));
            goto done;
        }
    }
    /* A signal that came late must still keep the output out of place. */
    if (keep_going(opts, rd, rd->count, err) != 0)
        goto done;
    if (conv_writer_finish(w) != CONV_OK) {
        fail_with(err, conv_writer_error(w));
        goto done;
    }
    rc = CONV_OK;
done:
    if (stats) {
        stats->records = rd->count;
        stats->bytes_in = convp_input_done(rd->in);
    }
    conv_writer_close(w);
    spool_close(&sp);
    conv_reader_close(rd);
    return rc;
}
