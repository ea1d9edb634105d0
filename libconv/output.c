/*
 * Safe, buffered output for writers.  A regular file is written under a
 * temporary name in the target's directory and renamed over the target
 * only on commit, so a failure never leaves a half-written file and never
 * touches an existing one.  Standard output, devices and FIFOs are written
 * directly; memory and callback sinks serve the library API.
 */
#include "conv_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUF 262144

enum { OUT_FILE, OUT_MEMORY, OUT_CALLBACK };

static struct convp_output *output_new(struct conv_context *ctx, int kind, const char *path,
                                       struct conv_error *err)
{
    struct convp_output *out = convp_calloc(ctx, 1, sizeof *out);
    if (!out)
        goto nomem;
    out->ctx = ctx;
    out->kind = kind;
    out->fd = -1;
    convp_buf_init(&out->mem, ctx);
    out->path = convp_strdup(ctx, path);
    out->cap = OUT_BUF;
    out->buf = convp_malloc(ctx, out->cap);
    if (!out->path || !out->buf)
        goto nomem;
    return out;
nomem:
    convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
    convp_output_close(out);
    return NULL;
}

/* dir/.name.XXXXXXXX.tmp beside the target, created exclusively. */
static int open_temp(struct convp_output *out, struct conv_error *err)
{
    const char *slash = strrchr(out->path, '/');
    size_t dirlen = slash ? (size_t)(slash - out->path) + 1 : 0;
    const char *base = slash ? slash + 1 : out->path;
    size_t size = strlen(out->path) + 32;
    out->tmp_path = convp_malloc(out->ctx, size);
    if (!out->tmp_path) {
        convp_error_set(err, CONV_E_NOMEM, out->path, 0, 0, "out of memory");
        return CONV_ERR;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char rnd[6];
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            for (size_t i = 0; i < sizeof rnd; i++)
                rnd[i] = (unsigned char)((uintptr_t)out ^ (unsigned)(attempt * 131 + i * 7));
        snprintf(out->tmp_path, size, "%.*s.%s.%02x%02x%02x%02x%02x%02x.tmp", (int)dirlen,
                 out->path, base, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
        out->fd = open(out->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (out->fd >= 0) {
            /* A replaced file keeps its permissions. */
            struct stat st;
            if (stat(out->path, &st) == 0 && S_ISREG(st.st_mode))
                (void)fchmod(out->fd, st.st_mode & 07777);
            return CONV_OK;
        }
        if (errno != EEXIST)
            break;
    }
    convp_error_set(err, CONV_E_IO, out->path, 0, 0, "cannot create output: %s",
                    strerror(errno));
    convp_free(out->ctx, out->tmp_path);
    out->tmp_path = NULL;
    return CONV_ERR;
}

struct convp_output *convp_output_open_file(struct conv_context *ctx, const char *path,
                                            struct conv_error *err)
{
    struct convp_output *out = output_new(ctx, OUT_FILE, path, err);
    if (!out)
        return NULL;
    struct stat st;
    if (strcmp(path, "-") != 0 && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* Replace the file a symbolic link points to, not the link. */
        char *real = realpath(path, NULL);
        if (real) {
            char *copy = convp_strdup(ctx, real);
            free(real);
            if (!copy) {
                convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
                convp_output_close(out);
                return NULL;
            }
            convp_free(ctx, out->path);
            out->path = copy;
        }
    }
    if (!strcmp(path, "-")) {
        out->fd = 1;
        out->direct = 1;
    } else if (stat(out->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            convp_error_set(err, CONV_E_IO, path, 0, 0, "is a directory");
            convp_output_close(out);
            return NULL;
        }
        /* A device or FIFO cannot be replaced by a rename. */
        out->fd = open(path, O_WRONLY | O_CLOEXEC);
        out->direct = 1;
        if (out->fd < 0) {
            convp_error_set(err, CONV_E_IO, path, 0, 0, "cannot open output: %s",
                            strerror(errno));
            convp_output_close(out);
            return NULL;
        }
    } else if (open_temp(out, err) != CONV_OK) {
        convp_output_close(out);
        return NULL;
    }
    return out;
}

struct convp_output *convp_output_open_memory(struct conv_context *ctx, struct conv_error *err)
{
    return output_new(ctx, OUT_MEMORY, "memory", err);
}

struct convp_output *convp_output_open_callback(struct conv_context *ctx, conv_write_fn fn,
                                                void *user, struct conv_error *err)
{
    struct convp_output *out = output_new(ctx, OUT_CALLBACK, "callback", err);
    if (out) {
        out->fn = fn;
        out->user = user;
    }
    return out;
}

static int flush(struct convp_output *out, struct conv_error *err)
{
    if (out->failed) {
        convp_error_set(err, CONV_E_IO, out->path, 0, 0, "output already failed");
        return CONV_ERR;
    }
    const char *p = out->buf;
    size_t n = out->len;
    out->len = 0;
    switch (out->kind) {
    case OUT_MEMORY:
        if (convp_buf_append(&out->mem, p, n) != 0) {
            out->failed = 1;
            convp_error_set(err, CONV_E_NOMEM, out->path, 0, 0, "out of memory");
            return CONV_ERR;
        }
        return CONV_OK;
    case OUT_CALLBACK:
        if (n && out->fn(out->user, p, n) != 0) {
            out->failed = 1;
            convp_error_set(err, CONV_E_IO, out->path, 0, 0, "write callback failed");
            return CONV_ERR;
        }
        return CONV_OK;
    default:
        while (n > 0) {
            ssize_t w = write(out->fd, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                out->failed = 1;
                convp_error_set(err, CONV_E_IO, out->path, 0, 0, "write error: %s",
                                w < 0 ? strerror(errno) : "no progress");
                return CONV_ERR;
            }
            p += w;
            n -= (size_t)w;
        }
        return CONV_OK;
    }
}

char *convp_output_reserve(struct convp_output *out, size_t n, struct conv_error *err)
{
    if (CONVP_LIKELY(out->cap - out->len >= n))
        return out->buf + out->len;
    if (flush(out, err) != CONV_OK)
        return NULL;
    if (n > out->cap) {
        char *p = convp_realloc(out->ctx, out->buf, n);
        if (!p) {
            convp_error_set(err, CONV_E_NOMEM, out->path, 0, 0, "out of memory");
            return NULL;
        }
        out->buf = p;
        out->cap = n;
    }
    return out->buf;
}

int convp_output_write(struct convp_output *out, const void *p, size_t n,
                       struct conv_error *err)
{
    if (n <= out->cap - out->len) {
        memcpy(out->buf + out->len, p, n);
        out->len += n;
        return CONV_OK;
    }
    if (flush(out, err) != CONV_OK)
        return CONV_ERR;
    if (n >= out->cap) {
        /* Large blocks bypass the buffer. */
        char *saved = out->buf;
        size_t saved_len = out->len;
        out->buf = (char *)p;
        out->len = n;
        int rc = flush(out, err);
        out->buf = saved;
        out->len = saved_len;
        return rc;
    }
    memcpy(out->buf, p, n);
    out->len = n;
    return CONV_OK;
}

int convp_output_commit(struct convp_output *out, struct conv_error *err)
{
    if (flush(out, err) != CONV_OK)
        return CONV_ERR;
    if (out->kind != OUT_FILE) {
        out->committed = 1;
        return CONV_OK;
    }
    if (out->direct) {
        out->committed = 1;
        return CONV_OK;
    }
    int fd = out->fd;
    out->fd = -1;
    if (close(fd) != 0) {
        out->failed = 1;
        convp_error_set(err, CONV_E_IO, out->path, 0, 0, "write error: %s", strerror(errno));
        return CONV_ERR;
    }
    if (rename(out->tmp_path, out->path) != 0) {
        out->failed = 1;
        convp_error_set(err, CONV_E_IO, out->path, 0, 0, "cannot rename output: %s",
                        strerror(errno));
        return CONV_ERR;
    }
    out->committed = 1;
    return CONV_OK;
}

const char *convp_output_file(const struct convp_output *out)
{
    return out->kind == OUT_FILE && !out->direct && !out->committed ? out->tmp_path : NULL;
}

const char *convp_output_name(const struct convp_output *out)
{
    return out->path;
}

const void *convp_output_memory(const struct convp_output *out, size_t *size)
{
    *size = out->mem.len;
    return out->mem.data ? out->mem.data : "";
}

void convp_output_close(struct convp_output *out)
{
    if (!out)
        return;
    if (out->kind == OUT_FILE && !out->direct) {
        if (out->fd >= 0)
            close(out->fd);
        if (!out->committed && out->tmp_path)
            unlink(out->tmp_path);
    } else if (out->kind == OUT_FILE && out->fd > 2) {
        close(out->fd);
    }
    convp_buf_free(&out->mem);
    convp_free(out->ctx, out->buf);
    convp_free(out->ctx, out->path);
    convp_free(out->ctx, out->tmp_path);
    convp_free(out->ctx, out);
}

/* ---- the public face: any bytes, written whole or not at all ---------------------------- */

struct conv_output {
    struct conv_context *ctx;
    struct convp_output *out;
    struct conv_error err;
};

struct conv_output *conv_output_open(struct conv_context *ctx, const char *path,
                                     struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct conv_output *o = convp_calloc(ctx, 1, sizeof *o);
    if (!o) {
        convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    o->ctx = ctx;
    o->out = convp_output_open_file(ctx, path, err);
    if (!o->out) {
        convp_free(ctx, o);
        return NULL;
    }
    return o;
}

int conv_output_write(struct conv_output *o, const void *buf, size_t size)
{
    if (o->err.code != CONV_E_NONE)
        return CONV_ERR;
    return convp_output_write(o->out, buf, size, &o->err) == 0 ? CONV_OK : CONV_ERR;
}

int conv_output_finish(struct conv_output *o)
{
    if (o->err.code != CONV_E_NONE)
        return CONV_ERR;
    return convp_output_commit(o->out, &o->err) == 0 ? CONV_OK : CONV_ERR;
}

const struct conv_error *conv_output_error(const struct conv_output *o)
{
    return &o->err;
}

void conv_output_close(struct conv_output *o)
{
    if (!o)
        return;
    convp_output_close(o->out);
    convp_free(o->ctx, o);
}
