/*
 * Schemas: fields added, found and counted; duplicates and empty names
 * refused; the name index past a thousand fields; deep copies; and schema
 * files, good (samples/indicators.schema.json) and bad (written to a
 * temporary directory, one row each).
 */
#include "testutil.h"

#include "conv_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Counts live blocks so every test can prove it freed everything. */




/* ---- building schemas ------------------------------------------------------ */

static void test_add_find(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    struct conv_schema *s = conv_schema_new(ctx);
    assert_non_null(s);
    assert_int_equal(conv_schema_count(s), 0);
    assert_null(conv_schema_field(s, 0));
    assert_int_equal(conv_schema_find(s, "x"), -1);
    assert_null(conv_schema_title(s));

    char name[32] = "region_code";
    char label[64] = "Mã địa bàn";
    struct conv_field f = {name, CONV_STRING, label, "Region code", NULL, 1};
    assert_int_equal(conv_schema_add(s, &f), CONV_OK);
    struct conv_field g = {"value", CONV_DECIMAL, "Giá trị", NULL, "tỷ đồng", 0};
    assert_int_equal(conv_schema_add(s, &g), CONV_OK);
    struct conv_field h = {"period", CONV_ANY, NULL, NULL, NULL, 0};
    assert_int_equal(conv_schema_add(s, &h), CONV_OK);

    /* Strings are copied: changing the caller's buffers changes nothing. */
    strcpy(name, "changed");
    strcpy(label, "changed");

    assert_int_equal(conv_schema_count(s), 3);
    assert_int_equal(conv_schema_find(s, "region_code"), 0);
    assert_int_equal(conv_schema_find(s, "value"), 1);
    assert_int_equal(conv_schema_find(s, "period"), 2);
    assert_int_equal(conv_schema_find(s, "changed"), -1);
    assert_int_equal(conv_schema_find(s, "Value"), -1);
    assert_int_equal(conv_schema_find(s, "valu"), -1);
    assert_int_equal(conv_schema_find(s, "values"), -1);
    assert_int_equal(conv_schema_find(s, ""), -1);

    const struct conv_field *r = conv_schema_field(s, 0);
    assert_string_equal(r->name, "region_code");
    assert_int_equal(r->type, CONV_STRING);
    assert_string_equal(r->label, "Mã địa bàn");
    assert_string_equal(r->label_en, "Region code");
    assert_null(r->unit);
    assert_int_equal(r->required, 1);
    r = conv_schema_field(s, 1);
    assert_string_equal(r->name, "value");
    assert_int_equal(r->type, CONV_DECIMAL);
    assert_string_equal(r->label, "Giá trị");
    assert_null(r->label_en);
    assert_string_equal(r->unit, "tỷ đồng");
    assert_int_equal(r->required, 0);
    assert_int_equal(conv_schema_field(s, 2)->type, CONV_ANY);
    assert_null(conv_schema_field(s, 3));
    assert_null(conv_schema_field(s, (size_t)-1));

    /* find_n compares exactly n bytes. */
    assert_int_equal(convp_schema_find_n(s, "valueXYZ", 5), 1);
    assert_int_equal(convp_schema_find_n(s, "val", 3), -1);

    /* NULL schemas answer like empty ones. */
    assert_int_equal(conv_schema_count(NULL), 0);
    assert_null(conv_schema_field(NULL, 0));
    assert_int_equal(conv_schema_find(NULL, "x"), -1);
    assert_null(conv_schema_title(NULL));

    conv_schema_free(s);
    conv_schema_free(NULL);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

struct reject_row {
    const char *what;
    const char *name;
};

static const struct reject_row reject_rows[] = {
    {"duplicate", "region_code"},
    {"duplicate of the second", "value"},
    {"empty name", ""},
    {"no name", NULL},
};

static void test_add_rejects(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    struct conv_schema *s = conv_schema_new(ctx);
    struct conv_field a = {"region_code", CONV_STRING, NULL, NULL, NULL, 0};
    struct conv_field b = {"value", CONV_DECIMAL, NULL, NULL, NULL, 0};
    assert_int_equal(conv_schema_add(s, &a), CONV_OK);
    assert_int_equal(conv_schema_add(s, &b), CONV_OK);
    for (size_t i = 0; i < N_ELEMS(reject_rows); i++) {
        struct conv_field f = {reject_rows[i].name, CONV_INTEGER, "label", "en", "unit", 1};
        if (conv_schema_add(s, &f) != CONV_ERR)
            fail_msg("row %zu (%s) accepted", i, reject_rows[i].what);
        assert_int_equal(conv_schema_count(s), 2);
    }
    /* The originals are unchanged. */
    assert_int_equal(conv_schema_field(s, 0)->type, CONV_STRING);
    assert_int_equal(conv_schema_field(s, 1)->type, CONV_DECIMAL);
    assert_null(conv_schema_field(s, 0)->label);
    conv_schema_free(s);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

/* The index grows with the fields: every name stays findable. */
struct growth_row {
    size_t n;
    const char *prefix;
};

static const struct growth_row growth_rows[] = {
    {1, "f"},  {15, "f"},   {16, "f"},           {17, "f"},
    {33, "c"}, {1000, "f"}, {1001, "chỉ_tiêu_"}, {5000, "x"},
};

static void test_index_growth(void **state)
{
    (void)state;
    for (size_t r = 0; r < N_ELEMS(growth_rows); r++) {
        long live = 0;
        struct conv_context *ctx = tu_live_context(&live);
        struct conv_schema *s = conv_schema_new(ctx);
        size_t n = growth_rows[r].n;
        char name[64];
        for (size_t i = 0; i < n; i++) {
            snprintf(name, sizeof name, "%s%zu", growth_rows[r].prefix, i);
            struct conv_field f = {name, (enum conv_type)(i % 7), NULL, NULL, NULL, 0};
            if (conv_schema_add(s, &f) != CONV_OK)
                fail_msg("row %zu: adding %s failed", r, name);
            /* Every name added so far is still found, checked now and then. */
            if (i % 97 == 0 || i + 1 == n)
                for (size_t k = 0; k <= i; k += (i > 300 ? 7 : 1)) {
                    snprintf(name, sizeof name, "%s%zu", growth_rows[r].prefix, k);
                    if (conv_schema_find(s, name) != (long)k)
                        fail_msg("row %zu: %s not found after %zu fields", r, name, i + 1);
                }
        }
        assert_int_equal(conv_schema_count(s), n);
        for (size_t i = 0; i < n; i++) {
            snprintf(name, sizeof name, "%s%zu", growth_rows[r].prefix, i);
            assert_int_equal(conv_schema_find(s, name), (long)i);
            assert_string_equal(conv_schema_field(s, i)->name, name);
            assert_int_equal(conv_schema_field(s, i)->type, (enum conv_type)(i % 7));
            /* Adding it again is refused. */
            struct conv_field f = {name, CONV_STRING, NULL, NULL, NULL, 0};
            assert_int_equal(conv_schema_add(s, &f), CONV_ERR);
        }
        snprintf(name, sizeof name, "%s%zu", growth_rows[r].prefix, n);
        assert_int_equal(conv_schema_find(s, name), -1);
        assert_int_equal(conv_schema_count(s), n);
        conv_schema_free(s);
        conv_context_free(ctx);
        assert_int_equal(live, 0);
    }
}

/* convp_schema_add_name: the reader's dictionary, type "any". */
static void test_add_name(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    struct conv_schema *s = conv_schema_new(ctx);
    assert_int_equal(convp_schema_add_name(s, "abcdef", 3), 0);
    assert_int_equal(convp_schema_add_name(s, "Sông Công", strlen("Sông Công")), 1);
    assert_int_equal(conv_schema_find(s, "abc"), 0);
    assert_int_equal(conv_schema_find(s, "abcdef"), -1);
    assert_int_equal(conv_schema_find(s, "Sông Công"), 1);
    assert_int_equal(conv_schema_field(s, 0)->type, CONV_ANY);
    assert_null(conv_schema_field(s, 0)->label);
    conv_schema_free(s);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

static void test_copy(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    struct conv_schema *s = conv_schema_new(ctx);
    char name[16];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "f%d", i);
        struct conv_field f = {name,
                               (enum conv_type)(i % 7),
                               i % 2 ? "Nhãn" : NULL,
                               i % 3 ? "Label" : NULL,
                               i % 5 ? NULL : "%",
                               i % 4 == 0};
        assert_int_equal(conv_schema_add(s, &f), CONV_OK);
    }
    s->title = convp_strdup(ctx, "Chỉ tiêu kinh tế");
    s->fixed = 1;
    struct conv_schema *c = convp_schema_copy(ctx, s);
    assert_non_null(c);
    conv_schema_free(s); /* the copy owns everything it holds */
    assert_int_equal(conv_schema_count(c), 40);
    assert_string_equal(conv_schema_title(c), "Chỉ tiêu kinh tế");
    assert_int_equal(c->fixed, 1);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "f%d", i);
        const struct conv_field *f = conv_schema_field(c, (size_t)i);
        assert_int_equal(conv_schema_find(c, name), i);
        assert_string_equal(f->name, name);
        assert_int_equal(f->type, (enum conv_type)(i % 7));
        if (i % 2)
            assert_string_equal(f->label, "Nhãn");
        else
            assert_null(f->label);
        if (i % 3)
            assert_string_equal(f->label_en, "Label");
        else
            assert_null(f->label_en);
        if (i % 5)
            assert_null(f->unit);
        else
            assert_string_equal(f->unit, "%");
        assert_int_equal(f->required, i % 4 == 0);
    }
    /* An empty schema copies to an empty one. */
    struct conv_schema *e = conv_schema_new(ctx);
    struct conv_schema *ec = convp_schema_copy(ctx, e);
    assert_non_null(ec);
    assert_int_equal(conv_schema_count(ec), 0);
    assert_null(conv_schema_title(ec));
    assert_int_equal(ec->fixed, 0);
    conv_schema_free(e);
    conv_schema_free(ec);
    conv_schema_free(c);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

/* ---- schema files ------------------------------------------------------------- */

struct sample_field {
    const char *name;
    enum conv_type type;
    const char *label;
    const char *label_en;
    const char *unit;
    int required;
};

static const struct sample_field sample_fields[] = {
    {"region_code", CONV_STRING, "Mã địa bàn", "Region code", NULL, 1},
    {"region_name", CONV_STRING, "Tên địa bàn", "Region name", NULL, 0},
    {"indicator_code", CONV_STRING, "Mã chỉ tiêu", "Indicator code", NULL, 1},
    {"indicator_name", CONV_STRING, "Tên chỉ tiêu", "Indicator name", NULL, 0},
    {"parent_code", CONV_STRING, "Mã chỉ tiêu cha", "Parent indicator code", NULL, 0},
    {"period", CONV_STRING, "Kỳ báo cáo", "Period", NULL, 1},
    {"value", CONV_DECIMAL, "Giá trị", "Value", NULL, 1},
    {"unit", CONV_STRING, "Đơn vị tính", "Unit", NULL, 1},
    {"change_pct", CONV_DECIMAL, "Tăng so với cùng kỳ năm trước (%)",
     "Change on the same period a year before (%)", "%", 0},
    {"plan_value", CONV_DECIMAL, "Kế hoạch", "Plan value", NULL, 0},
    {"status", CONV_STRING, "Tình trạng số liệu", "Status", NULL, 0},
    {"source", CONV_STRING, "Nguồn số liệu", "Source", NULL, 0},
    {"note", CONV_STRING, "Ghi chú", "Note", NULL, 0},
};

static void expect_str(const char *what, size_t i, const char *got, const char *want)
{
    if (!want && !got)
        return;
    if (!want || !got || strcmp(got, want) != 0)
        fail_msg("field %zu %s: got %s%s%s, want %s%s%s", i, what, got ? "'" : "",
                 got ? got : "NULL", got ? "'" : "", want ? "'" : "", want ? want : "NULL",
                 want ? "'" : "");
}

static void test_load_sample(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    char *path = tu_src("samples/indicators.schema.json");
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_schema *s = conv_schema_load(ctx, path, &err);
    if (!s)
        fail_msg("load failed: %s", err.message);
    assert_int_equal(err.code, CONV_E_NONE);
    assert_int_equal(conv_schema_count(s), N_ELEMS(sample_fields));
    assert_int_equal(conv_schema_count(s), 13);
    assert_string_equal(conv_schema_title(s),
                        "Chỉ tiêu kinh tế - xã hội thành phố Sông Công năm 2020-2021");
    assert_int_equal(s->fixed, 1);
    for (size_t i = 0; i < N_ELEMS(sample_fields); i++) {
        const struct sample_field *w = &sample_fields[i];
        const struct conv_field *f = conv_schema_field(s, i);
        expect_str("name", i, f->name, w->name);
        if (f->type != w->type)
            fail_msg("field %s: type %s, want %s", w->name, conv_type_name(f->type),
                     conv_type_name(w->type));
        expect_str("label", i, f->label, w->label);
        expect_str("label_en", i, f->label_en, w->label_en);
        expect_str("unit", i, f->unit, w->unit);
        if (f->required != w->required)
            fail_msg("field %s: required %d, want %d", w->name, f->required, w->required);
        assert_int_equal(conv_schema_find(s, w->name), (long)i);
    }
    conv_schema_free(s);
    free(path);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

/* Good files with the less common spellings. */
struct good_row {
    const char *what;
    const char *json;
    size_t nfields;
    enum conv_type type0;
    const char *label0;
    const char *label_en0;
    const char *title;
};

static const struct good_row good_rows[] = {
    {"no type: any", "{\"fields\":[{\"name\":\"a\"}]}", 1, CONV_ANY, NULL, NULL, NULL},
    {"number is decimal", "{\"fields\":[{\"name\":\"a\",\"type\":\"number\"}]}", 1, CONV_DECIMAL,
     NULL, NULL, NULL},
    {"flat labels",
     "{\"title\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"date\",\"label\":\"Ngày\","
     "\"label_en\":\"Date\"},{\"name\":\"b\",\"type\":\"datetime\"}]}",
     2, CONV_DATE, "Ngày", "Date", "T"},
    {"nulls are absent",
     "{\"title\":null,\"fields\":[{\"name\":\"a\",\"type\":null,\"label\":null,\"unit\":null}]}", 1,
     CONV_ANY, NULL, NULL, NULL},
    {"every type",
     "{\"fields\":[{\"name\":\"a\",\"type\":\"boolean\"},{\"name\":\"b\",\"type\":\"integer\"},"
     "{\"name\":\"c\",\"type\":\"string\"},{\"name\":\"d\",\"type\":\"any\"}]}",
     4, CONV_BOOLEAN, NULL, NULL, NULL},
    {"unknown keys are ignored",
     "{\"version\":2,\"fields\":[{\"name\":\"a\",\"format\":\"x\",\"type\":\"integer\"}]}", 1,
     CONV_INTEGER, NULL, NULL, NULL},
};

struct bad_row {
    const char *what;
    const char *json; /* NULL: no file at all */
    enum conv_errcode code;
    uint64_t line, column; /* exact */
    const char *needle;    /* in the message */
};

static const struct bad_row bad_rows[] = {
    {"truncated JSON", "{\"fields\": [", CONV_E_SCHEMA, 1, 12, "expected"},
    {"CSV, not JSON", "name,type\nx,string\n", CONV_E_SCHEMA, 1, 4, "expected"},
    {"syntax error on line 3", "{\n  \"fields\": [\n    {\"name\": \"x\",, }\n  ]\n}\n",
     CONV_E_SCHEMA, 3, 18, "expected"},
    {"column counts characters", "{\"title\": \"Sông Công\", x}", CONV_E_SCHEMA, 1, 24, "expected"},
    {"empty file", "", CONV_E_SCHEMA, 1, 0, "expected"},
    {"duplicate key", "{\"fields\":[{\"name\":\"a\",\"name\":\"b\"}]}", CONV_E_SCHEMA, 1, 29,
     "duplicate"},
    {"invalid UTF-8", "{\"fields\":[{\"name\":\"S\xF4ng\"}]}", CONV_E_SCHEMA, 1, 21, "decode"},
    {"no fields", "{\"title\": \"x\"}", CONV_E_SCHEMA, 0, 0, "fields"},
    {"empty fields", "{\"fields\": []}", CONV_E_SCHEMA, 0, 0, "fields"},
    {"fields not an array", "{\"fields\": {\"name\": \"a\"}}", CONV_E_SCHEMA, 0, 0, "fields"},
    {"root is an array", "[{\"name\": \"a\"}]", CONV_E_SCHEMA, 0, 0, "fields"},
    {"unknown type", "{\"fields\":[{\"name\":\"a\",\"type\":\"float\"}]}", CONV_E_SCHEMA, 0, 0,
     "float"},
    {"type null", "{\"fields\":[{\"name\":\"a\",\"type\":\"null\"}]}", CONV_E_SCHEMA, 0, 0, "null"},
    {"type not a string", "{\"fields\":[{\"name\":\"a\",\"type\":3}]}", CONV_E_SCHEMA, 0, 0, "a"},
    {"duplicate field",
     "{\"fields\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"a\",\"type\":\"integer\"}]}",
     CONV_E_SCHEMA, 0, 0, "duplicate field 'a'"},
    {"field without name", "{\"fields\":[{\"name\":\"a\"},{\"type\":\"string\"}]}", CONV_E_SCHEMA,
     0, 0, "field 2"},
    {"empty name", "{\"fields\":[{\"name\":\"\"}]}", CONV_E_SCHEMA, 0, 0, "name"},
    {"name not a string", "{\"fields\":[{\"name\":5}]}", CONV_E_SCHEMA, 0, 0, "name"},
    {"field not an object", "{\"fields\":[\"a\"]}", CONV_E_SCHEMA, 0, 0, "name"},
    {"label not a string", "{\"fields\":[{\"name\":\"a\",\"label\":1}]}", CONV_E_SCHEMA, 0, 0,
     "'a'"},
    {"label.en not a string", "{\"fields\":[{\"name\":\"a\",\"label\":{\"en\":[]}}]}",
     CONV_E_SCHEMA, 0, 0, "'a'"},
    {"unit not a string", "{\"fields\":[{\"name\":\"a\",\"unit\":true}]}", CONV_E_SCHEMA, 0, 0,
     "'a'"},
    {"required not a boolean", "{\"fields\":[{\"name\":\"a\",\"required\":\"yes\"}]}",
     CONV_E_SCHEMA, 0, 0, "required"},
    {"missing file", NULL, CONV_E_IO, 0, 0, "No such file"},
};

static void test_load_good(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    for (size_t i = 0; i < N_ELEMS(good_rows); i++) {
        const struct good_row *r = &good_rows[i];
        long live = 0;
        struct conv_context *ctx = tu_live_context(&live);
        char *path = tu_path(dir, "good.schema.json");
        tu_write_file(path, r->json, strlen(r->json));
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_schema *s = conv_schema_load(ctx, path, &err);
        if (!s)
            fail_msg("row %zu (%s): %s", i, r->what, err.message);
        assert_int_equal(conv_schema_count(s), r->nfields);
        const struct conv_field *f = conv_schema_field(s, 0);
        if (f->type != r->type0)
            fail_msg("row %zu (%s): type %s", i, r->what, conv_type_name(f->type));
        expect_str("label", 0, f->label, r->label0);
        expect_str("label_en", 0, f->label_en, r->label_en0);
        expect_str("title", 0, conv_schema_title(s), r->title);
        conv_schema_free(s);
        free(path);
        conv_context_free(ctx);
        assert_int_equal(live, 0);
    }
    tu_rmtree(dir);
    free(dir);
}

static void test_load_bad(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    for (size_t i = 0; i < N_ELEMS(bad_rows); i++) {
        const struct bad_row *r = &bad_rows[i];
        long live = 0;
        struct conv_context *ctx = tu_live_context(&live);
        char *path = tu_path(dir, r->json ? "bad.schema.json" : "absent.schema.json");
        if (r->json)
            tu_write_file(path, r->json, strlen(r->json));
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_schema *s = conv_schema_load(ctx, path, &err);
        if (s)
            fail_msg("row %zu (%s): loaded", i, r->what);
        if (err.code != r->code)
            fail_msg("row %zu (%s): code %s, want %s (%s)", i, r->what, conv_strerror(err.code),
                     conv_strerror(r->code), err.message);
        if (err.line != r->line || err.column != r->column)
            fail_msg("row %zu (%s): at %llu:%llu, want %llu:%llu (%s)", i, r->what,
                     (unsigned long long)err.line, (unsigned long long)err.column,
                     (unsigned long long)r->line, (unsigned long long)r->column, err.message);
        if (!strstr(err.message, r->needle))
            fail_msg("row %zu (%s): message '%s' lacks '%s'", i, r->what, err.message, r->needle);
        assert_string_equal(err.source, path);
        /* No error struct: still NULL, still no leak. */
        assert_null(conv_schema_load(ctx, path, NULL));
        if (r->json)
            unlink(path);
        free(path);
        conv_context_free(ctx);
        if (live != 0)
            fail_msg("row %zu (%s): %ld blocks leaked", i, r->what, live);
    }
    tu_rmtree(dir);
    free(dir);
}

/* A directory or an unreadable file is an I/O failure, not a bad schema. */
static void test_load_not_a_file(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error dir_err, locked_err;
    conv_error_clear(&dir_err);
    conv_error_clear(&locked_err);
    struct conv_schema *s = conv_schema_load(ctx, dir, &dir_err);
    int same_source = !strcmp(dir_err.source, dir);
    if (geteuid() != 0) {
        char *path = tu_path(dir, "locked.schema.json");
        tu_write_file(path, "{\"fields\":[{\"name\":\"a\"}]}", 25);
        chmod(path, 0);
        assert_null(conv_schema_load(ctx, path, &locked_err));
        free(path);
    } else {
        locked_err.code = CONV_E_IO; /* root reads anything: nothing to check */
    }
    conv_schema_free(s);
    conv_context_free(ctx);
    tu_rmtree(dir);
    free(dir);
    assert_null(s);
    if (dir_err.code != CONV_E_IO)
        fail_msg("a directory as schema: code %s (%s), want %s", conv_strerror(dir_err.code),
                 dir_err.message, conv_strerror(CONV_E_IO));
    assert_true(same_source);
    assert_int_equal(locked_err.code, CONV_E_IO);
}

/* The error is an out-parameter: an earlier one left in it does not hide
 * this call's. */
static void test_load_keeps_first_error(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    conv_error_clear(&err);
    convp_error_set(&err, CONV_E_USAGE, "earlier", 1, 1, "earlier error");
    assert_null(conv_schema_load(ctx, "/nonexistent/dir/x.schema.json", &err));
    assert_int_equal(err.code, CONV_E_IO);
    assert_string_equal(err.source, "/nonexistent/dir/x.schema.json");
    conv_context_free(ctx);
}

int main(void)
{
    /* CONV_TEST_FILTER=pattern runs only the matching tests. */
    if (getenv("CONV_TEST_FILTER"))
        cmocka_set_test_filter(getenv("CONV_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find),
        cmocka_unit_test(test_add_rejects),
        cmocka_unit_test(test_index_growth),
        cmocka_unit_test(test_add_name),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_load_sample),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_bad),
        cmocka_unit_test(test_load_not_a_file),
        cmocka_unit_test(test_load_keeps_first_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
