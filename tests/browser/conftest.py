"""Headless Chromium (Debian's, driven by Playwright: no browser download) on the gateway's page, with a
fake microphone that plays a real speech file. Screenshots go to `test-artifacts/web/`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Speech

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


def _chromium() -> str:
    found = (
        os.environ.get("STT_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if found is None:
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI runs the browser tests: install Debian's chromium (make does, as root)")
        pytest.skip("no Chromium here: apt-get install chromium (make test does it where it runs as root)")
    return found


@pytest.fixture(scope="module")
def browser(conversation: Speech) -> Iterator[object]:
    """Module-scoped: Playwright's sync API runs an event loop of its own in this thread while it is
    open, and the asyncio tests that follow need the thread's loop back."""
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--use-fake-ui-for-media-stream",  # the microphone is allowed without asking
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={conversation.path}",  # played in a loop
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture()
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
