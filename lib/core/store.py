"""The DuckDB store: the only way notebooks and stages exchange data.

Writes replace a whole table (`CREATE OR REPLACE`) so a stage can be re-run without leftovers;
reads always sort by the table's declared full order so every output is stable across runs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lib.core.tables import STAGE_RUNS, Table


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at `path`."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(found and found[0])


def _clean_value(value: Any) -> Any:
    """NaN/NaT become NULL: pandas uses them for 'missing', DuckDB wants NULL."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _column_values(values: pd.Series | list[Any]) -> pd.Series:
    """One column as Python objects with NULL for missing: NaN/NaT (pandas' 'missing') become None,
    Timestamps become datetimes. Vectorised: a per-value loop over every cell of every table cost
    more than the stages that computed them."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        objects = pd.Series(series.dt.to_pydatetime(), index=series.index, dtype=object)
    else:
        objects = series.astype(object)
        if objects.map(type).eq(pd.Timestamp).any():  # a Timestamp in a mixed column
            objects = objects.map(_clean_value)
    missing = pd.isna(series).to_numpy()
    return pd.Series(np.where(missing, None, objects.to_numpy(dtype=object)), dtype=object)


def _frame_to_write(table: Table, rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows as an all-object frame with exactly the declared columns, in declared order.

    Extra columns are an error (a column nobody documented is a column nobody can trust); missing
    ones become NULL.
    """
    declared = table.column_names
    if isinstance(rows, pd.DataFrame):
        extra = sorted(set(rows.columns) - set(declared))
        columns = {name: rows[name] if name in rows.columns else [None] * len(rows) for name in declared}
        n_rows = len(rows)
    else:
        records = list(rows)
        extra = sorted(set(records[0]) - set(declared)) if records else []
        columns = {name: [r.get(name) for r in records] for name in declared}
        n_rows = len(records)
    if extra:
        raise ValueError(f"table {table.name}: undeclared columns {extra}")
    if n_rows == 0:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in declared})
    return pd.DataFrame({name: _column_values(values) for name, values in columns.items()})


def write_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
) -> int:
    """Replace `table` with `rows`, typed by the declared schema. Returns the row count.

    Extra keys in `rows` are an error; missing keys become NULL.
    """
    frame = _frame_to_write(table, rows)
    column_sql = ", ".join(f'"{c.name}" {c.type}' for c in table.columns)
    con.execute(f'CREATE OR REPLACE TABLE "{table.name}" ({column_sql})')
    if len(frame):
        # One bulk insert from a frame: DuckDB's executemany inserts row by row, which made writing
        # 30,000 rows take minutes. Object columns keep Python values (None, dates, lists) as they are.
        # DuckDB types an object column from a sample of its rows; a column that is NULL in the
        # sample and text further down would fail, so the sample is the whole frame.
        con.execute(f"SET pandas_analyze_sample = {max(len(frame), 1)}")
        con.register("_rows_to_write", frame)
        try:
            con.execute(f'INSERT INTO "{table.name}" SELECT * FROM _rows_to_write')
        finally:
            con.unregister("_rows_to_write")
    return len(frame)


def records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """The frame's rows as plain dicts of just `columns` (None where the frame lacks one).

    Built from one `tolist` per column, which gives the same Python values as `to_dict`: converting
    whole rows (document text, thirty claim fields) or boxing cell by cell cost the cross-document
    loops more than their own work.
    """
    values = [frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def read_table(con: duckdb.DuckDBPyConnection, table: Table, where: str = "") -> pd.DataFrame:
    """Read `table` fully sorted by its declared order, so displays never reorder between runs."""
    order = ", ".join(f'"{name}"' for name in table.order_by)
    clause = f" WHERE {where}" if where else ""
    frame = con.execute(f'SELECT * FROM "{table.name}"{clause} ORDER BY {order}').df()
    return _nulls_as_none(frame)


def _nulls_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with None for NULL, not NaN.

    pandas 3 reads VARCHAR as its string dtype, where a missing value is NaN: a float, and truthy,
    so `value or ""` and `len(value)` go wrong on it. Object columns holding None behave as
    the plain Python values every stage expects.
    """
    for name in frame.columns:
        if pd.api.types.is_string_dtype(frame[name].dtype) and frame[name].dtype != object:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def require(con: duckdb.DuckDBPyConnection, *tables: Table) -> None:
    """Fail with the fix named when an upstream table is missing."""
    missing = [t.name for t in tables if not has_table(con, t.name)]
    if missing:
        raise RuntimeError(
            f"the store lacks {', '.join(missing)}: run the earlier notebooks first "
            "(or `python -m lib build`)"
        )


def stage_key(con: duckdb.DuckDBPyConnection, stage: str) -> str | None:
    """The input key a stage last recorded in this store, if any."""
    if not has_table(con, STAGE_RUNS.name):
        return None
    row = con.execute("SELECT input_key FROM stage_runs WHERE stage = ?", [stage]).fetchone()
    return row[0] if row else None


def record_stage_key(con: duckdb.DuckDBPyConnection, stage: str, key: str) -> None:
    """Remember the input a stage just ran on (the other stages' entries are kept)."""
    rows = [] if not has_table(con, STAGE_RUNS.name) else [
        {"stage": name, "input_key": value}
        for name, value in con.execute("SELECT stage, input_key FROM stage_runs").fetchall() if name != stage]
    write_table(con, STAGE_RUNS, rows + [{"stage": stage, "input_key": key}])
