#!/usr/bin/env bash
# Only the public API is exported: every dynamic symbol libconv.so defines
# starts with conv_, and, given the public header, the exported functions
# are exactly the ones it declares with CONV_API.  The exported symbols are
# listed, so the log shows the ABI.
#   tests/check-exports.sh path/to/libconv.so [include/conv/conv.h]
set -euo pipefail
so=$1
header=${2:-}
syms=$(nm -D --defined-only "$so" | awk '$2 ~ /[TDBRWVi]/ {print $3}' | sed 's/@.*//' | sort -u)
echo "$(echo "$syms" | wc -l) exported symbols:"
echo "$syms" | sed 's/^/  /'
status=0
bad=$(echo "$syms" | grep -v '^conv_' || true)
if [ -n "$bad" ]; then
    echo "symbols outside the conv_ prefix:"
    echo "$bad"
    status=1
fi
if [ -n "$header" ]; then
    # The first name followed by '(' in a declaration is the function's
    # (no public function returns a function pointer).
    declared=$(tr '\n' ' ' <"$header" | grep -o 'CONV_API [^;#]*;' |
        sed -E 's/^[^(]*\b(conv_[a-z0-9_]+)[[:space:]]*\(.*/\1/' | sort -u)
    missing=$(comm -23 <(echo "$declared") <(echo "$syms"))
    extra=$(comm -13 <(echo "$declared") <(echo "$syms"))
    if [ -n "$missing" ]; then
        echo "declared in $header but not exported:"
        echo "$missing" | sed 's/^/  /'
        status=1
    fi
    if [ -n "$extra" ]; then
        echo "exported but not declared in $header:"
        echo "$extra" | sed 's/^/  /'
        status=1
    fi
    [ $status -ne 0 ] || echo "every exported symbol is declared in the public header, and every declaration exported"
fi
exit $status
