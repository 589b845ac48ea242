"""``/health`` (liveness), ``/ready`` (pipeline loaded, database reachable), ``/version``."""
from __future__ import annotations

import platform

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from docproc import __version__
from docproc.model import SCHEMA

from ..db import SCHEMA_VERSION
from ..deps import Svc

router = APIRouter(tags=["system"])


@router.get("/health", summary="Liveness: the process answers")
def health():
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: pipeline loaded and database reachable (503 until then)")
def ready(svc: Svc):
    db_ok = svc.db.ping()
    pipe = svc.pipeline_ready
    body = {"status": "ready" if db_ok and pipe else "not_ready", "database": db_ok, "pipeline": pipe,
            "workers": svc.settings.workers}
    if svc.pool:
        body["workers_busy"] = svc.pool.busy
    return JSONResponse(body, status_code=200 if db_ok and pipe else 503)


@router.get("/version", summary="Versions of docproc, the output schema, the API and the database schema")
def version(svc: Svc):
    return {"version": __version__, "schema": SCHEMA, "api": "v1", "db_schema": SCHEMA_VERSION,
            "database": svc.db.dialect, "python": platform.python_version()}
