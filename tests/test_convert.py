"""``docproc convert`` end to end on real files: archives, bad members, resume, exit codes, timeouts, Dask."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from icalendar import Calendar

from docproc.convert import HANG_ENV, KILL_AFTER_ENV, convert, run_convert

from .archive_builders import bomb_zip, notice, tar_bytes, with_encrypted_member, zip_bytes
from .conftest import FIXTURES, ROOT, SAMPLES

HAVE_DOC = any(shutil.which(t) for t in ("antiword", "soffice", "libreoffice", "catdoc"))

DOCPROC = [sys.executable, "-m", "docproc"]
CORRUPT_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without xref\n"
OUTPUTS = ("documents.jsonl", "errors.jsonl", "tasks.csv", "tasks.ics", "report.md", "report.html")


def snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
            if p.is_file() and not (skip and skip in p.parents)}


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines()]


def xlsx_rows(path: Path) -> list[list]:
    wb = openpyxl.load_workbook(path)
    return [[[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets]


def assert_same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert xlsx_rows(a / "tasks.xlsx") == xlsx_rows(b / "tasks.xlsx")
    # fixed timestamps in the workbook and its zip members: the same documents give the same bytes
    assert (a / "tasks.xlsx").read_bytes() == (b / "tasks.xlsx").read_bytes()


@pytest.fixture()
def messy_inputs(tmp_path) -> tuple[Path, dict]:
    """A folder as an archive team hands it over: a Chinese-Windows zip with nested and bad members, an
    encrypted member, loose files, an empty and an unsupported file."""
    root = tmp_path / "收文"
    (root / "散件").mkdir(parents=True)
    members = {
        "子目录/关于安全检查的通知.txt": notice(1),
        "通知二.txt": notice(2),
        "嵌套/b.tar.gz": tar_bytes({"c.txt": notice(3)}),
        "损坏.pdf": CORRUPT_PDF,
        "../evil.txt": b"escaped",
        "bomb.zip": bomb_zip(200),
    }
    (root / "收文.zip").write_bytes(zip_bytes(members, gbk=True))
    (root / "加密.zip").write_bytes(with_encrypted_member(tmp_path, {"公开.txt": notice(4)}, "secret.txt", notice(9)))
    (root / "散件" / "a.txt").write_bytes(notice(5))
    (root / "散件" / "空.txt").write_bytes(b"")
    (root / "散件" / "bad.bin").write_bytes(b"\x00\x01\x02\x03" * 64)
    expected = {
        "docs": {"收文/加密.zip!/公开.txt", "收文/收文.zip!/子目录/关于安全检查的通知.txt", "收文/收文.zip!/通知二.txt",
                 "收文/收文.zip!/嵌套/b.tar.gz!/c.txt", "收文/散件/a.txt"},
        "errors": {"收文/加密.zip!/secret.txt": "encrypted", "收文/收文.zip!/损坏.pdf": "unreadable",
                   "收文/收文.zip!/../evil.txt": "unsafe_member", "收文/收文.zip!/bomb.zip!/bomb.txt": "archive_limit",
                   "收文/散件/空.txt": "empty", "收文/散件/bad.bin": "unsupported_format"},
    }
    return root, expected


def test_messy_folder_every_good_document_converted_every_bad_one_recorded(messy_inputs, tmp_path, monkeypatch):
    root, expected = messy_inputs
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    st = convert([root], out, jobs=2, quiet=True)
    assert st.exit_code == 1
    docs = lines(out / "documents.jsonl")
    assert {d["source"]["path"] for d in docs} == expected["docs"]
    by_path = {d["source"]["path"]: d for d in docs}
    src = by_path["收文/收文.zip!/子目录/关于安全检查的通知.txt"]["source"]
    assert src["name"] == "关于安全检查的通知.txt" and src["archive_member"] == "收文/收文.zip!/子目录/关于安全检查的通知.txt"
    assert by_path["收文/散件/a.txt"]["source"]["archive_member"] is None
    assert all(d["schema"] == "docproc.notice/1" and d["status"] in ("ok", "partial") for d in docs)
    assert "安全生产检查" in by_path["收文/收文.zip!/嵌套/b.tar.gz!/c.txt"]["text"]
    errors = lines(out / "errors.jsonl")
    assert {e["path"]: e["code"] for e in errors} == expected["errors"]
    assert all(e["file"] and e["message"] for e in errors)
    enc = [e for e in errors if e["code"] == "encrypted"][0]
    assert enc["file"] == str(root / "加密.zip") and enc["archive_path"] == "收文/加密.zip!/secret.txt"
    # nothing written outside OUTDIR, no escaped file anywhere
    assert snapshot(tmp_path, skip=out) == before
    assert not list(tmp_path.parent.rglob("evil.txt"))
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS + ("tasks.xlsx",))
    # the derived files are there and parse
    rows = list(csv.DictReader(io.StringIO((out / "tasks.csv").read_text("utf-8-sig"))))
    assert {r["来源文件"] for r in rows} <= expected["docs"]
    assert openpyxl.load_workbook(out / "tasks.xlsx")["文件清单"].max_row == len(docs) + 1
    Calendar.from_ical((out / "tasks.ics").read_bytes())
    report = (out / "report.md").read_text("utf-8")
    assert "| 已转换文件 | 5 |" in report and "| 失败文件 | 6 |" in report and "| unsafe_member | 1 |" in report


def _corpus(tmp_path: Path, n: int = 14) -> Path:
    root = tmp_path / "in"
    (root / "批次").mkdir(parents=True)
    for i in range(n):
        (root / "批次" / f"{i:03d}.txt").write_bytes(notice(i))
    (root / "批次" / "副本.txt").write_bytes(notice(0))  # same bytes, another path: converted as its own line
    (root / "包.zip").write_bytes(zip_bytes({f"z{i}.txt": notice(100 + i) for i in range(4)}, gbk=True))
    (root / "坏.pdf").write_bytes(CORRUPT_PDF)
    return root


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    e = {**os.environ, **(env or {})}
    return subprocess.run(DOCPROC + list(args), capture_output=True, text=True, env=e, cwd=cwd or ROOT, timeout=300)


def test_interrupted_run_resumes_to_the_same_outputs(tmp_path):
    root = _corpus(tmp_path)
    full, part = tmp_path / "full", tmp_path / "part"
    r = run_cli("convert", str(root), "-o", str(full), "-j", "2")
    assert r.returncode == 1, r.stderr  # the corrupt PDF
    assert len(lines(full / "documents.jsonl")) == 19
    # killed (SIGKILL) in the middle of writing the 6th document
    r = run_cli("convert", str(root), "-o", str(part), "-j", "2", "--quiet", env={KILL_AFTER_ENV: "5"})
    assert r.returncode == -9
    raw = (part / "documents.jsonl").read_bytes()
    assert raw.count(b"\n") == 5 and not raw.endswith(b"\n")  # a partial last line
    assert not (part / "tasks.csv").exists()
    r = run_cli("convert", str(root), "-o", str(part), "-j", "2", "--resume")
    assert r.returncode == 1, r.stderr
    assert "5 skipped" in r.stderr
    assert_same_outputs(full, part)
    # resuming a finished run converts nothing and still gives the same files
    r = run_cli("convert", str(root), "-o", str(part), "-j", "1", "--resume", "--quiet")
    assert r.returncode == 1 and r.stderr == ""
    assert_same_outputs(full, part)


def test_exit_codes_and_progress_lines(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    for i in range(3):
        (good / f"{i}.txt").write_bytes(notice(i))
    r = run_cli("convert", str(good), "-o", str(tmp_path / "o1"), "-j", "1")
    assert r.returncode == 0, r.stderr
    assert "docproc convert: 3/3 done, 0 failed" in r.stderr and "3 converted" in r.stderr  # plain lines, no TTY
    assert r.stdout == ""
    (good / "bad.pdf").write_bytes(CORRUPT_PDF)
    r = run_cli("convert", str(good), "-o", str(tmp_path / "o2"), "-j", "1", "-q")
    assert r.returncode == 1 and r.stderr == ""
    assert [e["code"] for e in lines(tmp_path / "o2" / "errors.jsonl")] == ["unreadable"]
    o3 = tmp_path / "o3"
    for kwargs in ({"inputs": [tmp_path / "missing"]}, {"formats": "docx"}, {"engine": "spark"}, {"jobs": 0},
                   {"scheduler": "tcp://127.0.0.1:1"}, {"inputs": []}):
        args = {"inputs": [good], "formats": None, **kwargs}
        assert run_convert(args.pop("inputs"), o3, quiet=True, **args) == 2, kwargs
    r = run_cli("convert", str(good))  # no -o: typer's usage error
    assert r.returncode == 2, r.stderr
    assert not (tmp_path / "o3").exists()


def test_format_selection(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(notice(1))
    st = convert([root], tmp_path / "o", jobs=1, formats="csv,ics", quiet=True)
    assert st.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["documents.jsonl", "errors.jsonl", "tasks.csv",
                                                                   "tasks.ics"]


def test_hung_documents_time_out_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv(HANG_ENV, "卡住标记")
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(notice(1))
    (root / "soft.txt").write_bytes("卡住标记 一个会卡住的文件".encode("utf-8"))
    (root / "hard.txt").write_bytes("卡住标记 BLOCKSIGNALS 连信号都挡住".encode("utf-8"))
    (root / "z.txt").write_bytes(notice(2))
    st = convert([root], tmp_path / "o", jobs=2, quiet=True, timeout=1.0)
    assert st.exit_code == 1
    errors = {e["path"]: e for e in lines(tmp_path / "o" / "errors.jsonl")}
    assert set(errors) == {"in/soft.txt", "in/hard.txt"}
    assert errors["in/soft.txt"]["code"] == errors["in/hard.txt"]["code"] == "timeout"
    assert "worker killed" in errors["in/hard.txt"]["message"]
    assert [d["source"]["path"] for d in lines(tmp_path / "o" / "documents.jsonl")] == ["in/a.txt", "in/z.txt"]


def test_dask_local_cluster_gives_the_same_outputs(tmp_path):
    distributed = pytest.importorskip("distributed")
    root = _corpus(tmp_path, n=6)
    local, dask_out = tmp_path / "local", tmp_path / "dask"
    assert convert([root], local, jobs=2, quiet=True).exit_code == 1
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        st = convert([root], dask_out, engine="dask", client=client, quiet=True)
    assert st.exit_code == 1 and st.engine == "dask" and st.converted == 11
    assert_same_outputs(local, dask_out)


@pytest.mark.skipif(not (SAMPLES / "notices.zip").exists(), reason="samples/notices.zip not made yet")
def test_samples_zip_names(tmp_path):
    st = convert([SAMPLES / "notices.zip"], tmp_path / "o", jobs=1, quiet=True, formats="report")
    paths = [d["source"]["path"] for d in lines(tmp_path / "o" / "documents.jsonl")]
    errors = [e["path"] for e in lines(tmp_path / "o" / "errors.jsonl")]
    names = paths + errors
    assert names and all(n.startswith("notices.zip!/") for n in names)
    raw = zipfile.ZipFile(SAMPLES / "notices.zip").namelist()
    assert len(names) == len([n for n in raw if not n.endswith("/")])
    assert not any("\u2500" <= ch <= "\u259f" or "\u00c0" <= ch <= "\u00ff" for n in names for ch in n)  # no cp437 mojibake
    assert st.converted == len(paths)


def test_progress_bar_on_a_terminal(tmp_path):
    import pty

    root = tmp_path / "in"
    root.mkdir()
    for i in range(3):
        (root / f"{i}.txt").write_bytes(notice(i))
    master, slave = pty.openpty()
    proc = subprocess.Popen(DOCPROC + ["convert", str(root), "-o", str(tmp_path / "o"), "-j", "1"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT, env={**os.environ, "COLUMNS": "120"})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "3/3" in shown and "doc/s" in shown and "0 failed" in shown and "ETA" in shown
    assert "\x1b[" in shown  # drawn with terminal control sequences, not plain log lines
    assert "docproc convert: 3/3 done" not in shown


def test_output_folder_inside_the_input_is_not_read_back(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(notice(1))
    for _ in range(2):  # the second run finds the first run's outputs under the input folder
        st = convert([root], root / "out", jobs=1, quiet=True, formats="csv")
        assert st.exit_code == 0 and st.discovered == 1
    assert [d["source"]["path"] for d in lines(root / "out" / "documents.jsonl")] == ["in/a.txt"]


def test_resume_after_a_file_changed_keeps_only_its_new_version(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(notice(1))
    (root / "b.txt").write_bytes(notice(2))
    out = tmp_path / "o"
    assert convert([root], out, jobs=1, quiet=True, formats="csv").exit_code == 0
    (root / "b.txt").write_bytes(notice(3))
    st = convert([root], out, jobs=1, quiet=True, formats="csv", resume=True)
    assert st.skipped == 1 and st.converted == 1
    docs = lines(out / "documents.jsonl")
    assert [d["source"]["path"] for d in docs] == ["in/a.txt", "in/b.txt"]
    assert "第3批" in docs[1]["text"]


@pytest.mark.skipif(not (SAMPLES / "pdf").is_dir(), reason="samples/ not made yet")
def test_samples_every_format_converted_or_explained(tmp_path):
    folders = [SAMPLES / d for d in ("text", "html", "docx", "pdf") if (SAMPLES / d).is_dir()]
    folders.append(FIXTURES)  # a .doc and a password-protected PDF
    st = convert(folders, tmp_path / "o", jobs=2, quiet=True)
    docs = lines(tmp_path / "o" / "documents.jsonl")
    errors = lines(tmp_path / "o" / "errors.jsonl")
    files = [p for d in folders for p in d.rglob("*") if p.is_file()]
    assert len(docs) + len(errors) == len(files) == st.discovered
    assert {d["source"]["format"] for d in docs} >= {"txt", "html", "docx", "pdf"} | ({"doc"} if HAVE_DOC else set())
    assert any(e["code"] == "encrypted" and e["path"].endswith("encrypted-004.pdf") for e in errors)
    assert all(e["code"] and e["message"] for e in errors)
    report = (tmp_path / "o" / "report.md").read_text("utf-8")
    assert f"| 已转换文件 | {len(docs)} |" in report
