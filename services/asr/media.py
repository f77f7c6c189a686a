"""Reads an uploaded media file: checks by content that it is a format we accept, decodes its audio
track to 16 kHz mono float32 (any sample rate or channel count in), and says clearly what is wrong."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

# The private frame helpers of faster-whisper's decoder (pinned to 1.2.1): invalid frames skipped,
# frames grouped without timestamp checks, the resampler flushed at the end.
from faster_whisper.audio import _group_frames, _ignore_invalid_frames, _resample_frames, decode_audio

SAMPLE_RATE = 16_000

# FFmpeg demuxers of the formats the public API accepts: MP3, WAV, FLAC, OGG/OPUS, M4A/MP4/MOV, AAC,
# WMA/WMV (ASF), WebM/MKV (Matroska), AVI, MPG/MPEG (program and transport streams).
ACCEPTED_DEMUXERS = frozenset(
    {"mp3", "wav", "w64", "flac", "ogg", "mov", "mp4", "m4a", "3gp", "aac", "asf", "matroska", "webm",
     "avi", "mpeg", "mpegts", "mpegvideo"}
)  # fmt: skip
ACCEPTED_FORMATS = "MP3, WAV, FLAC, OGG, M4A, AAC, OPUS, WMA, MP4, WebM, MKV, AVI, MOV, WMV, MPG, MPEG"


class MediaError(ValueError):
    """The upload cannot be transcribed; the message says why, in words a caller can act on."""


def _check_container(path: Path) -> None:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            demuxers = set(container.format.name.split(","))
            if not demuxers & ACCEPTED_DEMUXERS:
                raise MediaError(
                    f"unsupported media format '{container.format.long_name or container.format.name}'; "
                    f"accepted formats: {ACCEPTED_FORMATS}"
                )
            if not container.streams.audio:
                raise MediaError("the file has no audio track")
    except av.FFmpegError as exc:
        raise MediaError(
            f"the file is not readable audio or video (corrupt, or not a media file); accepted formats: "
            f"{ACCEPTED_FORMATS}"
        ) from exc


def decode(path: Path) -> np.ndarray:
    """The file's first audio track as 16 kHz mono float32 samples, in memory (short files, tools)."""
    _check_readable(path)
    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except av.FFmpegError as exc:
        raise MediaError("the audio track could not be decoded (corrupt data)") from exc
    if audio.size == 0:
        raise MediaError("the audio track holds no decodable audio")
    return audio


class DecodedAudio:
    """A file's audio decoded once to 16 kHz mono 16-bit PCM on disk. Stretches are read back as float32
    when they are needed, so an hour of audio costs 115 MB of disk and, in memory, only the window at
    work. Sliced like an array: `audio[start:end]`."""

    def __init__(self, path: Path, samples: int) -> None:
        self.path = path
        self._samples = samples

    def __len__(self) -> int:
        return self._samples

    def __getitem__(self, key: slice) -> np.ndarray:
        start, stop, step = key.indices(self._samples)
        if step != 1:
            raise ValueError("decoded audio is read in contiguous stretches")
        with self.path.open("rb") as source:
            source.seek(start * 2)
            pcm = np.fromfile(source, dtype="<i2", count=max(0, stop - start))
        return pcm.astype(np.float32) / 32768.0


def decode_to_disk(path: Path, out: Path) -> DecodedAudio:
    """Decodes the file's first audio track into `out` as it is read, frame group by frame group
    (faster-whisper's own decoding steps, which otherwise gather the whole track in memory)."""
    _check_readable(path)
    samples = 0
    try:
        with av.open(str(path), metadata_errors="ignore") as container, out.open("wb") as sink:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            frames = _group_frames(_ignore_invalid_frames(container.decode(audio=0)), 500_000)
            for frame in _resample_frames(frames, resampler):
                pcm = frame.to_ndarray()
                sink.write(pcm.tobytes())
                samples += pcm.shape[-1]
    except av.FFmpegError as exc:
        raise MediaError("the audio track could not be decoded (corrupt data)") from exc
    if samples == 0:
        raise MediaError("the audio track holds no decodable audio")
    return DecodedAudio(out, samples)


def _check_readable(path: Path) -> None:
    if path.stat().st_size == 0:
        raise MediaError("the file is empty")
    _check_container(path)


Samples = np.ndarray | DecodedAudio
"""Audio as the engine reads it: in memory, or decoded on disk and read a stretch at a time."""


def mean_square(audio: Samples, chunk: int = 30 * SAMPLE_RATE) -> float:
    """The mean of the squared samples, read a chunk at a time (never the whole recording at once)."""
    total = 0.0
    for start in range(0, len(audio), chunk):
        piece = audio[start : start + chunk]
        total += float(np.dot(piece, piece))
    return total / max(len(audio), 1)
