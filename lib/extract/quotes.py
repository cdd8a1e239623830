"""Quotes: direct and indirect speech with the speaker attributed.

Analysts weigh words by who said them, so each quote carries its speaker and the rule that decided,
never a guess without a basis. The design follows BBC R&D's Citron (a quote is a cue, a source and
content spans, so split quotes work) and CoreNLP's attribution sieve (try the most reliable rule
first, fall through to weaker ones), with our own rules:

1. Direct quotes: spans between quote marks (straight or curly); an open quote at a paragraph end
   continues in the next paragraph; partial quotes inside a sentence are kept and flagged.
2. Attribution, strongest first: a speech verb outside quotes in the same paragraph, nearest to
   the quote, whose grammatical subject names the speaker ("..., Gabuev said", "said Edward Howell");
   a pronoun subject resolves to the most recent compatible named speaker (gender from titles,
   first names and the pronouns used of the person earlier); a quote paragraph with no cue
   continues the previous quote's speaker; 'X said:' (or any named subject, 'X addressed her
   troops:') ending the paragraph before; failing that, a speaker named in the next two paragraphs
   ('The statement was issued by X'). A cue in the quote's own sentence beats a nearer one in
   another sentence. Unknown stays NULL.
3. Indirect speech: a speech verb with a clausal complement ("Zelensky warned on Friday that
   Russia planned ..."), and "according to X"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Token

from lib.core.document import Document, paragraphs_with_offsets
from lib.extract.attribution import (
    SpeakerBook,
    according_to_speakers,
    cue_subject,
    intro_subject,
    name_speaker,
    opening_subject,
    speaker_book,
    verbs_with,
)

OPENING = "“„«"


CLOSING = "”»"


CONFIDENCE = {"verb-subject": 0.95, "colon-intro": 0.9, "pronoun": 0.8, "continuation": 0.75, "later-paragraph": 0.6,
              "according-to": 0.85, "none": 0.0}


# Subjects of "expect", "explain" that are not speakers: "It is expected that ...", "This explains ...".
NOT_SPEAKERS = {"it", "this", "that", "which", "what"}


# ---------------------------------------------------------------- finding direct quotes

@dataclass
class Span:
    start: int
    end: int
    paragraph: int
    closed: bool


def find_direct_quotes(text: str) -> list[Span]:
    """Quoted spans (marks excluded), per paragraph.

    Curly marks pair open with close; straight marks alternate within a paragraph. An open mark
    with no close before the paragraph ends is a quote that continues in the next paragraph (news
    style re-opens it there), so it runs to the paragraph end and is flagged not closed.
    """
    spans = []
    carried = False
    for number, (p_start, p_end) in enumerate(paragraphs_with_offsets(text)):
        i = p_start
        open_at = None
        straight_open = False
        body = text[p_start:p_end].lstrip()
        if carried and body and body[0] not in OPENING + '"':
            # A paragraph break inside a quote (broken copy): the quote runs to its closing mark here.
            close = min((text.find(c, p_start, p_end) for c in CLOSING if text.find(c, p_start, p_end) >= 0), default=-1)
            first_open = min((text.find(c, p_start, p_end) for c in OPENING if text.find(c, p_start, p_end) >= 0), default=p_end)
            if 0 <= close < first_open:
                spans.append(Span(p_start, close, number, True))
                i = close + 1
        carried = False
        while i < p_end:
            ch = text[i]
            if open_at is None and (ch in OPENING or ch == '"'):
                open_at, straight_open = i + 1, ch == '"'
            elif open_at is not None and ((straight_open and ch == '"') or (not straight_open and ch in CLOSING)):
                if i > open_at:
                    spans.append(Span(open_at, i, number, True))
                open_at = None
            elif open_at is not None and not straight_open and ch in OPENING:
                open_at = i + 1  # an unclosed quote re-opened: keep the later one
            i += 1
        if open_at is not None and p_end > open_at:
            spans.append(Span(open_at, p_end, number, False))
            carried = not straight_open
    return [s for s in spans if text[s.start:s.end].strip() and not _is_title(text[s.start:s.end])]


def _is_title(quoted: str) -> bool:
    """A quoted name of a publication or an event ("Journal of Political Risk"), not speech."""
    words = re.findall(r"[A-Za-z][\w'’-]*", quoted)
    small = {"of", "the", "and", "for", "on", "in", "a", "an", "to"}
    return 0 < len(words) <= 6 and all(w[0].isupper() or w in small for w in words) and words[0][0].isupper() \
        and not re.search(r"[.!?]\s*$", quoted.strip())


def _inside(position: int, spans: list[Span]) -> bool:
    return any(s.start - 1 <= position < s.end + 1 for s in spans)


# ---------------------------------------------------------------- speakers
# Who speaks is decided in lib/extract/attribution.py (the one home shared with claims and
# forecasts); this module only brings the quote geometry: which cue is nearest, which paragraph.

@dataclass
class Cue:
    verb: Token
    subject: Token


def _cues_in(parsed: Doc, lo: int, hi: int, quotes: list[Span], lemmas: frozenset[str]) -> list[Cue]:
    """Speech verbs with a subject, outside every quote, between character offsets lo and hi."""
    span = parsed.char_span(lo, hi, alignment_mode="expand")
    if span is None:
        return []
    cues = []
    for token in span:
        if token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in lemmas and not _inside(token.idx, quotes):
            subject = cue_subject(token, lambda t: not _inside(t.idx, quotes))
            if subject is not None:
                cues.append(Cue(token, subject))
    return cues


def _speaker_of(cue: Cue, mentions, book: SpeakerBook) -> tuple[str | None, str, str]:
    """(document-level name, as written, quote rule) of a cue's subject."""
    found = name_speaker(cue.subject, mentions, book)
    if found is None or not found.name:
        written = found.text if found is not None else " ".join(t.text for t in list(cue.subject.subtree)[:8])
        return None, written, "none"
    return found.name, found.text, "pronoun" if found.rule == "pronoun" else "verb-subject"


def _nearest_cue(quote: Span, cues: list[Cue], quotes: list[Span], text: str | None = None) -> Cue | None:
    """The cue closest to the quote; a cue separated from it by another quote pays a penalty,
    because that quote is more likely to be the one it attributes, and so does a cue in another
    sentence ('The UN said it moved staff. "We have relocated ...," a spokesperson for OCHA told
    Reuters': the cue of the quote's own sentence speaks, however long its subject)."""
    best, best_score = None, None
    for cue in cues:
        pos = cue.verb.idx
        distance = quote.start - pos if pos < quote.start else pos - quote.end
        between = [q for q in quotes if q is not quote and (pos < q.start < quote.start or quote.end < q.start < pos)]
        elsewhere = text is not None and not _attached(cue, quote, text)
        score = distance + 400 * len(between) + 200 * elsewhere
        if best_score is None or score < best_score:
            best, best_score = cue, score
    return best


def _attached(cue: Cue, quote: Span, text: str) -> bool:
    """A cue in the quote's own sentence ("...," the embassy said; X said: "..."): it attributes
    this quote, so an unnamed speaker there ("one official said") is not a reason to borrow a
    farther cue's speaker."""
    lo, hi = sorted((cue.verb.idx, quote.start if cue.verb.idx < quote.start else quote.end))
    return not re.search(r"[.!?]\s", text[lo:hi].replace(text[quote.start:quote.end], ""))


def _is_partial(text: str, quote: Span, parsed: Doc) -> bool:
    """Partial: the quote starts mid-sentence after the writer's own words and is short."""
    before = text[max(0, quote.start - 60):quote.start - 1]
    sentence_start = max(before.rfind(". "), before.rfind("\n"), before.rfind(": "))
    own_words = before[sentence_start + 1:].strip()
    return bool(re.search(r"[A-Za-z]", own_words)) and not own_words.endswith((",", ":")) and \
        len(text[quote.start:quote.end].split()) <= 12


def extract_quotes(document: Document, parsed: Doc, mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-document quotes: quote_id, doc_id, char_start, char_end, text, kind, speaker (the
    document-level name, resolved to canonical across the corpus later), speaker_text, cue,
    attribution_rule, confidence, is_partial."""
    text = document.text
    paragraphs = paragraphs_with_offsets(text)
    quotes = find_direct_quotes(text)
    book = speaker_book(parsed, mentions)
    rows: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for quote in quotes:
        speaker, written, rule, verb = _attribute_quote(quote, quotes, previous, parsed, paragraphs, mentions, book)
        if speaker is not None:
            book.add(quote.start, speaker)
        row = {"quote_id": f"{document.doc_id}:{quote.start}-{quote.end}", "doc_id": document.doc_id,
               "char_start": quote.start, "char_end": quote.end, "text": text[quote.start:quote.end],
               "kind": "direct", "speaker": speaker, "speaker_text": written, "cue": verb,
               "attribution_rule": rule, "confidence": CONFIDENCE[rule],
               "is_partial": _is_partial(text, quote, parsed)}
        rows.append(row)
        previous = {**row, "_paragraph": quote.paragraph, "_open": not quote.closed}
    rows.extend(_indirect_quotes(document, parsed, mentions, quotes, book))
    return sorted(rows, key=lambda r: (r["char_start"], r["char_end"]))


def _attribute_quote(quote: Span, quotes: list[Span], previous: dict[str, Any] | None, parsed: Doc,
                     paragraphs: list[tuple[int, int]], mentions, book: SpeakerBook):
    """(speaker, as written, rule, cue) of one direct quote, strongest rule first: a cue in the
    paragraph, 'according to', continuation of the previous quote, 'X said:' before, a speaker
    named in the following paragraphs."""
    text = parsed.text
    p_start, p_end = paragraphs[quote.paragraph]
    partial = _is_partial(text, quote, parsed)
    cues = _paragraph_cues(quote, quotes, parsed, paragraphs, partial)
    found = _from_cues(quote, cues, quotes, mentions, book, text)
    if found is not None:
        return found
    according = _according_to_in(parsed, p_start, p_end, quotes, mentions, book)
    if according is not None:
        return according.name, according.text, "according-to", "according to"
    if cues:  # "analysts say": an unnamed speaker, not a reason to borrow another
        return None, _unnamed_text(quote, cues, quotes), "none", None
    if _continues(quote, previous, partial, text, mentions):
        return previous["speaker"], previous["speaker_text"], "continuation", None
    if quote.paragraph > 0:
        intro = _colon_intro(parsed, paragraphs[quote.paragraph - 1], quotes, mentions, book)
        if intro is not None:
            return (*intro[:2], "colon-intro", intro[2])
    if not partial:
        later = _later_paragraph(parsed, paragraphs, quote, quotes, mentions, book)
        if later is not None:
            return (*later[:2], "later-paragraph", later[2])
    return None, None, "none", None


def _paragraph_cues(quote: Span, quotes: list[Span], parsed: Doc, paragraphs, partial: bool) -> list[Cue]:
    """Quote cues in the quote's paragraph (and the next one when the quote runs on into it); a
    partial quote takes only cues of its own sentence."""
    p_start, p_end = paragraphs[quote.paragraph]
    runs_on = not quote.closed and quote.paragraph + 1 < len(paragraphs)
    reach = paragraphs[quote.paragraph + 1][1] if runs_on else p_end
    cues = _cues_in(parsed, p_start, reach, quotes, verbs_with("quote_cue"))
    if partial:
        sentence = parsed.char_span(quote.start, quote.end, alignment_mode="expand")
        sent = sentence.sent if sentence is not None else None
        cues = [c for c in cues if sent is not None and sent.start <= c.verb.i < sent.end]
    return cues


def _from_cues(quote: Span, cues: list[Cue], quotes: list[Span], mentions, book: SpeakerBook, text: str):
    """The speaker of the nearest cue that names one; the search stops at a cue attached to the
    quote whose speaker is unnamed ("one official said")."""
    remaining = list(cues)
    while remaining:
        cue = _nearest_cue(quote, remaining, quotes, text)
        remaining.remove(cue)
        speaker, written, rule = _speaker_of(cue, mentions, book)
        if speaker is not None:
            return speaker, written, rule, cue.verb.text
        if _attached(cue, quote, text) and name_speaker(cue.subject, mentions, book) is not None:
            return None
    return None


def _unnamed_text(quote: Span, cues: list[Cue], quotes: list[Span]) -> str:
    cue = _nearest_cue(quote, cues, quotes)
    return " ".join(t.text for t in list(cue.subject.subtree)[:8]) if cue is not None else None


def _continues(quote: Span, previous: dict[str, Any] | None, partial: bool, text: str, mentions) -> bool:
    """A cue-less quote continues the previous quote's speaker: it opens the paragraph after a whole
    quote, the previous quote ran on, or it is a partial quote close by; no other person named
    between."""
    if previous is None or not previous["speaker"]:
        return False
    named_between = any(m["kind"] == "person" and previous["char_end"] < m["char_start"] < quote.start
                        and m["name"] != previous["speaker"] for m in mentions)
    if named_between:
        return False
    distance = quote.paragraph - previous["_paragraph"]
    opens_paragraph = text[text.rfind("\n", 0, quote.start) + 1:quote.start - 1].strip() == ""
    whole = not previous["is_partial"]  # a few quoted words in reported speech do not run on
    return (opens_paragraph and whole and distance <= 1) or (previous["_open"] and distance <= 1) or (
        partial and distance <= 2 and _kind_of(previous["speaker"], mentions) == "person")


def _kind_of(name: str, mentions: list[dict[str, Any]]) -> str | None:
    return next((m["kind"] for m in mentions if m["name"] == name), None)


def _according_to_in(parsed: Doc, lo: int, hi: int, quotes: list[Span], mentions, book: SpeakerBook):
    """The named source after "according to" in a paragraph, outside quotes."""
    span = parsed.char_span(lo, hi, alignment_mode="expand")
    if span is None:
        return None
    for token, speaker in according_to_speakers(span, mentions, book):
        if not _inside(token.idx, quotes) and speaker.name and not speaker.anonymous:
            return speaker
    return None


def _colon_intro(parsed: Doc, paragraph: tuple[int, int], quotes: list[Span], mentions, book: SpeakerBook):
    """'Jonathan Park, a researcher at ..., said:' ending the paragraph before the quote; with no
    speech verb there, the named subject that introduces it ('X addressed her troops:')."""
    lo, hi = paragraph
    if not parsed.text[lo:hi].rstrip().endswith(":"):
        return None
    for cue in sorted(_cues_in(parsed, lo, hi, quotes, verbs_with("quote_cue")), key=lambda c: -c.verb.idx):
        speaker, written, _ = _speaker_of(cue, mentions, book)
        if speaker:
            return speaker, written, cue.verb.text
    intro = intro_subject(parsed, lo, hi, mentions, book)  # "X addressed her troops:"
    return (intro.name, intro.text, None) if intro is not None else None


def _later_paragraph(parsed: Doc, paragraphs, quote: Span, quotes: list[Span], mentions, book: SpeakerBook):
    """A speaker named after a cue-less quote: the person the next paragraph opens on ("The words
    came from X"), else a named person speaking in the next two paragraphs."""
    following = [paragraphs[n] for n in (quote.paragraph + 1, quote.paragraph + 2) if n < len(paragraphs)]
    if following:
        opening = opening_subject(parsed, *following[0], mentions)
        if opening is not None:
            return opening.name, opening.text, None
    for lo, hi in following:
        for cue in _cues_in(parsed, lo, hi, quotes, verbs_with("quote_cue")):
            found = name_speaker(cue.subject, mentions, None)
            if found is not None and found.person and found.name:
                return found.name, found.text, cue.verb.text
    return None


# ---------------------------------------------------------------- indirect speech

def _indirect_quotes(document: Document, parsed: Doc, mentions, quotes: list[Span], book: SpeakerBook):
    """Reported speech: a speech verb with a clausal complement, outside direct quotes."""
    lemmas = verbs_with("reported_speech")
    rows = []
    for token in parsed:
        if token.pos_ not in ("VERB", "AUX") or token.lemma_.lower() not in lemmas or _inside(token.idx, quotes):
            continue
        clause = next((c for c in token.children if c.dep_ == "ccomp"), None)
        subject = cue_subject(token, lambda t: not _inside(t.idx, quotes))
        if clause is None or subject is None or subject.lower_ in NOT_SPEAKERS or subject.i > token.i:
            continue
        bounds = _reported_words(clause, token, document.text, quotes)
        if bounds is None:
            continue
        start, end = bounds
        speaker, written, rule = _speaker_of(Cue(token, subject), mentions, book)
        rows.append({"quote_id": f"{document.doc_id}:{start}-{end}", "doc_id": document.doc_id,
                     "char_start": start, "char_end": end, "text": document.text[start:end], "kind": "indirect",
                     "speaker": speaker, "speaker_text": written, "cue": token.text,
                     "attribution_rule": rule, "confidence": CONFIDENCE[rule], "is_partial": False})
    rows.extend(_according_to(document, parsed, mentions, quotes, book))
    return _drop_nested(rows)


def _reported_words(clause: Token, verb: Token, text: str, quotes: list[Span]) -> tuple[int, int] | None:
    """(start, end) of the reported words of a clausal complement, after 'that'; None when the
    clause comes before the verb (a direct quote's own cue) or lies in a quote."""
    tokens = list(clause.subtree)
    if tokens and tokens[0].dep_ == "mark" and len(tokens) > 1:
        tokens = tokens[1:]
    if tokens[0].i < verb.i:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    lead = re.match(r"(?:that|whether)\s+", text[start:end])
    start += lead.end() if lead else 0
    if any(q.start <= start < q.end for q in quotes) or end - start < 15:
        return None
    return start, end


def _drop_nested(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reported speech inside reported speech: "Schuster said he believes that X" keeps the inner
    clause (same speaker, cleaner words); "Rutte said the alliance could confirm that X" keeps the
    outer one (the inner 'speaker' is only reported by the outer)."""
    drop = set()
    for i, outer in enumerate(rows):
        for j, inner in enumerate(rows):
            if i == j or not (outer["char_start"] <= inner["char_start"] and inner["char_end"] <= outer["char_end"]):
                continue
            if (outer["char_start"], outer["char_end"]) == (inner["char_start"], inner["char_end"]):
                if j > i:
                    drop.add(j)
                continue
            drop.add(i if outer["speaker"] == inner["speaker"] else j)
    return [r for k, r in enumerate(rows) if k not in drop]


def _according_to(document: Document, parsed: Doc, mentions, quotes: list[Span], book: SpeakerBook):
    """'..., according to the Pentagon.': the sentence before it is reported speech of X."""
    rows = []
    for token, speaker in according_to_speakers(parsed[:], mentions, book):
        if not speaker.name or speaker.anonymous or _inside(token.idx, quotes):
            continue
        start, end = token.sent.start_char, token.idx
        content = document.text[start:end].rstrip(" ,")
        if len(content) < 15:
            continue
        end = start + len(content)
        rows.append({"quote_id": f"{document.doc_id}:{start}-{end}", "doc_id": document.doc_id,
                     "char_start": start, "char_end": end, "text": content, "kind": "indirect",
                     "speaker": speaker.name, "speaker_text": speaker.text, "cue": "according to",
                     "attribution_rule": "according-to", "confidence": CONFIDENCE["according-to"],
                     "is_partial": False})
    return rows
