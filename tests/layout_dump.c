/*
 * Prints the layout of the structs the library fills for its callers, as
 * the C compiler lays them out: "struct size N" and "struct.field offset"
 * lines.  The Python binding's test compares its ctypes copies with them.
 */
#include <conv/conv.h>
#include <stddef.h>
#include <stdio.h>

#define SIZE(s) printf("%s size %zu\n", #s, sizeof(struct s))
#define FIELD(s, f) printf("%s.%s %zu\n", #s, #f, offsetof(struct s, f))

int main(void)
{
    SIZE(conv_error);
    FIELD(conv_error, code);
    FIELD(conv_error, line);
    FIELD(conv_error, column);
    FIELD(conv_error, offset);
    FIELD(conv_error, record);
    FIELD(conv_error, source);
    FIELD(conv_error, field);
    FIELD(conv_error, message);
    FIELD(conv_error, reserved_);
    SIZE(conv_stats);
    FIELD(conv_stats, records);
    FIELD(conv_stats, bytes_in);
    FIELD(conv_stats, input_format);
    FIELD(conv_stats, output_format);
    FIELD(conv_stats, reserved_);
    SIZE(conv_finding);
    FIELD(conv_finding, rule);
    FIELD(conv_finding, severity);
    FIELD(conv_finding, sheet);
    FIELD(conv_finding, cell);
    FIELD(conv_finding, where);
    FIELD(conv_finding, related_record);
    FIELD(conv_finding, related_line);
    FIELD(conv_finding, related_source);
    FIELD(conv_finding, merged_record);
    FIELD(conv_finding, reserved_);
    SIZE(conv_merge_input);
    FIELD(conv_merge_input, path);
    FIELD(conv_merge_input, label);
    FIELD(conv_merge_input, status);
    FIELD(conv_merge_input, format);
    FIELD(conv_merge_input, records);
    FIELD(conv_merge_input, first);
    FIELD(conv_merge_input, spreadsheet);
    FIELD(conv_merge_input, sheet);
    FIELD(conv_merge_input, error);
    SIZE(conv_journal_stamp);
    FIELD(conv_journal_stamp, size);
    FIELD(conv_journal_stamp, mtime_ns);
    FIELD(conv_journal_stamp, hash);
    FIELD(conv_journal_stamp, hashed);
    FIELD(conv_journal_stamp, reserved_);
    return 0;
}
