/* XLSX writer: placeholder until the writer lands. */
#include "xlsx_private.h"

static int xw_open(struct conv_writer *w)
{
    convp_error_set(&w->err, CONV_E_UNSUPPORTED, NULL, 0, 0, "XLSX writing is not built yet");
    return CONV_ERR;
}

const struct convp_writer_ops convp_xlsx_writer_ops = {
    .open = xw_open,
};
