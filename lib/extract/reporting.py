"""The words that attribute: the reporting-verb vocabulary, the words of a speaker phrase, the
subject of a cue.

The lowest part of "who says it" (`lib/extract/attribution.py` builds on it): what a researcher
edits in lib/data/ (reporting_verbs.csv, speaker_cues.yaml, gender_cues.yaml, claim_cues.yaml) and
the parse-level helpers every rule above needs, kept apart so attribution stays readable.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from spacy.tokens import Token

from lib.core.config import DATA_DIR

# ---------------------------------------------------------------------------------------------
# Vocabularies (lib/data/): loaded once, edited by researchers, hashed into the row cache key.


@lru_cache(maxsize=1)
def cues() -> dict[str, list[str]]:
    with open(DATA_DIR / "claim_cues.yaml", encoding="utf-8") as handle:
        return {key: [str(v).lower() for v in values] for key, values in yaml.safe_load(handle).items()}


@lru_cache(maxsize=1)
def speaker_cues() -> dict[str, frozenset[str]]:
    with open(DATA_DIR / "speaker_cues.yaml", encoding="utf-8") as handle:
        return {key: frozenset(str(v).lower() for v in values) for key, values in yaml.safe_load(handle).items()}


@lru_cache(maxsize=1)
def gender_vocabulary() -> dict[str, set[str]]:
    raw = yaml.safe_load((DATA_DIR / "gender_cues.yaml").read_text(encoding="utf-8"))
    return {k: {w.lower() for w in v} for k, v in raw.items()}


# The roles a verb can play (columns of reporting_verbs.csv):
#   quote_cue        attributes a direct quotation ("..., he said")
#   reported_speech  introduces reported speech with a clause ("Zelensky warned that ...")
#   belief           its subject holds the view a forecast states ("X believes Y will ...")
#   doubt            its subject expects the opposite ("critics doubt that ...")
#   on_record        puts a claim's source on record, with a strength and grade
#   confirming       the source vouches for the claim as established
ROLES = ("quote_cue", "reported_speech", "belief", "doubt", "on_record", "confirming")


@dataclass(frozen=True)
class ReportingVerb:
    lemma: str
    strength: int | None
    grade: str | None
    roles: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def verb_table() -> dict[str, ReportingVerb]:
    """Every verb that attributes something to someone, with its roles."""
    with open(DATA_DIR / "reporting_verbs.csv", encoding="utf-8") as handle:
        return {r["lemma"]: ReportingVerb(r["lemma"], int(r["strength"]) if r["strength"] else None,
                                          r["grade"] or None, frozenset(k for k in ROLES if r[k] == "1"))
                for r in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def reporting_verbs() -> dict[str, ReportingVerb]:
    """The verbs that put a claim's source on record, each with its strength (claims)."""
    return {lemma: verb for lemma, verb in verb_table().items() if "on_record" in verb.roles}


@lru_cache(maxsize=None)
def verbs_with(*roles: str) -> frozenset[str]:
    """Lemmas playing any of `roles`."""
    return frozenset(lemma for lemma, verb in verb_table().items() if verb.roles & set(roles))


# Forms of "according to X" strength: a plain attribution, like "said".
ACCORDING_STRENGTH = 3


PRONOUNS = {"he", "she", "him", "her"}


MALE = {"he", "him", "his", "himself"}


FEMALE = {"she", "her", "hers", "herself"}


# ---------------------------------------------------------------------------------------------
# Phrases: the words of a speaker phrase and the mention it names


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


def source_text(head: Token) -> str:
    start, end = _source_span(head)
    return head.doc[start:end].text


def named_prep(token: Token) -> bool:
    """'of'/'for' inside a proper name ("Institute for the Study of War", "Red Sea State Police in
    ...") keeps its object; 'in'/'at' with a named object places a body ("Police in Red Sea state")."""
    if token.dep_ != "prep" or token.lower_ not in {"of", "for", "in", "at"}:
        return False
    named_object = any(c.dep_ == "pobj" and (c.pos_ == "PROPN" or any(t.pos_ == "PROPN" for t in c.lefts))
                       for c in token.children)
    if named_object and (token.head.pos_ == "PROPN" or token.lower_ in {"in", "at"}):
        return True
    # "the office of North Kivu's military governor", "the ministry of health of Gaza": a body
    # named by what it belongs to
    return token.lower_ == "of" and token.head.lemma_.lower() in OFFICE_NOUNS and any(
        t.pos_ == "PROPN" for c in token.children if c.dep_ == "pobj" for t in c.subtree)


OFFICE_NOUNS = {"office", "ministry", "department", "directorate", "headquarters", "command", "council",
                "administration", "secretariat", "bureau"}


def name_phrase(head: Token) -> str:
    """The words that name a source: the head with its compounds, possessives and determiners, without
    appositions, clauses or prepositional tails other than those inside a name."""
    cut = {"appos", "prep", "acl", "relcl", "punct", "cc", "conj", "advcl"}
    keep = [head]
    stack = [head]
    while stack:
        token = stack.pop()
        for child in token.children:
            if child.dep_ not in cut or (token is head and named_prep(child)) or \
                    (child.dep_ == "prep" and token.dep_ == "pobj" and named_prep(child)):
                keep.append(child)
                stack.append(child)
    words = sorted(keep, key=lambda t: t.i)
    text = "".join(t.text_with_ws if i + 1 < len(words) and words[i + 1].i == t.i + 1 else t.text + " "
                   for i, t in enumerate(words))
    return text.strip().strip(",;:")


def mention_covering(token: Token, mentions: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((m for m in mentions if m["char_start"] <= token.idx < m["char_end"]), None)


def bare(phrase: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", phrase, flags=re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Cues: a reporting verb and its subject


def cue_subject(verb: Token, outside: Any = None) -> Token | None:
    """The speaker of a reporting verb, as the parse gives it.

    The active or passive subject; the subject a conjoined verb shares ("he smiled and said"); the
    subject of the reporting verb an 'adding' hangs from; the passive agent ("as revealed by X");
    an inverted speaker the parser missed ("said Wechsler", "wrote Darcie Draudt-Vejares").
    `outside(token)` is False for tokens inside a quotation, which never speak.
    """
    allowed = outside or (lambda token: True)
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and allowed(c)), None)
    if subject is None:
        subject = _agent(verb)
    if subject is None and verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        subject = cue_subject(verb.head, outside)
    if subject is None and verb.dep_ in ("advcl", "xcomp") and verb.head.lemma_.lower() in verbs_with("quote_cue",
                                                                                                   "reported_speech"):
        subject = cue_subject(verb.head, outside)
    if subject is None and verb.lemma_.lower() != "tell":  # "told Reuters": the listener, not the speaker
        subject = _inverted(verb)
    if subject is None:
        subject = _stranded_subject(verb, allowed)
    return subject if subject is not None and allowed(subject) else None


_PHRASE_LINKS = {"appos", "pobj", "prep", "compound", "amod", "poss", "case", "det"}


def _stranded_subject(verb: Token, allowed: Any) -> Token | None:
    """'"...," a spokesperson for OCHA, the UN humanitarian office, told Reuters': after a quote
    the parser often hangs the speaker on a verb inside the quote; the phrase right before the cue
    (past commas) is the speaker. Read from its last word up to the head of the phrase."""
    if verb.tag_ not in {"VBD", "VBZ", "VBP"} or verb.dep_ in {"conj", "xcomp", "advcl", "relcl", "acl"}:
        return None
    i = verb.i - 1
    while i >= verb.sent.start and verb.doc[i].is_punct:
        i -= 1
    if i < verb.sent.start or verb.doc[i].pos_ not in {"NOUN", "PROPN"} or not allowed(verb.doc[i]):
        return None
    head = verb.doc[i]
    while head.dep_ in _PHRASE_LINKS and head.head.i < verb.i and head.head.pos_ in {"NOUN", "PROPN", "ADP"} \
            and allowed(head.head):
        head = head.head
    return head if head.pos_ in {"NOUN", "PROPN"} else None


def _agent(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    return None


def _inverted(verb: Token) -> Token | None:
    """'said Wechsler', 'said Ahmed al-Mansour, a spokesman': a name right after the verb."""
    doc = verb.doc
    after = doc[verb.i + 1] if verb.i + 1 < len(doc) else None
    if after is None or not (after.pos_ == "PROPN" or (after.lower_ in {"the", "a", "an"} and after.head.i > verb.i)):
        return None
    head = after if after.pos_ == "PROPN" else after.head
    while head.head.i != head.i and head.head.i > verb.i and head.dep_ in {"compound", "flat"}:
        head = head.head
    return head
