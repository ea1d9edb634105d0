#!/usr/bin/env bash
# Install libconv into a temporary prefix, then build programs of another
# project against it: with CMake (find_package(libconv), the shared and the
# static library) and with pkg-config (shared and --static), and check that
# each converts the seed sample to the expected JSON.
#   tests/test_downstream.sh SOURCE_DIR BINARY_DIR
# Exit 77 (skipped) in a sanitizer build: programs built outside it cannot
# load an instrumented library.
set -euo pipefail
src=$1
bin=$2
if grep -q '^CONV_SANITIZE:STRING=.\+' "$bin/CMakeCache.txt"; then
    echo "sanitizer build: skipped"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conv-downstream.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$bin" --prefix "$prefix" >/dev/null
expected=$src/samples/indicators.json

# Only the public header is installed.
headers=$(cd "$prefix/include" && find . -type f | sort)
[ "$headers" = "./conv/conv.h" ] || { echo "installed headers: $headers"; exit 1; }

check() { # name program
    local name=$1
    shift
    "$@" "$src/samples/indicators.csv" "$tmp/$name.json" "$src/samples/indicators.schema.json" \
        >"$tmp/$name.out"
    cmp "$tmp/$name.json" "$expected"
    grep -q '^first change_pct: 16.5 (decimal)$' "$tmp/$name.out"
    echo "$name: ok ($(head -1 "$tmp/$name.out"))"
}

# CMake package.
cmake -S "$src/tests/downstream" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" >/dev/null
LD_LIBRARY_PATH=$prefix/lib check cmake-shared "$tmp/build/downstream"
check cmake-static "$tmp/build/downstream_static"
if ldd "$tmp/build/downstream_static" | grep -q libconv; then
    echo "downstream_static loads libconv.so"
    exit 1
fi

# pkg-config.
pc=$(dirname "$(find "$prefix" -name libconv.pc)")
export PKG_CONFIG_PATH=$pc
[ "$(pkg-config --modversion libconv)" = "$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$bin/CMakeCache.txt")" ]
cc=${CC:-cc}
# shellcheck disable=SC2046
$cc -o "$tmp/pc-shared" "$src/tests/downstream/main.c" $(pkg-config --cflags --libs libconv)
LD_LIBRARY_PATH=$(pkg-config --variable=libdir libconv) check pkgconfig-shared "$tmp/pc-shared"
# shellcheck disable=SC2046
$cc -static-libgcc -o "$tmp/pc-static" "$src/tests/downstream/main.c" \
    $(pkg-config --cflags libconv) "$(pkg-config --variable=libdir libconv)/libconv.a" \
    $(pkg-config --libs --static libconv | sed 's/-lconv//')
check pkgconfig-static "$tmp/pc-static"

# The installed tools run from the prefix (their run path is relative) and
# have man pages.
"$prefix/bin/conv" --schema "$src/samples/indicators.schema.json" "$src/samples/indicators.csv" \
    -o "$tmp/tool.json"
cmp "$tmp/tool.json" "$expected"
for t in conv conv-check conv-info conv-batch; do
    [ -x "$prefix/bin/$t" ] && [ -s "$(find "$prefix" -path "*/man1/$t.1")" ] ||
        { echo "missing $t or its man page"; exit 1; }
done
echo "installed tools: ok"
