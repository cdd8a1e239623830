"""Quotes against gold: direct quotes found and speakers right."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lib.core.config import GOLD_DIR
from lib.core.document import Document
from lib.core.nlp import load_model
from lib.corpus.registry import build_registry
from lib.extract.mentions import extract_mentions
from lib.extract.names import fold
from lib.extract.quotes import extract_quotes


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip().lower()


def _same_speaker(predicted: Any, gold: Any) -> bool:

    predicted = predicted if isinstance(predicted, str) else None
    if predicted is None or gold is None:
        return predicted is None and gold is None
    return fold(predicted) == fold(gold)


def score_seed_quotes(quotes: Any, gold_path: Path | None = None) -> dict[str, float]:
    """Direct quotes of the seeds against lib/data/gold/quotes_seeds.jsonl (read by a person).

    `quotes` is the store's quotes table (canonical speakers). A gold quote is found when a
    predicted direct quote in its document starts with the gold's opening words (the n-th gold
    with the same opening matches the n-th such quote). Speaker accuracy counts a missed quote as
    wrong, and a NULL speaker as right only when the gold speaker is NULL too.
    """
    gold = [json.loads(line) for line in (gold_path or GOLD_DIR / "quotes_seeds.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    direct = quotes[quotes["kind"] == "direct"].sort_values(["doc_id", "char_start"])
    used: set[str] = set()
    found = correct = 0
    for item in gold:
        candidates = direct[(direct["doc_id"] == item["doc"])]
        match = next((q for q in candidates.itertuples() if q.quote_id not in used and _norm(q.text).startswith(_norm(item["quote"]))), None)
        if match is None:
            continue
        used.add(match.quote_id)
        found += 1
        correct += _same_speaker(match.speaker, item["speaker"])
    docs = {item["doc"] for item in gold}
    predicted = direct[direct["doc_id"].isin(docs)]
    return {"gold quotes": len(gold), "predicted quotes": len(predicted),
            "quote precision": round(found / len(predicted), 3) if len(predicted) else 0.0,
            "quote recall": round(found / len(gold), 3) if gold else 0.0,
            "speaker accuracy": round(correct / len(gold), 3) if gold else 0.0}


def analyse_texts(items: list[dict[str, Any]], model: str | None = None) -> tuple[list, list]:
    """Mentions and quotes of short composed texts (parsed here: they are not in any store)."""

    nlp = load_model(model)
    mentions, quotes = [], []
    for item in items:
        document = Document(doc_id=item["id"], text=item["text"], author=item.get("author"))
        parsed = nlp(item["text"])
        doc_mentions = extract_mentions(document, parsed)
        mentions.extend(doc_mentions)
        quotes.extend(extract_quotes(document, parsed, doc_mentions))
    return mentions, quotes


def score_composed_quotes(gold_path: Path | None = None, model: str | None = None) -> dict[str, float]:
    """Hard cases we wrote ourselves (lib/data/gold/quotes_composed.jsonl): quote named two
    paragraphs later, pronoun after two candidates, "she said" with a man in between, nested and
    split quotes, multi-paragraph quotes, anonymous speakers, indirect speech.

    A gold span is found by a predicted quote of the same kind overlapping at least half of it.
    """
    import pandas as pd


    items = [json.loads(line) for line in (gold_path or GOLD_DIR / "quotes_composed.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    mentions, quotes = analyse_texts(items, model)
    registry = build_registry(pd.DataFrame(mentions))
    scores: dict[str, float] = {}
    for kind in ("direct", "indirect"):
        total = found = correct = 0
        predicted_total = sum(1 for q in quotes if q["kind"] == kind)
        for item in items:
            predicted = [q for q in quotes if q["doc_id"] == item["id"] and q["kind"] == kind]
            for g in (g for g in item["quotes"] if g["kind"] == kind):
                total += 1
                overlap = [q for q in predicted if min(q["char_end"], g["end"]) - max(q["char_start"], g["start"]) >= (g["end"] - g["start"]) / 2]
                if overlap:
                    found += 1
                    correct += _same_speaker(registry.canonical(overlap[0]["speaker"]), g["speaker"])
        scores[f"{kind} gold"] = total
        scores[f"{kind} recall"] = round(found / total, 3) if total else 0.0
        scores[f"{kind} predicted"] = predicted_total
        scores[f"{kind} speaker accuracy"] = round(correct / total, 3) if total else 0.0
    return scores
