/*
 * conv-info: the facts of the samples in each format (format, delimiter,
 * sheets, record count, fields and their types, checks), JSON output,
 * the first problems of a bad file, and the exit codes.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_in(const char *out, const char *want)
{
    if (!strstr(out, want))
        fail_msg("missing '%s' in:\n%s", want, out);
}

static void test_samples(void **state)
{
    (void)state;
    char *csv = tu_src("samples/indicators.csv");
    struct tu_run r;
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV(csv));
    assert_int_equal(r.status, 0);
    expect_in(r.out, "format: csv (");
    expect_in(r.out, "delimiter: ,\n");
    expect_in(r.out, "records: 12\n");
    expect_in(r.out, "fields: 13\n");
    expect_in(r.out, "  value           decimal     0 empty\n");
    expect_in(r.out, "  indicator_code  string      0 empty\n");
    expect_in(r.out, "  plan_value      empty       12 empty\n");
    expect_in(r.out, "indicator checks: 0 errors, 0 warnings\n");
    tu_run_free(&r);

    char *xlsx = tu_src("samples/indicators.xlsx");
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV(xlsx));
    assert_int_equal(r.status, 0);
    expect_in(r.out, "format: xlsx (");
    expect_in(r.out, "sheets: 1: Dữ liệu\n");
    expect_in(r.out, "records: 12\n");
    tu_run_free(&r);

    /* Several files as one JSON array; standard input by '-'. */
    size_t len;
    char *text = tu_read_file(csv, &len);
    char *xml = tu_src("samples/indicators.xml");
    tu_run_tool(&r, "conv-info", text, len, ARGV("--format", "json", "-", xml));
    assert_int_equal(r.status, 0);
    assert_true(r.out[0] == '[');
    expect_in(r.out, "{\"file\": \"-\", \"format\": \"csv\",");
    expect_in(r.out, "\"delimiter\": \",\"");
    expect_in(r.out, "{\"file\": \"");
    expect_in(r.out, "\"format\": \"xml\"");
    expect_in(r.out, "\"records\": 12, \"complete\": true");
    expect_in(r.out, "{\"name\": \"value\", \"type\": \"decimal\", \"empty\": 0}");
    expect_in(r.out, "\"checked\": true, \"errors\": 0, \"warnings\": 0");
    tu_run_free(&r);
    free(text);
    free(xml);
    free(xlsx);
    free(csv);
}

/* What the reader found out: encoding, byte-order mark, delimiter, locale
 * and its signal, the header row under title rows. */
static void test_vietnamese_samples(void **state)
{
    (void)state;
    char *cp = tu_src("samples/vi/indicators-cp1258.csv");
    struct tu_run r;
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV("--encoding", "cp1258", cp));
    assert_int_equal(r.status, 0);
    expect_in(r.out, "encoding: CP1258\n");
    expect_in(r.out, "delimiter: ;\n");
    expect_in(r.out, "locale: vi (';' delimiter with decimal commas (line 2))\n");
    expect_in(r.out, "  value           decimal     0 empty\n");
    expect_in(r.out, "indicator checks: 0 errors, 0 warnings\n");
    tu_run_free(&r);
    char *bom = tu_src("samples/vi/indicators-excel-vi.csv");
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV(bom));
    expect_in(r.out, "encoding: UTF-8, byte-order mark UTF-8\n");
    tu_run_free(&r);
    char *title = tu_src("samples/vi/indicators-title-rows.csv");
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV("--format", "json", title));
    expect_in(r.out, "\"header_row\": 3");
    expect_in(r.out, "\"locale\": \"vi\"");
    expect_in(r.out, "\"records\": 12, \"complete\": true");
    tu_run_free(&r);
    free(cp);
    free(bom);
    free(title);
}

static void test_problems(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *bad = tu_path(dir, "bad.csv");
    static const char doc[] = "region_code,indicator_code,period,value,unit\n"
                              "165,01,2021,abc,tấn\n"
                              "165,01,2021,2,tấn\n"
                              "165,01,2021,2,tấn\n";
    tu_write_file(bad, doc, sizeof doc - 1);
    struct tu_run r;
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV("--max-problems", "1", bad));
    assert_int_equal(r.status, 0);
    expect_in(r.out, "records: 3\n");
    expect_in(r.out, "  value           string      0 empty\n");
    expect_in(r.out, "indicator checks: 2 errors, 0 warnings\n");
    expect_in(r.out, "  line 2: error: type: field 'value': 'abc' is not a number\n");
    assert_null(strstr(r.out, "duplicate")); /* listed only up to --max-problems */
    tu_run_free(&r);
    /* A row that stops the reading: exit 1, the error with its line. */
    char *ragged = tu_path(dir, "ragged.csv");
    static const char rdoc[] = "a,b\n1,2\n3,4,5\n";
    tu_write_file(ragged, rdoc, sizeof rdoc - 1);
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV(ragged));
    assert_int_equal(r.status, 1);
    expect_in(r.out, "(reading stopped at an error)\n");
    expect_in(r.out, "ragged.csv:3:");
    tu_run_free(&r);
    free(ragged);
    /* --check no: no checks. */
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV("--check", "no", bad));
    assert_null(strstr(r.out, "indicator checks"));
    tu_run_free(&r);
    /* Usage and I/O. */
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV("--check", "maybe", bad));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV("--format", "text"));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    char *missing = tu_path(dir, "missing.csv");
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV(missing));
    assert_int_equal(r.status, 3);
    expect_in(r.err, "missing.csv");
    tu_run_free(&r);
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV("--help"));
    assert_int_equal(r.status, 0);
    expect_in(r.out, "--max-problems N");
    tu_run_free(&r);
    free(missing);
    free(bad);
    tu_rmtree(dir);
    free(dir);
}

/* A workbook whose header cannot be read still tells its format and
 * sheets, then the error; Vietnamese names line up by their width on a
 * terminal, whatever their bytes. */
static void test_unreadable_workbook(void **state)
{
    (void)state;
    char *dir = tu_tempdir(), *csv = tu_path(dir, "in.csv"), *xlsx = tu_path(dir, "dup.xlsx");
    tu_write_file(csv, "Tỉnh,Tỉnh\nHà Nội,01\n", strlen("Tỉnh,Tỉnh\nHà Nội,01\n"));
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, ARGV(csv, "--duplicate-names", "rename", "-o", xlsx));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV(xlsx));
    assert_int_equal(r.status, 0);
    expect_in(r.out, "  Tỉnh    string      0 empty\n"); /* 4 characters, padded to 6 */
    expect_in(r.out, "  Tỉnh_2  string      0 empty\n");
    tu_run_free(&r);
    char *bad = tu_src("tests/data/sheet/styles.xlsx");
    tu_run_tool(&r, "conv-info", NULL, 0, ARGV(bad, "--sheet", "Bảng 1", "--header-row", "2"));
    assert_int_equal(r.status, 1);
    expect_in(r.out, "format: xlsx (");
    expect_in(r.out, "sheets: 2: Bảng 1, Cũ\n");
    expect_in(r.out, "error: ");
    expect_in(r.out, "a value outside the header's columns");
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(csv);
    free(xlsx);
    free(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unreadable_workbook),
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_vietnamese_samples),
        cmocka_unit_test(test_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
