/*
 * Unnamed temporary files for spools and sort runs: in $TMPDIR, else
 * /tmp, never linked into the file system (O_TMPFILE, else created and
 * unlinked at once), so nothing is left behind whatever happens.
 */
#include "conv_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int convp_temp_fd(struct conv_error *err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/conv-tmp-XXXXXX", dir);
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0)
            unlink(path);
    }
    if (fd < 0)
        convp_error_set(err, CONV_E_IO, dir, 0, 0, "cannot create a temporary file: %s",
                        strerror(errno));
    return fd;
}

int convp_pwrite_all(int fd, const void *buf, size_t n, uint64_t off, struct conv_error *err)
{
    const char *p = buf;
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            convp_error_set(err, CONV_E_IO, "temporary file", 0, 0, "write error: %s",
                            w < 0 ? strerror(errno) : "no progress");
            return CONV_ERR;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return CONV_OK;
}
