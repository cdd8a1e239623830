"""Dating across a corpus, once every row is read: what one text alone cannot settle.

Two things need the other documents. A year-less dateline ('ADEN, March 18 (Reuters) -') takes its
year from the years the corpus's dated documents have, when exactly one of them fits the text
(dating.resolve_year). A document that names an event only by its weekday ('the tanker was struck
on Tuesday') is tied to another document that dates the same event, and gets the window news
convention allows (dating.anchor_weekdays; basis 'inferred from <doc_id>'). Both only ever fill a
date that is missing: a printed, markup or metadata date is never replaced.
"""

from __future__ import annotations

from typing import Any

from lib.ingest import dating
from lib.ingest.describe import finding_fields
from lib.ingest.formats import DATING_TEXT

GIVEN_BASES = ("metadata", "html")  # dates the source gave: dating from the text never overrides them


def corpus_years(rows: list[dict[str, Any]]) -> list[int]:
    """Years of the ok documents whose day is known from evidence of their own (not inferred)."""
    return sorted({r["published"].year for r in rows
                   if r.get("published") and not (r.get("published_basis") or "").startswith("inferred")})


def date_across_corpus(rows: list[dict[str, Any]]) -> None:
    """Fill the dates of undated 'ok' rows from the corpus: years first, then weekday anchors."""
    ok = [r for r in rows if r["status"] == "ok" and r.get(DATING_TEXT)]
    years = corpus_years(ok)
    for row in ok:
        if row.get("published") is None and row.get("published_basis") not in GIVEN_BASES and years:
            _date_with_years(row, years)
    docs = [{"doc_id": r["doc_id"], "text": r[DATING_TEXT], "published": r.get("published"),
             "earliest": r.get("published_earliest"), "latest": r.get("published_latest")} for r in ok]
    by_id = {r["doc_id"]: r for r in ok}
    for doc_id, finding in dating.anchor_weekdays(docs).items():
        by_id[doc_id].update(finding_fields(finding))


def _date_with_years(row: dict[str, Any], years: list[int]) -> None:
    """Re-read the text knowing the corpus's years. A date it now gives replaces the undated
    finding (keeping the tighter bounds); otherwise the note says what the years did not settle."""
    finding = dating.date_from_text(row[DATING_TEXT], years)
    if finding.published is not None:
        earliest = max((d for d in (finding.earliest, row.get("published_earliest")) if d), default=None)
        if earliest is None or earliest <= finding.published:
            row.update(finding_fields(finding), published_earliest=earliest)
            return
    if "no corpus years were given" in (row.get("published_note") or ""):
        row["published_note"] += f"; read again with the corpus's years ({', '.join(map(str, years))}): {finding.note}"
