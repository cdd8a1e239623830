"""Forecasts across documents: the researcher's ledger, status as of a date, Brier scores, evidence from later claims."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from lib.core.config import DEFAULT_LEDGER, REPO_DIR
from lib.core.tables import FORECAST_EVIDENCE
from lib.extract.forecasts import HAPPENS

OUTCOMES = ("yes", "no", "ambiguous", "annulled")


LEDGER_COLUMNS = ("forecast_key", "outcome", "resolved_on", "evidence", "notes", "statement")


MIN_CALIBRATION = 10  # resolved, quantified forecasts needed before a calibration table means anything


def ledger_path(resolutions: str | Path) -> Path:
    """The ledger file: as given (relative to the working directory, i.e. notebooks/ for a
    notebook), else under notebooks/ of the repository."""
    path = Path(resolutions)
    if path.is_absolute() or path.exists():
        return path
    return REPO_DIR / "notebooks" / path


def load_ledger(resolutions: str | Path = DEFAULT_LEDGER) -> pd.DataFrame:
    """The resolutions ledger, validated: a wrong outcome word or date is an error naming the
    line, because a silently ignored row would score a forecaster wrongly."""
    path = ledger_path(resolutions)
    if not path.exists():
        return pd.DataFrame(columns=list(LEDGER_COLUMNS))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("forecast_key", "outcome", "resolved_on", "evidence") if c not in df.columns]
    if missing:
        raise ValueError(f"{path.name}: missing columns {missing}; expected {list(LEDGER_COLUMNS)}")
    for column in LEDGER_COLUMNS:
        if column not in df.columns:
            df[column] = ""
    for line, record in enumerate(df.to_dict(orient="records"), start=2):
        outcome = record["outcome"].strip().lower()
        if outcome and outcome not in OUTCOMES:
            raise ValueError(f"{path.name} line {line}: outcome {record['outcome']!r} is not one of {OUTCOMES}")
        if outcome and not record["evidence"].strip():
            raise ValueError(f"{path.name} line {line}: an outcome needs evidence (a citation)")
        if record["resolved_on"].strip():
            try:
                date.fromisoformat(record["resolved_on"].strip())
            except ValueError as exc:
                raise ValueError(f"{path.name} line {line}: resolved_on must be YYYY-MM-DD") from exc
    if df["forecast_key"].duplicated().any():
        dupes = sorted(df.loc[df["forecast_key"].duplicated(), "forecast_key"])
        raise ValueError(f"{path.name}: forecast_key listed twice: {dupes}")
    df["outcome"] = df["outcome"].str.strip().str.lower()
    return df[list(LEDGER_COLUMNS)].reset_index(drop=True)


def to_date(value: Any) -> date | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text or text.lower() in {"nan", "nat", "none"}:
        return None
    return date.fromisoformat(text[:10])


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a plain list (None for each row when the frame lacks it): reading three cells
    per row through to_dict would box every column of a wide frame."""
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def with_outcomes(forecasts: pd.DataFrame, ledger: pd.DataFrame, as_of: str | date) -> pd.DataFrame:
    """Forecasts joined to their ledger rows, with `status` as of `as_of`.

    A ledger outcome dated after `as_of` does not count yet: re-running with an earlier as_of
    shows what was known then. Forecasts without a horizon never fall due by themselves.
    """
    cutoff = to_date(as_of)
    df = forecasts.copy()
    for column in ("outcome", "resolved_on", "evidence", "notes"):
        if column in df.columns:
            df = df.drop(columns=[column])
    book = ledger[["forecast_key", "outcome", "resolved_on", "evidence", "notes"]] if len(ledger) else \
        pd.DataFrame(columns=["forecast_key", "outcome", "resolved_on", "evidence", "notes"])
    df = df.merge(book, on="forecast_key", how="left")
    statuses, outcomes = [], []
    for outcome, resolved_on, horizon_end in zip(*(_column(df, c) for c in ("outcome", "resolved_on", "horizon_end"))):
        outcome = outcome if isinstance(outcome, str) and outcome else None
        resolved_on = to_date(resolved_on)
        if outcome and (resolved_on is None or cutoff is None or resolved_on <= cutoff):
            statuses.append("resolved")
            outcomes.append(outcome)
            continue
        outcomes.append(None)
        end = to_date(horizon_end)
        statuses.append("due" if end is not None and cutoff is not None and end < cutoff else "open")
    df["status"] = statuses
    df["outcome"] = outcomes
    return df


def brier_table(forecasts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Brier score per group over resolved forecasts (one-sided, 0 best, 1 worst).

    Form: (p - o)^2 with p the midpoint of the probability band of the target event and o = 1 if
    the ledger says it happened ('yes'), 0 if not ('no'). Ambiguous and annulled outcomes and
    unquantified phrases (may, could) drop out, and are counted so a reader sees what was left out.
    """
    columns = [by, "n_resolved", "n_scored", "brier", "mean_probability", "observed_rate", "n_dropped"]
    if forecasts.empty or "status" not in forecasts.columns:
        return pd.DataFrame(columns=columns)
    resolved = forecasts[forecasts["status"] == "resolved"].copy()
    if resolved.empty:
        return pd.DataFrame(columns=columns)
    resolved["p"] = (resolved["probability_low"].astype(float) + resolved["probability_high"].astype(float)) / 2
    resolved["o"] = resolved["outcome"].map({"yes": 1.0, "no": 0.0})
    rows = []
    for group, part in resolved.groupby(by, sort=True, dropna=False):
        scored = part.dropna(subset=["p", "o"])
        brier = float(((scored["p"] - scored["o"]) ** 2).mean()) if len(scored) else None
        rows.append({by: group, "n_resolved": len(part), "n_scored": len(scored),
                     "brier": None if brier is None else round(brier, 4),
                     "mean_probability": round(float(scored["p"].mean()), 4) if len(scored) else None,
                     "observed_rate": round(float(scored["o"].mean()), 4) if len(scored) else None,
                     "n_dropped": len(part) - len(scored)})
    return pd.DataFrame(rows, columns=columns).sort_values([by]).reset_index(drop=True)


def scores_by_forecaster(forecasts: pd.DataFrame, resolutions: str | Path | None = None,
                         as_of: str | date | None = None) -> pd.DataFrame:
    """Brier scores per forecaster (the table other stages show). Joins the ledger when the
    frame has no outcomes yet."""
    if "outcome" not in forecasts.columns:
        forecasts = with_outcomes(forecasts, load_ledger(resolutions or DEFAULT_LEDGER),
                                  as_of or date.max.isoformat())
    return brier_table(forecasts, "forecaster")


def calibration_table(forecasts: pd.DataFrame, minimum: int = MIN_CALIBRATION) -> pd.DataFrame:
    """Per ICD band: forecasts scored, mean stated probability and how often the event happened.
    Empty below `minimum` scored forecasts: a handful of outcomes says nothing about calibration."""
    columns = ["probability_band", "n", "mean_probability", "observed_rate"]
    if forecasts.empty or "status" not in forecasts.columns:
        return pd.DataFrame(columns=columns)
    scored = forecasts[(forecasts["status"] == "resolved") & forecasts["outcome"].isin(["yes", "no"])].dropna(
        subset=["probability_low", "probability_high"])
    if len(scored) < minimum:
        return pd.DataFrame(columns=columns)
    scored = scored.assign(p=(scored["probability_low"] + scored["probability_high"]) / 2,
                           o=(scored["outcome"] == "yes").astype(float))
    table = scored.groupby("probability_band").agg(n=("p", "size"), mean_probability=("p", "mean"),
                                                   observed_rate=("o", "mean")).reset_index()
    return table.sort_values("mean_probability").reset_index(drop=True)


def due_list(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Forecasts whose horizon has passed without an outcome: the researcher's to-do list."""
    if forecasts.empty:
        return forecasts
    due = forecasts[forecasts["status"] == "due"]
    order = [c for c in ("horizon_end", "doc_id", "char_start", "forecast_key") if c in due.columns]
    return due.sort_values(order).reset_index(drop=True)


def ledger_template(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Rows a researcher can paste into the ledger: key and statement, outcome left empty."""
    return pd.DataFrame({"forecast_key": forecasts["forecast_key"], "outcome": "", "resolved_on": "",
                         "evidence": "", "notes": "", "statement": forecasts["statement"]})


# --------------------------------------------------------------------------------------------
# Evidence suggestions from later-dated claims
# --------------------------------------------------------------------------------------------

_SUFFIXES = ("ing", "ed", "es", "s")


def str_or_empty(value: Any) -> str:
    """A text cell as str ('' for NULL/NaN): DataFrames hand missing text back as float NaN."""
    return value if isinstance(value, str) else ""


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """A crude stem so 'deploy', 'deployed', 'deploying' meet without a second parse of claims.

    Remembered: every word of every claim sentence is stemmed, and most words recur."""
    word = word.lower().strip(".,;:!?\"“”‘’'()")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


_GENERIC_EVENTS = {"be", "have", "happen", "do", "make", "get", "become", "go", "take", "see"}


def forecast_terms(row: dict[str, Any]) -> set[str]:
    """Stems of the predicted event and of the counted thing in the target (troops, sanctions)."""
    terms: set[str] = set()
    event = str_or_empty(row.get("target_event")).split()
    if event and event[-1] not in _GENERIC_EVENTS:
        terms.add(stem(event[-1]))
    for part in (str_or_empty(row.get("target_object")), str_or_empty(row.get("target_subject"))):
        words = part.split()
        for i, word in enumerate(words[:-1]):
            if re.fullmatch(r"[\d,.]+", word):  # "up to 100,000 troops": the counted noun
                terms.add(stem(words[i + 1]))
    return terms


MAX_EVIDENCE_PER_FORECAST = 5


COMMON_TERM_POSTINGS = 500


MentionIndex = dict[str, tuple[list[int], list[int], list[str]]]


FORECAST_FIELDS = ("forecast_id", "doc_id", "char_start", "char_end", "target_event", "target_object",
                   "target_subject", "polarity")


CLAIM_FIELDS = ("claim_id", "doc_id", "char_start", "char_end", "sentence", "unit", "modality")


def _records(frame: pd.DataFrame, fields: Iterable[str]) -> list[dict[str, Any]]:
    """Rows as plain dicts of the listed fields the frame has (a missing one stays absent, so
    `row.get` answers None as it would on a full row): to_dict over every column of a wide frame
    costs more than the matching it feeds."""
    present = [f for f in fields if f in frame.columns]
    return [dict(zip(present, values)) for values in zip(*(frame[f].tolist() for f in present))]


def _mention_index(mentions: pd.DataFrame, registry: Any) -> MentionIndex:
    """Per document, mention starts (sorted), ends and canonical names: a span's actors are then
    found by bisection instead of scanning every mention of the corpus for every sentence."""
    index: MentionIndex = {}
    if mentions is None or mentions.empty:
        return index
    rows = sorted(zip(mentions["doc_id"].tolist(), mentions["char_start"].tolist(), mentions["char_end"].tolist(),
                      mentions["name"].tolist()),
                  key=lambda r: (r[0], int(r[1]), int(r[2])))
    for doc_id, start, end, name in rows:
        canonical = registry.canonical(name) if registry is not None else name
        starts, ends, names = index.setdefault(doc_id, ([], [], []))
        starts.append(int(start))
        ends.append(int(end))
        names.append(canonical)
    return index


def _actors_in(index: MentionIndex, doc_id: str, start: int, end: int) -> set[str]:
    if doc_id not in index:
        return set()
    starts, ends, names = index[doc_id]
    found = set()
    for i in range(bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)):
        if ends[i] <= end and names[i]:
            found.add(names[i])
    return found


def _claim_terms(claim: dict[str, Any]) -> set[str]:
    """Stems of a claim's sentence words and of its unit."""
    terms = {stem(w) for w in str(claim.get("sentence") or "").split()}
    unit = claim.get("unit")
    if isinstance(unit, str) and unit:
        terms.add(stem(unit))
    return terms


def _postings(keyed: list[set[str]]) -> dict[str, list[int]]:
    """Inverted index: each term -> positions of the claims carrying it, ascending."""
    postings: dict[str, list[int]] = {}
    for k, keys in enumerate(keyed):
        for key in keys:
            postings.setdefault(key, []).append(k)
    return postings


@dataclass
class _ClaimPool:
    """The dated claims, with what ranking them against a forecast needs, indexed once per build."""

    rows: list[dict[str, Any]]
    dates: list[date]
    is_report: list[bool]  # modality 'reported': such claims rank first
    actors: list[set[str]]
    terms: list[set[str]]
    by_term: dict[str, list[int]]
    order: list[int]  # each claim's place in (date, claim_id) order: the ranking's last tie-breakers

    def ranked(self, f_actors: set[str], f_terms: set[str]) -> list[int]:
        """Positions of every claim sharing an actor and a distinctive term with a forecast, best
        first (reports before mere relations, then the most shared terms and actors, then the
        earliest), whatever its date.

        Candidates come from the forecast's distinctive terms: a term found in more than
        COMMON_TERM_POSTINGS claims ("troops" in a large corpus) names no particular event, and
        following it would compare every forecast with most claims (quadratic). Common terms
        still count as shared terms when ranking the candidates.
        """
        distinctive = [t for t in f_terms if 0 < len(self.by_term.get(t, ())) <= COMMON_TERM_POSTINGS]
        candidates = [k for k in set().union(*(self.by_term[t] for t in distinctive))
                      if not f_actors.isdisjoint(self.actors[k])]
        ranked = sorted((not self.is_report[k], -len(f_terms & self.terms[k]), -len(f_actors & self.actors[k]),
                         self.order[k], k) for k in candidates)
        return [k for *_, k in ranked]


def _claim_pool(claims: pd.DataFrame, index: MentionIndex, published: dict[str, date | None],
                wanted: set[str]) -> _ClaimPool:
    """Claims of dated documents, with their actors and terms; claims of undated ones cannot be
    ordered after a forecast and are left out. Only `wanted` terms (those of some forecast) are
    kept: a claim's other words can never be shared, and indexing them all was most of the cost."""
    rows = [c for c in _records(claims, CLAIM_FIELDS) if published.get(c["doc_id"]) is not None]
    dates = [published[c["doc_id"]] for c in rows]
    terms = [_claim_terms(c) & wanted for c in rows]
    order = [0] * len(rows)
    for place, k in enumerate(sorted(range(len(rows)), key=lambda k: (dates[k], rows[k]["claim_id"]))):
        order[k] = place  # the sort is stable, so equal (date, claim_id) keep their row order
    return _ClaimPool(rows=rows, dates=dates, is_report=[c.get("modality") == "reported" for c in rows],
                      actors=[_actors_in(index, c["doc_id"], int(c["char_start"]), int(c["char_end"])) for c in rows],
                      terms=terms, by_term=_postings(terms), order=order)


def _forecasts_to_match(forecasts: pd.DataFrame, index: MentionIndex, published: dict[str, date | None]
                        ) -> list[tuple[dict[str, Any], date, set[str], set[str]]]:
    """(forecast, date made, its actors, its terms) of every forecast later claims can bear on: in
    a dated document, naming an actor and an event or a counted thing."""
    found = []
    for f in _records(forecasts, FORECAST_FIELDS):
        made = published.get(f["doc_id"])
        if made is None:
            continue
        f_actors = _actors_in(index, f["doc_id"], int(f["char_start"]), int(f["char_end"]))
        f_terms = forecast_terms(f)
        if f_actors and f_terms:
            found.append((f, made, f_actors, f_terms))
    return found


def suggest_evidence(forecasts: pd.DataFrame, claims: pd.DataFrame, mentions: pd.DataFrame,
                     published: dict[str, date | None], registry: Any = None) -> pd.DataFrame:
    """Claims from documents published after a forecast's document that share an actor AND the
    event or counted thing with it.

    The relation is a suggestion: 'supports' when a reported (not planned or possible) claim
    carries the predicted event and the forecast said it would happen, 'contradicts' when it
    said it would not; otherwise 'related'. Documents without a date cannot be ordered and are
    skipped rather than guessed. Candidates come from an index of claim terms, not from every
    claim of the corpus, so the cost follows the pairs that share a term. Each forecast keeps its
    MAX_EVIDENCE_PER_FORECAST best candidates (reports before mere relations, then the most shared
    terms and actors, then the earliest): in a large corpus "North Korea" and "troops" are in
    every other sentence, and a thousand weak links per forecast would bury the telling ones.
    """
    columns = FORECAST_EVIDENCE.column_names
    if forecasts.empty or claims is None or claims.empty:
        return pd.DataFrame(columns=columns)
    index = _mention_index(mentions, registry)
    askers = _forecasts_to_match(forecasts, index, published)
    pool = _claim_pool(claims, index, published, set().union(*(f_terms for *_, f_terms in askers)))
    # Forecasts about the same actors and event share their ranked candidates (231 pairs for
    # 3,000 forecasts in a 1,000-document corpus): rank once per pair, then keep per forecast the
    # best ones published after it, which is the same as ranking only those.
    ranked_for: dict[tuple[frozenset[str], frozenset[str]], list[int]] = {}
    rows = []
    for f, made, f_actors, f_terms in askers:
        key = (frozenset(f_actors), frozenset(f_terms))
        if key not in ranked_for:
            ranked_for[key] = pool.ranked(f_actors, f_terms)
        later = (k for k in ranked_for[key] if pool.dates[k] > made)
        for k in itertools.islice(later, MAX_EVIDENCE_PER_FORECAST):
            c = pool.rows[k]  # rank first, explain later: only the kept few get a reason
            actors_shared, terms_shared = f_actors & pool.actors[k], f_terms & pool.terms[k]
            relation, reason = _relation(f, c, sorted(terms_shared))
            rows.append({"forecast_id": f["forecast_id"], "claim_id": c["claim_id"], "doc_id": c["doc_id"],
                         "relation": relation, "shared_actors": sorted(actors_shared),
                         "shared_terms": sorted(terms_shared), "reason": reason})
    return pd.DataFrame(rows, columns=columns).sort_values(["forecast_id", "claim_id"]).reset_index(drop=True) \
        if rows else pd.DataFrame(columns=columns)


def _relation(forecast: dict[str, Any], claim: dict[str, Any], terms: list[str]) -> tuple[str, str]:
    modality = str(claim.get("modality") or "")
    words = str_or_empty(forecast.get("target_event")).split()
    event = stem(words[-1]) if words else ""
    if modality == "reported" and (event in terms or any(t != event for t in terms)):
        if forecast.get("polarity") == HAPPENS:
            return "supports", f"a later report states it ({', '.join(terms)}) and the forecast said it would happen"
        return "contradicts", f"a later report states it ({', '.join(terms)}) but the forecast said it would not happen"
    return "related", f"shares actors and '{', '.join(terms)}' but the claim is {modality or 'not a report'}"


# --------------------------------------------------------------------------------------------
# The stage's build, and what the notebook shows
# --------------------------------------------------------------------------------------------

def canonical_forecasters(df: pd.DataFrame, registry: Any) -> pd.DataFrame:
    """Document-level names -> corpus-wide canonical names and actor ids (named forecasters
    only: 'analysts (unnamed)' is not an actor, and an article's voice is its author's).
    `registry` is the actors registry of the corpus' mentions, None when there are none."""
    names, ids = [], []
    for name, kind in zip(df["forecaster"].tolist(), df["forecaster_kind"].tolist()):
        canonical = registry.canonical(name) if registry is not None and kind == "named" else None
        names.append(canonical or name)
        ids.append(registry.actor_id(canonical or name) if registry is not None and kind == "named" else None)
    df = df.copy()
    df["forecaster"] = names
    df["forecaster_actor_id"] = ids
    return df
