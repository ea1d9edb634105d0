/**
 * @file conv.h
 * @brief libconv: convert statistical indicator records between CSV, JSON and
 * other formats, one record at a time.  This is the only public header.
 *
 * Records flow reader -> record -> writer.  The library never prints, never
 * exits and keeps no global state: everything lives on a conv_context and
 * the handles made from it.  Separate handles may be used from separate
 * threads; one handle must not be used by two threads at once.
 *
 * Conventions: functions return CONV_OK (0) or CONV_ERR (-1), or a pointer
 * that is NULL on failure; the details go to a `struct conv_error` the
 * caller passes (may be NULL; the function clears it first) or that the
 * handle keeps.  `_new`/`_open`
 * give ownership to the caller, `_get` and the accessors lend (valid as
 * long as the owner), and every `_free`/`_close` accepts NULL.  Strings
 * are UTF-8, NUL-terminated.
 *
 * Link with `pkg-config --cflags --libs libconv`, or in CMake
 * `find_package(libconv)` and `target_link_libraries(app PRIVATE libconv::conv)`.
 */
#ifndef CONV_CONV_H
#define CONV_CONV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks the exported functions (visibility "default" while the library
 * is built with hidden visibility; empty for its users). */
#if defined(CONV_BUILDING) && defined(__GNUC__)
#define CONV_API __attribute__((visibility("default")))
#else
#define CONV_API
#endif

/** Library version, semantic: the major version (the soname's number). */
#define CONV_VERSION_MAJOR 0
/** Minor version: new API; while the major is 0, also incompatible change. */
#define CONV_VERSION_MINOR 1
/** Patch version: fixes only. */
#define CONV_VERSION_PATCH 0
/** The version as text, of the header compiled against. */
#define CONV_VERSION_STRING "0.1.0"
/** The version as one number, 0xMMmmpp: major, minor and patch one byte
 * each (0.1.0 is 0x000100), so versions compare as numbers:
 * `#if CONV_VERSION_NUMBER >= 0x000200`. */
#define CONV_VERSION_NUMBER \
    ((CONV_VERSION_MAJOR << 16) | (CONV_VERSION_MINOR << 8) | CONV_VERSION_PATCH)

/**
 * @brief The version string of the library actually loaded ("0.1.0"),
 * which may be newer than CONV_VERSION_STRING of the header compiled with.
 * @return a static string.  Errors: none.
 */
CONV_API const char *conv_version(void);
/**
 * @brief The version number of the library actually loaded, encoded as
 * CONV_VERSION_NUMBER (0x000100 for 0.1.0).
 * @return the number.  Errors: none.
 * @code
 * if (conv_version_number() < CONV_VERSION_NUMBER)
 *     fprintf(stderr, "libconv %s is older than the header\n", conv_version());
 * @endcode
 */
CONV_API unsigned long conv_version_number(void);

/**
 * @page growth Structs the caller allocates
 * The structs a caller allocates or copies (struct conv_error, struct
 * conv_stats, struct conv_finding, struct conv_journal_stamp) end with
 * reserved words (`reserved_`) that the library keeps zero.  A later
 * version adds its fields in their place, so the size and every offset
 * known today stay the same: a program compiled against an older header
 * keeps working with a newer library (which writes the whole struct), and
 * nothing is asked of callers beyond allocating the struct as declared
 * (`struct conv_error err;` on the stack is fine; no size field to set).
 * The library checks the sizes when it is built.
 */

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
 * the column counts characters, not bytes.  A function that takes one as
 * an out-parameter clears it first and fills it on failure; within one
 * call the first error found is the one reported.
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
    uint64_t reserved_[8];  /**< zero; room for later fields (see @ref growth) */
};

/**
 * @brief A short static text for an error code ("syntax error", ...).
 * @param code any value; an unknown one gives a generic text.
 * @return a static string, never NULL.
 */
CONV_API const char *conv_strerror(enum conv_errcode code);

/**
 * @brief Format an error as one line: `source:line:col: message`.
 * Parts that are unknown are left out.
 * @param err the error (borrowed).
 * @param buf where the text goes, NUL-terminated and truncated to fit.
 * @param size bytes at @p buf; 0 writes nothing.
 * @return the number of bytes that the full text needs without the NUL
 * (like snprintf): a result >= @p size means it was truncated.
 * @code
 * char msg[600];
 * conv_error_format(&err, msg, sizeof msg);
 * fprintf(stderr, "myprog: %s\n", msg);   // myprog: in.csv:7:12: unterminated quoted field
 * @endcode
 */
CONV_API size_t conv_error_format(const struct conv_error *err, char *buf,
                                  size_t size);

/** @brief Reset an error to "no error" (code CONV_E_NONE, empty texts),
 * so that it can collect a new first error.  NULL is a no-op. */
CONV_API void conv_error_clear(struct conv_error *err);

/* ------------------------------------------------------------------------ */
/* Context: allocator and nothing else                                       */
/* ------------------------------------------------------------------------ */

/** Allocator hooks; every allocation of the library goes through them. */
struct conv_allocator {
    void *(*malloc)(void *user, size_t size);              /**< as malloc() */
    void *(*realloc)(void *user, void *ptr, size_t size);  /**< as realloc() */
    void (*free)(void *user, void *ptr);                   /**< as free() */
    void *user;                                            /**< passed to each */
};

/** The owner of every allocation of the handles made from it. */

struct conv_context;

/**
 * @brief Make a context.
 * @param alloc allocator hooks, copied; NULL for malloc/realloc/free.
 * @return a new context, or NULL when out of memory.
 * Ownership: the caller frees it with conv_context_free() after every
 * handle made from it.
 */
CONV_API struct conv_context *conv_context_new(const struct conv_allocator *alloc);
/** @brief Free a context.  NULL is a no-op.  Free every handle made from
 * it (readers, writers, options, schemas, records, checkers) first. */
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
    enum conv_type type; /**< what the text is */
    unsigned flags;      /**< CONV_VALUE_* bits */
    size_t len;          /**< bytes of text, without the NUL */
    const char *text;    /**< the canonical text, NUL-terminated */
};

/** @brief Name of a type ("string", "integer", ...): a static string;
 * "unknown" for a value outside the enum. */
CONV_API const char *conv_type_name(enum conv_type type);
/** @brief Parse a type name ("decimal") into @p out.
 * @return 0, or -1 when the name is unknown (@p out untouched). */
CONV_API int conv_type_parse(const char *name, enum conv_type *out);

/**
 * @brief Check that text is in the canonical form of a type.
 * @param type the type to test against.
 * @param text the text, @p len bytes (need not be NUL-terminated).
 * @param len its length in bytes.
 * @return 1 if @p text is a valid @p type, else 0.
 */
CONV_API int conv_text_is(enum conv_type type, const char *text, size_t len);

/**
 * @brief Read an integer value as int64.  Decimals are not converted: take
 * their text (a value is never a binary float in libconv).
 * @param v the value (borrowed).
 * @param out the number, set on success.
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

/** @brief A new empty schema, to fill with conv_schema_add() and give to
 * a writer.  @return the schema, or NULL when out of memory.
 * Ownership: caller frees with conv_schema_free(). */
CONV_API struct conv_schema *conv_schema_new(struct conv_context *ctx);
/** @brief Free a schema.  NULL is a no-op. */
CONV_API void conv_schema_free(struct conv_schema *schema);
/**
 * @brief Load a schema file (JSON: {"title": .., "fields": [{"name", "type",
 * "label", "label_en", "unit", "required"}]}).
 * @param ctx the context.
 * @param path the file.
 * @param err set on failure, with the file's line and column (may be NULL).
 * @return a new schema or NULL with @p err set.
 * Errors: CONV_E_SCHEMA (not a valid schema), CONV_E_IO, CONV_E_NOMEM.
 * Ownership: caller frees with conv_schema_free().
 */
CONV_API struct conv_schema *conv_schema_load(struct conv_context *ctx,
                                              const char *path,
                                              struct conv_error *err);
/**
 * @brief Append a field.  Strings are copied.
 * @param schema the schema.
 * @param field the field (borrowed for the call).
 * @return CONV_OK, or CONV_ERR on a duplicate/empty name or no memory.
 */
CONV_API int conv_schema_add(struct conv_schema *schema,
                             const struct conv_field *field);
/** @brief Number of fields of a schema. */
CONV_API size_t conv_schema_count(const struct conv_schema *schema);
/** @brief Field @p i, 0-based (borrowed until the schema is freed or
 * grows), or NULL when out of range. */
CONV_API const struct conv_field *conv_schema_field(const struct conv_schema *schema,
                                                    size_t i);
/** @brief 0-based index of the field named @p name, or -1 when absent. */
CONV_API long conv_schema_find(const struct conv_schema *schema,
                               const char *name);
/** @brief The schema's title (borrowed), or NULL when it has none. */
CONV_API const char *conv_schema_title(const struct conv_schema *schema);

/* ------------------------------------------------------------------------ */
/* Records                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * A record: named values in order.  Readers lend theirs (valid until the
 * reader's next call); conv_record_clone() and conv_record_new() make ones
 * the caller owns.
 */
struct conv_record;

/** @brief Number of values in a record. */
CONV_API size_t conv_record_count(const struct conv_record *rec);
/** @brief Name of value @p i, 0-based (borrowed, as long as the record),
 * or NULL when out of range. */
CONV_API const char *conv_record_name(const struct conv_record *rec, size_t i);
/** @brief Value @p i, 0-based (borrowed, as long as the record), or NULL
 * when out of range. */
CONV_API const struct conv_value *conv_record_value(const struct conv_record *rec,
                                                    size_t i);
/**
 * @brief The value named @p name (borrowed, as long as the record), or
 * NULL when the record has no such field.  A field present but empty is a
 * value of type CONV_NULL, not NULL.
 * @code
 * const struct conv_value *v = conv_record_get(rec, "value");
 * if (v && v->type == CONV_DECIMAL)
 *     printf("%s\n", v->text);   // "552.6", the digits as written
 * @endcode
 */
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
/** @brief Free a record of conv_record_clone() or conv_record_new() (never
 * one lent by a reader).  NULL is a no-op. */
CONV_API void conv_record_free(struct conv_record *rec);

/**
 * @brief A new empty record with field names of its own, to fill with
 * conv_record_add() and conv_record_add_record() and hand to a
 * writer (which places values by field name).
 * @return the record, or NULL when out of memory.
 * Ownership: caller frees with conv_record_free().
 * Example: a record's values plus the file it came from:
 * @code
 * conv_record_reset(out, n, conv_record_line(in));
 * conv_record_add_record(out, in);
 * struct conv_value v = {CONV_STRING, 0, strlen(path), path};
 * conv_record_add(out, "source_file", &v, 0, 0);
 * conv_writer_put(w, out);
 * @endcode
 */
CONV_API struct conv_record *conv_record_new(struct conv_context *ctx);
/** @brief Empty a record of conv_record_new() (its names stay, for the
 * next record) and set its record number and line. */
CONV_API void conv_record_reset(struct conv_record *rec, uint64_t index, uint64_t line);
/**
 * @brief Append a value under a name; the text is copied.
 * @param rec a record of conv_record_new()
 * @param name the field's name
 * @param value its type and text (a null value: CONV_NULL)
 * @param line the line where the value was read, 0 if unknown (for errors
 * and the findings of a checker)
 * @param column its column, 0 if unknown
 * @return CONV_OK, or CONV_ERR when out of memory, the name is empty or
 * already holds a value in this record, or rec is not of conv_record_new().
 */
CONV_API int conv_record_add(struct conv_record *rec, const char *name,
                                const struct conv_value *value, uint64_t line,
                                uint64_t column);
/**
 * @brief Append every value of @p src (a reader's record, say) under its
 * name, with its position.  The record number and line stay rec's own.
 * @return CONV_OK, or CONV_ERR as conv_record_add().
 */
CONV_API int conv_record_add_record(struct conv_record *rec,
                                       const struct conv_record *src);

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

/** Named options ("schema", "delimiter", ...) for readers, writers,
 * conv_convert() and checkers. */
struct conv_options;

/**
 * Progress callback: @p done bytes of input read out of @p total (0 when
 * unknown), @p records so far.  Return nonzero to cancel (CONV_E_CANCELED).
 */
typedef int (*conv_progress_fn)(void *user, uint64_t done, uint64_t total,
                                uint64_t records);

/** @brief New empty options.  @return them, or NULL when out of memory.
 * Ownership: caller frees with conv_options_free(), after the handles
 * opened with them (they may keep pointers into them). */
CONV_API struct conv_options *conv_options_new(struct conv_context *ctx);
/** @brief Free options.  NULL is a no-op. */
CONV_API void conv_options_free(struct conv_options *opts);
/**
 * @brief Set an option by name ("from", "to", "schema", "delimiter", ...);
 * the known names are those of conv_core_option(), conv_format_option()
 * and conv_checker_option() (the tools' long options are the same names).
 * Setting a name again replaces its value.  A bad value is found when the
 * options are used (a reader or writer fails to open with CONV_E_USAGE),
 * not here; an unknown name is refused here.
 * @param opts the options.
 * @param name the option's name (copied).
 * @param value its value (copied); a flag takes "1"/"0"; NULL means "1".
 * @return CONV_OK, or CONV_ERR: see conv_options_error().
 * Errors: CONV_E_USAGE for an unknown name ("unknown option 'no_heder'
 * (did you mean 'no-header'?)", naming the closest known one when one is
 * close), CONV_E_NOMEM.
 * Ownership: the options copy both strings.
 * @code
 * conv_options_set(opts, "schema", "indicators.schema.json");
 * conv_options_set(opts, "out-delimiter", ";");
 * if (conv_options_set(opts, "plain", "1") != CONV_OK)
 *     fprintf(stderr, "%s\n", conv_options_error(opts)->message);
 * @endcode
 */
CONV_API int conv_options_set(struct conv_options *opts, const char *name,
                              const char *value);
/**
 * @brief Why the last conv_options_set() failed.
 * @param opts the options.
 * @return the error (borrowed until the options are freed or set again),
 * code CONV_E_NONE after a call that succeeded.  Errors: none.
 */
CONV_API const struct conv_error *conv_options_error(const struct conv_options *opts);
/** @brief The value of an option, or NULL when unset (borrowed). */
CONV_API const char *conv_options_get(const struct conv_options *opts,
                                      const char *name);
/** @brief Number of options set, for copying a set with
 * conv_options_name() and conv_options_value(). */
CONV_API size_t conv_options_count(const struct conv_options *opts);
/** @brief Name of the @p i-th option set (in the order first set),
 * borrowed; NULL past the end. */
CONV_API const char *conv_options_name(const struct conv_options *opts, size_t i);
/** @brief Value of the @p i-th option set, borrowed; NULL past the end. */
CONV_API const char *conv_options_value(const struct conv_options *opts, size_t i);
/**
 * @brief Set the progress callback, called every few thousand records by
 * readers and conv_convert() opened with these options.
 * @param opts the options.
 * @param fn the callback, NULL for none; returning nonzero cancels the work
 * (CONV_E_CANCELED, and no output is left).
 * @param user passed to @p fn.
 */
CONV_API void conv_options_set_progress(struct conv_options *opts,
                                        conv_progress_fn fn, void *user);

/**
 * Diagnostic callback: one finding that does not stop the work by itself
 * (an XSD violation while reading with "xsd", say).  @p diag is borrowed
 * for the call; its code, source, line, column and message are set.  A
 * reader that reported validation findings ("xsd") still fails at the end
 * with an error that counts them; warnings (an SDMX reader's dirty values
 * and structure findings) do not fail the reading unless "strict" is set.
 */
typedef void (*conv_diag_fn)(void *user, const struct conv_error *diag);

/** @brief Set the diagnostic callback; without one, findings are only
 *  counted in the final error.
 *  @param opts the options.
 *  @param fn the callback, NULL for none.
 *  @param user passed to @p fn. */
CONV_API void conv_options_set_diag(struct conv_options *opts, conv_diag_fn fn,
                                    void *user);

/* ------------------------------------------------------------------------ */
/* Formats                                                                   */
/* ------------------------------------------------------------------------ */

/** A format (csv, json, xlsx...): static, never freed. */
struct conv_format;

/** Option kinds for conv_option_desc. */
enum conv_option_dir {
    CONV_OPT_READ = 1,  /**< used by the reader */
    CONV_OPT_WRITE = 2, /**< used by the writer */
    CONV_OPT_BOTH = 3,  /**< used by both */
    CONV_OPT_CHECK = 4  /**< used by the checker (conv_checker_option()) */
};

/** Description of an option a format (or the core) understands. */
struct conv_option_desc {
    const char *name;  /**< option name, also the tool's --name */
    const char *arg;   /**< argument placeholder, NULL for a flag */
    const char *help;  /**< one line */
    enum conv_option_dir dir; /**< who uses it */
};

/** @brief Number of formats built in (for listing them with
 * conv_format_at()). */
CONV_API size_t conv_format_count(void);
/** @brief Format @p i, 0-based (static), or NULL past the end. */
CONV_API const struct conv_format *conv_format_at(size_t i);
/** @brief A format by name ("csv", "json", "jsonl", "xlsx"...), static;
 * NULL when unknown. */
CONV_API const struct conv_format *conv_format_by_name(const char *name);
/** @brief A format by a path's extension, case-insensitive ("a.XLSX"),
 * static; NULL when the extension is unknown or missing. */
CONV_API const struct conv_format *conv_format_by_path(const char *path);
/** @brief The best format for the first @p n bytes of a document
 * (static), or NULL when none fits. */
CONV_API const struct conv_format *conv_format_probe(const void *data, size_t n);
/** @brief The format's name ("csv"), static. */
CONV_API const char *conv_format_name(const struct conv_format *fmt);
/** @brief The format's one-line description, static. */
CONV_API const char *conv_format_description(const struct conv_format *fmt);
/** @brief The format's extensions without dots, a static NULL-terminated
 * list. */
CONV_API const char *const *conv_format_extensions(const struct conv_format *fmt);
/** What a format can do and how it behaves: bits of conv_format_caps(),
 * so that callers ask the registry instead of comparing names. */
enum conv_format_cap {
    CONV_FORMAT_READ = 0x1,   /**< it has a reader */
    CONV_FORMAT_WRITE = 0x2,  /**< it has a writer */
    CONV_FORMAT_TYPED = 0x4,  /**< its values carry their own types (JSON, workbooks) */
    CONV_FORMAT_NEEDS_HEADER = 0x8, /**< its writer needs every field before the
                                         first record (CSV, XML, XLSX) */
    CONV_FORMAT_SHEETS = 0x10 /**< a workbook of sheets: its reader takes "sheet",
                                   tells the sheets through conv_reader_info() and
                                   places values at cells (Sheet!B3); a writer of
                                   it can make several sheets */
};
/** @brief The format's capabilities, an or of enum conv_format_cap bits.
 * @code
 * if (conv_format_caps(conv_reader_format(rd)) & CONV_FORMAT_SHEETS)
 *     printf("sheet %s\n", conv_reader_info(rd, "sheet"));
 * @endcode */
CONV_API unsigned conv_format_caps(const struct conv_format *fmt);
/** @brief 1 if the format can be read, else 0. */
CONV_API int conv_format_can_read(const struct conv_format *fmt);
/** @brief 1 if the format can be written, else 0 (ods, xls). */
CONV_API int conv_format_can_write(const struct conv_format *fmt);
/** @brief Option @p i, 0-based, of a format (static), NULL past the end. */
CONV_API const struct conv_option_desc *conv_format_option(const struct conv_format *fmt,
                                                           size_t i);
/** @brief Option @p i, 0-based, of the core, which every format takes
 * (from, to, schema, infer-rows, ...; static), NULL past the end. */
CONV_API const struct conv_option_desc *conv_core_option(size_t i);
/** @brief Option @p i, 0-based, of the indicator checks (growth-tolerance,
 * outlier-factor, units, regions, sort-memory; static), NULL past the end.
 * conv_checker_new() reads them. */
CONV_API const struct conv_option_desc *conv_checker_option(size_t i);
/**
 * @brief Any known option by name: the core's, a format's or the
 * checker's (static), or NULL when no table has it.
 * @code
 * const struct conv_option_desc *d = conv_option_find("sheet-by");
 * if (d && d->arg)
 *     printf("--%s %s: %s\n", d->name, d->arg, d->help);
 * @endcode
 */
CONV_API const struct conv_option_desc *conv_option_find(const char *name);
/**
 * @brief The candidate closest to @p name, as conv_options_set() suggests
 * one: by edit distance with '_' and '-' alike, and only when it is close
 * (within a third of the name's length, at least 2); NULL otherwise.  For
 * a program that takes names of its own besides the options and wants its
 * "did you mean" to agree with the library's.
 * @param name the name given.
 * @param candidates the names known (NULL entries are passed over).
 * @param count how many.
 * @return one of @p candidates (borrowed), or NULL.  Errors: none.
 * @code
 * const char *known[] = {"filename", "profile", "strict"};
 * const char *near = conv_closest_name("profil", known, 3); // "profile"
 * @endcode
 */
CONV_API const char *conv_closest_name(const char *name, const char *const *candidates,
                                       size_t count);

/* ------------------------------------------------------------------------ */
/* Readers                                                                   */
/* ------------------------------------------------------------------------ */

/** A reader: one input, one record at a time. */
struct conv_reader;

/** Read callback: fill up to @p size bytes; return bytes read, 0 at end,
 *  -1 on error. */
typedef long (*conv_read_fn)(void *user, void *buf, size_t size);

/**
 * @brief Open a reader on a file ("-" for stdin).  The format comes from
 * the "from" option, else the extension, else the content.
 * @param ctx the context.
 * @param path the file, "-" for standard input.
 * @param opts reading options (borrowed until close), or NULL.
 * @param err set on failure (may be NULL).
 * @return a reader, or NULL with @p err set.
 * Ownership: caller closes with conv_reader_close().
 * Errors: CONV_E_IO, CONV_E_FORMAT, CONV_E_SCHEMA, CONV_E_USAGE, and the
 * data errors of a format that reads ahead (CSV infers types from the
 * first records; a workbook reads its directory).
 * @code
 * struct conv_error err;
 * struct conv_reader *rd = conv_reader_open_file(ctx, "in.csv", NULL, &err);
 * const struct conv_record *rec;
 * int rc;
 * while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
 *     const struct conv_value *v = conv_record_get(rec, "value");
 *     ...
 * }
 * if (rc == CONV_ERR)
 *     ... conv_reader_error(rd) says where and why
 * conv_reader_close(rd);
 * @endcode
 */
CONV_API struct conv_reader *conv_reader_open_file(struct conv_context *ctx,
                                                   const char *path,
                                                   const struct conv_options *opts,
                                                   struct conv_error *err);
/**
 * @brief Open a reader on a memory buffer.  The format comes from the
 * "from" option, else @p name's extension, else the content.
 * @param ctx the context.
 * @param data the document (borrowed until close: keep it unchanged).
 * @param size its bytes.
 * @param name labels errors ("upload.csv"); NULL for none.
 * @param opts reading options (borrowed until close), or NULL.
 * @param err set on failure (may be NULL).
 * @return a reader, or NULL with @p err set.
 * Ownership: caller closes with conv_reader_close().
 * Errors: as conv_reader_open_file().
 */
CONV_API struct conv_reader *conv_reader_open_memory(struct conv_context *ctx,
                                                     const void *data, size_t size,
                                                     const char *name,
                                                     const struct conv_options *opts,
                                                     struct conv_error *err);
/**
 * @brief Open a reader on a read callback, for input from a socket, a
 * decompressor...  The format comes from "from", else @p name's extension,
 * else the content.  Workbooks (xlsx, ods, xls) need random access: they
 * are spooled to a temporary file first.
 * @param ctx the context.
 * @param fn called for more bytes until it returns 0 (end) or -1 (error:
 * CONV_E_IO).
 * @param user passed to @p fn.
 * @param name labels errors; NULL for none.
 * @param opts reading options (borrowed until close), or NULL.
 * @param err set on failure (may be NULL).
 * @return a reader, or NULL with @p err set.
 * Ownership: caller closes with conv_reader_close().
 */
CONV_API struct conv_reader *conv_reader_open_callback(struct conv_context *ctx,
                                                       conv_read_fn fn, void *user,
                                                       const char *name,
                                                       const struct conv_options *opts,
                                                       struct conv_error *err);
/**
 * @brief Next record.
 * @param rd the reader.
 * @param rec set to a record borrowed until the next call or close
 * (conv_record_clone() keeps one longer).
 * @return CONV_OK, CONV_EOF or CONV_ERR (see conv_reader_error()); after
 * CONV_ERR, the reader only gives CONV_ERR.
 * Errors: CONV_E_SYNTAX, CONV_E_ENCODING, CONV_E_TYPE, CONV_E_STRUCTURE,
 * CONV_E_SCHEMA, CONV_E_LIMIT, CONV_E_IO, CONV_E_NOMEM, CONV_E_CANCELED,
 * positioned at the line and column of the input.
 */
CONV_API int conv_reader_next(struct conv_reader *rd, const struct conv_record **rec);
/** @brief The fields seen so far, with their declared or inferred types
 * (borrowed until close; grows for JSON as new names appear). */
CONV_API const struct conv_schema *conv_reader_schema(const struct conv_reader *rd);
/** @brief The reader's format (static). */
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
/**
 * @brief The key of the @p i-th fact conv_reader_info() knows, in the
 * order the reader found them: a tool lists what a reader tells without
 * knowing its keys (an SDMX reader's "sdmx-message", "sdmx-structure",
 * "sdmx-dataflow", "sdmx-series", "sdmx-observations", "sdmx-dirty-values",
 * "sdmx-dimensions", "sdmx-attributes"...).
 * @param rd the reader.
 * @param i 0-based.
 * @return the key, or NULL past the end.
 * Ownership: borrowed until the reader is closed (a fact found later may
 * be added after the others).  Errors: none.
 * @code
 * const char *k;
 * for (size_t i = 0; (k = conv_reader_info_key(rd, i)) != NULL; i++)
 *     printf("%s: %s\n", k, conv_reader_info(rd, k));
 * @endcode
 */
CONV_API const char *conv_reader_info_key(const struct conv_reader *rd, size_t i);
/** @brief The reader's error, code CONV_E_NONE when none (borrowed until
 * close). */
CONV_API const struct conv_error *conv_reader_error(const struct conv_reader *rd);
/** @brief Close a reader.  NULL is a no-op. */
CONV_API void conv_reader_close(struct conv_reader *rd);

/* ------------------------------------------------------------------------ */
/* Writers                                                                   */
/* ------------------------------------------------------------------------ */

/** A writer: one output, one record at a time. */
struct conv_writer;

/** Write callback: write all @p size bytes; return 0, or -1 on error. */
typedef int (*conv_write_fn)(void *user, const void *buf, size_t size);

/**
 * @brief Open a writer on a file ("-" for stdout).  The format comes from
 * the "to" option, else the extension.  A file is written to a temporary
 * name beside it and renamed by conv_writer_finish(); a writer closed
 * without finishing leaves no file, and an existing file is untouched.
 * @param ctx the context.
 * @param path the file, "-" for standard output.
 * @param schema fields for the header (borrowed until close); NULL to take
 * them from the first record.
 * @param opts writing options (borrowed until close), or NULL.
 * @param err set on failure (may be NULL).
 * @return a writer, or NULL with @p err set.
 * Errors: CONV_E_FORMAT (no format from "to" or the extension),
 * CONV_E_UNSUPPORTED (a read-only format), CONV_E_USAGE, CONV_E_IO.
 * Ownership: caller closes with conv_writer_close().
 * @code
 * struct conv_writer *w = conv_writer_open_file(ctx, "out.xlsx",
 *                                               conv_reader_schema(rd), NULL, &err);
 * while (conv_reader_next(rd, &rec) == CONV_OK)
 *     if (conv_writer_put(w, rec) != CONV_OK)
 *         break;
 * int rc = conv_writer_finish(w);   // out.xlsx appears only now
 * conv_writer_close(w);
 * @endcode
 */
CONV_API struct conv_writer *conv_writer_open_file(struct conv_context *ctx,
                                                   const char *path,
                                                   const struct conv_schema *schema,
                                                   const struct conv_options *opts,
                                                   struct conv_error *err);
/**
 * @brief Open a writer into memory; conv_writer_memory() gives the bytes.
 * The format comes from the "to" option (required).
 * @param ctx the context.
 * @param schema fields for the header (borrowed until close), or NULL.
 * @param opts writing options (borrowed until close), with "to".
 * @param err set on failure (may be NULL).
 * @return a writer, or NULL with @p err set.
 * Ownership: caller closes with conv_writer_close(), which frees the bytes.
 */
CONV_API struct conv_writer *conv_writer_open_memory(struct conv_context *ctx,
                                                     const struct conv_schema *schema,
                                                     const struct conv_options *opts,
                                                     struct conv_error *err);
/**
 * @brief Open a writer on a write callback.  The format comes from "to"
 * (required).  A workbook (xlsx) is made in a temporary file and then
 * passed to @p fn.
 * @param ctx the context.
 * @param fn receives the bytes in order; returning -1 fails the writer
 * (CONV_E_IO).
 * @param user passed to @p fn.
 * @param schema fields for the header (borrowed until close), or NULL.
 * @param opts writing options (borrowed until close), with "to".
 * @param err set on failure (may be NULL).
 * @return a writer, or NULL with @p err set.
 * Ownership: caller closes with conv_writer_close().
 */
CONV_API struct conv_writer *conv_writer_open_callback(struct conv_context *ctx,
                                                       conv_write_fn fn, void *user,
                                                       const struct conv_schema *schema,
                                                       const struct conv_options *opts,
                                                       struct conv_error *err);
/**
 * @brief Write one record (borrowed for the call only).  Values are placed
 * by field name; a field the header lacks is an error for formats with a
 * fixed header.
 * @return CONV_OK, or CONV_ERR (see conv_writer_error()); a failed writer
 * stays failed.
 */
CONV_API int conv_writer_put(struct conv_writer *w, const struct conv_record *rec);
/** @brief End the output: trailer, flush, rename into place.
 * @return CONV_OK, or CONV_ERR (see conv_writer_error()): then no file is
 * left. */
CONV_API int conv_writer_finish(struct conv_writer *w);
/** @brief Bytes written by a memory writer (borrowed until close), their
 * count in @p size; NULL for another kind of writer. */
CONV_API const void *conv_writer_memory(const struct conv_writer *w, size_t *size);
/** @brief The writer's error, code CONV_E_NONE when none (borrowed until
 * close). */
CONV_API const struct conv_error *conv_writer_error(const struct conv_writer *w);
/** @brief Close; discards the output unless finished.  NULL is a no-op. */
CONV_API void conv_writer_close(struct conv_writer *w);

/* ------------------------------------------------------------------------ */
/* One-call conversion                                                       */
/* ------------------------------------------------------------------------ */

/** Counters filled by conv_convert(). */
struct conv_stats {
    uint64_t records;          /**< records converted */
    uint64_t bytes_in;         /**< bytes of input read */
    const char *input_format;  /**< the format read ("csv"...), NULL if none */
    const char *output_format; /**< the format written, NULL if none */
    uint64_t reserved_[8];     /**< zero; room for later fields (see @ref growth) */
};

/**
 * @brief Convert @p in to @p out ("-" for stdin/stdout), as the conv tool
 * does.  When the output needs a fixed header and the input's fields are
 * not known in advance (JSON), the records are spooled to a temporary file
 * and the header is the union of fields in first-seen order.
 * @param ctx the context.
 * @param in the input file, "-" for standard input.
 * @param out the output file, "-" for standard output; written beside
 * itself and renamed when complete, so on failure nothing is left.
 * @param opts the options of reader and writer ("from", "to", "schema"...),
 * or NULL.
 * @param stats filled on return when not NULL.
 * @param err set on failure (may be NULL).
 * @return CONV_OK or CONV_ERR with @p err set.
 * Errors: those of conv_reader_open_file(), conv_reader_next(),
 * conv_writer_open_file() and conv_writer_put().
 * @code
 * struct conv_context *ctx = conv_context_new(NULL);
 * struct conv_error err;
 * if (conv_convert(ctx, "in.csv", "out.xlsx", NULL, NULL, &err) != CONV_OK) {
 *     char msg[600];
 *     conv_error_format(&err, msg, sizeof msg);
 *     fprintf(stderr, "%s\n", msg);
 * }
 * conv_context_free(ctx);
 * @endcode
 */
CONV_API int conv_convert(struct conv_context *ctx, const char *in,
                          const char *out, const struct conv_options *opts,
                          struct conv_stats *stats, struct conv_error *err);

/* ------------------------------------------------------------------------ */
/* Profiles                                                                  */
/* ------------------------------------------------------------------------ */

/** @brief The fields of a built-in profile ("indicators") as a declared
 * schema, as `--profile NAME` declares them.
 * @return the schema, or NULL with err set (CONV_E_USAGE for an unknown
 * name, CONV_E_NOMEM).  Ownership: caller frees with conv_schema_free(). */
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

/** How bad a finding is. */
enum conv_severity {
    CONV_SEVERITY_ERROR = 0,  /**< the data is wrong */
    CONV_SEVERITY_WARNING = 1 /**< the data is suspicious */
};

/**
 * One finding of the checker.  Its fields say everything a program needs
 * (which rule, which input and record, which other record); the message
 * is for people and may change wording between versions.
 */
struct conv_finding {
    const char *rule;           /**< rule id: "required", "sum", "growth"... */
    enum conv_severity severity; /**< error or warning */
    const char *sheet;          /**< spreadsheet input: the sheet, else NULL */
    const char *cell;           /**< spreadsheet input: the cell ("G5"), else NULL */
    struct conv_error where;    /**< the input (source), its record, line, column,
                                     field and the message */
    uint64_t related_record;    /**< the other record of a finding that compares two
                                     ("duplicate": the earlier record; "growth": the
                                     year before; "sum": the first component), 1-based
                                     in related_source; 0 when none */
    uint64_t related_line;      /**< the line (spreadsheets: row) of related_record,
                                     0 if unknown */
    const char *related_source; /**< the input of related_record: where.source's
                                     text unless a merge says otherwise; NULL when
                                     there is no related record */
    uint64_t merged_record;     /**< findings of a merge (conv_merge_write()): the
                                     record's number in the merged dataset; else 0 */
    uint64_t reserved_[8];      /**< zero; room for later fields (see @ref growth) */
};

/** Receives each finding; the pointers live until it returns. */
typedef void (*conv_finding_fn)(void *user, const struct conv_finding *finding);

/** What a checker found in one input. */
struct conv_check_counts {
    uint64_t records;  /**< records checked */
    uint64_t errors;   /**< findings of severity error */
    uint64_t warnings; /**< findings of severity warning */
};

/** A checker of the rules of a profile, over one input after another. */
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
 * @param ctx the context.
 * @param profile "indicators" or NULL.
 * @param opts the options above (read now), or NULL.
 * @param fn receives every finding.
 * @param user passed to @p fn.
 * @param err set on failure (may be NULL).
 * @return the checker, or NULL with err set (CONV_E_USAGE: unknown
 * profile or bad option; CONV_E_IO, CONV_E_SCHEMA: a code list).
 * Ownership: caller frees with conv_checker_free().
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
/** @brief Start an input of one's own records, to feed with
 * conv_checker_put() and end with conv_checker_finish().
 * @param c the checker.
 * @param source the input's name, for findings.
 * @param spreadsheet nonzero when it is a spreadsheet (findings then name
 * cells).
 * @param sheet its sheet, or NULL.
 * @return CONV_OK, or CONV_ERR (conv_checker_error()). */
CONV_API int conv_checker_begin(struct conv_checker *c, const char *source, int spreadsheet,
                                const char *sheet);
/** @brief Check one record (borrowed for the call): the rules on one
 * record now, the others at finish.  `_put`, as conv_writer_put(): one
 * record handed to a consumer.
 * @return CONV_OK, or CONV_ERR (conv_checker_error()): out of memory, I/O
 * of the sort's temporary files. */
CONV_API int conv_checker_put(struct conv_checker *c, const struct conv_record *rec);
/** @brief Run the rules across the records added since begin.
 * @return CONV_OK (findings or not), or CONV_ERR (conv_checker_error()). */
CONV_API int conv_checker_finish(struct conv_checker *c);
/** @brief Records, errors and warnings of the current or last input. */
CONV_API const struct conv_check_counts *conv_checker_counts(const struct conv_checker *c);
/** @brief The error that stopped the checker, if any (borrowed). */
CONV_API const struct conv_error *conv_checker_error(const struct conv_checker *c);
/** @brief Free a checker.  NULL is a no-op. */
CONV_API void conv_checker_free(struct conv_checker *c);

/* ------------------------------------------------------------------------ */
/* Many inputs as one dataset                                                */
/* ------------------------------------------------------------------------ */

/** What became of one input of a merge. */
enum conv_merge_status {
    CONV_MERGE_PENDING = 0, /**< not scanned yet */
    CONV_MERGE_OK = 1,      /**< read whole by its scan: it goes into the merge */
    CONV_MERGE_FAILED = 2,  /**< cannot be read: left out whole (see its error) */
    CONV_MERGE_CANCELED = 3 /**< the progress callback stopped its scan */
};

/** One input of a merge, as conv_merge_input() lends it. */
struct conv_merge_input {
    const char *path;              /**< the file, as given to conv_merge_add() */
    const char *label;             /**< its value of the source field */
    enum conv_merge_status status; /**< what its scan found */
    const char *format;            /**< the format read (static), or NULL */
    uint64_t records;              /**< records found by its scan */
    uint64_t first;                /**< merged number of its first record, less
                                        one (set by conv_merge_write()) */
    int spreadsheet;               /**< 1 when read from a workbook */
    const char *sheet;             /**< a workbook's sheet read, or NULL */
    struct conv_error error;       /**< why it failed, code CONV_E_NONE if it did not */
};

/** A merge: many inputs read as one dataset and written through one
 * writer. */
struct conv_merge;

/**
 * @brief A merge of inputs into one dataset, in the order they are added.
 *
 * The dataset's fields are every input's fields merged by name, first seen
 * first (a field keeps its type when every input agrees, else it is
 * untyped), then a source field naming each record's input: "source_file",
 * or "source_file_2", "_3"... when an input has a field of that name.
 * Memory stays that of one reader and one writer whatever the number and
 * size of the inputs: each input is read twice, never held (a scan for its
 * fields and records, then the write in input order).
 * @param ctx the context (the merge's allocations, and its reading and
 * writing unless a scan is given another).
 * @param opts reading, writing and checking options (borrowed until
 * conv_merge_free()), or NULL.  Their progress callback is called while
 * writing with (records written, records in all, records written);
 * nonzero cancels (CONV_E_CANCELED).
 * @param err set on failure (may be NULL).
 * @return the merge, or NULL with @p err set.
 * Errors: CONV_E_NOMEM.
 * Ownership: caller frees with conv_merge_free().
 * @code
 * struct conv_merge *m = conv_merge_new(ctx, NULL, &err);
 * conv_merge_add(m, "in/ward1.csv", "ward1.csv");
 * conv_merge_add(m, "in/ward2.xlsx", "ward2.xlsx");
 * if (conv_merge_write(m, "all.csv", NULL, NULL, &err) != CONV_OK)
 *     ...                       // no all.csv; err says why
 * for (size_t i = 0; i < conv_merge_count(m); i++)
 *     if (conv_merge_input(m, i)->status != CONV_MERGE_OK)
 *         ...                   // left out: conv_merge_input(m, i)->error
 * conv_merge_free(m);
 * @endcode
 */
CONV_API struct conv_merge *conv_merge_new(struct conv_context *ctx,
                                           const struct conv_options *opts,
                                           struct conv_error *err);
/**
 * @brief Add an input at the end.
 * @param m the merge.
 * @param path the file (copied).
 * @param label its value of the source field (copied); NULL: @p path.
 * @return CONV_OK, or CONV_ERR when out of memory or after a write began.
 * Errors: CONV_E_NOMEM, CONV_E_USAGE (see conv_merge_error()).
 * Ownership: the merge copies both strings.
 * Example: `conv_merge_add(m, "in/w1/a.csv", "w1/a.csv");`
 */
CONV_API int conv_merge_add(struct conv_merge *m, const char *path, const char *label);
/** @brief Number of inputs added. */
CONV_API size_t conv_merge_count(const struct conv_merge *m);
/**
 * @brief Input @p i, 0-based, in the order added (borrowed until the
 * next conv_merge_add() or the merge is freed; read it when no scan of it
 * is running), or NULL past the end.
 * Errors: none.  Ownership: lent.
 * Example: `uint64_t n = conv_merge_input(m, 0)->records;`
 */
CONV_API const struct conv_merge_input *conv_merge_input(const struct conv_merge *m, size_t i);
/**
 * @brief The first pass over input @p i: read it whole to learn its fields
 * and count its records.  An input that cannot be read is left out of
 * the merge whole (status CONV_MERGE_FAILED, its error set).
 *
 * Threads: scans of different inputs may run at once in different
 * threads, each with a context of its own (@p ctx) and options of its own
 * (@p opts); what a scan keeps is copied into the merge under its lock.
 * Inputs left pending are scanned by conv_merge_write(), one at a time.
 * @param m the merge.
 * @param i the input, 0-based.
 * @param ctx the context to read with; NULL: the merge's (then no other
 * thread may use the merge meanwhile).
 * @param opts the reading options of this scan (its progress callback is
 * the reader's: bytes read, nonzero cancels); NULL: the merge's.
 * @return CONV_OK when the input reads whole, CONV_ERR when it does not
 * (see conv_merge_input()) or @p i is out of range.
 * Errors: those of conv_reader_open_file() and conv_reader_next(), in the
 * input's error.
 * @code
 * // in each worker thread, with its own context and options:
 * while ((i = next_input()) < conv_merge_count(m))
 *     conv_merge_scan(m, i, my_ctx, my_opts);
 * @endcode
 */
CONV_API int conv_merge_scan(struct conv_merge *m, size_t i, struct conv_context *ctx,
                             const struct conv_options *opts);
/**
 * @brief The second pass: every record of the inputs that scanned whole,
 * in input order, with its source field, through one writer to @p path
 * (its format from the option "to", else its extension).  A workbook
 * format gets a first sheet counting the records per input (the writer's
 * "summary-by" on the source field) unless the options set "summary-by"
 * or the report layout.  With @p check, the indicator checks run on the
 * merged records as one set (so a record repeated in two inputs is a
 * duplicate) and each finding names the input, the record and line in
 * it, the related record and its input, and its merged record number.
 *
 * The output is written under a temporary name and renamed when complete:
 * when this fails or is canceled there is no output.  An input that no
 * longer reads as its scan found (changed meanwhile) fails the write.
 * @param m the merge.
 * @param path the output file.
 * @param check receives each finding of the checks (pointers lent for the
 * call); NULL: no checks.
 * @param user passed to @p check.
 * @param err set on failure (may be NULL).
 * @return CONV_OK, or CONV_ERR with @p err set.
 * Errors: CONV_E_STRUCTURE (no input could be read; an input changed
 * meanwhile), CONV_E_CANCELED, those of conv_writer_open_file(),
 * conv_writer_put(), conv_reader_next() and conv_checker_new().
 * @code
 * if (conv_merge_write(m, "all.xlsx", on_finding, &report, &err) != CONV_OK)
 *     ...
 * printf("%llu records\n", (unsigned long long)conv_merge_records(m));
 * @endcode
 */
CONV_API int conv_merge_write(struct conv_merge *m, const char *path, conv_finding_fn check,
                              void *user, struct conv_error *err);
/** @brief The name of the source field ("source_file"), decided by
 * conv_merge_write() (before it: "source_file"); borrowed until the merge
 * is freed.  Errors: none. */
CONV_API const char *conv_merge_source_field(const struct conv_merge *m);
/** @brief Records written by the last successful conv_merge_write(), else 0.
 * Errors: none. */
CONV_API uint64_t conv_merge_records(const struct conv_merge *m);
/**
 * @brief The input holding a record of the merged dataset.
 * @param m the merge (after conv_merge_write() began).
 * @param merged_record the record's 1-based number in the merged dataset.
 * @param record set to its 1-based number in its input (may be NULL).
 * @return the input's index, or (size_t)-1 when no input holds it.
 * Errors: none.
 * Example: `size_t i = conv_merge_input_of(m, f->merged_record, NULL);`
 */
CONV_API size_t conv_merge_input_of(const struct conv_merge *m, uint64_t merged_record,
                                    uint64_t *record);
/** @brief The error of the last conv_merge_add() that failed (borrowed).
 * Errors: none. */
CONV_API const struct conv_error *conv_merge_error(const struct conv_merge *m);
/** @brief Free a merge.  NULL is a no-op.  Ownership: frees what it owns. */
CONV_API void conv_merge_free(struct conv_merge *m);

/* ------------------------------------------------------------------------ */
/* The up-to-date journal                                                    */
/* ------------------------------------------------------------------------ */

/** The journal's usual file name in an output directory (conv-batch's). */
#define CONV_JOURNAL_NAME ".conv-batch.journal"

/** An input file as a journal records it. */
struct conv_journal_stamp {
    uint64_t size;         /**< bytes */
    int64_t mtime_ns;      /**< modification time, nanoseconds since the epoch */
    uint64_t hash;         /**< content hash (CRC-32 and Adler-32), when hashed */
    int hashed;            /**< 1 when hash is set */
    uint64_t reserved_[4]; /**< zero; room for later fields (see @ref growth) */
};

/**
 * A journal of conversions done: one line per output, appended with one
 * write() each, so a killed run leaves whole lines.  A line holds "v1",
 * a hash of the options (the library's version, every option's name and
 * value), the input's size, modification time and content hash, the input
 * and the output, tab-separated.
 */
struct conv_journal;

/**
 * @brief Open a journal: read the lines it has (a missing file has none)
 * and open it for appending (created if needed).
 * @param ctx the context.
 * @param path the journal file (usually DIR/CONV_JOURNAL_NAME).
 * @param opts the options the outputs are made with: their hash goes into
 * every line, and a line of other options is not up to date; NULL: none.
 * @param err set on failure (may be NULL).
 * @return the journal, or NULL with @p err set.
 * Errors: CONV_E_IO (cannot be read or created), CONV_E_NOMEM.
 * Ownership: caller closes with conv_journal_close().
 * @code
 * struct conv_journal *j = conv_journal_open(ctx, "out/" CONV_JOURNAL_NAME, opts, &err);
 * struct conv_journal_stamp st;
 * if (conv_journal_lookup(j, "in/a.csv", "out/a.json", &st, &err) == 0 &&
 *     conv_convert(ctx, "in/a.csv", "out/a.json", opts, NULL, &err) == CONV_OK)
 *     conv_journal_record(j, "in/a.csv", "out/a.json", &st, &err);
 * conv_journal_close(j);
 * @endcode
 */
CONV_API struct conv_journal *conv_journal_open(struct conv_context *ctx, const char *path,
                                                const struct conv_options *opts,
                                                struct conv_error *err);
/**
 * @brief Is @p output up to date for @p input?  It is when the newest
 * line for the pair has the journal's options hash, @p output exists, and
 * the input's size and modification time are unchanged, or its size and
 * content hash are (a touched but unchanged file: a fresh line is then
 * appended).  May be called from several threads at once.
 * @param j the journal.
 * @param input the input file.
 * @param output the output file.
 * @param stamp set to the input's stamp (hashed unless up to date by size
 * and time), for conv_journal_record() after the conversion.
 * @param err set on failure (may be NULL).
 * @return 1 up to date, 0 not, CONV_ERR when the input cannot be stat'ed.
 * Errors: CONV_E_IO ("in.csv: No such file or directory").
 * Example: `if (conv_journal_lookup(j, in, out, &st, &err) == 1) skip();`
 */
CONV_API int conv_journal_lookup(struct conv_journal *j, const char *input, const char *output,
                                 struct conv_journal_stamp *stamp, struct conv_error *err);
/**
 * @brief The stamp of a file: its size, time and content hash.
 * @param path the file.
 * @param stamp set; `hashed` is 0 when the content could not be read.
 * @param err set on failure (may be NULL).
 * @return CONV_OK, or CONV_ERR when it cannot be stat'ed (CONV_E_IO).
 * Example: `conv_journal_stamp_file("in/a.csv", &st, &err);`
 */
CONV_API int conv_journal_stamp_file(const char *path, struct conv_journal_stamp *stamp,
                                     struct conv_error *err);
/**
 * @brief Append the line of a conversion done.  A stamp not hashed, or a
 * path with a tab or newline, is not recorded (the next run converts
 * again).  May be called from several threads at once.
 * @param j the journal.
 * @param input the input file.
 * @param output the output made.
 * @param stamp the input's stamp taken before converting.
 * @param err set on failure (may be NULL).
 * @return CONV_OK, or CONV_ERR when the line cannot be written (then no
 * later line is).
 * Errors: CONV_E_IO.
 * Example: `conv_journal_record(j, in, out, &st, NULL);`
 */
CONV_API int conv_journal_record(struct conv_journal *j, const char *input, const char *output,
                                 const struct conv_journal_stamp *stamp, struct conv_error *err);
/** @brief Close a journal.  NULL is a no-op.  Errors: none. */
CONV_API void conv_journal_close(struct conv_journal *j);

/* ------------------------------------------------------------------------ */
/* A file written whole or not at all                                        */
/* ------------------------------------------------------------------------ */

/** Bytes written to a file atomically: under a temporary name beside it,
 * renamed over it by conv_output_finish(). */
struct conv_output;

/**
 * @brief Open a file to write whole or not at all (reports, any text).
 * The library's safe output: a temporary file beside @p path, renamed
 * when finished; closed unfinished or on failure, nothing is left and an
 * existing file is untouched.  "-" is standard output, written directly.
 * @param ctx the context.
 * @param path the file.
 * @param err set on failure (may be NULL).
 * @return the output, or NULL with @p err set.
 * Errors: CONV_E_IO, CONV_E_NOMEM.
 * Ownership: caller closes with conv_output_close().
 * @code
 * struct conv_output *o = conv_output_open(ctx, "report.json", &err);
 * conv_output_write(o, "{}\n", 3);
 * if (conv_output_finish(o) != CONV_OK)
 *     ... conv_output_error(o)
 * conv_output_close(o);
 * @endcode
 */
CONV_API struct conv_output *conv_output_open(struct conv_context *ctx, const char *path,
                                              struct conv_error *err);
/** @brief Write @p size bytes.  @return CONV_OK, or CONV_ERR (see
 * conv_output_error()); a failed output stays failed.
 * Errors: CONV_E_IO, CONV_E_NOMEM.
 * Example: `conv_output_write(o, buf, n);` */
CONV_API int conv_output_write(struct conv_output *o, const void *buf, size_t size);
/** @brief Flush and rename into place.  @return CONV_OK, or CONV_ERR (see
 * conv_output_error()): then no file is left.
 * Errors: CONV_E_IO.  Example: `rc = conv_output_finish(o);` */
CONV_API int conv_output_finish(struct conv_output *o);
/** @brief The output's error, code CONV_E_NONE when none (borrowed until
 * close).  Errors: none. */
CONV_API const struct conv_error *conv_output_error(const struct conv_output *o);
/** @brief Close; discards the file unless finished.  NULL is a no-op.
 * Errors: none. */
CONV_API void conv_output_close(struct conv_output *o);

#ifdef __cplusplus
}
#endif
#endif /* CONV_CONV_H */
