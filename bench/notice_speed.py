"""CPU time of the notice component (docproc.extract.notice.extract_notice) per 5,000 characters.

usage: .venv/bin/python bench/notice_speed.py [--runs 5] [--profile] [--heldout] [--pipeline]
Texts: the clean text of every shared/gold input (docproc.process(..., extract=False)), or with ``--heldout``
tests/data/notice_heldout/*.txt.  The doc numbers and labels are computed inside extract_notice, as when it
runs outside the spaCy pipeline.  Prints the best and median CPU time (time.process_time) of one pass, per
5,000 characters; ``--profile`` prints the top cProfile entries (cumulative CPU time) of one pass.
``--pipeline`` instead times each spaCy component as ``run_pipeline`` runs it (CPU ms per 5,000 chars).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

import docproc  # noqa: E402
from docproc.extract.notice import extract_notice  # noqa: E402


def texts(heldout: bool) -> list[tuple[str, dict]]:
    if heldout:
        files = sorted((ROOT / "tests" / "data" / "notice_heldout").glob("*.txt"))
    else:
        files = [SHARED / json.loads(g.read_text(encoding="utf-8"))["input"]
                 for g in sorted((SHARED / "gold").glob("*.json"))]
    out = []
    for f in files:
        d = docproc.process(f, extract=False)
        out.append((d.text, d.meta))
    return out


def one_pass(items) -> None:
    for t, meta in items:
        extract_notice(t, meta)


def pipeline_times(items, runs: int) -> None:
    import docproc.extract.nlp as nlp_mod

    nlp = nlp_mod.load_pipeline()
    key = getattr(nlp_mod, "_TEXT_KEY", None)
    tot: dict[str, float] = {}
    for r in range(runs + 1):
        for t, meta in items:
            t0 = time.process_time()
            doc = nlp_mod.make_doc(nlp, t) if hasattr(nlp_mod, "make_doc") else nlp.make_doc(t)
            if key:
                doc.user_data[key] = t
            doc._.meta = meta
            if r:
                tot["make_doc"] = tot.get("make_doc", 0) + time.process_time() - t0
            for name, proc in nlp.pipeline:
                t0 = time.process_time()
                doc = proc(doc)
                if r:
                    tot[name] = tot.get(name, 0) + time.process_time() - t0
    chars = sum(len(t) for t, _ in items)
    for k, v in tot.items():
        print(f"{k:16s} {v / runs / chars * 5000 * 1000:6.2f} ms CPU per 5,000 chars")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--heldout", action="store_true")
    ap.add_argument("--pipeline", action="store_true")
    a = ap.parse_args()
    items = texts(a.heldout)
    if a.pipeline:
        pipeline_times(items, a.runs)
        return
    chars = sum(len(t) for t, _ in items)
    one_pass(items)  # warm: word lists, regexes
    if a.profile:
        import cProfile
        import pstats

        pr = cProfile.Profile(time.process_time)
        pr.enable()
        one_pass(items)
        pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
    runs = []
    for _ in range(a.runs):
        t0 = time.process_time()
        one_pass(items)
        runs.append(time.process_time() - t0)
    per = 5000 / chars * 1000
    print(f"{len(items)} texts, {chars} chars; per 5,000 chars: best {min(runs) * per:.2f} ms, "
          f"median {statistics.median(runs) * per:.2f} ms CPU")
    worst = []
    for t, meta in items:
        t0 = time.process_time()
        extract_notice(t, meta)
        worst.append(((time.process_time() - t0) * 5000 / max(1, len(t)) * 1000, len(t)))
    worst.sort(reverse=True)
    print("slowest per 5,000 chars (ms, length):", [(round(x, 1), n) for x, n in worst[:5]])


if __name__ == "__main__":
    main()
