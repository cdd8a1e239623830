"""Key judgments: corroborated claims stated with ICD 203 likelihood words and a separate confidence."""

from __future__ import annotations

from typing import Any

import pandas as pd

from lib.core import store
from lib.core.document import snippet
from lib.core.tables import JUDGMENTS
from lib.corpus.grading import estimative_for, rule_threshold
from lib.corpus.inputs import Inputs
from lib.corpus.prose import col, fmt_number, join_names, positions_by, text_or_none

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


def _judgment(topic: str, clause: str, support: pd.DataFrame, grades: pd.DataFrame) -> dict[str, Any]:
    """One judgment from its supporting claims: likelihood from credibility, confidence by rule."""
    best_cred = int(support["credibility"].min()) if len(support) else 6
    phrase, low, high = estimative_for(best_cred)
    n_independent = int(col(support, "n_independent_sources", 1).max()) if len(support) else 0
    contradicted = bool(col(support, "contradiction", False).any()) if len(support) else False
    doc_ids = sorted(set(col(support, "doc_id").dropna()))
    single_named = bool(col(support, "source").notna().any())
    confidence, conf_rule = confidence_for(n_independent, contradicted, _best_reliability(doc_ids, grades), single_named)
    if phrase and phrase.endswith("chance"):
        text = f"We judge there is a {phrase} that {clause} ({confidence} confidence)."
    elif phrase:
        text = f"We judge it {phrase} that {clause} ({confidence} confidence)."
    else:
        text = f"We cannot judge whether {clause}: the only source is anonymous ({confidence} confidence)."
    return {"topic": topic, "text": text, "estimative_phrase": phrase, "probability_low": low,
            "probability_high": high, "credibility": best_cred, "confidence": confidence,
            "confidence_rule": conf_rule, "n_independent_sources": n_independent,
            "contradiction": contradicted, "claim_ids": sorted(set(col(support, "claim_id").dropna())),
            "doc_ids": doc_ids}


MODALITY_ADJECTIVE = {"reported": "reported", "planned": "planned", "possible": "projected"}


def _corroborated_clause(claim: dict[str, Any], n_documents: int) -> str:
    """A cluster in words a reader can check: the figure as written and one sentence stating it."""
    example = snippet(str(claim.get("sentence") or ""), 140).rstrip(".")
    figure = " ".join(w for w in (text_or_none(claim.get("value_text")), text_or_none(claim.get("unit"))) if w)
    agree = f"{n_documents} documents agree, e.g. “{example}”"
    if figure:
        kind = MODALITY_ADJECTIVE.get(text_or_none(claim.get("modality")) or "", "stated")
        return f"the {kind} figure of {figure} holds ({agree})"
    return f"the claim holds ({agree})"


def key_judgments(inputs: Inputs, claims: pd.DataFrame, grades: pd.DataFrame,
                  rec: dict[str, Any]) -> pd.DataFrame:
    """Troop judgments from the reconciliation, then the most corroborated other claim clusters."""
    rows: list[dict[str, Any]] = []
    by_id = claims.set_index("claim_id", drop=False) if len(claims) else claims

    def support(ids: list[str]) -> pd.DataFrame:
        present = [i for i in ids if len(by_id) and i in by_id.index]
        return by_id.loc[present].reset_index(drop=True) if present else claims.iloc[0:0]

    used: set[str] = set()
    best = rec["best"]
    if best and best["low"] is not None:
        clause = (f"at least {fmt_number(best['low'])} troops have been deployed, as "
                  f"{join_names(best['sources'])} reported")
        rows.append(_judgment("troop strength", clause, support(best["claim_ids"]), grades))
        used.update(best["claim_ids"])
    if rec["planned"]:
        p = rec["planned"]
        clause = f"plans exist to send up to {fmt_number(p['max'])} troops, as {join_names(p['sources'])} stated"
        rows.append(_judgment("planned deployment", clause, support(p["claim_ids"]), grades))
        used.update(p["claim_ids"])
    if len(inputs.clusters) and len(claims):
        clusters = inputs.clusters.copy()
        clusters["_n"] = pd.to_numeric(col(clusters, "n_independent_sources"), errors="coerce").fillna(1)
        clusters["_d"] = pd.to_numeric(col(clusters, "n_documents"), errors="coerce").fillna(1)
        clusters = clusters.sort_values(["_n", "_d", "cluster_id"], ascending=[False, False, True])
        member_rows = positions_by(claims, "cluster_id")
        claim_ids = col(claims, "claim_id").to_numpy()
        for cluster in store.records(clusters, ["cluster_id", "_d"]):
            if len(rows) >= MAX_JUDGMENTS:
                break
            positions = member_rows.get(cluster["cluster_id"])
            if positions is None or cluster["_d"] < 2 or set(claim_ids[positions]) & used:
                continue
            members = claims.iloc[positions]
            clause = _corroborated_clause(members.iloc[0].to_dict(), int(cluster["_d"]))
            rows.append(_judgment("corroborated claim", clause, members, grades))
            used.update(members["claim_id"])
    for rank, row in enumerate(rows, start=1):
        row["rank"], row["judgment_id"] = rank, f"J{rank}"
    return pd.DataFrame(rows, columns=JUDGMENTS.column_names)
