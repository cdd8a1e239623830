"""The Dask engine: the same per-document code mapped over partitions of a corpus on a cluster.

Per-document extraction is a pure function of a cleaned Document (pipeline.py), so scaling out
needs no second implementation: each Dask task runs `pipeline.analyse_documents` over a partition
of documents and returns their rows; the client concatenates them in document order with
`pipeline.collect`, so the DataFrames are identical to the local engine's (a test checks it).

Why these choices:
- Cached documents never leave the client. Re-running after adding one article ships one document,
  not the corpus, so the incremental cost stays that of the local engine.
- Each worker process loads the model once (`nlp.load_model` is lru-cached per process) and keeps
  it across tasks; tasks are partitions of documents, not single documents, so task overhead and
  the per-task model lookup are amortised.
- Partitions hold fewer than 200 documents: `nlp.parse_texts` forks its own worker processes from
  200 texts on, and a Dask worker (a daemon process) may not have children.
- Workers write the same parse and row caches as the local engine when they can see the client's
  cache folder (one machine, or a shared filesystem); otherwise they work without a cache and the
  client writes the rows it receives, so the next run is incremental either way.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from lib import nlp, pipeline
from lib.text import Document

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
                      shared_marker: str | None) -> list[pipeline.Rows]:
    """The Dask task: rows of each document of a partition, in order, with the local engine's code.

    `shared_marker` is a file the client created in its cache folder: when this worker can see it,
    the folder is shared and the worker reads and writes the caches there like the local engine.
    """
    usable_cache = cache_dir if shared_marker and Path(shared_marker).exists() else None
    return list(pipeline.analyse_documents(documents, usable_cache, model, show_progress=False))


def _cached_rows(cache: Path | None, key: str) -> pipeline.Rows | None:
    if cache is None:
        return None
    path = pipeline._rows_path(cache, key)
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
                scheduler: str | None) -> Iterator[pipeline.Rows]:
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
    keys = [pipeline.rows_key(d, name) for d in documents]
    known = {i: rows for i, key in enumerate(keys) if (rows := _cached_rows(cache, key)) is not None}
    todo = [i for i in range(len(documents)) if i not in known]
    fresh = _fresh_rows([documents[i] for i in todo], cache, name, scheduler)

    def in_document_order() -> Iterator[pipeline.Rows]:
        for i in range(len(documents)):
            if i in known:
                yield known.pop(i)
                continue
            rows = next(fresh)
            if cache is not None and not pipeline._rows_path(cache, keys[i]).exists():
                pipeline._save_rows(pipeline._rows_path(cache, keys[i]), rows)
            yield rows

    try:
        return pipeline.collect(in_document_order())
    finally:
        fresh.close()  # leaves the client (and a local cluster) now, not at garbage collection


# The stages in the order the notebooks run them (workbook.NOTEBOOKS); quotes has no notebook of
# its own but may have a build of its own.
STAGES = ("ingest", "claims", "actors", "quotes", "forecasts", "synthesis")


def _stage_builder(name: str) -> Any:
    """The function a stage's notebook calls to write its tables (ingest may only offer `run`)."""
    import importlib

    module = importlib.import_module(f"lib.{name}")
    return getattr(module, "build", None) or (getattr(module, "run", None) if name == "ingest" else None)


def _call_stage(builder: Any, con: Any, corpus: str, options: dict[str, Any]) -> Any:
    """Call a stage's build with the options its signature accepts (ingest takes no model)."""
    import inspect

    accepted = inspect.signature(builder).parameters
    return builder(con, corpus, **{k: v for k, v in options.items() if k in accepted})


def build_store(
    store_path: str | Path,
    corpus: str | Path,
    model: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    as_of: str | None = None,
    separate_extraction: bool = True,
    after_step: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Build every table of a store by calling the stage functions directly (no notebooks, no HTML).

    What the notebooks compute, without kernels and papermill: the benchmark times it and the
    determinism and engine tests compare its tables. With `separate_extraction`, per-document
    extraction (parse + extractors, filling the caches) runs and is timed on its own after ingest,
    so each stage's time is its cross-document work plus reading the cache. `after_step(name)` is
    called as each step ends (the benchmark takes its peak memory there). Returns seconds per step.
    """
    import time

    from lib import store as store_module

    options: dict[str, Any] = {"model": model, "engine": engine, "scheduler": scheduler}
    if as_of is not None:
        options["as_of"] = as_of
    seconds: dict[str, float] = {}
    con = store_module.connect(store_path)
    try:
        for name in STAGES:
            builder = _stage_builder(name)
            if builder is None:
                continue
            started = time.perf_counter()
            _call_stage(builder, con, str(corpus), options)
            seconds[name] = time.perf_counter() - started
            if after_step is not None:
                after_step(name)
            if name == "ingest" and separate_extraction:
                started = time.perf_counter()
                pipeline.extract_store(con, corpus, model, engine, scheduler, show_progress=False)
                seconds["extract"] = time.perf_counter() - started
                if after_step is not None:
                    after_step("extract")
    finally:
        con.close()
    return seconds


def store_tables(store_path: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of a store, fully sorted (by all columns), for comparing two builds."""
    from lib import store as store_module

    con = store_module.connect(store_path, read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
        tables = {}
        for name in names:
            frame = con.execute(f'SELECT * FROM "{name}"').df()
            tables[name] = _sorted_frame(frame)
        return tables
    finally:
        con.close()


def _sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a canonical order: sort by every column rendered as text (lists and NULLs included)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    keys = frame.apply(lambda column: column.map(repr))
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)
