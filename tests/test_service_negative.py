"""Bad input against a real server: each answer has its documented status and JSON error body, and the service
stays healthy afterwards (GET /health after each)."""
from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pytest

from service.testing import ServerProcess, free_port

from .conftest import SAMPLES, SHARED

KEY = "neg-key-42"
LIMIT = 200_000


def seed_bytes() -> bytes:
    for d in (SAMPLES / "seeds", SHARED / "seeds"):
        files = sorted(d.glob("*.txt")) if d.is_dir() else []
        if files:
            return files[0].read_bytes()
    pytest.skip("no seed notices")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("svc-neg")
    s = ServerProcess(db=tmp / "neg.db", log=tmp / "server.log", workers=1, api_key=KEY,
                      env={"DOCPROC_API_KEYS": KEY, "DOCPROC_MAX_UPLOAD_BYTES": LIMIT,
                           "DOCPROC_CALLBACK_ALLOW": "hooks.example.org", "DOCPROC_ARCHIVE_MAX_MEMBERS": 50,
                           "DOCPROC_ARCHIVE_MAX_TOTAL_BYTES": 150_000})
    s.start()
    yield s
    s.stop()
    s.client.close()


@pytest.fixture
def healthy(srv):
    yield
    assert srv.client.get("/health").json() == {"status": "ok"}
    assert srv.client.get("/ready").status_code == 200


def post(srv, name: str, body: bytes, path: str = "/v1/documents", **kw):
    return srv.client.post(path, files=[("files", (name, body, "application/octet-stream"))], **kw)


def err(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    e = r.json()["error"]
    assert e["message"]
    if code:
        assert e["code"] == code, e
    return e


def zip_of(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for n, b in members.items():
            z.writestr(n, b)
    return buf.getvalue()


def jobs_total(srv) -> int:
    return srv.client.get("/v1/jobs").json()["total"]


def test_oversized_upload_names_the_limit(srv, healthy):
    e = err(post(srv, "big.txt", b"x" * (LIMIT + 10_000)), 413, "too_large")
    assert e["limit"] == LIMIT and e["setting"] == "DOCPROC_MAX_UPLOAD_BYTES"
    assert "DOCPROC_MAX_UPLOAD_BYTES" in e["message"]
    # without Content-Length (chunked): refused while streaming
    def body():
        boundary = b"--b0undary"
        yield boundary + b'\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
        for _ in range(40):
            yield b"y" * 10_000
        yield b"\r\n" + boundary + b"--\r\n"
    r = srv.client.post("/v1/documents", content=body(),
                        headers={"Content-Type": "multipart/form-data; boundary=b0undary"})
    assert err(r, 413, "too_large")["limit"] == LIMIT


def test_zip_bomb(srv, healthy):
    before = jobs_total(srv)
    bomb = zip_of({"bomb.txt": b"\0" * (30 << 20)})
    assert len(bomb) < LIMIT
    e = err(post(srv, "bomb.zip", bomb, "/v1/jobs"), 413, "archive_limit")
    assert e["limit"] == "archive_max_ratio"
    assert jobs_total(srv) == before


def test_archive_limits(srv, healthy):
    many = zip_of({f"n{i:03d}.txt": b"notice %d" % i for i in range(60)})
    assert err(post(srv, "many.zip", many, "/v1/jobs"), 413, "archive_limit")["limit"] == "archive_max_members"
    text = seed_bytes() * 10
    big = zip_of({f"t{i}.txt": text[:50_000] + bytes([65 + i]) for i in range(4)})
    assert err(post(srv, "big.zip", big, "/v1/jobs"), 413, "archive_limit")["limit"] == "archive_max_total_bytes"
    inner = zip_of({"a.txt": seed_bytes()})
    for i in range(4):
        inner = zip_of({f"level{i}.zip": inner})
    assert err(post(srv, "deep.zip", inner, "/v1/jobs"), 413, "archive_limit")["limit"] == "archive_max_depth"


@pytest.mark.parametrize("member", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt"])
def test_path_traversal(srv, healthy, member):
    before = jobs_total(srv)
    z = zip_of({"ok.txt": seed_bytes(), member: b"evil"})
    e = err(post(srv, "evil.zip", z, "/v1/jobs"), 422, "unsafe_member")
    assert "evil" in e["member"]
    assert err(post(srv, "evil.zip", z), 422, "unsafe_member")  # the same through /v1/documents
    assert jobs_total(srv) == before


def test_corrupt_files(srv, healthy):
    pdf = next(iter(sorted((SAMPLES / "pdf").glob("*.pdf"))), None) or SHARED / "corpus" / "038.pdf"
    docx = next(iter(sorted((SAMPLES / "docx").glob("*.docx"))), None) or SHARED / "corpus" / "039.docx"
    if not pdf.exists() or not docx.exists():
        pytest.skip("no pdf/docx fixtures")
    e = err(post(srv, "broken.pdf", pdf.read_bytes()[:2000]), 422)
    assert "broken.pdf" in e["message"]
    err(post(srv, "broken.docx", docx.read_bytes()[: len(docx.read_bytes()) // 2]), 422)
    err(post(srv, "garbage.docx", b"PK\x03\x04" + b"\x00garbage" * 100), 422)
    err(post(srv, "broken.zip", b"PK\x03\x04" + b"\x01" * 300, "/v1/jobs"), 422)


def test_empty_and_unsupported(srv, healthy):
    err(post(srv, "empty.txt", b""), 422, "empty")
    err(post(srv, "blob.bin", bytes(range(256)) * 40), 415, "unsupported_format")
    # one good file and one empty: 201 with the failure listed
    r = srv.client.post("/v1/documents", files=[("files", ("ok.txt", seed_bytes(), "text/plain")),
                                               ("files", ("empty.txt", b"", "text/plain"))])
    assert r.status_code == 201
    docs = r.json()["documents"]
    assert [d["status"] for d in docs][1] == "failed" and docs[1]["issues"][0]["code"] == "empty"
    assert r.json()["errors"] == [{"name": "empty.txt", "code": "empty", "message": "empty.txt is empty"}]
    err(srv.client.post("/v1/documents", data={"x": "1"}), 422, "invalid_request")  # no files field


def test_api_keys(srv, healthy):
    for key in (None, "wrong-key", KEY + "x"):
        c = srv.client_with(key)
        r = c.get("/v1/documents")
        err(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "Bearer"
        err(c.post("/v1/documents", files=[("files", ("a.txt", seed_bytes(), "text/plain"))]), 401)
        assert c.get("/health").status_code == 200  # liveness needs no key
        c.close()
    assert srv.client.get("/v1/documents").status_code == 200


def test_callback_host_not_allowed(srv, healthy):
    before = jobs_total(srv)
    for url in ("http://127.0.0.1:9/hook", "http://evil.example.com/x", "ftp://hooks.example.org/x",
                "http://user:pw@hooks.example.org/x",
                "https://hooks.example.org\t:443/x", "https://hooks.example.org/x\ny"):  # urlsplit drops \t and \n
        e = err(post(srv, "a.txt", seed_bytes(), "/v1/jobs", data={"callback_url": url}), 422)
        assert e["code"] in ("callback_not_allowed", "invalid_callback_url")
    assert jobs_total(srv) == before
    r = post(srv, "a.txt", seed_bytes(), "/v1/jobs", data={"callback_url": "https://hooks.example.org/docproc"})
    assert r.status_code == 202


def test_not_found_and_bad_params(srv, healthy):
    err(srv.client.get("/v1/documents/0000000000000000"), 404, "not_found")
    err(srv.client.get("/v1/jobs/nope"), 404, "not_found")
    err(srv.client.get("/v1/tasks", params={"status": "later"}), 422, "invalid_request")
    err(srv.client.get("/v1/documents", params={"signed_after": "yesterday"}), 422, "invalid_request")
    err(srv.client.get("/v1/jobs/nope/result", params={"format": "exe"}), 422, "invalid_request")
    err(srv.client.get("/no/such/path"), 404, "not_found")
    for path in ("/v1/documents", "/v1/tasks", "/v1/jobs"):  # found by schemathesis: OFFSET past 64 bits was a 500
        err(srv.client.get(path, params={"offset": 10**20}), 422, "invalid_request")


def test_queue_full_and_cancel(tmp_path):
    """workers=0 (an API-only node): jobs stay queued, so the queue limit is reached deterministically."""
    with ServerProcess(db=tmp_path / "q.db", log=tmp_path / "q.log", workers=0,
                       env={"DOCPROC_QUEUE_MAX": 1}) as s:
        a = s.client.post("/v1/jobs", files=[("files", ("a.txt", seed_bytes(), "text/plain"))])
        assert a.status_code == 202 and a.json()["status"] == "queued"
        b = s.client.post("/v1/jobs", files=[("files", ("b.txt", seed_bytes(), "text/plain"))])
        e = err(b, 503, "queue_full")
        assert int(b.headers["retry-after"]) > 0 and e["retry_after"] == int(b.headers["retry-after"])
        assert s.client.get("/health").status_code == 200
        c = s.client.delete(f"/v1/jobs/{a.json()['id']}")
        assert c.status_code == 200 and c.json()["status"] == "cancelled"
        assert s.client.delete(f"/v1/jobs/{a.json()['id']}").json()["status"] == "cancelled"  # idempotent
        assert s.client.post("/v1/jobs", files=[("files", ("b.txt", seed_bytes(), "text/plain"))]).status_code == 202


def test_refuses_public_bind_without_keys(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DOCPROC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    r = subprocess.run([sys.executable, "-m", "docproc", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "DOCPROC_API_KEYS" in r.stderr and "0.0.0.0" in r.stderr
    assert not (tmp_path / "x.db").exists()


def test_without_keys_only_loopback_clients_are_answered(tmp_path):
    """However the app is started (``uvicorn --factory`` can bind 0.0.0.0 without asking), a keyless service
    answers /v1 only to clients on this machine; /health stays open."""
    from fastapi.testclient import TestClient

    from docproc.config import Settings
    from service.app import create_app

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}", workers=0))
    with TestClient(app, client=("203.0.113.9", 50000)) as remote:
        r = remote.get("/v1/documents")
        assert r.status_code == 403 and r.json()["error"]["code"] == "keys_required"
        assert "DOCPROC_API_KEYS" in r.json()["error"]["message"]
        assert remote.get("/health").status_code == 200
    with TestClient(app, client=("127.0.0.1", 50000)) as local:
        assert local.get("/v1/documents").status_code == 200
    keyed = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'k2.db'}", workers=0, api_keys="k1"))
    with TestClient(keyed, client=("203.0.113.9", 50000)) as remote:
        assert remote.get("/v1/documents").status_code == 401
        assert remote.get("/v1/documents", headers={"Authorization": "Bearer k1"}).status_code == 200
