"""A wheel (not the editable checkout) carries everything extraction needs: built here without network,
installed into a temporary folder, and run from there with the checkout out of the way."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_models_and_extracts_from_its_own_copy(tmp_path):
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    for name in ("pyproject.toml", "setup.py", "README.md"):
        src.mkdir(exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    for name in ("docproc", "service", "models"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "_models"))
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PIP_NO_INDEX": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("docproc-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "docproc/_models/docproc_zh/config.cfg" in names
    assert "docproc/_models/patterns/time_lexicon.json" in names
    assert "docproc/data/boilerplate_fold_opencc.tsv" in names
    assert not any(n.endswith(".py") and n.startswith("docproc/_models/") for n in names)
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)  # what pip install puts in site-packages
    code = ("import docproc, json; from docproc.pipeline import process; from docproc.extract.units import models_dir; "
            "d = process('关于做好防汛工作的通知\\n各区县：\\n一、请于2024年6月30日前报送方案。\\n'.encode(), name='a.txt'); "
            "print(json.dumps([docproc.__file__, str(models_dir()), d.notice.title, [t.due for t in d.tasks]], ensure_ascii=False))")
    env = {k: v for k, v in os.environ.items() if k != "DOCPROC_MODELS"}
    env["PYTHONPATH"] = str(target)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    file, models, title, dues = json.loads(run.stdout.strip().splitlines()[-1])
    assert file.startswith(str(target)) and models == str(target / "docproc" / "_models")
    assert title == "关于做好防汛工作的通知" and dues == ["2024-06-30"]


def test_missing_models_folder_is_a_clear_error(tmp_path, monkeypatch):
    from docproc.errors import DocprocError
    from docproc.extract.units import models_dir

    monkeypatch.setenv("DOCPROC_MODELS", str(tmp_path / "nowhere"))
    with pytest.raises(DocprocError, match="extraction data not found in .*nowhere.*set DOCPROC_MODELS"):
        models_dir()
    monkeypatch.delenv("DOCPROC_MODELS")
    assert (models_dir() / "patterns" / "time_lexicon.json").is_file()
