/*
 * The hardened libxml2 push parser shared by the XML readers (generic XML,
 * SDMX-ML and its structure messages): what makes reading a hostile
 * document safe lives here once.
 */
#include "xmlsafe.h"

#include <strings.h>

#include <libxml/parserInternals.h>

/* ---- errors ----------------------------------------------------------------- */

uint64_t convp_xs_line(const struct convp_xs *xs)
{
    return xs->pc && xs->pc->input
               ? (uint64_t)(xs->pc->input->line > 0 ? xs->pc->input->line : 0)
               : 0;
}

uint64_t convp_xs_col(const struct convp_xs *xs)
{
    return xs->pc && xs->pc->input ? (uint64_t)(xs->pc->input->col > 0 ? xs->pc->input->col : 0)
                                    : 0;
}

void convp_xs_fail_at(struct convp_xs *xs, enum conv_errcode code, uint64_t line, uint64_t col,
                      const char *field, const char *fmt, ...)
{
    if (xs->err.code == CONV_E_NONE) {
        va_list ap;
        va_start(ap, fmt);
        convp_error_vset(&xs->err, code, xs->source, line, col, fmt, ap);
        va_end(ap);
        convp_error_where(&xs->err, xs->record ? xs->record(xs) : 0, field, 0);
    }
    xs->failed = 1;
    if (xs->pc)
        xmlStopParser(xs->pc);
}

void convp_xs_message(char *dst, size_t size, const char *msg)
{
    size_t n = 0;
    if (msg)
        while (msg[n] && msg[n] != '\n' && n + 1 < size) {
            dst[n] = msg[n];
            n++;
        }
    while (n && (dst[n - 1] == '.' || dst[n - 1] == ' '))
        n--;
    dst[n] = '\0';
}

/* Every error libxml2 reports fails the read; warnings are ignored. */
static void on_parse_error(void *user, xmlErrorPtr e)
{
    (void)user;
    if (!e || e->level < XML_ERR_ERROR)
        return;
    xmlParserCtxtPtr pc = e->ctxt;
    struct convp_xs *xs = pc ? pc->_private : NULL;
    if (!xs)
        return;
    char msg[200];
    convp_xs_message(msg, sizeof msg, e->message);
    enum conv_errcode code = CONV_E_SYNTAX;
    if (e->code == XML_ERR_INVALID_ENCODING || e->code == XML_ERR_UNSUPPORTED_ENCODING ||
        e->code == XML_ERR_INVALID_CHAR)
        code = CONV_E_ENCODING;
    else if (e->code == XML_ERR_INTERNAL_ERROR && msg[0] && strstr(msg, "Huge"))
        code = CONV_E_LIMIT;
    uint64_t line = e->line > 0 ? (uint64_t)e->line : convp_xs_line(xs);
    uint64_t col = e->int2 > 0 ? (uint64_t)e->int2 : 0;
    convp_xs_fail_at(xs, code, line, col, NULL, "%s", msg);
}

/* ---- DTDs: refused where they could expand or load anything ------------------- */

static void on_internal_subset(void *user, const xmlChar *name, const xmlChar *ext_id,
                               const xmlChar *sys_id)
{
    struct convp_xs *xs = user;
    (void)name;
    if (ext_id || sys_id)
        convp_xs_fail(xs, CONV_E_LIMIT,
                      "the document names an external DTD (refused: no external loading)");
}

static void on_entity_decl(void *user, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    struct convp_xs *xs = user;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    convp_xs_fail(xs, CONV_E_LIMIT,
                  "the DTD declares entity '%.100s' (refused: entity declarations are not allowed)",
                  name);
}

static void on_unparsed_entity(void *user, const xmlChar *name, const xmlChar *public_id,
                               const xmlChar *system_id, const xmlChar *notation)
{
    on_entity_decl(user, name, 0, public_id, system_id, (xmlChar *)(uintptr_t)notation);
}

static xmlParserInputPtr on_resolve(void *user, const xmlChar *public_id,
                                    const xmlChar *system_id)
{
    struct convp_xs *xs = user;
    (void)public_id;
    convp_xs_fail(xs, CONV_E_LIMIT, "refused to load '%.100s'",
                  system_id ? (const char *)system_id : "an external resource");
    return NULL;
}

static xmlEntityPtr on_get_entity(void *user, const xmlChar *name)
{
    (void)user;
    return xmlGetPredefinedEntity(name);
}

static void on_reference(void *user, const xmlChar *name)
{
    struct convp_xs *xs = user;
    convp_xs_fail(xs, CONV_E_SYNTAX, "entity '%.100s' is not defined", name);
}

void convp_xs_handlers(xmlSAXHandler *sax)
{
    memset(sax, 0, sizeof *sax);
    sax->initialized = XML_SAX2_MAGIC;
    sax->internalSubset = on_internal_subset;
    sax->externalSubset = on_internal_subset;
    sax->entityDecl = on_entity_decl;
    sax->unparsedEntityDecl = on_unparsed_entity;
    sax->resolveEntity = on_resolve;
    sax->getEntity = on_get_entity;
    sax->getParameterEntity = on_get_entity;
    sax->reference = on_reference;
    sax->serror = on_parse_error;
}

int convp_xs_enter(struct convp_xs *xs, size_t depth)
{
    if (depth >= CONVP_XS_MAX_DEPTH) {
        convp_xs_fail(xs, CONV_E_LIMIT, "elements nested deeper than %d", CONVP_XS_MAX_DEPTH);
        return 0;
    }
    if ((++xs->starts & 255) == 0 && xs->pc->dict && xmlDictSize(xs->pc->dict) > CONVP_XS_MAX_DICT) {
        convp_xs_fail(xs, CONV_E_LIMIT, "more than %d distinct names", CONVP_XS_MAX_DICT);
        return 0;
    }
    return 1;
}

const char *convp_xs_attr(const struct convp_xs *xs, int nb, const xmlChar **attrs,
                          const char *name, size_t *len)
{
    *len = 0;
    if (xs->failed)
        return NULL;
    for (int i = 0; i < nb; i++) {
        const xmlChar **a = attrs + 5 * i;
        if (!a[2] && !strcmp((const char *)a[0], name)) {
            *len = (size_t)(a[4] - a[3]);
            return (const char *)a[3];
        }
    }
    return NULL;
}

char *convp_xs_attr_dup(struct convp_xs *xs, int nb, const xmlChar **attrs, const char *name)
{
    size_t len;
    const char *v = convp_xs_attr(xs, nb, attrs, name, &len);
    if (!v)
        return NULL;
    char *s = convp_strndup(xs->ctx, v, len);
    if (!s)
        convp_xs_fail(xs, CONV_E_NOMEM, "out of memory");
    return s;
}

/* ---- encodings ----------------------------------------------------------------- */

/* The encoding declared in the XML declaration at the start, or "". */
static void declared_encoding(const unsigned char *p, size_t n, char *out, size_t size)
{
    out[0] = '\0';
    if (n < 6 || memcmp(p, "<?xml", 5))
        return;
    size_t end = 5;
    while (end + 1 < n && !(p[end] == '?' && p[end + 1] == '>'))
        end++;
    const char *key = "encoding";
    for (size_t i = 5; i + 8 < end; i++) {
        if (memcmp(p + i, key, 8))
            continue;
        size_t j = i + 8;
        while (j < end && (p[j] == ' ' || p[j] == '=' || p[j] == '\t'))
            j++;
        if (j >= end || (p[j] != '"' && p[j] != '\''))
            return;
        unsigned char q = p[j++];
        size_t k = 0;
        while (j < end && p[j] != q && k + 1 < size)
            out[k++] = (char)p[j++];
        out[k] = '\0';
        return;
    }
}

static int single_byte_encoding(const char *e)
{
    static const char *const prefixes[] = {"iso-8859", "iso8859", "latin", "windows-125",
                                           "cp125", "cp1258", "koi8", NULL};
    for (const char *const *p = prefixes; *p; p++)
        if (!strncasecmp(e, *p, strlen(*p)))
            return 1;
    return 0;
}

/*
 * While the declaration says a single-byte encoding, look at the first
 * byte over 0x7F: a whole valid UTF-8 sequence there means the text is
 * UTF-8 and the declaration lies (decoding it would make mojibake).  The
 * sequence may straddle reads: its bytes are kept until it is whole.  All
 * bytes before it are ASCII, so its line and column are counted here.
 */
static void check_encoding(struct convp_xs *xs, const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (!xs->enc_n) {
        for (; i < n && p[i] < 0x80; i++) {
            if (p[i] == '\n') {
                xs->enc_line++;
                xs->enc_col = 1;
            } else {
                xs->enc_col++;
            }
        }
        if (i == n)
            return;
    }
    while (xs->enc_n < sizeof xs->enc_seq && i < n)
        xs->enc_seq[xs->enc_n++] = p[i++];
    unsigned char lead = xs->enc_seq[0];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (lead >= 0xC2 && lead <= 0xF4 && xs->enc_n < need)
        return; /* the rest comes with the next read */
    if (lead >= 0xC2 && lead <= 0xF4 && convp_utf8_valid_prefix(xs->enc_seq, need) == need)
        convp_xs_fail_at(xs, CONV_E_ENCODING, xs->enc_line, xs->enc_col, NULL,
                         "the text is UTF-8 but the declaration says another encoding");
    xs->enc_check = 0;
}

/* The thread's generic error handler while libxml2 parses: nothing. */
static void quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

void convp_xs_quiet_begin(struct convp_xs_quiet *q)
{
    q->handler = xmlGenericError;
    q->ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet_generic);
}

void convp_xs_quiet_end(const struct convp_xs_quiet *q)
{
    xmlSetGenericErrorFunc(q->ctx, q->handler);
}

/*
 * Bytes that libxml2 could not convert from the declared encoding: it
 * keeps them unconverted (and sets an error on the buffer when iconv
 * fails) but reports nothing through the structured handler, so the
 * document would look cut short.
 */
static int undecodable(const struct convp_xs *xs)
{
    xmlParserInputPtr in = xs->pc->input;
    return in && in->buf &&
           (in->buf->error || (in->buf->encoder && in->buf->raw && xmlBufUse(in->buf->raw)));
}

/*
 * xmlParseChunk(), with what it cannot say through the structured handler:
 * some errors (encoding conversion, I/O) go to the thread's generic
 * handler, which prints on stderr: silenced for the call, then restored.
 */
static void parse_chunk(struct convp_xs *xs, const char *p, int n, int terminate)
{
    struct convp_xs_quiet q;
    convp_xs_quiet_begin(&q);
    int rc = xmlParseChunk(xs->pc, p, n, terminate);
    convp_xs_quiet_end(&q);
    if (xs->failed)
        return;
    if (rc == XML_ERR_INVALID_ENCODING ||
        (xs->pc->input && xs->pc->input->buf && xs->pc->input->buf->error))
        convp_xs_fail(xs, CONV_E_ENCODING, "the input is not valid in its declared encoding");
    else if (rc != XML_ERR_OK && xs->pc->disableSAX)
        convp_xs_fail(xs, CONV_E_SYNTAX, "the XML parser stopped (libxml2 error %d)", rc);
}

int convp_xs_feed(struct convp_xs *xs)
{
    if (xs->failed)
        return -1;
    if (xs->input_done)
        return 0;
    long got = convp_input_read(xs->in, xs->chunk, CONVP_XS_CHUNK, &xs->err);
    if (got < 0) {
        if (xs->err.code == CONV_E_NONE)
            convp_error_set(&xs->err, CONV_E_IO, xs->source, 0, 0, "read failed");
        xs->failed = 1;
        return -1;
    }
    if (got == 0) {
        xs->input_done = 1;
        /* Say what is wrong before libxml2 says it its own way. */
        if (undecodable(xs)) {
            convp_xs_fail(xs, CONV_E_ENCODING, "the input is not valid in its declared encoding");
            return -1;
        }
        return 0;
    }
    /* libxml2 waits for a start tag's '>' and then checks its attributes
     * for duplicates pairwise: a start tag of megabytes would take minutes. */
    xmlParserInputPtr in = xs->pc->input;
    if (in && in->cur && in->end - in->cur > (long)CONVP_XS_MAX_START_TAG && in->cur[0] == '<' &&
        in->cur[1] != '!' && in->cur[1] != '?' && in->cur[1] != '/') {
        convp_xs_fail(xs, CONV_E_LIMIT, "start tag longer than %zu bytes", CONVP_XS_MAX_START_TAG);
        return -1;
    }
    if (xs->enc_check)
        check_encoding(xs, xs->chunk, (size_t)got);
    if (!xs->failed)
        parse_chunk(xs, (const char *)xs->chunk, (int)got, 0);
    return xs->failed ? -1 : 1;
}

void convp_xs_finish(struct convp_xs *xs)
{
    if (xs->failed || xs->parse_done)
        return;
    parse_chunk(xs, NULL, 0, 1);
    xs->parse_done = 1;
}

int convp_xs_start(struct convp_xs *xs, struct conv_context *ctx, struct convp_input *in,
                   const char *source, xmlSAXHandlerPtr sax, void *user,
                   struct conv_error *err)
{
    xs->ctx = ctx;
    xs->in = in;
    xs->source = source;
    xs->chunk = convp_malloc(ctx, CONVP_XS_CHUNK);
    if (!xs->chunk) {
        convp_error_set(err, CONV_E_NOMEM, source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    xmlInitParser();
    xs->pc = xmlCreatePushParserCtxt(sax, user, NULL, 0, source);
    if (!xs->pc) {
        convp_error_set(err, CONV_E_NOMEM, source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    xs->pc->_private = xs;
    /* Not XML_PARSE_NOCDATA: CDATA sections come to the owner's handler,
     * which checks their UTF-8. */
    xmlCtxtUseOptions(xs->pc, XML_PARSE_NONET);
    /* The input layer already turned UTF-16 into UTF-8: say so, so that an
     * encoding="UTF-16" declaration is not taken at its word. */
    const char *bom = convp_input_bom(in);
    if (!strncmp(bom, "UTF-16", 6)) {
        xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler("UTF-8");
        if (h)
            xmlSwitchToEncoding(xs->pc, h);
        if (!xs->pc->encoding)
            xs->pc->encoding = xmlStrdup((const xmlChar *)"UTF-8");
    } else {
        size_t n;
        const unsigned char *peek = convp_input_peek(in, &n);
        char enc[64];
        declared_encoding(peek, n, enc, sizeof enc);
        xs->enc_check = enc[0] && single_byte_encoding(enc);
        xs->enc_line = xs->enc_col = 1;
    }
    return CONV_OK;
}

void convp_xs_close(struct convp_xs *xs)
{
    if (xs->pc) {
        /* libxml2 records entity declarations in a document of its own
         * even in SAX mode ("expat compatibility"); it is ours to free. */
        if (xs->pc->myDoc)
            xmlFreeDoc(xs->pc->myDoc);
        xmlFreeParserCtxt(xs->pc);
        xs->pc = NULL;
    }
    if (xs->ctx)
        convp_free(xs->ctx, xs->chunk);
    xs->chunk = NULL;
}
