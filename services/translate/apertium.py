"""Apertium: rule-based translation by Debian's `apertium` and its pair packages (`apertium-eng-spa`,
`apertium-eng-cat`, `apertium-en-gl`...), the only real translator that installs on a machine without
a model hub. It runs as a separate process (GPL), never linked into ours.

Each installed mode (`eng-spa.mode`) is one direction; its variants (`cat-eng_US`) are left out. A batch
is one run of the mode's pipeline: one piece a line in, one translation a line out (plain-text format
keeps every line break where it was; its line format would drop each line's final period)."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from services.common.errors import MalformedAnswerError
from services.translate.languages import api_code
from services.translate.routes import Route

log = logging.getLogger(__name__)

ENGINE = "apertium"
_MODE_NAME = re.compile(r"([a-z]{2,3})-([a-z]{2,3})")
_PACKAGE = re.compile(r"/(apertium-[a-z]{2,3}-[a-z]{2,3})/")


class ApertiumEngine:
    name = ENGINE

    def __init__(self, data_dir: Path, timeout_s: float) -> None:
        self._data_dir = data_dir
        self._timeout_s = timeout_s
        self._binary: str | None = None
        self._modes: dict[Route, str] = {}

    def load(self) -> None:
        self._binary = shutil.which("apertium")
        modes_dir = self._data_dir / "modes"
        if self._binary is None or not modes_dir.is_dir():
            log.info(
                "Apertium is not installed (no `apertium` or no %s): its pairs are not served", modes_dir
            )
            return
        for mode in sorted(modes_dir.glob("*.mode")):
            name = _MODE_NAME.fullmatch(mode.stem)
            if name is None:
                continue
            package = _PACKAGE.search(mode.read_text(errors="replace"))
            model = package.group(1) if package else f"apertium-{mode.stem}"
            route = Route(ENGINE, model, (api_code(name.group(1)),), (api_code(name.group(2)),))
            self._modes[route] = mode.stem
        log.info("Apertium translates %s", ", ".join(r.pairs()[0] for r in self._modes) or "nothing")

    def routes(self) -> list[Route]:
        return list(self._modes)

    def translate(self, route: Route, pieces: list[str], source: str, target: str) -> list[str]:
        assert self._binary is not None
        try:
            run = subprocess.run(
                [self._binary, "-d", str(self._data_dir), "-f", "txt", "-u", self._modes[route]],
                input="".join(f"{piece}\n" for piece in pieces).encode(),
                capture_output=True,
                timeout=self._timeout_s,
                env={**os.environ, "LC_ALL": "C.UTF-8"},  # its tools read UTF-8 only in a UTF-8 locale
            )
        except subprocess.TimeoutExpired as exc:
            raise MalformedAnswerError(f"Apertium took over {self._timeout_s:.0f} s") from exc
        lines = run.stdout.decode(errors="replace").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if run.returncode != 0 or len(lines) != len(pieces):
            error = run.stderr.decode(errors="replace").strip()[-300:]
            raise MalformedAnswerError(
                f"Apertium {self._modes[route]} failed (exit {run.returncode}, "
                f"{len(lines)} lines for {len(pieces)}): {error}"
            )
        return lines

    def close(self) -> None:
        self._modes.clear()
