"""Real archives built byte by byte for the archive and convert tests (no fixtures on disk needed)."""
from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path


def notice(n: int, year: int = 2024) -> bytes:
    """A small, distinct notice with one dated task (UTF-8)."""
    return (f"关于做好第{n}批安全生产检查工作的通知\n"
            f"各区县人民政府，市各有关单位：\n"
            f"为做好第{n}批检查工作，现就有关事项通知如下。\n"
            f"一、请各单位于{year}年{(n % 12) + 1}月20日前将检查方案报市应急管理局。\n"
            f"二、市应急管理局负责汇总，各区县配合。\n"
            f"市应急管理局\n{year}年1月{(n % 27) + 1}日\n").encode("utf-8")


class GbkZipInfo(zipfile.ZipInfo):
    """A ZipInfo whose name is written as GBK bytes without the UTF-8 flag, as Chinese Windows tools do."""

    def _encodeFilenameFlags(self):  # noqa: N802 — zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_bytes(members: dict[str, bytes], gbk: bool = False, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            info = (GbkZipInfo if gbk else zipfile.ZipInfo)(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for name, data in members.items():
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(data), 1704067200
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def sevenzip_bytes(members: dict[str, bytes], password: str | None = None) -> bytes:
    import py7zr

    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password) as z:
        for name, data in members.items():
            z.writestr(data, name)
    return buf.getvalue()


def bomb_zip(mib: int = 200, name: str = "bomb.txt") -> bytes:
    """``mib`` MiB of zeros deflated into one member (about 200 KiB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(mib):
                f.write(block)
    return buf.getvalue()


def with_encrypted_member(base: Path, plain: dict[str, bytes], secret_name: str, secret: bytes) -> bytes:
    """A zip of ``plain`` members plus one member encrypted with a password (``zip -P`` when present,
    else the traditional-encryption flag set on a stored member by hand)."""
    zip_exe = shutil.which("zip")
    if zip_exe:
        work = base / "encwork"
        work.mkdir(parents=True, exist_ok=True)
        (work / secret_name).write_bytes(secret)
        out = base / "enc.zip"
        out.unlink(missing_ok=True)
        subprocess.run([zip_exe, "-q", "-P", "secret", str(out), secret_name], cwd=work, check=True)
        with zipfile.ZipFile(out, "a") as zf:
            for name, data in plain.items():
                zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
        data = out.read_bytes()
        shutil.rmtree(work)
        out.unlink()
        return data
    raw = bytearray(zip_bytes({secret_name: secret, **plain}, compression=zipfile.ZIP_STORED))
    # set general-purpose bit 0 in the first local header and its central directory entry
    raw[6] |= 0x01
    first_cd = raw.find(b"PK\x01\x02")
    raw[first_cd + 8] |= 0x01
    return bytes(raw)


def tgz_bomb(name: str = "zeros.txt", size: int = 100 << 20) -> bytes:
    """A .tar.gz holding one member of ``size`` zero bytes (compresses ~1000:1)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        ti = tarfile.TarInfo(name)
        ti.size = size
        tf.addfile(ti, io.BytesIO(bytes(size)))
    return buf.getvalue()
