/*
 * Reading documents in the tests, and the case folders that drive the
 * readers' tables: options from name=value strings, a reader on memory or
 * trickled (sources.h), the two dumps of records that expected results are
 * written in, and one cmocka test per folder of tests/data/<fmt>/<kind>/.
 */
#ifndef CONV_TESTS_CASES_H
#define CONV_TESTS_CASES_H

#include "testutil.h"
#include "sources.h"

/* Set each "name=value" of list (a bare "name" means "1"); list is
 * NULL-terminated and may be NULL. */
void tu_options_add(struct conv_options *o, const char *const *list);

/* The error as one line, "source:line:col: message"; malloc'd. */
char *tu_error_line(const struct conv_error *err);

/* A reader on data named name: from memory, or, with t, through
 * tu_trickle_read over t (its data, len and pos are set here; the way it
 * cuts is the caller's). */
struct conv_reader *tu_reader_open(struct conv_context *ctx, const void *data, size_t len,
                                   const char *name, const struct conv_options *o,
                                   struct tu_trickle *t, struct conv_error *err);

/*
 * The text readers' dump, one line per record: "@LINE", then
 * "\tname:type=text" per value, with \ TAB LF CR written \\ \t \n \r and
 * other control bytes \xNN.  Each value must be as long as it says, carry
 * no flags and be in the canonical text of its type.
 */
void tu_dump_record(struct tu_sbuf *b, const struct conv_record *rec);

/*
 * Every record of rd in tu_dump_record() lines: the text (malloc'd), or
 * NULL with *err at the first error (rd NULL: the open failed, *err says
 * why).  A failed reader must stay failed, an ended one ended.
 */
char *tu_dump_reader(struct conv_reader *rd, struct conv_error *err);

/* Read a whole document in a context of its own, from memory or (trickle)
 * through tu_trickle_read in pieces of 1..7 bytes: as tu_dump_reader(). */
char *tu_read_dump(const void *data, size_t len, const char *name, const struct conv_options *o,
                   int trickle, struct conv_error *err);

/* How a reading ended: the records read, the last status, the error. */
struct tu_outcome {
    unsigned records;
    int rc;
    struct conv_error err;
};

/*
 * Read doc (named name, with the "name=value" options opts) trickled, in a
 * context whose allocator fails its 1st, 2nd, ... allocation, until a run
 * in which none failed; its outcome goes to *last.  Every run must free
 * all it allocated, and each with a failed allocation end in
 * CONV_E_NOMEM (or in the error code also).  Returns that last run's
 * number: the allocations made plus one.
 */
long tu_alloc_sweep(const void *doc, size_t len, const char *name, const char *const *opts,
                    enum conv_errcode also, struct tu_outcome *last);

/*
 * The spreadsheet readers' dump: "#" and the field names joined by '|',
 * then one line per record, "name=code:text" per value joined by '|'
 * (codes null str int dec bool date dt; a null has no ":text"), each value
 * canonical and found again by its name.  On an error (rd NULL when the
 * open failed) the whole result is "ERR code line:col message".  *err gets
 * the error, if any; malloc'd.
 */
char *tu_dump_sheet(struct conv_reader *rd, struct conv_error *err);

/* How tu_read_sheet() reads a workbook. */
struct tu_sheet_read {
    const char *path;   /* the file, or else: */
    const void *data;   /* the bytes in memory, */
    size_t len;         /* as many, */
    const char *name;   /* named so, */
    int trickle;        /* through a callback in 777-byte pieces if set */
    const char *from;   /* the "from" option, if set */
    const char *format; /* the format the reader must choose, if set */
};

/* A workbook read whole with the "name=value" options opts, in a context
 * of its own: its tu_dump_sheet() text. */
char *tu_read_sheet(const struct tu_sheet_read *how, const char *const *opts);

/* ---- case folders ------------------------------------------------------------ */

/* What a case's test gets as its state. */
struct tu_case {
    char *dir;        /* the folder */
    const char *name; /* its last component: the test's name */
    const void *arg;  /* as given to tu_cases_add() */
};

/* A list of case tests under construction.  setup and teardown, when set,
 * are the fixtures of every case added after (they see the struct tu_case
 * as the state and may replace it). */
struct tu_cases {
    int (*setup)(void **state);
    int (*teardown)(void **state);
    struct tu_case **cases;
    struct CMUnitTest *tests;
    size_t n;
};

/* One test per folder below rel (e.g. "tests/data/csv/valid", under
 * $CONV_SRC or the source tree), in name order, each running fn.  Exits
 * when rel is not a folder.  Returns the number added. */
size_t tu_cases_add(struct tu_cases *c, const char *rel, void (*fn)(void **state), const void *arg);

/* Run the cases as one cmocka group and free them; the number failed. */
int tu_cases_run(struct tu_cases *c, const char *group);

/* The one "input.*" file of a case folder, malloc'd. */
char *tu_case_input(const char *dir);

/*
 * A reader's case folders: each holds input.<ext> (read with "from" set to
 * <ext>), an optional "options" file (name=value lines, set over these
 * options), and expected.txt (valid: the tu_dump_record() lines) or
 * "error" (invalid: the error line, tu_error_line()).  The arg of
 * tu_reader_case_valid / _invalid.
 */
struct tu_reader_cases {
    const char *const *options; /* for every case, before its own; may be NULL */
    int trickle;                /* each case read again through tu_trickle_read */
};

void tu_reader_case_valid(void **state);
void tu_reader_case_invalid(void **state);

#endif
