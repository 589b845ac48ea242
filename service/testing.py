"""A real ``docproc serve`` (uvicorn) in a subprocess on a free loopback port — for tests and benchmarks.

>>> free_port() > 0
True
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``with ServerProcess(env={...}, db=path) as srv: srv.client.get("/health")``."""

    def __init__(self, *, db: str | Path | None = None, database_url: str | None = None, env: dict | None = None,
                 workers: int = 1, port: int | None = None, log: str | Path | None = None, api_key: str | None = None,
                 host: str = "127.0.0.1"):
        self.port = port or free_port()
        self.host = host
        self.base_url = f"http://{host}:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
        if os.environ.get("DOCPROC_SHARED"):
            self.env["DOCPROC_SHARED"] = os.environ["DOCPROC_SHARED"]
        if database_url is None:
            database_url = f"sqlite:///{Path(db).resolve()}" if db else "sqlite:///./docproc.db"
        self.env.update({"DOCPROC_DATABASE_URL": database_url, "DOCPROC_LOG_LEVEL": "warning"})
        self.env.update({k: str(v) for k, v in (env or {}).items()})
        self.workers = workers
        self.api_key = api_key
        self.log_path = Path(log) if log else None
        self.proc: subprocess.Popen | None = None
        self._log = None
        self.client = self._client(api_key)

    def _client(self, key: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60.0, trust_env=False)

    def client_with(self, key: str | None) -> httpx.Client:
        return self._client(key)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "docproc", "serve", "--host", self.host, "--port", str(self.port),
                "--workers", str(self.workers)]

    def start(self, ready: bool = True, timeout: float = 60.0) -> "ServerProcess":
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.command(), env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.wait("/ready" if ready else "/health", timeout)
        return self

    def wait(self, path: str, timeout: float) -> None:
        end = time.monotonic() + timeout
        last = None
        while time.monotonic() < end:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; log: {self.log_tail()}")
            try:
                r = httpx.get(self.base_url + path, timeout=2.0, trust_env=False)
                if r.status_code == 200:
                    return
                last = r.status_code
            except httpx.HTTPError as e:
                last = e
            time.sleep(0.1)
        raise TimeoutError(f"server not ready after {timeout}s ({last}); log: {self.log_tail()}")

    def log_tail(self, n: int = 4000) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_bytes()[-n:].decode("utf-8", "replace")
        return "(no log)"

    def kill(self) -> None:
        """SIGKILL the server (its worker processes exit when their pipe closes)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()
        return self.proc.returncode if self.proc else None

    def __enter__(self) -> "ServerProcess":
        return self.start() if self.proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
        self.client.close()
