"""The actors stage's tables from per-document mentions and quotes: actors, roles, links, merges, quotes."""

from __future__ import annotations

from collections import Counter, defaultdict, namedtuple
from collections.abc import Iterable
from typing import Any

import pandas as pd

from lib.core.tables import ACTOR_LINKS, ACTOR_ROLES, ACTORS, ALIAS_MERGES, MENTIONS, QUOTES
from lib.corpus.registry import Registry, alias_merges, slug
from lib.extract.names import Entry, alias_book

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

    frame = _columns_of(quotes, QUOTES.column_names)
    frame["speaker"] = [registry.canonical(s) if isinstance(s, str) else None for s in frame["speaker"].tolist()]
    frame["speaker_actor_id"] = [slug(s) if isinstance(s, str) else None for s in frame["speaker"].tolist()]
    return frame


def stage_tables(mentions: pd.DataFrame, quotes: pd.DataFrame, documents: pd.DataFrame,
                 registry: Registry) -> dict[str, pd.DataFrame]:
    """This stage's tables from the per-document rows (pure: `build` writes what this returns)."""
    if len(mentions) == 0:
        mentions = pd.DataFrame(columns=["doc_id", "char_start", "char_end", "text", "label", "kind", "name", "rule",
                                         "role", "affiliation", "role_start", "role_end", "role_pattern",
                                         "sentence_start", "sentence_end"])
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
