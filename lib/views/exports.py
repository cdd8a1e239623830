"""Exports a researcher can take elsewhere: every store table as Parquet and CSV, and the checked
claims as schema.org ClaimReview JSON-LD.

Why DuckDB's own COPY: it writes Parquet and CSV without a new dependency, and Parquet keeps the
store's types (dates, lists) so a reader in R, Arrow or Spark gets the table as it is. Rows are
written in a full, stable order (the table's declared order, then every remaining column) so two
exports of the same store are byte-identical and diffable. CSV has no list type: list columns
are written as JSON arrays, which any language parses back and which survive commas and quotes
inside items.

Why ClaimReview: it is the standard exchange format for checked claims (fact-checkers, Google's
Fact Check Tools, ClaimReview-aware archives). One review per claim cluster: what is claimed, who
claimed it where and when, and our Admiralty information credibility as the rating.

Rating convention: `ratingValue` is the Admiralty / NATO information credibility 1-6 given by the
workbook's rules (lib/data/grading_rules.csv), the best of the cluster's claims, so `bestRating`
is 1 and `worstRating` 6, following the Admiralty scale's order. Grade 6 means "cannot be judged",
not "false": it is the worst for a reader only in that it gives nothing to rely on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lib.core import store
from lib.core.tables import declared
from lib.corpus.grading import claim_credibility, grading_rules
from lib.corpus.inputs import read
from lib.corpus.prose import as_list, col, text_or_none, to_date

TABLE_FORMATS = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER"}


CLAIM_REVIEWS_FILE = "claim_reviews.jsonld"


REVIEWER = {"@type": "Organization", "name": "War-news workbook"}


RATING_DESCRIPTION = ("Admiralty / NATO information credibility by the workbook's rules "
                      "(lib/data/grading_rules.csv): 1 confirmed by other sources (best) to 6 cannot be "
                      "judged (worst); 4 and 5 mean contradicted by another source.")


def export_store(store_path: str | Path, out_dir: str | Path) -> list[Path]:
    """Write every table of the store as `<table>.parquet` and `<table>.csv`, and the claim clusters
    as `claim_reviews.jsonld`, under `out_dir`; return the files written, in writing order.

    The store is opened read-only: an export never changes the evidence. Parquet and CSV files of
    tables the store no longer has are removed, so the folder always mirrors one store.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = store.connect(store_path, read_only=True)
    try:
        written = [path for name in table_names(con) for path in export_table(con, name, out)]
        written.append(write_claim_reviews(con, out / CLAIM_REVIEWS_FILE))
    finally:
        con.close()
    remove_stale(out, written)
    return written


# ---------------------------------------------------------------------------------------------
# Tables as Parquet and CSV


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every base table of the store's main schema, by name (declared or not: the export is the
    whole store, bookkeeping included)."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' AND table_catalog = current_database() ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in rows]


def column_types(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """Column name -> DuckDB type of a store table, in the table's column order."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_catalog = current_database() AND table_name = ? ORDER BY ordinal_position", [name]
    ).fetchall()
    return dict(rows)


def order_columns(name: str, columns: Iterable[str]) -> list[str]:
    """The export's row order: the declared order first, then every other column as tie-breaker.

    The declared order is meant to be unique already; the remaining columns make the order total
    even for an undeclared table or a declaration whose keys tie.
    """
    columns = list(columns)
    table = declared(name)
    keys = [key for key in (table.order_by if table else ()) if key in columns]
    return keys + [column for column in columns if column not in keys]


def export_table(con: duckdb.DuckDBPyConnection, name: str, out: Path) -> list[Path]:
    """Copy one table to `<name>.parquet` and `<name>.csv` in the stable order."""
    types = column_types(con, name)
    order = ", ".join(_ident(column) for column in order_columns(name, types))
    paths = []
    for suffix, options in TABLE_FORMATS.items():
        select = ", ".join(_csv_column(c, t) if suffix == "csv" else _ident(c) for c, t in types.items())
        path = out / f"{name}.{suffix}"
        con.execute(f"COPY (SELECT {select} FROM {_ident(name)} ORDER BY {order}) TO {_literal(path)} ({options})")
        paths.append(path)
    return paths


def _csv_column(column: str, data_type: str) -> str:
    """A column as CSV holds it: nested values (lists, structs, maps) as JSON text."""
    nested = data_type.endswith("]") or data_type.startswith(("STRUCT", "MAP", "UNION"))
    return f"CAST(to_json({_ident(column)}) AS VARCHAR) AS {_ident(column)}" if nested else _ident(column)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def remove_stale(out: Path, written: list[Path]) -> None:
    """Delete table files of an earlier export that this one did not write (a dropped table)."""
    keep = {path.resolve() for path in written}
    for suffix in TABLE_FORMATS:
        for path in sorted(out.glob(f"*.{suffix}")):
            if path.resolve() not in keep:
                path.unlink()


# ---------------------------------------------------------------------------------------------
# Claim clusters as schema.org ClaimReview


def write_claim_reviews(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Write the reviews as one JSON-LD document (an @graph under the schema.org context)."""
    document = {"@context": "https://schema.org", "@graph": claim_reviews(con)}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


def claim_reviews(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One ClaimReview per claim cluster, in cluster_id order; none when the claims stage has not run."""
    members = _members_by_cluster(read(con, "claims"))
    documents = {d["doc_id"]: d for d in _documents(read(con, "documents"))}
    actors = read(con, "actors")
    kinds = dict(zip(col(actors, "name"), col(actors, "kind")))
    clusters = store.records(read(con, "claim_clusters"), CLUSTER_FIELDS)
    return [claim_review(cluster, members[cluster["cluster_id"]], documents, kinds)
            for cluster in clusters if members.get(cluster["cluster_id"])]


CLUSTER_FIELDS = ["cluster_id", "summary", "n_claims", "n_independent_sources", "origins", "contradiction", "note"]


CLAIM_FIELDS = ["claim_id", "doc_id", "char_start", "sentence", "source", "hedges", "modality", "cluster_id"]


DOCUMENT_FIELDS = ["doc_id", "source_path", "url", "title", "outlet", "author", "published"]


def _members_by_cluster(claims: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Claims grouped by cluster_id, in the claims table's declared order."""
    members: dict[str, list[dict[str, Any]]] = {}
    for claim in store.records(claims, CLAIM_FIELDS):
        if text_or_none(claim["cluster_id"]):
            members.setdefault(claim["cluster_id"], []).append(claim)
    return members


def _documents(documents: pd.DataFrame) -> list[dict[str, Any]]:
    """Document fields a review cites; `url` is used when the documents table carries one."""
    return store.records(documents, DOCUMENT_FIELDS)


def claim_review(cluster: dict[str, Any], claims: list[dict[str, Any]], documents: dict[str, dict[str, Any]],
                 kinds: dict[str, Any]) -> dict[str, Any]:
    """The ClaimReview of one cluster, rated by its best-graded claim (the judgments' convention);
    among equally graded claims the earliest published speaks for the cluster (its first appearance)."""
    graded = sorted(((*claim_credibility(claim, cluster), claim) for claim in claims),
                    key=lambda item: (item[0], _date_key(documents.get(item[2]["doc_id"])),
                                      item[2]["doc_id"], item[2]["char_start"], item[2]["claim_id"]))
    grade, rule_id, best = graded[0]
    doc = documents.get(best["doc_id"], {})
    return _compact({
        "@type": "ClaimReview",
        "@id": f"urn:war-news-workbook:claim-cluster:{cluster['cluster_id']}",
        "identifier": cluster["cluster_id"],
        "claimReviewed": _claim_text(cluster, claims, best),
        "itemReviewed": _compact({
            "@type": "Claim",
            "author": _claim_author(best, doc, kinds),
            "datePublished": _iso(doc.get("published")),
            "appearance": _appearances(claims, documents),
        }),
        "reviewRating": _rating(grade, rule_id, cluster),
        "author": REVIEWER,
    })


def _claim_text(cluster: dict[str, Any], claims: list[dict[str, Any]], best: dict[str, Any]) -> str:
    """The sentence when the cluster is one sentence; the cluster's summary when several sentences
    state it (no single sentence speaks for all of them)."""
    sentences = {text_or_none(c["sentence"]) for c in claims} - {None}
    summary = text_or_none(cluster.get("summary"))
    if len(sentences) > 1 and summary:
        return summary
    return text_or_none(best["sentence"]) or summary or ""


def _claim_author(claim: dict[str, Any], doc: dict[str, Any], kinds: dict[str, Any]) -> dict[str, str] | None:
    """Who stands behind the claim: its canonical source, else the outlet, else the byline."""
    source = text_or_none(claim.get("source"))
    if source:
        kind = "Person" if text_or_none(kinds.get(source)) == "person" else "Organization"
        return {"@type": kind, "name": source}
    if text_or_none(doc.get("outlet")):
        return {"@type": "Organization", "name": doc["outlet"]}
    if text_or_none(doc.get("author")):
        return {"@type": "Person", "name": doc["author"]}
    return None


def _appearances(claims: list[dict[str, Any]], documents: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document stating the claim once, earliest first (undated last): its url when known,
    and always its path in the corpus folder, so the reader can open the evidence."""
    doc_ids = sorted({c["doc_id"] for c in claims}, key=lambda d: (_date_key(documents.get(d)), d))
    return [_appearance(documents.get(doc_id, {"doc_id": doc_id})) for doc_id in doc_ids]


def _appearance(doc: dict[str, Any]) -> dict[str, Any]:
    outlet = text_or_none(doc.get("outlet"))
    return _compact({
        "@type": "NewsArticle",
        "url": text_or_none(doc.get("url")),
        "identifier": text_or_none(doc.get("source_path")) or doc["doc_id"],
        "headline": text_or_none(doc.get("title")),
        "datePublished": _iso(doc.get("published")),
        "publisher": {"@type": "Organization", "name": outlet} if outlet else None,
    })


def _rating(grade: int, rule_id: str, cluster: dict[str, Any]) -> dict[str, Any]:
    """The Admiralty credibility as a schema.org Rating, with the rule and corroboration in words."""
    rule = credibility_rules()[rule_id]
    origins = ", ".join(str(o) for o in as_list(cluster.get("origins")))
    n = int(cluster.get("n_independent_sources") or 1)
    explanation = f"{rule['rule']} Independent sources: {n}" + (f" ({origins})." if origins else ".")
    return {
        "@type": "Rating",
        "ratingValue": int(grade),
        "bestRating": 1,
        "worstRating": 6,
        "alternateName": rule["label"],
        "ratingExplanation": explanation,
        "description": RATING_DESCRIPTION,
    }


def credibility_rules() -> dict[str, dict[str, Any]]:
    """The credibility rules of grading_rules.csv by rule_id: labels and texts have one home."""
    rules = grading_rules()
    return {r["rule_id"]: r for r in rules[rules["axis"] == "credibility"].to_dict(orient="records")}


def _date_key(doc: dict[str, Any] | None) -> tuple[int, str]:
    """Sort key putting dated documents first, earliest first."""
    published = _iso(doc.get("published")) if doc else None
    return (0, published) if published else (1, "")


def _iso(value: Any) -> str | None:
    day = to_date(value)
    return day.isoformat() if day else None


def _compact(node: dict[str, Any]) -> dict[str, Any]:
    """A JSON-LD node without empty properties: schema.org reads an absent property as unknown,
    while null or an empty list would be a statement."""
    return {key: value for key, value in node.items() if value not in (None, [], "")}
