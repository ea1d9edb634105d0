/*
 * --layout table on the fixtures of tests/data/table/ (made by
 * make-fixtures.py): tables shaped like the General Statistics Office's,
 * each read into one record per value or missing mark.  What each must
 * give is written here by hand from what a person reading the table sees
 * (issue 13), every value cell of every table, not from what the code
 * gives:
 *
 * - title: the title rows' text (a title over two rows is one, joined by a
 *   space); unit: the unit line's unit (`Đơn vị tính: Tỷ đồng` gives
 *   `Tỷ đồng`), a unit column's (a ditto mark `"` is the unit above), a
 *   caption's (`Cơ cấu - %`), and `%` for a column whose header says (%);
 * - row_label: the row's own stub text, trimmed, a footnote mark at its end
 *   (`(*)`, `(1)`) moved to note; `Trong đó:` beside `Lương thực` gives
 *   `Lương thực`; numbering inside the label's cell stays (`a) Cây hằng
 *   năm`, `- Công nghiệp`); a code in a column of its own (STT: `I`, `1`,
 *   `1.1`) is row_code; `(kg)` after a product is part of its name;
 * - row_path: the labels of the row's ancestors and itself joined by
 *   ` / `.  The hierarchy comes from the stub column, the indent (cell
 *   indent or leading spaces), numbering and bold, and sections.  A total
 *   (`TỔNG SỐ`, `Tổng số`, `Cả nước`), the bold row above the breakdowns
 *   that follow it, is their ancestor: `TỔNG SỐ / Phân theo ngành kinh tế /
 *   Nông, lâm nghiệp và thủy sản`.  A second section replaces the first (it
 *   is not its child); a row at a lesser indent closes the deeper ones; a
 *   caption inside the body heads the part under it (`Cơ cấu / Tổng số`);
 *   a table continued under its header printed again keeps its hierarchy;
 * - column_label: the header cells above the column top to bottom, a merged
 *   one spread over its span, joined by ` / `; the title and the unit line
 *   are not header rows; each of two tables side by side has its own;
 * - value: exact, as Excel shows it (15 significant digits, the format's
 *   decimals: 30125 under #,##0.0 is 30125.0); a number typed as text is a
 *   number (`1892,6` is 1892.6); a missing mark gives null with the mark in
 *   note; hidden rows and columns give nothing (a warning counts them).
 *
 * Sheets that hold no table (a note, an empty sheet, a list of codes) are
 * skipped with a warning naming them, and the reading succeeds.  The same
 * tables saved by LibreOffice as .xls and .ods give the same records, and
 * CSV and TSV read the same from a pipe.
 *
 * A test here fails until --layout table does what it says: nothing is
 * skipped.  Every difference is printed (want / got) before the failure.
 */
#include "testutil.h"
#include "table_check.h"

#include <stdlib.h>
#include <string.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/table/%s", name);
    const char *src = getenv("CONV_SRC");
    return src ? tu_path(src, rel) : tu_src(rel);
}

/* Read a fixture; check its records against tabs and its warnings
 * against warns; the differences. */
static size_t check_fixture(const char *name, enum tt_via via, const char *const *opts,
                            const struct tt_table *tabs, size_t ntab, const struct tt_warn *warns,
                            size_t nwarn)
{
    char *path = fixture(name);
    struct tt_got *g = tt_read(path, via, opts);
    char what[128];
    snprintf(what, sizeof what, "%s%s", name,
             via == TT_PIPE ? " (from a pipe)" : via == TT_MEMORY ? " (from memory)" : "");
    size_t d = tt_check(g, tabs, ntab, what, via == TT_PIPE, 1);
    d += tt_check_warnings(g, warns, nwarn, what);
    tt_free(g);
    free(path);
    return d;
}

/* ---- a. the monthly table ------------------------------------------------------------------ */

#define T_A "Biểu 01. Giá trị sản xuất trên địa bàn thành phố theo giá hiện hành"
#define P_TS "TỔNG SỐ"
#define P_NGANH "TỔNG SỐ / Phân theo ngành kinh tế"
#define P_NLTS P_NGANH " / Nông, lâm nghiệp và thủy sản"
#define P_NN P_NLTS " / Nông nghiệp"
#define P_TT P_NN " / Trồng trọt"
#define P_CNXD P_NGANH " / Công nghiệp và xây dựng"
#define P_LH "TỔNG SỐ / Phân theo loại hình kinh tế"

static const struct tt_col a_cols[] = {
    {"D", "Thực hiện / Quý III năm 2024", "Tỷ đồng"},
    {"E", "Thực hiện / Năm / 2024", "Tỷ đồng"},
    {"F", "So với cùng kỳ năm trước (%) / Quý III năm 2024", "%"},
    {"G", "So với cùng kỳ năm trước (%) / 9 tháng / năm 2024", "%"},
    {"H", "So với cùng kỳ năm trước (%) / Năm / 2024", "%"},
};
static const struct tt_row a_rows[] = {
    {7, NULL, "TỔNG SỐ", P_TS, NULL, NULL,
     {"52345.6", "198765.4", "107.2", "106.8", "107.456789012346"}},
    {9, "I", "Nông, lâm nghiệp và thủy sản", P_NLTS, NULL, NULL,
     {"8123.4", "30125.0", "103.1", "102.9", "103.0"}},
    {10, "1", "Nông nghiệp", P_NN, NULL, NULL, {"6012.3", "22480.7", "102.5", "102.4", "102.6"}},
    {11, "1.1", "Trồng trọt", P_TT, NULL, NULL, {"4210.8", "15890.2", "101.9", "102.0", "102.1"}},
    {12, NULL, "a) Cây hằng năm", P_TT " / a) Cây hằng năm", NULL, NULL,
     {"2980.5", "11020.6", "101.2", "101.5", "101.7"}},
    {13, NULL, "Lương thực", P_TT " / a) Cây hằng năm / Lương thực", NULL, NULL,
     {"2105.3", "7890.1", "100.8", "101.1", "101.3"}},
    {14, NULL, "b) Cây lâu năm", P_TT " / b) Cây lâu năm", NULL, "(*)",
     {"1230.3", "4869.6", "103.4", "103.2", "103.3"}},
    {15, "1.2", "Chăn nuôi", P_NN " / Chăn nuôi", NULL, NULL,
     {"1801.5", "6590.5", "null -", "104.1", "104.5"}},
    {16, "2", "Lâm nghiệp", P_NLTS " / Lâm nghiệp", NULL, NULL,
     {"318.4", "1252.9", "null ..", "null …", "105.2"}},
    {17, "3", "Thủy sản", P_NLTS " / Thủy sản", NULL, NULL,
     {"1892.6", "6391.4", "104.0", "103.6", "103.9"}},
    {18, "II", "Công nghiệp và xây dựng", P_CNXD, NULL, NULL,
     {"30112.7", "113540.8", "108.9", "108.2", "108.6"}},
    {19, NULL, "- Công nghiệp", P_CNXD " / - Công nghiệp", NULL, NULL,
     {"24501.2", "92310.5", "109.5", "108.8", "109.1"}},
    {20, NULL, "- Xây dựng", P_CNXD " / - Xây dựng", NULL, NULL,
     {"5611.5", "21230.3", "106.2", "105.7", "106.4"}},
    {21, "III", "Dịch vụ", P_NGANH " / Dịch vụ", NULL, NULL,
     {"14109.5", "55099.6", "107.6", "null x", "107.3"}},
    {23, NULL, "Nhà nước", P_LH " / Nhà nước", NULL, NULL,
     {"9850.2", "37012.4", "104.3", "104.0", "104.2"}},
    {24, NULL, "Ngoài Nhà nước", P_LH " / Ngoài Nhà nước", NULL, NULL,
     {"28345.6 (*)", "108123.9", "108.1", "107.5", "107.9"}},
    {25, NULL, "Khu vực có vốn đầu tư nước ngoài", P_LH " / Khu vực có vốn đầu tư nước ngoài", NULL,
     "(1)", {"14149.8", "53629.1", "108.0", "107.9", "108.4"}},
};
static const struct tt_table a_tables[] = {TT_TABLE("Biểu 01", T_A, a_cols, a_rows)};

static void test_monthly(void **state)
{
    (void)state;
    assert_int_equal(check_fixture("monthly.xlsx", TT_FILE, NULL, a_tables, TT_N(a_tables), NULL, 0),
                     0);
}

/* ---- b. a unit column with ditto marks ---------------------------------------------------- */

#define T_B "Biểu 02. Sản phẩm công nghiệp chủ yếu tháng 12 và cả năm 2024"

static const struct tt_col b_cols[] = {
    {"C", "Thực hiện / Tháng 11 năm 2024", NULL},
    {"D", "Thực hiện / Tháng 12 năm 2024", NULL},
    {"E", "Cộng dồn năm 2024", NULL},
    {"F", "Năm 2024 so với năm 2023 (%)", "%"},
};
static const struct tt_row b_rows[] = {
    {6, NULL, "Than sạch", NULL, "Nghìn tấn", NULL, {"3720.1", "3286.6", "43754.4", "94.4"}},
    {7, NULL, "Dầu thô khai thác", NULL, "Nghìn tấn", NULL, {"652.8", "671.8", "8102.0", "94.2"}},
    {8, NULL, "Khí đốt thiên nhiên dạng khí", NULL, "Triệu m3", NULL,
     {"496.6", "542.7", "6320.0", "84.6"}},
    {9, NULL, "Xi măng", NULL, "Nghìn tấn", NULL, {"4012.5", "4230.9", "45678.3", "101.2"}},
    {10, NULL, "Sắt, thép thô", NULL, "Nghìn tấn", NULL, {"1890.2", "1950.4", "22014.7", "118.5"}},
    {11, NULL, "Điện sản xuất", NULL, "Triệu kWh", NULL,
     {"24512.3", "25890.1", "306512.4", "109.5"}},
    {12, NULL, "Ô tô", NULL, "Chiếc", NULL, {"14250", "15120", "152340", "87.3"}},
    {13, NULL, "Ti vi", NULL, "Chiếc", NULL, {"1250310", "1312450", "14230560", "98.7"}},
};
static const struct tt_table b_tables[] = {TT_TABLE("SPCN", T_B, b_cols, b_rows)};

static void test_unit_column(void **state)
{
    (void)state;
    assert_int_equal(
        check_fixture("unit-column.xlsx", TT_FILE, NULL, b_tables, TT_N(b_tables), NULL, 0), 0);
}

/* ---- c. stacked tables; a table continued under a reworded header -------------------------- */

static const struct tt_col c1_cols[] = {
    {"B", "Năm 2024 / Tháng 12", "Triệu USD"},
    {"C", "Năm 2024 / Cả năm", "Triệu USD"},
    {"D", "Cả năm 2024 so với năm 2023 (%)", "%"},
};
static const struct tt_row c1_rows[] = {
    {5, NULL, "Tổng trị giá", NULL, NULL, NULL, {"33612.5", "405530.1", "114.3"}},
    {6, NULL, "Điện thoại và linh kiện", "Tổng trị giá / Điện thoại và linh kiện", NULL, NULL,
     {"5210.4", "53912.3", "102.8"}},
    {7, NULL, "Dệt, may", "Tổng trị giá / Dệt, may", NULL, NULL, {"3390.2", "37012.5", "111.2"}},
    {8, NULL, "Gạo", "Tổng trị giá / Gạo", NULL, NULL, {"410.6", "5708.9", "123.4"}},
};
static const struct tt_col c2_cols[] = {
    {"B", "Ước tính tháng 12 năm 2024", "Nghìn tấn"},
    {"C", "12 tháng năm 2024", "Nghìn tấn"},
    {"D", "12 tháng năm 2024 so với cùng kỳ năm trước (%)", "%"},
};
static const struct tt_row c2_rows[] = {
    {15, NULL, "Xăng dầu các loại", NULL, NULL, NULL, {"820.5", "10230.4", "109.6"}},
    {16, NULL, "Phân bón", NULL, NULL, NULL, {"410.2", "4980.3", "97.5"}},
    {17, NULL, "Sắt thép", NULL, NULL, NULL, {"1320.8", "15580.6", "110.8"}},
    {18, NULL, "Chất dẻo", NULL, NULL, NULL, {"690.4", "8110.2", "112.7"}},
};
/* The table of Vận tải, and its part under the header printed again. */
#define T_C3 "Biểu 07. Vận tải hàng hóa"
static const struct tt_col c3_cols[] = {
    {"B", "Thực hiện / tháng 11", "Nghìn tấn"},
    {"C", "Ước tính / tháng 12", "Nghìn tấn"},
    {"D", "Cộng dồn năm 2024", "Nghìn tấn"},
};
static const struct tt_row c3_rows[] = {
    {5, NULL, "Tổng số", NULL, NULL, NULL, {"245.3", "251.8", "2890.4"}},
    {7, NULL, "Đường bộ", "Tổng số / Phân theo ngành vận tải / Đường bộ", NULL, NULL,
     {"180.2", "184.9", "2110.5"}},
    {8, NULL, "Đường thủy nội địa", "Tổng số / Phân theo ngành vận tải / Đường thủy nội địa", NULL,
     NULL, {"45.1", "46.3", "540.2"}},
    {9, NULL, "Đường biển", "Tổng số / Phân theo ngành vận tải / Đường biển", NULL, NULL,
     {"20.0", "20.6", "239.7"}},
};
static const struct tt_col c4_cols[] = {
    {"B", "Thực hiện / tháng 11 năm 2024", "Nghìn tấn"},
    {"C", "Ước tính / tháng 12 năm 2024", "Nghìn tấn"},
    {"D", "Cộng dồn năm 2024", "Nghìn tấn"},
};
static const struct tt_row c4_rows[] = {
    {14, NULL, "Trong nước", "Tổng số / Phân theo khu vực vận tải / Trong nước", NULL, NULL,
     {"230.4", "236.5", "2715.0"}},
    {15, NULL, "Ngoài nước", "Tổng số / Phân theo khu vực vận tải / Ngoài nước", NULL, NULL,
     {"14.9", "15.3", "175.4"}},
};
static const struct tt_table c_tables[] = {
    TT_TABLE("XNK", "Biểu 05. Trị giá xuất khẩu hàng hóa", c1_cols, c1_rows),
    TT_TABLE("XNK", "Biểu 06. Lượng hàng hóa nhập khẩu chủ yếu", c2_cols, c2_rows),
    TT_TABLE("Vận tải", T_C3, c3_cols, c3_rows),
    TT_TABLE("Vận tải", T_C3, c4_cols, c4_rows),
};

static void test_stacked(void **state)
{
    (void)state;
    assert_int_equal(check_fixture("stacked.xlsx", TT_FILE, NULL, c_tables, TT_N(c_tables), NULL, 0),
                     0);
}

/* ---- d. two tables side by side ----------------------------------------------------------- */

#define P_CPI "Chỉ số giá chung"
static const struct tt_col d1_cols[] = {
    {"B", "Tháng 12 năm 2024 so với / Kỳ gốc 2019", "%"},
    {"C", "Tháng 12 năm 2024 so với / Tháng 12 năm 2023", "%"},
    {"D", "Tháng 12 năm 2024 so với / Tháng 11 năm 2024", "%"},
};
static const struct tt_row d1_rows[] = {
    {5, NULL, "Chỉ số giá chung", NULL, NULL, NULL, {"115.8", "102.9", "100.3"}},
    {6, NULL, "Hàng ăn và dịch vụ ăn uống", P_CPI " / Hàng ăn và dịch vụ ăn uống", NULL, NULL,
     {"120.4", "104.1", "100.4"}},
    {7, NULL, "Đồ uống và thuốc lá", P_CPI " / Đồ uống và thuốc lá", NULL, NULL,
     {"112.3", "102.1", "100.2"}},
    {8, NULL, "Nhà ở và vật liệu xây dựng", P_CPI " / Nhà ở và vật liệu xây dựng", NULL, NULL,
     {"118.9", "104.8", "100.6"}},
    {9, NULL, "Giáo dục", P_CPI " / Giáo dục", NULL, NULL, {"122.5", "104.0", "100.0"}},
};
static const struct tt_col d2_cols[] = {
    {"G", "Tháng 11 năm 2024", "Nghìn đồng"},
    {"H", "Tháng 12 năm 2024", "Nghìn đồng"},
};
static const struct tt_row d2_rows[] = {
    {5, NULL, "Gạo tẻ thường (kg)", NULL, NULL, NULL, {"15.2", "15.4"}},
    {6, NULL, "Thịt lợn hơi (kg)", NULL, NULL, NULL, {"63.5", "64.8"}},
    {7, NULL, "Xăng RON 95 (lít)", NULL, NULL, NULL, {"21.3", "20.9"}},
    {8, NULL, "Vàng 99,99% (chỉ)", NULL, NULL, NULL, {"8420.0", "8380.5"}},
};
static const struct tt_table d_tables[] = {
    TT_TABLE("Giá", "Biểu 08. Chỉ số giá tiêu dùng tháng 12 năm 2024", d1_cols, d1_rows),
    TT_TABLE("Giá", "Biểu 09. Giá bán lẻ bình quân một số mặt hàng", d2_cols, d2_rows),
};

static void test_side_by_side(void **state)
{
    (void)state;
    assert_int_equal(
        check_fixture("side-by-side.xlsx", TT_FILE, NULL, d_tables, TT_N(d_tables), NULL, 0), 0);
}

/* ---- e. hidden rows and columns ----------------------------------------------------------- */

static const struct tt_col e_cols[] = {
    {"B", "Tháng 11", "Tỷ đồng"},
    {"C", "Tháng 12", "Tỷ đồng"},
    {"E", "Cả năm 2024", "Tỷ đồng"}, /* D is hidden */
};
static const struct tt_row e_rows[] = {
    {4, NULL, "Tổng số", NULL, NULL, NULL, {"512.3", "530.8", "6012.4"}},
    {5, NULL, "Lương thực, thực phẩm", "Tổng số / Lương thực, thực phẩm", NULL, NULL,
     {"190.2", "198.5", "2230.1"}},
    /* row 6 is hidden */
    {7, NULL, "Đồ dùng gia đình", "Tổng số / Đồ dùng gia đình", NULL, NULL,
     {"85.3", "88.9", "1005.6"}},
    {8, NULL, "Phương tiện đi lại", "Tổng số / Phương tiện đi lại", NULL, NULL,
     {"70.1", "72.4", "840.2"}},
};
static const struct tt_table e_tables[] = {
    TT_TABLE("Bán lẻ", "Biểu 10. Doanh thu bán lẻ hàng hóa", e_cols, e_rows),
};
/* Row 6's four values and column D's four others. */
static const struct tt_warn e_warns[] = {{"'Bán lẻ'", "8 values in hidden rows or columns"}};

static void test_hidden(void **state)
{
    (void)state;
    assert_int_equal(check_fixture("hidden.xlsx", TT_FILE, NULL, e_tables, TT_N(e_tables), e_warns,
                                   TT_N(e_warns)),
                     0);
}

/* ---- f. a caption changing the unit -------------------------------------------------------- */

static const struct tt_col f_cols[] = {
    {"B", "Năm 2023", NULL},
    {"C", "Sơ bộ năm 2024", NULL},
};
#define NN "Nghìn người"
static const struct tt_row f_rows[] = {
    {4, NULL, "Tổng số", NULL, NN, NULL, {"52400.1", "52900.6"}},
    {6, NULL, "Nam", "Tổng số / Phân theo giới tính / Nam", NN, NULL, {"27800.3", "28010.2"}},
    {7, NULL, "Nữ", "Tổng số / Phân theo giới tính / Nữ", NN, NULL, {"24599.8", "24890.4"}},
    {9, NULL, "Thành thị", "Tổng số / Phân theo thành thị, nông thôn / Thành thị", NN, NULL,
     {"19120.5", "19560.0"}},
    {10, NULL, "Nông thôn", "Tổng số / Phân theo thành thị, nông thôn / Nông thôn", NN, NULL,
     {"33279.6", "33340.6"}},
    /* under the caption "Cơ cấu - %" */
    {12, NULL, "Tổng số", "Cơ cấu / Tổng số", "%", NULL, {"100.0", "100.0"}},
    {14, NULL, "Nam", "Cơ cấu / Tổng số / Phân theo giới tính / Nam", "%", NULL, {"53.1", "52.9"}},
    {15, NULL, "Nữ", "Cơ cấu / Tổng số / Phân theo giới tính / Nữ", "%", NULL, {"46.9", "47.1"}},
};
static const struct tt_table f_tables[] = {
    TT_TABLE("Lao động", "Biểu 11. Lực lượng lao động từ 15 tuổi trở lên", f_cols, f_rows),
};

static void test_caption(void **state)
{
    (void)state;
    assert_int_equal(check_fixture("caption.xlsx", TT_FILE, NULL, f_tables, TT_N(f_tables), NULL, 0),
                     0);
}

/* ---- g. a note sheet, a table, an empty sheet ---------------------------------------------- */

static const struct tt_col g_cols[] = {
    {"B", "Năm 2023", "Doanh nghiệp"},
    {"C", "Năm 2024", "Doanh nghiệp"},
};
static const struct tt_row g_rows[] = {
    {4, NULL, "Cả nước", NULL, NULL, NULL, {"217700", "233400"}},
    {5, NULL, "Hà Nội", "Cả nước / Hà Nội", NULL, NULL, {"31200", "33100"}},
    {6, NULL, "TP. Hồ Chí Minh", "Cả nước / TP. Hồ Chí Minh", NULL, NULL, {"45300", "48600"}},
};
static const struct tt_table g_tables[] = {
    TT_TABLE("Biểu 12", "Biểu 12. Số doanh nghiệp đăng ký thành lập mới", g_cols, g_rows),
};
static const struct tt_warn g_warns[] = {{"'Ghi chú'", "skipped"}, {"'Trống'", "skipped"}};

static void test_note_and_empty_sheets(void **state)
{
    (void)state;
    assert_int_equal(check_fixture("notes.xlsx", TT_FILE, NULL, g_tables, TT_N(g_tables), g_warns,
                                   TT_N(g_warns)),
                     0);
}

/* The same run by a user: it succeeds, the records out, a warning per
 * skipped sheet on stderr. */
static void test_note_sheets_tool(void **state)
{
    (void)state;
    char *path = fixture("notes.xlsx");
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, ARGV(path, "--layout", "table", "-t", "csv"));
    if (r.status != 0)
        fail_msg("conv exit %d: %s", r.status, r.err);
    assert_non_null(strstr(r.err, "'Ghi chú'"));
    assert_non_null(strstr(r.err, "'Trống'"));
    assert_null(strstr(r.err, "'Biểu 12'"));
    assert_non_null(strstr(r.out, "Biểu 12,B5,"));
    tu_run_free(&r);
    free(path);
}

/* ---- h. provinces down the stub, years across ---------------------------------------------- */

#define P_CN "CẢ NƯỚC"
#define P_DBSH P_CN " / Đồng bằng sông Hồng"
#define P_BTB P_CN " / Bắc Trung Bộ và duyên hải miền Trung"
#define P_DNB P_CN " / Đông Nam Bộ"
static const struct tt_col h_cols[] = {
    {"B", "2020", "Nghìn người"},
    {"C", "2021", "Nghìn người"},
    {"D", "2022", "Nghìn người"},
    {"E", "Sơ bộ 2023", "Nghìn người"},
};
static const struct tt_row h_rows[] = {
    {4, NULL, "CẢ NƯỚC", NULL, NULL, NULL, {"97582.7", "98564.4", "99474.4", "100309.2"}},
    {5, NULL, "Đồng bằng sông Hồng", P_DBSH, NULL, NULL,
     {"22920.2", "23224.2", "23454.2", "23732.2"}},
    {6, NULL, "Hà Nội", P_DBSH " / Hà Nội", NULL, NULL, {"8246.6", "8330.8", "8435.7", "8587.1"}},
    {7, NULL, "Hải Phòng", P_DBSH " / Hải Phòng", NULL, NULL,
     {"2053.5", "2072.4", "2088.0", "2105.3"}},
    {8, NULL, "Bắc Trung Bộ và duyên hải miền Trung", P_BTB, NULL, NULL,
     {"20385.4", "20499.1", "20583.5", "20717.5"}},
    {9, NULL, "Đà Nẵng", P_BTB " / Đà Nẵng", NULL, NULL, {"1169.5", "1195.5", "1220.2", "1245.2"}},
    {10, NULL, "Quảng Nam", P_BTB " / Quảng Nam", NULL, NULL,
     {"1519.4", "1512.5", "1516.4", "null .."}},
    {11, NULL, "Đông Nam Bộ", P_DNB, NULL, NULL, {"18342.9", "18526.0", "18810.7", "19020.2"}},
    {12, NULL, "TP. Hồ Chí Minh", P_DNB " / TP. Hồ Chí Minh", NULL, NULL,
     {"9227.6", "9166.8", "9389.7", "9456.7"}},
    {13, NULL, "Bình Dương", P_DNB " / Bình Dương", NULL, NULL,
     {"2580.6", "2678.2", "2763.1", "2823.0"}},
};
static const struct tt_table h_tables[] = {
    TT_TABLE("Dân số", "Biểu 13. Dân số trung bình phân theo địa phương", h_cols, h_rows),
};

static void test_provinces(void **state)
{
    (void)state;
    assert_int_equal(
        check_fixture("provinces.xlsx", TT_FILE, NULL, h_tables, TT_N(h_tables), NULL, 0), 0);
}

/* ---- i. text: PX-Web, World Bank, a list of codes, a TSV table ----------------------------- */

static const struct tt_col px_cols[] = {
    {"B", "1995", ""},
    {"C", "1996", ""},
    {"D", "2015", ""},
    {"E", "Prel. 2016", ""},
};
/* The country's total heads the rows after it (a flat list of regions and
 * provinces under it). */
static const struct tt_row px_rows[] = {
    {4, NULL, "WHOLE COUNTRY", NULL, NULL, NULL, {"119569.6", "144102.6", "3223202.6", "3568149.5"}},
    {5, NULL, "Red River Delta", "WHOLE COUNTRY / Red River Delta", NULL, NULL, {"23749.4", "29532.0", "724009.6", "790566.2"}},
    {6, NULL, "Ha Noi", "WHOLE COUNTRY / Ha Noi", NULL, NULL, {"12190.0", "13917.0", "375516.3", "399875.6"}},
    {7, NULL, "Ha Tay", "WHOLE COUNTRY / Ha Tay", NULL, NULL, {"1316.5", "1672.6", "null ..", "null .."}},
    {8, NULL, "Hai Phong", "WHOLE COUNTRY / Hai Phong", NULL, NULL, {"2405.1", "2890.3", "67890.4", "75012.8"}},
};
static const struct tt_table px_tables[] = {
    TT_TABLE("pxweb",
             "Retail sales of goods and services at current prices by province (*) by Cities, "
             "provincies and Year",
             px_cols, px_rows),
};

/* Four stub columns each under its name: the names make the label, the
 * codes the code.  The preamble (source, date) is no title.  An empty
 * quoted field gives no record; a country without values no row. */
#define WB_GDP "GDP growth (annual %)"
#define WB_CODE "NY.GDP.MKTP.KD.ZG"
/* The unit from the label's brackets: (annual %). */
static const struct tt_col wb_cols[] = {
    {"E", "2019", "%"}, {"F", "2020", "%"}, {"G", "2021", "%"},
    {"H", "2022", "%"}, {"I", "2023", "%"}, {"J", "2024", "%"},
};
static const struct tt_row wb_rows[] = {
    {6, "VNM / " WB_CODE, "Viet Nam / " WB_GDP, NULL, NULL, NULL,
     {"7.35922892353615", "2.86563818691935", "2.55496618080342", "8.53756847283366",
      "5.07354070155467", "7.09"}},
    {7, "THA / " WB_CODE, "Thailand / " WB_GDP, NULL, NULL, NULL,
     {"2.11", "-6.05021000467087", "1.57", "2.53", "1.96", NULL}},
    {9, "WLD / " WB_CODE, "World / " WB_GDP, NULL, NULL, NULL,
     {"2.59", "-2.9", "6.2", "3.1", "2.8", "2.7"}},
};
static const struct tt_table wb_tables[] = {TT_TABLE("worldbank", "", wb_cols, wb_rows)};

static const struct tt_col ar_cols[] = {
    {"B", "Năm 2023", "Nghìn ha"},
    {"C", "Năm 2024", "Nghìn ha"},
    {"D", "Năm 2024 so với năm 2023 (%)", "%"},
};
static const struct tt_row ar_rows[] = {
    {4, NULL, "Lúa cả năm", NULL, NULL, NULL, {"7119.2", "7126.5", "100.1"}},
    {5, NULL, "Ngô", NULL, NULL, NULL, {"891.4", "878.0", "98.5"}},
    {6, NULL, "Khoai lang", NULL, NULL, NULL, {"null ..", "75.3", "null -"}},
    {7, NULL, "Sắn", NULL, NULL, NULL, {"517.6", "524.1", "101.3"}},
};
static const struct tt_table ar_tables[] = {
    TT_TABLE("areas", "Biểu 14. Diện tích gieo trồng một số cây hằng năm", ar_cols, ar_rows),
};

static void test_pxweb(void **state)
{
    (void)state;
    assert_int_equal(check_fixture("pxweb.csv", TT_FILE, NULL, px_tables, TT_N(px_tables), NULL, 0),
                     0);
}

static void test_worldbank(void **state)
{
    (void)state;
    assert_int_equal(
        check_fixture("worldbank.csv", TT_FILE, NULL, wb_tables, TT_N(wb_tables), NULL, 0), 0);
}

static void test_tsv(void **state)
{
    (void)state;
    assert_int_equal(check_fixture("areas.tsv", TT_FILE, NULL, ar_tables, TT_N(ar_tables), NULL, 0),
                     0);
}

/* A list of communes with their zero-led codes holds no value: no record,
 * the sheet skipped with a warning, and the reading ends well. */
static void test_codes_list(void **state)
{
    (void)state;
    static const struct tt_warn w[] = {{"'codes'", "skipped"}};
    assert_int_equal(check_fixture("codes.csv", TT_FILE, NULL, NULL, 0, w, TT_N(w)), 0);
    char *path = fixture("codes.csv");
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, ARGV(path, "--layout", "table", "-t", "csv"));
    if (r.status != 0)
        fail_msg("conv exit %d: %s", r.status, r.err);
    assert_non_null(strstr(r.err, "'codes'"));
    tu_run_free(&r);
    free(path);
}

/* CSV and TSV through a read callback in pieces of 1..7 bytes with no
 * name (the format from --from), and through conv's standard input: the
 * same records. */
static void test_text_from_pipe(void **state)
{
    (void)state;
    size_t d = 0;
    d += check_fixture("pxweb.csv", TT_PIPE, ARGV("from=csv"), px_tables, TT_N(px_tables), NULL, 0);
    d += check_fixture("pxweb.csv", TT_MEMORY, NULL, px_tables, TT_N(px_tables), NULL, 0);
    d += check_fixture("worldbank.csv", TT_PIPE, ARGV("from=csv"), wb_tables, TT_N(wb_tables), NULL,
                       0);
    d += check_fixture("areas.tsv", TT_PIPE, ARGV("from=tsv"), ar_tables, TT_N(ar_tables), NULL, 0);
    static const char *const files[][2] = {
        {"pxweb.csv", "csv"}, {"worldbank.csv", "csv"}, {"areas.tsv", "tsv"}};
    for (size_t i = 0; i < TT_N(files); i++) {
        char *path = fixture(files[i][0]);
        size_t len;
        char *data = tu_read_file(path, &len);
        struct tu_run byname, piped;
        tu_run_tool(&byname, "conv", NULL, 0, ARGV(path, "--layout", "table", "-t", "csv"));
        tu_run_tool(&piped, "conv", data, len,
                    ARGV("--from", files[i][1], "--layout", "table", "-t", "csv"));
        assert_int_equal(byname.status, 0);
        if (piped.status != 0)
            fail_msg("%s from stdin: exit %d: %s", files[i][0], piped.status, piped.err);
        /* Line by line, but for the sheet (the file's name, or none). */
        const char *a = byname.out, *b = piped.out;
        size_t lines = 0;
        while (*a && *b) {
            const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
            ea = ea ? ea : a + strlen(a);
            eb = eb ? eb : b + strlen(b);
            const char *ca = lines ? memchr(a, ',', (size_t)(ea - a)) : a;
            const char *cb = lines ? memchr(b, ',', (size_t)(eb - b)) : b;
            if (!ca || !cb || ea - ca != eb - cb || memcmp(ca, cb, (size_t)(ea - ca)) != 0) {
                fprintf(stderr, "  %s from stdin, line %zu: '%.*s' by name, '%.*s' piped\n",
                        files[i][0], lines + 1, (int)(ea - a), a, (int)(eb - b), b);
                d++;
                break;
            }
            lines++;
            a = *ea ? ea + 1 : ea;
            b = *eb ? eb + 1 : eb;
        }
        if (*a || *b) {
            fprintf(stderr, "  %s from stdin: %s more lines\n", files[i][0],
                    *a ? "by name gives" : "piped gives");
            d++;
        }
        assert_true(lines > 1);
        tu_run_free(&byname);
        tu_run_free(&piped);
        free(data);
        free(path);
    }
    assert_int_equal(d, 0);
}

/* ---- shapes the real workbooks show (real-shapes.xlsx) ----------------------------------- */

/* A unit caption merged over the value columns under the header; a
 * "Cơ cấu - %" caption heading the part below it; years as numbers in the
 * header's last row. */
#define LLLD "Lực lượng lao động từ 15 tuổi trở lên"
#define LDVL "Lao động có việc làm"
static const struct tt_col r1_cols[] = {
    {"B", "Quý I / năm / 2024", NULL},
    {"C", "Quý II / năm / 2024", NULL},
    {"D", "Ước tính / năm / 2024", NULL},
};
static const struct tt_row r1_rows[] = {
    {8, NULL, LLLD, NULL, NN, NULL, {"52392.2", "52540.8", "52951.3"}},
    {10, NULL, "Nam", LLLD " / Phân theo giới tính / Nam", NN, NULL, {"27855.7", "27881.3", "28252.4"}},
    {11, NULL, "Nữ", LLLD " / Phân theo giới tính / Nữ", NN, NULL, {"24536.5", "24659.5", "24698.9"}},
    {12, NULL, LDVL, NULL, NN, NULL, {"51323.0", "51449.6", "51872.1"}},
    {13, NULL, "Nông, lâm nghiệp và thủy sản", LDVL " / Nông, lâm nghiệp và thủy sản", NN, NULL,
     {"13785.4", "13666.9", "13735.7"}},
    {14, NULL, "Công nghiệp và xây dựng", LDVL " / Công nghiệp và xây dựng", NN, NULL,
     {"16992.3", "17020.6", "17340.6"}},
    {17, NULL, LDVL, "Cơ cấu / " LDVL, "%", NULL, {"100.0", "100.0", "100.0"}},
    {18, NULL, "Nông, lâm nghiệp và thủy sản", "Cơ cấu / " LDVL " / Nông, lâm nghiệp và thủy sản",
     "%", NULL, {"26.9", "26.6", "26.5"}},
    {19, NULL, "Công nghiệp và xây dựng", "Cơ cấu / " LDVL " / Công nghiệp và xây dựng", "%", NULL,
     {"33.1", "33.1", "33.4"}},
};
/* The unit line names the unit of the quantity columns, then of the value
 * columns; it is no header row.  Column E is a blank spacer. */
static const struct tt_col r2_cols[] = {
    {"C", "Ước tính tháng 9 năm 2019 / Lượng", "Nghìn tấn"},
    {"D", "Ước tính tháng 9 năm 2019 / Trị giá", "Triệu USD"},
    {"F", "So với cùng kỳ năm trước (%) / Lượng", "%"},
    {"G", "So với cùng kỳ năm trước (%) / Trị giá", "%"},
};
static const struct tt_row r2_rows[] = {
    {6, NULL, "TỔNG TRỊ GIÁ", NULL, NULL, NULL, {NULL, "23000", NULL, "108.9"}},
    {7, NULL, "Hạt điều", "TỔNG TRỊ GIÁ / Hạt điều", NULL, NULL, {"40", "276.3", "135.5", "108.7"}},
    {8, NULL, "Cà phê", "TỔNG TRỊ GIÁ / Cà phê", NULL, NULL, {"100", "175.3", "82.9", "82.7"}},
    {9, NULL, "Gạo", "TỔNG TRỊ GIÁ / Gạo", NULL, NULL, {"520", "222.5", "148.6", "131.3"}},
    {10, NULL, "Hàng dệt, may", "TỔNG TRỊ GIÁ / Hàng dệt, may", NULL, NULL,
     {NULL, "3050.0", NULL, "110.2"}},
};
/* Units in the header's words: (Tỷ đồng), (%); a line break in a header
 * cell; the total merged over the two stub columns; labels indented with
 * spaces; 0.7 under 0.00 is 0.70. */
#define GDP_NL "TỔNG SỐ / Nông, lâm nghiệp và thủy sản"
#define GDP_CN "TỔNG SỐ / Công nghiệp và xây dựng"
static const struct tt_col r3_cols[] = {
    {"C", "Thực hiện (Tỷ đồng) / Năm 2013", "Tỷ đồng"},
    {"D", "Thực hiện (Tỷ đồng) / Ước tính năm 2014", "Tỷ đồng"},
    {"F", "Cơ cấu (%) / Năm 2013", "%"},
    {"G", "Cơ cấu (%) / Năm 2014", "%"},
};
static const struct tt_row r3_rows[] = {
    {6, NULL, "TỔNG SỐ", NULL, NULL, NULL, {"3584261.6", "3937856.1", "100.00", "100.00"}},
    {7, NULL, "Nông, lâm nghiệp và thủy sản", GDP_NL, NULL, NULL,
     {"658779.1", "713380.9", "18.38", "18.12"}},
    {8, NULL, "Nông nghiệp", GDP_NL " / Nông nghiệp", NULL, NULL,
     {"503555.8", "536539.2", "14.05", "13.63"}},
    {9, NULL, "Lâm nghiệp", GDP_NL " / Lâm nghiệp", NULL, NULL, {"23996.1", "27762.8", "0.67", "0.70"}},
    {10, NULL, "Công nghiệp và xây dựng", GDP_CN, NULL, NULL,
     {"1372999.9", "1516181.9", "38.31", "38.50"}},
    {11, NULL, "Công nghiệp", GDP_CN " / Công nghiệp", NULL, NULL,
     {"1181296.3", "1306306.5", "32.96", "33.17"}},
    {12, NULL, "Khai khoáng", GDP_CN " / Công nghiệp / Khai khoáng", NULL, NULL,
     {"411673.4", "445372.7", "11.49", "11.31"}},
    {13, NULL, "Công nghiệp chế biến, chế tạo", GDP_CN " / Công nghiệp / Công nghiệp chế biến, chế tạo",
     NULL, NULL, {"627007.0", "687401.0", "17.49", "17.46"}},
    {14, NULL, "Xây dựng", GDP_CN " / Xây dựng", NULL, NULL, {"191703.6", "209875.3", "5.35", "5.33"}},
};
/* Items in deeper stub columns (a crop, its season), each followed by its
 * measures indented with spaces, whose units are in their labels: the
 * label keeps "(Nghìn ha)", the unit is Nghìn ha; an item in a column to
 * the left closes the deeper ones. */
#define CAY "1. Cây lương thực có hạt"
#define LUA CAY " / Lúa cả năm"
#define LDX LUA " / Lúa đông xuân"
#define DT "Diện tích (Nghìn ha)"
#define NS "Năng suất (Tạ/ha)"
#define SL "Sản lượng (Nghìn tấn)"
static const struct tt_col r4_cols[] = {
    {"D", "Ước tính năm 2024 / Tổng số", NULL},
    {"E", "Ước tính năm 2024 / Miền Bắc", NULL},
    {"F", "Năm 2024 so với năm 2023 (%)", "%"},
};
static const struct tt_row r4_rows[] = {
    {8, NULL, DT, LUA " / " DT, "Nghìn ha", NULL, {"7126.5", "2497.6", "100.1"}},
    {9, NULL, NS, LUA " / " NS, "Tạ/ha", NULL, {"60.7", "52.9", "101.5"}},
    {10, NULL, SL, LUA " / " SL, "Nghìn tấn", NULL, {"43253.2", "13203.1", "101.6"}},
    {12, NULL, DT, LDX " / " DT, "Nghìn ha", NULL, {"2952.3", "1128.8", "99.6"}},
    {13, NULL, NS, LDX " / " NS, "Tạ/ha", NULL, {"68.1", "59.3", "102.3"}},
    {14, NULL, SL, LDX " / " SL, "Nghìn tấn", NULL, {"20103.4", "6698.4", "101.9"}},
    {16, NULL, DT, CAY " / Ngô / " DT, "Nghìn ha", NULL, {"878.0", "410.2", "98.5"}},
};
static const struct tt_table r_tables[] = {
    TT_TABLE("Lao động", "Biểu 15. Một số chỉ tiêu lao động", r1_cols, r1_rows),
    TT_TABLE("Xuất khẩu", "Biểu 16. Hàng hóa xuất khẩu tháng 9 năm 2019", r2_cols, r2_rows),
    TT_TABLE("GDP", "Biểu 17. Tổng sản phẩm trong nước theo giá hiện hành", r3_cols, r3_rows),
    TT_TABLE("Cây trồng", "Biểu 18. Diện tích, năng suất và sản lượng một số cây trồng", r4_cols,
             r4_rows),
};

static void test_real_shapes(void **state)
{
    (void)state;
    assert_int_equal(
        check_fixture("real-shapes.xlsx", TT_FILE, NULL, r_tables, TT_N(r_tables), NULL, 0), 0);
}

/* ---- the same tables in .xls and .ods ------------------------------------------------------ */

/* LibreOffice saved monthly, unit-column and hidden as .xls and .ods: the
 * same records as from the .xlsx (numbers as shown: 30125 under #,##0.0
 * is 30125.0 in every format), and from memory as from the file. */
static void test_same_in_three_formats(void **state)
{
    (void)state;
    size_t d = 0;
    static const char *const ext[] = {"xlsx", "xls", "ods"};
    for (size_t i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "monthly.%s", ext[i]);
        d += check_fixture(name, TT_FILE, NULL, a_tables, TT_N(a_tables), NULL, 0);
        d += check_fixture(name, TT_MEMORY, NULL, a_tables, TT_N(a_tables), NULL, 0);
        snprintf(name, sizeof name, "unit-column.%s", ext[i]);
        d += check_fixture(name, TT_FILE, NULL, b_tables, TT_N(b_tables), NULL, 0);
        snprintf(name, sizeof name, "hidden.%s", ext[i]);
        d += check_fixture(name, TT_FILE, NULL, e_tables, TT_N(e_tables), e_warns, TT_N(e_warns));
    }
    assert_int_equal(d, 0);
}

/* ---- values -------------------------------------------------------------------------------- */

/* Each missing mark is a null value with the mark in note, whatever the
 * format; a footnote mark on a value or a label goes to note too. */
static void test_missing_marks(void **state)
{
    (void)state;
    static const char *const files[] = {"monthly.xlsx", "monthly.xls", "monthly.ods"};
    static const char *const cells[][2] = {
        {"F15", "-"}, {"F16", ".."}, {"G16", "…"}, {"G21", "x"}};
    size_t d = 0;
    for (size_t f = 0; f < TT_N(files); f++) {
        char *path = fixture(files[f]);
        struct tt_got *g = tt_read(path, TT_FILE, NULL);
        for (size_t i = 0; i < TT_N(cells); i++) {
            struct tt_rec *r = tt_find(g, "Biểu 01", cells[i][0]);
            if (!r || r->vtype != CONV_NULL || !r->f[TT_NOTE] ||
                strcmp(r->f[TT_NOTE], cells[i][1]) != 0) {
                fprintf(stderr, "  %s!%s: want null with note '%s', got %s%s%s note '%s'\n",
                        files[f], cells[i][0], cells[i][1], r ? conv_type_name(r->vtype) : "no record",
                        r && r->f[TT_VALUE] ? " " : "", r && r->f[TT_VALUE] ? r->f[TT_VALUE] : "",
                        r && r->f[TT_NOTE] ? r->f[TT_NOTE] : "");
                d++;
            }
        }
        /* "28345,6(*)" in D24: 28345.6 with note (*); the label "(1)" of row 25. */
        struct tt_rec *r = tt_find(g, "Biểu 01", "D24");
        d += tt_diff(files[f], "Biểu 01", "D24", "value", "28345.6", r ? r->f[TT_VALUE] : NULL);
        d += tt_diff(files[f], "Biểu 01", "D24", "note", "(*)", r ? r->f[TT_NOTE] : NULL);
        r = tt_find(g, "Biểu 01", "E25");
        d += tt_diff(files[f], "Biểu 01", "E25", "note", "(1)", r ? r->f[TT_NOTE] : NULL);
        d += tt_diff(files[f], "Biểu 01", "E25", "row_label", "Khu vực có vốn đầu tư nước ngoài",
                     r ? r->f[TT_LABEL] : NULL);
        tt_free(g);
        free(path);
    }
    assert_int_equal(d, 0);
}

/* Numbers are exact text: a number typed as text with a decimal comma,
 * 15 significant digits of a double as Excel shows it (the stored text
 * with --raw-numbers), the format's decimals. */
static void test_exact_numbers(void **state)
{
    (void)state;
    size_t d = 0;
    static const char *const files[] = {"monthly.xlsx", "monthly.xls", "monthly.ods"};
    for (size_t f = 0; f < TT_N(files); f++) {
        char *path = fixture(files[f]);
        struct tt_got *g = tt_read(path, TT_FILE, NULL);
        struct tt_rec *r = tt_find(g, "Biểu 01", "D17"); /* the text "1892,6" */
        d += tt_diff(files[f], "Biểu 01", "D17", "value", "1892.6", r ? r->f[TT_VALUE] : NULL);
        if (r && r->vtype != CONV_DECIMAL) {
            fprintf(stderr, "  %s!D17: want a decimal, got a %s\n", files[f],
                    conv_type_name(r->vtype));
            d++;
        }
        r = tt_find(g, "Biểu 01", "H7"); /* 107.4567890123457 stored (16 digits) */
        d += tt_diff(files[f], "Biểu 01", "H7", "value", "107.456789012346",
                     r ? r->f[TT_VALUE] : NULL);
        r = tt_find(g, "Biểu 01", "E9"); /* 30125 under #,##0.0 */
        d += tt_diff(files[f], "Biểu 01", "E9", "value", "30125.0", r ? r->f[TT_VALUE] : NULL);
        tt_free(g);
        g = tt_read(path, TT_FILE, ARGV("raw-numbers"));
        /* openpyxl stored 107.4567890123457 in the .xlsx, which LibreOffice
         * kept as that double in the .xls and wrote with 15 digits in the
         * .ods: the stored text of each. */
        r = tt_find(g, "Biểu 01", "H7");
        d += tt_diff(files[f], "Biểu 01", "H7", "value (--raw-numbers)",
                     f == 2 ? "107.456789012346" : "107.4567890123457", r ? r->f[TT_VALUE] : NULL);
        r = tt_find(g, "Biểu 01", "D17"); /* text stays as read, its number */
        d += tt_diff(files[f], "Biểu 01", "D17", "value (--raw-numbers)", "1892.6",
                     r ? r->f[TT_VALUE] : NULL);
        tt_free(g);
        free(path);
    }
    assert_int_equal(d, 0);
}

/* A text of many commas over the table (x,x,x,...) is looked at as a
 * line of two units split at each comma, one level deep: the reading
 * ends (it once tried every way of splitting it, for hours at 40). */
static void test_unit_line_commas(void **state)
{
    (void)state;
    char csv[512];
    size_t k = 0;
    csv[k++] = '"';
    for (int i = 0; i < 60; i++)
        k += (size_t)snprintf(csv + k, sizeof csv - k, "%sx", i ? "," : "");
    k += (size_t)snprintf(csv + k, sizeof csv - k, "\"\nChỉ tiêu,2020,2021\nA,1.5,2.5\n");
    struct tu_run r;
    tu_run_tool(&r, "conv", csv, k, ARGV("--from", "csv", "--layout", "table", "-t", "csv"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "A,A,2021,2.5,"));
    tu_run_free(&r);
}

/* A footnote mark before a unit in brackets leaves the label for the note;
 * the unit stays the row's (a table without a unit line). */
static void test_mark_before_unit(void **state)
{
    (void)state;
    static const char csv[] = "Biểu 3. Dân số\nChỉ tiêu,2011,2012\n"
                              "Dân số trung bình(*) (Nghìn người),87860.3,88809.2\n"
                              "Tỷ lệ tăng dân số (%),1.04,1.06\n";
    struct tu_run r;
    tu_run_tool(&r, "conv", csv, sizeof csv - 1,
                ARGV("--from", "csv", "--layout", "table", "-t", "csv"));
    assert_int_equal(r.status, 0);
    if (!strstr(r.out, "stdin,B3,Biểu 3. Dân số,Nghìn người,,Dân số trung bình (Nghìn người),"
                       "Dân số trung bình (Nghìn người),2011,87860.3,(*)\r\n") ||
        !strstr(r.out, "stdin,C4,Biểu 3. Dân số,%,,Tỷ lệ tăng dân số (%),Tỷ lệ tăng dân số (%),"
                       "2012,1.06,\r\n"))
        fail_msg("records:\n%s", r.out);
    tu_run_free(&r);
}

/* ---- indicator records (--profile indicators) --------------------------------------------- */

/* The monthly table (values, changes as an index, statuses, sections out
 * of the indicators, codes numbered from the hierarchy) and the table of
 * provinces (regions by name, the title the indicator) give their golden
 * indicator records, the same from .xlsx, .xls and .ods; what cannot be
 * decided is told; --region gives the region; conv-check reads them. */
static void test_indicators(void **state)
{
    (void)state;
    static const struct {
        const char *in, *gold, *warn;
    } cases[] = {
        {"monthly.xlsx", "monthly.indicators.csv", "no region named in the rows of sheet 'Biểu 01'"},
        {"monthly.xls", "monthly.indicators.csv", "--region CODE"},
        {"monthly.ods", "monthly.indicators.csv", "--region CODE"},
        {"provinces.xlsx", "provinces.indicators.csv", NULL},
        /* our own report, read as a table: the sample's records, every value,
         * change and unit as the table shows them (the codes numbered from
         * its hierarchy are the sample's; the status it does not show) */
        {"../../../samples/indicators-report.xlsx", "report.indicators.csv", NULL},
    };
    for (size_t i = 0; i < TT_N(cases); i++) {
        char *in = fixture(cases[i].in), *gold = fixture(cases[i].gold);
        struct tu_run r;
        tu_run_tool(&r, "conv", NULL, 0,
                    ARGV(in, "--layout", "table", "--profile", "indicators", "-t", "csv"));
        if (r.status != 0)
            fail_msg("%s: exit %d: %s", cases[i].in, r.status, r.err);
        size_t n;
        char *want = tu_read_file(gold, &n);
        if (r.out_len != n || memcmp(r.out, want, n) != 0)
            fail_msg("%s: the records differ from %s:\n%s", cases[i].in, cases[i].gold, r.out);
        if (cases[i].warn ? !strstr(r.err, cases[i].warn) : strstr(r.err, "region") != NULL)
            fail_msg("%s: warnings: %s", cases[i].in, r.err);
        /* the change of the year before as an index: 107.2 gives 7.2 */
        free(want);
        tu_run_free(&r);
        free(in);
        free(gold);
    }
    char *in = fixture("monthly.xlsx");
    struct tu_run r;
    /* conv-check reads the table as its profile's records, and finds at
     * their cells what it finds in the records conv gives */
    tu_run_tool(&r, "conv-check", NULL, 0,
                ARGV("--layout", "table", "--region", "01", "--format", "json", in));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"records\": 51,"));
    assert_null(strstr(r.out, "unknown-field"));
    assert_non_null(strstr(r.out, "\"sheet\": \"Biểu 01\", \"cell\": \"G7\", \"field\": "
                                  "\"value\", \"rule\": \"required\""));
    tu_run_free(&r);
    /* in a workbook of several sheets, each finding at its own sheet's
     * cell (the record's source): not all at the first sheet */
    char *shapes = fixture("real-shapes.xlsx");
    tu_run_tool(&r, "conv-check", NULL, 0,
                ARGV("--layout", "table", "--region", "01", "--format", "json", shapes));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"record\": 29, \"sheet\": \"Xuất khẩu\", \"cell\": \"G6\", "
                                  "\"field\": \"value\", \"rule\": \"required\""));
    assert_non_null(strstr(r.out, "\"record\": 44, \"sheet\": \"GDP\", \"cell\": \"C6\", "
                                  "\"field\": \"value\", \"rule\": \"sum\""));
    /* codes are numbered sheet by sheet: the 01 of 'GDP' is no duplicate
     * of the 01 of 'Cây trồng'; only the sheet's own repeats are */
    size_t dups = 0;
    for (const char *p = r.out; (p = strstr(p, "\"rule\": \"duplicate\"")) != NULL; p++)
        dups++;
    assert_int_equal(dups, 8);
    assert_null(strstr(r.out, "\"sheet\": \"GDP\", \"cell\": \"6\", \"field\": null, "
                              "\"rule\": \"duplicate\""));
    tu_run_free(&r);
    tu_run_tool(&r, "conv", NULL, 0,
                ARGV(shapes, "--layout", "table", "--profile", "indicators", "--region", "01",
                     "-t", "csv"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\r\n01,Thành phố Hà Nội,0101,TỔNG TRỊ GIÁ - Trị giá,01,,,"
                                  "triệu USD,8.9,,,Xuất khẩu!G6,\r\n"));
    tu_run_free(&r);
    free(shapes);
    tu_run_tool(&r, "conv", NULL, 0,
                ARGV(in, "--layout", "table", "--profile", "indicators", "--region", "01", "-t",
                     "csv"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\r\n01,Thành phố Hà Nội,01,TỔNG SỐ,,2024-Q3,52345.6,tỷ đồng,7.2,,"
                                  "official,Biểu 01!D7,\r\n"));
    assert_null(strstr(r.err, "region"));
    tu_run_free(&r);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monthly),
        cmocka_unit_test(test_unit_column),
        cmocka_unit_test(test_stacked),
        cmocka_unit_test(test_side_by_side),
        cmocka_unit_test(test_hidden),
        cmocka_unit_test(test_caption),
        cmocka_unit_test(test_note_and_empty_sheets),
        cmocka_unit_test(test_note_sheets_tool),
        cmocka_unit_test(test_provinces),
        cmocka_unit_test(test_real_shapes),
        cmocka_unit_test(test_pxweb),
        cmocka_unit_test(test_indicators),
        cmocka_unit_test(test_unit_line_commas),
        cmocka_unit_test(test_mark_before_unit),
        cmocka_unit_test(test_worldbank),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_codes_list),
        cmocka_unit_test(test_text_from_pipe),
        cmocka_unit_test(test_same_in_three_formats),
        cmocka_unit_test(test_missing_marks),
        cmocka_unit_test(test_exact_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
