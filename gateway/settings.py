"""Settings of the gateway (env prefix `STT_GATEWAY_`; `STT_PORT` also sets the port)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STT_GATEWAY_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias=AliasChoices("STT_PORT", "STT_GATEWAY_PORT"))
    data_dir: Path = Field(default=Path("data"), validation_alias=AliasChoices("STT_DATA_DIR"))
    """The platform's data folder; uploads are spooled under `<data_dir>/spool/gateway`."""
    asr_address: str = "127.0.0.1:50051"
    """gRPC address of the ASR service (a headless Kubernetes service name in a cluster)."""
    embed_address: str = "127.0.0.1:50052"
    """gRPC address of the embedding service."""
    embed_timeout_s: float = 60.0
    """gRPC deadline of one embedding request."""
    llm_address: str = "127.0.0.1:50053"
    """gRPC address of the LLM service."""
    llm_timeout_s: float = 600.0
    """gRPC deadline of one LLM request (a long transcript is summarised part by part)."""
    tts_address: str = "127.0.0.1:50056"
    """gRPC address of the speech synthesis service."""
    tts_timeout_s: float = 600.0
    """gRPC deadline of one synthesis (5,000 characters take about a minute on a CPU)."""
    max_reference_bytes: int = 20 * 1024**2
    """The largest reference clip for /v1/tts (3-10 s of speech in any format is far less)."""
    audio_address: str = "127.0.0.1:50055"
    """gRPC address of the audio enhancement service."""
    enhance_timeout_s: float = 3600.0
    """gRPC deadline of one enhancement (an hour of audio takes minutes on a CPU)."""
    translate_address: str = "127.0.0.1:50054"
    """gRPC address of the translation service."""
    translate_timeout_s: float = 300.0
    """gRPC deadline of one translation request (a stored transcript goes in batches of segments)."""
    chat_passages: int = Field(default=5, ge=1, le=20)
    """Transcript segments retrieved (by embedding similarity) to answer a chat question."""
    chat_history_turns: int = Field(default=10, ge=0, le=100)
    """Earlier turns of a chat session sent with a follow-up question (the LLM service drops the
    oldest of them when they do not fit its context)."""
    max_live_keys: int = Field(default=20, ge=1)
    """Keys an account may hold at once (revoked keys do not count): one more is 409."""
    max_email_preferences: int = Field(default=20, ge=0)
    """Email preferences an account may keep (names of at most 64 characters): more is 413."""
    max_chat_turns: int = Field(default=200, ge=2)
    """Questions and answers a chat session may hold: a session that is full answers 409."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_s: float = 2.0
    """Connect and read timeout of a Redis command: a stalled Redis is a quick 503, not a hung request."""
    database_url: str = Field(
        default="", validation_alias=AliasChoices("STT_DATABASE_URL", "STT_GATEWAY_DATABASE_URL")
    )
    """SQLAlchemy URL (`STT_DATABASE_URL`); empty means a SQLite file `<data_dir>/stt.db`.
    `postgresql://user@host/db` works as it is (asyncpg is chosen for it)."""
    max_upload_bytes: int = 2 * 1024**3
    max_json_bytes: int = Field(default=8 * 1024**2, ge=1024, le=32 * 1024**2)
    """The largest body of a request that is not an upload (JSON): 413 as soon as it passes it. 8 MB
    holds the longest text the LLM service takes (400,000 characters, JSON-escaped) with room to spare;
    it stays under the gRPC message limit (64 MB) so no call to a service can be refused for its size."""
    """The largest file any tier may send (2 GB); larger is refused with 413 while it is still arriving."""

    anonymous_daily_transcriptions: int = 3
    """Transcriptions a day per client IP without a key."""
    anonymous_max_bytes: int = 100 * 1024**2
    anonymous_concurrency: int = 1
    free_monthly_minutes: int = 600
    free_max_bytes: int = 500 * 1024**2
    free_concurrency: int = 2
    paid_max_bytes: int = 2 * 1024**3
    paid_concurrency: int = 5
    anonymous_daily_text_requests: int = 20
    """Text and embedding requests (summarize, analyze, generate, embed, the stored-transcript verbs
    and chat) a day per IP; each tier also holds one of its concurrent slots while the work runs."""
    free_daily_text_requests: int = 500
    paid_daily_text_requests: int = 20_000
    lease_ttl_s: float = 60.0
    """Concurrency slots expire this long after their last renewal (a running request renews its own)."""
    stale_hold_after_s: float = 0.0
    """A credit hold older than this was left by a gateway that died mid-request and is refunded;
    0 means the transcription deadline plus ten minutes."""
    stale_hold_sweep_s: float = 300.0
    """How often the gateway looks for such holds."""
    busy_retry_after_s: int = 5
    """`Retry-After` of a 429 for a full set of concurrency slots."""
    auth_cache_ttl_s: int = 60
    """How long Redis caches a key's account; revocation and plan changes clear it at once."""
    quota_cache_ttl_s: int = 600
    """How long Redis caches a quota balance before it is rebuilt from the SQL ledger."""
    signup_per_hour: int = 5
    """Sign-ups per client IP per hour."""
    failed_auth_per_minute: int = 20
    """Requests with an unknown or revoked key per client IP per minute before that IP gets 429."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Peers whose `X-Forwarded-For` is believed (e.g. the ingress); anyone else's is ignored."""
    max_form_field_bytes: int = 64 * 1024
    upload_chunk_bytes: int = 1024 * 1024
    """Size of each audio chunk streamed to a service over gRPC."""
    transcribe_timeout_s: float = 3600.0
    """gRPC deadline of one transcription."""
    stream_timeout_s: float = 4 * 3600.0
    """gRPC deadline of one live stream: the longest a stream may run."""
    stream_idle_timeout_s: float = 30.0
    """A stream that receives nothing for this long (before its audio ends) is closed with 4408."""
    stream_max_frame_bytes: int = 1024 * 1024
    """The largest WebSocket frame of audio (about 33 s); a larger one ends the stream with 1009."""
    info_timeout_s: float = 5.0
    """gRPC deadline of small calls: models, languages, health, device facts."""
    retry_after_s: int = 5
    """`Retry-After` sent with 503 when a backing service or store is unavailable."""
    job_dir: Path | None = None
    """Where uploads of asynchronous jobs wait to be transcribed; None means `<data_dir>/jobs`. Every
    gateway must see the same folder (a ReadWriteMany volume in a cluster): a job whose gateway dies is
    taken again by another, which reads the upload from here."""
    job_workers: int = Field(default=2, ge=0, le=64)
    """Jobs this gateway runs at once (0: it takes none, serving requests only)."""
    job_lease_s: float = Field(default=30.0, gt=1.0)
    """A running job's claim lapses this long after its gateway last renewed it (every third of it):
    another gateway then takes the job again."""
    job_poll_s: float = Field(default=1.0, gt=0.0)
    """How often an idle gateway looks for due jobs (jobs it queued itself start at once)."""
    job_max_attempts: int = Field(default=3, ge=1)
    """Gateways a job may be interrupted on (died, stopped) before it is failed."""
    max_open_jobs: int = Field(default=100, ge=1)
    """Queued and running jobs an account may have: one more is 429."""
    fetch_timeout_s: float = 600.0
    """The longest a job may spend fetching its media from a URL."""
    fetch_allowed_networks: list[str] = Field(default_factory=list)
    """Private networks (CIDR) that URL fetches and webhooks may reach, `["10.0.0.0/8"]` say; empty:
    public addresses only, so no caller can make the gateway reach inside its own network (SSRF)."""
    webhook_timeout_s: float = 10.0
    """How long one webhook delivery may take before it counts as failed."""
    webhook_retry_for_s: float = 3600.0
    """A webhook that keeps failing is retried with doubling waits for this long, then given up."""
    webhook_first_retry_s: float = 5.0
    """The wait before the first retry; each later wait doubles, up to ten minutes."""
    log_level: str = "INFO"

    @property
    def sql_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'stt.db').resolve()}"

    @cached_property
    def jobs_dir(self) -> Path:
        path = self.job_dir or self.data_dir / "jobs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def spool_dir(self) -> Path:
        path = self.data_dir / "spool" / "gateway"
        path.mkdir(parents=True, exist_ok=True)
        return path
