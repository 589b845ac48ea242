"""docproc.extract.dates: the forms notices use (cases written from the corpus and the brief)."""
from __future__ import annotations

from datetime import date

import pytest

from docproc.errors import DocprocError
from docproc.extract.dates import cited_year, find_dates, find_times, ledger_window, parse_date, parse_time

R = date(2021, 3, 1)
D = date.fromisoformat


@pytest.mark.parametrize("phrase,expected", [
    ("2021年1月8日", "2021-01-08"), ("二○一○年二月八日", "2010-02-08"), ("二〇〇四年一月十六日", "2004-01-16"),
    ("一九九六年六月二十九日", "1996-06-29"), ("2024 年 7 月 1 日", "2024-07-01"), ("2 021年2月25日", "2021-02-25"),
    ("二ＯＯ八年十月十六日", "2008-10-16"), ("二OO九年七月十五日", "2009-07-15"), ("二零一九年一月三日", "2019-01-03"),
    ("2008-10-16", "2008-10-16"), ("2009/7/15", "2009-07-15"), ("２０２１年１月８日", "2021-01-08"),
    ("2021年9月31日", None), ("2021年2月29日", None), ("2021年2月", None), ("关于", None), ("", None),
])
def test_parse_date(phrase, expected):
    assert parse_date(phrase) == (D(expected) if expected else None)


def test_find_dates_skips_masks_and_invalid_days():
    text = "国办发〔2019〕3号 2019年9月31日 二〇一九年三月五日"
    assert find_dates(text) == [((23, 32), D("2019-03-05"))]
    assert find_dates(text, masks=[(23, 32)]) == []


# (phrase, kind, start, end, extra) with ref = 2021-03-01
CASES = [
    ("2021年1月8日前", "deadline", None, "2021-01-08", {}),
    ("于2019年4月底前", "deadline", None, "2019-04-30", {}),
    ("12月底前", "deadline", None, "2021-12-31", {"year_explicit": False}),
    ("六月底前", "deadline", None, "2021-06-30", {}),
    ("十二月底前", "deadline", None, "2021-12-31", {}),
    ("到2020年底", "deadline", None, "2020-12-31", {}),
    ("到2023年", "deadline", None, "2023-12-31", {}),
    ("年底前", "deadline", None, "2021-12-31", {}),
    ("年内", "deadline", None, "2021-12-31", {}),
    ("2013年5月", "point", "2013-05-01", "2013-05-31", {"grain": "month"}),
    ("今年9月", "point", "2021-09-01", "2021-09-30", {"year_explicit": False}),
    ("明年", "point", "2022-01-01", "2022-12-31", {"grain": "year"}),
    ("5月上旬", "point", "2021-05-01", "2021-05-10", {"grain": "xun"}),
    ("5月中旬", "point", "2021-05-11", "2021-05-20", {"grain": "xun"}),
    ("5月下旬", "point", "2021-05-21", "2021-05-31", {"grain": "xun"}),
    ("上半年", "point", "2021-01-01", "2021-06-30", {"grain": "half"}),
    ("下半年", "point", "2021-07-01", "2021-12-31", {"grain": "half"}),
    ("第三季度", "point", "2021-07-01", "2021-09-30", {"grain": "quarter"}),
    ("三季度", "point", "2021-07-01", "2021-09-30", {"grain": "quarter"}),
    ("年初", "point", "2021-01-01", "2021-01-31", {"approx": True}),
    ("年末", "point", "2021-12-31", "2021-12-31", {}),
    ("2021年9月31日", "point", "2021-09-30", "2021-09-30", {"clamped": True}),
    ("2013年6月~10月", "range", "2013-06-01", "2013-10-31", {}),
    ("6月至10月", "range", "2021-06-01", "2021-10-31", {}),
    ("2021年至2023年", "range", "2021-01-01", "2023-12-31", {}),
    ("2021-2023年", "range", "2021-01-01", "2023-12-31", {}),
    ("2019年3月—6月", "range", "2019-03-01", "2019-06-30", {}),
    ("2021年11月-12月", "range", "2021-11-01", "2021-12-31", {}),
    ("8月11日至18日", "range", "2021-08-11", "2021-08-18", {}),
    ("自2020年5月26日起至2020年5月29日止", "range", "2020-05-26", "2020-05-29", {}),
    ("从3月1日到6月30日", "range", "2021-03-01", "2021-06-30", {}),
    ("自2021年2月份启动，8月份结束", "range", "2021-02-01", "2021-08-31", {}),
    ("2022年7月至2022年12月", "range", "2022-07-01", "2022-12-31", {}),
    ("3月1日起", "range", "2021-03-01", None, {}),
    ("18：00前", "deadline", None, None, {"time_of_day": "18:00"}),
    ("18:00前", "deadline", None, None, {"time_of_day": "18:00"}),
    ("下午4时前", "deadline", None, None, {"time_of_day": "16:00"}),
    ("于3月5日12:00前", "deadline", None, "2021-03-05", {"time_of_day": "12:00"}),
    ("于8月18日（星期三）下午4时前", "deadline", None, "2021-08-18", {"time_of_day": "16:00"}),
    ("每年2月底前", "recurring", None, None, {"recurrence": "yearly"}),
    ("每年12月20日前", "recurring", None, None, {"recurrence": "yearly"}),
    ("每月28日前", "recurring", None, None, {"recurrence": "monthly"}),
    ("每季度末", "recurring", None, None, {"recurrence": "quarterly"}),
    ("每日上午10时前", "recurring", None, None, {"recurrence": "daily", "time_of_day": "10:00"}),
    ("2020年起每年1月底前", "recurring", "2020-01-01", None, {"recurrence": "yearly"}),
    ("2022年6月起，每月25日前", "recurring", "2022-06-01", None, {"recurrence": "monthly"}),
    ("3天内", "relative", None, None, {"relative": "3天内", "duration": (3.0, "day")}),
    ("10个工作日内", "relative", None, None, {"duration": (10.0, "workday")}),
    ("收到通知后5日内", "relative", None, None, {"relative": "收到通知后5日内"}),
    ("在2—3年内", "relative", None, None, {"duration": (3.0, "year")}),
    ("及时", "relative", None, None, {"relative": "及时"}),
    ("长期", "relative", None, None, {"relative": "长期"}),
]


@pytest.mark.parametrize("phrase,kind,start,end,extra", CASES, ids=[c[0] for c in CASES])
def test_parse_time(phrase, kind, start, end, extra):
    t = parse_time(phrase, ref=R)
    assert t is not None
    assert (t.kind, t.start, t.end) == (kind, start and D(start), end and D(end))
    for k, v in extra.items():
        assert getattr(t, k) == v, k


def test_roll_into_next_year_when_far_before_ref():
    assert parse_time("3月底前", ref=date(2020, 12, 10)).end == D("2021-03-31")
    assert parse_time("10月底前", ref=date(2020, 12, 10)).end == D("2020-10-31")  # within ~2 months: no roll
    assert parse_time("3月底前", ref=date(2020, 12, 10), roll_days=None).end == D("2020-03-31")


def test_year_from_preceding_context_not_from_doc_numbers_or_plan_titles():
    text = "国办发〔2016〕82号。《行动计划（2021-2023年）》：2019年6月底前完成摸底，9月底前完成整改。"
    ts = find_times(text, ref=date(2018, 12, 29), masks=[(0, 12)])
    got = [(t.text, str(t.end), t.year_explicit) for t in ts]
    assert ("9月底前", "2019-09-30", False) in got
    assert all("2016" not in t.text for t in ts)


def test_stale_context_year_falls_back_to_ref():
    ts = find_times("2015年以来成效明显。6月底前完成。", ref=date(2021, 3, 1))
    assert ts[-1].end == D("2021-06-30")


def test_recurrence_inherited_in_the_same_sentence_only():
    ts = find_times("在每年7月30日前完成半年度总结、11月30日前完成年度总结。12月20日前报送。", ref=R)
    assert [(t.kind, t.recurrence) for t in ts] == [("recurring", "yearly"), ("recurring", "yearly"), ("deadline", None)]


def test_recurring_start_from_an_earlier_start_phrase():
    ts = find_times("从2019年起，各有关部门于每年2月底前报送。", ref=date(2018, 12, 6))
    assert ts[-1].kind == "recurring" and ts[-1].start == D("2019-01-01")


def test_spans_index_into_the_original_text():
    text = "各单位于２０２１年６月３０日前报送。"
    (t,) = find_times(text)
    assert text[t.span[0]:t.span[1]] == t.text == "于２０２１年６月３０日前" and t.end == D("2021-06-30")


@pytest.mark.parametrize("text", [
    "国办发〔2019〕3号", "〔2016〕", "[2020]", "电话：0519-85680863", "13912345678", "2700元", "25%", "8家",
    "3.1 总则", "第2条", "1.2.3", "第5项", "20世纪90年代", "2019年版", "要高度重视，加强组织领导。", "统一思想，进一步提高认识",
])
def test_not_dates(text):
    masks = [(0, len(text))] if text.startswith("国办发") else ()
    assert [t for t in find_times(text, ref=R, masks=masks) if t.kind != "relative"] == []


def test_ledger_window():
    assert ledger_window(parse_time("2013年5月")) == (D("2013-05-01"), D("2013-05-31"))
    assert ledger_window(parse_time("2019年上半年")) == (None, D("2019-06-30"))
    assert ledger_window(parse_time("于12月下旬", ref=date(2020, 11, 24))) == (None, D("2020-12-31"))
    assert ledger_window(parse_time("2019年初")) == (None, None)
    assert ledger_window(parse_time("3月9日上午9:00", ref=R)) == (D("2021-03-09"), D("2021-03-09"))
    assert ledger_window(parse_time("3天内")) == (None, None)
    assert ledger_window(None) == (None, None)


def test_bad_input_is_a_clear_error():
    with pytest.raises(DocprocError):
        find_times(None)
    assert parse_time(None) is None and parse_time("   ") is None


def test_long_repetitive_text_finds_nothing():
    assert find_times("统一认识，" * 4000 + "每" * 3000) == []


# --- year context, relative months, a day alone, fallback year ---------------------------------------------------

# corpus/006.txt (国办发明电〔2018〕15号, signed 2018-12-04): the 2019 holiday list
HOLIDAYS_006 = ("一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。\n"
                "二、春节：2月4日至10日放假调休，共7天。2月2日（星期六）、2月3日（星期日）上班。\n"
                "七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。")


def test_range_end_sets_the_year_context():
    ts = find_times("2018年12月30日至2019年1月1日放假；2月4日至10日放假")
    assert [(t.text, t.start, t.end) for t in ts][-1] == ("2月4日至10日", D("2019-02-04"), D("2019-02-10"))


@pytest.mark.parametrize("ref", [date(2018, 12, 4), None])
def test_year_less_date_far_before_the_date_that_set_the_year_moves_to_the_next_year(ref):
    ts = {t.text: t for t in find_times(HOLIDAYS_006, ref=ref)}
    # the nearest explicit year is 2018 (2018年12月29日 上班), but 2月4日 comes ten months before that date:
    # the list has moved into 2019, and stays there
    assert (ts["2月4日至10日"].start, ts["2月4日至10日"].end) == (D("2019-02-04"), D("2019-02-10"))
    assert ts["2月4日至10日"].year_explicit is False
    assert ts["10月1日至7日"].start == D("2019-10-01")
    assert ts["10月12日（星期六）"].end == D("2019-10-12")
    assert ts["2018年12月29日（星期六）"].end == D("2018-12-29")


def test_past_dates_inside_the_period_that_set_the_year_stay_in_it():
    # a 通报 signed 2023-10-12 about 2023年第三季度: 7月8日 is 3 months before signing, but inside the quarter
    text = "2023年第三季度，全市共发生事故12起。7月8日，某区发生坠落事故；9月3日至5日，全市出现强降雨天气。"
    ts = find_times(text, ref=date(2023, 10, 12))
    assert [t.end for t in ts] == [D("2023-09-30"), D("2023-07-08"), D("2023-09-05")]
    # a deadline sets the year but is no such anchor: 3月底前 after 2021年底前 is in 2021
    ts = find_times("到2021年底前全面完成。3月底前完成方案。", ref=date(2021, 1, 5))
    assert [t.end for t in ts] == [D("2021-12-31"), D("2021-03-31")]


def test_rolled_deadlines_follow_the_guideline_roll_only():
    # GUIDELINES: next year only when the deadline falls more than ~2 months before the signing date
    ts = find_times("3月底前完成摸底；11月底前完成整改。", ref=date(2020, 12, 10))
    assert [t.end for t in ts] == [D("2021-03-31"), D("2020-11-30")]


@pytest.mark.parametrize("phrase,ref,kind,start,end", [
    ("本月底前", date(2021, 6, 14), "deadline", None, "2021-06-30"),
    ("本月", date(2021, 6, 14), "point", "2021-06-01", "2021-06-30"),
    ("于本月15日前", date(2021, 6, 14), "deadline", None, "2021-06-15"),
    ("下月15日", date(2021, 6, 14), "point", "2021-07-15", "2021-07-15"),
    ("下个月20号", date(2021, 6, 14), "point", "2021-07-20", "2021-07-20"),
    ("下个月", date(2021, 12, 5), "point", "2022-01-01", "2022-01-31"),
    ("上个月", date(2021, 1, 5), "point", "2020-12-01", "2020-12-31"),
    ("本月10日至20日", date(2021, 6, 14), "range", "2021-06-10", "2021-06-20"),
    ("本月底前", None, "deadline", None, None),  # relative to the reference: nothing without one
])
def test_months_relative_to_the_reference(phrase, ref, kind, start, end):
    t = parse_time(phrase, ref=ref)
    assert (t.kind, t.start, t.end, t.year_explicit) == (kind, start and D(start), end and D(end), False)


@pytest.mark.parametrize("text", ["以下月份的数据", "倒排下一月度工作计划"])
def test_not_relative_months(text):
    assert all("月" not in t.text or t.start is None for t in find_times(text, ref=date(2021, 6, 14)))


@pytest.mark.parametrize("text,ref,expected", [
    ("请于18日前报送", date(2021, 6, 14), ("于18日前", "2021-06-18")),              # the reference month
    ("请于5日前报送", date(2021, 6, 14), ("于5日前", None)),                         # before ref: next month? ambiguous
    ("请于18日前报送", None, ("于18日前", None)),
    ("6月10日召开会议，请于8日前报名", date(2021, 5, 20), ("于8日前", "2021-06-08")),  # month of the same sentence
    ("7月5日召开会议。请于18日前报送", date(2021, 6, 14), ("于18日前", None)),        # another month named before
    ("20号下午5时前报送", date(2021, 6, 14), ("20号下午5时前", "2021-06-20")),
])
def test_day_alone_deadline(text, ref, expected):
    t = find_times(text, ref=ref)[-1]
    assert (t.kind, t.text, t.end and t.end.isoformat()) == ("deadline",) + expected
    if "时" in text:
        assert t.time_of_day == "17:00"


def test_day_alone_inherits_a_monthly_recurrence_and_is_not_a_bare_day():
    ts = find_times("每月10日前报送，20日前反馈。", ref=R)
    assert [(t.kind, t.recurrence) for t in ts] == [("recurring", "monthly"), ("recurring", "monthly")]
    assert find_times("18日召开", ref=R) == [] and find_times("于18日前往北京", ref=R) == []
    assert [t.kind for t in find_times("于6月18日前往北京", ref=R)] == ["point"]


@pytest.mark.parametrize("phrase,start,end", [
    ("1月3", "2021-01-03", "2021-01-03"), ("截至1月3", None, "2021-01-03"), ("1月3至1月5", "2021-01-03", "2021-01-05"),
])
def test_month_day_without_ri_at_the_end_of_a_phrase(phrase, start, end):
    t = parse_time(phrase, ref=date(2021, 1, 2))
    assert (t.start, t.end) == (start and D(start), D(end))
    assert parse_time("1月3项任务", ref=date(2021, 1, 2)).grain == "month"  # not a day: 3 counts 项


def test_fallback_year_without_a_signing_date():
    text = "现将《…的通知》（国发明电〔2014〕1号）转发你们。各市（州）于6月20日18：00前报送自查报告。"
    assert [t.end for t in find_times(text)] == [None]
    assert cited_year(text) == 2014
    (t,) = find_times(text, fallback_year=cited_year(text))
    assert (t.end, t.time_of_day, t.year_explicit) == (D("2014-06-20"), "18:00", False)
    assert parse_time("今年6月底前", fallback_year=2014).end == D("2014-06-30")
    assert parse_time("6月底前", ref=date(2021, 3, 1), fallback_year=2014).end == D("2021-06-30")  # ref wins
    assert find_times("2019年工作。6月底前", fallback_year=2014)[-1].end == D("2019-06-30")  # text year wins
    assert parse_time("3月底前", fallback_year=2014).end == D("2014-03-31")  # never rolled
    assert parse_time("本月底前", fallback_year=2014).end is None  # a month relative to ref needs ref
    with pytest.raises(DocprocError):
        find_times("6月底前", fallback_year="2014")
