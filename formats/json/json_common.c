/*
 * The two JSON format descriptors: "json" (one array of objects) and
 * "jsonl" (one object per line).  Both carry typed values, share the
 * reader option list, and bid on the first non-blank byte.
 */
#include "json_private.h"

static const char *const json_extensions[] = {"json", NULL};
static const char *const jsonl_extensions[] = {"jsonl", "ndjson", NULL};

static const struct conv_option_desc json_options[] = {
    {"reject-nested", NULL,
     "fail on a nested object or array instead of flattening it to dotted names",
     CONV_OPT_READ},
    {NULL, NULL, NULL, 0},
};

/* The first byte that is not JSON whitespace, or -1 when there is none
 * within the n bytes given. */
static int first_significant(const unsigned char *peek, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = peek[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return c;
    }
    return -1;
}

static int json_probe(const unsigned char *peek, size_t n)
{
    return first_significant(peek, n) == '[' ? 90 : 0;
}

static int jsonl_probe(const unsigned char *peek, size_t n)
{
    return first_significant(peek, n) == '{' ? 80 : 0;
}

const struct conv_format convp_format_json = {
    .name = "json",
    .description = "JSON: an array of objects, nested values flattened to dotted names",
    .extensions = json_extensions,
    .flags = CONV_FORMAT_TYPED | CONVP_FMT_TEXT,
    .probe = json_probe,
    .reader = &convp_json_reader_ops,
    .writer = &convp_json_writer_ops,
    .options = json_options,
};

const struct conv_format convp_format_jsonl = {
    .name = "jsonl",
    .description = "JSON Lines: one object per line",
    .extensions = jsonl_extensions,
    .flags = CONV_FORMAT_TYPED | CONVP_FMT_TEXT,
    .probe = jsonl_probe,
    .reader = &convp_jsonl_reader_ops,
    .writer = &convp_jsonl_writer_ops,
    .options = json_options,
};
