"""A file streamed to a service in chunks, after a first message with the call's options, written to
disk as it arrives and refused once it passes the service's limit."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from services.common.errors import InputTooLargeError, InvalidRequestError


async def spool_upload(
    requests: AsyncIterator[Any], options_field: str, spool_dir: Path, max_bytes: int
) -> tuple[Any, Path]:
    """The options (the first message's `options_field` of its `payload`) and the file on disk; the
    messages after the first carry `audio_chunk`. The caller deletes the file."""
    first = await anext(requests, None)
    if first is None or first.WhichOneof("payload") != options_field:
        raise InvalidRequestError(f"the first message must carry the {options_field}")
    with tempfile.NamedTemporaryFile(dir=spool_dir, suffix=".upload", delete=False) as spool:
        path = Path(spool.name)
        try:
            written = 0
            async for request in requests:
                written += len(request.audio_chunk)
                if written > max_bytes:
                    raise InputTooLargeError(
                        f"the file is over {max_bytes} bytes, the most this service takes"
                    )
                spool.write(request.audio_chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return getattr(first, options_field), path
