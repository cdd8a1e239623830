"""Ingest against gold: titles, bylines, outlets, dates, boilerplate removed and body kept."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from lib.core.config import COMPOSED_DIR, GOLD_DIR
from lib.evaluate import dates as evaluate_dates
from lib.ingest.folder import ingest_corpus, none_if_missing
from lib.views.ingest import iso


def read_gold(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _comparable(value: Any) -> str | None:
    value = none_if_missing(value)
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return iso(value)
    return " ".join(str(value).split())


PRINTED_BASES = ("dateline", "timestamp", "byline")  # what the gold files (written before the split) call 'stated'


def _predicted(row: dict[str, Any], name: str) -> str | None:
    """A row's value in the gold files' terms. The gold predates two changes: 'stated' is now
    split into dateline, timestamp and byline ('inferred from <doc_id>' is a kind of
    'inferred'); and an inferred lower bound, which the gold records
    as `published` with basis 'inferred', now lives in published_earliest (published stays NULL
    unless the day is known), so that is what it is compared with."""
    value = _comparable(row.get(name))
    if name == "published_basis" and value in PRINTED_BASES:
        return "stated"
    if name == "published_basis" and value and value.startswith("inferred"):
        return "inferred"
    if name == "published" and value is None and (_comparable(row.get("published_basis")) or "").startswith("inferred"):
        return _comparable(row.get("published_earliest"))
    return value


def _gold_pairs(documents: pd.DataFrame, gold_path: str | Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(gold item, documents row) for every gold article present in `documents`, matched by the
    SHA-256 of the raw file (so a renamed copy still matches and another file with the same name
    does not); gold articles absent from this corpus are skipped, not counted as failures."""
    rows = documents.to_dict(orient="records")
    by_sha: dict[str, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row.get("sha256"), str) and row.get("status") != "duplicate":
            by_sha.setdefault(row["sha256"], row)
    by_path = {row["source_path"]: row for row in rows}
    pairs = []
    for item in read_gold(gold_path):
        row = by_sha.get(item["sha256"]) if item.get("sha256") else by_path.get(item["source_path"])
        if row is not None:
            pairs.append((item, row))
    return pairs


def gold_scores(documents: pd.DataFrame, gold_path: str | Path) -> pd.DataFrame:
    """Metadata and cleaning compared with a gold file made by reading the articles.

    Metadata fields: precision = correct values / values we gave, recall = correct values / values
    the gold has, accuracy = documents where we agree (a correct NULL counts too). Cleaning:
    'boilerplate removed' is the share of gold boilerplate strings (and boilerplate paragraphs)
    absent from the text; 'body kept' the share of gold body strings present in it verbatim.
    """
    pairs = _gold_pairs(documents, gold_path)
    rows = []
    for name in ("title", "author", "outlet", "published", "published_basis"):
        given = expected = correct = agree = 0
        for item, row in pairs:
            predicted = _predicted(row, name)
            wanted = _comparable(item[name])
            given += predicted is not None
            expected += wanted is not None
            agree += predicted == wanted
            correct += predicted == wanted and predicted is not None
        rows.append({"check": name, "n": len(pairs), "precision": correct / given if given else None,
                     "recall": correct / expected if expected else None, "accuracy": agree / len(pairs) if pairs else None})
    removed_total = removed_ok = kept_total = kept_ok = 0
    for item, row in pairs:
        text = row.get("text") or ""
        paragraphs = {p.strip() for p in text.split("\n\n")}
        removed_total += len(item["must_remove"]) + len(item["must_not_be_paragraph"])
        removed_ok += sum(s not in text for s in item["must_remove"])
        removed_ok += sum(p not in paragraphs for p in item["must_not_be_paragraph"])
        kept_total += len(item["must_keep"])
        kept_ok += sum(s in text for s in item["must_keep"])
    rows.append({"check": "boilerplate removed", "n": removed_total, "precision": None,
                 "recall": removed_ok / removed_total if removed_total else None, "accuracy": None})
    rows.append({"check": "body kept", "n": kept_total, "precision": None,
                 "recall": kept_ok / kept_total if kept_total else None, "accuracy": None})
    return pd.DataFrame(rows, columns=["check", "n", "precision", "recall", "accuracy"])


def gold_failures(documents: pd.DataFrame, gold_path: str | Path) -> pd.DataFrame:
    """The individual gold checks that fail: what the scores do not say."""
    rows = []
    for item, row in _gold_pairs(documents, gold_path):
        text = row.get("text") or ""
        paragraphs = {p.strip() for p in text.split("\n\n")}
        for name in ("title", "author", "outlet", "published", "published_basis"):
            if _predicted(row, name) != _comparable(item[name]):
                rows.append({"source_path": item["source_path"], "check": name, "expected": item[name],
                             "got": _predicted(row, name)})
        rows += [{"source_path": item["source_path"], "check": "must be removed", "expected": s, "got": "still in text"}
                 for s in item["must_remove"] if s in text]
        rows += [{"source_path": item["source_path"], "check": "must not be a paragraph", "expected": p, "got": "still a paragraph"}
                 for p in item["must_not_be_paragraph"] if p in paragraphs]
        rows += [{"source_path": item["source_path"], "check": "must be kept", "expected": s, "got": "missing"}
                 for s in item["must_keep"] if s not in text]
    return pd.DataFrame(rows, columns=["source_path", "check", "expected", "got"])


def input_gold_scores(documents: pd.DataFrame, gold_path: str | Path) -> pd.DataFrame:
    """Status, reason and duplicate_of per entry against a gold file of expected fates."""
    by_path = {row["source_path"]: row for row in documents.to_dict(orient="records")}
    rows = []
    for item in read_gold(gold_path):
        row = by_path.get(item["source_path"], {})
        reason_ok = item["reason_contains"] is None or item["reason_contains"] in (row.get("reason") or "")
        rows.append({"source_path": item["source_path"], "expected": item["status"], "got": row.get("status"),
                     "reason": row.get("reason"),
                     "correct": row.get("status") == item["status"] and reason_ok
                     and none_if_missing(row.get("duplicate_of")) == item["duplicate_of"]})
    return pd.DataFrame(rows, columns=["source_path", "expected", "got", "reason", "correct"])


def gold_table(documents: pd.DataFrame) -> pd.DataFrame:
    """Gold scores the notebook prints and the tests assert: the seed gold (for the seed articles
    present in this corpus) and the composed gold (short articles we wrote with other phrasings,
    ingested here from tests/fixtures so the score does not depend on the corpus being built)."""
    seed = gold_scores(documents, GOLD_DIR / "ingest.jsonl")
    composed = gold_scores(pd.DataFrame(ingest_corpus(COMPOSED_DIR)), GOLD_DIR / "ingest_composed.jsonl")
    return pd.concat([seed.assign(gold="seed articles"), composed.assign(gold="composed articles")], ignore_index=True)[
        ["gold", "check", "n", "precision", "recall", "accuracy"]]


SPLITS = ("dev", "heldout", "all")
DATE_SCORE_COLUMNS = ["split", "n", "n_with_evidence", "dated_exactly", "windowed_correctly", "dated_or_windowed",
                      "correct", "wrong_stated", "wrong_any"]


def dates_gold_scores(gold_path: str | Path = GOLD_DIR / "dates_composed.jsonl") -> pd.DataFrame:
    """Text dating against gold, one row per split ('dev' tuned on, 'heldout' not, and 'all').

    The gold articles are dated as one corpus (corpus years and weekday anchors come from the
    others, as in a real build). 'correct' also counts an article without evidence left undated,
    the right answer there; 'wrong_stated' counts printed dates read wrong, which must stay 0."""
    scores = evaluate_dates.score_dates(read_gold(gold_path))
    rows = [{"split": split, **{k: v for k, v in scores[split].items() if k in DATE_SCORE_COLUMNS}}
            for split in SPLITS if split in scores]
    return pd.DataFrame(rows, columns=DATE_SCORE_COLUMNS)


def dates_gold_misses(gold_path: str | Path = GOLD_DIR / "dates_composed.jsonl") -> pd.DataFrame:
    """The gold articles not dated or windowed correctly, with the note that explains why."""
    misses = evaluate_dates.score_dates(read_gold(gold_path))["all"]["misses"]
    return pd.DataFrame(misses, columns=["doc_id", "evidence", "outcome", "basis", "note"])
