"""Actors against gold: mentions to actors, kinds, roles, and the fuzzy-matching threshold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lib.core.config import GOLD_DIR
from lib.core.store import read_table
from lib.core.tables import ACTORS, MENTIONS, QUOTES
from lib.corpus.registry import FUZZY_THRESHOLD, build_registry, name_similarity
from lib.evaluate.quotes import analyse_texts, score_composed_quotes, score_seed_quotes
from lib.extract.names import fold

# ---------------------------------------------------------------- measuring the fuzzy threshold

def load_name_pairs(path: Path | None = None) -> list[dict[str, Any]]:
    """lib/data/gold/name_pairs.jsonl: {a, b, same} pairs of spellings, judged by a reader."""
    path = path or GOLD_DIR / "name_pairs.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def measure_fuzzy_threshold(pairs: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """Precision, recall and F1 of 'same person' for thresholds 70..100 on the labelled name pairs.

    FUZZY_THRESHOLD is the midpoint of the thresholds that reach the best F1; the notebook prints
    this sweep so the choice can be checked when pairs are added.
    """
    pairs = pairs if pairs is not None else load_name_pairs()
    scored = [(name_similarity(p["a"], p["b"]), bool(p["same"])) for p in pairs]
    rows = []
    for threshold in range(70, 101):
        tp = sum(1 for s, same in scored if s >= threshold and same)
        fp = sum(1 for s, same in scored if s >= threshold and not same)
        fn = sum(1 for s, same in scored if s < threshold and same)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"threshold": threshold, "precision": round(precision, 3), "recall": round(recall, 3),
                     "f1": round(f1, 3)})
    return pd.DataFrame(rows)


def best_threshold(sweep: pd.DataFrame) -> float:
    best = sweep[sweep["f1"] == sweep["f1"].max()]["threshold"]
    return float((best.min() + best.max()) / 2)


# ---------------------------------------------------------------- measuring against gold

def _gold(name: str) -> list[dict[str, Any]]:
    path = GOLD_DIR / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _pr(hits: int, predicted: int, gold: int) -> dict[str, float]:
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def score_seed_mentions(mentions: pd.DataFrame, actors: pd.DataFrame) -> dict[str, float]:
    """Mentions-to-actors on the seeds, as (document, written form, canonical actor) pairs.

    lib/data/gold/actors_seeds.jsonl lists, per seed, every distinct written form that names an actor
    and the actor it names (read by a person), and forms that must not become actors (bylines,
    photo credits, places). `mentions` and `actors` are the store's tables.
    """
    names = dict(zip(actors["actor_id"], actors["name"]))
    gold_rows = _gold("actors_seeds.jsonl")
    gold = {(g["doc"], fold(s), a) for g in gold_rows for s, a in g["pairs"]}
    docs = {g["doc"] for g in gold_rows}
    seen = mentions[mentions["doc_id"].isin(docs)]
    predicted = {(r.doc_id, fold(r.text), names.get(r.actor_id)) for r in seen.itertuples()}
    forbidden = {(g["doc"], fold(n)) for g in gold_rows for n in g["not_actors"]}
    revived = sorted({(d, t) for d, t, _ in predicted if (d, t) in forbidden})
    scores = {"gold pairs": len(gold), "predicted pairs": len(predicted), **_pr(len(gold & predicted), len(predicted), len(gold))}
    scores["not-actors revived"] = len(revived)
    return scores


def score_composed_mentions(model: str | None = None) -> dict[str, float]:
    """Mentions-to-actors on short texts we wrote (lib/data/gold/actors_composed.jsonl): spellings
    (Zelenskiy, Sergey), acronyms, capitals, descriptors, a photo credit and a byline.

    A gold span counts as found by a predicted mention overlapping it with the same canonical actor.
    """

    items = _gold("actors_composed.jsonl")
    mentions, _ = analyse_texts(items, model)
    registry = build_registry(pd.DataFrame(mentions))
    hits = 0
    for item in items:
        predicted = [(m["char_start"], m["char_end"], registry.canonical(m["name"])) for m in mentions if m["doc_id"] == item["id"]]
        for g in item["spans"]:
            hits += any(s < g["end"] and g["start"] < e and fold(a) == fold(g["actor"]) for s, e, a in predicted)
    n_gold = sum(len(i["spans"]) for i in items)
    true_predictions = 0
    for item in items:
        for m in (m for m in mentions if m["doc_id"] == item["id"]):
            true_predictions += any(m["char_start"] < g["end"] and g["start"] < m["char_end"]
                                    and fold(registry.canonical(m["name"])) == fold(g["actor"]) for g in item["spans"])
    scores = _pr(hits, len(mentions), n_gold)
    scores["precision"] = round(true_predictions / len(mentions), 3) if mentions else 0.0
    return {"gold spans": n_gold, "predicted mentions": len(mentions), **scores}


def score_roles(actors: pd.DataFrame) -> dict[str, float]:
    """Kinds, roles and affiliations of the seeds' actors against lib/data/gold/actors_seeds_roles.jsonl."""
    gold = _gold("actors_seeds_roles.jsonl")
    by_name = {r.name: r for r in actors.itertuples()}
    found = [g for g in gold if g["name"] in by_name]
    kind_ok = sum(by_name[g["name"]].kind == g["kind"] for g in found)
    with_role = [g for g in found if g["role_contains"]]
    role_ok = sum(isinstance(by_name[g["name"]].role, str) and g["role_contains"].lower() in by_name[g["name"]].role.lower()
                  for g in with_role)
    with_aff = [g for g in found if g["affiliation"]]
    aff_ok = sum(by_name[g["name"]].affiliation == g["affiliation"] for g in with_aff)
    return {"gold actors": len(gold), "actors found": round(len(found) / len(gold), 3),
            "kind accuracy": round(kind_ok / len(gold), 3), "role recall": round(role_ok / len(with_role), 3) if with_role else 0.0,
            "affiliation accuracy": round(aff_ok / len(with_aff), 3) if with_aff else 0.0}


def gold_scores(con: duckdb.DuckDBPyConnection, model: str | None = None) -> pd.DataFrame:
    """Every gold score of this stage in one table (the notebook's Checks and the tests use it)."""

    actors = read_table(con, ACTORS)
    mentions = read_table(con, MENTIONS)
    quotes = read_table(con, QUOTES)
    sets = {
        "mentions to actors, seeds": score_seed_mentions(mentions, actors),
        "mentions to actors, composed": score_composed_mentions(model),
        "kinds and roles, seeds": score_roles(actors),
        "direct quotes, seeds": score_seed_quotes(quotes),
        "quotes, composed hard cases": score_composed_quotes(model=model),
        "fuzzy threshold, name pairs": _threshold_scores(),
    }
    rows = [{"gold set": name, "measure": measure, "value": float(value)}
            for name, scores in sets.items() for measure, value in scores.items()]
    return pd.DataFrame(rows)


def _threshold_scores() -> dict[str, float]:
    sweep = measure_fuzzy_threshold()
    at = sweep[sweep["threshold"] == int(FUZZY_THRESHOLD)].iloc[0]
    return {"pairs": len(load_name_pairs()), "threshold used": FUZZY_THRESHOLD, "best threshold": best_threshold(sweep),
            "precision": float(at["precision"]), "recall": float(at["recall"]), "f1": float(at["f1"])}
