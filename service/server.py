"""``serve(host, port, workers) -> exit code``: what ``docproc serve`` runs.

Without API keys (``DOCPROC_API_KEYS``) the service refuses to listen on anything but loopback: it prints why
and returns 2. Returns 0 after a clean stop (Ctrl-C / SIGTERM), 1 when the server could not start (port taken,
database unreachable…).
"""
from __future__ import annotations

import logging
import os
import sys

from docproc.config import Settings

from .security import is_loopback


def _log_level() -> str:
    return os.environ.get("DOCPROC_LOG_LEVEL", "info").lower()


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None) -> int:
    try:
        settings = Settings()
    except Exception as e:  # a bad DOCPROC_* value
        print(f"docproc serve: invalid settings: {e}", file=sys.stderr)
        return 2
    if workers is not None:
        if workers < 0:
            print("docproc serve: --workers must be 0 or more", file=sys.stderr)
            return 2
        settings.workers = workers
    if not settings.api_key_list and not is_loopback(host):
        print(f"docproc serve: refusing to listen on {host!r} without API keys. Set DOCPROC_API_KEYS "
              "(comma-separated keys; clients send 'Authorization: Bearer <key>'), or bind 127.0.0.1.",
              file=sys.stderr)
        return 2
    if not 0 <= port <= 65535:
        print(f"docproc serve: invalid port {port}", file=sys.stderr)
        return 2

    import uvicorn

    from .app import create_app

    logging.basicConfig(level=_log_level().upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    config = uvicorn.Config(app, host=host, port=port, log_level=_log_level(), lifespan="on",
                            timeout_graceful_shutdown=10, proxy_headers=False)
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit as e:  # uvicorn exits on startup failures
        return int(e.code) if isinstance(e.code, int) and e.code else 1
    except KeyboardInterrupt:
        return 0
    return 0 if server.started else 1
