"""Actor mentions per document: entity spans, aliases, names completed from the text, roles and affiliations."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import spacy
from spacy.pipeline import SpanRuler
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from lib.core.document import Document, paragraphs_with_offsets
from lib.core.nlp import doc_text
from lib.extract.names import (
    ABBREVIATION_END,
    ACTOR_LABELS,
    EDGE_PUNCT,
    LABEL_FOR_KIND,
    POSSESSIVE,
    AliasBook,
    alias_book,
    alias_forms,
    fold,
    kind_vocabulary,
    org_kind,
    territory_names,
)
from lib.extract.roles import attach_roles

# ---------------------------------------------------------------- entity ruler

def ruler_patterns() -> list[dict[str, Any]]:
    """The alias file as EntityRuler patterns, each carrying its canonical name as `id`."""
    patterns = []
    for entry in alias_book().entries:
        label = LABEL_FOR_KIND.get(entry.kind, "ORG")
        for form, rule in alias_forms(entry):
            patterns.append({"label": "NORP" if rule == "demonym" else label, "pattern": form, "id": entry.name})
    return patterns


ALIAS_SPANS = "workbook_aliases"


@lru_cache(maxsize=4)
def _span_ruler(vocab: Vocab, fingerprint: str) -> SpanRuler:
    """A span_ruler on the parsed Doc's vocab, compiled once per vocab and alias files in force.

    It writes to `doc.spans[ALIAS_SPANS]` only, so the shared parsed Doc's entities (other stages
    read them) stay the model's; no token copy is needed."""
    nlp = spacy.blank("en", vocab=vocab)
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": ALIAS_SPANS, "overwrite": True})
    ruler.add_patterns(ruler_patterns())
    return ruler


def entity_spans(parsed: Doc) -> list[Span]:
    """Model entities and alias-file matches, overlaps resolved longest-first.

    Longest-first keeps "The Washington Post" over the alias "Washington" inside it, and "South
    Korea's National Intelligence Service" over the model's two shorter pieces.
    """
    ruled = _span_ruler(parsed.vocab, alias_book().fingerprint())(parsed).spans[ALIAS_SPANS]
    matches = [Span(parsed, s.start, s.end, label=s.label_, span_id=s.id_) for s in ruled]
    model = [piece for e in parsed.ents if e.label_ in ACTOR_LABELS for piece in _split_at_breaks(e)]
    model += [Span(parsed, e.start, e.end, label="PERSON") for e in parsed.ents if _person_mislabelled(e)]
    # Alias matches first so that, at equal length, the curated match wins.
    return sorted(filter_spans(matches + model), key=lambda s: s.start)


MISLABELLED = {"WORK_OF_ART", "PRODUCT", "EVENT", "LAW", "FAC", "LANGUAGE"}


def _person_mislabelled(entity: Span) -> bool:
    """'Asres Mare Damtie, a Fano leader in ...': two or three capitalised words the small model
    took for a work of art or a product, set off by a role apposition, are a person's name."""
    if entity.label_ not in MISLABELLED or "\n" in entity.text:
        return False
    words = [t for t in entity if not t.is_punct]
    if not 2 <= len(words) <= 3 or not all(t.text[:1].isupper() and t.pos_ == "PROPN" for t in words):
        return False
    after = entity.doc.text[entity.end_char:entity.end_char + 80]
    found = re.match(r",\s+(?:a|an|the)?\s*([^,.]{0,60})", after)
    titles = kind_vocabulary()["title_set"]
    return bool(found) and any(w.lower() in titles for w in re.split(r"[\s-]+", found.group(1)))


def _split_at_breaks(entity: Span) -> list[Span]:
    """A model entity never runs across a line break ("Getty Images\n\nNATO"): cut it there."""
    if "\n" not in entity.text:
        return [entity]
    pieces, start = [], None
    for token in entity:
        if token.is_space or "\n" in token.text:
            if start is not None:
                pieces.append(Span(entity.doc, start, token.i, label=entity.label_))
            start = None
        elif start is None:
            start = token.i
    if start is not None:
        pieces.append(Span(entity.doc, start, entity.end, label=entity.label_))
    return pieces


# ---------------------------------------------------------------- per-document extraction

def credit_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of photo credits at paragraph ends: their names are not story actors."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        paragraph = match.group()
        for pattern in kind_vocabulary()["credit_res"]:
            found = pattern.search(paragraph)
            if found:
                spans.append((match.start() + found.start(), match.start() + found.end()))
    return spans


def byline_names(document: Document) -> set[str]:
    """Folded names of the article's own author(s): the byline is not an actor of the story."""
    if not document.author:
        return set()
    parts = re.split(r"\s*(?:,|\band\b|&|;)\s*", document.author)
    return {fold(p) for p in parts if p.strip()}


def _trim(span: Span) -> tuple[int, int]:
    """Character offsets of an entity without edge punctuation, a leading 'the' or a possessive."""
    text = span.text
    start = span.start_char
    stripped = POSSESSIVE.sub("", text.rstrip(EDGE_PUNCT)) if text.rstrip(EDGE_PUNCT) else text
    stripped = stripped.rstrip(EDGE_PUNCT)
    if re.search(ABBREVIATION_END, text[:len(stripped) + 1]):
        stripped = text[:len(stripped) + 1]  # keep the dot of "U.S." and "Inc."
    lead = len(stripped) - len(stripped.lstrip(EDGE_PUNCT))
    return start + lead, start + len(stripped)


def name_tokens(name: str) -> list[str]:
    return [t for t in re.split(r"\s+", name.strip()) if t]


def without_particle(folded_part: str) -> str:
    """A folded family name without its particle ("al burhan" -> "burhan"): a lone surname drops it."""
    head, _, rest = folded_part.partition(" ")
    return rest if rest and head in kind_vocabulary()["name_particles"] else folded_part


def surname_keys(name: str) -> tuple[str, ...]:
    """Folded parts a lone surname may equal: family name (with and without particle), first part."""
    tokens = name_tokens(name)
    return tuple(dict.fromkeys((fold(tokens[-1]), without_particle(fold(tokens[-1])), fold(tokens[0]))))


def _strip_honorifics(name: str) -> str:
    tokens = name_tokens(name)
    honorifics = kind_vocabulary()["honorific_set"]
    while len(tokens) > 1 and tokens[0].lower() in honorifics:
        tokens = tokens[1:]
    return " ".join(tokens)


@dataclass
class _Candidate:
    start: int
    end: int
    text: str
    label: str
    ruler_id: str
    token_start: int
    token_end: int
    refers_to: int | None = None  # start offset of the candidate a text definition binds this one to


def _resolve_state(text: str, book: AliasBook) -> tuple[str, str, str] | None:
    """(name, kind, rule) for a GPE/NORP that stands for a state, else None (a place, not an actor)."""
    hit = book.lookup(text)
    if hit:
        return hit[0].name, hit[0].kind, hit[1]
    country = territory_names().get(fold(text))
    if country:
        return country, "state", "country-name"
    return None


def _match_partial(name: str, full_names: list[tuple[int, str]], position: int) -> str | None:
    """Full name carrying a partial one ('Rutte', 'Kim', 'Xi'): nearest before, else first after.

    A token must equal the full name's last token (Western order) or first token (Korean and
    Chinese family names come first: Kim Jong Un, Xi Jinping).
    """
    tokens = [fold(t) for t in name_tokens(name)]
    if not tokens:
        return None

    def carries(full: str) -> bool:
        parts = [fold(t) for t in name_tokens(full)]
        if len(parts) <= len(tokens):
            return False
        if len(tokens) == 1:
            return tokens[0] in (parts[-1], parts[0], without_particle(parts[-1]))
        return fold(" ".join(tokens)) in fold(full) or tokens[-1] == parts[-1]

    before = [(p, f) for p, f in full_names if p < position and carries(f)]
    if before:
        return before[-1][1]
    after = [(p, f) for p, f in full_names if p > position and carries(f)]
    return after[0][1] if after else None


def _acronym(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w'-]*", name) if w[0].isupper())


def extract_mentions(document: Document, parsed: Doc) -> list[dict[str, Any]]:
    """Per-document actor mentions, each resolved to the name the document means.

    Row keys: doc_id, char_start, char_end, text, label, kind, name (resolved within this document:
    'Rutte' -> 'Mark Rutte', 'Pyongyang' -> 'North Korea', 'the army chief' -> the one person the
    article calls so), rule, role, affiliation, role_start, role_end, role_pattern, sentence_start,
    sentence_end.
    """
    book, text = alias_book(), document.text
    candidates, bindings = _defined_forms(text, _entity_candidates(document, parsed), parsed)
    full_names = _full_names(candidates, book, text)
    candidates = _bind_defined(_add_names_found_in_text(candidates, full_names, text, parsed), bindings, text, parsed)
    rows = _resolved_rows(document, parsed, candidates, full_names, book)
    attach_roles(rows, parsed, text)
    rows += _reference_rows(document, parsed, rows)
    return sorted(rows, key=lambda r: r["char_start"])


def _entity_candidates(document: Document, parsed: Doc) -> list[_Candidate]:
    """Entity spans that may be actors: not photo credits, bylines, or text across a line."""
    credits = credit_spans(document.text)
    bylines = byline_names(document)
    candidates = []
    for span in entity_spans(parsed):
        start, end = _trim(_without_leading_word(span))
        if end <= start or any(cs <= start < ce for cs, ce in credits):
            continue
        text = document.text[start:end]
        if fold(text) in bylines or "/" in text or "\n" in text:
            continue
        label = "ORG" if span.label_ == "PERSON" and _group_not_person(document.text, start, text) else span.label_
        candidates.append(_Candidate(start, end, text, label, span.id_, span.start, span.end))
    return candidates


def _group_not_person(text: str, start: int, name: str) -> bool:
    """'The Houthis', 'the Taliban said': a name with 'the' before it is a group, never a person
    (the small model tags such plurals PERSON)."""
    return bool(re.match(r"(?:The|the)\s", name)) or (
        re.search(r"\b[Tt]he\s$", text[max(0, start - 4):start]) is not None and " " not in name and name.endswith("s"))


def _without_leading_word(span: Span) -> Span:
    """A model entity without a sentence-initial word that is not part of the name ("In Yerevan",
    "Neighbouring Niger"): capitalised only because it starts the sentence."""
    first = span[0]
    if len(span) > 1 and first.is_sent_start and first.pos_ in ("ADP", "SCONJ", "ADV", "VERB", "ADJ") \
            and alias_book().lookup(first.text) is None and alias_book().lookup(span[1:].text) is not None:
        return Span(span.doc, span.start + 1, span.end, label=span.label_, span_id=span.id_)
    return span


def _resolved_rows(document: Document, parsed: Doc, candidates: list[_Candidate], full_names: list[tuple[int, str]],
                   book: AliasBook) -> list[dict[str, Any]]:
    """One row per candidate that is an actor, resolved; a defined form takes its definer's name."""
    paragraphs = paragraphs_with_offsets(document.text)
    org_names = [(c.start, c.text) for c in candidates if c.label == "ORG"]
    resolved_at = {c.start: _resolve_candidate(c, book, full_names, org_names, document.text[c.end:c.end + 200])
                   for c in candidates}
    rows = []
    for c in candidates:
        resolved = resolved_at[c.start]
        if c.refers_to is not None and resolved_at.get(c.refers_to):
            owner = resolved_at[c.refers_to]
            resolved = (owner[0], owner[1], "defined-in-text")
        if resolved is None:
            continue
        name, kind, rule = resolved
        if kind == "state":
            body = _owned_body(name, document.text, c.end, book) or _state_body(name, document.text, c.end)
            if body:  # "Ukrainian intelligence", "South Korea's spy agency": the body, not the state
                (name, kind), c.end = body[0], body[1]
                c.text, rule = document.text[c.start:c.end], "descriptor"
        row = {"doc_id": document.doc_id, "char_start": c.start, "char_end": c.end, "text": c.text,
               "label": c.label, "kind": kind, "name": name, "rule": rule,
               "role": None, "affiliation": None, "role_start": None, "role_end": None, "role_pattern": None}
        row["sentence_start"], row["sentence_end"] = _sentence_bounds(parsed, c.token_start, paragraphs)
        rows.append(row)
    return _short_org_names(rows)


def _short_org_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """'Wagner' -> 'Wagner Group' when the article also writes the name with a group noun."""
    heads = {fold(h) for h in kind_vocabulary()["group_heads"]}
    longer = {}
    for row in rows:
        words = fold(row["name"]).split()
        if row["kind"] not in ("person", "state") and len(words) >= 2 and words[-1] in heads:
            longer.setdefault(" ".join(words[:-1]), row)
    for row in rows:
        target = longer.get(fold(row["name"]))
        if row["rule"] == "ner" and target is not None:
            row.update(name=target["name"], kind=target["kind"], rule="short-name")
    return rows


def _full_names(candidates: list[_Candidate], book: AliasBook, text: str) -> list[tuple[int, str]]:
    """(offset, full name) of every person named in full in the document, for partial names.

    Besides PERSON entities of two or more tokens this takes "First Last" written before a lone
    family name the model found ("Anders Corr ... Corr said"): the small model misses names.
    """
    names = []
    for c in candidates:
        if c.label != "PERSON":
            continue
        if c.ruler_id in book.by_name:
            names.append((c.start, c.ruler_id))
            continue
        name = _strip_honorifics(c.text)
        if len(name_tokens(name)) >= 2:
            names.append((c.start, name))
    known = {fold(n).split()[-1] for _, n in names} | {fold(n).split()[0] for _, n in names}
    titles = kind_vocabulary()["title_set"]
    for c in candidates:
        if c.label == "PERSON" and len(name_tokens(c.text)) == 1 and fold(c.text) not in known:
            pattern = rf"\b((?:[A-Z][a-z]+[ -]){{1,2}}){re.escape(c.text)}\b"
            for found in re.finditer(pattern, text):
                first = found.group(1).split()[0].lower()
                if first not in titles and first not in kind_vocabulary()["honorific_set"]:
                    names.append((found.start(), found.group(0)))
                    break
    return sorted(names)


def _sentence_bounds(parsed: Doc, token_index: int, paragraphs: list[tuple[int, int]]) -> tuple[int, int]:
    """The sentence around a token, cut to its paragraph: the small parser runs a headline into the
    next paragraph's first sentence, and a role's sentence must be the one a reader sees."""
    sentence = parsed[token_index].sent
    position = parsed[token_index].idx
    start, end = sentence.start_char, sentence.end_char
    for p_start, p_end in paragraphs:
        if p_start <= position < p_end:
            start, end = max(start, p_start), min(end, p_end)
            break
    while end > start and doc_text(parsed)[end - 1].isspace():
        end -= 1
    return start, end


def _owned_body(state: str, text: str, end: int, book: AliasBook) -> tuple[tuple[str, str], int] | None:
    """A body of the alias file named by its state plus a descriptor right after a state mention."""
    following = text[end:end + 60]
    options = sorted(((d, e) for e in book.entries if e.affiliation == state for d in e.descriptors),
                     key=lambda pair: -len(pair[0]))
    for descriptor, entry in options:
        found = re.match(rf"(?:['’]s)?\s+{re.escape(descriptor)}\b", following, flags=re.IGNORECASE)
        if found:
            return (entry.name, entry.kind), end + found.end()
    return None


def _state_body(state: str, text: str, end: int) -> tuple[tuple[str, str], int] | None:
    """A body every state has (`state_bodies` in actor_kinds.yaml) named right after a state
    mention: "Sudanese army", "Mali's armed forces". Not when a title follows ("army chief"):
    that is a person's role."""
    titles = kind_vocabulary()["title_set"]
    for body in kind_vocabulary()["state_bodies"]:
        for words in sorted(body["words"], key=len, reverse=True):
            found = re.match(rf"(?:['’]s)?\s+{re.escape(words)}\b", text[end:end + 60], flags=re.IGNORECASE)
            following = re.match(r"\s*([\w-]+)", text[end + found.end():]) if found else None
            if found and not (following and following.group(1).lower() in titles):
                return (body["name"].format(state=state), body["kind"]), end + found.end()
    return None


def _add_names_found_in_text(candidates: list[_Candidate], full_names: list[tuple[int, str]], text: str,
                             parsed: Doc) -> list[_Candidate]:
    """Full names the model missed but `_full_names` found in the text become mentions too."""
    taken = [(c.start, c.end) for c in candidates]
    added = []
    for start, name in full_names:
        end = start + len(name)
        if text[start:end] != name or any(s < end and start < e for s, e in taken):
            continue
        span = parsed.char_span(start, end, alignment_mode="expand")
        if span is not None:
            added.append(_Candidate(start, end, name, "PERSON", "", span.start, span.end))
            taken.append((start, end))
    # A family name standing alone that the model did not tag ("Lind added", "Scholz asked").
    surnames = {key for _, n in full_names if len(name_tokens(n)) >= 2 for key in surname_keys(n)[:2]}
    for token in parsed:
        if token.pos_ in ("PROPN", "NOUN") and token.text[:1].isupper() and fold(token.text) in surnames \
                and not any(s <= token.idx < e for s, e in taken):
            added.append(_Candidate(token.idx, token.idx + len(token.text), token.text, "PERSON", "", token.i, token.i + 1))
            taken.append((token.idx, token.idx + len(token.text)))
    return sorted(candidates + added, key=lambda c: c.start)


def _resolve_candidate(c: _Candidate, book: AliasBook, full_names: list[tuple[int, str]],
                       org_names: list[tuple[int, str]], text_after: str) -> tuple[str, str, str] | None:
    """(name, kind, rule) for one entity, or None when it is not an actor."""
    if c.ruler_id and c.ruler_id in book.by_name:
        entry = book.by_name[c.ruler_id]
        hit = book.lookup(c.text)
        return entry.name, entry.kind, hit[1] if hit else "alias"
    if c.label in ("GPE", "NORP"):
        return _resolve_state(c.text, book)
    hit = book.lookup(c.text)
    if hit:
        return hit[0].name, hit[0].kind, hit[1]
    if c.label == "PERSON":
        name = _strip_honorifics(c.text)
        if not re.search(r"[A-Za-z]", name) or name.isupper():
            return None
        if len(name_tokens(name)) >= 2:
            return name, "person", "full-name"
        full = _match_partial(name, full_names, c.start)
        if full:
            return full, "person", "partial-name"
        person = _alias_person_by_part(name, book)
        if person:
            return person, "person", "alias-surname"
        return name, "person", "unresolved-partial"
    # ORG
    name = re.sub(r"^(?:the|The)\s+", "", c.text).strip(EDGE_PUNCT)
    if len(name) < 2 or fold(name) in kind_vocabulary()["not_actor_set"] or name[0].islower():
        return None
    person = _org_that_is_a_person(name, full_names, c.start, text_after)
    if person:
        return person, "person", "person-not-org"
    if name.isupper() and 2 <= len(name) <= 6:
        for _, org in org_names:
            if org != c.text and _acronym(re.sub(r"^(?:the|The)\s+", "", org)) == name:
                return re.sub(r"^(?:the|The)\s+", "", org), org_kind(org), "acronym"
    return name, org_kind(name), "ner"


def _org_that_is_a_person(name: str, full_names: list[tuple[int, str]], position: int, text_after: str) -> str | None:
    """The small model tags hyphenated surnames as ORG ("Dayez-Burgeon"): undo that.

    A person if the name carries a person's family name from this document, or if it looks like a
    personal name (2-3 capitalised words, no organisation keyword) followed by a role apposition
    (", a Korea expert at ...").
    """
    if org_kind(name) != "other":
        return None
    full = _match_partial(name, full_names, position) if len(name_tokens(name)) == 1 else None
    if full:
        return full
    if any(fold(name) == fold(f) for _, f in full_names):
        return name
    tokens = name_tokens(name)
    if 2 <= len(tokens) <= 3 and all(t[:1].isupper() for t in tokens):
        titles = kind_vocabulary()["title_set"]
        found = re.match(r",\s+(?:a|an|the)?\s*([^,.]{0,60})", text_after)
        if found and any(w.lower() in titles for w in re.split(r"[\s-]+", found.group(1))):
            return name
    return None


def _alias_person_by_part(name: str, book: AliasBook) -> str | None:
    """A single-token person name that is the family name of exactly one person in the alias file."""
    token = fold(name)
    hits = [e.name for e in book.entries if e.kind == "person"
            and token in (fold(name_tokens(e.name)[-1]), fold(name_tokens(e.name)[0]))]
    return hits[0] if len(hits) == 1 else None


# ---------------------------------------------------------------- definitions the text makes

NAME_WORD = r"(?:[A-Z][\w'’.-]*|[a-z]{1,3}-[A-Z][\w'’-]*)"  # "Forces", "al-Islam", "wal-Muslimin"


ACRONYM = r"[A-Z][A-Z0-9&-]{1,9}"


def _long_name_before(text: str, end: int) -> tuple[int, str] | None:
    """The capitalised name written right before `end` ("... the Defence of the Homeland"), with
    connectors inside it: the small model often cuts long organisation names short."""
    connectors = "|".join(kind_vocabulary()["name_connectors"])
    found = re.search(rf"{NAME_WORD}(?:\s+(?:(?:{connectors})\s+)*{NAME_WORD})*$", text[max(0, end - 160):end])
    if not found:
        return None
    name = re.sub(r"^(?:The|A|An)\s+", "", found.group())
    start = end - len(name)
    if re.search(r"(?:^|[.!?]\s+|\n)$", text[:start]):  # "Fighters of the X": a sentence's first word
        lead = re.match(rf"[\w'’-]+\s+(?:(?:{connectors})\s+)+(?=[A-Z])", name)
        if lead and len(name_tokens(name[lead.end():])) >= 2:
            name, start = name[lead.end():], start + lead.end()
    return start, name


def _defined_forms(text: str, candidates: list[_Candidate], parsed: Doc) -> tuple[list[_Candidate], dict[str, int]]:
    """Forms the article defines, bound to the actor they stand for: "the Rapid Support Forces
    (RSF)", "Dagalo, widely known as Hemedti", "JNIM, ... group known as JNIM". Returns the
    candidates (a long name the model cut short replaced by the whole name) and folded form ->
    start offset of the defining candidate (written form -> offset)."""
    bindings: dict[str, int] = {}
    for found in re.finditer(rf"\s\(({ACRONYM})\)", text):
        owner = _long_name_before(text, found.start())
        if owner and len(name_tokens(owner[1])) >= 2:
            candidates, start = _with_candidate(candidates, owner[0], owner[0] + len(owner[1]), "ORG", text, parsed)
            bindings.setdefault(found.group(1), start)
    pattern = r"\b(?:also |widely |better |commonly |formally |officially )?(?:known|referred to) as\s+((?:{0})(?:\s+{0}){{0,3}})"
    for found in re.finditer(pattern.format(NAME_WORD), text):
        before = [c for c in candidates if c.end <= found.start() and found.start() - c.end <= 60
                  and "." not in text[c.end:found.start()] and c.label in ("PERSON", "ORG")]
        if not before or fold(found.group(1)) == fold(before[-1].text):
            continue
        owner = before[-1]
        written = _long_name_before(text, owner.end + len(re.match(rf"(?:\s+{NAME_WORD})*", text[owner.end:]).group()))
        if written and len(name_tokens(written[1])) >= 3 and written[0] <= owner.start:
            candidates, start = _with_candidate(candidates, written[0], written[0] + len(written[1]), "ORG", text, parsed)
        else:
            start = owner.start
        bindings.setdefault(found.group(1).rstrip(".,"), start)
    return candidates, bindings


def _with_candidate(candidates: list[_Candidate], start: int, end: int, label: str, text: str,
                    parsed: Doc) -> tuple[list[_Candidate], int]:
    """Candidates with one for text[start:end] replacing those it overlaps, and its start; a
    candidate already covering the whole name stays and is the one returned."""
    covering = [c for c in candidates if c.start <= start and end <= c.end]
    span = parsed.char_span(start, end, alignment_mode="expand")
    if covering or span is None:
        return candidates, covering[0].start if covering else start
    kept = [c for c in candidates if not (c.start < end and start < c.end)]
    added = _Candidate(start, end, text[start:end], label, "", span.start, span.end)
    return sorted(kept + [added], key=lambda c: c.start), start


def _bind_defined(candidates: list[_Candidate], bindings: dict[str, int], text: str, parsed: Doc) -> list[_Candidate]:
    """Every occurrence of a defined form becomes a mention of the actor it was defined for: the
    model's spans of it are re-bound, and occurrences the model missed are added."""
    out = list(candidates)
    for written, owner in bindings.items():
        for c in out:
            if fold(c.text) == fold(written) and c.start != owner:
                c.refers_to = owner
        for found in re.finditer(rf"(?<![\w-]){re.escape(written)}(?![\w-])", text):
            start, end = found.start(), found.end()
            if any(c.start < end and start < c.end for c in out):
                continue
            span = parsed.char_span(start, end, alignment_mode="expand")
            if span is not None:
                out.append(_Candidate(start, end, written, "ORG", "", span.start, span.end, owner))
    return sorted(out, key=lambda c: c.start)


# ---------------------------------------------------------------- references by role or description

def _reference_rows(document: Document, parsed: Doc, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mentions the article makes by role or description rather than by name: "the army chief"
    (the one person it so described), "the group" (the one body it called a group), "the army"
    (the one national army it named). Each resolves only when exactly one actor fits, so two
    people are never joined by a guess."""
    text, paragraphs = document.text, paragraphs_with_offsets(document.text)
    found = _role_references(rows, text) + _group_references(rows, text) + _body_references(rows, text)
    out, taken = [], [(r["char_start"], r["char_end"]) for r in rows]
    for start, end, owner, rule in sorted(found, key=lambda f: f[0]):
        span = parsed.char_span(start, end, alignment_mode="expand")
        if span is None or any(s < end and start < e for s, e in taken):
            continue
        row = {**{k: None for k in rows[0]}, "doc_id": document.doc_id, "char_start": start, "char_end": end,
               "text": text[start:end], "label": "PERSON" if owner["kind"] == "person" else "ORG",
               "kind": owner["kind"], "name": owner["name"], "rule": rule}
        row["sentence_start"], row["sentence_end"] = _sentence_bounds(parsed, span.start, paragraphs)
        out.append(row)
        taken.append((start, end))
    return out


def _described_people(rows: list[dict[str, Any]], text: str) -> dict[str, dict[str, Any]]:
    """Person named in full -> what the article says of them: the words of their titles and
    appositions and of the phrase right before the name, folded; and a representative row."""
    people: dict[str, dict[str, Any]] = {}
    ends = sorted(r["char_end"] for r in rows)
    for row in rows:
        if row["kind"] != "person" or len(name_tokens(row["name"])) < 2:
            continue
        # The words right before a name describe it only back to the previous name: in "Kursk
        # Governor Alexei Smirnov told President Putin" the governor is not Putin.
        previous = ends[bisect.bisect_right(ends, row["char_start"]) - 1] if ends and ends[0] <= row["char_start"] else 0
        before = text[max(row["sentence_start"], previous):row["char_start"]]
        lead = re.split(r"[,;:(\"“”]|\s[-–—]\s|\n", before)[-1]
        said = " ".join(p for p in (lead, row["role"] or "", row["affiliation"] or "") if p)
        entry = people.setdefault(row["name"], {"row": row, "text": ""})
        entry["text"] += " " + fold(said)
    return people


def _role_references(rows: list[dict[str, Any]], text: str) -> list[tuple[int, int, dict[str, Any], str]]:
    """'the army chief', 'Kursk's acting governor', 'the defence minister', 'the head of state'."""
    vocab = kind_vocabulary()
    people = _described_people(rows, text)
    if not people:
        return []
    heads = "|".join(sorted(map(re.escape, vocab["role_heads"]), key=len, reverse=True))
    pattern = (rf"\b(?:(?P<det>[Tt]he)\s+|(?P<owner>[A-Z][\w-]*|[Tt]he\s+[a-z]+)['’]s\s+)"
               rf"(?P<role>(?:[\w-]+\s+){{0,3}}?(?:{heads}))(?P<tail>\s+of\s+(?:the\s+)?(?:[a-z][\w-]*\s+){{0,2}}(?:region\s+of\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*|\s+of\s+state|\s+of\s+government)?\b")
    person_starts = {r["char_start"] for r in rows if r["kind"] == "person"}
    person_ends = {r["char_end"] for r in rows if r["kind"] == "person"}
    found = []
    for match in re.finditer(pattern, text):
        after = re.match(r",?\s*", text[match.end():]).end() + match.end()
        if after in person_starts or re.search(r",\s*$", text[:match.start()]) and \
                any(text[e:match.start()].strip() == "," for e in person_ends if e < match.start()):
            continue  # a title or an apposition of a name right there, not a reference
        phrase = fold(match.group("role") + (match.group("tail") or ""))
        owner = match.group("owner")
        fits = [p for p in people.values() if _role_fits(phrase, owner, p["text"])]
        if len(fits) == 1:
            start = match.start("det") if match.group("det") else match.start("role")
            found.append((start, match.end(), fits[0]["row"], "role"))
    return found


def _role_fits(phrase: str, owner: str | None, said: str) -> bool:
    """Does what the article said of a person carry every word of the role phrase (or a synonym
    of it), and name the possessor ("Kursk's", "Britain's") when there is one?"""
    said_words = set(said.split())
    synonyms = kind_vocabulary()["role_synonyms"]
    key = next((k for k in synonyms if k in phrase), None)
    if key:
        rest = [w for w in phrase.replace(key, " ").split() if w not in ("of", "the")]
        ok = any(f" {fold(s)} " in f" {said} " for s in synonyms[key]) and all(w in said_words for w in rest)
    else:
        ok = all(w in said_words for w in phrase.split() if w not in ("of", "the"))
    if not ok or not owner:
        return ok
    owner_key = fold(owner.split()[-1])
    hit = alias_book().lookup(owner)
    if hit and hit[0].kind == "state":
        forms = {fold(f) for f, _ in alias_forms(hit[0])}
        return any(f" {f} " in f" {said} " for f in forms)
    return owner_key in said_words


def _group_references(rows: list[dict[str, Any]], text: str) -> list[tuple[int, int, dict[str, Any], str]]:
    """'the group', 'the alliance' after the article described one body so ("JNIM, the
    al-Qaeda-linked group", "the CSP-DPA, an alliance of armed groups")."""
    heads = "|".join(map(re.escape, kind_vocabulary()["group_heads"]))
    bodies = [r for r in rows if r["kind"] not in ("person", "state")]
    described: list[tuple[int, set[str], str, dict[str, Any]]] = []
    for row in bodies:
        found = re.match(rf",\s+(?:a|an|the)\s+((?:[\w'’-]+\s+){{0,4}}?)({heads})\b", text[row["char_end"]:row["char_end"] + 120])
        if found:
            described.append((row["char_end"] + found.end(), set(fold(found.group(1)).split()), found.group(2), row))
    found_refs = []
    for match in re.finditer(rf"\b[Tt]he\s+((?:[\w'’-]+\s+){{0,2}}?)({heads})\b(?!\s+[A-Z])", text):
        words = set(fold(match.group(1)).split())
        fits = {d[3]["name"]: d[3] for d in described
                if d[0] <= match.start() and d[2] == match.group(2) and words <= d[1]}
        last = [r["name"] for r in bodies if r["char_end"] <= match.start()][-1:]
        if len(fits) == 1 and last == list(fits):  # and no other body named since
            found_refs.append((match.start(), match.end(), next(iter(fits.values())), "description"))
    return found_refs


def _body_references(rows: list[dict[str, Any]], text: str) -> list[tuple[int, int, dict[str, Any], str]]:
    """'the army' after the article named one state's army ("the Sudanese army ... The army said")."""
    found = []
    for body in kind_vocabulary()["state_bodies"]:
        template = re.escape(body["name"]).replace(re.escape("{state}"), ".+")
        named = [r for r in rows if re.fullmatch(template, r["name"]) or
                 (r["kind"] == body["kind"] and any(fold(w) in fold(r["text"]) for w in body["words"]))]
        forms = "|".join(map(re.escape, body["the"]))
        for match in re.finditer(rf"\b[Tt]he\s+(?:{forms})\b(?!\s+(?:[A-Z]|chief|commander|spokes))", text):
            before = {r["name"]: r for r in named if r["char_end"] <= match.start()}
            if len(before) == 1:
                found.append((match.start(), match.end(), next(iter(before.values())), "description"))
    return found


# ---------------------------------------------------------------- per-document resolution for other stages

def resolve_in_document(name: str | None, mentions: list[dict[str, Any]]) -> str | None:
    """Map a raw source string to the document-level name, exactly as this stage resolves mentions.

    Claims and forecasts carry strings like "Rutte", "South Korea's National Intelligence Service",
    "the Pentagon", "Kyiv's intelligence agency"; feeding the result to `Registry.canonical` gives
    the same canonical actor a quote by the same source gets. Returns None when nothing in the
    string names an actor (anonymous sources: "analysts", "officials").
    """
    if not name or not name.strip():
        return None
    book = alias_book()
    raw = name.strip().strip(EDGE_PUNCT)
    key = fold(raw)
    for m in mentions:  # the very span a mention covers
        if fold(m["text"]) == key or fold(m["name"]) == key:
            return m["name"]
    hit = book.lookup(raw)
    if hit:
        return hit[0].name
    described = described_body(raw, book)
    if described:
        return described
    persons = [(m["char_start"], m["name"]) for m in mentions if m["kind"] == "person"]
    if re.fullmatch(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}", raw):
        full = _match_partial(raw, sorted(set(persons)), 10**9)
        if full:
            return full
    vocab = kind_vocabulary()
    for extra in (2, 1):  # "NATO Secretary General Mark Rutte": the name after the title
        trailing = re.search(rf"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{{extra}}})$", raw)
        if not trailing or trailing.group(1) == raw or org_kind(trailing.group(1)) != "other":
            continue
        known = book.lookup(trailing.group(1))
        if known and known[0].kind == "person":
            return known[0].name
        first = trailing.group(1).split()[0].lower()
        if not known and first not in vocab["title_set"] and first not in vocab["honorific_set"]:
            return trailing.group(1)
    inside = [m for m in mentions if fold(m["text"]) and fold(m["text"]) in key
              and re.search(rf"\b{re.escape(fold(m['text']))}\b", key)]
    if inside:
        # The head of an English noun phrase is its rightmost name ("South Korea's National
        # Intelligence Service" is the service); a possessive state only owns it.
        def head_rank(m: dict[str, Any]) -> tuple[int, int]:
            position = key.rfind(fold(m["text"]))
            return (position + len(fold(m["text"])), len(m["text"]))
        return max(inside, key=head_rank)["name"]
    for form, entry in book.forms_longest_first:  # a substring test first: compiling a pattern per form is slow
        if form in key and re.search(rf"\b{re.escape(form)}\b", key):
            return entry.name
    return None


def described_body(raw: str, book: AliasBook) -> str | None:
    """'Kyiv's intelligence agency', 'South Korea's spy agency', 'Ukrainian intelligence', 'the
    Defence Ministry in Moscow' -> the body.

    The owner (a state's name, capital or demonym, before the descriptor or placed after it by
    'in'/'of') and a descriptor the alias file lists for a body affiliated with that state. Only a
    body the alias file knows is returned: a name is never made up from the descriptor.
    """
    text = re.sub(r"^(?:the|The)\s+", "", raw.strip())
    words = text.split()
    for cut in range(1, len(words)):
        found = _body_of(" ".join(words[:cut]), " ".join(words[cut:]), book)
        if found:
            return found
    for placed in re.finditer(r"\s+(?:in|of)\s+(?:the\s+)?", text):
        found = _body_of(text[placed.end():], text[:placed.start()], book)
        if found:
            return found
    return None


def _body_of(owner_text: str, descriptor_text: str, book: AliasBook) -> str | None:
    """The alias file's body that `descriptor_text` describes for the state `owner_text` names."""
    owner = book.lookup(owner_text)
    if not owner or owner[0].kind != "state":
        return None
    descriptor = fold(descriptor_text)
    for entry in book.entries:
        if entry.affiliation == owner[0].name and descriptor in {fold(d) for d in entry.descriptors}:
            return entry.name
    return None
