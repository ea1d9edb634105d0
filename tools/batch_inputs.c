/*
 * conv-batch's inputs: files, directories walked in name order, globs and
 * list files, each with its relative name and its output; two inputs of
 * one output (or, merging, one source name) both fail.
 */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

void *batch_check_alloc(void *p)
{
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", batch_prog);
        exit(TOOL_EXIT_IO);
    }
    return p;
}

char *batch_strdup(const char *s)
{
    return batch_check_alloc(strdup(s));
}

char *batch_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = batch_check_alloc(malloc(n));
    snprintf(p, n, "%s%s%s", a, a[0] && a[strlen(a) - 1] != '/' ? "/" : "", b);
    return p;
}

/* The output for rel (a path relative to the output directory) with the
 * output format's extension instead of its own. */
static char *output_for(const struct batch *b, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - rel) : strlen(rel);
    size_t n = strlen(b->outdir) + stem + strlen(b->ext) + 3;
    char *p = batch_check_alloc(malloc(n));
    snprintf(p, n, "%s%s%.*s.%s", b->outdir, b->outdir[strlen(b->outdir) - 1] == '/' ? "" : "/",
             (int)stem, rel, b->ext);
    return p;
}

static void add_job(struct batch *b, const char *input, const char *rel)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->jobs = batch_check_alloc(realloc(b->jobs, b->cap * sizeof *b->jobs));
    }
    struct job *j = &b->jobs[b->n++];
    memset(j, 0, sizeof *j);
    j->input = batch_strdup(input);
    j->rel = batch_strdup(rel);
    /* --merge has no outputs: the relative name names the records' source,
     * and two inputs of one name collide like two of one output. */
    j->output = b->merge ? batch_strdup(rel) : output_for(b, rel);
}

static int readable_name(const char *name)
{
    const struct conv_format *f = conv_format_by_path(name);
    return f && conv_format_can_read(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of a readable format under dir, in name order; hidden names
 * and the output directory are left out. */
static void walk(struct batch *b, const char *dir, const char *rel, const struct stat *outst)
{
    DIR *d = opendir(dir);
    if (!d) {
        add_job(b, dir, rel[0] ? rel : "dir");
        snprintf(b->jobs[b->n - 1].message, sizeof b->jobs[0].message, "%s: cannot read: %s", dir,
                 strerror(errno));
        b->jobs[b->n - 1].status = ST_FAILED;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = batch_check_alloc(realloc(names, cap * sizeof *names));
        }
        names[n++] = batch_strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path = batch_join(dir, names[i]);
        char *r = rel[0] ? batch_join(rel, names[i]) : batch_strdup(names[i]);
        struct stat st;
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (!(outst && st.st_dev == outst->st_dev && st.st_ino == outst->st_ino))
                    walk(b, path, r, outst);
            } else if (S_ISREG(st.st_mode) && readable_name(names[i])) {
                add_job(b, path, r);
            }
        }
        free(path);
        free(r);
        free(names[i]);
    }
    free(names);
}

static const char *base_name(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    const char *s = p + n;
    while (s > p && s[-1] != '/')
        s--;
    return s;
}

void batch_add_input(struct batch *b, const char *arg, const struct stat *skip_dir)
{
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        walk(b, arg, "", skip_dir);
        return;
    }
    if (stat(arg, &st) != 0 && strpbrk(arg, "*?[")) {
        glob_t g;
        if (glob(arg, 0, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; i++)
                batch_add_input(b, g.gl_pathv[i], skip_dir);
            globfree(&g);
            return;
        }
    }
    char *rel = batch_strdup(base_name(arg));
    add_job(b, arg, rel);
    free(rel);
}

int batch_add_list(struct batch *b, const char *list, const struct stat *skip_dir)
{
    FILE *lf = strcmp(list, "-") ? fopen(list, "r") : stdin;
    if (!lf) {
        fprintf(stderr, "%s: %s: %s\n", batch_prog, list, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, lf)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len > 0)
            batch_add_input(b, line, skip_dir);
    }
    free(line);
    if (lf != stdin)
        fclose(lf);
    return 0;
}

static void free_job(struct job *j)
{
    free(j->input);
    free(j->output);
    free(j->rel);
}

/* The file at path is not an input (a merged file inside an input
 * directory is not an input of the next merge). */
void batch_drop_file(struct batch *b, const char *path)
{
    struct stat mst;
    if (stat(path, &mst) != 0)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct stat ist;
        if (stat(b->jobs[i].input, &ist) == 0 && ist.st_dev == mst.st_dev &&
            ist.st_ino == mst.st_ino) {
            free_job(&b->jobs[i]);
            continue;
        }
        b->jobs[kept++] = b->jobs[i];
    }
    b->n = kept;
}

static int cmp_job_output(const void *a, const void *b)
{
    const struct job *x = *(const struct job *const *)a, *y = *(const struct job *const *)b;
    int c = strcmp(x->output, y->output);
    return c ? c : (x < y ? -1 : x > y);
}

/* Two inputs with the same output (with --merge, the same source name):
 * both fail, each naming the other. */
void batch_find_collisions(struct batch *b)
{
    const char *what = b->merge ? "source name" : "output";
    struct job **v = batch_check_alloc(malloc((b->n ? b->n : 1) * sizeof *v));
    for (size_t i = 0; i < b->n; i++)
        v[i] = &b->jobs[i];
    qsort(v, b->n, sizeof *v, cmp_job_output);
    for (size_t i = 1; i < b->n; i++)
        if (!strcmp(v[i]->output, v[i - 1]->output)) {
            struct job *x = v[i - 1], *y = v[i];
            if (!x->status) {
                snprintf(x->message, sizeof x->message, "%s %.200s also comes from %.200s", what,
                         x->output, y->input);
                x->status = ST_FAILED;
            }
            snprintf(y->message, sizeof y->message, "%s %.200s also comes from %.200s", what,
                     y->output, x->input);
            y->status = ST_FAILED;
        }
    free(v);
}

void batch_free_jobs(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free_job(&b->jobs[i]);
    free(b->jobs);
    free(b->of_input);
}
