"""docproc.archive on real archives built in the test: names, nesting, limits, traversal, bombs, corruption."""
from __future__ import annotations

import io
import tarfile
import zipfile

from docproc.archive import archive_kind, expand, expand_bytes, zip_member_name
from docproc.config import Settings

from .archive_builders import (bomb_zip, notice, sevenzip_bytes, tar_bytes, tgz_bomb, with_encrypted_member,
                               zip_bytes)


def by_path(items):
    return {i.path: i for i in items}


def test_gbk_names_from_chinese_windows(tmp_path):
    data = zip_bytes({"子目录/关于印发方案的通知.txt": notice(1), "通知二.txt": notice(2)}, gbk=True)
    # really written the Windows way: no UTF-8 flag, GBK bytes in the header
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert all(not (i.flag_bits & 0x800) for i in zf.infolist())
    assert "关于".encode("gbk") in data and "关于".encode("utf-8") not in data
    assert sorted(zip_member_name(i) for i in zf.infolist()) == ["子目录/关于印发方案的通知.txt", "通知二.txt"]
    (tmp_path / "notices.zip").write_bytes(data)
    items = by_path(expand([tmp_path / "notices.zip"]))
    assert set(items) == {"notices.zip!/子目录/关于印发方案的通知.txt", "notices.zip!/通知二.txt"}
    it = items["notices.zip!/子目录/关于印发方案的通知.txt"]
    assert it.ok and it.data == notice(1) and it.name == "关于印发方案的通知.txt"
    assert it.member == it.path and it.file == str(tmp_path / "notices.zip")


def test_utf8_flagged_and_ascii_names_unchanged():
    data = zip_bytes({"目录/通知.txt": b"a", "plain.txt": b"b"})
    assert set(by_path(expand_bytes(data, "u.zip"))) == {"u.zip!/目录/通知.txt", "u.zip!/plain.txt"}


def test_nested_archives_record_their_path(tmp_path):
    inner_tgz = tar_bytes({"c.txt": notice(3), "深层/d.txt": notice(4)}, "w:gz")
    inner_7z = sevenzip_bytes({"e.txt": notice(5)})
    bz = tar_bytes({"f.txt": notice(6)}, "w:bz2")
    xz = tar_bytes({"g.txt": notice(7)}, "w:xz")
    outer = zip_bytes({"b.tar.gz": inner_tgz, "x/e.7z": inner_7z, "f.tar.bz2": bz, "g.tar.xz": xz,
                       "plain.tar": tar_bytes({"h.txt": notice(8)}, "w")})
    (tmp_path / "a.zip").write_bytes(outer)
    items = by_path(expand([tmp_path / "a.zip"]))
    assert set(items) == {"a.zip!/b.tar.gz!/c.txt", "a.zip!/b.tar.gz!/深层/d.txt", "a.zip!/x/e.7z!/e.txt",
                          "a.zip!/f.tar.bz2!/f.txt", "a.zip!/g.tar.xz!/g.txt", "a.zip!/plain.tar!/h.txt"}
    assert items["a.zip!/b.tar.gz!/深层/d.txt"].data == notice(4)
    assert items["a.zip!/x/e.7z!/e.txt"].data == notice(5)
    assert all(i.ok for i in items.values())


def test_depth_limit():
    data = notice(1)
    for level in range(4):
        data = zip_bytes({f"l{level}.zip" if level else "n.txt": data})
    settings = Settings(archive_max_depth=3)
    items = list(expand_bytes(data, "top.zip", settings))
    assert len(items) == 1 and items[0].error.code == "archive_limit"
    assert items[0].path == "top.zip!/l3.zip!/l2.zip!/l1.zip"
    assert [i.data for i in expand_bytes(data, "top.zip", Settings(archive_max_depth=4))] == [notice(1)]


def test_path_traversal_rejected_per_member():
    data = zip_bytes({"../evil.txt": b"x", "/abs.txt": b"y", "C:\\win.txt": b"z", "ok/../../up.txt": b"w",
                      "good.txt": notice(1)})
    items = list(expand_bytes(data, "t.zip"))
    codes = sorted(i.error.code for i in items if not i.ok)
    assert codes == ["unsafe_member"] * 4
    assert [i.path for i in items if i.ok] == ["t.zip!/good.txt"]
    tar = tar_bytes({"../evil.txt": b"x", "fine.txt": notice(2)})
    items = list(expand_bytes(tar, "t.tar.gz"))
    assert [(i.path, i.error.code if i.error else None) for i in items] == [
        ("t.tar.gz!/../evil.txt", "unsafe_member"), ("t.tar.gz!/fine.txt", None)]


def test_tar_links_and_special_members():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        link = tarfile.TarInfo("link.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
        ti = tarfile.TarInfo("real.txt")
        ti.size = 3
        tf.addfile(ti, io.BytesIO(b"abc"))
    items = list(expand_bytes(buf.getvalue(), "l.tar"))
    assert [(i.name, i.error.code if i.error else None) for i in items] == [
        ("link.txt", "unsafe_member"), ("real.txt", None)]


def test_zip_bomb_rejected_and_rest_kept():
    bomb = bomb_zip(200)
    assert len(bomb) < 1_000_000
    data = zip_bytes({"before.txt": notice(1), "bomb.zip": bomb, "after.txt": notice(2)}, compression=zipfile.ZIP_STORED)
    items = list(expand_bytes(data, "outer.zip"))
    bad = [i for i in items if not i.ok]
    assert len(bad) == 1 and bad[0].error.code == "archive_limit" and "ratio" in str(bad[0].error)
    assert bad[0].path == "outer.zip!/bomb.zip!/bomb.txt"
    assert [i.name for i in items if i.ok] == ["before.txt", "after.txt"]


def test_tar_gz_bomb_stops_that_archive():
    items = list(expand_bytes(tgz_bomb("zeros.txt"), "b.tgz"))
    assert len(items) == 1 and items[0].error.code == "archive_limit"


def test_size_member_and_total_limits():
    data = zip_bytes({"big.txt": b"a" * 5000, "small.txt": b"b" * 100, "c.txt": b"c" * 100, "d.txt": b"d" * 100})
    items = list(expand_bytes(data, "s.zip", Settings(max_document_bytes=1000)))
    assert [(i.name, i.error.code if i.error else None) for i in items] == [
        ("big.txt", "too_large"), ("small.txt", None), ("c.txt", None), ("d.txt", None)]
    items = list(expand_bytes(data, "s.zip", Settings(archive_max_members=2)))
    assert [i.ok for i in items] == [True, True, False] and items[-1].error.code == "archive_limit"
    items = list(expand_bytes(data, "s.zip", Settings(archive_max_total_bytes=5150)))
    assert [i.ok for i in items] == [True, True, False] and "archive_max_total_bytes" in str(items[-1].error)


def test_declared_size_is_not_trusted():
    """A member whose header claims 10 bytes but inflates to 4 MB is caught while reading."""
    raw = bytearray(zip_bytes({"liar.txt": b"x" * (4 << 20)}))
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist()[0]
    # rewrite the uncompressed size in the local header (offset 22) and the central directory (offset 24)
    raw[22:26] = (10).to_bytes(4, "little")
    cd = raw.find(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    assert zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist()[0].file_size == 10 != info.file_size
    items = list(expand_bytes(bytes(raw), "liar.zip", Settings(max_document_bytes=1 << 20)))
    assert len(items) == 1 and not items[0].ok
    assert items[0].data is None or len(items[0].data) <= 10


def test_encrypted_members(tmp_path):
    data = with_encrypted_member(tmp_path, {"open.txt": notice(1)}, "secret.txt", notice(2))
    items = list(expand_bytes(data, "enc.zip"))
    assert [(i.name, i.error.code if i.error else None) for i in items] == [("secret.txt", "encrypted"), ("open.txt", None)]
    enc7 = sevenzip_bytes({"s.txt": notice(3)}, password="pw")
    items = list(expand_bytes(enc7, "enc.7z"))
    assert len(items) == 1 and items[0].error.code == "encrypted" and items[0].path == "enc.7z"


def test_corrupt_archives_reported():
    good = zip_bytes({"a.txt": notice(1), "b.txt": notice(2)})
    items = list(expand_bytes(good[:40], "cut.zip"))
    assert len(items) == 1 and items[0].error.code == "corrupt_archive"
    # a flipped byte in the second member's data: bad CRC for it, the first one is fine
    zf = zipfile.ZipFile(io.BytesIO(good))
    second = zf.infolist()[1]
    raw = bytearray(good)
    at = second.header_offset + 30 + len(second.filename.encode()) + 5
    raw[at] ^= 0xFF
    items = list(expand_bytes(bytes(raw), "crc.zip"))
    assert items[0].ok and not items[1].ok and items[1].error.code == "corrupt_archive"
    tgz = tar_bytes({"a.txt": notice(1) * 50, "b.txt": notice(2) * 50})
    items = list(expand_bytes(tgz[: len(tgz) // 2], "cut.tar.gz"))
    assert items[-1].error is not None and items[-1].error.code == "corrupt_archive"
    assert list(expand_bytes(b"7z\xbc\xaf\x27\x1cgarbage", "bad.7z"))[0].error.code == "corrupt_archive"


def test_folders_recursive_sorted_and_litter_skipped(tmp_path):
    root = tmp_path / "收文"
    (root / "b").mkdir(parents=True)
    (root / "a.txt").write_bytes(notice(1))
    (root / "b" / "c.txt").write_bytes(notice(2))
    (root / "b" / "d.zip").write_bytes(zip_bytes({"e.txt": notice(3), "__MACOSX/._e.txt": b"x"}))
    (root / ".hidden").write_bytes(b"x")
    (root / "Thumbs.db").write_bytes(b"x")
    paths = [i.path for i in expand([root])]
    assert paths == ["收文/a.txt", "收文/b/c.txt", "收文/b/d.zip!/e.txt"]
    missing = list(expand([tmp_path / "nope"]))
    assert missing[0].error.code == "unreadable"


def test_oversized_plain_file(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"a" * 2000)
    items = list(expand([tmp_path / "big.txt"], Settings(max_document_bytes=1000)))
    assert items[0].error.code == "too_large" and items[0].data is None


def test_archive_kind_by_content():
    assert archive_kind("report.docx", zip_bytes({"word/document.xml": b"x"})) is None
    assert archive_kind("upload", zip_bytes({"a.txt": b"x"})) == "zip"
    assert archive_kind("upload", tar_bytes({"a.txt": b"x"}, "w")) == "tar"


def test_rar_without_tools_is_reported(monkeypatch):
    import docproc.archive

    monkeypatch.setattr(docproc.archive.shutil, "which", lambda name: None)  # as if neither tool were installed
    items = list(expand_bytes(b"Rar!\x1a\x07\x01\x00rest", "x.rar"))
    assert len(items) == 1 and items[0].error.code == "missing_tool"


def test_nothing_touches_the_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = zip_bytes({"../evil.txt": b"x", "a/b.txt": notice(1), "c.7z": sevenzip_bytes({"d.txt": notice(2)})})
    assert len(list(expand_bytes(data, "z.zip"))) == 3
    assert list(tmp_path.iterdir()) == []


def test_tar_bomb_behind_an_unsafe_name_is_still_checked():
    items = list(expand_bytes(tgz_bomb("../zeros.txt"), "b.tgz"))
    assert [i.error.code for i in items] == ["archive_limit"]
