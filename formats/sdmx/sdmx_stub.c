#include "sdmx_private.h"
static int w_open(struct conv_writer *w) { convp_error_set(&w->err, CONV_E_UNSUPPORTED, NULL, 0,0, "todo"); return CONV_ERR; }
static int w_begin(struct conv_writer *w, const struct conv_schema *f) { (void)w; (void)f; return CONV_OK; }
static int w_put(struct conv_writer *w, const struct conv_record *r) { (void)w; (void)r; return CONV_OK; }
static int w_finish(struct conv_writer *w) { (void)w; return CONV_OK; }
static void w_close(struct conv_writer *w) { (void)w; }
const struct convp_writer_ops convp_sdmx_json_writer_ops = {.open = w_open, .begin = w_begin, .put = w_put, .finish = w_finish, .close = w_close};
