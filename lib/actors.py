"""Actors: mentions resolved to one registry of canonical actors, their roles and links.

Analysts weigh a statement by who made it, so every claim, quote and forecast needs one name per
actor however the articles spell it. Resolution happens in two passes:

1. Within a document (`extract_mentions`, pure and cached): spaCy NER plus an EntityRuler compiled
   from the curated alias file (`lib/data/aliases.yaml`), then rules: surname or partial name ->
   the full name used elsewhere in the article; demonyms and capitals -> their state ("North
   Korean troops", "Pyongyang said" -> North Korea); metonyms and acronyms -> the body ("the
   Kremlin" -> Russian government). Titles and appositions give roles and affiliations.
2. Across the corpus (`build_registry`): spelling variants merge by fuzzy matching with a
   measured threshold (`FUZZY_THRESHOLD`, see `measure_fuzzy_threshold`), surname-only names left
   over merge with the one full name that carries them, and every merge is recorded so a researcher
   can check it and correct it in the alias file.

Not actors: photographers and wires in photo credits, the byline author (documents.author), and
places that are not states (a GPE becomes an actor through the state list of the alias file or
Babel's territory names).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml
from rapidfuzz import fuzz
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from lib.nlp import doc_text
from lib.pipeline import frozen_heap
from lib.schema import table
from lib.text import Document, paragraphs_with_offsets

DATA_DIR = Path(__file__).resolve().parent / "data"
GOLD_DIR = Path(__file__).resolve().parent.parent / "tests" / "gold"

ACTORS = table(
    "actors",
    "One row per canonical actor (person, state, body, outlet...) found in the corpus.",
    [
        ("actor_id", "VARCHAR", "Stable id derived from the canonical name (lower case, hyphens)."),
        ("name", "VARCHAR", "Canonical name: the alias file's name, else the most used spelling."),
        ("kind", "VARCHAR", "person, state, government body, military, international organisation, media outlet, think tank or university, company, other."),
        ("role", "VARCHAR", "Title or role as stated in the text (the most frequent one); NULL when none is stated."),
        ("affiliation", "VARCHAR", "Organisation or state the actor belongs to, as stated (else from the alias file)."),
        ("aliases", "VARCHAR[]", "Every spelling that was merged into this actor, sorted."),
        ("n_mentions", "INTEGER", "Mentions in the corpus."),
        ("n_documents", "INTEGER", "Documents mentioning the actor."),
        ("role_doc_id", "VARCHAR", "Document the role was read from; NULL when no role is stated."),
        ("role_sentence", "VARCHAR", "The sentence the role was read from, so a reader can check it."),
    ],
    ["actor_id"],
)
MENTIONS = table(
    "mentions",
    "Every mention of an actor, with its place in the cleaned text.",
    [
        ("actor_id", "VARCHAR", "The canonical actor."),
        ("doc_id", "VARCHAR", "Document."),
        ("char_start", "INTEGER", "Start offset into documents.text."),
        ("char_end", "INTEGER", "End offset into documents.text."),
        ("text", "VARCHAR", "The mention as written."),
        ("label", "VARCHAR", "spaCy entity label (PERSON, ORG, GPE, NORP...) or the alias file's."),
        ("name", "VARCHAR", "Name resolved within the document (before cross-document merging)."),
        ("rule", "VARCHAR", "How the mention was resolved: alias, demonym, capital, full-name, partial-name, acronym, ner, ..."),
    ],
    ["doc_id", "char_start", "char_end", "actor_id"],
)
ACTOR_ROLES = table(
    "actor_roles",
    "Every role or affiliation stated for an actor, with the sentence it came from.",
    [
        ("actor_id", "VARCHAR", "The canonical actor."),
        ("doc_id", "VARCHAR", "Document."),
        ("char_start", "INTEGER", "Start offset of the role phrase into documents.text."),
        ("char_end", "INTEGER", "End offset of the role phrase."),
        ("role", "VARCHAR", "Title or role as written ('Secretary-General', 'a senior fellow at the Brookings Institution')."),
        ("affiliation", "VARCHAR", "Organisation or state named in the role (document-level name), NULL when none."),
        ("pattern", "VARCHAR", "'title' (before the name), 'apposition' (after it) or 'of' ('X, of the Y')."),
        ("sentence", "VARCHAR", "The sentence the role was read from."),
    ],
    ["actor_id", "doc_id", "char_start", "char_end"],
)
ACTOR_LINKS = table(
    "actor_links",
    "Edges between actors with what they mean.",
    [
        ("actor_a", "VARCHAR", "actor_id of one end (the speaker for 'quotes', the member for 'affiliated-with')."),
        ("actor_b", "VARCHAR", "actor_id of the other end."),
        ("relation", "VARCHAR", "'co-mentioned' (same sentence), 'quotes' (speaker talks about actor_b inside a quote), 'quoted-by' (outlet actor_b publishes speaker actor_a), 'affiliated-with' (role or title)."),
        ("weight", "INTEGER", "How many times the relation was seen."),
        ("doc_ids", "VARCHAR[]", "Documents where it was seen, sorted."),
    ],
    ["actor_a", "actor_b", "relation"],
)
ALIAS_MERGES = table(
    "alias_merges",
    "Every spelling the registry merged into another actor's canonical name, for researchers to check.",
    [
        ("alias", "VARCHAR", "Document-level name that was merged."),
        ("canonical", "VARCHAR", "Canonical name it was merged into."),
        ("rule", "VARCHAR", "'alias-file', 'fuzzy' or 'corpus-surname'."),
        ("score", "DOUBLE", "Similarity 0-100 for fuzzy merges; NULL for rule merges."),
        ("n_mentions", "INTEGER", "Mentions carrying the alias."),
    ],
    ["canonical", "alias"],
)
TABLES = (ACTORS, MENTIONS, ACTOR_ROLES, ACTOR_LINKS, ALIAS_MERGES)

KINDS = ("person", "state", "government body", "military", "international organisation",
         "media outlet", "think tank or university", "company", "other")
ACTOR_LABELS = {"PERSON", "ORG", "GPE", "NORP"}
LABEL_FOR_KIND = {"person": "PERSON", "state": "GPE"}
POSSESSIVE = re.compile(r"(?:['’]s?|['’])$")
ABBREVIATION_END = r"(?:\b[A-Z]\.[A-Z]\.|\b(?:Inc|Co|Corp|Ltd|Jr|Sr)\.)$"
EDGE_PUNCT = "\"“”„«»‘’'()[]{}.,;:!?*#-–— \n\t"

# Spelling variants of one name score above this (rapidfuzz ratio on folded names); different
# people with similar names below (F1 0.909 on 50 labelled pairs). Measured on tests/gold/name_pairs.jsonl with
# `measure_fuzzy_threshold` (the notebook prints the sweep): the midpoint of the interval of
# thresholds with the best F1.
FUZZY_THRESHOLD = 86.0


# ---------------------------------------------------------------- data files

@dataclass(frozen=True)
class Entry:
    """One actor of the alias file."""

    name: str
    kind: str
    affiliation: str | None
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...]
    capitals: tuple[str, ...]
    descriptors: tuple[str, ...]
    roles: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class AliasBook:
    """The alias file, indexed: folded written form -> (entry, rule)."""

    entries: tuple[Entry, ...]
    index: dict[str, tuple[Entry, str]]
    by_name: dict[str, Entry]

    def lookup(self, text: str) -> tuple[Entry, str] | None:
        return self.index.get(fold(text))


@lru_cache(maxsize=1 << 16)
def fold(name: str) -> str:
    """Comparison key: accents off, lower case, hyphens/dots as spaces, no leading 'the', no possessive.

    Transliterations differ exactly in these ways (Kim Jong-un / Kim Jong Un, U.S. / US).
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = POSSESSIVE.sub("", text.strip().strip(EDGE_PUNCT))
    text = text.lower().replace("’", "'")
    text = re.sub(r"(?<=\b[a-z])\.(?=[a-z]\b)", "", text)  # U.S. -> us, U.N. -> un
    text = re.sub(r"[-‐‑–—./]", " ", text)
    text = re.sub(r"^the\s+", "", text).strip(EDGE_PUNCT)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def alias_book() -> AliasBook:
    """Load and index lib/data/aliases.yaml (cached: it is read on every document)."""
    raw = yaml.safe_load((DATA_DIR / "aliases.yaml").read_text(encoding="utf-8"))
    entries = []
    for item in raw["actors"]:
        if item["kind"] not in KINDS:
            raise ValueError(f"aliases.yaml: {item['name']}: unknown kind {item['kind']!r}")
        entries.append(Entry(
            name=item["name"], kind=item["kind"], affiliation=item.get("affiliation"),
            aliases=tuple(item.get("aliases") or ()), demonyms=tuple(item.get("demonyms") or ()),
            capitals=tuple(item.get("capitals") or ()), descriptors=tuple(item.get("descriptors") or ()),
            roles=tuple(item.get("roles") or ()),
        ))
    index: dict[str, tuple[Entry, str]] = {}
    for entry in entries:
        for form, rule in _forms(entry):
            index.setdefault(fold(form), (entry, rule))
    return AliasBook(tuple(entries), index, {e.name: e for e in entries})


def _forms(entry: Entry) -> list[tuple[str, str]]:
    """Every written form of an entry with the rule name a match on it reports."""
    forms = [(entry.name, "alias")] + [(a, "alias") for a in entry.aliases]
    forms += [(d, "demonym") for d in entry.demonyms] + [(c, "capital") for c in entry.capitals]
    return forms


@lru_cache(maxsize=1)
def kind_vocabulary() -> dict[str, Any]:
    """lib/data/actor_kinds.yaml: keywords typing organisations, title words, credit patterns."""
    raw = yaml.safe_load((DATA_DIR / "actor_kinds.yaml").read_text(encoding="utf-8"))
    raw["credit_res"] = [re.compile(p) for p in raw["credit_patterns"]]
    raw["title_set"] = {w.lower() for w in raw["title_words"]}
    raw["honorific_set"] = {w.lower() for w in raw["honorifics"]}
    raw["not_actor_set"] = {fold(w) for w in raw["not_actors"]}
    return raw


@lru_cache(maxsize=1)
def territory_names() -> dict[str, str]:
    """Folded country name -> name, from Babel's English territory names (covers every state)."""
    from babel import Locale

    names = {}
    for code, name in Locale("en").territories.items():
        if code.isalpha() and len(code) == 2:  # numeric codes are regions ("Western Europe")
            names[fold(name)] = name
    return names


def org_kind(name: str) -> str:
    """An organisation's kind from keywords in its name (first matching kind in the data file)."""
    folded = f" {fold(name)} "
    for kind, words in kind_vocabulary()["org_kind_keywords"].items():
        if any(f" {fold(w)} " in folded for w in words):
            return kind
    return "other"


# ---------------------------------------------------------------- entity ruler

def ruler_patterns() -> list[dict[str, Any]]:
    """The alias file as EntityRuler patterns, each carrying its canonical name as `id`."""
    patterns = []
    for entry in alias_book().entries:
        label = LABEL_FOR_KIND.get(entry.kind, "ORG")
        for form, rule in _forms(entry):
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


def _name_tokens(name: str) -> list[str]:
    return [t for t in re.split(r"\s+", name.strip()) if t]


def _strip_honorifics(name: str) -> str:
    tokens = _name_tokens(name)
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
    tokens = [fold(t) for t in _name_tokens(name)]
    if not tokens:
        return None

    def carries(full: str) -> bool:
        parts = [fold(t) for t in _name_tokens(full)]
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
        if len(_name_tokens(name)) >= 2:
            names.append((c.start, name))
    known = {fold(n).split()[-1] for _, n in names} | {fold(n).split()[0] for _, n in names}
    titles = kind_vocabulary()["title_set"]
    for c in candidates:
        if c.label == "PERSON" and len(_name_tokens(c.text)) == 1 and fold(c.text) not in known:
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
    surnames = {fold(_name_tokens(n)[-1]) for _, n in full_names if len(_name_tokens(n)) >= 2}
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
        if len(_name_tokens(name)) >= 2:
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
    full = _match_partial(name, full_names, position) if len(_name_tokens(name)) == 1 else None
    if full:
        return full
    if any(fold(name) == fold(f) for _, f in full_names):
        return name
    tokens = _name_tokens(name)
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
            and token in (fold(_name_tokens(e.name)[-1]), fold(_name_tokens(e.name)[0]))]
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
    described = _described_body(raw, book)
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


def _described_body(raw: str, book: AliasBook) -> str | None:
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


# ---------------------------------------------------------------- cross-document registry

@lru_cache(maxsize=1 << 16)
def slug(name: str) -> str:
    """actor_id: readable and stable (the canonical name, folded to a-z0-9 and hyphens)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


def name_similarity(a: str, b: str) -> float:
    """0-100 similarity of two names on their folded, space-free spelling.

    Spaces and hyphens are dropped because transliterations move them (Kim Jong-un / Kim Jongun).
    Names whose parts start with different letters score 0: transliteration changes vowels and
    endings (Sergei/Sergey, Zelensky/Zelenskyy) but rarely initials, while different people with
    similar names often differ exactly there (Edward Howell / Edward Powell).
    """
    initials_a = [t[0] for t in fold(a).split()]
    initials_b = [t[0] for t in fold(b).split()]
    if initials_a != initials_b:
        return 0.0
    return float(fuzz.ratio(fold(a).replace(" ", ""), fold(b).replace(" ", "")))


def _initials(name: str) -> tuple[str, ...]:
    return tuple(t[0] for t in fold(name).split())


def same_name(a: str, b: str, threshold: float = FUZZY_THRESHOLD) -> bool:
    """Spelling variants of one person (see `name_similarity`)."""
    if fold(a) == fold(b):
        return True
    return name_similarity(a, b) >= threshold


@dataclass(frozen=True)
class _RegistryLookups:
    """What `Registry._canonical` looks names up in: folded spelling -> canonical name (first known
    spelling wins), and the canonical people with a full name, sorted (fuzzy and surname rules)."""

    by_folded_name: dict[str, str]
    full_name_people: list[str]


@dataclass
class Registry:
    """Cross-document name resolution: document-level names -> canonical actor names and ids.

    Built from the mentions DataFrame (columns name, kind, doc_id at least). `merges` lists every
    alias merged into another canonical name with the rule and score, for the notebook.
    """

    canonical_of: dict[str, str] = field(default_factory=dict)
    kind_of: dict[str, str] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    threshold: float = FUZZY_THRESHOLD
    _memo: dict[Any, str | None] = field(default_factory=dict, repr=False, compare=False)
    _memo_of: tuple[int, int, int] = (0, -1, -1)
    _lookups: _RegistryLookups | None = field(default=None, repr=False, compare=False)

    def canonical(self, name: str | None) -> str | None:
        """The canonical name of a document-level name (or of any spelling the registry knows).

        Unknown names still go through the alias file and the fuzzy rule, so a claim's source the
        mentions never saw lands on the same actor when it can. Answers are remembered: every claim
        of a large corpus asks, and most ask about the same few names.
        """
        state = (id(self.canonical_of), len(self.canonical_of), len(self.kind_of))
        if state != self._memo_of:  # the registry changed since: forget
            self._memo, self._memo_of, self._lookups = {}, state, None
        if name not in self._memo:  # keyed by the name as given: the cheapest check for a known one
            self._memo[name] = self._canonical(name)
        return self._memo[name]

    def _canonical(self, name: str | None) -> str | None:
        if name is None or not str(name).strip():
            return None
        name = str(name).strip()
        if name in self.canonical_of:
            return self.canonical_of[name]
        lookups = self._lookups_now()
        key = fold(name)
        if key in lookups.by_folded_name:
            return lookups.by_folded_name[key]
        hit = alias_book().lookup(name)
        if hit:
            return hit[0].name
        for canonical in lookups.full_name_people:
            if same_name(canonical, name, self.threshold):
                return canonical
        if len(_name_tokens(name)) == 1:  # a family name alone: the one person who carries it
            carriers = [c for c in lookups.full_name_people if any(
                same_name(part, name, self.threshold) for part in (_name_tokens(c)[0], _name_tokens(c)[-1]))]
            if len(carriers) == 1:
                return carriers[0]
        return name

    def _lookups_now(self) -> _RegistryLookups:
        """The indexes `_canonical` searches, built once per registry state instead of once per
        unknown name (claims and affiliations ask about thousands of names the mentions never had)."""
        if self._lookups is None:
            by_folded_name: dict[str, str] = {}
            for known, canonical in self.canonical_of.items():
                by_folded_name.setdefault(fold(known), canonical)  # the first known spelling wins
            people = sorted({c for c in self.canonical_of.values() if self.kind_of.get(c) == "person"})
            self._lookups = _RegistryLookups(by_folded_name, [c for c in people if len(_name_tokens(c)) >= 2])
        return self._lookups

    def actor_id(self, name: str | None) -> str | None:
        canonical = self.canonical(name)
        return None if canonical is None else slug(canonical)

    def kind(self, name: str | None) -> str | None:
        canonical = self.canonical(name)
        return None if canonical is None else self.kind_of.get(canonical)


_last_registry: tuple[Any, Registry] | None = None


def build_registry(mentions: pd.DataFrame, threshold: float = FUZZY_THRESHOLD) -> Registry:
    """The corpus's registry of names (see `_merged_registry`), built once per set of names.

    The claims, actors and forecasts stages each need it from the same mentions; in one process
    (a headless build, the benchmark) the second and third get the first one's registry, answers
    it already worked out included. Registries are never changed after they are built.
    """
    global _last_registry
    names = [] if mentions is None or len(mentions) == 0 else mentions["name"].tolist()
    kinds = [] if not names else mentions["kind"].tolist()
    key = (threshold, tuple(names), tuple(kinds))
    if _last_registry is not None and _last_registry[0] == key:
        return _last_registry[1]
    registry = _merged_registry(mentions, threshold)
    _last_registry = (key, registry)
    return registry


def _merged_registry(mentions: pd.DataFrame | None, threshold: float) -> Registry:
    """Merge document-level names across the corpus.

    Order of rules: the alias file's canonical names stand; spelling variants of a person merge
    into the most mentioned spelling (alias-file name first) when `name_similarity` >= threshold;
    a surname-only name left unresolved in its document merges into the one full name in the corpus
    that carries it (none or several: it stays as it is).
    """
    registry = Registry(threshold=threshold)
    if mentions is None or len(mentions) == 0:
        return registry
    book = alias_book()
    counts = Counter(mentions["name"].tolist())
    kinds = _kind_by_name(mentions["name"].tolist(), mentions["kind"].tolist())
    names = sorted(counts, key=lambda n: (n not in book.by_name, -counts[n], n))
    canon: dict[str, str] = {}
    # Blocking: name_similarity is 0 unless the initials agree, so a name is compared only with the
    # known names sharing its initials (alias-file people first, then canonical names as they come).
    candidates: dict[tuple[str, ...], dict[str, None]] = {}
    for entry in book.entries:
        if entry.kind == "person":
            candidates.setdefault(_initials(entry.name), {})[entry.name] = None
    for name in names:
        kind = kinds[name]
        target, rule, score = name, None, None
        if name not in book.by_name and kind == "person" and len(_name_tokens(name)) >= 2:
            for other in list(candidates.get(_initials(name), ())):
                if other in book.by_name or (kinds.get(other, registry.kind_of.get(other)) == "person" and len(_name_tokens(other)) >= 2):
                    sim = name_similarity(name, other)
                    if fold(name) == fold(other) or sim >= threshold:
                        target, rule, score = other, "fuzzy", sim
                        registry.kind_of.setdefault(other, "person")
                        break
        canon[name] = target
        candidates.setdefault(_initials(target), {}).setdefault(target, None)
        registry.kind_of.setdefault(target, kind)
        if rule:
            registry.merges.append({"alias": name, "canonical": target, "rule": rule, "score": round(score, 1),
                                    "n_mentions": counts[name]})
    full_people = [n for n in dict.fromkeys(canon.values()) if registry.kind_of.get(n) == "person"
                   and len(_name_tokens(n)) >= 2]
    carriers_of: dict[str, list[str]] = defaultdict(list)  # folded family (or first) name -> full names
    for full in full_people:
        tokens = _name_tokens(full)
        for part in dict.fromkeys((fold(tokens[-1]), fold(tokens[0]))):
            carriers_of[part].append(full)
    for name in names:
        if kinds[name] == "person" and len(_name_tokens(name)) == 1:
            carriers = carriers_of.get(fold(name), [])
            if len(carriers) == 1:
                canon[name] = carriers[0]
                registry.merges.append({"alias": name, "canonical": carriers[0], "rule": "corpus-surname",
                                        "score": None, "n_mentions": counts[name]})
    registry.canonical_of = canon
    return registry


def _kind_by_name(names: list[str], kinds: list[str]) -> dict[str, str]:
    """Each name's most frequent kind; on a tie the one seen first (as Counter.most_common has it)."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for name, kind in zip(names, kinds):
        seen[name][kind] += 1
    return {name: counted.most_common(1)[0][0] for name, counted in seen.items()}


def alias_merges(mentions: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Every merge the registry made plus the alias-file merges seen in the corpus (written forms
    that became another name), for researchers to check and correct in aliases.yaml."""
    rows = list(registry.merges)
    if len(mentions):
        file_merged = mentions[mentions["rule"].isin(["alias", "demonym", "capital", "acronym"])]
        for (text, name, rule), group in file_merged.groupby(["text", "name", "rule"]):
            if fold(text) != fold(name):
                rows.append({"alias": text, "canonical": registry.canonical(name), "rule": f"alias-file:{rule}"
                             if rule != "acronym" else "acronym", "score": None, "n_mentions": len(group)})
    frame = pd.DataFrame(rows, columns=[c.name for c in ALIAS_MERGES.columns])
    frame = frame.groupby(["alias", "canonical", "rule"], as_index=False, dropna=False).agg(
        score=("score", "max"), n_mentions=("n_mentions", "sum"))
    return frame.sort_values(["canonical", "alias"]).reset_index(drop=True)[[c.name for c in ALIAS_MERGES.columns]]


# ---------------------------------------------------------------- measuring the fuzzy threshold

def load_name_pairs(path: Path | None = None) -> list[dict[str, Any]]:
    """tests/gold/name_pairs.jsonl: {a, b, same} pairs of spellings, judged by a reader."""
    path = path or GOLD_DIR / "name_pairs.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def measure_fuzzy_threshold(pairs: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """Precision, recall and F1 of 'same person' for thresholds 70..100 on the labelled name pairs.

    FUZZY_THRESHOLD is the midpoint of the thresholds that reach the best F1; the notebook prints
    this sweep so the choice can be checked when pairs are added.
    """
    pairs = pairs if pairs is not None else load_name_pairs()
    scored = [(name_similarity(p["a"], p["b"]), bool(p["same"])) for p in pairs]
    rows = []
    for threshold in range(70, 101):
        tp = sum(1 for s, same in scored if s >= threshold and same)
        fp = sum(1 for s, same in scored if s >= threshold and not same)
        fn = sum(1 for s, same in scored if s < threshold and same)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"threshold": threshold, "precision": round(precision, 3), "recall": round(recall, 3),
                     "f1": round(f1, 3)})
    return pd.DataFrame(rows)


def best_threshold(sweep: pd.DataFrame) -> float:
    best = sweep[sweep["f1"] == sweep["f1"].max()]["threshold"]
    return float((best.min() + best.max()) / 2)


# ---------------------------------------------------------------- the store

def _most_common(values: Iterable[Any]) -> Any:
    """Most frequent non-null value; ties broken alphabetically so the choice is stable."""
    counted = Counter(v for v in values if _present(v))
    if not counted:
        return None
    top = max(counted.values())
    return sorted(str(v) for v, n in counted.items() if n == top)[0]


def _present(value: Any) -> bool:
    """Not NULL: pandas hands a missing text back as None or as NaN (which is not equal to itself)."""
    return value is not None and value == value


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    return frame


def _columns_of(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame cut to `columns` in that order (a missing one as None), rebuilt from plain lists
    so column types come out as `_frame` infers them from records, without boxing every cell."""
    if len(frame) == 0:
        return _frame([], columns)[columns]  # empty lists would make float columns; `_frame` makes object ones
    return pd.DataFrame({c: frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in columns},
                        columns=columns)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[Any]:
    """The frame's rows as named tuples of just `columns` (None where the frame lacks a column).

    The cross-document tables loop over every mention of the corpus: per-row pandas work (a boolean
    mask or a groupby chop per actor, to_dict over every column) cost more than the loops themselves.
    """
    row = namedtuple("Row", columns)
    values = [frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in columns]
    return list(map(row._make, zip(*values)))


def _first_text_by_doc(documents: pd.DataFrame) -> dict[str, str]:
    """doc_id -> text; a doc_id listed twice keeps its first text (as a lookup by mask did)."""
    texts: dict[str, str] = {}
    if len(documents):
        for doc_id, text in zip(documents["doc_id"].tolist(), documents["text"].tolist()):
            texts.setdefault(doc_id, text)
    return texts


def actor_table(mentions: pd.DataFrame, registry: Registry, documents: pd.DataFrame,
                extra_names: Iterable[str] = ()) -> pd.DataFrame:
    """One row per canonical actor; roles as stated in the text, else the alias file's affiliation."""
    book = alias_book()
    columns = ["name", "text", "kind", "doc_id", "char_start", "role", "affiliation", "sentence_start", "sentence_end"]
    by_actor: dict[str, list[Any]] = defaultdict(list)  # mention rows grouped in one pass, in row order
    for row in _records(mentions, columns):
        canonical = registry.canonical(row.name)
        if canonical is not None:
            by_actor[canonical].append(row)
    texts = _first_text_by_doc(documents) if by_actor else {}
    rows = [_actor_row(canonical, by_actor[canonical], registry, texts, book.by_name.get(canonical))
            for canonical in sorted(by_actor)]
    known = {r["name"] for r in rows}
    for name in sorted(set(extra_names) - known):  # speakers named only in an attribution
        entry = book.by_name.get(name)
        rows.append({"actor_id": slug(name), "name": name, "kind": entry.kind if entry else registry.kind(name) or "other",
                     "role": None, "affiliation": entry.affiliation if entry else None, "aliases": [name],
                     "n_mentions": 0, "n_documents": 0, "role_doc_id": None, "role_sentence": None})
    return _frame(rows, ACTORS.column_names).sort_values("actor_id").reset_index(drop=True)


def _actor_row(canonical: str, group: list[Any], registry: Registry, texts: dict[str, str],
               entry: Entry | None) -> dict[str, Any]:
    """One actor from its mentions: the most frequent stated role, read from its first sentence
    in (doc_id, offset) order so a reader can check it."""
    roled = [r for r in group if _present(r.role)]
    role = _most_common(r.role for r in roled) if roled else None
    source = min((r for r in roled if r.role == role), key=lambda r: (r.doc_id, r.char_start)) if role else None
    text = texts.get(source.doc_id) if source is not None else None
    affiliation = _most_common(registry.canonical(r.affiliation) for r in group if isinstance(r.affiliation, str))
    return {
        "actor_id": slug(canonical), "name": canonical,
        "kind": entry.kind if entry else _most_common(r.kind for r in group),
        "role": role, "affiliation": affiliation or (entry.affiliation if entry else None),
        "aliases": sorted({r.text for r in group} | {r.name for r in group}),
        "n_mentions": len(group), "n_documents": len({r.doc_id for r in group}),
        "role_doc_id": source.doc_id if source is not None else None,
        "role_sentence": text[int(source.sentence_start):int(source.sentence_end)] if text else None,
    }


def role_table(mentions: pd.DataFrame, registry: Registry, documents: pd.DataFrame) -> pd.DataFrame:
    """Every role/affiliation statement with its sentence (actor_roles)."""
    columns = ["name", "doc_id", "role_start", "role_end", "role", "affiliation", "role_pattern",
               "sentence_start", "sentence_end"]
    stated = _records(mentions[mentions["role_pattern"].notna()], columns) if "role_pattern" in mentions else []
    texts = dict(zip(documents["doc_id"], documents["text"])) if stated and len(documents) else {}
    rows = [{"actor_id": registry.actor_id(r.name), "doc_id": r.doc_id,
             "char_start": int(r.role_start), "char_end": int(r.role_end), "role": r.role,
             "affiliation": registry.canonical(r.affiliation) if isinstance(r.affiliation, str) else None,
             "pattern": r.role_pattern,
             "sentence": (texts.get(r.doc_id) or "")[int(r.sentence_start):int(r.sentence_end)]}
            for r in stated]
    return _frame(rows, ACTOR_ROLES.column_names)


def link_table(mentions: pd.DataFrame, quotes: pd.DataFrame, registry: Registry,
               documents: pd.DataFrame) -> pd.DataFrame:
    """Edges: co-mentioned (same sentence), quotes (speaker -> actor named inside the quote),
    quoted-by (speaker -> the outlet publishing the quote), affiliated-with (role or title)."""
    edges: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    weights: Counter = Counter()

    def add(a: str | None, b: str | None, relation: str, doc_id: str, undirected: bool = False) -> None:
        if not a or not b or a == b:
            return
        if undirected:
            a, b = sorted((a, b))
        edges[(a, b, relation)].add(doc_id)
        weights[(a, b, relation)] += 1

    # Edges and weights do not depend on the order they are added in, so every relation is
    # collected in one pass over plain rows.
    mention_rows = _records(mentions, ["doc_id", "sentence_start", "char_start", "char_end", "name", "affiliation"])
    in_sentence: dict[tuple[str, int], set[str]] = defaultdict(set)
    by_document: dict[str, list[tuple[int, int, str]]] = defaultdict(list)  # one pass, not a scan per quote
    for r in mention_rows:
        actor_id = registry.actor_id(r.name)
        in_sentence[(r.doc_id, r.sentence_start)].add(actor_id)
        by_document[r.doc_id].append((int(r.char_start), int(r.char_end), actor_id))
        if _present(r.affiliation):
            add(actor_id, registry.actor_id(r.affiliation), "affiliated-with", r.doc_id)
    for (doc_id, _), present in in_sentence.items():
        present = sorted(present)
        for i, a in enumerate(present):
            for b in present[i + 1:]:
                add(a, b, "co-mentioned", doc_id, undirected=True)
    outlets = dict(zip(documents["doc_id"], documents["outlet"])) if "outlet" in documents else {}
    for q in _records(quotes, ["doc_id", "speaker_actor_id", "char_start", "char_end"]):
        if not _present(q.speaker_actor_id):
            continue
        outlet = outlets.get(q.doc_id)
        if isinstance(outlet, str) and outlet:
            add(q.speaker_actor_id, registry.actor_id(outlet), "quoted-by", q.doc_id)
        inside = {a for start, end, a in by_document.get(q.doc_id, ())
                  if start >= q.char_start and end <= q.char_end}
        for about in sorted(inside):
            add(q.speaker_actor_id, about, "quotes", q.doc_id)
    rows = [{"actor_a": a, "actor_b": b, "relation": rel, "weight": weights[(a, b, rel)], "doc_ids": sorted(docs)}
            for (a, b, rel), docs in sorted(edges.items())]
    return _frame(rows, ACTOR_LINKS.column_names)


def quote_table(quotes: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Per-document quote rows with the speaker mapped to its canonical name and actor_id."""
    from lib.quotes import QUOTES

    frame = _columns_of(quotes, QUOTES.column_names)
    frame["speaker"] = [registry.canonical(s) if isinstance(s, str) else None for s in frame["speaker"].tolist()]
    frame["speaker_actor_id"] = [slug(s) if isinstance(s, str) else None for s in frame["speaker"].tolist()]
    return frame


@frozen_heap
def build(con: duckdb.DuckDBPyConnection, corpus: str, model: str | None = None, engine: str = "local",
          scheduler: str | None = None) -> dict[str, pd.DataFrame]:
    """Write actors, mentions, actor_roles, actor_links, alias_merges and quotes; return them.

    Upstream data come from the per-document cache (parsing only what it lacks), so the notebook
    runs on its own on a fresh store.
    """
    from lib import ingest, pipeline, quotes as quotes_module
    from lib.store import read_table, write_table

    frames = pipeline.extract_store(con, corpus, model, engine, scheduler)
    documents = read_table(con, ingest.DOCUMENTS, where="status = 'ok'")
    tables = stage_tables(frames["mentions"], frames["quotes"], documents)
    for declared in (*TABLES, quotes_module.QUOTES):
        write_table(con, declared, tables[declared.name])
    return {t.name: read_table(con, t) for t in (*TABLES, quotes_module.QUOTES)}


def stage_tables(mentions: pd.DataFrame, quotes: pd.DataFrame, documents: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """This stage's tables from the per-document rows (pure: `build` writes what this returns)."""
    if len(mentions) == 0:
        mentions = pd.DataFrame(columns=["doc_id", "char_start", "char_end", "text", "label", "kind", "name", "rule",
                                         "role", "affiliation", "role_start", "role_end", "role_pattern",
                                         "sentence_start", "sentence_end"])
    registry = build_registry(mentions)
    quote_rows = quote_table(quotes, registry)
    speakers = [s for s in quote_rows["speaker"] if isinstance(s, str)]
    mention_rows = mentions.assign(actor_id=[registry.actor_id(n) for n in mentions["name"].tolist()])
    return {
        ACTORS.name: actor_table(mentions, registry, documents, extra_names=speakers),
        MENTIONS.name: _columns_of(mention_rows, MENTIONS.column_names),
        ACTOR_ROLES.name: role_table(mentions, registry, documents),
        ACTOR_LINKS.name: link_table(mentions, quote_rows, registry, documents),
        ALIAS_MERGES.name: alias_merges(mentions, registry),
        "quotes": quote_rows,
    }


# ---------------------------------------------------------------- measuring against gold

def _gold(name: str) -> list[dict[str, Any]]:
    path = GOLD_DIR / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _pr(hits: int, predicted: int, gold: int) -> dict[str, float]:
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def score_seed_mentions(mentions: pd.DataFrame, actors: pd.DataFrame) -> dict[str, float]:
    """Mentions-to-actors on the seeds, as (document, written form, canonical actor) pairs.

    tests/gold/actors_seeds.jsonl lists, per seed, every distinct written form that names an actor
    and the actor it names (read by a person), and forms that must not become actors (bylines,
    photo credits, places). `mentions` and `actors` are the store's tables.
    """
    names = dict(zip(actors["actor_id"], actors["name"]))
    gold_rows = _gold("actors_seeds.jsonl")
    gold = {(g["doc"], fold(s), a) for g in gold_rows for s, a in g["pairs"]}
    docs = {g["doc"] for g in gold_rows}
    seen = mentions[mentions["doc_id"].isin(docs)]
    predicted = {(r.doc_id, fold(r.text), names.get(r.actor_id)) for r in seen.itertuples()}
    forbidden = {(g["doc"], fold(n)) for g in gold_rows for n in g["not_actors"]}
    revived = sorted({(d, t) for d, t, _ in predicted if (d, t) in forbidden})
    scores = {"gold pairs": len(gold), "predicted pairs": len(predicted), **_pr(len(gold & predicted), len(predicted), len(gold))}
    scores["not-actors revived"] = len(revived)
    return scores


def score_composed_mentions(model: str | None = None) -> dict[str, float]:
    """Mentions-to-actors on short texts we wrote (tests/gold/actors_composed.jsonl): spellings
    (Zelenskiy, Sergey), acronyms, capitals, descriptors, a photo credit and a byline.

    A gold span counts as found by a predicted mention overlapping it with the same canonical actor.
    """
    from lib.quotes import analyse_texts

    items = _gold("actors_composed.jsonl")
    mentions, _ = analyse_texts(items, model)
    registry = build_registry(pd.DataFrame(mentions))
    hits = 0
    for item in items:
        predicted = [(m["char_start"], m["char_end"], registry.canonical(m["name"])) for m in mentions if m["doc_id"] == item["id"]]
        for g in item["spans"]:
            hits += any(s < g["end"] and g["start"] < e and fold(a) == fold(g["actor"]) for s, e, a in predicted)
    n_gold = sum(len(i["spans"]) for i in items)
    true_predictions = 0
    for item in items:
        for m in (m for m in mentions if m["doc_id"] == item["id"]):
            true_predictions += any(m["char_start"] < g["end"] and g["start"] < m["char_end"]
                                    and fold(registry.canonical(m["name"])) == fold(g["actor"]) for g in item["spans"])
    scores = _pr(hits, len(mentions), n_gold)
    scores["precision"] = round(true_predictions / len(mentions), 3) if mentions else 0.0
    return {"gold spans": n_gold, "predicted mentions": len(mentions), **scores}


def score_roles(actors: pd.DataFrame) -> dict[str, float]:
    """Kinds, roles and affiliations of the seeds' actors against tests/gold/actors_seeds_roles.jsonl."""
    gold = _gold("actors_seeds_roles.jsonl")
    by_name = {r.name: r for r in actors.itertuples()}
    found = [g for g in gold if g["name"] in by_name]
    kind_ok = sum(by_name[g["name"]].kind == g["kind"] for g in found)
    with_role = [g for g in found if g["role_contains"]]
    role_ok = sum(isinstance(by_name[g["name"]].role, str) and g["role_contains"].lower() in by_name[g["name"]].role.lower()
                  for g in with_role)
    with_aff = [g for g in found if g["affiliation"]]
    aff_ok = sum(by_name[g["name"]].affiliation == g["affiliation"] for g in with_aff)
    return {"gold actors": len(gold), "actors found": round(len(found) / len(gold), 3),
            "kind accuracy": round(kind_ok / len(gold), 3), "role recall": round(role_ok / len(with_role), 3) if with_role else 0.0,
            "affiliation accuracy": round(aff_ok / len(with_aff), 3) if with_aff else 0.0}


def gold_scores(con: duckdb.DuckDBPyConnection, model: str | None = None) -> pd.DataFrame:
    """Every gold score of this stage in one table (the notebook's Checks and the tests use it)."""
    from lib import quotes as quotes_module
    from lib.store import read_table

    actors = read_table(con, ACTORS)
    mentions = read_table(con, MENTIONS)
    quotes = read_table(con, quotes_module.QUOTES)
    sets = {
        "mentions to actors, seeds": score_seed_mentions(mentions, actors),
        "mentions to actors, composed": score_composed_mentions(model),
        "kinds and roles, seeds": score_roles(actors),
        "direct quotes, seeds": quotes_module.score_seed_quotes(quotes),
        "quotes, composed hard cases": quotes_module.score_composed_quotes(model=model),
        "fuzzy threshold, name pairs": _threshold_scores(),
    }
    rows = [{"gold set": name, "measure": measure, "value": float(value)}
            for name, scores in sets.items() for measure, value in scores.items()]
    return pd.DataFrame(rows)


def _threshold_scores() -> dict[str, float]:
    sweep = measure_fuzzy_threshold()
    at = sweep[sweep["threshold"] == int(FUZZY_THRESHOLD)].iloc[0]
    return {"pairs": len(load_name_pairs()), "threshold used": FUZZY_THRESHOLD, "best threshold": best_threshold(sweep),
            "precision": float(at["precision"]), "recall": float(at["recall"]), "f1": float(at["f1"])}


# ---------------------------------------------------------------- what the notebook shows

KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}
KIND_COLOURS = {"person": "#4c72b0", "state": "#dd8452", "government body": "#55a868", "military": "#c44e52",
                "international organisation": "#8172b3", "media outlet": "#937860",
                "think tank or university": "#da8bc3", "company": "#8c8c8c", "other": "#ccb974"}
RELATION_STYLES = {
    "quotes": {"color": "#c44e52", "style": "solid", "label": "quotes: the speaker names the other actor inside a quote (2+ times)"},
    "affiliated-with": {"color": "#55a868", "style": "dashed", "label": "affiliated-with: a title or apposition ties the person to it"},
    "co-mentioned": {"color": "#9a9a9a", "style": "dotted", "label": "co-mentioned: named in the same sentence (2+ times)"},
}


def actors_by_kind(actors: pd.DataFrame) -> pd.DataFrame:
    """Actors ordered by kind, then by mentions: who the corpus talks about, with stated roles."""
    frame = actors.assign(_order=actors["kind"].map(KIND_ORDER).fillna(len(KINDS)))
    frame = frame.sort_values(["_order", "n_mentions", "name"], ascending=[True, False, True])
    return frame[["kind", "name", "role", "affiliation", "n_mentions", "n_documents"]].rename(columns={
        "kind": "Kind", "name": "Actor", "role": "Role as stated", "affiliation": "Affiliation",
        "n_mentions": "Mentions", "n_documents": "Documents"}).reset_index(drop=True)


def kind_counts(actors: pd.DataFrame) -> pd.DataFrame:
    """Actors and mentions per kind."""
    grouped = actors.groupby("kind").agg(actors=("actor_id", "count"), mentions=("n_mentions", "sum")).reset_index()
    grouped = grouped.assign(_order=grouped["kind"].map(KIND_ORDER)).sort_values("_order")
    return grouped[["kind", "actors", "mentions"]].rename(columns={"kind": "Kind", "actors": "Actors", "mentions": "Mentions"}).reset_index(drop=True)


def who_is_quoted(quotes: pd.DataFrame) -> pd.DataFrame:
    """Speakers by number of quotes (direct and reported), with the documents quoting them."""
    known = quotes[quotes["speaker"].notna()]
    if not len(known):
        return pd.DataFrame(columns=["Speaker", "Direct", "Indirect", "Documents"])
    rows = []
    for speaker, group in known.groupby("speaker"):
        rows.append({"Speaker": speaker, "Direct": int((group["kind"] == "direct").sum()),
                     "Indirect": int((group["kind"] == "indirect").sum()),
                     "Documents": ", ".join(sorted(set(group["doc_id"])))})
    frame = pd.DataFrame(rows)
    frame = frame.assign(_total=frame["Direct"] + frame["Indirect"])
    return frame.sort_values(["_total", "Speaker"], ascending=[False, True]).drop(columns="_total").reset_index(drop=True)


def quote_summary_markdown(quotes: pd.DataFrame) -> str:
    """One generated sentence on how many quotes were attributed and by which rules."""
    direct = quotes[quotes["kind"] == "direct"]
    attributed = direct[direct["speaker"].notna()]
    rules = Counter(attributed["attribution_rule"])
    by_rule = ", ".join(f"{n} by {rule}" for rule, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])))
    return (f"{len(attributed)} of {len(direct)} direct quotes have a speaker ({by_rule}); "
            f"{len(direct) - len(attributed)} stay unattributed. "
            f"{int((quotes['kind'] == 'indirect').sum())} passages of reported speech were found.")


def quote_samples(quotes: pd.DataFrame, limit: int = 12) -> pd.DataFrame:
    """Direct quotes with speaker, rule and confidence, in document order (text shortened)."""
    from lib.text import snippet

    direct = quotes[quotes["kind"] == "direct"].head(limit)
    return pd.DataFrame({"Document": direct["doc_id"], "Quote": [snippet(t, 90) for t in direct["text"]],
                         "Speaker": direct["speaker"], "As written": direct["speaker_text"],
                         "Rule": direct["attribution_rule"], "Confidence": direct["confidence"]}).reset_index(drop=True)


def displacy_html(text: str, mentions: pd.DataFrame, names: dict[str, str], kinds: dict[str, str]) -> str:
    """One article with its actor mentions marked by displaCy (manual mode: our mentions, not the
    model's raw entities). displaCy escapes the article text itself; the label is our kind."""
    from spacy import displacy

    from lib.text import escape_html

    # displaCy escapes the text and the marked words but not labels: ours carry names from
    # articles, so they are escaped here.
    ents, colours = [], {}
    for r in mentions.sort_values("char_start").itertuples():
        kind = kinds.get(r.actor_id, "other")
        label = escape_html(f"{kind.upper()}: {names.get(r.actor_id, r.actor_id)}")
        ents.append({"start": int(r.char_start), "end": int(r.char_end), "label": label})
        colours[label] = KIND_COLOURS.get(kind, "#dddddd")
    return displacy.render({"text": text, "ents": ents, "title": None}, style="ent", manual=True, jupyter=False,
                           options={"colors": colours})


def render_article(con: duckdb.DuckDBPyConnection, doc_id: str | None = None):
    """The article with the most quotes (ties: first doc_id) rendered with displaCy, as HTML."""
    from lib import ingest, quotes as quotes_module
    from lib.report import HtmlFragment
    from lib.store import read_table

    documents = read_table(con, ingest.DOCUMENTS, where="status = 'ok'")
    mentions = read_table(con, MENTIONS)
    actors = read_table(con, ACTORS)
    if doc_id is None:
        counts = read_table(con, quotes_module.QUOTES).groupby("doc_id").size()
        doc_id = sorted(counts.index, key=lambda d: (-counts[d], d))[0] if len(counts) else documents["doc_id"].iloc[0]
    text = documents.loc[documents["doc_id"] == doc_id, "text"].iloc[0]
    html = displacy_html(text, mentions[mentions["doc_id"] == doc_id], dict(zip(actors["actor_id"], actors["name"])),
                         dict(zip(actors["actor_id"], actors["kind"])))
    return HtmlFragment(html)


def network_edges(links: pd.DataFrame, actors: pd.DataFrame, top: int = 22) -> pd.DataFrame:
    """The edges the network figure draws: among the most mentioned actors and every quoted speaker,
    'affiliated-with' edges, and 'quotes' and 'co-mentioned' edges seen at least twice."""
    ranked = actors.sort_values(["n_mentions", "actor_id"], ascending=[False, True])
    keep = set(ranked["actor_id"].head(top))
    speakers = set(links.loc[links["relation"] == "quotes", "actor_a"])
    keep |= speakers
    chosen = links[links["actor_a"].isin(keep) & links["actor_b"].isin(keep)]
    chosen = chosen[(chosen["relation"] == "affiliated-with") | (chosen["weight"] >= 2)]
    chosen = chosen[chosen["relation"].isin(list(RELATION_STYLES))]
    return chosen.sort_values(["relation", "actor_a", "actor_b"]).reset_index(drop=True)


def plot_network(links: pd.DataFrame, actors: pd.DataFrame, top: int = 22):
    """Actors as nodes (colour = kind, size = mentions), edges styled by relation; a fixed-seed
    spring layout so the figure is the same on every run."""
    import networkx as nx
    from matplotlib.lines import Line2D

    from lib.report import new_figure

    edges = network_edges(links, actors, top)
    names = dict(zip(actors["actor_id"], actors["name"]))
    kinds = dict(zip(actors["actor_id"], actors["kind"]))
    sizes = dict(zip(actors["actor_id"], actors["n_mentions"]))
    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(edges["actor_a"]) | set(edges["actor_b"])))
    for r in edges.itertuples():
        graph.add_edge(r.actor_a, r.actor_b, weight=float(r.weight))
    figure = new_figure(11.0, 8.0)
    ax = figure.add_subplot(1, 1, 1)
    ax.set_axis_off()
    ax.set_title("Who is connected to whom in the corpus")
    if graph.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "No links to draw.", ha="center", va="center")
        return figure
    layout = nx.spring_layout(graph, seed=7, k=1.4 / max(graph.number_of_nodes(), 1) ** 0.5, iterations=200)
    for relation, style in RELATION_STYLES.items():
        chosen = edges[edges["relation"] == relation]
        nx.draw_networkx_edges(graph, layout, ax=ax, edgelist=list(zip(chosen["actor_a"], chosen["actor_b"])),
                               edge_color=style["color"], style=style["style"],
                               width=[0.8 + min(float(w), 6.0) * 0.4 for w in chosen["weight"]], alpha=0.8)
    nodes = list(graph.nodes)
    nx.draw_networkx_nodes(graph, layout, ax=ax, nodelist=nodes,
                           node_color=[KIND_COLOURS.get(kinds.get(n, "other"), "#cccccc") for n in nodes],
                           node_size=[80 + 12 * min(int(sizes.get(n, 1) or 1), 60) for n in nodes], alpha=0.9)
    nx.draw_networkx_labels(graph, layout, ax=ax, labels={n: names.get(n, n) for n in nodes}, font_size=7)
    handles = [Line2D([0], [0], color=s["color"], linestyle=s["style"], label=s["label"]) for s in RELATION_STYLES.values()]
    present = sorted({kinds.get(n, "other") for n in nodes}, key=lambda k: KIND_ORDER.get(k, 99))
    handles += [Line2D([0], [0], marker="o", color="w", markerfacecolor=KIND_COLOURS[k], markersize=8, label=k)
                for k in present]
    ax.legend(handles=handles, loc="lower left", fontsize=7, title="Edges and node kinds (size = mentions)",
              title_fontsize=8, bbox_to_anchor=(0.0, -0.02))
    return figure


def merges_for_review(merges: pd.DataFrame) -> pd.DataFrame:
    """The alias merges made, worst-supported first (fuzzy by score, then rule merges), for review."""
    order = {"fuzzy": 0, "corpus-surname": 1, "acronym": 2}
    frame = merges.assign(_order=merges["rule"].map(lambda r: order.get(r, 3)))
    frame = frame.sort_values(["_order", "score", "canonical", "alias"], na_position="last")
    return frame[["alias", "canonical", "rule", "score", "n_mentions"]].rename(columns={
        "alias": "Written as", "canonical": "Merged into", "rule": "Rule", "score": "Similarity", "n_mentions": "Mentions"}
    ).reset_index(drop=True)


def offsets_check(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every mention, role and direct quote lies where its offsets say in documents.text."""
    from lib import ingest, quotes as quotes_module
    from lib.store import read_table

    texts = dict(read_table(con, ingest.DOCUMENTS, where="status = 'ok'")[["doc_id", "text"]].itertuples(index=False))
    rows = []
    for table, compare in ((MENTIONS, "text"), (ACTOR_ROLES, None), (quotes_module.QUOTES, "text")):
        frame = read_table(con, table)
        inside = [r.doc_id in texts and 0 <= r.char_start < r.char_end <= len(texts[r.doc_id]) for r in frame.itertuples()]
        same = [texts.get(r.doc_id, "")[r.char_start:r.char_end] == getattr(r, compare) for r in frame.itertuples()] if compare else inside
        rows.append({"Table": table.name, "Rows": len(frame), "Offsets inside the text": int(sum(inside)),
                     "Text equals the slice": int(sum(same))})
    return pd.DataFrame(rows)


def inputs_check(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every 'ok' document accounted for: its mentions, actors and quotes (zero is shown, not hidden)."""
    from lib import ingest, quotes as quotes_module
    from lib.store import read_table

    documents = read_table(con, ingest.DOCUMENTS, where="status = 'ok'")
    mentions = read_table(con, MENTIONS)
    quotes = read_table(con, quotes_module.QUOTES)
    rows = []
    mentions_of = {d: g for d, g in mentions.groupby("doc_id")} if len(mentions) else {}
    quotes_of = {d: g for d, g in quotes.groupby("doc_id")} if len(quotes) else {}
    for doc_id in documents["doc_id"]:
        own = mentions_of.get(doc_id, mentions.iloc[0:0])
        said = quotes_of.get(doc_id, quotes.iloc[0:0])
        rows.append({"Document": doc_id, "Mentions": len(own), "Actors": own["actor_id"].nunique(),
                     "Direct quotes": int((said["kind"] == "direct").sum()),
                     "Attributed": int(((said["kind"] == "direct") & said["speaker"].notna()).sum()),
                     "Indirect": int((said["kind"] == "indirect").sum())})
    return pd.DataFrame(rows)
