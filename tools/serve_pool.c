/*
 * conv-serve's workers: a fixed number of threads (one per core by
 * default) take the jobs from a queue of bounded length.  A request holds
 * a place before its connection is suspended, so a job is never refused
 * once its client waits for it; beyond the places, the client gets 503.
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>

struct serve_pool {
    pthread_mutex_t lock;
    pthread_cond_t more;  /* a job was queued, or the pool stops */
    pthread_cond_t empty; /* the queue and the workers are idle */
    struct serve_job *head, *tail;
    int workers, places;
    int running, queued, reserved;
    int stopping;
    double mean; /* seconds a job takes, a moving average */
    pthread_t *threads;
    int nthreads;
};

static void *worker_main(void *arg)
{
    struct serve_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->more, &p->lock);
        if (!p->head)
            break;
        struct serve_job *job = p->head;
        p->head = job->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        job->run(job); /* job may be gone once this returns */
        pthread_mutex_lock(&p->lock);
        p->running--;
        if (!p->running && !p->queued && !p->reserved)
            pthread_cond_broadcast(&p->empty);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct serve_pool *serve_pool_new(int workers, int queue)
{
    struct serve_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->more, NULL);
    pthread_cond_init(&p->empty, NULL);
    p->workers = workers;
    p->places = workers + queue;
    p->mean = 1.0;
    p->threads = calloc((size_t)workers, sizeof *p->threads);
    if (!p->threads) {
        free(p);
        return NULL;
    }
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        free(p->threads);
        free(p);
        return NULL;
    }
    return p;
}

int serve_pool_reserve(struct serve_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int ok = !p->stopping && p->running + p->queued + p->reserved < p->places;
    if (ok)
        p->reserved++;
    pthread_mutex_unlock(&p->lock);
    return ok ? 0 : -1;
}

void serve_pool_release(struct serve_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->reserved--;
    if (!p->running && !p->queued && !p->reserved)
        pthread_cond_broadcast(&p->empty);
    pthread_mutex_unlock(&p->lock);
}

void serve_pool_submit(struct serve_pool *p, struct serve_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&p->lock);
    p->reserved--;
    p->queued++;
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    pthread_cond_signal(&p->more);
    pthread_mutex_unlock(&p->lock);
}

void serve_pool_counts(struct serve_pool *p, int *running, int *waiting)
{
    pthread_mutex_lock(&p->lock);
    *running = p->running;
    *waiting = p->queued + p->reserved;
    pthread_mutex_unlock(&p->lock);
}

int serve_pool_retry_after(struct serve_pool *p)
{
    pthread_mutex_lock(&p->lock);
    double ahead = (double)(p->queued + p->reserved + 1) / (double)p->workers;
    double s = ahead * p->mean;
    pthread_mutex_unlock(&p->lock);
    int secs = (int)(s + 0.999);
    return secs < 1 ? 1 : secs > 120 ? 120 : secs;
}

void serve_pool_note_time(struct serve_pool *p, double seconds)
{
    pthread_mutex_lock(&p->lock);
    p->mean = 0.8 * p->mean + 0.2 * seconds;
    pthread_mutex_unlock(&p->lock);
}

void serve_pool_free(struct serve_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    while (p->running || p->queued || p->reserved)
        pthread_cond_wait(&p->empty, &p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->more);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->more);
    pthread_cond_destroy(&p->empty);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
}
