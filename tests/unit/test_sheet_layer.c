/*
 * The spreadsheet layer (formats/sheet/) under its three readers: the same
 * table saved by LibreOffice as .xlsx, .xls and .ods (tests/data/sheet/)
 * gives the same cells with the same style facts (bold, italic, font,
 * indent), merged ranges and hidden rows and columns; our own report
 * workbook gives its fonts, bold totals, indented components and merges.
 * A unit test of internals: it walks the book behind a reader.
 */
#include "cases.h"

#include "conv_private.h"
#include "sheet/sheet.h"

#include <stdlib.h>
#include <string.h>

/* The book of an open spreadsheet reader. */
static struct convp_book *book_of(struct conv_reader *rd)
{
    return rd->drv;
}

static struct conv_reader *open_fixture(struct conv_context *ctx, const char *rel)
{
    char *path = tu_src(rel);
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_file(ctx, path, NULL, &err);
    if (!rd)
        fail_msg("%s: %s", rel, err.message);
    free(path);
    return rd;
}

/* The cells of sheet 0, row by row, as "B3=y[b,i,indent,font]" lines. */
struct seen {
    char text[4096];
    uint8_t hidden_rows[16];
};

static void walk(struct convp_book *b, size_t sheet, struct seen *s)
{
    const struct convp_row *row;
    int rc;
    size_t k = 0;
    memset(s, 0, sizeof *s);
    assert_int_equal(convp_book_start(b, sheet), CONV_OK);
    while ((rc = convp_book_row(b, &row)) == 1) {
        if (row->num < 16)
            s->hidden_rows[row->num] = row->hidden;
        for (size_t i = 0; i < row->n; i++) {
            const struct convp_cell *c = &row->cells[i];
            if (c->type == CONV_NULL)
                continue;
            const struct convp_style *st = convp_book_style(b, c->style);
            const char *font = convp_book_font(b, st->font);
            char col[8];
            convp_col_name(c->col, col);
            int n = snprintf(s->text + k, sizeof s->text - k, "%s%u=%s%s%s%s indent %u font %s\n",
                             col, (unsigned)row->num, c->text, st->bold ? " bold" : "",
                             st->italic ? " italic" : "",
                             st->nf.kind == CONVP_NF_NUMBER ? " number" : "",
                             (unsigned)st->indent, font ? font : "-");
            assert_true(n > 0 && (size_t)n < sizeof s->text - k);
            k += (size_t)n;
        }
    }
    assert_int_equal(rc, 0);
}

static int has_merge(struct convp_book *b, size_t sheet, uint32_t r1, uint32_t c1, uint32_t r2,
                     uint32_t c2)
{
    size_t n;
    const struct convp_range *m = convp_book_merges(b, sheet, &n);
    for (size_t i = 0; i < n; i++)
        if (m[i].row1 == r1 && m[i].col1 == c1 && m[i].row2 == r2 && m[i].col2 == c2)
            return 1;
    return 0;
}

static void expect_line(const struct seen *s, const char *line, const char *fmt)
{
    if (!strstr(s->text, line))
        fail_msg("%s: no line '%s' in\n%s", fmt, line, s->text);
}

/* The same facts from each format LibreOffice saved the table as. */
static void test_styles_everywhere(void **state)
{
    (void)state;
    static const char *const files[] = {"tests/data/sheet/styles.xlsx", "tests/data/sheet/styles.xls",
                                        "tests/data/sheet/styles.ods"};
    for (size_t f = 0; f < 3; f++) {
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_reader *rd = open_fixture(ctx, files[f]);
        struct convp_book *b = book_of(rd);
        assert_int_equal(convp_book_sheet_count(b), 2); /* Bảng 1, and Cũ in legacy fonts */
        assert_string_equal(convp_book_sheet_name(b, 0), "Bảng 1");
        struct seen s;
        walk(b, 0, &s);
        int ods = f == 2;
        expect_line(&s, "A1=Tiêu đề bold indent 0 font Times New Roman\n", files[f]);
        expect_line(&s, "B3=y bold indent 0 font Times New Roman\n", files[f]);
        expect_line(&s, "A4=Trong đó indent 2", files[f]);
        expect_line(&s, "C4=Cả nước indent 0 font .VnTime\n", files[f]); /* TCVN3, decoded */
        /* .ods number styles are not read: its value type says what a cell is,
         * the text it shows how many decimals. */
        expect_line(&s, ods ? "B4=1234.50 indent 0" : "B4=1234.50 number indent 0", files[f]);
        if (!strstr(s.text, "C3=z italic"))
            fail_msg("%s: C3 not italic:\n%s", files[f], s.text);
        assert_true(s.hidden_rows[2]);
        assert_false(s.hidden_rows[3]);
        assert_true(convp_book_col_hidden(b, 0, 4));
        assert_false(convp_book_col_hidden(b, 0, 3));
        assert_true(has_merge(b, 0, 1, 1, 1, 3));
        assert_true(has_merge(b, 0, 4, 1, 5, 1));
        conv_reader_close(rd);
        conv_context_free(ctx);
    }
}

/* Our report workbook: Times New Roman, bold totals over indented parts,
 * the heading and the header merged. */
static void test_report_workbook(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "header-row", "7");
    char *path = tu_src("samples/indicators-report.xlsx");
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_file(ctx, path, o, &err);
    if (!rd)
        fail_msg("%s", err.message);
    struct convp_book *b = book_of(rd);
    struct seen s;
    walk(b, 0, &s);
    expect_line(&s, "A1=UBND THÀNH PHỐ SÔNG CÔNG bold indent 0 font Times New Roman\n", "report");
    expect_line(&s, "B10=Tổng giá trị sản xuất trên địa bàn bold indent 0 font Times New Roman\n",
                "report");
    expect_line(&s, "E10=13090 bold number indent 0", "report");
    expect_line(&s, "B11=Công nghiệp và xây dựng indent 1 font Times New Roman\n", "report");
    expect_line(&s, "F11=16.5 number indent 0", "report");
    assert_true(has_merge(b, 0, 1, 1, 1, 2));
    assert_true(has_merge(b, 0, 7, 1, 8, 1));
    assert_true(has_merge(b, 0, 5, 1, 5, 6));
    conv_reader_close(rd);
    conv_options_free(o);
    free(path);
    conv_context_free(ctx);
}

/* A sheet can be walked again, and another after it, in any order. */
static void test_walk_again(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    static const char *const files[] = {"tests/data/ods/basic.ods", "tests/data/xls/basic.xls"};
    for (size_t f = 0; f < 2; f++) {
        struct conv_reader *rd = open_fixture(ctx, files[f]);
        struct convp_book *b = book_of(rd);
        assert_true(convp_book_sheet_count(b) >= 2);
        struct seen a, a2, c;
        walk(b, 1, &c);
        walk(b, 0, &a);
        walk(b, 0, &a2);
        assert_string_equal(a.text, a2.text);
        assert_string_not_equal(a.text, c.text);
        struct seen c2;
        walk(b, 1, &c2);
        assert_string_equal(c.text, c2.text);
        conv_reader_close(rd);
    }
    conv_context_free(ctx);
}

/* --layout cells: one record per non-empty cell, as the golden files have
 * them (styles.<fmt>.cells.csv; .ods keeps no default font and reads no
 * number styles). */
static void test_layout_cells(void **state)
{
    (void)state;
    static const char *const fmts[] = {"xlsx", "xls", "ods"};
    for (size_t f = 0; f < 3; f++) {
        char rel[64], gold[80];
        snprintf(rel, sizeof rel, "tests/data/sheet/styles.%s", fmts[f]);
        snprintf(gold, sizeof gold, "tests/data/sheet/styles.%s.cells.csv", fmts[f]);
        char *in = tu_src(rel), *want_path = tu_src(gold), *dir = tu_tempdir();
        char *out = tu_path(dir, "cells.csv");
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = conv_options_new(ctx);
        assert_int_equal(conv_options_set(o, "layout", "cells"), CONV_OK);
        struct conv_error err;
        if (conv_convert(ctx, in, out, o, NULL, &err) != CONV_OK)
            fail_msg("%s: %s", rel, err.message);
        char *got = tu_read_file(out, NULL), *want = tu_read_file(want_path, NULL);
        assert_non_null(want);
        if (strcmp(got, want) != 0)
            fail_msg("%s --layout cells:\n--- expected\n%s--- got\n%s", rel, want, got);
        free(got);
        free(want);
        conv_options_free(o);
        conv_context_free(ctx);
        tu_rmtree(dir);
        free(dir);
        free(out);
        free(in);
        free(want_path);
    }
}

/* --null reads text cells that are marks as null in every workbook format;
 * number cells are never marks. */
static void test_null_marks(void **state)
{
    (void)state;
    static const char *const fmts[] = {"xlsx", "xls", "ods"};
    for (size_t f = 0; f < 3; f++) {
        char rel[64];
        snprintf(rel, sizeof rel, "tests/data/sheet/styles.%s", fmts[f]);
        char *path = tu_src(rel);
        struct tu_sheet_read how = {.path = path};
        const char *y = "1234.50";
        char want[256];
        char *got = tu_read_sheet(&how, (const char *const[]){"sheet=1", NULL});
        snprintf(want, sizeof want,
                 "#x|y|z|w\nx=str:Trong đó|y=dec:%s|z=str:Cả nước|w=int:7\n"
                 "x=null|y=int:2|z=null|w=null\n", y);
        assert_string_equal(got, want);
        free(got);
        got = tu_read_sheet(&how, (const char *const[]){"sheet=1", "null=Cả nước,Trong đó,7",
                                                          NULL});
        snprintf(want, sizeof want,
                 "#x|y|z|w\nx=null|y=dec:%s|z=null|w=int:7\nx=null|y=int:2|z=null|w=null\n", y);
        if (strcmp(got, want) != 0)
            fail_msg("%s:\n%s\nwant\n%s", rel, got, want);
        free(got);
        free(path);
    }
}

static void on_warning(void *user, const struct conv_error *e)
{
    char line[512];
    conv_error_format(e, line, sizeof line);
    tu_sb_str(user, line);
    tu_sb_str(user, "\n");
}

/* The header guess is said in every workbook format; --no-header reads
 * every row, its columns by number. */
static void test_header_guess_and_no_header(void **state)
{
    (void)state;
    static const char *const fmts[] = {"xlsx", "xls", "ods"};
    for (size_t f = 0; f < 3; f++) {
        char rel[64];
        snprintf(rel, sizeof rel, "tests/data/sheet/styles.%s", fmts[f]);
        char *path = tu_src(rel);
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = conv_options_new(ctx);
        conv_options_set(o, "sheet", "1");
        struct tu_sbuf warn = {0};
        tu_sb_str(&warn, "");
        conv_options_set_diag(o, on_warning, &warn);
        struct conv_error err;
        struct conv_reader *rd = conv_reader_open_file(ctx, path, o, &err);
        assert_non_null(rd);
        conv_reader_close(rd);
        char want[512];
        snprintf(want, sizeof want,
                 "%s:3: 'Bảng 1', row 3: took row 3 as the header, skipping rows 1 to 2 above it "
                 "(a title or notes: 'Tiêu đề'); --header-row N takes another row\n", path);
        if (strcmp(warn.p, want) != 0)
            fail_msg("%s: warnings\n%s\nwant\n%s", rel, warn.p, want);
        free(warn.p);
        conv_options_free(o);
        conv_context_free(ctx);
        struct tu_sheet_read how = {.path = path};
        char *got = tu_read_sheet(&how, (const char *const[]){"sheet=1", "no-header", NULL});
        snprintf(want, sizeof want,
                 "#1|2|3|4\n1=str:Tiêu đề|2=null|3=null|4=null\n1=str:ẩn|2=null|3=null|4=null\n"
                 "1=str:x|2=str:y|3=str:z|4=str:w\n1=str:Trong đó|2=dec:%s|3=str:Cả nước|4=int:7\n"
                 "1=null|2=int:2|3=null|4=null\n", "1234.50");
        if (strcmp(got, want) != 0)
            fail_msg("%s:\n%s\nwant\n%s", rel, got, want);
        free(got);
        free(path);
    }
}

/* --encoding is taken by every workbook format (the container is never
 * decoded as text, its format named or probed): cells whose font says
 * nothing and that read as Unicode stay as they are. */
static void test_encoding_accepted(void **state)
{
    (void)state;
    static const char *const fmts[] = {"xlsx", "xls", "ods"};
    for (size_t f = 0; f < 3; f++) {
        char rel[64];
        snprintf(rel, sizeof rel, "tests/data/sheet/styles.%s", fmts[f]);
        char *path = tu_src(rel);
        struct tu_sheet_read how = {.path = path};
        char *plain = tu_read_sheet(&how, (const char *const[]){"sheet=2", NULL});
        assert_string_equal(plain, "#TỔNG SỐ\nTỔNG SỐ=str:Việt Nam\n"
                                   "TỔNG SỐ=str:Đà Nẵng, Thành phố Hồ Chí Minh\n"
                                   "TỔNG SỐ=str:nước, Quảng Ngãi, Bình Định\n"
                                   "TỔNG SỐ=str:Cả nước\n");
        static const char *const encs[] = {"encoding=tcvn3", "encoding=vni", "encoding=cp1258"};
        for (size_t e = 0; e < 3; e++) {
            char *got = tu_read_sheet(&how, (const char *const[]){"sheet=2", encs[e], NULL});
            if (strcmp(got, plain) != 0)
                fail_msg("%s %s:\n%s", rel, encs[e], got);
            free(got);
        }
        /* From memory without a name: probed on its bytes. */
        size_t n;
        char *data = tu_read_file(path, &n);
        struct tu_sheet_read mem = {.data = data, .len = n, .name = "-", .format = fmts[f]};
        char *got = tu_read_sheet(&mem, (const char *const[]){"sheet=2", "encoding=tcvn3", NULL});
        assert_string_equal(got, plain);
        free(got);
        free(data);
        free(plain);
        free(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_cells),
        cmocka_unit_test(test_styles_everywhere),
        cmocka_unit_test(test_report_workbook),
        cmocka_unit_test(test_walk_again),
        cmocka_unit_test(test_null_marks),
        cmocka_unit_test(test_header_guess_and_no_header),
        cmocka_unit_test(test_encoding_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
