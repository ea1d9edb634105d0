/*
 * bench-xlsx-floor: the least a CSV -> XLSX conversion costs with
 * libxlsxwriter, to compare `conv in.csv -o out.xlsx` with.  A bare loop:
 * a plain CSV parser (RFC 4180 quoting, any line end), then the same cells
 * conv writes for bench-gen data in the same constant_memory mode: the
 * header row, text as inline strings, the number columns as numbers with
 * conv's number formats (#,##0 with as many decimals as the text has),
 * empty fields as no cell.  No title, widths, filter or print setup.
 *
 * usage: bench-xlsx-floor IN.csv OUT.xlsx [NUMERIC-COLUMN...]
 * (default numeric columns: 7 9, the 1-based value and change_pct of
 * bench-gen's CSV)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#define MAX_COLS 256
#define MAX_DECIMALS 30

struct reader {
    FILE *f;
    char buf[1 << 18];
    size_t pos, len;
    int eof;
};

static int next_byte(struct reader *r)
{
    if (r->pos == r->len) {
        if (r->eof)
            return EOF;
        r->len = fread(r->buf, 1, sizeof r->buf, r->f);
        r->pos = 0;
        if (r->len == 0) {
            r->eof = 1;
            return EOF;
        }
    }
    return (unsigned char)r->buf[r->pos++];
}

/* One record into fields (pointers into *line, NUL-terminated); returns
 * the field count, 0 at the end. */
static size_t read_record(struct reader *r, char **line, size_t *cap, char **fields, size_t *lens)
{
    size_t n = 0, k = 0, start = 0;
    int c = next_byte(r);
    if (c == EOF)
        return 0;
    for (;;) {
        if (k + 2 > *cap) {
            *cap = *cap ? 2 * *cap : 4096;
            *line = realloc(*line, *cap);
            if (!*line) {
                perror("realloc");
                exit(1);
            }
        }
        if (c == '"') {
            for (;;) {
                c = next_byte(r);
                if (c == EOF)
                    break;
                if (c == '"') {
                    c = next_byte(r);
                    if (c != '"')
                        break;
                }
                if (k + 2 > *cap) {
                    *cap *= 2;
                    *line = realloc(*line, *cap);
                    if (!*line) {
                        perror("realloc");
                        exit(1);
                    }
                }
                (*line)[k++] = (char)c;
            }
        }
        if (c == ',' || c == '\n' || c == '\r' || c == EOF) {
            (*line)[k++] = '\0';
            if (n < MAX_COLS) {
                lens[n] = k - 1 - start;
                fields[n++] = (char *)(uintptr_t)start; /* offsets until the end */
            }
            start = k;
            if (c == '\r') {
                c = next_byte(r);
                if (c != '\n' && c != EOF)
                    r->pos--; /* a lone CR ends the line too */
                break;
            }
            if (c != ',')
                break;
            c = next_byte(r);
            continue;
        }
        (*line)[k++] = (char)c;
        c = next_byte(r);
    }
    for (size_t i = 0; i < n; i++)
        fields[i] = *line + (uintptr_t)fields[i];
    return n;
}

/* Digits after the point, or -1 for an exponent (General). */
static int decimals_of(const char *s)
{
    const char *dot = strchr(s, '.');
    if (strpbrk(s, "eE"))
        return -1;
    return dot ? (int)strlen(dot + 1) : 0;
}

static void check(lxw_error e, const char *what)
{
    if (e != LXW_NO_ERROR) {
        fprintf(stderr, "bench-xlsx-floor: %s: %s\n", what, lxw_strerror(e));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-xlsx-floor IN.csv OUT.xlsx [NUMERIC-COLUMN...]\n");
        return 2;
    }
    unsigned char numeric[MAX_COLS] = {0};
    if (argc > 3) {
        for (int i = 3; i < argc; i++) {
            int c = atoi(argv[i]);
            if (c >= 1 && c <= MAX_COLS)
                numeric[c - 1] = 1;
        }
    } else {
        numeric[6] = numeric[8] = 1;
    }
    struct reader *r = calloc(1, sizeof *r);
    r->f = fopen(argv[1], "rb");
    if (!r->f) {
        perror(argv[1]);
        return 1;
    }
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = getenv("TMPDIR")};
    lxw_workbook *wb = workbook_new_opt(argv[2], &opts);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "Data") : NULL;
    if (!ws) {
        fprintf(stderr, "bench-xlsx-floor: cannot start the workbook\n");
        return 1;
    }
    lxw_format *fmt[MAX_DECIMALS + 1] = {0};
    char *line = NULL, *fields[MAX_COLS];
    size_t cap = 0, lens[MAX_COLS], n;
    lxw_row_t row = 0;
    while ((n = read_record(r, &line, &cap, fields, lens)) > 0) {
        for (size_t c = 0; c < n; c++) {
            if (lens[c] == 0)
                continue;
            if (row > 0 && numeric[c]) {
                int d = decimals_of(fields[c]);
                lxw_format *f = NULL;
                if (d >= 0 && d <= MAX_DECIMALS) {
                    if (!fmt[d]) {
                        char code[48] = "#,##0";
                        if (d > 0) {
                            strcat(code, ".");
                            memset(code + 6, '0', (size_t)d);
                            code[6 + d] = '\0';
                        }
                        fmt[d] = workbook_add_format(wb);
                        format_set_num_format(fmt[d], code);
                    }
                    f = fmt[d];
                }
                check(worksheet_write_number(ws, row, (lxw_col_t)c, strtod(fields[c], NULL), f),
                      "write_number");
            } else {
                check(worksheet_write_string(ws, row, (lxw_col_t)c, fields[c], NULL),
                      "write_string");
            }
        }
        row++;
    }
    fclose(r->f);
    free(r);
    free(line);
    check(workbook_close(wb), "workbook_close");
    fprintf(stderr, "bench-xlsx-floor: %lu rows\n", (unsigned long)row);
    return 0;
}
