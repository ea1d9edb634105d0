#!/usr/bin/python3
"""Read an .xlsx with openpyxl (Debian python3-openpyxl), independently of
libconv, and print what a spreadsheet would show, one fact per line, in a
stable text form that tests/unit/test_xlsx_write.c compares with expectations.

usage: xlsx_readback.py [--values] [--styles] [--details] [--sheet=N] FILE

Lines (fields separated by tabs):
  props   title, subject, creator, description, created (ISO, UTC)
  sheet   index, name, state (visible/hidden/veryHidden), dimensions
  freeze  cell below and right of the frozen panes
  filter  the autofilter range
  merged  a merged range
  print   orientation, paper size, fit to width, fit to height, rows repeated
  width   column letter, width (one decimal)
  height  row, height in points (rows with a height set)
  cell    sheet index, coordinate, kind, value, number format[, style]
            kind: n number, s string, b boolean, d date/time,
                  f formula, e error (the tests refuse the last two)
            value: numbers as %.15g (the digits Excel shows), and "shown"
                  as the number format displays them; strings as JSON
                  (ensure_ascii off) after Excel's _xHHHH_ unescaping;
                  booleans TRUE/FALSE; dates ISO 8601 with milliseconds
  style   (with --styles, on cell lines) bold, font size, wrap, vertical
          alignment, fill, border
  details (with --details, on cell lines, after the style) font=NAME,
          italic, underline, indent=N, the horizontal alignment
  page    (with --details) sheet index, margins left right top bottom
          (inches, two decimals), centered horizontally, gridlines printed

--values reads with openpyxl's read-only mode (fast, cells only: no
sheet-level lines but the sheet names and dimensions) for large workbooks;
--sheet=N prints the cells of sheet N only.

Exits 2 when openpyxl is missing: the tests must fail then, not skip.
"""
import datetime
import json
import re
import sys

try:
    import openpyxl
    from openpyxl.utils import get_column_letter
except ImportError as e:  # the C test reports this output
    print("openpyxl is missing: %s (apt-get install python3-openpyxl)" % e, file=sys.stderr)
    sys.exit(2)

ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def excel_text(s):
    """Cell text as Excel shows it: _xHHHH_ is the character U+HHHH (openpyxl
    3.0 leaves the escapes in)."""
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s)


def shown(v, fmt):
    """A number as the formats the writer uses display it."""
    m = re.fullmatch(r"(#,##)?0(?:\.(0+))?", fmt or "")
    if m:
        decimals = len(m.group(2) or "")
        return format(v, (",." if m.group(1) else ".") + "%df" % decimals)
    return "%.15g" % v


def iso(d):
    if isinstance(d, datetime.datetime):
        s = d.strftime("%Y-%m-%dT%H:%M:%S")
        return s + ".%03d" % (d.microsecond // 1000)
    if isinstance(d, datetime.date):
        return d.isoformat()
    return str(d)


def cell_line(si, c, styles, details=False):
    v = c.value
    fmt = c.number_format
    t = c.data_type
    if t == "f":
        kind, text = "f", str(v)
    elif t == "e":
        kind, text = "e", str(v)
    elif isinstance(v, bool):
        kind, text = "b", "TRUE" if v else "FALSE"
    elif isinstance(v, (int, float)):
        kind, text = "n", "%.15g\t%s" % (v, shown(v, fmt))
    elif isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        kind, text = "d", iso(v)
    else:
        kind, text = "s", json.dumps(excel_text(str(v)), ensure_ascii=False)
    line = "cell\t%d\t%s\t%s\t%s\t%s" % (si, c.coordinate, kind, text, fmt)
    if styles:
        f = c.font
        fill = c.fill.fgColor.rgb if c.fill and c.fill.fill_type == "solid" else "-"
        border = "border" if c.border and c.border.left and c.border.left.style else "-"
        line += "\t%s size=%s %s %s fill=%s %s" % (
            "bold" if f.b else "-", f.sz, "wrap" if c.alignment.wrap_text else "-",
            c.alignment.vertical or "-", fill, border)
    if details:
        f = c.font
        line += "\tfont=%s %s %s indent=%d %s" % (
            f.name, "italic" if f.i else "-", "underline" if f.u else "-",
            int(c.alignment.indent or 0), c.alignment.horizontal or "-")
    return line


def main(argv):
    values = "--values" in argv
    styles = "--styles" in argv
    details = "--details" in argv
    only = [int(a[8:]) for a in argv if a.startswith("--sheet=")]
    files = [a for a in argv[1:] if not a.startswith("--")]
    if len(files) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    wb = openpyxl.load_workbook(files[0], read_only=values)
    out = []
    p = wb.properties
    if not values:
        created = p.created.strftime("%Y-%m-%dT%H:%M:%S") if p.created else "-"
        out.append("props\t%s\t%s\t%s\t%s\t%s" % (p.title, p.subject, p.creator,
                                                p.description, created))
    for si, ws in enumerate(wb.worksheets, 1):
        if values:
            out.append("sheet\t%d\t%s\t%s\t%s" % (si, ws.title, ws.sheet_state,
                                                ws.calculate_dimension()))
        else:
            out.append("sheet\t%d\t%s\t%s\t%s" % (si, ws.title, ws.sheet_state,
                                                ws.dimensions))
            if ws.freeze_panes:
                out.append("freeze\t%d\t%s" % (si, ws.freeze_panes))
            if ws.auto_filter.ref:
                out.append("filter\t%d\t%s" % (si, ws.auto_filter.ref))
            for r in sorted(str(r) for r in ws.merged_cells.ranges):
                out.append("merged\t%d\t%s" % (si, r))
            ps = ws.page_setup
            fit = ws.sheet_properties.pageSetUpPr
            if ps.orientation or (fit and fit.fitToPage):
                out.append("print\t%d\t%s\tpaper=%s\tfitwidth=%s\tfitheight=%s\trepeat=%s" % (
                    si, ps.orientation, ps.paperSize,
                    ps.fitToWidth if ps.fitToWidth is not None else 1,
                    ps.fitToHeight if ps.fitToHeight is not None else 1,
                    ws.print_title_rows))
            if details:
                m = ws.page_margins
                out.append("page\t%d\tmargins=%.2f %.2f %.2f %.2f\tcenter=%s\tgridlines=%s" % (
                    si, m.left, m.right, m.top, m.bottom,
                    bool(ws.print_options.horizontalCentered),
                    bool(ws.print_options.gridLines)))
            for k in sorted(ws.column_dimensions, key=lambda k: (len(k), k)):
                d = ws.column_dimensions[k]
                if d.width and d.customWidth:
                    out.append("width\t%d\t%s\t%.1f" % (si, k, d.width))
            for r in sorted(ws.row_dimensions):
                d = ws.row_dimensions[r]
                if d.ht:
                    out.append("height\t%d\t%d\t%.1f" % (si, r, d.ht))
        if only and si not in only:
            continue
        for row in ws.iter_rows():
            for c in row:
                if c.value is None or not hasattr(c, "coordinate"):
                    continue
                out.append(cell_line(si, c, styles, details))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
