"""Shared fixtures. Tests that read ../shared (corpus, gold, peers) skip when it is absent."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
FIXTURES = ROOT / "tests" / "data" / "fixtures"  # test-only files: a .doc, an encrypted PDF
SHARED = Path(os.environ.get("DOCPROC_SHARED", ROOT.parent / "shared")).resolve()
HAVE_SHARED = (SHARED / "gold").is_dir()

needs_shared = pytest.mark.skipif(not HAVE_SHARED, reason="../shared is absent")


def clean_text_files() -> list[Path]:
    """Clean Chinese text that every fixer must leave alone: shared/seeds_clean and the corpus .txt files."""
    if not HAVE_SHARED:
        return []
    return sorted((SHARED / "seeds_clean").glob("*.txt")) + sorted((SHARED / "corpus").glob("*.txt"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not HAVE_SHARED:
        pytest.skip("../shared is absent")
    return SHARED


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@contextmanager
def keyed_server(tmp: Path, key: str, workers: int):
    """A real ``docproc serve`` on a free loopback port with one API key and a temp SQLite database."""
    from service.testing import ServerProcess

    srv = ServerProcess(db=tmp / "ui.db", env={"DOCPROC_API_KEYS": key}, api_key=key, workers=workers,
                        log=tmp / "server.log")
    srv.start(timeout=120)
    try:
        yield srv
    finally:
        srv.stop()
        srv.client.close()
