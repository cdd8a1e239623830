"""The briefing (notebook 05): every section as escaped HTML, in analyst order."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from lib.core.document import escape_html, snippet
from lib.corpus.bottom_line import best_group, leading_series
from lib.corpus.bottom_line import sentences as bottom_line_sentences
from lib.corpus.gaps import (
    claim_view,
    contested_claims,
    intelligence_gaps,
    single_source_claims,
)
from lib.corpus.grading import grade_sources, graded_claims
from lib.corpus.inputs import Inputs, outlets_by_doc
from lib.corpus.judgments import figure_phrase, key_judgments
from lib.corpus.prose import (
    as_list,
    cite,
    col,
    fmt_range,
    is_missing,
    plural,
    text_or_none,
    to_date,
)
from lib.corpus.synthesis import (
    bottom_line,
    forecast_ledger,
    reconcile_troops,
    reconciliation_text,
    story_tables,
    top_quotes,
    troops_with_dates,
)
from lib.corpus.timeline import timeline
from lib.views import report
from lib.views.actors import plot_network
from lib.views.charts import series_chart, troop_chart


def actor_network_figure(inputs: Inputs):
    """The actors network, drawn as notebook 03 draws it."""
    return plot_network(inputs.links, inputs.actors)


def header_html(corpus: str | Path, inputs: Inputs, as_of: date) -> report.HtmlFragment:
    """The briefing's header: corpus folder name only (never a path), document count, as-of date."""
    name = Path(str(corpus)).resolve().name or str(corpus)
    n_ok, n_all = len(inputs.ok_documents), len(inputs.documents)
    dates = sorted(d for d in (to_date(p) for p in col(inputs.ok_documents, "published")) if d)
    span = f" · published {dates[0].isoformat()} – {dates[-1].isoformat()}" if dates else ""
    other = f" ({n_all - n_ok} more files duplicate or rejected)" if n_all > n_ok else ""
    return report.HtmlFragment(
        f'<header class="briefing-header" data-corpus="{escape_html(name)}" data-documents="{n_ok}" '
        f'data-as-of="{as_of.isoformat()}"><h1>Briefing: {escape_html(name)}</h1>'
        f'<p class="briefing-meta">Corpus <strong>{escape_html(name)}</strong> · {n_ok} documents{escape_html(other)}'
        f"{escape_html(span)} · as of <strong>{as_of.isoformat()}</strong></p></header>")


# ---------------------------------------------------------------------------------------------
# Checks


def checks(inputs: Inputs, grades: pd.DataFrame, judgments: pd.DataFrame, events: pd.DataFrame,
           fragments: list[str]) -> pd.DataFrame:
    """Visible sanity checks: provenance inside documents, every input accounted for, escaping."""
    lengths = {d: 0 if is_missing(t) else len(t)
               for d, t in zip(col(inputs.documents, "doc_id"), col(inputs.documents, "text", ""))}
    texts = dict(zip(col(inputs.documents, "doc_id"), col(inputs.documents, "text", "")))
    results = []

    def add(name: str, passed: bool, detail: str) -> None:
        results.append({"check": name, "passed": bool(passed), "detail": detail})

    ok_ids = list(col(inputs.ok_documents, "doc_id"))
    add("every ok document graded", sorted(grades["doc_id"]) == sorted(ok_ids), f"{len(grades)} of {len(ok_ids)}")
    known = set(col(inputs.claims, "claim_id").dropna())
    cited = [c for ids in judgments["claim_ids"] for c in as_list(ids)] if len(judgments) else []
    add("judgments cite existing claims", all(c in known for c in cited) and all(len(as_list(i)) for i in judgments["claim_ids"]),
        f"{len(cited)} citations")
    bad = 0
    for frame in (inputs.claims, inputs.quotes, inputs.forecasts):
        for d, s, e in zip(col(frame, "doc_id"), col(frame, "char_start"), col(frame, "char_end")):
            if is_missing(s) or not (0 <= int(s) <= int(e) <= lengths.get(d, -1)):
                bad += 1
    total = len(inputs.claims) + len(inputs.quotes) + len(inputs.forecasts)
    add("claims, quotes and forecasts shown have offsets inside their documents", bad == 0, f"{total - bad} of {total}")
    dated = events[events["kind"] == "claim"] if len(events) else events
    mismatched = sum(1 for r in dated.to_dict(orient="records")
                     if texts.get(r["doc_id"], "")[r["char_start"]:r["char_end"]] != r["date_text"])
    add("timeline dates found at their offsets", mismatched == 0, f"{len(dated) - mismatched} of {len(dated)}")
    raw_scripts = sum(fragment.lower().count("<script") for fragment in fragments)
    add("no raw <script> in generated HTML", raw_scripts == 0, f"{raw_scripts} found")
    add("upstream tables present", not inputs.missing_tables,
        "all present" if not inputs.missing_tables else "missing: " + ", ".join(inputs.missing_tables))
    return pd.DataFrame(results)


# ---------------------------------------------------------------------------------------------
# The briefing


@dataclass
class Briefing:
    """Everything the synthesis notebook shows, in analyst order (HTML fragments are escaped)."""

    header: report.HtmlFragment
    bottom_line_sentences: list[str]
    judgments: pd.DataFrame
    reconciliation: str
    troop_figure: Any
    troops: pd.DataFrame
    sources: pd.DataFrame
    contested: pd.DataFrame
    single_source: pd.DataFrame
    gaps: pd.DataFrame
    timeline: pd.DataFrame
    actor_figure: Any
    quotes: pd.DataFrame
    forecast_summary: pd.DataFrame
    forecasts_due: pd.DataFrame
    forecast_scores: pd.DataFrame
    forecast_text: str
    series: pd.DataFrame = field(default_factory=pd.DataFrame)
    bottom_line_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    series_figure: Any = None
    suggestions: pd.DataFrame = field(default_factory=pd.DataFrame)
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)

    # Display helpers: each returns escaped HTML, so a notebook cell ends with one call.
    @property
    def bottom_line(self) -> report.HtmlFragment:
        return report.HtmlFragment('<div class="bluf">' + report.html_paragraphs(self.bottom_line_sentences) + "</div>")

    @property
    def judgments_html(self) -> report.HtmlFragment:
        if self.judgments.empty:
            return report.html_paragraphs(["No key judgment can be made: the corpus has no corroborated claims or troop figures."])
        view = self.judgments.assign(support=[len(as_list(c)) for c in self.judgments["claim_ids"]])
        return report.html_table(view, ["judgment_id", "text", "estimative_phrase", "confidence", "confidence_rule",
                                        "n_independent_sources", "support"],
                                 labels={"judgment_id": "#", "text": "judgment", "estimative_phrase": "likelihood (ICD 203)",
                                         "confidence_rule": "rule", "n_independent_sources": "independent sources",
                                         "support": "claims (listed below)"})

    @property
    def judgment_evidence_html(self) -> report.HtmlFragment:
        """Each judgment's supporting claims with document and sentence (provenance)."""
        return report.html_table(self._evidence, ["judgment", "figure", "source", "sentence", "cite"],
                                 labels={"cite": "document @ offsets"}, max_rows=40,
                                 empty="No supporting claims.")

    _evidence: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def reconciliation_html(self) -> report.HtmlFragment:
        return report.html_paragraphs([self.reconciliation], "reconciliation")

    @property
    def troops_html(self) -> report.HtmlFragment:
        return report.html_table(self.troops, ["date", "figure", "qualifier", "modality", "source", "sentence", "cite"],
                                 labels={"cite": "document @ offsets"}, empty="No troop figures in this corpus.")

    @property
    def sources_html(self) -> report.HtmlFragment:
        view = self.sources.assign(grade=[f"{r}{c}" for r, c in zip(self.sources["reliability"], self.sources["credibility"])],
                                   date=[_date_with_basis(p, b) for p, b in zip(self.sources["published"], self.sources["published_basis"])])
        return report.html_table(view, ["doc_id", "title", "outlet", "author", "date", "grade", "reliability_rule",
                                        "rule_text", "credibility_rule", "n_claims", "named_share"],
                                 labels={"doc_id": "document", "reliability_rule": "reliability rule",
                                         "rule_text": "why", "credibility_rule": "credibility", "n_claims": "claims",
                                         "named_share": "named sourcing"},
                                 empty="No documents.")

    @property
    def side_by_side_html(self) -> report.HtmlFragment:
        """The leading series' disagreeing figures side by side, then contested and single-source claims:
        two columns only when both have rows (a half-empty column reads as a missing section)."""
        left = report.html_table(self.contested, ["cluster", "figure", "source", "sentence", "cite"],
                                 caption="Contested: sources disagree", labels={"cite": "document @ offsets"},
                                 max_rows=20, empty="No contested claims: no cluster has incompatible figures.")
        right = report.html_table(self.single_source, ["figure", "source", "sentence", "cite"],
                                  caption="Single-source: no independent corroboration",
                                  labels={"cite": "document @ offsets"}, max_rows=15, empty="No single-source claims.")
        parts = [self.contradictions_html]
        if len(self.contested) and len(self.single_source):
            parts.append(_columns([left, right]))
        else:
            parts += [left, right]
        return report.HtmlFragment("".join(parts))

    @property
    def contradictions_html(self) -> report.HtmlFragment:
        """Each figure the leading series' origins give at its latest date, one column per figure."""
        groups = _rival_groups(self.series)
        if len(groups) < 2:
            return report.HtmlFragment("")
        label = str(self.series["series_label"].iloc[0])
        tables = [report.html_table(_point_view(g), ["figure", "origin", "as of", "sentence", "document"],
                                    caption=f"{figure_phrase(g)} {label}", max_rows=10) for g in groups]
        return _columns(tables)

    @property
    def gaps_html(self) -> report.HtmlFragment:
        return report.html_table(self.gaps, ["question", "evidence"], empty="No gap found by the stated checks.")

    @property
    def timeline_html(self) -> report.HtmlFragment:
        view = self.timeline.assign(when=[_date_range(s, e) for s, e in zip(self.timeline["event_date"], self.timeline["date_end"])],
                                    cite_=[cite(d, s, e) if k == "claim" else str(d) for d, s, e, k in
                                           zip(self.timeline["doc_id"], self.timeline["char_start"],
                                               self.timeline["char_end"], self.timeline["kind"])])
        return report.html_table(view, ["when", "basis", "date_text", "event", "cite_"],
                                 labels={"date_text": "as written", "cite_": "document @ offsets"},
                                 max_rows=60, empty="No dated events.")

    @property
    def quotes_html(self) -> report.HtmlFragment:
        return report.html_table(self.quotes, ["speaker", "role", "kind", "quote", "cite"],
                                 labels={"cite": "document @ offsets"}, empty="No attributed quotes.")

    @property
    def series_html(self) -> report.HtmlFragment:
        """The leading series' chart, then each counted thing's figures over time with origin and status
        (new, repeat, stale, superseded), then the forecasts later articles bear on (suggestions for the
        researcher, never outcomes)."""
        if self.series.empty:
            return report.html_paragraphs(["No figure series: no dated count with an event and a party."])
        view = self.series.sort_values(["series_rank", "as_of", "doc_id", "char_start"], na_position="last")
        parts = [_figure_img(self.series_figure, "The leading figure series over time, by origin and status"),
                 report.html_table(view, ["series_label", "value_text", "as_of", "as_of_basis", "origin", "status",
                                          "doc_id"], caption="Figures over time, one row per point", max_rows=25,
                                   labels={"series_label": "series", "value_text": "figure", "as_of_basis": "dated by",
                                           "doc_id": "document"})]
        if len(self.suggestions):
            parts.append(report.html_table(self.suggestions, ["forecast_id", "outcome", "rule", "sentence", "doc_id"],
                                           caption="Forecasts a later article bears on (suggested, to confirm in "
                                                   "resolutions.csv)", max_rows=15))
        return report.HtmlFragment("".join(parts))

    @property
    def forecasts_html(self) -> report.HtmlFragment:
        parts = [report.html_paragraphs([self.forecast_text])]
        if len(self.forecast_summary):
            parts.append(report.html_table(self.forecast_summary, caption="Forecasts per forecaster by status",
                                           max_rows=12))
        if len(self.forecasts_due):
            parts.append(report.html_table(self.forecasts_due, caption="Due for resolution",
                                           labels={"cite": "document @ offsets"}, max_rows=20))
        if len(self.forecast_scores):
            parts.append(report.html_table(self.forecast_scores, caption="Scores over resolved forecasts"))
        return report.HtmlFragment("".join(parts))

    @property
    def checks_html(self) -> report.HtmlFragment:
        return report.html_table(self.checks, ["check", "passed", "detail"])


def _columns(fragments: list[str]) -> report.HtmlFragment:
    """Fragments side by side (already escaped HTML)."""
    return report.HtmlFragment('<div class="side-by-side">' + "".join(f"<div>{f}</div>" for f in fragments) + "</div>")


def _rival_groups(series: pd.DataFrame) -> list[pd.DataFrame]:
    """The leading series' standing figures that disagree, best-corroborated first (as the bottom line)."""
    if series.empty:
        return []
    best, others = best_group(leading_series(series))
    rivals = [g for g in others if any(len(as_list(c)) for c in g["conflicts_with"])]
    return [best, *rivals] if best is not None and rivals else []


def _point_view(points: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "figure": points["value_text"], "origin": points["origin"],
        "as of": [d.isoformat() if d else "undated" for d in (to_date(v) for v in points["as_of"])],
        "sentence": [snippet(str(t), 200) for t in points["sentence"]],
        "document": [cite(d, a, b) for d, a, b in zip(points["doc_id"], points["char_start"], points["char_end"])],
    }).reset_index(drop=True)


def _figure_img(figure: Any, alt: str) -> str:
    """A matplotlib figure as an inline PNG (a data: address, so the page needs no network); '' when none.
    Only generated pixels and a fixed alt text go into the tag: no article text is ever written raw."""
    if figure is None:
        return ""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure class="series-chart"><img alt="{escape_html(alt)}" src="data:image/png;base64,{data}"></figure>'


def _date_with_basis(published: Any, basis: Any) -> str | None:
    day = to_date(published)
    if day is None:
        return "undated"
    return f"{day.isoformat()} ({text_or_none(basis) or 'basis unknown'})"


def _date_range(start: Any, end: Any) -> str:
    s, e = to_date(start), to_date(end)
    if s is None:
        return "?"
    return s.isoformat() if e is None or e == s else f"{s.isoformat()} – {e.isoformat()}"


def _troop_view(inputs: Inputs) -> pd.DataFrame:
    troops = troops_with_dates(inputs)
    columns = ["date", "figure", "qualifier", "modality", "source", "sentence", "cite"]
    if troops.empty:
        return pd.DataFrame(columns=columns)
    troops = troops.sort_values(["effective_date", "doc_id", "claim_id"], na_position="last")
    return pd.DataFrame({
        "date": [d.isoformat() if d else "undated" for d in troops["effective_date"]],
        "figure": [f"{fmt_range(lo, hi)} {text_or_none(u) or ''}".strip()
                   for lo, hi, u in zip(col(troops, "value_low"), col(troops, "value_high"), col(troops, "unit"))],
        "qualifier": col(troops, "qualifier"), "modality": col(troops, "modality"), "source": troops["who"],
        "sentence": [snippet(str(s), 200) for s in col(troops, "sentence", "")],
        "cite": [cite(d, s, e) for d, s, e in zip(col(troops, "doc_id"), col(troops, "char_start"), col(troops, "char_end"))],
    }).reset_index(drop=True)


def _evidence_view(judgments: pd.DataFrame, claims: pd.DataFrame, outlets: dict[str, str]) -> pd.DataFrame:
    if judgments.empty or claims.empty:
        return pd.DataFrame(columns=["judgment", "figure", "source", "sentence", "cite"])
    frames = []
    for jid, ids in zip(judgments["judgment_id"], judgments["claim_ids"]):
        support = claims[claims["claim_id"].isin(as_list(ids))].sort_values(["doc_id", "char_start"])
        frames.append(claim_view(support, outlets).assign(judgment=jid))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _forecast_text(inputs: Inputs, ledger: dict[str, pd.DataFrame], as_of: date) -> str:
    f = inputs.forecasts
    if f.empty:
        return "The corpus holds no forecasts, so there is nothing to track or score."
    status = col(f, "status").fillna("open")
    counts = {s: int((status == s).sum()) for s in ("open", "due", "resolved")}
    forecasters = col(f, "forecaster").dropna()
    top = forecasters.value_counts().sort_index().sort_values(ascending=False, kind="stable")
    lead = f" The most prolific forecaster is {top.index[0]} ({int(top.iloc[0])})." if len(top) else ""
    scored = " Scores are shown for the resolved ones." if counts["resolved"] and len(ledger["scores"]) else ""
    return (f"{plural(len(f), 'forecast')} from {plural(forecasters.nunique(), 'forecaster')}: as of {as_of.isoformat()}, "
            f"{counts['open']} open, {counts['due']} due for resolution and {counts['resolved']} resolved.{lead}{scored}")


def compose(inputs: Inputs, corpus: str | Path, as_of: date,
            cache_dir: Path | None = None) -> tuple[Briefing, dict[str, pd.DataFrame]]:
    """Compute the briefing and the synthesis tables from the upstream tables (no store writes;
    `cache_dir` only keeps parsed dates between runs)."""
    claims = graded_claims(inputs)
    grades = grade_sources(inputs, claims)
    rec = reconcile_troops(inputs)
    story = story_tables(inputs, claims)
    summary = bottom_line(inputs, story["figure_series"], claims, as_of)
    judgments = key_judgments(inputs, claims, grades, series=story["figure_series"])
    events = timeline(inputs, cache_dir)
    gaps = intelligence_gaps(inputs, claims, as_of)
    ledger = forecast_ledger(inputs, as_of)
    briefing = Briefing(
        header=header_html(corpus, inputs, as_of),
        bottom_line_sentences=bottom_line_sentences(summary), bottom_line_table=summary,
        judgments=judgments, reconciliation=reconciliation_text(rec), troop_figure=troop_chart(inputs.troops),
        troops=_troop_view(inputs), sources=grades, contested=contested_claims(claims, outlets_by_doc(inputs)),
        single_source=single_source_claims(claims, outlets_by_doc(inputs)), gaps=gaps, timeline=events,
        actor_figure=actor_network_figure(inputs), quotes=top_quotes(inputs),
        forecast_summary=ledger["summary"], forecasts_due=ledger["due"], forecast_scores=ledger["scores"],
        forecast_text=_forecast_text(inputs, ledger, as_of),
        series=story["figure_series"], suggestions=story["resolution_suggestions"],
        series_figure=series_chart(story["figure_series"]),
    )
    briefing._evidence = _evidence_view(judgments, claims, outlets_by_doc(inputs))
    fragments = [briefing.header, briefing.bottom_line, briefing.judgments_html, briefing.judgment_evidence_html,
                 briefing.reconciliation_html, briefing.troops_html, briefing.sources_html,
                 briefing.side_by_side_html, briefing.gaps_html, briefing.timeline_html, briefing.quotes_html,
                 briefing.forecasts_html, briefing.series_html]
    briefing.checks = checks(inputs, grades, judgments, events, fragments)
    tables = {"source_grades": grades, "judgments": judgments, "timeline": events, "gaps": gaps, **story,
              "bottom_line": summary}
    return briefing, tables
