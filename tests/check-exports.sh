#!/usr/bin/env bash
# Only the public API is exported: every dynamic symbol libconv.so defines
# starts with conv_.
#   tests/check-exports.sh path/to/libconv.so
set -euo pipefail
so=$1
syms=$(nm -D --defined-only "$so" | awk '$2 ~ /[TDBRW]/ {print $3}')
bad=$(echo "$syms" | grep -v '^conv_' || true)
echo "$(echo "$syms" | wc -l) exported symbols"
if [ -n "$bad" ]; then
    echo "symbols outside the conv_ prefix:"
    echo "$bad"
    exit 1
fi
