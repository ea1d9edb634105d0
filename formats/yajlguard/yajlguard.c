/*
 * yajl's allocations through the context, with a way out when one fails
 * inside a yajl call (see yajlguard.h).
 */
#include "yajlguard.h"

/* Each block yajl allocates starts with this header. */
union yg_hdr {
    struct convp_yg_block b;
    max_align_t align;
};

static void *yg_failed(struct convp_yg *g)
{
    if (g->guarded)
        longjmp(g->oom, 1);
    return NULL;
}

static void yg_link(struct convp_yg *g, struct convp_yg_block *b)
{
    b->prev = &g->blocks;
    b->next = g->blocks.next;
    b->next->prev = b;
    g->blocks.next = b;
}

static void yg_unlink(struct convp_yg_block *b)
{
    b->prev->next = b->next;
    b->next->prev = b->prev;
}

static void *yg_malloc(void *ctx, size_t size)
{
    struct convp_yg *g = ctx;
    union yg_hdr *h = NULL;
    if (size <= SIZE_MAX - sizeof *h)
        h = convp_malloc(g->ctx, sizeof *h + size);
    if (!h)
        return yg_failed(g);
    yg_link(g, &h->b);
    return h + 1;
}

static void *yg_realloc(void *ctx, void *p, size_t size)
{
    struct convp_yg *g = ctx;
    if (!p)
        return yg_malloc(ctx, size);
    union yg_hdr *h = (union yg_hdr *)p - 1;
    yg_unlink(&h->b);
    union yg_hdr *n = NULL;
    if (size <= SIZE_MAX - sizeof *h)
        n = convp_realloc(g->ctx, h, sizeof *h + size);
    if (!n) {
        yg_link(g, &h->b);
        return yg_failed(g);
    }
    yg_link(g, &n->b);
    return n + 1;
}

static void yg_free(void *ctx, void *p)
{
    struct convp_yg *g = ctx;
    if (!p)
        return;
    union yg_hdr *h = (union yg_hdr *)p - 1;
    yg_unlink(&h->b);
    convp_free(g->ctx, h);
}

enum yg_op { YG_ALLOC, YG_PARSE, YG_FINISH };

/* One yajl call with allocation failures turned into a return of -1. */
static int yg_call(struct convp_yg *g, enum yg_op op, const yajl_callbacks *cb, void *user,
                   const unsigned char *p, size_t n, yajl_status *st)
{
    if (g->dead)
        return -1;
    if (setjmp(g->oom) != 0) {
        g->guarded = 0;
        g->dead = 1;
        return -1;
    }
    g->guarded = 1;
    switch (op) {
    case YG_ALLOC: {
        yajl_alloc_funcs af = {yg_malloc, yg_realloc, yg_free, g};
        g->h = yajl_alloc(cb, &af, user);
        break;
    }
    case YG_PARSE:
        *st = yajl_parse(g->h, p, n);
        break;
    case YG_FINISH:
        *st = yajl_complete_parse(g->h);
        break;
    }
    g->guarded = 0;
    return 0;
}

int convp_yg_alloc(struct convp_yg *g, struct conv_context *ctx, const yajl_callbacks *cb,
                   void *user)
{
    g->ctx = ctx;
    g->blocks.prev = g->blocks.next = &g->blocks;
    if (yg_call(g, YG_ALLOC, cb, user, NULL, 0, NULL) != 0 || !g->h)
        return -1;
    return 0;
}

int convp_yg_parse(struct convp_yg *g, const unsigned char *p, size_t n, yajl_status *st)
{
    return yg_call(g, YG_PARSE, NULL, NULL, p, n, st);
}

int convp_yg_finish(struct convp_yg *g, yajl_status *st)
{
    return yg_call(g, YG_FINISH, NULL, NULL, NULL, 0, st);
}

void convp_yg_free(struct convp_yg *g)
{
    if (!g->ctx)
        return;
    if (g->h && !g->dead)
        yajl_free(g->h);
    g->h = NULL;
    /* After an abandoned call, or if yajl kept anything: free it here. */
    while (g->blocks.next && g->blocks.next != &g->blocks) {
        struct convp_yg_block *b = g->blocks.next;
        yg_unlink(b);
        convp_free(g->ctx, b);
    }
}
