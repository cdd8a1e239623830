"""Display helpers shared by every notebook: fixed pandas options, escaped HTML tables, plot style.

Why one module: nbval compares text/plain and text/html of every cell, so every notebook must
render tables the same way on every machine (fixed widths, fixed float format); and everything
that came from an article may hold markup or a script, so the ONE table renderer the notebooks use
escapes every cell and header itself instead of trusting each caller to remember."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from lib.core.document import escape_html

# Fixed so a table prints identically everywhere (terminal width must not leak into outputs).
DISPLAY_OPTIONS: dict[str, Any] = {
    "display.max_columns": 30,
    "display.max_rows": 60,
    "display.max_colwidth": 80,
    "display.width": 120,
    "display.precision": 3,
    "display.show_dimensions": False,
    "display.html.use_mathjax": False,  # no MathJax: the briefing must not need a script to read
}


# One look for every figure: fixed size and DPI so the exports are stable; no network fonts.
PLOT_STYLE: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (8.0, 4.5),
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "svg.hashsalt": "workbook",  # deterministic ids if anyone saves SVG
}


MISSING = "–"  # shown for NULL cells: an empty cell reads as a rendering bug


class HtmlFragment(str):
    """A string of trusted (already escaped) HTML that Jupyter displays as HTML.

    Ending a notebook cell with one shows the table; it is still a str for tests and exports.
    """

    def _repr_html_(self) -> str:
        return str(self)


def setup_display() -> None:
    """Apply the fixed pandas options and plot style (call once in a notebook's imports cell)."""
    for key, value in DISPLAY_OPTIONS.items():
        pd.set_option(key, value)
    apply_plot_style()
    _show_figures_as_png()


def _show_figures_as_png() -> None:
    """Let a cell ending with a Figure show it as an embedded PNG (nbval ignores image bytes),
    even when the Figure was made without pyplot; outside IPython this does nothing."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("png")


def apply_plot_style() -> None:
    import matplotlib

    matplotlib.rcParams.update(PLOT_STYLE)


def new_figure(width: float = 8.0, height: float = 4.5):
    """A Figure of fixed size in the house style (not registered with pyplot, so nothing leaks)."""
    from matplotlib.figure import Figure

    apply_plot_style()
    return Figure(figsize=(width, height), dpi=PLOT_STYLE["figure.dpi"], layout="constrained")


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return False


def format_value(value: Any) -> str:
    """A cell as plain text: stable number formats, ISO dates, lists joined; no repr of objects."""
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, (str, bytes))
                                            and getattr(value, "ndim", 0) == 1):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        return "; ".join(format_value(v) for v in items if not _is_missing(v))
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value)


def html_table(
    df: pd.DataFrame,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    max_rows: int | None = None,
    caption: str | None = None,
    empty: str = "No rows.",
    raw_html_columns: Iterable[str] = (),
) -> HtmlFragment:
    """Render `df` as an HTML table in which EVERY header and cell is escaped.

    `labels` renames columns for readers; `max_rows` cuts long tables and says how many rows were
    left out (a silent cut misleads); `raw_html_columns` are columns the caller built from
    already-escaped pieces (e.g. a cell with <mark> around an escaped span) and are inserted as is.
    """
    raw = set(raw_html_columns)
    columns = list(columns) if columns is not None else list(df.columns)
    labels = dict(labels or {})
    parts = ['<table class="wb-table">']
    if caption:
        parts.append(f"<caption>{escape_html(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(
        f"<th>{escape_html(labels.get(c, c))}</th>" for c in columns) + "</tr></thead>")
    parts.append("<tbody>")
    shown = df if max_rows is None else df.head(max_rows)
    for record in shown[columns].to_dict(orient="records") if len(shown) else []:
        cells = []
        for c in columns:
            value = record[c]
            text = str(value) if c in raw and not _is_missing(value) else escape_html(format_value(value))
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool) and not _is_missing(value)
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    if not len(df):
        parts.append(f'<tr><td colspan="{max(len(columns), 1)}" class="empty">{escape_html(empty)}</td></tr>')
    parts.append("</tbody></table>")
    if max_rows is not None and len(df) > max_rows:
        parts.append(f'<p class="wb-note">Showing {max_rows} of {len(df)} rows.</p>')
    return HtmlFragment("".join(parts))


def html_paragraphs(texts: Iterable[str], css_class: str | None = None) -> HtmlFragment:
    """Plain-text paragraphs (possibly from articles) as escaped HTML <p> elements."""
    attr = f' class="{escape_html(css_class)}"' if css_class else ""
    return HtmlFragment("".join(f"<p{attr}>{escape_html(t)}</p>" for t in texts))


def html_list(items: Iterable[str], ordered: bool = False) -> HtmlFragment:
    """Plain-text items as an escaped HTML list."""
    tag = "ol" if ordered else "ul"
    body = "".join(f"<li>{escape_html(item)}</li>" for item in items)
    return HtmlFragment(f"<{tag}>{body}</{tag}>")
