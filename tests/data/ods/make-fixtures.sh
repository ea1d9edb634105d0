#!/bin/sh
# Rebuild the .ods fixtures of tests/api/test_ods_read.c: basic.ods by LibreOffice
# from the flat ODS basic.fods, gnumeric.ods by Gnumeric from gnumeric.csv.
# Needs soffice and ssconvert.  Run from this directory.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
soffice --headless -env:UserInstallation=file://"$tmp"/profile \
    --convert-to ods --outdir "$tmp" basic.fods >/dev/null
cp "$tmp"/basic.ods basic.ods
ssconvert --export-type=Gnumeric_OpenCalc:odf gnumeric.csv "$tmp"/gnumeric.ods >/dev/null 2>&1
cp "$tmp"/gnumeric.ods gnumeric.ods
# A content.xml with a DOCTYPE, in an otherwise valid package.
mkdir "$tmp"/dt
printf 'application/vnd.oasis.opendocument.spreadsheet' >"$tmp"/dt/mimetype
cat >"$tmp"/dt/content.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE office:document-content [<!ENTITY x "boom">]>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:spreadsheet><table:table table:name="S"/></office:spreadsheet></office:body></office:document-content>
XML
(cd "$tmp"/dt && rm -f ../doctype.ods && zip -q -X -0 ../doctype.ods mimetype && zip -q -X ../doctype.ods content.xml)
cp "$tmp"/doctype.ods doctype.ods
# The first 300 bytes of basic.ods: a truncated zip.
head -c 300 basic.ods >truncated.ods
