/*
 * Reading XML through the conv tool: a record-shaped file to CSV (exact
 * header and rows); hostile documents (entity expansion, external
 * entities and DTDs, limits, encodings, malformed input), each with exit
 * status 1, exactly one stderr line naming file:line:col, without hanging
 * (20 seconds of wall time: a guard against loops, not a speed goal)
 * and within 64 MiB of peak memory (the child's ru_maxrss), and no
 * output or temporary file left; good encodings; XInclude as plain data;
 * no network and no file access, checked under strace; --xsd.  Every
 * document is written here, into a fresh temporary directory.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The limits a hostile document must stay within. */
#define MAX_SECONDS 20.0
#if defined(__SANITIZE_ADDRESS__)
#define CONV_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONV_TEST_ASAN 1
#endif
#endif
#ifdef CONV_TEST_ASAN
/* Under ASan the tool carries shadow memory, a quarantine of freed blocks
 * and LeakSanitizer's scan at exit; the 64 MiB bound is the normal build's. */
#define MAX_RSS_KB (128L * 1024)
#else
#define MAX_RSS_KB (64L * 1024)
#endif

/* ---- running the tool: status, stdout, stderr, wall time, peak memory ---------- */

struct run {
    int status; /* exit code, or 128+signal */
    double seconds;
    long maxrss_kb;
    char *out, *err;
    size_t out_len, err_len;
};

struct fixture {
    char *base;
    char *in;  /* inputs are written here */
    char *out; /* outputs go here: must stay empty on failure */
    char *io;  /* the child's stdout and stderr */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->base = tu_tempdir();
    f->in = tu_path(f->base, "in");
    f->out = tu_path(f->base, "out");
    f->io = tu_path(f->base, "io");
    if (mkdir(f->in, 0700) || mkdir(f->out, 0700) || mkdir(f->io, 0700))
        fail_msg("mkdir failed");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tu_rmtree(f->base);
    free(f->base);
    free(f->in);
    free(f->out);
    free(f->io);
    free(f);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *conv_exe(void)
{
    const char *bindir = getenv("CONV_BIN");
    return tu_path(bindir ? bindir : CONV_BINARY_DIR "/bin", "conv");
}

/*
 * The child's peak memory: Linux counts, in a child's ru_maxrss, what its
 * process held before exec, and a forked copy of this test holds all the
 * documents it built.  So the command runs under a small middle process,
 * this program exec'ed afresh ("--measure"), which forks it, waits for it
 * with wait4() and writes its exit status, wall time and ru_maxrss to a
 * file.
 */
static int measure_main(char **argv)
{
    /* argv: self --measure RESULT EXE ARGV0 ARGS... */
    const char *result = argv[2], *exe = argv[3];
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        _exit(125);
    if (pid == 0) {
        if (strchr(exe, '/'))
            execv(exe, argv + 4);
        else
            execvp(exe, argv + 4);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR)
            _exit(125);
    double seconds = now() - t0;
    FILE *f = fopen(result, "w");
    if (!f)
        _exit(125);
    fprintf(f, "%d %.6f %ld\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), seconds,
            ru.ru_maxrss);
    fclose(f);
    _exit(0);
}

/*
 * Run exe (a path, or a name looked up in PATH when it has no '/') with
 * argv (argv[0] included) under the measuring middle process, stdin from
 * stdin_path (or /dev/null), stdout and stderr into files under f->io.
 * Anything still running after 60 s is killed.  traced: the command runs
 * under ptrace (strace), where LeakSanitizer cannot work.
 */
static void run_exe(struct run *r, const struct fixture *f, const char *exe,
                    const char *const *argv, const char *stdin_path, int traced)
{
    memset(r, 0, sizeof *r);
    char *out_path = tu_path(f->io, "stdout");
    char *err_path = tu_path(f->io, "stderr");
    char *res_path = tu_path(f->io, "result");
    unlink(res_path);
    const char *margv[40];
    size_t n = 0;
    margv[n++] = "test_xml_tool";
    margv[n++] = "--measure";
    margv[n++] = res_path;
    margv[n++] = exe;
    for (size_t i = 0; argv[i]; i++) {
        assert_true(n + 1 < sizeof margv / sizeof margv[0]);
        margv[n++] = argv[i];
    }
    margv[n] = NULL;
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        close(in);
        close(out);
        close(err);
        if (traced) {
            const char *o = getenv("ASAN_OPTIONS");
            char opts[1024];
            snprintf(opts, sizeof opts, "%s%sdetect_leaks=0", o ? o : "", o && *o ? ":" : "");
            setenv("ASAN_OPTIONS", opts, 1);
        }
        execv("/proc/self/exe", (char *const *)margv);
        _exit(127);
    }
    int st = 0;
    for (;;) {
        pid_t got = waitpid(pid, &st, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR)
            fail_msg("waitpid failed");
        if (now() - t0 > 60) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            fail_msg("%s ran for more than 60 s: killed", argv[0]);
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    char *res = tu_read_file(res_path, NULL);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !res ||
        sscanf(res, "%d %lf %ld", &r->status, &r->seconds, &r->maxrss_kb) != 3)
        fail_msg("the measuring process failed (status %d) for %s", st, argv[0]);
    free(res);
    r->out = tu_read_file(out_path, &r->out_len);
    r->err = tu_read_file(err_path, &r->err_len);
    assert_non_null(r->out);
    assert_non_null(r->err);
    unlink(out_path);
    unlink(err_path);
    unlink(res_path);
    free(out_path);
    free(err_path);
    free(res_path);
}

/* Run conv with args (without argv[0]). */
static void run_conv(struct run *r, const struct fixture *f, const char *const *args,
                     const char *stdin_path)
{
    const char *argv[32];
    size_t n = 0;
    argv[n++] = "conv";
    for (size_t i = 0; args[i]; i++) {
        assert_true(n + 1 < sizeof argv / sizeof argv[0]);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    char *exe = conv_exe();
    run_exe(r, f, exe, argv, stdin_path, 0);
    free(exe);
}

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Write an input file under f->in; returns its path. */
static char *put_input(const struct fixture *f, const char *name, const void *data, size_t len)
{
    char *path = tu_path(f->in, name);
    tu_write_file(path, data, len);
    return path;
}

/* stderr is exactly want (one line, ending in a newline). */
static void assert_stderr(const struct run *r, const char *want)
{
    if (strcmp(r->err, want) != 0)
        fail_msg("stderr differs\n  want: [%s]\n  got:  [%s]", want, r->err);
}

/* ---- 1. record-shaped XML to CSV -------------------------------------------------- */

static const char generic_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<tinh xmlns:tk=\"urn:x-thong-ke\" xmlns:dv=\"urn:x-don-vi\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
    "  <chi_tieu ma=\"0101\" tk:ky=\"2021\">\n"
    "    <ten><![CDATA[Giá trị sản xuất <GO>]]></ten>\n"
    "    <don_vi dv:he=\"VND\">tỷ đồng</don_vi>\n"
    "    <gia_tri>552.6</gia_tri>\n"
    "    <vung><ma>165</ma><ten>Thành phố Sông Công</ten></vung>\n"
    "    <ghi_chu>Đ&#x1EA1;t &#233; &lt;5% &amp; &quot;tốt&quot;</ghi_chu>\n"
    "    <nhan>a</nhan>\n"
    "    <nhan>b</nhan>\n"
    "    <ma>0101</ma>\n"
    "    <trong/>\n"
    "    <thieu xsi:nil=\"true\"/>\n"
    "  </chi_tieu>\n"
    "  <chi_tieu ma=\"0102\" tk:ky=\"2021\">\n"
    "    <ten>Xuất khẩu</ten>\n"
    "    <gia_tri>  12.25 </gia_tri>\n"
    "    <nhan>c</nhan>\n"
    "  </chi_tieu>\n"
    "</tinh>\n";

/* The "Must show" of the issue: a generic file converts to CSV with exactly
 * this header and these rows. */
static void test_generic_to_csv(void **state)
{
    struct fixture *f = *state;
    char *in = put_input(f, "tinh.xml", generic_xml, strlen(generic_xml));
    char *out = tu_path(f->out, "tinh.csv");
    struct run r;
    run_conv(&r, f, ARGV(in, "-o", out), NULL);
    if (r.status != 0 || r.err_len)
        fail_msg("exit %d: %s", r.status, r.err);
    size_t n;
    char *csv = tu_read_file(out, &n);
    assert_non_null(csv);
    const char *want =
        "ky,ten,don_vi,don_vi.he,gia_tri,vung.ma,vung.ten,ghi_chu,nhan.0,nhan.1,ma,trong,"
        "thieu,nhan\r\n"
        "2021,Giá trị sản xuất <GO>,tỷ đồng,VND,552.6,165,Thành phố Sông Công,"
        "\"Đạt é <5% & \"\"tốt\"\"\",a,b,0101,\"\",,\r\n"
        "2021,Xuất khẩu,,,  12.25 ,,,,,,0102,,,c\r\n";
    if (strcmp(csv, want) != 0)
        fail_msg("CSV differs\n--- want\n%s--- got\n%s", want, csv);
    free(csv);
    run_free(&r);

    /* The same to JSON Lines on stdout: types come from inference. */
    run_conv(&r, f, ARGV(in, "--to", "jsonl"), NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(
        r.out,
        "{\"ky\":2021,\"ten\":\"Giá trị sản xuất <GO>\",\"don_vi\":\"tỷ đồng\","
        "\"don_vi.he\":\"VND\",\"gia_tri\":\"552.6\",\"vung.ma\":165,\"vung.ten\":\"Thành phố "
        "Sông Công\",\"ghi_chu\":\"Đạt é <5% & \\\"tốt\\\"\",\"nhan.0\":\"a\",\"nhan.1\":\"b\","
        "\"ma\":\"0101\",\"trong\":\"\",\"thieu\":null}\n"
        "{\"ma\":\"0102\",\"ky\":2021,\"ten\":\"Xuất khẩu\",\"gia_tri\":\"  12.25 \","
        "\"nhan\":\"c\"}\n");
    run_free(&r);

    /* --xml-record and --reject-nested from the command line. */
    run_conv(&r, f, ARGV(in, "--xml-record", "/tinh/chi_tieu/vung", "--to", "csv"), NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "ma,ten\r\n165,Thành phố Sông Công\r\n");
    run_free(&r);
    run_conv(&r, f, ARGV(in, "--reject-nested", "--to", "csv"), NULL);
    assert_int_equal(r.status, 1);
    char want_err[4300];
    snprintf(want_err, sizeof want_err,
             "conv: %s:5:24: element <don_vi> has attributes (flattening is off: "
             "--reject-nested)\n",
             in);
    assert_stderr(&r, want_err);
    assert_int_equal(r.out_len, 0);
    run_free(&r);
    free(out);
    free(in);
}

/* ---- 2. hostile documents ---------------------------------------------------------- */

/* A growing document. */
struct doc {
    struct tu_sbuf b;
};

static void add(struct doc *d, const char *s)
{
    tu_sb_str(&d->b, s);
}

static void add_n(struct doc *d, const char *s, size_t times)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < times; i++)
        tu_sb_add(&d->b, s, n);
}

static void addf(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct doc *d, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tu_sb_str(&d->b, buf);
}

static void doc_billion_laughs(struct doc *d)
{
    add(d, "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    for (int i = 1; i < 10; i++) {
        addf(d, " <!ENTITY lol%d \"", i);
        for (int k = 0; k < 10; k++)
            if (i == 1)
                add(d, "&lol;");
            else
                addf(d, "&lol%d;", i - 1);
        add(d, "\">\n");
    }
    add(d, "]>\n<lolz><i>&lol9;</i></lolz>\n");
}

/* A 40 KB entity referenced 40,000 times. */
static void doc_quadratic(struct doc *d)
{
    add(d, "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"");
    add_n(d, "x", 40000);
    add(d, "\">]>\n<r><i>");
    add_n(d, "&a;", 40000);
    add(d, "</i></r>\n");
}

static void doc_xxe_file(struct doc *d)
{
    add(d, "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n"
           "  <!ENTITY x SYSTEM \"file:///etc/passwd\">\n]>\n<r><i>&x;</i></r>\n");
}

static void doc_xxe_http(struct doc *d)
{
    add(d, "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n"
           "  <!ENTITY x SYSTEM \"http://127.0.0.1:9/x.txt\">\n]>\n<r><i>&x;</i></r>\n");
}

static void doc_ext_dtd_http(struct doc *d)
{
    add(d, "<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/r.dtd\">\n"
           "<r><i>&x;</i></r>\n");
}

/* The DTD file named here exists (the test writes it): it must not be read. */
static void doc_ext_dtd_file(struct doc *d)
{
    add(d, "<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"evil.dtd\">\n<r><i>&x;</i></r>\n");
}

static void doc_parameter_entity(struct doc *d)
{
    add(d, "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n"
           "  <!ENTITY % p SYSTEM \"evil.dtd\">\n  %p;\n]>\n<r><i>&x;</i></r>\n");
}

static void doc_undefined_entity(struct doc *d)
{
    add(d, "<r>\n  <i>a &nbsp; b</i>\n</r>\n");
}

static void doc_namespace(struct doc *d)
{
    add(d, "<r>\n  <i><p:x>1</p:x></i>\n</r>\n");
}

static void doc_encoding_lie(struct doc *d)
{
    add(d, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r>\n"
           "  <i>Thành phố Hải Dương</i>\n</r>\n");
}

static void doc_utf8_with_latin1(struct doc *d)
{
    add(d, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>\n  <i>caf\xe9</i>\n</r>\n");
}

static void doc_shift_jis_lie(struct doc *d)
{
    add(d, "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<r>\n  <i>Thỉ trấn</i>\n</r>\n");
}

static void doc_cdata_overlong(struct doc *d)
{
    add(d, "<r>\n  <i><![CDATA[a\xc0\xab]]></i>\n</r>\n");
}

static void doc_deep(struct doc *d)
{
    add(d, "<r>\n");
    add_n(d, "<a>", 100);
    add_n(d, "</a>", 100);
    add(d, "\n</r>\n");
}

static void doc_big_text(struct doc *d)
{
    add(d, "<r>\n<i>");
    char block[101];
    memset(block, 'x', 100);
    block[100] = '\0';
    add_n(d, block, 300000); /* 30,000,000 bytes */
    add(d, "</i>\n</r>\n");
}

static void doc_long_name(struct doc *d)
{
    add(d, "<r>\n<");
    add_n(d, "n", 100000);
    add(d, "/>\n</r>\n");
}

static void doc_many_attributes(struct doc *d)
{
    add(d, "<r>\n<i");
    for (int i = 0; i < 200000; i++)
        addf(d, " a%d=\"1\"", i);
    add(d, "/>\n</r>\n");
}

static void doc_many_names(struct doc *d)
{
    add(d, "<r>\n");
    for (int i = 0; i < 300000; i++)
        addf(d, "<n%d/>", i);
    add(d, "\n</r>\n");
}

static void doc_many_children(struct doc *d)
{
    add(d, "<r>\n<i>");
    add_n(d, "<c/>", 500000);
    add(d, "</i>\n</r>\n");
}

static void doc_truncated(struct doc *d)
{
    add(d, "<?xml version=\"1.0\"?>\n<r>\n  <i><a>1</a></i>\n  <i><a>2</a>");
}

static void doc_empty(struct doc *d)
{
    add(d, "");
}

static void doc_duplicate_attribute(struct doc *d)
{
    add(d, "<r>\n  <i a=\"1\" a=\"2\"/>\n</r>\n");
}

static void doc_mismatched_tag(struct doc *d)
{
    add(d, "<r>\n  <i>1</j>\n</r>\n");
}

struct hostile {
    const char *name;
    void (*make)(struct doc *);
    const char *opt; /* an extra option and its value, or NULL */
    const char *opt_value;
    const char *where_msg; /* stderr after "conv: FILE:" */
};

static const struct hostile hostile[] = {
    {"billion_laughs", doc_billion_laughs, NULL, NULL,
     "3:20: the DTD declares entity 'lol' (refused: entity declarations are not allowed)"},
    {"quadratic_blowup", doc_quadratic, NULL, NULL,
     "2:40027: the DTD declares entity 'a' (refused: entity declarations are not allowed)"},
    {"external_entity_file", doc_xxe_file, NULL, NULL,
     "3:41: the DTD declares entity 'x' (refused: entity declarations are not allowed)"},
    {"external_entity_http", doc_xxe_http, NULL, NULL,
     "3:47: the DTD declares entity 'x' (refused: entity declarations are not allowed)"},
    {"external_dtd_http", doc_ext_dtd_http, NULL, NULL,
     "2:46: the document names an external DTD (refused: no external loading)"},
    {"external_dtd_file", doc_ext_dtd_file, NULL, NULL,
     "2:30: the document names an external DTD (refused: no external loading)"},
    {"parameter_entity", doc_parameter_entity, NULL, NULL,
     "3:33: the DTD declares entity 'p' (refused: entity declarations are not allowed)"},
    {"undefined_entity", doc_undefined_entity, NULL, NULL, "2:14: Entity 'nbsp' not defined"},
    {"namespace_error", doc_namespace, NULL, NULL, "2:10: Namespace prefix p on x is not defined"},
    {"encoding_lie", doc_encoding_lie, NULL, NULL,
     "3:8: the text is UTF-8 but the declaration says another encoding"},
    {"utf8_declared_latin1_bytes", doc_utf8_with_latin1, NULL, NULL,
     "3:9: Input is not proper UTF-8, indicate encoding !"},
    {"shift_jis_lie", doc_shift_jis_lie, NULL, NULL,
     "3:6: the input is not valid in its declared encoding"},
    {"cdata_overlong_utf8", doc_cdata_overlong, NULL, NULL,
     "2:15: invalid UTF-8 in a CDATA section"},
    {"nesting_100", doc_deep, NULL, NULL, "2:192: elements nested deeper than 64"},
    {"text_30mb", doc_big_text, NULL, NULL, "2:3: text longer than 10000000 bytes"},
    {"name_100000", doc_long_name, NULL, NULL, "2:2: Name too long: NCName"},
    {"attributes_200000", doc_many_attributes, NULL, NULL,
     "2:1: start tag longer than 131072 bytes"},
    {"names_300000", doc_many_names, NULL, NULL, "2:888899: more than 100000 distinct field names"},
    {"names_300000_outside_records", doc_many_names, "--xml-record", "item",
     "2:1890799: more than 200000 distinct names"},
    {"children_500000", doc_many_children, NULL, NULL,
     "2:400002: record with more than 100000 elements"},
    {"truncated", doc_truncated, NULL, NULL, "4:14: unexpected end of input inside <i>"},
    {"empty", doc_empty, NULL, NULL, "1:1: no root element (empty or cut short)"},
    {"duplicate_attribute", doc_duplicate_attribute, NULL, NULL, "2:17: Attribute a redefined"},
    {"mismatched_tag", doc_mismatched_tag, NULL, NULL,
     "2:11: Opening and ending tag mismatch: i line 2 and j"},
};

/*
 * Each hostile document through conv, to CSV: exit 1, exactly the one
 * expected stderr line, nothing on stdout, fast, small, and nothing left
 * in the output directory.  Also from standard input.
 */
static void test_hostile_documents(void **state)
{
    struct fixture *f = *state;
    char *dtd = tu_path(f->in, "evil.dtd");
    tu_write_file(dtd, "<!ENTITY x \"evil\">\n", 19);
    struct tu_sbuf problems = {0}; /* every document is tried; all problems reported */
    tu_sb_str(&problems, "");
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        const struct hostile *h = &hostile[i];
        struct doc d = {{0}};
        tu_sb_str(&d.b, "");
        h->make(&d);
        char name[128];
        snprintf(name, sizeof name, "%s.xml", h->name);
        char *in = put_input(f, name, d.b.p, d.b.n);
        char *out = tu_path(f->out, "out.csv");
        for (int from_stdin = 0; from_stdin <= 1; from_stdin++) {
            struct run r;
            /* To a file, or from standard input ("-") to standard output. */
            if (!from_stdin && h->opt)
                run_conv(&r, f, ARGV(h->opt, h->opt_value, in, "-o", out), NULL);
            else if (!from_stdin)
                run_conv(&r, f, ARGV(in, "-o", out), NULL);
            else if (h->opt)
                run_conv(&r, f, ARGV(h->opt, h->opt_value, "--from", "xml", "--to", "csv"), in);
            else
                run_conv(&r, f, ARGV("--from", "xml", "--to", "csv"), in);
            char want[600], line[1200];
            snprintf(want, sizeof want, "conv: %s:%s\n", from_stdin ? "-" : in, h->where_msg);
            const char *how = from_stdin ? " (stdin)" : "";
            if (r.status != 1) {
                snprintf(line, sizeof line, "%s%s: exit %d\n", h->name, how, r.status);
                tu_sb_str(&problems, line);
            }
            if (strcmp(r.err, want) != 0) {
                snprintf(line, sizeof line, "%s%s: stderr\n  want: %s  got:  %.400s", h->name, how,
                         want, r.err);
                tu_sb_str(&problems, line);
            }
            if (r.out_len) {
                snprintf(line, sizeof line, "%s%s: %zu bytes on stdout\n", h->name, how, r.out_len);
                tu_sb_str(&problems, line);
            }
            if (r.seconds >= MAX_SECONDS) {
                snprintf(line, sizeof line, "%s%s: took %.2f s\n", h->name, how, r.seconds);
                tu_sb_str(&problems, line);
            }
            if (r.maxrss_kb >= MAX_RSS_KB) {
                snprintf(line, sizeof line, "%s%s: peak memory %ld KiB\n", h->name, how,
                         r.maxrss_kb);
                tu_sb_str(&problems, line);
            }
            if (tu_count_entries(f->out) != 0) {
                snprintf(line, sizeof line, "%s%s: a file was left in the output directory\n",
                         h->name, how);
                tu_sb_str(&problems, line);
            }
            if (getenv("CONV_TEST_VERBOSE"))
                fprintf(stderr, "%-30s%-8s %.3f s %6ld KiB\n", h->name, how, r.seconds,
                        r.maxrss_kb);
            run_free(&r);
        }
        free(out);
        free(in);
        free(d.b.p);
    }
    if (problems.n) {
        fputs(problems.p, stderr); /* whole: fail_msg cuts long messages */
        fail_msg("hostile documents: problems above");
    }
    free(problems.p);
    free(dtd);
}

/* ---- good encodings -------------------------------------------------------------- */

/* UTF-8 to UTF-16 (BOM first, little- or big-endian). */
static void to_utf16(struct tu_sbuf *u, const char *text, int be)
{
    const unsigned char *s = (const unsigned char *)text;
    tu_sb_add(u, be ? "\xfe\xff" : "\xff\xfe", 2);
    while (*s) {
        uint32_t cp;
        if (s[0] < 0x80) {
            cp = s[0];
            s += 1;
        } else if (s[0] < 0xE0) {
            cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
            s += 2;
        } else if (s[0] < 0xF0) {
            cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
            s += 3;
        } else {
            cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                 ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
            s += 4;
        }
        uint16_t units[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = (uint16_t)(0xD800 | (cp >> 10));
            units[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
            nu = 2;
        } else {
            units[0] = (uint16_t)cp;
        }
        for (int j = 0; j < nu; j++) {
            char b[2];
            b[be ? 0 : 1] = (char)(units[j] >> 8);
            b[be ? 1 : 0] = (char)(units[j] & 0xFF);
            tu_sb_add(u, b, 2);
        }
    }
}

static void test_good_encodings(void **state)
{
    struct fixture *f = *state;
    struct run r;
    /* Genuine ISO-8859-1, read as such and written as UTF-8. */
    const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                          "<r><i ten=\"Z\xfcrich\"><mo>caf\xe9 cr\xe8me \xa9</mo></i></r>\n";
    char *in = put_input(f, "latin1.xml", latin1, sizeof latin1 - 1);
    run_conv(&r, f, ARGV(in, "--to", "csv"), NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.err_len, 0);
    assert_string_equal(r.out, "ten,mo\r\nZürich,café crème ©\r\n");
    run_free(&r);
    free(in);

    /* UTF-16 with a BOM, LE and BE, declaring UTF-16 or nothing. */
    static const char *const texts[] = {
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<r>\n<i ma=\"01\">Thành phố Huế "
        "😀</i>\n</r>\n",
        "<r>\n<i ma=\"01\">Thành phố Huế 😀</i>\n</r>\n",
    };
    for (size_t k = 0; k < 2; k++)
        for (int be = 0; be <= 1; be++) {
            struct tu_sbuf u = {0};
            to_utf16(&u, texts[k], be);
            in = put_input(f, "utf16.xml", u.p, u.n);
            char *out = tu_path(f->out, "utf16.csv");
            run_conv(&r, f, ARGV(in, "-o", out), NULL);
            if (r.status != 0)
                fail_msg("UTF-16 %s, text %zu: %s", be ? "BE" : "LE", k, r.err);
            char *csv = tu_read_file(out, NULL);
            assert_string_equal(csv, "i,ma\r\nThành phố Huế 😀,01\r\n");
            free(csv);
            unlink(out);
            run_free(&r);
            free(out);
            free(in);
            free(u.p);
        }
}

/* ---- XInclude is data -------------------------------------------------------------- */

static void test_xinclude_is_data(void **state)
{
    struct fixture *f = *state;
    const char doc[] = "<?xml version=\"1.0\"?>\n"
                       "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
                       "  <i><xi:include href=\"/etc/passwd\" parse=\"text\"/></i>\n"
                       "</r>\n";
    char *in = put_input(f, "xinclude.xml", doc, sizeof doc - 1);
    struct run r;
    run_conv(&r, f, ARGV(in, "--to", "csv"), NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.err_len, 0);
    assert_string_equal(r.out, "include.href,include.parse\r\n/etc/passwd,text\r\n");
    run_free(&r);
    free(in);
}

/* ---- no network, no file access: strace ----------------------------------------------- */

/* strace on PATH, or the test fails: build.sh installs it. */
static void require_strace(void)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin");
    int found = 0;
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *exe = tu_path(dir, "strace");
        found = access(exe, X_OK) == 0;
        free(exe);
    }
    free(copy);
    if (!found)
        fail_msg("strace is not installed: it is needed to show that no network or file "
                 "access happens (./build.sh test installs it)");
}

/*
 * Run conv under strace -f (network calls and opens) and check the trace:
 * the input was opened (so the trace works), and there is no socket or
 * connect call and no open of any of the forbidden paths.
 */
static void traced(const struct fixture *f, const char *const *args, const char *input,
                   const char *const *forbidden, int want_status)
{
    char *trace = tu_path(f->io, "trace");
    char *exe = conv_exe();
    const char *argv[32];
    size_t n = 0;
    argv[n++] = "strace";
    argv[n++] = "-f";
    argv[n++] = "-o";
    argv[n++] = trace;
    argv[n++] = "-e";
    argv[n++] = "trace=network,open,openat";
    argv[n++] = exe;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct run r;
    run_exe(&r, f, "strace", argv, NULL, 1);
    if (r.status != want_status)
        fail_msg("conv %s under strace: exit %d (want %d): %s", input, r.status, want_status,
                 r.err);
    char *t = tu_read_file(trace, NULL);
    if (!t)
        fail_msg("strace wrote no trace: %s", r.err);
    char opened[4200];
    snprintf(opened, sizeof opened, "\"%s\"", input);
    if (!strstr(t, opened))
        fail_msg("the trace does not show the input being opened:\n%s", t);
    if (strstr(t, "socket(") || strstr(t, "connect("))
        fail_msg("conv %s: network calls:\n%s", input, t);
    for (size_t i = 0; forbidden && forbidden[i]; i++)
        if (strstr(t, forbidden[i]))
            fail_msg("conv %s: touched %s:\n%s", input, forbidden[i], t);
    free(t);
    unlink(trace);
    run_free(&r);
    free(exe);
    free(trace);
}

static void test_no_network_no_files(void **state)
{
    struct fixture *f = *state;
    require_strace();
    char *dtd = tu_path(f->in, "evil.dtd");
    tu_write_file(dtd, "<!ENTITY x \"evil\">\n", 19);
    char *out = tu_path(f->out, "out.csv");
    static const struct {
        const char *name;
        void (*make)(struct doc *);
        int status;
    } docs[] = {
        {"xxe_file.xml", doc_xxe_file, 1},     {"xxe_http.xml", doc_xxe_http, 1},
        {"dtd_http.xml", doc_ext_dtd_http, 1}, {"dtd_file.xml", doc_ext_dtd_file, 1},
        {"pe.xml", doc_parameter_entity, 1},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        struct doc d = {{0}};
        tu_sb_str(&d.b, "");
        docs[i].make(&d);
        char *in = put_input(f, docs[i].name, d.b.p, d.b.n);
        traced(f, ARGV(in, "-o", out), in, ARGV("/etc/passwd", "evil.dtd", "r.dtd", "x.txt"),
               docs[i].status);
        assert_int_equal(tu_count_entries(f->out), 0);
        free(in);
        free(d.b.p);
    }
    /* XInclude: read as data, exit 0, and the included file is not opened. */
    const char xi[] = "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
                      "  <i><xi:include href=\"/etc/passwd\" parse=\"text\"/></i>\n"
                      "  <i><xi:include href=\"http://127.0.0.1:9/x.xml\"/></i>\n</r>\n";
    char *in = put_input(f, "xinclude.xml", xi, sizeof xi - 1);
    traced(f, ARGV(in, "-o", out), in, ARGV("/etc/passwd", "x.xml\""), 0);
    char *csv = tu_read_file(out, NULL);
    assert_string_equal(csv, "include.href,include.parse\r\n/etc/passwd,text\r\n"
                             "http://127.0.0.1:9/x.xml,\r\n");
    free(csv);
    unlink(out);
    free(in);

    /* --xsd with a URL, and an XSD whose local include includes a remote
     * schema: refused, no network. */
    const char ok[] = "<r><i>1</i></r>\n";
    in = put_input(f, "ok.xml", ok, sizeof ok - 1);
    traced(f, ARGV("--xsd", "http://127.0.0.1:9/s.xsd", in, "-o", out), in, NULL, 3);
    const char inner[] = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                         "  <xs:include schemaLocation=\"http://127.0.0.1:9/x.xsd\"/>\n"
                         "</xs:schema>\n";
    const char outer[] = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                         "  <xs:include schemaLocation=\"inner.xsd\"/>\n"
                         "  <xs:element name=\"r\"/>\n</xs:schema>\n";
    char *inner_path = put_input(f, "inner.xsd", inner, sizeof inner - 1);
    char *outer_path = put_input(f, "outer.xsd", outer, sizeof outer - 1);
    traced(f, ARGV("--xsd", outer_path, in, "-o", out), in, NULL, 2);
    assert_int_equal(tu_count_entries(f->out), 0);
    free(inner_path);
    free(outer_path);
    free(in);
    free(out);
    free(dtd);
}

/* ---- --xsd ------------------------------------------------------------------------- */

static const char items_xsd[] = "<?xml version=\"1.0\"?>\n"
                                "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                                "  <xs:include schemaLocation=\"types.xsd\"/>\n"
                                "  <xs:element name=\"r\">\n"
                                "    <xs:complexType><xs:sequence>\n"
                                "      <xs:element name=\"i\" maxOccurs=\"unbounded\">\n"
                                "        <xs:complexType><xs:sequence>\n"
                                "          <xs:element name=\"ma\" type=\"code\"/>\n"
                                "          <xs:element name=\"n\" type=\"xs:integer\"/>\n"
                                "        </xs:sequence></xs:complexType>\n"
                                "      </xs:element>\n"
                                "    </xs:sequence></xs:complexType>\n"
                                "  </xs:element>\n"
                                "</xs:schema>\n";

static const char types_xsd[] =
    "<?xml version=\"1.0\"?>\n"
    "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
    "  <xs:simpleType name=\"code\">\n"
    "    <xs:restriction base=\"xs:string\"><xs:pattern value=\"[0-9]{4}\"/></xs:restriction>\n"
    "  </xs:simpleType>\n"
    "</xs:schema>\n";

static void test_xsd(void **state)
{
    struct fixture *f = *state;
    char *xsd = put_input(f, "items.xsd", items_xsd, sizeof items_xsd - 1);
    char *types = put_input(f, "types.xsd", types_xsd, sizeof types_xsd - 1);
    char *out = tu_path(f->out, "out.csv");
    struct run r;

    /* Valid: exit 0, the output written, nothing on stderr. */
    const char good[] = "<r>\n<i><ma>0101</ma><n>1</n></i>\n<i><ma>0102</ma><n>2</n></i>\n</r>\n";
    char *in = put_input(f, "good.xml", good, sizeof good - 1);
    run_conv(&r, f, ARGV("--xsd", xsd, in, "-o", out), NULL);
    if (r.status != 0 || r.err_len)
        fail_msg("exit %d: %s", r.status, r.err);
    char *csv = tu_read_file(out, NULL);
    assert_string_equal(csv, "ma,n\r\n0101,1\r\n0102,2\r\n");
    free(csv);
    unlink(out);
    run_free(&r);
    free(in);

    /* Two violations: each on its line, then the summary; exit 1; nothing
     * written. */
    const char bad[] = "<r>\n<i><ma>0101</ma><n>1</n></i>\n<i><ma>1</ma><n>2</n></i>\n"
                       "<i><ma>0103</ma><n>x</n></i>\n</r>\n";
    in = put_input(f, "bad.xml", bad, sizeof bad - 1);
    run_conv(&r, f, ARGV("--xsd", xsd, in, "-o", out), NULL);
    assert_int_equal(r.status, 1);
    char want[3000];
    snprintf(want, sizeof want,
             "conv: %s:3: Element 'ma': [facet 'pattern'] The value '1' is not accepted by the "
             "pattern '[0-9]{4}'\n"
             "conv: %s:4: Element 'n': 'x' is not a valid value of the atomic type 'xs:integer'\n"
             "conv: %s:3: 2 XSD violations; the first: Element 'ma': [facet 'pattern'] The value "
             "'1' is not accepted by the pattern '[0-9]{4}'\n",
             in, in, in);
    assert_stderr(&r, want);
    assert_int_equal(tu_count_entries(f->out), 0);
    run_free(&r);
    free(in);

    /* A missing XSD, an XSD that is not XML, one that is not a schema, one
     * with a remote include: one line each, nothing written. */
    in = put_input(f, "good.xml", good, sizeof good - 1);
    char *missing = tu_path(f->in, "missing.xsd");
    run_conv(&r, f, ARGV("--xsd", missing, in, "-o", out), NULL);
    assert_int_equal(r.status, 3);
    snprintf(want, sizeof want, "conv: %s: cannot open the XSD: No such file or directory\n",
             missing);
    assert_stderr(&r, want);
    run_free(&r);
    char *notxml = put_input(f, "notxml.xsd", "<xs:schema\n", 11);
    run_conv(&r, f, ARGV("--xsd", notxml, in, "-o", out), NULL);
    assert_int_equal(r.status, 1);
    snprintf(want, sizeof want,
             "conv: %s:2: invalid XSD: Couldn't find end of Start Tag schema line 1\n", notxml);
    assert_stderr(&r, want);
    run_free(&r);
    const char inv[] = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                       "  <xs:element name=\"r\" type=\"nope\"/>\n</xs:schema>\n";
    char *invalid = put_input(f, "invalid.xsd", inv, sizeof inv - 1);
    run_conv(&r, f, ARGV("--xsd", invalid, in, "-o", out), NULL);
    assert_int_equal(r.status, 1);
    snprintf(want, sizeof want,
             "conv: %s:2: invalid XSD: element decl. 'r', attribute 'type': The QName value "
             "'nope' does not resolve to a(n) type definition\n",
             invalid);
    assert_stderr(&r, want);
    run_free(&r);
    const char rem[] = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                       "  <xs:import namespace=\"urn:x\" "
                       "schemaLocation=\"https://example.org/x.xsd\"/>\n"
                       "  <xs:element name=\"r\"/>\n</xs:schema>\n";
    char *remote = put_input(f, "remote.xsd", rem, sizeof rem - 1);
    run_conv(&r, f, ARGV("--xsd", remote, in, "-o", out), NULL);
    assert_int_equal(r.status, 2);
    snprintf(want, sizeof want,
             "conv: %s:2: the XSD includes a remote schema (refused: no network access) (see "
             "conv --help)\n",
             remote);
    assert_stderr(&r, want);
    run_free(&r);
    /* Local includes that are broken or missing: one line too (libxml2
     * parses included schema documents with handlers that print). */
    const char broken[] = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                          "<xs:element name=\"x\"\n";
    char *broken_path = put_input(f, "broken.xsd", broken, sizeof broken - 1);
    const char incb[] = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                        "  <xs:include schemaLocation=\"broken.xsd\"/>\n"
                        "  <xs:include schemaLocation=\"missing.xsd\"/>\n"
                        "  <xs:element name=\"r\"/>\n</xs:schema>\n";
    char *incb_path = put_input(f, "incb.xsd", incb, sizeof incb - 1);
    run_conv(&r, f, ARGV("--xsd", incb_path, in, "-o", out), NULL);
    assert_int_equal(r.status, 1);
    snprintf(want, sizeof want,
             "conv: %s:2: invalid XSD: Element '{http://www.w3.org/2001/XMLSchema}include': "
             "Failed to parse the XML resource '%s'\n",
             incb_path, broken_path);
    assert_stderr(&r, want);
    run_free(&r);
    const char incm[] = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                        "  <xs:include schemaLocation=\"missing.xsd\"/>\n"
                        "  <xs:element name=\"r\"/>\n</xs:schema>\n";
    char *incm_path = put_input(f, "incm.xsd", incm, sizeof incm - 1);
    run_conv(&r, f, ARGV("--xsd", incm_path, in, "-o", out), NULL);
    assert_int_equal(r.status, 1);
    snprintf(want, sizeof want,
             "conv: %s:2: invalid XSD: Element '{http://www.w3.org/2001/XMLSchema}include': "
             "Failed to load the document '%s/missing.xsd' for inclusion\n",
             incm_path, f->in);
    assert_stderr(&r, want);
    run_free(&r);
    assert_int_equal(tu_count_entries(f->out), 0);

    free(incm_path);
    free(incb_path);
    free(broken_path);
    free(remote);
    free(invalid);
    free(notxml);
    free(missing);
    free(in);
    free(out);
    free(types);
    free(xsd);
}

int main(int argc, char **argv)
{
    if (argc > 4 && !strcmp(argv[1], "--measure"))
        return measure_main(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generic_to_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xinclude_is_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_network_no_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xsd, setup, teardown),
    };
    return cmocka_run_group_tests_name("xml through conv", tests, NULL, NULL);
}
