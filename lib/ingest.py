"""Ingest: every entry of a corpus folder becomes one row of `documents`, whatever happens to it.

An analyst must be able to account for every file handed in, so nothing is skipped silently: a
broken symlink, a FIFO, a PDF renamed .txt or a German article each get a row with status
'rejected' and a reason a person can read. Files that survive are decoded, cleaned of web
boilerplate and described (title, byline, outlet, date); copies of an article already seen are
marked 'duplicate' so a syndicated story counts once.

Cleaning works on lines, the unit web-to-text exports preserve, with named rules whose
vocabularies live in lib/data/boilerplate.yaml. The idea is jusText's (short lines without
sentence shape are suspect, prose paragraphs anchor the body, a line's neighbours decide its
fate) but every decision is a named rule, and every removed string is kept in
`documents.removed` with that rule, so a cleaning decision can always be audited and reverted.

Offsets of every later stage point into `documents.text`, the cleaned body, whose paragraphs are
separated by a blank line.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import json
import os
import re
import stat
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from lib import cache, dates, store
from lib.schema import table
from lib.text import Document, escape_html, snippet

# ----------------------------------------------------------------------------------------------
# Documented limits. Each one is a reason a file can be rejected; the notebook prints them.

MAX_BYTES = 2_000_000  # a news article is tens of KB; 2 MB of "text" is a dump, a book or binary
MIN_ARTICLE_WORDS = 40  # fewer words left after cleaning: no article body to analyse
NEAR_DUPLICATE_THRESHOLD = 0.8  # Jaccard similarity of word 5-shingles: syndicated copy / rewrite
SHINGLE_WORDS = 5
MINHASH_PERMUTATIONS = 128
MINHASH_SEED = 1  # fixed: duplicate decisions must not change between runs
LANGDETECT_SEED = 0  # langdetect is randomised; a fixed seed makes it deterministic
LANGUAGE_SAMPLE_CHARS = 2000  # the first couple of thousand characters decide as well as the whole text
MAX_CONTROL_SHARE = 0.01  # more than 1% control characters: not text
DATA_DIR = Path(__file__).resolve().parent / "data"

DOCUMENTS = table(
    "documents",
    "One row per entry found in the corpus folder (recursively; anything that is not a directory), "
    "whatever its fate: ingested ('ok'), a copy of an earlier article ('duplicate') or refused "
    "('rejected', with the reason).",
    [
        ("doc_id", "VARCHAR", "The file's stem; when two files share a stem, the later ones (by depth, then path) get their folder path appended, so ids are unique and stable."),
        ("source_path", "VARCHAR", "Path of the entry relative to the corpus folder (POSIX separators)."),
        ("status", "VARCHAR", "'ok' (analysed by every later stage), 'duplicate' (same article as `duplicate_of`) or 'rejected' (see `reason`)."),
        ("reason", "VARCHAR", "Human-readable reason for 'rejected' or 'duplicate'; NULL when ok."),
        ("duplicate_of", "VARCHAR", "doc_id of the earlier copy (first by source_path) when status is 'duplicate'."),
        ("duplicate_cluster", "VARCHAR", "doc_id of the first document of this document's copy cluster (its own id when it is the first); NULL when rejected. Count sources by cluster, not by row."),
        ("similarity", "DOUBLE", "For near-duplicates: Jaccard similarity of word 5-shingles with `duplicate_of` (1.0 for exact copies)."),
        ("title", "VARCHAR", "Headline as printed (a repeated headline-like line above the body, else the longest one); never a site banner. Raw text: escape before showing in HTML. NULL when the file has no headline."),
        ("author", "VARCHAR", "Byline names ('By X', 'X | 6 November 2024'); NULL when the text names no author."),
        ("outlet", "VARCHAR", "Publishing outlet when the text names it (see outlet_basis); NULL when unknown."),
        ("outlet_basis", "VARCHAR", "How the outlet was found: 'masthead' (a line above the headline names it), 'wire dateline' ('SEOUL (Reuters) -'), or 'self-reference' (sources 'told <outlet>': usually the publisher, but an article citing an interview given to another outlet misleads it)."),
        ("published", "DATE", "Publication date; NULL when the text does not allow it to be known."),
        ("published_basis", "VARCHAR", "'stated' (a dateline or byline date), 'inferred' (derived from dates the text reports, see published_note) or NULL."),
        ("published_note", "VARCHAR", "How `published` was obtained, or why it is NULL: the evidence used, so no date is a silent guess."),
        ("language", "VARCHAR", "ISO 639-1 code detected by langdetect (seeded) on the cleaned text; NULL when not detected."),
        ("encoding", "VARCHAR", "Text encoding the raw bytes were decoded with ('utf-8', 'utf-8-sig', or the legacy encoding charset-normalizer detected)."),
        ("n_replacement_chars", "INTEGER", "U+FFFD replacement characters in the decoded text: the text was damaged before it reached us."),
        ("warnings", "VARCHAR", "Problems that did not stop ingest (damaged characters, legacy encoding); NULL when none."),
        ("text", "VARCHAR", "Cleaned body, paragraphs separated by a blank line; every character offset in the store points into it. NULL when rejected before cleaning."),
        ("n_chars", "INTEGER", "Length of text in characters."),
        ("n_words", "INTEGER", "Whitespace-separated words in text."),
        ("sha256", "VARCHAR", "SHA-256 of the raw file bytes; NULL when the entry could not be read."),
        ("removed", "VARCHAR", "JSON list of {\"text\", \"rule\"}: every string cleaning took out of the decoded text and the rule that took it."),
    ],
    ["doc_id"],
)
TABLES = (DOCUMENTS,)

TERMINAL = ".!?…:;\"”’')»"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Rejected(Exception):
    """A file that cannot become a document; the message is the human-readable reason."""


# ----------------------------------------------------------------------------------------------
# Vocabularies


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The editable boilerplate vocabularies (lib/data/boilerplate.yaml)."""
    return yaml.safe_load((DATA_DIR / "boilerplate.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def outlet_vocabulary() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "outlets.yaml").read_text(encoding="utf-8"))


def _alternation(words: list[str]) -> str:
    """Regex alternation, longest first so 'Getty Images' wins over 'Getty'."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    vocab = vocabulary()
    agency = _alternation(vocab["photo_agencies"])
    person = r"[A-Z][\w'’.\-]+(?:\s+[A-Z][\w'’.\-]+){0,3}"
    sep = r"(?:/|\bvia\b|–|—|\s-\s|\bfor\b)"
    label = r"(?:(?:File|Photo|Photograph|Image|Picture|Credit|Source)s?\s*:\s*)?"
    credit = (rf"[(\[]?{label}(?:(?:{person})\s*{sep}\s*)?(?:{agency})(?:\s*{sep}\s*(?:{agency}|{person}))*\s*[)\]]?\s*$")
    return {
        "credit": re.compile(credit),
        "credit_separator": re.compile(sep),
        "caption_opening": re.compile(r"^\s*(?:" + "|".join(vocab["caption_openings"]) + ")", re.IGNORECASE),
        "cta": re.compile("|".join(f"(?:{p})" for p in vocab["cta_patterns"]), re.IGNORECASE),
        "promo_prefix": re.compile(r"^\s*(?:" + _alternation(vocab["promo_prefixes"]) + r")\s*[:|»>]\s*\S", re.IGNORECASE),
    }


# ----------------------------------------------------------------------------------------------
# Reading and decoding

MAGIC_NUMBERS = {
    b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (or DOCX/XLSX)", b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image", b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable", b"{\\rtf": "an RTF document", b"\xd0\xcf\x11\xe0": "an MS Office document",
}


def read_entry(path: Path) -> bytes:
    """The raw bytes of a corpus entry, or Rejected saying why there are none.

    lstat first: opening a FIFO would block the build forever, and a broken symlink is the
    realistic 'unreadable file' (we run as root, so permissions rarely stop us).
    """
    try:
        info = path.lstat()
    except OSError as exc:
        raise Rejected(f"cannot be inspected: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(info.st_mode):
        if not path.exists():
            raise Rejected("broken symbolic link: its target does not exist")
        if path.is_dir():
            raise Rejected("symbolic link to a directory: not followed (it could loop)")
        info = path.stat()
    if stat.S_ISFIFO(info.st_mode):
        raise Rejected("not a regular file: a FIFO (named pipe)")
    if stat.S_ISSOCK(info.st_mode):
        raise Rejected("not a regular file: a socket")
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        raise Rejected("not a regular file: a device")
    if not stat.S_ISREG(info.st_mode):
        raise Rejected("not a regular file")
    if info.st_size > MAX_BYTES:
        raise Rejected(f"larger than the {MAX_BYTES:,}-byte size limit ({info.st_size:,} bytes)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Rejected(f"unreadable: {exc.strerror or exc}") from exc


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    n_replacement_chars: int


CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls except tab, newlines, \v, \f


def _control_share(text: str) -> float:
    return len(CONTROL_RE.findall(text)) / max(len(text), 1)


def decode(raw: bytes) -> Decoded:
    """Bytes to normalised text: UTF-8 (with or without BOM) first, legacy encodings by detection.

    UTF-8 is tried strictly first because a wrong legacy guess silently garbles every non-ASCII
    name. Text that is valid UTF-8 apart from a few bad bytes stays UTF-8 (the damage is counted
    as U+FFFD) instead of being re-read as a legacy encoding, which would garble the rest.
    """
    if not raw:
        raise Rejected("empty file (0 bytes)")
    for magic, kind in MAGIC_NUMBERS.items():
        if raw.startswith(magic):
            raise Rejected(f"binary: {kind}, not text")
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        text, encoding = raw.decode("utf-16", errors="replace"), "utf-16"
    elif b"\x00" in raw:
        raise Rejected("binary: contains NUL bytes, not text")
    elif raw.startswith(codecs.BOM_UTF8):
        text, encoding = raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    else:
        text, encoding = _decode_without_bom(raw)
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise Rejected("binary: too many control characters for text")
    text = normalise(text)
    return Decoded(text=text, encoding=encoding, n_replacement_chars=text.count("\ufffd"))


def _decode_without_bom(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lenient = raw.decode("utf-8", errors="replace")
    multibyte_ok = sum(1 for ch in lenient if ord(ch) > 127 and ch != "\ufffd")
    damaged = lenient.count("\ufffd")
    if multibyte_ok > 0:  # legacy bytes almost never form valid UTF-8 sequences: this is damaged UTF-8
        return lenient, "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise Rejected("not decodable: no text encoding fits the bytes")
    return str(best), best.encoding


def normalise(text: str) -> str:
    """One newline convention, NFC, no stray BOM: the same article always has the same code points."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return unicodedata.normalize("NFC", text)


# ----------------------------------------------------------------------------------------------
# Inline cleaning (within one line)

LINK_RE = re.compile(r"!?\[([^\[\]\n]*)\]\(([^()\n]*)\)")
SCRIPT_RE = re.compile(r"<(script|style)\b[^>\n]*>.*?</\1\s*>", re.IGNORECASE)
COMMENT_RE = re.compile(r"<!--.*?-->")
TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>\n]*)?/?>")
FORMAT_TAG_RE = re.compile(r"</?(?:b|i|u|em|strong|span|a|p|div|font|h[1-6]|small|mark|br)\b[^<>\n]*/?>", re.IGNORECASE)
ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def unwrap_links(line: str, removed: list[dict[str, str]]) -> str:
    """Markdown links `[text](url)` become their text; images `![alt](url)` go entirely.

    Repeated until none is left because nested brackets can form a new link once the inner one
    is unwrapped; what is recorded is always a substring of the original line.
    """
    original = line
    for _ in range(50):
        match = LINK_RE.search(line)
        if match is None:
            break
        is_image = match.group(0).startswith("!")
        record = match.group(0) if match.group(0) in original else original
        removed.append({"text": record, "rule": "image_markup" if is_image else "link_markup"})
        line = line[: match.start()] + ("" if is_image else match.group(1)) + line[match.end():]
    return line


def strip_markup(line: str, removed: list[dict[str, str]]) -> str:
    """Drop HTML: script/style elements with their content, comments, then any remaining tag."""
    original = line
    for rule, pattern in (("html_script", SCRIPT_RE), ("html_comment", COMMENT_RE), ("html_tag", TAG_RE)):
        for _ in range(50):
            match = pattern.search(line)
            if match is None:
                break
            record = match.group(0) if match.group(0) in original else original
            removed.append({"text": record, "rule": rule})
            line = line[: match.start()] + " " + line[match.end():]
    if ENTITY_RE.search(line):
        line = html.unescape(line)
    return line


def inline_clean(line: str, removed: list[dict[str, str]]) -> str:
    line = strip_markup(line, removed)
    line = unwrap_links(line, removed)
    return SPACES_RE.sub(" ", line).strip()


def clean_title(line: str) -> str:
    """The headline as printed: links unwrapped and formatting tags dropped, but any other markup
    (e.g. a `<script>` someone put in a headline) kept as TEXT: escaping is the HTML layer's job."""
    line = LINK_RE.sub(lambda m: "" if m.group(0).startswith("!") else m.group(1), line)
    line = html.unescape(FORMAT_TAG_RE.sub("", line))
    return SPACES_RE.sub(" ", line).strip()


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


def _key(text: str) -> str:
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


def _vocab_line(line: Line, key: str) -> bool:
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
    match = _patterns()["credit"].search(text)
    if match is None:
        return None
    credit = match.group(0).strip()
    before = text[: match.start()].rstrip()
    has_separator = bool(_patterns()["credit_separator"].search(credit)) or "Photo" in credit
    starts_line_or_sentence = not before or before[-1] in ".!?”\")"
    if not before and not has_separator and credit.lower() in _outlet_aliases():
        return None  # a line that is only 'Reuters' is a masthead, not a credit
    return match if (has_separator or starts_line_or_sentence) and len(credit.split()) <= 12 else None


@lru_cache(maxsize=1)
def _outlet_aliases() -> dict[str, str]:
    """alias (lower case) -> canonical outlet name."""
    return {alias.lower(): name for name, aliases in outlet_vocabulary()["outlets"].items() for alias in aliases}


def is_caption_opening(line: Line) -> bool:
    return bool(_patterns()["caption_opening"].match(line.text)) and line.n_words <= 90


# ----------------------------------------------------------------------------------------------
# Byline and dateline

NAME = r"[A-Z][\w'’.\-]*(?:\s+(?:[A-Z][\w'’.\-]*|de|van|von|der|bin|al|da|di|le|la)){0,4}"
BYLINE_RE = re.compile(rf"^(?:[Bb]y|BY|[Aa]uthors?:|[Ww]ritten by|[Ss]tory by|[Rr]eporting by|[Ww]ords by)\s+(?P<names>{NAME}(?:\s*(?:,|\band\b|&)\s*{NAME})*)(?:\s*(?:,|\||·|•|–|—|-)\s*(?P<rest>.*))?$")
NAME_DATE_RE = re.compile(rf"^(?P<names>{NAME}(?:\s*(?:,|\band\b|&)\s*{NAME})*)\s*(?:\||·|•|–|—)\s*(?P<rest>.+)$")
DATE_FILLER = {"updated", "published", "posted", "last", "first", "on", "at", "am", "pm", "a.m", "p.m", "et", "edt",
               "est", "gmt", "utc", "bst", "cet", "cest", "kst", "msk", "pt", "pdt", "pst", "time", "date", "modified",
               "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday", "tuesday",
               "wednesday", "thursday", "friday", "saturday", "sunday", "t", "z"}
WIRE_DATELINE_RE = re.compile(r"^(?P<place>[A-Z][A-Z .'\-]{2,40}(?:,\s*[A-Z][A-Za-z .]{1,30})?)\s*(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*)?\((?P<agency>Reuters|AP|AFP|UPI|Yonhap|TASS|Xinhua|Kyodo|dpa|Bloomberg|RFE/RL)\)\s*[-–—]+\s*")


YEAR_RE = re.compile(r"(?:19|20)\d{2}")


def _day_mentions(text: str) -> list[dates.DateMention]:
    """Absolute, day-precise dates with a year (the only ones that can be 'stated')."""
    if not YEAR_RE.search(text):  # cheap test first: most lines hold no year, and parsing is slow
        return []
    return [m for m in dates.find_dates(text, None) if m.basis == "stated" and m.start == m.end]


def _names_ok(names: str) -> bool:
    parts = re.split(r"\s*(?:,|\band\b|&)\s*", names)
    calendar_words = {w.lower() for w in WEEKDAYS} | {"january", "february", "march", "april", "may", "june", "july",
                                                      "august", "september", "october", "november", "december"}
    return all(p and p.split()[0].lower() not in calendar_words for p in parts) and len(names.split()) <= 10


ROLE_WORDS = frozenset("staff writer reporter correspondent editor contributor bureau service desk columnist "
                       "analyst producer team chief senior political diplomatic defence defense".split())


def _drop_outlets(names: str) -> str:
    """'Jane Doe, Reuters' or 'Jane Doe, Staff Writer' names a person plus an outlet or a role:
    the author is the person."""
    parts = [p.strip() for p in names.split(",")]
    heads = {h.lower() for h in outlet_vocabulary()["outlet_heads"]}
    while len(parts) > 1 and (parts[-1].lower() in _outlet_aliases()
                              or parts[-1].split()[-1].lower() in heads | ROLE_WORDS):
        parts.pop()
    return ", ".join(parts)


def parse_byline(line: Line) -> tuple[str, list[dates.DateMention]] | None:
    """(author, dates on the line) when the line is a byline; None otherwise.

    Two shapes: 'By X[, Y and Z][, Outlet | date]' and 'X | 6 November 2024'. The second needs a
    date after the separator, since 'Name | something' alone is as likely a section trail.
    """
    if line.n_words > 16 or not line.text:
        return None
    match = BYLINE_RE.match(line.text)
    if match and _names_ok(match.group("names")):
        rest = match.group("rest") or ""
        found = _day_mentions(rest)
        rest_is_short_name = len(rest.split()) <= 4 and all(w[:1].isupper() or not w[:1].isalpha() for w in rest.split())
        if not rest or found or rest_is_short_name:
            return _display_names(_drop_outlets(match.group("names"))), found
        return None
    match = NAME_DATE_RE.match(line.text)
    if match and _names_ok(match.group("names")) and len(match.group("names").split()) <= 5:
        found = _day_mentions(match.group("rest"))
        if found:
            return match.group("names").strip(), found
    return None


def parse_dateline(line: Line) -> tuple[str, dates.DateMention] | None:
    """('published' or 'updated', date) when the line holds only a date (plus words like 'Updated', times)."""
    if not line.text or line.n_words > 12:
        return None
    text = re.sub(r"\b(\d{4}-\d{2}-\d{2})T(?=\d)", r"\1 ", line.text)  # ISO timestamps: 2024-10-30T10:00Z
    found = _day_mentions(text)
    if not found:
        return None
    rest = text
    for mention in reversed(found):
        rest = rest[: mention.char_start] + " " + rest[mention.char_end:]
    rest = re.sub(r"\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?|\b(?:gmt|utc)\s*[+-]\s*\d{1,2}(?::?\d{2})?", " ", rest, flags=re.IGNORECASE)
    tokens = [t.strip(".").lower() for t in re.split(r"[\s,|:·•–—\-()]+", rest) if t.strip(" .")]
    if any(t not in DATE_FILLER for t in tokens):
        return None
    kind = "updated" if re.search(r"\b(updated|modified)\b", line.text, re.IGNORECASE) else "published"
    return kind, found[0]


# ----------------------------------------------------------------------------------------------
# Cleaning


@dataclass
class Cleaned:
    """The result of cleaning one decoded text."""

    text: str
    removed: list[dict[str, str]]
    title: str | None = None
    author: str | None = None
    stated_dates: list[tuple[str, dates.DateMention, str]] = field(default_factory=list)  # (kind, date, line)
    header_lines: list[str] = field(default_factory=list)
    wire_agency: str | None = None
    title_outlet: str | None = None
    title_index: int = 0  # header lines before this one are above the headline


def hard_wrap_width(raw_lines: list[str]) -> int | None:
    """The column a plain-text export was hard-wrapped at, or None when lines are paragraphs.

    Wrapped text has most lines ending near one width, many of them mid-sentence; a web export
    has one paragraph per line, so its long lines far exceed any terminal width.
    """
    lengths = [len(line.rstrip()) for line in raw_lines if line.strip()]
    if len(lengths) < 8:
        return None
    width = sorted(lengths)[int(0.9 * (len(lengths) - 1))]
    if not 40 <= width <= 100:
        return None
    near = [line.rstrip() for line in raw_lines if line.strip() and 0.7 * width <= len(line.rstrip()) <= width]
    unfinished = [line for line in near if line[-1] not in TERMINAL]
    return width if len(near) >= 0.5 * len(lengths) and len(unfinished) >= 0.3 * len(near) else None


def _split_lines(text: str, removed: list[dict[str, str]]) -> list[Line]:
    """Logical lines: one per physical line, except that in hard-wrapped text a line that reaches
    the wrap column continues on the next one (its raw text then spans both)."""
    spans: list[tuple[int, int]] = []
    position = 0
    for newline in re.finditer(r"\r\n|\r|\n", text):
        spans.append((position, newline.start()))
        position = newline.end()
    spans.append((position, len(text)))
    width = hard_wrap_width([text[a:b] for a, b in spans])
    lines: list[Line] = []
    blank = False
    previous_length = 0
    for index, (start, end) in enumerate(spans):
        raw = text[start:end]
        cleaned = inline_clean(raw, removed)
        if not cleaned:
            blank = True
            continue
        if width and lines and not blank and previous_length >= 0.7 * width:
            last = lines[-1]
            last.raw = text[last.start:end]
            last.text = f"{last.text} {cleaned}"
        else:
            line = Line(index=index, raw=raw, text=cleaned, blank_before=blank or not lines)
            line.start = start
            lines.append(line)
        previous_length, blank = len(raw.rstrip()), False
    return lines


def _mark(line: Line, rule: str) -> None:
    if line.rule is None:
        line.rule = rule


def _apply_line_rules(lines: list[Line], cleaned: Cleaned) -> None:
    """Rules that judge a line on its own: furniture, counters, buttons, trails, bylines, datelines."""
    for line in lines:
        if _vocab_line(line, "navigation"):
            _mark(line, "navigation")
        elif (byline := parse_byline(line)) is not None:
            _mark(line, "byline")
            if cleaned.author is None:
                cleaned.author = byline[0]
            cleaned.stated_dates.extend(("published", m, line.text) for m in byline[1])
        elif (dateline := parse_dateline(line)) is not None:
            _mark(line, "dateline")
            cleaned.stated_dates.append((dateline[0], dateline[1], line.text))
        elif is_share_counter(line):
            _mark(line, "share_counter")
        elif is_button_row(line):
            _mark(line, "buttons")
        elif is_markup_debris(line):
            _mark(line, "markup_debris")
        elif _vocab_line(line, "section_labels"):
            _mark(line, "section_label")
        elif credit_match(line.text) is not None:
            _mark(line, "photo_caption")
        elif is_caption_opening(line):
            _mark(line, "photo_caption")
        elif is_section_trail(line):
            _mark(line, "section_trail")
        elif line.n_words <= 25 and _patterns()["cta"].search(line.text):
            _mark(line, "call_to_action")
        elif _patterns()["promo_prefix"].match(line.text) and not is_prose(line):
            _mark(line, "promo")


def _caption_leads(lines: list[Line], single_newline_paragraphs: bool) -> None:
    """The description half of a caption sits right before its credit line: a line cut mid-sentence
    (a caption split in two), or a short line directly above the credit with no blank between."""
    for i, line in enumerate(lines):
        if line.rule != "photo_caption" or i == 0 or credit_match(line.text) is None:
            continue
        previous = lines[i - 1]
        if previous.rule is not None:
            continue
        # Only where paragraphs are blank-line separated: in one-line-per-paragraph text, a line
        # without a full stop is as likely a heading or a deck as half a caption.
        split_mid_sentence = (not single_newline_paragraphs and not previous.terminal and previous.n_words >= 10
                              and previous.text[-1:].isalpha())
        short_limit = 12 if single_newline_paragraphs else 20
        adjacent_short = not line.blank_before and previous.n_words <= short_limit and not re.search(r"[\"“”]", previous.text)
        if split_mid_sentence or adjacent_short:
            previous.rule = "photo_caption"


def _promo_blocks(lines: list[Line]) -> None:
    """'Other topics of interest' and kin: the heading, the promoted headlines after it, one short
    teaser when a heading-sized line follows it, and the promoted headlines wherever repeated."""
    promoted: set[str] = set()
    for i, line in enumerate(lines):
        if line.rule is not None or not _vocab_line(line, "promo_headings"):
            continue
        line.rule = "promo"
        j = i + 1
        took_headline = False
        while j < len(lines) and j <= i + 8:
            nxt = lines[j]
            if nxt.rule is not None:
                j += 1
                continue
            if not nxt.terminal and (is_headline_like(nxt) or nxt.n_words <= 4):  # promoted headlines or topic links
                nxt.rule = "promo"
                promoted.add(_key(nxt.text))
                took_headline = True
                j += 1
                continue
            after = next((x for x in lines[j + 1:] if x.rule is None), None)
            if took_headline and nxt.n_words <= 45 and (after is None or after.n_words <= 12):
                nxt.rule = "promo_teaser"
            break
    for line in lines:
        if line.rule is None and _key(line.text) in promoted:
            line.rule = "promo"


def _body_start(lines: list[Line]) -> int:
    for i, line in enumerate(lines):
        if line.rule is None and starts_body(line):
            return i
    return len(lines)


SITE_SUFFIX_RE = re.compile(r"^(?P<headline>.*\S)\s+(?:\||–|—|-|::|·)\s+(?P<site>[^|–—]{2,40})$")


def split_site_suffix(title: str) -> tuple[str, str | None]:
    """'Headline | CNN' -> ('Headline', 'CNN'): page titles append the site name; only a known
    outlet counts, so a headline that merely contains a dash stays whole."""
    match = SITE_SUFFIX_RE.match(title)
    if match:
        name = _outlet_aliases().get(match.group("site").strip().lower())
        if name:
            return match.group("headline"), name
    return title, None


def _headline_key(text: str) -> str:
    return _key(split_site_suffix(text)[0])


def is_sentence(line: Line) -> bool:
    """A line written as a sentence (a standfirst or short lede), not a label or a banner."""
    words = [w for w in line.words if w[:1].isalpha()]
    capitalised = sum(w[:1].isupper() for w in words) / max(len(words), 1)
    return line.n_words >= 6 and line.text.rstrip("\"”’)'")[-1:] in ".!?" and capitalised < 0.6


def is_deck(line: Line) -> bool:
    """A sentence-case summary under the headline, often printed without a full stop."""
    words = [w for w in line.words if w[:1].isalpha()]
    capitalised = sum(w[:1].isupper() for w in words) / max(len(words), 1)
    return line.n_words >= 8 and capitalised < 0.5 and not is_site_like(line.text)


NAMES_ONLY_RE = re.compile(r"^[A-Z][\w'’.\-]+(?:\s+[A-Z][\w'’.\-]+){1,3}(?:\s*(?:,|\band\b|&)\s*[A-Z][\w'’.\-]+(?:\s+[A-Z][\w'’.\-]+){1,3})*$")


def _is_name_byline(lines: list[Line], i: int) -> bool:
    """A line of bare names ('Pjotr Sauer and Justin McCurry') is a byline when a dateline is next
    to it: on its own such a line could be a kicker or a section name."""
    line = lines[i]
    if not NAMES_ONLY_RE.match(line.text) or is_site_like(line.text) or not _names_ok(line.text):
        return False
    neighbours = [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
    return any(n.rule == "dateline" for n in neighbours)


def _display_names(names: str) -> str:
    """'LORNE COOK' -> 'Lorne Cook': wire bylines are set in capitals, the name is not."""
    return names.title() if names.isupper() else names


def _choose_title(lines: list[Line], start: int) -> Line | None:
    """The headline: among headline-like lines above the body, one the page repeats (headlines
    are printed twice: page title and article heading), else the first that does not look like a
    site banner (banners come above the headline, decks below it)."""
    candidates = [line for line in lines[:start] if line.rule is None and is_headline_like(line)]
    if not candidates:
        return None
    counts = Counter(_headline_key(line.text) for line in lines)
    repeated = [line for line in candidates if counts[_headline_key(line.text)] > 1]
    if repeated:
        return repeated[0]
    plain = [line for line in candidates if not is_site_like(line.text)]
    return plain[0] if plain else max(candidates, key=lambda line: (line.n_words, -line.index))


NAME_PREFIX_RE = re.compile(r"^(?:Mc|Mac|O['’]|D['’]|De|Di|Da|La|Le|Van|Von)[A-Z]")  # McCurry is a name, 'NOw' a banner
SITE_WORDS = frozenset("news headlines breaking live today online daily tv com www home".split())


def is_site_like(text: str) -> bool:
    """A banner rather than a headline: site words ('News', 'Breaking'), a bare year, an outlet
    name, or jumbled capitals ('NOw') that no copy desk would let through."""
    tokens = re.findall(r"[\w'’]+", text)
    return (any(t.lower() in SITE_WORDS or re.fullmatch(r"(?:19|20)\d{2}", t) for t in tokens)
            or any(re.search(r"^[A-Z]{2,}[a-z]", t) or (re.search(r"[a-z][A-Z]", t) and not NAME_PREFIX_RE.match(t))
                   for t in tokens)
            or text.lower().strip() in _outlet_aliases())


def _rejoin(paragraphs: list[str]) -> list[str]:
    """A sentence wrapped across a blank line ('rules of' / 'engagement that...') is one paragraph."""
    out: list[str] = []
    for paragraph in paragraphs:
        if out and out[-1][-1:] not in TERMINAL and paragraph[:1].islower():
            out[-1] = f"{out[-1]} {paragraph}"
        else:
            out.append(paragraph)
    return out


def clean(text: str) -> Cleaned:
    """Clean one decoded article: body text, what was removed (and why), and header metadata."""
    removed: list[dict[str, str]] = []
    cleaned = Cleaned(text="", removed=removed)
    lines = _split_lines(text, removed)
    single_newline = not any(line.blank_before for line in lines[1:])
    _apply_line_rules(lines, cleaned)
    _caption_leads(lines, single_newline)
    _promo_blocks(lines)
    start = _body_start(lines)
    title_line = _choose_title(lines, start)
    if title_line is not None:
        cleaned.title, cleaned.title_outlet = split_site_suffix(clean_title(title_line.raw) or title_line.text)
        title_key = _headline_key(title_line.text)
        for line in lines:
            if line is not title_line and line.rule is None and _headline_key(line.text) == title_key:
                line.rule = "repeated_headline"
        title_line.rule = "title"
    after_title = title_line is None
    for i, line in enumerate(lines[:start]):
        cleaned.header_lines.append(line.text)
        if line is title_line:
            cleaned.title_index = i
        after_title = after_title or line is title_line
        if line.rule is None and after_title and _is_name_byline(lines, i):
            line.rule = "byline"
            cleaned.author = cleaned.author or _display_names(line.text)
            continue
        if line.rule is None and after_title and line is not title_line and (is_sentence(line) or is_deck(line)):
            continue  # a standfirst, deck or short first paragraph is article text
        if line.rule is None:
            line.rule = "masthead" if line.text.lower().strip(" |-–—:") in _outlet_aliases() else "site_banner"
    _wire_dateline(lines, start, cleaned)
    for line in lines:
        if line.rule is not None:
            removed.append({"text": line.raw, "rule": line.rule})
    kept = [line.text for line in lines if line.rule is None]
    cleaned.text = "\n\n".join(_rejoin(kept))
    return cleaned


def _wire_dateline(lines: list[Line], start: int, cleaned: Cleaned) -> None:
    """'SEOUL (Reuters) - ' opening the first paragraph names the agency; the prefix is not prose."""
    if start >= len(lines):
        return
    first = lines[start]
    match = WIRE_DATELINE_RE.match(first.text)
    if match and match.group(0) in first.raw:
        cleaned.wire_agency = match.group("agency")
        cleaned.removed.append({"text": match.group(0), "rule": "dateline"})
        first.text = first.text[match.end():]


# ----------------------------------------------------------------------------------------------
# Metadata: outlet and publication date


COPYRIGHT_RE = re.compile(r"(?:©|\(c\)|copyright|^\s*sources?\s*:)\s*(?:\d{4}\s*)?.{0,60}", re.IGNORECASE)


def find_outlet(cleaned: Cleaned, body: str) -> tuple[str | None, str | None]:
    """(outlet, basis). Masthead first, then a wire dateline, then self-references ('told X').

    Self-reference rule: the outlet that sources 'told' most often in the article; a reporter's
    own outlet is the one interviews are given to. Weakness: an article that cites an interview
    given to another outlet names that outlet instead.
    """
    vocab = outlet_vocabulary()
    alias_to_name = _outlet_aliases()
    for line in cleaned.header_lines:
        name = alias_to_name.get(line.lower().strip(" |-–—:"))
        if name:
            return name, "masthead"
    if cleaned.title_outlet:
        return cleaned.title_outlet, "title suffix"
    for item in cleaned.removed:
        footer = COPYRIGHT_RE.search(item["text"]) if item["rule"] == "call_to_action" else None
        if footer:
            for alias in sorted(alias_to_name, key=len, reverse=True):
                if re.search(rf"\b{re.escape(alias)}\b", footer.group(0), re.IGNORECASE):
                    return alias_to_name[alias], "copyright or source line"
    for line in cleaned.header_lines[: cleaned.title_index]:
        opening = re.match(r"^(.{2,40}?)\s*(?:\||-|–|—|:|$)", line)
        if opening and opening.group(1).strip().lower() in alias_to_name:
            return alias_to_name[opening.group(1).strip().lower()], "masthead"
    if cleaned.wire_agency:
        return alias_to_name.get(cleaned.wire_agency.lower(), cleaned.wire_agency), "wire dateline"
    aliases = _alternation([a for aliases in vocab["outlets"].values() for a in aliases])
    heads = _alternation(vocab["outlet_heads"])
    told = re.compile(rf"\b(?:told|speaking to|said to|in an interview with|asked by)\s+(?:the\s+)?((?:{aliases})\b(?:['’]s)?|(?:The\s+)?(?:[A-Z][\w.&-]+\s+){{0,3}}(?:{heads})\b)")
    counts: Counter[str] = Counter()
    for match in told.finditer(body):
        found = re.sub(r"['’]s$", "", match.group(1)).strip()
        counts[alias_to_name.get(found.lower(), found)] += 1
    if not counts:
        return None, None
    (name, n), *others = counts.most_common()
    if others and others[0][1] == n:
        return None, None  # two outlets equally often: no basis to choose
    return name, f"self-reference (told {name} ×{n})"


FUTURE_CUE_RE = re.compile(r"\b(will|would|shall|plans?|planned|planning|expected|scheduled|set to|due|next|upcoming|as early as|by|until|before)\b", re.IGNORECASE)


def _clause_before(text: str, position: int) -> str:
    start = max(text.rfind(ch, 0, position) for ch in ".,;:!?\n")
    return text[start + 1: position]


def _is_future(text: str, mention_start: int) -> bool:
    return bool(FUTURE_CUE_RE.search(_clause_before(text, mention_start)))


def published_date(cleaned: Cleaned, full_text: str) -> tuple[date | None, str | None, str]:
    """(published, basis, note). A stated dateline wins; otherwise infer from reported dates.

    Inference rule, for a lower bound that is never silent:
    - anchors are day-precise dates WITH a year that the text reports as past (no future cue such
      as 'will', 'next', 'as early as' earlier in their clause); publication is on or after the
      latest anchor;
    - news style names events of the past week by weekday and older ones by date, so each bare
      past weekday ('said on Tuesday') is taken as the first such weekday on or after the anchor,
      and the inferred date is the latest of these.
    The note names the evidence; the true date may be later than the inferred one.
    """
    published = [(kind, m, line) for kind, m, line in cleaned.stated_dates if kind == "published"]
    if published:
        _, mention, line = published[0]
        return mention.start, "stated", f"stated in the dateline/byline '{line}'"
    if cleaned.stated_dates:
        _, mention, line = cleaned.stated_dates[0]
        return mention.start, "stated", f"only an update date is stated ('{line}'); the first publication may be earlier"
    anchors = [m for m in _day_mentions(full_text) if not _is_future(full_text, m.char_start)]
    weekday_re = re.compile(r"\b(?:on\s+|last\s+)?(" + "|".join(WEEKDAYS) + r")\b")
    covered = [(m.char_start, m.char_end) for m in _day_mentions(full_text)]
    weekdays = [
        m for m in weekday_re.finditer(full_text)
        if not any(s <= m.start(1) < e for s, e in covered) and not _is_future(full_text, m.start())
    ]
    if not anchors:
        years = sorted({int(y) for y in re.findall(r"\b(?:19|20)\d{2}\b", full_text)})
        hint = f"; the latest year it names is {years[-1]}" if years else ""
        named = sorted({m.group(1) for m in weekdays}, key=WEEKDAYS.index)
        weekday_hint = f"; weekday mentions ({', '.join(named)}) cannot be anchored" if named else ""
        return None, None, f"no stated date and no day-precise past date with a year in the text{hint}{weekday_hint}"
    anchor = max(anchors, key=lambda m: (m.start, m.char_start))
    inferred = anchor.start
    used: list[str] = []
    for match in weekdays:
        target = WEEKDAYS.index(match.group(1))
        day = anchor.start + timedelta(days=(target - anchor.start.weekday()) % 7)
        if day > inferred:
            inferred = day
        used.append(match.group(1))
    weekday_note = f" and the weekdays it reports as past ({', '.join(sorted(set(used), key=WEEKDAYS.index))})" if used else ""
    return inferred, "inferred", (f"earliest date consistent with the latest past date the text reports "
                                  f"('{anchor.text}'){weekday_note}; publication may be later")


# ----------------------------------------------------------------------------------------------
# Language


ENGLISH_STOPWORDS = frozenset(
    "the of and to a in that is was for on it with as by at from he his said be are has have had this not but "
    "an or they their its which were will would been who also after more than over into about".split())
ENGLISH_STOPWORD_SHARE = 0.20  # English news runs at 0.28-0.37 with this list, German at 0.06


def detect_language(text: str) -> str | None:
    """ISO 639-1 code. Rule first: when at least 20% of the first words are common English
    function words the text is English (our English articles run at 28-37%, German at 6%);
    otherwise langdetect decides, seeded so that the answer never changes between runs. The rule
    keeps langdetect, the slowest step of ingest, off the common case."""
    words = re.findall(r"[a-z']+", text[:LANGUAGE_SAMPLE_CHARS].lower())
    if len(words) >= 30 and sum(w in ENGLISH_STOPWORDS for w in words) / len(words) >= ENGLISH_STOPWORD_SHARE:
        return "en"
    return _langdetect(text)


def _langdetect(text: str) -> str | None:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = LANGDETECT_SEED
    try:
        return detect(text[:LANGUAGE_SAMPLE_CHARS])
    except LangDetectException:
        return None


# ----------------------------------------------------------------------------------------------
# One entry -> one row


def ingest_file(path: Path, source_path: str, doc_id: str, cache_dir: Path | None = None) -> dict[str, Any]:
    """The documents row of one corpus entry. Never raises: a bad file becomes a 'rejected' row.

    With `cache_dir`, the cleaning and description of the text (the costly part: line rules,
    date resolution, language detection) is looked up by the file's bytes and the code version,
    so re-ingesting an unchanged folder only reads and hashes its files.
    """
    row: dict[str, Any] = {"doc_id": doc_id, "source_path": source_path, "status": "rejected"}
    try:
        raw = read_entry(path)
        row["sha256"] = hashlib.sha256(raw).hexdigest()
        decoded = decode(raw)
        row.update(encoding=decoded.encoding, n_replacement_chars=decoded.n_replacement_chars)
        row["warnings"] = _warnings(decoded)
        if not decoded.text.strip():
            raise Rejected("whitespace only: no text")
        fields, rejected = _described(decoded.text, row["sha256"], cache_dir)
        row.update(fields)
        if rejected is not None:
            raise Rejected(rejected)
    except Rejected as exc:
        row["reason"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the build
        row["reason"] = f"internal error while ingesting ({type(exc).__name__}: {exc})"
    return row


def _described(text: str, sha256: str, cache_dir: Path | None) -> tuple[dict[str, Any], str | None]:
    """(the fields `_describe` sets, the reason it rejected the text or None), from the cache
    when these bytes were described before by this code. The text is decoded from the bytes, so
    their hash is its key."""
    path = cache_dir / "ingest" / f"{cache.key_of(cache.code_version(), sha256)}.json" if cache_dir else None

    def describe() -> dict[str, Any]:
        fields: dict[str, Any] = {}
        try:
            _describe(fields, text)
        except Rejected as exc:
            return {"fields": fields, "rejected": str(exc)}
        return {"fields": fields, "rejected": None}

    entry = cache.json_memo(path, describe)
    fields = dict(entry["fields"])
    if fields.get("published") is not None:
        fields["published"] = date.fromisoformat(fields["published"])
    return fields, entry["rejected"]


def _warnings(decoded: Decoded) -> str | None:
    notes = []
    if decoded.n_replacement_chars:
        notes.append(f"{decoded.n_replacement_chars} U+FFFD replacement character(s): text damaged before it reached us")
    if decoded.encoding not in {"utf-8", "utf-8-sig", "ascii"}:
        notes.append(f"legacy encoding detected: {decoded.encoding}")
    return "; ".join(notes) or None


def _describe(row: dict[str, Any], text: str) -> None:
    """Clean, describe and judge a decoded text; fills `row` (raises Rejected when no article is left)."""
    cleaned = clean(text)
    body = cleaned.text
    row.update(title=cleaned.title, author=cleaned.author, text=body, n_chars=len(body),
               n_words=len(body.split()), removed=json.dumps(cleaned.removed, ensure_ascii=False))
    outlet, outlet_basis = find_outlet(cleaned, body)
    published, basis, note = published_date(cleaned, text)
    row.update(outlet=outlet, outlet_basis=outlet_basis, published=published, published_basis=basis, published_note=note)
    if row["n_words"] < MIN_ARTICLE_WORDS:
        raise Rejected(f"no article text left after cleaning ({row['n_words']} words; at least {MIN_ARTICLE_WORDS} needed)")
    row["language"] = detect_language(body)
    if row["language"] != "en":
        raise Rejected(f"not English (detected language: {row['language'] or 'unknown'})")
    row["status"] = "ok"


# ----------------------------------------------------------------------------------------------
# Corpus walk, ids, duplicates


def list_entries(corpus: Path) -> list[str]:
    """Every non-directory entry under `corpus`, as POSIX paths relative to it, shallow first.

    Symlinks to directories are listed as entries (and rejected) rather than followed: following
    them can loop, and silently skipping them would lose a file the analyst handed in.
    """
    found: list[str] = []
    for root, dirnames, filenames in os.walk(corpus, followlinks=False):
        rel_root = Path(root).relative_to(corpus)
        for name in dirnames + filenames:
            full = Path(root) / name
            if name in dirnames and not full.is_symlink():
                continue
            found.append((rel_root / name).as_posix())
    return sorted(found, key=lambda p: (p.count("/"), p))


def assign_doc_ids(source_paths: list[str]) -> dict[str, str]:
    """doc_id = stem; a later file with a taken stem gets its folder path appended ('x__sub_dir')."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for path in source_paths:
        pure = Path(path)
        stem = pure.stem or pure.name
        candidate = stem
        if candidate in taken:
            folder = re.sub(r"[^\w.-]+", "_", pure.parent.as_posix()).strip("_") or "root"
            candidate = f"{stem}__{folder}"
        base, n = candidate, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        taken.add(candidate)
        ids[path] = candidate
    return ids


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def mark_duplicates(rows: list[dict[str, Any]], cache_dir: Path | None = None) -> None:
    """Exact copies (same raw bytes or same cleaned text) and near-duplicates (MinHash LSH over
    word 5-shingles: linear in the corpus, no all-pairs comparison) of an earlier 'ok' row.

    'Earlier' is source_path order (shallow first), so the decision does not depend on timing.
    The candidate's true Jaccard similarity is computed and stored, so the LSH estimate is never
    the only evidence. Each text's MinHash signature is per-document work, cached by the text
    (`cache_dir`); only the index over them is rebuilt on every run.
    """
    from datasketch import MinHashLSH

    # Weights favour recall: every LSH candidate is verified with its exact Jaccard similarity,
    # so a false candidate costs one set intersection while a missed one is a silent duplicate.
    lsh = MinHashLSH(threshold=NEAR_DUPLICATE_THRESHOLD, num_perm=MINHASH_PERMUTATIONS, weights=(0.05, 0.95))
    seen_hash: dict[str, str] = {}
    seen_text: dict[str, str] = {}
    texts: dict[str, str] = {}
    cluster: dict[str, str] = {}
    for row in rows:
        if row["status"] != "ok":
            continue
        doc_id = row["doc_id"]
        text_key = hashlib.sha256(row["text"].encode("utf-8")).hexdigest()
        original = seen_hash.get(row["sha256"]) or seen_text.get(text_key)
        if original is not None:
            _mark_duplicate(row, cluster[original], 1.0, "exact copy")
            cluster[doc_id] = cluster[original]
            continue
        minhash = _minhash(row["text"], text_key, cache_dir)
        best = None
        candidates = sorted(lsh.query(minhash))
        grams = shingles(row["text"]) if candidates else set()
        for other in candidates:
            other_grams = _shingles_memo(texts[other])
            similarity = len(grams & other_grams) / max(len(grams | other_grams), 1)
            if similarity >= NEAR_DUPLICATE_THRESHOLD and (best is None or similarity > best[1]):
                best = (other, similarity)
        if best is not None:
            _mark_duplicate(row, cluster[best[0]], best[1], "near-duplicate")
            cluster[doc_id] = cluster[best[0]]
        else:
            cluster[doc_id] = doc_id
            row["duplicate_cluster"] = doc_id
        seen_hash.setdefault(row["sha256"], doc_id)
        seen_text.setdefault(text_key, doc_id)
        texts[doc_id] = row["text"]
        lsh.insert(doc_id, minhash)


@lru_cache(maxsize=256)
def _shingles_memo(text: str) -> frozenset[str]:
    """Shingles of an earlier text, computed only when it is a candidate (most texts never are)."""
    return frozenset(shingles(text))


@lru_cache(maxsize=1)
def _minhash_template() -> Any:
    """One MinHash whose permutations every other one shares (drawing them is half the cost)."""
    from datasketch import MinHash

    return MinHash(num_perm=MINHASH_PERMUTATIONS, seed=MINHASH_SEED)


def _minhash(text: str, text_key: str, cache_dir: Path | None) -> Any:
    """The MinHash of a text's word shingles, its signature cached by the text's hash."""
    import numpy as np
    from datasketch import MinHash

    template = _minhash_template()

    def signature() -> list[int]:
        minhash = template.copy()
        minhash.clear()
        minhash.update_batch([gram.encode("utf-8") for gram in sorted(shingles(text))])
        return [int(v) for v in minhash.hashvalues]

    path = None
    if cache_dir is not None:
        key = cache.key_of(cache.code_version(), "minhash", MINHASH_PERMUTATIONS, MINHASH_SEED, text_key)
        path = cache_dir / "minhash" / f"{key}.json"
    return MinHash(num_perm=MINHASH_PERMUTATIONS, seed=MINHASH_SEED, permutations=template.permutations,
                   scheme=template.scheme, hashvalues=np.array(cache.json_memo(path, signature), dtype=np.uint64))


def _mark_duplicate(row: dict[str, Any], original: str, similarity: float, kind: str) -> None:
    row.update(status="duplicate", duplicate_of=original, duplicate_cluster=original, similarity=round(similarity, 3))
    if kind == "exact copy":
        row["reason"] = f"exact copy of {original}"
    else:
        row["reason"] = f"near-duplicate of {original} (Jaccard similarity {similarity:.2f} of word 5-shingles)"


# ----------------------------------------------------------------------------------------------
# Public API


def ingest_corpus(corpus: str | Path, cache_dir: Path | None = None) -> list[dict[str, Any]]:
    """All documents rows of a corpus folder, in source order (no store needed: used by tests).

    `cache_dir` (beside the store) makes re-ingesting unchanged files cost only their reading."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus}")
    paths = list_entries(corpus)
    ids = assign_doc_ids(paths)
    rows = [ingest_file(corpus / path, path, ids[path], cache_dir) for path in paths]
    mark_duplicates(rows, cache_dir)
    return rows


def run(con: duckdb.DuckDBPyConnection, corpus: str | Path) -> pd.DataFrame:
    """Read every entry of `corpus`, write `documents`, return it."""
    store.write_table(con, DOCUMENTS, ingest_corpus(corpus, cache.cache_dir_of(con)))
    return store.read_table(con, DOCUMENTS)


def ensure(con: duckdb.DuckDBPyConnection, corpus: str | Path) -> None:
    """Run ingest when the store has no documents table yet (so any notebook runs on its own)."""
    if not store.has_table(con, DOCUMENTS.name):
        run(con, corpus)


def build(con: duckdb.DuckDBPyConnection, corpus: str | Path, model: str | None = None,
          engine: str = "local", scheduler: str | None = None, **_: Any) -> pd.DataFrame:
    """The notebook's entry point: (re-)ingest the corpus and return `documents`. Ingest needs no
    model or engine; the parameters exist so every stage's build has the same signature."""
    return run(con, corpus)


def load_documents(con: duckdb.DuckDBPyConnection) -> list[Document]:
    """The 'ok' documents as plain Documents, in doc_id order, for the per-document stages."""
    df = store.read_table(con, DOCUMENTS, where="status = 'ok'")
    out = []
    for r in df.itertuples():
        out.append(Document(doc_id=r.doc_id, text=r.text, title=_none(r.title), author=_none(r.author),
                            outlet=_none(r.outlet), published=_as_date(r.published),
                            published_basis=_none(r.published_basis)))
    return out


def _as_date(value: Any) -> date | None:
    if value is None or value is pd.NaT:  # NaT is an instance of date: test it first
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, date):
        return value
    return None


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT else value


# ----------------------------------------------------------------------------------------------
# What the notebook shows: summaries, audits, the timeline, and gold scores

RULES: dict[str, str] = {
    "title": "the headline line (moved to documents.title)",
    "repeated_headline": "the headline printed again above the body",
    "byline": "the author line (moved to documents.author; its date to published)",
    "dateline": "a line holding only a publication/update date, or a wire dateline prefix",
    "site_banner": "a line above the headline that is neither headline, byline nor date: site name, banner, tagline",
    "masthead": "a line above the headline naming a news outlet (moved to documents.outlet)",
    "navigation": "page furniture such as 'close', 'Menu', 'Advertisement'",
    "share_counter": "a lone number (share or comment counter)",
    "buttons": "a row of tool buttons ('Save', 'Print', 'A A')",
    "section_label": "a one-word genre or section label ('Analysis', 'News')",
    "section_trail": "a breadcrumb of site sections ('WORLD NEWS > EUROPE > ...')",
    "photo_caption": "a photo caption or credit ('... /AFP via Getty Images'), with its description line",
    "promo": "a block promoting other articles ('Other topics of interest', 'Read more:') and its headlines",
    "promo_teaser": "the one-paragraph teaser of a promoted article",
    "call_to_action": "newsletter sign-ups, share prompts, tag lists, editing credits",
    "markup_debris": "a line with no letter or digit (bullets, rules)",
    "link_markup": "markdown link syntax; the link text is kept",
    "image_markup": "markdown image syntax",
    "html_tag": "an HTML tag; its text content is kept",
    "html_script": "an HTML script or style element with its content",
    "html_comment": "an HTML comment",
}

BASIS_STYLE = {"stated": ("black", "stated in the text"), "inferred": ("none", "inferred (a lower bound)")}


def limits_markdown() -> str:
    """The documented limits as a sentence, generated from the constants the code uses."""
    return (f"Files over **{MAX_BYTES:,} bytes** are rejected; a text needs at least **{MIN_ARTICLE_WORDS} words** "
            f"after cleaning and must be detected as English (langdetect, seed {LANGDETECT_SEED}); a text whose word "
            f"{SHINGLE_WORDS}-shingles have a Jaccard similarity of at least **{NEAR_DUPLICATE_THRESHOLD:.2f}** with an "
            f"earlier one is a near-duplicate (MinHash LSH, {MINHASH_PERMUTATIONS} permutations, candidates verified exactly).")


def overview_markdown(documents: pd.DataFrame) -> str:
    """One paragraph on the corpus, generated from the table (no hand-written corpus facts)."""
    counts = documents["status"].value_counts()
    ok_rows = documents[documents["status"] == "ok"]
    dated = ok_rows["published_basis"].value_counts()
    ok = len(ok_rows)
    parts = [f"**{len(documents)}** entries found: **{ok}** ok, **{int(counts.get('duplicate', 0))}** duplicate, "
             f"**{int(counts.get('rejected', 0))}** rejected."]
    if ok:
        n_stated, n_inferred = int(dated.get("stated", 0)), int(dated.get("inferred", 0))
        parts.append(f"Of the ok documents, {n_stated} state their date, {n_inferred} have an inferred date and "
                     f"{ok - n_stated - n_inferred} cannot be dated from their text; "
                     f"{int(ok_rows['title'].notna().sum())} have a headline, {int(ok_rows['author'].notna().sum())} a byline "
                     f"and {int(ok_rows['outlet'].notna().sum())} name their outlet.")
    return " ".join(parts)


def _iso(value: Any) -> str | None:
    day = _as_date(value)
    return day.isoformat() if day else None


def corpus_at_a_glance(documents: pd.DataFrame) -> pd.DataFrame:
    """One row per entry with its fate and metadata (ISO dates, word counts)."""
    return pd.DataFrame({
        "doc_id": documents["doc_id"].tolist(),
        "status": documents["status"].tolist(),
        "title": documents["title"].tolist(),
        "author": documents["author"].tolist(),
        "outlet": documents["outlet"].tolist(),
        "published": [_iso(v) for v in documents["published"]],
        "basis": documents["published_basis"].tolist(),
        "n_words": [None if pd.isna(v) else int(v) for v in documents["n_words"]],
    })


def removed_items(documents: pd.DataFrame) -> pd.DataFrame:
    """Every removed string as a row: doc_id, position (order of recording), rule, text."""
    rows = []
    for doc_id, removed in zip(documents["doc_id"], documents["removed"]):
        if not isinstance(removed, str):
            continue
        for position, item in enumerate(json.loads(removed)):
            rows.append({"doc_id": doc_id, "position": position, "rule": item["rule"], "text": item["text"]})
    return pd.DataFrame(rows, columns=["doc_id", "position", "rule", "text"])


def _rule_order(rules: set[str]) -> list[str]:
    return [rule for rule in RULES if rule in rules] + sorted(rules - set(RULES))


def removal_counts(documents: pd.DataFrame) -> pd.DataFrame:
    """Removed strings per document (rows) and rule (columns, in RULES order), with a total."""
    items = removed_items(documents)
    if items.empty:
        return pd.DataFrame({"doc_id": [], "total": []})
    counts = items.pivot_table(index="doc_id", columns="rule", values="position", aggfunc="count", fill_value=0)
    counts = counts[_rule_order(set(counts.columns))].astype(int)
    counts["total"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.reset_index()


def removal_examples(documents: pd.DataFrame, per_rule: int = 3) -> pd.DataFrame:
    """For each rule, what it means and its first few removals (distinct texts, in document order)."""
    items = removed_items(documents)
    rows = []
    for rule in _rule_order(set(items["rule"])):
        subset = items[items["rule"] == rule].drop_duplicates("text").head(per_rule)
        for record in subset.itertuples():
            rows.append({"rule": rule, "meaning": RULES.get(rule, ""), "doc_id": record.doc_id,
                         "removed text": snippet(record.text, 120)})
    return pd.DataFrame(rows, columns=["rule", "meaning", "doc_id", "removed text"])


def exceptions(documents: pd.DataFrame) -> pd.DataFrame:
    """Duplicates and rejections with their reasons, plus ok files that carry a warning."""
    mask = (documents["status"] != "ok") | documents["warnings"].notna()
    return documents.loc[mask, ["doc_id", "source_path", "status", "reason", "duplicate_of", "warnings"]].reset_index(drop=True)


def dating_evidence(documents: pd.DataFrame) -> pd.DataFrame:
    """How each ok document's date and outlet were obtained, or why they are unknown."""
    ok = documents[documents["status"] == "ok"]
    return pd.DataFrame({
        "doc_id": ok["doc_id"].tolist(),
        "published": [_iso(v) for v in ok["published"]],
        "basis": ok["published_basis"].tolist(),
        "date evidence": ok["published_note"].tolist(),
        "outlet": ok["outlet"].tolist(),
        "outlet evidence": ok["outlet_basis"].tolist(),
    })


def timeline_figure(documents: pd.DataFrame):
    """Publication dates of the ok documents: stated dates filled, inferred ones (lower bounds)
    hollow; undated documents keep their row with a note, so they are not silently missing."""
    import matplotlib.dates as mdates

    from lib.report import new_figure

    ok = documents[documents["status"] == "ok"].reset_index(drop=True)
    figure = new_figure(8.0, max(2.5, 0.45 * len(ok) + 1.3))
    axes = figure.add_subplot()
    days = [_as_date(v) for v in ok["published"]]
    known = [d for d in days if d is not None]
    low = min(known) - timedelta(days=3) if known else date(2000, 1, 1)
    high = max(known) + timedelta(days=3) if known else date(2000, 1, 31)
    for basis, (face, label) in BASIS_STYLE.items():
        points = [(d, i) for i, (d, b) in enumerate(zip(days, ok["published_basis"])) if d is not None and b == basis]
        if points:
            axes.scatter([pd.Timestamp(d) for d, _ in points], [i for _, i in points], s=60, facecolors=face,
                         edgecolors="black", label=label, zorder=3)
    for i, day in enumerate(days):
        if day is None:
            axes.text(pd.Timestamp(low), i, "  no date in the text", va="center", fontsize=8, color="grey")
    axes.set_yticks(range(len(ok)), ok["doc_id"].tolist())
    axes.set_ylim(len(ok) - 0.5, -0.7)
    axes.set_xlim(pd.Timestamp(low), pd.Timestamp(high))
    for i, (day, basis) in enumerate(zip(days, ok["published_basis"])):
        if day is not None and basis == "inferred":  # a lower bound: the true date may lie to the right
            axes.annotate("", xy=(pd.Timestamp(min(day + timedelta(days=2), high)), i), xytext=(pd.Timestamp(day), i),
                          arrowprops={"arrowstyle": "->", "color": "grey", "linestyle": "--"})
    locator = mdates.AutoDateLocator(maxticks=6)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    axes.set_title("Publication dates of the ok documents")
    axes.set_xlabel("published")
    if known:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def accounting(documents: pd.DataFrame, corpus: str | Path) -> pd.DataFrame:
    """Every entry on disk has exactly one row, and every row an entry on disk."""
    on_disk = list_entries(Path(corpus))
    in_table = documents["source_path"].tolist()
    return pd.DataFrame([
        {"check": "entries found in the corpus folder", "value": len(on_disk)},
        {"check": "rows in documents", "value": len(in_table)},
        {"check": "entries without a row", "value": len(set(on_disk) - set(in_table))},
        {"check": "rows without an entry", "value": len(set(in_table) - set(on_disk))},
        {"check": "entries with more than one row", "value": int((pd.Series(in_table, dtype=object).value_counts() > 1).sum())},
        {"check": "doc_id unique (1 = yes)", "value": int(documents["doc_id"].is_unique)},
        {"check": "ok rows whose n_chars differs from their text", "value": int(sum(
            1 for status, text, n in zip(documents["status"], documents["text"], documents["n_chars"])
            if status == "ok" and len(text) != n))},
    ])


def read_gold(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _comparable(value: Any) -> str | None:
    value = _none(value)
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return _iso(value)
    return " ".join(str(value).split())


def _gold_pairs(documents: pd.DataFrame, gold_path: str | Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(gold item, documents row) for every gold article present in `documents`, matched by the
    SHA-256 of the raw file (so a renamed copy still matches and another file with the same name
    does not); gold articles absent from this corpus are skipped, not counted as failures."""
    rows = documents.to_dict(orient="records")
    by_sha: dict[str, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row.get("sha256"), str) and row.get("status") != "duplicate":
            by_sha.setdefault(row["sha256"], row)
    by_path = {row["source_path"]: row for row in rows}
    pairs = []
    for item in read_gold(gold_path):
        row = by_sha.get(item["sha256"]) if item.get("sha256") else by_path.get(item["source_path"])
        if row is not None:
            pairs.append((item, row))
    return pairs


def gold_scores(documents: pd.DataFrame, gold_path: str | Path) -> pd.DataFrame:
    """Metadata and cleaning compared with a gold file made by reading the articles.

    Metadata fields: precision = correct values / values we gave, recall = correct values / values
    the gold has, accuracy = documents where we agree (a correct NULL counts too). Cleaning:
    'boilerplate removed' is the share of gold boilerplate strings (and boilerplate paragraphs)
    absent from the text; 'body kept' the share of gold body strings present in it verbatim.
    """
    pairs = _gold_pairs(documents, gold_path)
    rows = []
    for name in ("title", "author", "outlet", "published", "published_basis"):
        given = expected = correct = agree = 0
        for item, row in pairs:
            predicted = _comparable(row.get(name))
            wanted = _comparable(item[name])
            given += predicted is not None
            expected += wanted is not None
            agree += predicted == wanted
            correct += predicted == wanted and predicted is not None
        rows.append({"check": name, "n": len(pairs), "precision": correct / given if given else None,
                     "recall": correct / expected if expected else None, "accuracy": agree / len(pairs) if pairs else None})
    removed_total = removed_ok = kept_total = kept_ok = 0
    for item, row in pairs:
        text = row.get("text") or ""
        paragraphs = {p.strip() for p in text.split("\n\n")}
        removed_total += len(item["must_remove"]) + len(item["must_not_be_paragraph"])
        removed_ok += sum(s not in text for s in item["must_remove"])
        removed_ok += sum(p not in paragraphs for p in item["must_not_be_paragraph"])
        kept_total += len(item["must_keep"])
        kept_ok += sum(s in text for s in item["must_keep"])
    rows.append({"check": "boilerplate removed", "n": removed_total, "precision": None,
                 "recall": removed_ok / removed_total if removed_total else None, "accuracy": None})
    rows.append({"check": "body kept", "n": kept_total, "precision": None,
                 "recall": kept_ok / kept_total if kept_total else None, "accuracy": None})
    return pd.DataFrame(rows, columns=["check", "n", "precision", "recall", "accuracy"])


def gold_failures(documents: pd.DataFrame, gold_path: str | Path) -> pd.DataFrame:
    """The individual gold checks that fail: what the scores do not say."""
    rows = []
    for item, row in _gold_pairs(documents, gold_path):
        text = row.get("text") or ""
        paragraphs = {p.strip() for p in text.split("\n\n")}
        for name in ("title", "author", "outlet", "published", "published_basis"):
            if _comparable(row.get(name)) != _comparable(item[name]):
                rows.append({"source_path": item["source_path"], "check": name, "expected": item[name],
                             "got": _comparable(row.get(name))})
        rows += [{"source_path": item["source_path"], "check": "must be removed", "expected": s, "got": "still in text"}
                 for s in item["must_remove"] if s in text]
        rows += [{"source_path": item["source_path"], "check": "must not be a paragraph", "expected": p, "got": "still a paragraph"}
                 for p in item["must_not_be_paragraph"] if p in paragraphs]
        rows += [{"source_path": item["source_path"], "check": "must be kept", "expected": s, "got": "missing"}
                 for s in item["must_keep"] if s not in text]
    return pd.DataFrame(rows, columns=["source_path", "check", "expected", "got"])


def input_gold_scores(documents: pd.DataFrame, gold_path: str | Path) -> pd.DataFrame:
    """Status, reason and duplicate_of per entry against a gold file of expected fates."""
    by_path = {row["source_path"]: row for row in documents.to_dict(orient="records")}
    rows = []
    for item in read_gold(gold_path):
        row = by_path.get(item["source_path"], {})
        reason_ok = item["reason_contains"] is None or item["reason_contains"] in (row.get("reason") or "")
        rows.append({"source_path": item["source_path"], "expected": item["status"], "got": row.get("status"),
                     "reason": row.get("reason"),
                     "correct": row.get("status") == item["status"] and reason_ok
                     and _none(row.get("duplicate_of")) == item["duplicate_of"]})
    return pd.DataFrame(rows, columns=["source_path", "expected", "got", "reason", "correct"])


GOLD_DIR = Path(__file__).resolve().parents[1] / "tests" / "gold"
COMPOSED_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ingest" / "composed"


def gold_table(documents: pd.DataFrame) -> pd.DataFrame:
    """Gold scores the notebook prints and the tests assert: the seed gold (for the seed articles
    present in this corpus) and the composed gold (short articles we wrote with other phrasings,
    ingested here from tests/fixtures so the score does not depend on the corpus being built)."""
    seed = gold_scores(documents, GOLD_DIR / "ingest.jsonl")
    composed = gold_scores(pd.DataFrame(ingest_corpus(COMPOSED_DIR)), GOLD_DIR / "ingest_composed.jsonl")
    return pd.concat([seed.assign(gold="seed articles"), composed.assign(gold="composed articles")], ignore_index=True)[
        ["gold", "check", "n", "precision", "recall", "accuracy"]]
