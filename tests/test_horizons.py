"""Horizon resolver: the issue's phrases, weekday rules tested ourselves, and properties."""

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from lib.core import horizons

TUESDAY = date(2024, 11, 5)  # an article date that is a Tuesday


def only(text: str, base: date | None = TUESDAY) -> horizons.Horizon:
    found = horizons.find_horizons(text, base)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text, phrase, start, end", [
    ("troops could arrive as early as Sunday.", "as early as Sunday", date(2024, 11, 10), date(2024, 11, 10)),
    ("talks resume next Tuesday", "next Tuesday", date(2024, 11, 12), date(2024, 11, 12)),  # not today
    ("he will visit on Friday", "on Friday", date(2024, 11, 8), date(2024, 11, 8)),
    ("to join the fight within “the coming weeks.”", None, TUESDAY, date(2024, 12, 31)),
    ("the situation may change in two to four years", "in two to four years", date(2026, 11, 5), date(2028, 11, 5)),
    ("those conflicts are in their final 6-8 months", "their final 6-8 months", date(2025, 5, 5), date(2025, 7, 5)),
    ("Short-term", "Short-term", TUESDAY, date(2025, 11, 5)),
    ("a deal by the end of the year", "by the end of the year", TUESDAY, date(2024, 12, 31)),
    ("NATO will not enter East Asia soon", "soon", TUESDAY, date(2025, 2, 3)),
    ("within six months", "within six months", TUESDAY, date(2025, 5, 5)),
    ("by the end of next year", "by the end of next year", TUESDAY, date(2025, 12, 31)),
    ("consulates by 2026", "by 2026", TUESDAY, date(2026, 12, 31)),
    ("in the next 12 months", "in the next 12 months", TUESDAY, date(2025, 11, 5)),
])
def test_issue_phrases_resolve_against_the_article_date(text, phrase, start, end):
    h = only(text)
    assert text[h.char_start:h.char_end] == h.text
    if phrase:
        assert h.text == phrase
    assert (h.start, h.end) == (start, end)


def test_vague_words_come_from_the_documented_table():
    phrases = {row[0] for row in horizons.horizon_words()}
    for needed in ("soon", "short-term", "long-term", "in the near future", "within the coming weeks",
                   "in the coming months"):
        assert needed in phrases
    for phrase, start_days, end_days, rule in horizons.horizon_words():
        assert 0 <= start_days <= end_days and rule.strip(), phrase


def test_without_a_base_date_the_text_is_kept_and_no_date_is_invented():
    h = only("expected as early as Sunday", base=None)
    assert h.text == "as early as Sunday" and h.start is None and h.end is None
    assert only("soon", base=None).end is None


def test_past_dates_are_not_horizons():
    assert horizons.find_horizons("the strikes of last week and on Oct. 1, 2024", TUESDAY) == []


def test_no_time_words_no_horizon():
    assert horizons.find_horizons("North Korea may send up to 100,000 troops.", TUESDAY) == []


def test_resolve_horizon_of_a_heading():
    assert horizons.resolve_horizon("Long-term", TUESDAY) == (date(2025, 11, 5), date(2034, 11, 3))
    assert horizons.resolve_horizon("Analysis", TUESDAY) is None


WORDS = st.sampled_from(["soon", "in", "within", "the", "coming", "weeks", "two", "to", "four", "years", "by",
                         "end", "of", "year", "next", "Tuesday", "on", "Friday", "as", "early", "Sunday", "final",
                         "6-8", "months", "“", "”", "short-term", "2026", "March", "a", "few", "\n", "12", "999"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=14), st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)) | st.none())
def test_resolver_properties_on_phrase_soup(words, base):
    text = " ".join(words)
    for h in horizons.find_horizons(text, base):
        assert text[h.char_start:h.char_end] == h.text and h.text.strip()
        if h.start is not None and h.end is not None:
            assert h.start <= h.end


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.dates() | st.none())
def test_resolver_never_crashes_on_any_text(text, base):
    found = horizons.find_horizons(text, base)
    spans = [(h.char_start, h.char_end) for h in found]
    assert spans == sorted(spans)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))  # no overlaps


@pytest.mark.parametrize("base", [date(1, 1, 1), date(9999, 12, 31)])
def test_edge_of_calendar_base_dates_do_not_crash(base):
    for h in horizons.find_horizons("next Friday, within 999 years, by the end of next year, soon", base):
        assert h.start is None or h.end is None or h.start <= h.end


def test_a_dateline_day_is_the_article_day_not_next_year():
    [h] = horizons.find_horizons("KYIV, Sept 21 - Troops pulled back.", date(2023, 9, 21))
    assert (h.text, h.start, h.end) == ("Sept 21", date(2023, 9, 21), date(2023, 9, 21))
