/*
 * XML writer: the project's exchange vocabulary (docs/formats.md, "XML"),
 * streamed straight into the output buffer through reserve/advance.  The
 * document opens with the dataset metadata and the field declarations
 * (written in begin(), once the header is known), then one `record` per
 * record with one child element per value, in the record's order.
 *
 * Each field's element is worked out once: its start and end tags, with
 * the indentation, are kept ready as bytes, so writing a value is a copy
 * of the start tag, the escaped text and the end tag.  Fields a record
 * brings that the header did not declare ("late" fields, from an input
 * whose field set is open) get an entry the first time they appear.
 */
#include "xml_private.h"

#include <time.h>

#include <libxml/chvalid.h>

/* Values longer than this are escaped in pieces, so a reservation in the
 * output buffer never exceeds about 5 * SEGMENT bytes plus the tags. */
#define SEGMENT 4096
#define MAX_INDENT 16

/* How one field is written inside a record. */
struct xw_entry {
    char *bytes;         /* the lead, then the tail; owned */
    size_t lead_len;     /* indentation, '<' and the element name (or, for
                            a late field with an unusable name, `field
                            name="..."`) */
    size_t tail_len;     /* `</name>` and the line end */
    enum conv_type type; /* declared type; CONV_ANY for a late field */
};

struct xw {
    long indent;
    size_t nl_len;               /* 1 when indenting, else 0 */
    struct xw_entry *e;          /* entry i is the field names->fields[i] */
    size_t ne, cap;
    struct conv_schema *names;   /* field names, in entry order */
    struct conv_schema *elems;   /* element names in use inside records */
    struct convp_buf tmp;        /* scratch for names and tags */
    /* record schema field index -> entry, for the schema last seen */
    long *map;
    size_t map_n;
    uint64_t map_serial;
    const struct conv_schema *map_schema;
    char rec_open[MAX_INDENT + 16], rec_close[MAX_INDENT + 16], rec_empty[MAX_INDENT + 16];
    size_t rec_open_len, rec_close_len, rec_empty_len;
    char nil_tail[24], empty_tail[4];
    size_t nil_tail_len, empty_tail_len;
};

/* The attribute that marks a value whose type is not its field's. */
static const char *const type_attr[] = {
    [CONV_NULL] = "",
    [CONV_STRING] = " type=\"string\"",
    [CONV_INTEGER] = " type=\"integer\"",
    [CONV_DECIMAL] = " type=\"decimal\"",
    [CONV_BOOLEAN] = " type=\"boolean\"",
    [CONV_DATE] = " type=\"date\"",
    [CONV_DATETIME] = " type=\"datetime\"",
    [CONV_ANY] = "",
};
#define TYPE_ATTR_MAX 17 /* " type=\"datetime\"" */

static int nomem(struct conv_writer *w)
{
    convp_error_set(&w->err, CONV_E_NOMEM, convp_output_name(w->out), 0, 0, "out of memory");
    return CONV_ERR;
}

/* ---- characters ---------------------------------------------------------- */

/*
 * Bytes that need a look in element text: C0 controls (tab and LF pass,
 * CR becomes &#13;, the rest cannot be written), the markup characters,
 * and 0xEF, the lead byte of U+FFFE and U+FFFF.
 */
static const unsigned char text_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: & */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, /* 0x30: < > */
    [0xEF] = 1,
};

/* Whether any of the eight bytes in w is special. */
static inline int word_special(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t high = UINT64_C(0x8080808080808080);
    uint64_t a = w ^ (ones * '&'), l = w ^ (ones * '<'), g = w ^ (ones * '>'),
             f = w ^ (ones * 0xEF);
    return ((((w - ones * 0x20) & ~w) | ((a - ones) & ~a) | ((l - ones) & ~l) |
             ((g - ones) & ~g) | ((f - ones) & ~f)) &
            high) != 0;
}

/* The length of the prefix of s[0 .. n) with no special byte. */
static inline size_t plain_prefix(const unsigned char *s, size_t n)
{
    size_t j = 0;
    while (j + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + j, 8);
        if (word_special(w))
            break;
        j += 8;
    }
    if (j + 8 > n && n >= 8) {
        /* The last bytes, as one word overlapping what was checked. */
        uint64_t w;
        memcpy(&w, s + n - 8, 8);
        if (!word_special(w))
            return n;
    }
    while (j < n && !text_special[s[j]])
        j++;
    return j;
}

/* U+FFFE or U+FFFF at s[0 .. n) (s[0] is 0xEF). */
static inline int is_nonchar(const unsigned char *s, size_t n)
{
    return n >= 3 && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF);
}

/*
 * Escape n bytes of text into d, which has room for 5 * n bytes; returns
 * the bytes written, or SIZE_MAX with *bad set to the offset of a
 * character that XML 1.0 cannot carry.
 */
static size_t escape_text(char *d, const unsigned char *s, size_t n, size_t *bad)
{
    char *start = d;
    size_t i = 0;
    for (;;) {
        size_t j = i + plain_prefix(s + i, n - i);
        memcpy(d, s + i, j - i);
        d += j - i;
        if (j == n)
            break;
        unsigned char c = s[j];
        switch (c) {
        case '&': memcpy(d, "&amp;", 5); d += 5; break;
        case '<': memcpy(d, "&lt;", 4); d += 4; break;
        case '>': memcpy(d, "&gt;", 4); d += 4; break;
        case '\r': memcpy(d, "&#13;", 5); d += 5; break;
        case '\t':
        case '\n': *d++ = (char)c; break;
        case 0xEF:
            if (is_nonchar(s + j, n - j)) {
                *bad = j;
                return SIZE_MAX;
            }
            *d++ = (char)c;
            break;
        default:
            *bad = j;
            return SIZE_MAX;
        }
        i = j + 1;
    }
    return (size_t)(d - start);
}

/*
 * Escape n bytes for an attribute value in double quotes into d (room for
 * 6 * n bytes): also '"', and tab, LF and CR as character references so
 * that attribute normalization gives them back.  SIZE_MAX and *bad as
 * escape_text().
 */
static size_t escape_attr(char *d, const unsigned char *s, size_t n, size_t *bad)
{
    char *start = d;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        switch (c) {
        case '&': memcpy(d, "&amp;", 5); d += 5; continue;
        case '<': memcpy(d, "&lt;", 4); d += 4; continue;
        case '>': memcpy(d, "&gt;", 4); d += 4; continue;
        case '"': memcpy(d, "&quot;", 6); d += 6; continue;
        case '\t': memcpy(d, "&#9;", 4); d += 4; continue;
        case '\n': memcpy(d, "&#10;", 5); d += 5; continue;
        case '\r': memcpy(d, "&#13;", 5); d += 5; continue;
        default: break;
        }
        if (c < 0x20 || (c == 0xEF && is_nonchar(s + i, n - i))) {
            *bad = i;
            return SIZE_MAX;
        }
        *d++ = (char)c;
    }
    return (size_t)(d - start);
}

/* The code point XML cannot carry at s (a C0 control, U+FFFE, U+FFFF). */
static unsigned bad_char(const unsigned char *s)
{
    return s[0] == 0xEF ? 0xFFC0u | (s[2] & 0x3Fu) : s[0];
}

/*
 * Check that s can be written as XML text: valid UTF-8 and only
 * characters XML 1.0 has.  0, or -1 with err set, naming what.
 */
static int check_text(struct conv_error *err, enum conv_errcode code, const char *what,
                      const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    if (convp_utf8_valid_prefix(s, n) != n) {
        convp_error_set(err, code, NULL, 0, 0, "%s is not valid UTF-8", what);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') ||
            (s[i] == 0xEF && is_nonchar(s + i, n - i))) {
            convp_error_set(err, code, NULL, 0, 0,
                            "%s has U+%04X, a character XML 1.0 cannot carry", what,
                            bad_char(s + i));
            return -1;
        }
    return 0;
}

/* ---- names ----------------------------------------------------------------- */

/* Decode one character of valid UTF-8 (checked before: names go through
 * check_text() first); returns its length. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (k > n)
        k = 1; /* cannot happen in valid UTF-8; keeps the reads in bounds */
    uint32_t v = k == 1 ? c : k == 2 ? c & 0x1Fu : k == 3 ? c & 0x0Fu : c & 0x07u;
    for (size_t i = 1; i < k; i++)
        v = (v << 6) | (s[i] & 0x3Fu);
    *cp = v;
    return k;
}

/*
 * Name characters as XML 1.0 up to its fourth edition has them (Appendix
 * B: letters, digits, combining characters, extenders), which is what
 * libxml2 checks an xs:NCName against; every such name is also a name
 * under the fifth edition's wider rules, so any XML parser takes it.
 * Vietnamese letters, precomposed or not, are letters.
 */
static int name_start(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    return xmlIsBaseCharQ(c) || xmlIsIdeographicQ(c);
}

static int name_char(uint32_t c)
{
    if (c < 0x80)
        return name_start(c) || c == '-' || c == '.' || (c >= '0' && c <= '9');
    return name_start(c) || xmlIsCombiningQ(c) || xmlIsDigitQ(c) || xmlIsExtenderQ(c);
}

/*
 * Names a field cannot use as its element inside a record: anything
 * starting with "xml" (reserved by XML), "field" (the element of a late
 * field whose name is unusable) and "dataset" (declared by dataset.xsd,
 * so its lax record content would check it as a whole document).
 */
static int reserved(const char *s, size_t n)
{
    if (n >= 3 && (s[0] | 0x20) == 'x' && (s[1] | 0x20) == 'm' && (s[2] | 0x20) == 'l')
        return 1;
    return (n == 5 && !memcmp(s, CONVP_XML_FIELD, 5)) || (n == 7 && !memcmp(s, CONVP_XML_ROOT, 7));
}

/* Whether a field name (valid UTF-8) can be its own element name. */
static int usable_name(const char *name, size_t n)
{
    const unsigned char *s = (const unsigned char *)name;
    if (n == 0 || reserved(name, n))
        return 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t k = utf8_next(s + i, n - i, &c);
        if (!(i == 0 ? name_start(c) : name_char(c)))
            return 0;
        i += k;
    }
    return 1;
}

/*
 * Make up an element name for a field into b: each character that cannot
 * be in a name becomes '_', a name that cannot start with its first
 * character gets a '_' before it, and so does a reserved result.
 */
static int made_up_name(struct convp_buf *b, const char *name, size_t n)
{
    const unsigned char *s = (const unsigned char *)name;
    b->len = 0;
    int bad = 0;
    for (size_t i = 0; i < n && !bad;) {
        uint32_t c;
        size_t k = utf8_next(s + i, n - i, &c);
        if (b->len == 0 && !name_start(c)) {
            bad |= convp_buf_putc(b, '_');
            if (name_char(c))
                bad |= convp_buf_append(b, s + i, k);
        } else if (name_char(c)) {
            bad |= convp_buf_append(b, s + i, k);
        } else {
            bad |= convp_buf_putc(b, '_');
        }
        i += k;
    }
    if (!bad && reserved(b->data, b->len)) {
        bad |= convp_buf_putc(b, '_');
        if (!bad) {
            memmove(b->data + 1, b->data, b->len - 1);
            b->data[0] = '_';
        }
    }
    if (bad || !convp_buf_cstr(b))
        return -1;
    return 0;
}

/* Make b's name unique among the element names in use by adding _2, _3... */
static int uniquify(struct xw *x, struct convp_buf *b)
{
    if (convp_schema_find_n(x->elems, b->data, b->len) < 0)
        return 0;
    size_t base = b->len;
    for (unsigned long k = 2;; k++) {
        char suffix[24];
        int m = snprintf(suffix, sizeof suffix, "_%lu", k);
        b->len = base;
        if (convp_buf_append(b, suffix, (size_t)m) != 0 || !convp_buf_cstr(b))
            return -1;
        if (convp_schema_find_n(x->elems, b->data, b->len) < 0)
            return 0;
    }
}

/* ---- entries ----------------------------------------------------------------- */

static struct xw_entry *new_entry(struct conv_writer *w, struct xw *x)
{
    if (x->ne == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 16;
        struct xw_entry *e = convp_realloc(w->ctx, x->e, cap * sizeof *e);
        if (!e)
            return NULL;
        x->e = e;
        x->cap = cap;
    }
    struct xw_entry *e = &x->e[x->ne];
    memset(e, 0, sizeof *e);
    return e;
}

/*
 * Fill entry e for element elem: lead = indentation '<' elem, tail =
 * '</' close '>' and the line end.  close is elem, or "field" for the
 * escape form of a late field (elem then carries the name attribute).
 */
static int set_tags(struct conv_writer *w, struct xw *x, struct xw_entry *e, const char *elem,
                    size_t elen, const char *close, size_t clen)
{
    size_t pad = (size_t)(2 * x->indent);
    e->lead_len = pad + 1 + elen;
    e->tail_len = 3 + clen + x->nl_len;
    e->bytes = convp_malloc(w->ctx, e->lead_len + e->tail_len);
    if (!e->bytes)
        return -1;
    char *d = e->bytes;
    memset(d, ' ', pad);
    d += pad;
    *d++ = '<';
    memcpy(d, elem, elen);
    d += elen;
    *d++ = '<';
    *d++ = '/';
    memcpy(d, close, clen);
    d += clen;
    *d++ = '>';
    if (x->nl_len)
        *d++ = '\n';
    return 0;
}

/* The entry of a field that the header did not declare: its own name as
 * the element when usable and free, else `<field name="...">`. */
static long add_late(struct conv_writer *w, struct xw *x, const char *name,
                     const struct conv_record *rec, const struct convp_slot *s)
{
    size_t n = strlen(name);
    if (check_text(&w->err, CONV_E_ENCODING, "a field name", name, n) != 0) {
        struct conv_error e = w->err;
        conv_error_clear(&w->err);
        convp_error_at_slot(&w->err, e.code, rec->source, rec, s, "%s", e.message);
        return -1;
    }
    struct xw_entry *e = new_entry(w, x);
    if (!e)
        return nomem(w), -1;
    int rc;
    if (usable_name(name, n) && convp_schema_find_n(x->elems, name, n) < 0) {
        rc = convp_schema_add_name(x->elems, name, n) < 0 ||
             set_tags(w, x, e, name, n, name, n) != 0;
    } else {
        /* field name="..." with the name escaped */
        struct convp_buf *b = &x->tmp;
        b->len = 0;
        size_t bad;
        rc = convp_buf_grow(b, 6 * n + 16) != 0;
        if (!rc) {
            memcpy(b->data, CONVP_XML_FIELD " name=\"", 12);
            b->len = 12 + escape_attr(b->data + 12, (const unsigned char *)name, n, &bad);
            b->data[b->len++] = '"';
            rc = set_tags(w, x, e, b->data, b->len, CONVP_XML_FIELD, 5) != 0;
        }
    }
    if (rc || convp_schema_add_name(x->names, name, n) < 0) {
        convp_free(w->ctx, e->bytes);
        return nomem(w), -1;
    }
    e->type = CONV_ANY;
    return (long)x->ne++;
}

/* The entry for each field of rec's schema, built when the schema
 * changes and extended as it grows. */
static const long *entry_map(struct conv_writer *w, struct xw *x, const struct conv_record *rec)
{
    const struct conv_schema *rs = rec->schema;
    if (rs != x->map_schema || rs->serial != x->map_serial) {
        x->map_schema = rs;
        x->map_serial = rs->serial;
        x->map_n = 0;
    }
    if (rs->n > x->map_n || !x->map) {
        long *map = convp_realloc(w->ctx, x->map, (rs->n ? rs->n : 1) * sizeof *map);
        if (!map)
            return nomem(w), NULL;
        x->map = map;
        for (size_t i = x->map_n; i < rs->n; i++)
            map[i] = conv_schema_find(x->names, rs->fields[i].name);
        x->map_n = rs->n;
    }
    return x->map;
}

/* ---- metadata ------------------------------------------------------------------ */

static int put(struct conv_writer *w, const char *s, size_t n)
{
    return convp_output_write(w->out, s, n, &w->err);
}

static int put_s(struct conv_writer *w, const char *s)
{
    return put(w, s, strlen(s));
}

/* Text or an attribute value, escaped; checked beforehand. */
static int put_escaped(struct conv_writer *w, const char *text, size_t n, int attr)
{
    const unsigned char *s = (const unsigned char *)text;
    while (n > 0) {
        size_t k = n < SEGMENT ? n : SEGMENT;
        char *p = convp_output_reserve(w->out, 6 * k, &w->err);
        if (!p)
            return CONV_ERR;
        size_t bad, m = attr ? escape_attr(p, s, k, &bad) : escape_text(p, s, k, &bad);
        if (m == SIZE_MAX) /* checked before: cannot happen */
            return CONV_ERR;
        convp_output_advance(w->out, m);
        s += k;
        n -= k;
    }
    return CONV_OK;
}

static int put_indent(struct conv_writer *w, struct xw *x, int level)
{
    static const char spaces[] = "                                                  ";
    size_t n = (size_t)(level * x->indent);
    return put(w, spaces, n);
}

static int put_nl(struct conv_writer *w, struct xw *x)
{
    return put(w, "\n", x->nl_len);
}

/* <name>text</name> at level 2 of meta; <name/> when empty. */
static int put_meta_text(struct conv_writer *w, struct xw *x, const char *name, const char *text)
{
    size_t n = strlen(text);
    if (put_indent(w, x, 2) || put(w, "<", 1) || put_s(w, name))
        return CONV_ERR;
    if (n == 0)
        return put(w, "/>", 2) || put_nl(w, x) ? CONV_ERR : CONV_OK;
    if (put(w, ">", 1) || put_escaped(w, text, n, 0) || put(w, "</", 2) || put_s(w, name) ||
        put(w, ">", 1) || put_nl(w, x))
        return CONV_ERR;
    return CONV_OK;
}

/* ` name="value"`, escaped (checked beforehand). */
static int put_attr(struct conv_writer *w, const char *name, const char *value)
{
    if (put(w, " ", 1) || put_s(w, name) || put(w, "=\"", 2) ||
        put_escaped(w, value, strlen(value), 1) || put(w, "\"", 1))
        return CONV_ERR;
    return CONV_OK;
}

/* The input's name without its directories; NULL for none or standard input. */
static const char *input_name(const char *source)
{
    if (!source || !*source || !strcmp(source, "-"))
        return NULL;
    const char *slash = strrchr(source, '/');
    return slash && slash[1] ? slash + 1 : source;
}

/*
 * An ISO 8601 date-time that xs:dateTime takes too: convp_is_datetime()
 * without a leap second, year 0000 or a zone offset beyond 14:00.
 */
static int created_ok(const char *s)
{
    size_t n = strlen(s);
    if (!convp_is_datetime(s, n) || !memcmp(s, "0000", 4) || !memcmp(s + 17, "60", 2))
        return 0;
    if (n >= 6 && (s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':') {
        int minutes = ((s[n - 5] - '0') * 10 + (s[n - 4] - '0')) * 60 + (s[n - 2] - '0') * 10 +
                      (s[n - 1] - '0');
        if (minutes > 14 * 60)
            return 0;
    }
    return 1;
}

/* ---- driver ---------------------------------------------------------------------- */

static int xw_open(struct conv_writer *w)
{
    struct xw *x = convp_calloc(w->ctx, 1, sizeof *x);
    if (!x)
        return nomem(w);
    w->drv = x;
    convp_buf_init(&x->tmp, w->ctx);
    if (convp_opt_long(w->opts, "xml-indent", 2, 0, MAX_INDENT, &w->err, &x->indent) != CONV_OK)
        return CONV_ERR;
    /* The options are checked here, before anything is read. */
    const char *created = convp_opt_str(w->opts, "created", NULL);
    if (created && !created_ok(created)) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option created: expected an ISO 8601 date-time such as "
                        "2022-01-15T00:00:00Z, got '%.60s'",
                        created);
        return CONV_ERR;
    }
    static const char *const meta_opts[] = {"title", "source"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = convp_opt_str(w->opts, meta_opts[i], NULL);
        char what[32];
        snprintf(what, sizeof what, "option %s", meta_opts[i]);
        if (v && check_text(&w->err, CONV_E_USAGE, what, v, strlen(v)) != 0)
            return CONV_ERR;
    }
    x->names = conv_schema_new(w->ctx);
    x->elems = conv_schema_new(w->ctx);
    if (!x->names || !x->elems)
        return nomem(w);
    x->nl_len = x->indent ? 1 : 0;
    int pad = (int)x->indent;
    x->rec_open_len = (size_t)snprintf(x->rec_open, sizeof x->rec_open, "%*s<%s>%s", pad, "",
                                       CONVP_XML_RECORD, x->indent ? "\n" : "");
    x->rec_close_len = (size_t)snprintf(x->rec_close, sizeof x->rec_close, "%*s</%s>\n", pad,
                                        "", CONVP_XML_RECORD);
    x->rec_empty_len = (size_t)snprintf(x->rec_empty, sizeof x->rec_empty, "%*s<%s/>\n", pad,
                                        "", CONVP_XML_RECORD);
    x->nil_tail_len = (size_t)snprintf(x->nil_tail, sizeof x->nil_tail, " xsi:nil=\"true\"/>%s",
                                       x->indent ? "\n" : "");
    x->empty_tail_len =
        (size_t)snprintf(x->empty_tail, sizeof x->empty_tail, "/>%s", x->indent ? "\n" : "");
    return CONV_OK;
}

/* Check the header's names and labels, and give each field its element. */
static int plan_fields(struct conv_writer *w, struct xw *x, const struct conv_schema *h,
                       char **elem)
{
    for (size_t i = 0; i < h->n; i++) {
        const struct conv_field *f = &h->fields[i];
        const char *texts[] = {f->name, f->label, f->label_en, f->unit};
        static const char *const what[] = {"name", "label", "English label", "unit"};
        for (size_t k = 0; k < 4; k++) {
            char msg[64];
            snprintf(msg, sizeof msg, "the %s of field %zu", what[k], i + 1);
            if (texts[k] &&
                check_text(&w->err, CONV_E_ENCODING, msg, texts[k], strlen(texts[k])) != 0)
                return CONV_ERR;
        }
    }
    /* Names used as they are come first, so a made-up name never takes one. */
    for (size_t i = 0; i < h->n; i++) {
        const char *name = h->fields[i].name;
        size_t n = strlen(name);
        if (usable_name(name, n) && convp_schema_add_name(x->elems, name, n) < 0)
            return nomem(w);
    }
    for (size_t i = 0; i < h->n; i++) {
        const char *name = h->fields[i].name;
        size_t n = strlen(name);
        if (usable_name(name, n))
            continue;
        if (made_up_name(&x->tmp, name, n) != 0 || uniquify(x, &x->tmp) != 0 ||
            convp_schema_add_name(x->elems, x->tmp.data, x->tmp.len) < 0 ||
            !(elem[i] = convp_strndup(w->ctx, x->tmp.data, x->tmp.len)))
            return nomem(w);
    }
    for (size_t i = 0; i < h->n; i++) {
        const struct conv_field *f = &h->fields[i];
        struct xw_entry *e = new_entry(w, x);
        if (!e)
            return nomem(w);
        const char *el = elem[i] ? elem[i] : f->name;
        size_t elen = strlen(el);
        if (set_tags(w, x, e, el, elen, el, elen) != 0)
            return nomem(w);
        e->type = f->type == CONV_NULL ? CONV_ANY : f->type;
        x->ne++;
        if (convp_schema_add_name(x->names, f->name, strlen(f->name)) < 0)
            return nomem(w);
    }
    return CONV_OK;
}

static int put_meta(struct conv_writer *w, struct xw *x, const struct conv_schema *h,
                    char *const *elem)
{
    /* title, source, created: the options, the header's, the input's */
    const char *in = input_name(w->first_source);
    const char *title = convp_opt_str(w->opts, "title", NULL);
    if (!title)
        title = h->title ? h->title : in ? in : "";
    const char *source = convp_opt_str(w->opts, "source", NULL);
    if (!source)
        source = h->source ? h->source : in ? in : "";
    const char *created = convp_opt_str(w->opts, "created", NULL);
    char now[32];
    if (!created && h->created) {
        created = h->created;
        if (!created_ok(created)) {
            convp_error_set(&w->err, CONV_E_TYPE, w->first_source, 0, 0,
                            "the input's creation time '%.60s' is not an ISO 8601 date-time; "
                            "use --created",
                            created);
            return CONV_ERR;
        }
    }
    if (!created) {
        time_t t = time(NULL);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || !strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm))
            snprintf(now, sizeof now, "1970-01-01T00:00:00Z");
        created = now;
    }
    if (check_text(&w->err, CONV_E_ENCODING, "the dataset title", title, strlen(title)) ||
        check_text(&w->err, CONV_E_ENCODING, "the dataset source", source, strlen(source)))
        return CONV_ERR;

    if (put_s(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" CONVP_XML_ROOT
                 " xmlns=\"" CONVP_XML_NS "\" xmlns:xsi=\"" CONVP_XSI_NS "\">\n") ||
        put_indent(w, x, 1) || put_s(w, "<" CONVP_XML_META ">") || put_nl(w, x) ||
        put_meta_text(w, x, "title", title) ||
        (*source && put_meta_text(w, x, "source", source)) ||
        put_meta_text(w, x, "created", created) || put_indent(w, x, 2))
        return CONV_ERR;
    if (h->n == 0) {
        if (put_s(w, "<" CONVP_XML_FIELDS "/>") || put_nl(w, x))
            return CONV_ERR;
    } else {
        if (put_s(w, "<" CONVP_XML_FIELDS ">") || put_nl(w, x))
            return CONV_ERR;
        for (size_t i = 0; i < h->n; i++) {
            const struct conv_field *f = &h->fields[i];
            enum conv_type t = f->type == CONV_NULL ? CONV_ANY : f->type;
            if (put_indent(w, x, 3) || put_s(w, "<" CONVP_XML_FIELD) ||
                put_attr(w, "name", f->name) || (elem[i] && put_attr(w, "element", elem[i])) ||
                put_attr(w, "type", conv_type_name(t)) ||
                (f->label && put_attr(w, "label", f->label)) ||
                (f->label_en && put_attr(w, "label-en", f->label_en)) ||
                (f->unit && put_attr(w, "unit", f->unit)) ||
                (f->required && put_attr(w, "required", "true")) || put(w, "/>", 2) ||
                put_nl(w, x))
                return CONV_ERR;
        }
        if (put_indent(w, x, 2) || put_s(w, "</" CONVP_XML_FIELDS ">") || put_nl(w, x))
            return CONV_ERR;
    }
    if (put_indent(w, x, 1) || put_s(w, "</" CONVP_XML_META ">\n"))
        return CONV_ERR;
    return CONV_OK;
}

static int xw_begin(struct conv_writer *w, const struct conv_schema *h)
{
    struct xw *x = w->drv;
    char **elem = convp_calloc(w->ctx, h->n ? h->n : 1, sizeof *elem);
    if (!elem)
        return nomem(w);
    int rc = plan_fields(w, x, h, elem);
    if (rc == CONV_OK)
        rc = put_meta(w, x, h, elem);
    for (size_t i = 0; i < h->n; i++)
        convp_free(w->ctx, elem[i]);
    convp_free(w->ctx, elem);
    return rc;
}

/* Report a character XML cannot carry at offset at of slot s's text. */
static int bad_value(struct conv_writer *w, const struct conv_record *rec,
                     const struct convp_slot *s, size_t at)
{
    const unsigned char *t = (const unsigned char *)s->value.text;
    convp_error_at_slot(&w->err, CONV_E_ENCODING, rec->source, rec, s,
                        "record %llu, field '%.60s': U+%04X at byte %zu cannot be written in "
                        "XML 1.0",
                        (unsigned long long)rec->index, rec->schema->fields[s->field].name,
                        bad_char(t + at), at + 1);
    return CONV_ERR;
}

/* A value too long for one reservation: tags and text in pieces. */
static int put_value_long(struct conv_writer *w, const struct xw_entry *e,
                          const struct conv_record *rec, const struct convp_slot *s,
                          const char *attr)
{
    const unsigned char *t = (const unsigned char *)s->value.text;
    size_t n = s->value.len, done = 0;
    if (put(w, e->bytes, e->lead_len) || put_s(w, attr) || put(w, ">", 1))
        return CONV_ERR;
    while (done < n) {
        size_t k = n - done < SEGMENT ? n - done : SEGMENT;
        /* End a piece on a character boundary. */
        while (done + k < n && k > 1 && (t[done + k] & 0xC0) == 0x80)
            k--;
        char *p = convp_output_reserve(w->out, 5 * k, &w->err);
        if (!p)
            return CONV_ERR;
        size_t bad, m = escape_text(p, t + done, k, &bad);
        if (m == SIZE_MAX)
            return bad_value(w, rec, s, done + bad);
        convp_output_advance(w->out, m);
        done += k;
    }
    return put(w, e->bytes + e->lead_len, e->tail_len);
}

static int xw_put(struct conv_writer *w, const struct conv_record *rec)
{
    struct xw *x = w->drv;
    const struct conv_schema *rs = rec->schema;
    if (rec->n == 0)
        return put(w, x->rec_empty, x->rec_empty_len);
    const long *map = rs ? entry_map(w, x, rec) : NULL;
    if (!map && rs)
        return CONV_ERR;
    if (put(w, x->rec_open, x->rec_open_len))
        return CONV_ERR;
    for (size_t i = 0; i < rec->n; i++) {
        const struct convp_slot *s = &rec->slots[i];
        const struct conv_value *v = &s->value;
        if (!rs || s->field >= rs->n) {
            convp_error_set(&w->err, CONV_E_USAGE, convp_output_name(w->out), 0, 0,
                            "record value %zu has no field name", i + 1);
            return CONV_ERR;
        }
        long ei = map[s->field];
        if (CONVP_UNLIKELY(ei < 0)) {
            ei = add_late(w, x, rs->fields[s->field].name, rec, s);
            if (ei < 0)
                return CONV_ERR;
            x->map[s->field] = ei;
        }
        const struct xw_entry *e = &x->e[ei];
        size_t room = e->lead_len + e->tail_len + x->nil_tail_len + TYPE_ATTR_MAX + 2;
        if (v->type == CONV_NULL) {
            char *p = convp_output_reserve(w->out, room, &w->err);
            if (!p)
                return CONV_ERR;
            memcpy(p, e->bytes, e->lead_len);
            memcpy(p + e->lead_len, x->nil_tail, x->nil_tail_len);
            convp_output_advance(w->out, e->lead_len + x->nil_tail_len);
            continue;
        }
        enum conv_type t = v->type;
        if ((v->flags & CONV_VALUE_RAW) || (unsigned)t >= CONV_ANY)
            t = CONV_STRING;
        const char *attr = t == e->type || (e->type == CONV_ANY && t == CONV_STRING)
                               ? ""
                               : type_attr[t];
        size_t alen = strlen(attr);
        if (CONVP_UNLIKELY(v->len > SEGMENT || room > SEGMENT)) {
            if (put_value_long(w, e, rec, s, attr) != CONV_OK)
                return CONV_ERR;
            continue;
        }
        char *p = convp_output_reserve(w->out, room + 5 * v->len, &w->err);
        if (!p)
            return CONV_ERR;
        char *d = p;
        memcpy(d, e->bytes, e->lead_len);
        d += e->lead_len;
        memcpy(d, attr, alen);
        d += alen;
        if (v->len == 0) {
            memcpy(d, x->empty_tail, x->empty_tail_len);
            d += x->empty_tail_len;
        } else {
            *d++ = '>';
            size_t bad, m = escape_text(d, (const unsigned char *)v->text, v->len, &bad);
            if (CONVP_UNLIKELY(m == SIZE_MAX))
                return bad_value(w, rec, s, bad);
            d += m;
            memcpy(d, e->bytes + e->lead_len, e->tail_len);
            d += e->tail_len;
        }
        convp_output_advance(w->out, (size_t)(d - p));
    }
    return put(w, x->rec_close, x->rec_close_len);
}

static int xw_finish(struct conv_writer *w)
{
    return put_s(w, "</" CONVP_XML_ROOT ">\n");
}

static void xw_close(struct conv_writer *w)
{
    struct xw *x = w->drv;
    if (!x)
        return;
    for (size_t i = 0; i < x->ne; i++)
        convp_free(w->ctx, x->e[i].bytes);
    convp_free(w->ctx, x->e);
    conv_schema_free(x->names);
    conv_schema_free(x->elems);
    convp_buf_free(&x->tmp);
    convp_free(w->ctx, x->map);
    convp_free(w->ctx, x);
    w->drv = NULL;
}

const struct convp_writer_ops convp_xml_writer_ops = {
    .open = xw_open,
    .begin = xw_begin,
    .put = xw_put,
    .finish = xw_finish,
    .close = xw_close,
};
