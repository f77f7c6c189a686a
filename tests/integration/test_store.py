"""The SQL store on SQLite and on PostgreSQL: migrations, accounts and keys, transcripts, the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from gateway.store import accounts, chats, ledger, transcripts
from gateway.store.database import create_engine, migrate, session_factory
from gateway.store.models import ApiKey, Base
from stt.v1 import asr_pb2
from testbed.databases import fresh_postgres, sqlite_url


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
    else:
        found = await asyncio.to_thread(fresh_postgres)
        if found is None:
            pytest.skip("no PostgreSQL answers here")
        url = found
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture()
def sessions(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return session_factory(engine)


async def test_migrations_build_exactly_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert differences == []


async def test_keys_are_stored_hashed_and_revocation_is_immediate(sessions: async_sessionmaker[Any]) -> None:
    async with sessions.begin() as session:
        account = await accounts.create_account(session, "Ada@Example.com")
        new = await accounts.create_key(session, account)
    async with sessions() as session:
        stored = (await session.scalars(select(ApiKey))).one()
        assert new.raw not in (stored.key_hash, stored.prefix) and stored.key_hash == accounts.hash_key(
            new.raw
        )
        found = await accounts.account_for_key(session, new.raw)
        assert found is not None and found[0].email == "ada@example.com"
        assert await accounts.account_for_key(session, new.raw + "x") is None
    async with sessions.begin() as session:
        assert await accounts.revoke_key(session, account.id, new.key.id) is not None
    async with sessions() as session:
        assert await accounts.account_for_key(session, new.raw) is None


async def test_one_account_per_email(sessions: async_sessionmaker[Any]) -> None:
    async with sessions.begin() as session:
        await accounts.create_account(session, "same@example.com")
    with pytest.raises(accounts.AccountExistsError):
        async with sessions.begin() as session:
            await accounts.create_account(session, "SAME@example.com")


def _result(text: str, language: str) -> asr_pb2.Transcript:
    words = [asr_pb2.Word(word=w, start=i * 0.5, end=i * 0.5 + 0.4) for i, w in enumerate(text.split())]
    segment = asr_pb2.Segment(start=0.0, end=len(words) * 0.5, text=text, confidence=0.9, words=words)
    return asr_pb2.Transcript(text=text, language=language, duration=3.0, model="base", segments=[segment])


async def test_transcripts_are_scoped_filtered_and_paged(sessions: async_sessionmaker[Any]) -> None:
    async with sessions.begin() as session:
        owner = await accounts.create_account(session, "owner@example.com")
        other = await accounts.create_account(session, "other@example.com")
        ids = []
        for index, language in enumerate(["en", "en", "de"]):
            started = await transcripts.start(session, owner.id, f"file{index}.wav", "large-v3-turbo")
            ids.append(started.id)
            await transcripts.complete(session, started.id, _result(f"hello number {index}", language))
        failed = await transcripts.start(session, owner.id, "broken.wav", "base")
        await transcripts.fail(session, failed.id, "the file has no audio track")
        foreign = await transcripts.start(session, other.id, "theirs.wav", "base")
    async with sessions() as session:
        rows, count = await transcripts.page(session, owner.id, limit=2, offset=0)
        assert count == 4 and len(rows) == 2
        _, completed = await transcripts.page(session, owner.id, limit=10, offset=0, status="completed")
        assert completed == 3
        german, n = await transcripts.page(session, owner.id, limit=10, offset=0, language="de")
        assert n == 1 and german[0].language == "de"
        future = datetime.now(UTC) + timedelta(days=1)
        assert (await transcripts.page(session, owner.id, limit=10, offset=0, created_after=future))[1] == 0
        assert (await transcripts.page(session, owner.id, limit=10, offset=0, created_before=future))[1] == 4
        detail = await transcripts.get(session, owner.id, ids[0])
        assert detail is not None and detail.segments[0].words[1]["word"] == "number"
        assert transcripts.to_proto(detail).segments[0].words[0].word == "hello"
        failed_row = await transcripts.get(session, owner.id, failed.id)
        assert failed_row is not None and failed_row.error == "the file has no audio track"
        assert await transcripts.get(session, owner.id, foreign.id) is None
    async with sessions.begin() as session:
        assert await transcripts.delete(session, owner.id, foreign.id) is False
        assert await transcripts.delete(session, owner.id, ids[0]) is True
    async with sessions() as session:
        assert await transcripts.get(session, owner.id, ids[0]) is None


async def test_a_chat_session_is_scoped_to_its_account_and_transcript(
    sessions: async_sessionmaker[Any],
) -> None:
    async with sessions.begin() as session:
        owner = await accounts.create_account(session, "chat-owner@example.com")
        other = await accounts.create_account(session, "chat-other@example.com")
        owned = await transcripts.start(session, owner.id, "a.wav", "base")
        second = await transcripts.start(session, owner.id, "b.wav", "base")
        theirs = await transcripts.start(session, other.id, "c.wav", "base")
        chats.add_exchange(session, owner.id, owned.id, "s1", "Who came?", "A geologist.")
        chats.add_exchange(session, other.id, theirs.id, "s1", "What grew?", "Tomatoes.")
    async with sessions() as session:
        assert await chats.history(session, owner.id, owned.id, "s1", 10) == [
            ("user", "Who came?"),
            ("assistant", "A geologist."),
        ]
        assert await chats.history(session, other.id, theirs.id, "s1", 10) == [
            ("user", "What grew?"),
            ("assistant", "Tomatoes."),
        ]
        assert await chats.history(session, owner.id, second.id, "s1", 10) == []  # another transcript
        assert await chats.history(session, other.id, owned.id, "s1", 10) == []  # another account
        assert await chats.turns(session, owner.id, owned.id, "s1") == 2
        assert await chats.turns(session, owner.id, second.id, "s1") == 0
        assert await chats.history(session, owner.id, owned.id, "s1", 1) == [("assistant", "A geologist.")]


async def test_ledger_holds_charges_and_usage(sessions: async_sessionmaker[Any]) -> None:
    async with sessions.begin() as session:
        account = await accounts.create_account(session, "ledger@example.com", plan="paid")
        bucket = f"credits:account:{account.id}"
        await ledger.grant(session, bucket, account.id, 10, "test")
        await ledger.hold(session, bucket, account.id, "h1", 3)
        await ledger.hold(session, bucket, account.id, "h2", 2)
    async with sessions.begin() as session:
        assert await ledger.snapshot(session, bucket) == (5, {"h1": 3, "h2": 2})
        await ledger.settle(session, "h1", 2, None)
        await ledger.release(session, "h2")
    async with sessions() as session:
        assert await ledger.snapshot(session, bucket) == (8, {})
        usage = await ledger.charges_by_day(session, account.id, datetime.now(UTC) - timedelta(days=1))
        assert usage == [{"date": datetime.now(UTC).date().isoformat(), "transcriptions": 1, "minutes": 2}]
