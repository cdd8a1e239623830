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

import functools
import gc
import json
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
from spacy.tokens import Doc

from lib import cache, nlp
from lib.cache import code_version
from lib.text import Document

OUTPUTS = ("mentions", "quotes", "claims", "forecasts")
Rows = dict[str, list[dict[str, Any]]]

def analyse_document(document: Document, parsed: Doc) -> Rows:
    """All per-document rows of one article, each stage seeing the ones before it."""
    from lib import actors, claims, forecasts, quotes

    mentions = actors.extract_mentions(document, parsed)
    quote_rows = quotes.extract_quotes(document, parsed, mentions)
    claim_rows = claims.extract_claims(document, parsed, mentions, quote_rows)
    forecast_rows = forecasts.extract_forecasts(document, parsed, mentions, quote_rows)
    return {"mentions": mentions, "quotes": quote_rows, "claims": claim_rows, "forecasts": forecast_rows}


def rows_key(document: Document, model: str) -> str:
    return cache.key_of(code_version(), model, document.cache_fields())


def _rows_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "rows" / f"{key}.json"


def _save_rows(path: Path, rows: Rows) -> None:
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
            path = _rows_path(cache_root, key)
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
            _save_rows(_rows_path(cache_root, keys[i]), rows)
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


StageBuild = TypeVar("StageBuild", bound=Callable[..., Any])
_frozen_depth = 0


def frozen_heap(build: StageBuild) -> StageBuild:
    """Run a step (a stage's build, gathering the rows) with the objects alive when it starts left
    out of garbage collection.

    Those objects (the language model, the corpus rows the stage just loaded) outlive the stage,
    yet each full collection walked all of them again: 15% of a re-run after one new article at
    1,000 documents was the collector. `gc.freeze` moves them to the permanent generation for the
    stage's duration and `gc.unfreeze` hands them back, so nothing stays uncollectable afterwards;
    what the stage itself allocates is collected as usual. A nested step (the rows a
    stage gathers first) freezes what it returns on leaving. (Freezing
    before spaCy forks its workers also spares them copying pages the collector would touch.)
    """

    @functools.wraps(build)
    def with_frozen_heap(*args: Any, **kwargs: Any) -> Any:
        global _frozen_depth
        if _frozen_depth == 0:
            gc.freeze()
        _frozen_depth += 1
        try:
            return build(*args, **kwargs)
        finally:
            _frozen_depth -= 1
            if _frozen_depth == 0:
                gc.unfreeze()
            else:  # a step inside a stage (gathering its rows): what it returned outlives it too
                gc.freeze()

    return with_frozen_heap  # type: ignore[return-value]


def store_cache_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """The cache folder beside the store behind `con` (per-document caching needs a store file)."""
    cache_dir = cache.cache_dir_of(con)
    if cache_dir is None:
        raise ValueError("the store is in memory; per-document caching needs a store file")
    return cache_dir


# A snapshot: {"keys": {doc_id: rows key}, "frames": {output: DataFrame}} for one corpus state.
Snapshot = dict[str, Any]


def _snapshot_path(cache_dir: Path, keys: dict[str, str]) -> Path:
    return cache_dir / "corpus_rows" / f"{cache.key_of('corpus-rows', list(keys.values()))}.pickle"


def _load_snapshot(path: Path) -> Snapshot | None:
    try:
        with path.open("rb") as handle:
            snapshot = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return snapshot if isinstance(snapshot, dict) and {"keys", "frames"} <= set(snapshot) else None


def _previous_snapshot(directory: Path, current: Path) -> Snapshot | None:
    """The snapshot of the corpus as the last build saw it (one is kept), if any."""
    for path in sorted(directory.glob("*.pickle")) if directory.is_dir() else []:
        if path != current:
            return _load_snapshot(path)
    return None


def _save_snapshot(path: Path, snapshot: Snapshot) -> None:
    """Keep one snapshot: the one for the corpus as it is now (the next build extends it)."""
    cache.write_bytes(path, pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))
    for old in path.parent.glob("*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)


def _can_hold_nulls(dtype: Any) -> bool:
    return dtype == object or pd.api.types.is_float_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def _infers_alike(old: pd.Series, new: pd.Series) -> bool:
    """Would pandas give the old column's dtype to old and new values built as one frame?

    Yes when the new values have the same dtype; when they are all missing and the old dtype holds
    missing values; when they are integers and the old column is float (integers with gaps); and
    when the old column already mixes types (object, unless it is all missing: then the new values
    alone decide, as they would in a full build)."""
    if new.dtype == old.dtype:
        return True
    if bool(new.isna().all()):
        return _can_hold_nulls(old.dtype)
    if pd.api.types.is_float_dtype(old.dtype) and pd.api.types.is_integer_dtype(new.dtype):
        return True
    return old.dtype == object and not bool(old.isna().all())


def _appended_frame(old: pd.DataFrame, new: pd.DataFrame, position: dict[str, int]) -> pd.DataFrame | None:
    """`old` with `new`'s rows added in document order, or None when the result might differ in any
    way (column or dtype) from building the frame from all rows at once."""
    if new.empty:
        return old
    if old.empty or list(new.columns) != list(old.columns):
        return None
    if not all(_infers_alike(old[column], new[column]) for column in old.columns):
        return None
    # Give the new rows the old column types first: concat would widen str + all-missing to object.
    new = new.astype({column: old[column].dtype for column in old.columns if new[column].dtype != old[column].dtype})
    combined = pd.concat([old, new], ignore_index=True)
    if list(combined.dtypes) != list(old.dtypes):
        return None
    order = combined["doc_id"].map(position).to_numpy().argsort(kind="stable")
    return combined.iloc[order].reset_index(drop=True)


def _extended_snapshot(previous: Snapshot, documents: list[Document], keys: dict[str, str],
                       gather: Callable[[list[Document]], dict[str, pd.DataFrame]]) -> Snapshot | None:
    """The previous snapshot plus the rows of documents added since, when documents were only added.

    Re-gathering every document's rows (a JSON file each) cost more than any stage after one new
    article. An edited or removed document, or any doubt about dtypes, returns None: the caller then
    gathers everything, which is always correct.
    """
    old_keys: dict[str, str] = previous["keys"]
    if any(keys.get(doc_id) != key for doc_id, key in old_keys.items()):
        return None
    added = [d for d in documents if d.doc_id not in old_keys]
    fresh = gather(added)
    position = {d.doc_id: i for i, d in enumerate(documents)}
    frames = {}
    for name in OUTPUTS:
        frame = _appended_frame(previous["frames"][name], fresh[name], position)
        if frame is None:
            return None
        frames[name] = frame
    return {"keys": keys, "frames": frames}


@frozen_heap
def extract_store(
    con: duckdb.DuckDBPyConnection,
    corpus: str | Path,
    model: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    show_progress: bool = True,
) -> dict[str, pd.DataFrame]:
    """Per-document rows for the store's 'ok' documents, ingesting `corpus` first if needed.

    This is what every stage's `build` starts from. The first call of a build gathers the rows
    (from the per-document caches, parsing only what they lack) and pickles the concatenated
    frames with every document's rows key; the stages after it load that one file instead of
    re-reading a JSON file per document, and the next build, when articles were only added,
    extends it with theirs. The pickle is the workbook's own output, never an input from
    elsewhere: it sits in the cache folder beside the store.
    """
    from lib import ingest

    ingest.ensure(con, corpus)
    documents = ingest.load_documents(con)
    cache_dir = store_cache_dir(con)
    name = nlp.model_name(model)
    keys = {d.doc_id: rows_key(d, name) for d in documents}
    path = _snapshot_path(cache_dir, keys)
    snapshot = _load_snapshot(path) if path.exists() else None
    if snapshot is not None:
        return snapshot["frames"]

    def gather(docs: list[Document]) -> dict[str, pd.DataFrame]:
        return extract_corpus(docs, cache_dir, model, engine, scheduler, show_progress)

    previous = _previous_snapshot(path.parent, path)
    snapshot = _extended_snapshot(previous, documents, keys, gather) if previous is not None else None
    if snapshot is None:
        snapshot = {"keys": keys, "frames": gather(documents)}
    _save_snapshot(path, snapshot)
    return snapshot["frames"]
