/*
 * The worksheet tokenizer (see xlsx_scan.h).  A worksheet is a long run of
 * tiny elements (<c r="B7" s="3" t="s"><v>12</v></c>); libxml2 spends
 * 250 ns on each and xmlTextReader twice that, so a sheet of a million
 * rows would take longer than the whole conversion may.  This tokenizer
 * finds '<' with memchr, checks text eight bytes at a time and parses tags
 * in place in a buffer that the zip layer fills, growing it only for a
 * token that does not fit (up to the bounds below).
 */
#include "sheet_xml.h"

#define XS_CHUNK ((size_t)256 << 10)
#define XS_MAX_TAG ((size_t)1 << 20)       /* a start tag, comment or PI */
#define XS_MAX_TEXT CONVP_MAX_RECORD_BYTES /* one text run */
#define XS_MAX_NAME 1000
#define XS_MAX_DEPTH 64
#define XS_MAX_ATTRS 256

enum { NEED = -2, BAD = -1, SKIP = 0, TOKEN = 1 };
enum { PROLOG, IN_ROOT, AFTER_ROOT };

struct convp_xscan {
    struct conv_context *ctx;
    convp_xscan_read_fn fn;
    void *user;
    const char *part, *source;
    struct conv_error *err;
    char *buf;
    size_t cap, pos, end;
    uint64_t base; /* offset in the part of buf[0] */
    int eof, failed, started;
    int state;
    size_t text_done; /* text from pos already checked (a run split by a refill) */
    int text_refs;    /* ... and whether it has references or CRs */
    int pending_end;  /* an empty-element tag's END is due */
    size_t depth;
    size_t name_off[XS_MAX_DEPTH + 1];
    struct convp_buf names; /* qnames of the open elements */
    size_t local_skip[XS_MAX_DEPTH + 1];
    struct convp_xscan_attr attrs[XS_MAX_ATTRS];
    size_t attr_q[XS_MAX_ATTRS]; /* qname length, for the duplicate check */
    const char *attr_qn[XS_MAX_ATTRS];
    size_t attr_vs[XS_MAX_ATTRS]; /* raw value span, while references are decoded */
    size_t attr_ve[XS_MAX_ATTRS];
    size_t decl_at;           /* where an XML declaration may be: 0, or 3 after a BOM */
    struct convp_buf scratch; /* decoded text and attribute values */
};

/* ---- errors -------------------------------------------------------------------------------- */

static int fail(struct convp_xscan *x, enum conv_errcode code, size_t at, const char *fmt, ...)
    CONVP_PRINTF(4, 5);
static int fail(struct convp_xscan *x, enum conv_errcode code, size_t at, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    convp_error_set(x->err, code, x->source, 0, 0, "part '%.100s', byte %llu: %s", x->part,
                    (unsigned long long)(x->base + at), msg);
    x->failed = 1;
    return BAD;
}

static int nomem(struct convp_xscan *x)
{
    convp_error_set(x->err, CONV_E_NOMEM, x->source, 0, 0, "out of memory");
    x->failed = 1;
    return BAD;
}

/* ---- bytes --------------------------------------------------------------------------------- */

/* More bytes after end, keeping buf[pos..end): 1, 0 at the end, -1. */
static int more(struct convp_xscan *x)
{
    if (x->eof)
        return 0;
    if (x->pos > 0) {
        memmove(x->buf, x->buf + x->pos, x->end - x->pos);
        x->base += x->pos;
        x->end -= x->pos;
        x->pos = 0;
    }
    if (x->end == x->cap) {
        /* One token fills the buffer: the callers bound how far this goes. */
        size_t ncap = x->cap * 2;
        char *p = convp_realloc(x->ctx, x->buf, ncap);
        if (!p)
            return nomem(x);
        x->buf = p;
        x->cap = ncap;
    }
    long got = x->fn(x->user, x->buf + x->end, x->cap - x->end, x->err);
    if (got < 0) {
        x->failed = 1;
        return BAD;
    }
    if (got == 0) {
        x->eof = 1;
        return 0;
    }
    x->end += (size_t)got;
    return 1;
}

static inline int is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Byte classes: 1 may start a name, 2 may be in a name, 4 printable ASCII
 * other than '<' and '&' (needs no closer look in a value). */
static const unsigned char byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 0, 4, 4, 4, 4, 4, 4, 6, 6, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 4, 0, 4, 4, 4,
    4, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4, 4, 4, 7,
    4, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4, 4, 4, 4,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

static inline int name_start(unsigned char c)
{
    return byte_class[c] & 1;
}

static inline int name_char(unsigned char c)
{
    return byte_class[c] & 2;
}

/*
 * One UTF-8 character at p (n bytes available) that XML allows: its length,
 * 0 when invalid, -1 when cut short by the end of the bytes.
 */
static int xml_char(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return (c >= 0x20 || c == 0x9 || c == 0xA || c == 0xD) ? 1 : 0;
    int len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n)
            return -1;
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp >= 0xFFFE)) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

/*
 * Append p[0..n) to the scratch buffer with references decoded and line
 * ends normalized (CRLF and CR become LF; attr: whitespace becomes a
 * space).  The characters were checked already.  at: offset for errors.
 */
static int decode(struct convp_xscan *x, const char *p, size_t n, int attr, size_t at)
{
    struct convp_buf *b = &x->scratch;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != '&' && p[j] != '\r' && (!attr || (p[j] != '\n' && p[j] != '\t')))
            j++;
        if (convp_buf_append(b, p + i, j - i) != 0)
            return nomem(x);
        if (j == n)
            break;
        if (p[j] != '&') {
            if (convp_buf_putc(b, attr ? ' ' : '\n') != 0)
                return nomem(x);
            i = j + 1;
            if (p[j] == '\r' && i < n && p[i] == '\n')
                i++;
            continue;
        }
        const char *semi = memchr(p + j, ';', n - j < 12 ? n - j : 12);
        if (!semi)
            return fail(x, CONV_E_SYNTAX, at + j, "malformed reference ('&' not escaped?)");
        const char *r = p + j + 1;
        size_t rl = (size_t)(semi - r);
        char c = 0;
        if (rl == 2 && !memcmp(r, "lt", 2))
            c = '<';
        else if (rl == 2 && !memcmp(r, "gt", 2))
            c = '>';
        else if (rl == 3 && !memcmp(r, "amp", 3))
            c = '&';
        else if (rl == 4 && !memcmp(r, "quot", 4))
            c = '"';
        else if (rl == 4 && !memcmp(r, "apos", 4))
            c = '\'';
        if (c) {
            if (convp_buf_putc(b, c) != 0)
                return nomem(x);
        } else if (rl >= 2 && r[0] == '#') {
            unsigned long cp = 0;
            int hex = r[1] == 'x';
            size_t k = hex ? 2 : 1;
            if (k == rl)
                return fail(x, CONV_E_SYNTAX, at + j, "malformed character reference");
            for (; k < rl; k++) {
                int d;
                char h = r[k];
                if (h >= '0' && h <= '9')
                    d = h - '0';
                else if (hex && h >= 'a' && h <= 'f')
                    d = h - 'a' + 10;
                else if (hex && h >= 'A' && h <= 'F')
                    d = h - 'A' + 10;
                else
                    return fail(x, CONV_E_SYNTAX, at + j, "malformed character reference");
                cp = cp * (hex ? 16 : 10) + (unsigned long)d;
                if (cp > 0x10FFFF)
                    break;
            }
            if (!((cp >= 0x20 && cp <= 0xD7FF) || cp == 0x9 || cp == 0xA || cp == 0xD ||
                  (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF)))
                return fail(x, CONV_E_SYNTAX, at + j,
                            "character reference to a character XML does not allow");
            if (convp_buf_put_cp(b, (uint32_t)cp) != 0)
                return nomem(x);
        } else {
            return fail(x, CONV_E_SYNTAX, at + j,
                        "reference to an undefined entity '&%.*s;' (no DTD is read)", (int)rl, r);
        }
        i = (size_t)(semi - p) + 1;
    }
    return SKIP;
}

/* ---- markup -------------------------------------------------------------------------------- */

/* Check the characters of an attribute value or a name; sets *refs. */
static int check_chars(struct convp_xscan *x, size_t from, size_t to, int *refs)
{
    const unsigned char *b = (const unsigned char *)x->buf;
    for (size_t i = from; i < to;) {
        unsigned char c = b[i];
        if (byte_class[c] & 4) {
            i++;
            continue;
        }
        if (c >= 0x20 && c < 0x80) {
            if (c == '<')
                return fail(x, CONV_E_SYNTAX, i, "'<' in an attribute value");
            if (c == '&')
                *refs = 1;
            i++;
            continue;
        }
        int k = xml_char(b + i, to - i);
        if (k <= 0)
            return fail(x, CONV_E_ENCODING, i, "invalid UTF-8 or a character XML does not allow");
        if (c == '\t' || c == '\n' || c == '\r')
            *refs = 1; /* normalized to a space */
        i += (size_t)k;
    }
    return SKIP;
}

/* Scan a name at i; *qend gets its end, *local where its local part starts. */
static int scan_name(struct convp_xscan *x, size_t i, size_t *qend, size_t *local)
{
    const unsigned char *b = (const unsigned char *)x->buf;
    if (i >= x->end)
        return NEED;
    if (!name_start(b[i]))
        return fail(x, CONV_E_SYNTAX, i, "malformed name");
    size_t s = i;
    int high = 0;
    *local = i;
    while (i < x->end && name_char(b[i])) {
        if (b[i] == ':')
            *local = i + 1;
        high |= b[i] >= 0x80;
        i++;
    }
    if (i >= x->end)
        return NEED;
    if (i - s > XS_MAX_NAME)
        return fail(x, CONV_E_LIMIT, s, "name longer than %d bytes", XS_MAX_NAME);
    if (*local == i)
        return fail(x, CONV_E_SYNTAX, s, "malformed name");
    if (high) {
        int dummy = 0;
        if (check_chars(x, s, i, &dummy) != SKIP)
            return BAD;
    }
    *qend = i;
    return SKIP;
}

static int start_tag(struct convp_xscan *x, struct convp_xscan_tok *t)
{
    const unsigned char *b = (const unsigned char *)x->buf;
    size_t qend, local, i;
    int rc = scan_name(x, x->pos + 1, &qend, &local);
    if (rc != SKIP)
        return rc;
    i = qend;
    size_t na = 0;
    int any_refs = 0, empty;
    for (;;) {
        size_t ws = i;
        while (i < x->end && is_ws(b[i]))
            i++;
        if (i >= x->end)
            return NEED;
        if (b[i] == '>') {
            i++;
            empty = 0;
            break;
        }
        if (b[i] == '/') {
            if (i + 1 >= x->end)
                return NEED;
            if (b[i + 1] != '>')
                return fail(x, CONV_E_SYNTAX, i, "malformed tag");
            i += 2;
            empty = 1;
            break;
        }
        if (i == ws)
            return fail(x, CONV_E_SYNTAX, i, "malformed tag (no space before an attribute)");
        size_t an = i, aend, alocal;
        if ((rc = scan_name(x, i, &aend, &alocal)) != SKIP)
            return rc;
        i = aend;
        while (i < x->end && is_ws(b[i]))
            i++;
        if (i >= x->end)
            return NEED;
        if (b[i] != '=')
            return fail(x, CONV_E_SYNTAX, i, "malformed attribute (no '=')");
        i++;
        while (i < x->end && is_ws(b[i]))
            i++;
        if (i >= x->end)
            return NEED;
        unsigned char q = b[i];
        if (q != '"' && q != '\'')
            return fail(x, CONV_E_SYNTAX, i, "attribute value not quoted");
        i++;
        const unsigned char *qe = memchr(b + i, q, x->end - i);
        if (!qe)
            return NEED;
        size_t ve = (size_t)(qe - b);
        int refs = 0;
        if (check_chars(x, i, ve, &refs) != SKIP)
            return BAD;
        size_t qlen = aend - an;
        const char *qn = x->buf + an;
        for (size_t k = 0; k < na; k++)
            if (x->attr_q[k] == qlen && x->attr_qn[k][0] == qn[0] &&
                !memcmp(x->attr_qn[k], qn, qlen))
                return fail(x, CONV_E_SYNTAX, an, "attribute '%.*s' given twice", (int)qlen, qn);
        if (na == XS_MAX_ATTRS)
            return fail(x, CONV_E_LIMIT, an, "more than %d attributes", XS_MAX_ATTRS);
        x->attr_q[na] = qlen;
        x->attr_qn[na] = qn;
        struct convp_xscan_attr *a = &x->attrs[na++];
        /* Namespace declarations are not attributes; prefixed attributes
         * keep their prefix, so that only unprefixed ones match a bare name. */
        int xmlns =
            (qlen == 5 && !memcmp(qn, "xmlns", 5)) || (qlen > 6 && !memcmp(qn, "xmlns:", 6));
        a->name = xmlns ? "" : qn;
        a->name_len = xmlns ? 0 : qlen;
        a->value = refs ? NULL : x->buf + i; /* NULL: decoded below */
        a->value_len = ve - i;
        x->attr_vs[na - 1] = i;
        x->attr_ve[na - 1] = ve;
        any_refs |= refs;
        i = ve + 1;
    }
    if (x->state == AFTER_ROOT)
        return fail(x, CONV_E_SYNTAX, x->pos, "a second root element");
    if (x->depth == XS_MAX_DEPTH)
        return fail(x, CONV_E_LIMIT, x->pos, "elements nested deeper than %d", XS_MAX_DEPTH);
    if (any_refs) {
        /* Offsets first: the scratch buffer may move while it grows. */
        x->scratch.len = 0;
        for (size_t k = 0; k < na; k++) {
            if (x->attrs[k].value)
                continue;
            size_t vs = x->attr_vs[k], off = x->scratch.len;
            if (decode(x, x->buf + vs, x->attr_ve[k] - vs, 1, vs) != SKIP)
                return BAD;
            x->attr_vs[k] = off;
            x->attrs[k].value_len = x->scratch.len - off;
        }
        for (size_t k = 0; k < na; k++)
            if (!x->attrs[k].value)
                x->attrs[k].value = x->scratch.data ? x->scratch.data + x->attr_vs[k] : "";
    }
    size_t qlen = qend - (x->pos + 1);
    x->name_off[x->depth] = x->names.len;
    x->local_skip[x->depth] = local - (x->pos + 1);
    if (convp_buf_append(&x->names, x->buf + x->pos + 1, qlen) != 0)
        return nomem(x);
    x->depth++;
    x->name_off[x->depth] = x->names.len;
    x->state = IN_ROOT;
    t->kind = CONVP_XSCAN_START;
    t->name = x->buf + local;
    t->name_len = qend - local;
    t->attrs = x->attrs;
    t->nattrs = na;
    t->depth = x->depth;
    x->pos = i;
    x->pending_end = empty;
    return TOKEN;
}

/* The END token of the innermost open element; pops it. */
static void end_token(struct convp_xscan *x, struct convp_xscan_tok *t)
{
    size_t d = x->depth - 1;
    t->kind = CONVP_XSCAN_END;
    t->name = x->names.data + x->name_off[d] + x->local_skip[d];
    t->name_len = x->name_off[d + 1] - x->name_off[d] - x->local_skip[d];
    t->depth = x->depth;
    /* The name stays in the buffer until the next push. */
    x->names.len = x->name_off[d];
    x->depth = d;
    if (d == 0)
        x->state = AFTER_ROOT;
}

static int end_tag(struct convp_xscan *x, struct convp_xscan_tok *t)
{
    const unsigned char *b = (const unsigned char *)x->buf;
    if (x->depth > 0) {
        /* The usual case: the open element's name, then '>'. */
        size_t d = x->depth - 1, qlen = x->name_off[d + 1] - x->name_off[d];
        size_t p = x->pos + 2;
        if (p + qlen < x->end && b[p + qlen] == '>' &&
            !memcmp(b + p, x->names.data + x->name_off[d], qlen)) {
            end_token(x, t);
            x->pos = p + qlen + 1;
            return TOKEN;
        }
    }
    size_t qend, local;
    int rc = scan_name(x, x->pos + 2, &qend, &local);
    if (rc != SKIP)
        return rc;
    size_t i = qend;
    while (i < x->end && is_ws(b[i]))
        i++;
    if (i >= x->end)
        return NEED;
    if (b[i] != '>')
        return fail(x, CONV_E_SYNTAX, i, "malformed end tag");
    size_t qlen = qend - (x->pos + 2);
    if (x->depth == 0)
        return fail(x, CONV_E_SYNTAX, x->pos, "end tag without a start tag");
    size_t d = x->depth - 1;
    if (x->name_off[d + 1] - x->name_off[d] != qlen ||
        memcmp(x->names.data + x->name_off[d], b + x->pos + 2, qlen))
        return fail(x, CONV_E_SYNTAX, x->pos, "end tag </%.*s> does not match <%.*s>",
                    (int)(qlen > 60 ? 60 : qlen), (const char *)b + x->pos + 2,
                    (int)(x->name_off[d + 1] - x->name_off[d] > 60
                              ? 60
                              : x->name_off[d + 1] - x->name_off[d]),
                    x->names.data + x->name_off[d]);
    end_token(x, t);
    x->pos = i + 1;
    return TOKEN;
}

/* Find the 2- or 3-byte terminator of a comment, PI or CDATA section. */
static int find_close(struct convp_xscan *x, size_t from, const char *close, size_t *at)
{
    size_t cl = strlen(close);
    const char *p = x->buf + from;
    size_t left = x->end - from;
    for (;;) {
        const char *q = memchr(p, close[0], left);
        if (!q)
            return NEED;
        size_t rest = left - (size_t)(q - p);
        if (rest < cl)
            return NEED;
        if (!memcmp(q, close, cl)) {
            *at = (size_t)(q - x->buf);
            return SKIP;
        }
        left = rest - 1;
        p = q + 1;
    }
}

/* The XML declaration: only UTF-8 is read. */
static int xml_decl(struct convp_xscan *x, size_t from, size_t to)
{
    const char *p = x->buf + from;
    size_t n = to - from;
    for (size_t i = 0; i + 8 <= n; i++) {
        if (memcmp(p + i, "encoding", 8))
            continue;
        size_t k = i + 8;
        while (k < n && is_ws((unsigned char)p[k]))
            k++;
        if (k >= n || p[k] != '=')
            break;
        k++;
        while (k < n && is_ws((unsigned char)p[k]))
            k++;
        if (k >= n || (p[k] != '"' && p[k] != '\''))
            break;
        char q = p[k++];
        size_t s = k;
        while (k < n && p[k] != q)
            k++;
        size_t len = k - s;
        char enc[16];
        if (len >= sizeof enc)
            len = sizeof enc - 1;
        for (size_t m = 0; m < len; m++)
            enc[m] = (char)(p[s + m] >= 'a' && p[s + m] <= 'z' ? p[s + m] - 32 : p[s + m]);
        enc[len] = '\0';
        if (strcmp(enc, "UTF-8") && strcmp(enc, "UTF8"))
            return fail(x, CONV_E_SYNTAX, from,
                        "declared encoding '%s': worksheets are read in UTF-8 only", enc);
        return SKIP;
    }
    return SKIP;
}

static int text_token(struct convp_xscan *x, struct convp_xscan_tok *t, size_t from, size_t to,
                      int refs)
{
    if (x->state != IN_ROOT) {
        for (size_t i = from; i < to; i++)
            if (!is_ws((unsigned char)x->buf[i]))
                return fail(x, CONV_E_SYNTAX, i, "text outside the root element");
        return SKIP;
    }
    t->kind = CONVP_XSCAN_TEXT;
    if (refs) {
        x->scratch.len = 0;
        if (decode(x, x->buf + from, to - from, 0, from) != SKIP)
            return BAD;
        t->text = x->scratch.data ? x->scratch.data : "";
        t->text_len = x->scratch.len;
    } else {
        t->text = x->buf + from;
        t->text_len = to - from;
    }
    return TOKEN;
}

static int markup(struct convp_xscan *x, struct convp_xscan_tok *t)
{
    const unsigned char *b = (const unsigned char *)x->buf;
    size_t p = x->pos;
    if (p + 1 >= x->end)
        return NEED;
    unsigned char c = b[p + 1];
    if (c == '/')
        return end_tag(x, t);
    if (c == '?') {
        size_t at;
        int rc = find_close(x, p + 2, "?>", &at);
        if (rc != SKIP)
            return rc;
        size_t ne = p + 2;
        while (ne < at && name_char(b[ne]))
            ne++;
        if (ne - (p + 2) == 3 && (b[p + 2] | 32) == 'x' && (b[p + 3] | 32) == 'm' &&
            (b[p + 4] | 32) == 'l') {
            if (x->base + p != x->decl_at)
                return fail(x, CONV_E_SYNTAX, p, "XML declaration not at the start");
            if (xml_decl(x, ne, at) != SKIP)
                return BAD;
        }
        int dummy = 0;
        if (check_chars(x, p + 2, at, &dummy) != SKIP)
            return BAD;
        x->pos = at + 2;
        return SKIP;
    }
    if (c != '!')
        return start_tag(x, t);
    if (x->end - p < 4)
        return NEED;
    if (!memcmp(b + p, "<!--", 4)) {
        size_t at;
        int rc = find_close(x, p + 4, "-->", &at);
        if (rc != SKIP)
            return rc;
        x->pos = at + 3;
        return SKIP;
    }
    if (x->end - p < 9)
        return NEED;
    if (!memcmp(b + p, "<![CDATA[", 9)) {
        if (x->state != IN_ROOT)
            return fail(x, CONV_E_SYNTAX, p, "CDATA outside the root element");
        size_t at;
        int rc = find_close(x, p + 9, "]]>", &at);
        if (rc != SKIP)
            return rc;
        for (size_t i = p + 9; i < at;) {
            int k = xml_char(b + i, at - i);
            if (k <= 0)
                return fail(x, CONV_E_ENCODING, i,
                            "invalid UTF-8 or a character XML does not allow");
            i += (size_t)k;
        }
        /* Raw CRs are normalized here too. */
        int cr = memchr(b + p + 9, '\r', at - (p + 9)) != NULL;
        if (cr) {
            x->scratch.len = 0;
            for (size_t i = p + 9; i < at; i++) {
                char ch = (char)b[i];
                if (ch == '\r') {
                    ch = '\n';
                    if (i + 1 < at && b[i + 1] == '\n')
                        i++;
                }
                if (convp_buf_putc(&x->scratch, ch) != 0)
                    return nomem(x);
            }
            t->text = x->scratch.data;
            t->text_len = x->scratch.len;
        } else {
            t->text = x->buf + p + 9;
            t->text_len = at - (p + 9);
        }
        t->kind = CONVP_XSCAN_TEXT;
        x->pos = at + 3;
        return TOKEN;
    }
    if (!memcmp(b + p, "<!DOCTYPE", 9))
        return fail(x, CONV_E_SYNTAX, p, "a DOCTYPE in a workbook part is refused");
    return fail(x, CONV_E_SYNTAX, p, "malformed markup");
}

/* ---- text ---------------------------------------------------------------------------------- */

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * Check text from x->pos + x->text_done on: stops at '<' (*stop set,
 * SKIP) or needs more bytes (NEED), or fails.
 */
static int scan_text(struct convp_xscan *x, size_t *stop)
{
    const unsigned char *b = (const unsigned char *)x->buf;
    size_t i = x->pos + x->text_done;
    const unsigned char *lt = memchr(b + i, '<', x->end - i);
    size_t to = lt ? (size_t)(lt - b) : x->end;
    while (i < to) {
        /* Eight bytes at a time while all are printable ASCII but '&'. */
        while (i + 8 <= to) {
            uint64_t w;
            memcpy(&w, b + i, 8);
            uint64_t amp = w ^ (ONES * '&');
            /* A byte that is high, below 0x20 or '&': look closely. */
            if ((w | ((w - ONES * 0x20) & ~w) | ((amp - ONES) & ~amp)) & HIGHS)
                break;
            i += 8;
        }
        if (i >= to)
            break;
        unsigned char c = b[i];
        if (c >= 0x20 && c < 0x80) {
            if (c == '&')
                x->text_refs = 1;
            i++;
            continue;
        }
        int k = xml_char(b + i, to - i);
        if (k < 0 && !lt && !x->eof)
            break; /* a character cut by the refill */
        if (k <= 0)
            return fail(x, CONV_E_ENCODING, i, "invalid UTF-8 or a character XML does not allow");
        if (c == '\r')
            x->text_refs = 1;
        i += (size_t)k;
    }
    if (i - x->pos > XS_MAX_TEXT)
        return fail(x, CONV_E_LIMIT, x->pos, "text longer than %zu bytes", XS_MAX_TEXT);
    if (!lt || i < to) {
        if (x->state != IN_ROOT) {
            /* Outside the root only spaces may be: drop them as they come. */
            for (size_t k = x->pos; k < i; k++)
                if (!is_ws(b[k]))
                    return fail(x, CONV_E_SYNTAX, k, "text outside the root element");
            x->pos = i;
            x->text_done = 0;
            return NEED;
        }
        x->text_done = i - x->pos;
        return NEED;
    }
    *stop = to;
    return SKIP;
}

/* ---- the token loop ------------------------------------------------------------------------ */

static int start(struct convp_xscan *x)
{
    while (x->end - x->pos < 4 && !x->eof)
        if (more(x) < 0)
            return BAD;
    const unsigned char *b = (const unsigned char *)x->buf + x->pos;
    size_t n = x->end - x->pos;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        x->pos += 3;
        x->decl_at = 3;
    } else if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF) ||
                          (b[0] == '<' && b[1] == 0) || (b[0] == 0 && b[1] == '<'))) {
        return fail(x, CONV_E_SYNTAX, 0, "a UTF-16 worksheet: worksheets are read in UTF-8 only");
    }
    x->started = 1;
    return SKIP;
}

int convp_xscan_next(struct convp_xscan *x, struct convp_xscan_tok *t)
{
    if (x->failed)
        return CONV_ERR;
    if (x->pending_end) {
        x->pending_end = 0;
        end_token(x, t);
        return CONV_OK;
    }
    if (!x->started && start(x) != SKIP)
        return CONV_ERR;
    for (;;) {
        if (x->pos == x->end) {
            int r = more(x);
            if (r < 0)
                return CONV_ERR;
            if (r == 0) {
                if (x->state == AFTER_ROOT)
                    return CONV_EOF;
                if (x->state == PROLOG)
                    fail(x, CONV_E_SYNTAX, x->pos, "no root element (empty or cut short)");
                else
                    fail(x, CONV_E_SYNTAX, x->pos, "the part ends inside <%.*s> (cut short)",
                         (int)(x->name_off[1] - x->name_off[0] > 60
                                   ? 60
                                   : x->name_off[1] - x->name_off[0]),
                         x->names.data);
                return CONV_ERR;
            }
            continue;
        }
        int rc;
        if (x->buf[x->pos] == '<') {
            rc = markup(x, t);
            if (rc == NEED) {
                if (x->end - x->pos >= XS_MAX_TAG)
                    rc = fail(x, CONV_E_LIMIT, x->pos,
                              "tag, comment or CDATA longer than %zu bytes", XS_MAX_TAG);
                else if (x->eof)
                    rc = fail(x, CONV_E_SYNTAX, x->pos, "the part ends inside a tag (cut short)");
            }
        } else {
            size_t stop = x->end;
            rc = scan_text(x, &stop);
            if (rc == SKIP) {
                rc = text_token(x, t, x->pos, stop, x->text_refs);
                x->pos = stop;
                x->text_done = 0;
                x->text_refs = 0;
            } else if (rc == NEED && x->eof) {
                rc = text_token(x, t, x->pos, x->end, x->text_refs);
                x->pos = x->end;
                x->text_done = 0;
                x->text_refs = 0;
            }
        }
        if (rc == TOKEN)
            return CONV_OK;
        if (rc == BAD)
            return CONV_ERR;
        if (rc == NEED && more(x) < 0)
            return CONV_ERR;
    }
}

struct convp_xscan *convp_xscan_new(struct conv_context *ctx, convp_xscan_read_fn fn, void *user,
                                    const char *part, const char *source, struct conv_error *err)
{
    struct convp_xscan *x = convp_calloc(ctx, 1, sizeof *x);
    char *buf = convp_malloc(ctx, XS_CHUNK);
    if (!x || !buf) {
        convp_free(ctx, x);
        convp_free(ctx, buf);
        convp_error_set(err, CONV_E_NOMEM, source, 0, 0, "out of memory");
        return NULL;
    }
    x->ctx = ctx;
    x->fn = fn;
    x->user = user;
    x->part = part;
    x->source = source;
    x->err = err;
    x->buf = buf;
    x->cap = XS_CHUNK;
    convp_buf_init(&x->names, ctx);
    convp_buf_init(&x->scratch, ctx);
    return x;
}

void convp_xscan_free(struct convp_xscan *x)
{
    if (!x)
        return;
    convp_buf_free(&x->names);
    convp_buf_free(&x->scratch);
    convp_free(x->ctx, x->buf);
    convp_free(x->ctx, x);
}
