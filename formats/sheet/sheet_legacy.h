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
    CONVP_LEGACY_VNI,        /* VNI-Times, VNI-Helve... */
    CONVP_LEGACY_ICONV       /* --encoding cp1258 or another 8-bit code page (no font) */
};

/* The legacy encoding a font's name says, CONVP_LEGACY_NONE for others. */
int convp_legacy_of_font(const char *font);
/* Text typed in such a font (its bytes kept as Windows-1252 characters)
 * as Unicode (NFC), appended to out; scratch is working room.  0, or -1
 * on nomem. */
int convp_legacy_decode(int kind, const char *text, size_t len, struct convp_buf *scratch,
                        struct convp_buf *out);

/* The legacy encoding --encoding NAME gives cells whose font names none:
 * CONVP_LEGACY_TCVN3 (tcvn3, tcvn, tcvn5712, tcvn5712-1), CONVP_LEGACY_VNI
 * (vni), CONVP_LEGACY_NONE (utf-8), else CONVP_LEGACY_ICONV with *iconv_name
 * set to the name iconv knows it by (cp1258, windows-1258: CP1258), or -1
 * when iconv knows no such name. */
int convp_legacy_of_name(const char *name, const char **iconv_name);
/* Whether text in a cell whose font names no legacy encoding may be legacy
 * text of this kind: every character one of Windows-1252, one at least
 * beyond ASCII, and the text does not read as Vietnamese in Unicode (it
 * has a character Vietnamese does not write, such as ¶ ­ ¬ ø ä Þ ð; or,
 * TCVN3 and VNI, an accented capital right after a small letter: TCVN3's
 * "vÒ" for "về"; or, CP1258, a tone mark Ì Ò ì ò right after a vowel). */
int convp_legacy_suspect(int kind, const char *text, size_t len);
/* convp_legacy_decode() for CONVP_LEGACY_ICONV: the characters back to
 * their Windows-1252 bytes, through cd (reset first), NFC.  0, or -1 on
 * nomem; a byte the encoding has no character for stays as it was. */
int convp_legacy_decode_iconv(void *cd, const char *text, size_t len, struct convp_buf *scratch,
                              struct convp_buf *out);

#endif /* CONV_SHEET_LEGACY_H */
