/*
 * Vietnamese text in the legacy font encodings of old workbooks.  Before
 * Unicode, Vietnamese was typed in 8-bit fonts: TCVN3 (ABC, fonts .VnTime,
 * .VnArial...; the capital fonts .VnTimeH, .VnArialH show the small
 * letters' codes as capitals) and VNI (fonts VNI-Times, VNI-Helve...: a
 * letter, then its marks as further characters).  Windows stored the bytes
 * as the characters of its Western code page (Windows-1252), so a cell in
 * such a font holds "C¶ n­íc" for "Cả nước": each character is taken back
 * to its byte and the byte read in the font's encoding.
 */
#include "sheet_legacy.h"

#include <errno.h>
#include <iconv.h>
#include <strings.h>

#include <utf8proc.h>

/* TCVN3 bytes 0x80..0xFF as Unicode (glibc's TCVN5712-1 table); 0xB0..0xB4
 * are combining marks. */
static const uint16_t tcvn3_high[128] = {
    0x00C0, 0x1EA2, 0x00C3, 0x00C1, 0x1EA0, 0x1EB6, 0x1EAC, 0x00C8,
    0x1EBA, 0x1EBC, 0x00C9, 0x1EB8, 0x1EC6, 0x00CC, 0x1EC8, 0x0128,
    0x00CD, 0x1ECA, 0x00D2, 0x1ECE, 0x00D5, 0x00D3, 0x1ECC, 0x1ED8,
    0x1EDC, 0x1EDE, 0x1EE0, 0x1EDA, 0x1EE2, 0x00D9, 0x1EE6, 0x0168,
    0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,
    0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,
    0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,
    0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,
    0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,
    0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,
    0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,
    0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,
};

/* Windows-1252's characters for bytes 0x80..0x9F (0: the byte's own C1
 * code point). */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* The Windows-1252 byte of a character, or -1 when it has none. */
static int cp1252_byte(uint32_t cp)
{
    if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
        return (int)cp;
    if (cp >= 0x80 && cp <= 0x9F)
        return cp1252_c1[cp - 0x80] ? -1 : (int)cp;
    for (int i = 0; i < 32; i++)
        if (cp1252_c1[i] == cp)
            return 0x80 + i;
    return -1;
}

int convp_legacy_of_font(const char *font)
{
    if (!font)
        return CONVP_LEGACY_NONE;
    while (*font == ' ')
        font++;
    size_t n = strlen(font);
    while (n && font[n - 1] == ' ')
        n--;
    if (n >= 3 && !strncasecmp(font, ".vn", 3))
        return font[n - 1] == 'H' ? CONVP_LEGACY_TCVN3_CAPS : CONVP_LEGACY_TCVN3;
    if (n >= 4 && !strncasecmp(font, "vni-", 4))
        return CONVP_LEGACY_VNI;
    return CONVP_LEGACY_NONE;
}

/* The next character of UTF-8 text (valid, as cells are): its code point. */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(s + *i, (utf8proc_ssize_t)(n - *i), &cp);
    if (k <= 0) {
        (*i)++;
        return 0xFFFD;
    }
    *i += (size_t)k;
    return (uint32_t)cp;
}

/* VNI's marks, as Windows-1252 characters after a vowel: what they add. */
enum { M_ACUTE = 1, M_GRAVE, M_HOOK, M_TILDE, M_DOT };
struct vni_mark {
    unsigned char lo, up; /* the small and the capital character */
    uint8_t shape;        /* 0 none, 1 circumflex, 2 breve */
    uint8_t tone;
};
static const struct vni_mark vni_marks[] = {
    {0xF9, 0xD9, 0, M_ACUTE}, {0xF8, 0xD8, 0, M_GRAVE}, {0xFB, 0xDB, 0, M_HOOK},
    {0xF5, 0xD5, 0, M_TILDE}, {0xEF, 0xCF, 0, M_DOT},   {0xE2, 0xC2, 1, 0},
    {0xE1, 0xC1, 1, M_ACUTE}, {0xE0, 0xC0, 1, M_GRAVE}, {0xE5, 0xC5, 1, M_HOOK},
    {0xE3, 0xC3, 1, M_TILDE}, {0xE4, 0xC4, 1, M_DOT},   {0xEA, 0xCA, 2, 0},
    {0xE9, 0xC9, 2, M_ACUTE}, {0xE8, 0xC8, 2, M_GRAVE}, {0xFA, 0xDA, 2, M_HOOK},
    {0xFC, 0xDC, 2, M_TILDE}, {0xEB, 0xCB, 2, M_DOT},
};
static const uint16_t tone_mark[6] = {0, 0x0301, 0x0300, 0x0309, 0x0303, 0x0323};

static int put_cp(struct convp_buf *out, uint32_t cp)
{
    return convp_buf_put_cp(out, cp);
}

/* A VNI vowel base: a e i o u y (either case), or the single characters
 * that are ơ and ư; *horn set for those. */
static int vni_base(int byte, uint32_t *cp, int *horn)
{
    *horn = 0;
    switch (byte) {
    case 0xF4: /* ô is ơ */
        *cp = 'o';
        *horn = 1;
        return 1;
    case 0xD4:
        *cp = 'O';
        *horn = 1;
        return 1;
    case 0xF6: /* ö is ư */
        *cp = 'u';
        *horn = 1;
        return 1;
    case 0xD6:
        *cp = 'U';
        *horn = 1;
        return 1;
    default:
        if (byte > 0 && byte < 0x80 && strchr("aeiouyAEIOUY", byte)) {
            *cp = (uint32_t)byte;
            return 1;
        }
        return 0;
    }
}

/* One VNI character that stands alone (đ, the i and y with a tone). */
static uint32_t vni_single(int byte)
{
    switch (byte) {
    case 0xF1: return 0x0111; /* ñ: đ */
    case 0xD1: return 0x0110;
    case 0xED: return 0x00ED; /* í */
    case 0xCD: return 0x00CD;
    case 0xEC: return 0x00EC; /* ì */
    case 0xCC: return 0x00CC;
    case 0xE6: return 0x1EC9; /* æ: ỉ */
    case 0xC6: return 0x1EC8;
    case 0xF3: return 0x0129; /* ó: ĩ */
    case 0xD3: return 0x0128;
    case 0xF2: return 0x1ECB; /* ò: ị */
    case 0xD2: return 0x1ECA;
    case 0xEE: return 0x1EF5; /* î: ỵ */
    case 0xCE: return 0x1EF4;
    default: return 0;
    }
}

static int decode_vni(const unsigned char *s, size_t n, struct convp_buf *out)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp = next_cp(s, n, &i);
        int byte = cp1252_byte(cp);
        uint32_t base;
        int horn;
        if (byte >= 0 && vni_base(byte, &base, &horn)) {
            if (put_cp(out, base) != 0 || (horn && put_cp(out, 0x031B) != 0))
                return -1;
            /* The marks that follow: a shape, then a tone, or both in one. */
            size_t j = i;
            if (j < n) {
                uint32_t m = next_cp(s, n, &j);
                int mb = cp1252_byte(m);
                for (size_t k = 0; mb >= 0 && k < sizeof vni_marks / sizeof vni_marks[0]; k++) {
                    if (vni_marks[k].lo != mb && vni_marks[k].up != mb)
                        continue;
                    if ((vni_marks[k].shape == 1 && put_cp(out, 0x0302) != 0) ||
                        (vni_marks[k].shape == 2 && put_cp(out, 0x0306) != 0) ||
                        (vni_marks[k].tone && put_cp(out, tone_mark[vni_marks[k].tone]) != 0))
                        return -1;
                    i = j;
                    break;
                }
            }
            continue;
        }
        uint32_t single = byte >= 0 ? vni_single(byte) : 0;
        if (put_cp(out, single ? single : cp) != 0)
            return -1;
    }
    return 0;
}

static int decode_tcvn3(const unsigned char *s, size_t n, int caps, struct convp_buf *out)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp = next_cp(s, n, &i);
        int byte = cp1252_byte(cp);
        if (byte >= 0x80)
            cp = tcvn3_high[byte - 0x80];
        if (caps)
            cp = (uint32_t)utf8proc_toupper((utf8proc_int32_t)cp);
        if (put_cp(out, cp) != 0)
            return -1;
    }
    return 0;
}

int convp_legacy_decode(int kind, const char *text, size_t len, struct convp_buf *scratch,
                        struct convp_buf *out)
{
    scratch->len = 0;
    const unsigned char *s = (const unsigned char *)text;
    int rc = kind == CONVP_LEGACY_VNI ? decode_vni(s, len, scratch)
                                      : decode_tcvn3(s, len, kind == CONVP_LEGACY_TCVN3_CAPS,
                                                     scratch);
    if (rc != 0)
        return -1;
    /* Marks that came as their own characters are composed (NFC). */
    const char *nfc;
    size_t nfc_len;
    if (convp_nfc_needed(scratch->data ? scratch->data : "", scratch->len)) {
        struct convp_buf tmp;
        convp_buf_init(&tmp, scratch->ctx);
        if (convp_nfc(&tmp, scratch->data, scratch->len, &nfc, &nfc_len) != 0) {
            convp_buf_free(&tmp);
            return -1;
        }
        rc = nfc ? convp_buf_append(out, nfc, nfc_len)
                 : convp_buf_append(out, scratch->data, scratch->len);
        convp_buf_free(&tmp);
        return rc;
    }
    return scratch->len ? convp_buf_append(out, scratch->data, scratch->len) : 0;
}

int convp_legacy_of_name(const char *name, const char **iconv_name)
{
    static const char *const tcvn[] = {"tcvn3", "tcvn", "tcvn5712", "tcvn5712-1"};
    *iconv_name = NULL;
    for (size_t i = 0; i < sizeof tcvn / sizeof tcvn[0]; i++)
        if (!strcasecmp(name, tcvn[i]))
            return CONVP_LEGACY_TCVN3;
    if (!strcasecmp(name, "vni"))
        return CONVP_LEGACY_VNI;
    if (!strcasecmp(name, "utf-8") || !strcasecmp(name, "utf8"))
        return CONVP_LEGACY_NONE;
    const char *use =
        !strcasecmp(name, "cp1258") || !strcasecmp(name, "windows-1258") ? "CP1258" : name;
    iconv_t cd = iconv_open("UTF-8", use);
    if (cd == (iconv_t)-1)
        return -1;
    iconv_close(cd);
    *iconv_name = use;
    return CONVP_LEGACY_ICONV;
}

/* The Latin-1 letters Vietnamese writes in Unicode: A E I O U Y with the
 * accents Latin-1 has for them (À Á Â Ã È É Ê Ì Í Ò Ó Ô Õ Ù Ú Ý), either case. */
static int vi_latin1(int b)
{
    static const unsigned char upper[] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC8, 0xC9, 0xCA, 0xCC,
                                          0xCD, 0xD2, 0xD3, 0xD4, 0xD5, 0xD9, 0xDA, 0xDD};
    int u = b >= 0xE0 ? b - 0x20 : b;
    for (size_t i = 0; i < sizeof upper; i++)
        if (upper[i] == u)
            return 1;
    return 0;
}

static int is_vowel(int b)
{
    return (b < 0x80 && b > 0 && strchr("aeiouyAEIOUY", b)) || (b >= 0xC0 && vi_latin1(b));
}

int convp_legacy_suspect(int kind, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    int high = 0, odd = 0, prev_small = 0, prev_vowel = 0;
    while (i < len) {
        uint32_t cp = next_cp(s, len, &i);
        int b = cp1252_byte(cp);
        if (b < 0)
            return 0; /* a character no legacy text in a cell has: Unicode text */
        if (b >= 0x80) {
            high = 1;
            if (!vi_latin1(b))
                odd = 1;
            else if (kind == CONVP_LEGACY_ICONV)
                odd |= prev_vowel && (b == 0xCC || b == 0xD2 || b == 0xEC || b == 0xF2);
            else
                odd |= prev_small && b < 0xE0;
        }
        prev_small = (b >= 'a' && b <= 'z') || (b >= 0xDF && b != 0xF7);
        prev_vowel = is_vowel(b);
    }
    return high && odd;
}

int convp_legacy_decode_iconv(void *cd, const char *text, size_t len, struct convp_buf *scratch,
                              struct convp_buf *out)
{
    /* The bytes, one per character. */
    scratch->len = 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        uint32_t cp = next_cp(s, len, &i);
        int b = cp1252_byte(cp);
        if (convp_buf_putc(scratch, (char)(b < 0 ? '?' : b)) != 0)
            return -1;
    }
    iconv_t c = (iconv_t)cd;
    iconv(c, NULL, NULL, NULL, NULL);
    struct convp_buf utf8;
    convp_buf_init(&utf8, scratch->ctx);
    char *in = scratch->data ? scratch->data : (char *)"";
    size_t left = scratch->len;
    int rc = 0;
    for (int flush = 0; flush < 2 && rc == 0;) {
        if (convp_buf_grow(&utf8, 4 * left + 16) != 0) {
            rc = -1;
            break;
        }
        char *o = utf8.data + utf8.len;
        size_t room = utf8.cap - utf8.len - 1;
        size_t r = flush ? iconv(c, NULL, NULL, &o, &room) : iconv(c, &in, &left, &o, &room);
        utf8.len = (size_t)(o - utf8.data);
        if (r == (size_t)-1 && errno == E2BIG)
            continue;
        if (r == (size_t)-1 && left) {
            /* A byte with no character: kept as its Windows-1252 one. */
            if (convp_buf_put_cp(&utf8, (unsigned char)*in) != 0)
                rc = -1;
            in++;
            left--;
            continue;
        }
        if (!flush && left == 0)
            flush = 1;
        else if (flush)
            flush = 2;
    }
    if (rc == 0) {
        const char *nfc;
        size_t nfc_len;
        struct convp_buf tmp;
        convp_buf_init(&tmp, scratch->ctx);
        if (convp_nfc_needed(utf8.data ? utf8.data : "", utf8.len)) {
            if (convp_nfc(&tmp, utf8.data, utf8.len, &nfc, &nfc_len) != 0)
                rc = -1;
            else
                rc = nfc ? convp_buf_append(out, nfc, nfc_len)
                         : convp_buf_append(out, utf8.data, utf8.len);
        } else if (utf8.len) {
            rc = convp_buf_append(out, utf8.data, utf8.len);
        }
        convp_buf_free(&tmp);
    }
    convp_buf_free(&utf8);
    return rc;
}
