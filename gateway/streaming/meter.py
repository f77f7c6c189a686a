"""Pays for a live stream by the duration streamed. A stream's length is unknown at its start, so its
quota is held a minute at a time, just before the audio that needs it is forwarded; at the end the
holds are settled for the audio actually streamed (61 s costs 2 minutes, as for a file) and the rest
is given back. An anonymous stream holds one of its IP's daily transcriptions instead."""

from __future__ import annotations

import math

from gateway import tiers
from gateway.credits import Bucket, Credits, Hold, QuotaExhaustedError
from gateway.transcript_record import TranscriptRecord
from stt.v1 import asr_pb2

_SECONDS_PER_UNIT = 60


class StreamMeter:
    def __init__(self, credits: Credits, bucket: Bucket, record: TranscriptRecord) -> None:
        self._credits = credits
        self._bucket = bucket
        self._record = record
        self._holds: list[Hold] = []

    @property
    def unit(self) -> str:
        """What pays, in words: `credits`, `free minutes`, `transcriptions`."""
        return "free minutes" if self._bucket.unit == "minutes" else self._bucket.unit

    @property
    def _per_transcription(self) -> bool:
        return self._bucket.unit == "transcriptions"

    async def open(self) -> None:
        """Holds the first unit (and stores a keyed stream as processing); QuotaExhaustedError when
        not even that is left."""
        hold = await self._credits.reserve(
            self._bucket, 1, alongside=self._record.start, undo=self._record.discard
        )
        self._holds.append(hold)

    @property
    def covered_s(self) -> float:
        if self._per_transcription:
            return math.inf
        return sum(h.amount for h in self._holds) * _SECONDS_PER_UNIT

    async def cover(self, seconds: float) -> bool:
        """Holds more of the quota until `seconds` of audio are paid for; False when it has run out."""
        while seconds > self.covered_s:
            try:
                self._holds.append(await self._credits.reserve(self._bucket, 1))
            except QuotaExhaustedError:
                return False
        return True

    async def settle(self, streamed_s: float, transcript: asr_pb2.Transcript) -> None:
        """Charges the audio streamed and completes the stored transcript; a stream with no audio costs
        nothing."""
        charge = tiers.cost(self._bucket, streamed_s) if streamed_s > 0 else 0
        complete = self._record.complete(transcript)
        for index, hold in enumerate(self._holds):
            take = min(hold.amount, charge)
            charge -= take
            alongside = complete if index == 0 else None
            if take > 0:
                await self._credits.settle(hold, take, self._record.id, alongside=alongside)
            else:
                await self._credits.refund(hold, alongside=alongside)

    async def refund(self, error: BaseException) -> None:
        """The stream failed on our side: nothing is charged, the stored transcript keeps the error."""
        for index, hold in enumerate(self._holds):
            await self._credits.refund(hold, alongside=self._record.fail(error) if index == 0 else None)
