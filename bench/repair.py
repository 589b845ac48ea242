"""CPU time of each repair fixer on clean and damaged notices, and the one-time load costs.

usage: .venv/bin/python bench/repair.py [--repeat 5] [--no-harsh]

Sets (all read from ../shared, nothing is copied into the repository):
- clean: ``seeds_clean/*.txt`` and ``corpus/*.txt`` (the fixers' pre-checks should make these nearly free);
- seeds: the five raw seeds (000/001 traditional + pinyin, 002 page chrome, 003/004 the CP936 tag-eating shift);
- tagshift: every clean file above wrapped in Word-export-like markup and corrupted byte-exactly by
  ``docproc.repair._cp936.corrupt_html`` (the seed 003/004 mechanism at corpus scale);
- harsh: the same with every clause in its own span (far more lost characters than real pages: a worst case).

Each document goes through the fixers in pipeline order (``docproc.repair.FIXER_MODULES``), each fixer timed
with ``time.process_time`` (CPU time: the machine is shared); every document is run ``--repeat`` times after
one warm-up run and the median per fixer is kept.  Printed per set: mean and max ms per document and ms per
5 KB of UTF-8 input, per fixer and for the whole repair stage.  The load costs are measured in fresh
subprocesses (the first damaged document of a process pays them once).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DOCPROC_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT))

from docproc import repair  # noqa: E402
from docproc.markers import RepairContext  # noqa: E402
from docproc.repair._cp936 import corrupt_html  # noqa: E402


def _read(p: Path) -> str:
    raw = p.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def clean_files() -> list[Path]:
    return sorted((SHARED / "seeds_clean").glob("*.txt")) + sorted((SHARED / "corpus").glob("*.txt"))


def _wrap(text: str, clauses: bool = False) -> str:
    """Word-export-like markup (as in seed 003): paragraphs in ``<p><span>``, ASCII runs in
    ``<span lang="EN-US">``, short lines as table cells, ASCII punctuation after hanzi made full-width."""
    out = []
    for line in re.sub(r"[ \t]+", "", text).split("\n"):
        if not line.strip():
            continue
        for a, b in ((":", "："), (";", "；"), (",", "，")):
            line = re.sub(r"(?<=[\u4e00-\u9fff])" + re.escape(a), b, line)
        line = line.replace("(", "（").replace(")", "）")
        inner = re.sub(r"[A-Za-z0-9.@-]+", lambda m: f'<span lang="EN-US">{m.group(0)}</span>', line)
        out.append(f"<td>{inner}</td>" if len(line) < 12 else f"<p><span>{inner}</span></p>")
    markup = "\n".join(out)
    return re.sub(r"(?<=[，。：；、])(?=[^<\n])", "</span><span>", markup) if clauses else markup


def sets(harsh: bool) -> dict[str, list[str]]:
    clean = [_read(p) for p in clean_files()]
    out = {
        "clean": clean,
        "seeds": [_read(p) for p in sorted((SHARED / "seeds").glob("*.txt"))],
        "tagshift": [corrupt_html(_wrap(t)) for t in clean],
    }
    if harsh:
        out["harsh"] = [corrupt_html(_wrap(t, clauses=True)) for t in clean]
    return out


def time_doc(text: str, mods, repeat: int) -> dict[str, float]:
    """Median CPU seconds per fixer for one document (fixers fed in pipeline order)."""
    runs: dict[str, list[float]] = {m.NAME: [] for m in mods}
    for r in range(repeat + 1):
        ctx, t = RepairContext(), text
        for m in mods:
            a = time.process_time()
            t, _ = m.fix(t, ctx)
            if r:  # the first run is the warm-up
                runs[m.NAME].append(time.process_time() - a)
    return {k: statistics.median(v) for k, v in runs.items()}


def report(name: str, docs: list[str], mods, repeat: int) -> None:
    per = [time_doc(t, mods, repeat) for t in docs]
    kb = [len(t.encode("utf-8")) / 1024 for t in docs]
    print(f"\n### {name}: {len(docs)} documents, {statistics.mean(kb):.1f} KB mean, {max(kb):.1f} KB max\n")
    print("| fixer | mean ms/doc | max ms/doc | ms per 5 KB |")
    print("|---|---:|---:|---:|")
    for m in [m.NAME for m in mods] + ["(all)"]:
        ms = [1000 * (sum(p.values()) if m == "(all)" else p[m]) for p in per]
        per5 = 5 * sum(ms) / sum(kb)
        print(f"| {m} | {statistics.mean(ms):.2f} | {max(ms):.2f} | {per5:.2f} |")


_FIRST = r"""
import time
from pathlib import Path
from docproc.markers import RepairContext
from docproc.repair import tagshift
seed = next(Path(%r).glob("004_*.txt")).read_text(encoding="utf-8")
t0 = time.process_time(); tagshift.fix(seed, RepairContext()); t1 = time.process_time()
tagshift.fix(seed, RepairContext()); t2 = time.process_time()
print("%%.1f %%.1f" %% (1000 * (t1 - t0), 1000 * (t2 - t1)))
"""
_LOADS = r"""
import time
from docproc.repair import lexicon, tagshift, _cp936, mojibake
t = [time.process_time()]
for f in (lexicon.words, _cp936._borrowed_cells, tagshift._patterns, mojibake._sig_class):
    f(); t.append(time.process_time())
print(" ".join("%.1f" % (1000 * (b - a)) for a, b in zip(t, t[1:])))
"""


def _best(code: str, runs: int) -> list[float]:
    best: list[float] | None = None
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                             check=True).stdout.split()
        vals = [float(x) for x in out]
        best = vals if best is None else [min(a, b) for a, b in zip(best, vals)]
    return best or []


def load_costs(runs: int = 5) -> None:
    """One-time costs in fresh processes (best of ``runs``): they are paid by the first damaged document."""
    rows = list(zip(("tagshift on seed 004, first call in a process (loads included)",
                     "tagshift on seed 004, second call"), _best(_FIRST % str(SHARED / "seeds"), runs)))
    rows += list(zip(("of which: word list (123,107 words, repair_words.txt)", "of which: CP936 borrowed cells",
                      "of which: tagshift regexes", "mojibake signature class (every process, first document)"),
                     _best(_LOADS, runs)))
    print(f"\n### one-time costs, fresh process (CPU ms, best of {runs})\n")
    print("| what | ms |")
    print("|---|---:|")
    for n, v in rows:
        print(f"| {n} | {v:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-harsh", action="store_true", help="skip the worst-case markup set")
    args = ap.parse_args()
    if not (SHARED / "seeds").is_dir():
        sys.exit(f"{SHARED} is absent: the benchmark reads the seeds and the corpus from there")
    mods = repair.fixers()
    load_costs()
    for name, docs in sets(not args.no_harsh).items():
        report(name, docs, mods, args.repeat)


if __name__ == "__main__":
    main()
