"""Fixer placeholder: not implemented yet (returns the text unchanged)."""
from __future__ import annotations

NAME = "pdfclean"


def fix(text, ctx):
    return text, []
