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


def test_brackets_and_requests_are_not_titles():
    from docproc.extract.headings import find_headings as fh

    text = "三、有关要求\n（一）各区（县）住房城乡建设局要明确联络员。\n（二）请各分（子）公司于7月10日前报送。\n" \
           "（三）作交流发言的单位请准备发言材料。\n四、其他要求请各单位于3月5日前报送回执。"
    assert [h.title for h in fh(text)] == ["有关要求", "", "", "", "其他要求"]


def test_task_tables_inline_and_one_cell_per_line():
    from docproc.extract.headings import find_tables

    text = ("附件\n任务分工表\n序号\t主要任务\t牵头单位\t配合单位\t完成时限\n（一）源头治理\n"
            "1\t建立工作台账\t市商务局\t市财政局、市税务局\t2024年6月底前\n"
            "2\t开展 专项 检查\t市场监管局\t各区政府\t长期坚持\n附件2\n3 不是表格 的 一行")
    (tb,) = find_tables(text)
    rows = [(r.group, r.cells["task"][0], r.cells["lead"][0], r.cells["partner"][0], r.cells["time"][0])
            for r in tb.rows]
    assert rows == [("（一）源头治理", "建立工作台账", "市商务局", "市财政局、市税务局", "2024年6月底前"),
                    ("（一）源头治理", "开展专项检查", "市场监管局", "各区政府", "长期坚持")]
    a, b = tb.rows[0].cells["task"][1]
    assert text[a:b] == "建立工作台账"
    assert find_tables("序号 姓名 职务 联系电话\n1 张某 科长 123") == []  # a roster, not a task table
