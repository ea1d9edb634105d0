/*
 * Safe output and buffered input, below the format drivers.  Output: the
 * temporary file beside the target, rename on commit, nothing left on
 * close, an existing file untouched, umask, devices, memory and callback
 * sinks, reserve.  Input: BOMs, UTF-16 to UTF-8, peek, callbacks that
 * trickle.  Also the writer's header-column mapping (convp_writer_row).
 */
#include "testutil.h"
#include "sources.h"

#include "conv_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define OUT_BUF_SIZE 262144 /* output.c's buffer; larger writes bypass it */

/* ---- helpers ------------------------------------------------------------------ */

/* Counting allocator: live blocks must be 0 at the end of every test. */




/* The only entry of a directory (malloc'd), or NULL when it has 0 or 2+. */
static char *only_entry(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *name = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n++ == 0)
            name = strdup(e->d_name);
    }
    closedir(d);
    if (n != 1) {
        free(name);
        return NULL;
    }
    return name;
}

/* ".<base>.<12 hex digits>.tmp" */
static int is_temp_name(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (name[0] != '.' || strncmp(name + 1, base, bl) != 0 || name[1 + bl] != '.')
        return 0;
    const char *h = name + 2 + bl;
    for (int i = 0; i < 12; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return 0;
    return strcmp(h + 12, ".tmp") == 0;
}

/* Deterministic bytes. */
static void fill(char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('A' + (i * 31 + seed) % 26);
}

/* ---- file output ---------------------------------------------------------------- */

static void test_file_commit(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    char *dir = tu_tempdir();
    char *target = tu_path(dir, "out.csv");
    struct conv_error err;
    conv_error_clear(&err);

    struct convp_output *out = convp_output_open_file(ctx, target, &err);
    assert_non_null(out);
    assert_int_equal(err.code, CONV_E_NONE);
    assert_string_equal(convp_output_name(out), target);

    /* While writing: no target, exactly one temporary file beside it. */
    size_t big = 3 * OUT_BUF_SIZE + 123;
    char *data = malloc(big);
    fill(data, big, 1);
    assert_int_equal(convp_output_write(out, "Thành phố,", strlen("Thành phố,"), &err), 0);
    assert_int_equal(convp_output_write(out, data, big, &err), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(convp_output_write(out, "x", 1, &err), 0);
    assert_false(tu_exists(target));
    char *tmp = only_entry(dir);
    assert_non_null(tmp);
    if (!is_temp_name(tmp, "out.csv"))
        fail_msg("temporary file '%s' is not '.out.csv.<hex>.tmp'", tmp);
    free(tmp);

    assert_int_equal(convp_output_commit(out, &err), 0);
    assert_int_equal(err.code, CONV_E_NONE);
    /* Committed: the target only. */
    tmp = only_entry(dir);
    assert_non_null(tmp);
    assert_string_equal(tmp, "out.csv");
    free(tmp);
    convp_output_close(out);
    assert_int_equal(tu_count_entries(dir), 1);

    size_t len;
    char *got = tu_read_file(target, &len);
    size_t head = strlen("Thành phố,");
    assert_int_equal(len, head + big + 1000);
    assert_memory_equal(got, "Thành phố,", head);
    assert_memory_equal(got + head, data, big);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(got[head + big + i], 'x');
    free(got);
    free(data);
    free(target);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

/* Close without commit: nothing is left, whatever was written. */
struct abort_row {
    size_t bytes;
    int existing; /* a target file exists beforehand */
};

static const struct abort_row abort_rows[] = {
    {0, 0}, {10, 0}, {OUT_BUF_SIZE + 1, 0}, {3 * OUT_BUF_SIZE, 0},
    {0, 1}, {10, 1}, {OUT_BUF_SIZE + 1, 1}, {3 * OUT_BUF_SIZE, 1},
};

static void test_file_abort(void **state)
{
    (void)state;
    static const char old[] = "region_code,value\r\n165,13090\r\n";
    for (size_t r = 0; r < N_ELEMS(abort_rows); r++) {
        long live = 0;
        struct conv_context *ctx = tu_live_context(&live);
        char *dir = tu_tempdir();
        char *target = tu_path(dir, "báo cáo.json");
        struct stat before;
        if (abort_rows[r].existing) {
            tu_write_file(target, old, sizeof old - 1);
            chmod(target, 0640);
            assert_int_equal(stat(target, &before), 0);
        }
        struct conv_error err;
        conv_error_clear(&err);
        struct convp_output *out = convp_output_open_file(ctx, target, &err);
        assert_non_null(out);
        char *data = malloc(abort_rows[r].bytes + 1);
        fill(data, abort_rows[r].bytes, 2);
        assert_int_equal(convp_output_write(out, data, abort_rows[r].bytes, &err), 0);
        free(data);
        /* Meanwhile the existing file is as it was. */
        if (abort_rows[r].existing) {
            size_t len;
            char *got = tu_read_file(target, &len);
            assert_int_equal(len, sizeof old - 1);
            assert_memory_equal(got, old, len);
            free(got);
            assert_int_equal(tu_count_entries(dir), 2); /* target + temporary */
        } else {
            assert_int_equal(tu_count_entries(dir), 1); /* temporary only */
        }
        convp_output_close(out);
        if (abort_rows[r].existing) {
            assert_int_equal(tu_count_entries(dir), 1);
            size_t len;
            char *got = tu_read_file(target, &len);
            assert_int_equal(len, sizeof old - 1);
            assert_memory_equal(got, old, len);
            free(got);
            struct stat after;
            assert_int_equal(stat(target, &after), 0);
            assert_int_equal(after.st_ino, before.st_ino);
            assert_int_equal(after.st_mode & 07777, 0640);
            assert_int_equal(after.st_mtime, before.st_mtime);
        } else {
            if (tu_count_entries(dir) != 0)
                fail_msg("row %zu: %d entries left behind", r, tu_count_entries(dir));
        }
        free(target);
        tu_rmtree(dir);
        free(dir);
        conv_context_free(ctx);
        assert_int_equal(live, 0);
    }
}

/* Commit over an existing file replaces it whole. */
static void test_file_replace(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *target = tu_path(dir, "out.csv");
    tu_write_file(target, "old old old old old old\n", 24);
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_output *out = convp_output_open_file(ctx, target, &err);
    assert_non_null(out);
    assert_int_equal(convp_output_write(out, "new\n", 4, &err), 0);
    assert_int_equal(convp_output_commit(out, &err), 0);
    convp_output_close(out);
    size_t len;
    char *got = tu_read_file(target, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(got, "new\n", 4);
    free(got);
    assert_int_equal(tu_count_entries(dir), 1);
    free(target);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* The result's mode is 0666 & ~umask. */
struct umask_row {
    mode_t umask;
    mode_t want;
};

static const struct umask_row umask_rows[] = {
    {022, 0644}, {077, 0600}, {027, 0640}, {002, 0664}, {0, 0666},
};

static void test_file_umask(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *target = tu_path(dir, "out.jsonl");
    for (size_t i = 0; i < N_ELEMS(umask_rows); i++) {
        mode_t saved = umask(umask_rows[i].umask);
        struct conv_error err;
        conv_error_clear(&err);
        struct convp_output *out = convp_output_open_file(ctx, target, &err);
        umask(saved);
        assert_non_null(out);
        assert_int_equal(convp_output_write(out, "{}\n", 3, &err), 0);
        assert_int_equal(convp_output_commit(out, &err), 0);
        convp_output_close(out);
        struct stat st;
        assert_int_equal(stat(target, &st), 0);
        if ((st.st_mode & 07777) != umask_rows[i].want)
            fail_msg("umask %03o: mode %03o, want %03o", (unsigned)umask_rows[i].umask,
                     (unsigned)(st.st_mode & 07777), (unsigned)umask_rows[i].want);
        unlink(target);
    }
    free(target);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* Replacing a file keeps its permissions, whatever the umask. */
struct keep_mode_row {
    mode_t old_mode;
    mode_t umask;
};

static const struct keep_mode_row keep_mode_rows[] = {
    {0600, 022}, {0640, 022}, {0644, 077}, {0755, 022}, {0666, 027},
};

static void test_file_keeps_mode(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *target = tu_path(dir, "secret.csv");
    for (size_t i = 0; i < N_ELEMS(keep_mode_rows); i++) {
        tu_write_file(target, "old\n", 4);
        chmod(target, keep_mode_rows[i].old_mode);
        mode_t saved = umask(keep_mode_rows[i].umask);
        struct conv_error err;
        conv_error_clear(&err);
        struct convp_output *out = convp_output_open_file(ctx, target, &err);
        umask(saved);
        assert_non_null(out);
        /* The temporary is never more open than the file it replaces. */
        char *tmp = NULL;
        struct stat st;
        DIR *d = opendir(dir);
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                tmp = tu_path(dir, e->d_name);
        closedir(d);
        assert_non_null(tmp);
        assert_int_equal(stat(tmp, &st), 0);
        if ((st.st_mode & 0777 & ~keep_mode_rows[i].old_mode) != 0)
            fail_msg("row %zu: temporary mode %03o while replacing a %03o file", i,
                     (unsigned)(st.st_mode & 0777), (unsigned)keep_mode_rows[i].old_mode);
        free(tmp);
        assert_int_equal(convp_output_write(out, "new\n", 4, &err), 0);
        assert_int_equal(convp_output_commit(out, &err), 0);
        convp_output_close(out);
        assert_int_equal(stat(target, &st), 0);
        if ((st.st_mode & 07777) != keep_mode_rows[i].old_mode)
            fail_msg("row %zu: mode %03o, want %03o", i, (unsigned)(st.st_mode & 07777),
                     (unsigned)keep_mode_rows[i].old_mode);
        char *got = tu_read_file(target, NULL);
        assert_string_equal(got, "new\n");
        free(got);
    }
    free(target);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* A symbolic link: the file it points to is replaced, the link stays. */
static void test_file_symlink(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *real_dir = tu_path(dir, "real");
    char *link_dir = tu_path(dir, "links");
    mkdir(real_dir, 0755);
    mkdir(link_dir, 0755);
    char *real = tu_path(real_dir, "data.csv");
    char *link = tu_path(link_dir, "data.csv");
    tu_write_file(real, "old\n", 4);
    assert_int_equal(symlink(real, link), 0);
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_output *out = convp_output_open_file(ctx, link, &err);
    assert_non_null(out);
    assert_int_equal(convp_output_write(out, "new\n", 4, &err), 0);
    /* Meanwhile: both untouched, the temporary beside the real file. */
    char *got = tu_read_file(link, NULL);
    assert_string_equal(got, "old\n");
    free(got);
    assert_int_equal(tu_count_entries(real_dir), 2);
    assert_int_equal(tu_count_entries(link_dir), 1);
    assert_int_equal(convp_output_commit(out, &err), 0);
    convp_output_close(out);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    got = tu_read_file(real, NULL);
    assert_string_equal(got, "new\n");
    free(got);
    assert_int_equal(tu_count_entries(real_dir), 1);
    assert_int_equal(tu_count_entries(link_dir), 1);

    /* Closed without commit: nothing left in either place. */
    out = convp_output_open_file(ctx, link, &err);
    assert_non_null(out);
    assert_int_equal(convp_output_write(out, "newer\n", 6, &err), 0);
    convp_output_close(out);
    got = tu_read_file(link, NULL);
    assert_string_equal(got, "new\n");
    free(got);
    assert_int_equal(tu_count_entries(real_dir), 1);
    assert_int_equal(tu_count_entries(link_dir), 1);
    free(real);
    free(link);
    free(real_dir);
    free(link_dir);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* Devices are written directly and never replaced. */
static void test_file_devices(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    struct conv_error err;
    conv_error_clear(&err);
    struct stat before, after;
    assert_int_equal(stat("/dev/null", &before), 0);
    struct convp_output *out = convp_output_open_file(ctx, "/dev/null", &err);
    assert_non_null(out);
    assert_int_equal(out->direct, 1);
    char *data = malloc(2 * OUT_BUF_SIZE);
    fill(data, 2 * OUT_BUF_SIZE, 3);
    assert_int_equal(convp_output_write(out, data, 2 * OUT_BUF_SIZE, &err), 0);
    assert_int_equal(convp_output_write(out, "tail", 4, &err), 0);
    assert_int_equal(convp_output_commit(out, &err), 0);
    assert_int_equal(err.code, CONV_E_NONE);
    convp_output_close(out);
    assert_int_equal(stat("/dev/null", &after), 0);
    assert_true(S_ISCHR(after.st_mode));
    assert_int_equal(after.st_rdev, before.st_rdev);
    assert_int_equal(after.st_ino, before.st_ino);

    /* A full device: the write error is an I/O error and sticks. */
    if (tu_exists("/dev/full")) {
        conv_error_clear(&err);
        out = convp_output_open_file(ctx, "/dev/full", &err);
        assert_non_null(out);
        assert_int_equal(convp_output_write(out, "abc", 3, &err), 0); /* buffered */
        assert_int_equal(convp_output_commit(out, &err), -1);
        assert_int_equal(err.code, CONV_E_IO);
        assert_string_equal(err.source, "/dev/full");
        assert_non_null(strstr(err.message, "write"));
        struct conv_error err2;
        conv_error_clear(&err2);
        assert_int_equal(convp_output_commit(out, &err2), -1);
        assert_int_equal(err2.code, CONV_E_IO);
        convp_output_close(out);
        assert_true(S_ISCHR((stat("/dev/full", &after), after.st_mode)));
    }
    free(data);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

struct open_fail_row {
    const char *what;
    const char *rel; /* under the temp dir; "" is the dir itself */
    const char *needle;
};

static const struct open_fail_row open_fail_rows[] = {
    {"a directory", "", "directory"},
    {"a missing directory", "no/such/dir/out.csv", "cannot create"},
    {"a file as directory", "file.txt/out.csv", "cannot create"},
};

static void test_file_open_fails(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(open_fail_rows); i++) {
        long live = 0;
        struct conv_context *ctx = tu_live_context(&live);
        char *dir = tu_tempdir();
        char *file = tu_path(dir, "file.txt");
        tu_write_file(file, "x", 1);
        char *target = open_fail_rows[i].rel[0] ? tu_path(dir, open_fail_rows[i].rel) : strdup(dir);
        struct conv_error err;
        conv_error_clear(&err);
        struct convp_output *out = convp_output_open_file(ctx, target, &err);
        if (out)
            fail_msg("row %zu (%s): opened", i, open_fail_rows[i].what);
        assert_int_equal(err.code, CONV_E_IO);
        assert_string_equal(err.source, target);
        if (!strstr(err.message, open_fail_rows[i].needle))
            fail_msg("row %zu: message '%s'", i, err.message);
        assert_int_equal(tu_count_entries(dir), 1); /* file.txt only */
        free(target);
        free(file);
        tu_rmtree(dir);
        free(dir);
        conv_context_free(ctx);
        assert_int_equal(live, 0);
    }
}

/* Two outputs to one target: each has its own temporary; the last commit wins. */
static void test_file_two_writers(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *target = tu_path(dir, "out.csv");
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_output *a = convp_output_open_file(ctx, target, &err);
    struct convp_output *b = convp_output_open_file(ctx, target, &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(tu_count_entries(dir), 2);
    assert_int_equal(convp_output_write(a, "A", 1, &err), 0);
    assert_int_equal(convp_output_write(b, "B", 1, &err), 0);
    assert_int_equal(convp_output_commit(a, &err), 0);
    assert_int_equal(convp_output_commit(b, &err), 0);
    convp_output_close(a);
    convp_output_close(b);
    assert_int_equal(tu_count_entries(dir), 1);
    char *got = tu_read_file(target, NULL);
    assert_string_equal(got, "B");
    free(got);
    free(target);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* ---- memory and callback sinks --------------------------------------------------------- */

/* Pieces written in order, small and large; the sink sees them in order. */
static const size_t piece_sizes[] = {
    0, 1, 5, 1000, OUT_BUF_SIZE - 3, 7, OUT_BUF_SIZE, OUT_BUF_SIZE + 1, 2, 3 * OUT_BUF_SIZE, 11};

static char *expected_pieces(size_t *total)
{
    size_t n = 0;
    for (size_t i = 0; i < N_ELEMS(piece_sizes); i++)
        n += piece_sizes[i];
    char *all = malloc(n + 1);
    size_t at = 0;
    for (size_t i = 0; i < N_ELEMS(piece_sizes); i++) {
        fill(all + at, piece_sizes[i], (unsigned)i);
        at += piece_sizes[i];
    }
    *total = n;
    return all;
}

static void write_pieces(struct convp_output *out, const char *all)
{
    size_t at = 0;
    struct conv_error err;
    conv_error_clear(&err);
    for (size_t i = 0; i < N_ELEMS(piece_sizes); i++) {
        if (convp_output_write(out, all + at, piece_sizes[i], &err) != 0)
            fail_msg("piece %zu: %s", i, err.message);
        at += piece_sizes[i];
    }
}

static void test_memory_sink(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    struct conv_error err;
    conv_error_clear(&err);

    /* Empty. */
    struct convp_output *out = convp_output_open_memory(ctx, &err);
    assert_non_null(out);
    assert_int_equal(convp_output_commit(out, &err), 0);
    size_t size = 99;
    const void *p = convp_output_memory(out, &size);
    assert_non_null(p);
    assert_int_equal(size, 0);
    convp_output_close(out);

    size_t total;
    char *all = expected_pieces(&total);
    out = convp_output_open_memory(ctx, &err);
    write_pieces(out, all);
    assert_int_equal(convp_output_commit(out, &err), 0);
    p = convp_output_memory(out, &size);
    assert_int_equal(size, total);
    assert_memory_equal(p, all, total);
    convp_output_close(out);
    free(all);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

struct sink {
    char *data;
    size_t len;
    size_t cap;
    int calls;
    int fail_at; /* call number that fails, 0: never */
};

static int sink_write(void *user, const void *buf, size_t size)
{
    struct sink *s = user;
    s->calls++;
    if (s->fail_at && s->calls >= s->fail_at)
        return -1;
    if (s->len + size > s->cap) {
        s->cap = (s->len + size) * 2;
        s->data = realloc(s->data, s->cap);
    }
    memcpy(s->data + s->len, buf, size);
    s->len += size;
    return 0;
}

static void test_callback_sink(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    size_t total;
    char *all = expected_pieces(&total);
    struct sink s = {NULL, 0, 0, 0, 0};
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_output *out = convp_output_open_callback(ctx, sink_write, &s, &err);
    assert_non_null(out);
    write_pieces(out, all);
    assert_int_equal(convp_output_commit(out, &err), 0);
    convp_output_close(out);
    assert_int_equal(s.len, total);
    assert_memory_equal(s.data, all, total);
    free(s.data);

    /* Nothing written: the callback may be skipped, but never fed garbage. */
    memset(&s, 0, sizeof s);
    out = convp_output_open_callback(ctx, sink_write, &s, &err);
    assert_int_equal(convp_output_commit(out, &err), 0);
    convp_output_close(out);
    assert_int_equal(s.len, 0);
    free(s.data);
    free(all);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

/* A failing callback is CONV_E_IO, at commit or at a large write. */
struct cbfail_row {
    const char *what;
    size_t first; /* bytes before commit */
    int fail_at;
    int write_fails; /* the write of `first` already fails */
};

static const struct cbfail_row cbfail_rows[] = {
    {"small, fails at commit", 10, 1, 0},
    {"large write fails at once", 2 * OUT_BUF_SIZE, 1, 1},
    {"second flush fails", OUT_BUF_SIZE - 1, 2, 0},
};

static void test_callback_fails(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cbfail_rows); i++) {
        const struct cbfail_row *r = &cbfail_rows[i];
        long live = 0;
        struct conv_context *ctx = tu_live_context(&live);
        struct sink s = {NULL, 0, 0, 0, r->fail_at};
        struct conv_error err;
        conv_error_clear(&err);
        struct convp_output *out = convp_output_open_callback(ctx, sink_write, &s, &err);
        char *data = malloc(r->first + 10);
        fill(data, r->first + 10, 4);
        int rc = convp_output_write(out, data, r->first, &err);
        if (rc != (r->write_fails ? -1 : 0))
            fail_msg("row %zu (%s): write returned %d", i, r->what, rc);
        if (!r->write_fails) {
            /* Another block that forces a flush, then commit. */
            rc = convp_output_write(out, data, 10, &err);
            rc |= convp_output_commit(out, &err);
            if (rc == 0)
                fail_msg("row %zu (%s): commit succeeded", i, r->what);
        }
        assert_int_equal(err.code, CONV_E_IO);
        assert_non_null(strstr(err.message, "callback"));
        /* Later calls keep failing. */
        struct conv_error err2;
        conv_error_clear(&err2);
        assert_int_equal(convp_output_commit(out, &err2), -1);
        assert_int_equal(err2.code, CONV_E_IO);
        convp_output_close(out);
        free(data);
        free(s.data);
        conv_context_free(ctx);
        assert_int_equal(live, 0);
    }
}

/* reserve: room for n bytes, in order with what was written before. */
struct reserve_row {
    size_t before; /* bytes written first */
    size_t n;      /* bytes reserved */
};

static const struct reserve_row reserve_rows[] = {
    {0, 10},
    {5, OUT_BUF_SIZE},
    {OUT_BUF_SIZE - 2, 3},
    {0, OUT_BUF_SIZE + 1},
    {100, 4 * OUT_BUF_SIZE},
    {7, 10u << 20},
};

static void test_reserve(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(reserve_rows); i++) {
        const struct reserve_row *r = &reserve_rows[i];
        long live = 0;
        struct conv_context *ctx = tu_live_context(&live);
        struct conv_error err;
        conv_error_clear(&err);
        struct convp_output *out = convp_output_open_memory(ctx, &err);
        size_t total = r->before + r->n + 3;
        char *want = malloc(total);
        fill(want, total, (unsigned)i);
        assert_int_equal(convp_output_write(out, want, r->before, &err), 0);
        char *p = convp_output_reserve(out, r->n, &err);
        if (!p)
            fail_msg("row %zu: reserve(%zu) failed: %s", i, r->n, err.message);
        memcpy(p, want + r->before, r->n);
        convp_output_advance(out, r->n);
        assert_int_equal(convp_output_write(out, want + r->before + r->n, 3, &err), 0);
        assert_int_equal(convp_output_commit(out, &err), 0);
        size_t size;
        const void *got = convp_output_memory(out, &size);
        assert_int_equal(size, total);
        if (memcmp(got, want, total) != 0)
            fail_msg("row %zu: bytes out of order", i);
        convp_output_close(out);
        free(want);
        conv_context_free(ctx);
        assert_int_equal(live, 0);
    }
}

/* reserve on a file sink, bigger than the buffer. */
static void test_reserve_file(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    char *dir = tu_tempdir();
    char *target = tu_path(dir, "big.csv");
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_output *out = convp_output_open_file(ctx, target, &err);
    size_t n = 2 * OUT_BUF_SIZE + 5;
    char *want = malloc(n + 2);
    fill(want, n + 2, 9);
    assert_int_equal(convp_output_write(out, want, 2, &err), 0);
    char *p = convp_output_reserve(out, n, &err);
    assert_non_null(p);
    memcpy(p, want + 2, n);
    convp_output_advance(out, n);
    assert_int_equal(convp_output_commit(out, &err), 0);
    convp_output_close(out);
    size_t len;
    char *got = tu_read_file(target, &len);
    assert_int_equal(len, n + 2);
    assert_memory_equal(got, want, n + 2);
    free(got);
    free(want);
    free(target);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
}

/* ---- input ------------------------------------------------------------------------------- */

enum enc { ENC_PLAIN, ENC_UTF8_BOM, ENC_UTF16LE, ENC_UTF16BE, ENC_UTF32LE, ENC_UTF32BE };

/* Encode UTF-8 text with a BOM in the given encoding (malloc'd). */
static unsigned char *encode(enum enc enc, const char *text, size_t len, size_t *out_len)
{
    unsigned char *out = malloc(len * 4 + 8);
    size_t n = 0;
    switch (enc) {
    case ENC_PLAIN:
        break;
    case ENC_UTF8_BOM:
        memcpy(out, "\xEF\xBB\xBF", 3);
        n = 3;
        break;
    case ENC_UTF16LE:
        memcpy(out, "\xFF\xFE", 2);
        n = 2;
        break;
    case ENC_UTF16BE:
        memcpy(out, "\xFE\xFF", 2);
        n = 2;
        break;
    case ENC_UTF32LE:
        memcpy(out, "\xFF\xFE\0\0", 4);
        n = 4;
        break;
    case ENC_UTF32BE:
        memcpy(out, "\0\0\xFE\xFF", 4);
        n = 4;
        break;
    }
    if (enc == ENC_PLAIN || enc == ENC_UTF8_BOM) {
        memcpy(out + n, text, len);
        *out_len = n + len;
        return out;
    }
    const unsigned char *p = (const unsigned char *)text, *e = p + len;
    while (p < e) {
        uint32_t cp;
        if (*p < 0x80) {
            cp = *p++;
        } else if (*p < 0xE0) {
            cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
            p += 2;
        } else if (*p < 0xF0) {
            cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
            p += 3;
        } else {
            cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
                 (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
            p += 4;
        }
        if (enc == ENC_UTF32LE || enc == ENC_UTF32BE) {
            for (int k = 0; k < 4; k++)
                out[n + (enc == ENC_UTF32LE ? (size_t)k : (size_t)(3 - k))] =
                    (unsigned char)(cp >> (8 * k));
            n += 4;
            continue;
        }
        uint16_t units[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = (uint16_t)(0xD800 | (cp >> 10));
            units[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
            nu = 2;
        } else {
            units[0] = (uint16_t)cp;
        }
        for (int u = 0; u < nu; u++) {
            unsigned char lo = (unsigned char)(units[u] & 0xFF),
                          hi = (unsigned char)(units[u] >> 8);
            out[n++] = enc == ENC_UTF16LE ? lo : hi;
            out[n++] = enc == ENC_UTF16LE ? hi : lo;
        }
    }
    *out_len = n;
    return out;
}

static const char vi_text[] = "region_code,region_name,value,unit\r\n"
                              "165,Thành phố Sông Công,13090,tỷ đồng\r\n"
                              "165,\"Nông, lâm nghiệp và thủy sản\",775,tỷ đồng\r\n"
                              "166,Đồng Hỷ 😀,552.6,triệu USD\r\n";

/* Text of n bytes or more: the Vietnamese rows repeated. */
static char *long_text(size_t n, size_t *len)
{
    size_t unit = sizeof vi_text - 1;
    size_t reps = n / unit + 1;
    char *t = malloc(reps * unit + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(t + i * unit, vi_text, unit);
    t[reps * unit] = '\0';
    *len = reps * unit;
    return t;
}

enum source { SRC_MEMORY, SRC_FILE, SRC_CALLBACK1, SRC_CALLBACK7 };

/* Open an input on raw bytes from the given kind of source. */
static struct convp_input *open_input(struct conv_context *ctx, enum source src,
                                      const unsigned char *raw, size_t raw_len, const char *dir,
                                      struct tu_trickle *t, struct conv_error *err)
{
    switch (src) {
    case SRC_MEMORY:
        return convp_input_open_memory(ctx, raw, raw_len, "mem", err);
    case SRC_FILE: {
        char *path = tu_path(dir, "input.csv");
        tu_write_file(path, raw, raw_len);
        struct convp_input *in = convp_input_open_file(ctx, path, err);
        free(path);
        return in;
    }
    case SRC_CALLBACK1:
    case SRC_CALLBACK7:
        *t = (struct tu_trickle){.data = raw, .len = raw_len};
        t->step = src == SRC_CALLBACK1 ? 1 : 7;
        return convp_input_open_callback(ctx, tu_trickle_read, t, "cb", err);
    }
    return NULL;
}

/* Read everything in chunks of `chunk`; -1 with err set on failure. */
static long read_all(struct convp_input *in, size_t chunk, char **out, struct conv_error *err)
{
    size_t cap = 1024, n = 0;
    char *buf = malloc(cap + 1);
    char *tmp = malloc(chunk);
    for (;;) {
        long got = convp_input_read(in, tmp, chunk, err);
        if (got < 0) {
            free(buf);
            free(tmp);
            *out = NULL;
            return -1;
        }
        if (got == 0)
            break;
        if (n + (size_t)got > cap) {
            cap = (n + (size_t)got) * 2;
            buf = realloc(buf, cap + 1);
        }
        memcpy(buf + n, tmp, (size_t)got);
        n += (size_t)got;
    }
    buf[n] = '\0';
    free(tmp);
    *out = buf;
    return (long)n;
}

struct input_row {
    const char *what;
    enum enc enc;
    size_t min_len; /* 0: vi_text once; else that much text or more */
    size_t cut;     /* bytes cut off the end of the encoded input */
    enum conv_errcode code;
    const char *bom;
};

static const struct input_row input_rows[] = {
    {"plain UTF-8", ENC_PLAIN, 0, 0, CONV_E_NONE, ""},
    {"UTF-8 BOM dropped", ENC_UTF8_BOM, 0, 0, CONV_E_NONE, "UTF-8"},
    {"UTF-16LE", ENC_UTF16LE, 0, 0, CONV_E_NONE, "UTF-16LE"},
    {"UTF-16BE", ENC_UTF16BE, 0, 0, CONV_E_NONE, "UTF-16BE"},
    {"long plain", ENC_PLAIN, 150000, 0, CONV_E_NONE, ""},
    {"long UTF-8 BOM", ENC_UTF8_BOM, 150000, 0, CONV_E_NONE, "UTF-8"},
    {"long UTF-16LE", ENC_UTF16LE, 150000, 0, CONV_E_NONE, "UTF-16LE"},
    {"long UTF-16BE", ENC_UTF16BE, 150000, 0, CONV_E_NONE, "UTF-16BE"},
    {"UTF-16LE cut to an odd length", ENC_UTF16LE, 0, 1, CONV_E_ENCODING, "UTF-16LE"},
    {"UTF-16BE cut to an odd length", ENC_UTF16BE, 0, 1, CONV_E_ENCODING, "UTF-16BE"},
    {"UTF-16LE cut inside a surrogate pair", ENC_UTF16LE, 0, 2 + 4, CONV_E_ENCODING, "UTF-16LE"},
    {"long UTF-16LE cut to an odd length", ENC_UTF16LE, 150000, 1, CONV_E_ENCODING, "UTF-16LE"},
    {"long UTF-16BE cut to an odd length", ENC_UTF16BE, 150000, 1, CONV_E_ENCODING, "UTF-16BE"},
    {"UTF-32LE refused", ENC_UTF32LE, 0, 0, CONV_E_ENCODING, NULL},
    {"UTF-32BE refused", ENC_UTF32BE, 0, 0, CONV_E_ENCODING, NULL},
};

static const enum source all_sources[] = {SRC_MEMORY, SRC_FILE, SRC_CALLBACK1, SRC_CALLBACK7};
static const size_t chunks[] = {4096, 100000, 8, 13};

static void test_input_encodings(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    for (size_t r = 0; r < N_ELEMS(input_rows); r++) {
        const struct input_row *row = &input_rows[r];
        size_t text_len;
        char *text;
        if (row->min_len) {
            text = long_text(row->min_len, &text_len);
        } else {
            text = strdup(vi_text);
            text_len = sizeof vi_text - 1;
        }
        /* "cut inside a surrogate pair": end the text with the emoji. */
        if (row->cut == 6) {
            const char *emoji = strstr(text, "😀");
            text_len = (size_t)(emoji - text) + 4;
        }
        size_t raw_len;
        unsigned char *raw = encode(row->enc, text, text_len, &raw_len);
        raw_len -= row->cut == 6 ? 2 : row->cut;
        size_t want_len = row->cut ? 0 : text_len;
        for (size_t s = 0; s < N_ELEMS(all_sources); s++) {
            /* Long inputs: byte-by-byte callbacks take a while; 7 bytes a call and
             * one chunk size are enough there. */
            if (row->min_len && all_sources[s] == SRC_CALLBACK1)
                continue;
            size_t nchunks = row->min_len && all_sources[s] >= SRC_CALLBACK1 ? 1 : N_ELEMS(chunks);
            for (size_t c = 0; c < nchunks; c++) {
                /* Tiny reads of long UTF-16 move the whole raw window each
                 * time (slow, not wrong): short texts cover them. */
                if (row->min_len && chunks[c] < 64)
                    continue;
                long live = 0;
                struct conv_context *ctx = tu_live_context(&live);
                struct tu_trickle t;
                struct conv_error err;
                conv_error_clear(&err);
                struct convp_input *in =
                    open_input(ctx, all_sources[s], raw, raw_len, dir, &t, &err);
                assert_non_null(in);
                int rc = convp_input_start(in, &err);
                char *got = NULL;
                long n = -1;
                if (rc == CONV_OK)
                    n = read_all(in, chunks[c], &got, &err);
                if (row->code == CONV_E_NONE) {
                    if (n < 0)
                        fail_msg("row %zu (%s), source %d, chunk %zu: %s", r, row->what,
                                 (int)all_sources[s], chunks[c], err.message);
                    if ((size_t)n != want_len || memcmp(got, text, want_len) != 0)
                        fail_msg("row %zu (%s), source %d, chunk %zu: %ld bytes, want %zu", r,
                                 row->what, (int)all_sources[s], chunks[c], n, want_len);
                    assert_string_equal(convp_input_bom(in), row->bom);
                    assert_int_equal(convp_input_done(in), raw_len);
                } else {
                    if (n >= 0)
                        fail_msg("row %zu (%s), source %d, chunk %zu: read %ld bytes, no error", r,
                                 row->what, (int)all_sources[s], chunks[c], n);
                    if (err.code != row->code)
                        fail_msg("row %zu (%s): code %s (%s)", r, row->what,
                                 conv_strerror(err.code), err.message);
                    assert_string_equal(err.source, convp_input_name(in));
                }
                free(got);
                convp_input_close(in);
                conv_context_free(ctx);
                if (live != 0)
                    fail_msg("row %zu: %ld blocks leaked", r, live);
                /* A failure at start is the same for every chunk size. */
                if (rc != CONV_OK)
                    break;
            }
        }
        free(raw);
        free(text);
    }
    tu_rmtree(dir);
    free(dir);
}

/* A lone low surrogate is invalid UTF-16: an encoding error, not garbage. */
static void test_input_bad_utf16(void **state)
{
    (void)state;
    static const unsigned char raw[] = {0xFF, 0xFE, 'a', 0, 0x00, 0xDC, 'b', 0};
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_input *in = convp_input_open_memory(ctx, raw, sizeof raw, "bad16", &err);
    int rc = convp_input_start(in, &err);
    char *got = NULL;
    if (rc == CONV_OK)
        assert_int_equal(read_all(in, 4096, &got, &err), -1);
    assert_int_equal(err.code, CONV_E_ENCODING);
    assert_string_equal(err.source, "bad16");
    assert_non_null(strstr(err.message, "UTF-16LE"));
    free(got);
    convp_input_close(in);
    conv_context_free(ctx);
}

/*
 * convp_input_read promises "up to n bytes, 0 at the end": a reader that
 * asks for fewer bytes than one character needs must still get the text
 * (or at least not a false end of input), whatever the source encoding.
 */
struct small_read_row {
    enum enc enc;
    size_t chunk;
};

static const struct small_read_row small_read_rows[] = {
    {ENC_PLAIN, 1},   {ENC_UTF8_BOM, 1}, {ENC_UTF16LE, 1}, {ENC_UTF16BE, 1},
    {ENC_UTF16LE, 3}, {ENC_UTF16LE, 7},  {ENC_UTF16BE, 5},
};

static void test_input_small_reads(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t r = 0; r < N_ELEMS(small_read_rows); r++) {
        size_t text_len;
        char *text = long_text(70000, &text_len); /* past the peek window */
        size_t raw_len;
        unsigned char *raw = encode(small_read_rows[r].enc, text, text_len, &raw_len);
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_error err;
        conv_error_clear(&err);
        struct convp_input *in = convp_input_open_memory(ctx, raw, raw_len, "m", &err);
        assert_int_equal(convp_input_start(in, &err), CONV_OK);
        char *got = NULL;
        long n = read_all(in, small_read_rows[r].chunk, &got, &err);
        if (n != (long)text_len || memcmp(got, text, text_len) != 0) {
            print_message("row %zu: reads of %zu bytes from %s input: %ld of %zu bytes (%s)\n", r,
                          small_read_rows[r].chunk, convp_input_bom(in), n, text_len,
                          n < 0 ? err.message : "early end");
            bad++;
        }
        free(got);
        convp_input_close(in);
        conv_context_free(ctx);
        free(raw);
        free(text);
    }
    assert_int_equal(bad, 0);
}

/* Peek shows the first bytes (after the BOM) without consuming them. */
struct peek_row {
    enum enc enc;
    size_t min_len;
    enum source src;
};

static const struct peek_row peek_rows[] = {
    {ENC_PLAIN, 0, SRC_MEMORY},        {ENC_UTF8_BOM, 0, SRC_MEMORY},
    {ENC_UTF16LE, 0, SRC_MEMORY},      {ENC_UTF16BE, 0, SRC_FILE},
    {ENC_PLAIN, 200000, SRC_FILE},     {ENC_UTF16LE, 200000, SRC_MEMORY},
    {ENC_UTF8_BOM, 0, SRC_CALLBACK1},  {ENC_UTF16BE, 0, SRC_CALLBACK1},
    {ENC_PLAIN, 70000, SRC_CALLBACK7},
};

static void test_input_peek(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    for (size_t r = 0; r < N_ELEMS(peek_rows); r++) {
        const struct peek_row *row = &peek_rows[r];
        size_t text_len;
        char *text;
        if (row->min_len) {
            text = long_text(row->min_len, &text_len);
        } else {
            text = strdup(vi_text);
            text_len = sizeof vi_text - 1;
        }
        size_t raw_len;
        unsigned char *raw = encode(row->enc, text, text_len, &raw_len);
        struct conv_context *ctx = conv_context_new(NULL);
        struct tu_trickle t;
        struct conv_error err;
        conv_error_clear(&err);
        struct convp_input *in = open_input(ctx, row->src, raw, raw_len, dir, &t, &err);
        assert_int_equal(convp_input_start(in, &err), CONV_OK);
        size_t plen;
        const unsigned char *peek = convp_input_peek(in, &plen);
        size_t want = text_len < 65536 ? text_len : 65536;
        /* A UTF-16 window may stop short of a character. */
        if (row->enc == ENC_UTF16LE || row->enc == ENC_UTF16BE) {
            if (plen > want || plen + 4 < want)
                fail_msg("row %zu: peek %zu bytes, want about %zu", r, plen, want);
        } else if (plen != want) {
            fail_msg("row %zu: peek %zu bytes, want %zu", r, plen, want);
        }
        assert_memory_equal(peek, text, plen);
        /* Peeking twice gives the same; reading starts at the beginning. */
        size_t plen2;
        const unsigned char *peek2 = convp_input_peek(in, &plen2);
        assert_int_equal(plen2, plen);
        assert_memory_equal(peek2, text, plen);
        char *got = NULL;
        long n = read_all(in, 5000, &got, &err);
        assert_int_equal(n, (long)text_len);
        assert_memory_equal(got, text, text_len);
        free(got);
        convp_input_close(in);
        conv_context_free(ctx);
        free(raw);
        free(text);
    }
    tu_rmtree(dir);
    free(dir);
}

/* Short inputs: fewer bytes than a BOM could need. */
struct short_row {
    const char *raw;
    size_t len;
    const char *text;
    const char *bom;
};

static const struct short_row short_rows[] = {
    {"", 0, "", ""},
    {"a", 1, "a", ""},
    {"ab", 2, "ab", ""},
    {"abc", 3, "abc", ""},
    {"\xEF\xBB", 2, "\xEF\xBB", ""},
    {"\xEF\xBB\xBF", 3, "", "UTF-8"},
    {"\xEF\xBB\xBF"
     "a",
     4, "a", "UTF-8"},
    {"\xFF\xFE", 2, "", "UTF-16LE"},
    {"\xFE\xFF", 2, "", "UTF-16BE"},
    {"\xFF\xFE"
     "a\0",
     4, "a", "UTF-16LE"},
    {"\xFE\xFF\0a", 4, "a", "UTF-16BE"},
    {"\xFF\xFE\0", 3, NULL, "UTF-16LE"},
};

static void test_input_short(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    for (size_t r = 0; r < N_ELEMS(short_rows); r++) {
        const struct short_row *row = &short_rows[r];
        for (size_t s = 0; s < N_ELEMS(all_sources); s++) {
            long live = 0;
            struct conv_context *ctx = tu_live_context(&live);
            struct tu_trickle t;
            struct conv_error err;
            conv_error_clear(&err);
            struct convp_input *in = open_input(
                ctx, all_sources[s], (const unsigned char *)row->raw, row->len, dir, &t, &err);
            int rc = convp_input_start(in, &err);
            char *got = NULL;
            long n = rc == CONV_OK ? read_all(in, 64, &got, &err) : -1;
            if (!row->text) {
                if (n >= 0)
                    fail_msg("row %zu: truncated UTF-16 read as %ld bytes", r, n);
                assert_int_equal(err.code, CONV_E_ENCODING);
            } else {
                if (n != (long)strlen(row->text) || memcmp(got, row->text, (size_t)n) != 0)
                    fail_msg("row %zu source %d: got %ld bytes (%s)", r, (int)all_sources[s], n,
                             err.message);
                assert_string_equal(convp_input_bom(in), row->bom);
                /* At the end, reads keep saying so. */
                char b[16];
                assert_int_equal(convp_input_read(in, b, sizeof b, &err), 0);
            }
            free(got);
            convp_input_close(in);
            conv_context_free(ctx);
            assert_int_equal(live, 0);
        }
    }
    tu_rmtree(dir);
    free(dir);
}

static void test_input_errors(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    char *dir = tu_tempdir();
    struct conv_error err;

    /* Missing file, directory. */
    char *missing = tu_path(dir, "nope.csv");
    conv_error_clear(&err);
    assert_null(convp_input_open_file(ctx, missing, &err));
    assert_int_equal(err.code, CONV_E_IO);
    assert_string_equal(err.source, missing);
    free(missing);
    conv_error_clear(&err);
    assert_null(convp_input_open_file(ctx, dir, &err));
    assert_int_equal(err.code, CONV_E_IO);
    assert_non_null(strstr(err.message, "directory"));

    /* File sizes are known; memory sizes too; callbacks not. */
    char *path = tu_path(dir, "in.csv");
    tu_write_file(path, vi_text, sizeof vi_text - 1);
    conv_error_clear(&err);
    struct convp_input *in = convp_input_open_file(ctx, path, &err);
    assert_non_null(in);
    assert_string_equal(convp_input_name(in), path);
    assert_int_equal(convp_input_total(in), sizeof vi_text - 1);
    assert_int_equal(convp_input_start(in, &err), CONV_OK);
    char *got;
    assert_int_equal(read_all(in, 100, &got, &err), (long)sizeof vi_text - 1);
    assert_int_equal(convp_input_done(in), sizeof vi_text - 1);
    free(got);
    convp_input_close(in);
    free(path);

    /* A failing callback: at start, or later. */
    size_t text_len;
    char *text = long_text(200000, &text_len);
    int fails[] = {1, 2, 5};
    for (size_t i = 0; i < N_ELEMS(fails); i++) {
        struct tu_trickle t = {.data = text, .len = text_len, .step = 50000, .fail_at = fails[i]};
        conv_error_clear(&err);
        in = convp_input_open_callback(ctx, tu_trickle_read, &t, "callback input", &err);
        int rc = convp_input_start(in, &err);
        long n = rc == CONV_OK ? read_all(in, 4096, &got, &err) : -1;
        assert_int_equal(n, -1);
        assert_int_equal(err.code, CONV_E_IO);
        assert_string_equal(err.source, "callback input");
        convp_input_close(in);
    }
    /* A callback that claims more bytes than asked for. */
    struct tu_trickle liar = {.data = text, .len = text_len, .step = 10, .lie = 5};
    conv_error_clear(&err);
    in = convp_input_open_callback(ctx, tu_trickle_read, &liar, NULL, &err);
    assert_string_equal(convp_input_name(in), "-");
    assert_int_equal(convp_input_start(in, &err), CONV_ERR);
    assert_int_equal(err.code, CONV_E_IO);
    convp_input_close(in);
    convp_input_close(NULL);
    free(text);

    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

/* A commit whose rename fails: an I/O error, and the temporary goes away. */
static void test_file_rename_fails(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    char *dir = tu_tempdir();
    char *target = tu_path(dir, "out.csv");
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_output *out = convp_output_open_file(ctx, target, &err);
    assert_non_null(out);
    assert_int_equal(convp_output_write(out, "a,b\r\n", 5, &err), 0);
    /* Meanwhile a non-empty directory takes the target's name. */
    assert_int_equal(mkdir(target, 0755), 0);
    char *inside = tu_path(target, "keep");
    tu_write_file(inside, "x", 1);
    assert_int_equal(convp_output_commit(out, &err), -1);
    assert_int_equal(err.code, CONV_E_IO);
    assert_non_null(strstr(err.message, "rename"));
    convp_output_close(out);
    assert_int_equal(tu_count_entries(dir), 1); /* the directory only */
    assert_int_equal(tu_count_entries(target), 1);
    free(inside);
    free(target);
    tu_rmtree(dir);
    free(dir);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

/* "-" is standard output, written directly and left open. */
static void test_file_stdout(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *cap = tu_path(dir, "stdout.txt");
    fflush(stdout);
    int saved = dup(1);
    int fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    dup2(fd, 1);
    close(fd);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_output *out = convp_output_open_file(ctx, "-", &err);
    int ok = out != NULL;
    if (out) {
        ok &= convp_output_write(out, "Sông Công\n", strlen("Sông Công\n"), &err) == 0;
        ok &= convp_output_commit(out, &err) == 0;
        convp_output_close(out);
    }
    int still_open = write(1, "after\n", 6) == 6;
    dup2(saved, 1);
    close(saved);
    conv_context_free(ctx);
    assert_true(ok);
    assert_true(still_open);
    char *got = tu_read_file(cap, NULL);
    assert_string_equal(got, "Sông Công\nafter\n");
    free(got);
    assert_int_equal(tu_count_entries(dir), 1);
    free(cap);
    tu_rmtree(dir);
    free(dir);
}

/* A FIFO cannot be renamed over: written directly, and stays a FIFO. */
static void test_file_fifo(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *fifo = tu_path(dir, "pipe.csv");
    char *sink = tu_path(dir, "sink.txt");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(10);
        int in = open(fifo, O_RDONLY);
        int o = open(sink, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char buf[4096];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(o, buf, (size_t)n) != n)
                _exit(2);
        close(o);
        _exit(n == 0 ? 0 : 1);
    }
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_output *out = convp_output_open_file(ctx, fifo, &err);
    assert_non_null(out);
    char *data = malloc(OUT_BUF_SIZE + 100);
    fill(data, OUT_BUF_SIZE + 100, 5);
    assert_int_equal(convp_output_write(out, data, OUT_BUF_SIZE + 100, &err), 0);
    assert_int_equal(convp_output_commit(out, &err), 0);
    convp_output_close(out);
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    struct stat sb;
    assert_int_equal(lstat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    size_t len;
    char *got = tu_read_file(sink, &len);
    assert_int_equal(len, OUT_BUF_SIZE + 100);
    assert_memory_equal(got, data, len);
    assert_int_equal(tu_count_entries(dir), 2);
    free(got);
    free(data);
    conv_context_free(ctx);
    free(fifo);
    free(sink);
    tu_rmtree(dir);
    free(dir);
}

/* "-" is standard input, read and left open. */
static void test_input_stdin(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = tu_path(dir, "in.csv");
    tu_write_file(path,
                  "\xEF\xBB\xBF"
                  "a,b\n1,2\n",
                  11);
    int saved = dup(0);
    int fd = open(path, O_RDONLY);
    dup2(fd, 0);
    close(fd);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    conv_error_clear(&err);
    struct convp_input *in = convp_input_open_file(ctx, "-", &err);
    char *got = NULL;
    long n = -1;
    if (in && convp_input_start(in, &err) == CONV_OK)
        n = read_all(in, 100, &got, &err);
    const char *name = in ? convp_input_name(in) : "";
    int named = !strcmp(name, "-");
    convp_input_close(in);
    char c;
    int still_open = lseek(0, 0, SEEK_SET) == 0 && read(0, &c, 1) == 1;
    dup2(saved, 0);
    close(saved);
    conv_context_free(ctx);
    assert_int_equal(n, 8);
    assert_string_equal(got, "a,b\n1,2\n");
    assert_true(named);
    assert_true(still_open);
    free(got);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the writer's header mapping ----------------------------------------------------------- */

/*
 * A recycling allocator: a freed block goes on a list and the next request
 * of the same size gets it back, like malloc's per-size caches but always.
 * It makes "a new schema at the address of a freed one" certain.
 */
#define POOL_MAX 4096

struct pool {
    void *blocks[POOL_MAX];
    size_t sizes[POOL_MAX];
    size_t n;
    long live;
};

struct hdr {
    size_t size;
    size_t pad;
};

static void *pool_malloc(void *user, size_t size)
{
    struct pool *p = user;
    p->live++;
    for (size_t i = p->n; i-- > 0;)
        if (p->sizes[i] == size) {
            void *b = p->blocks[i];
            p->blocks[i] = p->blocks[p->n - 1];
            p->sizes[i] = p->sizes[p->n - 1];
            p->n--;
            return b;
        }
    struct hdr *h = malloc(sizeof *h + size);
    h->size = size;
    return h + 1;
}

static void pool_free(void *user, void *ptr)
{
    struct pool *p = user;
    if (!ptr)
        return;
    p->live--;
    struct hdr *h = (struct hdr *)ptr - 1;
    if (p->n == POOL_MAX) {
        free(h);
        return;
    }
    p->blocks[p->n] = ptr;
    p->sizes[p->n] = h->size;
    p->n++;
}

static void *pool_realloc(void *user, void *ptr, size_t size)
{
    if (!ptr)
        return pool_malloc(user, size);
    struct hdr *h = (struct hdr *)ptr - 1;
    void *q = pool_malloc(user, size);
    memcpy(q, ptr, h->size < size ? h->size : size);
    pool_free(user, ptr);
    return q;
}

static void pool_drain(struct pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free((struct hdr *)p->blocks[i] - 1);
    p->n = 0;
}

static struct conv_schema *schema_of(struct conv_context *ctx, const char *const *names)
{
    struct conv_schema *s = conv_schema_new(ctx);
    for (size_t i = 0; names[i]; i++) {
        struct conv_field f = {names[i], CONV_ANY, NULL, NULL, NULL, 0};
        assert_int_equal(conv_schema_add(s, &f), CONV_OK);
    }
    return s;
}

/* A writer with no driver: enough for convp_writer_row. */
static void fake_writer(struct conv_writer *w, struct conv_context *ctx,
                        const struct conv_schema *header, const struct conv_schema *src)
{
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    w->out = convp_output_open_memory(ctx, NULL);
    w->header = header;
    w->header_serial = src ? src->serial : 0;
    w->begun = 1;
    w->row = convp_calloc(ctx, header->n ? header->n : 1, sizeof *w->row);
}

static void fake_writer_fini(struct conv_writer *w)
{
    convp_output_close(w->out);
    convp_free(w->ctx, w->map);
    convp_free(w->ctx, w->row);
}

/* Record with values "<name>=<i>" for the fields given by index. */
static void fill_record(struct conv_record *rec, const struct conv_schema *s, const int *fields,
                        size_t n, int tag)
{
    convp_record_clear(rec);
    rec->schema = s;
    for (size_t i = 0; i < n; i++) {
        char text[64];
        snprintf(text, sizeof text, "%s=%d", s->fields[fields[i]].name, tag);
        assert_int_equal(convp_record_add(rec, (uint32_t)fields[i], CONV_STRING, 0, text,
                                          strlen(text), 2, (uint32_t)(i + 1)),
                         CONV_OK);
    }
}

/* The row holds, per header column, the value of that name or NULL. */
static void expect_row(const struct conv_value *const *row, const struct conv_schema *header,
                       const char *const *want, int tag)
{
    assert_non_null(row);
    for (size_t c = 0; c < header->n; c++) {
        char text[64];
        if (want[c])
            snprintf(text, sizeof text, "%s=%d", want[c], tag);
        const char *got = row[c] ? row[c]->text : NULL;
        if (!want[c] != !got || (got && strcmp(got, text) != 0))
            fail_msg("column %zu (%s): got %s, want %s", c, header->fields[c].name,
                     got ? got : "NULL", want[c] ? text : "NULL");
    }
}

static void test_writer_row(void **state)
{
    (void)state;
    long live = 0;
    struct conv_context *ctx = tu_live_context(&live);
    static const char *const hnames[] = {"a", "b", "c", NULL};
    struct conv_schema *header = schema_of(ctx, hnames);
    struct conv_schema *src = schema_of(ctx, hnames);
    struct conv_writer w;
    fake_writer(&w, ctx, header, src);
    struct conv_record rec;
    convp_record_init(&rec, ctx, src);
    rec.index = 4;
    rec.source = "in.jsonl";

    /* The header's own source: identity. */
    static const int all[] = {0, 1, 2};
    fill_record(&rec, src, all, 3, 1);
    expect_row(convp_writer_row(&w, &rec), header, hnames, 1);
    /* Some fields missing, out of order. */
    static const int some[] = {2, 0};
    fill_record(&rec, src, some, 2, 2);
    static const char *const want_some[] = {"a", NULL, "c"};
    expect_row(convp_writer_row(&w, &rec), header, want_some, 2);

    /* Another schema: mapped by name. */
    static const char *const onames[] = {"c", "x", "a", NULL};
    struct conv_schema *other = schema_of(ctx, onames);
    static const int oa[] = {2, 0};
    fill_record(&rec, other, oa, 2, 3);
    static const char *const want_o[] = {"a", NULL, "c"};
    expect_row(convp_writer_row(&w, &rec), header, want_o, 3);
    /* ... and a name the header lacks is a structure error naming it. */
    static const int ox[] = {0, 1};
    fill_record(&rec, other, ox, 2, 4);
    assert_null(convp_writer_row(&w, &rec));
    assert_int_equal(w.err.code, CONV_E_STRUCTURE);
    assert_string_equal(w.err.field, "x");
    assert_int_equal(w.err.record, 4);
    assert_int_equal(w.err.line, 2);
    assert_int_equal(w.err.column, 2);
    assert_string_equal(w.err.source, "in.jsonl");
    conv_error_clear(&w.err);

    /* The source schema grows (a JSON reader's dictionary): the new name
     * is not in the header. */
    struct conv_field d = {"d", CONV_ANY, NULL, NULL, NULL, 0};
    assert_int_equal(conv_schema_add(src, &d), CONV_OK);
    static const int ad[] = {0, 3};
    fill_record(&rec, src, ad, 2, 5);
    assert_null(convp_writer_row(&w, &rec));
    assert_int_equal(w.err.code, CONV_E_STRUCTURE);
    assert_string_equal(w.err.field, "d");
    conv_error_clear(&w.err);
    /* Still fine without it. */
    fill_record(&rec, src, all, 3, 6);
    expect_row(convp_writer_row(&w, &rec), header, hnames, 6);

    convp_record_fini(&rec);
    fake_writer_fini(&w);
    conv_schema_free(other);
    conv_schema_free(src);
    conv_schema_free(header);
    conv_context_free(ctx);
    assert_int_equal(live, 0);
}

/*
 * Records from a schema freed and replaced by another at the same address
 * (reader after reader into one writer; clone after clone) must be mapped
 * by their own names, not by the map built for the schema that went away.
 */
static void test_writer_row_new_schema_same_address(void **state)
{
    (void)state;
    struct pool *pool = calloc(1, sizeof *pool);
    struct conv_allocator al = {pool_malloc, pool_realloc, pool_free, pool};
    struct conv_context *ctx = conv_context_new(&al);
    static const char *const hnames[] = {"a", "b", NULL};
    struct conv_schema *header = schema_of(ctx, hnames);
    struct conv_writer w;
    fake_writer(&w, ctx, header, NULL);
    struct conv_record rec;
    convp_record_init(&rec, ctx, NULL);

    /* First source: columns b, a. */
    static const char *const ba[] = {"b", "a", NULL};
    struct conv_schema *first = schema_of(ctx, ba);
    static const int both[] = {0, 1};
    fill_record(&rec, first, both, 2, 1);
    expect_row(convp_writer_row(&w, &rec), header, hnames, 1);
    void *first_addr = first;
    conv_schema_free(first);

    /* Second source: columns a, b, in a schema that reuses the address. */
    static const char *const ab[] = {"a", "b", NULL};
    struct conv_schema *second = schema_of(ctx, ab);
    assert_ptr_equal(second, first_addr); /* the situation under test */
    fill_record(&rec, second, both, 2, 2);
    expect_row(convp_writer_row(&w, &rec), header, hnames, 2);

    convp_record_fini(&rec);
    fake_writer_fini(&w);
    conv_schema_free(second);
    conv_schema_free(header);
    conv_context_free(ctx);
    assert_int_equal(pool->live, 0);
    pool_drain(pool);
    free(pool);
}

int main(void)
{
    /* CONV_TEST_FILTER=pattern runs only the matching tests. */
    if (getenv("CONV_TEST_FILTER"))
        cmocka_set_test_filter(getenv("CONV_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_commit),
        cmocka_unit_test(test_file_abort),
        cmocka_unit_test(test_file_replace),
        cmocka_unit_test(test_file_umask),
        cmocka_unit_test(test_file_keeps_mode),
        cmocka_unit_test(test_file_symlink),
        cmocka_unit_test(test_file_devices),
        cmocka_unit_test(test_file_open_fails),
        cmocka_unit_test(test_file_two_writers),
        cmocka_unit_test(test_file_rename_fails),
        cmocka_unit_test(test_file_stdout),
        cmocka_unit_test(test_file_fifo),
        cmocka_unit_test(test_memory_sink),
        cmocka_unit_test(test_callback_sink),
        cmocka_unit_test(test_callback_fails),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_reserve_file),
        cmocka_unit_test(test_input_encodings),
        cmocka_unit_test(test_input_bad_utf16),
        cmocka_unit_test(test_input_small_reads),
        cmocka_unit_test(test_input_peek),
        cmocka_unit_test(test_input_short),
        cmocka_unit_test(test_input_errors),
        cmocka_unit_test(test_input_stdin),
        cmocka_unit_test(test_writer_row),
        cmocka_unit_test(test_writer_row_new_schema_same_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
