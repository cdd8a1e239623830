"""Synthesis: grading rules, reconciliation, judgments, gaps and prose, on fixture stores we build.

The fixture tables follow the column contracts of issues 2-5 (not the upstream code), so these
tests check our logic independently of how far the other stages have got.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from lib.build import run_stage
from lib.core import store
from lib.core import tables as core_tables
from lib.corpus import gaps as corpus_gaps
from lib.corpus import grading as corpus_grading
from lib.corpus import inputs as corpus_inputs
from lib.corpus import judgments as corpus_judgments

AS_OF = "2026-11-23"


def _doc(doc_id, text, title, author="Ann Writer", outlet="Daily Example", published="2024-11-05", basis="stated"):
    return {"doc_id": doc_id, "source_path": f"{doc_id}.txt", "status": "ok", "reason": None, "duplicate_of": None,
            "title": title, "author": author, "outlet": outlet, "published": published, "published_basis": basis,
            "language": "en", "text": text, "n_chars": len(text), "n_words": len(text.split()), "sha256": doc_id,
            "removed": "[]"}


def _claim(claim_id, doc, sentence, low=None, high=None, unit=None, modality="reported", source=None,
           source_text=None, cluster=None, hedges=(), qualifier=None, event=None, party=None):
    start = doc["text"].index(sentence)
    return {"claim_id": claim_id, "doc_id": doc["doc_id"], "char_start": start, "char_end": start + len(sentence),
            "sentence": sentence, "kind": "quantity" if low is not None or high is not None else "event",
            "value_low": low, "value_high": high, "qualifier": qualifier, "unit": unit, "modality": modality,
            "hedges": list(hedges), "source_text": source_text or source, "source": source, "reporting_verb": "say",
            "cluster_id": cluster, "counted_event": event, "counted_party": party}


def _table(con, name, rows, columns):
    df = pd.DataFrame(rows, columns=columns)
    con.register("_fixture", df)
    con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _fixture')
    con.unregister("_fixture")


DOC_COLUMNS = list(_doc("x", "x", "x"))
CLAIM_COLUMNS = list(_claim("c", _doc("d", "s", "t"), "s"))
CLUSTER_COLUMNS = ["cluster_id", "summary", "n_documents", "n_independent_sources", "contradiction", "note"]
TROOP_COLUMNS = ["doc_id", "char_start", "char_end", "value_low", "value_high", "qualifier", "modality", "source",
                 "source_text", "unit_category", "as_of", "sentence", "claim_id"]
ACTOR_COLUMNS = ["actor_id", "name", "kind", "role", "affiliation", "aliases", "n_mentions", "n_documents"]
QUOTE_COLUMNS = ["quote_id", "doc_id", "char_start", "char_end", "text", "kind", "speaker_actor_id", "speaker",
                 "attribution_rule"]
LINK_COLUMNS = ["actor_a", "actor_b", "relation", "weight", "doc_ids"]
FORECAST_COLUMNS = ["forecast_id", "forecast_key", "doc_id", "char_start", "char_end", "statement", "forecaster",
                    "forecaster_actor_id", "target", "polarity", "condition", "probability_phrase", "probability_low",
                    "probability_high", "scale", "horizon_text", "horizon_start", "horizon_end", "status"]
EVIDENCE_COLUMNS = ["forecast_id", "claim_id", "doc_id", "relation"]
MENTION_COLUMNS = ["actor_id", "doc_id", "char_start", "char_end", "text"]


def composed_corpus(figure_a: int = 4000, figure_b: int = 4500, agency: str = "Kyiv's intelligence agency",
                    markup: bool = False) -> dict[str, list[dict]]:
    """A small composed corpus as upstream rows: two outlets reporting a figure, a plan, a projection."""
    evil = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">' if markup else ""
    t1 = (f"As many as {figure_a:,} soldiers have arrived, {agency} said on Monday. "
          f"Officials plan to send 9,000 more troops by March, the defence ministry said. "
          f"\"We see them at the front{evil},\" said General Ivan Petrov. "
          f"Troops will likely be deployed within weeks, Petrov warned.")
    t2 = (f"About {figure_b:,} troops were in the region on Nov. 4, 2024, {agency} told reporters. "
          f"Up to 50,000 could follow, one analyst said. "
          f"Reportedly the convoy crossed the border.")
    d1 = _doc("alpha", t1, f"Troops arrive {evil}".strip(), published="2024-11-06")
    d2 = _doc("beta", t2, "Second wave expected", author=None, outlet="Wire Example", published="2024-11-07")
    s_a = t1.split(". ")[0] + "."
    s_plan = t1.split(". ")[1] + "."
    s_b = t2.split(", 2024, ")[0].split(" troops")[0]
    s_b = t2[: t2.index(" told reporters.") + len(" told reporters.")]
    s_proj = "Up to 50,000 could follow, one analyst said."
    s_anon = "Reportedly the convoy crossed the border."
    claims = [
        _claim("c1", d1, s_a, figure_a, figure_a, "soldiers", source=agency, cluster="k1", qualifier="as many as",
               event="deployed", party="Elbonia"),
        _claim("c2", d1, s_plan, 9000, 9000, "troops", "planned", source="Defence Ministry", cluster="k2",
               event="planned_deployment", party="Elbonia"),
        _claim("c3", d2, s_b, figure_b, figure_b, "troops", source=agency, cluster="k1", qualifier="about",
               event="deployed", party="Elbonia"),
        _claim("c4", d2, s_proj, None, 50000, "troops", "possible", source=None, source_text="one analyst",
               cluster="k3", hedges=["could", "up to"], qualifier="up to", event="deployed", party="Elbonia"),
        _claim("c5", d2, s_anon, None, None, None, source=None, source_text="reportedly", cluster="k4",
               hedges=["reportedly"]),
    ]
    clusters = [
        {"cluster_id": "k1", "summary": "soldiers arrived in the region", "n_documents": 2,
         "n_independent_sources": 2, "contradiction": False, "note": None},
        {"cluster_id": "k2", "summary": "plan to send more troops", "n_documents": 1, "n_independent_sources": 1,
         "contradiction": False, "note": None},
        {"cluster_id": "k3", "summary": "projection", "n_documents": 1, "n_independent_sources": 1,
         "contradiction": False, "note": None},
        {"cluster_id": "k4", "summary": "convoy crossed", "n_documents": 1, "n_independent_sources": 1,
         "contradiction": False, "note": None},
    ]
    troops = [{"doc_id": c["doc_id"], "char_start": c["char_start"], "char_end": c["char_end"],
               "value_low": c["value_low"], "value_high": c["value_high"], "qualifier": c["qualifier"],
               "modality": c["modality"], "source": c["source"], "source_text": c["source_text"],
               "unit_category": "personnel", "as_of": {"c1": "2024-11-04", "c3": "2024-11-04"}.get(c["claim_id"]), "sentence": c["sentence"],
               "claim_id": c["claim_id"]} for c in claims[:4]]
    quote_text = f"We see them at the front{evil},"
    q_start = t1.index(quote_text)
    quotes = [{"quote_id": "q1", "doc_id": "alpha", "char_start": q_start, "char_end": q_start + len(quote_text),
               "text": quote_text, "kind": "direct", "speaker_actor_id": "ivan-petrov", "speaker": "Ivan Petrov",
               "attribution_rule": "verb-subject"}]
    actors = [
        {"actor_id": "ivan-petrov", "name": "Ivan Petrov", "kind": "person", "role": "General", "affiliation": None,
         "aliases": ["Petrov"], "n_mentions": 2, "n_documents": 1},
        {"actor_id": "ukraine", "name": "Ukraine", "kind": "state", "role": None, "affiliation": None,
         "aliases": ["Kyiv"], "n_mentions": 2, "n_documents": 2},
        {"actor_id": "elbonia", "name": "Elbonia", "kind": "state", "role": None, "affiliation": None,
         "aliases": [], "n_mentions": 5, "n_documents": 2},
    ]
    links = [{"actor_a": "ivan-petrov", "actor_b": "ukraine", "relation": "co-mentioned", "weight": 1,
              "doc_ids": ["alpha"]}]
    f_sentence = "Troops will likely be deployed within weeks, Petrov warned."
    f_start = t1.index(f_sentence)
    forecasts = [{"forecast_id": "f1", "forecast_key": "alpha-troops-deployed", "doc_id": "alpha",
                  "char_start": f_start, "char_end": f_start + len(f_sentence), "statement": f_sentence,
                  "forecaster": "Ivan Petrov", "forecaster_actor_id": "ivan-petrov", "target": "troops deployed",
                  "polarity": "happens", "condition": None, "probability_phrase": "likely", "probability_low": 0.55,
                  "probability_high": 0.8, "scale": "ICD 203", "horizon_text": "within weeks",
                  "horizon_start": "2024-11-06", "horizon_end": "2024-12-06", "status": "due"}]
    return {"documents": [d1, d2], "claims": claims, "claim_clusters": clusters, "troop_estimates": troops,
            "quotes": quotes, "actors": actors, "actor_links": links, "forecasts": forecasts,
            "forecast_evidence": [], "mentions": []}


COLUMNS = {"documents": DOC_COLUMNS, "claims": CLAIM_COLUMNS, "claim_clusters": CLUSTER_COLUMNS,
           "troop_estimates": TROOP_COLUMNS, "quotes": QUOTE_COLUMNS, "actors": ACTOR_COLUMNS,
           "actor_links": LINK_COLUMNS, "forecasts": FORECAST_COLUMNS, "forecast_evidence": EVIDENCE_COLUMNS,
           "mentions": MENTION_COLUMNS}


def write_fixture_store(path, tables: dict[str, list[dict]]) -> None:
    """A store holding every upstream table (so synthesis runs no upstream stage)."""
    con = duckdb.connect(str(path))
    for name, columns in COLUMNS.items():
        rows = tables.get(name, [])
        if name == "documents":
            frame = pd.DataFrame(rows, columns=columns)
            frame["published"] = pd.to_datetime(frame["published"]).dt.date
            con.register("_fixture", frame)
            con.execute('CREATE OR REPLACE TABLE documents AS SELECT * FROM _fixture')
            con.unregister("_fixture")
        else:
            _table(con, name, rows, columns)
    for declared in core_tables.all_tables():  # the upstream tables the briefing does not read: empty
        if declared.name not in COLUMNS and declared.name not in SYNTHESIS_OUTPUTS:
            store.write_table(con, declared, [])
    con.close()


SYNTHESIS_OUTPUTS = {"source_grades", "judgments", "timeline", "gaps", "figure_series", "resolution_suggestions",
                     "bottom_line", "stage_runs"}


@pytest.fixture
def composed_store(tmp_path):
    path = tmp_path / "workbook.duckdb"
    write_fixture_store(path, composed_corpus())
    return path


def run(path, corpus="corpus_x"):
    con = store.connect(path)
    try:
        return run_stage(con, "synthesis", corpus, as_of=AS_OF), con
    except Exception:
        con.close()
        raise


# --- rules as data -------------------------------------------------------------------------------

def test_every_rule_the_code_names_is_documented_and_every_documented_rule_is_used():
    import inspect
    import re

    from lib import corpus

    source = "".join(inspect.getsource(module) for module in (corpus_grading, corpus.synthesis, corpus.judgments,
                                                                corpus.gaps, corpus.timeline, corpus.prose))
    used = set(re.findall(r'"([RIK]-[A-Z0-9-]+)"', source))
    documented = set(corpus_grading.grading_rules()["rule_id"])
    assert used <= documented
    manual = {r for r in documented if r.endswith("TRACK-RECORD")}  # A and E: by an analyst only
    assert documented - manual <= used
    assert set(corpus_grading.grading_rules()["axis"]) == {"reliability", "credibility", "confidence"}


def test_estimative_scale_is_ordered_by_credibility():
    scale = corpus_grading.estimative_scale()
    bands = [(r.probability_low, r.probability_high) for r in scale.itertuples() if r.phrase]
    assert bands == sorted(bands, reverse=True)
    assert corpus_grading.estimative_for(6) == (None, None, None)


@pytest.mark.parametrize("claim, cluster, expected", [
    ({"source": None, "modality": "reported"}, {"n_independent_sources": 3, "contradiction": True}, 5),
    ({"source": "NATO", "modality": "reported"}, {"n_independent_sources": 3, "contradiction": True}, 4),
    ({"source": "NATO", "modality": "reported", "hedges": []}, {"n_independent_sources": 2, "contradiction": False}, 1),
    ({"source": "NATO", "modality": "reported", "hedges": ["reportedly"]}, {"n_independent_sources": 2}, 2),
    ({"source": "NATO", "modality": "planned", "hedges": []}, {"n_independent_sources": 2}, 2),
    ({"source": "NATO", "modality": "reported"}, None, 3),
    ({"source": None, "source_text": "sources", "modality": "reported"}, {"n_independent_sources": 1}, 6),
])
def test_claim_credibility_follows_the_stated_rules(claim, cluster, expected):
    grade, rule = corpus_grading.claim_credibility(claim, cluster)
    assert grade == expected
    assert corpus_grading.grading_rules().set_index("rule_id").loc[rule, "grade"] == str(expected)


@pytest.mark.parametrize("doc, named, media, attributed, quotes, expected", [
    ({"author": None, "outlet": None}, 0.0, 0.0, 0, 0, "F"),
    ({"author": "A", "outlet": "O"}, 0.1, 0.0, 5, 0, "D"),
    ({"author": None, "outlet": "O"}, 0.8, 0.8, 5, 1, "D"),
    ({"author": "A", "outlet": "O"}, 0.8, 0.1, 5, 2, "B"),
    ({"author": "A", "outlet": None}, 0.4, 0.1, 5, 0, "C"),
])
def test_document_reliability_follows_the_stated_rules(doc, named, media, attributed, quotes, expected):
    grade, _ = corpus_grading.document_reliability(doc, named, media, attributed, quotes)
    assert grade == expected


@pytest.mark.parametrize("n, contradicted, reliability, single_named, expected", [
    (5, True, "B", True, "low"),
    (3, False, "B", True, "high"),
    (3, False, "C", True, "moderate"),
    (1, False, "B", True, "moderate"),
    (1, False, "C", True, "low"),
])
def test_confidence_is_separate_from_likelihood_and_follows_rules(n, contradicted, reliability, single_named, expected):
    assert corpus_judgments.confidence_for(n, contradicted, reliability, single_named)[0] == expected


# --- the briefing on composed corpora --------------------------------------------------------------

def test_bottom_line_names_the_figures_sources_and_dates_of_the_corpus(composed_store):
    briefing, con = run(composed_store)
    con.close()
    lines = briefing.bottom_line_sentences
    assert list(briefing.bottom_line_table["kind"]) == ["figure", "turning_points", "next", "basis"]
    assert lines[0] == ("The best-corroborated figure for Elbonia soldiers deployed is between 4,000 and 4,500 "
                        "as of 2024-11-06, given by Kyiv's intelligence agency, against a planned total of 9,000 "
                        "from Defence Ministry.")
    assert lines[1] == ("Turning points: on 2024-11-06, the first dated count of Elbonia soldiers deployed, 4,000 "
                        "from Kyiv's intelligence agency; on 2024-11-06, the first dated count of Elbonia troops "
                        "planned for deployment, 9,000 from Defence Ministry.")
    assert lines[2] == ("No forecast in the corpus is open with a horizon as of 2026-11-23. One forecast is past the "
                        "horizon without a recorded outcome as of 2026-11-23. Projections, not reports, go as high as "
                        "50,000, from one analyst.")
    assert lines[3] == "Based on 2 documents from Daily Example and Wire Example, published 2024-11-06 to 2024-11-07."


def test_changing_the_corpus_changes_the_prose(tmp_path):
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    write_fixture_store(first, composed_corpus())
    write_fixture_store(second, composed_corpus(figure_a=7000, figure_b=8200, agency="the Pentagon"))
    (a, con_a), (b, con_b) = run(first), run(second)
    con_a.close(), con_b.close()
    assert a.bottom_line_sentences != b.bottom_line_sentences
    text = " ".join(b.bottom_line_sentences)
    assert "between 7,000 and 8,200" in text and "the Pentagon" in text and "4,000" not in text
    assert "7,000" in b.reconciliation and "the Pentagon" in b.judgments.iloc[0]["text"]


def test_tables_are_written_with_provenance(composed_store):
    briefing, con = run(composed_store)
    try:
        grades = store.read_table(con, core_tables.SOURCE_GRADES)
        judgments = store.read_table(con, core_tables.JUDGMENTS)
        events = store.read_table(con, core_tables.TIMELINE)
        gaps = store.read_table(con, core_tables.GAPS)
    finally:
        con.close()
    assert list(grades["doc_id"]) == ["alpha", "beta"]
    assert set(grades["reliability"]) <= set("ABCDEF") and grades["rule_text"].notna().all()
    troop = judgments.iloc[0]
    assert troop["topic"] == "Elbonia soldiers deployed" and sorted(troop["claim_ids"]) == ["c1", "c3"]
    assert troop["estimative_phrase"] == "very likely" and troop["confidence"] == "moderate"
    monday = events[events["date_text"] == "on Monday"].iloc[0]
    assert monday["basis"] == "inferred" and monday["event_date"].date() == date(2024, 11, 4)
    assert "casualties" in set(gaps["gap_id"]) and "silent-elbonia" in set(gaps["gap_id"])
    assert briefing.checks["passed"].all(), briefing.checks


def test_formations_are_not_added_to_troop_headcounts(tmp_path):
    tables = composed_corpus()
    doc = tables["documents"][0]
    tables["troop_estimates"].append({**tables["troop_estimates"][0], "value_low": 2, "value_high": 2,
                                      "claim_id": "c9", "unit_category": "formation"})
    for row in tables["troop_estimates"]:
        row.setdefault("unit_category", "personnel")
    path = tmp_path / "w.duckdb"
    COLUMNS["troop_estimates"] = TROOP_COLUMNS + ["unit_category"]
    try:
        write_fixture_store(path, tables)
    finally:
        COLUMNS["troop_estimates"] = TROOP_COLUMNS
    briefing, con = run(path)
    con.close()
    assert doc["doc_id"] == "alpha"
    assert "4,000–4,500" in briefing.reconciliation and " 2–" not in briefing.reconciliation


def test_empty_upstream_tables_still_make_a_briefing_that_says_so(tmp_path):
    tables = composed_corpus()
    empty = {"documents": tables["documents"]}
    path = tmp_path / "empty.duckdb"
    write_fixture_store(path, empty)
    briefing, con = run(path)
    con.close()
    text = " ".join(briefing.bottom_line_sentences)
    assert "no count of anything" in text and "no forecasts" in text
    assert briefing.judgments.empty and "No key judgment" in briefing.judgments_html
    assert "no-claims" in set(briefing.gaps["gap_id"])
    assert "nothing to reconcile" in briefing.reconciliation
    assert "no forecasts" in briefing.forecasts_html


def test_every_fragment_escapes_article_markup(tmp_path):
    path = tmp_path / "markup.duckdb"
    write_fixture_store(path, composed_corpus(markup=True))
    briefing, con = run(path)
    con.close()
    fragments = [briefing.header, briefing.bottom_line, briefing.judgments_html, briefing.judgment_evidence_html,
                 briefing.troops_html, briefing.sources_html, briefing.side_by_side_html, briefing.gaps_html,
                 briefing.timeline_html, briefing.quotes_html, briefing.forecasts_html, briefing.checks_html]
    joined = "".join(fragments)
    assert "<script" not in joined.lower() and "<img" not in joined.lower()
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in joined


def test_header_names_the_folder_never_a_path(composed_store, tmp_path):
    briefing, con = run(composed_store, corpus=str(tmp_path / "deep" / "my_corpus"))
    con.close()
    assert "my_corpus" in briefing.header and str(tmp_path) not in briefing.header
    assert 'data-documents="2"' in briefing.header and "2026-11-23" in briefing.header


def _inputs_with_agency_of_ukraine(verb: str) -> corpus_inputs.Inputs:
    tables = composed_corpus()
    tables["actors"].append({"actor_id": "kia", "name": "Kyiv's intelligence agency", "kind": "government body",
                             "role": None, "affiliation": "Ukraine", "aliases": [], "n_mentions": 2, "n_documents": 2})
    for claim in tables["claims"]:
        claim["reporting_verb"] = verb
    frame = lambda name: pd.DataFrame(tables.get(name, []), columns=COLUMNS[name])  # noqa: E731
    return corpus_inputs.Inputs(documents=frame("documents"), claims=frame("claims"), clusters=frame("claim_clusters"),
                            troops=frame("troop_estimates"), actors=frame("actors"), quotes=frame("quotes"),
                            links=frame("actor_links"), forecasts=frame("forecasts"),
                            evidence=frame("forecast_evidence"))


def test_a_party_that_speaks_but_never_confirms_is_a_gap_and_one_that_confirms_is_not():
    said = _inputs_with_agency_of_ukraine("say")
    gaps = corpus_gaps.intelligence_gaps(said, corpus_grading.graded_claims(said), date(2026, 11, 23))
    assert "unconfirmed-ukraine" in set(gaps["gap_id"]) and "silent-ukraine" not in set(gaps["gap_id"])
    assert "silent-elbonia" in set(gaps["gap_id"])
    confirmed = _inputs_with_agency_of_ukraine("confirm")
    gaps = corpus_gaps.intelligence_gaps(confirmed, corpus_grading.graded_claims(confirmed), date(2026, 11, 23))
    assert "unconfirmed-ukraine" not in set(gaps["gap_id"])


# --- the seeds -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds_briefing(seeds_store):
    """The synthesis tables of the seeds as `make` builds them (conftest's shared seeds store)."""
    from lib.build import SYNTHESIS_TABLES

    con = store.connect(seeds_store, read_only=True)
    try:
        return {t.name: store.read_table(con, t) for t in SYNTHESIS_TABLES}
    finally:
        con.close()


def test_the_seeds_bottom_line_gives_the_best_corroborated_figure_not_the_stale_one(seeds_briefing):
    lines = seeds_briefing["bottom_line"]
    figure = lines[lines["kind"] == "figure"].iloc[0]["text"]
    assert figure.startswith("The best-corroborated figure for North Korean troops deployed is about 10,000")
    assert "against a planned total of 12,000 from the National Intelligence Service" in figure
    assert "US Department of Defense" in figure and "Volodymyr Zelensky" in figure and "1,500" not in figure
    contested = lines[lines["kind"] == "contested"].iloc[0]["text"]
    assert "National Intelligence Service" in contested and "lower figure of 1,500" in contested
    ahead = lines[lines["kind"] == "next"].iloc[0]["text"]
    assert "a prediction by Anders Corr" in ahead and "a stated intention" in ahead
    assert not any("latest" in t and "1,500" in t for t in lines["text"])


def test_no_seeds_judgment_is_about_a_duration_an_army_or_a_hypothesis(seeds_briefing):
    judgments = seeds_briefing["judgments"]
    assert len(judgments)
    for text in judgments["text"]:
        assert "1.2 million" not in text and "few thousand" not in text and "would require" not in text
        assert "years" not in text and "months" not in text
