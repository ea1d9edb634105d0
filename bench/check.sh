#!/usr/bin/env bash
# bench/check.sh: time conv-check on N generated indicator records that pass
# every rule (bench-gen-checked), against a plain CSV->JSON conversion of the
# same file by conv, and print a Markdown table: wall seconds, MB/s, peak RSS
# and conv-check's throughput as a share of the conversion's.  conv-check
# must report nothing (the data is clean), so its time is the checking.
#
# usage: bench/check.sh [N] [RUNS]     (defaults 1000000 and 3)
# Environment: BUILD_DIR (default <repo>/build-bench), TMPDIR.
set -eu -o pipefail
export LC_ALL=C.UTF-8
N=${1:-1000000}
RUNS=${2:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCONV_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target conv-tool conv-check bench-gen-checked >/dev/null
BIN=$BUILD_DIR/bin
TMP=$(mktemp -d "${TMPDIR:-/tmp}/conv-check-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
echo "generating $N records ..." >&2
"$BIN/bench-gen-checked" "$N" >"$TMP/in.csv"
BYTES=$(stat -c %s "$TMP/in.csv")

# best KEY CMD...: fastest wall seconds and its peak RSS (KiB) over RUNS.
declare -A SECS RSS
best() {
    local key=$1 i line s m
    shift
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f '%e %M' -o "$TMP/t" "$@" >"$TMP/out" 2>"$TMP/err" || {
            echo "bench/check.sh: $key failed:" >&2
            head -n 5 "$TMP/err" "$TMP/out" >&2
            exit 1
        }
        line=$(tail -n 1 "$TMP/t")
        s=${line% *}
        m=${line#* }
        if [ -z "${SECS[$key]:-}" ] || awk -v a="$s" -v b="${SECS[$key]}" 'BEGIN{exit !(a<b)}'; then
            SECS[$key]=$s
            RSS[$key]=$m
        fi
    done
}
echo "timing (best of $RUNS) ..." >&2
best convert "$BIN/conv" -q "$TMP/in.csv" -o "$TMP/out.json"
best check "$BIN/conv-check" -q "$TMP/in.csv"
best check_small "$BIN/conv-check" -q --sort-memory 4 "$TMP/in.csv"
[ -s "$TMP/out" ] && { echo "bench/check.sh: conv-check found something:" >&2; head "$TMP/out" >&2; exit 1; }

row() {
    awk -v name="$1" -v s="${SECS[$2]}" -v m="${RSS[$2]}" -v b="$BYTES" -v c="${SECS[convert]}" \
        'BEGIN { printf "| %s | %.2f | %.1f | %.1f | %.2f |\n", name, s, b / 1e6 / s, m / 1024, c / s }'
}
echo "### conv-check, $N records ($(awk -v b="$BYTES" 'BEGIN{printf "%.1f", b/1e6}') MB of CSV), load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| run | seconds | MB/s | peak MiB | throughput vs CSV→JSON |"
echo "|---|---:|---:|---:|---:|"
row "conv CSV→JSON" convert
row "conv-check (sort memory 32 MiB)" check
row "conv-check --sort-memory 4" check_small
