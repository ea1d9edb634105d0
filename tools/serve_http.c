/*
 * conv-serve's HTTP side, over libmicrohttpd (Debian 12: 0.9.75): an
 * internal polling thread (epoll) does the network; a request's body goes
 * to unnamed temporary files as it arrives; once whole, the request takes
 * a place in the workers' queue and its connection is suspended until a
 * worker has the result, which is then sent from its unnamed file.
 *
 * Slow or stalled clients: a thread looks at every connection twice a
 * second.  One that has not sent a whole request's headers within
 * --client-timeout, or whose body or response moves slower than
 * --min-rate bytes a second once --client-timeout has passed, is shut
 * down (libmicrohttpd then closes it); libmicrohttpd's own timeout closes
 * one silent for --client-timeout.
 */
#include "serve.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum route { R_PAGE, R_HEALTH, R_FORMATS, R_CONVERT, R_CHECK, R_INFO, R_NONE };

static const struct {
    const char *path;
    enum route route;
    int post;
} routes[] = {
    {"/", R_PAGE, 0},
    {"/index.html", R_PAGE, 0},
    {"/health", R_HEALTH, 0},
    {"/v1/formats", R_FORMATS, 0},
    {"/v1/convert", R_CONVERT, 1},
    {"/v1/check", R_CHECK, 1},
    {"/v1/info", R_INFO, 1},
};

/* What a connection is doing, for the slow-client watch. */
enum phase { P_WAIT, P_BODY, P_WORK, P_SEND };

struct conn {
    struct conn *prev, *next;
    int fd;
    char addr[80];
    enum phase phase;
    double since;   /* the phase's start */
    uint64_t bytes; /* moved in the phase */
    unsigned requests;
    char why[160]; /* set when the watch cut it */
};

enum state { S_NEW, S_BODY, S_DRAIN, S_WORK, S_DONE, S_SENT };

struct request {
    struct serve_job job;
    struct serve_task task;
    struct serve_server *srv;
    struct MHD_Connection *mc;
    struct conn *conn;
    struct request *prev, *next; /* in the server's list of requests in flight */
    enum route route;
    enum state state;
    char method[16];
    char target[512]; /* path and query, for the log */
    double start;
    uint64_t bytes_in, bytes_out;
    int multipart;
    struct MHD_PostProcessor *pp;
    struct serve_file *cur; /* the file receiving a multipart part */
    size_t cap_files, cap_params;
    int reserved; /* holds a place in the queue */
    /* an answer decided before the body is read: sent once it is */
    int pending_status;
    struct serve_buf pending;
    int status; /* sent */
    char note[200];
};

struct serve_server {
    struct serve_config *cfg;
    struct MHD_Daemon *d;
    struct serve_pool *pool;
    pthread_mutex_t lock; /* the lists, counters and the log's lines */
    pthread_cond_t idle;  /* no request in flight */
    struct conn *conns;
    struct request *reqs;
    unsigned long next_id;
    int inflight;
    int stopping;
    pthread_t watch;
    int watch_stop;
    pthread_cond_t watch_cv;
};

/* ---- logging ----------------------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void stamp(char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

void serve_log(const char *fmt, ...)
{
    char t[64], line[2048];
    stamp(t, sizeof t);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s %s: %s\n", t, serve_prog, line);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    serve_log("libmicrohttpd: %s", line);
}

/* Text safe for one log line: no control characters, no quotes. */
static void log_safe(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < size; p++)
        n += (size_t)snprintf(out + n, size - n, *p < 0x20 || *p == 0x7f || *p == '"' ? "%%%02X"
                                                                                      : "%c",
                              *p);
    out[n] = '\0';
}

static void access_line(struct serve_server *s, struct request *r, const char *how)
{
    char t[64], target[600], note[300];
    stamp(t, sizeof t);
    log_safe(r->target, target, sizeof target);
    log_safe(r->note[0] ? r->note : r->task.note, note, sizeof note);
    size_t inputs = 0;
    for (size_t k = 0; k < r->task.nfiles; k++)
        inputs += !r->task.files[k].option;
    char status[8];
    snprintf(status, sizeof status, "%d", r->status);
    FILE *f = s->cfg->access_log ? s->cfg->access_log : stderr;
    pthread_mutex_lock(&log_lock);
    fprintf(f, "%s %s \"%s %s\" %s in=%llu out=%llu files=%zu records=%llu %.3fs%s%s%s%s\n", t,
            r->conn ? r->conn->addr : "-", r->method, target, r->status ? status : "-",
            (unsigned long long)r->bytes_in, (unsigned long long)r->bytes_out, inputs,
            (unsigned long long)r->task.records, serve_now() - r->start, how[0] ? " " : "", how,
            note[0] ? " : " : "", note);
    fflush(f);
    pthread_mutex_unlock(&log_lock);
}

/* ---- connections ------------------------------------------------------- */

static struct conn *conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void set_phase(struct serve_server *s, struct conn *c, enum phase p)
{
    if (!c)
        return;
    pthread_mutex_lock(&s->lock);
    c->phase = p;
    c->since = serve_now();
    c->bytes = 0;
    pthread_mutex_unlock(&s->lock);
}

static void add_bytes(struct serve_server *s, struct conn *c, uint64_t n)
{
    if (!c)
        return;
    pthread_mutex_lock(&s->lock);
    c->bytes += n;
    pthread_mutex_unlock(&s->lock);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct serve_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn *c = calloc(1, sizeof *c);
        if (!c)
            return;
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ad =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        c->fd = fd ? fd->connect_fd : -1;
        snprintf(c->addr, sizeof c->addr, "-");
        if (ad && ad->client_addr) {
            char host[64] = "?";
            const struct sockaddr *sa = ad->client_addr;
            if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
                snprintf(c->addr, sizeof c->addr, "%s:%u", host, ntohs(in->sin_port));
            } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
                snprintf(c->addr, sizeof c->addr, "[%s]:%u", host, ntohs(in6->sin6_port));
            }
        }
        c->phase = P_WAIT;
        c->since = serve_now();
        pthread_mutex_lock(&s->lock);
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        pthread_mutex_unlock(&s->lock);
        *socket_context = c;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        /* Called before the socket is closed: the watch, which holds the
         * lock while it shuts a socket down, never sees a closed one. */
        struct conn *c = *socket_context;
        if (!c)
            return;
        pthread_mutex_lock(&s->lock);
        if (c->prev)
            c->prev->next = c->next;
        else
            s->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&s->lock);
        if (c->why[0] && !c->requests)
            serve_log("%s: closed: %s", c->addr, c->why);
        free(c);
        *socket_context = NULL;
    }
}

/* The watch over slow clients. */
static void *watch_main(void *arg)
{
    struct serve_server *s = arg;
    const struct serve_config *cfg = s->cfg;
    pthread_mutex_lock(&s->lock);
    while (!s->watch_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 500000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->watch_cv, &s->lock, &ts);
        double now = serve_now();
        for (struct conn *c = s->conns; c; c = c->next) {
            double age = now - c->since;
            if (c->why[0] || c->fd < 0 || c->phase == P_WORK || age <= cfg->client_timeout)
                continue;
            if (c->phase == P_WAIT) {
                if (c->requests) /* an idle keep-alive connection: closed quietly */
                    snprintf(c->why, sizeof c->why, "idle");
                else
                    snprintf(c->why, sizeof c->why,
                             "no whole request within %g s (--client-timeout)",
                             cfg->client_timeout);
            } else if ((double)c->bytes < (double)cfg->min_rate * age) {
                snprintf(c->why, sizeof c->why,
                         "the %s moved at %.0f bytes/s, under --min-rate %llu after %.0f s",
                         c->phase == P_BODY ? "request body" : "response",
                         (double)c->bytes / age, (unsigned long long)cfg->min_rate, age);
            } else {
                continue;
            }
            shutdown(c->fd, SHUT_RDWR);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- responses --------------------------------------------------------- */

/* s percent-encoded (RFC 3986: all but letters, digits and -._~) after
 * the n bytes already in out; cut before a character that does not fit
 * whole, so the text decodes. */
static void percent_encode(const char *s, char *out, size_t n, size_t size)
{
    size_t left = strlen(s);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t len = serve_utf8_len(p, left);
        if (!len)
            len = 1; /* not a sequence: the byte alone */
        left -= len;
        if (n + 3 * len + 1 > size)
            break;
        for (size_t k = 0; k < len; k++, p++) {
            if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                (*p >= '0' && *p <= '9') || strchr("-._~", *p))
                out[n++] = (char)*p;
            else
                n += (size_t)snprintf(out + n, size - n, "%%%02X", *p);
        }
    }
    out[n] = '\0';
}

/* Content-Disposition with the name in ASCII and in UTF-8 (RFC 6266). */
static void disposition(const char *name, char *out, size_t size)
{
    char ascii[320];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 1 < sizeof ascii; p++)
        ascii[n++] = *p >= 0x80 || *p == '"' || *p == '\\' || *p < 0x20 ? '_' : (char)*p;
    ascii[n] = '\0';
    n = (size_t)snprintf(out, size, "attachment; filename=\"%s\"; filename*=UTF-8''", ascii);
    percent_encode(name, out, n, size);
}

/* What the readers told: X-Conv-Warnings, the count, and an
 * X-Conv-Warning, percent-encoded UTF-8, for each of the first ones, in
 * at most 8 KiB (clients limit the size of a response's headers). */
static void warning_headers(const struct serve_task *t, struct MHD_Response *resp)
{
    if (!t->warnings_total)
        return;
    char v[2048];
    snprintf(v, sizeof v, "%llu", (unsigned long long)t->warnings_total);
    MHD_add_response_header(resp, "X-Conv-Warnings", v);
    size_t budget = 8192;
    for (size_t i = 0; i < t->nwarnings; i++) {
        percent_encode(t->warnings[i], v, 0, sizeof v);
        size_t n = strlen(v);
        if (n > budget)
            break;
        budget -= n;
        MHD_add_response_header(resp, "X-Conv-Warning", v);
    }
}

static void common_headers(struct serve_server *s, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (s->stopping)
        MHD_add_response_header(resp, "Connection", "close");
}

static enum MHD_Result queue(struct request *r, int status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    common_headers(r->srv, resp);
    warning_headers(&r->task, resp);
    if (status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"conv-serve\"");
    if (status == 503 && r->task.retry_after > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", r->task.retry_after);
        MHD_add_response_header(resp, "Retry-After", v);
    }
    enum MHD_Result rc = MHD_queue_response(r->mc, (unsigned)status, resp);
    MHD_destroy_response(resp);
    if (rc == MHD_YES) {
        r->status = status;
        r->state = S_SENT;
        set_phase(r->srv, r->conn, P_SEND);
    }
    return rc;
}

static enum MHD_Result queue_buffer(struct request *r, int status, const char *type,
                                    const void *data, size_t n)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (resp)
        MHD_add_response_header(resp, "Content-Type", type);
    enum MHD_Result rc = queue(r, status, resp);
    if (rc == MHD_YES) { /* not taken in the middle of a body: nothing goes out */
        r->bytes_out = n;
        add_bytes(r->srv, r->conn, n); /* in the socket's buffers at once, for the watch */
    }
    return rc;
}

static enum MHD_Result queue_json(struct request *r, int status, const struct serve_buf *b)
{
    return queue_buffer(r, status, "application/json", b->p ? b->p : "", b->n);
}

/* An error the server decides itself. */
static enum MHD_Result queue_error(struct request *r, int status, const char *code,
                                   const char *message)
{
    struct serve_buf b = {0};
    serve_error_body(&b, status, code, NULL, message);
    snprintf(r->note, sizeof r->note, "%s", message);
    enum MHD_Result rc = queue_json(r, status, &b);
    serve_buf_free(&b);
    return rc;
}

static int has_body(struct request *r)
{
    const char *cl = MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, "Transfer-Encoding");
    return (cl && strtoull(cl, NULL, 10) > 0) || te;
}

static int expects_continue(struct request *r)
{
    const char *e = MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, "Expect");
    return e && !strcasecmp(e, "100-continue");
}

/*
 * An error found before the body is read.  A client that waits for "100
 * Continue" (or sends no body) gets it now; one already sending its body
 * gets it once the body is read and dropped, so that it is not cut off
 * before reading the answer.
 */
static enum MHD_Result refuse(struct request *r, int status, const char *code,
                              const char *message)
{
    if (!has_body(r) || expects_continue(r))
        return queue_error(r, status, code, message);
    serve_buf_free(&r->pending);
    serve_error_body(&r->pending, status, code, NULL, message);
    snprintf(r->note, sizeof r->note, "%s", message);
    r->pending_status = status;
    r->state = S_DRAIN;
    return MHD_YES;
}

/* The result of the work. */
static ssize_t read_result(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct request *r = cls;
    if (pos >= r->task.out_size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    ssize_t n;
    do
        n = pread(r->task.out_fd, buf, max, (off_t)pos);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    r->bytes_out += (uint64_t)n;
    add_bytes(r->srv, r->conn, (uint64_t)n);
    return n;
}


static enum MHD_Result send_result(struct request *r)
{
    struct serve_task *t = &r->task;
    if (t->out_fd < 0)
        return queue_buffer(r, t->status, t->media_type ? t->media_type : "application/json",
                            t->body.p ? t->body.p : "", t->body.n);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(t->out_size, 256 * 1024, read_result, r, NULL);
    if (!resp)
        return MHD_NO;
    char cd[1200];
    disposition(t->out_name, cd, sizeof cd);
    MHD_add_response_header(resp, "Content-Type", t->media_type);
    MHD_add_response_header(resp, "Content-Disposition", cd);
    return queue(r, t->status, resp);
}

/* ---- requests ---------------------------------------------------------- */

static void request_free(struct request *r)
{
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    for (size_t k = 0; k < r->task.nfiles; k++) {
        if (r->task.files[k].fd >= 0)
            close(r->task.files[k].fd);
        free(r->task.files[k].name);
        free(r->task.files[k].option);
    }
    free(r->task.files);
    for (size_t i = 0; i < r->task.nwarnings; i++)
        free(r->task.warnings[i]);
    for (size_t i = 0; i < r->task.nparams; i++) {
        free(r->task.params[i].name);
        free(r->task.params[i].value);
    }
    free(r->task.params);
    if (r->task.out_fd >= 0)
        close(r->task.out_fd);
    serve_buf_free(&r->task.body);
    serve_buf_free(&r->pending);
    free(r);
}

static struct serve_file *add_file(struct request *r, const char *name, const char *option)
{
    struct serve_task *t = &r->task;
    if (t->nfiles >= (size_t)r->srv->cfg->max_files)
        return NULL;
    if (t->nfiles == r->cap_files) {
        size_t cap = r->cap_files ? r->cap_files * 2 : 4;
        struct serve_file *f = realloc(t->files, cap * sizeof *f);
        if (!f)
            return NULL;
        t->files = f;
        r->cap_files = cap;
    }
    char safe[256];
    serve_safe_name(name, safe, sizeof safe);
    struct serve_file *f = &t->files[t->nfiles];
    memset(f, 0, sizeof *f);
    f->fd = serve_temp_fd(r->srv->cfg->tmpdir);
    f->name = strdup(safe[0] ? safe : option ? option : "upload");
    f->option = option ? strdup(option) : NULL;
    if (f->fd < 0 || !f->name || (option && !f->option)) {
        if (f->fd >= 0)
            close(f->fd);
        free(f->name);
        free(f->option);
        return NULL;
    }
    t->nfiles++;
    return f;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    struct request *r = cls;
    const char *k = key ? key : "";
    int is_option = serve_param_is_file(r->task.kind, k);
    if (!filename && !is_option) {
        snprintf(r->note, sizeof r->note,
                 "multipart part '%.60s' has no file name: options go in the query string "
                 "(?to=xlsx)",
                 k);
        r->pending_status = 400;
        return MHD_NO;
    }
    if (off == 0 && !(r->cur && r->cur->size == 0 && size == 0)) {
        r->cur = add_file(r, filename ? filename : k, is_option ? k : NULL);
        if (!r->cur) {
            if (r->task.nfiles >= (size_t)r->srv->cfg->max_files) {
                snprintf(r->note, sizeof r->note, "more than %d files in one request",
                         r->srv->cfg->max_files);
                r->pending_status = 400;
            } else {
                snprintf(r->note, sizeof r->note, "cannot store the upload: %s",
                         strerror(errno));
                r->pending_status = 500;
            }
            return MHD_NO;
        }
    }
    if (!r->cur)
        return MHD_NO;
    if (size && write_all(r->cur->fd, data, size) != 0) {
        snprintf(r->note, sizeof r->note, "cannot store the upload: %s", strerror(errno));
        r->pending_status = 500;
        return MHD_NO;
    }
    r->cur->size += size;
    return MHD_YES;
}

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    (void)kind;
    struct request *r = cls;
    struct serve_task *t = &r->task;
    if (t->nparams == r->cap_params) {
        size_t cap = r->cap_params ? r->cap_params * 2 : 8;
        struct serve_param *p = realloc(t->params, cap * sizeof *p);
        if (!p)
            return MHD_NO;
        t->params = p;
        r->cap_params = cap;
    }
    struct serve_param *p = &t->params[t->nparams];
    p->name = strdup(key ? key : "");
    p->value = value ? strdup(value) : NULL;
    if (!p->name || (value && !p->value)) {
        free(p->name);
        free(p->value);
        return MHD_NO;
    }
    t->nparams++;
    /* the target, for the log */
    size_t n = strlen(r->target);
    snprintf(r->target + n, sizeof r->target - n, "%s%s%s%s", t->nparams == 1 ? "?" : "&", key,
             value ? "=" : "", value ? value : "");
    return MHD_YES;
}

static int token_ok(struct request *r)
{
    const char *want = r->srv->cfg->token;
    const char *h = MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    const char *got = h + 7;
    while (*got == ' ')
        got++;
    size_t lw = strlen(want), lg = strlen(got);
    unsigned char diff = (unsigned char)(lw != lg);
    for (size_t i = 0; i < lw; i++)
        diff |= (unsigned char)(want[i] ^ (i < lg ? got[i] : 0));
    return diff == 0;
}

static void health_body(struct serve_server *s, struct serve_buf *b)
{
    int running, waiting;
    serve_pool_counts(s->pool, &running, &waiting);
    serve_buf_printf(b, "{\"status\": \"%s\", \"version\": ", s->stopping ? "stopping" : "ok");
    serve_buf_json(b, conv_version());
    serve_buf_printf(b,
                     ", \"workers\": %d, \"queue\": %d, \"running\": %d, \"waiting\": %d, "
                     "\"tls\": %s, \"token\": %s}\n",
                     s->cfg->workers, s->cfg->queue, running, waiting,
                     s->cfg->tls_cert ? "true" : "false", s->cfg->token ? "true" : "false");
}

/* The first call of a request: its headers are in. */
static enum MHD_Result begin(struct request *r, const char *url, const char *method)
{
    struct serve_server *s = r->srv;
    const struct serve_config *cfg = s->cfg;
    r->route = R_NONE;
    int post_route = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (!strcmp(url, routes[i].path)) {
            r->route = routes[i].route;
            post_route = routes[i].post;
        }
    MHD_get_connection_values(r->mc, MHD_GET_ARGUMENT_KIND, on_arg, r);
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (r->route == R_NONE)
        return refuse(r, 404, "not-found", "no such page: see GET /v1/formats and the manual");
    if (post_route ? strcmp(method, "POST") != 0 : !get) {
        char msg[100];
        snprintf(msg, sizeof msg, "%s takes %s", url, post_route ? "POST" : "GET");
        return refuse(r, 405, "method", msg);
    }
    if (cfg->token && !strncmp(url, "/v1/", 4) && !token_ok(r))
        return refuse(r, 401, "unauthorized",
                      "this server wants a bearer token: Authorization: Bearer TOKEN");
    if (s->stopping) {
        r->task.retry_after = 5;
        return refuse(r, 503, "stopping", "the server is stopping");
    }
    if (r->route == R_PAGE) {
        r->bytes_out = serve_page_html_size;
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            serve_page_html_size, (void *)serve_page_html, MHD_RESPMEM_PERSISTENT);
        if (resp) {
            MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
            MHD_add_response_header(resp, "Content-Security-Policy",
                                    "default-src 'none'; script-src 'unsafe-inline'; "
                                    "style-src 'unsafe-inline'; connect-src 'self'; "
                                    "img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                                    "frame-ancestors 'none'");
            MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        }
        enum MHD_Result rc = queue(r, 200, resp);
        add_bytes(s, r->conn, serve_page_html_size);
        return rc;
    }
    if (r->route == R_HEALTH || r->route == R_FORMATS) {
        struct serve_buf b = {0};
        if (r->route == R_HEALTH)
            health_body(s, &b);
        else
            serve_formats_body(&b);
        enum MHD_Result rc = queue_json(r, 200, &b);
        serve_buf_free(&b);
        return rc;
    }
    r->task.kind = r->route == R_CONVERT ? SERVE_CONVERT
                   : r->route == R_CHECK ? SERVE_CHECK
                                         : SERVE_INFO;
    /* The parameters, checked before any byte of the body is read. */
    for (size_t i = 0; i < r->task.nparams; i++) {
        char msg[300];
        int bad = serve_param_check(r->task.kind, r->task.params[i].name,
                                    r->task.params[i].value, msg, sizeof msg);
        if (bad)
            return refuse(r, bad == -2 ? 415 : 400, "usage", msg);
    }
    const char *cl = MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > cfg->max_upload) {
        char msg[160];
        snprintf(msg, sizeof msg, "the body is %s bytes, over the limit of %llu (--max-upload)",
                 cl, (unsigned long long)cfg->max_upload);
        return queue_error(r, 413, "too-large", msg);
    }
    /* Busy now: a client waiting for "100 Continue" is told before it
     * sends its body; others are told once it is read. */
    if (expects_continue(r) && serve_pool_reserve(s->pool) != 0) {
        r->task.retry_after = serve_pool_retry_after(s->pool);
        return queue_error(r, 503, "busy", "every worker is busy and the queue is full");
    } else if (expects_continue(r)) {
        r->reserved = 1;
    }
    const char *ct = MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, "Content-Type");
    if (ct && !strncasecmp(ct, "multipart/form-data", 19)) {
        r->multipart = 1;
        r->pp = MHD_create_post_processor(r->mc, 64 * 1024, on_part, r);
        if (!r->pp)
            return refuse(r, 400, "usage", "a multipart body without its boundary");
    } else {
        const char *name = NULL;
        for (size_t i = 0; i < r->task.nparams; i++)
            if (!strcmp(r->task.params[i].name, "filename"))
                name = r->task.params[i].value;
        if (!add_file(r, name ? name : "upload", NULL)) {
            r->task.retry_after = 5;
            return queue_error(r, 503, "io", "cannot make a temporary file");
        }
        r->cur = &r->task.files[0];
    }
    r->state = S_BODY;
    return MHD_YES;
}

static void run_job(struct serve_job *job)
{
    struct request *r = (struct request *)(void *)job;
    double t0 = serve_now();
    serve_task_run(&r->task);
    serve_pool_note_time(r->srv->pool, serve_now() - t0);
    if (r->task.status == 503 && !r->task.retry_after)
        r->task.retry_after = serve_pool_retry_after(r->srv->pool);
    r->state = S_DONE;
    MHD_resume_connection(r->mc); /* the last touch: r is the connection's again */
}

/* The body is in: queue the work. */
static enum MHD_Result submit(struct request *r)
{
    struct serve_server *s = r->srv;
    if (r->pp) {
        MHD_destroy_post_processor(r->pp);
        r->pp = NULL;
    }
    size_t inputs = 0;
    for (size_t k = 0; k < r->task.nfiles; k++)
        inputs += !r->task.files[k].option;
    if (!inputs)
        return queue_error(r, 400, "usage",
                           r->multipart ? "no file in the request (a multipart part with a "
                                          "file name)"
                                        : "no file in the request");
    if (!r->reserved && serve_pool_reserve(s->pool) != 0) {
        r->task.retry_after = serve_pool_retry_after(s->pool);
        return queue_error(r, 503, "busy", "every worker is busy and the queue is full");
    }
    r->reserved = 0; /* the job has the place now */
    pthread_mutex_lock(&s->lock);
    r->task.id = ++s->next_id;
    pthread_mutex_unlock(&s->lock);
    r->task.cfg = s->cfg;
    r->task.deadline = serve_now() + s->cfg->time_limit;
    r->task.client_fd = r->conn ? r->conn->fd : -1;
    r->job.run = run_job;
    r->state = S_WORK;
    set_phase(s, r->conn, P_WORK);
    MHD_suspend_connection(r->mc);
    serve_pool_submit(s->pool, &r->job);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct serve_server *s = cls;
    struct request *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->srv = s;
        r->mc = mc;
        r->start = serve_now();
        r->task.out_fd = -1;
        r->task.client_fd = -1;
        r->conn = conn_of(mc);
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->target, sizeof r->target, "%s", url);
        pthread_mutex_lock(&s->lock);
        s->inflight++;
        r->next = s->reqs;
        if (s->reqs)
            s->reqs->prev = r;
        s->reqs = r;
        if (r->conn) {
            r->conn->requests++;
            r->conn->phase = P_BODY;
            r->conn->since = serve_now();
            r->conn->bytes = 0;
        }
        pthread_mutex_unlock(&s->lock);
        *con_cls = r;
        return begin(r, url, method);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        r->bytes_in += n;
        add_bytes(s, r->conn, n);
        if (r->bytes_in > s->cfg->max_upload) {
            char msg[160];
            snprintf(msg, sizeof msg, "the body is over the limit of %llu bytes (--max-upload)",
                     (unsigned long long)s->cfg->max_upload);
            if (r->state == S_SENT)
                return MHD_YES;
            /* Answered if libmicrohttpd takes an answer now (it does not
             * in the middle of a body), else cut. */
            if (queue_error(r, 413, "too-large", msg) == MHD_YES)
                return MHD_YES;
            snprintf(r->note, sizeof r->note, "cut: %s", msg);
            return MHD_NO;
        }
        if (r->state == S_DRAIN || r->state == S_SENT)
            return MHD_YES; /* dropped */
        if (r->pp) {
            if (MHD_post_process(r->pp, upload_data, n) != MHD_YES) {
                if (!r->pending_status) {
                    snprintf(r->note, sizeof r->note, "a multipart body that cannot be read");
                    r->pending_status = 400;
                }
                serve_buf_free(&r->pending);
                serve_error_body(&r->pending, r->pending_status,
                                 r->pending_status == 500 ? "io" : "usage", NULL, r->note);
                r->state = S_DRAIN;
            }
            return MHD_YES;
        }
        if (write_all(r->cur->fd, upload_data, n) != 0) {
            snprintf(r->note, sizeof r->note, "cannot store the upload: %s", strerror(errno));
            r->pending_status = 500;
            serve_buf_free(&r->pending);
            serve_error_body(&r->pending, 500, "io", NULL, r->note);
            r->state = S_DRAIN;
            return MHD_YES;
        }
        r->cur->size += n;
        return MHD_YES;
    }
    switch (r->state) {
    case S_BODY:
        return submit(r);
    case S_DRAIN:
        return queue_json(r, r->pending_status, &r->pending);
    case S_DONE:
        snprintf(r->note, sizeof r->note, "%s", r->task.note);
        return send_result(r);
    default:
        return MHD_YES;
    }
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)mc;
    struct serve_server *s = cls;
    struct request *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    const char *how = "";
    char why[200] = "";
    if (r->conn && r->conn->why[0]) {
        snprintf(why, sizeof why, "cut: %s", r->conn->why);
        how = why;
    } else if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED) {
        snprintf(why, sizeof why, "cut: silent for %g s (--client-timeout)",
                 s->cfg->client_timeout);
        how = why;
    } else if (toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ||
               toe == MHD_REQUEST_TERMINATED_READ_ERROR) {
        how = r->state == S_SENT ? "client went away during the response"
                                 : "client went away during the request";
    } else if (toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN) {
        how = "server stopped";
    } else if (toe == MHD_REQUEST_TERMINATED_WITH_ERROR) {
        /* a send that failed: the client is gone */
        how = r->state == S_SENT ? "client went away during the response"
                                 : "the request failed";
    }
    if (r->reserved)
        serve_pool_release(s->pool);
    access_line(s, r, how);
    pthread_mutex_lock(&s->lock);
    if (r->prev)
        r->prev->next = r->next;
    else
        s->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    if (--s->inflight == 0)
        pthread_cond_broadcast(&s->idle);
    if (r->conn) {
        r->conn->phase = P_WAIT;
        r->conn->since = serve_now();
        r->conn->bytes = 0;
    }
    pthread_mutex_unlock(&s->lock);
    request_free(r);
}

/* ---- the daemon -------------------------------------------------------- */

struct serve_server *serve_start(struct serve_config *cfg, char *msg, size_t size)
{
    struct serve_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(msg, size, "out of memory");
        return NULL;
    }
    s->cfg = cfg;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->idle, NULL);
    pthread_cond_init(&s->watch_cv, NULL);
    s->pool = serve_pool_new(cfg->workers, cfg->queue);
    if (!s->pool) {
        snprintf(msg, size, "cannot start the workers");
        free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    if (cfg->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cfg->tls_cert)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls[3] = {{MHD_OPTION_END, 0, NULL},
                                    {MHD_OPTION_END, 0, NULL},
                                    {MHD_OPTION_END, 0, NULL}};
    if (cfg->tls_cert) {
        tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, cfg->tls_key};
        tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cfg->tls_cert};
    }
    unsigned timeout = (unsigned)(cfg->client_timeout + 0.999);
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&cfg->addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)256, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!s->d) {
        snprintf(msg, size, "cannot listen on %s: %s", cfg->listen,
                 errno ? strerror(errno) : "libmicrohttpd refused");
        serve_pool_free(s->pool);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (port && cfg->addr.ss_family == AF_INET)
        ((struct sockaddr_in *)(void *)&cfg->addr)->sin_port = htons(port->port);
    else if (port && cfg->addr.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)(void *)&cfg->addr)->sin6_port = htons(port->port);
    if (pthread_create(&s->watch, NULL, watch_main, s) != 0) {
        MHD_stop_daemon(s->d);
        serve_pool_free(s->pool);
        free(s);
        snprintf(msg, size, "cannot start a thread");
        return NULL;
    }
    return s;
}

void serve_stop(struct serve_server *s, volatile int *hurry)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    int n = s->inflight;
    pthread_mutex_unlock(&s->lock);
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    serve_log("stopping: no new connections; %d request%s in flight", n, n == 1 ? "" : "s");
    double until = serve_now() + s->cfg->stop_timeout;
    int canceled = 0;
    pthread_mutex_lock(&s->lock);
    while (s->inflight > 0) {
        if (!canceled && (*hurry || serve_now() > until)) {
            /* Out of time: the work in flight gives up (503), its
             * clients get that answer. */
            int k = 0;
            for (struct request *r = s->reqs; r; r = r->next, k++)
                atomic_store(&r->task.cancel, 1);
            serve_log("stopping: %s; canceling the work of %d request%s",
                      *hurry ? "asked again" : "out of time (--stop-timeout)", k,
                      k == 1 ? "" : "s");
            canceled = 1;
            until = serve_now() + 5;
        } else if (canceled && serve_now() > until) {
            break; /* left to libmicrohttpd's stop */
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->idle, &s->lock, &ts);
    }
    s->watch_stop = 1;
    pthread_cond_signal(&s->watch_cv);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->watch, NULL);
    serve_pool_free(s->pool); /* the jobs are done: no connection stays suspended */
    MHD_stop_daemon(s->d);
    serve_log("stopped");
    pthread_cond_destroy(&s->idle);
    pthread_cond_destroy(&s->watch_cv);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
