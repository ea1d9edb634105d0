/*
 * A strict, streaming XML tokenizer for the spreadsheet readers' big parts
 * (XLSX worksheets, ODS content), where libxml2 is too slow for the speed
 * target (docs/formats.md, Excel).
 * UTF-8 only; no DTD (a DOCTYPE is refused, so only the five predefined
 * entities and character references exist); well-formedness is checked
 * (names, attributes, quoting, matching end tags, one root, characters
 * XML allows, references); depth, tags and text are bounded.
 */
#ifndef CONV_SHEET_XML_H
#define CONV_SHEET_XML_H

#include "conv_private.h"

struct convp_xscan;

/* Where the bytes come from: up to n bytes, 0 at the end, -1 with err set. */
typedef long (*convp_xscan_read_fn)(void *user, void *buf, size_t n, struct conv_error *err);

struct convp_xscan_attr {
    const char *name; /* local name (any prefix dropped) */
    size_t name_len;
    const char *value; /* references decoded */
    size_t value_len;
};

enum { CONVP_XSCAN_START = 1, CONVP_XSCAN_END, CONVP_XSCAN_TEXT };

/* One token; its pointers are valid until the next call. */
struct convp_xscan_tok {
    int kind;
    const char *name; /* START, END: local name */
    size_t name_len;
    const struct convp_xscan_attr *attrs; /* START */
    size_t nattrs;
    const char *text; /* TEXT: decoded (references, line ends), not NUL-terminated */
    size_t text_len;
    size_t depth; /* START, END: 1 for the root element */
};

/* part and source label errors and must outlive the tokenizer. */
struct convp_xscan *convp_xscan_new(struct conv_context *ctx, convp_xscan_read_fn fn, void *user,
                                    const char *part, const char *source, struct conv_error *err);
/* CONV_OK with a token, CONV_EOF after the root element ended and the
 * input did, or CONV_ERR with the error set. */
int convp_xscan_next(struct convp_xscan *x, struct convp_xscan_tok *t);
void convp_xscan_free(struct convp_xscan *x);

#endif /* CONV_SHEET_XML_H */
