"""detect.sniff on real files: magic bytes, HTML by markup (not by '<'-less tag remnants), UTF-16, archives."""
from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from docproc.detect import looks_like_html, sniff, utf16_by_nuls
from docproc.errors import EmptyDocument, UnsupportedFormat

from .conftest import FIXTURES, HAVE_SHARED, SAMPLES, SHARED

SAMPLE_FORMATS = [
    ("seeds/000_e91c830034ea0435.txt", "txt"),
    ("seeds/003_4a6492579ca8984f.txt", "txt"),  # tag remnants without '<': text, for the tagshift fixer
    ("seeds/004_3b4e1c6dcfc22d80.txt", "txt"),
    ("text/002.gbk.txt", "txt"), ("text/002.utf16le-bom.txt", "txt"), ("text/002.utf16be-bom.txt", "txt"),
    ("text/002.utf16le-nobom.txt", "txt"), ("text/000.trad.big5.txt", "txt"), ("text/docno.gbk.txt", "txt"),
    ("html/003.html", "html"), ("html/004.html", "html"), ("html/000.big5.html", "html"),
    ("docx/003.docx", "docx"), ("pdf/003.pdf", "pdf"), ("pdf/scan-003.pdf", "pdf"), ("../tests/data/fixtures/003.doc", "doc"),
]


@pytest.mark.parametrize("path,fmt", SAMPLE_FORMATS)
def test_samples_sniff(path, fmt):
    data = (SAMPLES / path).read_bytes()
    assert sniff(data, path) == fmt
    assert sniff(data, None) == fmt  # by content: the name is not needed


def test_extension_does_not_decide():
    docx = (SAMPLES / "docx/003.docx").read_bytes()
    assert sniff(docx, "notice.txt") == "docx"
    assert sniff((SAMPLES / "html/003.html").read_bytes(), "page.txt") == "html"
    assert sniff((SAMPLES / "text/002.utf8.txt").read_bytes(), "x.pdf") == "txt"


CORPUS = sorted(p.name for p in (SHARED / "corpus").glob("*") if p.suffix != ".tsv") if HAVE_SHARED else []


@pytest.mark.shared
@pytest.mark.parametrize("name", CORPUS)
def test_corpus_sniff(shared, name):
    expected = name.rsplit(".", 1)[1]
    if name == "024.txt":
        expected = "html"  # a raw HTML fragment (<b>, <br />) saved as .txt
    assert sniff((shared / "corpus" / name).read_bytes(), name) == expected


@pytest.mark.shared
@pytest.mark.parametrize("seed", ["003_4a6492579ca8984f", "004_3b4e1c6dcfc22d80"])
def test_seed_tag_remnants_are_text(shared, seed):
    data = (shared / "seeds" / f"{seed}.txt").read_bytes()
    assert b"/span>" in data or b"/p>" in data  # the remnants are there…
    assert not looks_like_html(data) and sniff(data) == "txt"  # …but no real tag


def test_html_fragments():
    assert sniff("<p>各单位：</p>\n<p>现将有关事项通知如下。</p>".encode()) == "html"
    assert sniff("<td>单位</td><td>时限</td><td>备注</td>".encode("gbk")) == "html"
    assert sniff("第一段<br />第二段<br />第三段".encode()) == "html"
    # a lone comparison sign or an email in angle brackets is not markup
    assert sniff("如 a<b 且 c>d，请联系<czwmb@163.com>。".encode()) == "txt"


def test_empty_and_blank():
    with pytest.raises(EmptyDocument):
        sniff(b"", "e.txt")
    with pytest.raises(EmptyDocument):
        sniff(b"\xef\xbb\xbf \r\n\t\n", "blank.txt")


def test_zip_archive_is_not_a_document():
    with pytest.raises(UnsupportedFormat) as e:
        sniff((SAMPLES / "notices.zip").read_bytes(), "notices.zip")
    assert e.value.details["kind"] == "archive" and "archive" in str(e.value)


def test_other_archives_and_binaries():
    with pytest.raises(UnsupportedFormat) as e:
        sniff(gzip.compress(b"hello"), "x.gz")
    assert e.value.details["kind"] == "archive"
    with pytest.raises(UnsupportedFormat) as e:
        sniff(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(40))
    assert e.value.details["archive"] == "7z"
    with pytest.raises(UnsupportedFormat, match="PNG"):
        sniff(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(UnsupportedFormat, match="binary"):
        sniff(bytes(range(256)) * 4)


def test_xlsx_is_not_docx_nor_archive():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnsupportedFormat, match="xlsx") as e:
        sniff(buf.getvalue(), "book.xlsx")
    assert e.value.details.get("kind") is None


def test_ole2_without_word_stream():
    data = bytearray((FIXTURES / "003.doc").read_bytes())
    name = "WordDocument".encode("utf-16-le")
    i = data.find(name)
    data[i:i + len(name)] = "WordDokument".encode("utf-16-le")
    with pytest.raises(UnsupportedFormat, match="WordDocument"):
        sniff(bytes(data), "x.xls")


def test_utf16_by_nul_pattern():
    t = (SAMPLES / "text/002.utf8.txt").read_text(encoding="utf-8")
    assert utf16_by_nuls(t.encode("utf-16-le")[:4096]) == "utf-16-le"
    assert utf16_by_nuls(t.encode("utf-16-be")[:4096]) == "utf-16-be"
    assert utf16_by_nuls(t.encode("gb18030")[:4096]) is None
    assert utf16_by_nuls(bytes(range(256)) * 8) is None  # NULs are not all on one side
