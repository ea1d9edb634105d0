/*
 * bench-gen: write N synthetic indicator records to stdout as canonical CSV
 * (RFC 4180, CRLF, minimal quoting), JSON Lines or a JSON array.  A fixed-seed
 * xorshift64* PRNG and integer-only arithmetic make the bytes identical on
 * every run and platform for the same N and seed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Output formats. */
enum out_format { OUT_CSV, OUT_JSONL, OUT_JSON };

/* The columns, in output order; also the JSON keys. */
enum column {
    COL_REGION_CODE,
    COL_REGION_NAME,
    COL_INDICATOR_CODE,
    COL_INDICATOR_NAME,
    COL_PARENT_CODE,
    COL_PERIOD,
    COL_VALUE,
    COL_UNIT,
    COL_CHANGE_PCT,
    COL_STATUS,
    COL_NOTE,
    NCOLS
};

static const char *const column_names[NCOLS] = {
    "region_code", "region_name", "indicator_code", "indicator_name",
    "parent_code", "period",      "value",          "unit",
    "change_pct",  "status",      "note"};

/* value and change_pct are JSON numbers; every other column is a string. */
static const int column_is_number[NCOLS] = {0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0};

struct region {
    const char *code;
    const char *name;
};

/* Thai Nguyen province and its districts, plus two Hanoi districts so that
 * several codes start with "00". */
static const struct region regions[] = {
    {"001", "Quận Ba Đình"},
    {"004", "Quận Long Biên"},
    {"019", "Tỉnh Thái Nguyên"},
    {"164", "Thành phố Thái Nguyên"},
    {"165", "Thành phố Sông Công"},
    {"167", "Huyện Định Hóa"},
    {"168", "Huyện Phú Lương"},
    {"169", "Huyện Đồng Hỷ"},
    {"170", "Huyện Võ Nhai"},
    {"171", "Huyện Đại Từ"},
    {"172", "Thị xã Phổ Yên"},
    {"173", "Huyện Phú Bình"},
};

/* How a numeric value of an indicator is drawn. */
struct value_shape {
    uint32_t lo, hi;   /* integer part range, inclusive */
    unsigned max_frac; /* at most this many digits after the point (0..3) */
};

struct indicator {
    const char *code;
    const char *name;
    const char *parent; /* "" for a top-level indicator */
    const char *unit;
    struct value_shape shape;
};

static const struct indicator indicators[] = {
    {"0101", "Tổng giá trị sản xuất trên địa bàn", "", "tỷ đồng",
     {1000, 99999, 3}},
    {"010101", "Công nghiệp và xây dựng", "0101", "tỷ đồng", {500, 90000, 2}},
    {"010102", "Thương mại, dịch vụ", "0101", "tỷ đồng", {100, 30000, 2}},
    {"010103", "Nông, lâm nghiệp và thủy sản", "0101", "tỷ đồng",
     {50, 9000, 2}},
    {"0102", "Giá trị xuất khẩu trên địa bàn", "", "triệu USD", {1, 9999, 3}},
    {"0103", "Thu ngân sách Nhà nước", "", "tỷ đồng", {10, 20000, 1}},
    {"010301", "Thu nội địa", "0103", "tỷ đồng", {10, 15000, 1}},
    {"0104", "Tốc độ tăng trưởng kinh tế (GRDP)", "", "%", {0, 15, 2}},
    {"0201", "Dân số trung bình", "", "người", {20000, 1400000, 0}},
    {"0202", "Tỷ lệ hộ nghèo", "", "%", {0, 25, 3}},
    {"0301", "Diện tích gieo trồng cây hàng năm", "", "ha", {100, 60000, 1}},
    {"0302", "Sản lượng lương thực có hạt", "", "tấn", {1000, 500000, 1}},
    {"030201", "Sản lượng lúa", "0302", "tấn", {800, 400000, 1}},
    {"0501", "Vốn đầu tư thực hiện", "", "tỷ đồng", {10, 50000, 2}},
};

static const char *const statuses[] = {"official", "preliminary", "estimate"};

/* Notes, by kind: plain, with commas, with double quotes, multi-line. */
static const char *const notes_plain[] = {
    "Số liệu sơ bộ",
    "Theo giá so sánh 2010",
    "Không bao gồm doanh nghiệp FDI",
    "Số liệu chính thức năm trước",
    "Cộng dồn từ đầu năm",
};
static const char *const notes_comma[] = {
    "Theo giá hiện hành, chưa điều chỉnh mùa vụ",
    "Ước tính, dựa trên báo cáo nhanh của các xã",
    "Điều chỉnh lại, theo kết quả tổng điều tra",
};
static const char *const notes_quote[] = {
    "Bao gồm \"Khu công nghiệp Yên Bình\"",
    "Số liệu của \"Tổng cục Thống kê\", đã điều chỉnh",
    "Chỉ tiêu \"mềm\" theo nghị quyết",
};
static const char *const notes_multiline[] = {
    "Điều chỉnh theo báo cáo quý\r\nNguồn: Cục Thống kê tỉnh Thái Nguyên",
    "Dòng 1: số liệu \"chính thức\"\r\nDòng 2: chưa kiểm toán, còn thay đổi",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- PRNG --------------------------------------------------------------- */

/* xorshift64* (Vigna); the state is never zero. */
struct rng {
    uint64_t s;
};

/* Seed the generator through one splitmix64 step so nearby seeds differ. */
static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    r->s = z ? z : 0x2545F4914F6CDD1Du;
}

/* Next 64 random bits. */
static uint64_t rng_next(struct rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Du;
}

/* Uniform integer in [0, n) by multiply-shift (n < 2^32). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* ---- Output buffer ------------------------------------------------------ */

#define OUT_CAP (1u << 20)
#define OUT_SLACK 4096 /* room for one record beyond the flush mark */

struct out {
    char *buf;
    size_t len;
    int failed;
};

/* Write the buffered bytes to stdout. */
static void out_flush(struct out *o)
{
    if (o->len && !o->failed &&
        fwrite(o->buf, 1, o->len, stdout) != o->len)
        o->failed = 1;
    o->len = 0;
}

/* Append n bytes; records are far smaller than OUT_SLACK, so callers only
 * need to flush between records. */
static void out_mem(struct out *o, const char *s, size_t n)
{
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

/* Append a NUL-terminated string. */
static void out_str(struct out *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

/* Append one byte. */
static void out_ch(struct out *o, char c)
{
    o->buf[o->len++] = c;
}

/* ---- Field values ------------------------------------------------------- */

/* Format an unsigned integer in decimal; returns the length. */
static size_t fmt_u32(char *dst, uint32_t v)
{
    char tmp[10];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    return n;
}

/* Draw a decimal: integer part in [lo, hi], then `frac` fraction digits
 * whose last digit is never 0, so the text is the shortest form of its
 * double and survives any number-preserving converter.  Zero is always
 * written with a fraction ("0.125", "-0.5"), never as a bare "0". */
static size_t fmt_decimal(struct rng *r, char *dst, uint32_t lo, uint32_t hi,
                          unsigned frac, int negative)
{
    uint32_t ip = lo + rng_below(r, hi - lo + 1);
    size_t n = 0;
    unsigned i;

    if (ip == 0 && frac == 0)
        frac = 1 + rng_below(r, 3);
    if (negative)
        dst[n++] = '-';
    n += fmt_u32(dst + n, ip);
    if (frac) {
        dst[n++] = '.';
        for (i = 1; i < frac; i++)
            dst[n++] = (char)('0' + rng_below(r, 10));
        dst[n++] = (char)('1' + rng_below(r, 9));
    }
    return n;
}

/* Period text: a year, quarter, month, half or nine-month cumulative. */
static size_t fmt_period(struct rng *r, char *dst)
{
    static const char *const tails[] = {"-Q1", "-Q2", "-Q3", "-Q4",
                                        "-H1", "-H2", "-9M"};
    uint32_t year = 2018 + rng_below(r, 7);
    uint32_t kind = rng_below(r, 10);
    size_t n = fmt_u32(dst, year);

    if (kind < 3) {
        /* annual */
    } else if (kind < 6) {
        uint32_t m = 1 + rng_below(r, 12);
        dst[n++] = '-';
        dst[n++] = (char)('0' + m / 10);
        dst[n++] = (char)('0' + m % 10);
    } else {
        const char *t = tails[rng_below(r, COUNT(tails))];
        memcpy(dst + n, t, 3);
        n += 3;
    }
    return n;
}

/* Pick a note: mostly empty, sometimes plain, with commas, with quotes,
 * and about 2% spanning two lines. */
static const char *pick_note(struct rng *r)
{
    uint32_t k = rng_below(r, 1000);
    if (k < 560)
        return "";
    if (k < 760)
        return notes_plain[rng_below(r, COUNT(notes_plain))];
    if (k < 900)
        return notes_comma[rng_below(r, COUNT(notes_comma))];
    if (k < 980)
        return notes_quote[rng_below(r, COUNT(notes_quote))];
    return notes_multiline[rng_below(r, COUNT(notes_multiline))];
}

/* ---- Encoders ----------------------------------------------------------- */

/* One CSV field: quoted only if it holds , " CR or LF; quotes doubled. */
static void put_csv_field(struct out *o, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n')
            break;
    }
    if (i == n) {
        out_mem(o, s, n);
        return;
    }
    out_ch(o, '"');
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            out_ch(o, '"');
        out_ch(o, s[i]);
    }
    out_ch(o, '"');
}

/* One JSON string, escaping quotes, backslashes and control bytes;
 * UTF-8 passes through. */
static void put_json_string(struct out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    out_ch(o, '"');
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out_ch(o, '\\');
            out_ch(o, (char)c);
        } else if (c == '\n') {
            out_mem(o, "\\n", 2);
        } else if (c == '\r') {
            out_mem(o, "\\r", 2);
        } else if (c == '\t') {
            out_mem(o, "\\t", 2);
        } else if (c < 0x20) {
            out_mem(o, "\\u00", 4);
            out_ch(o, hex[c >> 4]);
            out_ch(o, hex[c & 15]);
        } else {
            out_ch(o, (char)c);
        }
    }
    out_ch(o, '"');
}

/* ---- Records ------------------------------------------------------------ */

/* The text of one record's fields; numbers share a scratch buffer. */
struct record {
    const char *field[NCOLS];
    size_t len[NCOLS];
    char scratch[64];
};

/* Set one field from a NUL-terminated constant. */
static void rec_set(struct record *rec, enum column c, const char *s)
{
    rec->field[c] = s;
    rec->len[c] = strlen(s);
}

/* Draw one record.  The draw order is part of the output format: changing
 * it changes every byte after the first record. */
static void make_record(struct rng *r, struct record *rec)
{
    const struct region *reg = &regions[rng_below(r, COUNT(regions))];
    const struct indicator *ind =
        &indicators[rng_below(r, COUNT(indicators))];
    char *p = rec->scratch;
    size_t n;

    rec_set(rec, COL_REGION_CODE, reg->code);
    rec_set(rec, COL_REGION_NAME, reg->name);
    rec_set(rec, COL_INDICATOR_CODE, ind->code);
    rec_set(rec, COL_INDICATOR_NAME, ind->name);
    rec_set(rec, COL_PARENT_CODE, ind->parent);
    rec_set(rec, COL_UNIT, ind->unit);

    n = fmt_period(r, p);
    rec->field[COL_PERIOD] = p;
    rec->len[COL_PERIOD] = n;
    p += n;

    if (rng_below(r, 100) < 3) {
        rec_set(rec, COL_VALUE, "");
    } else {
        unsigned frac = rng_below(r, ind->shape.max_frac + 1);
        n = fmt_decimal(r, p, ind->shape.lo, ind->shape.hi, frac, 0);
        rec->field[COL_VALUE] = p;
        rec->len[COL_VALUE] = n;
        p += n;
    }

    if (rng_below(r, 100) < 12) {
        rec_set(rec, COL_CHANGE_PCT, "");
    } else {
        /* mostly one decimal, some two, a few whole numbers */
        uint32_t k = rng_below(r, 10);
        unsigned frac = k == 0 ? 0 : k < 8 ? 1 : 2;
        int neg = rng_below(r, 4) == 0;
        n = fmt_decimal(r, p, 0, 40, frac, neg);
        rec->field[COL_CHANGE_PCT] = p;
        rec->len[COL_CHANGE_PCT] = n;
        p += n;
    }

    {
        uint32_t k = rng_below(r, 10);
        rec_set(rec, COL_STATUS, statuses[k < 6 ? 0 : k < 9 ? 1 : 2]);
    }
    rec_set(rec, COL_NOTE, pick_note(r));
}

/* CSV header or record line, CRLF-terminated. */
static void put_csv_record(struct out *o, const struct record *rec)
{
    int c;
    for (c = 0; c < NCOLS; c++) {
        if (c)
            out_ch(o, ',');
        put_csv_field(o, rec->field[c], rec->len[c]);
    }
    out_mem(o, "\r\n", 2);
}

/* One JSON object on one line, without the line end.  Empty fields are
 * null; value and change_pct are numbers; the rest are strings. */
static void put_json_record(struct out *o, const struct record *rec)
{
    int c;
    out_ch(o, '{');
    for (c = 0; c < NCOLS; c++) {
        if (c)
            out_ch(o, ',');
        out_ch(o, '"');
        out_str(o, column_names[c]);
        out_mem(o, "\":", 2);
        if (rec->len[c] == 0)
            out_mem(o, "null", 4);
        else if (column_is_number[c])
            out_mem(o, rec->field[c], rec->len[c]);
        else
            put_json_string(o, rec->field[c], rec->len[c]);
    }
    out_ch(o, '}');
}

/* ---- Main --------------------------------------------------------------- */

/* Print usage to f. */
static void usage(FILE *f)
{
    fputs("usage: bench-gen N [--seed S] [--jsonl|--json]\n"
          "  Write N synthetic indicator records to stdout: canonical CSV\n"
          "  (RFC 4180, CRLF) by default, JSON Lines with --jsonl, or a JSON\n"
          "  array with one object per line with --json.  Same N and seed,\n"
          "  same bytes.  Default seed: 1.\n",
          f);
}

/* Parse a whole decimal unsigned 64-bit number; 0 on success. */
static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    unsigned long long x;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *v = (uint64_t)x;
    return 0;
}

int main(int argc, char **argv)
{
    enum out_format fmt = OUT_CSV;
    uint64_t n = 0, seed = 1, i;
    int have_n = 0, a;
    struct rng r;
    struct record rec;
    struct out o = {NULL, 0, 0};

    for (a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (!strcmp(arg, "--json")) {
            fmt = OUT_JSON;
        } else if (!strcmp(arg, "--jsonl")) {
            fmt = OUT_JSONL;
        } else if (!strcmp(arg, "--csv")) {
            fmt = OUT_CSV;
        } else if (!strcmp(arg, "--seed")) {
            if (++a == argc || parse_u64(argv[a], &seed)) {
                fputs("bench-gen: --seed needs a non-negative integer\n",
                      stderr);
                return 2;
            }
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            usage(stdout);
            return 0;
        } else if (!have_n && parse_u64(arg, &n) == 0) {
            have_n = 1;
        } else {
            fprintf(stderr, "bench-gen: unexpected argument '%s'\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (!have_n) {
        usage(stderr);
        return 2;
    }

    o.buf = malloc(OUT_CAP + OUT_SLACK);
    if (!o.buf) {
        fputs("bench-gen: out of memory\n", stderr);
        return 1;
    }
    rng_seed(&r, seed);

    if (fmt == OUT_CSV) {
        for (a = 0; a < NCOLS; a++)
            rec_set(&rec, (enum column)a, column_names[a]);
        put_csv_record(&o, &rec);
    } else if (fmt == OUT_JSON) {
        out_mem(&o, "[\n", 2);
    }

    for (i = 0; i < n && !o.failed; i++) {
        make_record(&r, &rec);
        switch (fmt) {
        case OUT_CSV:
            put_csv_record(&o, &rec);
            break;
        case OUT_JSONL:
            put_json_record(&o, &rec);
            out_ch(&o, '\n');
            break;
        case OUT_JSON:
            if (i)
                out_mem(&o, ",\n", 2);
            put_json_record(&o, &rec);
            break;
        }
        if (o.len >= OUT_CAP)
            out_flush(&o);
    }

    if (fmt == OUT_JSON)
        out_mem(&o, n ? "\n]\n" : "]\n", n ? 3 : 2);
    out_flush(&o);
    free(o.buf);
    if (o.failed || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "bench-gen: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
