"""Every path and default of the workbook, in one place (everything else imports them from here)."""

from __future__ import annotations

from pathlib import Path

LIB_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = LIB_DIR.parent
DATA_DIR = LIB_DIR / "data"
GOLD_DIR = DATA_DIR / "gold"
NOTEBOOK_DIR = REPO_DIR / "notebooks"
COMPOSED_DIR = REPO_DIR / "tests" / "fixtures" / "ingest" / "composed"
DEFAULT_LEDGER = NOTEBOOK_DIR / "resolutions.csv"
DEFAULT_AS_OF = "2026-11-23"
STORE_NAME = "workbook.duckdb"
