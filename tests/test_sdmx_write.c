/*
 * SDMX writers and round trips: SDMX-ML StructureSpecific (golden, with
 * groups, data-set attributes, NaN), SDMX-CSV 1.0 and 2.0, SDMX-JSON read
 * back; every format of the fixture data set through every writer and
 * back; SDMX-ML -> CSV -> SDMX-ML; the indicator records to SDMX-ML and
 * back (byte for byte when grouped by series); the mapping, constants and
 * FREQ; the writers' errors; memory that does not grow with the input;
 * conv-info and conv-check on SDMX.
 */
#include "sdmx_check.h"

/* Convert in to out with options (name, value pairs); CONV_OK or the
 * error in *err. */
static int convert(const char *in, const char *out, const char *const *opts,
                   struct conv_error *err, struct tu_sbuf *diags)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    for (size_t i = 0; opts[i]; i += 2)
        assert_int_equal(conv_options_set(o, opts[i], opts[i + 1]), CONV_OK);
    struct sx_read collect;
    memset(&collect, 0, sizeof collect);
    if (diags)
        conv_options_set_diag(o, sx_diag, &collect);
    int rc = conv_convert(ctx, in, out, o, NULL, err);
    if (diags)
        *diags = collect.diags;
    conv_options_free(o);
    conv_context_free(ctx);
    return rc;
}

static char *convert_text(const char *in, const char *dir, const char *name,
                          const char *const *opts)
{
    char *out = tu_path(dir, name);
    struct conv_error err;
    if (convert(in, out, opts, &err, NULL) != CONV_OK)
        fail_msg("%s -> %s: %s", in, name, err.message);
    char *text = tu_read_file(out, NULL);
    free(out);
    return text;
}

static const char ss_golden[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<message:StructureSpecificData "
    "xmlns:ss=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific\" "
    "xmlns:ns1=\"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=TEST:DSD_TEST(1.0):"
    "ObsLevelDim:TIME_PERIOD\" "
    "xmlns:message=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" "
    "xmlns:common=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
    "<message:Header><message:ID>CONV20240101000000</message:ID><message:Test>false"
    "</message:Test><message:Prepared>2024-01-01T00:00:00Z</message:Prepared>"
    "<message:Sender id=\"ZZZ\"/><message:Structure structureID=\"TEST_DSD_TEST_1_0\" "
    "namespace=\"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=TEST:DSD_TEST(1.0):"
    "ObsLevelDim:TIME_PERIOD\" dimensionAtObservation=\"TIME_PERIOD\"><common:Structure>"
    "<Ref agencyID=\"TEST\" id=\"DSD_TEST\" version=\"1.0\"/></common:Structure>"
    "</message:Structure><message:DataSetAction>Information</message:DataSetAction>"
    "</message:Header>\n"
    "<message:DataSet ss:dataScope=\"DataStructure\" xsi:type=\"ns1:DataSetType\" "
    "ss:structureRef=\"TEST_DSD_TEST_1_0\" COMMENT=\"Test data\">\n"
    "<Group xsi:type=\"ns1:IndGroup\" type=\"IndGroup\" INDICATOR=\"GDP\" UNIT_MEASURE=\"VND\"/>\n"
    "<Group xsi:type=\"ns1:IndGroup\" type=\"IndGroup\" INDICATOR=\"CPI\" UNIT_MEASURE=\"IX\"/>\n"
    "<Series FREQ=\"A\" REF_AREA=\"VN\" INDICATOR=\"GDP\" UNIT_MULT=\"9\">\n"
    "  <Obs TIME_PERIOD=\"2020\" OBS_VALUE=\"100.5\" OBS_STATUS=\"A\"/>\n"
    "  <Obs TIME_PERIOD=\"2021\" OBS_VALUE=\"NaN\" OBS_STATUS=\"M\"/>\n"
    "  <Obs TIME_PERIOD=\"2022\" OBS_VALUE=\"102\" OBS_STATUS=\"P\"/>\n"
    "</Series>\n"
    "<Series FREQ=\"A\" REF_AREA=\"VN\" INDICATOR=\"CPI\" UNIT_MULT=\"0\">\n"
    "  <Obs TIME_PERIOD=\"2020\" OBS_VALUE=\"99.1\" OBS_STATUS=\"A\"/>\n"
    "  <Obs TIME_PERIOD=\"2021\" OBS_VALUE=\"100\" OBS_STATUS=\"E\"/>\n"
    "  <Obs TIME_PERIOD=\"2022\" OBS_VALUE=\"NaN\"/>\n"
    "</Series>\n"
    "</message:DataSet></message:StructureSpecificData>\n";

/* StructureSpecific output: the header, the data set's attribute, the
 * groups, the series and observations, NaN for a missing value. */
static void test_ss_golden(void **state)
{
    (void)state;
    char *dir = tu_tempdir(), *dsd = sx_fixture("test-structure.xml");
    char *in = sx_fixture("test-v1.csv");
    char *out = convert_text(in, dir, "out.xml",
                             OPTS("dsd", dsd, "to", "sdmx", "created", "2024-01-01T00:00:00Z"));
    assert_string_equal(out, ss_golden);
    free(out);
    free(in);
    /* The records in another order (by year): grouped again by series. */
    in = tu_path(dir, "by-year.csv");
    const char by_year[] =
        "DATAFLOW,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,COMMENT,UNIT_MEASURE,UNIT_MULT,"
        "OBS_STATUS\n"
        "X:Y(1.0),A,VN,GDP,2020,100.5,Test data,VND,9,A\n"
        "X:Y(1.0),A,VN,CPI,2020,99.1,Test data,IX,0,A\n"
        "X:Y(1.0),A,VN,GDP,2021,NaN,Test data,VND,9,M\n"
        "X:Y(1.0),A,VN,CPI,2021,100,Test data,IX,0,E\n"
        "X:Y(1.0),A,VN,GDP,2022,102,Test data,VND,9,P\n"
        "X:Y(1.0),A,VN,CPI,2022,,Test data,IX,0,\n";
    tu_write_file(in, by_year, sizeof by_year - 1);
    out = convert_text(in, dir, "out2.xml",
                       OPTS("dsd", dsd, "to", "sdmx", "created", "2024-01-01T00:00:00Z"));
    assert_string_equal(out, ss_golden);
    free(out);
    free(in);
    tu_rmtree(dir);
    free(dir);
    free(dsd);
}

/* SDMX-CSV 1.0 and 2.0: the dataflow from the structure, or from the
 * input's own header. */
static void test_csv_output(void **state)
{
    (void)state;
    char *dir = tu_tempdir(), *dsd = sx_fixture("test-structure.xml");
    char *in = sx_fixture("test-ss.xml");
    char *out = convert_text(in, dir, "v1.csv", OPTS("dsd", dsd, "to", "sdmx-csv"));
    assert_string_equal(out, "DATAFLOW,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,COMMENT,"
                             "UNIT_MEASURE,UNIT_MULT,OBS_STATUS\r\n"
                             "TEST:DF_TEST(1.0),A,VN,GDP,2020,100.5,Test data,VND,9,A\r\n"
                             "TEST:DF_TEST(1.0),A,VN,GDP,2021,NaN,Test data,VND,9,M\r\n"
                             "TEST:DF_TEST(1.0),A,VN,GDP,2022,102,Test data,VND,9,P\r\n"
                             "TEST:DF_TEST(1.0),A,VN,CPI,2020,99.1,Test data,IX,0,A\r\n"
                             "TEST:DF_TEST(1.0),A,VN,CPI,2021,100,Test data,IX,0,E\r\n"
                             "TEST:DF_TEST(1.0),A,VN,CPI,2022,NaN,Test data,IX,0,\r\n");
    free(out);
    out = convert_text(in, dir, "v2.csv", OPTS("to", "sdmx-csv", "sdmx-csv-version", "2"));
    assert_non_null(strstr(out, "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,UNIT_MULT,"
                                "TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MEASURE,COMMENT\r\n"
                                "datastructure,TEST:DSD_TEST(1.0),I,A,VN,GDP,9,2020,100.5,A,VND,"
                                "Test data\r\n"));
    free(out);
    out = convert_text(in, dir, "v3.csv",
                       OPTS("to", "sdmx-csv", "sdmx-dataflow", "VN:DF_X(2.0)"));
    assert_non_null(strstr(out, "\r\nVN:DF_X(2.0),A,VN,GDP,9,2020,100.5,A,VND,Test data\r\n"));
    free(out);
    free(in);
    tu_rmtree(dir);
    free(dir);
    free(dsd);
}

static const char *const data_set[] = {"test-ss.xml",     "test-generic.xml", "test-v1.csv",
                                       "test-v2.csv",     "test-json2.json",  "test-json1.json",
                                       NULL};

/* Every form of the data set through every SDMX writer and back: the same
 * records; SDMX-ML -> CSV -> SDMX-ML keeps every observation and
 * attribute. */
static void test_round_trips(void **state)
{
    (void)state;
    static const struct {
        const char *to, *name, *version;
    } outs[] = {{"sdmx", "o.xml", NULL},
                {"sdmx-csv", "o1.csv", "1"},
                {"sdmx-csv", "o2.csv", "2"},
                {"sdmx-json", "o.json", NULL},
                {NULL, NULL, NULL}};
    char *dir = tu_tempdir(), *dsd = sx_fixture("test-structure.xml");
    char *ref_path = sx_fixture("test-ss.xml");
    struct sx_read ref;
    sx_read_file(&ref, ref_path, OPTS("dsd", dsd));
    for (size_t i = 0; data_set[i]; i++) {
        char *in = sx_fixture(data_set[i]);
        for (size_t k = 0; outs[k].to; k++) {
            char *out = tu_path(dir, outs[k].name);
            struct conv_error err;
            if (convert(in, out,
                        OPTS("dsd", dsd, "to", outs[k].to, "sdmx-csv-version",
                             outs[k].version ? outs[k].version : "1"),
                        &err, NULL) != CONV_OK)
                fail_msg("%s -> %s: %s", data_set[i], outs[k].to, err.message);
            struct sx_read back;
            sx_read_file(&back, out, OPTS("dsd", dsd));
            if (back.rc != CONV_EOF || strcmp(back.dump.p, ref.dump.p))
                fail_msg("%s -> %s -> read:\n%s\n%s", data_set[i], outs[k].to, back.dump.p,
                         back.err.message);
            sx_free(&back);
            free(out);
        }
        free(in);
    }
    /* SDMX-ML -> plain CSV -> SDMX-ML. */
    char *csv = tu_path(dir, "plain.csv"), *xml = tu_path(dir, "again.xml");
    struct conv_error err;
    assert_int_equal(convert(ref_path, csv, OPTS("dsd", dsd), &err, NULL), CONV_OK);
    assert_int_equal(convert(csv, xml, OPTS("dsd", dsd, "to", "sdmx"), &err, NULL), CONV_OK);
    struct sx_read back;
    sx_read_file(&back, xml, OPTS("dsd", dsd));
    assert_string_equal(back.dump.p, ref.dump.p);
    sx_free(&back);
    sx_free(&ref);
    free(csv);
    free(xml);
    free(ref_path);
    tu_rmtree(dir);
    free(dir);
    free(dsd);
}

/* The seed lines grouped by series (region, indicator), in the order the
 * series first appear; the header first. */
static char *group_by_series(const char *csv)
{
    char *copy = strdup(csv), *out = calloc(strlen(csv) + 1, 1);
    char *lines[256] = {0};
    size_t n = 0;
    for (char *l = strtok(copy, "\n"); l && n < 256; l = strtok(NULL, "\n"))
        lines[n++] = l;
    int *used = calloc(n, sizeof *used);
    strcat(out, lines[0]);
    strcat(out, "\n");
    for (size_t i = 1; i < n; i++) {
        if (used[i])
            continue;
        /* region_code,region_name,indicator_code: the first three fields */
        char key[64];
        const char *c1 = strchr(lines[i], ','), *c2 = strchr(c1 + 1, ','), *c3 = strchr(c2 + 1, ',');
        snprintf(key, sizeof key, "%.*s|%.*s", (int)(c1 - lines[i]), lines[i],
                 (int)(c3 - c2 - 1), c2 + 1);
        for (size_t j = i; j < n; j++) {
            char k2[64];
            const char *d1 = strchr(lines[j], ','), *d2 = strchr(d1 + 1, ','),
                       *d3 = strchr(d2 + 1, ',');
            snprintf(k2, sizeof k2, "%.*s|%.*s", (int)(d1 - lines[j]), lines[j],
                     (int)(d3 - d2 - 1), d2 + 1);
            if (!strcmp(key, k2)) {
                strcat(out, lines[j]);
                strcat(out, "\n");
                used[j] = 1;
            }
        }
    }
    free(used);
    free(copy);
    return out;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_lines(const char *text)
{
    char *copy = strdup(text), *out = calloc(strlen(text) + 2, 1);
    char *lines[512];
    size_t n = 0;
    for (char *l = strtok(copy, "\n"); l && n < 512; l = strtok(NULL, "\n"))
        lines[n++] = l;
    qsort(lines, n, sizeof *lines, cmp_lines);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(copy);
    return out;
}

/* The indicator records to SDMX-ML under their structure and back: byte
 * for byte when grouped by series; the seed sample (by year) as the same
 * records. */
static void test_indicator_round_trip(void **state)
{
    (void)state;
    char *dir = tu_tempdir(), *seed = tu_src("samples/indicators.csv");
    char *dsd = tu_src("samples/indicators-structure.xml");
    char *text = tu_read_file(seed, NULL);
    char *grouped = group_by_series(text);
    char *gpath = tu_path(dir, "grouped.csv"), *xml = tu_path(dir, "ind.xml"),
         *back = tu_path(dir, "back.csv");
    tu_write_file(gpath, grouped, strlen(grouped));
    struct conv_error err;
    struct tu_sbuf diags = {0};
    if (convert(gpath, xml, OPTS("dsd", dsd, "to", "sdmx"), &err, &diags) != CONV_OK)
        fail_msg("%s", err.message);
    assert_null(diags.p); /* codes, mandatory attributes: all there */
    if (convert(xml, back, OPTS("profile", "indicators"), &err, NULL) != CONV_OK)
        fail_msg("%s", err.message);
    char *again = tu_read_file(back, NULL);
    assert_string_equal(again, grouped);
    free(again);
    /* The seed itself. */
    if (convert(seed, xml, OPTS("dsd", dsd, "to", "sdmx"), &err, NULL) != CONV_OK ||
        convert(xml, back, OPTS("profile", "indicators"), &err, NULL) != CONV_OK)
        fail_msg("%s", err.message);
    again = tu_read_file(back, NULL);
    char *a = sorted_lines(again), *b = sorted_lines(text);
    assert_string_equal(a, b);
    assert_memory_equal(again, text, strcspn(text, "\n")); /* the same header */
    free(a);
    free(b);
    free(again);
    /* conv-check on the SDMX: clean. */
    struct tu_run run;
    tu_run_tool(&run, "conv-check", NULL, 0, (const char *const[]){xml, NULL});
    if (run.status != 0)
        fail_msg("conv-check: %s%s", run.out, run.err);
    tu_run_free(&run);
    free(grouped);
    free(text);
    free(gpath);
    free(xml);
    free(back);
    free(seed);
    free(dsd);
    tu_rmtree(dir);
    free(dir);
}

/* The mapping without a structure: SDMX names, FREQ from the period,
 * status codes, constants; --sdmx-map overrides. */
static void test_mapping(void **state)
{
    (void)state;
    char *dir = tu_tempdir(), *seed = tu_src("samples/indicators.csv");
    char *out = convert_text(seed, dir, "m.csv",
                             OPTS("to", "sdmx-csv", "sdmx-dataflow", "IMF:ECOFIN_DSD(1.0)",
                                  "sdmx-set", "DATA_DOMAIN=NAG,COUNTERPART_AREA=_Z,UNIT_MULT=9"));
    const char *second = strchr(out, '\n') + 1;
    assert_memory_equal(out,
                        "DATAFLOW,REF_AREA,region_name,INDICATOR,indicator_name,parent_code,"
                        "TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,change_pct,plan_value,OBS_STATUS,"
                        "source,note,FREQ,DATA_DOMAIN,COUNTERPART_AREA,UNIT_MULT\r\n",
                        (size_t)(second - out));
    assert_non_null(strstr(out, "IMF:ECOFIN_DSD(1.0),165,Thành phố Sông Công,03,Thu ngân sách "
                                "Nhà nước,,2020,442.1,tỷ đồng,,,E,,Suy ra từ số liệu năm 2021 và "
                                "tốc độ tăng,A,NAG,_Z,9\r\n"));
    free(out);
    out = convert_text(seed, dir, "m2.csv",
                       OPTS("to", "sdmx-csv", "sdmx-dataflow", "X:Y(1.0)", "sdmx-map",
                            "unit=UNIT,region_code=COUNTERPART_AREA"));
    assert_memory_equal(out, "DATAFLOW,COUNTERPART_AREA,region_name,INDICATOR,", 48);
    assert_non_null(strstr(out, ",UNIT,"));
    free(out);
    /* A period without a frequency under a structure with FREQ. */
    char *odd = tu_path(dir, "odd.csv"), *xml = tu_path(dir, "odd.xml");
    char *dsd = tu_src("samples/indicators-structure.xml");
    const char nine[] = "region_code,indicator_code,period,value,unit,status\n"
                        "165,01,2021-9M,9000,tỷ đồng,official\n";
    tu_write_file(odd, nine, sizeof nine - 1);
    struct conv_error err;
    assert_int_equal(convert(odd, xml, OPTS("dsd", dsd, "to", "sdmx"), &err, NULL), CONV_ERR);
    assert_int_equal(err.code, CONV_E_SCHEMA);
    assert_string_equal(err.message,
                        "dimension FREQ has no value (the period gives no frequency: set FREQ)");
    free(odd);
    free(xml);
    free(dsd);
    free(seed);
    tu_rmtree(dir);
    free(dir);
}

static void expect_write_error(const char *dir, const char *csv, const char *const *opts,
                               enum conv_errcode code, const char *msg)
{
    char *in = tu_path(dir, "e.csv"), *out = tu_path(dir, "e.out");
    tu_write_file(in, csv, strlen(csv));
    struct conv_error err;
    assert_int_equal(convert(in, out, opts, &err, NULL), CONV_ERR);
    if (err.code != code || strcmp(err.message, msg))
        fail_msg("got %d '%s', want %d '%s'", err.code, err.message, code, msg);
    assert_int_equal(access(out, F_OK), -1); /* nothing left */
    free(in);
    free(out);
}

/* Values must be plain decimals; structures and attachments hold. */
static void test_write_errors(void **state)
{
    (void)state;
    char *dir = tu_tempdir(), *dsd = sx_fixture("test-structure.xml");
    const char head[] = "FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE\n";
    char csv[512];
    expect_write_error(dir, "a,b\n1,2\n", OPTS("to", "sdmx"), CONV_E_USAGE,
                       "writing SDMX-ML needs its structure: --dsd FILE (an SDMX-ML structure "
                       "message)");
    snprintf(csv, sizeof csv, "%sA,VN,GDP,2020,\"2.767.229,12\",9,VND\n", head);
    expect_write_error(dir, csv, OPTS("dsd", dsd, "to", "sdmx", "locale", "c"), CONV_E_TYPE,
                       "OBS_VALUE: '2.767.229,12' is not a plain decimal (Vietnamese notation? "
                       "read the input with --locale vi)");
    snprintf(csv, sizeof csv, "%sA,VN,GDP,2020,1,9,VND\nA,VN,GDP,2021,2,6,VND\n", head);
    expect_write_error(dir, csv, OPTS("dsd", dsd, "to", "sdmx"), CONV_E_SCHEMA,
                       "UNIT_MULT is a series attribute but differs within the series A.VN.GDP "
                       "('9' and '6')");
    snprintf(csv, sizeof csv, "%sA,VN,GDP,2020,1,9,VND\nA,VN,GDP,2021,2,9,EUR\n", head);
    expect_write_error(dir, csv, OPTS("dsd", dsd, "to", "sdmx"), CONV_E_SCHEMA,
                       "UNIT_MEASURE is attached to group IndGroup but has two values in one "
                       "group: 'VND' and 'EUR'");
    expect_write_error(dir, "FREQ,COLOUR\nA,red\n", OPTS("dsd", dsd, "to", "sdmx"),
                       CONV_E_SCHEMA, "field 'COLOUR' is no component of the structure "
                                      "TEST:DSD_TEST(1.0)");
    expect_write_error(dir, "REF_AREA,OBS_VALUE\nVN,1\n", OPTS("to", "sdmx-csv"), CONV_E_USAGE,
                       "SDMX-CSV names its dataflow: give --sdmx-dataflow AGENCY:ID(VERSION), or "
                       "--dsd with a dataflow");
    expect_write_error(dir, "REF_AREA,OBS_VALUE\nVN,1\n",
                       OPTS("to", "sdmx-json", "created", "yesterday"), CONV_E_USAGE,
                       "option created: expected an ISO 8601 date-time such as "
                       "2022-01-15T00:00:00Z, got 'yesterday'");
    expect_write_error(dir, "REF AREA,OBS_VALUE\nVN,1\n",
                       OPTS("to", "sdmx-csv", "sdmx-dataflow", "X:Y(1.0)"), CONV_E_SCHEMA,
                       "field 'REF AREA' cannot be an SDMX component: its name is no id (map it "
                       "with --sdmx-map REF AREA=ID)");
    /* Read the Vietnamese way first: a plain decimal. */
    char *in = tu_path(dir, "vi.csv");
    snprintf(csv, sizeof csv, "%sA,VN,GDP,2020,\"2.767.229,12\",9,VND\n", head);
    tu_write_file(in, csv, strlen(csv));
    char *out = convert_text(in, dir, "vi.out", OPTS("locale", "vi", "to", "sdmx-csv",
                                                     "sdmx-dataflow", "X:Y(1.0)"));
    assert_non_null(strstr(out, ",2767229.12,"));
    free(out);
    /* Dirty text: written as it is, with a warning; an error with --strict. */
    snprintf(csv, sizeof csv, "%sA,VN,GDP,2020,519.4sb,9,VND\n", head);
    tu_write_file(in, csv, strlen(csv));
    char *o2 = tu_path(dir, "d.csv");
    struct conv_error err;
    struct tu_sbuf diags = {0};
    assert_int_equal(convert(in, o2, OPTS("to", "sdmx-csv", "sdmx-dataflow", "X:Y(1.0)"), &err,
                             &diags),
                     CONV_OK);
    assert_non_null(strstr(diags.p, "OBS_VALUE: '519.4sb' is not a plain decimal (written as it "
                                     "is)"));
    free(diags.p);
    expect_write_error(dir, csv, OPTS("to", "sdmx-csv", "sdmx-dataflow", "X:Y(1.0)", "strict", "1"),
                       CONV_E_TYPE, "OBS_VALUE: '519.4sb' is not a plain decimal (written as it is)");
    free(o2);
    free(in);
    free(dsd);
    tu_rmtree(dir);
    free(dir);
}

/* Write an NSDP-shaped message of n observations. */
static void write_big(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?><message:StructureSpecificData "
          "xmlns:ss=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific\" "
          "xmlns:message=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" "
          "xmlns:common=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">"
          "<message:Header><message:ID>B</message:ID><message:Test>false</message:Test>"
          "<message:Prepared>2024-01-01T00:00:00Z</message:Prepared><message:Sender id=\"Z\"/>"
          "<message:Structure structureID=\"S\" dimensionAtObservation=\"TIME_PERIOD\">"
          "<common:Structure><Ref agencyID=\"TEST\" id=\"DSD_TEST\" version=\"1.0\"/>"
          "</common:Structure></message:Structure></message:Header>"
          "<message:DataSet COMMENT=\"big\" ss:structureRef=\"S\">",
          f);
    for (long i = 0; i < n; i++) {
        if (i % 100 == 0)
            fprintf(f, "%s<Series FREQ=\"M\" REF_AREA=\"VN\" INDICATOR=\"I%ld\" UNIT_MULT=\"9\">",
                    i ? "</Series>" : "", i / 100);
        fprintf(f, "<Obs TIME_PERIOD=\"%ld-%02ld\" OBS_VALUE=\"%ld.%ld\"/>", 2000 + i % 100 / 12,
                i % 12 + 1, i * 7 % 100000, i % 97);
    }
    fputs("</Series></message:DataSet></message:StructureSpecificData>", f);
    fclose(f);
}

static size_t peak_of(const char *in, const char *out, const char *const *opts)
{
    struct tu_counting c = {0};
    struct conv_allocator al = tu_counting_allocator(&c);
    struct conv_context *ctx = conv_context_new(&al);
    struct conv_options *o = conv_options_new(ctx);
    for (size_t i = 0; opts[i]; i += 2)
        assert_int_equal(conv_options_set(o, opts[i], opts[i + 1]), CONV_OK);
    struct conv_error err;
    if (conv_convert(ctx, in, out, o, NULL, &err) != CONV_OK)
        fail_msg("%s", err.message);
    conv_options_free(o);
    conv_context_free(ctx);
    return c.peak;
}

/* Reading and writing SDMX-ML take memory that does not grow with the
 * input: 30,000 and 300,000 observations alike. */
static void test_memory(void **state)
{
    (void)state;
    char *dir = tu_tempdir(), *dsd = sx_fixture("test-structure.xml");
    char *small = tu_path(dir, "small.xml"), *big = tu_path(dir, "big.xml");
    char *out = tu_path(dir, "out.csv"), *back = tu_path(dir, "back.xml");
    write_big(small, 30000);
    write_big(big, 300000);
    size_t p1 = peak_of(small, out, NO_OPTS), p2 = peak_of(big, out, NO_OPTS);
    assert_true(p2 < p1 + p1 / 4);
    size_t q1 = peak_of(small, out, OPTS("dsd", dsd)), q2 = peak_of(big, out, OPTS("dsd", dsd));
    assert_true(q2 < q1 + q1 / 4);
    assert_true(q2 < (size_t)16 << 20);
    size_t w2 = peak_of(out, back, OPTS("dsd", dsd, "to", "sdmx"));
    assert_true(w2 < (size_t)64 << 20); /* within the sorts' budgets */
    struct sx_read r;
    sx_read_file(&r, back, OPTS("dsd", dsd));
    assert_int_equal(r.rc, CONV_EOF);
    assert_int_equal(r.records, 300000);
    sx_free(&r);
    free(small);
    free(big);
    free(out);
    free(back);
    free(dsd);
    tu_rmtree(dir);
    free(dir);
}

/* conv-info says what an SDMX message is. */
static void test_conv_info(void **state)
{
    (void)state;
    char *path = sx_fixture("test-generic.xml"), *dsd = sx_fixture("test-structure.xml");
    struct tu_run run;
    tu_run_tool(&run, "conv-info", NULL, 0,
                (const char *const[]){"--dsd", dsd, path, NULL});
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "format: sdmx (SDMX-ML 2.1 data"));
    assert_non_null(strstr(run.out, "\nsdmx-message: SDMX-ML 2.1 GenericData\n"
                                    "sdmx-structure: TEST:DSD_TEST(1.0)\n"
                                    "sdmx-dataflow: TEST:DF_TEST(1.0)\n"
                                    "sdmx-dimension-at-observation: TIME_PERIOD\n"
                                    "sdmx-series: 2\nsdmx-observations: 6\n"
                                    "sdmx-dirty-values: 0\n"
                                    "sdmx-dimensions: FREQ, REF_AREA, INDICATOR, TIME_PERIOD\n"
                                    "sdmx-measures: OBS_VALUE\n"
                                    "sdmx-attributes: COMMENT, UNIT_MEASURE, UNIT_MULT, "
                                    "OBS_STATUS\nsdmx-groups: 2\nrecords: 6\n"));
    tu_run_free(&run);
    tu_run_tool(&run, "conv-info", NULL, 0,
                (const char *const[]){"--format", "json", path, NULL});
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "\"facts\": {\"sdmx-message\": \"SDMX-ML 2.1 GenericData\""));
    tu_run_free(&run);
    free(path);
    free(dsd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ss_golden),       cmocka_unit_test(test_csv_output),
        cmocka_unit_test(test_round_trips),     cmocka_unit_test(test_indicator_round_trip),
        cmocka_unit_test(test_mapping),         cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_memory),          cmocka_unit_test(test_conv_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
