/*
 * Several results of one request as one zip (deflated with zlib, names in
 * UTF-8), written to an unnamed temporary file: each entry's header is
 * written first and its CRC and sizes put in place once its data is in.
 * No zip64: an archive stays under 4 GiB, far above --max-upload's
 * default (and refused beyond).
 */
#include "serve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

struct zw {
    int fd;
    uint64_t off;
    char *msg;
    size_t size;
};

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static int write_at(struct zw *z, const void *buf, size_t n, uint64_t off)
{
    const char *p = buf;
    while (n) {
        ssize_t w = pwrite(z->fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(z->msg, z->size, "cannot write the zip: %s",
                     w < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

static int append(struct zw *z, const void *buf, size_t n)
{
    if (write_at(z, buf, n, z->off) != 0)
        return -1;
    z->off += n;
    if (z->off >= 0xFFFFFFFFu) {
        snprintf(z->msg, z->size, "the results are too large for one zip (4 GiB)");
        return -1;
    }
    return 0;
}

/* DOS time and date of now (UTC). */
static void dos_now(unsigned *t, unsigned *d)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    *t = (unsigned)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
    *d = (unsigned)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
}

/* Deflate the entry's file after its header; its CRC and sizes out. */
static int deflate_entry(struct zw *z, const struct serve_zip_entry *e, uint32_t *crc,
                         uint64_t *csize)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        snprintf(z->msg, z->size, "cannot start deflating");
        return -1;
    }
    unsigned char in[65536], out[65536];
    uLong c = crc32(0, Z_NULL, 0);
    uint64_t start = z->off, pos = 0;
    int rc = 0, flush = Z_NO_FLUSH;
    do {
        ssize_t n = pread(e->fd, in, sizeof in, (off_t)pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(z->msg, z->size, "cannot read a result: %s", strerror(errno));
            rc = -1;
            break;
        }
        pos += (uint64_t)n;
        c = crc32(c, in, (uInt)n);
        flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
        zs.next_in = in;
        zs.avail_in = (uInt)n;
        do {
            zs.next_out = out;
            zs.avail_out = sizeof out;
            deflate(&zs, flush);
            size_t have = sizeof out - zs.avail_out;
            if (have && append(z, out, have) != 0) {
                rc = -1;
                break;
            }
        } while (zs.avail_out == 0 && rc == 0);
    } while (flush != Z_FINISH && rc == 0);
    deflateEnd(&zs);
    if (rc == 0 && pos != e->size) {
        snprintf(z->msg, z->size, "a result changed while it was zipped");
        rc = -1;
    }
    *crc = (uint32_t)c;
    *csize = z->off - start;
    return rc;
}

int serve_zip_write(int out_fd, const struct serve_zip_entry *e, size_t n, char *msg,
                    size_t size)
{
    struct zw z = {out_fd, 0, msg, size};
    uint32_t *crcs = calloc(n ? n : 1, sizeof *crcs);
    uint64_t *csizes = calloc(n ? n : 1, sizeof *csizes), *offs = calloc(n ? n : 1, sizeof *offs);
    int rc = -1;
    unsigned t, d;
    dos_now(&t, &d);
    if (!crcs || !csizes || !offs) {
        snprintf(msg, size, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        if (e[i].size >= 0xFFFFFFFFu || nl > 0xFFFF) {
            snprintf(msg, size, "a result is too large for a zip (4 GiB)");
            goto out;
        }
        unsigned char h[30];
        memset(h, 0, sizeof h);
        put32(h, 0x04034b50);
        put16(h + 4, 20);
        put16(h + 6, 0x0800); /* names in UTF-8 */
        put16(h + 8, 8);      /* deflate */
        put16(h + 10, t);
        put16(h + 12, d);
        put16(h + 26, (unsigned)nl);
        offs[i] = z.off;
        if (append(&z, h, sizeof h) != 0 || append(&z, e[i].name, nl) != 0 ||
            deflate_entry(&z, &e[i], &crcs[i], &csizes[i]) != 0)
            goto out;
        unsigned char sizes[12];
        put32(sizes, crcs[i]);
        put32(sizes + 4, (uint32_t)csizes[i]);
        put32(sizes + 8, (uint32_t)e[i].size);
        if (write_at(&z, sizes, sizeof sizes, offs[i] + 14) != 0)
            goto out;
    }
    uint64_t cd = z.off;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        unsigned char c[46];
        memset(c, 0, sizeof c);
        put32(c, 0x02014b50);
        put16(c + 4, 0x031E); /* made on Unix, zip 3.0 */
        put16(c + 6, 20);
        put16(c + 8, 0x0800);
        put16(c + 10, 8);
        put16(c + 12, t);
        put16(c + 14, d);
        put32(c + 16, crcs[i]);
        put32(c + 20, (uint32_t)csizes[i]);
        put32(c + 24, (uint32_t)e[i].size);
        put16(c + 28, (unsigned)nl);
        put32(c + 38, (uint32_t)0100644 << 16);
        put32(c + 42, (uint32_t)offs[i]);
        if (append(&z, c, sizeof c) != 0 || append(&z, e[i].name, nl) != 0)
            goto out;
    }
    unsigned char end[22];
    memset(end, 0, sizeof end);
    put32(end, 0x06054b50);
    put16(end + 8, (unsigned)n);
    put16(end + 10, (unsigned)n);
    put32(end + 12, (uint32_t)(z.off - cd));
    put32(end + 16, (uint32_t)cd);
    if (append(&z, end, sizeof end) != 0)
        goto out;
    rc = 0;
out:
    free(crcs);
    free(csizes);
    free(offs);
    return rc;
}
