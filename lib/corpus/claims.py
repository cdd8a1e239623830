"""Claims across documents: canonical sources, as-of dates, clusters of the same statement, independence, contradictions."""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from lib.core import quantities, store
from lib.core.document import snippet
from lib.core.tables import CLAIM_CLUSTERS
from lib.corpus.prose import to_date
from lib.corpus.registry import Registry

# ---------------------------------------------------------------------------------------------
# Cross-document: canonical sources, clusters, independence, contradictions

# Relative slack when comparing two figures: "about 10,000" and "11,000" state the same thing.
COMPATIBLE_SLACK = 0.10


# Two incompatible figures of the same thing this many days apart (or less) contradict each other;
# further apart they may simply be a count that grew.
CONTRADICTION_WINDOW_DAYS = 7


def _interval(low: Any, high: Any) -> tuple[float, float]:
    """The figure a claim puts forward: a ceiling or floor stands for its stated number.

    "up to 15,000" and "up to 100,000" are different claims even though both allow 5,000; comparing
    the stated numbers keeps them apart, while "more than 10,000" still matches "about 10,000".
    """
    low = None if low is None or (isinstance(low, float) and math.isnan(low)) else float(low)
    high = None if high is None or (isinstance(high, float) and math.isnan(high)) else float(high)
    if low is None and high is None:
        return (0.0, math.inf)
    return (low if low is not None else high, high if high is not None else low)  # type: ignore[return-value]


def compatible(a: tuple[Any, Any], b: tuple[Any, Any], slack: float = COMPATIBLE_SLACK) -> bool:
    """Two figures can describe the same count: their stated ranges overlap once widened by `slack`."""
    a_low, a_high = _interval(*a)
    b_low, b_high = _interval(*b)
    return a_low * (1 - slack) <= b_high * (1 + slack) and b_low * (1 - slack) <= a_high * (1 + slack)


def origin_of(row: Mapping[str, Any], outlets: Mapping[str, str | None]) -> str:
    """Who a claim ultimately rests on, for counting independent sources.

    A named source is its canonical actor (two documents both citing the NIS count once). An
    anonymous ("reportedly", "reports suggest") or unattributed claim rests on the outlet that
    printed it, so it counts once per outlet (per document when the outlet is unknown). Duplicates
    and syndicated copies were already removed by ingest.
    """
    source = row.get("source")
    if isinstance(source, str) and source:
        return source
    outlet = outlets.get(row["doc_id"])
    where = outlet if isinstance(outlet, str) and outlet else f"document {row['doc_id']}"
    return f"unattributed: {where}"


def independent_origins(group: pd.DataFrame | Iterable[Mapping[str, Any]],
                        outlets: Mapping[str, str | None]) -> list[str]:
    """Distinct origins of a cluster's claims (see `origin_of`); within one document, an unattributed
    restatement of a figure the same document attributes to a named source adds no origin (it is
    the author repeating that source)."""
    records = group.to_dict(orient="records") if isinstance(group, pd.DataFrame) else list(group)
    by_document: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_document.setdefault(record["doc_id"], []).append(record)
    origins: set[str] = set()
    for doc_id in sorted(by_document):
        rows = by_document[doc_id]
        named = {origin_of(r, outlets) for r in rows if isinstance(r.get("source"), str) and r.get("source")}
        origins |= named or {origin_of(r, outlets) for r in rows}
    return sorted(origins)


def _cluster_id(claim_ids: list[str]) -> str:
    return "c" + hashlib.sha1("|".join(sorted(claim_ids)).encode("utf-8")).hexdigest()[:12]


# Columns the clustering reads. A claim travels as a dict of these only: converting all ~35
# columns of 10,000 claims to dicts cost more than the clustering itself.
_CLUSTER_COLUMNS = ("claim_id", "doc_id", "char_start", "value_text", "value_low", "value_high", "event_key",
                    "modality", "polarity", "is_troop_estimate")


_OPTIONAL_COLUMNS = ("source", "unit_category", "unit", "sentence", "as_of")  # absent: None, as row.get gave


def _block_of(record: Mapping[str, Any]) -> str:
    """The blocking key: only claims with the same key are ever compared."""
    if isinstance(record["value_text"], str):
        return f"{record['event_key']}|{record['modality']}|{bool(record['is_troop_estimate'])}"
    if isinstance(record["event_key"], str):
        return f"{record['event_key']}|{record['modality']}|{record['polarity']}"
    return f"single:{record['claim_id']}"


def _block_order(record: Mapping[str, Any]) -> tuple:
    """Smallest stated figure first (complete link depends on the order), then a stable tie-break."""
    low = _interval(record["value_low"], record["value_high"])[0]
    return (low, record["doc_id"], record["char_start"], record["claim_id"])


def cluster_claims(claims: pd.DataFrame, outlets: Mapping[str, str | None]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group claims that state the same thing; return (claims with cluster_id, claim_clusters).

    Blocking, not all pairs: only claims with the same key are compared, the key being
    (what is counted or the event, modality, troop figure or not). Within a block, figures join the
    first cluster every member of which they are compatible with (complete link, so a chain of
    small steps cannot merge 1,500 with 100,000). Event claims without figures cluster on their
    event key (subject, verb, object); opposite polarity splits them.
    """
    if claims.empty:
        return claims.assign(cluster_id=pd.Series(dtype=object)), pd.DataFrame(columns=CLAIM_CLUSTERS.column_names)
    claims = claims.reset_index(drop=True)
    records = store.records(claims, _CLUSTER_COLUMNS + _OPTIONAL_COLUMNS)
    blocks: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        blocks.setdefault(_block_of(record), []).append(i)
    members: dict[str, list[int]] = {}
    for block in sorted(blocks):  # plain Python: thousands of small blocks, pandas per block is slow
        order = sorted(blocks[block], key=lambda i: _block_order(records[i]))
        for cluster in _complete_link([(i, records[i]) for i in order], block):
            members[_cluster_id([records[j]["claim_id"] for j in cluster])] = cluster
    cluster_of = {j: cid for cid, rows in members.items() for j in rows}
    claims["cluster_id"] = [cluster_of.get(j) for j in range(len(claims))]
    table_rows = [_cluster_row(cid, [records[j] for j in rows], outlets) for cid, rows in members.items()]
    _flag_contradictions(table_rows)
    public = [name for name in table_rows[0] if not name.startswith("_")]  # the rest served the flagging
    clusters = pd.DataFrame(table_rows, columns=public)
    return claims, clusters.sort_values("cluster_id").reset_index(drop=True)


def _complete_link(ordered: list[tuple[int, Mapping[str, Any]]], block: str) -> list[list[int]]:
    """Clusters of one block: each figure joins the first cluster every member of which it is
    compatible with. Compatibility with all members reduces to two numbers per cluster (the lowest
    stated top and the highest stated bottom), so each test is O(1) whatever the cluster's size.

    `ordered` comes smallest stated figure first, so a cluster whose lowest top a figure's bottom
    already exceeds (beyond the slack) can take neither that figure nor any later one: it is
    closed and never tested again. Same clusters, but a figure is tested against the few clusters
    near its value, not against every cluster of a block of hundreds."""
    clusters: list[list[int]] = []
    bounds: list[tuple[float, float]] = []  # (min of members' highs, max of members' lows)
    open_clusters: list[int] = []  # may still take a figure, in creation order (first fit wins)
    for index, row in ordered:
        low, high = _interval(row.get("value_low"), row.get("value_high"))
        if isinstance(row.get("value_text"), str):
            # Compatible with every member <=> compatible with (highest bottom, lowest top).
            open_clusters = [k for k in open_clusters if compatible((low, math.inf), (bounds[k][1], bounds[k][0]))]
            target = next((k for k in open_clusters if compatible((low, high), (bounds[k][1], bounds[k][0]))), None)
        else:  # no figure: an event joins the block's first cluster, anything else stands alone
            target = 0 if clusters and block.startswith("event:") else None
        if target is None:
            open_clusters.append(len(clusters))
            clusters.append([index])
            bounds.append((high, low))
        else:
            min_high, max_low = bounds[target]
            clusters[target].append(index)
            bounds[target] = (min(min_high, high), max(max_low, low))
    return clusters


def _cluster_row(cid: str, group: list[Mapping[str, Any]], outlets: Mapping[str, str | None]) -> dict[str, Any]:
    origins = independent_origins(group, outlets)
    first = min(group, key=lambda r: (r["doc_id"], r["char_start"]))
    lows = [v for v in (r.get("value_low") for r in group) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    highs = [v for v in (r.get("value_high") for r in group) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    has_value = isinstance(first.get("value_text"), str)
    low = min(lows) if lows else None
    high = None if (has_value and len(highs) < len(group)) else (max(highs) if highs else None)
    if has_value:
        thing = first.get("unit_category") or first.get("unit") or "figure"
        summary = f"{quantities.describe_range(low, high)} {thing} ({first['modality']})"
    else:

        summary = snippet(first["sentence"], 120)
    note = "single source: " + origins[0] if len(origins) == 1 else f"{len(origins)} independent origins"
    dates = [d for d in (to_date(r.get("as_of")) for r in group) if d]
    return {"cluster_id": cid, "summary": summary, "event_key": first.get("event_key"), "modality": first.get("modality"),
            "value_low": low, "value_high": high, "n_claims": len(group),
            "n_documents": len({r["doc_id"] for r in group}),
            "n_independent_sources": len(origins), "origins": origins, "contradiction": False, "note": note,
            "_troop": any(r.get("is_troop_estimate") is True or r.get("is_troop_estimate") == 1 for r in group),
            "_has_value": has_value,
            "_polarity": first.get("polarity"), "_dates": dates, "_days": sorted({d.toordinal() for d in dates})}


def _flag_contradictions(clusters: list[dict[str, Any]]) -> None:
    """Flag clusters of the same thing whose figures (or polarity) disagree at about the same date.

    Same thing = same event key and modality (and both troop figures or both not). Figures: the
    clusters' ranges are incompatible. Events: opposite polarity. "About the same date" = as-of dates
    within CONTRADICTION_WINDOW_DAYS; undated clusters are not compared (we cannot tell growth from
    disagreement). Sets `contradiction` and `note` of the cluster rows in place.
    """
    notes: dict[str, list[str]] = {}
    blocks: dict[tuple, list[dict[str, Any]]] = {}
    for record in clusters:  # compare within a block only, never all pairs
        if not isinstance(record["event_key"], str):
            continue  # an underspecified event is compared with nothing
        blocks.setdefault((record["event_key"], record["_troop"], record["modality"]), []).append(record)
    pairs = ((a, b) for block in blocks.values() for i, a in enumerate(block) for b in block[i + 1:])
    for a, b in pairs:
        why = _disagreement(a, b)
        close = _first_close_dates(a["_dates"], b["_dates"], b["_days"]) if why else None
        if not close:
            continue
        text = f"incompatible {why} at about the same date ({close[0].isoformat()} / {close[1].isoformat()}): " \
               f"'{a['summary']}' vs '{b['summary']}'"
        notes.setdefault(a["cluster_id"], []).append(text + f" [{b['cluster_id']}]")
        notes.setdefault(b["cluster_id"], []).append(text + f" [{a['cluster_id']}]")
    for record in clusters:
        if record["cluster_id"] in notes:
            record["contradiction"] = True
            record["note"] = "; ".join(notes[record["cluster_id"]])


def _disagreement(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """What two clusters of one block disagree on ('figures' or 'polarity'), or None."""
    if a["modality"] != b["modality"]:
        return None
    if a["_has_value"]:
        return None if compatible((a["value_low"], a["value_high"]), (b["value_low"], b["value_high"])) else "figures"
    return None if a["_polarity"] == b["_polarity"] else "polarity"


def _first_close_dates(dates_a: list[date], dates_b: list[date], days_b: list[int]) -> tuple[date, date] | None:
    """The first pair (x from a, y from b, in the members' order) at most CONTRADICTION_WINDOW_DAYS
    apart: the one the note quotes. Scanning every pair cost |a| x |b| per pair of clusters; here
    each distinct x is looked up in b's sorted days (`days_b`) and only a hit scans b for its y.
    The lookup allows one day more, so datetimes (whose difference in days rounds down) are not
    missed; the test that decides is the exact one."""
    window = CONTRADICTION_WINDOW_DAYS
    for x in dict.fromkeys(dates_a):  # a repeated x finds what its first occurrence found
        day = x.toordinal()
        k = bisect.bisect_left(days_b, day - window - 1)
        if k == len(days_b) or days_b[k] > day + window + 1:
            continue
        y = next((y for y in dates_b if abs((x - y).days) <= window), None)
        if y is not None:
            return x, y
    return None


def figure_as_of(event_date: Any, event_date_basis: Any, doc_id: str,
           published: Mapping[str, date | None]) -> tuple[str | None, str | None]:
    event = to_date(event_date)
    if event is not None:
        return event.isoformat(), f"event date ({event_date_basis})"
    pub = published.get(doc_id)
    return (pub.isoformat(), "published") if pub else (None, None)


def canonical_sources(claims: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Map document-level names (source, co-sources, origin, counted party) to corpus-wide canonical
    names through the actors registry. A name the registry does not know (a group word such as
    'civilians') stays as written."""
    claims = claims.copy()
    claims["source"] = [registry.canonical(n) if isinstance(n, str) and n else None for n in claims.source_name.tolist()]
    claims["co_sources"] = [sorted({registry.canonical(c) or c for c in (cs if isinstance(cs, (list, tuple)) else [])})
                            if cs is not None else [] for cs in claims.co_sources.tolist()]
    for column in ("origin", "counted_party"):
        if column in claims.columns:
            claims[column] = [(registry.canonical(n) or n) if isinstance(n, str) and n else None
                              for n in claims[column].tolist()]
    return claims
