"""The binding's merge, checks, option names and struct layouts (run by
ctest with the library built; CONV_LAYOUT_DUMP names the C layout dumper)."""
import ctypes
import os
import pathlib
import subprocess

import pytest

import libconv

SRC = pathlib.Path(os.environ.get("CONV_SRC", pathlib.Path(__file__).resolve().parents[2]))
SAMPLES = SRC / "samples"


def test_unknown_option_names_the_closest():
    with pytest.raises(libconv.Error) as e:
        libconv.convert(SAMPLES / "indicators.csv", "/nonexistent/x.json", no_heder=True)
    assert e.value.code_name == "usage"
    assert e.value.message == "unknown option 'no_heder' (did you mean 'no_header'?)"
    with pytest.raises(libconv.Error) as e:
        list(libconv.read(SAMPLES / "indicators.csv", zzzzzzzz=1))
    assert e.value.message == "unknown option 'zzzzzzzz'"


def test_version_number():
    major, minor, patch = (int(x) for x in libconv.version().split("."))
    assert libconv.version_number() == major << 16 | minor << 8 | patch


def test_ctypes_layouts_match_c():
    dump = os.environ.get("CONV_LAYOUT_DUMP")
    if not dump:
        pytest.skip("CONV_LAYOUT_DUMP not set (run through ctest)")
    out = subprocess.run([dump], check=True, capture_output=True, text=True).stdout
    seen = set()
    for line in out.splitlines():
        name, what, number = line.split() if " size " in line else (*line.split(), None)
        if number is not None:  # "struct size N"
            assert ctypes.sizeof(libconv.STRUCTS[name]) == int(number), name
            continue
        struct, field = name.split(".")
        got = getattr(libconv.STRUCTS[struct], field).offset
        assert got == int(what), f"{name}: ctypes {got}, C {what}"
        seen.add(struct)
    assert seen == set(libconv.STRUCTS)


def test_merge_two_inputs(tmp_path):
    out = tmp_path / "all.csv"
    res = libconv.merge([(SAMPLES / "indicators.csv", "a.csv"),
                         (SAMPLES / "indicators.json", "b.json")], out)
    assert res["records"] == 24
    assert res["source_field"] == "source_file"
    assert [i["status"] for i in res["inputs"]] == ["ok", "ok"]
    assert [i["records"] for i in res["inputs"]] == [12, 12]
    records = list(libconv.read(out))
    assert len(records) == 24
    assert [r["source_file"] for r in records] == ["a.csv"] * 12 + ["b.json"] * 12
    assert list(records[0])[-1] == "source_file"


def test_merge_leaves_out_a_broken_input(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('a,b\n1,"2\n')
    out = tmp_path / "all.jsonl"
    res = libconv.merge([SAMPLES / "indicators.csv", bad], out)
    assert res["records"] == 12
    assert res["inputs"][1]["status"] == "failed"
    assert res["inputs"][1]["error"].code_name == "syntax"
    # Nothing readable: no output at all.
    with pytest.raises(libconv.Error) as e:
        libconv.merge([bad], tmp_path / "none.csv")
    assert "nothing to merge" in e.value.message
    assert not (tmp_path / "none.csv").exists()


def test_merge_checks_find_duplicates_across_inputs(tmp_path):
    a, b = SAMPLES / "indicators.csv", SAMPLES / "indicators.json"
    res = libconv.merge([a, b], tmp_path / "all.csv", check=True)
    dups = [f for f in res["findings"] if f["rule"] == "duplicate"]
    assert len(dups) == 12
    first = dups[0]
    assert first["source"] == str(b)
    assert first["related_source"] == str(a)
    assert first["merged_record"] == first["record"] + 12
    assert 1 <= first["related_record"] <= 12
    # The source field is the merge's own: never an unknown field.
    assert not [f for f in res["findings"] if f["rule"] == "unknown-field"]


def test_check_files(tmp_path):
    assert list(libconv.check(SAMPLES / "indicators.csv")) == []
    dup = tmp_path / "dup.csv"
    lines = (SAMPLES / "indicators.csv").read_text(encoding="utf-8").splitlines(True)
    dup.write_text("".join(lines + lines[1:2]), encoding="utf-8")
    found = list(libconv.check([SAMPLES / "indicators.csv", dup]))
    assert [f["rule"] for f in found] == ["duplicate"]
    f = found[0]
    assert (f["source"], f["record"], f["line"]) == (str(dup), 13, 14)
    assert (f["related_record"], f["related_line"], f["related_source"]) == (1, 2, str(dup))
    assert f["severity"] == "error" and "record 1" in f["message"]
    with pytest.raises(libconv.Error):
        list(libconv.check(SAMPLES / "indicators.csv", growth_tolerence=1))
