/*
 * What the indicators profile reads in a table made for people: the kind
 * of figure, the period and the status a column's header names (in
 * Vietnamese and English), the year a title or a sheet's name gives, the
 * region a row's label names, and an index against the year before as a
 * change in percent.  The spreadsheet layer maps --layout table records
 * to indicator records with these (docs/tables.md, "Indicator records").
 */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

/* ---- words ------------------------------------------------------------------------------------
 */

#define MAX_TOKENS 96

struct tok {
    const char *s;
    size_t n;
    size_t off; /* in the text it was cut from */
    int part;   /* which " / " part of a column label */
    int paren;  /* inside parentheses: (DN), (Tỷ đồng), (2019) */
};

static int sep_byte(const unsigned char *p, size_t left, size_t *skip)
{
    *skip = 1;
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x93 || p[2] == 0x94)) {
        *skip = 3; /* en and em dash */
        return 1;
    }
    return strchr(" \t\r\n/,()-:;.[]*\"'", p[0]) != NULL && p[0] != 0;
}

/* Cut casefolded text into words; '=' and '%' are words of their own and
 * " / " (the column label's joint) starts a new part. */
static size_t tokens(const char *text, size_t n, struct tok *t, size_t max)
{
    size_t k = 0, i = 0;
    int part = 0, paren = 0;
    while (i < n && k < max) {
        const unsigned char *p = (const unsigned char *)text + i;
        size_t skip;
        if (n - i >= 3 && p[0] == ' ' && p[1] == '/' && p[2] == ' ') {
            part++;
            paren = 0;
            i += 3;
            continue;
        }
        if (p[0] == '(' || p[0] == ')')
            paren = p[0] == '(';
        if (p[0] == '=' || p[0] == '%') {
            t[k++] = (struct tok){text + i, 1, i, part, paren};
            i++;
            continue;
        }
        if (sep_byte(p, n - i, &skip)) {
            i += skip;
            continue;
        }
        size_t a = i;
        while (i < n && text[i] != '=' && text[i] != '%' &&
               !sep_byte((const unsigned char *)text + i, n - i, &skip))
            i++;
        t[k++] = (struct tok){text + a, i - a, a, part, paren};
    }
    return k;
}

static int is(const struct tok *t, const char *w)
{
    size_t n = strlen(w);
    return t->n == n && !memcmp(t->s, w, n);
}

static int is_any(const struct tok *t, const char *const *words)
{
    for (; *words; words++)
        if (is(t, *words))
            return 1;
    return 0;
}

/* A number of at most 4 digits, or -1. */
static int number(const struct tok *t)
{
    if (!t->n || t->n > 4)
        return -1;
    int v = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->s[i] < '0' || t->s[i] > '9')
            return -1;
        v = v * 10 + (t->s[i] - '0');
    }
    return v;
}

static int year_of(const struct tok *t)
{
    int v = t->n == 4 ? number(t) : -1;
    return v >= 1900 && v <= 2100 ? v : 0;
}

/* I..IV or 1..4: a quarter's number, or 0. */
static int quarter_of(const struct tok *t)
{
    static const char *const roman[] = {"i", "ii", "iii", "iv", NULL};
    for (int q = 0; roman[q]; q++)
        if (is(t, roman[q]))
            return q + 1;
    int v = number(t);
    return v >= 1 && v <= 4 ? v : 0;
}

/* "q3", "t12", "h1", "9m": a letter and a number (letter first, or m
 * last); the number, or 0. */
static int tagged(const struct tok *t, char lead, char trail, int max)
{
    if (t->n < 2 || t->n > 3)
        return 0;
    struct tok d = *t;
    if (lead && t->s[0] == lead)
        d.s++, d.n--;
    else if (trail && t->s[t->n - 1] == trail)
        d.n--;
    else
        return 0;
    int v = number(&d);
    return v >= 1 && v <= max ? v : 0;
}

static int month_name(const struct tok *t)
{
    static const char *const names[] = {"january",   "february", "march",    "april",
                                        "may",       "june",     "july",     "august",
                                        "september", "october",  "november", "december"};
    for (int m = 0; m < 12; m++)
        if ((t->n == 3 && !memcmp(t->s, names[m], 3)) || is(t, names[m]))
            return m + 1;
    return 0;
}

/* Words of periods, statuses and kinds of figures: not a breakdown. */
static const char *const vocabulary[] = {
    "quý",       "quy",      "quarter", "q",    "tháng", "thang",    "month",       "months",
    "năm",       "year",     "cả",      "sơ",   "bộ",    "prel",     "preliminary", "ước",
    "tính",      "th",       "thực",    "hiện", "chính", "thức",     "est",         "estimate",
    "estimated", "official", "actual",  "kế",   "hoạch", "kh",       "plan",        "so",
    "với",       "cùng",     "kỳ",      "kì",   "trước", "previous", "tăng",        "giảm",
    "tốc",       "độ",       "cộng",    "dồn",  "lũy",   "luỹ",      "đầu",         "cuối",
    "đến",       "này",      "gốc",     "thời", "điểm",  "bình",     "quân",        "=",
    "%",         "of",       "the",     "in",   "vs",    "change",   "growth",      "first",
    "last",      "half",     "i",       "ii",   "iii",   "iv",       "sánh",        NULL};

/* ---- a column's header ------------------------------------------------------------------------
 */

static int pair(const struct tok *t, size_t k, size_t i, const char *a, const char *b)
{
    return i + 1 < k && is(&t[i], a) && is(&t[i + 1], b) && t[i].part == t[i + 1].part;
}

/* A word that ends what "so với" compares with: the period before, a
 * base, the plan, a year. */
static int ends_comparison(const struct tok *t)
{
    return is(t, "trước") || is(t, "gốc") || is(t, "kh") || is(t, "hoạch") || is(t, "previous") ||
           is(t, "plan") || is(t, "base") || is(t, "kỳ") || is(t, "kì") || year_of(t);
}

/* Where the comparison starting at token sv ("so với") ends: the end of
 * its part when the part says what it compares with, else of the first
 * part after it that does. */
static size_t comparison_end(const struct tok *t, size_t k, size_t sv)
{
    size_t j = sv + (is(&t[sv], "so") ? 2 : 1);
    int done = 0;
    /* the rest of its part, then part by part until one says it */
    int part = t[sv].part;
    while (j < k && t[j].part == part)
        done |= ends_comparison(&t[j++]);
    while (!done && j < k) {
        part = t[j].part;
        while (j < k && t[j].part == part)
            done |= ends_comparison(&t[j++]);
    }
    return j;
}

void convp_col_meaning(const char *text, size_t n, const char *folded, size_t fn,
                       struct convp_col_meaning *m)
{
    struct tok t[MAX_TOKENS];
    size_t k = tokens(folded, fn, t, MAX_TOKENS);
    memset(m, 0, sizeof *m);
    m->kind = CONVP_COL_VALUE;
    /* The comparison: "so với" and what it compares with (its words name
     * no period of the column's). */
    size_t cmp_from = k, cmp_to = k;
    for (size_t i = 0; i < k; i++)
        if (pair(t, k, i, "so", "với") || is(&t[i], "vs") || is(&t[i], "compared")) {
            cmp_from = i;
            cmp_to = comparison_end(t, k, i);
            break;
        }
    int year = 0, quarter = 0, month = 0, cum = 0, half = 0, whole = 0, cumulative = 0, late = 0;
    int yoy = 0, other_cmp = 0, growth = 0, share = 0, plan = 0;
    for (size_t i = 0; i < k; i++) {
        const struct tok *w = &t[i];
        int v;
        if (is(w, "tăng") || is(w, "growth") || is(w, "change"))
            growth = 1;
        if ((i + 1 < k && is(w, "cơ") && is(&t[i + 1], "cấu")) ||
            (i + 1 < k && is(w, "tỷ") && is(&t[i + 1], "trọng")) || is(w, "structure") ||
            is(w, "share"))
            share = 1;
        if (i >= cmp_from && i < cmp_to)
            continue;
        if ((v = year_of(w)) && v != year) {
            m->years++;
            if (!year)
                year = v;
        }
        if ((is(w, "quý") || is(w, "quy") || is(w, "quarter") || is(w, "q")) && i + 1 < k &&
            (v = quarter_of(&t[i + 1])))
            quarter = v;
        else if ((v = tagged(w, 'q', 0, 4)))
            quarter = v;
        else if ((v = tagged(w, 'h', 0, 2)))
            half = v;
        else if ((v = tagged(w, 0, 'm', 12)))
            cum = v;
        else if ((v = tagged(w, 't', 0, 12)) && !is(w, "th"))
            month = v;
        if (is(w, "tháng") || is(w, "thang") || is(w, "month") || is(w, "months")) {
            int before = i > 0 ? number(&t[i - 1]) : -1;
            int after = i + 1 < k ? number(&t[i + 1]) : -1;
            if (before >= 1 && before <= 12 && t[i - 1].part == w->part)
                cum = before;
            else if (after >= 1 && after <= 12)
                month = after;
        }
        if (!month && (v = month_name(w)))
            month = v;
        if (pair(t, k, i, "cả", "năm") || is(w, "annual"))
            whole = 1;
        if (pair(t, k, i, "cộng", "dồn") || pair(t, k, i, "lũy", "kế") ||
            pair(t, k, i, "luỹ", "kế") || is(w, "cumulative") || is(w, "ytd"))
            cumulative = 1;
        if (pair(t, k, i, "cuối", "năm") || is(w, "second"))
            late = 1;
        if (pair(t, k, i, "sơ", "bộ") || is(w, "prel") || is(w, "preliminary"))
            m->status = "preliminary";
        else if (is(w, "ước") || is(w, "est") || is(w, "estimate") || is(w, "estimated"))
            m->status = "estimate";
        else if (!m->status && (pair(t, k, i, "thực", "hiện") || pair(t, k, i, "chính", "thức") ||
                                is(w, "th") || is(w, "official") || is(w, "actual")))
            m->status = "official";
        if (is(w, "=") && i + 1 < k && is(&t[i + 1], "100")) {
            /* "Năm trước = 100", "Cùng kỳ năm trước = 100": against the year before */
            int y = 0;
            for (size_t j = 0; j < i; j++)
                if (t[j].part == w->part &&
                    (pair(t, k, j, "năm", "trước") || pair(t, k, j, "cùng", "kỳ") ||
                     pair(t, k, j, "cùng", "kì")))
                    y = 1;
            if (y)
                yoy = 1;
            else
                other_cmp = 1;
        }
        if (pair(t, k, i, "kế", "hoạch") || is(w, "kh") || is(w, "plan") || is(w, "planned"))
            plan = 1;
    }
    /* What the comparison is against: the same period a year before (the
     * words may run over the header's rows), or something else. */
    if (cmp_from < k) {
        int cmp = 0;
        for (size_t j = cmp_from + 1; j < cmp_to && !cmp; j++) {
            int y = year_of(&t[j]);
            if ((is(&t[j], "cùng") && j + 1 < cmp_to &&
                 (is(&t[j + 1], "kỳ") || is(&t[j + 1], "kì"))) ||
                (is(&t[j], "năm") && j + 1 < cmp_to && is(&t[j + 1], "trước")) ||
                (y && year && y == year - 1))
                cmp = 1;
            else if (is(&t[j], "trước") || is(&t[j], "gốc") || is(&t[j], "kh") ||
                     is(&t[j], "hoạch") || (y && (!year || y != year - 1)))
                cmp = 2;
        }
        if (cmp == 1)
            yoy = 1;
        else
            other_cmp = 1;
    }
    if (share || other_cmp)
        m->kind = CONVP_COL_OTHER;
    else if (growth)
        m->kind = CONVP_COL_CHANGE;
    else if (yoy)
        m->kind = CONVP_COL_CHANGE_INDEX;
    else if (plan)
        m->kind = CONVP_COL_PLAN;
    /* The period: the finest it names. */
    struct convp_period *p = &m->period;
    p->year = year;
    p->kind = 'Y';
    p->first = 1;
    p->last = 12;
    int named = 1;
    if (cumulative && month && !cum)
        cum = month, month = 0;
    if (quarter) {
        p->kind = 'Q', p->part = quarter;
        p->first = 3 * quarter - 2, p->last = 3 * quarter;
    } else if (cum) {
        if (cum == 3)
            p->kind = 'Q', p->part = 1, p->first = 1, p->last = 3;
        else if (cum == 6)
            p->kind = 'H', p->part = late ? 2 : 1, p->first = late ? 7 : 1, p->last = late ? 12 : 6;
        else if (cum == 9)
            p->kind = 'N', p->part = 9, p->last = 9;
        else if (cum != 12) {
            m->undecided = cum; /* the first N months: not one of the profile's periods */
            named = 0;
        }
    } else if (half) {
        p->kind = 'H', p->part = half;
        p->first = 6 * half - 5, p->last = 6 * half;
    } else if (month) {
        p->kind = 'M', p->part = p->first = p->last = month;
    } else if (!year && !whole) {
        named = 0;
    }
    m->have_period = named;
    m->need_year = named && !year;
    /* The rest: the words that name no period, status or kind (a
     * breakdown such as Tổng số, Nam, Nữ), in the label's own case. */
    int same = fn == n;
    size_t rl = 0;
    for (size_t i = 0; i < k && rl + 1 < sizeof m->rest; i++) {
        const struct tok *w = &t[i];
        if ((i >= cmp_from && i < cmp_to) || w->paren || is_any(w, vocabulary) || number(w) >= 0 ||
            year_of(w) || tagged(w, 'q', 0, 4) || tagged(w, 'h', 0, 2) || tagged(w, 0, 'm', 12) ||
            tagged(w, 't', 0, 12) || month_name(w))
            continue;
        const char *src = same ? text + w->off : w->s;
        size_t len = w->n;
        if (rl + len + 2 >= sizeof m->rest)
            break;
        if (rl)
            m->rest[rl++] = ' ';
        memcpy(m->rest + rl, src, len);
        rl += len;
    }
    m->rest[rl] = '\0';
}

int convp_text_year(const char *folded, size_t n)
{
    struct tok t[MAX_TOKENS];
    size_t k = tokens(folded, n, t, MAX_TOKENS);
    for (size_t i = 0; i < k; i++) {
        int y = year_of(&t[i]);
        /* not a base year: giá so sánh 2010, kỳ gốc 2019 */
        int base = (i > 0 && (is(&t[i - 1], "sánh") || is(&t[i - 1], "gốc"))) ||
                   (i > 1 && (is(&t[i - 2], "sánh") || is(&t[i - 2], "gốc")));
        if (y && !base)
            return y;
    }
    return 0;
}

/* ---- an index as a change ---------------------------------------------------------------------
 */

int convp_index_change(const char *s, size_t n, char *out, size_t size)
{
    /* digits[.digits], at most 18 digits: exact in an int64 */
    size_t i = 0, digits = 0, frac = 0;
    int neg = 0, dot = 0;
    long long v = 0;
    if (n && s[0] == '-')
        neg = 1, i = 1;
    for (; i < n; i++) {
        if (s[i] == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || ++digits > 17)
            return -1;
        v = v * 10 + (s[i] - '0');
        frac += dot;
    }
    if (!digits)
        return -1;
    if (neg)
        v = -v;
    long long scale = 1;
    for (size_t f = 0; f < frac; f++)
        scale *= 10;
    long long r = v - 100 * scale;
    int rneg = r < 0;
    unsigned long long a = rneg ? (unsigned long long)(-r) : (unsigned long long)r;
    int w;
    if (frac)
        w = snprintf(out, size, "%s%llu.%0*llu", rneg ? "-" : "", a / (unsigned long long)scale,
                     (int)frac, a % (unsigned long long)scale);
    else
        w = snprintf(out, size, "%s%llu", rneg ? "-" : "", a);
    return w > 0 && (size_t)w < size ? 0 : -1;
}

/* ---- regions ----------------------------------------------------------------------------------
 */

struct region {
    char code[8];
    char *name;
    int from, to;         /* years the code is used: 0 open */
    int named;            /* the year its name took effect (the others are older): 0 always */
    int province;         /* its level */
    char **keys;          /* folded names: the name and the others, with and without their kind */
    unsigned char *older; /* per key: one of the other (older) names */
    unsigned char *bare;  /* per key: without its kind (Tỉnh, Thành phố) */
    size_t nkeys;
};

struct convp_regions {
    struct conv_context *ctx;
    struct region *r;
    size_t n, cap;
    struct convp_buf tmp, fold;
};

/* Lower-case ASCII letters and digits only: "thanh pho ha noi" -> "thanhphohanoi". */
static size_t squeeze(char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            s[k++] = c;
        else if (c >= 'A' && c <= 'Z')
            s[k++] = (char)(c + 32);
    }
    s[k] = '\0';
    return k;
}

/* The key of a name, and of the name without its kind (Tỉnh, Thành phố,
 * TP., Huyện...): into keys; how many (0..2), -1 on nomem. */
static int name_keys(struct convp_regions *g, const char *name, size_t n, char **keys)
{
    /* kinds as folded words, a space or dot after each */
    static const char *const kinds[] = {"thanh pho", "tinh",     "tp",   "huyen", "quan",
                                        "thi xa",    "province", "city", NULL};
    static const char *const tails[] = {" city", " province", NULL};
    const char *f;
    size_t fn;
    if (convp_fold_ascii(&g->fold, name, n, &f, &fn) != 0)
        return -1;
    if (!f)
        return 0;
    while (fn && (*f == ' ' || *f == '\t'))
        f++, fn--;
    while (fn && (f[fn - 1] == ' ' || f[fn - 1] == '\t'))
        fn--;
    size_t cut = 0, end = fn;
    for (int i = 0; kinds[i]; i++) {
        size_t l = strlen(kinds[i]);
        if (fn > l + 1 && !memcmp(f, kinds[i], l) && (f[l] == ' ' || f[l] == '.')) {
            cut = l + 1;
            break;
        }
    }
    for (int i = 0; tails[i]; i++) {
        size_t l = strlen(tails[i]);
        if (end > cut + l && !memcmp(f + end - l, tails[i], l)) {
            end -= l;
            break;
        }
    }
    char *a = convp_strndup(g->ctx, f, fn);
    if (!a)
        return -1;
    keys[0] = a;
    if (!cut && end == fn) {
        squeeze(a, fn);
        return 1;
    }
    char *c = convp_strndup(g->ctx, f + cut, end - cut);
    if (!c) {
        convp_free(g->ctx, a);
        return -1;
    }
    squeeze(a, fn);
    squeeze(c, end - cut);
    keys[1] = c;
    return 2;
}

static int year_num(const char *s)
{
    return s && strlen(s) >= 4 ? atoi(s) : 0;
}

void convp_regions_free(struct convp_regions *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        for (size_t k = 0; k < g->r[i].nkeys; k++)
            convp_free(g->ctx, g->r[i].keys[k]);
        convp_free(g->ctx, g->r[i].keys);
        convp_free(g->ctx, g->r[i].older);
        convp_free(g->ctx, g->r[i].bare);
        convp_free(g->ctx, g->r[i].name);
    }
    convp_free(g->ctx, g->r);
    convp_buf_free(&g->tmp);
    convp_buf_free(&g->fold);
    convp_free(g->ctx, g);
}

/* The next CSV field of a line without quotes in names (the list's own). */
static const char *field(const char **p, const char *end, size_t *len)
{
    const char *s = *p, *e = s;
    while (e < end && *e != ',')
        e++;
    *len = (size_t)(e - s);
    *p = e < end ? e + 1 : e;
    return s;
}

static int add_key(struct convp_regions *g, struct region *r, char *key, int older, int bare)
{
    char **k = convp_realloc(g->ctx, r->keys, (r->nkeys + 1) * sizeof *k);
    if (k)
        r->keys = k;
    unsigned char *o = k ? convp_realloc(g->ctx, r->older, r->nkeys + 1) : NULL;
    if (o)
        r->older = o;
    unsigned char *b = o ? convp_realloc(g->ctx, r->bare, r->nkeys + 1) : NULL;
    if (!b) {
        convp_free(g->ctx, key);
        return -1;
    }
    r->bare = b;
    r->keys[r->nkeys] = key;
    r->older[r->nkeys] = (unsigned char)older;
    r->bare[r->nkeys++] = (unsigned char)bare;
    return 0;
}

struct convp_regions *convp_regions_load(struct conv_context *ctx)
{
    struct convp_regions *g = convp_calloc(ctx, 1, sizeof *g);
    if (!g)
        return NULL;
    g->ctx = ctx;
    convp_buf_init(&g->tmp, ctx);
    convp_buf_init(&g->fold, ctx);
    size_t size;
    const char *data =
        (const char *)convp_profile_codes(convp_profile_indicators(), "regions", &size);
    const char *p = data, *end = data ? data + size : NULL;
    int first = 1;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *q = p;
        p = nl ? nl + 1 : end;
        if (le > q && le[-1] == '\r')
            le--;
        if (first || le == q) {
            first = 0;
            continue;
        }
        /* code,name,level,parent_code,valid_from,valid_to,named_from,other_names */
        size_t l[8];
        const char *f[8];
        for (int i = 0; i < 8; i++)
            f[i] = field(&q, le, &l[i]);
        if (!l[0] || l[0] >= 8)
            continue;
        if (convp_array_grow(ctx, (void **)&g->r, g->n + 1, &g->cap, sizeof *g->r) != 0)
            goto nomem;
        struct region *r = &g->r[g->n++];
        memset(r, 0, sizeof *r);
        memcpy(r->code, f[0], l[0]);
        if (!(r->name = convp_strndup(ctx, f[1], l[1])))
            goto nomem;
        char tmp[16];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(l[4] < 10 ? l[4] : 10), f[4]);
        r->from = year_num(tmp);
        snprintf(tmp, sizeof tmp, "%.*s", (int)(l[5] < 10 ? l[5] : 10), f[5]);
        r->to = year_num(tmp);
        snprintf(tmp, sizeof tmp, "%.*s", (int)(l[6] < 10 ? l[6] : 10), f[6]);
        r->named = year_num(tmp);
        r->province = l[2] == 8 && !memcmp(f[2], "province", 8);
        /* the name, then the other names separated by | */
        for (int pass = 0; pass < 2; pass++) {
            const char *s = pass ? f[7] : f[1], *se = s + (pass ? l[7] : l[1]);
            while (s < se) {
                const char *bar = memchr(s, '|', (size_t)(se - s));
                const char *e = bar ? bar : se;
                char *keys[2];
                int nk = name_keys(g, s, (size_t)(e - s), keys);
                if (nk < 0)
                    goto nomem;
                for (int i = 0; i < nk; i++)
                    if (add_key(g, r, keys[i], pass, nk == 1 || i == 1) != 0)
                        goto nomem;
                s = bar ? bar + 1 : se;
            }
        }
    }
    return g;
nomem:
    convp_regions_free(g);
    return NULL;
}

long convp_regions_find(struct convp_regions *g, const char *text, size_t n, int year)
{
    char *keys[2] = {NULL, NULL};
    int nk = name_keys(g, text, n, keys);
    if (nk < 0)
        return -3;
    /* A text with its kind (Thành phố Thái Nguyên) is matched whole: the
     * city, not the province; without one, by the names without theirs.
     * A name counts in the years it was the unit's (its other names
     * before it took effect), a code in the years it was used; among
     * several, the province. */
    size_t hits = 0, provinces = 0;
    long hit = -1, prov = -1;
    for (int pass = 0; pass < nk && !hits; pass++) {
        const char *want = keys[pass];
        int want_bare = nk == 1 || pass == 1;
        for (size_t i = 0; want[0] && i < g->n; i++) {
            const struct region *r = &g->r[i];
            if (year && ((r->to && year > r->to) || (r->from && year < r->from)))
                continue;
            int ok = 0;
            for (size_t k = 0; k < r->nkeys && !ok; k++) {
                if (r->bare[k] != want_bare || strcmp(r->keys[k], want) != 0)
                    continue;
                if (year && r->named && (r->older[k] ? year >= r->named : year < r->named))
                    continue;
                ok = 1;
            }
            if (!ok)
                continue;
            hits++;
            hit = (long)i;
            if (r->province)
                provinces++, prov = (long)i;
        }
    }
    for (int i = 0; i < nk; i++)
        convp_free(g->ctx, keys[i]);
    if (hits == 1)
        return hit;
    if (hits > 1)
        return provinces == 1 ? prov : -2;
    return -1;
}

const char *convp_regions_code(const struct convp_regions *g, long i)
{
    return g->r[i].code;
}

const char *convp_regions_name(const struct convp_regions *g, long i)
{
    return g->r[i].name;
}

size_t convp_regions_count(const struct convp_regions *g)
{
    return g->n;
}
