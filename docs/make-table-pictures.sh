#!/usr/bin/env bash
# Make the pictures of docs/tables.md from tests/data/table/monthly.xlsx:
#   tables-sheet.png    the sheet as LibreOffice prints it
#   tables-parts.png    the parts conv-info --layout table found, coloured
#   tables-records.png  the first records of conv --layout table, as a workbook
# Needs a build (BUILD_DIR, default build), LibreOffice (soffice), pdftoppm
# and python3-openpyxl.  Run from anywhere; writes into docs/.
set -euo pipefail
docs=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$docs")
bin=${BUILD_DIR:-$repo/build}/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
book=$repo/tests/data/table/monthly.xlsx

png() { # XLSX OUT.png: its first page, cropped to what is printed
    soffice --headless -env:UserInstallation=file://"$tmp"/profile --convert-to pdf \
        --outdir "$tmp" "$1" >/dev/null 2>&1
    local pdf=$tmp/$(basename "${1%.*}").pdf
    pdftoppm -png -r 110 -f 1 -l 1 -singlefile "$pdf" "$tmp/page"
    /usr/bin/python3 - "$tmp/page.png" "$2" <<'PY'
import sys
from PIL import Image, ImageChops
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
body = im.crop((0, 0, w, h - 80))  # not the page number at the foot
bg = Image.new("RGB", body.size, (255, 255, 255))
box = ImageChops.difference(body, bg).getbbox()
if box:
    im = im.crop((max(box[0] - 20, 0), max(box[1] - 20, 0), box[2] + 20, box[3] + 20))
im.save(sys.argv[2])
PY
}

# The sheet as printed, one page wide.
/usr/bin/python3 - "$book" "$tmp/sheet.xlsx" <<'PY'
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
for ws in wb.worksheets:
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
wb.save(sys.argv[2])
PY
png "$tmp/sheet.xlsx" "$docs/tables-sheet.png"

# The parts, from what conv-info tells.
parts=$("$bin/conv-info" "$book" --layout table 2>/dev/null | grep 'header rows' | head -1)
/usr/bin/python3 - "$book" "$tmp/parts.xlsx" "$parts" <<'PY'
import re, sys
from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import column_index_from_string as ci

book, out, parts = sys.argv[1:4]
m = re.search(r"header rows (\d+)-(\d+), stub ([A-Z]+)-([A-Z]+), values ([A-Z]+)-([A-Z]+), "
              r"body rows (\d+)-(\d+)", parts)
if not m:
    sys.exit("conv-info told no parts: " + parts)
h1, h2, s1, s2, v1, v2, b1, b2 = m.groups()
h1, h2, b1, b2 = int(h1), int(h2), int(b1), int(b2)
s1, s2, v1, v2 = ci(s1), ci(s2), ci(v1), ci(v2)
wb = load_workbook(book)
ws = wb.worksheets[0]
ws.page_setup.orientation = "landscape"
ws.sheet_properties.pageSetUpPr.fitToPage = True
ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
fill = lambda rgb: PatternFill("solid", start_color=rgb, end_color=rgb)
title, unit, head, stub, section, note = (fill("BDD7EE"), fill("D9C3E9"), fill("F8CBAD"),
                                          fill("C6E0B4"), fill("FFE699"), fill("D9D9D9"))
for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=v2):
    for c in row:
        r, k = c.row, c.column
        text = isinstance(c.value, str) and c.value.strip()
        values = any(isinstance(x.value, (int, float)) or (isinstance(x.value, str) and
                     x.value.strip() in ("-", "..", "…", "x"))
                     for x in ws[r][v1 - 1:v2])
        if r < h1:
            row_text = [x.value for x in ws[r] if isinstance(x.value, str) and x.value.strip()]
            if any(v.startswith("Đơn vị") for v in row_text):
                c.fill = unit
            elif row_text:
                c.fill = title
        elif r <= h2:
            c.fill = head
        elif r <= b2:
            if not values:
                c.fill = section
            elif s1 <= k <= s2:
                c.fill = stub
        else:
            c.fill = note
wb.save(sys.argv[2])
PY
png "$tmp/parts.xlsx" "$docs/tables-parts.png"

# The first records, as a workbook for people.
"$bin/conv" "$book" --layout table -t csv 2>/dev/null | head -13 |
    /usr/bin/python3 -c '
import csv, sys
rows = csv.reader(sys.stdin)
out = csv.writer(sys.stdout, lineterminator="\n")
for r in rows:
    out.writerow([r[1], r[3], r[4], r[5], r[6], r[7], r[8], r[9]])
' >"$tmp/records.csv"
"$bin/conv" "$tmp/records.csv" --title "conv monthly.xlsx --layout table" \
    -o "$tmp/records.xlsx"
png "$tmp/records.xlsx" "$docs/tables-records.png"
echo "wrote $docs/tables-sheet.png, tables-parts.png, tables-records.png"
