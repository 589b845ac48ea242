"""Word .doc through antiword / LibreOffice / catdoc on real files; the .doc and .pdf of one notice agree."""
from __future__ import annotations

import difflib
import shutil

import pytest

from docproc.errors import MissingTool, UnreadableDocument
from docproc.ingest import doc, pdf
from docproc.ingest import read as ingest_read

from .conftest import FIXTURES

needs_antiword = pytest.mark.skipif(not shutil.which("antiword"), reason="antiword not installed")
needs_soffice = pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                                   reason="LibreOffice not installed")


def squash(s: str) -> str:
    return "".join(s.split())


def agreement(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, squash(a), squash(b), autojunk=False).ratio()


@pytest.mark.shared
@needs_antiword
def test_corpus_037_with_antiword(shared):
    got = ingest_read((shared / "corpus/037.doc").read_bytes(), "037.doc")
    assert got.format == "doc" and got.meta["converter"] == "antiword"
    lines = got.text.split("\n")
    assert lines[:3] == ["海南省农业农村厅 海南省财政厅", "关于印发2024-2026年海南省农机", "购置与应用补贴实施方案的通知"]
    assert "一、总体要求" in lines and "（此件主动公开）" in lines
    assert got.text == "\n".join(b.text for b in got.blocks)


@pytest.mark.shared
@needs_antiword
def test_doc_and_pdf_of_the_same_notice_agree(shared):
    d = doc.read((shared / "corpus/037.doc").read_bytes(), "037.doc")
    p = pdf.read((shared / "corpus/038.pdf").read_bytes(), "038.pdf")
    ratio = agreement(d.text, p.text)
    assert ratio >= 0.98, ratio
    # paragraphs agree too: the PDF's line breaks were joined back into the .doc's paragraphs
    dp = [squash(b.text) for b in d.blocks]
    pp = [squash(b.text) for b in p.blocks]
    assert difflib.SequenceMatcher(None, dp, pp, autojunk=False).ratio() >= 0.9


@needs_soffice
def test_lists_go_through_libreoffice():
    data = (FIXTURES / "003.doc").read_bytes()
    assert doc.fib_info(data) == {"encrypted": False, "lists": True}
    got = doc.read(data, "003.doc")
    assert got.meta["converter"] == "libreoffice"
    assert any(ln.replace(" ", "") == "一、指导思想" for ln in got.text.split("\n"))  # automatic label kept


@pytest.mark.shared
def test_fib_of_a_wps_doc(shared):
    assert doc.fib_info((shared / "corpus/037.doc").read_bytes()) == {"encrypted": False, "lists": False}


@needs_antiword
def test_antiword_on_the_sample_doc():
    got = doc.read((FIXTURES / "003.doc").read_bytes(), "003.doc", tools=["antiword"])
    assert got.meta["converter"] == "antiword"
    assert "局属各单位，机关各处室：" in got.text.split("\n")


def test_no_converter_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: antiword, soffice, catdoc all absent
    with pytest.raises(MissingTool) as e:
        doc.read((FIXTURES / "003.doc").read_bytes(), "003.doc")
    assert "apt-get install antiword" in str(e.value) and "libreoffice" in str(e.value)


@pytest.mark.shared
@needs_antiword
def test_corrupt_doc(shared):
    data = (shared / "corpus/037.doc").read_bytes()
    with pytest.raises(UnreadableDocument) as e:
        doc.read(data[:3000], "cut.doc", tools=["antiword", "catdoc"])
    assert "cut.doc" in str(e.value) and "/tmp/" not in str(e.value)


def test_table_lines_of_antiword():
    blocks = doc.to_blocks("|序号 |任务      |责任单位 |\n|1    |摸底排查  |各市     |\n 正文\u3000\n")
    assert [(b.kind, b.text) for b in blocks] == [("table_row", "序号\t任务\t责任单位"),
                                                  ("table_row", "1\t摸底排查\t各市"), ("paragraph", "正文")]
