"""The web page end to end in a real headless Chromium (Debian ``chromium`` + ``chromium-driver``, Selenium with an
explicit driver path: nothing is downloaded) against a real ``docproc serve`` on loopback with an API key and a
temp SQLite database.

Flow: the login form is all there is without a key → log in → upload the five seeds and samples/notices.zip with
the file picker, and two files by drag-and-drop (one of them not a notice: its error names it) → wait for the
jobs in the page → open seed 003: the 文号 and the deadlines are highlighted → correct a task's owners and due
date → reload: the correction is there (and the machine extraction is kept) → ledger filtered by 文号 → export
XLSX from the page, parse it with openpyxl: the correction is in it → log out: nothing but the login form.
The 100+-task notice (shared/corpus/018.txt) is opened and its render time (data arrival → view laid out, from
performance marks in app.js) is reported in tests/artifacts/ui_render.json, not asserted.

Screenshots (1366×768) land in tests/artifacts/screenshots/.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import shutil
import time
import zipfile
from pathlib import Path

import httpx
import openpyxl
import pytest


from .conftest import ROOT, SAMPLES, SHARED, keyed_server

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("DOCPROC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DOCPROC_CHROMEDRIVER", "/usr/bin/chromedriver")
KEY = "ui-key-Zq7"
USER = "王科员"
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
ARTIFACTS = ROOT / "tests" / "artifacts"

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(f"chromium/chromedriver absent ({CHROMIUM}, {CHROMEDRIVER})", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,  # noqa: E402
                                        TimeoutException)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never go to the network
os.environ.setdefault("SE_AVOID_STATS", "true")


def seeds() -> list[Path]:
    for d in (SAMPLES / "seeds", SHARED / "seeds"):
        files = sorted(d.glob("*.txt")) if d.is_dir() else []
        if files:
            return files
    pytest.skip("no seed notices")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with keyed_server(tmp_path_factory.mktemp("ui-server"), KEY, workers=2) as srv:
        yield srv


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ui-downloads")


@pytest.fixture(scope="module")
def driver(tmp_path_factory, downloads):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chrome-profile")
    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1366,768", f"--user-data-dir={profile}", "--lang=zh-CN"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False,
                                           "download.directory_upgrade": True,
                                           "safebrowsing.enabled": False})
    d = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    try:
        d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    except Exception:  # older drivers: the prefs above do it
        pass
    d.set_window_size(1366, 768)
    # the page itself at 1366×768 (headless windows lose some height to the window frame otherwise)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    d.set_script_timeout(30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield d
    d.quit()


def shot(driver, name: str) -> Path:
    p = SHOTS / f"{name}.png"
    driver.save_screenshot(str(p))
    return p


def wait(driver, cond, timeout: float = 30, msg: str = ""):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(cond)
    except TimeoutException:
        shot(driver, "failure")
        logs = driver.execute_script("return document.body.innerText.slice(0, 3000)")
        raise AssertionError(f"timed out: {msg}\npage text: {logs}")


def visible(driver, css: str) -> bool:
    els = driver.find_elements(By.CSS_SELECTOR, css)
    return bool(els) and els[0].is_displayed()


def data_views_hidden(driver) -> bool:
    return all(not e.is_displayed() for e in driver.find_elements(
        By.CSS_SELECTOR, "#view-upload, #view-docs, #view-doc, #view-ledger, #topbar"))


def login(driver, server, user: str = USER):
    driver.get(server.base_url + "/")
    wait(driver, lambda d: visible(d, "#login-form"), msg="login form")
    driver.find_element(By.ID, "login-key").send_keys(KEY)
    u = driver.find_element(By.ID, "login-user")
    u.clear()
    u.send_keys(user)
    driver.find_element(By.ID, "login-submit").click()
    wait(driver, lambda d: visible(d, "#view-upload"), msg="upload view after login")


def wait_jobs_done(driver, n: int, timeout: float = 120):
    def done(d):
        cards = d.find_elements(By.CSS_SELECTOR, "#jobs .job[data-job-id]")
        states = [c.get_attribute("data-status") for c in cards]
        fin = [s for s in states if s in ("done", "failed", "cancelled")]
        with_docs = d.find_elements(By.CSS_SELECTOR, "#jobs .job[data-status='done'] .job-docs li")
        return len(fin) >= n and len(fin) == len(states) and with_docs
    wait(driver, done, timeout, msg=f"{n} job(s) finished")


def drop_files(driver, files: list[tuple[str, bytes]]):
    """A real drop event on the drop zone, carrying File objects (what a drag from the desktop delivers)."""
    payload = [[name, base64.b64encode(data).decode()] for name, data in files]
    driver.execute_script("""
        const dt = new DataTransfer();
        for (const [name, b64] of arguments[0]) {
          const bin = atob(b64); const u = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
          dt.items.add(new File([u], name));
        }
        const dz = document.getElementById('dropzone');
        dz.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
        dz.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    """, payload)


def open_doc(driver, server, doc_id: str, rows: int | None = None):
    driver.get(f"{server.base_url}/#/doc/{doc_id}")
    wait(driver, lambda d: d.execute_script(
        "return window.docprocPerf && window.docprocPerf.docId === arguments[0]", doc_id), 60, "notice rendered")
    if rows is not None:
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#task-table tbody tr[data-task]")) == rows,
             msg=f"{rows} task rows")


def texts(driver, css: str) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)", css)


def test_without_key_only_the_login_form(server, driver):
    # the API answers 401 without a key …
    anon = server.client_with(None)
    for path in ("/v1/documents", "/v1/tasks", "/v1/jobs", "/v1/gold.zip"):
        r = anon.get(path)
        assert r.status_code == 401, path
        assert r.json()["error"]["code"] == "unauthorized"
    # … the shell loads, and shows nothing but the login form, even on a deep link
    driver.get(server.base_url + "/#/ledger")
    wait(driver, lambda d: visible(d, "#login-form"), msg="login form")
    assert data_views_hidden(driver)
    assert driver.execute_script("return sessionStorage.getItem('docproc.key')") is None
    # a wrong key is refused with a message
    driver.find_element(By.ID, "login-key").send_keys("wrong-key")
    driver.find_element(By.ID, "login-submit").click()
    wait(driver, lambda d: visible(d, "#login-error"), msg="login error")
    assert "密钥无效" in driver.find_element(By.ID, "login-error").text
    assert data_views_hidden(driver)
    driver.find_element(By.ID, "login-key").clear()
    shot(driver, "01_login")


def test_upload_review_correct_export(server, driver, downloads):
    login(driver, server)
    # 1. upload: the seeds and the zip through the file picker (one job) …
    picker = driver.find_element(By.ID, "file-input")
    driver.execute_script("arguments[0].hidden = false", picker)  # the drop zone opens it; Selenium types into it
    zip_path = SAMPLES / "notices.zip"
    paths = [str(p) for p in seeds()] + ([str(zip_path)] if zip_path.exists() else [])
    picker.send_keys("\n".join(paths))
    driver.execute_script("arguments[0].hidden = true", picker)
    # … and two files by drag-and-drop (the second is not a notice)
    damaged = SAMPLES / "text" / "003.gbk-damaged.txt"
    dropped = [(damaged.name, damaged.read_bytes())] if damaged.exists() else []
    dropped.append(("扫描照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    drop_files(driver, dropped)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#jobs .job[data-job-id] .job-counts"), msg="a job accepted")
    shot(driver, "02a_upload_running")  # the jobs as they are now: live counters (done/total, failures)
    # an archive the service refuses whole: the error names it
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../逃逸.txt", "常建〔2006〕166号")
    drop_files(driver, [("坏压缩包.zip", bad.getvalue())])
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#jobs .job[data-status='rejected'] .job-errors li"),
         msg="rejected upload")
    rejected = driver.find_element(By.CSS_SELECTOR, "#jobs .job[data-status='rejected']").text
    assert "坏压缩包.zip" in rejected and "不安全的文件路径" in rejected, rejected
    wait_jobs_done(driver, 2)
    shot(driver, "02_upload_progress")

    cards = driver.find_elements(By.CSS_SELECTOR, "#jobs .job[data-job-id]")
    counts = " ".join(c.find_element(By.CSS_SELECTOR, ".job-counts").text for c in cards)
    assert "已处理" in counts
    errors = " ".join(texts(driver, "#jobs .job-errors li"))
    assert "扫描照片.png" in errors and "不支持的文件格式" in errors, errors
    links = {a.text: a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#jobs a.job-doc")}
    assert len(links) >= len(seeds()), links
    seed003 = next(h for t, h in links.items() if t.startswith("003_"))
    doc_id = seed003.rsplit("/", 1)[-1]

    # 2. the notice view: 文号 and deadlines highlighted, fields beside the text
    api = server.client
    machine = api.get(f"/v1/documents/{doc_id}").json()
    n_tasks = len(machine["tasks"])
    open_doc(driver, server, doc_id, rows=n_tasks)
    docnos = texts(driver, "#doc-text .hl-docno")
    assert "常建〔2006〕166号" in docnos, docnos
    deadlines = texts(driver, "#doc-text .hl-deadline")
    expected = {t["time_text"] for t in machine["tasks"] if t.get("time_text") and t.get("spans", {}).get("time_text")}
    assert expected and expected <= set(deadlines), (expected, deadlines)
    assert "今年9月" in deadlines
    assert texts(driver, "#doc-text .hl-unit") and texts(driver, "#doc-text .hl-stage")
    fields = driver.find_element(By.ID, "doc-fields").text
    for word in ("文号", "常建〔2006〕166号", "标题", "文种", "意见", "发文机关", "主送", "成文日期", "2006-08-22", "附件", "抄送"):
        assert word in fields, word
    assert "标签错位" in driver.find_element(By.ID, "doc-repairs").text
    assert driver.find_element(By.ID, "doc-text").text.startswith("常建〔2006〕166号")
    shot(driver, "03_notice_view")

    # 3. correct T01's owners and due date
    row = driver.find_element(By.CSS_SELECTOR, "#task-table tr[data-task='T01']")
    before_owners = row.find_element(By.CSS_SELECTOR, "td.owners").text
    row.find_element(By.CSS_SELECTOR, "button[data-action='edit']").click()
    ed = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#task-table tr.editing[data-task='T01']"))
    owners = ed.find_element(By.NAME, "owners")
    owners.clear()
    owners.send_keys("市建设局城建处；局公用处")
    due = ed.find_element(By.NAME, "due")
    driver.execute_script("arguments[0].value = '2006-09-15'; arguments[0].dispatchEvent(new Event('input'))", due)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", ed)
    shot(driver, "04_review_edit")
    ed.find_element(By.CSS_SELECTOR, "button[data-action='save']").click()
    wait(driver, lambda d: "已修改" in d.find_element(By.CSS_SELECTOR, "#task-table tr[data-task='T01']").text,
         msg="row shows the correction")

    # reload the page: the correction is there, by whom, and in the audit trail
    driver.refresh()
    open_doc(driver, server, doc_id, rows=n_tasks)
    row = driver.find_element(By.CSS_SELECTOR, "#task-table tr[data-task='T01']")
    assert row.find_element(By.CSS_SELECTOR, "td.owners").text == "市建设局城建处、局公用处"
    assert row.find_element(By.CSS_SELECTOR, "td.due").text == "2006-09-15"
    assert USER in row.text
    assert USER in driver.find_element(By.ID, "doc-audit").text
    driver.execute_script("document.getElementById('task-table').scrollIntoView()")
    shot(driver, "05_review_saved")
    # mark reviewed from the page
    driver.find_element(By.ID, "doc-review").click()
    wait(driver, lambda d: "已审核" in d.find_element(By.ID, "reviewed-badge").text, msg="reviewed badge")

    # the API serves the correction, keeps the machine values
    feed = api.get("/v1/tasks", params={"document_id": doc_id, "limit": 500}).json()["items"]
    t01 = next(t for t in feed if t["local_id"] == "T01")
    assert t01["owners"] == ["市建设局城建处", "局公用处"] and t01["due"] == "2006-09-15"
    assert t01["reviewed"] is True and t01["corrected"] is True and t01["corrected_by"] == USER
    orig = api.get(f"/v1/documents/{doc_id}", params={"view": "machine"}).json()["tasks"][0]
    assert "、".join(orig["owners"]) == before_owners and orig["due"] != "2006-09-15"
    gold = api.get(f"/v1/documents/{doc_id}/gold").json()
    assert gold["tasks"][0]["owners"] == ["市建设局城建处", "局公用处"] and gold["tasks"][0]["due"] == "2006-09-15"

    # 4. ledger: filter by 文号, sort, export XLSX from the page
    driver.find_element(By.CSS_SELECTOR, "nav a[data-nav='ledger']").click()
    wait(driver, lambda d: visible(d, "#view-ledger") and d.find_elements(By.CSS_SELECTOR, "#ledger-table tbody tr[data-uid]"),
         msg="ledger rows")
    all_rows = len(driver.find_elements(By.CSS_SELECTOR, "#ledger-table tbody tr[data-uid]"))
    f = driver.find_element(By.CSS_SELECTOR, "#ledger-filter input[name='doc_number']")
    f.send_keys("常建〔2006〕166号")
    f.submit()
    # the seed, the zip's copy and the HTML page are three documents with this 文号
    n_filtered = api.get("/v1/tasks", params={"doc_number": "常建〔2006〕166号"}).json()["total"]
    assert n_tasks <= n_filtered < all_rows
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#ledger-table tbody tr[data-uid]")) == n_filtered,
         msg="filtered ledger")
    assert "市建设局城建处、局公用处" in driver.find_element(By.ID, "ledger-table").text
    driver.find_element(By.CSS_SELECTOR, "#ledger-table button[data-sort='content']").click()
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#ledger-table th[aria-sort]").text.startswith("任务内容"))
    shot(driver, "06_ledger")
    for p in downloads.glob("*"):
        p.unlink()
    driver.find_element(By.ID, "ledger-xlsx").click()
    wait(driver, lambda d: [p for p in downloads.glob("*.xlsx")] and not list(downloads.glob("*.crdownload")),
         msg="xlsx downloaded")
    xlsx = next(downloads.glob("*.xlsx"))
    ws = openpyxl.load_workbook(xlsx).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    body = [r for r in rows[1:] if any(v is not None for v in r)]
    assert len(body) == n_filtered

    def day(v):
        return str(v.date() if isinstance(v, dt.datetime) else v)

    hit = [r for r in body if r[col["任务内容"]] == t01["content"] and day(r[col["完成时限"]]) == "2006-09-15"]
    assert len(hit) == 1, body
    assert "市建设局城建处" in str(hit[0][col["责任单位"]]) + str(hit[0][col["牵头单位"]])
    assert all(r[col["来源文号"]] == "常建〔2006〕166号" for r in body)
    shutil.copy(xlsx, ARTIFACTS / "ledger_export.xlsx")

    # 5. documents list and logging out: nothing but the login form afterwards
    driver.find_element(By.CSS_SELECTOR, "nav a[data-nav='docs']").click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#docs-table tbody tr[data-id]")) >= len(seeds()))
    shot(driver, "07_documents")
    driver.find_element(By.ID, "gold-zip").click()
    wait(driver, lambda d: list(downloads.glob("gold*.zip")) and not list(downloads.glob("*.crdownload")),
         msg="gold.zip downloaded")
    with zipfile.ZipFile(next(downloads.glob("gold*.zip"))) as zf:
        names = zf.namelist()
        assert f"gold/{doc_id}.json" in names and "manifest.json" in names
        g = json.loads(zf.read(f"gold/{doc_id}.json"))
        assert g["tasks"][0]["owners"] == ["市建设局城建处", "局公用处"] and g["input"] in names
    driver.find_element(By.ID, "logout").click()
    wait(driver, lambda d: visible(d, "#login-form"), msg="login form after logout")
    driver.get(f"{server.base_url}/#/doc/{doc_id}")
    wait(driver, lambda d: visible(d, "#login-form"))
    assert data_views_hidden(driver)
    assert driver.execute_script("return document.getElementById('doc-text').textContent") == ""
    assert driver.execute_script("return document.querySelectorAll('#ledger-table tbody tr').length") == 0


def test_large_notice_renders(server, driver):
    src = SHARED / "corpus" / "018.txt"
    if not src.exists():
        pytest.skip("../shared/corpus/018.txt is absent")
    r = server.client.post("/v1/documents", files=[("files", (src.name, src.read_bytes()))])
    assert r.status_code == 201, r.text
    d = r.json()["documents"][0]
    n = len(d["tasks"])
    assert n >= 100
    login(driver, server)
    figures = []
    for _ in range(3):  # first open and two reloads
        driver.get("about:blank")
        open_doc(driver, server, d["id"], rows=n)
        perf = driver.execute_script("return window.docprocPerf")
        wait(driver, lambda dd: dd.execute_script("return window.docprocPerf.paintMs !== null"))
        perf = driver.execute_script("return window.docprocPerf")
        figures.append(perf)
    assert texts(driver, "#doc-text .hl-docno")[0] == d["notice"]["doc_number"]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#doc-text .hl-task")) >= n // 2
    shot(driver, "08_notice_100_tasks")
    report = {"document": "shared/corpus/018.txt", "tasks": n, "text_chars": len(d["text"]),
              "render_ms": [round(p["renderMs"], 1) for p in figures],
              "render_to_paint_ms": [round(p["paintMs"], 1) for p in figures],
              "fetch_ms": [round(p["fetchMs"], 1) for p in figures],
              "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
    (ARTIFACTS / "ui_render.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print("\n018.txt render:", json.dumps(report, ensure_ascii=False))
    # the ledger with everything loaded stays usable: all rows present
    driver.get(server.base_url + "/#/ledger")
    total = httpx.get(server.base_url + "/v1/tasks", headers={"Authorization": f"Bearer {KEY}"},
                      trust_env=False).json()["total"]
    wait(driver, lambda dd: len(dd.find_elements(By.CSS_SELECTOR, "#ledger-table tbody tr[data-uid]")) == total,
         msg="full ledger")
