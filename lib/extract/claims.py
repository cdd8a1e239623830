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
import csv
import hashlib
import re
from datetime import date
from functools import lru_cache
from typing import Any

import pandas as pd
from spacy.tokens import Doc, Span, Token

from lib.core import dates, quantities
from lib.core.config import DATA_DIR
from lib.core.document import Document
from lib.core.nlp import doc_text
from lib.extract.attribution import AUTHOR, Attribution, choose_attribution, cues, find_attributions, reporting_verbs


@lru_cache(maxsize=1)
def counted_nouns() -> dict[str, str]:
    """noun lemma -> category (personnel, formation, materiel, people, casualties, time, civilian)."""
    with open(DATA_DIR / "counted_nouns.csv", encoding="utf-8") as handle:
        return {r["lemma"]: r["category"] for r in csv.DictReader(handle)}


TROOP_CATEGORIES = ("personnel", "formation")


# ---------------------------------------------------------------------------------------------
# Sentences


def claim_units(parsed: Doc) -> list[Span]:
    """spaCy sentences, split again at line breaks.

    Scraped copy puts headings, captions and list bullets on their own lines with no final stop;
    the parser then glues them to the next sentence. A line break is always a boundary for us.
    """
    units: list[Span] = []
    for sent in parsed.sents:
        start = sent.start
        for token in sent:
            if "\n" in token.text or "\n" in token.whitespace_:
                end = token.i if "\n" in token.text else token.i + 1
                if end > start:
                    units.append(parsed[start:end])
                start = token.i + 1
        if start < sent.end:
            units.append(parsed[start:sent.end])
    return [_trim(u) for u in units if _trim(u) is not None]  # type: ignore[misc]


def _trim(span: Span) -> Span | None:
    """Drop whitespace, list bullets and a run-in label ("Current Troop Numbers: ...") so the span
    is the sentence proper."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].is_space or doc[start].text in {"-", "•", "*", "–"}):
        start += 1
    for i in range(start, min(start + 7, end - 1)):
        if doc[i].text == ":":
            label = [t for t in doc[start:i] if not t.is_punct]
            if label and all(t.is_title or t.is_stop or t.like_num for t in label):
                start = i + 1
            break
    while end > start and doc[end - 1].is_space:
        end -= 1
    return doc[start:end] if end > start else None


def _is_candidate(unit: Span) -> bool:
    """A clause that can assert something: has a verb, is not a question or an exhortation."""
    if not any(t.pos_ in {"VERB", "AUX"} for t in unit):
        return False
    text = unit.text.strip()
    if text.endswith("?"):
        return False
    lowered = text.lower().lstrip("“\"'")
    return not any(lowered.startswith(start + " ") for start in cues()["rhetoric_starts"])


# ---------------------------------------------------------------------------------------------
# Figures: counted noun, modality, deployment


def _figure_head(parsed: Doc, quantity: quantities.Quantity, offset: int) -> Token | None:
    """The token of the figure whose head lies outside it (the one the rest of the parse hangs on)."""
    span = parsed.char_span(quantity.char_start + offset, quantity.char_end + offset, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    inside = {t.i for t in span}
    heads = [t for t in span if t.head.i not in inside or t.head.i == t.i]
    numeric = [t for t in heads if t.like_num or t.pos_ == "NUM"]
    if numeric:
        return numeric[-1]
    # "Between 2,000 and 3,000": the preposition heads the span; the last number carries the noun
    numbers = [t for t in span if t.like_num and t.head.i not in inside]
    if numbers:
        return numbers[-1]
    last = [t for t in span if t.like_num]
    if heads and heads[-1].pos_ in {"NOUN", "PROPN"}:
        return heads[-1]  # "dozens", "thousands": the vague word is the head
    return last[-1] if last else (heads[-1] if heads else span[-1])


def _adjacent_counted_noun(parsed: Doc, end_char: int) -> Token | None:
    """The counted noun right after a figure when the parse did not attach it ("Between 2,000 and
    3,000 North Korean troops" parses the noun as a second object of "between"). Only nouns of the
    counted-noun vocabulary, past adjectives and nationality words."""
    span = parsed.char_span(end_char, min(end_char + 60, len(doc_text(parsed))), alignment_mode="expand")
    if span is None:
        return None
    for token in span:
        if token.idx < end_char or token.is_space:
            continue
        if token.pos_ == "NOUN" and _category(token) is not None:
            return token
        if token.pos_ not in {"ADJ", "PROPN"} and token.dep_ not in {"amod", "compound"}:
            return None
    return None


REFERRING_NOUNS = {"figure", "number", "total", "contingent", "count", "tally"}


def _refers_back(figure: Token) -> bool:
    """"The figure could rise to 20,000": a bare number whose clause is about 'the figure/number'."""
    for token in _chain(figure)[1:4]:
        if any(c.dep_ in {"nsubj", "nsubjpass"} and c.lemma_.lower() in REFERRING_NOUNS for c in token.children):
            return True
    return False


def _of_pronoun(figure: Token) -> bool:
    return any(c.dep_ == "prep" and c.lower_ == "of" and any(p.pos_ == "PRON" for p in c.children)
               for c in figure.children)


def counted_noun(figure: Token) -> Token | None:
    """The noun a figure counts: its nummod head, or the object of "of" ("dozens of troops",
    "two brigades of troops" -> brigades, "a total of 12,000 troops" -> troops)."""
    if figure.pos_ in {"NOUN"} and figure.lemma_.lower() not in counted_nouns():
        for child in figure.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                for pobj in child.children:
                    if pobj.dep_ == "pobj" and pobj.pos_ in {"NOUN", "PROPN"}:
                        return pobj
        # "tens of thousands of soldiers": the noun hangs on the last scale word
        for token in figure.subtree:
            if token.dep_ == "pobj" and token.head.lower_ == "of" and token.lemma_.lower() in counted_nouns():
                return token
        return None
    head = figure.head
    if figure.dep_ in {"nummod", "quantmod", "compound", "amod", "nmod", "det"} and head.pos_ in {"NOUN", "PROPN"} and head.i != figure.i:
        if head.pos_ == "PROPN" and head.i < figure.i:
            return None
        return head
    # "1,500 of them", "10,000 were sent": the number stands for the noun; look for "of"
    for child in figure.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            for pobj in child.children:
                if pobj.dep_ == "pobj" and pobj.pos_ == "NOUN":
                    return pobj
    return None


def _unit_text(noun: Token) -> str:
    """'special forces' keeps its modifier; other nouns are themselves, lower case."""
    parts = [c.lower_ for c in noun.lefts if c.dep_ in {"amod", "compound"} and c.lower_ in {"special", "combat", "army"}]
    return " ".join(parts + [noun.lower_])


def _category(noun: Token | None) -> str | None:
    if noun is None:
        return None
    nouns = counted_nouns()
    lemma = noun.lemma_.lower()
    category = nouns.get(lemma) or nouns.get(noun.lower_) or nouns.get(noun.lower_.rstrip("s"))
    if category == "formation" and lemma in {"company", "unit"}:
        # "company" and "unit" count formations only next to military words
        if not any(t.lemma_.lower() in {"military", "troop", "army", "combat"} for t in noun.subtree):
            return None
    return category


def _chain(token: Token) -> list[Token]:
    """The token and its ancestors, nearest first."""
    return [token, *token.ancestors]


def modality_of(target: Token) -> str:
    """'planned', 'possible' or 'reported', from the nearest cue on the path to the root.

    Walks up from the counted noun: a plan or agreement word ('plans to dispatch', 'agreement to
    send') makes it 'planned'; a projection word, a modal auxiliary or 'if' makes it 'possible'; a
    reporting verb that is not itself a projection ('confirmed', 'said') ends the walk: what is under
    it is reported.
    """
    c = cues()
    verbs = reporting_verbs()
    for token in _chain(target):
        lemma = token.lemma_.lower()
        if lemma in c["planned"] or token.lower_ in c["planned"]:
            return "planned"
        if lemma in c["possible"] or token.lower_ in c["possible"]:
            return "possible"
        for child in token.children:
            if child.dep_ == "aux" and child.lower_ in c["modal_auxiliaries"]:
                return "possible"
            if child.dep_ == "mark" and child.lower_ == "if":
                return "possible"
            if child.dep_ in {"amod", "acomp"} and child.lower_ in {"potential", "possible", "likely", "expected", "planned", "prospective"}:
                return "planned" if child.lower_ == "planned" else "possible"
            if child.dep_ == "advmod" and child.lower_ in {"potentially", "possibly", "likely"}:
                return "possible"
        if lemma in verbs and token.pos_ == "VERB" and token is not target:
            return "reported"
    return "reported"


def _figure_modality(quantity: quantities.Quantity, target: Token) -> str:
    """The clause's modality; a figure the text itself calls an estimate ("an estimated 4,000") is
    an estimate, hence 'possible', unless the clause already makes it a plan."""
    modality = modality_of(target)
    if modality == "reported" and quantity.qualifier and "estimated" in quantity.qualifier:
        return "possible"
    return modality


def _negated(target: Token) -> bool:
    for token in _chain(target):
        if any(child.dep_ == "neg" for child in token.children):
            return True
        if token.lemma_.lower() in reporting_verbs() and token.pos_ == "VERB" and token is not target:
            break
    return False


def is_deployment(noun: Token, category: str | None) -> bool:
    """A personnel figure in the conflict: sent, deployed, training, fighting there, planned or projected.

    Needs a deployment word on the path from the counted noun to the governing reporting verb, or a
    place the noun is in ("troops in the Kursk region"); a standing army or losses rule it out.
    """
    if category not in TROOP_CATEGORIES:
        return False
    c = cues()
    path = []
    for token in _chain(noun):
        if token is not noun and token.lemma_.lower() in reporting_verbs() and token.pos_ == "VERB" \
                and token.lemma_.lower() not in c["deployment"]:
            # "4,000 soldiers are said to be training": the predicate is the verb's complement
            if any(ch.dep_ == "nsubjpass" and (ch == noun or noun in ch.subtree) for ch in token.children):
                path.extend(ch for ch in token.children if ch.dep_ == "xcomp")
            break
        path.append(token)
    nearby = path + [child for child in noun.children] + [t for t in noun.lefts]
    if any(t.lemma_.lower() in c["not_deployment"] or t.lower_ in c["not_deployment"] for t in nearby):
        return False
    if any(t.lemma_.lower() in c["deployment"] or t.lower_ in c["deployment"] for t in path):
        return True
    for child in noun.children:
        if child.dep_ in {"acl", "relcl"} and child.lemma_.lower() in c["deployment"]:
            return True
        if child.dep_ == "prep" and child.lower_ in c["location_preps"]:
            for pobj in child.children:
                if pobj.ent_type_ in {"GPE", "LOC", "FAC"} or any(t.ent_type_ in {"GPE", "LOC"} for t in pobj.subtree) \
                        or pobj.lemma_.lower() in {"region", "front", "border", "territory", "battlefield", "line"}:
                    return True
    return False


def _is_year(quantity: quantities.Quantity) -> bool:
    return quantity.bound == "exact" and bool(re.fullmatch(r"(1[6-9]|20)\d\d", quantity.text.strip()))


def _is_label(figure: Token) -> bool:
    """'Article 4', 'G 20', 'Su-27': a number that names something rather than counts it."""
    if figure.i > 0:
        before = figure.doc[figure.i - 1]
        if before.pos_ == "PROPN" and before.is_title and figure.head.i in {before.i, figure.i} | {t.i for t in before.ancestors}:
            return True
    return figure.head.pos_ == "PROPN" and figure.head.i < figure.i


def hedges_in(text: str) -> list[str]:
    lowered = text.lower()
    return [h for h in cues()["hedges"] if re.search(rf"(?<!\w){re.escape(h)}(?!\w)", lowered)]


# ---------------------------------------------------------------------------------------------
# Dates


def _date_mentions(document: Document) -> list[Any]:
    base = document.published
    # A missing date can arrive as NaT (pandas); only a real date is a base for relative dates.
    if not isinstance(base, date) or pd.isna(base):
        base = None
    return dates.find_dates(document.text, base)


def _event_date(mentions: list[Any], start: int, end: int) -> dict[str, Any]:
    inside = [m for m in mentions if m.char_start >= start and m.char_end <= end]
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
        figures = _figure_rows(document, parsed, unit, attributions, carried, base, date_mentions, memory, quotes)
        if figures:
            rows.extend(figures)
        else:
            kind, verb = _event_row_kind(unit, sentence_attr)
            if kind is not None:
                attribution = _attribution_row(carried or sentence_attr, carried is not None,
                                               _quote_around(quotes, start, end))
                rows.append({**base, "kind": kind, "value_low": None, "value_high": None, "qualifier": None,
                             "bound": None, "value_text": None, "value_start": None, "value_end": None,
                             "unit": None, "unit_category": None,
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


def _quote_around(quotes: list[dict[str, Any]], start: int, end: int) -> dict[str, Any] | None:
    """The attributed direct quote that contains [start, end), if any."""
    inside = [q for q in quotes if q.get("kind") == "direct" and q.get("speaker")
              and q["char_start"] <= start and end <= q["char_end"]]
    return min(inside, key=lambda q: q["char_end"] - q["char_start"]) if inside else None


def _attribution_row(attribution: Attribution | None, carried: bool,
                     quote: dict[str, Any] | None = None) -> dict[str, Any]:
    """The attribution columns. Inside a direct quote, the quote's speaker stands behind the words
    unless the sentence itself names a third party ("the Pentagon confirmed ..." quoted by a
    reporter): a first-person subject, an adverb or no attribution defer to the speaker."""
    weak = attribution is None or attribution.rule == "adverb" or (
        attribution.rule == "verb" and attribution.source_name is None and attribution.anonymous
        and (attribution.source_text or "").lower() in {"i", "we"})
    if quote is not None and weak and not carried:
        verb = (quote.get("cue") or "say").lower()
        lemma = verb if verb in reporting_verbs() else "say"
        return {"source_text": quote.get("speaker_text") or quote["speaker"], "source_name": quote["speaker"],
                "co_sources": [], "attribution": "named", "attribution_rule": "quote",
                "reporting_verb": lemma, "reporting_strength": reporting_verbs()[lemma].strength}
    if attribution is None:
        return dict(AUTHOR)
    row = attribution.as_row()
    if carried:
        row["attribution_rule"] = "carried"
    return row


def _figure_rows(document: Document, parsed: Doc, unit: Span, attributions: list[Attribution],
                 carried: Attribution | None, base: dict[str, Any], date_mentions: list[Any],
                 memory: dict[str, Any], quotes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
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
        if quantity.spelled and noun is None:
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
        use_carried = carried is not None and (attribution is None or attribution.rule == "adverb")
        kind = "duration" if category == "time" else "quantity"
        rows.append({
            **base, "kind": kind,
            "value_low": quantity.value_low, "value_high": quantity.value_high,
            "qualifier": quantity.qualifier, "bound": quantity.bound, "value_text": quantity.text,
            "value_start": q_start, "value_end": q_end,
            "unit": _unit_text(unit_noun) if unit_noun is not None else None, "unit_category": category,
            "modality": _figure_modality(quantity, target), "polarity": "negative" if _negated(target) else "positive",
            **_attribution_row(carried if use_carried else attribution, use_carried, _quote_around(quotes, q_start, q_end)),
            "event_key": f"figure:{category or (unit_noun.lemma_.lower() if unit_noun is not None else 'none')}",
            "is_troop_estimate": deployed,
            "claim_id": claim_id(document.doc_id, base["char_start"], base["char_end"], q_start,
                                 quantity.value_low, quantity.value_high),
        })
    return rows
