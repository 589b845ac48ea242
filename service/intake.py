"""Uploads → documents' bytes: bounded reads, archive expansion (``docproc.archive``) and the service's policy.

Policy at submit time (so the client hears about it at once, and nothing of a rejected upload is kept):

* an archive that breaks an archive limit anywhere (member count, total uncompressed size, compression ratio,
  nesting depth) is rejected whole: **413** ``archive_limit`` naming the limit;
* an archive with a member name that escapes the root (``../x``, ``/etc/x``, ``C:\\x``) is rejected whole:
  **422** ``unsafe_member``;
* an archive that cannot be opened at all: **422** (``corrupt_archive``, ``encrypted``…);
* other member problems (one corrupt or oversized member) become failed documents of the job; the rest runs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fastapi import UploadFile

from docproc.archive import SEP, expand_bytes, is_archive
from docproc.errors import ArchiveLimit, DocprocError, TooLarge, UnsafeArchiveMember

from .errors import ApiError

READ_CHUNK = 1 << 20


@dataclass
class Upload:
    name: str
    data: bytes
    sha256: str
    content_type: str | None = None

    @property
    def archive(self) -> bool:
        return is_archive(self.data, self.name)


@dataclass
class Entry:
    """One document of a job: bytes (stored by hash) or the error that stopped it at expansion."""

    name: str
    member: str | None
    data: bytes | None
    sha256: str | None
    error: dict | None = None
    size: int | None = None


def limit_error(setting: str, limit: int, what: str) -> ApiError:
    return ApiError(413, "too_large", f"{what} exceeds the {_human(limit)} limit (DOCPROC_{setting.upper()})",
                    limit=limit, setting=f"DOCPROC_{setting.upper()}")


def _human(n: int) -> str:
    """A byte count for people.

    >>> _human(50 * 1024 * 1024), _human(1500), _human(12)
    ('50 MiB', '1.5 KB', '12 bytes')
    """
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    if n >= 1000:
        return f"{n / 1000:g} KB"
    return f"{n} bytes"


def clean_name(name: str | None, i: int) -> str:
    """The base name of an uploaded file (browsers may send paths).

    >>> clean_name("C:\\\\Users\\\\x\\\\通知.txt", 0), clean_name(None, 2), clean_name("../../a.txt", 0)
    ('通知.txt', 'upload-3', 'a.txt')
    """
    n = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return n[:255] or f"upload-{i + 1}"


async def read_uploads(files: list[UploadFile], settings) -> list[Upload]:
    """Read each uploaded file (spooled to disk by the multipart parser) under ``max_document_bytes``."""
    out = []
    for i, f in enumerate(files):
        name = clean_name(f.filename, i)
        h, chunks, n = hashlib.sha256(), [], 0
        while True:
            chunk = await f.read(READ_CHUNK)
            if not chunk:
                break
            n += len(chunk)
            if n > settings.max_document_bytes:
                raise limit_error("max_document_bytes", settings.max_document_bytes, f"{name}")
            h.update(chunk)
            chunks.append(chunk)
        out.append(Upload(name, b"".join(chunks), h.hexdigest(), f.content_type))
    return out


def expand(upload: Upload, settings):
    """Yield :class:`Entry` for every document in one upload; raise :class:`ApiError` when policy rejects it."""
    for item in expand_bytes(upload.data, upload.name, settings):
        e = item.error
        if e is not None:
            if isinstance(e, ArchiveLimit):
                raise ApiError(413, e.code, f"{upload.name}: {e.message}", **e.details)
            if isinstance(e, UnsafeArchiveMember):
                raise ApiError(422, e.code, f"{upload.name}: {e.message}", member=item.path)
            if item.member is None or SEP not in item.path:  # the upload itself could not be opened
                status = e.http_status if isinstance(e, DocprocError) else 422
                raise ApiError(status, getattr(e, "code", "unreadable"), f"{upload.name}: {e}")
            err = {"http_status": getattr(e, "http_status", 422), "code": getattr(e, "code", "error"),
                   "message": str(e)}
            if isinstance(e, TooLarge):
                err.update(e.details)
            yield Entry(item.name, item.member, None, None, err)
            continue
        data = item.data or b""
        yield Entry(item.name, item.member, data, hashlib.sha256(data).hexdigest(), size=len(data))
