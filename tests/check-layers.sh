#!/usr/bin/env bash
# The layers of the library, as the build draws them (CMakeLists.txt):
#   the core (libconv/) includes no format; a shared layer of formats
#   (formats/sheet/) includes only the core and itself; a format includes
#   only the core, the shared layers and its own folder, never another
#   format's files; the tools include only the public header.
#
#   tests/check-layers.sh SRCDIR CC LAYERS TARGET=DIR:DIR... [TARGET=...]
#
# LAYERS names the shared layers of formats (colon separated); each
# TARGET=DIRS is an object library of the build (conv_core, conv_fmt_NAME)
# and its include path.
# Two checks:
#  1. the compiler, given each library's include path, refuses every
#     header it must not reach (another format's, or any format's for the
#     core) and accepts one it may (so the probe itself works);
#  2. every quoted #include in the sources names a file found in the
#     includer's own folder or on its library's include path, without
#     "..": an include that only a relative path or a wider path would
#     find fails here even before it is compiled.
set -euo pipefail
src=$1
cc=$2
shared=":$3:"
shift 3
status=0
fail() {
    echo "FAIL: $*"
    status=1
}

declare -A incs
for arg in "$@"; do
    incs[${arg%%=*}]=${arg#*=}
done

flags() { # the -I flags of a target
    local IFS=:
    local out=""
    for d in ${incs[$1]}; do out="$out -I$d"; done
    echo "$out"
}

# compiles TARGET HEADER: 0 when '#include "HEADER"' compiles with the
# target's include path.
compiles() {
    # shellcheck disable=SC2046
    printf '#include "%s"\n' "$2" | "$cc" -fsyntax-only -x c $(flags "$1") -D_GNU_SOURCE - \
        >/dev/null 2>&1
}

formats=()
layers=()
for t in "${!incs[@]}"; do
    case $t in
    conv_fmt_*) ;;
    *) continue ;;
    esac
    name=${t#conv_fmt_}
    if [[ $shared == *":$name:"* ]]; then
        layers+=("$name")
    else
        formats+=("$name")
    fi
done
[ ${#formats[@]} -gt 0 ] || fail "no format libraries given"
[ -n "${incs[conv_core]:-}" ] || fail "no core library given"

# 1. The compiler's view.
compiles conv_core conv_private.h || fail "probe: the core cannot include conv_private.h"
for f in "${formats[@]}" "${layers[@]}"; do
    compiles "conv_core" "${f}_private.h" && fail "the core can include ${f}_private.h"
    for h in "$src"/formats/"$f"/*.h; do
        [ -e "$h" ] || continue
        base=${h##*/}
        compiles conv_core "$base" && fail "the core can include $base"
        compiles conv_core "$f/$base" && fail "the core can include $f/$base"
    done
done
for f in "${formats[@]}"; do
    t=conv_fmt_$f
    compiles "$t" conv_private.h || fail "probe: $f cannot include conv_private.h"
    for l in "${layers[@]}"; do
        compiles "$t" "$l.h" || fail "probe: $f cannot include its shared layer $l.h"
    done
    for g in "${formats[@]}"; do
        [ "$g" = "$f" ] && continue
        for h in "$src"/formats/"$g"/*.h; do
            [ -e "$h" ] || continue
            base=${h##*/}
            compiles "$t" "$base" && fail "format $f can include $g's $base"
            compiles "$t" "$g/$base" && fail "format $f can include $g/$base"
        done
    done
done
for l in "${layers[@]}"; do
    for g in "${formats[@]}"; do
        for h in "$src"/formats/"$g"/*.h; do
            [ -e "$h" ] || continue
            compiles "conv_fmt_$l" "${h##*/}" && fail "shared layer $l can include $g's ${h##*/}"
        done
    done
done

# 2. The sources' view: each quoted include is found where the layer may look.
check_file() { # FILE TARGET
    local file=$1 t=$2 dir inc found d
    dir=$(dirname "$file")
    while IFS= read -r inc; do
        if [[ $inc == *..* ]]; then
            fail "$file: #include \"$inc\" climbs out of its folder"
            continue
        fi
        found=""
        [ -f "$dir/$inc" ] && found=1
        local IFS=:
        for d in ${incs[$t]}; do
            [ -f "$d/$inc" ] && found=1
        done
        unset IFS
        [ -n "$found" ] || fail "$file: #include \"$inc\" is outside what ${t} may include"
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
}
shopt -s nullglob
for file in "$src"/libconv/*.[ch] "$src"/libconv/*/*.[ch]; do
    check_file "$file" conv_core
done
for f in "${formats[@]}" "${layers[@]}"; do
    for file in "$src"/formats/"$f"/*.[ch]; do
        case ${file##*/} in
        fuzz_*) continue ;; # fuzz targets: the public header only, checked below
        esac
        check_file "$file" "conv_fmt_$f"
    done
done
# Tools: the public header and the tools' own headers; fuzz targets: the
# public header and the fuzz helper.
for file in "$src"/tools/*.[ch] "$src"/formats/*/fuzz_*.c; do
    while IFS= read -r inc; do
        case $inc in
        conv/conv.h) continue ;;
        fuzz_common.h) [[ $file == */fuzz_* ]] && continue ;;
        esac
        if [[ $file == "$src"/tools/* && $inc != */* && -f "$src/tools/$inc" ]]; then
            continue
        fi
        fail "$file: #include \"$inc\" (only conv/conv.h is public)"
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done

# The tests of the public API and of the tools: the public header and the
# tests' own helpers (tests/*.h) only; the internals are for tests/unit/.
for file in "$src"/tests/api/*.c "$src"/tests/tools/*.c; do
    while IFS= read -r inc; do
        [ "$inc" = conv/conv.h ] && continue
        [[ $inc != */* && -f "$src/tests/$inc" ]] && continue
        fail "$file: #include \"$inc\" (a test of the public API or the tools; internals are for tests/unit/)"
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done

if [ $status -eq 0 ]; then
    echo "layers: core, ${#layers[@]} shared layer(s) (${layers[*]}), ${#formats[@]} formats" \
        "(${formats[*]}): no include crosses them"
fi
exit $status
