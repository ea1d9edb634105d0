/*
 * The OLE2 compound file layer of the XLS reader: a FAT file system inside
 * one file, from which the reader takes one stream ("Workbook") and reads
 * it at any offset.  Every sector number, chain and size is checked.
 */
#ifndef CONV_XLS_CFB_H
#define CONV_XLS_CFB_H

#include "conv_private.h"

struct convp_cfb;

/*
 * Open the compound file of an input: a memory input is read in place, a
 * regular file through pread(), anything else is first copied to a
 * temporary file (convp_input_random, at most twice max_stream bytes).
 * max_stream also bounds the stream sizes and the file system's own
 * tables.  NULL with err set:
 * CONV_E_SYNTAX (damaged), CONV_E_LIMIT, CONV_E_IO, CONV_E_NOMEM.
 */
struct convp_cfb *convp_cfb_open(struct conv_context *ctx, struct convp_input *in,
                                 const char *source, uint64_t max_stream, struct conv_error *err);
void convp_cfb_close(struct convp_cfb *cfb);

/* A stream among the root storage's children, by name (ASCII case folded):
 * its entry number, or -1. */
long convp_cfb_find(const struct convp_cfb *cfb, const char *name);

/*
 * Make entry the stream read by convp_cfb_read(): its chain is followed
 * and checked (a loop, a sector out of the file, a chain too short for
 * the size); *size gets its size.  CONV_OK or CONV_ERR with err set.
 */
int convp_cfb_select(struct convp_cfb *cfb, long entry, uint64_t *size, struct conv_error *err);

/* n bytes of the selected stream at off: CONV_OK, or CONV_ERR with err set
 * (past the stream's end: CONV_E_SYNTAX). */
int convp_cfb_read(struct convp_cfb *cfb, uint64_t off, void *buf, size_t n,
                   struct conv_error *err);

#endif /* CONV_XLS_CFB_H */
