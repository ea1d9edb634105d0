/*
 * libFuzzer target for the CSV reader: read the bytes to the end or the
 * first error, from memory and again trickled (both must agree); when they
 * read cleanly, write the records as CSV, read that back and check nothing
 * was lost (as many records, and writing the second reading gives the same
 * bytes again).  The reading and writing options come from a hash of the
 * input's first bytes, so seed files stay plain CSV and half of the runs
 * use the defaults.
 */
#include "conv/conv.h"
#include "fuzz_common.h"

/* The notation (auto, vi, c), a header row, a legacy encoding. */
static const struct fuzz_option read_options[] = {
    {0, 0, "from", "csv"},
    {0x1, 0x1, "no-header", "1"},
    {0x2, 0x2, "ragged", "pad"},
    {0x4, 0x4, "duplicate-names", "rename"},
    {0x18, 0x08, "delimiter", ","},
    {0x18, 0x10, "delimiter", ";"},
    {0x18, 0x18, "delimiter", "tab"},
    {0x100, 0x100, "infer-rows", "0"},
    {0x600, 0x200, "locale", "vi"},
    {0x600, 0x400, "locale", "c"},
    {0x801, 0x800, "header-row", "2"},
    {0x1000, 0x1000, "encoding", "cp1258"},
    {0x6000, 0x2000, "layout", "table"},
    {0x6000, 0x4000, "layout", "cells"},
    {0, 0, NULL, NULL},
};

/* The written text read back with the delimiter it was written with (a
 * guess could pick another) and in C notation, which reads canonical text
 * as written (auto could find a canonical 1.250 ambiguous); the written
 * file has a header, unique names and full rows, so no other reading
 * option is needed. */
static const struct fuzz_option back_options[] = {
    {0, 0, "from", "csv"},       {0, 0, "locale", "c"},          {0x100, 0x100, "infer-rows", "0"},
    {0x40, 0, "delimiter", ","}, {0x40, 0x40, "delimiter", ";"}, {0, 0, NULL, NULL},
};

static const struct fuzz_option write_options[] = {
    {0, 0, "to", "csv"},       {0x40, 0x40, "out-delimiter", ";"},
    {0x20, 0x20, "eol", "lf"}, {0x80, 0x80, "excel-safe", "1"},
    {0, 0, NULL, NULL},
};

/* A hash of the first bytes; 0 (the defaults) half of the time. */
static uint32_t pick_options(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size && i < 64; i++)
        h = (h ^ data[i]) * 16777619u;
    return h >> 31 ? 0 : h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_round_trip(data, size, pick_options(data, size), read_options, back_options, write_options,
                    7);
    return 0;
}
