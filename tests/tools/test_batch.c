/*
 * conv-batch: a tree of inputs in several formats with broken files among
 * them (outputs mirror the tree and equal conv's single-file outputs; the
 * report names each failure with its line and column; exit 1); reruns skip
 * what is up to date and redo what changed; parallel equals serial; an
 * interrupted batch (SIGINT, and SIGKILL halfway) resumes to the same
 * outputs with no partial file; lists on standard input; collisions;
 * usage errors.  --merge: mixed formats with different fields into CSV,
 * JSON Lines and XLSX (read back with openpyxl), the source field, the
 * same output whatever -j, a broken input left out and reported, the
 * summary sheet with --sheet-by, Ctrl-C leaving no output; --check
 * findings per input and across the merged set; the record builder.
 */
#include "xlsx_check.h"

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
    tu_run_tool(
        &r, "conv-batch", NULL, 0,
        ARGV("--to", "jsonl", "-o", out, "-j", "3", "--report", report, "--report-csv", rcsv, in));
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
    assert_non_null(
        strstr(text, "input,status,format,records,output,seconds,error,line,column\r\n"));
    assert_non_null(strstr(text, ",failed,csv,"));
    assert_non_null(strstr(text, ",3,5\r\n"));
    free(text);
    char *bad = tu_path(out, "bad");
    struct stat st;
    assert_int_equal(stat(bad, &st), 0); /* the directory, but no file in it */
    assert_int_equal(tu_count_entries(bad), 0);
    free(bad);

    /* A rerun: everything up to date; the broken ones fail again. */
    tu_run_tool(&r, "conv-batch", NULL, 0,
                ARGV("--to", "jsonl", "-o", out, "--report", report, in));
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
    tu_run_tool(&r, "conv-batch", NULL, 0,
                ARGV("--to", "xml", "-o", o1, "-j", "1", "--created", "2022-01-15T00:00:00Z", in));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0,
                ARGV("--to", "xml", "-o", o4, "-j", "4", "--created", "2022-01-15T00:00:00Z", in));
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
    const char *const args[] = {
        "--to", "xlsx", "-o", out, "-j", "2", "--created", "2022-01-15T00:00:00Z", in, NULL};
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

/* ---- --merge and --check ------------------------------------------------------------------ */

/* Lines of text holding needle. */
static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *line = strndup(p, len);
        n += strstr(line, needle) != NULL;
        free(line);
        p = e ? e + 1 : NULL;
    }
    return n;
}

static char *read_text(const char *path)
{
    size_t len;
    char *t = tu_read_file(path, &len);
    if (!t)
        fail_msg("cannot read %s", path);
    return t;
}

/* A tree of inputs in four formats, one with fields of its own, one broken. */
static void merge_tree(const char *in)
{
    copy_sample(in, "a.csv", "samples/indicators.csv");
    copy_sample(in, "ward/b.json", "samples/indicators.json");
    copy_sample(in, "ward/c.xlsx", "samples/indicators.xlsx");
    put(in, "dept/d.csv", "region_code,period,value,extra\n16501,2021,7,first\n16502,2021,8,\n");
    put(in, "dept/e.xml", "<r><x><a>1</a>\n<b>2</x></r>\n"); /* broken at line 2 */
}

static void test_merge_mixed(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in");
    merge_tree(in);
    char *m1 = tu_path(dir, "m1.csv"), *m4 = tu_path(dir, "m4.csv");
    char *report = tu_path(dir, "r.json");
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", m1, "-j", "1", "--report", report, in));
    /* The broken input is reported and left out: exit 1, the rest merged. */
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "e.xml:2:"));
    assert_non_null(strstr(r.err, "merged 4 files, 38 records"));
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", m4, "-j", "4", in));
    assert_int_equal(r.status, 1);
    tu_run_free(&r);
    /* The same bytes whatever the number of workers: input order. */
    size_t l1, l4;
    char *t1 = tu_read_file(m1, &l1), *t4 = tu_read_file(m4, &l4);
    assert_non_null(t1);
    assert_non_null(t4);
    assert_int_equal(l1, l4);
    assert_memory_equal(t1, t4, l1);
    /* The union of the fields in first-seen order, then the source. */
    assert_true(!strncmp(t1,
                         "region_code,region_name,indicator_code,indicator_name,parent_code,"
                         "period,value,unit,change_pct,plan_value,status,source,note,extra,"
                         "source_file\r\n",
                         strlen("region_code,region_name,indicator_code,indicator_name,"
                                "parent_code,period,value,unit,change_pct,plan_value,status,"
                                "source,note,extra,source_file\r\n")));
    assert_int_equal(count_lines_with(t1, ",a.csv"), 12);
    assert_int_equal(count_lines_with(t1, ",ward/b.json"), 12);
    assert_int_equal(count_lines_with(t1, ",ward/c.xlsx"), 12);
    assert_int_equal(count_lines_with(t1, ",dept/d.csv"), 2);
    assert_int_equal(count_lines_with(t1, "e.xml"), 0);
    assert_non_null(strstr(t1, "\n16501,,,,,2021,7,,,,,,,first,dept/d.csv\r\n"));
    /* In input order: a.csv's records first, dept/d.csv's right after
     * (names sort "a.csv" < "dept" < "ward"). */
    const char *pa = strstr(t1, ",a.csv\r\n"), *pd = strstr(t1, ",dept/d.csv\r\n"),
               *pb = strstr(t1, ",ward/b.json\r\n"), *pc = strstr(t1, ",ward/c.xlsx\r\n");
    assert_true(pa && pd && pb && pc && pa < pd && pd < pb && pb < pc);
    free(t1);
    free(t4);
    /* The report: the broken input with its line, the merge. */
    char *rep = read_text(report);
    assert_non_null(strstr(rep, "\"status\": \"failed\", \"format\": \"xml\""));
    assert_non_null(strstr(rep, "\"line\": 2"));
    assert_non_null(strstr(rep, "\"source\": \"ward/b.json\""));
    assert_non_null(strstr(rep, "\"merge\": {\"output\": "));
    assert_non_null(strstr(rep, "\"status\": \"ok\", \"inputs\": 4, \"records\": 38, "
                                "\"source_field\": \"source_file\""));
    free(rep);

    /* JSON Lines: each record has only its own fields, and its source. */
    char *mj = tu_path(dir, "m.jsonl");
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", mj, in));
    assert_int_equal(r.status, 1);
    tu_run_free(&r);
    char *tj = read_text(mj);
    assert_int_equal(count_lines_with(tj, "\"source_file\":"), 38);
    assert_int_equal(count_lines_with(tj, "\"source_file\":\"ward/c.xlsx\""), 12);
    assert_int_equal(count_lines_with(tj, "\"extra\":\"first\""), 1);
    free(tj);

    /* --to over the extension, and the usage errors of --merge. */
    char *mx = tu_path(dir, "m.data");
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", mx, in));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", mx, "--to", "csv", in));
    assert_int_equal(r.status, 1);
    assert_true(tu_exists(mx));
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", mx, "--to", "csv", "-o", dir, in));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    free(mx);
    free(mj);
    free(m1);
    free(m4);
    free(report);
    free(in);
    tu_rmtree(dir);
    free(dir);
}

/* An input with a field named source_file: the source field avoids it. */
static void test_merge_source_clash(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in");
    put(in, "a.csv", "x,source_file\n1,mine\n");
    put(in, "b.csv", "x\n2\n");
    char *m = tu_path(dir, "m.csv");
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", m, in));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    char *t = read_text(m);
    assert_string_equal(t, "x,source_file,source_file_2\r\n1,mine,a.csv\r\n2,,b.csv\r\n");
    free(t);
    /* The merged file inside the input directory is not merged again. */
    char *inner = tu_path(in, "all.csv");
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", inner, in));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", inner, in));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "merged 2 files, 2 records"));
    tu_run_free(&r);
    free(inner);
    free(m);
    free(in);
    tu_rmtree(dir);
    free(dir);
}

/* A merged workbook: a sheet per period, the summary sheet first with the
 * records of each source and the total; openpyxl reads every record. */
static void test_merge_xlsx(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in");
    merge_tree(in);
    char *m = tu_path(dir, "m.xlsx");
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", NULL, 0,
                ARGV("--merge", m, "--sheet-by", "period", "--created", CREATED, in));
    assert_int_equal(r.status, 1); /* e.xml */
    tu_run_free(&r);
    char *rb = readback(m, ARGV("--values"));
    assert_non_null(strstr(rb, "\nsheet\t1\tTổng hợp\tvisible\tA1:B6\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tA1\ts\t\"Tệp nguồn\"\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tA2\ts\t\"a.csv\"\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tB2\tn\t12\t12\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tA3\ts\t\"dept/d.csv\"\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tB3\tn\t2\t2\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tA5\ts\t\"ward/c.xlsx\"\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tA6\ts\t\"Tổng cộng\"\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tB6\tn\t38\t38\tGeneral\n"));
    /* 2021: 6 records from each of the three samples and 2 from d.csv;
     * the header is on row 3 of the styled layout. */
    assert_non_null(strstr(rb, "\nsheet\t2\t2021\tvisible\tA3:O23\n"));
    assert_non_null(strstr(rb, "\nsheet\t3\t2020\tvisible\tA3:O21\n"));
    free(rb);
    /* Read back with conv, one sheet at a time: every record and source. */
    tu_run_tool(&r, "conv", NULL, 0, ARGV(m, "--sheet", "2021", "-t", "csv"));
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines_with(r.out, ",dept/d.csv"), 2);
    assert_int_equal(count_lines_with(r.out, ",ward/c.xlsx"), 6);
    tu_run_free(&r);
    /* The whole workbook: the records of every sheet, not the summary's
     * counts (the field sheet names it); it is there when asked for. */
    tu_run_tool(&r, "conv", NULL, 0, ARGV(m, "-t", "csv"));
    assert_int_equal(r.status, 0);
    int lines = 0;
    for (const char *q = r.out; *q; q++)
        lines += *q == '\n';
    assert_int_equal(lines, 39); /* header + 38 records */
    assert_null(strstr(r.out, "Tổng cộng"));
    tu_run_free(&r);
    tu_run_tool(&r, "conv", NULL, 0, ARGV(m, "--sheet", "Tổng hợp", "-t", "csv"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Tổng cộng,38"));
    tu_run_free(&r);
    /* The option on its own in conv, and its errors. */
    char *one = tu_path(dir, "one.xlsx"), *sample = tu_src("samples/indicators.csv");
    tu_run_tool(&r, "conv", NULL, 0, ARGV(sample, "--summary-by", "period", "--plain", "-o", one));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    rb = readback(one, ARGV("--values"));
    assert_non_null(strstr(rb, "\ncell\t1\tA1\ts\t\"period\"\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tB1\ts\t\"records\"\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tA4\ts\t\"total\"\tGeneral\n"));
    assert_non_null(strstr(rb, "\ncell\t1\tB4\tn\t12\t12\tGeneral\n"));
    free(rb);
    tu_run_tool(&r, "conv", NULL, 0, ARGV(sample, "--summary-by", "nosuch", "-o", one));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "summary-by: no field named 'nosuch'"));
    tu_run_free(&r);
    tu_run_tool(&r, "conv", NULL, 0,
                ARGV(sample, "--summary-by", "period", "--layout", "report", "-o", one));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    free(one);
    free(sample);
    free(m);
    free(in);
    tu_rmtree(dir);
    free(dir);
}

static void test_check_findings(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in"), *out = tu_path(dir, "out");
    const char *head = "region_code,indicator_code,parent_code,period,value,unit\n";
    char text[1024];
    /* x.csv: a total whose components add up to 13091, not 13090 */
    snprintf(text, sizeof text,
             "%s165,01,,2021,13090,tỷ đồng\n165,0101,01,2021,11227,tỷ đồng\n"
             "165,0102,01,2021,1088,tỷ đồng\n165,0103,01,2021,776,tỷ đồng\n",
             head);
    put(in, "x.csv", text);
    /* y.csv: clean alone, but its record repeats one of z.json */
    snprintf(text, sizeof text, "%s165,02,,2021,173,triệu USD\n", head);
    put(in, "y.csv", text);
    put(in, "z.json",
        "[{\"region_code\": \"165\", \"indicator_code\": \"02\", \"period\": "
        "\"2021\", \"value\": 173, \"unit\": \"triệu USD\"}]\n");
    char *report = tu_path(dir, "r.json");
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", NULL, 0,
                ARGV("--to", "csv", "-o", out, "--check", "--report", report, in));
    /* Each input on its own: the sum in x.csv, an error: exit 1. */
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "x.csv:2: error: sum: record 1 (value): "));
    assert_non_null(strstr(r.err, "checks: 1 errors, 0 warnings"));
    tu_run_free(&r);
    char *rep = read_text(report);
    assert_non_null(strstr(rep, "\"findings\": [\n    {\"file\": "));
    assert_non_null(strstr(rep, "x.csv\", \"record\": 1, \"line\": 2, \"column\": "));
    assert_non_null(strstr(rep, "\"field\": \"value\", \"rule\": \"sum\", \"severity\": "
                                "\"error\", \"message\": \"components of 01 add up to 13091"));
    assert_null(strstr(rep, "\"duplicate\""));
    assert_non_null(strstr(rep, "\"check_errors\": 1, \"check_warnings\": 0, \"seconds\""));
    /* the outputs are made all the same */
    char *xo = tu_path(out, "x.csv");
    assert_true(tu_exists(xo));
    free(xo);
    free(rep);

    /* Merged: the duplicate across y.csv and z.json is found too. */
    char *m = tu_path(dir, "m.csv");
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", m, "--check", "--report", report, in));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "checks: 2 errors, 0 warnings"));
    tu_run_free(&r);
    rep = read_text(report);
    assert_non_null(strstr(rep, "\"rule\": \"sum\""));
    assert_non_null(strstr(rep, "z.json\", \"record\": 1, \"merged_record\": 6, \"line\": 1, "));
    assert_non_null(strstr(rep, "\"rule\": \"duplicate\", \"severity\": \"error\", \"message\": "
                                "\"same region, indicator and period as record 1 of "));
    assert_non_null(strstr(rep, "y.csv (line 2)\"}"));
    /* the source field is ours: no unknown-field warning for it */
    assert_null(strstr(rep, "unknown-field"));
    free(rep);
    /* Clean data: exit 0 with --check. */
    char *clean = tu_path(dir, "clean");
    copy_sample(clean, "s.csv", "samples/indicators.csv");
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", m, "--check", clean));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "checks: 0 errors"));
    tu_run_free(&r);
    free(clean);
    free(m);
    free(report);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* Ctrl-C while the merged file is written: exit 130, no output, no
 * temporary file, an existing output untouched. */
static void test_merge_interrupted(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *in = tu_path(dir, "in");
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "region_code,indicator_code,period,value,note\n");
    for (int k = 0; k < 20000; k++) {
        char row[128];
        snprintf(row, sizeof row, "165,%02d,2021,%d.25,\"dòng %d\"\n", k % 90 + 1, k, k);
        tu_sb_str(&doc, row);
    }
    for (int i = 0; i < 30; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%02d.csv", i);
        put(in, name, doc.p);
    }
    free(doc.p);
    char *m = tu_path(dir, "m.xlsx");
    tu_write_file(m, "old", 3);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        const char *bindir = getenv("CONV_BIN");
        char exe[4096];
        snprintf(exe, sizeof exe, "%s/conv-batch", bindir ? bindir : CONV_BINARY_DIR "/bin");
        execl(exe, exe, "--merge", m, "-j", "2", in, (char *)NULL);
        _exit(127);
    }
    /* The second pass has begun when the writer's temporary file is there. */
    int seen = 0;
    for (int tries = 0; tries < 30000 && !seen; tries++) {
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL)
            seen |= !strncmp(e->d_name, ".m.xlsx.", 8);
        if (d)
            closedir(d);
        int st;
        if (!seen && waitpid(pid, &st, WNOHANG) == pid)
            fail_msg("the merge ended before it could be interrupted");
        if (!seen)
            usleep(1000);
    }
    assert_true(seen);
    kill(pid, SIGINT);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 130);
    assert_int_equal(count_tmp(dir), 0);
    size_t len;
    char *old = tu_read_file(m, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(old, "old", 3);
    free(old);
    free(m);
    free(in);
    tu_rmtree(dir);
    free(dir);
}

/* conv_record_new(): a reader's record plus a field, through a writer. */
static void test_record_builder(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "from", "csv");
    conv_options_set(o, "to", "csv");
    const char doc[] = "a,b\n1,x\n2,y\n";
    struct conv_error err;
    conv_error_clear(&err);
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, strlen(doc), "mem", o, &err);
    assert_non_null(rd);
    struct conv_writer *w = conv_writer_open_memory(ctx, NULL, o, &err);
    assert_non_null(w);
    struct conv_record *rec = conv_record_new(ctx);
    assert_non_null(rec);
    const struct conv_record *in;
    uint64_t n = 0;
    while (conv_reader_next(rd, &in) == CONV_OK) {
        conv_record_reset(rec, ++n + 100, conv_record_line(in));
        assert_int_equal(conv_record_add_record(rec, in), CONV_OK);
        struct conv_value v = {CONV_STRING, 0, 3, "src"};
        assert_int_equal(conv_record_add(rec, "from", &v, 0, 0), CONV_OK);
        /* a name holds one value */
        assert_int_equal(conv_record_add(rec, "a", &v, 0, 0), CONV_ERR);
        assert_int_equal(conv_record_add_record(rec, in), CONV_ERR);
        assert_int_equal(conv_record_index(rec), n + 100);
        assert_int_equal(conv_record_line(rec), n + 1);
        assert_int_equal(conv_record_count(rec), 3);
        assert_string_equal(conv_record_name(rec, 2), "from");
        assert_int_equal(conv_writer_put(w, rec), CONV_OK);
    }
    assert_int_equal(conv_writer_finish(w), CONV_OK);
    size_t len;
    const char *text = conv_writer_memory(w, &len);
    assert_int_equal(len, strlen("a,b,from\r\n1,x,src\r\n2,y,src\r\n"));
    assert_memory_equal(text, "a,b,from\r\n1,x,src\r\n2,y,src\r\n", len);
    /* a reader's record is not a builder's */
    struct conv_value v = {CONV_NULL, 0, 0, ""};
    assert_int_equal(conv_record_add(NULL, "z", &v, 0, 0), CONV_ERR);
    assert_int_equal(conv_record_add(rec, "", &v, 0, 0), CONV_ERR);
    assert_null(conv_record_new(NULL));
    conv_record_free(rec);
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* A merge whose every input fails leaves no output, not a header alone. */
static void test_merge_nothing(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    put(dir, "in/a.csv", "a,b\n1,2,3\n");
    put(dir, "in/b.json", "[{\"a\": }]\n");
    char *in = tu_path(dir, "in"), *m = tu_path(dir, "m.csv");
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--merge", m, in));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "nothing to merge"));
    assert_false(tu_exists(m));
    tu_run_free(&r);
    free(in);
    free(m);
    tu_rmtree(dir);
    free(dir);
}

/* The checks' settings pass through: a growth 20 points off is an error,
 * not with --growth-tolerance 30. */
static void test_check_settings(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    put(dir, "in/g.csv",
        "region_code,indicator_code,period,value,unit,change_pct\n165,01,2020,100,tấn,\n"
        "165,01,2021,130,tấn,10\n");
    char *in = tu_path(dir, "in"), *out = tu_path(dir, "out");
    struct tu_run r;
    tu_run_tool(&r, "conv-batch", NULL, 0, ARGV("--check", "--to", "json", "-o", out, in));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "checks: 1 errors, 0 warnings"));
    tu_run_free(&r);
    tu_run_tool(&r, "conv-batch", NULL, 0,
                ARGV("--check", "--growth-tolerance", "30", "--to", "json", "-o", out, in));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "checks: 0 errors, 0 warnings"));
    tu_run_free(&r);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_settings),
        cmocka_unit_test(test_merge_nothing),
        cmocka_unit_test(test_mixed_tree),          cmocka_unit_test(test_parallel_equals_serial),
        cmocka_unit_test(test_interrupted_resumes), cmocka_unit_test(test_lists_and_usage),
        cmocka_unit_test(test_merge_mixed),         cmocka_unit_test(test_merge_source_clash),
        cmocka_unit_test(test_merge_xlsx),          cmocka_unit_test(test_check_findings),
        cmocka_unit_test(test_merge_interrupted),   cmocka_unit_test(test_record_builder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
