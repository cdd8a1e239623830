"""Forecasts: extraction rules on composed sentences, the scales as data, the ledger and Brier
scores against hand-computed values, evidence suggestions, the build, and gold floors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lib.build import run_stage
from lib.core import config as core_config
from lib.core import tables as core_tables
from lib.corpus import forecasts as corpus_forecasts
from lib.evaluate import forecasts as evaluate_forecasts
from lib.extract import probability as extract_probability
from lib.views import forecasts as views_forecasts
from lib.core import tables as ingest_tables
from lib.core.nlp import load_model
from lib.core.store import connect, has_table, read_table
from lib.core.document import Document

FIXTURES = Path(__file__).parent / "fixtures" / "forecasts"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def extract(nlp, text: str, published: date | None = date(2025, 3, 4)) -> list[dict]:
    from lib.extract import rows as pipeline

    document = Document(doc_id="t", text=text, published=published)
    return pipeline.analyse_document(document, nlp(text))["forecasts"]


# ---------------------------------------------------------------- scales shipped as data

def test_icd_scale_holds_the_published_bands_in_order():
    scale = extract_probability.icd_scale()
    expected = {"almost no chance": (0.01, 0.05), "very unlikely": (0.05, 0.20), "unlikely": (0.20, 0.45),
                "roughly even chance": (0.45, 0.55), "likely": (0.55, 0.80), "very likely": (0.80, 0.95),
                "almost certain": (0.95, 0.99)}
    for phrase, (low, high) in expected.items():
        assert (scale[phrase].low, scale[phrase].high) == (low, high)
        assert scale[phrase].scale == "ICD 203" and "203" in scale[phrase].rule


def test_every_workbook_rule_is_documented_and_unquantified_rows_have_no_band():
    rules = extract_probability.modal_rules()
    for phrase in ("may", "could", "might", "will", "would likely", "expected to", "very little chance",
                   "risks", "threaten to", "plan to"):
        assert phrase in rules and rules[phrase].rule.strip()
    for band in rules.values():
        assert (band.low is None) == (band.high is None)
        if band.low is not None:
            assert 0 <= band.low < band.high <= 1
    assert rules["may"].low is None and rules["could"].high is None


@pytest.mark.parametrize("parts, low, high, scale", [
    (["would likely"], 0.55, 0.80, "ICD 203"),
    (["almost certainly", "will"], 0.95, 0.99, "ICD 203"),
    (["unlikely", "will"], 0.20, 0.45, "ICD 203"),
    (["expected to", "will"], 0.55, 0.80, "workbook modal rule"),
    (["very little chance"], 0.05, 0.20, "workbook modal rule"),
    (["could"], None, None, "workbook modal rule"),
])
def test_band_lookup_prefers_estimative_words_over_modals(parts, low, high, scale):
    band = extract_probability.band_for(parts)
    assert (band.low, band.high, band.scale) == (low, high, scale)


# ---------------------------------------------------------------- extraction rules

def test_negated_forecast_reverses_the_band_and_sets_polarity(nlp):
    [row] = extract(nlp, "The minister said NATO will not deploy forces to Asia.")
    assert row["polarity"] == "does not happen" and row["probability_phrase"] == "will not"
    assert (row["probability_low"], row["probability_high"]) == (0.05, 0.2)
    assert row["target_event"] == "deploy" and row["target_subject"] == "NATO"


def test_unlikely_to_is_a_negative_forecast_on_the_icd_scale(nlp):
    [row] = extract(nlp, "Deploying the troops is unlikely to have a significant impact, say analysts.")
    assert row["polarity"] == "does not happen" and row["scale"] == "ICD 203"
    assert row["forecaster"] == "analysts (unnamed)" and row["forecaster_kind"] == "anonymous"


def test_condition_is_kept_and_unquantified_modal_has_no_band(nlp):
    [row] = extract(nlp, "North Korea may send up to 100,000 troops if their growing alliance continues.")
    assert row["condition"] == "if their growing alliance continues"
    assert row["probability_low"] is None and row["probability_phrase"] == "may"
    assert row["forecaster_kind"] == "article"


def test_questions_past_plans_and_will_as_a_noun_are_not_forecasts(nlp):
    text = ("Will the sanctions work? Last year the ministry planned to build a port, and it did. "
            "They lack the resources and will to act. It is unclear how the troops will be used.")
    assert extract(nlp, text) == []


def test_nested_attribution_gives_the_believer(nlp):
    [row] = extract(nlp, "The ministry said Maria Lopez, an economist, believes the currency will weaken within six months.")
    assert row["forecaster"] == "Maria Lopez" and row["forecaster_kind"] == "named"
    assert (row["horizon_start"], row["horizon_end"]) == ("2025-03-04", "2025-09-04")


def test_quoted_forecast_goes_to_the_speaker_and_weekday_horizon_resolves_forward(nlp):
    rows = extract(nlp, "\"We expect the talks to resume next Tuesday,\" Antti Hakkanen told reporters.")
    assert [r["forecaster"] for r in rows] == ["Antti Hakkanen"]
    assert rows[0]["horizon_text"] == "next Tuesday" and rows[0]["horizon_end"] == "2025-03-11"


def test_outlook_section_heading_gives_the_horizon_in_the_article_voice(nlp):
    rows = extract(nlp, "Forecast\nShort-term\nThe coalition will almost certainly hold together.", date(2025, 1, 10))
    [row] = rows
    assert row["forecaster_kind"] == "article" and row["horizon_text"] == "Short-term"
    assert row["probability_band"] == "almost certain"


def test_rows_carry_offsets_into_the_text_and_stable_keys(nlp):
    text = "Officials warned that strikes could begin as early as Sunday. The rebels will not withdraw."
    rows = extract(nlp, text)
    assert len(rows) == 2
    for row in rows:
        assert text[row["char_start"]:row["char_end"]] == row["statement"]
        if row["horizon_char_start"] is not None:
            assert text[row["horizon_char_start"]:row["horizon_char_end"]] == row["horizon_text"]
    again = extract(nlp, text)
    assert [r["forecast_key"] for r in rows] == [r["forecast_key"] for r in again]
    other = extract(nlp, text + " Nothing else.")
    assert rows[0]["forecast_key"] != other[0]["forecast_key"]  # keyed to the document's text


# ---------------------------------------------------------------- ledger and Brier scores

def fixture_forecasts() -> pd.DataFrame:
    return pd.DataFrame([
        {"forecast_key": "fk-a", "forecaster": "X", "forecaster_kind": "named", "probability_low": 0.80,
         "probability_high": 0.95, "probability_band": "very likely", "horizon_end": "2025-01-31"},
        {"forecast_key": "fk-b", "forecaster": "X", "forecaster_kind": "named", "probability_low": 0.05,
         "probability_high": 0.20, "probability_band": "very unlikely", "horizon_end": None},
        {"forecast_key": "fk-c", "forecaster": "analysts (unnamed)", "forecaster_kind": "anonymous",
         "probability_low": 0.55, "probability_high": 0.80, "probability_band": "likely", "horizon_end": None},
        {"forecast_key": "fk-d", "forecaster": "analysts (unnamed)", "forecaster_kind": "anonymous",
         "probability_low": None, "probability_high": None, "probability_band": None, "horizon_end": None},
        {"forecast_key": "fk-e", "forecaster": "analysts (unnamed)", "forecaster_kind": "anonymous",
         "probability_low": 0.20, "probability_high": 0.45, "probability_band": "unlikely", "horizon_end": None},
        {"forecast_key": "fk-f", "forecaster": "Z", "forecaster_kind": "named", "probability_low": 0.80,
         "probability_high": 0.95, "probability_band": "very likely", "horizon_end": "2026-01-01"},
        {"forecast_key": "fk-g", "forecaster": "Z", "forecaster_kind": "named", "probability_low": 0.80,
         "probability_high": 0.95, "probability_band": "very likely", "horizon_end": "2027-06-01"},
    ])


def judged(as_of: str = "2026-11-23") -> pd.DataFrame:
    return corpus_forecasts.with_outcomes(fixture_forecasts(), corpus_forecasts.load_ledger(FIXTURES / "ledger_basic.csv"), as_of)


def test_status_as_of_a_date():
    status = dict(zip(judged()["forecast_key"], judged()["status"]))
    assert status == {"fk-a": "resolved", "fk-b": "resolved", "fk-c": "resolved", "fk-d": "resolved",
                      "fk-e": "resolved", "fk-f": "due", "fk-g": "open"}  # fk-f resolved only in 2027
    earlier = dict(zip(judged("2025-01-05")["forecast_key"], judged("2025-01-05")["status"]))
    assert earlier["fk-a"] == "open" and earlier["fk-f"] == "open"
    assert list(corpus_forecasts.due_list(judged())["forecast_key"]) == ["fk-f"]


def test_brier_per_forecaster_matches_hand_computation():
    table = corpus_forecasts.brier_table(judged(), "forecaster").set_index("forecaster")
    # X: (0.875 - 1)^2 = 0.015625 and (0.125 - 1)^2 = 0.765625 -> mean 0.390625
    assert table.loc["X", "brier"] == pytest.approx(0.390625, abs=1e-4)
    assert table.loc["X", "n_scored"] == 2
    # analysts: (0.675 - 0)^2 = 0.455625; 'could' (no band) and 'ambiguous' drop out but are counted
    assert table.loc["analysts (unnamed)", "brier"] == pytest.approx(0.455625, abs=1e-4)
    assert (table.loc["analysts (unnamed)", "n_resolved"], table.loc["analysts (unnamed)", "n_dropped"]) == (3, 2)
    assert "Z" not in table.index  # resolved after as_of: not scored yet


def test_brier_per_forecaster_kind():
    table = corpus_forecasts.brier_table(judged(), "forecaster_kind").set_index("forecaster_kind")
    assert table.loc["named", "brier"] == pytest.approx(0.390625, abs=1e-4)
    assert table.loc["anonymous", "n_scored"] == 1


def test_calibration_needs_enough_outcomes():
    assert corpus_forecasts.calibration_table(judged()).empty
    table = corpus_forecasts.calibration_table(judged(), minimum=3).set_index("probability_band")
    assert table.loc["very likely", "observed_rate"] == 1.0 and table.loc["likely", "observed_rate"] == 0.0


@pytest.mark.parametrize("name, message", [("ledger_bad_outcome.csv", "not one of"),
                                           ("ledger_duplicate.csv", "listed twice"),
                                           ("ledger_no_evidence.csv", "needs evidence")])
def test_bad_ledgers_fail_loudly(name, message):
    with pytest.raises(ValueError, match=message):
        corpus_forecasts.load_ledger(FIXTURES / name)


def test_shipped_ledger_holds_no_unsourced_outcome():
    ledger = corpus_forecasts.load_ledger(core_config.DEFAULT_LEDGER)
    assert list(ledger.columns) == list(corpus_forecasts.LEDGER_COLUMNS)
    assert all(e.strip() for o, e in zip(ledger["outcome"], ledger["evidence"]) if o)


# ---------------------------------------------------------------- evidence suggestions

class Names:
    def canonical(self, name):
        return {"Pyongyang": "North Korea"}.get(name, name)


def test_evidence_only_from_later_documents_sharing_actor_and_event():
    f = pd.DataFrame([{"forecast_id": "f1", "doc_id": "early", "char_start": 0, "char_end": 40,
                       "target_event": "deploy", "target_subject": "North Korea", "target_object": "10,000 troops",
                       "polarity": "happens"}])
    claims = pd.DataFrame([
        {"claim_id": "c1", "doc_id": "late", "char_start": 0, "char_end": 50, "sentence": "Pyongyang deployed 11,000 troops.",
         "unit": "troops", "modality": "reported"},
        {"claim_id": "c2", "doc_id": "same-day", "char_start": 0, "char_end": 50, "sentence": "Pyongyang deployed troops.",
         "unit": "troops", "modality": "reported"},
        {"claim_id": "c3", "doc_id": "late", "char_start": 60, "char_end": 99, "sentence": "Seoul deployed ships.",
         "unit": "ships", "modality": "reported"},
    ])
    mentions = pd.DataFrame([
        {"doc_id": "early", "char_start": 0, "char_end": 11, "name": "North Korea"},
        {"doc_id": "late", "char_start": 0, "char_end": 9, "name": "Pyongyang"},
        {"doc_id": "same-day", "char_start": 0, "char_end": 9, "name": "Pyongyang"},
        {"doc_id": "late", "char_start": 60, "char_end": 65, "name": "Seoul"},
    ])
    published = {"early": date(2024, 11, 1), "late": date(2024, 12, 1), "same-day": date(2024, 11, 1)}
    evidence = corpus_forecasts.suggest_evidence(f, claims, mentions, published, Names())
    assert list(evidence["claim_id"]) == ["c1"]
    assert evidence.loc[0, "relation"] == "supports" and evidence.loc[0, "shared_actors"] == ["North Korea"]
    flipped = corpus_forecasts.suggest_evidence(f.assign(polarity="does not happen"), claims, mentions, published, Names())
    assert flipped.loc[0, "relation"] == "contradicts"


# ---------------------------------------------------------------- build and gold floors

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("fc") / "workbook.duckdb")
    result = run_stage(con, "forecasts", SEEDS, as_of="2026-11-23", resolutions=core_config.DEFAULT_LEDGER, show_progress=False)
    yield con, result
    con.close()


def test_build_writes_both_tables_with_offsets_inside_documents(built):
    con, result = built
    assert has_table(con, "forecasts") and has_table(con, "forecast_evidence")
    docs = read_table(con, ingest_tables.DOCUMENTS).set_index("doc_id")["text"]
    table = read_table(con, core_tables.FORECASTS)
    assert len(table) > 0 and set(table["status"]) <= {"open", "due", "resolved"}
    for row in table.itertuples():
        assert docs[row.doc_id][row.char_start:row.char_end] == row.statement
    assert table["forecast_key"].is_unique and table["forecast_id"].is_unique
    assert set(table["forecaster_kind"]) <= {"named", "anonymous", "article"}
    assert views_forecasts.timeline_figure(result["forecasts"], "2026-11-23").get_size_inches().tolist() == [9.0, 6.0]


def test_seed_gold_floors(built):
    con, result = built
    scores = evaluate_forecasts.seed_gold_scores(result["forecasts"], read_table(con, ingest_tables.DOCUMENTS))
    assert scores["precision"] >= 0.85 and scores["recall"] >= 0.85
    assert scores["forecaster_accuracy"] >= 0.85 and scores["polarity_accuracy"] >= 0.9
    assert scores["probability_phrase_accuracy"] >= 0.9 and scores["horizon_text_accuracy"] >= 0.9


def test_composed_gold_floors():
    scores = evaluate_forecasts.composed_gold_scores()
    assert scores["precision"] >= 0.85 and scores["recall"] >= 0.85
    assert scores["forecaster_accuracy"] >= 0.85 and scores["polarity_accuracy"] >= 0.9
    assert scores["horizon_dates_accuracy"] >= 0.85 and scores["condition_accuracy"] >= 0.85


def test_repeated_statement_gets_its_own_stable_key(nlp):
    text = "NATO will not enter Asia soon, experts said. NATO will not enter Asia soon, experts said."
    keys = [r["forecast_key"] for r in extract(nlp, text)]
    assert len(keys) == 2 and len(set(keys)) == 2 and keys[1] == keys[0] + "-2"


def test_doing_little_to_do_something_is_a_negative_forecast(nlp):
    [row] = extract(nlp, "Iran will do little to provoke Israel, the analyst said.")
    assert row["polarity"] == "does not happen" and row["target_event"] == "provoke"


# ---------------------------------------------------------------- intentions, vows, deal terms

@pytest.mark.parametrize("text, phrase", [
    ("The rebel commander vowed to continue the offensive.", "vowed to"),
    ("The government is determined to strike the militants' bases.", "determined to"),
    ("The governor pledged to erect new shelters for displaced families.", "pledged to"),
    ("The militia threatened to shell the port.", "threatened to"),
    ("The new brigade is designed to defend the northern border.", "designed to"),
    ("The army's main task is to drive the enemy out of the region.", "task"),
])
def test_commitment_cues_are_unquantified_intentions(nlp, text, phrase):
    [row] = extract(nlp, text)
    assert row["forecast_kind"] == "intention" and row["probability_phrase"] == phrase
    assert row["probability_low"] is None and row["probability_band"] is None  # a vow is not on the ICD scale
    assert row["probability_rule"].startswith("unquantified")


@pytest.mark.parametrize("text", ["The army plans to recruit 10,000 reservists.",
                                  "The ministry intends to reopen the crossing."])
def test_plans_are_intentions_with_the_documented_plan_band(nlp, text):
    [row] = extract(nlp, text)
    assert row["forecast_kind"] == "intention" and row["probability_band"] == "likely"


def test_a_vow_keeps_its_horizon(nlp):
    [row] = extract(nlp, "The general vowed to retake the city by the end of the year.")
    assert row["forecast_kind"] == "intention" and row["target_event"] == "retake"
    assert (row["horizon_text"], row["horizon_end"]) == ("by the end of the year", "2025-12-31")


def test_a_warning_is_a_prediction_even_with_a_plain_would(nlp):
    [row] = extract(nlp, "The UN warned that the fighting would push the city into famine.")
    assert row["forecast_kind"] == "prediction" and row["probability_band"] == "likely"


def test_a_named_danger_is_an_unquantified_prediction(nlp):
    [row] = extract(nlp, "Aid groups warned of the risk of famine in the camps.")
    assert row["forecast_kind"] == "prediction" and row["probability_low"] is None
    assert row["statement"] == "the risk of famine in the camps"


@pytest.mark.parametrize("text", ["Under the agreement, the rebels will hand over their heavy weapons.",
                                  "The truce will take effect at midnight, the mediators said."])
def test_deal_terms_are_intentions(nlp, text):
    [row] = extract(nlp, text)
    assert row["forecast_kind"] == "intention"


@pytest.mark.parametrize("text, kind", [
    ("\"We will keep hitting them until they stop,\" the minister said.", "intention"),
    ("The European Union said it would provide 500 million euros.", "intention"),
    ("\"The junta will respond with air power,\" said Ana Ruiz, a security analyst.", "prediction"),
    ("The foreign minister said Turkey would help monitor the ceasefire.", "prediction"),
])
def test_a_plain_will_is_an_intention_only_about_the_speakers_own_side(nlp, text, kind):
    [row] = extract(nlp, text)
    assert row["forecast_kind"] == kind


@pytest.mark.parametrize("text", [
    "Last year the general vowed to retake the city in 2023, but the offensive failed.",  # past vow, past time
    "The party, which seized power in 2021 promising to hold elections, remains in charge.",  # participle aside
    "Officials discussed ways to reduce the risk of escalation.",  # a risk talked about, not foreseen
    "Every hour of delay would have cost us more lives.",  # counterfactual
    "Whoever lays down his weapons will be safe.",  # a rule, not an event
    "The minister declined to say how long the operation would last.",  # embedded question
    "The front could no longer be held.",  # past ability
    "Houthis vow to hit back",  # a headline
])
def test_narration_rules_and_asides_are_not_forecasts(nlp, text):
    assert extract(nlp, text) == []


def test_a_speech_act_dated_in_the_past_still_stands(nlp):
    [row] = extract(nlp, "The army chief vowed on Saturday to keep fighting until the rebels surrender.")
    assert row["forecast_kind"] == "intention" and row["horizon_text"] is None


@pytest.mark.parametrize("text, statement, kind", [
    ("The city is on the verge of falling to the rebels, an analyst said.",
     "The city is on the verge of falling to the rebels", "prediction"),
    ("We are months away from removing the government, the commander said.",
     "We are months away from removing the government", "prediction"),
    ("The army is preparing to launch a ground offensive, officials said.",
     "The army is preparing to launch a ground offensive", "intention"),
])
def test_nearness_and_preparation_are_forecasts(nlp, text, statement, kind):
    rows = extract(nlp, text)
    assert [(r["statement"], r["forecast_kind"]) for r in rows] == [(statement, kind)]


def test_a_distance_away_is_not_a_forecast(nlp):
    assert extract(nlp, "The town is two miles away from the front line, residents said.") == []
