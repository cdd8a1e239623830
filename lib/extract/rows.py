"""Per-document extraction: parse once, run every extractor, cache the rows by content hash.

Every per-document stage is a pure function of (cleaned Document, parsed Doc) plus the rows of
the stages before it in the same document. That purity is what lets the rows be cached by a hash
of the document, the model and the extraction code, mapped over Dask partitions, and re-used by
each notebook without re-parsing.

Row contract: each row is a dict of JSON-able values (str, int, float, bool, None, list of str;
dates as ISO strings) and carries `doc_id`, `char_start`, `char_end` into `Document.text`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from spacy.tokens import Doc

from lib.core import cache, nlp
from lib.core.cache import code_version
from lib.core.document import Document
from lib.extract.claims import extract_claims
from lib.extract.forecasts import extract_forecasts
from lib.extract.mentions import extract_mentions
from lib.extract.names import alias_book
from lib.extract.quotes import extract_quotes

OUTPUTS = ("mentions", "quotes", "claims", "forecasts")


Rows = dict[str, list[dict[str, Any]]]


def analyse_document(document: Document, parsed: Doc) -> Rows:
    """All per-document rows of one article, each stage seeing the ones before it."""

    mentions = extract_mentions(document, parsed)
    quote_rows = extract_quotes(document, parsed, mentions)
    claim_rows = extract_claims(document, parsed, mentions, quote_rows)
    forecast_rows = extract_forecasts(document, parsed, mentions, quote_rows)
    return {"mentions": mentions, "quotes": quote_rows, "claims": claim_rows, "forecasts": forecast_rows}


def rows_key(document: Document, model: str) -> str:
    """The extraction code, the model, the document, and the alias files in force (a corpus's own
    aliases change the mentions every later row reads)."""
    return cache.key_of(code_version("extract"), model, alias_book().fingerprint(), document.cache_fields())


def rows_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "rows" / f"{key}.json"


def save_rows(path: Path, rows: Rows) -> None:
    cache.write_json(path, rows)


def analyse_documents(
    documents: list[Document],
    cache_dir: str | Path | None,
    model: str | None = None,
    show_progress: bool = True,
) -> Iterator[Rows]:
    """Rows per document, in order: cached rows where the cache has them, else parse and extract."""
    name = nlp.model_name(model)
    cache_root = Path(cache_dir) if cache_dir is not None else None
    keys = [rows_key(d, name) for d in documents]
    cached: dict[int, Rows] = {}
    if cache_root is not None:
        for i, key in enumerate(keys):
            path = rows_path(cache_root, key)
            if path.exists():
                cached[i] = json.loads(path.read_text(encoding="utf-8"))
    todo = [i for i in range(len(documents)) if i not in cached]
    parsed = nlp.parse_texts([documents[i].text for i in todo], cache_root, name, show_progress=show_progress)
    fresh = zip(todo, parsed)
    for i, document in enumerate(documents):
        if i in cached:
            yield cached.pop(i)
            continue
        j, doc = next(fresh)
        assert j == i
        rows = analyse_document(document, doc)
        if cache_root is not None:
            save_rows(rows_path(cache_root, keys[i]), rows)
        yield rows


def collect(rows_per_document: Iterator[Rows]) -> dict[str, pd.DataFrame]:
    """Concatenate per-document rows into one DataFrame per output (document order kept)."""
    gathered: dict[str, list[dict[str, Any]]] = {name: [] for name in OUTPUTS}
    for rows in rows_per_document:
        for name in OUTPUTS:
            gathered[name].extend(rows.get(name, []))
    return {name: pd.DataFrame(gathered[name]) for name in OUTPUTS}
