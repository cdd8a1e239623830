"""Cleaning a decoded text into an article body: line rules, bylines, datelines, promo blocks, title."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from lib.core import dates
from lib.ingest.lines import (
    TERMINAL,
    WEEKDAYS,
    Line,
    credit_match,
    is_button_row,
    is_caption_opening,
    is_headline_like,
    is_markup_debris,
    is_prose,
    is_section_trail,
    is_share_counter,
    line_key,
    outlet_aliases,
    outlet_vocabulary,
    patterns,
    starts_body,
    vocab_line,
)

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


def day_mentions(text: str) -> list[dates.DateMention]:
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
    while len(parts) > 1 and (parts[-1].lower() in outlet_aliases()
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
        found = day_mentions(rest)
        rest_is_short_name = len(rest.split()) <= 4 and all(w[:1].isupper() or not w[:1].isalpha() for w in rest.split())
        if not rest or found or rest_is_short_name:
            return _display_names(_drop_outlets(match.group("names"))), found
        return None
    match = NAME_DATE_RE.match(line.text)
    if match and _names_ok(match.group("names")) and len(match.group("names").split()) <= 5:
        found = day_mentions(match.group("rest"))
        if found:
            return match.group("names").strip(), found
    return None


def parse_dateline(line: Line) -> tuple[str, dates.DateMention] | None:
    """('published' or 'updated', date) when the line holds only a date (plus words like 'Updated', times)."""
    if not line.text or line.n_words > 12:
        return None
    text = re.sub(r"\b(\d{4}-\d{2}-\d{2})T(?=\d)", r"\1 ", line.text)  # ISO timestamps: 2024-10-30T10:00Z
    found = day_mentions(text)
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
    stated_dates: list[tuple[str, dates.DateMention, str]] = field(default_factory=list)  # (kind, date, line); kind: byline, published, updated
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
        if vocab_line(line, "navigation"):
            _mark(line, "navigation")
        elif (byline := parse_byline(line)) is not None:
            _mark(line, "byline")
            if cleaned.author is None:
                cleaned.author = byline[0]
            cleaned.stated_dates.extend(("byline", m, line.text) for m in byline[1])
        elif (dateline := parse_dateline(line)) is not None:
            _mark(line, "dateline")
            cleaned.stated_dates.append((dateline[0], dateline[1], line.text))
        elif is_share_counter(line):
            _mark(line, "share_counter")
        elif is_button_row(line):
            _mark(line, "buttons")
        elif is_markup_debris(line):
            _mark(line, "markup_debris")
        elif vocab_line(line, "section_labels"):
            _mark(line, "section_label")
        elif credit_match(line.text) is not None:
            _mark(line, "photo_caption")
        elif is_caption_opening(line):
            _mark(line, "photo_caption")
        elif is_section_trail(line):
            _mark(line, "section_trail")
        elif line.n_words <= 25 and patterns()["cta"].search(line.text):
            _mark(line, "call_to_action")
        elif patterns()["promo_prefix"].match(line.text) and not is_prose(line):
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
        if line.rule is not None or not vocab_line(line, "promo_headings"):
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
                promoted.add(line_key(nxt.text))
                took_headline = True
                j += 1
                continue
            after = next((x for x in lines[j + 1:] if x.rule is None), None)
            if took_headline and nxt.n_words <= 45 and (after is None or after.n_words <= 12):
                nxt.rule = "promo_teaser"
            break
    for line in lines:
        if line.rule is None and line_key(line.text) in promoted:
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
        name = outlet_aliases().get(match.group("site").strip().lower())
        if name:
            return match.group("headline"), name
    return title, None


def _headline_key(text: str) -> str:
    return line_key(split_site_suffix(text)[0])


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
            or text.lower().strip() in outlet_aliases())


def _rejoin(paragraphs: list[str]) -> list[str]:
    """A sentence wrapped across a blank line ('rules of' / 'engagement that...') is one paragraph."""
    out: list[str] = []
    for paragraph in paragraphs:
        if out and out[-1][-1:] not in TERMINAL and paragraph[:1].islower():
            out[-1] = f"{out[-1]} {paragraph}"
        else:
            out.append(paragraph)
    return out


def clean(text: str, title: str | None = None) -> Cleaned:
    """Clean one decoded article: body text, what was removed (and why), and header metadata.

    `title` is the headline when the source already gave it (page markup, an export's field): the
    body is then not searched for a headline and its opening lines are not judged as page header
    (an extractor or an export has already taken the page furniture out, and a short first
    paragraph must not be mistaken for a banner); a line repeating that headline is still removed.
    """
    removed: list[dict[str, str]] = []
    cleaned = Cleaned(text="", removed=removed)
    lines = _split_lines(text, removed)
    single_newline = not any(line.blank_before for line in lines[1:])
    _apply_line_rules(lines, cleaned)
    _caption_leads(lines, single_newline)
    _promo_blocks(lines)
    start = _body_start(lines)
    if title is None:
        _mark_title_and_header(lines, start, cleaned)
    else:
        cleaned.title = title
        _mark_repeated_headline(lines, title, None)
    _wire_dateline(lines, start, cleaned)
    for line in lines:
        if line.rule is not None:
            removed.append({"text": line.raw, "rule": line.rule})
    kept = [line.text for line in lines if line.rule is None]
    cleaned.text = "\n\n".join(_rejoin(kept))
    return cleaned


def _mark_repeated_headline(lines: list[Line], headline: str, title_line: Line | None) -> None:
    title_key = _headline_key(headline)
    for line in lines:
        if line is not title_line and line.rule is None and _headline_key(line.text) == title_key:
            line.rule = "repeated_headline"


def _mark_title_and_header(lines: list[Line], start: int, cleaned: Cleaned) -> None:
    """Choose the headline of a plain text and judge the lines above the body: byline, standfirst,
    masthead or site banner."""
    title_line = _choose_title(lines, start)
    if title_line is not None:
        cleaned.title, cleaned.title_outlet = split_site_suffix(clean_title(title_line.raw) or title_line.text)
        _mark_repeated_headline(lines, title_line.text, title_line)
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
            line.rule = "masthead" if line.text.lower().strip(" |-–—:") in outlet_aliases() else "site_banner"


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
