/*
 * Stream the records of a file and add up one numeric field exactly.
 * libconv hands every number over as its text ("552.6"), never as a
 * binary float, so the sum is kept as an integer count of the smallest
 * decimal unit seen (552.6 -> 5526 tenths) and printed back as a decimal:
 * 13090 + 552.6 is 13642.6, not 13642.599999999999.
 *   example-sum-field FILE FIELD
 */
#include <conv/conv.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* An exact sum: units of 10^-scale. */
struct sum {
    int64_t units;
    int scale;
};

/* Add the text of an integer or a plain decimal (no exponent); 0 on
 * overflow or another shape. */
static int sum_add(struct sum *s, const char *text)
{
    int neg = *text == '-';
    const char *p = text + neg;
    const char *dot = strchr(p, '.');
    int decimals = dot ? (int)strlen(dot + 1) : 0;
    if (strpbrk(p, "eE") || decimals > 18)
        return 0;
    while (s->scale < decimals) { /* more decimals: rescale the sum so far */
        if (__builtin_mul_overflow(s->units, 10, &s->units))
            return 0;
        s->scale++;
    }
    int64_t v = 0;
    for (; *p; p++) {
        if (*p == '.')
            continue;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
            return 0;
    }
    for (int i = decimals; i < s->scale; i++)
        if (__builtin_mul_overflow(v, 10, &v))
            return 0;
    return !__builtin_add_overflow(s->units, neg ? -v : v, &s->units);
}

static void sum_print(const struct sum *s)
{
    uint64_t mag = s->units < 0 ? 0 - (uint64_t)s->units : (uint64_t)s->units;
    uint64_t pow = 1;
    for (int i = 0; i < s->scale; i++)
        pow *= 10;
    printf("%s%" PRIu64, s->units < 0 ? "-" : "", mag / pow);
    if (s->scale)
        printf(".%0*" PRIu64, s->scale, mag % pow);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE FIELD\n", argv[0]);
        return 2;
    }
    struct conv_context *ctx = conv_context_new(NULL);
    struct conv_error err;
    struct conv_reader *rd = ctx ? conv_reader_open_file(ctx, argv[1], NULL, &err) : NULL;
    if (!rd) {
        char msg[600];
        conv_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s: %s\n", argv[0], ctx ? msg : "out of memory");
        conv_context_free(ctx);
        return 1;
    }
    struct sum s = {0, 0};
    uint64_t counted = 0, skipped = 0;
    const struct conv_record *rec; /* lent by the reader until the next call */
    int rc;
    while ((rc = conv_reader_next(rd, &rec)) == CONV_OK) {
        const struct conv_value *v = conv_record_get(rec, argv[2]);
        if (v && (v->type == CONV_INTEGER || v->type == CONV_DECIMAL) && sum_add(&s, v->text))
            counted++;
        else if (v && v->type != CONV_NULL)
            skipped++;
    }
    if (rc == CONV_ERR) {
        char msg[600];
        conv_error_format(conv_reader_error(rd), msg, sizeof msg);
        fprintf(stderr, "%s: %s\n", argv[0], msg);
    } else {
        printf("%s: ", argv[2]);
        sum_print(&s);
        printf(" (%" PRIu64 " values added, %" PRIu64 " not numbers)\n", counted, skipped);
    }
    conv_reader_close(rd);
    conv_context_free(ctx);
    return rc == CONV_ERR ? 1 : 0;
}
