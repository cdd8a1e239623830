"""The one model loader: clear failures, and each text parsed once."""

import pytest

from lib.core import nlp


def test_missing_model_names_the_fix():
    with pytest.raises(nlp.ModelError, match="not installed.*--model"):
        nlp.load_model("no_such_model_xyz")


def test_model_without_parser_or_ner_is_refused(monkeypatch):
    import spacy

    monkeypatch.setattr(spacy, "load", lambda name: spacy.blank("en"))
    nlp._load_resolved.cache_clear()
    try:
        with pytest.raises(nlp.ModelError, match="lacks parser, ner"):
            nlp.load_model("blank_for_test")
    finally:
        nlp._load_resolved.cache_clear()


def test_environment_variable_overrides_the_default(monkeypatch):
    monkeypatch.setenv(nlp.MODEL_ENV, "en_core_web_trf")
    assert nlp.model_name() == "en_core_web_trf"
    assert nlp.model_name("explicit") == "explicit"
    monkeypatch.delenv(nlp.MODEL_ENV)
    assert nlp.model_name() == nlp.DEFAULT_MODEL


def test_parse_cache_is_reused(tmp_path, monkeypatch):
    texts = ["Kim Jong Un met Vladimir Putin in Pyongyang.", "NATO said 10,000 troops were sent."]
    first = [d.to_json()["tokens"] for d in nlp.parse_texts(texts, tmp_path, show_progress=False)]
    assert len(list((tmp_path / "parsed").glob("*.spacy"))) == 2

    def no_parsing(*args, **kwargs):
        raise AssertionError("a cached text was parsed again")

    monkeypatch.setattr(type(nlp.load_model()), "pipe", no_parsing)
    second = [d.to_json()["tokens"] for d in nlp.parse_texts(texts, tmp_path, show_progress=False)]
    assert first == second
