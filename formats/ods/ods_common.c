/*
 * The ODS format descriptor: OpenDocument spreadsheets (LibreOffice,
 * Gnumeric, ...), read only, with the XLSX reader's rules.
 */
#include "ods_private.h"

#include "sheet.h"

static const char *const ods_extensions[] = {"ods", NULL};

static const struct conv_option_desc ods_options[] = {
    CONVP_SHEET_READ_OPTIONS,
    CONVP_SHEET_LAYOUT_OPTION,
    {"max-part-size", "BYTES",
     "largest inflated size of one part of the document (default "
     "1 GiB): against zip bombs",
     CONV_OPT_READ},
    {NULL, NULL, NULL, 0},
};

/* A zip whose first entry is the stored 'mimetype' naming a spreadsheet. */
static int ods_probe(const unsigned char *p, size_t n)
{
    static const char mime[] = "application/vnd.oasis.opendocument.spreadsheet";
    if (n >= 38 + sizeof mime - 1 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4 &&
        !memcmp(p + 30, "mimetype", 8) && !memcmp(p + 38, mime, sizeof mime - 1))
        return 70;
    return 0;
}

const struct conv_format convp_format_ods = {
    .name = "ods",
    .description = "OpenDocument spreadsheet (.ods), read only",
    .extensions = ods_extensions,
    .flags = CONV_FORMAT_TYPED | CONV_FORMAT_SHEETS | CONVP_FMT_CELL_TEXT,
    .probe = ods_probe,
    .reader = &convp_ods_reader_ops,
    .writer = NULL,
    .options = ods_options,
};
