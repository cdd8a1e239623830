"""What many tests share: the repository's paths, named once, and the seeds built once per run.

The seeds are built headless as `make` builds them (with their own alias file), so a test that
only reads the store does not pay for a build of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.build import build_store
from lib.core.config import DATA_DIR, REPO_DIR

REPO = REPO_DIR
SEEDS = REPO_DIR / "seeds"
SEED_ALIASES = DATA_DIR / "corpus_aliases.example.yaml"


@pytest.fixture(scope="session")
def seeds_store(tmp_path_factory) -> Path:
    """The path of a store holding every table of the seeds (read it, do not write to it)."""
    path = tmp_path_factory.mktemp("seeds_store") / "workbook.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBOOK_ALIASES", str(SEED_ALIASES))
        build_store(path, SEEDS)
    return path
