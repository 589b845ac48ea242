"""Traditional → simplified with OpenCC (t2s by default; tw2sp, hk2s, tw2s, hk2sp selectable)."""
from __future__ import annotations

from functools import lru_cache

from .errors import DocprocError

CONFIGS = ("t2s", "tw2s", "tw2sp", "hk2s", "hk2sp")


class UnknownOpenCCConfig(DocprocError, ValueError):
    """``opencc_config`` names no configuration docproc supports."""

    code = "bad_config"
    http_status = 422


@lru_cache(maxsize=None)
def _converter(config: str):
    import opencc

    if config not in CONFIGS:
        raise UnknownOpenCCConfig(f"unknown OpenCC config {config!r}; choose one of {', '.join(CONFIGS)}")
    return opencc.OpenCC(f"{config}.json")


def simplify(text: str, config: str = "t2s") -> tuple[str, int]:
    """Return (simplified text, number of characters changed).

    >>> simplify("關於進一步加強")
    ('关于进一步加强', 4)
    """
    out = _converter(config).convert(text)
    if len(out) == len(text):
        changed = sum(1 for a, b in zip(text, out) if a != b)
    else:
        changed = abs(len(out) - len(text)) + sum(1 for a, b in zip(text, out) if a != b)
    return out, changed
