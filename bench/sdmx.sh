#!/usr/bin/env bash
# bench/sdmx.sh: time conv against R's rsdmx (readSDMX + as.data.frame, what
# an R user would pick) reading the same SDMX-ML files: the real ones of
# ../shared/real/sdmx/ (when there) and a generated NSDP-shaped
# StructureSpecific message of N observations (bench-sdmx-gen).  conv
# converts each file to CSV; rsdmx reads it into a data frame (writing
# the CSV would only add to its time).  Prints one Markdown table: wall
# time (best of R runs), peak RSS, and how many times faster conv is.
# See bench/README.md.
set -u -o pipefail

usage() {
    cat <<'EOF'
usage: bench/sdmx.sh [options] [N]

Generate N observations (default 1000000) as SDMX-ML StructureSpecificData
and time conv (SDMX-ML -> CSV) and rsdmx (readSDMX + as.data.frame) on it
and on the real SDMX-ML files.

options:
  --runs R        run each R times, keep the fastest (default 3)
  --timeout S     cap each run at S seconds (default 1800)
  --real DIR      the real files (default <repo>/../shared/real/sdmx)
  --keep          keep the temporary data directory and print its path
  --install       first install the missing ones of: r-cran-rsdmx time
                  (apt-get install -y)
  -h, --help      this text

Environment: TMPDIR (data directory parent), BUILD_DIR (default
<repo>/build-bench), CONV_BIN (time this conv instead of BUILD_DIR's).
EOF
}

N=1000000
RUNS=3
TIMEOUT=1800
KEEP=0
INSTALL=0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REAL=$ROOT/../shared/real/sdmx
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=${2:?--runs needs a count}; shift ;;
    --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift ;;
    --real) REAL=${2:?--real needs a folder}; shift ;;
    --keep) KEEP=1 ;;
    --install) INSTALL=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "sdmx.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) N=$1 ;;
    esac
    shift
done
for v in "$N" "$RUNS" "$TIMEOUT"; do
    case "$v" in
    '' | *[!0-9]*) echo "sdmx.sh: '$v' is not a non-negative integer" >&2; exit 2 ;;
    esac
done
[ "$RUNS" -ge 1 ] || { echo "sdmx.sh: --runs must be at least 1" >&2; exit 2; }
export LC_ALL=C.UTF-8

if [ "$INSTALL" = 1 ]; then
    missing=()
    for p in r-cran-rsdmx time; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
if [ -z "${CONV_BIN:-}" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCONV_BUILD_TESTS=OFF \
        -DCONV_BUILD_EXAMPLES=OFF >/dev/null || exit 1
    cmake --build "$BUILD_DIR" -j "$(nproc)" --target conv-tool bench-sdmx-gen >/dev/null || exit 1
    CONV_BIN=$BUILD_DIR/bin/conv
fi
GEN=${BUILD_DIR}/bin/bench-sdmx-gen
[ -x "$GEN" ] || { echo "sdmx.sh: no $GEN (build bench-sdmx-gen)" >&2; exit 1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "sdmx.sh: /usr/bin/time is missing (--install)" >&2; exit 1; }
HAVE_R=0
Rscript -e 'suppressMessages(library(rsdmx))' >/dev/null 2>&1 && HAVE_R=1

DATA=$(mktemp -d)
[ "$KEEP" = 1 ] && echo "data in $DATA" || trap 'rm -rf "$DATA"' EXIT
"$GEN" "$N" >"$DATA/generated.xml" || exit 1

cat >"$DATA/rsdmx.R" <<'EOF'
suppressMessages(library(rsdmx))
args <- commandArgs(trailingOnly = TRUE)
t <- system.time({
    sdmx <- readSDMX(file = args[1], isURL = FALSE)
    df <- as.data.frame(sdmx)
})
cat(nrow(df), t[["elapsed"]], "\n")
EOF

# run_best CMD...: the fastest of RUNS as "seconds peak_kB stdout", the
# wall time measured around the process (microseconds), or "failed ...".
run_best() {
    local best="" mem="" out="" i t0 t1 t
    for ((i = 0; i < RUNS; i++)); do
        t0=$EPOCHREALTIME
        if ! timeout "$TIMEOUT" "$TIME" -f '%M' -o "$DATA/time" "$@" >"$DATA/out" 2>"$DATA/err"; then
            echo "failed: $(grep -m1 -o "Error.*" "$DATA/err" | cut -c1-70)"
            return
        fi
        t1=$EPOCHREALTIME
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then
            best=$t
            mem=$(tail -1 "$DATA/time")
            out=$(tr '\n' ' ' <"$DATA/out")
        fi
    done
    echo "$best $mem $out"
}

# obs FILE: what conv reads from it (records)
obs() {
    "$CONV_BIN" "$1" --to csv -o - 2>/dev/null | tail -n +2 | wc -l
}

files=()
for f in CPIVNM.xml GDPVNM.xml ECB_EXR_M.USD.EUR.SP00.A.xml ECB_EXR_rg-ts-ss.xml; do
    [ -f "$REAL/$f" ] && files+=("$REAL/$f")
done
files+=("$DATA/generated.xml")

echo "| file | size | observations | conv to CSV | conv peak RSS | rsdmx (Rscript) | rsdmx (readSDMX + as.data.frame) | rsdmx peak RSS | rsdmx rows | conv faster than Rscript | than readSDMX + as.data.frame |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for f in "${files[@]}"; do
    size=$(stat -c %s "$f")
    n=$(obs "$f")
    read -r ct cm _ <<<"$(run_best "$CONV_BIN" "$f" --to csv -o "$DATA/out.csv")"
    if [ "$HAVE_R" = 1 ]; then
        r=$(run_best Rscript "$DATA/rsdmx.R" "$f")
    else
        r="not-installed (--install)"
    fi
    rt=$(echo "$r" | awk '{print $1}')
    rm_=$(echo "$r" | awk '{print $2}')
    rows=$(echo "$r" | awk '{print $3}')
    rin=$(echo "$r" | awk '{print $4}')
    if [[ $rt =~ ^[0-9.]+$ ]]; then
        ratio=$(awk -v a="$rt" -v c="$rin" -v b="$ct" 'BEGIN{printf "%.0fx | %.0fx", a / b, c / b}')
        rsdmx="${rt} s"
        rinside="${rin} s"
        rmem="$((rm_ / 1024)) MB"
    else
        ratio="- | -"
        rsdmx=$r
        rinside="-"
        rmem="-"
        rows="-"
    fi
    printf '| %s | %s | %s | %s s | %s MB | %s | %s | %s | %s | %s |\n' "$(basename "$f")" \
        "$(awk -v s="$size" 'BEGIN{printf "%.2f MB", s/1e6}')" "$n" "$ct" "$((cm / 1024))" \
        "$rsdmx" "$rinside" "$rmem" "$rows" "$ratio"
done
