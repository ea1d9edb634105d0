#!/usr/bin/env bash
# The formats the documentation names are the registry's: every format that
# `conv --help` lists (from the registry) has a heading in docs/formats.md
# naming it and each of its extensions, as "`name`: `.ext`, `.ext`" (a
# format found by content only, listed with "-", names none), and no
# heading names a format the registry lacks.  The README's formats line
# names each one too.
#   tests/tools/test_docs_formats.sh BINDIR SRCDIR
set -euo pipefail
bindir=$1
src=$2
doc=$src/docs/formats.md
status=0
listed=$("$bindir/conv" --help | sed -n '/^Formats:/,/^$/p' | sed '1d;/^$/d')
[ -n "$listed" ] || { echo "conv --help lists no formats"; exit 1; }
names=""
while read -r name exts _; do
    names="$names $name"
    # The heading naming this format, up to the next format's name or ')'.
    head=$(grep -E '^#+ ' "$doc" | grep -F "\`$name\`:" || true)
    if [ -z "$head" ]; then
        echo "$doc: no heading names the format '$name' (as \`$name\`: \`.ext\`)"
        status=1
        continue
    fi
    part=${head#*\`$name\`:}
    part=${part%%;*}
    part=${part%%)*}
    for e in $exts; do
        [ "$e" = "-" ] && continue # no extension: found by content
        case "$part" in
        *"\`$e\`"*) ;;
        *) echo "$doc: the heading of '$name' does not list its extension $e"; status=1 ;;
        esac
    done
    grep -q -F "\`.$name\`" "$src/README.md" || grep -q -F "(\`${exts%% *}\`" "$src/README.md" ||
        { [ "$exts" = "-" ] && grep -q -F "\`$name\`" "$src/README.md"; } ||
        { echo "README.md: the formats line does not name '$name' (${exts%% *})"; status=1; }
done <<< "$listed"
# Every format a heading names is in the registry.
for doc_name in $(grep -E '^#+ ' "$doc" | grep -o -E '`[a-z0-9-]+`:' | tr -d '`:' | sort -u); do
    case " $names " in
    *" $doc_name "*) ;;
    *) echo "$doc: a heading names '$doc_name', which the registry does not have"; status=1 ;;
    esac
done
[ $status -eq 0 ] && echo "formats:$names: documented"
exit $status
