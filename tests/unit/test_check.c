/*
 * The checker and conv-check: the seed sample is clean; one sector changed
 * by 1 gives exactly one finding, the same from CSV, JSON, JSON Lines, XML
 * and XLSX; every rule on a file made to break each; the options; memory
 * bounded by the sort budget on a large generated input; the external
 * sort itself; the tool's output, report and exit codes; the profile's
 * derived schemas are the ones in schemas/; the profile's named fields and
 * its periods.
 */
#include "testutil.h"

#include "profile/extsort.h"
#include "profile/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

struct found {
    char rule[32];
    int severity;
    uint64_t record, line;
    char field[128];
    char cell[32];
    char message[256];
};

struct findings {
    struct found f[64];
    size_t n;
};

static void collect(void *user, const struct conv_finding *x)
{
    struct findings *fs = user;
    if (fs->n >= 64)
        fail_msg("too many findings");
    struct found *f = &fs->f[fs->n++];
    snprintf(f->rule, sizeof f->rule, "%s", x->rule);
    f->severity = x->severity;
    f->record = x->where.record;
    f->line = x->where.line;
    snprintf(f->field, sizeof f->field, "%s", x->where.field);
    snprintf(f->cell, sizeof f->cell, "%s", x->cell ? x->cell : "");
    snprintf(f->message, sizeof f->message, "%s", x->where.message);
}

/* Check a file with reading options; the findings and counts. */
static struct conv_check_counts check(const char *path, const char *const *kv,
                                      const char *const *check_kv, struct findings *fs)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx), *co = conv_options_new(ctx);
    for (size_t i = 0; kv && kv[i]; i += 2)
        conv_options_set(o, kv[i], kv[i + 1]);
    for (size_t i = 0; check_kv && check_kv[i]; i += 2)
        conv_options_set(co, check_kv[i], check_kv[i + 1]);
    memset(fs, 0, sizeof *fs);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_checker *c = conv_checker_new(ctx, "indicators", co, collect, fs, &err);
    if (!c)
        fail_msg("checker: %s", err.message);
    if (conv_checker_check_file(c, path, o, &err) != CONV_OK)
        fail_msg("%s: %s", path, err.message);
    struct conv_check_counts n = *conv_checker_counts(c);
    assert_int_equal(n.errors + n.warnings, fs->n);
    conv_checker_free(c);
    conv_options_free(o);
    conv_options_free(co);
    conv_context_free(ctx);
    return n;
}

static void dump(const struct findings *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        fprintf(stderr, "  %s line %llu record %llu field %s: %s\n", fs->f[i].rule,
                (unsigned long long)fs->f[i].line, (unsigned long long)fs->f[i].record,
                fs->f[i].field, fs->f[i].message);
}

static void expect(const struct findings *fs, size_t i, const char *rule, int severity,
                   uint64_t line, const char *field, const char *in_message)
{
    if (i >= fs->n) {
        dump(fs);
        fail_msg("finding %zu missing (want %s)", i, rule);
    }
    const struct found *f = &fs->f[i];
    if (strcmp(f->rule, rule) || f->severity != severity || f->line != line ||
        strcmp(f->field, field) || !strstr(f->message, in_message)) {
        dump(fs);
        fail_msg("finding %zu: want %s/%d line %llu field '%s' '%s'", i, rule, severity,
                 (unsigned long long)line, field, in_message);
    }
}

static char *sample_with(const char *dir, const char *name, const char *from, const char *to)
{
    char *src = tu_src("samples/indicators.csv");
    size_t len;
    char *text = tu_read_file(src, &len);
    assert_non_null(text);
    char *at = strstr(text, from);
    assert_non_null(at);
    struct tu_sbuf b = {0};
    tu_sb_add(&b, text, (size_t)(at - text));
    tu_sb_str(&b, to);
    tu_sb_str(&b, at + strlen(from));
    char *path = tu_path(dir, name);
    tu_write_file(path, b.p, b.n);
    free(b.p);
    free(text);
    free(src);
    return path;
}

static void test_seed_clean(void **state)
{
    (void)state;
    char *path = tu_src("samples/indicators.csv");
    struct findings fs;
    struct conv_check_counts n = check(path, NULL, NULL, &fs);
    if (fs.n)
        dump(&fs);
    assert_int_equal(n.records, 12);
    assert_int_equal(n.errors, 0);
    assert_int_equal(n.warnings, 0);
    free(path);
    /* The same records in every sample format. */
    static const char *const others[] = {"samples/indicators.json", "samples/indicators.jsonl",
                                         "samples/indicators.xml", "samples/indicators.xlsx"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        path = tu_src(others[i]);
        n = check(path, NULL, NULL, &fs);
        if (fs.n)
            dump(&fs);
        assert_int_equal(n.records, 12);
        assert_int_equal(fs.n, 0);
        free(path);
    }
}

/* One sector changed by 1: exactly the sum finding, at the total's record
 * and line, and the same from each format conv writes. */
static void test_one_sector_changed(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *csv = sample_with(dir, "bad.csv", ",775,", ",776,");
    struct findings fs;
    check(csv, NULL, NULL, &fs);
    assert_int_equal(fs.n, 1);
    expect(&fs, 0, "sum", CONV_SEVERITY_ERROR, 2, "value", "add up to 13091");
    assert_int_equal(fs.f[0].record, 1);
    char *schema = tu_src("samples/indicators.schema.json");
    char opt[4200];
    snprintf(opt, sizeof opt, "%s", schema);
    static const char *const exts[] = {"json", "jsonl", "xml", "xlsx"};
    static const uint64_t lines[] = {2, 1, 0, 4}; /* XML: checked apart */
    for (size_t i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad.%s", exts[i]);
        char *out = tu_path(dir, name);
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = conv_options_new(ctx);
        conv_options_set(o, "schema", opt);
        struct conv_error err;
        if (conv_convert(ctx, csv, out, o, NULL, &err) != CONV_OK)
            fail_msg("%s: %s", name, err.message);
        conv_options_free(o);
        conv_context_free(ctx);
        struct findings g;
        check(out, NULL, NULL, &g);
        if (g.n != 1)
            dump(&g);
        assert_int_equal(g.n, 1);
        assert_string_equal(g.f[0].rule, "sum");
        assert_int_equal(g.f[0].record, 1);
        assert_string_equal(g.f[0].field, "value");
        assert_string_equal(g.f[0].message, fs.f[0].message);
        if (lines[i])
            assert_int_equal(g.f[0].line, lines[i]);
        else
            assert_true(g.f[0].line > 1);
        if (!strcmp(exts[i], "xlsx"))
            assert_string_equal(g.f[0].cell, "G4");
        free(out);
    }
    free(schema);
    free(csv);
    tu_rmtree(dir);
    free(dir);
}

static const char rules_csv[] =
    "region_code,region_name,indicator_code,indicator_name,parent_code,period,value,unit,"
    "change_pct,status,extra\n"
    "165,Sông Công,01,Total,,2021,13090,tỷ đồng,16.5,official,x\n"     /* 2 */
    "165,Sông Công,01,Total,,2020,11263,tỷ đồng,,official,\n"          /* 3 */
    "165,Sông Công,01,Total,,2021,13090,tỷ đồng,16.5,official,\n"      /* 4 dup */
    "165,Sông Công,0101,A,01,2021,abc,tỷ đồng,,official,\n"            /* 5 type */
    "999,X,02,Exports,,2021,170,triệu đô,13.1,final,\n"                 /* 6 */
    "165,Sông Công,02,Exports,,2021-Q5,170,triệu USD,,official,\n"     /* 7 */
    "165,Sông Công,03,Budget,,2020,442.1,tỷ đồng,,official,\n"         /* 8 */
    "165,Sông Công,03,Budget,,2021,552.6,tỷ đồng,40,official,\n"       /* 9 growth */
    "165,Sông Công,04,Thing,,2019,10,tấn,,official,\n"                  /* 10 */
    "165,Sông Công,04,Thing,,2020,11,tấn,,official,\n"                  /* 11 */
    "165,Sông Công,04,Thing,,2021,500,tấn,,official,\n"                 /* 12 outlier */
    "165,Sông Công,05,Later,,2026,1,tấn,,official,\n"                   /* 13 */
    ",Sông Công,06,NoRegion,,2021,1,tấn,,official,\n"                   /* 14 */
    "165,Sông Công,0701,Orphan,07,2021,1,tấn,,official,\n"              /* 15 */
    "165,Sông Công,08,Self,08,2021,1,tấn,,official,\n"                  /* 16 */
    "1A5,Sông Công,9,Odd,,2021,1,tấn,,official,\n";                     /* 17 */

static void test_every_rule(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "rules.csv");
    tu_write_file(path, rules_csv, sizeof rules_csv - 1);
    struct findings fs;
    struct conv_check_counts n = check(path, NULL, NULL, &fs);
    assert_int_equal(n.records, 16);
    const int E = CONV_SEVERITY_ERROR, W = CONV_SEVERITY_WARNING;
    size_t i = 0;
    /* Rules on one record, in record order. */
    expect(&fs, i++, "unknown-field", W, 2, "extra", "'extra' is not in the indicators profile");
    expect(&fs, i++, "type", E, 5, "value", "'abc' is not a number");
    expect(&fs, i++, "region", E, 6, "region_code", "'999' is not in the list");
    expect(&fs, i++, "unit", E, 6, "unit", "'triệu đô' is not in the list of units");
    expect(&fs, i++, "status", E, 6, "status", "'final'");
    expect(&fs, i++, "period", E, 7, "period", "'2021-Q5'");
    expect(&fs, i++, "region-period", W, 13, "region_code", "ended on 2025-06-30");
    expect(&fs, i++, "required", E, 14, "region_code", "required but has no value");
    expect(&fs, i++, "parent", E, 16, "parent_code", "its own parent");
    expect(&fs, i++, "region-code", E, 17, "region_code", "'1A5' is not 2 to 5 digits");
    expect(&fs, i++, "indicator-code", E, 17, "indicator_code", "'9' is not two digits");
    /* Rules across records, in key order. */
    expect(&fs, i++, "duplicate", E, 4, "", "as record 1 (line 2)");
    expect(&fs, i++, "growth", E, 9, "change_pct", "change 40 % contradicts");
    expect(&fs, i++, "outlier", W, 12, "value", "47.6 times the median 10.5");
    expect(&fs, i++, "parent", W, 15, "parent_code", "parent indicator 07 has no record");
    assert_int_equal(fs.n, i);
    assert_int_equal(n.errors, 11);
    assert_int_equal(n.warnings, 4);

    /* Tolerances are options. */
    check(path, NULL, ARGV("growth-tolerance", "20", "outlier-factor", "100"), &fs);
    for (size_t k = 0; k < fs.n; k++) {
        assert_string_not_equal(fs.f[k].rule, "growth");
        assert_string_not_equal(fs.f[k].rule, "outlier");
    }
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* The rounding of the data: the coarsest precision of a total and its
 * components decides; a tie at half a unit is within it. */
static void test_sum_rounding(void **state)
{
    (void)state;
    static const struct {
        const char *total, *a, *b;
        int finding;
    } rows[] = {
        {"3.5", "1.25", "2.25", 0}, {"3.6", "1.25", "2.25", 1}, {"3", "1.2", "2", 0},
        {"3", "1.2", "2.3", 0},     {"4", "1.2", "2.3", 0},     {"5", "1.2", "2.3", 1},     {"13090", "13089", "0.6", 0},
        {"-1", "-0.5", "-0.5", 0},  {"0", "1", "-1", 0},         {"10", "5", "6", 1},
        /* numbers a spreadsheet computed (15 significant digits) are each
         * known to half their last digit, which adds up */
        {"3.66666666666667", "1.33333333333333", "2.33333333333333", 0},
        {"3.66666666666677", "1.33333333333333", "2.33333333333333", 1},
        {"1773651.82123436", "997034.549337003", "776617.271897358", 0},
        {"1773651.82123436", "997034.549337003", "776617.271897458", 1},
    };
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "sum.csv");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char doc[512];
        int n = snprintf(doc, sizeof doc,
                         "region_code,indicator_code,parent_code,period,value,unit\n"
                         "165,01,,2021,%s,tấn\n165,0101,01,2021,%s,tấn\n165,0102,01,2021,%s,tấn\n",
                         rows[i].total, rows[i].a, rows[i].b);
        tu_write_file(path, doc, (size_t)n);
        struct findings fs;
        check(path, NULL, NULL, &fs);
        size_t sums = 0;
        for (size_t k = 0; k < fs.n; k++)
            sums += !strcmp(fs.f[k].rule, "sum");
        if (sums != (size_t)rows[i].finding) {
            dump(&fs);
            fail_msg("row %zu: %s vs %s + %s", i, rows[i].total, rows[i].a, rows[i].b);
        }
    }
    /* Rates, shares and yields (kind ratio or yield in the unit list) do
     * not add up: not summed, and nothing said. */
    static const char rates[] = "region_code,indicator_code,parent_code,period,value,unit\n"
                                "165,01,,2021,64.8,%\n165,0101,01,2021,66.0,%\n"
                                "165,0102,01,2021,63.7,%\n";
    tu_write_file(path, rates, sizeof rates - 1);
    struct findings fr;
    check(path, NULL, NULL, &fr);
    if (fr.n != 0) {
        dump(&fr);
        fail_msg("a rate's parts summed");
    }
    /* Components in another unit are not summed: a warning says so. */
    static const char mixed[] = "region_code,indicator_code,parent_code,period,value,unit\n"
                                "165,01,,2021,10,tấn\n165,0101,01,2021,4,tấn\n"
                                "165,0102,01,2021,6000,ha\n";
    tu_write_file(path, mixed, sizeof mixed - 1);
    struct findings fs;
    check(path, NULL, NULL, &fs);
    assert_int_equal(fs.n, 1);
    expect(&fs, 0, "sum-unit", CONV_SEVERITY_WARNING, 2, "value", "not all in its unit");
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* Growth against the same period of the year before: quarters with
 * quarters, nine months with nine months; rounding of both values. */
static void test_growth_periods(void **state)
{
    (void)state;
    static const char doc[] =
        "region_code,indicator_code,period,value,unit,change_pct\n"
        "165,01,2020-Q3,100,tấn,\n"
        "165,01,2021-Q3,110,tấn,10\n"   /* right */
        "165,01,2021-Q2,200,tấn,10\n"   /* no 2020-Q2: not checked */
        "165,01,2020-9M,300,tấn,\n"
        "165,01,2021-9M,330,tấn,12\n"   /* 10 %, 2 points off */
        "165,01,2020-06,10,tấn,\n"
        "165,01,2021-06,11,tấn,14.9\n"; /* 10.5/10.5 .. 11.5/9.5: within rounding */
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "g.csv");
    tu_write_file(path, doc, sizeof doc - 1);
    struct findings fs;
    check(path, NULL, NULL, &fs);
    assert_int_equal(fs.n, 1);
    expect(&fs, 0, "growth", CONV_SEVERITY_ERROR, 6, "change_pct", "change 12 %");
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* Code lists from the user's files replace the profile's. */
static void test_code_lists(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *units = tu_path(dir, "units.csv"), *regions = tu_path(dir, "regions.csv");
    tu_write_file(units, "unit\nbao\n", 9);
    static const char reg[] = "code,name,valid_from,valid_to\n01,Hà Nội,,\n";
    tu_write_file(regions, reg, sizeof reg - 1);
    char *path = tu_path(dir, "d.csv");
    static const char doc[] = "region_code,indicator_code,period,value,unit\n"
                              "01,01,2021,1,bao\n165,01,2021,1,tấn\n";
    tu_write_file(path, doc, sizeof doc - 1);
    struct findings fs;
    check(path, NULL, ARGV("units", units, "regions", regions), &fs);
    assert_int_equal(fs.n, 2);
    expect(&fs, 0, "region", CONV_SEVERITY_ERROR, 3, "region_code", "'165'");
    expect(&fs, 1, "unit", CONV_SEVERITY_ERROR, 3, "unit", "'tấn'");
    /* A list without its key column is refused. */
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *co = conv_options_new(ctx);
    conv_options_set(co, "units", regions);
    struct conv_error err;
    assert_null(conv_checker_new(ctx, NULL, co, NULL, NULL, &err));
    assert_int_equal(err.code, CONV_E_SCHEMA);
    assert_non_null(strstr(err.message, "needs a column 'unit'"));
    conv_options_set(co, "units", units);
    conv_options_set(co, "growth-tolerance", "x");
    assert_null(conv_checker_new(ctx, NULL, co, NULL, NULL, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    assert_null(conv_checker_new(ctx, "nope", NULL, NULL, NULL, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    conv_options_free(co);
    conv_context_free(ctx);
    free(units);
    free(regions);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* Bad input that stops the reading is a finding; what was read is checked. */
static void test_read_error(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "r.csv");
    static const char doc[] = "region_code,indicator_code,period,value,unit\n"
                              "165,01,2021,1,tấn,extra\n";
    tu_write_file(path, doc, sizeof doc - 1);
    struct findings fs;
    check(path, NULL, NULL, &fs);
    assert_int_equal(fs.n, 1);
    assert_string_equal(fs.f[0].rule, "read");
    assert_int_equal(fs.f[0].line, 2);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* ---- bounded memory ---------------------------------------------------------------------- */

/* 200,000 records (about 40 MB of sort items) with a 1 MiB sort budget:
 * the peak stays a few MiB, and the rules still find the one duplicate,
 * the one wrong sum and the one wrong growth rate far apart in the file. */
static void test_memory_bounded(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "big.csv");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "region_code,indicator_code,parent_code,period,value,unit,change_pct\n");
    /* 25,000 regions x 2 years x (total + 3 components). */
    for (int r = 0; r < 25000; r++)
        for (int y = 2020; y <= 2021; y++) {
            int base = 1000 + r % 97;
            int v = y == 2020 ? base : base + base / 10;
            int a = v / 2, b = v / 3, c = v - a - b;
            if (r == 24000 && y == 2021)
                c += 1; /* a wrong sum */
            fprintf(f, "%05d,01,,%d,%d,tấn,%s\n", r, y, v, y == 2021 ? (r == 7 ? "50" : "") : "");
            fprintf(f, "%05d,0101,01,%d,%d,tấn,\n%05d,0102,01,%d,%d,tấn,\n", r, y, a, r, y, b);
            fprintf(f, "%05d,0103,01,%d,%d,tấn,\n", r, y, c);
        }
    fprintf(f, "00003,01,,2020,1003,tấn,\n"); /* a duplicate */
    fclose(f);

    struct tu_counting cnt = {0};
    struct conv_allocator alloc = tu_counting_allocator(&cnt);
    struct conv_context *ctx = conv_context_new(&alloc);
    struct conv_options *o = conv_options_new(ctx), *co = conv_options_new(ctx);
    conv_options_set(co, "sort-memory", "1");
    struct findings fs;
    memset(&fs, 0, sizeof fs);
    struct conv_error err;
    /* The generated region codes, as the checker's list. */
    char *regions = tu_path(dir, "regions.csv");
    FILE *rf = fopen(regions, "w");
    fprintf(rf, "code\n");
    for (int r = 0; r < 25000; r++)
        fprintf(rf, "%05d\n", r);
    fclose(rf);
    conv_options_set(co, "regions", regions);
    struct conv_checker *c = conv_checker_new(ctx, NULL, co, collect, &fs, &err);
    if (!c)
        fail_msg("%s", err.message);
    size_t base = cnt.peak, before = cnt.now;
    cnt.peak = cnt.now;
    if (conv_checker_check_file(c, path, o, &err) != CONV_OK)
        fail_msg("%s", err.message);
    const struct conv_check_counts *n = conv_checker_counts(c);
    assert_int_equal(n->records, 200001);
    if (fs.n != 3)
        dump(&fs);
    assert_int_equal(fs.n, 3);
    /* Key order: region 00003 (duplicate), 00007 (growth), 24000 (sum). */
    expect(&fs, 0, "duplicate", CONV_SEVERITY_ERROR, 200002, "", "as record 25 (line 26)");
    expect(&fs, 1, "growth", CONV_SEVERITY_ERROR, 7 * 8 + 6, "change_pct", "change 50 %");
    expect(&fs, 2, "sum", CONV_SEVERITY_ERROR, 24000 * 8 + 6, "value", "add up to");
    conv_checker_free(c);
    conv_options_free(o);
    conv_options_free(co);
    conv_context_free(ctx);
    /* The checker with its code lists, before: what the check adds is the
     * sort budget, the reader and small change. */
    if (cnt.peak - before > ((size_t)4 << 20))
        fail_msg("peak memory %zu bytes over the %zu before", cnt.peak - before, before);
    (void)base;
    assert_int_equal(cnt.now, 0);
    free(regions);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* The external sort: many runs, keys in order, equal keys as added. */
static void test_extsort(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct convp_sorter *s = convp_sorter_new(ctx, 65536, &err);
    assert_non_null(s);
    unsigned x = 12345;
    enum { N = 100000 };
    for (unsigned i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        char key[16];
        int kl = snprintf(key, sizeof key, "k%u", (x >> 8) % 5000);
        assert_int_equal(convp_sorter_add(s, key, (size_t)kl, &i, sizeof i, &err), CONV_OK);
    }
    assert_int_equal(convp_sorter_finish(s, &err), CONV_OK);
    assert_true(convp_sorter_runs(s) > 10);
    struct convp_sort_item it;
    char prev[16] = "";
    size_t prev_len = 0;
    unsigned prev_i = 0, count = 0;
    int r;
    while ((r = convp_sorter_next(s, &it, &err)) == 1) {
        unsigned i;
        memcpy(&i, it.payload, sizeof i);
        assert_int_equal(it.plen, sizeof i);
        if (count) {
            size_t m = prev_len < it.klen ? prev_len : it.klen;
            int c = memcmp(prev, it.key, m);
            assert_true(c < 0 || (c == 0 && prev_len <= it.klen));
            if (c == 0 && prev_len == it.klen)
                assert_true(prev_i < i); /* stable */
        }
        memcpy(prev, it.key, it.klen);
        prev_len = it.klen;
        prev_i = i;
        count++;
    }
    assert_int_equal(r, 0);
    assert_int_equal(count, N);
    convp_sorter_free(s);
    /* Nothing added; and all in memory. */
    s = convp_sorter_new(ctx, 1 << 20, &err);
    assert_int_equal(convp_sorter_finish(s, &err), CONV_OK);
    assert_int_equal(convp_sorter_next(s, &it, &err), 0);
    convp_sorter_free(s);
    conv_context_free(ctx);
}

/* A schema file instead of the profile: its fields, types and required
 * ones; the fields it shares with the profile keep their rules. */
static void test_schema_file(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *schema = tu_path(dir, "s.json");
    static const char sj[] =
        "{\"fields\": [{\"name\": \"region_code\", \"type\": \"string\", \"required\": true},"
        "{\"name\": \"indicator_code\", \"type\": \"string\", \"required\": true},"
        "{\"name\": \"period\", \"type\": \"string\", \"required\": true},"
        "{\"name\": \"value\", \"type\": \"decimal\", \"required\": true},"
        "{\"name\": \"day\", \"type\": \"date\"},"
        "{\"name\": \"ok\", \"type\": \"boolean\", \"required\": true},"
        "{\"name\": \"n\", \"type\": \"integer\"}]}";
    tu_write_file(schema, sj, sizeof sj - 1);
    char *path = tu_path(dir, "d.csv");
    static const char doc[] = "region_code,indicator_code,period,value,day,ok,n,unit\n"
                              "165,01,2021,1,2021-02-30,true,7,tấn\n"
                              "165,01,2021,2,2021-02-28,maybe,7.5,tấn\n"
                              "165,01,2022,2,,,1,tấn\n";
    tu_write_file(path, doc, sizeof doc - 1);
    struct findings fs;
    check(path, NULL, ARGV("schema", schema), &fs);
    size_t i = 0;
    expect(&fs, i++, "unknown-field", CONV_SEVERITY_WARNING, 2, "unit", "not in the schema");
    expect(&fs, i++, "type", CONV_SEVERITY_ERROR, 2, "day", "'2021-02-30' is not a valid date");
    expect(&fs, i++, "type", CONV_SEVERITY_ERROR, 3, "ok", "'maybe' is not a valid boolean");
    expect(&fs, i++, "type", CONV_SEVERITY_ERROR, 3, "n", "'7.5' is not a valid integer");
    expect(&fs, i++, "required", CONV_SEVERITY_ERROR, 4, "ok", "required but has no value");
    expect(&fs, i++, "duplicate", CONV_SEVERITY_ERROR, 3, "", "as record 1 (line 2)");
    assert_int_equal(fs.n, i);
    /* Through the tool, with the schema named in the JSON report. */
    struct tu_run r;
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--schema", schema, "--format", "json", path));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"schema\": \""));
    tu_run_free(&r);
    free(path);
    free(schema);
    tu_rmtree(dir);
    free(dir);
}

/* A file of other records (a province list, a conversion table): one
 * finding for the file, at its header, naming the missing fields, not
 * five per record; the tool exits 1 with that one line. */
static void test_no_indicator_records(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "tinh.csv");
    static const char doc[] = "Mã,Tên tỉnh\n01,Thành phố Hà Nội\n04,Cao Bằng\n08,Tuyên Quang\n";
    tu_write_file(path, doc, sizeof doc - 1);
    struct findings fs;
    struct conv_check_counts n = check(path, NULL, NULL, &fs);
    assert_int_equal(n.records, 3);
    assert_int_equal(n.errors, 1);
    assert_int_equal(n.warnings, 0);
    expect(&fs, 0, "no-records", CONV_SEVERITY_ERROR, 1, "",
           "no indicator records: none of the fields the indicators profile requires "
           "(region_code, indicator_code, period, value, unit) is here; its fields: Mã, Tên tỉnh");
    assert_int_equal(fs.f[0].record, 0);
    /* No header at all: its first record named the fields (a name shorter
     * than "..." starts the list). */
    char *bare = tu_path(dir, "bare.csv");
    static const char doc1[] = "01,Thành phố Hà Nội\n04,Cao Bằng\n";
    tu_write_file(bare, doc1, sizeof doc1 - 1);
    check(bare, NULL, NULL, &fs);
    assert_int_equal(fs.n, 1);
    expect(&fs, 0, "no-records", CONV_SEVERITY_ERROR, 1, "", "its fields: 01, Thành phố Hà Nội");
    free(bare);
    /* Its header below a title: the header's line. */
    char *titled = tu_path(dir, "titled.csv");
    static const char doc2[] = "Danh sách\n\nMã,Tên tỉnh\n01,Hà Nội\n";
    tu_write_file(titled, doc2, sizeof doc2 - 1);
    check(titled, NULL, NULL, &fs);
    assert_int_equal(fs.n, 1);
    expect(&fs, 0, "no-records", CONV_SEVERITY_ERROR, 3, "", "its fields: Mã, Tên tỉnh");
    /* Many fields: the list is cut. */
    char *wide = tu_path(dir, "wide.csv");
    struct tu_sbuf b = {0};
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "%scolumn number %d", i ? "," : "", i);
        tu_sb_str(&b, name);
    }
    tu_sb_str(&b, "\n");
    for (int i = 0; i < 40; i++)
        tu_sb_str(&b, i ? ",x" : "x");
    tu_sb_str(&b, "\n");
    tu_write_file(wide, b.p, b.n);
    check(wide, NULL, NULL, &fs);
    assert_int_equal(fs.n, 1);
    expect(&fs, 0, "no-records", CONV_SEVERITY_ERROR, 1, "", "column number 0, column number 1");
    assert_non_null(strstr(fs.f[0].message, "..."));
    /* One required field there: an indicator file with fields missing,
     * checked record by record as before. */
    char *partial = tu_path(dir, "partial.csv");
    static const char doc3[] = "region_code,x\n165,1\n165,2\n";
    tu_write_file(partial, doc3, sizeof doc3 - 1);
    n = check(partial, NULL, NULL, &fs);
    assert_int_equal(n.errors, 8); /* 4 required fields missing, 2 records */
    expect(&fs, 0, "unknown-field", CONV_SEVERITY_WARNING, 2, "x", "not in the indicators");
    expect(&fs, 1, "required", CONV_SEVERITY_ERROR, 2, "indicator_code", "required but missing");
    /* A schema file: its own required fields. */
    char *schema = tu_path(dir, "s.json");
    static const char sj[] = "{\"fields\": [{\"name\": \"ma\", \"type\": \"string\", "
                             "\"required\": true}]}";
    tu_write_file(schema, sj, sizeof sj - 1);
    check(path, NULL, ARGV("schema", schema), &fs);
    assert_int_equal(fs.n, 1);
    expect(&fs, 0, "no-records", CONV_SEVERITY_ERROR, 1, "", "the schema ");
    expect(&fs, 0, "no-records", CONV_SEVERITY_ERROR, 1, "", "requires (ma) is here");
    /* A workbook: at the header's cell. */
    char *book = tu_path(dir, "tinh.xlsx");
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, ARGV(path, "--plain", "-o", book));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    check(book, NULL, NULL, &fs);
    assert_int_equal(fs.n, 1);
    assert_string_equal(fs.f[0].cell, "A1");
    /* The tool: one line on stdout, exit 1; the JSON report counts it. */
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV(path));
    assert_int_equal(r.status, 1);
    char want[512];
    snprintf(want, sizeof want,
             "%s:1: error: no-records: no indicator records: none of the fields the indicators "
             "profile requires (region_code, indicator_code, period, value, unit) is here; its "
             "fields: Mã, Tên tỉnh\n", path);
    assert_string_equal(r.out, want);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--format", "json", path));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"rule\": \"no-records\""));
    assert_non_null(strstr(r.out, "\"records\": 3, \"errors\": 1, \"warnings\": 0"));
    tu_run_free(&r);
    /* The real files, when the project's real files are there. */
    static const char *const real[] = {"../shared/real/gso/dvhc-cap-tinh-2025.csv",
                                       "../shared/real/gso/dvhc-bang-chuyen-doi-2025.csv",
                                       "../shared/real/gso/gso-dmhc-2023-04-15.xls"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        char *rp = tu_src(real[i]);
        if (!tu_exists(rp)) {
            fprintf(stderr, "skipped: %s is not there (../shared/real/)\n", rp);
            free(rp);
            continue;
        }
        tu_run_tool(&r, "conv-check", NULL, 0, ARGV("-q", rp));
        assert_int_equal(r.status, 1);
        if (!strstr(r.out, "error: no-records: no indicator records: none of the fields the "
                           "indicators profile requires (region_code, indicator_code, period, "
                           "value, unit) is here") ||
            strchr(r.out, '\n') != r.out + r.out_len - 1)
            fail_msg("%s: not one no-records line: [%s]", real[i], r.out);
        tu_run_free(&r);
        free(rp);
    }
    free(book);
    free(schema);
    free(partial);
    free(b.p);
    free(wide);
    free(titled);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the tool ---------------------------------------------------------------------------- */

static void test_tool(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *seed = tu_src("samples/indicators.csv");
    struct tu_run r;
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV(seed));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    tu_run_free(&r);

    char *bad = sample_with(dir, "bad.csv", ",775,", ",776,");
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV(bad));
    assert_int_equal(r.status, 1);
    char want[1024];
    snprintf(want, sizeof want,
             "%s:2: error: sum: record 1 (value): components of 01 add up to 13091 (0101 "
             "11227 + 0102 1088 + 0103 776), not 13090 tỷ đồng\n",
             bad);
    assert_string_equal(r.out, want);
    tu_run_free(&r);

    /* JSON on standard output, and a report file; standard input. */
    char *report = tu_path(dir, "report.json");
    size_t len;
    char *text = tu_read_file(bad, &len);
    tu_run_tool(&r, "conv-check", text, len, ARGV("--format", "json", "--report", report, "-"));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "\"rule\": \"sum\", \"severity\": \"error\""));
    assert_non_null(strstr(r.out, "\"file\": \"-\", \"record\": 1, \"line\": 2, \"column\": "));
    assert_non_null(strstr(r.out, "\"status\": \"errors\", \"records\": 12, \"errors\": 1"));
    char *rep = tu_read_file(report, NULL);
    assert_non_null(rep);
    assert_string_equal(rep, r.out);
    free(rep);
    tu_run_free(&r);
    free(text);

    /* Warnings pass unless --strict. */
    char *warn = tu_path(dir, "warn.csv");
    static const char w[] = "region_code,indicator_code,period,value,unit,colour\n"
                            "165,01,2021,1,tấn,red\n";
    tu_write_file(warn, w, sizeof w - 1);
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV(warn));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "warning: unknown-field"));
    tu_run_free(&r);
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--strict", warn));
    assert_int_equal(r.status, 1);
    tu_run_free(&r);

    /* --max-findings keeps the counts. */
    char *rules = tu_path(dir, "rules.csv");
    tu_write_file(rules, rules_csv, sizeof rules_csv - 1);
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--max-findings", "2", rules));
    assert_int_equal(r.status, 1);
    snprintf(want, sizeof want, "%s: ... 15 findings in all\n", rules);
    assert_non_null(strstr(r.out, want));
    tu_run_free(&r);

    /* Usage and I/O errors. */
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--format", "xml", seed));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--nope", seed));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--profile", "nope", seed));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    char *missing = tu_path(dir, "missing.csv");
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV(missing, seed));
    assert_int_equal(r.status, 3);
    tu_run_free(&r);
    /* A report that cannot be written leaves nothing. */
    char *noreport = tu_path(dir, "no/such/dir/r.json");
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--report", noreport, seed));
    assert_int_equal(r.status, 3);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--help"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--growth-tolerance PP"));
    assert_non_null(strstr(r.out, "--locale"));
    tu_run_free(&r);

    free(noreport);
    free(missing);
    free(rules);
    free(warn);
    free(report);
    free(bad);
    free(seed);
    tu_rmtree(dir);
    free(dir);
}

/* The profile's JSON Schema and XSD are the committed ones; the sample's
 * schema file has the profile's fields; and --profile declares them. */
static void test_profile_documents(void **state)
{
    (void)state;
    static const char *const kinds[][2] = {{"json-schema", "schemas/indicators.schema.json"},
                                           {"xsd", "schemas/indicators.xsd"}};
    for (size_t i = 0; i < 2; i++) {
        struct tu_run r;
        tu_run_tool(&r, "conv-check", NULL, 0, ARGV("--print-schema", kinds[i][0]));
        assert_int_equal(r.status, 0);
        char *path = tu_src(kinds[i][1]);
        char *want = tu_read_file(path, NULL);
        assert_non_null(want);
        if (strcmp(r.out, want) != 0)
            fail_msg("%s is not what conv-check --print-schema %s makes now", kinds[i][1],
                     kinds[i][0]);
        free(want);
        free(path);
        tu_run_free(&r);
    }
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    char *path = tu_src("samples/indicators.schema.json");
    struct conv_schema *sample = conv_schema_load(ctx, path, &err);
    struct conv_schema *prof = conv_profile_schema(ctx, "indicators", &err);
    assert_non_null(sample);
    assert_non_null(prof);
    assert_int_equal(conv_schema_count(sample), conv_schema_count(prof));
    for (size_t i = 0; i < conv_schema_count(prof); i++) {
        const struct conv_field *a = conv_schema_field(sample, i), *b = conv_schema_field(prof, i);
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->required, b->required);
        assert_string_equal(a->label, b->label);
        assert_string_equal(a->label_en, b->label_en);
    }
    assert_null(conv_profile_schema(ctx, "nope", &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    conv_schema_free(sample);
    conv_schema_free(prof);
    free(path);
    /* --profile: typed records; a value that does not fit is an error. */
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "profile", "indicators");
    char *seed = tu_src("samples/indicators.csv");
    struct conv_reader *rd = conv_reader_open_file(ctx, seed, o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_record_get(rec, "value")->type, CONV_DECIMAL);
    assert_int_equal(conv_record_get(rec, "region_code")->type, CONV_STRING);
    conv_reader_close(rd);
    conv_options_set(o, "schema", seed);
    assert_null(conv_reader_open_file(ctx, seed, o, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    free(seed);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* The JSON Schema accepts the samples and refuses a bad period (Debian's
 * python3-jsonschema, an independent validator). */
static void test_json_schema_validates(void **state)
{
    (void)state;
    char *schema = tu_src("schemas/indicators.schema.json");
    char *json = tu_src("samples/indicators.json"), *jsonl = tu_src("samples/indicators.jsonl");
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import json, sys, jsonschema\n"
             "V = jsonschema.Draft202012Validator\n"
             "s = json.load(open(sys.argv[1])); V.check_schema(s); v = V(s)\n"
             "d = json.load(open(sys.argv[2])); v.validate(d)\n"
             "for l in open(sys.argv[3]): v.validate(json.loads(l))\n"
             "d[0][\"period\"] = \"2021-Q5\"\n"
             "assert not v.is_valid(d)\n"
             "d[0][\"period\"] = \"2021\"; d[0][\"value\"] = \"13.090\"\n"
             "assert not v.is_valid(d)\n"
             "' %s %s %s",
             schema, json, jsonl);
    assert_int_equal(system(cmd), 0);
    free(schema);
    free(json);
    free(jsonl);
}

/* Every named field of the indicators profile is the field of its table at
 * that index (profile.c lays the table out by the names). */
static void test_profile_fields(void **state)
{
    (void)state;
    const struct convp_profile *p = convp_profile_indicators();
    assert_ptr_equal(p, convp_profile_find("indicators"));
    assert_int_equal(p->n, CONVP_IND_FIELDS);
    for (size_t f = 0; f < CONVP_IND_FIELDS; f++) {
        const char *name = convp_indicator_field((enum convp_indicator_field)f);
        assert_non_null(name);
        assert_ptr_equal(name, p->fields[f].name);
        assert_int_equal(convp_profile_field(p, name), (long)f);
    }
    assert_string_equal(convp_indicator_field(CONVP_IND_REGION_CODE), "region_code");
    assert_string_equal(convp_indicator_field(CONVP_IND_PLAN_VALUE), "plan_value");
    assert_string_equal(convp_indicator_field(CONVP_IND_NOTE), "note");
}

/* The profile's periods: kind, part, months covered, and the text back;
 * anything else refused (2021-6M among them: only the first nine months). */
static void test_profile_periods(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        char kind;
        int part, first, last;
    } good[] = {
        {"2021", 'Y', 0, 1, 12},   {"2021-Q1", 'Q', 1, 1, 3},    {"2021-Q4", 'Q', 4, 10, 12},
        {"2021-H1", 'H', 1, 1, 6}, {"2021-H2", 'H', 2, 7, 12},   {"2021-9M", 'N', 9, 1, 9},
        {"2021-01", 'M', 1, 1, 1}, {"2021-12", 'M', 12, 12, 12}, {"0999", 'Y', 0, 1, 12},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct convp_period p;
        if (convp_period_parse(good[i].text, strlen(good[i].text), &p) != 0)
            fail_msg("%s refused", good[i].text);
        assert_int_equal(p.kind, good[i].kind);
        assert_int_equal(p.part, good[i].part);
        assert_int_equal(p.first, good[i].first);
        assert_int_equal(p.last, good[i].last);
        char back[32];
        convp_period_format(&p, back, sizeof back);
        assert_string_equal(back, good[i].text);
    }
    static const char *const bad[] = {"2021-6M", "2021-1M", "2021-12M", "2021-00",  "2021-13",
                                      "2021-Q0", "2021-Q5", "2021-H3",  "2021-",    "202",
                                      "2021Q1",  "2021-q1", "20a1",     "2021-09-", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct convp_period p;
        if (convp_period_parse(bad[i], strlen(bad[i]), &p) == 0)
            fail_msg("%s accepted", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_clean),        cmocka_unit_test(test_one_sector_changed),
        cmocka_unit_test(test_every_rule),        cmocka_unit_test(test_sum_rounding),
        cmocka_unit_test(test_growth_periods),    cmocka_unit_test(test_code_lists),
        cmocka_unit_test(test_read_error),        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_extsort),           cmocka_unit_test(test_schema_file),
        cmocka_unit_test(test_no_indicator_records), cmocka_unit_test(test_tool),
        cmocka_unit_test(test_profile_documents), cmocka_unit_test(test_json_schema_validates),
        cmocka_unit_test(test_profile_fields),    cmocka_unit_test(test_profile_periods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
