"""PDF reader on real files: corpus 038, the samples made by LibreOffice, a scan, encrypted/corrupt files."""
from __future__ import annotations

import difflib

import pytest

from docproc.errors import EncryptedDocument, UnreadableDocument
from docproc.ingest import pdf
from docproc.ingest import read as ingest_read
from docproc.ingest.pdf import Line, Page, paragraphs

from .conftest import FIXTURES, SAMPLES

P = SAMPLES / "pdf"
SEEDS = {"000": "000_e91c830034ea0435", "001": "001_4317c450505966d0", "002": "002_37115b21c65bdb69",
         "003": "003_4a6492579ca8984f", "004": "004_3b4e1c6dcfc22d80"}


def squash(s: str) -> str:
    return "".join(s.split())


@pytest.mark.shared
def test_corpus_038(shared):
    got = ingest_read((shared / "corpus/038.pdf").read_bytes(), "038.pdf")
    assert got.format == "pdf" and got.meta["pages"] == 11 and not got.issues
    lines = got.text.split("\n")
    assert "一、总体要求" in lines and "（此件主动公开）" in lines
    # a paragraph broken over five PDF lines comes back as one line
    assert any(ln.startswith("为规范实施农机购置与应用补贴政策") and ln.endswith("请遵照执行。") for ln in lines)
    assert "2024 年 7 月 1 日" in lines
    assert got.text == "\n".join(b.text for b in got.blocks)


@pytest.mark.shared
def test_pdfplumber_and_pdfium_agree_on_038(shared):
    data = (shared / "corpus/038.pdf").read_bytes()
    fast = pdf.read(data, extractor="pdfium")
    slow = pdf.read(data, extractor="pdfplumber")
    assert slow.meta["extractor"] == "pdfplumber"
    ratio = difflib.SequenceMatcher(None, squash(fast.text), squash(slow.text), autojunk=False).ratio()
    assert ratio >= 0.99, ratio


@pytest.mark.shared
@pytest.mark.parametrize("n", sorted(SEEDS))
def test_samples_give_the_clean_text(shared, n):
    got = pdf.read((P / f"{n}.pdf").read_bytes(), f"{n}.pdf")
    clean = (shared / "seeds_clean" / f"{SEEDS[n]}.txt").read_text(encoding="utf-8")
    # page numbers (— 1 —) and the running header are gone, nothing else is lost or added
    assert squash(got.text) == squash(clean)
    assert "常州市建设系统文件汇编" not in got.text and "—" not in got.text.replace("——", "")
    want = [squash(x) for x in clean.split("\n") if x.strip()]
    have = [squash(b.text) for b in got.blocks]
    assert difflib.SequenceMatcher(None, have, want, autojunk=False).ratio() >= 0.85  # paragraphs rebuilt


def test_text_box_comes_first_in_reading_order():
    got = pdf.read((P / "003.pdf").read_bytes())
    assert squash(got.blocks[0].text) == "常建〔2006〕166号"  # written last into the PDF, read first


def test_scan_needs_ocr():
    got = ingest_read((P / "scan-003.pdf").read_bytes(), "scan-003.pdf")
    assert got.text.strip() == "" or len(got.text) < 20
    assert [i.code for i in got.issues] == ["needs_ocr"] and got.meta["textless_pages"] == [1]


def test_encrypted():
    with pytest.raises(EncryptedDocument):
        ingest_read((FIXTURES / "encrypted-004.pdf").read_bytes(), "encrypted-004.pdf")


def test_corrupt():
    data = (P / "003.pdf").read_bytes()
    for bad in (data[: len(data) // 2], data[:2000], b"%PDF-1.4\n1 0 obj << >> garbage"):
        with pytest.raises(UnreadableDocument):
            ingest_read(bad, "bad.pdf")


def test_page_furniture_rules():
    assert all(map(pdf.is_page_number, ["— 3 —", "- 3 -", "第3页", "第 3 页 共 11 页", "3/11"]))
    assert not any(map(pdf.is_page_number, ["2024年", "（三）", "3.5", "一、总体要求"]))


def _page(rows, top=100.0):
    """Lines on an A4 page with a text block from x=90 to x=522 and 16 pt characters."""
    lines = []
    for i, (text, x0, x1) in enumerate(rows):
        lines.append(Line(text, x0, x1, top + i * 28, 16.0))
    return Page(lines, 595.0, 842.0)


def test_lines_joined_inside_sentences_and_dates():
    body = [("现将有关事项通知如下，请各单位于", 122, 522), ("2024 年 7 月", 90, 522), ("1 日前报送。", 90, 200),
            ("一、总体要求", 122, 220), ("以习近平新时代中国特色社会主义思想为指导，全面", 90, 522),
            ("贯彻党的二十大精神。", 90, 250), ("第二段从这里开始，它的第一行有缩进并且写满整整一行文字", 122, 522),
            ("第二行。", 90, 160), ("（一）标签行另起一段，虽然上一行没有写满而且这一行写满", 122, 522),
            ("续行。", 90, 150)] + [("填充行" * 8, 90, 522)] * 3
    texts = [b.text for b in paragraphs([_page(body)])]
    assert texts[:5] == ["现将有关事项通知如下，请各单位于2024 年 7 月1 日前报送。", "一、总体要求",
                         "以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。",
                         "第二段从这里开始，它的第一行有缩进并且写满整整一行文字第二行。",
                         "（一）标签行另起一段，虽然上一行没有写满而且这一行写满续行。"]


def test_unindented_document_uses_numbering_labels():
    body = [("各单位要按照要求认真组织实施，确保工作取得实效：", 90, 522), ("一、加强组织领导。成立工作专班。", 90, 400),
            ("二、强化督促检查。建立工作台账并定期通报进展情况以及存在", 90, 522), ("的问题。", 90, 160),
            ("1.按月报送。", 90, 200)] + [("填充行" * 8, 90, 522)] * 3
    texts = [b.text for b in paragraphs([_page(body)])]
    # no indents anywhere: a full line followed by a numbered line is still a paragraph break
    assert texts[:4] == ["各单位要按照要求认真组织实施，确保工作取得实效：", "一、加强组织领导。成立工作专班。",
                         "二、强化督促检查。建立工作台账并定期通报进展情况以及存在的问题。", "1.按月报送。"]


def test_repeated_header_and_page_numbers_removed():
    pages = []
    for n in range(1, 4):
        pages.append(_page([("某某市人民政府文件", 200, 380), (f"正文第{n}页的内容" * 4, 90, 522),
                            (f"— {n} —", 280, 320)], top=40.0))
        pages[-1].lines[-1].top = 800.0
    removed = pdf._strip_furniture(pages)
    assert removed == 6
    assert [ln.text for p in pages for ln in p.lines] == [f"正文第{n}页的内容" * 4 for n in range(1, 4)]
