"""Request-body limit, enforced while the body streams in (nothing beyond the limit is read or stored).

A declared ``Content-Length`` over ``DOCPROC_MAX_UPLOAD_BYTES`` is refused before the body is read; a body
without one (chunked) is counted as it arrives and refused the moment it passes the limit. Either way the client
gets **413** ``{"error": {"code": "too_large", "limit": …, "setting": "DOCPROC_MAX_UPLOAD_BYTES"}}``. The
multipart parser spools file parts to temporary files, so memory stays bounded too.
"""
from __future__ import annotations

import json

from .intake import limit_error


class _Overflow(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app, get_limit):
        self.app = app
        self.get_limit = get_limit

    async def _reject(self, send, limit: int) -> None:
        body = json.dumps(limit_error("max_upload_bytes", limit, "the request body").body(),
                          ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        limit = int(self.get_limit())
        declared = None
        for k, v in scope.get("headers") or ():
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    declared = None
        if declared is not None and declared > limit:
            return await self._reject(send, limit)
        state = {"n": 0, "over": False, "sent": False}

        async def limited_receive():
            msg = await receive()
            if msg["type"] == "http.request":
                state["n"] += len(msg.get("body") or b"")
                if state["n"] > limit:
                    state["over"] = True
                    raise _Overflow()
            return msg

        async def guarded_send(msg):
            if state["over"]:  # whatever the app made of the aborted body, the answer is 413
                if msg["type"] == "http.response.start" and not state["sent"]:
                    state["sent"] = True
                    await self._reject(send, limit)
                return
            await send(msg)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _Overflow:
            pass
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["sent"]:
            state["sent"] = True
            await self._reject(send, limit)
