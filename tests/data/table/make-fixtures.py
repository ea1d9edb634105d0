#!/usr/bin/python3
"""Write the fixtures of --layout table (tests/unit/test_sheet_table.c).

Each workbook holds tables shaped like the General Statistics Office's
(../shared/real/gso/), small and made up: a title row, a unit line, a header
over several rows with merged cells, a stub whose column, indent, numbering
and bold carry a hierarchy, missing-value marks, footnote marks, notes at the
bottom.  One workbook per shape:

  monthly.xlsx       a. the monthly table: everything at once
  unit-column.xlsx   b. a unit column with ditto marks, a title over two rows
  stacked.xlsx       c. two tables stacked on one sheet; a table continued
                        under a repeated, reworded header
  side-by-side.xlsx  d. two tables printed side by side
  hidden.xlsx        e. a hidden row and a hidden column
  caption.xlsx       f. a caption inside the body changing the unit
  notes.xlsx         g. a note sheet, a table, an empty sheet
  provinces.xlsx     h. provinces down the stub (indented with spaces), years
                        across, a blank corner
  pxweb.csv, worldbank.csv, codes.csv, areas.tsv   i. text shapes
  real-shapes.xlsx   more shapes the real GSO workbooks show (see real_shapes)

monthly, unit-column and hidden are also saved by LibreOffice as .xls and
.ods (soffice, which the project does not need otherwise: install
libreoffice-calc to run this).  Every text is NFC.  The workbooks' dates
and their zip entries' are fixed, so the same .xlsx come out each time
(LibreOffice's .xls and .ods differ by their timestamps).

Run from anywhere: /usr/bin/python3 tests/data/table/make-fixtures.py
"""
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = "Times New Roman"
WHEN = datetime.datetime(2025, 1, 15, 8, 0, 0)

NUM1 = "#,##0.0"  # values with one decimal, thousands grouped
NUM0 = "#,##0"
PCT = "0.0"       # comparisons (%)


def nfc(s):
    if isinstance(s, str):
        assert unicodedata.normalize("NFC", s) == s, s
    return s


def book():
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "libconv tests"
    wb.properties.created = WHEN
    wb.properties.modified = WHEN
    wb.properties.lastModifiedBy = "libconv tests"
    return wb


def put(ws, ref, value, bold=False, italic=False, indent=0, fmt=None, center=False, wrap=False):
    c = ws[ref]
    c.value = nfc(value)
    c.font = Font(name=FONT, size=11, bold=bold, italic=italic)
    if indent or center or wrap:
        c.alignment = Alignment(indent=indent, horizontal="center" if center else None,
                                vertical="center" if center else None, wrap_text=wrap)
    if fmt:
        c.number_format = fmt
    return c


def head(ws, ref, value, merge=None):
    """A header cell: bold, centred, wrapped; merged over merge when given."""
    put(ws, ref, value, bold=True, center=True, wrap=True)
    if merge:
        ws.merge_cells(merge)


def values(ws, row, first_col, vals, fmts):
    """Body values from column first_col (a letter) on; None leaves a cell empty;
    a str is written as text (a missing mark, a number typed as text)."""
    col = openpyxl.utils.column_index_from_string(first_col)
    for i, v in enumerate(vals):
        if v is None:
            continue
        ref = "%s%d" % (openpyxl.utils.get_column_letter(col + i), row)
        fmt = fmts[i] if isinstance(fmts, (list, tuple)) else fmts
        put(ws, ref, v, fmt=None if isinstance(v, str) else fmt)


def save(wb, name):
    """Save, then give every zip entry the fixed date, so the same workbook
    makes the same bytes."""
    path = os.path.join(HERE, name)
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=WHEN.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            z.writestr(fixed, data)
    return path


# ---- a. the monthly table -----------------------------------------------------------------------

def monthly():
    wb = book()
    ws = wb.create_sheet("Biểu 01")
    put(ws, "A1", "Biểu 01. Giá trị sản xuất trên địa bàn thành phố theo giá hiện hành", bold=True)
    ws.merge_cells("A1:H1")
    put(ws, "F2", "Đơn vị tính: Tỷ đồng", italic=True)
    ws.merge_cells("F2:H2")
    # The header, rows 4-6.
    head(ws, "A4", "STT", "A4:A6")
    head(ws, "B4", "Chỉ tiêu", "B4:C6")
    head(ws, "D4", "Thực hiện", "D4:E4")
    head(ws, "F4", "So với cùng kỳ năm trước (%)", "F4:H4")
    head(ws, "D5", "Quý III năm 2024", "D5:D6")
    head(ws, "E5", "Năm")
    head(ws, "E6", 2024)  # a year as a number cell
    head(ws, "F5", "Quý III năm 2024", "F5:F6")
    head(ws, "G5", "9 tháng")
    head(ws, "G6", "năm 2024")
    head(ws, "H5", "Năm")
    head(ws, "H6", 2024)
    fm = [NUM1, NUM1, PCT, PCT, PCT]
    # row: (STT, label in B, indent, bold, italic, label in C, values D..H)
    rows = [
        (7, None, "TỔNG SỐ", 0, True, False, None,
         [52345.6, 198765.4, 107.2, 106.8, 107.45678901234567]),
        (8, None, "Phân theo ngành kinh tế", 0, False, True, None, None),
        (9, "I", "Nông, lâm nghiệp và thủy sản", 0, True, False, None,
         [8123.4, 30125, 103.1, 102.9, 103]),
        (10, "1", "Nông nghiệp", 1, False, False, None, [6012.3, 22480.7, 102.5, 102.4, 102.6]),
        (11, "1.1", "Trồng trọt", 2, False, False, None, [4210.8, 15890.2, 101.9, 102, 102.1]),
        (12, None, "a) Cây hằng năm", 3, False, False, None, [2980.5, 11020.6, 101.2, 101.5, 101.7]),
        (13, None, "Trong đó:", 4, False, True, "Lương thực",
         [2105.3, 7890.1, 100.8, 101.1, 101.3]),
        (14, None, "b) Cây lâu năm (*)", 3, False, False, None, [1230.3, 4869.6, 103.4, 103.2, 103.3]),
        (15, "1.2", "Chăn nuôi", 2, False, False, None, [1801.5, 6590.5, "-", 104.1, 104.5]),
        (16, "2", "Lâm nghiệp", 1, False, False, None, [318.4, 1252.9, "..", "…", 105.2]),
        (17, "3", "Thủy sản", 1, False, False, None, ["1892,6", 6391.4, 104, 103.6, 103.9]),
        (18, "II", "Công nghiệp và xây dựng", 0, True, False, None,
         [30112.7, 113540.8, 108.9, 108.2, 108.6]),
        (19, None, "- Công nghiệp", 1, False, False, None, [24501.2, 92310.5, 109.5, 108.8, 109.1]),
        (20, None, "- Xây dựng", 1, False, False, None, [5611.5, 21230.3, 106.2, 105.7, 106.4]),
        (21, "III", "Dịch vụ", 0, True, False, None, [14109.5, 55099.6, 107.6, "x", 107.3]),
        (22, None, "Phân theo loại hình kinh tế", 0, False, True, None, None),
        (23, None, "Nhà nước", 1, False, False, None, [9850.2, 37012.4, 104.3, 104, 104.2]),
        (24, None, "Ngoài Nhà nước", 1, False, False, None,
         ["28345,6(*)", 108123.9, 108.1, 107.5, 107.9]),
        (25, None, "Khu vực có vốn đầu tư nước ngoài (1)", 1, False, False, None,
         [14149.8, 53629.1, 108, 107.9, 108.4]),
    ]
    for r, stt, label, indent, bold, italic, sub, vals in rows:
        if stt:
            put(ws, "A%d" % r, stt, bold=bold, center=True)
        put(ws, "B%d" % r, label, bold=bold, italic=italic, indent=indent)
        if r == 7:
            ws.merge_cells("B7:C7")
        if sub:
            put(ws, "C%d" % r, sub)
        if vals:
            # the total and the sections' heads are bold, their values too
            values(ws, r, "D", vals, fm)
            if bold:
                for col in "DEFGH":
                    ws["%s%d" % (col, r)].font = Font(name=FONT, size=11, bold=True)
    put(ws, "A27", "Ghi chú: (*) Số liệu sơ bộ; (1) Không bao gồm dầu thô và khí đốt.", italic=True)
    put(ws, "A28", "Nguồn: Cục Thống kê thành phố Hà Nội", italic=True)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 14
    for col in "DEFGH":
        ws.column_dimensions[col].width = 13
    return save(wb, "monthly.xlsx")


# ---- b. a unit column with ditto marks ----------------------------------------------------------

def unit_column():
    wb = book()
    ws = wb.create_sheet("SPCN")
    put(ws, "A1", "Biểu 02. Sản phẩm công nghiệp chủ yếu", bold=True)
    put(ws, "A2", "tháng 12 và cả năm 2024", bold=True)
    head(ws, "A4", "Tên sản phẩm", "A4:A5")
    head(ws, "B4", "Đơn vị tính", "B4:B5")
    head(ws, "C4", "Thực hiện", "C4:D4")
    head(ws, "C5", "Tháng 11 năm 2024")
    head(ws, "D5", "Tháng 12 năm 2024")
    head(ws, "E4", "Cộng dồn năm 2024", "E4:E5")
    head(ws, "F4", "Năm 2024 so với năm 2023 (%)", "F4:F5")
    rows = [
        (6, "Than sạch", "Nghìn tấn", [3720.1, 3286.6, 43754.4, 94.4], NUM1),
        (7, "Dầu thô khai thác", '"', [652.8, 671.8, 8102, 94.2], NUM1),
        (8, "Khí đốt thiên nhiên dạng khí", "Triệu m3", [496.6, 542.7, 6320, 84.6], NUM1),
        (9, "Xi măng", "Nghìn tấn", [4012.5, 4230.9, 45678.3, 101.2], NUM1),
        (10, "Sắt, thép thô", '"', [1890.2, 1950.4, 22014.7, 118.5], NUM1),
        (11, "Điện sản xuất", "Triệu kWh", [24512.3, 25890.1, 306512.4, 109.5], NUM1),
        (12, "Ô tô", "Chiếc", [14250, 15120, 152340, 87.3], NUM0),
        (13, "Ti vi", '"', [1250310, 1312450, 14230560, 98.7], NUM0),
    ]
    for r, label, unit, vals, fmt in rows:
        put(ws, "A%d" % r, label)
        put(ws, "B%d" % r, unit, center=True)
        values(ws, r, "C", vals, [fmt, fmt, fmt, PCT])
    put(ws, "A15", "Nguồn: Tổng cục Thống kê", italic=True)
    ws.column_dimensions["A"].width = 30
    return save(wb, "unit-column.xlsx")


# ---- c. stacked tables; a table continued under a reworded header -------------------------------

def stacked():
    wb = book()
    ws = wb.create_sheet("XNK")
    put(ws, "A1", "Biểu 05. Trị giá xuất khẩu hàng hóa", bold=True)
    put(ws, "D2", "Đơn vị tính: Triệu USD", italic=True)
    head(ws, "A3", "Mặt hàng", "A3:A4")
    head(ws, "B3", "Năm 2024", "B3:C3")
    head(ws, "B4", "Tháng 12")
    head(ws, "C4", "Cả năm")
    head(ws, "D3", "Cả năm 2024 so với năm 2023 (%)", "D3:D4")
    for r, label, indent, bold, vals in [
        (5, "Tổng trị giá", 0, True, [33612.5, 405530.1, 114.3]),
        (6, "Điện thoại và linh kiện", 1, False, [5210.4, 53912.3, 102.8]),
        (7, "Dệt, may", 1, False, [3390.2, 37012.5, 111.2]),
        (8, "Gạo", 1, False, [410.6, 5708.9, 123.4]),
    ]:
        put(ws, "A%d" % r, label, bold=bold, indent=indent)
        values(ws, r, "B", vals, [NUM1, NUM1, PCT])
    put(ws, "A11", "Biểu 06. Lượng hàng hóa nhập khẩu chủ yếu", bold=True)
    put(ws, "D12", "Đơn vị tính: Nghìn tấn", italic=True)
    head(ws, "A13", "Mặt hàng", "A13:A14")
    head(ws, "B13", "Ước tính tháng 12 năm 2024", "B13:B14")
    head(ws, "C13", "12 tháng năm 2024", "C13:C14")
    head(ws, "D13", "12 tháng năm 2024 so với cùng kỳ năm trước (%)", "D13:D14")
    for r, label, vals in [
        (15, "Xăng dầu các loại", [820.5, 10230.4, 109.6]),
        (16, "Phân bón", [410.2, 4980.3, 97.5]),
        (17, "Sắt thép", [1320.8, 15580.6, 110.8]),
        (18, "Chất dẻo", [690.4, 8110.2, 112.7]),
    ]:
        put(ws, "A%d" % r, label)
        values(ws, r, "B", vals, [NUM1, NUM1, PCT])
    put(ws, "A20", "Nguồn: Cục Hải quan", italic=True)
    ws.column_dimensions["A"].width = 28

    ws = wb.create_sheet("Vận tải")
    put(ws, "A1", "Biểu 07. Vận tải hàng hóa", bold=True)
    put(ws, "D2", "Đơn vị tính: Nghìn tấn", italic=True)
    head(ws, "A3", "Chỉ tiêu", "A3:A4")
    head(ws, "B3", "Thực hiện")
    head(ws, "B4", "tháng 11")
    head(ws, "C3", "Ước tính")
    head(ws, "C4", "tháng 12")
    head(ws, "D3", "Cộng dồn năm 2024", "D3:D4")
    for r, label, indent, bold, italic, vals in [
        (5, "Tổng số", 0, True, False, [245.3, 251.8, 2890.4]),
        (6, "Phân theo ngành vận tải", 0, False, True, None),
        (7, "Đường bộ", 1, False, False, [180.2, 184.9, 2110.5]),
        (8, "Đường thủy nội địa", 1, False, False, [45.1, 46.3, 540.2]),
        (9, "Đường biển", 1, False, False, [20, 20.6, 239.7]),
    ]:
        put(ws, "A%d" % r, label, bold=bold, italic=italic, indent=indent)
        if vals:
            values(ws, r, "B", vals, NUM1)
    # The same table goes on under its header printed again, reworded.
    head(ws, "A11", "Chỉ tiêu", "A11:A12")
    head(ws, "B11", "Thực hiện")
    head(ws, "B12", "tháng 11 năm 2024")
    head(ws, "C11", "Ước tính")
    head(ws, "C12", "tháng 12 năm 2024")
    head(ws, "D11", "Cộng dồn năm 2024", "D11:D12")
    for r, label, indent, italic, vals in [
        (13, "Phân theo khu vực vận tải", 0, True, None),
        (14, "Trong nước", 1, False, [230.4, 236.5, 2715]),
        (15, "Ngoài nước", 1, False, [14.9, 15.3, 175.4]),
    ]:
        put(ws, "A%d" % r, label, italic=italic, indent=indent)
        if vals:
            values(ws, r, "B", vals, NUM1)
    ws.column_dimensions["A"].width = 28
    return save(wb, "stacked.xlsx")


# ---- d. two tables side by side -----------------------------------------------------------------

def side_by_side():
    wb = book()
    ws = wb.create_sheet("Giá")
    put(ws, "A1", "Biểu 08. Chỉ số giá tiêu dùng tháng 12 năm 2024", bold=True)
    ws.merge_cells("A1:D1")
    put(ws, "D2", "Đơn vị tính: %", italic=True)
    head(ws, "A3", "Nhóm hàng", "A3:A4")
    head(ws, "B3", "Tháng 12 năm 2024 so với", "B3:D3")
    head(ws, "B4", "Kỳ gốc 2019")
    head(ws, "C4", "Tháng 12 năm 2023")
    head(ws, "D4", "Tháng 11 năm 2024")
    for r, label, indent, bold, vals in [
        (5, "Chỉ số giá chung", 0, True, [115.8, 102.9, 100.3]),
        (6, "Hàng ăn và dịch vụ ăn uống", 1, False, [120.4, 104.1, 100.4]),
        (7, "Đồ uống và thuốc lá", 1, False, [112.3, 102.1, 100.2]),
        (8, "Nhà ở và vật liệu xây dựng", 1, False, [118.9, 104.8, 100.6]),
        (9, "Giáo dục", 1, False, [122.5, 104, 100]),
    ]:
        put(ws, "A%d" % r, label, bold=bold, indent=indent)
        values(ws, r, "B", vals, PCT)
    # Column E is blank; the second table is printed beside the first.
    put(ws, "F1", "Biểu 09. Giá bán lẻ bình quân một số mặt hàng", bold=True)
    ws.merge_cells("F1:H1")
    put(ws, "H2", "Đơn vị tính: Nghìn đồng", italic=True)
    head(ws, "F3", "Mặt hàng", "F3:F4")
    head(ws, "G3", "Tháng 11 năm 2024", "G3:G4")
    head(ws, "H3", "Tháng 12 năm 2024", "H3:H4")
    for r, label, vals in [
        (5, "Gạo tẻ thường (kg)", [15.2, 15.4]),
        (6, "Thịt lợn hơi (kg)", [63.5, 64.8]),
        (7, "Xăng RON 95 (lít)", [21.3, 20.9]),
        (8, "Vàng 99,99% (chỉ)", [8420, 8380.5]),
    ]:
        put(ws, "F%d" % r, label)
        values(ws, r, "G", vals, NUM1)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["E"].width = 3
    ws.column_dimensions["F"].width = 24
    return save(wb, "side-by-side.xlsx")


# ---- e. hidden rows and columns -----------------------------------------------------------------

def hidden():
    wb = book()
    ws = wb.create_sheet("Bán lẻ")
    put(ws, "A1", "Biểu 10. Doanh thu bán lẻ hàng hóa", bold=True)
    put(ws, "A2", "Đơn vị tính: Tỷ đồng", italic=True)
    head(ws, "A3", "Nhóm hàng")
    head(ws, "B3", "Tháng 11")
    head(ws, "C3", "Tháng 12")
    head(ws, "D3", "Tháng 12 (số cũ)")
    head(ws, "E3", "Cả năm 2024")
    for r, label, indent, bold, vals in [
        (4, "Tổng số", 0, True, [512.3, 530.8, 529.1, 6012.4]),
        (5, "Lương thực, thực phẩm", 1, False, [190.2, 198.5, 197, 2230.1]),
        (6, "Hàng may mặc", 1, False, [60.4, 62.1, 61.8, 710.9]),
        (7, "Đồ dùng gia đình", 1, False, [85.3, 88.9, 88, 1005.6]),
        (8, "Phương tiện đi lại", 1, False, [70.1, 72.4, 72, 840.2]),
    ]:
        put(ws, "A%d" % r, label, bold=bold, indent=indent)
        values(ws, r, "B", vals, NUM1)
    ws.row_dimensions[6].hidden = True
    ws.column_dimensions["D"].hidden = True
    ws.column_dimensions["A"].width = 26
    return save(wb, "hidden.xlsx")


# ---- f. a caption inside the body changing the unit ---------------------------------------------

def caption():
    wb = book()
    ws = wb.create_sheet("Lao động")
    put(ws, "A1", "Biểu 11. Lực lượng lao động từ 15 tuổi trở lên", bold=True)
    put(ws, "C2", "Đơn vị tính: Nghìn người", italic=True)
    head(ws, "A3", "Chỉ tiêu")
    head(ws, "B3", "Năm 2023")
    head(ws, "C3", "Sơ bộ năm 2024")
    for r, label, indent, bold, italic, vals in [
        (4, "Tổng số", 0, True, False, [52400.1, 52900.6]),
        (5, "Phân theo giới tính", 0, False, True, None),
        (6, "Nam", 1, False, False, [27800.3, 28010.2]),
        (7, "Nữ", 1, False, False, [24599.8, 24890.4]),
        (8, "Phân theo thành thị, nông thôn", 0, False, True, None),
        (9, "Thành thị", 1, False, False, [19120.5, 19560]),
        (10, "Nông thôn", 1, False, False, [33279.6, 33340.6]),
        (12, "Tổng số", 0, True, False, [100, 100]),
        (13, "Phân theo giới tính", 0, False, True, None),
        (14, "Nam", 1, False, False, [53.1, 52.9]),
        (15, "Nữ", 1, False, False, [46.9, 47.1]),
    ]:
        put(ws, "A%d" % r, label, bold=bold, italic=italic, indent=indent)
        if vals:
            values(ws, r, "B", vals, NUM1)
    put(ws, "A11", "Cơ cấu - %", bold=True, italic=True, center=True)
    ws.merge_cells("A11:C11")
    ws.column_dimensions["A"].width = 32
    return save(wb, "caption.xlsx")


# ---- g. a note sheet, a table, an empty sheet ---------------------------------------------------

def notes():
    wb = book()
    ws = wb.create_sheet("Ghi chú")
    put(ws, "A1", "GIẢI THÍCH THUẬT NGỮ", bold=True)
    put(ws, "A3", "Giá trị sản xuất là toàn bộ giá trị sản phẩm vật chất và dịch vụ do lao động "
                  "tạo ra trong một thời kỳ nhất định.")
    put(ws, "A4", "Chỉ số giá tiêu dùng là chỉ tiêu tương đối phản ánh xu hướng và mức độ biến "
                  "động giá theo thời gian.")
    put(ws, "A6", "Số liệu năm 2024 là số liệu sơ bộ.", italic=True)
    ws = wb.create_sheet("Biểu 12")
    put(ws, "A1", "Biểu 12. Số doanh nghiệp đăng ký thành lập mới", bold=True)
    put(ws, "C2", "Đơn vị tính: Doanh nghiệp", italic=True)
    head(ws, "A3", "Khu vực")
    head(ws, "B3", "Năm 2023")
    head(ws, "C3", "Năm 2024")
    for r, label, indent, bold, vals in [
        (4, "Cả nước", 0, True, [217700, 233400]),
        (5, "Hà Nội", 1, False, [31200, 33100]),
        (6, "TP. Hồ Chí Minh", 1, False, [45300, 48600]),
    ]:
        put(ws, "A%d" % r, label, bold=bold, indent=indent)
        values(ws, r, "B", vals, NUM0)
    wb.create_sheet("Trống")
    return save(wb, "notes.xlsx")


# ---- h. provinces down the stub, years across ---------------------------------------------------

def provinces():
    wb = book()
    ws = wb.create_sheet("Dân số")
    put(ws, "A1", "Biểu 13. Dân số trung bình phân theo địa phương", bold=True)
    put(ws, "E2", "Đơn vị tính: Nghìn người", italic=True)
    # The corner is blank; the years are number cells.
    head(ws, "B3", 2020)
    head(ws, "C3", 2021)
    head(ws, "D3", 2022)
    head(ws, "E3", "Sơ bộ 2023")
    for r, label, bold, vals in [
        (4, "CẢ NƯỚC", True, [97582.7, 98564.4, 99474.4, 100309.2]),
        (5, "Đồng bằng sông Hồng", True, [22920.2, 23224.2, 23454.2, 23732.2]),
        (6, "   Hà Nội", False, [8246.6, 8330.8, 8435.7, 8587.1]),
        (7, "   Hải Phòng", False, [2053.5, 2072.4, 2088, 2105.3]),
        (8, "Bắc Trung Bộ và duyên hải miền Trung", True, [20385.4, 20499.1, 20583.5, 20717.5]),
        (9, "   Đà Nẵng", False, [1169.5, 1195.5, 1220.2, 1245.2]),
        (10, "   Quảng Nam", False, [1519.4, 1512.5, 1516.4, ".."]),
        (11, "Đông Nam Bộ", True, [18342.9, 18526, 18810.7, 19020.2]),
        (12, "   TP. Hồ Chí Minh", False, [9227.6, 9166.8, 9389.7, 9456.7]),
        (13, "   Bình Dương", False, [2580.6, 2678.2, 2763.1, 2823]),
    ]:
        put(ws, "A%d" % r, label, bold=bold)
        values(ws, r, "B", vals, NUM1)
    ws.column_dimensions["A"].width = 36
    return save(wb, "provinces.xlsx")


# ---- shapes of the real files ------------------------------------------------------------------

def real_shapes():
    """Shapes the GSO workbooks of ../shared/real/gso/ show besides a-h: a
    unit caption merged over the value columns under the header and a
    "Cơ cấu - %" caption (2024 47.Laodong); a unit line naming the units of
    quantity and value columns (2019 24.XK thang); units in the header's
    words, a header cell with a line break, a total merged over two stub
    columns, labels indented with spaces (2014 2GDPHH); items in deeper stub
    columns, each with its measures, whose units are in the labels (2008
    4NN)."""
    wb = book()
    ws = wb.create_sheet("Lao động")
    put(ws, "A1", "Biểu 15. Một số chỉ tiêu lao động", bold=True)
    for col, q in (("B", "Quý I"), ("C", "Quý II"), ("D", "Ước tính")):
        head(ws, col + "3", q)
        head(ws, col + "4", "năm")
        head(ws, col + "5", 2024)
    put(ws, "B7", "Nghìn người", bold=True, center=True)
    ws.merge_cells("B7:D7")
    put(ws, "B16", "Cơ cấu - %", bold=True, center=True)
    ws.merge_cells("B16:D16")
    for r, label, indent, bold, vals in [
        (8, "Lực lượng lao động từ 15 tuổi trở lên", 0, True, [52392.2, 52540.8, 52951.3]),
        (9, "Phân theo giới tính", 0, False, None),
        (10, "Nam", 1, False, [27855.7, 27881.3, 28252.4]),
        (11, "Nữ", 1, False, [24536.5, 24659.5, 24698.9]),
        (12, "Lao động có việc làm", 0, True, [51323, 51449.6, 51872.1]),
        (13, "Nông, lâm nghiệp và thủy sản", 1, False, [13785.4, 13666.9, 13735.7]),
        (14, "Công nghiệp và xây dựng", 1, False, [16992.3, 17020.6, 17340.6]),
        (17, "Lao động có việc làm", 0, True, [100, 100, 100]),
        (18, "Nông, lâm nghiệp và thủy sản", 1, False, [26.9, 26.6, 26.5]),
        (19, "Công nghiệp và xây dựng", 1, False, [33.1, 33.1, 33.4]),
    ]:
        put(ws, "A%d" % r, label, bold=bold, indent=indent)
        if vals:
            values(ws, r, "B", vals, PCT)
    ws.column_dimensions["A"].width = 36

    ws = wb.create_sheet("Xuất khẩu")
    put(ws, "A1", "Biểu 16. Hàng hóa xuất khẩu tháng 9 năm 2019", bold=True)
    put(ws, "G2", "Nghìn tấn; Triệu USD", bold=True)
    head(ws, "C3", "Ước tính tháng 9 năm 2019", "C3:D3")
    head(ws, "F3", "So với cùng kỳ năm trước (%)", "F3:G3")
    for col, h in (("C", "Lượng"), ("D", "Trị giá"), ("F", "Lượng"), ("G", "Trị giá")):
        head(ws, col + "4", h)
    put(ws, "A6", "TỔNG TRỊ GIÁ", bold=True)
    values(ws, 6, "D", [23000], NUM0)
    values(ws, 6, "G", [108.9], PCT)
    for r, label, vals in [
        (7, "Hạt điều", [40, 276.3, None, 135.5, 108.7]),
        (8, "Cà phê", [100, 175.3, None, 82.9, 82.7]),
        (9, "Gạo", [520, 222.5, None, 148.6, 131.3]),
        (10, "Hàng dệt, may", [None, 3050, None, None, 110.2]),
    ]:
        put(ws, "B%d" % r, label)
        values(ws, r, "C", vals, [NUM0, NUM1, None, PCT, PCT])
    ws.column_dimensions["E"].width = 2

    ws = wb.create_sheet("GDP")
    put(ws, "A1", "Biểu 17. Tổng sản phẩm trong nước theo giá hiện hành", bold=True)
    head(ws, "C3", "Thực hiện (Tỷ đồng)", "C3:D3")
    head(ws, "F3", "Cơ cấu (%)", "F3:G3")
    head(ws, "C4", "Năm 2013")
    head(ws, "D4", "Ước tính\nnăm 2014")
    head(ws, "F4", "Năm 2013")
    head(ws, "G4", "Năm 2014")
    put(ws, "A6", "TỔNG SỐ", bold=True)
    ws.merge_cells("A6:B6")
    values(ws, 6, "C", [3584261.6, 3937856.1, None, 100, 100], [NUM1, NUM1, None, "0.00", "0.00"])
    for r, col, label, bold, vals in [
        (7, "A", "Nông, lâm nghiệp và thủy sản", True, [658779.1, 713380.9, None, 18.38, 18.12]),
        (8, "B", "Nông nghiệp", False, [503555.8, 536539.2, None, 14.05, 13.63]),
        (9, "B", "Lâm nghiệp", False, [23996.1, 27762.8, None, 0.67, 0.7]),
        (10, "A", "Công nghiệp và xây dựng", True, [1372999.9, 1516181.9, None, 38.31, 38.5]),
        (11, "B", "Công nghiệp", False, [1181296.3, 1306306.5, None, 32.96, 33.17]),
        (12, "B", "    Khai khoáng", False, [411673.4, 445372.7, None, 11.49, 11.31]),
        (13, "B", "    Công nghiệp chế biến, chế tạo", False, [627007, 687401, None, 17.49, 17.46]),
        (14, "B", "Xây dựng", False, [191703.6, 209875.3, None, 5.35, 5.33]),
    ]:
        put(ws, "%s%d" % (col, r), label, bold=bold)
        values(ws, r, "C", vals, [NUM1, NUM1, None, "0.00", "0.00"])
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["E"].width = 2

    ws = wb.create_sheet("Cây trồng")
    put(ws, "A1", "Biểu 18. Diện tích, năng suất và sản lượng một số cây trồng", bold=True)
    head(ws, "D3", "Ước tính năm 2024", "D3:E3")
    head(ws, "D4", "Tổng số")
    head(ws, "E4", "Miền Bắc")
    head(ws, "F3", "Năm 2024 so với năm 2023 (%)", "F3:F4")
    for r, col, label, bold, vals in [
        (6, "A", "1. Cây lương thực có hạt", True, None),
        (7, "B", "Lúa cả năm", True, None),
        (8, "B", "    Diện tích (Nghìn ha)", False, [7126.5, 2497.6, 100.1]),
        (9, "B", "    Năng suất (Tạ/ha)", False, [60.7, 52.9, 101.5]),
        (10, "B", "    Sản lượng (Nghìn tấn)", False, [43253.2, 13203.1, 101.6]),
        (11, "C", "Lúa đông xuân", True, None),
        (12, "C", "    Diện tích (Nghìn ha)", False, [2952.3, 1128.8, 99.6]),
        (13, "C", "    Năng suất (Tạ/ha)", False, [68.1, 59.3, 102.3]),
        (14, "C", "    Sản lượng (Nghìn tấn)", False, [20103.4, 6698.4, 101.9]),
        (15, "B", "Ngô", True, None),
        (16, "B", "    Diện tích (Nghìn ha)", False, [878, 410.2, 98.5]),
    ]:
        put(ws, "%s%d" % (col, r), label, bold=bold)
        if vals:
            values(ws, r, "D", vals, [NUM1, NUM1, PCT])
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 28
    return save(wb, "real-shapes.xlsx")


# ---- i. text shapes -----------------------------------------------------------------------------

def write_text(name, text, bom=False, crlf=False):
    text = nfc(text)
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def text_fixtures():
    # A PX-Web export: BOM, ';', CRLF, a title line, a blank line, the header,
    # '..' for missing values (GSO's retail sales by province).
    write_text("pxweb.csv",
               '"Retail sales of goods and services at current prices by province (*) by Cities, '
               'provincies and Year"\n'
               "\n"
               '"Cities, provincies";"1995";"1996";"2015";"Prel. 2016"\n'
               '" WHOLE COUNTRY";119569.6;144102.6;3223202.6;3568149.5\n'
               '"Red River Delta";23749.4;29532.0;724009.6;790566.2\n'
               '"Ha Noi";12190.0;13917.0;375516.3;399875.6\n'
               '"Ha Tay";1316.5;1672.6;..;..\n'
               '"Hai Phong";2405.1;2890.3;67890.4;75012.8\n',
               bom=True, crlf=True)
    # A World Bank bulk CSV: 4 preamble lines, every field quoted, a comma at
    # the end of each line, stub columns Country Name, Country Code, Indicator
    # Name, Indicator Code, years across; "" where there is no value.
    wb_head = '"Country Name","Country Code","Indicator Name","Indicator Code",' + \
        ",".join('"%d"' % y for y in range(2019, 2025)) + ","

    def wb_row(name, code, vals):
        return ",".join('"%s"' % s for s in [name, code, "GDP growth (annual %)",
                                               "NY.GDP.MKTP.KD.ZG"] + vals) + ","
    write_text("worldbank.csv",
               '"Data Source","World Development Indicators",\n'
               "\n"
               '"Last Updated Date","2025-10-07",\n'
               "\n" + wb_head + "\n" +
               wb_row("Viet Nam", "VNM", ["7.35922892353615", "2.86563818691935",
                                          "2.55496618080342", "8.53756847283366",
                                          "5.07354070155467", "7.09"]) + "\n" +
               wb_row("Thailand", "THA", ["2.11", "-6.05021000467087", "1.57", "2.53", "1.96",
                                          ""]) + "\n" +
               wb_row("Lao PDR", "LAO", ["", "", "", "", "", ""]) + "\n" +
               wb_row("World", "WLD", ["2.59", "-2.9", "6.2", "3.1", "2.8", "2.7"]) + "\n",
               bom=True)
    # A list of communes with zero-led codes and no values (the 2025 table of
    # administrative units): no table of values, skipped with a warning.
    write_text("codes.csv",
               "Đơn vị hành chính từ ngày 01/7/2025,,,Đơn vị hành chính trước ngày 01/7/2025,,\n"
               '"Tỉnh, thành phố",Tên xã mới,Mã xã mới,Tên xã cũ,Mã xã cũ,Ghi chú\n'
               "THÀNH PHỐ HÀ NỘI,,,,,\n"
               "Thành phố Hà Nội (01),Phường Ba Đình,00004,Phường Trúc Bạch,00004,Nhập toàn bộ\n"
               "Thành phố Hà Nội (01),Phường Ba Đình,00004,Phường Quán Thánh,00013,Nhập toàn bộ\n"
               "Thành phố Hà Nội (01),Phường Ngọc Hà,00008,Phường Đội Cấn,00019,Nhập một phần\n"
               "THÀNH PHỐ HẢI PHÒNG,,,,,\n"
               "Thành phố Hải Phòng (31),Phường Hồng Bàng,11311,Phường Hoàng Văn Thụ,11311,"
               "Nhập toàn bộ\n")
    # A table exported from a spreadsheet as TSV: title and unit lines with the
    # row's empty cells, Vietnamese decimal commas and thousands dots.
    write_text("areas.tsv",
               "Biểu 14. Diện tích gieo trồng một số cây hằng năm\t\t\t\n"
               "Đơn vị tính: Nghìn ha\t\t\t\n"
               "Chỉ tiêu\tNăm 2023\tNăm 2024\tNăm 2024 so với năm 2023 (%)\n"
               "Lúa cả năm\t7.119,2\t7.126,5\t100,1\n"
               "Ngô\t891,4\t878,0\t98,5\n"
               "Khoai lang\t..\t75,3\t-\n"
               "Sắn\t517,6\t524,1\t101,3\n")


# ---- LibreOffice's copies -----------------------------------------------------------------------

def libreoffice(paths):
    soffice = shutil.which("soffice")
    if not soffice:
        sys.exit("soffice not found: install libreoffice-calc to make the .xls and .ods copies")
    tmp = tempfile.mkdtemp()
    try:
        for to in ("xls", "ods"):
            subprocess.run([soffice, "--headless", "-env:UserInstallation=file://%s/profile" % tmp,
                            "--convert-to", to, "--outdir", tmp] + paths,
                           check=True, stdout=subprocess.DEVNULL)
            for p in paths:
                base = os.path.splitext(os.path.basename(p))[0] + "." + to
                shutil.copyfile(os.path.join(tmp, base), os.path.join(HERE, base))
    finally:
        shutil.rmtree(tmp)


def main():
    a = monthly()
    b = unit_column()
    stacked()
    side_by_side()
    e = hidden()
    caption()
    notes()
    provinces()
    real_shapes()
    text_fixtures()
    libreoffice([a, b, e])


if __name__ == "__main__":
    main()
