#!/usr/bin/python3
"""Write a workbook of tables made for people, for bench/table.sh.

table-gen.py OUT.xlsx SHEETS ROWS: SHEETS sheets, each a table in the shape
of the General Statistics Office's monthly tables (a title, a unit line, a
header of two rows with merged cells, a stub of two columns with sections,
five columns of values, a note at the bottom) with ROWS body rows.  Written
in openpyxl's write-only mode, so any size fits in memory.
"""
import random
import sys

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


def main():
    out, sheets, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(1)
    wb = Workbook(write_only=True)
    for s in range(sheets):
        ws = wb.create_sheet(f"{s + 1}.Bieu")
        bold = Font(bold=True)

        def cell(v, b=False):
            c = WriteOnlyCell(ws, value=v)
            if b:
                c.font = bold
            return c

        ws.merged_cells.ranges = []
        ws.append([cell(f"{s + 1}. Giá trị sản xuất theo giá hiện hành năm 2024", True)])
        ws.append([None, None, None, None, None, "Đơn vị tính: Tỷ đồng"])
        ws.append([cell("STT", True), cell("Chỉ tiêu", True), cell("Thực hiện", True), None,
                   cell("So với cùng kỳ năm trước (%)", True), None, None])
        ws.append([None, None, cell("Quý III năm 2024", True), cell("Năm 2024", True),
                   cell("Quý III", True), cell("9 tháng", True), cell("Năm", True)])
        ws.merged_cells.ranges = ["C3:D3", "E3:G3"]
        for r in range(rows):
            if r % 50 == 0:
                ws.append([None, cell(f"Phân theo nhóm {r // 50 + 1}")])
            ws.append([r + 1, f"Chỉ tiêu số {r + 1}",
                       round(rnd.uniform(100, 99999), 1), round(rnd.uniform(100, 99999), 1),
                       round(rnd.uniform(90, 120), 1), round(rnd.uniform(90, 120), 1),
                       "-" if r % 97 == 0 else round(rnd.uniform(90, 120), 1)])
        ws.append([])
        ws.append(["Ghi chú: số liệu sơ bộ."])
    wb.save(out)


if __name__ == "__main__":
    main()
