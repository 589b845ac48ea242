"""Word 97–2003 .doc (OLE2) → text through an external converter, in this order:

1. ``antiword -m UTF-8.txt -w 0`` (one paragraph per line, UTF-8 whatever the locale);
2. LibreOffice headless (``soffice --headless --convert-to txt:Text (encoded):UTF8``, private profile dir,
   timeout);
3. ``catdoc -d utf-8``.

A converter that fails hands over to the next one.  None installed → :class:`MissingTool` naming the
package to install.  Encrypted files → :class:`EncryptedDocument`.  Each non-blank output line is a
paragraph block (antiword renders table cells separated by ``|``: those lines become ``table_row`` blocks).
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from ..errors import EmptyDocument, EncryptedDocument, MissingTool, ProcessingTimeout, UnreadableDocument
from ..model import Block
from . import Ingested
from .text import normalise_newlines, plausibility

INSTALL_HINT = "install antiword (apt-get install antiword) or LibreOffice (apt-get install libreoffice-writer-nogui)"
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009]+")
_ROW = re.compile(r"^\|.*\|$")


# ---------------------------------------------------------------- OLE2 / FIB (just enough to decide)
_END = 0xFFFFFFFA  # sector ids at or above this end a chain


def ole_streams(data: bytes, names: set[str]) -> dict[str, bytes]:
    """Read the named streams of an OLE2 compound file (a minimal, bounds-checked reader)."""
    if data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or len(data) < 512:
        raise ValueError("not an OLE2 compound file")
    ss = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mss = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if ss not in (512, 4096) or mss > ss:
        raise ValueError("bad sector size")
    nfat, first_dir = struct.unpack_from("<II", data, 0x2C)
    cutoff, first_mini, _, first_difat, ndifat = struct.unpack_from("<IIIII", data, 0x38)
    nsec = (len(data) - 512) // ss + 1
    per = ss // 4

    def sector(i: int) -> bytes:
        o = (i + 1) * ss
        if o >= len(data):
            raise ValueError(f"sector {i} beyond the end of the file")
        return data[o:o + ss].ljust(ss, b"\0")

    def chain(start: int, table, limit: int) -> list[int]:
        out, cur = [], start
        while cur < _END:
            if len(out) > limit:
                raise ValueError("sector chain loops")
            out.append(cur)
            cur = table[cur] if cur < len(table) else _END
        return out

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    cur, n = first_difat, 0
    while cur < _END and n < ndifat:
        if n > nsec:
            raise ValueError("DIFAT loops")
        ents = struct.unpack(f"<{per}I", sector(cur))
        difat += ents[:-1]
        cur, n = ents[-1], n + 1
    fat: list[int] = []
    for fs in difat[:nfat]:
        if fs >= _END:
            break
        fat += struct.unpack(f"<{per}I", sector(fs))
    directory = b"".join(sector(i) for i in chain(first_dir, fat, nsec))
    entries = []
    for off in range(0, len(directory) - 127, 128):
        nl = min(struct.unpack_from("<H", directory, off + 64)[0], 64)
        name = directory[off:off + max(nl - 2, 0)].decode("utf-16-le", "replace")
        start, size = struct.unpack_from("<II", directory, off + 116)
        entries.append((name, directory[off + 66], start, size))
    if not entries:
        raise ValueError("empty directory")
    out: dict[str, bytes] = {}
    mini = None
    for name, typ, start, size in entries:
        if typ != 2 or name not in names:
            continue
        if size < cutoff:
            if mini is None:
                minifat: list[int] = []
                for i in chain(first_mini, fat, nsec):
                    minifat += struct.unpack(f"<{per}I", sector(i))
                stream = b"".join(sector(i) for i in chain(entries[0][2], fat, nsec))
                mini = (minifat, stream)
            minifat, stream = mini
            body = b"".join(stream[i * mss:(i + 1) * mss] for i in chain(start, minifat, len(stream) // mss + 1))
        else:
            body = b"".join(sector(i) for i in chain(start, fat, nsec))
        out[name] = body[:size]
    return out


def fib_info(data: bytes) -> dict:
    """What the Word FIB says: ``encrypted``, ``lists`` (automatic numbering in use: LFO count > 0).

    Returns ``{}`` when the file cannot be parsed (the converters will then say what is wrong).
    """
    try:
        st = ole_streams(data, {"WordDocument", "0Table", "1Table"})
        w = st["WordDocument"]
        flags = struct.unpack_from("<H", w, 0x0A)[0]
        info = {"encrypted": bool(flags & 0x0100), "lists": False}
        if info["encrypted"] or struct.unpack_from("<H", w, 2)[0] < 0xC1:  # before Word 97: no FibRgFcLcb97
            return info
        table = st.get("1Table" if flags & 0x0200 else "0Table", b"")
        if struct.unpack_from("<H", w, 152)[0] >= 0x5D:
            fc_lfo, lcb_lfo = struct.unpack_from("<II", w, 154 + 148 * 4)
            if lcb_lfo >= 4 and fc_lfo + 4 <= len(table):
                info["lists"] = struct.unpack_from("<I", table, fc_lfo)[0] > 0
        return info
    except (ValueError, KeyError, struct.error):
        return {}


def _timeout(settings) -> float:
    return float(getattr(settings, "document_timeout_s", 120.0) or 120.0)


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("HOME", tempfile.gettempdir())
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"
    return env


def _run(cmd: list[str], timeout: float, label: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout, env=_env(), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise ProcessingTimeout(f"{Path(cmd[0]).name} took longer than {timeout:.0f} s") from e


def _antiword(path: Path, timeout: float, label: str) -> str:
    exe = shutil.which("antiword")
    p = _run([exe, "-m", "UTF-8.txt", "-w", "0", str(path)], timeout, label)
    err = p.stderr.decode("utf-8", "replace")
    if "encrypted" in err.lower():
        raise EncryptedDocument(f"{label}: the .doc is password-protected")
    if p.returncode != 0:
        raise UnreadableDocument(f"antiword: {_tidy(err, path) or f'exit status {p.returncode}'}")
    return p.stdout.decode("utf-8", "replace")


def _soffice(path: Path, timeout: float, label: str) -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    with tempfile.TemporaryDirectory(prefix="docproc-lo-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        p = _run([exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
                  "txt:Text (encoded):UTF8", "--outdir", tmp, str(path)], timeout, label)
        out = Path(tmp, path.stem + ".txt")
        if not out.exists():
            err = (p.stderr or p.stdout).decode("utf-8", "replace")
            raise UnreadableDocument(f"LibreOffice: {_tidy(err, path) or 'no output'}")
        return out.read_bytes().decode("utf-8-sig", "replace")


def _catdoc(path: Path, timeout: float, label: str) -> str:
    exe = shutil.which("catdoc")
    p = _run([exe, "-d", "utf-8", "-w", str(path)], timeout, label)
    if p.returncode != 0:
        raise UnreadableDocument(f"catdoc: {_tidy(p.stderr.decode('utf-8', 'replace'), path)}")
    return p.stdout.decode("utf-8", "replace")


def _tidy(err: str, path: Path) -> str:
    """A converter's stderr, one line, without its noise (java warnings) and our temporary path."""
    lines = [ln.strip() for ln in err.replace(str(path), "the file").splitlines()
             if ln.strip() and "javaldx" not in ln and not ln.startswith("Warning:")]
    return " ".join(lines)[:200]


TOOLS = (("antiword", ("antiword",), _antiword), ("libreoffice", ("soffice", "libreoffice"), _soffice),
         ("catdoc", ("catdoc",), _catdoc))


def available_tools() -> list[str]:
    return [name for name, exes, _ in TOOLS if any(shutil.which(e) for e in exes)]


def to_blocks(text: str) -> list[Block]:
    """Converter output → blocks: one per non-blank line, ``|a|b|`` table lines → ``table_row``.

    >>> [(b.kind, b.text) for b in to_blocks("   一、总体要求\\n\\n|单位  |时限 |\\n")]
    [('paragraph', '一、总体要求'), ('table_row', '单位\\t时限')]
    """
    blocks = []
    for line in normalise_newlines(text).split("\n"):
        line = line.strip()
        if not line:
            continue
        if _ROW.match(line) and line.count("|") >= 3:
            cells = [c.strip() for c in line.strip("|").split("|")]
            cells = [_SPACES.sub(" ", c) for c in cells if c]
            if cells:
                blocks.append(Block("table_row", "\t".join(cells)))
            continue
        blocks.append(Block("paragraph", _SPACES.sub(" ", line)))
    return blocks


def read(data: bytes, name: str | None = None, settings=None, tools: list[str] | None = None) -> Ingested:
    """Read a .doc; ``tools`` restricts/orders the converters (default: every one installed).

    antiword is fast but does not render automatic list numbering; when the FIB says the document uses
    lists (and ``tools`` is not given), LibreOffice goes first so that labels such as ``一、`` survive.
    """
    label = name or "input"
    info = fib_info(data)
    if info.get("encrypted"):
        raise EncryptedDocument(f"{label}: the .doc is password-protected")
    if tools is not None:
        wanted = list(tools)
    elif info.get("lists"):
        wanted = ["libreoffice", "antiword", "catdoc"]
    else:
        wanted = [n for n, _, _ in TOOLS]
    table = {n: (exes, fn) for n, exes, fn in TOOLS}
    chosen = [(n, table[n][1]) for n in wanted if n in table and any(shutil.which(e) for e in table[n][0])]
    if not chosen:
        raise MissingTool(f"{label}: reading Word .doc files needs an external converter; {INSTALL_HINT}",
                          tool="antiword")
    errors: list[str] = []
    timeouts = 0
    timeout = _timeout(settings)
    with tempfile.TemporaryDirectory(prefix="docproc-doc-") as tmp:
        path = Path(tmp, "document.doc")
        path.write_bytes(data)
        for tool, fn in chosen:
            try:
                text = fn(path, timeout, label)
            except (UnreadableDocument, ProcessingTimeout) as e:
                if isinstance(e, EncryptedDocument):
                    raise
                timeouts += isinstance(e, ProcessingTimeout)
                errors.append(e.message)
                continue
            blocks = to_blocks(text)
            if blocks and not plausibility("".join(b.text for b in blocks[:200])).plausible:
                errors.append(f"{tool} produced garbled text")
                continue
            if blocks:
                meta = {"converter": tool}
                if info.get("lists"):
                    meta["doc_lists"] = True
                return Ingested("\n".join(b.text for b in blocks), "doc", "application/msword", None, blocks, [],
                                meta)
            errors.append(f"{tool} produced no text")
    if errors and all(e.endswith("produced no text") for e in errors):
        raise EmptyDocument(f"{label}: the document has no text")
    if timeouts == len(chosen):
        raise ProcessingTimeout(f"{label}: {'; '.join(errors)}")
    raise UnreadableDocument(f"{label}: cannot read the .doc ({'; '.join(errors)})")
