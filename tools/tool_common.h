/*
 * Pieces every libconv tool shares: option lookup in the format tables,
 * exit codes, one-line error messages and the terminal progress line.
 * Tools use the public header only.
 */
#ifndef CONV_TOOL_COMMON_H
#define CONV_TOOL_COMMON_H

#include <conv/conv.h>
#include <stdio.h>

/* Exit codes shared by the tools (documented in --help and the README). */
enum {
    TOOL_EXIT_OK = 0,
    TOOL_EXIT_DATA = 1,  /* bad input data */
    TOOL_EXIT_USAGE = 2, /* wrong usage */
    TOOL_EXIT_IO = 3,    /* I/O or system error */
    TOOL_EXIT_INTERRUPTED = 130
};

/* Exit code for a library error. */
int tool_exit_code(const struct conv_error *err);
/* Print "prog: source:line:col: message" on stderr. */
void tool_print_error(const char *prog, const struct conv_error *err);
/* Print "prog: message" and a hint to use --help; returns TOOL_EXIT_USAGE. */
int tool_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Handle argv[*i] if it is an option of the core or of a format
 * ("--name", "--name=value" or "--name value").  Returns 1 if handled,
 * 0 if not an option of theirs, -1 on a usage error (printed).
 */
int tool_format_option(const char *prog, int argc, char **argv, int *i,
                       struct conv_options *opts);
/* Print every core and format option, grouped, for --help. */
void tool_print_format_options(FILE *f);
/* Print the "Formats:" section of --help: each format of the registry
 * with its extensions, what it can do and its description. */
void tool_print_formats(FILE *f);

/* Progress on stderr when it is a terminal (or forced); Ctrl-C cancels. */
struct tool_progress {
    const char *prog;
    int enabled;
    double start;
    double last;
    int shown;
};
void tool_progress_init(struct tool_progress *p, const char *prog, int mode);
int tool_progress_cb(void *user, uint64_t done, uint64_t total, uint64_t records);
void tool_progress_end(struct tool_progress *p);
/* Diagnostic callback (user: a struct tool_progress): one line per finding
 * on stderr, clearing the progress line first. */
void tool_diag_cb(void *user, const struct conv_error *diag);
/* Install SIGINT/SIGTERM handlers that request cancellation. */
void tool_catch_signals(void);
int tool_interrupted(void);

/*
 * A report written whole or not at all, through the library's
 * conv_output (a temporary file beside path, renamed when finished; "-":
 * standard output): print to ->f, then tool_output_close() with commit 1
 * to put it in place or 0 to discard it.  Open gives NULL and close -1
 * with err set (may be NULL).
 */
struct tool_output {
    FILE *f;
    struct conv_context *ctx;
    struct conv_output *out;
};
struct tool_output *tool_output_open(const char *path, struct conv_error *err);
int tool_output_close(struct tool_output *o, int commit, struct conv_error *err);
/* A JSON string literal of s (UTF-8 passed through), to f. */
void tool_json_string(FILE *f, const char *s);
/* The same, each piece of the quoted, escaped text given to put. */
void tool_json_escape(const char *s, void (*put)(void *user, const char *p, size_t n),
                      void *user);

/*
 * A checker's finding as conv-check prints it: the text line
 * "file:line: severity: rule: record N (field): message\n" (file:Sheet!G5
 * for workbooks), or the JSON object of its reports (no newline), with
 * "merged_record" for a finding of a merge.
 */
void tool_finding_text(FILE *f, const struct conv_finding *x);
void tool_finding_json(FILE *f, const struct conv_finding *x);
/* conv-check's JSON report, which conv-serve's /v1/check gives too: its
 * head (the profile or the schema, then the findings' list opened), each
 * finding (first: set until the first is written), then the files' list
 * (names[k] NULL: left out; each file's status "clean", "warnings",
 * "errors" or "failed" with its error line) and the totals.  The closing
 * brace is the caller's, after any member of its own. */
void tool_check_report_head(FILE *f, const char *schema, const char *profile);
void tool_check_report_finding(FILE *f, const struct conv_finding *x, int *first);
void tool_check_report_files(FILE *f, const char *const *names, size_t n,
                             const struct conv_check_counts *per, const struct conv_error *errs);

#endif
