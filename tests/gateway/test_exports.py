"""Exports of a stored transcript in every format, whatever script or characters its file's name is in:
the name is sent per RFC 6266 / 5987 (`filename*=UTF-8''...`) with an ASCII stand-in."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from gateway.routes.transcripts import EXPORT_FORMATS
from tests.gateway.conftest import new_key

NAMES = {
    "Привет мир.flac": "Привет мир",  # Russian
    "Сәлем әлем.mp3": "Сәлем әлем",  # Kazakh
    "会议记录 2026.wav": "会议记录 2026",  # Chinese
    "🎙️ stand-up.m4a": "🎙️ stand-up",  # emoji
    "café déjà vu.wav": "café déjà vu",
}
# The client percent-encodes these in the multipart header (as browsers do), so only the download's
# success and a clean name are checked; the exact names are in tests/unit/test_export_files.py.
ODD_NAMES = ["tab\there\x00\x1f.wav", 'say "hi"\\ or/not.ogg']


@pytest.mark.parametrize("filename", [*NAMES, *ODD_NAMES])
async def test_every_export_of_a_non_latin_name_downloads(
    client: httpx.AsyncClient, upload: Path, filename: str
) -> None:
    key = await new_key(client, f"names-{abs(hash(filename))}@example.com")
    auth = {"Authorization": f"Bearer {key}"}
    with upload.open("rb") as audio:
        made = await client.post("/v1/transcribe", files={"file": (filename, audio)}, headers=auth)
    assert made.status_code == 200, made.text
    transcript_id = made.json()["id"]
    for export_format in EXPORT_FORMATS:
        answer = await client.get(
            f"/api/v1/transcripts/{transcript_id}/export/{export_format}/", headers=auth
        )
        assert answer.status_code == 200, (export_format, answer.text)
        disposition = answer.headers["Content-Disposition"]
        disposition.encode("latin-1")  # what an HTTP header can carry
        fallback, encoded = disposition.split("; ")[1:]
        saved = unquote(encoded.removeprefix("filename*=UTF-8''"))
        assert saved == f"{NAMES.get(filename, saved.rsplit('.', 1)[0])}.{export_format}"
        assert not any(c in saved for c in '"/\\\t\r\n\x00')
        assert fallback.startswith('filename="') and fallback.endswith(f'.{export_format}"')
        assert fallback.isascii() and len(fallback) > len(f'filename=".{export_format}"')
