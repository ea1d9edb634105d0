#!/bin/sh
# Make the Vietnamese-input samples in samples/vi/ from the seed
# samples/indicators.csv and its schema: the same 12 records as a
# Vietnamese-locale spreadsheet exports them.  Run from anywhere; needs
# /usr/bin/python3 and iconv.  See README.md here for what each file is.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
seed="$here/../indicators.csv"
schema="$here/../indicators.schema.json"

/usr/bin/python3 - "$seed" "$schema" "$here" <<'PY'
import csv, io, json, sys, unicodedata

seed, schema_path, out = sys.argv[1:4]
with open(seed, encoding="utf-8", newline="") as f:
    rows = list(csv.reader(f))
header, records = rows[0], rows[1:]
schema = json.load(open(schema_path, encoding="utf-8"))
types = {f["name"]: f["type"] for f in schema["fields"]}
labels = {f["name"]: f["label"]["vi"] for f in schema["fields"]}


def vi_number(text, percent=False):
    """A C-notation number as Excel writes it in a Vietnamese locale:
    '.' between thousands, ',' before the decimals."""
    if text == "":
        return text
    neg = text.startswith("-")
    digits = text.lstrip("-")
    whole, _, frac = digits.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    s = ("-" if neg else "") + ".".join(groups) + ("," + frac if frac else "")
    return s + "%" if percent else s


def write(name, head, recs, delim, encoding="utf-8", bom=False, before=()):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for line in before:
        w.writerow(line)
    w.writerow(head)
    w.writerows(recs)
    text = buf.getvalue()
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)


def vi_records(percent=False):
    res = []
    for r in records:
        row = []
        for name, v in zip(header, r):
            if types[name] == "decimal":
                v = vi_number(v, percent and name == "change_pct")
            row.append(v)
        res.append(row)
    return res


vi = vi_records()
# Excel "CSV UTF-8" in a Vietnamese locale: BOM, ';', 13.090 and 552,6.
write("indicators-excel-vi.csv", header, vi, ";", bom=True)
# Excel's plain "CSV" on Vietnamese Windows: the same in Windows-1258
# (written as UTF-8 here, then converted by iconv below).
write("indicators-cp1258.utf8.tmp", header, vi, ";")
# The same in TCVN3 (TCVN 5712), as older office software writes it.
write("indicators-tcvn3.utf8.tmp", header, vi, ";")
# A workbook exported as it prints: its merged title above, an empty row,
# the Vietnamese labels as the header, percentages with their sign.
n = len(header)
title = [schema["title"]] + [""] * (n - 1)
write("indicators-title-rows.csv", [labels[h] for h in header], vi_records(percent=True), ";",
      before=(title, [""] * n))
# Tone marks typed as combining characters (NFD), C notation.
with open(seed, encoding="utf-8", newline="") as f:
    nfd = unicodedata.normalize("NFD", f.read())
with open(f"{out}/indicators-decomposed.csv", "wb") as f:
    f.write(nfd.encode("utf-8"))
PY

iconv -f UTF-8 -t CP1258 "$here/indicators-cp1258.utf8.tmp" > "$here/indicators-cp1258.csv"
iconv -f UTF-8 -t TCVN5712-1 "$here/indicators-tcvn3.utf8.tmp" > "$here/indicators-tcvn3.csv"
rm -f "$here/indicators-cp1258.utf8.tmp" "$here/indicators-tcvn3.utf8.tmp"
