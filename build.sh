#!/usr/bin/env bash
# The two quick-start jobs of the README, idempotent on a fresh Debian 12
# machine (as root, or with sudo):
#   ./build.sh demo   install what is missing, build, convert the samples
#   ./build.sh test   install what is missing, build and run every test:
#                     Release build (-O3), ASan+UBSan build, fuzz-corpus replay
#                     and a short fuzzing run per reader
# Environment: BUILD_JOBS (default: all cores), FUZZ_SECONDS (default 20).
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(gcc make cmake pkg-config clang libclang-rt-14-dev
          libjansson-dev libyajl-dev libxml2-dev libxlsxwriter-dev libminizip-dev libutf8proc-dev
          libcmocka-dev python3-openpyxl python3-jsonschema python3-pytest doxygen strace
          libmicrohttpd-dev openssl chromium chromium-driver python3-selenium systemd)
JOBS=${BUILD_JOBS:-$(nproc)}

install_missing() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# build DIR [cmake args...]
build() {
    local dir=$1
    shift
    cmake -S . -B "$dir" -DCONV_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS" >/dev/null
}

demo() {
    install_missing
    echo "== building into build/"
    build build
    local out=build/samples-out
    mkdir -p "$out"
    local conv=build/bin/conv
    for to in json jsonl csv tsv xml xlsx; do
        "$conv" --schema samples/indicators.schema.json samples/indicators.csv -o "$out/indicators.$to"
    done
    "$conv" --schema samples/indicators.schema.json samples/indicators.csv --layout report \
        -o "$out/indicators-report.xlsx"
    "$conv" "$out/indicators-report.xlsx" -o "$out/indicators-report.csv"
    echo "== the seed sample (samples/indicators.csv) converted to every format:"
    for f in "$out"/indicators.*; do
        echo "   $f"
    done
    echo "   $out/indicators-report.xlsx (the report table officials print)"
    echo "   $out/indicators-report.csv (the records the report shows, read back from it)"
    echo "== the seed sample checked against the indicator profile (conv-check):"
    build/bin/conv-check samples/indicators.csv && echo "   clean: no findings"
    serve_demo "$out"
    echo "== the tools are in build/bin (conv, conv-check, conv-info, conv-batch, conv-serve); try: build/bin/conv --help"
    echo "== the page for officials: run build/bin/conv-serve and open http://127.0.0.1:8080/ (docs/serve.md)"
}

# conv-serve on a free port of 127.0.0.1 for a moment: the seed sample sent
# over HTTP comes back as the report table.
serve_demo() {
    local out=$1 log
    log=$(mktemp)
    build/bin/conv-serve --listen 127.0.0.1:0 2>"$log" &
    local pid=$! url="" i
    for i in $(seq 100); do
        url=$(sed -n 's|.*listening on \(http://[0-9.:]*\)/.*|\1|p' "$log")
        [ -n "$url" ] && break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        kill "$pid" 2>/dev/null || true
        echo "conv-serve did not start:" >&2
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    /usr/bin/python3 - "$url" "$out/indicators-report-http.xlsx" <<'PY'
import sys, urllib.request
url, dest = sys.argv[1], sys.argv[2]
body = open("samples/indicators.csv", "rb").read()
req = urllib.request.Request(url + "/v1/convert?to=xlsx&layout=report&filename=indicators.csv",
                             data=body, method="POST")
with urllib.request.urlopen(req, timeout=60) as r, open(dest, "wb") as f:
    f.write(r.read())
PY
    kill -TERM "$pid"
    wait "$pid"
    echo "== conv-serve, the same over HTTP ($url, stopped again): the report table from POST /v1/convert"
    echo "   $out/indicators-report-http.xlsx"
    rm -f "$log"
}

run_tests() {
    install_missing
    echo "== release build as packagers make it (gcc, Release: -O3, -Werror) and tests"
    build build -DCMAKE_BUILD_TYPE=Release
    ctest --test-dir build --output-on-failure -j "$JOBS"

    echo "== ASan+UBSan build and tests"
    build build-asan -DCONV_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug
    ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j "$JOBS"

    echo "== fuzz targets (clang, libFuzzer, ASan+UBSan): corpus replay, then fuzzing"
    CC=clang build build-fuzz -DCONV_FUZZ=ON -DCONV_SANITIZE=address,undefined \
        -DCONV_BUILD_TESTS=OFF -DCONV_BUILD_TOOLS=OFF
    tests/fuzz/run-fuzzers build-fuzz "${FUZZ_SECONDS:-20}"
}

case "${1:-}" in
demo) demo ;;
test) run_tests ;;
*)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
