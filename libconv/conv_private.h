/*
 * Internals shared by libconv/ and formats/: the context allocator, arenas,
 * byte buffers, buffered input and safe output, the record layout and the
 * driver interface each format implements.  Never installed.
 */
#ifndef CONV_PRIVATE_H
#define CONV_PRIVATE_H

#include "conv/conv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CONVP_UNUSED(x) ((void)(x))

#if defined(__GNUC__)
#define CONVP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CONVP_LIKELY(x) __builtin_expect(!!(x), 1)
#define CONVP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define CONVP_PRINTF(a, b)
#define CONVP_LIKELY(x) (x)
#define CONVP_UNLIKELY(x) (x)
#endif

/* Limits that keep memory bounded on hostile input. */
#define CONVP_MAX_RECORD_BYTES ((size_t)64 << 20) /* one record's text */
#define CONVP_MAX_FIELDS 100000                   /* names in one input */
#define CONVP_MAX_DEPTH 64                        /* JSON nesting */

/* ---- context ----------------------------------------------------------- */

struct conv_context {
    struct conv_allocator alloc;
    _Atomic uint64_t serial; /* source of conv_schema.serial */
};

void *convp_malloc(struct conv_context *ctx, size_t size);
void *convp_calloc(struct conv_context *ctx, size_t n, size_t size);
void *convp_realloc(struct conv_context *ctx, void *p, size_t size);
void convp_free(struct conv_context *ctx, void *p);
char *convp_strdup(struct conv_context *ctx, const char *s);
char *convp_strndup(struct conv_context *ctx, const char *s, size_t n);

/* ---- errors ------------------------------------------------------------ */

/* Set *err unless it already holds an error (the first error wins).
 * err may be NULL.  source/field may be NULL.  Never fails. */
void convp_error_set(struct conv_error *err, enum conv_errcode code,
                     const char *source, uint64_t line, uint64_t column,
                     const char *fmt, ...) CONVP_PRINTF(6, 7);
void convp_error_vset(struct conv_error *err, enum conv_errcode code,
                      const char *source, uint64_t line, uint64_t column,
                      const char *fmt, va_list ap);
/* Fill the record number and field of an error already set. */
void convp_error_where(struct conv_error *err, uint64_t record, const char *field,
                       uint64_t offset);

/* ---- arena: bump allocation, reset per record --------------------------- */

struct convp_arena_chunk;
struct convp_arena {
    struct conv_context *ctx;
    struct convp_arena_chunk *head; /* current chunk; older ones linked */
    size_t used;                    /* bytes used in head */
};

void convp_arena_init(struct convp_arena *a, struct conv_context *ctx);
void *convp_arena_alloc(struct convp_arena *a, size_t size); /* 8-aligned */
/* Copy n bytes and add a NUL. */
char *convp_arena_strndup(struct convp_arena *a, const char *s, size_t n);
/* Keep the largest chunk, drop the rest, mark it empty. */
void convp_arena_reset(struct convp_arena *a);

void convp_arena_free(struct convp_arena *a);

/* ---- growable byte buffer ----------------------------------------------- */

struct convp_buf {
    struct conv_context *ctx;
    char *data;
    size_t len;
    size_t cap;
};

/* Room for one more item in an array *v of n items of size bytes with
 * capacity *cap, doubling it (first 8): 0, or -1 on nomem (*v unchanged). */
int convp_array_grow(struct conv_context *ctx, void **v, size_t n, size_t *cap, size_t size);

void convp_buf_init(struct convp_buf *b, struct conv_context *ctx);
void convp_buf_free(struct convp_buf *b);
int convp_buf_grow(struct convp_buf *b, size_t extra); /* 0 or -1 (nomem) */
static inline int convp_buf_append(struct convp_buf *b, const void *p, size_t n)
{
    if (CONVP_UNLIKELY(b->len + n + 1 > b->cap) && convp_buf_grow(b, n + 1) != 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}
static inline int convp_buf_putc(struct convp_buf *b, char c)
{
    if (CONVP_UNLIKELY(b->len + 2 > b->cap) && convp_buf_grow(b, 2) != 0)
        return -1;
    b->data[b->len++] = c;
    return 0;
}
/* NUL-terminate without counting the NUL (space is always kept). */
static inline const char *convp_buf_cstr(struct convp_buf *b)
{
    if (b->cap == 0 && convp_buf_grow(b, 1) != 0)
        return NULL;
    b->data[b->len] = '\0';
    return b->data;
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Length of the valid UTF-8 prefix of p[0..n); == n when all valid.
 * Rejects overlongs, surrogates and code points above U+10FFFF. */
size_t convp_utf8_valid_prefix(const unsigned char *p, size_t n);
/* Number of characters (lead bytes) in p[0..n). */
size_t convp_utf8_count(const unsigned char *p, size_t n);
/* Write code point cp (at most U+10FFFF) as UTF-8 into out (4 bytes of
 * room); returns the bytes written. */
size_t convp_utf8_encode(uint32_t cp, char *out);
/* Append code point cp as UTF-8: 0 or -1 (nomem). */
static inline int convp_buf_put_cp(struct convp_buf *b, uint32_t cp)
{
    char s[4];
    return convp_buf_append(b, s, convp_utf8_encode(cp, s));
}

/* ---- cell references -------------------------------------------------------- */

/* Column letters of a 1-based column ("A", "XFD"); out holds 8 bytes.
 * Findings and errors name spreadsheet cells with them. */
void convp_col_name(uint32_t col, char *out);

/* ---- NFC and Vietnamese notation (nfc.c, locale.c) ------------------------- */

/*
 * The quick look of the NFC fast path: 1 when some byte >= 0xCC (the lead
 * of a character from U+0300 on; nothing below changes under NFC) in
 * p[0 .. 16 * blocks) is not the lead 0xE1 of a letter U+1E00..U+1EFF
 * (precomposed Vietnamese: next byte 0xB8..0xBB).  Reads p[16 * blocks]
 * too.  0 means the text is NFC.
 */
static inline int convp_nfc_suspect(const unsigned char *p, size_t blocks)
{
#if defined(__SSE2__)
    const __m128i cc = _mm_set1_epi8((char)0xCC);
    const __m128i e1 = _mm_set1_epi8((char)0xE1);
    const __m128i fc = _mm_set1_epi8((char)0xFC);
    const __m128i b8 = _mm_set1_epi8((char)0xB8);
    for (size_t b = 0; b < blocks; b++, p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned hit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, cc), v));
        if (!hit)
            continue;
        __m128i nx = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
        __m128i ok =
            _mm_and_si128(_mm_cmpeq_epi8(v, e1), _mm_cmpeq_epi8(_mm_and_si128(nx, fc), b8));
        if (hit & ~(unsigned)_mm_movemask_epi8(ok))
            return 1;
    }
    return 0;
#else
    for (size_t i = 0; i < 16 * blocks; i++)
        if (p[i] >= 0xCC && !(p[i] == 0xE1 && (p[i + 1] & 0xFC) == 0xB8))
            return 1;
    return 0;
#endif
}
/* 1 when valid UTF-8 text may change under NFC (exact: 0 means it is NFC). */
int convp_nfc_needed(const char *text, size_t n);
/* NFC / NFC case fold of text, written into scratch: *out points into it
 * (not NUL-terminated), or is NULL when utf8proc refuses the text.
 * 0, or -1 when out of memory. */
int convp_nfc(struct convp_buf *scratch, const char *text, size_t n, const char **out,
              size_t *out_len);
int convp_casefold(struct convp_buf *scratch, const char *text, size_t n, const char **out,
                   size_t *out_len);
/* Text without its accents, case folded (Vietnamese to ASCII: Đà Nẵng to
 * da nang), in the same way. */
int convp_fold_ascii(struct convp_buf *scratch, const char *text, size_t n, const char **out,
                     size_t *out_len);

/* Header guessing (header_guess.c).  A cell's text; number: a typed number
 * cell (a workbook's), whatever its text. */
struct convp_text {
    const char *text;
    size_t len;
    int number;
};
/* 1 when a row taken as the header (ncols cells) reads like one more of
 * the nrows rows below it (nrows * ncols cells, row by row): column by
 * column, the header cell's shape against the values' (a name over
 * numbers: a header; "01" over "04": a record; a year over numbers: a
 * header, the period labels of wide tables). */
int convp_header_looks_like_data(const struct convp_text *head, size_t ncols,
                                 const struct convp_text *rows, size_t nrows);
/* 1 when a text is words: not empty, no number, year or date. */
int convp_text_is_words(const char *s, size_t n);

/* What a text value says about the notation of its input. */
enum {
    CONVP_LOC_NONE,     /* nothing: read the same way in both */
    CONVP_LOC_C,        /* a number only C notation reads (552.6, 1e5) */
    CONVP_LOC_VI,       /* only Vietnamese reads it (1.234.567, 1.234,5) */
    CONVP_LOC_VI_COMMA, /* a decimal comma (552,6): Vietnamese, or C text */
    CONVP_LOC_VI_WEAK,  /* Vietnamese-only forms that C keeps as text (16 %,
                           ĐÚNG, 31/12/2021) */
    CONVP_LOC_AMBIG     /* 13.090: 13090 or 13.09 */
};
int convp_loc_classify(const char *text, size_t n);
/*
 * The canonical text of a value written the Vietnamese way, into out
 * (room for n + 16 bytes), and its type: CONV_INTEGER, CONV_DECIMAL,
 * CONV_BOOLEAN, CONV_DATE or CONV_DATETIME; CONV_STRING (out untouched)
 * when it is no such value.
 */
enum conv_type convp_vi_canon(const char *text, size_t n, char *out, size_t *out_len);

/* ---- buffered input ------------------------------------------------------- */

/*
 * A byte source for readers: file descriptor, memory or callback.  The
 * first bytes are peeked for probing; a UTF-8 BOM is dropped and UTF-16
 * with a BOM is transcoded to UTF-8 here, so drivers only ever see UTF-8
 * (they still validate it).
 */
struct convp_input;

struct convp_input *convp_input_open_file(struct conv_context *ctx, const char *path,
                                          struct conv_error *err);
struct convp_input *convp_input_open_memory(struct conv_context *ctx, const void *data,
                                            size_t size, const char *name,
                                            struct conv_error *err);
struct convp_input *convp_input_open_callback(struct conv_context *ctx, conv_read_fn fn,
                                              void *user, const char *name,
                                              struct conv_error *err);
/*
 * Declare the encoding of input without a byte-order mark ("cp1258",
 * "tcvn3" or any iconv name; "utf-8" is the default): converted to UTF-8
 * while read.  Call before convp_input_start().  CONV_E_USAGE for a name
 * iconv does not know.
 */
int convp_input_set_encoding(struct convp_input *in, const char *name, struct conv_error *err);
/* The encoding the text is read from: "UTF-8", "UTF-16LE", "CP1258"... */
const char *convp_input_encoding(const struct convp_input *in);
/* Decode the byte-order mark and fill the peek window.  Call once. */
int convp_input_start(struct convp_input *in, struct conv_error *err);
/* Up to n bytes from the start, not consumed.  *len gets the count. */
const unsigned char *convp_input_peek(struct convp_input *in, size_t *len);
/*
 * Read up to n bytes into buf.  Returns bytes read (0 at the end) or -1
 * with err set (CONV_E_IO, CONV_E_ENCODING).
 */
long convp_input_read(struct convp_input *in, void *buf, size_t n,
                      struct conv_error *err);
const char *convp_input_name(const struct convp_input *in);
/* Ask fn (a progress callback) whether to stop when a read is interrupted. */
void convp_input_set_cancel(struct convp_input *in, conv_progress_fn fn, void *user);
/* Raw bytes consumed from the source so far, and the total if known. */
uint64_t convp_input_done(const struct convp_input *in);
uint64_t convp_input_total(const struct convp_input *in);
/* The BOM seen: "", "UTF-8", "UTF-16LE", "UTF-16BE". */
const char *convp_input_bom(const struct convp_input *in);
/*
 * Random access to the whole input, for formats that need it (a zip, an
 * OLE compound file): a memory input is read in place, a regular file the
 * input opened itself through pread(), and anything else (standard input,
 * a pipe, a callback) is first copied to an unnamed temporary file, at
 * most max bytes (beyond that CONV_E_LIMIT: "<what> larger than <max>
 * bytes").  Call once, before any convp_input_read(); the bytes are the
 * source's own (no byte-order mark or encoding applies).  CONV_OK or
 * CONV_ERR with err set.
 */
int convp_input_random(struct convp_input *in, uint64_t max, const char *what,
                       struct conv_error *err);
/* The size of a randomly read input. */
uint64_t convp_input_size(const struct convp_input *in);
/* n bytes at off: CONV_OK; CONV_EOF when they are not all within the
 * input (nothing read, err untouched); CONV_ERR on a read error. */
int convp_input_pread(struct convp_input *in, uint64_t off, void *buf, size_t n,
                      struct conv_error *err);
/* The whole buffer of a memory input, untouched by BOM handling (*size
 * set), else NULL: read in place rather than copied by convp_input_pread(). */
const void *convp_input_memory(const struct convp_input *in, size_t *size);
/* The descriptor of a regular file the input opened itself, else -1. */
int convp_input_fd(const struct convp_input *in);
void convp_input_close(struct convp_input *in);

/* ---- safe output ---------------------------------------------------------- */

/*
 * A byte sink for writers.  A regular file target is written to a
 * temporary file beside it (same directory, O_EXCL, umask applies) and
 * renamed on commit; abort unlinks it.  "-", a device or a FIFO is written
 * directly.  Memory and callback sinks also exist.
 */
struct convp_output {
    char *buf; /* pending bytes */
    size_t len;
    size_t cap;
    struct conv_context *ctx;
    int kind;         /* file, memory, callback */
    int fd;           /* file kinds */
    int direct;       /* writing the target itself (stdout, device) */
    int committed;
    int failed;
    char *path;       /* target */
    char *tmp_path;   /* temporary beside it */
    conv_write_fn fn; /* callback kind */
    void *user;
    struct convp_buf mem; /* memory kind */
};

struct convp_output *convp_output_open_file(struct conv_context *ctx, const char *path,
                                            struct conv_error *err);
struct convp_output *convp_output_open_memory(struct conv_context *ctx,
                                              struct conv_error *err);
struct convp_output *convp_output_open_callback(struct conv_context *ctx,
                                                conv_write_fn fn, void *user,
                                                struct conv_error *err);
/* Buffered write: 0 or -1 with err set. */
int convp_output_write(struct convp_output *out, const void *p, size_t n,
                       struct conv_error *err);
/* Direct access to the buffer for hot paths: make room for n bytes and
 * return where to write; then convp_output_advance(n). NULL on error. */
char *convp_output_reserve(struct convp_output *out, size_t n, struct conv_error *err);
static inline void convp_output_advance(struct convp_output *out, size_t n)
{
    out->len += n;
}
/* Flush, close and rename into place (file), or keep (memory). */
int convp_output_commit(struct convp_output *out, struct conv_error *err);
/* Name used in errors. */
const char *convp_output_name(const struct convp_output *out);
/*
 * For a library that must write a file by name itself (libxlsxwriter): the
 * temporary file beside the target, which commit renames into place; NULL
 * for stdout, devices, memory and callback sinks (write a temporary file
 * elsewhere, then copy it through convp_output_write).  Nothing else may be
 * written through out meanwhile.
 */
const char *convp_output_file(const struct convp_output *out);
/* For a memory sink: the bytes written so far. */
const void *convp_output_memory(const struct convp_output *out, size_t *size);
/* Close; removes the temporary file unless committed.  NULL is a no-op. */
void convp_output_close(struct convp_output *out);

/* ---- temporary files ------------------------------------------------------- */

/* An unnamed temporary file in $TMPDIR (else /tmp): a descriptor, or -1
 * with err set (CONV_E_IO). */
int convp_temp_fd(struct conv_error *err);
/* pwrite all n bytes at off: CONV_OK or CONV_ERR with err set. */
int convp_pwrite_all(int fd, const void *buf, size_t n, uint64_t off, struct conv_error *err);

/* ---- schema -------------------------------------------------------------- */

struct convp_field_pos {
    uint64_t line;
    uint32_t column;
};

struct conv_schema {
    struct conv_context *ctx;
    struct conv_field *fields; /* strings owned */
    size_t n;
    size_t cap;
    uint32_t *index; /* open addressing, field index + 1, 0 = empty */
    size_t index_mask;
    char *title;
    char *source;  /* dataset metadata carried by XML: where it came from */
    char *created; /* and when it was made (ISO 8601), or NULL */
    int fixed; /* declared by a schema file: hard types, no new fields */
    struct convp_field_pos *pos; /* where each name was read (a CSV header), or NULL */
    size_t pos_cap;
    uint64_t serial; /* unique per context: caches key on it, not on the address */
};

/* Add a field by name with type CONV_ANY; returns its index, -1 on nomem. */
long convp_schema_add_name(struct conv_schema *s, const char *name, size_t len);
/* Remember where field i's name was read; 0 or -1 on nomem. */
int convp_schema_set_pos(struct conv_schema *s, size_t i, uint64_t line, uint32_t column);
/* Find by name with explicit length (names are kept in NFC, and a name
 * not in NFC is looked up as its NFC). */
long convp_schema_find_n(const struct conv_schema *s, const char *name, size_t len);
/* Copy of a schema (fields, labels, title). NULL on nomem. */
struct conv_schema *convp_schema_copy(struct conv_context *ctx, const struct conv_schema *s);

/* ---- record --------------------------------------------------------------- */

struct convp_slot {
    uint32_t field;  /* index into the record's schema */
    uint32_t column; /* 1-based character column where the value starts */
    uint64_t line;   /* 1-based line where the value starts */
    struct conv_value value;
};

struct conv_record {
    struct conv_context *ctx;
    const struct conv_schema *schema; /* names; borrowed (owned if clone) */
    struct conv_schema *own_schema;   /* set in clones */
    struct convp_slot *slots;
    size_t n;
    size_t cap;
    struct convp_arena arena; /* the values' text */
    int wide; /* a value may need NFC: convp_nfc_suspect() of one added,
                 or one a driver set through convp_record_push() */
    uint64_t index;
    uint64_t line;
    const char *source;
    /* a workbook's record: the sheet it comes from (borrowed from the
     * reader, which sets it), for positions "Sheet!B7"; else NULL */
    const char *sheet;
};

void convp_record_init(struct conv_record *rec, struct conv_context *ctx,
                       const struct conv_schema *schema);
void convp_record_clear(struct conv_record *rec); /* n = 0, arena reset */
void convp_record_fini(struct conv_record *rec);
/* Append a slot; text is used as given (must live as long as the record;
 * use the record's arena).  Returns the slot or NULL on nomem. */
struct convp_slot *convp_record_push(struct conv_record *rec);
/* Append a value whose text is copied into the record's arena. */
int convp_record_add(struct conv_record *rec, uint32_t field, enum conv_type type,
                     unsigned flags, const char *text, size_t len, uint64_t line,
                     uint32_t column);
/* Copy src's slots into dst (dst keeps its schema pointer). */
int convp_record_copy(struct conv_record *dst, const struct conv_record *src);

/* ---- options -------------------------------------------------------------- */

/* How a checker names another record in a message ("record 4"); a merge
 * names its input too ("record 4 of in/a.csv"). */
typedef void (*convp_record_namer)(void *user, uint64_t record, char *buf, size_t size);
void convp_checker_set_namer(struct conv_checker *c, convp_record_namer fn, void *user);

struct conv_options {
    struct conv_context *ctx;
    char **names;
    char **values;
    size_t n;
    size_t cap;
    conv_progress_fn progress;
    void *progress_user;
    conv_diag_fn diag;
    void *diag_user;
    struct conv_error err; /* why the last conv_options_set() failed */
};

/* conv_options_set() without the check of the name: options used as a
 * list of any keys (a reader's info). */
int convp_options_put(struct conv_options *o, const char *name, const char *value);

/* Typed getters for drivers.  A bad value sets err (CONV_E_USAGE). */
const char *convp_opt_str(const struct conv_options *o, const char *name, const char *dflt);
int convp_opt_flag(const struct conv_options *o, const char *name, int dflt,
                   struct conv_error *err, int *out);
int convp_opt_long(const struct conv_options *o, const char *name, long dflt,
                   long min, long max, struct conv_error *err, long *out);
/* One of a NULL-terminated list of words; *out gets its index. */
int convp_opt_enum(const struct conv_options *o, const char *name,
                   const char *const *words, int dflt, struct conv_error *err, int *out);

/* ---- drivers ---------------------------------------------------------------- */

/*
 * The reader driver.  open() sets up rd->drv from rd->in and rd->opts;
 * it may add field names to rd->fields (a CSV header) and set
 * rd->fields_fixed when no other name can appear.  next() clears and fills
 * rd->raw (slots whose field indexes point into rd->fields), sets its line,
 * and returns CONV_OK, CONV_EOF or CONV_ERR with rd->err set.
 */
struct convp_reader_ops {
    int (*open)(struct conv_reader *rd);
    int (*next)(struct conv_reader *rd, struct conv_record *rec);
    void (*close)(struct conv_reader *rd);
    const void *data; /* for open(): a table of a shared layer (the
                         spreadsheet book driver), or NULL */
};

/*
 * The writer driver.  open() parses options into w->drv.  begin() gets the
 * header fields once, before the first record (or at finish when there
 * are no records).  put() writes one record; finish() writes the trailer.
 * Each writes through w->out and sets w->err on failure.
 */
struct convp_writer_ops {
    int (*open)(struct conv_writer *w);
    int (*begin)(struct conv_writer *w, const struct conv_schema *fields);
    int (*put)(struct conv_writer *w, const struct conv_record *rec);
    int (*finish)(struct conv_writer *w);
    void (*close)(struct conv_writer *w);
};

/* Private format flags, beside the public CONV_FORMAT_* capabilities:
 * how the core treats a format's input, asked instead of its name. */
#define CONVP_FMT_TEXT 0x100u     /* text decoded by the core: --encoding, byte-order mark */
#define CONVP_FMT_NOTATION 0x200u /* untyped text values: --locale auto decides from them */
#define CONVP_FMT_DIALECT 0x400u  /* content of its own inside another format's files (an SDMX
                                     message in a .xml): its probe scoring 100 wins over the
                                     format the extension names */
#define CONVP_FMT_CELL_TEXT 0x800u /* not text, but its text cells may be in a legacy encoding:
                                      --encoding goes to the reader, never to the input */
#define CONVP_FMT_PUBLIC 0xFFu    /* the bits conv_format_caps() tells */

struct conv_format {
    const char *name;
    const char *description;
    const char *const *extensions; /* NULL-terminated, no dots */
    unsigned flags; /* CONV_FORMAT_TYPED, _NEEDS_HEADER, _SHEETS (READ and WRITE
                       come from the ops), CONVP_FMT_* */
    /* 0..100 on the first bytes (UTF-8, BOM removed); pure. */
    int (*probe)(const unsigned char *peek, size_t n);
    const struct convp_reader_ops *reader; /* NULL: cannot read */
    const struct convp_writer_ops *writer; /* NULL: cannot write */
    const struct conv_option_desc *options; /* {NULL} terminated */
};

struct conv_reader {
    struct conv_context *ctx;
    const struct conv_format *fmt;
    const struct convp_reader_ops *ops; /* fmt->reader, unless its open() handed
                                           the reading to a shared layer's table
                                           (a CSV read as a table) */
    const struct conv_options *opts;
    struct convp_input *in;
    const char *source;        /* input name for errors */
    struct conv_schema *fields; /* names seen (and types), owned */
    int fields_fixed;          /* driver: no new names can appear */
    int required_later;        /* driver: a declared required field may stay empty (what
                                  it could not decide and told; conv-check finds it) */
    int typed;                 /* values come typed (from fmt flags; the
                                  driver's open() may change it) */
    void *drv;                 /* driver state */
    struct conv_error err;
    /* core state (typing, inference) */
    struct conv_record raw;     /* what the driver fills; typed in place */
    const struct conv_schema *declared; /* --schema, owned via own_declared */
    struct conv_schema *own_declared;
    long infer_rows;
    struct conv_record *pending; /* records held back while inferring */
    size_t pending_n;
    size_t pending_pos;
    long *declared_map;          /* rd->fields index -> declared index */
    size_t declared_map_n;
    uint64_t *declared_seen;     /* per declared field: last record with a value */
    int inferred;
    int done;
    uint64_t count;
    struct conv_options *info; /* conv_reader_info(); NULL until set */
    /* locale and NFC (reader.c) */
    int locale;        /* the --locale option: 0 auto, 1 c, 2 vi */
    int loc;           /* in force: 0 undecided (read as C), 1 c, 2 vi */
    int loc_detect;    /* auto: decide from the values (text formats) */
    uint64_t loc_weak; /* line of the first value read as C text that vi would read otherwise */
    int comma_signal;  /* decimal commas are a Vietnamese signal (not ',') */
    struct convp_buf scratch; /* NFC, case folding, canonical text */
    /* --null: texts read as a missing value (reader.c) */
    char *null_text;           /* the marks, each NUL-terminated, one after another */
    size_t null_n;             /* how many (0: the option is not set) */
    size_t null_max;           /* the longest one's length */
    int null_empty;            /* the empty text is one */
    unsigned char null_first[32]; /* bit per first byte of a non-empty mark */
};

/* Record a fact for conv_reader_info(); 0 or -1 (nomem, rd->err set). */
int convp_reader_set_info(struct conv_reader *rd, const char *key, const char *value);

struct conv_writer {
    struct conv_context *ctx;
    const struct conv_format *fmt;
    const struct conv_options *opts;
    struct convp_output *out;
    const struct conv_schema *header; /* given, or from the first record */
    struct conv_schema *own_header;
    void *drv;
    struct conv_error err;
    /* record field index -> header column, for convp_writer_row() */
    uint64_t map_serial;                /* schema the map was built for */
    size_t map_n;                       /* its field count then */
    long *map;
    const struct conv_value **row;      /* one per header column */
    uint64_t header_serial; /* schema the header was copied from, 0 if none */
    const char *first_source; /* the first record's source, during begin() only */
    int begun;
    int finished;
    int failed;
    uint64_t count;
};

/* Reader/writer internals used by conv_convert and the spool. */
struct conv_reader *convp_reader_open(struct conv_context *ctx, struct convp_input *in,
                                      const char *path, const struct conv_options *opts,
                                      struct conv_error *err);
struct conv_writer *convp_writer_open(struct conv_context *ctx, struct convp_output *out,
                                      const char *path, const struct conv_schema *schema,
                                      const struct conv_options *opts,
                                      struct conv_error *err);

/* The output format for a path and options ("to", else the extension). */
const struct conv_format *convp_writer_format(const char *path, const struct conv_options *opts,
                                              struct conv_error *err);

/*
 * For writers with a header: the value of each header column of rec, NULL
 * where the record has none.  Returns an array of header->n pointers valid
 * until the next call, or NULL with w->err set (CONV_E_STRUCTURE when the
 * record has a field that is not in the header).
 */
const struct conv_value *const *convp_writer_row(struct conv_writer *w,
                                                 const struct conv_record *rec);

/* Set w->err/rd->err with position from a record slot. */
void convp_error_at_slot(struct conv_error *err, enum conv_errcode code, const char *source,
                         const struct conv_record *rec, const struct convp_slot *slot,
                         const char *fmt, ...) CONVP_PRINTF(6, 7);

/*
 * Give v the type t: 0, or -1 when the text does not fit and hard is set
 * (a soft type that does not fit leaves a string).  A hard boolean also
 * takes TRUE/False and rewrites it to canonical text.
 */
int convp_value_coerce(struct conv_value *v, enum conv_type t, int hard);

/* Report a finding through the options' diagnostic callback, if any. */
void convp_diag(const struct conv_options *o, const struct conv_error *diag);

/* Type recognition used by the typing stage and drivers. */
int convp_is_integer(const char *s, size_t n);
int convp_is_decimal(const char *s, size_t n); /* number with . or e */
int convp_is_date(const char *s, size_t n);
int convp_is_datetime(const char *s, size_t n);

#endif /* CONV_PRIVATE_H */
