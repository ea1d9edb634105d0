/*
 * Reading documents in the tests (options, a reader on memory or trickled,
 * the record dumps) and the case-folder runner of the readers' tables.
 */
#include "cases.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- options, errors, readers ------------------------------------------------ */

void tu_options_add(struct conv_options *o, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++) {
        char name[128];
        const char *eq = strchr(list[i], '=');
        size_t n = eq ? (size_t)(eq - list[i]) : strlen(list[i]);
        snprintf(name, sizeof name, "%.*s", (int)n, list[i]);
        assert_int_equal(conv_options_set(o, name, eq ? eq + 1 : "1"), CONV_OK);
    }
}

char *tu_error_line(const struct conv_error *err)
{
    size_t n = conv_error_format(err, NULL, 0);
    char *s = malloc(n + 1);
    assert_non_null(s);
    conv_error_format(err, s, n + 1);
    return s;
}

struct conv_reader *tu_reader_open(struct conv_context *ctx, const void *data, size_t len,
                                   const char *name, const struct conv_options *o,
                                   struct tu_trickle *t, struct conv_error *err)
{
    if (!t)
        return conv_reader_open_memory(ctx, data, len, name, o, err);
    t->data = data;
    t->len = len;
    t->pos = 0;
    return conv_reader_open_callback(ctx, tu_trickle_read, t, name, o, err);
}

/* ---- the text readers' dump ---------------------------------------------------- */

/* Text with \ TAB LF CR and other controls escaped, so a record stays on
 * one line of the dump. */
static void sb_esc(struct tu_sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char hex[8];
        switch (c) {
        case '\\':
            tu_sb_str(b, "\\\\");
            break;
        case '\t':
            tu_sb_str(b, "\\t");
            break;
        case '\n':
            tu_sb_str(b, "\\n");
            break;
        case '\r':
            tu_sb_str(b, "\\r");
            break;
        default:
            if (c < 0x20) {
                snprintf(hex, sizeof hex, "\\x%02x", c);
                tu_sb_str(b, hex);
            } else {
                tu_sb_add(b, s + i, 1);
            }
        }
    }
}

void tu_dump_record(struct tu_sbuf *b, const struct conv_record *rec)
{
    char line[32];
    snprintf(line, sizeof line, "@%llu", (unsigned long long)conv_record_line(rec));
    tu_sb_str(b, line);
    for (size_t i = 0; i < conv_record_count(rec); i++) {
        const char *name = conv_record_name(rec, i);
        const struct conv_value *v = conv_record_value(rec, i);
        assert_non_null(name);
        assert_non_null(v);
        assert_int_equal(strlen(v->text), v->len);
        assert_int_equal(v->flags, 0);
        if (!conv_text_is(v->type, v->text, v->len))
            fail_msg("%s: not a canonical %s: '%s'", name, conv_type_name(v->type), v->text);
        tu_sb_str(b, "\t");
        sb_esc(b, name, strlen(name));
        tu_sb_str(b, ":");
        tu_sb_str(b, conv_type_name(v->type));
        tu_sb_str(b, "=");
        sb_esc(b, v->text, v->len);
    }
    tu_sb_str(b, "\n");
}

char *tu_dump_reader(struct conv_reader *rd, struct conv_error *err)
{
    if (!rd) {
        assert_int_not_equal(err->code, CONV_E_NONE);
        return NULL;
    }
    struct tu_sbuf b = {0};
    tu_sb_str(&b, "");
    const struct conv_record *rec;
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
        tu_dump_record(&b, rec);
    if (rc == CONV_EOF) {
        assert_int_equal(conv_reader_next(rd, &rec), CONV_EOF);
        return b.p;
    }
    *err = *conv_reader_error(rd);
    assert_int_not_equal(err->code, CONV_E_NONE);
    /* A failed reader stays failed. */
    assert_int_equal(conv_reader_next(rd, &rec), CONV_ERR);
    free(b.p);
    return NULL;
}

char *tu_read_dump(const void *data, size_t len, const char *name, const struct conv_options *o,
                   int trickle, struct conv_error *err)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct tu_trickle t = {.seed = 7};
    conv_error_clear(err);
    struct conv_reader *rd = tu_reader_open(ctx, data, len, name, o, trickle ? &t : NULL, err);
    char *dump = tu_dump_reader(rd, err);
    conv_reader_close(rd);
    conv_context_free(ctx);
    return dump;
}

long tu_alloc_sweep(const void *doc, size_t len, const char *name, const char *const *opts,
                    enum conv_errcode also, struct tu_outcome *last)
{
    long at;
    for (at = 1; at < 100000; at++) {
        struct tu_counting cnt = {0};
        struct conv_allocator alloc = tu_counting_allocator(&cnt);
        struct conv_context *ctx = conv_context_new(&alloc);
        struct conv_options *o = conv_options_new(ctx);
        tu_options_add(o, opts);
        struct tu_trickle t = {.seed = 3};
        struct tu_outcome *out = last;
        memset(out, 0, sizeof *out);
        conv_error_clear(&out->err);
        out->rc = CONV_ERR;
        cnt.fail_at = at;
        struct conv_reader *rd = tu_reader_open(ctx, doc, len, name, o, &t, &out->err);
        if (rd) {
            const struct conv_record *rec;
            while ((out->rc = conv_reader_next(rd, &rec)) == CONV_OK)
                out->records++;
            out->err = *conv_reader_error(rd);
        }
        conv_reader_close(rd);
        cnt.fail_at = 0;
        conv_options_free(o);
        conv_context_free(ctx);
        assert_int_equal(cnt.now, 0);
        if (!cnt.failed)
            break; /* past the last allocation: the normal result */
        if (out->err.code != CONV_E_NOMEM && out->err.code != also)
            fail_msg("%s (%s), failing allocation %ld: %s", name, opts && opts[0] ? opts[0] : "",
                     at, tu_error_line(&out->err));
    }
    return at;
}

/* ---- the spreadsheet readers' dump -------------------------------------------- */

static const char *type_code(enum conv_type t)
{
    static const char *const codes[] = {"null", "str", "int", "dec", "bool", "date", "dt", "any"};
    return (unsigned)t < sizeof codes / sizeof codes[0] ? codes[t] : "?";
}

static void dump_cells(struct tu_sbuf *b, const struct conv_record *rec)
{
    for (size_t i = 0; i < conv_record_count(rec); i++) {
        const struct conv_value *v = conv_record_value(rec, i);
        if (i)
            tu_sb_str(b, "|");
        tu_sb_str(b, conv_record_name(rec, i));
        tu_sb_str(b, "=");
        tu_sb_str(b, type_code(v->type));
        if (v->type != CONV_NULL) {
            tu_sb_str(b, ":");
            tu_sb_add(b, v->text, v->len);
        }
        assert_int_equal(strlen(v->text), v->len);
        if (!conv_text_is(v->type, v->text, v->len))
            fail_msg("not a canonical %s: '%s'", type_code(v->type), v->text);
        /* the same value by name */
        assert_ptr_equal(conv_record_get(rec, conv_record_name(rec, i)), v);
    }
    tu_sb_str(b, "\n");
}

char *tu_dump_sheet(struct conv_reader *rd, struct conv_error *err)
{
    struct tu_sbuf b = {0};
    tu_sb_str(&b, "");
    if (rd) {
        const struct conv_schema *s = conv_reader_schema(rd);
        tu_sb_str(&b, "#");
        for (size_t i = 0; i < conv_schema_count(s); i++) {
            if (i)
                tu_sb_str(&b, "|");
            tu_sb_str(&b, conv_schema_field(s, i)->name);
        }
        tu_sb_str(&b, "\n");
        const struct conv_record *rec;
        int rc;
        while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
            dump_cells(&b, rec);
        if (rc == CONV_ERR)
            *err = *conv_reader_error(rd);
    }
    if (err->code != CONV_E_NONE) {
        char line[400];
        snprintf(line, sizeof line, "ERR %d %llu:%llu %s", (int)err->code,
                 (unsigned long long)err->line, (unsigned long long)err->column, err->message);
        free(b.p);
        b.p = strdup(line);
    }
    return b.p;
}

char *tu_read_sheet(const struct tu_sheet_read *how, const char *const *opts)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    if (how->from)
        assert_int_equal(conv_options_set(o, "from", how->from), CONV_OK);
    tu_options_add(o, opts);
    struct conv_error err;
    conv_error_clear(&err);
    struct tu_trickle t = {.step = 777};
    struct conv_reader *rd = how->path ? conv_reader_open_file(ctx, how->path, o, &err)
                                       : tu_reader_open(ctx, how->data, how->len, how->name, o,
                                                        how->trickle ? &t : NULL, &err);
    if (rd && how->format)
        assert_string_equal(conv_format_name(conv_reader_format(rd)), how->format);
    char *dump = tu_dump_sheet(rd, &err);
    /* Errors name the source (usage errors come before it is open). */
    if (err.code != CONV_E_NONE && err.code != CONV_E_USAGE && !how->path)
        assert_string_equal(err.source, how->name);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    return dump;
}

/* ---- case folders --------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t tu_cases_add(struct tu_cases *c, const char *rel, void (*fn)(void **state), const void *arg)
{
    const char *src = getenv("CONV_SRC");
    char *root = src ? tu_path(src, rel) : tu_src(rel);
    DIR *d = opendir(root);
    if (!d) {
        fprintf(stderr, "no case folder %s\n", root);
        exit(1);
    }
    char **dirs = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = tu_path(root, e->d_name);
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            free(p);
            continue;
        }
        dirs = realloc(dirs, (n + 1) * sizeof *dirs);
        dirs[n++] = p;
    }
    closedir(d);
    free(root);
    if (n)
        qsort(dirs, n, sizeof *dirs, cmp_str);
    c->cases = realloc(c->cases, (c->n + n) * sizeof *c->cases);
    c->tests = realloc(c->tests, (c->n + n) * sizeof *c->tests);
    for (size_t i = 0; i < n; i++) {
        struct tu_case *k = malloc(sizeof *k);
        k->dir = dirs[i];
        k->name = strrchr(dirs[i], '/') + 1;
        k->arg = arg;
        c->cases[c->n] = k;
        c->tests[c->n] = (struct CMUnitTest){.name = k->name,
                                             .test_func = fn,
                                             .setup_func = c->setup,
                                             .teardown_func = c->teardown,
                                             .initial_state = k};
        c->n++;
    }
    free(dirs);
    return n;
}

int tu_cases_run(struct tu_cases *c, const char *group)
{
    int failed = _cmocka_run_group_tests(group, c->tests, c->n, NULL, NULL);
    for (size_t i = 0; i < c->n; i++) {
        free(c->cases[i]->dir);
        free(c->cases[i]);
    }
    free(c->cases);
    free(c->tests);
    c->cases = NULL;
    c->tests = NULL;
    c->n = 0;
    return failed;
}

char *tu_case_input(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    char *found = NULL;
    while ((e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, "input.", 6)) {
            if (found)
                fail_msg("%s: more than one input.* file", dir);
            found = tu_path(dir, e->d_name);
        }
    closedir(d);
    if (!found)
        fail_msg("%s: no input.* file", dir);
    return found;
}

/* A reader case's options: from (the input's extension), then the
 * defaults, then the name=value lines of its "options" file. */
static struct conv_options *case_options(struct conv_context *ctx, const char *dir,
                                         const char *from, const char *const *defaults)
{
    struct conv_options *o = conv_options_new(ctx);
    assert_non_null(o);
    assert_int_equal(conv_options_set(o, "from", from), CONV_OK);
    tu_options_add(o, defaults);
    char *path = tu_path(dir, "options");
    char *text = tu_read_file(path, NULL);
    free(path);
    if (text) {
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            char *eq = strchr(l, '=');
            assert_non_null(eq);
            *eq = '\0';
            assert_int_equal(conv_options_set(o, l, eq + 1), CONV_OK);
        }
        free(text);
    }
    return o;
}

/* Read a case's input from memory (and trickled, when asked) and compare
 * the dump with expected.txt (valid) or the error line with the first
 * line of "error" (invalid). */
static void run_reader_case(void **state, int valid)
{
    const struct tu_case *k = *state;
    const struct tu_reader_cases *how = k->arg;
    char *path = tu_case_input(k->dir);
    size_t len;
    char *input = tu_read_file(path, &len);
    assert_non_null(input);
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = case_options(ctx, k->dir, strrchr(path, '.') + 1, how->options);
    free(path);
    const char *want_file = valid ? "expected.txt" : "error";
    path = tu_path(k->dir, want_file);
    char *expected = tu_read_file(path, NULL);
    free(path);
    if (expected && !valid)
        expected[strcspn(expected, "\n")] = '\0';
    for (int trickle = 0; trickle <= how->trickle; trickle++) {
        struct conv_error err;
        char *got = tu_read_dump(input, len, "input", o, trickle, &err);
        char *msg = got ? NULL : tu_error_line(&err);
        if (valid && !got)
            fail_msg("%s (trickle=%d): unexpected error: %s", k->dir, trickle, msg);
        if (!valid && got)
            fail_msg("%s (trickle=%d): read without error:\n%s", k->dir, trickle, got);
        const char *result = valid ? got : msg;
        if (!expected)
            fail_msg("%s: no %s; the reader gives:\n%s", k->dir, want_file, result);
        if (strcmp(result, expected) != 0 && valid)
            fail_msg("%s (trickle=%d):\n--- expected\n%s--- got\n%s", k->dir, trickle, expected,
                     result);
        if (strcmp(result, expected) != 0)
            fail_msg("%s (trickle=%d):\n  expected: %s\n  got:      %s", k->dir, trickle, expected,
                     result);
        free(got);
        free(msg);
    }
    free(expected);
    free(input);
    conv_options_free(o);
    conv_context_free(ctx);
}

void tu_reader_case_valid(void **state)
{
    run_reader_case(state, 1);
}

void tu_reader_case_invalid(void **state)
{
    run_reader_case(state, 0);
}
