#!/bin/sh
# Rebuild the fixtures of the spreadsheet layer's tests (tests/unit/
# test_sheet_layer.c): styles.xlsx, styles.xls and styles.ods, each saved
# by LibreOffice from the flat ODS styles.fods, which holds what a table
# made for people has besides values: bold and italic, fonts (a TCVN3
# .VnTime among them), an indent of two levels, merged cells across and
# down, a hidden row and a hidden column, a number format; and a sheet of
# text in legacy fonts: TCVN3 in the capital font .VnTimeH, VNI in
# VNI-Times (the bytes as Windows-1252 characters, as Windows kept them).
# The golden files styles.<fmt>.cells.csv are what conv --layout cells
# gives, checked by eye.  Needs soffice.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for to in xlsx xls ods; do
    soffice --headless -env:UserInstallation=file://"$tmp"/profile \
        --convert-to "$to" --outdir "$tmp" styles.fods >/dev/null
    cp "$tmp/styles.$to" "styles.$to"
done
