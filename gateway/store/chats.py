"""Chat sessions about a transcript: the turns of one account's session, oldest first."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.models import ChatTurn


async def history(
    session: AsyncSession, account_id: int, transcript_id: str, session_id: str, max_turns: int
) -> list[tuple[str, str]]:
    """The last `max_turns` turns as `(role, content)`; none for a session of another account."""
    rows = await session.scalars(
        select(ChatTurn)
        .where(
            ChatTurn.session_id == session_id,
            ChatTurn.account_id == account_id,
            ChatTurn.transcript_id == transcript_id,
        )
        .order_by(ChatTurn.id.desc())
        .limit(max_turns)
    )
    return [(t.role, t.content) for t in reversed(list(rows))]


async def turns(session: AsyncSession, account_id: int, transcript_id: str, session_id: str) -> int:
    found = await session.scalar(
        select(func.count()).where(
            ChatTurn.session_id == session_id,
            ChatTurn.account_id == account_id,
            ChatTurn.transcript_id == transcript_id,
        )
    )
    return int(found or 0)


def add_exchange(
    session: AsyncSession, account_id: int, transcript_id: str, session_id: str, question: str, answer: str
) -> None:
    for role, content in (("user", question), ("assistant", answer)):
        session.add(
            ChatTurn(
                account_id=account_id,
                transcript_id=transcript_id,
                session_id=session_id,
                role=role,
                content=content,
            )
        )
