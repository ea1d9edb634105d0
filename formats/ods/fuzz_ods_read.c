/*
 * libFuzzer target for the ODS reader.  The first byte picks the mode: bit 0
 * set wraps the rest as content.xml in a stored zip (after a mimetype
 * entry), so the fuzzer works on the XML; clear reads the rest as the
 * document itself (zip layer included).  Bit 1 sets duplicate-names=rename,
 * bit 2 header-row=2.  Every record is read; the reader must fail cleanly.
 */
#include "conv/conv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct zbuf {
    uint8_t *p;
    size_t n, cap;
};

static void zput(struct zbuf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void z16(struct zbuf *b, uint32_t v)
{
    uint8_t s[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    zput(b, s, 2);
}

static void z32(struct zbuf *b, uint32_t v)
{
    z16(b, v & 0xFFFF);
    z16(b, v >> 16);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void wrap(struct zbuf *z, const uint8_t *xml, size_t n)
{
    static const char mime[] = "application/vnd.oasis.opendocument.spreadsheet";
    const char *names[2] = {"mimetype", "content.xml"};
    const uint8_t *datas[2] = {(const uint8_t *)mime, xml};
    size_t lens[2] = {sizeof mime - 1, n};
    uint32_t offs[2], crcs[2];
    for (int i = 0; i < 2; i++) {
        offs[i] = (uint32_t)z->n;
        crcs[i] = crc32_of(datas[i], lens[i]);
        z32(z, 0x04034b50u);
        z16(z, 20);
        z16(z, 0);
        z16(z, 0);
        z32(z, 0);
        z32(z, crcs[i]);
        z32(z, (uint32_t)lens[i]);
        z32(z, (uint32_t)lens[i]);
        z16(z, (uint32_t)strlen(names[i]));
        z16(z, 0);
        zput(z, names[i], strlen(names[i]));
        zput(z, datas[i], lens[i]);
    }
    uint32_t cd = (uint32_t)z->n;
    for (int i = 0; i < 2; i++) {
        z32(z, 0x02014b50u);
        z16(z, 20);
        z16(z, 20);
        z16(z, 0);
        z16(z, 0);
        z32(z, 0);
        z32(z, crcs[i]);
        z32(z, (uint32_t)lens[i]);
        z32(z, (uint32_t)lens[i]);
        z16(z, (uint32_t)strlen(names[i]));
        z32(z, 0);
        z16(z, 0);
        z16(z, 0);
        z32(z, 0);
        z32(z, offs[i]);
        zput(z, names[i], strlen(names[i]));
    }
    uint32_t len = (uint32_t)z->n - cd;
    z32(z, 0x06054b50u);
    z32(z, 0);
    z16(z, 2);
    z16(z, 2);
    z32(z, len);
    z32(z, cd);
    z16(z, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    struct zbuf z = {NULL, 0, 0};
    const uint8_t *doc = data + 1;
    size_t n = size - 1;
    if (mode & 1) {
        wrap(&z, doc, n);
        doc = z.p;
        n = z.n;
    }
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *opts = conv_options_new(ctx);
    if (!ctx || !opts)
        abort();
    conv_options_set(opts, "from", "ods");
    conv_options_set(opts, "max-part-size", "16777216");
    if (mode & 2)
        conv_options_set(opts, "duplicate-names", "rename");
    if (mode & 4)
        conv_options_set(opts, "header-row", "2");
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, n, "fuzz.ods", opts, &err);
    if (rd) {
        const struct conv_record *rec;
        while (conv_reader_next(rd, &rec) == CONV_OK)
            for (size_t i = 0; i < conv_record_count(rec); i++) {
                const struct conv_value *v = conv_record_value(rec, i);
                if (!v || strlen(v->text) != v->len)
                    abort();
            }
        conv_reader_close(rd);
    }
    conv_options_free(opts);
    conv_context_free(ctx);
    free(z.p);
    return 0;
}
