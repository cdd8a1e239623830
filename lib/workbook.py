"""Running the notebooks headless: the build behind `make briefing` and `python -m lib build`.

The notebooks are the product (a reader sees exactly what the code produced), so a build executes
them with papermill, injecting the corpus and store as parameters, then exports HTML. The store is
written to a temporary file and moved into place only when every notebook succeeded, so a failed
or killed build leaves the previous workbook intact.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib import export

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = ("01_ingest", "02_claims", "03_actors", "04_forecasts", "05_synthesis")
BRIEFING_NOTEBOOK = "05_synthesis"
STORE_NAME = "workbook.duckdb"


class BuildError(RuntimeError):
    """A build that cannot proceed; the message is the one-line reason shown to the user."""


@dataclass(frozen=True)
class BuildPlan:
    corpus: Path
    out: Path
    model: str | None = None
    engine: str = "local"
    scheduler: str | None = None
    as_of: str | None = None
    force: bool = False

    def parameters(self, store_path: Path) -> dict[str, Any]:
        params: dict[str, Any] = {"corpus": str(self.corpus), "store": str(store_path),
                                  "engine": self.engine, "scheduler": self.scheduler}
        if self.model:
            params["model"] = self.model
        if self.as_of:
            params["as_of"] = self.as_of
        return params


def check_corpus(corpus: Path) -> None:
    if not corpus.exists():
        raise BuildError(f"corpus folder {corpus} does not exist")
    if not corpus.is_dir():
        raise BuildError(f"corpus {corpus} is not a folder")
    if not any(p.is_file() for p in corpus.rglob("*")):
        raise BuildError(f"corpus folder {corpus} holds no files")


def _execute(notebook: str, output: Path, parameters: dict[str, Any]) -> None:
    import papermill

    try:
        papermill.execute_notebook(
            str(NOTEBOOK_DIR / f"{notebook}.ipynb"), str(output), parameters=parameters,
            cwd=str(NOTEBOOK_DIR), progress_bar=False, log_output=False,
        )
    except papermill.PapermillExecutionError as exc:
        raise BuildError(f"notebook {notebook} failed: {exc.ename}: {exc.evalue}") from exc


def _parse_with_progress(plan: BuildPlan, corpus: Path, partial_store: Path) -> None:
    """Parse and extract every document here, with a progress bar on the terminal.

    The notebooks then find the per-document caches warm: their outputs stay free of progress
    bars (which a kernel would record) and the long work is visible where the user is looking.
    """
    from lib import pipeline, store

    con = store.connect(partial_store)
    try:
        pipeline.extract_store(con, corpus, plan.model, plan.engine, plan.scheduler, show_progress=True)
    finally:
        con.close()


def build(plan: BuildPlan) -> Path:
    """Execute every notebook on `plan.corpus`, writing the store and HTML under `plan.out`."""
    corpus, out = plan.corpus.resolve(), plan.out.resolve()
    check_corpus(corpus)
    out.mkdir(parents=True, exist_ok=True)
    final_store = out / STORE_NAME
    partial_store = out / f".{STORE_NAME}.partial"
    partial_store.unlink(missing_ok=True)
    if plan.force:
        shutil.rmtree(out / "cache", ignore_errors=True)
    executed_dir = out / "notebooks"
    executed_dir.mkdir(exist_ok=True)
    params = BuildPlan(**{**plan.__dict__, "corpus": corpus}).parameters(partial_store)
    try:
        _parse_with_progress(plan, corpus, partial_store)
        for notebook in NOTEBOOKS:
            executed = executed_dir / f"{notebook}.ipynb"
            _execute(notebook, executed, params)
            export.export_notebook(executed, out / "html" / f"{notebook}.html")
        export.export_briefing(executed_dir / f"{BRIEFING_NOTEBOOK}.ipynb", out / "briefing.html")
    except BaseException:
        partial_store.unlink(missing_ok=True)
        Path(f"{partial_store}.wal").unlink(missing_ok=True)
        raise
    os.replace(partial_store, final_store)  # atomic: readers see the old or the new store, never half
    return final_store


def execute_in_place(notebooks: tuple[str, ...] = NOTEBOOKS) -> None:
    """Re-run the committed notebooks with their own default parameters (what nbval compares)."""
    import nbformat
    from nbclient import NotebookClient

    for notebook in notebooks:
        path = NOTEBOOK_DIR / f"{notebook}.ipynb"
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=1200, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
        nbformat.write(nb, path)
