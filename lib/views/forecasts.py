"""What notebook 04 shows: forecasts, their timeline, scores, evidence and checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from lib.core import store
from lib.core.tables import DOCUMENTS, FORECASTS
from lib.corpus.forecasts import MIN_CALIBRATION, to_date
from lib.views.report import new_figure


def forecasts_view(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Forecasts per forecaster with probability and horizon, in reading order."""
    view = forecasts.copy()
    view["probability"] = [
        f"{lo:.2f}–{hi:.2f}" if lo == lo and hi == hi and lo is not None and hi is not None else "unquantified"
        for lo, hi in zip(view["probability_low"], view["probability_high"])]
    view["horizon"] = [
        (f"{t} ({to_date(s).isoformat()} – {to_date(e).isoformat()})" if to_date(s) and to_date(e) else t)
        if isinstance(t, str) else None
        for t, s, e in zip(view["horizon_text"], view["horizon_start"], view["horizon_end"])]
    columns = ["forecaster", "forecaster_kind", "forecast_kind", "statement", "polarity", "probability_phrase", "probability",
               "condition", "horizon", "status", "doc_id"]
    return view.sort_values(["forecaster", "doc_id", "char_start"])[columns].reset_index(drop=True)


def summary_markdown(result: dict[str, Any]) -> str:
    """One paragraph on what was found, generated from the tables so it never goes stale."""
    f = result["forecasts"]
    if f.empty:
        return "No forward-looking statements were found in the corpus."
    kinds = f["forecaster_kind"].value_counts()
    quantified = int(f["probability_low"].notna().sum())
    with_horizon = int(f["horizon_text"].notna().sum())
    dated = int(f["horizon_end"].notna().sum())
    status = f["status"].value_counts()
    top = f[f["forecaster_kind"] == "named"]["forecaster"].value_counts().head(3)
    named = ", ".join(f"{name} ({n})" for name, n in sorted(top.items(), key=lambda kv: (-kv[1], kv[0])))
    return (
        f"{len(f)} forecasts in {f['doc_id'].nunique()} documents: {int(kinds.get('named', 0))} by named "
        f"forecasters, {int(kinds.get('anonymous', 0))} by anonymous groups and {int(kinds.get('article', 0))} in "
        f"the articles' own voice. {quantified} carry a probability band; the rest use possibility words "
        f"(may, could, might) that the workbook leaves unquantified. {with_horizon} give a time, {dated} of them "
        f"resolvable to dates (the others lack a publication date). As of {result['as_of']}: "
        f"{int(status.get('open', 0))} open, {int(status.get('due', 0))} due, {int(status.get('resolved', 0))} resolved."
        + (f" Most forecasts by named people or bodies: {named}." if named else "")
    )


def scores_note(result: dict[str, Any]) -> str:
    """Why the score tables may be empty: said in words, not left as a blank table."""
    f = result["forecasts"]
    resolved = int((f["status"] == "resolved").sum()) if len(f) else 0
    if resolved == 0:
        return ("The ledger (notebooks/resolutions.csv) holds no outcome for these forecasts yet, so there is "
                "nothing to score: add rows with forecast_key, outcome (yes/no/ambiguous/annulled), resolved_on "
                "and a cited source. Brier form: one-sided, (midpoint of band − outcome)², 0 is perfect.")
    calibration = "" if len(result["calibration"]) else \
        f" Too few scored forecasts for a calibration table (needs {MIN_CALIBRATION})."
    return f"{resolved} forecasts resolved in the ledger as of {result['as_of']}.{calibration}"


def timeline_figure(forecasts: pd.DataFrame, as_of: str | date, max_rows: int = 30):
    """Horizons as bars against the as_of date: which predictions are already checkable."""

    cutoff = to_date(as_of)
    dated = forecasts.dropna(subset=["horizon_start", "horizon_end"]).copy()
    fig = new_figure(9.0, 6.0)
    ax = fig.add_subplot(1, 1, 1)
    if dated.empty:
        ax.text(0.5, 0.5, "No forecast horizon resolves to dates\n(no time words, or no publication date)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    dated["start"] = [to_date(v) for v in dated["horizon_start"]]
    dated["end"] = [to_date(v) for v in dated["horizon_end"]]
    dated = dated.sort_values(["end", "start", "forecast_id"]).head(max_rows).reset_index(drop=True)
    colours = {"open": "#1f77b4", "due": "#d62728", "resolved": "#2ca02c"}
    import matplotlib.dates as mdates

    for i, r in enumerate(dated.to_dict(orient="records")):
        start, end = mdates.date2num(r["start"]), mdates.date2num(r["end"])
        ax.barh(i, max(end - start, 2), left=start, height=0.6, color=colours.get(r["status"], "#7f7f7f"))
    labels = [f"{str(r['forecaster'])[:22]}: {str(r['target_event'])[:18]} ({r['horizon_text'][:18]})"
              for r in dated.to_dict(orient="records")]
    ax.set_yticks(range(len(dated)), labels=labels, fontsize=7)
    ax.invert_yaxis()
    if cutoff is not None:
        ax.axvline(mdates.date2num(cutoff), color="black", linestyle="--", linewidth=1)
        ax.text(mdates.date2num(cutoff), -0.8, f" as of {cutoff.isoformat()}", fontsize=8)
    ax.xaxis_date()
    ax.set_title("Forecast horizons against the as-of date (red: due, blue: open, green: resolved)")
    return fig


def evidence_view(result: dict[str, Any]) -> pd.DataFrame:
    """Evidence suggestions with the forecast and the claim side by side."""
    evidence, forecasts = result["evidence"], result["forecasts"]
    if evidence.empty:
        return pd.DataFrame(columns=["forecaster", "forecast", "relation", "claim_doc", "claim_id", "shared_terms", "reason"])
    merged = evidence.merge(forecasts[["forecast_id", "forecaster", "statement"]], on="forecast_id", how="left")
    merged = merged.rename(columns={"statement": "forecast", "doc_id": "claim_doc"})
    return merged[["forecaster", "forecast", "relation", "claim_doc", "claim_id", "shared_terms", "reason"]]


def evidence_note(result: dict[str, Any]) -> str:
    dated = sum(1 for v in result["published"].values() if v is not None)
    return (f"Evidence came from the {result['claims_source']}; {dated} of {len(result['published'])} documents "
            f"have a publication date, and only dated documents can be ordered in time. "
            f"{len(result['evidence'])} suggestions.")


def checks_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per 'ok' document: forecasts found (zero is a valid answer, a missing document is not) and
    whether every clause and horizon offset points at its text in documents.text."""

    documents = store.read_table(con, DOCUMENTS, where="status = 'ok'")
    table = store.read_table(con, FORECASTS)
    rows = []
    table_of = {d: g for d, g in table.groupby("doc_id")} if len(table) else {}
    for doc in documents.to_dict(orient="records"):
        mine = table_of.get(doc["doc_id"], table.iloc[0:0])
        text = doc["text"]
        clause_ok = all(text[r["char_start"]:r["char_end"]] == r["statement"] for r in mine.to_dict(orient="records"))
        horizon_ok = all(text[int(r["horizon_char_start"]):int(r["horizon_char_end"])] == r["horizon_text"]
                         for r in mine.to_dict(orient="records") if isinstance(r["horizon_text"], str))
        rows.append({"doc_id": doc["doc_id"], "forecasts": len(mine), "clause offsets ok": clause_ok,
                     "horizon offsets ok": horizon_ok})
    stray = sorted(set(table["doc_id"]) - set(documents["doc_id"]))
    rows.extend({"doc_id": d, "forecasts": int((table["doc_id"] == d).sum()), "clause offsets ok": False,
                 "horizon offsets ok": False} for d in stray)  # rows of a document the store does not hold
    return pd.DataFrame(rows)


def gold_misses_markdown(scores: dict[str, dict[str, Any]]) -> str:
    """The gold forecasts the extractor missed, named, so known failures stay visible."""
    lines = []
    for name, s in scores.items():
        missed = s.get("missed") or []
        lines.append(f"- **{name}**: {len(missed)} missed" + (": " + "; ".join(f"“{m}”" for m in missed) if missed else ""))
    return "\n".join(lines)
