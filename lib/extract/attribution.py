"""Who stands behind a sentence: reporting verbs, subjects, 'according to', agents, adverbs, pronouns, carried-over sources."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from spacy.tokens import Span, Token

from lib.core.config import DATA_DIR
from lib.extract.mentions import resolve_in_document

# ---------------------------------------------------------------------------------------------
# Vocabularies (lib/data/): loaded once, edited by researchers, hashed into the row cache key.


@lru_cache(maxsize=1)
def cues() -> dict[str, list[str]]:
    with open(DATA_DIR / "claim_cues.yaml", encoding="utf-8") as handle:
        return {key: [str(v).lower() for v in values] for key, values in yaml.safe_load(handle).items()}


@dataclass(frozen=True)
class ReportingVerb:
    lemma: str
    strength: int
    grade: str


@lru_cache(maxsize=1)
def reporting_verbs() -> dict[str, ReportingVerb]:
    with open(DATA_DIR / "reporting_verbs.csv", encoding="utf-8") as handle:
        return {r["lemma"]: ReportingVerb(r["lemma"], int(r["strength"]), r["grade"]) for r in csv.DictReader(handle)}


# Forms of "according to X" strength: a plain attribution, like "said".
ACCORDING_STRENGTH = 3


PRONOUNS = {"he", "she", "him", "her"}


# ---------------------------------------------------------------------------------------------
# Attribution


@dataclass
class Attribution:
    rule: str
    source_text: str | None
    source_name: str | None
    co_sources: list[str]
    anonymous: bool
    verb: str | None
    strength: int | None
    anchor: Token | None  # the reporting verb (or 'according'): figures under it are attributed to it
    head_idx: int | None = None  # character offset of the source's head word

    def as_row(self) -> dict[str, Any]:
        return {
            "source_text": self.source_text,
            "source_name": None if self.anonymous else self.source_name,
            "co_sources": self.co_sources,
            "attribution": "anonymous" if self.anonymous else "named",
            "attribution_rule": self.rule,
            "reporting_verb": self.verb,
            "reporting_strength": self.strength,
        }


AUTHOR = {"source_text": None, "source_name": None, "co_sources": [], "attribution": "author",
          "attribution_rule": None, "reporting_verb": None, "reporting_strength": None}


# Dependents that describe a source rather than name it; cut from source_text
# ("sources familiar with the assessments [made by G20 nations]").
_DESCRIPTIVE_DEPS = {"acl", "relcl", "advcl", "punct"}


def _source_span(head: Token) -> tuple[int, int]:
    """Token range of a source phrase: the head's subtree minus clauses that merely describe it."""
    keep = {head.i}
    stack = [head]
    while stack:
        token = stack.pop()
        for child in token.children:
            if child.dep_ in _DESCRIPTIVE_DEPS and child.i > head.i:
                continue
            if token is head and child.dep_ == "appos" and head.pos_ == "PROPN":
                continue
            keep.add(child.i)
            stack.append(child)
    start, end = min(keep), max(keep) + 1
    doc = head.doc
    while end - 1 > start and doc[end - 1].is_punct:
        end -= 1
    while start < end - 1 and doc[start].is_punct:
        start += 1
    opened = [t.i for t in doc[start:end] if t.text == "("]
    if opened and not any(t.text == ")" for t in doc[opened[-1]:end]):
        end = max(start + 1, opened[-1])  # "X of the Council (ECFR" -> "X of the Council"
    return start, end


def _name_phrase(head: Token) -> str:
    """The words that name a source: the head with its compounds, possessives and determiners, without
    appositions, prepositional tails or clauses ("Carl Schuster[, an instructor at ...]")."""
    cut = {"appos", "prep", "acl", "relcl", "punct", "cc", "conj", "advcl"}
    keep = [head]
    stack = [head]
    while stack:
        token = stack.pop()
        for child in token.children:
            if child.dep_ not in cut:
                keep.append(child)
                stack.append(child)
    return " ".join(t.text + "" for t in sorted(keep, key=lambda t: t.i)).replace(" ’s", "’s").replace(" 's", "'s")


def _resolve_name(head: Token, mentions: list[dict[str, Any]]) -> str:
    """The document-level name of a source phrase.

    A common-noun head with a named apposition ("Ukraine's ambassador, Dmytro Ponomarenko") is the
    person; otherwise the actors stage's resolver on the naming words, else the actor mention
    covering the head, else the naming words as written.
    """

    if head.pos_ != "PROPN":
        for child in head.children:
            if child.dep_ == "appos" and child.pos_ == "PROPN":
                head = child
                break
    phrase = _name_phrase(head)
    resolved = resolve_in_document(phrase, mentions)
    if resolved:
        return resolved
    for mention in mentions:
        if mention["char_start"] <= head.idx < mention["char_end"]:
            return mention.get("name") or mention["text"]
    return re.sub(r"^(?:the|a|an)\s+", "", phrase, flags=re.IGNORECASE)


def _is_anonymous(head: Token) -> bool:
    """A generic source noun ('reports', 'sources', 'officials'); a name attached to it is looked
    for separately (`_named_inside`)."""
    return head.lemma_.lower() in cues()["anonymous_nouns"] or head.lower_ in cues()["anonymous_nouns"]


def _named_inside(head: Token) -> Token | None:
    """'reports from Ukrainian intelligence' -> 'intelligence', 'officials in Seoul' -> 'Seoul',
    'South Korean officials' -> 'Korean': the named origin behind a generic noun."""
    for child in head.lefts:
        if child.dep_ in {"amod", "compound"} and child.ent_type_ in {"NORP", "GPE", "ORG"}:
            return child
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in {"from", "of", "by", "in", "at"}:
            for pobj in child.children:
                if pobj.dep_ == "pobj" and any(t.pos_ in {"PROPN", "ADJ"} and t.ent_type_ for t in pobj.subtree):
                    return pobj
    return None


def _build_attribution(rule: str, head: Token, verb: str, strength: int, anchor: Token,
                       mentions: list[dict[str, Any]], previous_person: str | None,
                       prior: tuple[tuple[str, str], ...] = ()) -> Attribution | None:
    attribution = _make_attribution(rule, head, verb, strength, anchor, mentions, previous_person)
    if attribution is None:
        return None
    attribution.head_idx = head.idx
    earlier = _definite_anaphor(head, prior)
    if earlier is not None:
        attribution.source_name, attribution.anonymous, attribution.rule = earlier, False, "anaphor"
    return attribution


def _definite_anaphor(head: Token, prior: tuple[tuple[str, str], ...]) -> str | None:
    """'the agency', 'the institute', 'the ministry': a definite common noun that points back to the
    latest named source of the document whose words contain it."""
    if head.pos_ != "NOUN" or not any(c.dep_ == "det" and c.lower_ == "the" for c in head.children):
        return None
    if any(t.pos_ == "PROPN" for t in head.subtree):
        return None
    word = head.lemma_.lower()
    for source_text, name in reversed(prior):
        if re.search(rf"\b{re.escape(word)}", source_text.lower()) or re.search(rf"\b{re.escape(word)}", name.lower()):
            return name
    return None


def _make_attribution(rule: str, head: Token, verb: str, strength: int, anchor: Token,
                      mentions: list[dict[str, Any]], previous_person: str | None) -> Attribution | None:
    doc = head.doc
    span = _source_span(head)
    text = doc[span[0]:span[1]].text
    if head.lower_ in PRONOUNS:
        return Attribution("pronoun", text, previous_person, [], previous_person is None, verb, strength, anchor)
    if head.pos_ == "PRON":
        return Attribution(rule, text, None, [], True, verb, strength, anchor)
    if _is_anonymous(head):
        inner = _named_inside(head)
        if inner is None:
            return Attribution(rule, text, None, [], True, verb, strength, anchor)
        return Attribution(rule, text, _resolve_name(inner, mentions), [], False, verb, strength, anchor)
    if _abstract_subject(head, mentions):
        return None
    name = _resolve_name(head, mentions)
    co = [_resolve_name(c, mentions) for c in head.conjuncts]
    return Attribution(rule, text, name, [c for c in co if c != name], False, verb, strength, anchor)


def _abstract_subject(head: Token, mentions: list[dict[str, Any]]) -> bool:
    """A common noun that names no one ("the involvement of X signals", "the risks suggest").

    Only a head that is neither an actor mention nor a noun that can speak (lib/data/claim_cues.yaml
    `source_nouns`) is dropped: any doubt keeps the attribution.
    """
    if head.pos_ != "NOUN" or head.lemma_.lower() in cues()["source_nouns"] or head.lower_ in cues()["source_nouns"]:
        return False
    if any(c.dep_ == "appos" and c.pos_ == "PROPN" for c in head.children):
        return False
    return not any(m["char_start"] <= head.idx < m["char_end"] for m in mentions)


def find_attributions(unit: Span, mentions: list[dict[str, Any]], previous_person: str | None,
                      prior: tuple[tuple[str, str], ...] = ()) -> list[Attribution]:
    """Every attribution in a sentence, found in the dependency parse.

    Patterns: "X said/confirmed/claimed/warned (that)", "X told <outlet>", "X, in a statement, said",
    "according to X", "as revealed by X" (a reporting verb with an agent), "reportedly" (anonymous),
    "Reports suggest" (an anonymous subject).
    """
    verbs = reporting_verbs()
    found: list[Attribution | None] = []
    for token in unit:
        lemma = token.lemma_.lower()
        if token.lower_ == "according":
            for to in token.children:
                if to.lower_ == "to":
                    for pobj in to.children:
                        if pobj.dep_ == "pobj":
                            found.append(_build_attribution("according_to", pobj, "according to", ACCORDING_STRENGTH,
                                                            token, mentions, previous_person, prior))
        elif lemma in verbs and token.pos_ == "VERB":
            verb = verbs[lemma]
            if token.dep_ == "acl" and token.head.pos_ in {"NOUN", "PROPN"}:
                found.append(_build_attribution("verb", token.head, lemma, verb.strength, token, mentions, previous_person, prior))
            orphan = _orphan_subject(token, unit)
            if orphan is not None:
                found.append(_build_attribution("verb", orphan, lemma, verb.strength, token, mentions, previous_person, prior))
            for child in token.children:
                if child.dep_ == "nsubj" and any(g.like_num for g in child.children):
                    # "500 officers, Ukraine's spy chief X told": a misparse; the name in apposition speaks
                    named = [g for g in child.children if g.dep_ == "appos" and g.pos_ in {"PROPN", "NOUN"}]
                    if named:
                        child = named[-1]
                if child.dep_ in {"nsubj", "appos"} and not (child.lower_ == "it" and child.dep_ == "nsubj"):
                    found.append(_build_attribution("verb", child, lemma, verb.strength, token, mentions, previous_person, prior))
                elif child.dep_ == "agent":
                    for pobj in child.children:
                        if pobj.dep_ == "pobj":
                            found.append(_build_attribution("agent", pobj, lemma, verb.strength, token,
                                                            mentions, previous_person, prior))
        elif token.lower_ in cues()["anonymous_adverbs"]:
            found.append(Attribution("adverb", token.text, None, [], True, "report", verbs["report"].strength - 2,
                                     token.head))
    # A head outside the sentence unit is a heading the parser glued on ("Expected Deployment: X stated")
    return [a for a in found if a is not None and a.anchor is not None
            and unit.start_char <= _head_offset(a) < unit.end_char]


def _head_offset(attribution: Attribution) -> int:
    return attribution.head_idx if attribution.head_idx is not None else attribution.anchor.idx  # type: ignore[union-attr]


def _orphan_subject(verb: Token, unit: Span) -> Token | None:
    """The subject of a reporting verb the parser left without one.

    A heading glued to the sentence ("Expected Deployment: Ukraine's envoy, X, stated that...") makes
    the parser attach the verb outside the sentence; the subject is then the name right before the
    verb, past commas and adverbs.
    """
    if any(c.dep_ in {"nsubj", "nsubjpass", "agent", "expl"} for c in verb.children) or verb.dep_ in {"acl", "relcl", "advcl", "xcomp", "ccomp", "pcomp"}:
        return None
    if unit.start <= verb.head.i < unit.end and verb.dep_ != "ROOT":
        return None
    i = verb.i - 1
    while i >= unit.start and (verb.doc[i].is_punct or verb.doc[i].pos_ in {"ADV", "AUX", "PART"}):
        i -= 1
    if i >= unit.start and verb.doc[i].pos_ in {"PROPN", "NOUN"}:
        return verb.doc[i]
    return None


def _governs(anchor: Token | None, token: Token) -> bool:
    return anchor is not None and (anchor == token or anchor in token.ancestors)


def choose_attribution(attributions: list[Attribution], target: Token | None) -> Attribution | None:
    """The attribution behind a figure (or a whole sentence when `target` is None).

    The outermost reporting verb that governs the figure wins (FactBank nesting: in "the envoy said
    Kyiv anticipates 15,000 troops" the envoy is who tells us); then "according to X"; then a named
    attribution at the root; an anonymous adverb ("reportedly") last.
    """
    if not attributions:
        return None
    named = [a for a in attributions if a.rule != "adverb"]
    if target is not None:
        governing = [a for a in named if _governs(a.anchor, target)]
        if governing:
            return min(governing, key=lambda a: _depth(a.anchor))
    according = [a for a in named if a.rule == "according_to"]
    if according:
        return according[0]
    if named:
        return min(named, key=lambda a: (_depth(a.anchor), a.anchor.i if a.anchor is not None else 0))
    return attributions[0]


def _depth(token: Token | None) -> int:
    return 0 if token is None else sum(1 for _ in token.ancestors)
