"""Actors: resolution within a document, the cross-document registry, roles, gold floors."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.build import run_stage
from lib.corpus import actors as corpus_actors
from lib.corpus import registry as corpus_registry
from lib.evaluate import actors as evaluate_actors
from lib.extract import mentions as extract_mentions
from lib.extract import names as extract_names
from lib.views import actors as views_actors
from lib.ingest import folder as ingest
from lib.extract import quotes
from lib.core.nlp import load_model
from lib.core.store import connect
from lib.core.document import Document

SEEDS = "seeds"
# The seeds' story knowledge (officials, "the Alliance") lives in the example corpus alias file, as
# a user's own would: the seed and composed gold on that story are measured with it.
STORY_ALIASES = str(extract_names.DATA_DIR / "corpus_aliases.example.yaml")


@pytest.fixture
def story_aliases(monkeypatch):
    monkeypatch.setenv(extract_names.ALIASES_ENV, STORY_ALIASES)


def mentions_of(text: str, author: str | None = None, doc_id: str = "t") -> list[dict]:
    return extract_mentions.extract_mentions(Document(doc_id, text, author=author), load_model()(text))


def names(text: str, **kw) -> dict[str, str]:
    return {m["text"]: m["name"] for m in mentions_of(text, **kw)}


@pytest.fixture(scope="module")
def seed_tables(tmp_path_factory):
    """The stage's tables for the seeds, computed with this stage's functions only."""
    previous = os.environ.get(extract_names.ALIASES_ENV)
    os.environ[extract_names.ALIASES_ENV] = STORY_ALIASES
    try:
        yield _seed_tables(tmp_path_factory)
    finally:
        if previous is None:
            os.environ.pop(extract_names.ALIASES_ENV, None)
        else:
            os.environ[extract_names.ALIASES_ENV] = previous


def _seed_tables(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("store") / "w.duckdb")
    run_stage(con, "ingest", SEEDS)
    documents = ingest.load_documents(con)
    nlp = load_model()
    mention_rows, quote_rows = [], []
    for document in documents:
        parsed = nlp(document.text)
        doc_mentions = extract_mentions.extract_mentions(document, parsed)
        mention_rows += doc_mentions
        quote_rows += quotes.extract_quotes(document, parsed, doc_mentions)
    frame = pd.DataFrame([{"doc_id": d.doc_id, "text": d.text, "outlet": d.outlet} for d in documents])
    mentions = pd.DataFrame(mention_rows)
    return corpus_actors.stage_tables(mentions, pd.DataFrame(quote_rows), frame, corpus_registry.build_registry(mentions))


def test_demonyms_capitals_and_metonyms_stand_for_their_actor():
    found = names("North Korean troops arrived. Moscow said the Kremlin welcomed them, and Kyiv protested. "
                  "Pyongyang and the DPRK's envoy stayed silent.")
    assert found["North Korean"] == "North Korea"
    assert found["Moscow"] == "Russia"
    assert found["the Kremlin"] == "Russian government"
    assert found["Kyiv"] == "Ukraine"
    assert found["Pyongyang"] == "North Korea"
    assert found["DPRK"] == "North Korea"
    kinds = {m["name"]: m["kind"] for m in mentions_of("the Kremlin said so.")}
    assert kinds["Russian government"] == "government body"


def test_surname_resolves_to_the_full_name_used_in_the_document():
    found = names("Defense analyst Jennifer Lind spoke first. Later, Lind said the units were small.")
    assert found["Lind"] == "Jennifer Lind"


def test_byline_and_photo_credits_are_not_actors():
    text = "By Jane Doe\n\nTroops near the border. Sergei Bobylev/TASS via Getty Images\n\nNATO said more troops came."
    found = names(text, author="Jane Doe")
    assert "Jane Doe" not in found.values()
    assert not any("Bobylev" in n or "Getty" in n for n in found.values())
    assert found["NATO"] == "NATO"


def test_titles_and_appositions_give_roles_and_affiliations():
    rows = mentions_of("NATO Secretary-General Mark Rutte spoke. \"It matters,\" said Jennifer Lind, "
                       "a professor at Dartmouth College, on Monday.")
    roles = {m["name"]: (m["role"], m["affiliation"]) for m in rows if m["role"]}
    assert roles["Mark Rutte"] == ("Secretary-General", "NATO")
    assert roles["Jennifer Lind"][0].startswith("a professor at Dartmouth College")
    assert roles["Jennifer Lind"][1] == "Dartmouth College"


def test_registry_merges_spelling_variants_across_documents():
    frame = pd.DataFrame([
        {"doc_id": "a", "name": "Volodymyr Zelenskyy", "kind": "person", "text": "Volodymyr Zelenskyy", "rule": "full-name"},
        {"doc_id": "b", "name": "Volodymyr Zelensky", "kind": "person", "text": "Volodymyr Zelensky", "rule": "alias"},
        {"doc_id": "c", "name": "Kim Jong-un", "kind": "person", "text": "Kim Jong-un", "rule": "alias"},
        {"doc_id": "c", "name": "Kim Jong Il", "kind": "person", "text": "Kim Jong Il", "rule": "full-name"},
        {"doc_id": "d", "name": "Zelensky", "kind": "person", "text": "Zelensky", "rule": "unresolved-partial"},
    ])
    registry = corpus_registry.build_registry(frame)
    assert registry.canonical("Volodymyr Zelenskyy") == "Volodymyr Zelensky"
    assert registry.canonical("Zelensky") == "Volodymyr Zelensky"
    assert registry.canonical("Kim Jong-un") == registry.canonical("Kim Jong Un")
    assert registry.canonical("Kim Jong Il") == "Kim Jong Il"  # a different man, never merged
    assert registry.actor_id("Volodymyr Zelenskyy") == "volodymyr-zelensky"
    assert registry.canonical(None) is None


def test_resolve_in_document_maps_raw_sources_like_mentions():
    rows = mentions_of("NATO Secretary-General Mark Rutte said troops were in Kursk. The Pentagon agreed.")
    assert extract_mentions.resolve_in_document("Rutte", rows) == "Mark Rutte"
    assert extract_mentions.resolve_in_document("the Pentagon", rows) == "US Department of Defense"
    assert extract_mentions.resolve_in_document("South Korea's National Intelligence Service", rows) == "National Intelligence Service"
    assert extract_mentions.resolve_in_document("Kyiv's intelligence agency", rows) == "Main Intelligence Directorate of Ukraine"
    assert extract_mentions.resolve_in_document("analysts", rows) is None


def test_fuzzy_threshold_is_the_measured_one():
    sweep = evaluate_actors.measure_fuzzy_threshold()
    assert evaluate_actors.best_threshold(sweep) == corpus_registry.FUZZY_THRESHOLD
    assert sweep.loc[sweep["threshold"] == int(corpus_registry.FUZZY_THRESHOLD), "f1"].iloc[0] >= 0.85


def test_alias_file_compiles_to_ruler_patterns_with_ids():
    patterns = extract_mentions.ruler_patterns()
    assert all(p["id"] for p in patterns)
    assert {"label": "GPE", "pattern": "Pyongyang", "id": "North Korea"} in patterns
    assert all(e.kind in extract_names.KINDS for e in extract_names.alias_book().entries)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["Moscow ", "Kim Jong Un ", "NATO ", "said ", "the Kremlin's ", "“", "” ", ". ", "\n\n",
                                  "Rutte ", "x "]), max_size=30).map("".join))
def test_mentions_point_into_the_text(text):
    for m in mentions_of(text):
        assert 0 <= m["char_start"] < m["char_end"] <= len(text)
        assert text[m["char_start"]:m["char_end"]] == m["text"]


def test_gold_floors_on_composed_mentions(story_aliases):
    scores = evaluate_actors.score_composed_mentions()
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9


def test_gold_floors_on_seeds(seed_tables):
    seed_mentions = seed_tables["mentions"]
    scores = evaluate_actors.score_seed_mentions(seed_mentions, seed_tables["actors"])
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9
    roles = evaluate_actors.score_roles(seed_tables["actors"])
    assert roles["kind accuracy"] >= 0.9 and roles["role recall"] >= 0.85 and roles["affiliation accuracy"] >= 0.85


def test_links_and_merges_tables_are_well_formed(seed_tables):
    links = seed_tables["actor_links"]
    assert set(links["relation"]) <= {"co-mentioned", "quotes", "quoted-by", "affiliated-with"}
    assert (links["weight"] >= 1).all() and (links["actor_a"] != links["actor_b"]).all()
    ids = set(seed_tables["actors"]["actor_id"])
    assert set(links["actor_a"]) <= ids and set(seed_tables["mentions"]["actor_id"]) <= ids
    merges = seed_tables["alias_merges"]
    assert {"alias", "canonical", "rule", "score"} <= set(merges.columns)


def test_displacy_article_escapes_text_and_labels():
    frame = pd.DataFrame([{"char_start": 0, "char_end": 3, "actor_id": "a"}])
    html = views_actors.displacy_html("K<m <script>x</script>", frame, {"a": "Kim <i>Un</i>"}, {"a": "person"})
    assert "<script>" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "Kim &lt;i&gt;Un&lt;/i&gt;" in html


def test_network_figure_is_deterministic(seed_tables):
    first = views_actors.plot_network(seed_tables["actor_links"], seed_tables["actors"])
    second = views_actors.plot_network(seed_tables["actor_links"], seed_tables["actors"])
    positions = [[tuple(map(tuple, c.get_offsets())) for c in f.axes[0].collections] for f in (first, second)]
    assert positions[0] == positions[1]
    assert tuple(first.get_size_inches()) == (11.0, 8.0)


# ---------------------------------------------------------------- a story nobody wrote a dictionary for

def test_title_and_surname_resolve_to_the_full_name_with_its_particle():
    found = names("Army chief Abdel Karim al-Mansouri addressed troops on Monday. "
                  "Hours later, General Mansouri said the offensive would continue.")
    assert found["Mansouri"] == "Abdel Karim al-Mansouri"


def test_role_resolves_to_the_one_person_the_article_gave_it():
    found = names("Defence Minister Halima Osei visited the front on Tuesday with the mayor, Tom Reid. "
                  "The defence minister said more drones were on their way.")
    assert found["The defence minister"] == "Halima Osei"


def test_words_before_a_name_describe_it_only_back_to_the_previous_name():
    """'Governor X told President Y': the governor is X (or nobody), never Y."""
    found = names("Governor Petrenko told President Olena Marchuk on Monday that 4,000 people had "
                  "been evacuated. The governor said more buses were coming.")
    assert found.get("The governor") != "Olena Marchuk"


def test_role_shared_by_two_people_stays_unresolved():
    found = names("President Joseph Boakye met President Samuel Mensah in Accra. The president said talks went well.")
    assert "The president" not in found


def test_acronym_and_nickname_defined_in_the_text():
    found = names("Fighters of the Northern Liberation Front (NLF) seized the town. Its commander, "
                  "Joseph Ekwueme, widely known as Leopard, spoke by phone. The NLF said Leopard would "
                  "visit the town.")
    assert found["NLF"] == "Northern Liberation Front"
    assert found["Leopard"] == "Joseph Ekwueme"


def test_state_army_and_its_back_reference_are_one_body():
    rows = mentions_of("The Sudanese army said it repelled the attack. The army said its air defences held.")
    by_text = {m["text"]: m["name"] for m in rows}
    assert by_text["Sudanese army"] == by_text["The army"] != "Sudan"


def test_two_people_with_one_surname_are_kept_apart():
    frame = pd.DataFrame([m for i, text in enumerate((
        "Ruth Kamau, the health minister, said the clinics were full. Kamau asked for help.",
        "Daniel Kamau, an army general, said the road was open.",
        "Kamau said nothing more.")) for m in mentions_of(text, doc_id=f"d{i}")])
    registry = corpus_registry.build_registry(frame)
    assert registry.canonical("Ruth Kamau") != registry.canonical("Daniel Kamau")
    assert registry.canonical("Kamau") == "Kamau"  # two carriers: a lone surname joins neither


def test_a_corpus_alias_file_extends_the_book_and_changes_its_fingerprint(tmp_path, monkeypatch):
    general = extract_names.alias_book().fingerprint()
    own = tmp_path / "aliases.yaml"
    own.write_text("actors:\n  - {name: NATO, aliases: [the Alliance]}\n"
                   "  - {name: Kaya Brigade, kind: military, aliases: [the Brigade]}\n", encoding="utf-8")
    monkeypatch.setenv(extract_names.ALIASES_ENV, str(own))
    book = extract_names.alias_book()
    assert book.fingerprint() != general
    assert book.lookup("the Alliance")[0].name == "NATO" and "NATO" in book.by_name
    assert book.by_name["NATO"].kind == "international organisation"
    assert names("the Brigade said so.")["the Brigade"] == "Kaya Brigade"


def test_alias_matches_leave_the_parsed_entities_alone():
    doc = load_model()("The Kremlin said the Pentagon was wrong.")
    before = [(e.start, e.end, e.label_) for e in doc.ents]
    spans = extract_mentions.entity_spans(doc)
    assert [(e.start, e.end, e.label_) for e in doc.ents] == before
    assert any(s.id_ == "US Department of Defense" for s in spans)
