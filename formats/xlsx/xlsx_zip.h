/*
 * The zip layer of the XLSX reader: minizip over the input with our own
 * I/O (memory read in place, a regular file through pread(), anything else
 * spooled to an unnamed temporary file), every entry checked before use,
 * and each part inflated as a bounded, CRC-checked stream.
 */
#ifndef CONV_XLSX_ZIP_H
#define CONV_XLSX_ZIP_H

#include "conv_private.h"

struct convp_xlsx_zip;

/*
 * Open the zip behind in.  Refused, each with a one-line error: an OLE
 * compound file (encrypted workbook, old .xls), anything else that is not
 * a zip, a damaged or truncated central directory, entries flagged
 * encrypted, methods other than stored and deflate, duplicate names
 * (ASCII case folded), entries whose local headers and data overlap or run
 * past the end.  max_part bounds each part's inflated size, max_total all
 * parts read together.  NULL with err set.
 */
struct convp_xlsx_zip *convp_xlsx_zip_open(struct conv_context *ctx, struct convp_input *in,
                                           const char *source, uint64_t max_part,
                                           uint64_t max_total, struct conv_error *err);
void convp_xlsx_zip_close(struct convp_xlsx_zip *z);

/* Entry index of a part name (exact, else ASCII case folded), or -1. */
long convp_xlsx_zip_find(const struct convp_xlsx_zip *z, const char *name);
const char *convp_xlsx_zip_name(const struct convp_xlsx_zip *z, size_t i);

/*
 * Start inflating entry i (one entry is open at a time; opening another
 * ends the one open).  A declared size over max_part is refused before
 * anything is read.  CONV_OK or CONV_ERR with err set.
 */
int convp_xlsx_zip_open_entry(struct convp_xlsx_zip *z, size_t i, struct conv_error *err);
/*
 * Up to n inflated bytes of the open entry; 0 at its end, once its size
 * and CRC have been checked; -1 with err set (damaged data, CRC mismatch,
 * more or fewer bytes than declared, over max_total, I/O).
 */
long convp_xlsx_zip_read(struct convp_xlsx_zip *z, void *buf, size_t n, struct conv_error *err);

#endif /* CONV_XLSX_ZIP_H */
