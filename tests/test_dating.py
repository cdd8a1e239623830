"""Dates from text alone: each basis, the bounds, weekday anchors, the dateparser pitfalls we work
around, and the rule that a stated date is never wrong (the gold scorer counts those)."""

from __future__ import annotations

import json
from datetime import date, datetime

import dateparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.config import GOLD_DIR
from lib.evaluate import dates as evaluate_dates
from lib.ingest import dating
from lib.ingest.dating import anchor_weekdays, date_from_text, resolve_weekday

GOLD = GOLD_DIR / "dates_composed.jsonl"


# ----------------------------------------------------------------------------------------------
# Printed dates: dateline, timestamp, byline


def test_wire_dateline_with_year_is_stated():
    found = date_from_text("PORT SUDAN, Sudan, Jan. 21, 2025 (AP) — Drones struck the fuel depot before dawn.")
    assert (found.published, found.basis, found.year_basis) == (date(2025, 1, 21), "dateline", "printed")
    assert "PORT SUDAN, Sudan, Jan. 21, 2025 (AP)" in found.note


def test_dateline_without_agency_and_with_day_first_date():
    found = date_from_text("NIAMEY, 3 March 2025 — The junta extended the curfew, a statement said.")
    assert (found.published, found.basis) == (date(2025, 3, 3), "dateline")


def test_yearless_dateline_takes_its_year_from_an_event_the_text_dates_within_a_month():
    text = "ADEN, March 18 (Reuters) - A missile struck the grain carrier, the first attack since a strike on 9 March 2025."
    found = date_from_text(text)
    assert (found.published, found.year_basis) == (date(2025, 3, 18), "text")
    assert "9 March 2025" in found.note and "9 day(s) earlier" in found.note


def test_yearless_dateline_takes_its_year_from_the_corpus_only_when_one_year_fits():
    text = "SEOUL, Feb 27 (Reuters) - Officials said the talks had ended."
    assert date_from_text(text, [2025]).published == date(2025, 2, 27)
    assert date_from_text(text, [2025]).year_basis == "corpus"
    ambiguous = date_from_text(text, [2024, 2025])
    assert ambiguous.published is None and "2 fit" in ambiguous.note
    assert date_from_text(text).published is None


def test_printed_weekday_picks_the_year_among_the_corpus_years():
    found = date_from_text("MANDALAY, Myanmar, Thursday, March 27 (AP) — Jets bombed three villages.", [2024, 2025])
    assert found.published == date(2025, 3, 27)  # 27 March 2024 was a Wednesday
    assert "printed weekday" in found.note


def test_anniversary_story_does_not_lend_its_year_to_a_yearless_dateline():
    text = ("KHARTOUM, April 20 (Reuters) - Residents marked a year since the shelling of the market "
            "on 15 April 2024, which killed dozens.")
    assert date_from_text(text).published is None


def test_event_more_than_a_month_earlier_does_not_settle_the_year():
    text = "NYALA, Sudan, Aug 14 (Reuters) - The airport was hit again, after an attack on 2 March 2025."
    assert date_from_text(text).published is None


@pytest.mark.parametrize("line, day", [
    ("Updated 14:05 GMT, 3 March 2025", date(2025, 3, 3)),
    ("March 3, 2025 at 9:12 AM EST", date(2025, 3, 3)),
    ("2025-03-03T09:12:00Z", date(2025, 3, 3)),
    ("2025-03-03T23:30:00-05:00", date(2025, 3, 3)),  # the day as printed, never shifted to UTC
    ("Published: Monday 3 March 2025, 07:45 GMT", date(2025, 3, 3)),
    ("Posted 03/14/2025 09:00", date(2025, 3, 14)),
])
def test_timestamp_lines(line, day):
    found = date_from_text(f"Headline of the story\n\n{line}\n\nThe army said it had retaken the bridge on the road east of the city.")
    assert (found.published, found.basis) == (day, "timestamp")
    assert line in found.note


def test_update_time_alone_is_used_but_bounds_the_date_from_above():
    found = date_from_text("Headline\n\nUpdated: Tuesday 6 May 2025, 11:20 GMT\n\nThe army said it repelled an attack on Djibo.")
    assert (found.published, found.latest) == (date(2025, 5, 6), date(2025, 5, 6))
    assert "first publication may be earlier" in found.note


def test_publication_line_wins_over_a_later_update_line():
    found = date_from_text("Headline\n\nPublished 2 April 2025\nUpdated 3 April 2025\n\nFighters seized positions near Sittwe.")
    assert found.published == date(2025, 4, 2) and "warning" not in found.note


def test_byline_date():
    found = date_from_text("Strikes knock out power near Hodeidah\n\nBy Salma Haroun | 5 May 2025\n\nAir strikes hit a power station.")
    assert (found.published, found.basis) == (date(2025, 5, 5), "byline")


def test_disagreeing_printed_dates_are_a_warning_in_the_note():
    found = date_from_text("KHARTOUM, March 3, 2025 (Reuters) - Shelling resumed.\n\nPublished: 5 March 2025")
    assert found.published == date(2025, 3, 3) and "warning: other printed dates disagree" in found.note


def test_ambiguous_numeric_date_is_never_read():
    assert dating.find_mentions("Updated 03/04/2025") == []
    found = date_from_text("Headline\n\nUpdated 03/04/2025\n\nThe army said it had retaken the bridge.")
    assert found.published is None


def test_printed_weekday_that_contradicts_the_date_is_refused():
    found = date_from_text("KHARTOUM, Monday, March 4, 2025 (Reuters) - Shelling resumed.")  # 4 March 2025 was a Tuesday
    assert found.published is None and "weekday" in found.note


def test_a_bare_date_line_inside_the_story_is_not_a_timestamp():
    text = ("Explainer: two years of war\n\nThe war has killed tens of thousands of people and forced millions from "
            "their homes across the country.\n\n15 April 2023\n\nFighting erupts in Khartoum.\n\n10 April 2025\n\n"
            "Famine spreads.")
    found = date_from_text(text)
    assert found.published is None and found.earliest == date(2025, 4, 10)


# ----------------------------------------------------------------------------------------------
# Bounds from reported dates


def test_latest_past_date_is_the_earliest_possible_publication_and_a_future_date_the_latest():
    text = ("The influx began after the attack on 2 February 2025. On February 6, 2025 the agency counted new arrivals. "
            "Talks are due to resume on 14 February 2025 in Port Sudan.")
    found = date_from_text(text)
    assert found.published is None and found.basis == "inferred"
    assert (found.earliest, found.latest) == (date(2025, 2, 6), date(2025, 2, 14))
    assert "February 6, 2025" in found.note and "14 February 2025" in found.note


@pytest.mark.parametrize("sentence", [
    "The curfew will run until 20 March 2025.",
    "Elections are scheduled for 30 April 2025.",
    "Residents must leave by 10 March 2025, the army said.",
])
def test_dates_announced_or_open_never_raise_the_lower_bound(sentence):
    found = date_from_text(f"The army retook the town on 1 March 2025. {sentence}")
    assert found.earliest == date(2025, 3, 1)


@pytest.mark.parametrize("sentence, tense", [
    ("The army retook the town on 1 March 2025.", "past"),
    ("Residents fled from the town on 3 March 2025.", "past"),
    ("Talks are due to resume on 14 February 2025.", "future"),
    ("The vote on 5 March 2025 will decide the council.", "future"),
    ("On 5 March 2025 the council will vote.", "future"),
    ("Schools closed due to the shelling on 3 March 2025.", "open"),  # causal 'due to': not a bound either way
    ("The plans agreed on 3 March 2025 were dropped.", "open"),
    ("Residents must leave by 10 March 2025.", "open"),
    ("Roads close from 5 March 2025.", "open"),
])
def test_direction_of_a_reported_date(sentence, tense):
    mention = dating.find_mentions(sentence)[0]
    assert dating.tense_of(sentence, mention.start, mention.end) == tense


def test_an_open_deadline_bounds_nothing():
    assert date_from_text("Residents had fled by 10 March 2025.").earliest is None


def test_bounds_meeting_give_an_inferred_day():
    found = date_from_text("The vote took place on 3 March 2025. Counting is expected to finish on 3 March 2025.")
    assert (found.published, found.basis) == (date(2025, 3, 3), "inferred")


def test_yearless_reported_date_uses_the_corpus_year_only_when_there_is_one():
    text = "The army retook the bridge on 4 March."
    assert date_from_text(text, [2025]).earliest == date(2025, 3, 4)
    assert date_from_text(text, [2024, 2025]).earliest is None


def test_no_evidence_gives_none_with_a_note():
    found = date_from_text("Shipping companies have learned to live with the risk, analysts say.")
    assert (found.published, found.basis, found.earliest, found.latest) == (None, None, None, None)
    assert found.note.startswith("no usable printed date")


# ----------------------------------------------------------------------------------------------
# Weekdays: dateparser's pitfalls and our rules

WEDNESDAY = date(2025, 3, 5)


def _dateparser(phrase: str) -> date | None:
    parsed = dateparser.parse(phrase, languages=["en"], settings={
        "PREFER_DATES_FROM": "past", "RELATIVE_BASE": datetime(2025, 3, 5)})
    return parsed.date() if parsed else None


def test_dateparser_pitfalls_that_make_us_resolve_weekdays_ourselves():
    """Pinned dateparser behaviour (1.5.0); if this fails, dateparser changed and the rules here
    may be simplified."""
    assert _dateparser("on Wednesday") == date(2025, 2, 26)  # a week early: news means that very day
    assert _dateparser("as early as Sunday") is None  # no answer at all
    assert _dateparser("by Sunday") == date(2025, 3, 2)  # direction ignored: a deadline read as past


@pytest.mark.parametrize("phrase, day", [
    ("on Friday", date(2025, 2, 28)),
    ("on Wednesday", WEDNESDAY),
    ("as early as Sunday", date(2025, 3, 9)),
    ("next Tuesday", date(2025, 3, 11)),
    ("this coming Sunday", date(2025, 3, 9)),
    ("talks will resume on Monday", date(2025, 3, 10)),
    ("last Tuesday", date(2025, 3, 4)),
    ("by Sunday", None),
    ("until Monday", None),
])
def test_resolve_weekday(phrase, day):
    assert resolve_weekday(phrase, WEDNESDAY) == day


def test_past_weekday_includes_the_day_itself():
    assert dating.past_weekday(2, WEDNESDAY) == WEDNESDAY
    assert dating.past_weekday(3, WEDNESDAY) == date(2025, 2, 27)


# ----------------------------------------------------------------------------------------------
# Weekday anchors between documents

SOURCE = ("WAD MADANI, Sudan, March 5, 2025 (Reuters) - A drone strike destroyed the Hantoub bridge over the Blue "
          "Nile near Wad Madani on Tuesday, March 4, the army said.")
FOLLOW_UP = ("Engineers began assembling a pontoon crossing on the Blue Nile to replace the Hantoub bridge near "
             "Wad Madani, which was destroyed in a drone strike on Tuesday.")


def _docs(follow_up: str = FOLLOW_UP, **extra) -> list[dict]:
    return [{"doc_id": "source", "text": SOURCE, "published": date(2025, 3, 5)},
            {"doc_id": "follow_up", "text": follow_up, "published": None, **extra}]


def test_weekday_anchored_to_an_event_another_document_dates():
    found = anchor_weekdays(_docs())["follow_up"]
    assert found.basis == "inferred from source" and found.published is None
    assert (found.earliest, found.latest) == (date(2025, 3, 4), date(2025, 3, 10))
    assert "Hantoub" in found.note and "2025-03-04" in found.note


def test_no_anchor_when_the_weekday_does_not_match_the_dated_day():
    assert anchor_weekdays(_docs(FOLLOW_UP.replace("on Tuesday", "on Thursday"))) == {}


def test_no_anchor_for_a_weekday_still_to_come():
    assert anchor_weekdays(_docs(FOLLOW_UP.replace("was destroyed in a drone strike on Tuesday",
                                                   "will be inspected after the drone strike as early as Tuesday"))) == {}


def test_no_anchor_without_shared_names_and_words():
    assert anchor_weekdays(_docs("Protesters gathered in Bamako on Tuesday against fuel shortages.")) == {}


def test_no_anchor_when_it_contradicts_the_documents_own_bound():
    assert anchor_weekdays(_docs(earliest=date(2025, 3, 20))) == {}


def test_no_anchor_when_two_documents_date_the_event_differently():
    docs = _docs() + [{"doc_id": "other", "published": date(2025, 3, 12),
                       "text": SOURCE.replace("March 5, 2025", "March 12, 2025").replace("March 4", "March 11")}]
    assert "follow_up" not in anchor_weekdays(docs)


def test_a_dated_documents_own_dateline_is_not_an_event():
    events = dating.dated_events("source", SOURCE, date(2025, 3, 5))
    assert [e.day for e in events] == [date(2025, 3, 4)]


# ----------------------------------------------------------------------------------------------
# Gold: composed undated articles


def _gold() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_gold_file_shape():
    gold = _gold()
    assert len(gold) >= 20
    assert all(set(g) >= {"doc_id", "text", "true_published", "evidence", "split"} for g in gold)
    assert {g["evidence"] for g in gold} <= {"dateline", "timestamp", "updated", "reported-dates", "weekday-anchor", "none"}
    assert len({g["doc_id"] for g in gold}) == len(gold)
    heldout = sum(g["split"] == "heldout" for g in gold)
    assert 0.2 <= heldout / len(gold) <= 0.3


def test_gold_scores_never_a_wrong_stated_date():
    scores = evaluate_dates.score_dates(_gold())
    for split in ("dev", "heldout", "all"):
        assert scores[split]["wrong_stated"] == 0, scores[split]["misses"]
        assert scores[split]["wrong_any"] == 0, scores[split]["misses"]


def test_gold_dev_score_does_not_regress():
    dev = evaluate_dates.score_dates(_gold())["dev"]
    assert dev["dated_or_windowed_with_evidence"] >= 0.75, dev["misses"]
    assert dev["no_evidence_left_undated"] == sum(g["evidence"] == "none" for g in _gold() if g["split"] == "dev")


# ----------------------------------------------------------------------------------------------
# Robustness

PIECES = st.sampled_from(["KHARTOUM, ", "March 3", " 2025", " (Reuters) - ", "Updated ", "on Tuesday", " will ", "\n",
                          "3 March", "By Amina Idris | ", "2025-03-03T09:12:00Z", "by ", ". ", "Feb 30", "31/12/2025",
                          "as early as Sunday", "a year after ", "Sunday's shelling of the market", ", "])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join), st.lists(st.integers(2020, 2026), max_size=3))
def test_date_from_text_never_raises_and_always_explains(text, years):
    found = date_from_text(text, years)
    assert found.note
    assert found.basis in (None, "dateline", "timestamp", "byline", "inferred")
    assert found.published is None or found.basis is not None


@pytest.mark.parametrize("stamp", [
    "Updated 3:12 PM GMT+1, November 5, 2024",
    "November 5, 2024 7:12 AM GMT+9 Updated 2 hours ago",
    "Published On 5 Nov 2024",
    "Tue 5 Nov 2024 14.02 GMT",
    "Nov. 5, 2024, 10:12 PM ET",
    "5 Nov 2024 • 3 min read",
    "Last updated: 5th November 2024",
])
def test_the_stamp_lines_news_sites_print_are_read(stamp):
    body = ("\n\nThe army said on Monday that its forces had repelled an attack near the town, killing dozens "
            "of fighters, in the latest fighting in the region this week.\n")
    found = date_from_text("Army repels attack near border town\n" + stamp + body)
    assert found.published == date(2024, 11, 5) and found.basis == "timestamp"


def test_a_stamp_line_of_parts_takes_its_creation_date():
    text = ("Tanker ablaze in the Red Sea\nNewsroom Desk | Updated: 27-08-2024 09:10 IST | Created: 26-08-2024 22:24 IST"
            "\n\nThe tanker has been ablaze since Friday after an attack, the shipping agency said on Monday.\n")
    found = date_from_text(text)
    assert found.published == date(2024, 8, 26) and found.basis == "timestamp"


def test_an_ambiguous_numeric_stamp_is_not_guessed():
    found = date_from_text("Army repels attack\nPublished: 05/11/2024\n\nThe army said it repelled an attack.")
    assert found.published is None
