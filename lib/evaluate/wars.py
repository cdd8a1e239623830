"""Extraction against composed articles on other wars (lib/data/gold/wars_*.jsonl).

The seeds are one story; these sets measure what an analyst gets on a war nobody wrote rules for.
`wars_dev.jsonl` is the development set; `wars_heldout.jsonl` is measured, never tuned on. Each
line is an article with gold figures, quotes, forecasts (character offsets into `text`) and the
spellings of each actor.

Names are compared through the article's own gold actors: a predicted source "the RSF" is right
for gold "Rapid Support Forces" when the article's gold lists "RSF" as one of its spellings. The
registry's merging is scored separately (`spellings merged`), so a miss is charged once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from lib.core.config import GOLD_DIR
from lib.core.document import Document
from lib.core.nlp import parse_texts
from lib.corpus.registry import build_registry
from lib.evaluate.matching import match_spans, own_span
from lib.extract.names import fold
from lib.extract.rows import Rows, analyse_document

DEV = GOLD_DIR / "wars_dev.jsonl"
HELDOUT = GOLD_DIR / "wars_heldout.jsonl"
ARTICLE_VOICE = "the article"


def load(path: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def _document(item: dict[str, Any]) -> Document:
    published = date.fromisoformat(item["published"]) if item.get("published") else None
    return Document(doc_id=item["doc_id"], text=item["text"], published=published)


def extract(items: list[dict[str, Any]], model: str | None = None, cache_dir: str | Path | None = None) -> list[Rows]:
    """Every per-document row of each gold article, with the same code a build runs. With
    `cache_dir` (a store's cache folder) the parses are cached like a corpus's, so the three
    notebooks that print these scores parse the gold articles once per build."""
    parsed = parse_texts([item["text"] for item in items], cache_dir, model, show_progress=False)
    return [analyse_document(_document(item), doc) for item, doc in zip(items, parsed)]


# ------------------------------------------------------------------------------ names

def _key(name: Any) -> str:
    """A name folded for comparison: no article, possessive, case or punctuation."""
    if not isinstance(name, str):
        return ""
    text = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.IGNORECASE)
    text = re.sub(r"['’]s?$", "", text)
    return fold(text)


def _canonical_by_spelling(item: dict[str, Any]) -> dict[str, str]:
    table: dict[str, str] = {}
    for actor in item.get("actors", []):
        for spelling in [actor["canonical"], *actor.get("spellings", [])]:
            table.setdefault(_key(spelling), actor["canonical"])
    return table


def same_actor(predicted: Any, gold: Any, item: dict[str, Any]) -> bool:
    """Does a predicted name denote the gold actor in this article?"""
    if gold is None or predicted is None:
        return gold is None and predicted is None
    spellings = _canonical_by_spelling(item)
    resolved = spellings.get(_key(predicted), predicted)
    return _key(resolved) == _key(gold)


# ------------------------------------------------------------------------------ matching

def _figure_span(row: dict[str, Any]) -> tuple[int, int]:
    return (row["value_start"], row["value_end"]) if row.get("value_start") is not None else (0, 0)


def _figures(rows: Rows) -> list[dict[str, Any]]:
    return [r for r in rows["claims"] if r.get("kind") == "quantity" and r.get("value_start") is not None]


def _direct_quotes(rows: Rows) -> list[dict[str, Any]]:
    return [r for r in rows["quotes"] if r.get("kind") == "direct"]


def _forecaster_right(gold: dict[str, Any], predicted: dict[str, Any], item: dict[str, Any]) -> bool:
    if gold["forecaster"] == ARTICLE_VOICE:
        return predicted.get("forecaster_kind") == "article"
    if gold["forecaster"].endswith("(unnamed)"):
        return predicted.get("forecaster_kind") == "anonymous"
    return same_actor(predicted.get("forecaster"), gold["forecaster"], item)


# ------------------------------------------------------------------------------ scores

def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def _row(field: str, hits: int, total: int, note: str) -> dict[str, Any]:
    return {"field": field, "right": hits, "of": total, "share": _share(hits, total), "note": note}


def score_figures(items: list[dict[str, Any]], extracted: list[Rows]) -> list[dict[str, Any]]:
    found = total = predicted = 0
    fields = {"counted_event": [0, 0], "counted_party": [0, 0], "modality": [0, 0], "source": [0, 0]}
    for item, rows in zip(items, extracted):
        mine = _figures(rows)
        pairs = match_spans(item["figures"], mine, _figure_span)
        total += len(pairs)
        predicted += len(mine)
        for gold, pred in pairs:
            if pred is None:
                continue
            found += 1
            for name in ("counted_event", "modality"):
                fields[name][0] += pred.get(name) == gold[name]
                fields[name][1] += 1
            if "counted_party" in pred:
                fields["counted_party"][0] += _party_right(pred.get("counted_party"), gold["counted_party"], item)
            fields["counted_party"][1] += 1
            fields["source"][0] += same_actor(pred.get("source_name"), gold["source"], item)
            fields["source"][1] += 1
    out = [_row("figures found (recall)", found, total, "gold figures whose span a predicted figure overlaps"),
           _row("figures precise (precision)", found, predicted, "predicted figures that are gold figures")]
    out += [_row(f"figure {name}", hits, n, "among found figures") for name, (hits, n) in fields.items()]
    return out


def _party_right(predicted: Any, gold: Any, item: dict[str, Any]) -> bool:
    if gold is None:
        return predicted is None
    return same_actor(predicted, gold, item) or _key(predicted) == _key(gold)


def _speaker_right(gold: dict[str, Any], predicted: dict[str, Any], item: dict[str, Any]) -> bool:
    """An unnamed speaker ('an eyewitness told the BBC') is right when the quote is given to an
    unnamed speaker: no canonical name, the words that describe them kept (as for forecasters)."""
    if str(gold["speaker"]).endswith("(unnamed)"):
        return predicted.get("speaker") is None and bool(predicted.get("speaker_text"))
    return same_actor(predicted.get("speaker"), gold["speaker"], item)


def score_quotes(items: list[dict[str, Any]], extracted: list[Rows]) -> list[dict[str, Any]]:
    found = total = predicted = speaker = 0
    for item, rows in zip(items, extracted):
        mine = _direct_quotes(rows)
        pairs = match_spans(item["quotes"], mine, own_span)
        total += len(pairs)
        predicted += len(mine)
        for gold, pred in pairs:
            if pred is not None:
                found += 1
                speaker += _speaker_right(gold, pred, item)
    return [_row("quotes found (recall)", found, total, "gold direct quotes a predicted quote overlaps"),
            _row("quotes precise (precision)", found, predicted, "predicted direct quotes that are gold quotes"),
            _row("quote speaker", speaker, found, "among found quotes")]


def score_forecasts(items: list[dict[str, Any]], extracted: list[Rows]) -> list[dict[str, Any]]:
    found = total = predicted = forecaster = kind = 0
    for item, rows in zip(items, extracted):
        mine = rows["forecasts"]
        pairs = match_spans(item["forecasts"], mine, own_span)
        total += len(pairs)
        predicted += len(mine)
        for gold, pred in pairs:
            if pred is None:
                continue
            found += 1
            forecaster += _forecaster_right(gold, pred, item)
            kind += pred.get("forecast_kind") == gold["kind"]
    return [_row("forecasts found (recall)", found, total, "gold forecasts a predicted forecast overlaps"),
            _row("forecasts precise (precision)", found, predicted, "predicted forecasts that are gold forecasts"),
            _row("forecaster", forecaster, found, "among found forecasts"),
            _row("forecast kind (prediction / intention)", kind, found, "among found forecasts")]


def _mention_names(rows: Rows) -> dict[str, set[str]]:
    """Folded surface form -> document-level names the extractor gave it."""
    names: dict[str, set[str]] = {}
    for mention in rows["mentions"]:
        names.setdefault(_key(mention["text"]), set()).add(mention.get("name") or mention["text"])
    return names


def score_actors(items: list[dict[str, Any]], extracted: list[Rows]) -> list[dict[str, Any]]:
    """Spellings of one actor that end on one canonical name, and different people kept apart.

    Only spellings the extractor saw as mentions count; a spelling never recognised as a mention
    is a recall miss of the mention finder, counted in `actor spellings recognised`."""
    mentions = pd.DataFrame([m for rows in extracted for m in rows["mentions"]])
    registry = build_registry(mentions)
    merged = multi = recognised = spellings_total = 0
    person_names: dict[str, set[str]] = {}
    for item, rows in zip(items, extracted):
        seen = _mention_names(rows)
        for actor in item.get("actors", []):
            forms = [actor["canonical"], *actor.get("spellings", [])]
            present = [f for f in dict.fromkeys(forms) if f in item["text"]]
            spellings_total += len(present)
            canon = set()
            for form in present:
                names = seen.get(_key(form))
                if names:
                    recognised += 1
                    canon |= {registry.canonical(n) or n for n in names}
            if len(present) >= 2 and canon:
                multi += 1
                merged += len(canon) == 1
            if actor["kind"] == "person":
                for name in canon:
                    person_names.setdefault(name, set()).add(actor["canonical"])
    wrongly = sum(1 for gold_people in person_names.values() if len(gold_people) > 1)
    return [_row("actor spellings recognised", recognised, spellings_total, "gold spellings found as mentions"),
            _row("spellings of one actor merged", merged, multi, "actors with two or more spellings in an article"),
            _row("different people merged (should be 0)", wrongly, len(person_names), "canonical names covering two gold people")]


def scores(path: str | Path, model: str | None = None, cache_dir: str | Path | None = None) -> pd.DataFrame:
    """Every field's score on one gold set, as the notebooks show and the tests assert."""
    items = load(path)
    extracted = extract(items, model, cache_dir)
    rows = (score_figures(items, extracted) + score_quotes(items, extracted)
            + score_forecasts(items, extracted) + score_actors(items, extracted))
    return pd.DataFrame(rows, columns=["field", "right", "of", "share", "note"])


def misses(path: str | Path, field: str, model: str | None = None, limit: int = 40) -> Iterable[dict[str, Any]]:
    """What a developer reads to improve `field` on the dev set: gold and predicted side by side."""
    items = load(path)
    extracted = extract(items, model)
    for item, rows in zip(items, extracted):
        if field == "figures":
            for gold, pred in match_spans(item["figures"], _figures(rows), _figure_span):
                yield {"doc": item["doc_id"], "gold": gold, "predicted": pred and {
                    k: pred.get(k) for k in ("value_text", "unit", "counted_event", "counted_party", "modality",
                                             "source_name", "sentence")}}
        elif field == "quotes":
            for gold, pred in match_spans(item["quotes"], _direct_quotes(rows), own_span):
                yield {"doc": item["doc_id"], "gold": gold, "predicted": pred and {
                    k: pred.get(k) for k in ("text", "speaker", "speaker_text", "attribution_rule")}}
        elif field == "forecasts":
            for gold, pred in match_spans(item["forecasts"], rows["forecasts"], own_span):
                yield {"doc": item["doc_id"], "gold": gold, "predicted": pred and {
                    k: pred.get(k) for k in ("statement", "forecaster", "forecaster_kind", "forecast_kind",
                                             "attribution_rule")}}


SETS = {"dev": DEV, "held-out": HELDOUT}


def scores_by_set(prefixes: tuple[str, ...] = (), model: str | None = None,
                  cache_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per field, one 'right / of (share)' column per gold set: what a notebook prints.

    `prefixes` keeps the fields a notebook is about ('figure', 'quote', 'forecast', 'actor',
    'spellings', 'different people')."""
    frames = []
    for name, path in SETS.items():
        table = scores(path, model, cache_dir)
        if prefixes:
            table = table[table["field"].str.startswith(prefixes)]
        cell = [f"{r} / {o} ({s:.3f})" if s is not None else f"{r} / {o}" for r, o, s in
                zip(table["right"], table["of"], table["share"])]
        frames.append(pd.Series(cell, index=table["field"].tolist(), name=name))
    return pd.concat(frames, axis=1).rename_axis("field").reset_index()
