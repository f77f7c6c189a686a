"""Generated content: every type has its prompt, its schema, its Markdown and the gateway's documented
shape, and the two shapes agree; lines picked by number come back verbatim with their times."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from gateway.schemas.generation import SHAPES
from services.llm.generation import lines
from services.llm.generation.generator import PROMPTS, instructions
from services.llm.generation.markdown import RENDERERS
from services.llm.generation.shapes import SCHEMAS, TYPES
from services.llm.structured import decoding_schema


def _smallest(schema: dict[str, Any]) -> Any:
    """The smallest value valid under one of our schemas."""
    if "anyOf" in schema:
        return None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema["type"]
    if kind == "object":
        return {name: _smallest(sub) for name, sub in schema["properties"].items()}
    if kind == "array":
        return [_smallest(schema["items"]) for _ in range(max(1, schema.get("minItems", 1)))]
    return "x" if kind == "string" else 0


def test_the_public_types_and_the_newer_clients_types_are_all_served() -> None:
    assert set(TYPES) == set(SHAPES) == {
        "blog_post", "social_media", "newsletter", "key_quotes", "show_notes", "meeting_notes",
        "study_guide", "flashcards", "quiz", "chapter_markers", "social_twitter", "social_linkedin",
        "podcast_show_notes",
    }  # fmt: skip


@pytest.mark.parametrize("kind", TYPES)
def test_each_type_has_a_prompt_markdown_and_a_shape_the_gateway_accepts(kind: str) -> None:
    assert len((PROMPTS / f"{kind}.txt").read_text().split()) > 15
    value = _smallest(SCHEMAS[kind])
    jsonschema.validate(value, SCHEMAS[kind])
    SHAPES[kind].model_validate(value)
    assert RENDERERS[kind](value).strip()


def test_prompts_differ_per_type_and_take_the_users_steering() -> None:
    assert len({instructions(kind, "") for kind in TYPES}) == len(TYPES)
    assert instructions("blog_post", "for nurses").endswith("The user also asks: for nurses")


def test_a_timed_transcript_gives_lines_with_their_times() -> None:
    text = "[0.00] Hello there.\n[3.52] We start with the budget.\n[9.10] Then hiring."
    assert lines.lines_of(text) == [
        lines.Line("Hello there.", 0.0),
        lines.Line("We start with the budget.", 3.52),
        lines.Line("Then hiring.", 9.1),
    ]


def test_plain_text_gives_its_sentences_without_times() -> None:
    assert lines.lines_of("One.  Two?\nThree!") == [
        lines.Line("One.", None), lines.Line("Two?", None), lines.Line("Three!", None)
    ]  # fmt: skip


def test_long_text_is_cut_into_consecutive_groups_that_fit() -> None:
    many = [lines.Line(f"Sentence number {n} is here.", None) for n in range(100)]
    groups = lines.groups_within(many, 1000)
    assert [line for group in groups for line in group] == many  # every line, in order, once
    assert len(groups) > 2 and all(sum(len(x.text) + 6 for x in g) <= 1000 for g in groups)
    assert lines.groups_within([], 1000) == []


def test_picked_quotes_are_copied_from_the_lines() -> None:
    offered = [lines.Line("First said.", 1.0), lines.Line("Second said.", 4.5)]
    value = {"quotes": [{"line": 2, "why": "it matters"}, {"line": 2, "why": "again"}]}
    assert lines.quotes_from(value, offered) == {
        "quotes": [{"quote": "Second said.", "why": "it matters", "start_time": 4.5}]
    }
    schema = lines.quotes_schema(2)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"quotes": [{"line": 3, "why": "no such line"}]}, schema)


def test_chapters_come_out_in_the_order_of_the_text_one_per_line() -> None:
    offered = [
        lines.Line("Opening.", 0.0),
        lines.Line("Budget.", 3.0),
        lines.Line("Travel.", 7.5),
        lines.Line("Close.", 9.0),
    ]
    value = {
        "chapters": [
            {"line": 3, "title": "Travel", "summary": "Trips."},
            {"line": 1, "title": "Start", "summary": "Hello."},
            {"line": 3, "title": "Again", "summary": "A second chapter at line 3."},
        ]
    }
    chapters = lines.chapters_from(value, offered)["chapters"]
    assert [(c["title"], c["start_time"], c["first_line"]) for c in chapters] == [
        ("Start", 0.0, "Opening."),
        ("Travel", 7.5, "Travel."),
    ]


def test_each_llm_analysis_has_its_own_prompt_and_schema() -> None:
    from services.llm.analysis.analyzer import LLM_SCHEMAS
    from services.llm.analysis.analyzer import PROMPTS as ANALYSIS_PROMPTS
    from services.llm.analysis.analyzer import TYPES as ANALYSES

    prompts = {kind: (ANALYSIS_PROMPTS / f"{kind}.txt").read_text() for kind in LLM_SCHEMAS}
    assert set(LLM_SCHEMAS) == {"topics", "action_items"} and set(LLM_SCHEMAS) < set(ANALYSES)
    assert all(len(text.split()) > 15 for text in prompts.values())
    assert len(set(prompts.values())) == len(prompts)
    for schema in LLM_SCHEMAS.values():
        jsonschema.validate(_smallest(schema), schema)


def test_a_line_too_long_for_a_prompt_is_cut_at_words_and_stays_verbatim() -> None:
    unpunctuated = " ".join(f"word{n}" for n in range(400))  # one 3,000-character "sentence"
    half = 1000 // 2 - lines.NUMBERING_CHARS
    pieces = lines.within_length([lines.Line(unpunctuated, 12.5), lines.Line("Short.", 40.0)], half)
    assert all(len(p.text) <= half for p in pieces) and len(pieces) > 6
    assert " ".join(p.text for p in pieces[:-1]) == unpunctuated
    assert pieces[0].start_time == 12.5 and pieces[1].start_time is None
    assert pieces[-1] == lines.Line("Short.", 40.0)
    groups = lines.groups_within(pieces, 1000)
    assert all(len(g) >= 2 for g in groups[:-1])  # so each round of picking keeps fewer lines


def _strings(schema: object) -> list[dict[str, object]]:
    if isinstance(schema, dict):
        here = [schema] if schema.get("type") == "string" else []
        return here + [s for value in schema.values() for s in _strings(value)]
    if isinstance(schema, list):
        return [s for value in schema for s in _strings(value)]
    return []


@pytest.mark.parametrize("schema", [lines.quotes_schema(40), lines.chapters_schema(40)])
def test_every_string_a_picker_decodes_is_bounded_in_the_grammar(schema: dict[str, object]) -> None:
    """The engine's grammar ends a string only where the decoding schema bounds it: an unbounded one
    let a small model write one summary to the token limit."""
    strings = _strings(decoding_schema(schema))
    assert strings and all(isinstance(s.get("maxLength"), int) for s in strings)
