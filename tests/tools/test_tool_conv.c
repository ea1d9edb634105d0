/*
 * The conv tool seen from outside: options and exit codes, byte-exact round
 * trips and golden samples, pipes, the bad-input case folders under
 * tests/data/tool/ (exit code, one exact stderr line, nothing left behind),
 * safe output, interruption, the union of JSON fields and writer options.
 */
#include "cases.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------------- */

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Run conv with args and optional stdin (a NUL-terminated string or NULL). */
static void run(struct tu_run *r, const char *stdin_data, const char *const *argv)
{
    tu_run_tool(r, "conv", stdin_data, stdin_data ? strlen(stdin_data) : 0, argv);
}

/* Run conv and require success with nothing on stderr. */
static void run_ok(const char *stdin_data, const char *const *argv)
{
    struct tu_run r;
    run(&r, stdin_data, argv);
    if (r.status != 0 || r.err_len != 0)
        fail_msg("conv %s ... exited %d, stderr: %s", argv[0], r.status, r.err);
    tu_run_free(&r);
}

/* Compare bytes; on a difference say where, with both sides around it. */
static void assert_bytes(const char *what, const char *got, size_t got_len, const char *want,
                         size_t want_len)
{
    size_t i = 0;
    while (i < got_len && i < want_len && got[i] == want[i])
        i++;
    if (i == got_len && i == want_len)
        return;
    size_t from = i > 20 ? i - 20 : 0;
    size_t g = got_len > from ? got_len - from : 0;
    size_t w = want_len > from ? want_len - from : 0;
    g = g < 60 ? g : 60;
    w = w < 60 ? w : 60;
    fail_msg("%s: differs at byte %zu (got %zu bytes, want %zu)\n  got:  [%.*s]\n  want: [%.*s]",
             what, i, got_len, want_len, (int)g, got + from, (int)w, want + from);
}

/* The file at path holds exactly want[0..want_len). */
static void assert_file_bytes(const char *path, const char *want, size_t want_len)
{
    size_t n;
    char *got = tu_read_file(path, &n);
    if (!got)
        fail_msg("%s: cannot read", path);
    assert_bytes(path, got, n, want, want_len);
    free(got);
}

/* Two files hold the same bytes. */
static void assert_same_file(const char *path, const char *want_path)
{
    size_t n;
    char *want = tu_read_file(want_path, &n);
    if (!want)
        fail_msg("%s: cannot read", want_path);
    assert_file_bytes(path, want, n);
    free(want);
}

/* stderr is exactly one line starting with "conv: ". */
static void assert_one_line(const struct tu_run *r)
{
    if (r->err_len == 0 || r->err[r->err_len - 1] != '\n' ||
        memchr(r->err, '\n', r->err_len) != r->err + r->err_len - 1)
        fail_msg("stderr is not exactly one line: [%s]", r->err);
    if (strncmp(r->err, "conv: ", 6) != 0)
        fail_msg("stderr does not start with 'conv: ': [%s]", r->err);
}

/* Per-test fixture: a fresh temporary directory. */
static int setup_dir(void **state)
{
    *state = tu_tempdir();
    return 0;
}

static int teardown_dir(void **state)
{
    tu_rmtree(*state);
    free(*state);
    return 0;
}

static char *conv_exe(void)
{
    const char *bindir = getenv("CONV_BIN");
    return tu_path(bindir ? bindir : CONV_BINARY_DIR "/bin", "conv");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Wait (up to 10 s) until process pid catches SIGINT: a signal sent
 * before it has installed its handler would only test the default
 * action, not conv (a loaded machine can take that long to exec). */
static void wait_catching_sigint(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(path, "r");
        if (!f)
            return; /* no /proc: the delay alone */
        char line[256];
        unsigned long long mask = 0;
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "SigCgt:", 7))
                mask = strtoull(line + 7, NULL, 16);
        fclose(f);
        if (mask & (1ull << (SIGINT - 1)))
            return;
        sleep_ms(10);
    }
}

/* A CSV file of about `bytes` bytes of indicator records. */
static void write_big_csv(const char *path, size_t bytes)
{
    static const char line[] = "165,Thành phố Sông Công,0101,552.6,Ghi chú khá dài một chút\r\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("region_code,region_name,indicator_code,value,note\r\n", f);
    size_t n = strlen(line), per = (1u << 20) / n;
    char *block = malloc(per * n);
    for (size_t i = 0; i < per; i++)
        memcpy(block + i * n, line, n);
    for (size_t done = 0; done < bytes; done += per * n)
        assert_int_equal(fwrite(block, 1, per * n, f), per * n);
    free(block);
    assert_int_equal(fclose(f), 0);
}

/* The same records as JSON Lines. */
static void write_big_jsonl(const char *path, size_t bytes)
{
    static const char line[] = "{\"region_code\":\"165\",\"region_name\":\"Thành phố Sông Công\","
                               "\"indicator_code\":\"0101\",\"value\":552.6,\"note\":null}\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    size_t n = strlen(line), per = (1u << 20) / n;
    char *block = malloc(per * n);
    for (size_t i = 0; i < per; i++)
        memcpy(block + i * n, line, n);
    for (size_t done = 0; done < bytes; done += per * n)
        assert_int_equal(fwrite(block, 1, per * n, f), per * n);
    free(block);
    assert_int_equal(fclose(f), 0);
}

/* ---- 1. options and usage ------------------------------------------------------ */

static void test_help(void **state)
{
    (void)state;
    struct tu_run r;
    run(&r, NULL, ARGV("--help"));
    assert_int_equal(r.status, 0);
    assert_int_equal(r.err_len, 0);
    /* Each option as it starts its line of the option list. */
    static const char *const opts[] = {
        "\n  --from ",      "\n  --to ",  "\n  --schema ",       "\n  --delimiter ",
        "\n  --eol ",       "\n  --bom ", "\n  --excel-safe ",   "\n  --reject-nested ",
        ", --output ",      ", --quiet ", "\n      --progress ", ", --version ",
        "\n  --infer-rows "};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (!strstr(r.out, opts[i]))
            fail_msg("--help does not list [%s]", opts[i]);
    const char *codes = strstr(r.out, "Exit status:");
    assert_non_null(codes);
    static const char *const lines[] = {"\n  0 ", "\n  1 ", "\n  2 ", "\n  3 ", "\n  130 "};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!strstr(codes, lines[i]))
            fail_msg("--help does not document exit code%s", lines[i]);
    /* -h is the same text. */
    struct tu_run h;
    run(&h, NULL, ARGV("-h"));
    assert_int_equal(h.status, 0);
    assert_string_equal(h.out, r.out);
    tu_run_free(&h);
    tu_run_free(&r);
}

static void test_version(void **state)
{
    (void)state;
    struct tu_run r;
    run(&r, NULL, ARGV("--version"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "conv (libconv) " CONV_VERSION_STRING "\n");
    assert_int_equal(r.err_len, 0);
    tu_run_free(&r);
    run(&r, NULL, ARGV("-V"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "conv (libconv) " CONV_VERSION_STRING "\n");
    tu_run_free(&r);
}

static void test_unknown_option(void **state)
{
    (void)state;
    struct tu_run r;
    run(&r, NULL, ARGV("--bogus", "x.csv"));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    assert_non_null(strstr(r.err, "--bogus"));
    assert_int_equal(r.out_len, 0);
    tu_run_free(&r);
}

static void test_option_without_value(void **state)
{
    (void)state;
    struct tu_run r;
    run(&r, NULL, ARGV("x.csv", "-o"));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    tu_run_free(&r);
    run(&r, NULL, ARGV("x.csv", "--schema"));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    assert_non_null(strstr(r.err, "--schema"));
    tu_run_free(&r);
}

static void test_two_inputs(void **state)
{
    char *out = tu_path(*state, "out.json");
    char *csv = tu_src("samples/indicators.csv");
    struct tu_run r;
    run(&r, NULL, ARGV(csv, csv, "-o", out));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    assert_int_equal(tu_count_entries(*state), 0);
    tu_run_free(&r);
    free(csv);
    free(out);
}

static void test_unknown_to(void **state)
{
    char *out = tu_path(*state, "out.json");
    char *csv = tu_src("samples/indicators.csv");
    struct tu_run r;
    run(&r, NULL, ARGV("--to", "parquet", csv, "-o", out));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    assert_non_null(strstr(r.err, "'parquet'"));
    assert_int_equal(tu_count_entries(*state), 0);
    tu_run_free(&r);
    run(&r, NULL, ARGV("--from", "parquet", csv, "-o", out));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    assert_int_equal(tu_count_entries(*state), 0);
    tu_run_free(&r);
    free(csv);
    free(out);
}

static void test_output_format_not_derivable(void **state)
{
    char *out = tu_path(*state, "out.xyz");
    char *csv = tu_src("samples/indicators.csv");
    struct tu_run r;
    run(&r, NULL, ARGV(csv, "-o", out));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    assert_non_null(strstr(r.err, "out.xyz"));
    assert_int_equal(tu_count_entries(*state), 0);
    tu_run_free(&r);
    /* Standard output has no extension either. */
    run(&r, NULL, ARGV(csv));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    assert_int_equal(r.out_len, 0);
    tu_run_free(&r);
    free(csv);
    free(out);
}

static void test_missing_input(void **state)
{
    char *in = tu_path(*state, "no-such-file.csv");
    char *out = tu_path(*state, "out.json");
    struct tu_run r;
    run(&r, NULL, ARGV(in, "-o", out));
    assert_int_equal(r.status, 3);
    assert_one_line(&r);
    assert_non_null(strstr(r.err, in));
    assert_int_equal(tu_count_entries(*state), 0);
    tu_run_free(&r);
    /* A directory as input is an I/O error too. */
    run(&r, NULL, ARGV("--from", "csv", (const char *)*state, "-o", out));
    assert_int_equal(r.status, 3);
    assert_one_line(&r);
    assert_int_equal(tu_count_entries(*state), 0);
    tu_run_free(&r);
    free(in);
    free(out);
}

/* ---- 2. round trips and golden samples ---------------------------------------- */

/* CSV -> ext -> CSV gives back the sample, with and without the schema. */
static void csv_round_trip(const char *dir, const char *ext)
{
    char *csv = tu_src("samples/indicators.csv");
    char *schema = tu_src("samples/indicators.schema.json");
    char mid_name[32], back_name[32];
    for (int with_schema = 0; with_schema <= 1; with_schema++) {
        snprintf(mid_name, sizeof mid_name, "mid%d.%s", with_schema, ext);
        snprintf(back_name, sizeof back_name, "back%d.csv", with_schema);
        char *mid = tu_path(dir, mid_name);
        char *back = tu_path(dir, back_name);
        if (with_schema) {
            run_ok(NULL, ARGV("--schema", schema, csv, "-o", mid));
            run_ok(NULL, ARGV("--schema", schema, mid, "-o", back));
        } else {
            run_ok(NULL, ARGV(csv, "-o", mid));
            run_ok(NULL, ARGV(mid, "-o", back));
        }
        assert_same_file(back, csv);
        free(mid);
        free(back);
    }
    assert_int_equal(tu_count_entries(dir), 4);
    free(csv);
    free(schema);
}

static void test_round_trip_csv_json_csv(void **state)
{
    csv_round_trip(*state, "json");
}

static void test_round_trip_csv_jsonl_csv(void **state)
{
    csv_round_trip(*state, "jsonl");
}

/*
 * JSON -> CSV -> JSON.  With the schema the sample comes back byte for byte.
 * Without one, CSV carries no types, so the way back infers them: the
 * sample's codes "165" and "2021" would come back as numbers.  The identity
 * then holds for JSON whose types are what inference gives (the schema-less
 * conversion of the CSV sample), and the CSV leg alone is still exact.
 */
static void test_round_trip_json_csv_json(void **state)
{
    const char *dir = *state;
    char *json = tu_src("samples/indicators.json");
    char *jsonl = tu_src("samples/indicators.jsonl");
    char *csv = tu_src("samples/indicators.csv");
    char *schema = tu_src("samples/indicators.schema.json");
    char *mid = tu_path(dir, "mid.csv");
    char *back = tu_path(dir, "back.json");
    char *backl = tu_path(dir, "back.jsonl");
    char *plain = tu_path(dir, "plain.json");
    char *plain_back = tu_path(dir, "plain_back.json");

    run_ok(NULL, ARGV("--schema", schema, json, "-o", mid));
    assert_same_file(mid, csv);
    run_ok(NULL, ARGV("--schema", schema, mid, "-o", back));
    assert_same_file(back, json);
    run_ok(NULL, ARGV("--schema", schema, mid, "-o", backl));
    assert_same_file(backl, jsonl);

    /* Without a schema: the CSV leg is exact... */
    run_ok(NULL, ARGV(json, "-o", mid));
    assert_same_file(mid, csv);
    run_ok(NULL, ARGV(jsonl, "-o", mid));
    assert_same_file(mid, csv);
    /* ...and inferred-type JSON survives the whole trip. */
    run_ok(NULL, ARGV(csv, "-o", plain));
    run_ok(NULL, ARGV(plain, "-o", mid));
    assert_same_file(mid, csv);
    run_ok(NULL, ARGV(mid, "-o", plain_back));
    assert_same_file(plain_back, plain);
    /* Inference types the unquoted codes 165 and 2021 as numbers. */
    size_t n;
    char *p = tu_read_file(plain, &n);
    assert_non_null(strstr(p, "{\"region_code\":165,"));
    assert_non_null(strstr(p, "\"indicator_code\":\"0101\""));
    free(p);

    free(json);
    free(jsonl);
    free(csv);
    free(schema);
    free(mid);
    free(back);
    free(backl);
    free(plain);
    free(plain_back);
}

/* The committed samples are what conv makes of the CSV sample and schema. */
static void test_golden_samples(void **state)
{
    char *csv = tu_src("samples/indicators.csv");
    char *schema = tu_src("samples/indicators.schema.json");
    char *json = tu_src("samples/indicators.json");
    char *jsonl = tu_src("samples/indicators.jsonl");
    char *out = tu_path(*state, "out.json");
    char *outl = tu_path(*state, "out.jsonl");
    run_ok(NULL, ARGV("--schema", schema, csv, "-o", out));
    assert_same_file(out, json);
    run_ok(NULL, ARGV("--schema", schema, csv, "-o", outl));
    assert_same_file(outl, jsonl);

    /* Spot checks of what the golden file must hold. */
    size_t n;
    char *g = tu_read_file(json, &n);
    assert_non_null(g);
    assert_true(n > 8 && !memcmp(g, "[\n{", 3) && !memcmp(g + n - 4, "}\n]\n", 4));
    assert_non_null(strstr(g, "\"value\":552.6,"));
    assert_null(strstr(g, "552.60"));
    assert_non_null(strstr(g, "\"indicator_code\":\"0101\""));
    assert_non_null(strstr(g, "\"region_code\":\"165\""));
    assert_non_null(strstr(g, "\"period\":\"2021\""));
    assert_non_null(strstr(g, "\"region_name\":\"Thành phố Sông Công\""));
    assert_non_null(strstr(g, "\"indicator_name\":\"Nông, lâm nghiệp và thủy sản\""));
    assert_non_null(strstr(g, "\"parent_code\":null"));
    assert_non_null(strstr(g, "\"note\":null}"));
    free(g);

    free(csv);
    free(schema);
    free(json);
    free(jsonl);
    free(out);
    free(outl);
}

/* ---- 3. pipes -------------------------------------------------------------------- */

static void test_pipes(void **state)
{
    char *csv = tu_src("samples/indicators.csv");
    char *file_out = tu_path(*state, "file.json");
    run_ok(NULL, ARGV(csv, "-o", file_out));
    size_t want_len, in_len;
    char *want = tu_read_file(file_out, &want_len);
    char *in = tu_read_file(csv, &in_len);

    struct tu_run r;
    run(&r, in, ARGV("--from", "csv", "--to", "json"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_bytes("stdin -> stdout", r.out, r.out_len, want, want_len);
    tu_run_free(&r);

    run(&r, in, ARGV("--from", "csv", "--to", "json", "-", "-o", "-"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_bytes("'-' -> '-o -'", r.out, r.out_len, want, want_len);
    tu_run_free(&r);

    run(&r, in, ARGV("-f", "csv", "-t", "json", "--output=-"));
    assert_int_equal(r.status, 0);
    assert_bytes("-f -t --output=-", r.out, r.out_len, want, want_len);
    tu_run_free(&r);

    /* File in, standard output out; the input format from the extension. */
    run(&r, NULL, ARGV("--to", "json", csv));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_bytes("file -> stdout", r.out, r.out_len, want, want_len);
    tu_run_free(&r);

    /* Standard input, no --from: the content says CSV. */
    run(&r, in, ARGV("--to", "json"));
    assert_int_equal(r.status, 0);
    assert_bytes("probed stdin", r.out, r.out_len, want, want_len);
    tu_run_free(&r);

    /* And back to CSV through a pipe: the sample, byte for byte. */
    run(&r, want, ARGV("--from", "json", "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_bytes("json stdin -> csv stdout", r.out, r.out_len, in, in_len);
    tu_run_free(&r);

    free(in);
    free(want);
    free(csv);
    free(file_out);
}

/*
 * stderr is a pipe here: no progress line, even on an input long enough to
 * show one.  --progress on the same input shows that it is long enough.
 */
static void test_no_progress_on_pipe(void **state)
{
    char *big = tu_path(*state, "big.csv");
    char *out = tu_path(*state, "big.json");
    size_t size = (size_t)50 << 20;
    for (int attempt = 0; attempt < 3; attempt++, size *= 2) {
        write_big_csv(big, size);
        struct tu_run r;
        run(&r, NULL, ARGV(big, "-o", out));
        assert_int_equal(r.status, 0);
        assert_string_equal(r.err, "");
        tu_run_free(&r);
        run(&r, NULL, ARGV("--progress", big, "-o", out));
        assert_int_equal(r.status, 0);
        int shown = strstr(r.err, "records") != NULL;
        tu_run_free(&r);
        if (shown)
            break;
        /* Too fast to show a line at all: try a bigger input. */
        if (attempt == 2)
            fail_msg("--progress never printed a progress line");
    }
    free(big);
    free(out);
}

/* ---- 4. bad-input case folders ------------------------------------------------- */

/* Replace the words INPUT, OUTPUT and SCHEMA in s; malloc'd. */
static char *substitute(const char *s, const char *input, const char *output, const char *schema)
{
    static const char *const words[] = {"INPUT", "OUTPUT", "SCHEMA"};
    const char *with[] = {input, output, schema};
    size_t longest = 0;
    for (size_t k = 0; k < 3; k++)
        if (strlen(with[k]) > longest)
            longest = strlen(with[k]);
    /* Each word is at least 5 bytes long. */
    size_t cap = strlen(s) + 1 + (strlen(s) / 5 + 1) * longest;
    char *r = malloc(cap), *d = r;
    while (*s) {
        size_t k;
        for (k = 0; k < 3; k++)
            if (!strncmp(s, words[k], strlen(words[k])))
                break;
        if (k < 3) {
            size_t n = strlen(with[k]);
            assert_true((size_t)(d - r) + n < cap);
            memcpy(d, with[k], n);
            d += n;
            s += strlen(words[k]);
        } else {
            *d++ = *s++;
        }
    }
    *d = '\0';
    return r;
}

/* A case: its folder and a fresh temporary directory for the output. */
struct case_state {
    const char *dir;
    char *tmp;
};

static int setup_case(void **state)
{
    struct case_state *cs = calloc(1, sizeof *cs);
    cs->dir = ((const struct tu_case *)*state)->dir;
    cs->tmp = tu_tempdir();
    *state = cs;
    return 0;
}

static int teardown_case(void **state)
{
    struct case_state *cs = *state;
    tu_rmtree(cs->tmp);
    free(cs->tmp);
    free(cs);
    return 0;
}

static void run_case(void **state)
{
    const struct case_state *cs = *state;
    const char *dir = cs->dir;
    const char *tmp = cs->tmp;
    char *input = tu_case_input(dir);
    char *schema = tu_path(dir, "schema.json");
    char *args_path = tu_path(dir, "args");
    char *expect_path = tu_path(dir, "expect");
    char *args = tu_read_file(args_path, NULL);
    char *expect = tu_read_file(expect_path, NULL);
    if (!args || !expect)
        fail_msg("%s: needs args and expect", dir);
    char *outbase = tu_path(tmp, "out");

    /* One argument per line. */
    const char *argv[64];
    char *outputs[64];
    size_t argc = 0, nout = 0;
    for (char *line = strtok(args, "\n"); line; line = strtok(NULL, "\n")) {
        assert_true(argc < 63);
        argv[argc] = substitute(line, input, outbase, schema);
        if (strstr(line, "OUTPUT"))
            outputs[nout++] = (char *)argv[argc];
        argc++;
    }
    argv[argc] = NULL;

    /* Line 1: exit code; line 2: the stderr line. */
    char *nl = strchr(expect, '\n');
    if (!nl)
        fail_msg("%s: expect needs two lines", dir);
    *nl = '\0';
    int code = atoi(expect);
    char *msg_end = strchr(nl + 1, '\n');
    if (msg_end)
        *msg_end = '\0';
    char *msg = substitute(nl + 1, input, outbase, schema);
    size_t want_len = strlen(msg) + 1;
    char *want = malloc(want_len + 1);
    snprintf(want, want_len + 1, "%s\n", msg);

    struct tu_run r;
    run(&r, NULL, argv);
    if (r.status != code)
        fail_msg("exit status %d, want %d; stderr: %s", r.status, code, r.err);
    assert_string_equal(r.err, want);
    for (size_t i = 0; i < nout; i++)
        if (tu_exists(outputs[i]))
            fail_msg("output %s exists after a failure", outputs[i]);
    assert_int_equal(tu_count_entries(tmp), 0);
    tu_run_free(&r);

    for (size_t i = 0; i < argc; i++)
        free((char *)argv[i]);
    free(want);
    free(msg);
    free(outbase);
    free(args);
    free(expect);
    free(args_path);
    free(expect_path);
    free(schema);
    free(input);
}

/* ---- 5. safe output ------------------------------------------------------------ */

static const char precious[] = "precious bytes\r\nnot to be touched\n";

/* A failing conversion leaves an existing output file alone. */
static void test_failure_keeps_existing_output(void **state)
{
    const char *dir = *state;
    char *bad_csv = tu_path(dir, "bad.csv");
    char *bad_json = tu_path(dir, "bad.json");
    char *out_json = tu_path(dir, "out.json");
    char *out_csv = tu_path(dir, "out.csv");
    /* The error comes after records have been written (CSV -> JSON streams). */
    tu_write_file(bad_csv, "a,b\r\n1,2\r\n3,4\r\n5,\"6\r\n", 21);
    /* JSON -> CSV goes through the spool. */
    tu_write_file(bad_json, "[{\"a\":1},{\"a\":2},{\"a\":}]", 24);
    tu_write_file(out_json, precious, strlen(precious));
    tu_write_file(out_csv, precious, strlen(precious));

    struct tu_run r;
    run(&r, NULL, ARGV(bad_csv, "-o", out_json));
    assert_int_equal(r.status, 1);
    assert_one_line(&r);
    tu_run_free(&r);
    assert_file_bytes(out_json, precious, strlen(precious));

    run(&r, NULL, ARGV(bad_json, "-o", out_csv));
    assert_int_equal(r.status, 1);
    assert_one_line(&r);
    tu_run_free(&r);
    assert_file_bytes(out_csv, precious, strlen(precious));

    /* A usage error too. */
    run(&r, NULL, ARGV("--delimiter", "xx", bad_csv, "-o", out_json));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    assert_file_bytes(out_json, precious, strlen(precious));

    /* Only the four files: no temporary left beside the target. */
    assert_int_equal(tu_count_entries(dir), 4);
    free(bad_csv);
    free(bad_json);
    free(out_json);
    free(out_csv);
}

static void test_success_replaces_existing_output(void **state)
{
    const char *dir = *state;
    char *csv = tu_src("samples/indicators.csv");
    char *json = tu_src("samples/indicators.json");
    char *schema = tu_src("samples/indicators.schema.json");
    char *out = tu_path(dir, "out.json");
    char *back = tu_path(dir, "back.csv");
    tu_write_file(out, precious, strlen(precious));
    /* Longer than the new content, so a write without truncation shows. */
    char longer[4096];
    memset(longer, 'x', sizeof longer);
    tu_write_file(back, longer, sizeof longer);
    run_ok(NULL, ARGV("--schema", schema, csv, "-o", out));
    assert_same_file(out, json);
    run_ok(NULL, ARGV(out, "-o", back));
    assert_same_file(back, csv);
    assert_int_equal(tu_count_entries(dir), 2);
    free(csv);
    free(json);
    free(schema);
    free(out);
    free(back);
}

static void test_output_dir_missing(void **state)
{
    char *csv = tu_src("samples/indicators.csv");
    char *out = tu_path(*state, "no-such-dir/out.json");
    struct tu_run r;
    run(&r, NULL, ARGV(csv, "-o", out));
    assert_int_equal(r.status, 3);
    assert_one_line(&r);
    assert_non_null(strstr(r.err, out));
    assert_int_equal(tu_count_entries(*state), 0);
    tu_run_free(&r);
    free(csv);
    free(out);
}

/*
 * Start conv on `in` writing into outdir/out.<ext>, send SIGINT after
 * delay_ms.  Returns 1 if it was still running when signalled (and then
 * checks the outcome), 0 if it had already finished (input too small).
 */
static int interrupt_run(const char *dir, const char *in, const char *out, long delay_ms)
{
    char *exe = conv_exe();
    char *errfile = tu_path(dir, "stderr.txt");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd0 = open("/dev/null", O_RDONLY);
        int fd1 = open("/dev/null", O_WRONLY);
        int fd2 = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd0 < 0 || fd1 < 0 || fd2 < 0)
            _exit(127);
        dup2(fd0, 0);
        dup2(fd1, 1);
        dup2(fd2, 2);
        execl(exe, "conv", in, "-o", out, (char *)NULL);
        _exit(127);
    }
    wait_catching_sigint(pid);
    sleep_ms(delay_ms);
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
        free(exe);
        free(errfile);
        unlink(out);
        return 0;
    }
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    char *err = tu_read_file(errfile, NULL);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 130)
        fail_msg("interrupted conv: %s %d, want exit 130; stderr: %s",
                 WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                 err);
    struct tu_run fake = {.err = err, .err_len = strlen(err)};
    assert_one_line(&fake);
    free(err);
    free(exe);
    free(errfile);
    return 1;
}

static void interrupt_case(const char *dir, const char *in_name, const char *out_name,
                           void (*gen)(const char *, size_t))
{
    char *in = tu_path(dir, in_name);
    char *outdir = tu_path(dir, "out");
    char *out = tu_path(outdir, out_name);
    assert_int_equal(mkdir(outdir, 0755), 0);
    size_t size = (size_t)50 << 20;
    int done = 0;
    for (int attempt = 0; attempt < 3 && !done; attempt++, size *= 2) {
        gen(in, size);
        done = interrupt_run(dir, in, out, 100);
    }
    if (!done)
        fail_msg("conv always finished before the signal");
    assert_false(tu_exists(out));
    assert_int_equal(tu_count_entries(outdir), 0);
    free(in);
    free(outdir);
    free(out);
}

static void test_interrupt_streaming(void **state)
{
    interrupt_case(*state, "big.csv", "out.json", write_big_csv);
}

static void test_interrupt_spooled(void **state)
{
    interrupt_case(*state, "big.jsonl", "out.csv", write_big_jsonl);
}

/*
 * Ctrl-C while conv waits for standard input (the producer is slow, or is
 * killed by the same Ctrl-C): the input then ends, but the output must not
 * be completed as if nothing happened.
 */
static void stdin_interrupt(const char *dir, const char *from, const char *out_name,
                            const char *head)
{
    char *exe = conv_exe();
    char *out = tu_path(dir, out_name);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(p[0], 0);
        close(p[0]);
        close(p[1]);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(exe, "conv", "--from", from, "-o", out, (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    assert_int_equal(write(p[1], head, strlen(head)), (ssize_t)strlen(head));
    wait_catching_sigint(pid);
    sleep_ms(300);
    assert_int_equal(kill(pid, SIGINT), 0);
    sleep_ms(50);
    close(p[1]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    int interrupted =
        (WIFEXITED(st) && WEXITSTATUS(st) == 130) || (WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
    if (!interrupted)
        fail_msg("SIGINT while reading %s from stdin: %s %d, want exit 130 (output %s)", from,
                 WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                 tu_exists(out) ? "was written" : "absent");
    assert_false(tu_exists(out));
    assert_int_equal(tu_count_entries(dir), 0);
    free(exe);
    free(out);
}

/*
 * Ctrl-C while conv waits for standard input (the producer is slow, or is
 * killed by the same Ctrl-C): the input then ends, but the output must not
 * be completed as if nothing had happened.
 */
static void test_interrupt_waiting_on_stdin(void **state)
{
    stdin_interrupt(*state, "csv", "out.json", "a,b\r\n1,2\r\n");
}

static void test_interrupt_waiting_on_stdin_spooled(void **state)
{
    stdin_interrupt(*state, "jsonl", "out.csv", "{\"a\":1}\n{\"b\":2}\n");
}

/* ---- 6. union of fields and flattening ----------------------------------------- */

static void test_union_of_fields(void **state)
{
    static const char in[] = "{\"a\":1}\n{\"b\":2,\"a\":3}\n{\"c\":\"x\"}\n";
    static const char want[] = "a,b,c\r\n1,,\r\n3,2,\r\n,,x\r\n";
    char *jsonl = tu_path(*state, "in.jsonl");
    char *csv = tu_path(*state, "out.csv");
    tu_write_file(jsonl, in, strlen(in));
    run_ok(NULL, ARGV(jsonl, "-o", csv));
    assert_file_bytes(csv, want, strlen(want));

    /* From standard input: spooled as well. */
    struct tu_run r;
    run(&r, in, ARGV("--from", "jsonl", "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, want);
    tu_run_free(&r);

    /* The same records as a JSON array. */
    run(&r, "[{\"a\":1},\n{\"b\":2,\"a\":3},\n{\"c\":\"x\"}]\n",
        ARGV("--from", "json", "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, want);
    tu_run_free(&r);

    /* Nothing but the two files: the spool is not left in the directory. */
    assert_int_equal(tu_count_entries(*state), 2);
    free(jsonl);
    free(csv);
}

static void test_flattening(void **state)
{
    (void)state;
    struct tu_run r;
    run(&r, "[{\"a\":{\"b\":1,\"c\":[5,6]}}]\n", ARGV("--from", "json", "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, "a.b,a.c.0,a.c.1\r\n1,5,6\r\n");
    tu_run_free(&r);

    run(&r, "{\"a\":{\"b\":1,\"c\":[5,6]}}\n", ARGV("--from", "jsonl", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"a.b\":1,\"a.c.0\":5,\"a.c.1\":6}\n");
    tu_run_free(&r);

    /* --reject-nested turns the same input into an error. */
    run(&r, "{\"a\":{\"b\":1,\"c\":[5,6]}}\n",
        ARGV("--reject-nested", "--from", "jsonl", "--to", "csv"));
    assert_int_equal(r.status, 1);
    assert_one_line(&r);
    assert_string_equal(r.out, "");
    tu_run_free(&r);
}

/* ---- 7. CSV options through the tool -------------------------------------------- */

static void test_eol_lf(void **state)
{
    (void)state;
    char *csv = tu_src("samples/indicators.csv");
    size_t n;
    char *sample = tu_read_file(csv, &n);
    /* The sample with LF line ends (no CR inside its fields). */
    char *want = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!(sample[i] == '\r' && i + 1 < n && sample[i + 1] == '\n'))
            want[k++] = sample[i];
    assert_true(k < n);
    struct tu_run r;
    run(&r, NULL, ARGV("--eol", "lf", "--to", "csv", csv));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_bytes("--eol lf", r.out, r.out_len, want, k);
    tu_run_free(&r);
    run(&r, NULL, ARGV("--eol", "crlf", "--to", "csv", csv));
    assert_int_equal(r.status, 0);
    assert_bytes("--eol crlf", r.out, r.out_len, sample, n);
    tu_run_free(&r);
    run(&r, NULL, ARGV("--eol", "cr", "--to", "csv", csv));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    tu_run_free(&r);
    free(want);
    free(sample);
    free(csv);
}

static void test_bom(void **state)
{
    char *csv = tu_src("samples/indicators.csv");
    char *json = tu_src("samples/indicators.json");
    char *out = tu_path(*state, "bom.csv");
    char *back = tu_path(*state, "back.csv");
    size_t n;
    char *sample = tu_read_file(csv, &n);
    char *want = malloc(n + 3);
    memcpy(want, "\xEF\xBB\xBF", 3);
    memcpy(want + 3, sample, n);
    run_ok(NULL, ARGV("--bom", json, "-o", out));
    assert_file_bytes(out, want, n + 3);
    /* The reader drops the BOM again. */
    run_ok(NULL, ARGV(out, "-o", back));
    assert_file_bytes(back, sample, n);
    free(want);
    free(sample);
    free(csv);
    free(json);
    free(out);
    free(back);
}

static void test_excel_safe(void **state)
{
    (void)state;
    static const char in[] = "f,n,s\r\n=SUM(A1),-3.5,+x\r\n@y,1e5,-z\r\n";
    struct tu_run r;
    run(&r, in, ARGV("--excel-safe", "--from", "csv", "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, "f,n,s\r\n'=SUM(A1),-3.5,'+x\r\n'@y,1e5,'-z\r\n");
    tu_run_free(&r);
    /* Typed JSON: a number stays, a formula-like string is defused, and so
     * is nothing else. */
    run(&r, "[{\"f\":\"=SUM(A1)\",\"n\":-3.5,\"s\":\"-3.5\",\"t\":\"a=b\"}]",
        ARGV("--excel-safe", "--from", "json", "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "f,n,s,t\r\n'=SUM(A1),-3.5,-3.5,a=b\r\n");
    tu_run_free(&r);
    /* Without the option the text is untouched. */
    run(&r, in, ARGV("--from", "csv", "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, in);
    tu_run_free(&r);
}

static void test_input_delimiter(void **state)
{
    (void)state;
    /* Both ',' and ';' split every row evenly; auto-detection picks ','. */
    static const char in[] = "a;b,c\r\n1;2,3\r\n4;5,6\r\n";
    struct tu_run r;
    run(&r, in, ARGV("--delimiter", ";", "--locale", "c", "--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, "{\"a\":1,\"b,c\":\"2,3\"}\n{\"a\":4,\"b,c\":\"5,6\"}\n");
    tu_run_free(&r);
    /* Without --locale, a ';' CSV with decimal commas is Vietnamese. */
    run(&r, in, ARGV("--delimiter=semicolon", "--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"a\":1,\"b,c\":2.3}\n{\"a\":4,\"b,c\":5.6}\n");
    tu_run_free(&r);
    run(&r, in, ARGV("--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"a;b\":\"1;2\",\"c\":3}\n{\"a;b\":\"4;5\",\"c\":6}\n");
    tu_run_free(&r);
    /* --out-delimiter on the way out. */
    run(&r, in, ARGV("--delimiter", ";", "--locale", "c", "--out-delimiter", "tab", "--from", "csv",
                     "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "a\tb,c\r\n1\t2,3\r\n4\t5,6\r\n");
    tu_run_free(&r);
}

/* ---- 8. exact numbers ---------------------------------------------------------- */

static void test_exact_numbers(void **state)
{
    static const char json[] = "[\n"
                               "{\"x\":0.1,\"y\":552.6,\"z\":1e5,\"w\":12345678901234567890123},\n"
                               "{\"x\":-0.0,\"y\":1E-7,\"z\":2.50,\"w\":-12345678901234567890123}\n"
                               "]\n";
    static const char csv[] = "x,y,z,w\r\n"
                              "0.1,552.6,1e5,12345678901234567890123\r\n"
                              "-0.0,1E-7,2.50,-12345678901234567890123\r\n";
    char *in = tu_path(*state, "in.json");
    char *mid = tu_path(*state, "mid.csv");
    char *back = tu_path(*state, "back.json");
    tu_write_file(in, json, strlen(json));
    run_ok(NULL, ARGV(in, "-o", mid));
    assert_file_bytes(mid, csv, strlen(csv));
    run_ok(NULL, ARGV(mid, "-o", back));
    assert_file_bytes(back, json, strlen(json));
    free(in);
    free(mid);
    free(back);
}

/* ---- 9. files as they arrive: missing-value marks, header guesses ------------------- */

/* The World Bank's bulk CSV shape: preamble lines, every field quoted,
 * "" for a missing year, a trailing comma; and a PX-Web export: a title
 * line, ';', '..' for missing. */
static const char wb_csv[] =
    "\xEF\xBB\xBF\"Data Source\",\"World Development Indicators\",\n\n"
    "\"Last Updated Date\",\"2025-10-07\",\n\n"
    "\"Country Name\",\"Country Code\",\"1960\",\"1961\",\n"
    "\"Viet Nam\",\"VNM\",\"\",\"2.913148229712206\",\n"
    "\"Aruba\",\"ABW\",\"1.5\",\"\",\n";
static const char px_csv[] = "\xEF\xBB\xBF\"Retail sales by province (*)\"\n\n"
                             "\"Cities, provincies\";\"1995\";\"Prel. 2016\"\n"
                             "\" WHOLE COUNTRY\";119569.6;3568149.5\n"
                             "\"Dien Bien\";..;7676.3\n";

static void test_files_as_they_arrive(void **state)
{
    char *wb = tu_path(*state, "wb.csv");
    char *px = tu_path(*state, "px.csv");
    tu_write_file(wb, wb_csv, strlen(wb_csv));
    tu_write_file(px, px_csv, strlen(px_csv));
    struct tu_run r;
    /* Without --null the years with "" are text; with it they are numbers. */
    run(&r, NULL, ARGV(wb, "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"1961\":\"2.913148229712206\""));
    tu_run_free(&r);
    run(&r, NULL, ARGV(wb, "--null", "", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out,
                        "{\"Country Name\":\"Viet Nam\",\"Country Code\":\"VNM\",\"1960\":null,"
                        "\"1961\":2.913148229712206,\"column_5\":null}\n"
                        "{\"Country Name\":\"Aruba\",\"Country Code\":\"ABW\",\"1960\":1.5,"
                        "\"1961\":null,\"column_5\":null}\n");
    /* The header guess is one line on stderr naming the file and its line. */
    char want[512];
    snprintf(want, sizeof want,
             "conv: %s:5: took line 5 as the header, skipping lines 1 to 3 above it (a title or "
             "notes: 'Data Source', 'World Development In...'); --header-row N takes another "
             "line\n", wb);
    assert_string_equal(r.err, want);
    tu_run_free(&r);
    /* --header-row: no guess, nothing said. */
    run(&r, NULL, ARGV(wb, "--null", "", "--header-row", "5", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    tu_run_free(&r);
    run(&r, NULL, ARGV(px, "--null", "..", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"Cities, provincies\":\" WHOLE COUNTRY\",\"1995\":119569.6,"
                               "\"Prel. 2016\":3568149.5}\n"
                               "{\"Cities, provincies\":\"Dien Bien\",\"1995\":null,"
                               "\"Prel. 2016\":7676.3}\n");
    assert_one_line(&r);
    assert_non_null(strstr(r.err, "px.csv:3: took line 3 as the header, skipping line 1"));
    tu_run_free(&r);
    /* A bad list is a usage error (exit 2), one line. */
    run(&r, NULL, ARGV(px, "--null", "..\\", "--to", "jsonl"));
    assert_int_equal(r.status, 2);
    assert_one_line(&r);
    assert_non_null(strstr(r.err, "option null: '..\\' ends with a lone '\\'"));
    tu_run_free(&r);
    /* The real files, when the project's real files are there. */
    static const struct {
        const char *file, *null, *warn, *value;
    } real[] = {
        {"../shared/real/gso/worldbank-gdp-growth.csv", "",
         "worldbank-gdp-growth.csv:5: took line 5 as the header, skipping lines 1 to 3",
         "\"Country Code\":\"VNM\""},
        {"../shared/real/gso/pxweb-retail-sales-by-province.csv", "..",
         "pxweb-retail-sales-by-province.csv:3: took line 3 as the header, skipping line 1",
         "\"1995\":119569.6"},
        {"../shared/real/gso/pxweb-average-population-by-province.csv", "..",
         "pxweb-average-population-by-province.csv:3: took line 3 as the header", NULL},
        {"../shared/real/gso/dvhc-cap-tinh-2025.csv", NULL,
         "dvhc-cap-tinh-2025.csv:1: took line 1 as the header, but it reads like a record", NULL},
        {"../shared/real/gso/dvhc-bang-chuyen-doi-2025.csv", NULL,
         "dvhc-bang-chuyen-doi-2025.csv:1: took line 1 as the header, but it names only 2 of its "
         "9 columns", NULL},
    };
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        char *path = tu_src(real[i].file);
        if (!tu_exists(path)) {
            fprintf(stderr, "skipped: %s is not there (../shared/real/)\n", path);
            free(path);
            continue;
        }
        char *out = tu_path(*state, "real.csv");
        if (real[i].null)
            run(&r, NULL, ARGV(path, "--null", real[i].null, "-o", out));
        else
            run(&r, NULL, ARGV(path, "-o", out));
        assert_int_equal(r.status, 0);
        assert_one_line(&r);
        if (!strstr(r.err, real[i].warn))
            fail_msg("%s: stderr [%s], want [%s]", real[i].file, r.err, real[i].warn);
        tu_run_free(&r);
        if (real[i].null) {
            /* Every year column a number (the schema conv infers says so). */
            run(&r, NULL, ARGV(path, "--null", real[i].null, "--to", "jsonl"));
            assert_int_equal(r.status, 0);
            if (real[i].value)
                assert_non_null(strstr(r.out, real[i].value));
            assert_null(strstr(r.out, "\"..\""));
            assert_null(strstr(r.out, "\"\""));
            tu_run_free(&r);
        }
        free(out);
        free(path);
    }
    free(wb);
    free(px);
}

/* A number printed from floating point goes into XLSX as a number and
 * comes back as written: CSV -> XLSX -> CSV, with and without
 * --raw-numbers. */
static void test_float_to_xlsx(void **state)
{
    static const char csv[] = "country,growth\r\nVNM,2.913148229712206\r\nABW,0.46970776154383\r\n"
                              "AFE,-0.0954636730858027\r\n";
    char *in = tu_path(*state, "in.csv");
    char *mid = tu_path(*state, "mid.xlsx");
    char *back = tu_path(*state, "back.csv");
    tu_write_file(in, csv, strlen(csv));
    run_ok(NULL, ARGV(in, "-o", mid));
    run_ok(NULL, ARGV(mid, "-o", back));
    assert_file_bytes(back, csv, strlen(csv));
    run_ok(NULL, ARGV(mid, "--raw-numbers", "-o", back));
    assert_file_bytes(back, csv, strlen(csv));
    /* A number cell, not text. */
    struct tu_run r;
    run(&r, NULL, ARGV(mid, "--layout", "cells", "--to", "csv"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, ",B4,4,2,2.913148229712206,decimal,General,"));
    tu_run_free(&r);
    free(in);
    free(mid);
    free(back);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    struct tu_cases cases = {.setup = setup_case, .teardown = teardown_case};
    size_t nc = tu_cases_add(&cases, "tests/data/tool", run_case, NULL);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)
    const struct CMUnitTest tests[] = {
        T(test_help),
        T(test_version),
        T(test_unknown_option),
        T(test_option_without_value),
        T(test_two_inputs),
        T(test_unknown_to),
        T(test_output_format_not_derivable),
        T(test_missing_input),
        T(test_round_trip_csv_json_csv),
        T(test_round_trip_csv_jsonl_csv),
        T(test_round_trip_json_csv_json),
        T(test_golden_samples),
        T(test_files_as_they_arrive),
        T(test_float_to_xlsx),
        T(test_pipes),
        T(test_no_progress_on_pipe),
        T(test_failure_keeps_existing_output),
        T(test_success_replaces_existing_output),
        T(test_output_dir_missing),
        T(test_interrupt_streaming),
        T(test_interrupt_spooled),
        T(test_interrupt_waiting_on_stdin),
        T(test_interrupt_waiting_on_stdin_spooled),
        T(test_union_of_fields),
        T(test_flattening),
        T(test_eol_lf),
        T(test_bom),
        T(test_excel_safe),
        T(test_input_delimiter),
        T(test_exact_numbers),
    };
#undef T
    /* No case folders at all would make the table suite pass vacuously. */
    if (nc < 20) {
        fprintf(stderr, "tests/data/tool: only %zu case folders\n", nc);
        return 1;
    }
    int failed = tu_cases_run(&cases, "tool_conv_cases");
    failed += cmocka_run_group_tests_name("tool_conv", tests, NULL, NULL);
    return failed ? 1 : 0;
}
