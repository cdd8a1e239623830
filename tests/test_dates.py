"""Date mentions: the weekday and relative cases dateparser is known to get wrong, and offsets."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.dates import find_dates, resolve_relative, resolve_weekday

SATURDAY = date(2024, 10, 26)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("on Friday", date(2024, 10, 25)),          # reported event: the last Friday
        ("as early as Sunday", date(2024, 10, 27)),  # a cue that points forward
        ("next Tuesday", date(2024, 10, 29)),
        ("last Monday", date(2024, 10, 21)),
        ("Saturday", SATURDAY),                      # the base day itself counts for the past
        ("yesterday", date(2024, 10, 25)),
    ],
)
def test_weekdays_and_relative_days_resolve_against_the_article_date(phrase, expected):
    start, end, basis = resolve_relative(phrase, SATURDAY)
    assert (start, end, basis) == (expected, expected, "inferred")


def test_future_weekday_never_returns_the_base_day():
    assert resolve_weekday("Saturday", SATURDAY, "future") == date(2024, 11, 2)


def test_full_dates_are_stated_and_partial_dates_take_the_year_from_the_base():
    found = {m.text: m for m in find_dates("On June 19, 2024 and on Oct. 28 and 6 November 2024.", SATURDAY)}
    assert found["June 19, 2024"].basis == "stated"
    assert found["6 November 2024"].start == date(2024, 11, 6)
    assert found["Oct. 28"].basis == "inferred"
    assert found["Oct. 28"].start.year in (2023, 2024)


def test_month_year_is_a_period():
    (mention,) = find_dates("The May 2024 summit.", None)
    assert (mention.start, mention.end) == (date(2024, 5, 1), date(2024, 5, 31))


def test_relative_mentions_without_a_base_are_not_guessed():
    assert find_dates("Zelensky warned on Friday and last week.", None) == []


def test_periods_cover_the_calendar_unit():
    (mention,) = find_dates("It happened last week.", SATURDAY)
    assert (mention.start, mention.end) == (date(2024, 10, 14), date(2024, 10, 20))


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.text(max_size=40),
    phrase=st.sampled_from(["on Friday", "Oct. 28", "11/5/2024", "last month", "next Sunday", "June 2024", "today"]),
    suffix=st.text(max_size=40),
    base=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
)
def test_offsets_point_at_the_text_and_periods_are_ordered(prefix, phrase, suffix, base):
    text = f"{prefix} {phrase} {suffix}"
    for mention in find_dates(text, base):
        assert text[mention.char_start:mention.char_end] == mention.text
        assert mention.start <= mention.end
        assert mention.basis in {"stated", "inferred"}
