"""Plain-text decoding on real bytes: the same notice in every encoding, short texts, the charset peer set."""
from __future__ import annotations

import json

import pytest

from docproc.errors import EmptyDocument
from docproc.ingest import read as ingest_read
from docproc.ingest import text
from docproc.pipeline import clean_text

from .conftest import HAVE_SHARED, SAMPLES, SHARED

T = SAMPLES / "text"
ROUND_TRIP = {  # file → encoding recorded in Ingested.encoding
    "002.utf8.txt": "utf-8",
    "002.utf8-bom.txt": "utf-8-sig",
    "002.utf16le-bom.txt": "utf-16-le",
    "002.utf16be-bom.txt": "utf-16-be",
    "002.utf16le-nobom.txt": "utf-16-le",
    "002.gbk.txt": "gb18030",
    "002.gb18030.txt": "gb18030",
}


@pytest.mark.parametrize("name,encoding", sorted(ROUND_TRIP.items()))
def test_same_notice_every_encoding(name, encoding):
    reference = ingest_read((T / "002.utf8.txt").read_bytes(), "002.utf8.txt")
    got = ingest_read((T / name).read_bytes(), name)
    assert got.format == "txt" and got.encoding == encoding
    assert got.text == reference.text
    assert "\r" not in got.text and "\ufeff" not in got.text and "\ufffd" not in got.text
    assert got.text == "\n".join(b.text for b in got.blocks)


def test_gb2312_notice():
    got = text.read((T / "004.gb2312.txt").read_bytes())
    assert got.encoding == "gb18030"
    assert got.text.startswith("关于做好常州市第三批优质服务品牌推荐工作的通知\n各辖市（区）文明办")


def test_big5_traditional_gives_the_same_clean_text():
    big5 = text.read((T / "000.trad.big5.txt").read_bytes())
    utf8 = text.read((T / "000.trad.utf8.txt").read_bytes())
    assert big5.encoding == "big5" and big5.text == utf8.text
    assert "關於進一步加強" in big5.text
    clean_big5, _, _ = clean_text(big5.text)
    clean_utf8, _, _ = clean_text(utf8.text)
    assert clean_big5 == clean_utf8
    if HAVE_SHARED:  # and the simplification gives back the simplified original
        original = (SHARED / "seeds_clean" / "000_e91c830034ea0435.txt").read_text(encoding="utf-8")
        assert clean_big5 == clean_text(text.read(original.encode()).text)[0]


@pytest.mark.parametrize("name,expected,encoding", [
    ("docno.gbk.txt", "常建〔2010〕36号", "gb18030"),  # 16 bytes
    ("title.big5.txt", "關於進一步加強服務品牌建設的通知", "big5"),
    ("gb18030-4byte.txt", "联系人：王䶮，电话：85680863\n𠮷野家路口", "gb18030"),
])
def test_short_texts(name, expected, encoding):
    data = (T / name).read_bytes()
    got = text.read(data)
    assert (got.text, got.encoding) == (expected, encoding)


def test_short_docno_bytes_exactly():
    data = "常建〔2010〕36号".encode("gbk")
    assert len(data) == 16
    assert text.decode(data) == ("常建〔2010〕36号", "gb18030", 0)


LINE = ("根据局《关于开展“满意在建设”活动的意见》每年九月为“满意服务月”的要求，今年9月，局将开展第三个“满意服务月”"
        "活动，特制定实施意见。")


def test_damaged_gbk_keeps_replacement_and_counts_it():
    got = text.read((T / "003.gbk-damaged.txt").read_bytes())
    assert got.encoding == "gb18030"
    assert got.meta["decode_errors"] == 2  # two undecodable bytes, each a U+FFFD for the mojibake fixer
    assert got.text == LINE.replace("特", "\ufffd\ufffd")  # nothing else is lost


def test_truncated_gbk_file():
    got = text.read((T / "003.gbk-truncated.txt").read_bytes())
    assert got.encoding == "gb18030" and got.meta["decode_errors"] == 1
    assert got.text == LINE[:-1] + "\ufffd"


def test_line_endings_normalised():
    got = text.read("一、总则\r\n内容\r二、附则\r\n".encode("gbk"))
    assert got.text == "一、总则\n内容\n二、附则" and [b.text for b in got.blocks] == ["一、总则", "内容", "二、附则"]


def test_empty_text():
    with pytest.raises(EmptyDocument):
        text.read(b"\xef\xbb\xbf\r\n  \n")


def test_plausibility_separates_right_from_wrong_decodings():
    right = "关于进一步加强“满意建设”服务品牌建设的通知"
    assert text.plausibility(right).certain
    assert not text.plausibility(right.encode("gbk").decode("big5", "replace")).plausible
    assert not text.plausibility(right.encode("utf-8").decode("gb18030", "replace")).plausible
    assert not text.plausibility(right.encode("utf-8").decode("latin-1")).plausible
    trad = "關於進一步加強服務品牌建設的通知"
    assert text.plausibility(trad).certain
    assert not text.plausibility(trad.encode("big5").decode("gbk", "replace")).plausible


# ---------------------------------------------------------------- the charset peer set
PEER = SHARED / "eval/peers/mojibake/zh_charset_detection_results.jsonl"
PEER_ROWS = [json.loads(x) for x in PEER.read_text(encoding="utf-8").splitlines() if x.strip()] \
    if PEER.exists() else []


@pytest.mark.shared
@pytest.mark.parametrize("row", PEER_ROWS, ids=lambda r: f"{r['script']}-{r['true_encoding']}-{r['length_class']}-{r['n_bytes']}")
def test_charset_peer_set(row):
    # the generator (gen_zh_charset_detection.py) encodes `text` with `true_encoding`
    data = row["text"].encode(row["true_encoding"])
    decoded, enc, lost = text.decode(data)
    assert decoded == row["text"] and lost == 0


@pytest.mark.shared
def test_charset_peer_set_not_worse_than_chardet(shared):
    ours = sum(text.decode(r["text"].encode(r["true_encoding"]))[0] == r["text"] for r in PEER_ROWS)
    theirs = sum(bool(r["chardet_decodes_exactly"]) for r in PEER_ROWS)
    assert ours >= theirs and ours == len(PEER_ROWS)
