/*
 * Options: a small name -> value list shared by the core and the drivers,
 * with typed getters that turn a bad value into a usage error.
 */
#include "conv_private.h"

#include <errno.h>
#include <stdlib.h>

struct conv_options *conv_options_new(struct conv_context *ctx)
{
    struct conv_options *o = convp_calloc(ctx, 1, sizeof *o);
    if (o)
        o->ctx = ctx;
    return o;
}

void conv_options_free(struct conv_options *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        convp_free(o->ctx, o->names[i]);
        convp_free(o->ctx, o->values[i]);
    }
    convp_free(o->ctx, o->names);
    convp_free(o->ctx, o->values);
    convp_free(o->ctx, o);
}

/* Edit distance between a and b (at most 63 bytes each counted; longer
 * names are never "close"), with '_' and '-' alike: the Python binding
 * and habit from other tools write no_header for no-header. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char x = a[i - 1] == '_' ? '-' : a[i - 1], y = b[j - 1] == '_' ? '-' : b[j - 1];
            size_t best = diag + (x != y);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = row[j];
            row[j] = best;
        }
    }
    return row[lb];
}

static void consider(const char *name, const char *cand, const char **best, size_t *best_d)
{
    size_t d = cand ? distance(name, cand) : (size_t)-1;
    if (d < *best_d) {
        *best_d = d;
        *best = cand;
    }
}

static int close_enough(const char *name, size_t d)
{
    size_t n = strlen(name);
    return d <= (n / 3 > 2 ? n / 3 : 2);
}

const char *conv_closest_name(const char *name, const char *const *candidates, size_t count)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    if (!name || !candidates)
        return NULL;
    for (size_t i = 0; i < count; i++)
        consider(name, candidates[i], &best, &best_d);
    return close_enough(name, best_d) ? best : NULL;
}

/* The known option closest to name, or NULL when none is close. */
static const char *closest(const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    const struct conv_option_desc *d;
    for (size_t i = 0; (d = conv_core_option(i)) != NULL; i++)
        consider(name, d->name, &best, &best_d);
    for (size_t f = 0; f < conv_format_count(); f++)
        for (size_t i = 0; (d = conv_format_option(conv_format_at(f), i)) != NULL; i++)
            consider(name, d->name, &best, &best_d);
    for (size_t i = 0; (d = conv_checker_option(i)) != NULL; i++)
        consider(name, d->name, &best, &best_d);
    return close_enough(name, best_d) ? best : NULL;
}

const struct conv_error *conv_options_error(const struct conv_options *o)
{
    return &o->err;
}

int conv_options_set(struct conv_options *o, const char *name, const char *value)
{
    conv_error_clear(&o->err);
    if (!name || !conv_option_find(name)) {
        const char *near = name ? closest(name) : NULL;
        if (near)
            convp_error_set(&o->err, CONV_E_USAGE, NULL, 0, 0,
                            "unknown option '%.100s' (did you mean '%s'?)", name, near);
        else
            convp_error_set(&o->err, CONV_E_USAGE, NULL, 0, 0, "unknown option '%.100s'",
                            name ? name : "(null)");
        return CONV_ERR;
    }
    return convp_options_put(o, name, value);
}

int convp_options_put(struct conv_options *o, const char *name, const char *value)
{
    char *v = convp_strdup(o->ctx, value ? value : "1");
    if (!v) {
        convp_error_set(&o->err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
        return CONV_ERR;
    }
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->names[i], name)) {
            convp_free(o->ctx, o->values[i]);
            o->values[i] = v;
            return CONV_OK;
        }
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        char **n = convp_realloc(o->ctx, o->names, cap * sizeof *n);
        if (!n)
            goto nomem;
        o->names = n;
        char **vv = convp_realloc(o->ctx, o->values, cap * sizeof *vv);
        if (!vv)
            goto nomem;
        o->values = vv;
        o->cap = cap;
    }
    if (!(o->names[o->n] = convp_strdup(o->ctx, name)))
        goto nomem;
    o->values[o->n++] = v;
    return CONV_OK;
nomem:
    convp_free(o->ctx, v);
    convp_error_set(&o->err, CONV_E_NOMEM, NULL, 0, 0, "out of memory");
    return CONV_ERR;
}

const char *conv_options_get(const struct conv_options *o, const char *name)
{
    if (!o)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->names[i], name))
            return o->values[i];
    return NULL;
}

size_t conv_options_count(const struct conv_options *o)
{
    return o ? o->n : 0;
}

const char *conv_options_name(const struct conv_options *o, size_t i)
{
    return o && i < o->n ? o->names[i] : NULL;
}

const char *conv_options_value(const struct conv_options *o, size_t i)
{
    return o && i < o->n ? o->values[i] : NULL;
}

void conv_options_set_progress(struct conv_options *o, conv_progress_fn fn, void *user)
{
    o->progress = fn;
    o->progress_user = user;
}

const char *convp_opt_str(const struct conv_options *o, const char *name, const char *dflt)
{
    const char *v = conv_options_get(o, name);
    return v ? v : dflt;
}

int convp_opt_flag(const struct conv_options *o, const char *name, int dflt,
                   struct conv_error *err, int *out)
{
    const char *v = conv_options_get(o, name);
    if (!v) {
        *out = dflt;
        return CONV_OK;
    }
    if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true") || !*v) {
        *out = 1;
        return CONV_OK;
    }
    if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = 0;
        return CONV_OK;
    }
    convp_error_set(err, CONV_E_USAGE, NULL, 0, 0, "option %s: expected yes or no, got '%s'",
                    name, v);
    return CONV_ERR;
}

int convp_opt_long(const struct conv_options *o, const char *name, long dflt, long min,
                   long max, struct conv_error *err, long *out)
{
    const char *v = conv_options_get(o, name);
    if (!v) {
        *out = dflt;
        return CONV_OK;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max) {
        convp_error_set(err, CONV_E_USAGE, NULL, 0, 0,
                        "option %s: expected a whole number from %ld to %ld, got '%s'", name,
                        min, max, v);
        return CONV_ERR;
    }
    *out = n;
    return CONV_OK;
}

int convp_opt_enum(const struct conv_options *o, const char *name, const char *const *words,
                   int dflt, struct conv_error *err, int *out)
{
    const char *v = conv_options_get(o, name);
    if (!v) {
        *out = dflt;
        return CONV_OK;
    }
    for (int i = 0; words[i]; i++)
        if (!strcmp(v, words[i])) {
            *out = i;
            return CONV_OK;
        }
    char list[256] = "";
    for (int i = 0; words[i]; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", i ? "|" : "", words[i]);
    }
    convp_error_set(err, CONV_E_USAGE, NULL, 0, 0, "option %s: expected %s, got '%s'", name,
                    list, v);
    return CONV_ERR;
}

void conv_options_set_diag(struct conv_options *o, conv_diag_fn fn, void *user)
{
    o->diag = fn;
    o->diag_user = user;
}

void convp_diag(const struct conv_options *o, const struct conv_error *diag)
{
    if (o && o->diag)
        o->diag(o->diag_user, diag);
}
