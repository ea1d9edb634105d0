/*
 * Buffered input for readers: a file descriptor, a memory buffer or a
 * caller's callback.  It decodes the byte-order mark (a UTF-8 BOM is
 * dropped, UTF-16 with a BOM is transcoded to UTF-8 with iconv), converts
 * a declared legacy encoding (--encoding cp1258, tcvn3, any iconv name) to
 * UTF-8 as it streams, and keeps the first bytes in a peek window so
 * formats can be probed without consuming anything.
 */
#include "conv_private.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEEK_SIZE 65536
#define RAW_SIZE 65536

enum { IN_FD, IN_MEMORY, IN_CALLBACK };

struct convp_input {
    struct conv_context *ctx;
    int kind;
    int fd;
    int own_fd;
    const unsigned char *mem;
    size_t mem_len;
    size_t mem_pos;
    conv_read_fn fn;
    void *user;
    conv_progress_fn cancel; /* asked on EINTR whether to stop */
    void *cancel_user;
    char *name;
    uint64_t done;  /* raw bytes taken from the source */
    uint64_t total; /* size of the source if known */
    int eof;        /* the source is exhausted */
    const char *bom;
    /* Bytes read while looking for a BOM that belong to the text. */
    unsigned char back[4];
    size_t back_len;
    size_t back_pos;
    /* UTF-16 or legacy transcoding. */
    char *enc;        /* declared encoding (iconv name), NULL for UTF-8 */
    const char *from; /* what cd converts from: the BOM's or enc */
    int flushed;      /* the converter's held-back state was written out */
    uint64_t dec_line; /* line and column reached in the decoded text */
    uint64_t dec_col;
    iconv_t cd;
    unsigned char *raw;
    size_t raw_len; /* undecoded bytes at raw[0..raw_len) */
    unsigned char *dec; /* decoded bytes not yet handed out */
    size_t dec_len;
    size_t dec_pos;
    /* Peek window: decoded bytes not yet handed out. */
    unsigned char *peek;
    size_t peek_len;
    size_t peek_pos;
    /* Random access (convp_input_random): where the bytes are. */
    int random;       /* 0 none, RA_MEMORY, RA_FILE (the input's file or a spool) */
    int ra_fd;        /* RA_FILE: read with pread() */
    int ra_own;       /* the spool file is ours to close */
    uint64_t ra_size; /* all of the input */
};

enum { RA_MEMORY = 1, RA_FILE };

#define SPOOL_CHUNK ((size_t)256 << 10)

static struct convp_input *input_new(struct conv_context *ctx, int kind, const char *name,
                                     struct conv_error *err)
{
    struct convp_input *in = convp_calloc(ctx, 1, sizeof *in);
    if (!in || !(in->name = convp_strdup(ctx, name ? name : "-"))) {
        convp_free(ctx, in);
        convp_error_set(err, CONV_E_NOMEM, name, 0, 0, "out of memory");
        return NULL;
    }
    in->ctx = ctx;
    in->kind = kind;
    in->fd = -1;
    in->cd = (iconv_t)-1;
    in->bom = "";
    in->dec_line = 1;
    in->dec_col = 1;
    return in;
}

struct convp_input *convp_input_open_file(struct conv_context *ctx, const char *path,
                                          struct conv_error *err)
{
    int is_stdin = !strcmp(path, "-");
    struct convp_input *in = input_new(ctx, IN_FD, path, err);
    if (!in)
        return NULL;
    if (is_stdin) {
        in->fd = 0;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0) {
            convp_error_set(err, CONV_E_IO, path, 0, 0, "cannot open: %s", strerror(errno));
            convp_input_close(in);
            return NULL;
        }
        in->own_fd = 1;
        struct stat st;
        if (fstat(in->fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                convp_error_set(err, CONV_E_IO, path, 0, 0, "is a directory");
                convp_input_close(in);
                return NULL;
            }
            if (S_ISREG(st.st_mode)) {
                in->total = (uint64_t)st.st_size;
                posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
            }
        }
    }
    return in;
}

struct convp_input *convp_input_open_memory(struct conv_context *ctx, const void *data,
                                            size_t size, const char *name,
                                            struct conv_error *err)
{
    struct convp_input *in = input_new(ctx, IN_MEMORY, name, err);
    if (!in)
        return NULL;
    in->mem = data;
    in->mem_len = size;
    in->total = size;
    return in;
}

struct convp_input *convp_input_open_callback(struct conv_context *ctx, conv_read_fn fn,
                                              void *user, const char *name,
                                              struct conv_error *err)
{
    struct convp_input *in = input_new(ctx, IN_CALLBACK, name, err);
    if (!in)
        return NULL;
    in->fn = fn;
    in->user = user;
    return in;
}

/* Bytes from the source itself. */
static long source_read(struct convp_input *in, void *buf, size_t n, struct conv_error *err)
{
    if (in->eof || n == 0)
        return 0;
    long got = 0;
    switch (in->kind) {
    case IN_MEMORY: {
        size_t left = in->mem_len - in->mem_pos;
        size_t k = left < n ? left : n;
        memcpy(buf, in->mem + in->mem_pos, k);
        in->mem_pos += k;
        got = (long)k;
        break;
    }
    case IN_FD:
        for (;;) {
            ssize_t r = read(in->fd, buf, n);
            if (r < 0 && errno == EINTR) {
                /* A signal (Ctrl-C) while waiting on a pipe: let the
                 * caller decide whether to stop. */
                if (in->cancel && in->cancel(in->cancel_user, in->done, in->total, 0)) {
                    convp_error_set(err, CONV_E_CANCELED, in->name, 0, 0, "canceled");
                    return -1;
                }
                continue;
            }
            if (r < 0) {
                convp_error_set(err, CONV_E_IO, in->name, 0, 0, "read error: %s",
                                strerror(errno));
                return -1;
            }
            got = (long)r;
            break;
        }
        break;
    case IN_CALLBACK:
        got = in->fn(in->user, buf, n);
        if (got < 0 || (size_t)got > n) {
            convp_error_set(err, CONV_E_IO, in->name, 0, 0, "read callback failed");
            return -1;
        }
        break;
    }
    if (got == 0)
        in->eof = 1;
    in->done += (uint64_t)got;
    return got;
}

/* Source bytes, after the ones held back while looking for a BOM. */
static long plain_read(struct convp_input *in, void *buf, size_t n, struct conv_error *err)
{
    if (in->back_pos < in->back_len) {
        size_t k = in->back_len - in->back_pos;
        if (k > n)
            k = n;
        memcpy(buf, in->back + in->back_pos, k);
        in->back_pos += k;
        return (long)k;
    }
    return source_read(in, buf, n, err);
}

/* Advance the decoded line and column over produced UTF-8 text. */
static void count_lines(struct convp_input *in, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            in->dec_line++;
            in->dec_col = 1;
        } else if ((p[i] & 0xC0) != 0x80) {
            in->dec_col++;
        }
    }
}

/* Decode more into in->dec; returns bytes decoded, 0 at the end. */
static long decode_more(struct convp_input *in, struct conv_error *err)
{
    for (;;) {
        if (in->raw_len < RAW_SIZE) {
            long got = plain_read(in, in->raw + in->raw_len, RAW_SIZE - in->raw_len, err);
            if (got < 0)
                return -1;
            in->raw_len += (size_t)got;
        }
        char *dst = (char *)in->dec;
        size_t dst_left = RAW_SIZE * 2;
        if (in->raw_len == 0) {
            /* The end: a converter may hold back a character (CP1258 keeps
             * the last letter in case a tone mark follows). */
            if (in->flushed)
                return 0;
            in->flushed = 1;
            iconv(in->cd, NULL, NULL, &dst, &dst_left);
            size_t produced = RAW_SIZE * 2 - dst_left;
            in->dec_len = produced;
            in->dec_pos = 0;
            count_lines(in, in->dec, produced);
            return (long)produced;
        }
        char *src = (char *)in->raw;
        size_t src_left = in->raw_len;
        size_t r = iconv(in->cd, &src, &src_left, &dst, &dst_left);
        int e = errno;
        size_t produced = RAW_SIZE * 2 - dst_left;
        count_lines(in, in->dec, produced);
        if (r == (size_t)-1 && e == EILSEQ) {
            uint64_t off = in->done - src_left;
            /* Count the character a converter still holds (CP1258 keeps a
             * letter back for a tone mark) for the column. */
            char *fl = dst;
            iconv(in->cd, NULL, NULL, &dst, &dst_left);
            count_lines(in, (unsigned char *)fl, (size_t)(dst - fl));
            if (in->enc && !in->bom[0])
                convp_error_set(err, CONV_E_ENCODING, in->name, in->dec_line, in->dec_col,
                                "byte 0x%02X at offset %llu is not %s text", (unsigned char)*src,
                                (unsigned long long)off, in->from);
            else
                convp_error_set(err, CONV_E_ENCODING, in->name, in->dec_line, in->dec_col,
                                "invalid %s text at offset %llu", in->from,
                                (unsigned long long)off);
            convp_error_where(err, 0, NULL, off);
            return -1;
        }
        memmove(in->raw, src, src_left);
        in->raw_len = src_left;
        if (produced > 0) {
            in->dec_len = produced;
            in->dec_pos = 0;
            return (long)produced;
        }
        if (in->eof) {
            convp_error_set(err, CONV_E_ENCODING, in->name, in->dec_line, in->dec_col,
                            "truncated %s text", in->from);
            return -1;
        }
    }
}

/* UTF-8 text: transcoded when the source is UTF-16. */
static long decoded_read(struct convp_input *in, unsigned char *buf, size_t n,
                         struct conv_error *err)
{
    if (in->cd == (iconv_t)-1)
        return plain_read(in, buf, n, err);
    if (in->dec_pos == in->dec_len) {
        long got = decode_more(in, err);
        if (got <= 0)
            return got;
    }
    size_t k = in->dec_len - in->dec_pos;
    if (k > n)
        k = n;
    memcpy(buf, in->dec + in->dec_pos, k);
    in->dec_pos += k;
    return (long)k;
}

int convp_input_start(struct convp_input *in, struct conv_error *err)
{
    /* Up to four bytes decide the BOM; the rest go back to the stream. */
    while (in->back_len < 4) {
        long got = source_read(in, in->back + in->back_len, 4 - in->back_len, err);
        if (got < 0)
            return CONV_ERR;
        if (got == 0)
            break;
        in->back_len += (size_t)got;
    }
    const unsigned char *b = in->back;
    const char *enc = NULL;
    if (in->back_len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        in->bom = "UTF-8";
        in->back_pos = 3;
    } else if (in->back_len >= 4 && ((b[0] == 0xFF && b[1] == 0xFE && !b[2] && !b[3]) ||
                                     (!b[0] && !b[1] && b[2] == 0xFE && b[3] == 0xFF))) {
        convp_error_set(err, CONV_E_ENCODING, in->name, 1, 1, "UTF-32 input is not supported");
        return CONV_ERR;
    } else if (in->back_len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        in->bom = "UTF-16LE";
        enc = "UTF-16LE";
        in->back_pos = 2;
    } else if (in->back_len >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        in->bom = "UTF-16BE";
        enc = "UTF-16BE";
        in->back_pos = 2;
    }
    /* A zip (.xlsx, .ods) or a compound file (.xls) is no text: its cells'
     * encoding is the book's business (the format is probed on its bytes). */
    int container = in->back_len >= 4 && ((b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) ||
                                          (b[0] == 0xD0 && b[1] == 0xCF && b[2] == 0x11 &&
                                           b[3] == 0xE0));
    if (!enc && in->enc && !in->bom[0] && !container)
        enc = in->enc; /* a byte-order mark wins over --encoding */
    if (enc) {
        in->from = enc;
        in->cd = iconv_open("UTF-8", enc);
        in->raw = convp_malloc(in->ctx, RAW_SIZE);
        in->dec = convp_malloc(in->ctx, RAW_SIZE * 2);
        if (in->cd == (iconv_t)-1 || !in->raw || !in->dec) {
            convp_error_set(err, CONV_E_NOMEM, in->name, 0, 0, "cannot set up %s decoding",
                            enc);
            return CONV_ERR;
        }
    }
    in->peek = convp_malloc(in->ctx, PEEK_SIZE);
    if (!in->peek) {
        convp_error_set(err, CONV_E_NOMEM, in->name, 0, 0, "out of memory");
        return CONV_ERR;
    }
    while (in->peek_len < PEEK_SIZE) {
        long got = decoded_read(in, in->peek + in->peek_len, PEEK_SIZE - in->peek_len, err);
        if (got < 0)
            return CONV_ERR;
        if (got == 0)
            break;
        in->peek_len += (size_t)got;
    }
    return CONV_OK;
}

int convp_input_set_encoding(struct convp_input *in, const char *name,
                             struct conv_error *err)
{
    static const struct {
        const char *alias;
        const char *iconv_name;
    } aliases[] = {{"cp1258", "CP1258"},         {"windows-1258", "CP1258"},
                   {"tcvn3", "TCVN5712-1"},      {"tcvn", "TCVN5712-1"},
                   {"tcvn5712", "TCVN5712-1"},   {"tcvn5712-1", "TCVN5712-1"},
                   {"utf-8", NULL},              {"utf8", NULL}};
    const char *use = name;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcasecmp(name, aliases[i].alias)) {
            use = aliases[i].iconv_name;
            break;
        }
    convp_free(in->ctx, in->enc);
    in->enc = NULL;
    if (!use)
        return CONV_OK; /* UTF-8: validated by the readers as always */
    iconv_t cd = iconv_open("UTF-8", use);
    if (cd == (iconv_t)-1) {
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                        "unknown encoding '%s' (cp1258, tcvn3 or an iconv name)", name);
        return CONV_ERR;
    }
    iconv_close(cd);
    if (!(in->enc = convp_strdup(in->ctx, use))) {
        convp_error_set(err, CONV_E_NOMEM, in->name, 0, 0, "out of memory");
        return CONV_ERR;
    }
    return CONV_OK;
}

const char *convp_input_encoding(const struct convp_input *in)
{
    if (in->bom[0] && strcmp(in->bom, "UTF-8"))
        return in->bom;
    return in->enc && !in->bom[0] ? in->enc : "UTF-8";
}

const unsigned char *convp_input_peek(struct convp_input *in, size_t *len)
{
    *len = in->peek_len;
    return in->peek;
}

long convp_input_read(struct convp_input *in, void *buf, size_t n, struct conv_error *err)
{
    if (in->peek_pos < in->peek_len) {
        size_t k = in->peek_len - in->peek_pos;
        if (k > n)
            k = n;
        memcpy(buf, in->peek + in->peek_pos, k);
        in->peek_pos += k;
        return (long)k;
    }
    return decoded_read(in, buf, n, err);
}

void convp_input_set_cancel(struct convp_input *in, conv_progress_fn fn, void *user)
{
    in->cancel = fn;
    in->cancel_user = user;
}

const char *convp_input_name(const struct convp_input *in)
{
    return in->name;
}

uint64_t convp_input_done(const struct convp_input *in)
{
    return in->done;
}

uint64_t convp_input_total(const struct convp_input *in)
{
    return in->total;
}

const char *convp_input_bom(const struct convp_input *in)
{
    return in->bom;
}

const void *convp_input_memory(const struct convp_input *in, size_t *size)
{
    if (in->kind != IN_MEMORY)
        return NULL;
    *size = in->mem_len;
    return in->mem;
}

int convp_input_fd(const struct convp_input *in)
{
    struct stat st;
    if (in->kind != IN_FD || !in->own_fd || fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    return in->fd;
}

/* Copy what is left of a streaming input into an unnamed temporary file. */
static int spool(struct convp_input *in, uint64_t max, const char *what, struct conv_error *err)
{
    int fd = convp_temp_fd(err);
    if (fd < 0)
        return CONV_ERR;
    in->ra_fd = fd;
    in->ra_own = 1;
    unsigned char *buf = convp_malloc(in->ctx, SPOOL_CHUNK);
    if (!buf) {
        convp_error_set(err, CONV_E_NOMEM, in->name, 0, 0, "out of memory");
        return CONV_ERR;
    }
    int rc = CONV_OK;
    for (;;) {
        long got = convp_input_read(in, buf, SPOOL_CHUNK, err);
        if (got <= 0) {
            rc = got < 0 ? CONV_ERR : CONV_OK;
            break;
        }
        if ((uint64_t)got > max - in->ra_size) {
            convp_error_set(err, CONV_E_LIMIT, in->name, 0, 0, "%s larger than %llu bytes", what,
                            (unsigned long long)max);
            rc = CONV_ERR;
            break;
        }
        if (convp_pwrite_all(fd, buf, (size_t)got, in->ra_size, err) != CONV_OK) {
            rc = CONV_ERR;
            break;
        }
        in->ra_size += (uint64_t)got;
    }
    convp_free(in->ctx, buf);
    return rc;
}

int convp_input_random(struct convp_input *in, uint64_t max, const char *what,
                       struct conv_error *err)
{
    if (in->random)
        return CONV_OK;
    if (in->kind == IN_MEMORY) {
        in->random = RA_MEMORY;
        in->ra_size = in->mem_len;
        return CONV_OK;
    }
    int fd = convp_input_fd(in);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) != 0) {
            convp_error_set(err, CONV_E_IO, in->name, 0, 0, "cannot stat: %s", strerror(errno));
            return CONV_ERR;
        }
        in->random = RA_FILE;
        in->ra_fd = fd;
        in->ra_size = (uint64_t)st.st_size;
        return CONV_OK;
    }
    in->random = RA_FILE;
    return spool(in, max, what, err);
}

uint64_t convp_input_size(const struct convp_input *in)
{
    return in->ra_size;
}

int convp_input_pread(struct convp_input *in, uint64_t off, void *buf, size_t n,
                      struct conv_error *err)
{
    if (off > in->ra_size || n > in->ra_size - off)
        return CONV_EOF;
    if (in->random == RA_MEMORY) {
        memcpy(buf, in->mem + off, n);
        return CONV_OK;
    }
    unsigned char *p = buf;
    while (n) {
        ssize_t r = pread(in->ra_fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            convp_error_set(err, CONV_E_IO, in->name, 0, 0, "read error: %s",
                            r < 0 ? strerror(errno) : "the file shrank while read");
            return CONV_ERR;
        }
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    if (!in->ra_own)
        in->done = off; /* progress: how far into the file */
    return CONV_OK;
}

void convp_input_close(struct convp_input *in)
{
    if (!in)
        return;
    if (in->ra_own)
        close(in->ra_fd);
    if (in->own_fd && in->fd >= 0)
        close(in->fd);
    if (in->cd != (iconv_t)-1)
        iconv_close(in->cd);
    convp_free(in->ctx, in->raw);
    convp_free(in->ctx, in->dec);
    convp_free(in->ctx, in->peek);
    convp_free(in->ctx, in->name);
    convp_free(in->ctx, in->enc);
    convp_free(in->ctx, in);
}
