/*
 * The CSV format descriptor and what reader and writer share: the probe
 * (CSV is the low-bidding fallback for any clean UTF-8 text) and delimiter
 * option parsing.
 */
#include "csv_private.h"

#include <string.h>


int convp_csv_probe(const unsigned char *peek, size_t n)
{
    int truncated;
    size_t ok = convp_csv_utf8_scan(peek, n, &truncated);
    /* The peek window may end inside a character: that is not a fault. */
    if (ok == n || (truncated && n - ok < 4))
        return 10;
    return 0;
}

int convp_csv_parse_delim(const char *s, int allow_auto, unsigned char *out)
{
    static const struct {
        const char *name;
        char c;
    } names[] = {{"tab", '\t'}, {"comma", ','}, {"semicolon", ';'},
                 {"pipe", '|'}, {"space", ' '}};

    if (!s)
        return -1;
    if (allow_auto && strcmp(s, "auto") == 0) {
        *out = 0;
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = (unsigned char)names[i].c;
            return 0;
        }
    /* One ASCII byte; the quote and line ends are the syntax itself. */
    if (s[0] == '\0' || s[1] != '\0')
        return -1;
    unsigned char c = (unsigned char)s[0];
    if (c >= 0x80 || c == '"' || c == '\r' || c == '\n')
        return -1;
    *out = c;
    return 0;
}

static const char *const csv_extensions[] = {"csv", NULL};
static const char *const tsv_extensions[] = {"tsv", "tab", NULL};

static const struct conv_option_desc csv_options[] = {
    {"delimiter", "CHAR",
     "field delimiter: auto (default), ',', ';', tab, '|' or one ASCII character",
     CONV_OPT_READ},
    {"no-header", NULL, "the first row is data; fields are named 1, 2, ...",
     CONV_OPT_READ},
    {"header-row", "N",
     "the line holding the field names (default: the first row with two or more values, "
     "skipping title rows above it)",
     CONV_OPT_READ},
    {"layout", "records|table|cells",
     "records (default: a header row and a record per row), table (a table made for people: "
     "a record per value with its row and column labels, docs/tables.md) or cells (a record "
     "per non-empty field with its row and column)",
     CONV_OPT_READ},
    {"header-rows", "ROWS",
     "--layout table: the header rows (4-7), instead of those found; SHEET!4-7;SHEET!5-6 sheet "
     "by sheet",
     CONV_OPT_READ},
    {"stub-cols", "COLS",
     "--layout table: the stub columns (A-B), instead of those found; SHEET!A-B sheet by sheet",
     CONV_OPT_READ},
    {"body-rows", "ROWS",
     "--layout table: the rows of values (9-40), instead of those found; SHEET!9-40 sheet by "
     "sheet",
     CONV_OPT_READ},
    {"unit", "TEXT",
     "--layout table: the unit of the values, instead of the unit line's; SHEET!TEXT sheet by "
     "sheet",
     CONV_OPT_READ},
    {"region", "CODE",
     "--layout table --profile indicators: the region of rows that name none (a code of the "
     "profile's list)",
     CONV_OPT_READ},
    {"ragged", "error|pad", "short rows: error (default) or pad with nulls",
     CONV_OPT_READ},
    {"duplicate-names", "error|rename",
     "duplicate column names: error (default) or rename to x_2, x_3 (a column without a name is column_N)",
     CONV_OPT_READ},
    {"out-delimiter", "CHAR", "field delimiter to write (default ',')",
     CONV_OPT_WRITE},
    {"omit-header", NULL, "do not write the header row", CONV_OPT_WRITE},
    {"eol", "crlf|lf", "line end to write (default crlf)", CONV_OPT_WRITE},
    {"bom", NULL, "start the output with a UTF-8 byte-order mark", CONV_OPT_WRITE},
    {"excel-safe", NULL,
     "prefix ' to text starting with = + - @ tab or CR that is not a number",
     CONV_OPT_WRITE},
    {NULL, NULL, NULL, 0}};

const struct conv_format convp_format_csv = {
    .name = "csv",
    .description = "Comma-separated values (RFC 4180), UTF-8, with a header row",
    .extensions = csv_extensions,
    .flags = CONV_FORMAT_NEEDS_HEADER | CONVP_FMT_TEXT | CONVP_FMT_NOTATION,
    .probe = convp_csv_probe,
    .reader = &convp_csv_reader_ops,
    .writer = &convp_csv_writer_ops,
    .options = csv_options,
};

/* Tab-separated values: the same driver with tab as the default delimiter
 * both ways.  No probe: by content, such a file is CSV with a detected tab. */
const struct conv_format convp_format_tsv = {
    .name = "tsv",
    .description = "Tab-separated values (CSV rules with a tab delimiter)",
    .extensions = tsv_extensions,
    .flags = CONV_FORMAT_NEEDS_HEADER | CONVP_FMT_TEXT | CONVP_FMT_NOTATION,
    .probe = NULL,
    .reader = &convp_csv_reader_ops,
    .writer = &convp_csv_writer_ops,
    .options = NULL,
};
