/*
 * The built-in indicator profile, defined once here: the declared schema
 * of `--profile indicators`, the JSON Schema and the XSD shipped in
 * schemas/ (a test checks they are what this file makes), the fields file
 * of `--schema`, and the rules of the checker all come from this table.
 */
#include "profile.h"

extern const unsigned char convp_codes_indicators_units[];
extern const size_t convp_codes_indicators_units_size;
extern const unsigned char convp_codes_indicators_regions[];
extern const size_t convp_codes_indicators_regions_size;

const char *const convp_status_values[] = {"official", "preliminary", "estimate", NULL};

/* Laid out by enum convp_indicator_field (profile.h). */
static const struct convp_pfield indicator_fields[CONVP_IND_FIELDS] = {
    [CONVP_IND_REGION_CODE] =
        {"region_code", CONV_STRING, 1, "Mã địa bàn", "Region code", NULL, CONVP_SHAPE_REGION,
         "regions",
         "Administrative unit code from the national list: 2 digits for a province, 3 "
         "for a district, 5 for a commune."},
    [CONVP_IND_REGION_NAME] = {"region_name", CONV_STRING, 0, "Tên địa bàn", "Region name", NULL,
                               CONVP_SHAPE_TEXT, NULL, "Name of the administrative unit."},
    [CONVP_IND_INDICATOR_CODE] = {"indicator_code", CONV_STRING, 1, "Mã chỉ tiêu", "Indicator code",
                                  NULL, CONVP_SHAPE_INDICATOR, NULL,
                                  "Indicator code, two digits per level: 01, 0101, 010101."},
    [CONVP_IND_INDICATOR_NAME] = {"indicator_name", CONV_STRING, 0, "Tên chỉ tiêu",
                                  "Indicator name", NULL, CONVP_SHAPE_TEXT, NULL,
                                  "Name of the indicator."},
    [CONVP_IND_PARENT_CODE] =
        {"parent_code", CONV_STRING, 0, "Mã chỉ tiêu cha", "Parent indicator code", NULL,
         CONVP_SHAPE_INDICATOR, NULL,
         "Code of the total this indicator is a component of; components add up to it."},
    [CONVP_IND_PERIOD] =
        {"period", CONV_STRING, 1, "Kỳ báo cáo", "Period", NULL, CONVP_SHAPE_PERIOD, NULL,
         "A year (2021), quarter (2021-Q3), half (2021-H1), first nine months (2021-9M) or month "
         "(2021-06)."},
    [CONVP_IND_VALUE] = {"value", CONV_DECIMAL, 1, "Giá trị", "Value", NULL, CONVP_SHAPE_NUMBER,
                         NULL, "The figure, an exact decimal in the unit."},
    [CONVP_IND_UNIT] = {"unit", CONV_STRING, 1, "Đơn vị tính", "Unit", NULL, CONVP_SHAPE_TEXT,
                        "units", "Unit of measure, from the profile's list of units."},
    [CONVP_IND_CHANGE_PCT] =
        {"change_pct", CONV_DECIMAL, 0, "Tăng so với cùng kỳ năm trước (%)",
         "Change on the same period a year before (%)", "%", CONVP_SHAPE_NUMBER, NULL,
         "Change in percent against the same period of the year before: 16.5 for +16.5 %."},
    [CONVP_IND_PLAN_VALUE] = {"plan_value", CONV_DECIMAL, 0, "Kế hoạch", "Plan value", NULL,
                              CONVP_SHAPE_NUMBER, NULL,
                              "The planned figure for the period, in the same unit."},
    [CONVP_IND_STATUS] = {"status", CONV_STRING, 0, "Tình trạng số liệu", "Status", NULL,
                          CONVP_SHAPE_STATUS, NULL, "official, preliminary or estimate."},
    [CONVP_IND_SOURCE] = {"source", CONV_STRING, 0, "Nguồn số liệu", "Source", NULL,
                          CONVP_SHAPE_TEXT, NULL, "Where the figure comes from."},
    [CONVP_IND_NOTE] = {"note", CONV_STRING, 0, "Ghi chú", "Note", NULL, CONVP_SHAPE_TEXT, NULL,
                        "Free text."},
};

static const struct convp_code_list indicator_lists[] = {
    {"units", convp_codes_indicators_units, &convp_codes_indicators_units_size},
    {"regions", convp_codes_indicators_regions, &convp_codes_indicators_regions_size},
    {NULL, NULL, NULL},
};

static const struct convp_profile profiles[] = {
    {"indicators", "Statistical indicator records",
     "One figure of one indicator, for one administrative unit and one period, as city and "
     "provincial statistics offices exchange them.",
     indicator_fields, sizeof indicator_fields / sizeof indicator_fields[0], indicator_lists},
};

const struct convp_profile *convp_profile_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof profiles / sizeof profiles[0]; i++)
        if (!strcmp(profiles[i].name, name))
            return &profiles[i];
    return NULL;
}

const char *convp_shape_pattern(enum convp_shape shape)
{
    switch (shape) {
    case CONVP_SHAPE_REGION:
        return "^[0-9]{2,5}$";
    case CONVP_SHAPE_INDICATOR:
        return "^([0-9]{2})+$";
    case CONVP_SHAPE_PERIOD:
        return "^[0-9]{4}(-(Q[1-4]|H[12]|9M|0[1-9]|1[0-2]))?$";
    default:
        return NULL;
    }
}

long convp_profile_field(const struct convp_profile *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->fields[i].name, name))
            return (long)i;
    return -1;
}

const struct convp_profile *convp_profile_indicators(void)
{
    return &profiles[0];
}

const char *convp_indicator_field(enum convp_indicator_field f)
{
    return indicator_fields[f].name;
}

const unsigned char *convp_profile_codes(const struct convp_profile *p, const char *list,
                                         size_t *size)
{
    for (const struct convp_code_list *l = p->lists; l && l->name; l++)
        if (!strcmp(l->name, list)) {
            *size = *l->size;
            return l->data;
        }
    return NULL;
}

struct conv_schema *convp_profile_schema(struct conv_context *ctx, const struct convp_profile *p)
{
    struct conv_schema *s = conv_schema_new(ctx);
    if (!s)
        return NULL;
    s->fixed = 1;
    for (size_t i = 0; i < p->n; i++) {
        const struct convp_pfield *pf = &p->fields[i];
        struct conv_field f = {pf->name, pf->type, pf->label, pf->label_en, pf->unit,
                               pf->required};
        if (conv_schema_add(s, &f) != CONV_OK) {
            conv_schema_free(s);
            return NULL;
        }
    }
    return s;
}

int convp_period_parse(const char *s, size_t n, struct convp_period *out)
{
    if (n < 4)
        return -1;
    int year = 0;
    for (size_t i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        year = year * 10 + (s[i] - '0');
    }
    struct convp_period p = {year, 'Y', 0, 1, 12};
    if (n != 4) {
        if (s[4] != '-' || n != 7)
            return -1;
        char a = s[5], b = s[6];
        int month = a >= '0' && a <= '1' && b >= '0' && b <= '9' ? (a - '0') * 10 + (b - '0') : 0;
        if (a == 'Q' && b >= '1' && b <= '4') {
            p.kind = 'Q';
            p.part = b - '0';
            p.first = 3 * p.part - 2;
            p.last = 3 * p.part;
        } else if (a == 'H' && (b == '1' || b == '2')) {
            p.kind = 'H';
            p.part = b - '0';
            p.first = 6 * p.part - 5;
            p.last = 6 * p.part;
        } else if (a == '9' && b == 'M') {
            p.kind = 'N';
            p.part = p.last = 9;
        } else if (month >= 1 && month <= 12) {
            p.kind = 'M';
            p.part = p.first = p.last = month;
        } else {
            return -1;
        }
    }
    *out = p;
    return 0;
}

void convp_period_format(const struct convp_period *p, char *buf, size_t size)
{
    switch (p->kind) {
    case 'Q':
    case 'H':
        snprintf(buf, size, "%04d-%c%d", p->year, p->kind, p->part);
        break;
    case 'N':
        snprintf(buf, size, "%04d-%dM", p->year, p->part);
        break;
    case 'M':
        snprintf(buf, size, "%04d-%02d", p->year, p->part);
        break;
    default:
        snprintf(buf, size, "%04d", p->year);
        break;
    }
}

/* ---- documents derived from the profile ------------------------------------------------- */

struct doc {
    struct convp_buf b;
    int nomem;
};

static void put(struct doc *d, const char *s)
{
    if (convp_buf_append(&d->b, s, strlen(s)) != 0)
        d->nomem = 1;
}

static void putf(struct doc *d, const char *fmt, ...) CONVP_PRINTF(2, 3);
static void putf(struct doc *d, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    put(d, tmp);
}

/* JSON string contents (the profile's texts need only these escapes). */
static void put_json(struct doc *d, const char *s)
{
    put(d, "\"");
    for (; *s; s++) {
        char c[2] = {*s, 0};
        put(d, *s == '"' ? "\\\"" : *s == '\\' ? "\\\\" : c);
    }
    put(d, "\"");
}

static void put_xml(struct doc *d, const char *s)
{
    for (; *s; s++) {
        char c[2] = {*s, 0};
        put(d, *s == '<' ? "&lt;" : *s == '&' ? "&amp;" : *s == '"' ? "&quot;" : c);
    }
}

/* Without the anchors: an XSD pattern. */
static void put_xsd_pattern(struct doc *d, const char *re)
{
    size_t n = strlen(re);
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(n - 2), re + 1);
    put_xml(d, tmp);
}

static void json_schema(struct doc *d, const struct convp_profile *p)
{
    put(d, "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n");
    putf(d, "  \"$id\": \"urn:x-libconv:profile:%s:1\",\n", p->name);
    put(d, "  \"title\": ");
    put_json(d, p->title);
    put(d, ",\n  \"description\": ");
    put_json(d, p->doc);
    put(d, ",\n  \"$comment\": \"Made by conv-check --print-schema json-schema from the profile "
           "defined in libconv/profile/profile.c: do not edit. A JSON file is an array of records, a "
           "JSON Lines file one record per line.\",\n");
    put(d, "  \"oneOf\": [\n    {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/record\"}},\n"
           "    {\"$ref\": \"#/$defs/record\"}\n  ],\n");
    put(d, "  \"$defs\": {\n    \"record\": {\n      \"type\": \"object\",\n");
    put(d, "      \"required\": [");
    int first = 1;
    for (size_t i = 0; i < p->n; i++)
        if (p->fields[i].required) {
            putf(d, "%s\"%s\"", first ? "" : ", ", p->fields[i].name);
            first = 0;
        }
    put(d, "],\n      \"additionalProperties\": false,\n      \"properties\": {\n");
    for (size_t i = 0; i < p->n; i++) {
        const struct convp_pfield *f = &p->fields[i];
        putf(d, "        \"%s\": {\n          \"title\": ", f->name);
        put_json(d, f->label_en);
        put(d, ",\n          \"description\": ");
        put_json(d, f->doc);
        put(d, ",\n          \"x-label-vi\": ");
        put_json(d, f->label);
        if (f->unit) {
            put(d, ",\n          \"x-unit\": ");
            put_json(d, f->unit);
        }
        if (f->codes)
            putf(d, ",\n          \"x-code-list\": \"profiles/%s/%s.csv\"", p->name, f->codes);
        const char *null = f->required ? "" : ", \"null\"";
        if (f->type == CONV_DECIMAL) {
            putf(d, ",\n          \"type\": [\"number\"%s]", null);
        } else {
            putf(d, ",\n          \"type\": [\"string\"%s]", null);
            const char *re = convp_shape_pattern(f->shape);
            if (re) {
                put(d, ",\n          \"pattern\": ");
                put_json(d, re);
            } else if (f->shape == CONVP_SHAPE_STATUS) {
                put(d, ",\n          \"enum\": [");
                for (size_t k = 0; convp_status_values[k]; k++)
                    putf(d, "%s\"%s\"", k ? ", " : "", convp_status_values[k]);
                put(d, f->required ? "]" : ", null]");
            } else if (f->required) {
                put(d, ",\n          \"minLength\": 1");
            }
        }
        putf(d, "\n        }%s\n", i + 1 < p->n ? "," : "");
    }
    put(d, "      }\n    }\n  }\n}\n");
}

static const char *xsd_type(const struct convp_pfield *f)
{
    switch (f->shape) {
    case CONVP_SHAPE_REGION:
        return "d:RegionCode";
    case CONVP_SHAPE_INDICATOR:
        return "d:IndicatorCode";
    case CONVP_SHAPE_PERIOD:
        return "d:Period";
    case CONVP_SHAPE_NUMBER:
        return "d:Number";
    case CONVP_SHAPE_STATUS:
        return "d:Status";
    default:
        return "d:Text";
    }
}

/* A pattern-restricted string type that may carry type="string". */
static void xsd_coded(struct doc *d, const char *name, const char *comment, enum convp_shape s)
{
    putf(d, "  <!-- %s -->\n", comment);
    putf(d, "  <xs:simpleType name=\"%sText\">\n    <xs:restriction base=\"xs:string\">\n", name);
    put(d, "      <xs:pattern value=\"");
    put_xsd_pattern(d, convp_shape_pattern(s));
    put(d, "\"/>\n    </xs:restriction>\n  </xs:simpleType>\n");
    putf(d, "  <xs:complexType name=\"%s\">\n    <xs:simpleContent>\n", name);
    putf(d, "      <xs:extension base=\"d:%sText\">\n", name);
    put(d, "        <xs:attribute name=\"type\" type=\"d:StringTag\"/>\n      </xs:extension>\n"
           "    </xs:simpleContent>\n  </xs:complexType>\n\n");
}

static void xsd(struct doc *d, const struct convp_profile *p)
{
    put(d, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--\n");
    put(d, "  The libconv exchange vocabulary for statistical indicator records: the\n"
           "  dataset of dataset.xsd whose records hold the fields of the indicator\n"
           "  profile, with their types, the required ones, and the shapes of codes\n"
           "  and periods.  Made by conv-check (option print-schema xsd) from the\n"
           "  profile defined in libconv/profile/profile.c: do not edit.\n\n"
           "  What `conv` writes from indicator data validates here: with the\n"
           "  indicators profile or the sample's schema file (the values have their\n"
           "  fields' types and carry no `type` attribute), from CSV without them\n"
           "  (inferred types), and from JSON without them (numbers then carry\n"
           "  type=\"integer\" or type=\"decimal\").\n\n"
           "  Every record field appears at most once, in any order (xs:all): the\n"
           "  writer keeps each record's own order.  Optional fields may be absent or\n"
           "  null (xsi:nil=\"true\"); required ones must be present with a value.\n-->\n");
    put(d, "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"\n"
           "           xmlns:d=\"urn:x-libconv:dataset:1\"\n"
           "           targetNamespace=\"urn:x-libconv:dataset:1\"\n"
           "           elementFormDefault=\"qualified\"\n"
           "           attributeFormDefault=\"unqualified\">\n\n");
    put(d, "  <xs:element name=\"dataset\">\n    <xs:complexType>\n      <xs:sequence>\n"
           "        <xs:element name=\"meta\" type=\"d:Meta\"/>\n"
           "        <xs:element name=\"record\" type=\"d:Indicator\" minOccurs=\"0\" "
           "maxOccurs=\"unbounded\"/>\n"
           "      </xs:sequence>\n    </xs:complexType>\n"
           "    <xs:unique name=\"fieldName\">\n"
           "      <xs:selector xpath=\"d:meta/d:fields/d:field\"/>\n"
           "      <xs:field xpath=\"@name\"/>\n    </xs:unique>\n  </xs:element>\n\n");
    put(d, "  <!-- ==== metadata: as in dataset.xsd ==== -->\n\n"
           "  <xs:complexType name=\"Meta\">\n    <xs:sequence>\n"
           "      <xs:element name=\"title\" type=\"xs:string\"/>\n"
           "      <xs:element name=\"source\" type=\"xs:string\" minOccurs=\"0\"/>\n"
           "      <xs:element name=\"created\" type=\"xs:dateTime\"/>\n"
           "      <xs:element name=\"fields\">\n        <xs:complexType>\n"
           "          <xs:sequence>\n"
           "            <xs:element name=\"field\" type=\"d:Field\" minOccurs=\"0\" "
           "maxOccurs=\"unbounded\"/>\n"
           "          </xs:sequence>\n        </xs:complexType>\n      </xs:element>\n"
           "    </xs:sequence>\n  </xs:complexType>\n\n");
    put(d, "  <xs:complexType name=\"Field\">\n"
           "    <xs:attribute name=\"name\" type=\"d:FieldName\" use=\"required\"/>\n"
           "    <xs:attribute name=\"element\" type=\"xs:NCName\"/>\n"
           "    <xs:attribute name=\"type\" type=\"d:FieldType\" use=\"required\"/>\n"
           "    <xs:attribute name=\"label\" type=\"xs:string\"/>\n"
           "    <xs:attribute name=\"label-en\" type=\"xs:string\"/>\n"
           "    <xs:attribute name=\"unit\" type=\"xs:string\"/>\n"
           "    <xs:attribute name=\"required\" type=\"xs:boolean\" default=\"false\"/>\n"
           "  </xs:complexType>\n\n"
           "  <xs:simpleType name=\"FieldName\">\n    <xs:restriction base=\"xs:string\">\n"
           "      <xs:minLength value=\"1\"/>\n    </xs:restriction>\n  </xs:simpleType>\n\n"
           "  <xs:simpleType name=\"FieldType\">\n    <xs:restriction base=\"xs:token\">\n");
    static const char *const types[] = {"string", "integer", "decimal", "boolean",
                                        "date",   "datetime", "any"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        putf(d, "      <xs:enumeration value=\"%s\"/>\n", types[i]);
    put(d, "    </xs:restriction>\n  </xs:simpleType>\n\n");
    put(d, "  <!-- ==== one indicator record ==== -->\n\n"
           "  <xs:complexType name=\"Indicator\">\n    <xs:all>\n");
    for (size_t i = 0; i < p->n; i++) {
        const struct convp_pfield *f = &p->fields[i];
        putf(d, "      <xs:element name=\"%s\" type=\"%s\"%s/>\n", f->name, xsd_type(f),
             f->required ? "" : " minOccurs=\"0\" nillable=\"true\"");
    }
    put(d, "    </xs:all>\n  </xs:complexType>\n\n");
    put(d, "  <!-- The `type` attribute a value may carry: its own type, when its\n"
           "       field is declared `any`. -->\n"
           "  <xs:simpleType name=\"StringTag\">\n    <xs:restriction base=\"xs:token\">\n"
           "      <xs:enumeration value=\"string\"/>\n    </xs:restriction>\n"
           "  </xs:simpleType>\n\n"
           "  <xs:simpleType name=\"NumberTag\">\n    <xs:restriction base=\"xs:token\">\n"
           "      <xs:enumeration value=\"integer\"/>\n"
           "      <xs:enumeration value=\"decimal\"/>\n    </xs:restriction>\n"
           "  </xs:simpleType>\n\n"
           "  <xs:complexType name=\"Text\">\n    <xs:simpleContent>\n"
           "      <xs:extension base=\"xs:string\">\n"
           "        <xs:attribute name=\"type\" type=\"d:StringTag\"/>\n"
           "      </xs:extension>\n    </xs:simpleContent>\n  </xs:complexType>\n\n");
    xsd_coded(d, "RegionCode",
              "Administrative unit codes: province (2 digits), district (3),\n"
              "       commune (5); leading zeros are part of the code.",
              CONVP_SHAPE_REGION);
    xsd_coded(d, "IndicatorCode", "Indicator codes: two digits per level, 01, 0101, 010101...",
              CONVP_SHAPE_INDICATOR);
    xsd_coded(d, "Period",
              "A year, or a quarter, half, first nine months or month of it:\n"
              "       2021, 2021-Q3, 2021-H1, 2021-9M, 2021-06.",
              CONVP_SHAPE_PERIOD);
    put(d, "  <!-- Exact decimals, as written: 13090, 552.6, -3.25. -->\n"
           "  <xs:complexType name=\"Number\">\n    <xs:simpleContent>\n"
           "      <xs:extension base=\"xs:decimal\">\n"
           "        <xs:attribute name=\"type\" type=\"d:NumberTag\"/>\n"
           "      </xs:extension>\n    </xs:simpleContent>\n  </xs:complexType>\n\n");
    put(d, "  <xs:simpleType name=\"StatusText\">\n    <xs:restriction base=\"xs:string\">\n");
    for (size_t k = 0; convp_status_values[k]; k++)
        putf(d, "      <xs:enumeration value=\"%s\"/>\n", convp_status_values[k]);
    put(d, "    </xs:restriction>\n  </xs:simpleType>\n"
           "  <xs:complexType name=\"Status\">\n    <xs:simpleContent>\n"
           "      <xs:extension base=\"d:StatusText\">\n"
           "        <xs:attribute name=\"type\" type=\"d:StringTag\"/>\n"
           "      </xs:extension>\n    </xs:simpleContent>\n  </xs:complexType>\n\n"
           "</xs:schema>\n");
}

/* conv's own schema file (--schema FILE), with the profile's fields. */
static void fields_file(struct doc *d, const struct convp_profile *p)
{
    put(d, "{\n  \"title\": ");
    put_json(d, p->title);
    put(d, ",\n  \"fields\": [\n");
    for (size_t i = 0; i < p->n; i++) {
        const struct convp_pfield *f = &p->fields[i];
        putf(d, "    {\"name\": \"%s\", \"type\": \"%s\"", f->name, conv_type_name(f->type));
        if (f->required)
            put(d, ", \"required\": true");
        if (f->unit) {
            put(d, ", \"unit\": ");
            put_json(d, f->unit);
        }
        put(d, ",\n     \"label\": {\"vi\": ");
        put_json(d, f->label);
        put(d, ", \"en\": ");
        put_json(d, f->label_en);
        putf(d, "}}%s\n", i + 1 < p->n ? "," : "");
    }
    put(d, "  ]\n}\n");
}

int conv_profile_write(struct conv_context *ctx, const char *profile, const char *kind,
                       conv_write_fn fn, void *user, struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    const struct convp_profile *p = convp_profile_find(profile);
    if (!p) {
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0, "unknown profile '%s' (known: indicators)",
                        profile ? profile : "");
        return CONV_ERR;
    }
    struct doc d = {{0}, 0};
    convp_buf_init(&d.b, ctx);
    if (kind && !strcmp(kind, "json-schema")) {
        json_schema(&d, p);
    } else if (kind && !strcmp(kind, "xsd")) {
        xsd(&d, p);
    } else if (kind && !strcmp(kind, "fields")) {
        fields_file(&d, p);
    } else {
        convp_buf_free(&d.b);
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                        "unknown schema kind '%s' (json-schema, xsd or fields)",
                        kind ? kind : "");
        return CONV_ERR;
    }
    int rc = CONV_OK;
    if (d.nomem) {
        convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        rc = CONV_ERR;
    } else if (fn(user, d.b.data, d.b.len) != 0) {
        convp_error_set(err, CONV_E_IO, NULL, 0, 0, "writing the %s failed", kind);
        rc = CONV_ERR;
    }
    convp_buf_free(&d.b);
    return rc;
}

struct conv_schema *conv_profile_schema(struct conv_context *ctx, const char *profile,
                                        struct conv_error *err)
{
    conv_error_clear(err); /* an out-parameter: never read */
    const struct convp_profile *p = convp_profile_find(profile);
    if (!p) {
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0, "unknown profile '%s' (known: indicators)",
                        profile ? profile : "");
        return NULL;
    }
    struct conv_schema *s = convp_profile_schema(ctx, p);
    if (!s)
        convp_error_set(err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
    return s;
}
