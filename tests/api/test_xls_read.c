/*
 * XLS (Excel 97-2003) reader tests through the public API.  Workbooks saved
 * by LibreOffice and Gnumeric (tests/data/xls/, see make-fixtures.sh) are
 * checked cell by cell, type by type, read from a file (pread), from memory
 * and through a callback (read into memory first): all three must agree.
 * Then formulas' cached results, the 1904 date system, shared strings over
 * CONTINUE records, sheets and header options, and damaged and hostile
 * files built here: a compound file made around a hand-written workbook
 * stream, then broken in one place at a time.
 */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

enum { VIA_FILE, VIA_MEMORY, VIA_CALLBACK };

/* Records in tu_dump_sheet() lines, the field names first, or "ERR code
 * line:col message". */
static char *read_one(const char *path, const void *data, size_t n, const char *const *opts,
                      int via, int from)
{
    struct tu_sheet_read how = {.path = via == VIA_FILE ? path : NULL,
                                .data = data,
                                .len = n,
                                .name = "book.xls",
                                .trickle = via == VIA_CALLBACK,
                                .from = from ? "xls" : NULL};
    return tu_read_sheet(&how, opts);
}

/* A fixture read the three ways (by content, no "from" for the file); they must agree. */
static char *read_fixture(const char *name, const char *const *opts)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/data/xls/%s", name);
    char *path = tu_src(rel);
    size_t n;
    char *data = tu_read_file(path, &n);
    assert_non_null(data);
    char *a = read_one(path, data, n, opts, VIA_FILE, 0);
    char *b = read_one(path, data, n, opts, VIA_MEMORY, 1);
    char *c = read_one(path, data, n, opts, VIA_CALLBACK, 1);
    assert_string_equal(b, c);
    if (strncmp(a, "ERR", 3) != 0 || strncmp(b, "ERR", 3) != 0)
        assert_string_equal(a, b);
    free(b);
    free(c);
    free(data);
    free(path);
    return a;
}

static void expect_fixture(const char *name, const char *const *opts, const char *want)
{
    char *got = read_fixture(name, opts);
    assert_string_equal(got, want);
    free(got);
}

static void expect_fixture_err(const char *name, const char *const *opts, const char *want)
{
    char *got = read_fixture(name, opts);
    if (strncmp(got, want, strlen(want)) != 0)
        fail_msg("got  %s\nwant %s", got, want);
    free(got);
}

/* ---- building workbooks -------------------------------------------------------------------- */

static void b8(struct tu_sbuf *b, unsigned v)
{
    char c = (char)(v & 0xFF);
    tu_sb_add(b, &c, 1);
}

static void b16(struct tu_sbuf *b, unsigned v)
{
    b8(b, v);
    b8(b, v >> 8);
}

static void b32(struct tu_sbuf *b, uint32_t v)
{
    b16(b, v & 0xFFFF);
    b16(b, v >> 16);
}

static void bdouble(struct tu_sbuf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    b32(b, (uint32_t)u);
    b32(b, (uint32_t)(u >> 32));
}

/* UTF-16LE code units. */
static void bu16(struct tu_sbuf *b, const uint16_t *u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b16(b, u[i]);
}

/* A record: type, length, data. */
static void rec(struct tu_sbuf *b, unsigned type, const struct tu_sbuf *data)
{
    b16(b, type);
    b16(b, data ? (unsigned)data->n : 0);
    if (data && data->n)
        tu_sb_add(b, data->p, data->n);
}

static void cellhead(struct tu_sbuf *d, unsigned row, unsigned col, unsigned xf)
{
    b16(d, row);
    b16(d, col);
    b16(d, xf);
}

/* A compressed (Latin-1) XLUnicodeString. */
static void ustr(struct tu_sbuf *d, const char *latin1)
{
    b16(d, (unsigned)strlen(latin1));
    b8(d, 0);
    tu_sb_add(d, latin1, strlen(latin1));
}

static void label(struct tu_sbuf *s, unsigned row, unsigned col, const char *latin1)
{
    struct tu_sbuf d = {0};
    cellhead(&d, row, col, 0);
    ustr(&d, latin1);
    rec(s, 0x0204, &d);
    free(d.p);
}

static void labelsst(struct tu_sbuf *s, unsigned row, unsigned col, uint32_t i)
{
    struct tu_sbuf d = {0};
    cellhead(&d, row, col, 0);
    b32(&d, i);
    rec(s, 0x00FD, &d);
    free(d.p);
}

static void number(struct tu_sbuf *s, unsigned row, unsigned col, unsigned xf, double v)
{
    struct tu_sbuf d = {0};
    cellhead(&d, row, col, xf);
    bdouble(&d, v);
    rec(s, 0x0203, &d);
    free(d.p);
}

/*
 * A workbook stream: globals (BOF of the given BIFF version, then extra,
 * one sheet "Sheet1", EOF), then that sheet (BOF, cells, EOF).
 */
static struct tu_sbuf book(unsigned version, const struct tu_sbuf *extra,
                           const struct tu_sbuf *cells)
{
    struct tu_sbuf b = {0}, d = {0};
    b16(&d, version);
    b16(&d, 0x0005);
    b32(&d, 0);
    b32(&d, 0);
    rec(&b, 0x0809, &d);
    if (extra && extra->n)
        tu_sb_add(&b, extra->p, extra->n);
    d.n = 0;
    b32(&d, 0); /* the sheet's offset: below */
    b8(&d, 0);
    b8(&d, 0);
    b8(&d, 6);
    b8(&d, 0);
    tu_sb_add(&d, "Sheet1", 6);
    size_t patch = b.n + 4;
    rec(&b, 0x0085, &d);
    rec(&b, 0x000A, NULL);
    uint32_t at = (uint32_t)b.n;
    for (int k = 0; k < 4; k++)
        b.p[patch + (size_t)k] = (char)(at >> (8 * k));
    d.n = 0;
    b16(&d, version);
    b16(&d, 0x0010);
    b32(&d, 0);
    b32(&d, 0);
    rec(&b, 0x0809, &d);
    if (cells && cells->n)
        tu_sb_add(&b, cells->p, cells->n);
    rec(&b, 0x000A, NULL);
    free(d.p);
    return b;
}

static void put32(char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (char)(v >> (8 * k));
}

static void put16(char *p, unsigned v)
{
    p[0] = (char)v;
    p[1] = (char)(v >> 8);
}

static void dirent(char *e, const char *name, int type, uint32_t child, uint32_t start,
                   uint32_t size)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++)
        put16(e + 2 * i, (unsigned char)name[i]);
    put16(e + 0x40, (unsigned)(2 * n + 2));
    e[0x42] = (char)type;
    e[0x43] = 1;
    put32(e + 0x44, 0xFFFFFFFFu);
    put32(e + 0x48, 0xFFFFFFFFu);
    put32(e + 0x4C, child);
    put32(e + 0x74, start);
    put32(e + 0x78, size);
}

/*
 * A compound file with sectors of 1 << shift bytes (9: 512, 12: 4096)
 * holding one stream: the header, FAT sectors from sector 0, the
 * directory in the next sector (root, stream), then the stream's sectors
 * in order.  Streams under 4096 bytes are padded to 4096 so that they are
 * not in the mini stream.  *nfat_out gets the FAT's sector count (the
 * directory is sector nfat, the stream starts at nfat + 1).
 */
static struct tu_sbuf cfb_sized(const struct tu_sbuf *stream, const char *name, size_t *nfat_out,
                                unsigned shift)
{
    size_t ssz = (size_t)1 << shift, per = ssz / 4;
    size_t len = stream->n < 4096 ? 4096 : stream->n;
    size_t nsec = (len + ssz - 1) / ssz, nfat = 1;
    while (nfat * per < nfat + 1 + nsec)
        nfat++;
    assert_true(nfat <= 109);
    size_t total = ssz * (1 + nfat + 1 + nsec);
    char *f = calloc(1, total);
    assert_non_null(f);
    memcpy(f, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    put16(f + 0x18, 0x3E);
    put16(f + 0x1A, shift == 9 ? 3 : 4);
    put16(f + 0x1C, 0xFFFE);
    put16(f + 0x1E, shift);
    put16(f + 0x20, 6);
    put32(f + 0x2C, (uint32_t)nfat);
    put32(f + 0x30, (uint32_t)nfat);
    put32(f + 0x38, 4096);
    put32(f + 0x3C, 0xFFFFFFFEu);
    put32(f + 0x44, 0xFFFFFFFEu);
    for (size_t i = 0; i < 109; i++)
        put32(f + 0x4C + 4 * i, i < nfat ? (uint32_t)i : 0xFFFFFFFFu);
    char *fat = f + ssz;
    for (size_t i = 0; i < nfat * per; i++) {
        uint32_t v = 0xFFFFFFFFu;
        if (i < nfat)
            v = 0xFFFFFFFDu;
        else if (i == nfat)
            v = 0xFFFFFFFEu;
        else if (i < nfat + 1 + nsec)
            v = i + 1 == nfat + 1 + nsec ? 0xFFFFFFFEu : (uint32_t)(i + 1);
        put32(fat + 4 * i, v);
    }
    char *dir = f + ssz * (1 + nfat);
    dirent(dir, "Root Entry", 5, 1, 0xFFFFFFFEu, 0);
    dirent(dir + 128, name, 2, 0xFFFFFFFFu, (uint32_t)(nfat + 1), (uint32_t)len);
    for (size_t k = 2; k < ssz / 128; k++) {
        put32(dir + 128 * k + 0x44, 0xFFFFFFFFu);
        put32(dir + 128 * k + 0x48, 0xFFFFFFFFu);
        put32(dir + 128 * k + 0x4C, 0xFFFFFFFFu);
    }
    memcpy(dir + ssz, stream->p, stream->n);
    if (nfat_out)
        *nfat_out = nfat;
    struct tu_sbuf out = {f, total, total};
    return out;
}

static struct tu_sbuf cfb(const struct tu_sbuf *stream, const char *name, size_t *nfat_out)
{
    return cfb_sized(stream, name, nfat_out, 9);
}

/* Read a built file from memory and through a callback; both must agree. */
static char *read_built(const struct tu_sbuf *file, const char *const *opts)
{
    char *a = read_one(NULL, file->p, file->n, opts, VIA_MEMORY, 1);
    char *b = read_one(NULL, file->p, file->n, opts, VIA_CALLBACK, 1);
    assert_string_equal(a, b);
    free(b);
    return a;
}

static void expect_built_err(const struct tu_sbuf *file, const char *const *opts, const char *want)
{
    char *got = read_built(file, opts);
    if (strncmp(got, want, strlen(want)) != 0)
        fail_msg("got  %s\nwant %s", got, want);
    free(got);
}

/* ---- fixtures: values ---------------------------------------------------------------------- */

#define BASIC_HEADER "#sheet|province|population|rate|big|day|stamp|ok|at\n"
#define BASIC_DATA                                                                                 \
    "sheet=str:Data|province=str:Hà Nội|population=int:8435700|rate=dec:1.25|"                  \
    "big=int:123456789012345|day=date:2024-01-31|stamp=dt:2024-01-31T13:45:30|ok=int:1|"           \
    "at=dt:1899-12-31T10:30:00\n"                                                                  \
    "sheet=str:Data|province=str:Thành phố Hồ Chí Minh|population=dec:-0.5|rate=dec:0.3|"    \
    "big=dec:1e+22|day=date:1999-12-31|stamp=dt:2000-02-29T00:00:01|ok=int:0|at=null\n"
#define BASIC_NAM2 "sheet=str:Năm 2|province=str:Huế|population=int:1160200\n"

static void test_fixture_types(void **state)
{
    (void)state;
    /* The title row and the empty row above the header are skipped; a
     * time alone is a datetime on 1899-12-31, as the XLSX reader's.
     * LibreOffice saves a boolean cell in .xls as the plain number 1 or 0
     * (an RK record in a General format), so it reads as an integer. */
    expect_fixture("basic.xls", NULL, BASIC_HEADER BASIC_DATA BASIC_NAM2);
}

static void test_fixture_simple(void **state)
{
    (void)state;
    expect_fixture("simple.xls", NULL, "#a|b\na=int:1|b=str:x\na=dec:2.5|b=str:y\n");
}

static void test_fixture_formulas(void **state)
{
    (void)state;
    /* Cached results: numbers, texts from the STRING record that follows
     * the FORMULA record, booleans, errors, an empty text, a date. */
    expect_fixture("formula.xls", NULL,
                   "#a|b|c|d|e|f|g\n"
                   "a=int:1|b=int:6|c=str:xy|d=bool:true|e=str:#DIV/0!|f=str:|g=date:2024-01-31\n"
                   "a=int:2|b=dec:0.5|c=str:ƠƠƠ|d=bool:false|e=str:#N/A|f=str:z|g=dec:0.3\n");
    /* As stored: 0.1+0.2 is not 0.3 in binary. */
    expect_fixture("formula.xls", OPTS("raw-numbers"),
                   "#a|b|c|d|e|f|g\n"
                   "a=int:1|b=int:6|c=str:xy|d=bool:true|e=str:#DIV/0!|f=str:|g=date:2024-01-31\n"
                   "a=int:2|b=dec:0.5|c=str:ƠƠƠ|d=bool:false|e=str:#N/A|f=str:z|"
                   "g=dec:0.30000000000000004\n");
}

static void test_fixture_1904(void **state)
{
    (void)state;
    expect_fixture("date1904.xls", NULL,
                   "#day|stamp|n\n"
                   "day=date:1904-01-01|stamp=dt:2024-01-31T13:45:30|n=int:7\n"
                   "day=date:2024-02-29|stamp=dt:1904-01-02T06:00:00|n=dec:0.25\n");
}

static void test_fixture_formats(void **state)
{
    (void)state;
    /* Decimals the format shows are kept (16 in #,##0.0 is 16.0); a
     * percentage is its number; dd/mm/yyyy is a date. */
    expect_fixture(
        "formats.xls", NULL,
        "#one|three|pct|dmy|plain\n"
        "one=dec:16.0|three=dec:0.500|pct=dec:0.165|dmy=date:2021-12-31|plain=int:13090\n"
        "one=dec:1234.56|three=dec:-2.000|pct=int:1|dmy=date:1900-03-01|plain=dec:1e-8\n");
}

static void test_fixture_gnumeric(void **state)
{
    (void)state;
    /* Gnumeric read the CSV's 01 as the number 1. */
    expect_fixture("gnumeric.xls", NULL,
                   "#mã|tên|giá trị|tỷ lệ\n"
                   "mã=int:1|tên=str:Hà Nội|giá trị=int:8435700|tỷ lệ=dec:0.125\n"
                   "mã=int:79|tên=str:Hồ Chí Minh|giá trị=dec:-3.5|tỷ lệ=dec:0.001\n");
}

static void test_fixture_sst(void **state)
{
    (void)state;
    /* 602 shared strings over many CONTINUE records (make-fixtures.sh),
     * long ones split inside their characters. */
    static const char *const words[] = {
        "Hà Nội",     "Hải Phòng",         "Đà Nẵng",   "Thừa Thiên Huế", "Cần Thơ",
        "Quảng Ninh", "Bà Rịa - Vũng Tàu", "Khánh Hòa", "Lâm Đồng",       "Đắk Lắk"};
    struct tu_sbuf want = {0};
    tu_sb_str(&want, "#mã|tên\n");
    for (int i = 0; i < 600; i++) {
        char line[200];
        snprintf(line, sizeof line, "mã=str:M%04d|tên=str:%s – số %d, chỉ tiêu kinh tế\n", i,
                 words[i % 10], i);
        tu_sb_str(&want, line);
    }
    tu_sb_str(&want, "mã=str:dài|tên=str:");
    for (int i = 0; i < 1200; i++) {
        char w[16];
        snprintf(w, sizeof w, "Ơn%dữ ", i % 10);
        tu_sb_str(&want, w);
    }
    tu_sb_str(&want, "\nmã=str:latin|tên=str:");
    for (int i = 0; i < 9000; i++) {
        if (i % 7) {
            char c = (char)('A' + i % 26);
            tu_sb_add(&want, &c, 1);
        } else {
            tu_sb_str(&want, "é");
        }
    }
    tu_sb_str(&want, "\n");
    expect_fixture("sst.xls", NULL, want.p);
    free(want.p);
}

static void test_fixture_roundtrip(void **state)
{
    (void)state;
    /* roundtrip.csv through our XLSX writer, then LibreOffice to .xls: the
     * _conv_fields sheet names the columns and types them, so the CSV
     * comes back byte for byte. */
    char *xp = tu_src("tests/data/xls/roundtrip.xls"), *cp = tu_src("tests/data/xls/roundtrip.csv");
    size_t xn, cn, on;
    char *xls = tu_read_file(xp, &xn), *csv = tu_read_file(cp, &cn);
    assert_non_null(xls);
    assert_non_null(csv);
    struct conv_error err;
    conv_error_clear(&err);
    char *out = tu_convert_mem(xls, xn, "xls", "csv", NULL, &on, &err);
    if (!out)
        fail_msg("%s", err.message);
    assert_int_equal(on, cn);
    assert_memory_equal(out, csv, cn);
    free(out);
    free(xls);
    free(csv);
    free(xp);
    free(cp);
}

/* ---- a hand-made workbook: every cell record, strings over CONTINUE ------------------------ */

/*
 * Globals: a FORMAT (164: 0.00), four XFs (General, 164, 14 a date, 10 a
 * percentage), and a shared string table whose strings cross CONTINUE
 * records: compressed then UTF-16 after the new flags byte, formatting
 * runs split across a boundary, a surrogate pair split across one.
 */
static struct tu_sbuf rich_globals(void)
{
    struct tu_sbuf g = {0}, d = {0};
    b16(&d, 164);
    ustr(&d, "0.00");
    rec(&g, 0x041E, &d);
    static const unsigned fmts[4] = {0, 164, 14, 10};
    for (int i = 0; i < 4; i++) {
        d.n = 0;
        b16(&d, 0);
        b16(&d, fmts[i]);
        for (int k = 0; k < 16; k++)
            b8(&d, 0);
        rec(&g, 0x00E0, &d);
    }
    /* SST */
    d.n = 0;
    b32(&d, 7);
    b32(&d, 7);
    b16(&d, 2); /* 0: "mã", compressed */
    b8(&d, 0);
    tu_sb_add(&d, "m\xE3", 2);
    static const uint16_t gia[] = {'g', 'i', 0xE1, ' ', 't', 'r', 0x1ECB};
    b16(&d, 7); /* 1: "giá trị", UTF-16 */
    b8(&d, 1);
    bu16(&d, gia, 7);
    b16(&d, 2); /* 2: "Hà" with a run and phonetic data */
    b8(&d, 0x0D);
    b16(&d, 1);
    b32(&d, 6);
    static const uint16_t ha[] = {'H', 0xE0};
    bu16(&d, ha, 2);
    b32(&d, 0x00010000);
    for (int k = 0; k < 6; k++)
        b8(&d, 0xEE);
    b16(&d, 10); /* 3: "ABCD" compressed here, "Ệờx😀y" in UTF-16 after */
    b8(&d, 0);
    tu_sb_add(&d, "ABCD", 4);
    rec(&g, 0x00FC, &d);
    d.n = 0;
    b8(&d, 1);
    static const uint16_t rest[] = {0x1EC6, 0x1EDD, 'x', 0xD83D, 0xDE00, 'y'};
    bu16(&d, rest, 6);
    b16(&d, 1); /* 4: "Z" with two runs: 3 bytes of them here, 5 in the next record */
    b8(&d, 0x08);
    b16(&d, 2);
    b8(&d, 'Z');
    b8(&d, 0);
    b8(&d, 0);
    b8(&d, 0);
    rec(&g, 0x003C, &d);
    d.n = 0;
    for (int k = 0; k < 5; k++)
        b8(&d, 0);
    b16(&d, 3); /* 5: "end" */
    b8(&d, 0);
    tu_sb_add(&d, "end", 3);
    b16(&d, 2); /* 6: "😀", its pair split */
    b8(&d, 1);
    b16(&d, 0xD83D);
    rec(&g, 0x003C, &d);
    d.n = 0;
    b8(&d, 1);
    b16(&d, 0xDE00);
    rec(&g, 0x003C, &d);
    free(d.p);
    return g;
}

static struct tu_sbuf rich_cells(void)
{
    struct tu_sbuf s = {0}, d = {0};
    labelsst(&s, 0, 0, 0);
    labelsst(&s, 0, 1, 1);
    cellhead(&d, 0, 2, 0); /* LABEL in UTF-16 */
    static const uint16_t vb[] = {'v', 0x103, 'n', ' ', 'b', 0x1EA3, 'n'};
    b16(&d, 7);
    b8(&d, 1);
    bu16(&d, vb, 7);
    rec(&s, 0x0204, &d);
    label(&s, 0, 3, "d");
    /* row 2 */
    d.n = 0;
    cellhead(&d, 1, 0, 0);
    b32(&d, 7u << 2 | 2); /* RK integer */
    rec(&s, 0x027E, &d);
    number(&s, 1, 1, 1, 1234.5);
    labelsst(&s, 1, 2, 3);
    d.n = 0;
    cellhead(&d, 1, 3, 0);
    b8(&d, 1);
    b8(&d, 0);
    rec(&s, 0x0205, &d);
    /* row 3: MULRK (123.45 as integer/100, a date serial), a rich string, an error */
    d.n = 0;
    b16(&d, 2);
    b16(&d, 0);
    b16(&d, 0);
    b32(&d, 12345u << 2 | 3);
    b16(&d, 2);
    b32(&d, 45322u << 2 | 2);
    b16(&d, 1);
    rec(&s, 0x00BD, &d);
    labelsst(&s, 2, 2, 2);
    d.n = 0;
    cellhead(&d, 2, 3, 0);
    b8(&d, 0x2A);
    b8(&d, 1);
    rec(&s, 0x0205, &d);
    /* row 4: RK double, a percentage, a text formula whose STRING goes on
     * in a CONTINUE record, a shared string with runs */
    d.n = 0;
    cellhead(&d, 3, 0, 0);
    b32(&d, 0x3FE00000u);
    rec(&s, 0x027E, &d);
    number(&s, 3, 1, 3, 0.165);
    d.n = 0;
    cellhead(&d, 3, 2, 0);
    b8(&d, 0);
    for (int k = 0; k < 5; k++)
        b8(&d, 0);
    b16(&d, 0xFFFF);
    b16(&d, 0);
    b32(&d, 0);
    b16(&d, 0);
    rec(&s, 0x0006, &d);
    d.n = 0;
    b16(&d, 5);
    b8(&d, 0);
    tu_sb_add(&d, "abc", 3);
    rec(&s, 0x0207, &d);
    d.n = 0;
    b8(&d, 1);
    static const uint16_t de[] = {0x111, 'e'};
    bu16(&d, de, 2);
    rec(&s, 0x003C, &d);
    labelsst(&s, 3, 3, 4);
    /* row 5: a blank, strings, a boolean formula */
    d.n = 0;
    cellhead(&d, 4, 0, 0);
    rec(&s, 0x0201, &d);
    labelsst(&s, 4, 1, 5);
    labelsst(&s, 4, 2, 6);
    d.n = 0;
    cellhead(&d, 4, 3, 0);
    b8(&d, 1);
    b8(&d, 0);
    b8(&d, 0);
    b8(&d, 0);
    b8(&d, 0);
    b8(&d, 0);
    b16(&d, 0xFFFF);
    b16(&d, 0);
    b32(&d, 0);
    b16(&d, 0);
    rec(&s, 0x0006, &d);
    free(d.p);
    return s;
}

#define RICH_WANT                                                                                  \
    "#mã|giá trị|văn bản|d\n"                                                               \
    "mã=int:7|giá trị=dec:1234.50|văn bản=str:ABCDỆờx😀y|d=bool:true\n"               \
    "mã=dec:123.45|giá trị=date:2024-01-31|văn bản=str:Hà|d=str:#N/A\n"                    \
    "mã=dec:0.5|giá trị=dec:0.165|văn bản=str:abcđe|d=str:Z\n"                             \
    "mã=null|giá trị=str:end|văn bản=str:😀|d=bool:false\n"

static void test_built_records(void **state)
{
    (void)state;
    struct tu_sbuf g = rich_globals(), c = rich_cells();
    struct tu_sbuf s = book(0x0600, &g, &c);
    struct tu_sbuf f = cfb(&s, "Workbook", NULL);
    char *got = read_built(&f, NULL);
    assert_string_equal(got, RICH_WANT);
    free(got);
    /* The same in a file read in place. */
    char *dir = tu_tempdir(), *path = tu_path(dir, "rich.xls");
    tu_write_file(path, f.p, f.n);
    got = read_one(path, NULL, 0, NULL, VIA_FILE, 0);
    assert_string_equal(got, RICH_WANT);
    free(got);
    /* With 4096-byte sectors (version 4). */
    free(f.p);
    f = cfb_sized(&s, "Workbook", NULL, 12);
    got = read_built(&f, NULL);
    assert_string_equal(got, RICH_WANT);
    free(got);
    tu_rmtree(dir);
    free(dir);
    free(path);
    free(f.p);
    free(s.p);
    free(g.p);
    free(c.p);
}

/* Cells written column by column (a web export of the GSO's unit list
 * does that): read as Excel reads them, row by row. */
static void test_column_by_column(void **state)
{
    (void)state;
    struct tu_sbuf c = {0};
    static const char *const prov[] = {"Ha Noi", "Ha Giang", "Cao Bang"};
    static const char *const code[] = {"01", "02", "04"};
    label(&c, 0, 0, "Tinh");
    for (unsigned r = 0; r < 3; r++)
        label(&c, r + 1, 0, prov[r]);
    label(&c, 0, 1, "Ma");
    for (unsigned r = 0; r < 3; r++)
        label(&c, r + 1, 1, code[r]);
    number(&c, 0, 2, 0, 2023);
    for (unsigned r = 0; r < 3; r++)
        number(&c, r + 1, 2, 0, r + 1);
    struct tu_sbuf s = book(0x0600, NULL, &c);
    struct tu_sbuf f = cfb(&s, "Workbook", NULL);
    char *got = read_built(&f, NULL);
    assert_string_equal(got, "#Tinh|Ma|2023\n"
                             "Tinh=str:Ha Noi|Ma=str:01|2023=int:1\n"
                             "Tinh=str:Ha Giang|Ma=str:02|2023=int:2\n"
                             "Tinh=str:Cao Bang|Ma=str:04|2023=int:3\n");
    free(got);
    /* The real one, when the project's real files are there. */
    char *real = tu_src("../shared/real/gso/gso-dmhc-2023-04-15.xls");
    if (tu_exists(real)) {
        char *dump = read_one(real, NULL, 0, NULL, VIA_FILE, 0);
        size_t lines = 0;
        for (const char *p = dump; *p; p++)
            lines += *p == '\n';
        assert_int_equal(lines, 1 + 10603); /* the header line, then 10,603 records */
        assert_non_null(strstr(dump, "Phường Xã=str:Phường Phúc Xá|Mã PX=str:00001"));
        free(dump);
    } else {
        fprintf(stderr, "skipped: %s is not there (../shared/real/)\n", real);
    }
    free(real);
    free(f.p);
    free(s.p);
    free(c.p);
}

/* ---- sheets and headers -------------------------------------------------------------------- */

static void test_sheet_option(void **state)
{
    (void)state;
    expect_fixture("basic.xls", OPTS("sheet=Năm 2"),
                   "#province|population\nprovince=str:Huế|population=int:1160200\n");
    expect_fixture("basic.xls", OPTS("sheet=2"),
                   "#province|population\nprovince=str:Huế|population=int:1160200\n");
    char *got = read_fixture("basic.xls", OPTS("sheet=1"));
    const char *want = "#province|population|rate|big|day|stamp|ok|at\nprovince=str:Hà Nội|";
    assert_true(strncmp(got, want, strlen(want)) == 0);
    free(got);
    expect_fixture_err("basic.xls", OPTS("sheet=Nope"),
                       "ERR 1 0:0 option sheet: no sheet 'Nope' in the workbook (its sheets: 'Data', "
                       "'Năm 2')");
    /* A name but for white space around it, or but for case. */
    expect_fixture("basic.xls", OPTS("sheet= năm 2 "),
                   "#province|population\nprovince=str:Huế|population=int:1160200\n");
    expect_fixture_err("basic.xls", OPTS("sheet=3"), "ERR 1 0:0 option sheet: no sheet '3'");
}

static void test_header_row_option(void **state)
{
    (void)state;
    /* Row 1 (the title) as the header: one column; row 3 has values outside it. */
    expect_fixture_err("basic.xls", OPTS("sheet=1", "header-row=1"),
                       "ERR 6 3:2 Data!B3: a value outside the header's columns (A to A)");
    /* Row 2 is empty. */
    expect_fixture_err("basic.xls", OPTS("sheet=1", "header-row=2"),
                       "ERR 6 2:0 Data, row 2: header row 2 is empty");
    /* Row 4 as the header: its values are the names, row 5 the data. */
    expect_fixture("basic.xls", OPTS("sheet=1", "header-row=4"),
                   "#Hà Nội|8435700|1.25|123456789012345|2024-01-31|2024-01-31T13:45:30|1|"
                   "1899-12-31T10:30:00\n"
                   "Hà Nội=str:Thành phố Hồ Chí Minh|8435700=dec:-0.5|1.25=dec:0.3|"
                   "123456789012345=dec:1e+22|2024-01-31=date:1999-12-31|"
                   "2024-01-31T13:45:30=dt:2000-02-29T00:00:01|1=int:0|1899-12-31T10:30:00=null\n");
    /* Past the sheet's rows in the second sheet, which has values: empty header. */
    expect_fixture_err("basic.xls", OPTS("header-row=9"),
                       "ERR 6 9:0 Data, row 9: header row 9 is empty");
    expect_fixture_err("basic.xls", OPTS("header-row=0"), "ERR 1 ");
    expect_fixture_err("basic.xls", OPTS("duplicate-names=maybe"), "ERR 1 ");
}

static void test_duplicate_names(void **state)
{
    (void)state;
    struct tu_sbuf c = {0};
    label(&c, 0, 0, "x");
    label(&c, 0, 1, "x");
    label(&c, 0, 3, "sheet");
    number(&c, 1, 0, 0, 1);
    number(&c, 1, 1, 0, 2);
    number(&c, 1, 2, 0, 3);
    struct tu_sbuf s = book(0x0600, NULL, &c);
    struct tu_sbuf f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL,
                     "ERR 6 1:2 Sheet1!B1: duplicate column name 'x' (--duplicate-names rename "
                     "makes x_2)");
    char *got = read_built(&f, OPTS("duplicate-names=rename"));
    assert_string_equal(got,
                        "#x|x_2|column_3|sheet\nx=int:1|x_2=int:2|column_3=int:3|sheet=null\n");
    free(got);
    free(f.p);
    free(s.p);
    free(c.p);
}

static void test_reader_info(void **state)
{
    (void)state;
    char *path = tu_src("tests/data/xls/basic.xls");
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_file(ctx, path, NULL, &err);
    assert_non_null(rd);
    assert_string_equal(conv_reader_info(rd, "sheets"), "2");
    assert_string_equal(conv_reader_info(rd, "sheet.0"), "Data");
    assert_string_equal(conv_reader_info(rd, "sheet.1"), "Năm 2");
    assert_string_equal(conv_reader_info(rd, "sheet"), "Data"); /* the first one read */
    conv_reader_close(rd);
    /* The sheet --sheet picks, by index or by name. */
    const char *const picks[] = {"2", "Năm 2"};
    for (size_t i = 0; i < 2; i++) {
        struct conv_options *o = conv_options_new(ctx);
        conv_options_set(o, "sheet", picks[i]);
        rd = conv_reader_open_file(ctx, path, o, &err);
        assert_non_null(rd);
        assert_string_equal(conv_reader_info(rd, "sheet"), "Năm 2");
        conv_reader_close(rd);
        conv_options_free(o);
    }
    conv_context_free(ctx);
    free(path);
}

/* ---- damaged and hostile files ------------------------------------------------------------- */

static void test_not_ole(void **state)
{
    (void)state;
    expect_fixture_err("not-ole.xls", NULL,
                       "ERR 3 0:0 not an Excel 97-2003 workbook: no OLE compound file signature");
    /* A zip named .xls. */
    struct tu_sbuf z = {0};
    tu_sb_add(&z, "PK\3\4\0\0\0\0", 8);
    expect_built_err(&z, NULL, "ERR 3 0:0 not an Excel 97-2003 workbook: a zip archive");
    free(z.p);
    char *a = read_one(NULL, "", 0, NULL, VIA_MEMORY, 1);
    assert_string_equal(a,
                        "ERR 3 0:0 not an Excel 97-2003 workbook: no OLE compound file signature");
    free(a);
}

static void test_truncated(void **state)
{
    (void)state;
    expect_fixture_err("truncated.xls", NULL,
                       "ERR 3 0:0 damaged or truncated Excel 97-2003 workbook (OLE compound file)");
    /* The signature and zeros. */
    struct tu_sbuf z = {0};
    tu_sb_add(&z, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    for (int i = 0; i < 512; i++)
        tu_sb_add(&z, "", 1);
    expect_built_err(&z, NULL,
                     "ERR 3 0:0 damaged or truncated Excel 97-2003 workbook (OLE compound file): "
                     "a bad header");
    free(z.p);
}

static void test_encrypted(void **state)
{
    (void)state;
    /* simple.xls with a FILEPASS record (see make-fixtures.sh). */
    expect_fixture_err("encrypted.xls", NULL,
                       "ERR 12 0:0 encrypted workbook: open it in Excel or LibreOffice and save it "
                       "without a password");
    /* An encrypted .xlsx: an OLE file with an EncryptedPackage stream. */
    struct tu_sbuf s = {0};
    tu_sb_add(&s, "encrypted bytes", 15);
    struct tu_sbuf f = cfb(&s, "EncryptedPackage", NULL);
    expect_built_err(&f, NULL, "ERR 12 0:0 encrypted workbook (an .xlsx protected by a password)");
    free(f.p);
    /* A Word document. */
    f = cfb(&s, "WordDocument", NULL);
    expect_built_err(&f, NULL,
                     "ERR 3 0:0 not an Excel 97-2003 workbook: an OLE compound file without a "
                     "Workbook stream");
    free(f.p);
    free(s.p);
}

static void test_biff5(void **state)
{
    (void)state;
    struct tu_sbuf c = {0};
    label(&c, 0, 0, "a");
    struct tu_sbuf s = book(0x0500, NULL, &c);
    struct tu_sbuf f = cfb(&s, "Book", NULL);
    expect_built_err(&f, NULL, "ERR 12 0:0 an Excel 5.0/95 workbook (BIFF5) is not supported");
    free(f.p);
    f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL, "ERR 12 0:0 an Excel 5.0/95 workbook (BIFF5) is not supported");
    free(f.p);
    free(s.p);
    free(c.p);
}

/* A small valid workbook in a compound file, to break. */
static struct tu_sbuf small_file(size_t *nfat)
{
    struct tu_sbuf c = {0};
    label(&c, 0, 0, "a");
    label(&c, 0, 1, "b");
    for (unsigned r = 1; r < 400; r++) {
        number(&c, r, 0, 0, r);
        number(&c, r, 1, 0, r * 0.5);
    }
    struct tu_sbuf s = book(0x0600, NULL, &c);
    struct tu_sbuf f = cfb(&s, "Workbook", nfat);
    free(s.p);
    free(c.p);
    return f;
}

static void test_cfb_damage(void **state)
{
    (void)state;
    size_t nfat;
    struct tu_sbuf f = small_file(&nfat);
    char *ok = read_built(&f, NULL);
    assert_true(strncmp(ok, "#a|b\na=int:1|b=dec:0.5\n", 23) == 0);
    free(ok);
    char *fat = f.p + 512;
    uint32_t first = (uint32_t)nfat + 1;
    const char *dmg = "ERR 3 0:0 damaged or truncated Excel 97-2003 workbook (OLE compound file): ";
    char want[300];
    /* A FAT chain loop: the stream's third sector leads back to its first. */
    put32(fat + 4 * (first + 2), first);
    snprintf(want, sizeof want, "%sa sector chain loops", dmg);
    expect_built_err(&f, NULL, want);
    put32(fat + 4 * (first + 2), first + 3);
    /* A sector number out of range. */
    put32(fat + 4 * (first + 1), 0x00ABCDEF);
    snprintf(want, sizeof want, "%sa chain leads out of the file", dmg);
    expect_built_err(&f, NULL, want);
    put32(fat + 4 * (first + 1), first + 2);
    /* The directory outside the file. */
    put32(f.p + 0x30, 5000);
    expect_built_err(&f, NULL, want);
    put32(f.p + 0x30, (uint32_t)nfat);
    /* A FAT sector outside the file. */
    put32(f.p + 0x4C, 77777);
    snprintf(want, sizeof want, "%sa FAT sector out of range", dmg);
    expect_built_err(&f, NULL, want);
    put32(f.p + 0x4C, 0);
    /* A huge declared stream size: over the cap, then over the file. */
    char *size = f.p + 512 * (1 + nfat) + 128 + 0x78;
    put32(size, 0x7FFFFFF0u);
    expect_built_err(&f, NULL,
                     "ERR 8 0:0 the workbook stream is larger than 268435456 bytes "
                     "(max-part-size)");
    snprintf(want, sizeof want, "%sa stream larger than the file", dmg);
    expect_built_err(&f, OPTS("max-part-size=4294967296"), want);
    /* A size within the file but past the stream's chain. */
    put32(size, (uint32_t)(f.n - 512 * (2 + nfat) + 1));
    snprintf(want, sizeof want, "%sa stream's chain ends before its size", dmg);
    expect_built_err(&f, NULL, want);
    /* Cut short inside the stream. */
    put32(size, (uint32_t)(f.n - 512 * (2 + nfat)));
    struct tu_sbuf cut = {f.p, f.n - 700, f.n};
    snprintf(want, sizeof want, "%sa chain leads out of the file", dmg);
    expect_built_err(&cut, NULL, want);
    free(f.p);
}

static void test_biff_damage(void **state)
{
    (void)state;
    struct tu_sbuf c = {0}, g = {0}, d = {0};
    /* A shared string index out of range. */
    b32(&d, 1);
    b32(&d, 1);
    ustr(&d, "only");
    rec(&g, 0x00FC, &d);
    label(&c, 0, 0, "a");
    label(&c, 0, 1, "b");
    labelsst(&c, 1, 0, 0);
    labelsst(&c, 1, 1, 5);
    struct tu_sbuf s = book(0x0600, &g, &c);
    struct tu_sbuf f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL,
                     "ERR 3 2:2 Sheet1!B2: shared string 5 out of range (the workbook has 1)");
    free(f.p);
    free(s.p);
    /* Rows out of order are read in row order, as Excel shows them; a cell
     * given twice there is still an error. */
    c.n = 0;
    label(&c, 0, 0, "a");
    label(&c, 0, 1, "b");
    number(&c, 4, 0, 0, 1);
    number(&c, 2, 0, 0, 2);
    s = book(0x0600, NULL, &c);
    f = cfb(&s, "Workbook", NULL);
    char *got = read_built(&f, NULL);
    assert_string_equal(got, "#a|b\na=int:2|b=null\na=int:1|b=null\n");
    free(got);
    free(f.p);
    free(s.p);
    number(&c, 2, 0, 0, 3);
    s = book(0x0600, NULL, &c);
    f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL, "ERR 3 3:1 Sheet1!A3: the cell is given twice");
    free(f.p);
    free(s.p);
    /* A text formula without its STRING record. */
    c.n = 0;
    label(&c, 0, 0, "a");
    label(&c, 0, 1, "b");
    d.n = 0;
    cellhead(&d, 1, 0, 0);
    for (int k = 0; k < 6; k++)
        b8(&d, 0);
    b16(&d, 0xFFFF);
    for (int k = 0; k < 8; k++)
        b8(&d, 0);
    rec(&c, 0x0006, &d);
    number(&c, 1, 1, 0, 1);
    number(&c, 2, 1, 0, 1);
    s = book(0x0600, NULL, &c);
    f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL,
                     "ERR 3 2:1 Sheet1!A2: a formula's text result (STRING record) is missing");
    free(f.p);
    free(s.p);
    /* A record longer than BIFF8 allows. */
    c.n = 0;
    label(&c, 0, 0, "a");
    b16(&c, 0x0200);
    b16(&c, 9000);
    for (int k = 0; k < 9000; k++)
        b8(&c, 0);
    s = book(0x0600, NULL, &c);
    f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL, "ERR 3 0:0 damaged Excel 97-2003 workbook: a record of 9000 bytes");
    free(f.p);
    free(s.p);
    /* A text cut short: a LABEL claims 300 characters, no CONTINUE follows. */
    c.n = 0;
    d.n = 0;
    cellhead(&d, 0, 0, 0);
    b16(&d, 300);
    b8(&d, 0);
    tu_sb_add(&d, "abc", 3);
    rec(&c, 0x0204, &d);
    s = book(0x0600, NULL, &c);
    f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL, "ERR 3 0:0 damaged Excel 97-2003 workbook: a text cut short");
    free(f.p);
    free(s.p);
    /* A NUL character. */
    c.n = 0;
    label(&c, 0, 0, "a");
    d.n = 0;
    cellhead(&d, 0, 1, 0);
    b16(&d, 2);
    b8(&d, 0);
    tu_sb_add(&d, "x\0", 2);
    rec(&c, 0x0204, &d);
    s = book(0x0600, NULL, &c);
    f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL, "ERR 4 0:0 a NUL character in a text of the workbook");
    free(f.p);
    free(s.p);
    /* Serial 60 in a date format (the 1900 leap-year quirk). */
    g.n = 0;
    for (int i = 0; i < 2; i++) {
        d.n = 0;
        b16(&d, 0);
        b16(&d, i ? 14 : 0);
        for (int k = 0; k < 16; k++)
            b8(&d, 0);
        rec(&g, 0x00E0, &d);
    }
    c.n = 0;
    label(&c, 0, 0, "a");
    label(&c, 0, 1, "b");
    number(&c, 1, 0, 1, 61);
    number(&c, 1, 1, 1, 60);
    s = book(0x0600, &g, &c);
    f = cfb(&s, "Workbook", NULL);
    expect_built_err(&f, NULL,
                     "ERR 5 2:2 Sheet1!B2: serial 60 is 1900-02-29, a day that did not exist");
    free(f.p);
    free(s.p);
    /* The sheet's offset past the stream. */
    c.n = 0;
    s = book(0x0600, NULL, &c);
    size_t bs = 4 + 12; /* BOF */
    put32(s.p + bs + 4, 0x00100000);
    f = cfb(&s, "Workbook", NULL);
    expect_built_err(
        &f, NULL, "ERR 3 0:0 damaged Excel 97-2003 workbook: sheet 'Sheet1' starts past the end");
    free(f.p);
    free(s.p);
    free(c.p);
    free(g.p);
    free(d.p);
}

static void test_probe_and_registry(void **state)
{
    (void)state;
    const struct conv_format *f = conv_format_by_name("xls");
    assert_non_null(f);
    assert_int_equal(conv_format_can_read(f), 1);
    assert_int_equal(conv_format_can_write(f), 0);
    assert_ptr_equal(conv_format_by_path("old.XLS"), f);
    assert_ptr_equal(conv_format_probe("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 10), f);
    assert_ptr_equal(conv_format_probe("PK\3\4", 4), conv_format_by_name("xlsx"));
}

static void test_no_leaks(void **state)
{
    (void)state;
    static const char *const names[] = {"basic.xls", "formula.xls", "sst.xls", "truncated.xls",
                                        "encrypted.xls"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/data/xls/%s", names[i]);
        char *path = tu_src(rel);
        size_t n;
        char *data = tu_read_file(path, &n);
        long live = 0;
        struct conv_context *ctx = tu_live_context(&live);
        struct conv_options *o = conv_options_new(ctx);
        conv_options_set(o, "from", "xls");
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd = conv_reader_open_memory(ctx, data, n, "book.xls", o, &err);
        if (rd) {
            const struct conv_record *rec;
            while (conv_reader_next(rd, &rec) == CONV_OK) {
            }
            conv_reader_close(rd);
        }
        conv_options_free(o);
        conv_context_free(ctx);
        assert_int_equal(live, 0);
        free(data);
        free(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_types),
        cmocka_unit_test(test_fixture_simple),
        cmocka_unit_test(test_fixture_formulas),
        cmocka_unit_test(test_fixture_1904),
        cmocka_unit_test(test_fixture_formats),
        cmocka_unit_test(test_fixture_gnumeric),
        cmocka_unit_test(test_fixture_sst),
        cmocka_unit_test(test_fixture_roundtrip),
        cmocka_unit_test(test_built_records),
        cmocka_unit_test(test_column_by_column),
        cmocka_unit_test(test_sheet_option),
        cmocka_unit_test(test_header_row_option),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_reader_info),
        cmocka_unit_test(test_not_ole),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_biff5),
        cmocka_unit_test(test_cfb_damage),
        cmocka_unit_test(test_biff_damage),
        cmocka_unit_test(test_probe_and_registry),
        cmocka_unit_test(test_no_leaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
