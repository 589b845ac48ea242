"""Gold agreement of docproc.extract.dates: every gold task with a time_text, against its start/due.

Each task is checked twice: the phrase alone (``parse_time(time_text, ref=signed_date)``) and in context
(``find_times`` over the source text, the expression at the phrase's place) – some gold values depend on
context the phrase cannot show (a 每年 inherited from earlier in the sentence, the year of a preceding
heading). Known context-only cases are xfail for the phrase check, with the reason.
"""
from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import HAVE_SHARED, SHARED
from docproc.extract.dates import cited_year, find_times, ledger_window, parse_time

# (gold file, time_text) → why the phrase alone cannot give the gold value
CONTEXT_ONLY = {
    ("corpus-007", "每年2月底前"): "start 2019-01-01 comes from an earlier 从2019年起 in the sentence",
    ("corpus-024", "6月20日18：00前"): "no signed date; the year 2014 comes from the document number 国发明电〔2014〕1号",
    ("corpus-034", "11月30日前"): "inherits 每年 from 在每年7月30日前… earlier in the sentence (recurring, no due)",
    ("corpus-036", "3月底前"): "inherits 2020年起，每年 from earlier in the sentence (recurring, start 2020-01-01)",
    ("seed-002", "于5月31日前"): "no signed date; the year 2013 comes from the preceding step heading (2013年5月)",
    ("seed-002", "于11月5日前"): "no signed date; the year 2013 comes from the preceding step heading (2013年11月~12月)",
}


def _ref(g: dict) -> date | None:
    sd = g["notice"].get("signed_date")
    if sd:
        return date.fromisoformat(sd)
    return None


def _text(g: dict) -> str | None:
    path = SHARED / g["input"].replace("seeds/", "seeds_clean/")
    if path.suffix != ".txt" or not path.is_file():
        return None
    raw = path.read_bytes()
    for enc in ("utf-8", "gb18030"):
        try:
            import opencc

            return opencc.OpenCC("t2s").convert(raw.decode(enc))
        except UnicodeDecodeError:
            continue
    return None


def _cases():
    if not HAVE_SHARED:
        return []
    out = []
    for f in sorted((SHARED / "gold").glob("*.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        for i, t in enumerate(g["tasks"]):
            if t.get("time_text"):
                out.append((f.stem, i, g, t))
    return out


CASES = _cases()
pytestmark = pytest.mark.skipif(not CASES, reason="../shared/gold is absent")


def _iso(d):
    return d.isoformat() if d else None


@pytest.mark.parametrize("gid,i,g,t", [
    pytest.param(gid, i, g, t, id=f"{gid}-{i}",
                 marks=[pytest.mark.xfail(reason=CONTEXT_ONLY[(gid, t["time_text"])], strict=True)]
                 if (gid, t["time_text"]) in CONTEXT_ONLY else [])
    for gid, i, g, t in CASES])
def test_gold_phrase(gid, i, g, t):
    st, du = ledger_window(parse_time(t["time_text"], ref=_ref(g)))
    assert (_iso(st), _iso(du)) == (t["start"], t["due"])


_TEXTS: dict = {}
_FOUND: dict = {}


def _in_context(gid, g, t):
    if gid not in _TEXTS:
        _TEXTS[gid] = _text(g)
    text = _TEXTS[gid]
    tt = t["time_text"]
    if not text or tt not in text:
        return None
    cp = text.find(t["content"][:6])
    occ, k = [], text.find(tt)
    while k >= 0:
        occ.append(k)
        k = text.find(tt, k + 1)
    pos = min(occ, key=lambda k: abs(k - cp)) if cp >= 0 else occ[0]
    ref = _ref(g)
    fallback = None
    if ref is None:  # callers without a signed date pass a fallback year: the own number's, else a cited one's
        import re

        m = re.search(r"〔(\d{4})〕", g["notice"].get("doc_number") or "")
        fallback = int(m.group(1)) if m else cited_year(text)
    key = (gid, ref, fallback)
    if key not in _FOUND:
        _FOUND[key] = find_times(text, ref=ref, fallback_year=fallback)
    hits = [x for x in _FOUND[key] if x.span[0] < pos + len(tt) and pos < x.span[1]]
    if not hits:  # event-anchored phrases (换届前, 停电后) are not detected: no dates either way
        return (None, None)
    x = max(hits, key=lambda x: (x.start is not None or x.end is not None or x.kind == "recurring", x.span[1] - x.span[0]))
    return tuple(map(_iso, ledger_window(x)))


# corpus-024 (no signed date, no own number: gold takes 2014 from the CITED 国发明电〔2014〕1号) agrees through
# fallback_year=cited_year(text); no known misses left
CONTEXT_MISSES: dict[str, str] = {}


@pytest.mark.parametrize("gid,i,g,t", [
    pytest.param(gid, i, g, t, id=f"{gid}-{i}",
                 marks=[pytest.mark.xfail(reason=CONTEXT_MISSES[gid], strict=True)] if gid in CONTEXT_MISSES else [])
    for gid, i, g, t in CASES])
def test_gold_in_context(gid, i, g, t):
    got = _in_context(gid, g, t)
    if got is None:
        pytest.skip("phrase not found verbatim in the source text (corruption / spacing)")
    assert got == (t["start"], t["due"])
