"""HTML reader on real pages: gov.cn page 009 (= corpus 003.txt), the samples' chrome-laden pages, charsets."""
from __future__ import annotations

import difflib

import pytest

from docproc.errors import EmptyDocument
from docproc.ingest import html
from docproc.ingest import read as ingest_read

from .conftest import HAVE_SHARED, SAMPLES, SHARED

H = SAMPLES / "html"
CHROME = ("版权所有", "ICP备", "当前位置", "您现在的位置", "分享到", "网站地图", "联系我们", "首页", "政务公开",
          "统计代码", "console", "_hmt", "相关文章", "技术支持", "打印本页", "line-height")


def squash(s: str) -> str:
    return "".join(s.split())


def seed_clean(seed: str) -> str:
    return (SHARED / "seeds_clean" / f"{seed}.txt").read_text(encoding="utf-8")


@pytest.mark.shared
def test_gov_cn_page_matches_its_text_version(shared):
    got = html.read((shared / "corpus/009.html").read_bytes(), "009.html")
    ref = (shared / "corpus/003.txt").read_text(encoding="utf-8")
    ratio = difflib.SequenceMatcher(None, squash(got.text), squash(ref), autojunk=False).ratio()
    assert ratio >= 0.98, ratio
    assert got.text.startswith("国务院办公厅关于开展\n城镇小区配套幼儿园治理工作的通知\n国办发〔2019〕3号")
    pm = got.meta["page_meta"]
    assert pm["索引号"] == "000014349/2019-00002" and pm["发文字号"] == "国办发〔2019〕3号"
    assert pm["发文机关"] == "国务院办公厅" and pm["成文日期"] == "2019年01月09日"
    assert pm["发布日期"] == "2019年01月22日" and pm["主题分类"] == "科技、教育\\教育"
    assert pm["标题"] == "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知"
    assert "索引号" not in got.text and "主题词" not in got.text  # the metadata table is not body text


@pytest.mark.shared
@pytest.mark.parametrize("name,seed,encoding", [
    ("003.html", "003_4a6492579ca8984f", "gb18030"),
    ("004.html", "004_3b4e1c6dcfc22d80", "utf-8"),
    ("002.wrong-charset.html", "002_37115b21c65bdb69", "utf-8"),
])
def test_sample_pages_give_the_clean_text(shared, name, seed, encoding):
    got = ingest_read((H / name).read_bytes(), name)
    assert got.format == "html" and got.encoding == encoding
    assert squash(got.text) == squash(seed_clean(seed))
    for chrome in CHROME:
        assert chrome not in got.text, chrome
    assert got.text == "\n".join(b.text for b in got.blocks)


def test_declared_charset_honoured_and_verified():
    gbk = html.read((H / "003.html").read_bytes())
    assert gbk.meta["declared_charset"] == "gb2312" and gbk.encoding == "gb18030"
    wrong = html.read((H / "002.wrong-charset.html").read_bytes())
    assert wrong.meta["declared_charset"] == "gb2312" and wrong.encoding == "utf-8"  # claim did not hold
    big5 = html.read((H / "000.big5.html").read_bytes())
    assert big5.encoding == "big5" and "關於進一步加強" in big5.text


def test_metadata_title_and_container():
    got = html.read((H / "003.html").read_bytes())
    assert got.meta["html_title"] == "关于组织开展“满意服务月”活动的实施意见_常州市建设局"
    assert got.meta["page_meta"] == {
        "索引号": "014109509/2006-00069", "主题分类": "城乡建设、环境保护", "发文机关": "常州市建设局",
        "成文日期": "2006年08月22日", "标题": "关于组织开展“满意服务月”活动的实施意见",
        "发文字号": "常建〔2006〕166号", "发布日期": "2008年10月16日"}
    assert got.meta["content_container"].startswith("div#zoom")
    # entities decoded: &ldquo; &rdquo; &ensp; &nbsp;
    assert "“满意服务月”" in got.text and "&" not in got.text and "\u00a0" not in got.text


def test_table_rows_and_headings():
    got = html.read((H / "003.html").read_bytes())
    rows = [b.text for b in got.blocks if b.kind == "table_row"]
    assert rows == ["抄报：市作风办、文明办", "常州市建设局办公室\t2006年8月23日印发", "共印50份"]
    page = html.read((H / "004.html").read_bytes())
    assert page.blocks[0].kind == "heading" and page.blocks[0].level == 2
    assert page.blocks[0].text == "关于做好常州市第三批优质服务品牌推荐工作的通知"


@pytest.mark.shared
def test_raw_fragment_saved_as_txt(shared):
    got = ingest_read((shared / "corpus/024.txt").read_bytes(), "024.txt")
    assert got.format == "html"
    assert "<b>" not in got.text and "<br" not in got.text
    lines = got.text.split("\n")
    assert "一、各地自查" in lines and lines[-1] == "特此通知。" and len(lines) >= 6


def test_fragment_entities_and_cells():
    got = html.read("<p>时间：&ensp;2024年7月1日&nbsp;前&rdquo;</p><table><tr><td>序号</td><td>任务</td>"
                    "<td>责任单位</td></tr><tr><td>1</td><td>摸底排查</td><td>各市</td></tr></table>".encode())
    assert [b.kind for b in got.blocks] == ["paragraph", "table_row", "table_row"]
    assert got.blocks[0].text == "时间： 2024年7月1日 前”"
    assert got.blocks[2].text == "1\t摸底排查\t各市"


def test_line_wrapped_source_between_hanzi_is_joined():
    got = html.read("<div><p>国务院办公厅关于\n    开展治理工作的通知</p><p>第二段<br>第三段</p></div>".encode())
    assert got.text == "国务院办公厅关于开展治理工作的通知\n第二段\n第三段"


def test_page_without_text():
    with pytest.raises(EmptyDocument):
        html.read(b"<html><head><title></title><script>var a=1;</script></head><body><nav>x</nav></body></html>")
