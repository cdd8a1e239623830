"""Key judgments: what the leading figure series say now, in ICD 203 likelihood words with a separate confidence.

Why series and not claim clusters: a cluster of "1.2 million men" (an army's size) or "would require
more than a few thousand" (a hypothesis) is corroborated but judges nothing; a judgment must be about a counted thing
that happened or is planned. Points come from lib/corpus/series.py, which admits only statements of
a count (no duration, standing army, hypothesis, comparison or opinion about a number) and knows
which figures are current, superseded or stale. Each judgment states the best-corroborated figure
among the points that still stand at the series' latest date and names the others that disagree;
its likelihood comes from that figure's best Admiralty credibility, its confidence from its
independent origins, the reliability of the documents and any disagreement.
Judgments hold no parentheses: they read as an analyst's sentences, and the evidence table beside
them carries the citations (claim_ids, doc_ids).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from lib.core.tables import JUDGMENTS
from lib.corpus.claims import compatible
from lib.corpus.grading import estimative_for, rule_threshold
from lib.corpus.inputs import Inputs, outlets_by_doc, published_by_doc
from lib.corpus.prose import (
    col,
    counted,
    fmt_number,
    join_names,
    text_or_none,
    to_date,
)
from lib.corpus.series import EVENT_NOUNS, current_points, figure_series, label_parts
from lib.extract.names import fold

MAX_JUDGMENTS = 5


# ---------------------------------------------------------------------------------------------
# Key judgments


def confidence_for(n_independent: int, contradicted: bool, best_reliability: str | None,
                   single_named: bool) -> tuple[str, str]:
    """Confidence in a judgment (separate from its likelihood), by the first matching rule."""
    strong = best_reliability in {"A", "B"}
    if contradicted:
        return "low", "K-LOW-CONTRADICTED"
    if n_independent >= rule_threshold("K-HIGH") and strong:
        return "high", "K-HIGH"
    if n_independent >= rule_threshold("K-MODERATE") or (single_named and strong):
        return "moderate", "K-MODERATE"
    return "low", "K-LOW-DEFAULT"


def _best_reliability(doc_ids: list[str], grades: pd.DataFrame) -> str | None:
    letters = sorted(col(grades[col(grades, "doc_id").isin(doc_ids)], "reliability").dropna())
    return letters[0] if letters else None


# ---------------------------------------------------------------------------------------------
# Figures in words


def figure_phrase(points: pd.DataFrame) -> str:
    """The figure some compatible points give, as a reader would say it ('about 10,000', 'at least 40')."""
    lows = pd.to_numeric(col(points, "value_low"), errors="coerce")
    highs = pd.to_numeric(col(points, "value_high"), errors="coerce")
    if lows.isna().all():
        return f"up to {fmt_number(highs.max())}"
    if highs.isna().all():
        word = "more than" if (col(points, "bound") == "gt").all() else "at least"
        return f"{word} {fmt_number(lows.min())}"
    low, high = float(lows.fillna(highs).min()), float(highs.fillna(lows).max())
    if low == high:
        return f"about {fmt_number(low)}" if (col(points, "bound") == "approx").any() else fmt_number(low)
    return f"between {fmt_number(low)} and {fmt_number(high)}"


def origin_words(origin: str) -> str:
    """An origin for prose: 'unattributed: NBC News' reads 'unattributed reporting by NBC News'."""
    prefix = "unattributed: "
    if not origin.startswith(prefix):
        return origin
    where = origin[len(prefix):]
    return f"an unattributed report in {where[len('document '):]}" if where.startswith("document ") \
        else f"unattributed reporting by {where}"


def _origins(points: pd.DataFrame) -> str:
    return join_names([origin_words(o) for o in sorted(set(col(points, "origin").dropna()))], limit=3)


def latest_date(points: pd.DataFrame) -> date | None:
    """The latest figure date among the points, or None when none is dated."""
    dates = [d for d in (to_date(v) for v in col(points, "figure_as_of")) if d]
    return max(dates) if dates else None


_dated = latest_date


def figure_groups(points: pd.DataFrame) -> list[pd.DataFrame]:
    """Points split into groups that give the same figure (complete link, smallest figure first)."""
    lows = pd.to_numeric(col(points, "value_low"), errors="coerce")
    highs = pd.to_numeric(col(points, "value_high"), errors="coerce")
    figures = {i: (lows[i], highs[i]) for i in points.index}
    ordered = sorted(points.index, key=lambda i: (lows.fillna(highs)[i], str(points.at[i, "claim_id"])))
    groups: list[list[Any]] = []
    for i in ordered:
        home = next((g for g in groups if all(compatible(figures[i], figures[j]) for j in g)), None)
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    return [points.loc[g] for g in groups]


def _group_key(group: pd.DataFrame) -> tuple:
    """Best corroborated first: independent origins, documents, a later date, then the larger figure."""
    latest = latest_date(group) or date.min
    high = pd.to_numeric(col(group, "value_high"), errors="coerce").fillna(
        pd.to_numeric(col(group, "value_low"), errors="coerce")).max()
    return (-col(group, "origin").nunique(), -col(group, "doc_id").nunique(), -latest.toordinal(),
            -(0 if pd.isna(high) else float(high)), min(col(group, "claim_id").astype(str)))


def best_group(points: pd.DataFrame) -> tuple[pd.DataFrame | None, list[pd.DataFrame]]:
    """(the best-corroborated standing figure, the other standing figures), ranked by `_group_key`."""
    current = current_points(points)
    if current.empty:
        return None, []
    groups = sorted(figure_groups(current), key=_group_key)
    return groups[0], groups[1:]


def _dissent(others: list[pd.DataFrame], day: date | None) -> str:
    """'Sources disagree: A gave 1,500 as of D; B gave 6,000.' for the standing figures beside the best.

    Figures are grouped by what they state, not by who states them: six origins giving two
    figures are two positions, and the sentence stays readable."""
    if not others:
        return ""
    parts = []
    for group in sorted(others, key=_group_key):
        when = latest_date(group)
        parts.append(f"{_origins(group)} gave {figure_phrase(group)}"
                     + (f" as of {when.isoformat()}" if when and when != day else ""))
    return f"Sources disagree: {'; '.join(parts)}."


def _history(points: pd.DataFrame) -> str:
    """The figure this one replaced and the stale repeats after it: the story over time."""
    sentences = []
    superseded = points[points["status"] == "superseded"]
    day = _dated(superseded)
    if day is not None:
        last = superseded[[to_date(d) == day for d in superseded["figure_as_of"]]]
        sentences.append(f"This replaces the earlier figure of {figure_phrase(last)}, given by {_origins(last)} "
                         f"as of {day.isoformat()}.")
    stale = points[points["status"] == "stale"]
    if len(stale):
        figures = join_names(sorted({figure_phrase(stale.loc[[i]]) for i in stale.index}))
        sentences.append(f"Even so, {counted(int(stale['doc_id'].nunique()), 'later article')} still gave {figures} "
                         "as the current figure.")
    return " ".join(sentences)


# ---------------------------------------------------------------------------------------------
# One judgment per series


# How a count reads with its event: 'about 10,000 Ruritanian soldiers had been deployed'. Events not
# listed read as the series label with 'numbered' ('Russian casualties numbered 1,200').
WERE_EVENTS = {"present": "were present", "missing": "were missing", "planned_deployment": "were planned for deployment"}
HAD_BEEN_EVENTS = ("deployed", "killed", "wounded", "captured", "displaced", "evacuated", "arrested", "fired",
                   "intercepted", "destroyed", "pledged")


def count_clause(points: pd.DataFrame, figure: str) -> str:
    """The count as a clause, built from the series' party, noun and event (never from a story's words)."""
    first = points.iloc[0]
    event = str(first["counted_event"])
    who, unit, _ = label_parts(event, text_or_none(first["counted_party"]) or "", [text_or_none(u) for u in col(points, "unit")])
    thing = " ".join(w for w in (who, unit) if w)
    if unit and fold(unit) in EVENT_NOUNS:
        return f"{first['series_label']} numbered {figure}"  # 'deaths numbered 123', not 'deaths had been killed'
    if event in WERE_EVENTS:
        return f"{figure} {thing} {WERE_EVENTS[event]}"
    if event in HAD_BEEN_EVENTS:
        return f"{figure} {thing} had been {event}"
    return f"{first['series_label']} numbered {figure}"


def _support(current: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    ids = set(col(current, "claim_id"))
    return claims[col(claims, "claim_id").isin(ids)] if len(claims) else claims


def _statement(phrase: str | None, clause: str) -> str:
    if phrase and phrase.endswith("chance"):
        return f"We judge there is a {phrase} that {clause}."
    if phrase:
        return f"We judge it {phrase} that {clause}."
    return f"We cannot judge whether {clause}: it rests on unnamed sourcing alone."


def series_judgment(points: pd.DataFrame, claims: pd.DataFrame, grades: pd.DataFrame) -> dict[str, Any] | None:
    """The judgment on one series: what its standing points say, how likely, how confident, and why."""
    current = current_points(points)
    if current.empty:
        return None
    label = str(points.iloc[0]["series_label"])
    best, others = best_group(points)
    day = latest_date(best)
    disagreement = _dissent(others, day)
    clause = count_clause(points, figure_phrase(best)) + (f" as of {day.isoformat()}" if day else "")
    clause += f", the figure given by {_origins(best)}" + ("" if day else " in undated reports")
    best_cred = int(pd.to_numeric(col(best, "credibility"), errors="coerce").fillna(6).min())
    phrase, low, high = estimative_for(best_cred)
    support = _support(current, claims)
    contradicted = bool(disagreement) or bool(col(support, "contradiction", False).fillna(False).astype(bool).any())
    n_independent = int(col(best, "origin").nunique())
    doc_ids = sorted(set(col(current, "doc_id").dropna()))
    single_named = bool((col(best, "origin_basis") == "stated").any())
    confidence, rule = confidence_for(n_independent, contradicted, _best_reliability(doc_ids, grades), single_named)
    why = f"We hold this with {confidence} confidence, on {counted(n_independent, 'independent origin')}" + \
        (", against others that disagree." if contradicted else ".")
    parts = (_statement(phrase, clause), disagreement, _history(points), why)
    text = " ".join(t for t in parts if t)
    return {"topic": label, "text": text, "estimative_phrase": phrase, "probability_low": low,
            "probability_high": high, "credibility": best_cred, "confidence": confidence, "confidence_rule": rule,
            "n_independent_sources": n_independent, "contradiction": contradicted,
            "claim_ids": sorted(set(col(current, "claim_id").dropna())), "doc_ids": doc_ids}


def series_of(inputs: Inputs, claims: pd.DataFrame) -> pd.DataFrame:
    """The figure series of graded claims (one home for the call the briefing and the stage share)."""
    return figure_series(claims, published_by_doc(inputs), outlets_by_doc(inputs))


def key_judgments(inputs: Inputs, claims: pd.DataFrame, grades: pd.DataFrame, rec: Any = None,
                  series: pd.DataFrame | None = None) -> pd.DataFrame:
    """Up to MAX_JUDGMENTS judgments, one per series in rank order (the leading series first).

    `claims` are graded (credibility, contradiction). `rec`, the briefing's reconciliation, is no longer
    read: it is accepted so the briefing's call keeps working until it drops the argument.
    """
    series = series_of(inputs, claims) if series is None else series
    rows: list[dict[str, Any]] = []
    if len(series):
        for _, points in series.groupby("series_rank", sort=True):
            judged = series_judgment(points.reset_index(drop=True), claims, grades)
            if judged is not None:
                rows.append(judged)
            if len(rows) >= MAX_JUDGMENTS:
                break
    for rank, row in enumerate(rows, start=1):
        row["rank"], row["judgment_id"] = rank, f"J{rank}"
    return pd.DataFrame(rows, columns=JUDGMENTS.column_names)
