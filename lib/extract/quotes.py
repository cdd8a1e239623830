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
   continues the previous quote's speaker; failing that, a speaker named in the next two
   paragraphs. Unknown stays NULL.
3. Indirect speech: a speech verb with a clausal complement ("Zelensky warned on Friday that
   Russia planned ..."), and "according to X"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from spacy.tokens import Doc, Token

from lib.core.config import DATA_DIR
from lib.core.document import Document, paragraphs_with_offsets
from lib.extract.mentions import described_body
from lib.extract.names import alias_book

OPENING = "“„«"


CLOSING = "”»"


CONFIDENCE = {"verb-subject": 0.95, "colon-intro": 0.9, "pronoun": 0.8, "continuation": 0.75, "later-paragraph": 0.6,
              "according-to": 0.85, "none": 0.0}


MALE = {"he", "him", "his", "himself"}


FEMALE = {"she", "her", "hers", "herself"}


PRONOUNS = MALE | FEMALE | {"they", "we", "i"}


# Subjects of "expect", "explain" that are not speakers: "It is expected that ...", "This explains ...".
NOT_SPEAKERS = {"it", "this", "that", "which", "what"}


@lru_cache(maxsize=1)
def speech_verbs() -> dict[str, set[str]]:
    raw = yaml.safe_load((DATA_DIR / "speech_verbs.yaml").read_text(encoding="utf-8"))
    return {"direct": set(raw["direct"]), "indirect": set(raw["indirect"])}


@lru_cache(maxsize=1)
def gender_vocabulary() -> dict[str, set[str]]:
    raw = yaml.safe_load((DATA_DIR / "gender_cues.yaml").read_text(encoding="utf-8"))
    return {k: {w.lower() for w in v} for k, v in raw.items()}


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

def _mention_at(token: Token, mentions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The mention covering a token, else the first mention in its subject subtree (persons first)."""
    for m in mentions:
        if m["char_start"] <= token.idx < m["char_end"]:
            return m
    subtree = list(token.subtree)[:12]
    lo, hi = subtree[0].idx, subtree[-1].idx + len(subtree[-1])
    inside = [m for m in mentions if lo <= m["char_start"] and m["char_end"] <= hi]
    people = [m for m in inside if m["kind"] == "person"]
    return (people or inside or [None])[0]


def _subject(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            return child
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head)  # "he smiled and said ..." shares the subject
    lemmas = speech_verbs()["direct"] | speech_verbs()["indirect"]
    if verb.dep_ in ("advcl", "xcomp") and verb.head.lemma_.lower() in lemmas:
        return _subject(verb.head)  # "he said, adding ...": but not "X grew closer, with Y saying ..."
    return None


@dataclass
class Cue:
    verb: Token
    subject: Token


def _gender_of(name: str, mentions: list[dict[str, Any]], parsed: Doc, text: str) -> str | None:
    """'m', 'f' or None for a person named in the document.

    Evidence, strongest first: gendered titles next to the name (Mr, Ms, spokeswoman), the first
    name in a data list of unambiguous first names, the pronouns that follow the person's mentions
    in the same or next sentence before another person is named.
    """
    vocab = gender_vocabulary()
    own = [m for m in mentions if m["name"] == name]
    for m in own:
        before = text[max(0, m["char_start"] - 20):m["char_start"]].lower().split()
        if before and before[-1] in vocab["male_titles"]:
            return "m"
        if before and before[-1] in vocab["female_titles"]:
            return "f"
    first = name.split()[0].lower() if name.split() else ""
    if first in vocab["male_names"]:
        return "m"
    if first in vocab["female_names"]:
        return "f"
    people = sorted((m for m in mentions if m["kind"] == "person"), key=lambda m: m["char_start"])
    male = female = 0
    for m in own:
        later = [p["char_start"] for p in people if p["char_start"] > m["char_end"] and p["name"] != name]
        stop = min(later + [m["sentence_end"] + 400])
        window = text[m["char_end"]:stop].lower()
        words = re.findall(r"[a-z]+", window)
        male += sum(1 for w in words if w in MALE)
        female += sum(1 for w in words if w in FEMALE)
    if male > female:
        return "m"
    if female > male:
        return "f"
    return None


class _Speakers:
    """The named speakers and persons seen so far in a document, for pronoun resolution."""

    def __init__(self, mentions: list[dict[str, Any]], parsed: Doc, text: str):
        self.mentions = mentions
        self.parsed = parsed
        self.text = text
        self.spoken: list[tuple[int, str]] = []  # (offset, name) of named speakers, speech verbs' subjects
        self._genders: dict[str, str | None] = {}
        lemmas = speech_verbs()["direct"] | speech_verbs()["indirect"]
        for cue in _cues_in(parsed, 0, len(text), [], lemmas):
            mention = _named_subject(cue.subject, mentions)
            if mention is not None and mention["kind"] == "person":
                self.spoken.append((cue.verb.idx, mention["name"]))

    def add(self, position: int, name: str) -> None:
        self.spoken.append((position, name))
        self.spoken.sort()

    def gender(self, name: str) -> str | None:
        if name not in self._genders:
            self._genders[name] = _gender_of(name, self.mentions, self.parsed, self.text)
        return self._genders[name]

    def resolve_pronoun(self, pronoun: str, position: int) -> str | None:
        """Most recent compatible named speaker before `position`, else most recent compatible person."""
        want = "m" if pronoun in MALE else "f" if pronoun in FEMALE else None
        if want is None:
            return None

        def compatible(name: str) -> bool:
            g = self.gender(name)
            return g is None or g == want

        for offset, name in reversed(self.spoken):
            if offset < position and compatible(name) and self.gender(name) == want:
                return name
        people = [m for m in self.mentions if m["kind"] == "person" and m["char_start"] < position]
        for m in sorted(people, key=lambda m: m["char_start"], reverse=True):
            if self.gender(m["name"]) == want:
                return m["name"]
        for offset, name in reversed(self.spoken):
            if offset < position and compatible(name):
                return name
        for m in sorted(people, key=lambda m: m["char_start"], reverse=True):
            if compatible(m["name"]):
                return m["name"]
        return None


def _speaker_of(cue: Cue, mentions, speakers: _Speakers) -> tuple[str | None, str, str]:
    """(document-level name, as written, rule) of a cue's subject."""
    subject = cue.subject
    written = subject.text
    if subject.lower_ in PRONOUNS:
        return speakers.resolve_pronoun(subject.lower_, subject.idx), written, "pronoun"
    mention = _named_subject(subject, mentions)
    if mention is None:
        written = " ".join(t.text for t in list(subject.subtree)[:8])

        phrase = "".join(t.text_with_ws for t in subject.subtree).strip()
        hit = alias_book().lookup(phrase)
        body = hit[0].name if hit else described_body(phrase, alias_book())
        return (body, phrase, "verb-subject") if body else (None, written, "none")
    return mention["name"], mention["text"], "verb-subject"


def _named_subject(subject: Token, mentions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The mention a subject names: it covers the subject's head, or the head is a proper noun
    whose phrase holds one. A common-noun subject ("North Korea's participation") names no one."""
    for m in mentions:
        if m["char_start"] <= subject.idx < m["char_end"]:
            return m
    if subject.pos_ != "PROPN":
        return None
    return _mention_at(subject, mentions)


def _cues_in(parsed: Doc, lo: int, hi: int, quotes: list[Span], lemmas: set[str]) -> list[Cue]:
    """Speech verbs with a subject, outside every quote, between character offsets lo and hi."""
    span = parsed.char_span(lo, hi, alignment_mode="expand")
    if span is None:
        return []
    cues = []
    for token in span:
        if token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in lemmas and not _inside(token.idx, quotes):
            subject = _subject(token)
            if subject is not None and _inside(subject.idx, quotes):
                subject = None  # the quote itself parsed as the subject: look for an inverted one
            if subject is None and token.i + 1 < len(parsed) and parsed[token.i + 1].pos_ == "PROPN":
                subject = parsed[token.i + 1]  # inversion the parser missed: "wrote Darcie Draudt-Vejares"
            if subject is not None and not _inside(subject.idx, quotes):
                cues.append(Cue(token, subject))
    return cues


def _nearest_cue(quote: Span, cues: list[Cue], quotes: list[Span]) -> Cue | None:
    """The cue closest to the quote; a cue separated from it by another quote pays a penalty,
    because that quote is more likely to be the one it attributes."""
    best, best_score = None, None
    for cue in cues:
        pos = cue.verb.idx
        distance = quote.start - pos if pos < quote.start else pos - quote.end
        between = [q for q in quotes if q is not quote and (pos < q.start < quote.start or quote.end < q.start < pos)]
        score = distance + 400 * len(between)
        if best_score is None or score < best_score:
            best, best_score = cue, score
    return best


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
    speakers = _Speakers(mentions, parsed, text)
    lemmas = speech_verbs()["direct"]
    rows: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for quote in quotes:
        p_start, p_end = paragraphs[quote.paragraph]
        partial = _is_partial(text, quote, parsed)
        # An unclosed quote runs on into the next paragraph, and so may its attribution.
        reach = paragraphs[quote.paragraph + 1][1] if not quote.closed and quote.paragraph + 1 < len(paragraphs) else p_end
        cues = _cues_in(parsed, p_start, reach, quotes, lemmas)
        if partial:
            sentence = parsed.char_span(quote.start, quote.end, alignment_mode="expand")
            sent = sentence.sent if sentence is not None else None
            cues = [c for c in cues if sent is not None and sent.start <= c.verb.i < sent.end]
        speaker, written, rule, verb, cue = None, None, "none", None, None
        had_cue = bool(cues)  # "analysts say": an unnamed speaker, not a reason to borrow another
        while cues and speaker is None:
            cue = _nearest_cue(quote, cues, quotes)
            cues = [c for c in cues if c is not cue]
            speaker, written, rule = _speaker_of(cue, mentions, speakers)
            verb = cue.verb.text
        if speaker is None:
            cue, verb = None, None
            found = _according_to_in(text, p_start, p_end, quotes, mentions)
            if found:
                speaker, written, rule, verb = found["name"], found["text"], "according-to", "according to"
                cue = True
        opens_paragraph = text[p_start:quote.start - 1].strip() == ""
        named_between = previous is not None and any(
            m["kind"] == "person" and previous["char_end"] < m["char_start"] < quote.start and m["name"] != previous["speaker"]
            for m in mentions)
        distance = quote.paragraph - previous["_paragraph"] if previous is not None else 99
        continues = previous is not None and previous["speaker"] and not named_between and not had_cue and (
            (opens_paragraph and distance <= 1) or (previous["_open"] and distance <= 1)
            or (partial and distance <= 2 and _kind_of(previous["speaker"], mentions) == "person"))
        if speaker is None and continues:
            speaker, written, rule = previous["speaker"], previous["speaker_text"], "continuation"
        if speaker is None and not had_cue and quote.paragraph > 0:
            found = _colon_intro(parsed, paragraphs[quote.paragraph - 1], text, quotes, mentions, speakers, lemmas)
            if found:
                speaker, written, verb = found
                rule = "colon-intro"
        if speaker is None and not had_cue and not partial:
            speaker, written, verb = _later_paragraph(parsed, paragraphs, quote, quotes, mentions, speakers, lemmas)
            rule = "later-paragraph" if speaker else "none"
        if speaker is None:
            rule = "none"
        elif rule in ("verb-subject", "pronoun", "continuation", "later-paragraph", "colon-intro"):
            speakers.add(quote.start, speaker)
        row = {"quote_id": f"{document.doc_id}:{quote.start}-{quote.end}", "doc_id": document.doc_id,
               "char_start": quote.start, "char_end": quote.end, "text": text[quote.start:quote.end],
               "kind": "direct", "speaker": speaker, "speaker_text": written, "cue": verb,
               "attribution_rule": rule, "confidence": CONFIDENCE[rule],
               "is_partial": partial}
        rows.append(row)
        previous = {**row, "_paragraph": quote.paragraph, "_open": not quote.closed}
    rows.extend(_indirect_quotes(document, parsed, mentions, quotes, speakers))
    return sorted(rows, key=lambda r: (r["char_start"], r["char_end"]))


def _kind_of(name: str, mentions: list[dict[str, Any]]) -> str | None:
    return next((m["kind"] for m in mentions if m["name"] == name), None)


def _according_to_source(text: str, at: int, mentions) -> dict[str, Any] | None:
    """The actor named by the phrase right after "according to" (a person before the body in a
    title: "NATO Secretary-General Mark Rutte"); None for unnamed sources ("according to experts")."""
    phrase_end = at + (re.search(r"[.,;:\n]|$", text[at:at + 120]).start())
    phrase = text[at:phrase_end]
    if not phrase or (phrase[0].islower() and not re.match(r"the\s+[A-Z]", phrase)):
        return None
    inside = [m for m in mentions if at <= m["char_start"] and m["char_end"] <= phrase_end + 1]
    people = [m for m in inside if m["kind"] == "person"]
    return (people or inside or [None])[0]


def _according_to_in(text: str, lo: int, hi: int, quotes: list[Span], mentions) -> dict[str, Any] | None:
    """The source after "according to" in a paragraph, outside quotes."""
    for found in re.finditer(r"\baccording to\s+", text[lo:hi]):
        at = lo + found.end()
        if _inside(at, quotes):
            continue
        source = _according_to_source(text, at, mentions)
        if source is not None:
            return source
    return None


def _colon_intro(parsed, paragraph, text, quotes, mentions, speakers, lemmas):
    """'Jonathan Park, a researcher at ..., said:' ending the paragraph before the quote."""
    lo, hi = paragraph
    if not text[lo:hi].rstrip().endswith(":"):
        return None
    cues = sorted(_cues_in(parsed, lo, hi, quotes, lemmas), key=lambda c: -c.verb.idx)
    for cue in cues:
        speaker, written, rule = _speaker_of(cue, mentions, speakers)
        if speaker:
            return speaker, written, cue.verb.text
    return None


def _later_paragraph(parsed, paragraphs, quote, quotes, mentions, speakers, lemmas):
    """A speaker named in the next two paragraphs by a speech verb with a named subject."""
    for number in (quote.paragraph + 1, quote.paragraph + 2):
        if number >= len(paragraphs):
            break
        lo, hi = paragraphs[number]
        for cue in _cues_in(parsed, lo, hi, quotes, lemmas):
            if cue.subject.lower_ in PRONOUNS:
                continue
            mention = _mention_at(cue.subject, mentions)
            if mention is not None and mention["kind"] == "person":
                return mention["name"], mention["text"], cue.verb.text
    return None, None, None


# ---------------------------------------------------------------- indirect speech

def _indirect_quotes(document: Document, parsed: Doc, mentions, quotes: list[Span], speakers: _Speakers):
    """Reported speech: a speech verb with a clausal complement, outside direct quotes."""
    lemmas = speech_verbs()["indirect"]
    rows = []
    for token in parsed:
        if token.pos_ not in ("VERB", "AUX") or token.lemma_.lower() not in lemmas or _inside(token.idx, quotes):
            continue
        clause = next((c for c in token.children if c.dep_ == "ccomp"), None)
        subject = _subject(token)
        if clause is None or subject is None or _inside(subject.idx, quotes) or subject.lower_ in NOT_SPEAKERS:
            continue
        tokens = list(clause.subtree)
        if tokens and tokens[0].dep_ == "mark" and len(tokens) > 1:
            tokens = tokens[1:]  # the reported words start after "that"
        if tokens[0].i < token.i:  # quote before verb: a direct quote's own cue, or inversion
            continue
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
        lead = re.match(r"(?:that|whether)\s+", document.text[start:end])
        start += lead.end() if lead else 0
        if any(q.start <= start < q.end for q in quotes) or end - start < 15:
            continue
        speaker, written, rule = _speaker_of(Cue(token, subject), mentions, speakers)
        if rule == "none":
            speaker = None
        rows.append({"quote_id": f"{document.doc_id}:{start}-{end}", "doc_id": document.doc_id,
                     "char_start": start, "char_end": end, "text": document.text[start:end], "kind": "indirect",
                     "speaker": speaker, "speaker_text": written, "cue": token.text,
                     "attribution_rule": rule if speaker else "none",
                     "confidence": CONFIDENCE[rule if speaker else "none"], "is_partial": False})
    rows.extend(_according_to(document, parsed, mentions, quotes))
    return _drop_nested(rows)


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


def _according_to(document: Document, parsed: Doc, mentions, quotes: list[Span]):
    """'..., according to the Pentagon.': the sentence is reported speech of X."""
    rows = []
    for found in re.finditer(r"\baccording to\s+", document.text):
        source = _according_to_source(document.text, found.end(), mentions)
        if source is None or _inside(found.start(), quotes):
            continue
        span = parsed.char_span(found.start(), found.end(), alignment_mode="expand")
        sentence = span.sent if span is not None else None
        if sentence is None:
            continue
        start, end = sentence.start_char, found.start()
        content = document.text[start:end].rstrip(" ,")
        if len(content) < 15:
            continue
        end = start + len(content)
        rows.append({"quote_id": f"{document.doc_id}:{start}-{end}", "doc_id": document.doc_id,
                     "char_start": start, "char_end": end, "text": content, "kind": "indirect",
                     "speaker": source["name"], "speaker_text": source["text"], "cue": "according to",
                     "attribution_rule": "according-to", "confidence": CONFIDENCE["according-to"],
                     "is_partial": False})
    return rows
