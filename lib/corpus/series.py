"""Figure lineage: every counted thing of the corpus as a series of dated points, each with its origin.

Why: news repeats figures long after they were first given. A reader who sees "3,000" in a January
article cannot tell whether it is January's count or September's retold. ACLED's practice is to
give each figure an as-of date (the date the text gives it for, not the article's) and an origin
(who first put it out), and to mark a later article that repeats an old figure as current as a
stale repeat. A series is one counted thing: counted event x counted party x unit category
("Lebanese people killed"); its label is built from the data, never named in code.

A point's status, by the first rule that applies:
- stale: it repeats an earlier figure, presents it as current (the text gives no date for it), and
  before it was published a newer, different figure had been given by the same origin or a more
  credible one (lower Admiralty credibility number);
- superseded: a later point of the series (a later as-of date, a different figure, from the same
  origin or one at least as credible) replaced it; a different origin must be later by more than
  the contradiction window, or the two simply disagree;
- repeat: it states the figure an earlier point stated, from the same origin (an anonymous repeat
  is traced to the named origin of the figure it repeats);
- new: otherwise (a first statement, or the same figure from another, independent origin).
Points of different origins whose figures disagree within the contradiction window list each other
in `conflicts_with`: neither replaces the other.

Only statements of a count enter a series: a figure with a counted event (not 'other') and a party
(or, for a toll, a noun: 'people killed'), of a running count rather than one incident ('an attack
that killed 62' is that attack's toll; `is_incident_count`), reported or planned (a projection is a forecast's business), positive, not vague, not a duration,
and not in a sentence that makes it a hypothesis, a comparison, an opinion about the number or a
standing army's size (`is_statement_of_count`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pandas as pd

from lib.core.tables import FIGURE_SERIES
from lib.corpus.claims import (
    CONTRADICTION_WINDOW_DAYS,
    compatible,
    figure_as_of,
    origin_of,
)
from lib.corpus.prose import is_missing, text_or_none, to_date
from lib.extract.figures import group_parties
from lib.extract.names import alias_book, fold

# Sentences whose figure is not a count of something that happened or is planned. These are cues
# of English grammar and of military usage, not of any story: the extractor types a figure by its
# predicate, and these catch what that typing lets through.
HYPOTHETICAL = re.compile(r"\b(would|if|unless|were to|require[sd]?|requiring|need(?:s|ed)? to)\b", re.IGNORECASE)
OPINION = re.compile(r"\bnot (?:that|so|very) many\b|\btoo (?:few|many)\b|\bonly a\b|\bis (?:not )?(?:a lot|enough|much)\b"
                     r"|\bhardly\b|\bmere\b", re.IGNORECASE)
COMPARISON = re.compile(r"\bthan\b|\bcompared (?:with|to)\b|\btimes as many\b|\btwice as\b|\blargest\b|\bbiggest\b"
                        r"|\bdeadliest\b|\bworst\b", re.IGNORECASE)
# "more than 10,000" is a floor, not a comparison: the bound is removed before COMPARISON is tried.
BOUND_THAN = re.compile(r"\b(?:more|fewer|less|greater|higher|lower|over|under)\s+than\s+(?:some\s+|about\s+)?[\d,.]+", re.IGNORECASE)
STANDING_FORCE = re.compile(r"\bstanding arm(?:y|ies)\b|\bactive[- ]duty\b|\bstrong (?:army|military)\b"
                            r"|\b(?:army|military|armed forces) of (?:about |some |around )?[\d,.]+", re.IGNORECASE)

# A toll or a salvo tied to one incident ('an attack that killed 62', 'shelled the camp on Sunday')
# counts that incident, not the running total a series follows ('have been killed since October',
# 'the war has killed', 'so far'). Incident counts stay claims; series hold running counts.
INCIDENT = re.compile(r"\b(?:attack|strike|air ?strike|drone strike|shelling|raid|bombing|explosion|blast|ambush"
                      r"|barrage|assault|clash|battle|massacre|incident)\b"
                      r"|\b(?:on|late on|early on)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
                      r"|\b(?:yesterday|overnight|last night|this morning)\b", re.IGNORECASE)
RUNNING = re.compile(r"\bsince\b|\bso far\b|\bin total\b|\btotal\b|\boverall\b|\bto date\b|\baltogether\b"
                     r"|\b(?:over|in|during) the (?:past|last)\b|\bthroughout\b|\bcumulative\b"
                     r"|\b(?:the|this|its) (?:war|conflict|fighting|campaign|offensive|invasion)\b", re.IGNORECASE)
INCIDENT_EVENTS = {"killed", "wounded", "casualties", "captured", "missing", "displaced", "evacuated",
                   "fired", "intercepted", "destroyed"}
# A count with no party is still a point when its noun says what is counted ('people killed').
PARTYLESS_EVENTS = INCIDENT_EVENTS


def is_incident_count(sentence: str, event: str | None) -> bool:
    """A count of one incident rather than a running total (see INCIDENT)."""
    return event in INCIDENT_EVENTS and INCIDENT.search(sentence) is not None and RUNNING.search(sentence) is None


# Modalities whose figures are counts: a projection ('possible') belongs to the forecasts.
COUNT_MODALITIES = ("reported", "planned")

# Nouns too generic to name what a group party counts ('crew members' of civilians read 'civilians').
GENERIC_UNITS = {"people", "person", "persons", "members", "member", "individuals", "civilians", "others"}

# Nouns that are themselves the event ('deaths' are people killed): no event word after them.
EVENT_NOUNS = {"deaths", "death", "fatalities", "casualties", "dead", "lives", "victims", "bodies", "injuries",
               "wounded", "injured", "refugees", "evacuees", "prisoners", "captives", "hostages"}
# Categories a toll's nouns fall in ('people', 'deaths', 'civilians'): one series, whatever the noun.
TOLL_CATEGORIES = {"people", "civilian", "casualties", "other"}

# How the event reads after the counted noun in a label ("soldiers planned for deployment").
EVENT_WORDS = {"planned_deployment": "planned for deployment"}


# ---------------------------------------------------------------------------------------------
# Which figures are points


def is_statement_of_count(row: dict[str, Any]) -> bool:
    """Whether a claim states a count of a counted thing (and may be judged), by the module's rules."""
    event, party = text_or_none(row.get("counted_event")), text_or_none(row.get("counted_party"))
    if event is None or event == "other":
        return False
    if party is None and (event not in PARTYLESS_EVENTS or text_or_none(row.get("unit")) is None):
        return False
    if is_missing(row.get("value_low")) and is_missing(row.get("value_high")):
        return False
    if row.get("kind") in ("duration", "measure") or row.get("unit_category") == "time" or row.get("bound") == "vague":
        return False
    if (text_or_none(row.get("modality")) or "reported") not in COUNT_MODALITIES or row.get("polarity") == "negative":
        return False
    sentence = str(row.get("sentence") or "")
    return not figure_is_framed(sentence) and not is_incident_count(sentence, event)


def figure_is_framed(sentence: str) -> bool:
    """A sentence that turns its figure into a hypothesis, comparison, opinion or army size."""
    if HYPOTHETICAL.search(sentence) or OPINION.search(sentence) or STANDING_FORCE.search(sentence):
        return True
    return bool(COMPARISON.search(BOUND_THAN.sub(" ", sentence)))


# ---------------------------------------------------------------------------------------------
# Labels


def party_words(party: str) -> str:
    """The party as a modifier: its demonym when the alias file knows one ('Lebanese'), else its name."""
    entry = alias_book().by_name.get(party)
    demonyms = list(entry.demonyms) if entry else []
    singular = [d for d in demonyms if not d.endswith("s")] or demonyms
    return singular[0] if singular else party


def label_parts(event: str, party: str, units: list[str]) -> tuple[str, str, str]:
    """(party words, noun, event words) of a series: the party's demonym or name, the series' most used
    noun, and the event, with repeats dropped ('civilians killed', not 'civilians civilians killed')."""
    counts = Counter(u for u in units if u)
    unit = min(counts, key=lambda u: (-counts[u], u)) if counts else ""
    if party in set(group_parties().values()):
        # a group word is the thing counted: 'civilians killed', 'ships destroyed', not 'civilians
        # members'; a narrower noun ('children') names the series only when every point uses it
        specific = unit and fold(unit) not in GENERIC_UNITS and len(counts) == 1 and sum(counts.values()) == len(units)
        return ("" if specific else party), (unit if specific else ""), EVENT_WORDS.get(event, event)
    who = party_words(party) if party else ""
    if unit and fold(unit) in (fold(who), fold(party)):
        unit = ""
    words = EVENT_WORDS.get(event, event)
    if unit and (fold(unit).rstrip("s") == fold(words).rstrip("s") or fold(unit) in EVENT_NOUNS):
        words = ""  # 'Russian casualties', not 'Russian casualties casualties'; 'deaths', not 'deaths killed'
    return who, unit, words


def series_label(event: str, party: str, units: list[str]) -> str:
    """'Ruritanian soldiers deployed', from the data."""
    return " ".join(w for w in label_parts(event, party, units) if w)


def series_id(event: str, party: str, category: str) -> str:
    key = f"{event}|{party}|{category}"
    return "s" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


# ---------------------------------------------------------------------------------------------
# Points


POINT_FIELDS = ("claim_id", "doc_id", "char_start", "char_end", "sentence", "kind", "value_low", "value_high",
                "bound", "value_text", "unit", "unit_category", "counted_event", "counted_party", "modality",
                "polarity", "source", "source_text", "origin", "attribution", "event_date", "event_date_basis",
                "as_of", "as_of_basis", "credibility")


def _as_of(row: dict[str, Any], published: dict[str, date | None]) -> tuple[date | None, str | None]:
    """The date the text gives the figure for (claims.as_of), else the event date, else the publication."""
    stated = to_date(row.get("as_of"))
    if stated is not None:
        return stated, text_or_none(row.get("as_of_basis")) or "published"
    day, basis = figure_as_of(row.get("event_date"), row.get("event_date_basis"), row["doc_id"], published)
    return to_date(day), basis


def _point(row: dict[str, Any], published: dict[str, date | None], outlets: dict[str, str]) -> dict[str, Any]:
    as_of, basis = _as_of(row, published)
    named = text_or_none(row.get("origin")) or text_or_none(row.get("source"))
    credibility = row.get("credibility")
    return {**{k: row.get(k) for k in POINT_FIELDS}, "as_of": as_of, "as_of_basis": basis,
            "published": published.get(row["doc_id"]),
            "origin": named or origin_of({"source": None, "doc_id": row["doc_id"]}, outlets),
            "origin_basis": "stated" if named else "unattributed",
            "credibility": 6 if is_missing(credibility) else int(credibility),
            "interval": (row.get("value_low"), row.get("value_high"))}


def _order(point: dict[str, Any]) -> tuple:
    """Publication order (what a reader had seen by then); undated articles last."""
    when = point["published"] or point["as_of"] or date.max
    return (when, point["doc_id"], int(point["char_start"]), str(point["claim_id"]))


# ---------------------------------------------------------------------------------------------
# Lineage within one series


def _link_repeats(points: list[dict[str, Any]]) -> None:
    """Each point's first earlier statement of the same figure, and the origin an anonymous repeat rests on."""
    for i, p in enumerate(points):
        root = next((q for q in points[:i] if compatible(q["interval"], p["interval"])), None)
        root = root if root is None or root["_root"] is None else root["_root"]
        p["_root"] = root
        if root is not None and p["origin_basis"] == "unattributed" and root["origin_basis"] != "unattributed":
            p["origin"], p["origin_basis"] = root["origin"], "traced"
        p["_figure_date"] = root["as_of"] if root is not None and root["as_of"] else p["as_of"]


def _replaces(newer: dict[str, Any], older: dict[str, Any]) -> bool:
    """`newer` gives a later, different figure than `older`, from the same or a credible enough origin."""
    if newer["_figure_date"] is None or older["_figure_date"] is None:
        return False
    if compatible(newer["interval"], older["interval"]):
        return False
    same = newer["origin"] == older["origin"]
    slack = 0 if same else CONTRADICTION_WINDOW_DAYS
    later = newer["_figure_date"] > older["_figure_date"] + timedelta(days=slack)
    return later and (same or newer["credibility"] <= older["credibility"])


def _is_stale(p: dict[str, Any], points: list[dict[str, Any]]) -> bool:
    """A repeat presented as current after a newer figure from the same or a more credible origin was out."""
    if p["_root"] is None or p["as_of_basis"] != "published" or p["published"] is None:
        return False
    return any(q["published"] is not None and q["published"] < p["published"] and _replaces(q, p)
               and (q["origin"] == p["origin"] or q["credibility"] < p["credibility"]) for q in points)


def _status(p: dict[str, Any], points: list[dict[str, Any]]) -> str:
    if _is_stale(p, points):
        return "stale"
    if p["superseded_by"] is not None:
        return "superseded"
    if p["_root"] is not None and p["_root"]["origin"] == p["origin"]:
        return "repeat"
    return "new"


def _superseder(p: dict[str, Any], points: list[dict[str, Any]]) -> str | None:
    later = [q for q in points if q is not p and _replaces(q, p)]
    first = min(later, key=lambda q: (q["_figure_date"], _order(q)), default=None)
    return None if first is None else str(first["claim_id"])


def _conflicts(p: dict[str, Any], points: list[dict[str, Any]]) -> list[str]:
    """Other origins' first statements of a different figure at about the same date."""
    if p["status"] in ("repeat", "stale") or p["_figure_date"] is None:
        return []
    window = timedelta(days=CONTRADICTION_WINDOW_DAYS)
    return sorted(str(q["claim_id"]) for q in points
                  if q is not p and q["status"] not in ("repeat", "stale") and q["_figure_date"] is not None
                  and q["origin"] != p["origin"] and abs(q["_figure_date"] - p["_figure_date"]) <= window
                  and not compatible(q["interval"], p["interval"]))


def lineage(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statuses, repeat links, supersession and conflicts of one series' points (in publication order)."""
    points = sorted(points, key=_order)
    _link_repeats(points)
    for p in points:
        p["superseded_by"] = _superseder(p, points)
    for p in points:
        p["status"] = _status(p, points)
    for p in points:
        p["conflicts_with"] = _conflicts(p, points)
        p["repeats_claim_id"] = None if p["_root"] is None else str(p["_root"]["claim_id"])
    return points


# ---------------------------------------------------------------------------------------------
# The table


def _rank(series: dict[str, list[dict[str, Any]]], labels: dict[str, str]) -> dict[str, int]:
    """Leading series first: most independent origins, then documents, then points, then label."""
    def key(sid: str) -> tuple:
        points = series[sid]
        return (-len({p["origin"] for p in points}), -len({p["doc_id"] for p in points}), -len(points), labels[sid])
    return {sid: rank for rank, sid in enumerate(sorted(series, key=key), start=1)}


def figure_series(claims: pd.DataFrame, published: dict[str, date | None],
                  outlets: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per point of every series (FIGURE_SERIES), from claims graded with `credibility`."""
    columns = FIGURE_SERIES.column_names
    rows = [r for r in claims.reindex(columns=list(POINT_FIELDS)).to_dict(orient="records") if is_statement_of_count(r)]
    groups: dict[str, list[dict[str, Any]]] = {}
    keys: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        category = text_or_none(row.get("unit_category")) or "other"
        if row["counted_event"] in INCIDENT_EVENTS and category in TOLL_CATEGORIES:
            category = "people"  # 'people killed', 'deaths', 'lives lost' count one thing
        key = (row["counted_event"], text_or_none(row["counted_party"]) or "", category)
        sid = series_id(*key)
        keys[sid] = key
        groups.setdefault(sid, []).append(_point(row, published, outlets or {}))
    labels = {sid: series_label(keys[sid][0], keys[sid][1], [text_or_none(p["unit"]) for p in pts])
              for sid, pts in groups.items()}
    groups = {sid: lineage(pts) for sid, pts in groups.items()}
    ranks = _rank(groups, labels)
    out = [{**p, "series_id": sid, "series_label": labels[sid], "series_rank": ranks[sid],
            "unit_category": keys[sid][2], "figure_as_of": p["_figure_date"]}
           for sid, pts in groups.items() for p in pts]
    if not out:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(out).reindex(columns=columns)
    return frame.sort_values(["series_rank", "as_of", "doc_id", "char_start", "claim_id"], kind="stable",
                             na_position="last").reset_index(drop=True)


def current_points(points: pd.DataFrame) -> pd.DataFrame:
    """A series' points that still stand (new or repeat) at its latest figure date, window included:
    what the series says now. An undated standing point stands too: nothing dates it before the
    others, and dropping it would let one dated article outvote several undated ones."""
    standing = points[points["status"].isin(["new", "repeat"])]
    dates = [to_date(d) for d in standing["figure_as_of"]]
    known = [d for d in dates if d is not None]
    if not known:
        return standing
    floor = max(known) - timedelta(days=CONTRADICTION_WINDOW_DAYS)
    return standing[[d is None or d >= floor for d in dates]]
