"""Quotes: finding quoted spans, attributing speakers, gold floors."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lib.extract import mentions as actors
from lib.evaluate import quotes as evaluate_quotes
from lib.extract import quotes as extract_quotes
from lib.core.nlp import load_model
from lib.core.document import Document
from tests.test_actors import seed_tables  # noqa: F401  (shared fixture)


def quotes_of(text: str) -> list[dict]:
    document = Document("t", text)
    parsed = load_model()(text)
    return extract_quotes.extract_quotes(document, parsed, actors.extract_mentions(document, parsed))


def test_curly_straight_split_and_multi_paragraph_quotes_are_found():
    text = ("“We are ready,” Anna Voronina said, “and we will not wait.”\n\n"
            "\"Straight marks count too,\" she added.\n\n“This quote runs on.\n\n“And ends here.”")
    found = [text[s.start:s.end] for s in extract_quotes.find_direct_quotes(text)]
    assert found == ["We are ready,", "and we will not wait.", "Straight marks count too,",
                     "This quote runs on.", "And ends here."]


def test_unknown_speaker_stays_null():
    rows = [q for q in quotes_of("“It is worse than reported,” one official said.") if q["kind"] == "direct"]
    assert rows[0]["speaker"] is None and rows[0]["attribution_rule"] == "none"


def test_indirect_speech_carries_its_speaker():
    rows = quotes_of("Zelensky warned on Friday that Russia planned to send North Korean troops into combat.")
    indirect = [q for q in rows if q["kind"] == "indirect"]
    assert indirect and indirect[0]["speaker"] == "Volodymyr Zelensky"
    assert indirect[0]["text"].startswith("Russia planned")


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,\n\"“”«»„")), max_size=200))
def test_quote_spans_are_inside_the_text_and_exclude_marks(text):
    for span in extract_quotes.find_direct_quotes(text):
        assert 0 <= span.start < span.end <= len(text)
        assert "\n" not in text[span.start:span.end]


def test_gold_floors_on_composed_hard_cases():
    scores = evaluate_quotes.score_composed_quotes()
    assert scores["direct recall"] >= 0.9
    assert scores["direct speaker accuracy"] >= 0.9
    assert scores["indirect speaker accuracy"] >= 0.75


def test_gold_floors_on_seed_quotes(seed_tables):  # noqa: F811
    scores = evaluate_quotes.score_seed_quotes(seed_tables["quotes"])
    assert scores["quote recall"] >= 0.9 and scores["quote precision"] >= 0.9
    assert scores["speaker accuracy"] >= 0.9
