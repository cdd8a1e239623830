"""Exports a researcher takes elsewhere (Parquet, CSV, ClaimReview JSON-LD), and the as-of date
read from the corpus. One small store is built from two seed articles and exported once."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lib.build import build_store
from lib.core import store
from lib.core.config import DEFAULT_AS_OF
from lib.core.tables import DOCUMENTS
from lib.corpus.dates import latest_publication, resolve_as_of
from lib.views import exports

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
# Two dated articles, a day apart: the later one fixes the corpus's latest publication.
SEED_FILES = ("000_6ab364ddcf69852b.txt", "002_a3d922caf15f0f66.txt")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A store of every stage's tables, built headless on two seed articles."""
    root = tmp_path_factory.mktemp("exports")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in SEED_FILES:
        shutil.copy(SEEDS / name, corpus / name)
    store_path = root / "out" / "workbook.duckdb"
    build_store(store_path, corpus)
    return store_path


@pytest.fixture(scope="module")
def exported(built: Path) -> tuple[Path, list[Path]]:
    out = built.parent / "export"
    return out, exports.export_store(built, out)


def _store_tables(store_path: Path) -> dict[str, int]:
    con = store.connect(store_path, read_only=True)
    try:
        return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in exports.table_names(con)}
    finally:
        con.close()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_table_is_exported_in_both_formats(built, exported):
    out, written = exported
    tables = set(_store_tables(built))
    assert {"documents", "claims", "claim_clusters", "source_grades", "judgments"} <= tables
    for suffix in ("parquet", "csv"):
        assert {p.stem for p in out.glob(f"*.{suffix}")} == tables
    assert set(written) == {out / f"{t}.{s}" for t in tables for s in ("parquet", "csv")} | {out / "claim_reviews.jsonld"}


def test_row_counts_match_the_store(built, exported):
    out, _ = exported
    for name, count in _store_tables(built).items():
        assert len(_csv_rows(out / f"{name}.csv")) == count, name
        parquet = duckdb.execute("SELECT count(*) FROM read_parquet(?)", [str(out / f"{name}.parquet")]).fetchone()[0]
        assert parquet == count, name


def test_parquet_reads_back_with_the_stores_rows_types_and_order(built, exported):
    out, _ = exported
    con = store.connect(built, read_only=True)
    try:
        for name in exports.table_names(con):
            types = exports.column_types(con, name)
            order = ", ".join(f'"{c}"' for c in exports.order_columns(name, types))
            expected = con.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()
            back = con.execute("SELECT * FROM read_parquet(?)", [str(out / f"{name}.parquet")])
            assert back.fetchall() == expected, name
            assert [d[0] for d in back.description] == list(types), name
            described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(out / f"{name}.parquet")]).fetchall()
            assert [row[1] for row in described] == list(types.values()), name
    finally:
        con.close()


def test_declared_order_comes_first_and_every_column_breaks_ties():
    assert exports.order_columns("documents", ["title", "doc_id"]) == ["doc_id", "title"]
    assert exports.order_columns("not_declared", ["b", "a"]) == ["b", "a"]


def test_csv_list_columns_are_json_arrays(built, exported):
    out, _ = exported
    rows = _csv_rows(out / "claims.csv")
    assert rows, "the two seeds yield claims"
    hedges = [json.loads(row["hedges"]) for row in rows if row["hedges"]]
    assert hedges and all(isinstance(h, list) for h in hedges)
    assert any(h for h in hedges), "some claim is hedged"


def test_export_is_deterministic_and_drops_stale_tables(built, exported, tmp_path):
    out, _ = exported
    again = tmp_path / "again"
    again.mkdir()
    (again / "dropped_table.csv").write_text("x\n1\n", encoding="utf-8")
    exports.export_store(built, again)
    assert not (again / "dropped_table.csv").exists()
    for path in sorted(out.glob("*.csv")) + [out / "claim_reviews.jsonld"]:
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def _reviews(out: Path) -> list[dict]:
    document = json.loads((out / "claim_reviews.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == "https://schema.org"
    return document["@graph"]


def test_one_claim_review_per_cluster_with_the_required_fields(built, exported):
    out, _ = exported
    reviews = _reviews(out)
    con = store.connect(built, read_only=True)
    try:
        clusters = [r[0] for r in con.execute("SELECT cluster_id FROM claim_clusters ORDER BY cluster_id").fetchall()]
        published = dict(con.execute("SELECT source_path, published FROM documents WHERE status = 'ok'").fetchall())
    finally:
        con.close()
    assert [r["identifier"] for r in reviews] == clusters
    for review in reviews:
        assert review["@type"] == "ClaimReview"
        assert review["claimReviewed"].strip()
        assert review["author"] == {"@type": "Organization", "name": "War-news workbook"}
        item = review["itemReviewed"]
        assert item["@type"] == "Claim"
        # both seeds name an outlet or a byline, so every claim has someone behind it
        assert item["author"]["@type"] in ("Person", "Organization") and item["author"]["name"]
        assert item["appearance"] and all(a["identifier"] in published for a in item["appearance"])
        dates = {published[a["identifier"]].isoformat() for a in item["appearance"] if published[a["identifier"]]}
        assert item.get("datePublished") in (dates or {None})
        rating = review["reviewRating"]
        assert rating["@type"] == "Rating"
        assert (rating["bestRating"], rating["worstRating"]) == (1, 6)
        assert rating["ratingValue"] in range(1, 7)
        assert rating["alternateName"] in ("confirmed by other sources", "probably true", "possibly true",
                                           "doubtful", "improbable", "cannot be judged")


def test_single_sentence_clusters_quote_their_sentence_verbatim(built, exported):
    """The sentence survives JSON escaping exactly (curly and straight quotes included)."""
    out, _ = exported
    con = store.connect(built, read_only=True)
    try:
        sentences = dict(con.execute(
            "SELECT cluster_id, any_value(sentence) FROM claims WHERE cluster_id IS NOT NULL "
            "GROUP BY cluster_id HAVING count(DISTINCT sentence) = 1").fetchall())
    finally:
        con.close()
    reviews = {r["identifier"]: r for r in _reviews(out)}
    assert sentences
    for cluster_id, sentence in sentences.items():
        assert reviews[cluster_id]["claimReviewed"] == sentence


def test_corroborated_cluster_is_rated_above_a_single_source(built, exported):
    """Ratings follow the Admiralty rules: a cluster with two or more independent sources is graded
    1 or 2 unless contradicted; a single anonymous source cannot be judged (6) unless contradicted."""
    out, _ = exported
    con = store.connect(built, read_only=True)
    try:
        info = {cid: (n, bool(c)) for cid, n, c in con.execute(
            "SELECT cluster_id, n_independent_sources, contradiction FROM claim_clusters").fetchall()}
    finally:
        con.close()
    for review in _reviews(out):
        n, contradicted = info[review["identifier"]]
        grade = review["reviewRating"]["ratingValue"]
        if contradicted:
            assert grade in (4, 5)
        elif n >= 2:
            assert grade in (1, 2)
        else:
            assert grade in (3, 6)


def test_latest_publication_is_the_latest_ok_document(built):
    con = store.connect(built, read_only=True)
    try:
        assert latest_publication(con) == "2024-11-06"
        assert resolve_as_of(con, None) == "2024-11-06"
        assert resolve_as_of(con, "2025-01-31") == "2025-01-31"
        with pytest.raises(ValueError):
            resolve_as_of(con, "31/01/2025")
    finally:
        con.close()


def test_latest_publication_ignores_duplicates_rejected_and_undated(tmp_path):
    con = store.connect(tmp_path / "workbook.duckdb")
    try:
        assert latest_publication(con) is None  # no documents table yet
        store.write_table(con, DOCUMENTS, [])
        assert latest_publication(con) is None
        assert resolve_as_of(con, None) == DEFAULT_AS_OF
        store.write_table(con, DOCUMENTS, [
            {"doc_id": "a", "status": "ok", "published": date(2024, 10, 1)},
            {"doc_id": "b", "status": "duplicate", "published": date(2024, 12, 1)},
            {"doc_id": "c", "status": "rejected", "published": date(2024, 12, 2)},
            {"doc_id": "d", "status": "ok", "published": None},
        ])
        assert latest_publication(con) == "2024-10-01"
    finally:
        con.close()
