"""The one stage registry, and the two ways to run it.

Each stage declares the stages it reads and the tables it writes. `run_stage` runs a stage after
building whatever upstream stage has not written its tables yet, so any notebook runs on its own
and nothing else in the package ever builds upstream. `build_store` runs every stage headless (the
benchmark and the tests); `build` executes the notebooks with papermill and swaps the finished
store into place atomically, so a failed or killed build leaves the previous workbook intact.

One `Context` serves a whole process: the corpus rows are read once and the actors registry is
built once, however many stages ask for them.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lib.core import cache, store
from lib.core.config import NOTEBOOK_DIR, STORE_NAME
from lib.core.heap import frozen_heap
from lib.core.tables import (
    ACTOR_LINKS,
    ACTOR_ROLES,
    ACTORS,
    ALIAS_MERGES,
    BOTTOM_LINE,
    CLAIM_CLUSTERS,
    CLAIMS,
    DOCUMENTS,
    FIGURE_SERIES,
    FORECAST_EVIDENCE,
    FORECASTS,
    GAPS,
    JUDGMENTS,
    MENTIONS,
    QUOTES,
    RESOLUTION_SUGGESTIONS,
    SOURCE_GRADES,
    TIMELINE,
    TROOP_ESTIMATES,
    Table,
)
from lib.corpus import claims as corpus_claims
from lib.corpus import forecasts as corpus_forecasts
from lib.corpus.actors import stage_tables
from lib.corpus.dates import resolve_as_of
from lib.corpus.inputs import load_inputs
from lib.corpus.prose import to_date
from lib.corpus.registry import Registry, build_registry
from lib.extract.engine import extract_store
from lib.extract.names import ALIASES_ENV
from lib.ingest.folder import entry_stats
from lib.ingest.folder import run as ingest_run
from lib.views import export, exports
from lib.views.briefing import Briefing, compose

NOTEBOOKS = ("01_ingest", "02_claims", "03_actors", "04_forecasts", "05_synthesis")
BRIEFING_NOTEBOOK = "05_synthesis"


@dataclass
class Context:
    """What the stages of one process share: the store, the options, and what is computed once."""

    con: duckdb.DuckDBPyConnection
    corpus: str
    model: str | None = None
    engine: str = "local"
    scheduler: str | None = None
    as_of: str | None = None  # None: the latest publication date in the corpus
    resolutions: str | Path = "resolutions.csv"
    show_progress: bool = True
    _rows: dict[str, pd.DataFrame] | None = field(default=None, repr=False)
    _registry: Registry | None = field(default=None, repr=False)

    def rows(self) -> dict[str, pd.DataFrame]:
        """The corpus's per-document rows (parsing only what the caches lack), read once."""
        if self._rows is None:
            self._rows = extract_store(self.con, self.model, self.engine, self.scheduler, self.show_progress)
        return self._rows

    def registry(self) -> Registry:
        """The actors registry of the corpus's mentions, built once."""
        if self._registry is None:
            self._registry = build_registry(self.rows()["mentions"])
        return self._registry

    def as_of_date(self) -> str:
        """`as_of` as given, else the corpus's latest publication date (known once ingest has run)."""
        return resolve_as_of(self.con, self.as_of)

    def documents(self) -> pd.DataFrame:
        return store.read_table(self.con, DOCUMENTS, where="status = 'ok'")


@dataclass(frozen=True)
class Stage:
    name: str
    reads: tuple[str, ...]  # stages whose tables this one reads
    writes: tuple[Table, ...]
    run: Callable[[Context], Any]
    input_key: Callable[[Context], str] | None = None  # when given, an unchanged input skips the run


def _ingest_key(ctx: Context) -> str:
    """The corpus as ingest sees it: every entry's path, size and modification time, and ingest's code."""
    return cache.key_of(cache.code_version("ingest"), entry_stats(Path(ctx.corpus)))


@frozen_heap
def _ingest(ctx: Context) -> pd.DataFrame:
    return ingest_run(ctx.con, ctx.corpus)


@frozen_heap
def _claims(ctx: Context) -> dict[str, pd.DataFrame]:
    """Write claims, troop_estimates and claim_clusters; return them for the notebook."""
    frames = ctx.rows()
    claims = frames["claims"]
    if claims.empty:
        claims = pd.DataFrame(columns=CLAIMS.column_names)
    documents = ctx.documents()
    published = {r.doc_id: to_date(r.published) for r in documents.itertuples()}
    outlets = {r.doc_id: (r.outlet if isinstance(r.outlet, str) else None) for r in documents.itertuples()}
    claims = corpus_claims.canonical_sources(claims, ctx.registry())
    as_of = [corpus_claims.figure_as_of(*row, published) for row in zip(
        claims.event_date.tolist(), claims.event_date_basis.tolist(), claims.doc_id.tolist())]
    claims["as_of"] = [a for a, _ in as_of]
    claims["as_of_basis"] = [b for _, b in as_of]
    claims, clusters = corpus_claims.cluster_claims(claims, outlets)
    store.write_table(ctx.con, CLAIMS, claims.reindex(columns=CLAIMS.column_names))
    troops = claims[claims.is_troop_estimate.astype(bool)]
    store.write_table(ctx.con, TROOP_ESTIMATES, troops.reindex(columns=TROOP_ESTIMATES.column_names))
    store.write_table(ctx.con, CLAIM_CLUSTERS, clusters[CLAIM_CLUSTERS.column_names])
    return {t.name: store.read_table(ctx.con, t) for t in (CLAIMS, TROOP_ESTIMATES, CLAIM_CLUSTERS)}


ACTOR_TABLES = (ACTORS, MENTIONS, ACTOR_ROLES, ACTOR_LINKS, ALIAS_MERGES, QUOTES)


@frozen_heap
def _actors(ctx: Context) -> dict[str, pd.DataFrame]:
    """Write actors, mentions, actor_roles, actor_links, alias_merges and quotes; return them."""
    frames = ctx.rows()
    tables = stage_tables(frames["mentions"], frames["quotes"], ctx.documents(), ctx.registry())
    for declared in ACTOR_TABLES:
        store.write_table(ctx.con, declared, tables[declared.name])
    return {t.name: store.read_table(ctx.con, t) for t in ACTOR_TABLES}


@frozen_heap
def _forecasts(ctx: Context) -> dict[str, Any]:
    """Write `forecasts` (with status as of `as_of`) and `forecast_evidence`; return what the
    notebook shows: forecasts, evidence, scores per forecaster and per kind, calibration, due list."""
    frames = ctx.rows()
    rows = frames["forecasts"]
    if rows.empty:
        rows = pd.DataFrame(columns=FORECASTS.column_names)
    mentions = frames["mentions"]
    registry = ctx.registry() if len(mentions) else None
    rows = corpus_forecasts.canonical_forecasters(rows, registry) if len(rows) else rows
    ledger = corpus_forecasts.load_ledger(ctx.resolutions)
    judged = corpus_forecasts.with_outcomes(rows, ledger, ctx.as_of_date())
    store.write_table(ctx.con, FORECASTS, judged.reindex(columns=FORECASTS.column_names))
    documents = ctx.documents()
    published = {doc_id: corpus_forecasts.to_date(value) for doc_id, value in zip(
        documents["doc_id"].tolist(), documents["published"].tolist())}
    claims = store.read_table(ctx.con, CLAIMS)
    evidence = corpus_forecasts.suggest_evidence(judged, claims, mentions, published, registry)
    store.write_table(ctx.con, FORECAST_EVIDENCE, evidence)
    forecasts = store.read_table(ctx.con, FORECASTS).merge(
        judged[["forecast_id", "outcome", "resolved_on", "evidence", "notes"]], on="forecast_id", how="left")
    return {
        "forecasts": forecasts,
        "evidence": store.read_table(ctx.con, FORECAST_EVIDENCE),
        "ledger": ledger,
        "scores_by_forecaster": corpus_forecasts.brier_table(forecasts, "forecaster"),
        "scores_by_kind": corpus_forecasts.brier_table(forecasts, "forecaster_kind"),
        "calibration": corpus_forecasts.calibration_table(forecasts),
        "due": corpus_forecasts.due_list(forecasts),
        "published": published,
        "claims_source": "claims table",
        "as_of": ctx.as_of_date(),
    }


SYNTHESIS_TABLES = (BOTTOM_LINE, SOURCE_GRADES, JUDGMENTS, TIMELINE, GAPS, FIGURE_SERIES, RESOLUTION_SUGGESTIONS)


@frozen_heap
def _synthesis(ctx: Context) -> Briefing:
    """Write source_grades, judgments, timeline and gaps; return the briefing."""
    inputs = load_inputs(ctx.con, [])
    briefing, tables = compose(inputs, ctx.corpus, date.fromisoformat(ctx.as_of_date()), cache.cache_dir_of(ctx.con))
    for declared in SYNTHESIS_TABLES:
        store.write_table(ctx.con, declared, tables[declared.name])
    return briefing


STAGES: dict[str, Stage] = {stage.name: stage for stage in (
    Stage("ingest", (), (DOCUMENTS,), _ingest, _ingest_key),
    Stage("claims", ("ingest",), (CLAIMS, TROOP_ESTIMATES, CLAIM_CLUSTERS), _claims),
    Stage("actors", ("ingest",), ACTOR_TABLES, _actors),
    Stage("forecasts", ("ingest", "claims"), (FORECASTS, FORECAST_EVIDENCE), _forecasts),
    Stage("synthesis", ("ingest", "claims", "actors", "forecasts"), SYNTHESIS_TABLES, _synthesis),
)}


def _written(con: duckdb.DuckDBPyConnection, stage: Stage) -> bool:
    return all(store.has_table(con, t.name) for t in stage.writes)


def _ensure(ctx: Context, name: str) -> None:
    """Build `name` and what it reads, wherever their tables are missing."""
    stage = STAGES[name]
    for upstream in stage.reads:
        _ensure(ctx, upstream)
    if not _written(ctx.con, stage):
        stage.run(ctx)


def run_stage(con: duckdb.DuckDBPyConnection, name: str, corpus: str | Path, **options: Any) -> Any:
    """Run one stage (what a notebook calls), building missing upstream stages first.

    A stage with an input key is skipped when its tables were written from the same input (the
    papermill build has ingested the corpus before the first notebook runs): its tables are then
    read back, not rebuilt.
    """
    ctx = Context(con, str(corpus), **options)
    stage = STAGES[name]
    for upstream in stage.reads:
        _ensure(ctx, upstream)
    if stage.input_key is not None and _written(con, stage) and store.stage_key(con, name) == stage.input_key(ctx):
        return store.read_table(con, stage.writes[0])
    result = stage.run(ctx)
    if stage.input_key is not None:
        store.record_stage_key(con, name, stage.input_key(ctx))
    return result


def build_store(store_path: str | Path, corpus: str | Path, model: str | None = None, engine: str = "local",
                scheduler: str | None = None, as_of: str | None = None, separate_extraction: bool = True,
                after_step: Callable[[str], None] | None = None) -> dict[str, float]:
    """Build every table of a store by running the stages directly (no notebooks, no HTML).

    What the notebooks compute, without kernels and papermill: the benchmark times it and the
    determinism and engine tests compare its tables. With `separate_extraction`, per-document
    extraction (parse + extractors, filling the caches) runs and is timed on its own after ingest,
    so each stage's time is its cross-document work plus reading the rows. `after_step(name)` is
    called as each step ends (the benchmark takes its peak memory there). Returns seconds per step.
    """
    options: dict[str, Any] = {"model": model, "engine": engine, "scheduler": scheduler, "show_progress": False,
                               "as_of": as_of}
    seconds: dict[str, float] = {}
    con = store.connect(store_path)
    try:
        ctx = Context(con, str(corpus), **options)
        for name, stage in STAGES.items():
            started = time.perf_counter()
            stage.run(ctx)
            seconds[name] = time.perf_counter() - started
            if after_step is not None:
                after_step(name)
            if name == "ingest" and separate_extraction:
                started = time.perf_counter()
                ctx.rows()
                seconds["extract"] = time.perf_counter() - started
                if after_step is not None:
                    after_step("extract")
    finally:
        con.close()
    return seconds


def store_tables(store_path: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of a store, fully sorted (by all columns), for comparing two builds."""
    con = store.connect(store_path, read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
        return {name: _sorted_frame(con.execute(f'SELECT * FROM "{name}"').df()) for name in names}
    finally:
        con.close()


def _sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a canonical order: sort by every column rendered as text (lists and NULLs included)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    keys = frame.apply(lambda column: column.map(repr))
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


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
    aliases: Path | None = None  # a corpus's own alias file, handed to every kernel through the environment

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

    con = store.connect(partial_store)
    try:
        run_stage(con, "ingest", corpus)
        Context(con, str(corpus), plan.model, plan.engine, plan.scheduler, show_progress=True).rows()
    finally:
        con.close()


def build(plan: BuildPlan) -> Path:
    """Execute every notebook on `plan.corpus`, writing the store and HTML under `plan.out`."""
    corpus, out = plan.corpus.resolve(), plan.out.resolve()
    check_corpus(corpus)
    if plan.aliases is not None:
        if not plan.aliases.is_file():
            raise BuildError(f"alias file {plan.aliases} does not exist")
        os.environ[ALIASES_ENV] = str(plan.aliases.resolve())
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
    exports.export_store(final_store, out / "export")
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
