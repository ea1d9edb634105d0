/*
 * libFuzzer target for the ODS reader.  The first byte picks the mode: bit 0
 * set wraps the rest as content.xml in a stored zip (after a mimetype
 * entry), so the fuzzer works on the XML; clear reads the rest as the
 * document itself (zip layer included).  Bits 1-3 pick the reading options
 * (fuzz_book_options).  Every record is read, from memory and again through
 * a callback (both must agree); the reader must fail cleanly.
 */
#include "conv/conv.h"
#include "fuzz_common.h"

static void wrap(struct fuzz_buf *out, const uint8_t *xml, size_t n)
{
    static const char mime[] = "application/vnd.oasis.opendocument.spreadsheet";
    const struct fuzz_zip_entry e[2] = {{"mimetype", mime, sizeof mime - 1},
                                        {"content.xml", xml, n}};
    fuzz_zip(out, e, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_wrapped("ods", data, size, fuzz_book_options, wrap, 4093);
    return 0;
}
