#!/usr/bin/env bash
# bench/serve.sh: conv-serve under load and under faults, on loopback.
# CLIENTS threads of Python's http.client convert the seed sample and N
# generated records through one conv-serve for DURATION seconds, then one
# kind of file at a time; the server's throughput per core and CPU per
# request are set against conv converting the same files one process at a
# time on one core; its memory is sampled every 0.5 s.  Then the faults,
# each under a background load: a client gone mid-upload and mid-download,
# uploads over --max-upload, a client sending a byte a second, SIGTERM.
# See bench/README.md, "conv-serve under load".
set -u -o pipefail

usage() {
    cat <<'EOF'
usage: bench/serve.sh [options] [DURATION]

options:
  --duration S    seconds of the mixed load (default 60; also DURATION=S)
  --phase S       seconds of each one-kind phase (default DURATION/3)
  --clients N     client threads (default 50)
  --records N     records of the large CSV (default 100000)
  --workers N     conv-serve --workers (default: its own, one per core)
  --no-load       only the faults
  --no-faults     only the load
  --keep          keep the data directory (servers' logs included)
  -h, --help      this text

Environment: BUILD_DIR (default <repo>/build-bench; conv, conv-serve and
bench-gen are taken from its bin/), TMPDIR (data directory parent).
EOF
}

DURATION=${DURATION:-60}
PHASE=
CLIENTS=50
RECORDS=100000
WORKERS=0
LOAD=1
FAULTS=1
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) DURATION=${2:?--duration needs seconds}; shift ;;
    --phase) PHASE=${2:?--phase needs seconds}; shift ;;
    --clients) CLIENTS=${2:?--clients needs a count}; shift ;;
    --records) RECORDS=${2:?--records needs a count}; shift ;;
    --workers) WORKERS=${2:?--workers needs a count}; shift ;;
    --no-load) LOAD=0 ;;
    --no-faults) FAULTS=0 ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "serve.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) DURATION=$1 ;;
    esac
    shift
done
PHASE=${PHASE:-$(( (DURATION + 2) / 3 ))}
for v in "$DURATION" "$PHASE" "$CLIENTS" "$RECORDS" "$WORKERS"; do
    case "$v" in
    '' | *[!0-9]*) echo "serve.sh: '$v' is not a non-negative integer" >&2; exit 2 ;;
    esac
done
[ "$DURATION" -ge 10 ] || { echo "serve.sh: DURATION is at least 10 s" >&2; exit 2; }

export LC_ALL=C.UTF-8
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
BIN=$BUILD_DIR/bin
PY=/usr/bin/python3
# A Release build of what is timed, made here when it is missing, as run.sh does.
if [ ! -x "$BIN/conv" ] || [ ! -x "$BIN/conv-serve" ] || [ ! -x "$BIN/bench-gen" ]; then
    echo "serve.sh: building conv, conv-serve and bench-gen (Release) in $BUILD_DIR" >&2
    if ! { cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCONV_BUILD_TESTS=OFF &&
           cmake --build "$BUILD_DIR" -j2 --target conv-tool conv-serve bench-gen; } >/dev/null; then
        echo "serve.sh: the build in $BUILD_DIR failed" >&2
        exit 1
    fi
fi
for t in "$BIN/conv" "$BIN/conv-serve" "$BIN/bench-gen"; do
    [ -x "$t" ] || { echo "serve.sh: $t not built (cmake --build $BUILD_DIR)" >&2; exit 1; }
done
[ -x "$PY" ] || { echo "serve.sh: $PY is required" >&2; exit 1; }
BIN=$(cd "$BIN" && pwd)

DATA=$(mktemp -d "${TMPDIR:-/tmp}/conv-serve-bench.XXXXXX")
cleanup() { [ "$KEEP" = 1 ] && echo "data kept in $DATA" >&2 || rm -rf "$DATA"; }
trap cleanup EXIT
LARGE=$DATA/records-$RECORDS.csv
echo "generating $RECORDS records ..." >&2
"$BIN/bench-gen" "$RECORDS" >"$LARGE" || exit 1

cores=$(nproc)
load=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c / 4) }' &&
    echo "serve.sh: warning: load average $load on $cores cores: the timings will be noisy" >&2
echo "## bench/serve.sh, $(date -u +%Y-%m-%d), $cores cores, load $load"
echo
echo "$("$BIN/conv-serve" --version); $RECORDS records in $(stat -c %s "$LARGE") bytes of CSV"
echo

status=0
if [ "$LOAD" = 1 ]; then
    mkdir "$DATA/load"
    "$PY" "$ROOT/bench/serve-load.py" --bin "$BIN" --sample "$ROOT/samples/indicators.csv" \
        --large "$LARGE" --records "$RECORDS" --work "$DATA/load" --duration "$DURATION" \
        --phase "$PHASE" --clients "$CLIENTS" --workers "$WORKERS" || status=1
    echo
fi
if [ "$FAULTS" = 1 ]; then
    mkdir "$DATA/faults"
    "$PY" "$ROOT/bench/serve-faults.py" --bin "$BIN" --sample "$ROOT/samples/indicators.csv" \
        --large "$LARGE" --work "$DATA/faults" || status=1
fi
exit $status
