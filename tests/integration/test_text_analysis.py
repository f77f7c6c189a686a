"""The analyses that do not use the LLM, with the real spaCy pipeline and VADER: PII recall on names
as transcripts say them, sentiment labels, entities and questions; every answer names its method."""

from __future__ import annotations

import pytest

from services.llm.analysis.analyzer import Analyzer
from services.llm.analysis.language import LanguagePipeline
from services.llm.analysis.sentiment import SentimentScorer
from services.llm.engine_client import EngineClient
from services.llm.errors import InvalidRequestError
from services.llm.settings import LlmSettings
from services.llm.structured import StructuredAnswers, structured_room_tokens
from services.llm.summarizer import Summarizer

NAMES = [
    "Sarah Connor", "David Johnson", "Priya Patel", "Thompson", "Emily Chen", "Carlos", "Anna Schmidt",
    "Michael", "Kenji Watanabe", "Olivia Brown", "James", "Fatima Khan",
]  # fmt: skip
NAMED = (
    "Thanks, Sarah Connor, for joining us today. I spoke with David Johnson yesterday about the budget. "
    "Priya Patel will handle the vendor contracts. Mr. Thompson called twice this morning. Dr. Emily "
    "Chen presented the results of the trial. Carlos said the shipment is late. Anna Schmidt is our new "
    "head of sales. Michael, can you send the report? Kenji Watanabe joined from the Tokyo office. "
    "Olivia Brown asked about the holiday schedule. James will book the room. Fatima Khan leads the audit."
)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    # The engine is never reached by these types: nothing here needs it to be running.
    settings = LlmSettings()
    engine = EngineClient(settings)
    structured = StructuredAnswers(engine, settings.structured_answer_tokens)
    summarizer = Summarizer(engine, settings)
    room = structured_room_tokens(settings)
    return Analyzer(LanguagePipeline(), SentimentScorer(), structured, summarizer, room, 400_000)


async def test_names_are_redacted_with_high_recall(analyzer: Analyzer) -> None:
    analysis = await analyzer.analyze(NAMED, "pii_redact")
    redacted = analysis.result["redacted_text"]
    found = [name for name in NAMES if name not in redacted]
    assert len(found) / len(NAMES) >= 0.9, redacted  # measured: 12 of 12
    assert "Tokyo" in redacted  # a place is not a name
    assert analysis.method == "patterns+ner" and analysis.model.startswith("spacy/en_core_web_sm-3.8")


async def test_a_transcript_with_every_kind_of_pii_comes_back_clean(analyzer: Analyzer) -> None:
    text = (
        "Hi, this is Laura Bennett. You can email me at laura.bennett@northwind.com or call 617-555-0142. "
        "The payment went on my card 4111 1111 1111 1111 and the invoice goes to 88 Harbor Road, Boston, "
        "MA 02110. My colleague Tom Alvarez has the details."
    )
    analysis = await analyzer.analyze(text, "pii")  # the alias
    redacted = analysis.result["redacted_text"]
    for secret in ("Laura Bennett", "laura.bennett@northwind.com", "617-555-0142", "4111 1111 1111 1111",
                   "88 Harbor Road", "02110", "Tom Alvarez"):  # fmt: skip
        assert secret not in redacted, (secret, redacted)
    assert {"[NAME]", "[EMAIL]", "[PHONE]", "[CARD_NUMBER]", "[ADDRESS]"} <= set(redacted.split()) | {
        word.strip(".,") for word in redacted.split()
    }
    kinds = {r["type"] for r in analysis.result["redactions"]}
    assert kinds == {"name", "email", "phone", "card_number", "address"}
    assert all(text[r["start"] : r["end"]] == r["text"] for r in analysis.result["redactions"])


async def test_sentiment_follows_what_is_said(analyzer: Analyzer) -> None:
    happy = await analyzer.analyze("I love this product. The team did a wonderful job!", "sentiment")
    sad = await analyzer.analyze(
        "This was a terrible week. Everything broke and customers are angry.", "sentiment"
    )
    assert happy.result["sentiment"] == "positive" and happy.result["score"] > 0.3
    assert sad.result["sentiment"] == "negative" and sad.result["score"] < -0.3
    assert happy.method == "vader" and happy.model == ""
    assert [s["text"] for s in happy.result["sentences"]] == [
        "I love this product.", "The team did a wonderful job!"
    ]  # fmt: skip


async def test_entities_are_counted_and_typed(analyzer: Analyzer) -> None:
    text = "Maria flew to Paris for Acme. Later Maria met the Acme board in Paris on Monday."
    entities = (await analyzer.analyze(text, "entities")).result["entities"]
    by_text = {e["text"]: e for e in entities}
    assert by_text["Paris"]["type"] == "GPE" and by_text["Paris"]["count"] == 2
    assert by_text["Maria"]["type"] == "PERSON"


async def test_questions_are_the_sentences_that_ask(analyzer: Analyzer) -> None:
    text = "We shipped it. Did the client sign? I think so. When is the next review? Friday."
    questions = (await analyzer.analyze(text, "questions")).result["questions"]
    assert questions == [{"text": "Did the client sign?"}, {"text": "When is the next review?"}]


@pytest.mark.parametrize(
    ("text", "kind", "message"), [("", "sentiment", "empty"), ("Hi.", "mood", "unknown analysis type 'mood'")]
)
async def test_bad_requests_are_refused(analyzer: Analyzer, text: str, kind: str, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await analyzer.analyze(text, kind)
