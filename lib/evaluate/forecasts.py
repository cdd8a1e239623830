"""Forecasts against gold: precision and recall of the extractor, accuracy of each field."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from lib.core import nlp
from lib.core.config import GOLD_DIR
from lib.core.document import Document
from lib.corpus.forecasts import str_or_empty, to_date
from lib.evaluate.matching import match_spans
from lib.extract.rows import analyse_document

# --------------------------------------------------------------------------------------------
# Gold scores: precision and recall of the extractor, accuracy of each field
# --------------------------------------------------------------------------------------------

SEED_GOLD = GOLD_DIR / "forecasts_seeds.jsonl"


COMPOSED_GOLD = GOLD_DIR / "forecasts_composed.jsonl"


GOLD_FIELDS = ("forecaster", "polarity", "probability_phrase", "horizon_text", "horizon_dates", "condition")


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _norm(text: Any) -> str:
    text = str_or_empty(text).lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[\"“”«»\[\]]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .,;:")


def _loose_equal(gold: Any, predicted: Any) -> bool:
    g, p = _norm(gold), _norm(predicted)
    return bool(g) and bool(p) and (g == p or g in p or p in g)


def _forecaster_ok(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if gold["forecaster_kind"] != pred.get("forecaster_kind"):
        return False
    if gold["forecaster_kind"] == "article":
        return True
    g, p = _norm(gold["forecaster"]), _norm(pred.get("forecaster"))
    if _loose_equal(g, p):
        return True
    return gold["forecaster_kind"] == "named" and g.split()[-1] in p.split()


def _horizon_ok(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    accepted = gold.get("horizon_text")
    if not accepted:
        return not str_or_empty(pred.get("horizon_text"))
    return any(_loose_equal(a, pred.get("horizon_text")) for a in accepted)


def _dates_ok(gold: dict[str, Any], pred: dict[str, Any]) -> bool | None:
    checks = [(gold.get("horizon_start"), pred.get("horizon_start")), (gold.get("horizon_end"), pred.get("horizon_end"))]
    checks = [(g, p) for g, p in checks if g]
    if not checks:
        return None  # the gold gives no date to check
    return all(to_date(p) == date.fromisoformat(g) for g, p in checks if p is not None) and \
        all(p is not None for _, p in checks)


def match_to_gold(predicted: list[dict[str, Any]], gold: list[dict[str, Any]]) -> list[tuple[dict, dict | None]]:
    """Pair each gold forecast with the unused prediction of its document whose clause overlaps its anchor most."""
    return match_spans(sorted(gold, key=lambda g: (g["doc_id"], g["char_start"])), predicted, same_document=True)


def score_against_gold(predicted: list[dict[str, Any]], gold: list[dict[str, Any]]) -> dict[str, Any]:
    """Detection precision/recall/F1 and, over matched forecasts, the share of each field right."""
    pairs = match_to_gold(predicted, gold)
    matched = [(g, p) for g, p in pairs if p is not None]
    tp = len(matched)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    result: dict[str, Any] = {
        "n_gold": len(gold), "n_predicted": len(predicted), "matched": tp,
        "precision": round(precision, 3), "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
    }
    checks = {
        "forecaster": lambda g, p: _forecaster_ok(g, p),
        "polarity": lambda g, p: g["polarity"] == p.get("polarity"),
        "probability_phrase": lambda g, p: None if not g.get("probability_phrase") else
        _loose_equal(g["probability_phrase"], p.get("probability_phrase")),
        "horizon_text": _horizon_ok,
        "horizon_dates": _dates_ok,
        "condition": lambda g, p: None if "condition" not in g else
        (_loose_equal(g["condition"], p.get("condition")) if g["condition"] else not str_or_empty(p.get("condition"))),
    }
    for name, check in checks.items():
        outcomes = [check(g, p) for g, p in matched]
        scored = [o for o in outcomes if o is not None]
        result[f"{name}_accuracy"] = round(sum(scored) / len(scored), 3) if scored else None
    result["missed"] = [g["anchor"] for g, p in pairs if p is None]
    return result


def _locate(gold: dict[str, Any], text: str) -> tuple[int, int] | None:
    """The gold anchor in the store's cleaned text (cleaning may shift offsets of the raw file)."""
    starts = [m.start() for m in re.finditer(re.escape(gold["anchor"]), text)]
    if not starts:
        return None
    start = min(starts, key=lambda s: abs(s - gold["char_start"]))
    return start, start + len(gold["anchor"])


def seed_gold_scores(forecasts: pd.DataFrame, documents: pd.DataFrame, path: str | Path = SEED_GOLD) -> dict[str, Any]:
    """Scores of the forecasts table against the gold read from the seed articles."""
    texts = dict(zip(documents["doc_id"], documents["text"]))
    gold = []
    for g in load_jsonl(path):
        if g["doc_id"] not in texts:
            continue
        found = _locate(g, texts[g["doc_id"]])
        gold.append({**g, "char_start": found[0], "char_end": found[1]} if found else {**g, "char_start": -10, "char_end": -9})
    doc_ids = {g["doc_id"] for g in gold}
    predicted = [r for r in forecasts.to_dict(orient="records") if r["doc_id"] in doc_ids]
    return score_against_gold(predicted, gold)


def composed_gold_scores(model: str | None = None, path: str | Path = COMPOSED_GOLD) -> dict[str, Any]:
    """Scores on short articles composed with other phrasings (so we are not fitted to the seeds),
    run through the whole per-document pipeline (mentions and quotes included)."""

    model_nlp = nlp.load_model(model)
    predicted, gold = [], []
    for case in load_jsonl(path):
        document = Document(doc_id=case["id"], text=case["text"], published=date.fromisoformat(case["published"]))
        rows = analyse_document(document, model_nlp(case["text"]))["forecasts"]
        predicted.extend(rows)
        gold.extend({**g, "doc_id": case["id"]} for g in case["forecasts"])
    return score_against_gold(predicted, gold)


def gold_table(scores: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per gold set: detection and field scores side by side, for the notebook."""
    columns = ["n_gold", "n_predicted", "matched", "precision", "recall", "f1"] + [f"{f}_accuracy" for f in GOLD_FIELDS]
    return pd.DataFrame([{"gold set": name, **{c: s.get(c) for c in columns}} for name, s in scores.items()])
