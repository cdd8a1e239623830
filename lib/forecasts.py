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
the same question: 'yes' = the target event happened.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml
from spacy.tokens import Doc, Span, Token

from lib import horizons
from lib.nlp import doc_text
from lib.pipeline import frozen_heap
from lib.schema import table
from lib.text import Document, paragraphs_with_offsets

DATA_DIR = Path(__file__).resolve().parent / "data"
ICD_CSV = DATA_DIR / "estimative_probability.csv"
MODALS_CSV = DATA_DIR / "forecast_modals.csv"
VOCABULARY_YAML = DATA_DIR / "forecast_vocabulary.yaml"
REPO_DIR = Path(__file__).resolve().parent.parent
GOLD_DIR = REPO_DIR / "tests" / "gold"

ICD_SCALE = "ICD 203"
MODAL_SCALE = "workbook modal rule"
HAPPENS, NOT_HAPPENS = "happens", "does not happen"
OUTCOMES = ("yes", "no", "ambiguous", "annulled")
LEDGER_COLUMNS = ("forecast_key", "outcome", "resolved_on", "evidence", "notes", "statement")
MIN_CALIBRATION = 10  # resolved, quantified forecasts needed before a calibration table means anything

FORECASTS = table(
    "forecasts",
    "One row per forward-looking statement: who predicted what, how sure, by when, and its status "
    "as of the notebook's `as_of` date against notebooks/resolutions.csv.",
    [
        ("forecast_id", "VARCHAR", "Stable id: hash of doc_id, clause offsets and the event's head word."),
        ("forecast_key", "VARCHAR", "Key of the resolutions ledger: hash of the document text's SHA-256 and the normalised statement; survives re-runs and row reordering."),
        ("doc_id", "VARCHAR", "Document."),
        ("char_start", "INTEGER", "Start offset of the forecast clause into documents.text."),
        ("char_end", "INTEGER", "End offset of the forecast clause into documents.text."),
        ("statement", "VARCHAR", "The forecast clause as written."),
        ("sentence", "VARCHAR", "The whole sentence, for context."),
        ("forecaster", "VARCHAR", "Canonical name of who predicts it; 'analysts (unnamed)' style for anonymous groups; the author or outlet for the article's own voice."),
        ("forecaster_actor_id", "VARCHAR", "actors.actor_id of the forecaster; NULL for anonymous groups and unregistered names."),
        ("forecaster_kind", "VARCHAR", "'named', 'anonymous' or 'article'."),
        ("forecaster_text", "VARCHAR", "The forecaster as written (before resolution), e.g. 'he', 'analysts'."),
        ("attribution_rule", "VARCHAR", "How the forecaster was found: 'quote', 'reporting verb', 'according to', 'quoted paragraph', 'article voice'."),
        ("target", "VARCHAR", "What is predicted, 'subject | event | object' from the parse (event as lemma)."),
        ("target_subject", "VARCHAR", "Who or what acts (the clause's subject)."),
        ("target_event", "VARCHAR", "The predicted event: head verb lemma (with particle; 'be ...' when passive) or the noun after 'chance of'."),
        ("target_object", "VARCHAR", "Object or first prepositional complement of the event."),
        ("polarity", "VARCHAR", "'happens' or 'does not happen': the direction the forecaster predicts."),
        ("condition", "VARCHAR", "The condition as written ('if their growing alliance continues', 'unless ...'); NULL when unconditional."),
        ("probability_phrase", "VARCHAR", "The estimative words or modal as written (e.g. 'would likely', 'is expected to', 'very little chance')."),
        ("probability_low", "DOUBLE", "Lower bound of P(target event happens); NULL when the phrase is unquantified by rule (may, could, might, risks)."),
        ("probability_high", "DOUBLE", "Upper bound of P(target event happens); NULL when unquantified."),
        ("probability_band", "VARCHAR", "ICD 203 band label the phrase maps to ('likely', 'very unlikely', ...); NULL when unquantified."),
        ("scale", "VARCHAR", "'ICD 203' when the phrase is on that scale, else 'workbook modal rule' (lib/data/forecast_modals.csv)."),
        ("probability_rule", "VARCHAR", "The documented rule that produced the band (negation reverses it)."),
        ("horizon_text", "VARCHAR", "The time words as written; NULL when the text gives no time."),
        ("horizon_char_start", "INTEGER", "Start offset of horizon_text into documents.text (it may be a section heading such as 'Short-term')."),
        ("horizon_char_end", "INTEGER", "End offset of horizon_text into documents.text."),
        ("horizon_start", "DATE", "First day of the horizon, resolved against documents.published; NULL when unknown."),
        ("horizon_end", "DATE", "Last day by which the event should happen; NULL when no time is given or no publication date is known."),
        ("horizon_rule", "VARCHAR", "How the horizon was resolved (pattern or vague word of lib/data/horizon_words.csv)."),
        ("status", "VARCHAR", "As of `as_of`: 'resolved' (ledger has an outcome), 'due' (horizon_end passed, unresolved) or 'open'."),
    ],
    ["doc_id", "char_start", "char_end", "forecast_id"],
)
FORECAST_EVIDENCE = table(
    "forecast_evidence",
    "Suggested evidence for resolving a forecast: claims from later-dated documents that share an "
    "actor and the event or counted thing. A starting point for the researcher, not a verdict.",
    [
        ("forecast_id", "VARCHAR", "forecasts.forecast_id."),
        ("claim_id", "VARCHAR", "claims.claim_id."),
        ("doc_id", "VARCHAR", "Document of the claim (published after the forecast's document)."),
        ("relation", "VARCHAR", "'supports' (reports the predicted event in the predicted direction), 'contradicts' (reports it against the predicted direction) or 'related' (shares actor and topic only)."),
        ("shared_actors", "VARCHAR[]", "Actors named in both."),
        ("shared_terms", "VARCHAR[]", "Event lemmas or counted things in both."),
        ("reason", "VARCHAR", "Why the relation was chosen, in words."),
    ],
    ["forecast_id", "claim_id"],
)
TABLES = (FORECASTS, FORECAST_EVIDENCE)


# --------------------------------------------------------------------------------------------
# Vocabulary and scales (data files researchers may edit)
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    with VOCABULARY_YAML.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class Band:
    phrase: str
    band: str | None
    low: float | None
    high: float | None
    scale: str
    rule: str


def _float(value: str) -> float | None:
    return float(value) if value and value.strip() else None


@lru_cache(maxsize=1)
def icd_scale() -> dict[str, Band]:
    """ICD 203 words of estimative probability, keyed by phrase."""
    with ICD_CSV.open(encoding="utf-8") as handle:
        return {r["phrase"]: Band(r["phrase"], r["band"], _float(r["low"]), _float(r["high"]), ICD_SCALE,
                                  f"ICD 203 '{r['band']}'") for r in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def modal_rules() -> dict[str, Band]:
    """The workbook's documented rule for modals and phrases no scale lists, keyed by phrase."""
    with MODALS_CSV.open(encoding="utf-8") as handle:
        return {r["phrase"]: Band(r["phrase"], r["band"] or None, _float(r["low"]), _float(r["high"]),
                                  r["scale"], r["rule"]) for r in csv.DictReader(handle)}


def scale_table() -> pd.DataFrame:
    """Both scales as one table for the notebook: what each phrase maps to and why."""
    rows = [{"phrase": b.phrase, "band": b.band, "low": b.low, "high": b.high, "scale": b.scale, "rule": b.rule}
            for b in list(icd_scale().values()) + list(modal_rules().values())]
    return pd.DataFrame(rows)


def _contains_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def band_for(normalised: list[str]) -> Band | None:
    """The band of a probability phrase given as normalised parts in priority order.

    Order: the whole phrase as a workbook row ('would likely', 'very little chance'); then the
    longest ICD 203 phrase inside it (an estimative word governs a modal); then each part by
    priority (outer triggers such as 'expected to' before the modal inside them).
    """
    whole = " ".join(normalised)
    rules, icd = modal_rules(), icd_scale()
    if whole in rules:
        return rules[whole]
    for phrase in sorted(icd, key=len, reverse=True):
        if _contains_phrase(whole, phrase):
            return icd[phrase]
    for part in normalised:
        if part in rules:
            return rules[part]
        if part in icd:
            return icd[part]
    return None


# --------------------------------------------------------------------------------------------
# Finding forward-looking clauses in the parse
# --------------------------------------------------------------------------------------------

ESTIMATIVE_ADVERBS = ("likely", "probably", "certainly", "possibly", "potentially", "unlikely", "surely",
                      "definitely", "improbably")
NEGATIONS = ("not", "n't", "never", "no")
INTENSIFIERS = ("almost", "very", "highly", "nearly", "most", "quite")
HABITUAL = ("often", "usually", "always", "sometimes", "regularly", "typically", "frequently", "once")


@dataclass
class Candidate:
    """One predicted event: its head token and the words that make it a forecast."""

    head: Token
    triggers: list[Token] = field(default_factory=list)  # modal/verb/adjective/noun cue tokens
    parts: list[tuple[int, str]] = field(default_factory=list)  # (priority, normalised phrase part)
    kind: str = "modal"  # 'modal', 'complement', 'object', 'chance'
    outer: Token | None = None  # outermost cue: the clause and the subject hang from it


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
            needs_be = lemma in {"set", "go", "poised", "due", "likely", "unlikely", "certain"}
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
    return sorted(found.values(), key=lambda c: c.head.i)


def _chance_phrase(noun: Token) -> str | None:
    """'very little chance', 'a roughly even chance', 'no chance' from the noun's modifiers."""
    mods: list[Token] = []
    for child in noun.lefts:
        if child.dep_ in {"amod", "det", "advmod", "compound"}:
            mods.extend(t for t in child.subtree)
    words = [t.lower_ for t in sorted(mods, key=lambda t: t.i) if t.lower_ not in {"a", "an", "the"}]
    return " ".join(words + [noun.lower_]) if words else None


# --------------------------------------------------------------------------------------------
# Exclusions: questions, headings, narration, non-events
# --------------------------------------------------------------------------------------------

def line_bounds(text: str, position: int) -> tuple[int, int]:
    """(start, end) of the line holding `position`. The small parser often runs a sentence across
    a headline and the paragraph below it; a forecast never spans lines, so every span is clipped."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return start, (end if end >= 0 else len(text))


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start_char, end_char) of each token's sentence, computed once per document.

    `Token.sent` walks the document's sentences on every call; the exclusion rules ask for it
    tens of times per token, which made forecast extraction the slowest per-document step.
    """
    bounds = doc.user_data.get("workbook_sentence_bounds")
    if bounds is None or len(bounds) != len(doc):
        bounds = [(0, 0)] * len(doc)
        for sent in doc.sents:
            for i in range(sent.start, sent.end):
                bounds[i] = (sent.start_char, sent.end_char)
        doc.user_data["workbook_sentence_bounds"] = bounds
    return bounds


def _segment(head: Token) -> tuple[int, int]:
    """The part of the head's sentence that lies on the head's line."""
    sent_start, sent_end = _sentence_bounds(head.doc)[head.i]
    line_start, line_end = line_bounds(doc_text(head.doc), head.idx)
    return max(sent_start, line_start), min(sent_end, line_end)


def _on_line(token: Token, head: Token) -> bool:
    start, end = _segment(head)
    return start <= token.idx < end


def _is_question(head: Token) -> bool:
    start, end = _segment(head)
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
    return any(a.lemma_.lower() in verbs for a in token.ancestors)


def _excluded(cand: Candidate) -> str | None:
    head = cand.head
    vocab = vocabulary()
    if cand.kind != "chance" and head.lemma_.lower() in vocab["non_event_heads"]:
        return "non-event head"
    if head.dep_ == "relcl" and cand.kind == "modal" and not any(c.lower_ in {"where", "when"} for c in head.children):
        return "relative clause"  # "a partner who will protect it" describes; "a reality where X could" predicts
    if head.dep_ == "advcl" and any(c.lower_ in {"if", "unless"} for c in head.children):
        return "inside a condition"
    if _is_question(head) or _is_heading(head):
        return "question or heading"
    if any(c.lower_ in {"more", "less", "most", "least"} for t in cand.triggers for c in t.children):
        return "comparative"  # "whichever country is more likely to win" ranks, it does not predict
    modal_words = {_modal_phrase(t) for t in cand.triggers if t.tag_ == "MD"}
    if "would" in modal_words and any(c.lower_ in HABITUAL for c in head.children):
        return "habitual past"  # "farmers would often sell their grain"
    if cand.kind == "modal" and modal_words == {"could"} and _negated(cand) and \
            not any(c.dep_ == "advcl" and any(m.lower_ in {"if", "unless"} for m in c.children) for c in head.children):
        return "past ability"  # "the troops could not reach the river", "could not be reached for comment"
    if head.lemma_ == "have" and any(c.dep_ == "xcomp" for c in head.children):
        return "obligation"  # "will have to consider" prescribes
    if any(c.dep_ == "mark" and c.lower_ in {"as", "than"} for c in head.children):
        return "comparison clause"
    if head.dep_ in {"ccomp", "csubj", "pcomp", "advcl", "xcomp"} and any(
            (c.tag_ in {"WRB", "WP", "WDT"} or c.lower_ == "whether") and c.i < head.i for c in head.children):
        return "embedded question"  # "it is unclear how the troops will be used"
    return None


def _past_narration(cand: Candidate, horizon: horizons.Horizon | None, base: date | None) -> bool:
    """ "In 2022 the bloc was expected to act" or "the ministry planned to build a port" tell
    history; the same words under a reporting verb ("warned that Russia planned to send") or
    with a time still ahead ("threatened to seize the airport by the end of the month") predict."""
    past = [t for t in cand.triggers if t.tag_ == "VBD" or
            (t.tag_ == "VBN" and any(c.dep_ in {"aux", "auxpass"} and c.tag_ == "VBD" for c in t.children))]
    if not past or _under_reporting_verb(past[0]):
        return False
    if horizon is not None and (base is None or horizon.end is None or horizon.end >= base):
        return False
    return True


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
        if token.dep_ in {"conj", "advcl"} and token.pos_ in {"VERB", "AUX"} and inner & other_heads:
            drop.update(inner)
            drop.update(c.i for c in token.head.children if c.dep_ == "cc" and c.i < token.i)
        elif token.dep_ == "parataxis" and token.lemma_.lower() in vocabulary()["attribution_verbs"]:
            drop.update(inner)
        elif token.dep_ == "prep" and token.lower_ == "according":  # "..., according to officials"
            drop.update(inner)
            drop.update(t.i for t in token.doc[max(token.i - 1, 0):token.i] if t.is_punct)
    kept = [t for t in root.subtree if t.i not in drop and not t.is_punct and _on_line(t, cand.head)]
    while len(kept) > 1 and kept[0].dep_ == "mark" and kept[0].lower_ == "that":
        kept = kept[1:]  # "that NATO will ...": the complementiser belongs to the reporting clause
    return kept or [cand.head]


def _clause_span(cand: Candidate, other_heads: set[int] = frozenset()) -> tuple[int, int]:
    tokens = _clause_tokens(cand, other_heads)
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t.text) for t in tokens)
    seg_start, seg_end = _segment(cand.head)
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


def _subject_of(token: Token | None) -> Token | None:
    if token is None:
        return None
    return next((c for c in token.children if c.dep_ in {"nsubj", "nsubjpass", "csubj"} and c.lower_ != "there"), None)


def _subject(cand: Candidate) -> Token | None:
    """Who or what acts: the head's subject, else the subject of the cue it hangs from
    ("troops are expected to join"), else of the verb it is coordinated with."""
    head = cand.head
    found = _subject_of(head)
    if found is None and cand.outer is not None and cand.outer.i != head.i:
        found = _subject_of(cand.outer) or (_subject_of(cand.outer.head) if cand.outer.dep_ == "acomp" else None)
        if found is None and cand.outer.dep_ == "acomp":
            found = _subject_of(cand.outer.head)
    if found is None and head.dep_ in {"conj", "xcomp"}:
        found = _subject_of(head.head)
    if found is not None and not _on_line(found, head):
        return None
    return found


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
        if any(c.dep_ == "neg" or (c.lower_ in NEGATIONS and c.dep_ in {"advmod", "neg"}) for c in token.children):
            return True
    subject = _subject(cand)
    if subject is not None and any(c.lower_ in {"no", "none"} for c in subject.children if c.dep_ == "det"):
        return True
    return subject is not None and subject.lower_ in {"none", "nobody", "nothing"}


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
# Attribution: who makes the forecast
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attribution:
    forecaster: str | None
    kind: str  # 'named', 'anonymous', 'article'
    text: str | None
    rule: str


def _is_person(mention: dict[str, Any]) -> bool:
    return mention.get("kind") == "person" or mention.get("label") == "PERSON"


def _resolve_name(raw: str, mentions: list[dict[str, Any]]) -> str:
    """The document-level name for a raw string, through the actors helper when it offers one."""
    from lib import actors

    resolver = getattr(actors, "resolve_in_document", None)
    if resolver is not None:
        try:
            resolved = resolver(raw, mentions)
        except Exception:  # an actors bug must not lose the forecast; keep the raw name
            resolved = None
        if resolved:
            return resolved
    return raw


def _previous_person(mentions: list[dict[str, Any]], before: int) -> dict[str, Any] | None:
    persons = [m for m in mentions if _is_person(m) and m["char_end"] <= before]
    return max(persons, key=lambda m: m["char_start"]) if persons else None


def _group_name(token: Token) -> str | None:
    groups = set(vocabulary()["anonymous_groups"])
    if token.lemma_.lower() in groups and not token.ent_type_:
        word = token.lower_
        if word in {"some", "many", "others", "other"}:
            word = "observers"
        return f"{word} (unnamed)"
    return None


@dataclass
class Context:
    """What attribution needs about the whole document."""

    document: Document
    parsed: Doc
    mentions: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    speakers: list[tuple[int, Attribution]] = field(default_factory=list)  # named speakers in text order

    def last_speaker(self, before: int) -> Attribution | None:
        earlier = [a for position, a in self.speakers if position < before]
        return earlier[-1] if earlier else None


def _phrase_of(token: Token) -> tuple[int, int, str]:
    doc = token.doc
    tokens = [token] + [t for t in token.subtree if t.dep_ == "compound" and t.head is token]
    skip: set[int] = set()
    for child in token.children:
        if child.dep_ in {"relcl", "appos", "acl", "punct"}:
            skip.update(t.i for t in child.subtree)
    tokens = [t for t in token.subtree if t.i not in skip]
    start, end = min(t.idx for t in tokens), max(t.idx + len(t.text) for t in tokens)
    return start, end, doc_text(doc)[start:end]


def _named(subject: Token, ctx: Context) -> str | None:
    """The document-level name a subject noun phrase refers to, if it names an actor."""
    mentions = ctx.mentions
    at_head = [m for m in mentions if m["char_start"] <= subject.idx < m["char_end"]]
    if at_head:
        return at_head[0]["name"]
    for child in subject.children:  # "Ukraine's ambassador, Dmytro Ponomarenko": the apposed person
        if child.dep_ == "appos":
            person = [m for m in mentions if m["char_start"] <= child.idx < m["char_end"] and _is_person(m)]
            if person:
                return person[0]["name"]
    start, end, raw = _phrase_of(subject)
    if any(m["char_start"] >= start and m["char_end"] <= end for m in mentions) or subject.pos_ == "PROPN":
        return _resolve_name(raw, mentions)
    return None


def _speaker_from_subject(subject: Token, ctx: Context, verb: Token) -> Attribution | None:
    _, _, raw = _phrase_of(subject)
    if subject.pos_ == "PRON":
        if subject.lower_ in {"it", "there", "we", "i", "you", "this", "that", "us"}:
            return None
        outer = _attribution_from_verbs(verb, ctx, skip=verb)
        if outer is not None:
            return Attribution(outer.forecaster, outer.kind, raw, "reporting verb (pronoun -> outer speaker)")
        if subject.lower_ in {"they", "them"}:
            return None
        last = ctx.last_speaker(subject.idx)
        if last is not None:
            return Attribution(last.forecaster, last.kind, raw, "reporting verb (pronoun -> last speaker)")
        person = _previous_person(ctx.mentions, subject.idx)
        if person is not None:
            return Attribution(person["name"], "named", raw, "reporting verb (pronoun -> previous person)")
        return None
    group = _group_name(subject)
    if group:
        return Attribution(group, "anonymous", raw, "reporting verb")
    name = _named(subject, ctx)
    if name:
        return Attribution(name, "named", raw, "reporting verb")
    if subject.tag_ == "NNS":
        return Attribution(f"{subject.lower_} (unnamed)", "anonymous", raw, "reporting verb")
    return Attribution(raw, "named", raw, "reporting verb")


def _attribution_verbs(token: Token) -> Iterable[Token]:
    """Reporting or belief verbs above `token` on the same line, nearest first."""
    verbs = set(vocabulary()["attribution_verbs"])
    for ancestor in token.ancestors:
        if not _on_line(ancestor, token):
            return
        if ancestor.lemma_.lower() in verbs and ancestor.pos_ in {"VERB", "AUX"}:
            yield ancestor


def _attribution_from_verbs(token: Token, ctx: Context, skip: Token | None = None) -> Attribution | None:
    """Nearest reporting or belief verb above `token` whose subject names someone: in
    "X said Y believes Z will ..." the forecaster is Y, the one holding the belief."""
    for verb in _attribution_verbs(token):
        if skip is not None and verb.i == skip.i:
            continue
        subject = _subject_of(verb)
        if subject is not None and subject.lower_ == "it" and any(c.dep_ == "auxpass" for c in verb.children):
            return Attribution("unnamed sources", "anonymous", f"it is {verb.text}", "reporting verb (passive)")
        if subject is None:
            agent = next((c for c in verb.children if c.dep_ == "agent"), None)
            if agent is not None:
                subject = next((c for c in agent.children if c.dep_ == "pobj"), None)
        if subject is None and verb.dep_ in {"xcomp", "conj"}:  # "Seoul has gone so far as to say"
            subject = _subject_of(verb.head)
        if subject is None:
            continue
        found = _speaker_from_subject(subject, ctx, verb)
        if found is not None:
            return found
    return None


def _negated_belief(token: Token) -> bool:
    """ "experts did not think China would become involved": the negation belongs to the forecast."""
    doubting = set(vocabulary()["doubt_verbs"])
    for verb in _attribution_verbs(token):
        negated = any(c.dep_ == "neg" for c in verb.children)
        return negated != (verb.lemma_.lower() in doubting)  # "critics doubt that X will" predicts not-X
    return False


def _according_to(head: Token, ctx: Context) -> Attribution | None:
    start, end = _segment(head)
    doc = head.doc
    for token in doc.char_span(start, end, alignment_mode="expand") or []:
        if token.lower_ == "according" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
            pobj = next((c for c in doc[token.i + 1].children if c.dep_ == "pobj"), None)
            if pobj is None:
                continue
            found = _speaker_from_subject(pobj, ctx, token)
            if found is not None:
                return Attribution(found.forecaster, found.kind, found.text, "according to")
    return None


def _own_subject(cand: Candidate, ctx: Context) -> Attribution | None:
    """ "Experts do not expect the ceasefire to hold", "rebels threatened to seize the airport":
    when the cue is itself a verb of expecting or threatening, its (active) subject forecasts."""
    outer = cand.outer
    if outer is None or outer.i == cand.head.i or outer.pos_ != "VERB":
        return None
    if outer.lemma_.lower() not in set(vocabulary()["attribution_verbs"]):
        return None
    subject = next((c for c in outer.children if c.dep_ == "nsubj"), None)
    if subject is None or subject.lower_ in {"it", "there"}:
        return None
    return _speaker_from_subject(subject, ctx, outer)


def _parenthetical(cand: Candidate, ctx: Context) -> Attribution | None:
    """ "The EU may impose new sanctions next month, diplomats said": a reporting verb hung
    beside the clause (parataxis) or above a clause it is subordinate to."""
    for anchor in [cand.outer or cand.head, cand.head] + list((cand.outer or cand.head).ancestors):
        if not _on_line(anchor, cand.head):
            break
        for child in anchor.children:
            if child.dep_ == "parataxis" and child.lemma_.lower() in set(vocabulary()["attribution_verbs"]):
                subject = _subject_of(child)
                if subject is not None:
                    found = _speaker_from_subject(subject, ctx, child)
                    if found is not None:
                        return found
    return None


def _for_group(cand: Candidate, ctx: Context) -> Attribution | None:
    """ "For many observers, the conflict risks escalating": a viewpoint phrase names the holders."""
    for anchor in (cand.outer or cand.head, cand.head):
        for child in anchor.children:
            if child.dep_ == "prep" and child.lower_ in {"for", "to"} and child.i < anchor.i:
                pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
                group = _group_name(pobj) if pobj is not None else None
                if group:
                    return Attribution(group, "anonymous", _phrase_of(pobj)[2], "viewpoint phrase")
    return None


def _inside_quote(text: str, position: int) -> tuple[int, int] | None:
    """The quotation (start, end) around `position` within its paragraph, by counting marks."""
    p_start, p_end = line_bounds(text, position)
    opened: int | None = None
    for i in range(p_start, p_end):
        ch = text[i]
        if ch == "“" or (ch == '"' and opened is None):
            opened = i
        elif ch in "”\"" and opened is not None:
            if opened <= position < i:
                return opened, i + 1
            opened = None
    if opened is not None and opened <= position:
        return opened, p_end  # a quote running on to the next paragraph
    return None


def _quote_attribution(quote_span: tuple[int, int], ctx: Context) -> Attribution | None:
    """The speaker of a quotation from the reporting clause next to it ('..., he said')."""
    start, end = quote_span
    text = ctx.document.text
    line_start, line_end = line_bounds(text, start)
    verbs = set(vocabulary()["attribution_verbs"])
    window = ctx.parsed.char_span(line_start, line_end, alignment_mode="expand")
    if window is None:
        return None
    outside = [t for t in window if not (start <= t.idx < end)]
    for token in outside:
        if token.lemma_.lower() in verbs and token.pos_ in {"VERB", "AUX"}:
            subject = _subject_of(token)
            if subject is not None and not (start <= subject.idx < end):
                found = _speaker_from_subject(subject, ctx, token)
                if found is not None:
                    return Attribution(found.forecaster, found.kind, found.text, "quoted paragraph")
    return None


def _attribute(cand: Candidate, span: tuple[int, int], ctx: Context) -> Attribution:
    start, end = span
    for quote in ctx.quotes:  # the quotes stage has already attributed its quotations
        if quote.get("speaker") and quote["char_start"] <= start and end <= quote["char_end"] + 2:
            return Attribution(quote["speaker"], "named", quote.get("speaker"), "quote")
    if cand.kind == "object":  # "Kyiv anticipates up to 15,000 troops": the subject forecasts
        subject = _subject_of(cand.head) or (cand.head.head if cand.head.dep_ == "acl" else None)
        if subject is not None:
            found = _speaker_from_subject(subject, ctx, cand.head)
            if found is not None:
                return found
    quote_span = _inside_quote(ctx.document.text, start)
    if quote_span is not None:
        found = _quote_attribution(quote_span, ctx)
        if found is not None:
            return found
        last = ctx.last_speaker(start)
        if last is not None:
            return Attribution(last.forecaster, last.kind, last.text, "quoted paragraph (continued)")
    found = _own_subject(cand, ctx) or _attribution_from_verbs(cand.outer or cand.head, ctx) or _parenthetical(cand, ctx)
    if found is not None:
        return found
    found = _according_to(cand.head, ctx) or _for_group(cand, ctx)
    if found is not None:
        return found
    voice = ctx.document.author or ctx.document.outlet or "the article"
    return Attribution(voice, "article", None, "article voice")


def _speaker_events(ctx: Context) -> list[tuple[int, Attribution]]:
    """Every named speaker in text order (reporting verbs with a named subject, attributed quotes):
    a later 'he said' most often refers to the last of them, not to the last person mentioned."""
    verbs = set(vocabulary()["attribution_verbs"])
    events: list[tuple[int, Attribution]] = []
    for token in ctx.parsed:
        if token.lemma_.lower() in verbs and token.pos_ in {"VERB", "AUX"}:
            subject = _subject_of(token)
            if subject is None or subject.pos_ == "PRON":
                continue
            name = _named(subject, ctx)
            if name and _is_person_name(name, ctx.mentions):
                events.append((token.idx, Attribution(name, "named", subject.text, "reporting verb")))
    for quote in ctx.quotes:
        if quote.get("speaker"):
            events.append((quote["char_end"], Attribution(quote["speaker"], "named", quote["speaker"], "quote")))
    return sorted(events, key=lambda e: e[0])


def _is_person_name(name: str, mentions: list[dict[str, Any]]) -> bool:
    return any(m["name"] == name and _is_person(m) for m in mentions)


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
         horizon: horizons.Horizon | None) -> dict[str, Any]:
    text = document.text
    negated = _negated(cand) != _negated_belief(cand.outer or cand.head)
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
    condition, _ = _condition(cand)
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
    ctx.speakers = _speaker_events(ctx)
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
            attribution = _attribute(cand, span, ctx)
            rows.append(_row(document, cand, span, attribution, horizon))
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


# --------------------------------------------------------------------------------------------
# The ledger: researcher-edited outcomes, status as of a date, Brier scores
# --------------------------------------------------------------------------------------------

DEFAULT_LEDGER = REPO_DIR / "notebooks" / "resolutions.csv"


def ledger_path(resolutions: str | Path) -> Path:
    """The ledger file: as given (relative to the working directory, i.e. notebooks/ for a
    notebook), else under notebooks/ of the repository."""
    path = Path(resolutions)
    if path.is_absolute() or path.exists():
        return path
    return REPO_DIR / "notebooks" / path


def load_ledger(resolutions: str | Path = DEFAULT_LEDGER) -> pd.DataFrame:
    """The resolutions ledger, validated: a wrong outcome word or date is an error naming the
    line, because a silently ignored row would score a forecaster wrongly."""
    path = ledger_path(resolutions)
    if not path.exists():
        return pd.DataFrame(columns=list(LEDGER_COLUMNS))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("forecast_key", "outcome", "resolved_on", "evidence") if c not in df.columns]
    if missing:
        raise ValueError(f"{path.name}: missing columns {missing}; expected {list(LEDGER_COLUMNS)}")
    for column in LEDGER_COLUMNS:
        if column not in df.columns:
            df[column] = ""
    for line, record in enumerate(df.to_dict(orient="records"), start=2):
        outcome = record["outcome"].strip().lower()
        if outcome and outcome not in OUTCOMES:
            raise ValueError(f"{path.name} line {line}: outcome {record['outcome']!r} is not one of {OUTCOMES}")
        if outcome and not record["evidence"].strip():
            raise ValueError(f"{path.name} line {line}: an outcome needs evidence (a citation)")
        if record["resolved_on"].strip():
            try:
                date.fromisoformat(record["resolved_on"].strip())
            except ValueError as exc:
                raise ValueError(f"{path.name} line {line}: resolved_on must be YYYY-MM-DD") from exc
    if df["forecast_key"].duplicated().any():
        dupes = sorted(df.loc[df["forecast_key"].duplicated(), "forecast_key"])
        raise ValueError(f"{path.name}: forecast_key listed twice: {dupes}")
    df["outcome"] = df["outcome"].str.strip().str.lower()
    return df[list(LEDGER_COLUMNS)].reset_index(drop=True)


def _to_date(value: Any) -> date | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text or text.lower() in {"nan", "nat", "none"}:
        return None
    return date.fromisoformat(text[:10])


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a plain list (None for each row when the frame lacks it): reading three cells
    per row through to_dict would box every column of a wide frame."""
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def with_outcomes(forecasts: pd.DataFrame, ledger: pd.DataFrame, as_of: str | date) -> pd.DataFrame:
    """Forecasts joined to their ledger rows, with `status` as of `as_of`.

    A ledger outcome dated after `as_of` does not count yet: re-running with an earlier as_of
    shows what was known then. Forecasts without a horizon never fall due by themselves.
    """
    cutoff = _to_date(as_of)
    df = forecasts.copy()
    for column in ("outcome", "resolved_on", "evidence", "notes"):
        if column in df.columns:
            df = df.drop(columns=[column])
    book = ledger[["forecast_key", "outcome", "resolved_on", "evidence", "notes"]] if len(ledger) else \
        pd.DataFrame(columns=["forecast_key", "outcome", "resolved_on", "evidence", "notes"])
    df = df.merge(book, on="forecast_key", how="left")
    statuses, outcomes = [], []
    for outcome, resolved_on, horizon_end in zip(*(_column(df, c) for c in ("outcome", "resolved_on", "horizon_end"))):
        outcome = outcome if isinstance(outcome, str) and outcome else None
        resolved_on = _to_date(resolved_on)
        if outcome and (resolved_on is None or cutoff is None or resolved_on <= cutoff):
            statuses.append("resolved")
            outcomes.append(outcome)
            continue
        outcomes.append(None)
        end = _to_date(horizon_end)
        statuses.append("due" if end is not None and cutoff is not None and end < cutoff else "open")
    df["status"] = statuses
    df["outcome"] = outcomes
    return df


def brier_table(forecasts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Brier score per group over resolved forecasts (one-sided, 0 best, 1 worst).

    Form: (p - o)^2 with p the midpoint of the probability band of the target event and o = 1 if
    the ledger says it happened ('yes'), 0 if not ('no'). Ambiguous and annulled outcomes and
    unquantified phrases (may, could) drop out, and are counted so a reader sees what was left out.
    """
    columns = [by, "n_resolved", "n_scored", "brier", "mean_probability", "observed_rate", "n_dropped"]
    if forecasts.empty or "status" not in forecasts.columns:
        return pd.DataFrame(columns=columns)
    resolved = forecasts[forecasts["status"] == "resolved"].copy()
    if resolved.empty:
        return pd.DataFrame(columns=columns)
    resolved["p"] = (resolved["probability_low"].astype(float) + resolved["probability_high"].astype(float)) / 2
    resolved["o"] = resolved["outcome"].map({"yes": 1.0, "no": 0.0})
    rows = []
    for group, part in resolved.groupby(by, sort=True, dropna=False):
        scored = part.dropna(subset=["p", "o"])
        brier = float(((scored["p"] - scored["o"]) ** 2).mean()) if len(scored) else None
        rows.append({by: group, "n_resolved": len(part), "n_scored": len(scored),
                     "brier": None if brier is None else round(brier, 4),
                     "mean_probability": round(float(scored["p"].mean()), 4) if len(scored) else None,
                     "observed_rate": round(float(scored["o"].mean()), 4) if len(scored) else None,
                     "n_dropped": len(part) - len(scored)})
    return pd.DataFrame(rows, columns=columns).sort_values([by]).reset_index(drop=True)


def scores_by_forecaster(forecasts: pd.DataFrame, resolutions: str | Path | None = None,
                         as_of: str | date | None = None) -> pd.DataFrame:
    """Brier scores per forecaster (the table other stages show). Joins the ledger when the
    frame has no outcomes yet."""
    if "outcome" not in forecasts.columns:
        forecasts = with_outcomes(forecasts, load_ledger(resolutions or DEFAULT_LEDGER),
                                  as_of or date.max.isoformat())
    return brier_table(forecasts, "forecaster")


def calibration_table(forecasts: pd.DataFrame, minimum: int = MIN_CALIBRATION) -> pd.DataFrame:
    """Per ICD band: forecasts scored, mean stated probability and how often the event happened.
    Empty below `minimum` scored forecasts: a handful of outcomes says nothing about calibration."""
    columns = ["probability_band", "n", "mean_probability", "observed_rate"]
    if forecasts.empty or "status" not in forecasts.columns:
        return pd.DataFrame(columns=columns)
    scored = forecasts[(forecasts["status"] == "resolved") & forecasts["outcome"].isin(["yes", "no"])].dropna(
        subset=["probability_low", "probability_high"])
    if len(scored) < minimum:
        return pd.DataFrame(columns=columns)
    scored = scored.assign(p=(scored["probability_low"] + scored["probability_high"]) / 2,
                           o=(scored["outcome"] == "yes").astype(float))
    table = scored.groupby("probability_band").agg(n=("p", "size"), mean_probability=("p", "mean"),
                                                   observed_rate=("o", "mean")).reset_index()
    return table.sort_values("mean_probability").reset_index(drop=True)


def due_list(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Forecasts whose horizon has passed without an outcome: the researcher's to-do list."""
    if forecasts.empty:
        return forecasts
    due = forecasts[forecasts["status"] == "due"]
    order = [c for c in ("horizon_end", "doc_id", "char_start", "forecast_key") if c in due.columns]
    return due.sort_values(order).reset_index(drop=True)


def ledger_template(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Rows a researcher can paste into the ledger: key and statement, outcome left empty."""
    return pd.DataFrame({"forecast_key": forecasts["forecast_key"], "outcome": "", "resolved_on": "",
                         "evidence": "", "notes": "", "statement": forecasts["statement"]})


# --------------------------------------------------------------------------------------------
# Evidence suggestions from later-dated claims
# --------------------------------------------------------------------------------------------

_SUFFIXES = ("ing", "ed", "es", "s")


def _str(value: Any) -> str:
    """A text cell as str ('' for NULL/NaN): DataFrames hand missing text back as float NaN."""
    return value if isinstance(value, str) else ""


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """A crude stem so 'deploy', 'deployed', 'deploying' meet without a second parse of claims.

    Remembered: every word of every claim sentence is stemmed, and most words recur."""
    word = word.lower().strip(".,;:!?\"“”‘’'()")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


_GENERIC_EVENTS = {"be", "have", "happen", "do", "make", "get", "become", "go", "take", "see"}


def forecast_terms(row: dict[str, Any]) -> set[str]:
    """Stems of the predicted event and of the counted thing in the target (troops, sanctions)."""
    terms: set[str] = set()
    event = _str(row.get("target_event")).split()
    if event and event[-1] not in _GENERIC_EVENTS:
        terms.add(stem(event[-1]))
    for part in (_str(row.get("target_object")), _str(row.get("target_subject"))):
        words = part.split()
        for i, word in enumerate(words[:-1]):
            if re.fullmatch(r"[\d,.]+", word):  # "up to 100,000 troops": the counted noun
                terms.add(stem(words[i + 1]))
    return terms


MAX_EVIDENCE_PER_FORECAST = 5
COMMON_TERM_POSTINGS = 500
MentionIndex = dict[str, tuple[list[int], list[int], list[str]]]
FORECAST_FIELDS = ("forecast_id", "doc_id", "char_start", "char_end", "target_event", "target_object",
                   "target_subject", "polarity")
CLAIM_FIELDS = ("claim_id", "doc_id", "char_start", "char_end", "sentence", "unit", "modality")


def _records(frame: pd.DataFrame, fields: Iterable[str]) -> list[dict[str, Any]]:
    """Rows as plain dicts of the listed fields the frame has (a missing one stays absent, so
    `row.get` answers None as it would on a full row): to_dict over every column of a wide frame
    costs more than the matching it feeds."""
    present = [f for f in fields if f in frame.columns]
    return [dict(zip(present, values)) for values in zip(*(frame[f].tolist() for f in present))]


def _mention_index(mentions: pd.DataFrame, registry: Any) -> MentionIndex:
    """Per document, mention starts (sorted), ends and canonical names: a span's actors are then
    found by bisection instead of scanning every mention of the corpus for every sentence."""
    index: MentionIndex = {}
    if mentions is None or mentions.empty:
        return index
    rows = sorted(zip(mentions["doc_id"].tolist(), mentions["char_start"].tolist(), mentions["char_end"].tolist(),
                      mentions["name"].tolist()),
                  key=lambda r: (r[0], int(r[1]), int(r[2])))
    for doc_id, start, end, name in rows:
        canonical = registry.canonical(name) if registry is not None else name
        starts, ends, names = index.setdefault(doc_id, ([], [], []))
        starts.append(int(start))
        ends.append(int(end))
        names.append(canonical)
    return index


def _actors_in(index: MentionIndex, doc_id: str, start: int, end: int) -> set[str]:
    if doc_id not in index:
        return set()
    starts, ends, names = index[doc_id]
    found = set()
    for i in range(bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)):
        if ends[i] <= end and names[i]:
            found.add(names[i])
    return found


def _claim_terms(claim: dict[str, Any]) -> set[str]:
    """Stems of a claim's sentence words and of its unit."""
    terms = {stem(w) for w in str(claim.get("sentence") or "").split()}
    unit = claim.get("unit")
    if isinstance(unit, str) and unit:
        terms.add(stem(unit))
    return terms


def _postings(keyed: list[set[str]]) -> dict[str, list[int]]:
    """Inverted index: each term -> positions of the claims carrying it, ascending."""
    postings: dict[str, list[int]] = {}
    for k, keys in enumerate(keyed):
        for key in keys:
            postings.setdefault(key, []).append(k)
    return postings


@dataclass
class _ClaimPool:
    """The dated claims, with what ranking them against a forecast needs, indexed once per build."""

    rows: list[dict[str, Any]]
    dates: list[date]
    is_report: list[bool]  # modality 'reported': such claims rank first
    actors: list[set[str]]
    terms: list[set[str]]
    by_term: dict[str, list[int]]
    order: list[int]  # each claim's place in (date, claim_id) order: the ranking's last tie-breakers

    def ranked(self, f_actors: set[str], f_terms: set[str]) -> list[int]:
        """Positions of every claim sharing an actor and a distinctive term with a forecast, best
        first (reports before mere relations, then the most shared terms and actors, then the
        earliest), whatever its date.

        Candidates come from the forecast's distinctive terms: a term found in more than
        COMMON_TERM_POSTINGS claims ("troops" in a large corpus) names no particular event, and
        following it would compare every forecast with most claims (quadratic). Common terms
        still count as shared terms when ranking the candidates.
        """
        distinctive = [t for t in f_terms if 0 < len(self.by_term.get(t, ())) <= COMMON_TERM_POSTINGS]
        candidates = [k for k in set().union(*(self.by_term[t] for t in distinctive))
                      if not f_actors.isdisjoint(self.actors[k])]
        ranked = sorted((not self.is_report[k], -len(f_terms & self.terms[k]), -len(f_actors & self.actors[k]),
                         self.order[k], k) for k in candidates)
        return [k for *_, k in ranked]


def _claim_pool(claims: pd.DataFrame, index: MentionIndex, published: dict[str, date | None],
                wanted: set[str]) -> _ClaimPool:
    """Claims of dated documents, with their actors and terms; claims of undated ones cannot be
    ordered after a forecast and are left out. Only `wanted` terms (those of some forecast) are
    kept: a claim's other words can never be shared, and indexing them all was most of the cost."""
    rows = [c for c in _records(claims, CLAIM_FIELDS) if published.get(c["doc_id"]) is not None]
    dates = [published[c["doc_id"]] for c in rows]
    terms = [_claim_terms(c) & wanted for c in rows]
    order = [0] * len(rows)
    for place, k in enumerate(sorted(range(len(rows)), key=lambda k: (dates[k], rows[k]["claim_id"]))):
        order[k] = place  # the sort is stable, so equal (date, claim_id) keep their row order
    return _ClaimPool(rows=rows, dates=dates, is_report=[c.get("modality") == "reported" for c in rows],
                      actors=[_actors_in(index, c["doc_id"], int(c["char_start"]), int(c["char_end"])) for c in rows],
                      terms=terms, by_term=_postings(terms), order=order)


def _forecasts_to_match(forecasts: pd.DataFrame, index: MentionIndex, published: dict[str, date | None]
                        ) -> list[tuple[dict[str, Any], date, set[str], set[str]]]:
    """(forecast, date made, its actors, its terms) of every forecast later claims can bear on: in
    a dated document, naming an actor and an event or a counted thing."""
    found = []
    for f in _records(forecasts, FORECAST_FIELDS):
        made = published.get(f["doc_id"])
        if made is None:
            continue
        f_actors = _actors_in(index, f["doc_id"], int(f["char_start"]), int(f["char_end"]))
        f_terms = forecast_terms(f)
        if f_actors and f_terms:
            found.append((f, made, f_actors, f_terms))
    return found


def suggest_evidence(forecasts: pd.DataFrame, claims: pd.DataFrame, mentions: pd.DataFrame,
                     published: dict[str, date | None], registry: Any = None) -> pd.DataFrame:
    """Claims from documents published after a forecast's document that share an actor AND the
    event or counted thing with it.

    The relation is a suggestion: 'supports' when a reported (not planned or possible) claim
    carries the predicted event and the forecast said it would happen, 'contradicts' when it
    said it would not; otherwise 'related'. Documents without a date cannot be ordered and are
    skipped rather than guessed. Candidates come from an index of claim terms, not from every
    claim of the corpus, so the cost follows the pairs that share a term. Each forecast keeps its
    MAX_EVIDENCE_PER_FORECAST best candidates (reports before mere relations, then the most shared
    terms and actors, then the earliest): in a large corpus "North Korea" and "troops" are in
    every other sentence, and a thousand weak links per forecast would bury the telling ones.
    """
    columns = FORECAST_EVIDENCE.column_names
    if forecasts.empty or claims is None or claims.empty:
        return pd.DataFrame(columns=columns)
    index = _mention_index(mentions, registry)
    askers = _forecasts_to_match(forecasts, index, published)
    pool = _claim_pool(claims, index, published, set().union(*(f_terms for *_, f_terms in askers)))
    # Forecasts about the same actors and event share their ranked candidates (231 pairs for
    # 3,000 forecasts in a 1,000-document corpus): rank once per pair, then keep per forecast the
    # best ones published after it, which is the same as ranking only those.
    ranked_for: dict[tuple[frozenset[str], frozenset[str]], list[int]] = {}
    rows = []
    for f, made, f_actors, f_terms in askers:
        key = (frozenset(f_actors), frozenset(f_terms))
        if key not in ranked_for:
            ranked_for[key] = pool.ranked(f_actors, f_terms)
        later = (k for k in ranked_for[key] if pool.dates[k] > made)
        for k in itertools.islice(later, MAX_EVIDENCE_PER_FORECAST):
            c = pool.rows[k]  # rank first, explain later: only the kept few get a reason
            actors_shared, terms_shared = f_actors & pool.actors[k], f_terms & pool.terms[k]
            relation, reason = _relation(f, c, sorted(terms_shared))
            rows.append({"forecast_id": f["forecast_id"], "claim_id": c["claim_id"], "doc_id": c["doc_id"],
                         "relation": relation, "shared_actors": sorted(actors_shared),
                         "shared_terms": sorted(terms_shared), "reason": reason})
    return pd.DataFrame(rows, columns=columns).sort_values(["forecast_id", "claim_id"]).reset_index(drop=True) \
        if rows else pd.DataFrame(columns=columns)


def _relation(forecast: dict[str, Any], claim: dict[str, Any], terms: list[str]) -> tuple[str, str]:
    modality = str(claim.get("modality") or "")
    words = _str(forecast.get("target_event")).split()
    event = stem(words[-1]) if words else ""
    if modality == "reported" and (event in terms or any(t != event for t in terms)):
        if forecast.get("polarity") == HAPPENS:
            return "supports", f"a later report states it ({', '.join(terms)}) and the forecast said it would happen"
        return "contradicts", f"a later report states it ({', '.join(terms)}) but the forecast said it would not happen"
    return "related", f"shares actors and '{', '.join(terms)}' but the claim is {modality or 'not a report'}"


# --------------------------------------------------------------------------------------------
# The stage's build, and what the notebook shows
# --------------------------------------------------------------------------------------------

def _canonical_forecasters(df: pd.DataFrame, registry: Any) -> pd.DataFrame:
    """Document-level names -> corpus-wide canonical names and actor ids (named forecasters
    only: 'analysts (unnamed)' is not an actor, and an article's voice is its author's).
    `registry` is the actors registry of the corpus' mentions, None when there are none."""
    names, ids = [], []
    for name, kind in zip(df["forecaster"].tolist(), df["forecaster_kind"].tolist()):
        canonical = registry.canonical(name) if registry is not None and kind == "named" else None
        names.append(canonical or name)
        ids.append(registry.actor_id(canonical or name) if registry is not None and kind == "named" else None)
    df = df.copy()
    df["forecaster"] = names
    df["forecaster_actor_id"] = ids
    return df


def _claims_frame(con: duckdb.DuckDBPyConnection, corpus: str | Path, model: str | None, engine: str,
                  scheduler: str | None, frames: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, str]:
    """The claims table, building it through the claims stage when this notebook runs first."""
    from lib import claims, store

    if store.has_table(con, claims.CLAIMS.name):
        return store.read_table(con, claims.CLAIMS), "claims table"
    try:
        built = claims.build(con, corpus, model, engine, scheduler)
        return built["claims"], "claims built by lib.claims.build"
    except Exception as exc:  # the claims stage failing must not hide the forecasts
        return frames.get("claims", pd.DataFrame()), f"per-document claim rows (claims.build failed: {type(exc).__name__})"


@frozen_heap
def build(con: duckdb.DuckDBPyConnection, corpus: str | Path, model: str | None = None, engine: str = "local",
          scheduler: str | None = None, as_of: str = "2026-11-23", resolutions: str | Path = "resolutions.csv",
          show_progress: bool = True) -> dict[str, Any]:
    """Write `forecasts` (with status as of `as_of`) and `forecast_evidence`; return what the
    notebook shows: forecasts, evidence, scores per forecaster and per kind, calibration, due list."""
    from lib import actors, ingest, pipeline, store

    frames = pipeline.extract_store(con, corpus, model, engine, scheduler, show_progress)
    rows = frames["forecasts"]
    if rows.empty:
        rows = pd.DataFrame(columns=FORECASTS.column_names)
    mentions = frames["mentions"]
    registry = actors.build_registry(mentions) if len(mentions) else None  # one registry for the whole stage
    rows = _canonical_forecasters(rows, registry) if len(rows) else rows
    ledger = load_ledger(resolutions)
    judged = with_outcomes(rows, ledger, as_of)
    store.write_table(con, FORECASTS, judged[FORECASTS.column_names])
    documents = store.read_table(con, ingest.DOCUMENTS, where="status = 'ok'")
    published = {doc_id: _to_date(value) for doc_id, value in zip(documents["doc_id"].tolist(),
                                                                    documents["published"].tolist())}
    claims, claims_source = _claims_frame(con, corpus, model, engine, scheduler, frames)
    evidence = suggest_evidence(judged, claims, mentions, published, registry)
    store.write_table(con, FORECAST_EVIDENCE, evidence)
    forecasts = store.read_table(con, FORECASTS).merge(
        judged[["forecast_id", "outcome", "resolved_on", "evidence", "notes"]], on="forecast_id", how="left")
    return {
        "forecasts": forecasts,
        "evidence": store.read_table(con, FORECAST_EVIDENCE),
        "ledger": ledger,
        "scores_by_forecaster": brier_table(forecasts, "forecaster"),
        "scores_by_kind": brier_table(forecasts, "forecaster_kind"),
        "calibration": calibration_table(forecasts),
        "due": due_list(forecasts),
        "published": published,
        "claims_source": claims_source,
        "as_of": as_of,
    }


def forecasts_view(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Forecasts per forecaster with probability and horizon, in reading order."""
    view = forecasts.copy()
    view["probability"] = [
        f"{lo:.2f}–{hi:.2f}" if lo == lo and hi == hi and lo is not None and hi is not None else "unquantified"
        for lo, hi in zip(view["probability_low"], view["probability_high"])]
    view["horizon"] = [
        (f"{t} ({_to_date(s).isoformat()} – {_to_date(e).isoformat()})" if _to_date(s) and _to_date(e) else t)
        if isinstance(t, str) else None
        for t, s, e in zip(view["horizon_text"], view["horizon_start"], view["horizon_end"])]
    columns = ["forecaster", "forecaster_kind", "statement", "polarity", "probability_phrase", "probability",
               "condition", "horizon", "status", "doc_id"]
    return view.sort_values(["forecaster", "doc_id", "char_start"])[columns].reset_index(drop=True)


def summary_markdown(result: dict[str, Any]) -> str:
    """One paragraph on what was found, generated from the tables so it never goes stale."""
    f = result["forecasts"]
    if f.empty:
        return "No forward-looking statements were found in the corpus."
    kinds = f["forecaster_kind"].value_counts()
    quantified = int(f["probability_low"].notna().sum())
    with_horizon = int(f["horizon_text"].notna().sum())
    dated = int(f["horizon_end"].notna().sum())
    status = f["status"].value_counts()
    top = f[f["forecaster_kind"] == "named"]["forecaster"].value_counts().head(3)
    named = ", ".join(f"{name} ({n})" for name, n in sorted(top.items(), key=lambda kv: (-kv[1], kv[0])))
    return (
        f"{len(f)} forecasts in {f['doc_id'].nunique()} documents: {int(kinds.get('named', 0))} by named "
        f"forecasters, {int(kinds.get('anonymous', 0))} by anonymous groups and {int(kinds.get('article', 0))} in "
        f"the articles' own voice. {quantified} carry a probability band; the rest use possibility words "
        f"(may, could, might) that the workbook leaves unquantified. {with_horizon} give a time, {dated} of them "
        f"resolvable to dates (the others lack a publication date). As of {result['as_of']}: "
        f"{int(status.get('open', 0))} open, {int(status.get('due', 0))} due, {int(status.get('resolved', 0))} resolved."
        + (f" Most forecasts by named people or bodies: {named}." if named else "")
    )


def scores_note(result: dict[str, Any]) -> str:
    """Why the score tables may be empty: said in words, not left as a blank table."""
    f = result["forecasts"]
    resolved = int((f["status"] == "resolved").sum()) if len(f) else 0
    if resolved == 0:
        return (f"The ledger (notebooks/resolutions.csv) holds no outcome for these forecasts yet, so there is "
                f"nothing to score: add rows with forecast_key, outcome (yes/no/ambiguous/annulled), resolved_on "
                f"and a cited source. Brier form: one-sided, (midpoint of band − outcome)², 0 is perfect.")
    calibration = "" if len(result["calibration"]) else \
        f" Too few scored forecasts for a calibration table (needs {MIN_CALIBRATION})."
    return f"{resolved} forecasts resolved in the ledger as of {result['as_of']}.{calibration}"


def timeline_figure(forecasts: pd.DataFrame, as_of: str | date, max_rows: int = 30):
    """Horizons as bars against the as_of date: which predictions are already checkable."""
    from lib.report import new_figure

    cutoff = _to_date(as_of)
    dated = forecasts.dropna(subset=["horizon_start", "horizon_end"]).copy()
    fig = new_figure(9.0, 6.0)
    ax = fig.add_subplot(1, 1, 1)
    if dated.empty:
        ax.text(0.5, 0.5, "No forecast horizon resolves to dates\n(no time words, or no publication date)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    dated["start"] = [_to_date(v) for v in dated["horizon_start"]]
    dated["end"] = [_to_date(v) for v in dated["horizon_end"]]
    dated = dated.sort_values(["end", "start", "forecast_id"]).head(max_rows).reset_index(drop=True)
    colours = {"open": "#1f77b4", "due": "#d62728", "resolved": "#2ca02c"}
    import matplotlib.dates as mdates

    for i, r in enumerate(dated.to_dict(orient="records")):
        start, end = mdates.date2num(r["start"]), mdates.date2num(r["end"])
        ax.barh(i, max(end - start, 2), left=start, height=0.6, color=colours.get(r["status"], "#7f7f7f"))
    labels = [f"{str(r['forecaster'])[:22]}: {str(r['target_event'])[:18]} ({r['horizon_text'][:18]})"
              for r in dated.to_dict(orient="records")]
    ax.set_yticks(range(len(dated)), labels=labels, fontsize=7)
    ax.invert_yaxis()
    if cutoff is not None:
        ax.axvline(mdates.date2num(cutoff), color="black", linestyle="--", linewidth=1)
        ax.text(mdates.date2num(cutoff), -0.8, f" as of {cutoff.isoformat()}", fontsize=8)
    ax.xaxis_date()
    ax.set_title("Forecast horizons against the as-of date (red: due, blue: open, green: resolved)")
    return fig


def evidence_view(result: dict[str, Any]) -> pd.DataFrame:
    """Evidence suggestions with the forecast and the claim side by side."""
    evidence, forecasts = result["evidence"], result["forecasts"]
    if evidence.empty:
        return pd.DataFrame(columns=["forecaster", "forecast", "relation", "claim_doc", "claim_id", "shared_terms", "reason"])
    merged = evidence.merge(forecasts[["forecast_id", "forecaster", "statement"]], on="forecast_id", how="left")
    merged = merged.rename(columns={"statement": "forecast", "doc_id": "claim_doc"})
    return merged[["forecaster", "forecast", "relation", "claim_doc", "claim_id", "shared_terms", "reason"]]


def evidence_note(result: dict[str, Any]) -> str:
    dated = sum(1 for v in result["published"].values() if v is not None)
    return (f"Evidence came from the {result['claims_source']}; {dated} of {len(result['published'])} documents "
            f"have a publication date, and only dated documents can be ordered in time. "
            f"{len(result['evidence'])} suggestions.")


# --------------------------------------------------------------------------------------------
# Gold scores: precision and recall of the extractor, accuracy of each field
# --------------------------------------------------------------------------------------------

SEED_GOLD = GOLD_DIR / "forecasts_seeds.jsonl"
COMPOSED_GOLD = GOLD_DIR / "forecasts_composed.jsonl"
GOLD_FIELDS = ("forecaster", "polarity", "probability_phrase", "horizon_text", "horizon_dates", "condition")


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _norm(text: Any) -> str:
    text = _str(text).lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[\"“”«»\[\]]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .,;:")


def _loose_equal(gold: Any, predicted: Any) -> bool:
    g, p = _norm(gold), _norm(predicted)
    return bool(g) and bool(p) and (g == p or g in p or p in g)


def _forecaster_ok(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if gold["forecaster_kind"] != pred.get("forecaster_kind"):
        return False
    if gold["forecaster_kind"] == "article":
        return True
    g, p = _norm(gold["forecaster"]), _norm(pred.get("forecaster"))
    if _loose_equal(g, p):
        return True
    return gold["forecaster_kind"] == "named" and g.split()[-1] in p.split()


def _horizon_ok(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    accepted = gold.get("horizon_text")
    if not accepted:
        return not _str(pred.get("horizon_text"))
    return any(_loose_equal(a, pred.get("horizon_text")) for a in accepted)


def _dates_ok(gold: dict[str, Any], pred: dict[str, Any]) -> bool | None:
    checks = [(gold.get("horizon_start"), pred.get("horizon_start")), (gold.get("horizon_end"), pred.get("horizon_end"))]
    checks = [(g, p) for g, p in checks if g]
    if not checks:
        return None  # the gold gives no date to check
    return all(_to_date(p) == date.fromisoformat(g) for g, p in checks if p is not None) and \
        all(p is not None for _, p in checks)


def match_to_gold(predicted: list[dict[str, Any]], gold: list[dict[str, Any]]) -> list[tuple[dict, dict | None]]:
    """Pair each gold forecast with the unused prediction whose clause overlaps its anchor most."""
    used: set[int] = set()
    pairs = []
    for g in sorted(gold, key=lambda g: (g["doc_id"], g["char_start"])):
        best, best_overlap = None, 0
        for i, p in enumerate(predicted):
            if i in used or p["doc_id"] != g["doc_id"]:
                continue
            overlap = min(p["char_end"], g["char_end"]) - max(p["char_start"], g["char_start"])
            if overlap > best_overlap:
                best, best_overlap = i, overlap
        if best is not None:
            used.add(best)
        pairs.append((g, predicted[best] if best is not None else None))
    return pairs


def score_against_gold(predicted: list[dict[str, Any]], gold: list[dict[str, Any]]) -> dict[str, Any]:
    """Detection precision/recall/F1 and, over matched forecasts, the share of each field right."""
    pairs = match_to_gold(predicted, gold)
    matched = [(g, p) for g, p in pairs if p is not None]
    tp = len(matched)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    result: dict[str, Any] = {
        "n_gold": len(gold), "n_predicted": len(predicted), "matched": tp,
        "precision": round(precision, 3), "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
    }
    checks = {
        "forecaster": lambda g, p: _forecaster_ok(g, p),
        "polarity": lambda g, p: g["polarity"] == p.get("polarity"),
        "probability_phrase": lambda g, p: None if not g.get("probability_phrase") else
        _loose_equal(g["probability_phrase"], p.get("probability_phrase")),
        "horizon_text": _horizon_ok,
        "horizon_dates": _dates_ok,
        "condition": lambda g, p: None if "condition" not in g else
        (_loose_equal(g["condition"], p.get("condition")) if g["condition"] else not _str(p.get("condition"))),
    }
    for name, check in checks.items():
        outcomes = [check(g, p) for g, p in matched]
        scored = [o for o in outcomes if o is not None]
        result[f"{name}_accuracy"] = round(sum(scored) / len(scored), 3) if scored else None
    result["missed"] = [g["anchor"] for g, p in pairs if p is None]
    return result


def _locate(gold: dict[str, Any], text: str) -> tuple[int, int] | None:
    """The gold anchor in the store's cleaned text (cleaning may shift offsets of the raw file)."""
    starts = [m.start() for m in re.finditer(re.escape(gold["anchor"]), text)]
    if not starts:
        return None
    start = min(starts, key=lambda s: abs(s - gold["char_start"]))
    return start, start + len(gold["anchor"])


def seed_gold_scores(forecasts: pd.DataFrame, documents: pd.DataFrame, path: str | Path = SEED_GOLD) -> dict[str, Any]:
    """Scores of the forecasts table against the gold read from the seed articles."""
    texts = dict(zip(documents["doc_id"], documents["text"]))
    gold = []
    for g in load_jsonl(path):
        if g["doc_id"] not in texts:
            continue
        found = _locate(g, texts[g["doc_id"]])
        gold.append({**g, "char_start": found[0], "char_end": found[1]} if found else {**g, "char_start": -10, "char_end": -9})
    doc_ids = {g["doc_id"] for g in gold}
    predicted = [r for r in forecasts.to_dict(orient="records") if r["doc_id"] in doc_ids]
    return score_against_gold(predicted, gold)


def composed_gold_scores(model: str | None = None, path: str | Path = COMPOSED_GOLD) -> dict[str, Any]:
    """Scores on short articles composed with other phrasings (so we are not fitted to the seeds),
    run through the whole per-document pipeline (mentions and quotes included)."""
    from lib import nlp, pipeline

    model_nlp = nlp.load_model(model)
    predicted, gold = [], []
    for case in load_jsonl(path):
        document = Document(doc_id=case["id"], text=case["text"], published=date.fromisoformat(case["published"]))
        rows = pipeline.analyse_document(document, model_nlp(case["text"]))["forecasts"]
        predicted.extend(rows)
        gold.extend({**g, "doc_id": case["id"]} for g in case["forecasts"])
    return score_against_gold(predicted, gold)


def gold_table(scores: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per gold set: detection and field scores side by side, for the notebook."""
    columns = ["n_gold", "n_predicted", "matched", "precision", "recall", "f1"] + [f"{f}_accuracy" for f in GOLD_FIELDS]
    return pd.DataFrame([{"gold set": name, **{c: s.get(c) for c in columns}} for name, s in scores.items()])


def checks_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per 'ok' document: forecasts found (zero is a valid answer, a missing document is not) and
    whether every clause and horizon offset points at its text in documents.text."""
    from lib import ingest, store

    documents = store.read_table(con, ingest.DOCUMENTS, where="status = 'ok'")
    table = store.read_table(con, FORECASTS)
    rows = []
    table_of = {d: g for d, g in table.groupby("doc_id")} if len(table) else {}
    for doc in documents.to_dict(orient="records"):
        mine = table_of.get(doc["doc_id"], table.iloc[0:0])
        text = doc["text"]
        clause_ok = all(text[r["char_start"]:r["char_end"]] == r["statement"] for r in mine.to_dict(orient="records"))
        horizon_ok = all(text[int(r["horizon_char_start"]):int(r["horizon_char_end"])] == r["horizon_text"]
                         for r in mine.to_dict(orient="records") if isinstance(r["horizon_text"], str))
        rows.append({"doc_id": doc["doc_id"], "forecasts": len(mine), "clause offsets ok": clause_ok,
                     "horizon offsets ok": horizon_ok})
    stray = sorted(set(table["doc_id"]) - set(documents["doc_id"]))
    rows.extend({"doc_id": d, "forecasts": int((table["doc_id"] == d).sum()), "clause offsets ok": False,
                 "horizon offsets ok": False} for d in stray)  # rows of a document the store does not hold
    return pd.DataFrame(rows)


def gold_misses_markdown(scores: dict[str, dict[str, Any]]) -> str:
    """The gold forecasts the extractor missed, named, so known failures stay visible."""
    lines = []
    for name, s in scores.items():
        missed = s.get("missed") or []
        lines.append(f"- **{name}**: {len(missed)} missed" + (": " + "; ".join(f"“{m}”" for m in missed) if missed else ""))
    return "\n".join(lines)
