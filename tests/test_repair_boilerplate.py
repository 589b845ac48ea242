"""docproc.repair.boilerplate: chrome, metadata, truncation notes and table residue go; notices stay."""
from __future__ import annotations

import pytest

from docproc.markers import RepairContext, resolve
from docproc.repair import boilerplate, pinyin
from tests.conftest import needs_shared
from tests.repair_cases import cases


@pytest.mark.parametrize("text,expected", cases("boilerplate"))
def test_cases(text, expected):
    out, changes = boilerplate.fix(text, RepairContext())
    assert out == expected
    assert bool(changes) == (text != expected)


META_PAGE = (
    "当前位置：\n浏览次数：\n信息名称：开展“满意服务月”活动\n索\u2002引\u2002号：014109509/2006-00069\n"
    "法定主动公开分类： 公开方式：主动公开\n文件编号：常建〔2006〕166号 发布机构：常州市建设局\n"
    "产生日期：2008-10-16 发布日期：2008-10-16 废止日期：有效\n内容概述：关于组织开展“满意服务月”活动的实施意见\n"
    "开展“满意服务月”活动\n常建〔2006〕166号\n关于组织开展“满意服务月”活动的实施意见\n"
    "根据局《关于开展“满意在建设”活动的意见》每年九月为“满意服务月”的要求，今年9月，局将开展第三个活动。"
)


def test_metadata_block_is_removed_and_kept_as_facts():
    ctx = RepairContext()
    out, _ = boilerplate.fix(META_PAGE, ctx)
    assert out.splitlines()[0] == "常建〔2006〕166号"
    assert "开展“满意服务月”活动\n" not in out  # the title cell of the metadata table
    meta = ctx.facts["page_meta"]
    assert meta["索引号"] == "014109509/2006-00069"
    assert meta["文件编号"] == "常建〔2006〕166号"
    assert meta["发布机构"] == "常州市建设局"
    assert meta["发布日期"] == "2008-10-16"
    assert meta["信息名称"] == "开展“满意服务月”活动"
    assert "法定主动公开分类" not in meta  # empty values are not stored


def test_metadata_key_with_lost_characters():
    lost = "\U000f0000\U000f0001"
    ctx = RepairContext()
    out, _ = boilerplate.fix(f"{lost}号：014109509/2006-00069\n" + META_PAGE.split("\n", 4)[4], ctx)
    assert ctx.facts["page_meta"]["索引号"] == "014109509/2006-00069"
    assert lost not in out


def test_traditional_publish_time():
    ctx = RepairContext()
    out, _ = boilerplate.fix("發表時間:2009/7/15 15:12:27\n" + "近年來,市直機關在積極探索機關履行公共職責的方法和手段上做了許多有益的嘗試,許多單位", ctx)
    assert out.startswith("近年來")
    assert ctx.facts["page_meta"]["发布日期"] == "2009/7/15 15:12:27"


def test_paywall_and_truncation_anchors():
    ctx = RepairContext()
    body = "创建机关服务品牌要始终围绕服务于我市经济社会又快又好发展这个大局，服务于市委市政府确定的中心任务，服务群"
    text = (body + "\n……(新文秘網http://120pk.cn省略448字,正式會員可完整閱讀)…… \n的发展变化。要精心组织服务品牌的实 "
            "……(未完,全文共1978字,當前僅顯示1257字,請閱讀下面提示信息。收藏《意见》\n文章搜索\n相關文章")
    out, changes = boilerplate.fix(text, ctx)
    final, issues = resolve(out, ctx)
    assert final == body + "\n的发展变化。要精心组织服务品牌的实"
    assert [(i.code, i.span) for i in issues] == [("truncated", (len(body), len(body))),
                                                  ("truncated", (len(final), len(final)))]
    assert "448" in issues[0].message and "1257 of 1978" in issues[1].message
    assert "page_meta" not in ctx.facts


def test_clean_notice_costs_nothing():
    text = "各单位：为进一步加强安全生产工作，切实保障人民群众生命财产安全，现将有关事项通知如下。"
    assert boilerplate.fix(text, RepairContext()) == (text, [])


@needs_shared
def test_clean_texts_unchanged(shared):
    """No rule fires on the gold texts or on any corpus notice (their bodies and their 版记)."""
    paths = sorted((shared / "seeds_clean").glob("*.txt")) + sorted((shared / "corpus").glob("*.txt"))
    for p in paths:
        text = p.read_text(encoding="utf-8", errors="replace")
        ctx = RepairContext()
        assert boilerplate.fix(text, ctx) == (text, []), p.name
        assert "page_meta" not in ctx.facts


@needs_shared
def test_seed_chrome_removed(shared):
    """What the fixer removes from the raw seeds is exactly the chrome the gold texts drop."""
    removed = {}
    for p in sorted((shared / "seeds").glob("*.txt")):
        ctx = RepairContext()
        text, _ = pinyin.fix(p.read_text(encoding="utf-8"), ctx)  # the fixer before it in the pipeline
        _, changes = boilerplate.fix(text, ctx)
        removed[p.name[:3]] = [c.before.strip() for c in changes if c.after == ""]
    assert removed["000"][:2] == ["|", "|||||||||"] and len(removed["000"]) == 4
    assert any(r.startswith("您的位置") for r in removed["001"]) and any("省略448字" in r for r in removed["001"])
    assert removed["002"] == ["时间:2022-08-09 08:43:32", "住建系统服务品牌创建方案"]
    assert removed["004"] == ["|"]


def test_omission_at_the_top_leaves_no_empty_line():
    ctx = RepairContext()
    text = "……(本站省略120字,正式会员可完整阅读)……\n" + "各单位要切实加强组织领导，明确责任分工，确保各项工作落到实处，取得实效，不走过场。"
    out, _ = boilerplate.fix(text, ctx)
    final, issues = resolve(out, ctx)
    assert final == text.split("\n")[1]
    assert [(i.code, i.span) for i in issues] == [("truncated", (0, 0))]


def test_generated_fold_table_is_up_to_date():
    """docproc/data/boilerplate_fold_opencc.tsv is what OpenCC gives for today's pattern files (regenerate with
    ``python -m docproc.repair.boilerplate`` after editing a pattern file)."""
    from docproc.repair._chars import load_data_lines
    from docproc.repair.boilerplate import FOLD_GENERATED, opencc_fold_pairs

    shipped = [tuple(line.split("\t")) for line in load_data_lines(FOLD_GENERATED)]
    assert shipped == opencc_fold_pairs()
    assert ("發", "发") in shipped and ("瀏", "浏") in shipped
