"""The manual stays true: every route the docs name (`GET /v1/models`, `WS /v1/stream`, ...) exists in
the app with that method, every route of the app is named in the docs, and every answer has its shape
in the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute, APIWebSocketRoute

from gateway.app import create_app

ROOT = Path(__file__).resolve().parents[2]
_METHOD = r"(?:GET|POST|PUT|PATCH|DELETE|WS)"
# "`GET`, `DELETE /api/v1/transcripts/{id}/`" names two routes; "`POST /v1/embed`" one.
_MENTION = re.compile(rf"((?:{_METHOD}`?,\s*`?)*{_METHOD}) (/[\w/{{}}.-]*)")


def _shape(path: str) -> str:
    """A path with its parameters unnamed: `{id}` and `{transcript_id}` are the same route."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def documented() -> set[tuple[str, str]]:
    routes = set()
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for methods, path in _MENTION.findall(page.read_text()):
            for method in re.findall(_METHOD, methods):
                routes.add((method, _shape(path)))
    return routes


def _app_routes(routes: list[Any]) -> Iterator[APIRoute | APIWebSocketRoute]:
    """The routes the app's own routers declare (FastAPI's /docs and /openapi.json are not ours)."""
    for route in routes:
        if isinstance(route, APIRoute | APIWebSocketRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router, as FastAPI wraps it
            yield from _app_routes(route.original_router.routes)


def served() -> set[tuple[str, str]]:
    routes = set()
    for route in _app_routes(create_app().router.routes):
        methods = route.methods - {"HEAD"} if isinstance(route, APIRoute) else {"WS"}
        routes |= {(method, _shape(route.path)) for method in methods}
    return routes


def test_every_documented_route_is_served() -> None:
    assert documented() - served() == set()


def test_every_served_route_is_documented() -> None:
    assert served() - documented() == set()


def test_every_answer_has_its_shape_in_the_openapi_document() -> None:
    """Routes declare what they answer (gateway/schemas/), so clients can be generated from OpenAPI;
    an answer that is a file (audio) declares its media type as binary."""
    shapeless = []
    for path, operations in create_app().openapi()["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if status.startswith("2") and status != "204":
                    content = answer.get("content", {})
                    schema = content.get("application/json", {}).get("schema", {})
                    binary = any(
                        media != "application/json" and kind.get("schema", {}).get("format") == "binary"
                        for media, kind in content.items()
                    )
                    if "$ref" not in str(schema) and not (binary and "application/json" not in content):
                        shapeless.append(f"{method.upper()} {path} {status}")
    assert shapeless == []
