/*
 * Shared between the JSON and JSON Lines drivers: the reader and writer
 * operation tables that json_common.c puts into the two format descriptors.
 */
#ifndef CONV_JSON_PRIVATE_H
#define CONV_JSON_PRIVATE_H

#include "conv_private.h"

/* Bytes handed to yajl per call; the record queue is bounded by it. */
#define CONVP_JSON_CHUNK ((size_t)64 << 10)

/* json_read.c: a top-level array of objects, and one object per line. */
extern const struct convp_reader_ops convp_json_reader_ops;
extern const struct convp_reader_ops convp_jsonl_reader_ops;

/* json_write.c: `[\n{..},\n{..}\n]\n`, and `{..}\n` per record. */
extern const struct convp_writer_ops convp_json_writer_ops;
extern const struct convp_writer_ops convp_jsonl_writer_ops;

#endif /* CONV_JSON_PRIVATE_H */
