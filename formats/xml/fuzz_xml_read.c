/*
 * libFuzzer target for the XML reader: read the bytes to the end or the
 * first error, from memory and again through a callback handing out 1..7
 * bytes at a time (both must agree: same records, same output bytes, same
 * error); when a reading is clean, write its records as JSON Lines, read
 * that back and check nothing was lost (same record count) and that the
 * output is canonical (writing it again gives the same bytes).
 *
 * An input whose first line is "#NAME" is read with --xml-record NAME (a
 * name or a path) and the rest is the document: the generic path with
 * every record rule.  Odd-sized inputs also try --reject-nested.
 */
#include "conv/conv.h"
#include "fuzz_common.h"

/* The output is flat JSON Lines. */
static const struct fuzz_option back_options[] = {
    {0, 0, "from", "jsonl"},
    {0, 0, "reject-nested", "1"},
    {0, 0, NULL, NULL},
};

static const struct fuzz_option write_options[] = {
    {0, 0, "to", "jsonl"},
    {0, 0, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Odd sizes (of the document) refuse nested values. */
    char name[200];
    struct fuzz_option read_options[] = {
        {0, 0, "from", "xml"},
        {1, 1, "reject-nested", "1"},
        {0, 0, NULL, NULL}, /* or the record element */
        {0, 0, NULL, NULL},
    };
    /* "#NAME\n" first: the record element, and the document after it. */
    if (size > 1 && data[0] == '#') {
        const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
        if (nl) {
            size_t n = (size_t)(nl - data) - 1;
            memcpy(name, data + 1, n);
            name[n] = '\0';
            if (strlen(name) == n) /* no NUL inside */
                read_options[2] = (struct fuzz_option){0, 0, "xml-record", name};
            size -= (size_t)(nl - data) + 1;
            data = nl + 1;
        }
    }
    fuzz_round_trip(data, size, (uint32_t)(size & 1), read_options, back_options, write_options, 7);
    return 0;
}
