"""Acceptance on the five seeds (issue 2): repaired simplified text vs shared/seeds_clean, and clean text through
the repair stage.

Scoring: character accuracy = 1 − Levenshtein(gold, output) / len(gold), both with all whitespace removed
(seeds_clean/NOTES.md: line breaks are only a best guess at paragraphing).
"""
from __future__ import annotations

import re
import subprocess
import sys
from functools import lru_cache

import pytest

from docproc import ingest, repair
from docproc.markers import RepairContext
from docproc.pipeline import clean_text
from docproc.simplify import simplify
from tests.conftest import HAVE_SHARED, SHARED, needs_shared

SEEDS = ["000_e91c830034ea0435", "001_4317c450505966d0", "002_37115b21c65bdb69",
         "003_4a6492579ca8984f", "004_3b4e1c6dcfc22d80"]
MIN_ACCURACY = 0.995
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")
TAG_REMNANT = re.compile(r"/span>|span lang=|/td>|/p>|/a>|/div>|strong>|xml:namespace|&[a-z]+;|\?ensp;")


def levenshtein(a: str, b: str) -> int:
    """Edit distance (Myers/Hyyrö bit-parallel; exact)."""
    if not a or not b:
        return len(a) + len(b)
    peq: dict[str, int] = {}
    for i, c in enumerate(a):
        peq[c] = peq.get(c, 0) | (1 << i)
    full, top = (1 << len(a)) - 1, 1 << (len(a) - 1)
    pv, mv, score = full, 0, len(a)
    for c in b:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        score += 1 if ph & top else -1 if mh & top else 0
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return score


def accuracy(gold: str, out: str) -> float:
    g, o = re.sub(r"\s", "", gold), re.sub(r"\s", "", out)
    return 1 - levenshtein(g, o) / len(g)


def test_levenshtein():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("关于进一步", "关于进一步") == 0
    assert levenshtein("", "abc") == 3 and levenshtein("abc", "") == 3
    assert levenshtein("常建〔2010〕36号", "常建[2010]36號") == 3
    assert accuracy("甲乙 丙丁", "甲乙丙") == 0.75


def _tagshift_unfinished() -> bool:
    from docproc.repair import tagshift

    return tagshift.fix("常建〔2006〕166叶/td>", RepairContext())[0] == "常建〔2006〕166叶/td>"


def _seed_params():
    params = []
    for s in SEEDS:
        marks = []
        if s[:3] in ("003", "004"):
            marks.append(pytest.mark.xfail(condition=_tagshift_unfinished(), strict=False,
                                           reason="needs the tagshift fixer (CORRUPTION.md §A), another engineer's area"))
        params.append(pytest.param(s, marks=marks, id=s[:3]))
    return params


@lru_cache(maxsize=None)
def _clean(seed: str):
    data = (SHARED / "seeds" / f"{seed}.txt").read_bytes()
    got = ingest.read(data, f"{seed}.txt")
    return clean_text(got.text)


@needs_shared
@pytest.mark.parametrize("seed", _seed_params())
def test_seed_accuracy(seed):
    out, _, _ = _clean(seed)
    gold = (SHARED / "seeds_clean" / f"{seed}.txt").read_text(encoding="utf-8")
    acc = accuracy(gold, out)
    assert acc >= MIN_ACCURACY, f"{seed}: {acc:.4f}"


@needs_shared
@pytest.mark.parametrize("seed", _seed_params())
def test_seed_output_is_clean(seed):
    out, _, _ = _clean(seed)
    assert not PINYIN.search(out)
    assert not TAG_REMNANT.search(out), TAG_REMNANT.search(out)
    assert simplify(out)[0] == out  # already simplified
    assert "\n\n" not in out and out == out.strip()


@needs_shared
def test_seed_001_truncation_issues():
    out, _, issues = _clean(SEEDS[1])
    assert [i.code for i in issues] == ["truncated", "truncated"]
    gap, cut = issues
    assert out[:gap.span[0]].endswith("服务群") and out[gap.span[0]:].startswith("\n的发展变化")
    assert cut.span[0] == len(out) and out.endswith("要精心组织服务品牌的实")


@needs_shared
def test_cli_clean_matches_library():
    path = SHARED / "seeds" / f"{SEEDS[0]}.txt"
    res = subprocess.run([sys.executable, "-m", "docproc", "clean", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.rstrip("\n") == _clean(SEEDS[0])[0]


# --- clean text through the repair stage ------------------------------------------------------------------
# The documented normalisations the repair stage may apply to clean text, undone before comparing:
#  * whitespace (spacing.py): line ends, indents, blank lines, spaces inside Chinese text, joined line breaks
#    → all whitespace removed on both sides;
#  * punctuation width (punctuation.py): ASCII , : ; ( ) ? ! " restored to ，：；（）？！“” in Chinese context
#    → full-width folded back to ASCII on both sides;
#  * letter case (spacing.py): listed acronyms glued to ideographs upper-cased (iso9000 → ISO9000)
#    → both sides lower-cased.
_WIDTH = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "？": "?", "！": "!", "“": '"', "”": '"'})


def normalise(text: str) -> str:
    return re.sub(r"\s", "", text).translate(_WIDTH).lower()


def test_normalise():
    assert normalise("各处室：\n  近年来，（见附件）“ISO9000”") == normalise('各处室:近年来,(见附件)"iso9000"')
    assert normalise("关于") != normalise("关于于")


def _clean_paths():
    if not HAVE_SHARED:
        return []
    paths = sorted((SHARED / "seeds_clean").glob("*.txt")) + sorted((SHARED / "corpus").glob("*.txt"))
    return [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in paths]


@needs_shared
@pytest.mark.parametrize("path", _clean_paths())
def test_clean_text_through_repair_unchanged(path):
    text = path.read_text(encoding="utf-8")
    out, _, ctx = repair.run(text, RepairContext())
    assert normalise(out) == normalise(text)
    assert not ctx.anchors  # nothing reported lost or truncated in clean text
