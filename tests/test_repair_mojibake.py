"""mojibake fixer: the synthetic peer set (every category), ftfy's CJK cases, and clean text untouched."""
from __future__ import annotations

import json

import pytest

from docproc.markers import RepairContext, resolve
from docproc.repair import mojibake
from tests.conftest import HAVE_SHARED, SHARED, clean_text_files

PEERS = SHARED / "eval" / "peers" / "mojibake"


def run(text: str):
    ctx = RepairContext()
    out, changes = mojibake.fix(text, ctx)
    final, issues = resolve(out, ctx)
    return final, changes, issues


def _rows(name):
    if not HAVE_SHARED or not (PEERS / name).exists():
        return []
    return [json.loads(line) for line in open(PEERS / name, encoding="utf-8")]


SYNTH = [r for r in _rows("zh_mojibake_synthetic.jsonl") if r["category"] != "pdf_kangxi_radical_artifact"]


@pytest.mark.skipif(not SYNTH, reason="../shared/eval/peers/mojibake is absent")
@pytest.mark.parametrize("row", SYNTH, ids=[r["id"] for r in SYNTH])
def test_synthetic(row):
    got, changes, issues = run(row["broken"])
    lost = [i for i in issues if i.code == "lost_chars"]
    want = row["original"]
    if row["recoverability"] == "lossless":
        assert got == want
        assert not lost
    elif row["recoverability"] == "lossy":
        # restored except the destroyed characters, which are reported (rendered □)
        assert len(got) == len(want), got
        assert all(a == b or a == "□" for a, b in zip(got, want)), got
        assert got == want or lost
        assert sum(i.span[1] - i.span[0] for i in lost) == got.count("□")
    else:
        assert lost, got
        assert changes


@pytest.mark.skipif(not _rows("ftfy_cjk_cases.jsonl"), reason="../shared/eval/peers/mojibake is absent")
@pytest.mark.parametrize("row", _rows("ftfy_cjk_cases.jsonl"), ids=lambda r: r["label"])
def test_ftfy_cjk_cases(row):
    assert run(row["original"])[0] == row["fixed"]


@pytest.mark.skipif(not HAVE_SHARED, reason="../shared is absent")
@pytest.mark.parametrize("path", clean_text_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_clean_text_untouched(path):
    text = path.read_text(encoding="utf-8")
    out, changes = mojibake.fix(text, RepairContext())
    assert out == text and not changes


@pytest.mark.parametrize("text", [
    "清洁的文本 ×2，°C，张·三，“引号”……",
    "Café résumé naïve",  # real Latin-1 letters in a Western word: no CJK reading beats them
    "鬃毛与甯字都是真字",  # rare hanzi alone are not mojibake
    "价格为¥100，温度±2℃",
    "走进常州 \u07b5VSƵط 政府信息公开 政务服务 政民互动 VSԤ 数据发布",  # 003's nav garbage (§A.9): left alone
])
def test_negative(text):
    out, changes = mojibake.fix(text, RepairContext())
    assert out == text and not changes


@pytest.mark.parametrize("broken,want", [
    ("鍏充簬鍋氬ソ瀹夊叏宸ヤ綔", "关于做好安全工作"),
    ("¹ØÓÚ×öºÃ", "关于做好"),
    ("å…³äºŽ", "关于"),
    ("Ã¥Â…Â³Ã¤ÂºÂŽ".encode("cp1252", "ignore").decode("cp1252"), None),
])
def test_positive_inline(broken, want):
    got, changes, _ = run("各单位：" + broken + "。")
    if want is not None:
        assert got == "各单位：" + want + "。"
        assert changes and changes[0].at == 4


def test_kunjinkao_width_and_span():
    got, _, issues = run("请于锟斤拷锟斤拷前报送")
    assert got.startswith("请于□") and got.endswith("前报送")
    assert issues and issues[0].code == "lost_chars" and issues[0].span[0] == 2


def test_replacement_run_reported():
    got, _, issues = run("附件\ufffd?1.工作任务分解\ufffd?")
    assert got == "附件□1.工作任务分解□"
    assert [i.span for i in issues] == [(2, 3), (11, 12)]
