/*
 * The XLS (Excel 97-2003) reader's driver table, for the descriptor in
 * xls_common.c.
 */
#ifndef CONV_XLS_PRIVATE_H
#define CONV_XLS_PRIVATE_H

#include "conv_private.h"

#define CONVP_XLS_DEFAULT_MAX ((uint64_t)256 << 20) /* max-part-size: the workbook stream */

extern const struct convp_reader_ops convp_xls_reader_ops;

#endif /* CONV_XLS_PRIVATE_H */
