/*
 * Shared between the XML reader and writer: the project's exchange
 * vocabulary (namespace and element names) and the driver tables that
 * xml_common.c puts into the format descriptor.
 */
#ifndef CONV_XML_PRIVATE_H
#define CONV_XML_PRIVATE_H

#include "conv_private.h"

/* The exchange vocabulary (docs/formats.md, schemas/dataset.xsd). */
#define CONVP_XML_NS "urn:x-libconv:dataset:1"
#define CONVP_XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define CONVP_XML_ROOT "dataset"
#define CONVP_XML_META "meta"
#define CONVP_XML_FIELDS "fields"
#define CONVP_XML_FIELD "field"
#define CONVP_XML_RECORD "record"

/* Bounds on hostile input, besides the core's. */
#define CONVP_XML_MAX_TEXT ((size_t)10000000) /* one value, as libxml2's own */
#define CONVP_XML_MAX_NAME ((size_t)4096)     /* a dotted field name */
#define CONVP_XML_MAX_DEPTH 64                /* element nesting */

extern const struct convp_reader_ops convp_xml_reader_ops;
extern const struct convp_writer_ops convp_xml_writer_ops;

#endif /* CONV_XML_PRIVATE_H */
