"""Per-document extraction: parse once, run every extractor, cache the rows by content hash.

Every per-document stage is a pure function of (cleaned Document, parsed Doc) plus the rows of
the stages before it in the same document. That purity is what lets the rows be cached by a hash
of the document, the model and the code, mapped over Dask partitions, and re-used by each notebook
without re-parsing. Cross-document steps (alias merging, clustering, evidence linking) run after,
over the DataFrames this module returns.

Row contract: each row is a dict of JSON-able values (str, int, float, bool, None, list of str;
dates as ISO strings) and carries `doc_id`, `char_start`, `char_end` into `Document.text`."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import pickle
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lib.core import cache, nlp, store
from lib.core.document import Document
from lib.core.heap import frozen_heap
from lib.core.tables import DOCUMENTS
from lib.extract.rows import OUTPUTS, Rows, analyse_documents, collect, rows_key, rows_path, save_rows
from lib.ingest.folder import load_documents


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
        return collect(local_rows(documents, cache_dir, model, show_progress))
    if engine == "dask":
        return extract_with_dask(documents, cache_dir, model, scheduler)
    raise ValueError(f"unknown engine {engine!r}: use 'local' or 'dask'")


# From this many documents to parse on, parsing and extraction run in worker processes (forking
# and loading costs seconds; below it one process is faster).
PARALLEL_FROM = 200
LOCAL_WORKERS = 2


def _uncached(documents: list[Document], cache_dir: str | Path | None, model: str) -> list[Document]:
    if cache_dir is None:
        return list(documents)
    return [d for d in documents if not rows_path(Path(cache_dir), rows_key(d, model)).exists()]


def _analyse_part(documents: list[Document], cache_dir: str | Path | None, model: str) -> list[Rows]:
    """A worker's share: parse and extract a slice of documents with the one-process code."""
    return list(analyse_documents(documents, cache_dir, model, show_progress=False))


def local_rows(documents: list[Document], cache_dir: str | Path | None, model: str | None = None,
               show_progress: bool = True) -> Iterator[Rows]:
    """Rows per document, in order, on this machine.

    Extraction costs about as much as parsing, so with many documents to parse both run in
    LOCAL_WORKERS forked processes over slices of the corpus (as spaCy's own n_process does for
    parsing alone); each worker reads and writes the same caches. The model is loaded before the
    fork so the workers share its memory. Few documents (a re-run after one new article) stay in
    this process."""
    name = nlp.model_name(model)
    todo = _uncached(documents, cache_dir, name)
    workers = min(LOCAL_WORKERS, os.cpu_count() or 1)
    if len(todo) < PARALLEL_FROM or workers < 2:
        yield from analyse_documents(documents, cache_dir, name, show_progress)
        return
    nlp.load_model(name)
    fresh_ids = {d.doc_id for d in todo}
    parts = partition(todo, workers)
    bar = nlp.progress(range(len(todo)), len(todo), "parse and extract", show_progress)
    ticks = iter(bar)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        fresh = (rows for part in pool.map(_analyse_part, parts, repeat(cache_dir), repeat(name)) for rows in part)
        for document in documents:
            if document.doc_id in fresh_ids:
                next(ticks, None)
                yield next(fresh)
            else:
                yield from analyse_documents([document], cache_dir, name, show_progress=False)


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
    model: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    show_progress: bool = True,
) -> dict[str, pd.DataFrame]:
    """Per-document rows for the store's 'ok' documents (the ingest stage must have run).

    This is what every stage starts from (through `build.Context.rows`). The first call of a build gathers the rows
    (from the per-document caches, parsing only what they lack) and pickles the concatenated
    frames with every document's rows key; the stages after it load that one file instead of
    re-reading a JSON file per document, and the next build, when articles were only added,
    extends it with theirs. The pickle is the workbook's own output, never an input from
    elsewhere: it sits in the cache folder beside the store.
    """

    store.require(con, DOCUMENTS)
    documents = load_documents(con)
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


# Below nlp.parse_texts' threshold for forking (200 texts): workers are daemons and cannot fork.
MAX_PARTITION = 100


# Several partitions per worker thread so a slow partition does not leave the other cores idle.
PARTITIONS_PER_THREAD = 4


def partition(items: list[Any], n_threads: int, max_size: int = MAX_PARTITION) -> list[list[Any]]:
    """Consecutive slices (document order kept), about PARTITIONS_PER_THREAD per worker thread."""
    if not items:
        return []
    target = math.ceil(len(items) / max(1, n_threads * PARTITIONS_PER_THREAD))
    size = max(1, min(max_size, target))
    return [items[i:i + size] for i in range(0, len(items), size)]


def analyse_partition(documents: list[Document], cache_dir: str | None, model: str,
                      shared_marker: str | None) -> list[Rows]:
    """The Dask task: rows of each document of a partition, in order, with the local engine's code.

    `shared_marker` is a file the client created in its cache folder: when this worker can see it,
    the folder is shared and the worker reads and writes the caches there like the local engine.
    """
    usable_cache = cache_dir if shared_marker and Path(shared_marker).exists() else None
    return list(analyse_documents(documents, usable_cache, model, show_progress=False))


def _cached_rows(cache: Path | None, key: str) -> Rows | None:
    if cache is None:
        return None
    path = rows_path(cache, key)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


@contextmanager
def _client(scheduler: str | None) -> Iterator[Any]:
    """A client of `scheduler`, or of a local cluster (one single-threaded worker per core) for this call."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    n_workers = max(1, min(os.cpu_count() or 1, 8))
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def _worker_threads(client: Any) -> int:
    info = client.scheduler_info()
    return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))


@contextmanager
def _shared_marker(cache: Path | None) -> Iterator[str | None]:
    """A uniquely named file in the cache folder, so workers can tell whether they share it."""
    if cache is None:
        yield None
        return
    cache.mkdir(parents=True, exist_ok=True)
    marker = cache / f".dask-shared-{uuid.uuid4().hex}"
    marker.touch()
    try:
        yield str(marker)
    finally:
        marker.unlink(missing_ok=True)


def _fresh_rows(documents: list[Document], cache: Path | None, model: str,
                scheduler: str | None) -> Iterator[Rows]:
    """Rows of documents the cache lacks, computed on the cluster, yielded in document order."""
    if not documents:
        return
    with _client(scheduler) as client, _shared_marker(cache) as marker:
        parts = partition(documents, _worker_threads(client))
        futures = [client.submit(analyse_partition, part, str(cache) if cache else None, model, marker,
                                 pure=False) for part in parts]
        for future in futures:  # in order: a partition's rows are fetched, then released
            rows = future.result()
            future.release()
            yield from rows


def extract_with_dask(
    documents: list[Document],
    cache_dir: str | Path | None,
    model: str | None = None,
    scheduler: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Per-document rows of the corpus computed on Dask; identical to `extract_corpus(engine='local')`.

    `scheduler` is the address of a running scheduler (`tcp://host:8786`); None starts a local
    cluster with one single-threaded worker process per core for the duration of the call.
    """
    name = nlp.model_name(model)  # resolved here, so workers with another environment agree
    cache = Path(cache_dir) if cache_dir is not None else None
    keys = [rows_key(d, name) for d in documents]
    known = {i: rows for i, key in enumerate(keys) if (rows := _cached_rows(cache, key)) is not None}
    todo = [i for i in range(len(documents)) if i not in known]
    fresh = _fresh_rows([documents[i] for i in todo], cache, name, scheduler)

    def in_document_order() -> Iterator[Rows]:
        for i in range(len(documents)):
            if i in known:
                yield known.pop(i)
                continue
            rows = next(fresh)
            if cache is not None and not rows_path(cache, keys[i]).exists():
                save_rows(rows_path(cache, keys[i]), rows)
            yield rows

    try:
        return collect(in_document_order())
    finally:
        fresh.close()  # leaves the client (and a local cluster) now, not at garbage collection
