"""The Dask engine gives exactly the local engine's results, and per-document work is fit for it:
picklable inputs and outputs, rows that survive the cache unchanged, caches that follow the code."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pandas as pd
import pytest
from distributed import LocalCluster

from lib.build import run_stage
from lib.core import cache
from lib.ingest import folder as ingest
from lib.core import nlp
from lib.extract import engine as extract_engine
from lib.extract import rows as extract_rows
from lib import build
from lib.core import store

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> list:
    con = store.connect(tmp_path_factory.mktemp("ingest") / "workbook.duckdb")
    try:
        run_stage(con, "ingest", SEEDS)
        return ingest.load_documents(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def local_run(documents, tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """The local engine's rows of the seeds, and the cache it filled (copied by tests to save time)."""
    cache = tmp_path_factory.mktemp("local") / "cache"
    return cache, extract_engine.extract_corpus(documents, cache, show_progress=False)


def copy_rows(cache: Path, documents: list, target: Path) -> None:
    """Seed `target` with the cached rows of `documents` only."""
    (target / "rows").mkdir(parents=True, exist_ok=True)
    for document in documents:
        name = f"{extract_rows.rows_key(document, nlp.model_name())}.json"
        shutil.copy(cache / "rows" / name, target / "rows" / name)


def assert_frames_equal(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert sorted(left) == sorted(right)
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


def test_dask_rows_equal_local_rows_fresh_and_cached(cluster, documents, local_run, tmp_path):
    cache, local = local_run
    local_cached = extract_engine.extract_corpus(documents, cache, show_progress=False)
    on_dask = extract_engine.extract_with_dask(documents, tmp_path / "dask", None, cluster.scheduler_address)
    assert len(documents) == 5 and len(local["mentions"]) > 0
    assert_frames_equal(local, on_dask)
    assert_frames_equal(local, local_cached)  # rows come back from the JSON cache unchanged
    # Workers saw the cache folder (same machine), so they filled it as the local engine does.
    assert len(list((tmp_path / "dask" / "rows").glob("*.json"))) == len(documents)
    assert len(list((tmp_path / "dask" / "parsed").glob("*.spacy"))) == len(documents)


def test_adding_a_document_ships_only_that_document(cluster, documents, local_run, tmp_path, monkeypatch):
    copy_rows(local_run[0], documents[:-1], tmp_path)  # the local engine's cache serves the Dask engine
    shipped: list[list[str]] = []
    fresh_rows = extract_engine._fresh_rows

    def recording(docs, *args):
        shipped.append([d.doc_id for d in docs])
        return fresh_rows(docs, *args)

    monkeypatch.setattr(extract_engine, "_fresh_rows", recording)
    on_dask = extract_engine.extract_with_dask(documents, tmp_path, None, cluster.scheduler_address)
    assert shipped == [[documents[-1].doc_id]]
    assert_frames_equal(on_dask, local_run[1])


def test_workers_without_the_cache_folder_leave_the_client_to_fill_it(cluster, documents, tmp_path, monkeypatch):
    """As when workers run on other machines: rows come back and the client caches them."""
    monkeypatch.setattr(extract_engine, "_shared_marker", _unseen_marker)
    on_dask = extract_engine.extract_with_dask(documents[:2], tmp_path, None, cluster.scheduler_address)
    assert not (tmp_path / "parsed").exists(), "workers must not have written a cache they cannot share"
    monkeypatch.setattr(extract_rows, "analyse_document", _must_not_run)
    assert_frames_equal(on_dask, extract_engine.extract_corpus(documents[:2], tmp_path, show_progress=False))


def _unseen_marker(cache):
    from contextlib import nullcontext

    return nullcontext(str(Path(cache) / ".marker-no-worker-can-see"))


def _must_not_run(*args, **kwargs):
    raise AssertionError("a cached document was analysed again")


def test_the_dask_engine_without_a_scheduler_starts_its_own_cluster(documents, local_run, tmp_path):
    on_dask = extract_engine.extract_corpus(documents[:1], tmp_path, engine="dask")
    # Compared with the local engine on the same single document: column dtypes are inferred
    # from the rows present, so a slice of the whole corpus's frames would differ in dtype only.
    copy_rows(local_run[0], documents[:1], tmp_path / "local")
    expected = extract_engine.extract_corpus(documents[:1], tmp_path / "local", show_progress=False)
    assert_frames_equal(on_dask, expected)


def test_every_table_is_identical_for_dask_and_local_builds(cluster, local_run, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    shutil.copytree(local_run[0], tmp_path / "local" / "cache")  # local rows are known; Dask starts cold
    build.build_store(tmp_path / "local" / "workbook.duckdb", corpus)
    build.build_store(tmp_path / "dask" / "workbook.duckdb", corpus, engine="dask",
                      scheduler=cluster.scheduler_address)
    local = build.store_tables(tmp_path / "local" / "workbook.duckdb")
    on_dask = build.store_tables(tmp_path / "dask" / "workbook.duckdb")
    assert "documents" in local and len(local) >= 2
    assert_frames_equal(local, on_dask)


def test_per_document_inputs_outputs_and_the_task_pickle(documents):
    for document in documents:
        assert pickle.loads(pickle.dumps(document)) == document
    assert pickle.loads(pickle.dumps(extract_engine.analyse_partition)) is extract_engine.analyse_partition
    parsed = next(nlp.parse_texts([documents[0].text], None, show_progress=False))
    rows = extract_rows.analyse_document(documents[0], parsed)
    assert pickle.loads(pickle.dumps(rows)) == rows


def test_partitions_keep_document_order_and_never_fork_inside_a_worker():
    items = list(range(1001))
    for threads in (1, 2, 16):
        parts = extract_engine.partition(items, threads)
        assert [i for part in parts for i in part] == items
        assert max(len(part) for part in parts) <= extract_engine.MAX_PARTITION
    assert extract_engine.MAX_PARTITION < 200  # nlp.parse_texts forks from 200 texts; daemon workers cannot
    assert extract_engine.partition([], 2) == []


def _versions_after_edits(tmp_path, monkeypatch, layers, edits):
    """code_version(*layers) of a copy of lib/ before and after each edit (a file path under lib/)."""
    lib_copy = tmp_path / "lib"
    shutil.copytree(cache.LIB_DIR, lib_copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "LIB_DIR", lib_copy)
    versions = []
    try:
        for edit in (None, *edits):
            if edit is not None:
                target = lib_copy / edit
                target.write_text(target.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
            cache.code_version.cache_clear()
            versions.append(cache.code_version(*layers))
    finally:
        cache.code_version.cache_clear()
    return versions


def test_cached_rows_follow_any_change_to_the_extraction_code_or_its_data(tmp_path, monkeypatch):
    data_file = sorted((cache.LIB_DIR / "data").glob("*.csv"))[0].relative_to(cache.LIB_DIR)
    versions = _versions_after_edits(tmp_path, monkeypatch, ("extract",),
                                     [str(data_file), "extract/claims.py", "core/dates.py"])
    assert len(set(versions)) == 4


def test_editing_views_or_corpus_code_leaves_the_ingest_and_row_caches_valid(tmp_path, monkeypatch):
    for layers in (("extract",), ("ingest",)):
        versions = _versions_after_edits(tmp_path / "_".join(layers), monkeypatch, layers,
                                         ["views/charts.py", "corpus/synthesis.py", "build.py"])
        assert len(set(versions)) == 1, layers
