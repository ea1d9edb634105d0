/*
 * Schemas: ordered, uniquely named fields with a type and optional labels
 * and unit, found by name through a small open-addressing index.  Readers
 * use one as their growing dictionary of field names; a schema file
 * (JSON, read with jansson: a small whole document) declares one.
 */
#include "conv_private.h"

#include <jansson.h>
#include <stdatomic.h>
#include <sys/stat.h>

static uint32_t hash_name(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

struct conv_schema *conv_schema_new(struct conv_context *ctx)
{
    struct conv_schema *s = convp_calloc(ctx, 1, sizeof *s);
    if (s) {
        s->ctx = ctx;
        s->serial = atomic_fetch_add(&ctx->serial, 1);
    }
    return s;
}

static void field_free(struct conv_context *ctx, struct conv_field *f)
{
    convp_free(ctx, (char *)f->name);
    convp_free(ctx, (char *)f->label);
    convp_free(ctx, (char *)f->label_en);
    convp_free(ctx, (char *)f->unit);
}

void conv_schema_free(struct conv_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        field_free(s->ctx, &s->fields[i]);
    convp_free(s->ctx, s->fields);
    convp_free(s->ctx, s->index);
    convp_free(s->ctx, s->pos);
    convp_free(s->ctx, s->title);
    convp_free(s->ctx, s->source);
    convp_free(s->ctx, s->created);
    convp_free(s->ctx, s);
}

static long find_exact(const struct conv_schema *s, const char *name, size_t len)
{
    if (!s || !s->index)
        return -1;
    size_t i = hash_name(name, len) & s->index_mask;
    for (;;) {
        uint32_t slot = s->index[i];
        if (!slot)
            return -1;
        const char *fname = s->fields[slot - 1].name;
        if (!strncmp(fname, name, len) && fname[len] == '\0')
            return (long)slot - 1;
        i = (i + 1) & s->index_mask;
    }
}

/* Names are kept in NFC: a name that is not is looked up as its NFC. */
long convp_schema_find_n(const struct conv_schema *s, const char *name, size_t len)
{
    if (!s || !s->index)
        return -1;
    if (CONVP_LIKELY(!convp_nfc_needed(name, len)))
        return find_exact(s, name, len);
    struct convp_buf tmp;
    const char *nfc;
    size_t nlen;
    convp_buf_init(&tmp, s->ctx);
    long r = -1;
    if (convp_nfc(&tmp, name, len, &nfc, &nlen) == 0)
        r = nfc ? find_exact(s, nfc, nlen) : find_exact(s, name, len);
    convp_buf_free(&tmp);
    return r;
}

/* A copy of name in NFC, allocated from the schema's context. */
static char *nfc_dup(struct conv_schema *s, const char *name, size_t len)
{
    if (CONVP_LIKELY(!convp_nfc_needed(name, len)))
        return convp_strndup(s->ctx, name, len);
    struct convp_buf tmp;
    const char *nfc;
    size_t nlen;
    char *r = NULL;
    convp_buf_init(&tmp, s->ctx);
    if (convp_nfc(&tmp, name, len, &nfc, &nlen) == 0)
        r = nfc ? convp_strndup(s->ctx, nfc, nlen) : convp_strndup(s->ctx, name, len);
    convp_buf_free(&tmp);
    return r;
}

long conv_schema_find(const struct conv_schema *s, const char *name)
{
    return convp_schema_find_n(s, name, strlen(name));
}

static int rehash(struct conv_schema *s, size_t size)
{
    uint32_t *idx = convp_calloc(s->ctx, size, sizeof *idx);
    if (!idx)
        return -1;
    convp_free(s->ctx, s->index);
    s->index = idx;
    s->index_mask = size - 1;
    for (size_t f = 0; f < s->n; f++) {
        size_t i = hash_name(s->fields[f].name, strlen(s->fields[f].name)) & s->index_mask;
        while (idx[i])
            i = (i + 1) & s->index_mask;
        idx[i] = (uint32_t)f + 1;
    }
    return 0;
}

/* Append a field whose strings are already owned; index it. */
static long push_field(struct conv_schema *s, struct conv_field *f)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct conv_field *p = convp_realloc(s->ctx, s->fields, cap * sizeof *p);
        if (!p)
            return -1;
        s->fields = p;
        s->cap = cap;
    }
    s->fields[s->n++] = *f;
    size_t want = 32;
    while (want < s->n * 2)
        want *= 2;
    if (!s->index || s->index_mask + 1 < want) {
        if (rehash(s, want) != 0) {
            s->n--;
            return -1;
        }
    } else {
        size_t i = hash_name(f->name, strlen(f->name)) & s->index_mask;
        while (s->index[i])
            i = (i + 1) & s->index_mask;
        s->index[i] = (uint32_t)s->n;
    }
    return (long)s->n - 1;
}

long convp_schema_add_name(struct conv_schema *s, const char *name, size_t len)
{
    struct conv_field f = {0};
    f.type = CONV_ANY;
    f.name = nfc_dup(s, name, len);
    if (!f.name)
        return -1;
    long i = push_field(s, &f);
    if (i < 0)
        field_free(s->ctx, &f);
    return i;
}

int conv_schema_add(struct conv_schema *s, const struct conv_field *src)
{
    if (!src->name || !src->name[0] || conv_schema_find(s, src->name) >= 0)
        return CONV_ERR;
    struct conv_field f = *src;
    f.name = nfc_dup(s, src->name, strlen(src->name));
    f.label = convp_strdup(s->ctx, src->label);
    f.label_en = convp_strdup(s->ctx, src->label_en);
    f.unit = convp_strdup(s->ctx, src->unit);
    if (!f.name || (src->label && !f.label) || (src->label_en && !f.label_en) ||
        (src->unit && !f.unit) || push_field(s, &f) < 0) {
        field_free(s->ctx, &f);
        return CONV_ERR;
    }
    return CONV_OK;
}

int convp_schema_set_pos(struct conv_schema *s, size_t i, uint64_t line, uint32_t column)
{
    if (i >= s->n)
        return -1;
    /* Sized to the field capacity, so it grows with the fields. */
    if (!s->pos || s->pos_cap < s->cap) {
        struct convp_field_pos *p = convp_realloc(s->ctx, s->pos, s->cap * sizeof *p);
        if (!p)
            return -1;
        memset(p + s->pos_cap, 0, (s->cap - s->pos_cap) * sizeof *p);
        s->pos = p;
        s->pos_cap = s->cap;
    }
    s->pos[i].line = line;
    s->pos[i].column = column;
    return 0;
}

size_t conv_schema_count(const struct conv_schema *s)
{
    return s ? s->n : 0;
}

const struct conv_field *conv_schema_field(const struct conv_schema *s, size_t i)
{
    return s && i < s->n ? &s->fields[i] : NULL;
}

const char *conv_schema_title(const struct conv_schema *s)
{
    return s ? s->title : NULL;
}

struct conv_schema *convp_schema_copy(struct conv_context *ctx, const struct conv_schema *src)
{
    struct conv_schema *s = conv_schema_new(ctx);
    if (!s)
        return NULL;
    for (size_t i = 0; i < src->n; i++)
        if (conv_schema_add(s, &src->fields[i]) != CONV_OK) {
            conv_schema_free(s);
            return NULL;
        }
    if ((src->title && !(s->title = convp_strdup(ctx, src->title))) ||
        (src->source && !(s->source = convp_strdup(ctx, src->source))) ||
        (src->created && !(s->created = convp_strdup(ctx, src->created)))) {
        conv_schema_free(s);
        return NULL;
    }
    s->fixed = src->fixed;
    return s;
}

/* ---- schema files ------------------------------------------------------- */

static const char *opt_string(json_t *obj, const char *key, int *bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

struct conv_schema *conv_schema_load(struct conv_context *ctx, const char *path,
                                     struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        convp_error_set(err, CONV_E_IO, path, 0, 0, "cannot read schema: not a regular file");
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        int missing = jerr.line < 1;
        convp_error_set(err, missing ? CONV_E_IO : CONV_E_SCHEMA, path,
                        jerr.line > 0 ? (uint64_t)jerr.line : 0,
                        jerr.column > 0 ? (uint64_t)jerr.column : 0, "%s", jerr.text);
        return NULL;
    }
    struct conv_schema *s = conv_schema_new(ctx);
    if (!s) {
        json_decref(root);
        convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    s->fixed = 1;
    json_t *fields = json_is_object(root) ? json_object_get(root, "fields") : NULL;
    if (!json_is_array(fields) || json_array_size(fields) == 0) {
        convp_error_set(err, CONV_E_SCHEMA, path, 0, 0,
                        "a schema is an object with a non-empty \"fields\" array");
        goto fail;
    }
    int bad = 0;
    const char *title = opt_string(root, "title", &bad);
    if (title && !(s->title = convp_strdup(ctx, title)))
        goto nomem;
    size_t i;
    json_t *jf;
    json_array_foreach(fields, i, jf)
    {
        struct conv_field f = {0};
        f.type = CONV_ANY;
        if (!json_is_object(jf) || !(f.name = opt_string(jf, "name", &bad)) || !f.name[0]) {
            convp_error_set(err, CONV_E_SCHEMA, path, 0, 0,
                            "field %zu: needs a non-empty \"name\"", i + 1);
            goto fail;
        }
        const char *type = opt_string(jf, "type", &bad);
        if (type && (conv_type_parse(type, &f.type) != 0 || f.type == CONV_NULL)) {
            convp_error_set(err, CONV_E_SCHEMA, path, 0, 0, "field '%s': unknown type '%s'",
                            f.name, type);
            goto fail;
        }
        json_t *label = json_object_get(jf, "label");
        if (json_is_object(label)) {
            f.label = opt_string(label, "vi", &bad);
            f.label_en = opt_string(label, "en", &bad);
        } else {
            f.label = opt_string(jf, "label", &bad);
            f.label_en = opt_string(jf, "label_en", &bad);
        }
        f.unit = opt_string(jf, "unit", &bad);
        json_t *req = json_object_get(jf, "required");
        if (req && !json_is_boolean(req))
            bad = 1;
        f.required = json_is_true(req);
        if (bad) {
            convp_error_set(err, CONV_E_SCHEMA, path, 0, 0,
                            "field '%s': labels, unit must be strings, required a boolean",
                            f.name);
            goto fail;
        }
        if (conv_schema_find(s, f.name) >= 0) {
            convp_error_set(err, CONV_E_SCHEMA, path, 0, 0, "duplicate field '%s'", f.name);
            goto fail;
        }
        if (conv_schema_add(s, &f) != CONV_OK)
            goto nomem;
    }
    json_decref(root);
    return s;
nomem:
    convp_error_set(err, CONV_E_NOMEM, path, 0, 0, "out of memory");
fail:
    json_decref(root);
    conv_schema_free(s);
    return NULL;
}
