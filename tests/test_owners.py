"""Owner phrases → lead/owners/partners (cases written from the corpus as short snippets)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from docproc.extract.owners import find_owner_tags, looks_like_unit, parse_owner_phrase, split_units, subject_owners

DATA = Path(__file__).parent / "data" / "owner_phrases.tsv"


def _cases():
    rows = [r for r in csv.reader(DATA.open(encoding="utf-8"), delimiter="\t") if r and not r[0].startswith("#")]
    return [(r[0], r[1] or None, [x for x in r[2].split("|") if x], [x for x in r[3].split("|") if x]) for r in rows]


@pytest.mark.parametrize("phrase,lead,owners,partners", _cases())
def test_owner_phrase(phrase, lead, owners, partners):
    p = parse_owner_phrase(phrase)
    assert p is not None
    assert p.lead == lead
    assert p.owners == owners
    assert p.partners == partners


@pytest.mark.parametrize("inner", ["不含济南市莱芜区、钢城区", "2021-2023年", "见附件2", "含专线专变用户、各发电企业"])
def test_brackets_that_are_not_owner_tags(inner):
    assert parse_owner_phrase(inner) is None
    assert find_owner_tags(f"完成改造（{inner}）。") == []


def test_sticky_and_first_is_lead():
    p = parse_owner_phrase("生态环境部指导，试点城市政府负责落实。以下均需试点城市政府落实，不再列出")
    assert p.owners == ["生态环境部", "试点城市政府"]
    assert p.sticky == ["试点城市政府"]
    p = parse_owner_phrase("工业和信息化部、发展改革委、科技部等负责。列第一位者为牵头单位，下同")
    assert p.first_is_lead and p.lead == "工业和信息化部"


def test_tag_spans_index_the_text():
    text = "开展建筑垃圾治理。（住房城乡建设部牵头，国家发展改革委参与）"
    (tag,) = find_owner_tags(text)
    assert [text[a:b] for a, b in tag.phrase.spans] == ["住房城乡建设部", "国家发展改革委"]


@pytest.mark.parametrize("sentence,units", [
    ("各地要加强病案首页质量控制", ["各地"]),
    ("乡镇（街道）对人选资格条件进行全面审查", ["乡镇（街道）"]),
    ("由国网龙岩供电公司牵头，组织各县（市、区）供电公司进行摸底排查", ["国网龙岩供电公司"]),
    ("县级党委组织部门会同乡镇（街道）制定换届人事方案", ["县级党委组织部门", "乡镇（街道）"]),
    ("省财政厅负责指导、监督全省的会计专业技术人员继续教育工作", ["省财政厅"]),
    ("按照有关要求，市、县人民政府要组织召开工作协调会议", ["市、县人民政府"]),
    ("全部关闭全省3万吨/年及以下8处煤矿", []),
    ("要高度重视，加强组织领导", []),
    ("进一步加大易地扶贫搬迁工作支持力度", []),
])
def test_subject_owners(sentence, units):
    assert [u for u, _ in subject_owners(sentence)] == units


def test_split_units_keeps_shared_heads():
    assert [u for u, _ in split_units("各县（市、区）工信科技局、城市管理局")] == ["各县（市、区）工信科技局", "城市管理局"]
    assert [u for u, _ in split_units("财政、发展改革、教育等部门")] == ["财政", "发展改革", "教育"]
    assert not looks_like_unit("进行") and looks_like_unit("各市")


@pytest.mark.parametrize("name,ok", [
    ("各区县", True), ("各乡镇", True), ("各村（社区）", True), ("县区", True), ("你区", True),
    ("各二级党组织", True), ("省“四减四增”工作办公室", True),
    ("乡村", False), ("市区", False), ("全市", False), ("“四减四增”工作", False), ("协助电力公司", False),
])
def test_unit_names_of_levels_pronouns_and_quoted_names(name, ok):
    assert looks_like_unit(name) is ok


@pytest.mark.parametrize("phrase,units", [
    ("各级农业农村、财政部门", ["各级农业农村、财政部门"]),          # a shared head, no 等: one unit
    ("国网陕西检修、建设公司", ["国网陕西检修、建设公司"]),
    ("有关省、自治区、直辖市", ["有关省、自治区、直辖市"]),          # an addressee scope is never split
    ("财政、医保、中医药等部门（单位）", ["财政", "医保", "中医药"]),  # a collective list: its pieces are the units
    ("各部门（单位）", ["各部门（单位）"]),
    ("山东省立医院、济南市妇幼保健院等8家省直定点医疗机构", ["山东省立医院", "济南市妇幼保健院"]),
])
def test_split_units_ellipsis_scopes_and_collectives(phrase, units):
    assert [u for u, _ in split_units(phrase)] == units


@pytest.mark.parametrize("sentence,units", [
    ("各区县要对辖区内重点部位开展全面排查", ["各区县"]),
    ("你区要抓紧编制开发区总体发展规划", ["你区"]),
    ("作交流发言的单位请准备发言材料", ["作交流发言的单位"]),
    ("各村（社区）对照验收标准开展自查", ["各村（社区）"]),
    ("所在市、县人民政府及同级财政部门要主动解决移交过程中出现的问题", ["所在市、县人民政府", "同级财政部门"]),
    ("因此，这项工作由外交部和总参谋部统一归口管理", ["外交部", "总参谋部"]),
    ("集团公司主要领导作讲话", []),
    ("及时向农业农村部门提交补贴申请资料", []),
    ("由所涉及的省政府办公厅、住房城乡建设厅、财政厅等省级主管部门（单位）牵头完成自查报告",
     ["省政府办公厅", "住房城乡建设厅", "财政厅"]),
])
def test_subject_owners_more_forms(sentence, units):
    assert [u for u, _ in subject_owners(sentence)] == units
