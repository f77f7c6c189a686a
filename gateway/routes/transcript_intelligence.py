"""Text intelligence on a stored transcript of the caller's: summarize, analyze, generate and translate
(cached with the transcript until its text changes; `force` makes them again) and chat (retrieval over the
transcript's segment embeddings, answered by the LLM, with the session's earlier turns). Another
account's transcript is 404, as everywhere."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from gateway.dependencies import (
    AccountDep,
    EmbedDep,
    LlmDep,
    MeteredDep,
    RequestIdDep,
    SessionDep,
    SessionsDep,
    SettingsDep,
    TranslateDep,
    WatchedDep,
)
from gateway.errors import ApiError
from gateway.intelligence import retrieval, translation
from gateway.routes.transcripts import owned
from gateway.schemas.analysis import analysis_json
from gateway.schemas.generation import TIMED_TYPES, generated_json
from gateway.schemas.stored_intelligence import (
    AnalyzeTranscript,
    ChatAnswer,
    ChatQuestion,
    GenerateFromTranscript,
    Source,
    StoredAnalysisAnswer,
    StoredGenerateResponse,
    StoredSummary,
    SummarizeTranscript,
)
from gateway.schemas.text import summary_of
from gateway.schemas.translation import TranscriptTranslation, TranslateTranscript
from gateway.store import chats, insights
from gateway.store.models import Transcript, new_id
from gateway.text_input import require_unicode
from stt.v1.llm_pb2 import AnalyzeResponse, ChatEvent

router = APIRouter(prefix="/api/v1/transcripts", tags=["transcripts"])
MAX_KINDS = 6


class _Asked:
    """What every route here takes besides its body and its engines: the caller's account, one of its
    text requests (metered), the request's session, its id and its watcher."""

    def __init__(
        self,
        account: AccountDep,
        _: MeteredDep,
        session: SessionDep,
        request_id: RequestIdDep,
        watched: WatchedDep,
    ) -> None:
        self.account, self.session, self.request_id, self.watched = account, session, request_id, watched

    async def completed(self, transcript_id: str) -> Transcript:
        """The caller's transcript, once it has text to work on (404 for another account's, 409 before)."""
        transcript = await owned(self.session, self.account, transcript_id)
        if transcript.status != "completed":
            raise ApiError(409, f"the transcript is {transcript.status}: it has no text to work on yet")
        return transcript


AskedDep = Annotated[_Asked, Depends(_Asked, scope="function")]


async def _insight(
    session: SessionDep,
    transcript: Transcript,
    kind: str,
    force: bool,
    text: str,
    make: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """The cached entry of `kind`, or a fresh one made from `text` (and kept)."""
    if not force:
        found = await insights.cached(session, transcript, kind)
        if found is not None:
            return found
    return await insights.keep(session, transcript, kind, text, await make())


@router.post(
    "/{transcript_id}/summarize/",
    response_model=StoredSummary,
    summary="Summarize a stored transcript (cached)",
)
async def summarize_transcript(
    transcript_id: str,
    body: SummarizeTranscript,
    asked: AskedDep,
    llm: LlmDep,
) -> dict[str, Any]:
    transcript = await asked.completed(transcript_id)
    text = insights.transcript_text(transcript)

    async def make() -> dict[str, Any]:
        return summary_of(
            await asked.watched(llm.summarize(text, body.style, request_id=asked.request_id))
        ).model_dump()

    return await _insight(asked.session, transcript, f"summary:{body.style[:40]}", body.force, text, make)


Analyze = Callable[[str, str], Awaitable[AnalyzeResponse]]


async def _analysis(
    kind: str, transcript: Transcript, force: bool, session: SessionDep, analyze: Analyze
) -> dict[str, Any]:
    text = insights.transcript_text(transcript)

    async def make() -> dict[str, Any]:
        return analysis_json(await analyze(text, kind))

    return await _insight(session, transcript, f"analysis:{kind[:40]}", force, text, make)


@router.post(
    "/{transcript_id}/analyze/",
    summary="Analyze a stored transcript (cached): `type` for one analysis, `kinds` for several",
    response_model=None,  # one analysis or several; this documents both
    responses={
        200: {
            "model": StoredAnalysisAnswer,
            "description": "With `type`: the analysis (as `/v1/analyze`, plus `cached` and `created_at`). "
            'With `kinds`: `{"results": {kind: analysis}}`',
        }
    },
)
async def analyze_transcript(
    transcript_id: str,
    body: AnalyzeTranscript,
    asked: AskedDep,
    llm: LlmDep,
) -> dict[str, Any]:
    if (body.type is None) == (body.kinds is None):
        raise ApiError(400, "send either `type` (one analysis) or `kinds` (a list of them)")
    transcript = await asked.completed(transcript_id)

    def analyze(text: str, kind: str) -> Awaitable[AnalyzeResponse]:
        return asked.watched(llm.analyze(text, kind, request_id=asked.request_id))

    if body.type is not None:
        return await _analysis(body.type, transcript, body.force, asked.session, analyze)
    kinds = list(dict.fromkeys(body.kinds or []))
    if not kinds or len(kinds) > MAX_KINDS:
        raise ApiError(400, f"`kinds` lists 1 to {MAX_KINDS} analysis types")
    results = {}
    for kind in kinds:
        analysis = await _analysis(kind, transcript, body.force, asked.session, analyze)
        results[analysis["type"]] = analysis
    return {"results": results}


@router.post(
    "/{transcript_id}/generate/",
    response_model=StoredGenerateResponse,
    summary="Generate content from a stored transcript (cached per type and prompt)",
)
async def generate_from_transcript(
    transcript_id: str,
    body: GenerateFromTranscript,
    asked: AskedDep,
    llm: LlmDep,
) -> dict[str, Any]:
    require_unicode(body.prompt, "the prompt")
    transcript = await asked.completed(transcript_id)
    text = insights.transcript_text(transcript)
    # Quotes and chapters are picked by line: their lines carry the segments' times.
    source = (
        "\n".join(f"[{s.start:.2f}] {s.text}" for s in transcript.segments)
        if body.type in TIMED_TYPES and transcript.segments
        else text
    )

    async def make() -> dict[str, Any]:
        return generated_json(
            await asked.watched(llm.generate(source, body.type, body.prompt, request_id=asked.request_id))
        )

    steering = hashlib.sha256(body.prompt.encode()).hexdigest()[:16]
    return await _insight(
        asked.session, transcript, f"generate:{body.type[:40]}:{steering}", body.force, text, make
    )


@router.post(
    "/{transcript_id}/translate/",
    response_model=TranscriptTranslation,
    summary="Translate a stored transcript segment by segment (cached per target language)",
)
async def translate_transcript(
    transcript_id: str,
    body: TranslateTranscript,
    asked: AskedDep,
    translator: TranslateDep,
) -> dict[str, Any]:
    require_unicode(body.target, "target")
    transcript = await asked.completed(transcript_id)
    if not body.force:
        found = await translation.cached(asked.session, transcript, body.target)
        if found is not None:
            return found
    return await asked.watched(
        translation.translate(asked.session, transcript, body.target, translator, asked.request_id)
    )


@router.post("/{transcript_id}/chat/", response_model=ChatAnswer, summary="Ask about a stored transcript")
async def chat_with_transcript(
    transcript_id: str,
    body: ChatQuestion,
    asked: AskedDep,
    sessions: SessionsDep,
    embed: EmbedDep,
    llm: LlmDep,
    settings: SettingsDep,
) -> Any:
    require_unicode(body.question, "the question")
    transcript = await asked.completed(transcript_id)
    session_id = body.session_id or new_id()
    if (
        await chats.turns(asked.session, asked.account.id, transcript.id, session_id) + 2
        > settings.max_chat_turns
    ):
        raise ApiError(
            409, f"this chat session holds {settings.max_chat_turns} turns, the most it may: start a new one"
        )
    async with sessions.begin() as own:  # committed now: not held while the LLM answers
        index = await retrieval.segment_vectors(own, transcript, embed, asked.request_id)
    found = await retrieval.search(
        body.question, transcript, index, embed, asked.request_id, settings.chat_passages
    )
    history = await chats.history(
        asked.session, asked.account.id, transcript.id, session_id, settings.chat_history_turns
    )
    sources = [
        Source(
            segment_order=p.segment.order, segment_id=p.segment.id, start_time=p.segment.start,
            end_time=p.segment.end, speaker=p.segment.speaker, text=p.segment.text, score=round(p.score, 4),
        ).model_dump()
        for p in found
    ]  # fmt: skip
    events = llm.chat(body.question, [p.segment.text for p in found], history, request_id=asked.request_id)
    account_id = asked.account.id

    async def answered(answer: str, model: str) -> dict[str, Any]:
        async with sessions.begin() as own:  # the request's session may be gone when a stream ends
            chats.add_exchange(own, account_id, transcript_id, session_id, body.question, answer)
        return {"answer": answer, "sources": sources, "session_id": session_id, "model": model}

    # The first event is awaited here, so a failure to start is an HTTP error, not an event.
    first = await asked.watched(anext(events, None))
    if first is None:
        raise ApiError(500, "the language model service ended without an answer")
    if not body.stream:

        async def whole_answer() -> dict[str, Any]:
            async for event in _and_rest(first, events):
                if event.WhichOneof("event") == "done":
                    return await answered(event.done.answer, event.done.model)
            raise ApiError(500, "the language model service ended without an answer")

        return await asked.watched(whole_answer())

    async def server_sent_events() -> AsyncIterator[str]:
        try:
            async for event in _and_rest(first, events):
                if event.WhichOneof("event") == "delta":
                    yield f"data: {json.dumps({'delta': event.delta})}\n\n"
                else:
                    whole = await answered(event.done.answer, event.done.model)
                    yield f"data: {json.dumps(whole)}\n\n"
        except ApiError as error:
            yield f"data: {json.dumps({'error': error.message, 'status': error.status})}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(server_sent_events(), media_type="text/event-stream")


async def _and_rest(first: ChatEvent, rest: AsyncIterator[ChatEvent]) -> AsyncIterator[ChatEvent]:
    yield first
    async for event in rest:
        yield event
