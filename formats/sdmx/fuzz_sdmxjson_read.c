/*
 * libFuzzer target for the sdmx-json reader (the body is fuzz_common.h): read,
 * rewrite as SDMX-CSV, read back.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_sdmx(data, size, "sdmx-json");
}
