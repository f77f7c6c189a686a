"""The OpenAPI document shows one answer shape per analysis type and per generated content type."""

from __future__ import annotations

from gateway.app import create_app
from gateway.schemas.generation import SHAPES
from services.llm.analysis.analyzer import TYPES as ANALYSES


def test_each_analysis_type_has_its_documented_shape() -> None:
    document = create_app().openapi()
    answer = document["paths"]["/v1/analyze"]["post"]["responses"]["200"]["content"]["application/json"]
    shapes = [ref["$ref"].rsplit("/", 1)[1] for ref in answer["schema"]["oneOf"]]
    schemas = document["components"]["schemas"]
    documented = {schemas[name]["properties"]["type"]["const"] for name in shapes}
    assert documented == set(ANALYSES)


def test_each_content_type_has_its_documented_shape() -> None:
    schemas = create_app().openapi()["components"]["schemas"]
    data = schemas["GenerateResponse"]["properties"]["data"]
    documented = {ref["$ref"].rsplit("/", 1)[1] for ref in data["anyOf"]}
    assert documented == {shape.__name__ for shape in SHAPES.values()}
    assert {"Quiz", "KeyQuotes", "ChapterMarkers", "MeetingNotes", "Flashcards"} <= documented
