"""Static files under versioned names, served with far-future caching, and the Jinja wiring.

At startup every file under ``frontend/static/`` is read once and hashed (SHA-256, first 8 hex digits).
Templates link to it through the Jinja global ``asset_url``::

    <link rel="stylesheet" href="{{ asset_url('css/app.css') }}">   ->  /static/css/app.3f9a0c1d.css
    <script defer src="{{ asset_url('vendor/htmx-2.0.11.min.js') }}"></script>

A changed file gets a new name, so the hashed names are served with
``Cache-Control: public, max-age=31536000, immutable``: a phone downloads the CSS and htmx once and
then never asks again. The plain names (``/static/css/app.css``) are served too, with ``no-cache`` and
an ETag, for things that cannot carry a hash (a favicon linked from elsewhere). Anything else under
``/static/`` is a 404; only files known at startup are served, so ``..`` can never reach outside.

Compression: Litestar's ``CompressionConfig(backend="gzip")`` middleware does cover these responses
(any body of at least ``minimum_size`` = 500 bytes, whatever the content type). If the app has a
compression config, this router sends the identity bytes and leaves gzip to the middleware (never
both, which would double-encode); if it has none, the router serves its own gzip copy (compressed
once at startup) to clients that accept gzip. htmx 2.0.11 is 52 KB raw, ~17 KB gzipped.

Wiring in app.py::

    from frontend.assets import create_static_router, create_template_config
    from frontend.i18n import create_language_router

    app = Litestar(
        route_handlers=[create_static_router(), create_language_router(), ...],
        template_config=create_template_config(),
        compression_config=CompressionConfig(backend="gzip"),   # optional, see above
    )

Files are read at startup: a change to ``static/`` needs a restart (the dev server's reload does it).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.template import TemplateConfig

from frontend.formatting import install_formatting
from frontend.i18n import install_i18n

FRONTEND_DIR = Path(__file__).parent
STATIC_DIR = FRONTEND_DIR / "static"
TEMPLATE_DIR = FRONTEND_DIR / "templates"
STATIC_URL_PREFIX = "/static"
HASH_LENGTH = 8
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Litestar appends "; charset=utf-8" to text/* types itself.
_MEDIA_TYPES: dict[str, str] = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".txt": "text/plain",
    ".sha256": "text/plain",
    ".LICENSE": "text/plain",
}
# Worth gzipping; images and fonts are compressed already.
_COMPRESSIBLE_SUFFIXES = frozenset({".css", ".js", ".mjs", ".svg", ".json", ".webmanifest", ".txt",
                                    ".sha256", ".LICENSE", ".ico"})


@dataclass(frozen=True, slots=True)
class StaticAsset:
    """One static file, read into memory at startup."""

    logical_name: str  # "css/app.css"
    hashed_name: str  # "css/app.3f9a0c1d.css"
    digest: str  # the 8 hex digits
    media_type: str
    body: bytes
    gzipped: bytes | None

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


def hashed_name(logical_name: str, digest: str) -> str:
    """'vendor/htmx-2.0.11.min.js' -> 'vendor/htmx-2.0.11.min.<digest>.js' (hash before the last suffix)."""
    path = PurePosixPath(logical_name)
    if path.suffix:
        return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))
    return str(path.with_name(f"{path.name}.{digest}"))


def _media_type(path: Path) -> str:
    return _MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class AssetManifest:
    """Every file under a static directory, by its logical and by its hashed name."""

    def __init__(self, directory: Path = STATIC_DIR, url_prefix: str = STATIC_URL_PREFIX) -> None:
        self.directory = directory
        self.url_prefix = url_prefix.rstrip("/")
        self.by_logical: dict[str, StaticAsset] = {}
        self.by_hashed: dict[str, StaticAsset] = {}
        for file in sorted(directory.rglob("*")):
            relative = file.relative_to(directory)
            if not file.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            body = file.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
            logical = relative.as_posix()
            compressible = file.suffix in _COMPRESSIBLE_SUFFIXES and len(body) >= 500
            asset = StaticAsset(
                logical_name=logical,
                hashed_name=hashed_name(logical, digest),
                digest=digest,
                media_type=_media_type(file),
                body=body,
                gzipped=gzip.compress(body, compresslevel=9, mtime=0) if compressible else None,
            )
            self.by_logical[logical] = asset
            self.by_hashed[asset.hashed_name] = asset

    def url(self, logical_name: str) -> str:
        """The versioned URL of a static file; a missing file is a bug, so it raises."""
        asset = self.by_logical.get(logical_name.lstrip("/"))
        if asset is None:
            raise LookupError(f"no static file {logical_name!r} under {self.directory}")
        return f"{self.url_prefix}/{asset.hashed_name}"

    def lookup(self, name: str) -> tuple[StaticAsset, bool] | None:
        """(asset, is_hashed_name) for a requested name, or None."""
        if name in self.by_hashed:
            return self.by_hashed[name], True
        if name in self.by_logical:
            return self.by_logical[name], False
        return None


@lru_cache(maxsize=1)
def default_manifest() -> AssetManifest:
    return AssetManifest()


def asset_url(logical_name: str) -> str:
    """``asset_url("css/app.css")`` -> ``/static/css/app.<hash8>.css`` (also the Jinja global)."""
    return default_manifest().url(logical_name)


# --- serving --------------------------------------------------------------------------------------


def _accepts_gzip(request: Request[Any, Any, Any]) -> bool:
    for item in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0"):
            return True
    return False


def _static_response(request: Request[Any, Any, Any], manifest: AssetManifest) -> Response[bytes]:
    name = str(request.path_params.get("file_path", "")).lstrip("/")
    found = manifest.lookup(name)
    if found is None:
        raise NotFoundException()
    asset, is_hashed = found
    headers: dict[str, str] = {
        "Cache-Control": IMMUTABLE if is_hashed else REVALIDATE,
        "ETag": asset.etag,
        "X-Content-Type-Options": "nosniff",
    }
    if asset.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if_none_match = request.headers.get("if-none-match", "")
    if asset.etag in (tag.strip().removeprefix("W/") for tag in if_none_match.split(",")):
        return Response(content=b"", status_code=304, headers=headers)
    body = asset.body
    # With a CompressionConfig on the app its middleware gzips; doing it here as well would double-encode.
    if asset.gzipped is not None and request.app.compression_config is None and _accepts_gzip(request):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(content=body, media_type=asset.media_type, headers=headers)


def create_static_router(
    directory: Path = STATIC_DIR, path: str = STATIC_URL_PREFIX, manifest: AssetManifest | None = None
) -> Router:
    """A Litestar router serving ``{path}/{hashed or plain name}`` from the files found at startup.

    Hashed names: ``Cache-Control: public, max-age=31536000, immutable``; plain names: ``no-cache``;
    both with an ETag (``If-None-Match`` -> 304) and ``nosniff``; unknown names: 404.
    """
    if manifest is None:
        manifest = default_manifest() if directory == STATIC_DIR and path == STATIC_URL_PREFIX else \
            AssetManifest(directory, path)

    @get("/{file_path:path}", name="static_asset", include_in_schema=False, sync_to_thread=False)
    def static_asset(request: Request[Any, Any, Any]) -> Response[bytes]:
        return _static_response(request, manifest)

    return Router(path=path, route_handlers=[static_asset])


# --- template wiring ------------------------------------------------------------------------------


def create_jinja_environment(template_dir: Path | list[Path] = TEMPLATE_DIR,
                             manifest: AssetManifest | None = None) -> Environment:
    """The one Jinja environment for all pages: autoescape, i18n, NL formatting filters, ``asset_url``."""
    env = Environment(
        loader=FileSystemLoader(template_dir),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "svg"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_i18n(env)
    install_formatting(env)
    env.globals["asset_url"] = (manifest or default_manifest()).url
    return env


def create_template_config(template_dir: Path | list[Path] = TEMPLATE_DIR,
                           extra_globals: Mapping[str, Any] | None = None) -> TemplateConfig[Any]:
    """``TemplateConfig`` with Litestar's ``JinjaTemplateEngine`` on :func:`create_jinja_environment`.

    Litestar adds ``request``, ``csrf_input`` (when CSRF is configured) and the callables ``url_for``,
    ``csrf_token`` and ``url_for_static_asset`` to every page context.
    """
    from litestar.plugins.jinja import JinjaTemplateEngine

    env = create_jinja_environment(template_dir)
    if extra_globals:
        env.globals.update(extra_globals)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))
