/*
 * What the SDMX readers and writers share (formats/sdmx/): the structure
 * (a data structure definition read from an SDMX-ML 2.1 structure
 * message), the record assembler every reader feeds (levels, groups,
 * validation, the profile mapping), the indicator mapping and the
 * writers' common part.  Three descriptors live in this folder: sdmx
 * (SDMX-ML), sdmx-csv and sdmx-json.
 */
#ifndef CONV_SDMX_PRIVATE_H
#define CONV_SDMX_PRIVATE_H

#include "conv_private.h"

extern const struct conv_format convp_format_sdmx;
extern const struct conv_format convp_format_sdmx_csv;
extern const struct conv_format convp_format_sdmx_json;
extern const struct convp_reader_ops convp_sdmx_ml_reader_ops;
extern const struct convp_reader_ops convp_sdmx_csv_reader_ops;
extern const struct convp_reader_ops convp_sdmx_json_reader_ops;
extern const struct convp_writer_ops convp_sdmx_ml_writer_ops;
extern const struct convp_writer_ops convp_sdmx_csv_writer_ops;
extern const struct convp_writer_ops convp_sdmx_json_writer_ops;

/* Namespaces of SDMX-ML. */
#define SDMX_NS_PREFIX "http://www.sdmx.org/resources/sdmxml/schemas/"
#define SDMX_NS_MESSAGE21 SDMX_NS_PREFIX "v2_1/message"
#define SDMX_NS_COMMON21 SDMX_NS_PREFIX "v2_1/common"
#define SDMX_NS_SS21 SDMX_NS_PREFIX "v2_1/data/structurespecific"
#define SDMX_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

/* Bounds on hostile input. */
#define SDMX_MAX_VALUE ((size_t)1 << 20)  /* one value's text */
#define SDMX_MAX_COMPONENTS 10000         /* distinct component names */
#define SDMX_MAX_GROUPS 1000000           /* group entries held */
#define SDMX_MAX_DIAGS 1000               /* findings reported one by one */

/* Give a buffer its first bytes: its data is then never NULL, so that
 * offsets into it (of empty texts too) are well defined.  0, or -1 when
 * out of memory. */
static inline int sdmx_buf_ready(struct convp_buf *b)
{
    return convp_buf_cstr(b) ? 0 : -1;
}

/* ---- the structure ---------------------------------------------------------- */

enum sdmx_role {
    SDMX_ROLE_UNKNOWN = 0, /* a dimension or an attribute: the message does not say */
    SDMX_ROLE_DIM,
    SDMX_ROLE_TIME, /* the time dimension */
    SDMX_ROLE_MEASURE,
    SDMX_ROLE_ATTR
};

/* Where a value is given, and where an attribute is attached. */
enum sdmx_level {
    SDMX_LV_DATASET = 0,
    SDMX_LV_GROUP,
    SDMX_LV_SERIES,
    SDMX_LV_OBS,
    SDMX_NLEVELS
};

struct sdmx_codelist {
    char *agency, *id, *version;
    int external; /* isExternalReference: the codes are elsewhere */
    int partial;
    struct conv_schema *codes; /* a set of code ids */
};

struct sdmx_comp {
    char *id;
    enum sdmx_role role;
    int mandatory; /* attributes: assignmentStatus="Mandatory" (usage in 3.0) */
    enum sdmx_level level; /* attributes: where the structure attaches them */
    char *group;           /* attributes attached to a group: its id */
    long codelist;         /* index into the structure's code lists, or -1 */
    char *enum_ref;        /* the enumeration named, "AGENCY:ID(VERSION)", or NULL */
};

struct sdmx_group {
    char *id;
    size_t *dims; /* component indexes */
    size_t ndims;
};

struct sdmx_struct {
    char *agency, *id, *version; /* the data structure definition */
    char *flow;                  /* "AGENCY:ID(VERSION)" of a dataflow using it, or NULL */
    struct sdmx_comp *comps;     /* dimensions (key order), time, measures, attributes */
    size_t n;
    long time; /* the time dimension, or -1 */
    struct sdmx_group *groups;
    size_t ngroups;
};

struct sdmx_dsd {
    struct conv_context *ctx;
    struct sdmx_struct *structs; /* every DataStructure of the message */
    size_t nstructs;
    struct sdmx_codelist *cls;
    size_t ncls;
    char *path;
};

/* Read an SDMX-ML 2.1 (or 3.0) structure message with the hardened XML
 * parser; nothing is fetched.  NULL with *err set. */
struct sdmx_dsd *sdmx_dsd_load(struct conv_context *ctx, const char *path,
                               struct conv_error *err);
void sdmx_dsd_free(struct sdmx_dsd *d);
/* The structure for a reference (agency, id, version; any may be NULL or
 * empty), else the first one. */
const struct sdmx_struct *sdmx_dsd_pick(const struct sdmx_dsd *d, const char *agency,
                                        const char *id, const char *version);
long sdmx_struct_find(const struct sdmx_struct *s, const char *id, size_t len);
/* 1 when the code is in the component's code list, or the list is
 * unknown, external or partial; 0 when it is not. */
int sdmx_dsd_code_ok(const struct sdmx_dsd *d, const struct sdmx_comp *c, const char *code,
                     size_t len);

/* ---- the indicator mapping ------------------------------------------------------ */

struct sdmx_map {
    struct conv_context *ctx;
    char **field; /* indicator field name ... */
    char **id;    /* ... and its SDMX component */
    size_t n;
    char **set_id; /* --sdmx-set constants */
    char **set_val;
    size_t nset;
};

/* The defaults, overridden by --sdmx-map and with the --sdmx-set
 * constants; CONV_ERR with *err (CONV_E_USAGE) on a bad option. */
int sdmx_map_init(struct sdmx_map *m, struct conv_context *ctx, const struct conv_options *o,
                  struct conv_error *err);
void sdmx_map_fini(struct sdmx_map *m);
/* The component of an indicator field, or NULL. */
const char *sdmx_map_to_sdmx(const struct sdmx_map *m, const char *field, size_t len);
/* The indicator field of a component, or NULL. */
const char *sdmx_map_to_field(const struct sdmx_map *m, const char *id, size_t len);
/* The constant given for a component, or NULL. */
const char *sdmx_map_const(const struct sdmx_map *m, const char *id, size_t len);
/* Status words and codes: official A, preliminary P, estimate E; NULL
 * for another value. */
const char *sdmx_status_to_code(const char *s, size_t len);
const char *sdmx_status_from_code(const char *s, size_t len);
/* The FREQ code of a period's shape (2021 A, 2021-Q3 Q, 2021-S1 and
 * 2021-H1 S, 2021-06 and 2021-M06 M, 2021-W05 W, 2021-06-30 D), or NULL. */
const char *sdmx_freq_of_period(const char *p, size_t n);

/* ---- values -------------------------------------------------------------------- */

/* What a measure's text is. */
enum sdmx_vkind {
    SDMX_V_NUMBER, /* a JSON number: typed integer or decimal */
    SDMX_V_MISSING, /* "", NaN, #N/A, null: a null */
    SDMX_V_SPECIAL, /* a valid xs:double that is not a plain decimal (INF, +1, .5) */
    SDMX_V_DIRTY    /* anything else: kept as text, reported */
};
enum sdmx_vkind sdmx_classify(const char *s, size_t n, enum conv_type *type);
/* A component id: [A-Za-z0-9_@$-]+ (what IDType allows). */
int sdmx_is_id(const char *s, size_t n);

/* ---- the record assembler --------------------------------------------------------- */

/* A component known to the reader: its name, role and field. */
struct sdmx_cinfo {
    char *name;
    size_t len;
    enum sdmx_role role;
    long comp;   /* index in the structure, or -1 */
    long field;  /* index in rd->fields once given out, -1 before; -2: dropped */
    const char *rename; /* the profile field it becomes (static or map-owned), or NULL */
    int is_status;      /* the profile's status: codes become words */
    int is_freq;        /* FREQ, dropped when the period gives it */
    const char *konst;  /* dropped when equal to this constant */
    int is_period;      /* the time dimension (for FREQ) */
};

struct sdmx_kv {
    uint32_t cid;
    uint32_t col;
    uint64_t line;
    size_t off, len; /* in the level's text */
    unsigned char null;
};

struct sdmx_level_vals {
    struct sdmx_kv *v;
    size_t n, cap;
    struct convp_buf text;
};

struct sdmx_grp {
    size_t first, nkey, nattr; /* kvs in the store: key then attributes */
    size_t sig;                /* its signature (key components), or -1 until resolved */
    size_t next;               /* next entry with the same hash, or SIZE_MAX */
    char *type;                /* group id, or NULL */
    int explicit_key;          /* the message said which are the key (generic, JSON) */
};

struct sdmx_sig {
    uint32_t *cids;
    size_t n;
};

/* A queued record: its values in the queue's arrays. */
struct sdmx_qrec {
    size_t first, n;
    uint64_t line;
};
struct sdmx_qval {
    uint32_t field;
    uint32_t col;
    uint64_t line;
    size_t off, len;
    enum conv_type type;
};

struct sdmx_rd {
    struct conv_reader *rd;
    struct conv_context *ctx;
    struct sdmx_dsd *dsd;           /* --dsd */
    const struct sdmx_struct *st;   /* the structure in use */
    struct sdmx_map map;
    int map_on;     /* mapping to the indicator profile */
    int declared;   /* the profile is the declared schema: unmapped components are errors */
    int strict;
    const char *lang; /* multilingual values: this language first */
    struct sdmx_cinfo *c;
    size_t nc, capc;
    struct conv_schema *cnames; /* component name -> cid */
    struct sdmx_level_vals lv[SDMX_NLEVELS];
    /* groups */
    struct sdmx_kv *gkv;
    size_t ngkv, capgkv;
    struct convp_buf gtext;
    struct sdmx_grp *grp;
    size_t ngrp, capgrp;
    struct sdmx_sig *sigs;
    size_t nsigs;
    size_t *ghash; /* open table of group heads, SIZE_MAX empty */
    size_t ghash_mask;
    int groups_ready;
    /* one observation, gathered */
    struct sdmx_kv *obs;
    size_t nobs, capobs;
    uint64_t *cstamp; /* per cid: the observation that last gave it */
    size_t capcstamp;
    uint64_t *fstamp; /* per field: the same, after renaming */
    size_t capfstamp;
    long period_cid; /* the time dimension, for FREQ */
    const void *profile; /* the profile mapped to (struct convp_profile), or NULL */
    uint64_t serial;
    struct convp_buf key; /* scratch */
    /* the queue */
    struct sdmx_qrec *q;
    size_t qhead, qtail, capq;
    struct sdmx_qval *qv;
    size_t nqv, capqv;
    struct convp_buf qtext;
    /* counts and findings */
    uint64_t nseries, nobs_total, ndirty, ndiag;
    char dirty_first[160];
    struct conv_schema *seen_diag; /* findings already reported */
    struct conv_error err; /* a failure inside a parser callback */
    int failed;
};

/* Set up from the options (dsd, strict, sdmx-lang, the profile and the
 * mapping); CONV_ERR with rd->err set. */
int sdmx_rd_init(struct sdmx_rd *a, struct conv_reader *rd);
void sdmx_rd_fini(struct sdmx_rd *a);
/* Choose the structure named by the message (agency, id, version may be
 * NULL) and declare its components as the fields, in its order. */
int sdmx_rd_use_struct(struct sdmx_rd *a, const char *agency, const char *id,
                       const char *version);
/* The component id of a name (added on first use, with the role the
 * reader knows when the structure does not say): >= 0, or -1 failed. */
long sdmx_rd_cid(struct sdmx_rd *a, const char *name, size_t len, enum sdmx_role role);
/* Give a field number now, in this order (readers that know the order
 * before the first record: SDMX-CSV columns, SDMX-JSON components). */
int sdmx_rd_declare(struct sdmx_rd *a, long cid);
/* A value at a level; text copied.  null: a missing value.  0 or -1. */
int sdmx_rd_put(struct sdmx_rd *a, enum sdmx_level lv, long cid, const char *text, size_t len,
                int null, uint64_t line, uint32_t col);
void sdmx_rd_clear(struct sdmx_rd *a, enum sdmx_level lv);
/* A group: key values (when known) and attribute values, each an array
 * of cids and texts.  With explicit_key 0 the store finds the key from
 * the structure, or from the names the series carry. */
int sdmx_rd_group_begin(struct sdmx_rd *a, const char *type, size_t tlen, int explicit_key);
int sdmx_rd_group_put(struct sdmx_rd *a, long cid, const char *text, size_t len, int is_key);
/* Forget the groups (a new data set). */
void sdmx_rd_groups_reset(struct sdmx_rd *a);
/* The observation made of the levels' values goes to the queue: 0, or -1
 * with the reader failed (a strict finding, a limit, no memory). */
int sdmx_rd_emit(struct sdmx_rd *a, uint64_t line);
/* Hand the next queued record to rec: CONV_OK, or CONV_EOF when empty. */
int sdmx_rd_pop(struct sdmx_rd *a, struct conv_record *rec);
int sdmx_rd_queued(const struct sdmx_rd *a);
/* Report a finding (a diagnostic, or the error under --strict): 0, -1
 * when it stops the reading. */
int sdmx_rd_finding(struct sdmx_rd *a, enum conv_errcode code, uint64_t line, uint64_t col,
                    const char *field, const char *fmt, ...) CONVP_PRINTF(6, 7);
/* Fail with an error (first wins). */
void sdmx_rd_fail(struct sdmx_rd *a, enum conv_errcode code, uint64_t line, uint64_t col,
                  const char *fmt, ...) CONVP_PRINTF(5, 6);
/* The counts as reader info, once the input is read. */
int sdmx_rd_info_end(struct sdmx_rd *a);

/* ---- the writers' common part ---------------------------------------------------- */

/* One output column: a component and where its value comes from. */
struct sdmx_ocol {
    char *name;
    long src;          /* header column, or -1 */
    const char *konst; /* a constant, or NULL */
    int freq;          /* FREQ from the period */
    int status;        /* status words become codes */
    enum sdmx_role role;
    enum sdmx_level level; /* attributes */
    long comp;             /* in the structure, or -1 */
};

struct sdmx_wr {
    struct conv_writer *w;
    struct conv_context *ctx;
    struct sdmx_dsd *dsd;
    const struct sdmx_struct *st;
    struct sdmx_map map;
    int strict;
    struct sdmx_ocol *col;
    size_t ncol;
    long period_col; /* the output column of the time dimension, or -1 */
    const struct conv_value **vals; /* one record's values by output column */
    struct conv_value *own;         /* values made here (FREQ, status, NaN) */
    char *flow;       /* "AGENCY:ID(VERSION)" of the dataflow or structure */
    int flow_is_dsd;  /* flow names a data structure, not a dataflow */
    char *flow_agency, *flow_id, *flow_version;
    char prepared[40];
    char msg_id[64];
    const char *sender;
    uint64_t ndiag;
};

int sdmx_wr_open(struct sdmx_wr *s, struct conv_writer *w, int need_dsd);
/* The output columns from the header fields: CONV_ERR with w->err set
 * when a field is no component of the structure. */
int sdmx_wr_begin(struct sdmx_wr *s, const struct conv_schema *fields);
/* One record's values by output column (s->vals), checked: measures
 * plain decimals (a Vietnamese number is an error, dirty text a finding),
 * a null measure NaN.  CONV_ERR with w->err set. */
int sdmx_wr_values(struct sdmx_wr *s, const struct conv_record *rec);
void sdmx_wr_close(struct sdmx_wr *s);

/*
 * Records in any order, given back grouped by series (SDMX-ML and
 * SDMX-JSON output): each record's values go to an unnamed temporary
 * spool, its series key and spool offset to the external sort; a first
 * sort by key finds where each series first appears, a second orders by
 * that and by arrival.  So the series come back in the order they first
 * appeared, a series' records in the order they came, and input already
 * grouped by series comes back as it was; memory stays within the sorts'
 * budgets.  Values of data set attributes are kept aside (one value each,
 * two are an error), and a series attribute must keep its value within a
 * series.
 */
struct convp_sorter;
struct sdmx_spool {
    struct convp_sorter *sort;  /* by series key */
    struct convp_sorter *sort2; /* by first appearance of the series, then arrival */
    uint64_t seq;
    const unsigned char *keymask;
    int fd;
    uint64_t spooled;
    struct convp_buf out, key, rec;
    unsigned char *win;
    uint64_t win_off;
    size_t win_len;
    /* the record read back: its values by output column */
    const unsigned char **vt;
    size_t *vl;
    int new_series;
    struct convp_buf cur_key, cur_attr;
    size_t *aoff, *alen;
    /* data set attributes */
    size_t *ds_off, *ds_len; /* SIZE_MAX: none yet */
    struct convp_buf ds_text;
};
/* key[i]: column i is part of the series key. */
int sdmx_spool_open(struct sdmx_spool *sp, struct sdmx_wr *s);
int sdmx_spool_add(struct sdmx_spool *sp, struct sdmx_wr *s, const unsigned char *key,
                   const struct conv_record *rec);
int sdmx_spool_finish(struct sdmx_spool *sp, struct sdmx_wr *s);
/* The next record: 1 (sp->vt, vl, key_at, new_series set), 0 at the end,
 * -1 failed.  series_attr[i]: column i must not vary within a series. */
int sdmx_spool_next(struct sdmx_spool *sp, struct sdmx_wr *s, const unsigned char *series_attr);
void sdmx_spool_close(struct sdmx_spool *sp, struct sdmx_wr *s);

#endif /* CONV_SDMX_PRIVATE_H */
