#!/usr/bin/python3
"""Make the man pages of the tools (man/TOOL.1) from their --help text.

    /usr/bin/python3 man/gen-man.py [--out DIR] build/bin [TOOL...]

The pages are committed; run this again after changing a tool's --help
(its options, or the formats of the registry it lists).  The test
tests/tools/test_man_options.sh makes the pages again into a temporary folder and
fails when they differ from the committed ones, which is the reminder.

--help is laid out the same way in every tool: "Usage:" lines, paragraphs,
then sections whose title ends with ':' at the left margin ("Options:",
"csv options:", "Exit status:", "Examples:"), their entries indented, an
entry's continuation lines indented further.
"""
import os
import re
import subprocess
import sys

TOOLS = {
    "conv": "convert statistical indicator records between formats",
    "conv-check": "check statistical indicator records against the indicators profile",
    "conv-info": "describe files of statistical indicator records",
    "conv-batch": "convert many files of records at once, in parallel",
    "conv-serve": "the toolkit as an HTTP service: a page for officials and an API",
}

SEE_ALSO = {
    "conv": "docs/formats.md",
    "conv-check": "docs/checks.md",
    "conv-info": "docs/formats.md",
    "conv-batch": "docs/batch.md",
    "conv-serve": "docs/serve.md",
}


def esc(text):
    """Escape text for roff: backslashes, minus signs, leading dots."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def parse(help_text):
    """Split --help into usage lines, paragraphs and (title, entries)."""
    lines = help_text.rstrip("\n").split("\n")
    usage, paras, sections = [], [], []
    i = 0
    while i < len(lines) and (lines[i].startswith("Usage:") or
                              (usage and lines[i].startswith("       "))):
        usage.append(lines[i][len("Usage:"):].strip() if lines[i].startswith("Usage:")
                     else lines[i].strip())
        i += 1
    para = []
    current = None
    for line in lines[i:]:
        if re.match(r"^[A-Za-z][^ ].*:$", line) or re.match(r"^[a-z, ]+ options:$", line):
            if para:
                paras.append(" ".join(para))
                para = []
            current = (line[:-1], [])
            sections.append(current)
        elif current is None:
            if line.strip():
                para.append(line.strip())
            elif para:
                paras.append(" ".join(para))
                para = []
        elif not line.strip():
            continue
        else:
            indent = len(line) - len(line.lstrip())
            entries = current[1]
            title = current[0].lower()
            if title == "options" or title.endswith(" options"):
                more = not line.lstrip().startswith("-")
            elif title == "exit status":
                more = not re.match(r"^\d+\s", line.lstrip())
            else:
                more = bool(entries) and indent > entries[0][2] + 2
            if entries and more:
                entries[-1][1].append(line.strip())
            else:
                entries.append([line.strip(), [], indent])
    if para:
        paras.append(" ".join(para))
    return usage, paras, sections


def split_entry(text):
    """'-o, --output FILE   what it does' -> ('-o, --output FILE', 'what...')."""
    m = re.match(r"^(\S.*?)\s{2,}(\S.*)$", text)
    if m:
        return m.group(1), m.group(2)
    return text, ""


def page(tool, version, help_text):
    usage, paras, sections = parse(help_text)
    out = [
        '.\\" -*- coding: UTF-8 -*-',
        '.\\" Made by man/gen-man.py from `%s --help`; edit the tool, then regenerate.' % tool,
        '.TH %s 1 "" "libconv %s" "User Commands"' % (tool.upper(), version),
        ".SH NAME",
        "%s \\- %s" % (esc(tool), esc(TOOLS.get(tool, "a libconv tool"))),
        ".SH SYNOPSIS",
    ]
    for n, u in enumerate(usage):
        if n:
            out.append(".br")
        words = u.split(" ", 1)
        out.append(".B %s" % esc(words[0]))
        if len(words) > 1:
            out.append(esc(words[1]))
    out.append(".SH DESCRIPTION")
    for n, p in enumerate(paras):
        if n:
            out.append(".PP")
        out.append(esc(p))
    options_started = False
    for title, entries in sections:
        low = title.lower()
        if low == "options" or low.endswith(" options"):
            if not options_started:
                out.append(".SH OPTIONS")
                options_started = True
            if low != "options":
                out.append(".SS %s" % esc(title[0].upper() + title[1:]))
            for text, more, _ in entries:
                spec, desc = split_entry(text)
                out.append(".TP")
                out.append("\\fB%s\\fR" % esc(spec))
                out.append(esc(" ".join([desc] + more).strip()))
        elif low == "formats":
            out.append(".SH FORMATS")
            for text, more, _ in entries:
                parts = re.split(r"\s{2,}", text, maxsplit=2)
                out.append(".TP")
                out.append("\\fB%s\\fR %s" % (esc(parts[0]), esc(" ".join(parts[1:2]))))
                out.append(esc(" ".join(parts[2:] + more)))
        elif low == "endpoints":
            out.append(".SH ENDPOINTS")
            for text, more, _ in entries:
                spec, desc = split_entry(text)
                out.append(".TP")
                out.append("\\fB%s\\fR" % esc(spec))
                out.append(esc(" ".join([desc] + more).strip()))
        elif low == "exit status":
            out.append(".SH EXIT STATUS")
            for text, more, _ in entries:
                code, desc = re.match(r"^(\d+)\s+(.*)$", text).groups()
                out.append(".TP")
                out.append(".B %s" % code)
                out.append(esc(" ".join([desc] + more)))
        elif low == "examples":
            out.append(".SH EXAMPLES")
            out.append(".nf")
            out.append(".RS")
            for text, more, _ in entries:
                out.append(esc(" ".join([text] + more)))
            out.append(".RE")
            out.append(".fi")
        else:
            out.append(".SH %s" % esc(title.upper()))
            for text, more, _ in entries:
                out.append(esc(" ".join([text] + more)))
                out.append(".br")
    out.append(".SH SEE ALSO")
    others = [t for t in TOOLS if t != tool]
    out.append(", ".join("\\fB%s\\fR(1)" % esc(t) for t in others) + ",")
    out.append("the project's README.md and %s." % esc(SEE_ALSO.get(tool, "docs/")))
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    if len(args) >= 2 and args[0] == "--out":
        here = args[1]
        args = args[2:]
    if not args:
        sys.exit("usage: gen-man.py [--out DIR] BINDIR [TOOL...]")
    bindir = args[0]
    tools = args[1:] or list(TOOLS)
    for tool in tools:
        exe = os.path.join(bindir, tool)
        help_text = subprocess.run([exe, "--help"], check=True, capture_output=True,
                                   text=True).stdout
        version = subprocess.run([exe, "--version"], check=True, capture_output=True,
                                 text=True).stdout.split()[-1]
        with open(os.path.join(here, tool + ".1"), "w", encoding="utf-8") as f:
            f.write(page(tool, version, help_text))


if __name__ == "__main__":
    main()
