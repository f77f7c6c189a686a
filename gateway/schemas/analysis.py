"""The answers of `/v1/analyze`, one shape per type (discriminated by `type`), as the OpenAPI document
shows them. The LLM service sends each type's result as JSON; it is validated here again, against the
shape documented for clients."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from gateway.schemas.usage import Usage, usage_of
from stt.v1 import llm_pb2


class _Analysis(BaseModel):
    method: str = Field(
        description="How it was made: `vader` (lexicon), `ner` (spaCy's named entities), `rules`, "
        "`patterns+ner` (pattern rules and spaCy's names) or `llm`"
    )
    model: str | None = Field(description="The model that produced it; null for VADER, a lexicon")
    usage: Usage = Field(description="LLM tokens read and written (0 where no LLM ran)")


class ScoredSentence(BaseModel):
    text: str
    sentiment: Literal["positive", "negative", "neutral"]
    score: float = Field(description="VADER's compound score, -1 (negative) to 1 (positive)")


class SentimentAnalysis(_Analysis):
    type: Literal["sentiment"]
    sentiment: Literal["positive", "negative", "neutral", "mixed"] = Field(
        description="`mixed` when the whole is neutral but sentences are strongly both"
    )
    score: float = Field(description="The sentences' scores averaged, weighted by their length")
    sentences: list[ScoredSentence]


class Topic(BaseModel):
    name: str
    summary: str


class TopicsAnalysis(_Analysis):
    type: Literal["topics"]
    topics: list[Topic]


class Entity(BaseModel):
    text: str
    type: str = Field(description="PERSON, ORG, GPE (a place), DATE, MONEY, ... (OntoNotes labels)")
    count: int


class EntitiesAnalysis(_Analysis):
    type: Literal["entities"]
    entities: list[Entity]


class ActionItem(BaseModel):
    task: str
    owner: str | None
    due: str | None


class ActionItemsAnalysis(_Analysis):
    type: Literal["action_items"]
    action_items: list[ActionItem]


class Question(BaseModel):
    text: str


class QuestionsAnalysis(_Analysis):
    type: Literal["questions"]
    questions: list[Question] = Field(description="The sentences that ask a question, in order")


class Redaction(BaseModel):
    type: Literal["email", "phone", "card_number", "ssn", "address", "name"]
    text: str = Field(description="What was removed")
    start: int = Field(description="Where it was in the original text (characters)")
    end: int
    method: Literal["pattern", "ner"]


class PiiRedaction(_Analysis):
    type: Literal["pii_redact"]
    redacted_text: str = Field(description="The text with each find replaced by `[EMAIL]`, `[NAME]`, ...")
    redactions: list[Redaction]


Analysis = Annotated[
    SentimentAnalysis
    | TopicsAnalysis
    | EntitiesAnalysis
    | ActionItemsAnalysis
    | QuestionsAnalysis
    | PiiRedaction,
    Field(discriminator="type"),
]
_ANALYSIS: TypeAdapter[Analysis] = TypeAdapter(Analysis)


def analysis_json(answer: llm_pb2.AnalyzeResponse) -> dict[str, Any]:
    """The service's answer in its public shape (validated: a malformed one raises)."""
    body = {
        **json.loads(answer.result_json),
        "type": answer.type,
        "method": answer.method,
        "model": answer.model or None,
        "usage": usage_of(answer).model_dump(),
    }
    return _ANALYSIS.validate_python(body).model_dump(mode="json")
