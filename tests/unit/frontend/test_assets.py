"""Versioned static names, far-future caching, and how they meet Litestar's gzip middleware."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.testing import TestClient

from frontend.assets import (
    IMMUTABLE,
    STATIC_DIR,
    AssetManifest,
    asset_url,
    create_static_router,
    hashed_name,
)

CSS = (STATIC_DIR / "css" / "app.css").read_bytes()
HTMX = (STATIC_DIR / "vendor" / "htmx-2.0.11.min.js").read_bytes()


def test_hashed_name_goes_before_the_last_suffix() -> None:
    assert hashed_name("css/app.css", "0123abcd") == "css/app.0123abcd.css"
    assert hashed_name("vendor/htmx-2.0.11.min.js", "0123abcd") == "vendor/htmx-2.0.11.min.0123abcd.js"
    assert hashed_name("LICENSE", "0123abcd") == "LICENSE.0123abcd"


def test_asset_url_carries_the_content_hash() -> None:
    digest = hashlib.sha256(CSS).hexdigest()[:8]
    assert asset_url("css/app.css") == f"/static/css/app.{digest}.css"
    htmx_url = asset_url("vendor/htmx-2.0.11.min.js")
    assert re.fullmatch(r"/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{8}\.js", htmx_url)
    with pytest.raises(LookupError):
        asset_url("css/missing.css")


def test_the_hash_changes_with_the_content(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("body{}")
    first = AssetManifest(tmp_path).url("a.css")
    (tmp_path / "a.css").write_text("body{color:red}")
    assert AssetManifest(tmp_path).url("a.css") != first


def test_dotfiles_are_not_served(tmp_path: Path) -> None:
    (tmp_path / ".secret").write_text("x")
    (tmp_path / "ok.txt").write_text("x")
    manifest = AssetManifest(tmp_path)
    assert set(manifest.by_logical) == {"ok.txt"}


@pytest.fixture
def client() -> TestClient[Litestar]:
    with TestClient(Litestar(route_handlers=[create_static_router()])) as test_client:
        yield test_client


def test_hashed_names_are_immutable(client: TestClient[Litestar]) -> None:
    response = client.get(asset_url("css/app.css"), headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-encoding" not in response.headers
    assert response.content == CSS

    js = client.get(asset_url("vendor/htmx-2.0.11.min.js"), headers={"accept-encoding": "identity"})
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert js.content == HTMX


def test_plain_names_revalidate(client: TestClient[Litestar]) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    etag = response.headers["etag"]
    again = client.get("/static/css/app.css", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/app.00000000.css",
        "/static/css/nothere.css",
        "/static/../assets.py",
        "/static/%2e%2e/assets.py",
        "/static/css/../../i18n.py",
        "/static/..%2f..%2fpyproject.toml",
        "/static//etc/passwd",
        "/static/",
    ],
)
def test_unknown_and_traversal_paths_are_404(client: TestClient[Litestar], path: str) -> None:
    assert client.get(path).status_code == 404


def test_own_gzip_when_the_app_has_no_compression(client: TestClient[Litestar]) -> None:
    url = asset_url("vendor/htmx-2.0.11.min.js")
    response = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < 20_000  # 52 KB raw, ~17 KB gzipped
    assert response.content == HTMX  # httpx decoded it exactly once
    raw = client.get(url, headers={"accept-encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in raw.headers
    assert raw.content == HTMX


def test_litestar_gzip_middleware_covers_static_without_double_encoding() -> None:
    app = Litestar(
        route_handlers=[create_static_router()], compression_config=CompressionConfig(backend="gzip")
    )
    with TestClient(app) as client:
        response = client.get(asset_url("css/app.css"), headers={"accept-encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["cache-control"] == IMMUTABLE
        assert response.content == CSS
        stream = client.build_request("GET", asset_url("css/app.css"), headers={"accept-encoding": "gzip"})
        raw = client.send(stream, stream=True)
        body = b"".join(raw.iter_raw())
        assert gzip.decompress(body) == CSS
