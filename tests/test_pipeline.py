"""Per-document extraction: rows carry provenance and are reused from the cache."""

import pytest

from lib import pipeline
from lib.text import Document

DOCS = [
    Document("a", "NATO Secretary General Mark Rutte said 10,000 North Korean troops were in Russia."),
    Document("b", "Kim Jong Un met Vladimir Putin in Pyongyang in June."),
]


def test_rows_carry_doc_id_and_offsets_into_the_text(tmp_path):
    frames = pipeline.extract_corpus(DOCS, tmp_path, show_progress=False)
    texts = {d.doc_id: d.text for d in DOCS}
    for name, frame in frames.items():
        for row in frame.to_dict(orient="records"):
            assert row["doc_id"] in texts, name
            assert 0 <= row["char_start"] < row["char_end"] <= len(texts[row["doc_id"]]), name


def test_second_run_reads_the_row_cache_without_extracting(tmp_path, monkeypatch):
    first = pipeline.extract_corpus(DOCS, tmp_path, show_progress=False)

    def no_extraction(*args, **kwargs):
        raise AssertionError("cached document was analysed again")

    monkeypatch.setattr(pipeline, "analyse_document", no_extraction)
    second = pipeline.extract_corpus(DOCS, tmp_path, show_progress=False)
    for name in pipeline.OUTPUTS:
        assert first[name].equals(second[name]), name


def test_cache_key_changes_with_text_model_and_code(monkeypatch):
    key = pipeline.rows_key(DOCS[0], "m1")
    assert key != pipeline.rows_key(Document("a", DOCS[0].text + " "), "m1")
    assert key != pipeline.rows_key(DOCS[0], "m2")
    monkeypatch.setattr(pipeline, "code_version", lambda: "changed")
    assert key != pipeline.rows_key(DOCS[0], "m1")


def test_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown engine"):
        pipeline.extract_corpus(DOCS, tmp_path, engine="spark")
