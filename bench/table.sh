#!/usr/bin/env bash
# bench/table.sh: reading tables made for people (--layout table) against
# reading the same workbook plainly (one record per row), and the memory of
# table mode as a sheet grows.  See bench/README.md.
#
#   bench/table.sh [WORKBOOK]
#
# WORKBOOK defaults to the General Statistics Office's 50-sheet workbook
# of December 2024 (../shared/real/gso/gso-2024-12-bieu.xlsx) when it is
# there, else to a generated 50-sheet workbook of the same shape
# (bench/table-gen.py); then a generated 50-sheet workbook of 1,000 rows a
# sheet.  Prints the median of 5 runs of each, the ratio, and the peak RSS
# of table mode on one sheet of 10,000 and 100,000 rows.
# Environment: BUILD_DIR (default <repo>/build), TMPDIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
conv=${BUILD_DIR:-$repo/build}/bin/conv
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conv-table-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -x "$conv" ] || { echo "no $conv: build first (cmake --build build)" >&2; exit 2; }

book=${1:-}
if [ -z "$book" ]; then
    real=$repo/../shared/real/gso/gso-2024-12-bieu.xlsx
    if [ -f "$real" ]; then
        book=$real
    else
        echo "($real is not there: a generated workbook of the same shape instead)"
        book=$tmp/gen50.xlsx
        /usr/bin/python3 "$here/table-gen.py" "$book" 50 60
    fi
fi

# median wall seconds of 5 runs of: conv ARGS
median() {
    local t=()
    for _ in 1 2 3 4 5; do
        local s e
        s=$(date +%s.%N)
        "$conv" "$@" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        t+=("$(echo "$e - $s" | bc -l)")
    done
    printf '%s\n' "${t[@]}" | sort -n | sed -n 3p
}

rss() { # peak RSS in MiB of: conv ARGS
    /usr/bin/time -f %M "$conv" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1 / 1024}'
}

compare() { # WORKBOOK
    local plain table
    plain=$(median "$1" --layout cells -t csv -o -)
    table=$(median "$1" --layout table -t csv -o -)
    echo "workbook: $1"
    printf '| reading | median of 5 (s) | peak RSS (MiB) |\n| --- | --- | --- |\n'
    printf '| --layout cells (plainly: every cell) | %.3f | %s |\n' "$plain" \
        "$(rss "$1" --layout cells -t csv -o -)"
    printf '| --layout table | %.3f | %s |\n' "$table" "$(rss "$1" --layout table -t csv -o -)"
    printf 'table / plain: %.2fx (goal: at most 2x)\n\n' "$(echo "$table / $plain" | bc -l)"
}

compare "$book"
/usr/bin/python3 "$here/table-gen.py" "$tmp/gen50x1000.xlsx" 50 1000
compare "$tmp/gen50x1000.xlsx"

echo "memory of --layout table as one sheet grows (.xlsx, generated):"
printf '| body rows | peak RSS (MiB) | seconds |\n| --- | --- | --- |\n'
for n in 10000 100000; do
    /usr/bin/python3 "$here/table-gen.py" "$tmp/one-$n.xlsx" 1 "$n"
    s=$(date +%s.%N)
    m=$(rss "$tmp/one-$n.xlsx" --layout table -t csv -o -)
    e=$(date +%s.%N)
    printf '| %d | %s | %.2f |\n' "$n" "$m" "$(echo "$e - $s" | bc -l)"
done
