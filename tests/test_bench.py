"""The benchmark report states each target as met or missed from the numbers, never by default, and
the saved web pages it measures hold the same articles as its text files."""

import json
import re
from html.parser import HTMLParser

from lib.bench import corpus as benchgen
from lib.bench import run as bench


def _result(size: int, build: float, extract: float, floor: float, incremental: float, peak: float,
            floor_peak: float | None = None) -> dict:
    stages = {"ingest": 0.1 * build, "extract": extract, "claims": 0.1 * build}
    return {"size": size, "documents": size, "tokens": 230 * size, "stages": stages,
            "build_seconds": build, "build_peak_mb": peak, "store_mb": size / 100,
            "step_peak_mb": {name: peak for name in stages}, "floor_seconds": floor, "n_process": 2,
            "floor_peak_mb": floor_peak or peak, "incremental_seconds": incremental,
            "incremental_runs_seconds": [incremental, incremental * 1.2, incremental * 0.9],
            "incremental_stages": {name: incremental / 3 for name in stages}}


def test_targets_met_are_reported_as_met():
    text = bench.results_markdown([_result(100, 10, 5, 4, 0.5, 500), _result(1000, 60, 30, 25, 5, 520)])
    assert "Extraction / spaCy floor <= 1.5 at 1,000 documents: 1.20, met." in text
    assert "costs <= 10% of the full build at 1,000 documents: 8.3%, met (median" in text
    assert "MISSED" not in text
    assert "(median of 5.0, 6.0, 4.5 s against 60.0 s)" in text


def test_targets_missed_are_reported_as_missed():
    text = bench.results_markdown([_result(100, 10, 5, 4, 0.5, 500), _result(1000, 200, 60, 25, 50, 2000, 1500)])
    assert "2.40, MISSED" in text
    assert "25.0%, MISSED" in text
    assert "Peak RSS during each step" in text
    assert "at or under the bare spaCy floor at every size, MISSED" in text


# ------------------------------------------------------------------------------------------------
# Saved web pages: the HTML corpus and its rows in the report

VOID_ELEMENTS = {"meta", "link", "br", "img", "input", "hr", "source"}


class _Page(HTMLParser):
    """What a browser shows of a page, the article's paragraphs apart, and whether every tag closes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.unbalanced: list[str] = []
        self.visible: list[str] = []
        self.paragraphs: list[str] = []
        self.h1 = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)
        if tag == "p" and "article" in self.open:
            self.paragraphs.append("")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.unbalanced.append(tag)

    def handle_data(self, data: str) -> None:
        if {"head", "script", "style"} & set(self.open):
            return
        self.visible.append(data)
        if "article" in self.open and "p" in self.open:
            self.paragraphs[-1] += data
        if self.open and self.open[-1] == "h1":
            self.h1 += data


def _parsed(path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_html_pages_show_the_text_files_sentences_inside_page_furniture(tmp_path):
    pages = benchgen.write_html_corpus(tmp_path / "html", 3)
    texts = benchgen.write_corpus(tmp_path / "text", 3)
    for page_path, text_path in zip(pages, texts, strict=True):
        article = benchgen.compose(int(page_path.name[:5]))
        page = _parsed(page_path)
        assert page.open == [] and page.unbalanced == [], page_path.name
        visible = " ".join(page.visible)
        body_lines = [line for line in text_path.read_text(encoding="utf-8").splitlines()[3:] if line]
        sentences = [s for line in body_lines for s in re.split(r"(?<=[.?!\"])\s+(?=[A-Z\"])", line)]
        assert len(sentences) > len(body_lines) and all(s in visible for s in sentences)
        assert [p for p in page.paragraphs if p in body_lines] == body_lines  # one <p> per paragraph, in order
        assert page.h1 == article.headline
        raw = page_path.read_text(encoding="utf-8")
        for furniture in ("<!DOCTYPE html>", 'property="og:title"', 'property="article:published_time"', "<nav",
                          'id="cookie-consent"', "<script>", f'<time datetime="{article.published.isoformat()}T',
                          '<aside class="related"', "<footer"):
            assert furniture in raw, furniture
        assert "gtag(" not in visible  # script text is not page text
    assert [p.read_bytes() for p in pages] == [p.read_bytes() for p in benchgen.write_html_corpus(tmp_path / "again", 3)]


def _html_result(pages: int = 200, html_words: float = 231) -> dict:
    def build(ingest: float, extract: float, words: float) -> dict:
        stages = {"ingest": ingest, "extract": extract, "claims": 1.0, "synthesis": 1.0}
        return {"files": pages, "stages": stages, "build_seconds": sum(stages.values()), "statuses": {"ok": pages},
                "mean_words": words}

    return {"pages": pages, "text": build(1.0, 8.0, 231), "html": build(3.0, 8.4, html_words)}


def test_report_renders_the_html_rows_and_judges_the_text_path():
    rows = [_result(100, 10, 5, 4, 0.5, 500), _result(1000, 60, 30, 25, 5, 520)]
    previous = [{"documents": 1000, "stages": {"ingest": 6.0, "extract": 29.0}}]
    text = bench.results_markdown(rows, _html_result(), previous)
    assert "| .txt files | ok 200 | 231 | 5.0 | 40.0 | 10.0 | 55.0 |" in text
    assert "| .html pages | ok 200 | 231 | 15.0 | 42.0 | 10.0 | 67.0 |" in text
    assert ("- HTML ingest per page: reported: 15.0 ms per page against 5.0 ms per text file (x3.00); "
            "extraction 42.0 ms per page against 40.0 ms (x1.05), over 200 pages.") in text
    assert "| 1,000 | 6.00 | 6.00 | 29.00 | 30.00 |" in text
    assert "ingest 6.00 -> 6.00 ms, extraction 29.00 -> 30.00 ms per document, met." in text
    assert "page furniture" not in text
    assert text.index("## Targets") < text.index("HTML ingest per page")


def test_report_flags_a_slower_text_path_and_html_bodies_unlike_the_text():
    rows = [_result(100, 10, 5, 4, 0.5, 500), _result(1000, 60, 30, 25, 5, 520)]
    previous = [{"documents": 1000, "stages": {"ingest": 4.0, "extract": 29.0}}]
    text = bench.results_markdown(rows, _html_result(html_words=420), previous)
    assert "ingest 4.00 -> 6.00 ms, extraction 29.00 -> 30.00 ms per document, MISSED." in text
    assert "The page bodies hold 420 words on average against 231 in the text files" in text
    assert "no previous results at these sizes" in bench.results_markdown(rows, None, [])


def test_previous_results_are_read_in_both_layouts(tmp_path):
    sizes = [_result(100, 10, 5, 4, 0.5, 500)]
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(sizes))
    new.write_text(json.dumps({"sizes": sizes, "html": _html_result(), "previous_text": []}))
    expected = [{"documents": 100, "stages": {"ingest": 1.0, "extract": 5}}]
    assert bench.previous_text_path(old) == bench.previous_text_path(new) == expected
    assert bench.previous_text_path(tmp_path / "missing.json") == []
