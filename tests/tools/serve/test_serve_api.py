"""conv-serve's API with a real HTTP client on loopback: every endpoint,
every error status, a multipart batch, and the hostile inputs of the
tests (the tool cases, the fuzzing corpora, hostile XML and workbooks)
with the same outcome as the command line.
"""
import io
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import threading
import zipfile

import openpyxl
import pytest

from conftest import BIN, SRC, Server, error_of, multipart, run_tool, sample

CREATED = "2021-01-02T03:04:05"


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- the simple endpoints --------------------------------------------------


def test_health(server):
    status, h, body = server.get("/health")
    assert status == 200
    assert h["content-type"] == "application/json"
    doc = json.loads(body)
    assert doc["status"] == "ok"
    assert doc["workers"] == 2 and doc["queue"] == 16
    assert doc["running"] == 0


def test_formats_is_the_registry(server):
    status, h, body = server.get("/v1/formats")
    assert status == 200
    doc = json.loads(body)
    names = [f["name"] for f in doc["formats"]]
    # conv --help lists the same registry.
    rc, out, _ = run_tool("conv", ["--help"], SRC)
    section = out.decode().split("\nFormats:\n")[1].split("\n\n")[0]
    helped = re.findall(r"^  ([a-z][a-z-]*) +(?:\.|-)", section,
                        re.M)
    assert names == helped
    by = {f["name"]: f for f in doc["formats"]}
    assert by["xlsx"]["write"] and by["xlsx"]["sheets"]
    assert not by["xls"]["write"] and by["xls"]["read"]
    assert by["csv"]["extensions"] == ["csv"]
    assert any(o["name"] == "layout" for o in by["xlsx"]["options"])
    assert any(o["name"] == "schema" and o["file"] for o in doc["options"])
    assert any(o["name"] == "growth-tolerance" for o in doc["check_options"])


def test_page_is_self_contained(server):
    status, h, body = server.get("/")
    assert status == 200
    assert h["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in h["content-security-policy"]
    text = body.decode("utf-8")
    assert '<html lang="vi"' in text
    # No script, style, font or image from elsewhere.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "@import" not in text
    status, h, body = server.request("HEAD", "/")
    assert status == 200 and body == b""


def test_not_found_and_method(server):
    status, _, body = server.get("/v2/convert")
    assert status == 404 and error_of(body)["code"] == "not-found"
    status, h, body = server.get("/v1/convert")
    assert status == 405 and error_of(body)["code"] == "method"
    status, _, body = server.post("/health", b"x")
    assert status == 405


# ---- convert ---------------------------------------------------------------


def cli_convert(name, data, to, args=(), extra_files=()):
    """conv NAME --to TO -o out, in a directory holding the input as NAME:
    (exit, output bytes or None, last stderr line)."""
    d = tempfile.mkdtemp(prefix="conv-cli-")
    try:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        for fname, fdata in extra_files:
            with open(os.path.join(d, fname), "wb") as f:
                f.write(fdata)
        rc, _, err = run_tool("conv", [name, "--to", to, "-o", "out"] + list(args), d)
        out = read(os.path.join(d, "out")) if rc == 0 else None
        lines = [l for l in err.splitlines() if l.strip()]
        return rc, out, lines[-1] if lines else ""
    finally:
        shutil.rmtree(d)


def test_convert_every_writable_format_as_the_cli(server):
    _, _, body = server.get("/v1/formats")
    formats = [f for f in json.loads(body)["formats"] if f["write"]]
    data = read(sample("indicators.csv"))
    for f in formats:
        params = "to=%s&filename=indicators.csv&created=%s" % (f["name"], CREATED)
        args = ["--created", CREATED]
        if f["name"].startswith("sdmx"):
            params += "&sdmx-dataflow=ESTAT:NA_MAIN(1.6.0)"
            args += ["--sdmx-dataflow", "ESTAT:NA_MAIN(1.6.0)"]
        rc, want, err = cli_convert("indicators.csv", data, f["name"], args)
        status, h, got = server.post("/v1/convert?" + params, data)
        if rc != 0:
            e = error_of(got)
            assert e["exit"] == rc, (f["name"], e, err)
            continue
        assert status == 200, (f["name"], got[:300])
        assert got == want, f["name"]
        assert h["content-type"] == f["media_type"], f["name"]
        assert h["content-disposition"].startswith(
            'attachment; filename="indicators.%s"' % f["output_extension"])


def test_convert_report_table(server):
    data = read(sample("indicators.csv"))
    q = ("/v1/convert?to=xlsx&layout=report&filename=indicators.csv"
         "&issuer=UBND%20TH%C3%80NH%20PH%E1%BB%90%20S%C3%94NG%20C%C3%94NG%7CCHI%20C%E1%BB%A4C"
         "&place=S%C3%B4ng%20C%C3%B4ng&signer=Nguy%E1%BB%85n%20V%C4%83n%20A&created=" + CREATED)
    status, h, body = server.post(q, data)
    assert status == 200, body[:300]
    wb = openpyxl.load_workbook(io.BytesIO(body))
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert "UBND THÀNH PHỐ SÔNG CÔNG" in texts
    assert "Nguyễn Văn A" in texts
    assert any(t.startswith("Sông Công, ngày") for t in texts)
    # the same bytes as the command line
    rc, want, _ = cli_convert("indicators.csv", data, "xlsx", [
        "--layout", "report", "--issuer", "UBND THÀNH PHỐ SÔNG CÔNG|CHI CỤC",
        "--place", "Sông Công", "--signer", "Nguyễn Văn A", "--created", CREATED])
    assert rc == 0 and body == want


def test_reader_warnings_as_headers(server):
    """What conv prints on stderr without failing comes back in
    X-Conv-Warning headers (percent-encoded UTF-8) and their count in
    X-Conv-Warnings, for a conversion and a check alike."""
    table = os.path.join(SRC, "tests", "data", "table", "monthly.xlsx")
    data = read(table)
    d = tempfile.mkdtemp()
    try:
        with open(os.path.join(d, "monthly.xlsx"), "wb") as f:
            f.write(data)
        rc, _, err = run_tool("conv", ["monthly.xlsx", "--layout", "table", "--profile",
                                       "indicators", "-t", "csv"], d)
    finally:
        shutil.rmtree(d)
    told = [l[len("conv: "):] for l in err.splitlines()]
    assert rc == 0 and told and all("monthly.xlsx" in l for l in told), err
    for path in ("/v1/convert?to=csv&layout=table&profile=indicators&filename=monthly.xlsx",
                 "/v1/check?layout=table&filename=monthly.xlsx"):
        c = server.connection()
        try:
            c.request("POST", path, body=data)
            r = c.getresponse()
            r.read()
            assert r.status == 200, path
            assert r.getheader("X-Conv-Warnings") == str(len(told)), path
            raw = r.msg.get_all("X-Conv-Warning")
            assert sum(len(v) for v in raw) <= 8192 and len(raw) <= 20
            got = [urllib.parse.unquote(v, errors="strict") for v in raw]
            assert got == told, (path, got, told)
        finally:
            c.close()
    # none when nothing was told
    status, h, _ = server.post("/v1/convert?to=json&filename=indicators.csv",
                               read(sample("indicators.csv")))
    assert status == 200 and "x-conv-warnings" not in h and "x-conv-warning" not in h


def test_convert_raw_body_without_a_name(server):
    data = read(sample("indicators.json"))
    status, h, body = server.post("/v1/convert?to=csv", data)
    assert status == 200
    assert h["content-disposition"].startswith('attachment; filename="upload.csv"')
    assert body.startswith(b"region_code,")


def test_convert_schema_as_a_part(server):
    data = read(sample("indicators.json"))
    schema = read(sample("indicators.schema.json"))
    status, h, body = server.post_files("/v1/convert?to=csv", [
        ("file", "indicators.json", data), ("schema", "indicators.schema.json", schema)])
    assert status == 200, body[:400]
    rc, want, _ = cli_convert("indicators.json", data, "csv",
                              ["--schema", "indicators.schema.json"],
                              [("indicators.schema.json", schema)])
    assert rc == 0 and body == want
    # a broken schema: the error names the part's file, as the CLI names it
    bad = b'{"fields": [{"name": "x", "type": "nope"}]}'
    status, h, body = server.post_files("/v1/convert?to=csv", [
        ("file", "indicators.json", data), ("schema", "s.json", bad)])
    rc, _, err = cli_convert("indicators.json", data, "csv", ["--schema", "s.json"],
                             [("s.json", bad)])
    e = error_of(body)
    assert status == 400 and e["exit"] == rc == 1
    assert "conv: " + e["text"] == err
    assert e["file"] == "s.json"


def test_convert_option_errors(server):
    data = read(sample("indicators.csv"))
    cases = [
        ("to=json&no_heder=1", 400, "unknown option 'no_heder' (did you mean 'no-header'?)"),
        ("to=json&fillename=a.csv", 400, "unknown option 'fillename' (did you mean 'filename'?)"),
        ("to=json&units=x", 400, "unknown option 'units' (did you mean 'unit'?)"),
        ("to=json&schema=/etc/passwd", 400,
         "option 'schema' names a file: send the file as a multipart part named 'schema'"),
        ("to=json&max-part-size=1", 400,
         "option 'max-part-size' is the server's to set, not a request's"),
        ("to=json&delimiter", 400, "option 'delimiter' needs a value (CHAR)"),
        ("filename=a.csv", 400,
         "the output format is missing: to=FORMAT (xlsx, csv, json...; GET /v1/formats)"),
        ("to=jsno", 415, "unknown output format 'jsno'"),
        ("to=xls", 415, "format 'xls' cannot be written"),
        ("to=json&from=parquet", 415, "unknown input format 'parquet'"),
        ("to=json&delimiter=ab", 400, None),
    ]
    for query, want_status, want_msg in cases:
        status, _, body = server.post("/v1/convert?" + query, data)
        e = error_of(body)
        assert status == want_status, (query, e)
        assert e["status"] == want_status
        if want_msg:
            assert e["message"] == want_msg, query
        assert e["exit"] in (2, None), (query, e)
    # the same words as the CLI for a bad value
    rc, _, err = cli_convert("in.csv", data, "json", ["--delimiter", "ab"])
    status, _, body = server.post("/v1/convert?to=json&filename=in.csv&delimiter=ab", data)
    assert rc == 2 and "conv: " + error_of(body)["text"] + " (see conv --help)" == err
    # an input whose format cannot be told: 415, as the CLI's exit 2
    junk = bytes(range(256)) * 4
    rc, _, err = cli_convert("x.bin", junk, "json")
    status, _, body = server.post("/v1/convert?to=json&filename=x.bin", junk)
    assert status == 415 and rc == 2
    assert "conv: " + error_of(body)["text"] + " (see conv --help)" == err


def test_multipart_batch_is_a_zip(server):
    names = ["indicators.csv", "indicators.xlsx", "indicators.json", "indicators.xml"]
    parts = [("file", n, read(sample(n))) for n in names]
    status, h, body = server.post_files("/v1/convert?to=csv", parts)
    assert status == 200
    assert h["content-type"] == "application/zip"
    assert h["content-disposition"].startswith('attachment; filename="converted-csv.zip"')
    z = zipfile.ZipFile(io.BytesIO(body))
    assert z.testzip() is None
    assert z.namelist() == ["indicators.csv", "indicators-2.csv", "indicators-3.csv",
                            "indicators-4.csv"]
    for entry, (_, n, data) in zip(z.namelist(), parts):
        _, _, one = server.post("/v1/convert?to=csv&filename=" + n, data)
        assert z.read(entry) == one, entry
    # one bad file: the first error, and what became of each file
    bad = read(os.path.join(SRC, "tests/data/tool/csv_nul_byte/input.csv"))
    status, h, body = server.post_files("/v1/convert?to=json", [
        ("file", "a.csv", parts[0][2]), ("file", "b.csv", bad), ("file", "c.csv", parts[0][2])])
    doc = json.loads(body)
    assert status == 400
    assert doc["error"]["text"] == "b.csv:2:4: NUL byte"
    assert doc["files"] == [{"file": "a.csv", "status": "converted"},
                            {"file": "b.csv", "status": "failed"},
                            {"file": "c.csv", "status": "not converted"}]
    # no file at all; a text part that is not an option's file
    status, _, body = server.post_files("/v1/convert?to=json", [("note", None, b"hello")])
    assert status == 400 and "no file name" in error_of(body)["message"]
    body, ctype = multipart([])
    status, _, body = server.post("/v1/convert?to=json", body, {"Content-Type": ctype})
    assert status == 400 and error_of(body)["message"].startswith("no file in the request")


def test_file_names_are_only_names(server):
    data = read(sample("indicators.csv"))
    for name, want in [("../../etc/passwd.csv", "passwd.json"),
                       ("C:\\Users\\x\\Báo cáo.csv", "Báo cáo.json"),
                       ("..", "_.json"), ("a\tb.csv", "a_b.json")]:
        status, h, body = server.post_files("/v1/convert?to=json", [("file", name, data)])
        assert status == 200, (name, body[:200])
        cd = h["content-disposition"]
        m = re.search(r"filename\*=UTF-8''(.*)$", cd)
        from urllib.parse import unquote
        assert unquote(m.group(1)) == want, (name, cd)
    assert not server.leftovers()


# ---- check and info --------------------------------------------------------


def normalize_report(doc, names):
    """A conv-check report with file names put back as the test gave them."""
    text = json.dumps(doc)
    for path, name in names.items():
        text = text.replace(json.dumps(path)[1:-1], name)
    return json.loads(text)


def broken_csv():
    """The seed sample with a duplicate and a bad period."""
    lines = read(sample("indicators.csv")).decode().splitlines(True)
    bad = lines[1].replace("2021", "2021-Q5", 1)
    return ("".join(lines[:3] + [lines[2], bad] + lines[3:])).encode()


def test_check_as_conv_check(server, tmp_path):
    data = broken_csv()
    (tmp_path / "broken.csv").write_bytes(data)
    (tmp_path / "indicators.csv").write_bytes(read(sample("indicators.csv")))
    rc, out, _ = run_tool("conv-check", ["--format", "json", "broken.csv", "indicators.csv"],
                          str(tmp_path))
    assert rc == 1
    want = json.loads(out)
    status, h, body = server.post_files("/v1/check", [
        ("file", "broken.csv", data), ("file", "indicators.csv", read(sample("indicators.csv")))])
    assert status == 200
    assert h["content-type"] == "application/json"
    got = json.loads(body)
    assert got == want
    assert got["errors"] >= 2 and got["files"][1]["status"] == "clean"
    rules = {f["rule"] for f in got["findings"]}
    assert "duplicate" in rules and "period" in rules
    # fail=1: 422 when conv-check exits 1, with the report
    status, _, body = server.post("/v1/check?fail=1&filename=broken.csv", data)
    doc = json.loads(body)
    assert status == 422 and doc["error"]["code"] == "check"
    assert doc["findings"] == [f for f in want["findings"] if f["file"] == "broken.csv"]
    status, _, body = server.post("/v1/check?fail=1&filename=indicators.csv",
                                  read(sample("indicators.csv")))
    assert status == 200 and json.loads(body)["errors"] == 0
    # max-findings
    status, _, body = server.post("/v1/check?max-findings=1&filename=broken.csv", data)
    doc = json.loads(body)
    assert len(doc["findings"]) == 1 and doc["errors"] == want["files"][0]["errors"]
    # a check option, a bad one
    status, _, body = server.post("/v1/check?growth-tolerance=2&filename=broken.csv", data)
    assert status == 200
    status, _, body = server.post("/v1/check?growth-tolerance=x&filename=broken.csv", data)
    e = error_of(body)
    rc, _, err = run_tool("conv-check", ["--growth-tolerance", "x", "broken.csv"], str(tmp_path))
    assert status == 400 and rc == 2 and e["exit"] == 2
    assert "conv-check: " + e["text"] + " (see conv-check --help)" == err.strip()


def test_check_workbook_cells_and_unreadable(server, tmp_path):
    xlsx = read(sample("indicators.xlsx"))
    status, _, body = server.post("/v1/check?filename=indicators.xlsx", xlsx)
    assert status == 200 and json.loads(body)["files"][0]["status"] == "clean"
    junk = bytes(range(256)) * 4
    (tmp_path / "x.bin").write_bytes(junk)
    rc, out, err = run_tool("conv-check", ["--format", "json", "x.bin"], str(tmp_path))
    status, _, body = server.post("/v1/check?filename=x.bin", junk)
    doc = json.loads(body)
    assert rc == 2 and status == 415
    assert doc["files"] == json.loads(out)["files"]
    assert doc["error"]["exit"] == 2


def test_info_as_conv_info(server, tmp_path):
    names = ["indicators.csv", "indicators.xlsx"]
    for n in names:
        shutil.copy(sample(n), tmp_path / n)
    rc, out, _ = run_tool("conv-info", ["--format", "json"] + names, str(tmp_path))
    assert rc == 0
    status, h, body = server.post_files("/v1/info", [("file", n, read(sample(n))) for n in names])
    assert status == 200
    assert json.loads(body) == json.loads(out)
    status, _, body = server.post("/v1/info?check=no&max-problems=1&filename=indicators.csv",
                                  read(sample("indicators.csv")))
    assert status == 200 and json.loads(body)[0]["checked"] is False
    status, _, body = server.post("/v1/info?check=maybe", b"a,b\n1,2\n")
    assert status == 400
    assert error_of(body)["message"] == "check: expected auto, yes or no, got 'maybe'"


# ---- the hostile corpus, as the CLI ----------------------------------------


def flags_of(server):
    _, _, body = server.get("/v1/formats")
    doc = json.loads(body)
    opts = doc["options"] + [o for f in doc["formats"] for o in f["options"]]
    return {o["name"]: o for o in opts}


STATUS_OF_EXIT = {1: (400, 413), 2: (400, 415), 3: (500,)}


def same_as_cli(server, name, data, to, args=(), files=(), params=(), label=""):
    """Convert through the API and with conv: the same outcome.  files:
    (option, file name, bytes) sent as multipart parts, given to conv as
    files of those names."""
    rc, want, err = cli_convert(name, data, to, args, [(f[1], f[2]) for f in files])
    q = "/v1/convert?to=%s&filename=%s" % (to, name) + "".join("&" + p for p in params)
    if files:
        status, _, body = server.post_files(q, [("file", name, data)] + list(files))
    else:
        status, _, body = server.post(q, data)
    if rc == 0:
        assert status == 200, (label, body[:300])
        assert body == want, label
        return status
    e = error_of(body)
    assert e["exit"] == rc, (label, e, err)
    assert "conv: " + e["text"] + (" (see conv --help)" if rc == 2 else "") == err, label
    assert status in STATUS_OF_EXIT[rc], (label, status)
    return status


def test_tool_cases_as_the_cli(server):
    """tests/data/tool: every case folder through the API."""
    flags = flags_of(server)
    root = os.path.join(SRC, "tests/data/tool")
    seen = 0
    for case in sorted(os.listdir(root)):
        d = os.path.join(root, case)
        args = [a for a in read(os.path.join(d, "args")).decode().split("\n") if a != ""]
        inputs = [f for f in os.listdir(d) if f.startswith("input")]
        data = read(os.path.join(d, inputs[0]))
        to, cli, params, files = None, [], [], []
        i = 0
        while i < len(args):
            a = args[i]
            if a == "INPUT":
                pass
            elif a == "-o":
                to = args[i + 1].split(".")[-1]
                i += 1
            elif a == "--to":
                to = args[i + 1]
                i += 1
            elif a.startswith("--"):
                name = a[2:]
                if flags.get(name, {}).get("arg") is None:
                    cli.append(a)
                    params.append(name)
                elif args[i + 1] == "SCHEMA":
                    schema = [f for f in os.listdir(d) if f.startswith("schema")][0]
                    cli += [a, schema]
                    files.append((name, schema, read(os.path.join(d, schema))))
                    i += 1
                else:
                    from urllib.parse import quote
                    cli += [a, args[i + 1]]
                    params.append("%s=%s" % (name, quote(args[i + 1], safe="")))
                    i += 1
            i += 1
        want_exit = int(read(os.path.join(d, "expect")).decode().split("\n")[0])
        rc, _, _ = cli_convert(inputs[0], data, to, cli, [f[1:] for f in files])
        assert rc == want_exit, case
        same_as_cli(server, inputs[0], data, to, cli, files, params, label=case)
        seen += 1
    assert seen >= 20


CORPORA = {"csv": "csv", "json": "json", "ods": "ods", "sdmx": "sdmx", "sdmxcsv": "sdmx-csv",
           "sdmxjson": "sdmx-json", "xls": "xls", "xlsx": "xlsx", "xml": "xml"}


def test_fuzz_corpora_as_the_cli(server):
    """Every seed of the fuzzing corpora, read as its format, to CSV."""
    root = os.path.join(SRC, "tests/fuzz/corpus")
    seen = 0
    statuses = set()
    for d, fmt in sorted(CORPORA.items()):
        for name in sorted(os.listdir(os.path.join(root, d))):
            data = read(os.path.join(root, d, name))
            statuses.add(same_as_cli(server, name, data, "csv", ["--from", fmt],
                                     params=["from=" + fmt], label="%s/%s" % (d, name)))
            seen += 1
    assert seen >= 100
    assert {200, 400}.issubset(statuses), statuses


def hostile_xml():
    lol = ('<?xml version="1.0"?>\n<!DOCTYPE r [\n <!ENTITY lol "lol">\n'
           + "".join(' <!ENTITY lol%d "%s">\n' % (i + 1, ("&lol%s;" % (i or "")) * 10)
                     for i in range(9))
           + ']>\n<r><i><a>&lol9;</a></i></r>\n')
    yield "billion_laughs.xml", lol.encode()
    yield "xxe_file.xml", (b'<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY x SYSTEM '
                           b'"file:///etc/passwd">\n]>\n<r><i><a>&x;</a></i></r>\n')
    yield "external_dtd.xml", (b'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM '
                               b'"http://127.0.0.1:9/evil.dtd">\n<r><i><a>1</a></i></r>\n')
    yield "deep.xml", (b"<r>\n" + b"<i>" * 100 + b"x" + b"</i>" * 100 + b"\n</r>\n")
    yield "truncated.xml", b"<r>\n  <i>\n    <a>1</a>\n  <i"


def hostile_workbooks():
    # sizes that lie: the sample's sheet declared far smaller than it inflates to
    data = bytearray(read(sample("indicators.xlsx")))
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = [i for i in z.infolist() if i.filename.startswith("xl/worksheets/")][0]
    patched = 0
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.find(sig)
        while pos >= 0:
            if int.from_bytes(data[pos + at:pos + at + 4], "little") == info.file_size:
                data[pos + at:pos + at + 4] = (100).to_bytes(4, "little")
                patched += 1
            pos = data.find(sig, pos + 4)
    assert patched == 2
    yield "lying.xlsx", bytes(data)
    yield "ole.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600
    yield "notzip.xlsx", b"PK\x05\x06" + b"\0" * 18
    yield "truncated.xlsx", read(sample("indicators.xlsx"))[:3000]


def test_hostile_documents_as_the_cli(server):
    for name, data in list(hostile_xml()) + list(hostile_workbooks()):
        same_as_cli(server, name, data, "csv", label=name)
    assert not server.leftovers()


# ---- limits ----------------------------------------------------------------


def raw_exchange(server, head, body=b"", read_first=False, timeout=30):
    """Send a request by hand; the response as bytes (b"" if cut)."""
    s = socket.create_connection((server.host, server.port), timeout=timeout)
    try:
        s.sendall(head)
        if read_first:
            s.settimeout(timeout)
        if body:
            s.sendall(body)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        s.close()


def test_upload_over_the_limit():
    s = Server("--max-upload", "64K", "--workers", "1")
    try:
        big = b"a,b\r\n" + b"1,2\r\n" * 20000
        # announced: 413 before the body is sent
        head = ("POST /v1/convert?to=json HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                "Expect: 100-continue\r\n\r\n" % len(big)).encode()
        resp = raw_exchange(s, head)
        assert resp.startswith(b"HTTP/1.1 413 "), resp[:200]
        assert b'"code": "too-large"' in resp
        # a client that reads first gets it too
        head = ("POST /v1/convert?to=json HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                % len(big)).encode()
        resp = raw_exchange(s, head)
        assert resp.startswith(b"HTTP/1.1 413 "), resp[:200]
        # chunked, over the limit on the way: cut, and said in the log
        c = s.connection()
        with pytest.raises(OSError):
            c.request("POST", "/v1/convert?to=json", body=iter([big[i:i + 8192] for i in
                                                                 range(0, len(big), 8192)]),
                      encode_chunked=True, headers={"Transfer-Encoding": "chunked"})
            c.getresponse().read()
        c.close()
        m = s.wait_log(r'"POST /v1/convert\?to=json" - in=\d+ out=(\d+) .*'
                       r"cut: the body is over the limit of 65536 bytes")
        assert m.group(1) == "0", m.group(0)  # no answer went out
        # the server goes on
        status, _, _ = s.post("/v1/convert?to=json", b"a,b\r\n1,2\r\n")
        assert status == 200
        # too many files
    finally:
        log = s.finish()
    assert log.count(" 413 ") >= 2


def test_too_many_files():
    s = Server("--max-files", "2")
    try:
        parts = [("file", "a%d.csv" % i, b"a,b\r\n1,2\r\n") for i in range(3)]
        status, _, body = s.post_files("/v1/convert?to=json", parts)
        assert status == 400 and error_of(body)["message"] == "more than 2 files in one request"
    finally:
        s.finish()


def big_csv(records):
    rows = ["region_code,region_name,indicator_code,indicator_name,period,value,unit"]
    for i in range(records):
        rows.append("%02d,Xã %d,%04d,Chỉ tiêu %d,%d,%d.%d,tỷ đồng"
                    % (i % 90, i % 90, i % 3000, i % 3000, 2000 + i % 25, i, i % 10))
    return ("\r\n".join(rows) + "\r\n").encode()


def test_busy_is_503_with_retry_after():
    s = Server("--workers", "1", "--queue", "0")
    try:
        data = big_csv(150000)
        result = {}

        def slow():
            result["status"] = s.post("/v1/convert?to=xlsx&filename=big.csv", data)[0]

        t = threading.Thread(target=slow)
        t.start()
        deadline = time.time() + 30
        while json.loads(s.get("/health")[2])["running"] == 0:
            assert time.time() < deadline
            time.sleep(0.02)
        status, h, body = s.post("/v1/convert?to=json", b"a,b\r\n1,2\r\n")
        assert status == 503
        assert int(h["retry-after"]) >= 1
        assert error_of(body)["code"] == "busy"
        # told before the body when the client waits for 100 Continue
        head = (b"POST /v1/convert?to=json HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                b"Expect: 100-continue\r\n\r\n")
        assert raw_exchange(s, head).startswith(b"HTTP/1.1 503 ")
        t.join()
        assert result["status"] == 200
    finally:
        s.finish()


def test_time_limit():
    s = Server("--time-limit", "0.3", "--workers", "1")
    try:
        status, h, body = s.post("/v1/convert?to=xlsx&filename=big.csv", big_csv(300000))
        e = error_of(body)
        assert status == 503 and e["code"] == "timeout"
        assert e["message"] == "the work took longer than the time limit of 0.3 s"
    finally:
        s.finish()


def test_token(tmp_path):
    (tmp_path / "token").write_text("s3cret-token-of-the-agency\n")
    s = Server("--token-file", str(tmp_path / "token"))
    try:
        status, h, body = s.get("/v1/formats")
        assert status == 401 and h["www-authenticate"].startswith("Bearer")
        assert error_of(body)["code"] == "unauthorized"
        status, _, _ = s.get("/v1/formats", headers={"Authorization": "Bearer wrong"})
        assert status == 401
        ok = {"Authorization": "Bearer s3cret-token-of-the-agency"}
        assert s.get("/v1/formats", headers=ok)[0] == 200
        status, _, body = s.post("/v1/convert?to=json", read(sample("indicators.csv")), ok)
        assert status == 200
        # a refused upload is read before the answer: the client sees the 401
        status, _, _ = s.post("/v1/convert?to=json", read(sample("indicators.csv")))
        assert status == 401
        assert s.get("/health")[0] == 200 and s.get("/")[0] == 200
    finally:
        s.finish()


def test_tls(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    s = Server("--tls-cert", str(tmp_path / "cert.pem"), "--tls-key", str(tmp_path / "key.pem"))
    try:
        assert s.scheme == "https"
        status, _, body = s.post("/v1/convert?to=xlsx&filename=indicators.csv",
                                 read(sample("indicators.csv")))
        assert status == 200
        openpyxl.load_workbook(io.BytesIO(body))
        # plain HTTP to it gets nothing
        resp = raw_exchange(s, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        assert not resp.startswith(b"HTTP/1.1 200")
    finally:
        s.finish()


def test_usage_errors():
    for args, want in [(["--listen", "nowhere"], "--listen: bad value 'nowhere'"),
                       (["--workers", "0"], "--workers: bad value '0'"),
                       (["--tls-cert", "x.pem"], "--tls-cert and --tls-key go together"),
                       (["--frobnicate"], "unknown option '--frobnicate'")]:
        rc, _, err = run_tool("conv-serve", args, SRC)
        assert rc == 2 and want in err, (args, err)
    rc, out, _ = run_tool("conv-serve", ["--help"], SRC)
    assert rc == 0 and b"POST /v1/convert" in out
