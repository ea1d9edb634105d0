#!/usr/bin/env bash
# Every tool's --help and its man page name the same long options: an
# option added to a tool without regenerating its page (man/gen-man.py),
# or one left in the page after it went, fails here.
#   tests/tools/test_man_options.sh BINDIR MANDIR [TOOL...]
# Without TOOLs: every tool built, BINDIR/conv and BINDIR/conv-*, so a new
# tool without a page fails too.
set -euo pipefail
bindir=$1
mandir=$2
shift 2
if [ $# -eq 0 ]; then
    for exe in "$bindir"/conv "$bindir"/conv-*; do
        [ -x "$exe" ] && set -- "$@" "$(basename "$exe")"
    done
fi
status=0
opts() { grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
for tool in "$@"; do
    page=$mandir/$tool.1
    if [ ! -s "$page" ]; then
        echo "$tool: no man page $page"
        status=1
        continue
    fi
    help=$("$bindir/$tool" --help | opts)
    man=$(sed 's/\\-/-/g' "$page" | opts)
    if [ "$help" != "$man" ]; then
        echo "$tool: --help and $page differ (< only in --help, > only in the page);"
        echo "  regenerate with: /usr/bin/python3 man/gen-man.py BINDIR $tool"
        diff <(echo "$help") <(echo "$man") | grep '^[<>]' | sed 's/^/  /'
        status=1
    else
        echo "$tool: $(echo "$help" | wc -l) options, page and --help agree"
    fi
done
# Every page is exactly what man/gen-man.py makes of the tool's --help now
# (which lists the registry's formats and options).
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
if /usr/bin/python3 "$mandir/gen-man.py" --out "$gen" "$bindir" "$@"; then
    for tool in "$@"; do
        if ! diff -u "$mandir/$tool.1" "$gen/$tool.1" > "$gen/diff"; then
            echo "$tool: $mandir/$tool.1 is not what --help gives now; regenerate with:"
            echo "  /usr/bin/python3 man/gen-man.py BINDIR $tool"
            head -20 "$gen/diff" | sed 's/^/  /'
            status=1
        fi
    done
else
    echo "man/gen-man.py failed"
    status=1
fi
# Every page is of a tool that exists.
for page in "$mandir"/*.1; do
    tool=$(basename "$page" .1)
    [ -x "$bindir/$tool" ] || { echo "$page: no tool $tool"; status=1; }
done
exit $status
