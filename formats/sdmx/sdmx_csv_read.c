/*
 * SDMX-CSV data messages through the shared row reader (formats/csvrow/):
 * 1.0 (DATAFLOW first, the delimiter is the character after it) and 2.0
 * (STRUCTURE or STRUCTURE[;] first, then STRUCTURE_ID, optionally
 * STRUCTURE_NAME, ACTION, SERIES_KEY and OBS_KEY; components in any
 * order, multi-valued ATTR[] and multilingual ATTR[en;fr] columns, "ID:
 * Name" headers).  One record per row, its components named by their ids;
 * the structure columns are the message's, told by conv_reader_info.
 */
#include "sdmx_private.h"
#include "csvrow.h"

enum col_kind { COL_COMPONENT, COL_STRUCTURE, COL_STRUCTURE_ID, COL_SKIP };

struct cr {
    struct convp_csvr t; /* the rows */
    struct sdmx_rd a;
    struct conv_reader *rd;
    int version; /* 1 or 2 */
    enum col_kind *kind;
    long *cid;
    size_t ncols;
    struct conv_record row;
    int has_row; /* the first data row, read by open() */
};

static int cr_fail_from(struct cr *r)
{
    if (r->rd->err.code == CONV_E_NONE)
        r->rd->err = r->a.err;
    return CONV_ERR;
}

/* The id of a header cell: "ID", "ID[]", "ID[en;fr]", "ID: Name". */
static size_t header_id(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] != '[' && s[k] != ':')
        k++;
    return k;
}

static int take_header(struct cr *r, const struct conv_record *h)
{
    struct conv_reader *rd = r->rd;
    r->ncols = h->n;
    r->kind = convp_calloc(rd->ctx, h->n ? h->n : 1, sizeof *r->kind);
    r->cid = convp_calloc(rd->ctx, h->n ? h->n : 1, sizeof *r->cid);
    if (!r->kind || !r->cid)
        return convp_csvr_nomem(&r->t);
    for (size_t i = 0; i < h->n; i++) {
        const struct convp_slot *s = &h->slots[i];
        const char *t = s->value.text;
        size_t n = header_id(t, s->value.len);
        r->cid[i] = -1;
        if (i == 0) {
            r->kind[i] = COL_STRUCTURE;
            continue;
        }
        if (r->version == 2 && n == 12 && !memcmp(t, "STRUCTURE_ID", 12)) {
            r->kind[i] = COL_STRUCTURE_ID;
            continue;
        }
        if (r->version == 2 && ((n == 14 && !memcmp(t, "STRUCTURE_NAME", 14)) ||
                                (n == 6 && !memcmp(t, "ACTION", 6)) ||
                                (n == 10 && !memcmp(t, "SERIES_KEY", 10)) ||
                                (n == 7 && !memcmp(t, "OBS_KEY", 7)))) {
            r->kind[i] = COL_SKIP;
            continue;
        }
        if (!sdmx_is_id(t, n)) {
            /* A custom column ("LAST UPDATE") or a label column
             * (labels=name): a field of its own, unless a structure says
             * which the fields are. */
            if (r->a.dsd) {
                r->kind[i] = COL_SKIP;
                continue;
            }
            n = s->value.len;
        }
        for (size_t j = 1; j < i; j++)
            if (r->kind[j] == COL_COMPONENT && strlen(r->a.c[r->cid[j]].name) == n &&
                !memcmp(r->a.c[r->cid[j]].name, t, n))
                return convp_csvr_fail(&r->t, CONV_E_STRUCTURE, s->line, s->column, 0,
                                       "component '%.*s' in two columns", (int)n, t);
        r->kind[i] = COL_COMPONENT;
        r->cid[i] = sdmx_rd_cid(&r->a, t, n, SDMX_ROLE_UNKNOWN);
        if (r->cid[i] < 0)
            return cr_fail_from(r);
    }
    return CONV_OK;
}

/* The structure a row names: "AGENCY:ID(VERSION)" (2.0 may leave out the
 * version, 1.0 too in practice); parts point into a copy. */
static void split_flow(char *s, char **agency, char **id, char **version)
{
    *agency = *version = NULL;
    *id = s;
    char *colon = strchr(s, ':');
    if (colon) {
        *colon = '\0';
        *agency = s;
        *id = colon + 1;
    }
    char *open = strchr(*id, '(');
    if (open) {
        *open = '\0';
        *version = open + 1;
        char *close = strchr(*version, ')');
        if (close)
            *close = '\0';
    }
}

static int tell_structure(struct cr *r, const struct conv_record *row)
{
    struct conv_reader *rd = r->rd;
    const char *type = "dataflow", *ref = NULL;
    size_t rn = 0;
    for (size_t i = 0; i < row->n && i < r->ncols; i++) {
        const struct convp_slot *s = &row->slots[i];
        if (r->version == 1 && r->kind[i] == COL_STRUCTURE) {
            ref = s->value.text;
            rn = s->value.len;
        } else if (r->version == 2 && r->kind[i] == COL_STRUCTURE && s->value.len) {
            type = s->value.text;
        } else if (r->kind[i] == COL_STRUCTURE_ID) {
            ref = s->value.text;
            rn = s->value.len;
        }
    }
    int rc = convp_reader_set_info(rd, "sdmx-message",
                                   r->version == 1 ? "SDMX-CSV 1.0" : "SDMX-CSV 2.0");
    char *copy = NULL;
    if (ref && rn) {
        /* labels=both: "ESTAT:NA_MAIN(1.6.0): National Accounts" */
        const char *close = memchr(ref, ')', rn);
        if (close && (size_t)(close - ref) + 1 < rn)
            rn = (size_t)(close - ref) + 1;
        copy = convp_strndup(rd->ctx, ref, rn);
        if (!copy)
            return convp_csvr_nomem(&r->t);
        int flow = strcmp(type, "datastructure") != 0;
        rc |= convp_reader_set_info(rd, flow ? "sdmx-dataflow" : "sdmx-structure", copy);
        char urn[600];
        snprintf(urn, sizeof urn, "urn:sdmx:org.sdmx.infomodel.datastructure.%s=%s",
                 flow ? "Dataflow" : "DataStructure", copy);
        convp_free(rd->ctx, rd->fields->source);
        rd->fields->source = convp_strdup(rd->ctx, urn);
        if (!rd->fields->source)
            rc = -1;
    }
    if (rc) {
        convp_free(rd->ctx, copy);
        return convp_csvr_nomem(&r->t);
    }
    char *agency = NULL, *id = NULL, *version = NULL;
    if (copy)
        split_flow(copy, &agency, &id, &version);
    /* A dataflow's structure is its own (the --dsd names its dataflow or
     * has one structure); a data structure is picked by its id. */
    rc = sdmx_rd_use_struct(&r->a, agency, id, version);
    convp_free(rd->ctx, copy);
    if (rc != 0)
        return cr_fail_from(r);
    if (r->a.st && r->a.st->flow)
        convp_reader_set_info(rd, "sdmx-dataflow", r->a.st->flow);
    for (size_t i = 0; i < r->ncols; i++)
        if (r->kind[i] == COL_COMPONENT && sdmx_rd_declare(&r->a, r->cid[i]) != 0)
            return cr_fail_from(r);
    return CONV_OK;
}

static int cr_open(struct conv_reader *rd)
{
    struct cr *r = convp_calloc(rd->ctx, 1, sizeof *r);
    if (!r) {
        convp_error_set(&rd->err, CONV_E_NOMEM, rd->source, 0, 0, "out of memory");
        return CONV_ERR;
    }
    rd->drv = r;
    r->rd = rd;
    r->t.rd = rd;
    convp_record_init(&r->row, rd->ctx, rd->fields);
    if (sdmx_rd_init(&r->a, rd) != CONV_OK)
        return CONV_ERR;
    size_t n;
    const unsigned char *p = convp_input_peek(rd->in, &n);
    size_t i = n && p[0] == '"';
    unsigned char delim = ',';
    if (n - i >= 8 && !memcmp(p + i, "DATAFLOW", 8)) {
        r->version = 1;
        i += 8;
    } else if (n - i >= 9 && !memcmp(p + i, "STRUCTURE", 9)) {
        r->version = 2;
        i += 9;
        if (i < n && p[i] == '[') {
            while (i < n && p[i] != ']')
                i++;
            i++;
        }
    } else {
        convp_error_set(&rd->err, CONV_E_FORMAT, rd->source, 1, 1,
                        "not SDMX-CSV: the first column is not DATAFLOW or STRUCTURE");
        return CONV_ERR;
    }
    if (i < n && p[0] == '"' && p[i] == '"')
        i++;
    if (i < n && p[i] != '\r' && p[i] != '\n' && p[i] != '"')
        delim = p[i];
    char dname[8] = {(char)delim, 0};
    if (convp_reader_set_info(rd, "delimiter", delim == '\t' ? "tab" : dname) != 0)
        return CONV_ERR;
    if (convp_csvr_init(&r->t, rd, delim) != CONV_OK)
        return CONV_ERR;
    struct conv_record head;
    convp_record_init(&head, rd->ctx, rd->fields);
    int rc = convp_csvr_row(&r->t, &head);
    if (rc == CONV_OK)
        rc = take_header(r, &head);
    convp_record_fini(&head);
    if (rc != CONV_OK)
        return rc == CONV_EOF ? CONV_OK : CONV_ERR;
    r->t.width = r->ncols;
    rc = convp_csvr_row(&r->t, &r->row);
    if (rc == CONV_ERR)
        return CONV_ERR;
    r->has_row = rc == CONV_OK;
    return tell_structure(r, &r->row);
}

static int cr_next(struct conv_reader *rd, struct conv_record *rec)
{
    struct cr *r = rd->drv;
    if (r->t.failed)
        return CONV_ERR;
    if (!r->ncols)
        return CONV_EOF;
    int rc = sdmx_rd_pop(&r->a, rec); /* empties the queue of the last row */
    if (rc != CONV_EOF)
        return rc;
    if (!r->has_row) {
        convp_record_clear(&r->row);
        rc = convp_csvr_row(&r->t, &r->row);
        if (rc == CONV_EOF) {
            if (sdmx_rd_info_end(&r->a) != 0)
                return CONV_ERR;
            return CONV_EOF;
        }
        if (rc != CONV_OK)
            return CONV_ERR;
    }
    r->has_row = 0;
    sdmx_rd_clear(&r->a, SDMX_LV_OBS);
    for (size_t i = 0; i < r->row.n && i < r->ncols; i++) {
        if (r->kind[i] != COL_COMPONENT)
            continue;
        const struct convp_slot *s = &r->row.slots[i];
        if (sdmx_rd_put(&r->a, SDMX_LV_OBS, r->cid[i], s->value.text, s->value.len,
                        s->value.type == CONV_NULL, s->line, s->column) != 0)
            return cr_fail_from(r);
    }
    if (sdmx_rd_emit(&r->a, r->row.line) != 0)
        return cr_fail_from(r);
    return sdmx_rd_pop(&r->a, rec);
}

static void cr_close(struct conv_reader *rd)
{
    struct cr *r = rd->drv;
    if (!r)
        return;
    convp_record_fini(&r->row);
    convp_csvr_fini(&r->t);
    convp_free(rd->ctx, r->kind);
    convp_free(rd->ctx, r->cid);
    sdmx_rd_fini(&r->a);
    convp_free(rd->ctx, r);
    rd->drv = NULL;
}

const struct convp_reader_ops convp_sdmx_csv_reader_ops = {
    .open = cr_open,
    .next = cr_next,
    .close = cr_close,
};
