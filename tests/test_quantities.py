"""The number parser: the forms news copy uses, and properties that must hold for any input."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core import quantities
from lib.core.quantities import Quantity, find_quantities, format_quantity, parse_quantity


@pytest.mark.parametrize("phrase, low, high, qualifier", [
    ("up to 100,000", None, 100000, "up to"),
    ("as many as 3,000", None, 3000, "as many as"),
    ("more than 10,000", 10000, None, "more than"),
    ("no fewer than 3,000", 3000, None, "no fewer than"),
    ("about 10,000", 10000, 10000, "about"),
    ("some 11,000", 11000, 11000, "some"),
    ("nearly 8,000", 8000, 8000, "nearly"),
    ("1.2 million", 1_200_000, 1_200_000, None),
    ("1,500", 1500, 1500, None),
    ("6-8", 6, 8, None),
    ("two to four", 2, 4, None),
    ("two to four thousand", 2000, 4000, None),
    ("between 2,000 and 3,000", 2000, 3000, "between"),
    ("twelve thousand", 12000, 12000, None),
    ("twenty-five thousand", 25000, 25000, None),
    ("a few thousand", 2000, 5000, "a few thousand"),
    ("tens of thousands", 10000, 99000, "tens of thousands"),
    ("millions", 1_000_000, 9_999_999, "millions"),
    ("dozens", 12, 99, "dozens"),
])
def test_forms_of_copy(phrase, low, high, qualifier):
    q = parse_quantity(phrase)
    assert q is not None
    assert (q.value_low, q.value_high, q.qualifier) == (low, high, qualifier)


def test_labels_dates_and_pronouns_are_not_figures():
    assert find_quantities("the G-20 summit and G20 nations") == []
    assert find_quantities("one of the largest armies") == []
    assert find_quantities("in the 80s") == []
    assert find_quantities("on 11/5/2024") == []
    assert [q.text for q in find_quantities("two brigades and a brigade")] == ["two", "a"]


def test_vague_table_is_documented_and_ordered():
    for phrase, (low, high, note) in quantities.vague_table().items():
        assert low <= high, phrase
        if phrase != "tens":  # only meaningful with a scale ("tens of thousands"), documented so
            assert parse_quantity(phrase) is not None, phrase


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes_and_bounds_are_ordered(text):
    for q in find_quantities(text):
        assert 0 <= q.char_start < q.char_end <= len(text)
        assert text[q.char_start:q.char_end] == q.text
        if q.value_low is not None and q.value_high is not None:
            assert q.value_low <= q.value_high


WORDY = st.sampled_from(["up to", "more than", "about", "some", "at least", "nearly", "as many as", None])


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), WORDY)
def test_formatted_value_round_trips(value, qualifier):
    bound = quantities.qualifier_table().get(qualifier, "exact") if qualifier else "exact"
    low = None if bound in ("le", "lt") else float(value)
    high = None if bound in ("ge", "gt") else float(value)
    original = Quantity(low, high, qualifier, bound, "")
    parsed = parse_quantity(format_quantity(original))
    assert parsed is not None
    assert (parsed.value_low, parsed.value_high, parsed.qualifier, parsed.bound) == (low, high, qualifier, bound)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=10**7))
def test_ranges_round_trip(a, b):
    low, high = sorted((a, b))
    original = Quantity(float(low), float(high), None, "range", "")
    parsed = parse_quantity(format_quantity(original))
    assert parsed is not None and (parsed.value_low, parsed.value_high) == (low, high)
