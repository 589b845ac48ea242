"""Plain text reader. (minimal placeholder: to be completed with full charset detection)"""
from __future__ import annotations

from . import Ingested


def read(data, name=None, settings=None):
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return Ingested(data.decode(enc), "txt", "text/plain", enc.replace("-sig", ""))
        except UnicodeDecodeError:
            pass
    return Ingested(data.decode("utf-8", "replace"), "txt", "text/plain", "utf-8")
