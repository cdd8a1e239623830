"""The dating scorer: `dating.date_corpus` against gold lines with true publication dates
(lib/data/gold/dates_composed.jsonl), one corpus at a time since weekday anchors and corpus years
come from the other documents."""

from __future__ import annotations

from datetime import date

from lib.ingest.dating import DateFinding, date_corpus


def _outcome(finding: DateFinding, truth: date) -> str:
    if finding.published is not None:
        return "exact" if finding.published == truth else "wrong"
    if finding.earliest and finding.latest:
        return "window" if finding.earliest <= truth <= finding.latest else "wrong window"
    if finding.earliest and finding.earliest > truth:
        return "wrong bound"
    return "undated"


def _split_scores(items: list[tuple[dict, DateFinding]]) -> dict:
    """Shares over the split; 'correct' also counts an article without evidence left undated
    (the right answer there), and 'lower_bound_only' the articles given only a true `earliest`."""
    outcomes = [(g, f, _outcome(f, date.fromisoformat(g["true_published"]))) for g, f in items]
    with_evidence = [o for o in outcomes if o[0]["evidence"] != "none"]
    abstained = [o for o in outcomes if o[0]["evidence"] == "none" and o[2] == "undated"]
    n = max(len(outcomes), 1)
    return {
        "n": len(outcomes),
        "n_with_evidence": len(with_evidence),
        "dated_exactly": sum(o[2] == "exact" for o in outcomes) / n,
        "windowed_correctly": sum(o[2] == "window" for o in outcomes) / n,
        "dated_or_windowed": sum(o[2] in ("exact", "window") for o in outcomes) / n,
        "dated_or_windowed_with_evidence": sum(o[2] in ("exact", "window") for o in with_evidence) / max(len(with_evidence), 1),
        "correct": (sum(o[2] in ("exact", "window") for o in outcomes) + len(abstained)) / n,
        "lower_bound_only": sum(o[2] == "undated" and o[1].earliest is not None for o in with_evidence),
        "wrong_stated": sum(o[2] == "wrong" and o[1].stated for o in outcomes),
        "wrong_any": sum(o[2] in ("wrong", "wrong window", "wrong bound") for o in outcomes),
        "no_evidence_left_undated": len(abstained),
        "misses": [{"doc_id": g["doc_id"], "evidence": g["evidence"], "outcome": o, "basis": f.basis, "note": f.note}
                   for g, f, o in outcomes if o not in ("exact", "window") and (g, f, o) not in abstained],
    }


def score_dates(gold: list[dict]) -> dict:
    """Scores per split ('dev', 'heldout', and 'all') of `date_corpus` on gold lines
    {doc_id, text, true_published, evidence, split}. The whole gold set is dated as one corpus,
    since weekday anchors and corpus years come from the other documents."""
    findings = date_corpus(gold)
    splits = sorted({g.get("split", "dev") for g in gold})
    scores = {s: _split_scores([(g, findings[g["doc_id"]]) for g in gold if g.get("split", "dev") == s]) for s in splits}
    scores["all"] = _split_scores([(g, findings[g["doc_id"]]) for g in gold])
    return scores
