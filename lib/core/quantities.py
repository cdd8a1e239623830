"""Numbers as news copy writes them, parsed into a bounded range with the qualifier kept.

A figure in an article is rarely a point: "up to 15,000", "more than 10,000", "a few thousand",
"6-8", "two brigades". We store each as (value_low, value_high, qualifier, bound) so that a
ceiling is never mistaken for a count and a vague word gets one documented range instead of a
guess made anew by every reader:

- "up to N" / "as many as N" -> low NULL, high N (we do not invent a floor of 0: absence of a
  floor is information, and 0 would drag averages down).
- "more than N" / "at least N" -> low N, high NULL.
- "about/some/approximately/around/nearly N" -> low = high = N, qualifier kept (bound 'approx').
- "A-B", "A to B", "between A and B" -> low A, high B.
- vague words ("dozens", "a few thousand", "tens of thousands") -> the ranges of
  lib/data/vague_quantities.csv; "<vague> <scale>" and "<vague> of <scale>s" multiply the range
  by the scale ("a few thousand" = 2,000-5,000, "tens of thousands" = 10,000-99,000).

The scanner works on raw text (so offsets are exact and it needs no parse); attaching the counted
noun needs the dependency parse and lives in lib/claims.py."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from lib.core.config import DATA_DIR

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}


TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}


SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


@dataclass(frozen=True)
class Quantity:
    """A parsed figure. `text` is the phrase as written; offsets are into the scanned text."""

    value_low: float | None
    value_high: float | None
    qualifier: str | None  # as written, lower case: 'up to', 'about', 'a few thousand'...
    bound: str  # 'exact', 'approx', 'le', 'lt', 'ge', 'gt', 'range', 'vague'
    text: str
    char_start: int = 0
    char_end: int = 0
    spelled: bool = False  # written in words ("two brigades"): needs a counted noun to count


@lru_cache(maxsize=1)
def vague_table() -> dict[str, tuple[float, float, str]]:
    """phrase -> (low, high, note) from the one documented table of vague ranges."""
    with open(DATA_DIR / "vague_quantities.csv", encoding="utf-8") as handle:
        return {row["phrase"]: (float(row["value_low"]), float(row["value_high"]), row["note"])
                for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def qualifier_table() -> dict[str, str]:
    """qualifier -> bound ('le', 'lt', 'ge', 'gt', 'approx', 'range')."""
    with open(DATA_DIR / "quantity_qualifiers.csv", encoding="utf-8") as handle:
        return {row["qualifier"]: row["bound"] for row in csv.DictReader(handle)}


def _alternation(words: list[str]) -> str:
    # Longest first so "no fewer than" wins over "fewer than".
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_WORD = _alternation(list(UNITS) + list(TENS))


_WORDNUM = rf"(?:(?:{_WORD})(?:[-\s](?:{_WORD}))?|an?(?=\s+(?:hundred|thousand|million|billion)\b))"


_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"


_SCALE = r"(?:hundred|thousand|million|billion)"


# A number: digits or number words, then any scale words ("1.2 million", "two hundred thousand").
_NUMBER = rf"(?:(?:{_DIGITS}|{_WORDNUM})(?:\s+(?:and\s+)?(?:{_WORDNUM}|{_SCALE}))*)"


@lru_cache(maxsize=1)
def _scanner() -> re.Pattern[str]:
    vague = _alternation([p for p in vague_table() if p not in {"tens"}])
    vague_mult = _alternation(list(vague_table()))
    qualifiers = _alternation([q for q, bound in qualifier_table().items() if bound != "range"])
    digit_number = rf"(?:{_DIGITS}(?:\s+{_SCALE})*)"
    pattern = rf"""
        (?<![\w\-./$:])
        (?:
            (?P<between>between)\s+(?P<blo>{_NUMBER})\s+and\s+(?P<bhi>{_NUMBER})
          | (?:(?P<qual>{qualifiers})\s+)?(?:(?:US|A|C)?[$€£¥₽])?
            (?:
                (?P<vscaled>(?:{vague_mult})\s+(?:of\s+)?{_SCALE}s?)
              | (?P<lo>{digit_number})\s*(?:-|–|—)\s*(?P<hi>{digit_number})
              | (?P<wlo>{_NUMBER})\s+to\s+(?P<whi>{_NUMBER})
              | (?P<num>{_NUMBER})
              | (?P<vague>{vague})
            )
        )
        (?![\w\-/:])(?!\.\d)(?!,\d)
    """
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


def words_to_number(text: str) -> float | None:
    """Value of a number written in digits and/or words ("1.2 million", "twelve thousand")."""
    total, current, seen = 0.0, 0.0, False
    for raw in re.split(r"[\s\-]+", text.lower().replace(",", "")):
        if not raw or raw == "and":
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?", raw):
            current += float(raw)
        elif raw in ("a", "an"):
            current += 1
        elif raw in UNITS:
            current += UNITS[raw]
        elif raw in TENS:
            current += TENS[raw]
        elif raw == "hundred":
            current = (current or 1) * 100
        elif raw in SCALES:
            total += (current or 1) * SCALES[raw]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _vague_range(phrase: str) -> tuple[float, float] | None:
    """Range of a vague phrase, composing "<vague> [of] <scale>[s]" by multiplication."""
    phrase = re.sub(r"\s+", " ", phrase.lower().strip())
    table = vague_table()
    if phrase in table:
        low, high, _ = table[phrase]
        return low, high
    match = re.fullmatch(r"(.+?) (?:of )?(hundred|thousand|million|billion)s?", phrase)
    if match and match.group(1) in table:
        low, high, _ = table[match.group(1)]
        scale = SCALES[match.group(2)]
        return low * scale, high * scale
    return None


def _from_match(match: re.Match[str], offset: int = 0) -> Quantity | None:
    qualifier = re.sub(r"\s+", " ", match.group("qual").lower()) if match.group("qual") else None
    if match.group("between"):
        qualifier = "between"
    bound = qualifier_table().get(qualifier, "exact") if qualifier else "exact"
    text = match.group(0)
    start, end = match.start() + offset, match.end() + offset
    vague = match.group("vscaled") or match.group("vague")
    if vague:
        found = _vague_range(vague)
        if found is None:
            return None
        low, high = found
        vague_text = re.sub(r"\s+", " ", vague.lower())
        if bound in ("le", "lt"):
            low = None
        elif bound in ("ge", "gt"):
            high = None
        return Quantity(low, high, qualifier or vague_text, bound if qualifier else "vague",
                        text, start, end, spelled=True)
    lo_text = match.group("lo") or match.group("wlo") or match.group("blo")
    hi_text = match.group("hi") or match.group("whi") or match.group("bhi")
    if lo_text:
        low, high = words_to_number(lo_text), words_to_number(hi_text)
        if low is None or high is None:
            return None
        # "two to four thousand": the scale written once applies to both ends.
        scale = re.search(rf"{_SCALE}\s*$", hi_text, re.IGNORECASE)
        if scale and not re.search(_SCALE, lo_text, re.IGNORECASE) and low < high / SCALES[scale.group().lower()]:
            low *= SCALES[scale.group().lower()]
        if low > high:
            return None
        spelled = not re.search(r"\d", lo_text)
        return Quantity(low, high, qualifier, "range", text, start, end, spelled)
    value = words_to_number(match.group("num"))
    if value is None:
        return None
    spelled = not re.search(r"\d", match.group("num"))
    low, high = value, value
    if bound in ("le", "lt"):
        low = None
    elif bound in ("ge", "gt"):
        high = None
    elif bound == "range":  # "between" without a second number: treat as exact
        bound = "exact"
    return Quantity(low, high, qualifier, bound, text, start, end, spelled)


def find_quantities(text: str) -> list[Quantity]:
    """Every figure in `text`, in order, with offsets into `text`.

    Spelled-out "one" alone is skipped ("one of the largest", "one does that"): it is a pronoun far
    more often than a count. Other filtering (dates, years, counted noun) needs context and is done
    by the caller.
    """
    found = [Quantity(1.0, 1.0, None, "exact", m.group(0), m.start(), m.end(), spelled=True)
             for pattern in (_single_formation(), _single_person()) for m in pattern.finditer(text)]
    fractions = [_fraction(m) for m in _fraction_scanner().finditer(text)]
    found += fractions
    for match in _scanner().finditer(text):
        quantity = _from_match(match)
        if quantity is None or any(f.char_start <= match.start() < f.char_end for f in fractions):
            continue
        if match.group("num") and match.group("num").lower() in ("one", "a", "an") and not match.group("qual"):
            continue
        found.append(quantity)
    return sorted(found, key=lambda q: (q.char_start, q.char_end))


FRACTIONS = {"half": 0.5, "a half": 0.5, "a quarter": 0.25, "quarter": 0.25, "three quarters": 0.75,
             "three-quarters": 0.75, "a third": 1 / 3, "two thirds": 2 / 3, "two-thirds": 2 / 3}


@lru_cache(maxsize=1)
def _fraction_scanner() -> re.Pattern[str]:
    """'half a million', 'a quarter of a million', 'about two-thirds of a million'."""
    qualifiers = _alternation([q for q, bound in qualifier_table().items() if bound != "range"])
    fractions = _alternation(list(FRACTIONS))
    return re.compile(rf"(?<![\w\-])(?:(?P<qual>{qualifiers})\s+)?(?P<fraction>{fractions})(?:\s+of)?\s+an?\s+"
                      rf"(?P<scale>thousand|million|billion)\b", re.IGNORECASE)


def _fraction(match: re.Match[str]) -> Quantity:
    value = round(FRACTIONS[re.sub(r"\s+", " ", match.group("fraction").lower())] * SCALES[match.group("scale").lower()])
    qualifier = match.group("qual").lower() if match.group("qual") else None
    bound = qualifier_table().get(re.sub(r"\s+", " ", qualifier), "approx") if qualifier else "exact"
    low = None if bound in ("le", "lt") else float(value)
    high = None if bound in ("ge", "gt") else float(value)
    return Quantity(low, high, qualifier, bound, match.group(0), match.start(), match.end(), spelled=True)


@lru_cache(maxsize=1)
def _single_formation() -> re.Pattern[str]:
    """"a brigade", "one battalion": a count of one that only a formation noun makes a figure."""
    with open(DATA_DIR / "counted_nouns.csv", encoding="utf-8") as handle:
        nouns = [row["lemma"] for row in csv.DictReader(handle)
                 if row["category"] == "formation" and row["lemma"] not in ("company", "unit")]
    return re.compile(rf"(?<![\w\-])(?:an?|one)(?=\s+(?:[\w\-]+\s+)?(?:{'|'.join(nouns)})\b)",
                      re.IGNORECASE)


@lru_cache(maxsize=1)
def _single_person() -> re.Pattern[str]:
    """"killed one person", "one soldier was wounded": a count of one person. The caller keeps it
    only when something happened to that person (a toll), since "one man said" counts nothing."""
    with open(DATA_DIR / "counted_nouns.csv", encoding="utf-8") as handle:
        nouns = [row["lemma"] for row in csv.DictReader(handle) if row["category"] in ("people", "personnel")
                 and row["lemma"] not in ("force", "man", "men", "leader", "member", "unit")]
    plural = "|".join(sorted(map(re.escape, nouns), key=len, reverse=True))
    return re.compile(rf"(?<![\w\-])one(?=\s+(?:[\w\-]+\s+)?(?:{plural})\b)", re.IGNORECASE)


def parse_quantity(phrase: str) -> Quantity | None:
    """The quantity a whole phrase states ("up to 100,000"), or None if it is not one figure."""
    match = _scanner().fullmatch(phrase.strip())
    return _from_match(match) if match else None


def format_number(value: float) -> str:
    """1500 -> '1,500'; 1.5 -> '1.5'. Integers get thousands separators, as copy does."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}".rstrip("0").rstrip(".")


def format_quantity(quantity: Quantity) -> str:
    """A phrase that parses back to the same quantity (used in summaries and the round-trip test)."""
    if quantity.bound == "vague":
        return quantity.qualifier or ""
    if quantity.bound == "range":
        body = f"{format_number(quantity.value_low)} to {format_number(quantity.value_high)}"  # type: ignore[arg-type]
        return f"between {format_number(quantity.value_low)} and {format_number(quantity.value_high)}" \
            if quantity.qualifier == "between" else body  # type: ignore[arg-type]
    value = quantity.value_high if quantity.value_high is not None else quantity.value_low
    number = format_number(value)  # type: ignore[arg-type]
    return f"{quantity.qualifier} {number}" if quantity.qualifier else number


def describe_range(low: float | None, high: float | None) -> str:
    """A human-readable range for tables: '10,000', '<= 15,000', '>= 10,000', '2,000-5,000'."""
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {format_number(high)}"  # type: ignore[arg-type]
    if high is None:
        return f"≥ {format_number(low)}"
    if low == high:
        return format_number(low)
    return f"{format_number(low)}–{format_number(high)}"
