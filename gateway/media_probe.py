"""The gateway's duration probe: container metadata only (no decoding), to price a file before any work
and to refuse what is not media at once. Decoding itself lives in the ASR service."""

from __future__ import annotations

from pathlib import Path

import av

from gateway.errors import ApiError


def probe_duration(path: Path) -> float:
    """Seconds of audio in the file, from its container (or, where the container does not say, from its
    packets' durations). 400 for a file that is not media or has no audio track."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise ApiError(400, "the file has no audio track")
            stream = container.streams.audio[0]
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
            if container.duration:
                return container.duration / av.time_base
            ticks = sum(packet.duration or 0 for packet in container.demux(stream))
            return float(ticks * stream.time_base) if stream.time_base else 0.0
    except av.FFmpegError as exc:
        raise ApiError(400, "the file is not readable audio or video (corrupt, or not a media file)") from exc
