/*
 * Many inputs as one dataset.  Each input is read twice and never held: a
 * scan learns its fields and counts its records (callers may run scans in
 * parallel, one context per thread), then the write reads the good ones
 * again in input order through one writer whose header is the union of
 * the fields, plus a field naming each record's input.  With checks, the
 * findings of the merged set are given back in the terms of the inputs.
 */
#include "conv_private.h"

#include <pthread.h>
#include <stdlib.h>

#define SOURCE_FIELD "source_file"

struct input {
    struct conv_merge_input pub;
    struct conv_schema *fields; /* what the scan found, in the merge's context */
};

struct conv_merge {
    struct conv_context *ctx;
    const struct conv_options *opts;
    struct input *inputs;
    size_t n, cap;
    pthread_mutex_t lock; /* the merge's allocations, while scans run at once */
    struct conv_error err;
    char field[64];
    uint64_t records;
    size_t *order; /* the inputs merged, in input order */
    size_t norder;
    conv_finding_fn check;
    void *check_user;
};

struct conv_merge *conv_merge_new(struct conv_context *ctx, const struct conv_options *opts,
                                  struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct conv_merge *m = convp_calloc(ctx, 1, sizeof *m);
    if (!m) {
        convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    m->ctx = ctx;
    m->opts = opts;
    snprintf(m->field, sizeof m->field, "%s", SOURCE_FIELD);
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        convp_free(ctx, m);
        convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    return m;
}

void conv_merge_free(struct conv_merge *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        struct input *in = &m->inputs[i];
        convp_free(m->ctx, (char *)in->pub.path);
        convp_free(m->ctx, (char *)in->pub.label);
        convp_free(m->ctx, (char *)in->pub.sheet);
        conv_schema_free(in->fields);
    }
    convp_free(m->ctx, m->inputs);
    convp_free(m->ctx, m->order);
    pthread_mutex_destroy(&m->lock);
    convp_free(m->ctx, m);
}

int conv_merge_add(struct conv_merge *m, const char *path, const char *label)
{
    conv_error_clear(&m->err);
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        struct input *v = convp_realloc(m->ctx, m->inputs, cap * sizeof *v);
        if (!v)
            goto nomem;
        m->inputs = v;
        m->cap = cap;
    }
    struct input *in = &m->inputs[m->n];
    memset(in, 0, sizeof *in);
    in->pub.path = convp_strdup(m->ctx, path);
    in->pub.label = convp_strdup(m->ctx, label ? label : path);
    if (!in->pub.path || !in->pub.label) {
        convp_free(m->ctx, (char *)in->pub.path);
        convp_free(m->ctx, (char *)in->pub.label);
        goto nomem;
    }
    m->n++;
    return CONV_OK;
nomem:
    convp_error_set(&m->err, CONV_E_NOMEM, path, 0, 0, "out of memory");
    return CONV_ERR;
}

size_t conv_merge_count(const struct conv_merge *m)
{
    return m->n;
}

const struct conv_merge_input *conv_merge_input(const struct conv_merge *m, size_t i)
{
    return i < m->n ? &m->inputs[i].pub : NULL;
}

const struct conv_error *conv_merge_error(const struct conv_merge *m)
{
    return &m->err;
}

const char *conv_merge_source_field(const struct conv_merge *m)
{
    return m->field;
}

uint64_t conv_merge_records(const struct conv_merge *m)
{
    return m->records;
}

/* ---- the first pass ---------------------------------------------------------------------- */

/* What a scan keeps, copied into the merge's context under its lock: the
 * context may have an allocator of its own that is not thread-safe. */
static int keep_scan(struct conv_merge *m, struct input *in, const struct conv_schema *s,
                     const char *sheet)
{
    pthread_mutex_lock(&m->lock);
    int rc = CONV_OK;
    conv_schema_free(in->fields); /* a scan again replaces the last one's */
    convp_free(m->ctx, (char *)in->pub.sheet);
    in->pub.sheet = NULL;
    in->fields = conv_schema_new(m->ctx);
    for (size_t i = 0; in->fields && i < conv_schema_count(s) && rc == CONV_OK; i++)
        rc = conv_schema_add(in->fields, conv_schema_field(s, i));
    if (in->pub.spreadsheet && sheet && rc == CONV_OK &&
        !(in->pub.sheet = convp_strdup(m->ctx, sheet)))
        rc = CONV_ERR;
    if (!in->fields || rc != CONV_OK) {
        conv_schema_free(in->fields);
        in->fields = NULL;
        rc = CONV_ERR;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int conv_merge_scan(struct conv_merge *m, size_t i, struct conv_context *ctx,
                    const struct conv_options *opts)
{
    if (i >= m->n)
        return CONV_ERR;
    struct input *in = &m->inputs[i];
    struct conv_merge_input *p = &in->pub;
    conv_error_clear(&p->error);
    p->records = 0;
    p->format = NULL;
    struct conv_reader *rd =
        conv_reader_open_file(ctx ? ctx : m->ctx, p->path, opts ? opts : m->opts, &p->error);
    int r = CONV_ERR;
    if (rd) {
        const struct conv_record *rec;
        while ((r = conv_reader_next(rd, &rec)) == CONV_OK)
            p->records++;
        if (r == CONV_ERR)
            p->error = *conv_reader_error(rd);
        p->format = conv_format_name(conv_reader_format(rd));
    } else if (conv_format_by_path(p->path)) {
        p->format = conv_format_name(conv_format_by_path(p->path));
    }
    if (r == CONV_EOF) {
        p->spreadsheet = (conv_format_caps(conv_reader_format(rd)) & CONV_FORMAT_SHEETS) != 0;
        if (keep_scan(m, in, conv_reader_schema(rd), conv_reader_info(rd, "sheet")) != CONV_OK) {
            convp_error_set(&p->error, CONV_E_NOMEM, p->path, 0, 0, "out of memory");
            r = CONV_ERR;
        }
    }
    conv_reader_close(rd);
    if (r == CONV_EOF)
        p->status = CONV_MERGE_OK;
    else
        p->status = p->error.code == CONV_E_CANCELED ? CONV_MERGE_CANCELED : CONV_MERGE_FAILED;
    return r == CONV_EOF ? CONV_OK : CONV_ERR;
}

/* ---- the second pass --------------------------------------------------------------------- */

size_t conv_merge_input_of(const struct conv_merge *m, uint64_t merged_record, uint64_t *record)
{
    size_t lo = 0, hi = m->norder;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct conv_merge_input *p = &m->inputs[m->order[mid]].pub;
        if (merged_record <= p->first) {
            hi = mid;
        } else if (merged_record > p->first + p->records) {
            lo = mid + 1;
        } else {
            if (record)
                *record = merged_record - p->first;
            return m->order[mid];
        }
    }
    return (size_t)-1;
}

/* The source field: "source_file", or with "_2", "_3"... when an input has
 * a field of that name already. */
static void source_field_name(struct conv_merge *m)
{
    for (unsigned k = 1;; k++) {
        if (k == 1)
            snprintf(m->field, sizeof m->field, "%s", SOURCE_FIELD);
        else
            snprintf(m->field, sizeof m->field, "%s_%u", SOURCE_FIELD, k);
        int taken = 0;
        for (size_t i = 0; i < m->norder && !taken; i++)
            taken = conv_schema_find(m->inputs[m->order[i]].fields, m->field) >= 0;
        if (!taken)
            return;
    }
}

/* The header of the merged set: every input's fields by name, first seen
 * first (a type kept when all inputs agree), then the source field. */
static struct conv_schema *merge_header(struct conv_merge *m)
{
    struct conv_schema *u = conv_schema_new(m->ctx), *h = conv_schema_new(m->ctx);
    enum conv_type *types = NULL;
    size_t cap = 0;
    if (!u || !h)
        goto fail;
    for (size_t i = 0; i < m->norder; i++) {
        const struct conv_schema *s = m->inputs[m->order[i]].fields;
        for (size_t k = 0; k < conv_schema_count(s); k++) {
            const struct conv_field *f = conv_schema_field(s, k);
            long at = conv_schema_find(u, f->name);
            if (at >= 0) {
                if (types[at] != f->type)
                    types[at] = CONV_ANY;
                continue;
            }
            if (conv_schema_count(u) == cap) {
                cap = cap ? 2 * cap : 64;
                enum conv_type *t = convp_realloc(m->ctx, types, cap * sizeof *t);
                if (!t)
                    goto fail;
                types = t;
            }
            struct conv_field c = *f;
            c.required = 0; /* absent from the inputs that lack it */
            if (conv_schema_add(u, &c) != CONV_OK)
                goto fail;
            types[conv_schema_count(u) - 1] = f->type;
        }
    }
    for (size_t k = 0; k < conv_schema_count(u); k++) {
        struct conv_field c = *conv_schema_field(u, k);
        c.type = types[k];
        if (conv_schema_add(h, &c) != CONV_OK)
            goto fail;
    }
    struct conv_field sf = {m->field, CONV_STRING, "Tệp nguồn", "Source file", NULL, 1};
    if (conv_schema_add(h, &sf) != CONV_OK)
        goto fail;
    convp_free(m->ctx, types);
    conv_schema_free(u);
    return h;
fail:
    convp_free(m->ctx, types);
    conv_schema_free(u);
    conv_schema_free(h);
    return NULL;
}

/* A record named in a message is a merged record number: name it in its
 * own input. */
static void name_record(void *user, uint64_t record, char *buf, size_t size)
{
    const struct conv_merge *m = user;
    uint64_t own;
    size_t i = conv_merge_input_of(m, record, &own);
    if (i == (size_t)-1)
        snprintf(buf, size, "record %llu", (unsigned long long)record);
    else
        snprintf(buf, size, "record %llu of %s", (unsigned long long)own, m->inputs[i].pub.path);
}

/* A finding of the merged set, told in the terms of its input: the input,
 * the record and its cell there, the related record's input. */
static void remap_finding(void *user, const struct conv_finding *x)
{
    struct conv_merge *m = user;
    if (!strcmp(x->rule, "unknown-field") && !strcmp(x->where.field, m->field))
        return; /* the source field is the merge's, not the inputs' */
    struct conv_finding y = *x;
    char cell[32];
    uint64_t own;
    y.merged_record = x->where.record;
    size_t i = conv_merge_input_of(m, x->where.record, &own);
    if (i != (size_t)-1) {
        const struct conv_merge_input *p = &m->inputs[i].pub;
        y.where.record = own;
        snprintf(y.where.source, sizeof y.where.source, "%s", p->path);
        if (p->spreadsheet && x->where.line) {
            char col[8] = "";
            convp_col_name((uint32_t)x->where.column, col);
            snprintf(cell, sizeof cell, "%s%llu", col, (unsigned long long)x->where.line);
            y.sheet = p->sheet;
            y.cell = cell;
        }
    }
    if (x->related_record) {
        size_t k = conv_merge_input_of(m, x->related_record, &own);
        if (k != (size_t)-1) {
            y.related_record = own;
            y.related_source = m->inputs[k].pub.path;
        }
    }
    m->check(m->check_user, &y);
}

/* The options of the second pass: the merge's, without their progress
 * callback (the merge calls it itself, in records). */
static struct conv_options *pass_options(struct conv_merge *m)
{
    struct conv_options *o = conv_options_new(m->ctx);
    for (size_t i = 0; o && i < conv_options_count(m->opts); i++)
        if (conv_options_set(o, conv_options_name(m->opts, i), conv_options_value(m->opts, i)) !=
            CONV_OK) {
            conv_options_free(o);
            return NULL;
        }
    if (o && m->opts)
        conv_options_set_diag(o, m->opts->diag, m->opts->diag_user);
    return o;
}

static int canceled(struct conv_merge *m, uint64_t done, uint64_t total)
{
    return m->opts && m->opts->progress &&
           m->opts->progress(m->opts->progress_user, done, total, done) != 0;
}

int conv_merge_write(struct conv_merge *m, const char *path, conv_finding_fn check, void *user,
                     struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    m->records = 0;
    m->norder = 0;
    m->check = check;
    m->check_user = user;
    for (size_t i = 0; i < m->n; i++)
        if (m->inputs[i].pub.status == CONV_MERGE_PENDING)
            conv_merge_scan(m, i, NULL, NULL);
    for (size_t i = 0; i < m->n; i++)
        if (m->inputs[i].pub.status == CONV_MERGE_CANCELED) {
            convp_error_set(err, CONV_E_CANCELED, path, 0, 0, "canceled");
            return CONV_ERR;
        }
    convp_free(m->ctx, m->order);
    m->order = convp_malloc(m->ctx, (m->n ? m->n : 1) * sizeof *m->order);
    if (!m->order) {
        convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        return CONV_ERR;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->inputs[i].pub.status == CONV_MERGE_OK) {
            m->inputs[i].pub.first = total;
            total += m->inputs[i].pub.records;
            m->order[m->norder++] = i;
        }
    if (m->norder == 0) {
        /* Every input failed: no dataset of nothing but a header. */
        convp_error_set(err, CONV_E_STRUCTURE, path, 0, 0,
                        "nothing to merge: no input could be read");
        return CONV_ERR;
    }
    source_field_name(m);
    struct conv_schema *h = merge_header(m);
    struct conv_record *out = conv_record_new(m->ctx);
    struct conv_options *o = pass_options(m);
    struct conv_writer *w = NULL;
    struct conv_checker *c = NULL;
    struct conv_error e;
    conv_error_clear(&e);
    int rc = CONV_ERR;
    if (!h || !out || !o) {
        convp_error_set(&e, CONV_E_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    /* A workbook counts the records of each input on its first sheet. */
    const struct conv_format *to = convp_writer_format(path, o, &e);
    if (!to)
        goto done;
    const char *layout = conv_options_get(o, "layout");
    unsigned sheets = CONV_FORMAT_WRITE | CONV_FORMAT_SHEETS;
    if ((conv_format_caps(to) & sheets) == sheets && !conv_options_get(o, "summary-by") &&
        !(layout && !strcmp(layout, "report")) &&
        conv_options_set(o, "summary-by", m->field) != CONV_OK) {
        convp_error_set(&e, CONV_E_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    w = conv_writer_open_file(m->ctx, path, h, o, &e);
    if (!w)
        goto done;
    if (check) {
        c = conv_checker_new(m->ctx, NULL, o, remap_finding, m, &e);
        if (!c)
            goto done;
        convp_checker_set_namer(c, name_record, m);
        if (conv_checker_begin(c, path, 0, NULL) != CONV_OK) {
            e = *conv_checker_error(c);
            goto done;
        }
    }
    uint64_t g = 0;
    for (size_t k = 0; k < m->norder; k++) {
        const struct conv_merge_input *p = &m->inputs[m->order[k]].pub;
        struct conv_value src = {CONV_STRING, 0, strlen(p->label), p->label};
        struct conv_reader *rd = conv_reader_open_file(m->ctx, p->path, o, &e);
        if (!rd)
            goto done;
        const struct conv_record *rec;
        uint64_t n = 0;
        int r;
        while ((r = conv_reader_next(rd, &rec)) == CONV_OK) {
            if (++n > p->records)
                break;
            conv_record_reset(out, ++g, conv_record_line(rec));
            if (conv_record_add_record(out, rec) != CONV_OK ||
                conv_record_add(out, m->field, &src, 0, 0) != CONV_OK) {
                convp_error_set(&e, CONV_E_NOMEM, path, 0, 0, "out of memory");
                break;
            }
            if (conv_writer_put(w, out) != CONV_OK) {
                e = *conv_writer_error(w);
                break;
            }
            if (c && conv_checker_put(c, out) != CONV_OK) {
                e = *conv_checker_error(c);
                break;
            }
            if ((g & 4095) == 0 && canceled(m, g, total)) {
                convp_error_set(&e, CONV_E_CANCELED, path, 0, 0, "canceled");
                break;
            }
        }
        if (r == CONV_ERR && e.code == CONV_E_NONE)
            e = *conv_reader_error(rd);
        conv_reader_close(rd);
        if (e.code == CONV_E_NONE && canceled(m, g, total))
            convp_error_set(&e, CONV_E_CANCELED, path, 0, 0, "canceled");
        if (e.code != CONV_E_NONE)
            goto done;
        if (n != p->records) {
            convp_error_set(&e, CONV_E_STRUCTURE, p->path, 0, 0,
                            "changed while merged: %llu records, first %llu",
                            (unsigned long long)n, (unsigned long long)p->records);
            goto done;
        }
    }
    if (c && conv_checker_finish(c) != CONV_OK) {
        e = *conv_checker_error(c);
        goto done;
    }
    if (canceled(m, g, total)) {
        convp_error_set(&e, CONV_E_CANCELED, path, 0, 0, "canceled");
        goto done;
    }
    if (conv_writer_finish(w) != CONV_OK) {
        e = *conv_writer_error(w);
        goto done;
    }
    m->records = g;
    rc = CONV_OK;
done:
    if (rc != CONV_OK && err)
        *err = e;
    conv_checker_free(c);
    conv_writer_close(w); /* unfinished: no output */
    conv_options_free(o);
    conv_record_free(out);
    conv_schema_free(h);
    return rc;
}
