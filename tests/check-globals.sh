#!/usr/bin/env bash
# The library keeps no global state: no object of the static library may
# define a symbol in .data or .bss (read-only data and .data.rel.ro are fine).
#   tests/check-globals.sh path/to/libconv.a
set -euo pipefail
lib=$1
bad=$(objdump -t "$lib" | awk '$0 ~ /[ \t]\.(data|bss)[ \t]/ && $NF !~ /^(\.|__(odr_)?asan|__ubsan|__sancov)/ {print}' || true)
if [ -n "$bad" ]; then
    echo "writable global or static data in $lib:"
    echo "$bad"
    exit 1
fi
echo "no writable globals in $lib"
