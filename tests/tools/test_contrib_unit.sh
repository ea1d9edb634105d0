#!/usr/bin/env bash
# contrib/conv-serve.service is a unit systemd accepts, with no warning,
# once its ExecStart names the conv-serve just built.
#   tests/tools/test_contrib_unit.sh BINDIR SRCDIR
set -euo pipefail
bindir=$(cd "$1" && pwd)
src=$2
unit=$src/contrib/conv-serve.service
grep -q '^ExecStart=/usr/local/bin/conv-serve ' "$unit" || {
    echo "$unit: no ExecStart=/usr/local/bin/conv-serve line"
    exit 1
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/bin/conv-serve|$bindir/conv-serve|" "$unit" >"$dir/conv-serve.service"
if ! out=$(systemd-analyze verify --man=no "$dir/conv-serve.service" 2>&1) || [ -n "$out" ]; then
    echo "systemd-analyze verify of $unit:"
    echo "$out"
    exit 1
fi
echo "ok: systemd accepts $unit"
