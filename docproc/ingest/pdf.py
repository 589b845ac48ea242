"""pdf reader. (placeholder: to be implemented)"""
from __future__ import annotations

from ..errors import UnsupportedFormat


def read(data, name=None, settings=None):
    raise UnsupportedFormat("pdf reader not implemented yet")
