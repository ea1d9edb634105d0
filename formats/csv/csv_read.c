/*
 * CSV reader (RFC 4180, UTF-8): the rows come from the shared row reader
 * (formats/csvrow/: one driver-owned buffer validated as UTF-8 once per
 * chunk, fields split 16 bytes at a time); here are the options, the
 * delimiter guess and the header.  Memory grows with the largest record,
 * never with the file.
 */
#include "csv_private.h"
#include "sheet.h"

#include <inttypes.h>
#define CSV_SAMPLE_LINES 50           /* lines looked at to guess the delimiter */

/* Where a row ended: for the error of a row read ahead that turns out short. */
struct csv_end {
    uint64_t line, col, off;
};

struct csv_reader {
    struct convp_csvr t; /* the rows */
    struct conv_reader *rd;
    int header;
    int rename; /* duplicate-names=rename */
    struct conv_record held; /* first row, read by open() without a header */
    int has_held;
    /* Rows read by open() while looking for the header that turned out to
     * be data: handed out first, checked against the width then. */
    struct conv_record *queue;
    size_t queue_n;
    size_t queue_pos;
    struct csv_end *queue_end; /* where each queued row ended */
    /* An error met reading ahead, raised when the rows before it are out. */
    struct conv_error deferred;
    int has_deferred;
};

/* ---- header ------------------------------------------------------------------ */

/* A name fit for a one-line message: at most ~60 bytes, cut on a character
 * boundary, control characters shown as '?'. */
static const char *csv_show(const char *s, size_t n, char *out, size_t size)
{
    size_t i = 0, k = 0;
    while (i < n && k + 5 < size && i < 60) {
        unsigned char c = (unsigned char)s[i];
        size_t cl = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + cl > n)
            break;
        if (c < 0x20 || c == 0x7F) {
            out[k++] = '?';
        } else {
            memcpy(out + k, s + i, cl);
            k += cl;
        }
        i += cl;
    }
    if (i < n && k + 4 <= size) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/*
 * Turn the header row into field names: reject (or rename) empty and
 * duplicate names.  A duplicate x becomes x_2, x_3, ... (the first free);
 * next[] remembers per name where to resume, so many copies stay linear.
 */
static int csv_take_header(struct csv_reader *r, const struct conv_record *row)
{
    struct conv_schema *s = r->rd->fields;
    uint32_t *next = convp_calloc(r->rd->ctx, row->n ? row->n : 1, sizeof *next);
    char shown[80];
    int rc = CONV_OK;
    if (!next)
        return convp_csvr_nomem(&r->t);
    for (size_t i = 0; i < row->n; i++) {
        const struct convp_slot *sl = &row->slots[i];
        const char *name = sl->value.text;
        size_t len = sl->value.len;
        char gen[32];
        if (len == 0) {
            /* A column without a name is named by its place, as in a sheet. */
            len = (size_t)snprintf(gen, sizeof gen, "column_%zu", i + 1);
            name = gen;
        }
        long dup = convp_schema_find_n(s, name, len);
        if (dup >= 0) {
            if (!r->rename) {
                rc = convp_csvr_fail(&r->t, CONV_E_STRUCTURE, sl->line, sl->column, 0,
                              "duplicate column name '%s' (--duplicate-names rename makes "
                              "x_2)",
                              csv_show(name, len, shown, sizeof shown));
                break;
            }
            uint32_t k = next[dup] > 2 ? next[dup] : 2;
            for (;; k++) {
                char suffix[16];
                int sn = snprintf(suffix, sizeof suffix, "_%" PRIu32, k);
                r->t.tmp.len = 0;
                if (convp_buf_append(&r->t.tmp, name, len) != 0 ||
                    convp_buf_append(&r->t.tmp, suffix, (size_t)sn) != 0) {
                    rc = convp_csvr_nomem(&r->t);
                    goto out;
                }
                if (convp_schema_find_n(s, r->t.tmp.data, r->t.tmp.len) < 0)
                    break;
            }
            next[dup] = k + 1;
            name = r->t.tmp.data;
            len = r->t.tmp.len;
        }
        long idx = convp_schema_add_name(s, name, len);
        if (idx < 0 || convp_schema_set_pos(s, (size_t)idx, sl->line, sl->column) != 0) {
            rc = convp_csvr_nomem(&r->t);
            break;
        }
    }
out:
    convp_free(r->rd->ctx, next);
    return rc;
}

/* Names 1, 2, ... for a table without a header. */
static int csv_number_fields(struct csv_reader *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[24];
        int len = snprintf(name, sizeof name, "%zu", i + 1);
        if (convp_schema_add_name(r->rd->fields, name, (size_t)len) < 0)
            return convp_csvr_nomem(&r->t);
    }
    return CONV_OK;
}

/* ---- delimiter detection ------------------------------------------------------- */

/*
 * The "auto" delimiter rule.  Look at the first CSV_SAMPLE_LINES non-blank
 * lines of the peek window that end with a line end (the last line only
 * when no line ends at all), splitting lines at CR/LF outside double
 * quotes (each quote toggles quoting, which also suits "").  Per line,
 * count each candidate , ; tab | outside quotes.  Then:
 *   1. a candidate whose count is the same non-zero number on every sampled
 *      line beats any other; among those the highest count wins;
 *   2. failing that, the highest total count over the sample wins;
 *   3. ties go to the order , ; tab |, and no candidate at all gives ','.
 */
static unsigned char csv_detect_delim(const unsigned char *p, size_t n)
{
    static const unsigned char cand[4] = {',', ';', '\t', '|'};
    size_t cur[4] = {0, 0, 0, 0}, firstc[4] = {0, 0, 0, 0}, total[4] = {0, 0, 0, 0};
    int same[4] = {1, 1, 1, 1};
    size_t lines = 0, len = 0;
    int inq = 0;

    for (size_t i = 0; i <= n && lines < CSV_SAMPLE_LINES; i++) {
        int eol = 0;
        if (i == n) {
            if (lines > 0 || len == 0)
                break;
            eol = 1; /* the only line, unterminated */
        } else {
            unsigned char c = p[i];
            if (c == '"') {
                inq = !inq;
            } else if (!inq && (c == '\r' || c == '\n')) {
                eol = 1;
            } else if (!inq) {
                for (int k = 0; k < 4; k++)
                    cur[k] += c == cand[k];
            }
        }
        if (!eol) {
            len++;
            continue;
        }
        if (len > 0) {
            for (int k = 0; k < 4; k++) {
                if (lines == 0)
                    firstc[k] = cur[k];
                else if (cur[k] != firstc[k])
                    same[k] = 0;
                total[k] += cur[k];
            }
            lines++;
        }
        memset(cur, 0, sizeof cur);
        len = 0;
    }
    int best = -1;
    for (int k = 0; k < 4; k++)
        if (lines && same[k] && firstc[k] > 0 && (best < 0 || firstc[k] > firstc[best]))
            best = k;
    if (best < 0)
        for (int k = 0; k < 4; k++)
            if (total[k] > 0 && (best < 0 || total[k] > total[best]))
                best = k;
    return best < 0 ? ',' : cand[best];
}

/* ---- driver ops -------------------------------------------------------------- */

/* ---- title rows above the header ------------------------------------------------ */

#define CSV_AUTO_ROWS 20 /* the first non-empty row and the 19 after it */
#define CSV_AUTO_BYTES ((size_t)1 << 20) /* text read ahead for the header, at most */

/* Cells with a value: not null and not an empty string. */
static size_t csv_nonempty(const struct conv_record *row)
{
    size_t k = 0;
    for (size_t i = 0; i < row->n; i++)
        k += row->slots[i].value.len > 0;
    return k;
}

/* Take row as the header: names, width, and where it was. */
static int csv_use_header(struct csv_reader *r, const struct conv_record *row)
{
    char line[24];
    r->t.width = row->n;
    snprintf(line, sizeof line, "%" PRIu64, row->line);
    if (convp_reader_set_info(r->rd, "header-row", line) != 0)
        return CONV_ERR;
    return csv_take_header(r, row);
}

/* A warning about the header, at its line, through the diagnostic
 * callback: the reading goes on. */
static void csv_warn(struct csv_reader *r, uint64_t line, const char *fmt, ...)
    CONVP_PRINTF(3, 4);
static void csv_warn(struct csv_reader *r, uint64_t line, const char *fmt, ...)
{
    struct conv_error e;
    conv_error_clear(&e);
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(&e, CONV_E_STRUCTURE, r->rd->source, line, 0, fmt, ap);
    va_end(ap);
    convp_diag(r->rd->opts, &e);
}

/* Row i of the window read while looking for the header: the first
 * non-blank row, then the queue. */
static struct conv_record *csv_win(struct csv_reader *r, size_t i)
{
    return i == 0 ? &r->held : &r->queue[i - 1];
}

/* Whether row h of the window reads like a record against the non-blank
 * rows after it (up to 10): 1, 0, or -1 out of memory. */
static int csv_like_data(struct csv_reader *r, size_t n, size_t h)
{
    const struct conv_record *head = csv_win(r, h);
    size_t w = head->n, k = 0;
    struct convp_text *t = convp_calloc(r->rd->ctx, 11 * (w ? w : 1), sizeof *t);
    if (!t)
        return -1;
    for (size_t row = h; row < n && k < 11; row++) {
        const struct conv_record *x = csv_win(r, row);
        if (row > h && csv_nonempty(x) == 0)
            continue;
        for (size_t c = 0; c < w; c++) {
            struct convp_text *v = &t[k * w + c];
            v->text = c < x->n ? x->slots[c].value.text : "";
            v->len = c < x->n ? x->slots[c].value.len : 0;
        }
        k++;
    }
    int like = k > 1 && convp_header_looks_like_data(t, w, t + w, k - 1);
    convp_free(r->rd->ctx, t);
    return like;
}

/* Up to three of a row's non-empty cells, quoted, for a message. */
static const char *csv_cells(const struct conv_record *row, char *out, size_t size)
{
    size_t k = 0, shown = 0;
    out[0] = '\0';
    for (size_t i = 0; i < row->n && shown < 3; i++) {
        const struct conv_value *v = &row->slots[i].value;
        if (!v->len)
            continue;
        /* The first 20 characters. */
        size_t cut = 0, nch = 0;
        while (cut < v->len && nch < 20) {
            cut++;
            while (cut < v->len && ((unsigned char)v->text[cut] & 0xC0) == 0x80)
                cut++;
            nch++;
        }
        char cell[100];
        csv_show(v->text, cut, cell, sizeof cell);
        int m = snprintf(out + k, size - k, "%s'%s%s'", shown ? ", " : "", cell,
                         cut < v->len ? "..." : "");
        if (m < 0 || (size_t)m >= size - k)
            break;
        k += (size_t)m;
        shown++;
    }
    return out;
}

/*
 * Find the header: line N with --header-row N; else, among the first
 * non-empty row and the 19 rows after it (read ahead, and handed out as
 * data after the header), the first row with at least two non-empty
 * cells, as the XLSX reader does, so that a title exported from a merged
 * cell ("Title,,,,") and blank lines above the header are skipped; but
 * not a row that a wider row follows (it cannot be the header of that
 * row: "key","value" lines above the real header, as the World Bank
 * writes them) when a later, wider row reads as a header.  Failing all
 * that, the first non-empty row (a one-column table).  A guess that
 * skips rows, reads like a record, or names few of its columns is said
 * in a warning naming --header-row and --no-header.
 */
static int csv_find_header(struct csv_reader *r, long header_row)
{
    struct conv_reader *rd = r->rd;
    int rc;
    rd->fields_fixed = 1;
    if (header_row > 0) {
        for (;;) {
            convp_record_clear(&r->held);
            rc = convp_csvr_row(&r->t, &r->held);
            if (rc == CONV_ERR)
                return CONV_ERR;
            if (rc == CONV_EOF) {
                if (r->t.line <= 1 && r->t.base + r->t.pos == 0)
                    return CONV_OK; /* empty input */
                return convp_csvr_fail(&r->t, CONV_E_STRUCTURE, (uint64_t)header_row, 1, 0,
                                "header row %ld: the input ends before it", header_row);
            }
            if (r->held.line == (uint64_t)header_row)
                break;
            if (r->held.line > (uint64_t)header_row)
                return convp_csvr_fail(&r->t, CONV_E_STRUCTURE, (uint64_t)header_row, 1, 0,
                                "header row %ld: no row starts on that line (blank, or inside "
                                "a quoted field)",
                                header_row);
        }
        rc = csv_use_header(r, &r->held);
        convp_record_clear(&r->held);
        return rc;
    }
    rc = convp_csvr_row(&r->t, &r->held);
    if (rc != CONV_OK)
        return rc == CONV_EOF ? CONV_OK : CONV_ERR;
    /* The window: the first non-empty row (held), then up to 19 rows. */
    r->queue = convp_calloc(rd->ctx, CSV_AUTO_ROWS, sizeof *r->queue);
    r->queue_end = convp_calloc(rd->ctx, CSV_AUTO_ROWS, sizeof *r->queue_end);
    if (!r->queue || !r->queue_end)
        return convp_csvr_nomem(&r->t);
    r->t.keep_blank = 1;
    size_t bytes = 0;
    while (r->queue_n < CSV_AUTO_ROWS - 1 && bytes < CSV_AUTO_BYTES) {
        struct conv_record *q = &r->queue[r->queue_n];
        convp_record_init(q, rd->ctx, rd->fields);
        r->queue_n++;
        rc = convp_csvr_row(&r->t, q);
        if (rc == CONV_ERR && rd->err.code != CONV_E_NOMEM) {
            /* Bad input after the header: an error once the rows before
             * it are read, as when reading row by row. */
            r->deferred = rd->err;
            r->has_deferred = 1;
            conv_error_clear(&rd->err);
            r->t.failed = 0;
        } else if (rc == CONV_ERR) {
            return CONV_ERR;
        }
        if (rc != CONV_OK) {
            r->queue_n--;
            convp_record_fini(q);
            break;
        }
        r->queue_end[r->queue_n - 1] = (struct csv_end){r->t.end_line, r->t.end_col, r->t.end_off};
        for (size_t i = 0; i < q->n; i++)
            bytes += q->slots[i].value.len;
    }
    r->t.keep_blank = 0;
    size_t n = 1 + r->queue_n, cand = n;
    for (size_t i = 0; i < n && cand == n; i++)
        if (csv_nonempty(csv_win(r, i)) >= 2)
            cand = i;
    if (cand == n) {
        /* A one-column table: its first non-empty row; the rest is data. */
        rc = csv_use_header(r, &r->held);
        convp_record_clear(&r->held);
        return rc;
    }
    /* The widest row after each row of the window. */
    size_t *wider = convp_calloc(rd->ctx, n + 1, sizeof *wider);
    if (!wider)
        return convp_csvr_nomem(&r->t);
    for (size_t i = n; i-- > 0;) {
        const struct conv_record *x = csv_win(r, i);
        size_t w = csv_nonempty(x) ? x->n : 0;
        wider[i] = wider[i + 1] > w ? wider[i + 1] : w;
    }
    /* wider[i + 1]: after row i; nonblank rows after: wider[i + 1] > 0. */
    if (csv_win(r, cand)->n < wider[cand + 1]) {
        for (size_t j = cand + 1; j < n; j++) {
            const struct conv_record *x = csv_win(r, j);
            if (csv_nonempty(x) < 2 || x->n <= csv_win(r, cand)->n || x->n < wider[j + 1] ||
                wider[j + 1] == 0)
                continue;
            int like = csv_like_data(r, n, j);
            if (like < 0) {
                convp_free(rd->ctx, wider);
                return convp_csvr_nomem(&r->t);
            }
            if (!like)
                cand = j;
            break;
        }
    }
    convp_free(rd->ctx, wider);
    const struct conv_record *head = csv_win(r, cand);
    uint64_t line = head->line;
    rc = csv_use_header(r, head);
    if (rc != CONV_OK)
        return rc;
    /* Say what was guessed when it may be wrong. */
    uint64_t first_skipped = 0, last_skipped = 0;
    for (size_t i = 0; i < cand; i++)
        if (csv_nonempty(csv_win(r, i))) {
            if (!first_skipped)
                first_skipped = csv_win(r, i)->line;
            last_skipped = csv_win(r, i)->line;
        }
    char cells[160];
    if (first_skipped) {
        char what[64];
        if (first_skipped == last_skipped)
            snprintf(what, sizeof what, "line %" PRIu64, first_skipped);
        else
            snprintf(what, sizeof what, "lines %" PRIu64 " to %" PRIu64, first_skipped,
                     last_skipped);
        csv_warn(r, line,
                 "took line %" PRIu64 " as the header, skipping %s above it (a title or "
                 "notes: %s); --header-row N takes another line",
                 line, what, csv_cells(csv_win(r, 0), cells, sizeof cells));
    } else {
        int like = csv_like_data(r, n, cand);
        if (like < 0)
            return convp_csvr_nomem(&r->t);
        size_t named = csv_nonempty(head);
        const struct conv_record *below = NULL;
        for (size_t i = cand + 1; i < n && !below; i++)
            if (csv_nonempty(csv_win(r, i)))
                below = csv_win(r, i);
        int words = below && csv_nonempty(below) > named;
        for (size_t i = 0; words && i < below->n; i++) {
            const struct conv_value *v = &below->slots[i].value;
            words = !v->len || convp_text_is_words(v->text, v->len);
        }
        if (like)
            csv_warn(r, line,
                     "took line %" PRIu64 " as the header, but it reads like a record (%s); "
                     "--no-header reads it as one, --header-row N takes another line",
                     line, csv_cells(head, cells, sizeof cells));
        else if (named * 2 < head->n && words)
            csv_warn(r, line,
                     "took line %" PRIu64 " as the header, but it names only %zu of its %zu "
                     "columns (a heading over the header?); --header-row %" PRIu64
                     " takes the line below",
                     line, named, head->n, below->line);
    }
    /* The rows after the header are data, handed out first. */
    r->queue_pos = cand;
    convp_record_clear(&r->held);
    return CONV_OK;
}

/* A row read ahead while looking for the header, as csv_read_row() would
 * have read it with the width known: 1 to hand out, 0 to skip (a blank
 * line in a table of several columns), -1 on error. */
static int csv_queued_row(struct csv_reader *r, size_t i)
{
    struct conv_record *q = &r->queue[i];
    if (r->t.width != 1 && q->n == 1 && q->slots[0].value.type == CONV_NULL)
        return 0;
    if (q->n > r->t.width) {
        const struct convp_slot *x = &q->slots[r->t.width];
        convp_csvr_fail(&r->t, CONV_E_STRUCTURE, x->line, x->column, 0, "row has %zu field%s, expected %zu",
                 q->n, q->n == 1 ? "" : "s", r->t.width);
        return -1;
    }
    if (q->n < r->t.width) {
        const struct csv_end *e = &r->queue_end[i];
        if (!r->t.pad) {
            convp_csvr_fail(&r->t, CONV_E_STRUCTURE, e->line, e->col, e->off,
                     "row has %zu field%s, expected %zu", q->n, q->n == 1 ? "" : "s", r->t.width);
            return -1;
        }
        while (q->n < r->t.width)
            if (convp_record_add(q, (uint32_t)q->n, CONV_NULL, 0, "", 0, e->line,
                                 (uint32_t)(e->col > UINT32_MAX ? UINT32_MAX : e->col)) != CONV_OK) {
                convp_csvr_nomem(&r->t);
                return -1;
            }
    }
    return 1;
}

/* The delimiter: the option's, or guessed from the first lines; told in
 * the reader's facts.  CONV_OK or CONV_ERR. */
static int csv_delim(struct conv_reader *rd, unsigned char *delim)
{
    const char *d = convp_opt_str(rd->opts, "delimiter",
                                  rd->fmt == &convp_format_tsv ? "tab" : "auto");
    if (convp_csv_parse_delim(d, 1, delim) != 0) {
        convp_error_set(&rd->err, CONV_E_USAGE, NULL, 0, 0,
                        "option delimiter: expected auto, tab or one ASCII character "
                        "other than a quote or line end, got '%s'",
                        d);
        return CONV_ERR;
    }
    if (*delim == 0) {
        size_t n;
        const unsigned char *peek = convp_input_peek(rd->in, &n);
        *delim = csv_detect_delim(peek, n);
    }
    char dname[8] = {(char)*delim, 0};
    if (convp_reader_set_info(rd, "delimiter", *delim == '\t' ? "tab" : dname) != 0)
        return CONV_ERR;
    return CONV_OK;
}

static const struct convp_reader_ops csv_book_reader_ops;

/* Parse the options, pick the delimiter, and read the first row: it fixes
 * the columns, so rd->fields is complete before the first record.  Read
 * as a table or cells (--layout), the spreadsheet layer reads instead,
 * over the driver at the end of this file. */
static int csv_open(struct conv_reader *rd)
{
    static const char *const ragged_words[] = {"error", "pad", NULL};
    static const char *const dup_words[] = {"error", "rename", NULL};
    /* --layout: table and cells are read by the spreadsheet layer; a
     * writer's layouts (people, plain, report) leave this reading rows. */
    const char *layout = convp_opt_str(rd->opts, "layout", "records");
    if (!strcmp(layout, "table") || !strcmp(layout, "cells")) {
        rd->ops = &csv_book_reader_ops;
        rd->typed = 1;
        return rd->ops->open(rd);
    }
    struct csv_reader *r = convp_calloc(rd->ctx, 1, sizeof *r);
    if (!r) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = r;
    r->rd = rd;
    r->t.rd = rd;
    convp_buf_init(&r->t.tmp, rd->ctx);
    convp_record_init(&r->held, rd->ctx, rd->fields);

    int no_header;
    unsigned char delim;
    long header_row;
    if (convp_opt_flag(rd->opts, "no-header", 0, &rd->err, &no_header) != CONV_OK ||
        convp_opt_long(rd->opts, "header-row", 0, 1, 1000000000L, &rd->err, &header_row) !=
            CONV_OK ||
        convp_opt_enum(rd->opts, "ragged", ragged_words, 0, &rd->err, &r->t.pad) != CONV_OK ||
        convp_opt_enum(rd->opts, "duplicate-names", dup_words, 0, &rd->err, &r->rename) !=
            CONV_OK)
        return CONV_ERR;
    r->header = !no_header;
    if (no_header && header_row) {
        convp_error_set(&rd->err, CONV_E_USAGE, NULL, 0, 0,
                        "--header-row and --no-header do not go together");
        return CONV_ERR;
    }
    if (csv_delim(rd, &delim) != CONV_OK || convp_csvr_init(&r->t, rd, delim) != CONV_OK)
        return CONV_ERR;

    /* The first row fixes the columns: names from a header, or numbers. */
    if (r->header)
        return csv_find_header(r, header_row);
    int rc = convp_csvr_row(&r->t, &r->held);
    if (rc == CONV_ERR)
        return CONV_ERR;
    rd->fields_fixed = 1;
    if (rc == CONV_EOF)
        return CONV_OK;
    r->t.width = r->held.n;
    r->has_held = 1;
    return csv_number_fields(r, r->t.width);
}

/* The next row; without a header the first one was read by open(). */
static int csv_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct csv_reader *r = rd->drv;
    if (r->has_held) {
        r->has_held = 0;
        int rc = convp_record_copy(rec, &r->held);
        convp_record_fini(&r->held);
        convp_record_init(&r->held, rd->ctx, rd->fields);
        if (rc != CONV_OK)
            return convp_csvr_nomem(&r->t);
        return CONV_OK;
    }
    if (r->t.failed)
        return CONV_ERR;
    while (r->queue_pos < r->queue_n) {
        struct conv_record *q = &r->queue[r->queue_pos];
        int k = csv_queued_row(r, r->queue_pos++);
        if (k < 0)
            return CONV_ERR;
        if (k == 0)
            continue;
        int rc = convp_record_copy(rec, q);
        rec->line = q->line;
        if (rc != CONV_OK)
            return convp_csvr_nomem(&r->t);
        return CONV_OK;
    }
    if (r->has_deferred) {
        r->has_deferred = 0;
        r->t.failed = 1;
        r->rd->err = r->deferred;
        return CONV_ERR;
    }
    if (r->t.width == 0)
        return CONV_EOF; /* empty input */
    return convp_csvr_row(&r->t, rec);
}

/* Free the driver state; the core owns the record and fields. */
static void csv_close(struct conv_reader *rd)
{
    struct csv_reader *r = rd->drv;
    if (!r)
        return;
    convp_record_fini(&r->held);
    for (size_t i = 0; i < r->queue_n; i++)
        convp_record_fini(&r->queue[i]);
    convp_free(rd->ctx, r->queue);
    convp_free(rd->ctx, r->queue_end);
    convp_csvr_fini(&r->t);
    convp_free(rd->ctx, r);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_csv_reader_ops = {
    .open = csv_open,
    .next = csv_next,
    .close = csv_close,
};

/* ---- as a book: --layout table or cells ------------------------------------------------------ */

/* The spreadsheet layer reads a CSV as a book of one sheet, named after
 * the file, whose rows are the CSV's rows by line number (a blank line is
 * an empty row) and whose cells are text (CONVP_CELL_TEXT_INPUT: a table
 * finds the numbers in it).  Rows may have any number of fields. */
struct csv_book {
    struct convp_csvr t;
    struct conv_record rec;
    int ready; /* set up: the options and buffer */
    int read;  /* a row was read: the sheet cannot start again */
};

static int csv_book_open(struct convp_book *b, void *drv)
{
    struct csv_book *cb = drv;
    struct conv_reader *rd = convp_book_reader(b);
    unsigned char delim;
    convp_record_init(&cb->rec, rd->ctx, rd->fields);
    cb->ready = 1;
    cb->t.rd = rd;
    convp_buf_init(&cb->t.tmp, rd->ctx);
    if (csv_delim(rd, &delim) != CONV_OK || convp_csvr_init(&cb->t, rd, delim) != CONV_OK)
        return CONV_ERR;
    /* The sheet's name: the file's, without folders and extension. */
    const char *name = rd->source ? rd->source : "";
    const char *slash = strrchr(name, '/');
    if (slash)
        name = slash + 1;
    size_t len = strlen(name);
    const char *dot = strrchr(name, '.');
    if (dot && dot != name)
        len = (size_t)(dot - name);
    if (len == 0 || !strcmp(name, "-"))
        name = "stdin", len = 5;
    return convp_book_add_sheet(b, name, len, CONVP_SHEET_WORK, 0);
}

static int csv_book_start(struct convp_book *b, void *drv, size_t i)
{
    struct csv_book *cb = drv;
    (void)i;
    if (cb->read) {
        struct conv_reader *rd = convp_book_reader(b);
        convp_error_set(&rd->err, CONV_E_USAGE, rd->source, 0, 0,
                        "a CSV is read once, from its start");
        return CONV_ERR;
    }
    return CONV_OK;
}

static int csv_book_read_row(struct convp_book *b, void *drv)
{
    struct csv_book *cb = drv;
    (void)b;
    cb->read = 1;
    convp_record_clear(&cb->rec);
    cb->t.width = 0; /* rows of any width */
    int rc = convp_csvr_row(&cb->t, &cb->rec);
    return rc == CONV_OK ? 1 : rc == CONV_EOF ? 0 : -1;
}

static int csv_book_values(struct convp_book *b, void *drv, struct convp_row *row)
{
    struct csv_book *cb = drv;
    const struct conv_record *rec = &cb->rec;
    if (rec->line > UINT32_MAX)
        return convp_csvr_fail(&cb->t, CONV_E_LIMIT, rec->line, 0, 0,
                               "more than %" PRIu32 " lines", UINT32_MAX);
    convp_row_clear(row, (uint32_t)rec->line);
    for (size_t i = 0; i < rec->n; i++) {
        const struct convp_slot *sl = &rec->slots[i];
        if (sl->value.type == CONV_NULL || sl->value.len == 0)
            continue;
        struct convp_cell *c = convp_row_cell(b, row, sl->field + 1);
        if (!c)
            return CONV_ERR;
        c->type = CONV_STRING;
        c->flags = CONVP_CELL_TEXT_INPUT;
        c->off = row->text.len;
        c->len = sl->value.len;
        c->text = NULL;
        if (convp_buf_append(&row->text, sl->value.text, sl->value.len) != 0 ||
            convp_buf_putc(&row->text, '\0') != 0)
            return convp_book_nomem(b);
    }
    return CONV_OK;
}

static void csv_book_close(struct convp_book *b, void *drv)
{
    struct csv_book *cb = drv;
    (void)b;
    if (!cb->ready)
        return;
    convp_record_fini(&cb->rec);
    convp_csvr_fini(&cb->t);
}

static const struct convp_book_ops csv_book = {
    .what = "CSV file",
    .max_rows = UINT32_MAX,
    .drv_size = sizeof(struct csv_book),
    .one_pass = 1,
    .open = csv_book_open,
    .start = csv_book_start,
    .read_row = csv_book_read_row,
    .values = csv_book_values,
    .close = csv_book_close,
};

static const struct convp_reader_ops csv_book_reader_ops = CONVP_BOOK_READER(&csv_book);
