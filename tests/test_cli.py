"""The ``docproc`` command end to end on the seeds in samples/: real subprocesses, real files, exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

SEEDS = sorted((SAMPLES / "seeds").glob("*.txt"))
DOCPROC = [sys.executable, "-m", "docproc"]


def run(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*DOCPROC, *map(str, args)], capture_output=True, text=True, timeout=300, **kw)


def seed(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))


def test_the_five_seeds_are_in_samples():
    assert [p.name[:3] for p in SEEDS] == ["000", "001", "002", "003", "004"]


def test_extract_prints_one_json_line_per_seed():
    r = run("extract", *SEEDS)
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(docs) == 5
    assert all(d["schema"] == "docproc.notice/1" for d in docs)
    by_name = {d["source"]["name"][:3]: d for d in docs}
    n003 = by_name["003"]["notice"]
    assert n003["doc_number"] == "常建〔2006〕166号"
    assert n003["signed_date"] == "2006-08-22"
    assert n003["doc_type"] == "意见"
    assert n003["recipients"] == ["局属各单位", "机关各处室"]
    assert by_name["000"]["notice"]["doc_number"] == "常建〔2010〕36号"
    # the 003 seed's tasks: the two reporting deadlines, resolved to the signing year
    dues = {t["due"] for t in by_name["003"]["tasks"]}
    assert {"2006-08-31", "2006-10-10"} <= dues
    # every span of every task indexes the clean text
    for d in docs:
        for t in d["tasks"]:
            s, e = t["span"]
            assert 0 <= s < e <= len(d["text"])
            if t["time_text"] and "time_text" in t.get("spans", {}):
                ts, te = t["spans"]["time_text"]
                assert d["text"][ts:te].replace(" ", "") == t["time_text"].replace(" ", "")
    # the truncated web page (seed 001) is partial, with the paywall/truncation reported
    assert by_name["001"]["status"] == "partial"
    assert {"truncated"} <= {i["code"] for i in by_name["001"]["issues"]}


def test_extract_single_file_is_pretty_and_jsonl_flag_gives_one_line():
    pretty = run("extract", seed("002"))
    assert pretty.returncode == 0 and pretty.stdout.startswith("{\n")
    one = run("extract", "--jsonl", seed("002"))
    assert one.returncode == 0 and len(one.stdout.strip().splitlines()) == 1
    assert json.loads(one.stdout) == json.loads(pretty.stdout)


def test_clean_prints_repaired_simplified_text():
    r = run("clean", seed("000"))
    assert r.returncode == 0, r.stderr
    assert "关于进一步加强“满意建设”服务品牌建设的通知" in r.stdout
    assert "(guān)" not in r.stdout and "關" not in r.stdout
    r = run("clean", seed("004"))
    assert "/span>" not in r.stdout and "span lang=" not in r.stdout


def test_a_bad_file_fails_alone_with_exit_1(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    png = tmp_path / "scan.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    r = run("extract", "--jsonl", seed("002"), empty, png)
    assert r.returncode == 1
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["status"] for d in lines] == ["ok", "failed", "failed"]
    assert "empty.txt" in r.stderr and "scan.png" in r.stderr
    assert lines[1]["issues"][0]["code"] == "empty"
    assert lines[2]["source"]["size"] == 72 and len(lines[2]["source"]["sha256"]) == 64
    assert lines[2]["issues"][0]["code"] == "unsupported_format"


@pytest.mark.parametrize("args", [["extract"], ["clean"], ["no-such-command"], ["extract", "--bogus", "x.txt"],
                                  ["clean", "--opencc", "s2t", str(SAMPLES / "README.md")]])
def test_usage_errors_exit_2(args):
    assert run(*args).returncode == 2


def test_missing_file_is_reported(tmp_path):
    r = run("clean", tmp_path / "nope.txt")
    assert r.returncode in (1, 2)
    assert "nope.txt" in r.stderr


def test_time_limit_per_file(tmp_path):
    """Past --timeout a file fails with `timeout` (its failed line is still printed) and the next file runs;
    DOCPROC_DOCUMENT_TIMEOUT_S is the default."""
    r = run("extract", "--jsonl", "--timeout", "0.001", seed("002"), seed("003"))
    assert r.returncode == 1
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["status"] for d in lines] == ["failed", "failed"]
    assert [d["issues"][0]["code"] for d in lines] == ["timeout", "timeout"]
    assert "took longer than 0.001 s (raise it with --timeout)" in r.stderr
    r = run("clean", seed("002"), env={**os.environ, "DOCPROC_DOCUMENT_TIMEOUT_S": "0.001"})
    assert r.returncode == 1 and ": timeout: took longer than 0.001 s" in r.stderr
    r = run("extract", "--jsonl", "--timeout", "0", seed("002"))  # 0: no limit
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "ok"
