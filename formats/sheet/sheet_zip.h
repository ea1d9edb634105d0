/*
 * The zip layer of the spreadsheet readers (XLSX, ODS): minizip over the
 * input's random access (convp_input_random: memory in place, a regular
 * file through pread(), anything else spooled to an unnamed temporary
 * file), every entry checked before use, and each part inflated as a
 * bounded, CRC-checked stream.
 */
#ifndef CONV_SHEET_ZIP_H
#define CONV_SHEET_ZIP_H

#include "conv_private.h"

struct convp_zip;

/*
 * Open the zip behind in.  Refused, each with a one-line error: an OLE
 * compound file (encrypted workbook, old .xls), anything else that is not
 * a zip, a damaged or truncated central directory, entries flagged
 * encrypted, methods other than stored and deflate, duplicate names
 * (ASCII case folded), entries whose local headers and data overlap or run
 * past the end.  what names the document in errors ("XLSX workbook"): "not
 * an XLSX workbook (not a zip archive)".  max_part bounds each part's inflated size, max_total all
 * parts read together.  NULL with err set.
 */
struct convp_zip *convp_zip_open(struct conv_context *ctx, struct convp_input *in,
                                 const char *source, const char *what, uint64_t max_part,
                                 uint64_t max_total, struct conv_error *err);
void convp_zip_close(struct convp_zip *z);

/* Entry index of a part name (exact, else ASCII case folded), or -1. */
long convp_zip_find(const struct convp_zip *z, const char *name);
const char *convp_zip_name(const struct convp_zip *z, size_t i);

/*
 * Start inflating entry i (one entry is open at a time; opening another
 * ends the one open).  A declared size over max_part is refused before
 * anything is read.  CONV_OK or CONV_ERR with err set.
 */
int convp_zip_open_entry(struct convp_zip *z, size_t i, struct conv_error *err);
/*
 * Up to n inflated bytes of the open entry; 0 at its end, once its size
 * and CRC have been checked; -1 with err set (damaged data, CRC mismatch,
 * more or fewer bytes than declared, over max_total, I/O).
 */
long convp_zip_read(struct convp_zip *z, void *buf, size_t n, struct conv_error *err);

#endif /* CONV_SHEET_ZIP_H */
