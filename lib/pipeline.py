"""Per-document extraction: parse once, run every extractor, cache the rows by content hash.

Every per-document stage is a pure function of (cleaned Document, parsed Doc) plus the rows of
the stages before it in the same document. That purity is what lets the rows be cached by a hash
of the document, the model and the code, mapped over Dask partitions, and re-used by each notebook
without re-parsing. Cross-document steps (alias merging, clustering, evidence linking) run after,
over the DataFrames this module returns.

Row contract: each row is a dict of JSON-able values (str, int, float, bool, None, list of str;
dates as ISO strings) and carries `doc_id`, `char_start`, `char_end` into `Document.text`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from spacy.tokens import Doc

from lib import nlp
from lib.text import Document

OUTPUTS = ("mentions", "quotes", "claims", "forecasts")
Rows = dict[str, list[dict[str, Any]]]

LIB_DIR = Path(__file__).resolve().parent


def analyse_document(document: Document, parsed: Doc) -> Rows:
    """All per-document rows of one article, each stage seeing the ones before it."""
    from lib import actors, claims, forecasts, quotes

    mentions = actors.extract_mentions(document, parsed)
    quote_rows = quotes.extract_quotes(document, parsed, mentions)
    claim_rows = claims.extract_claims(document, parsed, mentions, quote_rows)
    forecast_rows = forecasts.extract_forecasts(document, parsed, mentions, quote_rows)
    return {"mentions": mentions, "quotes": quote_rows, "claims": claim_rows, "forecasts": forecast_rows}


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the package's code and data: cached rows are valid only for the code that made them."""
    digest = hashlib.sha256()
    for path in sorted(LIB_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".yaml", ".yml", ".csv", ".json"} and "__pycache__" not in path.parts:
            digest.update(path.relative_to(LIB_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def rows_key(document: Document, model: str) -> str:
    payload = json.dumps([code_version(), model, document.cache_fields()], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def cache_dir_for(store_path: str | Path) -> Path:
    """The cache lives beside the store, so `--out DIR` keeps everything of one build together."""
    return Path(store_path).resolve().parent / "cache"


def _rows_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "rows" / f"{key}.json"


def _save_rows(path: Path, rows: Rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(rows, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def analyse_documents(
    documents: list[Document],
    cache_dir: str | Path | None,
    model: str | None = None,
    show_progress: bool = True,
) -> Iterator[Rows]:
    """Rows per document, in order: cached rows where the cache has them, else parse and extract."""
    name = nlp.model_name(model)
    cache = Path(cache_dir) if cache_dir is not None else None
    keys = [rows_key(d, name) for d in documents]
    cached: dict[int, Rows] = {}
    if cache is not None:
        for i, key in enumerate(keys):
            path = _rows_path(cache, key)
            if path.exists():
                cached[i] = json.loads(path.read_text(encoding="utf-8"))
    todo = [i for i in range(len(documents)) if i not in cached]
    parsed = nlp.parse_texts([documents[i].text for i in todo], cache, name, show_progress=show_progress)
    fresh = zip(todo, parsed)
    for i, document in enumerate(documents):
        if i in cached:
            yield cached.pop(i)
            continue
        j, doc = next(fresh)
        assert j == i
        rows = analyse_document(document, doc)
        if cache is not None:
            _save_rows(_rows_path(cache, keys[i]), rows)
        yield rows


def collect(rows_per_document: Iterator[Rows]) -> dict[str, pd.DataFrame]:
    """Concatenate per-document rows into one DataFrame per output (document order kept)."""
    gathered: dict[str, list[dict[str, Any]]] = {name: [] for name in OUTPUTS}
    for rows in rows_per_document:
        for name in OUTPUTS:
            gathered[name].extend(rows.get(name, []))
    return {name: pd.DataFrame(gathered[name]) for name in OUTPUTS}


def extract_corpus(
    documents: list[Document],
    cache_dir: str | Path | None,
    model: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    show_progress: bool = True,
) -> dict[str, pd.DataFrame]:
    """Per-document rows of the whole corpus, on this machine or on a Dask cluster."""
    if engine == "local":
        return collect(analyse_documents(documents, cache_dir, model, show_progress))
    if engine == "dask":
        from lib import scale

        return scale.extract_with_dask(documents, cache_dir, model, scheduler)
    raise ValueError(f"unknown engine {engine!r}: use 'local' or 'dask'")


def store_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The file behind a store connection (the cache sits beside it)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if not row or not row[0]:
        raise ValueError("the store is in memory; per-document caching needs a store file")
    return Path(row[0])


def extract_store(
    con: duckdb.DuckDBPyConnection,
    corpus: str | Path,
    model: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    show_progress: bool = True,
) -> dict[str, pd.DataFrame]:
    """Per-document rows for the store's 'ok' documents, ingesting `corpus` first if needed.

    This is what every stage's `build` starts from; after the first notebook it only reads cache.
    """
    from lib import ingest

    ingest.ensure(con, corpus)
    documents = ingest.load_documents(con)
    return extract_corpus(documents, cache_dir_for(store_path(con)), model, engine, scheduler, show_progress)
