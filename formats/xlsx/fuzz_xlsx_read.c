/*
 * libFuzzer target for the XLSX reader.  The first byte picks the mode
 * and the reader options:
 *   even: the rest is read as a workbook file as it is (the zip layer,
 *         damaged and hostile archives);
 *   odd:  the rest is split at "@@@\n" into a worksheet, shared strings,
 *         styles and a second worksheet, which are wrapped in a valid
 *         stored zip with a standard workbook around them, so that the
 *         XML parts themselves get fuzzed past the CRC checks.
 * Each input is read from memory and again through a callback (which the
 * reader spools to a temporary file): both must give the same records or
 * the same error.  Every value must be in the canonical text of its type.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- a stored zip in memory ---------------------------------------------------------------- */

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

struct zent {
    const char *name;
    const uint8_t *data;
    size_t len;
};

static void make_zip(struct zbuf *out, const struct zent *e, size_t n)
{
    uint32_t offs[16], crcs[16];
    for (size_t i = 0; i < n; i++) {
        offs[i] = (uint32_t)out->n;
        crcs[i] = crc32_of(e[i].data, e[i].len);
        z32(out, 0x04034b50u);
        z16(out, 20);
        z16(out, 0);
        z16(out, 0);
        z16(out, 0);
        z16(out, 0);
        z32(out, crcs[i]);
        z32(out, (uint32_t)e[i].len);
        z32(out, (uint32_t)e[i].len);
        z16(out, (uint32_t)strlen(e[i].name));
        z16(out, 0);
        zput(out, e[i].name, strlen(e[i].name));
        zput(out, e[i].data, e[i].len);
    }
    uint32_t cd = (uint32_t)out->n;
    for (size_t i = 0; i < n; i++) {
        z32(out, 0x02014b50u);
        z16(out, 20);
        z16(out, 20);
        z16(out, 0);
        z16(out, 0);
        z16(out, 0);
        z16(out, 0);
        z32(out, crcs[i]);
        z32(out, (uint32_t)e[i].len);
        z32(out, (uint32_t)e[i].len);
        z16(out, (uint32_t)strlen(e[i].name));
        z16(out, 0);
        z16(out, 0);
        z16(out, 0);
        z16(out, 0);
        z32(out, 0);
        z32(out, offs[i]);
        zput(out, e[i].name, strlen(e[i].name));
    }
    uint32_t cd_len = (uint32_t)out->n - cd;
    z32(out, 0x06054b50u);
    z16(out, 0);
    z16(out, 0);
    z16(out, (uint32_t)n);
    z16(out, (uint32_t)n);
    z32(out, cd_len);
    z32(out, cd);
    z16(out, 0);
}

#define S(x) (const uint8_t *)(x), sizeof(x) - 1

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override "
    "PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    "</Types>";
static const char root_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
    "Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"xl/workbook.xml\"/></Relationships>";
static const char workbook[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<workbookPr/><sheets><sheet name=\"S1\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"S 2\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>";
static const char wb_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"/xl/worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
    "Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId4\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
    "Target=\"styles.xml\"/></Relationships>";
static const char empty_sheet[] =
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<sheetData/></worksheet>";

static const char empty_sst[] =
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>";
static const char empty_styles[] =
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>";

/* Wrap the parts found in p[0..n) into a workbook. */
static void wrap(struct zbuf *out, const uint8_t *p, size_t n)
{
    const uint8_t *seg[4] = {NULL, NULL, NULL, NULL};
    size_t len[4] = {0, 0, 0, 0};
    size_t k = 0, start = 0;
    for (size_t i = 0; i + 4 <= n && k < 3; i++)
        if (!memcmp(p + i, "@@@\n", 4)) {
            seg[k] = p + start;
            len[k] = i - start;
            k++;
            start = i + 4;
            i += 3;
        }
    seg[k] = p + start;
    len[k] = n - start;
    k++;
    struct zent e[8];
    size_t m = 0;
    e[m++] = (struct zent){"[Content_Types].xml", S(content_types)};
    e[m++] = (struct zent){"_rels/.rels", S(root_rels)};
    e[m++] = (struct zent){"xl/workbook.xml", S(workbook)};
    e[m++] = (struct zent){"xl/_rels/workbook.xml.rels", S(wb_rels)};
    e[m++] = (struct zent){"xl/worksheets/sheet1.xml", seg[0], len[0]};
    if (k > 1)
        e[m++] = (struct zent){"xl/sharedStrings.xml", seg[1], len[1]};
    else
        e[m++] = (struct zent){"xl/sharedStrings.xml", S(empty_sst)};
    if (k > 2)
        e[m++] = (struct zent){"xl/styles.xml", seg[2], len[2]};
    else
        e[m++] = (struct zent){"xl/styles.xml", S(empty_styles)};
    if (k > 3)
        e[m++] = (struct zent){"xl/worksheets/sheet2.xml", seg[3], len[3]};
    else
        e[m++] = (struct zent){"xl/worksheets/sheet2.xml", S(empty_sheet)};
    make_zip(out, e, m);
}

/* ---- reading ------------------------------------------------------------------------------- */

struct trickle {
    const uint8_t *p;
    size_t n, pos;
    uint32_t seed;
};

static long trickle_read(void *user, void *buf, size_t size)
{
    struct trickle *t = user;
    t->seed = t->seed * 1103515245u + 12345u;
    size_t k = 1 + (t->seed >> 16) % 4093;
    if (k > size)
        k = size;
    if (k > t->n - t->pos)
        k = t->n - t->pos;
    memcpy(buf, t->p + t->pos, k);
    t->pos += k;
    return (long)k;
}

/* Read doc to its end; a digest of the records (or the error) into out. */
static void read_all(struct conv_context *ctx, const uint8_t *doc, size_t n,
                     const struct conv_options *opts, int trickle, char *out, size_t size)
{
    struct conv_error err;
    conv_error_clear(&err);
    struct trickle t = {doc, n, 0, (uint32_t)n};
    struct conv_reader *rd =
        trickle ? conv_reader_open_callback(ctx, trickle_read, &t, "fuzz", opts, &err)
                : conv_reader_open_memory(ctx, doc, n, "fuzz", opts, &err);
    if (!rd) {
        if (err.code == CONV_E_NONE)
            abort();
        conv_error_format(&err, out, size);
        return;
    }
    const struct conv_record *rec;
    uint32_t h = 2166136261u;
    long count = 0;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
        count++;
        for (size_t i = 0; i < conv_record_count(rec); i++) {
            const struct conv_value *v = conv_record_value(rec, i);
            const char *name = conv_record_name(rec, i);
            if (!v || !name || !name[0] || strlen(v->text) != v->len)
                abort();
            if (!conv_text_is(v->type, v->text, v->len) ||
                !conv_text_is(CONV_STRING, name, strlen(name)))
                abort();
            for (size_t k = 0; k < v->len; k++)
                h = (h ^ (uint8_t)v->text[k]) * 16777619u;
            h = (h ^ (uint32_t)v->type) * 16777619u;
        }
    }
    if (rc == CONV_ERR) {
        const struct conv_error *e = conv_reader_error(rd);
        if (e->code == CONV_E_NONE)
            abort();
        conv_error_format(e, out, size);
    } else {
        snprintf(out, size, "%ld records, digest %08x", count, (unsigned)h);
    }
    conv_reader_close(rd);
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
    conv_options_set(opts, "from", "xlsx");
    conv_options_set(opts, "max-part-size", "4194304");
    if (mode & 2)
        conv_options_set(opts, "raw-numbers", "1");
    if (mode & 4)
        conv_options_set(opts, "duplicate-names", "rename");
    if (mode & 8)
        conv_options_set(opts, "header-row", (mode & 16) ? "1" : "3");
    if ((mode & 0x60) == 0x20)
        conv_options_set(opts, "sheet", "2");
    else if ((mode & 0x60) == 0x40)
        conv_options_set(opts, "sheet", "S 2");
    char a[600] = "", b[600] = "";
    read_all(ctx, doc, n, opts, 0, a, sizeof a);
    read_all(ctx, doc, n, opts, 1, b, sizeof b);
    if (strcmp(a, b) != 0)
        abort(); /* memory and streamed (spooled) input must agree */
    conv_options_free(opts);
    conv_context_free(ctx);
    free(z.p);
    return 0;
}
