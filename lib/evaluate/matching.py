"""Pairing gold spans with predicted rows: the one rule every scorer here uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Span = tuple[int, int]


def own_span(row: dict[str, Any]) -> Span:
    return row["char_start"], row["char_end"]


def overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match_spans(gold: list[dict[str, Any]], predicted: list[dict[str, Any]],
                span_of: Callable[[dict[str, Any]], Span] = own_span,
                same_document: bool = False) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each gold item (in the order given) with the unused predicted row overlapping it most, or None.

    Greedy, one predicted row per gold item: a prediction that covers two gold spans counts once,
    so precision is not flattered. With `same_document`, only rows of the gold item's doc_id compete."""
    used: set[int] = set()
    pairs = []
    for g in gold:
        span = own_span(g)
        best, best_overlap = None, 0
        for i, p in enumerate(predicted):
            if i in used or (same_document and p["doc_id"] != g["doc_id"]):
                continue
            shared = overlap(span, span_of(p))
            if shared > best_overlap:
                best, best_overlap = i, shared
        if best is not None:
            used.add(best)
        pairs.append((g, predicted[best] if best is not None else None))
    return pairs
