/*
 * Built-in profiles: a kind of record defined once (fields, types, labels,
 * code shapes, allowed values, code lists) from which the library derives
 * the declared schema, the JSON Schema and the XSD, and on which the
 * checker (check.c) works.
 */
#ifndef CONV_PROFILE_H
#define CONV_PROFILE_H

#include "conv_private.h"

/* What a field's value must look like, beyond its type. */
enum convp_shape {
    CONVP_SHAPE_TEXT = 0,   /* any text */
    CONVP_SHAPE_REGION,     /* an administrative unit code */
    CONVP_SHAPE_INDICATOR,  /* an indicator code */
    CONVP_SHAPE_PERIOD,     /* 2021, 2021-Q3, 2021-H1, 2021-9M, 2021-06 */
    CONVP_SHAPE_NUMBER,     /* an exact decimal */
    CONVP_SHAPE_STATUS      /* one of the field's values */
};

struct convp_pfield {
    const char *name;
    enum conv_type type;
    int required;
    const char *label;    /* Vietnamese */
    const char *label_en;
    const char *unit;
    enum convp_shape shape;
    const char *codes; /* the code list the value must be in, or NULL */
    const char *doc;   /* one sentence, English */
};

struct convp_code_list {
    const char *name; /* "units", "regions" */
    const unsigned char *data;
    const size_t *size;
};

struct convp_profile {
    const char *name;
    const char *title;
    const char *doc;
    const struct convp_pfield *fields;
    size_t n;
    const struct convp_code_list *lists; /* {NULL} terminated */
};

/* The profile by name, or NULL. */
const struct convp_profile *convp_profile_find(const char *name);
/* A shape's pattern: anchored ERE, the same text as an XSD pattern
 * (which is implicitly anchored) once ^ and $ are dropped; NULL for none. */
const char *convp_shape_pattern(enum convp_shape shape);
/* The allowed values of the status shape, NULL-terminated. */
extern const char *const convp_status_values[];
/* Field index by name, or -1. */
long convp_profile_field(const struct convp_profile *p, const char *name);

/*
 * The fields of the indicators profile, in the order of its table (which
 * profile.c lays out by these indices).  Code that reads indicator records
 * (the checker, the XLSX report) names fields by these, never by their
 * text, so that a field renamed in profile.c is renamed everywhere.
 */
enum convp_indicator_field {
    CONVP_IND_REGION_CODE,
    CONVP_IND_REGION_NAME,
    CONVP_IND_INDICATOR_CODE,
    CONVP_IND_INDICATOR_NAME,
    CONVP_IND_PARENT_CODE,
    CONVP_IND_PERIOD,
    CONVP_IND_VALUE,
    CONVP_IND_UNIT,
    CONVP_IND_CHANGE_PCT,
    CONVP_IND_PLAN_VALUE,
    CONVP_IND_STATUS,
    CONVP_IND_SOURCE,
    CONVP_IND_NOTE,
    CONVP_IND_FIELDS /* how many */
};
/* The indicators profile (never NULL). */
const struct convp_profile *convp_profile_indicators(void);
/* The name of one of its fields: "region_code" for CONVP_IND_REGION_CODE. */
const char *convp_indicator_field(enum convp_indicator_field f);
/* A code list's bytes (CSV), or NULL. */
const unsigned char *convp_profile_codes(const struct convp_profile *p, const char *list,
                                         size_t *size);
/* The profile as a declared schema (hard types, fixed).  NULL on nomem. */
struct conv_schema *convp_profile_schema(struct conv_context *ctx, const struct convp_profile *p);

/*
 * The profile's periods, for the checker and the XLSX report alike:
 * 2021, 2021-Q3, 2021-H1, 2021-9M, 2021-06.  kind is 'Y' (year, part 0),
 * 'Q' (quarter, part 1-4), 'H' (half, 1-2), 'N' (the first nine months,
 * part 9) or 'M' (month, 1-12); first and last are the months it covers.
 */
struct convp_period {
    int year;
    char kind;
    int part;
    int first, last;
};
/* Parse s (n bytes): 0, or -1 when it is not one of the profile's periods. */
int convp_period_parse(const char *s, size_t n, struct convp_period *out);
/* A period's text (as convp_period_parse reads it) into buf. */
void convp_period_format(const struct convp_period *p, char *buf, size_t size);

/* ---- reading tables made for people (tables.c) ----------------------------------------------- */

/* What a column of a table holds, by its header. */
enum convp_col_kind {
    CONVP_COL_VALUE,        /* the figure (Thực hiện, Sơ bộ, Ước tính, a period) */
    CONVP_COL_CHANGE_INDEX, /* against the year before as an index: 107.4 (So với cùng kỳ
                               năm trước (%), Năm trước = 100) */
    CONVP_COL_CHANGE,       /* the change in percent as is (Tăng/giảm (%)) */
    CONVP_COL_PLAN,         /* the plan (Kế hoạch, KH) */
    CONVP_COL_OTHER         /* none of the profile's: a share, against the plan or the
                               period before */
};
struct convp_col_meaning {
    enum convp_col_kind kind;
    int have_period;            /* the header names a period */
    int need_year;              /* ... without its year (Quý III, Tháng 12, Cả năm) */
    int undecided;              /* the first N months, N not 3, 6, 9 or 12: no period */
    int years;                  /* distinct years named (2020-2021: 2) */
    struct convp_period period; /* year 0 when need_year */
    const char *status;         /* official, preliminary, estimate, or NULL */
    char rest[160];             /* the words naming none of that (a breakdown: Nam, Nữ) */
};
/*
 * The meaning of a column label (parts joined by " / "): text as it is,
 * folded the same text case folded (convp_casefold; the rest keeps text's
 * case where the lengths agree).
 */
void convp_col_meaning(const char *text, size_t n, const char *folded, size_t fn,
                       struct convp_col_meaning *m);
/* The first year (1900-2100) named in case-folded text, or 0. */
int convp_text_year(const char *folded, size_t n);
/* An index against the year before as a change in percent, exactly:
 * "107.4" gives "7.4", "95" gives "-5".  0, or -1 (not a plain decimal). */
int convp_index_change(const char *s, size_t n, char *out, size_t size);

/* The profile's regions, by name (Vietnamese with or without accents,
 * with or without Tỉnh, Thành phố, TP., and their other names). */
struct convp_regions;
struct convp_regions *convp_regions_load(struct conv_context *ctx);
void convp_regions_free(struct convp_regions *g);
/* The region text names, valid in year (0: any): its index; -1 none, -2
 * several (ambiguous), -3 out of memory. */
long convp_regions_find(struct convp_regions *g, const char *text, size_t n, int year);
size_t convp_regions_count(const struct convp_regions *g);
const char *convp_regions_code(const struct convp_regions *g, long i);
const char *convp_regions_name(const struct convp_regions *g, long i);

#endif /* CONV_PROFILE_H */
