"""Multipart uploads streamed straight to disk.

The body is parsed as it arrives: the file part goes to a spool file and is counted, so memory does not
grow with the file's size, and an upload is refused with 413 the moment it passes the limit, before the
rest is read. Form fields are small and kept in memory, with a cap. `media_upload` is the upload of
every audio route: spooled under one of the caller's concurrent slots, deleted when done.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from gateway import tiers
from gateway.auth import Principal
from gateway.errors import ApiError
from gateway.state import GatewayState

# Room for the multipart envelope and the small form fields around the file.
_ENVELOPE_BYTES = 1024 * 1024
_MAX_FIELDS = 32


@dataclass
class SpooledUpload:
    path: Path
    filename: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _readable(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _limit_message(limit: int) -> str:
    exact = f" ({limit} bytes)" if limit >= 1024 else ""
    return f"file too large: the limit is {_readable(limit)}{exact}"


class _UploadParser:
    """Collects the callbacks of python-multipart's streaming parser into one file and a few fields."""

    def __init__(self, file_field: str, spool_dir: Path, max_file_bytes: int, max_field_bytes: int) -> None:
        self._file_field = file_field
        self._spool_dir = spool_dir
        self._max_file_bytes = max_file_bytes
        self._max_field_bytes = max_field_bytes
        self.fields: dict[str, str] = {}
        self.file: IO[bytes] | None = None
        self.file_path: Path | None = None
        self.filename = ""
        self.file_size = 0
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._part_name = ""
        self._part_is_file = False
        self._part_value = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._part_value = bytearray()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._part_is_file = filename is not None and self._part_name == self._file_field
        if self._part_is_file:
            if self.file is not None:
                raise ApiError(400, f"send one file in the '{self._file_field}' field, not several")
            self.filename = (filename or b"").decode("utf-8", "replace")
            fd, name = tempfile.mkstemp(dir=self._spool_dir, suffix=".upload")
            self.file = os.fdopen(fd, "wb")
            self.file_path = Path(name)
        elif len(self.fields) >= _MAX_FIELDS:
            raise ApiError(400, "too many form fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_is_file:
            assert self.file is not None
            self.file_size += end - start
            if self.file_size > self._max_file_bytes:
                raise ApiError(413, _limit_message(self._max_file_bytes))
            self.file.write(data[start:end])
        else:
            self._part_value += data[start:end]
            if len(self._part_value) > self._max_field_bytes:
                raise ApiError(400, f"form field '{self._part_name}' is too long")

    def _part_end(self) -> None:
        if self._part_is_file:
            assert self.file is not None
            self.file.close()
        elif self._part_name:
            try:
                value = self._part_value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ApiError(400, f"form field '{self._part_name}' is not UTF-8 text") from exc
            # A field sent more than once (`timestamp_granularities[]`) keeps every value, comma-joined.
            earlier = self.fields.get(self._part_name)
            self.fields[self._part_name] = value if earlier is None else f"{earlier},{value}"

    def abandon(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.file_path is not None:
            self.file_path.unlink(missing_ok=True)


async def spool_upload(
    request: Request,
    *,
    file_field: str,
    spool_dir: Path,
    max_file_bytes: int,
    max_field_bytes: int,
    file_optional: bool = False,
) -> SpooledUpload:
    """Reads a multipart body, writing the file part to `spool_dir`. Raises ApiError 400/413. With
    `file_optional`, a body without the file gives an empty one (size 0), and a plain URL-encoded
    form is taken too."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if file_optional and content_type == b"application/x-www-form-urlencoded":
        return _no_file(spool_dir, await _url_encoded_fields(request, max_field_bytes))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(
            400, f"send the request as multipart/form-data with the file in the '{file_field}' field"
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_file_bytes + _ENVELOPE_BYTES:
        raise ApiError(413, _limit_message(max_file_bytes))

    collector = _UploadParser(file_field, spool_dir, max_file_bytes, max_field_bytes)
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except ApiError:
        collector.abandon()
        raise
    except Exception as exc:
        collector.abandon()
        raise ApiError(400, "malformed multipart body") from exc
    if collector.file_path is None and file_optional:
        return _no_file(spool_dir, collector.fields)
    if collector.file_path is None:
        raise ApiError(400, f"no file: send the audio or video in the multipart field '{file_field}'")
    with contextlib.suppress(OSError):
        assert collector.file is not None
        collector.file.close()
    return SpooledUpload(collector.file_path, collector.filename, collector.file_size, collector.fields)


def _no_file(spool_dir: Path, fields: dict[str, str]) -> SpooledUpload:
    spool_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=spool_dir, suffix=".upload", delete=False) as empty:
        return SpooledUpload(Path(empty.name), "", 0, fields)


async def _url_encoded_fields(request: Request, max_field_bytes: int) -> dict[str, str]:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_field_bytes:
            raise ApiError(413, f"the form is over {max_field_bytes} bytes")
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise ApiError(400, "the form is not UTF-8") from exc


Form = TypeVar("Form", bound=BaseModel)


def form_of(model: type[Form], fields: dict[str, str]) -> Form:
    """The upload's form fields (besides the file) as `model`; 400 naming every field that is wrong."""
    try:
        return model.model_validate({k: v.strip() for k, v in fields.items()})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
            if e["loc"]
            else e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        raise ApiError(400, f"invalid form field: {problems}") from exc


def multipart_schema(
    form: type[BaseModel], file_field: str, description: str, *, file_required: bool = True
) -> dict[str, Any]:
    """The OpenAPI request body of a multipart route: the file part and `form`'s fields (the routes
    read the body themselves, so FastAPI cannot infer it)."""
    fields = form.model_json_schema()
    required = [file_field] if file_required else []
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": [*required, *fields.get("required", [])],
                        "properties": {
                            file_field: {"type": "string", "format": "binary", "description": description},
                            **fields["properties"],
                        },
                    }
                }
            },
        }
    }


@asynccontextmanager
async def media_upload(
    request: Request, state: GatewayState, principal: Principal
) -> AsyncIterator[SpooledUpload]:
    """The multipart upload (its `file` on disk), under one of the caller's concurrent slots; the file
    is deleted when the block ends."""
    tier = tiers.tier(principal.tier, state.settings)
    async with state.limits.lease(principal.subject, tier.concurrency):
        upload = await spool_upload(
            request,
            file_field="file",
            spool_dir=state.settings.spool_dir,
            max_file_bytes=tier.max_bytes,
            max_field_bytes=state.settings.max_form_field_bytes,
        )
        try:
            yield upload
        finally:
            upload.discard()
