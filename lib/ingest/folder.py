"""A corpus folder -> documents rows, whatever their fate, and the Documents later stages read.

Every entry gets at least one row: a text file or saved page one, an export one per record, a
metadata.csv a 'metadata' row (lib/ingest/formats.py). Rows are read file by file (cached), then
cross-file steps run in this order: duplicates, sidecar metadata, corpus-wide dating."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lib.core import cache, store
from lib.core.document import Document
from lib.core.tables import DOCUMENTS
from lib.ingest.corpus_dating import date_across_corpus
from lib.ingest.dedup import mark_duplicates
from lib.ingest.describe import describe_text
from lib.ingest.formats import (
    DATING_TEXT,
    apply_sidecars,
    entry_kind,
    ingest_export,
    ingest_page,
    restore_dates,
    sidecar_row,
)
from lib.ingest.read import Decoded, Rejected, decode, read_entry

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
        row[DATING_TEXT] = decoded.text
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
    """(the fields `describe_text` sets, the reason it rejected the text or None), from the cache
    when these bytes were described before by this code. The text is decoded from the bytes, so
    their hash is its key."""
    key = cache.key_of(cache.code_version("ingest"), sha256)
    path = cache_dir / "ingest" / f"{key}.json" if cache_dir else None

    def describe() -> dict[str, Any]:
        fields: dict[str, Any] = {}
        try:
            describe_text(fields, text)
        except Rejected as exc:
            return {"fields": fields, "rejected": str(exc)}
        return {"fields": fields, "rejected": None}

    entry = cache.json_memo(path, describe)
    return restore_dates(entry["fields"]), entry["rejected"]


def _warnings(decoded: Decoded) -> str | None:
    notes = []
    if decoded.n_replacement_chars:
        notes.append(f"{decoded.n_replacement_chars} U+FFFD replacement character(s): text damaged before it reached us")
    if decoded.encoding not in {"utf-8", "utf-8-sig", "ascii"}:
        notes.append(f"legacy encoding detected: {decoded.encoding}")
    return "; ".join(notes) or None


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


def entry_stats(corpus: Path) -> list[tuple[str, int, int]]:
    """(path, size, modification time) of every entry: what says, without reading a byte, that a
    folder is unchanged since ingest last saw it."""
    stats = []
    for path in list_entries(corpus):
        try:
            info = (corpus / path).lstat()
        except OSError:
            stats.append((path, -1, -1))
            continue
        stats.append((path, info.st_size, info.st_mtime_ns))
    return stats


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
    rows = [row for path in paths for row in ingest_entry(corpus / path, path, ids[path], cache_dir)]
    mark_duplicates(rows, cache_dir)
    apply_sidecars(rows, corpus)
    date_across_corpus(rows)
    for row in rows:
        row.pop(DATING_TEXT, None)
    return rows


def ingest_entry(path: Path, source_path: str, doc_id: str, cache_dir: Path | None = None) -> list[dict[str, Any]]:
    """The rows of one entry, by its name: a sidecar, a web page, an export, or (anything else) text."""
    kind = entry_kind(source_path)
    if kind == "sidecar":
        return [sidecar_row(path, source_path, doc_id)]
    if kind == "page":
        return [ingest_page(path, source_path, doc_id, cache_dir)]
    if kind == "export":
        return ingest_export(path, source_path, doc_id, cache_dir)
    return [ingest_file(path, source_path, doc_id, cache_dir)]


def run(con: duckdb.DuckDBPyConnection, corpus: str | Path) -> pd.DataFrame:
    """Read every entry of `corpus`, write `documents`, return it."""
    store.write_table(con, DOCUMENTS, ingest_corpus(corpus, cache.cache_dir_of(con)))
    return store.read_table(con, DOCUMENTS)


def load_documents(con: duckdb.DuckDBPyConnection) -> list[Document]:
    """The 'ok' documents as plain Documents, in doc_id order, for the per-document stages."""
    df = store.read_table(con, DOCUMENTS, where="status = 'ok'")
    out = []
    for r in df.itertuples():
        out.append(Document(doc_id=r.doc_id, text=r.text, title=none_if_missing(r.title), author=none_if_missing(r.author),
                            outlet=none_if_missing(r.outlet), published=as_date(r.published),
                            published_basis=none_if_missing(r.published_basis)))
    return out


def as_date(value: Any) -> date | None:
    if value is None or value is pd.NaT:  # NaT is an instance of date: test it first
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, date):
        return value
    return None


def none_if_missing(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT else value
