"""The web page for office staff (``/``): a single page in Simplified Chinese, vanilla JS, every asset shipped in
``service/static`` (no CDN, works offline).

The shell (``/`` and ``/static/*``) is public and holds no data: everything the page shows comes from ``/v1``
with the API key the clerk types into its login form (kept in ``sessionStorage``, sent as
``Authorization: Bearer``). A strict Content-Security-Policy keeps the page to its own scripts.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _index() -> bytes:
    return (STATIC_DIR / "index.html").read_bytes()


@router.get("/", response_class=HTMLResponse)
def index():
    return HTMLResponse(_index(), headers=PAGE_HEADERS)


@router.get("/ui")
def ui_alias():
    return RedirectResponse("/", status_code=307)


@router.get("/favicon.ico")
def favicon():
    return RedirectResponse("/static/favicon.svg", status_code=301)


class _Static(StaticFiles):
    """Static files with the page's security headers and revalidation (ETag) on every load."""

    async def get_response(self, path, scope):
        resp = await super().get_response(path, scope)
        for k, v in PAGE_HEADERS.items():
            resp.headers.setdefault(k, v)
        return resp


def install(app: FastAPI) -> None:
    """Serve the page at ``/`` and its assets under ``/static``."""
    app.include_router(router)
    app.mount("/static", _Static(directory=STATIC_DIR), name="static")
