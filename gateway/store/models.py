"""The tables. Times are timezone-aware UTC; ids of transcripts are opaque hex strings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UtcDateTime(),
    }


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    plan: Mapped[str] = mapped_column(String(16), default="free")
    """`free` (monthly minutes) or `paid` (credits)."""
    email_preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    webhook_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    """The key that signs the account's webhooks (HMAC-SHA256): shown once, when it is made."""

    keys: Mapped[list[ApiKey]] = relationship(back_populates="account", cascade="all, delete-orphan")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="default")
    prefix: Mapped[str] = mapped_column(String(16))
    """The first characters of the key, shown in listings so a user can tell keys apart."""
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the key: keys are long random strings, so a fast hash is safe and lookups stay O(1)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    account: Mapped[Account] = relationship(back_populates="keys")


class Transcript(Base):
    __tablename__ = "transcripts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="processing", index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    model: Mapped[str] = mapped_column(String(64), default="")
    requested_model: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str | None] = mapped_column(String(16), default=None, index=True)
    duration: Mapped[float | None] = mapped_column(Float, default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    speakers: Mapped[list[Any]] = mapped_column(default=list)
    speaker_turns: Mapped[list[Any]] = mapped_column(default=list)
    """[{"start", "end", "speaker"}]: who spoke when, overlapping turns included."""
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    progress: Mapped[float | None] = mapped_column(Float, default=None)
    """0-1 while a job runs (None for a transcription its caller waited for)."""

    segments: Mapped[list[TranscriptSegment]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan", order_by="TranscriptSegment.order"
    )


class TranscriptionJob(Base):
    """A transcript to be made in the background: the durable queue that every gateway takes work from.
    A row is due at `due_at` and free when its lease has lapsed, so a job whose gateway died is taken
    again by another; it is deleted once the transcript is done and its webhook told (or given up)."""

    __tablename__ = "transcription_jobs"

    transcript_id: Mapped[str] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(16))
    """`transcribe`, then `notify` while its webhook is being delivered."""
    options: Mapped[dict[str, Any]] = mapped_column()
    """The transcription's options (the fields of `/v1/transcribe`)."""
    media_path: Mapped[str | None] = mapped_column(String(1024), default=None)
    """The upload, in the job folder every gateway reads; None until a URL's media is fetched."""
    source_url: Mapped[str | None] = mapped_column(Text, default=None)
    webhook_url: Mapped[str | None] = mapped_column(Text, default=None)
    hold_id: Mapped[str | None] = mapped_column(String(32), default=None)
    """The ledger hold that pays for it (taken at submission, or once a URL's media is priced)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One attempt to deliver a transcript's webhook, kept so its owner can see what happened."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    duration_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TranscriptSegment(Base):
    __tablename__ = "transcript_segments"
    __table_args__ = (UniqueConstraint("transcript_id", "order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    order: Mapped[int] = mapped_column(Integer)
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(32), default=None)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    words: Mapped[list[Any]] = mapped_column(default=list)

    transcript: Mapped[Transcript] = relationship(back_populates="segments")


class TranscriptInsight(Base):
    """A summary, analysis or generated content of a transcript, kept until the transcript's text
    changes: `text_hash` is the hash of the text it was made from, and a different one is a miss."""

    __tablename__ = "transcript_insights"
    __table_args__ = (UniqueConstraint("transcript_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(100))
    """`summary:<style>`, `analysis:<type>` or `generate:<type>:<hash of the steering prompt>`."""
    text_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SegmentVector(Base):
    """The sentence embedding of one segment of a transcript, for chat retrieval (float32 bytes,
    searched in process: a transcript has at most a few thousand segments)."""

    __tablename__ = "segment_vectors"

    transcript_id: Mapped[str] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    segment_order: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    """The hash of the segment's text it was computed from: an edited segment is embedded again."""
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class ChatTurn(Base):
    """One question or answer of a chat session about a transcript; a session belongs to one account
    and one transcript, so another account's session id finds nothing."""

    __tablename__ = "chat_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEntry(Base):
    """One movement in a quota bucket: a grant (+), a hold for work in progress (-), or a charge (-),
    which is a hold that succeeded. A bucket's balance is its capacity plus the sum of its entries."""

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(160), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, default=None
    )
    delta: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    hold_id: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    transcript_id: Mapped[str | None] = mapped_column(String(32), default=None)
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
