"""docx reader on real files: corpus 039 and the samples (numbering from numbering.xml, text box, table)."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from docproc.errors import EmptyDocument, UnreadableDocument
from docproc.ingest import docx
from docproc.ingest import read as ingest_read

from .conftest import SAMPLES

D = SAMPLES / "docx"
SEEDS = {"000": "000_e91c830034ea0435", "001": "001_4317c450505966d0", "002": "002_37115b21c65bdb69",
         "003": "003_4a6492579ca8984f", "004": "004_3b4e1c6dcfc22d80"}


def squash(s: str) -> str:
    return "".join(s.split())


def document_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


@pytest.mark.shared
def test_corpus_039(shared):
    got = ingest_read((shared / "corpus/039.docx").read_bytes(), "039.docx")
    assert got.format == "docx" and got.blocks[0].kind == "heading" and got.blocks[0].level == 1
    assert got.blocks[0].text == "2026年中央一号文件"
    measures = [b.text for b in got.blocks if re.match(r"（[一二三四五六七八九十]+）", b.text)]
    assert len(measures) == 27 and measures[-1].startswith("（二十七）")
    assert got.text == "\n".join(b.text for b in got.blocks)


@pytest.mark.shared
@pytest.mark.parametrize("n", sorted(SEEDS))
def test_samples_give_the_clean_text(shared, n):
    got = docx.read((D / f"{n}.docx").read_bytes(), f"{n}.docx")
    clean = (shared / "seeds_clean" / f"{SEEDS[n]}.txt").read_text(encoding="utf-8")
    assert squash(got.text) == squash(clean)


def test_numbering_labels_restored_from_numbering_xml():
    xml = document_xml(D / "003.docx")
    assert "一、指导思想" not in xml and "<w:numPr>" in xml  # the labels are not in the text…
    got = docx.read((D / "003.docx").read_bytes())
    lines = got.text.split("\n")
    for label in ("一、指导思想", "二、活动重点", "三、具体要求"):  # …the reader makes them from numbering.xml
        assert label in lines
    assert any(ln.startswith("1.“满意服务月”是提升") for ln in lines)
    assert any(ln.startswith("3.在“满意服务月”活动中") for ln in lines)
    heads = [b for b in got.blocks if b.kind == "heading"]
    assert [b.level for b in heads][:2] == [1, 2] and heads[1].text == "一、指导思想"


def test_second_level_labels_and_restart():
    got = docx.read((D / "000.docx").read_bytes())
    lines = got.text.split("\n")
    assert "一、提高认识，明确目标" in lines and "三、加强领导，务求实效" in lines
    got = docx.read((D / "002.docx").read_bytes())
    labels = [re.match(r"^(\d+)、", ln).group(1) for ln in got.text.split("\n") if re.match(r"^\d+、", ln)]
    assert labels[:2] == ["1", "2"] and labels.count("1") >= 2  # decimal level restarts under each 一、


def test_numbering_through_the_paragraph_style():
    xml = document_xml(D / "001.docx")
    assert "<w:numPr>" not in xml  # 001 numbers its headings only through the Heading 2 style
    got = docx.read((D / "001.docx").read_bytes())
    assert "一、创建机关服务品牌的总体目标" in got.text.split("\n")


def test_text_box_read_once():
    xml = document_xml(D / "003.docx")
    assert xml.count("常建〔2006〕166号") == 2  # DrawingML text box + its VML fallback
    got = docx.read((D / "003.docx").read_bytes())
    assert got.text.count("常建〔2006〕166号") == 1 and got.blocks[0].text == "常建〔2006〕166号"


def test_table_rows_in_body_order():
    got = docx.read((D / "003.docx").read_bytes())
    kinds = [b.kind for b in got.blocks]
    assert kinds[-4:] == ["table_row"] * 4
    assert got.blocks[-2].text == "常州市建设局办公室\t2006年8月23日印发"
    got = docx.read((D / "004.docx").read_bytes())
    assert got.blocks[-1].kind == "table_row" and got.blocks[-1].text == "常州市文明办\t2015年6月9日"
    assert got.blocks[-2].text.startswith("附件：")  # the table comes after the paragraph before it


def test_chinese_counting():
    assert [docx.chinese_number(n) for n in (1, 9, 10, 19, 20, 99)] == ["一", "九", "十", "十九", "二十", "九十九"]
    assert docx.format_number(4, "ideographTraditional") == "丁"
    assert docx.format_number(3, "upperRoman") == "III" and docx.format_number(28, "lowerLetter") == "bb"


def test_corrupt_docx():
    data = (D / "003.docx").read_bytes()
    with pytest.raises(UnreadableDocument):
        docx.read(data[: len(data) // 2], "cut.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types")
        z.writestr("word/document.xml", "<w:document><w:body>")
    with pytest.raises(UnreadableDocument):
        ingest_read(buf.getvalue(), "broken.docx")


def test_empty_docx(tmp_path):
    import docx as python_docx

    python_docx.Document().save(tmp_path / "empty.docx")
    with pytest.raises(EmptyDocument):
        docx.read((tmp_path / "empty.docx").read_bytes())


def test_docx_zip_bomb_is_refused_before_python_docx_inflates_it():
    """A small .docx whose image part inflates to 60 MB: refused with TooLarge, nothing inflated."""
    from docproc.config import Settings
    from docproc.errors import TooLarge

    src = (SAMPLES / "docx" / "002.docx").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("word/media/image1.png", b"\0" * (60 << 20))
    data = buf.getvalue()
    assert len(data) < 1 << 20
    with pytest.raises(TooLarge) as e:
        docx.read(data, "bomb.docx", Settings(max_document_bytes=50 << 20))
    assert "DOCPROC_MAX_DOCUMENT_BYTES" in str(e.value)
    with pytest.raises(TooLarge) as e:
        docx.read(data, "bomb.docx", Settings(max_document_bytes=100 << 20))
    assert "DOCPROC_ARCHIVE_MAX_RATIO" in str(e.value)
    assert docx.read(src, "002.docx").text  # the real file still reads
