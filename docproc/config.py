"""One documented settings object (env prefix ``DOCPROC_``), built at start, never at import time."""
from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCPROC_", extra="ignore")

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
