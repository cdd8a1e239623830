"""The command line gives a one-line reason instead of a traceback."""

import subprocess
import sys


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lib", *args], capture_output=True, text=True, cwd=cwd)


def test_missing_corpus_exits_non_zero_with_one_line(tmp_path):
    result = run_cli("build", "--corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "does not exist" in result.stderr
    assert not (tmp_path / "out" / "workbook.duckdb").exists()


def test_empty_corpus_is_refused(tmp_path):
    (tmp_path / "corpus").mkdir()
    result = run_cli("build", "--corpus", str(tmp_path / "corpus"), "--out", str(tmp_path / "out"))
    assert result.returncode != 0 and "holds no files" in result.stderr


def test_schema_command_prints_every_table():
    from lib.core.tables import all_tables

    result = run_cli("schema")
    assert result.returncode == 0
    for t in all_tables():
        assert f"`{t.name}`" in result.stdout


def test_readme_data_dictionary_matches_the_declared_tables():
    """The README documents every table and column; regenerate with `python -m lib schema --write-readme`."""
    from lib.core import tables as schema
    from lib.core import config as workbook

    readme = (workbook.REPO_DIR / "README.md").read_text(encoding="utf-8")
    assert schema.README_START in readme and schema.README_END in readme
    assert schema.readme_with_dictionary(readme) == readme
