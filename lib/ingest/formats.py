"""Saved web pages, scraper exports and the metadata sidecar -> documents rows.

A page is one row; an export (.jsonl, .json, .csv) is one row per record, each with the file's
`source_path` and its `record_no`, and doc_id '<file's doc_id>#<record_no>' (1-based, see
lib/ingest/sources.py), so an id is unique, stable while the file is, and says where to look. A
file that cannot be read at all is one rejected row with `record_no` NULL. A folder's
`metadata.csv` is not an article: it gets a row of its own with status 'metadata' (its problems,
such as a row naming a missing file, in `warnings`), and what it says wins over what the text gives.

Reading is cached per file by its bytes and the ingest code, as plain-text ingest is: an unchanged
page or export is not parsed again. Each row carries its pre-cleaning text under DATING_TEXT for
the corpus-wide dating pass; ingest_corpus drops it before the row is returned.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from lib.core import cache
from lib.ingest import dating, exports, sidecar, sources
from lib.ingest.describe import MIN_ARTICLE_WORDS, MIN_RECORD_WORDS, describe_record
from lib.ingest.read import Rejected, check_entry, read_entry

PAGE_SUFFIXES = frozenset({".html", ".htm"})
EXPORT_SUFFIXES = frozenset({".jsonl", ".json", ".csv"})
MAX_EXPORT_BYTES = max(sources.MAX_EXPORT_BYTES.values())  # per format in exports.read_records
DATE_FIELDS = ("published", "published_earliest", "published_latest")
DATING_TEXT = "_dating_text"  # the text dating reads (before cleaning strips datelines); never stored


def entry_kind(source_path: str) -> str:
    """'sidecar', 'page', 'export' or 'text' (anything else is read as text, as before)."""
    name = Path(source_path).name
    suffix = Path(source_path).suffix.lower()
    if name == sources.SIDECAR_NAME:
        return "sidecar"
    return "page" if suffix in PAGE_SUFFIXES else "export" if suffix in EXPORT_SUFFIXES else "text"


def restore_dates(fields: dict[str, Any]) -> dict[str, Any]:
    """A cached row's ISO date strings back to dates (JSON keeps them as text)."""
    restored = dict(fields)
    for name in DATE_FIELDS:
        if isinstance(restored.get(name), str):
            restored[name] = date.fromisoformat(restored[name])
    return restored


def _cache_path(cache_dir: Path | None, kind: str, sha256: str) -> Path | None:
    key = cache.key_of(cache.code_version("ingest"), kind, sha256)
    return cache_dir / "ingest" / f"{key}.json" if cache_dir else None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file read in blocks: an export can be gigabytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# ----------------------------------------------------------------------------------------------
# A record (page or export item) -> the fields of its row


def record_fields(record: sources.Record) -> dict[str, Any]:
    """The documents fields of one record, JSON-able. Never raises: a record the cleaner or the
    language check refuses is 'rejected' with the reason, like a refused text file."""
    fields: dict[str, Any] = {"status": "rejected", "reason": record.reason, "encoding": record.encoding,
                              "url": record.url, "title": record.title, "author": record.author, "outlet": record.outlet}
    if record.text is not None:
        fields.update(n_replacement_chars=record.text.count("\ufffd"), **{DATING_TEXT: record.text})
        fields["sha256"] = hashlib.sha256(record.text.encode("utf-8")).hexdigest() if record.record_no else None
    if record.status == "ok":
        try:
            min_words = MIN_ARTICLE_WORDS if record.kind == "html" else MIN_RECORD_WORDS
            describe_record(fields, record.text, _given(record), record.removed, min_words)
            fields["reason"] = None
        except Rejected as exc:
            fields["reason"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - one odd record must never stop the others
            fields["reason"] = f"internal error while describing the record ({type(exc).__name__}: {exc})"
    elif record.removed:
        fields["removed"] = json.dumps(record.removed, ensure_ascii=False)
    fields["warnings"] = "; ".join(record.warnings) or None
    return fields


def _given(record: sources.Record) -> dict[str, Any]:
    """What the page markup or the export's fields said; a date only when it gives the day."""
    finding = None
    if record.published is not None:
        finding = dating.DateFinding(record.published, record.published_basis, record.published_note,
                                     record.published_earliest, record.published_latest)
    return {"title": record.title, "author": record.author, "outlet": record.outlet, "url": record.url,
            "origin": "html" if record.kind == "html" else "metadata", "finding": finding}


# ----------------------------------------------------------------------------------------------
# Pages and exports


def ingest_page(path: Path, source_path: str, doc_id: str, cache_dir: Path | None = None) -> dict[str, Any]:
    """The documents row of a saved web page (trafilatura + htmldate, nothing fetched)."""
    row: dict[str, Any] = {"doc_id": doc_id, "source_path": source_path, "status": "rejected"}
    try:
        raw = read_entry(path, sources.MAX_HTML_BYTES)
    except Rejected as exc:
        return row | {"reason": str(exc)}
    row["sha256"] = hashlib.sha256(raw).hexdigest()
    fields = cache.json_memo(_cache_path(cache_dir, "page", row["sha256"]),
                             lambda: record_fields(sources.read_html(raw, source_path)))
    return row | restore_dates({k: v for k, v in fields.items() if k != "sha256"})


def ingest_export(path: Path, source_path: str, doc_id: str, cache_dir: Path | None = None) -> list[dict[str, Any]]:
    """The documents rows of an export: one per record, bad records rejected with their reason."""
    try:
        check_entry(path, MAX_EXPORT_BYTES)
        sha256 = file_sha256(path)
    except Rejected as exc:
        return [{"doc_id": doc_id, "source_path": source_path, "status": "rejected", "reason": str(exc)}]
    except OSError as exc:
        return [{"doc_id": doc_id, "source_path": source_path, "status": "rejected",
                 "reason": f"unreadable: {exc.strerror or exc}"}]

    def read() -> list[dict[str, Any]]:
        return [{"record_no": r.record_no, **record_fields(r)} for r in exports.read_records(path, source_path)]

    rows = []
    for fields in cache.json_memo(_cache_path(cache_dir, "export", sha256), read):
        number = fields["record_no"]
        rows.append({"doc_id": doc_id if number is None else f"{doc_id}#{number}", "source_path": source_path,
                     **restore_dates(fields), "sha256": fields.get("sha256") or sha256})
    return rows


# ----------------------------------------------------------------------------------------------
# The metadata sidecar


def sidecar_row(path: Path, source_path: str, doc_id: str) -> dict[str, Any]:
    """The row of a metadata.csv: status 'metadata' (or 'rejected' when it cannot be read), how
    many files it describes, and every problem it has (missing files, bad dates) in `warnings`."""
    row: dict[str, Any] = {"doc_id": doc_id, "source_path": source_path, "status": "rejected"}
    try:
        row["sha256"] = hashlib.sha256(read_entry(path)).hexdigest()
    except Rejected as exc:
        return row | {"reason": str(exc)}
    metadata, problems = sidecar.read_sidecar(path.parent)
    return row | {"status": "metadata", "warnings": "; ".join(problems) or None,
                  "reason": f"metadata sidecar, not an article: describes {len(metadata)} file(s) of its folder"}


def apply_sidecars(rows: list[dict[str, Any]], corpus: Path) -> None:
    """Every sidecar's metadata applied to the single-article files beside it (see sidecar_updates)."""
    for sidecar_row in [r for r in rows if r["status"] == "metadata"]:
        folder = Path(sidecar_row["source_path"]).parent
        metadata, _ = sidecar.read_sidecar(corpus / folder)
        for row in rows:
            name = Path(row["source_path"])
            if row["status"] in ("ok", "duplicate") and row.get("record_no") is None and name.parent == folder \
                    and name.name in metadata:
                _apply_metadata(row, metadata[name.name])


def _apply_metadata(row: dict[str, Any], entry: dict[str, Any]) -> None:
    text_date = dating.DateFinding(row.get("published"), row.get("published_basis"), row.get("published_note") or "",
                                   row.get("published_earliest"), row.get("published_latest"), row.get("published_note"))
    kind = "web page" if entry_kind(row["source_path"]) == "page" else "text"
    updates, warnings = sidecar.sidecar_updates(kind, row, entry, text_date)
    if updates.get("outlet"):
        updates["outlet_basis"] = "metadata"
    row.update(updates)
    row["warnings"] = "; ".join(w for w in [row.get("warnings"), *warnings] if w) or None
