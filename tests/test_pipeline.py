"""Per-document extraction: rows carry provenance and are reused from the cache."""

import pandas as pd
import pytest

from lib.core import heap as core_heap
from lib.extract import engine as extract_engine
from lib.extract import rows as extract_rows
from lib.core.document import Document

SEED_LIKE = ("North Korea has sent about {n} troops to Russia, South Korea's spy agency said on Friday.\n\n"
             "The National Intelligence Service in Seoul said the soldiers were training in Russia's far east "
             "and could be sent to the front within weeks. Officials in Washington said they were studying "
             "the reports and consulting allies about a response to the deployment.\n")

DOCS = [
    Document("a", "NATO Secretary General Mark Rutte said 10,000 North Korean troops were in Russia."),
    Document("b", "Kim Jong Un met Vladimir Putin in Pyongyang in June."),
]


def _refusing(message: str):
    """A stand-in for a function the test says must not run."""
    def refuse(*args, **kwargs):
        raise AssertionError(message)

    return refuse


def _assert_same_rows(first: dict, second: dict) -> None:
    for name in extract_rows.OUTPUTS:
        assert first[name].equals(second[name]), name


def test_rows_carry_doc_id_and_offsets_into_the_text(tmp_path):
    frames = extract_engine.extract_corpus(DOCS, tmp_path, show_progress=False)
    texts = {d.doc_id: d.text for d in DOCS}
    for name, frame in frames.items():
        for row in frame.to_dict(orient="records"):
            assert row["doc_id"] in texts, name
            assert 0 <= row["char_start"] < row["char_end"] <= len(texts[row["doc_id"]]), name


def test_second_run_reads_the_row_cache_without_extracting(tmp_path, monkeypatch):
    first = extract_engine.extract_corpus(DOCS, tmp_path, show_progress=False)

    monkeypatch.setattr(extract_rows, "analyse_document", _refusing("cached document was analysed again"))
    second = extract_engine.extract_corpus(DOCS, tmp_path, show_progress=False)
    _assert_same_rows(first, second)


def test_cache_key_changes_with_text_model_and_code(monkeypatch):
    key = extract_rows.rows_key(DOCS[0], "m1")
    assert key != extract_rows.rows_key(Document("a", DOCS[0].text + " "), "m1")
    assert key != extract_rows.rows_key(DOCS[0], "m2")
    monkeypatch.setattr(extract_rows, "code_version", lambda *layers: "changed")
    assert key != extract_rows.rows_key(DOCS[0], "m1")


def test_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown engine"):
        extract_engine.extract_corpus(DOCS, tmp_path, engine="spark")


def test_later_stages_load_one_snapshot_instead_of_every_document(tmp_path, monkeypatch):
    """The first stage of a build gathers the rows; the others must not re-read them per document,
    and a changed corpus must never be served the old snapshot."""
    import shutil
    from pathlib import Path

    from lib.ingest import folder as ingest
    from lib.core import store

    corpus = tmp_path / "corpus"
    seeds = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
    corpus.mkdir()
    for seed in seeds[:2]:
        shutil.copy(seed, corpus / seed.name)
    con = store.connect(tmp_path / "out" / "workbook.duckdb")
    ingest.run(con, corpus)
    first = extract_engine.extract_store(con, show_progress=False)
    monkeypatch.setattr(extract_engine, "extract_corpus",
                        _refusing("rows were gathered again although the corpus did not change"))
    second = extract_engine.extract_store(con, show_progress=False)
    _assert_same_rows(first, second)
    monkeypatch.undo()

    shutil.copy(seeds[2], corpus / seeds[2].name)
    ingest.run(con, corpus)
    gathered, gather = [], extract_engine.extract_corpus

    def spy(documents, *args, **kwargs):
        gathered.append([d.doc_id for d in documents])
        return gather(documents, *args, **kwargs)

    monkeypatch.setattr(extract_engine, "extract_corpus", spy)
    third = extract_engine.extract_store(con, show_progress=False)
    assert gathered == [[seeds[2].stem]], "only the added article's rows are gathered"
    assert len(list((tmp_path / "out" / "cache" / "corpus_rows").glob("*.pickle"))) == 1
    everything = gather(ingest.load_documents(con), tmp_path / "out" / "cache", show_progress=False)
    for name in extract_rows.OUTPUTS:  # the extended snapshot is exactly a full gathering, dtypes included
        pd.testing.assert_frame_equal(third[name], everything[name])


def test_an_edited_article_makes_the_snapshot_gather_everything_again(tmp_path):
    from lib.ingest import folder as ingest
    from lib.core import store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SEED_LIKE.format(n="3,000"), encoding="utf-8")
    (corpus / "b.txt").write_text(SEED_LIKE.format(n="8,000").replace("Seoul", "Kyiv"), encoding="utf-8")
    con = store.connect(tmp_path / "out" / "workbook.duckdb")
    ingest.run(con, corpus)
    extract_engine.extract_store(con, show_progress=False)
    (corpus / "a.txt").write_text(SEED_LIKE.format(n="12,000"), encoding="utf-8")
    ingest.run(con, corpus)
    rows = extract_engine.extract_store(con, show_progress=False)
    figures = sorted(rows["claims"]["value_low"].dropna().astype(int))
    assert 12000 in figures and 3000 not in figures


def test_a_frozen_step_hands_every_object_back_to_the_collector():
    import gc

    @core_heap.frozen_heap
    def inner() -> list:
        return [[] for _ in range(10)]

    @core_heap.frozen_heap
    def outer() -> int:
        rows = inner()
        assert gc.get_freeze_count() > 0, "what the inner step returned is frozen for the rest of the stage"
        return len(rows)

    before = gc.get_freeze_count()
    assert outer() == 10
    assert gc.get_freeze_count() == before == 0
