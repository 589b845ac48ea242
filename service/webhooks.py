"""Job callbacks: ``job.progress``, ``job.completed``, ``job.failed`` (and ``job.cancelled``) POSTed as JSON.

Deliveries are written to ``webhook_deliveries`` in the same transaction as the job change that causes them
(an outbox), then sent by one background thread, so a restart loses none. Each is retried with exponential
backoff (1, 2, 4, 8, 16 s…; 6 attempts for final events, 2 for progress) until the receiver answers 2xx.
Redirects are not followed, and the host is checked against ``DOCPROC_CALLBACK_ALLOW`` again before each send.

Headers: ``Content-Type: application/json``, ``X-Docproc-Event``, ``X-Docproc-Delivery`` (unique id, the same
on retries), and — when ``DOCPROC_WEBHOOK_SECRET`` is set — ``X-Docproc-Signature: sha256=<hex>``, the
HMAC-SHA256 of the exact body bytes with the secret (verify it before trusting the body; the body carries
``sent_at`` to let receivers refuse replays).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import uuid
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update

from docproc import __version__

from .models import Job, WebhookDelivery, utcnow
from .security import host_allowed

log = logging.getLogger("docproc.service.webhooks")

SIGNATURE_HEADER = "X-Docproc-Signature"
EVENT_HEADER = "X-Docproc-Event"
DELIVERY_HEADER = "X-Docproc-Delivery"
FINAL_EVENTS = ("job.completed", "job.failed", "job.cancelled")
MAX_ATTEMPTS = {"job.progress": 2}
DEFAULT_MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 300.0
SEND_TIMEOUT_S = 10.0


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``.

    >>> sign("s3cret", b'{"event":"job.completed"}')
    'sha256=a93f5aefdb1c925ae06dd4159192fb3ae19cdef1bd0d32a74fa98027744a8607'
    """
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: constant-time compare of the signature header."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header)


def backoff(attempts: int) -> float:
    """Seconds to wait after ``attempts`` failed attempts.

    >>> [backoff(n) for n in (1, 2, 3, 4, 10)]
    [1.0, 2.0, 4.0, 8.0, 300.0]
    """
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (attempts - 1))


def enqueue(s, job: Job, event: str, job_payload: dict) -> WebhookDelivery | None:
    """Record a delivery for ``job``'s callback (no-op without one). Final events supersede pending progress."""
    if not job.callback_url:
        return None
    did = uuid.uuid4().hex
    body = json.dumps({"event": event, "delivery": did, "sent_at": utcnow().replace(microsecond=0).isoformat() + "Z",
                       "job": job_payload}, ensure_ascii=False, separators=(",", ":"))
    if event in FINAL_EVENTS:
        s.execute(update(WebhookDelivery).where(WebhookDelivery.job_id == job.id, WebhookDelivery.status == "pending",
                                                WebhookDelivery.event == "job.progress").values(status="superseded"))
    d = WebhookDelivery(id=did, job_id=job.id, event=event, url=job.callback_url, body=body, status="pending",
                        attempts=0, max_attempts=MAX_ATTEMPTS.get(event, DEFAULT_MAX_ATTEMPTS),
                        next_attempt_at=utcnow())
    s.add(d)
    return d


def delivery_view(d: WebhookDelivery) -> dict:
    from .store import iso

    return {"id": d.id, "event": d.event, "status": d.status, "attempts": d.attempts, "last_status": d.last_status,
            "last_error": d.last_error, "delivered_at": iso(d.delivered_at)}


class WebhookSender:
    """One thread sending due deliveries in order."""

    def __init__(self, db, settings):
        self.db, self.settings = db, settings
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = httpx.Client(timeout=SEND_TIMEOUT_S, follow_redirects=False,
                                    headers={"User-Agent": f"docproc/{__version__}"}, trust_env=False)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="docproc-webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.send_due()
            except Exception:  # pragma: no cover - keep the thread alive
                log.exception("webhook sender error")
                sent = 0
            if not sent:
                self._wake.wait(0.5)
                self._wake.clear()

    def send_due(self, limit: int = 20) -> int:
        with self.db.session() as s:
            due = list(s.scalars(select(WebhookDelivery)
                                 .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow())
                                 .order_by(WebhookDelivery.created_at, WebhookDelivery.id).limit(limit)))
        for d in due:
            if self._stop.is_set():
                break
            self._send(d)
        return len(due)

    def _send(self, d: WebhookDelivery) -> None:
        body = d.body.encode()
        parts = urlsplit(d.url)
        status, error = None, None
        if not host_allowed(parts.hostname or "", parts.port, self.settings.callback_allow_list):
            error = f"host {parts.hostname!r} is no longer on DOCPROC_CALLBACK_ALLOW"
            final = True
        else:
            headers = {"Content-Type": "application/json", EVENT_HEADER: d.event, DELIVERY_HEADER: d.id}
            if self.settings.webhook_secret:
                headers[SIGNATURE_HEADER] = sign(self.settings.webhook_secret, body)
            final = False
            try:
                r = self._client.post(d.url, content=body, headers=headers)
                status = r.status_code
                if not 200 <= status < 300:
                    error = f"receiver answered {status}"
            except httpx.HTTPError as e:
                error = f"{type(e).__name__}: {e}"
            except Exception as e:  # e.g. httpx.InvalidURL: a delivery that can never be sent must not block the rest
                error = f"{type(e).__name__}: {e}"
                final = True
        with self.db.session() as s:
            row = s.get(WebhookDelivery, d.id)
            if row is None or row.status != "pending":
                return
            row.attempts += 1
            row.last_status, row.last_error = status, error
            if error is None:
                row.status, row.delivered_at = "delivered", utcnow()
            elif final or row.attempts >= row.max_attempts:
                row.status = "failed"
                log.warning("webhook %s for job %s failed: %s", d.event, d.job_id, error)
            else:
                row.next_attempt_at = utcnow() + dt.timedelta(seconds=backoff(row.attempts))
