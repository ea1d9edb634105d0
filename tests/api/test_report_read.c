/*
 * Reading our report workbook back (--layout report; the reader is
 * formats/sheet/sheet_report.c, the description it reads the hidden sheet
 * _conv_report that formats/xlsx/xlsx_report.c writes):
 *   - the committed samples/indicators-report.xlsx gives the seed's records,
 *     every value, change and plan the table shows, exactly;
 *   - records generated from seeds (several regions, one with the name of
 *     another, one with a code only, one with a name only, one with none;
 *     every kind of period; a hierarchy with an orphan; indicators without
 *     a name or a unit; plans; missing cells; changes given and computed;
 *     statuses mixed within columns; numbers with trailing zeros, negative,
 *     of 15 and 17 digits) are written as a report and read back as the
 *     same records, from a file, from memory and by default (no --layout);
 *   - the same report saved again by LibreOffice as .xlsx, .xls and .ods
 *     (tests/data/sheet/report.*, make-fixtures.sh) reads as the .xlsx;
 *   - a report changed by hand (tests/xlsx_edit.py, openpyxl) gives what
 *     its table shows (a value or name edited, rows inserted or swapped, a
 *     computed change overwritten, a value removed), or an error naming
 *     the cell where a record cannot be recovered (a row or column added,
 *     removed or retitled, a change without its value, text for a number,
 *     a damaged description), or warnings for sheets it does not know.
 */
#include "xlsx_check.h"

#include <stdint.h>

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The fields the report's records have, in their order. */
static const char *const FIELDS[] = {
    "region_code", "region_name", "indicator_code", "indicator_name", "parent_code", "period",
    "value",       "unit",        "change_pct",     "plan_value",     "status"};
#define NF (sizeof FIELDS / sizeof FIELDS[0])

/* The indicator profile's fields with their types, none required: the
 * generated records leave out what the report must cope without. */
static const char SCHEMA[] = "{\"fields\": [{\"name\": \"region_code\", \"type\": \"string\"},"
                             "{\"name\": \"region_name\", \"type\": \"string\"},"
                             "{\"name\": \"indicator_code\", \"type\": \"string\"},"
                             "{\"name\": \"indicator_name\", \"type\": \"string\"},"
                             "{\"name\": \"parent_code\", \"type\": \"string\"},"
                             "{\"name\": \"period\", \"type\": \"string\"},"
                             "{\"name\": \"value\", \"type\": \"decimal\"},"
                             "{\"name\": \"unit\", \"type\": \"string\"},"
                             "{\"name\": \"change_pct\", \"type\": \"decimal\"},"
                             "{\"name\": \"plan_value\", \"type\": \"decimal\"},"
                             "{\"name\": \"status\", \"type\": \"string\"},"
                             "{\"name\": \"source\", \"type\": \"string\"},"
                             "{\"name\": \"note\", \"type\": \"string\"}]}";

/* ---- records as comparable text ------------------------------------------------------------ */

struct lines {
    char **v;
    size_t n, cap;
};

static void lines_add(struct lines *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    l->v[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines sorted and joined, one record a line (freed). */
static char *lines_join(struct lines *l)
{
    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, cmp_str);
    struct tu_sbuf b = {0};
    tu_sb_str(&b, "");
    for (size_t i = 0; i < l->n; i++) {
        tu_sb_str(&b, l->v[i]);
        tu_sb_str(&b, "\n");
        free(l->v[i]);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
    return b.p;
}

/* A record as a line: each field's type and text, '-' for none. */
static char *canon(const struct conv_record *rec)
{
    struct tu_sbuf b = {0};
    for (size_t i = 0; i < NF; i++) {
        const struct conv_value *v = conv_record_get(rec, FIELDS[i]);
        tu_sb_str(&b, FIELDS[i]);
        tu_sb_str(&b, "=");
        if (!v || v->type == CONV_NULL) {
            tu_sb_str(&b, "-");
        } else {
            tu_sb_str(&b, conv_type_name(v->type));
            tu_sb_str(&b, ":");
            tu_sb_add(&b, v->text, v->len);
        }
        tu_sb_str(&b, i + 1 < NF ? "|" : "");
    }
    return b.p;
}

/* The warnings a reading gave. */
static void collect(void *user, const struct conv_error *diag)
{
    tu_sb_str(user, diag->message);
    tu_sb_str(user, "\n");
}

/*
 * Every record of a file read with options ("name=value"), as sorted
 * lines; from memory when mem is set.  NULL when the reading fails, with
 * *err set.  *count gets the records, *warn (if given) the warnings.
 */
static char *read_set(const char *path, const char *const *opts, int mem, struct conv_error *err,
                      size_t *count, char **warn)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    struct tu_sbuf w = {0};
    tu_sb_str(&w, "");
    conv_options_set_diag(o, collect, &w);
    for (size_t i = 0; opts && opts[i]; i++) {
        const char *eq = strchr(opts[i], '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - opts[i]), opts[i]);
        assert_int_equal(conv_options_set(o, name, eq + 1), CONV_OK);
    }
    size_t len = 0;
    char *data = mem ? tu_read_file(path, &len) : NULL;
    conv_error_clear(err);
    struct conv_reader *rd = mem ? conv_reader_open_memory(ctx, data, len, path, o, err)
                                 : conv_reader_open_file(ctx, path, o, err);
    char *res = NULL;
    *count = 0;
    if (rd) {
        struct lines l = {0};
        const struct conv_record *rec;
        int rc;
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
            lines_add(&l, canon(rec));
            ++*count;
        }
        if (rc == CONV_ERR)
            *err = *conv_reader_error(rd);
        res = lines_join(&l);
        if (rc == CONV_ERR) {
            free(res);
            res = NULL;
        }
        conv_reader_close(rd);
    }
    free(data);
    conv_options_free(o);
    conv_context_free(ctx);
    if (warn)
        *warn = w.p;
    else
        free(w.p);
    return res;
}

/* read_set() that must succeed. */
static char *must_read(const char *path, const char *const *opts, int mem, size_t *count)
{
    struct conv_error err;
    char *s = read_set(path, opts, mem, &err, count, NULL);
    if (!s)
        fail_msg("%s: %s", path, err.message);
    return s;
}

/* The error reading path gives; fails when it reads. */
static struct conv_error must_fail(const char *path, const char *const *opts)
{
    struct conv_error err;
    size_t n;
    char *s = read_set(path, opts, 0, &err, &n, NULL);
    if (s)
        fail_msg("%s read (%zu records) where an error was expected", path, n);
    return err;
}

static void expect_in(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("expected '%s' in:\n%s", part, text);
}

/* Write a report of the CSV in to out (with the relaxed schema in dir). */
static void write_report(const char *dir, const char *in, const char *out)
{
    char *schema = tu_path(dir, "schema.json");
    tu_write_file(schema, SCHEMA, strlen(SCHEMA));
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "schema", schema);
    conv_options_set(o, "layout", "report");
    conv_options_set(o, "created", CREATED);
    struct conv_error err;
    if (conv_convert(ctx, in, out, o, NULL, &err) != CONV_OK)
        fail_msg("writing the report of %s: %s", in, err.message);
    conv_options_free(o);
    conv_context_free(ctx);
    free(schema);
}

/* The records of a CSV read with the relaxed schema, as read_set() gives
 * them: what the report must give back. */
static char *input_set(const char *dir, const char *csv, size_t *count)
{
    char *schema = tu_path(dir, "schema.json");
    tu_write_file(schema, SCHEMA, strlen(SCHEMA));
    char opt[600];
    snprintf(opt, sizeof opt, "schema=%s", schema);
    char *s = must_read(csv, OPTS(opt), 0, count);
    free(schema);
    return s;
}

/* Run tests/xlsx_edit.py: in edited into out. */
static void edit(const char *in, const char *out, const char *const *edits)
{
    char *script = src_path("tests/xlsx_edit.py");
    const char *av[24];
    size_t n = 0;
    av[n++] = PYTHON;
    av[n++] = script;
    av[n++] = in;
    av[n++] = out;
    for (size_t i = 0; edits[i] && n < 23; i++)
        av[n++] = edits[i];
    av[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execv(PYTHON, (char *const *)av);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s %s: exit %d (127: no %s; 2: no openpyxl)", PYTHON, script,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, PYTHON);
    free(script);
}

/* ---- the sample ------------------------------------------------------------------------------ */

/* What the seed's report shows, in the table's order, as CSV (CRLF): the
 * sample's records but their source and note, which the table does not
 * show. */
static const char SAMPLE_CSV[] =
    "region_code,region_name,indicator_code,indicator_name,parent_code,period,value,unit,"
    "change_pct,plan_value,status\r\n"
    "165,Thành phố Sông Công,01,Tổng giá trị sản xuất trên địa bàn,,2020,11263,tỷ đồng,,,"
    "estimate\r\n"
    "165,Thành phố Sông Công,01,Tổng giá trị sản xuất trên địa bàn,,2021,13090,tỷ đồng,16.5,,"
    "official\r\n"
    "165,Thành phố Sông Công,0101,Công nghiệp và xây dựng,01,2020,9637,tỷ đồng,,,estimate\r\n"
    "165,Thành phố Sông Công,0101,Công nghiệp và xây dựng,01,2021,11227,tỷ đồng,16.5,,official\r\n"
    "165,Thành phố Sông Công,0102,\"Thương mại, dịch vụ\",01,2020,891,tỷ đồng,,,estimate\r\n"
    "165,Thành phố Sông Công,0102,\"Thương mại, dịch vụ\",01,2021,1088,tỷ đồng,22.1,,official\r\n"
    "165,Thành phố Sông Công,0103,\"Nông, lâm nghiệp và thủy sản\",01,2020,735,tỷ đồng,,,"
    "estimate\r\n"
    "165,Thành phố Sông Công,0103,\"Nông, lâm nghiệp và thủy sản\",01,2021,775,tỷ đồng,5.4,,"
    "official\r\n"
    "165,Thành phố Sông Công,02,Giá trị xuất khẩu trên địa bàn,,2020,150,triệu USD,,,estimate\r\n"
    "165,Thành phố Sông Công,02,Giá trị xuất khẩu trên địa bàn,,2021,170,triệu USD,13.1,,"
    "official\r\n"
    "165,Thành phố Sông Công,03,Thu ngân sách Nhà nước,,2020,442.1,tỷ đồng,,,estimate\r\n"
    "165,Thành phố Sông Công,03,Thu ngân sách Nhà nước,,2021,552.6,tỷ đồng,25,,official\r\n";

/* The committed report gives the sample's records (samples/indicators.csv
 * with its schema) but their source and note: by the tool, with and
 * without --layout report, and through the library against the CSV. */
static void test_sample(void **state)
{
    (void)state;
    char *report = src_path("samples/indicators-report.xlsx");
    char *csv = src_path("samples/indicators.csv");
    char *schema = src_path("samples/indicators.schema.json");
    for (int by_default = 0; by_default < 2; by_default++) {
        struct tu_run r;
        tu_run_tool(&r, "conv", NULL, 0,
                    by_default ? OPTS(report, "--to", "csv")
                               : OPTS(report, "--layout", "report", "--to", "csv"));
        if (r.status != 0)
            fail_msg("conv: exit %d: %s", r.status, r.err);
        assert_string_equal(r.out, SAMPLE_CSV);
        assert_string_equal(r.err, "");
        tu_run_free(&r);
    }
    char opt[600];
    snprintf(opt, sizeof opt, "schema=%s", schema);
    size_t n_in, n_out;
    char *want = must_read(csv, OPTS(opt), 0, &n_in);
    /* source and note are not in the table */
    struct lines l = {0};
    for (char *p = want, *eol; *p; p = eol + 1) {
        eol = strchr(p, '\n');
        lines_add(&l, strndup(p, (size_t)(eol - p)));
    }
    free(want);
    want = lines_join(&l);
    char *got = must_read(report, OPTS("layout=report"), 0, &n_out);
    assert_int_equal(n_in, 12);
    assert_int_equal(n_out, 12);
    assert_string_equal(got, want);
    /* with the sample's schema: the same values, typed as it says */
    free(got);
    got = must_read(report, OPTS("layout=report", opt), 0, &n_out);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(report);
    free(csv);
    free(schema);
}

/* ---- generated reports --------------------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 11);
}

static unsigned pick(struct rng *r, unsigned n)
{
    return rnd(r) % n;
}

/* A number's text, in the forms records have. */
static void number(struct rng *r, char *out, size_t size)
{
    switch (pick(r, 10)) {
    case 0:
        snprintf(out, size, "%u", pick(r, 1000000));
        break;
    case 1:
        snprintf(out, size, "%u.%u", pick(r, 100000), 1 + pick(r, 9));
        break;
    case 2: /* trailing zeros stay: 12.50, 7.00 */
        snprintf(out, size, "%u.%u0", pick(r, 10000), pick(r, 10));
        break;
    case 3:
        snprintf(out, size, "-%u.%u", 1 + pick(r, 999), pick(r, 10));
        break;
    case 4:
        snprintf(out, size, "0.%03u", 1 + pick(r, 999));
        break;
    case 5:
        snprintf(out, size, "0");
        break;
    case 6: /* 15 digits: a number cell */
        snprintf(out, size, "1234567890123%02u", pick(r, 100));
        break;
    case 7: /* 17 digits: more than Excel holds, a text cell */
        snprintf(out, size, "123456789012345%02u", pick(r, 100));
        break;
    case 8:
        snprintf(out, size, "%u.%03u", pick(r, 1000), pick(r, 1000));
        break;
    default:
        snprintf(out, size, "%u", 1 + pick(r, 99));
        break;
    }
}

/* A CSV field, quoted when it must be. */
static void csv_field(struct tu_sbuf *b, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\n")) {
        tu_sb_str(b, s);
        return;
    }
    tu_sb_str(b, "\"");
    for (; *s; s++) {
        if (*s == '"')
            tu_sb_str(b, "\"\"");
        else
            tu_sb_add(b, s, 1);
    }
    tu_sb_str(b, "\"");
}

struct gen_stats {
    size_t records, missing, plans, given, computed, exceptions, kinds[6];
};

static const char *const STATUSES[] = {"official", "preliminary", "estimate", NULL};

/* Periods of every kind the profile has, and one of another form. */
static const char *const PERIODS[] = {
    "2020",    "2021",    "2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4", "2021-Q1", "2021-Q2",
    "2021-Q3", "2021-Q4", "2020-H1", "2021-H1", "2021-H2", "2020-9M", "2021-9M", "2020-06",
    "2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06", "2021-07", "2021-08",
    "2021-09", "2021-10", "2021-11", "2021-12", "2021-6M"};
#define NPERIODS (sizeof PERIODS / sizeof PERIODS[0])

/*
 * Records of several regions from a seed, as CSV; each indicator keeps one
 * name, parent and unit (the table shows one), one value per period.
 */
static char *generate(uint64_t seed, struct gen_stats *st)
{
    static const struct {
        const char *code, *name;
    } regions[] = {
        {"165", "Thành phố Sông Công"},
        {"164", "Thành phố Thái Nguyên"},
        {"166", "Thành phố Sông Công"}, /* a name taken: its sheet is "... (2)" */
        {"00170", NULL},                /* a code only */
        {NULL, "Huyện Phú Bình"},       /* a name only */
        {NULL, NULL},                   /* no region: the sheet "Báo cáo" */
    };
    static const struct {
        const char *code, *name, *parent, *unit;
    } inds[] = {
        {"01", "Tổng giá trị sản xuất trên địa bàn", NULL, "tỷ đồng"},
        {"0101", "Công nghiệp và xây dựng", "01", "tỷ đồng"},
        {"010101", "Công nghiệp chế biến, chế tạo", "0101", "tỷ đồng"},
        {"0102", "Thương mại, \"dịch vụ\"\nvà du lịch", "01", "tỷ đồng"},
        {"0103", NULL, "01", "tỷ đồng"}, /* no name: the table shows the code */
        {"02", "Giá trị xuất khẩu _x0041_ (trực tiếp)", NULL, "triệu USD"},
        {"03", "Dân số trung bình", NULL, NULL}, /* no unit */
        {"09", "Chỉ tiêu lẻ", "99", "%"},        /* a parent not in the table */
    };
    struct rng r = {seed * 0x9E3779B97F4A7C15ull + 1};
    struct tu_sbuf b = {0};
    tu_sb_str(&b, "region_code,region_name,indicator_code,indicator_name,parent_code,period,"
                  "value,unit,change_pct,plan_value,status,source,note\n");
    memset(st, 0, sizeof *st);
    for (size_t g = 0; g < sizeof regions / sizeof regions[0]; g++) {
        const char *colstatus[NPERIODS];
        for (size_t p = 0; p < NPERIODS; p++)
            colstatus[p] = STATUSES[pick(&r, 4)];
        for (size_t i = 0; i < sizeof inds / sizeof inds[0]; i++) {
            int have[NPERIODS];
            int zero[NPERIODS];
            for (size_t p = 0; p < NPERIODS; p++) {
                have[p] = pick(&r, 4) != 0;
                zero[p] = 0;
                if (!have[p]) {
                    st->missing++;
                    continue;
                }
                char value[48], change[48] = "", plan[48] = "";
                number(&r, value, sizeof value);
                zero[p] = strtod(value, NULL) == 0;
                if (pick(&r, 3) == 0)
                    number(&r, change, sizeof change);
                if (pick(&r, 5) == 0) {
                    number(&r, plan, sizeof plan);
                    st->plans++;
                }
                const char *status = colstatus[p];
                if (pick(&r, 6) == 0)
                    status = STATUSES[pick(&r, 4)];
                /* the writer computes a change from the year before when
                 * none is given (periods of 2021 after their 2020 twin) */
                if (*change)
                    st->given++;
                else if (PERIODS[p][3] == '1') {
                    char before[16];
                    snprintf(before, sizeof before, "2020%s", PERIODS[p] + 4);
                    for (size_t q = 0; q < p; q++)
                        if (!strcmp(PERIODS[q], before) && have[q] && !zero[q])
                            st->computed++;
                }
                st->exceptions += status != colstatus[p];
                st->kinds[strlen(PERIODS[p]) == 4 ? 0
                          : PERIODS[p][5] == 'Q'  ? 1
                          : PERIODS[p][5] == 'H'  ? 2
                          : PERIODS[p][6] == 'M'  ? (PERIODS[p][5] == '9' ? 3 : 5)
                                                  : 4]++;
                st->records++;
                const char *fields[] = {regions[g].code,
                                        regions[g].name,
                                        inds[i].code,
                                        inds[i].name,
                                        inds[i].parent,
                                        PERIODS[p],
                                        value,
                                        inds[i].unit,
                                        *change ? change : NULL,
                                        *plan ? plan : NULL,
                                        status,
                                        "nguồn",
                                        "ghi chú"};
                for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
                    if (f)
                        tu_sb_str(&b, ",");
                    csv_field(&b, fields[f]);
                }
                tu_sb_str(&b, "\n");
            }
        }
    }
    return b.p;
}

/* Reports of generated records read back as the same records: from the
 * file, from memory, and by default. */
static void test_round_trip(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        char *dir = tu_tempdir();
        char *csv = tu_path(dir, "in.csv"), *xlsx = tu_path(dir, "report.xlsx");
        struct gen_stats st;
        char *text = generate(seed, &st);
        tu_write_file(csv, text, strlen(text));
        free(text);
        /* what the data exercises */
        assert_true(st.records > 500);
        assert_true(st.missing > 100);
        assert_true(st.plans > 50);
        assert_true(st.given > 100);
        assert_true(st.computed > 20);
        assert_true(st.exceptions > 50);
        for (size_t k = 0; k < 6; k++)
            assert_true(st.kinds[k] > 0);
        write_report(dir, csv, xlsx);
        size_t n_in, n_out;
        char *want = input_set(dir, csv, &n_in);
        assert_int_equal(n_in, st.records);
        for (int way = 0; way < 3; way++) {
            char *got = must_read(xlsx, way == 2 ? NULL : OPTS("layout=report"), way == 1, &n_out);
            if (strcmp(got, want) != 0) {
                /* the first difference, for the reader of the failure */
                size_t k = 0;
                while (got[k] == want[k])
                    k++;
                while (k && want[k - 1] != '\n')
                    k--;
                fail_msg("seed %llu, way %d: %zu records read, %zu written; first difference:\n"
                         "want %.600s\ngot  %.600s",
                         (unsigned long long)seed, way, n_out, n_in, want + k, got + k);
            }
            free(got);
        }
        free(want);
        tu_rmtree(dir);
        free(dir);
        free(csv);
        free(xlsx);
    }
}

/* A report saved again by LibreOffice as .xlsx, .xls and .ods keeps its
 * hidden description and reads as the report conv wrote. */
static void test_resaved(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *csv = src_path("tests/data/sheet/report.csv");
    size_t n_in, n_out;
    char *want = input_set(dir, csv, &n_in);
    assert_true(n_in >= 20);
    static const char *const files[] = {
        "tests/data/sheet/report.xlsx", "tests/data/sheet/report.lo.xlsx",
        "tests/data/sheet/report.xls", "tests/data/sheet/report.ods"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = src_path(files[i]);
        for (int by_default = 0; by_default < 2; by_default++) {
            char *got = must_read(path, by_default ? NULL : OPTS("layout=report"), 0, &n_out);
            if (strcmp(got, want) != 0)
                fail_msg("%s:\n--- want\n%s--- got\n%s", files[i], want, got);
            free(got);
        }
        free(path);
    }
    free(want);
    free(csv);
    tu_rmtree(dir);
    free(dir);
}

/* ---- changed by hand ---------------------------------------------------------------------- */

/* The sample's report edited, read back as the sample's records changed
 * by the edits (with sed-like replacements on its lines), or failing. */
struct edit_case {
    const char *name;
    const char *edits[6];
    /* a success: replacements of the sample's record lines, "old\tnew"
     * (new empty: the line removed); the warnings expected */
    const char *replace[3];
    const char *warn[2];
    /* a failure: the error's code and what its message holds */
    enum conv_errcode code;
    const char *error;
};

static const struct edit_case edit_cases[] = {
    {.name = "a value edited: the table's value",
     .edits = {"set|1|E11|11230"},
     .replace = {"value=decimal:11227\tvalue=decimal:11230"}},
    {.name = "a name corrected: the table's name, for every period",
     .edits = {"set|1|B12|=Thương mại và dịch vụ"},
     .replace = {"indicator_name=string:Thương mại, dịch vụ\t"
                 "indicator_name=string:Thương mại và dịch vụ"}},
    {.name = "rows inserted above the table and inside it: found by STT",
     .edits = {"insert_rows|1|4|2", "insert_rows|1|14|1"}},
    {.name = "two rows swapped, their STT with them", .edits = {"swap_rows|1|11|13"}},
    {.name = "a note in a new sheet: skipped, said",
     .edits = {"add_sheet|Ghi chú|A1|Số liệu năm 2020 là ước tính"},
     .warn = {"sheet 'Ghi chú' is not one of the report's"}},
    {.name = "a value and its change removed: that record is gone",
     .edits = {"set|1|E12|", "set|1|F12|"},
     .replace = {"period=string:2021|value=decimal:1088|\t"}},
    {.name = "a missing-value mark: no record",
     .edits = {"set|1|D15|=-"},
     .replace = {"period=string:2020|value=decimal:442.1|\t"}},
    {.name = "a sheet renamed: it is not the report's, and the report's is gone",
     .edits = {"rename|1|Sông Công"},
     .replace = {"|\t"},
     .warn = {"sheet 'Sông Công' is not one of the report's",
              "the report's sheet 'Thành phố Sông Công' is not in the workbook"}},
    {.name = "a row added by hand",
     .edits = {"set|1|A16|=4", "set|1|B16|=Chỉ tiêu mới", "set|1|D16|5"},
     .code = CONV_E_STRUCTURE,
     .error = "'Thành phố Sông Công'!D16: a number in a row that is none of the report's "
              "indicators (STT '4' is not the report's)"},
    {.name = "a column removed",
     .edits = {"delete_cols|1|4|1"},
     .code = CONV_E_STRUCTURE,
     .error = "'Thành phố Sông Công'!D9: the table's column D (value of 2020) is numbered '2', "
              "not '1'"},
    {.name = "the row of column numbers emptied",
     .edits = {"set|1|A9|"},
     .code = CONV_E_STRUCTURE,
     .error = "'Thành phố Sông Công': the report's table is not found: no row of column numbers "
              "(A, B, C, 1, 2...) under a header"},
    {.name = "a heading changed",
     .edits = {"set|1|E7|=Năm 2022"},
     .code = CONV_E_STRUCTURE,
     .error = "'Thành phố Sông Công'!E7: the heading of the table's column E is 'Năm 2022', not "
              "'Năm 2021'"},
    {.name = "a value removed, its change left",
     .edits = {"set|1|E12|"},
     .code = CONV_E_STRUCTURE,
     .error = "'Thành phố Sông Công'!F12: a change_pct of indicator 0102, period 2021, with no "
              "value (E12 is empty)"},
    {.name = "text for a number",
     .edits = {"set|1|D15|=chưa có"},
     .code = CONV_E_TYPE,
     .error = "'Thành phố Sông Công'!D15: 'chưa có' is not a number (the value of indicator 03, "
              "period 2020)"},
    {.name = "a number added right of the table",
     .edits = {"set|1|G11|7"},
     .code = CONV_E_STRUCTURE,
     .error = "'Thành phố Sông Công'!G11: a number outside the report's columns"},
    {.name = "the description of a newer libconv",
     .edits = {"set|_conv_report|C2|=2"},
     .code = CONV_E_UNSUPPORTED,
     .error = "_conv_report!C2: the report was described by a newer libconv (description "
              "version 2"},
    {.name = "a damaged description",
     .edits = {"set|_conv_report|A4|=kolumn"},
     .code = CONV_E_STRUCTURE,
     .error = "_conv_report!A4: the report's description: no entry of the kind kolumn"},
    {.name = "the description removed",
     .edits = {"remove_sheet|_conv_report"},
     .code = CONV_E_STRUCTURE,
     .error = "--layout report reads a report workbook that conv --layout report wrote, with "
              "its hidden sheet _conv_report; this workbook has none"},
};

/* Apply "old\tnew" to the lines of text: each line holding old gets it
 * replaced by new, or is removed when new is empty. */
static char *replace_lines(const char *text, const char *rule)
{
    const char *tab = strchr(rule, '\t');
    char *old = strndup(rule, (size_t)(tab - rule));
    const char *new = tab + 1;
    struct lines l = {0};
    size_t hits = 0;
    for (const char *p = text, *eol; *p; p = eol + 1) {
        eol = strchr(p, '\n');
        char *line = strndup(p, (size_t)(eol - p));
        char *at = strstr(line, old);
        if (at) {
            hits++;
            if (!*new) {
                free(line);
                continue;
            }
            struct tu_sbuf b = {0};
            tu_sb_add(&b, line, (size_t)(at - line));
            tu_sb_str(&b, new);
            tu_sb_str(&b, at + strlen(old));
            free(line);
            line = b.p;
        }
        lines_add(&l, line);
    }
    if (!hits)
        fail_msg("no line holds '%s'", old);
    free(old);
    return lines_join(&l);
}

static void test_edited(void **state)
{
    (void)state;
    char *sample = src_path("samples/indicators-report.xlsx");
    size_t n;
    char *base = must_read(sample, OPTS("layout=report"), 0, &n);
    for (size_t i = 0; i < sizeof edit_cases / sizeof edit_cases[0]; i++) {
        const struct edit_case *c = &edit_cases[i];
        char *dir = tu_tempdir();
        char *path = tu_path(dir, "edited.xlsx");
        edit(sample, path, c->edits);
        if (c->error) {
            struct conv_error err = must_fail(path, OPTS("layout=report"));
            if (err.code != c->code || !strstr(err.message, c->error))
                fail_msg("%s: error %d '%s', expected %d '%s'", c->name, err.code, err.message,
                         c->code, c->error);
        } else {
            char *want = strdup(base);
            for (size_t k = 0; k < 3 && c->replace[k]; k++) {
                char *w = replace_lines(want, c->replace[k]);
                free(want);
                want = w;
            }
            struct conv_error err;
            char *warn;
            char *got = read_set(path, OPTS("layout=report"), 0, &err, &n, &warn);
            if (!got)
                fail_msg("%s: %s", c->name, err.message);
            if (strcmp(got, want) != 0)
                fail_msg("%s:\n--- want\n%s--- got\n%s", c->name, want, got);
            size_t nwarn = 0;
            for (size_t k = 0; k < 2 && c->warn[k]; k++, nwarn++)
                expect_in(warn, c->warn[k]);
            size_t lines = 0;
            for (const char *p = warn; (p = strchr(p, '\n')); p++)
                lines++;
            if (lines != nwarn)
                fail_msg("%s: %zu warnings, expected %zu:\n%s", c->name, lines, nwarn, warn);
            free(warn);
            free(got);
            free(want);
        }
        tu_rmtree(dir);
        free(dir);
        free(path);
    }
    free(base);
    free(sample);
}

/* A change conv computed is no record's; once an official overwrites it,
 * it is the one the table shows. */
static void test_computed_change(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *csv = tu_path(dir, "in.csv"), *xlsx = tu_path(dir, "r.xlsx");
    char *edited = tu_path(dir, "e.xlsx");
    const char *text = "region_code,indicator_code,indicator_name,period,value,unit\n"
                       "19,01,Tổng,2020,100,tỷ đồng\n"
                       "19,01,Tổng,2021,110,tỷ đồng\n";
    tu_write_file(csv, text, strlen(text));
    write_report(dir, csv, xlsx);
    /* the change column, F: 10.0 computed */
    char *rb = readback(xlsx, NULL);
    expect_in(rb, "\ncell\t1\tF11\tn\t10\t10.0\t#,##0.0\n");
    free(rb);
    size_t n;
    char *got = must_read(xlsx, OPTS("layout=report"), 0, &n);
    assert_int_equal(n, 2);
    assert_null(strstr(got, "change_pct=decimal"));
    free(got);
    edit(xlsx, edited, OPTS("set|1|F11|12.5"));
    got = must_read(edited, OPTS("layout=report"), 0, &n);
    expect_in(got, "period=string:2021|value=decimal:110|unit=string:tỷ đồng|"
                   "change_pct=decimal:12.5|");
    free(got);
    tu_rmtree(dir);
    free(dir);
    free(csv);
    free(xlsx);
    free(edited);
}

/* --layout report on a workbook that is no report of ours, and the word
 * among the reader's layouts for .xls and .ods too. */
static void test_not_a_report(void **state)
{
    (void)state;
    char *plain = src_path("samples/indicators.xlsx");
    struct conv_error err = must_fail(plain, OPTS("layout=report"));
    assert_int_equal(err.code, CONV_E_STRUCTURE);
    expect_in(err.message, "hidden sheet _conv_report; this workbook has none");
    /* read as before without it */
    size_t n;
    char *got = must_read(plain, NULL, 0, &n);
    assert_int_equal(n, 12);
    free(got);
    free(plain);
    char *ods = src_path("tests/data/ods/basic.ods");
    err = must_fail(ods, OPTS("layout=report"));
    assert_int_equal(err.code, CONV_E_STRUCTURE);
    expect_in(err.message, "this document has none");
    free(ods);
    err = must_fail(ods = src_path("tests/data/xls/basic.xls"), OPTS("layout=nonsense"));
    assert_int_equal(err.code, CONV_E_USAGE);
    expect_in(err.message, "expected records, table, cells or report");
    free(ods);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),          cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_resaved),         cmocka_unit_test(test_edited),
        cmocka_unit_test(test_computed_change), cmocka_unit_test(test_not_a_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
