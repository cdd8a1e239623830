"""The metadata sidecar (metadata.csv beside text files): what it says wins over inference, and a disagreement with the text is a warning."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from lib.ingest import dating
from lib.ingest.exports import _delimiter, _raise_csv_field_limit, parse_published
from lib.ingest.read import Rejected
from lib.ingest.sources import SIDECAR_COLUMNS, SIDECAR_NAME, Record, _squeeze, decode_bytes, normalise

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
