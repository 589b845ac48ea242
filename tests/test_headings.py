"""Section structure: 一、/（一）/1./（1）/一是 on their own lines and inline in flattened text."""
from __future__ import annotations

from docproc.extract.headings import build_sections, find_headings, is_stage_section, section_at


def test_multiline_levels_and_step_window():
    text = "三、实施步骤\n1、宣传发动（2013年5月）。各单位要广泛发动。\n2、组织推进（2013年6月~10月）。\n四、相关要求\n"
    hs = find_headings(text)
    assert [(h.level, h.title) for h in hs] == [(1, "实施步骤"), (3, "宣传发动"), (3, "组织推进"), (1, "相关要求")]
    assert hs[2].paren == "2013年6月~10月"
    assert text[hs[1].body_start:].startswith("各单位")


def test_inline_headings_in_flat_text():
    text = "制定本方案。一、总体要求(一)指导思想。坚持源头治理。2023年目标指标表二、深入调整产业结构(三)淘汰低效落后产能。"
    assert [(h.level, h.title) for h in find_headings(text)] == [
        (1, "总体要求"), (2, "指导思想"), (1, "深入调整产业结构"), (2, "淘汰低效落后产能")]


def test_title_is_not_a_sentence_cut_at_a_comma():
    hs = find_headings("（二）供电企业应根据协议，开展供电安全检查工作。")
    assert hs[0].title == "" and hs[0].body_start == 3


def test_numbers_that_are_not_headings():
    assert find_headings("压减焦化产能1.5万吨，十九届二中、三中全会，第一、二批") == []
    assert find_headings("附件:1.省有关部门名单") == [] or find_headings("附件:1.省有关部门名单")[0].level == 3


def test_sections_nest_and_stage_sections():
    text = "一、工作步骤\n（一）摸底排查。各地要摸底。\n（二）全面整改。\n二、保障措施\n"
    secs = build_sections(text)
    inner = section_at(secs, text.index("各地"))
    assert inner.heading.title == "摸底排查" and inner.parent.heading.title == "工作步骤"
    assert is_stage_section(inner.parent.heading.title) and not is_stage_section("保障措施")
