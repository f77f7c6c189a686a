"""Every gateway runs jobs from the durable queue (`store/jobs.py`) beside serving requests: it claims a
due job, keeps its lease alive while it works, and either transcribes it (fetching a URL's media and
holding its price first, when that is still to do) or delivers its webhook. A job whose gateway dies
keeps its hold in the ledger and is claimed again once its lease lapses; a gateway that stops puts its
jobs back at once. Deleting a job's transcript (`DELETE`) cancels it: the lease cannot be renewed, and
the work stops."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from gateway import tiers
from gateway.auth import Principal
from gateway.credits import Hold, SqlStep
from gateway.errors import ApiError, api_error_of
from gateway.exports.transcript_json import transcript_json
from gateway.jobs.fetch import FetchError, fetch_media
from gateway.jobs.holds import job_hold
from gateway.jobs.outbound import allowed_networks, checked_pool
from gateway.jobs.webhooks import deliver, retry_wait
from gateway.schemas.transcribe_form import TranscribeForm
from gateway.state import GatewayState
from gateway.store import jobs as queue
from gateway.store import transcripts as stored
from gateway.store.models import Account, TranscriptionJob, WebhookDelivery, utcnow
from gateway.transcript_record import TranscriptRecord
from gateway.transcription import OnEvent, transcribe_held
from stt.v1 import asr_pb2

log = logging.getLogger(__name__)

_PROGRESS_EVERY_S = 2.0
"""Progress is written to the database at most this often per job."""


class _JobRecord(TranscriptRecord):
    """A job's transcript: failed by an error of its own, never by being stopped or cancelled, or by a
    busy service (the job is then put back and tried again)."""

    def fail(self, error: BaseException) -> SqlStep | None:
        if isinstance(error, asyncio.CancelledError) or _retryable(error):
            return None
        return super().fail(error)


def _retryable(error: BaseException) -> bool:
    return isinstance(error, ApiError) and error.status in (429, 503)


class _LeaseLost(Exception):
    """Another gateway holds the job, or it was cancelled: this gateway stops working on it."""


class JobRunner:
    def __init__(self, state: GatewayState) -> None:
        self._state = state
        self._settings = state.settings
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]
        self._pool = checked_pool(allowed_networks(self._settings.fetch_allowed_networks))
        self._running: dict[str, asyncio.Task[None]] = {}

    async def run(self) -> None:
        """Claims due jobs while workers are free; sleeps until one frees, a job is queued here, or the
        poll interval passes."""
        wake = self._state.jobs_waiting
        while True:
            wake.clear()
            try:
                while len(self._running) < self._settings.job_workers:
                    job = await queue.claim(self._state.sessions, self._owner, self._settings.job_lease_s)
                    if job is None:
                        break
                    self._start(job)
            except Exception:
                log.exception("could not claim jobs; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._settings.job_poll_s)

    def _start(self, job: TranscriptionJob) -> None:
        task = asyncio.create_task(self._run_one(job))
        self._running[job.transcript_id] = task

        def finished(_: asyncio.Task[None]) -> None:
            self._running.pop(job.transcript_id, None)
            self._state.jobs_waiting.set()  # a worker is free

        task.add_done_callback(finished)

    async def stop(self) -> None:
        """Puts this gateway's running jobs back in the queue for another gateway (or this one when it
        comes back), their holds refunded and their tries not counted."""
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
        await self._pool.aclose()

    async def _run_one(self, job: TranscriptionJob) -> None:
        work = asyncio.current_task()
        assert work is not None
        lost = asyncio.Event()
        lease = asyncio.create_task(self._keep_lease(job.transcript_id, work, lost))
        try:
            if job.phase == queue.NOTIFY:
                await self._notify(job)
            else:
                await self._transcribe(job, lost)
        except asyncio.CancelledError:
            if not lost.is_set():
                raise
            log.info("job %s: its lease was lost or it was cancelled; stopped", job.transcript_id)
        except Exception:
            log.exception("job %s failed unexpectedly; it will be claimed again", job.transcript_id)
        finally:
            lease.cancel()

    async def _keep_lease(self, transcript_id: str, work: asyncio.Task[None], lost: asyncio.Event) -> None:
        every = self._settings.job_lease_s / 3
        while True:
            await asyncio.sleep(every)
            try:
                renewed = await queue.renew(
                    self._state.sessions, transcript_id, self._owner, self._settings.job_lease_s
                )
            except Exception:
                log.warning("job %s: the lease could not be renewed now", transcript_id)
                continue
            if not renewed:
                lost.set()
                work.cancel()
                return

    async def _account(self, account_id: int) -> Account | None:
        async with self._state.sessions() as session:
            return await session.get(Account, account_id)

    async def _transcribe(self, job: TranscriptionJob, lost: asyncio.Event) -> None:
        transcript_id = job.transcript_id
        account = await self._account(job.account_id)
        if account is None:
            return  # the account and its transcripts are gone
        form = TranscribeForm.model_validate(job.options)
        filename = str(job.options.get("filename", ""))
        if job.attempts > self._settings.job_max_attempts:
            await self._finish(job, failure=f"the job was interrupted {job.attempts - 1} times")
            return
        try:
            media, filename = await self._media(job, account, filename)
            hold = await self._hold(job, account, media)
        except (FetchError, ApiError) as exc:
            await self._finish(job, failure=str(exc))
            return
        async with self._state.sessions.begin() as session:
            await queue.update_transcript(session, transcript_id, status="processing", progress=0.0)
        record = _JobRecord(account.id, filename, form.model, transcript_id)
        request_id = f"job-{transcript_id}-{job.attempts}"
        try:
            await transcribe_held(
                self._state, hold, record, media, form.config(filename), request_id,
                enhance=form.enhance, on_event=self._progress_writer(transcript_id),
            )  # fmt: skip
        except asyncio.CancelledError:
            if not lost.is_set():  # this gateway is stopping: the job waits for the next one
                await asyncio.shield(self._put_back(job, count_try=False))
            raise
        except Exception as exc:
            error = api_error_of(exc, f"job {transcript_id}", self._settings.retry_after_s)
            if _retryable(error) and job.attempts < self._settings.job_max_attempts:
                log.info("job %s: %s; it waits and is tried again", transcript_id, error.message)
                await self._put_back(job, count_try=error.status != 429, wait_s=self._settings.retry_after_s)
                return
            await self._finish(job, failure=None if not _retryable(error) else error.message)
            return
        await self._finish(job)

    async def _media(self, job: TranscriptionJob, account: Account, filename: str) -> tuple[Path, str]:
        """The job's media on disk and its file name: fetched from its URL the first time (up to the
        account's tier's upload limit), the name then the one the URL gives."""
        if job.media_path is not None:
            return Path(job.media_path), filename
        assert job.source_url is not None
        folder = self._settings.jobs_dir / job.transcript_id
        folder.mkdir(parents=True, exist_ok=True)
        media = folder / "media"
        max_bytes = tiers.tier(account.plan, self._settings).max_bytes
        fetched = await fetch_media(
            self._pool, job.source_url, media, max_bytes, self._settings.fetch_timeout_s
        )
        async with self._state.sessions.begin() as session:
            stored_job = await queue.of_transcript(session, job.transcript_id)
            if stored_job is not None:
                stored_job.media_path = str(media)
            transcript = await stored.get(session, job.account_id, job.transcript_id)
            if fetched and transcript is not None:
                transcript.filename = fetched
        return media, fetched or filename

    async def _hold(self, job: TranscriptionJob, account: Account, media: Path) -> Hold:
        """The hold that pays for the job: the one taken before (by this gateway or one that died), or
        one taken now (a URL's media, or a job put back after a refund)."""
        settings = self._settings
        async with self._state.sessions() as session:
            hold = await job_hold(session, job, settings)
        if hold is not None:
            return hold
        principal = Principal(tier=account.plan, client_ip="", account_id=account.id)
        hold_id = uuid.uuid4().hex

        async def keep(session: AsyncSession) -> None:  # in the transaction that writes the hold
            await queue.keep_hold(session, job.transcript_id, hold_id)

        return await tiers.hold_audio(
            self._state.credits, principal, settings, media, alongside=keep, hold_id=hold_id
        )

    def _progress_writer(self, transcript_id: str) -> OnEvent:
        written_at = 0.0

        async def write(event: asr_pb2.TranscribeEvent) -> None:
            nonlocal written_at
            if not event.HasField("progress") or time.monotonic() - written_at < _PROGRESS_EVERY_S:
                return
            written_at = time.monotonic()
            async with self._state.sessions.begin() as session:
                await queue.update_transcript(
                    session, transcript_id, progress=min(event.progress.fraction, 0.99)
                )

        return write

    async def _put_back(self, job: TranscriptionJob, *, count_try: bool, wait_s: float = 0.0) -> None:
        """The job waits again (its hold was refunded: the next run takes a new one)."""
        async with self._state.sessions.begin() as session:
            await queue.put_back(
                session, job.transcript_id, self._owner,
                hold_id=None,
                due_at=utcnow() + timedelta(seconds=wait_s),
                attempts=job.attempts if count_try else job.attempts - 1,
            )  # fmt: skip
            await queue.update_transcript(session, job.transcript_id, status="queued", progress=0.0)
        self._state.jobs_waiting.set()

    async def _finish(self, job: TranscriptionJob, failure: str | None = None) -> None:
        """The transcript is done (or failed with `failure`): the media goes, and the webhook is due."""
        async with self._state.sessions.begin() as session:
            if failure is not None:
                await stored.fail(session, job.transcript_id, failure)
            if job.webhook_url:
                await queue.put_back(
                    session, job.transcript_id, self._owner,
                    phase=queue.NOTIFY, attempts=0, due_at=utcnow(), hold_id=None,
                )  # fmt: skip
            else:
                await queue.remove(session, job.transcript_id)
        shutil.rmtree(self._settings.jobs_dir / job.transcript_id, ignore_errors=True)
        if job.webhook_url:
            self._state.jobs_waiting.set()

    async def _notify(self, job: TranscriptionJob) -> None:
        """One delivery of the job's webhook; retried later with a doubling wait until the time for it
        runs out."""
        assert job.webhook_url is not None
        settings = self._settings
        account = await self._account(job.account_id)
        async with self._state.sessions() as session:
            transcript = await stored.get(session, job.account_id, job.transcript_id)
            first_at = await queue.first_delivery_at(session, job.transcript_id)
        if transcript is None or account is None:
            return
        body: dict[str, object] = stored.summary_json(transcript)
        if transcript.status == "completed":
            body = {**body, **transcript_json(stored.to_proto(transcript))}
        event = f"transcript.{transcript.status}"
        payload = json.dumps(body, ensure_ascii=False).encode()
        if account.webhook_secret is None:
            outcome_error: str | None = "the account has no webhook secret; nothing was sent"
            status_code, duration_ms, delivered = None, 0.0, False
        else:
            delivery = await deliver(
                self._pool, job.webhook_url, event, f"{job.transcript_id}.{transcript.status}",
                payload, account.webhook_secret, settings.webhook_timeout_s,
            )  # fmt: skip
            outcome_error, status_code = delivery.error, delivery.status_code
            duration_ms, delivered = delivery.duration_ms, delivery.delivered
        now = utcnow()
        wait_s = retry_wait(job.attempts, settings.webhook_first_retry_s)
        give_up = (
            first_at is not None and (now - first_at).total_seconds() + wait_s > settings.webhook_retry_for_s
        )
        async with self._state.sessions.begin() as session:
            await queue.record_delivery(
                session,
                WebhookDelivery(
                    transcript_id=job.transcript_id, event=event, url=job.webhook_url, attempt=job.attempts,
                    status_code=status_code, error=outcome_error, duration_ms=round(duration_ms, 1),
                ),
            )  # fmt: skip
            if delivered or give_up or account.webhook_secret is None:
                await queue.remove(session, job.transcript_id)
            else:
                await queue.put_back(
                    session, job.transcript_id, self._owner, due_at=now + timedelta(seconds=wait_s)
                )
