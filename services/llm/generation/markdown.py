"""Each content type's JSON rendered as Markdown, the `content` that clients wanting only text read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _sections(sections: list[dict[str, Any]]) -> list[str]:
    return [f"## {s['heading']}\n\n{s['body']}" for s in sections]


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items) or "- None"


def _clock(seconds: float) -> str:
    minutes, second = divmod(int(seconds), 60)
    return (
        f"{minutes // 60:d}:{minutes % 60:02d}:{second:02d}" if minutes >= 60 else f"{minutes}:{second:02d}"
    )


def _show_notes(d: dict[str, Any]) -> str:
    return (
        f"# {d['title']}\n\n{d['summary']}\n\n## Topics\n\n{_bullets(d['topics'])}"
        f"\n\n## Highlights\n\n{_bullets(d['highlights'])}"
    )


def _owner(item: dict[str, Any]) -> str:
    who = f" ({item['owner']})" if item["owner"] else ""
    return f"{item['task']}{who}" + (f", due {item['due']}" if item["due"] else "")


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "blog_post": lambda d: "\n\n".join([f"# {d['title']}", *_sections(d["sections"])]),
    "social_media": lambda d: "\n\n".join(f"{p['platform'].title()}: {p['text']}" for p in d["posts"]),
    "social_twitter": lambda d: "\n\n".join(p["text"] for p in d["posts"]),
    "social_linkedin": lambda d: "\n\n".join(p["text"] for p in d["posts"]),
    "newsletter": lambda d: "\n\n".join(
        [f"Subject: {d['subject']}", d["intro"], *_sections(d["items"]), d["closing"]]
    ),
    "key_quotes": lambda d: "\n\n".join(
        f"> {q['quote']}"
        + (f" ({_clock(q['start_time'])})" if q["start_time"] is not None else "")
        + f"\n\n{q['why']}"
        for q in d["quotes"]
    ),
    "show_notes": _show_notes,
    "podcast_show_notes": _show_notes,
    "meeting_notes": lambda d: (
        f"# {d['title']}\n\n{d['summary']}\n\n## Decisions\n\n{_bullets(d['decisions'])}"
        f"\n\n## Action items\n\n{_bullets([_owner(i) for i in d['action_items']])}"
        f"\n\n## Open questions\n\n{_bullets(d['open_questions'])}"
    ),
    "study_guide": lambda d: (
        f"# {d['title']}\n\n{d['summary']}\n\n## Key concepts\n\n"
        + _bullets([f"**{c['term']}**: {c['explanation']}" for c in d["key_concepts"]])
        + f"\n\n## Review questions\n\n{_bullets(d['review_questions'])}"
    ),
    "flashcards": lambda d: "\n\n".join(f"Q: {c['front']}\nA: {c['back']}" for c in d["cards"]),
    "quiz": lambda d: "\n\n".join(
        f"{n}. {q['question']}\n"
        + "\n".join(f"   {'abcd'[i]}) {o}" for i, o in enumerate(q["options"]))
        + f"\n   Answer: {'abcd'[q['answer_index']]}"
        for n, q in enumerate(d["questions"], 1)
    ),
    "chapter_markers": lambda d: "\n".join(
        (f"{_clock(c['start_time'])} " if c["start_time"] is not None else "")
        + f"{c['title']}: {c['summary']}"
        for c in d["chapters"]
    ),
}
