/*
 * Several results of one request as one zip, made by minizip (Debian's
 * libminizip, the library the XLSX reader already uses) over the request's
 * unnamed temporary file: minizip's I/O goes through the callbacks below,
 * which write at a position kept here, so nothing is ever named on disk.
 * Entries are deflated, names in UTF-8 (general purpose flag 11); an entry
 * of 4 GiB or more is written as zip64.
 */
#include "serve.h"

#include <errno.h>
#include <zip.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct zfd {
    int fd;
    ZPOS64_T pos;
    int err;
};

static voidpf ZCALLBACK zfd_open(voidpf opaque, const void *name, int mode)
{
    (void)opaque;
    (void)mode;
    return (voidpf)name; /* the struct zfd handed to zipOpen2_64 */
}

static uLong ZCALLBACK zfd_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    struct zfd *z = stream;
    (void)opaque;
    ssize_t n;
    do
        n = pread(z->fd, buf, size, (off_t)z->pos);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        z->err = errno;
        return 0;
    }
    z->pos += (ZPOS64_T)n;
    return (uLong)n;
}

static uLong ZCALLBACK zfd_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    struct zfd *z = stream;
    const char *p = buf;
    uLong left = size;
    (void)opaque;
    while (left) {
        ssize_t n = pwrite(z->fd, p, left, (off_t)z->pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            z->err = n < 0 ? errno : ENOSPC;
            break;
        }
        p += n;
        left -= (uLong)n;
        z->pos += (ZPOS64_T)n;
    }
    return size - left;
}

static ZPOS64_T ZCALLBACK zfd_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((struct zfd *)stream)->pos;
}

static long ZCALLBACK zfd_seek(voidpf opaque, voidpf stream, ZPOS64_T off, int origin)
{
    struct zfd *z = stream;
    (void)opaque;
    if (origin == ZLIB_FILEFUNC_SEEK_SET)
        z->pos = off;
    else if (origin == ZLIB_FILEFUNC_SEEK_CUR)
        z->pos += off;
    else {
        off_t end = lseek(z->fd, 0, SEEK_END);
        if (end < 0)
            return -1;
        z->pos = (ZPOS64_T)end + off;
    }
    return 0;
}

static int ZCALLBACK zfd_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream; /* the descriptor belongs to the caller */
    return 0;
}

static int ZCALLBACK zfd_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((struct zfd *)stream)->err;
}

/* Copy one result into the open entry; 0 or -1 with msg set. */
static int copy_entry(zipFile zf, struct zfd *out, const struct serve_zip_entry *e,
                      char *msg, size_t size)
{
    static const size_t chunk = 65536;
    unsigned char buf[65536];
    uint64_t pos = 0;
    while (pos < e->size) {
        size_t want = e->size - pos < chunk ? (size_t)(e->size - pos) : chunk;
        ssize_t n = pread(e->fd, buf, want, (off_t)pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(msg, size, "cannot read a result: %s",
                     n < 0 ? strerror(errno) : "it is shorter than it was");
            return -1;
        }
        if (zipWriteInFileInZip(zf, buf, (unsigned)n) != ZIP_OK) {
            snprintf(msg, size, "cannot write the zip: %s",
                     out->err ? strerror(out->err) : "minizip failed");
            return -1;
        }
        pos += (uint64_t)n;
    }
    return 0;
}

int serve_zip_write(int out_fd, const struct serve_zip_entry *e, size_t n, char *msg,
                    size_t size)
{
    struct zfd out = {out_fd, 0, 0};
    zlib_filefunc64_def io = {zfd_open, zfd_read,  zfd_write, zfd_tell,
                              zfd_seek, zfd_close, zfd_error, NULL};
    zipFile zf = zipOpen2_64(&out, APPEND_STATUS_CREATE, NULL, &io);
    if (!zf) {
        snprintf(msg, size, "cannot start the zip");
        return -1;
    }
    zip_fileinfo info;
    memset(&info, 0, sizeof info);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    info.tmz_date.tm_sec = (uInt)tm.tm_sec;
    info.tmz_date.tm_min = (uInt)tm.tm_min;
    info.tmz_date.tm_hour = (uInt)tm.tm_hour;
    info.tmz_date.tm_mday = (uInt)tm.tm_mday;
    info.tmz_date.tm_mon = (uInt)tm.tm_mon;
    info.tmz_date.tm_year = (uInt)tm.tm_year + 1900;
    info.external_fa = (uLong)0100644 << 16;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (zipOpenNewFileInZip4_64(zf, e[i].name, &info, NULL, 0, NULL, 0, NULL, Z_DEFLATED,
                                    Z_DEFAULT_COMPRESSION, 0, -MAX_WBITS, 8,
                                    Z_DEFAULT_STRATEGY, NULL, 0, 0x031E /* Unix, zip 3.0 */,
                                    0x0800 /* names in UTF-8 */,
                                    e[i].size >= 0xFFFFFFFFu) != ZIP_OK) {
            snprintf(msg, size, "cannot start the zip entry '%s'", e[i].name);
            rc = -1;
            break;
        }
        rc = copy_entry(zf, &out, &e[i], msg, size);
        if (zipCloseFileInZip(zf) != ZIP_OK && rc == 0) {
            snprintf(msg, size, "cannot finish the zip entry '%s'", e[i].name);
            rc = -1;
        }
    }
    if (zipClose(zf, NULL) != ZIP_OK && rc == 0) {
        snprintf(msg, size, "cannot finish the zip: %s",
                 out.err ? strerror(out.err) : "minizip failed");
        rc = -1;
    }
    return rc;
}
