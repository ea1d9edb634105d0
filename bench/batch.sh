#!/usr/bin/env bash
# bench/batch.sh: time conv-batch on a batch of generated submissions in
# mixed formats (CSV, JSON, XML, XLSX) against a shell loop of single conv
# calls and GNU parallel running conv on the same cores; check that every
# output equals conv's of the file alone, the peak memory, a run killed
# halfway and resumed, the broken files, and --merge of the whole batch
# into one workbook read back by openpyxl.  See bench/README.md.
set -u -o pipefail

usage() {
    cat <<'EOF'
usage: bench/batch.sh [options] [FILES]

Generate FILES submissions (default 1000; 100 to 10,000 records each, sizes
and formats from a fixed seed, 5 of them broken), then time converting them
all with: a shell loop of conv, GNU parallel running conv, conv-batch.

options:
  --to FORMAT     the output format of the conversions (default csv)
  --jobs N        parallel jobs for GNU parallel and conv-batch (default: nproc)
  --seed S        seed of the sizes and formats (default 1)
  --no-merge      skip the --merge into one .xlsx (and its openpyxl read)
  --keep          keep the data directory and print its path
  --install       first install GNU parallel, GNU time and python3-openpyxl
                  if missing (apt-get install -y)
  -h, --help      this text

Environment: TMPDIR (data directory parent, default /tmp), BUILD_DIR
(default <repo>/build-bench; conv, conv-batch and bench-gen are taken from
its bin/).
EOF
}

FILES=1000
SEED=1
TO=csv
JOBS=$(nproc)
MERGE=1
KEEP=0
INSTALL=0
while [ $# -gt 0 ]; do
    case "$1" in
    --to) TO=${2:?--to needs a format}; shift ;;
    --jobs) JOBS=${2:?--jobs needs a count}; shift ;;
    --seed) SEED=${2:?--seed needs a number}; shift ;;
    --no-merge) MERGE=0 ;;
    --keep) KEEP=1 ;;
    --install) INSTALL=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "batch.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) FILES=$1 ;;
    esac
    shift
done
for v in "$FILES" "$SEED" "$JOBS"; do
    case "$v" in
    '' | *[!0-9]*) echo "batch.sh: '$v' is not a non-negative integer" >&2; exit 2 ;;
    esac
done
[ "$FILES" -ge 20 ] || { echo "batch.sh: at least 20 files" >&2; exit 2; }

export LC_ALL=C.UTF-8
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
BIN=$BUILD_DIR/bin
PY=/usr/bin/python3 # the PATH python3 may lack openpyxl
TIME=/usr/bin/time

if [ "$INSTALL" = 1 ]; then
    missing=()
    for p in parallel time python3-openpyxl; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}" >&2
        SUDO=
        [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null ||
            exit 1
    fi
fi
for t in "$BIN/conv" "$BIN/conv-batch" "$BIN/bench-gen"; do
    [ -x "$t" ] || { echo "batch.sh: $t not built (cmake --build $BUILD_DIR)" >&2; exit 1; }
done
[ -x "$TIME" ] || { echo "batch.sh: GNU time is required at $TIME (--install)" >&2; exit 1; }
command -v parallel >/dev/null ||
    { echo "batch.sh: GNU parallel is required (apt-get install parallel, or --install)" >&2; exit 1; }

DATA=$(mktemp -d "${TMPDIR:-/tmp}/conv-batch-bench.XXXXXX")
cleanup() { [ "$KEEP" = 1 ] && echo "data kept in $DATA" >&2 || rm -rf "$DATA"; }
trap cleanup EXIT
IN=$DATA/in
mkdir -p "$IN"

# ---- the submissions ------------------------------------------------------------------
# Sizes from a 64-bit LCG (bash arithmetic wraps), formats in turn; each file
# in one of 10 folders (wards).  Five files are broken: a CSV with an
# unterminated quote, JSON cut short, XML with a wrong end tag, a
# workbook cut in half.
echo "generating $FILES submissions (seed $SEED)..." >&2
x=$SEED
formats=(csv json xml xlsx)
declare -a NAMES
# the 5 broken ones: spread over the batch, two CSV, one of each other format
declare -A BROKEN
for ((k = 0; k < 5; k++)); do
    BROKEN[$(( (k * (FILES / 5) / 4) * 4 + k % 4 + 4 ))]=1
done
records_total=0
broken=0
t0=$(date +%s.%N)
for ((i = 0; i < FILES; i++)); do
    x=$(( x * 6364136223846793005 + 1442695040888963407 ))
    n=$(( 100 + ((x >> 33) & 0x7fffffff) % 9901 ))
    fmt=${formats[$((i % 4))]}
    dir=$IN/ward$((i % 10))
    mkdir -p "$dir"
    base=$(printf 's%04d' "$i")
    f=$dir/$base.$fmt
    case "$fmt" in
    csv) "$BIN/bench-gen" "$n" --seed "$((SEED * 100000 + i))" > "$f" ;;
    json) "$BIN/bench-gen" "$n" --seed "$((SEED * 100000 + i))" --json > "$f" ;;
    xml | xlsx)
        "$BIN/bench-gen" "$n" --seed "$((SEED * 100000 + i))" > "$DATA/tmp.csv"
        "$BIN/conv" "$DATA/tmp.csv" -o "$f" --created 2022-01-15T00:00:00Z \
            $([ "$fmt" = xlsx ] && echo --plain) || exit 1 ;;
    esac
    if [ -n "${BROKEN[$i]:-}" ]; then
        broken=$((broken + 1))
        case "$fmt" in
        csv) printf '001,"Quận Ba Đình,01\r\n' >> "$f" ;;
        json) head -c -200 "$f" > "$DATA/tmp" && mv "$DATA/tmp" "$f" ;;
        xml) sed -i '0,/<\/record>/s//<\/recrd>/' "$f" ;;
        xlsx) head -c $(( $(stat -c %s "$f") / 2 )) "$f" > "$DATA/tmp" && mv "$DATA/tmp" "$f" ;;
        esac
    else
        records_total=$((records_total + n))
    fi
    NAMES+=("${f#"$IN"/}")
done
rm -f "$DATA/tmp.csv"
gen_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
in_mb=$(du -sm "$IN" | cut -f1)
echo "  $FILES files, $in_mb MB, $records_total records in the good ones, $broken broken ($gen_s s)" >&2

ext=$TO
[ "$TO" = jsonl ] || [ "$TO" = csv ] || [ "$TO" = json ] || [ "$TO" = xml ] || [ "$TO" = xlsx ] ||
    { echo "batch.sh: --to csv, json, jsonl, xml or xlsx" >&2; exit 2; }
CREATED=(--created 2022-01-15T00:00:00Z) # workbooks and XML carry a time: fix it
printf '%s\n' "${NAMES[@]}" > "$DATA/list"

# seconds of wall time of a command, its peak RSS in KiB in $DATA/rss
timed() {
    "$TIME" -f '%e %M' -o "$DATA/time" "$@" > /dev/null 2> "$DATA/err"
    local rc=$?
    read -r WALL RSS < <(tail -1 "$DATA/time")
    return $rc
}

# (a) a shell loop of single conv calls
echo "(a) shell loop of conv..." >&2
mkdir -p "$DATA/a"
cat > "$DATA/loop.sh" <<EOF
cd "$IN"
while IFS= read -r f; do
    mkdir -p "$DATA/a/\$(dirname "\$f")"
    "$BIN/conv" "\$f" -o "$DATA/a/\${f%.*}.$ext" ${CREATED[*]} 2>/dev/null
done < "$DATA/list"
exit 0
EOF
timed bash "$DATA/loop.sh"
a_s=$WALL a_rss=$RSS

# (b) GNU parallel running conv, one job per core
echo "(b) GNU parallel -j $JOBS conv..." >&2
mkdir -p "$DATA/b"
(cd "$IN" && find . -type d -printf "$DATA/b/%P\n" | xargs mkdir -p)
timed bash -c "cd '$IN' && parallel -j $JOBS --will-cite '$BIN/conv {} -o $DATA/b/{.}.$ext ${CREATED[*]} 2>/dev/null; true' < '$DATA/list'"
b_s=$WALL b_rss=$RSS

# (c) conv-batch
echo "(c) conv-batch -j $JOBS..." >&2
timed "$BIN/conv-batch" --to "$TO" -o "$DATA/c" -j "$JOBS" -q "${CREATED[@]}" \
    --report "$DATA/report.json" "$IN"
c_rc=$?
c_s=$WALL c_rss=$RSS

# ---- checks ------------------------------------------------------------------------------
fail=0
check() { # what, ok (0/1), detail
    if [ "$2" = 1 ]; then echo "  ok: $1${3:+ ($3)}" >&2; else echo "  FAILED: $1${3:+ ($3)}" >&2; fail=1; fi
}
same_tree() { # dir1 dir2: the same files with the same bytes (journal and lock aside)
    diff -rq -x '.conv-batch.*' "$1" "$2" > "$DATA/diff" 2>&1
}
echo "checks:" >&2
n_out=$(find "$DATA/c" -type f -name "*.$ext" | wc -l)
check "conv-batch exit 1 (broken inputs)" "$([ "$c_rc" = 1 ] && echo 1)" "exit $c_rc"
check "$((FILES - broken)) outputs" "$([ "$n_out" = $((FILES - broken)) ] && echo 1)" "$n_out"
n_failed=$(grep -c '"status": "failed"' "$DATA/report.json")
check "$broken failures in the report, each with a line" \
    "$([ "$n_failed" = "$broken" ] && [ "$(grep '"status": "failed"' "$DATA/report.json" | grep -c '"line": [1-9]')" -ge $((broken - 1)) ] && echo 1)" \
    "$n_failed failed"
same_tree "$DATA/a" "$DATA/c"
check "every output equals conv's of the file alone" "$([ $? = 0 ] && echo 1)" "$(head -c 300 "$DATA/diff")"
same_tree "$DATA/b" "$DATA/c"
check "GNU parallel made the same outputs" "$([ $? = 0 ] && echo 1)"
check "peak RSS under 256 MiB" "$([ "$c_rss" -lt 262144 ] && echo 1)" "$((c_rss / 1024)) MiB"

# A run killed (SIGKILL) halfway, then resumed: the same outputs, no partial file.
echo "(d) kill -9 halfway, rerun..." >&2
rm -rf "$DATA/d"
"$BIN/conv-batch" --to "$TO" -o "$DATA/d" -j "$JOBS" -q "${CREATED[@]}" "$IN" 2>/dev/null &
pid=$!
half=$(( (FILES - broken) / 2 ))
while kill -0 "$pid" 2>/dev/null; do
    lines=$(cat "$DATA/d/.conv-batch.journal" 2>/dev/null | wc -l)
    [ "$lines" -ge "$half" ] && break
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
done_before=$(cat "$DATA/d/.conv-batch.journal" 2>/dev/null | wc -l)
left_tmp=$(find "$DATA/d" -name '*.tmp' | wc -l)
timed "$BIN/conv-batch" --to "$TO" -o "$DATA/d" -j "$JOBS" -q "${CREATED[@]}" "$IN"
d_s=$WALL
check "killed after $done_before files ($left_tmp temporary files left); the rerun did the rest" 1 "${d_s} s"
check "no partial file after the rerun" "$([ "$(find "$DATA/d" -name '*.tmp' | wc -l)" = 0 ] && echo 1)"
same_tree "$DATA/a" "$DATA/d"
check "resumed outputs equal conv's" "$([ $? = 0 ] && echo 1)" "$(head -c 300 "$DATA/diff")"

# --merge of the whole batch into one workbook, read back by openpyxl.
if [ "$MERGE" = 1 ]; then
    echo "(e) --merge into one .xlsx..." >&2
    timed "$BIN/conv-batch" --merge "$DATA/all.xlsx" -j "$JOBS" -q "${CREATED[@]}" "$IN"
    e_rc=$? e_s=$WALL e_rss=$RSS
    check "merge exit 1 (the broken inputs left out)" "$([ "$e_rc" = 1 ] && echo 1)" "exit $e_rc"
    echo "  openpyxl reading $records_total records back..." >&2
    t0=$(date +%s.%N)
    read -r rows summary < <("$PY" - "$DATA/all.xlsx" <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
rows = 0
summary = None
for ws in wb.worksheets:
    if ws.title == "_conv_fields":
        continue
    if ws.title == "Tổng hợp":
        for r in ws.iter_rows(values_only=True):
            if r[0] == "Tổng cộng":
                summary = r[1]
        continue
    # the styled layout: title, a blank row, the header, then the records
    for r in ws.iter_rows(min_row=4, values_only=True):
        if r and r[0] is not None:  # region_code: every record has one
            rows += 1
print(rows, summary)
EOF
    )
    r_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    check "openpyxl reads every record of the merged workbook" \
        "$([ "$rows" = "$records_total" ] && echo 1)" "$rows of $records_total rows, ${r_s} s"
    check "the summary sheet counts them all" "$([ "$summary" = "$records_total" ] && echo 1)" \
        "total $summary"
fi

# ---- the table ---------------------------------------------------------------------------
load=$(cut -d' ' -f1-3 /proc/loadavg)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
rate() { awk -v n="$records_total" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", n / s / 1000; else print "-" }'; }
echo
echo "$FILES submissions ($in_mb MB: CSV, JSON, XML, XLSX; $records_total records; $broken broken) to $TO, $(nproc) cores, load before: $load"
echo
echo "| run | wall s | krecords/s | peak RSS MiB | conv-batch is faster by |"
echo "| --- | ---: | ---: | ---: | ---: |"
echo "| (a) shell loop of conv | $a_s | $(rate "$a_s") | $((a_rss / 1024)) (one conv) | $(ratio "$a_s" "$c_s")x |"
echo "| (b) GNU parallel -j $JOBS conv | $b_s | $(rate "$b_s") | $((b_rss / 1024)) (parallel) | $(ratio "$b_s" "$c_s")x |"
echo "| (c) conv-batch -j $JOBS | $c_s | $(rate "$c_s") | $((c_rss / 1024)) | 1.00x |"
echo "| (d) rerun after kill -9 at $done_before files | $d_s | | | |"
[ "$MERGE" = 1 ] &&
    echo "| (e) conv-batch --merge all.xlsx | $e_s | $(rate "$e_s") | $((e_rss / 1024)) | |"
echo
[ "$fail" = 0 ] && echo "all checks passed" || echo "SOME CHECKS FAILED"
exit "$fail"
