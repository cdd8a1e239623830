"""Figures: the noun a number counts, its category, modality and whether it is a deployment (CQE-style rules over the parse), with the vocabularies they read."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from lib.core import quantities
from lib.core.config import DATA_DIR
from lib.core.nlp import doc_text
from lib.extract.attribution import cues, reporting_verbs


@lru_cache(maxsize=1)
def counted_nouns() -> dict[str, str]:
    """noun lemma -> category (personnel, formation, materiel, people, casualties, time, civilian)."""
    with open(DATA_DIR / "counted_nouns.csv", encoding="utf-8") as handle:
        return {r["lemma"]: r["category"] for r in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def group_parties() -> dict[str, str]:
    """noun lemma -> the party a group word names by itself ('children' -> 'civilians')."""
    with open(DATA_DIR / "counted_nouns.csv", encoding="utf-8") as handle:
        return {r["lemma"]: r["party"] for r in csv.DictReader(handle) if r.get("party")}


@dataclass(frozen=True)
class EventRule:
    """One line of counted_events.csv: a word that, in `role`, types a figure as `event`; `counts`
    limits it to some counted-noun categories or noun lemmas (empty: any)."""

    lemma: str
    role: str
    event: str | None
    counts: frozenset[str]

    def applies(self, noun: Token | None, category: str | None) -> bool:
        if not self.counts:
            return True
        lemma = noun.lemma_.lower() if noun is not None else None
        nationals = "people" if noun is not None and noun.ent_type_ == "NORP" and noun.lower_.endswith("s") else None
        return bool({category, lemma, nationals} & self.counts)  # 'thousands of Armenians' are people


@lru_cache(maxsize=1)
def counted_events() -> dict[tuple[str, str], tuple[EventRule, ...]]:
    """(role, lemma) -> rules in file order (the specific `counts` lines come before the general one)."""
    table: dict[tuple[str, str], list[EventRule]] = {}
    with open(DATA_DIR / "counted_events.csv", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            rule = EventRule(r["lemma"], r["role"], r["event"] or None, frozenset(r["counts"].split()))
            table.setdefault((rule.role, rule.lemma), []).append(rule)
    for rules in table.values():
        rules.sort(key=lambda rule: not rule.counts)
    return {key: tuple(rules) for key, rules in table.items()}


TROOP_CATEGORIES = ("personnel", "formation")


TROOP_EVENTS = ("deployed", "present", "planned_deployment")


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
                    # "dozens of the injured": a participle used as a noun counts too
                    if pobj.dep_ == "pobj" and (pobj.pos_ in {"NOUN", "PROPN"} or _word_event(pobj, None, None)):
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
        if _category(head) is None:
            # "six cruise and ballistic missiles": the counted noun is the coordinated one
            counted = next((c for c in head.children if c.dep_ == "conj" and _category(c) is not None), None)
            if counted is not None:
                return counted
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
    """The token and its ancestors, nearest first, within its line.

    The parser may hang a headline or a dateline on the next sentence; a line break is a boundary
    for claims (see `claim_units`), so the walk stops there."""
    chain = [token]
    text = doc_text(token.doc)
    for ancestor in token.ancestors:
        low, high = sorted((token.idx, ancestor.idx))
        if "\n" in text[low:high]:
            break
        chain.append(ancestor)
    return chain


def modality_of(target: Token) -> str:
    """'planned', 'possible' or 'reported', from the nearest cue on the path to the root.

    Walks up from the counted noun: a plan or agreement word ('plans to dispatch', 'agreement to
    send') makes it 'planned'; a projection word, a modal auxiliary or 'if' makes it 'possible'; a
    reporting verb that is not itself a projection ('confirmed', 'said') ends the walk: what is under
    it is reported. Three readings keep facts facts: a plan verb whose own object is the figure
    ('pledged $900 million', 'committed 10,000 troops') is the act, not a plan; a projection verb
    over a past clause ('estimated that 400,000 have been displaced') reports; a relative clause
    ('an offensive that killed 200') is asserted whatever governs its head. 'will'/'would' on an
    act the actor controls ('will send', 'would provide') is the actor's plan; on anything else a
    possibility.
    """
    c = cues()
    verbs = reporting_verbs()
    chain = _chain(target)
    for position, token in enumerate(chain):
        lemma = token.lemma_.lower()
        below = chain[position - 1] if position else None
        if lemma in c["planned"] or token.lower_ in c["planned"]:
            if not _plan_verb_is_the_act(token, below):
                return "planned"
        elif lemma in c["possible"] or token.lower_ in c["possible"]:
            return "reported" if _projection_reports_a_fact(token, below) else "possible"
        clause = _clause_modality(token, position == len(chain) - 1)
        if clause is not None:
            return clause
        if lemma in verbs and token.pos_ == "VERB" and token is not target:
            return "reported"
        if token.dep_ == "relcl" or (token.dep_ == "conj" and _leaves_own_clause(token)) or _asserted_adverbial(token):
            return "reported"
    return "reported"


ASSERTED_MARKS = {"because", "while", "as", "since", "when", "after", "before", "although", "though", "whereas"}


def _asserted_adverbial(token: Token) -> bool:
    """'... because dozens of the injured were in critical condition', '... while Germany promised':
    a clause of reason, time or contrast is asserted, whatever projection governs its head
    ('unless' and 'if' clauses are not)."""
    return token.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ASSERTED_MARKS for c in token.children)


def _clause_modality(token: Token, is_top: bool = False) -> str | None:
    """The modality a token's own modifiers give its clause, or None when they give none."""
    c = cues()
    children = list(token.children)
    for child in children:
        if child.dep_ == "mark" and child.lower_ == "if":
            return "possible"
        if child.dep_ in {"amod", "acomp"} and child.lower_ in {"potential", "possible", "likely", "expected", "planned", "prospective"}:
            return "planned" if child.lower_ == "planned" else "possible"
        if child.dep_ == "advmod" and child.lower_ in {"potentially", "possibly", "likely"}:
            return "possible"
    for child in children:
        if child.dep_ == "aux" and child.lower_ in c["modal_auxiliaries"]:
            return "planned" if child.lower_ in INTENT_AUXILIARIES and _is_volitional(token) else "possible"
        if child.dep_ == "aux" and child.lower_ == "to" and (token.dep_ == "ROOT" or is_top) \
                and any(ch.dep_ == "nsubj" for ch in children):
            # a headline's infinitive is its future: "Russia to deploy 2,000 peacekeepers"
            return "planned" if _is_volitional(token) else "possible"
    return None


INTENT_AUXILIARIES = {"will", "would", "shall"}


VOLITIONAL_EVENTS = {"deployed", "present", "pledged", "evacuated", "arrested"}


def _is_volitional(verb: Token) -> bool:
    """An act the actor decides ('send', 'provide', 'move people out'), not an outcome ('rise', 'make')."""
    lemma = verb.lemma_.lower()
    if lemma in cues()["deployment"] and lemma not in cues()["possible"]:
        return True
    return any(rule.event in VOLITIONAL_EVENTS for rule in counted_events().get(("verb", lemma), ()))


def _plan_verb_is_the_act(token: Token, below: Token | None) -> bool:
    """'pledged $900 million', 'committed 10,000 troops': the figure is the plan verb's own object
    (never so for a verb that only plans: 'planning a total of 12,000')."""
    if token.lemma_.lower() in cues()["plan_only"]:
        return False
    return token.pos_ == "VERB" and below is not None and below.dep_ in {"dobj", "nsubjpass"} \
        and not any(ch.dep_ in {"xcomp", "ccomp"} for ch in token.children)


def _projection_reports_a_fact(token: Token, below: Token | None) -> bool:
    """'X estimated that 400,000 people have been displaced': an assessment of what happened names a
    source; it does not project. The complement must be past or perfect."""
    if token.pos_ != "VERB" or below is None or below.dep_ != "ccomp":
        return False
    return below.tag_ in {"VBD", "VBN"} and not any(
        ch.dep_ == "aux" and ch.lower_ in cues()["modal_auxiliaries"] for ch in below.children)


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


def _rules(role: str, token: Token, noun: Token | None, category: str | None) -> str | None:
    """The event the first matching rule of `role` gives `token` (by lemma, then by lower-case form)."""
    table = counted_events()
    for key in dict.fromkeys((token.lemma_.lower(), token.lower_)):
        for rule in table.get((role, key), ()):
            if rule.applies(noun, category):
                return rule.event or ""
    return None


def _word_event(token: Token, noun: Token | None, category: str | None) -> str | None:
    """A noun or adjective's event: 'deaths', 'refugees', 'the dead', 'missing', 'the toll'."""
    return _rules("noun", token, noun, category) or _rules("adj", token, noun, category)


def _leaves_own_clause(token: Token) -> bool:
    """A coordinated or adverbial clause with its own subject ('... and that 25 million Sudanese
    face hunger', '... while Germany promised') is a predicate of its own: walks stop at it."""
    return token.dep_ in {"conj", "advcl"} and token.pos_ in {"VERB", "AUX"} \
        and any(c.dep_ in {"nsubj", "nsubjpass"} for c in token.children)
