"""conv-serve's page in a real browser: Debian's chromium, headless,
through chromedriver and python3-selenium.  Upload the seed sample, choose
the report table with its issuer, place and signer, download it and open
it with openpyxl; download everything as a zip; upload broken files and
see their findings in the table; the keyboard reaches every control; the
page switches to English.

CONV_SERVE_SCREENSHOT=FILE also saves the page with its results there
(docs/serve-page.png is made so).
"""
import json
import os
import re
import time
import zipfile

import openpyxl
import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import SRC as SRC_DIR, Server, run_tool, sample


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--window-size=1280,900", "--lang=vi-VN", "--disable-gpu"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.execute_cdp_cmd("Page.setDownloadBehavior",
                      {"behavior": "allow", "downloadPath": str(downloads)})
    d.downloads = str(downloads)
    yield d
    d.quit()


def open_page(d, server):
    d.get(server.url + "/")
    d.execute_script("localStorage.clear(); sessionStorage.clear();")
    d.get(server.url + "/")
    # the formats of the server are in the list
    WebDriverWait(d, 30).until(
        lambda d: any(o.get_attribute("value") == "csv"
                      for o in Select(d.find_element(By.ID, "to")).options))


def downloaded(d, name, timeout=60):
    path = os.path.join(d.downloads, name)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and not os.path.exists(path + ".crdownload"):
            time.sleep(0.2)
            return path
        time.sleep(0.1)
    raise AssertionError("%s not downloaded: %s" % (name, os.listdir(d.downloads)))


def wait_done(d, timeout=60):
    WebDriverWait(d, timeout).until(
        lambda d: d.find_element(By.ID, "status").text.startswith(("Xong", "Done")))


def findings(d):
    """The findings table's rows, each a list of its cells' text."""
    return d.execute_script(
        "return [...document.querySelectorAll('#findings tbody tr:not(.empty-row)')]"
        ".map((r) => [...r.cells].map((c) => c.innerText.trim()));")


def broken_files(tmp_path):
    lines = open(sample("indicators.csv"), encoding="utf-8").read().splitlines(True)
    dup = tmp_path / "trung-lap.csv"
    dup.write_text("".join(lines + [lines[3]]), encoding="utf-8")
    cut = tmp_path / "hong.csv"
    cut.write_text("".join(lines[:5]) + '165,"Thành phố Sông Công,0101\n', encoding="utf-8")
    return str(dup), str(cut)


def test_report_table_from_the_seed_sample(server, browser):
    d = browser
    open_page(d, server)
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert d.title == "Chuyển đổi và kiểm tra số liệu chỉ tiêu"
    d.find_element(By.ID, "files").send_keys(sample("indicators.csv"))
    Select(d.find_element(By.ID, "to")).select_by_value("xlsx-report")
    assert d.find_element(By.ID, "issuer").is_displayed()
    d.find_element(By.ID, "issuer").send_keys("UBND THÀNH PHỐ SÔNG CÔNG|PHÒNG KINH TẾ")
    d.find_element(By.ID, "place").send_keys("Sông Công")
    d.find_element(By.ID, "signer").send_keys("Trần Thị Bình")
    d.find_element(By.ID, "run").send_keys(Keys.ENTER)
    wait_done(d)
    link = d.find_element(By.CSS_SELECTOR, "a.download")
    assert link.get_attribute("download") == "indicators.xlsx"
    assert link.text == "Tải về indicators.xlsx"
    row = d.find_element(By.CSS_SELECTOR, "#files-table tbody tr").text
    assert "indicators.csv" in row and "Không có lỗi" in row
    assert findings(d) == []
    link.send_keys(Keys.ENTER)
    wb = openpyxl.load_workbook(downloaded(d, "indicators.xlsx"))
    texts = {c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r
             if isinstance(c.value, str)}
    assert "UBND THÀNH PHỐ SÔNG CÔNG" in texts and "PHÒNG KINH TẾ" in texts
    assert "Trần Thị Bình" in texts
    assert any(t.startswith("Sông Công, ngày") for t in texts)
    # every result as one zip, made in the page
    d.find_element(By.ID, "zip").click()
    z = zipfile.ZipFile(downloaded(d, "ket-qua.zip"))
    assert z.namelist() == ["indicators.xlsx"]
    assert z.read("indicators.xlsx") == open(os.path.join(d.downloads, "indicators.xlsx"),
                                             "rb").read()


def test_broken_files_show_their_findings(server, browser, tmp_path):
    d = browser
    open_page(d, server)
    dup, cut = broken_files(tmp_path)
    d.find_element(By.ID, "files").send_keys(dup + "\n" + cut)
    Select(d.find_element(By.ID, "to")).select_by_value("csv")
    d.find_element(By.ID, "run").click()
    wait_done(d)
    rows = findings(d)
    dups = [r for r in rows if r[0] == "trung-lap.csv"]
    assert any(r[3] == "Trùng lặp (duplicate)" and r[2] == "Lỗi" and r[1] == "dòng 14"
               for r in dups), rows
    # as conv-check finds it
    rc, out, _ = run_tool("conv-check", ["--format", "json", "hong.csv"], str(tmp_path))
    want = json.loads(out)["findings"]
    assert rc == 1 and [f["rule"] for f in want] == ["read"]
    reads = [r for r in rows if r[0] == "hong.csv" and "(read)" in r[3]]
    assert len(reads) == 1, rows
    assert reads[0][4] == want[0]["message"] == "unterminated quoted field"
    assert reads[0][1] == "dòng %d:%d" % (want[0]["line"], want[0]["column"])
    # the broken one is not converted, and says why
    files = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#files-table tbody tr")]
    assert any("hong.csv" in f and "Không chuyển đổi được: hong.csv:%d:%d: unterminated quoted "
               "field" % (want[0]["line"], want[0]["column"]) in f for f in files), files
    assert any("trung-lap.csv" in f and "Tải về trung-lap.csv" in f for f in files), files


def test_a_table_made_for_people(server, browser):
    """A GSO-style table (title, unit line, headers over rows, a stub in
    levels): read as a table its figures are indicator records; what the
    reader could not decide is in the findings; with the region given, the
    report table of its records."""
    d = browser
    open_page(d, server)
    table = os.path.join(SRC_DIR, "tests", "data", "table", "monthly.xlsx")
    d.find_element(By.ID, "files").send_keys(table)
    assert not d.find_element(By.ID, "region").is_displayed()
    Select(d.find_element(By.ID, "read-as")).select_by_value("table")
    assert d.find_element(By.ID, "region").is_displayed()
    Select(d.find_element(By.ID, "to")).select_by_value("csv")
    d.find_element(By.ID, "run").click()
    wait_done(d)
    rows = findings(d)
    told = [r for r in rows if r[3] == "Khi đọc tệp (reading)"]
    assert told and told[0][0] == "monthly.xlsx" and told[0][2] == "Cảnh báo", rows
    assert any("no region named in the rows of sheet 'Biểu 01'" in r[4] for r in told), told
    # the records are conv's
    link = d.find_element(By.CSS_SELECTOR, "a.download")
    assert link.get_attribute("download") == "monthly.csv"
    link.click()
    got = open(downloaded(d, "monthly.csv"), "rb").read()
    rc, out, _ = run_tool("conv", [table, "--layout", "table", "--profile", "indicators",
                                   "-t", "csv"], SRC_DIR)
    assert rc == 0 and got == out
    # the same checked: findings at the table's cells
    assert any(r[1] == "Biểu 01!D7" and "(required)" in r[3] and "region_code" in r[4]
               for r in rows), rows
    # the report table of a table's records: our own report, read as a
    # table, made again (read as CSV first, then laid out)
    d.find_element(By.ID, "clear").click()
    d.find_element(By.ID, "files").send_keys(sample("indicators-report.xlsx"))
    Select(d.find_element(By.ID, "to")).select_by_value("xlsx-report")
    d.find_element(By.ID, "place").send_keys("Sông Công")
    d.find_element(By.ID, "run").click()
    wait_done(d)
    assert not [r for r in findings(d) if "(reading)" in r[3]], findings(d)
    link = d.find_element(By.CSS_SELECTOR, "a.download")
    assert link.get_attribute("download") == "indicators-report.xlsx"
    link.click()
    wb = openpyxl.load_workbook(downloaded(d, "indicators-report.xlsx"))
    cells = [c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r]
    assert "Tổng giá trị sản xuất trên địa bàn" in cells and 13090 in cells, cells[:60]
    assert any(isinstance(v, str) and v.startswith("Sông Công, ngày") for v in cells)


def test_sdmx_with_its_dataflow(server, browser):
    d = browser
    open_page(d, server)
    d.find_element(By.ID, "lang").click()
    d.find_element(By.ID, "files").send_keys(sample("indicators.csv"))
    Select(d.find_element(By.ID, "to")).select_by_value("sdmx-csv")
    assert d.find_element(By.ID, "dataflow").is_displayed()
    assert not d.find_element(By.ID, "issuer").is_displayed()
    d.find_element(By.ID, "do-check").click()
    d.find_element(By.ID, "run").click()
    wait_done(d)
    # without a dataflow: the library's message, not a guess
    row = d.find_element(By.CSS_SELECTOR, "#files-table tbody tr").text
    assert "Not checked" in row and "Could not convert: SDMX-CSV names its dataflow" in row, row
    d.find_element(By.ID, "dataflow").send_keys("VN_SC:DF_IND(1.0)")
    d.find_element(By.ID, "run").click()
    wait_done(d)
    assert d.find_element(By.ID, "status").text.startswith("Done: 1 converted, 0 could not be")
    link = d.find_element(By.CSS_SELECTOR, "a.download")
    name = link.get_attribute("download")
    link.click()
    got = open(downloaded(d, name), "rb").read()
    rc, out, _ = run_tool("conv", ["--to", "sdmx-csv", "--sdmx-dataflow", "VN_SC:DF_IND(1.0)",
                                   sample("indicators.csv")], SRC_DIR)
    assert rc == 0 and got == out, (got[:200], out[:200])
    assert got.startswith(b"DATAFLOW,REF_AREA,") and b"\nVN_SC:DF_IND(1.0),165," in got, got[:300]
    d.find_element(By.ID, "lang").click()


def test_many_findings(server, browser, tmp_path):
    """The first 200 findings of a file are shown, then how many more, and
    the whole list downloads as CSV for Excel; the file's row links it too."""
    d = browser
    open_page(d, server)
    lines = open(sample("indicators.csv"), encoding="utf-8").read().splitlines(True)
    many = tmp_path / "nhieu-loi.csv"
    many.write_text("".join(lines + [lines[3]] * 300), encoding="utf-8")
    d.find_element(By.ID, "files").send_keys(str(many))
    Select(d.find_element(By.ID, "to")).select_by_value("")
    d.find_element(By.ID, "run").click()
    wait_done(d)
    rows = findings(d)
    assert len(rows) == 201, len(rows)
    more = rows[-1]
    assert more[0].startswith("nhieu-loi.csv: còn ") and "Tải danh sách (.csv)" in more[0], more
    rc, out, _ = run_tool("conv-check", ["--format", "json", str(many)], str(tmp_path))
    want = json.loads(out)["findings"]
    assert more[0].startswith("nhieu-loi.csv: còn %d lỗi và cảnh báo nữa." % (len(want) - 200))
    d.find_element(By.CSS_SELECTOR, "#findings tr.more-row a.list-link").click()
    got = open(downloaded(d, "nhieu-loi-kiem-tra.csv"), encoding="utf-8-sig").read().splitlines()
    assert got[0] == "Tệp,Vị trí,Mức,Quy tắc,rule,Nội dung"
    assert len(got) == 1 + len(want)
    assert [l.split(",")[4] for l in got[1:]] == [f["rule"] for f in want]
    row = d.find_element(By.CSS_SELECTOR, "#files-table tbody tr").text
    assert "Tải danh sách (.csv)" in row


def test_a_server_that_wants_a_token(browser, tmp_path):
    """The page asks for the token, loads the formats once it is given,
    and converts with it."""
    tok = tmp_path / "token"
    tok.write_text("s3cret-Token_of-the-office\n")
    s = Server("--token-file", str(tok))
    try:
        d = browser
        d.get(s.url + "/")
        d.execute_script("localStorage.clear(); sessionStorage.clear();")
        d.get(s.url + "/")
        box = d.find_element(By.ID, "token")
        WebDriverWait(d, 30).until(lambda d: box.is_displayed())
        assert d.find_element(By.ID, "status").text.startswith("Máy chủ yêu cầu mã truy cập")
        assert box.get_attribute("type") == "password"
        box.send_keys("s3cret-Token_of-the-office")
        box.send_keys(Keys.TAB)
        WebDriverWait(d, 30).until(
            lambda d: any(o.get_attribute("value") == "csv"
                          for o in Select(d.find_element(By.ID, "to")).options))
        d.find_element(By.ID, "files").send_keys(sample("indicators.csv"))
        Select(d.find_element(By.ID, "to")).select_by_value("json")
        d.find_element(By.ID, "run").click()
        wait_done(d)
        link = d.find_element(By.CSS_SELECTOR, "a.download")
        assert link.get_attribute("download") == "indicators.json"
        assert re.search(r'"GET /v1/formats" 401 ', s.log())
        assert not re.search(r'"POST [^"]*" 401 ', s.log())
        assert s.log().count('"POST /v1/check?filename=indicators.csv" 200 ') == 1
    finally:
        d.execute_script("sessionStorage.clear();")
        s.finish()


def test_keyboard_and_english(server, browser):
    d = browser
    open_page(d, server)
    lang = d.find_element(By.ID, "lang")
    lang.send_keys(Keys.ENTER)
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert d.title == "Convert and check indicator data"
    assert d.find_element(By.ID, "run").text == "Run"
    # Tab goes from the language button through the controls, in order
    d.find_element(By.ID, "files").send_keys(sample("indicators.csv"))
    d.find_element(By.ID, "lang").click()
    d.find_element(By.ID, "lang").click()
    order = []
    for _ in range(6):
        ActionChains(d).send_keys(Keys.TAB).perform()
        order.append(d.switch_to.active_element.get_attribute("id"))
    assert order == ["pick", "read-as", "to", "do-check", "run", "clear"], order
    box = d.find_element(By.ID, "do-check")
    box.send_keys(Keys.SPACE)
    assert not box.is_selected()
    box.send_keys(Keys.SPACE)
    # every control has a visible label
    for id_ in ("read-as", "region", "to", "issuer", "place", "signer", "signer-title", "recipients",
                "do-check"):
        assert d.find_elements(By.CSS_SELECTOR, "label[for='%s']" % id_), id_
    lang = d.find_element(By.ID, "lang")
    lang.send_keys(Keys.ENTER)
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"


def test_screenshot(server, browser, tmp_path):
    d = browser
    open_page(d, server)
    dup, cut = broken_files(tmp_path)
    d.find_element(By.ID, "files").send_keys(sample("indicators.csv") + "\n" + dup)
    Select(d.find_element(By.ID, "to")).select_by_value("xlsx-report")
    d.find_element(By.ID, "issuer").send_keys("UBND THÀNH PHỐ SÔNG CÔNG|PHÒNG KINH TẾ")
    d.find_element(By.ID, "place").send_keys("Sông Công")
    d.find_element(By.ID, "signer").send_keys("Trần Thị Bình")
    d.find_element(By.ID, "run").click()
    wait_done(d)
    height = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(1280, height + 120)
    d.execute_script("window.scrollTo(0, 0)")
    out = os.environ.get("CONV_SERVE_SCREENSHOT") or str(tmp_path / "page.png")
    assert d.save_screenshot(out)
    assert os.path.getsize(out) > 20000
    d.set_window_size(1280, 900)
