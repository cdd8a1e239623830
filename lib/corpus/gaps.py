"""Contested and single-source claims, and intelligence gaps: what the corpus cannot tell."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import pandas as pd

from lib.core import store
from lib.core.config import DATA_DIR
from lib.core.document import snippet
from lib.core.tables import GAPS
from lib.corpus.inputs import Inputs
from lib.corpus.prose import (
    SOURCE_FIELDS,
    cite,
    col,
    fmt_range,
    is_missing,
    join_names,
    plural,
    source_label,
    text_or_none,
    to_date,
)

GAP_CHECKS_FILE = DATA_DIR / "gap_checks.csv"


# ---------------------------------------------------------------------------------------------
# Contested, single-source, gaps


def claim_view(claims: pd.DataFrame, outlets: dict[str, str] | None = None) -> pd.DataFrame:
    """Claims as readers see them: figure, source, sentence, and where it is (document @ offsets)."""
    if claims.empty:
        return pd.DataFrame(columns=["cluster", "figure", "source", "sentence", "cite"])
    return pd.DataFrame({
        "cluster": col(claims, "cluster_id"),
        "figure": [fmt_range(lo, hi) if not (is_missing(lo) and is_missing(hi)) else None
                   for lo, hi in zip(col(claims, "value_low"), col(claims, "value_high"))],
        "source": [source_label(r, outlets) for r in store.records(claims, SOURCE_FIELDS)],
        "sentence": [snippet(str(s), 220) for s in col(claims, "sentence", "")],
        "cite": [cite(d, s, e) for d, s, e in zip(col(claims, "doc_id"), col(claims, "char_start"), col(claims, "char_end"))],
    }).reset_index(drop=True)


def contested_claims(claims: pd.DataFrame, outlets: dict[str, str] | None = None) -> pd.DataFrame:
    """Claims in contradicted clusters, grouped by cluster so disagreeing sentences sit together."""
    if claims.empty:
        return claim_view(claims)
    contested = claims[col(claims, "contradiction", False).fillna(False).astype(bool)]
    return claim_view(contested.sort_values(["cluster_id", "doc_id", "char_start"]), outlets)


def single_source_claims(claims: pd.DataFrame, outlets: dict[str, str] | None = None) -> pd.DataFrame:
    """Claims resting on one independent source; those with figures first (they travel furthest)."""
    if claims.empty:
        return claim_view(claims)
    single = claims[(col(claims, "n_independent_sources", 1) <= 1) & ~col(claims, "contradiction", False).astype(bool)].copy()
    # Durations ('30 years') and bare numbers with no counted thing are background, not claims to weigh.
    has_figure = col(single, "value_low").notna() | col(single, "value_high").notna()
    counted = col(single, "unit").notna() & ~col(single, "kind").isin(["duration", "measure"])
    single = single[~has_figure | counted]
    single["_troops"] = col(single, "is_troop_estimate", False).fillna(False).astype(bool)
    single["_has_figure"] = col(single, "value_low").notna() | col(single, "value_high").notna()
    single["_named"] = col(single, "source").notna()
    single = single.sort_values(["_troops", "_has_figure", "_named", "doc_id", "char_start"],
                                ascending=[False, False, False, True, True])
    return claim_view(single, outlets)


@lru_cache(maxsize=1)
def gap_checks() -> pd.DataFrame:
    return pd.read_csv(GAP_CHECKS_FILE, keep_default_na=False)


# Verbs by which a party puts a fact on the record; "said", "denied" or "did not deny" do not.
CONFIRMING_VERBS = ("confirm", "acknowledge", "admit", "announce", "verify")


def _top_states(inputs: Inputs, limit: int) -> list[str]:
    actors = inputs.actors
    if actors.empty:
        return []
    kinds = col(actors, "kind").fillna("").astype(str).str.lower()
    states = actors[kinds.str.contains("state|country")].copy()
    states["_n"] = pd.to_numeric(col(states, "n_mentions"), errors="coerce").fillna(0)
    return list(states.sort_values(["_n", "name"], ascending=[False, True]).head(limit)["name"])


def _speaks_for(inputs: Inputs, state: str) -> set[str]:
    """The state itself and every actor the registry affiliates with it (its officials and bodies)."""
    actors = inputs.actors
    members = {n for n, a in zip(col(actors, "name"), col(actors, "affiliation")) if text_or_none(a) == state}
    return members | {state}


def _party_gaps(inputs: Inputs, claims: pd.DataFrame) -> list[dict[str, str]]:
    """For the most-mentioned states: silent ones, and the two most-mentioned that never confirm.

    In a story about what states do, the first gap is whether the parties themselves say it:
    a state that is talked about but never speaks, or speaks but never confirms on the record.
    """
    gaps = []
    voices = set(col(inputs.claims, "source").dropna()) | set(col(inputs.quotes, "speaker").dropna()) \
        | set(col(inputs.forecasts, "forecaster").dropna())
    for rank, state in enumerate(_top_states(inputs, 3)):
        speakers = _speaks_for(inputs, state)
        if not speakers & voices:
            gaps.append({"gap_id": f"silent-{state.lower().replace(' ', '-')}",
                         "question": f"What does {state} itself say?",
                         "evidence": f"{state} is among the most-mentioned states, but no claim, quote or forecast "
                                     "in the corpus is attributed to it or to its officials."})
            continue
        own = claims[col(claims, "source").isin(speakers)] if len(claims) else claims
        verbs = col(own, "reporting_verb").fillna("").astype(str).str.lower()
        if rank < 2 and len(own) and not verbs.isin(CONFIRMING_VERBS).any():
            names = sorted(set(own["source"]))
            gaps.append({"gap_id": f"unconfirmed-{state.lower().replace(' ', '-')}",
                         "question": f"Has {state} confirmed on the record what the corpus reports about it?",
                         "evidence": f"{plural(len(own), 'claim')} come from {join_names(names)}; none uses a "
                                     f"confirming verb ({', '.join(CONFIRMING_VERBS)})."})
    return gaps


def intelligence_gaps(inputs: Inputs, claims: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Questions the corpus does not answer, each generated from a search that came back empty."""
    gaps: list[dict[str, str]] = []
    sentences = [str(s) for s in col(claims, "sentence", "")]
    distinct = list(dict.fromkeys(sentences))  # several claims share a sentence: search each once
    for check in gap_checks().to_dict(orient="records"):
        pattern = re.compile(check["pattern"], re.IGNORECASE)
        matching = {s for s in distinct if pattern.search(s)}
        hits = claims[[s in matching for s in sentences]] if len(claims) else claims
        if hits.empty:
            gaps.append({"gap_id": check["gap_id"], "question": check["question"],
                         "evidence": f"None of the {len(claims)} claims matches ({check['searched']})."})
        elif col(hits, "source").nunique() <= 1 and col(hits, "doc_id").nunique() <= 1:
            gaps.append({"gap_id": check["gap_id"], "question": check["question"],
                         "evidence": f"Only {len(hits)} claim(s) in one document ({hits.iloc[0]['doc_id']}) touch it."})
    gaps.extend(_party_gaps(inputs, claims))
    docs = inputs.ok_documents
    undated = [d for d, p in zip(col(docs, "doc_id"), col(docs, "published")) if to_date(p) is None]
    if undated:
        gaps.append({"gap_id": "undated-documents", "question": "When were these documents published?",
                     "evidence": f"{len(undated)} document(s) carry no publication date: {join_names(undated)}. "
                                 "Their claims cannot be placed in time."})
    dates = [to_date(p) for p in col(docs, "published") if to_date(p)]
    if dates and (as_of - max(dates)).days > 30:
        gaps.append({"gap_id": "stale-corpus", "question": f"What has happened since {max(dates).isoformat()}?",
                     "evidence": f"The latest document is {(as_of - max(dates)).days} days older than the "
                                 f"as-of date {as_of.isoformat()}."})
    if claims.empty:
        gaps.append({"gap_id": "no-claims", "question": "What does the corpus assert?",
                     "evidence": "No checkable claim was extracted."})
    return pd.DataFrame(gaps, columns=GAPS.column_names).drop_duplicates("gap_id").reset_index(drop=True)
