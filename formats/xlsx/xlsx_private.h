/*
 * Shared between the XLSX reader and writer: the driver tables that
 * xlsx_common.c puts into the format descriptor, and Excel's limits.
 */
#ifndef CONV_XLSX_PRIVATE_H
#define CONV_XLSX_PRIVATE_H

#include "conv_private.h"

#define CONVP_XLSX_MAX_ROWS 1048576u
#define CONVP_XLSX_MAX_COLS 16384u
#define CONVP_XLSX_MAX_TEXT 32767u /* characters in one cell */

extern const struct convp_reader_ops convp_xlsx_reader_ops;
extern const struct convp_writer_ops convp_xlsx_writer_ops;

#endif /* CONV_XLSX_PRIVATE_H */
