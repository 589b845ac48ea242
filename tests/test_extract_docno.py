"""Document numbers: every bracket style, OCR insertions, spaces, agency trimming, cited numbers."""
from __future__ import annotations

import pytest

from docproc.extract.docno import canonical, find_doc_numbers, trim_agency

CASES = [
    # (text, canonical of the first number, cited?)   — written from the corpus
    ("国办发〔2018〕128号", "国办发〔2018〕128号", False),
    ("鲁核应急办[2021]14号关于召开", "鲁核应急办〔2021〕14号", False),
    ("陕发改能电力[2021] 634号", "陕发改能电力〔2021〕634号", False),
    ("鲁汛旱办明电[2020]的43号", "鲁汛旱办明电〔2020〕43号", False),
    ("鲁政字〔2020)67号", "鲁政字〔2020〕67号", False),
    ("鲁政办发(2020)23号", "鲁政办发〔2020〕23号", False),
    ("劳社部发（2008）3号", "劳社部发〔2008〕3号", False),
    ("京政发【2019】05号", "京政发〔2019〕5号", False),
    ("农办机﹝2024﹞3号", "农办机〔2024〕3号", False),
    ("常建［2006］166号", "常建〔2006〕166号", False),
    ("农办机〔2024〕3 号", "农办机〔2024〕3号", False),
    ("鲁财会〔2 021〕13号", "鲁财会〔2021〕13号", False),
    ("国办发明电〔2018〕15号", "国办发明电〔2018〕15号", False),
    ("中共中央办公厅文件中办发〔2020〕39号", "中办发〔2020〕39号", False),
    ("山东省医疗保险事业中心文件鲁医保中心发〔2020〕11号", "鲁医保中心发〔2020〕11号", False),
    ("泉州市自然资源和规划局会议纪要泉资规纪〔2022〕48号", "泉资规纪〔2022〕48号", False),
    ("等级特急·明电鲁政办发明电〔2021〕1号鲁机发号", "鲁政办发明电〔2021〕1号", False),
    ("山东省市场监督管理局鲁市监标函〔2021〕33号", "鲁市监标函〔2021〕33号", False),
    ("的通知》（国办发〔2016〕82号）停止执行", "国办发〔2016〕82号", True),
    ("为贯彻落实《方案》(安监二〔2021〕34号)的要求", "安监二〔2021〕34号", True),
    ("根据国发〔2014〕1号文件", "国发〔2014〕1号", True),
]


@pytest.mark.parametrize("text,want,cited", CASES, ids=[c[1] for c in CASES])
def test_doc_number(text, want, cited):
    d = find_doc_numbers(text)[0]
    assert (d.canonical, d.cited) == (want, cited)
    assert text[d.span[0]:d.span[1]].replace(" ", "").startswith(d.agency)


@pytest.mark.parametrize("text", ["2019年1月9日", "〔2016〕82号", "电话：0531-55761234", "第2021号", "国办发〔18〕3号",
                                  "（2020年）", "[2020]的", ""])
def test_not_a_doc_number(text):
    assert find_doc_numbers(text) == []


def test_parts_and_span():
    text = "各地：国办发〔2019〕03号"
    d = find_doc_numbers(text)[0]
    assert d.parts == {"agency": "国办发", "year": 2019, "serial": 3}
    assert text[d.span[0]:d.span[1]] == "国办发〔2019〕03号"


def test_trim_agency_with_known_issuer():
    run = "山东省人民政府办公厅办公厅便函"
    assert trim_agency(run, ["山东省人民政府办公厅"]) == "办公厅便函"
    assert trim_agency("中办发") == "中办发"


def test_canonical_of_page_metadata():
    assert canonical("常建〔2006〕166号") == "常建〔2006〕166号"
    assert canonical("无") is None and canonical(None) is None
