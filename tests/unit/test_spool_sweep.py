"""What a starting service deletes from a spool folder that replicas may share: only what processes of
this machine left when they were killed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from services.common.uploads import spool_prefix, sweep_orphaned_spools


def _gone_pid() -> int:
    """The id of a process that has finished."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_what_gone_processes_of_this_machine_left_is_deleted(tmp_path: Path) -> None:
    host = socket.gethostname()
    gone = _gone_pid()
    left_by_gone = tmp_path / f"{host}-{gone}-abc.upload"
    work_of_gone = tmp_path / f"{host}-{gone}-work"  # the audio service spools into a folder per call
    left_by_this_pid = tmp_path / f"{spool_prefix()}old.upload"  # a restarted container: the same pid
    of_running_replica = tmp_path / f"{host}-{os.getppid()}-live.upload"
    of_other_machine = tmp_path / f"another-host-{gone}-x.upload"
    unnamed = tmp_path / "tmpabc.upload"
    for path in (left_by_gone, left_by_this_pid, of_running_replica, of_other_machine, unnamed):
        path.write_bytes(b"audio")
    work_of_gone.mkdir()
    (work_of_gone / "input.upload").write_bytes(b"audio")

    assert sweep_orphaned_spools(tmp_path) == 3

    assert not left_by_gone.exists() and not work_of_gone.exists() and not left_by_this_pid.exists()
    assert of_running_replica.exists() and of_other_machine.exists() and unnamed.exists()


def test_a_missing_folder_is_nothing_to_sweep(tmp_path: Path) -> None:
    assert sweep_orphaned_spools(tmp_path / "absent") == 0
