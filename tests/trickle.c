/*
 * The trickled read callback (trickle.h): a document in small pieces, for
 * the tests and the fuzz targets alike.
 */
#include "trickle.h"

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
