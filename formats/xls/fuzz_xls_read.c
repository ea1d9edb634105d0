/*
 * libFuzzer target for the XLS reader.  The first byte picks the mode: bit 0
 * set wraps the rest as the Workbook stream of a well-formed OLE compound
 * file, so the fuzzer works on the BIFF records; clear reads the rest as the
 * file itself (compound file layer included).  Bits 1-3 pick the reading
 * options (fuzz_book_options): duplicate-names=rename, header-row=2,
 * raw-numbers.  Every record is read, from memory and again through a
 * callback (both must agree); the reader must fail cleanly.
 */
#include "conv/conv.h"
#include "fuzz_common.h"

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xFFFF);
    put16(p + 2, v >> 16);
}

static void dirent(uint8_t *e, const char *name, uint8_t type, uint32_t child, uint32_t start,
                   uint32_t size)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++)
        put16(e + 2 * i, (uint8_t)name[i]);
    put16(e + 0x40, (uint32_t)(2 * n + 2));
    e[0x42] = type;
    e[0x43] = 1;
    put32(e + 0x44, 0xFFFFFFFFu);
    put32(e + 0x48, 0xFFFFFFFFu);
    put32(e + 0x4C, child);
    put32(e + 0x74, start);
    put32(e + 0x78, size);
}

/* A version 3 compound file (512-byte sectors) holding one stream, at
 * least 4096 bytes long so that it is not in the mini stream.  Nothing
 * when the stream is too large for the header's 109 FAT sectors. */
static void wrap(struct fuzz_buf *out, const uint8_t *s, size_t n)
{
    size_t len = n < 4096 ? 4096 : n;
    size_t nsec = (len + 511) / 512, nfat = 1;
    while (nfat * 128 < nfat + 1 + nsec)
        nfat++;
    if (nfat > 109)
        return;
    uint8_t *f = fuzz_buf_grow(out, 512 * (1 + nfat + 1 + nsec));
    static const uint8_t sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    memcpy(f, sig, 8);
    put16(f + 0x18, 0x3E);
    put16(f + 0x1A, 3);
    put16(f + 0x1C, 0xFFFE);
    put16(f + 0x1E, 9);
    put16(f + 0x20, 6);
    put32(f + 0x2C, (uint32_t)nfat);
    put32(f + 0x30, (uint32_t)nfat);
    put32(f + 0x38, 4096);
    put32(f + 0x3C, 0xFFFFFFFEu);
    put32(f + 0x44, 0xFFFFFFFEu);
    for (size_t i = 0; i < 109; i++)
        put32(f + 0x4C + 4 * i, i < nfat ? (uint32_t)i : 0xFFFFFFFFu);
    uint8_t *fat = f + 512;
    for (size_t i = 0; i < nfat * 128; i++) {
        uint32_t v = 0xFFFFFFFFu;
        if (i < nfat)
            v = 0xFFFFFFFDu;
        else if (i == nfat)
            v = 0xFFFFFFFEu;
        else if (i < nfat + 1 + nsec)
            v = i + 1 == nfat + 1 + nsec ? 0xFFFFFFFEu : (uint32_t)(i + 1);
        put32(fat + 4 * i, v);
    }
    uint8_t *dir = f + 512 * (1 + nfat);
    dirent(dir, "Root Entry", 5, 1, 0xFFFFFFFEu, 0);
    dirent(dir + 128, "Workbook", 2, 0xFFFFFFFFu, (uint32_t)(nfat + 1), (uint32_t)len);
    for (int k = 2; k < 4; k++) {
        put32(dir + 128 * k + 0x44, 0xFFFFFFFFu);
        put32(dir + 128 * k + 0x48, 0xFFFFFFFFu);
        put32(dir + 128 * k + 0x4C, 0xFFFFFFFFu);
    }
    if (n)
        memcpy(dir + 512, s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_wrapped("xls", data, size, fuzz_book_options, wrap, 4093);
    return 0;
}
