"""The timeline of dated claims, with each document's date mentions cached by what they are computed from."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from lib.core import cache, store
from lib.core import dates as dates_module
from lib.core.dates import DateMention
from lib.core.document import snippet
from lib.core.tables import TIMELINE
from lib.corpus.inputs import Inputs
from lib.corpus.prose import col, is_missing, text_or_none, to_date

# ---------------------------------------------------------------------------------------------
# Timeline


# Beside the store: each document's claim-date mentions, keyed by what they are computed from.
DATES_CACHE_FILE = "timeline_dates.json"


def _mention_json(mention: DateMention) -> list[Any]:
    return [mention.char_start, mention.char_end, mention.text, mention.start.isoformat(),
            mention.end.isoformat(), mention.basis, mention.pattern]


def _mention_from_json(values: list[Any]) -> DateMention:

    char_start, char_end, text, start, end, basis, pattern = values
    return DateMention(char_start, char_end, text, date.fromisoformat(start), date.fromisoformat(end), basis, pattern)


def _date_parsing_version() -> list[str]:
    """What parsed dates depend on besides their input: our code and dateparser's."""
    import dateparser

    return [cache.code_version(), dateparser.__version__]


def _claim_dates(spans_by_doc: dict[Any, list[str]], published: dict[Any, date | None],
                 cache_dir: Path | None) -> dict[Any, dict[str, tuple[DateMention, ...]]]:
    """The date mentions in each claim span, per document and span.

    Date parsing is a pure function of the spans, the document's date and the code, yet it is the
    costliest cross-document step. One file beside the store keeps every document's mentions under
    a key of all three, so a re-run after one new article parses only that article's dates. One
    file, not one per document: creating a thousand small files cost more than the parsing. Fresh
    and stored mentions both go through the JSON form, so a warm run cannot differ from a cold one.
    """

    path = cache_dir / DATES_CACHE_FILE if cache_dir is not None else None
    stored = cache.read_json(path) if path is not None and path.exists() else None
    stored = stored if isinstance(stored, dict) else {}
    version = _date_parsing_version()
    parsed_any = False
    kept: dict[str, list[Any]] = {}
    dated: dict[Any, dict[str, tuple[DateMention, ...]]] = {}
    for doc_id, spans in spans_by_doc.items():
        base = published.get(doc_id)
        key = cache.key_of(version, "timeline-dates", base, spans)
        found = stored.get(key)
        if not (isinstance(found, list) and len(found) == len(spans)):
            found = [[_mention_json(m) for m in dates_module.find_dates(span, base)] for span in spans]
            parsed_any = True
        kept[key] = found
        dated[doc_id] = {span: tuple(_mention_from_json(m) for m in ms) for span, ms in zip(spans, found)}
    # Rewrite only when something was parsed or dropped (documents no longer in the corpus).
    if path is not None and (parsed_any or kept.keys() != stored.keys()):
        cache.write_json(path, kept)
    return dated


def timeline(inputs: Inputs, cache_dir: Path | None = None) -> pd.DataFrame:
    """Publication dates and the dates mentioned in claims, relative ones resolved and marked.

    `cache_dir` (beside the store) keeps each document's parsed dates between runs; None parses all.
    """
    rows: list[dict[str, Any]] = []
    docs = inputs.ok_documents
    texts = dict(zip(col(docs, "doc_id"), col(docs, "text", "")))
    published = {d: to_date(p) for d, p in zip(col(docs, "doc_id"), col(docs, "published"))}
    for doc in store.records(docs, ["doc_id", "published_basis", "title"]):
        day = published.get(doc["doc_id"])
        if day:
            rows.append({"event_date": day, "date_end": day, "basis": text_or_none(doc.get("published_basis")) or "stated",
                         "kind": "publication", "event": f"Published: {text_or_none(doc.get('title')) or doc['doc_id']}",
                         "date_text": None, "doc_id": doc["doc_id"], "char_start": 0, "char_end": 0, "claim_id": None})
    claims = [c for c in store.records(inputs.claims, ["doc_id", "char_start", "char_end", "sentence", "claim_id"])
              if texts.get(c.get("doc_id")) and not is_missing(c.get("char_start"))]
    spans: dict[Any, dict[str, None]] = {}  # per document, its claim spans in first-seen order
    for claim in claims:
        text = texts[claim["doc_id"]]
        spans.setdefault(claim["doc_id"], {})[text[int(claim["char_start"]):int(claim["char_end"])]] = None
    dated = _claim_dates({doc_id: list(doc_spans) for doc_id, doc_spans in spans.items()}, published, cache_dir)
    for claim in claims:
        text = texts[claim["doc_id"]]
        start, end = int(claim["char_start"]), int(claim["char_end"])
        for mention in dated[claim["doc_id"]][text[start:end]]:
            rows.append({"event_date": mention.start, "date_end": mention.end, "basis": mention.basis,
                         "kind": "claim", "event": snippet(str(claim.get("sentence") or text[start:end]), 220),
                         "date_text": mention.text, "doc_id": claim["doc_id"],
                         "char_start": start + mention.char_start, "char_end": start + mention.char_end,
                         "claim_id": claim.get("claim_id")})
    df = pd.DataFrame(rows, columns=TIMELINE.column_names)
    if df.empty:
        return df
    df = df.drop_duplicates(["doc_id", "char_start", "char_end", "kind"])
    return df.sort_values(list(TIMELINE.order_by)).reset_index(drop=True)
