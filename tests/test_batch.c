/*
 * conv-batch: a tree of inputs in several formats with broken files among
 * them (outputs mirror the tree and equal conv's single-file outputs; the
 * report names each failure with its line and column; exit 1); reruns skip
 * what is up to date and redo what changed; parallel equals serial; an
 * interrupted batch (SIGINT, and SIGKILL halfway) resumes to the same
 * outputs with no partial file; lists on standard input; collisions;
 * usage errors.
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void mkdirs(const char *path)
{
    char *p = strdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0777);
            *s = '/';
        }
    mkdir(p, 0777);
    free(p);
}

static void put(const char *dir, const char *name, const char *text)
{
    char *path = tu_path(dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    tu_write_file(path, text, strlen(text));
    free(path);
}

static void copy_sample(const char *dir, const char *name, const char *sample)
{
    char *src = tu_src(sample);
    size_t len;
    char *text = tu_read_file(src, &len);
    assert_non_null(text);
    char *path = tu_path(dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    tu_write_file(path, text, len);
    free(path);
    free(text);
    free(src);
}

/* The output conv makes of one input alone must equal the batch's. */
static void same_as_conv(const char *in, const char *batch_out, const char *to)
{
    char *dir = tu_tempdir();
    char name[32];
    snprintf(name, sizeof name, "single.%s", to);
    char *single = tu_path(dir, name);
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, ARGV(in, "-o", single));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    size_t a_len, b_len;
    char *a = tu_read_file(single, &a_len), *b = tu_read_file(batch_out, &b_len);
    if (!b)
        fail_msg("no batch output %s", batch_out);
    if (!strcmp(to, "xlsx")) {
        /* Workbooks carry their creation time: compare what they hold. */
        tu_run_tool(&r, "conv", NULL, 0, ARGV(single, "-t", "csv"));
        char *x = strdup(r.out);
        tu_run_free(&r);
        tu_run_tool(&r, "conv", NULL, 0, ARGV(batch_out, "-t", "csv"));
        assert_string_equal(x, r.out);
        tu_run_free(&r);
        free(x);
    } else if (a_len != b_len || memcmp(a, b, a_len) != 0) {
        fail_msg("%s differs from conv's output of %s", batch_out, in);
    }
    free(a);
    free(b);
    free(single);
    tu_rmtree(dir);
    free(dir);
}

static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = tu_path(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_tmp(p);
        else if (strstr(e->d_name, ".tmp"))
            n++;
        free(p);
        (void)0;
    }
    closedir(d);
    return n;
}

static void test_mixed_tree(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in"), *out = tu_path(dir, "out");
    copy_sample(in, "a.csv", "samples/indicators.csv");
    copy_sample(in, "ward/b.json", "samples/indicators.json");
    copy_sample(in, "ward/c.xml", "samples/indicators.xml");
    copy_sample(in, "dept/d.xlsx", "samples/indicators.xlsx");
    copy_sample(in, "dept/e.jsonl", "samples/indicators.jsonl");
    put(in, "bad/ragged.csv", "a,b\n1,2\n3,4,5\n");
    put(in, "bad/json.json", "[{\"a\": 1},\n{\"a\": 2,}]\n");
    put(in, "bad/xml.xml", "<r><x>1</x>\n<x>2</y></r>\n");
    put(in, "notes.txt", "not a format conv reads: left out of the walk\n");
    char *report = tu_path(dir, "r.json"), *rcsv = tu_path(dir, "r.csv");
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", NULL, 0,
                ARGV("--to", "jsonl", "-o", out, "-j", "3", "--report", report, "--report-csv",
                     rcsv, in));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "8 files: 5 converted, 0 up to date, 3 failed"));
    tu_run_free(&r);
    static const char *const good[][2] = {{"a.csv", "a.jsonl"},
                                          {"ward/b.json", "ward/b.jsonl"},
                                          {"ward/c.xml", "ward/c.jsonl"},
                                          {"dept/d.xlsx", "dept/d.jsonl"},
                                          {"dept/e.jsonl", "dept/e.jsonl"}};
    for (size_t i = 0; i < 5; i++) {
        char *src = tu_path(in, good[i][0]), *dst = tu_path(out, good[i][1]);
        same_as_conv(src, dst, "jsonl");
        free(src);
        free(dst);
    }
    char *text = tu_read_file(report, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "ragged.csv\", \"status\": \"failed\", \"format\": \"csv\""));
    assert_non_null(strstr(text, "\"line\": 3, \"column\": 5}"));
    assert_non_null(strstr(text, "json.json\", \"status\": \"failed\""));
    assert_non_null(strstr(text, "\"line\": 2, \"column\": "));
    assert_non_null(strstr(text, "\"summary\": {\"inputs\": 8, \"ok\": 5, \"skipped\": 0, "
                                 "\"failed\": 3, \"canceled\": 0, \"records\": 60"));
    free(text);
    text = tu_read_file(rcsv, NULL);
    assert_non_null(strstr(text, "input,status,format,records,output,seconds,error,line,column\r\n"));
    assert_non_null(strstr(text, ",failed,csv,"));
    assert_non_null(strstr(text, ",3,5\r\n"));
    free(text);
    char *bad = tu_path(out, "bad");
    struct stat st;
    assert_int_equal(stat(bad, &st), 0); /* the directory, but no file in it */
    assert_int_equal(tu_count_entries(bad), 0);
    free(bad);

    /* A rerun: everything up to date; the broken ones fail again. */
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "jsonl", "-o", out, "--report", report, in));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "8 files: 0 converted, 5 up to date, 3 failed"));
    tu_run_free(&r);
    /* Touched but the same: still up to date; changed: redone; --force. */
    char *a = tu_path(in, "a.csv");
    struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    utimensat(AT_FDCWD, a, times, 0);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "jsonl", "-o", out, in));
    assert_non_null(strstr(r.err, "0 converted, 5 up to date"));
    tu_run_free(&r);
    put(in, "a.csv", "region_code,value\n165,1\n");
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "jsonl", "-o", out, in));
    assert_non_null(strstr(r.err, "1 converted, 4 up to date"));
    tu_run_free(&r);
    char *aout = tu_path(out, "a.jsonl");
    same_as_conv(a, aout, "jsonl");
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "jsonl", "-o", out, "--force", in));
    assert_non_null(strstr(r.err, "5 converted, 0 up to date"));
    tu_run_free(&r);
    /* Other options: every output is redone. */
    tu_run_tool(&r, "conv-batch", NULL, 0,
                ARGV("--to", "jsonl", "-o", out, "--infer-rows", "0", in));
    assert_non_null(strstr(r.err, "5 converted, 0 up to date"));
    tu_run_free(&r);
    free(aout);
    free(a);
    free(report);
    free(rcsv);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* Many small files: -j 4 gives the bytes -j 1 gives. */
static void test_parallel_equals_serial(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in"), *o1 = tu_path(dir, "o1"), *o4 = tu_path(dir, "o4");
    for (int i = 0; i < 60; i++) {
        char name[32], text[256];
        snprintf(name, sizeof name, "f%02d.csv", i);
        snprintf(text, sizeof text, "region_code,period,value\n%03d,2021,%d.5\n165,2020,%d\n", i,
                 i * 7, i);
        put(in, name, text);
    }
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "xml", "-o", o1, "-j", "1", "--created",
                                                "2022-01-15T00:00:00Z", in));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "xml", "-o", o4, "-j", "4", "--created",
                                                "2022-01-15T00:00:00Z", in));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    for (int i = 0; i < 60; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%02d.xml", i);
        char *p1 = tu_path(o1, name), *p4 = tu_path(o4, name);
        size_t l1, l4;
        char *t1 = tu_read_file(p1, &l1), *t4 = tu_read_file(p4, &l4);
        assert_non_null(t1);
        assert_non_null(t4);
        assert_int_equal(l1, l4);
        assert_memory_equal(t1, t4, l1);
        free(t1);
        free(t4);
        free(p1);
        free(p4);
    }
    free(in);
    free(o1);
    free(o4);
    tu_rmtree(dir);
    free(dir);
}

/* Start conv-batch, stop it with sig once its journal has `after` lines. */
static int run_and_stop(const char *const *argv, const char *journal, int after, int sig)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        const char *bindir = getenv("CONV_BIN");
        char exe[4096];
        snprintf(exe, sizeof exe, "%s/conv-batch", bindir ? bindir : CONV_BINARY_DIR "/bin");
        char *args[32];
        int n = 0;
        args[n++] = exe;
        for (int i = 0; argv[i] && n < 31; i++)
            args[n++] = (char *)argv[i];
        args[n] = NULL;
        execv(exe, args);
        _exit(127);
    }
    for (int tries = 0; tries < 20000; tries++) {
        size_t len = 0;
        char *j = tu_read_file(journal, &len);
        int lines = 0;
        for (size_t i = 0; j && i < len; i++)
            lines += j[i] == '\n';
        free(j);
        if (lines >= after)
            break;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return st; /* finished before the stop */
        usleep(1000);
    }
    kill(pid, sig);
    int st;
    waitpid(pid, &st, 0);
    return st;
}

static void test_interrupted_resumes(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in"), *out = tu_path(dir, "out");
    /* Files big enough that some are in flight when the signal comes. */
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "region_code,indicator_code,period,value,note\n");
    for (int k = 0; k < 20000; k++) {
        char row[128];
        snprintf(row, sizeof row, "165,%02d,2021,%d.25,\"dòng %d\"\n", k % 90 + 1, k, k);
        tu_sb_str(&doc, row);
    }
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%02d.csv", i);
        put(in, name, doc.p);
    }
    free(doc.p);
    char *journal = tu_path(out, ".conv-batch.journal");
    const char *const args[] = {"--to", "xlsx", "-o", out, "-j", "2", "--created",
                                "2022-01-15T00:00:00Z", in, NULL};
    for (int round = 0; round < 2; round++) {
        int sig = round == 0 ? SIGINT : SIGKILL;
        tu_rmtree(out);
        int st = run_and_stop(args, journal, 5, sig);
        if (sig == SIGINT) {
            /* Ctrl-C: the files in flight are discarded, exit 130. */
            assert_true(WIFEXITED(st));
            assert_int_equal(WEXITSTATUS(st), 130);
            assert_int_equal(count_tmp(out), 0);
        } else {
            assert_true(WIFSIGNALED(st));
        }
        /* The rerun finishes the rest; no partial file is left. */
        struct tu_run r;
        tu_run_tool(&r, "conv-batch", NULL, 0, args);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.err, "40 files: "));
        assert_non_null(strstr(r.err, " 0 failed, "));
        tu_run_free(&r);
        assert_int_equal(count_tmp(out), 0);
        for (int i = 0; i < 40; i += 13) {
            char name[32];
            snprintf(name, sizeof name, "s%02d.csv", i);
            char *src = tu_path(in, name);
            snprintf(name, sizeof name, "s%02d.xlsx", i);
            char *dst = tu_path(out, name);
            same_as_conv(src, dst, "xlsx");
            free(src);
            free(dst);
        }
    }
    free(journal);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

static void test_lists_and_usage(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *out = tu_path(dir, "out");
    char *a = tu_path(dir, "x.csv"), *b = tu_path(dir, "x.json");
    put(dir, "x.csv", "a\n1\n");
    put(dir, "x.json", "[{\"a\": 2}]\n");
    /* A list on standard input; x.csv and x.json both want x.jsonl. */
    char list[8192];
    snprintf(list, sizeof list, "%s\n%s\n\n", a, b);
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", list, strlen(list),
                ARGV("--from-list", "-", "--to", "jsonl", "-o", out));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "also comes from"));
    assert_non_null(strstr(r.err, "2 files: 0 converted, 0 up to date, 2 failed"));
    tu_run_free(&r);
    /* A missing input is a failed input, the others go on. */
    char *missing = tu_path(dir, "missing.csv");
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "json", "-o", out, a, missing));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "1 converted, 0 up to date, 1 failed"));
    tu_run_free(&r);
    /* Wrong usage. */
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("-o", out, a));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "ods", "-o", out, a));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "csv", "-j", "0", "-o", out, a));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "csv", a));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    /* An output directory that cannot be made. */
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--to", "csv", "-o", "/proc/nope/out", a));
    assert_int_equal(r.status, 3);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--help"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--from-list FILE"));
    tu_run_free(&r);
    free(missing);
    free(a);
    free(b);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_tree),
        cmocka_unit_test(test_parallel_equals_serial),
        cmocka_unit_test(test_interrupted_resumes),
        cmocka_unit_test(test_lists_and_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
