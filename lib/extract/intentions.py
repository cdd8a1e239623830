"""Intention or prediction: a forecaster's own commitment (vow, pledge, threat, plan, agreed term) or what it foresees about others (warnings included)."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Span, Token

from lib.core.nlp import doc_text
from lib.extract.clauses import Candidate, on_line, subject_of, vocabulary
from lib.extract.names import alias_book
from lib.extract.probability import INTENTION, PREDICTION, Band, modal_rules
from lib.extract.speakers import Attribution


def _subject(cand: Candidate) -> Token | None:
    """Who or what acts: the head's subject, else the subject of the cue it hangs from
    ("troops are expected to join"), else of the verb it is coordinated with."""
    head = cand.head
    found = subject_of(head)
    if found is None and cand.outer is not None and cand.outer.i != head.i:
        found = subject_of(cand.outer) or (subject_of(cand.outer.head) if cand.outer.dep_ == "acomp" else None)
        if found is None and cand.outer.dep_ == "acomp":
            found = subject_of(cand.outer.head)
    if found is None and head.dep_ in {"conj", "xcomp"}:
        found = subject_of(head.head)
    if found is not None and not on_line(found, head):
        return None
    return found


# --------------------------------------------------------------------------------------------
# Intention or prediction: the forecaster's own commitment, or what it foresees
# --------------------------------------------------------------------------------------------

def forecast_kind(cand: Candidate, band: Band | None, attribution: Attribution,
                  mentions: list[dict[str, Any]], quoted: bool) -> str:
    """'intention' when the forecaster commits itself (a vow, pledge, threat, plan, agreed term,
    or a plain 'will' about its own side), else 'prediction'. A vow and a forecast are scored
    differently later: a vow tests resolve, a prediction tests judgment.

    The cue decides when its row in forecast_modals.csv says so ('vowed to', 'expected to',
    'could', any ICD 203 word); a plain 'will'/'would' is decided by the verb that reports it,
    by the terms of a deal, and last by whether its subject is the forecaster's own side."""
    cue = _cue_kind(cand, band)
    if cue is not None:
        return cue
    verb = _reporting_verb(cand)
    if verb is not None and verb.lemma_.lower() in vocabulary()["warning_verbs"]:
        return PREDICTION
    if verb is not None and verb.lemma_.lower() in vocabulary()["commitment_verbs"]:
        return INTENTION
    if _deal_term(cand, attribution):
        return INTENTION
    return INTENTION if _own_side(cand, attribution, mentions, quoted) else PREDICTION


def in_direct_quote(span: tuple[int, int], quotes: list[dict[str, Any]]) -> bool:
    """Inside a direct quotation the speaker's own side is 'we'/'our'; outside it, in reported
    speech, it is 'he'/'it'/'its'."""
    return any(q.get("kind") == "direct" and q["char_start"] <= span[0] and span[1] <= q["char_end"] + 2
               for q in quotes)


def _cue_kind(cand: Candidate, band: Band | None) -> str | None:
    """The kind the cue itself states; a clause coordinated with an intention cue shares it
    ("London was determined to keep Sudan on the agenda and would press both sides")."""
    if band is not None and band.kind:
        return band.kind
    head = cand.head
    if head.dep_ == "conj":
        for holder in (head.head, head.head.head if head.head.dep_ == "xcomp" else None):
            if holder is None:
                continue
            lemma = holder.lemma_.lower() if holder.lemma_.lower() in vocabulary()["complement_triggers"] else holder.lower_
            phrase = vocabulary()["complement_triggers"].get(lemma)
            rule = modal_rules().get(phrase) if phrase else None
            if rule is not None and rule.kind == INTENTION:
                return INTENTION
    return None


def _reporting_verb(cand: Candidate) -> Token | None:
    """The nearest verb on the line that reports the clause ("vowed that", "warned that", "said")."""
    vocab = vocabulary()
    verbs = set(vocab["attribution_verbs"]) | set(vocab["commitment_verbs"]) | set(vocab["warning_verbs"])
    anchor = cand.outer or cand.head
    for ancestor in anchor.ancestors:
        if not on_line(ancestor, anchor):
            return None
        if ancestor.lemma_.lower() in verbs and ancestor.pos_ in {"VERB", "AUX"}:
            return ancestor
    return None


def _deal_term(cand: Candidate, attribution: Attribution) -> bool:
    """An agreed term: "Under its terms, Armenia will return ...", "the truce would take effect",
    or an unattributed 'will' right after such a sentence in the same paragraph."""
    vocab = vocabulary()
    head = cand.head
    words = " ".join([head.lemma_.lower()] + [t.lower_ for t in head.doc[head.i + 1:head.i + 3]])
    if any(words == e or words.startswith(e + " ") for e in vocab["deal_events"]):
        return True
    sentence = head.sent
    if _cites_deal(sentence):
        return True
    if attribution.kind != "article" or sentence.start == 0:
        return False
    previous = head.doc[sentence.start - 1].sent
    between = doc_text(head.doc)[previous.end_char:sentence.start_char]
    return "\n" not in doc_text(head.doc)[previous.start_char:sentence.start_char].strip() and \
        "\n" not in between and _cites_deal(previous)


def _cites_deal(sentence: Span) -> bool:
    """'under the agreement', 'under its terms', 'according to the text of the deal'."""
    nouns = set(vocabulary()["deal_nouns"])
    for token in sentence:
        if token.dep_ != "prep" or token.lower_ not in {"under", "to"}:
            continue
        if token.lower_ == "to" and token.head.lower_ != "according":
            continue
        objects = [c for c in token.children if c.dep_ == "pobj"]
        for obj in objects:
            nearby = [obj] + [g for p in obj.children if p.dep_ == "prep" for g in p.children if g.dep_ == "pobj"]
            if any(n.lemma_.lower() in nouns for n in nearby):
                return True
    return False


def _own_side(cand: Candidate, attribution: Attribution, mentions: list[dict[str, Any]], quoted: bool) -> bool:
    """Is the subject of the plain 'will' the forecaster or its own side? First person in its own
    words; a name of the same actor or its state; in reported speech a pronoun pointing back to
    it ("the EU said it would provide", "said his fighters would"); the forces or campaign of an
    actor speaking for itself; a passive with no agent (the speaker will do it)."""
    vocab = vocabulary()
    subject = _subject(cand)
    if subject is not None and _first_person(subject):
        return True
    if quoted and any(t.dep_ == "poss" and t.lower_ in vocab["first_person"] for t in cand.head.subtree):
        return True  # "The enemy's carriers will remain a target for our forces"
    if attribution.kind == "article" or _is_observer(attribution, mentions):
        return False
    if subject is not None and not quoted and _points_back(subject, attribution, mentions):
        return True
    if attribution.kind != "named":
        return False
    named = _actors_named(subject, mentions)
    if named:
        return bool(named & _side(attribution.forecaster, mentions))
    if subject is not None and subject.lower_ in vocab["own_side_nouns"] and \
            not any(c.dep_ == "poss" for c in subject.children):
        return True  # "the forces will", not "their units will"
    return any(c.dep_ == "auxpass" for c in cand.head.children) and not any(c.dep_ == "agent" for c in cand.head.children)


def _first_person(subject: Token) -> bool:
    words = set(vocabulary()["first_person"])
    return subject.lower_ in words or any(c.dep_ == "poss" and c.lower_ in words for c in subject.children)


def _points_back(subject: Token, attribution: Attribution, mentions: list[dict[str, Any]]) -> bool:
    """'he'/'his' for a person, 'it'/'its'/'they'/'their' for a body: the reporter itself (any
    of them when the reporter is unnamed: "its commander said his fighters would")."""
    own = set(vocabulary()["reported_self"])
    if attribution.kind == "named":
        person = any(m["name"] == attribution.forecaster and m.get("kind") == "person" for m in mentions)
        own &= {"he", "she", "his", "her"} if person else {"it", "its", "they", "their"}
    return subject.lower_ in own or any(c.dep_ == "poss" and c.lower_ in own for c in subject.children)


def _actors_named(subject: Token | None, mentions: list[dict[str, Any]]) -> set[str]:
    """Actors the subject's own words name ("Turkish troops", "Britain"), not those inside a
    phrase after it ("the rights of Karabakh's Armenians" names no actor as the one acting)."""
    if subject is None:
        return set()
    words = [subject] + [c for c in subject.children if c.dep_ in {"compound", "amod", "poss", "nmod"}]
    words += [g for w in words[1:] for g in w.children if g.dep_ == "compound"]
    return {m["name"] for w in words for m in mentions if m["char_start"] <= w.idx < m["char_end"]}


def _side(forecaster: str | None, mentions: list[dict[str, Any]]) -> set[str]:
    """The forecaster and what it belongs to (a minister's state, a ministry's government)."""
    side = {forecaster} if forecaster else set()
    side |= {m["affiliation"] for m in mentions if m["name"] == forecaster and m.get("affiliation")}
    book = alias_book()
    for name in list(side):
        entry = book.by_name.get(name)
        while entry is not None and entry.affiliation and entry.affiliation not in side:
            side.add(entry.affiliation)
            entry = book.by_name.get(entry.affiliation)
    return side


def _is_observer(attribution: Attribution, mentions: list[dict[str, Any]]) -> bool:
    """An analyst or researcher foresees; only a party to events commits."""
    roles = set(vocabulary()["observer_roles"])
    if attribution.kind == "anonymous":
        words = (attribution.forecaster or "").replace("(unnamed)", "").split()
        return any(w.lower().rstrip("s") in roles for w in words)
    for m in mentions:
        if m["name"] == attribution.forecaster and m.get("role"):
            if any(w.strip(",.").lower().rstrip("s") in roles for w in m["role"].split()):
                return True
    return False


def intention_holder(cand: Candidate, mentions: list[dict[str, Any]]) -> Attribution | None:
    """'The RSF aims to consolidate control', 'Houthis vow to hit back': an intention the article
    reports in its own voice is held by the actor who acts, when the text names it."""
    subject = _subject(cand)
    if subject is None:
        return participle_holder(cand, mentions)
    words = [subject, *[c for c in subject.children if c.dep_ in {"compound", "poss"}]]
    found = next((m for w in words for m in mentions if m["char_start"] <= w.idx < m["char_end"] and m.get("name")), None)
    if found is None:
        return None
    return Attribution(found["name"], "named", doc_text(subject.doc)[found["char_start"]:found["char_end"]], "intention holder")


def participle_holder(cand: Candidate, mentions: list[dict[str, Any]]) -> Attribution | None:
    """'videos of its commander, Abdelrahim Dagalo, promising to provide food': a participle has no
    subject of its own; the person named last before it in the sentence is the one promising."""
    trigger = next((t for t in cand.triggers if t.tag_ == "VBG"), None)
    if trigger is None:
        return None
    sentence = trigger.sent
    before = [m for m in mentions if sentence.start_char <= m["char_start"] and m["char_end"] <= trigger.idx
              and m.get("kind") == "person" and m.get("name")]
    if not before:
        return None
    last = max(before, key=lambda m: m["char_end"])
    return Attribution(last["name"], "named", doc_text(trigger.doc)[last["char_start"]:last["char_end"]], "intention holder")
