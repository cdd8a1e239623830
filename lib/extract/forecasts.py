"""Forecasts: predictions with forecaster, target, probability and horizon; the scored ledger.

Why this stage exists: news copy is full of predictions ("expected to join the fight within the
coming weeks", "very little chance of another world war") but nobody records who predicted what,
how sure they were and by when, so nobody can later say who was right. This module

1. finds forward-looking clauses from the dependency parse (modal auxiliaries, "expected to",
   "plans to", "risks ...ing", "unlikely to", "very little chance of"), not from regexes on raw
   text, so "the resources and will to assist" (a noun) is not a forecast;
2. attributes each to a forecaster: the quoted speaker, the subject of "X believes/said that",
   an anonymous group ("analysts (unnamed)"), else the article itself;
3. maps the probability words to a band on ICD 203's published scale, or by the documented
   workbook rule for modals no scale lists (lib/data/forecast_modals.csv);
4. resolves the horizon against the article's date (lib.horizons);
5. joins a researcher-edited ledger (notebooks/resolutions.csv) to score forecasters (Brier).

Probability convention (platform style): `probability_low/high` is the probability that the
TARGET EVENT HAPPENS, read in its positive form. "NATO will not deploy forces" is the event
"NATO deploy forces" at 0.05-0.20 with polarity 'does not happen'. The ledger's outcome answers
the same question: 'yes' = the target event happened."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from spacy.tokens import Doc, Span, Token

from lib.core import horizons
from lib.core.document import Document, paragraphs_with_offsets
from lib.core.nlp import doc_text
from lib.extract.clauses import Candidate, line_bounds, on_line, segment, subject_of, vocabulary
from lib.extract.intentions import _subject, forecast_kind, in_direct_quote, intention_holder
from lib.extract.probability import HAPPENS, INTENTION, NOT_HAPPENS, Band, band_for, modal_rules
from lib.extract.speakers import Attribution, Context, attribute, negated_belief, speaker_events

# --------------------------------------------------------------------------------------------
# Finding forward-looking clauses in the parse
# --------------------------------------------------------------------------------------------

ESTIMATIVE_ADVERBS = ("likely", "probably", "certainly", "possibly", "potentially", "unlikely", "surely",
                      "definitely", "improbably")


NEGATIONS = ("not", "n't", "never", "no")


INTENSIFIERS = ("almost", "very", "highly", "nearly", "most", "quite")


HABITUAL = ("often", "usually", "always", "sometimes", "regularly", "typically", "frequently", "once")


def _modal_phrase(token: Token) -> str:
    lemma = token.lemma_.lower()
    if token.lower_ in {"wo", "'ll", "’ll"}:
        return "will"
    return lemma


BE_FORMS = {"be", "is", "are", "was", "were", "been", "being", "'s", "’s", "'re", "’re", "am", "'m", "’m"}


def _is_be(token: Token) -> bool:
    # the small model lemmatises a curly "’s" to "’", so the form is checked too
    return token.lemma_ == "be" or token.lower_ in BE_FORMS


def _has_be(token: Token) -> bool:
    return any(c.dep_ in {"aux", "auxpass", "cop"} and _is_be(c) for c in token.children) or _is_be(token.head)


def _complement_of(token: Token) -> Token | None:
    for child in token.children:
        if child.dep_ == "xcomp" and child.pos_ in {"VERB", "AUX"}:
            return child
    return None


def _nearness(token: Token) -> tuple[Token, str, Token] | None:
    """(outcome verb, cue phrase, the 'be' it hangs from) of 'is on the verge of falling' or 'we are
    months away from removing', else None."""
    vocab = vocabulary()
    if token.lemma_.lower() in vocab["nearness_nouns"] and token.dep_ == "pobj" and token.head.lower_ == "on":
        phrase, holder = "on the verge of", token.head.head
    elif token.lower_ == "away" and any(c.dep_ == "npadvmod" and c.lemma_.lower() in vocab["nearness_spans"]
                                        for c in token.children):
        phrase, holder = "away from", token.head
    else:
        return None
    preposition = "of" if phrase == "on the verge of" else "from"
    for prep in (c for c in token.children if c.dep_ == "prep" and c.lower_ == preposition):
        outcome = next((c for c in prep.children if c.dep_ == "pcomp" and c.tag_ == "VBG"), None)
        if outcome is not None and holder.lemma_.lower() == "be":
            return outcome, phrase, holder
    return None


def _add(found: dict[int, Candidate], head: Token, trigger: Token, part: str, priority: int, kind: str,
         outer: Token | None = None) -> None:
    cand = found.setdefault(head.i, Candidate(head=head, kind=kind))
    cand.triggers.append(trigger)
    cand.parts.append((priority, part))
    if kind != "modal":
        cand.kind = kind
    outer = outer or trigger
    if cand.outer is None or cand.outer.i in {t.i for t in outer.subtree}:
        cand.outer = outer  # keep the outermost cue: the clause and its subject hang from it


def _candidates(sentence: Span) -> list[Candidate]:
    vocab = vocabulary()
    modals = set(vocab["modals"])
    complements = vocab["complement_triggers"]
    objects = vocab["object_triggers"]
    found: dict[int, Candidate] = {}
    for token in sentence:
        lemma = token.lemma_.lower()
        if token.tag_ == "MD" and _modal_phrase(token) in modals and token.dep_ in {"aux", "auxpass"}:
            _add(found, token.head, token, _modal_phrase(token), 2, "modal", outer=token.head)
            continue
        if lemma == "risk" and token.i + 1 < sentence.end and token.doc[token.i + 1].tag_ == "VBG":
            # "the conflict risks escalating": the tagger often reads 'risks' as a plural noun.
            _add(found, token.doc[token.i + 1], token, "risks", 1, "complement", outer=token)
            continue
        if lemma not in complements and token.lower_ in complements:
            lemma = token.lower_  # "poised" lemmatises to "poise"
        if lemma in complements:
            needs_be = lemma in vocab["needs_be"]
            target = _complement_of(token)
            if target is None and token.pos_ == "VERB":  # "we expect the talks to resume"
                target = next((c for c in token.children if c.dep_ == "ccomp" and
                               any(a.tag_ == "TO" for a in c.children)), None)
            if target is None and token.pos_ == "ADJ":  # "it's unlikely that NATO will enter"
                holders = [token] + ([token.head] if token.dep_ == "acomp" else [])
                target = next((c for h in holders for c in h.children if c.dep_ == "ccomp"), None)
            if target is not None and (not needs_be or _has_be(token)):
                _add(found, target, token, complements[lemma], 1, "complement",
                     outer=token.head if token.dep_ == "acomp" else token)
                continue
        if lemma in {"expect", "anticipate"} and token.tag_ == "VBN" and _has_be(token) and \
                any(c.dep_ in {"nsubjpass", "nsubj"} and c.lower_ == "it" for c in token.children):
            clause = next((c for c in token.children if c.dep_ == "ccomp"), None)
            if clause is not None:  # "It is expected that North Korean troops will help"
                _add(found, clause, token, "expected to", 1, "complement", outer=token)
                continue
        if lemma in objects and token.pos_ == "VERB" and _complement_of(token) is None and token.tag_ != "VBN":
            obj = next((c for c in token.children if c.dep_ == "dobj"), None)
            if obj is not None and not any(c.dep_ == "ccomp" for c in token.children):
                _add(found, token, token, objects[lemma], 1, "object", outer=token)
                continue
        near = _nearness(token)
        if near is not None:  # "on the verge of falling", "months away from removing"
            outcome, phrase, holder = near
            _add(found, outcome, token, phrase, 1, "complement", outer=holder)
            continue
        if lemma in {"plan", "intention"} and token.pos_ == "NOUN":  # "with plans to dispatch 12,000 troops"
            clause = next((c for c in token.children if c.dep_ == "acl" and any(a.tag_ == "TO" for a in c.children)), None)
            if clause is not None:
                _add(found, clause, token, "plan to", 1, "complement", outer=token)
                continue
        if lemma == "potential" and token.pos_ == "NOUN" and token.head.lemma_ == "have" and \
                token.i + 2 < sentence.end and token.doc[token.i + 1].lower_ == "to":
            # "has the potential to sour relations": the small model often tags the verb as an adjective
            _add(found, token.doc[token.i + 2], token, "potential to", 1, "complement", outer=token.head)
            continue
        if _purpose_clause(found, token) or _risk_of(found, token) or _expected_noun(found, token):
            continue
        if lemma in vocab["chance_nouns"] and token.pos_ == "NOUN":
            phrase = _chance_phrase(token)
            if phrase and band_for([phrase]) is not None:
                clause = next((c for c in token.children if c.dep_ in {"acl", "ccomp", "relcl"} and c.pos_ in {"VERB", "AUX"}), None)
                if clause is not None:  # "a roughly even chance that Russia will take the city"
                    _add(found, clause, token, phrase, 0, "complement", outer=token)
                else:
                    _add(found, token, token, phrase, 0, "chance", outer=token)
    for cand in found.values():  # adverbs such as 'likely' in 'would likely not see'
        for child in cand.head.children:
            if child.dep_ == "advmod" and child.lower_ in ESTIMATIVE_ADVERBS:
                modifiers = [c for c in child.children if c.dep_ == "advmod"]
                before = child.doc[child.i - 1] if child.i > 0 else None
                if before is not None and before.lower_ in INTENSIFIERS and all(m.i != before.i for m in modifiers):
                    modifiers.insert(0, before)  # "would almost certainly": 'almost' often hangs on the verb
                words = [c.lower_ for c in modifiers] + [child.lower_]
                cand.triggers.extend(modifiers + [child])
                # an ICD word ('likely') outranks the modal; a bare hedge ('potentially') does not
                priority = 0 if child.lower_ not in {"possibly", "potentially"} else 3
                cand.parts.append((priority, " ".join(words)))
    _fold_modal_cues(found)
    _drop_nested_risks(found)
    return sorted(found.values(), key=lambda c: c.head.i)


def _drop_nested_risks(found: dict[int, Candidate]) -> None:
    """ "could embolden Pyongyang, potentially increasing the risk of conflict": the risk spells
    out the forecast it hangs in, it is not a second one."""
    risks = [i for i, c in found.items() if c.kind == "chance" and c.parts == [(0, "risk of")]]
    for i in risks:
        if any(j != i and i in {t.i for t in other.head.subtree} for j, other in found.items()):
            del found[i]


def _fold_modal_cues(found: dict[int, Candidate]) -> None:
    """ "I would expect the Ukrainians to try": 'would' hedges the expectation, it predicts no
    event of its own; the modal joins the forecast its verb introduces."""
    cues = {t.i: c for c in found.values() for t in c.triggers if t.i != c.head.i}
    for i in [i for i, c in found.items() if c.kind == "modal" and i in cues]:
        modal = found.pop(i)
        cues[i].parts.extend((p + 1, part) for p, part in modal.parts)


def _purpose_clause(found: dict[int, Candidate], noun: Token) -> bool:
    """ "The army's main task was to drive the enemy out": a purpose noun, subject of 'be', whose
    infinitive names what the actor means to do."""
    if noun.lemma_.lower() not in vocabulary()["purpose_nouns"] or noun.dep_ != "nsubj" or not _is_be(noun.head):
        return False
    verb = next((c for c in noun.head.children if c.dep_ in {"xcomp", "ccomp", "attr", "advcl"} and
                 c.pos_ in {"VERB", "AUX"} and any(a.tag_ == "TO" for a in c.children)), None)
    if verb is None:
        return False
    _add(found, verb, noun, "designed to", 1, "complement", outer=noun.head)  # a stated purpose: no band
    return True


def _risk_of(found: dict[int, Candidate], noun: Token) -> bool:
    """ "heightened the risk of a wider exodus", "faced the risk of ethnic cleansing": a danger
    the text asserts is a forecast without a band."""
    if noun.lemma_.lower() not in vocabulary()["risk_nouns"] or noun.pos_ != "NOUN":
        return False
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    if of is None or not any(c.dep_ in {"pobj", "pcomp"} for c in of.children) or not _risk_asserted(noun):
        return False
    _add(found, noun, noun, "risk of", 0, "chance", outer=noun)
    return True


def _risk_asserted(noun: Token) -> bool:
    """The risk is raised, faced or warned of, or said to be high; not merely talked about."""
    vocab = vocabulary()
    governor = noun.head.head if noun.dep_ == "pobj" else noun.head  # "warned of the risk of"
    if noun.dep_ in {"dobj", "pobj"} and governor.lemma_.lower() in vocab["risk_verbs"]:
        return True
    return noun.dep_ == "nsubj" and _is_be(noun.head) and \
        any(c.dep_ == "acomp" and c.lower_ in vocab["risk_levels"] for c in noun.head.children)


def _expected_noun(found: dict[int, Candidate], token: Token) -> bool:
    """ "A larger package was expected before the end of the year": a passive 'expected' with a
    thing as its subject and no infinitive predicts that the thing arrives."""
    if token.lemma_.lower() != "expect" or token.tag_ != "VBN" or _complement_of(token) is not None:
        return False
    subject = next((c for c in token.children if c.dep_ == "nsubjpass"), None)
    if subject is None or subject.pos_ not in {"NOUN", "PROPN"} or \
            not any(c.dep_ == "auxpass" for c in token.children) or \
            any(c.dep_ in {"ccomp", "xcomp", "advcl"} or c.lower_ == "as" or c.lemma_ == "have" for c in token.children):
        return False  # "as expected", "the push had been expected" (told, not foreseen)
    _add(found, token, token, "expected to", 1, "expected", outer=token)
    return True


def _chance_phrase(noun: Token) -> str | None:
    """'very little chance', 'a roughly even chance', 'no chance' from the noun's modifiers."""
    mods: list[Token] = []
    for child in noun.lefts:
        if child.dep_ in {"amod", "det", "advmod", "compound"}:
            mods.extend(t for t in child.subtree)
    words = [t.lower_ for t in sorted(mods, key=lambda t: t.i) if t.lower_ not in {"a", "an", "the"}]
    return " ".join(words + [noun.lower_]) if words else None


def _participle_aside(cand: Candidate) -> bool:
    """ "the department said, pledging to repatriate the remains" reports a pledge; "has sought to
    deepen ties, aiming to secure aid" or "seized power promising to defeat" only describe."""
    verbs = set(vocabulary()["attribution_verbs"])
    commitments = {k for k, v in vocabulary()["complement_triggers"].items()
                   if getattr(modal_rules().get(v), "kind", None) == INTENTION}
    for t in cand.triggers:
        if t.tag_ == "VBG" and t.dep_ in {"advcl", "acl", "xcomp"} and t.lemma_.lower() in commitments and \
                not any(c.dep_ in {"aux", "auxpass"} for c in t.children):
            return t.head.lemma_.lower() not in verbs | MEDIA_ACTS
    return False


# Acts that put someone's words out ("posted videos of its commander, promising to provide food").
MEDIA_ACTS = {"post", "publish", "release", "issue", "broadcast", "air", "appear", "show", "share", "tweet"}


def _is_question(head: Token) -> bool:
    start, end = segment(head)
    text = doc_text(head.doc)[start:end].rstrip().rstrip("\"”’'»)")
    return text.endswith("?")


def _is_heading(head: Token) -> bool:
    """A line with no final punctuation and few words: a headline, subheading or link text.
    Headlines restate the body (and are often questions); the body's sentence is the forecast."""
    start, end = line_bounds(doc_text(head.doc), head.idx)
    line = doc_text(head.doc)[start:end].strip()
    return bool(line) and line[-1] not in ".!?\"”’'»:;)" and len(line.split()) <= 20


def _under_reporting_verb(token: Token) -> bool:
    verbs = set(vocabulary()["attribution_verbs"])
    return any(a.lemma_.lower() in verbs and on_line(a, token) for a in token.ancestors)  # not a headline's verb


def _excluded(cand: Candidate) -> str | None:
    head = cand.head
    vocab = vocabulary()
    if cand.kind != "chance" and head.lemma_.lower() in vocab["non_event_heads"]:
        return "non-event head"
    if head.dep_ == "relcl" and cand.kind == "modal" and not any(c.lower_ in {"where", "when"} for c in head.children) \
            and head.head.dep_ != "attr":
        # "a partner who will protect it" describes; "a reality where X could" and "civilians are
        # the ones who will pay" (the clause is the predicate of its subject) predict
        return "relative clause"
    if any(a.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in {"if", "unless", "until"} for c in a.children)
           for a in [head] + list(head.ancestors)[:3]):
        return "inside a condition"  # "... until the Houthis said they would stop firing"
    if _is_question(head) or _is_heading(head):
        return "question or heading"
    if _participle_aside(cand):
        return "participle aside"
    if any(c.lower_ in {"more", "less", "most", "least"} for t in cand.triggers for c in t.children):
        return "comparative"  # "whichever country is more likely to win" ranks, it does not predict
    modal_words = {_modal_phrase(t) for t in cand.triggers if t.tag_ == "MD"}
    if "would" in modal_words and any(c.lower_ in HABITUAL for c in head.children):
        return "habitual past"  # "farmers would often sell their grain"
    if cand.kind == "modal" and modal_words == {"could"} and _negated(cand) and \
            not any(c.dep_ == "advcl" and any(m.lower_ in {"if", "unless"} for m in c.children) for c in head.children):
        return "past ability"  # "the troops could not reach the river", "could not be reached for comment"
    if _obligation(head, modal_words):
        return "obligation"  # "will have to consider" prescribes
    if _counterfactual(head, modal_words):
        return "counterfactual"  # "delay would have cost us more lives" looks back
    subject = subject_of(head)
    if subject is not None and subject.doc[subject.left_edge.i].lower_ in {"whoever", "whatever", "whichever"}:
        return "generic condition"  # "whoever lays down his rifle will be safe" states a rule
    if any(c.dep_ == "mark" and c.lower_ in {"as", "than"} for c in head.children):
        return "comparison clause"
    if head.dep_ in {"ccomp", "csubj", "pcomp", "advcl", "xcomp"} and any(
            _wh_word(c) and c.i < head.i for c in head.children):
        return "embedded question"  # "it is unclear how the troops will be used", "how long it would last"
    return None


def _wh_word(token: Token) -> bool:
    """A wh-word or 'whether' opening a clause, also inside its first phrase ("how long", "which town")."""
    words = [token] + [c for c in token.children if c.i < token.i]
    return any(w.tag_ in {"WRB", "WP", "WDT", "WP$"} or w.lower_ == "whether" for w in words)


def _obligation(head: Token, modal_words: set[str]) -> bool:
    """ "will have to consider" prescribes; "may have to move troops" (a hedged modal) and "will
    have to be supplied by boat" (a passive necessity) predict what circumstances will force."""
    if head.lemma_ != "have":
        return False
    need = next((c for c in head.children if c.dep_ == "xcomp"), None)
    if need is None:
        return False
    hedged = bool(modal_words & {"may", "might", "could"})
    passive = any(c.dep_ == "auxpass" for c in need.children)
    return not (hedged or passive)


def _counterfactual(head: Token, modal_words: set[str]) -> bool:
    """'would/could/might have' + past participle talks about a past that did not happen."""
    return head.tag_ == "VBN" and bool(modal_words & {"would", "could", "might", "may"}) and \
        any(c.dep_ == "aux" and c.lemma_ == "have" and c.tag_ == "VB" for c in head.children)


def _past_narration(cand: Candidate, horizon: horizons.Horizon | None, base: date | None) -> bool:
    """ "In 2022 the bloc was expected to act" or "the ministry planned to build a port" tell
    history; the same words under a reporting verb ("warned that Russia planned to send") or
    with a time still ahead ("threatened to seize the airport by the end of the month") predict."""
    past = [t for t in cand.triggers if t.tag_ == "VBD" or
            (t.tag_ == "VBN" and any(c.dep_ in {"aux", "auxpass"} and c.tag_ == "VBD" for c in t.children))]
    if not past or _under_reporting_verb(past[0]):
        return False
    speech_act = past[0].lemma_.lower() in vocabulary()["speech_act_cues"]
    if speech_act and horizon is not None and not _inside(horizon, cand.head):
        horizon = None  # "vowed on Saturday to keep fighting": the day of the vow, not of the deed
    if horizon is not None and (base is None or horizon.end is None or horizon.end > base):
        return False  # a time still ahead; the day itself ("Sept 21 - ...", a dateline) is not
    # a reported vow ("vowed to keep fighting") still stands, unless its time is past ("in 2023")
    return horizon is not None or not speech_act


def _inside(horizon: horizons.Horizon, head: Token) -> bool:
    tokens = list(head.subtree)
    return tokens[0].idx <= horizon.char_start < tokens[-1].idx + len(tokens[-1].text)


# --------------------------------------------------------------------------------------------
# Clause span, target, polarity, condition
# --------------------------------------------------------------------------------------------

def _clause_tokens(cand: Candidate, other_heads: set[int] = frozenset()) -> list[Token]:
    """The clause of the forecast: the outer cue's subtree minus coordinated or subordinate
    clauses that hold forecasts of their own, and minus a parenthetical attribution ("diplomats said")."""
    root = cand.outer or cand.head
    if root.i not in {t.i for t in cand.head.subtree} and cand.head.i not in {t.i for t in root.subtree}:
        root = cand.head
    drop: set[int] = set()
    for token in root.subtree:
        if token.i == cand.head.i or cand.head.i in {t.i for t in token.subtree}:
            continue
        inner = {t.i for t in token.subtree}
        if token.dep_ in {"conj", "advcl"} and token.pos_ in {"VERB", "AUX"} and (inner & other_heads or _own_clause(token)):
            drop.update(inner)
            drop.update(c.i for c in token.head.children if c.dep_ == "cc" and c.i < token.i)
        elif token.dep_ == "parataxis" and token.lemma_.lower() in vocabulary()["attribution_verbs"]:
            drop.update(inner)
        elif token.dep_ == "prep" and token.lower_ == "according":  # "..., according to officials"
            drop.update(inner)
            drop.update(t.i for t in token.doc[max(token.i - 1, 0):token.i] if t.is_punct)
    kept = [t for t in root.subtree if t.i not in drop and not t.is_punct and on_line(t, cand.head)]
    while len(kept) > 1 and kept[0].dep_ == "mark" and kept[0].lower_ == "that":
        kept = kept[1:]  # "that NATO will ...": the complementiser belongs to the reporting clause
    return kept or [cand.head]


def _own_clause(token: Token) -> bool:
    """A coordinated clause with its own subject ("..., and representatives held talks on
    Thursday") or a 'while' contrast is a statement of its own, not part of the forecast."""
    if token.dep_ == "conj":
        return subject_of(token) is not None
    return any(c.dep_ == "mark" and c.lower_ in {"while", "whereas"} for c in token.children) and \
        subject_of(token) is not None


def _clause_span(cand: Candidate, other_heads: set[int] = frozenset()) -> tuple[int, int]:
    tokens = _clause_tokens(cand, other_heads)
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t.text) for t in tokens)
    seg_start, seg_end = segment(cand.head)
    start, end = max(start, seg_start), min(end, seg_end)
    text = doc_text(cand.head.doc)
    while start < end and text[start] in "\"“”‘’' [":  # quote marks around a clause are not part of it
        start += 1
    while end > start and text[end - 1] in "\"“”‘’' ,":
        end -= 1
    return start, end


def _short_phrase(token: Token | None, limit: int = 8) -> str | None:
    if token is None:
        return None
    skip: set[int] = set()
    for child in token.children:
        if child.dep_ in {"relcl", "acl", "appos", "advcl"} or (child.dep_ == "prep" and child.i > token.i + 3):
            skip.update(t.i for t in child.subtree)
    line = line_bounds(doc_text(token.doc), token.idx)
    words = [t for t in token.subtree if t.i not in skip and not t.is_punct and line[0] <= t.idx < line[1]]
    while words and words[0].dep_ == "det" and words[0].lower_ in {"the", "a", "an"}:
        words = words[1:]
    words = words[:limit]
    if not words:
        return None
    doc = token.doc
    return doc_text(doc)[words[0].idx: words[-1].idx + len(words[-1].text)].strip(" \"“”‘’'")


def _object(head: Token) -> Token | None:
    for dep in ("dobj", "attr", "oprd", "acomp", "xcomp"):
        child = next((c for c in head.children if c.dep_ == dep), None)
        if child is not None:
            return child
    prep = next((c for c in head.children if c.dep_ in {"prep", "agent"}), None)
    if prep is not None:
        return prep
    return None


def _event(cand: Candidate) -> str:
    head = cand.head
    if cand.kind == "chance":
        of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        pobj = next((c for c in of.children if c.dep_ in {"pobj", "pcomp"}), None) if of is not None else None
        return _short_phrase(pobj) or head.lemma_
    head = _do_little(head) or head
    particle = " ".join(c.lower_ for c in head.children if c.dep_ == "prt")
    lemma = head.lemma_.lower()
    if any(c.dep_ == "auxpass" for c in head.children):
        return f"be {head.lower_}" + (f" {particle}" if particle else "")
    return lemma + (f" {particle}" if particle else "")


def _do_little(head: Token) -> Token | None:
    """ "Iran will do little to provoke Israel": the predicted event is 'provoke', negated."""
    if head.lemma_ != "do" or not any(c.dep_ == "dobj" and c.lower_ in {"little", "nothing"} for c in head.children):
        return None
    for child in list(head.children) + [g for c in head.children for g in c.children]:
        if child.dep_ in {"xcomp", "advcl", "acl", "relcl"} and child.pos_ == "VERB":
            return child
    return None


def _negated(cand: Candidate) -> bool:
    if _do_little(cand.head) is not None:
        return True
    tokens = [cand.head] + cand.triggers + [c for c in cand.head.children if c.dep_ in {"aux", "auxpass"}]
    for token in tokens:
        if any(c.dep_ == "neg" or (c.lower_ in NEGATIONS and c.dep_ in {"advmod", "neg"}) or _no_longer(c)
               for c in token.children):
            return True
    subject = _subject(cand)
    if subject is not None and any(c.lower_ in {"no", "none"} for c in subject.children if c.dep_ == "det"):
        return True
    return subject is not None and subject.lower_ in {"none", "nobody", "nothing"}


def _no_longer(token: Token) -> bool:
    """ "could no longer be held": the small model hangs 'no' on 'longer', not on the verb."""
    return token.lower_ in {"longer", "more"} and token.dep_ == "advmod" and \
        any(c.lower_ == "no" for c in token.children)


def _condition(cand: Candidate) -> tuple[str | None, tuple[int, int] | None]:
    marks = set(vocabulary()["condition_marks"])
    for anchor in (cand.head, cand.outer):
        if anchor is None:
            continue
        for child in anchor.children:
            if child.dep_ != "advcl":
                continue
            words = [c for c in child.children if c.dep_ == "mark"]
            mark_text = " ".join(w.lower_ for w in words)
            if words and (mark_text in marks or words[-1].lower_ in marks):
                tokens = [t for t in child.subtree if not t.is_punct]
                start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
                return doc_text(cand.head.doc)[start:end], (start, end)
    return None, None


# --------------------------------------------------------------------------------------------
# Section context: "Forecast / Short-term / Long-term" outlooks
# --------------------------------------------------------------------------------------------

def _headings(text: str) -> list[tuple[int, int]]:
    """Short lines without final punctuation: section headings."""
    out = []
    for start, end in paragraphs_with_offsets(text):
        line = text[start:end].strip()
        if line and line[-1] not in ".!?\"”’:;," and len(line.split()) <= 6:
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            out.append((start + lead, start + lead + len(line)))
    return out


def _section_horizon(text: str, headings: list[tuple[int, int]], position: int,
                     base: date | None) -> horizons.Horizon | None:
    before = [h for h in headings if h[1] <= position]
    if not before:
        return None
    h_start, h_end = before[-1]
    found = horizons.find_horizons(text[h_start:h_end], base)
    if len(found) == 1 and found[0].char_start == 0 and found[0].char_end == h_end - h_start:
        f = found[0]
        return horizons.Horizon(h_start, h_end, f.text, f.start, f.end, f"section heading: {f.rule}")
    return None


# --------------------------------------------------------------------------------------------
# The per-document extractor
# --------------------------------------------------------------------------------------------

def normalise_statement(statement: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[\"“”‘’'`]", "", statement)).strip().lower()


def forecast_key(document_text: str, statement: str, event: str | None) -> str:
    """Ledger key: stable across re-runs, row order and re-ingest of the same text."""
    text_sha = hashlib.sha256(document_text.encode("utf-8")).hexdigest()
    payload = f"{text_sha}\n{normalise_statement(statement)}\n{event or ''}"
    return "fk-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _written(tokens: list[Token]) -> str:
    """Tokens as written: contiguous ones keep their own spacing ("won’t"), gaps become a space."""
    out = ""
    previous: Token | None = None
    for t in sorted({t.i: t for t in tokens}.values(), key=lambda t: t.i):
        if previous is not None:
            out += previous.whitespace_ if previous.i + 1 == t.i else " "
        out += t.text
        previous = t
    return out.strip()


def _probability(cand: Candidate) -> tuple[str, Band | None]:
    """The probability words as written and the band of their normalised form."""
    parts = [p for _, p in sorted(cand.parts, key=lambda x: x[0])]
    doc = cand.head.doc
    tokens: list[Token] = []
    for t in cand.triggers:
        if t.pos_ == "NOUN" and t.lemma_.lower() in vocabulary()["chance_nouns"]:
            tokens.extend(x for x in t.subtree if x.i <= t.i and x.lower_ not in {"a", "an", "the"})
            continue
        tokens.append(t)
        if cand.kind == "complement" and t.pos_ in {"VERB", "ADJ"} and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to":
            tokens.append(doc[t.i + 1])
        tokens.extend(c for c in t.children if c.dep_ == "neg" or c.lower_ in {"n't", "n’t"})
    holders = [cand.head] + [c for c in cand.head.children if c.dep_ in {"aux", "auxpass"}]
    tokens.extend(c for h in holders for c in h.children
                  if c.dep_ == "neg" and any(abs(c.i - t.i) <= 2 for t in cand.triggers))
    return _written(_main_run(tokens, cand)), band_for(_dedupe(parts))


def _key_triggers(cand: Candidate) -> list[Token]:
    """Cue tokens, the most informative first (ICD words and outer cues before modals)."""
    def rank(t: Token) -> int:
        if t.lower_ in ESTIMATIVE_ADVERBS and t.lower_ not in {"possibly", "potentially"}:
            return 0
        if t.tag_ == "MD":
            return 2
        return 1
    return sorted(cand.triggers, key=lambda t: (rank(t), t.i))


def _main_run(tokens: list[Token], cand: Candidate) -> list[Token]:
    """The contiguous run of cue words that carries the probability: in "it's unlikely that NATO
    will enter" the phrase is 'unlikely', not 'unlikely will'."""
    ordered = sorted({t.i: t for t in tokens}.values(), key=lambda t: t.i)
    runs: list[list[Token]] = []
    for t in ordered:
        if runs and t.i - runs[-1][-1].i <= 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    if not runs:
        return []
    for trigger in _key_triggers(cand):
        for run in runs:
            if any(t.i == trigger.i for t in run):
                return run
    return runs[0]


def _dedupe(parts: list[str]) -> list[str]:
    seen: list[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    return seen


def _directed_band(band: Band | None, negated: bool) -> tuple[float | None, float | None, str | None, str | None]:
    """(low, high, band label, rule) of P(event happens): a negation takes the complement."""
    if band is None:
        return None, None, None, None
    if band.low is None or band.high is None:
        return None, None, None, band.rule
    if negated:
        return round(1 - band.high, 4), round(1 - band.low, 4), f"not {band.band}", f"{band.rule}; negated, so 1 - band"
    return band.low, band.high, band.band, band.rule


def _row(document: Document, cand: Candidate, span: tuple[int, int], attribution: Attribution,
         horizon: horizons.Horizon | None, mentions: list[dict[str, Any]],
         quotes: list[dict[str, Any]]) -> dict[str, Any]:
    text = document.text
    negated = _negated(cand) != negated_belief(cand.outer or cand.head)
    phrase, band = _probability(cand)
    low, high, label, rule = _directed_band(band, negated)
    if low is not None and high is not None:
        polarity = NOT_HAPPENS if (low + high) / 2 < 0.5 else HAPPENS
    else:
        polarity = NOT_HAPPENS if negated else HAPPENS
    subject = _short_phrase(_subject(cand))
    event = _event(cand)
    obj = None if cand.kind == "chance" else _short_phrase(_object(cand.head))
    if cand.kind == "chance":
        subject, event = event, "happen"
    elif cand.kind == "object":  # "anticipates up to 15,000 troops": the object is what is predicted
        subject, event, obj = obj, "happen", None
    elif cand.kind == "expected":  # "a larger package was expected": the subject is what is predicted
        event, obj = "happen", None
    condition, _ = _condition(cand)
    kind = forecast_kind(cand, band, attribution, mentions, in_direct_quote(span, quotes))
    if kind == INTENTION and attribution.kind == "article":
        attribution = intention_holder(cand, mentions) or attribution
    statement = text[span[0]:span[1]]
    sentence = cand.head.sent
    forecast_id = "fc-" + hashlib.sha256(
        f"{document.doc_id}:{span[0]}:{span[1]}:{cand.head.idx}".encode()).hexdigest()[:12]
    return {
        "forecast_id": forecast_id,
        "forecast_key": forecast_key(text, statement, event),
        "doc_id": document.doc_id, "char_start": span[0], "char_end": span[1],
        "statement": statement, "sentence": sentence.text.strip(),
        "forecaster": attribution.forecaster, "forecaster_kind": attribution.kind,
        "forecaster_text": attribution.text, "attribution_rule": attribution.rule,
        "forecast_kind": kind,
        "target": " | ".join(p or "–" for p in (subject, event, obj)),
        "target_subject": subject, "target_event": event, "target_object": obj,
        "polarity": polarity, "condition": condition,
        "probability_phrase": phrase, "probability_low": low, "probability_high": high,
        "probability_band": label, "scale": band.scale if band else None, "probability_rule": rule,
        "horizon_text": horizon.text if horizon else None,
        "horizon_char_start": horizon.char_start if horizon else None,
        "horizon_char_end": horizon.char_end if horizon else None,
        "horizon_start": horizon.start.isoformat() if horizon and horizon.start else None,
        "horizon_end": horizon.end.isoformat() if horizon and horizon.end else None,
        "horizon_rule": horizon.rule if horizon else None,
    }


def _subordinate_spans(cand: Candidate) -> list[tuple[int, int]]:
    """Clauses inside the forecast that are not the prediction ("while this escalation isn't
    imminent", "if ...", relative clauses): a time word there does not date the forecast."""
    spans = []
    for anchor in {cand.head.i: cand.head, (cand.outer or cand.head).i: cand.outer or cand.head}.values():
        for child in anchor.children:
            if child.dep_ in {"advcl", "relcl", "ccomp", "csubj", "acl"} and child.i != cand.head.i:
                tokens = list(child.subtree)
                spans.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)))
    outer = cand.outer
    if outer is not None and outer.i != cand.head.i and outer.lemma_.lower() in vocabulary()["speech_act_cues"]:
        for child in outer.children:  # "vowed on Saturday to ...": the day of the vow, not of the deed
            if child.dep_ in {"prep", "npadvmod", "advmod"}:
                tokens = list(child.subtree)
                spans.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)))
    return spans


def _horizon_in(text: str, span: tuple[int, int], skip: list[tuple[int, int]],
                base: date | None) -> horizons.Horizon | None:
    for h in horizons.find_horizons(text[span[0]:span[1]], base):
        start, end = h.char_start + span[0], h.char_end + span[0]
        if any(s_start <= start < s_end for s_start, s_end in skip):
            continue  # a time inside a condition or side clause dates that clause, not the forecast
        return horizons.Horizon(start, end, h.text, h.start, h.end, h.rule)
    return None


def extract_forecasts(document: Document, parsed: Doc, mentions: list[dict[str, Any]],
                      quotes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-document forecasts (every FORECASTS column except forecaster_actor_id and status,
    which need the corpus registry and the ledger). `forecaster` is the name as resolved within
    this document; `build` maps it to the canonical actor."""
    text = document.text
    ctx = Context(document, parsed, mentions, quotes)
    ctx.speakers = speaker_events(ctx)
    headings = _headings(text)
    rows: list[dict[str, Any]] = []
    for sentence in parsed.sents:
        candidates = [c for c in _candidates(sentence) if not _excluded(c)]
        heads = {c.head.i for c in candidates}
        for cand in candidates:
            span = _clause_span(cand, heads - {cand.head.i})
            if span[1] <= span[0]:
                continue
            horizon = _horizon_in(text, span, _subordinate_spans(cand), document.published) or \
                _section_horizon(text, headings, span[0], document.published)
            if _past_narration(cand, horizon, document.published):
                continue
            attribution = attribute(cand, span, ctx)
            rows.append(_row(document, cand, span, attribution, horizon, mentions, quotes))
    return _drop_duplicates(rows)


def _drop_duplicates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per forecast id; a statement repeated verbatim in the same article (a deck
    restated in the body) gets its own ledger key, numbered by occurrence so keys stay stable."""
    seen: set[str] = set()
    keys: dict[str, int] = {}
    out = []
    for row in rows:
        if row["forecast_id"] in seen:
            continue
        seen.add(row["forecast_id"])
        occurrence = keys.get(row["forecast_key"], 0)
        keys[row["forecast_key"]] = occurrence + 1
        if occurrence:
            row = {**row, "forecast_key": f"{row['forecast_key']}-{occurrence + 1}"}
        out.append(row)
    return out
