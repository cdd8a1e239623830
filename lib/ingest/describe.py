"""Describing a cleaned text: outlet, publication date with its basis, language."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from lib.ingest import dating
from lib.ingest.clean import Cleaned, clean, day_mentions
from lib.ingest.lines import WEEKDAYS, alternation_of, outlet_aliases, outlet_vocabulary
from lib.ingest.read import Rejected

MIN_ARTICLE_WORDS = 40  # fewer words left after cleaning: no article body to analyse
MIN_RECORD_WORDS = 15  # an export's text field holds only the story (no page furniture to leave behind),
# and wire briefs run to 20-40 words; under 15 it is a headline or a teaser, not a story


LANGDETECT_SEED = 0  # langdetect is randomised; a fixed seed makes it deterministic


LANGUAGE_SAMPLE_CHARS = 2000  # the first couple of thousand characters decide as well as the whole text


# ----------------------------------------------------------------------------------------------
# Metadata: outlet and publication date


COPYRIGHT_RE = re.compile(r"(?:©|\(c\)|copyright|^\s*sources?\s*:)\s*(?:\d{4}\s*)?.{0,60}", re.IGNORECASE)


def find_outlet(cleaned: Cleaned, body: str) -> tuple[str | None, str | None]:
    """(outlet, basis). Masthead first, then a wire dateline, then self-references ('told X').

    Self-reference rule: the outlet that sources 'told' most often in the article; a reporter's
    own outlet is the one interviews are given to. Weakness: an article that cites an interview
    given to another outlet names that outlet instead.
    """
    vocab = outlet_vocabulary()
    alias_to_name = outlet_aliases()
    for line in cleaned.header_lines:
        name = alias_to_name.get(line.lower().strip(" |-–—:"))
        if name:
            return name, "masthead"
    if cleaned.title_outlet:
        return cleaned.title_outlet, "title suffix"
    for item in cleaned.removed:
        footer = COPYRIGHT_RE.search(item["text"]) if item["rule"] == "call_to_action" else None
        if footer:
            for alias in sorted(alias_to_name, key=len, reverse=True):
                if re.search(rf"\b{re.escape(alias)}\b", footer.group(0), re.IGNORECASE):
                    return alias_to_name[alias], "copyright or source line"
    for line in cleaned.header_lines[: cleaned.title_index]:
        opening = re.match(r"^(.{2,40}?)\s*(?:\||-|–|—|:|$)", line)
        if opening and opening.group(1).strip().lower() in alias_to_name:
            return alias_to_name[opening.group(1).strip().lower()], "masthead"
    if cleaned.wire_agency:
        return alias_to_name.get(cleaned.wire_agency.lower(), cleaned.wire_agency), "wire dateline"
    aliases = alternation_of([a for aliases in vocab["outlets"].values() for a in aliases])
    heads = alternation_of(vocab["outlet_heads"])
    told = re.compile(rf"\b(?:told|speaking to|said to|in an interview with|asked by)\s+(?:the\s+)?((?:{aliases})\b(?:['’]s)?|(?:The\s+)?(?:[A-Z][\w.&-]+\s+){{0,3}}(?:{heads})\b)")
    counts: Counter[str] = Counter()
    for match in told.finditer(body):
        found = re.sub(r"['’]s$", "", match.group(1)).strip()
        counts[alias_to_name.get(found.lower(), found)] += 1
    if not counts:
        return None, None
    (name, n), *others = counts.most_common()
    if others and others[0][1] == n:
        return None, None  # two outlets equally often: no basis to choose
    return name, f"self-reference (told {name} ×{n})"


FUTURE_CUE_RE = re.compile(r"\b(will|would|shall|plans?|planned|planning|expected|scheduled|set to|due|next|upcoming|as early as|by|until|before)\b", re.IGNORECASE)


def _clause_before(text: str, position: int) -> str:
    start = max(text.rfind(ch, 0, position) for ch in ".,;:!?\n")
    return text[start + 1: position]


def _is_future(text: str, mention_start: int) -> bool:
    return bool(FUTURE_CUE_RE.search(_clause_before(text, mention_start)))


def published_date(cleaned: Cleaned, full_text: str) -> tuple[date | None, str | None, str]:
    """(published, basis, note). A stated dateline wins; otherwise infer from reported dates.

    Inference rule, for a lower bound that is never silent:
    - anchors are day-precise dates WITH a year that the text reports as past (no future cue such
      as 'will', 'next', 'as early as' earlier in their clause); publication is on or after the
      latest anchor;
    - news style names events of the past week by weekday and older ones by date, so each bare
      past weekday ('said on Tuesday') is taken as the first such weekday on or after the anchor,
      and the inferred date is the latest of these.
    The note names the evidence; the true date may be later than the inferred one.
    """
    published = [(kind, m, line) for kind, m, line in cleaned.stated_dates if kind != "updated"]
    if published:
        _, mention, line = published[0]
        return mention.start, "stated", f"stated in the dateline/byline '{line}'"
    if cleaned.stated_dates:
        _, mention, line = cleaned.stated_dates[0]
        return mention.start, "stated", f"only an update date is stated ('{line}'); the first publication may be earlier"
    anchors = [m for m in day_mentions(full_text) if not _is_future(full_text, m.char_start)]
    weekday_re = re.compile(r"\b(?:on\s+|last\s+)?(" + "|".join(WEEKDAYS) + r")\b")
    covered = [(m.char_start, m.char_end) for m in day_mentions(full_text)]
    weekdays = [
        m for m in weekday_re.finditer(full_text)
        if not any(s <= m.start(1) < e for s, e in covered) and not _is_future(full_text, m.start())
    ]
    if not anchors:
        years = sorted({int(y) for y in re.findall(r"\b(?:19|20)\d{2}\b", full_text)})
        hint = f"; the latest year it names is {years[-1]}" if years else ""
        named = sorted({m.group(1) for m in weekdays}, key=WEEKDAYS.index)
        weekday_hint = f"; weekday mentions ({', '.join(named)}) cannot be anchored" if named else ""
        return None, None, f"no stated date and no day-precise past date with a year in the text{hint}{weekday_hint}"
    anchor = max(anchors, key=lambda m: (m.start, m.char_start))
    inferred = anchor.start
    used: list[str] = []
    for match in weekdays:
        target = WEEKDAYS.index(match.group(1))
        day = anchor.start + timedelta(days=(target - anchor.start.weekday()) % 7)
        if day > inferred:
            inferred = day
        used.append(match.group(1))
    weekday_note = f" and the weekdays it reports as past ({', '.join(sorted(set(used), key=WEEKDAYS.index))})" if used else ""
    return inferred, "inferred", (f"earliest date consistent with the latest past date the text reports "
                                  f"('{anchor.text}'){weekday_note}; publication may be later")


BASIS_OF_CLEANER_KIND = {"byline": "byline", "published": "timestamp", "updated": "timestamp"}


def text_date(cleaned: Cleaned, text: str, corpus_years: list[int] | None = None) -> dating.DateFinding:
    """The publication date a plain text supports, with its evidence; never a guess.

    Two readers look at the text and their evidence is merged, most trustworthy first:
    dating.date_from_text (wire datelines, 'Published:'/'Updated' lines, year-less datelines
    resolved by `corpus_years`, the bounds the reported dates set) and the cleaner's own header
    dates (bylines such as 'Jane Doe | 6 November 2024' and US numeric dates such as '11/5/2024',
    which the dating module leaves alone as ambiguous, while a header line is US-style by the
    cleaner's documented MDY rule). Without a printed date, `published` stays None and the
    lower bound goes to `earliest`: the later of the dating module's floor and the cleaner's
    weekday-advanced floor ('said on Wednesday' after 'Monday, Oct. 28').
    """
    finding = dating.date_from_text(text, corpus_years)
    if finding.stated:
        return finding
    day, basis, note = published_date(cleaned, text)
    if basis == "stated":
        kind = next(kind for kind, m, _ in cleaned.stated_dates if m.start == day)
        return dating.DateFinding(day, BASIS_OF_CLEANER_KIND[kind], note, finding.earliest, finding.latest, note)
    if day is None:
        weekdays = re.search(r"weekday mentions \([^)]*\) cannot be anchored", note)
        return replace(finding, note=f"{finding.note}; {weekdays.group()}") if weekdays and not finding.basis else finding
    if finding.published is not None or (finding.earliest and finding.earliest >= day):
        return finding
    if finding.latest and day > finding.latest:
        return finding  # the weekday rule overshoots a date the text announces: keep the text's window
    return dating.DateFinding(None, "inferred", f"no printed publication date; published on or after {day}: {note}",
                              day, finding.latest)


def finding_fields(finding: dating.DateFinding) -> dict[str, Any]:
    """The documents columns a finding fills."""
    return {"published": finding.published, "published_basis": finding.basis, "published_note": finding.note,
            "published_earliest": finding.earliest, "published_latest": finding.latest}


# ----------------------------------------------------------------------------------------------
# Language


ENGLISH_STOPWORDS = frozenset(
    "the of and to a in that is was for on it with as by at from he his said be are has have had this not but "
    "an or they their its which were will would been who also after more than over into about".split())


ENGLISH_STOPWORD_SHARE = 0.20  # English news runs at 0.28-0.37 with this list, German at 0.06


def detect_language(text: str) -> str | None:
    """ISO 639-1 code. Rule first: when at least 20% of the first words are common English
    function words the text is English (our English articles run at 28-37%, German at 6%);
    otherwise langdetect decides, seeded so that the answer never changes between runs. The rule
    keeps langdetect, the slowest step of ingest, off the common case."""
    words = re.findall(r"[a-z']+", text[:LANGUAGE_SAMPLE_CHARS].lower())
    if len(words) >= 30 and sum(w in ENGLISH_STOPWORDS for w in words) / len(words) >= ENGLISH_STOPWORD_SHARE:
        return "en"
    return _langdetect(text)


def _langdetect(text: str) -> str | None:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = LANGDETECT_SEED
    try:
        return detect(text[:LANGUAGE_SAMPLE_CHARS])
    except LangDetectException:
        return None


def describe_text(row: dict[str, Any], text: str) -> None:
    """Clean, describe and judge a decoded plain text; fills `row` (raises Rejected when no article is left)."""
    cleaned = clean(text)
    _fill_body(row, cleaned)
    outlet, outlet_basis = find_outlet(cleaned, cleaned.text)
    row.update(title=cleaned.title, author=cleaned.author, outlet=outlet, outlet_basis=outlet_basis)
    row.update(finding_fields(text_date(cleaned, text)))
    judge(row)


def describe_record(row: dict[str, Any], text: str, given: dict[str, Any], removed_before: list[dict[str, str]],
                    min_words: int = MIN_ARTICLE_WORDS) -> None:
    """Clean, describe and judge the text of a web page or export record whose source gave some
    metadata (`given`: title, author, outlet, url, the date fields, and `origin`, the outlet_basis
    for a given outlet: 'html' or 'metadata'). What the source gave wins; the text fills the gaps.
    `removed_before` (what extraction left out of the page) comes first in `removed`."""
    cleaned = clean(text, title=given.get("title"))
    _fill_body(row, cleaned, removed_before)
    outlet, outlet_basis = (given["outlet"], given["origin"]) if given.get("outlet") else find_outlet(cleaned, cleaned.text)
    row.update(title=given.get("title") or cleaned.title, author=given.get("author") or cleaned.author,
               outlet=outlet, outlet_basis=outlet_basis, url=given.get("url"))
    given_date = given.get("finding")
    row.update(finding_fields(given_date if given_date and given_date.basis else text_date(cleaned, text)))
    judge(row, min_words)


def _fill_body(row: dict[str, Any], cleaned: Cleaned, removed_before: list[dict[str, str]] | None = None) -> None:
    body = cleaned.text
    row.update(text=body, n_chars=len(body), n_words=len(body.split()),
               removed=json.dumps((removed_before or []) + cleaned.removed, ensure_ascii=False))


def judge(row: dict[str, Any], min_words: int = MIN_ARTICLE_WORDS) -> None:
    """'ok' when an English article of at least `min_words` words is left; else Rejected."""
    if row["n_words"] < min_words:
        raise Rejected(f"no article text left after cleaning ({row['n_words']} words; at least {min_words} needed)")
    row["language"] = detect_language(row["text"])
    if row["language"] != "en":
        raise Rejected(f"not English (detected language: {row['language'] or 'unknown'})")
    row["status"] = "ok"
