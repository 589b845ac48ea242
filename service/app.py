"""``create_app(settings)``: the FastAPI application (API under /v1, OpenAPI at /docs and /openapi.json).

Run it with ``docproc serve`` (see ``service.server``) or ``uvicorn --factory service.app:create_app``.
The lifespan owns everything that lives as long as the service: the database (schema created/migrated at
start), the worker processes, the job runner and the webhook sender.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline  # /docs and /redoc assets ship in the package: no CDN
from starlette.concurrency import run_in_threadpool

from docproc import __version__
from docproc.config import Settings

from . import errors
from .db import Database
from .jobs import JobRunner
from .limits import BodyLimitMiddleware
from .pool import WorkerPool, run_one
from .security import AuthMiddleware
from .webhooks import WebhookSender

log = logging.getLogger("docproc.service")


class Service:
    """Everything the routers need, built from the settings at start (never at import time)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = Database(settings.database_url)
        self.pool = WorkerPool(settings.workers, settings) if settings.workers > 0 else None
        self.sender = WebhookSender(self.db, settings)
        self.runner = JobRunner(self.db, self.pool, settings, self.sender) if self.pool else None
        self._local_ready = threading.Event()

    def start(self) -> None:
        self.db.create_schema()
        if self.pool:
            self.pool.start()
        else:  # no worker processes: documents sent inline are processed in this process
            threading.Thread(target=self._warm_local, name="docproc-warmup", daemon=True).start()
        self.sender.start()
        if self.runner:
            self.runner.start()

    def _warm_local(self) -> None:
        from docproc.pipeline import warm_up

        try:
            warm_up(self.settings)
        finally:
            self._local_ready.set()

    def stop(self) -> None:
        if self.runner:
            self.runner.stop()
        if self.pool:
            self.pool.shutdown()
        self.sender.stop()
        self.db.dispose()

    def wake_jobs(self) -> None:
        if self.runner:
            self.runner.wake()

    async def process(self, data: bytes, name: str | None, member: str | None = None):
        """``("ok", document dict)`` or ``("error", {...})`` — in a worker process when there are any."""
        if self.pool:
            return await asyncio.wrap_future(self.pool.submit(data, name, member))
        return await run_in_threadpool(run_one, self.settings, data, name, member)

    @property
    def pipeline_ready(self) -> bool:
        return self.pool.ready if self.pool else self._local_ready.is_set()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        svc = Service(settings)
        await run_in_threadpool(svc.start)
        app.state.svc = svc
        log.info("docproc service %s: database %s, %d worker(s)", __version__, svc.db.dialect, settings.workers)
        try:
            yield
        finally:
            await run_in_threadpool(svc.stop)

    app = FastAPIOffline(title="docproc", version=__version__, lifespan=lifespan,
                  description="Chinese official notices (公文) → clean simplified text and task ledgers. "
                              "Authenticate with `Authorization: Bearer <key>` when the service has API keys.")
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(BodyLimitMiddleware, get_limit=lambda: settings.max_upload_bytes)
    app.add_middleware(AuthMiddleware, get_keys=lambda: settings.api_key_list)  # outermost: runs first

    from .routers import documents, jobs, review, system, tasks

    app.include_router(system.router)
    app.include_router(documents.router, prefix="/v1")
    app.include_router(review.router, prefix="/v1")
    app.include_router(jobs.router, prefix="/v1")
    app.include_router(tasks.router, prefix="/v1")

    from . import review as gold_review, ui  # the web page (/, /static) and its gold/annotation endpoints

    app.include_router(gold_review.router, prefix="/v1")
    ui.install(app)
    return app
