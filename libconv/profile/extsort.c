/*
 * An external sort for the checker's cross-record rules: items (a key and
 * a payload) are gathered in a buffer of a fixed budget; a full buffer is
 * sorted and written to an unnamed temporary file as a run; at the end
 * the runs are merged through a heap, each read back through a small
 * window.  Memory stays within the budget plus one window per run,
 * whatever the input's size.  Items with equal keys come out in the order
 * they were added.
 */
#include "extsort.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define ITEM_HEAD 8 /* u32 key length, u32 payload length */
#define WINDOW_MIN 16384
#define WINDOW_MAX (256 * 1024)

struct run {
    uint64_t start, end; /* byte range in the file */
    uint64_t pos;        /* next byte to load */
    unsigned char *win;
    size_t len, at; /* bytes loaded, next item */
    uint64_t k0, k1; /* the next item's key prefix (see struct slot) */
};

/* An item of the current run: the first 16 key bytes, big-endian (zero
 * padded), decide most comparisons without touching the item. */
struct slot {
    uint64_t k0, k1;
    const unsigned char *p;
};

/* A full buffer being sorted and written by a second thread, while the
 * caller fills the other: the thread allocates nothing (the caller's
 * allocator need not be thread-safe) and touches only its buffer, the
 * file and the run slot reserved for it. */
struct job {
    struct convp_sorter *s;
    struct slot *items;
    size_t n;
    struct run *run;
    uint64_t start; /* where the run goes in the file */
    uint64_t end;
    struct conv_error err;
    int rc;
};

struct convp_sorter {
    struct conv_context *ctx;
    size_t budget;      /* bytes of items held, both buffers together */
    unsigned char *buf; /* items of the current run */
    size_t used;
    struct slot *items;
    size_t n, cap;
    unsigned char *buf2; /* the other buffer: the job's, or idle */
    struct slot *items2;
    size_t cap2;
    pthread_t thread;
    int busy; /* a job is running */
    struct job job;
    int fd; /* runs, -1 until the first spill */
    uint64_t file_len;
    struct run *runs;
    size_t nruns, runs_cap;
    size_t *heap; /* run indexes; merge phase */
    size_t heap_n;
    size_t mem_pos; /* in-memory phase: next item */
    int merging;
    int last; /* run whose item was returned last, -1 none */
};

static uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static size_t item_size(const unsigned char *p)
{
    return ITEM_HEAD + (size_t)rd32(p) + rd32(p + 4);
}

static int key_cmp(const unsigned char *a, const unsigned char *b)
{
    uint32_t la = rd32(a), lb = rd32(b);
    int c = memcmp(a + ITEM_HEAD, b + ITEM_HEAD, la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

static int item_cmp(const void *x, const void *y)
{
    const struct slot *sa = x, *sb = y;
    if (sa->k0 != sb->k0)
        return sa->k0 < sb->k0 ? -1 : 1;
    if (sa->k1 != sb->k1)
        return sa->k1 < sb->k1 ? -1 : 1;
    const unsigned char *a = sa->p, *b = sb->p;
    int c = key_cmp(a, b);
    if (c)
        return c;
    return a < b ? -1 : a > b; /* insertion order within a run */
}

static inline int slot_less(const struct slot *a, const struct slot *b)
{
    if (a->k0 != b->k0)
        return a->k0 < b->k0;
    if (a->k1 != b->k1)
        return a->k1 < b->k1;
    return item_cmp(a, b) < 0;
}

static void swap_slots(struct slot *a, struct slot *b)
{
    struct slot t = *a;
    *a = *b;
    *b = t;
}

/* Quicksort with the comparison inlined (qsort's callback per comparison
 * costs as much as the comparison): median of three, insertion sort for
 * short ranges, recursion on the smaller side only. */
static void sort_slots(struct slot *v, size_t n)
{
    while (n > 16) {
        size_t mid = n / 2;
        if (slot_less(&v[mid], &v[0]))
            swap_slots(&v[mid], &v[0]);
        if (slot_less(&v[n - 1], &v[mid])) {
            swap_slots(&v[n - 1], &v[mid]);
            if (slot_less(&v[mid], &v[0]))
                swap_slots(&v[mid], &v[0]);
        }
        struct slot pivot = v[mid];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (slot_less(&v[i], &pivot))
                i++;
            while (slot_less(&pivot, &v[j]))
                j--;
            if (i >= j)
                break;
            swap_slots(&v[i], &v[j]);
            i++;
            j--;
        }
        size_t left = j + 1;
        if (left < n - left) {
            sort_slots(v, left);
            v += left;
            n -= left;
        } else {
            sort_slots(v + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        struct slot t = v[i];
        size_t j = i;
        while (j > 0 && slot_less(&t, &v[j - 1])) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static uint64_t be64(const unsigned char *k, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | (i < n ? k[i] : 0);
    return v;
}

struct convp_sorter *convp_sorter_new(struct conv_context *ctx, size_t budget,
                                      struct conv_error *err)
{
    struct convp_sorter *s = convp_calloc(ctx, 1, sizeof *s);
    if (!s) {
        convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    s->ctx = ctx;
    s->budget = budget < 65536 ? 65536 : budget;
    s->fd = -1;
    s->last = -1;
    return s;
}

static int nomem(struct conv_error *err)
{
    convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
    return CONV_ERR;
}

/* Sort items and write them at start in the file: CONV_OK with *end set. */
static int write_run(int fd, struct slot *items, size_t n, uint64_t start, uint64_t *end,
                     struct conv_error *err)
{
    sort_slots(items, n);
    /* Write in order through a staging area: the sorted items are
     * scattered over the buffer. */
    unsigned char stage[65536];
    size_t staged = 0;
    uint64_t at = start;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *it = items[i].p;
        size_t sz = item_size(it);
        if (staged + sz > sizeof stage) {
            if (convp_pwrite_all(fd, stage, staged, at, err) != CONV_OK)
                return CONV_ERR;
            at += staged;
            staged = 0;
        }
        if (sz > sizeof stage) {
            if (convp_pwrite_all(fd, it, sz, at, err) != CONV_OK)
                return CONV_ERR;
            at += sz;
            continue;
        }
        memcpy(stage + staged, it, sz);
        staged += sz;
    }
    if (staged && convp_pwrite_all(fd, stage, staged, at, err) != CONV_OK)
        return CONV_ERR;
    *end = at + staged;
    return CONV_OK;
}

static void *job_main(void *arg)
{
    struct job *j = arg;
    conv_error_clear(&j->err);
    j->rc = write_run(j->s->fd, j->items, j->n, j->start, &j->end, &j->err);
    return NULL;
}

/* The result of a job run in this thread (no thread to join). */
static int job_wait_inline(struct convp_sorter *s, struct conv_error *err)
{
    s->busy = 0;
    if (s->job.rc != CONV_OK) {
        if (err)
            *err = s->job.err;
        return CONV_ERR;
    }
    struct run *r = s->job.run;
    r->start = r->pos = s->job.start;
    r->end = s->job.end;
    s->file_len = s->job.end;
    return CONV_OK;
}

/* Wait for the running job and take its result. */
static int job_wait(struct convp_sorter *s, struct conv_error *err)
{
    if (!s->busy)
        return CONV_OK;
    pthread_join(s->thread, NULL);
    return job_wait_inline(s, err);
}

/* Hand the full buffer to a job (or write it here if no thread can start)
 * and go on with the other one. */
static int spill(struct convp_sorter *s, struct conv_error *err)
{
    if (job_wait(s, err) != CONV_OK)
        return CONV_ERR;
    if (s->fd < 0 && (s->fd = convp_temp_fd(err)) < 0)
        return CONV_ERR;
    if (s->nruns == s->runs_cap) {
        size_t cap = s->runs_cap ? s->runs_cap * 2 : 16;
        struct run *r = convp_realloc(s->ctx, s->runs, cap * sizeof *r);
        if (!r)
            return nomem(err);
        s->runs = r;
        s->runs_cap = cap;
    }
    if (!s->buf2 && !(s->buf2 = convp_malloc(s->ctx, s->budget / 2)))
        return nomem(err);
    struct run *r = &s->runs[s->nruns++];
    memset(r, 0, sizeof *r);
    s->job.s = s;
    s->job.items = s->items;
    s->job.n = s->n;
    s->job.run = r;
    s->job.start = s->file_len;
    if (pthread_create(&s->thread, NULL, job_main, &s->job) == 0) {
        s->busy = 1;
    } else {
        job_main(&s->job); /* no thread: write it here */
        if (job_wait_inline(s, err) != CONV_OK)
            return CONV_ERR;
    }
    /* Swap the buffers. */
    unsigned char *b = s->buf;
    s->buf = s->buf2;
    s->buf2 = b;
    struct slot *it = s->items;
    s->items = s->items2;
    s->items2 = it;
    size_t cap = s->cap;
    s->cap = s->cap2;
    s->cap2 = cap;
    s->n = 0;
    s->used = 0;
    return CONV_OK;
}

int convp_sorter_addv(struct convp_sorter *s, const void *key, size_t klen,
                      const struct convp_sort_piece *pieces, size_t npieces,
                      struct conv_error *err)
{
    size_t plen = 0;
    for (size_t i = 0; i < npieces; i++)
        plen += pieces[i].len;
    size_t sz = ITEM_HEAD + klen + plen;
    if (sz > CONVP_SORT_ITEM_MAX) {
        convp_error_set(err, CONV_E_LIMIT, NULL, 0, 0, "sort item of %zu bytes", sz);
        return CONV_ERR;
    }
    if (!s->buf) {
        if (!(s->buf = convp_malloc(s->ctx, s->budget / 2)))
            return nomem(err);
    }
    /* Item pointers count against the budget too; each buffer has half. */
    if (s->used + sz + (s->n + 1) * sizeof *s->items > s->budget / 2 && s->n &&
        spill(s, err) != CONV_OK)
        return CONV_ERR;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        struct slot *it = convp_realloc(s->ctx, s->items, cap * sizeof *it);
        if (!it)
            return nomem(err);
        s->items = it;
        s->cap = cap;
    }
    unsigned char *p = s->buf + s->used;
    uint32_t kl = (uint32_t)klen, pl = (uint32_t)plen;
    memcpy(p, &kl, 4);
    memcpy(p + 4, &pl, 4);
    memcpy(p + ITEM_HEAD, key, klen);
    unsigned char *q = p + ITEM_HEAD + klen;
    for (size_t i = 0; i < npieces; i++) {
        if (pieces[i].len)
            memcpy(q, pieces[i].data, pieces[i].len);
        q += pieces[i].len;
    }
    const unsigned char *k = p + ITEM_HEAD;
    s->items[s->n].k0 = be64(k, klen);
    s->items[s->n].k1 = klen > 8 ? be64(k + 8, klen - 8) : 0;
    s->items[s->n++].p = p;
    s->used += sz;
    return CONV_OK;
}

int convp_sorter_add(struct convp_sorter *s, const void *key, size_t klen, const void *payload,
                     size_t plen, struct conv_error *err)
{
    struct convp_sort_piece piece = {payload, plen};
    return convp_sorter_addv(s, key, klen, &piece, 1, err);
}

/* Make sure the run's next item is whole in its window: 1, 0 at its end. */
static int run_load(struct convp_sorter *s, struct run *r, size_t wsize, struct conv_error *err)
{
    size_t have = r->len - r->at;
    if (have >= ITEM_HEAD && have >= item_size(r->win + r->at))
        return 1;
    if (r->pos >= r->end && have == 0)
        return 0;
    memmove(r->win, r->win + r->at, have);
    r->len = have;
    r->at = 0;
    while (r->pos < r->end && r->len < wsize) {
        size_t want = wsize - r->len;
        if (want > r->end - r->pos)
            want = (size_t)(r->end - r->pos);
        ssize_t got = pread(s->fd, r->win + r->len, want, (off_t)r->pos);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            convp_error_set(err, CONV_E_IO, "temporary file", 0, 0, "read error: %s",
                            got < 0 ? strerror(errno) : "unexpected end");
            return -1;
        }
        r->len += (size_t)got;
        r->pos += (uint64_t)got;
    }
    if (r->len < ITEM_HEAD || r->len < item_size(r->win)) {
        convp_error_set(err, CONV_E_IO, "temporary file", 0, 0, "damaged sort run");
        return -1;
    }
    return 1;
}

static int heap_less(struct convp_sorter *s, size_t a, size_t b)
{
    const struct run *ra = &s->runs[a], *rb = &s->runs[b];
    if (ra->k0 != rb->k0)
        return ra->k0 < rb->k0;
    if (ra->k1 != rb->k1)
        return ra->k1 < rb->k1;
    int c = key_cmp(ra->win + ra->at, rb->win + rb->at);
    return c < 0 || (c == 0 && a < b);
}

/* Cache the key prefix of the run's next item. */
static void run_prefix(struct run *r)
{
    const unsigned char *p = r->win + r->at;
    size_t klen = rd32(p);
    r->k0 = be64(p + ITEM_HEAD, klen);
    r->k1 = klen > 8 ? be64(p + ITEM_HEAD + 8, klen - 8) : 0;
}

static void heap_down(struct convp_sorter *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < s->heap_n && heap_less(s, s->heap[l], s->heap[m]))
            m = l;
        if (l + 1 < s->heap_n && heap_less(s, s->heap[l + 1], s->heap[m]))
            m = l + 1;
        if (m == i)
            return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

int convp_sorter_finish(struct convp_sorter *s, struct conv_error *err)
{
    if (job_wait(s, err) != CONV_OK)
        return CONV_ERR;
    if (s->nruns == 0) {
        sort_slots(s->items, s->n);
        s->mem_pos = 0;
        return CONV_OK;
    }
    if (s->n && (spill(s, err) != CONV_OK || job_wait(s, err) != CONV_OK))
        return CONV_ERR;
    convp_free(s->ctx, s->buf);
    s->buf = NULL;
    convp_free(s->ctx, s->items);
    s->items = NULL;
    s->cap = 0;
    convp_free(s->ctx, s->buf2);
    s->buf2 = NULL;
    convp_free(s->ctx, s->items2);
    s->items2 = NULL;
    s->cap2 = 0;
    size_t wsize = s->budget / s->nruns;
    if (wsize < WINDOW_MIN)
        wsize = WINDOW_MIN;
    if (wsize > WINDOW_MAX)
        wsize = WINDOW_MAX;
    if (wsize < CONVP_SORT_ITEM_MAX)
        wsize = CONVP_SORT_ITEM_MAX;
    s->heap = convp_calloc(s->ctx, s->nruns, sizeof *s->heap);
    if (!s->heap)
        return nomem(err);
    for (size_t i = 0; i < s->nruns; i++) {
        struct run *r = &s->runs[i];
        if (!(r->win = convp_malloc(s->ctx, wsize)))
            return nomem(err);
        int got = run_load(s, r, wsize, err);
        if (got < 0)
            return CONV_ERR;
        if (got) {
            run_prefix(r);
            s->heap[s->heap_n++] = i;
        }
    }
    for (size_t i = s->heap_n / 2; i-- > 0;)
        heap_down(s, i);
    s->merging = 1;
    s->budget = wsize; /* from now on: the window size */
    return CONV_OK;
}

int convp_sorter_next(struct convp_sorter *s, struct convp_sort_item *out, struct conv_error *err)
{
    const unsigned char *p;
    if (!s->merging) {
        if (s->mem_pos >= s->n)
            return 0;
        p = s->items[s->mem_pos++].p;
    } else {
        /* Step past the item returned last, then take the smallest. */
        if (s->last >= 0) {
            struct run *r = &s->runs[s->last];
            r->at += item_size(r->win + r->at);
            int got = run_load(s, r, s->budget, err);
            if (got < 0)
                return -1;
            if (got)
                run_prefix(r);
            else
                s->heap[0] = s->heap[--s->heap_n];
            if (s->heap_n)
                heap_down(s, 0);
            s->last = -1;
        }
        if (s->heap_n == 0)
            return 0;
        struct run *r = &s->runs[s->heap[0]];
        s->last = (int)s->heap[0];
        p = r->win + r->at;
    }
    out->key = p + ITEM_HEAD;
    out->klen = rd32(p);
    out->payload = p + ITEM_HEAD + out->klen;
    out->plen = rd32(p + 4);
    return 1;
}

size_t convp_sorter_runs(const struct convp_sorter *s)
{
    return s->nruns;
}

void convp_sorter_free(struct convp_sorter *s)
{
    if (!s)
        return;
    job_wait(s, NULL);
    convp_free(s->ctx, s->buf2);
    convp_free(s->ctx, s->items2);
    for (size_t i = 0; i < s->nruns; i++)
        convp_free(s->ctx, s->runs[i].win);
    convp_free(s->ctx, s->runs);
    convp_free(s->ctx, s->heap);
    convp_free(s->ctx, s->buf);
    convp_free(s->ctx, s->items);
    if (s->fd >= 0)
        close(s->fd);
    convp_free(s->ctx, s);
}
