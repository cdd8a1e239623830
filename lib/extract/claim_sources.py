"""A claim's source: every attribution in a sentence and the one behind each figure.

Claims ask "who stands behind this figure?" of whole sentences: several reporting verbs, 'according
to', 'reportedly', a colon introducing a list, a coordinated clause with a speaker of its own. The
naming of each source phrase is `lib/extract/attribution.py`'s (shared with quotes and forecasts);
this module adds the sentence geometry only claims need: which attribution governs which figure
(FactBank nesting, the outermost reporting verb first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Span, Token

from lib.extract.attribution import (
    Speaker,
    according_to_object,
    anonymous_group,
    is_anonymous,
    name_speaker,
    origin_of,
    owned_body,
    people_by_origin,
    quoting_verb,
    resolve_name,
    speaker_book,
    speaking_subject,
)
from lib.extract.reporting import (
    ACCORDING_STRENGTH,
    PRONOUNS,
    cue_subject,
    cues,
    gender_vocabulary,
    named_prep,
    reporting_verbs,
    source_text,
    speaker_cues,
)

# ---------------------------------------------------------------------------------------------
# Claims: every attribution in a sentence and the one behind a figure


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
    origin: str | None = None  # whom the source cites ('citing the NIS'); None when no one

    def as_row(self) -> dict[str, Any]:
        source = None if self.anonymous else self.source_name
        return {
            "source_text": self.source_text,
            "source_name": source,
            "co_sources": self.co_sources,
            "origin": self.origin or source,
            "attribution": "anonymous" if self.anonymous else "named",
            "attribution_rule": self.rule,
            "reporting_verb": self.verb,
            "reporting_strength": self.strength,
        }


AUTHOR = {"source_text": None, "source_name": None, "co_sources": [], "origin": None, "attribution": "author",
          "attribution_rule": None, "reporting_verb": None, "reporting_strength": None}


def _build_attribution(rule: str, head: Token, verb: str, strength: int, anchor: Token,
                       mentions: list[dict[str, Any]], previous_person: str | None,
                       prior: tuple[tuple[str, str], ...] = ()) -> Attribution | None:
    attribution = _make_attribution(rule, head, verb, strength, anchor, mentions, previous_person)
    if attribution is None:
        return None
    attribution.head_idx = head.idx
    earlier = _definite_anaphor(head, prior) if attribution.rule in {rule, "named"} else None
    if earlier is not None:
        attribution.source_name, attribution.anonymous, attribution.rule = earlier, False, "anaphor"
    if anchor.pos_ == "VERB":
        attribution.origin = origin_of(anchor, mentions)
    return attribution


def _definite_anaphor(head: Token, prior: tuple[tuple[str, str], ...]) -> str | None:
    """'the agency', 'the institute', 'the ministry': a definite common noun that points back to the
    latest named source of the document whose words contain it."""
    if head.pos_ != "NOUN" or not any(c.dep_ == "det" and c.lower_ == "the" for c in head.children):
        return None
    if any(t.pos_ in {"PROPN"} or t.ent_type_ in {"NORP", "GPE"} for t in head.subtree):
        return None
    word = head.lemma_.lower()
    for text, name in reversed(prior):
        if re.search(rf"\b{re.escape(word)}", text.lower()) or re.search(rf"\b{re.escape(word)}", name.lower()):
            return name
    return None


def _make_attribution(rule: str, head: Token, verb: str, strength: int, anchor: Token,
                      mentions: list[dict[str, Any]], previous_person: str | None) -> Attribution | None:
    """One attribution of a source phrase, or None when the phrase names no one ("the risks
    suggest"). A speaker the naming rules are sure of (a definite description pointing back, a
    body, a role, the issuer of a statement) is never taken for an abstract noun; a bare plural
    naming no one ('Aid groups said') is anonymous."""
    text = source_text(head)
    book = speaker_book(head.doc, mentions)
    if head.lower_ in PRONOUNS:
        name = book.resolve_pronoun(head.lower_, head.idx) or previous_person
        return Attribution("pronoun", text, name, [], name is None, verb, strength, anchor)
    speaker = name_speaker(head, mentions, book)
    strong = speaker is not None and bool(speaker.name) and speaker.rule in {"anaphor", "speaks-for", "role", "body"}
    if not strong and not is_anonymous(head) and _abstract_subject(head, mentions):
        return None
    if anonymous_group(head) and not any(m["char_start"] <= head.idx < m["char_end"] for m in mentions):
        return Attribution(rule, text, None, [], True, verb, strength, anchor)
    if speaker is None and not is_anonymous(head):  # a source noun that names itself: "the army said"
        speaker = Speaker(resolve_name(head, mentions), text, "named")
    if speaker is None or speaker.anonymous or not speaker.name:
        return Attribution(rule, text, None, [], True, verb, strength, anchor)
    co = [resolve_name(c, mentions) for c in head.conjuncts]
    named_rule = rule if speaker.rule in {"named", "anonymous", "speaks-for", "body"} else speaker.rule
    return Attribution(named_rule, text, speaker.name, [c for c in co if c != speaker.name], False, verb, strength, anchor)


def _abstract_subject(head: Token, mentions: list[dict[str, Any]]) -> bool:
    """A common noun that names no one ("the involvement of X signals", "the risks suggest").

    Only a head that is neither an actor mention, a noun that can speak (lib/data/claim_cues.yaml
    `source_nouns`), a named thing ("the Houthi-run Al-Masirah television") nor a body placed by a
    name ("Police in Red Sea state") is dropped: any doubt keeps the attribution.
    """
    speaking = set(cues()["source_nouns"]) | gender_vocabulary()["role_nouns"] | speaker_cues()["state_nouns"]
    if head.pos_ != "NOUN" or head.lemma_.lower() in speaking or head.lower_ in speaking:
        return False
    if head.is_upper and head.is_alpha and len(head) >= 2:
        return False  # an acronym the tagger took for a common noun ("SITE added")
    if any(c.dep_ in {"appos", "compound"} and c.pos_ == "PROPN" for c in head.children):
        return False
    if people_by_origin(head):
        return False
    if owned_body(head) or any(named_prep(c) for c in head.children):
        return False
    return not any(m["char_start"] <= head.idx < m["char_end"] for m in mentions)


def colon_attribution(unit: Span, target: Token, mentions: list[dict[str, Any]],
                      previous_person: str | None) -> Attribution | None:
    """Who stands behind a figure that follows a colon: 'The ministry gave its toll: 45 killed',
    or a sentence right after a line ending 'The ministry said in a statement:'. What follows the
    colon is the introducer's; the parse rarely hangs it under the introducing verb. Rule 'verb'
    in the same sentence, 'carried' from the one before."""
    colons = [t for t in unit if t.text == ":" and t.i < target.i]
    if colons:
        return _introducer(unit.doc[unit.start:colons[-1].i], mentions, previous_person, "verb")
    i = unit.start - 1
    while i >= 0 and unit.doc[i].is_space:
        i -= 1
    if i < 0 or unit.doc[i].text != ":":
        return None
    sentence = unit.doc[i].sent
    return _introducer(unit.doc[sentence.start:i], mentions, previous_person, "carried")


def _introducer(intro: Span, mentions: list[dict[str, Any]], previous_person: str | None,
                rule: str) -> Attribution | None:
    """The named source of the words before a colon: the subject of a reporting verb, or of a verb
    whose object is a statement ('gave its latest toll', 'issued a statement')."""
    verbs = reporting_verbs()
    statements = speaker_cues()["statement_nouns"]
    for token in reversed(intro):
        speaks = token.lemma_.lower() in verbs or any(c.dep_ == "dobj" and c.lemma_.lower() in statements
                                                      for c in token.children)
        subject = cue_subject(token) if token.pos_ == "VERB" and speaks else None
        if subject is None:
            continue
        lemma = token.lemma_.lower() if token.lemma_.lower() in verbs else "say"
        found = _build_attribution(rule, subject, lemma, verbs[lemma].strength or 0, token, mentions, previous_person)
        if found is not None and found.source_name:
            found.rule = rule
            return found
    return None


def find_attributions(unit: Span, mentions: list[dict[str, Any]], previous_person: str | None,
                      prior: tuple[tuple[str, str], ...] = ()) -> list[Attribution]:
    """Every attribution in a sentence, found in the dependency parse.

    Patterns: "X said/confirmed/claimed/warned (that)", "X told <outlet>", "X, in a statement, said",
    "according to (a statement by) X", "as revealed by X" (a reporting verb with an agent),
    "reportedly" (anonymous), "Reports suggest" (an anonymous subject).
    """
    found: list[Attribution | None] = []
    for token in unit:
        found.extend(_attributions_at(token, unit, mentions, previous_person, prior))
    # A head outside the sentence unit is a heading the parser glued on ("Expected Deployment: X stated")
    return [a for a in found if a is not None and a.anchor is not None
            and unit.start_char <= _head_offset(a) < unit.end_char]


def _attributions_at(token: Token, unit: Span, mentions: list[dict[str, Any]], previous_person: str | None,
                     prior: tuple[tuple[str, str], ...]) -> list[Attribution | None]:
    verbs = reporting_verbs()
    lemma = token.lemma_.lower()
    according = according_to_object(token)
    if according is not None:
        return [_build_attribution("according_to", according, "according to", ACCORDING_STRENGTH, token,
                                   mentions, previous_person, prior)]
    if lemma in verbs and token.pos_ == "VERB":
        strength = verbs[lemma].strength or 0
        return [_build_attribution(rule, head, lemma, strength, token, mentions, previous_person, prior)
                for rule, head in _verb_sources(token, unit)]
    if token.lower_ in cues()["anonymous_adverbs"]:
        return [Attribution("adverb", token.text, None, [], True, "report", verbs["report"].strength - 2, token.head)]
    return []


def _verb_sources(token: Token, unit: Span) -> list[tuple[str, Token]]:
    """(rule, head) of every phrase a reporting verb attributes to."""
    heads: list[tuple[str, Token]] = []
    if token.dep_ == "acl" and token.head.pos_ in {"NOUN", "PROPN"}:
        heads.append(("verb", token.head))
    orphan = _orphan_subject(token, unit)
    if orphan is not None:
        heads.append(("verb", orphan))
    quoting = quoting_verb(token)
    if quoting is not None:
        # "AFP quoted the Emergency Response Room as saying ...": AFP tells us; the room is the origin
        heads.extend(("verb", c) for c in quoting.children if c.dep_ == "nsubj")
    subjects = [c for c in token.children if c.dep_ == "nsubj"]
    for child in token.children:
        if child.dep_ == "nsubj" and len(subjects) > 1 and _clause_inside(child):
            continue  # a misparse: "an airstrike ..., killed 17 people, the AA said": the AA speaks
        if child.dep_ == "nsubj" and any(g.like_num for g in child.children):
            # "500 officers, Ukraine's spy chief X told": a misparse; the name in apposition speaks
            named = [g for g in child.children if g.dep_ == "appos" and g.pos_ in {"PROPN", "NOUN"}]
            if named:
                child = named[-1]
        if child.dep_ in {"nsubj", "appos"} and not (child.lower_ == "it" and not speaking_subject(child)):
            heads.append(("verb", child))
        elif child.dep_ == "agent":
            heads.extend(("agent", pobj) for pobj in child.children if pobj.dep_ == "pobj")
    if not heads and token.dep_ == "conj" and token.head.pos_ in {"VERB", "AUX"}:
        # "It did not give a toll, but said gendarmes had arrested 11": the subject is shared
        shared = next((c for c in token.head.children if c.dep_ == "nsubj"), None)
        if shared is not None and unit.start <= shared.i < unit.end:
            heads.append(("verb", shared))
    return heads


def _clause_inside(head: Token) -> bool:
    """A subject whose phrase holds a whole clause with its own object ('an airstrike in X,
    killed 17 people'): the parser took a sentence's event for the speaker."""
    return any(t.dep_ == "acl" and t.pos_ == "VERB" and t.tag_ in {"VBD", "VBN"} and any(c.dep_ == "dobj" for c in t.children)
               for t in head.subtree)


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
    attribution at the root; an anonymous adverb ("reportedly") last. A reporting verb that speaks
    only for its own clause (a relative clause, a later 'and X said') never takes a figure it does
    not govern.
    """
    if not attributions:
        return None
    named = [a for a in attributions if a.rule != "adverb"]
    if target is not None:
        governing = [a for a in named if _governs(a.anchor, target)]
        if governing:
            return min(governing, key=lambda a: _depth(a.anchor))
        named = [a for a in named if not _own_clause_only(a.anchor, target)]
        kept = {id(a) for a in named}
        attributions = [a for a in attributions if a.rule == "adverb" or id(a) in kept]
        if not attributions:
            return None
    according = [a for a in named if a.rule == "according_to"]
    if according:
        return according[0]
    if named:
        return min(named, key=lambda a: (_depth(a.anchor), a.anchor.i if a.anchor is not None else 0))
    return attributions[0]


def _own_clause_only(anchor: Token | None, target: Token) -> bool:
    """A reporting verb that speaks only for its own clause: inside a relative clause ("...
    Pashinyan, who has said Armenia will not be dragged ...") or a later coordinated clause with its
    own subject ("Thousands fled, and the UN agency said it expected ..."). A figure it does not
    govern is not its claim."""
    if anchor is None or anchor.pos_ != "VERB" or _governs(anchor, target):
        return False
    shared = set(target.ancestors) | {target}
    for clause in (anchor, *anchor.ancestors):
        if clause in shared:
            return False
        if clause.dep_ == "relcl":
            return True
        if clause.dep_ == "conj" and clause.i > target.i and any(c.dep_ == "nsubj" for c in clause.children) \
                and _coordinated_after(clause, target):
            return True
    return False


def _coordinated_after(clause: Token, target: Token) -> bool:
    """An 'and'/'but' between the figure and the clause: a clause of its own, not a post-posed
    cue the parser hung as a conjunct ("killed 53 people, the television reported")."""
    # the 'and' must open the clause (", and the agency said"), not join two tolls before it
    # ("Three soldiers were killed and 15 injured ..., state-run TASS reported")
    subject = next((c for c in clause.children if c.dep_ == "nsubj"), clause)
    opening = max(target.i, subject.left_edge.i - 3)
    return any(c.dep_ == "cc" and opening < c.i < clause.i for c in (*clause.head.children, *clause.children))


def _depth(token: Token | None) -> int:
    return 0 if token is None else sum(1 for _ in token.ancestors)
