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
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
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
