"""Readers: saved pages, exports and the metadata sidecar. Every input gives a record, every bad
one a reason, nothing is fetched, and no markup reaches the text."""

from __future__ import annotations

import csv
import json
import os
import socket
import time
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.core.config import REPO_DIR
from lib.ingest import sources
from lib.ingest.folder import ingest_corpus
from lib.ingest import exports
from lib.ingest.exports import parse_published, read_records
from lib.ingest.sidecar import apply_sidecar, read_sidecar
from lib.ingest.sources import read_html

FIXTURES = REPO_DIR / "tests" / "fixtures" / "formats"
PAGES, EXPORTS, SIDECAR = FIXTURES / "pages", FIXTURES / "exports", FIXTURES / "text_with_sidecar"


def _page(name: str) -> sources.Record:
    return read_html((PAGES / name).read_bytes(), name)


@pytest.fixture(autouse=True)
def network_attempts(monkeypatch):
    """Every attempt to resolve or connect is refused and recorded, and a test that made one
    fails: saved pages must never be fetched. Recording matters because urllib3 and htmldate
    swallow the refusal."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access refused by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert not attempts, f"network access attempted: {attempts}"


def test_the_network_guard_sees_what_htmldate_would_fetch(network_attempts):
    import htmldate

    with pytest.raises(ValueError):
        htmldate.find_date("https://news.example/sudan")  # a str that looks like a URL is downloaded
    assert network_attempts
    network_attempts.clear()


# ----------------------------------------------------------------------------------------------
# Saved web pages


def test_saved_page_gives_plain_body_and_metadata():
    record = _page("el_fasher_market.html")
    assert record.status == "ok", record.reason
    assert record.title == "Shelling hits El Fasher market as siege tightens"
    assert (record.author, record.outlet) == ("Amina Idris", "The Horn Observer")
    assert record.url == "https://hornobserver.example/africa/2025/03/03/el-fasher-market-shelling"
    assert (record.published, record.published_basis) == (date(2025, 3, 3), "html")
    assert "article:published_time" in record.published_note
    assert record.text.startswith("Artillery shells landed") and "\n\n" in record.text
    assert record.title not in record.text


def test_scripts_styles_and_page_furniture_never_reach_the_text_but_stay_auditable():
    record = _page("el_fasher_market.html")
    for absent in ("INJECTED BY SCRIPT", "AD SLOT", "alert", "cookie", "Related stories", "All rights reserved", "<", ">"):
        assert absent not in record.text
    rules = {item["rule"] for item in record.removed}
    assert {"html: script (never run)", "html: style", "html: not main content", "title"} <= rules
    removed_text = [item["text"] for item in record.removed]
    assert any("We use cookies" in t for t in removed_text)
    assert "Convoy turned back on the road to Mellit" in removed_text
    assert all(set(item) == {"text", "rule"} for item in record.removed)


def test_tag_shaped_text_printed_on_the_page_is_removed_from_the_body():
    record = _page("sagaing_airstrike.html")
    assert record.status == "ok"
    assert "<script>" not in record.text and "</script>" not in record.text and "alert(1)" in record.text
    assert {"text": "<script>", "rule": "html: markup in text"} in record.removed
    assert not any(i["text"].startswith("Rights groups") for i in record.removed)  # the paragraph itself was kept
    assert (record.published, record.author) == (date(2025, 2, 14), "Khin Mar Aye")  # datePublished, not dateModified


def test_page_without_date_markup_is_dated_from_its_dateline_not_from_an_event_in_the_body():
    record = _page("bab_el_mandeb_no_markup_date.html")
    assert (record.published, record.published_basis) == (date(2025, 2, 14), "dateline")
    assert record.published_earliest == date(2025, 2, 11)  # htmldate's free-text search would say 11 February


def test_section_front_is_rejected_and_its_copyright_year_is_no_date():
    record = _page("nav_only.html")
    assert record.status == "rejected" and record.reason.startswith("no article text found in the page")
    assert record.published is None


def test_malformed_page_is_rejected_with_a_reason_not_a_crash():
    record = _page("malformed.html")
    assert record.status == "rejected" and "no article text found in the page" in record.reason


def test_extractor_finding_nothing_is_a_rejection(monkeypatch):
    monkeypatch.setattr(sources, "_extract", lambda page: None)
    record = _page("el_fasher_market.html")
    assert (record.status, record.reason) == ("rejected", "no article text found in the page")


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02\x03" * 100, b"%PDF-1.7 binary", b"<html><body></body></html>",
                                  b"<<<<>>>>", "<p>caf\u00e9</p>".encode("utf-16")])
def test_degenerate_pages_never_raise(data):
    record = read_html(data, "odd.html")
    assert record.status == "rejected" and record.reason


def test_fifty_megabyte_page_is_rejected_quickly_before_parsing():
    data = b"<html><body>" + b"<p>Convoy reports from Darfur.</p>" * 1_600_000
    assert len(data) > 50_000_000
    started = time.perf_counter()
    record = read_html(data, "huge.html")
    assert time.perf_counter() - started < 1.0
    assert record.status == "rejected" and "5,000,000-byte size limit" in record.reason and record.raw_html is None


def test_a_page_that_is_only_a_url_is_not_fetched():
    record = read_html(b"https://news.example/sudan/el-fasher-market", "url_only.html")
    assert record.status == "rejected"  # and the autouse fixture saw no connection attempt


def test_page_in_a_declared_legacy_encoding():
    html = ("<html><head><meta charset='windows-1252'><title>Ménaka</title></head><body><article><p>"
            + "L'armée malienne a déclaré que des hommes armés avaient attaqué un poste près de Ménaka, "
              "and residents said the fighting lasted until dawn while reinforcements came from Gao. " * 3
            + "</p></article></body></html>")
    record = read_html(html.encode("cp1252"), "menaka.html")
    assert record.status == "ok" and "près de Ménaka" in record.text
    assert "legacy encoding detected: windows-1252" in record.warnings


# ----------------------------------------------------------------------------------------------
# Exports


def _by_no(records: list[sources.Record]) -> dict[int, sources.Record]:
    return {r.record_no: r for r in records}


def test_jsonl_export_broken_lines_are_rejected_and_the_others_go_on():
    records = _by_no(read_records(EXPORTS / "newsplease_export.jsonl", "newsplease_export.jsonl"))
    assert sorted(records) == [1, 2, 3, 5, 6, 7, 8, 9]  # line 4 is blank: no article, no record
    assert [records[n].status for n in (1, 2, 9)] == ["ok"] * 3
    assert records[3].reason.startswith("not JSON")
    assert records[5].reason == "no article text: its 'maintext' field is empty"
    assert records[6].reason == "a JSON list, not an article object"
    assert records[7].reason.startswith("bad publication date 'the thirty-first of Smarch'")
    assert records[8].reason.startswith("not JSON") and records[8].location == "line 8"


def test_jsonl_fields_are_recognised_case_insensitively_and_lists_joined():
    records = _by_no(read_records(EXPORTS / "newsplease_export.jsonl", "x.jsonl"))
    first, second = records[1], records[2]
    assert (first.author, first.outlet, first.published, first.published_basis) == (
        "Hiba Mahmoud, Yasir Osman", "sudanwire.example", date(2025, 3, 11), "metadata")
    assert "date_publish" in first.published_note
    assert (second.title, second.outlet, second.url) == ("Houthi missile misses tanker off Mokha", "gulfdesk.example",
                                                         "https://gulfdesk.example/mokha")
    assert second.published is None  # no date field value, and nothing in the text dates it
    assert records[9].published is None  # read_records reads; dating from the text is the ingest stage's
    dated = {r["doc_id"]: r for r in ingest_corpus(EXPORTS)}["newsplease_export#9"]
    assert (dated["published"], dated["published_basis"], dated["record_no"]) == (date(2025, 3, 14), "dateline", 9)


def test_json_export_with_a_list_under_results_and_a_bad_date():
    records = read_records(EXPORTS / "mediacloud_export.json", "mc.json")
    assert [(r.record_no, r.location, r.status) for r in records] == [(1, "item 1", "ok"), (2, "item 2", "rejected")]
    assert records[0].outlet == "Irrawaddy Ledger" and records[0].published == date(2025, 4, 3)
    assert "2025-02-30" in records[1].reason


@pytest.mark.parametrize("document, n_ok", [
    ([{"content": "Fighting near Sennar."}, {"body": "Shelling in Omdurman."}], 2),
    ({"data": [{"text": "Fighting near Sennar."}]}, 1),
    ({"hits": {"hits": [{"_source": {"maintext": "Fighting near Sennar."}}]}}, 1),
    ({"text": "One article on its own.", "title": "Alone"}, 1),
])
def test_json_shapes(tmp_path, document, n_ok):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert sum(r.status == "ok" for r in read_records(path, "export.json")) == n_ok


@pytest.mark.parametrize("content, reason", [
    ('{"count": 3, "meta": {}}', "no list of articles found"),
    ("[{", "not JSON"),
    ("[]", "the export holds no records"),
    ("[" * 100_000 + "]" * 100_000, ""),
])
def test_unusable_json_file_is_one_rejected_record(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    [record] = read_records(path, "bad.json")
    assert record.status == "rejected" and reason in record.reason


def test_csv_export_with_multiline_field_row_without_text_and_ambiguous_date():
    records = read_records(EXPORTS / "gdelt_tool_export.csv", "gdelt.csv")
    first, no_text, ambiguous = records
    assert (first.record_no, first.location, first.status) == (1, "row 1 (lines 2-4)", "ok")
    assert first.text.count("\n\n") == 1 and '"nobody slept"' in first.text
    assert (no_text.status, no_text.reason) == ("rejected", "no article text: its 'text' field is empty")
    assert ambiguous.status == "ok" and ambiguous.published is None
    assert "ambiguous publication date '03/04/2025'" in ambiguous.warnings[0]


def test_latin1_csv_is_decoded_as_western_and_semicolons_are_detected():
    first, second = read_records(EXPORTS / "sahel_latin1.csv", "sahel.csv")
    assert first.title == "Attaque près de Ménaka : l'armée malienne fait état de pertes"
    assert first.outlet == "Le Sahélien" and first.encoding == "cp1252"
    assert "legacy encoding detected: cp1252" in first.warnings
    assert (first.published, second.published) == (date(2025, 3, 14), date(2025, 3, 16))


def test_csv_field_larger_than_the_csv_module_default_limit(tmp_path):
    body = "Convoys waited at the border crossing while officials argued over permits. " * 3000  # ~230 KB
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["title", "text"], ["Long report", body]])
    [record] = read_records(path, "big.csv")
    assert record.status == "ok" and len(record.text) > 131_072


def test_field_map_overrides_the_usual_names(tmp_path):
    path = tmp_path / "custom.csv"
    path.write_text("headline,story_body,text,when\nBridge hit,The bridge was hit by a drone.,teaser only,2025-03-04\n",
                    encoding="utf-8")
    [record] = read_records(path, "custom.csv", field_map={"text": "Story_Body", "published": "when"})
    assert (record.text, record.title, record.published) == ("The bridge was hit by a drone.", "Bridge hit", date(2025, 3, 4))
    [missing] = read_records(path, "custom.csv", field_map={"author": "writer"})
    assert "field_map names column 'writer', which the file does not have" in missing.warnings
    with pytest.raises(ValueError, match="unknown fields"):
        exports.field_lookup(["a"], {"body_text": "a"})


def test_html_inside_an_export_field_becomes_plain_text(tmp_path):
    path = tmp_path / "html_text.jsonl"
    text = "<p>Shelling hit Omdurman.</p><script>steal()</script><p>Residents fled &amp; hid.</p>"
    path.write_text(json.dumps({"text": text, "title": "Omdurman"}) + "\n", encoding="utf-8")
    [record] = read_records(path, "html_text.jsonl")
    assert record.text == "Shelling hit Omdurman.\n\nResidents fled & hid."
    assert {"text": "steal()", "rule": "html: script (never run)"} in record.removed


def test_undated_export_record_takes_its_year_from_the_corpus(tmp_path):
    body = " The army said it had retaken the bridge over the Blue Nile after two days of fighting, and residents " \
           "who had fled to Sinja began to return, according to local aid workers who spoke to reporters by phone."
    lines = [{"text": "Fighting near Sennar intensified, the army said." + body, "date": "2025-03-01"},
             {"text": "SENNAR, March 3 (Reuters) - Paramilitary fighters shelled the market in Singa on Sunday, "
                      "killing at least nine people, a medical source said, while the army claimed new gains south "
                      "of the city and the United Nations warned that food stocks in the state would run out soon."}]
    (tmp_path / "mixed.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    _, undated = ingest_corpus(tmp_path)
    assert (undated["published"], undated["published_basis"]) == (date(2025, 3, 3), "dateline")
    assert "from the corpus" in undated["published_note"]


@pytest.mark.parametrize("value, day", [
    ("2025-03-03", date(2025, 3, 3)),
    ("2025-03-03T23:30:00-05:00", date(2025, 3, 3)),
    ("20250303091500", date(2025, 3, 3)),
    ("20250303T091500Z", date(2025, 3, 3)),
    ("Mon, 03 Mar 2025 09:12:00 GMT", date(2025, 3, 3)),
    ("March 3, 2025", date(2025, 3, 3)),
    ("3 March 2025 09:12 GMT", date(2025, 3, 3)),
    ("14/03/2025", date(2025, 3, 14)),
    (1741000000, date(2025, 3, 3)),
    ("1741000000000", date(2025, 3, 3)),
    ("", None),
    (None, None),
])
def test_parse_published(value, day):
    assert parse_published(value) == (day, None)


@pytest.mark.parametrize("value", ["2025-02-30", "soon", "Smarch 31"])
def test_bad_published_values_are_rejections(value):
    """(A date after today is no longer refused: nothing may depend on the wall clock.)"""
    with pytest.raises(sources.Rejected, match="bad publication date"):
        parse_published(value)


# ----------------------------------------------------------------------------------------------
# Metadata sidecar and folders


def test_sidecar_names_a_missing_file_and_a_bad_date_as_problems_not_failures():
    metadata, problems = read_sidecar(SIDECAR)
    assert set(metadata) == {"kassala_water.txt", "khartoum_dateline.txt", "mopti_undated.txt"}
    assert any("names 'missing_article.txt', which is not in the folder" in p for p in problems)
    assert any("row 4" in p and "'soon'" in p for p in problems)
    assert metadata["mopti_undated.txt"]["outlet"] == "Sahel Monitor" and metadata["mopti_undated.txt"]["published"] is None


def test_sidecar_wins_over_the_text_and_a_conflicting_dateline_is_a_warning():
    rows = {r["source_path"]: r for r in ingest_corpus(SIDECAR)}
    khartoum = rows["khartoum_dateline.txt"]
    assert (khartoum["published"], khartoum["published_basis"]) == (date(2025, 3, 4), "metadata")
    assert "gives published 2025-03-04, but the text's dateline says 2025-03-03" in khartoum["warnings"]
    kassala = rows["kassala_water.txt"]
    assert (kassala["title"], kassala["author"], kassala["published"], kassala["url"]) == (
        "Aid groups warn of water shortages in Kassala camps", "Hiba Mahmoud", date(2025, 2, 10),
        "https://horn.example/kassala-water")
    assert kassala["warnings"] is None
    mopti = rows["mopti_undated.txt"]
    assert (mopti["outlet"], mopti["outlet_basis"], mopti["published"], mopti["published_basis"]) == (
        "Sahel Monitor", "metadata", date(2025, 3, 18), "timestamp")
    sidecar = rows["metadata.csv"]
    assert sidecar["status"] == "metadata" and "describes 3 file(s)" in sidecar["reason"]
    assert "names 'missing_article.txt', which is not in the folder" in sidecar["warnings"]
    assert "'soon'" in sidecar["warnings"]


def test_apply_sidecar_reports_a_differing_title():
    record = sources.Record("a.html", None, "html", title="Old headline")
    warnings = apply_sidecar(record, {"title": "New headline", "row_no": 2}, None)
    assert record.title == "New headline" and "the metadata is kept" in warnings[0]


def test_folder_without_sidecar_or_without_file_column(tmp_path):
    assert read_sidecar(tmp_path) == ({}, [])
    (tmp_path / "metadata.csv").write_text("name,published\na.txt,2025-03-01\n", encoding="utf-8")
    assert read_sidecar(tmp_path)[1] == ["metadata.csv: no 'file' column, so no row can be matched to a file; not used"]


def test_every_entry_of_a_folder_becomes_a_row(tmp_path):
    (tmp_path / "story.txt").write_text("KHARTOUM, March 3, 2025 (Reuters) - Shelling resumed." * 10, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(tmp_path / "pipe.html")
    os.mkfifo(tmp_path / "pipe.jsonl")
    rows = {r["source_path"]: r for r in ingest_corpus(tmp_path)}
    assert set(rows) == {"story.txt", "empty.txt", "dangling.txt", "pipe.html", "pipe.jsonl"}
    assert rows["story.txt"]["published"] == date(2025, 3, 3)
    assert rows["empty.txt"]["reason"] == "empty file (0 bytes)"
    assert rows["dangling.txt"]["reason"].startswith("broken symbolic link")
    assert rows["pipe.html"]["reason"] == rows["pipe.jsonl"]["reason"] == "not a regular file: a FIFO (named pipe)"


def test_all_fixtures_read_without_error():
    rows = ingest_corpus(FIXTURES)
    assert all(r["status"] in ("ok", "rejected", "duplicate", "metadata") for r in rows)
    assert all((r["status"] == "ok") == (r.get("reason") is None) for r in rows)
    assert not any("internal error" in (r.get("reason") or "") for r in rows)
    assert all(isinstance(json.loads(r["removed"]), list) for r in rows if r.get("removed"))
    assert len({r["doc_id"] for r in rows}) == len(rows)


HTML_PIECES = st.sampled_from(["<html>", "<body>", "<p>", "</p>", "<script>", "</script>", "<div class='x'>", "</div>",
                               "Shelling hit the market in El Fasher, residents said. ", "&amp;", "&lt;script&gt;",
                               "<meta property='article:published_time' content='2025-03-03'>", "\x00", "é", "<<", "https://x.example"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(HTML_PIECES, max_size=60).map("".join))
def test_read_html_never_raises_and_never_leaks_markup(page):
    record = read_html(page.encode("utf-8"), "fuzz.html")
    assert record.status in ("ok", "rejected") and (record.status == "ok") == (record.reason is None)
    assert record.status == "rejected" or "<" not in record.text or not sources.TAG_TEXT_RE.search(record.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=80), max_size=8))
def test_jsonl_of_random_lines_gives_one_record_per_non_blank_line(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.jsonl"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines))
    records = read_records(path, "fuzz.jsonl")
    expected = sum(bool(line.replace(b"\n", b" ").replace(b"\r", b" ").strip()) for line in lines)
    assert len(records) == max(expected, 1)
    assert all(r.reason for r in records if r.status == "rejected")


# ----------------------------------------------------------------------------------------------
# The ingest stage on real formats, headless


@pytest.fixture(scope="module")
def formats_build(tmp_path_factory):
    """The formats fixtures plus a 50 MB page, built by lib.build.build_store (every stage)."""
    from lib.build import build_store, store_tables

    root = tmp_path_factory.mktemp("formats")
    corpus = root / "corpus"
    import shutil

    shutil.copytree(FIXTURES, corpus)
    (corpus / "pages" / "huge.html").write_bytes(b"<html><body>" + b"<p>Shelling.</p>" * 3_300_000 + b"</body></html>")
    build_store(root / "out" / "workbook.duckdb", corpus)
    return corpus, store_tables(root / "out" / "workbook.duckdb")["documents"]


def test_formats_corpus_builds_and_every_article_and_bad_record_has_a_row(formats_build):
    corpus, documents = formats_build
    rows = documents.set_index("doc_id")
    assert documents["doc_id"].is_unique
    assert set(documents["source_path"]) == {p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file()}
    for bad, words in [("newsplease_export#3", "not JSON"), ("newsplease_export#8", "not JSON"),
                       ("mediacloud_export#2", "bad publication date"), ("gdelt_tool_export#2", "no article text"),
                       ("malformed", "no article text"), ("huge", "size limit")]:
        assert rows.at[bad, "status"] == "rejected" and words in rows.at[bad, "reason"], bad
    assert rows.at["newsplease_export#9", "record_no"] == 9 and rows.at["newsplease_export#9", "source_path"] == "exports/newsplease_export.jsonl"
    assert documents.loc[documents["record_no"].isna(), "source_path"].is_unique
    latin = rows.loc[["sahel_latin1#1", "sahel_latin1#2"]]
    assert (latin["status"] == "ok").all() and latin["warnings"].str.contains("cp1252").all()
    assert rows.at["metadata", "status"] == "metadata" and "missing_article.txt" in rows.at["metadata", "warnings"]
    page = rows.loc["el_fasher_market"]
    assert page["published_basis"] == "html" and page["url"].startswith("https://") and "<" not in page["text"]
    assert any(item["rule"] == "html: script (never run)" for item in json.loads(page["removed"]))


def test_the_views_account_for_every_entry_and_show_the_new_bases(formats_build):
    from lib.views import ingest as views_ingest

    corpus, documents = formats_build
    checks = views_ingest.accounting(documents, corpus).set_index("check")["value"]
    assert checks["entries without a row"] == 0 and checks["rows without an entry"] == 0
    assert checks["single-article entries with more than one row"] == 0 and checks["rows that are export records"] > 0
    evidence = views_ingest.dating_evidence(documents)
    assert {"earliest", "latest", "basis"} <= set(evidence.columns)
    assert {"metadata", "html", "dateline"} <= set(views_ingest.dating_bases(documents)["basis"])


def test_dates_gold_score_per_split_meets_its_floors():
    from lib.evaluate.ingest import dates_gold_scores

    scores = dates_gold_scores().set_index("split")
    assert list(scores.index) == ["dev", "heldout", "all"]
    assert (scores["wrong_stated"] == 0).all() and (scores["wrong_any"] == 0).all()
    assert scores.at["dev", "correct"] >= 0.8 and scores.at["heldout", "correct"] >= 0.8
    assert scores.at["heldout", "dated_or_windowed"] >= 0.6


def test_reingesting_unchanged_pages_and_exports_reads_the_cache(tmp_path, monkeypatch):
    first = ingest_corpus(FIXTURES, tmp_path / "cache")

    def no_reading(*args, **kwargs):
        raise AssertionError("an unchanged page or export was parsed again")

    monkeypatch.setattr(sources, "read_html", no_reading)
    monkeypatch.setattr(exports, "read_records", no_reading)
    assert ingest_corpus(FIXTURES, tmp_path / "cache") == first


def test_nothing_in_ingest_reads_the_wall_clock():
    for path in (REPO_DIR / "lib" / "ingest").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "date.today" not in source and "datetime.now" not in source and "time.time" not in source, path.name
