"""Tests of the Python binding (run by ctest: /usr/bin/python3 -m pytest,
LIBCONV_LIBRARY naming the library built, CONV_SRC the source tree)."""
import datetime
import decimal
import json
import os
import pathlib

import pytest

import libconv

SRC = pathlib.Path(os.environ.get("CONV_SRC", pathlib.Path(__file__).resolve().parents[2]))
SAMPLES = SRC / "samples"
D = decimal.Decimal


def seed_values():
    """The seed sample's value and change_pct columns, as exact decimals."""
    import csv
    with open(SAMPLES / "indicators.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return ([D(r["value"]) for r in rows],
            [D(r["change_pct"]) if r["change_pct"] else None for r in rows])


def test_version():
    assert libconv.version() == libconv.__version__
    assert libconv.version().count(".") == 2


def test_csv_to_xlsx_exact_decimals(tmp_path):
    out = tmp_path / "indicators.xlsx"
    stats = libconv.convert(SAMPLES / "indicators.csv", out,
                            schema=SAMPLES / "indicators.schema.json")
    assert stats["records"] == 12
    assert (stats["input_format"], stats["output_format"]) == ("csv", "xlsx")
    records = list(libconv.read(out))
    assert len(records) == 12
    values, changes = seed_values()
    assert [r["value"] for r in records] == values
    assert [r["change_pct"] for r in records] == changes
    assert all(isinstance(r["value"], D) for r in records)
    assert records[5]["value"] == D("552.6") and str(records[5]["value"]) == "552.6"
    assert sum(r["value"] for r in records) == D("50020.7")
    assert records[0]["region_code"] == "165"      # a code stays text
    assert records[1]["indicator_code"] == "0101"  # leading zero kept
    assert records[0]["parent_code"] is None
    assert records[0]["region_name"] == "Thành phố Sông Công"


def test_csv_and_json_read_alike():
    schema = SAMPLES / "indicators.schema.json"
    from_csv = list(libconv.read(SAMPLES / "indicators.csv", schema=schema))
    from_json = list(libconv.read(SAMPLES / "indicators.json"))
    assert from_csv == from_json
    assert list(from_csv[0]) == ["region_code", "region_name", "indicator_code",
                                 "indicator_name", "parent_code", "period", "value", "unit",
                                 "change_pct", "plan_value", "status", "source", "note"]


def test_types(tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text('{"i":12345678901234567890,"d":0.1,"e":1.5e3,"b":true,"s":"x",'
                   '"n":null,"date":"2021-06-30","dt":"2021-06-30T12:34:56Z"}\n',
                   encoding="utf-8")
    (rec,) = libconv.read(src)
    assert rec["i"] == 12345678901234567890 and isinstance(rec["i"], int)
    assert rec["d"] == D("0.1") and isinstance(rec["d"], D)
    assert rec["e"] == D("1.5e3")
    assert rec["b"] is True
    assert rec["s"] == "x" and rec["n"] is None
    # JSON strings stay strings; a CSV column of dates is typed by inference.
    assert rec["date"] == "2021-06-30"
    csv = tmp_path / "t.csv"
    csv.write_text("day,at,ok\n2021-06-30,2021-06-30T12:34:56Z,false\n", encoding="utf-8")
    (rec,) = libconv.read(csv)
    assert rec["day"] == datetime.date(2021, 6, 30)
    assert rec["at"] == datetime.datetime(2021, 6, 30, 12, 34, 56, tzinfo=datetime.timezone.utc)
    assert rec["ok"] is False


def test_options(tmp_path):
    out = tmp_path / "o.csv"
    libconv.convert(SAMPLES / "indicators.json", out, out_delimiter=";", eol="lf")
    first = out.read_text(encoding="utf-8").split("\n")[0]
    assert first.startswith("region_code;region_name;")
    (rec, *_) = libconv.read(SAMPLES / "indicators.csv", infer_rows=0)
    assert rec["value"] == "13090"  # every column text
    out = tmp_path / "o.txt"
    libconv.convert(SAMPLES / "indicators.csv", out, to="jsonl")
    assert json.loads(out.read_text(encoding="utf-8").split("\n")[0])["value"] == 13090
    rows = list(libconv.read(out, from_="jsonl"))
    assert len(rows) == 12


def test_read_error_is_positioned(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('a,b\n1,2\n3,"x\n', encoding="utf-8")
    with pytest.raises(libconv.Error) as e:
        list(libconv.read(bad))  # types are inferred first: raised at once
    err = e.value
    assert err.file == str(bad)
    assert (err.line, err.column) == (3, 3)
    assert err.code_name == "syntax" and err.code == 3
    assert err.message == "unterminated quoted field"
    assert str(err) == f"{bad}:3:3: unterminated quoted field"


def test_convert_errors_leave_nothing(tmp_path):
    out = tmp_path / "out.json"
    with pytest.raises(libconv.Error) as e:
        libconv.convert(tmp_path / "missing.csv", out)
    assert e.value.code_name == "io"
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2,3\n", encoding="utf-8")
    with pytest.raises(libconv.Error) as e:
        libconv.convert(bad, out)
    assert e.value.line == 2 and e.value.file == str(bad)
    assert not out.exists() and os.listdir(tmp_path) == ["bad.csv"]
    with pytest.raises(libconv.Error) as e:
        libconv.convert(SAMPLES / "indicators.csv", tmp_path / "x.unknown")
    assert e.value.code_name in ("usage", "format")


def test_early_stop_closes(tmp_path):
    # Stopping an iteration early frees the reader (checked under a leak
    # checker by the C tests; here: no error, and reading again works).
    for _ in range(3):
        for rec in libconv.read(SAMPLES / "indicators.xlsx"):
            break
    assert rec["indicator_code"] == "01" and rec["value"] == 13090
