/*
 * What a file is and holds, as conv-info tells it (text or JSON), for
 * conv-info and conv-serve's POST /v1/info: one streaming pass per file.
 */
#ifndef CONV_TOOL_INFO_DESCRIBE_H
#define CONV_TOOL_INFO_DESCRIBE_H

#include "tool_common.h"

struct info_io {
    int check_mode;    /* the indicator checks: 0 when the fields are indicator fields, 1 always,
                          -1 never */
    long max_problems; /* problems listed per file */
    int json;          /* a JSON object (the elements of conv-info's array), else text */
    FILE *out;         /* where the description goes */
    /* an error that stops the file (nothing, or less, is described) */
    void (*fail)(void *user, const struct conv_error *err);
    void *user;
};

/*
 * Describe the file at path ("-": standard input) with the reading
 * options opts, to io->out; *printed counts the files described so far
 * (a JSON object after the first is preceded by ",\n").  Returns the exit
 * code conv-info gives for it.
 */
int info_describe(struct conv_context *ctx, const char *path, struct conv_options *opts,
                  const struct info_io *io, int *printed);

#endif
