"""Candidate forward-looking clauses and the sentence and line geometry the forecast extractor and its speakers share."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from spacy.tokens import Doc, Token

from lib.core.config import DATA_DIR
from lib.core.nlp import doc_text

VOCABULARY_YAML = DATA_DIR / "forecast_vocabulary.yaml"


# --------------------------------------------------------------------------------------------
# Vocabulary and scales (data files researchers may edit)
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    with VOCABULARY_YAML.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass
class Candidate:
    """One predicted event: its head token and the words that make it a forecast."""

    head: Token
    triggers: list[Token] = field(default_factory=list)  # modal/verb/adjective/noun cue tokens
    parts: list[tuple[int, str]] = field(default_factory=list)  # (priority, normalised phrase part)
    kind: str = "modal"  # 'modal', 'complement', 'object', 'chance', 'expected' ("a package was expected")
    outer: Token | None = None  # outermost cue: the clause and the subject hang from it


# --------------------------------------------------------------------------------------------
# Exclusions: questions, headings, narration, non-events
# --------------------------------------------------------------------------------------------

def line_bounds(text: str, position: int) -> tuple[int, int]:
    """(start, end) of the line holding `position`. The small parser often runs a sentence across
    a headline and the paragraph below it; a forecast never spans lines, so every span is clipped."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return start, (end if end >= 0 else len(text))


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start_char, end_char) of each token's sentence, computed once per document.

    `Token.sent` walks the document's sentences on every call; the exclusion rules ask for it
    tens of times per token, which made forecast extraction the slowest per-document step.
    """
    bounds = doc.user_data.get("workbook_sentence_bounds")
    if bounds is None or len(bounds) != len(doc):
        bounds = [(0, 0)] * len(doc)
        for sent in doc.sents:
            for i in range(sent.start, sent.end):
                bounds[i] = (sent.start_char, sent.end_char)
        doc.user_data["workbook_sentence_bounds"] = bounds
    return bounds


def segment(head: Token) -> tuple[int, int]:
    """The part of the head's sentence that lies on the head's line."""
    sent_start, sent_end = _sentence_bounds(head.doc)[head.i]
    line_start, line_end = line_bounds(doc_text(head.doc), head.idx)
    return max(sent_start, line_start), min(sent_end, line_end)


def on_line(token: Token, head: Token) -> bool:
    start, end = segment(head)
    return start <= token.idx < end


def subject_of(token: Token | None) -> Token | None:
    if token is None:
        return None
    return next((c for c in token.children if c.dep_ in {"nsubj", "nsubjpass", "csubj"} and c.lower_ != "there"), None)
