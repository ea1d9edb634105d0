/*
 * libconv: convert statistical indicator records between CSV, JSON and
 * other formats, one record at a time.  This is the only public header.
 *
 * Records flow reader -> record -> writer.  The library never prints, never
 * exits and keeps no global state: everything lives on a conv_context and
 * the handles made from it.  Separate handles may be used from separate
 * threads; one handle must not be used by two threads at once.
 */
#ifndef CONV_CONV_H
#define CONV_CONV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CONV_BUILDING) && defined(__GNUC__)
#define CONV_API __attribute__((visibility("default")))
#else
#define CONV_API
#endif

/** Library version, semantic. */
#define CONV_VERSION_MAJOR 0
#define CONV_VERSION_MINOR 1
#define CONV_VERSION_PATCH 0
#define CONV_VERSION_STRING "0.1.0"

/** @brief The version string of the library actually loaded. */
CONV_API const char *conv_version(void);

/* ------------------------------------------------------------------------ */
/* Status and errors                                                         */
/* ------------------------------------------------------------------------ */

/** Return value of iterating calls. */
enum conv_status {
    CONV_OK = 0,   /**< a record was produced / the call succeeded */
    CONV_EOF = 1,  /**< no more records */
    CONV_ERR = -1  /**< failure; details in the handle's conv_error */
};

/** What went wrong.  Stable numbers: reports and bindings use them. */
enum conv_errcode {
    CONV_E_NONE = 0,      /**< no error */
    CONV_E_USAGE = 1,     /**< the caller asked for something impossible */
    CONV_E_FORMAT = 2,    /**< unknown or undetectable format */
    CONV_E_SYNTAX = 3,    /**< input is not well-formed for its format */
    CONV_E_ENCODING = 4,  /**< invalid UTF-8, NUL byte, bad byte-order mark */
    CONV_E_TYPE = 5,      /**< a value does not fit its declared type */
    CONV_E_STRUCTURE = 6, /**< ragged row, duplicate or empty name, nesting */
    CONV_E_SCHEMA = 7,    /**< schema file invalid, or a record breaks it */
    CONV_E_LIMIT = 8,     /**< a size or depth limit was exceeded */
    CONV_E_IO = 9,        /**< reading or writing failed */
    CONV_E_NOMEM = 10,    /**< out of memory */
    CONV_E_CANCELED = 11, /**< the progress callback asked to stop */
    CONV_E_UNSUPPORTED = 12 /**< the format cannot do that */
};

/**
 * @brief A positioned error.  Line and column are 1-based (0 = unknown);
 * the column counts characters, not bytes.  The first error set wins.
 */
struct conv_error {
    enum conv_errcode code; /**< what kind of failure */
    uint64_t line;          /**< 1-based line in the source, 0 if unknown */
    uint64_t column;        /**< 1-based character column, 0 if unknown */
    uint64_t offset;        /**< byte offset in the source */
    uint64_t record;        /**< 1-based record number, 0 if none */
    char source[256];       /**< file name, "-" for stdin, or a label */
    char field[128];        /**< field name involved, or "" */
    char message[256];      /**< one line, no trailing period */
};

/** @brief A short static text for an error code. */
CONV_API const char *conv_strerror(enum conv_errcode code);

/**
 * @brief Format an error as one line: `source:line:col: message`.
 * Parts that are unknown are left out.
 * @return the number of bytes that the full text needs (like snprintf).
 */
CONV_API size_t conv_error_format(const struct conv_error *err, char *buf,
                                  size_t size);

/** @brief Reset an error to "no error". */
CONV_API void conv_error_clear(struct conv_error *err);

/* ------------------------------------------------------------------------ */
/* Context: allocator and nothing else                                       */
/* ------------------------------------------------------------------------ */

/** Allocator hooks; every allocation of the library goes through them. */
struct conv_allocator {
    void *(*malloc)(void *user, size_t size);
    void *(*realloc)(void *user, void *ptr, size_t size);
    void (*free)(void *user, void *ptr);
    void *user;
};

struct conv_context;

/**
 * @brief Make a context.
 * @param alloc allocator hooks, copied; NULL for malloc/realloc/free.
 * @return a new context, or NULL when out of memory.
 * Ownership: the caller frees it with conv_context_free() after every
 * handle made from it.
 */
CONV_API struct conv_context *conv_context_new(const struct conv_allocator *alloc);
/** @brief Free a context.  NULL is a no-op. */
CONV_API void conv_context_free(struct conv_context *ctx);

/* ------------------------------------------------------------------------ */
/* Values                                                                    */
/* ------------------------------------------------------------------------ */

/** Value types.  Every value is held as its canonical text. */
enum conv_type {
    CONV_NULL = 0,     /**< no value */
    CONV_STRING = 1,   /**< UTF-8 text (NFC as given) */
    CONV_INTEGER = 2,  /**< -?(0|[1-9][0-9]*), any length */
    CONV_DECIMAL = 3,  /**< a JSON number with a fraction or an exponent,
                            digits exactly as written */
    CONV_BOOLEAN = 4,  /**< "true" or "false" */
    CONV_DATE = 5,     /**< YYYY-MM-DD, a valid calendar date */
    CONV_DATETIME = 6, /**< YYYY-MM-DDTHH:MM:SS[.f][Z|+hh:mm] */
    CONV_ANY = 7       /**< schema fields only: not declared, inferred */
};

/** Value flags. */
#define CONV_VALUE_RAW 0x1u /**< untyped text from a typeless format (CSV);
                                 cleared once the schema is applied */

/**
 * @brief One value: a type and its canonical text.
 * The text is NUL-terminated and borrowed from the record that holds it.
 * A null value has text "" and len 0.
 */
struct conv_value {
    enum conv_type type;
    unsigned flags;
    size_t len;
    const char *text;
};

/** @brief Name of a type ("string", "integer", ...). */
CONV_API const char *conv_type_name(enum conv_type type);
/** @brief Parse a type name; returns -1 when unknown. */
CONV_API int conv_type_parse(const char *name, enum conv_type *out);

/**
 * @brief Check that text is in the canonical form of a type.
 * @return 1 if @p text (of @p len bytes) is a valid @p type, else 0.
 */
CONV_API int conv_text_is(enum conv_type type, const char *text, size_t len);

/**
 * @brief Read an integer value as int64.
 * @return CONV_OK, or CONV_ERR when it is not an integer or does not fit.
 */
CONV_API int conv_value_int64(const struct conv_value *v, int64_t *out);

/* ------------------------------------------------------------------------ */
/* Schema                                                                    */
/* ------------------------------------------------------------------------ */

/** One field of a schema.  Strings are owned by the schema. */
struct conv_field {
    const char *name;     /**< unique, non-empty */
    enum conv_type type;  /**< CONV_ANY when not declared */
    const char *label;    /**< display label (Vietnamese), or NULL */
    const char *label_en; /**< English label, or NULL */
    const char *unit;     /**< unit of measure, or NULL */
    int required;         /**< 1 if a record must carry a non-null value */
};

struct conv_schema;

/** @brief A new empty schema.  Ownership: caller frees. */
CONV_API struct conv_schema *conv_schema_new(struct conv_context *ctx);
/** @brief Free a schema.  NULL is a no-op. */
CONV_API void conv_schema_free(struct conv_schema *schema);
/**
 * @brief Load a schema file (JSON: {"title": .., "fields": [{"name", "type",
 * "label", "label_en", "unit", "required"}]}).
 * @return a new schema or NULL with @p err set (CONV_E_SCHEMA, CONV_E_IO).
 * Ownership: caller frees.
 */
CONV_API struct conv_schema *conv_schema_load(struct conv_context *ctx,
                                              const char *path,
                                              struct conv_error *err);
/**
 * @brief Append a field.  Strings are copied.
 * @return CONV_OK, or CONV_ERR on a duplicate/empty name or no memory.
 */
CONV_API int conv_schema_add(struct conv_schema *schema,
                             const struct conv_field *field);
/** @brief Number of fields. */
CONV_API size_t conv_schema_count(const struct conv_schema *schema);
/** @brief Field @p i (borrowed), or NULL when out of range. */
CONV_API const struct conv_field *conv_schema_field(const struct conv_schema *schema,
                                                    size_t i);
/** @brief Index of a field by name, or -1. */
CONV_API long conv_schema_find(const struct conv_schema *schema,
                               const char *name);
/** @brief The schema's title, or NULL. */
CONV_API const char *conv_schema_title(const struct conv_schema *schema);

/* ------------------------------------------------------------------------ */
/* Records                                                                   */
/* ------------------------------------------------------------------------ */

struct conv_record;

/** @brief Number of values in a record. */
CONV_API size_t conv_record_count(const struct conv_record *rec);
/** @brief Name of value @p i (borrowed), or NULL. */
CONV_API const char *conv_record_name(const struct conv_record *rec, size_t i);
/** @brief Value @p i (borrowed), or NULL. */
CONV_API const struct conv_value *conv_record_value(const struct conv_record *rec,
                                                    size_t i);
/** @brief The value named @p name (borrowed), or NULL when absent. */
CONV_API const struct conv_value *conv_record_get(const struct conv_record *rec,
                                                  const char *name);
/** @brief 1-based record number in its source. */
CONV_API uint64_t conv_record_index(const struct conv_record *rec);
/** @brief 1-based line where the record starts, 0 if unknown. */
CONV_API uint64_t conv_record_line(const struct conv_record *rec);
/**
 * @brief Copy a record so it outlives the reader's next call.
 * Ownership: caller frees with conv_record_free().
 */
CONV_API struct conv_record *conv_record_clone(const struct conv_record *rec);
/** @brief Free a cloned record.  NULL is a no-op. */
CONV_API void conv_record_free(struct conv_record *rec);

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

struct conv_options;

/**
 * Progress callback: @p done bytes of input read out of @p total (0 when
 * unknown), @p records so far.  Return nonzero to cancel (CONV_E_CANCELED).
 */
typedef int (*conv_progress_fn)(void *user, uint64_t done, uint64_t total,
                                uint64_t records);

/** @brief New empty options.  Ownership: caller frees. */
CONV_API struct conv_options *conv_options_new(struct conv_context *ctx);
/** @brief Free options.  NULL is a no-op. */
CONV_API void conv_options_free(struct conv_options *opts);
/**
 * @brief Set an option by name ("from", "to", "schema", "delimiter", ...);
 * see conv_format_option() for each format's list.  The value is copied;
 * a flag takes "1"/"0".
 * @return CONV_OK, or CONV_ERR when out of memory.
 */
CONV_API int conv_options_set(struct conv_options *opts, const char *name,
                              const char *value);
/** @brief The value of an option, or NULL when unset (borrowed). */
CONV_API const char *conv_options_get(const struct conv_options *opts,
                                      const char *name);
/** @brief Set the progress callback, called every few thousand records. */
/** @brief Number of options set, and the name and value of the i-th (in
 * the order first set), for copying a set; NULL past the end. */
CONV_API size_t conv_options_count(const struct conv_options *opts);
CONV_API const char *conv_options_name(const struct conv_options *opts, size_t i);
CONV_API const char *conv_options_value(const struct conv_options *opts, size_t i);
CONV_API void conv_options_set_progress(struct conv_options *opts,
                                        conv_progress_fn fn, void *user);

/**
 * Diagnostic callback: one finding that does not stop the work by itself
 * (an XSD violation while reading with "xsd", say).  @p diag is borrowed
 * for the call; its code, source, line, column and message are set.  A
 * reader that reported findings still fails at the end with an error that
 * counts them.
 */
typedef void (*conv_diag_fn)(void *user, const struct conv_error *diag);

/** @brief Set the diagnostic callback; without one, findings are only
 *  counted in the final error. */
CONV_API void conv_options_set_diag(struct conv_options *opts, conv_diag_fn fn,
                                    void *user);

/* ------------------------------------------------------------------------ */
/* Formats                                                                   */
/* ------------------------------------------------------------------------ */

struct conv_format;

/** Option kinds for conv_option_desc. */
enum conv_option_dir {
    CONV_OPT_READ = 1,  /**< used by the reader */
    CONV_OPT_WRITE = 2, /**< used by the writer */
    CONV_OPT_BOTH = 3
};

/** Description of an option a format (or the core) understands. */
struct conv_option_desc {
    const char *name;  /**< option name, also the tool's --name */
    const char *arg;   /**< argument placeholder, NULL for a flag */
    const char *help;  /**< one line */
    enum conv_option_dir dir;
};

/** @brief Number of registered formats. */
CONV_API size_t conv_format_count(void);
/** @brief Format @p i, or NULL. */
CONV_API const struct conv_format *conv_format_at(size_t i);
/** @brief A format by name ("csv", "json", "jsonl"), or NULL. */
CONV_API const struct conv_format *conv_format_by_name(const char *name);
/** @brief A format by a path's extension, or NULL. */
CONV_API const struct conv_format *conv_format_by_path(const char *path);
/** @brief Best format for the first bytes of a document, or NULL. */
CONV_API const struct conv_format *conv_format_probe(const void *data, size_t n);
/** @brief The format's name. */
CONV_API const char *conv_format_name(const struct conv_format *fmt);
/** @brief One-line description. */
CONV_API const char *conv_format_description(const struct conv_format *fmt);
/** @brief NULL-terminated list of extensions without dots. */
CONV_API const char *const *conv_format_extensions(const struct conv_format *fmt);
/** @brief 1 if the format can be read / written. */
CONV_API int conv_format_can_read(const struct conv_format *fmt);
CONV_API int conv_format_can_write(const struct conv_format *fmt);
/** @brief Option @p i of a format (NULL-terminated list). */
CONV_API const struct conv_option_desc *conv_format_option(const struct conv_format *fmt,
                                                           size_t i);
/** @brief Option @p i of the core (schema, infer-rows, ...). */
CONV_API const struct conv_option_desc *conv_core_option(size_t i);

/* ------------------------------------------------------------------------ */
/* Readers                                                                   */
/* ------------------------------------------------------------------------ */

struct conv_reader;

/** Read callback: fill up to @p size bytes; return bytes read, 0 at end,
 *  -1 on error. */
typedef long (*conv_read_fn)(void *user, void *buf, size_t size);

/**
 * @brief Open a reader on a file ("-" for stdin).  The format comes from
 * the "from" option, else the extension, else the content.
 * @return a reader, or NULL with @p err set.
 * Ownership: caller closes with conv_reader_close().
 * Errors: CONV_E_IO, CONV_E_FORMAT, CONV_E_SCHEMA, CONV_E_USAGE.
 */
CONV_API struct conv_reader *conv_reader_open_file(struct conv_context *ctx,
                                                   const char *path,
                                                   const struct conv_options *opts,
                                                   struct conv_error *err);
/** @brief Open a reader on a memory buffer (borrowed until close).
 *  @p name labels errors. */
CONV_API struct conv_reader *conv_reader_open_memory(struct conv_context *ctx,
                                                     const void *data, size_t size,
                                                     const char *name,
                                                     const struct conv_options *opts,
                                                     struct conv_error *err);
/** @brief Open a reader on a read callback. */
CONV_API struct conv_reader *conv_reader_open_callback(struct conv_context *ctx,
                                                       conv_read_fn fn, void *user,
                                                       const char *name,
                                                       const struct conv_options *opts,
                                                       struct conv_error *err);
/**
 * @brief Next record.
 * @param rec set to a record borrowed until the next call or close.
 * @return CONV_OK, CONV_EOF or CONV_ERR (see conv_reader_error()).
 */
CONV_API int conv_reader_next(struct conv_reader *rd, const struct conv_record **rec);
/** @brief The fields seen so far (borrowed; grows for JSON). */
CONV_API const struct conv_schema *conv_reader_schema(const struct conv_reader *rd);
/** @brief The reader's format. */
CONV_API const struct conv_format *conv_reader_format(const struct conv_reader *rd);
/**
 * @brief What the reader found out about its input, by key, for tools that
 * describe a file (conv-info).
 *
 * Keys, each present only where it applies: "encoding" (the input's
 * encoding before conversion to UTF-8), "bom", "delimiter" (CSV),
 * "locale" (c or vi) and "locale-signal" (why), "header-row" (1-based),
 * "sheets" (a count) with "sheet.0", "sheet.1", ... (names in workbook
 * order).
 * @return the value, borrowed until the reader is closed, or NULL.
 */
CONV_API const char *conv_reader_info(const struct conv_reader *rd, const char *key);
/** @brief The reader's last error (borrowed). */
CONV_API const struct conv_error *conv_reader_error(const struct conv_reader *rd);
/** @brief Close a reader.  NULL is a no-op. */
CONV_API void conv_reader_close(struct conv_reader *rd);

/* ------------------------------------------------------------------------ */
/* Writers                                                                   */
/* ------------------------------------------------------------------------ */

struct conv_writer;

/** Write callback: write all @p size bytes; return 0, or -1 on error. */
typedef int (*conv_write_fn)(void *user, const void *buf, size_t size);

/**
 * @brief Open a writer on a file ("-" for stdout).  The format comes from
 * the "to" option, else the extension.  A file is written to a temporary
 * name beside it and renamed by conv_writer_finish(); a writer closed
 * without finishing leaves no file, and an existing file is untouched.
 * @param schema fields for the header (borrowed until close); NULL to take
 * them from the first record.
 * Ownership: caller closes with conv_writer_close().
 */
CONV_API struct conv_writer *conv_writer_open_file(struct conv_context *ctx,
                                                   const char *path,
                                                   const struct conv_schema *schema,
                                                   const struct conv_options *opts,
                                                   struct conv_error *err);
/** @brief Open a writer into memory; conv_writer_memory() gives the bytes. */
CONV_API struct conv_writer *conv_writer_open_memory(struct conv_context *ctx,
                                                     const struct conv_schema *schema,
                                                     const struct conv_options *opts,
                                                     struct conv_error *err);
/** @brief Open a writer on a write callback. */
CONV_API struct conv_writer *conv_writer_open_callback(struct conv_context *ctx,
                                                       conv_write_fn fn, void *user,
                                                       const struct conv_schema *schema,
                                                       const struct conv_options *opts,
                                                       struct conv_error *err);
/** @brief Write one record (borrowed for the call only). */
CONV_API int conv_writer_put(struct conv_writer *w, const struct conv_record *rec);
/** @brief End the output: trailer, flush, rename into place. */
CONV_API int conv_writer_finish(struct conv_writer *w);
/** @brief Bytes written by a memory writer (borrowed until close). */
CONV_API const void *conv_writer_memory(const struct conv_writer *w, size_t *size);
/** @brief The writer's last error (borrowed). */
CONV_API const struct conv_error *conv_writer_error(const struct conv_writer *w);
/** @brief Close; discards the output unless finished.  NULL is a no-op. */
CONV_API void conv_writer_close(struct conv_writer *w);

/* ------------------------------------------------------------------------ */
/* One-call conversion                                                       */
/* ------------------------------------------------------------------------ */

/** Counters filled by conv_convert(). */
struct conv_stats {
    uint64_t records;
    uint64_t bytes_in;
    const char *input_format;  /**< the format read ("csv"...), NULL if none */
    const char *output_format; /**< the format written, NULL if none */
};

/**
 * @brief Convert @p in to @p out ("-" for stdin/stdout).  When the output
 * needs a fixed header and the input's fields are not known in advance
 * (JSON), the records are spooled to a temporary file and the header is
 * the union of fields in first-seen order.
 * @param stats filled on return when not NULL.
 * @return CONV_OK or CONV_ERR with @p err set.
 */
CONV_API int conv_convert(struct conv_context *ctx, const char *in,
                          const char *out, const struct conv_options *opts,
                          struct conv_stats *stats, struct conv_error *err);

/* ------------------------------------------------------------------------ */
/* Profiles                                                                  */
/* ------------------------------------------------------------------------ */

/** @brief The fields of a built-in profile ("indicators") as a declared
 * schema, as `--profile NAME` declares them.  NULL with err set
 * (CONV_E_USAGE for an unknown name). */
CONV_API struct conv_schema *conv_profile_schema(struct conv_context *ctx, const char *profile,
                                                 struct conv_error *err);
/**
 * @brief Write a document derived from a built-in profile through fn:
 * kind "json-schema" (JSON Schema 2020-12 of its JSON records), "xsd" (the
 * XML vocabulary restricted to its records) or "fields" (a schema file for
 * `--schema`).
 * @return CONV_OK, or CONV_ERR with err set.
 */
CONV_API int conv_profile_write(struct conv_context *ctx, const char *profile, const char *kind,
                                conv_write_fn fn, void *user, struct conv_error *err);

/* ------------------------------------------------------------------------ */
/* Checks                                                                    */
/* ------------------------------------------------------------------------ */

enum conv_severity {
    CONV_SEVERITY_ERROR = 0,  /**< the data is wrong */
    CONV_SEVERITY_WARNING = 1 /**< the data is suspicious */
};

/** One finding of the checker. */
struct conv_finding {
    const char *rule;           /**< rule id: "required", "sum", "growth"... */
    enum conv_severity severity;
    const char *sheet;          /**< spreadsheet input: the sheet, else NULL */
    const char *cell;           /**< spreadsheet input: the cell ("G5"), else NULL */
    struct conv_error where;    /**< source, line, column, record, field and message */
};

/** Receives each finding; the pointers live until it returns. */
typedef void (*conv_finding_fn)(void *user, const struct conv_finding *finding);

struct conv_check_counts {
    uint64_t records;
    uint64_t errors;
    uint64_t warnings;
};

struct conv_checker;

/**
 * @brief A checker for the rules of a built-in profile ("indicators";
 * NULL means it).
 *
 * Options: "growth-tolerance" (percentage points allowed between a
 * change and the one its values give, beyond their rounding; default
 * 0.5), "outlier-factor" (default 10), "units" and "regions" (CSV files
 * replacing the profile's code lists), "sort-memory" (MiB for the rules
 * across records, default 32).
 * @return the checker, or NULL with err set.
 */
CONV_API struct conv_checker *conv_checker_new(struct conv_context *ctx, const char *profile,
                                               const struct conv_options *opts,
                                               conv_finding_fn fn, void *user,
                                               struct conv_error *err);
/**
 * @brief Read a file (any format; the reading options of opts apply, a
 * declared schema does not) and check every record, then the rules across
 * them.  Bad input that stops the reading is a finding of rule "read".
 * @return CONV_OK (findings or not), or CONV_ERR with err set when the
 * file cannot be read at all (I/O, memory, usage).
 */
CONV_API int conv_checker_check_file(struct conv_checker *c, const char *path,
                                     const struct conv_options *opts, struct conv_error *err);
/** @brief Start an input of one's own records: its name, whether it is a
 * spreadsheet (findings then name cells), its sheet or NULL. */
CONV_API int conv_checker_begin(struct conv_checker *c, const char *source, int spreadsheet,
                                const char *sheet);
/** @brief Check one record (rules on one record now, the others at finish). */
CONV_API int conv_checker_add(struct conv_checker *c, const struct conv_record *rec);
/** @brief Run the rules across the records added since begin. */
CONV_API int conv_checker_finish(struct conv_checker *c);
/** @brief Records, errors and warnings of the current or last input. */
CONV_API const struct conv_check_counts *conv_checker_counts(const struct conv_checker *c);
/** @brief The error that stopped the checker, if any. */
CONV_API const struct conv_error *conv_checker_error(const struct conv_checker *c);
CONV_API void conv_checker_free(struct conv_checker *c);

#ifdef __cplusplus
}
#endif
#endif /* CONV_CONV_H */
