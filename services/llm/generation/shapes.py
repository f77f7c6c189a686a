"""The public JSON shape of each generated content type, as JSON schemas: what the gateway documents,
what every answer is validated against. Prose has no length bound (the answer's token limit is one);
forms that have one (a tweet, a title, a name) do."""

from __future__ import annotations

from typing import Any


def _text(max_length: int | None = None) -> dict[str, Any]:
    """A non-empty string; a length bound only where the form has one (a tweet, a title, a name):
    prose is bounded by the answer's token limit instead."""
    bound = {} if max_length is None else {"maxLength": max_length}
    return {"type": "string", "minLength": 1, **bound}


def _list(items: dict[str, Any], max_items: int, min_items: int = 1) -> dict[str, Any]:
    return {"type": "array", "items": items, "minItems": min_items, "maxItems": max_items}


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


# Where the text came with times (a stored transcript), the time the quoted line starts; else null.
_SECONDS = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}]}
_OPTIONAL = {"anyOf": [_text(200), {"type": "null"}]}
_SECTION = _object(heading=_text(200), body=_text())
_POSTS = _object(posts=_list(_object(text=_text(280)), 3))
_SHOW_NOTES = _object(
    title=_text(200), summary=_text(), topics=_list(_text(200), 10), highlights=_list(_text(300), 8)
)
SCHEMAS: dict[str, dict[str, Any]] = {
    "blog_post": _object(title=_text(200), sections=_list(_SECTION, 6)),
    "social_media": _object(
        posts=_list(_object(platform={"enum": ["twitter", "linkedin", "facebook"]}, text=_text()), 3)
    ),
    "social_twitter": _POSTS,
    "social_linkedin": _object(posts=_list(_object(text=_text(3000)), 1)),
    "newsletter": _object(subject=_text(200), intro=_text(), items=_list(_SECTION, 5), closing=_text()),
    "key_quotes": _object(quotes=_list(_object(quote=_text(), why=_text(), start_time=_SECONDS), 5)),
    "show_notes": _SHOW_NOTES,
    "podcast_show_notes": _SHOW_NOTES,
    "meeting_notes": _object(
        title=_text(200),
        summary=_text(),
        decisions=_list(_text(300), 10, 0),
        action_items=_list(_object(task=_text(300), owner=_OPTIONAL, due=_OPTIONAL), 15, 0),
        open_questions=_list(_text(300), 10, 0),
    ),
    "study_guide": _object(
        title=_text(200),
        summary=_text(),
        key_concepts=_list(_object(term=_text(200), explanation=_text()), 10),
        review_questions=_list(_text(300), 8),
    ),
    "flashcards": _object(cards=_list(_object(front=_text(300), back=_text(300)), 12)),
    "quiz": _object(
        questions=_list(
            _object(
                question=_text(300),
                options=_list(_text(200), 4, 4),
                answer_index={"enum": [0, 1, 2, 3]},
            ),
            8,
        )
    ),
    "chapter_markers": _object(
        chapters=_list(
            _object(title=_text(200), summary=_text(), start_time=_SECONDS, first_line=_text()), 10
        )
    ),
}
TYPES = tuple(SCHEMAS)
