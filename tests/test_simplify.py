"""docproc.simplify + docproc.repair.postsimplify, and the OpenCC peer cases through the whole pipeline."""
from __future__ import annotations

import pytest

from docproc.config import Settings
from docproc.errors import DocprocError
from docproc.pipeline import clean_text
from docproc.repair import postsimplify
from docproc.simplify import CONFIGS, simplify
from tests.conftest import HAVE_SHARED, SHARED, needs_shared

OPENCC = SHARED / "eval" / "peers" / "opencc"


def test_default_is_t2s():
    assert simplify("關於進一步加強") == ("关于进一步加强", 4)


@pytest.mark.parametrize("config,text,expected", [
    ("t2s", "滑鼠裡面的矽二極體壞了", "滑鼠里面的矽二极体坏了"),
    ("tw2sp", "滑鼠裡面的矽二極體壞了", "鼠标里面的硅二极管坏了"),
    ("tw2s", "著裝汙染", "着装污染"),
    ("hk2s", "潮濕灶台", "潮湿灶台"),
    ("hk2sp", "機率", "几率"),
])
def test_configs_differ(config, text, expected):
    assert simplify(text, config)[0] == expected


def test_unknown_config_is_a_docproc_error():
    with pytest.raises(DocprocError, match="unknown OpenCC config"):
        simplify("關於", "s2twp")


def test_simplified_text_unchanged():
    text = "关于进一步加强“满意建设”服务品牌建设的通知（见附件）"
    for cfg in CONFIGS:
        assert simplify(text, cfg) == (text, 0)


@pytest.mark.parametrize("text,expected", [
    ("随著我国民主和法治进程的加快", "随着我国民主和法治进程的加快"),
    ("沿著正确方向，意味著", "沿着正确方向，意味着"),
    ("紧接著，本著实事求是的原则", "紧接着，本着实事求是的原则"),
    ("朝著目标，顺著思路，看著", "朝着目标，顺着思路，看着"),
    ("著名的著作，成效显著，著称，卓著", "著名的著作，成效显著，著称，卓著"),
    ("向著名专家学习，本著作", "向著名专家学习，本著作"),
    ("慰藉著受伤的心灵", "慰藉著受伤的心灵"),  # OpenCC's t2s/hk2s expectation: not in the trigger list
])
def test_postsimplify_zhe(text, expected):
    out, changes = postsimplify.fix(text, None)
    assert out == expected
    assert len(changes) == sum(1 for a, b in zip(text, out) if a != b)


def test_pipeline_applies_postsimplify_after_opencc():
    out, repairs, _ = clean_text("隨著我國民主和法治進程的加快")
    assert out == "随着我国民主和法治进程的加快"
    assert [r.fixer for r in repairs][-2:] == ["t2s", "post_simplify"]


def _peer_cases():
    if not HAVE_SHARED:
        return []
    out = []
    for cfg in CONFIGS:
        path = OPENCC / f"{cfg}.tsv"
        for line in path.read_text(encoding="utf-8").split("\n")[2:]:  # comment line, header line
            if line.strip():
                cid, text, expected = line.split("\t")
                out.append(pytest.param(cfg, text, expected, id=f"{cfg}:{cid}"))
    return out


@needs_shared
@pytest.mark.parametrize("config,text,expected", _peer_cases())
def test_opencc_peer_case_through_pipeline(config, text, expected):
    """Every OpenCC upstream case passes through repair + simplify + postsimplify unchanged by our fixers."""
    out, _, issues = clean_text(text, Settings(opencc_config=config))
    assert out == expected
    assert issues == []


@needs_shared
def test_peer_case_counts():
    assert len(_peer_cases()) == 55 + 32 + 53 + 21 + 8
