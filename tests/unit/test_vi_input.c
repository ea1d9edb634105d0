/*
 * Vietnamese input as it arrives: numbers, booleans and dates in the
 * Vietnamese notation (declared or found from the data, the ambiguity and
 * conflict errors), legacy encodings through iconv, NFC of values and
 * names, title rows above a CSV header, headers made of schema labels,
 * the reader's info keys, and the samples in samples/vi/.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "conv_private.h" /* convp_nfc_needed, convp_vi_canon */

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *tmpdir;

/* A schema file in the temporary directory; returns "schema=PATH". */
static char *schema_opt(const char *name, const char *json)
{
    char *path = tu_path(tmpdir, name);
    tu_write_file(path, json, strlen(json));
    char *opt = malloc(strlen(path) + 8);
    sprintf(opt, "schema=%s", path);
    free(path);
    return opt;
}

/* One conversion case: input in format from, options, and either the JSON
 * Lines output or the one-line error ("input:LINE:COL: message"). */
struct vcase {
    const char *name;
    const char *from;
    const char *input;
    size_t len; /* 0: strlen */
    const char *const *opts;
    const char *want;  /* JSON Lines, or NULL */
    const char *error; /* formatted error, or NULL */
};

static void run_case(const struct vcase *c, const char *const *extra)
{
    const char *opts[16];
    size_t n = 0;
    for (size_t i = 0; c->opts && c->opts[i]; i++)
        opts[n++] = c->opts[i];
    for (size_t i = 0; extra && extra[i]; i++)
        opts[n++] = extra[i];
    opts[n] = NULL;
    struct conv_error err;
    size_t out_len;
    char *out = tu_convert_mem(c->input, c->len ? c->len : strlen(c->input),
                               c->from ? c->from : "csv", "jsonl", opts, &out_len, &err);
    if (c->want) {
        if (!out) {
            char line[512];
            conv_error_format(&err, line, sizeof line);
            fail_msg("%s: failed: %s", c->name, line);
        }
        if (strcmp(out, c->want) != 0)
            fail_msg("%s:\n got:  %s\n want: %s", c->name, out, c->want);
    } else {
        if (out)
            fail_msg("%s: no error, output %s", c->name, out);
        char line[512];
        conv_error_format(&err, line, sizeof line);
        if (strcmp(line, c->error) != 0)
            fail_msg("%s:\n got:  %s\n want: %s", c->name, line, c->error);
    }
    free(out);
}

/* ---- numbers ---------------------------------------------------------------- */

static void test_numbers(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"thousands", NULL, "a\n13.090\n", 0, OPTS("locale=vi"), "{\"a\":13090}\n", NULL},
        {"decimal comma", NULL, "a\n\"552,6\"\n", 0, OPTS("locale=vi"), "{\"a\":552.6}\n", NULL},
        {"percent with space", NULL, "a\n\"16,5 %\"\n", 0, OPTS("locale=vi"),
         "{\"a\":16.5}\n", NULL},
        {"percent", NULL, "a\n\"16,5%\"\n\"7%\"\n", 0, OPTS("locale=vi"),
         "{\"a\":16.5}\n{\"a\":7}\n", NULL},
        {"percent after no-break space", NULL, "a\n\"16,5\xC2\xA0%\"\n", 0, OPTS("locale=vi"),
         "{\"a\":16.5}\n", NULL},
        {"grouped with decimals", NULL, "a\n\"1.234.567,89\"\n", 0, OPTS("locale=vi"),
         "{\"a\":1234567.89}\n", NULL},
        {"negative", NULL, "a\n\"-1.234,5\"\n-13.090\n", 0, OPTS("locale=vi"),
         "{\"a\":-1234.5}\n{\"a\":-13090}\n", NULL},
        {"plus sign", NULL, "a\n+1.234\n\"+0,5\"\n", 0, OPTS("locale=vi"),
         "{\"a\":1234}\n{\"a\":0.5}\n", NULL},
        {"big exact", NULL, "a\n\"123.456.789.012.345.678.901,000000000000000000001\"\n", 0,
         OPTS("locale=vi"), "{\"a\":123456789012345678901.000000000000000000001}\n", NULL},
        {"codes stay text", NULL, "a\n0167\n01\n", 0, OPTS("locale=vi"),
         "{\"a\":\"0167\"}\n{\"a\":\"01\"}\n", NULL},
        {"bad grouping is text", NULL, "a\n1.23\n12.3456\n", 0, OPTS("locale=vi"),
         "{\"a\":\"1.23\"}\n{\"a\":\"12.3456\"}\n", NULL},
        {"C number under vi is text", NULL, "a\n552.6\n", 0, OPTS("locale=vi"),
         "{\"a\":\"552.6\"}\n", NULL},
        {"c: dot decimals", NULL, "a\n13.090\n", 0, OPTS("locale=c"), "{\"a\":13.090}\n", NULL},
        {"c: comma is text", NULL, "a;b\n552,6;1\n", 0, OPTS("locale=c"),
         "{\"a\":\"552,6\",\"b\":1}\n", NULL},
        {"c: percent is text", NULL, "a\n16.5%\n", 0, OPTS("locale=c"), "{\"a\":\"16.5%\"}\n",
         NULL},
        {"mixed column stays text as written", NULL, "a\n1.250\nx\n", 0, OPTS("locale=vi"),
         "{\"a\":\"1.250\"}\n{\"a\":\"x\"}\n", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], NULL);
}

static void test_auto_locale(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"';' with decimal commas", NULL, "a;b\nx;13.090\ny;552,6\n", 0, NULL,
         "{\"a\":\"x\",\"b\":13090}\n{\"a\":\"y\",\"b\":552.6}\n", NULL},
        {"tab with decimal commas", NULL, "a\tb\nx\t1,5\n", 0, OPTS("delimiter=tab"),
         "{\"a\":\"x\",\"b\":1.5}\n", NULL},
        {"several dot groups", NULL, "a\n13.090\n1.234.567\n", 0, NULL,
         "{\"a\":13090}\n{\"a\":1234567}\n", NULL},
        {"grouped with comma", NULL, "a\n13.090\n\"1.234,5\"\n", 0, NULL,
         "{\"a\":13090}\n{\"a\":1234.5}\n", NULL},
        {"a C number decides", NULL, "a\n13.090\n552.6\n", 0, NULL,
         "{\"a\":13.090}\n{\"a\":552.6}\n", NULL},
        {"0.165 is C", NULL, "a\n1.250\n0.165\n", 0, NULL, "{\"a\":1.250}\n{\"a\":0.165}\n",
         NULL},
        {"1e5 is C", NULL, "a\n1.250\n1e5\n", 0, NULL, "{\"a\":1.250}\n{\"a\":1e5}\n", NULL},
        {"quoted comma in a ',' file is no signal", NULL, "a,b\nx,\"1,5\"\n", 0, NULL,
         "{\"a\":\"x\",\"b\":\"1,5\"}\n", NULL},
        {"no numbers: nothing to decide", NULL, "a\n1\nx\n", 0, NULL,
         "{\"a\":\"1\"}\n{\"a\":\"x\"}\n", NULL},
        {"ambiguous", NULL, "a,b\n1,2\n1,13.090\n", 0, NULL, NULL,
         "input:3:3: '13.090' is 13090 in Vietnamese notation but 13.090 in C notation, and no "
         "other value tells which: use --locale vi or --locale c"},
        {"ambiguous negative", NULL, "a\n-1.250\n", 0, NULL, NULL,
         "input:2:1: '-1.250' is -1250 in Vietnamese notation but -1.250 in C notation, and no "
         "other value tells which: use --locale vi or --locale c"},
        {"conflict", NULL, "a,b\n1,1.234.567\n2,552.6\n", 0, NULL, NULL,
         "input:3:3: '552.6' (line 3) is C notation but '1.234.567' (line 2) is Vietnamese: use "
         "--locale vi or --locale c"},
        {"conflict, ';' and a C number", NULL, "a;b\n0.5;x\n1;2,5\n", 0, NULL, NULL,
         "input:3:3: '0.5' (line 2) is C notation but '2,5' (line 3) is Vietnamese: use "
         "--locale vi or --locale c"},
        {"declared locale beats the data", NULL, "a\n13.090\n552.6\n", 0, OPTS("locale=vi"),
         "{\"a\":\"13.090\"}\n{\"a\":\"552.6\"}\n", NULL},
        {"late signal after the held-back records", NULL, "a\n1\n1.234.567\n", 0,
         OPTS("infer-rows=1"), "{\"a\":1}\n{\"a\":1234567}\n", NULL},
        {"late ambiguity", NULL, "a\n1\n13.090\n", 0, OPTS("infer-rows=1"), NULL,
         "input:3:1: '13.090' is 13090 in Vietnamese notation but 13.090 in C notation, and no "
         "other value tells which: use --locale vi or --locale c"},
        {"late signal after values read as C", NULL, "a\n1\n\"16,5\"\n\"1.234,5\"\n", 0,
         OPTS("infer-rows=1"), NULL,
         "input:4:1: '1.234,5' is Vietnamese notation, but values before it (from line 3) were "
         "read as C: use --locale vi"},
        {"all text: no decision needed", NULL, "a\n13.090\n", 0, OPTS("infer-rows=0"),
         "{\"a\":\"13.090\"}\n", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], NULL);
}

/* With a schema, only the values of number fields say anything; the
 * notation applies to strings coerced from any format. */
static void test_schema_locale(void **state)
{
    (void)state;
    char *sch = schema_opt("s.json", "{\"fields\":[{\"name\":\"code\",\"type\":\"string\"},"
                                     "{\"name\":\"v\",\"type\":\"decimal\"}]}");
    char *dsch = schema_opt("d.json", "{\"fields\":[{\"name\":\"d\",\"type\":\"date\"},"
                                      "{\"name\":\"t\",\"type\":\"datetime\"},"
                                      "{\"name\":\"b\",\"type\":\"boolean\"}]}");
    const struct vcase cases[] = {
        {"ambiguous text field is no question", NULL, "code,v\n13.090,1\n", 0, OPTS(sch),
         "{\"code\":\"13.090\",\"v\":1}\n", NULL},
        {"ambiguous decimal field", NULL, "code,v\nx,13.090\n", 0, OPTS(sch), NULL,
         "input:2:3: '13.090' is 13090 in Vietnamese notation but 13.090 in C notation, and no "
         "other value tells which: use --locale vi or --locale c"},
        {"';' decides under a schema", NULL, "code;v\n13.090;13.090\nx;552,6\n", 0, OPTS(sch),
         "{\"code\":\"13.090\",\"v\":13090}\n{\"code\":\"x\",\"v\":552.6}\n", NULL},
        {"vi: C decimal is a type error", NULL, "code,v\nx,552.6\n", 0,
         OPTS(sch, "locale=vi"), NULL, "input:2:3: field 'v': '552.6' is not a valid decimal"},
        {"JSON string coerced under vi", "json", "[{\"code\":\"1\",\"v\":\"552,6\"}]", 0,
         OPTS(sch, "locale=vi"), "{\"code\":\"1\",\"v\":552.6}\n", NULL},
        {"JSON number untouched under vi", "json", "[{\"code\":\"1\",\"v\":552.6}]", 0,
         OPTS(sch, "locale=vi"), "{\"code\":\"1\",\"v\":552.6}\n", NULL},
        {"dates under a schema", NULL, "d,t,b\n31/12/2021,1/2/2021 8:05,đúng\n", 0,
         OPTS(dsch, "locale=vi"),
         "{\"d\":\"2021-12-31\",\"t\":\"2021-02-01T08:05:00\",\"b\":true}\n", NULL},
        {"ISO dates still read under vi", NULL, "d,t,b\n2021-12-31,2021-12-31T08:05:00,false\n", 0,
         OPTS(dsch, "locale=vi"),
         "{\"d\":\"2021-12-31\",\"t\":\"2021-12-31T08:05:00\",\"b\":false}\n", NULL},
        {"invalid date", NULL, "d,t,b\n31/02/2021,,\n", 0, OPTS(dsch, "locale=vi"), NULL,
         "input:2:1: field 'd': '31/02/2021' is not a valid date"},
        {"29 February of a common year", NULL, "d,t,b\n29/02/2023,,\n", 0,
         OPTS(dsch, "locale=vi"), NULL, "input:2:1: field 'd': '29/02/2023' is not a valid date"},
        {"bad time", NULL, "d,t,b\n,31/12/2021 24:00,\n", 0, OPTS(dsch, "locale=vi"), NULL,
         "input:2:2: field 't': '31/12/2021 24:00' is not a valid datetime"},
        {"Vietnamese date under c", NULL, "d,t,b\n31/12/2021,,\n", 0, OPTS(dsch, "locale=c"),
         NULL, "input:2:1: field 'd': '31/12/2021' is not a valid date"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], NULL);
    free(sch);
    free(dsch);
}

static void test_booleans_dates(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"booleans", NULL, "a\nĐÚNG\nSAI\nđúng\nsai\nĐúng\ntrue\n", 0, OPTS("locale=vi"),
         "{\"a\":true}\n{\"a\":false}\n{\"a\":true}\n{\"a\":false}\n{\"a\":true}\n"
         "{\"a\":true}\n",
         NULL},
        {"booleans typed with combining marks", NULL, "a\n\xC4\x90U\xCC\x81NG\nsai\n", 0,
         OPTS("locale=vi"), "{\"a\":true}\n{\"a\":false}\n", NULL},
        {"booleans under c stay text", NULL, "a\nĐÚNG\nSAI\n", 0, OPTS("locale=c"),
         "{\"a\":\"ĐÚNG\"}\n{\"a\":\"SAI\"}\n", NULL},
        {"dates", NULL, "a\n31/12/2021\n1/2/2021\n01/02/2021\n", 0, OPTS("locale=vi"),
         "{\"a\":\"2021-12-31\"}\n{\"a\":\"2021-02-01\"}\n{\"a\":\"2021-02-01\"}\n", NULL},
        {"an invalid date keeps the column text", NULL, "a\n31/12/2021\n31/02/2021\n", 0,
         OPTS("locale=vi"), "{\"a\":\"31/12/2021\"}\n{\"a\":\"31/02/2021\"}\n", NULL},
        {"datetimes", NULL, "a\n31/12/2021 08:30\n1/1/2020 23:59:59\n", 0, OPTS("locale=vi"),
         "{\"a\":\"2021-12-31T08:30:00\"}\n{\"a\":\"2020-01-01T23:59:59\"}\n", NULL},
        {"dates under c stay text", NULL, "a\n31/12/2021\n", 0, OPTS("locale=c"),
         "{\"a\":\"31/12/2021\"}\n", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], NULL);
}

/* The canonical text itself, without a reader. */
static void test_canon(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        enum conv_type type;
        const char *out;
    } rows[] = {
        {"13.090", CONV_INTEGER, "13090"},       {"552,6", CONV_DECIMAL, "552.6"},
        {"16,5 %", CONV_DECIMAL, "16.5"},        {"1.234.567,89", CONV_DECIMAL, "1234567.89"},
        {"-1.234,5", CONV_DECIMAL, "-1234.5"},   {"0,5", CONV_DECIMAL, "0.5"},
        {"0", CONV_INTEGER, "0"},                {"-0", CONV_INTEGER, "-0"},
        {"SAI", CONV_BOOLEAN, "false"},          {"9/9/1999", CONV_DATE, "1999-09-09"},
        {"1.2345", CONV_STRING, NULL},           {"1234.567", CONV_STRING, NULL},
        {"01.234", CONV_STRING, NULL},           {",5", CONV_STRING, NULL},
        {"5,", CONV_STRING, NULL},               {"1..234", CONV_STRING, NULL},
        {"%", CONV_STRING, NULL},                {"-", CONV_STRING, NULL},
        {"1.234.56", CONV_STRING, NULL},         {"32/1/2021", CONV_STRING, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[64];
        size_t len = 0;
        enum conv_type t = convp_vi_canon(rows[i].in, strlen(rows[i].in), out, &len);
        if (t != rows[i].type)
            fail_msg("'%s': type %s, want %s", rows[i].in, conv_type_name(t),
                     conv_type_name(rows[i].type));
        if (rows[i].out && (len != strlen(rows[i].out) || memcmp(out, rows[i].out, len)))
            fail_msg("'%s': got '%.*s', want '%s'", rows[i].in, (int)len, out, rows[i].out);
    }
    static const struct {
        const char *in;
        int cls;
    } cls[] = {
        {"13090", CONVP_LOC_NONE},     {"0167", CONVP_LOC_NONE},
        {"abc", CONVP_LOC_NONE},       {"552.6", CONVP_LOC_C},
        {"0.165", CONVP_LOC_C},        {"1234.5", CONVP_LOC_C},
        {"1234.567", CONVP_LOC_C},     {"1e5", CONVP_LOC_C},
        {"-7.07", CONVP_LOC_C},        {"13.090", CONVP_LOC_AMBIG},
        {"-1.250", CONVP_LOC_AMBIG},   {"1.234.567", CONVP_LOC_VI},
        {"1.234,5", CONVP_LOC_VI},     {"552,6", CONVP_LOC_VI_COMMA},
        {"16,5 %", CONVP_LOC_VI_COMMA}, {"16 %", CONVP_LOC_VI_WEAK},
        {"ĐÚNG", CONVP_LOC_VI_WEAK},   {"31/12/2021", CONVP_LOC_VI_WEAK},
        {"16.5%", CONVP_LOC_NONE},     {"Sông", CONVP_LOC_NONE},
    };
    for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++)
        if (convp_loc_classify(cls[i].in, strlen(cls[i].in)) != cls[i].cls)
            fail_msg("classify '%s': %d, want %d", cls[i].in,
                     convp_loc_classify(cls[i].in, strlen(cls[i].in)), cls[i].cls);
}

/* ---- encodings ------------------------------------------------------------------ */

static void test_encodings(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        /* "Sông" and "Công" in Windows-1258; no final line end, so the
         * last letter comes out only when the converter is flushed. */
        {"cp1258, last letter flushed", NULL, "a,b\nS\xF4ng,C\xF4", 0, OPTS("encoding=cp1258"),
         "{\"a\":\"S\xC3\xB4ng\",\"b\":\"C\xC3\xB4\"}\n", NULL},
        /* CP1258 writes a tone as a combining byte: o + 0xEC (acute). */
        {"cp1258 tone marks composed", NULL, "a\nCo\xEC", 0, OPTS("encoding=windows-1258"),
         "{\"a\":\"C\xC3\xB3\"}\n", NULL},
        {"tcvn3", NULL, "a\nS\xABng C\xABng \xA7\xF3ng\n", 0, OPTS("encoding=tcvn3"),
         "{\"a\":\"S\xC3\xB4ng C\xC3\xB4ng \xC4\x90\xC3\xBAng\"}\n", NULL},
        {"any iconv name", NULL, "a\ncaf\xE9\n", 0, OPTS("encoding=ISO-8859-1"),
         "{\"a\":\"caf\xC3\xA9\"}\n", NULL},
        {"utf-8 declared", NULL, "a\nS\xC3\xB4ng\n", 0, OPTS("encoding=utf-8"),
         "{\"a\":\"S\xC3\xB4ng\"}\n", NULL},
        {"a BOM wins", NULL, "\xEF\xBB\xBF" "a\nS\xC3\xB4ng\n", 0, OPTS("encoding=cp1258"),
         "{\"a\":\"S\xC3\xB4ng\"}\n", NULL},
        {"JSON in cp1258", "json", "[{\"a\":\"S\xF4ng\"}]", 0, OPTS("encoding=cp1258"),
         "{\"a\":\"S\xC3\xB4ng\"}\n", NULL},
        {"invalid byte", NULL, "a,b\nx,\x81y\n", 0, OPTS("encoding=cp1258"), NULL,
         "input:2:3: byte 0x81 at offset 6 is not CP1258 text"},
        {"invalid byte on a later line", NULL, "a\nS\xF4ng\nC\xF4ng\nx\x81\n", 0,
         OPTS("encoding=cp1258"), NULL, "input:4:2: byte 0x81 at offset 13 is not CP1258 text"},
        {"undeclared legacy text", NULL, "a\nS\xF4ng\n", 0, NULL, NULL,
         "input:2:2: invalid UTF-8 (a legacy encoding? try --encoding cp1258 or tcvn3)"},
        {"unknown encoding", NULL, "a\n1\n", 0, OPTS("encoding=klingon"), NULL,
         "unknown encoding 'klingon' (cp1258, tcvn3 or an iconv name)"},
        {"VNI: workbooks only", NULL, "a\n1\n", 0, OPTS("encoding=vni"), NULL,
         "--encoding vni applies to workbooks (their text cells), not to csv input: there is no "
         "converter for VNI text"},
        {"XML declares its own", "xml", "<r><x><a>1</a></x></r>", 0, OPTS("encoding=cp1258"),
         NULL, "--encoding applies to json, jsonl, csv and tsv input and to workbooks' text "
               "cells, not xml"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], NULL);
}

/* A long Windows-1258 input crosses many conversion chunks. */
static void test_encoding_stream(void **state)
{
    (void)state;
    struct tu_sbuf in = {0}, want = {0};
    tu_sb_str(&in, "name,n\n");
    char line[64];
    for (int i = 0; i < 40000; i++) {
        snprintf(line, sizeof line, "S\xF4ng C\xF4ng \xD0\xFD\xECng,%d\n", i);
        tu_sb_str(&in, line);
        snprintf(line, sizeof line, "{\"name\":\"S\xC3\xB4ng C\xC3\xB4ng \xC4\x90\xE1\xBB\xA9ng\",\"n\":%d}\n", i);
        tu_sb_str(&want, line);
    }
    in.n--; /* no final line end */
    /* The last line has no LF: its last letter comes with the flush. */
    struct conv_error err;
    size_t out_len;
    char *out = tu_convert_mem(in.p, in.n, "csv", "jsonl", OPTS("encoding=cp1258"), &out_len,
                               &err);
    assert_non_null(out);
    assert_int_equal(out_len, want.n);
    assert_memory_equal(out, want.p, want.n);
    free(out);
    free(in.p);
    free(want.p);
}

/* ---- NFC ------------------------------------------------------------------------- */

static void test_nfc(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"value composed", NULL, "a\nSo\xCC\x82ng Co\xCC\x82ng\n", 0, NULL,
         "{\"a\":\"S\xC3\xB4ng C\xC3\xB4ng\"}\n", NULL},
        {"field name composed", NULL, "So\xCC\x82ng,b\n1,2\n", 0, NULL,
         "{\"S\xC3\xB4ng\":1,\"b\":2}\n", NULL},
        {"two spellings of a name are one name", NULL, "S\xC3\xB4ng,So\xCC\x82ng\n1,2\n", 0, NULL,
         NULL, "input:1:6: duplicate column name 'So\xCC\x82ng' (--duplicate-names rename makes x_2)"},
        {"JSON keys composed into one field", "json",
         "[{\"So\xCC\x82ng\":1},{\"S\xC3\xB4ng\":2}]", 0, NULL,
         "{\"S\xC3\xB4ng\":1}\n{\"S\xC3\xB4ng\":2}\n", NULL},
        {"JSON strings composed", "json", "[{\"a\":\"Vie\xCC\xA3\xCC\x82t\"}]", 0, NULL,
         "{\"a\":\"Vi\xE1\xBB\x87t\"}\n", NULL},
        {"precomposed text untouched", NULL, "a\nTh\xC3\xA0nh ph\xE1\xBB\x91\n", 0, NULL,
         "{\"a\":\"Th\xC3\xA0nh ph\xE1\xBB\x91\"}\n", NULL},
        {"singleton", NULL, "a\n\xE2\x84\xAB\n", 0, NULL, "{\"a\":\"\xC3\x85\"}\n", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], NULL);
}

/* The fast path says "already NFC" only when utf8proc agrees: for every
 * code point alone, and for every character that composes with one
 * before it. */
static void test_nfc_fast_path(void **state)
{
    (void)state;
    long bad = 0;
    for (int32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        if (!utf8proc_codepoint_valid(cp))
            continue;
        uint8_t buf[8];
        utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
        buf[n] = 0;
        if (convp_nfc_needed((const char *)buf, (size_t)n))
            continue;
        uint8_t *m = utf8proc_NFC(buf);
        if (m && strcmp((const char *)m, (const char *)buf) != 0 && bad++ < 5)
            print_error("U+%04X alone changes under NFC\n", (unsigned)cp);
        free(m);
        /* The parts of its decomposition after the first, when they
         * compose back into it, must never pass as stable. */
        utf8proc_int32_t d[20];
        int lb = 0;
        utf8proc_ssize_t k = utf8proc_decompose_char(cp, d, 20, UTF8PROC_DECOMPOSE, &lb);
        uint8_t *nfd = utf8proc_NFD(buf);
        uint8_t *back = nfd ? utf8proc_NFC(nfd) : NULL;
        int composes = back && !strcmp((const char *)back, (const char *)buf);
        free(nfd);
        free(back);
        for (utf8proc_ssize_t i = 1; composes && i < k; i++) {
            uint8_t b2[8];
            utf8proc_ssize_t n2 = utf8proc_encode_char(d[i], b2);
            if (d[i] >= 0x300 && !convp_nfc_needed((const char *)b2, (size_t)n2) && bad++ < 5)
                print_error("U+%04X composes after a starter\n", (unsigned)d[i]);
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- title rows ------------------------------------------------------------------ */

static void test_title_rows(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"title and blank row", NULL, "Indicators 2021,,,\n,,,\na,b,c,d\n1,2,3,4\n", 0, NULL,
         "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}\n", NULL},
        {"title and a blank line", NULL, "Indicators 2021\n\na,b\n1,2\n", 0, NULL,
         "{\"a\":1,\"b\":2}\n", NULL},
        {"error lines are file lines", NULL, "Title,,\n\na,b,c\n1,2,3\n1,2\n", 0, NULL, NULL,
         "input:5:4: row has 2 fields, expected 3"},
        {"one-column table keeps its rows", NULL, "name\nA\n\nB\n", 0, NULL,
         "{\"name\":\"A\"}\n{\"name\":null}\n{\"name\":\"B\"}\n", NULL},
        {"a wider row below a one-value row is the header", NULL, "name\nA\nB,C,D\n1,2,3\n", 0,
         NULL, "{\"B\":1,\"C\":2,\"D\":3}\n", NULL},
        {"the header is found only within 20 rows", NULL,
         "T\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\na,b\n", 0,
         NULL, NULL, "input:21:3: row has 2 fields, expected 1"},
        {"--header-row", NULL, "Title;;\nsub;x;\na;b;c\n1;2;3\n", 0, OPTS("header-row=3"),
         "{\"a\":1,\"b\":2,\"c\":3}\n", NULL},
        {"--header-row 1 keeps a one-name header", NULL, "x\n1,2\n", 0, OPTS("header-row=1"),
         NULL, "input:2:3: row has 2 fields, expected 1"},
        {"--header-row on a blank line", NULL, "T\n\na,b\n", 0, OPTS("header-row=2"), NULL,
         "input:2:1: header row 2: no row starts on that line (blank, or inside a quoted field)"},
        {"--header-row past the end", NULL, "a,b\n1,2\n", 0, OPTS("header-row=5"), NULL,
         "input:5:1: header row 5: the input ends before it"},
        {"--header-row with --no-header", NULL, "a,b\n1,2\n", 0,
         OPTS("header-row=1", "no-header"), NULL,
         "--header-row and --no-header do not go together"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], NULL);
}

/* ---- headers made of labels --------------------------------------------------- */

static void test_label_headers(void **state)
{
    (void)state;
    char *sch = schema_opt(
        "l.json", "{\"fields\":[{\"name\":\"region_code\",\"type\":\"string\",\"label\":"
                  "{\"vi\":\"M\xC3\xA3 \xC4\x91\xE1\xBB\x8B" "a b\xC3\xA0n\",\"en\":\"Region code\"}},"
                  "{\"name\":\"value\",\"type\":\"decimal\",\"label\":{\"vi\":\"Gi\xC3\xA1 "
                  "tr\xE1\xBB\x8B\",\"en\":\"Value\"}}]}");
    const struct vcase cases[] = {
        {"Vietnamese labels", NULL, "M\xC3\xA3 \xC4\x91\xE1\xBB\x8B" "a b\xC3\xA0n,Gi\xC3\xA1 tr\xE1\xBB\x8B\n165,552.6\n",
         0, OPTS(sch), "{\"region_code\":\"165\",\"value\":552.6}\n", NULL},
        {"any case, decomposed", NULL,
         "M\xC3\x83 \xC4\x90I\xCC\xA3" "A B\xC3\x80N,GIA\xCC\x81 TRI\xCC\xA3\n165,552.6\n", 0,
         OPTS(sch), "{\"region_code\":\"165\",\"value\":552.6}\n", NULL},
        {"English labels and names mixed", NULL, "region code,value\n165,1\n", 0, OPTS(sch),
         "{\"region_code\":\"165\",\"value\":1}\n", NULL},
        {"a name and its label", NULL, "value,Value\n1,2\n", 0, OPTS(sch), NULL,
         "input:1:7: column 'Value' and column 1 both stand for the field 'value'"},
        {"neither", NULL, "region,value\n1,2\n", 0, OPTS(sch), NULL,
         "input:1:1: column 'region' is not in the schema"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], NULL);
    free(sch);
}

/* ---- reader info ------------------------------------------------------------------ */

struct info_case {
    const char *file;
    const char *const *opts;
    const char *encoding, *locale, *signal, *header_row, *delimiter;
};

static void test_info(void **state)
{
    (void)state;
    const struct info_case cases[] = {
        {"samples/indicators.csv", NULL, "UTF-8", "c", "'16.5' (line 2)", "1", ","},
        {"samples/vi/indicators-excel-vi.csv", NULL, "UTF-8", "vi",
         "';' delimiter with decimal commas (line 2)", "1", ";"},
        {"samples/vi/indicators-cp1258.csv", OPTS("encoding=cp1258"), "CP1258", "vi",
         "';' delimiter with decimal commas (line 2)", "1", ";"},
        {"samples/vi/indicators-tcvn3.csv", OPTS("encoding=tcvn3", "locale=vi"), "TCVN5712-1",
         "vi", "--locale vi", "1", ";"},
        {"samples/vi/indicators-title-rows.csv", NULL, "UTF-8", "vi",
         "';' delimiter with decimal commas (line 4)", "3", ";"},
        {"samples/indicators.json", NULL, "UTF-8", "c", "none seen", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct info_case *c = &cases[i];
        struct conv_context *ctx = conv_context_new(NULL);
        struct conv_options *o = conv_options_new(ctx);
        for (size_t k = 0; c->opts && c->opts[k]; k++) {
            char name[64];
            const char *eq = strchr(c->opts[k], '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq - c->opts[k]), c->opts[k]);
            conv_options_set(o, name, eq + 1);
        }
        char *path = tu_src(c->file);
        struct conv_error err;
        struct conv_reader *rd = conv_reader_open_file(ctx, path, o, &err);
        if (!rd)
            fail_msg("%s: %s", c->file, err.message);
        const struct conv_record *rec;
        /* The locale is decided over the first records. */
        assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
        const char *want[5][2] = {{"encoding", c->encoding},
                                  {"locale", c->locale},
                                  {"locale-signal", c->signal},
                                  {"header-row", c->header_row},
                                  {"delimiter", c->delimiter}};
        for (int k = 0; k < 5; k++) {
            const char *got = conv_reader_info(rd, want[k][0]);
            if (!want[k][1] ? got != NULL : !got || strcmp(got, want[k][1]))
                fail_msg("%s: %s = '%s', want '%s'", c->file, want[k][0], got ? got : "(none)",
                         want[k][1] ? want[k][1] : "(none)");
        }
        conv_reader_close(rd);
        free(path);
        conv_options_free(o);
        conv_context_free(ctx);
    }
}

/* ---- samples and the tool ------------------------------------------------------- */

/* Each sample in samples/vi reads to the seed's records, byte for byte. */
static void test_samples(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *opt, *val;
    } samples[] = {
        {"samples/vi/indicators-excel-vi.csv", NULL, NULL},
        {"samples/vi/indicators-cp1258.csv", "--encoding", "cp1258"},
        {"samples/vi/indicators-tcvn3.csv", "--encoding", "tcvn3"},
        {"samples/vi/indicators-title-rows.csv", NULL, NULL},
        {"samples/vi/indicators-decomposed.csv", NULL, NULL},
    };
    char *schema = tu_src("samples/indicators.schema.json");
    char *seed = tu_src("samples/indicators.csv");
    char *want_json = tu_path(tmpdir, "seed.json");
    struct tu_run r;
    tu_run_tool(&r, "conv", NULL, 0, ARGV("-q", "--schema", schema, seed, "-o", want_json));
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    size_t seed_len, want_len;
    char *seed_bytes = tu_read_file(seed, &seed_len);
    char *want = tu_read_file(want_json, &want_len);
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char *in = tu_src(samples[i].file);
        char *out_csv = tu_path(tmpdir, "out.csv");
        char *out_json = tu_path(tmpdir, "out.json");
        for (int k = 0; k < 2; k++) {
            const char *out = k ? out_json : out_csv;
            if (samples[i].opt)
                tu_run_tool(&r, "conv", NULL, 0,
                            ARGV("-q", "--schema", schema, samples[i].opt, samples[i].val, in,
                                 "-o", out));
            else
                tu_run_tool(&r, "conv", NULL, 0, ARGV("-q", "--schema", schema, in, "-o", out));
            if (r.status != 0)
                fail_msg("%s: exit %d: %s", samples[i].file, r.status, r.err);
            tu_run_free(&r);
            size_t n;
            char *got = tu_read_file(out, &n);
            const char *w = k ? want : seed_bytes;
            size_t wn = k ? want_len : seed_len;
            if (n != wn || memcmp(got, w, n) != 0)
                fail_msg("%s: %s output differs from the seed's", samples[i].file,
                         k ? "JSON" : "CSV");
            free(got);
        }
        free(in);
        free(out_csv);
        free(out_json);
    }
    free(seed_bytes);
    free(want);
    free(want_json);
    free(schema);
    free(seed);
}

static void test_tool(void **state)
{
    (void)state;
    struct tu_run r;
    static const char amb[] = "region,value\r\n165,13.090\r\n";
    tu_run_tool(&r, "conv", amb, strlen(amb), ARGV("--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "conv: -:2:5: '13.090' is 13090 in Vietnamese notation but 13.090 "
                               "in C notation, and no other value tells which: use --locale vi or "
                               "--locale c\n");
    tu_run_free(&r);
    tu_run_tool(&r, "conv", amb, strlen(amb),
                ARGV("--locale", "vi", "--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"region\":165,\"value\":13090}\n");
    tu_run_free(&r);
    static const char legacy[] = "a\r\nS\xF4ng\r\n";
    tu_run_tool(&r, "conv", legacy, strlen(legacy), ARGV("--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "conv: -:2:2: invalid UTF-8 (a legacy encoding? try --encoding "
                               "cp1258 or tcvn3)\n");
    tu_run_free(&r);
    tu_run_tool(&r, "conv", legacy, strlen(legacy),
                ARGV("--encoding", "cp1258", "--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"a\":\"S\xC3\xB4ng\"}\n");
    tu_run_free(&r);
    tu_run_tool(&r, "conv", legacy, strlen(legacy),
                ARGV("--encoding", "klingon", "--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_run_tool(&r, "conv", "a\n1\n", 4, ARGV("--locale", "fr", "--from", "csv", "--to", "jsonl"));
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
}

static int setup(void **state)
{
    (void)state;
    tmpdir = tu_tempdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(tmpdir);
    free(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),       cmocka_unit_test(test_auto_locale),
        cmocka_unit_test(test_schema_locale), cmocka_unit_test(test_booleans_dates),
        cmocka_unit_test(test_canon),         cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_encoding_stream), cmocka_unit_test(test_nfc),
        cmocka_unit_test(test_nfc_fast_path), cmocka_unit_test(test_title_rows),
        cmocka_unit_test(test_label_headers), cmocka_unit_test(test_info),
        cmocka_unit_test(test_samples),       cmocka_unit_test(test_tool),
    };
    return cmocka_run_group_tests_name("vi_input", tests, setup, teardown);
}
