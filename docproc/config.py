"""One documented settings object (env prefix ``DOCPROC_``), built at start, never at import time.

Values come from the keyword arguments, else from ``DOCPROC_<NAME>`` environment variables (any case), else
the defaults; strings from the environment are validated into each field's type (``DOCPROC_WORKERS=4`` → 4,
``DOCPROC_WORKERS=many`` → a validation error naming the field). A plain pydantic model reading the
environment itself: pydantic-settings did the same and cost every worker process ~0.09 s to import.

>>> import os
>>> os.environ["DOCPROC_QUEUE_MAX"] = "7"
>>> Settings().queue_max, Settings(queue_max=3).queue_max
(7, 3)
>>> del os.environ["DOCPROC_QUEUE_MAX"]
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

ENV_PREFIX = "DOCPROC_"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _environment(cls, data: Any) -> Any:
        """Fill the fields not given as arguments from ``DOCPROC_*`` variables."""
        if not isinstance(data, dict):
            return data
        env = {k[len(ENV_PREFIX):].lower(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)}
        found = {name: env[name] for name in cls.model_fields if name in env and name not in data}
        return {**found, **data} if found else data

    # text
    opencc_config: str = "t2s"  # t2s | tw2sp | hk2s (also tw2s, hk2sp)
    # limits (bytes / counts)
    max_upload_bytes: int = 50 * 1024 * 1024
    max_document_bytes: int = 50 * 1024 * 1024
    archive_max_members: int = 10_000
    archive_max_total_bytes: int = 2 * 1024 * 1024 * 1024
    archive_max_ratio: float = 200.0
    archive_max_depth: int = 3
    document_timeout_s: float = 120.0
    pdf_max_pages: int = 2000
    # service
    database_url: str = "sqlite:///./docproc.db"
    api_keys: str = ""  # comma-separated
    webhook_secret: str | None = None
    callback_allow: str = ""  # comma-separated host names allowed as callback targets
    workers: int = 2
    queue_max: int = 100
    inline_max_bytes: int = 2 * 1024 * 1024
    inline_max_files: int = 10

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]

    @property
    def callback_allow_list(self) -> list[str]:
        return [h.strip().lower() for h in self.callback_allow.split(",") if h.strip()]


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return Settings()
