/*
 * The real SDMX files of ../shared/real/sdmx/ (provenance in its
 * README.md), when that folder is there: every data file reads to the
 * end with its observation count and three observations checked by hand
 * against the file; the structures read as --dsd and fit their data; the
 * NSDP files go through SDMX-ML, SDMX-CSV and SDMX-JSON, and through plain
 * CSV back to SDMX-ML, to the same records.  Without the folder every test says so and is skipped.
 */
#include "sdmx_check.h"

struct real_case {
    const char *file, *dsd, *format;
    long records;
    const char *obs[3]; /* whole records, as sx_dump_record writes them (read
                           with the structure when there is one) */
};

static const struct real_case cases[] = {
    {"CPIVNM.xml",
     NULL,
     "sdmx",
     1683,
     {"DATA_DOMAIN=CPI|REF_AREA=VN|INDICATOR=PCPI_IX|COUNTERPART_AREA=_Z|FREQ=M|BASE_PER=2019|"
      "UNIT_MULT=0|TIME_PERIOD=2020-08|OBS_VALUE=102.8928|COMMENT=Published",
      "DATA_DOMAIN=CPI|REF_AREA=VN|INDICATOR=PCPI_WT|COUNTERPART_AREA=_Z|FREQ=M|BASE_PER=_Z|"
      "UNIT_MULT=0|TIME_PERIOD=2020-08|OBS_VALUE=100|COMMENT=Published",
      "DATA_DOMAIN=CPI|REF_AREA=VN|INDICATOR=PCPICO_PC_PP_PT|COUNTERPART_AREA=_Z|FREQ=M|"
      "BASE_PER=_Z|UNIT_MULT=0|TIME_PERIOD=2024-10|OBS_VALUE=2.68|COMMENT=Published"}},
    {"GDPVNM.xml",
     NULL,
     "sdmx",
     5818,
     {"DATA_DOMAIN=NAG|REF_AREA=VN|INDICATOR=NGDP_XDC|COUNTERPART_AREA=_Z|FREQ=A|BASE_PER=_Z|"
      "UNIT_MULT=9|TIME_PERIOD=2004|OBS_VALUE=779337.6704454578|COMMENT=Published",
      "DATA_DOMAIN=NAG|REF_AREA=VN|INDICATOR=NX_XDC|COUNTERPART_AREA=_Z|FREQ=A|UNIT_MULT=9|"
      "TIME_PERIOD=2010|OBS_VALUE=1484333.215512459|COMMENT=Published",
      "DATA_DOMAIN=NAG|REF_AREA=VN|INDICATOR=NGDP_PA_XDC|COUNTERPART_AREA=_Z|FREQ=Q|BASE_PER=_Z|"
      "UNIT_MULT=9|TIME_PERIOD=2010-Q1|OBS_VALUE=672310.8305594212|COMMENT=Published"}},
    {"ECB_EXR_M.USD.EUR.SP00.A.xml",
     NULL,
     "sdmx",
     252,
     {"FREQ=M|CURRENCY=USD|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_SUFFIX=A|TIME_PERIOD=1999-01|"
      "OBS_VALUE=1.16078|OBS_STATUS=A|DECIMALS=4|TIME_FORMAT=P1M|SOURCE_AGENCY=4F0|"
      "TITLE_COMPL=ECB reference exchange rate, US dollar/Euro, 2:15 pm (C.E.T.)|COLLECTION=A|"
      "UNIT=USD|TITLE=US dollar/Euro|UNIT_MULT=0",
      "FREQ=M|CURRENCY=USD|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_SUFFIX=A|TIME_PERIOD=1999-03|"
      "OBS_VALUE=1.088295652173913|OBS_STATUS=A|DECIMALS=4|TIME_FORMAT=P1M|SOURCE_AGENCY=4F0|"
      "TITLE_COMPL=ECB reference exchange rate, US dollar/Euro, 2:15 pm (C.E.T.)|COLLECTION=A|"
      "UNIT=USD|TITLE=US dollar/Euro|UNIT_MULT=0",
      "FREQ=M|CURRENCY=USD|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_SUFFIX=A|TIME_PERIOD=2019-12|"
      "OBS_VALUE=1.111345|OBS_STATUS=A|DECIMALS=4|TIME_FORMAT=P1M|SOURCE_AGENCY=4F0|"
      "TITLE_COMPL=ECB reference exchange rate, US dollar/Euro, 2:15 pm (C.E.T.)|COLLECTION=A|"
      "UNIT=USD|TITLE=US dollar/Euro|UNIT_MULT=0"}},
    {"ECB_EXR_rg-ts-ss.xml",
     "ECB_EXR_rg-structure.xml",
     "sdmx",
     12,
     {"FREQ=M|CURRENCY=CHF|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_VAR=E|TIME_PERIOD=2010-08|"
      "OBS_VALUE=1.3413|COLL_METHOD=Average of observations through period|DECIMALS=4|"
      "UNIT_MEASURE=CHF|UNIT_MULT=0|CONF_STATUS_OBS=F|OBS_STATUS=A|"
      "TITLE=ECB reference exchange rate, Swiss franc/Euro",
      "FREQ=M|CURRENCY=GBP|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_VAR=E|TIME_PERIOD=2010-09|"
      "OBS_VALUE=0.83987|COLL_METHOD=Average of observations through period|DECIMALS=5|"
      "UNIT_MEASURE=GBP|UNIT_MULT=0|CONF_STATUS_OBS=F|OBS_STATUS=A|"
      "TITLE=ECB reference exchange rate, U.K. Pound sterling /Euro",
      "FREQ=M|CURRENCY=USD|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_VAR=E|TIME_PERIOD=2010-10|"
      "OBS_VALUE=1.3898|COLL_METHOD=Average of observations through period|DECIMALS=4|"
      "UNIT_MEASURE=USD|UNIT_MULT=0|CONF_STATUS_OBS=F|OBS_STATUS=A|"
      "TITLE=ECB reference exchange rate, U.S. dollar/Euro"}},
    {"OECD_G20_PRICES_v1.csv",
     "OECD_G20_PRICES_structure.xml",
     "sdmx-csv",
     41,
     {"REF_AREA=CHN|FREQ=A|METHODOLOGY=N|MEASURE=CPI|UNIT_MEASURE=PA|EXPENDITURE=_T|"
      "ADJUSTMENT=N|TRANSFORMATION=GY|TIME_PERIOD=1985|OBS_VALUE=9.3|OBS_STATUS=A|UNIT_MULT=0|"
      "DECIMALS=1",
      "REF_AREA=CHN|FREQ=A|METHODOLOGY=N|MEASURE=CPI|UNIT_MEASURE=PA|EXPENDITURE=_T|"
      "ADJUSTMENT=N|TRANSFORMATION=GY|TIME_PERIOD=1998|OBS_VALUE=-0.8|OBS_STATUS=A|UNIT_MULT=0|"
      "DECIMALS=1",
      "REF_AREA=CHN|FREQ=A|METHODOLOGY=N|MEASURE=CPI|UNIT_MEASURE=PA|EXPENDITURE=_T|"
      "ADJUSTMENT=N|TRANSFORMATION=GY|TIME_PERIOD=2025|OBS_VALUE=0|OBS_STATUS=A|UNIT_MULT=0|"
      "DECIMALS=1"}},
    {"sdmx-csv-2.0_example-02.csv",
     NULL,
     "sdmx-csv",
     2,
     {"OBS_VALUE1=12.4|OBS_VALUE2=12.5|ATTR_3=Normal, special and other values|ATTR_1=X;Y|"
      "DIM_2=B|DIM_1=A|DIM_3=2014-01",
      "OBS_VALUE1=10.8|OBS_VALUE2=10.9|ATTR_3=Normal, special and other values|ATTR_1=X;Z|"
      "DIM_2=B|DIM_1=A|DIM_3=2014-02",
      NULL}},
    {"sdmx-json-1.0_exr-time-series.json",
     NULL,
     "sdmx-json",
     4,
     {"FREQ=D|CURRENCY=NZD|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_SUFFIX=A|TIME_PERIOD=2013-01-18|"
      "OBS_VALUE=1.5931|TIME_FORMAT=P1D|TITLE=New Zealand dollar (NZD)|OBS_STATUS=A",
      "FREQ=D|CURRENCY=RUB|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_SUFFIX=A|TIME_PERIOD=2013-01-18|"
      "OBS_VALUE=40.3426|TIME_FORMAT=P1D|TITLE=Russian rouble (RUB)|OBS_STATUS=A",
      "FREQ=D|CURRENCY=RUB|CURRENCY_DENOM=EUR|EXR_TYPE=SP00|EXR_SUFFIX=A|TIME_PERIOD=2013-01-21|"
      "OBS_VALUE=40.3|TIME_FORMAT=P1D|TITLE=Russian rouble (RUB)|OBS_STATUS=A"}},
    {NULL, NULL, NULL, 0, {NULL, NULL, NULL}},
};

static char *real_or_skip(const char *name)
{
    char *p = sx_real(name);
    if (!p) {
        print_message("skipped: ../shared/real/sdmx/%s is not there\n", name);
        skip();
    }
    return p;
}

/* Each data file: its format found by content, every observation, three
 * checked by hand; again with its structure where there is one. */
static void test_real_files(void **state)
{
    (void)state;
    for (size_t i = 0; cases[i].file; i++) {
        const struct real_case *c = &cases[i];
        char *path = real_or_skip(c->file);
        for (int with_dsd = 0; with_dsd < 2; with_dsd++) {
            if (with_dsd && !c->dsd)
                continue;
            char *dsd = with_dsd ? real_or_skip(c->dsd) : NULL;
            struct sx_read r;
            sx_read_file(&r, path, dsd ? OPTS("dsd", dsd) : NO_OPTS);
            if (r.rc != CONV_EOF)
                fail_msg("%s: %s", c->file, r.err.message);
            assert_string_equal(r.format, c->format);
            if (r.records != c->records)
                fail_msg("%s: %ld records, not %ld", c->file, r.records, c->records);
            /* The observations are written in the structure's order when
             * the case has one. */
            for (int k = 0; k < 3 && !dsd == !c->dsd; k++)
                if (c->obs[k] && !sx_has_line(&r, c->obs[k]))
                    fail_msg("%s lacks\n%s", c->file, c->obs[k]);
            assert_int_equal(r.ndiags, 0);
            sx_free(&r);
            free(dsd);
        }
        free(path);
    }
}

/* in to out under the structure, into format to (NULL: the extension's). */
static void convert_dsd(const char *in, const char *out, const char *dsd, const char *to)
{
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_options *o = conv_options_new(ctx);
    conv_options_set(o, "dsd", dsd);
    if (to)
        conv_options_set(o, "to", to);
    struct conv_error err;
    if (conv_convert(ctx, in, out, o, NULL, &err) != CONV_OK)
        fail_msg("%s -> %s: %s", in, to ? to : out, err.message);
    conv_options_free(o);
    conv_context_free(ctx);
}

/* out reads under the structure as the same records as ref. */
static void expect_same(const char *out, const char *dsd, const struct sx_read *ref,
                        const char *file, const char *how)
{
    struct sx_read back;
    sx_read_file(&back, out, OPTS("dsd", dsd));
    assert_int_equal(back.rc, CONV_EOF);
    if (strcmp(back.dump.p, ref->dump.p))
        fail_msg("%s -> %s -> read: records differ", file, how);
    sx_free(&back);
}

/* The NSDP files under the ECOFIN structure: its code lists are partial,
 * so codes are reported once each; through SDMX-ML, SDMX-CSV 1.0 and 2.0
 * and SDMX-JSON and back: the same records, and the same bytes of CSV. */
static void test_nsdp_round_trips(void **state)
{
    (void)state;
    char *dsd = real_or_skip("IMF_ECOFIN_DSD-structure.xml");
    static const char *const files[] = {"CPIVNM.xml", "GDPVNM.xml", NULL};
    static const char *const tos[] = {"sdmx", "sdmx-csv", "sdmx-json", NULL};
    char *dir = tu_tempdir();
    for (size_t f = 0; files[f]; f++) {
        char *path = real_or_skip(files[f]);
        struct sx_read ref;
        sx_read_file(&ref, path, OPTS("dsd", dsd));
        assert_int_equal(ref.rc, CONV_EOF);
        assert_true(ref.ndiags > 0);
        assert_non_null(strstr(ref.diags.p, "REF_AREA: code 'VN' is not in the code list "
                                            "IMF:CL_REF_AREA(1.0)"));
        assert_string_equal(sx_info(&ref, "sdmx-dataflow"), "IMF:SPI(1.0)");
        /* Through each SDMX writer, and through plain CSV to SDMX-ML. */
        char *out = tu_path(dir, "out"), *csv = tu_path(dir, "plain.csv");
        for (size_t t = 0; tos[t]; t++) {
            convert_dsd(path, out, dsd, tos[t]);
            expect_same(out, dsd, &ref, files[f], tos[t]);
        }
        convert_dsd(path, csv, dsd, NULL);
        convert_dsd(csv, out, dsd, "sdmx");
        expect_same(out, dsd, &ref, files[f], "CSV -> SDMX-ML");
        free(out);
        free(csv);
        sx_free(&ref);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
    free(dsd);
}

/* The structure messages read as --dsd: their components. */
static void test_real_structures(void **state)
{
    (void)state;
    static const struct {
        const char *dsd, *data, *dims, *attrs;
    } s[] = {{"IMF_ECOFIN_DSD-structure.xml", "CPIVNM.xml",
              "DATA_DOMAIN, REF_AREA, INDICATOR, COUNTERPART_AREA, FREQ, TIME_PERIOD",
              "COMMENT, BASE_PER, UNIT_MULT, OBS_STATUS, TIME_FORMAT"},
             {"ECB_EXR_rg-structure.xml", "ECB_EXR_rg-ts-ss.xml",
              "FREQ, CURRENCY, CURRENCY_DENOM, EXR_TYPE, EXR_VAR, TIME_PERIOD",
              "COLL_METHOD, DECIMALS, UNIT_MEASURE, UNIT_MULT, CONF_STATUS_OBS, OBS_STATUS, TITLE"},
             {"OECD_G20_PRICES_structure.xml", "OECD_G20_PRICES_v1.csv",
              "REF_AREA, FREQ, METHODOLOGY, MEASURE, UNIT_MEASURE, EXPENDITURE, ADJUSTMENT, "
              "TRANSFORMATION, TIME_PERIOD",
              NULL},
             {NULL, NULL, NULL, NULL}};
    for (size_t i = 0; s[i].dsd; i++) {
        char *dsd = real_or_skip(s[i].dsd), *data = real_or_skip(s[i].data);
        struct sx_read r;
        sx_read_file(&r, data, OPTS("dsd", dsd));
        assert_int_equal(r.rc, CONV_EOF);
        assert_string_equal(sx_info(&r, "sdmx-dimensions"), s[i].dims);
        if (s[i].attrs)
            assert_string_equal(sx_info(&r, "sdmx-attributes"), s[i].attrs);
        sx_free(&r);
        free(dsd);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_nsdp_round_trips),
        cmocka_unit_test(test_real_structures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
