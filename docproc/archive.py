"""Safe expansion of inputs — files, folders and archives (nested too) — into documents' bytes, in memory.

Shared by ``docproc convert`` and the service. :func:`expand` walks files and folders (recursively, sorted) and
opens archives: ``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz``, ``.7z`` (py7zr) and ``.rar``
(when ``bsdtar`` or ``unrar`` is installed), archives inside archives up to ``archive_max_depth``.
:func:`expand_bytes` does the same for one uploaded file.

Every yielded :class:`Item` records where it came from (``notices.zip!/子目录/通知.txt``, nested
``a.zip!/b.tar.gz!/c.txt``) and carries either the member's bytes or the error that stopped it. A bad member
never stops the others. Nothing is extracted to disk: members are read into memory under the limits of
:class:`docproc.config.Settings`:

- ``max_document_bytes`` per member (counted while reading, never trusting the declared size alone),
- ``archive_max_ratio`` uncompressed/compressed (checked while streaming once a member passes 1 MiB),
- ``archive_max_total_bytes`` and ``archive_max_members`` over the whole tree of one input,
- ``archive_max_depth`` nesting levels.

Member names that escape the root (``../evil.txt``, ``/etc/passwd``, ``C:\\x``) are rejected one by one; zip
names written by Chinese Windows (GBK bytes without the UTF-8 flag) are decoded as GB18030.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import signal
import struct
import subprocess
import tarfile
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .config import Settings, default_settings
from .errors import (ArchiveLimit, DocprocError, EncryptedDocument, MissingTool, ProcessingTimeout, TooLarge,
                     UnreadableDocument, UnsafeArchiveMember, UnsupportedFormat)

SEP = "!/"
CHUNK = 1 << 16
RATIO_FLOOR = 1 << 20  # a member is judged by its compression ratio once it has produced this many bytes
HEAD = 512

# suffix → archive kind; document formats that are zips inside (docx…) are never opened as archives
_MULTI_SUFFIXES = ((".tar.gz", "tar"), (".tar.bz2", "tar"), (".tar.xz", "tar"))
_SUFFIXES = {".zip": "zip", ".tar": "tar", ".tgz": "tar", ".tbz": "tar", ".tbz2": "tar", ".txz": "tar",
             ".7z": "7z", ".rar": "rar"}
_NOT_ARCHIVES = {".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".pptx", ".odt", ".ods", ".odp", ".wps", ".ofd",
                 ".epub", ".jar", ".apk", ".doc", ".pdf", ".txt", ".html", ".htm", ".xml", ".json"}
_SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}  # OS litter in folders and archives


class CorruptArchive(UnreadableDocument):
    """An archive (or one member of it) cannot be read: bad header, bad CRC, truncated stream."""

    code = "corrupt_archive"


class _StopArchive(ArchiveLimit):
    """A limit that ends the whole archive (total size, member count, ratio of a compressed tar stream)."""


@dataclass
class Item:
    """One document found in the inputs: its bytes, or the error that stopped it.

    ``path`` is the display path (``notices.zip!/子目录/通知.txt`` or ``corpus/003.txt``), ``file`` the input
    on disk it came from, ``member`` the archive path (``None`` for a plain file).
    """

    path: str
    file: str
    data: bytes | None = None
    member: str | None = None
    error: DocprocError | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit(SEP, 1)[-1].rsplit("/", 1)[-1]

    @property
    def ok(self) -> bool:
        return self.error is None

    def error_dict(self) -> dict:
        """The ``errors.jsonl`` record: ``file``, ``archive_path``, ``code``, ``message``."""
        e = self.error
        return {"file": self.file, "archive_path": self.member, "path": self.path,
                "code": getattr(e, "code", "error"), "message": str(e)}


# -- names -------------------------------------------------------------------------------------------------
_DRIVE = re.compile(r"^[A-Za-z]:")
_CJK_RANGES = ((0x00B7, 0x00B7), (0x2000, 0x206F), (0x2160, 0x217F), (0x2460, 0x24FF), (0x25A0, 0x25FF),
               (0x3000, 0x30FF), (0x3200, 0x32FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
               (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3134F))


def safe_member_name(name: str) -> str:
    """A member name normalised to ``a/b/c``, or :class:`UnsafeArchiveMember` when it escapes the root.

    >>> safe_member_name("子目录\\\\通知.txt"), safe_member_name("./a//b.txt")
    ('子目录/通知.txt', 'a/b.txt')
    >>> def code(name):
    ...     try:
    ...         return safe_member_name(name)
    ...     except UnsafeArchiveMember as e:
    ...         return e.code
    >>> [code(n) for n in ("../evil.txt", "a/../../evil.txt", "/etc/passwd", "C:\\\\evil.txt", "a\\x00b")]
    ['unsafe_member', 'unsafe_member', 'unsafe_member', 'unsafe_member', 'unsafe_member']
    """
    n = name.replace("\\", "/")
    if "\x00" in n:
        raise UnsafeArchiveMember(f"member name contains NUL: {name!r}")
    if n.startswith("/") or _DRIVE.match(n):
        raise UnsafeArchiveMember(f"absolute member name: {name}")
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveMember(f"member name escapes the archive: {name}")
    return "/".join(parts)


def _plausible_name(s: str) -> bool:
    """Does a decoded file name look like Chinese (or plain ASCII) rather than mojibake?

    >>> _plausible_name("关于印发《方案》的通知.doc"), _plausible_name("\u0368\u05aa.txt")
    (True, False)
    """
    for ch in s:
        o = ord(ch)
        if o < 0x80:
            if o < 0x20:
                return False
            continue
        if not any(lo <= o <= hi for lo, hi in _CJK_RANGES):
            return False
    return True


def _unicode_path_extra(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    """The Info-ZIP Unicode Path extra field (0x7075), when present and matching the raw name."""
    extra = info.extra or b""
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + size]
        if tag == 0x7075 and len(body) > 5 and body[0] == 1:
            (crc,) = struct.unpack_from("<I", body, 1)
            if crc == zlib.crc32(raw):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        i += 4 + size
    return None


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: UTF-8 when flagged, else the Info-ZIP Unicode extra, UTF-8 or GB18030 bytes.

    zipfile decodes names without the UTF-8 flag (bit 0x800) as cp437; names written by Chinese Windows are
    GBK bytes, so they are re-encoded to cp437 and decoded as GB18030 when the result is plausible.

    >>> zi = zipfile.ZipInfo("通知.txt".encode("gbk").decode("cp437"))
    >>> zip_member_name(zi)
    '通知.txt'
    >>> zip_member_name(zipfile.ZipInfo("plain/name.txt"))
    'plain/name.txt'
    """
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # opened with another metadata_encoding: keep what zipfile made of it
        return info.filename
    if raw.isascii():
        return info.filename
    extra = _unicode_path_extra(info, raw)
    if extra:
        return extra
    for enc in ("utf-8", "gb18030"):
        try:
            s = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _plausible_name(s):
            return s
    return info.filename


def _skipped(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base in _SKIP_NAMES


# -- kinds -------------------------------------------------------------------------------------------------
def archive_kind(name: str | None, head: bytes = b"") -> str | None:
    """``zip``, ``tar``, ``7z``, ``rar`` or ``None`` (a document), by suffix, then by magic bytes.

    >>> archive_kind("a.tar.gz"), archive_kind("x.ZIP"), archive_kind("a.docx", b"PK\\x03\\x04"), archive_kind("n.txt")
    ('tar', 'zip', None, None)
    >>> archive_kind("noext", b"7z\\xbc\\xaf\\x27\\x1c"), archive_kind("noext", b"PK\\x03\\x04\\x14\\x00")
    ('7z', 'zip')
    """
    low = (name or "").lower()
    for suffix, kind in _MULTI_SUFFIXES:
        if low.endswith(suffix):
            return kind
    ext = os.path.splitext(low)[1]
    if ext in _SUFFIXES:
        return _SUFFIXES[ext]
    if ext in _NOT_ARCHIVES:
        return None
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if b"[Content_Types].xml" in head[:200] or b"mimetype" in head[:100]:
            return None  # an OOXML / ODF document
        return "zip"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        return "tar"
    return None


# -- limits ------------------------------------------------------------------------------------------------
class Budget:
    """What one input's archive tree may still use: members and uncompressed bytes."""

    def __init__(self, settings: Settings, tmpdir: str | Path | None = None):
        self.s = settings
        self.tmpdir = tmpdir  # where unrar's one temporary copy of an archive may go (never member names)
        self.members = 0
        self.bytes = 0

    def member(self) -> None:
        self.members += 1
        if self.members > self.s.archive_max_members:
            raise _StopArchive(f"more than archive_max_members ({self.s.archive_max_members}) members; the rest "
                               "is skipped", limit="archive_max_members", value=self.s.archive_max_members)

    def add(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.s.archive_max_total_bytes:
            raise self.total_error()

    def total_error(self) -> ArchiveLimit:
        return _StopArchive(f"uncompressed size exceeds archive_max_total_bytes ({self.s.archive_max_total_bytes});"
                            " the rest is skipped", limit="archive_max_total_bytes",
                            value=self.s.archive_max_total_bytes)


def _too_large(name: str, limit: int) -> TooLarge:
    return TooLarge(f"{name}: larger than max_document_bytes ({limit})", limit="max_document_bytes", value=limit)


def _ratio_error(name: str, ratio: float, stop: bool = False) -> ArchiveLimit:
    cls = _StopArchive if stop else ArchiveLimit
    return cls(f"{name}: compression ratio exceeds archive_max_ratio ({ratio:g}) — a zip bomb?"
               + ("; the rest of the archive is skipped" if stop else ""), limit="archive_max_ratio", value=ratio)


def _read_limited(f, name: str, compressed: int, budget: Budget) -> bytes:
    """Read a zip member in chunks: per-document size, compression ratio and total budget checked as it grows."""
    s = budget.s
    chunks, n = [], 0
    while True:
        chunk = f.read(CHUNK)
        if not chunk:
            break
        n += len(chunk)
        if n > RATIO_FLOOR and n > s.archive_max_ratio * max(compressed, 1):
            raise _ratio_error(name, s.archive_max_ratio)
        if n > s.max_document_bytes:
            raise _too_large(name, s.max_document_bytes)
        budget.add(len(chunk))
        chunks.append(chunk)
    return b"".join(chunks)


class _Counting(io.RawIOBase):
    """A read-only stream that counts the (compressed) bytes taken from it."""

    def __init__(self, f):
        self.f, self.n = f, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.f.read(len(b))
        b[:len(data)] = data
        self.n += len(data)
        return len(data)


# -- formats -----------------------------------------------------------------------------------------------
Member = tuple[str, "bytes | DocprocError"]


def _zip_members(src, budget: Budget) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(src if isinstance(src, (str, Path)) else io.BytesIO(src))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise CorruptArchive(f"not a readable zip archive: {e}") from e
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            budget.member()
            raw = zip_member_name(info)
            try:
                name = safe_member_name(raw)
            except UnsafeArchiveMember as e:
                yield raw, e
                continue
            if not name or _skipped(name):
                continue
            if info.flag_bits & 0x1:
                yield name, EncryptedDocument(f"{name}: the member is encrypted (password-protected)")
                continue
            if info.file_size > RATIO_FLOOR and info.file_size > budget.s.archive_max_ratio * max(info.compress_size, 1):
                yield name, _ratio_error(name, budget.s.archive_max_ratio)  # declared; reading checks it again
                continue
            if info.file_size > budget.s.max_document_bytes:
                yield name, _too_large(name, budget.s.max_document_bytes)
                continue
            try:
                with zf.open(info) as f:
                    yield name, _read_limited(f, name, info.compress_size, budget)
            except _StopArchive:
                raise
            except DocprocError as e:
                yield name, e
            except NotImplementedError as e:
                yield name, UnsupportedFormat(f"{name}: {e}")
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as e:
                yield name, CorruptArchive(f"{name}: {e}")


def _tar_members(src, budget: Budget) -> Iterator[Member]:
    own = isinstance(src, (str, Path))
    raw = open(src, "rb") if own else io.BytesIO(src)
    counted = _Counting(raw)
    try:
        yield from _tar_stream(io.BufferedReader(counted, CHUNK), budget, lambda: counted.n)
    finally:
        if own:
            raw.close()


def _tar_stream(fileobj, budget: Budget, compressed: Callable[[], int], mode: str = "r|*") -> Iterator[Member]:
    """The members of a tar stream read once, front to back, under the limits (a ``.tar*`` file, or the tar that
    ``bsdtar`` writes on a pipe); ``compressed()`` is how many bytes of the archive as stored have been consumed to
    produce the stream so far, for the ratio check."""
    try:
        tf = tarfile.open(fileobj=fileobj, mode=mode)
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as e:
        raise CorruptArchive(f"not a readable tar archive: {e}") from e
    with tf:
        it = iter(tf)
        while True:
            try:
                m = next(it)
            except StopIteration:
                break
            except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as e:
                raise CorruptArchive(f"tar stream breaks off: {e}") from e
            if m.isdir():
                continue
            budget.member()
            name, err, skip = m.name, None, False
            try:
                name = safe_member_name(m.name)
                skip = not name or _skipped(name)
            except UnsafeArchiveMember as e:
                err = e
            if err is None and not skip:
                if m.issym() or m.islnk():
                    err = UnsafeArchiveMember(f"{name}: links are not followed")
                elif not m.isfile():
                    err = UnsupportedFormat(f"{name}: not a regular file")
            data = b""
            if m.isfile() and m.size:
                # read even what is rejected: left to tarfile, skipping decompresses it unchecked
                data, read_err = _read_tar_member(tf, m, name, compressed, budget, keep=err is None and not skip)
                err = err or read_err
            if not skip:
                yield name, err if err else data


def _read_tar_member(tf, m, name: str, compressed: Callable[[], int], budget: Budget, keep: bool):
    """Read one member of a tar stream under the limits; returns (data, error)."""
    s = budget.s
    f = tf.extractfile(m)
    chunks, n, err = [], 0, None
    try:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            n += len(chunk)
            pos = m.offset_data + n  # position in the uncompressed stream
            if pos > RATIO_FLOOR and pos > s.archive_max_ratio * max(compressed(), 1):
                raise _ratio_error(name, s.archive_max_ratio, stop=True)
            budget.add(len(chunk))
            if n > s.max_document_bytes:  # keep reading (the stream must pass it) but drop the data
                err, chunks = _too_large(name, s.max_document_bytes), []
            elif keep and err is None:
                chunks.append(chunk)
    except DocprocError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as e:
        raise CorruptArchive(f"{name}: tar stream breaks off: {e}") from e
    return b"".join(chunks), err


class _Sink:
    """A py7zr writer that keeps a member in memory under the limits (raising stops the extraction)."""

    def __init__(self, name: str, factory):
        self.name, self.factory = name, factory
        self.buf = bytearray()
        self.n = 0
        self.error: DocprocError | None = None

    def write(self, data) -> int:
        f = self.factory
        self.n += len(data)
        f.total += len(data)
        f.budget.add(len(data))
        if f.total > RATIO_FLOOR and f.total > f.budget.s.archive_max_ratio * max(f.compressed, 1):
            raise _ratio_error(self.name, f.budget.s.archive_max_ratio, stop=True)
        if self.n > f.budget.s.max_document_bytes:
            self.error, self.buf = _too_large(self.name, f.budget.s.max_document_bytes), bytearray()
        elif self.error is None:
            self.buf += data
        return len(data)

    def read(self, size=None) -> bytes:
        return b""

    def seek(self, offset, whence=0) -> int:
        return 0

    def flush(self) -> None:
        pass

    def size(self) -> int:
        return self.n

    def close(self) -> None:
        pass


def _sink_factory_class():
    from py7zr.io import Py7zIO, WriterFactory

    class Sink(_Sink, Py7zIO):
        pass

    class Factory(WriterFactory):
        def __init__(self, budget: Budget, compressed: int):
            self.budget, self.compressed, self.total = budget, compressed, 0
            self.sinks: dict[str, Sink] = {}

        def create(self, filename: str):
            self.sinks[filename] = sink = Sink(filename, self)
            return sink

    return Factory




def _7z_members(src, budget: Budget) -> Iterator[Member]:
    import py7zr
    from py7zr.exceptions import PasswordRequired

    fobj = src if isinstance(src, (str, Path)) else io.BytesIO(src)
    compressed = os.path.getsize(src) if isinstance(src, (str, Path)) else len(src)
    try:
        sz = py7zr.SevenZipFile(fobj, mode="r")
    except PasswordRequired as e:
        raise EncryptedDocument("the 7z archive is password-protected (encrypted headers)") from e
    except Exception as e:  # py7zr raises a zoo of types on bad input
        raise CorruptArchive(f"not a readable 7z archive: {e}") from e
    with sz:
        if sz.needs_password():
            raise EncryptedDocument("the 7z archive is password-protected")
        order: list[tuple[str, str | None, DocprocError | None]] = []  # (name, archive name, error)
        for fi in sz.list():
            if fi.is_directory:
                continue
            budget.member()
            try:
                name = safe_member_name(fi.filename)
            except UnsafeArchiveMember as e:
                order.append((fi.filename, None, e))
                continue
            if not name or _skipped(name):
                continue
            if getattr(fi, "is_symlink", False):
                order.append((name, None, UnsafeArchiveMember(f"{name}: links are not followed")))
            elif (fi.uncompressed or 0) > budget.s.max_document_bytes:
                order.append((name, None, _too_large(name, budget.s.max_document_bytes)))
            else:
                order.append((name, fi.filename, None))
        targets = [a for _, a, _ in order if a is not None]
        factory = _sink_factory_class()(budget, compressed)
        if targets:
            try:
                sz.extract(targets=targets, factory=factory)
            except DocprocError:
                raise
            except Exception as e:
                raise CorruptArchive(f"7z extraction failed: {e}") from e
        for name, arc, err in order:
            if err is not None:
                yield name, err
                continue
            sink = factory.sinks.get(arc)
            if sink is None:
                yield name, CorruptArchive(f"{name}: missing from the 7z stream")
            else:
                yield name, sink.error or bytes(sink.buf)


STDERR_KEEP = 4096  # bytes of a tool's stderr kept from its start and from its end (bsdtar can print megabytes)
_TOOL_ENV = {"LC_ALL": "C.UTF-8"}  # under LANG=C bsdtar refuses non-ASCII member names


class _Tool:
    """One run of an external tool whose stdout is read as a stream, never held whole.

    stdin comes from a file (``Path``/``str``) or bytes (written by a thread, so a tool that writes before it has
    read everything cannot deadlock); stderr is drained by a thread keeping only its first and last
    :data:`STDERR_KEEP` bytes. ``timeout`` counts the time the tool has our attention: :meth:`pause` stops the
    clock while a generator sits at a ``yield`` (the tool then just blocks on a full pipe), :meth:`resume`
    restarts it; at expiry the tool is killed and :attr:`timed_out` set. The tool runs in its own session
    (no terminal to prompt on: bsdtar asks for passphrases) and :meth:`close` kills its process group and reaps
    it, whatever happened — use it as a context manager.
    """

    def __init__(self, argv: list[str], timeout: float, stdin: "bytes | str | Path | None" = None):
        self.argv, self.timeout = argv, timeout
        self.timed_out = False
        self._left, self._since, self._timer = timeout, 0.0, None
        self._lock = threading.Lock()
        self._reaped = False
        self._head, self._tail, self._dropped = bytearray(), bytearray(), 0
        self._threads: list[threading.Thread] = []
        src = open(stdin, "rb") if isinstance(stdin, (str, Path)) else None
        try:
            self.proc = subprocess.Popen(
                argv, stdin=src or (subprocess.DEVNULL if stdin is None else subprocess.PIPE),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **_TOOL_ENV},
                start_new_session=os.name == "posix")
        finally:
            if src is not None:
                src.close()  # the child has its own descriptor
        self._thread(self._drain_stderr)
        if isinstance(stdin, (bytes, bytearray, memoryview)):
            self._thread(self._feed, bytes(stdin))
        self.resume()

    def _thread(self, target, *args) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name=f"docproc-{Path(self.argv[0]).name}")
        t.start()
        self._threads.append(t)

    def _feed(self, data: bytes) -> None:
        try:
            for i in range(0, len(data), CHUNK):
                self.proc.stdin.write(data[i:i + CHUNK])
        except (OSError, ValueError):  # the tool stopped reading (done, failed or killed)
            pass
        finally:
            try:
                self.proc.stdin.close()
            except (OSError, ValueError):
                pass

    def _drain_stderr(self) -> None:
        try:
            while True:
                chunk = self.proc.stderr.read1(CHUNK)
                if not chunk:
                    return
                room = STDERR_KEEP - len(self._head)
                self._head += chunk[:room]
                rest = chunk[room:] if room > 0 else chunk
                if rest:
                    self._tail += rest
                    if len(self._tail) > STDERR_KEEP:
                        self._dropped += len(self._tail) - STDERR_KEEP
                        del self._tail[:-STDERR_KEEP]
        except (OSError, ValueError):
            pass

    @property
    def stderr(self) -> str:
        """What the tool printed on stderr (at most ``2 * STDERR_KEEP`` bytes of it)."""
        gap = b"\n[...]\n" if self._dropped else b""
        return (bytes(self._head) + gap + bytes(self._tail)).decode("utf-8", "replace").strip()

    def pause(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._left -= time.monotonic() - self._since

    def resume(self) -> None:
        if self._timer is None and not self._reaped:
            self._since = time.monotonic()
            self._timer = threading.Timer(max(self._left, 0.0), self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        self.timed_out = True
        self.kill()

    def kill(self) -> None:
        with self._lock:
            self._kill()

    def _kill(self) -> None:  # with self._lock held: nobody reaps the process meanwhile, so its pid is still its own
        if self._reaped or self.proc.poll() is not None:
            return
        try:
            if os.name == "posix":
                os.killpg(self.proc.pid, signal.SIGKILL)  # the tool and anything it started
            else:
                self.proc.kill()
        except OSError:
            pass

    def wait(self, grace: float | None = None) -> int:
        """The exit status once the tool ends, killing it when its time is up (or after ``grace`` seconds, for a
        tool that is expected to be ending; that kill is not a timeout)."""
        self.pause()
        limit = max(self._left, 0.0)
        with self._lock:
            try:
                return self.proc.wait(timeout=limit if grace is None else min(limit, grace))
            except subprocess.TimeoutExpired:
                self.timed_out = self.timed_out or grace is None or grace >= limit
                self._kill()
                return self.proc.wait()

    def close(self) -> None:
        self.pause()
        with self._lock:
            self._kill()
            try:
                self.proc.stdout.close()
            except OSError:
                pass
            self.proc.wait()
            self._reaped = True
        for t in self._threads:
            t.join(timeout=5)
        for stream in (self.proc.stderr,):
            try:
                stream.close()
            except OSError:
                pass

    def __enter__(self) -> "_Tool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def failure(self, what: str) -> DocprocError:
        """The error for a tool that timed out or exited with a non-zero status."""
        name = Path(self.argv[0]).name
        if self.timed_out:
            return ProcessingTimeout(f"{name} took longer than {self.timeout:g} s on {what}",
                                     limit="document_timeout_s", value=self.timeout)
        msg = self.stderr
        if re.search(r"passphrase", msg, re.I):  # bsdtar prompts (thousands of times) instead of saying so
            lines = [ln for ln in msg.splitlines() if ln.startswith(f"{name}:") and "(null)" not in ln]
            msg = "; ".join(["it asks for a passphrase (encrypted)"] + lines)
        cls = EncryptedDocument if re.search(r"encrypt|password|passphrase", msg, re.I) else CorruptArchive
        return cls(f"{name} cannot read {what}: {msg[:200]}")


def _read_capped(stream, cap: int) -> tuple[bytes, bool]:
    """At most ``cap`` bytes of a stream, read in chunks: ``(data, False)`` at its end, ``(data, True)`` as soon
    as it turns out longer (then ``data`` is its first ``cap + 1`` bytes, the rest unread).

    >>> _read_capped(io.BytesIO(b"abcdef"), 6), _read_capped(io.BytesIO(b"abcdef"), 4)
    ((b'abcdef', False), (b'abcde', True))
    """
    chunks, n = [], 0
    while n <= cap:
        chunk = stream.read(min(CHUNK, cap + 1 - n))
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        n += len(chunk)
    return b"".join(chunks), True


def _bsdtar_members(bsdtar: str, src, budget: Budget, timeout: float, what: str = "the archive") -> Iterator[Member]:
    """The members of any archive libarchive reads (rar here), re-packed by ``bsdtar`` as a pax stream on a pipe
    and read by :func:`_tar_stream` as it comes: the limits apply to the stream, the tool is killed when one trips
    (or when the generator is closed), and the ratio is judged against the archive's size as stored."""
    compressed = os.path.getsize(src) if isinstance(src, (str, Path)) else len(src)
    with _Tool([bsdtar, "-cf", "-", "--format", "pax", "@-"], timeout, stdin=src) as tool:
        members = _tar_stream(tool.proc.stdout, budget, lambda: compressed, mode="r|")
        while True:
            try:
                member = next(members)
            except StopIteration:
                break
            except CorruptArchive as e:  # the stream broke off: the tool's own reason is the better one
                if tool.wait(grace=5.0) > 0 or tool.timed_out:
                    raise tool.failure(what) from e
                raise
            tool.pause()
            try:
                yield member
            finally:
                tool.resume()
        # after the end-of-archive blocks there is only padding; more than that is not a tar stream
        _, more = _read_capped(tool.proc.stdout, 1 << 20)
        if more:
            raise CorruptArchive(f"bsdtar wrote data after the end of {what}")
        if tool.wait() != 0:
            raise tool.failure(what)


def _rar_members(src, budget: Budget) -> Iterator[Member]:
    """RAR through ``bsdtar`` (re-packed as a tar stream on stdout) or ``unrar`` (one member at a time)."""
    bsdtar, unrar = shutil.which("bsdtar"), shutil.which("unrar")
    timeout = max(30.0, budget.s.document_timeout_s)
    if bsdtar:
        yield from _bsdtar_members(bsdtar, src, budget, timeout, "the rar archive")
        return
    if not unrar:
        raise MissingTool("a .rar archive needs `bsdtar` (libarchive-tools) or `unrar` installed")
    yield from _unrar_members(unrar, src, budget, timeout)


def _unrar_members(unrar: str, src, budget: Budget, timeout: float) -> Iterator[Member]:
    s = budget.s
    compressed = os.path.getsize(src) if isinstance(src, (str, Path)) else len(src)
    start = budget.bytes  # the ratio is judged over all this archive's output against its size as stored
    with tempfile.TemporaryDirectory(prefix="docproc-rar-", dir=budget.tmpdir) as tmp:
        path = os.path.join(tmp, "archive.rar")  # a fixed name: member names never touch the disk
        if isinstance(src, (str, Path)):
            shutil.copyfile(src, path)
        else:
            with open(path, "wb") as f:
                f.write(src)
        # a listing longer than this has more names than archive_max_members (a rar name is < 4096 bytes)
        list_cap = 4096 * (s.archive_max_members + 1)
        with _Tool([unrar, "lb", "-p-", path], timeout) as tool:
            listing, more = _read_capped(tool.proc.stdout, list_cap)
            if more:
                tool.kill()
                raise _StopArchive(f"more than archive_max_members ({s.archive_max_members}) members; the rest "
                                   "is skipped", limit="archive_max_members", value=s.archive_max_members)
            if tool.wait() != 0:
                raise tool.failure("the rar archive")
        for raw in listing.decode("utf-8", "replace").splitlines():
            if not raw:
                continue
            try:
                name = safe_member_name(raw)
            except UnsafeArchiveMember as e:
                yield raw, e
                continue
            if _skipped(name):
                continue
            budget.member()
            # read no more than the tightest limit allows, plus one byte to see that it was passed
            ratio_left = int(max(RATIO_FLOOR, s.archive_max_ratio * compressed)) - (budget.bytes - start)
            total_left = s.archive_max_total_bytes - budget.bytes
            cap = max(min(s.max_document_bytes, total_left, ratio_left), 0)
            with _Tool([unrar, "p", "-inul", "-p-", path, raw], timeout) as tool:
                data, more = _read_capped(tool.proc.stdout, cap)
                rc = None if more else tool.wait()
            # (leaving the with block killed and reaped unrar, had it more to say)
            if more:
                if cap == total_left:
                    raise budget.total_error()
                if cap == ratio_left:
                    raise _ratio_error(name, s.archive_max_ratio, stop=True)
                yield name, _too_large(name, s.max_document_bytes)
                continue
            if tool.timed_out:
                yield name, tool.failure(name)
            elif rc != 0:
                yield name, (EncryptedDocument if rc == 11 else CorruptArchive)(f"{name}: unrar exit status {rc}")
            else:
                budget.add(len(data))
                yield name, data


_READERS = {"zip": _zip_members, "tar": _tar_members, "7z": _7z_members, "rar": _rar_members}


# -- expansion ---------------------------------------------------------------------------------------------
def _expand_archive(src, label: str, kind: str, file: str, depth: int, budget: Budget) -> Iterator[Item]:
    s = budget.s
    if depth > s.archive_max_depth:
        yield Item(label, file, member=label if SEP in label else None, error=ArchiveLimit(
            f"{label}: archives nested deeper than archive_max_depth ({s.archive_max_depth})",
            limit="archive_max_depth", value=s.archive_max_depth))
        return
    members = _READERS[kind](src, budget)
    while True:
        try:
            name, got = next(members)
        except StopIteration:
            return
        except DocprocError as e:
            yield Item(label, file, member=label if SEP in label else None, error=e)
            return
        except Exception as e:  # a reader bug must not stop the other inputs
            yield Item(label, file, member=label if SEP in label else None,
                       error=CorruptArchive(f"{label}: {type(e).__name__}: {e}"))
            return
        path = f"{label}{SEP}{name}"
        if isinstance(got, DocprocError):
            yield Item(path, file, member=path, error=got)
            continue
        sub = archive_kind(name, got[:HEAD])
        if sub:
            yield from _expand_archive(got, path, sub, file, depth + 1, budget)
        else:
            yield Item(path, file, data=got, member=path)


def _expand_file(path: Path, label: str, settings: Settings, tmpdir=None) -> Iterator[Item]:
    file = str(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(HEAD)
    except OSError as e:
        yield Item(label, file, error=UnreadableDocument(f"cannot read {file}: {e.strerror or e}"))
        return
    kind = archive_kind(path.name, head)
    if kind:
        yield from _expand_archive(path, label, kind, file, 1, Budget(settings, tmpdir))
        return
    if size > settings.max_document_bytes:
        yield Item(label, file, error=_too_large(label, settings.max_document_bytes))
        return
    try:
        yield Item(label, file, data=path.read_bytes())
    except OSError as e:
        yield Item(label, file, error=UnreadableDocument(f"cannot read {file}: {e.strerror or e}"))


@lru_cache(maxsize=1)
def folder_skip_suffixes() -> frozenset[str]:
    """Suffixes of code/config files a folder walk passes over (``docproc/data/folder_skip_suffixes.txt``).

    >>> ".py" in folder_skip_suffixes() and ".txt" not in folder_skip_suffixes()
    True
    """
    lines = (Path(__file__).parent / "data" / "folder_skip_suffixes.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip().lower() for ln in lines if ln.strip() and not ln.startswith("#"))


def _walk(folder: Path, exclude: frozenset[Path] = frozenset()) -> Iterator[Path]:
    """Files under ``folder``, sorted, hidden entries, OS litter and code/config files skipped, symlinked folders
    not followed, folders in ``exclude`` (resolved paths, e.g. the output folder of a conversion) left out."""
    skip_suffixes = folder_skip_suffixes()
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX"
                         and not (exclude and (Path(root) / d).resolve() in exclude))
        for f in sorted(files):
            if not f.startswith(".") and f not in _SKIP_NAMES and Path(f).suffix.lower() not in skip_suffixes:
                yield Path(root) / f


def input_label(p: Path) -> str:
    """The root of display paths for an input: its own name (so paths do not depend on where it lies)."""
    return p.name or p.resolve().name or str(p)


def expand(inputs: Iterable[str | Path], settings: Settings | None = None,
           exclude: Iterable[str | Path] = (), tmpdir: str | Path | None = None) -> Iterator[Item]:
    """Every document in ``inputs`` (files, folders, archives), in a deterministic order; folders under
    ``exclude`` are not entered; ``tmpdir`` is the only place a temporary file may be made (``unrar`` needs
    the archive as a file)."""
    settings = settings or default_settings()
    skip = frozenset(Path(e).resolve() for e in exclude)
    for inp in inputs:
        p = Path(inp)
        label = input_label(p)
        if p.is_dir():
            for f in _walk(p, skip):
                yield from _expand_file(f, f"{label}/{f.relative_to(p).as_posix()}", settings, tmpdir)
        elif p.is_file():
            yield from _expand_file(p, label, settings, tmpdir)
        else:
            yield Item(label, str(p), error=UnreadableDocument(f"{p}: no such file or folder"))


def expand_bytes(data: bytes, name: str, settings: Settings | None = None,
                 tmpdir: str | Path | None = None) -> Iterator[Item]:
    """The documents in one uploaded file: its members when it is an archive, else the file itself."""
    settings = settings or default_settings()
    kind = archive_kind(name, data[:HEAD])
    if kind:
        yield from _expand_archive(data, name, kind, name, 1, Budget(settings, tmpdir))
    elif len(data) > settings.max_document_bytes:
        yield Item(name, name, error=_too_large(name, settings.max_document_bytes))
    else:
        yield Item(name, name, data=data)


def is_archive(data: bytes, name: str | None) -> bool:
    return archive_kind(name, data[:HEAD]) is not None
