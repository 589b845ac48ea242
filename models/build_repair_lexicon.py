"""Build the word / character frequency data used by docproc.repair (tagshift guesses, mojibake scoring).

Source: jieba 0.42.1 ``jieba/dict.txt`` (MIT licence, (c) Sun Junyi).  jieba is NOT a runtime dependency:
this script is run once by hand and its output is committed under ``docproc/data/``::

    pip download jieba==0.42.1 --no-deps -d /tmp/jb && tar xzf /tmp/jb/jieba-0.42.1.tar.gz -C /tmp/jb
    python models/build_repair_lexicon.py /tmp/jb/jieba-0.42.1/jieba/dict.txt

Outputs
- ``docproc/data/repair_words.txt``: ``word<TAB>freq``, all-hanzi words of 2–4 characters with freq ≥ 5,
  **sorted by word in code point order**: ``docproc.repair.lexicon`` reads the file with one ``split()`` and
  bisects the word column for prefix queries, so the order is part of the format
  (``tests/test_repair_lexicon.py`` checks it).
- ``docproc/data/repair_charfreq.txt``: ``char<TAB>freq``, every hanzi of the dictionary, weighted by the
  frequency of the words it occurs in (a proxy for running-text character frequency).
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

HANZI = re.compile(r"^[\u4e00-\u9fff]+$")
OUT = Path(__file__).resolve().parents[1] / "docproc" / "data"


def main(dict_txt: str) -> None:
    words: list[tuple[str, int]] = []
    chars: Counter[str] = Counter()
    for line in open(dict_txt, encoding="utf-8"):
        parts = line.split()
        if len(parts) < 2:
            continue
        w, f = parts[0], int(parts[1])
        if not HANZI.match(w):
            continue
        for ch in w:
            chars[ch] += f
        if 2 <= len(w) <= 4 and f >= 5:
            words.append((w, f))
    best: dict[str, int] = {}
    for w, f in words:  # one line per word (a repeated entry keeps its highest frequency)
        best[w] = max(f, best.get(w, 0))
    words = sorted(best.items())  # code point order
    with open(OUT / "repair_words.txt", "w", encoding="utf-8") as fh:
        fh.write("# word\tfreq — from jieba 0.42.1 dict.txt (MIT); built by models/build_repair_lexicon.py\n")
        for w, f in words:
            fh.write(f"{w}\t{f}\n")
    with open(OUT / "repair_charfreq.txt", "w", encoding="utf-8") as fh:
        fh.write("# char\tfreq — from jieba 0.42.1 dict.txt (MIT); built by models/build_repair_lexicon.py\n")
        for ch, f in chars.most_common():
            fh.write(f"{ch}\t{f}\n")
    print(len(words), "words,", len(chars), "chars")


if __name__ == "__main__":
    main(sys.argv[1])
