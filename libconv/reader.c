/*
 * The reader wrapper around a format driver: opens the input, picks the
 * format, then types every value.  A declared schema gives hard types (a
 * value that does not fit is an error); otherwise the types of untyped
 * (CSV) columns are inferred from the first records, held back meanwhile,
 * and a later value that does not fit stays a string (its text is kept).
 * Here too every string value is brought to NFC, and the notation of text
 * input (C or Vietnamese: --locale) is decided from the held-back records
 * and applied when values are typed.
 */
#include "conv_private.h"

#include <inttypes.h>
#include <stdio.h>
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

#define CANON_MAX 256 /* longest text tried as a Vietnamese-style value */

/* The types a text could be read as in the notation in force. */
static unsigned text_mask_loc(const struct conv_reader *rd, const char *s, size_t n)
{
    if (rd->loc != 2)
        return text_mask(s, n);
    unsigned m = text_mask(s, n) & ~(unsigned)(M_INT | M_DEC);
    char buf[CANON_MAX + 16];
    size_t len;
    switch (n <= CANON_MAX ? convp_vi_canon(s, n, buf, &len) : CONV_STRING) {
    case CONV_INTEGER: return m | M_INT | M_DEC;
    case CONV_DECIMAL: return m | M_DEC;
    case CONV_BOOLEAN: return m | M_BOOL;
    case CONV_DATE: return m | M_DATE;
    case CONV_DATETIME: return m | M_DT;
    default: return m;
    }
}

/*
 * convp_value_coerce() in the notation in force: under vi a text value
 * given a number, boolean or date type is first read the Vietnamese way
 * and rewritten to canonical text in the record's arena; numbers are then
 * only read that way.  0, -1 as convp_value_coerce(), -2 out of memory.
 */
static int coerce(struct conv_reader *rd, struct conv_record *rec, struct conv_value *v,
                  enum conv_type t, int hard)
{
    if (rd->loc == 2 && v->type == CONV_STRING && t != CONV_STRING && t != CONV_ANY &&
        t != CONV_NULL) {
        char buf[CANON_MAX + 16];
        size_t len = 0;
        enum conv_type ct =
            v->len <= CANON_MAX ? convp_vi_canon(v->text, v->len, buf, &len) : CONV_STRING;
        if (ct == t || (t == CONV_DECIMAL && ct == CONV_INTEGER)) {
            if (len != v->len || memcmp(buf, v->text, len) != 0) {
                char *copy = convp_arena_strndup(&rec->arena, buf, len);
                if (!copy)
                    return -2;
                v->text = copy;
                v->len = len;
            }
            v->type = t;
            v->flags &= ~CONV_VALUE_RAW;
            return 0;
        }
        if (t == CONV_INTEGER || t == CONV_DECIMAL) {
            if (hard)
                return -1;
            v->flags &= ~CONV_VALUE_RAW;
            return 0; /* stays a string */
        }
    }
    return convp_value_coerce(v, t, hard);
}

/* Every string value in NFC, rewritten in the record's arena if need be. */
static int nfc_record(struct conv_reader *rd, struct conv_record *rec)
{
    /* A record whose text has nothing from U+0300 on but precomposed
     * letters of U+1E00..U+1EFF needs nothing (convp_record_add() looked). */
    if (CONVP_LIKELY(!rec->wide))
        return CONV_OK;
    for (size_t i = 0; i < rec->n; i++) {
        struct conv_value *v = &rec->slots[i].value;
        if (v->type != CONV_STRING || CONVP_LIKELY(!convp_nfc_needed(v->text, v->len)))
            continue;
        const char *out;
        size_t len;
        if (convp_nfc(&rd->scratch, v->text, v->len, &out, &len) != 0)
            goto nomem;
        if (!out)
            continue;
        char *copy = convp_arena_strndup(&rec->arena, out, len);
        if (!copy)
            goto nomem;
        v->text = copy;
        v->len = len;
    }
    return CONV_OK;
nomem:
    convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
    return CONV_ERR;
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

/*
 * The declared field a column name stands for: the field of that name,
 * else the one whose Vietnamese or English label equals it, compared in
 * NFC without case (a CSV exported from a workbook has the labels as its
 * header).  -1 when none, -2 out of memory.
 */
static long map_declared(struct conv_reader *rd, const char *name)
{
    long d = conv_schema_find(rd->declared, name);
    if (d >= 0)
        return d;
    const struct conv_schema *ds = rd->declared;
    struct convp_buf a, b;
    convp_buf_init(&a, rd->ctx);
    convp_buf_init(&b, rd->ctx);
    const char *fa, *fb;
    size_t la, lb;
    if (convp_casefold(&a, name, strlen(name), &fa, &la) != 0) {
        d = -2;
        goto out;
    }
    for (size_t i = 0; fa && i < ds->n && d < 0; i++) {
        const char *labels[2] = {ds->fields[i].label, ds->fields[i].label_en};
        for (int k = 0; k < 2 && d < 0; k++) {
            if (!labels[k])
                continue;
            if (convp_casefold(&b, labels[k], strlen(labels[k]), &fb, &lb) != 0) {
                d = -2;
                goto out;
            }
            if (fb && la == lb && !memcmp(fa, fb, la))
                d = (long)i;
        }
    }
out:
    convp_buf_free(&a);
    convp_buf_free(&b);
    return d;
}

/* Map the driver's field indexes to the declared schema's. */
static long declared_index(struct conv_reader *rd, uint32_t field)
{
    if (field >= rd->declared_map_n) {
        size_t n = rd->fields->n;
        long *map = convp_realloc(rd->ctx, rd->declared_map, n * sizeof *map);
        if (!map)
            return -2;
        rd->declared_map = map;
        for (size_t i = rd->declared_map_n; i < n; i++) {
            map[i] = map_declared(rd, rd->fields->fields[i].name);
            if (map[i] == -2)
                return -2;
            rd->declared_map_n = i + 1;
        }
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
        int rc = coerce(rd, rec, &s->value, t, 1);
        if (rc == -2) {
            convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
            return CONV_ERR;
        }
        if (rc != 0)
            return type_error(rd, rec, s, t);
        s->field = (uint32_t)d;
        if (s->value.type != CONV_NULL)
            rd->declared_seen[d] = rec->index;
    }
    rec->schema = rd->declared;
    /* Required fields: present and not null. */
    for (size_t d = 0; d < rd->declared->n; d++) {
        if (!decl[d].required || rd->declared_seen[d] == rec->index || rd->required_later)
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

static int apply_inferred(struct conv_reader *rd, struct conv_record *rec)
{
    const struct conv_field *fields = rd->fields->fields;
    if (rd->loc != 2) {
        for (size_t i = 0; i < rec->n; i++) {
            struct convp_slot *s = &rec->slots[i];
            if (s->value.flags & CONV_VALUE_RAW)
                convp_value_coerce(&s->value, fields[s->field].type, 0);
        }
        return CONV_OK;
    }
    for (size_t i = 0; i < rec->n; i++) {
        struct convp_slot *s = &rec->slots[i];
        if ((s->value.flags & CONV_VALUE_RAW) &&
            coerce(rd, rec, &s->value, fields[s->field].type, 0) == -2) {
            convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
            return CONV_ERR;
        }
    }
    return CONV_OK;
}

/* Type a record read by the driver (held back or not). */
static int type_record(struct conv_reader *rd, struct conv_record *rec)
{
    if (rd->declared)
        return apply_declared(rd, rec);
    if (!rd->typed)
        return apply_inferred(rd, rec);
    return CONV_OK;
}

/* ---- missing-value marks (--null) ------------------------------------------------------- */

#define NULL_MARKS_MAX 64

/*
 * Parse --null: marks separated by commas, '\' making the next character
 * (a comma, a backslash) part of a mark; an empty item is the empty text.
 * Each mark is kept in NFC, as the values it is compared with are.
 */
static int null_parse(struct conv_reader *rd, const char *v, struct conv_error *err)
{
    size_t n = strlen(v);
    struct convp_buf raw;
    convp_buf_init(&raw, rd->ctx);
    /* Unescaped, each item NUL-terminated: at most as long as v, plus one. */
    if (convp_buf_grow(&raw, n + 2) != 0)
        goto nomem;
    size_t count = 0;
    for (size_t i = 0;; i++) {
        if (i == n || v[i] == ',') {
            raw.data[raw.len++] = '\0';
            if (++count > NULL_MARKS_MAX) {
                convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                                "option null: more than %d marks", NULL_MARKS_MAX);
                goto fail;
            }
            if (i == n)
                break;
            continue;
        }
        if (v[i] == '\\') {
            if (++i == n) {
                convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                                "option null: '%.60s' ends with a lone '\\' (write '\\\\' "
                                "for a backslash, '\\,' for a comma)",
                                v);
                goto fail;
            }
        }
        raw.data[raw.len++] = v[i];
    }
    /* Each mark in NFC, into rd->null_text. */
    struct convp_buf out;
    convp_buf_init(&out, rd->ctx);
    for (size_t off = 0; off < raw.len;) {
        const char *m = raw.data + off;
        size_t len = strlen(m);
        off += len + 1;
        const char *use = m;
        size_t ulen = len;
        if (convp_nfc_needed(m, len)) {
            const char *nfc;
            size_t nlen;
            if (convp_nfc(&rd->scratch, m, len, &nfc, &nlen) != 0) {
                convp_buf_free(&out);
                goto nomem;
            }
            if (nfc)
                use = nfc, ulen = nlen;
        }
        if (convp_buf_append(&out, use, ulen) != 0 || convp_buf_putc(&out, '\0') != 0) {
            convp_buf_free(&out);
            goto nomem;
        }
        if (!ulen) {
            rd->null_empty = 1;
        } else {
            unsigned char c = (unsigned char)use[0];
            rd->null_first[c >> 3] |= (unsigned char)(1u << (c & 7));
            if (ulen > rd->null_max)
                rd->null_max = ulen;
        }
        rd->null_n++;
    }
    convp_buf_free(&raw);
    rd->null_text = out.data; /* taken from the buffer */
    return CONV_OK;
nomem:
    convp_error_set(err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
fail:
    convp_buf_free(&raw);
    return CONV_ERR;
}

/* Whether a text is one of the --null marks. */
static int null_mark(const struct conv_reader *rd, const char *t, size_t len)
{
    if (len == 0)
        return rd->null_empty;
    unsigned char c = (unsigned char)t[0];
    if (len > rd->null_max || !(rd->null_first[c >> 3] & (1u << (c & 7))))
        return 0;
    const char *m = rd->null_text;
    for (size_t i = 0; i < rd->null_n; i++) {
        size_t ml = strlen(m);
        if (ml == len && !memcmp(m, t, len))
            return 1;
        m += ml + 1;
    }
    return 0;
}

/* Text values (untyped, or strings) that are --null marks become null. */
static void null_record(const struct conv_reader *rd, struct conv_record *rec)
{
    for (size_t i = 0; i < rec->n; i++) {
        struct conv_value *v = &rec->slots[i].value;
        if ((v->type == CONV_STRING || (v->flags & CONV_VALUE_RAW)) && v->type != CONV_NULL &&
            null_mark(rd, v->text, v->len)) {
            v->type = CONV_NULL;
            v->flags &= ~CONV_VALUE_RAW;
            v->text = "";
            v->len = 0;
        }
    }
}

static int driver_next(struct conv_reader *rd, struct conv_record *rec)
{
    convp_record_clear(rec);
    rec->schema = rd->fields;
    int rc = rd->ops->next(rd, rec);
    if (rc == CONV_OK) {
        rec->index = ++rd->count;
        rec->source = rd->source;
        if (nfc_record(rd, rec) != CONV_OK)
            return CONV_ERR;
        if (CONVP_UNLIKELY(rd->null_n))
            null_record(rd, rec);
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

/* ---- the notation of text input ------------------------------------------------ */

/* The first value seen of one kind. */
struct loc_hit {
    uint64_t line;
    uint32_t column;
    char text[48];
};

struct loc_scan {
    struct loc_hit c, vi, ambig;
    int vi_comma; /* the vi hit is a decimal comma */
};

static void hit_set(struct loc_hit *h, const struct conv_record *rec, const struct convp_slot *s)
{
    if (h->line)
        return;
    h->line = s->line ? s->line : rec->line;
    h->column = s->column;
    size_t n = s->value.len < sizeof h->text - 1 ? s->value.len : sizeof h->text - 1;
    while (n > 0 && n < s->value.len && ((unsigned char)s->value.text[n] & 0xC0) == 0x80)
        n--; /* cut on a character boundary */
    memcpy(h->text, s->value.text, n);
    h->text[n] = '\0';
}

/* Does this slot's value count for the notation?  With a schema, only the
 * values of fields that are not strings. */
static int loc_relevant(struct conv_reader *rd, const struct convp_slot *s)
{
    if (!(s->value.flags & CONV_VALUE_RAW) || s->value.type == CONV_NULL)
        return 0;
    if (!rd->declared)
        return 1;
    long d = declared_index(rd, s->field);
    return d < 0 || rd->declared->fields[d].type != CONV_STRING;
}

/* Look at a record's values; 0, or -2 out of memory. */
static int loc_scan_record(struct conv_reader *rd, struct conv_record *rec, struct loc_scan *sc)
{
    for (size_t i = 0; i < rec->n; i++) {
        const struct convp_slot *s = &rec->slots[i];
        if (rd->declared && declared_index(rd, s->field) == -2)
            return -2;
        if (!loc_relevant(rd, s))
            continue;
        switch (convp_loc_classify(s->value.text, s->value.len)) {
        case CONVP_LOC_C:
            hit_set(&sc->c, rec, s);
            break;
        case CONVP_LOC_VI:
            if (!sc->vi.line)
                sc->vi_comma = 0;
            hit_set(&sc->vi, rec, s);
            break;
        case CONVP_LOC_VI_COMMA:
            if (rd->comma_signal) {
                if (!sc->vi.line)
                    sc->vi_comma = 1;
                hit_set(&sc->vi, rec, s);
            } else if (!rd->loc_weak) {
                rd->loc_weak = s->line ? s->line : rec->line;
            }
            break;
        case CONVP_LOC_VI_WEAK:
            if (!rd->loc_weak)
                rd->loc_weak = s->line ? s->line : rec->line;
            break;
        case CONVP_LOC_AMBIG:
            hit_set(&sc->ambig, rec, s);
            break;
        default:
            break;
        }
    }
    return 0;
}

static int set_locale_info(struct conv_reader *rd, const char *signal)
{
    if (convp_reader_set_info(rd, "locale", rd->loc == 2 ? "vi" : "c") != 0 ||
        convp_reader_set_info(rd, "locale-signal", signal) != 0)
        return CONV_ERR;
    return CONV_OK;
}

/* Decide from what was seen; CONV_OK (maybe still undecided) or CONV_ERR. */
static int loc_decide(struct conv_reader *rd, const struct loc_scan *sc)
{
    char sig[160];
    if (sc->c.line && sc->vi.line) {
        const struct loc_hit *late = sc->c.line > sc->vi.line ? &sc->c : &sc->vi;
        convp_error_set(&rd->err, CONV_E_TYPE, rd->source, late->line, late->column,
                        "'%s' (line %" PRIu64 ") is C notation but '%s' (line %" PRIu64
                        ") is Vietnamese: use --locale vi or --locale c",
                        sc->c.text, sc->c.line, sc->vi.text, sc->vi.line);
        return CONV_ERR;
    }
    if (sc->vi.line) {
        if (rd->loc_weak && rd->loc_weak < sc->vi.line && rd->inferred) {
            convp_error_set(&rd->err, CONV_E_TYPE, rd->source, sc->vi.line, sc->vi.column,
                            "'%s' is Vietnamese notation, but values before it (from line %" PRIu64
                            ") were read as C: use --locale vi",
                            sc->vi.text, rd->loc_weak);
            return CONV_ERR;
        }
        rd->loc = 2;
        if (sc->vi_comma) {
            const char *d = conv_reader_info(rd, "delimiter");
            snprintf(sig, sizeof sig, "'%s' delimiter with decimal commas (line %" PRIu64 ")",
                     d ? d : "?", sc->vi.line);
        } else {
            snprintf(sig, sizeof sig, "'%s' (line %" PRIu64 ")", sc->vi.text, sc->vi.line);
        }
        return set_locale_info(rd, sig);
    }
    if (sc->c.line) {
        rd->loc = 1;
        snprintf(sig, sizeof sig, "'%s' (line %" PRIu64 ")", sc->c.text, sc->c.line);
        return set_locale_info(rd, sig);
    }
    if (sc->ambig.line) {
        char vi[CANON_MAX + 16];
        size_t len = 0;
        convp_vi_canon(sc->ambig.text, strlen(sc->ambig.text), vi, &len);
        convp_error_set(&rd->err, CONV_E_TYPE, rd->source, sc->ambig.line, sc->ambig.column,
                        "'%s' is %.*s in Vietnamese notation but %s in C notation, and no other "
                        "value tells which: use --locale vi or --locale c",
                        sc->ambig.text, (int)len, vi, sc->ambig.text);
        return CONV_ERR;
    }
    return CONV_OK;
}

/* A record read while no value has told the notation yet. */
static int loc_stream(struct conv_reader *rd, struct conv_record *rec)
{
    struct loc_scan sc;
    memset(&sc, 0, sizeof sc);
    if (loc_scan_record(rd, rec, &sc) != 0) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    if (loc_decide(rd, &sc) != CONV_OK)
        return CONV_ERR;
    if (rd->loc)
        rd->loc_detect = 0;
    return CONV_OK;
}

/*
 * Hold back the first records: the notation of a text input is decided
 * over them, and without a schema the column types are inferred from them.
 */
static int hold_back(struct conv_reader *rd)
{
    size_t cap = 0, bytes = 0;
    unsigned *mask = NULL;
    uint64_t *seen = NULL;
    size_t nf = 0;
    int rc = CONV_OK;
    int infer = !rd->declared && !rd->typed && rd->infer_rows > 0;
    size_t want = rd->infer_rows > 0 ? (size_t)rd->infer_rows : INFER_DEFAULT;
    struct loc_scan sc;
    memset(&sc, 0, sizeof sc);
    while (rd->pending_n < want && bytes < INFER_MAX_BYTES) {
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
        for (size_t i = 0; i < keep->n; i++)
            bytes += keep->slots[i].value.len + sizeof keep->slots[i];
        if (rd->loc_detect && loc_scan_record(rd, keep, &sc) != 0)
            goto nomem;
    }
    if (rc == CONV_ERR)
        return CONV_ERR;
    if (rd->loc_detect) {
        if (loc_decide(rd, &sc) != CONV_OK)
            return CONV_ERR;
        if (rd->loc)
            rd->loc_detect = 0;
        else if (set_locale_info(rd, "none seen") != CONV_OK)
            return CONV_ERR;
    }
    if (infer) {
        /* Masks in the notation now in force. */
        nf = rd->fields->n;
        mask = convp_calloc(rd->ctx, nf ? nf : 1, sizeof *mask);
        seen = convp_calloc(rd->ctx, nf ? nf : 1, sizeof *seen);
        if (!mask || !seen)
            goto nomem;
        for (size_t i = 0; i < nf; i++)
            mask[i] = M_ALL;
        for (size_t r = 0; r < rd->pending_n; r++) {
            const struct conv_record *keep = &rd->pending[r];
            for (size_t i = 0; i < keep->n; i++) {
                const struct convp_slot *s = &keep->slots[i];
                if (s->value.type == CONV_NULL)
                    continue;
                if (s->value.flags & CONV_VALUE_RAW) {
                    mask[s->field] &= text_mask_loc(rd, s->value.text, s->value.len);
                    seen[s->field]++;
                } else if (s->value.type == CONV_STRING) {
                    mask[s->field] = 0; /* an explicit string ("" in CSV) */
                    seen[s->field]++;
                }
            }
        }
        for (size_t i = 0; i < nf; i++)
            rd->fields->fields[i].type = seen[i] ? mask_type(mask[i]) : CONV_ANY;
    }
    rd->inferred = 1;
    convp_free(rd->ctx, mask);
    convp_free(rd->ctx, seen);
    if (rc == CONV_EOF)
        rd->done = 1;
    return CONV_OK;
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
        /* Hold records back to decide the notation, or to infer types. */
        if (!rd->loc_detect && (rd->declared || rd->typed || rd->infer_rows == 0))
            rd->inferred = 1;
        else if (hold_back(rd) != CONV_OK) {
            drop_pending(rd);
            return CONV_ERR;
        }
    }
    if (rd->pending_pos < rd->pending_n) {
        struct conv_record *rec = &rd->pending[rd->pending_pos++];
        if (type_record(rd, rec) != CONV_OK)
            return CONV_ERR;
        *out = rec;
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
    if (CONVP_UNLIKELY(rd->loc_detect) && loc_stream(rd, rec) != CONV_OK)
        return CONV_ERR;
    if (type_record(rd, rec) != CONV_OK)
        return CONV_ERR;
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
        size_t n;
        const unsigned char *peek = convp_input_peek(rd->in, &n);
        if (!fmt) {
            fmt = conv_format_probe(peek, n);
        } else {
            /* A dialect sure of its content (an SDMX message named .xml)
             * wins over what the extension says. */
            for (size_t i = 0; i < conv_format_count(); i++) {
                const struct conv_format *d = conv_format_at(i);
                if ((d->flags & CONVP_FMT_DIALECT) && d != fmt && d->probe && d->reader &&
                    d->probe(peek, n) >= 100) {
                    fmt = d;
                    break;
                }
            }
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
    convp_buf_init(&rd->scratch, ctx);
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
    const char *marks = conv_options_get(opts, "null");
    if (marks && null_parse(rd, marks, err) != CONV_OK)
        goto fail;
    static const char *const locale_words[] = {"auto", "c", "vi", NULL};
    if (convp_opt_enum(opts, "locale", locale_words, 0, err, &rd->locale) != CONV_OK)
        goto fail;
    /* --encoding decodes a text input as it streams; a workbook's text
     * cells are the book's to decode (a zip or compound file is no text):
     * not when the format is known to be one, and the input layer leaves
     * such a container alone when the format is yet to be probed.  VNI
     * has no stream converter: workbooks only. */
    const char *encoding = conv_options_get(opts, "encoding");
    const char *from = conv_options_get(opts, "from");
    const struct conv_format *early = from                     ? conv_format_by_name(from)
                                      : path && strcmp(path, "-") ? conv_format_by_path(path)
                                                                 : NULL;
    int cells_only = encoding && !strcasecmp(encoding, "vni");
    if (encoding && !cells_only && !(early && (early->flags & CONVP_FMT_CELL_TEXT)) &&
        convp_input_set_encoding(in, encoding, err) != CONV_OK)
        goto fail;
    if (opts && opts->progress)
        convp_input_set_cancel(in, opts->progress, opts->progress_user);
    if (convp_input_start(in, err) != CONV_OK)
        goto fail;
    if (!(rd->fmt = pick_format(rd, path, err)))
        goto fail;
    int text_fmt = (rd->fmt->flags & CONVP_FMT_NOTATION) != 0;
    if (encoding && cells_only && (rd->fmt->flags & CONVP_FMT_TEXT)) {
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                        "--encoding %s applies to workbooks (their text cells), not to %s input: "
                        "there is no converter for VNI text",
                        encoding, rd->fmt->name);
        goto fail;
    }
    if (encoding && !(rd->fmt->flags & (CONVP_FMT_TEXT | CONVP_FMT_CELL_TEXT))) {
        char names[200] = "";
        size_t k = 0, n = 0;
        for (size_t i = 0; i < conv_format_count(); i++)
            if ((conv_format_at(i)->flags & CONVP_FMT_TEXT) && conv_format_at(i)->reader)
                n++;
        for (size_t i = 0, j = 0; i < conv_format_count() && k < sizeof names; i++) {
            const struct conv_format *f = conv_format_at(i);
            if (!(f->flags & CONVP_FMT_TEXT) || !f->reader)
                continue;
            j++;
            int w = snprintf(names + k, sizeof names - k, "%s%s",
                             j == 1 ? "" : j == n ? " and " : ", ", f->name);
            k += w > 0 ? (size_t)w : 0;
        }
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                        "--encoding applies to %s input and to workbooks' text cells, not %s",
                        names, rd->fmt->name);
        goto fail;
    }
    rd->typed = (rd->fmt->flags & CONV_FORMAT_TYPED) != 0;
    rd->ops = rd->fmt->reader;
    if (rd->ops->open(rd) != CONV_OK) {
        if (rd->err.code == CONV_E_NONE)
            convp_error_set(&rd->err, CONV_E_SYNTAX, rd->source, 0, 0, "cannot open reader");
        if (err)
            *err = rd->err;
        goto fail;
    }
    if (rd->fmt->flags & CONVP_FMT_TEXT) {
        if (convp_reader_set_info(rd, "encoding", convp_input_encoding(in)) != 0)
            goto fail_rd;
        const char *bom = convp_input_bom(in);
        if (bom && *bom && convp_reader_set_info(rd, "bom", bom) != 0)
            goto fail_rd;
    }
    /* The notation: declared, or decided from the values of a CSV whose
     * columns are typed at all (a schema, or inference). */
    rd->loc = rd->locale;
    const char *delim = conv_reader_info(rd, "delimiter");
    rd->comma_signal = delim && strcmp(delim, ",") != 0;
    if (rd->locale == 0 && text_fmt && (rd->declared || rd->infer_rows > 0)) {
        rd->loc_detect = 1;
    } else {
        if (rd->locale == 0)
            rd->loc = 1;
        if (set_locale_info(rd, rd->locale == 2   ? "--locale vi"
                                : rd->locale == 1 ? "--locale c"
                                                  : "none seen") != CONV_OK)
            goto fail_rd;
    }
    if (rd->declared && rd->fields_fixed) {
        long *taken = convp_calloc(ctx, rd->declared->n ? rd->declared->n : 1, sizeof *taken);
        if (!taken) {
            convp_error_set(err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < rd->fields->n; i++) {
            long d = declared_index(rd, (uint32_t)i);
            const struct convp_field_pos *p = rd->fields->pos ? &rd->fields->pos[i] : NULL;
            if (d == -2) {
                convp_error_set(err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
            } else if (d < 0) {
                convp_error_set(err, CONV_E_SCHEMA, rd->source, p ? p->line : 1,
                                p ? p->column : 0, "column '%s' is not in the schema",
                                rd->fields->fields[i].name);
            } else if (taken[d]) {
                convp_error_set(err, CONV_E_SCHEMA, rd->source, p ? p->line : 1,
                                p ? p->column : 0,
                                "column '%s' and column %ld both stand for the field '%s'",
                                rd->fields->fields[i].name, taken[d],
                                rd->declared->fields[d].name);
                d = -1;
            } else {
                taken[d] = (long)i + 1;
                continue;
            }
            convp_free(ctx, taken);
            goto fail;
        }
        convp_free(ctx, taken);
    }
    return rd;
fail_rd:
    if (err)
        *err = rd->err;
fail:
    conv_reader_close(rd);
    return NULL;
}

struct conv_reader *conv_reader_open_file(struct conv_context *ctx, const char *path,
                                          const struct conv_options *opts,
                                          struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct convp_input *in = convp_input_open_file(ctx, path, err);
    return in ? convp_reader_open(ctx, in, path, opts, err) : NULL;
}

struct conv_reader *conv_reader_open_memory(struct conv_context *ctx, const void *data,
                                            size_t size, const char *name,
                                            const struct conv_options *opts,
                                            struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    struct convp_input *in = convp_input_open_memory(ctx, data, size, name, err);
    return in ? convp_reader_open(ctx, in, NULL, opts, err) : NULL;
}

struct conv_reader *conv_reader_open_callback(struct conv_context *ctx, conv_read_fn fn,
                                              void *user, const char *name,
                                              const struct conv_options *opts,
                                              struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
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
    if (convp_options_put(rd->info, key, value) == CONV_OK)
        return 0;
nomem:
    convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
    return -1;
}

const char *conv_reader_info(const struct conv_reader *rd, const char *key)
{
    return conv_options_get(rd->info, key);
}

const char *conv_reader_info_key(const struct conv_reader *rd, size_t i)
{
    return rd ? conv_options_name(rd->info, i) : NULL;
}

void conv_reader_close(struct conv_reader *rd)
{
    if (!rd)
        return;
    conv_options_free(rd->info);
    if (rd->ops && rd->drv && rd->ops->close)
        rd->ops->close(rd);
    drop_pending(rd);
    convp_record_fini(&rd->raw);
    conv_schema_free(rd->fields);
    conv_schema_free(rd->own_declared);
    convp_free(rd->ctx, rd->declared_map);
    convp_free(rd->ctx, rd->declared_seen);
    convp_buf_free(&rd->scratch);
    convp_free(rd->ctx, rd->null_text);
    convp_input_close(rd->in);
    convp_free(rd->ctx, rd);
}
