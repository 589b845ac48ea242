"""CPU time of docproc.extract.dates.find_times on every shared/corpus/*.txt (OpenCC-simplified first).

usage: .venv/bin/python bench/dates_speed.py [--runs 5] [--profile]
Prints the best and median CPU time (time.process_time) of one pass over all texts, per 10 K characters,
and the number of expressions found. ``--profile`` prints the top cProfile entries of one pass.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from docproc.extract.dates import find_times  # noqa: E402


def texts() -> list[str]:
    import opencc

    cc = opencc.OpenCC("t2s")
    out = []
    for f in sorted((SHARED / "corpus").glob("*.txt")):
        raw = f.read_bytes()
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError:
            s = raw.decode("gb18030", errors="replace")
        out.append(cc.convert(s))
    return out


def one_pass(ts, ref):
    n = 0
    for t in ts:
        n += len(find_times(t, ref=ref))
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    ts = texts()
    ref = date(2020, 1, 1)
    chars = sum(map(len, ts))
    n = one_pass(ts, ref)  # warm-up: lexicon load + regex compile
    if a.profile:
        import cProfile
        import pstats

        pr = cProfile.Profile()
        pr.enable()
        one_pass(ts, ref)
        pr.disable()
        pstats.Stats(pr).sort_stats("tottime").print_stats(15)
    runs = []
    for _ in range(a.runs):
        t0 = time.process_time()
        for _ in range(5):
            one_pass(ts, ref)
        runs.append((time.process_time() - t0) / 5)
    per10k = lambda s: s * 1000 / (chars / 10000)
    print(f"{len(ts)} texts, {chars} chars, {n} expressions; CPU per pass best {min(runs) * 1000:.1f} ms, "
          f"median {statistics.median(runs) * 1000:.1f} ms; per 10 K chars best {per10k(min(runs)):.2f} ms, "
          f"median {per10k(statistics.median(runs)):.2f} ms")


if __name__ == "__main__":
    main()
