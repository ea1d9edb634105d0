/*
 * Records: a list of (field, value) slots whose text lives in the record's
 * own arena.  A reader reuses one record for every call; clones own a copy
 * of their field names so they outlive the reader.
 */
#include "conv_private.h"

void convp_record_init(struct conv_record *rec, struct conv_context *ctx,
                       const struct conv_schema *schema)
{
    memset(rec, 0, sizeof *rec);
    rec->ctx = ctx;
    rec->schema = schema;
    convp_arena_init(&rec->arena, ctx);
}

void convp_record_clear(struct conv_record *rec)
{
    rec->n = 0;
    rec->wide = 0;
    convp_arena_reset(&rec->arena);
}

void convp_record_fini(struct conv_record *rec)
{
    convp_free(rec->ctx, rec->slots);
    convp_arena_free(&rec->arena);
    conv_schema_free(rec->own_schema);
    rec->slots = NULL;
    rec->n = rec->cap = 0;
    rec->own_schema = NULL;
}

static struct convp_slot *slot_push(struct conv_record *rec)
{
    if (CONVP_UNLIKELY(rec->n == rec->cap)) {
        size_t cap = rec->cap ? rec->cap * 2 : 16;
        struct convp_slot *p = convp_realloc(rec->ctx, rec->slots, cap * sizeof *p);
        if (!p)
            return NULL;
        rec->slots = p;
        rec->cap = cap;
    }
    return &rec->slots[rec->n++];
}

struct convp_slot *convp_record_push(struct conv_record *rec)
{
    /* The driver sets the text: the typing stage looks at every value. */
    rec->wide = 1;
    return slot_push(rec);
}

int convp_record_add(struct conv_record *rec, uint32_t field, enum conv_type type,
                     unsigned flags, const char *text, size_t len, uint64_t line,
                     uint32_t column)
{
    struct convp_slot *s = slot_push(rec);
    char *copy = (char *)"";
    if (len) {
        /* The copy fills whole 16-byte blocks plus one, zeroed past the
         * text, for the quick NFC look while it is in the cache. */
        size_t blocks = (len + 16) / 16;
        copy = convp_arena_alloc(&rec->arena, blocks * 16 + 16);
        if (copy) {
            memset(copy + (blocks - 1) * 16, 0, 32);
            memcpy(copy, text, len);
            rec->wide |= convp_nfc_suspect((const unsigned char *)copy, blocks);
        }
    }
    if (!s || !copy) {
        if (s)
            rec->n--;
        return CONV_ERR;
    }
    s->field = field;
    s->column = column;
    s->line = line;
    s->value.type = type;
    s->value.flags = flags;
    s->value.len = len;
    s->value.text = copy;
    return CONV_OK;
}

int convp_record_copy(struct conv_record *dst, const struct conv_record *src)
{
    convp_record_clear(dst);
    for (size_t i = 0; i < src->n; i++) {
        const struct convp_slot *s = &src->slots[i];
        if (convp_record_add(dst, s->field, s->value.type, s->value.flags, s->value.text,
                             s->value.len, s->line, s->column) != CONV_OK)
            return CONV_ERR;
    }
    dst->index = src->index;
    dst->line = src->line;
    dst->sheet = src->sheet;
    dst->source = src->source;
    return CONV_OK;
}

size_t conv_record_count(const struct conv_record *rec)
{
    return rec ? rec->n : 0;
}

const char *conv_record_name(const struct conv_record *rec, size_t i)
{
    if (!rec || i >= rec->n)
        return NULL;
    return rec->schema->fields[rec->slots[i].field].name;
}

const struct conv_value *conv_record_value(const struct conv_record *rec, size_t i)
{
    return rec && i < rec->n ? &rec->slots[i].value : NULL;
}

const struct conv_value *conv_record_get(const struct conv_record *rec, const char *name)
{
    if (!rec)
        return NULL;
    long f = conv_schema_find(rec->schema, name);
    if (f < 0)
        return NULL;
    /* Slots usually sit at their field's position. */
    if ((size_t)f < rec->n && rec->slots[f].field == (uint32_t)f)
        return &rec->slots[f].value;
    for (size_t i = 0; i < rec->n; i++)
        if (rec->slots[i].field == (uint32_t)f)
            return &rec->slots[i].value;
    return NULL;
}

uint64_t conv_record_index(const struct conv_record *rec)
{
    return rec ? rec->index : 0;
}

uint64_t conv_record_line(const struct conv_record *rec)
{
    return rec ? rec->line : 0;
}

struct conv_record *conv_record_clone(const struct conv_record *src)
{
    if (!src)
        return NULL;
    struct conv_record *rec = convp_malloc(src->ctx, sizeof *rec);
    if (!rec)
        return NULL;
    convp_record_init(rec, src->ctx, NULL);
    rec->own_schema = convp_schema_copy(src->ctx, src->schema);
    rec->schema = rec->own_schema;
    if (!rec->own_schema || convp_record_copy(rec, src) != CONV_OK) {
        conv_record_free(rec);
        return NULL;
    }
    /* The source name belongs to the reader: keep a copy. */
    if (src->source && !(rec->source = convp_arena_strndup(&rec->arena, src->source,
                                                           strlen(src->source)))) {
        conv_record_free(rec);
        return NULL;
    }
    return rec;
}

void conv_record_free(struct conv_record *rec)
{
    if (!rec)
        return;
    struct conv_context *ctx = rec->ctx;
    convp_record_fini(rec);
    convp_free(ctx, rec);
}

void convp_error_at_slot(struct conv_error *err, enum conv_errcode code, const char *source,
                         const struct conv_record *rec, const struct convp_slot *slot,
                         const char *fmt, ...)
{
    if (!err || err->code != CONV_E_NONE)
        return;
    va_list ap;
    va_start(ap, fmt);
    convp_error_vset(err, code, source, slot ? slot->line : rec->line,
                     slot ? slot->column : 0, fmt, ap);
    va_end(ap);
    convp_error_where(err, rec->index,
                      slot && rec->schema ? rec->schema->fields[slot->field].name : NULL, 0);
}
