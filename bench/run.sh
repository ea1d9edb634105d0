#!/usr/bin/env bash
# bench/run.sh: time conv against Miller, csvkit, pandas, xlsxwriter and
# xlsx2csv converting the same generated indicator file CSV->JSON, JSON->CSV,
# CSV->XML, XML->CSV, CSV->XLSX and XLSX->CSV, print one Markdown table per
# direction (wall time, MB/s, peak RSS, speed ratio) and check that conv
# round-trips the CSV byte for byte.  See bench/README.md.
set -u -o pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [options] [N]

Generate N indicator records (default 1000000) once, then time each tool
converting the same file CSV->JSON, JSON->CSV, CSV->XML, XML->CSV,
CSV->XLSX and XLSX->CSV.

options:
  --no-csvkit     skip csvkit (csvjson, in2csv), which is very slow
  --no-json       skip the two JSON directions
  --no-xml        skip the two XML directions (pandas XML->CSV is slow)
  --no-xlsx       skip the two XLSX directions (pandas is slow there too)
  --timeout S     cap each tool run at S seconds (default 600)
  --runs R        run each conversion R times, keep the fastest (default 1)
  --seed S        generator seed (default 1)
  --keep          keep the temporary data directory and print its path
  --install       first install the missing ones of: miller csvkit
                  python3-pandas python3-lxml python3-xlsxwriter
                  python3-openpyxl xlsx2csv time (apt-get install -y)
  -h, --help      this text

Environment: TMPDIR (data directory parent, default /tmp),
BUILD_DIR (default <repo>/build-bench), CONV_BIN (time this conv binary
instead of the one built in BUILD_DIR).
EOF
}

N=1000000
SEED=1
TIMEOUT=600
RUNS=1
USE_CSVKIT=1
USE_JSON=1
USE_XML=1
USE_XLSX=1
KEEP=0
INSTALL=0

while [ $# -gt 0 ]; do
    case "$1" in
    --no-csvkit) USE_CSVKIT=0 ;;
    --no-json) USE_JSON=0 ;;
    --no-xml) USE_XML=0 ;;
    --no-xlsx) USE_XLSX=0 ;;
    --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift ;;
    --runs) RUNS=${2:?--runs needs a count}; shift ;;
    --seed) SEED=${2:?--seed needs a number}; shift ;;
    --keep) KEEP=1 ;;
    --install) INSTALL=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) N=$1 ;;
    esac
    shift
done

for v in "$N" "$TIMEOUT" "$RUNS" "$SEED"; do
    case "$v" in
    '' | *[!0-9]*) echo "run.sh: '$v' is not a non-negative integer" >&2; exit 2 ;;
    esac
done
[ "$RUNS" -ge 1 ] || { echo "run.sh: --runs must be at least 1" >&2; exit 2; }
[ "$USE_JSON" = 1 ] || [ "$USE_XML" = 1 ] || [ "$USE_XLSX" = 1 ] ||
    { echo "run.sh: --no-json, --no-xml and --no-xlsx leave nothing to time" >&2; exit 2; }

# Numbers are formatted with awk; keep the decimal point a point.
export LC_ALL=C.UTF-8

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
PY=/usr/bin/python3 # the PATH python3 is a pyenv build without pandas
TIME=/usr/bin/time  # GNU time, for %e (wall seconds) and %M (peak RSS KiB)

# --install: install the peers' Debian packages that are missing (as
# build.sh does for the build dependencies).  Without it a missing peer
# shows "not installed".
PACKAGES=(miller csvkit python3-pandas python3-lxml python3-xlsxwriter
    python3-openpyxl xlsx2csv time)
if [ "$INSTALL" = 1 ]; then
    missing=()
    for p in "${PACKAGES[@]}"; do
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

if [ ! -x "$TIME" ] || ! "$TIME" -f '%e' true >/dev/null 2>&1; then
    echo "run.sh: GNU time is required at $TIME (apt-get install time, or --install)" >&2
    exit 1
fi
if ! command -v timeout >/dev/null; then
    echo "run.sh: timeout(1) from coreutils is required" >&2
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/conv-bench.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    if [ "$KEEP" = 1 ]; then
        echo "data kept in $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build -----------------------------------------------------------------

# Release build of bench-gen, bench-xlsx-floor and the conv tool.  If the
# tree does not configure or conv does not build, the peers are still timed
# and conv's rows say "not built".
GEN=
FLOOR=
CONV=
CONV_NOTE="not built"
echo "building (Release) in $BUILD_DIR ..." >&2
if cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
        -DCONV_BUILD_TESTS=OFF >"$TMP/cmake.log" 2>&1; then
    if cmake --build "$BUILD_DIR" -j2 --target bench-gen >>"$TMP/cmake.log" 2>&1; then
        GEN=$BUILD_DIR/bin/bench-gen
    fi
    if [ "$USE_XLSX" = 1 ] &&
        cmake --build "$BUILD_DIR" -j2 --target bench-xlsx-floor >>"$TMP/cmake.log" 2>&1; then
        FLOOR=$BUILD_DIR/bin/bench-xlsx-floor
    fi
    if [ -z "${CONV_BIN:-}" ] &&
        cmake --build "$BUILD_DIR" -j2 --target conv-tool >>"$TMP/cmake.log" 2>&1 &&
        [ -x "$BUILD_DIR/bin/conv" ]; then
        CONV=$BUILD_DIR/bin/conv
    fi
fi
if [ -n "${CONV_BIN:-}" ]; then
    [ -x "$CONV_BIN" ] || { echo "run.sh: CONV_BIN=$CONV_BIN is not executable" >&2; exit 2; }
    CONV=$CONV_BIN
fi
if [ -z "$GEN" ]; then
    echo "run.sh: cmake build of bench-gen failed; compiling bench/gen.c directly" >&2
    ${CC:-cc} -std=c11 -O2 -o "$TMP/bench-gen" "$ROOT/bench/gen.c" || exit 1
    GEN=$TMP/bench-gen
fi
if [ -z "$CONV" ]; then
    echo "run.sh: conv did not build; last lines of the build log:" >&2
    tail -n 15 "$TMP/cmake.log" | sed 's/^/    /' >&2
fi

# ---- data ------------------------------------------------------------------

IN_CSV=$TMP/in.csv
IN_JSON=$TMP/in.json
IN_XML=$TMP/in.xml
echo "generating $N records (seed $SEED) ..." >&2
gen_start=$(date +%s.%N)
"$GEN" "$N" --seed "$SEED" >"$IN_CSV" || exit 1
if [ "$USE_JSON" = 1 ]; then
    "$GEN" "$N" --seed "$SEED" --json >"$IN_JSON" || exit 1
fi
gen_end=$(date +%s.%N)
CSV_BYTES=$(stat -c %s "$IN_CSV")
JSON_BYTES=0
[ "$USE_JSON" = 1 ] && JSON_BYTES=$(stat -c %s "$IN_JSON")

# bench-gen writes no XML: the XML input is conv's own XML of the generated
# CSV, the exchange vocabulary of docs/formats.md as users get it.  If conv
# cannot write it, the XML -> CSV rows say so and the rest still runs.
XML_BYTES=0
XML_NOTE=
if [ "$USE_XML" = 1 ]; then
    if [ -z "$CONV" ]; then
        XML_NOTE="no input (conv not built)"
    else
        echo "writing the XML input with conv ..." >&2
        if "$CONV" "$IN_CSV" -o "$IN_XML" 2>"$TMP/xml_input.err"; then
            XML_BYTES=$(stat -c %s "$IN_XML")
        else
            XML_NOTE="no input (conv could not write XML)"
            echo "run.sh: conv could not write the XML input:" >&2
            head -n 5 "$TMP/xml_input.err" | sed 's/^/    /' >&2
        fi
    fi
fi
# The XLSX input is likewise conv's own workbook of the generated CSV, in
# the --plain layout (the field names in row 1, then the data; number formats
# kept): the default layout's title row above the header would be read as
# data by xlsx2csv and pandas.
IN_XLSX=$TMP/in.xlsx
XLSX_BYTES=0
XLSX_NOTE=
if [ "$USE_XLSX" = 1 ]; then
    if [ -z "$CONV" ]; then
        XLSX_NOTE="no input (conv not built)"
    else
        echo "writing the XLSX input with conv --plain ..." >&2
        if "$CONV" -q "$IN_CSV" -o "$IN_XLSX" --plain 2>"$TMP/xlsx_input.err"; then
            XLSX_BYTES=$(stat -c %s "$IN_XLSX")
        else
            XLSX_NOTE="no input (conv could not write XLSX)"
            echo "run.sh: conv could not write the XLSX input:" >&2
            head -n 5 "$TMP/xlsx_input.err" | sed 's/^/    /' >&2
        fi
    fi
fi
# The generated columns, for pandas' iterparse, which must be told them.
FIELDS=$(head -n 1 "$IN_CSV" | tr -d '\r')

# ---- measurement -------------------------------------------------------------

# Result tables, keyed "<dir>/<tool>": status ("ok", "timeout", ...),
# fastest wall seconds and peak RSS in KiB.
declare -A STATUS SECS RSS

# measure KEY STDOUT_FILE CMD...: run CMD RUNS times under timeout with GNU
# time, stdout to STDOUT_FILE, stderr to $TMP/KEY.err.  Keeps the fastest
# wall time and the largest peak RSS.
measure() {
    local key=$1 stdout=$2 i rc line secs rss
    shift 2
    local tf=$TMP/time.txt err=$TMP/${key//\//_}.err
    STATUS[$key]=ok
    for ((i = 0; i < RUNS; i++)); do
        "$TIME" -f '%e %M' -o "$tf" timeout -k 10 "$TIMEOUT" "$@" \
            >"$stdout" 2>"$err"
        rc=$?
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
            STATUS[$key]="timeout (${TIMEOUT} s)"
            return
        elif [ "$rc" != 0 ]; then
            STATUS[$key]="error (exit $rc)"
            return
        fi
        line=$(tail -n 1 "$tf")
        secs=${line% *}
        rss=${line#* }
        if [ -z "${SECS[$key]:-}" ] || awk -v a="$secs" -v b="${SECS[$key]}" 'BEGIN{exit !(a<b)}'; then
            SECS[$key]=$secs
        fi
        if [ -z "${RSS[$key]:-}" ] || [ "$rss" -gt "${RSS[$key]}" ]; then
            RSS[$key]=$rss
        fi
    done
}

# Tool labels with versions, and whether each is present.
have() { command -v "$1" >/dev/null 2>&1; }
MLR_LABEL="Miller"
have mlr && MLR_LABEL="Miller $(mlr --version 2>/dev/null | awk '{print $2}')"
CSVKIT_LABEL="csvkit"
have csvjson && CSVKIT_LABEL="csvkit $(csvjson --version 2>&1 | awk '{print $2}')"
PANDAS_LABEL="pandas"
HAVE_PANDAS=0
if pv=$("$PY" -c 'import pandas; print(pandas.__version__)' 2>/dev/null); then
    HAVE_PANDAS=1
    PANDAS_LABEL="pandas $pv"
fi
# pandas reads and writes XML through lxml (python3-lxml).
LXML_VERSION=
HAVE_LXML=0
if lv=$("$PY" -c 'import lxml.etree as e; print(e.__version__)' 2>/dev/null); then
    HAVE_LXML=1
    LXML_VERSION=$lv
fi
# XLSX peers: Python xlsxwriter (bench/py_xlsx_write.py, and pandas'
# to_excel engine), openpyxl (pandas' read_excel engine), xlsx2csv, and
# libxlsxwriter under bench-xlsx-floor.
XLSXWRITER_VERSION=
if v=$("$PY" -c 'import xlsxwriter; print(xlsxwriter.__version__)' 2>/dev/null); then
    XLSXWRITER_VERSION=$v
fi
OPENPYXL_VERSION=
if v=$("$PY" -c 'import openpyxl; print(openpyxl.__version__)' 2>/dev/null); then
    OPENPYXL_VERSION=$v
fi
XLSX2CSV_LABEL="xlsx2csv"
have xlsx2csv && XLSX2CSV_LABEL="xlsx2csv $(xlsx2csv --version 2>/dev/null | head -n 1)"
# (Debian's xlsxwriter.pc says only "4", the soname; the header has it.)
LIBXLSXWRITER_VERSION=$(sed -n 's/^#define LXW_VERSION "\(.*\)"/\1/p' \
    "$(pkg-config --variable=includedir xlsxwriter 2>/dev/null || echo /usr/include)/xlsxwriter.h" \
    2>/dev/null | head -n 1)

PANDAS_C2J='import sys, pandas as pd
pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).to_json(
    sys.argv[2], orient="records", force_ascii=False)'
PANDAS_J2C='import sys, pandas as pd
pd.read_json(sys.argv[1], orient="records", dtype=False,
             convert_dates=False).to_csv(sys.argv[2], index=False)'
# XML: the records as <record> rows under a <dataset> root in conv's
# namespace; pandas cannot write conv's <meta>, and writes an empty field as
# an empty element (conv: xsi:nil="true").
PANDAS_C2X='import sys, pandas as pd
pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).to_xml(
    sys.argv[2], index=False, root_name="dataset", row_name="record",
    namespaces={"": "urn:x-libconv:dataset:1"}, parser="lxml")'
# Reading conv's XML: the <record> elements by XPath (lxml parses the whole
# document), or by pandas' iterparse, its mode for large files, which must
# be given the field names (argv[3], comma-separated).  dtype=str keeps
# codes such as 004 as text.
PANDAS_X2C='import sys, pandas as pd
pd.read_xml(sys.argv[1], xpath="//d:record",
            namespaces={"d": "urn:x-libconv:dataset:1"}, parser="lxml",
            dtype=str).to_csv(sys.argv[2], index=False)'
PANDAS_X2C_ITER='import sys, pandas as pd
pd.read_xml(sys.argv[1], iterparse={"record": sys.argv[3].split(",")},
            parser="lxml", dtype=str).to_csv(sys.argv[2], index=False)'

# XLSX: pandas cannot stream a sheet (to_excel writes column by column, so
# xlsxwriter's constant_memory mode is not usable); the numeric columns are
# read as floats so that they are written as numbers, the rest as text.
PANDAS_C2XL='import sys, pandas as pd
num = ["value", "change_pct"]
pd.read_csv(sys.argv[1], dtype={c: str for c in sys.argv[3].split(",") if c not in num},
            keep_default_na=False, na_values={c: [""] for c in num}).to_excel(
    sys.argv[2], index=False, engine="xlsxwriter")'
PANDAS_XL2C='import sys, pandas as pd
pd.read_excel(sys.argv[1], dtype=str, engine="openpyxl").to_csv(sys.argv[2], index=False)'

# tools_for DIR: the tools timed in one direction, in table order.
tools_for() {
    case $1 in
    c2j | j2c) echo conv mlr csvkit pandas ;;
    c2x) echo conv pandas ;;
    x2c) echo conv pandas pandas_iter ;;
    c2xl) echo conv conv_plain floor pyxlsx pandas ;;
    xl2c) echo conv xlsx2csv pandas ;;
    esac
}

# label DIR TOOL: the tool's name and version as shown in the tables.
label() {
    case $2 in
    conv) echo conv ;;
    conv_plain) echo "conv --plain" ;;
    floor) echo "bench-xlsx-floor (libxlsxwriter ${LIBXLSXWRITER_VERSION:-?})" ;;
    pyxlsx) echo "Python xlsxwriter $XLSXWRITER_VERSION (constant_memory)" ;;
    xlsx2csv) echo "$XLSX2CSV_LABEL" ;;
    mlr) echo "$MLR_LABEL" ;;
    csvkit) echo "$CSVKIT_LABEL" ;;
    pandas)
        case $1 in
        c2x) echo "$PANDAS_LABEL + lxml $LXML_VERSION" ;;
        x2c) echo "$PANDAS_LABEL + lxml $LXML_VERSION (XPath)" ;;
        c2xl) echo "$PANDAS_LABEL + xlsxwriter $XLSXWRITER_VERSION" ;;
        xl2c) echo "$PANDAS_LABEL + openpyxl $OPENPYXL_VERSION" ;;
        *) echo "$PANDAS_LABEL" ;;
        esac
        ;;
    pandas_iter) echo "$PANDAS_LABEL + lxml $LXML_VERSION (iterparse)" ;;
    esac
}

# run_tool DIR TOOL IN OUT: time one tool in one direction, writing OUT.
run_tool() {
    local dir=$1 tool=$2 in=$3 out=$4 key=$1/$2 script
    case $tool in
    conv)
        if [ -n "$CONV" ]; then
            measure "$key" /dev/null "$CONV" "$in" -o "$out"
        else
            STATUS[$key]=$CONV_NOTE
        fi
        ;;
    conv_plain)
        if [ -n "$CONV" ]; then
            measure "$key" /dev/null "$CONV" "$in" -o "$out" --plain
        else
            STATUS[$key]=$CONV_NOTE
        fi
        ;;
    floor)
        if [ -n "$FLOOR" ]; then
            measure "$key" /dev/null "$FLOOR" "$in" "$out"
        else
            STATUS[$key]="not built"
        fi
        ;;
    pyxlsx)
        if [ -z "$XLSXWRITER_VERSION" ]; then
            STATUS[$key]="not installed"
        else
            measure "$key" /dev/null "$PY" "$ROOT/bench/py_xlsx_write.py" "$in" "$out"
        fi
        ;;
    xlsx2csv)
        if have xlsx2csv; then
            measure "$key" /dev/null xlsx2csv "$in" "$out"
        else
            STATUS[$key]="not installed"
        fi
        ;;
    mlr)
        if ! have mlr; then
            STATUS[$key]="not installed"
        elif [ "$dir" = c2j ]; then
            measure "$key" "$out" mlr --icsv --ojson cat "$in"
        else
            measure "$key" "$out" mlr --ijson --ocsv cat "$in"
        fi
        ;;
    csvkit)
        if [ "$USE_CSVKIT" = 0 ]; then
            STATUS[$key]="skipped (--no-csvkit)"
        elif [ "$dir" = c2j ] && have csvjson; then
            measure "$key" "$out" csvjson "$in"
        elif [ "$dir" = j2c ] && have in2csv; then
            measure "$key" "$out" in2csv -f json "$in"
        else
            STATUS[$key]="not installed"
        fi
        ;;
    pandas | pandas_iter)
        case $dir/$tool in
        c2j/pandas) script=$PANDAS_C2J ;;
        j2c/pandas) script=$PANDAS_J2C ;;
        c2x/pandas) script=$PANDAS_C2X ;;
        x2c/pandas) script=$PANDAS_X2C ;;
        x2c/pandas_iter) script=$PANDAS_X2C_ITER ;;
        c2xl/pandas) script=$PANDAS_C2XL ;;
        xl2c/pandas) script=$PANDAS_XL2C ;;
        esac
        if [ "$HAVE_PANDAS" = 0 ]; then
            STATUS[$key]="not installed"
        elif [ "$dir" = c2xl ] && [ -z "$XLSXWRITER_VERSION" ]; then
            STATUS[$key]="not installed (python3-xlsxwriter)"
        elif [ "$dir" = xl2c ] && [ -z "$OPENPYXL_VERSION" ]; then
            STATUS[$key]="not installed (python3-openpyxl)"
        elif [ "$HAVE_LXML" = 0 ] && { [ "$dir" = c2x ] || [ "$dir" = x2c ]; }; then
            STATUS[$key]="not installed (python3-lxml)"
        else
            measure "$key" /dev/null "$PY" -c "$script" "$in" "$out" "$FIELDS"
        fi
        ;;
    esac
}

# run_direction DIR IN OUT_EXT: time every tool on IN for one direction.
# conv's output is kept as conv.DIR.EXT for the checks, and so are the
# outputs of the two writers of the same cells (floor, pyxlsx) as
# TOOL.DIR.EXT; the others' is deleted after each timing.
run_direction() {
    local dir=$1 in=$2 ext=$3 tool out
    for tool in $(tools_for "$dir"); do
        echo "  $dir: $tool" >&2
        out=$TMP/out.$ext
        case $tool in
        conv | floor | pyxlsx) out=$TMP/$tool.$dir.$ext ;;
        esac
        run_tool "$dir" "$tool" "$in" "$out"
        [ "$out" = "$TMP/out.$ext" ] && rm -f "$out"
    done
}

# Other work on the machine skews wall times (Miller uses several threads);
# record the load so a noisy run can be recognised.
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
if awk -v l="$LOAD_BEFORE" -v c="$(nproc)" 'BEGIN{exit !(l+0 > c/4)}'; then
    echo "run.sh: warning: load average is $LOAD_BEFORE; timings will be noisy" >&2
fi
echo "timing (timeout ${TIMEOUT} s, best of $RUNS) ..." >&2
DIRS=()
if [ "$USE_JSON" = 1 ]; then
    DIRS+=(c2j j2c)
    run_direction c2j "$IN_CSV" json
    run_direction j2c "$IN_JSON" csv
fi
if [ "$USE_XML" = 1 ]; then
    DIRS+=(c2x x2c)
    run_direction c2x "$IN_CSV" xml
    if [ -n "$XML_NOTE" ]; then
        for tool in $(tools_for x2c); do
            STATUS[x2c/$tool]=$XML_NOTE
        done
    else
        run_direction x2c "$IN_XML" csv
    fi
fi
if [ "$USE_XLSX" = 1 ]; then
    DIRS+=(c2xl xl2c)
    run_direction c2xl "$IN_CSV" xlsx
    if [ -n "$XLSX_NOTE" ]; then
        for tool in $(tools_for xl2c); do
            STATUS[xl2c/$tool]=$XLSX_NOTE
        done
    else
        run_direction xl2c "$IN_XLSX" csv
    fi
fi

# ---- report ------------------------------------------------------------------

# print_table DIR TITLE INPUT_BYTES
print_table() {
    local dir=$1 title=$2 bytes=$3 tool key cs
    echo "### $title"
    echo
    echo "| tool | seconds | MB/s | peak MiB | conv is X× faster |"
    echo "|---|---:|---:|---:|---:|"
    cs=
    [ "${STATUS[$dir/conv]}" = ok ] && cs=${SECS[$dir/conv]}
    for tool in $(tools_for "$dir"); do
        key=$dir/$tool
        if [ "${STATUS[$key]}" != ok ]; then
            echo "| $(label "$dir" "$tool") | ${STATUS[$key]} | | | |"
            continue
        fi
        awk -v l="$(label "$dir" "$tool")" -v s="${SECS[$key]}" -v k="${RSS[$key]}" \
            -v b="$bytes" -v c="$cs" -v self="$([ "$tool" = conv ] && echo 1)" '
            BEGIN {
                t = (s > 0.005) ? s : 0.005   # %e has 10 ms resolution
                if (self) r = "—"
                else if (c == "") r = "n/a"
                else r = sprintf("%.1f×", s / ((c > 0.005) ? c : 0.005))
                printf "| %s | %.2f | %.1f | %.1f | %s |\n", l, s, b / 1e6 / t, k / 1024, r
            }'
    done
    echo
}

# Show the first lines of a failed tool's stderr under the tables.
print_errors() {
    local key f
    for key in $(printf "%s\n" "${!STATUS[@]}" | sort); do
        case "${STATUS[$key]}" in
        error* | timeout*)
            f=$TMP/${key//\//_}.err
            if [ -s "$f" ]; then
                echo "stderr of $key (${STATUS[$key]}):"
                head -n 5 "$f" | sed 's/^/    /'
            fi
            ;;
        esac
    done
}

# Round-trip checks of conv, each PASS / FAIL / SKIP.  With PEER=1 (the
# same-cells writers read back by conv) a failure does not change the exit
# status.
RESULT=0
check() {
    local label=$1 got=$2 want=$3 cmpout
    if [ ! -f "$got" ]; then
        echo "- $label: SKIP (no output)"
        [ "${PEER:-0}" = 1 ] || RESULT=1
    elif cmpout=$(cmp "$got" "$want" 2>&1); then
        echo "- $label: PASS"
    else
        echo "- $label: FAIL ($cmpout)"
        [ "${PEER:-0}" = 1 ] || RESULT=1
    fi
}

# target LABEL A B OP LIMIT: the time ratio A/B of two rows against a
# required LIMIT (OP is "<=" or ">="), PASS / MISS / n/a.  Timings are
# noisy, so a miss is reported but does not change the exit status.
target() {
    local label=$1 a=$2 b=$3 op=$4 limit=$5
    if [ "${STATUS[$a]:-}" != ok ] || [ "${STATUS[$b]:-}" != ok ]; then
        echo "- $label: n/a (${STATUS[$a]:-not run} / ${STATUS[$b]:-not run})"
        return
    fi
    awk -v l="$label" -v x="${SECS[$a]}" -v y="${SECS[$b]}" -v op="$op" -v lim="$limit" '
        BEGIN {
            x = (x > 0.005) ? x : 0.005; y = (y > 0.005) ? y : 0.005
            r = x / y
            ok = (op == "<=") ? (r <= lim) : (r >= lim)
            printf "- %s: %.2f (required %s %s): %s\n", l, r, op, lim, ok ? "PASS" : "MISS"
        }'
}

# back_to_csv IN OUT: conv's CSV of its own output IN, for a round trip.
back_to_csv() {
    [ -n "$CONV" ] && [ -f "$1" ] || return 0
    "$CONV" "$1" -o "$2" 2>"$TMP/back.err" || {
        echo "conv could not convert its own $1 back to CSV:"
        head -n 5 "$TMP/back.err" | sed 's/^/    /'
    }
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

inputs="CSV $(mb "$CSV_BYTES") MB"
[ "$USE_JSON" = 1 ] && inputs="$inputs, JSON $(mb "$JSON_BYTES") MB"
if [ "$USE_XML" = 1 ] && [ -z "$XML_NOTE" ]; then
    inputs="$inputs, XML $(mb "$XML_BYTES") MB (conv's XML of the CSV)"
fi
if [ "$USE_XLSX" = 1 ] && [ -z "$XLSX_NOTE" ]; then
    inputs="$inputs, XLSX $(mb "$XLSX_BYTES") MB (conv --plain workbook of the CSV)"
fi

echo
echo "## conv benchmark: $N records, seed $SEED"
echo
echo "Input: $inputs" \
    "(generated in $(awk -v a="$gen_start" -v b="$gen_end" 'BEGIN{printf "%.2f", b-a}') s)." \
    "MB = 10^6 bytes of input; peak MiB = largest resident set."
echo "Host: $(nproc) cores, $(uname -sr); best of $RUNS run(s), timeout ${TIMEOUT} s;" \
    "load average before timing: $LOAD_BEFORE."
echo
if [ "$USE_JSON" = 1 ]; then
    print_table c2j "CSV → JSON" "$CSV_BYTES"
    print_table j2c "JSON → CSV" "$JSON_BYTES"
fi
if [ "$USE_XML" = 1 ]; then
    print_table c2x "CSV → XML" "$CSV_BYTES"
    print_table x2c "XML → CSV" "$XML_BYTES"
fi
if [ "$USE_XLSX" = 1 ]; then
    print_table c2xl "CSV → XLSX" "$CSV_BYTES"
    print_table xl2c "XLSX → CSV" "$XLSX_BYTES"
    echo "### XLSX speed targets (time ratios)"
    echo
    target "conv / bench-xlsx-floor, CSV → XLSX" c2xl/conv c2xl/floor "<=" 1.25
    target "Python xlsxwriter / conv, CSV → XLSX" c2xl/pyxlsx c2xl/conv ">=" 3
    target "xlsx2csv / conv, XLSX → CSV" xl2c/xlsx2csv xl2c/conv ">=" 8
    echo
fi

echo "### conv output checks"
echo
if [ "$USE_JSON" = 1 ]; then
    back_to_csv "$TMP/conv.c2j.json" "$TMP/conv.rt.csv"
    check "round trip CSV → JSON → CSV byte-identical to the generated CSV" \
        "$TMP/conv.rt.csv" "$IN_CSV"
    check "generated JSON → CSV byte-identical to the generated CSV" \
        "$TMP/conv.j2c.csv" "$IN_CSV"
fi
if [ "$USE_XML" = 1 ]; then
    back_to_csv "$TMP/conv.c2x.xml" "$TMP/conv.rtx.csv"
    check "round trip CSV → XML → CSV byte-identical to the generated CSV" \
        "$TMP/conv.rtx.csv" "$IN_CSV"
    check "XML input (conv's XML of the generated CSV) → CSV byte-identical to the generated CSV" \
        "$TMP/conv.x2c.csv" "$IN_CSV"
fi
if [ "$USE_XLSX" = 1 ]; then
    back_to_csv "$TMP/conv.c2xl.xlsx" "$TMP/conv.rtxl.csv"
    check "round trip CSV → XLSX → CSV byte-identical to the generated CSV" \
        "$TMP/conv.rtxl.csv" "$IN_CSV"
    check "XLSX input (conv --plain workbook of the generated CSV) → CSV byte-identical to the generated CSV" \
        "$TMP/conv.xl2c.csv" "$IN_CSV"
    # The two writers of "the same cells": conv reads their workbooks back
    # to the generated CSV (peers: does not change the exit status).
    back_to_csv "$TMP/floor.c2xl.xlsx" "$TMP/floor.rt.csv"
    PEER=1 check "peer: bench-xlsx-floor's workbook, read by conv, byte-identical to the generated CSV" \
        "$TMP/floor.rt.csv" "$IN_CSV"
    back_to_csv "$TMP/pyxlsx.c2xl.xlsx" "$TMP/pyxlsx.rt.csv"
    PEER=1 check "peer: Python xlsxwriter's workbook, read by conv, byte-identical to the generated CSV" \
        "$TMP/pyxlsx.rt.csv" "$IN_CSV"
fi
echo
errs=$(print_errors)
if [ -n "$errs" ]; then
    echo "$errs"
    echo
fi
for dir in "${DIRS[@]}"; do
    [ "${STATUS[$dir/conv]}" = ok ] || RESULT=1
done
exit $RESULT
