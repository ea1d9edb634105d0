/*
 * The XLS format descriptor: Excel 97-2003 workbooks (BIFF8 in an OLE
 * compound file), read only, by our own parser (xls_cfb.c, xls_read.c).
 */
#include "xls_private.h"

#include "sheet.h"

static const char *const xls_extensions[] = {"xls", NULL};

static const struct conv_option_desc xls_options[] = {
    CONVP_SHEET_READ_OPTIONS,
    CONVP_SHEET_LAYOUT_OPTION,
    {"max-part-size", "BYTES",
     "largest workbook stream of an .xls (default 256 MiB; its shared strings "
     "the same): against hostile files",
     CONV_OPT_READ},
    {NULL, NULL, NULL, 0},
};

/* An OLE compound file: above the XLSX reader's 10, which claims one only
 * to explain that it is not a .xlsx.  Encrypted .xlsx files are OLE files
 * too; this reader names them in its error. */
static int xls_probe(const unsigned char *p, size_t n)
{
    static const unsigned char ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    return n >= 8 && !memcmp(p, ole, 8) ? 50 : 0;
}

const struct conv_format convp_format_xls = {
    .name = "xls",
    .description = "Excel 97-2003 workbook (.xls), read only",
    .extensions = xls_extensions,
    .flags = CONV_FORMAT_TYPED | CONV_FORMAT_SHEETS | CONVP_FMT_CELL_TEXT,
    .probe = xls_probe,
    .reader = &convp_xls_reader_ops,
    .writer = NULL,
    .options = xls_options,
};
