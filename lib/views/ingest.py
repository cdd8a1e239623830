"""What notebook 01 shows: the corpus at a glance, what cleaning removed, exceptions, dating evidence."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from lib.core.document import snippet
from lib.ingest.dedup import MINHASH_PERMUTATIONS, NEAR_DUPLICATE_THRESHOLD, SHINGLE_WORDS
from lib.ingest.describe import LANGDETECT_SEED, MIN_ARTICLE_WORDS
from lib.ingest.folder import as_date, list_entries
from lib.ingest.read import MAX_BYTES
from lib.views.report import new_figure

# ----------------------------------------------------------------------------------------------
# What the notebook shows: summaries, audits, the timeline, and gold scores

RULES: dict[str, str] = {
    "title": "the headline line (moved to documents.title)",
    "repeated_headline": "the headline printed again above the body",
    "byline": "the author line (moved to documents.author; its date to published)",
    "dateline": "a line holding only a publication/update date, or a wire dateline prefix",
    "site_banner": "a line above the headline that is neither headline, byline nor date: site name, banner, tagline",
    "masthead": "a line above the headline naming a news outlet (moved to documents.outlet)",
    "navigation": "page furniture such as 'close', 'Menu', 'Advertisement'",
    "share_counter": "a lone number (share or comment counter)",
    "buttons": "a row of tool buttons ('Save', 'Print', 'A A')",
    "section_label": "a one-word genre or section label ('Analysis', 'News')",
    "section_trail": "a breadcrumb of site sections ('WORLD NEWS > EUROPE > ...')",
    "photo_caption": "a photo caption or credit ('... /AFP via Getty Images'), with its description line",
    "promo": "a block promoting other articles ('Other topics of interest', 'Read more:') and its headlines",
    "promo_teaser": "the one-paragraph teaser of a promoted article",
    "call_to_action": "newsletter sign-ups, share prompts, tag lists, editing credits",
    "markup_debris": "a line with no letter or digit (bullets, rules)",
    "link_markup": "markdown link syntax; the link text is kept",
    "image_markup": "markdown image syntax",
    "html_tag": "an HTML tag; its text content is kept",
    "html_script": "an HTML script or style element with its content",
    "html_comment": "an HTML comment",
    "html: script (never run)": "a web page's script, kept as text for audit and never run",
    "html: style": "a web page's style sheet",
    "html: noscript": "a web page's noscript block",
    "html: template": "a web page's template block",
    "html: not main content": "a visible block of the page the extractor left out (navigation, related links, footer)",
    "html: markup in text": "tag-shaped text printed on the page; removed so no markup reaches the body",
}


BASIS_STYLE = {"metadata": ("black", "given by metadata"), "html": ("black", "page markup"),
               "dateline": ("black", "printed in the text"), "timestamp": ("black", "printed in the text"),
               "byline": ("black", "printed in the text"), "inferred": ("none", "inferred from the text's dates")}
BASIS_MEANING = {
    "metadata": "metadata.csv or the export's date field",
    "html": "the page's markup (meta tags, <time>, JSON-LD) read by htmldate",
    "dateline": "a wire dateline printed in the text",
    "timestamp": "a printed 'Published:'/'Updated' or date-only header line",
    "byline": "a date on the byline line",
    "inferred": "the dates the text reports as past or to come (a day only when the bounds meet)",
    "inferred from": "a weekday tied to an event another document dates (window of a week)",
}


def basis_family(basis: Any) -> str | None:
    """'inferred from <doc_id>' -> 'inferred from'; the other bases as they are; None when missing."""
    if not isinstance(basis, str):
        return None
    return "inferred from" if basis.startswith("inferred from") else basis


def limits_markdown() -> str:
    """The documented limits as a sentence, generated from the constants the code uses."""
    return (f"Files over **{MAX_BYTES:,} bytes** are rejected; a text needs at least **{MIN_ARTICLE_WORDS} words** "
            f"after cleaning and must be detected as English (langdetect, seed {LANGDETECT_SEED}); a text whose word "
            f"{SHINGLE_WORDS}-shingles have a Jaccard similarity of at least **{NEAR_DUPLICATE_THRESHOLD:.2f}** with an "
            f"earlier one is a near-duplicate (MinHash LSH, {MINHASH_PERMUTATIONS} permutations, candidates verified exactly).")


def overview_markdown(documents: pd.DataFrame) -> str:
    """One paragraph on the corpus, generated from the table (no hand-written corpus facts)."""
    counts = documents["status"].value_counts()
    metadata = int(counts.get("metadata", 0))
    ok_rows = documents[documents["status"] == "ok"]
    days_known = int(ok_rows["published"].notna().sum())
    bounded = int((ok_rows["published"].isna() & (ok_rows["published_earliest"].notna()
                                                   | ok_rows["published_latest"].notna())).sum())
    ok = len(ok_rows)
    parts = [f"**{len(documents)}** entries found: **{ok}** ok, **{int(counts.get('duplicate', 0))}** duplicate, "
             f"**{int(counts.get('rejected', 0))}** rejected" + (f", **{metadata}** metadata sidecar(s)." if metadata else ".")]
    if ok:
        parts.append(f"Of the ok documents, {days_known} have a known publication day, {bounded} only bounds "
                     f"(earliest/latest) and {ok - days_known - bounded} no date evidence; "
                     f"{int(ok_rows['title'].notna().sum())} have a headline, {int(ok_rows['author'].notna().sum())} a byline "
                     f"and {int(ok_rows['outlet'].notna().sum())} name their outlet.")
    return " ".join(parts)


def iso(value: Any) -> str | None:
    day = as_date(value)
    return day.isoformat() if day else None


def corpus_at_a_glance(documents: pd.DataFrame) -> pd.DataFrame:
    """One row per entry with its fate and metadata (ISO dates, word counts)."""
    return pd.DataFrame({
        "doc_id": documents["doc_id"].tolist(),
        "status": documents["status"].tolist(),
        "title": documents["title"].tolist(),
        "author": documents["author"].tolist(),
        "outlet": documents["outlet"].tolist(),
        "published": [iso(v) for v in documents["published"]],
        "basis": documents["published_basis"].tolist(),
        "n_words": [None if pd.isna(v) else int(v) for v in documents["n_words"]],
    })


def removed_items(documents: pd.DataFrame) -> pd.DataFrame:
    """Every removed string as a row: doc_id, position (order of recording), rule, text."""
    rows = []
    for doc_id, removed in zip(documents["doc_id"], documents["removed"]):
        if not isinstance(removed, str):
            continue
        for position, item in enumerate(json.loads(removed)):
            rows.append({"doc_id": doc_id, "position": position, "rule": item["rule"], "text": item["text"]})
    return pd.DataFrame(rows, columns=["doc_id", "position", "rule", "text"])


def _rule_order(rules: set[str]) -> list[str]:
    return [rule for rule in RULES if rule in rules] + sorted(rules - set(RULES))


def removal_counts(documents: pd.DataFrame) -> pd.DataFrame:
    """Removed strings per document (rows) and rule (columns, in RULES order), with a total."""
    items = removed_items(documents)
    if items.empty:
        return pd.DataFrame({"doc_id": [], "total": []})
    counts = items.pivot_table(index="doc_id", columns="rule", values="position", aggfunc="count", fill_value=0)
    counts = counts[_rule_order(set(counts.columns))].astype(int)
    counts["total"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.reset_index()


def removal_examples(documents: pd.DataFrame, per_rule: int = 3) -> pd.DataFrame:
    """For each rule, what it means and its first few removals (distinct texts, in document order)."""
    items = removed_items(documents)
    rows = []
    for rule in _rule_order(set(items["rule"])):
        subset = items[items["rule"] == rule].drop_duplicates("text").head(per_rule)
        for record in subset.itertuples():
            rows.append({"rule": rule, "meaning": RULES.get(rule, ""), "doc_id": record.doc_id,
                         "removed text": snippet(record.text, 120)})
    return pd.DataFrame(rows, columns=["rule", "meaning", "doc_id", "removed text"])


def exceptions(documents: pd.DataFrame) -> pd.DataFrame:
    """Duplicates and rejections with their reasons, plus ok files that carry a warning."""
    mask = (documents["status"] != "ok") | documents["warnings"].notna()
    return documents.loc[mask, ["doc_id", "source_path", "status", "reason", "duplicate_of", "warnings"]].reset_index(drop=True)


def dating_evidence(documents: pd.DataFrame) -> pd.DataFrame:
    """How each ok document's date and outlet were obtained, or why they are unknown: the day
    when known, else the window (earliest..latest) the evidence allows, with the basis."""
    ok = documents[documents["status"] == "ok"]
    return pd.DataFrame({
        "doc_id": ok["doc_id"].tolist(),
        "published": [iso(v) for v in ok["published"]],
        "earliest": [iso(v) for v in ok["published_earliest"]],
        "latest": [iso(v) for v in ok["published_latest"]],
        "basis": ok["published_basis"].tolist(),
        "date evidence": ok["published_note"].tolist(),
        "outlet": ok["outlet"].tolist(),
        "outlet evidence": ok["outlet_basis"].tolist(),
    })


def dating_bases(documents: pd.DataFrame) -> pd.DataFrame:
    """Ok documents per dating basis ('inferred from <doc_id>' counted together), with what each
    basis means and how many of them give the day rather than only bounds."""
    ok = documents[documents["status"] == "ok"]
    families = [basis_family(b) or "none" for b in ok["published_basis"]]
    frame = pd.DataFrame({"basis": families, "day": ok["published"].notna().tolist()})
    rows = [{"basis": basis, "meaning": BASIS_MEANING.get(basis, "no date evidence in the text"),
             "documents": int((frame["basis"] == basis).sum()), "with a day": int(frame.loc[frame["basis"] == basis, "day"].sum())}
            for basis in [*BASIS_MEANING, "none"] if (frame["basis"] == basis).any()]
    return pd.DataFrame(rows, columns=["basis", "meaning", "documents", "with a day"])


def timeline_figure(documents: pd.DataFrame):
    """Publication dates of the ok documents: known days filled (hollow when inferred), windows
    (earliest..latest) as a grey bar, a lone lower bound as an arrow; undated documents keep their
    row with a note, so they are not silently missing."""
    import matplotlib.dates as mdates


    ok = documents[documents["status"] == "ok"].reset_index(drop=True)
    figure = new_figure(8.0, max(2.5, 0.45 * len(ok) + 1.3))
    axes = figure.add_subplot()
    days = [as_date(v) for v in ok["published"]]
    lows, highs = [as_date(v) for v in ok["published_earliest"]], [as_date(v) for v in ok["published_latest"]]
    known = [d for d in days + lows + highs if d is not None]
    low = min(known) - timedelta(days=3) if known else date(2000, 1, 1)
    high = max(known) + timedelta(days=3) if known else date(2000, 1, 31)
    for basis, (face, label) in BASIS_STYLE.items():
        points = [(d, i) for i, (d, b) in enumerate(zip(days, ok["published_basis"]))
                  if d is not None and (basis_family(b) or "").removesuffix(" from") == basis]
        if points:
            axes.scatter([pd.Timestamp(d) for d, _ in points], [i for _, i in points], s=60, facecolors=face,
                         edgecolors="black", label=label, zorder=3)
    for i, (day, early, late) in enumerate(zip(days, lows, highs)):
        if day is None and (early or late):
            start, end = early or low, late or high
            axes.plot([pd.Timestamp(start), pd.Timestamp(end)], [i, i], color="grey", linewidth=4, alpha=0.5, zorder=2)
        elif day is None:
            axes.text(pd.Timestamp(low), i, "  no date evidence", va="center", fontsize=8, color="grey")
    axes.set_yticks(range(len(ok)), ok["doc_id"].tolist())
    axes.set_ylim(len(ok) - 0.5, -0.7)
    axes.set_xlim(pd.Timestamp(low), pd.Timestamp(high))
    for i, (day, early, late) in enumerate(zip(days, lows, highs)):
        if day is None and early and not late:  # a lower bound only: the true date lies to the right
            axes.annotate("", xy=(pd.Timestamp(min(early + timedelta(days=2), high)), i), xytext=(pd.Timestamp(early), i),
                          arrowprops={"arrowstyle": "->", "color": "grey", "linestyle": "--"})
    locator = mdates.AutoDateLocator(maxticks=6)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    axes.set_title("Publication dates of the ok documents")
    axes.set_xlabel("published")
    if known:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def accounting(documents: pd.DataFrame, corpus: str | Path) -> pd.DataFrame:
    """Every entry on disk has its rows (one, or one per export record), and every row an entry."""
    on_disk = list_entries(Path(corpus))
    in_table = documents["source_path"].tolist()
    numbers = documents["record_no"] if "record_no" in documents else pd.Series([None] * len(documents))
    single = pd.Series([p for p, n in zip(in_table, numbers) if pd.isna(n)], dtype=object)
    return pd.DataFrame([
        {"check": "entries found in the corpus folder", "value": len(on_disk)},
        {"check": "rows in documents", "value": len(in_table)},
        {"check": "rows that are export records", "value": int(numbers.notna().sum())},
        {"check": "entries without a row", "value": len(set(on_disk) - set(in_table))},
        {"check": "rows without an entry", "value": len(set(in_table) - set(on_disk))},
        {"check": "single-article entries with more than one row", "value": int((single.value_counts() > 1).sum())},
        {"check": "doc_id unique (1 = yes)", "value": int(documents["doc_id"].is_unique)},
        {"check": "ok rows whose n_chars differs from their text", "value": int(sum(
            1 for status, text, n in zip(documents["status"], documents["text"], documents["n_chars"])
            if status == "ok" and len(text) != n))},
    ])
