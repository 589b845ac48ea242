"""docproc.extract.dates: the extent of a time expression (its span and text).

Regressions: a trailing newline inside the span (``2024年4月—6月\\n``), a relative limit that swallowed the clause
subject (``各区县应急管理局要在收到通知后3个工作日内``). The conventions (docs/dates.md, *Spans*): an expression never
starts or ends with whitespace and never crosses a line break; it starts at its preposition (于5月31日前,
在收到通知后3个工作日内) or at a time qualifier before it (原则上于…), never at the clause subject or a duty
modal (要 应 须 请 务必 …).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import HAVE_SHARED, SHARED
from docproc.extract.dates import find_times

R = date(2024, 5, 6)
DATA = Path(__file__).parent / "data"


def _one(text, **kw):
    ts = find_times(text, ref=R, **kw)
    assert len(ts) == 1, [(t.kind, t.text) for t in ts]
    t = ts[0]
    assert text[t.span[0]:t.span[1]] == t.text
    return t


# --- 1. whitespace and line breaks -----------------------------------------------------------------------

def test_range_before_a_newline_ends_at_its_last_character():
    t = _one("一、动员部署阶段（2024年4月—6月\n）")
    assert (t.kind, t.text, t.span) == ("range", "2024年4月—6月", (9, 19))
    assert (str(t.start), str(t.end)) == ("2024-04-01", "2024-06-30")


def test_date_before_a_newline_ends_at_its_last_character():
    t = _one("完成时限：2024年5月6日\n下一行")
    assert (t.kind, t.text, t.span) == ("point", "2024年5月6日", (5, 14))


@pytest.mark.parametrize("text,expected", [
    ("完成时限：2024年5月6日 下一项", "2024年5月6日"),
    ("2018年12月29日\xa0\xa0\xa0\xa0\n", "2018年12月29日"),  # a signature date padded with no-break spaces
    ("于5月31日前 \n", "于5月31日前"),
    ("下午4时 \n", "下午4时"),
    ("收到通知后3个工作日内\u3000\n", "收到通知后3个工作日内"),
])
def test_no_trailing_whitespace(text, expected):
    assert _one(text).text == expected


@pytest.mark.parametrize("text,texts", [
    ("2024年\n5月", ["2024年", "5月"]),
    ("5月\n31日前", ["5月", "31日前"]),
    ("8月11日\n至18日", ["8月11日"]),           # not a range: 至18日 alone is no expression
    ("2024年4月\n—6月", ["2024年4月", "6月"]),
    ("于\n5月31日前", ["5月31日前"]),            # the preposition stays on its line
    ("收到通知后\n3个工作日内", ["3个工作日内"]),  # the anchor does not join across the line break
    ("6月20日\n18：00前", ["6月20日", "18：00前"]),
])
def test_nothing_joins_across_a_line_break(text, texts):
    ts = find_times(text, ref=R)
    assert [t.text for t in ts] == texts
    assert all("\n" not in t.text for t in ts)


def test_spaces_inside_an_expression_still_join():
    t = _one("请于2024 年 7 月 1 日前报送")
    assert (t.text, str(t.end)) == ("于2024 年 7 月 1 日前", "2024-07-01")


def test_a_year_on_its_own_line_still_gives_the_context():
    ts = find_times("2024年\n5月", ref=date(2021, 1, 1))
    assert [str(t.end) for t in ts] == ["2024-12-31", "2024-05-31"]


# --- 2. where a relative limit starts --------------------------------------------------------------------

@pytest.mark.parametrize("text,expected,relative,duration", [
    # the brief's case: the subject and the modal stay out, the preposition stays in (as in 于5月31日前)
    ("各区县应急管理局要在收到通知后3个工作日内报送", "在收到通知后3个工作日内", "收到通知后3个工作日内", (3.0, "workday")),
    ("各地应于收到本通知之日起10日内", "于收到本通知之日起10日内", "收到本通知之日起10日内", (10.0, "day")),
    ("请在会后5个工作日内", "在会后5个工作日内", "会后5个工作日内", (5.0, "workday")),
    ("自发文之日起30日内", "自发文之日起30日内", "发文之日起30日内", (30.0, "day")),
    ("自收到申请之日起20个工作日内作出决定", "自收到申请之日起20个工作日内", "收到申请之日起20个工作日内", (20.0, "workday")),
    ("务必于收到通知后3日内", "于收到通知后3日内", "收到通知后3日内", (3.0, "day")),
    ("各单位收到通知后3日内上报", "收到通知后3日内", "收到通知后3日内", (3.0, "day")),  # no marker: the receiving verb
    ("由财政部门在收到材料后15天内完成登记", "在收到材料后15天内", "收到材料后15天内", (15.0, "day")),
    ("由财政部门收到材料后15天内完成登记", "收到材料后15天内", "收到材料后15天内", (15.0, "day")),
    ("登记应于各市继续教育结束后的15天内完成", "于各市继续教育结束后的15天内", "各市继续教育结束后的15天内", (15.0, "day")),
    ("各单位原则上在收到通知后5日内", "原则上在收到通知后5日内", "收到通知后5日内", (5.0, "day")),
    ("须在10个工作日内", "在10个工作日内", "10个工作日内", (10.0, "workday")),
    # words that only contain a marker character are not markers: 申请 (请), 应急 (应), 要求 (要)
    ("申请受理后5个工作日内", "申请受理后5个工作日内", "申请受理后5个工作日内", (5.0, "workday")),
    ("应急响应结束后10日内", "应急响应结束后10日内", "应急响应结束后10日内", (10.0, "day")),
    ("会议结束后3日内", "会议结束后3日内", "会议结束后3日内", (3.0, "day")),
])
def test_relative_limit_starts_at_its_anchor(text, expected, relative, duration):
    t = _one(text)
    assert (t.kind, t.text, t.relative, t.duration) == ("relative", expected, relative, duration)
    assert t.span[0] == text.index(expected)


def test_relative_limit_after_an_earlier_expression_in_the_clause():
    ts = find_times("今年各单位要在收到通知后3日内完成", ref=R)
    assert [(t.kind, t.text) for t in ts] == [("point", "今年"), ("relative", "在收到通知后3日内")]


def test_start_now_words_stay_a_start_of_their_own():
    ts = find_times("各单位自即日起30日内完成自查", ref=R)
    assert [(t.kind, t.text, t.start) for t in ts] == [("range", "自即日起", R), ("relative", "30日内", None)]


@pytest.mark.parametrize("text,expected", [
    ("各单位应于5月31日前报送", "于5月31日前"),   # a duty modal is the predicate's, not the phrase's
    ("各单位要在5月31日前报送", "在5月31日前"),
    ("各单位须于2024年5月31日前报送", "于2024年5月31日前"),
    ("原则上于5月31日前报送", "原则上于5月31日前"),  # a qualifier of the time stays
    ("力争到2025年底前完成", "力争到2025年底前"),
    ("国务院办公厅关于2019年部分节假日安排的通知", "2019年"),  # 关于 is no preposition
    ("各单位于2024年6月30日前报送", "于2024年6月30日前"),   # …but 单位于 is one
    ("对于2023年度的结余资金", "2023年度"),
])
def test_deadline_prefix_is_the_preposition(text, expected):
    assert _one(text).text == expected


def test_section_number_is_not_a_duration():
    assert find_times("17.1 天然橡胶初加工机械\n17.1.1 生胶成型设备", ref=R) == []
    assert _one("在1.5个工作日内").duration == (1.5, "workday")


# --- 3. the texts we have: no expression ends in whitespace, crosses a line, or starts at a duty modal -------

_MODAL_START = ("要", "应", "须", "请", "务必", "必须", "需")


def _check_spans(name, text):
    bad = []
    for t in find_times(text, ref=R):
        if (t.text != t.text.strip() or "\n" in t.text or "\r" in t.text or t.text.startswith(_MODAL_START)
                or text[t.span[0]:t.span[1]] != t.text):
            bad.append((name, t.kind, t.text))
    return bad


def test_spans_in_the_repository_texts():
    files = sorted(DATA.rglob("*.txt"))
    assert len(files) >= 12
    bad = [b for f in files for b in _check_spans(f.name, f.read_text(encoding="utf-8", errors="replace"))]
    assert bad == []


def test_heldout_relative_notice_keeps_the_owner_out_of_the_time_span():
    text = (DATA / "tasks_heldout2" / "city_relative_urgent.txt").read_text(encoding="utf-8")
    rel = [t for t in find_times(text, ref=R) if t.kind == "relative" and t.duration]
    assert [t.text for t in rel[:2]] == ["在收到通知后3个工作日内", "于收到通知后5个工作日内"]
    k = text.index("各区县应急管理局要在收到通知后")
    assert rel[0].span[0] == k + len("各区县应急管理局要")


@pytest.mark.skipif(not HAVE_SHARED, reason="../shared is absent")
def test_spans_in_the_shared_corpus():
    import opencc

    cc = opencc.OpenCC("t2s")
    files = sorted((SHARED / "corpus").glob("*.txt")) + sorted((SHARED / "seeds_clean").glob("*.txt"))
    assert files
    bad, long = [], []
    for f in files:
        raw = f.read_bytes()
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError:
            s = raw.decode("gb18030", errors="replace")
        s = cc.convert(s)
        bad += _check_spans(f.name, s)
        long += [(f.name, t.text) for t in find_times(s, ref=R) if len(t.text) > 25]
    assert bad == []
    assert long == []  # the longest are ranges such as 2018年12月30日至2019年1月1日 (21 characters)


def test_gold_relative_phrases_are_found_with_their_anchor():
    """The gold's anchored limits (corpus-032) start inside the clause, after 应于 / 由财政部门在."""
    if not HAVE_SHARED:
        pytest.skip("../shared is absent")
    import opencc

    g = json.loads((SHARED / "gold" / "corpus-032.json").read_text(encoding="utf-8"))
    text = opencc.OpenCC("t2s").convert((SHARED / g["input"]).read_bytes().decode("utf-8"))
    rel = {t.relative: t for t in find_times(text, ref=date.fromisoformat(g["notice"]["signed_date"]))
           if t.kind == "relative"}
    for tt in ("各市继续教育结束后的15天内", "收到材料后15天内"):
        assert tt in [x["time_text"] for x in g["tasks"]]
        assert tt in rel and rel[tt].text in ("于" + tt, "在" + tt)
