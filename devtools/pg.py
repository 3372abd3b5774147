"""A PostgreSQL database of its own for a benchmark or a load test: created when missing, then emptied."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


async def reset_postgres(url: str) -> None:
    """Create the database named in `url` when it does not exist, then drop and recreate its public schema."""
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            pass  # made by a parallel run in the meantime
        finally:
            await admin.close()
        conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()
