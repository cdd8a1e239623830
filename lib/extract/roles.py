"""Roles and affiliations of the people a document names: a title before or after the name ("Defence Minister X", "X, the army chief"), and the state or body it belongs to."""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Doc

from lib.extract.names import (
    kind_vocabulary,
)

# ---------------------------------------------------------------- roles and affiliations

def attach_roles(rows: list[dict[str, Any]], parsed: Doc, text: str) -> None:
    """Fill role/affiliation of person mentions from titles before and appositions after the name."""
    vocab = kind_vocabulary()
    by_start = sorted(rows, key=lambda r: r["char_start"])
    for row in by_start:
        if row["kind"] != "person":
            continue
        found = _title_before(row, parsed, text, vocab["title_set"], by_start) or \
            _apposition_after(row, text, vocab["title_set"], by_start)
        if found:
            start, end, role, affiliation, pattern = found
            row.update(role=role, affiliation=affiliation, role_start=start, role_end=end, role_pattern=pattern)


def _mentions_inside(rows: list[dict[str, Any]], start: int, end: int) -> list[dict[str, Any]]:
    # +1: a mention keeps the dot of "Inc." that a role phrase ends before
    return [r for r in rows if start <= r["char_start"] and r["char_end"] <= end + 1]


def _affiliation_from(rows: list[dict[str, Any]], states_count: bool) -> str | None:
    """The organisation a role names; the last one, because "X at Y" names the larger body last.

    A state counts only in a title ("Russian President"): in an apposition it is usually the
    topic of expertise ("a North Korea expert"), not an employer.
    """
    orgs = [r["name"] for r in rows if r["kind"] not in ("person", "state")]
    if orgs:
        return orgs[-1]
    states = [r["name"] for r in rows if r["kind"] == "state"]
    return states[0] if states and states_count else None


def _title_before(row, parsed: Doc, text: str, titles: set[str], rows) -> tuple | None:
    """'NATO Secretary-General Mark Rutte', 'North Korean leader Kim Jong Un': the words before."""
    span = parsed.char_span(row["char_start"], row["char_end"], alignment_mode="expand")
    if span is None:
        return None
    i = span.start - 1
    first = None
    while i >= 0:
        tok = parsed[i]
        word = tok.text.lower()
        if tok.text in "-‐‑" or word in titles or (tok.text[:1].isupper() and tok.pos_ in ("PROPN", "ADJ", "NOUN")):
            first = i
            if tok.is_sent_start:
                break
            i -= 1
            continue
        break
    if first is None:
        return _title_apposed_before(row, text, titles, rows)
    phrase = parsed[first:span.start]
    inside = _mentions_inside(rows, phrase.start_char, phrase.end_char)
    role_tokens = [t for t in phrase if not any(r["char_start"] <= t.idx < r["char_end"] for r in inside)]
    while role_tokens and role_tokens[0].text.lower() not in titles:
        role_tokens = role_tokens[1:]  # "Com TW ... President": keep from the first title word
    if not role_tokens:
        return _title_apposed_before(row, text, titles, rows)
    role = text[role_tokens[0].idx:role_tokens[-1].idx + len(role_tokens[-1])]
    return phrase.start_char, phrase.end_char, role, _affiliation_from(inside, True), "title"


def _title_apposed_before(row, text: str, titles: set[str], rows) -> tuple | None:
    """'Ukrainian ambassador to South Korea, Dmytro Ponomarenko, said': a role set off before the name."""
    before = text[row["sentence_start"]:row["char_start"]]
    if not before.endswith(", ") or not text[row["char_end"]:].startswith(","):
        return None
    head = before[:-2]
    cut = max(head.rfind(ch) for ch in ":;.\n“”\",")
    segment = head[cut + 1:]
    body = segment.strip()
    words = [w.lower() for w in re.split(r"[\s-]+", body) if w]
    if not body or not body[0].isupper() or len(words) > 10 or not any(w in titles for w in words):
        return None
    start = row["sentence_start"] + cut + 1 + (len(segment) - len(segment.lstrip()))
    end = start + len(body)
    inside = _mentions_inside(rows, start, end)
    return start, end, body, _affiliation_from(inside, True), "apposition"


def _apposition_after(row, text: str, titles: set[str], rows) -> tuple | None:
    """'Carl Schuster, an instructor ... at Hawaii Pacific University', 'Facon, of the Foundation ...'.

    The phrase runs across commas that continue a list of names ("History, Humanities, and ...")
    and stops at a comma before a lower-case word ("..., said"), a full stop or a quote mark.
    """
    base = row["char_end"]
    rest = text[base:base + 320]
    opening = re.match(r",\s+(?:(of|at|from)\s+)?|\s+(of|at)\s+(?=(?:the\s+)?[A-Z])", rest)
    if not opening:
        return None
    preposition = opening.group(1) or opening.group(2)
    body_start = opening.end() if not preposition else opening.start(1 if opening.group(1) else 2)
    stop = re.search(r"\.(?=\s|$)|[;:“”\"\n(]|$", rest[opening.end():])
    hard = opening.end() + stop.start()
    pos, end = opening.end(), hard
    while True:
        comma = rest.find(",", pos, hard)
        if comma == -1:
            break
        after = rest[comma + 1:hard].lstrip()
        if not preposition and after and (after[0].isupper() or after.startswith("and ")):
            pos = comma + 1
            continue
        end = comma
        break
    body = rest[opening.end():end].strip()
    if len(body) < 3:
        return None
    words = [w.lower().strip("'’") for w in re.split(r"[\s-]+", body) if w]
    if not preposition:
        if not (words[0] in ("a", "an", "the") or words[0] in titles) or not any(w in titles for w in words[:6]):
            return None
        if words[0] in ("said", "says", "told", "added", "wrote", "who", "which", "that"):
            return None
    start, stop_at = base + body_start, base + end
    inside = _mentions_inside(rows, start, stop_at)
    affiliation = _affiliation_from(inside, False)
    if preposition:
        named = re.match(r"(?:of|at|from)\s+(?:the\s+)?([A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|of|for|on|and|the))*)", text[start:stop_at])
        if affiliation is None and named:  # the small model often misses long organisation names
            affiliation = named.group(1).strip()
        return (start, stop_at, None, affiliation, "of") if affiliation else None
    return start, stop_at, text[start:stop_at].strip(), affiliation, "apposition"
