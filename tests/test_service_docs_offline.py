"""/docs and /redoc work with no internet access: their assets are served by the service itself."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from docproc.config import Settings
from service.app import create_app


def test_docs_pages_load_their_assets_from_the_service(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'docs.db'}", workers=0)
    with TestClient(create_app(settings)) as client:
        for page in ("/docs", "/redoc"):
            html = client.get(page).text
            urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"url: ?'([^']+)'", html)
            assets = [u for u in urls if u.endswith((".js", ".css"))]
            assert assets, page
            for url in assets:
                assert url.startswith("/"), f"{page} loads {url} from outside the service"
                assert client.get(url).status_code == 200, url
        assert client.get("/openapi.json").json()["info"]["title"] == "docproc"
