/* XLSX reader: placeholder until the reader lands. */
#include "xlsx_private.h"

static int xr_open(struct conv_reader *rd)
{
    convp_error_set(&rd->err, CONV_E_UNSUPPORTED, rd->source, 0, 0,
                    "XLSX reading is not built yet");
    return CONV_ERR;
}

const struct convp_reader_ops convp_xlsx_reader_ops = {
    .open = xr_open,
};
