"""Synthesis: the analyst's briefing, computed from the store.

Why a module and not a notebook: every sentence of the briefing states corpus facts, so every
sentence is generated here from the tables (templated prose with the numbers, sources and dates
filled in). Changing the corpus changes the text; nothing is typed by hand.

Tradecraft (ICD 203): information, judgments and confidence are kept apart. A judgment carries an
estimative phrase (how likely) derived from the credibility of its supporting claims, and a separate
confidence level (how solid the basis is) derived from corroboration, source reliability and
contradiction. Sources are graded with the Admiralty / NATO code (reliability A-F for the source,
credibility 1-6 for the information). Every rule lives in lib/data/grading_rules.csv with its text,
so a reader sees WHY a grade was given, and a researcher can read (and argue with) the scheme.

Robustness: the upstream stages may write empty tables (a corpus with no forecasts, no troop
figures); every section then says so in words instead of failing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from lib.core import store
from lib.core.document import snippet
from lib.corpus.forecasts import scores_by_forecaster
from lib.corpus.inputs import Inputs, cluster_info, outlets_by_doc
from lib.corpus.prose import (
    SOURCE_FIELDS,
    cite,
    col,
    fmt_number,
    fmt_range,
    is_missing,
    join_names,
    plural,
    source_label,
    text_or_none,
    to_date,
)

# Reported figures within this many days of the latest one count as "as of the latest date".
RECENT_WINDOW_DAYS = 14


# ---------------------------------------------------------------------------------------------
# Troop estimates: reconciliation


def troops_with_dates(inputs: Inputs) -> pd.DataFrame:
    """Troop figures with an effective date: the figure's as_of, else its document's date."""
    troops = inputs.troops.copy()
    if troops.empty:
        return troops
    docs = inputs.documents
    published = {d: to_date(p) for d, p in zip(col(docs, "doc_id"), col(docs, "published"))}
    troops["effective_date"] = [to_date(a) or published.get(d)
                                for a, d in zip(col(troops, "as_of"), col(troops, "doc_id"))]
    if "attribution" not in troops.columns:  # troop_estimates does not repeat it: take the claim's
        attribution = dict(zip(col(inputs.claims, "claim_id"), col(inputs.claims, "attribution")))
        troops["attribution"] = [attribution.get(i) for i in col(troops, "claim_id")]
    outlets = outlets_by_doc(inputs)
    troops["who"] = [source_label(r, outlets) for r in store.records(troops, SOURCE_FIELDS)]
    # The cluster is the claim's: take it from claims when the troop table does not carry it.
    by_claim = dict(zip(col(inputs.claims, "claim_id"), col(inputs.claims, "cluster_id")))
    troops["cluster_id"] = [c if text_or_none(c) else by_claim.get(i)
                            for c, i in zip(col(troops, "cluster_id"), col(troops, "claim_id"))]
    return troops


def _is_headcount(troops: pd.DataFrame) -> pd.Series:
    """Figures counting people (not brigades or battalions): only those add up to a troop range."""
    category = col(troops, "unit_category").fillna("personnel").astype(str)
    return category == "personnel"


def _bounds(frame: pd.DataFrame) -> tuple[float | None, float | None]:
    """Lowest lower bound and highest upper bound of some figures (a ceiling counts as its own low)."""
    lows = pd.to_numeric(col(frame, "value_low"), errors="coerce")
    highs = pd.to_numeric(col(frame, "value_high"), errors="coerce")
    lows, highs = lows.fillna(highs), highs.fillna(lows)
    return (float(lows.min()) if lows.notna().any() else None, float(highs.max()) if highs.notna().any() else None)


def _vague_claims(inputs: Inputs) -> set[str]:
    """Claims whose figure is a vague word ('thousands'): too wide to bound a reported range."""
    bound = col(inputs.claims, "bound")
    return set(col(inputs.claims, "claim_id")[bound == "vague"].dropna())


def _best_corroborated(reported: pd.DataFrame, inputs: Inputs) -> dict[str, Any] | None:
    """The reported headcount cluster with the most independent sources (then documents, then size)."""
    clusters = cluster_info(inputs)
    candidates = []
    for cluster_id, members in reported.groupby(col(reported, "cluster_id").fillna(reported["claim_id"].astype(str))):
        info = clusters.get(str(cluster_id), {})
        n_independent = int(info.get("n_independent_sources") or members["who"].nunique())
        low, high = _bounds(members)
        candidates.append({"n_independent": n_independent, "n_docs": int(col(members, "doc_id").nunique()),
                           "low": low, "high": high, "sources": sorted(set(members["who"])),
                           "claim_ids": sorted(set(col(members, "claim_id").dropna())),
                           "contradiction": bool(info.get("contradiction")) if not is_missing(info.get("contradiction")) else False})
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c["n_independent"], c["n_docs"], c["high"] or 0, c["claim_ids"]))


def reconcile_troops(inputs: Inputs) -> dict[str, Any]:
    """What the troop figures support, kept apart by modality: reported, planned, speculation.

    Only headcounts of people enter ranges (two brigades are not two troops). The reported range
    leaves out vague words ('thousands') that would stretch it to meaninglessness. 'Latest':
    figures within RECENT_WINDOW_DAYS of the latest dated one; undated figures are counted and
    said to be undated, because without a date no trend can be read from them.
    """
    troops = troops_with_dates(inputs)
    out: dict[str, Any] = {"n": len(troops), "reported": None, "best": None, "latest": None, "n_undated": 0,
                           "planned": None, "possible": None}
    if troops.empty:
        return out
    modality = col(troops, "modality").fillna("reported")
    reported = troops[(modality == "reported") & _is_headcount(troops)]
    if len(reported):
        precise = reported[~col(reported, "claim_id").isin(_vague_claims(inputs))]
        low, high = _bounds(precise if len(precise) else reported)
        out["reported"] = {"low": low, "high": high, "n": len(reported), "sources": sorted(set(reported["who"])),
                           "claim_ids": sorted(set(col(reported, "claim_id").dropna()))}
        out["best"] = _best_corroborated(reported, inputs)
        dated = reported[reported["effective_date"].notna()]
        out["n_undated"] = len(reported) - len(dated)
        if len(dated):
            latest = max(dated["effective_date"])
            recent = dated[dated["effective_date"] >= latest - timedelta(days=RECENT_WINDOW_DAYS)]
            low, high = _bounds(recent)
            out["latest"] = {"as_of": latest, "low": low, "high": high, "sources": sorted(set(recent["who"])),
                             "claim_ids": sorted(set(col(recent, "claim_id").dropna()))}
    for kind in ("planned", "possible"):
        subset = troops[(modality == kind) & _is_headcount(troops)]
        if len(subset):
            highs = pd.to_numeric(col(subset, "value_high"), errors="coerce").fillna(
                pd.to_numeric(col(subset, "value_low"), errors="coerce"))
            top = subset.loc[highs.idxmax()] if highs.notna().any() else subset.iloc[0]
            out[kind] = {"max": float(highs.max()) if highs.notna().any() else None, "who": top["who"],
                         "sources": sorted(set(subset["who"])), "n": len(subset),
                         "claim_ids": sorted(set(col(subset, "claim_id").dropna())),
                         "docs": sorted(set(col(subset, "doc_id")))}
    return out


def _sources_phrase(names: list[str]) -> str:
    return f"{plural(len(names), 'source')}: {join_names(names)}"


def reconciliation_text(rec: dict[str, Any], unit: str = "troops") -> str:
    """The reconciliation paragraph (plain text, escaped at display)."""
    if not rec["n"]:
        return "The corpus states no troop figures, so there is nothing to reconcile."
    parts = []
    reported, best, latest = rec["reported"], rec["best"], rec["latest"]
    if reported:
        parts.append(f"Reported figures range over {fmt_range(reported['low'], reported['high'])} {unit} "
                     f"({plural(reported['n'], 'figure')} from {_sources_phrase(reported['sources'])}).")
        if best:
            parts.append(f"The best-corroborated figure is {fmt_range(best['low'], best['high'])} "
                         f"({plural(best['n_independent'], 'independent source')}; stated by {join_names(best['sources'])}).")
        if latest:
            parts.append(f"The latest dated figures, as of {latest['as_of'].isoformat()}, give "
                         f"{fmt_range(latest['low'], latest['high'])} ({join_names(latest['sources'])}).")
        if rec["n_undated"]:
            parts.append(f"{plural(rec['n_undated'], 'reported figure')} cannot be dated, so the trend over time "
                         "is uncertain.")
    else:
        parts.append("No figure is reported as fact; every figure is a plan or a projection.")
    if rec["planned"]:
        p = rec["planned"]
        parts.append(f"Plans reach {fmt_number(p['max'])} {unit} ({p['who']}); a plan is not a deployment.")
    if rec["possible"]:
        p = rec["possible"]
        parts.append(f"Projections by {join_names(p['sources'])} go as high as {fmt_number(p['max'])}: "
                     "speculation, not evidence of troops on the ground.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Actors and forecasts


def top_quotes(inputs: Inputs, n_actors: int = 8, per_actor: int = 2) -> pd.DataFrame:
    """Who said what: the most-quoted actors, each with their first quotes (direct first)."""
    quotes = inputs.quotes
    columns = ["speaker", "role", "kind", "quote", "cite"]
    if quotes.empty or col(quotes, "speaker").notna().sum() == 0:
        return pd.DataFrame(columns=columns)
    quotes = quotes[col(quotes, "speaker").notna()].copy()
    counts = quotes.groupby("speaker").size().reset_index(name="n").sort_values(["n", "speaker"], ascending=[False, True])
    roles = {n: text_or_none(r) for n, r in zip(col(inputs.actors, "name"), col(inputs.actors, "role"))}
    quotes["_direct"] = col(quotes, "kind") != "direct"
    rows = []
    for speaker in counts["speaker"].head(n_actors):
        chosen = quotes[quotes["speaker"] == speaker].sort_values(["_direct", "doc_id", "char_start"]).head(per_actor)
        for q in chosen.to_dict(orient="records"):
            rows.append({"speaker": speaker, "role": roles.get(speaker), "kind": q.get("kind"),
                         "quote": snippet(str(q.get("text") or ""), 240),
                         "cite": cite(q.get("doc_id"), q.get("char_start"), q.get("char_end"))})
    return pd.DataFrame(rows, columns=columns)


def forecast_ledger(inputs: Inputs, as_of: date) -> dict[str, pd.DataFrame]:
    """Summary per forecaster by status, the forecasts due for resolution, and scores if resolved."""
    f = inputs.forecasts
    if f.empty:
        empty = pd.DataFrame(columns=["forecaster", "n"])
        return {"summary": empty, "due": pd.DataFrame(columns=["forecaster", "statement", "horizon", "cite"]),
                "scores": pd.DataFrame()}
    f = f.copy()
    f["forecaster"] = col(f, "forecaster").fillna("unattributed")
    f["status"] = col(f, "status").fillna("open")
    summary = pd.crosstab(f["forecaster"], f["status"]).reset_index()
    summary.columns.name = None
    summary.insert(1, "n", summary.drop(columns=["forecaster"]).sum(axis=1))
    summary = summary.sort_values(["n", "forecaster"], ascending=[False, True]).reset_index(drop=True)
    due = f[f["status"] == "due"]
    due_view = pd.DataFrame({
        "forecaster": due["forecaster"], "statement": [snippet(str(s), 200) for s in col(due, "statement", "")],
        "probability": col(due, "probability_phrase"),
        "horizon": [f"{text_or_none(t) or ''} (by {to_date(e).isoformat()})" if to_date(e) else text_or_none(t)
                    for t, e in zip(col(due, "horizon_text"), col(due, "horizon_end"))],
        "cite": [cite(d, s, e) for d, s, e in zip(col(due, "doc_id"), col(due, "char_start"), col(due, "char_end"))],
    }).reset_index(drop=True)
    n_evidence = col(inputs.evidence, "forecast_id").value_counts()
    due_view["evidence claims"] = [int(n_evidence.get(i, 0)) for i in col(due, "forecast_id")]
    return {"summary": summary, "due": due_view, "scores": _forecast_scores(inputs, as_of)}


def _forecast_scores(inputs: Inputs, as_of: date) -> pd.DataFrame:
    """Brier scores per forecaster from the forecasts stage (one scorer, not two), as of `as_of`."""
    if inputs.forecasts.empty:
        return pd.DataFrame()
    return scores_by_forecaster(inputs.forecasts, as_of=as_of.isoformat()).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Bottom line and header


def bottom_line(inputs: Inputs, grades: pd.DataFrame, claims: pd.DataFrame, rec: dict[str, Any],
                ledger: dict[str, pd.DataFrame], as_of: date) -> list[str]:
    """Three to five sentences, each filled from the tables (plain text; escaped at display)."""
    sentences: list[str] = []
    reported, best, latest = rec["reported"], rec["best"], rec["latest"]
    if reported and best:
        best_range = fmt_range(best["low"], best["high"])
        sentence = (f"The best-corroborated troop figure is {best_range} "
                    f"({plural(best['n_independent'], 'independent source')}; stated by {join_names(best['sources'])})")
        reported_range = fmt_range(reported["low"], reported["high"])
        extras = [f"reported figures range over {reported_range}"] if reported_range != best_range else []
        if latest and fmt_range(latest["low"], latest["high"]) != best_range:
            extras.append(f"the latest dated ones, as of {latest['as_of'].isoformat()}, give "
                          f"{fmt_range(latest['low'], latest['high'])}")
        elif latest:
            extras.append(f"it is also the latest dated figure, as of {latest['as_of'].isoformat()}")
        sentences.append(sentence + ("; " + ", and ".join(extras) if extras else "") + ".")
    elif rec["n"]:
        sentences.append(f"The corpus gives {plural(rec['n'], 'troop figure')}, none of them reported as fact.")
    else:
        sentences.append("The corpus states no troop figures.")
    ahead = []
    if rec["planned"]:
        ahead.append(f"plans reach {fmt_number(rec['planned']['max'])} ({rec['planned']['who']})")
    if rec["possible"]:
        ahead.append(f"projections go as high as {fmt_number(rec['possible']['max'])} ({rec['possible']['who']})")
    if ahead:
        sentences.append(f"Beyond that, {' and '.join(ahead)}; these are not deployments.")
    if len(claims):
        n_contested = int(col(claims, "contradiction", False).astype(bool).sum())
        n_single = int((col(claims, "n_independent_sources", 1) <= 1).sum())
        sentences.append(f"Of {plural(len(claims), 'claim')}, {n_single} rest{'s' if n_single == 1 else ''} on a "
                         f"single source and {n_contested} {'is' if n_contested == 1 else 'are'} contested between sources.")
    f = inputs.forecasts
    if len(f):
        status = col(f, "status").fillna("open")
        n_due = int((status == "due").sum())
        sentences.append(f"Of {plural(len(f), 'forecast')} in the corpus, {n_due} {'is' if n_due == 1 else 'are'} past "
                         f"the horizon without a recorded outcome as of {as_of.isoformat()}.")
    else:
        sentences.append("The corpus holds no forecasts to track.")
    docs = inputs.ok_documents
    dates = sorted(d for d in (to_date(p) for p in col(docs, "published")) if d)
    outlets = [o for o in col(grades, "outlet").dropna()]
    span = f", published {dates[0].isoformat()} to {dates[-1].isoformat()}" if dates else ", none of them dated"
    basis = f"Based on {plural(len(docs), 'document')}"
    basis += f" from {join_names(outlets)}" if outlets else ""
    set_aside = len(inputs.documents) - len(docs)
    basis += f" ({set_aside} more {'file was' if set_aside == 1 else 'files were'} rejected or duplicate)" if set_aside else ""
    sentences.append(f"{basis}{span}.")
    return sentences[:5]
