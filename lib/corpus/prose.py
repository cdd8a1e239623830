"""Formatting helpers for generated prose: numbers, ranges, names, citations, missing values."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd


def col(df: pd.DataFrame, name: str, default: Any = None) -> pd.Series:
    """A column, or a column of `default` when an upstream table lacks it (contracts evolve)."""
    if name in df.columns:
        return df[name]
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def positions_by(frame: pd.DataFrame, column: str) -> dict[Any, Any]:
    """Row positions per value of `column`, computed once: filtering the whole frame with `==`
    for each cluster made the judgments quadratic. Rows with a missing key are left out, as `==`
    never matched them either."""
    if not len(frame):
        return {}
    return frame.groupby(col(frame, column), sort=False).indices


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def text_or_none(value: Any) -> str | None:
    return None if is_missing(value) or str(value).strip() == "" else str(value)


def to_date(value: Any) -> date | None:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def as_list(value: Any) -> list:
    if is_missing(value) if not isinstance(value, (list, tuple)) and not hasattr(value, "tolist") else False:
        return []
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [v for v in value if not is_missing(v)] if isinstance(value, (list, tuple)) else [value]


def fmt_number(value: float | None) -> str:
    if value is None or is_missing(value):
        return "?"
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def fmt_range(low: Any, high: Any) -> str:
    low_s, high_s = fmt_number(low), fmt_number(high)
    if is_missing(low):
        return f"up to {high_s}"
    if is_missing(high) or low_s == high_s:
        return low_s
    return f"{low_s}–{high_s}"


def join_names(names: list[str], limit: int = 4) -> str:
    """'A', 'A and B', 'A, B and C'; more than `limit` names end with 'and N others'."""
    names = list(dict.fromkeys(n for n in names if n))
    if len(names) > limit:
        rest = len(names) - limit + 1
        names = names[: limit - 1] + [f"{rest} others"]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def source_label(row: dict[str, Any], outlets: dict[str, str] | None = None) -> str:
    """Who stands behind a claim, for prose: the canonical actor; else the words as written,
    marked unnamed when they name no one ("Reports (unnamed, in NBC News)"); else the publishing
    outlet when the article speaks in its own voice; else 'unattributed'."""
    named = text_or_none(row.get("source"))
    if named:
        return named
    outlet = (outlets or {}).get(row.get("doc_id"))
    written = text_or_none(row.get("source_text"))
    if written and row.get("attribution") == "anonymous":
        return f"{written} (unnamed, in {outlet})" if outlet else f"{written} (unnamed)"
    if written:
        return written
    return f"{outlet} (own reporting)" if outlet else "unattributed"


# The fields source_label reads.
SOURCE_FIELDS = ["source", "doc_id", "source_text", "attribution"]


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def counted(n: int, word: str, many: str | None = None) -> str:
    """'one independent origin', 'two documents', '12 documents': style spells out numbers below ten."""
    noun = word if n == 1 else (many or word + "s")
    return f"{NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else n} {noun}"


def cite(doc_id: Any, char_start: Any, char_end: Any) -> str:
    """Provenance as readers see it: document and character span of the sentence."""
    if is_missing(char_start):
        return str(doc_id)
    return f"{doc_id} @{int(char_start)}–{int(char_end)}"
