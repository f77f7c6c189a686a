"""A file streamed to a service in chunks, after a first message with the call's options, written to
disk as it arrives and refused once it passes the service's limit.

Spooled files are named for the machine and process that write them, so a service starting up can
delete what a killed process of its machine left behind (a killed process cleans up nothing) without
touching the files of replicas that share the folder and still run."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from services.common.errors import InputTooLargeError, InvalidRequestError

log = logging.getLogger(__name__)


def spool_prefix() -> str:
    """What this process's spooled files and folders are named with: its machine and process id."""
    return f"{socket.gethostname()}-{os.getpid()}-"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep_orphaned_spools(spool_dir: Path) -> int:
    """Deletes the spooled files and folders in `spool_dir` that processes of this machine left when
    they were killed: those of processes no longer running, and those carrying this process's own id
    (a restarted container is often process 1 again). Returns how many were deleted. Files of other
    machines, and of running processes here, stay: replicas may share the folder."""
    ours = f"{socket.gethostname()}-"
    swept = 0
    for entry in spool_dir.iterdir() if spool_dir.is_dir() else []:
        if not entry.name.startswith(ours):
            continue
        owner = entry.name[len(ours) :].split("-", 1)[0]
        if not owner.isdigit():
            continue
        if int(owner) != os.getpid() and _running(int(owner)):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        swept += 1
    if swept:
        log.warning("deleted %d spooled uploads that killed processes left in %s", swept, spool_dir)
    return swept


async def spool_upload(
    requests: AsyncIterator[Any], options_field: str, spool_dir: Path, max_bytes: int
) -> tuple[Any, Path]:
    """The options (the first message's `options_field` of its `payload`) and the file on disk; the
    messages after the first carry `audio_chunk`. The caller deletes the file."""
    first = await anext(requests, None)
    if first is None or first.WhichOneof("payload") != options_field:
        raise InvalidRequestError(f"the first message must carry the {options_field}")
    with tempfile.NamedTemporaryFile(
        dir=spool_dir, prefix=spool_prefix(), suffix=".upload", delete=False
    ) as spool:
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
