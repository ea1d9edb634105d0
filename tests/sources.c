/*
 * The read callbacks of sources.h (a document in small pieces, one made up
 * on the fly) and the CRC-32 of zip members, for the tests and the fuzz
 * targets alike.
 */
#include "sources.h"

#include <string.h>

long tu_trickle_read(void *user, void *buf, size_t size)
{
    struct tu_trickle *t = user;
    t->calls++;
    if (t->fail_at && t->calls >= t->fail_at)
        return -1;
    if (t->lie)
        return (long)size + t->lie;
    size_t k = t->step;
    if (!k) {
        t->seed = t->seed * 1103515245u + 12345u;
        k = 1 + (t->seed >> 16) % (t->max ? t->max : 7);
    }
    if (k > size)
        k = size;
    if (k > t->len - t->pos)
        k = t->len - t->pos;
    if (k)
        memcpy(buf, (const unsigned char *)t->data + t->pos, k);
    t->pos += k;
    return (long)k;
}

long tu_gen_read(void *user, void *buf, size_t size)
{
    struct tu_gen *g = user;
    size_t hl = strlen(g->head), pl = strlen(g->pat), tl = strlen(g->tail);
    char *out = buf;
    size_t k = 0;
    while (k < size) {
        uint64_t p = g->pos;
        if (p < hl) {
            out[k++] = g->head[p];
            g->pos++;
        } else if (p < hl + g->size) {
            size_t off = (size_t)((p - hl) % pl);
            size_t run = pl - off;
            if (run > hl + g->size - p)
                run = (size_t)(hl + g->size - p);
            if (run > size - k)
                run = size - k;
            memcpy(out + k, g->pat + off, run);
            k += run;
            g->pos += run;
        } else if (p < hl + g->size + tl) {
            out[k++] = g->tail[p - hl - g->size];
            g->pos++;
        } else {
            break;
        }
    }
    return (long)k;
}

uint32_t tu_crc32(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}
