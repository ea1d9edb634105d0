/*
 * OLE2 compound file reading for the XLS reader (see xls_cfb.h).  The
 * header, DIFAT, FAT, directory and mini FAT are read once, every sector
 * number bounds-checked and every chain followed at most once per sector;
 * the selected stream is then read at any offset through its chain.
 * Nothing is allocated from a declared size before it is checked against
 * the file and the cap.
 */
#include "xls_cfb.h"


#define CFB_FREE 0xFFFFFFFFu
#define CFB_END 0xFFFFFFFEu
#define CFB_NOSTREAM 0xFFFFFFFFu
#define CFB_HEADER 512
#define CFB_MINI 64
#define CFB_CUTOFF 4096
#define CFB_WINDOW ((size_t)64 << 10) /* read-ahead of a file read in place */

struct cfb_dirent {
    uint16_t name[32];
    uint8_t nlen; /* code units, without the terminating NUL */
    uint8_t type; /* 1 storage, 2 stream, 5 root */
    uint32_t left, right, child;
    uint32_t start;
    uint64_t size;
};

struct convp_cfb {
    struct conv_context *ctx;
    struct convp_input *in;
    const char *source;
    uint64_t max;
    /* the bytes: a memory input in place, else the input's random access
     * (convp_input_pread) through a window */
    const unsigned char *mem;
    uint64_t fsize;
    unsigned char *win;
    uint64_t win_off;
    size_t win_len;
    /* the file system */
    uint32_t ssz;  /* sector size */
    uint32_t nsec; /* sectors in the file (the last may be short) */
    uint32_t *fat; /* nsec entries */
    uint32_t *minifat;
    uint32_t nminifat;
    struct cfb_dirent *dir;
    size_t ndir;
    uint32_t *root_chain; /* the mini stream's sectors */
    size_t nroot;
    uint64_t root_size;
    /* the selected stream */
    uint32_t *chain;
    size_t nchain;
    int mini;
    uint64_t size;
};

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int damaged(struct convp_cfb *c, struct conv_error *err, const char *what)
{
    convp_error_set(err, CONV_E_SYNTAX, c->source, 0, 0,
                    "damaged or truncated Excel 97-2003 workbook (OLE compound file): %s", what);
    return CONV_ERR;
}

static int nomem(struct convp_cfb *c, struct conv_error *err)
{
    convp_error_set(err, CONV_E_NOMEM, c->source, 0, 0, "out of memory");
    return CONV_ERR;
}

static int too_big(struct convp_cfb *c, struct conv_error *err, const char *what)
{
    convp_error_set(err, CONV_E_LIMIT, c->source, 0, 0, "%s larger than %llu bytes (max-part-size)",
                    what, (unsigned long long)c->max);
    return CONV_ERR;
}

/* n bytes of the file at off. */
static int src_read(struct convp_cfb *c, uint64_t off, void *buf, size_t n, struct conv_error *err)
{
    if (off > c->fsize || n > c->fsize - off)
        return damaged(c, err, "data past the end of the file");
    if (c->mem) {
        memcpy(buf, c->mem + off, n);
        return CONV_OK;
    }
    if (n > CFB_WINDOW / 2) /* not through the window */
        return convp_input_pread(c->in, off, buf, n, err) == CONV_OK ? CONV_OK : CONV_ERR;
    if (!(off >= c->win_off && off + n <= c->win_off + c->win_len)) {
        uint64_t start = off & ~(uint64_t)4095;
        size_t len = c->fsize - start < CFB_WINDOW ? (size_t)(c->fsize - start) : CFB_WINDOW;
        c->win_len = 0;
        if (convp_input_pread(c->in, start, c->win, len, err) != CONV_OK)
            return CONV_ERR;
        c->win_off = start;
        c->win_len = len;
    }
    memcpy(buf, c->win + (off - c->win_off), n);
    return CONV_OK;
}

/* A whole sector. */
static int read_sector(struct convp_cfb *c, uint32_t s, unsigned char *buf, struct conv_error *err)
{
    if (s >= c->nsec)
        return damaged(c, err, "a sector number out of range");
    return src_read(c, ((uint64_t)s + 1) * c->ssz, buf, c->ssz, err);
}

/*
 * Follow a FAT chain from start: want sectors (0: to its end).  The chain
 * is checked: every sector in the file, none twice (a loop), not shorter
 * than wanted.  *out is allocated.
 */
static int follow(struct convp_cfb *c, uint32_t start, size_t want, uint32_t **out, size_t *nout,
                  const char *what, struct conv_error *err)
{
    *out = NULL;
    *nout = 0;
    if (want > c->nsec)
        return damaged(c, err, what);
    size_t cap = want ? want : 16;
    uint32_t *v = convp_malloc(c->ctx, cap * sizeof *v);
    unsigned char *seen = convp_calloc(c->ctx, c->nsec / 8 + 1, 1);
    if (!v || !seen) {
        convp_free(c->ctx, v);
        convp_free(c->ctx, seen);
        return nomem(c, err);
    }
    size_t n = 0;
    uint32_t s = start;
    int rc = CONV_OK;
    while (want ? n < want : s != CFB_END) {
        if (s >= c->nsec) {
            rc = damaged(c, err, s == CFB_END ? what : "a chain leads out of the file");
            break;
        }
        if (seen[s / 8] & (1u << (s % 8))) {
            rc = damaged(c, err, "a sector chain loops");
            break;
        }
        seen[s / 8] |= (unsigned char)(1u << (s % 8));
        if (n == cap) {
            uint32_t *q = convp_realloc(c->ctx, v, cap * 2 * sizeof *v);
            if (!q) {
                rc = nomem(c, err);
                break;
            }
            v = q;
            cap *= 2;
        }
        v[n++] = s;
        s = c->fat[s];
    }
    convp_free(c->ctx, seen);
    if (rc != CONV_OK) {
        convp_free(c->ctx, v);
        return rc;
    }
    *out = v;
    *nout = n;
    return CONV_OK;
}

/* The bytes: a memory input in place; a file, or a streaming input copied
 * to a temporary file (at most twice the cap), through a window. */
static int get_bytes(struct convp_cfb *c, struct convp_input *in, struct conv_error *err)
{
    if (convp_input_random(in, c->max * 2,
                           "a workbook read from a stream (twice max-part-size) is",
                           err) != CONV_OK)
        return CONV_ERR;
    c->fsize = convp_input_size(in);
    size_t msize;
    c->mem = convp_input_memory(in, &msize);
    if (c->mem)
        return CONV_OK;
    c->win = convp_malloc(c->ctx, CFB_WINDOW);
    return c->win ? CONV_OK : nomem(c, err);
}

static int read_fat(struct convp_cfb *c, const unsigned char *h, struct conv_error *err)
{
    uint32_t per = c->ssz / 4;
    uint32_t nfatsec = le32(h + 0x2C);
    uint32_t need = (uint32_t)(((uint64_t)c->nsec + per - 1) / per);
    if (nfatsec > c->nsec)
        return damaged(c, err, "more FAT sectors than the file has");
    if ((uint64_t)c->nsec * 4 > c->max)
        return too_big(c, err, "the file's allocation table is");
    c->fat = convp_malloc(c->ctx, ((size_t)c->nsec + 1) * sizeof *c->fat);
    unsigned char *buf = convp_malloc(c->ctx, c->ssz);
    if (!c->fat || !buf) {
        convp_free(c->ctx, buf);
        return nomem(c, err);
    }
    for (uint32_t i = 0; i < c->nsec; i++)
        c->fat[i] = CFB_FREE;
    uint32_t take = nfatsec < need ? nfatsec : need; /* FAT sectors that cover the file */
    uint32_t difat = le32(h + 0x44), ndifat = le32(h + 0x48);
    uint32_t k = 0, hops = 0;
    int rc = CONV_OK;
    const unsigned char *list = h + 0x4C;
    uint32_t nlist = 109, li = 0;
    while (k < take && rc == CONV_OK) {
        if (li == nlist) {
            /* The next DIFAT sector: per - 1 entries and the next one's number. */
            if (hops++ >= ndifat || hops > c->nsec) {
                rc = damaged(c, err, "the DIFAT ends before the FAT does");
                break;
            }
            if ((rc = read_sector(c, difat, buf, err)) != CONV_OK)
                break;
            difat = le32(buf + c->ssz - 4);
            list = buf;
            nlist = per - 1;
            li = 0;
            continue;
        }
        uint32_t s = le32(list + 4 * li++);
        if (s >= c->nsec) {
            rc = damaged(c, err, "a FAT sector out of range");
            break;
        }
        /* buf may hold the DIFAT sector being walked: read via the window. */
        for (uint32_t e = 0; e < per && rc == CONV_OK; e++) {
            uint64_t idx = (uint64_t)k * per + e;
            if (idx >= c->nsec)
                break;
            unsigned char v[4];
            rc = src_read(c, ((uint64_t)s + 1) * c->ssz + 4 * e, v, 4, err);
            c->fat[idx] = le32(v);
        }
        k++;
    }
    convp_free(c->ctx, buf);
    return rc;
}

static int read_dir(struct convp_cfb *c, uint32_t start, struct conv_error *err)
{
    uint32_t *chain;
    size_t n;
    if (follow(c, start, 0, &chain, &n, "the directory chain ends early", err) != CONV_OK)
        return CONV_ERR;
    if ((uint64_t)n * c->ssz > c->max) {
        convp_free(c->ctx, chain);
        return too_big(c, err, "the directory is");
    }
    size_t per = c->ssz / 128;
    c->dir = convp_calloc(c->ctx, n * per + 1, sizeof *c->dir);
    unsigned char *buf = convp_malloc(c->ctx, c->ssz);
    int rc = CONV_OK;
    if (!c->dir || !buf)
        rc = nomem(c, err);
    for (size_t i = 0; i < n && rc == CONV_OK; i++) {
        if ((rc = read_sector(c, chain[i], buf, err)) != CONV_OK)
            break;
        for (size_t k = 0; k < per; k++) {
            const unsigned char *e = buf + 128 * k;
            struct cfb_dirent *d = &c->dir[c->ndir++];
            uint16_t nbytes = le16(e + 0x40);
            d->type = e[0x42];
            if (nbytes > 64 || nbytes % 2)
                nbytes = 0; /* a malformed name matches nothing */
            d->nlen = (uint8_t)(nbytes ? nbytes / 2 - 1 : 0);
            for (size_t j = 0; j < d->nlen; j++)
                d->name[j] = le16(e + 2 * j);
            d->left = le32(e + 0x44);
            d->right = le32(e + 0x48);
            d->child = le32(e + 0x4C);
            d->start = le32(e + 0x74);
            d->size = le32(e + 0x78);
            if (c->ssz != 512) /* version 3 files may have junk in the high half */
                d->size |= (uint64_t)le32(e + 0x7C) << 32;
        }
    }
    convp_free(c->ctx, buf);
    convp_free(c->ctx, chain);
    if (rc == CONV_OK && (c->ndir == 0 || c->dir[0].type != 5))
        rc = damaged(c, err, "no root entry in the directory");
    return rc;
}

/* The mini FAT and the mini stream's chain, when a stream lives there. */
static int read_mini(struct convp_cfb *c, struct conv_error *err)
{
    if (c->root_chain)
        return CONV_OK;
    const struct cfb_dirent *root = &c->dir[0];
    c->root_size = root->size;
    if (c->root_size > c->max)
        return too_big(c, err, "the mini stream is");
    size_t need = (size_t)((c->root_size + c->ssz - 1) / c->ssz);
    if (follow(c, root->start, need, &c->root_chain, &c->nroot,
               "the mini stream's chain ends early", err) != CONV_OK)
        return CONV_ERR;
    return CONV_OK;
}

struct convp_cfb *convp_cfb_open(struct conv_context *ctx, struct convp_input *in,
                                 const char *source, uint64_t max_stream, struct conv_error *err)
{
    static const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    struct convp_cfb *c = convp_calloc(ctx, 1, sizeof *c);
    if (!c) {
        convp_error_set(err, CONV_E_NOMEM, source, 0, 0, "out of memory");
        return NULL;
    }
    c->ctx = ctx;
    c->in = in;
    c->source = source;
    c->max = max_stream;
    unsigned char h[CFB_HEADER];
    if (get_bytes(c, in, err) != CONV_OK)
        goto fail;
    if (c->fsize < 8 ||
        (c->mem ? memcmp(c->mem, sig, 8) != 0
                : (src_read(c, 0, h, 8, err) != CONV_OK || memcmp(h, sig, 8) != 0))) {
        conv_error_clear(err);
        convp_error_set(err, CONV_E_SYNTAX, source, 0, 0,
                        "not an Excel 97-2003 workbook: no OLE compound file signature");
        goto fail;
    }
    if (c->fsize < CFB_HEADER) {
        damaged(c, err, "the header is cut short");
        goto fail;
    }
    if (src_read(c, 0, h, CFB_HEADER, err) != CONV_OK)
        goto fail;
    uint16_t shift = le16(h + 0x1E);
    if (le16(h + 0x1C) != 0xFFFE || (shift != 9 && shift != 12) || le16(h + 0x20) != 6 ||
        le32(h + 0x38) != CFB_CUTOFF) {
        damaged(c, err, "a bad header (byte order, sector sizes)");
        goto fail;
    }
    c->ssz = 1u << shift;
    if (c->fsize <= c->ssz) {
        damaged(c, err, "no sectors after the header");
        goto fail;
    }
    uint64_t nsec = (c->fsize - c->ssz + c->ssz - 1) / c->ssz;
    c->nsec = nsec > 0xFFFFFFF0u ? 0xFFFFFFF0u : (uint32_t)nsec;
    if (read_fat(c, h, err) != CONV_OK || read_dir(c, le32(h + 0x30), err) != CONV_OK)
        goto fail;
    /* The mini FAT: its own chain of regular sectors. */
    uint32_t mstart = le32(h + 0x3C), mcount = le32(h + 0x40);
    if (mcount && mstart != CFB_END) {
        uint32_t *chain;
        size_t n;
        if (mcount > c->nsec) {
            damaged(c, err, "more mini FAT sectors than the file has");
            goto fail;
        }
        if ((uint64_t)mcount * c->ssz > c->max) {
            too_big(c, err, "the mini allocation table is");
            goto fail;
        }
        if (follow(c, mstart, mcount, &chain, &n, "the mini FAT's chain ends early", err) !=
            CONV_OK)
            goto fail;
        c->nminifat = (uint32_t)(n * (c->ssz / 4));
        c->minifat = convp_malloc(c->ctx, ((size_t)c->nminifat + 1) * sizeof *c->minifat);
        unsigned char *buf = convp_malloc(c->ctx, c->ssz);
        int rc = c->minifat && buf ? CONV_OK : nomem(c, err);
        for (size_t i = 0; i < n && rc == CONV_OK; i++) {
            if ((rc = read_sector(c, chain[i], buf, err)) != CONV_OK)
                break;
            for (uint32_t k = 0; k < c->ssz / 4; k++)
                c->minifat[i * (c->ssz / 4) + k] = le32(buf + 4 * k);
        }
        convp_free(c->ctx, buf);
        convp_free(c->ctx, chain);
        if (rc != CONV_OK)
            goto fail;
    }
    return c;
fail:
    convp_cfb_close(c);
    return NULL;
}

void convp_cfb_close(struct convp_cfb *c)
{
    if (!c)
        return;
    convp_free(c->ctx, c->win);
    convp_free(c->ctx, c->fat);
    convp_free(c->ctx, c->minifat);
    convp_free(c->ctx, c->dir);
    convp_free(c->ctx, c->root_chain);
    convp_free(c->ctx, c->chain);
    convp_free(c->ctx, c);
}

static int name_is(const struct cfb_dirent *d, const char *name)
{
    size_t n = strlen(name);
    if (d->nlen != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t a = d->name[i];
        int b = (unsigned char)name[i];
        if (a >= 'a' && a <= 'z')
            a = (uint16_t)(a - 32);
        if (b >= 'a' && b <= 'z')
            b -= 32;
        if (a != b)
            return 0;
    }
    return 1;
}

long convp_cfb_find(const struct convp_cfb *c, const char *name)
{
    /* The root's children form a tree through left and right; storages
     * (embedded objects) are not entered. */
    uint32_t *stack = convp_malloc(c->ctx, (2 * c->ndir + 1) * sizeof *stack);
    unsigned char *seen = convp_calloc(c->ctx, c->ndir + 1, 1);
    long found = -1;
    if (stack && seen) {
        size_t sp = 0;
        stack[sp++] = c->dir[0].child;
        while (sp && found < 0) {
            uint32_t i = stack[--sp];
            if (i == CFB_NOSTREAM || i >= c->ndir || seen[i])
                continue;
            seen[i] = 1;
            const struct cfb_dirent *d = &c->dir[i];
            if ((d->type == 2 || d->type == 1) && name_is(d, name))
                found = d->type == 2 ? (long)i : -1;
            stack[sp++] = d->left;
            stack[sp++] = d->right;
        }
    }
    convp_free(c->ctx, stack);
    convp_free(c->ctx, seen);
    return found;
}

int convp_cfb_select(struct convp_cfb *c, long entry, uint64_t *size, struct conv_error *err)
{
    convp_free(c->ctx, c->chain);
    c->chain = NULL;
    c->nchain = 0;
    c->size = 0;
    if (entry < 0 || (size_t)entry >= c->ndir || c->dir[entry].type != 2)
        return damaged(c, err, "no such stream");
    const struct cfb_dirent *d = &c->dir[entry];
    if (d->size > c->max)
        return too_big(c, err, "the workbook stream is");
    if (d->size >= CFB_CUTOFF) {
        uint64_t need = (d->size + c->ssz - 1) / c->ssz;
        if (need > c->nsec)
            return damaged(c, err, "a stream larger than the file");
        if (follow(c, d->start, (size_t)need, &c->chain, &c->nchain,
                   "a stream's chain ends before its size", err) != CONV_OK)
            return CONV_ERR;
        c->mini = 0;
    } else {
        if (read_mini(c, err) != CONV_OK)
            return CONV_ERR;
        uint64_t nmini = c->root_size / CFB_MINI;
        size_t need = (size_t)((d->size + CFB_MINI - 1) / CFB_MINI);
        if (need > nmini)
            return damaged(c, err, "a stream larger than the mini stream");
        uint32_t *v = convp_malloc(c->ctx, (need + 1) * sizeof *v);
        unsigned char *seen = convp_calloc(c->ctx, (size_t)nmini / 8 + 1, 1);
        int rc = v && seen ? CONV_OK : nomem(c, err);
        uint32_t s = d->start;
        for (size_t i = 0; i < need && rc == CONV_OK; i++) {
            if (s >= nmini || s >= c->nminifat)
                rc = damaged(c, err, "a mini sector chain leads out of the mini stream");
            else if (seen[s / 8] & (1u << (s % 8)))
                rc = damaged(c, err, "a sector chain loops");
            else {
                seen[s / 8] |= (unsigned char)(1u << (s % 8));
                v[i] = s;
                s = c->minifat[s];
            }
        }
        convp_free(c->ctx, seen);
        if (rc != CONV_OK) {
            convp_free(c->ctx, v);
            return rc;
        }
        c->chain = v;
        c->nchain = need;
        c->mini = 1;
    }
    c->size = d->size;
    *size = d->size;
    return CONV_OK;
}

int convp_cfb_read(struct convp_cfb *c, uint64_t off, void *buf, size_t n, struct conv_error *err)
{
    if (off > c->size || n > c->size - off)
        return damaged(c, err, "a record runs past the end of the workbook stream");
    unsigned char *p = buf;
    uint32_t bs = c->mini ? CFB_MINI : c->ssz;
    while (n) {
        uint64_t i = off / bs;
        uint32_t within = (uint32_t)(off % bs);
        size_t take = bs - within < n ? bs - within : n;
        if (i >= c->nchain)
            return damaged(c, err, "a stream's chain ends before its size");
        uint64_t at;
        if (!c->mini) {
            at = ((uint64_t)c->chain[i] + 1) * c->ssz + within;
        } else {
            uint64_t moff = (uint64_t)c->chain[i] * CFB_MINI + within;
            uint64_t j = moff / c->ssz;
            if (j >= c->nroot)
                return damaged(c, err, "the mini stream's chain ends early");
            at = ((uint64_t)c->root_chain[j] + 1) * c->ssz + moff % c->ssz;
        }
        if (src_read(c, at, p, take, err) != CONV_OK)
            return CONV_ERR;
        p += take;
        off += take;
        n -= take;
    }
    return CONV_OK;
}
