/*
 * yajl with the context's allocator, for the JSON readers (JSON, JSON
 * Lines, SDMX-JSON): every block yajl allocates goes through the
 * conv_context and is linked, so that an allocation failing inside a yajl
 * call unwinds the call (yajl does not check its allocations) and the
 * blocks are freed without yajl's help.  After such a failure the handle
 * is dead: only convp_yg_free() may follow.
 */
#ifndef CONV_YAJLGUARD_H
#define CONV_YAJLGUARD_H

#include "conv_private.h"

#include <setjmp.h>
#include <stddef.h>
#include <yajl/yajl_parse.h>

struct convp_yg_block {
    struct convp_yg_block *prev;
    struct convp_yg_block *next;
};

struct convp_yg {
    struct conv_context *ctx;
    yajl_handle h;
    jmp_buf oom;
    int guarded; /* inside a yajl call: a failed allocation longjmps */
    int dead;    /* yajl was abandoned mid-call: never touch it again */
    struct convp_yg_block blocks;
};

/* Make the handle with callbacks cb and their user data: 0, or -1 when
 * out of memory. */
int convp_yg_alloc(struct convp_yg *g, struct conv_context *ctx, const yajl_callbacks *cb,
                   void *user);
/* yajl_parse() and yajl_complete_parse(): 0 with *st set, or -1 when an
 * allocation failed inside (the handle is dead). */
int convp_yg_parse(struct convp_yg *g, const unsigned char *p, size_t n, yajl_status *st);
int convp_yg_finish(struct convp_yg *g, yajl_status *st);
/* Free the handle and whatever yajl still held.  A zeroed struct is fine. */
void convp_yg_free(struct convp_yg *g);

#endif /* CONV_YAJLGUARD_H */
