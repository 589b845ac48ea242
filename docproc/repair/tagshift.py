"""Fixer placeholder: not implemented yet (returns the text unchanged)."""
from __future__ import annotations

NAME = "tagshift"


def fix(text, ctx):
    return text, []
