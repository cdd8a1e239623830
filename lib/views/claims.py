"""What notebook 02 shows: claims per document, troop figures, corroboration, contradictions side by side."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from lib.core import quantities, store
from lib.core.document import snippet
from lib.core.tables import CLAIMS, DOCUMENTS
from lib.corpus.prose import to_date
from lib.evaluate.claims import is_missing

# ---------------------------------------------------------------------------------------------
# Displays for the notebook


def claims_per_document(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims per document by kind, and how many are troop figures."""
    if claims.empty:
        return pd.DataFrame(columns=["doc_id", "claims", "quantity", "duration", "measure", "event", "position", "troop figures"])
    counts = claims.pivot_table(index="doc_id", columns="kind", values="claim_id", aggfunc="count", fill_value=0)
    for kind in ("quantity", "duration", "measure", "event", "position"):
        if kind not in counts:
            counts[kind] = 0
    counts = counts[["quantity", "duration", "measure", "event", "position"]]
    counts.insert(0, "claims", counts.sum(axis=1))
    counts["troop figures"] = claims.groupby("doc_id").is_troop_estimate.sum().astype(int)
    return counts.reset_index().rename_axis(columns=None)


def troop_table(troops: pd.DataFrame) -> pd.DataFrame:
    """The troop estimates as an analyst reads them: figure, what, modality, who, as of, sentence."""

    return pd.DataFrame({
        "document": troops.doc_id,
        "figure": [quantities.describe_range(None if is_missing(lo) else lo, None if is_missing(hi) else hi)
                   for lo, hi in zip(troops.value_low, troops.value_high)],
        "as written": troops.qualifier.fillna(""),
        "unit": troops.unit,
        "counted": [" ".join(str(v) for v in (party, event) if isinstance(v, str)) or "–"
                    for party, event in zip(troops.counted_party, troops.counted_event)],
        "modality": troops.modality,
        "source": [s if isinstance(s, str) else f"({t})" if isinstance(t, str) else "(author)"
                   for s, t in zip(troops.source, troops.source_text)],
        "as of": [to_date(d).isoformat() if to_date(d) is not None else "undated" for d in troops.as_of],
        "sentence": [snippet(s, 110) for s in troops.sentence],
    }).reset_index(drop=True)


def corroboration_table(clusters: pd.DataFrame, troops: pd.DataFrame) -> pd.DataFrame:
    """Troop-figure clusters with how many independent origins stand behind them, single-source first."""
    figures = clusters[clusters.cluster_id.isin(set(troops.cluster_id))]
    table_ = figures.sort_values(["n_independent_sources", "n_documents", "cluster_id"])
    return pd.DataFrame({
        "cluster": table_.cluster_id, "states": table_.summary, "documents": table_.n_documents,
        "independent origins": table_.n_independent_sources,
        "origins": ["; ".join(o) for o in table_.origins],
        "single source": table_.n_independent_sources == 1,
    }).reset_index(drop=True)


def contradictions_side_by_side(claims: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """Each flagged pair of clusters with one sentence of each, side by side."""
    flagged = clusters[clusters.contradiction]
    pairs = []
    seen: set[tuple[str, str]] = set()
    for row in flagged.itertuples():
        for other in re.findall(r"\[(c[0-9a-f]+)\]", row.note or ""):
            key = tuple(sorted((row.cluster_id, other)))
            if key in seen:
                continue
            seen.add(key)  # type: ignore[arg-type]
            a = claims[claims.cluster_id == key[0]].iloc[0]
            b = claims[claims.cluster_id == key[1]].iloc[0]
            pairs.append({"claim A": f"{a.sentence} [{a.doc_id}; {a.source or a.source_text or 'author'}]",
                          "claim B": f"{b.sentence} [{b.doc_id}; {b.source or b.source_text or 'author'}]",
                          "why": row.note})
    return pd.DataFrame(pairs, columns=["claim A", "claim B", "why"])


def vague_ranges_table() -> pd.DataFrame:
    """The one documented table of ranges given to vague words, with composed examples."""
    rows = [{"phrase": p, "value_low": lo, "value_high": hi, "note": note} for p, (lo, hi, note) in quantities.vague_table().items()]
    for example in ("a few thousand", "several hundred", "tens of thousands", "hundreds of thousands"):
        q = quantities.parse_quantity(example)
        if q is not None:
            rows.append({"phrase": example, "value_low": q.value_low, "value_high": q.value_high,
                         "note": "composed: the vague range times the scale word"})
    return pd.DataFrame(rows)


# A mark of the troop chart: ("bar", x, bottom, top, colour) or ("point" | "cap", x, y, marker, colour).
Mark = tuple[str, float, float, Any, str]


def offsets_check(con: Any) -> pd.DataFrame:
    """Every claim's sentence and figure lie where its offsets say in documents.text."""

    claims = store.read_table(con, CLAIMS)
    texts = dict(store.read_table(con, DOCUMENTS)[["doc_id", "text"]].itertuples(index=False, name=None))
    sentence_ok = [texts[r.doc_id][r.char_start:r.char_end] == r.sentence for r in claims.itertuples()]
    value_ok = [is_missing(r.value_start) or texts[r.doc_id][int(r.value_start):int(r.value_end)] == r.value_text
                for r in claims.itertuples()]
    return pd.DataFrame([{"check": "sentence == text[char_start:char_end]", "rows": len(claims), "failures": len(claims) - sum(sentence_ok)},
                         {"check": "value_text == text[value_start:value_end]", "rows": len(claims), "failures": len(claims) - sum(value_ok)}])


def troop_summary_markdown(troops: pd.DataFrame, clusters: pd.DataFrame) -> str:
    """One generated paragraph on the troop figures (corpus facts are never typed into notebooks)."""
    if troops.empty:
        return "No troop figures were found."
    by_modality = troops.modality.value_counts().reindex(["reported", "planned", "possible"]).fillna(0).astype(int)
    single = clusters[clusters.cluster_id.isin(set(troops.cluster_id)) & (clusters.n_independent_sources == 1)]
    flagged = clusters[clusters.cluster_id.isin(set(troops.cluster_id)) & clusters.contradiction]
    named = troops.source.dropna().nunique()
    return (f"{len(troops)} troop figures in {troops.doc_id.nunique()} documents: "
            f"{by_modality['reported']} reported, {by_modality['planned']} planned, {by_modality['possible']} possible; "
            f"{named} named sources stand behind them, {troops.source.isna().sum()} rest on anonymous reports "
            f"or the author. {len(single)} of {troops.cluster_id.nunique()} figure clusters rest on a single origin; "
            f"{len(flagged)} are flagged as contradicting another.")
