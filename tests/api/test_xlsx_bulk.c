/*
 * XLSX writer tests on bulk data, apart because they take a while: Excel's
 * real row limit (1,048,577 records make a second sheet) and 100,000
 * records from bench-gen read back by openpyxl and compared with the input
 * cell by cell.  tests/unit/test_xlsx_write.c has the rest.
 */
#include "xlsx_check.h"

/* The real limit: 1,048,577 records make a second sheet with the last one. */
static void test_million_rows(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *csv = tu_path(dir, "in.csv"), *xlsx = tu_path(dir, "out.xlsx");
    FILE *fp = fopen(csv, "w");
    assert_non_null(fp);
    fputs("n\n", fp);
    for (long i = 1; i <= 1048577; i++)
        fprintf(fp, "%ld\n", i);
    fclose(fp);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "plain", "1");
    struct conv_error err = {0};
    if (conv_convert(ctx, csv, xlsx, o, NULL, &err) != CONV_OK)
        fail_msg("%s", err.message);
    char *out = readback(xlsx, ARGV("--values", "--sheet=2"));
    expect_line(out, "sheet\t1\tDữ liệu\tvisible\tA1:A1048576");
    expect_line(out, "sheet\t2\tDữ liệu (2)\tvisible\tA1:A3");
    expect_line(out, "cell\t2\tA1\ts\t\"n\"\tGeneral");
    /* the header and 1,048,575 records on the first sheet */
    expect_line(out, "cell\t2\tA2\tn\t1048576\t1,048,576\t#,##0");
    expect_line(out, "cell\t2\tA3\tn\t1048577\t1,048,577\t#,##0");
    free(out);
    conv_options_free(o);
    conv_context_free(ctx);
    tu_rmtree(dir);
    free(dir);
    free(csv);
    free(xlsx);
}

/* 100,000 generated records (bench-gen), cell by cell. */
static void test_generated(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *csv = tu_path(dir, "gen.csv"), *xlsx = tu_path(dir, "gen.xlsx");
    const char *bindir = getenv("CONV_BIN");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/bench-gen' 100000 > '%s'",
             bindir ? bindir : CONV_BINARY_DIR "/bin", csv);
    assert_int_equal(system(cmd), 0);
    check_cells(csv, NULL, ARGV("--values"), xlsx);
    tu_rmtree(dir);
    free(dir);
    free(csv);
    free(xlsx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_million_rows),
        cmocka_unit_test(test_generated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
