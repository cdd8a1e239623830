"""Line features: what a line of a saved article looks like (prose, headline, button row, caption...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from lib.core.config import DATA_DIR

TERMINAL = ".!?…:;\"”’')»"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# ----------------------------------------------------------------------------------------------
# Vocabularies


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The editable boilerplate vocabularies (lib/data/boilerplate.yaml)."""
    return yaml.safe_load((DATA_DIR / "boilerplate.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def outlet_vocabulary() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "outlets.yaml").read_text(encoding="utf-8"))


def alternation_of(words: list[str]) -> str:
    """Regex alternation, longest first so 'Getty Images' wins over 'Getty'."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern[str]]:
    vocab = vocabulary()
    agency = alternation_of(vocab["photo_agencies"])
    person = r"[A-Z][\w'’.\-]+(?:\s+[A-Z][\w'’.\-]+){0,3}"
    sep = r"(?:/|\bvia\b|–|—|\s-\s|\bfor\b)"
    label = r"(?:(?:File|Photo|Photograph|Image|Picture|Credit|Source)s?\s*:\s*)?"
    credit = (rf"[(\[]?{label}(?:(?:{person})\s*{sep}\s*)?(?:{agency})(?:\s*{sep}\s*(?:{agency}|{person}))*\s*[)\]]?\s*$")
    return {
        "credit": re.compile(credit),
        "credit_separator": re.compile(sep),
        "caption_opening": re.compile(r"^\s*(?:" + "|".join(vocab["caption_openings"]) + ")", re.IGNORECASE),
        "cta": re.compile("|".join(f"(?:{p})" for p in vocab["cta_patterns"]), re.IGNORECASE),
        "promo_prefix": re.compile(r"^\s*(?:" + alternation_of(vocab["promo_prefixes"]) + r")\s*[:|»>]\s*\S", re.IGNORECASE),
    }


# ----------------------------------------------------------------------------------------------
# Line features


@dataclass
class Line:
    index: int
    raw: str  # the line as decoded: what `removed` records
    text: str  # after inline cleaning
    rule: str | None = None  # why the line is removed; None keeps it
    blank_before: bool = False
    start: int = 0  # offset of raw in the decoded text

    @property
    def words(self) -> list[str]:
        return self.text.split()

    @property
    def n_words(self) -> int:
        return len(self.text.split())

    @property
    def terminal(self) -> bool:
        return bool(self.text) and self.text[-1] in TERMINAL


def line_key(text: str) -> str:
    """Comparison key for repeated lines: case, quotes and spacing do not matter."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\W+", " ", text).strip()


def is_prose(line: Line) -> bool:
    """A line that reads as article prose: long enough and shaped like sentences (jusText's 'long')."""
    return (line.n_words >= 12 and line.terminal) or line.n_words >= 25


def starts_body(line: Line) -> bool:
    """The first body paragraph: prose ending like a statement, not a Title Case or question headline
    ('North Korea Has Sent Troops to Aid Russia. What Comes Next for NATO?' is a headline)."""
    if not is_prose(line) or line.text.rstrip("\"”’)'").endswith(("?", "!")):
        return False
    words = [w for w in line.words if w[:1].isalpha()]
    capitalised = sum(w[:1].isupper() for w in words) / max(len(words), 1)
    return capitalised < 0.6


def is_headline_like(line: Line) -> bool:
    return 4 <= line.n_words <= 30 and not (line.text.endswith(".") and not line.text.endswith("..."))


@lru_cache(maxsize=None)
def _vocab_set(key: str) -> frozenset[str]:
    return frozenset(w.lower() for w in vocabulary()[key])


def vocab_line(line: Line, key: str) -> bool:
    return line.text.lower().strip(" :.!|»>-–—") in _vocab_set(key)


def is_share_counter(line: Line) -> bool:
    return bool(re.fullmatch(r"\d{1,3}(?:[.,]\d{1,3})?[KkMm]?|\d[\d,.]*\s+(?:comments?|shares?|likes?|views?|reactions?)", line.text, re.IGNORECASE))


@lru_cache(maxsize=1)
def _button_words() -> frozenset[str]:
    return frozenset(part for phrase in _vocab_set("buttons") for part in phrase.split())


def is_button_row(line: Line) -> bool:
    tokens = re.findall(r"[\w+\-']+", line.text.lower())
    buttons = _button_words()
    if not tokens or len(tokens) > 10:
        return False
    return all(t in buttons or t.isdigit() or len(t) == 1 for t in tokens) and any(len(t) > 1 or t in buttons for t in tokens)


def is_section_trail(line: Line) -> bool:
    """'WORLD NEWS > EUROPE > RUSSIA-UKRAINE WAR', 'Home / World / Asia': short segments, no sentence."""
    parts = [p for p in re.split(r"\s*(?:>|»|›|/|\|)\s*", line.text) if p]
    if len(parts) < 2 or line.n_words > 14 or line.text[-1:] in ".!?":
        return False
    if any(len(p.split()) > 5 for p in parts):
        return False
    letters = [ch for ch in line.text if ch.isalpha()]
    upper = sum(ch.isupper() for ch in letters) / max(len(letters), 1)
    titled = all(p[:1].isupper() or p[:1].isdigit() for p in parts)
    return upper > 0.6 or (titled and len(parts) >= 3)


def is_markup_debris(line: Line) -> bool:
    """A line with no letter or digit left: bullets ('-'), rules ('---'), stray brackets."""
    return bool(line.text) and not any(ch.isalnum() for ch in line.text)


def credit_match(text: str) -> re.Match[str] | None:
    """A photo credit ending the line ('... /AFP via Getty Images', 'AP Photo/Virginia Mayo')."""
    if not text or text[-1] in ".!?,;:\"”’":
        return None
    match = patterns()["credit"].search(text)
    if match is None:
        return None
    credit = match.group(0).strip()
    before = text[: match.start()].rstrip()
    has_separator = bool(patterns()["credit_separator"].search(credit)) or "Photo" in credit
    starts_line_or_sentence = not before or before[-1] in ".!?”\")"
    if not before and not has_separator and credit.lower() in outlet_aliases():
        return None  # a line that is only 'Reuters' is a masthead, not a credit
    return match if (has_separator or starts_line_or_sentence) and len(credit.split()) <= 12 else None


@lru_cache(maxsize=1)
def outlet_aliases() -> dict[str, str]:
    """alias (lower case) -> canonical outlet name."""
    return {alias.lower(): name for name, aliases in outlet_vocabulary()["outlets"].items() for alias in aliases}


def is_caption_opening(line: Line) -> bool:
    return bool(patterns()["caption_opening"].match(line.text)) and line.n_words <= 90
