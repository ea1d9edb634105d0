/*
 * Helpers shared by the cmocka tests: temporary directories, whole-file
 * reads and writes, and running the built tools with captured output.
 */
#ifndef CONV_TESTUTIL_H
#define CONV_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conv/conv.h"

/* A fresh empty directory under $TMPDIR, removed by tu_rmtree(). */
char *tu_tempdir(void);
void tu_rmtree(const char *dir);
/* path = dir + "/" + name, malloc'd. */
char *tu_path(const char *dir, const char *name);
/* Source-tree path: CONV_SOURCE_DIR + "/" + rel, malloc'd. */
char *tu_src(const char *rel);
/* Whole file, NUL-terminated; *len may be NULL.  NULL if unreadable. */
char *tu_read_file(const char *path, size_t *len);
void tu_write_file(const char *path, const void *data, size_t len);
int tu_exists(const char *path);
/* Number of entries in a directory (to prove nothing was left behind). */
int tu_count_entries(const char *dir);

/* Result of running a tool. */
struct tu_run {
    int status;   /* exit code, or 128+signal */
    char *out;    /* stdout, NUL-terminated */
    size_t out_len;
    char *err;    /* stderr, NUL-terminated */
    size_t err_len;
};
/*
 * Run build/bin/<tool> with argv (NULL-terminated, without argv[0]),
 * feeding stdin_data (may be NULL) and capturing stdout/stderr.
 */
void tu_run_tool(struct tu_run *r, const char *tool, const char *stdin_data,
                 size_t stdin_len, const char *const *argv);
void tu_run_free(struct tu_run *r);

/* Convert a memory document with the library: read with opts_in (NULL =
 * defaults) in format from, write format to; returns malloc'd output or
 * NULL with *err filled. */
char *tu_convert_mem(const char *input, size_t len, const char *from, const char *to,
                     const char *const *options, size_t *out_len, struct conv_error *err);

/* A growable NUL-terminated byte string for building test documents. */
struct tu_sbuf {
    char *p;
    size_t n, cap;
};
void tu_sb_add(struct tu_sbuf *b, const char *s, size_t n);
void tu_sb_str(struct tu_sbuf *b, const char *s);

/* An allocator that tracks the bytes in use and their peak, and can fail
 * the fail_at-th call (0: never; failed is then set). */
struct tu_counting {
    size_t now, peak;
    long calls, fail_at;
    int failed;
};
struct conv_allocator tu_counting_allocator(struct tu_counting *c);

/* A context whose allocator keeps *live = allocations minus frees. */
struct conv_context *tu_live_context(long *live);

#endif
