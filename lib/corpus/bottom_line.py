"""The bottom line: what happened, in four to six sentences an analyst would write, from the tables.

Why its own module: the bottom line is read first and alone, so it must say what the corpus says
about the story, not about the corpus. It is built from the leading figure series (figure_series,
series_rank 1: chosen by the data, never named here), the dated event claims, the conflicts
between origins and the open forecasts, in this order:

- figure: the series' best-corroborated standing figure (the group of compatible figures, among the
  points that still stand at the series' latest date, with the most independent origins), its date
  and origins, and how it moved from the figure it replaced ('up from 3,000 as of 2024-09-10'). A
  lower figure given at the same date by fewer origins is not 'the latest': it is contested;
- turning points: by date, the first dated count of each leading series and every change of figure
  in the leading one, and the dated events the claims report (first reports, combat, withdrawals);
- contested: the leading series' standing figures that disagree, and the contradicted clusters;
- next: the open forecasts with the nearest horizons, each shown as a prediction or a stated
  intention with who made it, and the projections the claims give for the leading series' party;
- basis: how many documents from which outlets, over which dates.

Every sentence is plain text (escaped at display), holds no parentheses inside parentheses, and
keeps its evidence (claim_ids, forecast_ids, doc_ids) beside it in the `bottom_line` table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from lib.core.document import snippet
from lib.core.tables import BOTTOM_LINE
from lib.corpus.inputs import Inputs
from lib.corpus.judgments import best_group, figure_groups, figure_phrase, latest_date as _latest
from lib.corpus.prose import (
    col,
    counted,
    is_missing,
    join_names,
    plural,
    text_or_none,
    to_date,
)
from lib.corpus.series import figure_is_framed

# How many turning points and forecasts one sentence can carry and still be read in one breath.
MAX_TURNING_POINTS = 4
MAX_NEXT = 3
# Series whose first dated count is a turning point: the leading ones only, so minor counts do not crowd it.
TURNING_SERIES = 3
# Actor kinds read with 'the' in prose ('the National Intelligence Service'); persons, states, outlets not.
THE_KINDS = {"government body", "military", "international organisation"}
UNATTRIBUTED = "unattributed: "
DOCUMENT = "document "


# ---------------------------------------------------------------------------------------------
# Origins in words


def _origin_names(origins: list[str], kinds: dict[str, str]) -> list[str]:
    """Named origins as a reader says them, 'the' before a body ('the US Department of Defense')."""
    names = []
    for origin in origins:
        article = kinds.get(origin) in THE_KINDS and not origin.lower().startswith("the ")
        names.append(f"the {origin}" if article else origin)
    return names


def origins_phrase(origins: list[str], kinds: dict[str, str]) -> str:
    """'the NIS and Volodymyr Zelensky, and unattributed reports by NBC News and one other article'.

    Every origin is named (a reader must see who stands behind a figure); the unattributed ones are
    gathered after the named, by the outlet (or author) that printed them, unknown outlets counted."""
    ordered = sorted({o for o in origins if o})
    named = _origin_names([o for o in ordered if not o.startswith(UNATTRIBUTED)], kinds)
    where = [o[len(UNATTRIBUTED):] for o in ordered if o.startswith(UNATTRIBUTED)]
    printed = [w for w in where if not w.startswith(DOCUMENT)]
    unknown = len(where) - len(printed)
    if unknown:
        printed.append(counted(unknown, "other article") if printed else counted(unknown, "article"))
    parts = [join_names(named, limit=6)] if named else []
    if printed:
        label = "unattributed reports" if len(where) > 1 else "an unattributed report"
        parts.append(f"{label} {'by' if printed[0][:1].isupper() else 'in'} {join_names(printed, limit=6)}")
    return ", and ".join(parts) if len(parts) == 2 and len(named) > 1 else " and ".join(parts)


def _kinds(inputs: Inputs) -> dict[str, str]:
    return {str(n): str(k) for n, k in zip(col(inputs.actors, "name"), col(inputs.actors, "kind")) if text_or_none(n)}


# ---------------------------------------------------------------------------------------------
# The leading series' figure


def leading_series(series: pd.DataFrame) -> pd.DataFrame:
    """The points of the series ranked first (the most independent origins), in lineage order."""
    if series.empty:
        return series
    rank = pd.to_numeric(series["series_rank"], errors="coerce").min()
    return series[series["series_rank"] == rank].reset_index(drop=True)


def _midpoint(points: pd.DataFrame) -> float:
    lows = pd.to_numeric(col(points, "value_low"), errors="coerce")
    highs = pd.to_numeric(col(points, "value_high"), errors="coerce")
    return float(pd.concat([lows.fillna(highs), highs.fillna(lows)]).mean())


def _replaced(points: pd.DataFrame, best: pd.DataFrame) -> pd.DataFrame:
    """The latest superseded figure before the best one: what the series moved from."""
    superseded = points[points["status"] == "superseded"]
    day = _latest(superseded)
    if day is None:
        return superseded.iloc[0:0]
    return superseded[[to_date(d) == day for d in superseded["figure_as_of"]]]


def movement_phrase(points: pd.DataFrame, best: pd.DataFrame, kinds: dict[str, str]) -> str:
    """', up from 3,000 given by X as of 2024-09-10' or '' when no figure was replaced."""
    before = _replaced(points, best)
    if before.empty:
        return ""
    way = "up" if _midpoint(best) > _midpoint(before) else "down"
    return (f", {way} from {figure_phrase(before)} given by {origins_phrase(list(before['origin']), kinds)} "
            f"as of {_latest(before).isoformat()}")


def _stale_phrase(points: pd.DataFrame) -> str:
    stale = points[points["status"] == "stale"]
    if stale.empty:
        return ""
    figures = join_names(sorted({figure_phrase(stale.loc[[i]]) for i in stale.index}))
    return (f" {counted(int(stale['doc_id'].nunique()), 'later article').capitalize()} still gave {figures} "
            "as current after it had been replaced.")


PLAN_COMPANIONS = {"deployed", "present"}


def planned_companion(points: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame | None:
    """The best-corroborated plan for the same party and thing as a deployment series ('a planned
    12,000'): a count sent so far reads against the total announced."""
    first = points.iloc[0]
    if first["counted_event"] not in PLAN_COMPANIONS:
        return None
    plans = series[(col(series, "counted_event") == "planned_deployment")
                   & (col(series, "counted_party") == first["counted_party"])
                   & (col(series, "unit_category") == first["unit_category"])]
    if plans.empty:
        return None
    best, _ = best_group(plans)
    return best


def figure_sentence(points: pd.DataFrame, kinds: dict[str, str], series: pd.DataFrame | None = None) -> dict[str, Any] | None:
    """The leading series' latest best-corroborated figure, its date, origins and movement, and the
    plan it reads against."""
    best, _ = best_group(points)
    if best is None:
        return None
    label = str(points.iloc[0]["series_label"])
    day = _latest(best)
    when = f" as of {day.isoformat()}" if day else " in undated reports"
    text = (f"The best-corroborated figure for {label} is {figure_phrase(best)}{when}, given by "
            f"{origins_phrase(list(best['origin']), kinds)}{movement_phrase(points, best, kinds)}")
    ids = list(best["claim_id"]) + list(_replaced(points, best)["claim_id"])
    plan = planned_companion(points, series) if series is not None else None
    if plan is not None:
        text += f", against a planned total of {figure_phrase(plan)} from {origins_phrase(list(plan['origin']), kinds)}"
        ids += list(plan["claim_id"])
    evidence = points if plan is None else pd.concat([points, plan], ignore_index=True)
    return _row("figure", text + "." + _stale_phrase(points), evidence, ids)


# ---------------------------------------------------------------------------------------------
# Turning points


def _first_counts(series: pd.DataFrame, kinds: dict[str, str]) -> list[dict[str, Any]]:
    """Each leading series' first dated count: when the corpus first puts a number on it. Only points the
    text itself dates count (`as_of`): an undated repeat borrows its figure's date, not its first report."""
    items = []
    ranks = sorted(pd.to_numeric(series["series_rank"], errors="coerce").dropna().unique())[:TURNING_SERIES]
    for rank in ranks:
        points = series[series["series_rank"] == rank]
        dated = points[[to_date(d) is not None for d in points["as_of"]]]
        if dated.empty:
            continue
        day = min(to_date(d) for d in dated["as_of"])
        first = dated[[to_date(d) == day for d in dated["as_of"]]]
        group = min(figure_groups(first), key=lambda g: (-(col(g, "origin_basis") == "stated").sum(),
                                                       -col(g, "origin").nunique(), _midpoint(g)))
        items.append({"date": day, "claim_ids": list(group["claim_id"]), "doc_ids": list(group["doc_id"]),
                      "text": f"the first dated count of {points.iloc[0]['series_label']}, "
                              f"{figure_phrase(group)} from {origins_phrase(list(group['origin']), kinds)}"})
    return items


def _changes(points: pd.DataFrame) -> list[dict[str, Any]]:
    """Every change of figure in the leading series: a superseded point and the one that replaced it."""
    items = []
    points = points.reset_index(drop=True)
    position = {str(c): i for i, c in enumerate(points["claim_id"])}
    for i in points.index[points["status"] == "superseded"]:
        j = position.get(str(points.at[i, "superseded_by"]))
        day = to_date(points.at[j, "figure_as_of"]) if j is not None else None
        if day is None:
            continue
        old, new = points.iloc[[i]], points.iloc[[j]]  # one-row frames, sliced rather than rebuilt
        way = "rose" if _midpoint(new) > _midpoint(old) else "fell"
        items.append({"date": day, "claim_ids": [old["claim_id"].iloc[0], new["claim_id"].iloc[0]],
                      "doc_ids": [old["doc_id"].iloc[0], new["doc_id"].iloc[0]],
                      "text": f"{points.iloc[0]['series_label']} {way} from {figure_phrase(old)} "
                              f"to {figure_phrase(new)}"})
    return items


def _quote_in(claim: dict[str, Any], quotes: pd.DataFrame) -> str | None:
    """A direct quotation inside the claim's sentence: the speaker's own words read better than the
    sentence around them ('"I can confirm ...," Rutte said in a statement on Oct. 28.')."""
    if quotes.empty:
        return None
    inside = quotes[(col(quotes, "doc_id") == claim["doc_id"]) & (col(quotes, "kind") == "direct")
                    & (pd.to_numeric(col(quotes, "char_start"), errors="coerce") >= claim["char_start"])
                    & (pd.to_numeric(col(quotes, "char_end"), errors="coerce") <= claim["char_end"])
                    & ~col(quotes, "is_partial", False).fillna(False).astype(bool)]
    if inside.empty:
        return None
    words = str(inside.sort_values("char_start").iloc[0]["text"]).strip().rstrip(",;: ")
    return words if words.endswith((".", "!", "?")) else words + "."


def _event_words(claim: dict[str, Any], quotes: pd.DataFrame, outlets: dict[str, str]) -> str:
    """What a dated event claim says, with who says it: a quotation, else the sentence itself."""
    who = text_or_none(claim.get("origin")) or text_or_none(claim.get("source"))
    quote = _quote_in(claim, quotes)
    if quote and who:
        return f"{who} said “{snippet(quote, 200)}”"
    sentence = snippet(str(claim.get("sentence") or ""), 200)
    printed = who or outlets.get(claim["doc_id"]) or "one article"
    return f"{printed} reported: {sentence.rstrip('.')}" if "“" in sentence or '"' in sentence \
        else f"{printed} reported that {sentence[:1].lower() + sentence[1:]}".rstrip(".")


EVENT_FIELDS = ("claim_id", "doc_id", "char_start", "char_end", "sentence", "kind", "event_date", "event_key",
                "polarity", "origin", "source")


def _events(inputs: Inputs, published: dict[str, date | None], outlets: dict[str, str]) -> list[dict[str, Any]]:
    """Dated event claims that happened (positive, on or before their article's date), one per event."""
    claims = inputs.claims
    if claims.empty:
        return []
    claims = claims.reindex(columns=list(dict.fromkeys([*claims.columns, *EVENT_FIELDS])))  # older contracts
    events = claims[(col(claims, "kind") == "event") & col(claims, "event_date").notna()
                    & (col(claims, "polarity").astype(object).fillna("positive") != "negative")]
    items, seen = [], set()
    for claim in events.sort_values(["event_date", "doc_id", "char_start"], kind="stable").to_dict(orient="records"):
        day, printed = to_date(claim["event_date"]), published.get(claim["doc_id"])
        key = text_or_none(claim.get("event_key")) or claim["sentence"]
        if day is None or (printed is not None and day > printed) or key in seen:
            continue
        seen.add(key)
        items.append({"date": day, "claim_ids": [claim["claim_id"]], "doc_ids": [claim["doc_id"]],
                      "text": _event_words(claim, inputs.quotes, outlets)})
    return items


def turning_points_sentence(inputs: Inputs, series: pd.DataFrame, published: dict[str, date | None],
                            outlets: dict[str, str], kinds: dict[str, str]) -> dict[str, Any] | None:
    """The story's turning points by date: events reported, first counts, changes of figure."""
    items = _events(inputs, published, outlets) + _first_counts(series, kinds) + _changes(leading_series(series))
    if not items:
        return None
    unique = {(i["date"], i["text"]): i for i in sorted(items, key=lambda i: (i["date"], i["text"]), reverse=True)}
    items = sorted(unique.values(), key=lambda i: (i["date"], i["text"]))[:MAX_TURNING_POINTS]  # two points, one change
    text = "Turning points: " + "; ".join(f"on {i['date'].isoformat()}, {i['text']}" for i in items) + "."
    return {"kind": "turning_points", "text": text, "series_id": None,
            "claim_ids": sorted({c for i in items for c in i["claim_ids"]}),
            "doc_ids": sorted({d for i in items for d in i["doc_ids"]}), "forecast_ids": []}


# ---------------------------------------------------------------------------------------------
# What is contested


def _plan_beside(group: pd.DataFrame, series: pd.DataFrame) -> str:
    """', in a sentence that also gives a plan for 12,000': a lower count given with a larger plan reads
    as a first stage, and the reader should see that without our saying so."""
    planned = series[(col(series, "modality") == "planned")
                     & col(series, "counted_party").isin(set(col(group, "counted_party")))]
    spans = set(zip(group["doc_id"], group["char_start"]))
    beside = planned[[(d, s) in spans for d, s in zip(planned["doc_id"], planned["char_start"])]]
    return f", in a sentence that also gives a plan for {figure_phrase(beside)}" if len(beside) else ""


def _rival_date(group: pd.DataFrame, best: pd.DataFrame | None) -> str:
    """' at about the same date' only when both figures are dated; else the rival's own date, if any."""
    day = _latest(group)
    if day is None:
        return ""
    if best is not None and _latest(best) is not None:
        return " at about the same date"
    return f" as of {day.isoformat()}"


def contested_sentence(points: pd.DataFrame, series: pd.DataFrame, inputs: Inputs,
                       kinds: dict[str, str]) -> dict[str, Any] | None:
    """The standing figures of the leading series that disagree with its best one, and contradicted clusters."""
    best, others = best_group(points)
    rivals = others  # standing figures beside the best one: a conflict, or a gap in time no date can show
    parts, ids = [], []
    for group in rivals:
        way = "lower" if best is not None and _midpoint(group) < _midpoint(best) else "higher"
        parts.append(f"{origins_phrase(list(group['origin']), kinds)} gave a {way} figure of {figure_phrase(group)}"
                     f"{_rival_date(group, best)}{_plan_beside(group, series)}")
        ids += list(group["claim_id"])
    n_clusters = int(col(inputs.clusters, "contradiction", False).fillna(False).astype(bool).sum())
    if not parts and not n_clusters:
        return None
    text = ("Contested: " + "; ".join(parts) + ".") if parts else ""
    if n_clusters:
        text += f" {plural(n_clusters, 'cluster')} of claims {'is' if n_clusters == 1 else 'are'} contradicted between sources."
    return _row("contested", text.strip(), points, ids)


# ---------------------------------------------------------------------------------------------
# What comes next


KIND_ORDER = {"named": 0, "article": 1, "anonymous": 2}


def forecaster_words(row: dict[str, Any]) -> str:
    """'Anders Corr', 'unnamed experts' (not 'experts (unnamed)'), an article's author or outlet as named."""
    who = text_or_none(row.get("forecaster")) or "an unattributed source"
    if who.endswith(" (unnamed)"):
        return "unnamed " + who[: -len(" (unnamed)")]
    if row.get("forecaster_kind") == "article" and who.lower() in ("the article", "article"):
        return "one article, in its own voice"
    return who


def _forecast_item(row: dict[str, Any]) -> str:
    statement = snippet(str(row.get("statement") or ""), 160).rstrip(".")
    by = to_date(row.get("horizon_end"))
    kind = "a stated intention" if row.get("forecast_kind") == "intention" else "a prediction"
    verb = "reported by" if kind == "a stated intention" and row.get("forecaster_kind") == "article" else "by"
    return f"by {by.isoformat()}, {kind} {verb} {forecaster_words(row)}: “{statement}”"


def nearest_forecasts(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Open forecasts with a horizon, nearest first (named forecasters before articles and anonymous ones);
    the same predicted event by the same day is named once, by the best-named forecaster."""
    if forecasts.empty:
        return forecasts
    f = forecasts[(col(forecasts, "status").fillna("open") == "open") & col(forecasts, "horizon_end").notna()].copy()
    f["_end"] = [to_date(d) for d in f["horizon_end"]]
    f["_kind"] = [KIND_ORDER.get(k, 3) for k in col(f, "forecaster_kind")]
    f["_event"] = [f"{text_or_none(e) or ''}|{text_or_none(o) or ''}" if text_or_none(e) else str(i)
                   for e, o, i in zip(col(f, "target_event"), col(f, "target_object"), col(f, "forecast_id"))]
    f = f.sort_values(["_end", "_kind", "doc_id", "char_start"], kind="stable")
    f = f.drop_duplicates(subset=["doc_id", "char_start"])  # one sentence, one forecast
    return f.drop_duplicates(subset=["_end", "_event"]).head(MAX_NEXT)  # the same event by the same day once


def _projection(points: pd.DataFrame, claims: pd.DataFrame, kinds: dict[str, str]) -> tuple[str, list[str]]:
    """' Projections, not reports, go as high as 100,000, from X.': the leading party's projected counts."""
    if points.empty or claims.empty:
        return "", []
    first = points.iloc[0]
    projected = claims[(col(claims, "modality") == "possible") & (col(claims, "counted_party") == first["counted_party"])
                       & (col(claims, "unit_category").astype(object).fillna("other") == first["unit_category"])
                       & ~col(claims, "counted_event").isin(["other"]) & (col(claims, "bound") != "vague")]
    projected = projected[[not figure_is_framed(str(s)) for s in col(projected, "sentence", "")]]
    highs = pd.to_numeric(col(projected, "value_high"), errors="coerce").fillna(
        pd.to_numeric(col(projected, "value_low"), errors="coerce"))
    if highs.notna().sum() == 0:
        return "", []
    top = projected[highs == highs.max()]
    who = sorted({text_or_none(o) or text_or_none(s) or "unnamed sources"
                  for o, s in zip(col(top, "origin"), col(top, "source_text"))})
    words = join_names([w.lower() if w.lower() in ("reportedly", "reports suggest") else w for w in who])
    figure = f"{highs.max():,.0f}"
    return (f" Projections, not reports, go as high as {figure}, from {words}.", list(top["claim_id"]))


def next_sentence(inputs: Inputs, points: pd.DataFrame, claims: pd.DataFrame, as_of: date,
                  kinds: dict[str, str]) -> dict[str, Any]:
    """What is forecast next and by whom, the projections, and how many forecasts await an outcome."""
    f = inputs.forecasts
    nearest = nearest_forecasts(f)
    projection, projected_ids = _projection(points, claims, kinds)
    if len(nearest):
        text = "Next: " + "; ".join(_forecast_item(r) for r in nearest.to_dict(orient="records")) + "."
    elif len(f):
        text = f"No forecast in the corpus is open with a horizon as of {as_of.isoformat()}."
    else:
        text = "The corpus holds no forecasts to track."
    due = int((col(f, "status").fillna("open") == "due").sum()) if len(f) else 0
    if due:
        text += (f" {counted(due, 'forecast').capitalize()} {'is' if due == 1 else 'are'} past the horizon "
                 f"without a recorded outcome as of {as_of.isoformat()}.")
    return {"kind": "next", "text": text + projection, "series_id": None, "claim_ids": sorted(projected_ids),
            "doc_ids": sorted(set(col(nearest, "doc_id"))), "forecast_ids": list(col(nearest, "forecast_id"))}


# ---------------------------------------------------------------------------------------------
# Basis and the table


def basis_sentence(inputs: Inputs) -> dict[str, Any]:
    """How much the bottom line rests on: documents, outlets, dates (undated ones counted)."""
    docs = inputs.ok_documents
    dates = sorted(d for d in (to_date(p) for p in col(docs, "published")) if d)
    outlets = sorted(set(col(docs, "outlet").dropna()))
    text = f"Based on {plural(len(docs), 'document')}" + (f" from {join_names(outlets)}" if outlets else "")
    if dates:
        text += f", published {dates[0].isoformat()} to {dates[-1].isoformat()}"
        undated = len(docs) - len(dates)
        text += f"; {counted(undated, 'is', 'are')} undated" if undated else ""
    else:
        text += ", none of them dated"
    set_aside = len(inputs.documents) - len(docs)
    if set_aside:
        text += f"; {counted(set_aside, 'more file was', 'more files were')} rejected or duplicate"
    return {"kind": "basis", "text": text + ".", "series_id": None, "claim_ids": [],
            "doc_ids": sorted(set(col(docs, "doc_id"))), "forecast_ids": []}


def _row(kind: str, text: str, points: pd.DataFrame, claim_ids: list[Any]) -> dict[str, Any]:
    ids = sorted({str(c) for c in claim_ids if not is_missing(c)})
    docs = sorted(set(points.loc[points["claim_id"].astype(str).isin(ids), "doc_id"]))
    return {"kind": kind, "text": text, "series_id": str(points.iloc[0]["series_id"]), "claim_ids": ids,
            "doc_ids": docs, "forecast_ids": []}


def _no_figure(series: pd.DataFrame) -> dict[str, Any]:
    text = ("The corpus states no count of anything that happened or is planned, so no figure leads the story."
            if series.empty else "No figure of the leading series still stands.")
    return {"kind": "figure", "text": text, "series_id": None, "claim_ids": [], "doc_ids": [], "forecast_ids": []}


def bottom_line_table(inputs: Inputs, series: pd.DataFrame, claims: pd.DataFrame, as_of: date,
                      published: dict[str, date | None], outlets: dict[str, str]) -> pd.DataFrame:
    """The `bottom_line` table (BOTTOM_LINE): one row per sentence, in reading order, with its evidence."""
    kinds = _kinds(inputs)
    points = leading_series(series)
    figure = figure_sentence(points, kinds, series) if len(points) else None
    rows = [figure or _no_figure(series),
            turning_points_sentence(inputs, series, published, outlets, kinds) if len(series) or len(inputs.claims) else None,
            contested_sentence(points, series, inputs, kinds) if len(points) else None,
            next_sentence(inputs, points, claims, as_of, kinds), basis_sentence(inputs)]
    rows = [r for r in rows if r is not None]
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return pd.DataFrame(rows, columns=BOTTOM_LINE.column_names)


def sentences(table: pd.DataFrame) -> list[str]:
    """The bottom line's sentences in order, for display."""
    return list(table.sort_values("rank", kind="stable")["text"]) if len(table) else []
