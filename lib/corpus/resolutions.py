"""Forecasts the corpus resolves itself: a later article, published after a forecast's horizon, that bears on it.

Why: a corpus that spans months often holds the answer to its own early forecasts. The forecasts
stage already pairs each forecast with claims of later documents that share an actor and the
event or counted thing (`forecast_evidence`); here the pairs whose document was published after
the horizon had passed become one suggested outcome per forecast, with the rule that gave it:

- reported-as-predicted ('yes'): a reported claim states the predicted event, and whether it
  happened (the claim's polarity) matches the direction the forecast predicted;
- reported-against-prediction ('no'): the same, but the direction is the opposite;
- reports-disagree ('unclear'): later reports give both answers;
- topic-only ('unclear'): later claims share the actors and topic but do not report the event.
  Silence is not an answer: a forecast nobody reports on gets no suggestion at all.

A suggestion is evidence for the researcher, never an outcome: the resolutions ledger stays theirs
and only the ledger is scored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from lib.core.tables import RESOLUTION_SUGGESTIONS
from lib.corpus.prose import col, text_or_none, to_date
from lib.extract.forecasts import HAPPENS

DECISIVE_RELATIONS = ("supports", "contradicts")


def _judged(forecast: dict[str, Any], claim: dict[str, Any], relation: str) -> tuple[str, str]:
    """(outcome, rule) for one later claim."""
    if relation not in DECISIVE_RELATIONS or (text_or_none(claim.get("modality")) or "reported") != "reported":
        return "unclear", "topic-only"
    happened = claim.get("polarity") != "negative"
    predicted = forecast.get("polarity", HAPPENS) == HAPPENS
    return ("yes", "reported-as-predicted") if happened == predicted else ("no", "reported-against-prediction")


def _later_claims(forecast: dict[str, Any], evidence: pd.DataFrame, claims: dict[str, dict[str, Any]],
                  published: dict[str, date | None]) -> list[dict[str, Any]]:
    """The forecast's evidence claims whose document came out after its horizon_end, in publication order."""
    end = to_date(forecast.get("horizon_end"))
    if end is None:
        return []
    found = []
    for claim_id, relation in zip(col(evidence, "claim_id"), col(evidence, "relation")):
        claim = claims.get(claim_id)
        day = published.get(claim["doc_id"]) if claim else None
        if day is not None and day > end:
            outcome, rule = _judged(forecast, claim, str(relation))
            found.append({**claim, "published": day, "outcome": outcome, "rule": rule})
    return sorted(found, key=lambda c: (c["published"], c["doc_id"], int(c["char_start"]), str(c["claim_id"])))


def _suggestion(forecast_id: str, later: list[dict[str, Any]]) -> dict[str, Any]:
    """One suggestion from the later claims: the first decisive one, unless they disagree."""
    decisive = [c for c in later if c["outcome"] != "unclear"]
    chosen = decisive[0] if decisive else later[0]
    outcome, rule = chosen["outcome"], chosen["rule"]
    if len({c["outcome"] for c in decisive}) > 1:
        outcome, rule = "unclear", "reports-disagree"
    return {"forecast_id": forecast_id, "outcome": outcome, "doc_id": chosen["doc_id"],
            "char_start": int(chosen["char_start"]), "char_end": int(chosen["char_end"]),
            "sentence": chosen["sentence"], "rule": rule, "claim_id": chosen["claim_id"],
            "published": chosen["published"], "n_later_claims": len(later)}


def suggest_resolutions(forecasts: pd.DataFrame, evidence: pd.DataFrame, claims: pd.DataFrame,
                        published: dict[str, date | None]) -> pd.DataFrame:
    """One suggested outcome per unresolved forecast that a post-horizon article bears on."""
    columns = RESOLUTION_SUGGESTIONS.column_names
    if forecasts.empty or evidence.empty or claims.empty:
        return pd.DataFrame(columns=columns)
    by_claim = {r["claim_id"]: r for r in claims.reindex(
        columns=["claim_id", "doc_id", "char_start", "char_end", "sentence", "modality", "polarity"]).to_dict(orient="records")}
    evidence_of = dict(tuple(evidence.groupby(col(evidence, "forecast_id"), sort=True)))
    rows = []
    for forecast in forecasts.reindex(columns=["forecast_id", "polarity", "horizon_end", "status"]).to_dict(orient="records"):
        if forecast.get("status") == "resolved" or forecast["forecast_id"] not in evidence_of:
            continue
        later = _later_claims(forecast, evidence_of[forecast["forecast_id"]], by_claim, published)
        if later:
            rows.append(_suggestion(forecast["forecast_id"], later))
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows, columns=columns).sort_values("forecast_id", kind="stable").reset_index(drop=True)
