"""Figure lineage, forecasts the corpus resolves, and judgments only about counted things.

A composed corpus of five articles from September to January, written here as upstream rows (the
column contracts, not the extractor): one count that rises and is then repeated out of date
(3,000 -> 10,000, a stale 3,000 in January), a second authority contradicting it, a casualty count
that grows, figures that must never be judged (a duration, a hypothesis, an opinion about a number,
a standing army, a comparison), and forecasts that later articles bear on.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from lib.core import store
from lib.core.tables import FIGURE_SERIES, RESOLUTION_SUGGESTIONS
from lib.corpus import grading, series, synthesis
from lib.corpus.inputs import Inputs
from lib.corpus.judgments import key_judgments

DIA, BORDER, RED = "Defence Intelligence Agency", "Border Ministry", "Red Crescent"

# doc_id -> (published, outlet, sentences)
ARTICLES = {
    "d1": ("2024-09-10", "Gazette One", [
        "Elbonia has sent 3,000 troops to the front, the Defence Intelligence Agency said.",
        "Elbonia will send more troops before the end of October, the minister warned.",
        "The border dispute has lasted 30 years.",
        "Freedonia will not join the war before the end of December, analysts said.",
        "Elbonia will withdraw its troops by December, the envoy said.",
    ]),
    "d2": ("2024-10-01", "Wire Two", [
        "Reportedly 3,000 Elbonian troops are now deployed.",
        "At least 40 civilians have been killed so far, the Red Crescent said.",
        "Victory would require more than 50,000 Elbonian troops, one analyst said.",
    ]),
    "d3": ("2024-11-05", "Gazette One", [
        "The Defence Intelligence Agency said on Nov. 4 that 10,000 Elbonian troops had been deployed.",
        "The Border Ministry put the number of Elbonian troops deployed at 6,000 on Nov. 5.",
        "In any case, 10,000 soldiers is not that many, said Professor Ann Lee.",
        "Elbonia has a standing army of 1.2 million troops.",
    ]),
    "d4": ("2024-11-20", "Wire Two", [
        "About 10,000 Elbonian troops have been deployed, the Defence Intelligence Agency said.",
        "Elbonia sent more troops than Freedonia did, 8,000 in all.",
    ]),
    "d5": ("2025-01-15", "Gazette Three", [
        "Some 3,000 Elbonian troops are deployed, according to the Defence Intelligence Agency.",
        "The Red Crescent said 120 civilians had been killed since September.",
        "Freedonian officials met Elbonian envoys in the capital.",
        "Elbonia has not withdrawn its troops, the Defence Intelligence Agency said.",
    ]),
}


def _text(doc_id: str) -> str:
    return " ".join(ARTICLES[doc_id][2])


def _span(doc_id: str, index: int) -> tuple[int, int, str]:
    sentence = ARTICLES[doc_id][2][index]
    start = _text(doc_id).index(sentence)
    return start, start + len(sentence), sentence


def _documents() -> pd.DataFrame:
    rows = [{"doc_id": d, "status": "ok", "title": f"Article {d}", "author": "A. Writer", "outlet": outlet,
             "published": date.fromisoformat(day), "published_basis": "stated", "text": _text(d)}
            for d, (day, outlet, _) in ARTICLES.items()]
    return pd.DataFrame(rows)


def _claim(claim_id, doc_id, index, low=None, high=None, unit=None, category=None, event=None, party=None,
           source=None, bound="exact", kind="quantity", modality="reported", polarity="positive", event_date=None):
    start, end, sentence = _span(doc_id, index)
    return {"claim_id": claim_id, "doc_id": doc_id, "char_start": start, "char_end": end, "sentence": sentence,
            "kind": kind if low is not None or high is not None else "event", "value_low": low, "value_high": high,
            "bound": bound if low is not None or high is not None else None,
            "value_text": None if low is None and high is None else f"{low or high:,.0f}", "unit": unit,
            "unit_category": category, "counted_event": event, "counted_party": party, "modality": modality,
            "polarity": polarity, "hedges": [], "source": source, "source_text": source or None, "origin": source,
            "attribution": "named" if source else "anonymous", "reporting_verb": "say" if source else None,
            "event_date": event_date, "event_date_basis": "stated" if event_date else None, "cluster_id": None}


def _claims() -> pd.DataFrame:
    troops = {"unit": "troops", "category": "personnel", "event": "deployed", "party": "Elbonia"}
    killed = {"unit": "civilians", "category": "people", "event": "killed", "party": "civilians"}
    rows = [
        _claim("a1", "d1", 0, 3000, 3000, source=DIA, **troops),
        _claim("x-duration", "d1", 2, 30, 30, unit="years", category="time", kind="duration"),
        _claim("a2", "d2", 0, 3000, 3000, **troops),
        _claim("b1", "d2", 1, 40, None, bound="ge", source=RED, **killed),
        _claim("x-hypothetical", "d2", 2, 50000, None, bound="gt", **troops),
        _claim("a3", "d3", 0, 10000, 10000, source=DIA, event_date="2024-11-04", **troops),
        _claim("a4", "d3", 1, 6000, 6000, source=BORDER, event_date="2024-11-05", **troops),
        _claim("x-opinion", "d3", 2, 10000, 10000, unit="soldiers", category="personnel", event="present",
               party="Elbonia", source="Ann Lee"),
        _claim("x-army", "d3", 3, 1_200_000, 1_200_000, unit="troops", category="personnel", event="present",
               party="Elbonia"),
        _claim("a5", "d4", 0, 10000, 10000, bound="approx", source=DIA, **troops),
        _claim("x-comparison", "d4", 1, 8000, 8000, **troops),
        _claim("a6", "d5", 0, 3000, 3000, bound="approx", source=DIA, **troops),
        _claim("b2", "d5", 1, 120, 120, source=RED, **killed),
        _claim("e1", "d5", 2),
        _claim("e2", "d5", 3, source=DIA, polarity="negative"),
    ]
    return pd.DataFrame(rows)


def _forecast(forecast_id, index, polarity, horizon_end):
    start, end, sentence = _span("d1", index)
    return {"forecast_id": forecast_id, "doc_id": "d1", "char_start": start, "char_end": end, "statement": sentence,
            "polarity": polarity, "horizon_end": date.fromisoformat(horizon_end), "status": "due"}


def _inputs() -> Inputs:
    forecasts = pd.DataFrame([
        _forecast("f1", 1, "happens", "2024-10-31"),
        _forecast("f2", 3, "does not happen", "2024-12-31"),
        _forecast("f3", 1, "happens", "2025-06-30"),
        _forecast("f4", 4, "happens", "2024-12-01"),
    ])
    evidence = pd.DataFrame([
        {"forecast_id": "f1", "claim_id": "a2", "doc_id": "d2", "relation": "supports"},  # before the horizon passed
        {"forecast_id": "f1", "claim_id": "a3", "doc_id": "d3", "relation": "supports"},
        {"forecast_id": "f2", "claim_id": "e1", "doc_id": "d5", "relation": "related"},
        {"forecast_id": "f3", "claim_id": "a6", "doc_id": "d5", "relation": "supports"},  # horizon not yet passed
        {"forecast_id": "f4", "claim_id": "e2", "doc_id": "d5", "relation": "supports"},
    ])
    empty = pd.DataFrame()
    return Inputs(documents=_documents(), claims=_claims(), clusters=empty, troops=empty, actors=empty,
                  quotes=empty, links=empty, forecasts=forecasts, evidence=evidence)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return synthesis.story_tables(_inputs())


EXCLUDED = {"x-duration", "x-hypothetical", "x-opinion", "x-army", "x-comparison"}


# --- figure lineage ------------------------------------------------------------------------------

def test_series_points_statuses_and_links_are_exactly_the_lineage(tables):
    got = tables["figure_series"][["series_label", "series_rank", "claim_id", "as_of", "as_of_basis", "origin",
                                   "origin_basis", "status", "repeats_claim_id", "superseded_by"]]
    expected = [
        ("Elbonia troops deployed", 1, "a1", date(2024, 9, 10), "published", DIA, "stated", "superseded", None, "a3"),
        ("Elbonia troops deployed", 1, "a2", date(2024, 10, 1), "published", DIA, "traced", "superseded", "a1", "a3"),
        ("Elbonia troops deployed", 1, "a3", date(2024, 11, 4), "event date (stated)", DIA, "stated", "new", None, None),
        ("Elbonia troops deployed", 1, "a4", date(2024, 11, 5), "event date (stated)", BORDER, "stated", "new", None, None),
        ("Elbonia troops deployed", 1, "a5", date(2024, 11, 20), "published", DIA, "stated", "repeat", "a3", None),
        ("Elbonia troops deployed", 1, "a6", date(2025, 1, 15), "published", DIA, "stated", "stale", "a1", "a3"),
        ("civilians killed", 2, "b1", date(2024, 10, 1), "published", RED, "stated", "superseded", None, "b2"),
        ("civilians killed", 2, "b2", date(2025, 1, 15), "published", RED, "stated", "new", None, None),
    ]
    rows = [tuple(None if pd.isna(v) else v for v in row) for row in got.itertuples(index=False)]
    assert rows == expected


def test_a_contradiction_is_two_origins_disagreeing_at_about_the_same_date(tables):
    points = tables["figure_series"].set_index("claim_id")
    assert list(points.loc["a3", "conflicts_with"]) == ["a4"]
    assert list(points.loc["a4", "conflicts_with"]) == ["a3"]
    assert all(len(points.loc[c, "conflicts_with"]) == 0 for c in ("a1", "a2", "a5", "a6", "b1", "b2"))


@pytest.mark.parametrize("sentence, incident", [
    ("At least 62 civilians were killed in the attack on the camp, a medical group said.", True),
    ("The shelling on Sunday killed 12 people.", True),
    ("At least 40 civilians have been killed so far, the Red Crescent said.", False),
    ("The war has killed 150,000 people since April 2023.", False),
    ("Some 3,000 troops were deployed to the border.", False),
])
def test_a_toll_of_one_incident_is_not_a_point_of_a_running_series(sentence, incident):
    event = "deployed" if "deployed" in sentence else "killed"
    assert series.is_incident_count(sentence, event) is incident


def test_points_carry_their_evidence_and_the_figure_date_of_a_repeat(tables):
    frame = tables["figure_series"]
    texts = dict(zip(_documents()["doc_id"], _documents()["text"]))
    for row in frame.to_dict(orient="records"):
        assert texts[row["doc_id"]][row["char_start"]:row["char_end"]] == row["sentence"]
    points = frame.set_index("claim_id")
    assert points.loc["a5", "figure_as_of"] == date(2024, 11, 4)
    assert points.loc["a6", "figure_as_of"] == date(2024, 9, 10)


def test_no_duration_hypothesis_opinion_army_or_comparison_enters_a_series(tables):
    assert not set(tables["figure_series"]["claim_id"]) & EXCLUDED


def test_the_table_is_written_as_declared(tables, tmp_path):
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    try:
        store.write_table(con, FIGURE_SERIES, tables["figure_series"])
        store.write_table(con, RESOLUTION_SUGGESTIONS, tables["resolution_suggestions"])
        back = store.read_table(con, FIGURE_SERIES)
    finally:
        con.close()
    assert len(back) == 8 and list(back.columns) == FIGURE_SERIES.column_names


def test_labels_come_from_the_data():
    assert series.series_label("evacuated", "Japan", ["residents", "residents", "people"]) == "Japanese residents evacuated"
    assert series.series_label("casualties", "Atlantis", ["casualties"]) == "Atlantis casualties"
    assert series.series_label("planned_deployment", "Atlantis", ["sailors"]) == "Atlantis sailors planned for deployment"


def test_claims_as_of_is_the_figure_date_when_the_claims_table_carries_it():
    claims = _claims()
    claims["as_of"] = [date(2024, 9, 1) if c == "a1" else None for c in claims["claim_id"]]
    claims["as_of_basis"] = ["event date (inferred)" if c == "a1" else None for c in claims["claim_id"]]
    published = dict(zip(_documents()["doc_id"], _documents()["published"]))
    frame = series.figure_series(claims, published).set_index("claim_id")
    assert frame.loc["a1", "as_of"] == date(2024, 9, 1) and frame.loc["a1", "as_of_basis"] == "event date (inferred)"


@pytest.mark.parametrize("sentence", [
    "The stalemate would require much further intervention than a few thousand troops.",
    "In any case, 10,000 soldiers is not that many.",
    "The country has the fourth largest standing army in the world, about 1.2 million men.",
    "If thousands of troops learn to survive on a battlefield full of drones, the lessons travel.",
])
def test_framed_figures_are_recognised(sentence):
    assert series.figure_is_framed(sentence)


@pytest.mark.parametrize("sentence", [
    "More than 10,000 troops have been sent, the Pentagon said.",
    "About 10,000 troops have been sent to the region for training, the Pentagon confirmed.",
    "As many as 4,000 soldiers have arrived, officials said.",
])
def test_plain_counts_are_not_framed(sentence):
    assert not series.figure_is_framed(sentence)


# --- forecasts the corpus resolves ---------------------------------------------------------------

def test_a_forecast_is_resolved_only_by_articles_after_its_horizon(tables):
    got = tables["resolution_suggestions"][["forecast_id", "outcome", "doc_id", "claim_id", "rule", "published",
                                            "n_later_claims"]]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        ("f1", "yes", "d3", "a3", "reported-as-predicted", date(2024, 11, 5), 1),
        ("f2", "unclear", "d5", "e1", "topic-only", date(2025, 1, 15), 1),
        ("f4", "no", "d5", "e2", "reported-against-prediction", date(2025, 1, 15), 1),
    ]
    f1 = tables["resolution_suggestions"].iloc[0]
    assert _text("d3")[f1["char_start"]:f1["char_end"]] == f1["sentence"]


def test_later_reports_that_disagree_give_no_verdict():
    inputs = _inputs()
    extra = {"forecast_id": "f1", "claim_id": "e2", "doc_id": "d5", "relation": "supports"}
    inputs.evidence = pd.concat([inputs.evidence, pd.DataFrame([extra])], ignore_index=True)
    f1 = synthesis.story_tables(inputs)["resolution_suggestions"].iloc[0]
    assert (f1["outcome"], f1["rule"], f1["claim_id"]) == ("unclear", "reports-disagree", "a3")


def test_a_resolved_forecast_gets_no_suggestion():
    inputs = _inputs()
    inputs.forecasts.loc[inputs.forecasts["forecast_id"] == "f1", "status"] = "resolved"
    assert "f1" not in set(synthesis.story_tables(inputs)["resolution_suggestions"]["forecast_id"])


# --- key judgments -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def judgments() -> pd.DataFrame:
    inputs = _inputs()
    claims = grading.graded_claims(inputs)
    return key_judgments(inputs, claims, grading.grade_sources(inputs, claims))


def test_the_leading_series_is_judged_first_with_its_history(judgments):
    first = judgments.iloc[0]
    assert first["topic"] == "Elbonia troops deployed"
    assert first["text"] == (
        "We judge there is a roughly even chance that about 10,000 Elbonia troops had been deployed as of "
        "2024-11-04, the figure given by Defence Intelligence Agency. Sources disagree: Border Ministry gave 6,000 "
        "as of 2024-11-05. This replaces the earlier figure of 3,000, given by Defence Intelligence Agency as of "
        "2024-09-10. Even so, one later article still gave about 3,000 as the current figure. We hold this with "
        "low confidence, on one independent origin, against others that disagree.")
    assert sorted(first["claim_ids"]) == ["a3", "a4", "a5"]
    assert first["contradiction"] and first["confidence"] == "low"
    assert first["estimative_phrase"] == "roughly even chance"


def test_a_growing_count_is_judged_at_its_latest_figure(judgments):
    second = judgments.iloc[1]
    assert second["topic"] == "civilians killed" and list(second["claim_ids"]) == ["b2"]
    assert second["text"].startswith("We judge there is a roughly even chance that 120 civilians had been killed "
                                     "as of 2025-01-15, the figure given by Red Crescent. This replaces the earlier "
                                     "figure of at least 40, given by Red Crescent as of 2024-10-01.")


def test_judgments_are_never_about_a_duration_or_hypothesis_and_read_plainly(judgments):
    cited = {c for ids in judgments["claim_ids"] for c in ids}
    assert not cited & EXCLUDED
    assert len(judgments) == 2
    for text in judgments["text"]:
        assert "(" not in text and "30 years" not in text and "would" not in text
        assert text.count("We judge") == 1 and "confidence" in text


# --- the bottom line -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bottom_line() -> pd.DataFrame:
    """The bottom line of the series fixture, with two forecasts left open: a prediction and an intention."""
    inputs = _inputs()
    f = inputs.forecasts
    f["forecaster"] = ["the minister", "analysts (unnamed)", "Defence Intelligence Agency", "the envoy"]
    f["forecaster_kind"] = ["named", "anonymous", "named", "named"]
    f["forecast_kind"] = ["prediction", "prediction", "prediction", "intention"]
    f.loc[f["forecast_id"].isin(["f3", "f4"]), "status"] = "open"
    f.loc[f["forecast_id"] == "f4", "horizon_end"] = date(2025, 3, 1)
    claims = grading.graded_claims(inputs)
    figures = synthesis.story_tables(inputs, claims)["figure_series"]
    return synthesis.bottom_line(inputs, figures, claims, date(2025, 1, 20))


def test_the_bottom_line_states_the_latest_best_figure_and_how_it_moved(bottom_line):
    assert list(bottom_line["kind"]) == ["figure", "turning_points", "contested", "next", "basis"]
    assert list(bottom_line["rank"]) == [1, 2, 3, 4, 5]
    figure = bottom_line.iloc[0]
    assert figure["text"] == (
        "The best-corroborated figure for Elbonia troops deployed is about 10,000 as of 2024-11-04, given by "
        "Defence Intelligence Agency, up from 3,000 given by Defence Intelligence Agency as of 2024-09-10. "
        "One later article still gave about 3,000 as current after it had been replaced.")
    assert {"a3", "a5"} <= set(figure["claim_ids"]) and "a6" not in set(figure["claim_ids"])


def test_the_bottom_line_gives_turning_points_contested_figures_and_what_comes_next(bottom_line):
    turning, contested, ahead = (bottom_line.iloc[i]["text"] for i in (1, 2, 3))
    assert turning == ("Turning points: on 2024-09-10, the first dated count of Elbonia troops deployed, 3,000 from "
                       "Defence Intelligence Agency; on 2024-10-01, the first dated count of civilians killed, at least "
                       "40 from Red Crescent; on 2024-11-04, Elbonia troops deployed rose from 3,000 to 10,000.")
    assert contested == "Contested: Border Ministry gave a lower figure of 6,000 at about the same date."
    assert ahead.startswith("Next: by 2025-03-01, a stated intention by the envoy: “Elbonia will withdraw its troops")
    assert "by 2025-06-30, a prediction by Defence Intelligence Agency" in ahead
    assert "Two forecasts are past the horizon" in ahead
    assert list(bottom_line.iloc[3]["forecast_ids"]) == ["f4", "f3"]


def test_the_bottom_line_reads_as_an_analysts_sentences(bottom_line):
    for text in bottom_line["text"]:
        assert "(unnamed)" not in text and "own reporting" not in text
        depth = 0
        for ch in text:
            depth += ch == "("
            assert depth <= 1, text
            depth -= ch == ")"


def test_the_bottom_line_is_declared_and_written(bottom_line, tmp_path):
    from lib.core.tables import BOTTOM_LINE
    con = duckdb.connect(str(tmp_path / "b.duckdb"))
    store.write_table(con, BOTTOM_LINE, bottom_line)
    back = store.read_table(con, BOTTOM_LINE)
    con.close()
    assert list(back.columns) == BOTTOM_LINE.column_names and len(back) == 5
