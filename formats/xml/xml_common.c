/*
 * The XML format descriptor: the project's exchange vocabulary on output,
 * that vocabulary or any record-shaped XML on input.
 */
#include "xml_private.h"

static const char *const xml_extensions[] = {"xml", NULL};

static const struct conv_option_desc xml_options[] = {
    {"xml-record", "NAME|PATH",
     "the repeating record element: a name, or a path such as /root/items/item "
     "(default: the vocabulary's records, else each child of the root)",
     CONV_OPT_READ},
    {"xsd", "FILE", "validate the input against an XML Schema while reading; "
                    "every violation is reported with its line",
     CONV_OPT_READ},
    {"reject-nested", NULL,
     "fail on nested elements or mixed content inside a field instead of flattening "
     "them to dotted names",
     CONV_OPT_READ},
    {"xml-indent", "N", "spaces per level when writing (default 2; 0: one record per line)",
     CONV_OPT_WRITE},
    {NULL, NULL, NULL, 0},
};

/* "<?xml", or "<" then a name start, after blanks, comments aside. */
static int xml_probe(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i >= n || p[i] != '<')
        return 0;
    if (n - i >= 5 && !memcmp(p + i, "<?xml", 5))
        return 95;
    if (n - i >= 4 && !memcmp(p + i, "<!--", 4))
        return 70;
    if (i + 1 < n) {
        unsigned char c = p[i + 1];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80)
            return 70;
    }
    return 0;
}

const struct conv_format convp_format_xml = {
    .name = "xml",
    .description = "XML: the libconv exchange vocabulary, or any XML with a repeating "
                   "record element",
    .extensions = xml_extensions,
    /* meta declares every field before the first record */
    .flags = CONV_FORMAT_NEEDS_HEADER,
    .probe = xml_probe,
    .reader = &convp_xml_reader_ops,
    .writer = &convp_xml_writer_ops,
    .options = xml_options,
};
