/*
 * The zip layer of the spreadsheet readers (XLSX, ODS).  minizip does the
 * reading through our I/O functions, over the input's random access
 * (convp_input_random: in place, pread, or a spool of a pipe); before any
 * part is read every entry is checked against
 * what a hostile archive does (overlapping entries that reuse one deflate
 * stream many times, lying sizes, encryption, odd methods), and each part
 * is inflated with its declared size as a hard bound and its CRC checked
 * at the end.  Nothing is ever allocated from a size the archive declares.
 */
#include "sheet_zip.h"

#include <limits.h>
#include <stdlib.h>

#include <unzip.h>

#define ZIP_MAX_ENTRIES 100000
#define ZIP_MAX_NAME 4096
/* Deflate cannot do better than about 1032:1 (258-byte matches coded in
 * two bits); anything declaring more is damaged or a bomb. */
#define ZIP_MAX_RATIO 1100u

struct zip_entry {
    char *name;
    uint64_t csize, usize;
    uint64_t local;      /* local header offset */
    uint64_t data;       /* where the compressed data starts */
    unz64_file_pos fpos; /* minizip's handle on it */
    unsigned method;
};

struct convp_zip {
    struct conv_context *ctx;
    struct convp_input *in;
    const char *source;
    const char *what; /* "XLSX workbook", "OpenDocument spreadsheet" */
    uint64_t size;
    uint64_t pos; /* minizip's stream position */
    int io_error;
    struct conv_error ioerr; /* the read error behind io_error */
    unzFile uf;
    struct zip_entry *entries;
    size_t n;
    struct zip_entry **by_name; /* sorted by name, exact */
    struct zip_entry **by_fold; /* sorted by name, ASCII case folded */
    /* the open entry */
    long cur;
    uint64_t got;
    int ended;
    uint64_t max_part, max_total, total;
};

/* ---- bytes --------------------------------------------------------------------------------- */

/* Read n bytes at off: 0, or -1 when they are not all there (io_error
 * set on a read error, whose message is in z->ioerr). */
static int src_pread(struct convp_zip *z, uint64_t off, void *buf, size_t n)
{
    int rc = convp_input_pread(z->in, off, buf, n, &z->ioerr);
    if (rc == CONV_ERR)
        z->io_error = 1;
    return rc == CONV_OK ? 0 : -1;
}

static voidpf ZCALLBACK io_open(voidpf opaque, const void *filename, int mode)
{
    (void)filename;
    (void)mode;
    return opaque;
}

static uLong ZCALLBACK io_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    (void)stream;
    struct convp_zip *z = opaque;
    uint64_t left = z->pos < z->size ? z->size - z->pos : 0;
    size_t n = size < left ? (size_t)size : (size_t)left;
    if (n && src_pread(z, z->pos, buf, n) != 0)
        return 0;
    z->pos += n;
    return (uLong)n;
}

static uLong ZCALLBACK io_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    (void)opaque;
    (void)stream;
    (void)buf;
    (void)size;
    return 0;
}

static ZPOS64_T ZCALLBACK io_tell(voidpf opaque, voidpf stream)
{
    (void)stream;
    return ((struct convp_zip *)opaque)->pos;
}

static long ZCALLBACK io_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin)
{
    (void)stream;
    struct convp_zip *z = opaque;
    uint64_t base;
    switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
        base = 0;
        break;
    case ZLIB_FILEFUNC_SEEK_CUR:
        base = z->pos;
        break;
    case ZLIB_FILEFUNC_SEEK_END:
        base = z->size;
        break;
    default:
        return -1;
    }
    if (offset > z->size || base > z->size - offset)
        return -1;
    z->pos = base + offset;
    return 0;
}

static int ZCALLBACK io_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

static int ZCALLBACK io_error(voidpf opaque, voidpf stream)
{
    (void)stream;
    return ((struct convp_zip *)opaque)->io_error;
}

/* ---- checking the entries ------------------------------------------------------------------ */

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return le16(p) | le16(p + 2) << 16;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int damaged(struct convp_zip *z, struct conv_error *err, const char *what,
                   const char *name)
{
    if (name)
        convp_error_set(err, CONV_E_SYNTAX, z->source, 0, 0,
                        "damaged workbook: zip entry '%.200s': %s", name, what);
    else
        convp_error_set(err, CONV_E_SYNTAX, z->source, 0, 0, "damaged workbook: %s", what);
    return CONV_ERR;
}

/*
 * The local header offset of an entry, from its central directory record
 * (minizip keeps it to itself), and where its data starts, from the local
 * header.
 */
static int locate(struct convp_zip *z, struct zip_entry *e, uint64_t cd_pos,
                  struct conv_error *err)
{
    unsigned char h[46];
    if (src_pread(z, cd_pos, h, sizeof h) != 0 || le32(h) != 0x02014b50u)
        return damaged(z, err, "bad central directory record", e->name);
    uint32_t name_len = le16(h + 28), extra_len = le16(h + 30);
    uint64_t off = le32(h + 42);
    if (off == 0xFFFFFFFFu) {
        /* ZIP64: the real values are in extra field 1, in a fixed order,
         * each present only when its 32-bit field is all ones. */
        unsigned char *extra = convp_malloc(z->ctx, extra_len ? extra_len : 1);
        if (!extra) {
            convp_error_set(err, CONV_E_NOMEM, z->source, 0, 0, "out of memory");
            return CONV_ERR;
        }
        if (src_pread(z, cd_pos + 46 + name_len, extra, extra_len) != 0) {
            convp_free(z->ctx, extra);
            return damaged(z, err, "bad central directory record", e->name);
        }
        int found = 0;
        for (uint32_t i = 0; i + 4 <= extra_len;) {
            uint32_t id = le16(extra + i), len = le16(extra + i + 2);
            if (i + 4 + len > extra_len)
                break;
            if (id == 1) {
                uint32_t k = i + 4, end = i + 4 + len;
                if (le32(h + 24) == 0xFFFFFFFFu)
                    k += 8;
                if (le32(h + 20) == 0xFFFFFFFFu)
                    k += 8;
                if (k + 8 <= end) {
                    off = le64(extra + k);
                    found = 1;
                }
                break;
            }
            i += 4 + len;
        }
        convp_free(z->ctx, extra);
        if (!found)
            return damaged(z, err, "ZIP64 offset missing", e->name);
    }
    unsigned char l[30];
    if (src_pread(z, off, l, sizeof l) != 0 || le32(l) != 0x04034b50u)
        return damaged(z, err, "bad local header", e->name);
    e->local = off;
    e->data = off + 30 + le16(l + 26) + le16(l + 28);
    if (e->data > z->size || e->csize > z->size - e->data)
        return damaged(z, err, "data runs past the end of the file (truncated?)", e->name);
    return CONV_OK;
}

static int fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int name_cmp_fold(const char *a, const char *b)
{
    for (;; a++, b++) {
        int d = fold((unsigned char)*a) - fold((unsigned char)*b);
        if (d || !*a)
            return d;
    }
}

static int cmp_name(const void *x, const void *y)
{
    const struct zip_entry *a = *(const struct zip_entry *const *)x;
    const struct zip_entry *b = *(const struct zip_entry *const *)y;
    return name_cmp_fold(a->name, b->name);
}

static int cmp_local(const void *x, const void *y)
{
    const struct zip_entry *a = *(const struct zip_entry *const *)x;
    const struct zip_entry *b = *(const struct zip_entry *const *)y;
    return a->local < b->local ? -1 : a->local > b->local;
}

static int cmp_exact(const void *x, const void *y)
{
    const struct zip_entry *a = *(const struct zip_entry *const *)x;
    const struct zip_entry *b = *(const struct zip_entry *const *)y;
    return strcmp(a->name, b->name);
}

/* No two names alike, no two entries sharing bytes; the name indexes. */
static int check_layout(struct convp_zip *z, struct conv_error *err)
{
    struct zip_entry **v = convp_malloc(z->ctx, z->n * sizeof *v);
    z->by_name = convp_malloc(z->ctx, z->n * sizeof *z->by_name);
    z->by_fold = convp_malloc(z->ctx, z->n * sizeof *z->by_fold);
    if (!v || !z->by_name || !z->by_fold) {
        convp_free(z->ctx, v);
        convp_error_set(err, CONV_E_NOMEM, z->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    for (size_t i = 0; i < z->n; i++)
        v[i] = z->by_name[i] = &z->entries[i];
    qsort(z->by_name, z->n, sizeof *v, cmp_exact);
    int rc = CONV_OK;
    qsort(v, z->n, sizeof *v, cmp_name);
    memcpy(z->by_fold, v, z->n * sizeof *v);
    for (size_t i = 1; i < z->n && rc == CONV_OK; i++)
        if (name_cmp_fold(v[i - 1]->name, v[i]->name) == 0)
            rc = damaged(z, err, "the name appears twice", v[i]->name);
    qsort(v, z->n, sizeof *v, cmp_local);
    for (size_t i = 1; i < z->n && rc == CONV_OK; i++)
        if (v[i - 1]->data + v[i - 1]->csize > v[i]->local) {
            convp_error_set(err, CONV_E_SYNTAX, z->source, 0, 0,
                            "damaged workbook: zip entries '%.120s' and '%.120s' overlap "
                            "(a zip bomb?)",
                            v[i - 1]->name, v[i]->name);
            rc = CONV_ERR;
        }
    convp_free(z->ctx, v);
    return rc;
}

static int read_directory(struct convp_zip *z, struct conv_error *err)
{
    unz_global_info64 gi;
    if (unzGetGlobalInfo64(z->uf, &gi) != UNZ_OK)
        return damaged(z, err, "unreadable central directory", NULL);
    if (gi.number_entry == 0)
        return damaged(z, err, "the zip archive is empty", NULL);
    if (gi.number_entry > ZIP_MAX_ENTRIES) {
        convp_error_set(err, CONV_E_LIMIT, z->source, 0, 0,
                        "more than %d entries in the workbook's zip archive", ZIP_MAX_ENTRIES);
        return CONV_ERR;
    }
    size_t cap = 0;
    char name[ZIP_MAX_NAME + 1];
    int rc = unzGoToFirstFile(z->uf);
    while (rc == UNZ_OK) {
        unz_file_info64 fi;
        if (unzGetCurrentFileInfo64(z->uf, &fi, name, sizeof name, NULL, 0, NULL, 0) != UNZ_OK)
            return damaged(z, err, "bad central directory record", NULL);
        if (fi.size_filename > ZIP_MAX_NAME)
            return damaged(z, err, "an entry name is too long", NULL);
        name[fi.size_filename] = '\0';
        if (strlen(name) != fi.size_filename || fi.size_filename == 0)
            return damaged(z, err, "an entry name is empty or holds a NUL byte", NULL);
        if (z->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct zip_entry *p = convp_realloc(z->ctx, z->entries, ncap * sizeof *p);
            if (!p)
                goto nomem;
            z->entries = p;
            cap = ncap;
        }
        struct zip_entry *e = &z->entries[z->n];
        memset(e, 0, sizeof *e);
        if (!(e->name = convp_strdup(z->ctx, name)))
            goto nomem;
        z->n++;
        e->csize = fi.compressed_size;
        e->usize = fi.uncompressed_size;
        e->method = (unsigned)fi.compression_method;
        if (fi.flag & 1u) {
            convp_error_set(err, CONV_E_SYNTAX, z->source, 0, 0,
                            "encrypted zip entry '%.200s': password-protected parts are not "
                            "supported",
                            name);
            return CONV_ERR;
        }
        if (e->method != 0 && e->method != Z_DEFLATED) {
            convp_error_set(err, CONV_E_SYNTAX, z->source, 0, 0,
                            "zip entry '%.200s' uses compression method %u (only stored and "
                            "deflate are read)",
                            name, e->method);
            return CONV_ERR;
        }
        if (unzGetFilePos64(z->uf, &e->fpos) != UNZ_OK ||
            locate(z, e, e->fpos.pos_in_zip_directory, err) != CONV_OK)
            return damaged(z, err, "bad central directory record", name);
        rc = unzGoToNextFile(z->uf);
    }
    if (rc != UNZ_END_OF_LIST_OF_FILE || z->n != gi.number_entry)
        return damaged(z, err, "bad central directory", NULL);
    return check_layout(z, err);
nomem:
    convp_error_set(err, CONV_E_NOMEM, z->source, 0, 0, "out of memory");
    return CONV_ERR;
}

struct convp_zip *convp_zip_open(struct conv_context *ctx, struct convp_input *in,
                                 const char *source, const char *what, uint64_t max_part,
                                 uint64_t max_total, struct conv_error *err)
{
    struct convp_zip *z = convp_calloc(ctx, 1, sizeof *z);
    if (!z) {
        convp_error_set(err, CONV_E_NOMEM, source, 0, 0, "out of memory");
        return NULL;
    }
    z->ctx = ctx;
    z->in = in;
    z->source = source;
    z->what = what;
    z->cur = -1;
    z->max_part = max_part;
    z->max_total = max_total;
    char limit[96];
    snprintf(limit, sizeof limit, "an %s read from a stream (4 x max-part-size) is", what);
    if (convp_input_random(in, max_total, limit, err) != CONV_OK)
        goto fail;
    z->size = convp_input_size(in);
    unsigned char magic[8] = {0};
    size_t have = z->size < sizeof magic ? (size_t)z->size : sizeof magic;
    if (src_pread(z, 0, magic, have) != 0) {
        *err = z->ioerr;
        goto fail;
    }
    static const unsigned char ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (have == 8 && !memcmp(magic, ole, 8)) {
        convp_error_set(err, CONV_E_SYNTAX, source, 0, 0,
                        "encrypted workbook or old .xls (OLE compound file): save it as .xlsx");
        goto fail;
    }
    if (have < 4 || memcmp(magic, "PK\3\4", 4) != 0) {
        if (have >= 4 && !memcmp(magic, "PK\5\6", 4))
            convp_error_set(err, CONV_E_SYNTAX, source, 0, 0, "not an %s (an empty zip archive)",
                            what);
        else
            convp_error_set(err, CONV_E_SYNTAX, source, 0, 0, "not an %s (not a zip archive)",
                            what);
        goto fail;
    }
    zlib_filefunc64_def io = {
        .zopen64_file = io_open,
        .zread_file = io_read,
        .zwrite_file = io_write,
        .ztell64_file = io_tell,
        .zseek64_file = io_seek,
        .zclose_file = io_close,
        .zerror_file = io_error,
        .opaque = z,
    };
    z->uf = unzOpen2_64(source, &io);
    if (!z->uf) {
        if (z->io_error)
            *err = z->ioerr;
        else
            convp_error_set(err, CONV_E_SYNTAX, source, 0, 0,
                            "damaged workbook: no zip central directory (truncated?)");
        goto fail;
    }
    if (read_directory(z, err) != CONV_OK)
        goto fail;
    return z;
fail:
    convp_zip_close(z);
    return NULL;
}

void convp_zip_close(struct convp_zip *z)
{
    if (!z)
        return;
    if (z->uf) {
        if (z->cur >= 0)
            unzCloseCurrentFile(z->uf);
        unzClose(z->uf);
    }
    for (size_t i = 0; i < z->n; i++)
        convp_free(z->ctx, z->entries[i].name);
    convp_free(z->ctx, z->entries);
    convp_free(z->ctx, z->by_name);
    convp_free(z->ctx, z->by_fold);
    convp_free(z->ctx, z);
}

long convp_zip_find(const struct convp_zip *z, const char *name)
{
    struct zip_entry key = {.name = (char *)name}, *k = &key, **hit;
    hit = bsearch(&k, z->by_name, z->n, sizeof *z->by_name, cmp_exact);
    if (!hit)
        hit = bsearch(&k, z->by_fold, z->n, sizeof *z->by_fold, cmp_name);
    return hit ? (long)(*hit - z->entries) : -1;
}

const char *convp_zip_name(const struct convp_zip *z, size_t i)
{
    return i < z->n ? z->entries[i].name : "";
}

/* ---- reading a part ------------------------------------------------------------------------ */

int convp_zip_open_entry(struct convp_zip *z, size_t i, struct conv_error *err)
{
    if (z->cur >= 0) {
        unzCloseCurrentFile(z->uf);
        z->cur = -1;
    }
    struct zip_entry *e = &z->entries[i];
    if (e->usize > z->max_part) {
        convp_error_set(err, CONV_E_LIMIT, z->source, 0, 0,
                        "part '%.200s' inflates to %llu bytes, over the limit of %llu "
                        "(max-part-size)",
                        e->name, (unsigned long long)e->usize, (unsigned long long)z->max_part);
        return CONV_ERR;
    }
    if ((e->method == 0 && e->usize != e->csize) ||
        (e->method != 0 && e->usize / ZIP_MAX_RATIO > e->csize + 1))
        return damaged(z, err, "its sizes cannot be right (a zip bomb?)", e->name);
    if (unzGoToFilePos64(z->uf, &e->fpos) != UNZ_OK || unzOpenCurrentFile(z->uf) != UNZ_OK)
        return damaged(z, err, "cannot start reading it", e->name);
    z->cur = (long)i;
    if (unzGetCurrentFileZStreamPos64(z->uf) != e->data)
        return damaged(z, err, "its headers disagree", e->name);
    z->got = 0;
    z->ended = 0;
    return CONV_OK;
}

long convp_zip_read(struct convp_zip *z, void *buf, size_t n, struct conv_error *err)
{
    if (z->cur < 0 || z->ended)
        return 0;
    struct zip_entry *e = &z->entries[z->cur];
    if (n > (size_t)INT_MAX)
        n = (size_t)INT_MAX;
    int r = unzReadCurrentFile(z->uf, buf, (unsigned)n);
    if (r < 0) {
        if (z->io_error)
            *err = z->ioerr;
        else
            damaged(z, err, "its compressed data is damaged or cut short", e->name);
        return -1;
    }
    if (r > 0) {
        z->got += (uint64_t)r;
        z->total += (uint64_t)r;
        if (z->got > e->usize) {
            damaged(z, err, "it inflates past its declared size (a zip bomb?)", e->name);
            return -1;
        }
        if (z->total > z->max_total) {
            convp_error_set(err, CONV_E_LIMIT, z->source, 0, 0,
                            "the parts read inflate to more than %llu bytes (4 x "
                            "max-part-size)",
                            (unsigned long long)z->max_total);
            return -1;
        }
        return r;
    }
    z->ended = 1;
    if (z->got != e->usize) {
        damaged(z, err, "it is shorter than its declared size", e->name);
        return -1;
    }
    int rc = unzCloseCurrentFile(z->uf);
    z->cur = -1;
    if (rc == UNZ_CRCERROR) {
        damaged(z, err, "CRC mismatch", e->name);
        return -1;
    }
    if (rc != UNZ_OK) {
        damaged(z, err, "cannot finish reading it", e->name);
        return -1;
    }
    return 0;
}
