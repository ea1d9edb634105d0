/*
 * XLSX reader tests through the public API.  Workbooks made by LibreOffice,
 * Gnumeric and Python's xlsxwriter (tests/data/xlsx/, see
 * make-fixtures.sh) are checked cell by cell, type by type.  Everything
 * else is built here with a small zip writer: number and date rules, cell
 * types, headers, sheets, the writer's field sheet, and hostile archives
 * and parts (not a zip, OLE, truncated, bombs, encryption, odd methods,
 * duplicate and overlapping entries, CRC mismatches, targets outside the
 * package, DOCTYPEs, overflowing references), each with its exact error.
 * Every workbook is read from memory and again through a callback (which
 * the reader spools to a temporary file): both must agree.
 */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- a zip writer -------------------------------------------------------------------------- */

struct zentry {
    char name[300];
    uint32_t crc, csize, usize, off;
    uint16_t method, flag;
};

struct zb {
    struct tu_sbuf b;
    struct zentry e[40];
    size_t n;
};

static void put16(struct tu_sbuf *b, uint32_t v)
{
    char s[2] = {(char)(v & 0xFF), (char)(v >> 8 & 0xFF)};
    tu_sb_add(b, s, 2);
}

static void put32(struct tu_sbuf *b, uint32_t v)
{
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

/* An entry with the given compressed bytes and declared fields. */
static void zb_raw(struct zb *z, const char *name, const void *comp, size_t clen, uint32_t usize,
                   uint32_t crc, uint16_t method, uint16_t flag)
{
    assert_true(z->n < sizeof z->e / sizeof z->e[0]);
    struct zentry *e = &z->e[z->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->crc = crc;
    e->csize = (uint32_t)clen;
    e->usize = usize;
    e->off = (uint32_t)z->b.n;
    e->method = method;
    e->flag = flag;
    put32(&z->b, 0x04034b50u);
    put16(&z->b, 20);
    put16(&z->b, flag);
    put16(&z->b, method);
    put16(&z->b, 0);
    put16(&z->b, 0);
    put32(&z->b, crc);
    put32(&z->b, e->csize);
    put32(&z->b, usize);
    put16(&z->b, (uint32_t)strlen(name));
    put16(&z->b, 0);
    tu_sb_str(&z->b, name);
    tu_sb_add(&z->b, comp, clen);
}

static void zb_add(struct zb *z, const char *name, const char *data)
{
    size_t n = strlen(data);
    zb_raw(z, name, data, n, (uint32_t)n, tu_crc32(data, n), 0, 0);
}

/* A second directory entry for the bytes of entry i (an overlap). */
static void zb_alias(struct zb *z, const char *name, size_t i)
{
    struct zentry *e = &z->e[z->n++];
    *e = z->e[i];
    snprintf(e->name, sizeof e->name, "%s", name);
}

static void zb_finish(struct zb *z)
{
    uint32_t cd = (uint32_t)z->b.n;
    for (size_t i = 0; i < z->n; i++) {
        const struct zentry *e = &z->e[i];
        put32(&z->b, 0x02014b50u);
        put16(&z->b, 20);
        put16(&z->b, 20);
        put16(&z->b, e->flag);
        put16(&z->b, e->method);
        put16(&z->b, 0);
        put16(&z->b, 0);
        put32(&z->b, e->crc);
        put32(&z->b, e->csize);
        put32(&z->b, e->usize);
        put16(&z->b, (uint32_t)strlen(e->name));
        put16(&z->b, 0);
        put16(&z->b, 0);
        put16(&z->b, 0);
        put16(&z->b, 0);
        put32(&z->b, 0);
        put32(&z->b, e->off);
        tu_sb_str(&z->b, e->name);
    }
    uint32_t len = (uint32_t)z->b.n - cd;
    put32(&z->b, 0x06054b50u);
    put16(&z->b, 0);
    put16(&z->b, 0);
    put16(&z->b, (uint32_t)z->n);
    put16(&z->b, (uint32_t)z->n);
    put32(&z->b, len);
    put32(&z->b, cd);
    put16(&z->b, 0);
}

/* A deflate stream (one fixed-Huffman block) that inflates to count
 * copies of c: one literal, then 258-byte matches at distance 1. */
struct bits {
    struct tu_sbuf *b;
    uint32_t acc;
    int n;
};

static void bit_put(struct bits *w, uint32_t v, int n)
{
    for (int i = 0; i < n; i++) {
        w->acc |= ((v >> i) & 1u) << w->n;
        if (++w->n == 8) {
            char c = (char)w->acc;
            tu_sb_add(w->b, &c, 1);
            w->acc = 0;
            w->n = 0;
        }
    }
}

/* A Huffman code goes most significant bit first. */
static void code_put(struct bits *w, uint32_t code, int len)
{
    for (int i = len - 1; i >= 0; i--)
        bit_put(w, (code >> i) & 1u, 1);
}

static void literal(struct bits *w, unsigned char c)
{
    if (c < 144)
        code_put(w, 0x30u + c, 8);
    else
        code_put(w, 0x190u + (c - 144u), 9);
}

static void deflate_repeat(struct tu_sbuf *out, unsigned char c, size_t count)
{
    struct bits w = {out, 0, 0};
    bit_put(&w, 1, 1); /* final */
    bit_put(&w, 1, 2); /* fixed Huffman */
    literal(&w, c);
    size_t left = count - 1;
    while (left >= 258) {
        code_put(&w, 0xC5, 8); /* length 258: symbol 285 */
        code_put(&w, 0, 5);    /* distance 1 */
        left -= 258;
    }
    while (left--)
        literal(&w, c);
    code_put(&w, 0, 7); /* end of block */
    if (w.n)
        bit_put(&w, 0, 8 - w.n);
}

/* ---- workbooks ----------------------------------------------------------------------------- */

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define NS_R "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define SHEET(rows) "<worksheet " NS "><sheetData>" rows "</sheetData></worksheet>"

struct book {
    const char *sheets[4];    /* worksheet XML */
    const char *names[4];     /* default Sheet1, Sheet2... */
    const char *sst;          /* sharedStrings.xml, or NULL */
    const char *styles;       /* styles.xml, or NULL */
    const char *wbpr;         /* workbookPr element, or NULL */
    const char *targets[4];   /* relationship targets, default worksheets/sheetN.xml */
    const char *extra_rels;   /* more Relationship elements */
    const char *extra_sheets; /* more sheet elements */
};

static void add_book(struct zb *z, const struct book *bk)
{
    char buf[8192];
    zb_add(z, "[Content_Types].xml",
           "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
           "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
           "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
           "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>");
    zb_add(z, "_rels/.rels",
           "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
           "<Relationship Id=\"rId1\" Type=\"" REL "officeDocument\" Target=\"xl/workbook.xml\"/>"
           "</Relationships>");
    struct tu_sbuf wb = {0}, rels = {0};
    tu_sb_str(&wb, "<workbook " NS " " NS_R ">");
    if (bk->wbpr)
        tu_sb_str(&wb, bk->wbpr);
    tu_sb_str(&wb, "<sheets>");
    tu_sb_str(&rels, "<Relationships "
                     "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
    for (size_t i = 0; i < 4 && bk->sheets[i]; i++) {
        char name[32];
        snprintf(name, sizeof name, "Sheet%zu", i + 1);
        snprintf(buf, sizeof buf, "<sheet name=\"%s\" sheetId=\"%zu\" r:id=\"rId%zu\"/>",
                 bk->names[i] ? bk->names[i] : name, i + 1, i + 1);
        tu_sb_str(&wb, buf);
        char target[64];
        snprintf(target, sizeof target, "worksheets/sheet%zu.xml", i + 1);
        snprintf(buf, sizeof buf,
                 "<Relationship Id=\"rId%zu\" Type=\"" REL "worksheet\" Target=\"%s\"/>", i + 1,
                 bk->targets[i] ? bk->targets[i] : target);
        tu_sb_str(&rels, buf);
        char part[64];
        snprintf(part, sizeof part, "xl/worksheets/sheet%zu.xml", i + 1);
        zb_add(z, part, bk->sheets[i]);
    }
    if (bk->extra_sheets)
        tu_sb_str(&wb, bk->extra_sheets);
    tu_sb_str(&wb, "</sheets></workbook>");
    if (bk->sst) {
        tu_sb_str(&rels, "<Relationship Id=\"rId10\" Type=\"" REL
                         "sharedStrings\" Target=\"sharedStrings.xml\"/>");
        zb_add(z, "xl/sharedStrings.xml", bk->sst);
    }
    if (bk->styles) {
        tu_sb_str(&rels,
                  "<Relationship Id=\"rId11\" Type=\"" REL "styles\" Target=\"styles.xml\"/>");
        zb_add(z, "xl/styles.xml", bk->styles);
    }
    if (bk->extra_rels)
        tu_sb_str(&rels, bk->extra_rels);
    tu_sb_str(&rels, "</Relationships>");
    zb_add(z, "xl/workbook.xml", wb.p);
    zb_add(z, "xl/_rels/workbook.xml.rels", rels.p);
    free(wb.p);
    free(rels.p);
}

static struct tu_sbuf make_book(const struct book *bk)
{
    struct zb z;
    memset(&z, 0, sizeof z);
    add_book(&z, bk);
    zb_finish(&z);
    return z.b;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* Records in tu_dump_sheet() lines (the field names first, so headers are
 * checked too), or "ERR code line:col message". */
static char *read_one(const void *data, size_t n, const char *const *opts, int via_callback)
{
    struct tu_sheet_read how = {
        .data = data, .len = n, .name = "book.xlsx", .trickle = via_callback, .from = "xlsx"};
    return tu_read_sheet(&how, opts);
}

/* Both ways; they must agree. */
static char *read_book(const void *data, size_t n, const char *const *opts)
{
    char *a = read_one(data, n, opts, 0);
    char *b = read_one(data, n, opts, 1);
    assert_string_equal(a, b);
    free(b);
    return a;
}

static void expect_book(const struct book *bk, const char *const *opts, const char *want)
{
    struct tu_sbuf z = make_book(bk);
    char *got = read_book(z.p, z.n, opts);
    assert_string_equal(got, want);
    free(got);
    free(z.p);
}

static void expect_zip(const struct tu_sbuf *z, const char *const *opts, const char *want)
{
    char *got = read_book(z->p, z->n, opts);
    assert_string_equal(got, want);
    free(got);
}

/* An error's start ("ERR code line:col message...") */
static void expect_book_err(const struct book *bk, const char *const *opts, const char *want)
{
    struct tu_sbuf z = make_book(bk);
    char *got = read_book(z.p, z.n, opts);
    if (strncmp(got, want, strlen(want)) != 0)
        fail_msg("got  %s\nwant %s", got, want);
    free(got);
    free(z.p);
}

static void expect_zip_err(const struct tu_sbuf *z, const char *const *opts, const char *want)
{
    char *got = read_book(z->p, z->n, opts);
    if (strncmp(got, want, strlen(want)) != 0)
        fail_msg("got  %s\nwant %s", got, want);
    free(got);
}

static char *read_fixture(const char *name, const char *const *opts)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/data/xlsx/%s", name);
    char *path = tu_src(rel);
    size_t n;
    char *data = tu_read_file(path, &n);
    assert_non_null(data);
    char *got = read_book(data, n, opts);
    free(data);
    free(path);
    return got;
}

/* ---- fixtures from spreadsheet programs ---------------------------------------------------- */

#define TYPES_HEADER                                                                                                               \
    "#sheet|Mã số|Chỉ tiêu|Giá trị|Tốc độ tăng|Ngày báo cáo|Thời điểm|Giờ|Chính thức|Gấp đôi|Ghi " \
    "chú|Đơn vị|Dân số|Diện tích\n"

/* The ODS source's cells; only 1900-01-01 differs between the programs:
 * LibreOffice writes serial 2 for it, which Excel shows as 1900-01-02. */
#define TYPES_ROWS(day1900)                                                                                     \
    "sheet=str:Chỉ tiêu|Mã số=str:0101|Chỉ tiêu=str:Công nghiệp và xây dựng|"                   \
    "Giá trị=int:13090|Tốc độ tăng=dec:0.165|Ngày báo cáo=date:2021-12-31|"                         \
    "Thời điểm=dt:2021-12-31T08:30:15|Giờ=dt:1899-12-31T08:30:00|Chính thức=bool:true|"               \
    "Gấp đôi=int:26180|Ghi chú=str:Theo giá so sánh 2010\n"                                              \
    "sheet=str:Chỉ tiêu|Mã số=str:0102|Chỉ tiêu=str:Thương mại, dịch vụ|Giá trị=dec:552.6|" \
    "Tốc độ tăng=null|Ngày báo cáo=date:" day1900 "|Thời điểm=dt:2000-02-29T23:59:59|"                     \
    "Giờ=dt:1899-12-31T00:00:00|Chính thức=bool:false|Gấp đôi=dec:0.3|"                                \
    "Ghi chú=str:R&D <khác>\n"                                                                                \
    "sheet=str:Chỉ tiêu|Mã số=str:0103|Chỉ tiêu=str:Nông, lâm nghiệp và thủy sản|"            \
    "Giá trị=dec:16.0|Tốc độ tăng=dec:-0.054|Ngày báo cáo=null|Thời điểm=null|Giờ=null|"     \
    "Chính thức=null|Gấp đôi=dec:0.125|Ghi chú=str:Số lớn\n"                                        \
    "sheet=str:Chỉ tiêu|Mã số=str:02|Chỉ tiêu=str:Dân số trung bình|"                              \
    "Giá trị=int:123456789012345|Tốc độ tăng=dec:0.0125|Ngày báo cáo=null|Thời điểm=null|"     \
    "Giờ=null|Chính thức=null|Gấp đôi=dec:2.000|Ghi chú=null\n"                                       \
    "sheet=str:Chỉ tiêu|Mã số=str:03|Chỉ tiêu=str:Số rất lớn và rất nhỏ|"                   \
    "Giá trị=int:1234567890123460000|Tốc độ tăng=null|Ngày báo cáo=null|Thời điểm=null|"       \
    "Giờ=null|Chính thức=null|Gấp đôi=dec:1e-10|Ghi chú=str:  khoảng trắng  \n"                   \
    "sheet=str:Dân số|Đơn vị=str:Phường Thắng Lợi|Dân số=int:12850|Diện tích=dec:7.5\n"     \
    "sheet=str:Dân số|Đơn vị=str:Xã Bá Xuyên|Dân số=int:6003|Diện tích=dec:10.25\n"

static void test_fixture_libreoffice_types(void **state)
{
    (void)state;
    char *got = read_fixture("lo-types.xlsx", NULL);
    assert_string_equal(got, TYPES_HEADER TYPES_ROWS("1900-01-02"));
    free(got);
}

static void test_fixture_gnumeric_types(void **state)
{
    (void)state;
    /* Gnumeric writes 21 significant digits (0.165000000000000000006),
     * pretty-printed XML and inline strings beside shared ones. */
    char *got = read_fixture("gnumeric-types.xlsx", NULL);
    assert_string_equal(got, TYPES_HEADER TYPES_ROWS("1900-01-01"));
    free(got);
}

static void test_fixture_one_sheet(void **state)
{
    (void)state;
    char *got = read_fixture("lo-types.xlsx", OPTS("sheet=Dân số"));
    assert_string_equal(got, "#Đơn vị|Dân số|Diện tích\n"
                             "Đơn vị=str:Phường Thắng Lợi|Dân số=int:12850|Diện tích=dec:7.5\n"
                             "Đơn vị=str:Xã Bá Xuyên|Dân số=int:6003|Diện tích=dec:10.25\n");
    free(got);
    got = read_fixture("gnumeric-types.xlsx", OPTS("sheet=2", "raw-numbers"));
    assert_string_equal(got, "#Đơn vị|Dân số|Diện tích\n"
                             "Đơn vị=str:Phường Thắng Lợi|Dân số=int:12850|Diện tích=dec:7.5\n"
                             "Đơn vị=str:Xã Bá Xuyên|Dân số=int:6003|Diện tích=dec:10.25\n");
    free(got);
    /* The title row and the empty row are skipped; the header is row 3. */
    got = read_fixture("lo-types.xlsx", OPTS("sheet=1", "raw-numbers"));
    assert_non_null(strstr(got, "Tốc độ tăng=dec:0.165|"));
    assert_non_null(strstr(got, "Gấp đôi=dec:0.3|"));
    assert_non_null(strstr(got, "Giá trị=dec:1.23456789012346E+018|"));
    assert_non_null(strstr(got, "Gấp đôi=dec:1E-010|"));
    free(got);
    got = read_fixture("gnumeric-types.xlsx", OPTS("sheet=1", "raw-numbers"));
    assert_non_null(strstr(got, "Tốc độ tăng=dec:0.165000000000000000006|"));
    free(got);
}

#define CSV_ROWS(region, code)                                                                              \
    "region_code=" region "|region_name=str:Thành phố Sông Công|indicator_code=" code "|"                   \
    "indicator_name=str:Tổng giá trị sản xuất trên địa bàn|parent_code=null|period=int:2021|" \
    "value=int:13090|unit=str:tỷ đồng|change_pct=dec:16.5|status=str:official|"                        \
    "note=str:Sau 1 năm thực hiện Nghị quyết Đại hội Đảng bộ các cấp, nhiệm kỳ 2020-2025\n"

static void test_fixture_csv_sources(void **state)
{
    (void)state;
    /* LibreOffice was told the code columns are text. */
    char *got = read_fixture("lo-csv.xlsx", NULL);
    assert_string_equal(
        got,
        "#region_code|region_name|indicator_code|indicator_name|parent_code|period|value|unit|"
        "change_pct|status|note\n" CSV_ROWS(
            "str:165",
            "str:01") "region_code=str:165|region_name=str:Thành phố Sông "
                      "Công|indicator_code=str:0101|"
                      "indicator_name=str:Công nghiệp và xây "
                      "dựng|parent_code=str:01|period=int:2021|"
                      "value=int:11227|unit=str:tỷ "
                      "đồng|change_pct=dec:16.5|status=str:official|note=null\n"
                      "region_code=str:165|region_name=str:Thành phố Sông "
                      "Công|indicator_code=str:0102|"
                      "indicator_name=str:Thương mại, dịch vụ|parent_code=str:01|period=int:2021|"
                      "value=int:1088|unit=str:tỷ "
                      "đồng|change_pct=dec:22.1|status=str:official|note=null\n"
                      "region_code=str:165|region_name=str:Thành phố Sông "
                      "Công|indicator_code=str:0103|"
                      "indicator_name=str:Nông, lâm nghiệp và thủy "
                      "sản|parent_code=str:01|period=int:2021|"
                      "value=int:775|unit=str:tỷ "
                      "đồng|change_pct=dec:5.4|status=str:official|note=null\n"
                      "region_code=str:165|region_name=str:Thành phố Sông "
                      "Công|indicator_code=str:02|"
                      "indicator_name=str:Giá trị xuất khẩu trên địa "
                      "bàn|parent_code=null|period=int:2021|"
                      "value=int:170|unit=str:triệu "
                      "USD|change_pct=dec:13.1|status=str:official|note=null\n"
                      "region_code=str:165|region_name=str:Thành phố Sông "
                      "Công|indicator_code=str:03|"
                      "indicator_name=str:Thu ngân sách Nhà nước|parent_code=null|period=int:2021|"
                      "value=dec:552.6|unit=str:tỷ "
                      "đồng|change_pct=int:25|status=str:official|note=null\n");
    free(got);
    /* Gnumeric guessed numbers: the codes lost their zeros in Gnumeric. */
    got = read_fixture("gnumeric-csv.xlsx", NULL);
    assert_non_null(strstr(got, "\n" CSV_ROWS("int:165", "int:1")));
    assert_non_null(strstr(got, "indicator_code=int:101|indicator_name=str:Công nghiệp và xây "
                                "dựng|parent_code=int:1|"));
    assert_non_null(strstr(got, "value=dec:552.6|unit=str:tỷ đồng|change_pct=int:25|"));
    free(got);
}

static void test_fixture_xlsxwriter_inline(void **state)
{
    (void)state;
    char *got = read_fixture("xlsxwriter-inline.xlsx", NULL);
    assert_string_equal(got,
                        "#region_code|region_name|value|day|stamp|ok|note\n"
                        "region_code=str:165|region_name=str:Thành phố Sông Công|"
                        "value=dec:13090.0|day=date:2021-12-31|stamp=dt:2021-12-31T08:30:15.250|"
                        "ok=bool:true|note=str:Dòng 1\nDòng 2\n"
                        "region_code=str:001|region_name=str:Quận Ba Đình|value=dec:0.3|"
                        "day=date:1900-02-28|stamp=null|ok=bool:false|"
                        "note=str:_x0041_ không phải A\n");
    free(got);
}

/* The tool: exit 0, the CSV expected. */
static void test_tool_fixture(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *out = tu_path(dir, "out.csv");
    char *in = tu_src("tests/data/xlsx/lo-types.xlsx");
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, OPTS("-q", "--sheet", "Dân số", in, "-o", out));
    assert_int_equal(r.status, 0);
    char *csv = tu_read_file(out, NULL);
    assert_string_equal(csv, "Đơn vị,Dân số,Diện tích\r\nPhường Thắng Lợi,12850,7.5\r\n"
                             "Xã Bá Xuyên,6003,10.25\r\n");
    free(csv);
    tu_run_free(&r);
    /* From standard input (spooled), by content. */
    size_t n;
    char *data = tu_read_file(in, &n);
    tu_run_tool(&r, "conv", data, n, OPTS("-q", "--sheet", "2", "-t", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "Đơn vị,Dân số,Diện tích\r\nPhường Thắng Lợi,12850,7.5\r\n"
                               "Xã Bá Xuyên,6003,10.25\r\n");
    tu_run_free(&r);
    free(data);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* ---- numbers ------------------------------------------------------------------------------- */

#define STYLES(numfmts, xfs)                                                                       \
    "<styleSheet " NS "><numFmts>" numfmts "</numFmts><cellXfs>" xfs "</cellXfs></styleSheet>"

static const char number_styles[] = STYLES(
    "<numFmt numFmtId=\"164\" formatCode=\"#,##0.0\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"0.000\"/>"
    "<numFmt numFmtId=\"166\" formatCode=\"0.0%\"/>"
    "<numFmt numFmtId=\"167\" formatCode=\"#,##0.00 &quot;₫&quot;;[Red]-#,##0.00 &quot;₫&quot;\"/>"
    "<numFmt numFmtId=\"168\" formatCode=\"0.0#\"/>",
    "<xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf numFmtId=\"166\"/>"
    "<xf numFmtId=\"167\"/><xf numFmtId=\"168\"/><xf numFmtId=\"2\"/><xf numFmtId=\"11\"/>"
    "<xf numFmtId=\"49\"/><xf numFmtId=\"10\"/>");

/* One number per row under header "v", style s. */
static void expect_numbers(const char *rows, const char *const *opts, const char *want)
{
    struct tu_sbuf sheet = {0};
    tu_sb_str(&sheet, "<worksheet " NS "><sheetData><row><c t=\"inlineStr\"><is><t>v</t></is>"
                      "</c></row>");
    tu_sb_str(&sheet, rows);
    tu_sb_str(&sheet, "</sheetData></worksheet>");
    struct book bk = {.sheets = {sheet.p}, .styles = number_styles};
    expect_book(&bk, opts, want);
    free(sheet.p);
}

static void test_numbers_as_excel_shows(void **state)
{
    (void)state;
    expect_numbers("<row><c><v>0.30000000000000004</v></c></row>"
                   "<row><c><v>13090</v></c></row>"
                   "<row><c><v>-7.07</v></c></row>"
                   "<row><c><v>1.0E+21</v></c></row>"
                   "<row><c><v>1E+20</v></c></row>"
                   "<row><c><v>1.23456789012345678E-8</v></c></row>"
                   "<row><c><v>1E-7</v></c></row>"
                   "<row><c><v>0.000001</v></c></row>"
                   "<row><c><v>-0</v></c></row>"
                   "<row><c><v>1.5E+3</v></c></row>"
                   "<row><c><v>+5</v></c></row>"
                   "<row><c><v>.5</v></c></row>"
                   "<row><c><v>007</v></c></row>"
                   "<row><c><v>2.50</v></c></row>"
                   "<row><c><v>123456789012345678</v></c></row>"
                   "<row><c><v>0.1234567890123456</v></c></row>"
                   "<row><c><v>-1.7976931348623157E+308</v></c></row>",
                   NULL,
                   "#v\nv=dec:0.3\nv=int:13090\nv=dec:-7.07\nv=dec:1e+21\n"
                   "v=int:100000000000000000000\nv=dec:1.23456789012346e-8\nv=dec:0.0000001\n"
                   "v=dec:0.000001\nv=int:0\nv=int:1500\nv=int:5\nv=dec:0.5\nv=int:7\n"
                   "v=dec:2.5\nv=int:123456789012346000\nv=dec:0.123456789012346\n"
                   "v=dec:-1.79769313486232e+308\n");
}

static void test_numbers_raw(void **state)
{
    (void)state;
    expect_numbers("<row><c><v>0.30000000000000004</v></c></row>"
                   "<row><c s=\"1\"><v>16</v></c></row>"
                   "<row><c><v>1.0E+21</v></c></row>",
                   OPTS("raw-numbers"), "#v\nv=dec:0.30000000000000004\nv=int:16\nv=dec:1.0E+21\n");
    expect_numbers("<row><c><v>.5</v></c></row>", OPTS("raw-numbers"),
                   "ERR 3 2:1 Sheet1!A2: '.5' is not a number");
}

static void test_numbers_format_decimals(void **state)
{
    (void)state;
    /* Padded to the decimals the format shows, never cut. */
    expect_numbers("<row><c s=\"1\"><v>16</v></c></row>"
                   "<row><c s=\"1\"><v>552.63</v></c></row>"
                   "<row><c s=\"1\"><v>-0.5</v></c></row>"
                   "<row><c s=\"2\"><v>2</v></c></row>"
                   "<row><c s=\"2\"><v>0.1</v></c></row>"
                   "<row><c s=\"4\"><v>1250000</v></c></row>"
                   "<row><c s=\"5\"><v>3</v></c></row>"
                   "<row><c s=\"6\"><v>4.5</v></c></row>"
                   "<row><c s=\"7\"><v>12345</v></c></row>"
                   "<row><c s=\"8\"><v>42</v></c></row>"
                   "<row><c s=\"99\"><v>42</v></c></row>"
                   "<row><c s=\"1\"><v>1E+25</v></c></row>",
                   NULL,
                   "#v\nv=dec:16.0\nv=dec:552.63\nv=dec:-0.5\nv=dec:2.000\nv=dec:0.100\n"
                   "v=dec:1250000.00\nv=dec:3.0\nv=dec:4.50\nv=int:12345\nv=int:42\nv=int:42\n"
                   "v=dec:1e+25\n");
}

static void test_numbers_percent(void **state)
{
    (void)state;
    /* The number itself, not times 100, and not padded. */
    expect_numbers("<row><c s=\"3\"><v>0.165</v></c></row>"
                   "<row><c s=\"9\"><v>0.1</v></c></row>"
                   "<row><c s=\"3\"><v>1</v></c></row>",
                   NULL, "#v\nv=dec:0.165\nv=dec:0.1\nv=int:1\n");
}

static void test_numbers_bad(void **state)
{
    (void)state;
    expect_numbers("<row><c><v>abc</v></c></row>", NULL,
                   "ERR 3 2:1 Sheet1!A2: 'abc' is not a number");
    expect_numbers("<row><c><v>1e999</v></c></row>", NULL,
                   "ERR 3 2:1 Sheet1!A2: '1e999' is out of the range of numbers");
    expect_numbers("<row><c><v>nan</v></c></row>", NULL,
                   "ERR 3 2:1 Sheet1!A2: 'nan' is not a number");
    expect_numbers("<row><c><v>0x10</v></c></row>", NULL,
                   "ERR 3 2:1 Sheet1!A2: '0x10' is not a number");
}

/* ---- dates --------------------------------------------------------------------------------- */

static const char date_styles[] = STYLES(
    "<numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"[Red]&quot;Ngày &quot;dd/mm/yyyy\"/>"
    "<numFmt numFmtId=\"166\" formatCode=\"yyyy-mm-dd hh:mm:ss.0\"/>"
    "<numFmt numFmtId=\"167\" formatCode=\"&quot;day &quot;0\"/>"
    "<numFmt numFmtId=\"168\" formatCode=\"\\d0\"/>"
    "<numFmt numFmtId=\"169\" formatCode=\"[$-42A]dd/mm/yyyy;@\"/>"
    "<numFmt numFmtId=\"170\" formatCode=\"[Blue]0.0\"/>"
    "<numFmt numFmtId=\"171\" formatCode=\"mmm yyyy\"/>"
    "<numFmt numFmtId=\"172\" formatCode=\"h:mm\"/>"
    "<numFmt numFmtId=\"173\" formatCode=\"yyyy-mm-dd hh:mm:ss.000\"/>",
    "<xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf numFmtId=\"166\"/>"
    "<xf numFmtId=\"167\"/><xf numFmtId=\"168\"/><xf numFmtId=\"169\"/><xf numFmtId=\"170\"/>"
    "<xf numFmtId=\"171\"/><xf numFmtId=\"172\"/><xf numFmtId=\"14\"/><xf numFmtId=\"22\"/>"
    "<xf numFmtId=\"46\"/><xf numFmtId=\"45\"/><xf numFmtId=\"173\"/>");

static void expect_dates(const char *rows, const char *wbpr, const char *want)
{
    struct tu_sbuf sheet = {0};
    tu_sb_str(&sheet, "<worksheet " NS "><sheetData><row><c t=\"inlineStr\"><is><t>d</t></is>"
                      "</c></row>");
    tu_sb_str(&sheet, rows);
    tu_sb_str(&sheet, "</sheetData></worksheet>");
    struct book bk = {.sheets = {sheet.p}, .styles = date_styles, .wbpr = wbpr};
    if (!strncmp(want, "ERR", 3))
        expect_book_err(&bk, NULL, want);
    else
        expect_book(&bk, NULL, want);
    free(sheet.p);
}

static void test_dates_formats(void **state)
{
    (void)state;
    expect_dates("<row><c s=\"1\"><v>44561</v></c></row>"
                 "<row><c s=\"2\"><v>44561</v></c></row>"
                 "<row><c s=\"6\"><v>44561</v></c></row>"
                 "<row><c s=\"8\"><v>44561</v></c></row>"
                 "<row><c s=\"10\"><v>44561</v></c></row>"
                 "<row><c s=\"1\"><v>44561.5</v></c></row>"
                 "<row><c s=\"11\"><v>44561.25</v></c></row>"
                 "<row><c s=\"11\"><v>44561</v></c></row>"
                 "<row><c s=\"9\"><v>0.75</v></c></row>"
                 "<row><c s=\"12\"><v>1.5</v></c></row>"
                 "<row><c s=\"13\"><v>0.0006944444444444445</v></c></row>",
                 NULL,
                 "#d\nd=date:2021-12-31\nd=date:2021-12-31\nd=date:2021-12-31\n"
                 "d=date:2021-12-31\nd=date:2021-12-31\nd=dt:2021-12-31T12:00:00\n"
                 "d=dt:2021-12-31T06:00:00\nd=dt:2021-12-31T00:00:00\n"
                 "d=dt:1899-12-31T18:00:00\nd=dt:1900-01-01T12:00:00\n"
                 "d=dt:1899-12-31T00:01:00\n");
    /* Not dates: d and y inside quotes, escaped, or a colour. */
    expect_dates("<row><c s=\"4\"><v>5</v></c></row>"
                 "<row><c s=\"5\"><v>5</v></c></row>"
                 "<row><c s=\"7\"><v>5</v></c></row>",
                 NULL, "#d\nd=int:5\nd=int:5\nd=dec:5.0\n");
}

static void test_dates_fractions(void **state)
{
    (void)state;
    /* Milliseconds: .fff when not zero, else as many digits as the
     * format shows. */
    expect_dates("<row><c s=\"11\"><v>44561.354340277778</v></c></row>"
                 "<row><c s=\"11\"><v>44561.35434317130</v></c></row>"
                 "<row><c s=\"3\"><v>44561.354346064815</v></c></row>"
                 "<row><c s=\"3\"><v>44561.35434027778</v></c></row>"
                 "<row><c s=\"14\"><v>44561.35434027778</v></c></row>",
                 NULL,
                 "#d\nd=dt:2021-12-31T08:30:15\nd=dt:2021-12-31T08:30:15.250\n"
                 "d=dt:2021-12-31T08:30:15.500\nd=dt:2021-12-31T08:30:15.0\n"
                 "d=dt:2021-12-31T08:30:15.000\n");
}

static void test_dates_1900_quirk(void **state)
{
    (void)state;
    expect_dates("<row><c s=\"1\"><v>1</v></c></row>"
                 "<row><c s=\"1\"><v>59</v></c></row>"
                 "<row><c s=\"1\"><v>61</v></c></row>"
                 "<row><c s=\"1\"><v>2958465</v></c></row>",
                 NULL,
                 "#d\nd=date:1900-01-01\nd=date:1900-02-28\nd=date:1900-03-01\n"
                 "d=date:9999-12-31\n");
    expect_dates("<row><c s=\"1\"><v>60</v></c></row>", NULL,
                 "ERR 5 2:1 Sheet1!A2: serial 60 is 1900-02-29, a day that did not exist");
    expect_dates("<row><c s=\"1\"><v>60.5</v></c></row>", NULL,
                 "ERR 5 2:1 Sheet1!A2: serial 60 is 1900-02-29");
    expect_dates("<row><c s=\"1\"><v>-1</v></c></row>", NULL,
                 "ERR 5 2:1 Sheet1!A2: -1 in a date format is not a date Excel can show");
    expect_dates("<row><c s=\"1\"><v>2958466</v></c></row>", NULL,
                 "ERR 5 2:1 Sheet1!A2: 2958466 in a date format is not a date Excel can show");
}

static void test_dates_1904(void **state)
{
    (void)state;
    expect_dates("<row><c s=\"1\"><v>0</v></c></row>"
                 "<row><c s=\"1\"><v>60</v></c></row>"
                 "<row><c s=\"1\"><v>43099</v></c></row>",
                 "<workbookPr date1904=\"1\"/>",
                 "#d\nd=date:1904-01-01\nd=date:1904-03-01\nd=date:2021-12-31\n");
    expect_dates("<row><c s=\"1\"><v>43099</v></c></row>", "<workbookPr date1904=\"true\"/>",
                 "#d\nd=date:2021-12-31\n");
    expect_dates("<row><c s=\"1\"><v>43099</v></c></row>", "<workbookPr date1904=\"0\"/>",
                 "#d\nd=date:2017-12-30\n");
}

/* ---- cell types ---------------------------------------------------------------------------- */

static void test_cell_types(void **state)
{
    (void)state;
    struct book bk = {
        .sheets = {SHEET(
            "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
            "<c r=\"C1\" t=\"s\"><v>2</v></c></row>"
            "<row r=\"2\"><c r=\"A2\" t=\"b\"><v>1</v></c><c r=\"B2\" t=\"e\"><v>#DIV/0!</v></c>"
            "<c r=\"C2\" t=\"str\"><f>A2&amp;\"x\"</f><v>TRUEx</v></c></row>"
            "<row r=\"3\"><c r=\"A3\" t=\"b\"><v>0</v></c><c r=\"B3\" t=\"e\"><v>#N/A</v></c>"
            "<c r=\"C3\"><f>1+1</f><v>2</v></c></row>"
            "<row r=\"4\"><c r=\"A4\" t=\"b\"><v>true</v></c><c r=\"B4\" t=\"inlineStr\"><is>"
            "<r><rPr><b/></rPr><t>đậm</t></r><r><t xml:space=\"preserve\"> và thường</t></r>"
            "<rPh sb=\"0\" eb=\"1\"><t>phonetic</t></rPh></is></c>"
            "<c r=\"C4\" t=\"s\"><v>3</v></c></row>"
            "<row r=\"5\"><c r=\"A5\" t=\"d\"><v>2021-12-31</v></c>"
            "<c r=\"B5\" t=\"d\"><v>2021-12-31T08:30:00</v></c><c r=\"C5\" t=\"s\"><v>4</v></c>"
            "</row>"
            "<row r=\"6\"><c r=\"A6\" t=\"str\"><f>\"\"</f><v></v></c>"
            "<c r=\"B6\" t=\"inlineStr\"><is><t></t></is></c><c r=\"C6\" t=\"s\"><v>5</v></c>"
            "</row>"
            "<row r=\"7\"><c r=\"A7\" t=\"str\"><f>\"\"</f><v></v></c>"
            "<c r=\"B7\" t=\"inlineStr\"><is><t></t></is></c><c r=\"C7\" t=\"s\"><v>2</v></c>"
            "</row>")},
        .sst = "<sst " NS "><si><t>bool</t></si><si><t>text</t></si><si><t>more</t></si>"
               "<si><r><t>rich</t></r><r><rPr><i/></rPr><t xml:space=\"preserve\"> text</t>"
               "</r><rPh><t>ignored</t></rPh><phoneticPr fontId=\"1\"/></si>"
               "<si><t>a_x000D__x000A_b _x005F_x0041_ _x0041_ _xD83D__xDE00_ _x0000_ "
               "_xD800_</t></si><si><t/></si></sst>"};
    expect_book(&bk, NULL,
                "#bool|text|more\n"
                "bool=bool:true|text=str:#DIV/0!|more=str:TRUEx\n"
                "bool=bool:false|text=str:#N/A|more=int:2\n"
                "bool=bool:true|text=str:đậm và thường|more=str:rich text\n"
                "bool=date:2021-12-31|text=dt:2021-12-31T08:30:00|"
                "more=str:a\r\nb _x0041_ A 😀 _x0000_ _xD800_\n"
                "bool=str:|text=str:|more=str:more\n");
}

static void test_cell_errors(void **state)
{
    (void)state;
    struct book bk = {.sheets = {SHEET("<row><c t=\"inlineStr\"><is><t>a</t></is></c>"
                                       "<c t=\"inlineStr\"><is><t>b</t></is></c></row>"
                                       "<row><c><v>1</v></c><c t=\"s\"><v>7</v></c></row>")},
                      .sst = "<sst " NS "><si><t>x</t></si></sst>"};
    expect_book_err(&bk, NULL,
                    "ERR 3 2:2 Sheet1!B2: shared string '7' out of range (the workbook has 1)");
    bk.sheets[0] = SHEET("<row><c t=\"inlineStr\"><is><t>a</t></is></c>"
                         "<c t=\"inlineStr\"><is><t>b</t></is></c></row>"
                         "<row><c><v>1</v></c><c t=\"s\"><v>99999999999999999999</v></c></row>");
    expect_book_err(&bk, NULL, "ERR 3 2:2 Sheet1!B2: shared string '99999999999999999999' out");
    bk.sheets[0] = SHEET("<row><c t=\"inlineStr\"><is><t>a</t></is></c></row>"
                         "<row><c t=\"b\"><v>2</v></c></row>");
    expect_book_err(&bk, NULL, "ERR 3 2:1 Sheet1!A2: '2' is not a boolean");
    bk.sheets[0] = SHEET("<row><c t=\"inlineStr\"><is><t>a</t></is></c></row>"
                         "<row><c t=\"x\"><v>2</v></c></row>");
    expect_book_err(&bk, NULL, "ERR 3 2:1 Sheet1!A2: unknown cell type 'x'");
    bk.sheets[0] = SHEET("<row><c t=\"inlineStr\"><is><t>a</t></is></c></row>"
                         "<row><c t=\"d\"><v>31/12/2021</v></c></row>");
    expect_book_err(&bk, NULL, "ERR 3 2:1 Sheet1!A2: '31/12/2021' is not an ISO 8601 date");
}

/* ---- rows, cells, references --------------------------------------------------------------- */

static void test_references_optional(void **state)
{
    (void)state;
    /* No r attributes: the next row, the next column; a lying dimension. */
    struct book bk = {.sheets = {"<worksheet " NS "><dimension ref=\"A1:B1\"/><sheetData>"
                                 "<row><c t=\"inlineStr\"><is><t>a</t></is></c>"
                                 "<c t=\"inlineStr\"><is><t>b</t></is></c>"
                                 "<c t=\"inlineStr\"><is><t>c</t></is></c></row>"
                                 "<row><c><v>1</v></c><c r=\"C2\"><v>3</v></c></row>"
                                 "<row r=\"5\"><c r=\"B5\"><v>2</v></c><c><v>3</v></c></row>"
                                 "<row><c><v>4</v></c></row>"
                                 "</sheetData></worksheet>"}};
    expect_book(&bk, NULL,
                "#a|b|c\na=int:1|b=null|c=int:3\na=null|b=int:2|c=int:3\na=int:4|b=null|c=null\n");
}

static void test_references_bad(void **state)
{
    (void)state;
    struct {
        const char *rows;
        const char *want;
    } cases[] = {
        {"<row r=\"1048577\"><c><v>1</v></c></row>",
         "ERR 3 1:0 Sheet1, row 1: row number '1048577' out of range (1 to 1048576)"},
        {"<row r=\"0\"><c><v>1</v></c></row>", "ERR 3 1:0 Sheet1, row 1: row number '0' out"},
        {"<row r=\"99999999999999999999\"><c><v>1</v></c></row>",
         "ERR 3 1:0 Sheet1, row 1: row number '99999999999999999999' out of range"},
        {"<row r=\"x\"><c><v>1</v></c></row>", "ERR 3 1:0 Sheet1, row 1: row number 'x' out"},
        {"<row r=\"3\"/><row r=\"2\"/>",
         "ERR 3 2:0 Sheet1, row 2: row 2 comes after row 3 (rows out of order or repeated)"},
        {"<row r=\"3\"/><row r=\"3\"/>", "ERR 3 3:0 Sheet1, row 3: row 3 comes after row 3"},
        {"<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>",
         "ERR 3 1:1 Sheet1!A1: bad cell reference 'XFE1' (columns A to XFD, rows 1 to 1048576)"},
        {"<row r=\"1\"><c r=\"AAAA1\"><v>1</v></c></row>",
         "ERR 3 1:1 Sheet1!A1: bad cell reference 'AAAA1'"},
        {"<row r=\"1\"><c r=\"A00000000001\"><v>1</v></c></row>",
         "ERR 3 1:1 Sheet1!A1: bad cell reference 'A00000000001'"},
        {"<row r=\"1\"><c r=\"A2\"><v>1</v></c></row>",
         "ERR 3 1:1 Sheet1!A1: cell reference 'A2' is not in row 1"},
        {"<row r=\"1\"><c r=\"1\"><v>1</v></c></row>",
         "ERR 3 1:1 Sheet1!A1: bad cell reference '1'"},
        {"<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>1</v></c></row>",
         "ERR 3 1:1 Sheet1!A1: cell comes after column 2 (cells out of order or repeated)"},
        {"<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"B1\"><v>1</v></c></row>",
         "ERR 3 1:2 Sheet1!B1: cell comes after column 2"},
        {"<row r=\"1\"><c r=\"XFD1\"><v>1</v></c><c><v>1</v></c></row>",
         "ERR 3 1:0 Sheet1, row 1: more than 16384 columns"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tu_sbuf s = {0};
        tu_sb_str(&s, "<worksheet " NS "><sheetData>");
        tu_sb_str(&s, cases[i].rows);
        tu_sb_str(&s, "</sheetData></worksheet>");
        struct book bk = {.sheets = {s.p}};
        expect_book_err(&bk, NULL, cases[i].want);
        free(s.p);
    }
}

/* ---- headers ------------------------------------------------------------------------------- */

#define IS(t) "<c t=\"inlineStr\"><is><t>" t "</t></is></c>"

static void test_header_auto(void **state)
{
    (void)state;
    /* The people layout: a title, an empty row, the header in row 3. */
    struct book bk = {
        .sheets = {SHEET("<row r=\"1\">" IS(
            "Tiêu đề") "<c r=\"B1\" s=\"0\"/></row>"
                       "<row r=\"3\">" IS("a")
                             IS("b") "</row>"
                                     "<row r=\"4\"><c><v>1</v></c><c><v>2</v></c></row>")}};
    expect_book(&bk, NULL, "#a|b\na=int:1|b=int:2\n");
    /* A one-column table: the first non-empty row. */
    bk.sheets[0] = SHEET("<row r=\"2\">" IS("only") "</row><row r=\"3\"><c><v>1</v></c></row>"
                                                    "<row r=\"4\"><c><v>2</v></c></row>");
    expect_book(&bk, NULL, "#only\nonly=int:1\nonly=int:2\n");
    /* Rows 20 on from the first non-empty one are not looked at. */
    bk.sheets[0] = SHEET("<row r=\"2\">" IS("title") "</row>"
                                                     "<row r=\"21\">" IS("a") IS("b") "</row>");
    expect_book(&bk, NULL, "#a|b\n");
    bk.sheets[0] = SHEET("<row r=\"2\">" IS("title") "</row>"
                                                     "<row r=\"22\">" IS("a") IS("b") "</row>");
    expect_book_err(&bk, NULL,
                    "ERR 6 22:2 Sheet1!B22: a value outside the header's columns (A to A)");
    /* Empty rows inside the data are skipped; so are rows of empty cells. */
    bk.sheets[0] =
        SHEET("<row>" IS("a") IS("b") "</row><row/><row><c s=\"1\"/><c t=\"s\"/></row>"
                                      "<row>" IS("") IS("") "</row><row><c><v>1</v></c></row>");
    expect_book(&bk, NULL, "#a|b\na=int:1|b=null\n");
    /* An empty sheet: no fields, no records. */
    bk.sheets[0] = SHEET("");
    expect_book(&bk, NULL, "#\n");
    bk.sheets[0] = "<worksheet " NS "/>";
    expect_book(&bk, NULL, "#\n");
}

static void test_header_row_option(void **state)
{
    (void)state;
    struct book bk = {
        .sheets = {SHEET("<row>" IS("x") IS(
            "y") "</row>"
                 "<row>" IS("a") IS("b") "</row>"
                                         "<row><c><v>1</v></c><c><v>2</v></c></row>")}};
    expect_book(&bk, OPTS("header-row=2"), "#a|b\na=int:1|b=int:2\n");
    expect_book(&bk, OPTS("header-row=1"), "#x|y\nx=str:a|y=str:b\nx=int:1|y=int:2\n");
    expect_book_err(&bk, OPTS("header-row=7"), "ERR 6 7:0 Sheet1, row 7: header row 7 is empty");
    expect_book_err(&bk, OPTS("header-row=0"), "ERR 1 ");
}

static void test_header_names(void **state)
{
    (void)state;
    /* Empty header cells: column_N (N the column); the table spans the
     * first to the last non-empty header cell. */
    struct book bk = {.sheets = {SHEET("<row><c r=\"B1\" t=\"inlineStr\"><is><t>a</t></is></c>"
                                       "<c r=\"D1\"><v>2021</v></c></row>"
                                       "<row><c r=\"A2\" s=\"1\"/><c r=\"C2\"><v>3</v></c>"
                                       "<c r=\"E2\"/></row>")}};
    expect_book(&bk, NULL, "#a|column_3|2021\na=null|column_3=int:3|2021=null\n");
    bk.sheets[0] = SHEET("<row>" IS("a") IS("b") "</row><row><c r=\"C2\"><v>3</v></c></row>");
    expect_book_err(&bk, NULL,
                    "ERR 6 2:3 Sheet1!C2: a value outside the header's columns (A to B); "
                    "--header-row picks another header row");
    /* Duplicates: an error, or x_2 as CSV's --duplicate-names rename. */
    bk.sheets[0] = SHEET("<row>" IS("a") IS("a") IS("a_2") IS("a") "</row>"
                                                                   "<row><c><v>1</v></c></row>");
    expect_book_err(&bk, NULL,
                    "ERR 6 1:2 Sheet1!B1: duplicate column name 'a' (--duplicate-names rename");
    expect_book(&bk, OPTS("duplicate-names=rename"),
                "#a|a_2|a_2_2|a_3\na=int:1|a_2=null|a_2_2=null|a_3=null\n");
}

/* ---- the header guess says so; --no-header --------------------------------------------- */

static void on_warning(void *user, const struct conv_error *e)
{
    char line[512];
    conv_error_format(e, line, sizeof line);
    tu_sb_str(user, line);
    tu_sb_str(user, "\n");
}

/* The warnings reading a book gives ("" none), and its records must read. */
static char *book_warnings(const void *data, size_t n, const char *const *opts)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    tu_options_add(o, opts);
    struct tu_sbuf warn = {0};
    tu_sb_str(&warn, "");
    conv_options_set_diag(o, on_warning, &warn);
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, data, n, "book.xlsx", o, &err);
    if (!rd)
        fail_msg("%s", err.message);
    const struct conv_record *rec;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
    }
    assert_int_equal(rc, CONV_EOF);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    return warn.p;
}

static void expect_warnings(const struct book *bk, const char *const *opts, const char *want)
{
    struct tu_sbuf z = make_book(bk);
    char *got = book_warnings(z.p, z.n, opts);
    if (strcmp(got, want) != 0)
        fail_msg("warnings\n%s\nwant\n%s", got, want);
    free(got);
    free(z.p);
}

#define NUM(v) "<c><v>" v "</v></c>"

static void test_header_guess_warnings(void **state)
{
    (void)state;
    /* Title rows above the header. */
    struct book bk = {
        .sheets = {SHEET("<row r=\"1\">" IS("Bảng 1. Dân số trung bình phân theo tỉnh") "</row>"
                         "<row r=\"2\">" IS("Đơn vị tính: Nghìn người") "</row>"
                         "<row r=\"4\">" IS("Tỉnh") IS("2023") "</row>"
                         "<row r=\"5\">" IS("Hà Nội") NUM("8587.1") "</row>")},
        .names = {"Dân số"}};
    expect_book(&bk, NULL, "#Tỉnh|2023\nTỉnh=str:Hà Nội|2023=dec:8587.1\n");
    expect_warnings(&bk, NULL,
                    "book.xlsx:4: 'Dân số', row 4: took row 4 as the header, skipping rows 1 to 2 "
                    "above it (a title or notes: 'Bảng 1. Dân số trung...'); --header-row N takes "
                    "another row\n");
    /* Chosen by --header-row: nothing to say. */
    expect_warnings(&bk, OPTS("header-row=4"), "");
    /* A list without a header: its first record taken. */
    bk.sheets[0] = SHEET("<row>" IS("01") IS("Thành phố Hà Nội") "</row>"
                         "<row>" IS("04") IS("Cao Bằng") "</row>"
                         "<row>" IS("08") IS("Tuyên Quang") "</row>");
    expect_book(&bk, NULL,
                "#01|Thành phố Hà Nội\n01=str:04|Thành phố Hà Nội=str:Cao Bằng\n"
                "01=str:08|Thành phố Hà Nội=str:Tuyên Quang\n");
    expect_warnings(&bk, NULL,
                    "book.xlsx:1: 'Dân số', row 1: took row 1 as the header, but it reads like a "
                    "record ('01', 'Thành phố Hà Nội'); --no-header reads it as one, --header-row "
                    "N takes another row\n");
    /* --no-header: every row a record, the columns by number; no warning. */
    expect_book(&bk, OPTS("no-header"),
                "#1|2\n1=str:01|2=str:Thành phố Hà Nội\n1=str:04|2=str:Cao Bằng\n"
                "1=str:08|2=str:Tuyên Quang\n");
    expect_warnings(&bk, OPTS("no-header"), "");
    /* Numbers as cells say so too: a number over numbers. */
    bk.sheets[0] = SHEET("<row>" NUM("1") IS("a") "</row><row>" NUM("2") IS("b") "</row>");
    expect_warnings(&bk, NULL,
                    "book.xlsx:1: 'Dân số', row 1: took row 1 as the header, but it reads like a "
                    "record ('1', 'a'); --no-header reads it as one, --header-row N takes another "
                    "row\n");
    /* A heading over the header: a group row naming few of the columns. */
    bk.sheets[0] = SHEET("<row>" IS("Mới") IS("Cũ") "</row>"
                         "<row>" IS("Tên") IS("Mã") IS("Tên cũ") IS("Mã cũ") IS("Ghi chú") "</row>"
                         "<row>" IS("Ba Đình") IS("00004") "</row>");
    expect_warnings(&bk, OPTS("duplicate-names=rename", "header-row=2"), "");
    expect_warnings(&bk, OPTS("sheet=1", "layout=records", "header-row=2"), "");
    {
        struct tu_sbuf z = make_book(&bk);
        /* Read as the guess would, the row under it is outside its columns:
         * the error names --header-row; the warning before it says which. */
        char *got = read_book(z.p, z.n, NULL);
        assert_string_equal(got, "ERR 6 2:3 'Dân số'!C2: a value outside the header's columns "
                                 "(A to B); --header-row picks another header row");
        free(got);
        free(z.p);
    }
    bk.sheets[0] = SHEET("<row><c r=\"A1\" t=\"inlineStr\"><is><t>Mới</t></is></c>"
                         "<c r=\"E1\" t=\"inlineStr\"><is><t>Cũ</t></is></c></row>"
                         "<row>" IS("Tên") IS("Mã") IS("Tên cũ") IS("Mã cũ") IS("Ghi chú") "</row>"
                         "<row>" IS("Ba Đình") IS("00004") "</row>");
    expect_book(&bk, NULL,
                "#Mới|column_2|column_3|column_4|Cũ\n"
                "Mới=str:Tên|column_2=str:Mã|column_3=str:Tên cũ|column_4=str:Mã cũ|Cũ=str:Ghi chú\n"
                "Mới=str:Ba Đình|column_2=str:00004|column_3=null|column_4=null|Cũ=null\n");
    expect_warnings(&bk, NULL,
                    "book.xlsx:1: 'Dân số', row 1: took row 1 as the header, but it names only 2 "
                    "of the 5 columns the row under it fills (a heading over the header?); "
                    "--header-row 2 takes that row\n");
    expect_warnings(&bk, OPTS("header-row=2"), "");
    /* Headers that say nothing. */
    bk.sheets[0] = SHEET("<row>" IS("Tỉnh") IS("1995") IS("Prel. 2016") "</row>"
                         "<row>" IS("Hà Nội") NUM("1.5") NUM("2") "</row>");
    expect_warnings(&bk, NULL, "");
    bk.sheets[0] = SHEET("<row>" IS("code") IS("name") "</row><row>" IS("01") IS("Hà Nội") "</row>");
    expect_warnings(&bk, NULL, "");
    bk.sheets[0] = SHEET("<row>" IS("only") "</row><row>" NUM("1") "</row>");
    expect_warnings(&bk, NULL, "");
    /* Our own workbook (the people layout: a title over the header): not a guess. */
    char *path = tu_src("samples/indicators.csv");
    size_t n, xn;
    char *csv = tu_read_file(path, &n);
    struct conv_error err;
    char *xlsx = tu_convert_mem(csv, n, "csv", "xlsx", NULL, &xn, &err);
    assert_non_null(xlsx);
    char *w = book_warnings(xlsx, xn, NULL);
    assert_string_equal(w, "");
    free(w);
    free(xlsx);
    free(csv);
    free(path);
}

static void test_no_header(void **state)
{
    (void)state;
    /* The columns with a value in any row, by number; rows of several
     * sheets with the sheet field; empty rows skipped. */
    struct book bk = {
        .sheets = {SHEET("<row r=\"2\"><c r=\"B2\" t=\"inlineStr\"><is><t>T</t></is></c></row>"
                         "<row r=\"3\"><c r=\"C3\"><v>1</v></c></row><row r=\"4\"/>"
                         "<row r=\"5\"><c r=\"D5\"><v>2</v></c></row>"),
                   SHEET("<row>" IS("x") "</row>"), SHEET("")}};
    expect_book(&bk, OPTS("no-header", "sheet=1"),
                "#2|3|4\n2=str:T|3=null|4=null\n2=null|3=int:1|4=null\n2=null|3=null|4=int:2\n");
    expect_book(&bk, OPTS("no-header"),
                "#sheet|2|3|4|1\nsheet=str:Sheet1|2=str:T|3=null|4=null\n"
                "sheet=str:Sheet1|2=null|3=int:1|4=null\nsheet=str:Sheet1|2=null|3=null|4=int:2\n"
                "sheet=str:Sheet2|1=str:x\n");
    expect_book(&bk, OPTS("no-header=no", "sheet=2"), "#x\n");
    expect_book_err(&bk, OPTS("no-header", "header-row=2"),
                    "ERR 1 0:0 --header-row and --no-header do not go together");
    expect_book_err(&bk, OPTS("no-header=maybe"), "ERR 1 0:0 option no-header: expected yes or no");
}

/* ---- --encoding: legacy text in cells whose font does not say ---------------------------- */

/* Fonts: 0 Arial, 1 .VnTime; cell formats: 0 Arial, 1 .VnTime. */
#define FONT_STYLES                                                                                \
    "<styleSheet " NS "><fonts count=\"2\"><font><name val=\"Arial\"/></font>"                    \
    "<font><name val=\".VnTime\"/></font></fonts>"                                                 \
    "<cellXfs><xf numFmtId=\"0\" fontId=\"0\"/><xf numFmtId=\"0\" fontId=\"1\"/></cellXfs>"        \
    "</styleSheet>"
#define IS_S(s, t) "<c s=\"" s "\" t=\"inlineStr\"><is><t>" t "</t></is></c>"

static void test_encoding_fallback(void **state)
{
    (void)state;
    /* TCVN3 typed in Arial (the file lost its font, or was re-saved): C¶ n­íc is
     * "Cả nước" in TCVN3; beside it Unicode text that must stay, Cà Mau
     * among it (Latin-1 letters only), and TCVN3 in .VnTime (the font says). */
    struct book bk = {
        .sheets = {SHEET("<row>" IS_S("0", "tinh") IS_S("0", "ghi") "</row>"
                         "<row>" IS_S("0", "C\xc2\xb6 n\xc2\xad\xc3\xad" "c") IS_S("0", "Cả nước") "</row>"
                         "<row>" IS_S("0", "Cà Mau") IS_S("1", "H\xc2\xb5 N\xc3\xa9i") "</row>"
                         "<row>" IS_S("0", "Sông Công") NUM("2") "</row>")},
        .styles = FONT_STYLES};
    expect_book(&bk, NULL,
                "#tinh|ghi\ntinh=str:C¶ n\xc2\xadíc|ghi=str:Cả nước\n"
                "tinh=str:Cà Mau|ghi=str:Hà Nội\ntinh=str:Sông Công|ghi=int:2\n");
    expect_book(&bk, OPTS("encoding=tcvn3"),
                "#tinh|ghi\ntinh=str:Cả nước|ghi=str:Cả nước\n"
                "tinh=str:Cà Mau|ghi=str:Hà Nội\ntinh=str:Sông Công|ghi=int:2\n");
    expect_book(&bk, OPTS("encoding=TCVN5712-1"),
                "#tinh|ghi\ntinh=str:Cả nước|ghi=str:Cả nước\n"
                "tinh=str:Cà Mau|ghi=str:Hà Nội\ntinh=str:Sông Công|ghi=int:2\n");
    /* utf-8: nothing is legacy but what the fonts say. */
    expect_book(&bk, OPTS("encoding=utf-8"),
                "#tinh|ghi\ntinh=str:C¶ n\xc2\xadíc|ghi=str:Cả nước\n"
                "tinh=str:Cà Mau|ghi=str:Hà Nội\ntinh=str:Sông Công|ghi=int:2\n");
    /* TCVN3's accented capitals for small letters: "vÒ" is "về". */
    bk.sheets[0] = SHEET("<row>" IS_S("0", "a") "</row><row>" IS_S("0", "v\xc3\x92") "</row>"
                         "<row>" IS_S("0", "Ò") "</row>");
    expect_book(&bk, OPTS("encoding=tcvn3"), "#a\na=str:về\na=str:Ò\n");
    /* VNI in Arial: "Vieät Nam", "Thaønh phoá" */
    bk.sheets[0] = SHEET("<row>" IS_S("0", "a") "</row>"
                         "<row>" IS_S("0", "Vie\xc3\xa4t Nam") "</row>"
                         "<row>" IS_S("0", "Tha\xc3\xb8nh pho\xc3\xa1") "</row>"
                         "<row>" IS_S("0", "Việt Nam") "</row>");
    expect_book(&bk, OPTS("encoding=vni"), "#a\na=str:Việt Nam\na=str:Thành phố\na=str:Việt Nam\n");
    expect_book(&bk, NULL,
                "#a\na=str:Vieät Nam\na=str:Thaønh phoá\na=str:Việt Nam\n");
    /* Windows-1258 through iconv: "Việt" as V i ê + a dot below (ò) t; "Hoà"
     * (o, then à) is Unicode and stays. */
    bk.sheets[0] = SHEET("<row>" IS_S("0", "a") "</row>"
                         "<row>" IS_S("0", "Vi\xc3\xaa\xc3\xb2t") "</row>"
                         "<row>" IS_S("0", "Ho\xc3\xa0") "</row>"
                         "<row>" IS_S("0", "\xc3\x90\xc3\xa0 N\xc3\xa3ng") "</row>");
    expect_book(&bk, OPTS("encoding=cp1258"), "#a\na=str:Việt\na=str:Hoà\na=str:Đà Năng\n");
    expect_book(&bk, OPTS("encoding=windows-1258"),
                "#a\na=str:Việt\na=str:Hoà\na=str:Đà Năng\n");
    /* An unknown encoding is a usage error. */
    expect_book_err(&bk, OPTS("encoding=klingon"),
                    "ERR 1 0:0 unknown encoding 'klingon' (tcvn3, vni, cp1258 or an iconv name)");
    /* The input is the zip's bytes, never decoded: from memory, through a
     * callback, with the format probed (no name, no --from). */
    struct tu_sbuf z = make_book(&bk);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    tu_options_add(o, OPTS("encoding=cp1258"));
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, z.p, z.n, NULL, o, &err);
    if (!rd)
        fail_msg("%s", err.message);
    assert_string_equal(conv_format_name(conv_reader_format(rd)), "xlsx");
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_string_equal(conv_record_get(rec, "a")->text, "Việt");
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    free(z.p);
}

/* ---- sheets -------------------------------------------------------------------------------- */

static const struct book two_sheets = {
    .sheets = {SHEET("<row>" IS("a") IS("b") "</row><row><c><v>1</v></c><c><v>2</v></c></row>"),
               SHEET("<row>" IS("b") IS("c") "</row><row><c><v>3</v></c><c><v>4</v></c></row>"),
               SHEET("")},
    .names = {"Một", "Hai &amp; ba", "Trống"},
};

static void test_sheets_all(void **state)
{
    (void)state;
    expect_book(
        &two_sheets, NULL,
        "#sheet|a|b|c\nsheet=str:Một|a=int:1|b=int:2\nsheet=str:Hai & ba|b=int:3|c=int:4\n");
}

static void test_sheets_one(void **state)
{
    (void)state;
    expect_book(&two_sheets, OPTS("sheet=Hai & ba"), "#b|c\nb=int:3|c=int:4\n");
    expect_book(&two_sheets, OPTS("sheet=1"), "#a|b\na=int:1|b=int:2\n");
    expect_book(&two_sheets, OPTS("sheet=3"), "#\n");
    expect_book_err(&two_sheets, OPTS("sheet=4"),
                    "ERR 1 0:0 option sheet: no sheet '4' in the workbook (its sheets: 'Một', "
                    "'Hai & ba', 'Trống')");
    expect_book_err(&two_sheets, OPTS("sheet=Ba"), "ERR 1 0:0 option sheet: no sheet 'Ba'");
    /* A sheet named like a number is found by its name first. */
    struct book bk = two_sheets;
    bk.names[1] = "1";
    expect_book(&bk, OPTS("sheet=1"), "#b|c\nb=int:3|c=int:4\n");
}

static void test_sheets_field_clash(void **state)
{
    (void)state;
    struct book bk = {
        .sheets = {SHEET("<row>" IS("sheet") IS("b") "</row><row><c><v>1</v></c></row>"),
                   SHEET("")}};
    expect_book_err(&bk, NULL, "ERR 6 1:1 Sheet1!A1: duplicate column name 'sheet'");
    expect_book(&bk, OPTS("duplicate-names=rename"),
                "#sheet|sheet_2|b\nsheet=str:Sheet1|sheet_2=int:1|b=null\n");
}

static void test_sheets_errors_name_the_sheet(void **state)
{
    (void)state;
    struct book bk = {.sheets = {SHEET("<row>" IS("a") "</row>"),
                                 SHEET("<row>" IS("a") "</row><row><c t=\"b\"><v>x</v></c></row>")},
                      .names = {"Sheet1", "Năm 2021"}};
    expect_book_err(&bk, NULL, "ERR 3 2:1 'Năm 2021'!A2: 'x' is not a boolean");
}

static void test_chart_sheets_skipped(void **state)
{
    (void)state;
    struct book bk = {.sheets = {SHEET("<row>" IS("a") "</row><row><c><v>1</v></c></row>")},
                      .extra_sheets = "<sheet name=\"Biểu đồ\" sheetId=\"9\" r:id=\"rId9\"/>",
                      .extra_rels = "<Relationship Id=\"rId9\" Type=\"" REL
                                    "chartsheet\" Target=\"chartsheets/sheet1.xml\"/>"};
    expect_book(&bk, NULL, "#a\na=int:1\n");
    expect_book_err(&bk, OPTS("sheet=Biểu đồ"),
                    "ERR 1 0:0 option sheet: 'Biểu đồ' is not a worksheet");
}

/* ---- the writer's field sheet -------------------------------------------------------------- */

static void test_conv_fields_sheet(void **state)
{
    (void)state;
    /* Labels in the header map back to names; types, labels and units come
     * along; an integral value of a decimal field stays decimal. */
    struct book bk = {
        .sheets = {SHEET("<row>" IS("Bảng") "</row><row r=\"3\">" IS("Mã") IS("Giá trị") IS(
                       "Khác") "</row>"
                               "<row><c t=\"inlineStr\"><is><t>01</t></is></c><c><v>13090</v></c>"
                               "<c><v>5</v></c></row>"),
                   SHEET("<row>" IS("name") IS("type") IS("label") IS("label_en") IS("unit") IS(
                       "required") "</row>"
                                   "<row>" IS("code") IS("string") IS("Mã") IS(
                                       "Code") "<c/>"
                                               "<c t=\"b\"><v>1</v></c></row>"
                                               "<row>" IS("value") IS("decimal")
                                                   IS("Giá trị") "<c/>" IS(
                                                       "tỷ đồng") "<c t=\"b\"><v>0</v></c></row>")},
        .names = {"Dữ liệu", "_conv_fields"},
    };
    expect_book(&bk, NULL, "#code|value|Khác\ncode=str:01|value=dec:13090|Khác=int:5\n");
    struct tu_sbuf z = make_book(&bk);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, z.p, z.n, "book.xlsx", NULL, &err);
    assert_non_null(rd);
    const struct conv_schema *s = conv_reader_schema(rd);
    const struct conv_field *f = conv_schema_field(s, 0);
    assert_string_equal(f->name, "code");
    assert_int_equal(f->type, CONV_STRING);
    assert_string_equal(f->label, "Mã");
    assert_string_equal(f->label_en, "Code");
    assert_true(f->required);
    f = conv_schema_field(s, 1);
    assert_int_equal(f->type, CONV_DECIMAL);
    assert_string_equal(f->unit, "tỷ đồng");
    assert_false(f->required);
    assert_int_equal(conv_schema_field(s, 2)->type, CONV_ANY);
    conv_reader_close(rd);
    conv_context_free(ctx);
    free(z.p);
    /* By position when the header has as many columns as fields. */
    bk.sheets[0] = SHEET("<row>" IS("X") IS("Y") "</row><row>" IS("7") "<c><v>1</v></c></row>");
    expect_book(&bk, NULL, "#code|value\ncode=str:7|value=dec:1\n");
}

/* ---- writer round trip --------------------------------------------------------------------- */

static void test_roundtrip_writer(void **state)
{
    (void)state;
    char *path = tu_src("samples/indicators.csv");
    size_t n;
    char *csv = tu_read_file(path, &n);
    struct conv_error err;
    size_t xn;
    char *xlsx = tu_convert_mem(csv, n, "csv", "xlsx", NULL, &xn, &err);
    if (!xlsx) {
        /* The writer is built separately; nothing to compare yet. */
        assert_int_equal(err.code, CONV_E_UNSUPPORTED);
    } else {
        size_t back_n;
        char *back = tu_convert_mem(xlsx, xn, "xlsx", "csv", NULL, &back_n, &err);
        assert_non_null(back);
        assert_string_equal(back, csv);
        free(back);
        free(xlsx);
        xlsx = tu_convert_mem(csv, n, "csv", "xlsx", OPTS("plain"), &xn, &err);
        assert_non_null(xlsx);
        back = tu_convert_mem(xlsx, xn, "xlsx", "csv", NULL, &back_n, &err);
        assert_non_null(back);
        assert_string_equal(back, csv);
        free(back);
        free(xlsx);
        /* XML: fields, types, labels, units, title, source and created too. */
        char *xpath = tu_src("samples/indicators.xml");
        size_t xml_n;
        char *xml = tu_read_file(xpath, &xml_n);
        xlsx = tu_convert_mem(xml, xml_n, "xml", "xlsx", NULL, &xn, &err);
        assert_non_null(xlsx);
        back = tu_convert_mem(xlsx, xn, "xlsx", "xml", NULL, &back_n, &err);
        assert_non_null(back);
        assert_string_equal(back, xml);
        free(back);
        free(xlsx);
        free(xml);
        free(xpath);
    }
    free(csv);
    free(path);
}

/* Decimals printed from a double (pandas, R, JavaScript): a number cell
 * when the text is the double's shortest round-trip form and libxlsxwriter's
 * 16 digits hold it; read back from our own workbook as written, with and
 * without --raw-numbers.  Anything else stays text, and exact. */
static void test_float_numbers(void **state)
{
    (void)state;
    static const char csv[] = "name,x\r\n"
                              "a,2.913148229712206\r\n"  /* 16 digits: a number cell */
                              "b,0.1\r\n"                /* 1 digit: as always */
                              "c,-16.07843137559021\r\n" /* 16 digits, negative */
                              "d,0.30000000000000004\r\n" /* 17: libxlsxwriter keeps 16 */
                              "e,2.9131482297122060\r\n" /* not the shortest form */
                              "f,1234567890123456\r\n"   /* an integer: text */
                              "g,1.5\r\n";
    /* The cell's type, by its row (4 is record a). */
    static const char *const types[] = {"decimal", "decimal", "decimal", "string",
                                        "string",  "string",  "decimal"};
    struct conv_error err;
    size_t xn, bn;
    char *xlsx = tu_convert_mem(csv, sizeof csv - 1, "csv", "xlsx", NULL, &xn, &err);
    assert_non_null(xlsx);
    char *back = tu_convert_mem(xlsx, xn, "xlsx", "csv", NULL, &bn, &err);
    assert_non_null(back);
    assert_string_equal(back, csv);
    free(back);
    back = tu_convert_mem(xlsx, xn, "xlsx", "csv", OPTS("raw-numbers"), &bn, &err);
    assert_non_null(back);
    assert_string_equal(back, csv);
    free(back);
    /* Which are number cells. */
    char *cells = read_book(xlsx, xn, OPTS("layout=cells"));
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "cell=str:B%zu|", i + 4);
        const char *at = strstr(cells, want);
        if (!at)
            fail_msg("no cell B%zu in\n%s", i + 4, cells);
        snprintf(want, sizeof want, "|type=str:%s|", types[i]);
        const char *eol = strchr(at, '\n');
        const char *t = strstr(at, want);
        if (!t || t > eol)
            fail_msg("B%zu is not a %s cell: %.*s", i + 4, types[i], (int)(eol - at), at);
    }
    assert_non_null(strstr(cells, "value=dec:2.913148229712206|"));
    free(cells);
    free(xlsx);
    /* --plain has no field sheet to say the workbook is ours: text, exact. */
    xlsx = tu_convert_mem(csv, sizeof csv - 1, "csv", "xlsx", OPTS("plain"), &xn, &err);
    assert_non_null(xlsx);
    back = tu_convert_mem(xlsx, xn, "xlsx", "csv", NULL, &bn, &err);
    assert_non_null(back);
    assert_string_equal(back, csv);
    free(back);
    cells = read_book(xlsx, xn, OPTS("layout=cells"));
    assert_non_null(strstr(cells, "value=str:2.913148229712206|type=str:string|"));
    free(cells);
    free(xlsx);
    /* Another program's workbook holding that number shows it as Excel does. */
    struct book bk = {.sheets = {SHEET("<row>" IS("x") "</row><row><c><v>2.913148229712206</v></c>"
                                       "</row>")}};
    expect_book(&bk, NULL, "#x\nx=dec:2.91314822971221\n");
    expect_book(&bk, OPTS("raw-numbers"), "#x\nx=dec:2.913148229712206\n");
}

/* ---- hostile archives ---------------------------------------------------------------------- */

static const struct book small = {
    .sheets = {SHEET("<row>" IS("a") "</row><row><c><v>1</v></c></row>")}};

static void test_not_zip(void **state)
{
    (void)state;
    struct tu_sbuf z = {0};
    tu_sb_str(&z, "region,value\n165,1\n");
    expect_zip_err(&z, NULL, "ERR 3 0:0 not an XLSX workbook (not a zip archive)");
    z.n = 0;
    tu_sb_add(&z, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    for (int i = 0; i < 64; i++)
        tu_sb_add(&z, "\0\0\0\0\0\0\0\0", 8);
    expect_zip_err(
        &z, NULL, "ERR 3 0:0 encrypted workbook or old .xls (OLE compound file): save it as .xlsx");
    z.n = 0;
    tu_sb_add(&z, "PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22);
    expect_zip_err(&z, NULL, "ERR 3 0:0 not an XLSX workbook (an empty zip archive)");
    z.n = 0;
    tu_sb_add(&z, "", 0);
    expect_zip_err(&z, NULL, "ERR 3 0:0 not an XLSX workbook (not a zip archive)");
    free(z.p);
    /* A zip that is not a workbook. */
    struct zb zz;
    memset(&zz, 0, sizeof zz);
    zb_add(&zz, "word/document.xml", "<w/>");
    zb_finish(&zz);
    expect_zip_err(&zz.b, NULL, "ERR 3 0:0 not an XLSX workbook (a zip archive without a workbook");
    free(zz.b.p);
    /* A Word document says what it is. */
    memset(&zz, 0, sizeof zz);
    zb_add(&zz, "[Content_Types].xml",
           "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
           "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
           "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>");
    zb_add(&zz, "_rels/.rels",
           "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
           "<Relationship Id=\"rId1\" Type=\"" REL "officeDocument\" "
           "Target=\"word/document.xml\"/></Relationships>");
    zb_add(&zz, "word/document.xml", "<w/>");
    zb_finish(&zz);
    expect_zip_err(&zz.b, NULL,
                   "ERR 3 0:0 part '[Content_Types].xml': not an XLSX workbook: its main part is "
                   "'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main"
                   "+xml'");
    free(zz.b.p);
}

static void test_truncated(void **state)
{
    (void)state;
    struct tu_sbuf z = make_book(&small);
    size_t full = z.n;
    /* minizip takes an end record cut in its comment length: from 3 bytes on. */
    for (size_t cut = 1; cut + 2 < full; cut += full / 23 + 1) {
        z.n = cut;
        char *got = read_book(z.p, z.n, NULL);
        if (strncmp(got, "ERR 3 0:0 ", 10) != 0)
            fail_msg("cut at %zu: %s", cut, got);
        free(got);
    }
    z.n = full - 22;
    expect_zip_err(&z, NULL, "ERR 3 0:0 damaged workbook: no zip central directory (truncated?)");
    free(z.p);
}

static void test_bomb_over_limit(void **state)
{
    (void)state;
    /* 16 MiB of spaces in 80 KiB, declared honestly. */
    struct zb z;
    memset(&z, 0, sizeof z);
    add_book(&z, &small);
    struct tu_sbuf def = {0};
    size_t big = (size_t)16 << 20;
    deflate_repeat(&def, ' ', big);
    assert_true(def.n < 120000);
    uint32_t c = 0xFFFFFFFFu;
    for (size_t k = 0; k < big; k++) {
        c ^= ' ';
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    zb_raw(&z, "xl/worksheets/sheet2.xml", def.p, def.n, (uint32_t)big, ~c, 8, 0);
    zb_finish(&z);
    /* Not read at all: no sheet points to it. */
    expect_zip(&z.b, OPTS("max-part-size=1048576"), "#a\na=int:1\n");
    free(z.b.p);
    /* As the sheet: refused before inflating. */
    memset(&z, 0, sizeof z);
    struct book bk = small;
    bk.targets[0] = "worksheets/big.xml";
    add_book(&z, &bk);
    zb_raw(&z, "xl/worksheets/big.xml", def.p, def.n, (uint32_t)big, ~c, 8, 0);
    zb_finish(&z);
    expect_zip_err(&z.b, OPTS("max-part-size=1048576"),
                   "ERR 8 0:0 part 'xl/worksheets/big.xml' inflates to 16777216 bytes, over the "
                   "limit of 1048576 (max-part-size)");
    /* Within the limit it is read, and is not a worksheet. */
    expect_zip_err(&z.b, NULL, "ERR 3 0:0 part 'xl/worksheets/big.xml', byte 16777216: no root");
    free(z.b.p);
    free(def.p);
}

static void test_bomb_lying_sizes(void **state)
{
    (void)state;
    struct tu_sbuf def = {0};
    deflate_repeat(&def, ' ', (size_t)8 << 20);
    /* Declares 1000 bytes, inflates to 8 MiB: stops at 1000, CRC fails. */
    struct zb z;
    memset(&z, 0, sizeof z);
    struct book bk = small;
    bk.targets[0] = "worksheets/big.xml";
    add_book(&z, &bk);
    zb_raw(&z, "xl/worksheets/big.xml", def.p, def.n, 1000, 0x12345678u, 8, 0);
    zb_finish(&z);
    expect_zip_err(&z.b, NULL, "ERR 3 0:0 ");
    free(z.b.p);
    /* Declares more than the data holds. */
    memset(&z, 0, sizeof z);
    add_book(&z, &bk);
    zb_raw(&z, "xl/worksheets/big.xml", def.p, def.n, (9u << 20), 0, 8, 0);
    zb_finish(&z);
    expect_zip_err(&z.b, NULL,
                   "ERR 3 0:0 damaged workbook: zip entry 'xl/worksheets/big.xml': it is shorter "
                   "than its declared size");
    free(z.b.p);
    /* Declares a ratio deflate cannot reach. */
    memset(&z, 0, sizeof z);
    add_book(&z, &bk);
    zb_raw(&z, "xl/worksheets/big.xml", "\x03\x00", 2, 100000000u, 0, 8, 0);
    zb_finish(&z);
    expect_zip_err(&z.b, NULL,
                   "ERR 3 0:0 damaged workbook: zip entry 'xl/worksheets/big.xml': its sizes "
                   "cannot be right (a zip bomb?)");
    free(z.b.p);
    free(def.p);
}

static void test_total_limit(void **state)
{
    (void)state;
    /* Each part under the limit, all together over 4 x the limit. */
    struct tu_sbuf s = {0};
    tu_sb_str(&s, "<worksheet " NS "><sheetData><row>" IS("a") "</row>");
    while (s.n < 5000)
        tu_sb_str(&s, "<row><c><v>1</v></c></row>");
    tu_sb_str(&s, "</sheetData></worksheet>");
    struct book bk = {.sheets = {s.p, s.p, s.p, s.p}};
    expect_book_err(&bk, OPTS("max-part-size=6000"),
                    "ERR 8 0:0 the parts read inflate to more than 24000 bytes");
    free(s.p);
}

static void test_zip_entries_refused(void **state)
{
    (void)state;
    /* Encrypted. */
    struct zb z;
    memset(&z, 0, sizeof z);
    add_book(&z, &small);
    zb_raw(&z, "xl/secret.bin", "xxxx", 4, 4, 0, 0, 1);
    zb_finish(&z);
    expect_zip_err(&z.b, NULL,
                   "ERR 3 0:0 encrypted zip entry 'xl/secret.bin': password-protected parts are "
                   "not supported");
    free(z.b.p);
    /* bzip2. */
    memset(&z, 0, sizeof z);
    add_book(&z, &small);
    zb_raw(&z, "xl/media/a.bin", "xxxx", 4, 4, 0, 12, 0);
    zb_finish(&z);
    expect_zip_err(&z.b, NULL,
                   "ERR 3 0:0 zip entry 'xl/media/a.bin' uses compression method 12 (only stored "
                   "and deflate are read)");
    free(z.b.p);
    /* The same name twice (ASCII case folded). */
    memset(&z, 0, sizeof z);
    add_book(&z, &small);
    zb_add(&z, "XL/Worksheets/Sheet1.xml", SHEET(""));
    zb_finish(&z);
    expect_zip_err(&z.b, NULL, "ERR 3 0:0 damaged workbook: zip entry ");
    char *got = read_book(z.b.p, z.b.n, NULL);
    assert_non_null(strstr(got, "the name appears twice"));
    free(got);
    free(z.b.p);
    /* Two entries sharing bytes. */
    memset(&z, 0, sizeof z);
    add_book(&z, &small);
    zb_alias(&z, "xl/worksheets/sheet9.xml", 2);
    zb_finish(&z);
    got = read_book(z.b.p, z.b.n, NULL);
    assert_non_null(strstr(got, "overlap (a zip bomb?)"));
    assert_int_equal(strncmp(got, "ERR 3 0:0 damaged workbook: zip entries '", 41), 0);
    free(got);
    free(z.b.p);
}

static void test_crc_mismatch(void **state)
{
    (void)state;
    struct zb z;
    memset(&z, 0, sizeof z);
    add_book(&z, &small);
    /* Flip a byte of the sheet's data: the CRC no longer matches. */
    for (size_t i = 0; i < z.n; i++)
        if (!strcmp(z.e[i].name, "xl/worksheets/sheet1.xml")) {
            char *data = z.b.p + z.e[i].off + 30 + strlen(z.e[i].name);
            char *v = memmem(data, z.e[i].csize, "<v>1</v>", 8);
            assert_non_null(v);
            v[3] = '2';
        }
    zb_finish(&z);
    expect_zip_err(&z.b, NULL,
                   "ERR 3 0:0 damaged workbook: zip entry 'xl/worksheets/sheet1.xml': CRC "
                   "mismatch");
    free(z.b.p);
}

/* ---- hostile parts ------------------------------------------------------------------------- */

static void test_targets_outside(void **state)
{
    (void)state;
    const char *targets[] = {"../../etc/passwd",          "/../x.xml",
                             "http://example.com/s.xml",  "file:///etc/passwd",
                             "worksheets/../../../x.xml", "//host/share/x.xml"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        struct book bk = small;
        bk.targets[0] = targets[i];
        char want[200];
        snprintf(want, sizeof want,
                 "ERR 3 0:0 the worksheet points outside the workbook ('%s'): refused", targets[i]);
        expect_book_err(&bk, NULL, want);
    }
    /* External mode. */
    struct book bk = small;
    bk.targets[0] = "worksheets/sheet1.xml\" TargetMode=\"External";
    expect_book_err(&bk, NULL, "ERR 3 0:0 the worksheet points outside the workbook");
    /* Inside, written in other ways. */
    bk.targets[0] = "/xl/worksheets/./sheet1.xml";
    expect_book(&bk, NULL, "#a\na=int:1\n");
    bk.targets[0] = "../xl/worksheets/sheet%31.xml";
    expect_book(&bk, NULL, "#a\na=int:1\n");
    bk.targets[0] = "worksheets/missing.xml";
    expect_book_err(&bk, NULL,
                    "ERR 3 0:0 damaged workbook: the worksheet 'xl/worksheets/missing.xml' is "
                    "missing");
}

static void test_doctype_refused(void **state)
{
    (void)state;
    /* In a worksheet (our tokenizer) ... */
    struct book bk = {.sheets = {"<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY a "
                                 "\"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
                                 "<worksheet " NS
                                 "><sheetData><row>" IS("&b;") "</row></sheetData></worksheet>"}};
    expect_book_err(&bk, NULL,
                    "ERR 3 0:0 part 'xl/worksheets/sheet1.xml', byte 21: a DOCTYPE in a workbook "
                    "part is refused");
    /* ... and in the parts libxml2 reads. */
    bk = small;
    bk.sst = "<?xml version=\"1.0\"?>\n<!-- a comment -->\n<!DOCTYPE sst [<!ENTITY a \"x\">]>"
             "<sst " NS "><si><t>&a;</t></si></sst>";
    expect_book_err(&bk, NULL,
                    "ERR 3 0:0 part 'xl/sharedStrings.xml': a DOCTYPE in a workbook part is "
                    "refused");
    bk = small;
    bk.styles = "<!DOCTYPE styleSheet SYSTEM \"http://example.com/x.dtd\"><styleSheet " NS "/>";
    expect_book_err(&bk, NULL,
                    "ERR 3 0:0 part 'xl/styles.xml': a DOCTYPE in a workbook part is refused");
    /* An undefined entity. */
    bk = small;
    bk.sheets[0] = SHEET("<row>" IS("&nbsp;") "</row>");
    expect_book_err(&bk, NULL,
                    "ERR 3 0:0 part 'xl/worksheets/sheet1.xml', byte 117: reference to an "
                    "undefined entity '&nbsp;' (no DTD is read)");
}

static void test_sheet_xml_malformed(void **state)
{
    (void)state;
    struct {
        const char *xml;
        const char *want;
    } cases[] = {
        {"<worksheet " NS "><sheetData><row></sheetData></worksheet>",
         "end tag </sheetData> does not match <row>"},
        {"<worksheet " NS "><sheetData>", "the part ends inside <worksheet> (cut short)"},
        {"", "no root element (empty or cut short)"},
        {"<worksheet " NS "/><worksheet/>", "a second root element"},
        {"<worksheet " NS " a=\"1\" a=\"2\"/>", "attribute 'a' given twice"},
        {"<worksheet " NS " a=1/>", "attribute value not quoted"},
        {"<worksheet " NS "><sheetData><row><c><v>1&2</v></c></row></sheetData></worksheet>",
         "malformed reference ('&' not escaped?)"},
        {"<worksheet " NS "><sheetData><row><c><v>\xC3\x28</v></c></row></sheetData></worksheet>",
         "invalid UTF-8 or a character XML does not allow"},
        {"<worksheet " NS "><sheetData><row><c><v>\x01</v></c></row></sheetData></worksheet>",
         "invalid UTF-8 or a character XML does not allow"},
        {"<worksheet " NS "><sheetData><row><c><v>&#0;</v></c></row></sheetData></worksheet>",
         "character reference to a character XML does not allow"},
        {"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><worksheet/>",
         "declared encoding 'ISO-8859-1': worksheets are read in UTF-8 only"},
        {"\xFF\xFE<\0w\0/\0>\0", "a UTF-16 worksheet: worksheets are read in UTF-8 only"},
        {"text<worksheet/>", "text outside the root element"},
        {"<worksheet " NS "><sheetData><row><c><v a=\"<\">1</v></c></row></sheetData></worksheet>",
         "'<' in an attribute value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct book bk = {.sheets = {cases[i].xml}};
        struct tu_sbuf z = make_book(&bk);
        if (i == 11) {
            /* Binary: rebuild with the exact bytes. */
            free(z.p);
            struct zb zz;
            memset(&zz, 0, sizeof zz);
            struct book b2 = small;
            b2.targets[0] = "worksheets/u16.xml";
            add_book(&zz, &b2);
            zb_raw(&zz, "xl/worksheets/u16.xml", cases[i].xml, 10, 10, tu_crc32(cases[i].xml, 10),
                   0, 0);
            zb_finish(&zz);
            z = zz.b;
        }
        char *got = read_book(z.p, z.n, NULL);
        if (!strstr(got, cases[i].want) ||
            (strncmp(got, "ERR 3 0:0 ", 10) != 0 && strncmp(got, "ERR 4 0:0 ", 10) != 0))
            fail_msg("case %zu: got %s\nwant %s", i, got, cases[i].want);
        free(got);
        free(z.p);
    }
}

static void test_sheet_xml_accepted(void **state)
{
    (void)state;
    /* Prefixes, comments, PIs, CDATA, references, CRLF, a BOM, whitespace. */
    struct book bk = {
        .sheets = {"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\r\n"
                   "<!-- made by hand --><x:worksheet "
                   "xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\r\n"
                   "  <x:sheetData>\r\n    <x:row r = '1' >\r\n"
                   "      <x:c t=\"inlineStr\"><x:is><x:t>a&amp;b</x:t></x:is></x:c>\r\n"
                   "      <?pi data?><x:c t='inlineStr'><x:is><x:t><![CDATA[<c>]]>&#x1F600;"
                   "&#65;</x:t></x:is></x:c>\r\n    </x:row>\r\n"
                   "    <x:row><x:c t=\"inlineStr\"><x:is><x:t>line1\r\nline2\rline3</x:t>"
                   "</x:is></x:c><x:c><x:v> 2 </x:v></x:c></x:row>\r\n"
                   "  </x:sheetData>\r\n</x:worksheet>\r\n<!-- end -->\r\n"}};
    expect_book_err(&bk, NULL, "ERR 3 2:2 Sheet1!B2: ' 2 ' is not a number");
    bk.sheets[0] = "<x:worksheet "
                   "xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                   "<x:sheetData><x:row><x:c t=\"inlineStr\"><x:is><x:t>a&amp;b</x:t></x:is>"
                   "</x:c><x:c t='inlineStr'><x:is><x:t><![CDATA[<c>]]>&#x1F600;&#65;</x:t>"
                   "</x:is></x:c></x:row><x:row><x:c t=\"inlineStr\"><x:is><x:t>line1\r\n"
                   "line2\rline3</x:t></x:is></x:c><x:c><x:v>2</x:v></x:c></x:row>"
                   "</x:sheetData></x:worksheet>";
    expect_book(&bk, NULL, "#a&b|<c>😀A\na&b=str:line1\nline2\nline3|<c>😀A=int:2\n");
}

static void test_parts_malformed(void **state)
{
    (void)state;
    struct book bk = small;
    bk.sst = "<sst " NS "><si><t>a</t></si>";
    expect_book_err(&bk, NULL, "ERR 3 0:0 part 'xl/sharedStrings.xml': line 1: ");
    bk = small;
    bk.styles = "<styleSheet " NS "><cellXfs><xf numFmtId=\"1\"></cellXfs></styleSheet>";
    expect_book_err(&bk, NULL, "ERR 3 0:0 part 'xl/styles.xml': line 1: ");
    bk = small;
    bk.sst = "<sst " NS "><si><t>a</t></si></sst>trailing";
    expect_book_err(&bk, NULL, "ERR 3 0:0 part 'xl/sharedStrings.xml': line 1: ");
    bk = small;
    bk.sst = "<sst " NS " xmlns:q=\"urn:q\"><si><t>a</t></si><x:y/></sst>";
    expect_book_err(&bk, NULL, "ERR 3 0:0 part 'xl/sharedStrings.xml': line 1: ");
    /* A workbook sheet without a relationship. */
    bk = small;
    bk.extra_sheets = "<sheet name=\"Lost\" sheetId=\"5\" r:id=\"rId99\"/>";
    expect_book_err(&bk, NULL,
                    "ERR 3 0:0 damaged workbook: sheet 'Lost' has no relationship 'rId99'");
}

static void test_sst_limit(void **state)
{
    (void)state;
    struct tu_sbuf sst = {0};
    tu_sb_str(&sst, "<sst " NS ">");
    for (int i = 0; i < 400; i++)
        tu_sb_str(&sst, "<si><t>0123456789</t></si>");
    tu_sb_str(&sst, "</sst>");
    struct book bk = small;
    bk.sst = sst.p;
    expect_book(&bk, OPTS("max-part-size=40000"), "#a\na=int:1\n");
    expect_book_err(&bk, OPTS("max-part-size=24000"),
                    "ERR 8 0:0 part 'xl/sharedStrings.xml': shared strings take more than 6000 "
                    "bytes (max-part-size / 4)");
    free(sst.p);
}

static void test_deep_and_long(void **state)
{
    (void)state;
    struct tu_sbuf s = {0};
    tu_sb_str(&s, "<worksheet " NS ">");
    for (int i = 0; i < 70; i++)
        tu_sb_str(&s, "<a>");
    struct book bk = {.sheets = {s.p}};
    expect_book_err(&bk, NULL,
                    "ERR 8 0:0 part 'xl/worksheets/sheet1.xml', byte 266: elements "
                    "nested deeper than 64");
    free(s.p);
    char *got;
    /* A tag over 1 MiB. */
    s = (struct tu_sbuf){0};
    tu_sb_str(&s, "<worksheet " NS " a=\"");
    while (s.n < (1u << 20) + 100)
        tu_sb_str(&s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    tu_sb_str(&s, "\"/>");
    bk.sheets[0] = s.p;
    expect_book_err(&bk, NULL,
                    "ERR 8 0:0 part 'xl/worksheets/sheet1.xml', byte 0: tag, "
                    "comment or CDATA longer than 1048576 bytes");
    free(s.p);
    /* A long cell text is fine (split over many reads). */
    s = (struct tu_sbuf){0};
    tu_sb_str(&s, "<worksheet " NS "><sheetData><row>" IS("a") "</row><row><c t=\"inlineStr\">"
                                                               "<is><t>");
    size_t from = s.n;
    while (s.n - from < 3000000)
        tu_sb_str(&s, "Việt Nam ");
    size_t text = s.n - from;
    tu_sb_str(&s, "</t></is></c></row></sheetData></worksheet>");
    bk.sheets[0] = s.p;
    struct tu_sbuf z = make_book(&bk);
    got = read_book(z.p, z.n, NULL);
    assert_int_equal(strlen(got), strlen("#a\na=str:\n") + text);
    free(got);
    free(z.p);
    free(s.p);
}

/* ---- the tool: exit codes, nothing written ------------------------------------------------- */

static void test_tool_hostile(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "bad.xlsx");
    char *out = tu_path(dir, "out.csv");
    struct zb z;
    memset(&z, 0, sizeof z);
    add_book(&z, &small);
    zb_alias(&z, "xl/worksheets/sheet9.xml", 2);
    zb_finish(&z);
    tu_write_file(in, z.b.p, z.b.n);
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, OPTS("-q", in, "-o", out));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "bad.xlsx: damaged workbook: zip entries"));
    assert_false(tu_exists(out));
    assert_int_equal(tu_count_entries(dir), 1);
    tu_run_free(&r);
    /* A cell error names the cell, with the row as the line. */
    free(z.b.p);
    struct book bk = {
        .sheets = {SHEET("<row>" IS("a") "</row><row><c t=\"b\"><v>x</v></c></row>")}};
    struct tu_sbuf zz = make_book(&bk);
    tu_write_file(in, zz.p, zz.n);
    tu_run_tool(&r, "conv", NULL, 0, OPTS("-q", in, "-o", out));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "bad.xlsx:2:1: Sheet1!A2: 'x' is not a boolean"));
    assert_false(tu_exists(out));
    tu_run_free(&r);
    free(zz.p);
    /* OLE from standard input. */
    char ole[512] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    tu_run_tool(&r, "conv", ole, sizeof ole, OPTS("-q", "--from", "xlsx", "-o", out));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "encrypted workbook or old .xls (OLE compound file): save it "
                                  "as .xlsx"));
    tu_run_free(&r);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* ---- memory -------------------------------------------------------------------------------- */

static void test_no_leaks_and_alloc_failures(void **state)
{
    (void)state;
    char *path = tu_src("tests/data/xlsx/lo-types.xlsx");
    size_t n;
    char *data = tu_read_file(path, &n);
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, data, n, "x.xlsx", NULL, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    int count = 0;
    while (conv_reader_next(rd, &rec) == CONV_OK)
        count++;
    assert_int_equal(count, 7);
    conv_reader_close(rd);
    assert_int_equal(live, 1); /* the context itself */
    conv_context_free(ctx);
    free(data);
    free(path);
}

struct failing {
    long countdown;
    long live;
};

static void *f_malloc(void *user, size_t size)
{
    struct failing *f = user;
    if (f->countdown-- == 0)
        return NULL;
    f->live++;
    return malloc(size);
}

static void *f_realloc(void *user, void *ptr, size_t size)
{
    struct failing *f = user;
    if (f->countdown-- == 0)
        return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        f->live++;
    return p;
}

static void f_free(void *user, void *ptr)
{
    struct failing *f = user;
    if (ptr)
        f->live--;
    free(ptr);
}

static void test_alloc_failure_sweep(void **state)
{
    (void)state;
    char *path = tu_src("tests/data/xlsx/xlsxwriter-inline.xlsx");
    size_t n;
    char *data = tu_read_file(path, &n);
    for (long k = 1;; k++) {
        struct failing f = {k, 0};
        struct conv_allocator a = {f_malloc, f_realloc, f_free, &f};
        struct conv_context *ctx = conv_context_new(&a);
        if (!ctx)
            continue;
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd = conv_reader_open_memory(ctx, data, n, "x.xlsx", NULL, &err);
        int rc = CONV_ERR, count = 0;
        if (rd) {
            const struct conv_record *rec;
            while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
                count++;
            if (rc == CONV_ERR)
                err = *conv_reader_error(rd);
        }
        conv_reader_close(rd);
        conv_context_free(ctx);
        assert_int_equal(f.live, 0);
        if (rc == CONV_EOF && f.countdown >= 0) {
            assert_int_equal(count, 2);
            break;
        }
        if (rc == CONV_EOF)
            assert_int_equal(count, 2);
        else if (err.code != CONV_E_NOMEM)
            fail_msg("allocation %ld: %s", k, err.message);
        assert_true(k < 100000);
    }
    free(data);
    free(path);
}

/* ---- the descriptor ------------------------------------------------------------------------ */

static void test_probe_and_options(void **state)
{
    (void)state;
    char *path = tu_src("tests/data/xlsx/lo-csv.xlsx");
    size_t n;
    char *data = tu_read_file(path, &n);
    const struct conv_format *fmt = conv_format_probe(data, n);
    assert_non_null(fmt);
    assert_string_equal(conv_format_name(fmt), "xlsx");
    assert_true(conv_format_can_read(fmt));
    /* Read by content, without --from. */
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_memory(ctx, data, n, "x", NULL, &err);
    assert_non_null(rd);
    assert_string_equal(conv_format_name(conv_reader_format(rd)), "xlsx");
    conv_reader_close(rd);
    /* Bad option values are usage errors. */
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "max-part-size", "12");
    rd = conv_reader_open_memory(ctx, data, n, "x", o, &err);
    assert_null(rd);
    assert_int_equal(err.code, CONV_E_USAGE);
    conv_options_free(o);
    conv_context_free(ctx);
    free(data);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_libreoffice_types),
        cmocka_unit_test(test_fixture_gnumeric_types),
        cmocka_unit_test(test_fixture_one_sheet),
        cmocka_unit_test(test_fixture_csv_sources),
        cmocka_unit_test(test_fixture_xlsxwriter_inline),
        cmocka_unit_test(test_tool_fixture),
        cmocka_unit_test(test_numbers_as_excel_shows),
        cmocka_unit_test(test_numbers_raw),
        cmocka_unit_test(test_numbers_format_decimals),
        cmocka_unit_test(test_numbers_percent),
        cmocka_unit_test(test_numbers_bad),
        cmocka_unit_test(test_dates_formats),
        cmocka_unit_test(test_dates_fractions),
        cmocka_unit_test(test_dates_1900_quirk),
        cmocka_unit_test(test_dates_1904),
        cmocka_unit_test(test_cell_types),
        cmocka_unit_test(test_cell_errors),
        cmocka_unit_test(test_references_optional),
        cmocka_unit_test(test_references_bad),
        cmocka_unit_test(test_header_auto),
        cmocka_unit_test(test_header_row_option),
        cmocka_unit_test(test_header_guess_warnings),
        cmocka_unit_test(test_no_header),
        cmocka_unit_test(test_encoding_fallback),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_sheets_all),
        cmocka_unit_test(test_sheets_one),
        cmocka_unit_test(test_sheets_field_clash),
        cmocka_unit_test(test_sheets_errors_name_the_sheet),
        cmocka_unit_test(test_chart_sheets_skipped),
        cmocka_unit_test(test_conv_fields_sheet),
        cmocka_unit_test(test_roundtrip_writer),
        cmocka_unit_test(test_float_numbers),
        cmocka_unit_test(test_not_zip),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bomb_over_limit),
        cmocka_unit_test(test_bomb_lying_sizes),
        cmocka_unit_test(test_total_limit),
        cmocka_unit_test(test_zip_entries_refused),
        cmocka_unit_test(test_crc_mismatch),
        cmocka_unit_test(test_targets_outside),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_sheet_xml_malformed),
        cmocka_unit_test(test_sheet_xml_accepted),
        cmocka_unit_test(test_parts_malformed),
        cmocka_unit_test(test_sst_limit),
        cmocka_unit_test(test_deep_and_long),
        cmocka_unit_test(test_tool_hostile),
        cmocka_unit_test(test_no_leaks_and_alloc_failures),
        cmocka_unit_test(test_alloc_failure_sweep),
        cmocka_unit_test(test_probe_and_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
