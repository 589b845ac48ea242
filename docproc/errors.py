"""A small exception tree with machine-readable codes; the service maps ``http_status`` onto responses."""
from __future__ import annotations


class DocprocError(Exception):
    code = "error"
    http_status = 500

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        d = {"code": self.code, "message": self.message}
        d.update({k: v for k, v in self.details.items() if v is not None})
        return d


class UnsupportedFormat(DocprocError):
    """The bytes are not a format docproc reads (415)."""

    code = "unsupported_format"
    http_status = 415


class UnreadableDocument(DocprocError):
    """The format is known but the file is corrupt, encrypted or empty (422)."""

    code = "unreadable"
    http_status = 422


class EmptyDocument(UnreadableDocument):
    code = "empty"


class EncryptedDocument(UnreadableDocument):
    code = "encrypted"


class MissingTool(DocprocError):
    """A format needs an external program that is not installed (e.g. antiword for .doc)."""

    code = "missing_tool"
    http_status = 422


class TooLarge(DocprocError):
    """An upload or a document exceeds a configured limit (413)."""

    code = "too_large"
    http_status = 413


class ArchiveLimit(DocprocError):
    """An archive breaks a limit: member count, total size, compression ratio, nesting depth (413)."""

    code = "archive_limit"
    http_status = 413


class UnsafeArchiveMember(DocprocError):
    """An archive member name escapes the extraction root (``../evil.txt``, absolute paths) (422)."""

    code = "unsafe_member"
    http_status = 422


class ProcessingTimeout(DocprocError):
    code = "timeout"
    http_status = 422
