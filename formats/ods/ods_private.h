/*
 * The ODS (OpenDocument spreadsheet) reader's driver table, for the
 * descriptor in ods_common.c.
 */
#ifndef CONV_ODS_PRIVATE_H
#define CONV_ODS_PRIVATE_H

#include "conv_private.h"

#define CONVP_ODS_MAX_ROWS 1048576u /* Excel's limits, against huge repeats */
#define CONVP_ODS_MAX_COLS 16384u

extern const struct convp_reader_ops convp_ods_reader_ops;

#endif /* CONV_ODS_PRIVATE_H */
