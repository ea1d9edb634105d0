/*
 * libFuzzer target for the XLSX reader.  The first byte picks the mode
 * and the reader options:
 *   even: the rest is read as a workbook file as it is (the zip layer,
 *         damaged and hostile archives);
 *   odd:  the rest is split at "@@@\n" into a worksheet, shared strings,
 *         styles and a second worksheet, which are wrapped in a valid
 *         stored zip with a standard workbook around them, so that the
 *         XML parts themselves get fuzzed past the CRC checks.
 * Each input is read from memory and again through a callback (which the
 * reader spools to a temporary file): both must give the same records or
 * the same error.  Every value must be in the canonical text of its type.
 */
#include "conv/conv.h"
#include "fuzz_common.h"

/* Bit 1 raw-numbers, bit 2 duplicate-names, bits 3-4 the header row,
 * bits 5-6 the sheet, bit 7 tables made for people (--layout table). */
static const struct fuzz_option options[] = {
    {0, 0, "max-part-size", "4194304"},
    {0x02, 0x02, "raw-numbers", "1"},
    {0x04, 0x04, "duplicate-names", "rename"},
    {0x18, 0x08, "header-row", "3"},
    {0x18, 0x18, "header-row", "1"},
    {0x60, 0x20, "sheet", "2"},
    {0x60, 0x40, "sheet", "S 2"},
    {0x80, 0x80, "layout", "table"},
    {0, 0, NULL, NULL},
};

#define S(x) (x), sizeof(x) - 1

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override "
    "PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    "</Types>";
static const char root_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
    "Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"xl/workbook.xml\"/></Relationships>";
static const char workbook[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<workbookPr/><sheets><sheet name=\"S1\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"S 2\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>";
static const char wb_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"/xl/worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
    "Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId4\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
    "Target=\"styles.xml\"/></Relationships>";
static const char empty_sheet[] =
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<sheetData/></worksheet>";

static const char empty_sst[] =
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>";
static const char empty_styles[] =
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>";

/* Wrap the parts found in p[0..n) into a workbook. */
static void wrap(struct fuzz_buf *out, const uint8_t *p, size_t n)
{
    const uint8_t *seg[4] = {NULL, NULL, NULL, NULL};
    size_t len[4] = {0, 0, 0, 0};
    size_t k = 0, start = 0;
    for (size_t i = 0; i + 4 <= n && k < 3; i++)
        if (!memcmp(p + i, "@@@\n", 4)) {
            seg[k] = p + start;
            len[k] = i - start;
            k++;
            start = i + 4;
            i += 3;
        }
    seg[k] = p + start;
    len[k] = n - start;
    k++;
    struct fuzz_zip_entry e[8];
    size_t m = 0;
    e[m++] = (struct fuzz_zip_entry){"[Content_Types].xml", S(content_types)};
    e[m++] = (struct fuzz_zip_entry){"_rels/.rels", S(root_rels)};
    e[m++] = (struct fuzz_zip_entry){"xl/workbook.xml", S(workbook)};
    e[m++] = (struct fuzz_zip_entry){"xl/_rels/workbook.xml.rels", S(wb_rels)};
    e[m++] = (struct fuzz_zip_entry){"xl/worksheets/sheet1.xml", seg[0], len[0]};
    if (k > 1)
        e[m++] = (struct fuzz_zip_entry){"xl/sharedStrings.xml", seg[1], len[1]};
    else
        e[m++] = (struct fuzz_zip_entry){"xl/sharedStrings.xml", S(empty_sst)};
    if (k > 2)
        e[m++] = (struct fuzz_zip_entry){"xl/styles.xml", seg[2], len[2]};
    else
        e[m++] = (struct fuzz_zip_entry){"xl/styles.xml", S(empty_styles)};
    if (k > 3)
        e[m++] = (struct fuzz_zip_entry){"xl/worksheets/sheet2.xml", seg[3], len[3]};
    else
        e[m++] = (struct fuzz_zip_entry){"xl/worksheets/sheet2.xml", S(empty_sheet)};
    fuzz_zip(out, e, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_wrapped("xlsx", data, size, options, wrap, 4093);
    return 0;
}
