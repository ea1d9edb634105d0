/*
 * Allocation-failure sweep through the conv_context allocator, in the
 * manner of jansson's test_chaos and SQLite's malloc countdown: for
 * k = 1, 2, 3, ... the k-th allocation fails (once, or for good), and the
 * whole job is run again, until a run needs fewer than k allocations and
 * succeeds.  Every failing run must end in a clean error (no crash, no
 * wrong output reported as success) and free every block it took.
 */
#include "testutil.h"

#include "conv_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_STEPS 200000 /* safety net for a job that never stops allocating */

/* ---- the failing allocator --------------------------------------------------- */

struct chaos {
    long calls;     /* malloc and realloc calls so far */
    long fail_at;   /* the call that fails; 0: none */
    int persistent; /* fail every call from fail_at on */
    long failures;  /* calls refused */
    long live;      /* blocks held */
};

static int chaos_refuse(struct chaos *c)
{
    c->calls++;
    if (c->fail_at && (c->calls == c->fail_at || (c->persistent && c->calls > c->fail_at))) {
        c->failures++;
        return 1;
    }
    return 0;
}

static void *chaos_malloc(void *user, size_t size)
{
    struct chaos *c = user;
    if (chaos_refuse(c))
        return NULL;
    void *p = malloc(size);
    if (p)
        c->live++;
    return p;
}

static void *chaos_realloc(void *user, void *ptr, size_t size)
{
    struct chaos *c = user;
    if (chaos_refuse(c))
        return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        c->live++;
    return p;
}

static void chaos_free(void *user, void *ptr)
{
    struct chaos *c = user;
    if (ptr)
        c->live--;
    free(ptr);
}

/* ---- jobs ------------------------------------------------------------------------ */

/*
 * A job builds everything from a fresh context and tears it all down.  It
 * returns CONV_OK with the output in *out (malloc'd, plain allocator), or
 * CONV_ERR with *err set when a library call reported one; *reported is
 * 0 only when a call failed in a way that has no error struct (context,
 * options).
 */
struct job_result {
    int rc;
    int reported;
    struct conv_error err;
    char *out;
    size_t out_len;
};

struct job;
typedef void (*job_fn)(const struct job *job, struct conv_context *ctx, struct job_result *res);

struct job {
    const char *what;
    job_fn fn;
    const char *from;
    const char *to;
    const char *input;      /* inline document, or NULL */
    const char *input_file; /* source-tree file, or NULL */
    const char *schema;     /* source-tree schema file, or NULL */
    int utf16;              /* feed the input as UTF-16LE through a callback */
};

static char *copy_bytes(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* The input document of a job (malloc'd). */
static char *job_input(const struct job *job, size_t *len)
{
    if (job->input) {
        *len = strlen(job->input);
        return copy_bytes(job->input, *len);
    }
    char *path = tu_src(job->input_file);
    char *doc = tu_read_file(path, len);
    free(path);
    assert_non_null(doc);
    return doc;
}

/* UTF-8 (BMP only) to UTF-16LE with a BOM. */
static char *to_utf16(const char *s, size_t n, size_t *out_len)
{
    unsigned char *u = malloc(2 * n + 2);
    size_t k = 0;
    u[k++] = 0xFF;
    u[k++] = 0xFE;
    for (size_t i = 0; i < n;) {
        unsigned c = (unsigned char)s[i];
        uint32_t cp;
        if (c < 0x80) {
            cp = c;
            i++;
        } else if (c < 0xE0) {
            cp = (c & 0x1F) << 6 | (s[i + 1] & 0x3F);
            i += 2;
        } else {
            cp = (c & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
            i += 3;
        }
        u[k++] = (unsigned char)(cp & 0xFF);
        u[k++] = (unsigned char)(cp >> 8);
    }
    *out_len = k;
    return (char *)u;
}

struct feed {
    const char *data;
    size_t len, pos;
};

static long feed_read(void *user, void *buf, size_t size)
{
    struct feed *f = user;
    size_t k = f->len - f->pos;
    if (k > size)
        k = size;
    if (k > 1000)
        k = 1000;
    memcpy(buf, f->data + f->pos, k);
    f->pos += k;
    return (long)k;
}

/* Reader (memory or callback) -> writer (memory). */
static void job_stream(const struct job *job, struct conv_context *ctx, struct job_result *res)
{
    size_t len;
    char *doc = job_input(job, &len);
    char *fed = doc;
    size_t fed_len = len;
    if (job->utf16)
        fed = to_utf16(doc, len, &fed_len);
    struct feed feed = {fed, fed_len, 0};
    struct conv_options *ro = conv_options_new(ctx);
    struct conv_options *wo = conv_options_new(ctx);
    struct conv_reader *rd = NULL;
    struct conv_writer *w = NULL;
    char *schema = job->schema ? tu_src(job->schema) : NULL;
    if (!ro || !wo || conv_options_set(ro, "from", job->from) != CONV_OK ||
        conv_options_set(wo, "to", job->to) != CONV_OK ||
        (schema && conv_options_set(ro, "schema", schema) != CONV_OK))
        goto done;
    res->reported = 1;
    if (job->utf16)
        rd = conv_reader_open_callback(ctx, feed_read, &feed, "in", ro, &res->err);
    else
        rd = conv_reader_open_memory(ctx, fed, fed_len, "in", ro, &res->err);
    if (!rd)
        goto done;
    w = conv_writer_open_memory(ctx, NULL, wo, &res->err);
    if (!w)
        goto done;
    const struct conv_record *rec;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
        if (conv_writer_put(w, rec) != CONV_OK) {
            res->err = *conv_writer_error(w);
            goto done;
        }
    if (rc != CONV_EOF) {
        res->err = *conv_reader_error(rd);
        goto done;
    }
    if (conv_writer_finish(w) != CONV_OK) {
        res->err = *conv_writer_error(w);
        goto done;
    }
    size_t n;
    const void *p = conv_writer_memory(w, &n);
    res->out = copy_bytes(p, n);
    res->out_len = n;
    res->rc = CONV_OK;
done:
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(ro);
    conv_options_free(wo);
    free(schema);
    if (fed != doc)
        free(fed);
    free(doc);
}

/* conv_convert between files in a fresh directory; output read back. */
static void job_convert(const struct job *job, struct conv_context *ctx, struct job_result *res)
{
    size_t len;
    char *doc = job_input(job, &len);
    char *dir = tu_tempdir();
    char in_name[32], out_name[32];
    snprintf(in_name, sizeof in_name, "in.%s", job->from);
    snprintf(out_name, sizeof out_name, "out.%s", job->to);
    char *in = tu_path(dir, in_name);
    char *out = tu_path(dir, out_name);
    tu_write_file(in, doc, len);
    struct conv_options *o = NULL;
    char *schema = job->schema ? tu_src(job->schema) : NULL;
    if (schema) {
        o = conv_options_new(ctx);
        if (!o || conv_options_set(o, "schema", schema) != CONV_OK)
            goto done;
    }
    res->reported = 1;
    if (conv_convert(ctx, in, out, o, NULL, &res->err) == CONV_OK) {
        res->out = tu_read_file(out, &res->out_len);
        if (!res->out)
            fail_msg("%s: success without an output file", job->what);
        res->rc = CONV_OK;
    } else if (tu_exists(out) || tu_count_entries(dir) != 1) {
        fail_msg("%s: failed run left %d entries (error: %s)", job->what, tu_count_entries(dir),
                 res->err.message);
    }
done:
    conv_options_free(o);
    free(schema);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
    free(doc);
}

/* Load a schema, copy it, clone records of a declared read. */
static void job_schema(const struct job *job, struct conv_context *ctx, struct job_result *res)
{
    char *path = tu_src(job->schema);
    res->reported = 1;
    struct conv_schema *s = conv_schema_load(ctx, path, &res->err);
    struct conv_schema *c = s ? convp_schema_copy(ctx, s) : NULL;
    if (s && !c)
        convp_error_set(&res->err, CONV_E_NOMEM, "copy", 0, 0, "out of memory");
    if (c) {
        char text[256];
        snprintf(text, sizeof text, "%zu %s %s", conv_schema_count(c), conv_schema_title(c),
                 conv_schema_field(c, 8)->label);
        res->out = copy_bytes(text, strlen(text));
        res->out_len = strlen(text);
        res->rc = CONV_OK;
    }
    conv_schema_free(c);
    conv_schema_free(s);
    free(path);
}

/* Read with clones kept to the end, then written from the clones. */
static void job_clones(const struct job *job, struct conv_context *ctx, struct job_result *res)
{
    size_t len;
    char *doc = job_input(job, &len);
    struct conv_options *ro = conv_options_new(ctx);
    struct conv_options *wo = conv_options_new(ctx);
    struct conv_reader *rd = NULL;
    struct conv_writer *w = NULL;
    struct conv_record *keep[16] = {NULL};
    size_t nkeep = 0;
    if (!ro || !wo || conv_options_set(ro, "from", job->from) != CONV_OK ||
        conv_options_set(wo, "to", job->to) != CONV_OK)
        goto done;
    res->reported = 1;
    rd = conv_reader_open_memory(ctx, doc, len, "in", ro, &res->err);
    if (!rd)
        goto done;
    const struct conv_record *rec;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK && nkeep < N_ELEMS(keep)) {
        keep[nkeep] = conv_record_clone(rec);
        if (!keep[nkeep]) {
            convp_error_set(&res->err, CONV_E_NOMEM, "clone", 0, 0, "out of memory");
            goto done;
        }
        nkeep++;
    }
    if (rc == CONV_ERR) {
        res->err = *conv_reader_error(rd);
        goto done;
    }
    w = conv_writer_open_memory(ctx, NULL, wo, &res->err);
    if (!w)
        goto done;
    for (size_t i = 0; i < nkeep; i++)
        if (conv_writer_put(w, keep[i]) != CONV_OK) {
            res->err = *conv_writer_error(w);
            goto done;
        }
    if (conv_writer_finish(w) != CONV_OK) {
        res->err = *conv_writer_error(w);
        goto done;
    }
    size_t n;
    const void *p = conv_writer_memory(w, &n);
    res->out = copy_bytes(p, n);
    res->out_len = n;
    res->rc = CONV_OK;
done:
    for (size_t i = 0; i < nkeep; i++)
        conv_record_free(keep[i]);
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(ro);
    conv_options_free(wo);
    free(doc);
}

/* An inline JSON document: nested values, nulls, Vietnamese text. */
static const char inline_json[] =
    "[\n"
    "{\"region_code\":\"165\",\"region_name\":\"Thành phố Sông Công\",\"indicator_code\":\"01\","
    "\"value\":13090,\"change_pct\":16.5,\"meta\":{\"status\":\"official\",\"rev\":1},"
    "\"note\":null},\n"
    "{\"region_code\":\"165\",\"region_name\":\"Thành phố Sông Công\",\"indicator_code\":\"0101\","
    "\"value\":11227,\"change_pct\":16.5,\"meta\":{\"status\":\"official\",\"rev\":2},"
    "\"note\":\"Công nghiệp \\\"và\\\" xây dựng\"},\n"
    "{\"region_code\":\"165\",\"region_name\":\"Thành phố Sông Công\",\"indicator_code\":\"03\","
    "\"value\":552.6,\"change_pct\":25,\"meta\":{\"status\":\"estimate\",\"rev\":1},"
    "\"note\":\"Thu ngân sách\"}\n"
    "]\n";

/* JSON Lines whose fields differ: conv_convert spools them for CSV. */
/* Findings of a merge's checks, as text in the job's output. */
static void merge_finding(void *user, const struct conv_finding *f)
{
    struct tu_sbuf *b = user;
    char line[700];
    snprintf(line, sizeof line, "%s %s %llu %llu %s %llu\n", f->rule, f->where.source,
             (unsigned long long)f->where.record, (unsigned long long)f->merged_record,
             f->related_source ? f->related_source : "-",
             (unsigned long long)f->related_record);
    tu_sb_str(b, line);
}

/* Two inputs merged into one file, checked as one set (every record of
 * the second repeats one of the first). */
static void job_merge(const struct job *job, struct conv_context *ctx, struct job_result *res)
{
    char *dir = tu_tempdir();
    char *a = tu_path(dir, "a.csv"), *b = tu_path(dir, "b.json"), *out = tu_path(dir, "all.csv");
    size_t len;
    char *doc = job_input(job, &len);
    tu_write_file(a, doc, len);
    char *json = tu_src("samples/indicators.json");
    char *jdoc = tu_read_file(json, &len);
    tu_write_file(b, jdoc, len);
    struct tu_sbuf found = {0};
    tu_sb_str(&found, "");
    struct conv_merge *m = NULL;
    res->reported = 1;
    m = conv_merge_new(ctx, NULL, &res->err);
    if (!m)
        goto done;
    if (conv_merge_add(m, a, "a.csv") != CONV_OK || conv_merge_add(m, b, NULL) != CONV_OK) {
        res->err = *conv_merge_error(m);
        goto done;
    }
    if (conv_merge_scan(m, 0, NULL, NULL) != CONV_OK) {
        res->err = conv_merge_input(m, 0)->error;
        goto done;
    }
    int rc = conv_merge_write(m, out, merge_finding, &found, &res->err);
    if (rc != CONV_OK && tu_exists(out))
        fail_msg("%s: failed merge left its output (error: %s)", job->what, res->err.message);
    /* An input left out for want of memory fails the job: the sweep wants
     * the whole merge or a reported failure. */
    for (size_t i = 0; i < conv_merge_count(m); i++)
        if (conv_merge_input(m, i)->status != CONV_MERGE_OK && res->err.code == CONV_E_NONE) {
            res->err = conv_merge_input(m, i)->error;
            rc = CONV_ERR;
        }
    if (rc == CONV_OK) {
        size_t n;
        char *merged = tu_read_file(out, &n);
        if (!merged)
            fail_msg("%s: success without an output file", job->what);
        struct tu_sbuf all = {0};
        tu_sb_add(&all, merged, n);
        tu_sb_str(&all, found.p);
        free(merged);
        res->out = all.p;
        res->out_len = all.n;
        res->rc = CONV_OK;
    }
done:
    conv_merge_free(m);
    free(found.p);
    free(jdoc);
    free(json);
    free(doc);
    free(a);
    free(b);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* A journal with a line already, looked up, a new line, read again. */
static void job_journal(const struct job *job, struct conv_context *ctx, struct job_result *res)
{
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in.csv"), *out = tu_path(dir, "out.json");
    char *jpath = tu_path(dir, CONV_JOURNAL_NAME);
    size_t len;
    char *doc = job_input(job, &len);
    tu_write_file(in, doc, len);
    tu_write_file(out, "[]", 2);
    tu_write_file(jpath, "v1\t0\t1\t2\t3\tother.csv\tother.json\n", 33);
    struct conv_journal *j = NULL;
    struct conv_journal_stamp st;
    char text[64];
    res->reported = 1;
    if (!(j = conv_journal_open(ctx, jpath, NULL, &res->err)))
        goto done;
    int before = conv_journal_lookup(j, in, out, &st, &res->err);
    if (before < 0 || conv_journal_record(j, in, out, &st, &res->err) != CONV_OK)
        goto done;
    conv_journal_close(j);
    if (!(j = conv_journal_open(ctx, jpath, NULL, &res->err)))
        goto done;
    int after = conv_journal_lookup(j, in, out, &st, &res->err);
    if (after < 0)
        goto done;
    snprintf(text, sizeof text, "%d %d", before, after);
    res->out = copy_bytes(text, strlen(text));
    res->out_len = strlen(text);
    res->rc = CONV_OK;
done:
    conv_journal_close(j);
    free(doc);
    free(in);
    free(out);
    free(jpath);
    tu_rmtree(dir);
    free(dir);
}

static const char inline_jsonl[] = "{\"a\":1,\"b\":\"x\"}\n"
                                   "{\"c\":true,\"a\":2}\n"
                                   "{\"b\":\"Sông Công\",\"d\":null,\"e\":[1,2]}\n";

static const struct job jobs[] = {
    {"CSV (memory) to JSON (memory)", job_stream, "csv", "json", NULL, "samples/indicators.csv",
     NULL, 0},
    {"inline JSON to CSV", job_stream, "json", "csv", inline_json, NULL, NULL, 0},
    {"inline JSON to JSON Lines", job_stream, "json", "jsonl", inline_json, NULL, NULL, 0},
    {"CSV with schema to JSON Lines", job_stream, "csv", "jsonl", NULL, "samples/indicators.csv",
     "samples/indicators.schema.json", 0},
    {"UTF-16 CSV (callback) to JSON", job_stream, "csv", "json", NULL, "samples/indicators.csv",
     NULL, 1},
    {"conv_convert CSV to JSON", job_convert, "csv", "json", NULL, "samples/indicators.csv", NULL,
     0},
    {"conv_convert JSON Lines to CSV (spool)", job_convert, "jsonl", "csv", inline_jsonl, NULL,
     NULL, 0},
    {"conv_convert JSON to CSV with schema", job_convert, "json", "csv",
     "[{\"region_code\":\"165\",\"indicator_code\":\"01\",\"period\":\"2021\",\"value\":1.5,"
     "\"unit\":\"tỷ đồng\"}]",
     NULL, "samples/indicators.schema.json", 0},
    {"schema load and copy", job_schema, NULL, NULL, NULL, NULL, "samples/indicators.schema.json",
     0},
    {"clones outliving the reader", job_clones, "csv", "json", NULL, "samples/indicators.csv", NULL,
     0},
    {"merge of CSV and JSON, checked", job_merge, "csv", "csv", NULL, "samples/indicators.csv",
     NULL, 0},
    {"journal open, lookup, record", job_journal, "csv", "json", NULL, "samples/indicators.csv",
     NULL, 0},
    {"report workbook (memory) read back to CSV", job_stream, "xlsx", "csv", NULL,
     "samples/indicators-report.xlsx", NULL, 0},
};

/* One run: fresh context on the chaos allocator, the job, teardown. */
static void run_job(const struct job *job, struct chaos *c, struct job_result *res)
{
    memset(res, 0, sizeof *res);
    res->rc = CONV_ERR;
    conv_error_clear(&res->err);
    struct conv_allocator a = {chaos_malloc, chaos_realloc, chaos_free, c};
    struct conv_context *ctx = conv_context_new(&a);
    if (!ctx)
        return;
    job->fn(job, ctx, res);
    conv_context_free(ctx);
}

static void sweep(const struct job *job, int persistent)
{
    /* The reference: no failure. */
    struct chaos c = {0, 0, 0, 0, 0};
    struct job_result ref;
    run_job(job, &c, &ref);
    if (ref.rc != CONV_OK)
        fail_msg("%s: fails without injected failures: %s", job->what, ref.err.message);
    assert_int_equal(c.live, 0);
    long total = c.calls;

    long k;
    int problems = 0;
    for (k = 1; k < MAX_STEPS; k++) {
        struct chaos f = {0, k, persistent, 0, 0};
        struct job_result res;
        run_job(job, &f, &res);
        if (f.live != 0) {
            print_message("%s, fail at %ld%s: %ld blocks leaked\n", job->what, k,
                          persistent ? "+" : "", f.live);
            problems++;
        }
        if (f.failures == 0) {
            /* k is past the last allocation: the job ran clean. */
            if (res.rc != CONV_OK)
                fail_msg("%s: clean run failed: %s", job->what, res.err.message);
            free(res.out);
            break;
        }
        if (res.rc == CONV_OK) {
            /* Success despite a refused allocation: only if the output is right. */
            if (res.out_len != ref.out_len || memcmp(res.out, ref.out, ref.out_len) != 0) {
                print_message("%s, fail at %ld%s: success with wrong output:\n%.*s\n", job->what, k,
                              persistent ? "+" : "", (int)res.out_len, res.out);
                problems++;
            }
        } else if (res.reported && res.err.code != CONV_E_NOMEM) {
            print_message("%s, fail at %ld%s: error %s (%s), want %s\n", job->what, k,
                          persistent ? "+" : "", conv_strerror(res.err.code), res.err.message,
                          conv_strerror(CONV_E_NOMEM));
            problems++;
        }
        free(res.out);
    }
    if (k == MAX_STEPS)
        fail_msg("%s: still allocating after %d steps", job->what, MAX_STEPS);
    /* The sweep covered every allocation of the reference run. */
    assert_true(k > total);
    free(ref.out);
    if (problems)
        fail_msg("%s: %d problem(s) in %ld runs", job->what, problems, k);
    print_message("%s%s: %ld allocations, all failed in turn\n", job->what,
                  persistent ? " (failing for good)" : "", total);
}

static void test_sweep_once(void **state)
{
    const struct job *job = *state;
    sweep(job, 0);
}

static void test_sweep_persistent(void **state)
{
    const struct job *job = *state;
    sweep(job, 1);
}

/* The counting itself: a context alone is one block, and it is freed. */
static void test_chaos_allocator(void **state)
{
    (void)state;
    struct chaos c = {0, 0, 0, 0, 0};
    struct conv_allocator a = {chaos_malloc, chaos_realloc, chaos_free, &c};
    struct conv_context *ctx = conv_context_new(&a);
    assert_int_equal(c.live, 1);
    conv_context_free(ctx);
    assert_int_equal(c.live, 0);
    struct chaos f = {0, 1, 0, 0, 0};
    a.user = &f;
    assert_null(conv_context_new(&a));
    assert_int_equal(f.failures, 1);
    assert_int_equal(f.live, 0);
}

int main(void)
{
    /* CONV_TEST_FILTER=pattern runs only the matching tests. */
    if (getenv("CONV_TEST_FILTER"))
        cmocka_set_test_filter(getenv("CONV_TEST_FILTER"));
    static struct CMUnitTest tests[1 + 2 * N_ELEMS(jobs)];
    static char names[N_ELEMS(jobs)][128];
    size_t n = 0;
    tests[n].name = "test_chaos_allocator";
    tests[n++].test_func = test_chaos_allocator;
    for (size_t i = 0; i < N_ELEMS(jobs); i++) {
        tests[n].name = jobs[i].what;
        tests[n].test_func = test_sweep_once;
        tests[n++].initial_state = (void *)&jobs[i];
    }
    for (size_t i = 0; i < N_ELEMS(jobs); i++) {
        snprintf(names[i], sizeof names[i], "%s, failing for good", jobs[i].what);
        tests[n].name = names[i];
        tests[n].test_func = test_sweep_persistent;
        tests[n++].initial_state = (void *)&jobs[i];
    }
    return _cmocka_run_group_tests("test_core_alloc", tests, n, NULL, NULL);
}
