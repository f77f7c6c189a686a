"""Reads an uploaded media file for any service: checks by content that it is a format we accept,
decodes its first audio track to mono 16-bit PCM at the rate asked (16 kHz unless said; any sample rate
or channel count in), a block at a time, and says clearly what is wrong. Knows no model."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import av
import av.audio.fifo
import numpy as np

from services.common.errors import InvalidRequestError

SAMPLE_RATE = 16_000
"""What the speech models read."""
_BLOCK_SAMPLES = 500_000

# FFmpeg demuxers of the formats the public API accepts: MP3, WAV, FLAC, OGG/OPUS, M4A/MP4/MOV, AAC,
# WMA/WMV (ASF), WebM/MKV (Matroska), AVI, MPG/MPEG (program and transport streams).
ACCEPTED_DEMUXERS = frozenset(
    {"mp3", "wav", "w64", "flac", "ogg", "mov", "mp4", "m4a", "3gp", "aac", "asf", "matroska", "webm",
     "avi", "mpeg", "mpegts", "mpegvideo"}
)  # fmt: skip
ACCEPTED_FORMATS = "MP3, WAV, FLAC, OGG, M4A, AAC, OPUS, WMA, MP4, WebM, MKV, AVI, MOV, WMV, MPG, MPEG"


class MediaError(InvalidRequestError):
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


def _valid_frames(container: av.container.InputContainer) -> Iterator[av.AudioFrame]:
    """The first audio track's frames, packet by packet, a packet that does not decode skipped: one
    bad packet (a damaged stretch, or the header of a second MP3 appended to the first) does not end
    the track. Decoding through `container.decode()` instead stops at the first one, since a generator
    that raises is over: a 5 s MP3 with 170 s appended came back as 5 s."""
    for packet in container.demux(audio=0):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            continue


def _grouped(frames: Iterator[av.AudioFrame]) -> Iterator[av.AudioFrame]:
    """Frames joined into groups of about `_BLOCK_SAMPLES`, their timestamps dropped: files with broken
    ones still decode, and the resampler works on fewer, larger pieces."""
    fifo = av.audio.fifo.AudioFifo()
    for frame in frames:
        frame.pts = None
        fifo.write(frame)
        if fifo.samples >= _BLOCK_SAMPLES and (group := fifo.read()) is not None:
            yield group
    if fifo.samples and (rest := fifo.read()) is not None:
        yield rest


def _pcm_blocks(path: Path, rate: int, allow_empty: bool = False) -> Iterator[np.ndarray]:
    """The first audio track as blocks of mono int16 samples at `rate`; a track with no samples is an
    error unless `allow_empty`."""
    _check_readable(path)
    produced = 0
    try:
        # `ignore_length`: a WAV whose header under-states its data is read to its end, not to the header's
        # count (a few bytes of a chunk after the data may then be read as a click of sound).
        with av.open(str(path), metadata_errors="ignore", options={"ignore_length": "1"}) as container:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            groups = _grouped(_valid_frames(container))
            for group in itertools.chain(groups, [None]):  # None flushes what the resampler holds
                for resampled in resampler.resample(group):
                    block = resampled.to_ndarray().reshape(-1)
                    produced += len(block)
                    yield block
    except av.FFmpegError as exc:
        raise MediaError("the audio track could not be decoded (corrupt data)") from exc
    if produced == 0 and not allow_empty:
        raise MediaError("the audio track holds no decodable audio")


def decode(path: Path, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The file's first audio track as mono float32 samples, in memory (short files, tools)."""
    return np.concatenate(list(_pcm_blocks(path, rate))).astype(np.float32) / 32768.0


def decode_blocks(path: Path, rate: int, allow_empty: bool = False) -> Iterator[np.ndarray]:
    """The first audio track as blocks of mono float32 samples at `rate` (an hour in the memory of one
    block); checked as `decode` checks it, a track with no samples allowed with `allow_empty`."""
    for block in _pcm_blocks(path, rate, allow_empty):
        yield block.astype(np.float32) / 32768.0


def source_rate(path: Path) -> int:
    """The sample rate of the first audio track as stored (checked as `decode` checks the file)."""
    _check_readable(path)
    with av.open(str(path), metadata_errors="ignore") as container:
        return int(container.streams.audio[0].sample_rate or SAMPLE_RATE)


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


def decode_to_disk(path: Path, out: Path, rate: int = SAMPLE_RATE) -> DecodedAudio:
    """Decodes the file's first audio track into `out` as it is read, a block at a time, so an hour
    costs the memory of one block."""
    samples = 0
    with out.open("wb") as sink:
        for block in _pcm_blocks(path, rate):
            sink.write(block.astype("<i2").tobytes())
            samples += len(block)
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
