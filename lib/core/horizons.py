"""Forecast horizons: the time words of a prediction, resolved to a date range.

A forecast is only checkable against a deadline, and news copy gives deadlines as periods relative
to the day it was written ("within the coming weeks", "in two to four years", "soon"), not as dates.
We find those phrases with explicit patterns (so the offsets are exact and the rule is named) and
resolve them against the article's published date, never today. Day-level mentions ("on Friday",
"as early as Sunday", "next Tuesday") come from `lib.dates`, which resolves weekdays by its own
rule because dateparser's weekday handling has known bugs; periods are ours. Vague words get the
ranges documented in `lib/data/horizon_words.csv`, which researchers may edit.

Every horizon is a closed range [start, end]: the forecast comes true if the event happens on or
before `end` (and, for "in two to four years", not before `start`). Without a base date the text is
kept and the dates are None: a guess against today would be silently wrong."""

from __future__ import annotations

import calendar
import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lib.core import dates
from lib.core.config import DATA_DIR

HORIZON_WORDS_CSV = DATA_DIR / "horizon_words.csv"


# Quote marks may sit inside a horizon ("within “the coming weeks.”"): they are masked to spaces
# before matching so offsets stay those of the original text.
_QUOTE_MASK = str.maketrans({c: " " for c in "\"“”„«»‘’'"})


_GAP = r"\s+"


NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18,
    "twenty": 20, "thirty": 30, "a couple of": 2, "a couple": 2,
}


_NUM = r"(?:\d{1,3}|a couple of|a couple|an|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|thirty)"


_UNIT = r"(?P<unit>day|week|month|year|decade)s?"


_RANGE = rf"(?P<low>{_NUM})(?:\s*(?:-|–|to|or)\s*(?P<high>{_NUM}))?"


STAND_IN_BASE = date(2001, 1, 1)  # only used to locate relative phrases when there is no base date


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")


_YEAR = r"(?P<year>20\d{2})"


@dataclass(frozen=True)
class Horizon:
    """A time phrase of a forecast: where it is, what it says, and the range it resolves to."""

    char_start: int
    char_end: int
    text: str
    start: date | None
    end: date | None
    rule: str  # which pattern resolved it, so a reader can check the reading


@lru_cache(maxsize=1)
def horizon_words() -> tuple[tuple[str, int, int, str], ...]:
    """(phrase, start_days, end_days, rule) rows of the researcher-editable vague-word table."""
    with HORIZON_WORDS_CSV.open(encoding="utf-8") as handle:
        rows = [(r["phrase"].strip().lower(), int(r["start_days"]), int(r["end_days"]), r["rule"])
                for r in csv.DictReader(handle)]
    # Longest first so "in the coming weeks" wins over a shorter phrase inside it.
    return tuple(sorted(rows, key=lambda r: (-len(r[0]), r[0])))


def _phrase_pattern(phrase: str) -> str:
    words = [re.escape(w) for w in re.split(r"[\s]+", phrase)]
    body = _GAP.join(words).replace(r"\-", r"[-\s]?")
    return rf"\b{body}\b"


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    year = min(max(year, 1), 9999)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def shift(day: date, amount: int, unit: str) -> date:
    """`day` moved forward by `amount` units (day, week, month, year, decade), saturating at 9999."""
    try:
        if unit == "day":
            return day + timedelta(days=amount)
        if unit == "week":
            return day + timedelta(weeks=amount)
        if unit == "month":
            return add_months(day, amount)
        if unit == "year":
            return add_months(day, 12 * amount)
        return add_months(day, 120 * amount)
    except OverflowError:
        return date.max


def _number(word: str | None) -> int | None:
    if word is None:
        return None
    word = word.lower().strip()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def _ordered(start: date, end: date) -> tuple[date, date]:
    return (start, end) if start <= end else (end, start)


def _end_of(unit: str, day: date) -> date:
    if unit == "week":
        return day + timedelta(days=6 - day.weekday())
    if unit == "month":
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return date(day.year, 12, 31)


# (rule name, compiled pattern) of the period patterns, most specific first. Each resolver gets the
# match and the base date and returns (start, end).
_PERIODS: list[tuple[str, re.Pattern[str]]] = [
    ("final span", re.compile(rf"\b(?:their|its|the)?\s*final\s+{_RANGE}\s+{_UNIT}", re.I)),
    ("within span", re.compile(
        rf"\b(?:within|in|over|during)\s+(?:the\s+)?(?:next|coming|following)\s+{_RANGE}\s+{_UNIT}", re.I)),
    ("within span", re.compile(rf"\bwithin\s+{_RANGE}\s+{_UNIT}", re.I)),
    ("span from now", re.compile(rf"\b(?:in|after)\s+{_RANGE}\s+{_UNIT}(?:'?s?\s+time)?", re.I)),
    ("end of period", re.compile(
        r"\b(?:by|before)\s+the\s+end\s+of\s+(?:the|this)\s+(?P<unit>week|month|year)|\bby\s+(?P<unit2>year)[-\s]end"
        r"|\blater\s+this\s+(?P<unit3>week|month|year)", re.I)),
    ("end of next period", re.compile(r"\b(?:by|before)\s+the\s+end\s+of\s+next\s+(?P<unit>week|month|year)", re.I)),
    ("end of year", re.compile(rf"\b(?:by|before)\s+(?:the\s+end\s+of\s+)?{_YEAR}\b", re.I)),
    ("year", re.compile(rf"\b(?:in|during)\s+{_YEAR}\b", re.I)),
    ("in month", re.compile(rf"\b(?:in|during|from|until)\s+(?:early\s+|mid-?\s*|late\s+)?(?P<month>{'|'.join(_MONTHS[:4] + _MONTHS[5:])})(?:\s+{_YEAR})?\b", re.I)),
    ("by month", re.compile(rf"\bby\s+(?:the\s+end\s+of\s+)?(?P<month>{'|'.join(_MONTHS)})(?:\s+{_YEAR})?\b", re.I)),
]


def _resolve_period(rule: str, match: re.Match[str], base: date | None) -> tuple[date | None, date | None]:
    groups = match.groupdict()
    year = groups.get("year")
    if rule == "end of year" and year:
        return (base if base and base.year <= int(year) else date(int(year), 1, 1)), date(int(year), 12, 31)
    if rule == "year" and year:
        return date(int(year), 1, 1), date(int(year), 12, 31)
    if base is None:
        return None, None
    if rule in {"final span", "within span", "span from now"}:
        unit = groups["unit"].lower()
        low = _number(groups.get("low")) or 1
        high = _number(groups.get("high")) or low
        low, high = min(low, high), max(low, high)
        if rule == "within span":
            return base, shift(base, high, unit)
        return _ordered(shift(base, low, unit), shift(base, high, unit))
    if rule == "end of period":
        unit = (groups.get("unit") or groups.get("unit2") or groups.get("unit3")).lower()
        return base, _end_of(unit, base)
    if rule == "end of next period":
        unit = groups["unit"].lower()
        return base, _end_of(unit, shift(base, 1, unit))
    if rule == "in month":  # "in June": the next June on or after the article's month
        month = _MONTHS.index(groups["month"].lower()) + 1
        target_year = int(year) if year else (base.year if month >= base.month else base.year + 1)
        return date(target_year, month, 1), date(target_year, month, calendar.monthrange(target_year, month)[1])
    if rule == "by month":
        month = _MONTHS.index(groups["month"].lower()) + 1
        target_year = int(year) if year else (base.year if month >= base.month else base.year + 1)
        end = date(target_year, month, calendar.monthrange(target_year, month)[1])
        return _ordered(base, end)
    return None, None


def _vague_matches(masked: str, base: date | None) -> list[Horizon]:
    found = []
    for phrase, start_days, end_days, _rule in horizon_words():
        for match in re.finditer(_phrase_pattern(phrase), masked, re.I):
            start = shift(base, start_days, "day") if base else None
            end = shift(base, end_days, "day") if base else None
            found.append(Horizon(match.start(), match.end(), "", start, end, f"vague word '{phrase}'"))
    return found


def _period_matches(masked: str, base: date | None) -> list[Horizon]:
    found = []
    for rule, pattern in _PERIODS:
        for match in pattern.finditer(masked):
            try:
                start, end = _resolve_period(rule, match, base)
            except (OverflowError, ValueError):  # beyond the calendar: keep the phrase, drop the dates
                start, end = None, None
            found.append(Horizon(match.start(), match.end(), "", start, end, rule))
    return found


def _day_matches(text: str, base: date | None) -> list[Horizon]:
    """Day-level mentions from lib.dates, read forward in time (a forecast points ahead)."""
    found = []
    try:
        # Without a base the phrase is still a horizon: find it against a stand-in day, keep no dates.
        mentions = dates.find_dates(text, base or STAND_IN_BASE, prefer="future")
    except OverflowError:  # a base at the edge of the calendar (a corrupt date): no day-level horizons
        return []
    for mention in mentions:
        start, end = mention.start, mention.end
        if base is None and mention.basis != "stated":
            start = end = None
        lowered = mention.text.lower()
        if base is not None and start is not None and _is_the_day_itself(mention.pattern, start, base):
            start = end = base  # "KYIV, Sept 21 -" on Sept 21: the dateline's day, not next year's
        if base is not None and end is not None and end < base:
            continue  # a date before the article is narration, not a deadline
        if base is not None and re.match(r"(by|until|before)\b", lowered):
            start = base  # "by Friday": any day up to Friday counts
        found.append(Horizon(mention.char_start, mention.char_end, "", start, end, f"date ({mention.pattern})"))
    return found


def _is_the_day_itself(pattern: str, day: date, base: date) -> bool:
    """A day and month with no year, read forward, lands a year after the article when it names
    the article's own day; that day is meant (a dateline or "today, Sept 21")."""
    return pattern == "month_day" and (day.month, day.day) == (base.month, base.day) and day.year == base.year + 1


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop spaces and quote marks at the edges so the span starts and ends on a word."""
    edge = " \t\n\"“”„«»‘’'.,;:"
    while start < end and text[start] in edge:
        start += 1
    while end > start and text[end - 1] in edge:
        end -= 1
    return start, end


def find_horizons(text: str, base: date | None) -> list[Horizon]:
    """Every horizon phrase in `text` (in text order, non-overlapping, longest first on ties)
    with its resolved range against `base` (the article's date; None gives None dates)."""
    masked = text.translate(_QUOTE_MASK)
    candidates = _period_matches(masked, base) + _vague_matches(masked, base) + _day_matches(text, base)
    # Longer phrases first: "by the end of the year" must beat "the year"-sized fragments.
    candidates.sort(key=lambda h: (-(h.char_end - h.char_start), h.char_start))
    taken: list[Horizon] = []
    for h in candidates:
        start, end = _trim(text, h.char_start, h.char_end)
        if start >= end or any(start < t.char_end and t.char_start < end for t in taken):
            continue
        lo, hi = h.start, h.end
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        taken.append(Horizon(start, end, text[start:end], lo, hi, h.rule))
    return sorted(taken, key=lambda h: (h.char_start, h.char_end))


def resolve_horizon(phrase: str, base: date | None) -> tuple[date, date] | None:
    """The range of a single horizon phrase (e.g. a section heading "Short-term"); None if the
    phrase is not a horizon or there is no base date to resolve it against."""
    found = find_horizons(phrase, base)
    if not found or found[0].start is None or found[0].end is None:
        return None
    return found[0].start, found[0].end
