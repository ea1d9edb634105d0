/*
 * The XLSX format descriptor: Office Open XML workbooks, written for
 * people (title, styled header, print setup), plain, or as a report table
 * of indicators, read sheet by sheet.
 */
#include "xlsx_private.h"

#include "sheet.h"

static const char *const xlsx_extensions[] = {"xlsx", NULL};

static const struct conv_option_desc xlsx_options[] = {
    CONVP_SHEET_READ_OPTIONS,
    {"max-part-size", "BYTES", "largest inflated size of one part of the workbook (default 1 GiB; "
                               "all parts 4 times that, shared strings a quarter): against zip "
                               "bombs",
     CONV_OPT_READ},
    {"plain", NULL, "write the field names and the data, for machines: no title, labels, "
                    "styles, widths, print setup or field sheet (--layout plain)",
     CONV_OPT_WRITE},
    {"layout", "people|plain|report|records|table|cells",
     "writing: people (default: the records, styled for reading and printing), plain (--plain) "
     "or report (indicators by period, the table officials print; records of the indicators "
     "profile, at most 100,000); " CONVP_SHEET_LAYOUT_HELP,
     CONV_OPT_BOTH},
    {"issuer", "TEXT", "report: the issuing body heading the page, lines split by '|' "
                       "(default: UBND and the region's name in capitals)",
     CONV_OPT_WRITE},
    {"place", "TEXT", "report: the place before the date (default: the region's name without "
                      "Thành phố, Tỉnh, Huyện, Thị xã)",
     CONV_OPT_WRITE},
    {"signer-title", "TEXT", "report: the signer's title (default: THỦ TRƯỞNG ĐƠN VỊ)",
     CONV_OPT_WRITE},
    {"signer", "NAME", "report: the signer's name under the signature (default: none)",
     CONV_OPT_WRITE},
    {"recipients", "TEXT", "report: the recipients listed under Nơi nhận, split by '|' "
                           "(default: none, and no list)",
     CONV_OPT_WRITE},
    {"sheet-by", "FIELD", "a sheet for each value of FIELD, named after it, made as values appear",
     CONV_OPT_WRITE},
    {"summary-by", "FIELD", "a first sheet, Tổng hợp, counting the records per value of FIELD "
                            "(at most 100,000 values), with the total",
     CONV_OPT_WRITE},
    {"author", "TEXT", "the workbook's author property (default: libconv)", CONV_OPT_WRITE},
    {NULL, NULL, NULL, 0},
};

/* A zip archive ("PK\3\4"); an OLE compound file is an encrypted
 * workbook or an old .xls, which the reader names in its error. */
static int xlsx_probe(const unsigned char *p, size_t n)
{
    static const unsigned char ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4)
        return 60;
    /* Not ours, but the reader's error says what it is and what to do. */
    if (n >= 8 && !memcmp(p, ole, 8))
        return 10;
    return 0;
}

const struct conv_format convp_format_xlsx = {
    .name = "xlsx",
    .description = "Excel workbook (.xlsx): styled for people, --plain, or a report table",
    .extensions = xlsx_extensions,
    .flags =
        CONV_FORMAT_TYPED | CONV_FORMAT_NEEDS_HEADER | CONV_FORMAT_SHEETS | CONVP_FMT_CELL_TEXT,
    .probe = xlsx_probe,
    .reader = &convp_xlsx_reader_ops,
    .writer = &convp_xlsx_writer_ops,
    .options = xlsx_options,
};
