#!/usr/bin/python3
"""Edit an .xlsx with openpyxl (Debian python3-openpyxl) as an official
would in a spreadsheet program, for the tests that read a report workbook
back after it was changed by hand (tests/api/test_report_read.c).

usage: xlsx_edit.py IN OUT EDIT...

Each EDIT is one argument, its parts separated by '|'; SHEET is a sheet's
name or its 1-based index:
  set|SHEET|CELL|VALUE      a number when VALUE reads as one (=TEXT: the
                            text TEXT), empty VALUE clears the cell; the
                            cell keeps its style
  insert_rows|SHEET|ROW|N   N empty rows before ROW
  delete_cols|SHEET|COL|N   N columns from COL (a number)
  swap_rows|SHEET|R1|R2     the values of two rows exchanged
  rename|SHEET|NAME
  add_sheet|NAME|CELL|TEXT  a new sheet with one text cell
  remove_sheet|SHEET

Exits 2 when openpyxl is missing: the tests must fail then, not skip.
"""
import sys

try:
    import openpyxl
except ImportError:
    sys.exit(2)


def sheet(wb, ref):
    if ref in wb.sheetnames:
        return wb[ref]
    return wb.worksheets[int(ref) - 1]


def value(text):
    if text.startswith("="):
        return text[1:]
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 64
    wb = openpyxl.load_workbook(argv[1])
    for edit in argv[3:]:
        op, *args = edit.split("|")
        if op == "set":
            ws = sheet(wb, args[0])
            ws[args[1]].value = value(args[2])
        elif op == "insert_rows":
            sheet(wb, args[0]).insert_rows(int(args[1]), int(args[2]))
        elif op == "delete_cols":
            sheet(wb, args[0]).delete_cols(int(args[1]), int(args[2]))
        elif op == "swap_rows":
            ws = sheet(wb, args[0])
            r1, r2 = int(args[1]), int(args[2])
            for col in range(1, ws.max_column + 1):
                a, b = ws.cell(r1, col), ws.cell(r2, col)
                a.value, b.value = b.value, a.value
        elif op == "rename":
            sheet(wb, args[0]).title = args[1]
        elif op == "add_sheet":
            wb.create_sheet(args[0])[args[1]] = args[2]
        elif op == "remove_sheet":
            wb.remove(sheet(wb, args[0]))
        else:
            sys.stderr.write("unknown edit: %s\n" % edit)
            return 64
    wb.save(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
