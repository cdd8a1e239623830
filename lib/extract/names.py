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

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from lib.core.config import DATA_DIR

ALIASES_ENV = "WORKBOOK_ALIASES"


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
    """The alias files, indexed: folded written form -> (entry, rule).

    `sources` keeps (path, sha256 of its bytes) of every file read, so a cache of rows computed
    with this book can name exactly which dictionaries made them (`fingerprint`)."""

    entries: tuple[Entry, ...]
    index: dict[str, tuple[Entry, str]]
    by_name: dict[str, Entry]
    sources: tuple[tuple[str, str], ...] = ()

    def lookup(self, text: str) -> tuple[Entry, str] | None:
        return self.index.get(fold(text))

    @cached_property
    def forms_longest_first(self) -> tuple[tuple[str, Entry], ...]:
        """Every folded form, longest first: the order a search inside a phrase tries them."""
        return tuple((form, entry) for form, (entry, _) in sorted(self.index.items(), key=lambda kv: -len(kv[0])))

    def fingerprint(self) -> str:
        """A short hash of the loaded files' contents: part of the per-document row cache key,
        because a corpus's own aliases change the mentions every later stage reads."""
        digest = hashlib.sha256()
        for _, sha in self.sources:
            digest.update(sha.encode())
        return digest.hexdigest()[:16]


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


def alias_paths() -> tuple[Path, ...]:
    """The general alias file, then the corpus's own file(s) named by $WORKBOOK_ALIASES (paths
    separated by the OS path separator), which extend or override it for one story."""
    extra = [Path(p).expanduser() for p in os.environ.get(ALIASES_ENV, "").split(os.pathsep) if p.strip()]
    for path in extra:
        if not path.is_file():
            raise FileNotFoundError(f"${ALIASES_ENV}: no alias file at {path}")
    return (DATA_DIR / "aliases.yaml", *extra)


def alias_book() -> AliasBook:
    """The alias book for the files in force now. Cached per (path, modification time) list: it is
    read on every document, and an edited or newly named file must still take effect."""
    return _load_book(tuple((path, path.stat().st_mtime_ns) for path in alias_paths()))


@lru_cache(maxsize=4)
def _load_book(files: tuple[tuple[Path, int], ...]) -> AliasBook:
    """Read and index the alias files. A later file's entry with a known name extends that entry,
    and the forms of entries a later file touched are indexed first, so a corpus file can give a
    general spelling ("NIS") to its own story's actor."""
    by_name: dict[str, Entry] = {}
    rank: dict[str, int] = {}
    sources = []
    for position, (path, _) in enumerate(files):
        data = path.read_bytes()
        sources.append((str(path), hashlib.sha256(data).hexdigest()))
        for item in (yaml.safe_load(data.decode("utf-8")) or {}).get("actors") or ():
            entry = _entry(item, path.name, by_name.get(item.get("name")))
            by_name[entry.name], rank[entry.name] = entry, position
    entries = tuple(by_name.values())
    index: dict[str, tuple[Entry, str]] = {}
    for entry in sorted(entries, key=lambda e: -rank[e.name]):
        for form, rule in alias_forms(entry):
            index.setdefault(fold(form), (entry, rule))
    return AliasBook(entries, index, dict(by_name), tuple(sources))


def _entry(item: dict[str, Any], source: str, known: Entry | None) -> Entry:
    """One actor of an alias file; fields of an entry already known are kept and lists extended,
    so a corpus file can add "the Alliance" to NATO without restating NATO."""
    kind = item.get("kind") or (known.kind if known else None)
    if kind not in KINDS:
        raise ValueError(f"{source}: {item.get('name')}: unknown kind {kind!r}")

    def listed(key: str) -> tuple:
        return tuple(dict.fromkeys((*(getattr(known, key) if known else ()), *(item.get(key) or ()))))

    return Entry(
        name=item["name"], kind=kind, affiliation=item.get("affiliation") or (known.affiliation if known else None),
        aliases=listed("aliases"), demonyms=listed("demonyms"), capitals=listed("capitals"),
        descriptors=listed("descriptors"), roles=tuple(item.get("roles") or (known.roles if known else ())),
    )


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
