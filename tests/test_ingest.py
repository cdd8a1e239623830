"""Ingest: every entry gets one row; decoding, cleaning, metadata and dedup on seeds and fixtures.

Fixtures live in tests/fixtures/ingest/ (bad/ holds one file per kind of bad input, composed/
holds short articles written for these tests with phrasings the seeds do not use). Inputs that
cannot be committed sensibly (an oversize file, a broken symlink, a FIFO) are made in tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.build import run_stage
from lib.core import tables as core_tables
from lib.evaluate import ingest as evaluate_ingest
from lib.ingest import clean as ingest_clean
from lib.ingest import dedup as ingest_dedup
from lib.ingest import describe as ingest_describe
from lib.ingest import folder as ingest_folder
from lib.ingest import lines as ingest_lines
from lib.ingest import read as ingest_read
from lib.views import ingest as views_ingest
from lib.core.store import connect, read_table

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
GOLD = ROOT / "lib" / "data" / "gold"


@pytest.fixture(scope="module")
def seed_rows() -> dict[str, dict]:
    return {row["source_path"]: row for row in ingest_folder.ingest_corpus(SEEDS)}


@pytest.fixture(scope="module")
def bad_rows() -> dict[str, dict]:
    return {row["source_path"]: row for row in ingest_folder.ingest_corpus(FIXTURES / "bad")}


def _frame(rows: dict[str, dict]):
    import pandas as pd

    return pd.DataFrame(list(rows.values()))


# --- gold -----------------------------------------------------------------------------------


def test_seed_gold_metadata_and_cleaning(seed_rows):
    scores = evaluate_ingest.gold_scores(_frame(seed_rows), GOLD / "ingest.jsonl").set_index("check")
    failures = evaluate_ingest.gold_failures(_frame(seed_rows), GOLD / "ingest.jsonl")
    assert failures.empty, failures.to_string()
    for field in ("title", "author", "outlet", "published", "published_basis"):
        assert scores.loc[field, "accuracy"] == 1.0, field
    assert scores.loc["boilerplate removed", "recall"] == 1.0
    assert scores.loc["body kept", "recall"] == 1.0


def test_composed_gold_other_phrasings():
    rows = ingest_folder.ingest_corpus(FIXTURES / "composed")
    import pandas as pd

    frame = pd.DataFrame(rows)
    failures = evaluate_ingest.gold_failures(frame, GOLD / "ingest_composed.jsonl")
    assert failures.empty, failures.to_string()
    scores = evaluate_ingest.gold_scores(frame, GOLD / "ingest_composed.jsonl").set_index("check")
    assert scores["recall"].min() == 1.0


def test_every_bad_input_has_the_expected_fate(bad_rows):
    scores = evaluate_ingest.input_gold_scores(_frame(bad_rows), GOLD / "ingest_inputs.jsonl")
    assert scores["correct"].all(), scores[~scores["correct"]].to_string()


def test_gold_scores_can_fail(seed_rows):
    """The scorer notices a wrong title, a lost sentence and leftover boilerplate."""
    rows = {k: dict(v) for k, v in seed_rows.items()}
    first = rows["000_6ab364ddcf69852b.txt"]
    first["title"] = "WORLD NEWS"
    first["text"] = "KCNA via Reuters\n\n8"
    scores = evaluate_ingest.gold_scores(_frame(rows), GOLD / "ingest.jsonl").set_index("check")
    assert scores.loc["title", "accuracy"] < 1.0
    assert scores.loc["boilerplate removed", "recall"] < 1.0
    assert scores.loc["body kept", "recall"] < 1.0


# --- every entry gets one row ----------------------------------------------------------------


def test_generated_bad_entries_each_get_a_rejected_row(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "bad", corpus)
    (corpus / "huge.txt").write_bytes(b"North Korea troops. " * (ingest_read.MAX_BYTES // 20 + 10))
    os.symlink(corpus / "does_not_exist.txt", corpus / "broken_link.txt")
    os.mkfifo(corpus / "pipe.txt")
    os.symlink(corpus / "nested", corpus / "loop_dir")
    rows = {row["source_path"]: row for row in ingest_folder.ingest_corpus(corpus)}
    assert rows["huge.txt"]["status"] == "rejected" and "size limit" in rows["huge.txt"]["reason"]
    assert rows["broken_link.txt"]["status"] == "rejected" and "broken symbolic link" in rows["broken_link.txt"]["reason"]
    assert rows["pipe.txt"]["status"] == "rejected" and "FIFO" in rows["pipe.txt"]["reason"]
    assert rows["loop_dir"]["status"] == "rejected" and "directory" in rows["loop_dir"]["reason"]
    on_disk = ingest_folder.list_entries(corpus)
    assert sorted(rows) == sorted(on_disk)
    assert len({row["doc_id"] for row in rows.values()}) == len(rows)
    con = connect(tmp_path / "store.duckdb")
    table = ingest_folder.run(con, corpus)
    assert len(table) == len(on_disk)
    checks = views_ingest.accounting(table, corpus).set_index("check")["value"]
    assert checks["entries without a row"] == 0 and checks["rows without an entry"] == 0


def test_nested_folder_with_same_stem_gets_a_unique_id(bad_rows):
    assert bad_rows["article.txt"]["doc_id"] == "article"
    assert bad_rows["nested/article.txt"]["doc_id"] == "article__nested"


def test_doc_ids_unique_even_when_folder_names_collide():
    ids = ingest_folder.assign_doc_ids(["a.txt", "x/a.txt", "x/a.md", "x_/a.txt"])
    assert len(set(ids.values())) == 4
    assert ids["a.txt"] == "a"


def test_missing_corpus_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="corpus folder not found"):
        ingest_folder.ingest_corpus(tmp_path / "nope")


def test_a_crash_inside_cleaning_becomes_a_rejected_row(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("Some text that would be fine.", encoding="utf-8")

    def explode(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(ingest_describe, "clean", explode)
    (row,) = ingest_folder.ingest_corpus(tmp_path)
    assert row["status"] == "rejected" and "internal error" in row["reason"]


# --- decoding -----------------------------------------------------------------------------------


def test_decode_utf8_bom_latin1_and_damage(bad_rows):
    assert bad_rows["bom_utf8.txt"]["encoding"] == "utf-8-sig"
    assert not bad_rows["bom_utf8.txt"]["text"].startswith("\ufeff")
    latin = bad_rows["latin1.txt"]
    assert latin["author"] == "Renée François"
    assert "café" in latin["text"] and "naïve" in latin["text"] and "£500 million" in latin["text"]
    assert "legacy encoding" in latin["warnings"]
    damaged = bad_rows["damaged_utf8.txt"]
    assert damaged["status"] == "ok" and damaged["encoding"] == "utf-8"
    assert damaged["n_replacement_chars"] == 1 and "U+FFFD" in damaged["warnings"]
    assert "“unbreakable friendship”" in damaged["text"]


def test_decode_normalises_to_nfc_and_one_newline_convention():
    decoded = ingest_read.decode("Cafe\u0301 one\r\ntwo\rthree".encode("utf-8"))
    assert decoded.text == "Café one\ntwo\nthree"


@pytest.mark.parametrize("raw, reason", [
    (b"", "empty"),
    (b"%PDF-1.4 binary", "PDF"),
    (b"abc\x00def", "NUL"),
    (bytes(range(1, 32)) * 10, "control characters"),
])
def test_decode_rejects_non_text(raw, reason):
    with pytest.raises(ingest_read.Rejected, match=reason):
        ingest_read.decode(raw)


def test_utf16_with_bom_is_text():
    assert ingest_read.decode("North Korea".encode("utf-16")).text == "North Korea"


# --- cleaning -----------------------------------------------------------------------------------


def test_split_caption_and_wrapped_sentence_in_seed_000(seed_rows):
    text = seed_rows["000_6ab364ddcf69852b.txt"]["text"]
    assert "rules of engagement that all but prohibited" in text
    assert "from North Korea's" not in text  # first half of a caption split over a blank line
    assert "Print" not in text and "[A]" not in text and "(#)" not in text
    removed = json.loads(seed_rows["000_6ab364ddcf69852b.txt"]["removed"])
    rules = {item["rule"] for item in removed}
    assert {"section_trail", "share_counter", "buttons", "photo_caption", "byline", "dateline"} <= rules


def test_paragraphs_are_separated_by_a_blank_line(seed_rows):
    for row in seed_rows.values():
        assert "\n\n\n" not in row["text"]
        paragraphs = row["text"].split("\n\n")
        assert len(paragraphs) > 5 and all(p.strip() == p and p for p in paragraphs)


def test_removed_items_are_substrings_of_the_decoded_seed(seed_rows):
    for path, row in seed_rows.items():
        raw = ingest_read.decode((SEEDS / path).read_bytes()).text
        for item in json.loads(row["removed"]):
            assert item["text"] in raw, (path, item)
            assert item["rule"] in views_ingest.RULES


def test_html_markup_stripped_but_title_keeps_script_as_text():
    rows = {r["source_path"]: r for r in ingest_folder.ingest_corpus(FIXTURES / "composed")}
    row = rows["html_markup.txt"]
    assert row["title"] == 'Kremlin <script>alert("pwned")</script> denies & deflects on troop reports'
    assert "<" not in row["text"] and "alert" not in row["text"]
    assert "Moscow’s cooperation" in row["text"]  # &#8217; decoded


def test_caption_line_before_a_credit_is_removed_but_not_a_quote():
    text = ("Headline about the war in Ukraine today\n\n" + "Body sentence with enough words to be prose about the war. " * 3
            + "\n\n\"We will fight on,\" he said.\nAP Photo/Jane Doe\n\nKim Jong Un shakes hands with Vladimir Putin.\n"
            "Mikhail Metzel / AFP – Getty Images\n\nMore body text follows here with enough words to be prose.")
    cleaned = ingest_clean.clean(text)
    assert "\"We will fight on,\" he said." in cleaned.text
    assert "shakes hands" not in cleaned.text and "Getty" not in cleaned.text and "AP Photo" not in cleaned.text


def test_body_mentioning_an_agency_is_not_a_caption():
    line = ingest_lines.Line(0, "", "The report was confirmed by officials, according to Reuters.")
    assert ingest_lines.credit_match(line.text) is None
    assert ingest_lines.credit_match("Troops at the border. KCNA via Reuters") is not None
    assert ingest_lines.credit_match("Reuters") is None  # a masthead, not a credit


def test_title_is_not_a_site_banner(seed_rows):
    assert seed_rows["003_7d9df90af5a7de37.txt"]["title"].startswith("North Korea’s involvement")
    assert seed_rows["004_8aa85571e297137b.txt"]["title"].startswith("What does North Korea gain")


def test_by_monday_is_not_a_byline():
    assert ingest_clean.parse_byline(ingest_lines.Line(0, "", "By Monday, troops had arrived at the front.")) is None
    assert ingest_clean.parse_byline(ingest_lines.Line(0, "", "By Jane Doe, Reuters"))[0] == "Jane Doe"


# --- metadata -----------------------------------------------------------------------------------


def test_inferred_date_is_a_documented_lower_bound_not_a_guessed_day(tmp_path):
    """Changed deliberately: the lower bound used to be stored as `published`; it is now
    published_earliest, and `published` stays NULL (a date is never guessed)."""
    shutil.copy(FIXTURES / "composed" / "inferred_date.txt", tmp_path)
    (row,) = ingest_folder.ingest_corpus(tmp_path)
    assert row["published"] is None and row["published_basis"] == "inferred"
    assert row["published_earliest"] == date(2024, 10, 30)
    assert "Oct. 28, 2024" in row["published_note"] and "Wednesday" in row["published_note"]
    assert "Thursday" not in row["published_note"]  # 'will meet on Thursday' is the future


def test_a_weekday_is_not_anchored_on_the_story_s_own_words():
    """'The Defense Department said on Wednesday ... troops ... moved closer' and the wire's 'the spy
    agency told lawmakers on Wednesday' share only words every article of the story uses (North,
    Korean, Russia, moved): two speakers, not one event, so the weekday stays unanchored (dating
    tests anchor the same event told twice)."""
    rows = {r["source_path"]: r for r in ingest_folder.ingest_corpus(FIXTURES / "composed")}
    row = rows["inferred_date.txt"]
    assert row["published"] is None and not (row["published_basis"] or "").startswith("inferred from")
    assert row["published_earliest"] == date(2024, 10, 30)  # Monday, Oct. 28, then a past Wednesday


def test_undated_article_says_why(seed_rows):
    row = seed_rows["003_7d9df90af5a7de37.txt"]
    assert row["published"] is None and row["published_basis"] is None
    assert "no usable printed date" in row["published_note"] and "cannot be anchored" in row["published_note"]


def test_stated_date_prefers_published_over_updated():
    cleaned = ingest_clean.clean("Title of the article here\n\nUpdated: 11/7/2024\n\nPublished: 11/5/2024\n\n" + "Body text. " * 20)
    published, basis, _ = ingest_describe.published_date(cleaned, "")
    assert published == date(2024, 11, 5) and basis == "stated"
    finding = ingest_describe.text_date(cleaned, "")
    assert (finding.published, finding.basis) == (date(2024, 11, 5), "timestamp")


def test_outlet_self_reference_and_tie():
    cleaned = ingest_clean.Cleaned(text="", removed=[])
    assert ingest_describe.find_outlet(cleaned, "he told NBC News. she told NBC News.")[0] == "NBC News"
    assert ingest_describe.find_outlet(cleaned, "he told CNN. she told The Daily Herald.") == (None, None)
    assert ingest_describe.find_outlet(cleaned, "He said nothing.") == (None, None)


# --- dedup and language -----------------------------------------------------------------------


def test_exact_and_near_duplicates(bad_rows):
    assert bad_rows["article_copy.txt"]["duplicate_of"] == "article"
    near = bad_rows["article_rewrite.txt"]
    assert near["status"] == "duplicate" and near["duplicate_of"] == "article"
    assert ingest_dedup.NEAR_DUPLICATE_THRESHOLD <= near["similarity"] < 1.0
    assert bad_rows["article.txt"]["duplicate_cluster"] == "article"


def test_different_articles_are_not_duplicates(seed_rows):
    assert all(row["status"] == "ok" for row in seed_rows.values())


def test_language_detection_is_deterministic(bad_rows):
    german = (FIXTURES / "bad" / "german.txt").read_text(encoding="utf-8")
    assert {ingest_describe.detect_language(german) for _ in range(3)} == {"de"}
    assert bad_rows["german.txt"]["reason"] == "not English (detected language: de)"


# --- store round trip -----------------------------------------------------------------------------


def test_store_round_trip_and_load_documents(tmp_path):
    con = connect(tmp_path / "store.duckdb")
    run_stage(con, "ingest", SEEDS)
    table = read_table(con, core_tables.DOCUMENTS)
    assert table["status"].tolist() == ["ok"] * 5
    documents = ingest_folder.load_documents(con)
    assert [d.doc_id for d in documents] == sorted(table["doc_id"])
    assert documents[0].published == date(2024, 11, 5)
    assert documents[1].published is None and documents[1].title is None


# --- property test ------------------------------------------------------------------------------

LINE_PIECES = st.sampled_from([
    "[A](#)", "[statement](#)", "![img](x.png)", "<b>", "</p>", "<script>x()</script>", "close", "8", "Save",
    "By Jane Doe", "11/5/2024", "KCNA via Reuters", "Other topics of interest", "\n", "\n\n", " ", "[", "]", "(", ")",
    "North Korea sent troops.", "rules of", "engagement that", "—", "\u00a0", "\r", "\ufffd", "&amp;",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(LINE_PIECES, st.text(max_size=30)), max_size=40).map("".join))
def test_cleaning_never_crashes_and_leaves_no_link_markup(text):
    cleaned = ingest_clean.clean(text)
    assert ingest_clean.LINK_RE.search(cleaned.text) is None
    for item in cleaned.removed:
        assert item["text"] in text
        assert item["rule"] in views_ingest.RULES


def test_gold_table_the_notebook_prints_meets_its_floors(seed_rows):
    table = evaluate_ingest.gold_table(_frame(seed_rows))
    assert set(table["gold"]) == {"seed articles", "composed articles"}
    assert (table["n"] > 0).all()
    assert table["recall"].min() == 1.0
    assert table["accuracy"].dropna().min() == 1.0


def test_title_is_the_first_headline_not_the_deck_nor_a_banner():
    text = ("Daily World News 2024\n\nNorth Korea sends troops\n\n"
            "The deployment marks a turning point for the war in Ukraine, analysts say\n\nBy Jane Doe\n\n"
            + "North Korea has sent troops to Russia, officials said on Monday in a statement to reporters. " * 2)
    cleaned = ingest_clean.clean(text)
    assert cleaned.title == "North Korea sends troops"
    assert cleaned.author == "Jane Doe"
    assert "Daily World News" not in cleaned.text
    assert cleaned.text.startswith("The deployment marks a turning point")


def test_byline_drops_roles_and_copyright_names_the_outlet():
    assert ingest_clean.parse_byline(ingest_lines.Line(0, "", "By Jane Doe, Staff Writer"))[0] == "Jane Doe"
    assert ingest_clean.parse_byline(ingest_lines.Line(0, "", "By Jane Doe and Ann Lee, Associated Press"))[0] == "Jane Doe and Ann Lee"
    text = ("Seoul weighs arms for Kyiv after troop reports\n\n"
            + "South Korea said on Monday it could send weapons to Ukraine if the North's troops fight there. " * 3
            + "\n\nCopyright 2024 The Associated Press. All rights reserved.")
    cleaned = ingest_clean.clean(text)
    assert "Copyright" not in cleaned.text
    assert ingest_describe.find_outlet(cleaned, cleaned.text) == ("Associated Press", "copyright or source line")


# --- the ingest cache ---------------------------------------------------------------------------


def test_reingesting_an_unchanged_folder_reads_the_cache_not_the_cleaner(tmp_path, monkeypatch):
    first = ingest_folder.ingest_corpus(FIXTURES / "bad", tmp_path / "cache")

    def no_cleaning(row, text):
        raise AssertionError("an unchanged file was cleaned again")

    monkeypatch.setattr(ingest_folder, "describe_text", no_cleaning)
    second = ingest_folder.ingest_corpus(FIXTURES / "bad", tmp_path / "cache")
    assert second == first  # rejections (and their reasons) come back from the cache too


def test_only_a_changed_file_is_cleaned_again(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    first = {r["doc_id"]: r for r in ingest_folder.ingest_corpus(corpus, tmp_path / "cache")}
    changed = sorted(corpus.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nA paragraph added later by the editors.\n",
                       encoding="utf-8")
    described, original = [], ingest_describe.describe_text

    def counting(row, text):
        described.append(text)
        return original(row, text)

    monkeypatch.setattr(ingest_folder, "describe_text", counting)
    second = {r["doc_id"]: r for r in ingest_folder.ingest_corpus(corpus, tmp_path / "cache")}
    assert len(described) == 1
    assert second[changed.stem]["text"].endswith("added later by the editors.")
    assert {k: v for k, v in second.items() if k != changed.stem} == {k: v for k, v in first.items() if k != changed.stem}
