"""Content-addressed caches beside the store: what makes a re-run after one new article cheap.

Every cached value is a pure function of its key (the bytes or text it was computed from, the
model, and `code_version()`), so an entry is either valid forever or never looked up again; no
invalidation logic exists to get wrong. Writes go to a temporary file and are renamed into place,
so a build killed mid-write leaves no half-written entry for the next run to trust."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from lib.core.config import LIB_DIR

CODE_SUFFIXES = {".py", ".yaml", ".yml", ".csv", ".json"}


# What every cached value depends on, whatever layer made it: the bottom layer and the vocabularies.
BASE_PARTS = ("core", "data")


@lru_cache(maxsize=None)
def code_version(*layers: str) -> str:
    """A hash of the code a cached value depends on: lib/core, lib/data and the named layers
    (folders of lib). Cached results are valid only for the code that made them, and an edit in a
    layer they do not depend on (a chart colour in views/) leaves them valid."""
    digest = hashlib.sha256()
    for part in sorted(set(BASE_PARTS) | set(layers)):
        for path in sorted((LIB_DIR / part).rglob("*")):
            if path.is_file() and path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(LIB_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key_of(*parts: Any) -> str:
    """A short hex key for JSON-able parts (order matters)."""
    payload = json.dumps(parts, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def cache_dir_for(store_path: str | Path) -> Path:
    """The cache lives beside the store, so `--out DIR` keeps everything of one build together."""
    return Path(store_path).resolve().parent / "cache"


def cache_dir_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The cache folder beside the store behind `con`; None for an in-memory store (nothing cached)."""
    path = store_file(con)
    return cache_dir_for(path) if path is not None else None


def store_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind a store connection, or None for an in-memory store (which caches nothing)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]) if row and row[0] else None


def read_json(path: Path) -> Any | None:
    """The cached value at `path`, or None when there is none (or it cannot be read: recompute)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_bytes(path: Path, data: bytes) -> None:
    """Write atomically: a reader sees the old entry, the new one, or none, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_json(path: Path, value: Any) -> None:
    write_bytes(path, json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))


def json_memo(path: Path | None, compute: Callable[[], Any]) -> Any:
    """The JSON value cached at `path`, else `compute()`, written there for next time.

    `path` None (no store file, so no cache folder) only computes. The value must survive JSON:
    a cached and a computed answer are then the same value.
    """
    value = read_json(path) if path is not None and path.exists() else None
    if value is None:
        value = json.loads(json.dumps(compute(), ensure_ascii=False, default=str))
        if path is not None:
            write_json(path, value)
    return value
