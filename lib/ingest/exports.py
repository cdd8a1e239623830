"""Scraper and database exports (JSON Lines, JSON, CSV): one Record per article, with field names of the common exports recognised and overridable, and a bad record rejected with its reason."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from lib.ingest import dating
from lib.ingest.read import Rejected
from lib.ingest.sources import (
    FIELD_NAMES,
    JSON_LIST_KEYS,
    MAX_EXPORT_BYTES,
    MAX_RECORD_CHARS,
    TAG_TEXT_RE,
    Record,
    _legacy_warning,
    check_size,
    decode_bytes,
    html_fragment_to_text,
    normalise,
)

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
