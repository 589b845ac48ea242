"""Run the task extractor directly on the gold inputs with the gold notice fields injected.

usage: .venv/bin/python bench/dev_tasks.py [--pred DIR] [--only ID,ID] [--quiet] [--diff ID,ID] [--set DIR [--e2e]]
Writes PRED/<gold id>.json (notice from gold, tasks from docproc.tasks) and runs shared/eval/score.py on it, so
the task rules are measured independently of the notice extractor. ``--diff ID`` prints gold and predicted tasks
of those documents side by side (G= matched, G- missed, P+ extra; << DATE / OWN where a matched pair differs).
Speed is CPU time of ``extract_tasks`` (process time, after one warm-up call), so a busy machine does not skew it. Text: seeds use shared/seeds_clean; other
inputs go through docproc.process(extract=False) (ingest + repair + simplify).

``--set DIR`` measures a held-out set instead (``tests/data/tasks_heldout2``): gold-format ``<id>.json`` files
(``notice.signed_date`` + ``tasks``) beside the ``source`` text, scored with the same score.py; ``--e2e`` runs
the whole pipeline (``docproc.process``, notice fields from the notice extractor) instead of injecting the
signing date.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from docproc.extract import dates  # noqa: E402
from docproc.model import Notice  # noqa: E402
from docproc.tasks import extract_tasks  # noqa: E402


def load_text(inp: str) -> str:
    p = SHARED / inp
    if inp.startswith("seeds/"):
        return (SHARED / "seeds_clean" / p.name).read_text(encoding="utf-8")
    if p.suffix == ".txt":
        from docproc.pipeline import clean_text
        try:
            return clean_text(p.read_text(encoding="utf-8"))[0]
        except Exception:
            return p.read_text(encoding="utf-8")
    from docproc.pipeline import process
    return process(p, extract=False).text


def times_for(text, ref):
    return dates.find_times(text, ref=ref)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pred", default="/tmp/pred_tasks")
    ap.add_argument("--only")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--diff", help="print gold vs predicted tasks of these ids")
    ap.add_argument("--set", help="a held-out folder of gold-format <id>.json beside their source texts")
    ap.add_argument("--e2e", action="store_true", help="with --set: the whole pipeline, no injected fields")
    a = ap.parse_args()
    if a.set:
        return run_set(Path(a.set), Path(a.pred), a)
    out = Path(a.pred)
    out.mkdir(parents=True, exist_ok=True)
    total = 0.0
    nbytes = 0
    for gp in sorted((SHARED / "gold").glob("*.json")):
        if a.only and gp.stem not in a.only.split(","):
            continue
        g = json.loads(gp.read_text(encoding="utf-8"))
        try:
            text = load_text(g["input"])
        except Exception as e:  # ingest of this format not ready yet
            print(f"{gp.stem}: no text ({type(e).__name__}: {e})", file=sys.stderr)
            text = ""
        sd = g["notice"].get("signed_date")
        ref = date.fromisoformat(sd) if sd else None
        times = times_for(text, ref)
        notice = Notice(**{k: v for k, v in g["notice"].items() if k in Notice.__dataclass_fields__})
        if not total:
            extract_tasks(text, notice, times)  # warm-up: pattern files load and compile once per process
        t0 = time.process_time()
        tasks = extract_tasks(text, notice, times)
        total += time.process_time() - t0 or 1e-9
        nbytes += len(text.encode())
        (out / f"{gp.stem}.json").write_text(json.dumps(
            {"notice": g["notice"], "tasks": [t.to_dict() for t in tasks], "text": text}, ensure_ascii=False, indent=1),
            encoding="utf-8")
    print(f"extract_tasks: {total * 1000:.1f} ms total, {total * 1000 / max(1, nbytes / 10240):.2f} ms per 10 KB", file=sys.stderr)
    cmd = [sys.executable, str(SHARED / "eval" / "score.py"), str(SHARED / "gold"), str(out)]
    if a.only:
        cmd += ["--only", a.only]
    if a.quiet:
        cmd.append("--quiet")
    subprocess.run(cmd)
    if a.diff:
        diff(a.diff.split(","), out)


def run_set(folder: Path, out: Path, a) -> None:
    """Predict every ``folder/<id>.json``'s source text into ``out`` and score it (see the module docstring)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    for gp in sorted(folder.glob("*.json")):
        g = json.loads(gp.read_text(encoding="utf-8"))
        src = folder / g["source"]
        if a.e2e:
            from docproc.pipeline import process
            doc = process(src)
            pred = {"notice": {"signed_date": doc.notice.signed_date}, "tasks": [t.to_dict() for t in doc.tasks]}
        else:
            text = src.read_text(encoding="utf-8")
            sd = g["notice"].get("signed_date")
            ref = date.fromisoformat(sd) if sd else None
            tasks = extract_tasks(text, Notice(signed_date=sd), times_for(text, ref))
            pred = {"notice": g["notice"], "tasks": [t.to_dict() for t in tasks]}
        (out / gp.name).write_text(json.dumps(pred, ensure_ascii=False, indent=1), encoding="utf-8")
    cmd = [sys.executable, str(SHARED / "eval" / "score.py"), str(folder), str(out)]
    if a.quiet:
        cmd.append("--quiet")
    subprocess.run(cmd)
    if a.diff:
        diff(a.diff.split(","), out, folder)


def diff(ids, pred_dir: Path, gold_dir: Path | None = None) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("score", SHARED / "eval" / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    for gid in ids:
        g = json.loads(((gold_dir or SHARED / "gold") / f"{gid}.json").read_text(encoding="utf-8"))
        p = json.loads((pred_dir / f"{gid}.json").read_text(encoding="utf-8"))
        gt = [dict(score.task_fields(t), tt=t.get("time_text")) for t in g["tasks"]]
        pt = [dict(score.task_fields(t), tt=t.get("time_text"), rule=t.get("rule")) for t in p.get("tasks", [])]
        pairs = score.match_tasks(gt, pt)
        mg = {id(x): y for x, y in pairs}
        mp = {id(y) for _, y in pairs}

        def fmt(t):
            return f"[{t['stage'][:10]}] {t['content'][:60]} | {t['owners']} | {t['start']}..{t['due']} ({t['tt']})"

        print(f"===== {gid}: {len(pairs)}/{len(gt)} matched, {len(pt)} predicted")
        for t in gt:
            b = mg.get(id(t))
            if b is None:
                print("  G-  " + fmt(t))
                continue
            flag = (" DATE" if (t["due"], t["start"]) != (b["due"], b["start"]) else "") + \
                   (" OWN" if set(t["owners"]) != set(b["owners"]) else "")
            print("  G=  " + fmt(t) + (f"   <<{flag}" if flag else ""))
            if flag:
                print("  P=  " + fmt(b) + f" {{{b['rule']}}}")
        for b in pt:
            if id(b) not in mp:
                print("  P+  " + fmt(b) + f" {{{b['rule']}}}")


if __name__ == "__main__":
    main()
