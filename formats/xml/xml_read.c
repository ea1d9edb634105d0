/* XML reader: placeholder until the reader lands. */
#include "xml_private.h"

static int xr_open(struct conv_reader *rd)
{
    convp_error_set(&rd->err, CONV_E_UNSUPPORTED, rd->source, 0, 0, "XML reading is not built yet");
    return CONV_ERR;
}

const struct convp_reader_ops convp_xml_reader_ops = {
    .open = xr_open,
};
