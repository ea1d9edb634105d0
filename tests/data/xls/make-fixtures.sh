#!/bin/sh
# Makes the .xls fixtures of tests/api/test_xls_read.c: flat OpenDocument
# spreadsheets (typed cells) saved as Excel 97-2003 (BIFF8) by LibreOffice
# headless, one workbook saved by Gnumeric (ssconvert) from a CSV, and one
# of our XLSX writer's saved as .xls by LibreOffice.  Needs soffice,
# ssconvert, python3 and conv.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head='<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:automatic-styles>
 <number:date-style style:name="D"><number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/></number:date-style>
 <number:date-style style:name="DT"><number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/><number:text> </number:text><number:hours number:style="long"/><number:text>:</number:text><number:minutes number:style="long"/><number:text>:</number:text><number:seconds number:style="long"/></number:date-style>
 <number:time-style style:name="T"><number:hours number:style="long"/><number:text>:</number:text><number:minutes number:style="long"/><number:text>:</number:text><number:seconds number:style="long"/></number:time-style>
 <style:style style:name="cd" style:family="table-cell" style:data-style-name="D"/>
 <style:style style:name="cdt" style:family="table-cell" style:data-style-name="DT"/>
 <style:style style:name="ct" style:family="table-cell" style:data-style-name="T"/>
</office:automatic-styles>
<office:body><office:spreadsheet>'
tail='</office:spreadsheet></office:body></office:document>'
s() { printf '<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' "$1"; }
n() { printf '<table:table-cell office:value-type="float" office:value="%s"/>' "$1"; }
d() { printf '<table:table-cell table:style-name="cd" office:value-type="date" office:date-value="%s"/>' "$1"; }
dt() { printf '<table:table-cell table:style-name="cdt" office:value-type="date" office:date-value="%s"/>' "$1"; }
t() { printf '<table:table-cell table:style-name="ct" office:value-type="time" office:time-value="%s"/>' "$1"; }
b() { printf '<table:table-cell office:value-type="boolean" office:boolean-value="%s"/>' "$1"; }
e() { printf '<table:table-cell/>'; }
row() { printf '<table:table-row>%s</table:table-row>\n' "$*"; }
{
    echo "$head"
    echo '<table:table table:name="Data">'
    row "$(s 'Dân số theo tỉnh')"
    row "$(e)"
    row "$(s province)$(s population)$(s rate)$(s big)$(s day)$(s stamp)$(s ok)$(s at)"
    row "$(s 'Hà Nội')$(n 8435700)$(n 1.25)$(n 123456789012345)$(d 2024-01-31)$(dt 2024-01-31T13:45:30)$(b true)$(t PT10H30M00S)"
    row "$(s 'Thành phố Hồ Chí Minh')$(n -0.5)$(n 0.30000000000000004)$(n 1e+22)$(d 1999-12-31)$(dt 2000-02-29T00:00:01)$(b false)$(e)"
    echo '</table:table>'
    echo '<table:table table:name="Năm 2">'
    row "$(s province)$(s population)"
    row "$(s 'Huế')$(n 1160200)"
    echo '</table:table>'
    echo "$tail"
} > "$tmp/basic.fods"
{
    echo "$head"
    echo '<table:table table:name="Sheet1">'
    row "$(s a)$(s b)"
    row "$(n 1)$(s x)"
    row "$(n 2.5)$(s y)"
    echo '</table:table>'
    echo "$tail"
} > "$tmp/simple.fods"
# Formulas: their cached results are read (a number, a text through the
# STRING record that follows, a boolean, an error, an empty text, a date).
f() { printf '<table:table-cell table:formula="of:=%s" office:value-type="%s" office:%s="%s"/>' "$1" "$2" "$3" "$4"; }
fd() { printf '<table:table-cell table:style-name="cd" table:formula="of:=%s" office:value-type="date" office:date-value="%s"/>' "$1" "$2"; }
fb() { printf '<table:table-cell table:formula="of:=%s" office:value-type="boolean" office:boolean-value="%s"/>' "$1" "$2"; }
fe() { printf '<table:table-cell table:formula="of:=%s"/>' "$1"; }
fs() { printf '<table:table-cell table:formula="of:=%s" office:value-type="string"><text:p>%s</text:p></table:table-cell>' "$1" "$2"; }
{
    echo "$head"
    echo '<table:table table:name="Sheet1">'
    row "$(s a)$(s b)$(s c)$(s d)$(s e)$(s f)$(s g)"
    row "$(n 1)$(f '2*3' float value 6)$(fs '&quot;x&quot;&amp;&quot;y&quot;' xy)$(fb '1=1' true)$(fe '1/0')$(fs '&quot;&quot;' '')$(fd 'DATE(2024;1;31)' 2024-01-31)"
    row "$(n 2)$(f '[.A3]/4' float value 0.5)$(fs 'REPT(&quot;Ơ&quot;;3)' 'ƠƠƠ')$(fb '1=2' false)$(fe 'NA()')$(fs '&quot;z&quot;' z)$(f '0.1+0.2' float value 0.3)"
    echo '</table:table>'
    echo "$tail"
} > "$tmp/formula.fods"
# The 1904 date system.
{
    echo "$head"
    echo '<table:calculation-settings><table:null-date table:date-value="1904-01-01"/></table:calculation-settings>'
    echo '<table:table table:name="Sheet1">'
    row "$(s day)$(s stamp)$(s n)"
    row "$(d 1904-01-01)$(dt 2024-01-31T13:45:30)$(n 7)"
    row "$(d 2024-02-29)$(dt 1904-01-02T06:00:00)$(n 0.25)"
    echo '</table:table>'
    echo "$tail"
} > "$tmp/date1904.fods"
# Shared strings over many CONTINUE records: 600 distinct Vietnamese texts,
# a 6000-character Vietnamese text and a 9000-character Latin-1 one.
python3 - "$tmp/sst.fods" "$head" "$tail" <<'PY'
import sys
path, head, tail = sys.argv[1:4]
words = ["Hà Nội", "Hải Phòng", "Đà Nẵng", "Thừa Thiên Huế", "Cần Thơ", "Quảng Ninh",
         "Bà Rịa - Vũng Tàu", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk"]
def s(t):
    return ('<table:table-cell office:value-type="string"><text:p>%s</text:p>'
            '</table:table-cell>' % t.replace("&", "&amp;").replace("<", "&lt;"))
rows = ['<table:table-row>%s%s</table:table-row>' % (s("mã"), s("tên"))]
for i in range(600):
    rows.append('<table:table-row>%s%s</table:table-row>'
                % (s("M%04d" % i), s("%s – số %d, chỉ tiêu kinh tế" % (words[i % 10], i))))
longvi = "".join("Ơn%dữ " % (i % 10) for i in range(1200))
longla = "".join(chr(0x41 + i % 26) if i % 7 else "é" for i in range(9000))
rows.append('<table:table-row>%s%s</table:table-row>' % (s("dài"), s(longvi)))
rows.append('<table:table-row>%s%s</table:table-row>' % (s("latin"), s(longla)))
with open(path, "w", encoding="utf-8") as f:
    f.write(head + '\n<table:table table:name="Chuỗi">\n' + "\n".join(rows)
            + "\n</table:table>\n" + tail + "\n")
PY
# Number formats: decimals shown, percentages, a custom date format.
fmts='<number:number-style style:name="N1"><number:number number:decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>
<number:number-style style:name="N3"><number:number number:decimal-places="3" number:min-integer-digits="1"/></number:number-style>
<number:percentage-style style:name="P1"><number:number number:decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
<number:date-style style:name="DMY"><number:day number:style="long"/><number:text>/</number:text><number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/></number:date-style>
<style:style style:name="c1" style:family="table-cell" style:data-style-name="N1"/>
<style:style style:name="c3" style:family="table-cell" style:data-style-name="N3"/>
<style:style style:name="cp" style:family="table-cell" style:data-style-name="P1"/>
<style:style style:name="cdmy" style:family="table-cell" style:data-style-name="DMY"/>'
st() { printf '<table:table-cell table:style-name="%s" office:value-type="%s" office:value="%s"/>' "$1" "$2" "$3"; }
sd() { printf '<table:table-cell table:style-name="cdmy" office:value-type="date" office:date-value="%s"/>' "$1"; }
{
    echo "$head" | while IFS= read -r l; do
        if [ "$l" = '</office:automatic-styles>' ]; then echo "$fmts"; fi
        echo "$l"
    done
    echo '<table:table table:name="Sheet1">'
    row "$(s one)$(s three)$(s pct)$(s dmy)$(s plain)"
    row "$(st c1 float 16)$(st c3 float 0.5)$(st cp percentage 0.165)$(sd 2021-12-31)$(n 13090)"
    row "$(st c1 float 1234.56)$(st c3 float -2)$(st cp percentage 1)$(sd 1900-03-01)$(n 1e-8)"
    echo '</table:table>'
    echo "$tail"
} > "$tmp/formats.fods"
for f in basic simple formula date1904 sst formats; do
    soffice --headless -env:UserInstallation=file://"$tmp"/profile \
        --convert-to xls --outdir "$tmp" "$tmp/$f.fods" >/dev/null 2>&1
    cp "$tmp/$f.xls" "$f.xls"
done
# Gnumeric's BIFF8 writer, from a CSV.
printf 'mã,tên,giá trị,tỷ lệ\n01,Hà Nội,8435700,0.125\n79,Hồ Chí Minh,-3.5,1e-3\n' >"$tmp/gnumeric.csv"
ssconvert --export-type=Gnumeric_Excel:excel_biff8 "$tmp/gnumeric.csv" gnumeric.xls >/dev/null 2>&1
# Our XLSX writer's workbook of roundtrip.csv, saved as .xls by LibreOffice:
# the hidden _conv_fields sheet goes along, so the CSV reads back byte for
# byte.  Needs conv built (CONV=path/to/conv, default ../../../build/bin/conv).
conv=${CONV:-../../../build/bin/conv}
"$conv" roundtrip.csv -o "$tmp/roundtrip.xlsx"
soffice --headless -env:UserInstallation=file://"$tmp"/profile \
    --convert-to xls --outdir "$tmp" "$tmp/roundtrip.xlsx" >/dev/null 2>&1
cp "$tmp/roundtrip.xls" roundtrip.xls
# A truncated workbook, and a file that is not an OLE compound file.
head -c 3000 basic.xls > truncated.xls
printf 'province,population\nHue,1\n' > not-ole.xls
# "Encrypted": LibreOffice 7.4 cannot save a .xls with a password from the
# command line, so the INTERFACEHDR record (0x00E1, 2 bytes) that follows
# the workbook's BOF becomes a FILEPASS record (0x002F), the mark of an
# encrypted workbook, same length.
python3 - <<'PY'
d = bytearray(open("simple.xls", "rb").read())
i = d.find(bytes([0xE1, 0, 2, 0]))
assert i > 0
d[i] = 0x2F
open("encrypted.xls", "wb").write(d)
PY
