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
# gives, checked by eye.
# And the report workbook: report.xlsx, conv --layout report's of the
# records in report.csv (CONV: the conv to use, default build/bin/conv),
# saved again by LibreOffice as report.lo.xlsx, report.xls and report.ods,
# each keeping the hidden sheet _conv_report (tests/api/test_report_read.c
# reads them all back to report.csv's records; the values have no trailing
# zeros, which the .ods reader does not keep).  Needs soffice.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for to in xlsx xls ods; do
    soffice --headless -env:UserInstallation=file://"$tmp"/profile \
        --convert-to "$to" --outdir "$tmp" styles.fods >/dev/null
    cp "$tmp/styles.$to" "styles.$to"
done
conv=${CONV:-../../../build/bin/conv}
schema=$tmp/schema.json
# the indicator profile's fields, none required (report.csv leaves some out)
cat >"$schema" <<'JSON'
{"fields": [{"name": "region_code", "type": "string"}, {"name": "region_name", "type": "string"},
 {"name": "indicator_code", "type": "string"}, {"name": "indicator_name", "type": "string"},
 {"name": "parent_code", "type": "string"}, {"name": "period", "type": "string"},
 {"name": "value", "type": "decimal"}, {"name": "unit", "type": "string"},
 {"name": "change_pct", "type": "decimal"}, {"name": "plan_value", "type": "decimal"},
 {"name": "status", "type": "string"}, {"name": "source", "type": "string"},
 {"name": "note", "type": "string"}]}
JSON
"$conv" --schema "$schema" --layout report --created 2022-01-15T00:00:00Z report.csv \
    -o report.xlsx
for to in xls ods; do
    soffice --headless -env:UserInstallation=file://"$tmp"/profile \
        --convert-to "$to" --outdir "$tmp" report.xlsx >/dev/null
    cp "$tmp/report.$to" "report.$to"
done
mkdir "$tmp/lo"
soffice --headless -env:UserInstallation=file://"$tmp"/profile \
    --convert-to "xlsx:Calc MS Excel 2007 XML" --outdir "$tmp/lo" report.xlsx >/dev/null
cp "$tmp/lo/report.xlsx" report.lo.xlsx
