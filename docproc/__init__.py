"""docproc: Chinese official notices (公文) → clean simplified text and structured task ledgers."""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["process", "clean_text", "__version__"]


def process(*args, **kwargs):
    from .pipeline import process as _process

    return _process(*args, **kwargs)


def clean_text(*args, **kwargs):
    from .pipeline import clean_text as _clean

    return _clean(*args, **kwargs)
