"""Dates the corpus itself gives, so that `as_of` can come from the data instead of the calendar.

A forecast is 'due' and a corpus 'stale' only relative to an as-of date. A hard-coded day drifts
away from the story (every forecast ends up 'due'), and today's date would make two builds of the
same folder differ. The latest publication date of the corpus is what the articles could know:
judging as of it is reproducible and follows the story as new articles arrive.
"""

from __future__ import annotations

from datetime import date

import duckdb

from lib.core import store
from lib.core.config import DEFAULT_AS_OF
from lib.core.tables import DOCUMENTS
from lib.corpus.prose import to_date


def latest_publication(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest `published` date of the 'ok' documents as an ISO string.

    None when the store has no documents table or no ok document has a known date: duplicates and
    rejected files say nothing about when the story stands, and an undated corpus has no end.
    """
    if not store.has_table(con, DOCUMENTS.name):
        return None
    row = con.execute(
        f'SELECT max(published) FROM "{DOCUMENTS.name}" WHERE status = \'ok\' AND published IS NOT NULL'
    ).fetchone()
    latest = to_date(row[0]) if row else None
    return latest.isoformat() if latest else None


def resolve_as_of(con: duckdb.DuckDBPyConnection, as_of: str | date | None) -> str:
    """The as-of date a build uses: the one given, else the corpus's latest publication, else
    DEFAULT_AS_OF (an undated corpus still needs one day, and a fixed one keeps builds equal).

    A given date is checked and normalised here, so a typo fails before any stage runs on it.
    """
    if as_of is not None:
        return date.fromisoformat(str(as_of)).isoformat()
    return latest_publication(con) or DEFAULT_AS_OF
