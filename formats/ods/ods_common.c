/*
 * The ODS format descriptor: OpenDocument spreadsheets (LibreOffice,
 * Gnumeric, ...), read only, with the XLSX reader's rules.
 */
#include "ods_private.h"

static const char *const ods_extensions[] = {"ods", NULL};

static const struct conv_option_desc ods_options[] = {
    {"sheet", "NAME|INDEX",
     "read only this sheet (a name, or 1 for the first); "
     "default: every sheet, with a 'sheet' field when there are several",
     CONV_OPT_READ},
    {"header-row", "N",
     "the row holding the field names (default: the first row with two or "
     "more values, within 20 rows of the first non-empty one)",
     CONV_OPT_READ},
    {"max-part-size", "BYTES",
     "largest inflated size of one part of the document (default "
     "1 GiB): against zip bombs",
     CONV_OPT_READ},
    {"duplicate-names", "error|rename",
     "duplicate header names: error (default) or rename to x_2, column_N", CONV_OPT_READ},
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
    .flags = CONV_FORMAT_TYPED | CONV_FORMAT_SHEETS,
    .probe = ods_probe,
    .reader = &convp_ods_reader_ops,
    .writer = NULL,
    .options = ods_options,
};
