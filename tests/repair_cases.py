"""Load the fixer case tables in tests/data/repair/*.tsv (id, input, expected; ``\\n``, ``\\r``, ``\\t`` and
``\\uXXXX`` escapes in fields) as pytest params."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "repair"
_ESC = re.compile(r"\\(u[0-9a-fA-F]{4}|n|r|t|\\)")


def unescape(s: str) -> str:
    def f(m: re.Match) -> str:
        e = m.group(1)
        return {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}.get(e) or chr(int(e[1:], 16))

    return _ESC.sub(f, s)


def cases(name: str) -> list:
    out = []
    for line in (DATA / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cid, inp, exp = line.split("\t")
        out.append(pytest.param(unescape(inp), unescape(exp), id=cid))
    return out
