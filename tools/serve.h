/*
 * conv-serve's pieces: what every file of the service shares.
 *
 *   conv-serve.c     arguments, the daemon's start, signals and the stop
 *   serve_http.c     libmicrohttpd: routes, uploads, responses, slow
 *                    clients, the access log
 *   serve_pool.c     the workers (one conversion per core) and the bounded
 *                    queue in front of them
 *   serve_work.c     the work of a request over the public API: convert,
 *                    check, info; its parameters checked as the CLI checks
 *                    its options; errors as JSON
 *   serve_zip.c      several results as one zip
 *   serve_page.html  the page for officials (GET /), built into the binary
 *
 * A request's files live in unnamed temporary files (O_TMPFILE); the
 * library reads them through a symbolic link named as the client named
 * the file, in a directory of the request's own (mode 0700), where the
 * output is written too.  Nothing of a request is visible to another, and
 * the directory goes with the request.
 */
#ifndef CONV_TOOL_SERVE_H
#define CONV_TOOL_SERVE_H

#include "tool_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

extern const char *const serve_prog;

/* What the command line sets. */
struct serve_config {
    char listen[300];             /* as given: 127.0.0.1:8080, [::1]:8080 */
    struct sockaddr_storage addr; /* parsed */
    socklen_t addrlen;
    uint64_t max_upload;   /* bytes of one request's body */
    int workers;           /* conversions at once */
    int queue;             /* requests waiting for a worker */
    double time_limit;     /* seconds from the end of the upload to the result */
    double client_timeout; /* seconds a client may take to send its headers, or stay silent */
    uint64_t min_rate;     /* bytes/s a body must come or go at, after client_timeout */
    int max_connections;
    int max_files;         /* files of one request */
    double stop_timeout;   /* SIGTERM: seconds the requests in flight get */
    char *token;           /* bearer token, or NULL */
    char *tls_cert, *tls_key; /* PEM text, or NULL */
    char tmpdir[4096];     /* where the unnamed files and the request directories go */
    char workdir[4200];    /* this server's own directory under tmpdir */
    FILE *access_log;      /* one line per request */
    const char *access_log_path;
};

/* ---- serve_pool.c ------------------------------------------------------ */

struct serve_job {
    void (*run)(struct serve_job *job);
    struct serve_job *next;
};

struct serve_pool;
struct serve_pool *serve_pool_new(int workers, int queue);
/* Hold a place in the queue for a job to come; 0, or -1 when running and
 * waiting fill every place (or the pool stops). */
int serve_pool_reserve(struct serve_pool *p);
/* Give up a place held. */
void serve_pool_release(struct serve_pool *p);
/* Queue a job in the place held. */
void serve_pool_submit(struct serve_pool *p, struct serve_job *job);
/* Jobs running and waiting (places held included). */
void serve_pool_counts(struct serve_pool *p, int *running, int *waiting);
/* Seconds a client turned away should wait: the queue ahead over the
 * workers, times the mean time of a job (at least 1, at most 120). */
int serve_pool_retry_after(struct serve_pool *p);
/* Note how long a job took, for the estimate above. */
void serve_pool_note_time(struct serve_pool *p, double seconds);
/* Wait for the queue to empty, stop the workers and free. */
void serve_pool_free(struct serve_pool *p);

/* ---- serve_work.c ------------------------------------------------------ */

enum serve_kind { SERVE_CONVERT, SERVE_CHECK, SERVE_INFO };

/* A file of the request: an input, or the file of an option (schema...). */
struct serve_file {
    char *name;   /* the client's name for it, made safe; "upload" without one */
    char *option; /* the option it is the file of ("schema"), NULL for an input */
    int fd;       /* the unnamed temporary file */
    uint64_t size;
};

struct serve_param {
    char *name;
    char *value; /* NULL: a flag given without a value */
};

/* A growing text (JSON bodies, messages). */
struct serve_buf {
    char *p;
    size_t n, cap;
};
void serve_buf_add(struct serve_buf *b, const char *s, size_t n);
void serve_buf_str(struct serve_buf *b, const char *s);
void serve_buf_printf(struct serve_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void serve_buf_json(struct serve_buf *b, const char *s); /* a JSON string literal */
void serve_buf_free(struct serve_buf *b);

/* Warnings of a request sent back in X-Conv-Warning headers, at most. */
#define SERVE_WARNINGS 20

struct serve_task {
    enum serve_kind kind;
    const struct serve_config *cfg;
    struct serve_param *params;
    size_t nparams;
    struct serve_file *files;
    size_t nfiles;
    unsigned long id;  /* the request's number: its directory's name */
    int client_fd;     /* polled for a hang-up while the work runs */
    double deadline;   /* monotonic seconds */
    atomic_int cancel; /* set by the stop: give up */
    /* the result */
    int status;             /* HTTP status */
    struct serve_buf body;  /* a JSON body, when out_fd < 0 */
    int out_fd;             /* the output, an unnamed file, or -1 */
    uint64_t out_size;
    const char *media_type; /* of out_fd or of the body */
    char out_name[300];     /* the output's file name */
    int retry_after;        /* seconds, with 503 */
    uint64_t records;       /* converted, for the log */
    char note[200];         /* for the log: what went wrong, if anything */
    /* what the readers told without failing (conv prints it on stderr):
     * the first SERVE_WARNINGS texts, and how many in all */
    char *warnings[SERVE_WARNINGS];
    size_t nwarnings;
    uint64_t warnings_total;
};

/* The names a request of this kind takes as parameters; when name is not
 * one of them, fill msg with "unknown option 'x' (did you mean 'y'?)" or
 * another reason and return -1; -2 for an unknown format (to, from). */
int serve_param_check(enum serve_kind kind, const char *name, const char *value, char *msg,
                      size_t size);
/* Whether a multipart part named name is the file of an option. */
int serve_param_is_file(enum serve_kind kind, const char *name);
/* Do the work (in a worker): fills the result. */
void serve_task_run(struct serve_task *t);
/* The error body {"error": {...}} of a status the server gives itself. */
void serve_error_body(struct serve_buf *b, int status, const char *code, const char *file,
                      const char *message);
/* The HTTP status of a library error. */
int serve_status_of(const struct conv_error *err);
/* The body of GET /v1/formats and of GET /health's counts. */
void serve_formats_body(struct serve_buf *b);
/* An unnamed temporary file in dir: a descriptor, or -1 (errno). */
int serve_temp_fd(const char *dir);
double serve_now(void);
/* The length of the UTF-8 sequence at p (at most n bytes), 0 if invalid. */
size_t serve_utf8_len(const unsigned char *p, size_t n);
/* Remove a directory and what is in it, symbolic links not followed. */
void serve_remove_tree(const char *path);
/* name made a safe file name (no directory, no control characters, at
 * most 200 bytes), in out; "" when nothing is left. */
void serve_safe_name(const char *name, char *out, size_t size);

/* ---- serve_zip.c ------------------------------------------------------- */

struct serve_zip_entry {
    const char *name;
    int fd; /* read from offset 0 */
    uint64_t size;
};
/* Write a zip of the entries (deflated) to out_fd; 0, or -1 with msg set. */
int serve_zip_write(int out_fd, const struct serve_zip_entry *e, size_t n, char *msg,
                    size_t size);

/* ---- serve_http.c ------------------------------------------------------ */

struct serve_server;
struct serve_server *serve_start(struct serve_config *cfg, char *msg, size_t size);
/* Stop taking connections, let the requests in flight finish (at most
 * cfg->stop_timeout seconds, or until *hurry), then stop. */
void serve_stop(struct serve_server *s, volatile int *hurry);
/* Messages of the server on stderr: "conv-serve: ..." with the time. */
void serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the page (serve_page.html, built in) ------------------------------ */

extern const unsigned char serve_page_html[];
extern const size_t serve_page_html_size;

#endif
