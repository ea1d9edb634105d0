#!/usr/bin/env bash
# Make the XLSX reader's fixtures with real spreadsheet programs.  Run by
# hand (not part of the build): the .xlsx files it writes are committed.
#   apt-get install libreoffice-calc-nogui gnumeric python3-xlsxwriter
#   tests/data/xlsx/make-fixtures.sh
# Sources: a flat ODS written below (types, formats, a merged title, two
# sheets) and samples/indicators.csv.  Outputs, in this folder:
#   lo-types.xlsx          LibreOffice Calc from the ODS
#   gnumeric-types.xlsx    Gnumeric from the ODS (as saved by LibreOffice)
#   lo-csv.xlsx            LibreOffice Calc from the CSV (code columns as text)
#   gnumeric-csv.xlsx      Gnumeric from the CSV (types as it guesses them)
#   xlsxwriter-inline.xlsx Python xlsxwriter, constant_memory (inline strings)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work # LibreOffice keeps a profile there

cat >"$work/types.fods" <<'FODS'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:automatic-styles>
  <number:number-style style:name="N1"><number:number number:decimal-places="0" number:min-decimal-places="0" number:min-integer-digits="1" number:grouping="true"/></number:number-style>
  <number:number-style style:name="N2"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>
  <number:number-style style:name="N3"><number:number number:decimal-places="3" number:min-decimal-places="3" number:min-integer-digits="1"/></number:number-style>
  <number:percentage-style style:name="N4"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
  <number:date-style style:name="N5"><style:text-properties fo:color="#ff0000"/><number:text>Ngày </number:text><number:day number:style="long"/><number:text>/</number:text><number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/></number:date-style>
  <number:date-style style:name="N6"><number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/><number:text> </number:text><number:hours number:style="long"/><number:text>:</number:text><number:minutes number:style="long"/><number:text>:</number:text><number:seconds number:style="long"/></number:date-style>
  <number:time-style style:name="N7"><number:hours number:style="long"/><number:text>:</number:text><number:minutes number:style="long"/></number:time-style>
  <number:boolean-style style:name="N8"><number:boolean/></number:boolean-style>
  <number:text-style style:name="N9"><number:text-content/></number:text-style>
  <style:style style:name="ce1" style:family="table-cell" style:data-style-name="N1"/>
  <style:style style:name="ce2" style:family="table-cell" style:data-style-name="N2"/>
  <style:style style:name="ce3" style:family="table-cell" style:data-style-name="N3"/>
  <style:style style:name="ce4" style:family="table-cell" style:data-style-name="N4"/>
  <style:style style:name="ce5" style:family="table-cell" style:data-style-name="N5"/>
  <style:style style:name="ce6" style:family="table-cell" style:data-style-name="N6"/>
  <style:style style:name="ce7" style:family="table-cell" style:data-style-name="N7"/>
  <style:style style:name="ce8" style:family="table-cell" style:data-style-name="N8"/>
  <style:style style:name="ce9" style:family="table-cell" style:data-style-name="N9"/>
 </office:automatic-styles>
 <office:body><office:spreadsheet>
  <table:table table:name="Chỉ tiêu">
   <table:table-column table:number-columns-repeated="10"/>
   <table:table-row>
    <table:table-cell table:number-columns-spanned="10" table:number-rows-spanned="1" office:value-type="string"><text:p>Chỉ tiêu kinh tế - xã hội thành phố Sông Công năm 2021</text:p></table:table-cell>
    <table:covered-table-cell table:number-columns-repeated="9"/>
   </table:table-row>
   <table:table-row><table:table-cell table:number-columns-repeated="10"/></table:table-row>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>Mã số</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Chỉ tiêu</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Giá trị</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Tốc độ tăng</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Ngày báo cáo</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Thời điểm</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Giờ</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Chính thức</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Gấp đôi</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Ghi chú</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell table:style-name="ce9" office:value-type="string"><text:p>0101</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Công nghiệp và xây dựng</text:p></table:table-cell>
    <table:table-cell table:style-name="ce1" office:value-type="float" office:value="13090"><text:p>13,090</text:p></table:table-cell>
    <table:table-cell table:style-name="ce4" office:value-type="percentage" office:value="0.165"><text:p>16.5%</text:p></table:table-cell>
    <table:table-cell table:style-name="ce5" office:value-type="date" office:date-value="2021-12-31"><text:p>Ngày 31/12/2021</text:p></table:table-cell>
    <table:table-cell table:style-name="ce6" office:value-type="date" office:date-value="2021-12-31T08:30:15"><text:p>2021-12-31 08:30:15</text:p></table:table-cell>
    <table:table-cell table:style-name="ce7" office:value-type="time" office:time-value="PT08H30M00S"><text:p>08:30</text:p></table:table-cell>
    <table:table-cell table:style-name="ce8" office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>
    <table:table-cell table:formula="of:=[.C4]*2" table:style-name="ce1" office:value-type="float" office:value="26180"><text:p>26,180</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Theo giá so sánh 2010</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell table:style-name="ce9" office:value-type="string"><text:p>0102</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Thương mại, dịch vụ</text:p></table:table-cell>
    <table:table-cell table:style-name="ce2" office:value-type="float" office:value="552.6"><text:p>552.6</text:p></table:table-cell>
    <table:table-cell/>
    <table:table-cell table:style-name="ce5" office:value-type="date" office:date-value="1900-01-01"><text:p>Ngày 01/01/1900</text:p></table:table-cell>
    <table:table-cell table:style-name="ce6" office:value-type="date" office:date-value="2000-02-29T23:59:59"><text:p>2000-02-29 23:59:59</text:p></table:table-cell>
    <table:table-cell table:style-name="ce7" office:value-type="time" office:time-value="PT00H00M00S"><text:p>00:00</text:p></table:table-cell>
    <table:table-cell table:style-name="ce8" office:value-type="boolean" office:boolean-value="false"><text:p>FALSE</text:p></table:table-cell>
    <table:table-cell table:formula="of:=0.1+0.2" office:value-type="float" office:value="0.3"><text:p>0.3</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>R&amp;D &lt;khác&gt;</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell table:style-name="ce9" office:value-type="string"><text:p>0103</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Nông, lâm nghiệp và thủy sản</text:p></table:table-cell>
    <table:table-cell table:style-name="ce2" office:value-type="float" office:value="16"><text:p>16.0</text:p></table:table-cell>
    <table:table-cell table:style-name="ce4" office:value-type="percentage" office:value="-0.054"><text:p>-5.4%</text:p></table:table-cell>
    <table:table-cell/>
    <table:table-cell/>
    <table:table-cell/>
    <table:table-cell/>
    <table:table-cell table:style-name="ce3" office:value-type="float" office:value="0.125"><text:p>0.125</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Số lớn</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell table:style-name="ce9" office:value-type="string"><text:p>02</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Dân số trung bình</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="123456789012345"><text:p>123456789012345</text:p></table:table-cell>
    <table:table-cell table:style-name="ce4" office:value-type="percentage" office:value="0.0125"><text:p>1.3%</text:p></table:table-cell>
    <table:table-cell table:number-columns-repeated="4"/>
    <table:table-cell table:style-name="ce3" office:value-type="float" office:value="2"><text:p>2.000</text:p></table:table-cell>
    <table:table-cell/>
   </table:table-row>
   <table:table-row>
    <table:table-cell table:style-name="ce9" office:value-type="string"><text:p>03</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Số rất lớn và rất nhỏ</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="1234567890123456789"><text:p>1.23456789012346E+18</text:p></table:table-cell>
    <table:table-cell table:number-columns-repeated="5"/>
    <table:table-cell office:value-type="float" office:value="1E-10"><text:p>1E-10</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>  khoảng trắng  </text:p></table:table-cell>
   </table:table-row>
  </table:table>
  <table:table table:name="Dân số">
   <table:table-column table:number-columns-repeated="3"/>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>Đơn vị</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Dân số</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Diện tích</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>Phường Thắng Lợi</text:p></table:table-cell>
    <table:table-cell table:style-name="ce1" office:value-type="float" office:value="12850"><text:p>12,850</text:p></table:table-cell>
    <table:table-cell table:style-name="ce2" office:value-type="float" office:value="7.5"><text:p>7.5</text:p></table:table-cell>
   </table:table-row>
   <table:table-row><table:table-cell table:number-columns-repeated="3"/></table:table-row>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>Xã Bá Xuyên</text:p></table:table-cell>
    <table:table-cell table:style-name="ce1" office:value-type="float" office:value="6003"><text:p>6,003</text:p></table:table-cell>
    <table:table-cell table:style-name="ce2" office:value-type="float" office:value="10.25"><text:p>10.3</text:p></table:table-cell>
   </table:table-row>
  </table:table>
 </office:spreadsheet></office:body>
</office:document>
FODS

# CSV: columns 1, 3 and 5 (codes) as text so that 0101 keeps its zero.
cp "$root/samples/indicators.csv" "$work/indicators.csv"

cd "$work"
soffice --headless --convert-to xlsx:"Calc MS Excel 2007 XML" types.fods >/dev/null
soffice --headless --convert-to ods types.fods >/dev/null
soffice --headless --infilter="CSV:44,34,76,1,1/2/2/1/3/2/4/1/5/2/6/1/7/1/8/1/9/1/10/1/11/1" \
    --convert-to xlsx:"Calc MS Excel 2007 XML" indicators.csv >/dev/null
ssconvert -T Gnumeric_Excel:xlsx2 types.ods gnumeric-types.xlsx >/dev/null 2>&1
ssconvert -T Gnumeric_Excel:xlsx2 indicators.csv gnumeric-csv.xlsx >/dev/null 2>&1
/usr/bin/python3 - <<'PY'
import datetime, xlsxwriter
wb = xlsxwriter.Workbook('xlsxwriter-inline.xlsx', {'constant_memory': True})
ws = wb.add_worksheet('Số liệu')
num1 = wb.add_format({'num_format': '#,##0.0'})
day = wb.add_format({'num_format': 'dd/mm/yyyy'})
stamp = wb.add_format({'num_format': 'yyyy-mm-dd hh:mm:ss.000'})
ws.write_row(0, 0, ['region_code', 'region_name', 'value', 'day', 'stamp', 'ok', 'note'])
ws.write_string(1, 0, '165')
ws.write_string(1, 1, 'Thành phố Sông Công')
ws.write_number(1, 2, 13090, num1)
ws.write_datetime(1, 3, datetime.datetime(2021, 12, 31), day)
ws.write_datetime(1, 4, datetime.datetime(2021, 12, 31, 8, 30, 15, 250000), stamp)
ws.write_boolean(1, 5, True)
ws.write_string(1, 6, 'Dòng 1\nDòng 2')
ws.write_string(2, 0, '001')
ws.write_string(2, 1, 'Quận Ba Đình')
ws.write_number(2, 2, 0.1 + 0.2)
ws.write_datetime(2, 3, datetime.datetime(1900, 2, 28), day)
ws.write_boolean(2, 5, False)
ws.write_string(2, 6, '_x0041_ không phải A')
wb.close()
PY
cp types.xlsx "$here/lo-types.xlsx"
cp indicators.xlsx "$here/lo-csv.xlsx"
cp gnumeric-types.xlsx gnumeric-csv.xlsx xlsxwriter-inline.xlsx "$here/"
ls -l "$here"/*.xlsx
