/*
 * conv-batch's findings and reports: each finding spooled as a text line
 * and a JSON object (memory does not grow with their number), counted on
 * its input; the JSON and CSV reports, written whole or not at all.
 */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

const char *const batch_status_names[] = {"pending", "ok", "skipped", "failed", "canceled"};

/* One finding as two spool lines: "T" and its text for stderr, "J" and its
 * JSON for the report.  A merge's finding is already told in the terms of
 * its input (the library remaps it); its input is found by its merged
 * record. */
void batch_on_finding(void *user, const struct conv_finding *x)
{
    struct finding_sink *k = user;
    struct job *j = k->job;
    if (k->b->merge) {
        size_t i = conv_merge_input_of(k->b->m, x->merged_record, NULL);
        j = i != (size_t)-1 ? k->b->of_input[i] : NULL;
    }
    if (j && x->severity == CONV_SEVERITY_ERROR)
        j->errors++;
    else if (j)
        j->warnings++;
    if (x->severity == CONV_SEVERITY_ERROR)
        atomic_fetch_add(&k->b->check_errors, 1);
    else
        atomic_fetch_add(&k->b->check_warnings, 1);
    FILE *f = k->spool;
    if (!f)
        return;
    fputc('T', f);
    tool_finding_text(f, x);
    fputc('J', f);
    tool_finding_json(f, x);
    fputc('\n', f);
}

/* Copy the spooled findings of one kind ('T' text, 'J' JSON): every
 * input's in input order, or the merged set's; at most limit of them
 * (0: all).  Returns how many were copied. */
uint64_t batch_copy_findings(FILE *out, const struct batch *b, FILE *merge_spool, char kind,
                             const char *first, const char *sep, uint64_t limit)
{
    uint64_t copied = 0;
    char *line = NULL;
    size_t cap = 0;
    for (size_t i = 0; i <= b->n; i++) {
        FILE *f;
        long from, to;
        if (merge_spool) {
            if (i > 0)
                break;
            f = merge_spool;
            from = 0;
            fflush(f);
            to = ftell(f);
        } else {
            if (i == b->n)
                break;
            f = b->jobs[i].spool;
            from = b->jobs[i].spool_from;
            to = b->jobs[i].spool_to;
        }
        if (!f || to <= from)
            continue;
        fflush(f);
        if (fseek(f, from, SEEK_SET) != 0)
            continue;
        ssize_t len;
        while (ftell(f) < to && (len = getline(&line, &cap, f)) > 0) {
            if (line[0] != kind)
                continue;
            if (limit && copied >= limit)
                goto out;
            fputs(copied ? sep : first, out);
            fwrite(line + 1, 1, (size_t)len - 2, out); /* no kind, no newline */
            copied++;
        }
        fseek(f, 0, SEEK_END);
    }
out:
    free(line);
    return copied;
}

void batch_error_text(const struct job *j, char *out, size_t size)
{
    if (j->message[0])
        snprintf(out, size, "%s", j->message);
    else if (j->err.code != CONV_E_NONE)
        conv_error_format(&j->err, out, size);
    else
        out[0] = '\0';
}

static void json_error(FILE *f, const char *msg, const struct conv_error *err)
{
    if (!msg[0]) {
        fputs("null", f);
        return;
    }
    fputs("{\"message\": ", f);
    tool_json_string(f, msg);
    fprintf(f, ", \"line\": %llu, \"column\": %llu}", (unsigned long long)err->line,
            (unsigned long long)err->column);
}

static void write_json(FILE *f, const struct batch *b, double seconds, const struct merge_result *m,
                       FILE *merge_spool)
{
    fprintf(f, "{\n  \"inputs\": [");
    for (size_t i = 0; i < b->n; i++) {
        const struct job *j = &b->jobs[i];
        fprintf(f, "%s\n    {\"input\": ", i ? "," : "");
        tool_json_string(f, j->input);
        fprintf(f, ", \"status\": \"%s\", \"format\": ", batch_status_names[j->status]);
        if (j->format)
            tool_json_string(f, j->format);
        else
            fputs("null", f);
        fprintf(f, ", \"records\": %llu, \"output\": ", (unsigned long long)j->records);
        if (b->merge && j->status == ST_OK && m->status == ST_OK)
            tool_json_string(f, b->merge);
        else if (!b->merge && (j->status == ST_OK || j->status == ST_SKIPPED))
            tool_json_string(f, j->output);
        else
            fputs("null", f);
        if (b->merge) {
            fputs(", \"source\": ", f);
            tool_json_string(f, j->rel);
        }
        if (b->check)
            fprintf(f, ", \"check_errors\": %llu, \"check_warnings\": %llu",
                    (unsigned long long)j->errors, (unsigned long long)j->warnings);
        fprintf(f, ", \"seconds\": %.3f, \"error\": ", j->seconds);
        char msg[1024];
        batch_error_text(j, msg, sizeof msg);
        json_error(f, msg, &j->err);
        fputc('}', f);
    }
    fputs("\n  ],\n", f);
    if (b->merge) {
        fputs("  \"merge\": {\"output\": ", f);
        tool_json_string(f, b->merge);
        fprintf(f,
                ", \"format\": \"%s\", \"status\": \"%s\", \"inputs\": %zu, \"records\": %llu, "
                "\"source_field\": ",
                b->to, batch_status_names[m->status], m->status == ST_OK ? m->inputs : 0,
                (unsigned long long)m->records);
        tool_json_string(f, m->field);
        fprintf(f, ", \"seconds\": %.3f, \"error\": ", m->seconds);
        char msg[1024] = "";
        if (m->err.code != CONV_E_NONE)
            conv_error_format(&m->err, msg, sizeof msg);
        json_error(f, msg, &m->err);
        fputs("},\n", f);
    }
    if (b->check) {
        fputs("  \"findings\": [", f);
        uint64_t n = batch_copy_findings(f, b, merge_spool, 'J', "\n    ", ",\n    ", 0);
        fputs(n ? "\n  ],\n" : "],\n", f);
    }
    size_t counts[5] = {0};
    uint64_t records = 0;
    for (size_t i = 0; i < b->n; i++) {
        counts[b->jobs[i].status]++;
        if (b->jobs[i].status == ST_OK)
            records += b->jobs[i].records;
    }
    fprintf(f,
            "  \"summary\": {\"inputs\": %zu, \"ok\": %zu, \"skipped\": %zu, \"failed\": "
            "%zu, \"canceled\": %zu, \"records\": %llu, ",
            b->n, counts[ST_OK], counts[ST_SKIPPED], counts[ST_FAILED],
            counts[ST_CANCELED] + counts[ST_PENDING], (unsigned long long)records);
    if (b->check)
        fprintf(f, "\"check_errors\": %llu, \"check_warnings\": %llu, ",
                (unsigned long long)atomic_load(&b->check_errors),
                (unsigned long long)atomic_load(&b->check_warnings));
    fprintf(f, "\"seconds\": %.3f}\n}\n", seconds);
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_csv(FILE *f, const struct batch *b, const struct merge_result *m)
{
    fprintf(f, "input,status,format,records,output,seconds,error,line,column%s\r\n",
            b->check ? ",check_errors,check_warnings" : "");
    for (size_t i = 0; i < b->n; i++) {
        const struct job *j = &b->jobs[i];
        csv_field(f, j->input);
        fprintf(f, ",%s,%s,%llu,", batch_status_names[j->status], j->format ? j->format : "",
                (unsigned long long)j->records);
        if (b->merge)
            csv_field(f, j->status == ST_OK && m->status == ST_OK ? b->merge : "");
        else
            csv_field(f, j->status == ST_OK || j->status == ST_SKIPPED ? j->output : "");
        fprintf(f, ",%.3f,", j->seconds);
        char msg[1024];
        batch_error_text(j, msg, sizeof msg);
        csv_field(f, msg);
        if (msg[0] && j->err.line)
            fprintf(f, ",%llu,%llu", (unsigned long long)j->err.line,
                    (unsigned long long)j->err.column);
        else
            fputs(",,", f);
        if (b->check)
            fprintf(f, ",%llu,%llu", (unsigned long long)j->errors,
                    (unsigned long long)j->warnings);
        fputs("\r\n", f);
    }
}

int batch_write_report(const char *path, const struct batch *b, double seconds, int csv,
                       const struct merge_result *m, FILE *merge_spool)
{
    struct conv_error err;
    struct tool_output *o = tool_output_open(path, &err);
    if (o) {
        if (csv)
            write_csv(o->f, b, m);
        else
            write_json(o->f, b, seconds, m, merge_spool);
        if (tool_output_close(o, 1, &err) == 0)
            return 0;
    }
    fprintf(stderr, "%s: %s: cannot write the report: %s\n", batch_prog, path, err.message);
    return -1;
}
