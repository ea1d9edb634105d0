/*
 * Test helpers: temporary directories, file I/O and running the tools in
 * a child process with captured stdout and stderr.
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = malloc(4096);
    snprintf(tmpl, 4096, "%s/conv-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl))
        fail_msg("mkdtemp failed");
    return tmpl;
}

void tu_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = tu_path(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            tu_rmtree(p);
        else
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

char *tu_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *tu_src(const char *rel)
{
    return tu_path(CONV_SOURCE_DIR, rel);
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    if (len && fwrite(data, 1, len, f) != len)
        fail_msg("short write %s", path);
    fclose(f);
}

int tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap = *cap ? *cap * 2 : 4096;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
}

void tu_run_tool(struct tu_run *r, const char *tool, const char *stdin_data,
                 size_t stdin_len, const char *const *argv)
{
    memset(r, 0, sizeof *r);
    const char *bindir = getenv("CONV_BIN");
    char exe[4096];
    snprintf(exe, sizeof exe, "%s/%s", bindir ? bindir : CONV_BINARY_DIR "/bin", tool);
    int pin[2], pout[2], perr[2];
    if (pipe(pin) || pipe(pout) || pipe(perr))
        fail_msg("pipe failed");
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork failed");
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        close(pin[0]); close(pin[1]);
        close(pout[0]); close(pout[1]);
        close(perr[0]); close(perr[1]);
        size_t argc = 0;
        while (argv && argv[argc])
            argc++;
        char **av = calloc(argc + 2, sizeof *av);
        av[0] = (char *)tool;
        for (size_t i = 0; i < argc; i++)
            av[i + 1] = (char *)argv[i];
        execv(exe, av);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    signal(SIGPIPE, SIG_IGN);
    size_t in_off = 0;
    if (!stdin_data || stdin_len == 0) {
        close(pin[1]);
        pin[1] = -1;
    }
    size_t out_cap = 0, err_cap = 0;
    append(&r->out, &r->out_len, &out_cap, "", 0);
    append(&r->err, &r->err_len, &err_cap, "", 0);
    int open_out = 1, open_err = 1;
    while (open_out || open_err || pin[1] >= 0) {
        struct pollfd fds[3];
        int n = 0;
        int io = -1, ie = -1, ii = -1;
        if (open_out) { fds[n].fd = pout[0]; fds[n].events = POLLIN; io = n++; }
        if (open_err) { fds[n].fd = perr[0]; fds[n].events = POLLIN; ie = n++; }
        if (pin[1] >= 0) { fds[n].fd = pin[1]; fds[n].events = POLLOUT; ii = n++; }
        if (poll(fds, (nfds_t)n, -1) < 0)
            break;
        char buf[65536];
        if (io >= 0 && fds[io].revents) {
            ssize_t got = read(pout[0], buf, sizeof buf);
            if (got <= 0) open_out = 0;
            else append(&r->out, &r->out_len, &out_cap, buf, (size_t)got);
        }
        if (ie >= 0 && fds[ie].revents) {
            ssize_t got = read(perr[0], buf, sizeof buf);
            if (got <= 0) open_err = 0;
            else append(&r->err, &r->err_len, &err_cap, buf, (size_t)got);
        }
        if (ii >= 0 && fds[ii].revents) {
            ssize_t put = write(pin[1], stdin_data + in_off, stdin_len - in_off);
            if (put <= 0 || (in_off += (size_t)put) == stdin_len) {
                close(pin[1]);
                pin[1] = -1;
            }
        }
    }
    close(pout[0]);
    close(perr[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void tu_run_free(struct tu_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

char *tu_convert_mem(const char *input, size_t len, const char *from, const char *to,
                     const char *const *options, size_t *out_len, struct conv_error *err)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *ropt = conv_options_new(ctx);
    struct conv_options *wopt = conv_options_new(ctx);
    char *result = NULL;
    conv_error_clear(err);
    conv_options_set(ropt, "from", from);
    conv_options_set(wopt, "to", to);
    for (size_t i = 0; options && options[i]; i++) {
        char name[128];
        const char *eq = strchr(options[i], '=');
        size_t n = eq ? (size_t)(eq - options[i]) : strlen(options[i]);
        snprintf(name, sizeof name, "%.*s", (int)n, options[i]);
        conv_options_set(ropt, name, eq ? eq + 1 : "1");
        conv_options_set(wopt, name, eq ? eq + 1 : "1");
    }
    struct conv_reader *rd = conv_reader_open_memory(ctx, input, len, "input", ropt, err);
    struct conv_writer *w = NULL;
    /* Fields known at open (a CSV header) make the writer's header, so a
     * header-only input keeps its header, as conv_convert() does. */
    if (rd) {
        const struct conv_schema *fields = conv_reader_schema(rd);
        w = conv_writer_open_memory(ctx, conv_schema_count(fields) ? fields : NULL, wopt, err);
    }
    if (rd && w) {
        const struct conv_record *rec;
        int rc;
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
            if (conv_writer_put(w, rec) != CONV_OK) {
                *err = *conv_writer_error(w);
                rc = CONV_ERR;
                break;
            }
        if (rc == CONV_ERR && err->code == CONV_E_NONE)
            *err = *conv_reader_error(rd);
        if (rc == CONV_EOF) {
            if (conv_writer_finish(w) != CONV_OK) {
                *err = *conv_writer_error(w);
            } else {
                size_t n;
                const void *p = conv_writer_memory(w, &n);
                result = malloc(n + 1);
                memcpy(result, p, n);
                result[n] = '\0';
                if (out_len)
                    *out_len = n;
            }
        }
    }
    conv_writer_close(w);
    conv_reader_close(rd);
    conv_options_free(ropt);
    conv_options_free(wopt);
    conv_context_free(ctx);
    return result;
}

void tu_sb_add(struct tu_sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void tu_sb_str(struct tu_sbuf *b, const char *s)
{
    tu_sb_add(b, s, strlen(s));
}

static void *count_malloc(void *user, size_t size)
{
    ++*(long *)user;
    return malloc(size);
}

static void *count_realloc(void *user, void *ptr, size_t size)
{
    void *p = realloc(ptr, size);
    if (p && !ptr)
        ++*(long *)user;
    return p;
}

static void count_free(void *user, void *ptr)
{
    if (ptr)
        --*(long *)user;
    free(ptr);
}

struct conv_context *tu_live_context(long *live)
{
    struct conv_allocator a = {count_malloc, count_realloc, count_free, live};
    struct conv_context *ctx = conv_context_new(&a);
    assert_non_null(ctx);
    return ctx;
}

static int cnt_fails(struct tu_counting *c)
{
    if (c->fail_at && ++c->calls == c->fail_at) {
        c->failed = 1;
        return 1;
    }
    return 0;
}

static void *cnt_malloc(void *user, size_t size)
{
    struct tu_counting *c = user;
    if (cnt_fails(c))
        return NULL;
    size_t *p = malloc(size + 16);
    if (!p)
        return NULL;
    *p = size;
    c->now += size;
    if (c->now > c->peak)
        c->peak = c->now;
    return (char *)p + 16;
}

static void cnt_free(void *user, void *ptr)
{
    struct tu_counting *c = user;
    if (!ptr)
        return;
    size_t *p = (size_t *)((char *)ptr - 16);
    c->now -= *p;
    free(p);
}

static void *cnt_realloc(void *user, void *ptr, size_t size)
{
    if (!ptr)
        return cnt_malloc(user, size);
    struct tu_counting *c = user;
    if (cnt_fails(c))
        return NULL;
    size_t *p = (size_t *)((char *)ptr - 16);
    size_t old = *p;
    size_t *q = realloc(p, size + 16);
    if (!q)
        return NULL;
    *q = size;
    c->now = c->now - old + size;
    if (c->now > c->peak)
        c->peak = c->now;
    return (char *)q + 16;
}

struct conv_allocator tu_counting_allocator(struct tu_counting *c)
{
    struct conv_allocator a = {cnt_malloc, cnt_realloc, cnt_free, c};
    return a;
}
