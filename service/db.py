"""Database connection: an engine per URL, sessions, and schema creation/migration at start.

SQLite (default ``sqlite:///./docproc.db``) runs in WAL mode with a busy timeout so the HTTP handlers, the job
runner and the webhook sender (threads of one service process) can share the file; PostgreSQL by URL
(``postgresql://user@host:port/db``, psycopg2).
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
import time
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .models import Base, SchemaVersion, utcnow

#: bump when the tables change, and add a step to MIGRATIONS
SCHEMA_VERSION = 1
#: version → list of SQL statements that bring a database from ``version`` to ``version + 1``
MIGRATIONS: dict[int, list[str]] = {}

SQLITE_BUSY_TIMEOUT_MS = 30_000
T = TypeVar("T")


class SchemaError(RuntimeError):
    pass


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _pg_driver(u):
    """``postgresql://`` → the installed driver (SQLAlchemy 2.1 defaults to psycopg 3; psycopg2 is what we ship)."""
    if u.get_backend_name() == "postgresql" and "+" not in u.drivername:
        import importlib.util

        if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2") is not None:
            return u.set(drivername="postgresql+psycopg2")
    return u


def make_engine(url: str) -> Engine:
    u = _pg_driver(make_url(url))
    kw: dict = {"json_serializer": _dumps}
    if u.get_backend_name() == "sqlite":
        kw["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if not u.database or u.database == ":memory:":
            kw["poolclass"] = StaticPool
        else:
            parent = os.path.dirname(os.path.abspath(u.database))
            os.makedirs(parent, exist_ok=True)
    else:
        kw["pool_pre_ping"] = True
    engine = create_engine(u, **kw)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every sqlite test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


class Database:
    """An engine, a session factory and the schema bootstrap."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error."""
        s = self.sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def run(self, fn: Callable[[Session], T], attempts: int = 4) -> T:
        """``fn(session)`` in a transaction, retried when a concurrent writer got there first (same document
        inserted twice) or SQLite stayed locked past the busy timeout."""
        for i in range(attempts):
            try:
                with self.session() as s:
                    return fn(s)
            except IntegrityError:
                if i == attempts - 1:
                    raise
            except OperationalError as e:
                if "locked" not in str(e).lower() or i == attempts - 1:
                    raise
                time.sleep(0.2 * (i + 1))
        raise RuntimeError("unreachable")  # pragma: no cover

    def create_schema(self) -> int:
        """Create missing tables and apply migrations; returns the schema version now in the database."""
        Base.metadata.create_all(self.engine)
        with self.session() as s:
            row = s.get(SchemaVersion, 1)
            if row is None:
                s.add(SchemaVersion(id=1, version=SCHEMA_VERSION))
                return SCHEMA_VERSION
            if row.version > SCHEMA_VERSION:
                raise SchemaError(f"database schema version {row.version} is newer than this docproc "
                                  f"(understands {SCHEMA_VERSION}); upgrade docproc")
            while row.version < SCHEMA_VERSION:
                for stmt in MIGRATIONS.get(row.version, []):
                    s.execute(text(stmt))
                row.version += 1
                row.updated_at = utcnow()
            return row.version

    def schema_version(self) -> int | None:
        with self.session() as s:
            return s.scalar(select(SchemaVersion.version).where(SchemaVersion.id == 1))

    def ping(self) -> bool:
        try:
            with self.engine.connect() as c:
                c.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
