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
Babel's territory names)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from lib.core.config import DATA_DIR

KINDS = ("person", "state", "government body", "military", "international organisation",
         "media outlet", "think tank or university", "company", "other")


ACTOR_LABELS = {"PERSON", "ORG", "GPE", "NORP"}


LABEL_FOR_KIND = {"person": "PERSON", "state": "GPE"}


POSSESSIVE = re.compile(r"(?:['’]s?|['’])$")


ABBREVIATION_END = r"(?:\b[A-Z]\.[A-Z]\.|\b(?:Inc|Co|Corp|Ltd|Jr|Sr)\.)$"


EDGE_PUNCT = "\"“”„«»‘’'()[]{}.,;:!?*#-–— \n\t"


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
        for form, rule in alias_forms(entry):
            index.setdefault(fold(form), (entry, rule))
    return AliasBook(tuple(entries), index, {e.name: e for e in entries})


def alias_forms(entry: Entry) -> list[tuple[str, str]]:
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
