/*
 * What the indicators profile reads in a table made for people
 * (libconv/profile/tables.c): a column header's kind of figure, period
 * and status; a base year is no period; an index as a change, exactly;
 * regions by name, with and without accents and kinds, in the years each
 * name held.
 */
#include "testutil.h"

#include "profile/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct col_case {
    const char *label;
    enum convp_col_kind kind;
    const char *period; /* "" none, "?2024" needs the year (formatted with 2024) */
    const char *status; /* NULL none */
    const char *rest;
};

static void meaning(struct conv_context *ctx, const char *label, struct convp_col_meaning *m)
{
    struct convp_buf b;
    convp_buf_init(&b, ctx);
    const char *f;
    size_t fn;
    assert_int_equal(convp_casefold(&b, label, strlen(label), &f, &fn), 0);
    assert_non_null(f);
    convp_col_meaning(label, strlen(label), f, fn, m);
    convp_buf_free(&b);
}

static void test_column_meanings(void **state)
{
    (void)state;
    static const struct col_case cases[] = {
        {"Sơ bộ / quý III / năm / 2024", CONVP_COL_VALUE, "2024-Q3", "preliminary", ""},
        {"Ước tính / quý IV / năm / 2024", CONVP_COL_VALUE, "2024-Q4", "estimate", ""},
        {"Cộng dồn / cả năm / 2024", CONVP_COL_VALUE, "2024", NULL, ""},
        {"So với cùng kỳ năm trước (%) / Quý III / năm / 2024", CONVP_COL_CHANGE_INDEX, "2024-Q3",
         NULL, ""},
        {"Tháng 11 / năm 2024 / so với / cùng kỳ / năm trước", CONVP_COL_CHANGE_INDEX, "2024-11",
         NULL, ""},
        {"Tháng 12 / năm 2024 / so với / tháng / trước", CONVP_COL_OTHER, "2024-12", NULL, ""},
        {"Tháng 12 năm 2024 so với / Tháng 12 / năm / 2023", CONVP_COL_CHANGE_INDEX, "2024-12",
         NULL, ""},
        {"Tháng 12 năm 2024 so với / Kỳ gốc / (2019)", CONVP_COL_OTHER, "2024-12", NULL, ""},
        {"Tháng 12 / năm 2024 / so với cùng / kỳ năm / trước (%)", CONVP_COL_CHANGE_INDEX,
         "2024-12", NULL, ""},
        {"Năm 2024 / so với / năm 2023", CONVP_COL_CHANGE_INDEX, "2024", NULL, ""},
        {"Năm trước = 100", CONVP_COL_CHANGE_INDEX, "", NULL, ""},
        {"Tăng/giảm (%)", CONVP_COL_CHANGE, "", NULL, ""},
        {"Cơ cấu (%) / Quý III / năm / 2024", CONVP_COL_OTHER, "2024-Q3", NULL, "Cơ cấu"},
        {"Kế hoạch năm 2024", CONVP_COL_PLAN, "2024", NULL, ""},
        {"KH 2025", CONVP_COL_PLAN, "2025", NULL, ""},
        {"Thực hiện 6 tháng đầu năm 2024", CONVP_COL_VALUE, "2024-H1", "official", ""},
        {"6 tháng cuối năm 2024", CONVP_COL_VALUE, "2024-H2", NULL, ""},
        {"9 tháng", CONVP_COL_VALUE, "?2024-9M", NULL, ""},
        {"Tháng 12", CONVP_COL_VALUE, "?2024-12", NULL, ""},
        {"Quý III/2024", CONVP_COL_VALUE, "2024-Q3", NULL, ""},
        {"Q3 2024", CONVP_COL_VALUE, "2024-Q3", NULL, ""},
        {"Prel. 2016", CONVP_COL_VALUE, "2016", "preliminary", ""},
        {"Total Prel. 2016", CONVP_COL_VALUE, "2016", "preliminary", "Total"},
        {"Male 1995", CONVP_COL_VALUE, "1995", NULL, "Male"},
        {"2024", CONVP_COL_VALUE, "2024", NULL, ""},
        {"Cả năm", CONVP_COL_VALUE, "?2024", NULL, ""},
        {"Ước TH năm 2024", CONVP_COL_VALUE, "2024", "estimate", ""},
        {"Chia ra: / Nông thôn", CONVP_COL_VALUE, "", NULL, "Chia ra Nông thôn"},
        {"Năm 2024 / Vốn / đăng ký / (Tỷ đồng)", CONVP_COL_VALUE, "2024", NULL, "Vốn đăng ký"},
        /* 11 months from January: none of the profile's periods */
        {"Cộng dồn 11 tháng năm 2024", CONVP_COL_VALUE, "", NULL, ""},
    };
    struct conv_context *ctx = conv_context_new(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct col_case *c = &cases[i];
        struct convp_col_meaning m;
        meaning(ctx, c->label, &m);
        char got[32] = "";
        if (m.have_period) {
            struct convp_period p = m.period;
            if (m.need_year)
                p.year = 2024;
            got[0] = m.need_year ? '?' : 0;
            convp_period_format(&p, got + (m.need_year ? 1 : 0), sizeof got - 1);
        }
        if ((int)m.kind != (int)c->kind || strcmp(got, c->period) != 0 ||
            (c->status ? !m.status || strcmp(m.status, c->status) : m.status != NULL) ||
            strcmp(m.rest, c->rest) != 0)
            fail_msg("'%s': kind %d period '%s' status %s rest '%s'; want kind %d period '%s' "
                     "status %s rest '%s'",
                     c->label, (int)m.kind, got, m.status ? m.status : "-", m.rest, (int)c->kind,
                     c->period, c->status ? c->status : "-", c->rest);
    }
    /* the first N months that are none of the profile's periods say so */
    struct convp_col_meaning m;
    meaning(ctx, "Cộng dồn 11 tháng năm 2024", &m);
    assert_int_equal(m.undecided, 11);
    conv_context_free(ctx);
}

static void test_text_year(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct convp_buf b;
    convp_buf_init(&b, ctx);
    static const struct {
        const char *text;
        int year;
    } cases[] = {
        {"2. Tổng sản phẩm trong nước theo giá so sánh 2010", 0},
        {"Chỉ số giá kỳ gốc 2019 năm 2024", 2024},
        {"1. Tổng sản phẩm trong nước năm 2024", 2024},
        {"Biểu 12", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *f;
        size_t fn;
        assert_int_equal(convp_casefold(&b, cases[i].text, strlen(cases[i].text), &f, &fn), 0);
        if (convp_text_year(f, fn) != cases[i].year)
            fail_msg("'%s': year %d, want %d", cases[i].text, convp_text_year(f, fn),
                     cases[i].year);
    }
    convp_buf_free(&b);
    conv_context_free(ctx);
}

static void test_index_change(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"107.4", "7.4"},
        {"95", "-5"},
        {"100", "0"},
        {"99.95", "-0.05"},
        {"100.00", "0.00"},
        {"7.429238487722", "-92.570761512278"},
        {"107.429238487722", "7.429238487722"},
        {"250.5", "150.5"},
        {"-3.2", "-103.2"},
    };
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(convp_index_change(cases[i][0], strlen(cases[i][0]), out, sizeof out), 0);
        assert_string_equal(out, cases[i][1]);
    }
    assert_int_equal(convp_index_change("1e5", 3, out, sizeof out), -1);
    assert_int_equal(convp_index_change("", 0, out, sizeof out), -1);
    assert_int_equal(convp_index_change("123456789012345678", 18, out, sizeof out), -1);
}

static void test_regions(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct convp_regions *g = convp_regions_load(ctx);
    assert_non_null(g);
    static const struct {
        const char *text;
        int year;
        const char *code; /* NULL: none or ambiguous */
    } cases[] = {
        {"Hà Nội", 2024, "01"},
        {"Ha Noi", 1995, "01"},
        {"TP. Hồ Chí Minh", 2020, "79"},
        {"Ho Chi Minh city", 2010, "79"},
        {"Quảng Ninh", 2024, "22"}, /* not Quận... */
        {"Quang Nam", 2016, "49"},
        {"Thái Nguyên", 2021, "19"}, /* the province, not the city of that name */
        {"Thành phố Thái Nguyên", 2021, "164"},
        {"Thành phố Sông Công", 2021, "165"},
        {"Lào Cai", 2019, "10"}, /* the old province */
        {"Lào Cai", 2026, "15"}, /* since July 2025, code 15 */
        {"Yên Bái", 2019, "15"},
        {"Yên Bái", 2026, NULL},
        {"Hà Giang", 2026, NULL}, /* ended with 2025-06-30 */
        {"Hà Giang", 2020, "02"},
        {"Thừa Thiên Huế", 2020, "46"},
        {"Thua Thien-Hue", 2015, "46"},
        {"WHOLE COUNTRY", 2015, NULL},
        {"Red River Delta", 2015, NULL},
        {"Công nghiệp", 2024, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long r = convp_regions_find(g, cases[i].text, strlen(cases[i].text), cases[i].year);
        const char *got = r >= 0 ? convp_regions_code(g, r) : NULL;
        if (cases[i].code ? !got || strcmp(got, cases[i].code) : got != NULL)
            fail_msg("'%s' in %d: %s, want %s", cases[i].text, cases[i].year, got ? got : "none",
                     cases[i].code ? cases[i].code : "none");
    }
    convp_regions_free(g);
    conv_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_column_meanings),
        cmocka_unit_test(test_text_year),
        cmocka_unit_test(test_index_change),
        cmocka_unit_test(test_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
