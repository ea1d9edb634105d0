/*
 * The writer wrapper around a format driver: picks the format, opens the
 * safe output, hands the driver its header once, maps each record's fields
 * onto the header columns, and commits the output only on finish.
 */
#include "conv_private.h"

const struct conv_format *convp_writer_format(const char *path, const struct conv_options *opts,
                                             struct conv_error *err)
{
    const char *to = conv_options_get(opts, "to");
    const struct conv_format *fmt;
    if (to) {
        fmt = conv_format_by_name(to);
        if (!fmt) {
            convp_error_set(err, CONV_E_USAGE, NULL, 0, 0, "unknown output format '%s'", to);
            return NULL;
        }
    } else {
        fmt = path && strcmp(path, "-") ? conv_format_by_path(path) : NULL;
        if (!fmt) {
            convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                            "cannot tell the output format from '%s'; use --to",
                            path ? path : "-");
            return NULL;
        }
    }
    if (!fmt->writer) {
        convp_error_set(err, CONV_E_UNSUPPORTED, NULL, 0, 0, "format '%s' cannot be written",
                        fmt->name);
        return NULL;
    }
    return fmt;
}

struct conv_writer *convp_writer_open(struct conv_context *ctx, struct convp_output *out,
                                      const char *path, const struct conv_schema *schema,
                                      const struct conv_options *opts, struct conv_error *err)
{
    const struct conv_format *fmt = convp_writer_format(path, opts, err);
    struct conv_writer *w = fmt ? convp_calloc(ctx, 1, sizeof *w) : NULL;
    if (!w) {
        if (fmt)
            convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        convp_output_close(out);
        return NULL;
    }
    w->ctx = ctx;
    w->fmt = fmt;
    w->opts = opts;
    w->out = out;
    w->header = schema;
    if (fmt->writer->open && fmt->writer->open(w) != CONV_OK) {
        if (err)
            *err = w->err;
        conv_writer_close(w);
        return NULL;
    }
    return w;
}

struct conv_writer *conv_writer_open_file(struct conv_context *ctx, const char *path,
                                          const struct conv_schema *schema,
                                          const struct conv_options *opts,
                                          struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    /* Check the format before creating anything on disk. */
    if (!convp_writer_format(path, opts, err))
        return NULL;
    struct convp_output *out = convp_output_open_file(ctx, path, err);
    return out ? convp_writer_open(ctx, out, path, schema, opts, err) : NULL;
}

struct conv_writer *conv_writer_open_memory(struct conv_context *ctx,
                                            const struct conv_schema *schema,
                                            const struct conv_options *opts,
                                            struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct convp_output *out = convp_output_open_memory(ctx, err);
    return out ? convp_writer_open(ctx, out, NULL, schema, opts, err) : NULL;
}

struct conv_writer *conv_writer_open_callback(struct conv_context *ctx, conv_write_fn fn,
                                              void *user, const struct conv_schema *schema,
                                              const struct conv_options *opts,
                                              struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct convp_output *out = convp_output_open_callback(ctx, fn, user, err);
    return out ? convp_writer_open(ctx, out, NULL, schema, opts, err) : NULL;
}

/* Fix the header (a copy, so a growing reader dictionary cannot move it)
 * and let the driver write its start. */
static int begin(struct conv_writer *w, const struct conv_schema *from)
{
    w->begun = 1;
    const struct conv_schema *src = w->header ? w->header : from;
    if (src) {
        w->own_header = convp_schema_copy(w->ctx, src);
        if (!w->own_header) {
            convp_error_set(&w->err, CONV_E_NOMEM, convp_output_name(w->out), 0, 0,
                            "out of memory");
            return CONV_ERR;
        }
        w->header_serial = src->serial;
    } else {
        w->own_header = conv_schema_new(w->ctx);
        if (!w->own_header) {
            convp_error_set(&w->err, CONV_E_NOMEM, convp_output_name(w->out), 0, 0,
                            "out of memory");
            return CONV_ERR;
        }
    }
    w->header = w->own_header;
    w->row = convp_calloc(w->ctx, w->header->n ? w->header->n : 1, sizeof *w->row);
    if (!w->row) {
        convp_error_set(&w->err, CONV_E_NOMEM, convp_output_name(w->out), 0, 0,
                        "out of memory");
        return CONV_ERR;
    }
    return w->fmt->writer->begin ? w->fmt->writer->begin(w, w->header) : CONV_OK;
}

const struct conv_value *const *convp_writer_row(struct conv_writer *w,
                                                 const struct conv_record *rec)
{
    const struct conv_schema *rs = rec->schema;
    size_t ncol = w->header->n;
    if (rs->serial != w->map_serial || rs->n != w->map_n) {
        long *map = convp_realloc(w->ctx, w->map, (rs->n ? rs->n : 1) * sizeof *map);
        if (!map) {
            convp_error_set(&w->err, CONV_E_NOMEM, convp_output_name(w->out), 0, 0,
                            "out of memory");
            return NULL;
        }
        w->map = map;
        int same = rs->serial == w->header_serial;
        for (size_t i = 0; i < rs->n; i++)
            map[i] = same && i < ncol ? (long)i : conv_schema_find(w->header, rs->fields[i].name);
        w->map_serial = rs->serial;
        w->map_n = rs->n;
    }
    memset(w->row, 0, ncol * sizeof *w->row);
    for (size_t i = 0; i < rec->n; i++) {
        const struct convp_slot *s = &rec->slots[i];
        long col = w->map[s->field];
        if (col < 0) {
            convp_error_at_slot(&w->err, CONV_E_STRUCTURE, rec->source, rec, s,
                                "field '%s' is not in the output header",
                                rs->fields[s->field].name);
            return NULL;
        }
        w->row[col] = &s->value;
    }
    return w->row;
}

int conv_writer_put(struct conv_writer *w, const struct conv_record *rec)
{
    if (w->failed || w->finished) {
        convp_error_set(&w->err, CONV_E_USAGE, convp_output_name(w->out), 0, 0,
                        w->finished ? "writer already finished" : "writer failed earlier");
        return CONV_ERR;
    }
    if (!w->begun) {
        w->first_source = rec->source; /* for a default title (XML) */
        int rc = begin(w, rec->schema);
        w->first_source = NULL;
        if (rc != CONV_OK)
            goto fail;
    }
    if (w->fmt->writer->put(w, rec) != CONV_OK)
        goto fail;
    w->count++;
    return CONV_OK;
fail:
    w->failed = 1;
    if (w->err.code == CONV_E_NONE)
        convp_error_set(&w->err, CONV_E_IO, convp_output_name(w->out), 0, 0, "write failed");
    return CONV_ERR;
}

int conv_writer_finish(struct conv_writer *w)
{
    if (w->failed || w->finished) {
        convp_error_set(&w->err, CONV_E_USAGE, convp_output_name(w->out), 0, 0,
                        w->finished ? "writer already finished" : "writer failed earlier");
        return CONV_ERR;
    }
    if (!w->begun && begin(w, NULL) != CONV_OK)
        goto fail;
    if (w->fmt->writer->finish && w->fmt->writer->finish(w) != CONV_OK)
        goto fail;
    if (convp_output_commit(w->out, &w->err) != CONV_OK)
        goto fail;
    w->finished = 1;
    return CONV_OK;
fail:
    w->failed = 1;
    if (w->err.code == CONV_E_NONE)
        convp_error_set(&w->err, CONV_E_IO, convp_output_name(w->out), 0, 0, "write failed");
    return CONV_ERR;
}

const void *conv_writer_memory(const struct conv_writer *w, size_t *size)
{
    return convp_output_memory(w->out, size);
}

const struct conv_error *conv_writer_error(const struct conv_writer *w)
{
    return &w->err;
}

void conv_writer_close(struct conv_writer *w)
{
    if (!w)
        return;
    if (w->drv && w->fmt->writer->close)
        w->fmt->writer->close(w);
    convp_output_close(w->out);
    conv_schema_free(w->own_header);
    convp_free(w->ctx, w->map);
    convp_free(w->ctx, w->row);
    convp_free(w->ctx, w);
}
