/* Tables made for people: see sheet_table.h. */
#include "sheet_table.h"

int convp_table_open(struct convp_book *b)
{
    convp_error_set(&b->rd->err, CONV_E_UNSUPPORTED, NULL, 0, 0, "--layout table: not yet");
    return CONV_ERR;
}

int convp_table_next(struct convp_book *b, struct conv_record *rec)
{
    (void)b;
    (void)rec;
    return CONV_EOF;
}

void convp_table_free(struct convp_book *b)
{
    (void)b;
}
