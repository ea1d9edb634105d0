/*
 * --layout table on the real files of ../shared/real/gso/ (provenance in
 * ../shared/real/README.md), when that folder is there beside the source
 * tree; else skipped, saying so.  For each of the eleven files:
 *
 * - `conv FILE --layout table -t csv` succeeds (exit 0) and whatever it
 *   says on stderr is a warning naming a sheet;
 * - read through the library, every sheet either gives records or is
 *   skipped with a warning naming it; the sheets that hold no table (an
 *   empty form, a list of codes) are skipped;
 * - for at least three sheets of each workbook, cells checked by hand
 *   against the sheet (as `conv FILE --layout cells --sheet S` shows it):
 *   the row label, the column label (header cells top to bottom, a merged
 *   one spread, joined by " / "), the value as Excel shows it, and where
 *   it is plain to a reader the unit, the row path or the title; a value
 *   in a hidden column gives no record.
 *
 * A summary line per file (sheets, sheets read, sheets skipped, records)
 * is printed either way.
 */
#include "testutil.h"
#include "table_check.h"

#include <stdlib.h>
#include <string.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A cell checked by hand.  value: "VALUE", "null MARK", or NULL for a
 * cell that must give no record; unit, path and title NULL: not checked. */
struct rcell {
    const char *sheet, *cell;
    const char *label, *column, *value;
    const char *unit, *path, *title;
};

/* ---- gso-2024-12-bieu.xlsx --------------------------------------------------------------------- */

static const struct rcell c2024[] = {
    {"26.Tongmuc", "C10", "TỔNG SỐ", "Sơ bộ / tháng 11 / năm / 2024", "559992.587687579", "Tỷ đồng",
     "TỔNG SỐ", "26. Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng"},
    {"26.Tongmuc", "D10", "TỔNG SỐ", "Ước tính / tháng 12 / năm / 2024", "570734", "Tỷ đồng", NULL,
     NULL},
    {"26.Tongmuc", "C11", "Bán lẻ hàng hóa", "Sơ bộ / tháng 11 / năm / 2024", "429042.749400211",
     "Tỷ đồng", "TỔNG SỐ / Bán lẻ hàng hóa", NULL},
    {"26.Tongmuc", "F13", "Du lịch lữ hành", "Ước tính / năm 2024 / Cơ / cấu (%)",
     "0.977286550953872", "%", NULL, NULL},
    {"26.Tongmuc", "G12", "Dịch vụ lưu trú, ăn uống",
     "Tháng 12 / năm 2024 / so với cùng / kỳ năm / trước (%)", "113.067802275655", "%", NULL, NULL},
    {"33.CPI", "C10", "CHỈ SỐ GIÁ TIÊU DÙNG", "Tháng 12 năm 2024 so với / Kỳ gốc / (2019)",
     "117.136683755569", "%", NULL,
     "33. Chỉ số giá tiêu dùng, chỉ số giá vàng, chỉ số giá đô la Mỹ và lạm phát cơ bản tháng 12 "
     "năm 2024"},
    {"33.CPI", "D12", "Lương thực", "Tháng 12 năm 2024 so với / Tháng 12 / năm / 2023",
     "104.582763435082", "%", NULL, NULL},
    {"33.CPI", "F20", "Dịch vụ y tế", "Bình quân quý IV / năm 2024 / so với cùng kỳ / năm trước",
     "107.891222597401", "%", NULL, NULL},
    {"33.CPI", "G27", "CHỈ SỐ GIÁ VÀNG", "Năm 2024 / so với / năm 2023", "128.638310203789", "%",
     NULL, NULL},
    {"33.CPI", "E29", "LẠM PHÁT CƠ BẢN", "Tháng 12 năm 2024 so với / Tháng 11 / năm / 2024", "0.25",
     "%", NULL, NULL},
    {"47.Laodong", "B11", "Nam", "Quý I / năm / 2024", "27855.6529475811", "Nghìn người",
     "Lực lượng lao động từ 15 tuổi trở lên / Phân theo giới tính / Nam", NULL},
    {"47.Laodong", "E14", "Thành thị", "Quý IV / năm / 2024", "20591.0", "Nghìn người", NULL, NULL},
    {"47.Laodong", "F16", "Lao động có việc làm", "Ước tính / năm / 2024", "51872.1107828545",
     "Nghìn người", NULL, NULL},
    {"47.Laodong", "D32", "Công nghiệp và xây dựng", "Quý III / năm / 2024", "33.0", "%",
     "Cơ cấu / Lao động có việc làm / Công nghiệp và xây dựng", NULL},
    {"12.SPCNthang", "C18", "Đường kính", "Thực hiện / tháng 11 / năm 2024", "44.80477", "Nghìn tấn",
     NULL, NULL},
    {"12.SPCNthang", "E25", "Vải dệt từ sợi tổng hợp hoặc sợi nhân tạo", "Ước tính / năm 2024",
     "1364.52622173244", "Triệu m2", NULL, NULL},
    {"12.SPCNthang", "D36", "Linh kiện điện thoại", "Ước tính / tháng 12 / năm 2024",
     "60.9610493246293", "Nghìn tỷ đồng", NULL, NULL},
    {"12.SPCNthang", "G38", "Ô tô", "Năm 2024 / so với / năm 2023 / (%)", "126.986905452846", "%",
     NULL, NULL},
};

/* ---- gso-2019-09-bieu-pass.xlsx ---------------------------------------------------------------- */

static const struct rcell c2019[] = {
    {"1.GDP-HH", "C9", "TỔNG SỐ", "Sơ bộ / quý II / năm / 2019", "1367132.24918892", "Tỷ đồng",
     NULL, "1. Tổng sản phẩm trong nước theo giá hiện hành"},
    {"1.GDP-HH", "D11", "Nông nghiệp", "Ước tính / quý III / năm / 2019", "128353.806745767",
     "Tỷ đồng", "TỔNG SỐ / Nông, lâm nghiệp và thủy sản / Nông nghiệp", NULL},
    {"1.GDP-HH", "E16", "Khai khoáng", "Cộng dồn / 9 tháng / năm / 2019", "268611", "Tỷ đồng",
     "TỔNG SỐ / Công nghiệp và xây dựng / Công nghiệp / Khai khoáng", NULL},
    {"1.GDP-HH", "F12", "Lâm nghiệp", "Cơ cấu (%) / Quý II / năm / 2019", "0.68", "%", NULL, NULL},
    {"24.XK thang", "D9", "TỔNG TRỊ GIÁ", "Ước tính / tháng 9 / năm 2019 / Trị giá", "23000", NULL,
     NULL, NULL},
    {"24.XK thang", "I18", "Cà phê", "Tháng 9 năm 2019 / so với cùng kỳ / năm trước (%) / Lượng",
     "82.8898725153761", "%", NULL, NULL},
    {"24.XK thang", "F21", "Gạo", "Ước tính / 9 tháng / năm 2019 / Lượng", "5101.826", NULL, NULL,
     NULL},
    {"24.XK thang", "M12", "Dầu thô", "9 tháng năm 2019 / so với cùng kỳ / năm trước (%) / Trị giá",
     "91.428456836023", "%", "TỔNG TRỊ GIÁ / Khu vực có vốn đầu tư NN / Dầu thô", NULL},
    {"7.IIPthang", "C9", "Toàn ngành công nghiệp", "Tháng 9 / năm 2019 / so với / tháng / trước",
     "99.87", "%", NULL, NULL},
    {"7.IIPthang", "D12", "Khai thác dầu thô và khí đốt tự nhiên",
     "Tháng 9 / năm 2019 / so với / cùng kỳ / năm trước", "84.45", "%",
     "Toàn ngành công nghiệp / Khai khoáng / Khai thác dầu thô và khí đốt tự nhiên", NULL},
    {"7.IIPthang", "E15", "Hoạt động dịch vụ hỗ trợ khai thác mỏ và quặng",
     "9 tháng / năm 2019 / so với / cùng kỳ / năm trước", "102.47", "%", NULL, NULL},
    {"7.IIPthang", "B20", "Dệt", "Tháng 8 / năm 2019 / so với / cùng kỳ / năm trước", "104.02", "%",
     NULL, NULL},
};

/* ---- gso-2014-12-tong-hop-bieu.xls ------------------------------------------------------------- */

static const struct rcell c2014[] = {
    {"2GDPHH", "C7", "TỔNG SỐ", "Thực hiện (Tỷ đồng) / Năm 2013", "3584261.5921235", "Tỷ đồng", NULL,
     NULL},
    {"2GDPHH", "D14", "Khai khoáng", "Thực hiện (Tỷ đồng) / Ước tính năm 2014", "445372.70717435",
     "Tỷ đồng", NULL, NULL},
    {"2GDPHH", "G10", "Lâm nghiệp", "Cơ cấu (%) / Năm 2014", "0.70", "%", NULL, NULL},
    {"2GDPHH", "F29", "Giáo dục và đào tạo", "Cơ cấu (%) / Năm 2013", "2.94", "%", NULL, NULL},
    {"CPI", "D12", "Lương thực", "Tháng 12 năm 2014 so với: / Kỳ gốc / 2009", "146.54061781178",
     "%", NULL, NULL},
    {"CPI", "G9", "CHỈ SỐ GIÁ TIÊU DÙNG", "Chỉ số giá bình / quân năm 2014 / so với năm 2013",
     "104.093424195525", "%", NULL, NULL},
    {"CPI", "F22", "Bưu chính viễn thông", "Tháng 12 năm 2014 so với: / Tháng 11 / năm 2014",
     "100.80", "%", NULL, NULL},
    {"CPI", "E28", "CHỈ SỐ GIÁ VÀNG", "Tháng 12 năm 2014 so với: / Tháng 12 / năm 2013",
     "96.2689023904923", "%", NULL, NULL},
    {"VTHK", "C7", "Tổng số", "Thực hiện 11 tháng năm 2014", "2791586.1", NULL, NULL, NULL},
    {"VTHK", "F18", "Đường bộ", "Năm 2014 so với năm 2013 (%)", "107.800458164584", "%", NULL,
     NULL},
    {"VTHK", "D24", "Trung ương", "Ước tính tháng 12 năm 2014", "3160.5", NULL, NULL, NULL},
    {"VTHK", "E28", "Ngoài nước", "Cộng dồn năm 2014", "19039.2", NULL, NULL, NULL},
};

/* ---- gso-2008-12-bieu1208.xls (half TCVN3) ----------------------------------------------------- */

static const struct rcell c2008[] = {
    {"Danso ", "B9", "TOÀN QUỐC", "Tổng số", "86160.0", "Nghìn người", NULL, NULL},
    {"Danso ", "D12", "Bắc Trung Bộ và Duyên hải miền Trung", "Phân theo giới tính / Nữ", "10078.5",
     "Nghìn người", "TOÀN QUỐC / Bắc Trung Bộ và Duyên hải miền Trung", NULL},
    {"Danso ", "F9", "TOÀN QUỐC", "Phân theo thành thị, nông thôn / Thành thị", "24037.2",
     "Nghìn người", NULL, NULL},
    {"Danso ", "G14", "Đông Nam Bộ", "Phân theo thành thị, nông thôn / Nông thôn", "5232.6",
     "Nghìn người", NULL, NULL},
    {"2GDPHH", "C7", "TỔNG SỐ", "Thực hiện (Tỷ đồng) / Năm 2007", "1144014", "Tỷ đồng", NULL, NULL},
    {"2GDPHH", "E14", "Công nghiệp chế biến", "Thực hiện (Tỷ đồng) / Ước tính năm 2008", "313941",
     "Tỷ đồng", NULL, NULL},
    {"2GDPHH", "J10", "Lâm nghiệp", "Cơ cấu (%) / Năm 2008", "1.06790108845976", "%", NULL, NULL},
    {"2GDPHH", "H7", "TỔNG SỐ", "Cơ cấu (%) / Năm 2007", "100.00", "%", NULL, NULL},
    {"15TM", "C7", "TỔNG SỐ", "Ước tính tháng 12 năm 2008 (Tỷ đồng)", "94201", "Tỷ đồng", NULL,
     NULL},
    {"15TM", "E12", "Tư nhân", "Ước tính năm 2008 / Cơ cấu (%)", "29.393006888986", "%", NULL, NULL},
    {"15TM", "F18", "Du lịch", "Năm 2008 so với năm 2007 (%)", "141.8", "%", NULL, NULL},
    {"4NN", "D11", "Diện tích (Nghìn ha)", "Ước tính năm 2008 / Tổng / số", "7399.6", NULL,
     "1. Cây lương thực có hạt / Lúa cả năm / Diện tích (Nghìn ha)", NULL},
    {"4NN", "I16", "Năng suất (Tạ/ha)", "Năm 2008 so với năm 2007 (%) / Chia ra / Miền Bắc", "110.0",
     "%", "1. Cây lương thực có hạt / Lúa cả năm / Lúa đông xuân / Năng suất (Tạ/ha)", NULL},
    {"4NN", "F21", "Sản lượng (Nghìn tấn)", "Ước tính năm 2008 / Chia ra / Miền Nam", "10560.9",
     NULL, NULL, NULL},
};

/* ---- gso-2000-01-bieu-thang-1.xls (TCVN3) ------------------------------------------------------ */

static const struct rcell c2000[] = {
    {"20", "B9", "CẢ NƯỚC", "Tổng / số hộ", "16658286", "Hộ", NULL,
     "20. SỐ HỘ CÓ NHÀ Ở CHIA THEO THỜI GIAN XÂY DỰNG, LOẠI NHÀ, HÌNH THỨC SỞ HỮU, DIỆN TÍCH Ở VÀ "
     "TIỆN NGHI SỬ DỤNG"},
    {"20", "C13", "- 25-36 m2", "Loại nhà / Nhà / kiên cố", "433547", "Hộ",
     "CẢ NƯỚC / 1. Diện tích nhà / - 25-36 m2", NULL},
    {"20", "F11", "- Dưới 15 m2", "Loại nhà / Loại nhà / khác", "null -", "Hộ", NULL, NULL},
    {"20", "G9", "CẢ NƯỚC", "Loại nhà / Không / xác định", "4115", "Hộ", NULL, NULL},
    {"20", "D28", "-1996", "Loại nhà / Nhà bán / kiên cố", "445310", "Hộ", NULL, NULL},
    {"NN", "C8", "1. Gieo cấy lúa đông xuân", "Thực hiện kỳ này (Nghìn ha)", "1721.5", "Nghìn ha",
     NULL, NULL},
    {"NN", "E16", "Các loại cây màu khác", "Thực hiện kỳ này so với cùng kỳ năm trước (%)",
     "94.4444444444462", "%", NULL, NULL},
    {"NN", "C21", "Thuốc lá", "Thực hiện kỳ này (Nghìn ha)", "10.6", "Nghìn ha", NULL, NULL},
    {"NN", "D9", NULL, NULL, NULL, NULL, NULL, NULL}, /* column D is hidden */
    {"3sp", "C11", "- Trung ương", "Chính thức / tháng 12 / năm 1999", "903.0", "Nghìn tấn",
     "Than sạch khai thác / - Trung ương", NULL},
    {"3sp", "E16", "- Trung ương", "Tỷ lệ so sánh (%) / Tháng 1/2000 so với tháng 12/1999",
     "107.287449392713", "%", "Thuỷ sản chế biến / - Trung ương", NULL},
    {"3sp", "D14", "Dầu thô khai thác (Liên doanh NN)", "Ước tính / tháng 1 / năm 2000", "1335",
     "Nghìn tấn", NULL, NULL},
    {"3sp", "F17", "- Địa phương", "Tỷ lệ so sánh (%) / Tháng 1/2000 so với tháng 1/1999",
     "111.162390712341", "%", NULL, NULL},
};

/* ---- CSV ----------------------------------------------------------------------------------------- */

static const struct rcell c_retail[] = {
    {NULL, "B4", "WHOLE COUNTRY", "1995", "119569.6", NULL, NULL, NULL},
    {NULL, "O7", "Ha Tay", "2008", "null ..", NULL, NULL, NULL},
    {NULL, "W40", "Da Nang", "Prel. 2016", "65783.0", NULL, NULL, NULL},
    {NULL, "K29", "Dien Bien", "2004", "776.3", NULL, NULL, NULL},
};
static const struct rcell c_population[] = {
    {NULL, "B4", "WHOLE COUNTRY", "Total 1995", "71995.5", NULL, NULL, NULL},
    {NULL, "AK7", "Ha Tay", "Male 2008", "null ..", NULL, NULL, NULL},
    {NULL, "W40", "Da Nang", "Total Prel. 2016", "1046.2", NULL, NULL, NULL},
    {NULL, "CQ70", "Can Tho", "Rural 2000", "1430.9", NULL, NULL, NULL},
};
#define WB_GDP " / GDP growth (annual %)"
static const struct rcell c_worldbank[] = {
    {NULL, "AF6", "Aruba" WB_GDP, "1987", "16.0784313755902", NULL, NULL, NULL},
    {NULL, "BQ6", NULL, NULL, NULL, NULL, NULL, NULL}, /* "" */
    {NULL, "BM263", "Viet Nam" WB_GDP, "2020", "2.86541320912272", NULL, NULL, NULL},
    {NULL, "BQ263", "Viet Nam" WB_GDP, "2024", "7.09118746633975", NULL, NULL, NULL},
    {NULL, "BB265", "World" WB_GDP, "2009", "-1.31959822434678", NULL, NULL, NULL},
};

/* ---- the files ----------------------------------------------------------------------------------- */

struct rfile {
    const char *name;
    const char *const *skipped; /* sheets that hold no table, NULL-terminated */
    const struct rcell *cells;
    size_t ncells;
    size_t min_checked_sheets; /* sheets among the cells */
};

#define RF(name, skipped, cells, n) {name, skipped, cells, sizeof(cells) / sizeof *(cells), n}
#define NONE ((const char *const[]){NULL})

static const struct rfile files[] = {
    RF("gso-2024-12-bieu.xlsx", NONE, c2024, 3),
    RF("gso-2019-09-bieu-pass.xlsx", NONE, c2019, 3),
    RF("gso-2014-12-tong-hop-bieu.xls", NONE, c2014, 3),
    RF("gso-2008-12-bieu1208.xls", NONE, c2008, 3),
    RF("gso-2000-01-bieu-thang-1.xls", ARGV("TM"), c2000, 3), /* TM: an empty form */
    RF("pxweb-retail-sales-by-province.csv", NONE, c_retail, 1),
    RF("pxweb-average-population-by-province.csv", NONE, c_population, 1),
    RF("worldbank-gdp-growth.csv", NONE, c_worldbank, 1),
    /* Lists of units and codes: no value anywhere. */
    {"dvhc-bang-chuyen-doi-2025.csv", ARGV("dvhc-bang-chuyen-doi-2025"), NULL, 0, 0},
    {"dvhc-cap-tinh-2025.csv", ARGV("dvhc-cap-tinh-2025"), NULL, 0, 0},
    {"gso-dmhc-2023-04-15.xls", ARGV("Sheet1"), NULL, 0, 0},
};

static char *real_path(const char *name)
{
    char rel[512];
    snprintf(rel, sizeof rel, "../shared/real/gso/%s", name);
    return tu_src(rel);
}

/* The sheets of a file as the reader lists them (a text file: one, named
 * by the file). */
static size_t sheet_names(const char *path, const char *name, char ***out)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "layout", "table");
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_file(ctx, path, o, &err);
    if (!rd)
        fail_msg("%s: %s", name, err.message);
    const char *n = conv_reader_info(rd, "sheets");
    size_t count = n ? (size_t)atol(n) : 0;
    char **names;
    if (count) {
        names = calloc(count, sizeof *names);
        for (size_t i = 0; i < count; i++) {
            char key[32];
            snprintf(key, sizeof key, "sheet.%zu", i);
            const char *s = conv_reader_info(rd, key);
            names[i] = tt_strdup(s ? s : "?");
        }
    } else {
        count = 1;
        names = calloc(1, sizeof *names);
        const char *dot = strrchr(name, '.');
        names[0] = tt_strdup(name);
        names[0][dot - name] = '\0';
    }
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    *out = names;
    return count;
}

static int warned_skipped(const struct tt_got *g, const char *sheet)
{
    char quoted[300];
    snprintf(quoted, sizeof quoted, "'%s'", sheet);
    for (size_t k = 0; k < g->nwarn; k++)
        if (strstr(g->warn[k], quoted) && strstr(g->warn[k], "skipped"))
            return 1;
    return 0;
}

static size_t check_file(const struct rfile *f)
{
    char *path = real_path(f->name);
    size_t d = 0;
    /* As a user runs it. */
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, ARGV(path, "--layout", "table", "-t", "csv"));
    if (r.status != 0) {
        fprintf(stderr, "  %s: conv exit %d: %.500s\n", f->name, r.status, r.err);
        d++;
    }
    for (const char *l = r.err; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)n, l);
        if (!strstr(line, "sheet '")) {
            fprintf(stderr, "  %s: conv says what is not a warning about a sheet: %s\n", f->name,
                    line);
            d++;
        }
        l += n + (e != NULL);
    }
    tu_run_free(&r);

    /* Every sheet read or skipped with a warning. */
    struct tt_got *g = tt_read(path, TT_FILE, NULL);
    if (g->rc != CONV_EOF) {
        fprintf(stderr, "  %s: the reading failed: %s\n", f->name, g->err);
        d++;
    }
    char **sheets;
    size_t nsheets = sheet_names(path, f->name, &sheets);
    size_t read = 0, skipped = 0;
    for (size_t i = 0; i < nsheets; i++) {
        size_t recs = tt_count(g, sheets[i]);
        int skip = warned_skipped(g, sheets[i]);
        int want_skip = 0;
        for (size_t k = 0; f->skipped[k]; k++)
            want_skip |= !strcmp(f->skipped[k], sheets[i]);
        read += recs > 0;
        skipped += skip;
        if (!recs && !skip) {
            fprintf(stderr, "  %s: sheet '%s' gives no record and no warning\n", f->name,
                    sheets[i]);
            d++;
        }
        if (want_skip && (recs || !skip)) {
            fprintf(stderr, "  %s: sheet '%s' holds no table: want it skipped with a warning, "
                            "got %zu records%s\n",
                    f->name, sheets[i], recs, skip ? "" : " and no warning");
            d++;
        }
    }

    /* The cells checked by hand. */
    size_t checked_sheets = 0;
    for (size_t i = 0; i < f->ncells; i++) {
        const struct rcell *c = &f->cells[i];
        const char *sheet = c->sheet ? c->sheet : sheets[0];
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= (!c->sheet && !f->cells[j].sheet) ||
                    (c->sheet && f->cells[j].sheet && !strcmp(c->sheet, f->cells[j].sheet));
        checked_sheets += !seen;
        struct tt_rec *got = tt_find(g, sheet, c->cell);
        if (!c->value) {
            if (got) {
                fprintf(stderr, "  %s: %s!%s: want no record, got '%s'\n", f->name, sheet, c->cell,
                        got->f[TT_VALUE] ? got->f[TT_VALUE] : "null");
                d++;
            }
            continue;
        }
        if (!got) {
            fprintf(stderr, "  %s: %s!%s: no record (want '%s', '%s', %s)\n", f->name, sheet,
                    c->cell, c->label, c->column, c->value);
            d++;
            continue;
        }
        char what[300];
        snprintf(what, sizeof what, "%s", f->name);
        d += tt_diff(what, sheet, c->cell, "row_label", c->label, got->f[TT_LABEL]);
        d += tt_diff(what, sheet, c->cell, "column_label", c->column, got->f[TT_COLUMN]);
        if (!strncmp(c->value, "null ", 5)) {
            if (got->vtype != CONV_NULL) {
                fprintf(stderr, "  %s: %s!%s value: want null, got '%s'\n", f->name, sheet,
                        c->cell, got->f[TT_VALUE] ? got->f[TT_VALUE] : "");
                d++;
            }
            d += tt_diff(what, sheet, c->cell, "note", c->value + 5, got->f[TT_NOTE]);
        } else {
            d += tt_diff(what, sheet, c->cell, "value", c->value, got->f[TT_VALUE]);
        }
        if (c->unit)
            d += tt_diff(what, sheet, c->cell, "unit", c->unit, got->f[TT_UNIT]);
        if (c->path)
            d += tt_diff(what, sheet, c->cell, "row_path", c->path, got->f[TT_PATH]);
        if (c->title)
            d += tt_diff(what, sheet, c->cell, "title", c->title, got->f[TT_TITLE]);
    }
    if (checked_sheets < f->min_checked_sheets) {
        fprintf(stderr, "  %s: cells of %zu sheets checked, want %zu\n", f->name, checked_sheets,
                f->min_checked_sheets);
        d++;
    }
    printf("%-42s sheets %3zu  read %3zu  skipped %3zu  records %6zu  cells checked %2zu%s\n",
           f->name, nsheets, read, skipped, g->n, f->ncells, d ? "  DIFFERENCES" : "");
    for (size_t i = 0; i < nsheets; i++)
        free(sheets[i]);
    free(sheets);
    tt_free(g);
    free(path);
    return d;
}

static void test_real_files(void **state)
{
    (void)state;
    char *dir = tu_src("../shared/real/gso");
    if (!tu_exists(dir)) {
        fprintf(stderr, "skipped: %s is not there (../shared/real/)\n", dir);
        free(dir);
        return;
    }
    size_t d = 0, missing = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *p = real_path(files[i].name);
        if (!tu_exists(p)) {
            fprintf(stderr, "  %s is not there\n", p);
            missing++;
        } else {
            d += check_file(&files[i]);
        }
        free(p);
    }
    free(dir);
    assert_int_equal(missing, 0);
    assert_int_equal(d, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
