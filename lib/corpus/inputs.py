"""The upstream tables the briefing reads, loaded once into plain frames."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from lib.core import store
from lib.core import tables as schema
from lib.corpus.prose import col, text_or_none, to_date

# The upstream tables the briefing reads (the contracts of issues 2-5), in pipeline order.
READS = ("documents", "claims", "troop_estimates", "claim_clusters", "actors", "quotes", "actor_links",
         "forecasts", "forecast_evidence")


def read(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """A store table by name, fully sorted when declared; an empty frame when it does not exist."""
    declared = schema.declared(name)
    if not store.has_table(con, name):
        return pd.DataFrame(columns=declared.column_names if declared else [])
    if declared is not None:
        try:
            return store.read_table(con, declared)
        except duckdb.Error:
            pass
    df = con.execute(f'SELECT * FROM "{name}"').df()
    return df.sort_values(list(df.columns[:3])).reset_index(drop=True) if len(df) else df


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


def cluster_info(inputs: Inputs) -> dict[str, dict[str, Any]]:
    """Corroboration per cluster id: the two cluster fields the grading reads."""
    info: dict[str, dict[str, Any]] = {}
    for row in store.records(inputs.clusters, ["cluster_id", "n_independent_sources", "contradiction"]):
        info[str(row.get("cluster_id"))] = row
    return info


def outlets_by_doc(inputs: Inputs) -> dict[str, str]:
    """Who speaks when an article speaks in its own voice: its outlet, else its byline."""
    docs = inputs.documents
    voices = {}
    for d, outlet, author in zip(col(docs, "doc_id"), col(docs, "outlet"), col(docs, "author")):
        if text_or_none(outlet) or text_or_none(author):
            voices[d] = text_or_none(outlet) or text_or_none(author)
    return voices


def published_by_doc(inputs: Inputs) -> dict[str, Any]:
    """Publication date per document (None when unknown): what orders figures and forecasts in time."""
    docs = inputs.documents
    return {d: to_date(p) for d, p in zip(col(docs, "doc_id"), col(docs, "published"))}
