"""Reads an uploaded media file: checks by content that it is a format we accept, decodes its audio
track to 16 kHz mono float32 (any sample rate or channel count in), and says clearly what is wrong."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from faster_whisper.audio import decode_audio

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
    """The file's first audio track as 16 kHz mono float32 samples."""
    if path.stat().st_size == 0:
        raise MediaError("the file is empty")
    _check_container(path)
    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except av.FFmpegError as exc:
        raise MediaError("the audio track could not be decoded (corrupt data)") from exc
    if audio.size == 0:
        raise MediaError("the audio track holds no decodable audio")
    return audio
