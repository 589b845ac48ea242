"""repair lexicon: the data files' format (sorted, unique, well-formed), hole lookups, and bad data files."""
from __future__ import annotations

import pytest

from docproc.errors import DocprocError
from docproc.repair import lexicon


def test_words_file_is_sorted_unique_and_complete():
    ws, table = lexicon.sorted_words(), lexicon.words()
    assert len(ws) == len(table) > 100_000
    assert all(a < b for a, b in zip(ws, ws[1:]))  # holes() bisects this list
    assert all(2 <= len(w) <= 4 for w in ws) and min(table.values()) >= 5
    assert table["积极"] > table["积累"] > 0


def test_chars_file_most_frequent_first():
    freqs = list(lexicon.chars().values())
    assert freqs == sorted(freqs, reverse=True) and len(freqs) > 10_000
    assert lexicon.char_rank("一") == 0 and lexicon.char_rank("的") < 100 < lexicon.char_rank("旤")


@pytest.mark.parametrize("pre,suf", [("推荐", ""), ("积", ""), ("文明", "报"), ("报", "个"), ("实施", "见"),
                                     ("不", ""), ("中华人", ""), ("无", "无")])
def test_holes_equal_brute_force(pre, suf):
    want = {w[len(pre)] for w in lexicon.words() if len(w) == len(pre) + 1 + len(suf)
            and w.startswith(pre) and w.endswith(suf)}
    assert lexicon.holes(pre, suf) == want


def test_holes_without_prefix_try_only_the_given_characters():
    assert lexicon.holes("", "极", among="积消太北") == {"积", "消", "太", "北"}
    assert lexicon.holes("", "极", among="") == frozenset()


def test_with_prefix_is_the_range():
    got = lexicon.with_prefix("推荐")
    assert got and all(w.startswith("推荐") for w in got)
    assert len(got) == sum(1 for w in lexicon.words() if w.startswith("推荐"))


@pytest.mark.parametrize("content,msg", [("# header\n积极\t12\n积累\n", "odd number"),
                                         ("积极\tmany\n", "malformed"),
                                         ("积极\t3\n积极\t4\n", "duplicate")])
def test_malformed_data_file_is_a_clear_error(tmp_path, content, msg):
    path = tmp_path / "words.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DocprocError, match=msg):
        lexicon._read_tsv(str(path))  # an absolute name is read as is


def test_missing_data_file_is_a_clear_error(tmp_path):
    with pytest.raises(DocprocError, match="unreadable"):
        lexicon._read_tsv(str(tmp_path / "absent.txt"))


def test_comment_lines_are_skipped(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# one\n# two\n积极\t12\n积累\t7\n", encoding="utf-8")
    assert lexicon._read_tsv(str(path)) == (["积极", "积累"], {"积极": 12, "积累": 7})
