"""The exported briefing in a real browser: headless Debian Chromium driven by Playwright.

Checks what a reader's browser would do with build/briefing.html opened from a file: no console
errors, every image loaded, no request to any network address, the analyst's sections present,
article markup shown as text with no article script running; screenshots kept under build/.
A missing browser FAILS (with the fix named), never skips: `make test` installs it first.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from browser_check import inspect_page, require_chromium
from test_synthesis import composed_corpus, write_fixture_store

REPO = Path(__file__).resolve().parent.parent
MARKUP_CORPUS = REPO / "tests" / "fixtures" / "markup_corpus"
SCREENSHOTS = REPO / "build"
SECTIONS = ["Bottom line", "Key judgments", "Personnel deployed, present or planned", "Sources", "Contested and single-source claims",
            "Gaps", "Timeline", "Actors", "Forecasts", "Checks"]


@pytest.fixture(scope="module")
def built_corpus(tmp_path_factory):
    """The whole pipeline on the markup corpus, through the same command a user runs."""
    require_chromium()
    out = tmp_path_factory.mktemp("markup_build")
    result = subprocess.run([sys.executable, "-m", "lib", "build", "--corpus", str(MARKUP_CORPUS), "--out", str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=560)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def _assert_clean_page(page, screenshot: Path) -> None:
    assert page.console_errors == [], page.console_errors
    assert page.page_errors == [], page.page_errors
    assert page.network_requests == [], page.network_requests
    assert page.images, "the briefing shows no image at all (the troop chart is missing)"
    assert page.broken_images == [], page.broken_images
    for section in SECTIONS:
        assert section in page.headings, f"section {section!r} missing from {page.headings}"
    assert page.headings[0].startswith("Briefing: ")
    assert screenshot.exists() and screenshot.stat().st_size > 10_000


def test_exported_briefing_loads_offline_in_chromium(built_corpus):
    screenshot = SCREENSHOTS / "briefing.png"
    page = inspect_page(built_corpus / "briefing.html", screenshot)
    _assert_clean_page(page, screenshot)
    # as_of defaults to the corpus's latest publication date (lib/corpus/dates.py resolve_as_of)
    assert "Briefing: markup_corpus" in page.title and re.search(r"as of \d{4}-\d{2}-\d{2}", page.title)
    assert str(REPO) not in page.text and str(built_corpus) not in page.text  # folder names, never paths


def test_article_markup_from_the_pipeline_shows_as_text_and_never_runs(built_corpus):
    page = inspect_page(built_corpus / "briefing.html", SCREENSHOTS / "briefing-markup.png")
    assert page.pwned is None, "a script from an article ran"
    con = duckdb.connect(str(built_corpus / "workbook.duckdb"), read_only=True)
    try:
        titles = [t for (t,) in con.execute("SELECT title FROM documents WHERE status = 'ok'").fetchall() if t]
    finally:
        con.close()
    for title in titles:
        assert " ".join(title.split()) in page.text, f"title not shown as text: {title!r}"
    # Whatever markup the cleaning kept must be visible as characters, not parsed as HTML.
    if any("<" in title for title in titles):
        assert "<" in page.text


def test_composed_markup_in_titles_quotes_and_claims_is_visible_and_inert(tmp_path):
    """Independent of the upstream stages: a store we write ourselves, markup in every field."""
    require_chromium()
    import papermill

    from lib.views import export

    store_path = tmp_path / "workbook.duckdb"
    write_fixture_store(store_path, composed_corpus(markup=True))
    executed = tmp_path / "05.ipynb"
    papermill.execute_notebook(str(REPO / "notebooks" / "05_synthesis.ipynb"), str(executed),
                               parameters={"store": str(store_path), "corpus": str(tmp_path / "composed")},
                               cwd=str(REPO / "notebooks"), progress_bar=False, log_output=False)
    html = tmp_path / "briefing.html"
    export.export_briefing(executed, html)
    screenshot = SCREENSHOTS / "briefing-composed.png"
    page = inspect_page(html, screenshot)
    _assert_clean_page(page, screenshot)
    assert page.pwned is None, "a script from an article ran"
    assert "<script>window.__pwned=1</script>" in page.text
    assert '<img src=x onerror="window.__pwned=1">' in page.text
    assert "4,000–4,500" in page.text and "Kyiv's intelligence agency" in page.text
