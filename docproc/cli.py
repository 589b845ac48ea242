"""The ``docproc`` command: a thin shell over the library.

Exit codes: 0 ok, 1 some file failed (reason on stderr), 2 usage.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import DocprocError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Chinese official notices (公文) → clean simplified text and task ledgers.")

Files = Annotated[list[Path], typer.Argument(help="notice files (.txt .html .docx .doc .pdf)", show_default=False)]


def _settings(opencc: str | None):
    """The settings for this run; a bad ``--opencc`` or ``DOCPROC_*`` value is a usage error (exit 2)."""
    from pydantic import ValidationError

    from .config import Settings
    from .simplify import CONFIGS

    try:
        s = Settings()
    except ValidationError as e:
        _err(f"bad DOCPROC_* setting: {e.errors()[0].get('loc', ('?',))[0]}: {e.errors()[0].get('msg')}")
        raise typer.Exit(2)
    if opencc:
        if opencc not in CONFIGS:
            _err(f"--opencc must be one of {', '.join(CONFIGS)} (got {opencc!r})")
            raise typer.Exit(2)
        s.opencc_config = opencc
    return s


def _failed(f: Path, error: Exception):
    """The ``status: failed`` document of a file, with its size and hash when it can be read."""
    from .pipeline import failed_document

    try:
        data = f.read_bytes()
    except OSError:
        data = None
    return failed_document(f.name, error, data)


def _err(msg: str) -> None:
    typer.echo(f"docproc: {msg}", err=True)


Timeout = Annotated[Optional[float], typer.Option(
    help="time limit per file in seconds (default DOCPROC_DOCUMENT_TIMEOUT_S, 120; 0: none)")]


def _limited(f: Path, settings, timeout: float | None, **kw):
    """``process(f)`` under the per-file time limit (a file past it fails with ``timeout``)."""
    from .pipeline import process
    from .timelimit import time_limit

    limit = settings.document_timeout_s if timeout is None else timeout
    with time_limit(limit, f"took longer than {limit:g} s (raise it with --timeout)" if limit else None):
        return process(f, settings, **kw)


@app.command()
def clean(files: Files,
          opencc: Annotated[Optional[str], typer.Option(help="OpenCC config: t2s, tw2sp, hk2s, tw2s, hk2sp")] = None,
          timeout: Timeout = None):
    """Print the repaired, simplified text of each FILE."""
    settings = _settings(opencc)
    failed = 0
    for i, f in enumerate(files):
        try:
            doc = _limited(f, settings, timeout, extract=False)
        except DocprocError as e:
            failed += 1
            _err(f"{f}: {e.code}: {e.message}")
            continue
        if len(files) > 1:
            typer.echo(f"==> {f} <==")
        typer.echo(doc.text)
        for issue in doc.issues:
            _err(f"{f}: {issue.code}: {issue.message}" + (f" at {list(issue.span)}" if issue.span else ""))
    raise typer.Exit(1 if failed else 0)


@app.command()
def extract(files: Files,
            jsonl: Annotated[bool, typer.Option("--jsonl", help="one JSON object per line (default for several files)")] = False,
            opencc: Annotated[Optional[str], typer.Option(help="OpenCC config")] = None,
            timeout: Timeout = None):
    """Print the document JSON (schema docproc.notice/1) of each FILE."""
    settings = _settings(opencc)
    one_line = jsonl or len(files) > 1
    failed = 0
    for f in files:
        try:
            doc = _limited(f, settings, timeout)
        except DocprocError as e:
            failed += 1
            _err(f"{f}: {e.code}: {e.message}")
            doc = _failed(f, e)
        except Exception as e:  # never lose the line for one bad file
            failed += 1
            _err(f"{f}: internal error: {type(e).__name__}: {e}")
            doc = _failed(f, e)
        d = doc.to_dict()
        typer.echo(json.dumps(d, ensure_ascii=False) if one_line else json.dumps(d, ensure_ascii=False, indent=2))
    raise typer.Exit(1 if failed else 0)


@app.command("eval")
def evaluate(gold_dir: Annotated[Path, typer.Argument(help="folder of gold <id>.json files")],
             base: Annotated[Optional[Path], typer.Option(help="where gold 'input' paths are relative to (default: GOLD_DIR/..)")] = None,
             pred_dir: Annotated[Optional[Path], typer.Option("--pred", help="also keep predictions here")] = None,
             quiet: Annotated[bool, typer.Option(help="only the table")] = False):
    """Run extraction on each gold file's input and print per-field precision/recall/F1."""
    from .evaluate import run_eval

    if not gold_dir.is_dir():
        _err(f"{gold_dir}: not a folder")
        raise typer.Exit(2)
    code = run_eval(gold_dir, base or gold_dir.resolve().parent, pred_dir, quiet=quiet)
    raise typer.Exit(code)


@app.command()
def convert(inputs: Annotated[list[Path], typer.Argument(help="files, folders and archives", show_default=False)],
            output: Annotated[Path, typer.Option("-o", "--output", help="output folder")],
            jobs: Annotated[Optional[int], typer.Option("-j", "--jobs", help="worker processes (default: all cores)")] = None,
            formats: Annotated[str, typer.Option("--format", help="comma-separated: jsonl,csv,xlsx,ics,report")] = "jsonl,csv,xlsx,ics,report",
            resume: Annotated[bool, typer.Option("--resume", help="skip documents already converted (by content hash)")] = False,
            engine: Annotated[str, typer.Option(help="local | dask")] = "local",
            scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address tcp://HOST:PORT")] = None,
            quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
            timeout: Annotated[Optional[float], typer.Option(help="per-document time limit in seconds")] = None):
    """Convert files, folders and archives into OUTDIR (documents.jsonl, tasks.csv/xlsx/ics, errors, report)."""
    from .convert import run_convert

    raise typer.Exit(run_convert(inputs, output, jobs=jobs, formats=formats, resume=resume, engine=engine,
                                 scheduler=scheduler, quiet=quiet, timeout=timeout))


@app.command()
def serve(host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="port")] = 8000,
          workers: Annotated[Optional[int], typer.Option(help="job worker processes")] = None):
    """Run the HTTP service (API under /v1, web page at /)."""
    from service.server import serve as run_server

    raise typer.Exit(run_server(host=host, port=port, workers=workers))


@app.command()
def version():
    """Print the version."""
    from . import __version__

    typer.echo(__version__)


def main() -> None:
    try:
        app()
    except SystemExit as e:
        if e.code not in (0, 1, 2, None):
            raise
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
