/*
 * The up-to-date journal: which input made which output, with which
 * options, and what the input was then (size, time, content hash), so a
 * rerun skips what is done.  One line per conversion, appended with one
 * write(); the format is conv-batch's since its first version ("v1").
 */
#include "conv_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define JOURNAL_LINE_MAX 16384

struct entry {
    char *input, *output;
    uint64_t opts_hash, size, hash;
    int64_t mtime;
};

struct conv_journal {
    struct conv_context *ctx;
    struct entry *entries;
    size_t n, cap;
    uint64_t opts_hash;
    _Atomic int fd; /* -1 once a line could not be written */
};

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* The options that shape an output: the library's version and every
 * option's name and value, in the order set. */
static uint64_t options_hash(const struct conv_options *opts)
{
    uint64_t h = fnv(1469598103934665603ull, conv_version());
    for (size_t i = 0; i < conv_options_count(opts); i++) {
        h = fnv(h, conv_options_name(opts, i));
        h = fnv(h, "=");
        h = fnv(h, conv_options_value(opts, i));
        h = fnv(h, "\n");
    }
    return h;
}

/* One line "v1 opts size mtime hash input output"; others are skipped. */
static int parse_line(struct conv_journal *j, char *line)
{
    char *fields[7];
    int k = 0;
    for (char *p = line; k < 7 && p; k++) {
        fields[k] = p;
        p = strchr(p, '\t');
        if (p)
            *p++ = '\0';
    }
    if (k != 7 || strcmp(fields[0], "v1"))
        return CONV_OK;
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 64;
        struct entry *e = convp_realloc(j->ctx, j->entries, cap * sizeof *e);
        if (!e)
            return CONV_ERR;
        j->entries = e;
        j->cap = cap;
    }
    struct entry *e = &j->entries[j->n];
    e->opts_hash = strtoull(fields[1], NULL, 16);
    e->size = strtoull(fields[2], NULL, 10);
    e->mtime = strtoll(fields[3], NULL, 10);
    e->hash = strtoull(fields[4], NULL, 16);
    e->input = convp_strdup(j->ctx, fields[5]);
    e->output = convp_strdup(j->ctx, fields[6]);
    if (!e->input || !e->output) {
        convp_free(j->ctx, e->input);
        convp_free(j->ctx, e->output);
        return CONV_ERR;
    }
    j->n++;
    return CONV_OK;
}

static int load(struct conv_journal *j, const char *path, struct conv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? CONV_OK : CONV_ERR;
    struct convp_buf line;
    convp_buf_init(&line, j->ctx);
    char buf[65536];
    ssize_t got;
    int rc = CONV_OK;
    while (rc == CONV_OK && (got = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < got && rc == CONV_OK; i++) {
            if (buf[i] != '\n') {
                if (line.len < JOURNAL_LINE_MAX &&
                    convp_buf_append(&line, &buf[i], 1) != CONV_OK)
                    rc = CONV_ERR;
                continue;
            }
            if (convp_buf_append(&line, "", 1) != CONV_OK || parse_line(j, line.data) != CONV_OK)
                rc = CONV_ERR;
            line.len = 0;
        }
    }
    /* A last line without its newline was cut by a killed run: skipped. */
    close(fd);
    convp_buf_free(&line);
    if (rc != CONV_OK)
        convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
    return rc;
}

struct conv_journal *conv_journal_open(struct conv_context *ctx, const char *path,
                                       const struct conv_options *opts, struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct conv_journal *j = convp_calloc(ctx, 1, sizeof *j);
    if (!j) {
        convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    j->ctx = ctx;
    j->opts_hash = options_hash(opts);
    atomic_init(&j->fd, -1);
    if (load(j, path, err) != CONV_OK) {
        if (!err || err->code == CONV_E_NONE)
            convp_error_set(err, CONV_E_IO, path, 0, 0, "cannot read the journal: %s",
                            strerror(errno));
        conv_journal_close(j);
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) {
        convp_error_set(err, CONV_E_IO, path, 0, 0, "cannot write the journal: %s",
                        strerror(errno));
        conv_journal_close(j);
        return NULL;
    }
    atomic_store(&j->fd, fd);
    return j;
}

void conv_journal_close(struct conv_journal *j)
{
    if (!j)
        return;
    int fd = atomic_load(&j->fd);
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; i < j->n; i++) {
        convp_free(j->ctx, j->entries[i].input);
        convp_free(j->ctx, j->entries[i].output);
    }
    convp_free(j->ctx, j->entries);
    convp_free(j->ctx, j);
}

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Content hash: CRC-32 and Adler-32 of the bytes, side by side. */
static int hash_file(const char *path, uint64_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    uLong crc = crc32(0, Z_NULL, 0), adl = adler32(0, Z_NULL, 0);
    unsigned char buf[1 << 16];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0) {
        crc = crc32(crc, buf, (uInt)got);
        adl = adler32(adl, buf, (uInt)got);
    }
    close(fd);
    if (got < 0)
        return -1;
    *out = (uint64_t)crc << 32 | (adl & 0xffffffffu);
    return 0;
}

static int stat_input(const char *path, struct conv_journal_stamp *st, struct conv_error *err)
{
    memset(st, 0, sizeof *st);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        convp_error_set(err, CONV_E_IO, path, 0, 0, "%s", strerror(errno));
        return CONV_ERR;
    }
    st->size = (uint64_t)sb.st_size;
    st->mtime_ns = mtime_ns(&sb);
    return CONV_OK;
}

int conv_journal_stamp_file(const char *path, struct conv_journal_stamp *stamp,
                            struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    if (stat_input(path, stamp, err) != CONV_OK)
        return CONV_ERR;
    stamp->hashed = hash_file(path, &stamp->hash) == 0;
    return CONV_OK;
}

static int path_ok(const char *s)
{
    return !strpbrk(s, "\t\n\r");
}

int conv_journal_record(struct conv_journal *j, const char *input, const char *output,
                        const struct conv_journal_stamp *st, struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    int fd = atomic_load(&j->fd);
    if (fd < 0) {
        convp_error_set(err, CONV_E_IO, NULL, 0, 0, "the journal cannot be written");
        return CONV_ERR;
    }
    if (!st->hashed || !path_ok(input) || !path_ok(output))
        return CONV_OK;
    size_t size = strlen(input) + strlen(output) + 128;
    char small[4096];
    char *line = size <= sizeof small ? small : convp_malloc(j->ctx, size);
    if (!line) {
        convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return CONV_ERR;
    }
    int n = snprintf(line, size, "v1\t%016llx\t%llu\t%lld\t%016llx\t%s\t%s\n",
                     (unsigned long long)j->opts_hash, (unsigned long long)st->size,
                     (long long)st->mtime_ns, (unsigned long long)st->hash, input, output);
    int rc = CONV_OK;
    /* One write per line, O_APPEND: a killed run leaves whole lines, and
     * lines of threads writing at once do not mix. */
    if (n <= 0 || write(fd, line, (size_t)n) != n) {
        int expected = fd;
        atomic_compare_exchange_strong(&j->fd, &expected, -1);
        convp_error_set(err, CONV_E_IO, NULL, 0, 0, "cannot write the journal: %s",
                        strerror(errno));
        rc = CONV_ERR;
    }
    if (line != small)
        convp_free(j->ctx, line);
    return rc;
}

int conv_journal_lookup(struct conv_journal *j, const char *input, const char *output,
                        struct conv_journal_stamp *st, struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    if (stat_input(input, st, err) != CONV_OK)
        return CONV_ERR;
    const struct entry *e = NULL;
    for (size_t i = j->n; i-- > 0 && !e;)
        if (!strcmp(j->entries[i].input, input) && !strcmp(j->entries[i].output, output))
            e = &j->entries[i];
    struct stat ost;
    if (e && e->opts_hash == j->opts_hash && stat(output, &ost) == 0) {
        if (e->size == st->size && e->mtime == st->mtime_ns)
            return 1;
        if (hash_file(input, &st->hash) == 0) {
            st->hashed = 1;
            if (st->hash == e->hash && e->size == st->size) {
                /* Touched but unchanged: its new time goes in the journal. */
                conv_journal_record(j, input, output, st, NULL);
                return 1;
            }
        }
    }
    if (!st->hashed)
        st->hashed = hash_file(input, &st->hash) == 0;
    return 0;
}
