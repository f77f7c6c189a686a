"""The SQL steps that keep a keyed transcription (a file or a live stream), each run in the transaction
of a ledger write: stored as processing with its hold, completed with its charge, failed with its
refund. Anonymous work is never stored."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.credits import SqlStep
from gateway.errors import ApiError
from gateway.store import transcripts as stored
from gateway.store.models import new_id
from stt.v1 import asr_pb2


class TranscriptRecord:
    def __init__(
        self, account_id: int | None, filename: str, model: str, transcript_id: str | None = None
    ) -> None:
        self.id = (transcript_id or new_id()) if account_id is not None else None
        self._account_id = account_id
        self._filename = filename
        self._model = model

    async def start(self, session: AsyncSession) -> None:
        if self._account_id is not None:
            await stored.start(session, self._account_id, self._filename, self._model, self.id)

    async def discard(self, session: AsyncSession) -> None:
        if self.id is not None:
            await stored.discard(session, self.id)

    def complete(self, transcript: asr_pb2.Transcript) -> SqlStep | None:
        transcript_id = self.id
        if transcript_id is None:
            return None
        return lambda session: stored.complete(session, transcript_id, transcript)

    def fail(self, error: BaseException) -> SqlStep | None:
        transcript_id = self.id
        if transcript_id is None:
            return None
        if isinstance(error, ApiError):
            message = error.message
        elif isinstance(error, asyncio.CancelledError):  # the caller left, or the gateway is stopping
            message = "the transcription was cancelled before it finished"
        else:
            message = "the transcription failed"
        return lambda session: stored.fail(session, transcript_id, message)
