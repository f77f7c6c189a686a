"""One `/v1/stream` connection: who it is, what it may use, and the relay between the WebSocket and the
ASR service's bidirectional gRPC stream.

Audio goes up as it arrives (paid for just before it is forwarded); the service's events come down as
they are decoded. Each direction has its own task, so a slow reader never stops the audio and a
silent sender never stops the answers; every buffer between them is bounded (the WebSocket's write
buffer, gRPC flow control, the service's backlog), so back-pressure reaches the client instead of
piling up here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from prometheus_client import Counter, Gauge
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketState

from gateway import tiers
from gateway.auth import Principal, authenticate
from gateway.clients.asr import AsrStream
from gateway.credits import QuotaExhaustedError
from gateway.errors import ApiError, api_error_of
from gateway.state import GatewayState
from gateway.streaming import protocol
from gateway.streaming.meter import StreamMeter
from gateway.streaming.protocol import ClientMessageError, Stop, StreamConfig
from gateway.transcript_record import TranscriptRecord
from services.common.request_id import current_request_id
from stt.v1 import asr_pb2

log = logging.getLogger(__name__)

LIVE_STREAMS = Gauge("stt_gateway_live_streams", "WebSocket streams open on this gateway")
STREAMED_SECONDS = Counter(
    "stt_gateway_streamed_audio_seconds_total", "Seconds of audio relayed to the ASR service"
)

BYTES_PER_SECOND = 32_000  # 16-bit samples at 16 kHz, mono


class ClientGone(Exception):
    """The client closed the socket or the connection dropped."""


class StreamEnded(Exception):
    """The client broke a rule that ends the stream: answered with an error and a close code. The
    audio already transcribed is still charged and kept."""

    def __init__(self, status: int, message: str, close_code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close_code = close_code or protocol.close_code(status)


class LiveSession:
    def __init__(self, websocket: WebSocket, state: GatewayState) -> None:
        self._ws = websocket
        self._state = state
        self._settings = state.settings
        self._asr = state.asr
        self._credits = state.credits
        self._limits = state.limits
        self._send_lock = asyncio.Lock()
        self._streamed_bytes = 0
        self._stopped = False
        self._end_code = protocol.NORMAL_CLOSE
        self._warned_after_stop = False
        self._segments: list[asr_pb2.Segment] = []
        self._ready = asr_pb2.StreamReady()
        self.transcript_id: str | None = None
        """The stored transcript of a keyed stream, once it has one."""

    async def run(self) -> None:
        await self._ws.accept()
        LIVE_STREAMS.inc()
        try:
            principal = await authenticate(self._ws, self._state)
            tier = tiers.tier(principal.tier, self._settings)
            async with contextlib.AsyncExitStack() as slot:
                await slot.enter_async_context(self._limits.lease(principal.subject, tier.concurrency))
                await self._serve(principal, tier, slot)
        except ClientGone:
            log.info("the client left the stream")
        except StreamEnded as exc:  # before any audio: nothing to charge
            await self._end(exc.status, exc.message, exc.close_code)
        except (ApiError, RedisError, OperationalError) as exc:
            error = api_error_of(exc, "a stream", self._settings.retry_after_s)
            await self._end(error.status, error.message)
        finally:
            LIVE_STREAMS.dec()

    async def _serve(self, principal: Principal, tier: tiers.Tier, slot: contextlib.AsyncExitStack) -> None:
        """`slot` holds the stream's concurrency lease: it is given back as soon as the relay ends, so
        a client that reconnects at once is not refused while the last stream is still being settled."""
        config, first = await self._first_message()
        record = TranscriptRecord(principal.account_id, "live stream", config.model)
        self.transcript_id = record.id
        meter = StreamMeter(self._credits, tiers.bucket_for(principal, self._settings), record)
        try:
            await meter.open()
        except QuotaExhaustedError as exc:
            raise await tiers.quota_error(exc, self._credits, "this stream") from exc
        call = self._asr.open_stream(
            request_id=current_request_id.get(), timeout_s=self._settings.stream_timeout_s
        )
        stream_config = asr_pb2.StreamConfig(
            model=config.model, language=config.language, diarize=config.diarize is not False
        )
        try:
            transcript = await self._relay(call, stream_config, tier, meter, first)
        except (ClientGone, StreamEnded) as exc:
            call.cancel()
            await asyncio.shield(slot.aclose())
            # The audio that was streamed was transcribed: it is charged and what was final is kept.
            await asyncio.shield(meter.settle(self._streamed_s, self._so_far()))
            if isinstance(exc, StreamEnded):
                await self._end(exc.status, exc.message, exc.close_code)
            return
        except BaseException as exc:
            call.cancel()
            await asyncio.shield(slot.aclose())
            if isinstance(exc, asyncio.CancelledError):  # the gateway is stopping: refunded, not logged
                await asyncio.shield(meter.refund(ApiError(500, "the stream was cut off")))
                raise
            error = api_error_of(exc, "a stream", self._settings.retry_after_s)
            await asyncio.shield(meter.refund(error))  # our failure costs the client nothing
            await self._end(error.status, error.message)
            return
        await asyncio.shield(slot.aclose())
        await asyncio.shield(meter.settle(self._streamed_s, transcript))
        await self._send(protocol.final_message(transcript, record.id))
        await self._close(self._end_code)

    @property
    def _streamed_s(self) -> float:
        return self._streamed_bytes / BYTES_PER_SECOND

    async def _first_message(self) -> tuple[StreamConfig, Message | None]:
        """The config: from a first JSON message (dialect 1) or from the query string when the client
        starts with audio (dialect 2). Returns the first message too when it still has to be handled."""
        query = self._ws.query_params
        try:
            diarize = protocol.parse_flag(query.get("diarize"))
        except ClientMessageError as exc:
            raise ApiError(400, str(exc)) from exc
        from_query = StreamConfig(
            model=query.get("model", "")[:100], language=query.get("language") or "auto", diarize=diarize
        )
        while True:
            message = await self._receive()
            if message.get("text") is None:
                return from_query, message
            try:
                parsed = protocol.parse_text(message["text"])
            except ClientMessageError as exc:
                await self._send(protocol.error_message(400, str(exc)))
                continue
            if isinstance(parsed, Stop):
                return from_query, message
            diarize = parsed.diarize if parsed.diarize is not None else from_query.diarize
            return StreamConfig(parsed.model or from_query.model, parsed.language, diarize), None

    async def _relay(
        self, call: AsrStream, config: asr_pb2.StreamConfig, tier: tiers.Tier, meter: StreamMeter,
        first: Message | None,
    ) -> asr_pb2.Transcript:  # fmt: skip
        """Opens the service's stream, then relays both ways until the final transcript."""
        await call.write(asr_pb2.StreamRequest(config=config))
        event = await call.read()
        if event is None or event.WhichOneof("event") != "ready":
            raise ApiError(500, "the ASR service did not open the stream")
        self._ready = event.ready
        await self._send(protocol.ready_message(event.ready))
        uplink = asyncio.create_task(self._uplink(call, tier, meter, first))
        downlink = asyncio.create_task(self._downlink(call))
        try:
            done, _ = await asyncio.wait({uplink, downlink}, return_when=asyncio.FIRST_COMPLETED)
            if downlink in done:
                return downlink.result()
            uplink.result()  # the uplink only ends by raising: the client left or broke a rule
            raise AssertionError("the uplink ended without a reason")
        finally:
            uplink.cancel()
            downlink.cancel()

    async def _uplink(
        self, call: AsrStream, tier: tiers.Tier, meter: StreamMeter, first: Message | None
    ) -> None:
        if first is not None:
            await self._handle(first, call, tier, meter)
        while True:
            await self._handle(await self._receive(), call, tier, meter)

    async def _handle(self, message: Message, call: AsrStream, tier: tiers.Tier, meter: StreamMeter) -> None:
        data: bytes | None = message.get("bytes")
        if data is not None:
            if not data:  # dialect 2: an empty binary frame ends the audio
                await self._stop(call)
            elif self._stopped:
                await self._after_stop()
            elif len(data) > self._settings.stream_max_frame_bytes:
                raise StreamEnded(
                    413,
                    f"a frame of {len(data)} bytes is over the limit of "
                    f"{self._settings.stream_max_frame_bytes}; send audio in smaller frames",
                    protocol.MESSAGE_TOO_BIG,
                )
            elif len(data) % 2:
                await self._send(protocol.error_message(
                    400, "audio is 16-bit samples: a frame must hold an even number of bytes; it was dropped"
                ))  # fmt: skip
            else:
                await self._forward(data, call, tier, meter)
            return
        try:
            parsed = protocol.parse_text(message.get("text") or "")
        except ClientMessageError as exc:
            await self._send(protocol.error_message(400, str(exc)))
            return
        if isinstance(parsed, Stop):
            if self._stopped:
                await self._after_stop()
            await self._stop(call)
        else:
            await self._send(
                protocol.error_message(400, "the config must be the first message; this one was ignored")
            )

    async def _forward(self, data: bytes, call: AsrStream, tier: tiers.Tier, meter: StreamMeter) -> None:
        """Sends audio on, once it is paid for and within the tier's size; past either, the part that
        fits goes on and the audio ends there with an error that says why."""
        total = self._streamed_bytes + len(data)
        limit: ApiError | None = None
        if total > tier.max_bytes:
            limit = ApiError(
                413, f"the stream reached {tier.max_bytes} bytes, the most the {tier.name} tier may send"
            )
            allowed = tier.max_bytes - self._streamed_bytes
        elif not await meter.cover(total / BYTES_PER_SECOND):
            limit = ApiError(
                402, f"{meter.unit} ran out after {self._streamed_s:.1f} s of audio; the stream ends here"
            )
            allowed = int(meter.covered_s * BYTES_PER_SECOND) - self._streamed_bytes
        else:
            allowed = len(data)
        allowed -= allowed % 2
        if allowed > 0:
            await call.write(asr_pb2.StreamRequest(audio=data[:allowed]))
            self._streamed_bytes += allowed
            STREAMED_SECONDS.inc(allowed / BYTES_PER_SECOND)
        if limit is not None:
            await self._send(protocol.error_message(limit.status, limit.message))
            self._end_code = protocol.close_code(limit.status)
            await self._stop(call)

    async def _stop(self, call: AsrStream) -> None:
        if not self._stopped:
            self._stopped = True
            await call.done_writing()

    async def _after_stop(self) -> None:
        if not self._warned_after_stop:  # once: frames already in flight would otherwise flood the client
            self._warned_after_stop = True
            await self._send(
                protocol.error_message(400, "the audio has ended; what was sent after it is ignored")
            )

    async def _downlink(self, call: AsrStream) -> asr_pb2.Transcript:
        while True:
            event = await call.read()
            if event is None:
                raise ApiError(500, "the ASR service ended the stream without a transcript")
            kind = event.WhichOneof("event")
            if kind == "partial":
                await self._send(protocol.partial_message(event.partial))
            elif kind == "segment":
                self._segments.append(event.segment)
                await self._send(protocol.segment_message(event.segment))
            elif kind == "transcript":
                return event.transcript  # type: ignore[no-any-return]

    def _so_far(self) -> asr_pb2.Transcript:
        """The transcript of a stream cut short: the segments finalized before it ended."""
        return asr_pb2.Transcript(
            text=" ".join(s.text for s in self._segments),
            duration=self._streamed_s,
            segments=self._segments,
            model=self._ready.model,
            requested_model=self._ready.requested_model,
        )

    async def _receive(self) -> Message:
        """The next message; before the audio has ended, a client silent for too long ends the stream."""
        timeout = None if self._stopped else self._settings.stream_idle_timeout_s
        try:
            message = await asyncio.wait_for(self._ws.receive(), timeout)
        except TimeoutError:
            raise StreamEnded(408, f"nothing was received for {timeout:.0f} s") from None
        if message["type"] == "websocket.disconnect":
            raise ClientGone
        return message

    async def _send(self, message: Message) -> None:
        async with self._send_lock:
            try:
                await self._ws.send_text(json.dumps(message))
            except Exception as exc:  # the connection is gone, whichever way the server noticed
                raise ClientGone from exc

    async def _end(self, status: int, message: str, close_code: int | None = None) -> None:
        """Tells the client why the stream ends, then closes with the documented code."""
        try:
            await self._send(protocol.error_message(status, message))
        except ClientGone:
            return
        await self._close(close_code or protocol.close_code(status))

    async def _close(self, code: int) -> None:
        if self._ws.application_state == WebSocketState.CONNECTED:
            try:
                await self._ws.close(code)
            except Exception:
                log.debug("the client left before the close")
