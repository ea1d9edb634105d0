/*
 * libFuzzer target for the JSON and JSON Lines readers: read the bytes
 * both ways to the end or the first error, from memory and again through a
 * callback handing out 1..7 bytes at a time (both must agree to the byte,
 * errors included); when a reading is clean, the whole input was strict
 * UTF-8, and writing its records as JSON, reading that back and writing it
 * again loses nothing and gives the same (canonical) bytes.  Odd-sized
 * inputs also try the refusal of nested values.
 */
#include "conv/conv.h"
#include "fuzz_common.h"

/* Bit 31 picks JSON Lines, bit 0 (odd sizes) the refusal of nested values. */
static const struct fuzz_option read_options[] = {
    {1u << 31, 0, "from", "json"},
    {1u << 31, 1u << 31, "from", "jsonl"},
    {1, 1, "reject-nested", "1"},
    {0, 0, NULL, NULL},
};

/* The output is flat. */
static const struct fuzz_option back_options[] = {
    {0, 0, "from", "json"},
    {0, 0, "reject-nested", "1"},
    {0, 0, NULL, NULL},
};

static const struct fuzz_option write_options[] = {
    {0, 0, "to", "json"},
    {0, 0, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Read cleanly, the whole input was strict UTF-8 (unless a UTF-16 BOM
     * had the input layer transcode it). */
    int utf16 =
        size >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF));
    int utf8 = conv_text_is(CONV_STRING, (const char *)data, size);
    for (uint32_t jsonl = 0; jsonl <= 1; jsonl++) {
        uint32_t picked = (uint32_t)(size & 1) | jsonl << 31;
        if (fuzz_round_trip(data, size, picked, read_options, back_options, write_options, 7) &&
            !utf16 && !utf8)
            abort();
    }
    return 0;
}
