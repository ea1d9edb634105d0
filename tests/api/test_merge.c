/*
 * The batch pieces of the public API: the merge of many inputs
 * (conv_merge_*), the up-to-date journal (conv_journal_*), a file written
 * whole (conv_output_*), findings' structured fields and the version
 * number.
 */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *put(const char *dir, const char *name, const char *text)
{
    char *p = tu_path(dir, name);
    tu_write_file(p, text, strlen(text));
    return p;
}

static void test_version_number(void **state)
{
    (void)state;
    assert_int_equal(CONV_VERSION_NUMBER, (CONV_VERSION_MAJOR << 16) |
                                              (CONV_VERSION_MINOR << 8) | CONV_VERSION_PATCH);
    assert_int_equal(conv_version_number(), CONV_VERSION_NUMBER);
    char text[32];
    snprintf(text, sizeof text, "%lu.%lu.%lu", conv_version_number() >> 16,
             (conv_version_number() >> 8) & 0xff, conv_version_number() & 0xff);
    assert_string_equal(text, conv_version());
}

/* Fields merged by name, first seen first; the source field last; a
 * broken input left out whole and reported. */
static void test_merge_fields_and_sources(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *a = put(dir, "a.csv", "x,y\n1,a\n2,b\n");
    char *b = put(dir, "b.jsonl", "{\"y\":\"c\",\"z\":true}\n{\"x\":3}\n");
    char *bad = put(dir, "bad.csv", "x,y\n1,\"open\n");
    char *out = tu_path(dir, "all.csv");
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct conv_merge *m = conv_merge_new(ctx, NULL, &err);
    assert_non_null(m);
    assert_string_equal(conv_merge_source_field(m), "source_file");
    assert_int_equal(conv_merge_add(m, a, "w1/a.csv"), CONV_OK);
    assert_int_equal(conv_merge_add(m, bad, "bad.csv"), CONV_OK);
    assert_int_equal(conv_merge_add(m, b, NULL), CONV_OK);
    assert_int_equal(conv_merge_count(m), 3);
    assert_null(conv_merge_input(m, 3));
    assert_int_equal(conv_merge_input(m, 0)->status, CONV_MERGE_PENDING);
    assert_int_equal(conv_merge_write(m, out, NULL, NULL, &err), CONV_OK);
    assert_int_equal(conv_merge_records(m), 4);
    char *text = tu_read_file(out, NULL);
    char want[1024];
    snprintf(want, sizeof want,
             "x,y,z,source_file\r\n1,a,,w1/a.csv\r\n2,b,,w1/a.csv\r\n,c,true,%s\r\n3,,,%s\r\n",
             b, b);
    assert_string_equal(text, want);
    free(text);
    const struct conv_merge_input *p = conv_merge_input(m, 1);
    assert_int_equal(p->status, CONV_MERGE_FAILED);
    assert_int_equal(p->error.code, CONV_E_SYNTAX);
    assert_string_equal(p->format, "csv");
    assert_string_equal(conv_merge_input(m, 2)->label, b);
    assert_string_equal(conv_merge_input(m, 2)->format, "jsonl");
    assert_int_equal(conv_merge_input(m, 2)->records, 2);
    uint64_t own = 0;
    assert_int_equal(conv_merge_input_of(m, 3, &own), 2);
    assert_int_equal(own, 1);
    assert_int_equal(conv_merge_input_of(m, 2, &own), 0);
    assert_int_equal(own, 2);
    assert_int_equal(conv_merge_input_of(m, 5, NULL), (size_t)-1);
    assert_int_equal(conv_merge_input_of(m, 0, NULL), (size_t)-1);
    conv_merge_free(m);

    /* An input with a field named source_file: the field is source_file_2. */
    char *c = put(dir, "c.csv", "source_file,v\nmine,1\n");
    m = conv_merge_new(ctx, NULL, &err);
    conv_merge_add(m, a, "a");
    conv_merge_add(m, c, "c");
    assert_int_equal(conv_merge_write(m, out, NULL, NULL, &err), CONV_OK);
    assert_string_equal(conv_merge_source_field(m), "source_file_2");
    text = tu_read_file(out, NULL);
    assert_string_equal(text, "x,y,source_file,v,source_file_2\r\n1,a,,,a\r\n2,b,,,a\r\n"
                              ",,mine,1,c\r\n");
    free(text);
    conv_merge_free(m);

    /* Nothing readable: an error, and no output at all. */
    unlink(out);
    m = conv_merge_new(ctx, NULL, &err);
    conv_merge_add(m, bad, NULL);
    assert_int_equal(conv_merge_write(m, out, NULL, NULL, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_STRUCTURE);
    assert_string_equal(err.message, "nothing to merge: no input could be read");
    assert_false(tu_exists(out));
    conv_merge_free(m);
    conv_merge_free(NULL);
    conv_context_free(ctx);
    free(a);
    free(b);
    free(c);
    free(bad);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* An input that changed between the scan and the write fails the merge. */
static void test_merge_changed_input(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *a = put(dir, "a.csv", "x\n1\n2\n");
    char *out = tu_path(dir, "all.json");
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct conv_merge *m = conv_merge_new(ctx, NULL, &err);
    conv_merge_add(m, a, "a.csv");
    assert_int_equal(conv_merge_scan(m, 0, NULL, NULL), CONV_OK);
    assert_int_equal(conv_merge_scan(m, 1, NULL, NULL), CONV_ERR); /* out of range */
    free(put(dir, "a.csv", "x\n1\n2\n3\n"));
    assert_int_equal(conv_merge_write(m, out, NULL, NULL, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_STRUCTURE);
    assert_string_equal(err.message, "changed while merged: 3 records, first 2");
    assert_false(tu_exists(out));
    assert_int_equal(tu_count_entries(dir), 1);
    conv_merge_free(m);
    conv_context_free(ctx);
    free(a);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

struct scan_arg {
    struct conv_merge *m;
    size_t from, step;
};

static void *scan_thread(void *arg)
{
    struct scan_arg *s = arg;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    for (size_t i = s->from; i < conv_merge_count(s->m); i += s->step)
        conv_merge_scan(s->m, i, ctx, o);
    conv_options_free(o);
    conv_context_free(ctx);
    return NULL;
}

/* Scans in threads, each with its own context: the same bytes as one
 * thread. */
static void test_merge_parallel_scans(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *src = tu_src("samples/indicators.csv");
    char *doc = tu_read_file(src, NULL);
    char *paths[12];
    for (int i = 0; i < 12; i++) {
        char name[32];
        snprintf(name, sizeof name, "in%02d.%s", i, i % 3 ? "csv" : "json");
        if (i % 3) {
            paths[i] = put(dir, name, doc);
        } else {
            char *j = tu_src("samples/indicators.json");
            char *jd = tu_read_file(j, NULL);
            paths[i] = put(dir, name, jd);
            free(jd);
            free(j);
        }
    }
    char *outs[2] = {tu_path(dir, "one.csv"), tu_path(dir, "four.csv")};
    struct conv_context *ctx = conv_context_new(NULL);
    for (int run = 0; run < 2; run++) {
        struct conv_error err;
        struct conv_merge *m = conv_merge_new(ctx, NULL, &err);
        for (int i = 0; i < 12; i++)
            conv_merge_add(m, paths[i], paths[i] + strlen(dir) + 1);
        if (run == 1) {
            pthread_t t[4];
            struct scan_arg args[4];
            for (size_t k = 0; k < 4; k++) {
                args[k] = (struct scan_arg){m, k, 4};
                pthread_create(&t[k], NULL, scan_thread, &args[k]);
            }
            for (size_t k = 0; k < 4; k++)
                pthread_join(t[k], NULL);
            for (int i = 0; i < 12; i++)
                assert_int_equal(conv_merge_input(m, (size_t)i)->status, CONV_MERGE_OK);
        }
        assert_int_equal(conv_merge_write(m, outs[run], NULL, NULL, &err), CONV_OK);
        assert_int_equal(conv_merge_records(m), 144);
        conv_merge_free(m);
    }
    size_t n1, n2;
    char *one = tu_read_file(outs[0], &n1), *four = tu_read_file(outs[1], &n2);
    assert_true(n1 == n2 && memcmp(one, four, n1) == 0);
    free(one);
    free(four);
    conv_context_free(ctx);
    for (int i = 0; i < 12; i++)
        free(paths[i]);
    free(outs[0]);
    free(outs[1]);
    free(doc);
    free(src);
    tu_rmtree(dir);
    free(dir);
}

struct found {
    int n, dup;
    struct conv_finding last_dup;
    char source[256], related[256];
};

static void collect(void *user, const struct conv_finding *f)
{
    struct found *k = user;
    k->n++;
    if (!strcmp(f->rule, "duplicate") && !k->dup++) {
        k->last_dup = *f;
        snprintf(k->source, sizeof k->source, "%s", f->where.source);
        snprintf(k->related, sizeof k->related, "%s", f->related_source ? f->related_source : "");
    }
}

/* The checks of a merged set name each finding's input, its record
 * there, its merged record and the related record's input: duplicates
 * are told by fields, whatever the message says. */
static void test_merge_findings(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    const char *head = "region_code,indicator_code,period,value,unit\n";
    char text[512];
    snprintf(text, sizeof text, "%s165,01,2021,10,tỷ đồng\n165,02,2021,5,tỷ đồng\n", head);
    char *a = put(dir, "a.csv", text);
    snprintf(text, sizeof text, "%s165,03,2021,1,tỷ đồng\n165,02,2021,5,tỷ đồng\n", head);
    char *b = put(dir, "b.csv", text);
    char *out = tu_path(dir, "all.csv");
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct conv_merge *m = conv_merge_new(ctx, NULL, &err);
    conv_merge_add(m, a, "a.csv");
    conv_merge_add(m, b, "b.csv");
    struct found k;
    memset(&k, 0, sizeof k);
    assert_int_equal(conv_merge_write(m, out, collect, &k, &err), CONV_OK);
    assert_int_equal(k.dup, 1);
    const struct conv_finding *f = &k.last_dup;
    assert_string_equal(k.source, b);
    assert_int_equal(f->where.record, 2);
    assert_int_equal(f->where.line, 3);
    assert_int_equal(f->merged_record, 4);
    assert_string_equal(k.related, a);
    assert_int_equal(f->related_record, 2);
    assert_int_equal(f->related_line, 3);
    char want[600];
    snprintf(want, sizeof want, "same region, indicator and period as record 2 of %s (line 3)",
             a);
    assert_string_equal(f->where.message, want);
    conv_merge_free(m);

    /* One input alone: the related record is in the same input. */
    struct conv_checker *c = conv_checker_new(ctx, NULL, NULL, collect, &k, &err);
    memset(&k, 0, sizeof k);
    char *d = tu_path(dir, "d.csv");
    snprintf(text, sizeof text, "%s165,01,2021,10,tỷ đồng\n165,01,2021,11,tỷ đồng\n", head);
    tu_write_file(d, text, strlen(text));
    assert_int_equal(conv_checker_check_file(c, d, NULL, &err), CONV_OK);
    assert_int_equal(k.dup, 1);
    assert_int_equal(k.last_dup.where.record, 2);
    assert_int_equal(k.last_dup.related_record, 1);
    assert_int_equal(k.last_dup.related_line, 2);
    assert_int_equal(k.last_dup.merged_record, 0);
    assert_string_equal(k.related, d);
    assert_string_equal(k.last_dup.where.message,
                        "same region, indicator and period as record 1 (line 2)");
    conv_checker_free(c);
    conv_context_free(ctx);
    free(a);
    free(b);
    free(d);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

static int count_lines(const char *path)
{
    char *t = tu_read_file(path, NULL);
    int n = 0;
    for (char *p = t; p && *p; p++)
        n += *p == '\n';
    free(t);
    return n;
}

/* Up to date by size and time, or by content; other options, a changed
 * content or a missing output are not; the file format is conv-batch's. */
static void test_journal(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = put(dir, "in.csv", "a\n1\n");
    char *out = tu_path(dir, "out.json");
    char *jpath = tu_path(dir, CONV_JOURNAL_NAME);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "to", "json");
    struct conv_error err;
    struct conv_journal_stamp st;
    struct conv_journal *j = conv_journal_open(ctx, jpath, o, &err);
    assert_non_null(j);
    assert_int_equal(conv_journal_lookup(j, in, out, &st, &err), 0);
    assert_int_equal(st.hashed, 1);
    assert_int_equal(st.size, 4);
    assert_int_equal(conv_journal_record(j, in, out, &st, &err), CONV_OK);
    /* Recorded, but no output yet: not up to date. */
    assert_int_equal(conv_journal_lookup(j, in, out, &st, &err), 0);
    conv_journal_close(j);
    free(put(dir, "out.json", "[]"));
    j = conv_journal_open(ctx, jpath, o, &err);
    assert_int_equal(conv_journal_lookup(j, in, out, &st, &err), 1);
    assert_int_equal(st.hashed, 0); /* size and time sufficed */
    conv_journal_close(j);
    char *line = tu_read_file(jpath, NULL);
    assert_true(!strncmp(line, "v1\t", 3));
    char tail[600];
    snprintf(tail, sizeof tail, "\t4\t");
    assert_non_null(strstr(line, tail));
    snprintf(tail, sizeof tail, "\t%s\t%s\n", in, out);
    assert_non_null(strstr(line, tail));
    free(line);

    /* Touched, same content: up to date, and a fresh line. */
    struct timespec ts[2] = {{1000000, 0}, {1000000, 0}};
    utimensat(AT_FDCWD, in, ts, 0);
    j = conv_journal_open(ctx, jpath, o, &err);
    assert_int_equal(count_lines(jpath), 1);
    assert_int_equal(conv_journal_lookup(j, in, out, &st, &err), 1);
    assert_int_equal(count_lines(jpath), 2);
    /* Changed: to do. */
    free(put(dir, "in.csv", "a\n2\n"));
    assert_int_equal(conv_journal_lookup(j, in, out, &st, &err), 0);
    conv_journal_close(j);
    /* Other options: to do, for every input. */
    free(put(dir, "in.csv", "a\n1\n"));
    utimensat(AT_FDCWD, in, ts, 0);
    conv_options_set(o, "infer-rows", "0");
    j = conv_journal_open(ctx, jpath, o, &err);
    assert_int_equal(conv_journal_lookup(j, in, out, &st, &err), 0);
    /* A missing input: an error naming it. */
    char *gone = tu_path(dir, "gone.csv");
    assert_int_equal(conv_journal_lookup(j, gone, out, &st, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_IO);
    char msg[600];
    conv_error_format(&err, msg, sizeof msg);
    snprintf(tail, sizeof tail, "%s: No such file or directory", gone);
    assert_string_equal(msg, tail);
    assert_int_equal(conv_journal_stamp_file(gone, &st, &err), CONV_ERR);
    assert_int_equal(conv_journal_stamp_file(in, &st, &err), CONV_OK);
    assert_int_equal(st.hashed, 1);
    conv_journal_close(j);
    conv_journal_close(NULL);
    /* A journal that cannot be created. */
    char *nodir = tu_path(dir, "no/such/dir/j");
    assert_null(conv_journal_open(ctx, nodir, NULL, &err));
    assert_int_equal(err.code, CONV_E_IO);
    conv_options_free(o);
    conv_context_free(ctx);
    free(nodir);
    free(gone);
    free(in);
    free(out);
    free(jpath);
    tu_rmtree(dir);
    free(dir);
}

/* A file written whole, or not at all. */
static void test_output(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = put(dir, "r.json", "old");
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct conv_output *o = conv_output_open(ctx, path, &err);
    assert_non_null(o);
    assert_int_equal(conv_output_write(o, "{\"new\"", 6), CONV_OK);
    conv_output_close(o); /* not finished: the old file stays, nothing beside it */
    char *t = tu_read_file(path, NULL);
    assert_string_equal(t, "old");
    free(t);
    assert_int_equal(tu_count_entries(dir), 1);
    o = conv_output_open(ctx, path, &err);
    assert_int_equal(conv_output_write(o, "{}\n", 3), CONV_OK);
    assert_int_equal(conv_output_finish(o), CONV_OK);
    assert_int_equal(conv_output_error(o)->code, CONV_E_NONE);
    conv_output_close(o);
    t = tu_read_file(path, NULL);
    assert_string_equal(t, "{}\n");
    free(t);
    assert_int_equal(tu_count_entries(dir), 1);
    char *bad = tu_path(dir, "no/such/r.json");
    assert_null(conv_output_open(ctx, bad, &err));
    assert_int_equal(err.code, CONV_E_IO);
    conv_output_close(NULL);
    conv_context_free(ctx);
    free(bad);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_number),
        cmocka_unit_test(test_merge_fields_and_sources),
        cmocka_unit_test(test_merge_changed_input),
        cmocka_unit_test(test_merge_parallel_scans),
        cmocka_unit_test(test_merge_findings),
        cmocka_unit_test(test_journal),
        cmocka_unit_test(test_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
