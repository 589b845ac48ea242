"""Every file of shared/corpus and every sample ingests without error, with blocks that make up the text."""
from __future__ import annotations

import shutil

import pytest

from docproc.ingest import read as ingest_read
from docproc.pipeline import process

from .conftest import HAVE_SHARED, SAMPLES, SHARED

CORPUS = sorted(p.name for p in (SHARED / "corpus").iterdir() if p.suffix != ".tsv") if HAVE_SHARED else []
SAMPLE_FILES = sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*")
                      if p.is_file() and p.suffix in (".txt", ".html", ".docx", ".doc", ".pdf")
                      and not p.name.startswith("encrypted"))
KINDS = {"paragraph", "heading", "table_row"}


def check(got, name):
    assert got.text.strip(), name
    assert got.text == "\n".join(b.text for b in got.blocks)
    assert {b.kind for b in got.blocks} <= KINDS
    assert all(b.text and "\n" not in b.text for b in got.blocks)


@pytest.mark.shared
@pytest.mark.parametrize("name", CORPUS)
def test_corpus_file_ingests(shared, name):
    if name.endswith(".doc") and not (shutil.which("antiword") or shutil.which("soffice")):
        pytest.skip("no .doc converter installed")
    check(ingest_read((shared / "corpus" / name).read_bytes(), name), name)


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_sample_file_ingests(name):
    if name.endswith(".doc") and not (shutil.which("antiword") or shutil.which("soffice")):
        pytest.skip("no .doc converter installed")
    data = (SAMPLES / name).read_bytes()
    got = ingest_read(data, name)
    if "scan" in name:
        assert [i.code for i in got.issues] == ["needs_ocr"]
        return
    check(got, name)


@pytest.mark.parametrize("name", ["html/003.html", "docx/003.docx", "pdf/003.pdf", "text/003.gbk.txt"])
def test_pipeline_runs_on_each_format(name):
    doc = process(SAMPLES / name, extract=False)
    assert doc.source.format == name.split("/")[0].replace("text", "txt") and doc.text.strip()
    assert "满意服务月" in doc.text and doc.status in ("ok", "partial")
