/*
 * XLSX writer: the driver (docs/formats.md, "Excel").  It picks the layout
 * (--layout people|plain|report, --plain) that fills the workbook, makes
 * the workbook with libxlsxwriter (in constant_memory mode for a layout
 * that streams its rows) on the temporary file beside the target or on one
 * of its own for other outputs, gives it its title, source, author and
 * creation time, and closes it.  The layouts are xlsx_people.c (people,
 * plain) and xlsx_report.c (report); what they share is xlsx_book.c.
 */
#include "xlsx_book.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* --layout, in the option's order; people is the default, plain --plain's. */
enum { LAYOUT_PEOPLE, LAYOUT_PLAIN, LAYOUT_REPORT, NLAYOUTS };
static const struct convp_xlsx_layout *const layouts[NLAYOUTS] = {
    [LAYOUT_PEOPLE] = &convp_xlsx_layout_people,
    [LAYOUT_PLAIN] = &convp_xlsx_layout_plain,
    [LAYOUT_REPORT] = &convp_xlsx_layout_report,
};

struct xw {
    struct convp_xlsx_book book;
    const struct convp_xlsx_layout *layout;
    void *lay; /* the layout's state */
    const char *author;
    char *tmpdir;   /* for libxlsxwriter's temporary files */
    char *own_path; /* our temporary workbook (stdout, memory, callback): the
                       name libxlsxwriter writes to */
    int own_fd;
    int own_named; /* own_path is a name in the directory, to unlink */
    /* metadata, kept until the workbook is closed */
    char *title, *source, *comments;
};

/* The two digits at s as a number. */
static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* ---- options and metadata -------------------------------------------------------------- */

/* The input's name without its directories; NULL for none or standard input. */
static const char *input_name(const char *source)
{
    if (!source || !*source || !strcmp(source, "-"))
        return NULL;
    const char *slash = strrchr(source, '/');
    return slash && slash[1] ? slash + 1 : source;
}

/*
 * An ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS[.f][Z|±hh:mm], no leap second,
 * year 1900 or later) as a time_t; without a zone it is taken as UTC.
 * 0 or -1.
 */
static int parse_created(const char *s, time_t *out)
{
    size_t n = strlen(s);
    if (!convp_is_datetime(s, n) || two(s + 17) > 59)
        return -1;
    struct tm tm = {0};
    tm.tm_year = two(s) * 100 + two(s + 2) - 1900;
    tm.tm_mon = two(s + 5) - 1;
    tm.tm_mday = two(s + 8);
    tm.tm_hour = two(s + 11);
    tm.tm_min = two(s + 14);
    tm.tm_sec = two(s + 17);
    if (tm.tm_year < 0)
        return -1;
    time_t t = timegm(&tm);
    if (s[n - 1] != 'Z' && n >= 25 && (s[n - 6] == '+' || s[n - 6] == '-')) {
        long off = (two(s + n - 5) * 60L + two(s + n - 2)) * 60L;
        if (off > 14 * 3600L)
            return -1;
        t += s[n - 6] == '+' ? -off : off;
    }
    *out = t;
    return 0;
}

/* Text for the workbook must be UTF-8. */
static int check_utf8(struct conv_writer *w, enum conv_errcode code, const char *what,
                      const char *s)
{
    size_t n = strlen(s);
    if (convp_utf8_valid_prefix((const unsigned char *)s, n) != n) {
        convp_error_set(&w->err, code, NULL, 0, 0, "%s is not valid UTF-8", what);
        return CONV_ERR;
    }
    return CONV_OK;
}

/* Where libxlsxwriter puts its temporary files: $TMPDIR, else beside the
 * target, else /tmp. */
static char *temp_dir(struct conv_context *ctx, const char *target)
{
    const char *env = getenv("TMPDIR");
    if (env && *env)
        return convp_strdup(ctx, env);
    if (target) {
        const char *slash = strrchr(target, '/');
        if (!slash)
            return convp_strdup(ctx, ".");
        return convp_strndup(ctx, target, slash == target ? 1 : (size_t)(slash - target));
    }
    return convp_strdup(ctx, "/tmp");
}

/*
 * Our own temporary workbook for outputs that are not a file we may
 * replace.  libxlsxwriter opens its output by name: it gets the file's
 * /proc/self/fd name, so the file can be unlinked at once and is never
 * left behind; without /proc it keeps its name until close.
 */
static int own_temp(struct conv_writer *w, struct xw *x)
{
    const char *env = getenv("TMPDIR");
    const char *dir = env && *env ? env : "/tmp";
    size_t size = strlen(dir) + 32;
    x->own_path = convp_malloc(w->ctx, size);
    if (!x->own_path)
        return convp_xlsx_nomem(w);
    snprintf(x->own_path, size, "%s/conv-xlsx-XXXXXX", dir);
    x->own_fd = mkostemp(x->own_path, O_CLOEXEC);
    if (x->own_fd < 0) {
        convp_error_set(&w->err, CONV_E_IO, dir, 0, 0, "cannot create a temporary file: %s",
                        strerror(errno));
        convp_free(w->ctx, x->own_path);
        x->own_path = NULL;
        return CONV_ERR;
    }
    x->own_named = 1;
    char proc[40];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", x->own_fd);
    if (access(proc, W_OK) == 0 && strlen(proc) < size && unlink(x->own_path) == 0) {
        memcpy(x->own_path, proc, strlen(proc) + 1);
        x->own_named = 0;
    }
    return CONV_OK;
}

/* The layout the options ask for; another layout's own options are
 * mistakes. */
static const struct convp_xlsx_layout *choose_layout(struct conv_writer *w)
{
    int plain, k;
    const char *names[NLAYOUTS + 1];
    for (size_t i = 0; i < NLAYOUTS; i++)
        names[i] = layouts[i]->name;
    names[NLAYOUTS] = NULL;
    if (convp_opt_flag(w->opts, "plain", 0, &w->err, &plain) != CONV_OK)
        return NULL;
    /* The layouts a reader takes (records, table, cells) say how the
     * input is read: the workbook written is the default one. */
    const char *asked = convp_opt_str(w->opts, "layout", NULL);
    int reading = asked && (!strcmp(asked, "records") || !strcmp(asked, "table") ||
                            !strcmp(asked, "cells"));
    if (reading) {
        k = plain ? LAYOUT_PLAIN : LAYOUT_PEOPLE;
    } else if (convp_opt_enum(w->opts, "layout", names, plain ? LAYOUT_PLAIN : LAYOUT_PEOPLE,
                              &w->err, &k) != CONV_OK) {
        return NULL;
    }
    if (plain && k != LAYOUT_PLAIN) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option plain: means --layout plain, not --layout %s", names[k]);
        return NULL;
    }
    for (size_t i = 0; i < NLAYOUTS; i++)
        for (const char *const *o = layouts[i]->options; i != (size_t)k && o && *o; o++)
            if (convp_opt_str(w->opts, *o, NULL)) {
                convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                                "option %s: only with --layout %s", *o, names[i]);
                return NULL;
            }
    return layouts[k];
}

/* The layout opened, the options checked, the workbook made. */
static int xw_open(struct conv_writer *w)
{
    struct xw *x = convp_calloc(w->ctx, 1, sizeof *x);
    if (!x)
        return convp_xlsx_nomem(w);
    w->drv = x;
    x->own_fd = -1;
    if (!(x->layout = choose_layout(w)) || !(x->lay = x->layout->ops->open(x->layout, w, &x->book)))
        return CONV_ERR;
    x->author = convp_opt_str(w->opts, "author", "libconv");
    const char *created = convp_opt_str(w->opts, "created", NULL);
    if (created && parse_created(created, &x->book.created) != 0) {
        convp_error_set(&w->err, CONV_E_USAGE, NULL, 0, 0,
                        "option created: expected an ISO 8601 date-time from 1900 on, such as "
                        "2022-01-15T00:00:00Z, got '%.60s'",
                        created);
        return CONV_ERR;
    }
    static const char *const text_opts[] = {"title", "source", "author"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = convp_opt_str(w->opts, text_opts[i], NULL);
        char what[32];
        snprintf(what, sizeof what, "option %s", text_opts[i]);
        if (v && check_utf8(w, CONV_E_USAGE, what, v) != CONV_OK)
            return CONV_ERR;
    }
    const char *target = convp_output_file(w->out);
    if (!target) {
        if (own_temp(w, x) != CONV_OK)
            return CONV_ERR;
        target = x->own_path;
    }
    x->tmpdir = temp_dir(w->ctx, convp_output_file(w->out));
    if (!x->tmpdir)
        return convp_xlsx_nomem(w);
    x->book.tmpdir = x->tmpdir;
    lxw_workbook_options wo = {.constant_memory =
                                   x->layout->ops->constant_memory ? LXW_TRUE : LXW_FALSE,
                               .tmpdir = x->tmpdir};
    x->book.wb = workbook_new_opt(target, &wo);
    if (!x->book.wb)
        return convp_xlsx_nomem(w);
    return CONV_OK;
}

/* ---- the header ------------------------------------------------------------------------- */

/* The header's texts must be UTF-8 and its fields fit a sheet; the
 * dataset's title, source and creation time from the options, else the
 * header's, else the input's. */
static int xw_begin(struct conv_writer *w, const struct conv_schema *h)
{
    struct xw *x = w->drv;
    if (h->n > CONVP_XLSX_MAX_COLS) {
        convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                        "%zu fields: a sheet has at most %u columns", h->n, CONVP_XLSX_MAX_COLS);
        return CONV_ERR;
    }
    for (size_t c = 0; c < h->n; c++) {
        const struct conv_field *f = &h->fields[c];
        const char *texts[] = {f->name, f->label, f->label_en, f->unit};
        static const char *const what[] = {"name", "label", "English label", "unit"};
        for (size_t k = 0; k < 4; k++) {
            char msg[64];
            snprintf(msg, sizeof msg, "the %s of field %zu", what[k], c + 1);
            if (texts[k] && check_utf8(w, CONV_E_ENCODING, msg, texts[k]) != CONV_OK)
                return CONV_ERR;
        }
    }
    const char *in = input_name(w->first_source);
    const char *title = convp_opt_str(w->opts, "title", NULL);
    if (!title)
        title = h->title ? h->title : in ? in : "";
    const char *source = convp_opt_str(w->opts, "source", NULL);
    if (!source)
        source = h->source ? h->source : in ? in : "";
    if (check_utf8(w, CONV_E_ENCODING, "the dataset title", title) ||
        check_utf8(w, CONV_E_ENCODING, "the dataset source", source))
        return CONV_ERR;
    if (convp_utf8_count((const unsigned char *)title, strlen(title)) > CONVP_XLSX_MAX_TEXT) {
        convp_error_set(&w->err, CONV_E_LIMIT, convp_output_name(w->out), 0, 0,
                        "the title is over Excel's %u characters in a cell", CONVP_XLSX_MAX_TEXT);
        return CONV_ERR;
    }
    if (!(x->title = convp_strdup(w->ctx, title)) || !(x->source = convp_strdup(w->ctx, source)))
        return convp_xlsx_nomem(w);
    x->book.title = x->title;
    if (!convp_opt_str(w->opts, "created", NULL)) {
        if (h->created) {
            if (parse_created(h->created, &x->book.created) != 0) {
                convp_error_set(&w->err, CONV_E_TYPE, w->first_source, 0, 0,
                                "the input's creation time '%.60s' is not an ISO 8601 "
                                "date-time; use --created",
                                h->created);
                return CONV_ERR;
            }
        } else {
            x->book.created = time(NULL);
        }
    }
    char comments[160];
    snprintf(comments, sizeof comments, "Written by libconv %s%s", conv_version(),
             x->layout->comment);
    if (!(x->comments = convp_strdup(w->ctx, comments)))
        return convp_xlsx_nomem(w);
    return x->layout->ops->begin(x->lay, w, h);
}

/* Each record goes to the layout. */
static int xw_put(struct conv_writer *w, const struct conv_record *rec)
{
    struct xw *x = w->drv;
    return x->layout->ops->put(x->lay, w, rec);
}

/* ---- the end ------------------------------------------------------------------------------ */

/* Copy our temporary workbook to the output (stdout, memory, callback). */
static int copy_out(struct conv_writer *w, struct xw *x)
{
    char buf[65536];
    if (lseek(x->own_fd, 0, SEEK_SET) != 0) {
        convp_error_set(&w->err, CONV_E_IO, "temporary file", 0, 0, "cannot rewind: %s",
                        strerror(errno));
        return CONV_ERR;
    }
    for (;;) {
        ssize_t r = read(x->own_fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            convp_error_set(&w->err, CONV_E_IO, "temporary file", 0, 0, "read error: %s",
                            strerror(errno));
            return CONV_ERR;
        }
        if (r == 0)
            return CONV_OK;
        if (convp_output_write(w->out, buf, (size_t)r, &w->err) != CONV_OK)
            return CONV_ERR;
    }
}

/* The layout's last sheets, the document's properties, the workbook closed. */
static int xw_finish(struct conv_writer *w)
{
    struct xw *x = w->drv;
    if (x->layout->ops->finish(x->lay, w) != CONV_OK)
        return CONV_ERR;
    lxw_doc_properties props = {
        .title = x->title,
        .subject = x->source,
        .author = (char *)x->author,
        .comments = x->comments,
        .created = x->book.created,
    };
    lxw_error e = workbook_set_properties(x->book.wb, &props);
    if (e)
        return convp_xlsx_lxw_fail(w, e, "cannot set the document properties");
    lxw_workbook *wb = x->book.wb;
    x->book.wb = NULL; /* closed and freed whatever happens */
    e = workbook_close(wb);
    if (e)
        return convp_xlsx_lxw_fail(w, e, "cannot write the workbook");
    return x->own_path ? copy_out(w, x) : CONV_OK;
}

/* Whatever happened: the workbook freed (its temporary files closed), then the layout. */
static void xw_close(struct conv_writer *w)
{
    struct xw *x = w->drv;
    if (!x)
        return;
    if (x->book.wb) {
        /* lxw_workbook_free() leaves the constant_memory temporary files
         * open (libxlsxwriter 1.1.4): close them first. */
        lxw_worksheet *ws;
        LXW_FOREACH_WORKSHEET(ws, x->book.wb)
        {
            if (ws->optimize_tmpfile) {
                fclose(ws->optimize_tmpfile);
                ws->optimize_tmpfile = NULL;
                ws->file = NULL;
            }
        }
        lxw_workbook_free(x->book.wb);
    }
    if (x->lay)
        x->layout->ops->close(x->lay);
    if (x->own_path) {
        if (x->own_named)
            unlink(x->own_path);
        convp_free(w->ctx, x->own_path);
    }
    if (x->own_fd >= 0)
        close(x->own_fd);
    convp_free(w->ctx, x->tmpdir);
    convp_free(w->ctx, x->title);
    convp_free(w->ctx, x->source);
    convp_free(w->ctx, x->comments);
    convp_free(w->ctx, x);
    w->drv = NULL;
}

const struct convp_writer_ops convp_xlsx_writer_ops = {
    .open = xw_open,
    .begin = xw_begin,
    .put = xw_put,
    .finish = xw_finish,
    .close = xw_close,
};
