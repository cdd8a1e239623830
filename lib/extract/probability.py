"""Estimative probability: the ICD 203 bands and the workbook modal rules a forecast phrase maps to (lib/data/estimative_probability.csv, forecast_modals.csv)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from lib.core.config import DATA_DIR

ICD_CSV = DATA_DIR / "estimative_probability.csv"


MODALS_CSV = DATA_DIR / "forecast_modals.csv"


ICD_SCALE = "ICD 203"


MODAL_SCALE = "workbook modal rule"


HAPPENS, NOT_HAPPENS = "happens", "does not happen"


PREDICTION, INTENTION = "prediction", "intention"


@dataclass(frozen=True)
class Band:
    phrase: str
    band: str | None
    low: float | None
    high: float | None
    scale: str
    rule: str
    kind: str | None = None  # 'prediction', 'intention', or None: decided by who acts (plain 'will')


def _float(value: str) -> float | None:
    return float(value) if value and value.strip() else None


@lru_cache(maxsize=1)
def icd_scale() -> dict[str, Band]:
    """ICD 203 words of estimative probability, keyed by phrase."""
    with ICD_CSV.open(encoding="utf-8") as handle:
        return {r["phrase"]: Band(r["phrase"], r["band"], _float(r["low"]), _float(r["high"]), ICD_SCALE,
                                  f"ICD 203 '{r['band']}'", PREDICTION) for r in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def modal_rules() -> dict[str, Band]:
    """The workbook's documented rule for modals and phrases no scale lists, keyed by phrase."""
    with MODALS_CSV.open(encoding="utf-8") as handle:
        return {r["phrase"]: Band(r["phrase"], r["band"] or None, _float(r["low"]), _float(r["high"]),
                                  r["scale"], r["rule"], r.get("kind") or None) for r in csv.DictReader(handle)}


def scale_table() -> pd.DataFrame:
    """Both scales as one table for the notebook: what each phrase maps to and why."""
    rows = [{"phrase": b.phrase, "band": b.band, "low": b.low, "high": b.high, "scale": b.scale, "rule": b.rule}
            for b in list(icd_scale().values()) + list(modal_rules().values())]
    return pd.DataFrame(rows)


def _contains_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def band_for(normalised: list[str]) -> Band | None:
    """The band of a probability phrase given as normalised parts in priority order.

    Order: the whole phrase as a workbook row ('would likely', 'very little chance'); then the
    longest ICD 203 phrase inside it (an estimative word governs a modal); then each part by
    priority (outer triggers such as 'expected to' before the modal inside them).
    """
    whole = " ".join(normalised)
    rules, icd = modal_rules(), icd_scale()
    if whole in rules:
        return rules[whole]
    for phrase in sorted(icd, key=len, reverse=True):
        if _contains_phrase(whole, phrase):
            return icd[phrase]
    for part in normalised:
        if part in rules:
            return rules[part]
        if part in icd:
            return icd[part]
    return None
