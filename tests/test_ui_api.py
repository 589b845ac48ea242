"""The web page's server side without a browser: the shell (offline assets, security headers, no data without a
key), the gold export (format of shared/gold, reviewed values, zip runnable by ``docproc eval``) and the text
annotations — against a real ``docproc serve`` (inline processing, temp SQLite)."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from docproc.evaluate import run_eval

from .conftest import HAVE_SHARED, SAMPLES, SHARED, keyed_server

KEY = "ui-api-key-9x"
GOLD_KEYS = ["id", "input", "source", "notice", "tasks", "notes"]
NOTICE_KEYS = ["doc_number", "title", "doc_type", "issuers", "recipients", "signed_date", "attachments", "cc"]
TASK_KEYS = ["content", "stage", "owners", "start", "due", "time_text"]
STATIC = Path(__file__).resolve().parents[1] / "service" / "static"


def seed(prefix: str) -> Path:
    for d in (SAMPLES / "seeds", SHARED / "seeds"):
        hits = sorted(d.glob(f"{prefix}*.txt")) if d.is_dir() else []
        if hits:
            return hits[0]
    pytest.skip("no seed notices")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with keyed_server(tmp_path_factory.mktemp("ui-api"), KEY, workers=0) as srv:
        yield srv


@pytest.fixture(scope="module")
def doc003(server) -> dict:
    p = seed("003")
    r = server.client.post("/v1/documents", files=[("files", (p.name, p.read_bytes()))])
    assert r.status_code == 201, r.text
    return r.json()["documents"][0]


def test_shell_is_public_offline_and_holds_no_data(server):
    anon = server.client_with(None)
    r = anon.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text and 'id="login-form"' in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    for asset in ("app.js", "app.css", "favicon.svg"):
        a = anon.get(f"/static/{asset}")
        assert a.status_code == 200 and a.content == (STATIC / asset).read_bytes(), asset
    assert anon.get("/static/../app.py").status_code == 404
    # every asset is local: no URL to another host anywhere in the shipped files (no CDN, works offline)
    for f in STATIC.iterdir():
        body = re.sub(r'xmlns(?::\w+)?="[^"]*"', "", f.read_text(encoding="utf-8"))  # a namespace, not a fetch
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", body, re.I), f.name
    assert '"WenQuanYi Micro Hei"' in (STATIC / "app.css").read_text(encoding="utf-8")
    # the data is not
    for path in ("/v1/documents", "/v1/tasks", "/v1/gold.zip", "/v1/documents/0000000000000000/gold",
                 "/v1/documents/0000000000000000/annotations"):
        assert anon.get(path).status_code == 401, path
        assert server.client_with("not-the-key").get(path).status_code == 401, path


def test_static_files_are_package_data():
    toml = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'service = ["static/*", "static/**/*"]' in toml
    assert {"index.html", "app.js", "app.css"} <= {p.name for p in STATIC.iterdir()}


def test_annotations_index_into_the_text(server, doc003):
    a = server.client.get(f"/v1/documents/{doc003['id']}/annotations").json()
    text = doc003["text"]
    assert a["length"] == len(text)
    own = [d for d in a["doc_numbers"] if not d["cited"]]
    assert own and own[0]["canonical"] == "常建〔2006〕166号" and own[0]["span"] == doc003["notice"]["spans"]["doc_number"]
    for kind in ("doc_numbers", "times"):
        for item in a[kind]:
            s, e = item["span"]
            assert text[s:e] == item["text"], item
    for h in a["headings"]:
        s, e = h["span"]
        assert text[s:e].startswith(h["marker"])
    assert any(h["stage"] and h["title"] == "活动重点" for h in a["headings"])  # a stage of the tasks
    assert not any(t["text"].startswith("57周") for t in a["times"])  # a duration, not a date
    assert server.client.get("/v1/documents/ffffffffffffffff/annotations").status_code == 404


def _gold_zip(server, **params) -> zipfile.ZipFile:
    r = server.client.get("/v1/gold.zip", params=params)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(r.content))


def test_gold_export_serves_the_reviewed_values(server, doc003, tmp_path):
    c, did = server.client, doc003["id"]
    g0 = c.get(f"/v1/documents/{did}/gold").json()
    assert list(g0) == GOLD_KEYS
    assert list(g0["notice"]) == NOTICE_KEYS and all(list(t) == TASK_KEYS for t in g0["tasks"])
    if HAVE_SHARED:  # the same shape as the project's gold files
        shared = json.loads(next((SHARED / "gold").glob("*.json")).read_text(encoding="utf-8"))
        assert set(g0) - {"input"} <= set(shared) and list(shared["notice"]) == NOTICE_KEYS
        assert list(shared["tasks"][0]) == TASK_KEYS
    assert g0["notice"]["doc_number"] == "常建〔2006〕166号" and g0["notice"]["signed_date"] == "2006-08-22"
    assert g0["source"] == doc003["source"]["name"] and g0["input"] == f"sources/{did}.txt"
    assert len(g0["tasks"]) == len(doc003["tasks"])
    assert "未标记为已复核" in g0["notes"]

    # not reviewed yet: the default zip (reviewed documents) is empty, scope=all has it
    assert [n for n in _gold_zip(server).namelist() if n.startswith("gold/")] == []
    assert f"gold/{did}.json" in _gold_zip(server, scope="all").namelist()

    # correct, delete, add, mark reviewed
    h = {"X-Docproc-User": "%E6%9D%8E%E7%A7%91%E9%95%BF"}  # 李科长
    assert c.patch(f"/v1/documents/{did}/tasks/T01", headers=h,
                   json={"lead": "局公用处", "owners": ["城建处"], "partners": ["局宣教处"], "due": "2006-09-20"}
                   ).status_code == 200
    assert f"gold/{did}.json" in _gold_zip(server, scope="corrected").namelist()
    assert c.delete(f"/v1/documents/{did}/tasks/T02", headers=h).status_code == 204
    assert c.post(f"/v1/documents/{did}/tasks", headers=h,
                  json={"content": "活动总结报局办公室", "owners": ["各单位"], "due": "2006-10-10",
                        "time_text": "10月10日前"}).status_code == 201
    assert c.post(f"/v1/documents/{did}/review", headers=h, json={"note": "T02 与 T03 重复，已删除"}).status_code == 200

    g = c.get(f"/v1/documents/{did}/gold").json()
    assert len(g["tasks"]) == len(doc003["tasks"])  # one deleted, one added
    t1 = g["tasks"][0]
    assert t1["owners"] == ["局公用处", "城建处", "局宣教处"] and t1["due"] == "2006-09-20"
    assert g["tasks"][1]["content"] == doc003["tasks"][2]["content"]  # T02 is gone
    assert g["tasks"][-1] == {"content": "活动总结报局办公室", "stage": None, "owners": ["各单位"], "start": None,
                              "due": "2006-10-10", "time_text": "10月10日前"}
    assert "T02 与 T03 重复" in g["notes"] and "李科长" in g["notes"]
    # the machine extraction is still there
    machine = c.get(f"/v1/documents/{did}", params={"view": "machine"}).json()["tasks"]
    assert machine[0]["due"] != "2006-09-20" and len(machine) == len(doc003["tasks"])

    r = c.get(f"/v1/documents/{did}/gold", params={"download": "true"})
    assert "attachment" in r.headers["content-disposition"] and f"{did}.json" in r.headers["content-disposition"]

    # the bulk zip: gold files + the original bytes + a manifest; `docproc eval` runs on it unchanged
    zf = _gold_zip(server)
    assert sorted(zf.namelist()) == sorted([f"gold/{did}.json", f"sources/{did}.txt", "manifest.json"])
    assert json.loads(zf.read(f"gold/{did}.json")) == g
    assert zf.read(f"sources/{did}.txt") == seed("003").read_bytes()
    man = json.loads(zf.read("manifest.json"))
    assert man["scope"] == "reviewed" and man["documents"][0]["reviewed_by"] == "李科长"
    zf.extractall(tmp_path)
    assert run_eval(tmp_path / "gold", quiet=True) == 0
