/*
 * Vietnamese text in the legacy font encodings of old workbooks (TCVN3,
 * VNI), decoded by the cell's font (sheet_legacy.c).
 */
#ifndef CONV_SHEET_LEGACY_H
#define CONV_SHEET_LEGACY_H

#include "conv_private.h"

enum {
    CONVP_LEGACY_NONE = 0,
    CONVP_LEGACY_TCVN3,      /* .VnTime, .VnArial... */
    CONVP_LEGACY_TCVN3_CAPS, /* .VnTimeH, .VnArialH: the capital fonts */
    CONVP_LEGACY_VNI         /* VNI-Times, VNI-Helve... */
};

/* The legacy encoding a font's name says, CONVP_LEGACY_NONE for others. */
int convp_legacy_of_font(const char *font);
/* Text typed in such a font (its bytes kept as Windows-1252 characters)
 * as Unicode (NFC), appended to out; scratch is working room.  0, or -1
 * on nomem. */
int convp_legacy_decode(int kind, const char *text, size_t len, struct convp_buf *scratch,
                        struct convp_buf *out);

#endif /* CONV_SHEET_LEGACY_H */
