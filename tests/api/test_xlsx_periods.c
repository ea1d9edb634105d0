/*
 * The report workbook (--layout report) reads periods as the indicators
 * profile does (convp_period_parse, the parser conv-check uses): the
 * profile's periods are dated columns in chronological order; any other
 * text, 2021-6M included, is a period of another form, shown as written
 * after the dated ones, with no change computed against a year before.
 */
#include "xlsx_check.h"

#define TNR "font=Times New Roman"
#define HEADING "\tGeneral\tbold size=12.0 wrap center fill=- border\t" TNR " - - indent=0 center"

/* Six months (2020-6M, 2021-6M) beside the profile's nine months and half. */
static const char six_months[] =
    "region_code,region_name,indicator_code,indicator_name,parent_code,period,value,unit,"
    "change_pct,plan_value\n"
    "79,Tỉnh Bình Dương,01,Tổng,,2021-6M,700,tỷ đồng,,\n"
    "79,Tỉnh Bình Dương,01,Tổng,,2020-6M,500,tỷ đồng,,\n"
    "79,Tỉnh Bình Dương,01,Tổng,,2021-9M,900,tỷ đồng,,\n"
    "79,Tỉnh Bình Dương,01,Tổng,,2021-H1,600,tỷ đồng,,\n"
    "79,Tỉnh Bình Dương,01,Tổng,,2020-9M,800,tỷ đồng,,\n";

/* 2021-6M is no period of the profile's: the report shows it as written,
 * after the profile's periods (which keep their order and headings), and
 * computes no change for it; conv-check refuses the same records. */
static void test_six_months_refused(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *csv = tu_path(dir, "in.csv"), *xlsx = tu_path(dir, "r.xlsx");
    tu_write_file(csv, six_months, strlen(six_months));
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0,
                ARGV(csv, "--layout", "report", "--created", CREATED, "-o", xlsx));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    free(csv);
    char *out = readback(xlsx, ARGV("--styles", "--details"));
    static const char *const heads[] = {"9 tháng 2020", "6 tháng đầu năm 2021", "9 tháng 2021",
                                        "2021-6M", "2020-6M"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        char line[256];
        snprintf(line, sizeof line, "cell\t1\t%c8\ts\t\"%s\"" HEADING, 'D' + (int)i, heads[i]);
        expect_line(out, line);
    }
    /* one change column, for 2021-9M against 2020-9M; none for 2021-6M */
    expect_line(out, "cell\t1\tI9\ts\t\"9 tháng 2021\"" HEADING);
    expect_line(out, "cell\t1\tI11\tn\t12.5\t12.5\t#,##0.0\t- size=12.0 - center fill=- "
                     "border\t" TNR " - - indent=0 -");
    expect_line(out, "cell\t1\tG11\tn\t700\t700\t#,##0\t- size=12.0 - center fill=- border\t" TNR
                     " - - indent=0 -");
    expect_no(out, "\ncell\t1\tJ9\t");
    expect_no(out, "tháng 6/2021");
    expect_no(out, "\"6 tháng 2021\"");
    free(out);

    /* conv-check: the same two periods are errors of the rule "period" */
    tu_run_tool(&r, "conv-check", six_months, strlen(six_months), ARGV("-"));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "-:2: error: period: record 1 (period): period '2021-6M' is "
                                  "not a year, quarter, half, nine months or month"));
    assert_non_null(strstr(r.out, "-:3: error: period: record 2 (period): period '2020-6M'"));
    assert_null(strstr(r.out, "'2021-9M'"));
    assert_null(strstr(r.out, "'2021-H1'"));
    tu_run_free(&r);
    free(xlsx);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_six_months_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
