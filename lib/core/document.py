"""Text utilities shared by every stage, and the cleaned document that per-document stages take.

Offsets everywhere in the workbook are character offsets into `Document.text` (the cleaned body
stored in `documents.text`), so helpers here return spans as (start, end) pairs into that text."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from spacy.tokens import Doc, Span


@dataclass(frozen=True)
class Document:
    """A cleaned article: the unit every per-document stage maps over.

    Frozen and made of plain values so it hashes into cache keys and pickles to Dask workers.
    """

    doc_id: str
    text: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    published: date | None = None
    published_basis: str | None = None

    def cache_fields(self) -> tuple:
        return (self.doc_id, self.text, self.title, self.author, self.outlet,
                self.published.isoformat() if self.published else None, self.published_basis)


# Quote marks as they appear in real copy: straight, curly, low-9, guillemets.
OPEN_QUOTES = "\"“„«‘"


CLOSE_QUOTES = "\"”»’"


QUOTE_CHARS = "\"“”„«»"


def normalise_unicode(text: str) -> str:
    """NFC so that the same word always has the same code points (offsets stay comparable)."""
    return unicodedata.normalize("NFC", text)


def collapse_spaces(text: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def paragraphs_with_offsets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty paragraph; paragraphs are separated by blank lines or newlines."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def sentence_of(doc: Doc, char_start: int, char_end: int | None = None) -> Span | None:
    """The sentence containing a character span (None if the span is outside the doc)."""
    span = doc.char_span(char_start, char_end or char_start + 1, alignment_mode="expand")
    return span.sent if span is not None else None


def escape_html(value: object) -> str:
    """Everything that came from an article is escaped before it reaches HTML."""
    return html.escape("" if value is None else str(value), quote=True)


def snippet(text: str, limit: int = 160) -> str:
    """A one-line excerpt for tables: whitespace folded, cut on a word boundary."""
    flat = collapse_spaces(text.replace("\n", " "))
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"
