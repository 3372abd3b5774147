"""Piccolo configuration: the engine is chosen by DATABASE_URL (docs/stack-notes.md).

`sqlite:///path` (default: a file under var/) or `postgres://…`.
"""

from __future__ import annotations

import os
from pathlib import Path

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from core.sqlite_engine import ReusingSQLiteEngine
from settings import DEFAULT_SQLITE_URL


def engine_for(url: str) -> Engine:
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # A long busy timeout: with 5 s, concurrent buyers failed with "database is locked".
        # Reuses open connections while the app runs (core/sqlite_engine.py).
        return ReusingSQLiteEngine(path=str(path), timeout=30)
    raise ValueError(f"Unsupported DATABASE_URL {url!r}: use sqlite:///path or postgres://…")


DB = engine_for(os.environ.get("DATABASE_URL") or DEFAULT_SQLITE_URL)

APP_REGISTRY = AppRegistry(
    apps=[
        "members.piccolo_app",
        "events.piccolo_app",
        "ticketing.piccolo_app",
        "pairing.piccolo_app",
        "checkin.piccolo_app",
        "invoicing.piccolo_app",
        "ideas.piccolo_app",
    ]
)
