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

import re
from datetime import date, timedelta
from typing import Any

import pandas as pd

from lib.core import store
from lib.core.document import snippet
from lib.corpus.bottom_line import bottom_line_table
from lib.corpus.forecasts import scores_by_forecaster
from lib.corpus.grading import graded_claims
from lib.corpus.inputs import Inputs, cluster_info, outlets_by_doc, published_by_doc
from lib.corpus.judgments import series_of
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
from lib.corpus.resolutions import suggest_resolutions

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


# A quotation shorter than this many words is a fragment ("world war."), whatever the extractor says.
MIN_QUOTE_WORDS = 4
SENTENCE_END = re.compile(r"[.!?][\"\u201d\u2019']?(?=\s)|\n\s*\n")


def sentence_around(text: str, start: int, end: int) -> str:
    """The writer's sentence holding text[start:end]: a partial quote reads only inside it."""
    before = [m.end() for m in SENTENCE_END.finditer(text, 0, max(start, 0))]
    after = SENTENCE_END.search(text, max(end, start))
    first = before[-1] if before else 0
    last = after.end() if after else len(text)
    return text[first:last].strip()


def _is_fragment(quote: dict[str, Any]) -> bool:
    partial = quote.get("is_partial")
    return (not is_missing(partial) and bool(partial)) or len(str(quote.get("text") or "").split()) < MIN_QUOTE_WORDS


def quote_words(quote: dict[str, Any], texts: dict[str, str]) -> str:
    """A quote as a reader should see it: the whole quotation, its trailing comma made a full stop
    ('..., he said' leaves one), or for a fragment the sentence it sits in."""
    text = str(quote.get("text") or "").strip()
    body = texts.get(quote.get("doc_id"))
    if _is_fragment(quote) and body and not is_missing(quote.get("char_start")):
        return snippet(sentence_around(body, int(quote["char_start"]), int(quote["char_end"])), 320)
    text = text.rstrip(",;: ")
    text = text if text.endswith((".", "!", "?", "…", "”")) else text + "."
    return snippet(text + "”" if text.count("“") > text.count("”") else text, 320)  # close a quote it opens


def top_quotes(inputs: Inputs, n_actors: int = 8, per_actor: int = 2) -> pd.DataFrame:
    """Who said what: the most-quoted actors, each with whole quotations first (direct before indirect),
    a fragment shown inside its sentence only when the speaker has nothing whole."""
    quotes = inputs.quotes
    columns = ["speaker", "role", "kind", "quote", "cite"]
    if quotes.empty or col(quotes, "speaker").notna().sum() == 0:
        return pd.DataFrame(columns=columns)
    quotes = quotes[col(quotes, "speaker").notna()].copy()
    counts = quotes.groupby("speaker").size().reset_index(name="n").sort_values(["n", "speaker"], ascending=[False, True])
    roles = {n: text_or_none(r) for n, r in zip(col(inputs.actors, "name"), col(inputs.actors, "role"))}
    texts = {d: str(t) for d, t in zip(col(inputs.documents, "doc_id"), col(inputs.documents, "text")) if text_or_none(t)}
    quotes["_fragment"] = [_is_fragment(q) for q in quotes.to_dict(orient="records")]
    quotes["_direct"] = col(quotes, "kind") != "direct"
    rows = []
    for speaker in counts["speaker"].head(n_actors):
        chosen = quotes[quotes["speaker"] == speaker].sort_values(["_fragment", "_direct", "doc_id", "char_start"],
                                                                  kind="stable").head(per_actor)
        for q in chosen.to_dict(orient="records"):
            rows.append({"speaker": speaker, "role": roles.get(speaker), "kind": q.get("kind"),
                         "quote": quote_words(q, texts),
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
# Bottom line


def bottom_line(inputs: Inputs, series: pd.DataFrame, claims: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The `bottom_line` table from the figure series and graded claims (lib/corpus/bottom_line.py)."""
    return bottom_line_table(inputs, series, claims, as_of, published_by_doc(inputs), outlets_by_doc(inputs))


# ---------------------------------------------------------------------------------------------
# The story over time: figure lineage and forecasts the corpus resolves


def story_tables(inputs: Inputs, claims: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """`figure_series` and `resolution_suggestions` from the loaded inputs, for the synthesis stage.

    `claims` may be the briefing's graded claims (grading them again gives the same frame); the
    series are the ones the key judgments are made from, so the table and the judgments agree.
    """
    graded = graded_claims(inputs) if claims is None else claims
    return {
        "figure_series": series_of(inputs, graded),
        "resolution_suggestions": suggest_resolutions(inputs.forecasts, inputs.evidence, inputs.claims,
                                                      published_by_doc(inputs)),
    }
