"""The store survives bad input and interruption, and builds are deterministic.

These run the real command line (`python -m lib build`): atomic replacement of the store is a
property of the whole build, not of one function.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from lib import build as scale

REPO = Path(__file__).resolve().parent.parent
SEEDS = sorted((REPO / "seeds").glob("*.txt"))

LATIN1_ARTICLE = (
    "Défense officials in Brussels said on Tuesday that North Korean soldiers had been seen near the "
    "front in the Kursk region. The café owner in Séoul quoted by the newspaper said the price of rice "
    "had risen to £3 a kilo. Officials estimated that about 3,000 soldiers had arrived by train and "
    "that more would follow within weeks, according to a statement from the ministry.\n"
)
MARKUP_ARTICLE = (
    "<html><head><title>Troops on the move</title><script>var tracking = 1;</script></head><body>"
    "<h1>Troops on the move</h1><p>South Korean intelligence said on Wednesday that North Korea had "
    "sent about 1,500 special forces to Russia's Far East for training and acclimatisation.</p>"
    "<p>&ldquo;This is a serious threat,&rdquo; a senior official told reporters in Seoul, adding "
    "that more soldiers were expected to follow in the coming weeks as the two countries deepen "
    "their military cooperation.</p></body></html>\n"
)
GERMAN_ARTICLE = (
    "Nordkorea hat nach Angaben des südkoreanischen Geheimdienstes rund 1.500 Soldaten nach Russland "
    "geschickt. Die Truppen sollen in der Region Kursk eingesetzt werden, wie die Regierung in Seoul am "
    "Freitag mitteilte. Experten rechnen damit, dass in den kommenden Wochen weitere Soldaten folgen "
    "werden, und warnen vor einer gefährlichen Ausweitung des Krieges in der Ukraine.\n"
)


def make_bad_corpus(folder: Path) -> dict[str, str]:
    """Two seed articles plus one file of every kind of bad input; returns source_path -> kind."""
    folder.mkdir(parents=True)
    kinds: dict[str, str] = {}
    for seed in SEEDS[:2]:
        shutil.copy(seed, folder / seed.name)
        kinds[seed.name] = "article"
    (folder / "empty.txt").write_bytes(b"")
    kinds["empty.txt"] = "empty"
    (folder / "binary.dat").write_bytes(bytes(range(256)) * 64)
    kinds["binary.dat"] = "binary"
    (folder / "latin1.txt").write_bytes(LATIN1_ARTICLE.encode("latin-1"))
    kinds["latin1.txt"] = "latin-1"
    (folder / "markup.html").write_text(MARKUP_ARTICLE, encoding="utf-8")
    kinds["markup.html"] = "markup"
    (folder / "german.txt").write_text(GERMAN_ARTICLE, encoding="utf-8")
    kinds["german.txt"] = "non-English"
    (folder / "oversize.txt").write_text(("North Korean troops. " * 120_000), encoding="utf-8")
    kinds["oversize.txt"] = "oversize"
    nested = folder / "2024" / "november"
    nested.mkdir(parents=True)
    shutil.copy(SEEDS[0], nested / "copy_of_first.txt")
    kinds["2024/november/copy_of_first.txt"] = "duplicate"
    shutil.copy(SEEDS[2], nested / SEEDS[2].name)
    kinds[f"2024/november/{SEEDS[2].name}"] = "nested article"
    (folder / "gone.txt").symlink_to(folder / "does-not-exist.txt")
    kinds["gone.txt"] = "unreadable"
    return kinds


def cli_build(corpus: Path, out: Path, **popen: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lib", "build", "--corpus", str(corpus), "--out", str(out)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finish(process: subprocess.Popen, timeout: float = 300) -> None:
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"build failed:\n{stdout[-2000:]}\n{stderr[-4000:]}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, object]:
    """One complete CLI build of the bad corpus, shared by the tests below."""
    root = tmp_path_factory.mktemp("robust")
    kinds = make_bad_corpus(root / "corpus")
    out = root / "out"
    finish(cli_build(root / "corpus", out))
    return {"corpus": root / "corpus", "out": out, "kinds": kinds,
            "tables": scale.store_tables(out / "workbook.duckdb")}


def test_every_bad_input_is_reported_and_the_briefing_exported(built):
    documents = built["tables"]["documents"].set_index("source_path")
    kinds: dict[str, str] = built["kinds"]
    assert sorted(documents.index) == sorted(kinds), "every file of the corpus has exactly one documents row"
    assert documents["status"].notna().all()
    for path, kind in kinds.items():
        status, reason = documents.at[path, "status"], documents.at[path, "reason"]
        if kind in {"article", "latin-1", "markup", "nested article"}:
            assert status == "ok", (path, reason)
        elif kind == "duplicate":
            assert status == "duplicate" and reason, path
        else:
            assert status == "rejected" and reason, (path, kind, status)
    assert "Défense" in documents.at["latin1.txt", "text"], "Latin-1 decoded, not mangled"
    markup_text = documents.at["markup.html", "text"]
    assert "<p>" not in markup_text and "tracking" not in markup_text
    assert "1,500 special forces" in markup_text
    briefing = built["out"] / "briefing.html"
    assert briefing.exists() and briefing.stat().st_size > 1000


def test_a_killed_build_leaves_the_previous_store_intact_and_the_next_run_completes(built):
    out: Path = built["out"]
    partial = out / ".workbook.duckdb.partial"
    process = cli_build(built["corpus"], out, start_new_session=True)
    deadline = time.monotonic() + 120
    while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # well inside the notebooks: the partial store is being written
    assert process.poll() is None, "the build finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)  # the whole group: papermill's kernels too
    process.communicate(timeout=30)

    after_kill = scale.store_tables(out / "workbook.duckdb")
    assert sorted(after_kill) == sorted(built["tables"])
    for name, frame in built["tables"].items():
        pd.testing.assert_frame_equal(after_kill[name], frame, obj=name)

    finish(cli_build(built["corpus"], out))
    rebuilt = scale.store_tables(out / "workbook.duckdb")
    for name, frame in built["tables"].items():
        pd.testing.assert_frame_equal(rebuilt[name], frame, obj=name)


def headless_build(corpus: Path, store_path: Path, hash_seed: str) -> subprocess.Popen:
    """A build in its own interpreter: set and dict-of-set orders differ with PYTHONHASHSEED."""
    code = f"from lib.build import build_store; build_store({str(store_path)!r}, {str(corpus)!r})"
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})


def test_two_builds_of_the_same_corpus_give_identical_tables(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS[:3]:
        shutil.copy(seed, corpus / seed.name)
    # Side by side, each with a cold cache of its own: nothing is shared but the code.
    builds = [headless_build(corpus, tmp_path / name / "workbook.duckdb", hash_seed=seed)
              for name, seed in (("one", "1"), ("two", "2"))]
    for build in builds:
        finish(build)
    first = scale.store_tables(tmp_path / "one" / "workbook.duckdb")
    second = scale.store_tables(tmp_path / "two" / "workbook.duckdb")
    assert sorted(first) == sorted(second)
    assert len(first) >= 2 and len(first["documents"]) == 3
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
