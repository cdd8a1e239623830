"""Readers for corpora as researchers hold them: saved web pages, scraper exports, and a metadata
sidecar beside text files.

Every article handed in becomes one `Record`, whatever happens to it, so an analyst can account for
each one: a page with no article, a JSONL line that is not JSON or a CSV row without text is a
record with status 'rejected' and a reason a person can read, and the other records of the same
file go on. Nothing here opens a URL: saved pages are parsed from their bytes (htmldate downloads
any *string* that looks like a URL, so it only ever gets a parsed tree), and a page's scripts are
text to be dropped, never code to run. What extraction leaves out of a page is kept in
`Record.removed` as {"text", "rule"} items, as the text ingest does, so a decision can be audited.

Record numbers are 1-based everywhere: the physical line for JSONL, the data row for CSV (the
header is row 0, so the first article is row 1; `location` also gives its physical lines, which
differ when quoted fields span lines), and the position in the list for JSON.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from lib.ingest import dating
from lib.ingest.read import Rejected

MAX_HTML_BYTES = 5_000_000  # a saved article page is well under 1 MB; 5 MB leaves room for inline assets
MAX_TEXT_BYTES = 2_000_000  # as the text ingest: 2 MB of "text" is a dump, a book or binary
MAX_EXPORT_BYTES = {  # JSONL is streamed a line at a time; CSV is decoded whole and JSON parsed whole, in memory
    "jsonl": 2_000_000_000, "csv": 500_000_000, "json": 200_000_000}
MAX_RECORD_CHARS = 2_000_000  # one article's text, as MAX_TEXT_BYTES
MIN_PAGE_WORDS = 40  # fewer words of main text: the page holds no article (a section front, an error page)
MAX_REMOVED_ITEMS = 300  # removed blocks listed per page; the count of the rest goes to warnings
MAX_REMOVED_CHARS = 2_000  # one removed block is cut to this length (a minified script can be megabytes)
MAX_CONTROL_SHARE = 0.01  # as the text ingest: more control characters than this is not text
SIDECAR_NAME = "metadata.csv"
SIDECAR_COLUMNS = ("file", "url", "title", "outlet", "author", "published")

# Field names of common exports (Media Cloud, news-please, GDELT-based tools, NewsAPI), matched
# case-insensitively, first listed first. `field_map` overrides them.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "body", "maintext", "article", "full_text", "fulltext", "story_text", "article_text"),
    "title": ("title", "headline"),
    "url": ("url", "link", "documentidentifier", "canonical_url", "source_url"),
    "published": ("publish_date", "published", "date", "date_publish", "published_at", "publishedat", "pubdate",
                  "publication_date", "date_published", "datetime", "seendate"),
    "outlet": ("media_name", "outlet", "source", "source_domain", "publisher", "sourcecommonname", "media", "domain",
               "site_name", "sitename"),
    "author": ("author", "authors", "byline", "creator"),
}
JSON_LIST_KEYS = ("articles", "data", "results", "items", "stories", "records", "documents", "docs", "entries")
MAGIC_NUMBERS = {b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (or DOCX/XLSX)", b"\x89PNG": "a PNG image",
                 b"GIF8": "a GIF image", b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "a gzip archive",
                 b"\x7fELF": "an executable", b"\xd0\xcf\x11\xe0": "an MS Office document"}


@dataclass
class Record:
    """One article as read from its source, before cleaning and analysis.

    `published_basis` is 'metadata' (an export field or metadata.csv), 'html' (page markup) or a
    basis of dating.date_from_text; `published_earliest`/`published_latest` bound the date when
    the day itself is not known.
    """

    source_path: str
    record_no: int | None
    kind: str  # 'text', 'html', 'jsonl', 'json', 'csv'
    location: str = ""  # where in the file, for a person: 'line 7', 'row 3 (lines 4-6)', 'item 2'
    text: str | None = None
    raw_html: str | None = None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: date | None = None
    published_basis: str | None = None
    published_note: str | None = None
    published_earliest: date | None = None
    published_latest: date | None = None
    encoding: str | None = None
    removed: list[dict[str, str]] = field(default_factory=list)
    status: str = "ok"
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Unique within a corpus: the file, plus the record's place in it for exports."""
        return self.source_path if self.record_no is None else f"{self.source_path}#{self.record_no}"

    def reject(self, reason: str) -> Record:
        self.status, self.reason = "rejected", reason
        return self

    def set_date(self, finding: dating.DateFinding) -> None:
        self.published, self.published_basis, self.published_note = finding.published, finding.basis, finding.note
        self.published_earliest, self.published_latest = finding.earliest, finding.latest

    def as_row(self) -> dict[str, Any]:
        """A plain dict in the shape of a documents row (removed as JSON, warnings joined)."""
        row = asdict(self)
        row["removed"] = json.dumps(self.removed, ensure_ascii=False)
        row["warnings"] = "; ".join(self.warnings) or None
        return row


# ----------------------------------------------------------------------------------------------
# Bytes to text


def check_size(size: int, limit: int, what: str) -> None:
    if size > limit:
        raise Rejected(f"{what} larger than the {limit:,}-byte size limit ({size:,} bytes)")


def _binary_kind(data: bytes) -> str | None:
    return next((kind for magic, kind in MAGIC_NUMBERS.items() if data.startswith(magic)), None)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM) strictly first, else a legacy encoding.

    charset-normalizer scores cp1250 and cp1252 alike on French or Spanish names (both decode
    'é'), and picking cp1250 turns 'près' into 'prčs'; among its least chaotic candidates the
    Western cp1252 is taken when it fits, since that is what spreadsheets on Western systems save.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    if any(ord(ch) > 127 and ch != "\ufffd" for ch in lenient):
        return lenient, "utf-8"  # legacy bytes almost never form valid UTF-8 sequences: damaged UTF-8
    return _legacy_decode(data)


def _legacy_decode(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise Rejected("not decodable: no text encoding fits the bytes")
    least = min(m.percent_chaos for m in matches)
    for preferred in ("cp1252", "latin_1"):
        for match in matches:
            if match.percent_chaos <= least + 0.5 and preferred in match.could_be_from_charset:
                return data.decode(preferred, errors="replace"), preferred
    return str(matches[0]), matches[0].encoding


CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def normalise(text: str, warnings: list[str]) -> str:
    """One newline convention, NFC, control characters dropped (too many of them: not text)."""
    controls = len(CONTROL_RE.findall(text))
    if controls > MAX_CONTROL_SHARE * max(len(text), 1):
        raise Rejected("binary: too many control characters for text")
    if controls:
        warnings.append(f"{controls} control character(s) removed")
    text = CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).lstrip("\ufeff")
    return unicodedata.normalize("NFC", text)


def _legacy_warning(encoding: str, warnings: list[str]) -> None:
    if encoding not in ("utf-8", "utf-8-sig", "ascii"):
        warnings.append(f"legacy encoding detected: {encoding}")


# ----------------------------------------------------------------------------------------------
# HTML to plain text

HIDDEN_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "head")
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "button", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul", "br", "option", "label", "caption",
})
TAG_TEXT_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def parse_html(page: str):
    """An lxml tree of the page; comments and processing instructions dropped (never shown).

    The page is handed to lxml as UTF-8 bytes with the encoding stated, because lxml refuses a
    str that still carries an XML encoding declaration.
    """
    from lxml import etree, html

    parser = html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        tree = html.fromstring(page.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise Rejected(f"not parseable as HTML ({exc})") from exc
    if tree is None:
        raise Rejected("not parseable as HTML (empty document)")
    return tree


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REMOVED_CHARS else text[:MAX_REMOVED_CHARS] + "…"


def hidden_content(tree) -> list[dict[str, str]]:
    """Scripts and styles as removed items: their text is kept for audit, never run or shown."""
    items = []
    for element in tree.iter("script", "style", "noscript", "template"):
        content = (element.text or "").strip()
        if content:
            rule = "html: script (never run)" if element.tag == "script" else f"html: {element.tag}"
            items.append({"text": _clip(content), "rule": rule})
    return items


def visible_blocks(tree) -> list[str]:
    """The page's visible text, one string per block element (paragraph, list item, cell...).

    Walked with iterwalk rather than recursion: malformed pages can nest thousands deep.
    """
    from lxml import etree

    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = SPACES_RE.sub(" ", " ".join(current)).strip()
        if text:
            blocks.append(text)
        current.clear()

    skip_depth = 0
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            skip_depth += tag in HIDDEN_TAGS
            if tag in BLOCK_TAGS and not skip_depth:
                flush()
            if element.text and not skip_depth:
                current.append(element.text)
            continue
        skip_depth -= tag in HIDDEN_TAGS
        if tag in BLOCK_TAGS and not skip_depth:
            flush()
        if element.tail and not skip_depth and element is not tree:
            current.append(element.tail)
    flush()
    return blocks


def _squeeze(text: str) -> str:
    return SPACES_RE.sub(" ", text.replace("\n", " ")).strip().lower()


def removed_blocks(blocks: list[str], kept: list[str]) -> list[dict[str, str]]:
    """Visible blocks of the page that are in none of the kept texts (body, title).

    Most blocks are a kept paragraph exactly (a set lookup); only the others are searched for
    inside the kept text, so a page of thousands of paragraphs stays linear.
    """
    kept_lines = [_squeeze(line) for k in kept if k for line in k.split("\n")]
    kept_set, kept_text = set(kept_lines), "\n".join(kept_lines)
    seen: set[str] = set()
    items = []
    for block in blocks:
        key = _squeeze(TAG_TEXT_RE.sub(" ", block))  # the body had tag-shaped text taken out too
        if key and key not in kept_set and key not in seen and key not in kept_text:
            seen.add(key)
            items.append({"text": _clip(block), "rule": "html: not main content"})
    return items


def strip_tag_text(text: str, removed: list[dict[str, str]]) -> str:
    """Tag-shaped strings left in extracted text (a page that printed '&lt;script&gt;' shows the
    tag as text) are removed and recorded: the body is plain text with no markup at all."""
    def drop(match: re.Match[str]) -> str:
        removed.append({"text": _clip(match.group()), "rule": "html: markup in text"})
        return " "

    return TAG_TEXT_RE.sub(drop, text)


def _paragraphs(text: str) -> str:
    """One paragraph per block, separated by a blank line, as documents.text expects."""
    lines = (SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def html_fragment_to_text(fragment: str) -> tuple[str, list[dict[str, str]]]:
    """(plain text, removed) for HTML found inside an export's text field."""
    removed: list[dict[str, str]] = []
    tree = parse_html(f"<html><body><div>{fragment}</div></body></html>")
    removed.extend(hidden_content(tree))
    text = strip_tag_text("\n".join(visible_blocks(tree)), removed)
    return _paragraphs(text), removed


# ----------------------------------------------------------------------------------------------
# Saved web pages


def _extract(page: str):
    """trafilatura's reading of the page, from the string (trafilatura never fetches a string).

    Its own date search is limited to markup: the body's dates are dated by rule in dating.py,
    which knows an event date from a publication date.
    """
    import trafilatura

    return trafilatura.bare_extraction(
        page, include_comments=False, include_tables=True, include_images=False, include_links=False,
        with_metadata=True, deduplicate=False, date_extraction_params={"extensive_search": False, "original_date": True})


def _page_date(page: str, extensive: bool) -> date | None:
    """htmldate's publication date, from a parsed tree so that no input is ever taken for a URL
    to download; extensive=True adds its search of the page's free text."""
    from htmldate import find_date

    try:
        found = find_date(parse_html(page), extensive_search=extensive, original_date=True)
    except Exception:  # noqa: BLE001 - htmldate on a hostile page: no date, not a crash
        return None
    return date.fromisoformat(found) if found else None


def _markup_evidence(page: str, day: date) -> str:
    """The markup attribute that carries the date, quoted for the note ('' when not found)."""
    iso = day.isoformat()
    match = re.search(rf"<(?:meta|time)\b[^>]*{iso}[^>]*>|\"date(?:Published|Created)\"\s*:\s*\"{iso}[^\"]*\"", page, re.IGNORECASE)
    return f" ({match.group()[:160]})" if match else ""


def _printed_outside_body(day: date, removed: list[dict[str, str]]) -> str | None:
    """A removed block (page furniture, not the story) that prints `day` in full, if any."""
    for item in removed:
        if item["rule"] == "html: not main content" and any(m.full == day for m in dating.find_mentions(item["text"])):
            return item["text"]
    return None


def date_page(record: Record, page: str) -> None:
    """The page's date, most trustworthy first: markup (meta tags, <time>, JSON-LD) read by
    htmldate; a dateline or timestamp in the text; htmldate's free-text search, only when the date
    it finds is printed outside the story (inside it, it is as likely an event date, and on a page
    with no date it takes the copyright year for 1 January)."""
    text_date = dating.date_from_text(record.text or "")
    markup = _page_date(page, extensive=False)
    if markup:
        record.set_date(dating.DateFinding(markup, "html", f"page markup or URL read by htmldate{_markup_evidence(page, markup)}",
                                           text_date.earliest, text_date.latest))
        if text_date.stated and text_date.published != markup:
            record.warnings.append(f"the page's markup gives {markup} but its text says {text_date.published} ({text_date.note})")
        return
    record.set_date(text_date)
    if text_date.published:
        return
    wide = _page_date(page, extensive=True)
    printed = _printed_outside_body(wide, record.removed) if wide else None
    if printed:
        record.set_date(dating.DateFinding(wide, "html", f"printed on the page outside the story: {printed[:120]!r} "
                                                         f"(htmldate's text search)", text_date.earliest, text_date.latest))
    elif wide:
        record.warnings.append(f"htmldate's text search suggests {wide}, not used: it is not printed outside "
                               f"the story, so it is as likely an event date or a copyright year")


def _decode_page(data: bytes, record: Record) -> str:
    kind = _binary_kind(data)
    if kind:
        raise Rejected(f"binary: {kind}, not a web page")
    page, encoding = decode_bytes(data)
    declared = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
    if encoding not in ("utf-8", "utf-8-sig") and declared:
        try:
            page, encoding = data.decode(declared.group(1).decode("ascii")), declared.group(1).decode("ascii").lower()
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: keep the detected encoding
    _legacy_warning(encoding, record.warnings)
    record.encoding = encoding
    return normalise(page, record.warnings)


def _title_and_body(extracted, removed: list[dict[str, str]]) -> tuple[str | None, str]:
    """The headline, and the body without it (trafilatura repeats an in-article <h1>)."""
    title = (extracted.title or "").strip() or None
    body = strip_tag_text(extracted.text or "", removed)
    lines = body.split("\n")
    if title and lines and _squeeze(lines[0]) == _squeeze(title):
        removed.append({"text": lines[0].strip(), "rule": "title"})
        body = "\n".join(lines[1:])
    return (strip_tag_text(title, removed).strip() if title else None), _paragraphs(body)


def read_html(data: bytes, source_path: str) -> Record:
    """One record for a saved page: plain-text body, title, byline, outlet and date, with every
    visible block extraction left out listed in `removed`. Never raises."""
    record = Record(source_path, None, "html")
    try:
        check_size(len(data), MAX_HTML_BYTES, "web page")
        page = _decode_page(data, record)
        record.raw_html = page
        tree = parse_html(page)
        extracted = _extract(page)
        if extracted is None or not (extracted.text or "").strip():
            raise Rejected("no article text found in the page")
        removed = hidden_content(tree)
        record.title, record.text = _title_and_body(extracted, removed)
        removed += removed_blocks(visible_blocks(tree), [record.text, record.title or ""])
        _cap_removed(record, removed)
        words = len(record.text.split())
        if words < MIN_PAGE_WORDS:
            raise Rejected(f"no article text found in the page ({words} words of main text; at least {MIN_PAGE_WORDS} needed)")
        record.author, record.outlet, record.url = extracted.author, extracted.sitename, extracted.url
        date_page(record, page)
    except Rejected as exc:
        record.reject(str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad page must never stop the build
        record.reject(f"internal error while reading the page ({type(exc).__name__}: {exc})")
    return record


def _cap_removed(record: Record, removed: list[dict[str, str]]) -> None:
    record.removed = removed[:MAX_REMOVED_ITEMS]
    if len(removed) > MAX_REMOVED_ITEMS:
        record.warnings.append(f"{len(removed) - MAX_REMOVED_ITEMS} more removed blocks not listed "
                               f"(the list keeps the first {MAX_REMOVED_ITEMS})")


# ----------------------------------------------------------------------------------------------
# Text files


def read_text(data: bytes, source_path: str) -> Record:
    """One record for a text file: decoded and normalised only; cleaning stays with the text
    ingest's clean(), which this does not replace."""
    record = Record(source_path, None, "text")
    try:
        check_size(len(data), MAX_TEXT_BYTES, "text file")
        if not data:
            raise Rejected("empty file (0 bytes)")
        kind = _binary_kind(data)
        if kind:
            raise Rejected(f"binary: {kind}, not text")
        text, record.encoding = decode_bytes(data)
        _legacy_warning(record.encoding, record.warnings)
        record.text = normalise(text, record.warnings)
        if not record.text.strip():
            raise Rejected("whitespace only: no text")
    except Rejected as exc:
        record.reject(str(exc))
    return record


# ----------------------------------------------------------------------------------------------
# Field values of exports


def _parse_iso_like(value: str) -> date | None:
    """ISO dates and timestamps, and the compact GDELT forms (20250303, 20250303091500,
    20250303T091500Z). The date is taken as printed, never shifted to UTC: a 23:30-05:00 story
    was published on the day its outlet printed."""
    match = re.fullmatch(r"((?:19|20)\d{2})-(\d{2})-(\d{2})(?:[T ].*)?", value) or \
        re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})(?:T?\d{6}Z?)?", value)
    if not match:
        return None
    year, month, day = map(int, match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise Rejected(f"bad publication date {value!r}: {exc}") from exc


def _parse_epoch(value: float) -> date | None:
    seconds = value / 1000 if value > 1e11 else value
    if not 631_152_000 <= seconds <= 4_102_444_800:  # 1990..2100: anything else is not a timestamp
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).date()


def _parse_words(value: str) -> date | None:
    """'March 3, 2025', '3 March 2025 09:12 GMT', 'Mon, 03 Mar 2025 09:12:00 +0000'."""
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        pass
    mentions = [m for m in dating.find_mentions(value) if m.full]
    if len({m.full for m in mentions}) == 1 and len(value) < 60:
        return mentions[0].full
    return None


def parse_published(value: Any) -> tuple[date | None, str | None]:
    """(date, warning) for an export's date field. Raises Rejected for a value that is a date of
    no calendar (2025-02-30) or no date at all; an ambiguous 03/04/2025 is not used (day and
    month could be either) and comes back as a warning instead.

    A date is not judged against today: the result must depend on the data alone, so the same
    export gives the same rows whenever it is read (an archive read in 2030 is not "in the past"
    by a different amount than in 2026)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        day = _parse_epoch(float(value))
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{10}(?:\d{3})?(?:\.\d+)?", text):
            day = _parse_epoch(float(text))
        elif re.fullmatch(r"[0-3]?\d/[0-3]?\d/(?:19|20)\d{2}", text) and not dating.find_mentions(text):
            return None, f"ambiguous publication date {text!r} (day and month could be swapped): not used"
        else:
            day = _parse_iso_like(text) or _parse_words(text)
    if day is None:
        raise Rejected(f"bad publication date {value!r}: not a recognisable date")
    return day, None


def _as_text(value: Any, joiner: str = ", ") -> str | None:
    """A field value as text: lists joined (authors by commas, paragraphs by blank lines),
    {'name': ...} objects (NewsAPI's source) by their name."""
    if value is None:
        return None
    if isinstance(value, dict):
        return _as_text(value.get("name") or value.get("title"), joiner)
    if isinstance(value, list):
        return joiner.join(p for p in (_as_text(v, joiner) for v in value) if p) or None
    return str(value).strip() or None


def field_lookup(keys: list[str], field_map: dict[str, str] | None) -> dict[str, str]:
    """canonical field -> the record's own key, matched case-insensitively; field_map first."""
    unknown = set(field_map or ()) - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"field_map names unknown fields {sorted(unknown)}; known: {sorted(FIELD_NAMES)}")
    by_lower = {k.lower().strip(): k for k in reversed(keys) if isinstance(k, str)}
    found = {}
    for canonical, names in FIELD_NAMES.items():
        wanted = [field_map[canonical]] if field_map and canonical in field_map else list(names)
        key = next((by_lower[n.lower()] for n in wanted if n.lower() in by_lower), None)
        if key is not None:
            found[canonical] = key
    return found


def record_from_fields(record: Record, fields: dict[str, Any], field_map: dict[str, str] | None) -> Record:
    """Fill `record` from one exported article's fields; rejects it when there is no text or the
    date is bad. Never raises."""
    try:
        lookup = field_lookup(list(fields), field_map)
        values = {canonical: fields[key] for canonical, key in lookup.items()}
        text = _as_text(values.get("text"), "\n\n")
        if not text:
            raise Rejected(_no_text_reason(fields, lookup, field_map))
        if len(text) > MAX_RECORD_CHARS:
            raise Rejected(f"text longer than the {MAX_RECORD_CHARS:,}-character limit ({len(text):,})")
        if TAG_TEXT_RE.search(text):
            text, record.removed = html_fragment_to_text(text)
        record.text = normalise(text, record.warnings)
        for name in ("title", "url", "outlet", "author"):
            setattr(record, name, _as_text(values.get(name)))
        _date_field(record, values, lookup)
    except Rejected as exc:
        record.reject(str(exc))
    except Exception as exc:  # noqa: BLE001 - one odd record must not stop the others
        record.reject(f"internal error while reading the record ({type(exc).__name__}: {exc})")
    return record


def _no_text_reason(fields: dict[str, Any], lookup: dict[str, str], field_map: dict[str, str] | None) -> str:
    if "text" in lookup:
        return f"no article text: its {lookup['text']!r} field is empty"
    wanted = [field_map["text"]] if field_map and "text" in field_map else list(FIELD_NAMES["text"])
    present = ", ".join(sorted(map(str, fields)))[:300] or "none"
    return f"no article text: no field named {' or '.join(wanted)} (the record has: {present})"


def _date_field(record: Record, values: dict[str, Any], lookup: dict[str, str]) -> None:
    day, warning = parse_published(values.get("published"))
    if warning:
        record.warnings.append(warning)
    if day:
        record.published, record.published_basis = day, "metadata"
        record.published_note = f"the export's {lookup['published']!r} field: {values['published']!r}"


# ----------------------------------------------------------------------------------------------
# Exports: JSONL, JSON, CSV


def read_records(path: Path, source_path: str, field_map: dict[str, str] | None = None) -> list[Record]:
    """One record per article of a .jsonl, .json or .csv export; a bad record is rejected with
    its reason and the others go on. A file that cannot be read at all is one rejected record.
    Records are not dated from their text here: that needs the whole corpus (its years, and the
    events other documents date), so the ingest stage does it once every file is read."""
    kind = path.suffix.lower().lstrip(".")
    reader = {"jsonl": _jsonl_records, "json": _json_records, "csv": _csv_records}.get(kind)
    if reader is None:
        return [Record(source_path, None, kind or "unknown").reject(f"not an export format: {path.suffix or 'no suffix'}")]
    try:
        check_size(path.stat().st_size, MAX_EXPORT_BYTES[kind], "export")
        records = list(reader(path, source_path, field_map))
    except Rejected as exc:
        return [Record(source_path, None, kind).reject(str(exc))]
    except OSError as exc:
        return [Record(source_path, None, kind).reject(f"unreadable: {exc.strerror or exc}")]
    except Exception as exc:  # noqa: BLE001 - a hostile export (deep nesting...) must not stop the build
        return [Record(source_path, None, kind).reject(f"internal error while reading the export ({type(exc).__name__}: {exc})")]
    if not records:
        return [Record(source_path, None, kind).reject("the export holds no records")]
    return records


def _jsonl_records(path: Path, source_path: str, field_map: dict[str, str] | None) -> Iterator[Record]:
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if raw.strip():
                yield _jsonl_record(raw, line_no, source_path, field_map)


def _jsonl_record(raw: bytes, line_no: int, source_path: str, field_map: dict[str, str] | None) -> Record:
    record = Record(source_path, line_no, "jsonl", f"line {line_no}", encoding="utf-8")
    try:
        value = json.loads(raw.decode("utf-8-sig" if line_no == 1 else "utf-8"))
    except UnicodeDecodeError:
        return record.reject("line is not valid UTF-8 (JSON Lines must be)")
    except json.JSONDecodeError as exc:
        return record.reject(f"not JSON ({exc.msg}, column {exc.colno})")
    if not isinstance(value, dict):
        return record.reject(f"a JSON {type(value).__name__}, not an article object")
    return record_from_fields(record, value, field_map)


def json_articles(value: Any) -> list[Any]:
    """The article list of a JSON export: the document itself, or a list under a usual key
    (articles, data, results...), or Elasticsearch-style hits.hits[]._source."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        raise Rejected(f"a JSON {type(value).__name__}, not a list of articles")
    by_lower = {k.lower(): v for k, v in value.items() if isinstance(k, str)}
    for key in JSON_LIST_KEYS:
        if isinstance(by_lower.get(key), list):
            return by_lower[key]
    hits = by_lower.get("hits")
    if isinstance(hits, dict) and isinstance(hits.get("hits"), list):
        return [h.get("_source", h) if isinstance(h, dict) else h for h in hits["hits"]]
    if "text" in field_lookup(list(value), None):
        return [value]
    raise Rejected(f"no list of articles found (top-level keys: {', '.join(sorted(map(str, value)))[:200]})")


def _json_records(path: Path, source_path: str, field_map: dict[str, str] | None) -> Iterator[Record]:
    text, encoding = decode_bytes(path.read_bytes())
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(f"not JSON ({exc.msg}, line {exc.lineno}, column {exc.colno})") from exc
    for index, item in enumerate(json_articles(value), start=1):
        record = Record(source_path, index, "json", f"item {index}", encoding=encoding)
        if not isinstance(item, dict):
            yield record.reject(f"a JSON {type(item).__name__}, not an article object")
        else:
            yield record_from_fields(record, item, field_map)


def _raise_csv_field_limit() -> None:
    """csv refuses fields over 128 KB by default; an article body can be larger."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 10


def _delimiter(header: str) -> str:
    """The separator of the header line: the commonest of , ; tab | (exports use all four)."""
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_records(path: Path, source_path: str, field_map: dict[str, str] | None) -> Iterator[Record]:
    _raise_csv_field_limit()
    text, encoding = decode_bytes(path.read_bytes())
    file_warnings: list[str] = []
    _legacy_warning(encoding, file_warnings)
    text = normalise(text, file_warnings)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise Rejected("no header row")
    file_warnings += _missing_mapped_columns(header, field_map)
    first_line = reader.line_num + 1
    for row_no in itertools.count(1):
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(source_path, row_no, "csv", f"row {row_no} (line {first_line})").reject(f"not readable as CSV: {exc}")
            return
        location = f"row {row_no} (line {first_line})" if reader.line_num == first_line else \
            f"row {row_no} (lines {first_line}-{reader.line_num})"
        first_line = reader.line_num + 1
        if any(cell.strip() for cell in row):
            yield _csv_record(header, row, Record(source_path, row_no, "csv", location, encoding=encoding,
                                                  warnings=list(file_warnings)), field_map)


def _missing_mapped_columns(header: list[str], field_map: dict[str, str] | None) -> list[str]:
    columns = {h.strip().lower() for h in header}
    return [f"field_map names column {name!r}, which the file does not have"
            for name in (field_map or {}).values() if name.lower() not in columns]


def _csv_record(header: list[str], row: list[str], record: Record, field_map: dict[str, str] | None) -> Record:
    if len(row) != len(header):
        record.warnings.append(f"{len(row)} fields where the header has {len(header)}")
    fields = {name.strip(): value for name, value in zip(header, row)}
    return record_from_fields(record, fields, field_map)


# ----------------------------------------------------------------------------------------------
# The metadata sidecar


def read_sidecar(folder: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """(file name -> metadata, problems) from folder/metadata.csv; ({}, []) when there is none.

    Columns file, url, title, outlet, author, published (case-insensitive). A row naming a file
    that is not in the folder, a bad date or a repeated file is a problem to report, not a stop:
    the rest of the sidecar still applies.
    """
    path = folder / SIDECAR_NAME
    if not path.is_file():
        return {}, []
    _raise_csv_field_limit()
    try:
        text, _ = decode_bytes(path.read_bytes())
    except (OSError, Rejected) as exc:
        return {}, [f"{SIDECAR_NAME}: unreadable ({exc})"]
    rows = list(csv.reader(io.StringIO(normalise(text, []), newline=""), delimiter=_delimiter(text.split("\n", 1)[0])))
    if not rows or "file" not in [h.strip().lower() for h in rows[0]]:
        return {}, [f"{SIDECAR_NAME}: no 'file' column, so no row can be matched to a file; not used"]
    header = [h.strip().lower() for h in rows[0]]
    problems = [f"{SIDECAR_NAME}: unknown column {h!r} ignored" for h in header if h and h not in SIDECAR_COLUMNS]
    metadata: dict[str, dict[str, Any]] = {}
    for row_no, row in enumerate(rows[1:], start=1):
        entry = {h: v.strip() for h, v in zip(header, row) if h in SIDECAR_COLUMNS and v.strip()}
        problem = _sidecar_problem(folder, entry, metadata, row_no)
        if problem:
            problems.append(problem)
        if entry.get("file") and entry["file"] not in metadata and (folder / entry["file"]).is_file():
            metadata[entry["file"]] = _sidecar_date(entry, row_no, problems)
    return metadata, problems


def _sidecar_problem(folder: Path, entry: dict[str, Any], metadata: dict, row_no: int) -> str | None:
    name = entry.get("file")
    if not name:
        return f"{SIDECAR_NAME} row {row_no}: no file named; row ignored" if entry else None
    if name in metadata:
        return f"{SIDECAR_NAME} row {row_no}: {name!r} already described by an earlier row; row ignored"
    if not (folder / name).is_file():
        return f"{SIDECAR_NAME} row {row_no}: names {name!r}, which is not in the folder; row ignored"
    return None


def _sidecar_date(entry: dict[str, Any], row_no: int, problems: list[str]) -> dict[str, Any]:
    try:
        day, warning = parse_published(entry.get("published"))
    except Rejected as exc:
        day, warning = None, f"{exc}; the date is not used"
    if warning:
        problems.append(f"{SIDECAR_NAME} row {row_no}: {warning}")
    entry = dict(entry, published=day)
    entry["row_no"] = row_no
    return entry


def sidecar_updates(kind: str, current: dict[str, Any], metadata: dict[str, Any],
                    text_date: dating.DateFinding | None) -> tuple[dict[str, Any], list[str]]:
    """(field -> value, warnings) for one file described by the sidecar: metadata wins over what
    was read or inferred, and every disagreement with the file's own evidence (`current` holds its
    url, title, outlet and author; `text_date` the date its text states) becomes a warning, never a
    silent choice. Works on plain fields so a Record and a documents row share the rule."""
    warnings, updates = [], {}
    origin = f"{SIDECAR_NAME} row {metadata.get('row_no', '?')}"
    for name in ("url", "title", "outlet", "author"):
        value, own = metadata.get(name), current.get(name)
        if value and own and _squeeze(own) != _squeeze(value):
            warnings.append(f"{origin} gives {name} {value!r}, the {kind} has {own!r}; the metadata is kept")
        if value:
            updates[name] = value
    day = metadata.get("published")
    if day:
        if text_date and text_date.stated and text_date.published != day:
            warnings.append(f"{origin} gives published {day}, but the text's {text_date.basis} says "
                            f"{text_date.published} ({text_date.evidence!r}); the metadata is kept")
        updates.update(published=day, published_basis="metadata", published_note=f"{origin}: published {day}",
                       published_earliest=text_date.earliest if text_date else None,
                       published_latest=text_date.latest if text_date else None)
    return updates, warnings


def apply_sidecar(record: Record, metadata: dict[str, Any], text_date: dating.DateFinding | None) -> list[str]:
    """Apply `sidecar_updates` to a record; returns the warnings (also added to the record)."""
    current = {name: getattr(record, name) for name in ("url", "title", "outlet", "author")}
    updates, warnings = sidecar_updates(record.kind, current, metadata, text_date)
    for name, value in updates.items():
        setattr(record, name, value)
    record.warnings.extend(warnings)
    return warnings
