"""Bulk-conversion benchmark: ``docproc convert`` throughput, speed-up, memory, and the OpenCC floor.

    .venv/bin/python bench/convert.py [--n 1000] [--jobs 1,2] [--no-dask] [--profile 300] [--profile-main]

Builds a temporary corpus by replicating ../shared/corpus, ../shared/seeds and samples/ (never into the
repository), then measures through :func:`docproc.convert.convert` — the code path of the CLI:

- text/HTML set: documents/second with ``-j 1`` and ``-j 2`` and through ``--engine dask`` on a LocalCluster;
- mixed set (txt, html, docx, doc, pdf in the corpus' proportions): documents/second with ``-j 1`` / ``-j 2``;
- PDFs: pages/second per worker (pages over worker seconds spent on PDFs);
- peak memory per worker (``ru_maxrss`` reported by each worker);
- the floor: the same text/HTML files only decoded and converted with OpenCC in one process;
- optionally the hot spots (cProfile of the in-process pipeline over the text set), and of the main process
  alone during a ``-j 2`` run (``--profile-main``: expanding, dispatching, writing, exporting).

Wall-time figures include starting the workers and closing the outputs; "steady state" is the rate between
the moment every worker had loaded the pipeline and the last result.
Prints a Markdown table for BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("DOCPROC_SHARED", ROOT.parent / "shared"))
TEXT_EXT = {".txt", ".html", ".htm"}
ALL_EXT = TEXT_EXT | {".docx", ".doc", ".pdf"}


def sources() -> list[Path]:
    found = []
    for base in (SHARED / "corpus", SHARED / "seeds", ROOT / "samples"):
        if base.is_dir():
            found += [p for p in sorted(base.rglob("*")) if p.is_file() and p.suffix.lower() in ALL_EXT
                      and "scan" not in p.name]
    return found


def _unique_tail(data: bytes, i: int, suffix: str) -> bytes:
    """Bytes that make copy ``i`` of a text/HTML file unique without changing its text: an HTML comment, or a
    trailing line of spaces and tabs (the pipeline strips it) in the file's own encoding. Identical copies
    would be unrealistically cheap downstream (the iCalendar feed keeps one event per document hash)."""
    if suffix in (".html", ".htm"):
        return b"\n<!-- copy %d -->\n" % i
    tail = "\n" + bin(i)[2:].replace("0", " ").replace("1", "\t") + "\n"
    head = data[:400]
    if data[:2] == b"\xff\xfe" or (data[:2] != b"\xfe\xff" and head[1::2].count(0) > head[0::2].count(0)):
        return tail.encode("utf-16-le")
    if data[:2] == b"\xfe\xff" or head[0::2].count(0) > 0:
        return tail.encode("utf-16-be")
    return tail.encode("ascii")


def replicate(files: list[Path], n: int, dest: Path) -> list[Path]:
    """``n`` files copied round-robin from ``files`` into ``dest/<batch>/``; text and HTML copies are made
    unique (:func:`_unique_tail`), the others are byte copies."""
    out = []
    for i in range(n):
        src = files[i % len(files)]
        d = dest / f"b{i // 100:03d}"
        d.mkdir(parents=True, exist_ok=True)
        p = d / f"{i:05d}{src.suffix.lower()}"
        data = src.read_bytes()
        if src.suffix.lower() in TEXT_EXT:
            data += _unique_tail(data, i, src.suffix.lower())
        p.write_bytes(data)
        out.append(p)
    return out


def run(inputs, out: Path, cores: int | None = None, **kw):
    """One conversion; returns (stats, main-process CPU seconds). ``cores``: run it (this process and the
    workers it starts) on that many cores only, as on a machine that has just those."""
    from docproc.convert import convert

    shutil.rmtree(out, ignore_errors=True)
    every = os.sched_getaffinity(0)
    if cores:
        os.sched_setaffinity(0, sorted(every)[:cores])
    try:
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        st = convert(inputs, out, quiet=True, formats="csv,xlsx,ics,report", **kw)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        os.sched_setaffinity(0, every)
    return st, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def floor(files: list[Path]) -> float:
    """Documents/second for decode + OpenCC t2s only (the cheapest possible conversion of the same files)."""
    import opencc

    cc = opencc.OpenCC("t2s")
    datas = [p.read_bytes() for p in files]
    t0 = time.perf_counter()
    for data in datas:
        for enc in ("utf-8", "gb18030", "utf-16"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            text = data.decode("utf-8", "replace")
        cc.convert(text)
    return len(datas) / (time.perf_counter() - t0)


def profile(files: list[Path], top: int = 25) -> str:
    from docproc.pipeline import process

    datas = [(p.read_bytes(), p.name) for p in files]
    process(datas[0][0], name=datas[0][1])  # warm
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for data, name in datas:
        try:
            process(data, name=name)
        except Exception:
            pass
    prof.disable()
    per_doc = (time.perf_counter() - t0) / len(datas) * 1000
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(top)
    s2 = io.StringIO()
    pstats.Stats(prof, stream=s2).sort_stats("tottime").print_stats(top)
    return f"in-process (profiled) {per_doc:.2f} ms/doc\n" + s.getvalue() + s2.getvalue()


def _burn(n: int = 4_000_000) -> float:
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i
    return time.perf_counter() - t


def control() -> str:
    """What parallelism the machine gives right now: a pure-Python loop in 1 process, then in 2 at once."""
    import multiprocessing as mp

    one = _burn()
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_burn, [1000, 1000])  # start-up out of the way
        t = time.perf_counter()
        pool.map(_burn, [4_000_000, 4_000_000])
        two = time.perf_counter() - t
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"2 processes do {2 * one / two:.2f}× the work of 1 (load average {load})"


def mib(b: int) -> str:
    return f"{b / 2**20:.0f} MiB"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-mixed", action="store_true")
    ap.add_argument("--pdf-copies", type=int, default=40)
    ap.add_argument("--profile", type=int, default=0, help="profile the pipeline over this many text notices")
    ap.add_argument("--profile-main", action="store_true", help="cProfile the main process of a -j 2 run")
    ap.add_argument("--keep", help="build the corpus here and keep it (default: a temp dir, removed)")
    ap.add_argument("--pin", action="store_true",
                    help="run each -j N conversion on N cores only (scaling 1 → 2 cores; without it -j 1 still has "
                         "the second core for the main process)")
    args = ap.parse_args()
    # byte-compile the package as an install does: with PYTHONDONTWRITEBYTECODE set (as on some CI machines)
    # every worker would otherwise compile docproc's ~90 modules from source at start-up (~0.08 s each time)
    import compileall

    compileall.compile_dir(str(ROOT / "docproc"), quiet=1)
    srcs = sources()
    if not srcs:
        print("no corpus found (../shared/corpus, ../shared/seeds, samples/)", file=sys.stderr)
        return 2
    text_srcs = [p for p in srcs if p.suffix.lower() in TEXT_EXT]
    pdf_srcs = [p for p in srcs if p.suffix.lower() == ".pdf"]
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="docproc-bench-"))
    rows: list[tuple[str, str]] = []
    try:
        text_files = replicate(text_srcs, args.n, tmp / "text")
        sizes = [p.stat().st_size for p in text_files]
        print(f"corpus: {len(srcs)} source files ({len(text_srcs)} text/html, {len(pdf_srcs)} pdf); "
              f"text set {len(text_files)} files, median {statistics.median(sizes) / 1024:.1f} KiB, "
              f"mean {statistics.mean(sizes) / 1024:.1f} KiB", file=sys.stderr)
        rows.append(("text/HTML set", f"{len(text_files)} files, median {statistics.median(sizes) / 1024:.1f} KiB"))
        rows.append(("control: CPU burn 1 → 2 processes", control()))
        print(rows[-1], file=sys.stderr)
        jobs = [int(j) for j in args.jobs.split(",")]
        rates: dict[int, list[float]] = {}
        steady: dict[int, list[float]] = {}
        controls: list[str] = []
        for j in jobs:
            if j == 1 and 2 in jobs:  # the machine is shared: read it again before each -j 1 / -j 2 pair
                controls.append(control().split(" (")[0].replace("2 processes do ", "").replace(" the work of 1", ""))
            st, wall = run([tmp / "text"], tmp / f"out-text-j{j}", cores=j if args.pin else None, jobs=j)
            n = st.converted + st.failed
            rate = n / st.elapsed
            rates.setdefault(j, []).append(rate)
            steady.setdefault(j, []).append(st.steady_rate)
            per_worker = n / max(st.worker_seconds, 1e-9)
            peak = max(st.worker_peak_rss.values()) if st.worker_peak_rss else 0
            cpu_ms = st.worker_cpu_seconds / max(st.converted, 1) * 1000
            label = f"text/HTML -j {j}" + (f" on {j} core{'s' if j > 1 else ''}" if args.pin else "")
            rows.append((f"{label} CPU", f"{cpu_ms:.2f} ms CPU per document in the worker "
                         f"(→ {1000 / cpu_ms:.0f} doc/s per worker on a free core); main process "
                         f"{wall / max(n, 1) * 1000:.2f} ms CPU per document, all included"))
            rows.append((label, f"{rate:.1f} doc/s wall ({st.elapsed:.2f} s: start-up "
                         f"{st.startup_seconds:.2f} s until every worker was ready, last result at "
                         f"{st.last_result_seconds:.2f} s, then {st.finalize_seconds:.2f} s closing the outputs); "
                         f"steady state {st.steady_rate:.1f} doc/s; {per_worker:.0f} doc/s per worker busy time; "
                         f"peak {mib(peak)}/worker; main process {wall:.1f} s CPU; {st.failed} failed"))
            print(rows[-1], file=sys.stderr)
        if 1 in rates and 2 in rates:
            ends = [b / a for a, b in zip(rates[1], rates[2])]
            rows.append(("speed-up -j1 → -j2, end to end", ", ".join(f"{x:.2f}×" for x in ends)
                         + f" (median {statistics.median(ends):.2f}×; each -j 2 run over the -j 1 run before it)"))
            steadies = [b / a for a, b in zip(steady[1], steady[2]) if a]
            rows.append(("speed-up -j1 → -j2, steady state", ", ".join(f"{x:.2f}×" for x in steadies)
                         + (f" (median {statistics.median(steadies):.2f}×)" if steadies else "")))
            rows.append(("control before each pair", ", ".join(controls)))
            rows.append(("control again", control()))
        if not args.no_dask:
            from distributed import Client, LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
                    Client(cl) as client:
                st, wall = run([tmp / "text"], tmp / "out-text-dask", engine="dask", client=client)
            rate = (st.converted + st.failed) / st.elapsed
            peak = max(st.worker_peak_rss.values()) if st.worker_peak_rss else 0
            rows.append(("text/HTML dask LocalCluster 2×1", f"{rate:.1f} doc/s wall; peak {mib(peak)}/worker"))
            print(rows[-1], file=sys.stderr)
        fl = floor(text_files)
        rows.append(("floor (decode + OpenCC t2s, 1 process)", f"{fl:.0f} doc/s"))
        if 1 in rates:
            r1 = max(rates[1])
            rows.append(("full pipeline -j 1 / floor", f"{r1 / fl:.3f} (floor is {fl / r1:.0f}× faster)"))
        if not args.no_mixed:
            mixed = replicate(srcs, args.n, tmp / "mixed")
            exts = {}
            for p in mixed:
                exts[p.suffix] = exts.get(p.suffix, 0) + 1
            rows.append(("mixed set", ", ".join(f"{k[1:]} {v}" for k, v in sorted(exts.items()))))
            for j in jobs:
                st, wall = run([tmp / "mixed"], tmp / f"out-mixed-j{j}", jobs=j)
                rate = (st.converted + st.failed) / st.elapsed
                peak = max(st.worker_peak_rss.values()) if st.worker_peak_rss else 0
                rows.append((f"mixed -j {j}", f"{rate:.1f} doc/s; peak {mib(peak)}/worker; {st.failed} failed"))
                print(rows[-1], file=sys.stderr)
        if pdf_srcs and args.pdf_copies:
            replicate(pdf_srcs, args.pdf_copies, tmp / "pdf")
            st, wall = run([tmp / "pdf"], tmp / "out-pdf", jobs=1)
            pps = st.pages / max(st.pdf_seconds, 1e-9)
            peak = max(st.worker_peak_rss.values()) if st.worker_peak_rss else 0
            rows.append(("PDF (text layer) -j 1", f"{st.pages} pages in {st.converted} files: {pps:.0f} pages/s per "
                         f"worker; peak {mib(peak)}; {st.failed} failed"))
            print(rows[-1], file=sys.stderr)
        print("\n| measurement | result |\n|---|---|")
        for k, v in rows:
            print(f"| {k} | {v} |")
        if args.profile:
            print("\n```\n" + profile(text_files[: args.profile]) + "```")
        if args.profile_main:
            prof = cProfile.Profile()
            prof.enable()
            run([tmp / "text"], tmp / "out-text-prof", jobs=2)
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
            print("\nmain process of a -j 2 run (cProfile, wall clock: the wait for results is `poll`)\n```\n"
                  + out.getvalue() + "```")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
