"""Packaging hook (everything else is in pyproject.toml): a wheel carries ``models/`` — the spaCy pipeline
config and the rule patterns extraction reads — as ``docproc/_models``, so a non-editable install finds its
data without the checkout (``docproc.extract.units.models_dir``). An editable install reads ``models/`` in place.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODELS = Path(__file__).resolve().parent / "models"


class BuildPyWithModels(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False) or not MODELS.is_dir():
            return
        shutil.copytree(MODELS, Path(self.build_lib) / "docproc" / "_models", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.py"))


setup(cmdclass={"build_py": BuildPyWithModels})
