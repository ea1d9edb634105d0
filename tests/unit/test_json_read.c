/*
 * JSON and JSON Lines reader tests: the case folders under
 * tests/data/json/{valid,invalid} (each read from memory and again through
 * a callback handing out 1..7 bytes at a time), then documents built here:
 * records and strings straddling chunk boundaries with every value's
 * position checked, limits, flat memory, an allocation-failure sweep,
 * probing and the format descriptors.
 */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_private.h" /* slot positions, the probes, the limits */

/* ---- helpers ------------------------------------------------------------------ */

/* Case folders: "from" is the input's extension (json or jsonl). */
static const struct tu_reader_cases json_cases = {NULL, 1};

static struct conv_options *new_options(struct conv_context *ctx, const char *from)
{
    struct conv_options *o = conv_options_new(ctx);
    assert_non_null(o);
    assert_int_equal(conv_options_set(o, "from", from), CONV_OK);
    return o;
}

/* Read a string in format from; NULL with *err on error. */
static char *dump_str(const char *doc, const char *from, struct conv_error *err)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = new_options(ctx, from);
    char *d = tu_read_dump(doc, strlen(doc), "input", o, 0, err);
    conv_options_free(o);
    conv_context_free(ctx);
    return d;
}

/* ---- documents built here, with every value's position ----------------------------- */

/* What a value should read as, and where it starts. */
struct want {
    char *name;
    enum conv_type type;
    char *text;
    size_t len;
    uint64_t line, column;
};

/* A document under construction that follows its own line and column. */
struct doc {
    struct tu_sbuf b;
    uint64_t line, col;
    struct want *w; /* expected values, all records in order */
    size_t nw, capw;
    size_t *rec_first; /* per record: first want, and its line */
    uint64_t *rec_line;
    size_t nrec, caprec;
};

static void d_add(struct doc *d, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            d->line++;
            d->col = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            d->col++;
        }
    }
    tu_sb_add(&d->b, s, n);
}

static void d_put(struct doc *d, const char *s)
{
    d_add(d, s, strlen(s));
}

static void d_begin_record(struct doc *d)
{
    if (d->nrec == d->caprec) {
        d->caprec = d->caprec ? d->caprec * 2 : 256;
        d->rec_first = realloc(d->rec_first, d->caprec * sizeof *d->rec_first);
        d->rec_line = realloc(d->rec_line, d->caprec * sizeof *d->rec_line);
    }
    d->rec_first[d->nrec] = d->nw;
    d->rec_line[d->nrec] = d->line;
    d->nrec++;
    d_put(d, "{");
}

/* Expect a value named name starting here; its source text follows. */
static void d_want(struct doc *d, const char *name, enum conv_type type, const char *text,
                   size_t len)
{
    if (d->nw == d->capw) {
        d->capw = d->capw ? d->capw * 2 : 1024;
        d->w = realloc(d->w, d->capw * sizeof *d->w);
    }
    struct want *w = &d->w[d->nw++];
    w->name = strdup(name);
    w->type = type;
    w->text = malloc(len + 1);
    memcpy(w->text, text, len);
    w->text[len] = '\0';
    w->len = len;
    w->line = d->line;
    w->column = d->col;
}

/* A member "name": <source> whose value reads as (type, text). */
static void d_member(struct doc *d, int first, const char *name, const char *source,
                     enum conv_type type, const char *text, size_t len)
{
    if (!first)
        d_put(d, (d->nw % 5) == 0 ? ",\n  " : ", ");
    d_put(d, "\"");
    d_put(d, name);
    d_put(d, "\": ");
    d_want(d, name, type, text, len);
    d_put(d, source);
}

static void d_free(struct doc *d)
{
    for (size_t i = 0; i < d->nw; i++) {
        free(d->w[i].name);
        free(d->w[i].text);
    }
    free(d->w);
    free(d->rec_first);
    free(d->rec_line);
    free(d->b.p);
}

/*
 * Record r of the big document: escapes, Vietnamese text, exact numbers,
 * nested values, and now and then a string longer than a read chunk.
 */
static void big_record(struct doc *d, unsigned r)
{
    static const char *const raw[] = {"Th\\u00e1i Nguy\\u00ean", "S\\u00f4ng C\\u00f4ng",
                                      "m\\u1ed9t \\\"tr\\u0103m\\\"", "\\ud83d\\ude00 vui",
                                      "d\\u00f2ng\\nm\\u1edbi\\t\\\\"};
    static const char *const dec[] = {"Thái Nguyên", "Sông Công", "một \"trăm\"", "😀 vui",
                                      "dòng\nmới\t\\"};
    unsigned h = r * 2654435761u;
    char num[64], txt[64];
    struct tu_sbuf big = {0};

    d_begin_record(d);
    snprintf(num, sizeof num, "%u", r);
    d_member(d, 1, "ma", num, CONV_INTEGER, num, strlen(num));
    unsigned k = h % 5;
    snprintf(txt, sizeof txt, "\"%s\"", raw[k]);
    d_member(d, 0, "ten", txt, CONV_STRING, dec[k], strlen(dec[k]));
    snprintf(num, sizeof num, "%u.%u", h % 100000, r % 10);
    d_member(d, 0, "gia_tri", num, CONV_DECIMAL, num, strlen(num));
    if (h % 3 == 0)
        d_member(d, 0, "co", (h & 8) ? "true" : "false", CONV_BOOLEAN,
                 (h & 8) ? "true" : "false", (h & 8) ? 4 : 5);
    /* "chi_tiet": {"nam": [2023, 2024], "ghi_chu": null} flattened */
    d_put(d, ", \"chi_tiet\": {\"nam\": [");
    d_want(d, "chi_tiet.nam.0", CONV_INTEGER, "2023", 4);
    d_put(d, "2023, ");
    d_want(d, "chi_tiet.nam.1", CONV_INTEGER, "2024", 4);
    d_put(d, "2024], \"ghi_chu\": ");
    d_want(d, "chi_tiet.ghi_chu", CONV_NULL, "", 0);
    d_put(d, "null}");
    if (r % 97 == 5) {
        /* Longer than a chunk: 30000 three-byte letters, an escape at the end. */
        tu_sb_str(&big, "");
        for (unsigned i = 0; i < 30000; i++)
            tu_sb_str(&big, "ộ");
        tu_sb_str(&big, "\n");
        struct tu_sbuf src = {0};
        tu_sb_str(&src, "\"");
        tu_sb_add(&src, big.p, big.n - 1);
        tu_sb_str(&src, "\\n\"");
        d_member(d, 0, "dai", src.p, CONV_STRING, big.p, big.n);
        free(src.p);
    }
    if (h % 7 == 0)
        d_member(d, 0, "rong", "{}", CONV_NULL, "", 0);
    d_put(d, "}");
    free(big.p);
}

/* The big document: > 1 MiB, records separated in varied ways. */
static void build_big(struct doc *d, int jsonl, unsigned *records)
{
    memset(d, 0, sizeof *d);
    d->line = d->col = 1;
    if (!jsonl)
        d_put(d, "[\n");
    unsigned r = 0;
    while (d->b.n < ((size_t)3 << 19)) {
        if (r && !jsonl)
            d_put(d, r % 4 == 0 ? ",\n" : r % 4 == 1 ? ", " : r % 4 == 2 ? "\r\n,\n\n" : ",");
        else if (r)
            d_put(d, r % 3 == 0 ? "\n" : r % 3 == 1 ? "\r\n" : "\n\n  \n");
        big_record(d, r++);
    }
    d_put(d, jsonl ? "\n" : "\n]\n");
    *records = r;
}

/* Check each record and each value's slot against the document's wants. */
static void check_doc(const struct doc *d, const char *from, int trickle)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = new_options(ctx, from);
    struct conv_error err = {0};
    struct tu_trickle t = {.seed = 99};
    struct conv_reader *rd =
        tu_reader_open(ctx, d->b.p, d->b.n, "input", o, trickle ? &t : NULL, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    size_t r = 0;
    while (conv_reader_next(rd, &rec) == CONV_OK) {
        assert_true(r < d->nrec);
        size_t first = d->rec_first[r];
        size_t n = (r + 1 < d->nrec ? d->rec_first[r + 1] : d->nw) - first;
        assert_int_equal(conv_record_line(rec), d->rec_line[r]);
        assert_int_equal(conv_record_index(rec), r + 1);
        assert_int_equal(conv_record_count(rec), n);
        for (size_t i = 0; i < n; i++) {
            const struct want *w = &d->w[first + i];
            const struct conv_value *v = conv_record_value(rec, i);
            assert_string_equal(conv_record_name(rec, i), w->name);
            assert_int_equal(v->type, w->type);
            assert_int_equal(v->len, w->len);
            assert_memory_equal(v->text, w->text, w->len);
            if (rec->slots[i].line != w->line || rec->slots[i].column != w->column)
                fail_msg("record %zu value %s at %llu:%u, want %llu:%llu", r + 1, w->name,
                         (unsigned long long)rec->slots[i].line, rec->slots[i].column,
                         (unsigned long long)w->line, (unsigned long long)w->column);
        }
        r++;
    }
    if (conv_reader_error(rd)->code != CONV_E_NONE)
        fail_msg("%s", tu_error_line(conv_reader_error(rd)));
    assert_int_equal(r, d->nrec);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

static void test_big_json(void **state)
{
    (void)state;
    struct doc d;
    unsigned n;
    build_big(&d, 0, &n);
    assert_true(d.b.n > ((size_t)1 << 20));
    check_doc(&d, "json", 0);
    check_doc(&d, "json", 1);
    d_free(&d);
}

static void test_big_jsonl(void **state)
{
    (void)state;
    struct doc d;
    unsigned n;
    build_big(&d, 1, &n);
    check_doc(&d, "jsonl", 0);
    check_doc(&d, "jsonl", 1);
    d_free(&d);
}

/* After the big document's records, a duplicate key: its position and the
 * record number, with every earlier record delivered first. */
static void test_big_then_error(void **state)
{
    (void)state;
    struct doc d;
    unsigned n;
    build_big(&d, 1, &n);
    d_put(&d, "{\"ma\": 1, \"tên\": \"Hà Nội\",\n \"gia_tri\": 2, ");
    uint64_t line = d.line, col = d.col;
    d_put(&d, "\"tên\": 3}\n{\"ma\": 2}\n");
    for (int trickle = 0; trickle <= 1; trickle++) {
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = new_options(ctx, "jsonl");
        struct conv_error err = {0};
        struct tu_trickle t = {.seed = 5};
        struct conv_reader *rd =
            tu_reader_open(ctx, d.b.p, d.b.n, "input", o, trickle ? &t : NULL, &err);
        assert_non_null(rd);
        const struct conv_record *rec;
        unsigned got = 0;
        while (conv_reader_next(rd, &rec) == CONV_OK)
            got++;
        assert_int_equal(got, n);
        const struct conv_error *e = conv_reader_error(rd);
        assert_int_equal(e->code, CONV_E_STRUCTURE);
        assert_int_equal(e->line, line);
        assert_int_equal(e->column, col);
        assert_int_equal(e->record, n + 1);
        assert_string_equal(e->field, "tên");
        assert_string_equal(e->message, "duplicate key 'tên'");
        conv_reader_close(rd);
        conv_options_free(o);
        conv_context_free(ctx);
    }
    d_free(&d);
}

/* Error columns count characters across chunk boundaries: a 200000-letter
 * string of two-byte letters, then a bad literal on the same line. */
static void test_error_column_after_long_string(void **state)
{
    (void)state;
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "[\n{\"a\": \"");
    const unsigned n = 200000;
    for (unsigned i = 0; i < n; i++)
        tu_sb_str(&doc, "ă");
    tu_sb_str(&doc, "\", \"b\": nulx}]");
    for (int trickle = 0; trickle <= 1; trickle++) {
        struct conv_error err = {0};
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = new_options(ctx, "json");
        assert_null(tu_read_dump(doc.p, doc.n, "input", o, trickle, &err));
        assert_int_equal(err.code, CONV_E_SYNTAX);
        assert_int_equal(err.line, 2);
        /* { " a " : SP " ă... " , SP " b " : SP n */
        assert_int_equal(err.column, 16 + n);
        assert_int_equal(err.record, 1);
        conv_options_free(o);
        conv_context_free(ctx);
    }
    free(doc.p);
}

/* Invalid UTF-8 at the end of a string that straddles many chunks. */
static void test_invalid_utf8_in_long_string(void **state)
{
    (void)state;
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "{\"k\": 1}\n{\"a\": \"");
    const unsigned n = 100000;
    for (unsigned i = 0; i < n; i++)
        tu_sb_str(&doc, i % 2 ? "ệ" : "\\u00e9");
    tu_sb_str(&doc, "x\xe1\xbb\"}\n");
    for (int trickle = 0; trickle <= 1; trickle++) {
        struct conv_error err = {0};
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = new_options(ctx, "jsonl");
        assert_null(tu_read_dump(doc.p, doc.n, "input", o, trickle, &err));
        assert_int_equal(err.code, CONV_E_ENCODING);
        assert_int_equal(err.line, 2);
        /* { " a " : SP " then n/2 six-char escapes and n/2 letters, x */
        assert_int_equal(err.column, 7 + (n / 2) * 6 + n / 2 + 1 + 1);
        assert_string_equal(err.message, "invalid UTF-8");
        conv_options_free(o);
        conv_context_free(ctx);
    }
    free(doc.p);
}

/*
 * Strict UTF-8 at every offset around the 64-byte blocks the reader checks
 * at once, each verdict and error column against convp_utf8_valid_prefix.
 */
static void test_utf8_sequences(void **state)
{
    (void)state;
    static const char *const seqs[] = {
        "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
        "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xe1\xbb\x99x",
        /* invalid */
        "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2x", "\xe0\x9f\xbf",
        "\xed\xa0\x80", "\xed\xbf\xbf", "\xe1\xbb", "\xe1x\x99", "\xf0\x8f\xbf\xbf",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8", "\xff", "\xf0\x90\x80",
        "\xc3\xa0\xc3", "\xe1\xbb\x99\x80"};
    for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
        for (unsigned pad = 0; pad < 72; pad++) {
            struct tu_sbuf content = {0}, doc = {0};
            tu_sb_str(&content, "");
            for (unsigned i = 0; i < pad; i++)
                tu_sb_str(&content, i % 5 == 4 ? "\xc3\xa0" : "x"); /* some two-byte letters */
            tu_sb_str(&content, seqs[k]);
            tu_sb_str(&content, "yz");
            tu_sb_str(&doc, "{\"a\":\"");
            tu_sb_add(&doc, content.p, content.n);
            tu_sb_str(&doc, "\"}\n{\"b\":1}\n");
            size_t ok = convp_utf8_valid_prefix((const unsigned char *)content.p, content.n);
            for (int trickle = 0; trickle <= 1; trickle++) {
                struct conv_context *ctx = conv_context_new(NULL);
                struct conv_options *o = new_options(ctx, "jsonl");
                struct conv_error err = {0};
                char *d = tu_read_dump(doc.p, doc.n, "input", o, trickle, &err);
                if (ok == content.n) {
                    if (!d)
                        fail_msg("seq %zu pad %u: %s", k, pad, tu_error_line(&err));
                    assert_true(strstr(d, content.p) != NULL);
                } else {
                    if (d)
                        fail_msg("seq %zu pad %u (trickle %d): read without error", k, pad,
                                 trickle);
                    assert_int_equal(err.code, CONV_E_ENCODING);
                    assert_int_equal(err.line, 1);
                    uint64_t col = 7 + convp_utf8_count((const unsigned char *)content.p, ok);
                    if (err.column != col)
                        fail_msg("seq %zu pad %u (trickle %d): column %llu, want %llu", k, pad,
                                 trickle, (unsigned long long)err.column,
                                 (unsigned long long)col);
                }
                free(d);
                conv_options_free(o);
                conv_context_free(ctx);
            }
            free(content.p);
            free(doc.p);
        }
    }
}

/* Many tiny records per chunk go through the queue in order. */
static void test_many_small_records(void **state)
{
    (void)state;
    struct tu_sbuf doc = {0};
    tu_sb_str(&doc, "[");
    const unsigned n = 100000;
    for (unsigned i = 0; i < n; i++) {
        char rec[48];
        snprintf(rec, sizeof rec, "{\"i\":%u}", i);
        tu_sb_str(&doc, i ? "," : "");
        tu_sb_str(&doc, i % 10 == 9 ? "{}," : "");
        tu_sb_str(&doc, rec);
    }
    tu_sb_str(&doc, "]");
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = new_options(ctx, "json");
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc.p, doc.n, "many", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    unsigned i = 0, empty = 0;
    while (conv_reader_next(rd, &rec) == CONV_OK) {
        if (conv_record_count(rec) == 0) {
            empty++;
            continue;
        }
        int64_t v;
        assert_int_equal(conv_value_int64(conv_record_value(rec, 0), &v), CONV_OK);
        assert_int_equal(v, i);
        i++;
    }
    assert_int_equal(conv_reader_error(rd)->code, CONV_E_NONE);
    assert_int_equal(i, n);
    assert_int_equal(empty, n / 10);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
    free(doc.p);
}

/* Field names in first-seen order, flattened names included. */
static void test_fields_first_seen(void **state)
{
    (void)state;
    const char *doc = "{\"b\":1,\"a\":{\"x\":[1,{}]}}\n{\"c\":2,\"b\":3}\n{\"a.x.0\":4}\n";
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = new_options(ctx, "jsonl");
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, strlen(doc), "f", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    while (conv_reader_next(rd, &rec) == CONV_OK)
        ;
    assert_int_equal(conv_reader_error(rd)->code, CONV_E_NONE);
    const struct conv_schema *s = conv_reader_schema(rd);
    const char *want[] = {"b", "a.x.0", "a.x.1", "c"};
    assert_int_equal(conv_schema_count(s), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(conv_schema_field(s, i)->name, want[i]);
        assert_int_equal(conv_schema_field(s, i)->type, CONV_ANY);
    }
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* Each value's slot: the position of the value's first character. */
static void test_slot_positions(void **state)
{
    (void)state;
    const char *doc = "[{\"tên\": \"Đà Nẵng\", \"n\":\n  12.5,\"e\" : {}, \"x\":[true ,null]}]";
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = new_options(ctx, "json");
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, strlen(doc), "p", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    assert_int_equal(rec->line, 1);
    assert_int_equal(rec->n, 5);
    static const unsigned pos[5][2] = {{1, 10}, {2, 3}, {2, 14}, {2, 23}, {2, 29}};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(rec->slots[i].line, pos[i][0]);
        assert_int_equal(rec->slots[i].column, pos[i][1]);
    }
    assert_int_equal(conv_reader_next(rd, &rec), CONV_EOF);
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* conv_record_get and int64 access on what the reader gives. */
static void test_values(void **state)
{
    (void)state;
    const char *doc = "{\"a\": 9007199254740993, \"b\": \"\", \"c\": null, \"d\": -0.0}\n";
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = new_options(ctx, "jsonl");
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_memory(ctx, doc, strlen(doc), "v", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
    int64_t v;
    assert_int_equal(conv_value_int64(conv_record_get(rec, "a"), &v), CONV_OK);
    assert_true(v == INT64_C(9007199254740993)); /* not rounded through a double */
    const struct conv_value *b = conv_record_get(rec, "b"), *c = conv_record_get(rec, "c");
    assert_int_equal(b->type, CONV_STRING);
    assert_int_equal(b->len, 0);
    assert_int_equal(c->type, CONV_NULL);
    assert_int_equal(c->len, 0);
    assert_string_equal(c->text, "");
    assert_int_equal(conv_record_get(rec, "d")->type, CONV_DECIMAL);
    assert_string_equal(conv_record_get(rec, "d")->text, "-0.0");
    assert_null(conv_record_get(rec, "z"));
    conv_reader_close(rd);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* ---- limits and memory ----------------------------------------------------------------- */

static const struct conv_error *read_gen(struct conv_context *ctx, struct tu_gen *g,
                                         const char *from, struct conv_reader **rdp,
                                         unsigned *records)
{
    struct conv_options *o = new_options(ctx, from);
    struct conv_error err = {0};
    struct conv_reader *rd = conv_reader_open_callback(ctx, tu_gen_read, g, "gen", o, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    *records = 0;
    while (conv_reader_next(rd, &rec) == CONV_OK)
        ++*records;
    *rdp = rd;
    conv_options_free(o);
    return conv_reader_error(rd);
}

/* A record longer than CONVP_MAX_RECORD_BYTES, and a string that long
 * outside any record. */
static void test_record_limit(void **state)
{
    (void)state;
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_reader *rd;
    unsigned n;
    struct tu_gen g = {"{\"a\":1}\n{\"a\":\"", "abcdefgh", CONVP_MAX_RECORD_BYTES + 16, "\"}\n", 0};
    const struct conv_error *e = read_gen(ctx, &g, "jsonl", &rd, &n);
    assert_int_equal(n, 1);
    assert_int_equal(e->code, CONV_E_LIMIT);
    assert_int_equal(e->line, 2);
    assert_int_equal(e->column, 1);
    /* It stopped soon after the limit. */
    assert_true(g.pos < CONVP_MAX_RECORD_BYTES + ((size_t)1 << 20));
    conv_reader_close(rd);

    /* yajl buffers a token whole: one outside any record is bounded too. */
    struct tu_gen g2 = {"[\"", "abcdefgh", CONVP_MAX_RECORD_BYTES + ((size_t)2 << 20), "\"]", 0};
    e = read_gen(ctx, &g2, "json", &rd, &n);
    assert_int_equal(e->code, CONV_E_LIMIT);
    assert_int_equal(e->line, 1);
    assert_int_equal(e->column, 2);
    assert_string_equal(e->message, "value longer than 67108864 bytes");
    assert_true(g2.pos < CONVP_MAX_RECORD_BYTES + ((size_t)1 << 20));
    conv_reader_close(rd);
    conv_context_free(ctx);
}

/* More distinct names than CONVP_MAX_FIELDS: x.0 ... x.N. */
static void test_field_limit(void **state)
{
    (void)state;
    for (unsigned extra = 0; extra <= 1; extra++) {
        struct tu_sbuf doc = {0};
        tu_sb_str(&doc, "[{\"x\":[");
        for (unsigned i = 0; i < CONVP_MAX_FIELDS + extra; i++)
            tu_sb_str(&doc, i ? ",1" : "1");
        tu_sb_str(&doc, "]}]");
        struct conv_error err = {0};
        char *d = dump_str(doc.p, "json", &err);
        if (!extra) {
            assert_non_null(d); /* exactly the limit is fine */
        } else {
            assert_null(d);
            assert_int_equal(err.code, CONV_E_LIMIT);
            assert_int_equal(err.line, 1);
            /* [{"x":[ then "1," per element before the one refused */
            assert_int_equal(err.column, 8 + 2 * CONVP_MAX_FIELDS);
        }
        free(d);
        free(doc.p);
    }
}

static void test_memory_stays_flat(void **state)
{
    (void)state;
    static const char rec[] =
        ",\n{\"ma_vung\":\"165\",\"ten\":\"Th\\u00e0nh ph\\u1ed1 S\\u00f4ng C\\u00f4ng\","
        "\"chi_so\":{\"ma\":\"DS01\",\"ten\":\"Dân số trung bình\"},\"gia_tri\":13090,"
        "\"ty_le\":552.6,\"nam\":[2023,2024],\"ghi_chu\":null,\"ok\":true}";
    struct tu_counting cnt = {0};
    struct conv_allocator alloc = tu_counting_allocator(&cnt);
    struct conv_context *ctx = conv_context_new(&alloc);
    /* 400000 records, about 90 MB, through the callback. */
    struct tu_gen g = {"[{}", rec, (uint64_t)(sizeof rec - 1) * 400000, "\n]\n", 0};
    struct conv_reader *rd;
    unsigned n;
    const struct conv_error *e = read_gen(ctx, &g, "json", &rd, &n);
    assert_int_equal(e->code, CONV_E_NONE);
    assert_int_equal(n, 400001);
    conv_reader_close(rd);
    conv_context_free(ctx);
    /* Chunk, yajl, a chunk's worth of queued records: well under 2 MiB. */
    if (cnt.peak > ((size_t)2 << 20))
        fail_msg("peak memory %zu bytes", cnt.peak);
    assert_int_equal(cnt.now, 0);
}

/*
 * Fail the 1st, 2nd, ... allocation while reading a document (trickled, so
 * yajl buffers tokens that straddle reads): each run ends in a clean
 * CONV_E_NOMEM or in the full result, and frees everything.
 */
static void test_allocation_failures(void **state)
{
    (void)state;
    const char *docs[2] = {
        "[{\"a\":{\"b\":[1,\"x\\u00e9\\ud83d\\ude00\"]},\"c\":\"Thái Nguyên\",\"d\":{}},\n"
        " {\"a\":2.5,\"e\":[true,null,\"dài dài dài dài dài dài dài dài dài dài\"]}]\n",
        "{\"a\":1}\n{\"b\":{\"c\":[\"\\\"q\\\"\"]}}\n{\"a\":3,\"a\":4}\n"};
    const char *const opts[2][2] = {{"from=json", NULL}, {"from=jsonl", NULL}};
    const unsigned want[2] = {2, 2};
    for (int k = 0; k < 2; k++) {
        struct tu_outcome last;
        long at = tu_alloc_sweep(docs[k], strlen(docs[k]), "input", opts[k],
                                 k == 1 ? CONV_E_STRUCTURE : CONV_E_NOMEM, &last);
        assert_int_equal(last.records, want[k]);
        if (k == 0)
            assert_int_equal(last.rc, CONV_EOF);
        else
            assert_int_equal(last.err.code, CONV_E_STRUCTURE);
        assert_true(at > 5);
    }
}

/* ---- probing and the descriptors --------------------------------------------------------- */

static void test_probe(void **state)
{
    (void)state;
    const struct conv_format *json = conv_format_by_name("json"), *jsonl = conv_format_by_name("jsonl");
    assert_int_equal(json->probe((const unsigned char *)"[{}]", 4), 90);
    assert_int_equal(json->probe((const unsigned char *)" \r\n\t[", 5), 90);
    assert_int_equal(json->probe((const unsigned char *)"{\"a\":1}", 7), 0);
    assert_int_equal(json->probe((const unsigned char *)"", 0), 0);
    assert_int_equal(json->probe((const unsigned char *)"a,b", 3), 0);
    assert_int_equal(jsonl->probe((const unsigned char *)"\n\n{\"a\":1}", 9), 80);
    assert_int_equal(jsonl->probe((const unsigned char *)"[", 1), 0);
    assert_int_equal(jsonl->probe((const unsigned char *)"   ", 3), 0);
    /* Never past n: the byte after the window would decide otherwise. */
    assert_int_equal(json->probe((const unsigned char *)"  [", 2), 0);
    assert_int_equal(jsonl->probe((const unsigned char *)" {", 1), 0);
    /* Through the registry. */
    assert_ptr_equal(conv_format_probe("\n[{\"a\":1}]", 10), json);
    assert_ptr_equal(conv_format_probe("{\"a\":1}\n", 8), jsonl);
}

static void test_descriptors(void **state)
{
    (void)state;
    const struct conv_format *f = conv_format_by_name("json");
    assert_ptr_equal(f, conv_format_by_name("json"));
    assert_string_equal(conv_format_name(f), "json");
    assert_string_equal(conv_format_extensions(f)[0], "json");
    assert_null(conv_format_extensions(f)[1]);
    assert_true(f->flags & CONV_FORMAT_TYPED);
    assert_false(f->flags & CONV_FORMAT_NEEDS_HEADER);
    assert_true(conv_format_can_read(f) && conv_format_can_write(f));
    assert_string_equal(conv_format_option(f, 0)->name, "reject-nested");
    assert_null(conv_format_option(f, 0)->arg);
    assert_null(conv_format_option(f, 1));

    f = conv_format_by_name("jsonl");
    assert_ptr_equal(f, conv_format_by_name("jsonl"));
    const char *const *ext = conv_format_extensions(f);
    assert_string_equal(ext[0], "jsonl");
    assert_string_equal(ext[1], "ndjson");
    assert_null(ext[2]);
    assert_true(f->flags & CONV_FORMAT_TYPED);
    assert_true(conv_format_can_read(f) && conv_format_can_write(f));
    assert_string_equal(conv_format_option(f, 0)->name, "reject-nested");
    assert_ptr_equal(conv_format_by_path("data/x.ndjson"), f);
    assert_ptr_equal(conv_format_by_path("x.json"), conv_format_by_name("json"));
}

int main(void)
{
    struct tu_cases cases = {0};
    tu_cases_add(&cases, "tests/data/json/valid", tu_reader_case_valid, &json_cases);
    tu_cases_add(&cases, "tests/data/json/invalid", tu_reader_case_invalid, &json_cases);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_json),
        cmocka_unit_test(test_big_jsonl),
        cmocka_unit_test(test_big_then_error),
        cmocka_unit_test(test_error_column_after_long_string),
        cmocka_unit_test(test_invalid_utf8_in_long_string),
        cmocka_unit_test(test_utf8_sequences),
        cmocka_unit_test(test_many_small_records),
        cmocka_unit_test(test_fields_first_seen),
        cmocka_unit_test(test_slot_positions),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_memory_stays_flat),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_descriptors),
    };
    int failed = tu_cases_run(&cases, "json cases");
    failed += cmocka_run_group_tests_name("json reader", tests, NULL, NULL);
    return failed ? 1 : 0;
}
