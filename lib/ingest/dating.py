"""Publication dates from article text alone, each with the evidence that supports it.

Exports and saved text files often lose the publication date, yet the text usually carries it: a
wire dateline, a printed timestamp, a dated byline, or at least the dates of the events it reports.
An analyst building a timeline must be able to check every date, so each finding names its basis
and quotes its evidence in a note. The rule throughout: a date is never invented. A year-less
dateline gets a year only from the text or from the corpus, and the note says which; when the
evidence does not settle the day, `published` is None and the bounds the text does support
(`earliest`, `latest`) are given instead.

Dates are found with plain regular expressions rather than dateparser, because dateparser 1.5
resolves 'on Wednesday' in an article of a Wednesday to the week before, ignores the direction of
'by Sunday' and returns nothing for 'as early as Sunday' (test_dating.py pins these), and because a
regular expression keeps the exact span a note quotes. Weekdays are resolved here, by rule.

Bases: 'dateline', 'timestamp' (a printed 'Published:'/'Updated' or bare timestamp line), 'byline'
(a date on the byline line), 'inferred' (the bounds meet), 'inferred from <doc_id>' (a weekday
anchored to an event another document dates; see `anchor_weekdays`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

MONTH_NUMBERS = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_ABBREVIATIONS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
                         "sat": 5, "sun": 6} | {name.lower(): i for i, name in enumerate(WEEKDAYS)}

MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?"
YEAR = r"(?:19|20)\d{2}"
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
DATE_RE = re.compile(
    rf"\b(?P<iso_y>{YEAR})-(?P<iso_m>[01]\d)-(?P<iso_d>[0-3]\d)(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?(?!\d)"
    rf"|\b(?:(?P<mdy_w>{WEEKDAY}),?\s+)?(?P<mdy_m>{MONTH})\s+(?P<mdy_d>{DAY})(?!\d)(?:,?\s+(?P<mdy_y>{YEAR})(?!\d))?"
    rf"|\b(?:(?P<dmy_w>{WEEKDAY}),?\s+)?(?P<dmy_d>{DAY})\s+(?:of\s+)?(?P<dmy_m>{MONTH})(?![a-z])(?:,?\s+(?P<dmy_y>{YEAR})(?!\d))?"
    rf"|\b(?P<num_a>[0-3]?\d)(?P<num_sep>[/.\-])(?P<num_b>[0-3]?\d)(?P=num_sep)(?P<num_y>{YEAR})(?!\d)"
)
YEAR_MENTION_RE = re.compile(rf"\b{YEAR}\b")

# Direction cues. A tight list marks a date as still to come when it governs the date's clause
# ('talks are due to resume on 14 February'); looser words anywhere in the sentence ('due to the
# shelling', 'the plans agreed on') leave the direction open, as do 'by', 'until' and 'from' just
# before the date ('had fled by 3 March' is past, 'must leave by 3 March' is not).
FUTURE_CUE_RE = re.compile(r"\b(?:will|shall|would|(?:is|are|was|were)\s+(?:set|due|expected|scheduled|planned|going)\s+to|"
                           r"(?:is|are)\s+to|scheduled\s+(?:for|on|to)|planned\s+(?:for|on)|plans?\s+to|"
                           r"expected\s+(?:to|on)|due\s+(?:on|in)|set\s+to|upcoming|as early as|intends?\s+to|aims?\s+to|"
                           r"next(?!\s+to\b))\b", re.IGNORECASE)
LOOSE_CUE_RE = re.compile(r"\b(?:due|plan(?:s|ned)?|expect(?:s|ed)?|schedul\w*|next|upcoming|future|deadline|"
                          r"intend\w*|hope\w*|aim\w*)\b", re.IGNORECASE)
OPEN_CUE_RE = re.compile(r"\b(?:by|until|till|before|deadline of|ahead of|from|starting)\s+(?:the\s+)?(?:end\s+of\s+)?(?:\w+\s+)?$",
                         re.IGNORECASE)
CLAUSE_BREAK = ",;:()\n"
SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z\"“(])|\n+")

STATED_BASES = ("dateline", "timestamp", "byline")
MAX_YEAR_GAP_DAYS = 31  # a year-less dateline takes the text's year only from an event dated within a month before it
WEEKDAY_REACH_DAYS = 6  # news names a day by its weekday only within the past week


# ----------------------------------------------------------------------------------------------
# Date mentions


@dataclass(frozen=True)
class Mention:
    """A printed calendar date: day and month always, year and weekday when printed."""

    start: int
    end: int
    text: str
    day: int
    month: int
    year: int | None
    weekday: int | None

    def on(self, year: int) -> date | None:
        """The date in `year`, or None when it does not exist (30 February)."""
        try:
            return date(year, self.month, self.day)
        except ValueError:
            return None

    @property
    def full(self) -> date | None:
        return self.on(self.year) if self.year else None

    def weekday_fits(self, day: date) -> bool:
        return self.weekday is None or day.weekday() == self.weekday


def _month(text: str) -> int:
    return MONTH_NUMBERS[text.lower().rstrip(".")]


def _weekday(text: str | None) -> int | None:
    return WEEKDAY_ABBREVIATIONS.get(text.lower().rstrip(".")) if text else None


def _numeric_parts(a: int, b: int) -> tuple[int, int] | None:
    """(day, month) of 'a/b/yyyy', or None when both readings are possible (3/4/2025)."""
    if a > 12 >= b:
        return a, b
    if b > 12 >= a:
        return b, a
    return (a, a) if a == b else None


def _mention(match: re.Match[str]) -> Mention | None:
    g = match.groupdict()
    if g["iso_y"]:
        day, month, year, weekday = int(g["iso_d"]), int(g["iso_m"]), int(g["iso_y"]), None
    elif g["mdy_m"]:
        day, month, year, weekday = int(re.sub(r"\D", "", g["mdy_d"])), _month(g["mdy_m"]), g["mdy_y"], _weekday(g["mdy_w"])
    elif g["dmy_m"]:
        day, month, year, weekday = int(re.sub(r"\D", "", g["dmy_d"])), _month(g["dmy_m"]), g["dmy_y"], _weekday(g["dmy_w"])
    else:
        parts = _numeric_parts(int(g["num_a"]), int(g["num_b"]))
        if parts is None:
            return None
        (day, month), year, weekday = parts, g["num_y"], None
    mention = Mention(match.start(), match.end(), match.group(), day, month, int(year) if year else None, weekday)
    return mention if mention.on(mention.year or 2000) else None  # 2000 is a leap year: 29 February stays


def find_mentions(text: str) -> list[Mention]:
    """Every printed day-and-month date in `text`, in order, with exact offsets.

    Month names must be capitalised ('may' is a verb, 'march' a noun); ambiguous numeric dates
    (3/4/2025: 3 April or 4 March) are skipped rather than guessed.
    """
    return [m for m in (_mention(match) for match in DATE_RE.finditer(text)) if m is not None]


# ----------------------------------------------------------------------------------------------
# Direction: does the text report a date as past?


def _sentence_bounds(text: str, position: int) -> tuple[int, int]:
    """(start, end) of the sentence around `position`; looking back 2,000 characters at most
    keeps long texts linear (a longer sentence is cut, which only narrows the context)."""
    window = max(0, position - 2000)
    starts = [window] + [m.end() for m in SENTENCE_END_RE.finditer(text, window, position)]
    following = SENTENCE_END_RE.search(text, position)
    return starts[-1], following.start() if following else len(text)


def _clause_before(text: str, start: int, sentence_start: int) -> str:
    cut = max([sentence_start] + [text.rfind(ch, sentence_start, start) + 1 for ch in CLAUSE_BREAK])
    return text[cut:start]


def _clause_after(text: str, end: int, sentence_end: int) -> str:
    cuts = [i for i in (text.find(ch, end, sentence_end) for ch in CLAUSE_BREAK + ".") if i != -1]
    return text[end: min(cuts, default=sentence_end)]


def tense_of(text: str, start: int, end: int) -> str:
    """'past', 'future' or 'open' for the date printed at text[start:end].

    Future when a future cue ('will', 'are due to', 'scheduled for', 'as early as') governs its
    own clause; open when 'by', 'until' or 'from' stands just before it, or a future-minded word
    ('due', 'plans', 'expected', or a future cue in another clause) is anywhere in the sentence.
    Only 'past' dates bound publication from below and only 'future' ones from above, so a date
    whose direction is unclear bounds nothing.
    """
    s_start, s_end = _sentence_bounds(text, start)
    before, after = _clause_before(text, start, s_start), _clause_after(text, end, s_end)
    if FUTURE_CUE_RE.search(before) or FUTURE_CUE_RE.search(after):
        return "future"
    sentence = text[s_start:s_end]
    if OPEN_CUE_RE.search(before) or FUTURE_CUE_RE.search(sentence) or LOOSE_CUE_RE.search(sentence):
        return "open"
    return "past"


# ----------------------------------------------------------------------------------------------
# Printed publication dates: dateline, timestamp and byline lines

AGENCY = r"Reuters|AP|AFP|UPI|dpa|Xinhua|Anadolu|IRIN|Bernama|ANI|PTI|EFE|ANSA|Kyodo|Yonhap|TASS"
PLACE_CAPS = r"[A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+){0,3}"
PLACE_TITLE = r"[A-Z][a-z'’\-]+(?:\s+[A-Z][a-z'’\-]+){0,2}"
REGION = rf"(?:,\s*(?!(?:{WEEKDAY}|{MONTH})\b)[A-Z][A-Za-z'’.\-]+(?:\s+[A-Z][A-Za-z'’.\-]+){{0,2}})"
DATE_IN_LINE = rf"(?:(?:{WEEKDAY}),?\s+)?(?:{MONTH}\s+{DAY}|{DAY}\s+{MONTH})(?:,?\s+{YEAR})?"
DASH = r"\s*[-–—]+\s"
DATELINE_RES = (
    re.compile(rf"^\s*(?P<place>{PLACE_CAPS}){REGION}{{0,2}},\s+(?P<date>{DATE_IN_LINE})\s*(?:\((?:{AGENCY})\))?{DASH}"),
    re.compile(rf"^\s*(?P<place>{PLACE_TITLE}){REGION}{{0,2}},\s+(?P<date>{DATE_IN_LINE})\s*\((?:{AGENCY})\){DASH}"),
    re.compile(rf"^\s*(?P<place>{PLACE_CAPS}){REGION}{{0,2}},\s+(?P<date>{DATE_IN_LINE})\.?\s*/(?:{AGENCY})/\.?\s"),
)
LABEL_RE = re.compile(r"^\s*(?:(?P<updated>(?:last\s+)?(?:updated|modified)(?:\s+on)?)|(?:first\s+|originally\s+)?"
                      r"(?:published|posted|created|date(?:d)?|issued)(?:\s+on)?|this (?:article|story|report) was "
                      r"(?:first |originally )?published(?: on)?)\s*:?\s*", re.IGNORECASE)
NAME = r"[A-Z][\w'’.\-]*(?:\s+(?:[A-Z][\w'’.\-]*|de|van|von|bin|al|el|ould|ag|dan)){0,4}"
BYLINE_RE = re.compile(rf"^\s*(?:By|BY|Written by|Reporting by)\s+{NAME}(?:\s*(?:,|\band\b|&)\s*{NAME})*\s*(?:[|·•,–—]|\s-\s)\s*")
TIME_RE = re.compile(r"\b\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?|\b(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?", re.IGNORECASE)
FILLER = frozenset({
    "at", "on", "am", "pm", "a.m", "p.m", "gmt", "utc", "bst", "cet", "cest", "eat", "cat", "wat",
    "mmt", "ast", "est", "edt", "cst", "cdt", "pst", "pdt", "ist", "msk", "local", "time", "hrs", "h",
    "updated", "published", "posted", "created", "last", "modified", "first",
    "et", "pt", "ct", "mt", "kst", "jst", "hkt", "sgt", "pkt", "aest", "aedt", "eet", "eest", "wet", "west", "sast",
})
# What a stamp line may carry besides the date: 'Updated 2 hours ago', '3 min read'.
STAMP_EXTRAS_RE = re.compile(r"\b(?:updated\s+)?\d+\s+(?:hours?|hrs?|minutes?|mins?|days?)\s+ago\b"
                             r"|\b\d+[\s-]+min(?:ute)?s?\s+read\b", re.IGNORECASE)
MAX_STAMP_WORDS = 14


@dataclass(frozen=True)
class Printed:
    """A date printed as the article's own: where, what kind, and the whole line for the note."""

    kind: str  # 'dateline', 'published' (a timestamp line), 'updated', 'byline'
    mention: Mention
    line: str


def _lines(text: str) -> Iterable[tuple[int, str]]:
    position = 0
    for line in text.split("\n"):
        yield position, line
        position += len(line) + 1


def find_dateline(text: str, first_lines: int = 8) -> Printed | None:
    """A dated dateline opening one of the first lines: 'ADEN, March 18 (Reuters) - '."""
    non_empty = [(offset, line) for offset, line in _lines(text) if line.strip()][:first_lines]
    for offset, line in non_empty:
        for pattern in DATELINE_RES:
            match = pattern.match(line)
            if match:
                mentions = find_mentions(match.group("date"))
                if mentions:
                    m = mentions[0]
                    shifted = replace(m, start=offset + match.start("date") + m.start, end=offset + match.start("date") + m.end)
                    return Printed("dateline", shifted, match.group(0).strip())
    return None


def _is_bare_stamp(rest: str) -> bool:
    """True when nothing but times, time zones and filler words is left on the line."""
    rest = TIME_RE.sub(" ", STAMP_EXTRAS_RE.sub(" ", rest))
    tokens = [t.strip(".").lower() for t in re.split(r"[\s,|:·•–—\-()/]+", rest) if t.strip(" .")]
    return all(t in FILLER or t in WEEKDAY_ABBREVIATIONS for t in tokens)


STAMP_SEPARATOR_RE = re.compile(r"\s[|·•]\s")


def _printed_on_line(offset: int, line: str) -> Printed | None:
    """A date the line prints as the page's own; a line of '|'-separated parts ('News Desk |
    Updated: 26-08-2024 | Created: 26-08-2024') is read part by part, a publication before an update."""
    found = _printed_on_part(offset, line)
    if found is not None or not STAMP_SEPARATOR_RE.search(line):
        return found
    parts, position = [], 0
    for piece in STAMP_SEPARATOR_RE.split(line):
        start = line.index(piece, position)
        position = start + len(piece)
        part = _printed_on_part(offset + start, piece)
        if part is not None and (LABEL_RE.match(piece) or BYLINE_RE.match(piece)):
            parts.append(replace(part, line=line.strip()))
    return min(parts, key=lambda p: p.kind == "updated") if parts else None


def _printed_on_part(offset: int, line: str) -> Printed | None:
    if not line.strip() or len(line.split()) > MAX_STAMP_WORDS:
        return None
    byline = BYLINE_RE.match(line)
    label = LABEL_RE.match(line)
    head = byline or label
    rest_start = head.end() if head else 0
    mentions = find_mentions(line[rest_start:])
    if len({(m.day, m.month, m.year) for m in mentions}) != 1:
        return None
    remainder = line[rest_start:]
    for m in reversed(mentions):
        remainder = remainder[: m.start] + " " + remainder[m.end:]
    if not _is_bare_stamp(remainder):
        return None
    kind = "byline" if byline else "updated" if label and label.group("updated") else "published"
    m = mentions[0]
    return Printed(kind, replace(m, start=offset + rest_start + m.start, end=offset + rest_start + m.end), line.strip())


def _is_prose(line: str) -> bool:
    words = len(line.split())
    return (words >= 12 and line.rstrip("\"”’)' ")[-1:] in ".!?") or words >= 25


HEADER_LINES = 5  # a page's headline, standfirst, caption and stamp fit in its first non-empty lines


def header_end(text: str) -> int:
    """Offset of the first prose paragraph: what comes before is the page header (headline,
    byline, timestamp); a bare date line after it is part of the story, such as a timeline entry."""
    return next((offset for offset, line in _lines(text) if _is_prose(line)), len(text))


def stamp_zone_end(text: str) -> int:
    """Where a bare date line can still be the page's stamp: the header, or the first HEADER_LINES
    non-empty lines when a standfirst or photo caption (prose too) comes before the stamp. A stamp
    past the header is used only when the text reports nothing later (see `_stated_finding`)."""
    non_empty = [offset for offset, line in _lines(text) if line.strip()]
    return max(header_end(text), non_empty[HEADER_LINES] if len(non_empty) > HEADER_LINES else len(text))


def find_printed_lines(text: str) -> list[Printed]:
    """Lines that hold only a date (with times and zones) in the header, and anywhere a line
    labelled 'Published'/'Updated'/'Posted' or a byline followed by a date; in text order."""
    header, end = header_end(text), stamp_zone_end(text)
    found = [p for p in (_printed_on_line(offset, line) for offset, line in _lines(text)) if p is not None]
    bare = [p for p in found if p.kind == "published" and not LABEL_RE.match(p.line)]
    if sum(p.mention.start >= header for p in bare) > 1:
        end = header  # several bare dates after the opening prose are a timeline, not a stamp
    return [p for p in found if p.mention.start < end or p.kind != "published" or LABEL_RE.match(p.line)]


# ----------------------------------------------------------------------------------------------
# Years for year-less printed dates


@dataclass(frozen=True)
class YearContext:
    """What the text says about years, as constraints on the publication date."""

    floor: date | None  # the latest full date reported as past
    floor_text: str | None
    min_year: int | None  # the latest year named in a past context
    max_year: int | None  # the earliest year named as still to come


def year_context(text: str, printed: Mention, mentions: list[Mention]) -> YearContext:
    others = [m for m in mentions if m.start != printed.start]
    past = [m for m in others if m.full and tense_of(text, m.start, m.end) == "past"]
    latest = max(past, key=lambda m: m.full, default=None)
    past_years, future_years = [], []
    for match in YEAR_MENTION_RE.finditer(text):
        tense = tense_of(text, match.start(), match.end())
        (past_years if tense == "past" else future_years if tense == "future" else []).append(int(match.group()))
    return YearContext(latest.full if latest else None, latest.text if latest else None,
                       max(past_years, default=None), min(future_years, default=None))


def _year_allowed(mention: Mention, year: int, ctx: YearContext) -> bool:
    day = mention.on(year)
    return (day is not None and mention.weekday_fits(day)
            and (ctx.min_year is None or year >= ctx.min_year)
            and (ctx.max_year is None or year <= ctx.max_year)
            and (ctx.floor is None or day >= ctx.floor))


ANNIVERSARY_RE = re.compile(r"\banniversar|\b(?:a|one|two|three|\d+)\s+years?\s+(?:ago|after|since|on|to the day)\b|"
                            r"\b(?:first|second|third|fourth|fifth)\s+year\b", re.IGNORECASE)


def _constraints(mention: Mention, ctx: YearContext) -> str:
    used = (["the printed weekday"] if mention.weekday is not None else []) + \
           ([f"years it names as past (up to {ctx.min_year})"] if ctx.min_year else []) + \
           ([f"years it names as still to come ({ctx.max_year})"] if ctx.max_year else []) + \
           ([f"the date it reports as past ('{ctx.floor_text}')"] if ctx.floor else [])
    return ", ".join(used) or "nothing in the text rules the others out"


def _year_from_floor(mention: Mention, ctx: YearContext, text: str) -> tuple[int, str] | None:
    """The year that puts the printed day within a month after the latest event the text dates,
    unless the text looks back a year or more ('a year after', 'anniversary'), where that event
    is no guide to the year of writing."""
    if ctx.floor is None or ANNIVERSARY_RE.search(text):
        return None
    on_floor_year = mention.on(ctx.floor.year)
    year = ctx.floor.year if on_floor_year and on_floor_year >= ctx.floor else ctx.floor.year + 1
    day = mention.on(year)
    if day is None or not _year_allowed(mention, year, ctx) or (day - ctx.floor).days > MAX_YEAR_GAP_DAYS:
        return None
    return year, f"year {year} from the text: it reports '{ctx.floor_text}' as past, {(day - ctx.floor).days} day(s) earlier"


def resolve_year(mention: Mention, ctx: YearContext, corpus_years: Iterable[int] | None,
                 text: str = "") -> tuple[int | None, str | None, str]:
    """(year, year_basis, explanation) for a printed date; (None, None, why) when not settled.

    In order: the printed year; a past event the text dates within a month before it (news dates
    recent events exactly); the only year of the corpus's dated documents that fits the text's
    constraints (printed weekday, years named as past or still to come, dates reported as past).
    """
    if mention.year:
        return mention.year, "printed", "year printed"
    from_text = _year_from_floor(mention, ctx, text)
    if from_text:
        return from_text[0], "text", from_text[1]
    known = sorted(set(corpus_years or ()))
    fitting = [y for y in known if _year_allowed(mention, y, ctx)]
    if len(fitting) == 1:
        return fitting[0], "corpus", (f"year {fitting[0]} from the corpus: of its documents' years "
                                      f"({', '.join(map(str, known))}) only it fits {_constraints(mention, ctx)}")
    why = (f"of the corpus's years ({', '.join(map(str, known))}) {len(fitting)} fit {_constraints(mention, ctx)}"
           if known else "no corpus years were given")
    return None, None, f"no year is printed and the text does not settle it; {why}"


# ----------------------------------------------------------------------------------------------
# Bounds from the dates the text reports


@dataclass(frozen=True)
class Bounds:
    earliest: date | None
    earliest_text: str | None
    latest: date | None
    latest_text: str | None


def _resolved(mention: Mention, corpus_years: Iterable[int] | None) -> date | None:
    """A reported date's day: its printed year, else the corpus's only year (if it has one)."""
    if mention.year:
        return mention.full
    years = sorted(set(corpus_years or ()))
    day = mention.on(years[0]) if len(years) == 1 else None
    return day if day and mention.weekday_fits(day) else None


def reported_bounds(text: str, mentions: list[Mention], corpus_years: Iterable[int] | None) -> Bounds:
    """The latest date the text reports as past (publication cannot precede it) and the earliest
    it announces as still to come (publication is on or before it)."""
    past: list[tuple[date, str]] = []
    future: list[tuple[date, str]] = []
    for m in mentions:
        day = _resolved(m, corpus_years)
        if day is None:
            continue
        tense = tense_of(text, m.start, m.end)
        (past if tense == "past" else future if tense == "future" else []).append((day, m.text))
    low = max(past, default=(None, None))
    high = min(future, default=(None, None))
    return Bounds(low[0], low[1], high[0], high[1])


# ----------------------------------------------------------------------------------------------
# One text -> one finding


@dataclass(frozen=True)
class DateFinding:
    """A publication date (or its bounds) and the evidence for it.

    `published` is set only when a printed date or the meeting of bounds gives the day; `earliest`
    is the latest date the text reports as past, `latest` the earliest it announces (or an update
    time); both may be set when `published` is None, making a window.
    """

    published: date | None
    basis: str | None
    note: str
    earliest: date | None = None
    latest: date | None = None
    evidence: str | None = None  # the printed text the date was read from
    year_basis: str | None = None  # 'printed', 'text' or 'corpus' for printed dates

    @property
    def stated(self) -> bool:
        return self.basis in STATED_BASES


BASIS_OF_KIND = {"dateline": "dateline", "published": "timestamp", "updated": "timestamp", "byline": "byline"}
KIND_WORDS = {"dateline": "dateline", "published": "printed timestamp", "updated": "printed update time",
              "byline": "byline date"}


def _candidates(text: str) -> list[Printed]:
    """Printed publication dates in order of trust: a dateline, then publication timestamps and
    dated bylines in text order, then update times (the first publication may be earlier)."""
    dateline = find_dateline(text)
    lines = find_printed_lines(text)
    published = [p for p in lines if p.kind != "updated" and (dateline is None or p.mention.start != dateline.mention.start)]
    return ([dateline] if dateline else []) + published + [p for p in lines if p.kind == "updated"]


def _stated_finding(text: str, printed: Printed, mentions: list[Mention], bounds: Bounds,
                    corpus_years: Iterable[int] | None) -> DateFinding | str:
    """The finding for one printed date, or a string saying why it cannot be used."""
    ctx = year_context(text, printed.mention, mentions)
    year, year_basis, how = resolve_year(printed.mention, ctx, corpus_years, text)
    label = f"{KIND_WORDS[printed.kind]} '{printed.line}'"
    if year is None:
        return f"{label}: {how}"
    day = printed.mention.on(year)
    if day is None or not printed.mention.weekday_fits(day):
        return f"{label}: the printed weekday does not match {printed.mention.on(year) or 'the date'}"
    if bounds.earliest and day < bounds.earliest and year_basis != "printed":
        return f"{label}: year {year} would put it before '{bounds.earliest_text}', which the text reports as past"
    if bounds.earliest and day < bounds.earliest and printed.kind == "published" and not LABEL_RE.match(printed.line) \
            and printed.mention.start >= header_end(text):
        return f"{label}: a bare date after the opening prose, before '{bounds.earliest_text}', which the text reports as past"
    note = f"{label}" + ("" if year_basis == "printed" else f"; {how}")
    if bounds.earliest and day < bounds.earliest:
        note += f"; warning: the text reports '{bounds.earliest_text}' as past, after this date"
    latest = bounds.latest
    if printed.kind == "updated":
        note += "; only an update time is printed, the first publication may be earlier"
        latest = min(d for d in (day, bounds.latest) if d)
    return DateFinding(day, BASIS_OF_KIND[printed.kind], note, bounds.earliest, latest, printed.line, year_basis)


def _disagreements(best: DateFinding, others: list[tuple[Printed, DateFinding]]) -> str:
    """A warning naming other printed dates that disagree with the one used; an update time on
    or after the publication date is normal and not reported."""
    odd = [f"{p.line!r} gives {f.published}" for p, f in others if f.published != best.published
           and not (p.kind == "updated" and f.published > best.published)]
    return f"; warning: other printed dates disagree: {', '.join(odd)}" if odd else ""


def date_from_text(text: str, corpus_years: Iterable[int] | None = None) -> DateFinding:
    """The publication date `text` itself supports, or its bounds, or None with the reason.

    `corpus_years` are the years of the corpus's documents with a known date (metadata or printed
    years); they settle a year-less dateline only when exactly one of them fits the text.
    """
    corpus_years = list(corpus_years or ())
    mentions = find_mentions(text)
    candidates = _candidates(text)
    stated_starts = {p.mention.start for p in candidates}
    bounds = reported_bounds(text, [m for m in mentions if m.start not in stated_starts], corpus_years)
    results = [(p, _stated_finding(text, p, mentions, bounds, corpus_years)) for p in candidates]
    findings = [(p, r) for p, r in results if isinstance(r, DateFinding)]
    refusals = [r for _, r in results if isinstance(r, str)]
    if findings:
        best = findings[0][1]
        return replace(best, note=best.note + _disagreements(best, findings[1:]))
    return _bounds_finding(bounds, refusals, text)


def _bounds_finding(bounds: Bounds, refusals: list[str], text: str) -> DateFinding:
    unused = f"; not used: {'; '.join(refusals)}" if refusals else ""
    if bounds.earliest and bounds.latest and bounds.earliest > bounds.latest:
        return DateFinding(None, None, f"the text's dates contradict each other: '{bounds.earliest_text}' reported as past, "
                                       f"'{bounds.latest_text}' as still to come{unused}")
    if bounds.earliest and bounds.earliest == bounds.latest:
        return DateFinding(bounds.earliest, "inferred", f"'{bounds.earliest_text}' is reported both as past and as still to come: "
                                                      f"the bounds meet{unused}", bounds.earliest, bounds.latest)
    parts = []
    if bounds.earliest:
        parts.append(f"on or after {bounds.earliest} ('{bounds.earliest_text}' is reported as past)")
    if bounds.latest:
        parts.append(f"on or before {bounds.latest} ('{bounds.latest_text}' is announced as still to come)")
    if not parts:
        years = sorted({int(y) for y in YEAR_MENTION_RE.findall(text)})
        shown = ", ".join(map(str, years)) if len(years) <= 6 else f"{len(years)} years from {years[0]} to {years[-1]}"
        hint = f"; it names the year(s) {shown}" if years else ""
        return DateFinding(None, None, f"no usable printed date and no datable event in the text{hint}{unused}")
    return DateFinding(None, "inferred", "no printed publication date; published " + " and ".join(parts) + unused,
                       bounds.earliest, bounds.latest)


# ----------------------------------------------------------------------------------------------
# Weekday references anchored to events other documents date

WEEKDAY_REF_RE = re.compile(r"\b(?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:['’]s)?\b")
WEEKDAY_FUTURE_RE = re.compile(r"\b(?:next|coming|as early as|by|until|till|from|starting|before|ahead of)\s+(?:\w+\s+)?$", re.IGNORECASE)
STOPWORDS = frozenset({
    "a", "about", "above", "after", "again", "against", "all", "also", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further",
    "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in",
    "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now",
    "of", "off", "on", "once", "only", "or", "other", "our", "out", "over", "own", "same", "she",
    "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would",
    "you", "your", "said", "says", "say", "told", "tells", "according", "officials", "official",
    "people", "day", "days", "week", "weeks", "month", "months", "year", "years", "time", "late",
    "early", "night", "morning", "evening", "afternoon", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "first", "last", "since", "another", "added", "around", "near",
    "among", "across", "per", "least", "many", "much", "however", "still", "yet",
    "mr", "ms", "mrs",
})
MIN_SHARED_TERMS = 3  # distinctive words two sentences must share to be about the same event
MIN_SHARED_NAMES = 1  # of which at least one name (a place, a ship, a group)


@dataclass(frozen=True)
class Event:
    doc_id: str
    day: date
    names: frozenset[str]
    words: frozenset[str]
    sentence: str


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a plain splitter is enough to group an event's words."""
    out, start = [], 0
    for match in SENTENCE_END_RE.finditer(text):
        out.append((start, text[start: match.start()]))
        start = match.end()
    out.append((start, text[start:]))
    return [(o, s) for o, s in out if s.strip()]


def terms(sentence: str) -> tuple[frozenset[str], frozenset[str]]:
    """(names, words) of a sentence: capitalised words not opening it, and content-word stems.

    Stems are the first six letters, enough to match 'missile'/'missiles', 'attack'/'attacked'.
    Calendar words are left out: the weekday is what is being resolved, not evidence of sameness.
    """
    calendar = {w.lower() for w in WEEKDAYS} | set(MONTH_NUMBERS)
    tokens = re.findall(r"[A-Za-z][A-Za-z'’\-]+", sentence)
    names = {re.sub(r"['’]s$", "", t.lower()) for i, t in enumerate(tokens) if i > 0 and t[0].isupper()}
    names = {n for n in names if n not in STOPWORDS and n not in calendar and len(n) > 2}
    words = {t.lower()[:6] for t in tokens if t.lower() not in STOPWORDS and t.lower() not in calendar and len(t) > 3}
    return frozenset(names), frozenset(words | {n[:6] for n in names})


def _weekday_refs(text: str, start: int, sentence: str) -> list[tuple[int, int]]:
    """(weekday index, absolute offset) of weekdays the sentence reports as past, outside printed dates."""
    covered = [(m.start, m.end) for m in find_mentions(sentence)]
    refs = []
    for match in WEEKDAY_REF_RE.finditer(sentence):
        if any(s <= match.start() < e for s, e in covered) or WEEKDAY_FUTURE_RE.search(sentence[: match.start()]):
            continue
        if tense_of(text, start + match.start(), start + match.end()) == "past":
            refs.append((WEEKDAYS.index(match.group("day")), start + match.start()))
    return refs


def past_weekday(weekday: int, base: date) -> date:
    """The latest `weekday` on or before `base`: a Wednesday article's 'on Wednesday' is that day."""
    return base - timedelta(days=(base.weekday() - weekday) % 7)


WEEKDAY_PHRASE_RE = re.compile(r"^(?P<cue>.*?)\s*\b(?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", re.IGNORECASE)


def resolve_weekday(phrase: str, base: date) -> date | None:
    """The day a weekday phrase names in an article of `base`, or None when its direction is open.

    'on Friday', 'Friday' -> the latest Friday on or before base (the day itself included);
    'last Friday' -> the latest before base; 'next Tuesday', 'as early as Sunday', 'coming
    Sunday', 'from Monday' -> the first after base; 'by Sunday', 'until Monday' -> None ('had
    fled by Sunday' is past, 'must leave by Sunday' is not). dateparser gets the first and the
    open ones wrong (see the module docstring).
    """
    match = WEEKDAY_PHRASE_RE.match(phrase.strip())
    if match is None:
        return None
    weekday, cue = WEEKDAYS.index(match.group("day").capitalize()), match.group("cue").lower().strip()
    if re.search(r"\b(?:by|until|till|before|ahead of)$", cue):
        return None
    if re.search(r"\b(?:next|coming|as early as|from|starting)$", cue) or FUTURE_CUE_RE.search(cue):
        return base + timedelta(days=(weekday - base.weekday()) % 7 or 7)
    if re.search(r"\b(?:last|past|previous)$", cue):
        return base - timedelta(days=(base.weekday() - weekday) % 7 or 7)
    return past_weekday(weekday, base)


def _on_or_before(mention: Mention, published: date | None) -> date | None:
    """A reported date's day: printed in full, or the last such day on or before the document's
    own date (a Wednesday article's 'Tuesday, March 4' is the day before)."""
    if mention.year or published is None:
        return mention.full
    day = mention.on(published.year)
    day = day if day and day <= published else mention.on(published.year - 1)
    return day if day and mention.weekday_fits(day) else None


def dated_events(doc_id: str, text: str, published: date | None) -> list[Event]:
    """Sentences of a document that date exactly one event: by a printed full date reported as
    past, or (when the document's own date is known) by a past weekday resolved against it."""
    printed = {p.mention.start for p in _candidates(text)}  # the document's own date is not an event
    events = []
    for start, sentence in sentences(text):
        days = {_on_or_before(m, published) for m in find_mentions(sentence)
                if start + m.start not in printed and tense_of(text, start + m.start, start + m.end) == "past"} - {None}
        if published is not None:
            days |= {past_weekday(w, published) for w, _ in _weekday_refs(text, start, sentence)}
        if len(days) == 1:
            names, words = terms(sentence)
            events.append(Event(doc_id, days.pop(), names, words, sentence.strip()))
    return events


COMMON_SHARE = 0.25  # a word in more than this share of the corpus's documents names the story, not one event
COMMON_FLOOR = 2  # ... and in more than this many: in a small corpus every word is rare


def common_terms(texts: list[str]) -> frozenset[str]:
    """Words and names so frequent in the corpus that sharing them shows nothing: in a corpus on one
    war every article names its parties ('RSF', 'army', 'attack'); two sentences about one event
    share the rarer words (a ship, a camp, a town)."""
    counts: dict[str, int] = {}
    for text in texts:
        names, words = terms(text)
        for term in names | words:
            counts[term] = counts.get(term, 0) + 1
    limit = max(COMMON_FLOOR, COMMON_SHARE * len(texts))
    return frozenset(t for t, n in counts.items() if n > limit)


def _matches(names: frozenset[str], words: frozenset[str], weekday: int, events: list[Event],
             common: frozenset[str] = frozenset()) -> list[Event]:
    names, words = names - common, words - common
    return [e for e in events if e.day.weekday() == weekday
            and len(names & e.names) >= MIN_SHARED_NAMES and len(words & e.words) >= MIN_SHARED_TERMS]


def _anchor_one(doc: dict, events: list[Event], common: frozenset[str] = frozenset()) -> DateFinding | None:
    """The window one undated document's past weekdays give, when each clearly names an event
    dated elsewhere and the windows agree with each other and with the document's own bounds."""
    text = doc["text"]
    low, high = doc.get("earliest"), doc.get("latest")
    used: list[tuple[str, Event]] = []
    for start, sentence in sentences(text):
        names, words = terms(sentence)
        for weekday, _ in _weekday_refs(text, start, sentence):
            found = _matches(names, words, weekday, [e for e in events if e.doc_id != doc["doc_id"]], common)
            if len({e.day for e in found}) != 1:
                continue  # nothing, or two different dates for what looks like one event: no anchor
            event = max(found, key=lambda e: len(words & e.words))
            low = max(d for d in (low, event.day) if d)
            high = min(d for d in (high, event.day + timedelta(days=WEEKDAY_REACH_DAYS)) if d)
            used.append((sentence.strip(), event))
    if not used or low > high:
        return None
    return _anchored_finding(low, high, used)


def _anchored_finding(low: date, high: date, used: list[tuple[str, Event]]) -> DateFinding:
    sentence, event = used[0]
    sources = sorted({e.doc_id for _, e in used})
    note = (f"the weekday in {sentence[:120]!r} names the event {event.doc_id} dates {event.day} "
            f"({event.sentence[:120]!r}); news names a day by its weekday only within the past week, so "
            f"published {low}..{high}")
    if low == high:
        return DateFinding(low, f"inferred from {', '.join(sources)}", note, low, high, sentence)
    return DateFinding(None, f"inferred from {', '.join(sources)}", note, low, high, sentence)


def anchor_weekdays(docs: list[dict]) -> dict[str, DateFinding]:
    """Windows for undated documents from weekday references to events dated elsewhere.

    `docs`: dicts with doc_id, text, published (date or None) and optionally earliest/latest.
    An undated document saying 'the missile struck the Amber Tide on Tuesday' is tied to another
    document's sentence that dates the Amber Tide strike, when the two share a name and at least
    three distinctive words (not among the corpus's `common_terms`) and the dated day is a Tuesday. Publication is then on or after that
    day and, by news convention, within the following six days. Returns only documents that got a
    window; the rest keep their own finding.
    """
    events = [e for d in docs for e in dated_events(d["doc_id"], d["text"], d.get("published"))]
    common = common_terms([d["text"] for d in docs])
    found = {}
    for doc in docs:
        if doc.get("published") is None:
            finding = _anchor_one(doc, events, common)
            if finding is not None:
                found[doc["doc_id"]] = finding
    return found


# ----------------------------------------------------------------------------------------------
# A corpus


def date_corpus(docs: list[dict], corpus_years: Iterable[int] | None = None) -> dict[str, DateFinding]:
    """Findings for the texts of a corpus that have no known date: each text alone, then year-less
    dates settled by the corpus's years, then weekday anchors between documents.

    `docs`: dicts with doc_id, text and optionally published (a date already known, e.g. from
    metadata: such documents get no finding but date events for the others and lend their year).
    """
    known = {d["doc_id"]: d["published"] for d in docs if d.get("published")}
    undated = [d for d in docs if d["doc_id"] not in known]
    first = [date_from_text(d["text"], corpus_years) for d in undated]
    years = set(corpus_years or ()) | {day.year for day in known.values()} | \
        {f.published.year for f in first if f.stated and f.year_basis == "printed"}
    findings = {d["doc_id"]: date_from_text(d["text"], years) for d in undated}
    anchored = anchor_weekdays([{"doc_id": d["doc_id"], "text": d["text"],
                                 "published": known.get(d["doc_id"]) or findings[d["doc_id"]].published,
                                 "earliest": None if d["doc_id"] in known else findings[d["doc_id"]].earliest,
                                 "latest": None if d["doc_id"] in known else findings[d["doc_id"]].latest}
                                for d in docs])
    return findings | anchored
