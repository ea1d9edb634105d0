/*
 * conv-serve: the toolkit as an HTTP service.  Arguments, the server's
 * directory, signals and the stop; the HTTP side is serve_http.c, the
 * work serve_work.c.
 */
#include "serve.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *const serve_prog = "conv-serve";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: conv-serve [OPTIONS]\n"
            "Serve the toolkit over HTTP: a page for officials at /, and an API for other\n"
            "systems (docs/serve.md).  Every conversion is the library's, as conv,\n"
            "conv-check and conv-info do it; the request's options are the tools' long\n"
            "options as query parameters (?to=xlsx&layout=report).  Errors are JSON with\n"
            "the CLI's fields; what a reader tells without failing (conv's warnings) comes\n"
            "in X-Conv-Warning headers, X-Conv-Warnings counting them.\n"
            "\n"
            "Endpoints:\n"
            "  GET /                        the page: drop files, convert, check, download\n"
            "  POST /v1/convert?to=FORMAT   the body (raw, or multipart with file names) converted;\n"
            "                               several files come back as one zip\n"
            "  POST /v1/check               conv-check's JSON report (fail=1: 422 when it has\n"
            "                               errors)\n"
            "  POST /v1/info                conv-info's JSON\n"
            "  GET /v1/formats              the formats and their options\n"
            "  GET /health                  ok, and the workers' load\n"
            "\n"
            "Options:\n"
            "      --listen ADDR:PORT       where to listen (default 127.0.0.1:8080; [::1]:8080\n"
            "                               for IPv6, port 0 for any free port)\n"
            "      --max-upload SIZE        largest request body (default 256M; K, M, G suffixes)\n"
            "      --workers N              conversions at once (default: one per core)\n"
            "      --queue N                requests waiting for a worker beyond those (default\n"
            "                               16); more get 503 with Retry-After\n"
            "      --time-limit SEC         longest a request's work may take, from the end of\n"
            "                               its upload (default 300)\n"
            "      --client-timeout SEC     time a client has to send a request's headers, and\n"
            "                               may stay silent (default 30)\n"
            "      --min-rate BYTES         slowest a body may arrive or a response leave, in\n"
            "                               bytes a second, once --client-timeout has passed\n"
            "                               (default 1024)\n"
            "      --max-connections N      connections at once (default 256)\n"
            "      --max-files N            files in one request (default 100)\n"
            "      --stop-timeout SEC       on SIGTERM, time the requests in flight get before\n"
            "                               their work is canceled (default 60)\n"
            "      --token-file FILE        the API (/v1/) wants 'Authorization: Bearer TOKEN',\n"
            "                               TOKEN the file's first line\n"
            "      --tls-cert FILE          serve HTTPS with this certificate (PEM), and\n"
            "      --tls-key FILE           this private key (PEM)\n"
            "      --tmpdir DIR             where uploads and results are kept while a\n"
            "                               request lasts, in unnamed files (default $TMPDIR,\n"
            "                               else /tmp)\n"
            "      --access-log FILE        one line per request to FILE (default: standard\n"
            "                               error, with the server's messages)\n"
            "  -h, --help                   show this help and exit\n"
            "  -V, --version                show the version and exit\n"
            "\n"
            "Exit status:\n"
            "  0  stopped by SIGTERM or SIGINT after the requests in flight\n"
            "  2  wrong usage\n"
            "  3  cannot listen, or another system error\n"
            "\n"
            "Examples:\n"
            "  conv-serve\n"
            "  conv-serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem\n"
            "  curl --data-binary @samples/indicators.csv -o out.xlsx \\\n"
            "       'http://127.0.0.1:8080/v1/convert?to=xlsx&filename=indicators.csv'\n"
            "  curl -F file=@a.csv -F file=@b.xlsx -o out.zip \\\n"
            "       'http://127.0.0.1:8080/v1/convert?to=json'\n");
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    uint64_t mult = 1;
    if (*end) {
        char u = *end;
        mult = u == 'K' || u == 'k'   ? 1024ULL
               : u == 'M' || u == 'm' ? 1024ULL * 1024
               : u == 'G' || u == 'g' ? 1024ULL * 1024 * 1024
                                      : 0;
        end++;
        if (*end == 'i' && end[1] == 'B')
            end += 2;
        else if (*end == 'B')
            end++;
        if (!mult || *end)
            return -1;
    }
    if (v > UINT64_MAX / mult)
        return -1;
    *out = v * mult;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 86400 * 7)
        return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* "host:port", "[v6]:port", ":port"; host may be a name. */
static int parse_listen(struct serve_config *cfg, const char *spec)
{
    char host[256], port[32];
    const char *colon;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host)
            return -1;
        snprintf(host, sizeof host, "%.*s", (int)(close - spec - 1), spec + 1);
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof host)
            return -1;
        snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    }
    snprintf(port, sizeof port, "%s", colon + 1);
    if (!port[0] || strspn(port, "0123456789") != strlen(port))
        return -1;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host[0] ? host : "0.0.0.0", port, &hints, &res) != 0 || !res)
        return -1;
    memcpy(&cfg->addr, res->ai_addr, res->ai_addrlen);
    cfg->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    snprintf(cfg->listen, sizeof cfg->listen, "%s", spec);
    return 0;
}

/* A whole small file (a token, a certificate), NUL-terminated. */
static char *slurp(const char *path, char *msg, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(1024 * 1024 + 1);
    size_t n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
    int bad = !buf || ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        snprintf(msg, size, "%s: cannot read it whole (at most 1 MiB)", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Directories left by a server of ours that was killed: its requests'
 * links (to files that went with it) and unfinished outputs. */
static void remove_stale(const char *tmpdir)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid;
        char rest[16];
        if (sscanf(e->d_name, "conv-serve.%ld.%15s", &pid, rest) != 2 || strlen(rest) != 6 ||
            pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid())
            continue;
        serve_remove_tree(path);
        serve_log("removed %s, left by a server that was killed", path);
    }
    closedir(d);
}

struct stopper {
    struct serve_server *s;
    volatile int hurry;
    atomic_int done;
};

static void *stop_main(void *arg)
{
    struct stopper *st = arg;
    serve_stop(st->s, &st->hurry);
    atomic_store(&st->done, 1);
    return NULL;
}

int main(int argc, char **argv)
{
    static struct serve_config cfg;
    parse_listen(&cfg, "127.0.0.1:8080");
    cfg.max_upload = 256ULL * 1024 * 1024;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.workers = cores > 0 && cores < 1024 ? (int)cores : 1;
    cfg.queue = 16;
    cfg.time_limit = 300;
    cfg.client_timeout = 30;
    cfg.min_rate = 1024;
    cfg.max_connections = 256;
    cfg.max_files = 100;
    cfg.stop_timeout = 60;
    const char *token_file = NULL, *cert_file = NULL, *key_file = NULL, *tmpdir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("conv-serve (libconv) %s\n", conv_version());
            return 0;
        }
        static const char *const valued[] = {
            "--listen",        "--max-upload", "--workers",         "--queue",
            "--time-limit",    "--client-timeout", "--min-rate",    "--max-connections",
            "--max-files",     "--stop-timeout", "--token-file",    "--tls-cert",
            "--tls-key",       "--tmpdir",     "--access-log",      NULL};
        char name[64];
        const char *eq = strchr(a, '='), *val = NULL;
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
        int known = 0;
        for (size_t k = 0; valued[k]; k++)
            known |= !strcmp(name, valued[k]);
        if (!known)
            return tool_usage_error(serve_prog, "unknown option '%s'", a);
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else
            return tool_usage_error(serve_prog, "option %s needs a value", name);
        int bad = 0;
        if (!strcmp(name, "--listen"))
            bad = parse_listen(&cfg, val);
        else if (!strcmp(name, "--max-upload"))
            bad = parse_size(val, &cfg.max_upload) || !cfg.max_upload;
        else if (!strcmp(name, "--workers"))
            bad = parse_int(val, 1, 256, &cfg.workers);
        else if (!strcmp(name, "--queue"))
            bad = parse_int(val, 0, 100000, &cfg.queue);
        else if (!strcmp(name, "--time-limit"))
            bad = parse_seconds(val, &cfg.time_limit);
        else if (!strcmp(name, "--client-timeout"))
            bad = parse_seconds(val, &cfg.client_timeout);
        else if (!strcmp(name, "--min-rate"))
            bad = parse_size(val, &cfg.min_rate);
        else if (!strcmp(name, "--max-connections"))
            bad = parse_int(val, 1, 100000, &cfg.max_connections);
        else if (!strcmp(name, "--max-files"))
            bad = parse_int(val, 1, 10000, &cfg.max_files);
        else if (!strcmp(name, "--stop-timeout"))
            bad = parse_seconds(val, &cfg.stop_timeout);
        else if (!strcmp(name, "--token-file"))
            token_file = val;
        else if (!strcmp(name, "--tls-cert"))
            cert_file = val;
        else if (!strcmp(name, "--tls-key"))
            key_file = val;
        else if (!strcmp(name, "--tmpdir"))
            tmpdir = val;
        else if (!strcmp(name, "--access-log"))
            cfg.access_log_path = val;
        if (bad)
            return tool_usage_error(serve_prog, "%s: bad value '%s'", name, val);
    }
    if (!cert_file != !key_file)
        return tool_usage_error(serve_prog, "--tls-cert and --tls-key go together");
    if (cert_file && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return tool_usage_error(serve_prog,
                                "this libmicrohttpd has no TLS: serve behind a reverse proxy "
                                "(docs/serve.md)");
    char msg[600];
    if (token_file) {
        char *t = slurp(token_file, msg, sizeof msg);
        if (!t)
            return tool_usage_error(serve_prog, "--token-file %s", msg);
        t[strcspn(t, "\r\n")] = '\0';
        if (strlen(t) < 16) {
            free(t);
            return tool_usage_error(serve_prog,
                                    "--token-file: the token (first line) must have at least 16 "
                                    "characters");
        }
        cfg.token = t;
    }
    if (cert_file) {
        if (!(cfg.tls_cert = slurp(cert_file, msg, sizeof msg)) ||
            !(cfg.tls_key = slurp(key_file, msg, sizeof msg)))
            return tool_usage_error(serve_prog, "%s", msg);
    }
    if (cfg.access_log_path) {
        cfg.access_log = strcmp(cfg.access_log_path, "-") ? fopen(cfg.access_log_path, "a")
                                                          : stdout;
        if (!cfg.access_log) {
            fprintf(stderr, "%s: %s: %s\n", serve_prog, cfg.access_log_path, strerror(errno));
            return TOOL_EXIT_IO;
        }
    }
    if (!tmpdir) {
        tmpdir = getenv("TMPDIR");
        if (!tmpdir || !*tmpdir)
            tmpdir = "/tmp";
    }
    if (!realpath(tmpdir, cfg.tmpdir)) {
        fprintf(stderr, "%s: %s: %s\n", serve_prog, tmpdir, strerror(errno));
        return TOOL_EXIT_IO;
    }
    if (access("/proc/self/fd", X_OK) != 0) {
        fprintf(stderr, "%s: /proc is not mounted: the library reads uploads through it\n",
                serve_prog);
        return TOOL_EXIT_IO;
    }
    remove_stale(cfg.tmpdir);
    snprintf(cfg.workdir, sizeof cfg.workdir, "%s/conv-serve.%ld.XXXXXX", cfg.tmpdir,
             (long)getpid());
    if (!mkdtemp(cfg.workdir) || chdir(cfg.workdir) != 0) {
        fprintf(stderr, "%s: cannot make a directory in %s: %s\n", serve_prog, cfg.tmpdir,
                strerror(errno));
        return TOOL_EXIT_IO;
    }
    /* The library's own temporary files (spools, workbooks) go there too. */
    setenv("TMPDIR", cfg.tmpdir, 1);

    /* Signals are waited for by this thread only. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    struct serve_server *s = serve_start(&cfg, msg, sizeof msg);
    if (!s) {
        fprintf(stderr, "%s: %s\n", serve_prog, msg);
        serve_remove_tree(cfg.workdir);
        return TOOL_EXIT_IO;
    }
    char host[80] = "?";
    unsigned port = 0;
    if (cfg.addr.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&cfg.addr;
        char h[64];
        inet_ntop(AF_INET6, &in6->sin6_addr, h, sizeof h);
        snprintf(host, sizeof host, "[%s]", h);
        port = ntohs(in6->sin6_port);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)&cfg.addr;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    }
    serve_log("listening on %s://%s:%u/ (%d workers, queue %d, uploads up to %llu bytes%s)",
              cfg.tls_cert ? "https" : "http", host, port, cfg.workers, cfg.queue,
              (unsigned long long)cfg.max_upload, cfg.token ? ", API behind a token" : "");

    int sig = 0;
    sigwait(&set, &sig);
    serve_log("%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    /* The stop runs in a thread of its own; a second signal meanwhile
     * hurries it: the work in flight is canceled. */
    struct stopper st = {s, 0, 0};
    pthread_t th;
    if (pthread_create(&th, NULL, stop_main, &st) != 0) {
        st.hurry = 1;
        stop_main(&st);
    } else {
        while (!atomic_load(&st.done)) {
            struct timespec ts = {0, 200000000L};
            int again = sigtimedwait(&set, NULL, &ts);
            if (again > 0 && !st.hurry) {
                serve_log("%s received again: hurrying", again == SIGTERM ? "SIGTERM" : "SIGINT");
                st.hurry = 1;
            }
        }
        pthread_join(th, NULL);
    }
    serve_remove_tree(cfg.workdir);
    if (cfg.access_log && cfg.access_log != stdout)
        fclose(cfg.access_log);
    free(cfg.token);
    free(cfg.tls_cert);
    free(cfg.tls_key);
    return 0;
}
