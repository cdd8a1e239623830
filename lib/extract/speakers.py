"""Who makes a forward-looking statement: the quote it sits in, a reporting verb, 'according to', or the article's own voice.

Naming the holder is the shared machinery of lib/extract/attribution.py (the same rules give a
claim's source and a quote's speaker); this module adds what only forecasts need: the clause
geometry (which verb governs the forecast), viewpoint groups ("for many observers") and the
article's voice as the last holder."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Token

from lib.core.document import Document
from lib.core.nlp import doc_text
from lib.extract.attribution import (
    SpeakerBook,
    according_to_object,
    cue_subject,
    name_speaker,
    speaker_book,
    verbs_with,
)
from lib.extract.clauses import Candidate, line_bounds, on_line, segment, subject_of, vocabulary

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


def _group_name(token: Token) -> str | None:
    groups = set(vocabulary()["anonymous_groups"])
    if token.lemma_.lower() in groups and not token.ent_type_:
        word = token.lower_
        if word in {"some", "many", "others", "other"}:
            word = "observers"
        return f"{word} (unnamed)"
    return None


def holder_verbs() -> frozenset[str]:
    """Verbs whose subject holds a forecast below them: reporting and belief verbs."""
    return verbs_with("belief")


@dataclass
class Context:
    """What attribution needs about the whole document."""

    document: Document
    parsed: Doc
    mentions: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    speakers: list[tuple[int, Attribution]] = field(default_factory=list)  # named speakers in text order
    book: SpeakerBook | None = None

    def __post_init__(self) -> None:
        if self.book is None:
            self.book = speaker_book(self.parsed, self.mentions)

    def last_speaker(self, before: int) -> Attribution | None:
        earlier = [a for position, a in self.speakers if position < before]
        return earlier[-1] if earlier else None


def _phrase_of(token: Token) -> tuple[int, int, str]:
    skip: set[int] = set()
    for child in token.children:
        if child.dep_ in {"relcl", "appos", "acl", "punct"}:
            skip.update(t.i for t in child.subtree)
    tokens = [t for t in token.subtree if t.i not in skip]
    start, end = min(t.idx for t in tokens), max(t.idx + len(t.text) for t in tokens)
    return start, end, doc_text(token.doc)[start:end]


def _speaker_from_subject(subject: Token, ctx: Context, verb: Token) -> Attribution | None:
    """The holder a subject names. A pronoun takes the speaker of a reporting verb above (in
    "X said it would ..." X holds it), else the shared pronoun rule; a group noun is anonymous;
    everything else is named by `attribution.name_speaker`."""
    _, _, raw = _phrase_of(subject)
    if subject.pos_ == "PRON":
        return _pronoun_holder(subject, ctx, verb, raw)
    found = name_speaker(subject, ctx.mentions, ctx.book)
    if found is not None and found.person and found.name:  # "their military spokesman Yahya Saree"
        return Attribution(found.name, "named", raw, "reporting verb")
    group = _group_name(subject)
    if group:
        return Attribution(group, "anonymous", raw, "reporting verb")
    if found is not None and found.name and not found.anonymous:
        return Attribution(found.name, "named", raw, "reporting verb")
    if subject.tag_ == "NNS" or (found is not None and found.anonymous):
        return Attribution(f"{subject.lower_} (unnamed)", "anonymous", raw, "reporting verb")
    return Attribution(raw, "named", raw, "reporting verb")


def _pronoun_holder(subject: Token, ctx: Context, verb: Token, raw: str) -> Attribution | None:
    """A pronoun subject: 'it said' is the body that spoke before (`attribution.body_before`),
    'who' the noun its clause follows; a pronoun under another reporting verb takes that speaker;
    'he/she' the shared pronoun rule, then the last named speaker."""
    if subject.lower_ in {"it", "who"}:
        found = name_speaker(subject, ctx.mentions, ctx.book)
        if found is not None and found.name and not found.anonymous:
            return Attribution(found.name, "named", raw, "reporting verb (pronoun -> body)")
    if subject.lower_ in {"it", "there", "we", "i", "you", "this", "that", "us"}:
        return None
    outer = _attribution_from_verbs(verb, ctx, skip=verb)
    if outer is not None:
        return Attribution(outer.forecaster, outer.kind, raw, "reporting verb (pronoun -> outer speaker)")
    if subject.lower_ in {"they", "them"}:
        return None
    name = ctx.book.resolve_pronoun(subject.lower_, subject.idx) if ctx.book is not None else None
    if name is not None:
        return Attribution(name, "named", raw, "reporting verb (pronoun -> last speaker)")
    last = ctx.last_speaker(subject.idx)
    if last is not None:
        return Attribution(last.forecaster, last.kind, raw, "reporting verb (pronoun -> last speaker)")
    return None


def _attribution_verbs(token: Token) -> Iterable[Token]:
    """Reporting or belief verbs above `token` on the same line, nearest first."""
    verbs = holder_verbs()
    for ancestor in token.ancestors:
        if not on_line(ancestor, token):
            return
        if ancestor.lemma_.lower() in verbs and ancestor.pos_ in {"VERB", "AUX"}:
            yield ancestor


def _attribution_from_verbs(token: Token, ctx: Context, skip: Token | None = None) -> Attribution | None:
    """Nearest reporting or belief verb above `token` whose subject names someone: in
    "X said Y believes Z will ..." the forecaster is Y, the one holding the belief."""
    for verb in _attribution_verbs(token):
        if skip is not None and verb.i == skip.i:
            continue
        subject = subject_of(verb)
        if subject is not None and subject.lower_ == "it" and any(c.dep_ == "auxpass" for c in verb.children):
            return Attribution("unnamed sources", "anonymous", f"it is {verb.text}", "reporting verb (passive)")
        if subject is None:
            subject = cue_subject(verb)
        if subject is None and verb.dep_ in {"xcomp", "conj"}:  # "Seoul has gone so far as to say"
            subject = subject_of(verb.head)
        if subject is None:
            continue
        found = _speaker_from_subject(subject, ctx, verb)
        if found is not None:
            return found
    return None


def negated_belief(token: Token) -> bool:
    """ "experts did not think China would become involved": the negation belongs to the forecast."""
    doubting = verbs_with("doubt")
    for verb in _attribution_verbs(token):
        negated = any(c.dep_ == "neg" for c in verb.children)
        return negated != (verb.lemma_.lower() in doubting)  # "critics doubt that X will" predicts not-X
    return False


def _according_to(head: Token, ctx: Context) -> Attribution | None:
    start, end = segment(head)
    doc = head.doc
    for token in doc.char_span(start, end, alignment_mode="expand") or []:
        pobj = according_to_object(token)
        if pobj is not None:
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
    if outer.lemma_.lower() not in holder_verbs():
        return None
    subject = next((c for c in outer.children if c.dep_ == "nsubj"), None)
    if subject is None or subject.lower_ in {"it", "there"}:
        return None
    return _speaker_from_subject(subject, ctx, outer)


def _parenthetical(cand: Candidate, ctx: Context) -> Attribution | None:
    """ "The EU may impose new sanctions next month, diplomats said": a reporting verb hung
    beside the clause (parataxis) or above a clause it is subordinate to."""
    for anchor in [cand.outer or cand.head, cand.head] + list((cand.outer or cand.head).ancestors):
        if not on_line(anchor, cand.head):
            break
        for child in anchor.children:
            if child.dep_ == "parataxis" and child.lemma_.lower() in holder_verbs():
                subject = cue_subject(child)
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
    verbs = holder_verbs()
    window = ctx.parsed.char_span(line_start, line_end, alignment_mode="expand")
    if window is None:
        return None
    outside = [t for t in window if not (start <= t.idx < end)]
    for token in outside:
        if token.lemma_.lower() in verbs and token.pos_ in {"VERB", "AUX"}:
            subject = cue_subject(token, lambda t: not (start <= t.idx < end))
            if subject is not None:
                found = _speaker_from_subject(subject, ctx, token)
                if found is not None:
                    return Attribution(found.forecaster, found.kind, found.text, "quoted paragraph")
    return None


def _quote_speaker(cand: Candidate, span: tuple[int, int], ctx: Context) -> Attribution | None:
    """The speaker the quotes stage gave the quote around the forecast. Not for reported speech
    holding its own believer ("The ministry said X believes the currency will weaken": X holds
    the belief, the ministry only reports it)."""
    start, end = span
    for quote in ctx.quotes:
        if not (quote.get("speaker") and quote["char_start"] <= start and end <= quote["char_end"] + 2):
            continue
        if quote.get("kind") == "indirect" and _believer_inside(cand, quote):
            continue
        return Attribution(quote["speaker"], "named", quote.get("speaker"), "quote")
    return None


def _believer_inside(cand: Candidate, quote: dict[str, Any]) -> bool:
    """A belief verb above the forecast, with a subject of its own, inside the reported words."""
    return any(quote["char_start"] <= verb.idx < quote["char_end"] and subject_of(verb) is not None
               for verb in _attribution_verbs(cand.outer or cand.head))


def attribute(cand: Candidate, span: tuple[int, int], ctx: Context) -> Attribution:
    start, end = span
    quoted = _quote_speaker(cand, span, ctx)  # the quotes stage has already attributed its quotations
    if quoted is not None:
        return quoted
    if cand.kind == "object":  # "Kyiv anticipates up to 15,000 troops": the subject forecasts
        subject = subject_of(cand.head) or (cand.head.head if cand.head.dep_ == "acl" else None)
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


def speaker_events(ctx: Context) -> list[tuple[int, Attribution]]:
    """Every named speaker in text order (reporting verbs with a named person as subject,
    attributed quotes): a later 'he said' most often refers to the last of them, not to the last
    person mentioned."""
    events: list[tuple[int, Attribution]] = []
    for token in ctx.parsed:
        if token.lemma_.lower() in holder_verbs() and token.pos_ in {"VERB", "AUX"}:
            subject = cue_subject(token)
            if subject is None or subject.pos_ == "PRON":
                continue
            found = name_speaker(subject, ctx.mentions, None)
            if found is not None and found.person and found.name:
                events.append((token.idx, Attribution(found.name, "named", subject.text, "reporting verb")))
    for quote in ctx.quotes:
        if quote.get("speaker"):
            events.append((quote["char_end"], Attribution(quote["speaker"], "named", quote["speaker"], "quote")))
    return sorted(events, key=lambda e: e[0])
