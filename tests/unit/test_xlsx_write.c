/*
 * XLSX writer tests.  Every workbook is read back by an independent reader,
 * tests/xlsx_readback.py (openpyxl, Debian python3-openpyxl, run with
 * /usr/bin/python3: a missing reader fails the tests), which prints each
 * cell's kind, value and number format and the sheets' layout as text that
 * is compared here: value types and exact values, number formats and the
 * grouping rule, text that looks like a formula, the styled layout (title,
 * header, widths, wrapping, panes, filter, print setup, properties, the
 * hidden field sheet), --plain, continuation sheets past the row limit,
 * --sheet-by, Excel's limits, atomic output, standard output, memory and
 * callback sinks, allocation failures, and the sample cell by cell.
 * test_xlsx_bulk.c has the million-row limit and 100,000 generated records.
 */
#include "xlsx_check.h"

#include <time.h>

#include "conv_private.h" /* records are built here slot by slot */

#define SAMPLE_TITLE "Chỉ tiêu kinh tế - xã hội thành phố Sông Công năm 2020-2021"
#define SAMPLE_SOURCE "Báo cáo tình hình kinh tế - xã hội năm 2021, thành phố Sông Công"

/* ---- records made by hand -------------------------------------------------------------- */

#define NREC 16

struct fix {
    struct conv_context *ctx;
    struct conv_schema *schema; /* the records' field names */
    struct conv_record rec[NREC];
    size_t n;
};

static void fix_init(struct fix *f)
{
    f->ctx = conv_context_new(NULL);
    f->schema = conv_schema_new(f->ctx);
    assert_non_null(f->schema);
    for (size_t i = 0; i < NREC; i++) {
        convp_record_init(&f->rec[i], f->ctx, f->schema);
        f->rec[i].index = i + 1;
        f->rec[i].source = "in.csv";
    }
    f->n = 0;
}

static void fix_free(struct fix *f)
{
    for (size_t i = 0; i < NREC; i++)
        convp_record_fini(&f->rec[i]);
    conv_schema_free(f->schema);
    conv_context_free(f->ctx);
}

/* Add a value named name to record r, at line r + 2, column 7. */
static void fix_add_n(struct fix *f, size_t r, const char *name, enum conv_type type,
                      const char *text, size_t len)
{
    long i = convp_schema_find_n(f->schema, name, strlen(name));
    if (i < 0)
        i = convp_schema_add_name(f->schema, name, strlen(name));
    assert_true(i >= 0);
    assert_int_equal(convp_record_add(&f->rec[r], (uint32_t)i, type, 0, text, len, r + 2, 7),
                     CONV_OK);
    if (r + 1 > f->n)
        f->n = r + 1;
}

static void fix_add(struct fix *f, size_t r, const char *name, enum conv_type type,
                    const char *text)
{
    fix_add_n(f, r, name, type, text, strlen(text));
}

/* Options "name=value" (NULL-terminated) plus to=xlsx. */
static struct conv_options *make_opts(struct conv_context *ctx, const char *const *opts)
{
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "to", "xlsx");
    for (size_t i = 0; opts && opts[i]; i++) {
        const char *eq = strchr(opts[i], '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - opts[i]), opts[i]);
        conv_options_set(o, name, eq + 1);
    }
    return o;
}

/* Write f's records to path with header (NULL: from the first record);
 * CONV_OK, or CONV_ERR with *err. */
static int write_file(struct fix *f, const char *path, const struct conv_schema *header,
                      const char *const *opts, struct conv_error *err)
{
    struct conv_options *o = make_opts(f->ctx, opts);
    conv_error_clear(err);
    struct conv_writer *w = conv_writer_open_file(f->ctx, path, header, o, err);
    int rc = CONV_ERR;
    if (w) {
        size_t i;
        for (i = 0; i < f->n; i++)
            if (conv_writer_put(w, &f->rec[i]) != CONV_OK)
                break;
        if (i == f->n && conv_writer_finish(w) == CONV_OK)
            rc = CONV_OK;
        else
            *err = *conv_writer_error(w);
    }
    conv_writer_close(w);
    conv_options_free(o);
    return rc;
}

/* Write to a fresh temporary file and read it back. */
static char *write_and_read(struct fix *f, const struct conv_schema *header,
                            const char *const *opts, const char *const *flags)
{
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "out.xlsx");
    struct conv_error err;
    if (write_file(f, path, header, opts, &err) != CONV_OK)
        fail_msg("write failed: %s", err.message);
    char *out = readback(path, flags);
    tu_rmtree(dir);
    free(dir);
    free(path);
    return out;
}

/* A header schema: "name:type:label:label_en" (parts after the name optional). */
static struct conv_schema *make_header(struct conv_context *ctx, const char *const *fields)
{
    struct conv_schema *s = conv_schema_new(ctx);
    for (size_t i = 0; fields[i]; i++) {
        char buf[512], *parts[4] = {0};
        snprintf(buf, sizeof buf, "%s", fields[i]);
        char *p = buf;
        for (int k = 0; k < 4 && p; k++) {
            parts[k] = p;
            p = strchr(p, ':');
            if (p)
                *p++ = '\0';
        }
        struct conv_field fd = {0};
        fd.name = parts[0];
        fd.type = CONV_ANY;
        if (parts[1] && *parts[1])
            assert_int_equal(conv_type_parse(parts[1], &fd.type), 0);
        fd.label = parts[2] && *parts[2] ? parts[2] : NULL;
        fd.label_en = parts[3] && *parts[3] ? parts[3] : NULL;
        assert_int_equal(conv_schema_add(s, &fd), CONV_OK);
    }
    return s;
}

/* ---- values ------------------------------------------------------------------------------ */

/* Every type: numbers as numbers with their own digits, exact-or-text,
 * dates as dates, zones as text, formula-looking text as text. */
static void test_value_types(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    static const struct {
        const char *name;
        enum conv_type type;
        const char *text;
        const char *want; /* the cell line after "cell\t1\t<col>2\t" ; NULL: no cell */
    } v[] = {
        {"i", CONV_INTEGER, "13090", "n\t13090\t13,090\t#,##0"},
        {"d", CONV_DECIMAL, "552.6", "n\t552.6\t552.6\t#,##0.0"},
        {"d3", CONV_DECIMAL, "0.125", "n\t0.125\t0.125\t#,##0.000"},
        {"e", CONV_DECIMAL, "1.5e3", "n\t1500\t1500\tGeneral"},
        {"b", CONV_BOOLEAN, "true", "b\tTRUE\tGeneral"},
        {"day", CONV_DATE, "2021-03-04", "d\t2021-03-04T00:00:00.000\tyyyy-mm-dd"},
        {"ts", CONV_DATETIME, "2021-03-04T05:06:07.125",
         "d\t2021-03-04T05:06:07.125\tyyyy-mm-dd hh:mm:ss.000"},
        {"tz", CONV_DATETIME, "2021-03-04T05:06:07Z", "s\t\"2021-03-04T05:06:07Z\"\tGeneral"},
        {"c", CONV_STRING, "0167", "s\t\"0167\"\tGeneral"},
        {"f", CONV_STRING, "=1+2", "s\t\"=1+2\"\tGeneral"},
        {"big", CONV_INTEGER, "1234567890123456", "s\t\"1234567890123456\"\tGeneral"},
        {"prec", CONV_DECIMAL, "0.1234567890123456", "s\t\"0.1234567890123456\"\tGeneral"},
        {"nz", CONV_INTEGER, "-0", "s\t\"-0\"\tGeneral"},
        {"old", CONV_DATE, "1899-12-31", "s\t\"1899-12-31\"\tGeneral"},
        {"x", CONV_STRING, "_x0041_ a\001b", "s\t\"_x0041_ a\\u0001b\"\tGeneral"},
        {"nul", CONV_NULL, "", NULL},
        {"empty", CONV_STRING, "", NULL},
        {"dt4", CONV_DATETIME, "2021-03-04T05:06:07.1234",
         "s\t\"2021-03-04T05:06:07.1234\"\tGeneral"},
        {"neg", CONV_DECIMAL, "-1234.50", "n\t-1234.5\t-1,234.50\t#,##0.00"},
        {"ts0", CONV_DATETIME, "2021-03-04T05:06:07",
         "d\t2021-03-04T05:06:07.000\tyyyy-mm-dd hh:mm:ss"},
        {"plus", CONV_STRING, "+84 912", "s\t\"+84 912\"\tGeneral"},
        {"max", CONV_INTEGER, "999999999999999", "n\t999999999999999\t999,999,999,999,999\t#,##0"},
        {"leap", CONV_DATETIME, "2016-12-31T23:59:60", "s\t\"2016-12-31T23:59:60\"\tGeneral"},
        {"tiny", CONV_DECIMAL, "1e-400", "s\t\"1e-400\"\tGeneral"},
        {"huge", CONV_DECIMAL, "1E400", "s\t\"1E400\"\tGeneral"},
        {"zero", CONV_DECIMAL, "0.00", "n\t0\t0.00\t#,##0.00"},
        {"ts1", CONV_DATETIME, "1900-01-01T12:00:00.5",
         "d\t1900-01-01T12:00:00.500\tyyyy-mm-dd hh:mm:ss.0"},
        {"at", CONV_STRING, "@SUM(A1)", "s\t\"@SUM(A1)\"\tGeneral"},
    };
    const size_t nv = sizeof v / sizeof v[0];
    for (size_t i = 0; i < nv; i++)
        fix_add(&f, 0, v[i].name, v[i].type, v[i].text);
    /* Untyped text from CSV stays text whatever it looks like. */
    long ri = convp_schema_add_name(f.schema, "raw", 3);
    assert_int_equal(
        convp_record_add(&f.rec[0], (uint32_t)ri, CONV_STRING, CONV_VALUE_RAW, "42", 2, 2, 7),
        CONV_OK);
    char *out = write_and_read(&f, NULL, ARGV("plain=1", "created=" CREATED), NULL);
    for (size_t i = 0; i < nv; i++) {
        char col[4], line[256];
        if (i < 26)
            snprintf(col, sizeof col, "%c", (char)('A' + i));
        else
            snprintf(col, sizeof col, "A%c", (char)('A' + i - 26));
        if (!v[i].want) {
            snprintf(line, sizeof line, "\ncell\t1\t%s2\t", col);
            expect_no(out, line);
            continue;
        }
        snprintf(line, sizeof line, "cell\t1\t%s2\t%s", col, v[i].want);
        expect_line(out, line);
    }
    expect_line(out, "cell\t1\tAC2\ts\t\"42\"\tGeneral");
    expect_no(out, "\tf\t"); /* no formulas */
    free(out);
    fix_free(&f);
}

/* Integers in identifier, year and period columns are not grouped;
 * decimals always are. */
static void test_grouping_rule(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    static const struct {
        const char *field; /* name:type:label:label_en */
        const char *text;
        const char *fmt;
    } g[] = {
        {"year", "2021", "0"},
        {"nam", "2021", "0"},
        {"Năm báo cáo", "2021", "0"},
        {"period", "202101", "0"},
        {"ky_bao_cao", "202101", "0"},
        {"region_code", "16500", "0"},
        {"regionId", "16500", "0"},
        {"MãTỉnh", "16500", "0"},
        {"x1::Mã địa bàn", "16500", "0"},
        {"x2::Kỳ:", "16500", "0"},
        {"x3:::Reporting year", "16500", "0"},
        {"population::Dân số trung bình năm:Average population", "1400000", "#,##0"},
        {"value", "13090", "#,##0"},
        {"idea", "13090", "#,##0"},
        {"decade", "13090", "#,##0"},
        {"year_value:decimal", "13090.5", "#,##0.0"},
    };
    const size_t ng = sizeof g / sizeof g[0];
    const char *fields[sizeof g / sizeof g[0] + 1];
    for (size_t i = 0; i < ng; i++)
        fields[i] = g[i].field;
    fields[ng] = NULL;
    struct conv_schema *h = make_header(f.ctx, fields);
    for (size_t i = 0; i < ng; i++) {
        const char *name = conv_schema_field(h, i)->name;
        fix_add(&f, 0, name, strchr(g[i].text, '.') ? CONV_DECIMAL : CONV_INTEGER, g[i].text);
    }
    char *out = write_and_read(&f, h, ARGV("plain=1", "created=" CREATED), NULL);
    for (size_t i = 0; i < ng; i++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "\ncell\t1\t%c2\tn\t", (char)('A' + i));
        const char *p = strstr(out, prefix);
        if (!p)
            fail_msg("no number cell for %s in\n%s", g[i].field, out);
        const char *eol = strchr(p + 1, '\n');
        const char *tab = eol;
        while (tab[-1] != '\t')
            tab--;
        if ((size_t)(eol - tab) != strlen(g[i].fmt) || memcmp(tab, g[i].fmt, strlen(g[i].fmt)))
            fail_msg("%s: format '%.*s', expected '%s'", g[i].field, (int)(eol - tab), tab,
                     g[i].fmt);
    }
    free(out);
    conv_schema_free(h);
    fix_free(&f);
}

/* ---- the layout for people --------------------------------------------------------------- */

static void test_styled_layout(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    struct conv_schema *h =
        make_header(f.ctx, ARGV("region_code:string:Mã địa bàn:Region code", "name:string",
                                "value:decimal:Giá trị:Value", "note:string:Ghi chú"));
    char longtext[200];
    snprintf(longtext, sizeof longtext, "%s",
             "Sau 1 năm thực hiện Nghị quyết Đại hội Đảng bộ các cấp, nhiệm kỳ 2020-2025, "
             "kinh tế tăng trưởng khá");
    for (size_t r = 0; r < 4; r++) {
        fix_add(&f, r, "region_code", CONV_STRING, "165");
        fix_add(&f, r, "name", CONV_STRING, r == 1 ? "Thành phố Sông Công" : "x");
        fix_add(&f, r, "value", CONV_DECIMAL, r == 2 ? "552.6" : "13090");
        if (r == 0)
            fix_add(&f, r, "note", CONV_STRING, longtext);
        if (r == 3)
            fix_add(&f, r, "note", CONV_STRING, "hai\ndòng");
    }
    char *out = write_and_read(&f, h,
                               ARGV("title=Chỉ tiêu năm 2021", "source=Báo cáo",
                                    "author=Cục Thống kê", "created=" CREATED),
                               ARGV("--styles"));
    expect_line(
        out,
        "props\tChỉ tiêu năm 2021\tBáo cáo\tCục Thống kê\tWritten by libconv " CONV_VERSION_STRING
        "; the fields are described on the hidden sheet _conv_fields\t"
        "2022-01-15T00:00:00");
    expect_line(out, "sheet\t1\tDữ liệu\tvisible\tA1:D7");
    expect_line(out, "freeze\t1\tA4");
    expect_line(out, "filter\t1\tA3:D7");
    expect_line(out, "merged\t1\tA1:D1");
    expect_line(out, "print\t1\tlandscape\tpaper=9\tfitwidth=1\tfitheight=0\trepeat=$3:$3");
    expect_line(out, "cell\t1\tA1\ts\t\"Chỉ tiêu năm 2021\"\tGeneral\tbold size=14.0 - - fill=- -");
    expect_line(out, "height\t1\t1\t21.0");
    /* The header: labels where there are, bold, filled, bordered. */
    expect_line(out, "cell\t1\tA3\ts\t\"Mã địa bàn\"\tGeneral\tbold size=11.0 wrap center "
                     "fill=FFDDEBF7 border");
    expect_line(
        out, "cell\t1\tB3\ts\t\"name\"\tGeneral\tbold size=11.0 wrap center fill=FFDDEBF7 border");
    expect_line(
        out,
        "cell\t1\tC3\ts\t\"Giá trị\"\tGeneral\tbold size=11.0 wrap center fill=FFDDEBF7 border");
    expect_no(out, "\ncell\t1\tA2\t");
    /* Widths: the content's characters (diacritics do not count apart)
     * plus 2; the label's when wider (bold); long text capped at 60 and
     * wrapped, with its row made taller. */
    expect_line(out, "width\t1\tA\t13.7"); /* "Mã địa bàn": 10 + 1 bold + 2 */
    expect_line(out, "width\t1\tB\t21.7"); /* "Thành phố Sông Công": 19 + 2 */
    expect_line(out, "width\t1\tC\t10.7"); /* "13,090": 6; "Giá trị" 7 + 1 + 2 */
    expect_line(out, "width\t1\tD\t60.7");
    expect_line(out, "cell\t1\tD4\ts\t\"Sau 1 năm thực hiện Nghị quyết Đại hội Đảng bộ các cấp, "
                     "nhiệm kỳ 2020-2025, kinh tế tăng trưởng khá\"\tGeneral\t- size=11.0 wrap top "
                     "fill=- -");
    expect_line(out, "height\t1\t4\t30.0");
    expect_line(out, "cell\t1\tD7\ts\t\"hai\\ndòng\"\tGeneral\t- size=11.0 wrap top fill=- -");
    expect_line(out, "height\t1\t7\t30.0");
    expect_line(out, "cell\t1\tB5\ts\t\"Thành phố Sông Công\"\tGeneral\t- size=11.0 - - fill=- -");
    /* A row with wrapped text is aligned to the top, numbers too. */
    expect_line(out, "cell\t1\tA4\ts\t\"165\"\tGeneral\t- size=11.0 - top fill=- -");
    expect_line(out, "cell\t1\tC4\tn\t13090\t13,090\t#,##0\t- size=11.0 - top fill=- -");
    expect_line(out, "cell\t1\tC5\tn\t13090\t13,090\t#,##0\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t1\tC6\tn\t552.6\t552.6\t#,##0.0\t- size=11.0 - - fill=- -");
    /* The hidden sheet of fields. */
    expect_line(out, "sheet\t2\t_conv_fields\thidden\tA1:F5");
    expect_line(out, "cell\t2\tA1\ts\t\"name\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t2\tF1\ts\t\"required\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t2\tA2\ts\t\"region_code\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t2\tB2\ts\t\"string\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t2\tC2\ts\t\"Mã địa bàn\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t2\tD2\ts\t\"Region code\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t2\tF2\tb\tFALSE\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t2\tB4\ts\t\"decimal\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_no(out, "\ncell\t2\tC3\t"); /* no label */
    assert_int_equal(count_lines(out, "sheet\t"), 2);
    free(out);
    conv_schema_free(h);
    fix_free(&f);
}

/* Defaults: the title is the schema's, else the input's name; created now. */
static void test_metadata_defaults(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    fix_add(&f, 0, "a", CONV_STRING, "x");
    f.rec[0].source = "/some/dir/in.csv";
    char *out = write_and_read(&f, NULL, NULL, NULL);
    expect_line(out, "cell\t1\tA1\ts\t\"in.csv\"\tGeneral");
    assert_non_null(strstr(out, "\nprops\tin.csv\tin.csv\tlibconv\t"));
    time_t now = time(NULL);
    char year[8];
    strftime(year, sizeof year, "%Y", gmtime(&now));
    const char *p = strstr(out, "\nprops\t");
    const char *created = strchr(p + 1, '\n') - 19;
    assert_memory_equal(created, year, 4);
    free(out);

    /* A schema title, and one column: the title is not merged. */
    struct conv_schema *h = make_header(f.ctx, ARGV("a"));
    h->title = convp_strdup(f.ctx, "Tiêu đề _x0041_");
    f.rec[0].source = "-";
    out = write_and_read(&f, h, ARGV("created=" CREATED), NULL);
    expect_line(out, "cell\t1\tA1\ts\t\"Tiêu đề _x0041_\"\tGeneral");
    expect_no(out, "\nmerged\t");
    expect_line(out,
                "props\tTiêu đề _x0041_\tNone\tlibconv\tWritten by libconv " CONV_VERSION_STRING
                "; the fields are described on the hidden sheet _conv_fields\t"
                "2022-01-15T00:00:00");
    free(out);

    /* A zone offset in --created is turned to UTC. */
    out = write_and_read(&f, h, ARGV("created=2022-01-15T07:00:00+07:00", "plain=yes"), NULL);
    expect_line(out,
                "props\tTiêu đề _x0041_\tNone\tlibconv\tWritten by libconv " CONV_VERSION_STRING
                "\t2022-01-15T00:00:00");
    free(out);
    conv_schema_free(h);
    fix_free(&f);
}

/* --plain: names in row 1, data from row 2, no styles, numbers and dates
 * still typed, no hidden sheet. */
static void test_plain(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    struct conv_schema *h =
        make_header(f.ctx, ARGV("code:string:Mã", "value:decimal:Giá trị", "day:date"));
    fix_add(&f, 0, "code", CONV_STRING, "0101");
    fix_add(&f, 0, "value", CONV_DECIMAL, "1234.5");
    fix_add(&f, 0, "day", CONV_DATE, "2021-12-31");
    char longtext[100];
    memset(longtext, 'x', 99);
    longtext[99] = '\0';
    fix_add(&f, 1, "code", CONV_STRING, longtext);
    char *out = write_and_read(&f, h, ARGV("plain=1", "created=" CREATED), ARGV("--styles"));
    expect_line(out, "sheet\t1\tDữ liệu\tvisible\tA1:C3");
    assert_int_equal(count_lines(out, "sheet\t"), 1);
    expect_line(out, "cell\t1\tA1\ts\t\"code\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t1\tB1\ts\t\"value\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t1\tA2\ts\t\"0101\"\tGeneral\t- size=11.0 - - fill=- -");
    expect_line(out, "cell\t1\tB2\tn\t1234.5\t1,234.5\t#,##0.0\t- size=11.0 - - fill=- -");
    expect_line(out,
                "cell\t1\tC2\td\t2021-12-31T00:00:00.000\tyyyy-mm-dd\t- size=11.0 - - fill=- -");
    assert_non_null(strstr(out, "\ncell\t1\tA3\ts\t\"xxxx"));
    expect_no(out, "wrap");
    expect_no(out, "\nfreeze");
    expect_no(out, "\nfilter");
    expect_no(out, "\nmerged");
    expect_no(out, "\nprint");
    expect_no(out, "\nwidth");
    expect_no(out, "\nheight");
    free(out);
    conv_schema_free(h);
    fix_free(&f);
}

/* ---- more sheets ------------------------------------------------------------------------ */

/* Past the row limit (lowered for the test) records go on to a new sheet
 * with the title and header again; nothing is cut. */
static void test_continuation(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    for (size_t r = 0; r < 12; r++) {
        char v[16];
        snprintf(v, sizeof v, "%zu", r + 1);
        fix_add(&f, r, "n", CONV_INTEGER, v);
        fix_add(&f, r, "s", CONV_STRING, "x");
    }
    /* 8 rows a sheet: title, blank, header, then 5 records. */
    char *out =
        write_and_read(&f, NULL, ARGV("xlsx-test-max-rows=8", "title=T", "created=" CREATED), NULL);
    expect_line(out, "sheet\t1\tDữ liệu\tvisible\tA1:B8");
    expect_line(out, "sheet\t2\tDữ liệu (2)\tvisible\tA1:B8");
    expect_line(out, "sheet\t3\tDữ liệu (3)\tvisible\tA1:B5");
    expect_line(out, "sheet\t4\t_conv_fields\thidden\tA1:F3");
    for (int s = 1; s <= 3; s++) {
        char line[128];
        snprintf(line, sizeof line, "cell\t%d\tA1\ts\t\"T\"\tGeneral", s);
        expect_line(out, line);
        snprintf(line, sizeof line, "cell\t%d\tA3\ts\t\"n\"\tGeneral", s);
        expect_line(out, line);
        snprintf(line, sizeof line, "freeze\t%d\tA4", s);
        expect_line(out, line);
        snprintf(line, sizeof line, "merged\t%d\tA1:B1", s);
        expect_line(out, line);
    }
    expect_line(out, "filter\t2\tA3:B8");
    expect_line(out, "filter\t3\tA3:B5");
    expect_line(out, "cell\t1\tA8\tn\t5\t5\t#,##0");
    expect_line(out, "cell\t2\tA4\tn\t6\t6\t#,##0");
    expect_line(out, "cell\t3\tA5\tn\t12\t12\t#,##0");
    assert_int_equal(count_lines(out, "cell\t1\tA"), 7);
    free(out);

    /* --plain: the header, then 3 records a sheet. */
    out =
        write_and_read(&f, NULL, ARGV("xlsx-test-max-rows=4", "plain=1", "created=" CREATED), NULL);
    expect_line(out, "sheet\t1\tDữ liệu\tvisible\tA1:B4");
    expect_line(out, "sheet\t4\tDữ liệu (4)\tvisible\tA1:B4");
    expect_line(out, "cell\t4\tA1\ts\t\"n\"\tGeneral");
    expect_line(out, "cell\t4\tA4\tn\t12\t12\t#,##0");
    assert_int_equal(count_lines(out, "sheet\t"), 4);
    free(out);
    fix_free(&f);
}

/* --sheet-by: a sheet per value, made as values appear, with valid unique
 * names; null and "" share one; each continues past the row limit. */
static void test_sheet_by(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    static const char *const vals[] = {
        "Sông Công", "A/B:C", NULL,
        "Sông Công", "",      "sông công",
        "History",   "'q'",   "Một tên rất dài hơn ba mươi mốt ký tự",
        "Sông Công"};
    for (size_t r = 0; r < 10; r++) {
        if (vals[r])
            fix_add(&f, r, "region", CONV_STRING, vals[r]);
        else
            fix_add(&f, r, "region", CONV_NULL, "");
        char v[8];
        snprintf(v, sizeof v, "%zu", r + 1);
        fix_add(&f, r, "n", CONV_INTEGER, v);
    }
    char *out = write_and_read(
        &f, NULL, ARGV("sheet-by=region", "xlsx-test-max-rows=5", "created=" CREATED), NULL);
    expect_line(out, "sheet\t1\tSông Công\tvisible\tA1:B5");
    expect_line(out, "sheet\t2\tA_B_C\tvisible\tA1:B4");
    expect_line(out, "sheet\t3\t(trống)\tvisible\tA1:B5");
    expect_line(out, "sheet\t4\tsông công (2)\tvisible\tA1:B4");
    expect_line(out, "sheet\t5\tHistory (2)\tvisible\tA1:B4");
    expect_line(out, "sheet\t6\t_q_\tvisible\tA1:B4");
    expect_line(out, "sheet\t7\tMột tên rất dài hơn ba mươi mốt\tvisible\tA1:B4");
    /* "sông công (2)" is taken (case does not count): the next number */
    expect_line(out, "sheet\t8\tSông Công (3)\tvisible\tA1:B4");
    expect_line(out, "sheet\t9\t_conv_fields\thidden\tA1:F3");
    expect_line(out, "cell\t1\tA4\ts\t\"Sông Công\"\tGeneral");
    expect_line(out, "cell\t1\tB5\tn\t4\t4\t#,##0");
    expect_line(out, "cell\t3\tB4\tn\t3\t3\t#,##0");
    expect_line(out, "cell\t3\tB5\tn\t5\t5\t#,##0");
    expect_line(out, "cell\t8\tB4\tn\t10\t10\t#,##0");
    expect_line(out, "cell\t8\tA3\ts\t\"region\"\tGeneral");
    free(out);

    /* An unknown field is a usage error. */
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "o.xlsx");
    struct conv_error err;
    assert_int_equal(write_file(&f, path, NULL, ARGV("sheet-by=nope"), &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_USAGE);
    assert_non_null(strstr(err.message, "no field named 'nope'"));
    assert_int_equal(tu_count_entries(dir), 0);
    tu_rmtree(dir);
    free(dir);
    free(path);
    fix_free(&f);
}

/* ---- limits and failures ------------------------------------------------------------------- */

static void test_text_limit(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    /* 32,767 characters fit, counted as characters: ệ is 3 bytes. */
    char *text = malloc(3 * 32768 + 1);
    size_t k = 0;
    for (int i = 0; i < 32767; i++) {
        memcpy(text + k, "ệ", 3);
        k += 3;
    }
    text[k] = '\0';
    fix_add(&f, 0, "a", CONV_STRING, "x");
    fix_add_n(&f, 0, "t", CONV_STRING, text, k);
    char *out = write_and_read(&f, NULL, ARGV("plain=1", "created=" CREATED), NULL);
    assert_non_null(strstr(out, "\ncell\t1\tB2\ts\t\"ệệệ"));
    free(out);
    fix_free(&f);

    /* One more is an error naming the record and field, at the value. */
    fix_init(&f);
    memset(text, 'x', 32768);
    fix_add(&f, 0, "a", CONV_STRING, "x");
    fix_add(&f, 1, "a", CONV_STRING, "y");
    fix_add_n(&f, 1, "t", CONV_STRING, text, 32768);
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "out.xlsx");
    struct conv_error err;
    assert_int_equal(write_file(&f, path, NULL, ARGV("created=" CREATED), &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_LIMIT);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 7);
    assert_int_equal(err.record, 2);
    assert_string_equal(err.field, "t");
    assert_string_equal(err.message, "record 2, field 't': text of 32768 characters is over "
                                     "Excel's 32767 in a cell");
    assert_int_equal(tu_count_entries(dir), 0);
    tu_rmtree(dir);
    free(dir);
    free(path);
    free(text);
    fix_free(&f);
}

static void test_column_limit(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_schema *h = conv_schema_new(ctx);
    for (int i = 0; i < 16385; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        struct conv_field fd = {.name = name, .type = CONV_STRING};
        assert_int_equal(conv_schema_add(h, &fd), CONV_OK);
    }
    struct conv_options *o = make_opts(ctx, NULL);
    struct conv_error err = {0};
    struct conv_writer *w = conv_writer_open_memory(ctx, h, o, &err);
    assert_non_null(w);
    assert_int_equal(conv_writer_finish(w), CONV_ERR);
    assert_int_equal(conv_writer_error(w)->code, CONV_E_LIMIT);
    assert_string_equal(conv_writer_error(w)->message,
                        "16385 fields: a sheet has at most 16384 columns");
    conv_writer_close(w);
    conv_options_free(o);
    conv_schema_free(h);
    conv_context_free(ctx);
}

/* Bad options are usage errors before anything is written. */
static void test_options(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    static const char *const bad[][2] = {
        {"created", "2022-01-15"},
        {"created", "1899-12-31T00:00:00Z"},
        {"created", "2022-01-15T00:00:60Z"},
        {"sheet-by", ""},
        {"plain", "maybe"},
        {"author", "\xff"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct conv_options *o = make_opts(ctx, NULL);
        conv_options_set(o, bad[i][0], bad[i][1]);
        struct conv_error err = {0};
        struct conv_writer *w = conv_writer_open_memory(ctx, NULL, o, &err);
        if (w)
            fail_msg("option %s=%s was taken", bad[i][0], bad[i][1]);
        assert_int_equal(err.code, CONV_E_USAGE);
        conv_options_free(o);
    }
    conv_context_free(ctx);
}

/* The open descriptors of this process. */
static int count_fds(void)
{
    return tu_count_entries("/proc/self/fd");
}

/*
 * A failure leaves nothing: an existing target untouched, no temporary file
 * beside it or in $TMPDIR, no descriptor open.  Also a writer closed
 * without finishing, after rows reached libxlsxwriter.
 */
static void test_atomic(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *tmp = tu_tempdir();
    char *old_tmpdir = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", tmp, 1);
    char *in = tu_path(dir, "in.csv"), *target = tu_path(dir, "out.xlsx");
    struct tu_sbuf csv = {0};
    tu_sb_str(&csv, "a,b\n");
    for (int i = 0; i < 3000; i++) /* past the sample: rows are in libxlsxwriter */
        tu_sb_str(&csv, "1,x\n");
    tu_sb_str(&csv, "2,");
    for (int i = 0; i < 32768; i++)
        tu_sb_str(&csv, "y");
    tu_sb_str(&csv, "\n");
    tu_write_file(in, csv.p, csv.n);
    tu_write_file(target, "old", 3);
    int fds = count_fds();
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err = {0};
    assert_int_equal(conv_convert(ctx, in, target, NULL, NULL, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_LIMIT);
    assert_int_equal(err.line, 3002);
    assert_int_equal(err.column, 3);
    size_t len;
    char *kept = tu_read_file(target, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(kept, "old", 3);
    free(kept);
    assert_int_equal(tu_count_entries(dir), 2); /* in.csv, out.xlsx */
    assert_int_equal(tu_count_entries(tmp), 0);
    assert_int_equal(count_fds(), fds);

    /* Closed without finishing, to standard output's kind of sink too. */
    struct conv_options *o = make_opts(ctx, NULL);
    for (int sink = 0; sink < 2; sink++) {
        struct conv_reader *rd = conv_reader_open_file(ctx, in, NULL, &err);
        assert_non_null(rd);
        struct conv_writer *w = sink ? conv_writer_open_memory(ctx, NULL, o, &err)
                                     : conv_writer_open_file(ctx, target, NULL, o, &err);
        assert_non_null(w);
        const struct conv_record *rec;
        for (int i = 0; i < 2500; i++) {
            assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
            assert_int_equal(conv_writer_put(w, rec), CONV_OK);
        }
        conv_writer_close(w);
        conv_reader_close(rd);
    }
    conv_options_free(o);
    kept = tu_read_file(target, &len);
    assert_int_equal(len, 3);
    free(kept);
    assert_int_equal(tu_count_entries(dir), 2);
    assert_int_equal(tu_count_entries(tmp), 0);
    assert_int_equal(count_fds(), fds);
    conv_context_free(ctx);
    if (old_tmpdir) {
        setenv("TMPDIR", old_tmpdir, 1);
        free(old_tmpdir);
    } else {
        unsetenv("TMPDIR");
    }
    tu_rmtree(dir);
    tu_rmtree(tmp);
    free(dir);
    free(tmp);
    free(in);
    free(target);
    free(csv.p);
}

/* ---- other sinks ---------------------------------------------------------------------------- */

static int collect(void *user, const void *buf, size_t size)
{
    tu_sb_add(user, buf, size);
    return 0;
}

static int failing_write(void *user, const void *buf, size_t size)
{
    (void)user;
    (void)buf;
    (void)size;
    return -1;
}

/* Memory and callback sinks get the same bytes as a file. */
static void test_memory_and_callback(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    fix_add(&f, 0, "a", CONV_STRING, "Sông Công");
    fix_add(&f, 0, "b", CONV_DECIMAL, "1.25");
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "f.xlsx");
    struct conv_error err;
    assert_int_equal(write_file(&f, path, NULL, ARGV("created=" CREATED), &err), CONV_OK);
    size_t flen;
    char *file = tu_read_file(path, &flen);

    struct conv_options *o = make_opts(f.ctx, ARGV("created=" CREATED));
    struct conv_writer *w = conv_writer_open_memory(f.ctx, NULL, o, &err);
    assert_non_null(w);
    assert_int_equal(conv_writer_put(w, &f.rec[0]), CONV_OK);
    assert_int_equal(conv_writer_finish(w), CONV_OK);
    size_t mlen;
    const void *mem = conv_writer_memory(w, &mlen);
    assert_int_equal(mlen, flen);
    assert_memory_equal(mem, file, flen);
    conv_writer_close(w);

    struct tu_sbuf got = {0};
    w = conv_writer_open_callback(f.ctx, collect, &got, NULL, o, &err);
    assert_non_null(w);
    assert_int_equal(conv_writer_put(w, &f.rec[0]), CONV_OK);
    assert_int_equal(conv_writer_finish(w), CONV_OK);
    conv_writer_close(w);
    assert_int_equal(got.n, flen);
    assert_memory_equal(got.p, file, flen);
    free(got.p);

    w = conv_writer_open_callback(f.ctx, failing_write, NULL, NULL, o, &err);
    assert_non_null(w);
    assert_int_equal(conv_writer_put(w, &f.rec[0]), CONV_OK);
    assert_int_equal(conv_writer_finish(w), CONV_ERR);
    assert_int_equal(conv_writer_error(w)->code, CONV_E_IO);
    conv_writer_close(w);
    conv_options_free(o);
    free(file);
    tu_rmtree(dir);
    free(dir);
    free(path);
    fix_free(&f);
}

/* ---- allocation failures ---------------------------------------------------------------- */

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
 * One workbook (--sheet-by, a continuation, wrapped text) into memory with
 * the k-th allocation of the context failing, once or for good: a clean
 * out-of-memory error with every block freed and no descriptor left, or,
 * once k is past the last allocation, the same bytes as without failures.
 * Returns 1 when the run needed fewer than k allocations.
 */
static int chaos_run(long k, int persistent, struct tu_sbuf *want)
{
    struct chaos c = {0};
    struct conv_allocator a = {chaos_malloc, chaos_realloc, chaos_free, &c};
    struct fix f;
    f.ctx = conv_context_new(&a);
    assert_non_null(f.ctx);
    f.schema = conv_schema_new(f.ctx);
    for (size_t i = 0; i < NREC; i++) {
        convp_record_init(&f.rec[i], f.ctx, f.schema);
        f.rec[i].index = i + 1;
        f.rec[i].source = "in.csv";
    }
    f.n = 0;
    for (size_t r = 0; r < 6; r++) {
        fix_add(&f, r, "g", CONV_STRING, r % 2 ? "một" : "hai");
        fix_add(&f, r, "v", CONV_DECIMAL, r % 3 ? "1.5" : "1234");
        fix_add(&f, r, "t", CONV_STRING,
                r == 4 ? "dòng một\ndòng hai, một câu rất dài để xuống dòng khi in ra giấy A4 "
                         "theo chiều ngang"
                       : "_x0041_");
    }
    struct conv_options *o =
        make_opts(f.ctx, ARGV("created=" CREATED, "sheet-by=g", "xlsx-test-max-rows=5"));
    int fds = count_fds();
    c.calls = 0;
    c.fail_at = k;
    c.persistent = persistent;
    struct conv_error err = {0};
    struct conv_writer *w = conv_writer_open_memory(f.ctx, NULL, o, &err);
    int ok = w != NULL;
    for (size_t i = 0; ok && i < f.n; i++)
        ok = conv_writer_put(w, &f.rec[i]) == CONV_OK;
    ok = ok && conv_writer_finish(w) == CONV_OK;
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
        const struct conv_error *e = w ? conv_writer_error(w) : &err;
        if (e->code != CONV_E_NOMEM)
            fail_msg("allocation %ld failing: %s", k, e->message);
    }
    conv_writer_close(w);
    assert_int_equal(count_fds(), fds);
    conv_options_free(o);
    for (size_t i = 0; i < NREC; i++)
        convp_record_fini(&f.rec[i]);
    conv_schema_free(f.schema);
    conv_context_free(f.ctx);
    assert_int_equal(c.live, 0);
    return used < k;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    struct tu_sbuf want = {0};
    assert_int_equal(chaos_run(0, 0, &want), 0); /* the reference run */
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "chaos.xlsx");
    tu_write_file(path, want.p, want.n);
    char *out = readback(path, NULL);
    expect_line(out, "sheet\t1\thai\tvisible\tA1:C5");
    expect_line(out, "sheet\t3\thai (2)\tvisible\tA1:C4");
    expect_line(out, "cell\t1\tC4\ts\t\"_x0041_\"\tGeneral");
    free(out);
    for (int persistent = 0; persistent < 2; persistent++) {
        long k = 1;
        while (!chaos_run(k, persistent, &want))
            k++;
        assert_true(k > 20);
    }
    tu_rmtree(dir);
    free(dir);
    free(path);
    free(want.p);
}

/* ---- the sample ------------------------------------------------------------------------------ */

/* The sample: every value and type read back, the committed workbook is
 * what conv makes now, and its layout. */
static void test_sample(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *xlsx = tu_path(dir, "indicators.xlsx");
    char *in = src_path("samples/indicators.csv");
    char *schema = src_path("samples/indicators.schema.json");
    char opt_schema[4200];
    snprintf(opt_schema, sizeof opt_schema, "schema=%s", schema);
    check_cells(in, ARGV(opt_schema, "created=" CREATED, "source=" SAMPLE_SOURCE), NULL, xlsx);
    char *now = readback(xlsx, ARGV("--styles"));
    char *committed_path = src_path("samples/indicators.xlsx");
    char *committed = readback(committed_path, ARGV("--styles"));
    if (strcmp(now, committed) != 0)
        fail_msg("samples/indicators.xlsx is not what conv makes of the CSV now:\n%s\n---\n%s",
                 committed, now);
    expect_line(now, "props\t" SAMPLE_TITLE "\t" SAMPLE_SOURCE
                     "\tlibconv\tWritten by libconv " CONV_VERSION_STRING
                     "; the fields are described on the hidden sheet _conv_fields\t"
                     "2022-01-15T00:00:00");
    expect_line(now, "cell\t1\tA1\ts\t\"" SAMPLE_TITLE "\"\tGeneral\tbold size=14.0 - - fill=- -");
    expect_line(now, "merged\t1\tA1:M1");
    expect_line(now, "filter\t1\tA3:M15");
    expect_line(now, "cell\t1\tF4\ts\t\"2021\"\tGeneral\t- size=11.0 - top fill=- -");
    expect_line(now, "cell\t1\tG4\tn\t13090\t13,090\t#,##0\t- size=11.0 - top fill=- -");
    expect_line(now, "cell\t1\tG9\tn\t552.6\t552.6\t#,##0.0\t- size=11.0 - top fill=- -");
    expect_line(now, "cell\t1\tC5\ts\t\"0101\"\tGeneral\t- size=11.0 - top fill=- -");
    expect_line(now, "cell\t1\tG15\tn\t442.1\t442.1\t#,##0.0\t- size=11.0 - - fill=- -");
    expect_line(now, "sheet\t2\t_conv_fields\thidden\tA1:F14");
    free(now);
    free(committed);
    free(committed_path);
    tu_rmtree(dir);
    free(dir);
    free(xlsx);
    free(in);
    free(schema);
}

/* ---- the tool -------------------------------------------------------------------------- */

static void test_tool(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "stdout.xlsx");
    struct tu_run r;
    /* Standard input in, standard output out (through a temporary file). */
    const char *data = "năm,giá trị\n2021,1234.5\n";
    tu_run_tool(&r, "conv", data, strlen(data),
                ARGV("--from", "csv", "--to", "xlsx", "--created", CREATED, "--author", "Tôi"));
    assert_int_equal(r.status, 0);
    assert_true(r.out_len > 1000);
    assert_memory_equal(r.out, "PK\3\4", 4);
    tu_write_file(path, r.out, r.out_len);
    tu_run_free(&r);
    char *out = readback(path, NULL);
    expect_line(out, "cell\t1\tA3\ts\t\"năm\"\tGeneral");
    expect_line(out, "cell\t1\tA4\tn\t2021\t2021\t0");
    expect_line(out, "cell\t1\tB4\tn\t1234.5\t1,234.5\t#,##0.0");
    assert_non_null(strstr(out, "\nprops\tNone\tNone\tTôi\t")); /* no title or source */
    free(out);
    assert_int_equal(tu_count_entries(dir), 1);

    /* --plain and --sheet-by from the command line, to a file. */
    char *in = src_path("samples/indicators.csv");
    char *xlsx = tu_path(dir, "by.xlsx");
    tu_run_tool(
        &r, "conv", NULL, 0,
        ARGV(in, "-o", xlsx, "--plain", "--sheet-by", "indicator_code", "--created", CREATED));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    out = readback(xlsx, NULL);
    expect_line(out, "sheet\t1\t01\tvisible\tA1:M3");
    expect_line(out, "sheet\t6\t03\tvisible\tA1:M3");
    expect_line(out, "cell\t6\tG3\tn\t442.1\t442.1\t#,##0.0");
    expect_line(out, "cell\t6\tG2\tn\t552.6\t552.6\t#,##0.0");
    free(out);

    /* A text over the limit: exit 1 with the place, nothing written. */
    struct tu_sbuf big = {0};
    tu_sb_str(&big, "a,b\n1,");
    for (int i = 0; i < 40000; i++)
        tu_sb_str(&big, "đ");
    tu_sb_str(&big, "\n");
    char *bad = tu_path(dir, "bad.xlsx");
    tu_run_tool(&r, "conv", big.p, big.n, ARGV("--from", "csv", "-o", bad));
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "conv: -:2:3: record 1, field 'b': text of 40000 characters is "
                               "over Excel's 32767 in a cell\n");
    tu_run_free(&r);
    assert_int_equal(tu_exists(bad), 0);
    free(big.p);

    /* The help lists the writer's options. */
    tu_run_tool(&r, "conv", NULL, 0, ARGV("--help"));
    assert_non_null(strstr(r.out, "--sheet-by FIELD"));
    assert_non_null(strstr(r.out, "--plain"));
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(path);
    free(in);
    free(xlsx);
    free(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_grouping_rule),
        cmocka_unit_test(test_styled_layout),
        cmocka_unit_test(test_metadata_defaults),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_sheet_by),
        cmocka_unit_test(test_text_limit),
        cmocka_unit_test(test_column_limit),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_atomic),
        cmocka_unit_test(test_memory_and_callback),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_tool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
