"""The corpus-wide actors registry: spellings of one actor merged (aliases, fuzzy matching blocked by initials)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from lib.core.tables import ALIAS_MERGES
from lib.extract.mentions import name_tokens, surname_keys
from lib.extract.names import alias_book, fold

# Spelling variants of one name score above this (rapidfuzz ratio on folded names); different
# people with similar names below (F1 0.909 on 50 labelled pairs). Measured on lib/data/gold/name_pairs.jsonl with
# `measure_fuzzy_threshold` (the notebook prints the sweep): the midpoint of the interval of
# thresholds with the best F1.
FUZZY_THRESHOLD = 86.0


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
        if len(name_tokens(name)) == 1:  # a family name alone: the one person who carries it
            carriers = [c for c in lookups.full_name_people if any(
                same_name(part, name, self.threshold) for part in (name_tokens(c)[0], name_tokens(c)[-1]))]
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
            self._lookups = _RegistryLookups(by_folded_name, [c for c in people if len(name_tokens(c)) >= 2])
        return self._lookups

    def actor_id(self, name: str | None) -> str | None:
        canonical = self.canonical(name)
        return None if canonical is None else slug(canonical)

    def kind(self, name: str | None) -> str | None:
        canonical = self.canonical(name)
        return None if canonical is None else self.kind_of.get(canonical)


def build_registry(mentions: pd.DataFrame, threshold: float = FUZZY_THRESHOLD) -> Registry:
    """The corpus's registry of names (see `_merged_registry`). A build makes it once and hands it
    to every stage that needs it (`build.Context.registry`)."""
    return _merged_registry(mentions, threshold)


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
        if name not in book.by_name and kind == "person" and len(name_tokens(name)) >= 2:
            for other in list(candidates.get(_initials(name), ())):
                if other in book.by_name or (kinds.get(other, registry.kind_of.get(other)) == "person" and len(name_tokens(other)) >= 2):
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
                   and len(name_tokens(n)) >= 2]
    carriers_of: dict[str, list[str]] = defaultdict(list)  # folded family (or first) name -> full names
    for full in full_people:
        for part in surname_keys(full):
            carriers_of[part].append(full)
    for name in names:
        if kinds[name] == "person" and len(name_tokens(name)) == 1:
            carriers = carriers_of.get(fold(name), [])
            if len(carriers) == 1:
                canon[name] = carriers[0]
                registry.merges.append({"alias": name, "canonical": carriers[0], "rule": "corpus-surname",
                                        "score": None, "n_mentions": counts[name]})
    _apply_text_definitions(mentions, canon, registry)
    _join_bodies_by_folded_name(canon, registry)
    registry.canonical_of = canon
    return registry


def _apply_text_definitions(mentions: pd.DataFrame, canon: dict[str, str], registry: Registry) -> None:
    """A form one article defines ("the Houthis, formally known as Ansar Allah", "the Rapid Support
    Forces (RSF)") names the same actor in articles that use it without the definition. Only for
    bodies, and only when every definition in the corpus agrees: a person is never joined this way."""
    if "rule" not in mentions.columns:
        return
    defined = mentions[(mentions["rule"] == "defined-in-text") & (mentions["kind"] != "person")]
    targets: dict[str, set[str]] = defaultdict(set)
    for text, name in zip(defined["text"], defined["name"]):
        targets[fold(text)].add(canon.get(name, name))
    for name in list(canon):
        meant = targets.get(fold(name))
        if meant and len(meant) == 1:  # the target is a body: no two people are joined here
            target = next(iter(meant))
            if target != canon[name]:
                registry.merges.append({"alias": name, "canonical": target, "rule": "defined-in-text",
                                        "score": None, "n_mentions": int((mentions["name"] == name).sum())})
                canon[name] = target


def _join_bodies_by_folded_name(canon: dict[str, str], registry: Registry) -> None:
    """'The Houthis' and 'Houthis', 'Wagner group' and 'Wagner Group': one body (first seen wins)."""
    first: dict[str, str] = {}
    for name, target in canon.items():
        if registry.kind_of.get(target) in ("person", None):
            continue
        key = fold(target)
        first.setdefault(key, target)
        if first[key] != target:
            canon[name] = first[key]


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
