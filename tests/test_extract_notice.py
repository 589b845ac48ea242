"""Notice fields on snippets written from the corpus (formatted and flattened), and on the shared gold set."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from docproc.extract.notice import Compact, extract_notice, find_labels
from docproc.model import Notice
from tests.conftest import needs_shared

CASES = json.loads((Path(__file__).parent / "data" / "extract_notice_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_notice_case(case):
    n = extract_notice(case["text"])
    for field, want in case["expect"].items():
        assert getattr(n, field) == want, f"{field}: {getattr(n, field)!r} != {want!r} ({case['note']})"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_spans_point_at_the_values(case):
    """Every string field's span covers its value (whitespace removed: titles are joined across lines);
    a date field's span reads as that date."""
    from docproc.extract.dates import parse_date

    text = case["text"]
    n = extract_notice(text)
    for field, span in n.spans.items():
        value = getattr(n, field, None)
        a, b = span if field in ("doc_number", "doc_type") or isinstance(value, str) else (0, 0)
        if field == "doc_number":
            from docproc.extract.docno import canonical
            assert canonical(text[a:b]) == value
        elif field.endswith("_date"):
            assert parse_date(text[a:b]).isoformat() == value, field
        elif isinstance(value, str) and field not in ("doc_number", "doc_type"):
            assert "".join(text[a:b].split()) == value, field
        assert field in n.rules or field.endswith("_items") or field == "doc_type"


def test_flattened_equals_formatted():
    """The same notice flattened to one line (PDF/OCR) gives the same header fields."""
    case = next(c for c in CASES if c["id"] == "gb-full-header")
    flat = "".join(case["text"].split())
    a, b = extract_notice(case["text"]), extract_notice(flat)
    for field in ("doc_number", "title", "doc_type", "recipients", "signed_date", "attachments", "cc", "copy_no",
                  "urgency", "print_date"):
        assert getattr(a, field) == getattr(b, field), field


def test_cited_number_in_header_zone_is_not_own():
    n = extract_notice("关于转发《国务院办公厅关于加强管理的通知》的通知\n各县人民政府：\n现将《通知》（国办发〔2019〕3号）转发给你们。")
    assert n.doc_number is None and n.title == "关于转发《国务院办公厅关于加强管理的通知》的通知"


def test_page_meta_fills_what_the_text_lacks():
    meta = {"page_meta": {"索 引 号": "000014349/2019-00002", "发文机关": "国务院办公厅", "成文日期": "2019年01月09日",
                          "发文字号": "国办发〔2019〕3号", "发布日期": "2019年01月22日", "标　　题": "关于开展治理工作的通知"}}
    n = extract_notice("现将有关事项通知如下。", meta)
    assert (n.doc_number, n.signed_date, n.issuers, n.index_number, n.publish_date) == (
        "国办发〔2019〕3号", "2019-01-09", ["国务院办公厅"], "000014349/2019-00002", "2019-01-22")
    assert n.rules["doc_number"] == "docno.page_meta" and n.doc_number_parts["serial"] == 3


def test_web_publish_time_is_not_a_signing_date():
    n = extract_notice("住建系统服务品牌创建方案\n时间：2022-08-09 08:43:32\n为进一步增强服务意识，特制定如下实施方案。")
    assert n.signed_date is None and n.doc_type == "方案"


@pytest.mark.parametrize("text", ["", "   \n", "。。。", "附件：", "2021年1月8日", "〔2020〕11号关于", "关于" * 500])
def test_degenerate_input_never_crashes(text):
    assert isinstance(extract_notice(text), Notice)


def test_compact_view_maps_back():
    cp = Compact("国务院办公厅  关于\n印发 通知")
    assert cp.c == "国务院办公厅关于印发通知"
    a, b = cp.span(6, 12)
    assert cp.text[a:b] == "关于\n印发 通知"


def test_labels_found_with_spaces_and_half_width_colons():
    labs = find_labels("附 件:1.名单 抄报：市作风办 联系人：张三")
    assert [x[0] for x in labs] == ["ATTACH", "CC", "CONTACT"]


@needs_shared
def test_gold_header_fields(shared):
    """On the corpus .txt inputs of shared/gold, the header fields reach the issue-3 targets."""
    from docproc.evaluate import PRF, as_list, docno, soft, unit

    fields = {k: PRF() for k in ("doc_number", "title_soft", "doc_type", "signed_date", "issuers", "recipients")}
    for gp in sorted((shared / "gold").glob("*.json")):
        g = json.loads(gp.read_text(encoding="utf-8"))
        if not g["input"].startswith("corpus/") or not g["input"].endswith(".txt"):
            continue
        n = extract_notice((shared / g["input"]).read_text(encoding="utf-8"))
        gn = g["notice"]
        for f, conv in (("doc_number", docno), ("title_soft", soft), ("doc_type", lambda x: x),
                        ("signed_date", lambda x: x)):
            gv = conv(gn.get("title" if f == "title_soft" else f))
            pv = conv(getattr(n, "title" if f == "title_soft" else f))
            fields[f].add([gv] if gv else [], [pv] if pv else [])
        for f in ("issuers", "recipients"):
            fields[f].add([unit(x) for x in as_list(gn[f])], [unit(x) for x in getattr(n, f)])
    targets = {"doc_number": .95, "title_soft": .9, "doc_type": .95, "signed_date": .95, "issuers": .85,
               "recipients": .8}
    for f, t in targets.items():
        assert fields[f].row()[2] >= t, (f, fields[f].row())


@needs_shared
def test_formatted_corpus_flattened_gives_the_same_fields(shared):
    """Every line-broken corpus/seed text, flattened to one line as PDF/OCR extraction does, reads the same."""
    files = sorted((shared / "corpus").glob("*.txt")) + sorted((shared / "seeds_clean").glob("*.txt"))
    checked = 0
    for f in files:
        t = f.read_text(encoding="utf-8")
        if t.count("\n") < 5:
            continue
        a, b = extract_notice(t), extract_notice("".join(t.split()))
        for field in ("doc_number", "title", "recipients", "signed_date", "issuers", "attachments", "cc"):
            assert getattr(a, field) == getattr(b, field), (f.name, field)
        checked += 1
    assert checked >= 10


def test_seal_mark_is_not_part_of_the_issuer():
    n = extract_notice("安康市水利局关于做好汛前检查工作的通知\n各县（市、区）水利局：\n请于4月10日前完成检查。\n"
                       "安康市水利局（盖章）\n2023年3月20日")
    assert n.issuers == ["安康市水利局"] and n.signed_date == "2023-03-20"


@pytest.mark.parametrize("flat", [False, True])
def test_cc_reads_both_chaobao_and_chaosong(flat):
    t = ("孝感市人民政府关于孝南区调整部分行政区划的批复\n孝南区人民政府：\n现批复如下：同意。\n孝感市人民政府\n2022年6月1日\n"
         "抄报：省民政厅。\n抄送：市民政局，市自然资源和规划局。")
    n = extract_notice("".join(t.split()) if flat else t)
    assert n.cc == ["省民政厅", "市民政局", "市自然资源和规划局"] and n.doc_type == "批复"


@pytest.mark.parametrize("text,name", [
    ("联系人：特种设备安全监察处 钱伟，电话：0574-89187236", "钱伟"),
    ("联系人：综合处王五，电话：010-68501234", "王五"),
    ("联系人：张三，电话：010-68501234", "张三"),
    ("联系人：XXX，电话：0531-5576XXXX", "XXX"),
])
def test_contact_name_after_an_office(text, name):
    n = extract_notice("关于开展检查的通知\n各单位：\n请按时报送。\n" + text)
    assert n.contacts and n.contacts[0].name == name and n.contacts[0].phone


def test_flattened_three_character_signer_before_a_place_name():
    n = extract_notice("绵府〔2023〕15号签发人：王建国绵阳市人民政府关于申请支持建设应急物资储备中心的请示四川省人民政府：妥否，请批示。")
    assert n.signers == ["王建国"] and n.title == "绵阳市人民政府关于申请支持建设应急物资储备中心的请示"
