"""The answers of `/v1/generate`: `content` (Markdown, what clients that want text read) and `data`,
the same content in its type's JSON shape, documented here for the OpenAPI document and checked again
against the service's answer."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from gateway.schemas.analysis import ActionItem
from gateway.schemas.usage import PartsCount, TokenUsage, WriterModel, usage_of
from stt.v1 import llm_pb2


class Section(BaseModel):
    heading: str
    body: str


class BlogPost(BaseModel):
    title: str
    sections: list[Section]


class PlatformPost(BaseModel):
    platform: Literal["twitter", "linkedin", "facebook"]
    text: str


class SocialMedia(BaseModel):
    posts: list[PlatformPost]


class Post(BaseModel):
    text: str = Field(description="At most 280 characters for `social_twitter`")


class Posts(BaseModel):
    posts: list[Post]


class Newsletter(BaseModel):
    subject: str
    intro: str
    items: list[Section]
    closing: str


class Quote(BaseModel):
    quote: str = Field(description="A line of the transcript, copied word for word")
    why: str
    start_time: float | None = Field(description="When it was said (stored transcripts; else null)")


class KeyQuotes(BaseModel):
    quotes: list[Quote]


class ShowNotes(BaseModel):
    title: str
    summary: str
    topics: list[str]
    highlights: list[str]


class MeetingNotes(BaseModel):
    title: str
    summary: str
    decisions: list[str]
    action_items: list[ActionItem]
    open_questions: list[str]


class Concept(BaseModel):
    term: str
    explanation: str


class StudyGuide(BaseModel):
    title: str
    summary: str
    key_concepts: list[Concept]
    review_questions: list[str]


class Flashcard(BaseModel):
    front: str
    back: str


class Flashcards(BaseModel):
    cards: list[Flashcard]


class QuizQuestion(BaseModel):
    question: str
    options: list[str] = Field(description="Four options")
    answer_index: int = Field(description="The right option's position, from 0")


class Quiz(BaseModel):
    questions: list[QuizQuestion]


class Chapter(BaseModel):
    title: str
    summary: str
    start_time: float | None = Field(description="Seconds (stored transcripts; else null)")
    first_line: str = Field(description="The line the chapter starts with, word for word")


class ChapterMarkers(BaseModel):
    chapters: list[Chapter]


SHAPES: dict[str, type[BaseModel]] = {
    "blog_post": BlogPost,
    "social_media": SocialMedia,
    "social_twitter": Posts,
    "social_linkedin": Posts,
    "newsletter": Newsletter,
    "key_quotes": KeyQuotes,
    "show_notes": ShowNotes,
    "podcast_show_notes": ShowNotes,
    "meeting_notes": MeetingNotes,
    "study_guide": StudyGuide,
    "flashcards": Flashcards,
    "quiz": Quiz,
    "chapter_markers": ChapterMarkers,
}
GeneratedData = (
    BlogPost | SocialMedia | Posts | Newsletter | KeyQuotes | ShowNotes | MeetingNotes | StudyGuide
    | Flashcards | Quiz | ChapterMarkers
)  # fmt: skip


class GenerateResponse(BaseModel):
    type: str
    content: str = Field(description="The content as Markdown text")
    data: GeneratedData = Field(description="The same content in its type's shape")
    model: WriterModel
    parts: PartsCount
    usage: TokenUsage


def generated_json(answer: llm_pb2.GenerateResponse) -> dict[str, Any]:
    data = SHAPES[answer.type].model_validate(json.loads(answer.data_json))
    return {
        "type": answer.type,
        "content": answer.content,
        "data": data.model_dump(mode="json"),
        "model": answer.model,
        "parts": answer.parts,
        "usage": usage_of(answer).model_dump(),
    }


TIMED_TYPES = frozenset({"key_quotes", "chapter_markers"})
"""Types that quote lines of the transcript: a stored transcript is sent to them one segment a line,
each opening with its start time, so the quotes and chapters come back with their times."""
