/*
 * bench-gen-checked: write about N indicator records that pass every rule
 * of conv-check, as CSV on stdout: regions of the profile's list, periods
 * of every kind over the years 2000-2024, totals equal to the sum of their
 * three components, and each change in percent computed from the value of
 * the same period a year before.  Deterministic (a fixed-seed xorshift64*).
 * Used by bench/run.sh to time conv-check on data that is clean, so that
 * the time is the checking, not the printing of findings.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const regions[] = {"19",  "164", "165", "167", "168",
                                      "169", "170", "171", "172", "173"};
#define NREGIONS (sizeof regions / sizeof regions[0])
#define TOTALS 50 /* each with three components: 200 indicators */
#define KINDS 20  /* year, 4 quarters, 2 halves, nine months, 12 months */
#define YEAR0 2000
#define YEARS 25

static uint64_t rng = 88172645463325252ull;

static uint32_t next_below(uint32_t n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 2685821657736338717ull) >> 33) % n;
}

static void period(char *out, int year, int kind)
{
    if (kind == 0)
        sprintf(out, "%d", year);
    else if (kind <= 4)
        sprintf(out, "%d-Q%d", year, kind);
    else if (kind <= 6)
        sprintf(out, "%d-H%d", year, kind - 4);
    else if (kind == 7)
        sprintf(out, "%d-9M", year);
    else
        sprintf(out, "%d-%02d", year, kind - 7);
}

int main(int argc, char **argv)
{
    if (argc != 2 || atoll(argv[1]) <= 0) {
        fprintf(stderr, "usage: bench-gen-checked N\n");
        return 2;
    }
    uint64_t want = (uint64_t)atoll(argv[1]), written = 0;
    /* Last year's component values per region, kind, total, component:
     * integers (values in whole units). */
    static int64_t prev[NREGIONS][KINDS][TOTALS][3];
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    printf("region_code,indicator_code,parent_code,period,value,unit,change_pct,status\r\n");
    for (int y = 0; y < YEARS && written < want; y++)
        for (size_t r = 0; r < NREGIONS && written < want; r++)
            for (int k = 0; k < KINDS && written < want; k++) {
                char per[16];
                period(per, YEAR0 + y, k);
                for (int t = 0; t < TOTALS && written < want; t++) {
                    int64_t comp[3], total = 0, prev_total = 0;
                    for (int c = 0; c < 3; c++) {
                        int64_t p = prev[r][k][t][c];
                        /* a change of -5 % to +15 % a year */
                        comp[c] = y ? p + p * ((int64_t)next_below(2000) - 500) / 10000
                                    : 1000 + next_below(90000);
                        if (comp[c] < 1)
                            comp[c] = 1;
                        prev_total += p;
                        total += comp[c];
                        prev[r][k][t][c] = comp[c];
                    }
                    char change[32] = "";
                    if (y) {
                        /* one decimal, rounded half away from zero */
                        int64_t q = (total - prev_total) * 10000 / prev_total; /* 0.01 % */
                        int64_t tenths = (q + (q >= 0 ? 5 : -5)) / 10;
                        int64_t mag = tenths < 0 ? -tenths : tenths;
                        sprintf(change, "%s%" PRId64 ".%" PRId64, tenths < 0 ? "-" : "",
                                mag / 10, mag % 10);
                    }
                    printf("%s,%02d,,%s,%" PRId64 ",tỷ đồng,%s,official\r\n", regions[r], t + 1,
                           per, total, change);
                    for (int c = 0; c < 3; c++)
                        printf("%s,%02d%02d,%02d,%s,%" PRId64 ",tỷ đồng,,official\r\n", regions[r],
                               t + 1, c + 1, t + 1, per, comp[c]);
                    written += 4;
                }
            }
    return fflush(stdout) == 0 ? 0 : 1;
}
