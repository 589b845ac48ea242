"""The .rar readers' tool paths: bsdtar's tar stream read as it comes, unrar's output read in capped chunks.

No ``rar`` tool exists here to make .rar files, so the bsdtar path is driven with archives bsdtar reads just as
well (zip, tar): the code after the tool is the same whatever bsdtar unpacked. The unrar path is driven by a
stand-in ``unrar`` script speaking its ``lb`` / ``p`` command lines. Every test checks that the tool process was
reaped and its helper threads ended.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import threading
import time
import zipfile

import pytest

from docproc import archive
from docproc.archive import Budget, _bsdtar_members, _read_capped, _Tool, _unrar_members, expand_bytes
from docproc.config import Settings

from .archive_builders import bomb_zip, notice, tar_bytes, zip_bytes

BSDTAR = shutil.which("bsdtar")
needs_bsdtar = pytest.mark.skipif(BSDTAR is None, reason="bsdtar (libarchive-tools) is not installed")


@pytest.fixture
def tools(monkeypatch):
    """Every _Tool started during the test; at the end each must be reaped with its threads gone."""
    started: list[_Tool] = []
    init = _Tool.__init__

    def recording_init(self, *a, **kw):
        init(self, *a, **kw)
        started.append(self)

    monkeypatch.setattr(_Tool, "__init__", recording_init)
    yield started
    for t in started:
        assert t.proc.returncode is not None, f"{t.argv} not reaped"
        assert all(not th.is_alive() for th in t._threads), f"{t.argv} left a thread running"
    assert not [th for th in threading.enumerate() if th.name.startswith("docproc-") and th.is_alive()]


def run_bsdtar(data, settings=None, timeout=30.0):
    budget = Budget(settings or Settings())
    out = []
    try:
        for m in _bsdtar_members(BSDTAR, data, budget, timeout):
            out.append(m)
    except Exception as e:  # noqa: BLE001 — the test looks at it
        return out, e, budget
    return out, None, budget


# -- bsdtar ------------------------------------------------------------------------------------------------
@needs_bsdtar
def test_bsdtar_stream_names_bytes_and_traversal(tools, tmp_path):
    members = {"../evil.txt": b"x", "子目录/关于印发方案的通知.txt": notice(1), "/abs.txt": b"y", "b.txt": notice(2)}
    out, err, _ = run_bsdtar(zip_bytes(members))
    assert err is None
    assert [(n, g if isinstance(g, bytes) else g.code) for n, g in out] == [
        ("../evil.txt", "unsafe_member"), ("子目录/关于印发方案的通知.txt", notice(1)), ("/abs.txt", "unsafe_member"),
        ("b.txt", notice(2))]
    # from a file on disk too (bsdtar reads it as its stdin; nothing read into memory first)
    (tmp_path / "t.tar").write_bytes(tar_bytes({"c.txt": notice(3)}, "w"))
    out, err, _ = run_bsdtar(tmp_path / "t.tar")
    assert err is None and out == [("c.txt", notice(3))]
    assert len(tools) == 2


@needs_bsdtar
def test_bsdtar_names_survive_a_c_locale(tools, monkeypatch):
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setenv("LC_ALL", "C")
    out, err, _ = run_bsdtar(zip_bytes({"通知.txt": notice(1)}))
    assert err is None and out == [("通知.txt", notice(1))]


@needs_bsdtar
def test_bsdtar_bomb_stops_early_with_the_ratio_limit(tools):
    """200 MiB of zeros (~200 KiB stored): stopped by archive_max_ratio after a fraction of it was read."""
    bomb = bomb_zip(200)
    out, err, budget = run_bsdtar(bomb)
    assert out == [] and err is not None and err.code == "archive_limit" and "ratio" in str(err)
    # memory bound: what was read is what the ratio allows (+ one chunk), far from the 200 MiB inside
    assert budget.bytes <= 200 * len(bomb) + (1 << 16) < (200 << 20) // 4
    assert tools[0].proc.returncode != 0  # killed, not run to its end


@needs_bsdtar
def test_bsdtar_bomb_inside_an_archive_and_the_rest_kept(tools):
    outer = zip_bytes({"before.txt": notice(1), "inner.zip": bomb_zip(200)}, compression=zipfile.ZIP_STORED)
    out, err, _ = run_bsdtar(outer)
    assert err is None  # the stored outer archive has no ratio; the inner one is judged when opened
    assert [n for n, _ in out] == ["before.txt", "inner.zip"]


@needs_bsdtar
def test_bsdtar_member_size_and_total_limits(tools):
    data = zip_bytes({"big.txt": b"a" * 5000, "small.txt": b"b" * 100, "c.txt": b"c" * 100})
    out, err, _ = run_bsdtar(data, Settings(max_document_bytes=1000))
    assert err is None
    assert [(n, g if isinstance(g, bytes) else g.code) for n, g in out] == [
        ("big.txt", "too_large"), ("small.txt", b"b" * 100), ("c.txt", b"c" * 100)]
    out, err, _ = run_bsdtar(data, Settings(archive_max_total_bytes=5050))
    assert [n for n, _ in out] == ["big.txt"] and err.code == "archive_limit"
    assert "archive_max_total_bytes" in str(err)


@needs_bsdtar
def test_bsdtar_many_members_stop_at_the_member_limit(tools):
    data = zip_bytes({f"d/{i:04}.txt": b"%d" % i for i in range(500)})
    out, err, _ = run_bsdtar(data, Settings(archive_max_members=50))
    assert len(out) == 50 and out[-1] == ("d/0049.txt", b"49")
    assert err is not None and err.code == "archive_limit" and "archive_max_members" in str(err)


@needs_bsdtar
def test_bsdtar_generator_closed_early_reaps_the_tool(tools):
    # the second member is big enough that bsdtar is blocked on the full pipe when the reader stops
    data = tar_bytes({"first.txt": notice(1), "second.bin": bytes(8 << 20), "third.txt": notice(3)}, "w:gz")
    gen = _bsdtar_members(BSDTAR, data, Budget(Settings()), 30.0)
    assert next(gen) == ("first.txt", notice(1))
    gen.close()
    assert len(tools) == 1 and tools[0].proc.returncode is not None


@needs_bsdtar
def test_bsdtar_errors_garbage_and_encrypted(tools, tmp_path):
    out, err, _ = run_bsdtar(b"not an archive at all")
    assert out == [] and err.code == "corrupt_archive" and "Unrecognized archive format" in str(err)
    if shutil.which("zip") is None:
        pytest.skip("needs `zip` to make an encrypted archive")
    (tmp_path / "s.txt").write_bytes(notice(1))
    subprocess.run(["zip", "-q", "-P", "pw", "enc.zip", "s.txt"], cwd=tmp_path, check=True)
    # bsdtar, with no terminal, prompts for a passphrase ~10 000 times on stderr (~170 KB): kept bounded
    out, err, _ = run_bsdtar((tmp_path / "enc.zip").read_bytes())
    assert out == [] and err.code == "encrypted" and len(str(err)) < 300
    assert len(tools[-1].stderr) <= 2 * archive.STDERR_KEEP + 16


@needs_bsdtar
def test_rar_suffix_goes_through_bsdtar_end_to_end(tools):
    """What expand_bytes does with a .rar (here a zip under that name: bsdtar reads both the same way)."""
    data = zip_bytes({"通知.txt": notice(1), "../evil.txt": b"x", "inner.zip": zip_bytes({"n.txt": notice(2)})})
    items = list(expand_bytes(data, "收文.rar"))
    assert [(i.path, i.error.code if i.error else None) for i in items] == [
        ("收文.rar!/通知.txt", None), ("收文.rar!/../evil.txt", "unsafe_member"), ("收文.rar!/inner.zip!/n.txt", None)]
    assert items[0].data == notice(1) and items[2].data == notice(2)
    items = list(expand_bytes(bomb_zip(200), "bomb.rar"))
    assert len(items) == 1 and items[0].path == "bomb.rar" and items[0].error.code == "archive_limit"


def fake_tool(tmp_path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_tool_timeout_kills_and_reports(tools, tmp_path):
    slow = fake_tool(tmp_path, "bsdtar", "sleep 30\n")
    start = time.monotonic()
    gen = _bsdtar_members(slow, b"whatever", Budget(Settings()), 0.5)
    with pytest.raises(archive.ProcessingTimeout) as e:
        list(gen)
    assert e.value.code == "timeout" and time.monotonic() - start < 20
    assert tools[0].timed_out and tools[0].proc.returncode is not None


def test_tool_clock_stops_while_paused(tools):
    tool = _Tool(["sleep", "30"], 0.3)
    with tool:
        tool.pause()
        time.sleep(0.6)
        assert tool.proc.poll() is None and not tool.timed_out  # time at a yield does not count
        assert tool.wait() != 0 and tool.timed_out


def test_tool_stderr_is_bounded_and_cannot_block(tools, tmp_path):
    noisy = fake_tool(tmp_path, "bsdtar", "head -c 5000000 /dev/zero | tr '\\0' x >&2\necho 'bsdtar: the end' >&2\n"
                                          "exit 1\n")
    with pytest.raises(archive.CorruptArchive) as e:
        list(_bsdtar_members(noisy, b"x", Budget(Settings()), 30.0))
    assert len(str(e.value)) < 300
    assert len(tools[0].stderr) <= 2 * archive.STDERR_KEEP + 16 and tools[0].stderr.endswith("bsdtar: the end")


# -- unrar (a stand-in script: the real one is non-free and not installed here) ----------------------------
def test_read_capped_on_a_real_endless_stream(tools):
    assert _read_capped(io.BytesIO(b""), 0) == (b"", False)
    assert _read_capped(io.BytesIO(b"a"), 0) == (b"a", True)
    with _Tool(["yes"], 30.0) as tool:
        data, more = _read_capped(tool.proc.stdout, 3 << 20)
    assert more and len(data) == (3 << 20) + 1 and data.startswith(b"y\ny\n")
    assert tools[0].proc.returncode is not None


FAKE_UNRAR = """\
case "$1" in
  lb) printf 'a.txt\\n../evil.txt\\n子目录/b.txt\\nendless.txt\\nc.txt\\n' ;;
  p) case "$5" in
       a.txt) printf 'alpha' ;;
       子目录/b.txt) printf 'beta' ;;
       c.txt) printf 'gamma' ;;
       endless.txt) exec yes ;;
       *) exit 10 ;;
     esac ;;
esac
"""


def unrar_items(tmp_path, settings):
    unrar = fake_tool(tmp_path, "unrar", FAKE_UNRAR)
    budget = Budget(settings, tmp_path)
    out = []
    try:
        for n, g in _unrar_members(unrar, b"Rar!\x1a\x07\x01\x00" + bytes(100), budget, 30.0):
            out.append((n, g if isinstance(g, bytes) else g.code))
    except Exception as e:  # noqa: BLE001
        return out, e
    return out, None


def test_unrar_path_with_a_stand_in_tool(tools, tmp_path):
    # an endless member stops the archive at the ratio limit (1 MiB floor), after a capped read
    out, err = unrar_items(tmp_path, Settings())
    assert out == [("a.txt", b"alpha"), ("../evil.txt", "unsafe_member"), ("子目录/b.txt", b"beta")]
    assert err.code == "archive_limit" and "ratio" in str(err)
    # a tighter per-document limit: that member alone is too large, the others come out
    out, err = unrar_items(tmp_path, Settings(max_document_bytes=1000))
    assert err is None and out == [("a.txt", b"alpha"), ("../evil.txt", "unsafe_member"), ("子目录/b.txt", b"beta"),
                                   ("endless.txt", "too_large"), ("c.txt", b"gamma")]
    # the total budget is the cap when it is the smallest
    out, err = unrar_items(tmp_path, Settings(archive_max_total_bytes=500))
    assert [n for n, _ in out] == ["a.txt", "../evil.txt", "子目录/b.txt"] and "archive_max_total_bytes" in str(err)
    assert len(tools) == 4 + 5 + 4  # lb, then p per member until the stop; all reaped (see the fixture)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("docproc-rar-")]


def test_unrar_chosen_when_bsdtar_is_absent(tools, tmp_path, monkeypatch):
    unrar = fake_tool(tmp_path, "unrar", FAKE_UNRAR)
    monkeypatch.setattr(archive.shutil, "which", lambda name: unrar if name == "unrar" else None)
    items = list(expand_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(100), "x.rar", Settings(max_document_bytes=100)))
    assert [(i.path, i.error.code if i.error else None) for i in items] == [
        ("x.rar!/a.txt", None), ("x.rar!/../evil.txt", "unsafe_member"), ("x.rar!/子目录/b.txt", None),
        ("x.rar!/endless.txt", "too_large"), ("x.rar!/c.txt", None)]
