"""The store: declared types even for empty results, full sort order, no undeclared columns."""

import pandas as pd
import pytest

from lib.core import store
from lib.core.tables import all_tables, table

THINGS = table(
    "things",
    "Test table.",
    [("thing_id", "VARCHAR", "id"), ("n", "INTEGER", "count"), ("day", "DATE", "when"), ("tags", "VARCHAR[]", "tags")],
    ["n", "thing_id"],
)


def test_empty_rows_still_create_a_typed_table(tmp_path):
    con = store.connect(tmp_path / "w.duckdb")
    assert store.write_table(con, THINGS, []) == 0
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name='things'").fetchall())
    assert types == {"thing_id": "VARCHAR", "n": "INTEGER", "day": "DATE", "tags": "VARCHAR[]"}


def test_reads_are_sorted_by_the_declared_order_and_nan_becomes_null(tmp_path):
    con = store.connect(tmp_path / "w.duckdb")
    frame = pd.DataFrame([{"thing_id": "b", "n": 2, "day": "2024-10-28", "tags": ["x"]},
                          {"thing_id": "a", "n": 2, "day": None, "tags": []},
                          {"thing_id": "c", "n": 1, "day": float("nan"), "tags": None}])
    store.write_table(con, THINGS, frame)
    out = store.read_table(con, THINGS)
    assert list(out["thing_id"]) == ["c", "a", "b"]
    assert out["day"].isna().sum() == 2


def test_a_column_null_for_thousands_of_rows_then_filled_is_written(tmp_path):
    """DuckDB types object columns from a sample; the first value may come after it."""
    con = store.connect(tmp_path / "w.duckdb")
    rows = [{"thing_id": f"t{i:05d}", "n": None, "day": None, "tags": None} for i in range(3000)]
    rows[-1].update(n=7, day="2024-11-05", tags=["late"])
    assert store.write_table(con, THINGS, rows) == 3000
    out = store.read_table(con, THINGS, where="n IS NOT NULL")
    assert list(out["thing_id"]) == ["t02999"] and list(out["tags"][0]) == ["late"]


def test_undeclared_columns_are_refused(tmp_path):
    con = store.connect(tmp_path / "w.duckdb")
    with pytest.raises(ValueError, match="undeclared"):
        store.write_table(con, THINGS, [{"thing_id": "a", "n": 1, "surprise": 1}])


def test_require_names_the_fix(tmp_path):
    con = store.connect(tmp_path / "w.duckdb")
    with pytest.raises(RuntimeError, match="earlier notebooks"):
        store.require(con, THINGS)


def test_every_declared_table_has_documented_columns_and_unique_names():
    tables = all_tables()
    names = [t.name for t in tables]
    assert len(names) == len(set(names))
    for t in tables:
        assert t.doc and all(c.doc for c in t.columns), t.name


def test_timestamps_nat_and_lists_from_a_frame_are_written_as_values_and_nulls(tmp_path):
    con = store.connect(tmp_path / "w.duckdb")
    frame = pd.DataFrame({"thing_id": ["a", "b", "c"], "n": [1.0, float("nan"), 3.0],
                          "day": pd.to_datetime(["2024-10-28", None, "2024-11-05"]),
                          "tags": [["x", "y"], None, []]})
    store.write_table(con, THINGS, frame)
    rows = con.execute("SELECT thing_id, n, CAST(day AS VARCHAR), tags FROM things ORDER BY thing_id").fetchall()
    assert rows == [("a", 1, "2024-10-28", ["x", "y"]), ("b", None, None, None), ("c", 3, "2024-11-05", [])]
