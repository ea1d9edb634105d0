"""bench/py_xlsx_write.py IN.csv OUT.xlsx [NUMERIC-COLUMN...]

The Python xlsxwriter peer of bench-xlsx-floor (bench/xlsx_floor.c) for
bench/run.sh: the same cells in the same constant_memory mode.  The header
row and text as (inline) strings, the numeric columns (1-based, default 7 9:
value and change_pct of bench-gen's CSV) as numbers with a cached
#,##0[.0...] format of as many decimals as the text has (General for an
exponent), empty fields as no cell.
"""
import csv
import sys

import xlsxwriter

numeric = {int(c) - 1 for c in sys.argv[3:]} or {6, 8}
wb = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
ws = wb.add_worksheet("Data")
formats = {}
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row, record in enumerate(csv.reader(f)):
        for col, text in enumerate(record):
            if not text:
                continue
            if row == 0 or col not in numeric:
                ws.write_string(row, col, text)
                continue
            fmt = None
            if "e" not in text and "E" not in text:
                d = len(text) - text.index(".") - 1 if "." in text else 0
                fmt = formats.get(d)
                if fmt is None:
                    fmt = formats[d] = wb.add_format(
                        {"num_format": "#,##0" + ("." + "0" * d if d else "")})
            ws.write_number(row, col, float(text), fmt)
wb.close()
