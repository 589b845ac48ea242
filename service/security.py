"""API keys, who-is-acting (for the audit trail), loopback checks and callback host allow-listing."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import httpx

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import ApiError

USER_HEADER = "X-Docproc-User"  # optional: the person acting (clerk's name, percent-encoded UTF-8), for the audit


def key_id(key: str) -> str:
    """A short, non-secret fingerprint of an API key (``key:1a2b3c4d``) for logs and the audit trail."""
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Principal:
    key_id: str | None  # None when the service runs without keys (loopback only)
    user: str | None

    @property
    def actor(self) -> str:
        return self.user or self.key_id or "anonymous"


def check_key(keys: list[str], header: str | None) -> str | None:
    """The matching key's id, or raise 401. ``keys`` empty → open (the server only binds loopback then)."""
    if not keys:
        return None
    if not header or not header.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "missing API key: send 'Authorization: Bearer <key>'",
                       headers={"WWW-Authenticate": "Bearer"})
    given = header[7:].strip().encode()
    ok = None
    for k in keys:  # compare against every key (constant time per key)
        if hmac.compare_digest(given, k.encode()):
            ok = k
    if ok is None:
        raise ApiError(401, "unauthorized", "invalid API key", headers={"WWW-Authenticate": "Bearer"})
    return key_id(ok)


_bearer = HTTPBearer(auto_error=False, description="an API key from DOCPROC_API_KEYS")


def require_key(request: Request,
                _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> Principal:
    """FastAPI dependency on every /v1 route (``_creds`` only documents the scheme in OpenAPI)."""
    settings = request.app.state.settings
    kid = check_key(settings.api_key_list, request.headers.get("authorization"))
    user = unquote(request.headers.get(USER_HEADER) or "").strip()[:200] or None
    return Principal(kid, user)


def is_loopback(host: str) -> bool:
    """True when ``host`` only ever means this machine.

    >>> [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "127.3.0.1")]
    [True, True, True, True]
    >>> [is_loopback(h) for h in ("0.0.0.0", "::", "", "192.168.1.5")]
    [False, False, False, False]
    """
    h = (host or "").strip().strip("[]")
    if not h:
        return False
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        pass
    if h.lower() == "localhost":
        return True
    try:
        addrs = {ai[4][0] for ai in socket.getaddrinfo(h, None)}
    except OSError:
        return False
    return bool(addrs) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs)


def host_allowed(host: str, port: int | None, allow: list[str]) -> bool:
    """``allow`` holds host names, ``host:port`` pairs or ``*.suffix`` wildcards (case-insensitive).

    >>> host_allowed("hooks.example.org", 443, ["hooks.example.org"])
    True
    >>> host_allowed("a.example.org", None, ["*.example.org"]), host_allowed("example.org.evil", None, ["*.example.org"])
    (True, False)
    >>> host_allowed("127.0.0.1", 8080, ["127.0.0.1:9000"]), host_allowed("127.0.0.1", 9000, ["127.0.0.1:9000"])
    (False, True)
    """
    host = host.lower().rstrip(".")
    for entry in allow:
        e = entry.lower().strip()
        if not e:
            continue
        ehost, _, eport = e.rpartition(":") if e.count(":") == 1 else (e, "", "")
        if not ehost:
            ehost, eport = e, ""
        if eport and (port is None or str(port) != eport):
            continue
        if ehost.startswith("*."):
            if host.endswith(ehost[1:]) and host != ehost[2:]:
                return True
        elif host == ehost:
            return True
    return False


def check_callback_url(url: str, allow: list[str]) -> str:
    """Validate a job's ``callback_url``: http(s), a host on ``DOCPROC_CALLBACK_ALLOW``; else 422."""
    url = url.strip()
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):  # urlsplit drops tabs/newlines that httpx refuses
        raise ApiError(422, "invalid_callback_url", "callback_url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        httpx.URL(url)  # the client that will call it must accept it too
    except (ValueError, httpx.InvalidURL) as e:
        raise ApiError(422, "invalid_callback_url", f"callback_url is not a valid URL: {e}") from e
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(422, "invalid_callback_url", "callback_url must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ApiError(422, "invalid_callback_url", "callback_url must not carry credentials")
    if not host_allowed(parts.hostname, port, allow):
        raise ApiError(422, "callback_not_allowed",
                       f"callback host {parts.hostname!r} is not allowed (DOCPROC_CALLBACK_ALLOW"
                       + (f" is {','.join(allow)!r})" if allow else " is empty)"), host=parts.hostname)
    return url


class AuthMiddleware:
    """Refuse a /v1 request with a missing or wrong key before its body is read (no spooling for strangers).

    Without keys the API answers loopback clients only — whatever the server was bound to (``docproc serve``
    refuses a public bind without keys; ``uvicorn --factory service.app:create_app --host 0.0.0.0`` does not
    ask). A reverse proxy on the same machine counts as loopback: give the service keys behind one.
    """

    def __init__(self, app, get_keys):
        self.app, self.get_keys = app, get_keys

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/v1/"):
            keys = self.get_keys()
            try:
                if keys:
                    header = None
                    for k, v in scope.get("headers") or ():
                        if k == b"authorization":
                            header = v.decode("latin-1")
                    check_key(keys, header)
                else:
                    client = scope.get("client")
                    if client and not is_loopback(str(client[0])):
                        raise ApiError(403, "keys_required",
                                       "this service has no API keys (DOCPROC_API_KEYS), so it answers only "
                                       "clients on this machine")
            except ApiError as e:
                await _reject(send, e)
                return
        await self.app(scope, receive, send)


async def _reject(send, e: ApiError) -> None:
    import json

    body = json.dumps(e.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if e.status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": e.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
