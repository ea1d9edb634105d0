/*
 * The report workbook (--layout report): each workbook is read back by the
 * independent reader (tests/xlsx_readback.py, openpyxl) and checked for the
 * heading (issuing body, motto, place and date), the title and unit line,
 * Times New Roman throughout, merged ranges, the indicator hierarchy (order,
 * numbers, indents, bold totals), period columns in chronological order
 * with their headings, values and number formats, given and computed
 * changes, plan columns, the signature block, the print setup, a sheet per
 * region, the options and their misuse, the limits and the errors (nothing
 * written), the tool, and the committed sample.
 */
#include "xlsx_check.h"

#define SAMPLE_TITLE "Chỉ tiêu kinh tế - xã hội thành phố Sông Công năm 2020-2021"
#define TNR "font=Times New Roman"

#define HEAD                                                                                       \
    "region_code,region_name,indicator_code,indicator_name,parent_code,period,value,"              \
    "unit,change_pct,plan_value\n"

/* Write csv to DIR/in.csv and convert it with opts ("name=value") to
 * DIR/out.xlsx; returns the status, *err filled. */
static int convert(const char *dir, const char *csv, const char *const *opts,
                   struct conv_error *err)
{
    char *in = tu_path(dir, "in.csv"), *out = tu_path(dir, "out.xlsx");
    tu_write_file(in, csv, strlen(csv));
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "layout", "report");
    conv_options_set(o, "created", CREATED);
    for (size_t i = 0; opts && opts[i]; i++) {
        const char *eq = strchr(opts[i], '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - opts[i]), opts[i]);
        conv_options_set(o, name, eq + 1);
    }
    conv_error_clear(err);
    int rc = conv_convert(ctx, in, out, o, NULL, err);
    conv_options_free(o);
    conv_context_free(ctx);
    free(in);
    free(out);
    return rc;
}

/* Convert and read back with --styles --details. */
static char *report(const char *csv, const char *const *opts)
{
    char *dir = tu_tempdir();
    struct conv_error err;
    if (convert(dir, csv, opts, &err) != CONV_OK)
        fail_msg("conversion failed: %s", err.message);
    char *path = tu_path(dir, "out.xlsx");
    char *out = readback(path, ARGV("--styles", "--details"));
    tu_rmtree(dir);
    free(dir);
    free(path);
    return out;
}

/* Every cell of the output is in Times New Roman. */
static void expect_all_times(const char *out)
{
    size_t cells = count_lines(out, "cell\t");
    assert_true(cells > 0);
    size_t times = 0;
    for (const char *p = out; (p = strstr(p, "\ncell\t")) != NULL; p++) {
        const char *eol = strchr(p + 1, '\n');
        const char *f = strstr(p + 1, "\t" TNR " ");
        times += f && (!eol || f < eol);
    }
    assert_int_equal(times, cells);
}

/* ---- the seed ---------------------------------------------------------------------------- */

/* The seed sample: heading, hierarchy, values, change, signature, page;
 * and the committed samples/indicators-report.xlsx is what conv makes. */
static void test_sample(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *xlsx = tu_path(dir, "r.xlsx");
    char *in = src_path("samples/indicators.csv");
    char *schema = src_path("samples/indicators.schema.json");
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "schema", schema);
    conv_options_set(o, "layout", "report");
    conv_options_set(o, "created", CREATED);
    struct conv_error err = {0};
    if (conv_convert(ctx, in, xlsx, o, NULL, &err) != CONV_OK)
        fail_msg("%s", err.message);
    conv_options_free(o);
    conv_context_free(ctx);
    char *out = readback(xlsx, ARGV("--styles", "--details"));
    expect_line(out, "props\t" SAMPLE_TITLE
                     "\tindicators.csv\tlibconv\tWritten by libconv " CONV_VERSION_STRING
                     "; a report table (--layout report)\t2022-01-15T00:00:00");
    expect_line(out, "sheet\t1\tThành phố Sông Công\tvisible\tA1:F18");
    /* no field sheet; the description that reads the table back, hidden
     * (tests/api/test_report_read.c reads it) */
    expect_line(out, "sheet\t2\t_conv_report\thidden\tA1:N12");
    assert_int_equal(count_lines(out, "sheet\t"), 2);
    /* the heading */
    expect_line(out, "cell\t1\tA1\ts\t\"UBND THÀNH PHỐ SÔNG CÔNG\"\tGeneral\tbold size=12.0 - "
                     "center fill=- -\t" TNR " - - indent=0 center");
    expect_line(out, "merged\t1\tA1:B1");
    assert_non_null(strstr(out, "\ncell\t1\tA2\ts\t\"──"));
    expect_line(out, "cell\t1\tC1\ts\t\"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\"\tGeneral\tbold "
                     "size=12.0 - center fill=- -\t" TNR " - - indent=0 center");
    expect_line(out, "merged\t1\tC1:F1");
    expect_line(out, "cell\t1\tC2\ts\t\"Độc lập - Tự do - Hạnh phúc\"\tGeneral\tbold size=12.0 - "
                     "center fill=- -\t" TNR " - underline indent=0 center");
    expect_line(out, "merged\t1\tC2:F2");
    expect_line(out, "cell\t1\tC3\ts\t\"Sông Công, ngày 15 tháng 01 năm 2022\"\tGeneral\t- "
                     "size=12.0 - center fill=- -\t" TNR " italic - indent=0 center");
    expect_line(out, "cell\t1\tA5\ts\t\"" SAMPLE_TITLE "\"\tGeneral\tbold size=14.0 wrap center "
                     "fill=- -\t" TNR " - - indent=0 center");
    expect_line(out, "merged\t1\tA5:F5");
    expect_no(out, "Đơn vị tính: "); /* two units: no unit line */
    /* the table's header */
    static const char *const heads[] = {"A7\ts\t\"STT\"",         "B7\ts\t\"Chỉ tiêu\"",
                                        "C7\ts\t\"Đơn vị tính\"", "D7\ts\t\"Năm 2020\"",
                                        "E7\ts\t\"Năm 2021\"",    "F7\ts\t\"Tăng/giảm so với cùng kỳ (%)\"",
                                        "F8\ts\t\"Năm 2021\""};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "cell\t1\t%s\tGeneral\tbold size=12.0 wrap center fill=- border\t" TNR
                 " - - indent=0 center",
                 heads[i]);
        expect_line(out, line);
    }
    static const char *const merged[] = {"A7:A8", "B7:B8", "C7:C8", "D7:D8", "E7:E8"};
    for (size_t i = 0; i < 5; i++) {
        char line[64];
        snprintf(line, sizeof line, "merged\t1\t%s", merged[i]);
        expect_line(out, line);
    }
    expect_line(out, "cell\t1\tB9\ts\t\"B\"\tGeneral\t- size=12.0 - center fill=- border\t" TNR
                     " italic - indent=0 center");
    expect_line(out, "cell\t1\tF9\ts\t\"3\"\tGeneral\t- size=12.0 - center fill=- border\t" TNR
                     " italic - indent=0 center");
    /* the rows: the total, bold, then its components indented */
    expect_line(out, "cell\t1\tA10\ts\t\"1\"\tGeneral\tbold size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 center");
    expect_line(out, "cell\t1\tB10\ts\t\"Tổng giá trị sản xuất trên địa bàn\"\tGeneral\tbold "
                     "size=12.0 wrap center fill=- border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tD10\tn\t11263\t11,263\t#,##0\tbold size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tE10\tn\t13090\t13,090\t#,##0\tbold size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tF10\tn\t16.5\t16.5\t#,##0.0\tbold size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    static const char *const order[][3] = {{"1.1", "Công nghiệp và xây dựng", "1"},
                                           {"1.2", "Thương mại, dịch vụ", "1"},
                                           {"1.3", "Nông, lâm nghiệp và thủy sản", "1"},
                                           {"2", "Giá trị xuất khẩu trên địa bàn", "0"},
                                           {"3", "Thu ngân sách Nhà nước", "0"}};
    for (size_t i = 0; i < 5; i++) {
        char line[512];
        snprintf(line, sizeof line,
                 "cell\t1\tA%zu\ts\t\"%s\"\tGeneral\t- size=12.0 - center fill=- border\t" TNR
                 " - - indent=0 center",
                 11 + i, order[i][0]);
        expect_line(out, line);
        snprintf(line, sizeof line,
                 "cell\t1\tB%zu\ts\t\"%s\"\tGeneral\t- size=12.0 wrap center fill=- border\t" TNR
                 " - - indent=%s %s",
                 11 + i, order[i][1], order[i][2], order[i][2][0] == '1' ? "left" : "-");
        expect_line(out, line);
    }
    expect_line(out, "cell\t1\tC14\ts\t\"triệu USD\"\tGeneral\t- size=12.0 wrap center fill=- "
                     "border\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tD15\tn\t442.1\t442.1\t#,##0.0\t- size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tE12\tn\t1088\t1,088\t#,##0\t- size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 -");
    /* the change as given, with its own digits */
    expect_line(out, "cell\t1\tF15\tn\t25\t25\t#,##0\t- size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 -");
    expect_line(out, "cell\t1\tF13\tn\t5.4\t5.4\t#,##0.0\t- size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 -");
    /* the signature block */
    expect_line(out, "cell\t1\tC17\ts\t\"THỦ TRƯỞNG ĐƠN VỊ\"\tGeneral\tbold size=12.0 - center "
                     "fill=- -\t" TNR " - - indent=0 center");
    expect_line(out, "merged\t1\tC17:F17");
    expect_line(out, "cell\t1\tC18\ts\t\"(Ký, ghi rõ họ tên, đóng dấu)\"\tGeneral\t- size=12.0 - "
                     "center fill=- -\t" TNR " italic - indent=0 center");
    expect_no(out, "Nơi nhận");
    /* the page */
    expect_line(out, "print\t1\tlandscape\tpaper=9\tfitwidth=1\tfitheight=0\trepeat=$7:$9");
    expect_line(out, "page\t1\tmargins=1.18 0.59 0.79 0.79\tcenter=True\tgridlines=False");
    expect_all_times(out);
    expect_no(out, "\nfreeze");
    expect_no(out, "\nfilter");

    /* The committed sample is what conv makes now. */
    char *committed_path = src_path("samples/indicators-report.xlsx");
    char *committed = readback(committed_path, ARGV("--styles", "--details"));
    if (strcmp(out, committed) != 0)
        fail_msg(
            "samples/indicators-report.xlsx is not what conv makes of the CSV now:\n%s\n---\n%s",
            committed, out);
    free(committed);
    free(committed_path);
    free(out);
    tu_rmtree(dir);
    free(dir);
    free(xlsx);
    free(in);
    free(schema);
}

/* ---- periods, changes, plans ------------------------------------------------------------- */

/* Periods of every kind in chronological order with their headings; the
 * change given, computed from the same period a year before, or none; a
 * plan column; a three-level hierarchy and a parent not in the table. */
static void test_periods(void **state)
{
    (void)state;
    const char *csv = HEAD "79,Tỉnh Bình Dương,01,Tổng,,2021,1234,tỷ đồng,,1300\n"
                           "79,Tỉnh Bình Dương,01,Tổng,,2020,1000,tỷ đồng,,\n"
                           "79,Tỉnh Bình Dương,01,Tổng,,2021-Q3,230,tỷ đồng,,\n"
                           "79,Tỉnh Bình Dương,01,Tổng,,2020-Q3,200,tỷ đồng,,\n"
                           "79,Tỉnh Bình Dương,01,Tổng,,2021-06,80.5,tỷ đồng,7.25,\n"
                           "79,Tỉnh Bình Dương,01,Tổng,,2021-H1,600,tỷ đồng,,\n"
                           "79,Tỉnh Bình Dương,01,Tổng,,2021-9M,900,tỷ đồng,,\n"
                           "79,Tỉnh Bình Dương,0101,Con,01,2021,500,tỷ đồng,,\n"
                           "79,Tỉnh Bình Dương,010101,Cháu,0101,2021,200,tỷ đồng,,\n"
                           "79,Tỉnh Bình Dương,0101,Con,01,2020,0,tỷ đồng,,\n"
                           "79,Tỉnh Bình Dương,09,Mồ côi,99,2021,3,tỷ đồng,,\n";
    char *out = report(csv, NULL);
    expect_line(out, "sheet\t1\tTỉnh Bình Dương\tvisible\tA1:N17");
    /* chronological: year, the month a period ends, then its span */
    static const char *const heads[] = {
        "Quý III/2020", "Năm 2020",     "Tháng 6/2021", "6 tháng đầu năm 2021",
        "Quý III/2021", "9 tháng 2021", "Năm 2021"};
    for (size_t i = 0; i < 7; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "cell\t1\t%c8\ts\t\"%s\"\tGeneral\tbold size=12.0 wrap center fill=- border\t" TNR
                 " - - indent=0 center",
                 'D' + (int)i, heads[i]);
        expect_line(out, line);
    }
    /* changes: for June (given), Q3 2021 and 2021 (computed) */
    expect_line(out, "merged\t1\tK8:M8");
    expect_line(out, "cell\t1\tK8\ts\t\"Tăng/giảm so với cùng kỳ (%)\"\tGeneral\tbold size=12.0 wrap "
                     "center fill=- border\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tK9\ts\t\"Tháng 6/2021\"\tGeneral\tbold size=12.0 wrap center "
                     "fill=- border\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tL9\ts\t\"Quý III/2021\"\tGeneral\tbold size=12.0 wrap center "
                     "fill=- border\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tM9\ts\t\"Năm 2021\"\tGeneral\tbold size=12.0 wrap center "
                     "fill=- border\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tN8\ts\t\"Kế hoạch\"\tGeneral\tbold size=12.0 wrap center "
                     "fill=- border\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tN9\ts\t\"Năm 2021\"\tGeneral\tbold size=12.0 wrap center "
                     "fill=- border\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tN10\ts\t\"11\"\tGeneral\t- size=12.0 - center fill=- border\t" TNR
                     " italic - indent=0 center");
    /* the total's row */
    expect_line(out, "cell\t1\tD11\tn\t200\t200\t#,##0\tbold size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 -");
    expect_line(out, "cell\t1\tF11\tn\t80.5\t80.5\t#,##0.0\tbold size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tK11\tn\t7.25\t7.25\t#,##0.00\tbold size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tL11\tn\t15\t15.0\t#,##0.0\tbold size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tM11\tn\t23.4\t23.4\t#,##0.0\tbold size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tN11\tn\t1300\t1,300\t#,##0\tbold size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    /* a component: no change from 0, empty bordered cells where no value */
    expect_line(out,
                "cell\t1\tA12\ts\t\"1.1\"\tGeneral\tbold size=12.0 - center fill=- border\t" TNR
                " - - indent=0 center");
    expect_line(out, "cell\t1\tB12\ts\t\"Con\"\tGeneral\tbold size=12.0 wrap center fill=- "
                     "border\t" TNR " - - indent=1 left");
    expect_line(out, "cell\t1\tE12\tn\t0\t0\t#,##0\tbold size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 -");
    expect_no(out, "\ncell\t1\tM12\t");
    expect_no(out, "\ncell\t1\tD12\t");
    /* the third level */
    expect_line(out, "cell\t1\tA13\ts\t\"1.1.1\"\tGeneral\t- size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 center");
    expect_line(out,
                "cell\t1\tB13\ts\t\"Cháu\"\tGeneral\t- size=12.0 wrap center fill=- border\t" TNR
                " - - indent=2 left");
    /* a parent that is not in the table: a first level */
    expect_line(out, "cell\t1\tA14\ts\t\"2\"\tGeneral\t- size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 center");
    expect_line(out, "cell\t1\tB14\ts\t\"Mồ côi\"\tGeneral\t- size=12.0 wrap center fill=- "
                     "border\t" TNR " - - indent=0 -");
    /* one unit: the unit line under the title; the default place */
    expect_line(out, "cell\t1\tA6\ts\t\"Đơn vị tính: tỷ đồng\"\tGeneral\t- size=12.0 - center "
                     "fill=- -\t" TNR " italic - indent=0 center");
    expect_line(out, "cell\t1\tC3\ts\t\"Bình Dương, ngày 15 tháng 01 năm 2022\"\tGeneral\t- "
                     "size=12.0 - center fill=- -\t" TNR " italic - indent=0 center");
    expect_line(out, "cell\t1\tA1\ts\t\"UBND TỈNH BÌNH DƯƠNG\"\tGeneral\tbold size=12.0 - center "
                     "fill=- -\t" TNR " - - indent=0 center");
    /* the title is the input's name (no schema, no --title) */
    expect_line(out,
                "cell\t1\tA5\ts\t\"in.csv\"\tGeneral\tbold size=14.0 wrap center fill=- -\t" TNR
                " - - indent=0 center");
    expect_line(out, "print\t1\tlandscape\tpaper=9\tfitwidth=1\tfitheight=0\trepeat=$8:$10");
    expect_all_times(out);
    free(out);
}

/* ---- options and sheets ------------------------------------------------------------------- */

/* Several regions: a sheet each, named and headed by its own region; the
 * issuer, place, signer, signer's title, recipients and title options. */
static void test_regions_and_options(void **state)
{
    (void)state;
    const char *csv = HEAD "165,Thành phố Sông Công,01,Giá trị sản xuất,,2021,13090,tỷ đồng,16.5,\n"
                           "164,Thành phố Thái Nguyên,01,Giá trị sản xuất,,2021,50000,tỷ đồng,10,\n"
                           "165,Thành phố Sông Công,02,Dân số,,2021,75000,người,,\n";
    char *out = report(csv, NULL);
    expect_line(out, "sheet\t1\tThành phố Sông Công\tvisible\tA1:E14");
    expect_line(out, "sheet\t2\tThành phố Thái Nguyên\tvisible\tA1:E14");
    expect_line(out, "cell\t1\tA1\ts\t\"UBND THÀNH PHỐ SÔNG CÔNG\"\tGeneral\tbold size=12.0 - "
                     "center fill=- -\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t2\tA1\ts\t\"UBND THÀNH PHỐ THÁI NGUYÊN\"\tGeneral\tbold size=12.0 - "
                     "center fill=- -\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t2\tC3\ts\t\"Thái Nguyên, ngày 15 tháng 01 năm 2022\"\tGeneral\t- "
                     "size=12.0 - center fill=- -\t" TNR " italic - indent=0 center");
    expect_line(out,
                "cell\t1\tD10\tn\t13090\t13,090\t#,##0\t- size=12.0 - center fill=- border\t" TNR
                " - - indent=0 -");
    expect_line(out,
                "cell\t1\tD11\tn\t75000\t75,000\t#,##0\t- size=12.0 - center fill=- border\t" TNR
                " - - indent=0 -");
    expect_line(out,
                "cell\t2\tD11\tn\t50000\t50,000\t#,##0\t- size=12.0 - center fill=- border\t" TNR
                " - - indent=0 -");
    expect_line(out, "print\t2\tlandscape\tpaper=9\tfitwidth=1\tfitheight=0\trepeat=$8:$10");
    free(out);

    out = report(csv, ARGV("issuer=UBND tỉnh Thái Nguyên|Cục Thống kê", "place=Thái Nguyên",
                           "signer=Nguyễn Văn A", "signer-title=Cục trưởng",
                           "recipients=UBND tỉnh;|- Lưu: VT.", "title=Báo cáo nhanh"));
    /* upper bodies in capitals, the issuing body bold too */
    expect_line(out, "cell\t1\tA1\ts\t\"UBND TỈNH THÁI NGUYÊN\"\tGeneral\t- size=12.0 - center "
                     "fill=- -\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tA2\ts\t\"CỤC THỐNG KÊ\"\tGeneral\tbold size=12.0 - center fill=- "
                     "-\t" TNR " - - indent=0 center");
    assert_non_null(strstr(out, "\ncell\t1\tA3\ts\t\"──"));
    expect_line(out, "cell\t2\tA2\ts\t\"CỤC THỐNG KÊ\"\tGeneral\tbold size=12.0 - center fill=- "
                     "-\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tC4\ts\t\"Thái Nguyên, ngày 15 tháng 01 năm 2022\"\tGeneral\t- "
                     "size=12.0 - center fill=- -\t" TNR " italic - indent=0 center");
    expect_line(out, "cell\t1\tA6\ts\t\"Báo cáo nhanh\"\tGeneral\tbold size=14.0 wrap center "
                     "fill=- -\t" TNR " - - indent=0 center");
    /* the signature block */
    expect_line(out, "cell\t1\tA14\ts\t\"Nơi nhận:\"\tGeneral\tbold size=12.0 - center fill=- "
                     "-\t" TNR " italic - indent=0 -");
    expect_line(out, "cell\t1\tA15\ts\t\"- UBND tỉnh;\"\tGeneral\t- size=11.0 - center fill=- "
                     "-\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tA16\ts\t\"- Lưu: VT.\"\tGeneral\t- size=11.0 - center fill=- "
                     "-\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tC14\ts\t\"CỤC TRƯỞNG\"\tGeneral\tbold size=12.0 - center fill=- "
                     "-\t" TNR " - - indent=0 center");
    expect_line(out, "cell\t1\tC15\ts\t\"(Ký, ghi rõ họ tên, đóng dấu)\"\tGeneral\t- size=12.0 - "
                     "center fill=- -\t" TNR " italic - indent=0 center");
    expect_line(out, "cell\t1\tC20\ts\t\"Nguyễn Văn A\"\tGeneral\tbold size=12.0 - center fill=- "
                     "-\t" TNR " - - indent=0 center");
    expect_line(out, "merged\t1\tC20:E20");
    free(out);

    /* No region at all: one sheet, no issuer, the date alone. */
    out = report("indicator_code,period,value\n01,2021,5\n", NULL);
    expect_line(out, "sheet\t1\tBáo cáo\tvisible\tA1:D13");
    expect_no(out, "\ncell\t1\tA1\t");
    expect_line(out, "cell\t1\tC3\ts\t\"Ngày 15 tháng 01 năm 2022\"\tGeneral\t- size=12.0 - "
                     "center fill=- -\t" TNR " italic - indent=0 center");
    free(out);
}

/* The layout option and the report's options elsewhere. */
static void test_option_errors(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    static const char *const bad[][4] = {
        {"layout", "fancy", NULL, NULL},         {"layout", "report", "plain", "yes"},
        {"layout", "people", "plain", "yes"},    {"layout", "report", "sheet-by", "region_code"},
        {"issuer", "UBND", NULL, NULL},          {"layout", "plain", "signer", "A"},
        {"layout", "people", "recipients", "A"}, {"layout", "report", "issuer", "\xff"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct conv_options *o = conv_options_new(ctx);
        conv_options_set(o, "to", "xlsx");
        conv_options_set(o, bad[i][0], bad[i][1]);
        if (bad[i][2])
            conv_options_set(o, bad[i][2], bad[i][3]);
        struct conv_error err = {0};
        struct conv_writer *w = conv_writer_open_memory(ctx, NULL, o, &err);
        if (w)
            fail_msg("options %s=%s %s were taken", bad[i][0], bad[i][1],
                     bad[i][2] ? bad[i][2] : "");
        assert_int_equal(err.code, CONV_E_USAGE);
        conv_options_free(o);
    }
    /* layout plain is --plain; --plain with layout plain is fine */
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "to", "xlsx");
    conv_options_set(o, "layout", "plain");
    conv_options_set(o, "plain", "yes");
    struct conv_error err = {0};
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, o, &err);
    assert_non_null(w);
    conv_writer_close(w);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* ---- errors -------------------------------------------------------------------------------- */

/* Each error: its code and message, and nothing written. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *csv;
        const char *opt;
        enum conv_errcode code;
        const char *msg;
        uint64_t line;
    } cases[] = {
        {HEAD "165,A,01,X,,2021,5,tỷ đồng,,\n165,A,02,Y,,2021,,tỷ đồng,,\n", NULL, CONV_E_SCHEMA,
         "record 2 has no value, which the report needs", 3},
        {HEAD "165,A,,X,,2021,5,tỷ đồng,,\n", NULL, CONV_E_SCHEMA,
         "record 1 has no indicator_code, which the report needs", 2},
        {HEAD "165,A,01,X,,,5,tỷ đồng,,\n", NULL, CONV_E_SCHEMA,
         "record 1 has no period, which the report needs", 2},
        {"region_code,period,value\n165,2021,5\n", NULL, CONV_E_SCHEMA,
         "the report needs the fields indicator_code, period and value (the indicators "
         "profile); the input has no indicator_code",
         0},
        {HEAD "165,A,01,X,,2021,5,tỷ đồng,,\n165,A,01,X,,2021,6,tỷ đồng,,\n", NULL,
         CONV_E_STRUCTURE,
         "record 2: a second value of indicator '01', period '2021', region 165 (a report table "
         "has one)",
         3},
        {"indicator_code,period,value\n01,2021,5\n01,2020,nhiều\n", NULL, CONV_E_TYPE,
         "record 2: value 'nhiều' is not a number; the report needs one", 3},
        {HEAD "1,A,01,X,,2021,1,t,,\n1,A,01,X,,2020,1,t,,\n1,A,02,X,,2021,1,t,,\n"
              "1,A,02,X,,2020,1,t,,\n",
         "xlsx-test-report-max=3", CONV_E_LIMIT,
         "record 4: the report holds at most 3 records (a report is a summary table); write the "
         "records with --layout people",
         5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = tu_tempdir();
        struct conv_error err;
        int rc = convert(dir, cases[i].csv, cases[i].opt ? ARGV(cases[i].opt) : NULL, &err);
        if (rc != CONV_ERR || err.code != cases[i].code || strcmp(err.message, cases[i].msg))
            fail_msg("case %zu: rc %d, code %d: %s", i, rc, err.code, err.message);
        if (cases[i].line)
            assert_int_equal(err.line, cases[i].line);
        assert_int_equal(tu_count_entries(dir), 1); /* in.csv: no output, no temporary */
        tu_rmtree(dir);
        free(dir);
    }
}

/* The limits: periods as columns past Excel's 16,384, regions, levels. */
static void test_limits(void **state)
{
    (void)state;
    struct tu_sbuf csv = {0};
    tu_sb_str(&csv, "indicator_code,period,value\n");
    for (int i = 0; i < 16400; i++) {
        char line[64];
        snprintf(line, sizeof line, "01,P%d,1\n", i);
        tu_sb_str(&csv, line);
    }
    char *dir = tu_tempdir();
    struct conv_error err;
    assert_int_equal(convert(dir, csv.p, NULL, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_LIMIT);
    assert_non_null(strstr(err.message, "16403 columns (16400 periods)"));
    assert_int_equal(tu_count_entries(dir), 1);

    /* More than 1000 regions (a sheet each). */
    csv.n = 0;
    tu_sb_str(&csv, "region_code,indicator_code,period,value\n");
    for (int i = 0; i < 1001; i++) {
        char line[64];
        snprintf(line, sizeof line, "%d,01,2021,1\n", i);
        tu_sb_str(&csv, line);
    }
    assert_int_equal(convert(dir, csv.p, NULL, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_LIMIT);
    assert_string_equal(err.message, "record 1001: more than 1000 regions, a sheet each; write "
                                     "the records with --layout people");
    assert_int_equal(err.line, 1002);
    assert_int_equal(tu_count_entries(dir), 1);

    /* A hierarchy deeper than 16 levels. */
    csv.n = 0;
    tu_sb_str(&csv, "indicator_code,parent_code,period,value\n");
    for (int i = 0; i < 17; i++) {
        char line[64];
        snprintf(line, sizeof line, "c%d,c%d,2021,1\n", i, i - 1);
        tu_sb_str(&csv, line);
    }
    assert_int_equal(convert(dir, csv.p, NULL, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_LIMIT);
    assert_non_null(strstr(err.message, "indicator 'c16' is more than 15 levels below"));
    assert_int_equal(tu_count_entries(dir), 1);
    tu_rmtree(dir);
    free(dir);
    free(csv.p);
}

/* ---- allocation failures ------------------------------------------------------------------ */

struct chaos {
    long calls, fail_at, live;
    int persistent;
};

static int chaos_refuse(struct chaos *c)
{
    c->calls++;
    return c->fail_at && (c->calls == c->fail_at || (c->persistent && c->calls > c->fail_at));
}

static void *chaos_malloc(void *user, size_t size)
{
    struct chaos *c = user;
    void *p = chaos_refuse(c) ? NULL : malloc(size);
    c->live += p != NULL;
    return p;
}

static void *chaos_realloc(void *user, void *ptr, size_t size)
{
    struct chaos *c = user;
    void *p = chaos_refuse(c) ? NULL : realloc(ptr, size);
    c->live += p && !ptr;
    return p;
}

static void chaos_free(void *user, void *ptr)
{
    struct chaos *c = user;
    c->live -= ptr != NULL;
    free(ptr);
}

/*
 * The seed plus a second region, with every option, into memory with the
 * k-th allocation of the context failing (once or for good): a clean
 * out-of-memory error with every block freed, or the same workbook as
 * without failures.  Returns 1 when the run needed fewer than k.
 */
static int chaos_run(const char *in, long k, int persistent, struct tu_sbuf *want)
{
    struct chaos c = {0};
    struct conv_allocator a = {chaos_malloc, chaos_realloc, chaos_free, &c};
    struct conv_context *ctx = conv_context_new(&a);
    assert_non_null(ctx);
    struct conv_options *o = conv_options_new(ctx);
    static const char *const opts[][2] = {{"to", "xlsx"},
                                          {"layout", "report"},
                                          {"created", CREATED},
                                          {"signer", "Tôi"},
                                          {"recipients", "Như trên|Lưu"},
                                          {"issuer", "Cục|Chi cục"},
                                          {"signer-title", "Cục trưởng"}};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        assert_int_equal(conv_options_set(o, opts[i][0], opts[i][1]), CONV_OK);
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_file(ctx, in, NULL, &err);
    assert_non_null(rd);
    c.calls = 0;
    c.fail_at = k;
    c.persistent = persistent;
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, o, &err);
    int ok = w != NULL;
    const struct conv_record *rec;
    while (ok && conv_reader_next(rd, &rec) == CONV_OK)
        ok = conv_writer_put(w, rec) == CONV_OK;
    ok = ok && conv_reader_error(rd)->code == CONV_E_NONE && conv_writer_finish(w) == CONV_OK;
    long used = c.calls;
    c.fail_at = 0;
    if (ok) {
        size_t len;
        const void *mem = conv_writer_memory(w, &len);
        if (!want->p)
            tu_sb_add(want, mem, len);
        else if (len != want->n || memcmp(mem, want->p, len))
            fail_msg("allocation %ld failing: different bytes", k);
    } else {
        const struct conv_error *e = !w                            ? &err
                                     : conv_reader_error(rd)->code ? conv_reader_error(rd)
                                                                   : conv_writer_error(w);
        if (e->code != CONV_E_NOMEM)
            fail_msg("allocation %ld failing: %s", k, e->message);
    }
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    assert_int_equal(c.live, 0);
    return used < k;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in.csv");
    const char *csv = HEAD "1,Tỉnh A,01,Tổng,,2021,10,t,,12\n1,Tỉnh A,0101,Con,01,2021,4,t,,\n"
                           "1,Tỉnh A,01,Tổng,,2020,8,t,,\n2,Tỉnh B,01,Tổng,,2021-Q3,3.5,t,1.5,\n";
    tu_write_file(in, csv, strlen(csv));
    struct tu_sbuf want = {0};
    assert_int_equal(chaos_run(in, 0, 0, &want), 0);
    char *path = tu_path(dir, "chaos.xlsx");
    tu_write_file(path, want.p, want.n);
    char *out = readback(path, NULL);
    expect_line(out, "sheet\t1\tTỉnh A\tvisible\tA1:G21");
    expect_line(out, "sheet\t2\tTỉnh B\tvisible\tA1:E20");
    expect_line(out, "cell\t1\tF12\tn\t25\t25.0\t#,##0.0");
    free(out);
    for (int persistent = 0; persistent < 2; persistent++) {
        long k = 1;
        while (!chaos_run(in, k, persistent, &want))
            k++;
        assert_true(k > 50);
    }
    tu_rmtree(dir);
    free(dir);
    free(in);
    free(path);
    free(want.p);
}

/* ---- the tool ------------------------------------------------------------------------------ */

static void test_tool(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = src_path("samples/indicators.csv");
    char *schema = src_path("samples/indicators.schema.json");
    char *xlsx = tu_path(dir, "r.xlsx");
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0,
                ARGV(in, "--schema", schema, "--layout", "report", "--created", CREATED, "--signer",
                     "Trần Thị B", "-o", xlsx));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    char *out = readback(xlsx, NULL);
    expect_line(out, "cell\t1\tC23\ts\t\"Trần Thị B\"\tGeneral");
    expect_line(out, "cell\t1\tB11\ts\t\"Công nghiệp và xây dựng\"\tGeneral");
    free(out);

    /* A record without a value: exit 1 naming it, nothing written. */
    const char *bad = "indicator_code,period,value\n01,2021,\n";
    char *none = tu_path(dir, "none.xlsx");
    tu_run_tool(&r, "conv", bad, strlen(bad),
                ARGV("--from", "csv", "--layout", "report", "-o", none));
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "conv: -:2: record 1 has no value, which the report needs\n");
    tu_run_free(&r);
    assert_int_equal(tu_exists(none), 0);
    /* A report option with the people layout: a usage error. */
    tu_run_tool(&r, "conv", bad, strlen(bad), ARGV("--from", "csv", "--signer", "A", "-o", none));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    assert_int_equal(tu_exists(none), 0);
    tu_run_tool(&r, "conv", NULL, 0, ARGV("--help"));
    assert_non_null(strstr(r.out, "--layout people|plain|report"));
    assert_non_null(strstr(r.out, "--signer-title TEXT"));
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(in);
    free(schema);
    free(xlsx);
    free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_regions_and_options),
        cmocka_unit_test(test_option_errors),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_tool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
