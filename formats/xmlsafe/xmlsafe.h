/*
 * The hardened XML parser that every XML reader of the library uses: a
 * libxml2 SAX2 push parser fed from a convp_input in 256 KiB chunks, with
 * no network, no DTD entities or external subsets, every reported error a
 * failure (structured, never printed), the thread's generic handler
 * silenced while libxml2 parses, and bounds on depth, start tags and the
 * names a document may intern.
 *
 * Use: embed a struct convp_xs as the FIRST member of the reader's state
 * and pass that state as the SAX user data (the DTD handlers find the
 * parser through it); fill a handler table with convp_xs_handlers() and
 * add startElementNs and the rest; convp_xs_start(); then convp_xs_feed()
 * until it returns 0 and convp_xs_finish().
 */
#ifndef CONV_XMLSAFE_H
#define CONV_XMLSAFE_H

#include "conv_private.h"

#include <libxml/parser.h>

#define CONVP_XS_CHUNK ((size_t)256 << 10)          /* bytes parsed per feed */
#define CONVP_XS_MAX_DEPTH 64                       /* element nesting */
#define CONVP_XS_MAX_DICT 200000                    /* distinct names interned */
#define CONVP_XS_MAX_START_TAG ((size_t)128 << 10)  /* bytes of one start tag */

struct convp_xs {
    xmlParserCtxtPtr pc;
    struct conv_context *ctx;
    struct convp_input *in;
    const char *source;    /* names errors */
    struct conv_error err; /* the first error; the owner hands it on */
    int failed;
    int input_done; /* the input has no more bytes */
    int parse_done; /* the parser was told so */
    unsigned char *chunk;
    uint64_t starts; /* start tags seen (convp_xs_enter) */
    /* The record number an error names, or NULL for none. */
    uint64_t (*record)(const struct convp_xs *xs);
    /* A single-byte encoding declaration over text that is UTF-8. */
    int enc_check;
    unsigned char enc_seq[4];
    size_t enc_n;
    uint64_t enc_line, enc_col;
};

/* Zero *sax and set the safety handlers: DTD and entity declarations,
 * external subsets, entity resolution and references refused, structured
 * errors.  The caller adds its element and text handlers. */
void convp_xs_handlers(xmlSAXHandler *sax);

/*
 * Start the push parser on in (already started: its peek window and
 * byte-order mark are known).  sax and user are what the parser calls
 * (user must point to the struct convp_xs, or to a struct that starts
 * with it; an XSD plug may stand in between and call through).
 * CONV_OK, or CONV_ERR with *err set.
 */
int convp_xs_start(struct convp_xs *xs, struct conv_context *ctx, struct convp_input *in,
                   const char *source, xmlSAXHandlerPtr sax, void *user,
                   struct conv_error *err);

/* Line and column where the parser is. */
uint64_t convp_xs_line(const struct convp_xs *xs);
uint64_t convp_xs_col(const struct convp_xs *xs);

/* Fail: the first error is kept (with the record number, when the owner
 * gave a way to tell it, and field), the parser stopped. */
void convp_xs_fail_at(struct convp_xs *xs, enum conv_errcode code, uint64_t line, uint64_t col,
                      const char *field, const char *fmt, ...) CONVP_PRINTF(6, 7);
#define convp_xs_fail(xs, code, ...)                                                             \
    convp_xs_fail_at((xs), (code), convp_xs_line(xs), convp_xs_col(xs), NULL, __VA_ARGS__)

/* Every start tag passes here with the depth of the element: 0 when it is
 * nested deeper than CONVP_XS_MAX_DEPTH or the document interned more than
 * CONVP_XS_MAX_DICT names (the parser has failed), else 1. */
int convp_xs_enter(struct convp_xs *xs, size_t depth);

/*
 * Read and parse the next chunk: 1 when bytes were parsed, 0 at the end
 * of the input (not yet told to the parser: the owner checks that its
 * document is whole, then calls convp_xs_finish()), -1 once failed.
 */
int convp_xs_feed(struct convp_xs *xs);
/* Tell the parser the document ends; parse_done is set. */
void convp_xs_finish(struct convp_xs *xs);

/* The value of an unqualified attribute of a start tag (the SAX2 array of
 * nb attributes), *len its bytes; NULL when absent, and always once the
 * parser has failed: stopping it frees the text the array points into. */
const char *convp_xs_attr(const struct convp_xs *xs, int nb, const xmlChar **attrs,
                          const char *name, size_t *len);
/* The same, copied (the context's allocator): NULL when absent, or when
 * out of memory (the parser has then failed). */
char *convp_xs_attr_dup(struct convp_xs *xs, int nb, const xmlChar **attrs, const char *name);

/* libxml2's message, first line, without a trailing period. */
void convp_xs_message(char *dst, size_t size, const char *msg);

/* The thread's generic error handler silenced for a call that reports
 * through it (schema includes, encoders): save, then restore. */
struct convp_xs_quiet {
    xmlGenericErrorFunc handler;
    void *ctx;
};
void convp_xs_quiet_begin(struct convp_xs_quiet *q);
void convp_xs_quiet_end(const struct convp_xs_quiet *q);

/* Free the parser and the chunk; the struct may be started again. */
void convp_xs_close(struct convp_xs *xs);

#endif /* CONV_XMLSAFE_H */
