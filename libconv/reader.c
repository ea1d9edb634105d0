/*
 * The reader wrapper around a format driver: opens the input, picks the
 * format, then types every value.  A declared schema gives hard types (a
 * value that does not fit is an error); otherwise the types of untyped
 * (CSV) columns are inferred from the first records, held back meanwhile,
 * and a later value that does not fit stays a string (its text is kept).
 */
#include "conv_private.h"

#include <strings.h>

#define INFER_DEFAULT 1000
#define INFER_MAX_BYTES ((size_t)16 << 20)
#define PROGRESS_EVERY 16384

enum {
    M_INT = 1u << CONV_INTEGER,
    M_DEC = 1u << CONV_DECIMAL,
    M_BOOL = 1u << CONV_BOOLEAN,
    M_DATE = 1u << CONV_DATE,
    M_DT = 1u << CONV_DATETIME,
    M_ALL = M_INT | M_DEC | M_BOOL | M_DATE | M_DT
};

/* The types a text could be read as. */
static unsigned text_mask(const char *s, size_t n)
{
    unsigned m = 0;
    char c = s[0];
    if ((c >= '0' && c <= '9') || c == '-') {
        if (convp_is_integer(s, n))
            m |= M_INT | M_DEC;
        else if (convp_is_decimal(s, n))
            m |= M_DEC;
        else if (n == 10 && convp_is_date(s, n))
            m |= M_DATE;
        else if (n >= 19 && convp_is_datetime(s, n))
            m |= M_DT;
    } else if ((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5))) {
        m |= M_BOOL;
    }
    return m;
}

static enum conv_type mask_type(unsigned m)
{
    if (m & M_INT)
        return CONV_INTEGER;
    if (m & M_DEC)
        return CONV_DECIMAL;
    if (m & M_BOOL)
        return CONV_BOOLEAN;
    if (m & M_DATE)
        return CONV_DATE;
    if (m & M_DT)
        return CONV_DATETIME;
    return CONV_STRING;
}

int convp_value_coerce(struct conv_value *v, enum conv_type t, int hard)
{
    if (v->type == CONV_NULL)
        return 0;
    int ok = 1;
    switch (t) {
    case CONV_ANY:
    case CONV_NULL:
        if (v->flags & CONV_VALUE_RAW)
            v->type = CONV_STRING;
        break;
    case CONV_STRING:
        v->type = CONV_STRING;
        break;
    case CONV_INTEGER:
        ok = convp_is_integer(v->text, v->len);
        break;
    case CONV_DECIMAL:
        ok = convp_is_integer(v->text, v->len) || convp_is_decimal(v->text, v->len);
        break;
    case CONV_BOOLEAN:
        /* Only a declared type rewrites TRUE/False to canonical text. */
        if (conv_text_is(CONV_BOOLEAN, v->text, v->len))
            ok = 1;
        else if (hard && v->len == 4 && !strncasecmp(v->text, "true", 4))
            v->text = "true";
        else if (hard && v->len == 5 && !strncasecmp(v->text, "false", 5))
            v->text = "false";
        else
            ok = 0;
        break;
    case CONV_DATE:
        ok = convp_is_date(v->text, v->len);
        break;
    case CONV_DATETIME:
        ok = convp_is_datetime(v->text, v->len);
        break;
    }
    if (ok) {
        if (t != CONV_ANY && t != CONV_NULL)
            v->type = t;
    } else if (hard) {
        return -1;
    } else if (v->flags & CONV_VALUE_RAW) {
        v->type = CONV_STRING;
    }
    v->flags &= ~CONV_VALUE_RAW;
    return 0;
}

static int type_error(struct conv_reader *rd, struct conv_record *rec, struct convp_slot *s,
                      enum conv_type t)
{
    const char *name = rec->schema->fields[s->field].name;
    convp_error_at_slot(&rd->err, CONV_E_TYPE, rd->source, rec, s,
                        "field '%s': '%.40s' is not a valid %s", name, s->value.text,
                        conv_type_name(t));
    return CONV_ERR;
}

/* Map the driver's field indexes to the declared schema's. */
static long declared_index(struct conv_reader *rd, uint32_t field)
{
    if (field >= rd->declared_map_n) {
        size_t n = rd->fields->n;
        long *map = convp_realloc(rd->ctx, rd->declared_map, n * sizeof *map);
        if (!map)
            return -2;
        for (size_t i = rd->declared_map_n; i < n; i++)
            map[i] = conv_schema_find(rd->declared, rd->fields->fields[i].name);
        rd->declared_map = map;
        rd->declared_map_n = n;
    }
    return rd->declared_map[field];
}

static int apply_declared(struct conv_reader *rd, struct conv_record *rec)
{
    const struct conv_field *decl = rd->declared->fields;
    for (size_t i = 0; i < rec->n; i++) {
        struct convp_slot *s = &rec->slots[i];
        long d = declared_index(rd, s->field);
        if (d == -2) {
            convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
            return CONV_ERR;
        }
        if (d < 0) {
            convp_error_at_slot(&rd->err, CONV_E_SCHEMA, rd->source, rec, s,
                                "field '%s' is not in the schema",
                                rd->fields->fields[s->field].name);
            return CONV_ERR;
        }
        enum conv_type t = decl[d].type;
        if (convp_value_coerce(&s->value, t, 1) != 0)
            return type_error(rd, rec, s, t);
        s->field = (uint32_t)d;
        if (s->value.type != CONV_NULL)
            rd->declared_seen[d] = rec->index;
    }
    rec->schema = rd->declared;
    /* Required fields: present and not null. */
    for (size_t d = 0; d < rd->declared->n; d++) {
        if (!decl[d].required || rd->declared_seen[d] == rec->index)
            continue;
        const struct convp_slot *at = NULL;
        for (size_t i = 0; i < rec->n; i++)
            if (rec->slots[i].field == d)
                at = &rec->slots[i];
        convp_error_at_slot(&rd->err, CONV_E_SCHEMA, rd->source, rec, at,
                            at ? "field '%s' is required but has no value"
                               : "field '%s' is required but missing",
                            decl[d].name);
        convp_error_where(&rd->err, rec->index, decl[d].name, 0);
        return CONV_ERR;
    }
    return CONV_OK;
}

static void apply_inferred(struct conv_reader *rd, struct conv_record *rec)
{
    const struct conv_field *fields = rd->fields->fields;
    for (size_t i = 0; i < rec->n; i++) {
        struct convp_slot *s = &rec->slots[i];
        if (s->value.flags & CONV_VALUE_RAW)
            convp_value_coerce(&s->value, fields[s->field].type, 0);
    }
}

static int driver_next(struct conv_reader *rd, struct conv_record *rec)
{
    convp_record_clear(rec);
    rec->schema = rd->fields;
    int rc = rd->fmt->reader->next(rd, rec);
    if (rc == CONV_OK) {
        rec->index = ++rd->count;
        rec->source = rd->source;
        const struct conv_options *o = rd->opts;
        if (o && o->progress && rd->count % PROGRESS_EVERY == 0 &&
            o->progress(o->progress_user, convp_input_done(rd->in), convp_input_total(rd->in),
                        rd->count) != 0) {
            convp_error_set(&rd->err, CONV_E_CANCELED, rd->source, 0, 0, "canceled");
            return CONV_ERR;
        }
    } else if (rc == CONV_ERR) {
        if (rd->err.code == CONV_E_NONE)
            convp_error_set(&rd->err, CONV_E_SYNTAX, rd->source, 0, 0, "read failed");
        convp_error_where(&rd->err, rd->count + 1, NULL, 0);
    }
    return rc;
}

/* Hold back the first records and infer column types from them. */
static int infer(struct conv_reader *rd)
{
    size_t cap = 0, bytes = 0;
    unsigned *mask = NULL;
    uint64_t *seen = NULL;
    size_t nf = 0;
    int rc = CONV_OK;
    while (rd->pending_n < (size_t)rd->infer_rows && bytes < INFER_MAX_BYTES) {
        struct conv_record *raw = &rd->raw;
        rc = driver_next(rd, raw);
        if (rc != CONV_OK)
            break;
        if (rd->pending_n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct conv_record *p = convp_realloc(rd->ctx, rd->pending, ncap * sizeof *p);
            if (!p)
                goto nomem;
            rd->pending = p;
            cap = ncap;
        }
        struct conv_record *keep = &rd->pending[rd->pending_n];
        convp_record_init(keep, rd->ctx, rd->fields);
        rd->pending_n++;
        if (convp_record_copy(keep, raw) != CONV_OK)
            goto nomem;
        if (rd->fields->n > nf) {
            unsigned *m = convp_realloc(rd->ctx, mask, rd->fields->n * sizeof *m);
            if (!m)
                goto nomem;
            mask = m;
            uint64_t *sn = convp_realloc(rd->ctx, seen, rd->fields->n * sizeof *sn);
            if (!sn)
                goto nomem;
            seen = sn;
            for (size_t i = nf; i < rd->fields->n; i++) {
                mask[i] = M_ALL;
                seen[i] = 0;
            }
            nf = rd->fields->n;
        }
        for (size_t i = 0; i < keep->n; i++) {
            const struct convp_slot *s = &keep->slots[i];
            bytes += s->value.len + sizeof *s;
            if (s->value.type == CONV_NULL)
                continue;
            if (s->value.flags & CONV_VALUE_RAW) {
                mask[s->field] &= text_mask(s->value.text, s->value.len);
                seen[s->field]++;
            } else if (s->value.type == CONV_STRING) {
                mask[s->field] = 0; /* an explicit string ("" in CSV) */
                seen[s->field]++;
            }
        }
    }
    for (size_t i = 0; i < nf; i++)
        rd->fields->fields[i].type = seen[i] ? mask_type(mask[i]) : CONV_ANY;
    for (size_t i = 0; i < rd->pending_n; i++)
        apply_inferred(rd, &rd->pending[i]);
    rd->inferred = 1;
    convp_free(rd->ctx, mask);
    convp_free(rd->ctx, seen);
    if (rc == CONV_EOF)
        rd->done = 1;
    return rc == CONV_ERR ? CONV_ERR : CONV_OK;
nomem:
    convp_free(rd->ctx, mask);
    convp_free(rd->ctx, seen);
    convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
    return CONV_ERR;
}

static void drop_pending(struct conv_reader *rd)
{
    for (size_t i = 0; i < rd->pending_n; i++)
        convp_record_fini(&rd->pending[i]);
    convp_free(rd->ctx, rd->pending);
    rd->pending = NULL;
    rd->pending_n = rd->pending_pos = 0;
}

int conv_reader_next(struct conv_reader *rd, const struct conv_record **out)
{
    *out = NULL;
    if (rd->err.code != CONV_E_NONE)
        return CONV_ERR;
    if (!rd->inferred) {
        /* A typed format or a declared schema needs no inference. */
        if (rd->declared || rd->typed || rd->infer_rows == 0)
            rd->inferred = 1;
        else if (infer(rd) != CONV_OK) {
            drop_pending(rd);
            return CONV_ERR;
        }
    }
    if (rd->pending_pos < rd->pending_n) {
        *out = &rd->pending[rd->pending_pos++];
        return CONV_OK;
    }
    if (rd->pending)
        drop_pending(rd);
    if (rd->done)
        return CONV_EOF;
    struct conv_record *rec = &rd->raw;
    int rc = driver_next(rd, rec);
    if (rc == CONV_EOF) {
        rd->done = 1;
        return CONV_EOF;
    }
    if (rc != CONV_OK)
        return CONV_ERR;
    if (rd->declared) {
        if (apply_declared(rd, rec) != CONV_OK)
            return CONV_ERR;
    } else if (!rd->typed) {
        apply_inferred(rd, rec);
    }
    *out = rec;
    return CONV_OK;
}

static const struct conv_format *pick_format(struct conv_reader *rd, const char *path,
                                             struct conv_error *err)
{
    const char *from = conv_options_get(rd->opts, "from");
    const struct conv_format *fmt;
    if (from) {
        fmt = conv_format_by_name(from);
        if (!fmt) {
            convp_error_set(err, CONV_E_USAGE, NULL, 0, 0, "unknown input format '%s'", from);
            return NULL;
        }
    } else {
        fmt = path && strcmp(path, "-") ? conv_format_by_path(path) : NULL;
        if (!fmt) {
            size_t n;
            const unsigned char *peek = convp_input_peek(rd->in, &n);
            fmt = conv_format_probe(peek, n);
        }
        if (!fmt) {
            convp_error_set(err, CONV_E_FORMAT, rd->source, 0, 0,
                            "cannot tell the input format; use --from");
            return NULL;
        }
    }
    if (!fmt->reader) {
        convp_error_set(err, CONV_E_UNSUPPORTED, rd->source, 0, 0,
                        "format '%s' cannot be read", fmt->name);
        return NULL;
    }
    return fmt;
}

struct conv_reader *convp_reader_open(struct conv_context *ctx, struct convp_input *in,
                                      const char *path, const struct conv_options *opts,
                                      struct conv_error *err)
{
    struct conv_reader *rd = convp_calloc(ctx, 1, sizeof *rd);
    if (!rd) {
        convp_input_close(in);
        convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    rd->ctx = ctx;
    rd->opts = opts;
    rd->in = in;
    rd->source = convp_input_name(in);
    rd->fields = conv_schema_new(ctx);
    convp_record_init(&rd->raw, ctx, rd->fields);
    if (!rd->fields) {
        convp_error_set(err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        goto fail;
    }
    if (convp_opt_long(opts, "infer-rows", INFER_DEFAULT, 0, 100000000, err, &rd->infer_rows) !=
        CONV_OK)
        goto fail;
    const char *schema = conv_options_get(opts, "schema");
    const char *profile = conv_options_get(opts, "profile");
    if (schema && profile) {
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0, "give --schema or --profile, not both");
        goto fail;
    }
    if (schema || profile) {
        rd->own_declared = schema ? conv_schema_load(ctx, schema, err)
                                  : conv_profile_schema(ctx, profile, err);
        if (!rd->own_declared)
            goto fail;
        rd->declared = rd->own_declared;
        rd->declared_seen = convp_calloc(ctx, rd->declared->n, sizeof *rd->declared_seen);
        if (!rd->declared_seen) {
            convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
            goto fail;
        }
    }
    if (opts && opts->progress)
        convp_input_set_cancel(in, opts->progress, opts->progress_user);
    if (convp_input_start(in, err) != CONV_OK)
        goto fail;
    if (!(rd->fmt = pick_format(rd, path, err)))
        goto fail;
    rd->typed = (rd->fmt->flags & CONVP_FMT_TYPED) != 0;
    if (rd->fmt->reader->open(rd) != CONV_OK) {
        if (rd->err.code == CONV_E_NONE)
            convp_error_set(&rd->err, CONV_E_SYNTAX, rd->source, 0, 0, "cannot open reader");
        if (err)
            *err = rd->err;
        goto fail;
    }
    if (rd->declared && rd->fields_fixed) {
        for (size_t i = 0; i < rd->fields->n; i++)
            if (conv_schema_find(rd->declared, rd->fields->fields[i].name) < 0) {
                const struct convp_field_pos *p = rd->fields->pos ? &rd->fields->pos[i] : NULL;
                convp_error_set(err, CONV_E_SCHEMA, rd->source, p ? p->line : 1,
                                p ? p->column : 0, "column '%s' is not in the schema",
                                rd->fields->fields[i].name);
                goto fail;
            }
    }
    return rd;
fail:
    conv_reader_close(rd);
    return NULL;
}

struct conv_reader *conv_reader_open_file(struct conv_context *ctx, const char *path,
                                          const struct conv_options *opts,
                                          struct conv_error *err)
{
    struct convp_input *in = convp_input_open_file(ctx, path, err);
    return in ? convp_reader_open(ctx, in, path, opts, err) : NULL;
}

struct conv_reader *conv_reader_open_memory(struct conv_context *ctx, const void *data,
                                            size_t size, const char *name,
                                            const struct conv_options *opts,
                                            struct conv_error *err)
{
    struct convp_input *in = convp_input_open_memory(ctx, data, size, name, err);
    return in ? convp_reader_open(ctx, in, NULL, opts, err) : NULL;
}

struct conv_reader *conv_reader_open_callback(struct conv_context *ctx, conv_read_fn fn,
                                              void *user, const char *name,
                                              const struct conv_options *opts,
                                              struct conv_error *err)
{
    struct convp_input *in = convp_input_open_callback(ctx, fn, user, name, err);
    return in ? convp_reader_open(ctx, in, NULL, opts, err) : NULL;
}

const struct conv_schema *conv_reader_schema(const struct conv_reader *rd)
{
    return rd->declared ? rd->declared : rd->fields;
}

const struct conv_format *conv_reader_format(const struct conv_reader *rd)
{
    return rd->fmt;
}

const struct conv_error *conv_reader_error(const struct conv_reader *rd)
{
    return &rd->err;
}

int convp_reader_set_info(struct conv_reader *rd, const char *key, const char *value)
{
    if (!rd->info && !(rd->info = conv_options_new(rd->ctx)))
        goto nomem;
    if (conv_options_set(rd->info, key, value) == CONV_OK)
        return 0;
nomem:
    convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
    return -1;
}

const char *conv_reader_info(const struct conv_reader *rd, const char *key)
{
    return conv_options_get(rd->info, key);
}

void conv_reader_close(struct conv_reader *rd)
{
    if (!rd)
        return;
    conv_options_free(rd->info);
    if (rd->fmt && rd->drv && rd->fmt->reader->close)
        rd->fmt->reader->close(rd);
    drop_pending(rd);
    convp_record_fini(&rd->raw);
    conv_schema_free(rd->fields);
    conv_schema_free(rd->own_declared);
    convp_free(rd->ctx, rd->declared_map);
    convp_free(rd->ctx, rd->declared_seen);
    convp_input_close(rd->in);
    convp_free(rd->ctx, rd);
}
