"""Organ names: segmentation of fused names, addressee splitting (cases from the corpus and gold notes)."""
from __future__ import annotations

import pytest

from docproc.extract.units import Lexicon, lexicon, models_dir

SPLIT = [
    ("各省、自治区、直辖市人民政府，国务院各部委、各直属机构", ["各省、自治区、直辖市人民政府", "国务院各部委、各直属机构"]),
    ("各省、市、自治区人民政府，国务院有关部委、直属机构", ["各省、市、自治区人民政府", "国务院有关部委、直属机构"]),
    ("北京市、天津市、河北省人民政府，沈阳、北京、兰州军区", ["北京市、天津市、河北省人民政府", "沈阳、北京、兰州军区"]),
    ("各市（州）、县（市、区）人民政府，省政府各部门、各直属机构", ["各市（州）、县（市、区）人民政府", "省政府各部门、各直属机构"]),
    ("各省、自治区、直辖市党委和人民政府，中央和国家机关各部委，解放军各大单位和武警部队、中央军委机关各部门，各人民团体",
     ["各省、自治区、直辖市党委和人民政府", "中央和国家机关各部委", "解放军各大单位和武警部队", "中央军委机关各部门", "各人民团体"]),
    ("各市发展改革委(能源局)、统计局，各市供电公司", ["各市发展改革委(能源局)、统计局", "各市供电公司"]),
    ("各市财政局、省直各部门(单位)、各省属企业", ["各市财政局", "省直各部门(单位)", "各省属企业"]),
    ("各县(市、区)工信科技局，国网龙岩供电公司，有关发电企业", ["各县(市、区)工信科技局", "国网龙岩供电公司", "有关发电企业"]),
    ("各市、县、自治县农业农村局、财政局", ["各市、县、自治县农业农村局、财政局"]),
    ("各市防指、省防指各成员单位", ["各市防指", "省防指各成员单位"]),
    ("省有关部门、单位", ["省有关部门、单位"]),
    ("各局属单位、局机关各处室", ["各局属单位", "局机关各处室"]),
    ("市作风办、文明办", ["市作风办", "文明办"]),
    ("中国移动龙岩分公司、中国电信龙岩分公司", ["中国移动龙岩分公司", "中国电信龙岩分公司"]),
]


@pytest.mark.parametrize("text,want", SPLIT, ids=[s[0][:12] for s in SPLIT])
def test_split_between_addressees_only(text, want):
    assert lexicon().split_list(text) == want


SEGMENT = [
    ("国务院办公厅中央军委办公厅", ["国务院办公厅", "中央军委办公厅"]),
    ("中共中央办公厅国务院办公厅", ["中共中央办公厅", "国务院办公厅"]),
    ("山东省发展和改革委员会山东省能源局山东省统计局国网山东省电力公司",
     ["山东省发展和改革委员会", "山东省能源局", "山东省统计局", "国网山东省电力公司"]),
    ("海南省农业农村厅               海南省财政厅", ["海南省农业农村厅", "海南省财政厅"]),
    ("山东省人民政府办公厅", ["山东省人民政府办公厅"]),
    ("中共龙岩市委精神文明建设办公室", ["中共龙岩市委精神文明建设办公室"]),
]


@pytest.mark.parametrize("run,want", SEGMENT, ids=[s[0][:10] for s in SEGMENT])
def test_segment_fused_issuers(run, want):
    assert lexicon().segment_orgs(run) == want


@pytest.mark.parametrize("run,want", [
    ("细表山东省医疗保险事业中心", (2, ["山东省医疗保险事业中心"])),
    ("参会回执山东省核应急委员会办公室", (4, ["山东省核应急委员会办公室"])),
    ("落实省领导防汛工作批示分工方案山东省防汛抗旱指挥部办公室", (15, ["山东省防汛抗旱指挥部办公室"])),
    ("专项检查表龙岩市工业和信息化局", (5, ["龙岩市工业和信息化局"])),
    ("省直生育保险待遇结算办理途径", None),
    ("常州市第三批优质服务品牌推荐表常州市文明办", (15, ["常州市文明办"])),   # 附件 name right above the signature
    ("大理白族自治州人民政府办公室", (0, ["大理白族自治州人民政府办公室"])),   # a place chain is not cut
    ("泉州市丰泽区自然资源局", (0, ["泉州市丰泽区自然资源局"])),
    ("宜昌市教育局宜昌市财政局", (0, ["宜昌市教育局", "宜昌市财政局"])),
])
def test_org_tail_after_an_attachment_name(run, want):
    assert lexicon().org_tail(run) == want


def test_org_tail_prefers_word_breaks():
    run = "企业文化品牌建设通知常州市建设局办公室"
    assert lexicon().org_tail(run, breaks=[4, 6, 8, 10]) == (10, ["常州市建设局办公室"])


@pytest.mark.parametrize("s", ["山东省财政", "关于做好工作", "2021年", "省", ""])
def test_not_an_organ(s):
    assert not lexicon().is_org(s)


def test_lexicon_loads_from_a_copy(tmp_path):
    """The word lists are data: a copied folder with one more suffix changes the behaviour."""
    src = models_dir() / "patterns"
    for f in src.iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    assert not lexicon().is_org("山东省档案馆藏")
    with open(tmp_path / "org_suffixes.txt", "a", encoding="utf-8") as fh:
        fh.write("馆藏\n")
    assert Lexicon.load(tmp_path).is_org("山东省档案馆藏")


# Names from notices the rules were not tuned on (central ministries, long place names, township level,
# a level word repeated by the organ's own name).
@pytest.mark.parametrize("name", ["交通运输部办公厅", "财政部", "人力资源社会保障部", "海关总署", "鄂尔多斯市人民政府",
                                  "乌鲁木齐市教育局", "宁波市市场监督管理局", "城关镇人民政府", "东城街道办事处",
                                  "黔东南苗族侗族自治州人民政府", "中共嘉兴市委组织部", "湘潭县人民政府办公室"])
def test_organ_names_beyond_the_dev_set(name):
    assert lexicon().is_org(name) and lexicon().segment_orgs(name) == [name]


@pytest.mark.parametrize("s", ["农业农村部负责国务院", "工业和信息化部等负责）国务院", "城镇小区配套幼儿园", "通知"])
def test_running_text_is_no_organ(s):
    assert not lexicon().is_org(s)


def test_joint_ministries_segment():
    assert lexicon().segment_orgs("生态环境部办公厅交通运输部办公厅") == ["生态环境部办公厅", "交通运输部办公厅"]
    assert lexicon().segment_orgs("财政部 税务总局") == ["财政部", "税务总局"]
