"""Exact and near-duplicate detection: MinHash over word 5-shingles with LSH banding."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from lib.core import cache

NEAR_DUPLICATE_THRESHOLD = 0.8  # Jaccard similarity of word 5-shingles: syndicated copy / rewrite


SHINGLE_WORDS = 5


MINHASH_PERMUTATIONS = 128


MINHASH_SEED = 1  # fixed: duplicate decisions must not change between runs


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def mark_duplicates(rows: list[dict[str, Any]], cache_dir: Path | None = None) -> None:
    """Exact copies (same raw bytes or same cleaned text) and near-duplicates (MinHash LSH over
    word 5-shingles: linear in the corpus, no all-pairs comparison) of an earlier 'ok' row.

    'Earlier' is source_path order (shallow first), so the decision does not depend on timing.
    The candidate's true Jaccard similarity is computed and stored, so the LSH estimate is never
    the only evidence. Each text's MinHash signature is per-document work, cached by the text
    (`cache_dir`); only the index over them is rebuilt on every run.
    """
    from datasketch import MinHashLSH

    # Weights favour recall: every LSH candidate is verified with its exact Jaccard similarity,
    # so a false candidate costs one set intersection while a missed one is a silent duplicate.
    lsh = MinHashLSH(threshold=NEAR_DUPLICATE_THRESHOLD, num_perm=MINHASH_PERMUTATIONS, weights=(0.05, 0.95))
    seen_hash: dict[str, str] = {}
    seen_text: dict[str, str] = {}
    texts: dict[str, str] = {}
    cluster: dict[str, str] = {}
    for row in rows:
        if row["status"] != "ok":
            continue
        doc_id = row["doc_id"]
        text_key = hashlib.sha256(row["text"].encode("utf-8")).hexdigest()
        original = seen_hash.get(row["sha256"]) or seen_text.get(text_key)
        if original is not None:
            _mark_duplicate(row, cluster[original], 1.0, "exact copy")
            cluster[doc_id] = cluster[original]
            continue
        minhash = _minhash(row["text"], text_key, cache_dir)
        best = None
        candidates = sorted(lsh.query(minhash))
        grams = shingles(row["text"]) if candidates else set()
        for other in candidates:
            other_grams = _shingles_memo(texts[other])
            similarity = len(grams & other_grams) / max(len(grams | other_grams), 1)
            if similarity >= NEAR_DUPLICATE_THRESHOLD and (best is None or similarity > best[1]):
                best = (other, similarity)
        if best is not None:
            _mark_duplicate(row, cluster[best[0]], best[1], "near-duplicate")
            cluster[doc_id] = cluster[best[0]]
        else:
            cluster[doc_id] = doc_id
            row["duplicate_cluster"] = doc_id
        seen_hash.setdefault(row["sha256"], doc_id)
        seen_text.setdefault(text_key, doc_id)
        texts[doc_id] = row["text"]
        lsh.insert(doc_id, minhash)


@lru_cache(maxsize=256)
def _shingles_memo(text: str) -> frozenset[str]:
    """Shingles of an earlier text, computed only when it is a candidate (most texts never are)."""
    return frozenset(shingles(text))


@lru_cache(maxsize=1)
def _minhash_template() -> Any:
    """One MinHash whose permutations every other one shares (drawing them is half the cost)."""
    from datasketch import MinHash

    return MinHash(num_perm=MINHASH_PERMUTATIONS, seed=MINHASH_SEED)


def _minhash(text: str, text_key: str, cache_dir: Path | None) -> Any:
    """The MinHash of a text's word shingles, its signature cached by the text's hash."""
    import numpy as np
    from datasketch import MinHash

    template = _minhash_template()

    def signature() -> list[int]:
        minhash = template.copy()
        minhash.clear()
        minhash.update_batch([gram.encode("utf-8") for gram in sorted(shingles(text))])
        return [int(v) for v in minhash.hashvalues]

    path = None
    if cache_dir is not None:
        key = cache.key_of(cache.code_version("ingest"), "minhash", MINHASH_PERMUTATIONS, MINHASH_SEED, text_key)
        path = cache_dir / "minhash" / f"{key}.json"
    return MinHash(num_perm=MINHASH_PERMUTATIONS, seed=MINHASH_SEED, permutations=template.permutations,
                   scheme=template.scheme, hashvalues=np.array(cache.json_memo(path, signature), dtype=np.uint64))


def _mark_duplicate(row: dict[str, Any], original: str, similarity: float, kind: str) -> None:
    row.update(status="duplicate", duplicate_of=original, duplicate_cluster=original, similarity=round(similarity, 3))
    if kind == "exact copy":
        row["reason"] = f"exact copy of {original}"
    else:
        row["reason"] = f"near-duplicate of {original} (Jaccard similarity {similarity:.2f} of word 5-shingles)"
