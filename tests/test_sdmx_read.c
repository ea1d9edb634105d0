/*
 * SDMX readers through the public API, on the fixtures of tests/data/sdmx/
 * (one data set as SDMX-ML StructureSpecific and Generic, SDMX-CSV 1.0 and
 * 2.0, SDMX-JSON 1.0 and 2.0, with its structure) and on documents built
 * here: the same records from every format, groups, missing and dirty
 * values (--strict), cross-sections, flat and SDMX 2.0 data, structure
 * checks, probing by content, what conv_reader_info tells, hostile XML,
 * the profile mapping, and failed allocations.
 */
#include "sdmx_check.h"

static const char *const data_set[] = {"test-ss.xml",    "test-generic.xml", "test-v1.csv",
                                       "test-v2.csv",    "test-json2.json",  "test-json1.json",
                                       NULL};

static const char expected_records[] =
    "FREQ=A|REF_AREA=VN|INDICATOR=GDP|TIME_PERIOD=2020|OBS_VALUE=100.5|COMMENT=Test data|"
    "UNIT_MEASURE=VND|UNIT_MULT=9|OBS_STATUS=A\n"
    "FREQ=A|REF_AREA=VN|INDICATOR=GDP|TIME_PERIOD=2021|COMMENT=Test data|UNIT_MEASURE=VND|"
    "UNIT_MULT=9|OBS_STATUS=M\n"
    "FREQ=A|REF_AREA=VN|INDICATOR=GDP|TIME_PERIOD=2022|OBS_VALUE=102|COMMENT=Test data|"
    "UNIT_MEASURE=VND|UNIT_MULT=9|OBS_STATUS=P\n"
    "FREQ=A|REF_AREA=VN|INDICATOR=CPI|TIME_PERIOD=2020|OBS_VALUE=99.1|COMMENT=Test data|"
    "UNIT_MEASURE=IX|UNIT_MULT=0|OBS_STATUS=A\n"
    "FREQ=A|REF_AREA=VN|INDICATOR=CPI|TIME_PERIOD=2021|OBS_VALUE=100|COMMENT=Test data|"
    "UNIT_MEASURE=IX|UNIT_MULT=0|OBS_STATUS=E\n"
    "FREQ=A|REF_AREA=VN|INDICATOR=CPI|TIME_PERIOD=2022|COMMENT=Test data|UNIT_MEASURE=IX|"
    "UNIT_MULT=0\n";

/* Each line's NAME=TEXT pairs sorted: records compared whatever the field
 * order. */
static char *canon(const char *dump)
{
    size_t n = strlen(dump);
    char *out = calloc(n + 2, 1), *copy = strdup(dump);
    size_t k = 0;
    for (char *line = copy; *line;) {
        char *e = strchr(line, '\n');
        *e = '\0';
        char *parts[64];
        size_t np = 0;
        for (char *tok = strtok(line, "|"); tok && np < 64; tok = strtok(NULL, "|"))
            parts[np++] = tok;
        for (size_t i = 1; i < np; i++)
            for (size_t j = i; j > 0 && strcmp(parts[j - 1], parts[j]) > 0; j--) {
                char *t = parts[j];
                parts[j] = parts[j - 1];
                parts[j - 1] = t;
            }
        for (size_t i = 0; i < np; i++)
            k += (size_t)sprintf(out + k, "%s%s", i ? "|" : "", parts[i]);
        out[k++] = '\n';
        line = e + 1;
    }
    free(copy);
    return out;
}

/* One data set given as SDMX-ML (StructureSpecific, Generic), SDMX-CSV
 * 1.0 and 2.0 and SDMX-JSON 1.0 and 2.0 gives the same records: exactly,
 * in the same field order, with its structure; the same values without. */
static void test_same_records(void **state)
{
    (void)state;
    char *dsd = sx_fixture("test-structure.xml");
    char *first_canon = NULL;
    for (size_t i = 0; data_set[i]; i++) {
        char *path = sx_fixture(data_set[i]);
        struct sx_read r;
        sx_read_file(&r, path, OPTS("dsd", dsd));
        if (r.rc != CONV_EOF)
            fail_msg("%s: %s", data_set[i], r.err.message);
        if (strcmp(r.dump.p, expected_records))
            fail_msg("%s read as\n%s", data_set[i], r.dump.p);
        assert_int_equal(r.ndiags, 0);
        sx_free(&r);
        sx_read_file(&r, path, NO_OPTS);
        assert_int_equal(r.rc, CONV_EOF);
        char *c = canon(r.dump.p);
        if (!first_canon)
            first_canon = c;
        else if (strcmp(c, first_canon))
            fail_msg("%s without its structure:\n%s\nnot\n%s", data_set[i], c, first_canon);
        else
            free(c);
        sx_free(&r);
        free(path);
    }
    free(first_canon);
    free(dsd);
}

/* Found by content: SDMX messages named .xml, .csv and .json are SDMX,
 * plain ones stay with their format. */
static void test_found_by_content(void **state)
{
    (void)state;
    static const struct {
        const char *file, *format;
    } cases[] = {{"test-ss.xml", "sdmx"},       {"test-generic.xml", "sdmx"},
                 {"test-v1.csv", "sdmx-csv"},   {"test-v2.csv", "sdmx-csv"},
                 {"test-json1.json", "sdmx-json"}, {"test-json2.json", "sdmx-json"},
                 {"compact20.xml", "sdmx"},     {NULL, NULL}};
    for (size_t i = 0; cases[i].file; i++) {
        char *path = sx_fixture(cases[i].file);
        struct sx_read r;
        sx_read_file(&r, path, NO_OPTS);
        assert_string_equal(r.format, cases[i].format);
        sx_free(&r);
        free(path);
    }
    /* The same bytes under a plain name, and plain documents. */
    struct sx_read r;
    const char doc[] = "DATAFLOW,REF_AREA,OBS_VALUE\nA:B(1.0),VN,1\n";
    sx_read_doc(&r, "in.csv", doc, sizeof doc - 1, NO_OPTS);
    assert_string_equal(r.format, "sdmx-csv");
    assert_string_equal(r.dump.p, "REF_AREA=VN|OBS_VALUE=1\n");
    sx_free(&r);
    const char plain[] = "DATA,REF_AREA\n1,VN\n";
    sx_read_doc(&r, "in.csv", plain, sizeof plain - 1, NO_OPTS);
    assert_string_equal(r.format, "csv");
    sx_free(&r);
    const char xml[] = "<?xml version=\"1.0\"?><GenericData><row a=\"1\"/></GenericData>";
    sx_read_doc(&r, "in.xml", xml, sizeof xml - 1, NO_OPTS);
    assert_string_equal(r.format, "xml"); /* no SDMX namespace */
    sx_free(&r);
    const char json[] = "{\"name\": 1}\n";
    sx_read_doc(&r, "in.json", json, sizeof json - 1, NO_OPTS);
    assert_string_not_equal(r.format, "sdmx-json");
    sx_free(&r);
    assert_ptr_equal(conv_format_by_path("x.xml"), conv_format_by_name("xml"));
}

/* Missing values in every spelling are null; dirty ones are kept as
 * their text and reported, each with its line and column, and --strict
 * stops at the first. */
static void test_dirty_values(void **state)
{
    (void)state;
    char *path = sx_fixture("dirty-ss.xml");
    struct sx_read r;
    sx_read_file(&r, path, NO_OPTS);
    assert_int_equal(r.rc, CONV_EOF);
    assert_int_equal(r.records, 11);
    assert_int_equal(r.ndiags, 5);
    static const char *const dirty[] = {"na", "519.4sb", "7 902.3", "ERROR:  #N/A",
                                        "8123.5\xc2\xa0", NULL};
    for (size_t i = 0; dirty[i]; i++) {
        char line[200];
        snprintf(line, sizeof line,
                 "DATA_DOMAIN=MFS|REF_AREA=VN|INDICATOR=FMB_XDC|COUNTERPART_AREA=_Z|FREQ=M|"
                 "UNIT_MULT=9|TIME_PERIOD=2021-M0%zu|OBS_VALUE=%s|COMMENT=Published",
                 i + 1, dirty[i]);
        assert_true(sx_has_line(&r, line));
        char msg[100];
        snprintf(msg, sizeof msg, "OBS_VALUE: '%s' is not a number (kept as text)", dirty[i]);
        assert_non_null(strstr(r.diags.p, msg));
    }
    /* NaN, #N/A and an absent value: no OBS_VALUE at all. */
    for (int m = 6; m <= 8; m++) {
        char line[200];
        snprintf(line, sizeof line,
                 "DATA_DOMAIN=MFS|REF_AREA=VN|INDICATOR=FMB_XDC|COUNTERPART_AREA=_Z|FREQ=M|"
                 "UNIT_MULT=9|TIME_PERIOD=2021-M0%d|COMMENT=Published",
                 m);
        assert_true(sx_has_line(&r, line));
    }
    /* TIME_PERIOD as written: 2021-Q3, 2021-S1. */
    assert_true(sx_has_line(&r, "DATA_DOMAIN=NAG|REF_AREA=VN|INDICATOR=NGDP_XDC|COUNTERPART_AREA=_Z|"
                                "FREQ=Q|UNIT_MULT=9|TIME_PERIOD=2021-S1|OBS_VALUE=2767229.12|"
                                "COMMENT=Published"));
    assert_non_null(strstr(r.diags.p, "dirty-ss.xml:1:999: OBS_VALUE: 'na'"));
    assert_string_equal(sx_info(&r, "sdmx-dirty-values"), "5 (first: OBS_VALUE 'na' (line 1))");
    sx_free(&r);
    sx_read_file(&r, path, OPTS("strict", "1"));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_TYPE);
    assert_int_equal(r.records, 0);
    assert_int_equal(r.err.line, 1);
    assert_int_equal(r.err.column, 999);
    assert_string_equal(r.err.message, "OBS_VALUE: 'na' is not a number (kept as text)");
    sx_free(&r);
    free(path);
}

/* Numbers keep their text and their type; codes stay strings. */
static void test_types(void **state)
{
    (void)state;
    char *path = sx_fixture("test-ss.xml");
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct conv_reader *rd = conv_reader_open_file(ctx, path, NULL, &err);
    assert_non_null(rd);
    const struct conv_record *rec;
    static const enum conv_type want[] = {CONV_DECIMAL, CONV_NULL, CONV_INTEGER,
                                          CONV_DECIMAL, CONV_INTEGER};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(conv_reader_next(rd, &rec), CONV_OK);
        const struct conv_value *v = conv_record_get(rec, "OBS_VALUE");
        assert_non_null(v);
        assert_int_equal(v->type, want[i]);
        assert_int_equal(conv_record_get(rec, "UNIT_MULT")->type, CONV_STRING);
        assert_int_equal(conv_record_get(rec, "TIME_PERIOD")->type, CONV_STRING);
    }
    conv_reader_close(rd);
    conv_context_free(ctx);
    free(path);
}

static void expect_records(const char *file, const char *const *opts, const char *want)
{
    char *path = sx_fixture(file);
    struct sx_read r;
    sx_read_file(&r, path, opts);
    if (r.rc != CONV_EOF)
        fail_msg("%s: %s", file, r.err.message);
    if (strcmp(r.dump.p, want))
        fail_msg("%s read as\n%s", file, r.dump.p);
    sx_free(&r);
    free(path);
}

/* Another dimension at the observation, flat observations, SDMX 2.0. */
static void test_shapes(void **state)
{
    (void)state;
    expect_records("cross-section.xml", NO_OPTS,
                   "FREQ=A|INDICATOR=GDP|TIME_PERIOD=2021|UNIT_MULT=9|REF_AREA=VN|"
                   "OBS_VALUE=366.1|OBS_STATUS=A\n"
                   "FREQ=A|INDICATOR=GDP|TIME_PERIOD=2021|UNIT_MULT=9|REF_AREA=LA|"
                   "OBS_VALUE=18.8|OBS_STATUS=E\n");
    char *dsd = sx_fixture("test-structure.xml");
    expect_records("cross-section.xml", OPTS("dsd", dsd),
                   "FREQ=A|REF_AREA=VN|INDICATOR=GDP|TIME_PERIOD=2021|OBS_VALUE=366.1|"
                   "UNIT_MULT=9|OBS_STATUS=A\n"
                   "FREQ=A|REF_AREA=LA|INDICATOR=GDP|TIME_PERIOD=2021|OBS_VALUE=18.8|"
                   "UNIT_MULT=9|OBS_STATUS=E\n");
    expect_records("flat.xml", OPTS("dsd", dsd),
                   "FREQ=A|REF_AREA=VN|INDICATOR=GDP|TIME_PERIOD=2020|OBS_VALUE=343.6|"
                   "COMMENT=flat|UNIT_MULT=9\n"
                   "FREQ=Q|REF_AREA=VN|INDICATOR=GDP|TIME_PERIOD=2021-Q3|OBS_VALUE=88.2|"
                   "COMMENT=flat|UNIT_MULT=9|OBS_STATUS=P\n");
    /* A 2.0 group is an element named after it; its key found from the
     * series' names. */
    expect_records("compact20.xml", NO_OPTS,
                   "FREQ=Q|CURRENCY=USD|UNIT_MULT=6|TIME_PERIOD=2020-Q1|OBS_VALUE=10.5|"
                   "OBS_STATUS=A|TITLE=US dollar\n"
                   "FREQ=Q|CURRENCY=USD|UNIT_MULT=6|TIME_PERIOD=2020-Q2|OBS_VALUE=11|"
                   "TITLE=US dollar\n");
    /* SDMX 3.0: the structure named by a URN as the text of common:Structure. */
    expect_records("v30-ss.xml", NO_OPTS,
                   "COUNTRY=VNM|INDICATOR=CPI|FREQ=M|TIME_PERIOD=2024-M01|OBS_VALUE=3.4|"
                   "OBS_STATUS=A\n");
    char *v30 = sx_fixture("v30-ss.xml");
    struct sx_read r;
    sx_read_file(&r, v30, NO_OPTS);
    assert_string_equal(sx_info(&r, "sdmx-message"), "SDMX-ML 3.0 StructureSpecificData");
    assert_string_equal(sx_info(&r, "sdmx-structure"), "IMF:CPI(3.0.0)");
    sx_free(&r);
    free(v30);
    free(dsd);
}

/* Groups: by their definition with the structure, by the series' names
 * without; a group that matches no series gives nothing. */
static void test_groups(void **state)
{
    (void)state;
    const char doc[] =
        "<m:StructureSpecificData xmlns:m=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/"
        "message\" xmlns:x=\"http://www.w3.org/2001/XMLSchema-instance\"><m:DataSet>"
        "<Group x:type=\"ns1:SiblingGroup\" CURRENCY=\"CHF\" EXR_TYPE=\"SP00\" TITLE=\"franc\"/>"
        "<Group x:type=\"ns1:RateGroup\" EXR_TYPE=\"SP00\" COLL=\"avg\"/>"
        "<Group x:type=\"ns1:SiblingGroup\" CURRENCY=\"YEN\" EXR_TYPE=\"SP00\" TITLE=\"yen\"/>"
        "<Series FREQ=\"M\" CURRENCY=\"CHF\" EXR_TYPE=\"SP00\"><Obs TIME_PERIOD=\"2010-08\" "
        "OBS_VALUE=\"1.3413\"/></Series>"
        "<Series FREQ=\"M\" CURRENCY=\"GBP\" EXR_TYPE=\"SP00\"><Obs TIME_PERIOD=\"2010-08\" "
        "OBS_VALUE=\"0.82\"/></Series></m:DataSet></m:StructureSpecificData>";
    struct sx_read r;
    sx_read_doc(&r, "groups.xml", doc, sizeof doc - 1, NO_OPTS);
    assert_int_equal(r.rc, CONV_EOF);
    assert_string_equal(r.dump.p, "FREQ=M|CURRENCY=CHF|EXR_TYPE=SP00|TIME_PERIOD=2010-08|"
                                  "OBS_VALUE=1.3413|TITLE=franc|COLL=avg\n"
                                  "FREQ=M|CURRENCY=GBP|EXR_TYPE=SP00|TIME_PERIOD=2010-08|"
                                  "OBS_VALUE=0.82|COLL=avg\n");
    assert_string_equal(sx_info(&r, "sdmx-groups"), "3");
    sx_free(&r);
}

/* The structure: codes checked once per component and code, mandatory
 * attributes once each (warnings, errors under --strict); a component it
 * lacks is an error. */
static void test_structure_checks(void **state)
{
    (void)state;
    char *dsd = sx_fixture("test-structure.xml");
    const char doc[] =
        "DATAFLOW,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MULT,OBS_STATUS\n"
        "TEST:DF_TEST(1.0),A,KH,GDP,2020,1,9,A\n"
        "TEST:DF_TEST(1.0),A,KH,GDP,2021,2,9,X\n"
        "TEST:DF_TEST(1.0),A,KH,GDP,2022,3,,X\n";
    struct sx_read r;
    sx_read_doc(&r, "c.csv", doc, sizeof doc - 1, OPTS("dsd", dsd));
    assert_int_equal(r.rc, CONV_EOF);
    assert_int_equal(r.records, 3);
    assert_string_equal(r.diags.p,
                        "c.csv:2: mandatory attribute UNIT_MEASURE has no value (reported once)\n"
                        "c.csv:2:21: REF_AREA: code 'KH' is not in the code list "
                        "TEST:CL_AREA(1.0)\n"
                        "c.csv:3:37: OBS_STATUS: code 'X' is not in the code list "
                        "TEST:CL_OBS_STATUS(1.0)\n"
                        "c.csv:4: mandatory attribute UNIT_MULT has no value (reported once)\n");
    sx_free(&r);
    sx_read_doc(&r, "c.csv", doc, sizeof doc - 1, OPTS("dsd", dsd, "strict", "1"));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_SCHEMA);
    assert_string_equal(r.err.message, "mandatory attribute UNIT_MEASURE has no value "
                                       "(reported once)");
    sx_free(&r);
    const char extra[] = "DATAFLOW,FREQ,COLOUR\nTEST:DF_TEST(1.0),A,red\n";
    sx_read_doc(&r, "e.csv", extra, sizeof extra - 1, OPTS("dsd", dsd));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_SCHEMA);
    assert_string_equal(r.err.message,
                        "component 'COLOUR' is not in the structure TEST:DSD_TEST(1.0)");
    sx_free(&r);
    free(dsd);
}

/* What conv_reader_info tells about a message. */
static void test_info(void **state)
{
    (void)state;
    char *dsd = sx_fixture("test-structure.xml"), *path = sx_fixture("test-ss.xml");
    struct sx_read r;
    sx_read_file(&r, path, OPTS("dsd", dsd));
    assert_string_equal(sx_info(&r, "sdmx-message"), "SDMX-ML 2.1 StructureSpecificData");
    assert_string_equal(sx_info(&r, "sdmx-structure"), "TEST:DSD_TEST(1.0)");
    assert_string_equal(sx_info(&r, "sdmx-dataflow"), "TEST:DF_TEST(1.0)");
    assert_string_equal(sx_info(&r, "sdmx-series"), "2");
    assert_string_equal(sx_info(&r, "sdmx-observations"), "6");
    assert_string_equal(sx_info(&r, "sdmx-dimensions"), "FREQ, REF_AREA, INDICATOR, TIME_PERIOD");
    assert_string_equal(sx_info(&r, "sdmx-measures"), "OBS_VALUE");
    assert_string_equal(sx_info(&r, "sdmx-attributes"),
                        "COMMENT, UNIT_MEASURE, UNIT_MULT, OBS_STATUS");
    assert_string_equal(sx_info(&r, "sdmx-dirty-values"), "0");
    sx_free(&r);
    free(path);
    path = sx_fixture("test-v2.csv");
    sx_read_file(&r, path, NO_OPTS);
    assert_string_equal(sx_info(&r, "sdmx-message"), "SDMX-CSV 2.0");
    assert_string_equal(sx_info(&r, "sdmx-dataflow"), "TEST:DF_TEST(1.0)");
    assert_string_equal(sx_info(&r, "delimiter"), ";");
    sx_free(&r);
    free(path);
    path = sx_fixture("test-json2.json");
    sx_read_file(&r, path, NO_OPTS);
    assert_string_equal(sx_info(&r, "sdmx-message"), "SDMX-JSON 2.0");
    assert_string_equal(sx_info(&r, "sdmx-dataflow"), "TEST:DF_TEST(1.0)");
    sx_free(&r);
    free(path);
    free(dsd);
}

/* SDMX-JSON: a multilingual value in the language asked, else English,
 * else the first; a multi-valued one joined; an index out of range is an
 * error. */
static void test_json_values(void **state)
{
    (void)state;
    char *path = sx_fixture("test-json2.json");
    struct sx_read r;
    sx_read_file(&r, path, OPTS("sdmx-lang", "vi"));
    assert_int_equal(r.rc, CONV_EOF);
    assert_non_null(strstr(r.dump.p, "COMMENT=Số liệu thử"));
    sx_free(&r);
    free(path);
    const char doc[] =
        "{\"data\":{\"structures\":[{\"dimensions\":{\"observation\":[{\"id\":\"TIME_PERIOD\","
        "\"keyPosition\":0,\"values\":[{\"value\":\"2021\"}]}]},\"measures\":{\"observation\":"
        "[{\"id\":\"OBS_VALUE\"}]},\"attributes\":{\"observation\":[{\"id\":\"NOTE\"},{\"id\":"
        "\"TAGS\",\"values\":[{\"id\":\"X\"},{\"id\":\"Y\"},{\"id\":\"Z\"}]}]}}],\"dataSets\":[{"
        "\"observations\":{\"0\":[5,{\"fr\":\"bonjour\",\"de\":\"hallo\"},[0,2]]}}]}}";
    sx_read_doc(&r, "m.json", doc, sizeof doc - 1, NO_OPTS);
    assert_int_equal(r.rc, CONV_EOF);
    assert_string_equal(r.dump.p, "TIME_PERIOD=2021|OBS_VALUE=5|NOTE=bonjour|TAGS=X;Z\n");
    sx_free(&r);
    char bad[sizeof doc];
    memcpy(bad, doc, sizeof doc);
    char *at = strstr(bad, "[0,2]");
    at[3] = '7';
    sx_read_doc(&r, "m.json", bad, sizeof bad - 1, NO_OPTS);
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_STRUCTURE);
    assert_string_equal(r.err.message, "TAGS: value index 7 out of range (3 values)");
    sx_free(&r);
}

/* SDMX-CSV: the delimiter after DATAFLOW, "ID: Name" headers, label and
 * custom columns kept under their headers (skipped with a structure),
 * quoted values. */
static void test_csv_forms(void **state)
{
    (void)state;
    const char v1[] = "DATAFLOW;REF_AREA: Area;OBS_VALUE\r\nX:Y(1.0);VN;\"1.5\"\r\n";
    struct sx_read r;
    sx_read_doc(&r, "a.csv", v1, sizeof v1 - 1, NO_OPTS);
    assert_int_equal(r.rc, CONV_EOF);
    assert_string_equal(r.dump.p, "REF_AREA=VN|OBS_VALUE=1.5\n");
    sx_free(&r);
    const char v2[] = "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,DIM_1,Dimension 1,OBS_VALUE\n"
                      "datastructure,X:DSD(2.0),A structure,I,A,Value A,7\n";
    sx_read_doc(&r, "b.csv", v2, sizeof v2 - 1, NO_OPTS);
    assert_int_equal(r.rc, CONV_EOF);
    assert_string_equal(r.dump.p, "DIM_1=A|Dimension 1=Value A|OBS_VALUE=7\n");
    assert_string_equal(sx_info(&r, "sdmx-structure"), "X:DSD(2.0)");
    sx_free(&r);
    const char eu[] = "DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
                      "ESTAT:NAMA_10_GDP(1.0),12/09/24 11:00:00,A,VN,2023,430.0,p\n";
    sx_read_doc(&r, "c.csv", eu, sizeof eu - 1, NO_OPTS);
    assert_int_equal(r.rc, CONV_EOF);
    assert_string_equal(r.dump.p, "LAST UPDATE=12/09/24 11:00:00|freq=A|geo=VN|TIME_PERIOD=2023|"
                                  "OBS_VALUE=430.0|OBS_FLAG=p\n");
    sx_free(&r);
}

/* The XML safety of the XML reader: no entities, no external DTD, bounds;
 * the same for a structure message. */
static void test_hostile(void **state)
{
    (void)state;
    const char ent[] =
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"aaaaaaaaaa\">]>"
        "<m:StructureSpecificData xmlns:m=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/"
        "message\"><m:DataSet><Series A=\"&a;\"><Obs OBS_VALUE=\"1\"/></Series></m:DataSet>"
        "</m:StructureSpecificData>";
    struct sx_read r;
    sx_read_doc(&r, "e.xml", ent, sizeof ent - 1, OPTS("from", "sdmx"));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_LIMIT);
    assert_string_equal(r.err.message,
                        "the DTD declares entity 'a' (refused: entity declarations are not allowed)");
    sx_free(&r);
    const char ext[] =
        "<?xml version=\"1.0\"?><!DOCTYPE m SYSTEM \"http://example.invalid/x.dtd\">"
        "<m:GenericData xmlns:m=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\"/>";
    sx_read_doc(&r, "x.xml", ext, sizeof ext - 1, OPTS("from", "sdmx"));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_LIMIT);
    sx_free(&r);
    struct tu_sbuf deep = {0};
    tu_sb_str(&deep, "<m:GenericData xmlns:m=\"http://www.sdmx.org/resources/sdmxml/schemas/"
                     "v2_1/message\">");
    for (int i = 0; i < 100; i++)
        tu_sb_str(&deep, "<m:Header>");
    sx_read_doc(&r, "d.xml", deep.p, deep.n, OPTS("from", "sdmx"));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_LIMIT);
    assert_string_equal(r.err.message, "elements nested deeper than 64");
    sx_free(&r);
    free(deep.p);
    /* A structure message with an entity. */
    char *dir = tu_tempdir(), *dsd = tu_path(dir, "dsd.xml");
    const char bad_dsd[] = "<?xml version=\"1.0\"?><!DOCTYPE s [<!ENTITY b \"x\">]><s>&b;</s>";
    tu_write_file(dsd, bad_dsd, sizeof bad_dsd - 1);
    char *path = sx_fixture("test-ss.xml");
    sx_read_file(&r, path, OPTS("dsd", dsd));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_LIMIT);
    sx_free(&r);
    tu_rmtree(dir);
    free(dsd);
    free(dir);
    free(path);
    /* Not SDMX at all under --from sdmx. */
    const char other[] = "<root><a/></root>";
    sx_read_doc(&r, "o.xml", other, sizeof other - 1, OPTS("from", "sdmx"));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_FORMAT);
    sx_free(&r);
}

/* Read as indicator records: components renamed, status codes as words,
 * FREQ and constants dropped where they say nothing new; a component the
 * profile lacks is an error that names the way out. */
static void test_profile_mapping(void **state)
{
    (void)state;
    const char doc[] = "DATAFLOW,DATA_DOMAIN,REF_AREA,INDICATOR,FREQ,TIME_PERIOD,OBS_VALUE,"
                       "UNIT_MEASURE,OBS_STATUS\n"
                       "X:Y(1.0),NAG,165,01,A,2021,13090,tỷ đồng,A\n"
                       "X:Y(1.0),NAG,165,01,Q,2021-Q3,3100,tỷ đồng,E\n";
    struct sx_read r;
    sx_read_doc(&r, "p.csv", doc, sizeof doc - 1,
                OPTS("profile", "indicators", "sdmx-set", "DATA_DOMAIN=NAG"));
    if (r.rc != CONV_EOF)
        fail_msg("%s", r.err.message);
    assert_string_equal(r.dump.p, "region_code=165|indicator_code=01|period=2021|value=13090|"
                                  "unit=tỷ đồng|status=official\n"
                                  "region_code=165|indicator_code=01|period=2021-Q3|value=3100|"
                                  "unit=tỷ đồng|status=estimate\n");
    sx_free(&r);
    sx_read_doc(&r, "p.csv", doc, sizeof doc - 1, OPTS("profile", "indicators"));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_SCHEMA);
    assert_string_equal(r.err.message,
                        "component DATA_DOMAIN is no field of the indicators profile: map it "
                        "(--sdmx-map FIELD=DATA_DOMAIN) or give its value (--sdmx-set "
                        "DATA_DOMAIN=NAG)");
    sx_free(&r);
    /* The mapping overridden. */
    sx_read_doc(&r, "p.csv", doc, sizeof doc - 1,
                OPTS("sdmx-profile", "indicators", "sdmx-map", "note=DATA_DOMAIN"));
    assert_int_equal(r.rc, CONV_EOF);
    assert_non_null(strstr(r.dump.p, "note=NAG"));
    sx_free(&r);
    sx_read_doc(&r, "p.csv", doc, sizeof doc - 1, OPTS("sdmx-profile", "budget"));
    assert_int_equal(r.rc, CONV_ERR);
    assert_int_equal(r.err.code, CONV_E_USAGE);
    sx_free(&r);
}

/* Every allocation failing in turn: an error, never a crash or a leak. */
static void test_failed_allocations(void **state)
{
    (void)state;
    char *dsd = sx_fixture("test-structure.xml");
    for (size_t f = 0; data_set[f]; f++) {
        char *path = sx_fixture(data_set[f]);
        size_t len;
        char *doc = tu_read_file(path, &len);
        int done = 0;
        for (long k = 1; k < 100000 && !done; k++) {
            struct tu_counting c = {0};
            c.fail_at = k;
            struct conv_allocator al = tu_counting_allocator(&c);
            struct conv_context *ctx = conv_context_new(&al);
            if (!ctx)
                continue;
            struct conv_options *o = conv_options_new(ctx);
            struct conv_error err;
            struct conv_reader *rd = NULL;
            if (o && conv_options_set(o, "dsd", dsd) == CONV_OK)
                rd = conv_reader_open_memory(ctx, doc, len, data_set[f], o, &err);
            int rc = CONV_ERR;
            if (rd) {
                const struct conv_record *rec;
                long n = 0;
                while ((rc = conv_reader_next(rd, &rec)) == CONV_OK)
                    n++;
                if (rc == CONV_EOF)
                    assert_int_equal(n, 6);
            }
            conv_reader_close(rd);
            conv_options_free(o);
            conv_context_free(ctx);
            if (c.now != 0)
                fail_msg("%s: %zu bytes left after failing allocation %ld", data_set[f], c.now, k);
            done = !c.failed;
            if (done)
                assert_int_equal(rc, CONV_EOF);
        }
        assert_true(done);
        free(doc);
        free(path);
    }
    free(dsd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_records),      cmocka_unit_test(test_found_by_content),
        cmocka_unit_test(test_dirty_values),      cmocka_unit_test(test_types),
        cmocka_unit_test(test_shapes),            cmocka_unit_test(test_groups),
        cmocka_unit_test(test_structure_checks),  cmocka_unit_test(test_info),
        cmocka_unit_test(test_json_values),       cmocka_unit_test(test_csv_forms),
        cmocka_unit_test(test_hostile),           cmocka_unit_test(test_profile_mapping),
        cmocka_unit_test(test_failed_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
