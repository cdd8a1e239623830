"""The troop-figure chart: one bar or marker per figure, through one artist per mark kind."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Any

import pandas as pd

from lib.corpus.prose import to_date
from lib.evaluate.claims import is_missing
from lib.views.claims import Mark


def _bar(axes: Any, x: float, bottom: float, top: float, colour: str) -> Any:
    """A stated range: a translucent vertical bar."""
    return axes.vlines(x, bottom, top, colors=colour, linewidth=3, alpha=0.6)


def _point(axes: Any, x: float, y: float, marker: str, colour: str) -> Any:
    """The stated figure, its marker telling the modality."""
    return axes.plot([x], [y], marker=marker, color=colour, markersize=7, linestyle="none")[0]


def _cap(axes: Any, x: float, y: float, marker: str, colour: str) -> Any:
    """The open end of a ceiling ('v') or a floor ('^')."""
    return axes.plot([x], [y], marker=marker, color=colour, markersize=5)[0]


_MARK_MAKERS = {"bar": _bar, "point": _point, "cap": _cap}


@lru_cache(maxsize=1)
def _marks_in_order() -> type:
    """The `_MarksInOrder` artist class, made on first use: importing this module must not import matplotlib."""
    from matplotlib.artist import Artist, allow_rasterization

    class _MarksInOrder(Artist):
        """Draws many marks of a few kinds in the order they were given, through one real artist per kind.

        A chart of 900 figures made some 2,000 artists (one `vlines` and one to three `plot` calls
        each), and matplotlib's bookkeeping per artist, not the drawing, cost seconds. Here each kind
        is made once, by the very call that made every mark before, taken out of the axes and
        re-pointed at each mark's data when drawn. The order is kept mark by mark (a later bar is still
        drawn over an earlier marker), so the pixels are the same; the axes' data limits get every mark.
        """

        zorder = 2  # that of the lines and collections drawn before

        def __init__(self, axes: Any, marks: list[Mark]) -> None:
            super().__init__()
            self._marks = marks
            self._templates = {}
            for kind, *mark in marks:
                if kind not in self._templates:
                    self._templates[kind] = _MARK_MAKERS[kind](axes, *mark)
                    self._templates[kind].remove()
            bars = [(x, y) for kind, x, bottom, top, _ in marks if kind == "bar" for y in (bottom, top)]
            points = [(x, y) for kind, x, y, _, _ in marks if kind != "bar"]
            axes.update_datalim(bars + points)
            axes.autoscale()  # the view follows the data limits, as after each vlines/plot call
            axes.add_artist(self)

        @allow_rasterization
        def draw(self, renderer: Any) -> None:
            for kind, x, y, extra, colour in self._marks:
                template = self._templates[kind]
                if kind == "bar":
                    template.set_segments([[(x, y), (x, extra)]])
                else:
                    template.set_data([x], [y])
                    template.set_marker(extra)
                template.set_color(colour)
                template.draw(renderer)
            self.stale = False

    _MarksInOrder.__qualname__ = "_MarksInOrder"  # found by `__getattr__` below, so figures still pickle
    return _MarksInOrder


def __getattr__(name: str) -> Any:
    """Module attributes made on first use (PEP 562): `_MarksInOrder`, for pickle to find by name."""
    if name == "_MarksInOrder":
        return _marks_in_order()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CHART_COLOURS = 10  # matplotlib's default cycle: beyond it, colours would repeat and mislead


OTHER_SOURCES_COLOUR = "0.6"


def _source_colours(labels: list[str]) -> tuple[list[str], dict[str, str]]:
    """(legend entries, colour of each label). Up to ten sources get a colour each; beyond that the
    nine giving the most figures keep one and the rest share a grey 'other sources' entry, because a
    cycle of ten colours over hundreds of sources would tell the reader nothing (and a legend of
    hundreds of lines does not fit the figure)."""
    sources = sorted(set(labels))
    if len(sources) <= CHART_COLOURS:
        return sources, {s: f"C{i}" for i, s in enumerate(sources)}
    counts = Counter(labels)
    top = sorted(sorted(sources, key=lambda s: (-counts[s], s))[:CHART_COLOURS - 1])
    not_grey = [f"C{i}" for i in range(CHART_COLOURS) if i != 7]  # C7 is grey: kept for 'other'
    colours = dict(zip(top, not_grey))
    other = f"other sources ({len(sources) - len(top)})"
    colours.update({s: OTHER_SOURCES_COLOUR for s in sources if s not in colours})
    colours[other] = OTHER_SOURCES_COLOUR
    return top + [other], colours


def _places(as_of: Any, dated_axes: Any, undated_axes: Any) -> tuple[list[tuple[Any, float]], list[date], int]:
    """(axes, x) of each figure in order: undated ones side by side in their own panel, dated ones on
    the time axis, nudged apart when several share a day (one source's bar must not hide another's);
    with the days drawn and the number of undated figures, for the axes."""
    import matplotlib.dates as mdates

    places: list[tuple[Any, float]] = []
    seen: dict[date, int] = {}
    undated = 0
    for value in as_of:
        when = to_date(value)
        if when is None:
            places.append((undated_axes, float(undated)))
            undated += 1
        else:
            k = seen.get(when, 0)
            seen[when] = k + 1
            places.append((dated_axes, mdates.date2num(when) + k * 0.15))
    return places, sorted(seen), undated


def _dress_axes(dated_axes: Any, undated_axes: Any, days: list[date], n_undated: int) -> None:
    """Log scale, day ticks and panel titles shared by the figure charts."""
    import matplotlib.dates as mdates

    if days:  # at least a day either side, so a one-day corpus does not get hour ticks
        dated_axes.set_xlim(mdates.date2num(days[0]) - 1, mdates.date2num(days[-1]) + 1)
    dated_axes.set_yscale("log")
    span_days = (days[-1] - days[0]).days if days else 1
    dated_axes.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, (span_days + 2) // 4)))
    dated_axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    dated_axes.set_title("dated (as of)", fontsize=9)
    undated_axes.set_title("undated", fontsize=9)
    undated_axes.set_xlim(-1, max(n_undated, 1))
    undated_axes.set_xticks([])


def troop_chart(troops: pd.DataFrame):
    """Figures over time by source: a range is a vertical bar, modality the marker, the source the colour.

    Undated figures (no event date and no published date) cannot be placed on a time axis: they are
    drawn in a separate 'undated' panel at the right, so nothing is silently dropped. A ceiling is
    drawn down to the axis floor with a 'v' cap, a floor up with a '^' cap. Returns a Figure of fixed
    size (9 x 4.5 in); only personnel figures are drawn (brigades are another unit).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    figure = Figure(figsize=(9, 4.5))
    dated_axes, undated_axes = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 1]})
    people = troops[troops["unit_category"] == "personnel"] if len(troops) else troops
    if people.empty:
        dated_axes.text(0.5, 0.5, "no troop figures", ha="center", va="center", transform=dated_axes.transAxes)
        return figure
    labels = [s if isinstance(s, str) else ("anonymous" if isinstance(t, str) else "author")
              for s, t in zip(people.source, people.source_text)]
    sources, colours = _source_colours(labels)
    markers = {"reported": "o", "planned": "s", "possible": "D"}
    floor = 100.0
    places, days, n_undated = _places(people.as_of, dated_axes, undated_axes)
    marks: dict[Any, list[Mark]] = {dated_axes: [], undated_axes: []}  # drawn by one artist per axes
    for label, row, (axes, x) in zip(labels, people.itertuples(), places):
        lo = None if is_missing(row.value_low) else row.value_low
        hi = None if is_missing(row.value_high) else row.value_high
        bottom = lo if lo is not None else floor
        top = hi if hi is not None else (lo or floor) * 3
        colour = colours[label]
        marks[axes].append(("bar", x, bottom, top, colour))
        marks[axes].append(("point", x, hi if lo is None else lo, markers.get(row.modality, "o"), colour))
        if lo is None:
            marks[axes].append(("cap", x, bottom, "v", colour))
        if hi is None:
            marks[axes].append(("cap", x, top, "^", colour))
    for axes, its_marks in marks.items():
        if its_marks:
            _marks_in_order()(axes, its_marks)
    _dress_axes(dated_axes, undated_axes, days, n_undated)
    dated_axes.set_ylabel("troops (log scale)")
    handles = [Line2D([], [], color=colours[s], linewidth=3, label=s) for s in sources]
    handles += [Line2D([], [], color="black", marker=m, linestyle="none", label=k) for k, m in markers.items()]
    undated_axes.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    figure.suptitle("Personnel figures over time, by source (bar = stated range)")
    figure.tight_layout()
    return figure


# How a point's status reads on the series chart: a repeat or stale point is hollow (it adds no news).
STATUS_MARKERS = {"new": "o", "superseded": "v", "repeat": "s", "stale": "X"}


def _series_marks(points: pd.DataFrame, colours: dict[str, str], dated_axes: Any, undated_axes: Any,
                  labels: list[str]) -> tuple[dict[Any, list[Mark]], list[date], int]:
    """The marks of a series' points: a bar for a range, the status as marker, the origin as colour."""

    places, days, n_undated = _places(points.as_of, dated_axes, undated_axes)
    marks: dict[Any, list[Mark]] = {dated_axes: [], undated_axes: []}
    for label, row, (axes, x) in zip(labels, points.itertuples(), places):
        lo = None if is_missing(row.value_low) else float(row.value_low)
        hi = None if is_missing(row.value_high) else float(row.value_high)
        bottom, top = (lo if lo is not None else hi), (hi if hi is not None else lo)
        if bottom != top:
            marks[axes].append(("bar", x, bottom, top, colours[label]))
        marks[axes].append(("point", x, bottom, STATUS_MARKERS.get(row.status, "o"), colours[label]))
        if hi is None:
            marks[axes].append(("cap", x, bottom * 1.15, "^", colours[label]))
    return marks, days, n_undated


def series_chart(series: pd.DataFrame):
    """One figure series over time: each point at the date the text gives it for, coloured by its origin
    (at most ten colours, the rest one grey entry), its marker telling its status (new, repeat, stale,
    superseded), a bar for a stated range and a '^' for a floor. Undated points sit in a panel of their
    own, so none is dropped. Draws the leading series (lowest series_rank) when given several."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    figure = Figure(figsize=(9, 4.5))
    dated_axes, undated_axes = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 1]})
    if series.empty:
        dated_axes.text(0.5, 0.5, "no figure series", ha="center", va="center", transform=dated_axes.transAxes)
        return figure
    points = series[series["series_rank"] == series["series_rank"].min()]
    labels = [str(o) for o in points["origin"]]
    origins, colours = _source_colours(labels)
    marks, days, n_undated = _series_marks(points, colours, dated_axes, undated_axes, labels)
    for axes, its_marks in marks.items():
        if its_marks:
            _marks_in_order()(axes, its_marks)
    _dress_axes(dated_axes, undated_axes, days, n_undated)
    dated_axes.set_ylabel(f"{points['series_label'].iloc[0]} (log scale)", fontsize=8)
    handles = [Line2D([], [], color=colours[o], linewidth=3, label=o) for o in origins]
    handles += [Line2D([], [], color="black", marker=m, linestyle="none", label=s) for s, m in STATUS_MARKERS.items()]
    undated_axes.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    figure.suptitle(f"{points['series_label'].iloc[0]}: each point by origin and status")
    figure.tight_layout()
    return figure
