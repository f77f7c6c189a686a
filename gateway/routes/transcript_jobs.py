"""Asynchronous transcription: `POST /api/v1/transcripts/` queues a job and answers `202` at once (an
upload, or `{"url": ...}` for media to fetch), a gateway's job runner (`gateway/jobs/`) does the work,
and `GET .../webhooks/` shows each attempt to tell the caller's webhook."""

from __future__ import annotations

import shutil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import tiers
from gateway.dependencies import AccountDep, PrincipalDep, SessionDep, StateDep
from gateway.errors import ApiError
from gateway.jobs.outbound import AddressRefusedError, allowed_networks, check_reachable
from gateway.routes.transcripts import owned
from gateway.schemas.transcribe_form import TranscribeForm
from gateway.schemas.transcripts import TranscriptSummary, WebhookAttempts
from gateway.state import GatewayState
from gateway.store import jobs as queue
from gateway.store import transcripts as stored
from gateway.store.models import Account, TranscriptionJob, new_id
from gateway.uploads import form_of, media_upload, multipart_schema

router = APIRouter(prefix="/api/v1/transcripts", tags=["transcripts"])


class JobForm(TranscribeForm):
    """The fields of `/v1/transcribe`, and where to tell the caller when the transcript is done."""

    model_config = ConfigDict(extra="ignore")

    webhook_url: str = Field(
        default="",
        max_length=2048,
        description="POSTed the transcript's JSON, signed, when it completes or fails",
    )


class UrlJob(JobForm):
    url: str = Field(max_length=2048, description="http(s) address of the media to fetch and transcribe")


def _options(form: JobForm, filename: str) -> dict[str, Any]:
    """What the gateway that runs the job reads back (`TranscribeForm`), and the upload's name."""
    return {**form.model_dump(include=set(TranscribeForm.model_fields)), "filename": filename}


async def _check_addresses(state: GatewayState, account: Account, form: JobForm, url: str = "") -> None:
    if form.webhook_url and account.webhook_secret is None:
        raise ApiError(
            400,
            "webhook_url needs the account's webhook secret: make one with POST /api/v1/webhook-secret/",
        )
    allowed = allowed_networks(state.settings.fetch_allowed_networks)
    for name, address in (("url", url), ("webhook_url", form.webhook_url)):
        if not address:
            continue
        try:
            await check_reachable(address, allowed)
        except AddressRefusedError as exc:
            raise ApiError(400, f"{name}: {exc}") from exc


async def _check_room(state: GatewayState, account: Account) -> None:
    async with state.sessions() as session:
        open_jobs = await queue.open_count(session, account.id)
    if open_jobs >= state.settings.max_open_jobs:
        raise ApiError(
            429,
            f"{open_jobs} jobs are queued or running; at most {state.settings.max_open_jobs} at once",
            {"Retry-After": str(state.settings.retry_after_s)},
        )


def _queued(state: GatewayState, transcript_id: str, summary: dict[str, Any]) -> JSONResponse:
    state.jobs_waiting.set()
    return JSONResponse(
        summary, status_code=202, headers={"Location": f"/api/v1/transcripts/{transcript_id}/"}
    )


async def _summary(state: GatewayState, account_id: int, transcript_id: str) -> dict[str, Any]:
    async with state.sessions() as session:
        transcript = await stored.get(session, account_id, transcript_id)
    assert transcript is not None
    return stored.summary_json(transcript)


async def _upload_job(
    request: Request, state: GatewayState, principal: PrincipalDep, account: Account
) -> JSONResponse:
    async with media_upload(request, state, principal) as upload:
        form = form_of(JobForm, upload.fields)
        if upload.size == 0:
            raise ApiError(400, "the file is empty")
        await _check_addresses(state, account, form)
        transcript_id, hold_id = new_id(), new_id()
        folder = state.settings.jobs_dir / transcript_id
        folder.mkdir(parents=True)
        media = folder / "media"
        shutil.move(upload.path, media)  # where every gateway can read it, before any can claim the job

    async def store(session: AsyncSession) -> None:  # in the transaction that writes the hold
        await stored.start(session, account.id, upload.filename, form.model, transcript_id, queued=True)
        job = TranscriptionJob(
            transcript_id=transcript_id, account_id=account.id, phase=queue.TRANSCRIBE,
            options=_options(form, upload.filename), media_path=str(media),
            webhook_url=form.webhook_url or None, hold_id=hold_id,
        )  # fmt: skip
        await queue.enqueue(session, job)

    async def forget(session: AsyncSession) -> None:
        await stored.discard(session, transcript_id)

    try:
        await tiers.hold_audio(
            state.credits, principal, state.settings, media, alongside=store, undo=forget, hold_id=hold_id
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _queued(state, transcript_id, await _summary(state, account.id, transcript_id))


async def _url_job(request: Request, state: GatewayState, account: Account) -> JSONResponse:
    try:
        job_form = UrlJob.model_validate(await request.json())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ApiError(400, f"invalid request: {problems}") from exc
    except ValueError as exc:
        raise ApiError(400, "the body is not JSON") from exc
    await _check_addresses(state, account, job_form, job_form.url)
    transcript_id = new_id()
    async with state.sessions.begin() as session:
        await stored.start(session, account.id, "", job_form.model, transcript_id, queued=True)
        job = TranscriptionJob(
            transcript_id=transcript_id, account_id=account.id, phase=queue.TRANSCRIBE,
            options=_options(job_form, ""), source_url=job_form.url, webhook_url=job_form.webhook_url or None,
        )  # fmt: skip
        await queue.enqueue(session, job)
    return _queued(state, transcript_id, await _summary(state, account.id, transcript_id))


@router.post(
    "/",
    status_code=202,
    summary="Queue a transcription job: a multipart upload, or JSON with the media's `url`",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                **multipart_schema(JobForm, "file", "Audio or video file")["requestBody"]["content"],
                "application/json": {"schema": UrlJob.model_json_schema()},
            },
        }
    },
    responses={
        202: {"model": TranscriptSummary, "description": "Queued: `status` is `queued`, `progress` 0"}
    },
)
async def submit_job(
    request: Request, state: StateDep, principal: PrincipalDep, account: AccountDep
) -> JSONResponse:
    await _check_room(state, account)
    if request.headers.get("content-type", "").startswith("application/json"):
        return await _url_job(request, state, account)
    return await _upload_job(request, state, principal, account)


@router.get(
    "/{transcript_id}/webhooks/",
    response_model=WebhookAttempts,
    summary="Each attempt to deliver the transcript's webhook",
)
async def webhook_attempts(transcript_id: str, account: AccountDep, session: SessionDep) -> dict[str, Any]:
    await owned(session, account, transcript_id)
    rows = await queue.deliveries(session, transcript_id)
    results = [
        {
            "attempt": d.attempt, "event": d.event, "url": d.url, "status_code": d.status_code,
            "error": d.error, "duration_ms": d.duration_ms, "created_at": d.created_at.isoformat(),
        }
        for d in rows
    ]  # fmt: skip
    return {"results": results, "count": len(results)}
