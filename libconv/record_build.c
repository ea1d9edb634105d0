/*
 * Records built by the caller: a record with its own field names, filled
 * value by value or from another record, for a writer.  conv-batch --merge
 * uses it to add the field naming each record's input.
 */
#include "conv_private.h"

struct conv_record *conv_record_new(struct conv_context *ctx)
{
    if (!ctx)
        return NULL;
    struct conv_record *rec = convp_malloc(ctx, sizeof *rec);
    if (!rec)
        return NULL;
    convp_record_init(rec, ctx, NULL);
    rec->own_schema = conv_schema_new(ctx);
    if (!rec->own_schema) {
        conv_record_free(rec);
        return NULL;
    }
    rec->schema = rec->own_schema;
    return rec;
}

void conv_record_reset(struct conv_record *rec, uint64_t index, uint64_t line)
{
    if (!rec)
        return;
    convp_record_clear(rec);
    rec->index = index;
    rec->line = line;
}

/* The record's field for a name, added when new; -1 when out of memory or
 * the record is not one of conv_record_new(). */
static long field_of(struct conv_record *rec, const char *name, size_t len)
{
    if (!rec->own_schema || rec->schema != rec->own_schema)
        return -1;
    long f = convp_schema_find_n(rec->own_schema, name, len);
    return f >= 0 ? f : convp_schema_add_name(rec->own_schema, name, len);
}

int conv_record_add(struct conv_record *rec, const char *name, const struct conv_value *value,
                       uint64_t line, uint64_t column)
{
    if (!rec || !name || !*name || !value)
        return CONV_ERR;
    long f = field_of(rec, name, strlen(name));
    if (f < 0)
        return CONV_ERR;
    for (size_t i = 0; i < rec->n; i++)
        if (rec->slots[i].field == (uint32_t)f)
            return CONV_ERR; /* a name holds one value */
    const char *text = value->type == CONV_NULL ? "" : value->text ? value->text : "";
    size_t len = value->type == CONV_NULL ? 0 : value->len;
    return convp_record_add(rec, (uint32_t)f, value->type, value->flags, text, len, line,
                            column > UINT32_MAX ? UINT32_MAX : (uint32_t)column);
}

int conv_record_add_record(struct conv_record *rec, const struct conv_record *src)
{
    if (!rec || !src || rec == src)
        return CONV_ERR;
    size_t had = rec->n;
    for (size_t i = 0; i < src->n; i++) {
        const struct convp_slot *s = &src->slots[i];
        const char *name = src->schema->fields[s->field].name;
        long f = field_of(rec, name, strlen(name));
        if (f < 0)
            return CONV_ERR;
        /* The source's names are distinct: only those appended before clash. */
        for (size_t k = 0; k < had; k++)
            if (rec->slots[k].field == (uint32_t)f)
                return CONV_ERR;
        if (convp_record_add(rec, (uint32_t)f, s->value.type, s->value.flags, s->value.text,
                             s->value.len, s->line, s->column) != CONV_OK)
            return CONV_ERR;
    }
    return CONV_OK;
}
