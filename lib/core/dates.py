"""Day-level date mentions in article text, resolved against the article's own date.

News copy dates events relative to publication ("on Friday", "last week", "Oct. 28"), so a date is
only meaningful against a base: the document's published date, never today. We find candidate
spans with explicit patterns (so offsets are exact) and let dateparser parse absolute forms, with
`languages=['en']` (otherwise short words parse as other languages' weekdays). Weekdays we resolve
ourselves: dateparser's weekday handling has open bugs, and the direction (last Friday or next
Sunday) depends on cue words ("as early as Sunday", "next Tuesday") the parser does not see.

Basis: 'stated' when the text gives the full date (year included); 'inferred' when any part (the
year, or the day itself for weekdays and "yesterday") came from the base date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import dateparser

MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


WEEKDAY_RE = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"


YEAR = r"(?:19|20)\d{2}"


# Words before a weekday that point it forward in time; everything else reads as the past.
FUTURE_CUES = ("next", "as early as", "by", "until", "coming", "from", "starting", "this coming")


PAST_CUES = ("last", "past", "previous")


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Most specific first: a later pattern never claims characters an earlier one matched.
    ("iso", re.compile(rf"\b{YEAR}-\d{{2}}-\d{{2}}\b")),
    ("numeric", re.compile(rf"\b\d{{1,2}}/\d{{1,2}}/{YEAR}\b")),
    ("month_day", re.compile(
        rf"\b(?:{WEEKDAY_RE},?\s+)?{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+{YEAR}\b)?")),
    ("day_month", re.compile(
        rf"\b(?:{WEEKDAY_RE},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTHS}\b\.?(?:,?\s+{YEAR}\b)?")),
    ("month_year", re.compile(rf"\b{MONTHS}\.?\s+{YEAR}\b")),
    ("weekday", re.compile(
        rf"\b(?:(?:on|last|next|this|this coming|as early as|by|until|from|since|past)\s+)?{WEEKDAY_RE}\b")),
    ("relative_day", re.compile(r"\b(?:yesterday|today|tomorrow)\b", re.IGNORECASE)),
    ("relative_period", re.compile(r"\b(?:last|this|next|past)\s+(?:week|month|year)\b", re.IGNORECASE)),
]


@dataclass(frozen=True)
class DateMention:
    char_start: int
    char_end: int
    text: str
    start: date
    end: date
    basis: str  # 'stated' or 'inferred'
    pattern: str


def _settings(base: date | None, prefer: str) -> dict:
    settings: dict = {"PREFER_DATES_FROM": prefer, "DATE_ORDER": "MDY", "REQUIRE_PARTS": ["day", "month"]}
    if base is not None:
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day)
    return settings


def _direction(phrase: str, prefer: str) -> str:
    lowered = phrase.lower()
    if any(lowered.startswith(cue + " ") for cue in FUTURE_CUES):
        return "future"
    if any(lowered.startswith(cue + " ") for cue in PAST_CUES):
        return "past"
    return prefer


def resolve_weekday(name: str, base: date, direction: str) -> date:
    """The named weekday nearest `base` in `direction`; the base day itself counts for the past
    (an article dated Friday that says "on Friday" means that day) but not for the future."""
    target = WEEKDAYS.index(name.capitalize())
    if direction == "future":
        delta = (target - base.weekday()) % 7 or 7
        return base + timedelta(days=delta)
    return base - timedelta(days=(base.weekday() - target) % 7)


def _period(unit: str, shift: int, base: date) -> tuple[date, date]:
    if unit == "week":
        monday = base - timedelta(days=base.weekday()) + timedelta(weeks=shift)
        return monday, monday + timedelta(days=6)
    if unit == "month":
        month_index = base.year * 12 + base.month - 1 + shift
        year, month = divmod(month_index, 12)
        return date(year, month + 1, 1), date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    year = base.year + shift
    return date(year, 1, 1), date(year, 12, 31)


def _month_period(phrase: str) -> tuple[date, date] | None:
    parsed = dateparser.parse(phrase, languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"})
    if parsed is None:
        return None
    last = calendar.monthrange(parsed.year, parsed.month)[1]
    return date(parsed.year, parsed.month, 1), date(parsed.year, parsed.month, last)


def resolve_relative(phrase: str, base: date | None, prefer: str = "past") -> tuple[date, date, str] | None:
    """Resolve one date phrase to (start, end, basis); None when it cannot be resolved."""
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(phrase.strip())
        if match:
            return _resolve(kind, match.group(), base, prefer)
    return None


def _resolve(kind: str, phrase: str, base: date | None, prefer: str) -> tuple[date, date, str] | None:
    has_year = re.search(YEAR, phrase) is not None
    if kind == "month_year":
        period = _month_period(phrase)
        return (period[0], period[1], "stated") if period else None
    if kind in {"iso", "numeric", "month_day", "day_month"}:
        if base is None and not has_year:
            return None
        text = re.sub(rf"^{WEEKDAY_RE},?\s+", "", phrase)  # the weekday adds nothing once the date is given
        parsed = dateparser.parse(text, languages=["en"], settings=_settings(base, prefer))
        if parsed is None:
            return None
        return parsed.date(), parsed.date(), "stated" if has_year else "inferred"
    if base is None:
        return None
    lowered = phrase.lower()
    if kind == "weekday":
        name = phrase.split()[-1]
        day = resolve_weekday(name, base, _direction(phrase, prefer))
        return day, day, "inferred"
    if kind == "relative_day":
        shift = {"yesterday": -1, "today": 0, "tomorrow": 1}[lowered]
        day = base + timedelta(days=shift)
        return day, day, "inferred"
    word, unit = lowered.split()
    shift = {"last": -1, "past": -1, "this": 0, "next": 1}[word]
    start, end = _period(unit, shift, base)
    return start, end, "inferred"


def find_dates(text: str, base: date | None, prefer: str = "past") -> list[DateMention]:
    """Every resolvable date mention in `text`, in text order, with exact character offsets.

    Relative mentions are skipped when there is no base date to resolve them against: a guess
    against today would be silently wrong.
    """
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            resolved = _resolve(kind, match.group(), base, prefer)
            if resolved is None:
                continue
            taken.append((start, end))
            found.append(DateMention(start, end, match.group(), resolved[0], resolved[1], resolved[2], kind))
    return sorted(found, key=lambda m: (m.char_start, m.char_end))
