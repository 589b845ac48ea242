"""Fixes after OpenCC: characters the web s2t converters map wrongly and t2s cannot undo (placeholder)."""
from __future__ import annotations

NAME = "post_simplify"


def fix(text, ctx):
    return text, []
