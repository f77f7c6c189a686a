"""The SQL databases the storage tests run on: SQLite always, PostgreSQL where one answers, and in CI
(`CI=true`, where PostgreSQL runs at 127.0.0.1:5432) PostgreSQL without fail."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

POSTGRES_URL = os.environ.get("STT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _reset_postgres(url: str) -> None:
    import asyncpg

    url = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except asyncpg.InvalidCatalogNameError:  # a fresh server: make the test database first
        server, name = url.rsplit("/", 1)
        admin = await asyncpg.connect(f"{server}/postgres", timeout=3)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        connection = await asyncpg.connect(url, timeout=3)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def fresh_postgres(name: str = "") -> str | None:
    """An emptied PostgreSQL test database (`name`, or the default test database), or None when none
    answers here (in CI: an error)."""
    url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}" if name else POSTGRES_URL
    try:
        asyncio.run(_reset_postgres(url))
    except (TimeoutError, OSError, ImportError) as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"CI runs PostgreSQL at {url}, and it does not answer: {exc}") from exc
        return None
    except Exception as exc:  # a server that answers but refuses us is a broken set-up, not an absence
        raise RuntimeError(f"PostgreSQL at {url} answered but could not be reset: {exc}") from exc
    return url


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'stt.db'}"
