/*
 * External sort in bounded memory (extsort.c): add items, finish, then
 * read them back in key order (memcmp of the keys; equal keys in the
 * order added).
 */
#ifndef CONV_EXTSORT_H
#define CONV_EXTSORT_H

#include "conv_private.h"

#define CONVP_SORT_ITEM_MAX 8192 /* key + payload + 8 */

struct convp_sorter;

struct convp_sort_item {
    const unsigned char *key;
    size_t klen;
    const unsigned char *payload; /* unaligned: memcpy out of it */
    size_t plen;
};

/* budget: bytes of items held before a run is written (min 64 KiB). */
struct convp_sorter *convp_sorter_new(struct conv_context *ctx, size_t budget,
                                      struct conv_error *err);
int convp_sorter_add(struct convp_sorter *s, const void *key, size_t klen, const void *payload,
                     size_t plen, struct conv_error *err);
/* The same with the payload gathered from pieces. */
struct convp_sort_piece {
    const void *data;
    size_t len;
};
int convp_sorter_addv(struct convp_sorter *s, const void *key, size_t klen,
                      const struct convp_sort_piece *pieces, size_t npieces,
                      struct conv_error *err);
/* No more items: sort the last run, start the merge. */
int convp_sorter_finish(struct convp_sorter *s, struct conv_error *err);
/* The next item (valid until the next call): 1, 0 at the end, -1 on error. */
int convp_sorter_next(struct convp_sorter *s, struct convp_sort_item *out,
                      struct conv_error *err);
/* Runs written to the temporary file (0: all in memory). */
size_t convp_sorter_runs(const struct convp_sorter *s);
void convp_sorter_free(struct convp_sorter *s);

#endif /* CONV_EXTSORT_H */
