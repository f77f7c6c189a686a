"""The SQL databases the storage tests run on: SQLite always, PostgreSQL where one answers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

POSTGRES_URL = os.environ.get("STT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _reset_postgres(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=3)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def fresh_postgres() -> str | None:
    """An emptied PostgreSQL test database, or None when none answers here."""
    try:
        asyncio.run(_reset_postgres(POSTGRES_URL))
    except (TimeoutError, OSError, ImportError):
        return None
    except Exception as exc:  # a server that answers but refuses us is a broken set-up, not an absence
        raise RuntimeError(f"PostgreSQL at {POSTGRES_URL} answered but could not be reset: {exc}") from exc
    return POSTGRES_URL


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'stt.db'}"
