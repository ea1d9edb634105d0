/*
 * The reader and writer wrappers and conv_convert, through the real CSV
 * and JSON drivers: format detection, type inference, declared schemas,
 * record accessors and clones, round trips, the union header of the spool
 * path, progress and cancellation.
 */
#include "cases.h"

#include "conv_private.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------------ */

/* Options from "name=value" strings (NULL-terminated list; may be NULL). */
static struct conv_options *make_opts(struct conv_context *ctx, const char *const *kv)
{
    struct conv_options *o = conv_options_new(ctx);
    assert_non_null(o);
    tu_options_add(o, kv);
    return o;
}

/* "samples/..." inside the source tree, as an option value. */
static char *sample(const char *rel)
{
    return tu_src(rel);
}

static const char *fmt_name(const struct conv_reader *rd)
{
    return conv_format_name(conv_reader_format(rd));
}

/* Read every record of a reader; returns the count, or -1 on error. */
static long drain(struct conv_reader *rd)
{
    const struct conv_record *rec;
    long n = 0;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
        n++;
    return rc == CONV_EOF ? n : -1;
}

/* The n-th record (1-based) of a memory document, cloned; NULL with err. */
static const struct conv_record *nth(struct conv_reader *rd, long n)
{
    const struct conv_record *rec = NULL;
    for (long i = 0; i < n; i++)
        if (conv_reader_next(rd, &rec) != CONV_OK)
            return NULL;
    return rec;
}

static void check_value(const struct conv_record *rec, const char *field, enum conv_type type,
                        const char *text, const char *ctx_what)
{
    const struct conv_value *v = conv_record_get(rec, field);
    if (!v)
        fail_msg("%s: no field '%s'", ctx_what, field);
    if (v->type != type || strcmp(v->text, text) != 0 || v->len != strlen(text))
        fail_msg("%s: field '%s' is %s '%s', want %s '%s'", ctx_what, field,
                 conv_type_name(v->type), v->text, conv_type_name(type), text);
    if (v->flags & CONV_VALUE_RAW)
        fail_msg("%s: field '%s' still raw", ctx_what, field);
}

/* ---- format detection ------------------------------------------------------------ */

enum open_how { BY_MEMORY, BY_FILE };

struct detect_row {
    const char *what;
    enum open_how how;
    const char *file; /* BY_FILE: name under the temp dir */
    const char *content;
    size_t len; /* 0: strlen */
    const char *from;
    const char *want; /* format name, or NULL for a failure */
    enum conv_errcode code;
};

static const struct detect_row detect_rows[] = {
    {"probe: array", BY_MEMORY, NULL, "[{\"a\":1}]", 0, NULL, "json", CONV_E_NONE},
    {"probe: blanks then array", BY_MEMORY, NULL, " \r\n\t[{\"a\":1}]", 0, NULL, "json",
     CONV_E_NONE},
    {"probe: object per line", BY_MEMORY, NULL, "{\"a\":1}\n{\"a\":2}\n", 0, NULL, "jsonl",
     CONV_E_NONE},
    {"probe: CSV", BY_MEMORY, NULL, "a,b\n1,2\n", 0, NULL, "csv", CONV_E_NONE},
    {"probe: Vietnamese CSV", BY_MEMORY, NULL, "mã,tên\n01,Sông Công\n", 0, NULL, "csv",
     CONV_E_NONE},
    {"probe after a UTF-8 BOM", BY_MEMORY, NULL, "\xEF\xBB\xBF[{\"a\":1}]", 0, NULL, "json",
     CONV_E_NONE},
    {"probe after UTF-16LE", BY_MEMORY, NULL, "\xFF\xFE[\0{\0}\0]\0", 10, NULL, "json",
     CONV_E_NONE},
    {"probe: binary", BY_MEMORY, NULL, "\x00\x01\x02\x03", 4, NULL, NULL, CONV_E_FORMAT},
    {"probe: invalid UTF-8", BY_MEMORY, NULL, "a,b\n\xC0\xAF,1\n", 0, NULL, NULL, CONV_E_FORMAT},
    {"from wins over content", BY_MEMORY, NULL, "{\"a\":1}\n", 0, "csv", "csv", CONV_E_NONE},
    {"from is case-blind", BY_MEMORY, NULL, "[{\"a\":1}]", 0, "JSON", "json", CONV_E_NONE},
    {"from unknown", BY_MEMORY, NULL, "a\n1\n", 0, "parquet", NULL, CONV_E_USAGE},
    {"from empty", BY_MEMORY, NULL, "a\n1\n", 0, "", NULL, CONV_E_USAGE},
    {"extension .csv wins over content", BY_FILE, "data.csv", "{\"a\":1}\n", 0, NULL, "csv",
     CONV_E_NONE},
    {"extension .json", BY_FILE, "data.json", "[{\"a\":1}]", 0, NULL, "json", CONV_E_NONE},
    {"extension .jsonl", BY_FILE, "data.jsonl", "{\"a\":1}\n", 0, NULL, "jsonl", CONV_E_NONE},
    {"extension .NDJSON", BY_FILE, "data.NDJSON", "{\"a\":1}\n", 0, NULL, "jsonl", CONV_E_NONE},
    {"extension .tsv", BY_FILE, "data.tsv", "a\tb\n1\t2\n", 0, NULL, "tsv", CONV_E_NONE},
    {"extension .tab", BY_FILE, "data.tab", "a\tb\n1\t2\n", 0, NULL, "tsv", CONV_E_NONE},
    {"unknown extension: probe", BY_FILE, "data.txt", "[{\"a\":1}]", 0, NULL, "json", CONV_E_NONE},
    {"no extension, dotted folder: probe", BY_FILE, "d.csv/data", "{\"a\":1}\n", 0, NULL, "jsonl",
     CONV_E_NONE},
    {"from wins over extension", BY_FILE, "data.json", "{\"a\":1}\n", 0, "jsonl", "jsonl",
     CONV_E_NONE},
    {"from unknown, file", BY_FILE, "data.csv", "a\n1\n", 0, "excel", NULL, CONV_E_USAGE},
};

static void test_detect(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    for (size_t i = 0; i < N_ELEMS(detect_rows); i++) {
        const struct detect_row *r = &detect_rows[i];
        struct conv_context *ctx = conv_context_new(NULL);
        char from[64];
        snprintf(from, sizeof from, "from=%s", r->from ? r->from : "");
        const char *kv[] = {r->from ? from : NULL, NULL};
        struct conv_options *o = make_opts(ctx, kv);
        size_t len = r->len ? r->len : strlen(r->content);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd;
        char *path = NULL;
        if (r->how == BY_MEMORY) {
            rd = conv_reader_open_memory(ctx, r->content, len, "mem", o, &err);
        } else {
            path = tu_path(dir, r->file);
            char *slash = strrchr(path, '/');
            *slash = '\0';
            mkdir(path, 0777);
            *slash = '/';
            tu_write_file(path, r->content, len);
            rd = conv_reader_open_file(ctx, path, o, &err);
        }
        if (r->want) {
            if (!rd)
                fail_msg("row %zu (%s): %s", i, r->what, err.message);
            if (strcmp(fmt_name(rd), r->want) != 0)
                fail_msg("row %zu (%s): format %s, want %s", i, r->what, fmt_name(rd), r->want);
            if (drain(rd) < 0)
                fail_msg("row %zu (%s): reading failed: %s", i, r->what,
                         conv_reader_error(rd)->message);
        } else {
            if (rd)
                fail_msg("row %zu (%s): opened as %s", i, r->what, fmt_name(rd));
            if (err.code != r->code)
                fail_msg("row %zu (%s): code %s (%s), want %s", i, r->what, conv_strerror(err.code),
                         err.message, conv_strerror(r->code));
            if (r->code == CONV_E_USAGE && !strstr(err.message, r->from))
                fail_msg("row %zu (%s): message '%s' does not name '%s'", i, r->what, err.message,
                         r->from);
        }
        conv_reader_close(rd);
        conv_options_free(o);
        conv_context_free(ctx);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}

/* ---- inference ---------------------------------------------------------------------- */

static const char infer_csv[] =
    "code,int,dec,mixed,flag,day,stamp,late,text,empty,nulls,neg\n"
    "0167,1,1.5,25,true,2021-01-01,2021-01-01T00:00:00Z,1,x,,,-0\n"
    "0101,-2,2e3,16.5,false,2024-02-29,2021-01-01T10:00:00+07:00,2,Sông,\"\",,-7\n"
    "0001,7,x1,\"3\",TRUE,2021-02-29,2021-01-01,abc,\"1\",,,0\n";

struct infer_row {
    const char *infer_rows; /* option value, NULL: default */
    long record;
    const char *field;
    enum conv_type type;
    const char *text;
};

static const struct infer_row infer_rows[] = {
    /* infer-rows=2: the third record comes after the types are fixed. */
    {"2", 1, "code", CONV_STRING, "0167"},
    {"2", 2, "code", CONV_STRING, "0101"},
    {"2", 1, "int", CONV_INTEGER, "1"},
    {"2", 2, "int", CONV_INTEGER, "-2"},
    {"2", 3, "int", CONV_INTEGER, "7"},
    {"2", 1, "dec", CONV_DECIMAL, "1.5"},
    {"2", 2, "dec", CONV_DECIMAL, "2e3"},
    {"2", 3, "dec", CONV_STRING, "x1"},
    {"2", 1, "mixed", CONV_DECIMAL, "25"},
    {"2", 2, "mixed", CONV_DECIMAL, "16.5"},
    {"2", 3, "mixed", CONV_DECIMAL, "3"},
    {"2", 1, "flag", CONV_BOOLEAN, "true"},
    {"2", 2, "flag", CONV_BOOLEAN, "false"},
    {"2", 3, "flag", CONV_STRING, "TRUE"},
    {"2", 1, "day", CONV_DATE, "2021-01-01"},
    {"2", 2, "day", CONV_DATE, "2024-02-29"},
    {"2", 3, "day", CONV_STRING, "2021-02-29"},
    {"2", 1, "stamp", CONV_DATETIME, "2021-01-01T00:00:00Z"},
    {"2", 2, "stamp", CONV_DATETIME, "2021-01-01T10:00:00+07:00"},
    {"2", 3, "stamp", CONV_STRING, "2021-01-01"},
    {"2", 1, "late", CONV_INTEGER, "1"},
    {"2", 3, "late", CONV_STRING, "abc"},
    {"2", 1, "text", CONV_STRING, "x"},
    {"2", 2, "text", CONV_STRING, "Sông"},
    {"2", 3, "text", CONV_STRING, "1"},
    {"2", 1, "empty", CONV_NULL, ""},
    {"2", 2, "empty", CONV_STRING, ""},
    {"2", 3, "empty", CONV_NULL, ""},
    {"2", 1, "nulls", CONV_NULL, ""},
    {"2", 1, "neg", CONV_INTEGER, "-0"},
    {"2", 2, "neg", CONV_INTEGER, "-7"},
    /* Default: all three records decide. */
    {NULL, 1, "int", CONV_INTEGER, "1"},
    {NULL, 1, "dec", CONV_STRING, "1.5"},
    {NULL, 1, "mixed", CONV_DECIMAL, "25"},
    {NULL, 3, "mixed", CONV_DECIMAL, "3"},
    {NULL, 1, "flag", CONV_STRING, "true"},
    {NULL, 1, "day", CONV_STRING, "2021-01-01"},
    {NULL, 1, "late", CONV_STRING, "1"},
    {NULL, 3, "late", CONV_STRING, "abc"},
    {NULL, 1, "neg", CONV_INTEGER, "-0"},
    {NULL, 3, "neg", CONV_INTEGER, "0"},
    /* infer-rows=0: all text. */
    {"0", 1, "int", CONV_STRING, "1"},
    {"0", 2, "dec", CONV_STRING, "2e3"},
    {"0", 1, "flag", CONV_STRING, "true"},
    {"0", 1, "day", CONV_STRING, "2021-01-01"},
    {"0", 1, "empty", CONV_NULL, ""},
    {"0", 2, "empty", CONV_STRING, ""},
    {"0", 3, "late", CONV_STRING, "abc"},
    /* infer-rows=1: the first record alone. */
    {"1", 1, "late", CONV_INTEGER, "1"},
    {"1", 2, "late", CONV_INTEGER, "2"},
    {"1", 2, "text", CONV_STRING, "Sông"},
    {"1", 2, "empty", CONV_STRING, ""},
};

static void test_infer(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(infer_rows); i++) {
        const struct infer_row *r = &infer_rows[i];
        struct conv_context *ctx = conv_context_new(NULL);
        char opt[64];
        snprintf(opt, sizeof opt, "infer-rows=%s", r->infer_rows ? r->infer_rows : "");
        const char *kv[] = {"from=csv", r->infer_rows ? opt : NULL, NULL};
        struct conv_options *o = make_opts(ctx, kv);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd =
            conv_reader_open_memory(ctx, infer_csv, sizeof infer_csv - 1, "infer.csv", o, &err);
        if (!rd)
            fail_msg("row %zu: %s", i, err.message);
        const struct conv_record *rec = nth(rd, r->record);
        if (!rec)
            fail_msg("row %zu: record %ld: %s", i, r->record, conv_reader_error(rd)->message);
        char what[96];
        snprintf(what, sizeof what, "row %zu (infer-rows %s, record %ld)", i,
                 r->infer_rows ? r->infer_rows : "default", r->record);
        check_value(rec, r->field, r->type, r->text, what);
        assert_int_equal(conv_record_index(rec), r->record);
        assert_int_equal(conv_record_line(rec), r->record + 1);
        conv_reader_close(rd);
        conv_options_free(o);
        conv_context_free(ctx);
    }
}

/* The inferred types show in the reader's schema. */
struct infer_schema_row {
    const char *field;
    enum conv_type type;
};

static const struct infer_schema_row infer_schema_rows[] = {
    {"code", CONV_STRING},    {"int", CONV_INTEGER},  {"dec", CONV_DECIMAL},
    {"mixed", CONV_DECIMAL},  {"flag", CONV_BOOLEAN}, {"day", CONV_DATE},
    {"stamp", CONV_DATETIME}, {"late", CONV_INTEGER}, {"text", CONV_STRING},
    {"empty", CONV_STRING},   {"nulls", CONV_ANY},    {"neg", CONV_INTEGER},
};

static void test_infer_schema(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    static const char *const kv[] = {"from=csv", "infer-rows=2", NULL};
    struct conv_options *o = make_opts(ctx, kv);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd =
        conv_reader_open_memory(ctx, infer_csv, sizeof infer_csv - 1, "infer.csv", o, &err);
    assert_non_null(rd);
    assert_int_equal(drain(rd), 3);
    const struct conv_schema *s = conv_reader_schema(rd);
    assert_int_equal(conv_schema_count(s), N_ELEMS(infer_schema_rows));
    for (size_t i = 0; i < N_ELEMS(infer_schema_rows); i++) {
        const struct conv_field *f = conv_schema_field(s, i);
        assert_string_equal(f->name, infer_schema_rows[i].field);
        if (f->type != infer_schema_rows[i].type)
            fail_msg("column %s inferred as %s, want %s", f->name, conv_type_name(f->type),
                     conv_type_name(infer_schema_rows[i].type));
    }
    /* After the end, the end again. */
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_EOF);
    assert_null(rec);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

struct bad_opt_row {
    const char *kv;
};

static const struct bad_opt_row bad_opt_rows[] = {
    {"infer-rows=-1"},
    {"infer-rows=abc"},
    {"infer-rows="},
    {"infer-rows=1x"},
    {"infer-rows=99999999999999999999"},
};

static void test_bad_core_options(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(bad_opt_rows); i++) {
        struct conv_context *ctx = conv_context_new(NULL);
        const char *kv[] = {"from=csv", bad_opt_rows[i].kv, NULL};
        struct conv_options *o = make_opts(ctx, kv);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd = conv_reader_open_memory(ctx, "a\n1\n", 4, "m", o, &err);
        if (rd)
            fail_msg("row %zu (%s): accepted", i, bad_opt_rows[i].kv);
        assert_int_equal(err.code, CONV_E_USAGE);
        assert_non_null(strstr(err.message, "infer-rows"));
        conv_options_free(o);
        conv_context_free(ctx);
    }
}

/* ---- missing-value marks (--null) --------------------------------------------------- */

struct null_row {
    const char *what;
    const char *name; /* the document's name: its extension picks the format */
    const char *doc;
    const char *const *opts;
    const char *want; /* the records dumped, or the error line */
};

#define NOPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct null_row null_rows[] = {
    /* Without the option '..' makes a column text; with it the column is a number. */
    {"no marks", "px.csv", "y,v\n2020,1.5\n2021,..\n", NULL,
     "@2\ty:integer=2020\tv:string=1.5\n@3\ty:integer=2021\tv:string=..\n"},
    {"'..' is null", "px.csv", "y,v\n2020,1.5\n2021,..\n", NOPTS("null=.."),
     "@2\ty:integer=2020\tv:decimal=1.5\n@3\ty:integer=2021\tv:null=\n"},
    {"several marks", "px.csv", "a,b,c\n1,-,x\n..,2,3\n", NOPTS("null=..,-,x"),
     "@2\ta:integer=1\tb:null=\tc:null=\n@3\ta:null=\tb:integer=2\tc:integer=3\n"},
    /* Marks are whole values, compared exactly. */
    {"whole values only", "px.csv", "a\n...\n.. \n-1\n", NOPTS("null=..,-"),
     "@2\ta:string=...\n@3\ta:string=.. \n@4\ta:string=-1\n"},
    /* A quoted empty field is an empty string; '' makes it null (World Bank). */
    {"'' for quoted empty", "wb.csv", "\"c\",\"1960\"\n\"VNM\",\"\"\n\"VNM\",\"6.5\"\n",
     NOPTS("null="), "@2\tc:string=VNM\t1960:null=\n@3\tc:string=VNM\t1960:decimal=6.5\n"},
    {"empty item among others", "wb.csv", "a\n\"\"\n..\n3\n", NOPTS("null=..,"),
     "@2\ta:null=\n@3\ta:null=\n@4\ta:integer=3\n"},
    {"leading empty item", "wb.csv", "a\n\"\"\n..\n3\n", NOPTS("null=,.."),
     "@2\ta:null=\n@3\ta:null=\n@4\ta:integer=3\n"},
    {"'..' leaves quoted empty alone", "wb.csv", "a\n\"\"\n3\n", NOPTS("null=.."),
     "@2\ta:string=\n@3\ta:string=3\n"},
    /* Escapes: a comma and a backslash inside a mark. */
    {"escaped comma", "e.csv", "a;b\nn,a;1\nx\\y;2\n", NOPTS("null=n\\,a,x\\\\y"),
     "@2\ta:null=\tb:integer=1\n@3\ta:null=\tb:integer=2\n"},
    /* With a schema: the mark passes a decimal field as null. */
    {"schema decimal", "s.csv", "v\n..\n2\n", NOPTS("null=..", "schema=@v-decimal"),
     "@2\tv:null=\n@3\tv:decimal=2\n"},
    /* A mark in NFC matches a value in NFC whatever form the option came in. */
    {"marks in NFC", "v.csv", "a\nkh\xc3\xb4ng\n1\n", NOPTS("null=kho\xcc\x82ng"),
     "@2\ta:null=\n@3\ta:integer=1\n"},
    /* Typed formats: strings that are marks become null, numbers never do. */
    {"json strings", "j.json", "[{\"v\":\"..\",\"n\":0},{\"v\":\"x\",\"n\":\"-\"}]",
     NOPTS("null=..,-,0"), "@1\tv:null=\tn:integer=0\n@1\tv:string=x\tn:null=\n"},
    {"jsonl", "j.jsonl", "{\"v\":\"\"}\n{\"v\":1}\n", NOPTS("null="),
     "@1\tv:null=\n@2\tv:integer=1\n"},
    {"xml", "x.xml", "<rows><row><v>..</v><w>1</w></row><row><v>2</v><w>-</w></row></rows>",
     NOPTS("null=..,-"), NULL},
    /* Bad lists are usage errors. */
    {"lone backslash", "b.csv", "a\n1\n", NOPTS("null=x\\"),
     "option null: 'x\\' ends with a lone '\\' (write '\\\\' for a backslash, '\\,' for a "
     "comma)"},
};

static void test_null_marks(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *sch = tu_path(dir, "v.json");
    static const char schema[] = "{\"fields\":[{\"name\":\"v\",\"type\":\"decimal\"}]}";
    tu_write_file(sch, schema, sizeof schema - 1);
    for (size_t i = 0; i < N_ELEMS(null_rows); i++) {
        const struct null_row *r = &null_rows[i];
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = make_opts(ctx, NULL);
        const char *ext = strrchr(r->name, '.') + 1;
        assert_int_equal(conv_options_set(o, "from", ext), CONV_OK);
        for (size_t k = 0; r->opts && r->opts[k]; k++) {
            if (!strcmp(r->opts[k], "schema=@v-decimal")) {
                assert_int_equal(conv_options_set(o, "schema", sch), CONV_OK);
                continue;
            }
            const char *kv[] = {r->opts[k], NULL};
            tu_options_add(o, kv);
        }
        for (int trickle = 0; trickle < 2; trickle++) {
            struct conv_error err;
            char *got = tu_read_dump(r->doc, strlen(r->doc), r->name, o, trickle, &err);
            if (!r->want) {
                /* XML: the marks are null, the rest is as without the option. */
                if (!got)
                    fail_msg("%s: %s", r->what, err.message);
                assert_non_null(strstr(got, "v:null="));
                assert_non_null(strstr(got, "w:null="));
                assert_null(strstr(got, ".."));
                assert_non_null(strstr(got, "w:string=1") ? strstr(got, "w:string=1")
                                                           : strstr(got, "w:integer=1"));
            } else if (!got) {
                if (strcmp(err.message, r->want) != 0)
                    fail_msg("%s: error '%s', want '%s'", r->what, err.message, r->want);
                assert_int_equal(err.code, CONV_E_USAGE);
            } else if (strcmp(got, r->want) != 0) {
                fail_msg("%s:\ngot\n%swant\n%s", r->what, got, r->want);
            }
            free(got);
        }
        conv_options_free(o);
        conv_context_free(ctx);
    }
    /* At most 64 marks. */
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = make_opts(ctx, NOPTS("from=csv"));
    char many[200] = "";
    for (int k = 0; k < 65; k++)
        strcat(many, k ? ",m" : "m");
    assert_int_equal(conv_options_set(o, "null", many), CONV_OK);
    struct conv_error err;
    assert_null(conv_reader_open_memory(ctx, "a\n", 2, "m.csv", o, &err));
    assert_string_equal(err.message, "option null: more than 64 marks");
    many[strlen(many) - 2] = '\0'; /* 64: fine */
    assert_int_equal(conv_options_set(o, "null", many), CONV_OK);
    struct conv_reader *rd = conv_reader_open_memory(ctx, "a\nm\n", 4, "m.csv", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_record_get(rec, "a")->type, CONV_NULL);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    tu_rmtree(dir);
    free(dir);
    free(sch);
}

/* ---- declared schema ------------------------------------------------------------------- */

static void test_declared_sample(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *schema = sample("samples/indicators.schema.json");
    char *csv = sample("samples/indicators.csv");
    char opt[4200];
    snprintf(opt, sizeof opt, "schema=%s", schema);
    const char *kv[] = {opt, NULL};
    struct conv_options *o = make_opts(ctx, kv);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_file(ctx, csv, o, &err);
    if (!rd)
        fail_msg("%s", err.message);
    const struct conv_schema *s = conv_reader_schema(rd);
    assert_int_equal(conv_schema_count(s), 13);
    assert_string_equal(conv_schema_field(s, 6)->label, "Giá trị");
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    check_value(rec, "region_code", CONV_STRING, "165", "record 1");
    check_value(rec, "indicator_code", CONV_STRING, "01", "record 1");
    check_value(rec, "parent_code", CONV_NULL, "", "record 1");
    check_value(rec, "period", CONV_STRING, "2021", "record 1");
    check_value(rec, "value", CONV_DECIMAL, "13090", "record 1");
    check_value(rec, "unit", CONV_STRING, "tỷ đồng", "record 1");
    check_value(rec, "change_pct", CONV_DECIMAL, "16.5", "record 1");
    check_value(rec, "note", CONV_STRING,
                "Sau 1 năm thực hiện Nghị quyết Đại hội Đảng bộ các cấp, nhiệm kỳ 2020-2025",
                "record 1");
    assert_string_equal(conv_record_name(rec, 6), "value");
    for (int i = 2; i <= 6; i++)
        assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    check_value(rec, "value", CONV_DECIMAL, "552.6", "record 6");
    check_value(rec, "change_pct", CONV_DECIMAL, "25", "record 6");
    check_value(rec, "indicator_code", CONV_STRING, "03", "record 6");
    assert_int_equal(conv_record_index(rec), 6);
    assert_int_equal(conv_record_line(rec), 7);
    for (int i = 7; i <= 12; i++)
        assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    check_value(rec, "period", CONV_STRING, "2020", "record 12");
    check_value(rec, "value", CONV_DECIMAL, "442.1", "record 12");
    assert_int_equal(conv_reader_next(rd, &rec), CONV_EOF);
    conv_reader_close(rd);
    conv_options_free(o);
    free(schema);
    free(csv);
    conv_context_free(ctx);
}

static const char sample_header[] = "region_code,region_name,indicator_code,indicator_name,"
                                    "parent_code,period,value,unit,change_pct,status,note\n";

/* A value that does not fit its declared type: positioned CONV_E_TYPE. */
static void test_declared_type_error(void **state)
{
    (void)state;
    static const char row1[] =
        "165,Thành phố Sông Công,01,Tổng giá trị sản xuất trên địa bàn,,2021,13090,tỷ đồng,"
        "16.5,official,\n";
    static const char before[] = "165,Thành phố Sông Công,0101,Công nghiệp và xây dựng,01,2021,";
    static const char after[] = "abc,tỷ đồng,16.5,official,\n";
    char doc[1024];
    snprintf(doc, sizeof doc, "%s%s%s%s", sample_header, row1, before, after);
    uint64_t col = convp_utf8_count((const unsigned char *)before, strlen(before)) + 1;

    struct conv_context *ctx = conv_context_new(NULL);
    char *schema = sample("samples/indicators.schema.json");
    char opt[4200];
    snprintf(opt, sizeof opt, "schema=%s", schema);
    const char *kv[] = {"from=csv", opt, NULL};
    struct conv_options *o = make_opts(ctx, kv);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, strlen(doc), "bad.csv", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_reader_next(rd, &rec), CONV_ERR);
    assert_null(rec);
    const struct conv_error *e = conv_reader_error(rd);
    assert_int_equal(e->code, CONV_E_TYPE);
    assert_string_equal(e->source, "bad.csv");
    assert_int_equal(e->line, 3);
    assert_int_equal(e->column, col);
    assert_int_equal(e->record, 2);
    assert_string_equal(e->field, "value");
    assert_non_null(strstr(e->message, "'abc'"));
    assert_non_null(strstr(e->message, "decimal"));
    char line[512], want[64];
    conv_error_format(e, line, sizeof line);
    snprintf(want, sizeof want, "bad.csv:3:%llu: ", (unsigned long long)col);
    assert_memory_equal(line, want, strlen(want));
    /* It stays failed. */
    assert_int_equal(conv_reader_next(rd, &rec), CONV_ERR);
    assert_int_equal(conv_reader_error(rd)->code, CONV_E_TYPE);
    conv_reader_close(rd);
    conv_options_free(o);
    free(schema);
    conv_context_free(ctx);
}

/* A small schema of every checked type, written to a temp dir. */
static const char typed_schema[] =
    "{\"fields\":[{\"name\":\"flag\",\"type\":\"boolean\"},{\"name\":\"n\",\"type\":\"integer\"},"
    "{\"name\":\"d\",\"type\":\"date\"},{\"name\":\"t\",\"type\":\"datetime\"},"
    "{\"name\":\"x\",\"type\":\"decimal\"},{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"any\"}]}";

struct typed_row {
    const char *what;
    const char *from;
    const char *doc;
    enum conv_errcode code; /* of the first record */
    const char *field;      /* checked field, or the error's field */
    enum conv_type type;
    const char *text;
};

static const struct typed_row typed_rows[] = {
    {"TRUE becomes true", "csv", "flag,n\nTRUE,1\n", CONV_E_NONE, "flag", CONV_BOOLEAN, "true"},
    {"False becomes false", "csv", "flag,n\nFalse,1\n", CONV_E_NONE, "flag", CONV_BOOLEAN, "false"},
    {"true stays", "csv", "flag\ntrue\n", CONV_E_NONE, "flag", CONV_BOOLEAN, "true"},
    {"yes is not a boolean", "csv", "flag\nyes\n", CONV_E_TYPE, "flag", CONV_NULL, NULL},
    {"1 is not a boolean", "csv", "flag\n1\n", CONV_E_TYPE, "flag", CONV_NULL, NULL},
    {"integer", "csv", "n\n-42\n", CONV_E_NONE, "n", CONV_INTEGER, "-42"},
    {"0167 is not an integer", "csv", "n\n0167\n", CONV_E_TYPE, "n", CONV_NULL, NULL},
    {"1.5 is not an integer", "csv", "n\n1.5\n", CONV_E_TYPE, "n", CONV_NULL, NULL},
    {"empty is null", "csv", "n,d\n,2021-01-01\n", CONV_E_NONE, "n", CONV_NULL, ""},
    {"date", "csv", "d\n2024-02-29\n", CONV_E_NONE, "d", CONV_DATE, "2024-02-29"},
    {"no 29 February 2021", "csv", "d\n2021-02-29\n", CONV_E_TYPE, "d", CONV_NULL, NULL},
    {"datetime", "csv", "t\n2021-01-01T10:00:00+07:00\n", CONV_E_NONE, "t", CONV_DATETIME,
     "2021-01-01T10:00:00+07:00"},
    {"decimal from integer text", "csv", "x\n25\n", CONV_E_NONE, "x", CONV_DECIMAL, "25"},
    {"decimal text kept", "csv", "x\n1.50\n", CONV_E_NONE, "x", CONV_DECIMAL, "1.50"},
    {"1,5 is not a decimal", "csv", "x\n\"1,5\"\n", CONV_E_TYPE, "x", CONV_NULL, NULL},
    {"string keeps digits", "csv", "s\n0167\n", CONV_E_NONE, "s", CONV_STRING, "0167"},
    {"any column: text", "csv", "any\n12\n", CONV_E_NONE, "any", CONV_STRING, "12"},
    {"a CSV column not in the schema", "csv", "flag,extra\ntrue,1\n", CONV_E_SCHEMA, "extra",
     CONV_NULL, NULL},
    {"JSON number into a string", "jsonl", "{\"s\":165}\n", CONV_E_NONE, "s", CONV_STRING, "165"},
    {"JSON decimal into a string", "json", "[{\"s\":16.50}]", CONV_E_NONE, "s", CONV_STRING,
     "16.50"},
    {"JSON big number into a string", "jsonl", "{\"s\":123456789012345678901234567890}\n",
     CONV_E_NONE, "s", CONV_STRING, "123456789012345678901234567890"},
    {"JSON number into a decimal", "jsonl", "{\"x\":13090}\n", CONV_E_NONE, "x", CONV_DECIMAL,
     "13090"},
    {"JSON integer", "jsonl", "{\"n\":7}\n", CONV_E_NONE, "n", CONV_INTEGER, "7"},
    {"JSON decimal into an integer", "jsonl", "{\"n\":7.5}\n", CONV_E_TYPE, "n", CONV_NULL, NULL},
    {"JSON text into a decimal", "jsonl", "{\"x\":\"abc\"}\n", CONV_E_TYPE, "x", CONV_NULL, NULL},
    {"JSON null", "jsonl", "{\"n\":null}\n", CONV_E_NONE, "n", CONV_NULL, ""},
    {"JSON field not in the schema", "jsonl", "{\"flag\":true,\"extra\":1}\n", CONV_E_SCHEMA,
     "extra", CONV_NULL, NULL},
};

static void test_declared_types(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *schema = tu_path(dir, "typed.schema.json");
    tu_write_file(schema, typed_schema, sizeof typed_schema - 1);
    char opt[4200];
    snprintf(opt, sizeof opt, "schema=%s", schema);
    for (size_t i = 0; i < N_ELEMS(typed_rows); i++) {
        const struct typed_row *r = &typed_rows[i];
        struct conv_context *ctx = conv_context_new(NULL);
        char from[32];
        snprintf(from, sizeof from, "from=%s", r->from);
        const char *kv[] = {from, opt, NULL};
        struct conv_options *o = make_opts(ctx, kv);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd =
            conv_reader_open_memory(ctx, r->doc, strlen(r->doc), "doc", o, &err);
        const struct conv_error *e = &err;
        int rc = CONV_ERR;
        const struct conv_record *rec = NULL;
        if (rd) {
            rc = conv_reader_next(rd, &rec);
            e = conv_reader_error(rd);
        }
        if (r->code == CONV_E_NONE) {
            if (rc != CONV_OK)
                fail_msg("row %zu (%s): %s", i, r->what, e->message);
            char what[96];
            snprintf(what, sizeof what, "row %zu (%s)", i, r->what);
            check_value(rec, r->field, r->type, r->text, what);
            assert_ptr_equal(rec->schema, conv_reader_schema(rd));
        } else {
            if (rc == CONV_OK)
                fail_msg("row %zu (%s): accepted", i, r->what);
            if (e->code != r->code)
                fail_msg("row %zu (%s): code %s (%s), want %s", i, r->what, conv_strerror(e->code),
                         e->message, conv_strerror(r->code));
            if (!strstr(e->message, r->field))
                fail_msg("row %zu (%s): message '%s' does not name '%s'", i, r->what, e->message,
                         r->field);
            assert_string_equal(e->source, "doc");
            /* Record errors say where. */
            if (rd) {
                assert_string_equal(e->field, r->field);
                assert_int_equal(e->record, 1);
                assert_int_equal(e->line, 2 - (r->from[0] == 'j'));
                assert_true(e->column > 0);
            }
        }
        conv_reader_close(rd);
        conv_options_free(o);
        conv_context_free(ctx);
    }
    unlink(schema);
    free(schema);
    tu_rmtree(dir);
    free(dir);
}

/* A CSV column the schema lacks: CONV_E_SCHEMA at the name in the header. */
struct unknown_col_row {
    const char *doc;
    const char *name;
    uint64_t line, column;
};

static const struct unknown_col_row unknown_col_rows[] = {
    {"flag,n,extra\ntrue,1,2\n", "extra", 1, 8},
    {"extra,flag\n1,true\n", "extra", 1, 1},
    {"flag,\"tên, mới\",n\ntrue,x,1\n", "tên, mới", 1, 6},
    {"\n\nn,flag,d,Giá trị\n1,true,2021-01-01,2\n", "Giá trị", 3, 10},
};

static void test_declared_unknown_column(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *schema = tu_path(dir, "typed.schema.json");
    tu_write_file(schema, typed_schema, sizeof typed_schema - 1);
    char opt[4200];
    snprintf(opt, sizeof opt, "schema=%s", schema);
    for (size_t i = 0; i < N_ELEMS(unknown_col_rows); i++) {
        const struct unknown_col_row *r = &unknown_col_rows[i];
        struct conv_context *ctx = conv_context_new(NULL);
        const char *kv[] = {"from=csv", opt, NULL};
        struct conv_options *o = make_opts(ctx, kv);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd =
            conv_reader_open_memory(ctx, r->doc, strlen(r->doc), "hdr.csv", o, &err);
        if (rd)
            fail_msg("row %zu: opened", i);
        if (err.code != CONV_E_SCHEMA || !strstr(err.message, r->name) || err.line != r->line ||
            err.column != r->column)
            fail_msg("row %zu: %s at %llu:%llu: %s (want %llu:%llu)", i, conv_strerror(err.code),
                     (unsigned long long)err.line, (unsigned long long)err.column, err.message,
                     (unsigned long long)r->line, (unsigned long long)r->column);
        assert_string_equal(err.source, "hdr.csv");
        conv_options_free(o);
        conv_context_free(ctx);
    }
    free(schema);
    tu_rmtree(dir);
    free(dir);
}

/* A bad --schema file stops the open with the schema's error. */
static void test_declared_bad_schema(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *schema = tu_path(dir, "s.json");
    tu_write_file(schema, "{\"fields\":[{\"name\":\"a\",\"type\":\"real\"}]}", 40);
    char opt[4200];
    snprintf(opt, sizeof opt, "schema=%s", schema);
    const char *kv[] = {"from=csv", opt, NULL};
    struct conv_options *o = make_opts(ctx, kv);
    struct conv_error err;
    conv_error_clear(&err);
    assert_null(conv_reader_open_memory(ctx, "a\n1\n", 4, "m", o, &err));
    assert_int_equal(err.code, CONV_E_SCHEMA);
    assert_string_equal(err.source, schema);
    conv_options_free(o);
    char *missing = tu_path(dir, "missing.json");
    snprintf(opt, sizeof opt, "schema=%s", missing);
    const char *kv2[] = {"from=csv", opt, NULL};
    o = make_opts(ctx, kv2);
    conv_error_clear(&err);
    assert_null(conv_reader_open_memory(ctx, "a\n1\n", 4, "m", o, &err));
    assert_int_equal(err.code, CONV_E_IO);
    conv_options_free(o);
    free(missing);
    free(schema);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/*
 * "required": a record must carry a non-null value (conv.h, struct
 * conv_field).  With the sample schema, "value" and "unit" are required.
 */
struct required_row {
    const char *what;
    const char *from;
    const char *doc;
    const char *field;
    uint64_t line, column; /* where the error points */
};

static const struct required_row required_rows[] = {
    {"CSV: empty required value", "csv",
     "region_code,indicator_code,period,value,unit\n165,01,2021,,tỷ đồng\n", "value", 2, 13},
    {"JSON: null required value", "jsonl",
     "{\"region_code\":\"165\",\"indicator_code\":\"01\",\"period\":\"2021\",\"value\":null,"
     "\"unit\":\"tỷ đồng\"}\n",
     "value", 1, 68},
    {"JSON: required field absent", "jsonl",
     "{\"region_code\":\"165\",\"indicator_code\":\"01\",\"period\":\"2021\",\"value\":1}\n",
     "unit", 1, 0},
};

static void test_declared_required(void **state)
{
    (void)state;
    char *schema = sample("samples/indicators.schema.json");
    char opt[4200];
    snprintf(opt, sizeof opt, "schema=%s", schema);
    int bad = 0;
    for (size_t i = 0; i < N_ELEMS(required_rows); i++) {
        const struct required_row *r = &required_rows[i];
        struct conv_context *ctx = conv_context_new(NULL);
        char from[32];
        snprintf(from, sizeof from, "from=%s", r->from);
        const char *kv[] = {from, opt, NULL};
        struct conv_options *o = make_opts(ctx, kv);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd =
            conv_reader_open_memory(ctx, r->doc, strlen(r->doc), "doc", o, &err);
        const struct conv_error *e = &err;
        if (rd && drain(rd) >= 0) {
            print_message("row %zu (%s): read without an error\n", i, r->what);
            bad++;
        } else {
            if (rd)
                e = conv_reader_error(rd);
            if (e->code != CONV_E_SCHEMA || !strstr(e->message, r->field) ||
                strcmp(e->field, r->field) != 0 || e->record != 1 || e->line != r->line ||
                e->column != r->column || strcmp(e->source, "doc") != 0) {
                print_message("row %zu (%s): %s at %llu:%llu, record %llu, field '%s': %s\n", i,
                              r->what, conv_strerror(e->code), (unsigned long long)e->line,
                              (unsigned long long)e->column, (unsigned long long)e->record,
                              e->field, e->message);
                bad++;
            }
        }
        conv_reader_close(rd);
        conv_options_free(o);
        conv_context_free(ctx);
    }
    free(schema);
    assert_int_equal(bad, 0);
}

/* ---- records -------------------------------------------------------------------------- */

static void test_record_accessors(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *csv = sample("samples/indicators.csv");
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_file(ctx, csv, NULL, &err);
    assert_non_null(rd);
    assert_string_equal(fmt_name(rd), "csv");
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_record_count(rec), 13);
    assert_string_equal(conv_record_name(rec, 0), "region_code");
    assert_string_equal(conv_record_name(rec, 12), "note");
    assert_null(conv_record_name(rec, 13));
    assert_null(conv_record_value(rec, 13));
    assert_string_equal(conv_record_value(rec, 1)->text, "Thành phố Sông Công");
    assert_ptr_equal(conv_record_value(rec, 6), conv_record_get(rec, "value"));
    assert_null(conv_record_get(rec, "nope"));
    assert_null(conv_record_get(rec, ""));
    assert_int_equal(conv_record_index(rec), 1);
    assert_int_equal(conv_record_line(rec), 2);
    /* Inferred: value and change_pct decimal, codes strings. */
    check_value(rec, "region_code", CONV_INTEGER, "165", "record 1");
    check_value(rec, "indicator_code", CONV_STRING, "01", "record 1");
    check_value(rec, "value", CONV_DECIMAL, "13090", "record 1");
    check_value(rec, "change_pct", CONV_DECIMAL, "16.5", "record 1");
    check_value(rec, "parent_code", CONV_NULL, "", "record 1");
    for (uint64_t i = 2; i <= 6; i++) {
        assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
        assert_int_equal(conv_record_index(rec), i);
        assert_int_equal(conv_record_line(rec), i + 1);
    }
    check_value(rec, "value", CONV_DECIMAL, "552.6", "record 6");
    assert_int_equal(drain(rd), 6);
    assert_int_equal(conv_reader_error(rd)->code, CONV_E_NONE);
    conv_reader_close(rd);

    /* NULL records answer "nothing". */
    assert_int_equal(conv_record_count(NULL), 0);
    assert_null(conv_record_name(NULL, 0));
    assert_null(conv_record_value(NULL, 0));
    assert_null(conv_record_get(NULL, "a"));
    assert_int_equal(conv_record_index(NULL), 0);
    assert_int_equal(conv_record_line(NULL), 0);
    assert_null(conv_record_clone(NULL));
    conv_record_free(NULL);
    conv_reader_close(NULL);

    /* Lines count the line ends inside quoted fields. */
    static const char ml[] = "a,b\n1,\"x\ny\"\n2,\"p\r\nq\r\nr\"\n3,z\n";
    static const char *const kv[] = {"from=csv", NULL};
    struct conv_options *o = make_opts(ctx, kv);
    rd = conv_reader_open_memory(ctx, ml, sizeof ml - 1, "ml", o, &err);
    assert_non_null(rd);
    static const uint64_t lines[] = {2, 4, 7};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
        assert_int_equal(conv_record_line(rec), lines[i]);
    }
    check_value(rec, "b", CONV_STRING, "z", "record 3");
    conv_reader_close(rd);
    conv_options_free(o);
    free(csv);
    conv_context_free(ctx);
}

static void check_clone(const struct conv_record *c, uint64_t index, const char *code,
                        const char *value)
{
    assert_int_equal(conv_record_index(c), index);
    assert_int_equal(conv_record_line(c), index + 1);
    assert_int_equal(conv_record_count(c), 13);
    assert_string_equal(conv_record_name(c, 2), "indicator_code");
    check_value(c, "indicator_code", CONV_STRING, code, "clone");
    check_value(c, "value", CONV_DECIMAL, value, "clone");
    check_value(c, "region_name", CONV_STRING, "Thành phố Sông Công", "clone");
}

struct clone_row {
    const char *what;
    int declared; /* with the sample schema */
};

static const struct clone_row clone_rows[] = {{"inferred", 0}, {"declared schema", 1}};

static void test_clone(void **state)
{
    (void)state;
    for (size_t r = 0; r < N_ELEMS(clone_rows); r++) {
        struct conv_context *ctx = conv_context_new(NULL);
        char *csv = sample("samples/indicators.csv");
        char *schema = sample("samples/indicators.schema.json");
        char opt[4200];
        snprintf(opt, sizeof opt, "schema=%s", schema);
        const char *kv[] = {clone_rows[r].declared ? opt : NULL, NULL};
        struct conv_options *o = make_opts(ctx, kv);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_reader *rd = conv_reader_open_file(ctx, csv, o, &err);
        assert_non_null(rd);
        const struct conv_record *rec;
        struct conv_record *c2 = NULL, *c6 = NULL;
        while (conv_reader_next(rd, &rec) == CONV_OK) {
            if (conv_record_index(rec) == 2)
                c2 = conv_record_clone(rec);
            if (conv_record_index(rec) == 6)
                c6 = conv_record_clone(rec);
        }
        assert_non_null(c2);
        assert_non_null(c6);
        /* The clones do not change as the reader moves on... */
        check_clone(c2, 2, "0101", "11227");
        conv_reader_close(rd);
        conv_options_free(o);
        /* ... nor die with it. */
        check_clone(c2, 2, "0101", "11227");
        check_clone(c6, 6, "03", "552.6");
        /* A clone of a clone. */
        struct conv_record *cc = conv_record_clone(c6);
        conv_record_free(c6);
        check_clone(cc, 6, "03", "552.6");
        conv_record_free(cc);
        conv_record_free(c2);
        free(csv);
        free(schema);
        conv_context_free(ctx);
    }
}

/*
 * A clone written after its reader closed: an error about it must not
 * read the closed reader's memory (the record's source name).
 */
static void test_clone_error_after_close(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    static const char *const rkv[] = {"from=csv", NULL};
    struct conv_options *ro = make_opts(ctx, rkv);
    static const char *const wkv[] = {"to=csv", NULL};
    struct conv_options *wo = make_opts(ctx, wkv);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_memory(ctx, "a,b\n1,2\n", 8, "first.csv", ro, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    struct conv_record *clone = conv_record_clone(rec);
    conv_reader_close(rd);
    /* Scribble over freed memory the way a busy program would. */
    for (int i = 0; i < 64; i++) {
        char *junk = malloc(16);
        memcpy(junk, "junkjunkjunkjun", 16);
        free(junk);
    }
    struct conv_schema *header = conv_schema_new(ctx);
    struct conv_field fa = {"a", CONV_ANY, NULL, NULL, NULL, 0};
    conv_schema_add(header, &fa);
    struct conv_writer *w = conv_writer_open_memory(ctx, header, wo, &err);
    assert_non_null(w);
    assert_int_equal(conv_writer_put(w, clone), CONV_ERR);
    const struct conv_error *e = conv_writer_error(w);
    assert_int_equal(e->code, CONV_E_STRUCTURE);
    assert_string_equal(e->field, "b");
    assert_string_equal(e->source, "first.csv");
    conv_writer_close(w);
    conv_schema_free(header);
    conv_record_free(clone);
    conv_options_free(ro);
    conv_options_free(wo);
    conv_context_free(ctx);
}

/* ---- writers --------------------------------------------------------------------------- */

/* Put every record of a CSV document into w. */
static void put_all(struct conv_context *ctx, struct conv_writer *w, const char *doc,
                    const char *name)
{
    static const char *const kv[] = {"from=csv", "infer-rows=0", NULL};
    struct conv_options *o = make_opts(ctx, kv);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, strlen(doc), name, o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    while (conv_reader_next(rd, &rec) == CONV_OK)
        if (conv_writer_put(w, rec) != CONV_OK)
            fail_msg("put: %s", conv_writer_error(w)->message);
    conv_reader_close(rd);
    conv_options_free(o);
}

/*
 * Two inputs, one after the other, into one writer: the second input's
 * columns are in another order.  Each value must land under its own name.
 */
struct concat_row {
    const char *what;
    int header_given; /* a header schema a,b; else from the first record */
    const char *want;
};

static const struct concat_row concat_rows[] = {
    {"given header", 1, "a,b\r\nA1,B1\r\nA2,B2\r\n"},
    {"header from the first record", 0, "b,a\r\nB1,A1\r\nB2,A2\r\n"},
};

static void test_writer_two_readers(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < N_ELEMS(concat_rows); i++) {
        struct conv_context *ctx = conv_context_new(NULL);
        static const char *const kv[] = {"to=csv", NULL};
        struct conv_options *wo = make_opts(ctx, kv);
        struct conv_schema *header = conv_schema_new(ctx);
        struct conv_field fa = {"a", CONV_ANY, NULL, NULL, NULL, 0};
        struct conv_field fb = {"b", CONV_ANY, NULL, NULL, NULL, 0};
        conv_schema_add(header, &fa);
        conv_schema_add(header, &fb);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_writer *w =
            conv_writer_open_memory(ctx, concat_rows[i].header_given ? header : NULL, wo, &err);
        assert_non_null(w);
        put_all(ctx, w, "b,a\nB1,A1\n", "one.csv");
        put_all(ctx, w, "a,b\nA2,B2\n", "two.csv");
        assert_int_equal(conv_writer_finish(w), CONV_OK);
        size_t n;
        const char *got = conv_writer_memory(w, &n);
        if (n != strlen(concat_rows[i].want) || memcmp(got, concat_rows[i].want, n) != 0) {
            print_message("row %zu (%s): got \"%.*s\"\n", i, concat_rows[i].what, (int)n, got);
            bad++;
        }
        conv_writer_close(w);
        conv_schema_free(header);
        conv_options_free(wo);
        conv_context_free(ctx);
    }
    assert_int_equal(bad, 0);
}

static void test_writer_states(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    static const char *const kv[] = {"to=jsonl", NULL};
    struct conv_options *wo = make_opts(ctx, kv);
    struct conv_error err;
    conv_error_clear(&err);
    /* No records: an empty document, finished. */
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, wo, &err);
    assert_non_null(w);
    assert_int_equal(conv_writer_finish(w), CONV_OK);
    size_t n = 99;
    conv_writer_memory(w, &n);
    assert_int_equal(n, 0);
    /* Finished: no more. */
    assert_int_equal(conv_writer_finish(w), CONV_ERR);
    assert_int_equal(conv_writer_error(w)->code, CONV_E_USAGE);
    conv_writer_close(w);
    conv_writer_close(NULL);

    /* Unknown output format; no format for a path. */
    static const char *const bad[] = {"to=parquet", NULL};
    struct conv_options *bo = make_opts(ctx, bad);
    conv_error_clear(&err);
    assert_null(conv_writer_open_memory(ctx, NULL, bo, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    assert_non_null(strstr(err.message, "parquet"));
    char *dir = tu_tempdir();
    char *target = tu_path(dir, "out.txt");
    conv_error_clear(&err);
    assert_null(conv_writer_open_file(ctx, target, NULL, NULL, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    conv_error_clear(&err);
    assert_null(conv_writer_open_file(ctx, target, NULL, bo, &err));
    assert_int_equal(err.code, CONV_E_USAGE);
    assert_int_equal(tu_count_entries(dir), 0);
    free(target);

    /* A file writer closed unfinished leaves nothing; finished, the file. */
    target = tu_path(dir, "out.jsonl");
    struct conv_writer *fw = conv_writer_open_file(ctx, target, NULL, NULL, &err);
    assert_non_null(fw);
    put_all(ctx, fw, "a,b\n1,2\n", "in.csv");
    assert_false(tu_exists(target));
    conv_writer_close(fw);
    assert_int_equal(tu_count_entries(dir), 0);
    fw = conv_writer_open_file(ctx, target, NULL, NULL, &err);
    put_all(ctx, fw, "a,b\n1,2\n", "in.csv");
    assert_int_equal(conv_writer_finish(fw), CONV_OK);
    conv_writer_close(fw);
    char *got = tu_read_file(target, NULL);
    assert_string_equal(got, "{\"a\":\"1\",\"b\":\"2\"}\n");
    free(got);
    free(target);
    tu_rmtree(dir);
    free(dir);
    conv_options_free(bo);
    conv_options_free(wo);
    conv_context_free(ctx);
}

/* ---- the registry ------------------------------------------------------------------------ */

struct path_row {
    const char *path;
    const char *want; /* NULL: none */
};

static const struct path_row path_rows[] = {
    {"a.csv", "csv"},        {"A.CSV", "csv"},
    {"x.tsv", "tsv"},        {"x.json", "json"},
    {"x.Json", "json"},      {"x.jsonl", "jsonl"},
    {"x.ndjson", "jsonl"},   {"/tmp/a.b/c.json", "json"},
    {"dir.json/file", NULL}, {"file.", NULL},
    {"file", NULL},          {"x.csv.gz", NULL},
    {"x.xml", "xml"},        {"-", NULL},
    {"báo cáo.csv", "csv"},
};

/* Every format of the registry, whatever they are: a new format is checked
 * here without this test naming it. */
static void test_registry(void **state)
{
    (void)state;
    size_t n = conv_format_count();
    assert_true(n >= 8);
    for (size_t i = 0; i < n; i++) {
        const struct conv_format *f = conv_format_at(i);
        assert_non_null(f);
        const char *name = conv_format_name(f);
        assert_true(strlen(name) > 0);
        assert_ptr_equal(conv_format_by_name(name), f);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(conv_format_name(conv_format_at(j)), name);
        assert_true(strlen(conv_format_description(f)) > 0);
        unsigned caps = conv_format_caps(f);
        assert_int_equal(conv_format_can_read(f), (caps & CONV_FORMAT_READ) != 0);
        assert_int_equal(conv_format_can_write(f), (caps & CONV_FORMAT_WRITE) != 0);
        assert_true(caps & (CONV_FORMAT_READ | CONV_FORMAT_WRITE));
        const char *const *ext = conv_format_extensions(f);
        assert_non_null(ext);
        /* A format without an extension is found by its content. */
        if (!ext[0])
            assert_true(caps & CONV_FORMAT_READ);
        for (; *ext; ext++) {
            char path[64];
            snprintf(path, sizeof path, "data.%s", *ext);
            assert_ptr_equal(conv_format_by_path(path), f);
        }
        size_t k = 0;
        int has_sheet = 0;
        const struct conv_option_desc *d;
        while ((d = conv_format_option(f, k)) != NULL) {
            assert_non_null(d->name);
            assert_non_null(d->help);
            assert_true(d->dir >= CONV_OPT_READ && d->dir <= CONV_OPT_BOTH);
            has_sheet |= !strcmp(d->name, "sheet") && (d->dir & CONV_OPT_READ);
            k++;
        }
        assert_null(conv_format_option(f, k + 5));
        /* A reader of sheets takes --sheet. */
        if ((caps & CONV_FORMAT_SHEETS) && (caps & CONV_FORMAT_READ))
            assert_true(has_sheet);
    }
    assert_null(conv_format_at(n));
    /* What callers rely on, asked of the registry rather than by name. */
    assert_true(conv_format_caps(conv_format_by_name("xlsx")) & CONV_FORMAT_SHEETS);
    assert_true(conv_format_caps(conv_format_by_name("xls")) & CONV_FORMAT_SHEETS);
    assert_false(conv_format_caps(conv_format_by_name("xls")) & CONV_FORMAT_WRITE);
    assert_false(conv_format_caps(conv_format_by_name("csv")) & CONV_FORMAT_SHEETS);
    assert_true(conv_format_caps(conv_format_by_name("csv")) & CONV_FORMAT_NEEDS_HEADER);
    assert_true(conv_format_caps(conv_format_by_name("json")) & CONV_FORMAT_TYPED);
    assert_null(conv_format_by_name("parquet"));
    assert_null(conv_format_by_name(""));
    assert_null(conv_format_by_name(NULL));
    assert_ptr_equal(conv_format_by_name("CSV"), conv_format_by_name("csv"));
    for (size_t i = 0; i < N_ELEMS(path_rows); i++) {
        const struct conv_format *f = conv_format_by_path(path_rows[i].path);
        const char *got = f ? conv_format_name(f) : NULL;
        if (!got != !path_rows[i].want || (got && strcmp(got, path_rows[i].want) != 0))
            fail_msg("by_path(\"%s\") = %s, want %s", path_rows[i].path, got ? got : "NULL",
                     path_rows[i].want ? path_rows[i].want : "NULL");
    }
    assert_null(conv_format_by_path(NULL));
    /* Probe: highest bid wins; CSV is the low fallback. */
    assert_string_equal(conv_format_name(conv_format_probe("[{}]", 4)), "json");
    assert_string_equal(conv_format_name(conv_format_probe("{}", 2)), "jsonl");
    assert_string_equal(conv_format_name(conv_format_probe("a;b\n", 4)), "csv");
    assert_null(conv_format_probe("\xFF\x00", 2));
    /* The core's options. */
    static const char *const core[] = {"from",   "to",         "schema", "profile",
                                       "locale", "encoding",   "null",   "infer-rows",
                                       "title",  "source",     "created"};
    for (size_t i = 0; i < N_ELEMS(core); i++) {
        const struct conv_option_desc *d = conv_core_option(i);
        assert_non_null(d);
        assert_string_equal(d->name, core[i]);
        assert_non_null(d->arg);
    }
    assert_null(conv_core_option(N_ELEMS(core)));
    assert_null(conv_core_option(100));
}

/* A writer on a callback: the bytes arrive; a failing callback is CONV_E_IO. */
struct wsink {
    char buf[4096];
    size_t len;
    int fail;
};

static int wsink_write(void *user, const void *p, size_t n)
{
    struct wsink *s = user;
    if (s->fail || s->len + n > sizeof s->buf)
        return -1;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

static void test_writer_callback(void **state)
{
    (void)state;
    for (int fail = 0; fail < 2; fail++) {
        struct conv_context *ctx = conv_context_new(NULL);
        static const char *const kv[] = {"to=csv", NULL};
        struct conv_options *wo = make_opts(ctx, kv);
        struct wsink s = {{0}, 0, fail};
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_writer *w = conv_writer_open_callback(ctx, wsink_write, &s, NULL, wo, &err);
        assert_non_null(w);
        put_all(ctx, w, "mã,tên\n01,Sông Công\n", "in.csv");
        int rc = conv_writer_finish(w);
        if (!fail) {
            assert_int_equal(rc, CONV_OK);
            assert_int_equal(s.len, strlen("mã,tên\r\n01,Sông Công\r\n"));
            assert_memory_equal(s.buf, "mã,tên\r\n01,Sông Công\r\n", s.len);
        } else {
            assert_int_equal(rc, CONV_ERR);
            assert_int_equal(conv_writer_error(w)->code, CONV_E_IO);
            /* Failed: nothing more is accepted. */
            assert_int_equal(conv_writer_finish(w), CONV_ERR);
            assert_int_equal(conv_writer_error(w)->code, CONV_E_IO);
        }
        conv_writer_close(w);
        conv_options_free(wo);
        conv_context_free(ctx);
    }
}

/* After a failed put the writer refuses more, keeping the first error. */
static void test_writer_after_failure(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    static const char *const kv[] = {"to=csv", NULL};
    struct conv_options *wo = make_opts(ctx, kv);
    struct conv_schema *header = conv_schema_new(ctx);
    struct conv_field fa = {"a", CONV_ANY, NULL, NULL, NULL, 0};
    conv_schema_add(header, &fa);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_writer *w = conv_writer_open_memory(ctx, header, wo, &err);
    static const char *const rkv[] = {"from=csv", NULL};
    struct conv_options *ro = make_opts(ctx, rkv);
    struct conv_reader *rd = conv_reader_open_memory(ctx, "a,b\n1,2\n", 8, "in.csv", ro, &err);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(conv_writer_put(w, rec), CONV_ERR);
    assert_int_equal(conv_writer_error(w)->code, CONV_E_STRUCTURE);
    assert_string_equal(conv_writer_error(w)->field, "b");
    assert_string_equal(conv_writer_error(w)->source, "in.csv");
    assert_int_equal(conv_writer_error(w)->line, 2);
    assert_int_equal(conv_writer_error(w)->column, 3);
    assert_int_equal(conv_writer_put(w, rec), CONV_ERR);
    assert_int_equal(conv_writer_finish(w), CONV_ERR);
    assert_int_equal(conv_writer_error(w)->code, CONV_E_STRUCTURE);
    conv_reader_close(rd);
    conv_writer_close(w);
    conv_schema_free(header);
    conv_options_free(ro);
    conv_options_free(wo);
    conv_context_free(ctx);
}

/* ---- conv_convert ------------------------------------------------------------------------ */

static void test_convert_round_trip(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *csv = sample("samples/indicators.csv");
    char *json = tu_path(dir, "indicators.json");
    char *back = tu_path(dir, "back.csv");
    char *jsonl = tu_path(dir, "indicators.jsonl");
    char *back2 = tu_path(dir, "back2.csv");
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_stats st = {.records = 99, .bytes_in = 99, .input_format = "x", .output_format = "y"};
    if (conv_convert(ctx, csv, json, NULL, &st, &err) != CONV_OK)
        fail_msg("csv -> json: %s", err.message);
    size_t csv_len;
    char *orig = tu_read_file(csv, &csv_len);
    assert_int_equal(st.records, 12);
    assert_int_equal(st.bytes_in, csv_len);
    assert_string_equal(st.input_format, "csv");
    assert_string_equal(st.output_format, "json");
    if (conv_convert(ctx, json, back, NULL, &st, &err) != CONV_OK)
        fail_msg("json -> csv: %s", err.message);
    assert_int_equal(st.records, 12);
    assert_string_equal(st.input_format, "json");
    assert_string_equal(st.output_format, "csv");
    size_t back_len;
    char *got = tu_read_file(back, &back_len);
    assert_int_equal(back_len, csv_len);
    assert_memory_equal(got, orig, csv_len);
    free(got);
    /* And through JSON Lines. */
    if (conv_convert(ctx, csv, jsonl, NULL, NULL, &err) != CONV_OK)
        fail_msg("csv -> jsonl: %s", err.message);
    if (conv_convert(ctx, jsonl, back2, NULL, NULL, &err) != CONV_OK)
        fail_msg("jsonl -> csv: %s", err.message);
    got = tu_read_file(back2, &back_len);
    assert_int_equal(back_len, csv_len);
    assert_memory_equal(got, orig, csv_len);
    free(got);
    /* JSON -> JSON is the identity on canonical JSON. */
    char *json2 = tu_path(dir, "again.json");
    assert_int_equal(conv_convert(ctx, json, json2, NULL, NULL, &err), CONV_OK);
    char *a = tu_read_file(json, NULL), *b = tu_read_file(json2, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
    free(json2);
    assert_int_equal(tu_count_entries(dir), 5);
    free(orig);
    free(csv);
    free(json);
    free(back);
    free(jsonl);
    free(back2);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* JSON Lines with differing fields to CSV: the union header, first-seen order. */
static void test_convert_union_header(void **state)
{
    (void)state;
    static const char in[] = "{\"a\":1,\"b\":\"x\"}\n"
                             "{\"c\":true,\"a\":2}\n"
                             "{\"b\":\"y\",\"d\":null}\n"
                             "{\"e\":\"2021-01-01\",\"a\":-0.5,\"b\":\"Sông, Công\"}\n";
    static const char want[] = "a,b,c,d,e\r\n"
                               "1,x,,,\r\n"
                               "2,,true,,\r\n"
                               ",y,,,\r\n"
                               "-0.5,\"Sông, Công\",,,2021-01-01\r\n";
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *spool = tu_path(dir, "spool");
    mkdir(spool, 0700);
    char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", spool, 1);
    char *src = tu_path(dir, "in.jsonl");
    char *out = tu_path(dir, "out.csv");
    tu_write_file(src, in, sizeof in - 1);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_stats st;
    int rc = conv_convert(ctx, src, out, NULL, &st, &err);
    if (saved) {
        setenv("TMPDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TMPDIR");
    }
    if (rc != CONV_OK)
        fail_msg("%s", err.message);
    assert_int_equal(st.records, 4);
    size_t n;
    char *got = tu_read_file(out, &n);
    if (n != sizeof want - 1 || memcmp(got, want, n) != 0)
        fail_msg("got:\n%s", got);
    free(got);
    assert_int_equal(tu_count_entries(spool), 0); /* the spool leaves no file */
    assert_int_equal(tu_count_entries(dir), 3);   /* spool/, in.jsonl, out.csv */
    free(src);
    free(out);
    free(spool);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* No place for the spool: an I/O error, and no output. */
static void test_convert_spool_unavailable(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *src = tu_path(dir, "in.jsonl");
    char *out = tu_path(dir, "out.csv");
    char *nowhere = tu_path(dir, "no/such/dir");
    tu_write_file(src, "{\"a\":1}\n", 8);
    char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", nowhere, 1);
    struct conv_error err;
    conv_error_clear(&err);
    int rc = conv_convert(ctx, src, out, NULL, NULL, &err);
    if (saved) {
        setenv("TMPDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TMPDIR");
    }
    assert_int_equal(rc, CONV_ERR);
    assert_int_equal(err.code, CONV_E_IO);
    assert_int_equal(tu_count_entries(dir), 1);
    free(nowhere);
    free(src);
    free(out);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* Failures leave no output, and an existing output untouched. */
struct convert_fail_row {
    const char *what;
    const char *in_name;
    const char *in; /* NULL: the input does not exist */
    const char *out_name;
    const char *opt;
    enum conv_errcode code;
};

static const struct convert_fail_row convert_fail_rows[] = {
    {"missing input", "nope.csv", NULL, "out.json", NULL, CONV_E_IO},
    {"unknown output extension", "in.csv", "a\n1\n", "out.txt", NULL, CONV_E_USAGE},
    {"unknown to", "in.csv", "a\n1\n", "out.json", "to=yaml", CONV_E_USAGE},
    {"unknown from", "in.csv", "a\n1\n", "out.json", "from=yaml", CONV_E_USAGE},
    {"syntax error late (CSV)", "in.csv", "a,b\n1,2\n3,\"4\n", "out.json", NULL, CONV_E_SYNTAX},
    {"syntax error late (JSON to CSV)", "in.jsonl", "{\"a\":1}\n{\"a\":\n", "out.csv", NULL,
     CONV_E_SYNTAX},
    {"ragged row", "in.csv", "a,b\n1,2\n3\n", "out.jsonl", NULL, CONV_E_STRUCTURE},
};

static void test_convert_failures(void **state)
{
    (void)state;
    static const char old[] = "existing output, must stay\n";
    for (size_t i = 0; i < N_ELEMS(convert_fail_rows); i++) {
        const struct convert_fail_row *r = &convert_fail_rows[i];
        for (int existing = 0; existing < 2; existing++) {
            struct conv_context *ctx = conv_context_new(NULL);
            char *dir = tu_tempdir();
            char *src = tu_path(dir, r->in_name);
            char *out = tu_path(dir, r->out_name);
            if (r->in)
                tu_write_file(src, r->in, strlen(r->in));
            if (existing)
                tu_write_file(out, old, sizeof old - 1);
            const char *kv[] = {r->opt, NULL};
            struct conv_options *o = make_opts(ctx, kv);
            struct conv_error err;
            conv_error_clear(&err);
            if (conv_convert(ctx, src, out, o, NULL, &err) != CONV_ERR)
                fail_msg("row %zu (%s): succeeded", i, r->what);
            if (err.code != r->code)
                fail_msg("row %zu (%s): code %s (%s)", i, r->what, conv_strerror(err.code),
                         err.message);
            int want_entries = (r->in != NULL) + existing;
            if (tu_count_entries(dir) != want_entries)
                fail_msg("row %zu (%s): %d entries left, want %d", i, r->what,
                         tu_count_entries(dir), want_entries);
            if (existing) {
                char *got = tu_read_file(out, NULL);
                assert_string_equal(got, old);
                free(got);
            }
            conv_options_free(o);
            free(src);
            free(out);
            tu_rmtree(dir);
            free(dir);
            conv_context_free(ctx);
        }
    }
}

/* "stats: filled on return when not NULL": after a failure too. */
static void test_convert_stats_on_failure(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < N_ELEMS(convert_fail_rows); i++) {
        const struct convert_fail_row *r = &convert_fail_rows[i];
        struct conv_context *ctx = conv_context_new(NULL);
        char *dir = tu_tempdir();
        char *src = tu_path(dir, r->in_name);
        char *out = tu_path(dir, r->out_name);
        if (r->in)
            tu_write_file(src, r->in, strlen(r->in));
        const char *kv[] = {r->opt, NULL};
        struct conv_options *o = make_opts(ctx, kv);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_stats st = {.records = 12345, .bytes_in = 12345, .input_format = "x",
                                .output_format = "y"};
        assert_int_equal(conv_convert(ctx, src, out, o, &st, &err), CONV_ERR);
        if (st.records == 12345 || st.bytes_in == 12345) {
            print_message("row %zu (%s): stats left unset\n", i, r->what);
            bad++;
        } else {
            assert_true(st.bytes_in <= (r->in ? strlen(r->in) : 0));
        }
        conv_options_free(o);
        free(src);
        free(out);
        tu_rmtree(dir);
        free(dir);
        conv_context_free(ctx);
    }
    assert_int_equal(bad, 0);
}

/* ---- progress and cancel ----------------------------------------------------------------- */

struct progress {
    int calls;
    int cancel_at; /* call that returns 1; 0: never */
    uint64_t last_done, last_records, total;
    int bad;
};

static int on_progress(void *user, uint64_t done, uint64_t total, uint64_t records)
{
    struct progress *p = user;
    p->calls++;
    if (done < p->last_done || records < p->last_records || (total && done > total))
        p->bad++;
    p->last_done = done;
    p->last_records = records;
    p->total = total;
    return p->cancel_at && p->calls >= p->cancel_at;
}

/* n records as CSV or JSON Lines. */
static void write_big(const char *path, int jsonl, long n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (!jsonl)
        fputs("region_code,indicator_code,value,unit\n", f);
    for (long i = 0; i < n; i++) {
        if (jsonl)
            fprintf(f, "{\"region_code\":\"%ld\",\"value\":%ld.5,\"unit\":\"tỷ đồng\"}\n", i % 300,
                    i);
        else
            fprintf(f, "%ld,0%ld,%ld.5,tỷ đồng\n", i % 300, i % 100, i);
    }
    fclose(f);
}

struct cancel_row {
    const char *what;
    int jsonl;
    const char *out_name;
    int cancel_at;
};

static const struct cancel_row cancel_rows[] = {
    {"CSV to JSON, no cancel", 0, "out.json", 0},
    {"CSV to JSON, cancel", 0, "out.json", 1},
    {"CSV to JSON, cancel later", 0, "out.json", 2},
    {"JSON Lines to CSV (spool), no cancel", 1, "out.csv", 0},
    {"JSON Lines to CSV (spool), cancel", 1, "out.csv", 1},
    {"JSON Lines to CSV (spool), cancel while replaying", 1, "out.csv", 3},
    {"JSON Lines to JSON, cancel", 1, "out.json", 2},
};

static void test_progress_cancel(void **state)
{
    (void)state;
    const long nrec = 40000;
    for (size_t i = 0; i < N_ELEMS(cancel_rows); i++) {
        const struct cancel_row *r = &cancel_rows[i];
        struct conv_context *ctx = conv_context_new(NULL);
        char *dir = tu_tempdir();
        char *src = tu_path(dir, r->jsonl ? "big.jsonl" : "big.csv");
        char *out = tu_path(dir, r->out_name);
        write_big(src, r->jsonl, nrec);
        struct stat st;
        stat(src, &st);
        struct conv_options *o = conv_options_new(ctx);
        struct progress p = {0, r->cancel_at, 0, 0, 0, 0};
        conv_options_set_progress(o, on_progress, &p);
        struct conv_error err;
        conv_error_clear(&err);
        struct conv_stats stats;
        int rc = conv_convert(ctx, src, out, o, &stats, &err);
        if (p.calls < 1)
            fail_msg("row %zu (%s): progress never called", i, r->what);
        assert_int_equal(p.bad, 0);
        assert_int_equal(p.total, (uint64_t)st.st_size);
        if (!r->cancel_at) {
            if (rc != CONV_OK)
                fail_msg("row %zu (%s): %s", i, r->what, err.message);
            assert_int_equal(stats.records, (uint64_t)nrec);
            assert_true(tu_exists(out));
            assert_int_equal(tu_count_entries(dir), 2);
        } else {
            if (rc != CONV_ERR)
                fail_msg("row %zu (%s): not canceled", i, r->what);
            assert_int_equal(err.code, CONV_E_CANCELED);
            assert_int_equal(p.calls, r->cancel_at);
            assert_true(stats.records <= (uint64_t)nrec);
            assert_false(tu_exists(out));
            assert_int_equal(tu_count_entries(dir), 1);
        }
        conv_options_free(o);
        free(src);
        free(out);
        tu_rmtree(dir);
        free(dir);
        conv_context_free(ctx);
    }
}

/* Cancel through conv_reader_next too. */
static void test_reader_cancel(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *src = tu_path(dir, "big.csv");
    write_big(src, 0, 40000);
    struct conv_options *o = conv_options_new(ctx);
    struct progress p = {0, 1, 0, 0, 0, 0};
    conv_options_set_progress(o, on_progress, &p);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_file(ctx, src, o, &err);
    assert_non_null(rd);
    assert_int_equal(drain(rd), -1);
    assert_int_equal(conv_reader_error(rd)->code, CONV_E_CANCELED);
    assert_int_equal(p.calls, 1);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_ERR);
    conv_reader_close(rd);
    conv_options_free(o);
    free(src);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* The last word before the output goes into place: a callback that says
 * stop at the end (a late Ctrl-C) still leaves no output. */
static void test_convert_cancel_at_end(void **state)
{
    (void)state;
    for (int cancel = 0; cancel < 2; cancel++) {
        struct conv_context *ctx = conv_context_new(NULL);
        char *dir = tu_tempdir();
        char *csv = sample("samples/indicators.csv");
        char *out = tu_path(dir, "out.json");
        struct conv_options *o = conv_options_new(ctx);
        struct progress p = {0, cancel, 0, 0, 0, 0};
        conv_options_set_progress(o, on_progress, &p);
        struct conv_error err;
        conv_error_clear(&err);
        int rc = conv_convert(ctx, csv, out, o, NULL, &err);
        assert_int_equal(p.calls, 1);
        assert_int_equal(p.last_records, 12);
        if (cancel) {
            assert_int_equal(rc, CONV_ERR);
            assert_int_equal(err.code, CONV_E_CANCELED);
            assert_int_equal(tu_count_entries(dir), 0);
        } else {
            assert_int_equal(rc, CONV_OK);
            assert_true(tu_exists(out));
        }
        conv_options_free(o);
        free(csv);
        free(out);
        tu_rmtree(dir);
        free(dir);
        conv_context_free(ctx);
    }
}

/*
 * A signal while the reader waits on a pipe: the progress callback is
 * asked, and can stop the read (CONV_E_CANCELED) or let it go on.  Run in
 * a child with an alarm, so a read that never wakes fails instead of
 * hanging the suite.
 */
static int eintr_fd = -1;
static int eintr_feed;
static int eintr_calls;

static void on_usr1(int sig)
{
    (void)sig;
    if (eintr_feed && eintr_fd >= 0) {
        static const char doc[] = "a,b\n1,2\n";
        if (write(eintr_fd, doc, sizeof doc - 1) < 0)
            _exit(9);
        close(eintr_fd);
        eintr_fd = -1;
    }
}

static int on_wait(void *user, uint64_t done, uint64_t total, uint64_t records)
{
    (void)user;
    (void)done;
    (void)total;
    (void)records;
    eintr_calls++;
    return !eintr_feed;
}

static int eintr_child(int feed)
{
    alarm(10);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART: the read is interrupted */
    sigaction(SIGUSR1, &sa, NULL);
    int p[2];
    if (pipe(p) != 0)
        return 10;
    eintr_fd = p[1];
    eintr_feed = feed;
    timer_t t;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    if (timer_create(CLOCK_MONOTONIC, &sev, &t) != 0)
        return 11;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_nsec = 200 * 1000 * 1000;
    timer_settime(t, 0, &its, NULL);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    conv_options_set_progress(o, on_wait, NULL);
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_file(ctx, path, o, &err);
    int rc = 0;
    if (eintr_calls < 1)
        rc = 1; /* never asked */
    else if (!feed && (rd || err.code != CONV_E_CANCELED))
        rc = 2; /* not canceled */
    else if (feed && (!rd || drain(rd) != 1))
        rc = 3; /* did not go on */
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    return rc;
}

static void test_cancel_while_waiting(void **state)
{
    (void)state;
    static const char *const what[] = {"ok", "the callback was never asked",
                                       "the read was not canceled", "the read did not go on"};
    for (int feed = 0; feed < 2; feed++) {
        fflush(stdout);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            _exit(eintr_child(feed));
        int st = 0;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st))
            fail_msg("%s: the reader hung or crashed (signal %d)", feed ? "go on" : "cancel",
                     WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        int code = WEXITSTATUS(st);
        if (code != 0)
            fail_msg("%s: %s (%d)", feed ? "go on" : "cancel", code < 4 ? what[code] : "setup",
                     code);
    }
}

/* ---- other sources ------------------------------------------------------------------------- */

/* A callback reader handing one byte at a time; a UTF-16 file. */
static void test_other_sources(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *csv = sample("samples/indicators.csv");
    size_t len;
    char *doc = tu_read_file(csv, &len);
    struct tu_trickle t = {.data = doc, .len = len, .step = 1};
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd =
        conv_reader_open_callback(ctx, tu_trickle_read, &t, "stdin", NULL, &err);
    assert_non_null(rd);
    assert_string_equal(fmt_name(rd), "csv");
    const struct conv_record *rec = nth(rd, 6);
    assert_non_null(rec);
    check_value(rec, "value", CONV_DECIMAL, "552.6", "callback record 6");
    check_value(rec, "indicator_name", CONV_STRING, "Thu ngân sách Nhà nước", "callback");
    assert_non_null(rec = nth(rd, 6));
    check_value(rec, "value", CONV_DECIMAL, "442.1", "callback record 12");
    assert_int_equal(conv_reader_next(rd, &rec), CONV_EOF);
    conv_reader_close(rd);

    /* The same text as UTF-16LE with a BOM, from a file. */
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "utf16.csv");
    unsigned char *u = malloc(2 * len + 2);
    size_t n = 0;
    u[n++] = 0xFF;
    u[n++] = 0xFE;
    for (size_t i = 0; i < len;) {
        unsigned c = (unsigned char)doc[i];
        uint32_t cp;
        if (c < 0x80) {
            cp = c;
            i++;
        } else if (c < 0xE0) {
            cp = (c & 0x1F) << 6 | (doc[i + 1] & 0x3F);
            i += 2;
        } else {
            cp = (c & 0x0F) << 12 | (uint32_t)(doc[i + 1] & 0x3F) << 6 | (doc[i + 2] & 0x3F);
            i += 3;
        }
        u[n++] = (unsigned char)(cp & 0xFF);
        u[n++] = (unsigned char)(cp >> 8);
    }
    tu_write_file(path, u, n);
    rd = conv_reader_open_file(ctx, path, NULL, &err);
    assert_non_null(rd);
    rec = nth(rd, 4);
    assert_non_null(rec);
    check_value(rec, "indicator_name", CONV_STRING, "Nông, lâm nghiệp và thủy sản", "utf16");
    assert_int_equal(drain(rd), 8);
    conv_reader_close(rd);
    free(u);
    free(path);
    tu_rmtree(dir);
    free(dir);
    free(doc);
    free(csv);
    conv_context_free(ctx);
}

/* An error passed as an out-parameter is cleared first: whatever it held
 * before, a failure reports its own error. */
static void test_error_out_parameter(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    memset(&err, 0xAB, sizeof err);
    assert_int_equal(conv_convert(ctx, "/nonexistent/in.csv", "-", NULL, NULL, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_USAGE); /* no output format from "-" */
    memset(&err, 0xAB, sizeof err);
    assert_null(conv_reader_open_file(ctx, "/nonexistent/in.csv", NULL, &err));
    assert_int_equal(err.code, CONV_E_IO);
    assert_string_equal(err.source, "/nonexistent/in.csv");
    memset(&err, 0xAB, sizeof err);
    struct conv_reader *rd = conv_reader_open_memory(ctx, "a\n1\n", 4, "m", NULL, &err);
    assert_non_null(rd);
    assert_int_equal(err.code, CONV_E_NONE); /* success leaves it clear */
    conv_reader_close(rd);
    conv_context_free(ctx);
}

int main(void)
{
    /* CONV_TEST_FILTER=pattern runs only the matching tests. */
    if (getenv("CONV_TEST_FILTER"))
        cmocka_set_test_filter(getenv("CONV_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_out_parameter),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_infer),
        cmocka_unit_test(test_infer_schema),
        cmocka_unit_test(test_bad_core_options),
        cmocka_unit_test(test_null_marks),
        cmocka_unit_test(test_declared_sample),
        cmocka_unit_test(test_declared_type_error),
        cmocka_unit_test(test_declared_types),
        cmocka_unit_test(test_declared_unknown_column),
        cmocka_unit_test(test_declared_bad_schema),
        cmocka_unit_test(test_declared_required),
        cmocka_unit_test(test_record_accessors),
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_writer_two_readers),
        cmocka_unit_test(test_writer_states),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_writer_callback),
        cmocka_unit_test(test_writer_after_failure),
        cmocka_unit_test(test_convert_round_trip),
        cmocka_unit_test(test_convert_union_header),
        cmocka_unit_test(test_convert_spool_unavailable),
        cmocka_unit_test(test_convert_failures),
        cmocka_unit_test(test_convert_stats_on_failure),
        cmocka_unit_test(test_progress_cancel),
        cmocka_unit_test(test_reader_cancel),
        cmocka_unit_test(test_convert_cancel_at_end),
        cmocka_unit_test(test_cancel_while_waiting),
        cmocka_unit_test(test_other_sources),
        /* Last: under ASan a use-after-free here ends the program. */
        cmocka_unit_test(test_clone_error_after_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
