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
figures); every section then says so in words instead of failing.
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from lib import cache, report, store
from lib.schema import Table, table
from lib.pipeline import frozen_heap
from lib.text import escape_html, snippet

if TYPE_CHECKING:  # lib.dates imports dateparser, which is slow to load: import it only to parse
    from lib.dates import DateMention

DATA_DIR = Path(__file__).resolve().parent / "data"
GRADING_RULES_FILE = DATA_DIR / "grading_rules.csv"
ESTIMATIVE_FILE = DATA_DIR / "estimative_language.csv"
GAP_CHECKS_FILE = DATA_DIR / "gap_checks.csv"
DEFAULT_AS_OF = "2026-11-23"
# Reported figures within this many days of the latest one count as "as of the latest date".
RECENT_WINDOW_DAYS = 14
MAX_JUDGMENTS = 5
# The upstream tables the briefing reads (the contracts of issues 2-5), in pipeline order.
READS = ("documents", "claims", "troop_estimates", "claim_clusters", "actors", "quotes", "actor_links",
         "forecasts", "forecast_evidence")

SOURCE_GRADES = table(
    "source_grades",
    "One row per 'ok' document: who published it, when, and its Admiralty / NATO grade with the "
    "rule that produced it (scheme in lib/data/grading_rules.csv).",
    [
        ("doc_id", "VARCHAR", "documents.doc_id."),
        ("title", "VARCHAR", "Headline as ingested (display escaped)."),
        ("outlet", "VARCHAR", "Publishing outlet; NULL when the text does not name it."),
        ("author", "VARCHAR", "Byline; NULL when none."),
        ("published", "DATE", "Publication date; NULL when unknown."),
        ("published_basis", "VARCHAR", "'stated' or 'inferred' (from documents); NULL when unknown."),
        ("n_claims", "INTEGER", "Claims extracted from the document."),
        ("n_quotes", "INTEGER", "Quotes extracted from the document."),
        ("named_share", "DOUBLE", "Share of claims and quotes whose source or speaker is a named actor."),
        ("media_share", "DOUBLE", "Share of attributed claims credited to another media outlet (rewrite signal)."),
        ("corroborated_share", "DOUBLE", "Share of claims in clusters with two or more independent sources."),
        ("reliability", "VARCHAR", "Admiralty source reliability A-F (A and E are never assigned by rules)."),
        ("reliability_rule", "VARCHAR", "rule_id in grading_rules.csv that set the reliability."),
        ("credibility", "INTEGER", "Admiralty information credibility 1-6: the median claim credibility, rounded toward less credible; 6 without claims."),
        ("credibility_rule", "VARCHAR", "How the credibility was derived (median of the claims' credibility, rounded toward less credible)."),
        ("rule_text", "VARCHAR", "The reliability rule in words, for readers."),
    ],
    ["doc_id"],
)

JUDGMENTS = table(
    "judgments",
    "Key judgments of the briefing: statement, estimative phrase (ICD 203), confidence by stated "
    "rule, and the claims that support each.",
    [
        ("judgment_id", "VARCHAR", "Stable id: 'J' and the rank."),
        ("rank", "INTEGER", "Order in the briefing (1 first)."),
        ("topic", "VARCHAR", "'troop strength', 'planned deployment', 'projection' or 'corroborated claim'."),
        ("text", "VARCHAR", "The judgment as generated prose."),
        ("estimative_phrase", "VARCHAR", "ICD 203 word of estimative probability; NULL when it cannot be judged."),
        ("probability_low", "DOUBLE", "Lower bound of the phrase's band."),
        ("probability_high", "DOUBLE", "Upper bound of the phrase's band."),
        ("credibility", "INTEGER", "Best Admiralty credibility (1-6) among the supporting claims."),
        ("confidence", "VARCHAR", "'high', 'moderate' or 'low'."),
        ("confidence_rule", "VARCHAR", "rule_id in grading_rules.csv that set the confidence."),
        ("n_independent_sources", "INTEGER", "Independent sources behind the supporting claims."),
        ("contradiction", "BOOLEAN", "Whether a supporting cluster is contradicted."),
        ("claim_ids", "VARCHAR[]", "Supporting claims.claim_id."),
        ("doc_ids", "VARCHAR[]", "Documents of the supporting claims."),
    ],
    ["rank"],
)

TIMELINE = table(
    "timeline",
    "Dated events: publication dates and every date mentioned in a claim, relative dates resolved "
    "against the article's date and marked inferred.",
    [
        ("event_date", "DATE", "Start of the date (or period) mentioned."),
        ("date_end", "DATE", "End of the period (same as event_date for a day)."),
        ("basis", "VARCHAR", "'stated' (full date in the text) or 'inferred' (resolved against the publication date)."),
        ("kind", "VARCHAR", "'publication' or 'claim'."),
        ("event", "VARCHAR", "What happened: the claim sentence, or the headline for a publication."),
        ("date_text", "VARCHAR", "The date as written (NULL for publication rows)."),
        ("doc_id", "VARCHAR", "Document."),
        ("char_start", "INTEGER", "Start offset of the date (or claim for publications) in documents.text."),
        ("char_end", "INTEGER", "End offset in documents.text."),
        ("claim_id", "VARCHAR", "claims.claim_id for claim rows."),
    ],
    ["event_date", "doc_id", "char_start", "kind"],
)

GAPS = table(
    "gaps",
    "Intelligence gaps: questions the corpus does not answer, generated from what is missing.",
    [
        ("gap_id", "VARCHAR", "Stable id of the check."),
        ("question", "VARCHAR", "The unanswered question."),
        ("evidence", "VARCHAR", "What was searched and what was (not) found."),
    ],
    ["gap_id"],
)

TABLES = (SOURCE_GRADES, JUDGMENTS, TIMELINE, GAPS)


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
def _threshold(rule_id: str) -> float:
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


# ---------------------------------------------------------------------------------------------
# Reading upstream tables robustly


def _upstream_modules() -> list[Any]:
    from lib import actors, claims, forecasts, quotes

    return [actors, quotes, claims, forecasts]


def _call_build(module: Any, con, corpus, model, engine, scheduler, as_of) -> None:
    """Call a stage's build with the keywords it accepts (stages differ in what they need)."""
    build_fn = getattr(module, "build", None)
    if build_fn is None:
        return
    offered = {"model": model, "engine": engine, "scheduler": scheduler, "as_of": as_of}
    params = inspect.signature(build_fn).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    kwargs = {k: v for k, v in offered.items() if accepts_any or k in params}
    build_fn(con, corpus, **kwargs)


def ensure_upstream(con: duckdb.DuckDBPyConnection, corpus: str | Path, model: str | None = None,
                    engine: str = "local", scheduler: str | None = None,
                    as_of: str = DEFAULT_AS_OF) -> list[str]:
    """Run each upstream stage whose tables are missing; returns the tables still missing after.

    A stage that cannot write a table (or is not built yet) must not stop the briefing: its
    sections then read as empty and say so, and Checks lists what was missing.
    """
    from lib import ingest

    ingest.ensure(con, corpus)
    for module in _upstream_modules():
        declared = [t for t in getattr(module, "TABLES", ()) if t.name in READS]
        if any(not store.has_table(con, t.name) for t in declared):
            try:
                _call_build(module, con, corpus, model, engine, scheduler, as_of)
            except NotImplementedError:
                pass
    return [name for name in READS if not store.has_table(con, name)]


def _declared(name: str) -> Table | None:
    from lib.schema import all_tables

    for t in all_tables():
        if t.name == name:
            return t
    return None


def read(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """A store table by name, fully sorted when declared; an empty frame when it does not exist."""
    declared = _declared(name)
    if not store.has_table(con, name):
        return pd.DataFrame(columns=declared.column_names if declared else [])
    if declared is not None:
        try:
            return store.read_table(con, declared)
        except duckdb.Error:
            pass
    df = con.execute(f'SELECT * FROM "{name}"').df()
    return df.sort_values(list(df.columns[:3])).reset_index(drop=True) if len(df) else df


def col(df: pd.DataFrame, name: str, default: Any = None) -> pd.Series:
    """A column, or a column of `default` when an upstream table lacks it (contracts evolve)."""
    if name in df.columns:
        return df[name]
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def _positions_by(frame: pd.DataFrame, column: str) -> dict[Any, Any]:
    """Row positions per value of `column`, computed once: filtering the whole frame with `==`
    for each cluster made the judgments quadratic. Rows with a missing key are left out, as `==`
    never matched them either."""
    if not len(frame):
        return {}
    return frame.groupby(col(frame, column), sort=False).indices


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str | None:
    return None if _missing(value) or str(value).strip() == "" else str(value)


def to_date(value: Any) -> date | None:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _as_list(value: Any) -> list:
    if _missing(value) if not isinstance(value, (list, tuple)) and not hasattr(value, "tolist") else False:
        return []
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [v for v in value if not _missing(v)] if isinstance(value, (list, tuple)) else [value]


def fmt_number(value: float | None) -> str:
    if value is None or _missing(value):
        return "?"
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def fmt_range(low: Any, high: Any) -> str:
    low_s, high_s = fmt_number(low), fmt_number(high)
    if _missing(low):
        return f"up to {high_s}"
    if _missing(high) or low_s == high_s:
        return low_s
    return f"{low_s}–{high_s}"


def join_names(names: list[str], limit: int = 4) -> str:
    """'A', 'A and B', 'A, B and C'; more than `limit` names end with 'and N others'."""
    names = list(dict.fromkeys(n for n in names if n))
    if len(names) > limit:
        rest = len(names) - limit + 1
        names = names[: limit - 1] + [f"{rest} others"]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def source_label(row: dict[str, Any], outlets: dict[str, str] | None = None) -> str:
    """Who stands behind a claim, for prose: the canonical actor; else the words as written,
    marked unnamed when they name no one ("Reports (unnamed, in NBC News)"); else the publishing
    outlet when the article speaks in its own voice; else 'unattributed'."""
    named = _text(row.get("source"))
    if named:
        return named
    outlet = (outlets or {}).get(row.get("doc_id"))
    written = _text(row.get("source_text"))
    if written and row.get("attribution") == "anonymous":
        return f"{written} (unnamed, in {outlet})" if outlet else f"{written} (unnamed)"
    if written:
        return written
    return f"{outlet} (own reporting)" if outlet else "unattributed"


# The fields source_label reads.
SOURCE_FIELDS = ["source", "doc_id", "source_text", "attribution"]


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def cite(doc_id: Any, char_start: Any, char_end: Any) -> str:
    """Provenance as readers see it: document and character span of the sentence."""
    if _missing(char_start):
        return str(doc_id)
    return f"{doc_id} @{int(char_start)}–{int(char_end)}"


# ---------------------------------------------------------------------------------------------
# Source grading (Admiralty / NATO)


@dataclass
class Inputs:
    """Every upstream table the briefing reads, as DataFrames (possibly empty)."""

    documents: pd.DataFrame
    claims: pd.DataFrame
    clusters: pd.DataFrame
    troops: pd.DataFrame
    actors: pd.DataFrame
    quotes: pd.DataFrame
    links: pd.DataFrame
    forecasts: pd.DataFrame
    evidence: pd.DataFrame
    missing_tables: list[str] = field(default_factory=list)

    @property
    def ok_documents(self) -> pd.DataFrame:
        docs = self.documents
        return docs[col(docs, "status") == "ok"].reset_index(drop=True) if len(docs) else docs


def load_inputs(con: duckdb.DuckDBPyConnection, missing_tables: list[str] | None = None) -> Inputs:
    return Inputs(
        documents=read(con, "documents"), claims=read(con, "claims"), clusters=read(con, "claim_clusters"),
        troops=read(con, "troop_estimates"), actors=read(con, "actors"), quotes=read(con, "quotes"),
        links=read(con, "actor_links"), forecasts=read(con, "forecasts"),
        evidence=read(con, "forecast_evidence"), missing_tables=list(missing_tables or []),
    )


def _cluster_info(inputs: Inputs) -> dict[str, dict[str, Any]]:
    """Corroboration per cluster id: the two cluster fields the grading reads."""
    info: dict[str, dict[str, Any]] = {}
    for row in store.records(inputs.clusters, ["cluster_id", "n_independent_sources", "contradiction"]):
        info[str(row.get("cluster_id"))] = row
    return info


def claim_credibility(claim: dict[str, Any], cluster: dict[str, Any] | None) -> tuple[int, str]:
    """Admiralty information credibility of one claim, with the rule_id that set it."""
    named = _text(claim.get("source")) is not None
    n_independent = int(cluster.get("n_independent_sources") or 1) if cluster else 1
    contradicted = bool(cluster.get("contradiction")) if cluster and not _missing(cluster.get("contradiction")) else False
    hedged = len(_as_list(claim.get("hedges"))) > 0
    reported = (claim.get("modality") or "reported") == "reported"
    if contradicted and not named:
        return 5, "I-5-CONTRADICTED-ANON"
    if contradicted:
        return 4, "I-4-CONTRADICTED"
    if n_independent >= _threshold("I-1-CONFIRMED") and reported and not hedged:
        return 1, "I-1-CONFIRMED"
    if n_independent >= _threshold("I-2-CORROBORATED"):
        return 2, "I-2-CORROBORATED"
    if named:
        return 3, "I-3-SINGLE-NAMED"
    return 6, "I-6-SINGLE-ANON"


def graded_claims(inputs: Inputs) -> pd.DataFrame:
    """Claims with their cluster's corroboration and their Admiralty credibility."""
    claims = inputs.claims.copy()
    clusters = _cluster_info(inputs)
    records = store.records(claims, ["cluster_id", "source", "hedges", "modality"])
    grades, rules, n_ind, contra = [], [], [], []
    for row in records:
        cluster = clusters.get(str(row.get("cluster_id"))) if _text(row.get("cluster_id")) else None
        grade, rule = claim_credibility(row, cluster)
        grades.append(grade)
        rules.append(rule)
        n_ind.append(int(cluster.get("n_independent_sources") or 1) if cluster else 1)
        contra.append(bool(cluster.get("contradiction")) if cluster and not _missing(cluster.get("contradiction")) else False)
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
    has_byline, has_outlet = _text(doc.get("author")) is not None, _text(doc.get("outlet")) is not None
    if not has_byline and not has_outlet and n_attributed == 0 and n_named_quotes == 0:
        return "F", "R-F-NO-BASIS"
    if named_share < _threshold("R-D-ANONYMOUS") and n_named_quotes == 0:
        return "D", "R-D-ANONYMOUS"
    if not has_byline and n_attributed and media_share >= _threshold("R-D-REWRITE"):
        return "D", "R-D-REWRITE"
    if (has_byline or has_outlet) and named_share >= _threshold("R-B-NAMED-PRIMARY") and media_share < 0.5:
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
            "doc_id": doc_id, "title": _text(doc.get("title")), "outlet": _text(doc.get("outlet")),
            "author": _text(doc.get("author")), "published": to_date(doc.get("published")),
            "published_basis": _text(doc.get("published_basis")), "n_claims": n_claims, "n_quotes": n_quotes,
            "named_share": round(named_share, 3), "media_share": round(media_share, 3),
            "corroborated_share": round(corroborated, 3), "reliability": reliability,
            "reliability_rule": rule_id, "credibility": credibility, "credibility_rule": cred_rule,
            "rule_text": _rule(rule_id)["rule"],
        })
    return pd.DataFrame(rows, columns=SOURCE_GRADES.column_names)


# ---------------------------------------------------------------------------------------------
# Troop estimates: reconciliation


def _troops_with_dates(inputs: Inputs) -> pd.DataFrame:
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
    outlets = _outlets(inputs)
    troops["who"] = [source_label(r, outlets) for r in store.records(troops, SOURCE_FIELDS)]
    # The cluster is the claim's: take it from claims when the troop table does not carry it.
    by_claim = dict(zip(col(inputs.claims, "claim_id"), col(inputs.claims, "cluster_id")))
    troops["cluster_id"] = [c if _text(c) else by_claim.get(i)
                            for c, i in zip(col(troops, "cluster_id"), col(troops, "claim_id"))]
    return troops


def _outlets(inputs: Inputs) -> dict[str, str]:
    """Who speaks when an article speaks in its own voice: its outlet, else its byline."""
    docs = inputs.documents
    voices = {}
    for d, outlet, author in zip(col(docs, "doc_id"), col(docs, "outlet"), col(docs, "author")):
        if _text(outlet) or _text(author):
            voices[d] = _text(outlet) or _text(author)
    return voices


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
    clusters = _cluster_info(inputs)
    candidates = []
    for cluster_id, members in reported.groupby(col(reported, "cluster_id").fillna(reported["claim_id"].astype(str))):
        info = clusters.get(str(cluster_id), {})
        n_independent = int(info.get("n_independent_sources") or members["who"].nunique())
        low, high = _bounds(members)
        candidates.append({"n_independent": n_independent, "n_docs": int(col(members, "doc_id").nunique()),
                           "low": low, "high": high, "sources": sorted(set(members["who"])),
                           "claim_ids": sorted(set(col(members, "claim_id").dropna())),
                           "contradiction": bool(info.get("contradiction")) if not _missing(info.get("contradiction")) else False})
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
    troops = _troops_with_dates(inputs)
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


def troop_chart(inputs: Inputs):
    """Troop figures over time by source: the claims stage's chart, so the briefing and notebook
    02 show one and the same picture of the numbers."""
    from lib import claims as claims_module

    return claims_module.troop_chart(inputs.troops)


# ---------------------------------------------------------------------------------------------
# Key judgments


def confidence_for(n_independent: int, contradicted: bool, best_reliability: str | None,
                   single_named: bool) -> tuple[str, str]:
    """Confidence in a judgment (separate from its likelihood), by the first matching rule."""
    strong = best_reliability in {"A", "B"}
    if contradicted:
        return "low", "K-LOW-CONTRADICTED"
    if n_independent >= _threshold("K-HIGH") and strong:
        return "high", "K-HIGH"
    if n_independent >= _threshold("K-MODERATE") or (single_named and strong):
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
    figure = " ".join(w for w in (_text(claim.get("value_text")), _text(claim.get("unit"))) if w)
    agree = f"{n_documents} documents agree, e.g. “{example}”"
    if figure:
        kind = MODALITY_ADJECTIVE.get(_text(claim.get("modality")) or "", "stated")
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
        member_rows = _positions_by(claims, "cluster_id")
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


# ---------------------------------------------------------------------------------------------
# Contested, single-source, gaps


def _claim_view(claims: pd.DataFrame, outlets: dict[str, str] | None = None) -> pd.DataFrame:
    """Claims as readers see them: figure, source, sentence, and where it is (document @ offsets)."""
    if claims.empty:
        return pd.DataFrame(columns=["cluster", "figure", "source", "sentence", "cite"])
    return pd.DataFrame({
        "cluster": col(claims, "cluster_id"),
        "figure": [fmt_range(lo, hi) if not (_missing(lo) and _missing(hi)) else None
                   for lo, hi in zip(col(claims, "value_low"), col(claims, "value_high"))],
        "source": [source_label(r, outlets) for r in store.records(claims, SOURCE_FIELDS)],
        "sentence": [snippet(str(s), 220) for s in col(claims, "sentence", "")],
        "cite": [cite(d, s, e) for d, s, e in zip(col(claims, "doc_id"), col(claims, "char_start"), col(claims, "char_end"))],
    }).reset_index(drop=True)


def contested_claims(claims: pd.DataFrame, outlets: dict[str, str] | None = None) -> pd.DataFrame:
    """Claims in contradicted clusters, grouped by cluster so disagreeing sentences sit together."""
    if claims.empty:
        return _claim_view(claims)
    contested = claims[col(claims, "contradiction", False).fillna(False).astype(bool)]
    return _claim_view(contested.sort_values(["cluster_id", "doc_id", "char_start"]), outlets)


def single_source_claims(claims: pd.DataFrame, outlets: dict[str, str] | None = None) -> pd.DataFrame:
    """Claims resting on one independent source; those with figures first (they travel furthest)."""
    if claims.empty:
        return _claim_view(claims)
    single = claims[(col(claims, "n_independent_sources", 1) <= 1) & ~col(claims, "contradiction", False).astype(bool)].copy()
    # Durations ('30 years') and bare numbers with no counted thing are background, not claims to weigh.
    has_figure = col(single, "value_low").notna() | col(single, "value_high").notna()
    counted = col(single, "unit").notna() & (col(single, "kind") != "duration")
    single = single[~has_figure | counted]
    single["_troops"] = col(single, "is_troop_estimate", False).fillna(False).astype(bool)
    single["_has_figure"] = col(single, "value_low").notna() | col(single, "value_high").notna()
    single["_named"] = col(single, "source").notna()
    single = single.sort_values(["_troops", "_has_figure", "_named", "doc_id", "char_start"],
                                ascending=[False, False, False, True, True])
    return _claim_view(single, outlets)


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
    members = {n for n, a in zip(col(actors, "name"), col(actors, "affiliation")) if _text(a) == state}
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


# ---------------------------------------------------------------------------------------------
# Timeline


# Beside the store: each document's claim-date mentions, keyed by what they are computed from.
DATES_CACHE_FILE = "timeline_dates.json"


def _mention_json(mention: DateMention) -> list[Any]:
    return [mention.char_start, mention.char_end, mention.text, mention.start.isoformat(),
            mention.end.isoformat(), mention.basis, mention.pattern]


def _mention_from_json(values: list[Any]) -> DateMention:
    from lib.dates import DateMention

    char_start, char_end, text, start, end, basis, pattern = values
    return DateMention(char_start, char_end, text, date.fromisoformat(start), date.fromisoformat(end), basis, pattern)


def _date_parsing_version() -> list[str]:
    """What parsed dates depend on besides their input: our code and dateparser's."""
    import dateparser

    return [cache.code_version(), dateparser.__version__]


def _claim_dates(spans_by_doc: dict[Any, list[str]], published: dict[Any, date | None],
                 cache_dir: Path | None) -> dict[Any, dict[str, tuple[DateMention, ...]]]:
    """The date mentions in each claim span, per document and span.

    Date parsing is a pure function of the spans, the document's date and the code, yet it is the
    costliest cross-document step. One file beside the store keeps every document's mentions under
    a key of all three, so a re-run after one new article parses only that article's dates. One
    file, not one per document: creating a thousand small files cost more than the parsing. Fresh
    and stored mentions both go through the JSON form, so a warm run cannot differ from a cold one.
    """
    from lib import dates as dates_module

    path = cache_dir / DATES_CACHE_FILE if cache_dir is not None else None
    stored = cache.read_json(path) if path is not None and path.exists() else None
    stored = stored if isinstance(stored, dict) else {}
    version = _date_parsing_version()
    parsed_any = False
    kept: dict[str, list[Any]] = {}
    dated: dict[Any, dict[str, tuple[DateMention, ...]]] = {}
    for doc_id, spans in spans_by_doc.items():
        base = published.get(doc_id)
        key = cache.key_of(version, "timeline-dates", base, spans)
        found = stored.get(key)
        if not (isinstance(found, list) and len(found) == len(spans)):
            found = [[_mention_json(m) for m in dates_module.find_dates(span, base)] for span in spans]
            parsed_any = True
        kept[key] = found
        dated[doc_id] = {span: tuple(_mention_from_json(m) for m in ms) for span, ms in zip(spans, found)}
    # Rewrite only when something was parsed or dropped (documents no longer in the corpus).
    if path is not None and (parsed_any or kept.keys() != stored.keys()):
        cache.write_json(path, kept)
    return dated


def timeline(inputs: Inputs, cache_dir: Path | None = None) -> pd.DataFrame:
    """Publication dates and the dates mentioned in claims, relative ones resolved and marked.

    `cache_dir` (beside the store) keeps each document's parsed dates between runs; None parses all.
    """
    rows: list[dict[str, Any]] = []
    docs = inputs.ok_documents
    texts = dict(zip(col(docs, "doc_id"), col(docs, "text", "")))
    published = {d: to_date(p) for d, p in zip(col(docs, "doc_id"), col(docs, "published"))}
    for doc in store.records(docs, ["doc_id", "published_basis", "title"]):
        day = published.get(doc["doc_id"])
        if day:
            rows.append({"event_date": day, "date_end": day, "basis": _text(doc.get("published_basis")) or "stated",
                         "kind": "publication", "event": f"Published: {_text(doc.get('title')) or doc['doc_id']}",
                         "date_text": None, "doc_id": doc["doc_id"], "char_start": 0, "char_end": 0, "claim_id": None})
    claims = [c for c in store.records(inputs.claims, ["doc_id", "char_start", "char_end", "sentence", "claim_id"])
              if texts.get(c.get("doc_id")) and not _missing(c.get("char_start"))]
    spans: dict[Any, dict[str, None]] = {}  # per document, its claim spans in first-seen order
    for claim in claims:
        text = texts[claim["doc_id"]]
        spans.setdefault(claim["doc_id"], {})[text[int(claim["char_start"]):int(claim["char_end"])]] = None
    dated = _claim_dates({doc_id: list(doc_spans) for doc_id, doc_spans in spans.items()}, published, cache_dir)
    for claim in claims:
        text = texts[claim["doc_id"]]
        start, end = int(claim["char_start"]), int(claim["char_end"])
        for mention in dated[claim["doc_id"]][text[start:end]]:
            rows.append({"event_date": mention.start, "date_end": mention.end, "basis": mention.basis,
                         "kind": "claim", "event": snippet(str(claim.get("sentence") or text[start:end]), 220),
                         "date_text": mention.text, "doc_id": claim["doc_id"],
                         "char_start": start + mention.char_start, "char_end": start + mention.char_end,
                         "claim_id": claim.get("claim_id")})
    df = pd.DataFrame(rows, columns=TIMELINE.column_names)
    if df.empty:
        return df
    df = df.drop_duplicates(["doc_id", "char_start", "char_end", "kind"])
    return df.sort_values(list(TIMELINE.order_by)).reset_index(drop=True)


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
    roles = {n: _text(r) for n, r in zip(col(inputs.actors, "name"), col(inputs.actors, "role"))}
    quotes["_direct"] = col(quotes, "kind") != "direct"
    rows = []
    for speaker in counts["speaker"].head(n_actors):
        chosen = quotes[quotes["speaker"] == speaker].sort_values(["_direct", "doc_id", "char_start"]).head(per_actor)
        for q in chosen.to_dict(orient="records"):
            rows.append({"speaker": speaker, "role": roles.get(speaker), "kind": q.get("kind"),
                         "quote": snippet(str(q.get("text") or ""), 240),
                         "cite": cite(q.get("doc_id"), q.get("char_start"), q.get("char_end"))})
    return pd.DataFrame(rows, columns=columns)


def actor_network_figure(inputs: Inputs):
    """The actors helper's network figure when it exists; else a plain deterministic drawing."""
    from lib import actors as actors_module

    for name in ("network_figure", "plot_network", "actor_network_figure", "network_plot"):
        fn = getattr(actors_module, name, None)
        if callable(fn):
            try:
                return fn(inputs.actors, inputs.links)
            except Exception:
                break
    import networkx as nx

    fig = report.new_figure(8.0, 6.0)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    links = inputs.links
    if links.empty:
        ax.text(0.5, 0.5, "No links between actors in this corpus", ha="center", va="center", transform=ax.transAxes)
        return fig
    names = dict(zip(col(inputs.actors, "actor_id"), col(inputs.actors, "name")))
    graph = nx.Graph()
    for link in links.sort_values(["actor_a", "actor_b", "relation"]).to_dict(orient="records"):
        a, b = names.get(link["actor_a"], link["actor_a"]), names.get(link["actor_b"], link["actor_b"])
        weight = float(link.get("weight") or 1)
        prior = graph.get_edge_data(a, b, {}).get("weight", 0.0)
        graph.add_edge(a, b, weight=prior + weight)
    strength = dict(graph.degree(weight="weight"))
    keep = sorted(strength, key=lambda n: (-strength[n], n))[:20]
    sub = graph.subgraph(keep).copy()
    pos = nx.spring_layout(sub, seed=7, weight="weight") if len(sub) else {}
    nx.draw_networkx_edges(sub, pos, ax=ax, alpha=0.3, width=[min(1 + d["weight"] / 2, 6) for _, _, d in sub.edges(data=True)])
    nx.draw_networkx_nodes(sub, pos, ax=ax, node_size=[80 + 20 * strength[n] for n in sub.nodes], node_color="#1f4e79", alpha=0.8)
    nx.draw_networkx_labels(sub, pos, ax=ax, font_size=7)
    ax.set_title("Actors linked in the corpus (edge width: times linked; top 20 by link weight)")
    return fig


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
        "horizon": [f"{_text(t) or ''} (by {to_date(e).isoformat()})" if to_date(e) else _text(t)
                    for t, e in zip(col(due, "horizon_text"), col(due, "horizon_end"))],
        "cite": [cite(d, s, e) for d, s, e in zip(col(due, "doc_id"), col(due, "char_start"), col(due, "char_end"))],
    }).reset_index(drop=True)
    n_evidence = col(inputs.evidence, "forecast_id").value_counts()
    due_view["evidence claims"] = [int(n_evidence.get(i, 0)) for i in col(due, "forecast_id")]
    return {"summary": summary, "due": due_view, "scores": _forecast_scores(inputs, as_of)}


def _forecast_scores(inputs: Inputs, as_of: date) -> pd.DataFrame:
    """Brier scores per forecaster from the forecasts stage (one scorer, not two), as of `as_of`."""
    from lib import forecasts as forecasts_module

    scorer = getattr(forecasts_module, "scores_by_forecaster", None)
    if not callable(scorer) or inputs.forecasts.empty:
        return pd.DataFrame()
    try:
        scores = scorer(inputs.forecasts, as_of=as_of.isoformat())
    except (TypeError, ValueError, KeyError):  # a contract change or a bad ledger row: say nothing, never guess
        return pd.DataFrame()
    return scores.reset_index(drop=True) if isinstance(scores, pd.DataFrame) else pd.DataFrame()


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


def header_html(corpus: str | Path, inputs: Inputs, as_of: date) -> report.HtmlFragment:
    """The briefing's header: corpus folder name only (never a path), document count, as-of date."""
    name = Path(str(corpus)).resolve().name or str(corpus)
    n_ok, n_all = len(inputs.ok_documents), len(inputs.documents)
    dates = sorted(d for d in (to_date(p) for p in col(inputs.ok_documents, "published")) if d)
    span = f" · published {dates[0].isoformat()} – {dates[-1].isoformat()}" if dates else ""
    other = f" ({n_all - n_ok} more files duplicate or rejected)" if n_all > n_ok else ""
    return report.HtmlFragment(
        f'<header class="briefing-header" data-corpus="{escape_html(name)}" data-documents="{n_ok}" '
        f'data-as-of="{as_of.isoformat()}"><h1>Briefing: {escape_html(name)}</h1>'
        f'<p class="briefing-meta">Corpus <strong>{escape_html(name)}</strong> · {n_ok} documents{escape_html(other)}'
        f"{escape_html(span)} · as of <strong>{as_of.isoformat()}</strong></p></header>")


# ---------------------------------------------------------------------------------------------
# Checks


def checks(inputs: Inputs, grades: pd.DataFrame, judgments: pd.DataFrame, events: pd.DataFrame,
           fragments: list[str]) -> pd.DataFrame:
    """Visible sanity checks: provenance inside documents, every input accounted for, escaping."""
    lengths = {d: 0 if _missing(t) else len(t)
               for d, t in zip(col(inputs.documents, "doc_id"), col(inputs.documents, "text", ""))}
    texts = dict(zip(col(inputs.documents, "doc_id"), col(inputs.documents, "text", "")))
    results = []

    def add(name: str, passed: bool, detail: str) -> None:
        results.append({"check": name, "passed": bool(passed), "detail": detail})

    ok_ids = list(col(inputs.ok_documents, "doc_id"))
    add("every ok document graded", sorted(grades["doc_id"]) == sorted(ok_ids), f"{len(grades)} of {len(ok_ids)}")
    known = set(col(inputs.claims, "claim_id").dropna())
    cited = [c for ids in judgments["claim_ids"] for c in _as_list(ids)] if len(judgments) else []
    add("judgments cite existing claims", all(c in known for c in cited) and all(len(_as_list(i)) for i in judgments["claim_ids"]),
        f"{len(cited)} citations")
    bad = 0
    for frame in (inputs.claims, inputs.quotes, inputs.forecasts):
        for d, s, e in zip(col(frame, "doc_id"), col(frame, "char_start"), col(frame, "char_end")):
            if _missing(s) or not (0 <= int(s) <= int(e) <= lengths.get(d, -1)):
                bad += 1
    total = len(inputs.claims) + len(inputs.quotes) + len(inputs.forecasts)
    add("claims, quotes and forecasts shown have offsets inside their documents", bad == 0, f"{total - bad} of {total}")
    dated = events[events["kind"] == "claim"] if len(events) else events
    mismatched = sum(1 for r in dated.to_dict(orient="records")
                     if texts.get(r["doc_id"], "")[r["char_start"]:r["char_end"]] != r["date_text"])
    add("timeline dates found at their offsets", mismatched == 0, f"{len(dated) - mismatched} of {len(dated)}")
    raw_scripts = sum(fragment.lower().count("<script") for fragment in fragments)
    add("no raw <script> in generated HTML", raw_scripts == 0, f"{raw_scripts} found")
    add("upstream tables present", not inputs.missing_tables,
        "all present" if not inputs.missing_tables else "missing: " + ", ".join(inputs.missing_tables))
    return pd.DataFrame(results)


# ---------------------------------------------------------------------------------------------
# The briefing


@dataclass
class Briefing:
    """Everything the synthesis notebook shows, in analyst order (HTML fragments are escaped)."""

    header: report.HtmlFragment
    bottom_line_sentences: list[str]
    judgments: pd.DataFrame
    reconciliation: str
    troop_figure: Any
    troops: pd.DataFrame
    sources: pd.DataFrame
    contested: pd.DataFrame
    single_source: pd.DataFrame
    gaps: pd.DataFrame
    timeline: pd.DataFrame
    actor_figure: Any
    quotes: pd.DataFrame
    forecast_summary: pd.DataFrame
    forecasts_due: pd.DataFrame
    forecast_scores: pd.DataFrame
    forecast_text: str
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)

    # Display helpers: each returns escaped HTML, so a notebook cell ends with one call.
    @property
    def bottom_line(self) -> report.HtmlFragment:
        return report.HtmlFragment('<div class="bluf">' + report.html_paragraphs(self.bottom_line_sentences) + "</div>")

    @property
    def judgments_html(self) -> report.HtmlFragment:
        if self.judgments.empty:
            return report.html_paragraphs(["No key judgment can be made: the corpus has no corroborated claims or troop figures."])
        view = self.judgments.assign(support=[len(_as_list(c)) for c in self.judgments["claim_ids"]])
        return report.html_table(view, ["judgment_id", "text", "estimative_phrase", "confidence", "confidence_rule",
                                        "n_independent_sources", "support"],
                                 labels={"judgment_id": "#", "text": "judgment", "estimative_phrase": "likelihood (ICD 203)",
                                         "confidence_rule": "rule", "n_independent_sources": "independent sources",
                                         "support": "claims (listed below)"})

    @property
    def judgment_evidence_html(self) -> report.HtmlFragment:
        """Each judgment's supporting claims with document and sentence (provenance)."""
        return report.html_table(self._evidence, ["judgment", "figure", "source", "sentence", "cite"],
                                 labels={"cite": "document @ offsets"}, max_rows=40,
                                 empty="No supporting claims.")

    _evidence: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def reconciliation_html(self) -> report.HtmlFragment:
        return report.html_paragraphs([self.reconciliation], "reconciliation")

    @property
    def troops_html(self) -> report.HtmlFragment:
        return report.html_table(self.troops, ["date", "figure", "qualifier", "modality", "source", "sentence", "cite"],
                                 labels={"cite": "document @ offsets"}, empty="No troop figures in this corpus.")

    @property
    def sources_html(self) -> report.HtmlFragment:
        view = self.sources.assign(grade=[f"{r}{c}" for r, c in zip(self.sources["reliability"], self.sources["credibility"])],
                                   date=[_date_with_basis(p, b) for p, b in zip(self.sources["published"], self.sources["published_basis"])])
        return report.html_table(view, ["doc_id", "title", "outlet", "author", "date", "grade", "reliability_rule",
                                        "rule_text", "credibility_rule", "n_claims", "named_share"],
                                 labels={"doc_id": "document", "reliability_rule": "reliability rule",
                                         "rule_text": "why", "credibility_rule": "credibility", "n_claims": "claims",
                                         "named_share": "named sourcing"},
                                 empty="No documents.")

    @property
    def side_by_side_html(self) -> report.HtmlFragment:
        left = report.html_table(self.contested, ["cluster", "figure", "source", "sentence", "cite"],
                                 caption="Contested: sources disagree", labels={"cite": "document @ offsets"},
                                 max_rows=20, empty="No contested claims: no cluster has incompatible figures.")
        right = report.html_table(self.single_source, ["figure", "source", "sentence", "cite"],
                                  caption="Single-source: no independent corroboration",
                                  labels={"cite": "document @ offsets"}, max_rows=15, empty="No single-source claims.")
        return report.HtmlFragment(f'<div class="side-by-side"><div>{left}</div><div>{right}</div></div>')

    @property
    def gaps_html(self) -> report.HtmlFragment:
        return report.html_table(self.gaps, ["question", "evidence"], empty="No gap found by the stated checks.")

    @property
    def timeline_html(self) -> report.HtmlFragment:
        view = self.timeline.assign(when=[_date_range(s, e) for s, e in zip(self.timeline["event_date"], self.timeline["date_end"])],
                                    cite_=[cite(d, s, e) if k == "claim" else str(d) for d, s, e, k in
                                           zip(self.timeline["doc_id"], self.timeline["char_start"],
                                               self.timeline["char_end"], self.timeline["kind"])])
        return report.html_table(view, ["when", "basis", "date_text", "event", "cite_"],
                                 labels={"date_text": "as written", "cite_": "document @ offsets"},
                                 max_rows=60, empty="No dated events.")

    @property
    def quotes_html(self) -> report.HtmlFragment:
        return report.html_table(self.quotes, ["speaker", "role", "kind", "quote", "cite"],
                                 labels={"cite": "document @ offsets"}, empty="No attributed quotes.")

    @property
    def forecasts_html(self) -> report.HtmlFragment:
        parts = [report.html_paragraphs([self.forecast_text])]
        if len(self.forecast_summary):
            parts.append(report.html_table(self.forecast_summary, caption="Forecasts per forecaster by status",
                                           max_rows=12))
        if len(self.forecasts_due):
            parts.append(report.html_table(self.forecasts_due, caption="Due for resolution",
                                           labels={"cite": "document @ offsets"}, max_rows=20))
        if len(self.forecast_scores):
            parts.append(report.html_table(self.forecast_scores, caption="Scores over resolved forecasts"))
        return report.HtmlFragment("".join(parts))

    @property
    def checks_html(self) -> report.HtmlFragment:
        return report.html_table(self.checks, ["check", "passed", "detail"])


def _date_with_basis(published: Any, basis: Any) -> str | None:
    day = to_date(published)
    if day is None:
        return "undated"
    return f"{day.isoformat()} ({_text(basis) or 'basis unknown'})"


def _date_range(start: Any, end: Any) -> str:
    s, e = to_date(start), to_date(end)
    if s is None:
        return "?"
    return s.isoformat() if e is None or e == s else f"{s.isoformat()} – {e.isoformat()}"


def _troop_view(inputs: Inputs) -> pd.DataFrame:
    troops = _troops_with_dates(inputs)
    columns = ["date", "figure", "qualifier", "modality", "source", "sentence", "cite"]
    if troops.empty:
        return pd.DataFrame(columns=columns)
    troops = troops.sort_values(["effective_date", "doc_id", "claim_id"], na_position="last")
    return pd.DataFrame({
        "date": [d.isoformat() if d else "undated" for d in troops["effective_date"]],
        "figure": [f"{fmt_range(lo, hi)} {_text(u) or ''}".strip()
                   for lo, hi, u in zip(col(troops, "value_low"), col(troops, "value_high"), col(troops, "unit"))],
        "qualifier": col(troops, "qualifier"), "modality": col(troops, "modality"), "source": troops["who"],
        "sentence": [snippet(str(s), 200) for s in col(troops, "sentence", "")],
        "cite": [cite(d, s, e) for d, s, e in zip(col(troops, "doc_id"), col(troops, "char_start"), col(troops, "char_end"))],
    }).reset_index(drop=True)


def _evidence_view(judgments: pd.DataFrame, claims: pd.DataFrame, outlets: dict[str, str]) -> pd.DataFrame:
    if judgments.empty or claims.empty:
        return pd.DataFrame(columns=["judgment", "figure", "source", "sentence", "cite"])
    frames = []
    for jid, ids in zip(judgments["judgment_id"], judgments["claim_ids"]):
        support = claims[claims["claim_id"].isin(_as_list(ids))].sort_values(["doc_id", "char_start"])
        frames.append(_claim_view(support, outlets).assign(judgment=jid))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _forecast_text(inputs: Inputs, ledger: dict[str, pd.DataFrame], as_of: date) -> str:
    f = inputs.forecasts
    if f.empty:
        return "The corpus holds no forecasts, so there is nothing to track or score."
    status = col(f, "status").fillna("open")
    counts = {s: int((status == s).sum()) for s in ("open", "due", "resolved")}
    forecasters = col(f, "forecaster").dropna()
    top = forecasters.value_counts().sort_index().sort_values(ascending=False, kind="stable")
    lead = f" The most prolific forecaster is {top.index[0]} ({int(top.iloc[0])})." if len(top) else ""
    scored = " Scores are shown for the resolved ones." if counts["resolved"] and len(ledger["scores"]) else ""
    return (f"{plural(len(f), 'forecast')} from {plural(forecasters.nunique(), 'forecaster')}: as of {as_of.isoformat()}, "
            f"{counts['open']} open, {counts['due']} due for resolution and {counts['resolved']} resolved.{lead}{scored}")


def compose(inputs: Inputs, corpus: str | Path, as_of: date,
            cache_dir: Path | None = None) -> tuple[Briefing, dict[str, pd.DataFrame]]:
    """Compute the briefing and the synthesis tables from the upstream tables (no store writes;
    `cache_dir` only keeps parsed dates between runs)."""
    claims = graded_claims(inputs)
    grades = grade_sources(inputs, claims)
    rec = reconcile_troops(inputs)
    judgments = key_judgments(inputs, claims, grades, rec)
    events = timeline(inputs, cache_dir)
    gaps = intelligence_gaps(inputs, claims, as_of)
    ledger = forecast_ledger(inputs, as_of)
    briefing = Briefing(
        header=header_html(corpus, inputs, as_of),
        bottom_line_sentences=bottom_line(inputs, grades, claims, rec, ledger, as_of),
        judgments=judgments, reconciliation=reconciliation_text(rec), troop_figure=troop_chart(inputs),
        troops=_troop_view(inputs), sources=grades, contested=contested_claims(claims, _outlets(inputs)),
        single_source=single_source_claims(claims, _outlets(inputs)), gaps=gaps, timeline=events,
        actor_figure=actor_network_figure(inputs), quotes=top_quotes(inputs),
        forecast_summary=ledger["summary"], forecasts_due=ledger["due"], forecast_scores=ledger["scores"],
        forecast_text=_forecast_text(inputs, ledger, as_of),
    )
    briefing._evidence = _evidence_view(judgments, claims, _outlets(inputs))
    fragments = [briefing.header, briefing.bottom_line, briefing.judgments_html, briefing.judgment_evidence_html,
                 briefing.reconciliation_html, briefing.troops_html, briefing.sources_html,
                 briefing.side_by_side_html, briefing.gaps_html, briefing.timeline_html, briefing.quotes_html,
                 briefing.forecasts_html]
    briefing.checks = checks(inputs, grades, judgments, events, fragments)
    tables = {"source_grades": grades, "judgments": judgments, "timeline": events, "gaps": gaps}
    return briefing, tables


@frozen_heap
def build(con: duckdb.DuckDBPyConnection, corpus: str | Path, model: str | None = None, engine: str = "local",
          scheduler: str | None = None, as_of: str = DEFAULT_AS_OF) -> Briefing:
    """Ensure the upstream tables, write source_grades, judgments, timeline and gaps, return the briefing."""
    missing = ensure_upstream(con, corpus, model, engine, scheduler, as_of)
    inputs = load_inputs(con, missing)
    cache_dir = cache.cache_dir_of(con)
    briefing, tables = compose(inputs, corpus, date.fromisoformat(str(as_of)), cache_dir)
    for t in TABLES:
        store.write_table(con, t, tables[t.name])
    return briefing
