"""Source grading (Admiralty / NATO): reliability per document, credibility per claim, from rules kept as data."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import pandas as pd

from lib.core import store
from lib.core.config import DATA_DIR
from lib.core.tables import SOURCE_GRADES
from lib.corpus.inputs import Inputs, cluster_info
from lib.corpus.prose import as_list, col, is_missing, text_or_none, to_date

GRADING_RULES_FILE = DATA_DIR / "grading_rules.csv"


ESTIMATIVE_FILE = DATA_DIR / "estimative_language.csv"


# ---------------------------------------------------------------------------------------------
# Rules as data


@lru_cache(maxsize=1)
def grading_rules() -> pd.DataFrame:
    """The Admiralty / confidence scheme as shipped (one row per rule, in evaluation order)."""
    return pd.read_csv(GRADING_RULES_FILE, dtype={"grade": str}, keep_default_na=False)


@lru_cache(maxsize=None)
def _rules_by_id() -> dict[str, dict[str, Any]]:
    """Rules keyed by id, built once: every claim asks for a few of them."""
    return {r["rule_id"]: r for r in grading_rules().to_dict(orient="records")}


def _rule(rule_id: str) -> dict[str, Any]:
    found = _rules_by_id().get(rule_id)
    if found is None:
        raise KeyError(f"rule {rule_id} missing from {GRADING_RULES_FILE.name}")
    return dict(found)


@lru_cache(maxsize=None)
def rule_threshold(rule_id: str) -> float:
    """A rule's threshold; memoised because every claim and document asks for a few."""
    return float(_rule(rule_id)["threshold"])


@lru_cache(maxsize=1)
def estimative_scale() -> pd.DataFrame:
    return pd.read_csv(ESTIMATIVE_FILE, keep_default_na=False)


def estimative_for(credibility: int) -> tuple[str | None, float | None, float | None]:
    """ICD 203 phrase and band for an Admiralty credibility (None for 6: cannot be judged)."""
    scale = estimative_scale()
    row = scale[scale["credibility"] == int(credibility)]
    if row.empty or not row.iloc[0]["phrase"]:
        return None, None, None
    r = row.iloc[0]
    return str(r["phrase"]), float(r["probability_low"]), float(r["probability_high"])


def claim_credibility(claim: dict[str, Any], cluster: dict[str, Any] | None) -> tuple[int, str]:
    """Admiralty information credibility of one claim, with the rule_id that set it."""
    named = text_or_none(claim.get("source")) is not None
    n_independent = int(cluster.get("n_independent_sources") or 1) if cluster else 1
    contradicted = bool(cluster.get("contradiction")) if cluster and not is_missing(cluster.get("contradiction")) else False
    hedged = len(as_list(claim.get("hedges"))) > 0
    reported = (claim.get("modality") or "reported") == "reported"
    if contradicted and not named:
        return 5, "I-5-CONTRADICTED-ANON"
    if contradicted:
        return 4, "I-4-CONTRADICTED"
    if n_independent >= rule_threshold("I-1-CONFIRMED") and reported and not hedged:
        return 1, "I-1-CONFIRMED"
    if n_independent >= rule_threshold("I-2-CORROBORATED"):
        return 2, "I-2-CORROBORATED"
    if named:
        return 3, "I-3-SINGLE-NAMED"
    return 6, "I-6-SINGLE-ANON"


def graded_claims(inputs: Inputs) -> pd.DataFrame:
    """Claims with their cluster's corroboration and their Admiralty credibility."""
    claims = inputs.claims.copy()
    clusters = cluster_info(inputs)
    records = store.records(claims, ["cluster_id", "source", "hedges", "modality"])
    grades, rules, n_ind, contra = [], [], [], []
    for row in records:
        cluster = clusters.get(str(row.get("cluster_id"))) if text_or_none(row.get("cluster_id")) else None
        grade, rule = claim_credibility(row, cluster)
        grades.append(grade)
        rules.append(rule)
        n_ind.append(int(cluster.get("n_independent_sources") or 1) if cluster else 1)
        contra.append(bool(cluster.get("contradiction")) if cluster and not is_missing(cluster.get("contradiction")) else False)
    claims["credibility"] = grades
    claims["credibility_rule"] = rules
    claims["n_independent_sources"] = n_ind
    claims["contradiction"] = contra
    return claims


def _media_names(actors: pd.DataFrame) -> set[str]:
    kinds = col(actors, "kind").fillna("").astype(str).str.lower()
    return set(col(actors, "name")[kinds.str.contains("media|outlet|news")].dropna().astype(str))


def document_reliability(doc: dict[str, Any], named_share: float, media_share: float,
                         n_attributed: int, n_named_quotes: int) -> tuple[str, str]:
    """Admiralty source reliability of a document by the first matching rule."""
    has_byline, has_outlet = text_or_none(doc.get("author")) is not None, text_or_none(doc.get("outlet")) is not None
    if not has_byline and not has_outlet and n_attributed == 0 and n_named_quotes == 0:
        return "F", "R-F-NO-BASIS"
    if named_share < rule_threshold("R-D-ANONYMOUS") and n_named_quotes == 0:
        return "D", "R-D-ANONYMOUS"
    if not has_byline and n_attributed and media_share >= rule_threshold("R-D-REWRITE"):
        return "D", "R-D-REWRITE"
    if (has_byline or has_outlet) and named_share >= rule_threshold("R-B-NAMED-PRIMARY") and media_share < 0.5:
        return "B", "R-B-NAMED-PRIMARY"
    return "C", "R-C-DEFAULT"


def _claim_tallies(claims: pd.DataFrame, media: set[str]) -> dict[Any, dict[str, Any]]:
    """Per document: how many claims, how many named, attributed, credited to media, corroborated,
    and their median credibility. One grouping for all documents instead of a filter per document."""
    if not len(claims):
        return {}
    source = col(claims, "source")
    flags = pd.DataFrame({
        "doc_id": col(claims, "doc_id"),
        "named": source.notna(),
        "attributed": source.notna() | col(claims, "source_text").notna(),
        "media": source.isin(media),
        "corroborated": col(claims, "n_independent_sources", 1) >= 2,
        "credibility": claims["credibility"],
    })
    tallies = flags.groupby("doc_id", sort=False).agg(
        n=("named", "size"), named=("named", "sum"), attributed=("attributed", "sum"), media=("media", "sum"),
        corroborated=("corroborated", "mean"), credibility=("credibility", "median"))
    return tallies.to_dict(orient="index")


def _quote_tallies(quotes: pd.DataFrame) -> dict[Any, dict[str, Any]]:
    """Per document: how many quotes, and how many of them have a named speaker."""
    if not len(quotes):
        return {}
    flags = pd.DataFrame({"doc_id": col(quotes, "doc_id"), "named": col(quotes, "speaker").notna()})
    return flags.groupby("doc_id", sort=False).agg(n=("named", "size"), named=("named", "sum")).to_dict(orient="index")


# The tallies of a document without claims (or without quotes).
NO_CLAIMS = {"n": 0, "named": 0, "attributed": 0, "media": 0, "corroborated": 0.0, "credibility": None}


NO_QUOTES = {"n": 0, "named": 0}


def grade_sources(inputs: Inputs, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per 'ok' document with its Admiralty grade and the rule behind it."""
    claims = graded_claims(inputs) if claims is None else claims
    claim_tallies = _claim_tallies(claims, _media_names(inputs.actors))
    quote_tallies = _quote_tallies(inputs.quotes)
    rows = []
    documents = store.records(inputs.ok_documents, ["doc_id", "title", "outlet", "author", "published", "published_basis"])
    for doc in documents:
        doc_id = doc["doc_id"]
        dc, dq = claim_tallies.get(doc_id, NO_CLAIMS), quote_tallies.get(doc_id, NO_QUOTES)
        n_claims, n_quotes = int(dc["n"]), int(dq["n"])
        named_claims, attributed, named_quotes = int(dc["named"]), int(dc["attributed"]), int(dq["named"])
        total = n_claims + n_quotes
        named_share = (named_claims + named_quotes) / total if total else 0.0
        media_share = int(dc["media"]) / attributed if attributed else 0.0
        corroborated = float(dc["corroborated"])
        reliability, rule_id = document_reliability(doc, named_share, media_share, attributed, named_quotes)
        if n_claims:
            credibility = int(math.ceil(float(dc["credibility"])))
            cred_rule = f"median of {n_claims} claims"
        else:
            credibility, cred_rule = 6, "no claims extracted: cannot be judged"
        rows.append({
            "doc_id": doc_id, "title": text_or_none(doc.get("title")), "outlet": text_or_none(doc.get("outlet")),
            "author": text_or_none(doc.get("author")), "published": to_date(doc.get("published")),
            "published_basis": text_or_none(doc.get("published_basis")), "n_claims": n_claims, "n_quotes": n_quotes,
            "named_share": round(named_share, 3), "media_share": round(media_share, 3),
            "corroborated_share": round(corroborated, 3), "reliability": reliability,
            "reliability_rule": rule_id, "credibility": credibility, "credibility_rule": cred_rule,
            "rule_text": _rule(rule_id)["rule"],
        })
    return pd.DataFrame(rows, columns=SOURCE_GRADES.column_names)
