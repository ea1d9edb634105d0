/*
 * Helpers of the XLSX writer tests: tests/xlsx_readback.py (openpyxl, the
 * independent reader) run on a workbook, its lines looked for, and a whole
 * conversion checked cell by cell against the input read again.
 */
#ifndef CONV_XLSX_CHECK_H
#define CONV_XLSX_CHECK_H

#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define CREATED "2022-01-15T00:00:00Z"
#define PYTHON "/usr/bin/python3" /* the PATH one may lack python3-openpyxl */

/* A path in the source tree (CONV_SRC when ctest runs us). */
static inline char *src_path(const char *rel)
{
    const char *src = getenv("CONV_SRC");
    return src ? tu_path(src, rel) : tu_src(rel);
}

/* ---- the independent reader ----------------------------------------------------------- */

/*
 * Run tests/xlsx_readback.py with flags (NULL-terminated) on path; returns
 * its output with a newline in front, so "\nLINE\n" finds a whole line.
 * Fails the test when python3 or openpyxl is missing or the file does not
 * read.
 */
static inline char *readback(const char *path, const char *const *flags)
{
    char *script = src_path("tests/xlsx_readback.py");
    char *dir = tu_tempdir();
    char *out_path = tu_path(dir, "out.txt"), *err_path = tu_path(dir, "err.txt");
    const char *av[16];
    size_t n = 0;
    av[n++] = PYTHON;
    av[n++] = script;
    for (size_t i = 0; flags && flags[i] && n < 14; i++)
        av[n++] = flags[i];
    av[n++] = path;
    av[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        execv(PYTHON, (char *const *)av);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    size_t len;
    char *out = tu_read_file(out_path, &len);
    char *err = tu_read_file(err_path, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s %s %s: exit %d (127: no %s; 2: no openpyxl)\n%s", PYTHON, script, path,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, PYTHON, err ? err : "");
    char *res = malloc(len + 2);
    res[0] = '\n';
    memcpy(res + 1, out, len + 1);
    free(out);
    free(err);
    tu_rmtree(dir);
    free(dir);
    free(out_path);
    free(err_path);
    free(script);
    return res;
}

/* The output has the whole line (fields separated by tabs). */
static inline void expect_line(const char *out, const char *line)
{
    size_t n = strlen(line);
    char *needle = malloc(n + 3);
    needle[0] = '\n';
    memcpy(needle + 1, line, n);
    needle[n + 1] = '\n';
    needle[n + 2] = '\0';
    if (!strstr(out, needle)) {
        fprintf(stderr, "--- read back:%s---\n", out);
        fail_msg("missing line:\n%s", line);
    }
    free(needle);
}

static inline void expect_no(const char *out, const char *fragment)
{
    if (strstr(out, fragment))
        fail_msg("unexpected '%s' in:\n%.6000s", fragment, out);
}

static inline size_t count_lines(const char *out, const char *prefix)
{
    size_t n = 0, k = strlen(prefix);
    for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
        if (!strncmp(p + 1, prefix, k))
            n++;
    return n;
}

/* ---- cell by cell against the input ------------------------------------------------------ */

static inline void sb_json(struct tu_sbuf *b, const char *s, size_t n)
{
    tu_sb_str(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        switch (c) {
        case '"':
            tu_sb_str(b, "\\\"");
            break;
        case '\\':
            tu_sb_str(b, "\\\\");
            break;
        case '\n':
            tu_sb_str(b, "\\n");
            break;
        case '\r':
            tu_sb_str(b, "\\r");
            break;
        case '\t':
            tu_sb_str(b, "\\t");
            break;
        case '\b':
            tu_sb_str(b, "\\b");
            break;
        case '\f':
            tu_sb_str(b, "\\f");
            break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                tu_sb_str(b, esc);
            } else {
                tu_sb_add(b, s + i, 1);
            }
        }
    }
    tu_sb_str(b, "\"");
}

static inline void sb_col(struct tu_sbuf *b, size_t c)
{
    char name[8];
    size_t k = sizeof name - 1;
    name[k] = '\0';
    c++;
    while (c) {
        name[--k] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    tu_sb_str(b, name + k);
}

/*
 * The line the reader must print for value v at (row, col) of sheet 1,
 * worked out from the docs' rules: numbers of at most 15 significant
 * digits as numbers shown with their own decimals, grouped (integers only
 * when grouped is set); text and everything else here as text.
 */
static inline void expect_cell(struct tu_sbuf *b, size_t row, size_t col,
                               const struct conv_value *v, int grouped)
{
    char head[64];
    tu_sb_str(b, "cell\t1\t");
    sb_col(b, col);
    snprintf(head, sizeof head, "%zu\t", row);
    tu_sb_str(b, head);
    const char *s = v->text;
    size_t n = v->len, sig = 0;
    int number = v->type == CONV_INTEGER || v->type == CONV_DECIMAL;
    for (size_t i = 0, nz = 0; number && i < n; i++)
        if (s[i] >= '1' && s[i] <= '9')
            nz = 1, sig++;
        else if (s[i] == '0' && nz)
            sig++;
    if (number && sig <= 15 && !strpbrk(s, "eE")) {
        const char *dot = memchr(s, '.', n);
        size_t ilen = dot ? (size_t)(dot - s) : n, decimals = dot ? n - ilen - 1 : 0;
        int g = v->type == CONV_DECIMAL || grouped;
        char num[64];
        snprintf(num, sizeof num, "n\t%.15g\t", strtod(s, NULL));
        tu_sb_str(b, num);
        size_t start = s[0] == '-';
        tu_sb_add(b, s, start);
        for (size_t i = start; i < ilen; i++) {
            tu_sb_add(b, s + i, 1);
            if (g && i + 1 < ilen && (ilen - i - 1) % 3 == 0)
                tu_sb_str(b, ",");
        }
        if (dot)
            tu_sb_add(b, dot, n - ilen);
        tu_sb_str(b, g ? "\t#,##0" : "\t0");
        if (decimals) {
            tu_sb_str(b, ".");
            for (size_t i = 0; i < decimals; i++)
                tu_sb_str(b, "0");
        }
        tu_sb_str(b, "\n");
        return;
    }
    tu_sb_str(b, "s\t");
    sb_json(b, s, n);
    tu_sb_str(b, "\tGeneral\n");
}

/*
 * Convert in (with opts) to a workbook, read the input again with the same
 * options, and compare every data cell the reader prints with the values.
 */
static inline void check_cells(const char *in, const char *const *opts, const char *const *flags,
                               const char *xlsx)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    for (size_t i = 0; opts && opts[i]; i++) {
        const char *eq = strchr(opts[i], '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - opts[i]), opts[i]);
        conv_options_set(o, name, eq + 1);
    }
    struct conv_error err = {0};
    if (conv_convert(ctx, in, xlsx, o, NULL, &err) != CONV_OK)
        fail_msg("%s: %s", in, err.message);
    char *got = readback(xlsx, flags);
    /* The data, from row 4 of the first sheet. */
    const char *p = strstr(got, "\ncell\t1\tA4\t");
    assert_non_null(p);
    p++;
    struct conv_reader *rd = conv_reader_open_file(ctx, in, o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    size_t row = 4, cells = 0;
    struct tu_sbuf want = {0};
    int *grouped = NULL;
    while (conv_reader_next(rd, &rec) == CONV_OK) {
        const struct conv_schema *fs = conv_reader_schema(rd);
        if (!grouped) {
            grouped = calloc(conv_schema_count(fs) + 1, sizeof *grouped);
            for (size_t c = 0; c < conv_schema_count(fs); c++) {
                const char *nm = conv_schema_field(fs, c)->name;
                grouped[c] = !strstr(nm, "code") && !strstr(nm, "period") && !strstr(nm, "year");
            }
        }
        for (size_t i = 0; i < conv_record_count(rec); i++) {
            const struct conv_value *v = conv_record_value(rec, i);
            if (v->type == CONV_NULL || v->len == 0)
                continue;
            long c = conv_schema_find(fs, conv_record_name(rec, i));
            want.n = 0;
            expect_cell(&want, row, (size_t)c, v, grouped[c]);
            if (strncmp(p, want.p, want.n) != 0) {
                const char *eol = strchr(p, '\n');
                fail_msg("%s, record %zu, field %s:\nwant %.*sgot  %.*s", in, row - 3,
                         conv_record_name(rec, i), (int)want.n, want.p, eol ? (int)(eol - p) : 200,
                         p);
            }
            p += want.n;
            cells++;
        }
        row++;
    }
    assert_int_equal(conv_reader_error(rd)->code, CONV_E_NONE);
    /* Nothing after the data on sheet 1. */
    assert_true(*p == '\0' || !strncmp(p, "sheet\t", 6) || !strncmp(p, "cell\t2\t", 7));
    assert_true(cells > 0);
    free(grouped);
    free(want.p);
    free(got);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

#endif
