"""Actor mentions per document: entity spans, aliases, names completed from the text, roles and affiliations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from lib.core.document import Document, paragraphs_with_offsets
from lib.core.nlp import doc_text
from lib.extract.names import (
    ABBREVIATION_END,
    ACTOR_LABELS,
    EDGE_PUNCT,
    LABEL_FOR_KIND,
    POSSESSIVE,
    AliasBook,
    Entry,
    alias_book,
    alias_forms,
    fold,
    kind_vocabulary,
    org_kind,
    territory_names,
)

# ---------------------------------------------------------------- entity ruler

def ruler_patterns() -> list[dict[str, Any]]:
    """The alias file as EntityRuler patterns, each carrying its canonical name as `id`."""
    patterns = []
    for entry in alias_book().entries:
        label = LABEL_FOR_KIND.get(entry.kind, "ORG")
        for form, rule in alias_forms(entry):
            patterns.append({"label": "NORP" if rule == "demonym" else label, "pattern": form, "id": entry.name})
    return patterns


_RULERS: dict[int, Any] = {}


def _ruler_for(doc: Doc):
    """An EntityRuler sharing the parsed Doc's vocab (built once per vocab)."""
    key = id(doc.vocab)
    if key not in _RULERS:
        import spacy

        nlp = spacy.blank("en", vocab=doc.vocab)
        ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
        ruler.add_patterns(ruler_patterns())
        _RULERS[key] = (doc.vocab, ruler)  # keep the vocab alive so its id is not reused
    return _RULERS[key][1]


def entity_spans(parsed: Doc) -> list[Span]:
    """Model entities and alias-file matches, overlaps resolved longest-first.

    The ruler runs on a token copy so the shared parsed Doc (other stages read its ents) is never
    changed; longest-first keeps "The Washington Post" over the alias "Washington" inside it, and
    "South Korea's National Intelligence Service" over the model's two shorter pieces.
    """
    copy = Doc(parsed.vocab, words=[t.text for t in parsed], spaces=[bool(t.whitespace_) for t in parsed])
    ruled = _ruler_for(parsed)(copy)
    matches = [Span(parsed, e.start, e.end, label=e.label_, span_id=e.ent_id_) for e in ruled.ents]
    model = [piece for e in parsed.ents if e.label_ in ACTOR_LABELS for piece in _split_at_breaks(e)]
    # Alias matches first so that, at equal length, the curated match wins.
    return sorted(filter_spans(matches + model), key=lambda s: s.start)


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
            return tokens[0] in (parts[-1], parts[0])
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
    'Rutte' -> 'Mark Rutte', 'Pyongyang' -> 'North Korea'), rule, role, affiliation, role_start,
    role_end, role_pattern, sentence_start, sentence_end.
    """
    book = alias_book()
    credits = credit_spans(document.text)
    bylines = byline_names(document)
    candidates = []
    for span in entity_spans(parsed):
        start, end = _trim(span)
        if end <= start or any(cs <= start < ce for cs, ce in credits):
            continue
        text = document.text[start:end]
        if fold(text) in bylines or "/" in text or "\n" in text:
            continue
        candidates.append(_Candidate(start, end, text, span.label_, span.id_, span.start, span.end))

    paragraphs = paragraphs_with_offsets(document.text)
    full_names = _full_names(candidates, book, document.text)
    candidates = _add_names_found_in_text(candidates, full_names, document.text, parsed)
    org_names = [(c.start, c.text) for c in candidates if c.label == "ORG"]
    rows = []
    for c in candidates:
        resolved = _resolve_candidate(c, book, full_names, org_names, document.text[c.end:c.end + 200])
        if resolved is None:
            continue
        name, kind, rule = resolved
        if kind == "state":
            body = _owned_body(name, document.text, c.end, book)
            if body:  # "Ukrainian intelligence", "South Korea's spy agency": the body, not the state
                entry, c.end = body
                c.text, name, kind, rule = document.text[c.start:c.end], entry.name, entry.kind, "descriptor"
        row = {"doc_id": document.doc_id, "char_start": c.start, "char_end": c.end, "text": c.text,
               "label": c.label, "kind": kind, "name": name, "rule": rule,
               "role": None, "affiliation": None, "role_start": None, "role_end": None, "role_pattern": None}
        row["sentence_start"], row["sentence_end"] = _sentence_bounds(parsed, c.token_start, paragraphs)
        rows.append(row)
    _attach_roles(rows, parsed, document.text)
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


def _owned_body(state: str, text: str, end: int, book: AliasBook) -> tuple[Entry, int] | None:
    """A body of the alias file named by its state plus a descriptor right after a state mention."""
    following = text[end:end + 60]
    options = sorted(((d, e) for e in book.entries if e.affiliation == state for d in e.descriptors),
                     key=lambda pair: -len(pair[0]))
    for descriptor, entry in options:
        found = re.match(rf"(?:['’]s)?\s+{re.escape(descriptor)}\b", following, flags=re.IGNORECASE)
        if found:
            return entry, end + found.end()
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
    surnames = {fold(name_tokens(n)[-1]) for _, n in full_names if len(name_tokens(n)) >= 2}
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


# ---------------------------------------------------------------- roles and affiliations

def _attach_roles(rows: list[dict[str, Any]], parsed: Doc, text: str) -> None:
    """Fill role/affiliation of person mentions from titles before and appositions after the name."""
    vocab = kind_vocabulary()
    by_start = sorted(rows, key=lambda r: r["char_start"])
    for row in by_start:
        if row["kind"] != "person":
            continue
        found = _title_before(row, parsed, text, vocab["title_set"], by_start) or \
            _apposition_after(row, text, vocab["title_set"], by_start)
        if found:
            start, end, role, affiliation, pattern = found
            row.update(role=role, affiliation=affiliation, role_start=start, role_end=end, role_pattern=pattern)


def _mentions_inside(rows: list[dict[str, Any]], start: int, end: int) -> list[dict[str, Any]]:
    # +1: a mention keeps the dot of "Inc." that a role phrase ends before
    return [r for r in rows if start <= r["char_start"] and r["char_end"] <= end + 1]


def _affiliation_from(rows: list[dict[str, Any]], states_count: bool) -> str | None:
    """The organisation a role names; the last one, because "X at Y" names the larger body last.

    A state counts only in a title ("Russian President"): in an apposition it is usually the
    topic of expertise ("a North Korea expert"), not an employer.
    """
    orgs = [r["name"] for r in rows if r["kind"] not in ("person", "state")]
    if orgs:
        return orgs[-1]
    states = [r["name"] for r in rows if r["kind"] == "state"]
    return states[0] if states and states_count else None


def _title_before(row, parsed: Doc, text: str, titles: set[str], rows) -> tuple | None:
    """'NATO Secretary-General Mark Rutte', 'North Korean leader Kim Jong Un': the words before."""
    span = parsed.char_span(row["char_start"], row["char_end"], alignment_mode="expand")
    if span is None:
        return None
    i = span.start - 1
    first = None
    while i >= 0:
        tok = parsed[i]
        word = tok.text.lower()
        if tok.text in "-‐‑" or word in titles or (tok.text[:1].isupper() and tok.pos_ in ("PROPN", "ADJ", "NOUN")):
            first = i
            if tok.is_sent_start:
                break
            i -= 1
            continue
        break
    if first is None:
        return _title_apposed_before(row, text, titles, rows)
    phrase = parsed[first:span.start]
    inside = _mentions_inside(rows, phrase.start_char, phrase.end_char)
    role_tokens = [t for t in phrase if not any(r["char_start"] <= t.idx < r["char_end"] for r in inside)]
    while role_tokens and role_tokens[0].text.lower() not in titles:
        role_tokens = role_tokens[1:]  # "Com TW ... President": keep from the first title word
    if not role_tokens:
        return _title_apposed_before(row, text, titles, rows)
    role = text[role_tokens[0].idx:role_tokens[-1].idx + len(role_tokens[-1])]
    return phrase.start_char, phrase.end_char, role, _affiliation_from(inside, True), "title"


def _title_apposed_before(row, text: str, titles: set[str], rows) -> tuple | None:
    """'Ukrainian ambassador to South Korea, Dmytro Ponomarenko, said': a role set off before the name."""
    before = text[row["sentence_start"]:row["char_start"]]
    if not before.endswith(", ") or not text[row["char_end"]:].startswith(","):
        return None
    head = before[:-2]
    cut = max(head.rfind(ch) for ch in ":;.\n“”\",")
    segment = head[cut + 1:]
    body = segment.strip()
    words = [w.lower() for w in re.split(r"[\s-]+", body) if w]
    if not body or not body[0].isupper() or len(words) > 10 or not any(w in titles for w in words):
        return None
    start = row["sentence_start"] + cut + 1 + (len(segment) - len(segment.lstrip()))
    end = start + len(body)
    inside = _mentions_inside(rows, start, end)
    return start, end, body, _affiliation_from(inside, True), "apposition"


def _apposition_after(row, text: str, titles: set[str], rows) -> tuple | None:
    """'Carl Schuster, an instructor ... at Hawaii Pacific University', 'Facon, of the Foundation ...'.

    The phrase runs across commas that continue a list of names ("History, Humanities, and ...")
    and stops at a comma before a lower-case word ("..., said"), a full stop or a quote mark.
    """
    base = row["char_end"]
    rest = text[base:base + 320]
    opening = re.match(r",\s+(?:(of|at|from)\s+)?|\s+(of|at)\s+(?=(?:the\s+)?[A-Z])", rest)
    if not opening:
        return None
    preposition = opening.group(1) or opening.group(2)
    body_start = opening.end() if not preposition else opening.start(1 if opening.group(1) else 2)
    stop = re.search(r"\.(?=\s|$)|[;:“”\"\n(]|$", rest[opening.end():])
    hard = opening.end() + stop.start()
    pos, end = opening.end(), hard
    while True:
        comma = rest.find(",", pos, hard)
        if comma == -1:
            break
        after = rest[comma + 1:hard].lstrip()
        if not preposition and after and (after[0].isupper() or after.startswith("and ")):
            pos = comma + 1
            continue
        end = comma
        break
    body = rest[opening.end():end].strip()
    if len(body) < 3:
        return None
    words = [w.lower().strip("'’") for w in re.split(r"[\s-]+", body) if w]
    if not preposition:
        if not (words[0] in ("a", "an", "the") or words[0] in titles) or not any(w in titles for w in words[:6]):
            return None
        if words[0] in ("said", "says", "told", "added", "wrote", "who", "which", "that"):
            return None
    start, stop_at = base + body_start, base + end
    inside = _mentions_inside(rows, start, stop_at)
    affiliation = _affiliation_from(inside, False)
    if preposition:
        named = re.match(r"(?:of|at|from)\s+(?:the\s+)?([A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|of|for|on|and|the))*)", text[start:stop_at])
        if affiliation is None and named:  # the small model often misses long organisation names
            affiliation = named.group(1).strip()
        return (start, stop_at, None, affiliation, "of") if affiliation else None
    return start, stop_at, text[start:stop_at].strip(), affiliation, "apposition"


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
    inside = [m for m in mentions if fold(m["text"]) and re.search(rf"\b{re.escape(fold(m['text']))}\b", key)]
    if inside:
        # The head of an English noun phrase is its rightmost name ("South Korea's National
        # Intelligence Service" is the service); a possessive state only owns it.
        def head_rank(m: dict[str, Any]) -> tuple[int, int]:
            position = key.rfind(fold(m["text"]))
            return (position + len(fold(m["text"])), len(m["text"]))
        return max(inside, key=head_rank)["name"]
    for form, (entry, _) in sorted(book.index.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(form)}\b", key):
            return entry.name
    return None


def described_body(raw: str, book: AliasBook) -> str | None:
    """'Kyiv's intelligence agency', 'South Korea's spy agency', 'Ukrainian intelligence' -> the body.

    The owner (a state's name, capital or demonym) and a descriptor the alias file lists for a body
    affiliated with that state.
    """
    words = re.sub(r"^(?:the|The)\s+", "", raw.strip()).split()
    for cut in range(1, len(words)):
        owner = book.lookup(" ".join(words[:cut]))
        if not owner or owner[0].kind != "state":
            continue
        descriptor = fold(" ".join(words[cut:]))
        for entry in book.entries:
            if entry.affiliation == owner[0].name and descriptor in {fold(d) for d in entry.descriptors}:
                return entry.name
    return None
