/*
 * What the SDMX tests share: reading a file or a memory document with
 * options into a dump of its records (one line a record, NAME=TEXT for
 * each value that is not null, "|"-joined), with the diagnostics and the
 * error; the fixtures' folder and the real files' folder.
 */
#ifndef CONV_SDMX_CHECK_H
#define CONV_SDMX_CHECK_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_OPTS ((const char *const[]){NULL})

struct sx_read {
    int rc;       /* CONV_EOF when read to the end, else CONV_ERR */
    long records;
    struct tu_sbuf dump;
    struct tu_sbuf diags; /* one formatted diagnostic a line */
    int ndiags;
    struct conv_error err;
    char format[32];
    char info[4096]; /* key=value lines */
};

static inline void sx_diag(void *user, const struct conv_error *d)
{
    struct sx_read *r = user;
    char line[700];
    conv_error_format(d, line, sizeof line);
    tu_sb_str(&r->diags, line);
    tu_sb_str(&r->diags, "\n");
    r->ndiags++;
}

static inline void sx_dump_record(struct tu_sbuf *b, const struct conv_record *rec)
{
    int first = 1;
    for (size_t i = 0; i < conv_record_count(rec); i++) {
        const struct conv_value *v = conv_record_value(rec, i);
        if (v->type == CONV_NULL)
            continue;
        if (!first)
            tu_sb_str(b, "|");
        first = 0;
        tu_sb_str(b, conv_record_name(rec, i));
        tu_sb_str(b, "=");
        tu_sb_add(b, v->text, v->len);
    }
    tu_sb_str(b, "\n");
}

/* Read path (or, when doc is given, the memory document named path) with
 * options given as name, value pairs. */
static inline void sx_read_doc(struct sx_read *r, const char *path, const char *doc, size_t len,
                        const char *const *opts)
{
    memset(r, 0, sizeof *r);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    for (size_t i = 0; opts[i]; i += 2)
        assert_int_equal(conv_options_set(o, opts[i], opts[i + 1]), CONV_OK);
    conv_options_set_diag(o, sx_diag, r);
    struct conv_reader *rd = doc ? conv_reader_open_memory(ctx, doc, len, path, o, &r->err)
                                 : conv_reader_open_file(ctx, path, o, &r->err);
    r->rc = CONV_ERR;
    if (rd) {
        snprintf(r->format, sizeof r->format, "%s", conv_format_name(conv_reader_format(rd)));
        const struct conv_record *rec;
        while ((r->rc = conv_reader_next(rd, &rec)) == CONV_OK) {
            r->records++;
            sx_dump_record(&r->dump, rec);
        }
        if (r->rc == CONV_ERR)
            r->err = *conv_reader_error(rd);
        size_t n = 0;
        const char *k;
        for (size_t i = 0; (k = conv_reader_info_key(rd, i)) != NULL; i++)
            n += (size_t)snprintf(r->info + n, n < sizeof r->info ? sizeof r->info - n : 0,
                                  "%s=%s\n", k, conv_reader_info(rd, k));
        conv_reader_close(rd);
    }
    if (!r->dump.p)
        tu_sb_str(&r->dump, "");
    if (!r->diags.p)
        tu_sb_str(&r->diags, "");
    conv_options_free(o);
    conv_context_free(ctx);
}

static inline void sx_read_file(struct sx_read *r, const char *path, const char *const *opts)
{
    sx_read_doc(r, path, NULL, 0, opts);
}

static inline void sx_free(struct sx_read *r)
{
    free(r->dump.p);
    free(r->diags.p);
    memset(r, 0, sizeof *r);
}

/* A fixture of tests/data/sdmx/, malloc'd path. */
static inline char *sx_fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/sdmx/%s", name);
    return tu_src(rel);
}

/* The real files (../shared/real/sdmx/ beside the source tree), or NULL
 * when that folder is not there. */
static inline char *sx_real(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "../shared/real/sdmx/%s", name);
    char *p = tu_src(rel);
    if (access(p, R_OK) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

/* The value of an info key in r->info, or "" (a static copy). */
static inline const char *sx_info(const struct sx_read *r, const char *key)
{
    static char val[1024];
    size_t kl = strlen(key);
    for (const char *p = r->info; *p;) {
        const char *e = strchr(p, '\n');
        if (!e)
            break;
        if ((size_t)(e - p) > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            snprintf(val, sizeof val, "%.*s", (int)(e - p - (long)kl - 1), p + kl + 1);
            return val;
        }
        p = e + 1;
    }
    return "";
}

/* Does the dump hold this record line (without its newline)? */
static inline int sx_has_line(const struct sx_read *r, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = r->dump.p; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && !memcmp(p, line, n))
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

#endif /* CONV_SDMX_CHECK_H */
