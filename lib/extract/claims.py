"""Claims: checkable statements with their numbers, their source and their modality.

The question an analyst asks first is "how many troops, according to whom, as of when?". A
sentence becomes a claim when it states a figure, an event or a stated position; each figure in
it becomes one row with its range (lib/quantities.py), the noun it counts (found through the
dependency parse, CQE-style: the noun the number modifies, so "a standing army of 1.2 million"
is told apart from "1,500 special forces sent"), who stands behind it (the attribution found in
the parse: "X said that", "according to X", "as revealed by X", "reportedly"), and whether it is
reported, planned by the acting party, or a possibility someone else projects.

Per-document extraction (`extract_claims`) is pure and cached by the pipeline; the
cross-document steps (canonical sources, clusters, independence, contradictions) are in `build`."""

from __future__ import annotations

import bisect
import hashlib
import re
from datetime import date
from typing import Any

import pandas as pd
from spacy.tokens import Doc, Span, Token

from lib.core import dates, quantities
from lib.core.document import Document
from lib.extract.claim_sources import (
    AUTHOR,
    Attribution,
    choose_attribution,
    colon_attribution,
    find_attributions,
)
from lib.extract.counting import (
    CURRENCY,
    PATIENT_EVENTS,
    TOLL_EVENTS,
    _is_label,
    _is_year,
    _remember_party,
    counted_event,
    counted_party,
    head_event,
    hedges_in,
)
from lib.extract.figures import (
    TROOP_CATEGORIES,
    TROOP_EVENTS,
    _adjacent_counted_noun,
    _category,
    _figure_head,
    _figure_modality,
    _is_candidate,
    _negated,
    _of_pronoun,
    _refers_back,
    _unit_text,
    claim_units,
    counted_noun,
    is_deployment,
    modality_of,
)
from lib.extract.reporting import cues, reporting_verbs

# ---------------------------------------------------------------------------------------------
# Dates


def _date_mentions(document: Document) -> list[Any]:
    base = document.published
    # A missing date can arrive as NaT (pandas); only a real date is a base for relative dates.
    if not isinstance(base, date) or pd.isna(base):
        base = None
    return dates.find_dates(document.text, base)


# A date that opens a period ('since October', 'the war, which erupted in April 2023,') is when the
# running count began, not the date the count is for.
PERIOD_START = re.compile(r"\b(?:since|from|began|begun|beginning of|start of|started|erupted|ignited|broke out|outbreak of)"
                          r"\b[^.,;:]{0,12}$", re.IGNORECASE)


def _event_date(mentions: list[Any], start: int, end: int, text: str = "") -> dict[str, Any]:
    inside = [m for m in mentions if m.char_start >= start and m.char_end <= end
              and not PERIOD_START.search(text[max(0, m.char_start - 40):m.char_start])]
    if not inside:
        return {"event_date": None, "event_date_text": None, "event_date_basis": None}
    first = inside[0]
    return {"event_date": first.start.isoformat(), "event_date_text": first.text, "event_date_basis": first.basis}


# ---------------------------------------------------------------------------------------------
# The per-document stage


def claim_id(doc_id: str, start: int, end: int, value_start: int | None, low: float | None, high: float | None) -> str:
    payload = f"{doc_id}|{start}|{end}|{value_start}|{low}|{high}"
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


def _people_by_offset(mentions: list[dict[str, Any]]) -> tuple[list[int], list[str]]:
    """Person mentions sorted by end offset, for the nearest-person lookup behind pronoun sources."""
    people = sorted((m["char_end"], m.get("name") or m["text"]) for m in mentions
                    if m.get("kind") == "person" or m.get("label") == "PERSON")
    return [end for end, _ in people], [name for _, name in people]


def _last_person(people: tuple[list[int], list[str]], before: int) -> str | None:
    """The person mentioned last before `before` ("He claimed ..." -> the last named person)."""
    ends, names = people
    index = bisect.bisect_right(ends, before)
    return names[index - 1] if index else None


def _continues_report(unit: Span) -> bool:
    """A sentence that carries on the previous one's report: 'reportedly', 'also', 'further'."""
    lowered = unit.text.lower()
    return bool(re.search(r"\b(reportedly|also|further|additionally|allegedly)\b", lowered))


def _event_verb(unit: Span, attribution: Attribution | None) -> Token | None:
    """The main event verb: the complement of the reporting verb, else the root."""
    root = unit.root
    if attribution is not None and attribution.anchor is not None and attribution.anchor.pos_ == "VERB":
        for child in attribution.anchor.children:
            if child.dep_ in {"ccomp", "xcomp"}:
                return child
    return root


def _event_row_kind(unit: Span, attribution: Attribution | None) -> tuple[str | None, Token | None]:
    verb = _event_verb(unit, attribution)
    if verb is not None and verb.lemma_.lower() in cues()["event_verbs"]:
        return "event", verb
    if attribution is not None and attribution.rule != "adverb":
        return "position", verb
    return None, verb


def _event_key(verb: Token | None) -> str | None:
    """(subject, verb, object) lemmas of an event, e.g. 'event:korea|send|troop'; None when the event
    is too underspecified to be compared across documents (a pronoun subject, no object, or a verb
    that is not an event), so such claims stay in clusters of their own."""
    if verb is None or verb.lemma_.lower() not in cues()["event_verbs"]:
        return None
    subject = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    obj = next((c for c in verb.children if c.dep_ in {"dobj", "attr"}), None)
    if subject is None or obj is None or subject.pos_ == "PRON" or obj.pos_ == "PRON":
        return None
    return f"event:{subject.lemma_.lower()}|{verb.lemma_.lower()}|{obj.lemma_.lower()}"


def extract_claims(document: Document, parsed: Doc, mentions: list[dict[str, Any]],
                   quotes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claim rows of one document: one per (sentence, figure), or one per figure-less claim sentence.

    Attribution comes from the parse (it covers indirect speech and "according to"); inside a direct
    quote with no attribution of its own, the quotes stage's speaker stands behind the words.
    """
    rows: list[dict[str, Any]] = []
    date_mentions = _date_mentions(document)
    previous: tuple[int, Attribution] | None = None
    prior: list[tuple[str, str]] = []  # named sources so far, for "the agency said"
    memory: dict[str, Any] = {}  # the last troop noun, for "8,000 of them"
    line_breaks = [i for i, ch in enumerate(document.text) if ch == "\n"]
    people = _people_by_offset(mentions)
    for unit in claim_units(parsed):
        start, end = unit.start_char, unit.end_char
        paragraph = bisect.bisect_left(line_breaks, start)  # the line a sentence starts on is its paragraph
        if not _is_candidate(unit):
            continue
        person = _last_person(people, start)
        attributions = find_attributions(unit, mentions, person, tuple(prior))
        prior.extend((a.source_text or "", a.source_name) for a in attributions
                     if not a.anonymous and a.source_name and a.rule not in {"pronoun", "anaphor"})
        sentence_attr = choose_attribution(attributions, None)
        carried = None
        if previous is not None and previous[0] == paragraph and not previous[1].anonymous \
                and (sentence_attr is None or sentence_attr.rule == "adverb") and _continues_report(unit):
            carried = previous[1]
        base = {"doc_id": document.doc_id, "char_start": start, "char_end": end, "sentence": unit.text,
                "hedges": hedges_in(unit.text), "cluster_id": None, **_event_date(date_mentions, start, end)}
        figure_base = {**base, **_event_date(date_mentions, start, end, document.text)}  # a count's own date
        figures = _figure_rows(document, parsed, unit, attributions, carried, figure_base, date_mentions, memory, quotes,
                               mentions)
        if figures:
            rows.extend(figures)
        else:
            kind, verb = _event_row_kind(unit, sentence_attr)
            if kind is not None:
                attribution = _attribution_row(carried or sentence_attr, carried is not None,
                                               _quote_around(quotes, start, end))
                rows.append({**base, "kind": kind, "value_low": None, "value_high": None, "qualifier": None,
                             "bound": None, "value_text": None, "value_start": None, "value_end": None,
                             "unit": None, "unit_category": None, "counted_event": None, "counted_party": None,
                             "modality": modality_of(verb) if verb is not None else "reported",
                             "polarity": "negative" if verb is not None and _negated(verb) else "positive",
                             **attribution, "event_key": _event_key(verb), "is_troop_estimate": False,
                             "claim_id": claim_id(document.doc_id, start, end, None, None, None)})
        named = [a for a in attributions if not a.anonymous and a.rule != "adverb"]
        if named:
            previous = (paragraph, choose_attribution(named, None))  # type: ignore[assignment]
        elif carried is not None:
            previous = (paragraph, carried)
        else:
            previous = None
    return rows


def _toll_subject(figure: Token) -> bool:
    """'Four were injured by the attack', 'kills dozens', 'two of those killed': a bare spelled
    number standing for people in a toll."""
    if figure.dep_ in {"nsubj", "nsubjpass", "dobj"}:
        return head_event(figure) in PATIENT_EVENTS
    return any(c.dep_ == "prep" and c.lower_ == "of" and any(g.lower_ in {"those", "them", "whom"} for g in c.children)
               for c in figure.children)


def _quote_around(quotes: list[dict[str, Any]], start: int, end: int) -> dict[str, Any] | None:
    """The attributed direct quote that contains [start, end), if any."""
    inside = [q for q in quotes if q.get("kind") == "direct" and q.get("speaker")
              and q["char_start"] <= start and end <= q["char_end"]]
    return min(inside, key=lambda q: q["char_end"] - q["char_start"]) if inside else None


def _attribution_row(attribution: Attribution | None, carried: bool,
                     quote: dict[str, Any] | None = None) -> dict[str, Any]:
    """The attribution columns. Inside a direct quote, the quote's speaker stands behind the words
    unless the sentence itself names a third party ("the Pentagon confirmed ..." quoted by a
    reporter): a first-person subject, an adverb or no attribution defer to the speaker, who is
    then the origin too (every row carries the same columns; a speaker cites no one)."""
    weak = attribution is None or attribution.rule == "adverb" or (
        attribution.rule == "verb" and attribution.source_name is None and attribution.anonymous
        and (attribution.source_text or "").lower() in {"i", "we"})
    if quote is not None and weak and not carried:
        verb = (quote.get("cue") or "say").lower()
        lemma = verb if verb in reporting_verbs() else "say"
        return {"source_text": quote.get("speaker_text") or quote["speaker"], "source_name": quote["speaker"],
                "co_sources": [], "origin": quote["speaker"], "attribution": "named", "attribution_rule": "quote",
                "reporting_verb": lemma, "reporting_strength": reporting_verbs()[lemma].strength}
    if attribution is None:
        return dict(AUTHOR)
    row = attribution.as_row()
    if carried:
        row["attribution_rule"] = "carried"
    return row


def _figure_rows(document: Document, parsed: Doc, unit: Span, attributions: list[Attribution],
                 carried: Attribution | None, base: dict[str, Any], date_mentions: list[Any],
                 memory: dict[str, Any], quotes: list[dict[str, Any]],
                 mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    previous_noun: Token | None = None
    date_spans = [(m.char_start, m.char_end) for m in date_mentions]
    for quantity in quantities.find_quantities(unit.text):
        q_start, q_end = quantity.char_start + unit.start_char, quantity.char_end + unit.start_char
        if any(q_start < d_end and d_start < q_end for d_start, d_end in date_spans):
            continue
        figure = _figure_head(parsed, quantity, unit.start_char)
        if figure is None or _is_label(figure):
            continue
        noun = counted_noun(figure) or _adjacent_counted_noun(parsed, q_end)
        inherited = None
        if noun is None and not quantity.spelled and previous_noun is not None and figure.dep_ in {"pobj", "dobj", "conj", "appos"}:
            inherited = previous_noun  # ellipsis: "1,500 troops ..., planning a total of 12,000"
        referring = False
        if noun is None and inherited is None and "troop" in memory and (_of_pronoun(figure) or _refers_back(figure)):
            inherited = memory["troop"]  # "Nearly 8,000 of them": the troops of an earlier sentence
            referring = True
        category = _category(noun or inherited)
        if _is_year(quantity) and category not in TROOP_CATEGORIES:
            continue
        if quantity.spelled and noun is None and not _toll_subject(figure):
            continue  # "Two, yet another breach": a spelled number that counts nothing is not a figure
        target = noun if noun is not None else figure
        unit_noun = noun or inherited
        deployed = is_deployment(target, category) if unit_noun is not None else False
        if referring:
            # "The figure could rise to 20,000": it is the same count as the one referred to
            deployed = deployed or bool(memory.get("deployed"))
        if unit_noun is not None and category in TROOP_CATEGORIES:
            previous_noun = unit_noun
            memory["troop"] = unit_noun
            memory["deployed"] = deployed  # type: ignore[assignment]
        attribution = choose_attribution(attributions, target)
        if attribution is None or attribution.rule == "adverb":  # "The ministry gave its toll: 45 killed"
            attribution = colon_attribution(unit, target, mentions, None) or attribution
        use_carried = carried is not None and (attribution is None or attribution.rule == "adverb")
        kind = "duration" if category == "time" else "quantity"
        if category is None and CURRENCY.search(quantity.text):
            category = "money"
        sentence_previous = rows[-1] if rows else None
        modality = _figure_modality(quantity, target)
        if unit_noun is None and sentence_previous is not None:
            category = category or sentence_previous.get("unit_category")  # "121,000 ... another 59,000"
        event = counted_event(quantity, target, unit_noun, category, deployed, modality, figure)
        if noun is None and inherited is not None and sentence_previous is not None and event == "other":
            event = sentence_previous.get("counted_event")  # "five of them": the same count, narrowed
        if kind == "quantity" and event is None:
            kind = "measure"  # a distance, an area, a share: a figure that counts nothing
        if quantity.value_low == 1 and quantity.spelled and category not in ("formation",) and event not in TOLL_EVENTS:
            continue  # "one man said": a single person is a figure only in a toll ("killed one person")
        reporter = attribution.source_name if attribution is not None and not attribution.anonymous else None
        party = counted_party(target, noun or inherited, event, mentions, memory, sentence_previous, reporter)
        _remember_party(memory, noun or inherited, event, party)
        rows.append({
            **base, "kind": kind,
            "value_low": quantity.value_low, "value_high": quantity.value_high,
            "qualifier": quantity.qualifier, "bound": quantity.bound, "value_text": quantity.text,
            "value_start": q_start, "value_end": q_end,
            "unit": _unit_text(unit_noun) if unit_noun is not None else None, "unit_category": category,
            "counted_event": event, "counted_party": party,
            "modality": modality, "polarity": "negative" if _negated(target) else "positive",
            **_attribution_row(carried if use_carried else attribution, use_carried, _quote_around(quotes, q_start, q_end)),
            "event_key": f"figure:{category or (unit_noun.lemma_.lower() if unit_noun is not None else 'none')}",
            "is_troop_estimate": category in TROOP_CATEGORIES and event in TROOP_EVENTS,
            "claim_id": claim_id(document.doc_id, base["char_start"], base["char_end"], q_start,
                                 quantity.value_low, quantity.value_high),
        })
    return rows
