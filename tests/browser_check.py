"""Open an exported HTML file in the system's headless Chromium and report what happened.

Shared by the browser tests (kept out of test files so both tests use one driver set-up).
Chromium is Debian's package at /usr/bin/chromium driven by Playwright; a fresh profile each time
and background networking off, so any request we see comes from the page itself.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class BrowserMissing(RuntimeError):
    pass


@dataclass
class PageReport:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    text: str = ""
    headings: list[str] = field(default_factory=list)
    pwned: object = None
    title: str = ""

    @property
    def network_requests(self) -> list[str]:
        """Requests to anything but the file itself and inline data."""
        return [url for url in self.requests if not url.startswith(("file://", "data:"))]

    @property
    def broken_images(self) -> list[str]:
        return [img["src"][:80] for img in self.images if not img["complete"] or img["naturalWidth"] <= 0]


def require_chromium() -> str:
    if not Path(CHROMIUM).exists():
        raise BrowserMissing(
            f"{CHROMIUM} is missing: install Debian's chromium (`make browser`, or "
            "`apt-get update && apt-get install -y chromium`); the browser test does not skip.")
    return CHROMIUM


def inspect_page(html: Path, screenshot: Path | None = None, width: int = 1366, height: int = 900) -> PageReport:
    """Load `html` from a file:// URL and collect errors, requests, images, text and a screenshot."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    report = PageReport()
    profile = tempfile.mkdtemp(prefix="wb-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=executable, headless=True, args=ARGS,
                viewport={"width": width, "height": height})
            try:
                page = context.new_page()
                page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: report.page_errors.append(str(e)))
                page.on("request", lambda r: report.requests.append(r.url))
                page.goto(Path(html).resolve().as_uri(), wait_until="load")
                page.wait_for_timeout(300)  # let any (unexpected) script or late request show itself
                report.images = page.evaluate(
                    "() => Array.from(document.images).map(i => ({src: i.src, complete: i.complete,"
                    " naturalWidth: i.naturalWidth}))")
                report.text = page.inner_text("body")
                report.headings = page.evaluate(
                    "() => Array.from(document.querySelectorAll('h1,h2')).map(h => h.textContent.replace('¶','').trim())")
                report.pwned = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
                report.title = page.title()
                if screenshot is not None:
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot), full_page=True)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return report


if __name__ == "__main__":  # python tests/browser_check.py build/briefing.html build/briefing.png
    import sys

    page = inspect_page(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(f"console errors: {page.console_errors}\npage errors: {page.page_errors}\n"
          f"network requests: {page.network_requests}\nbroken images: {page.broken_images}\n"
          f"sections: {page.headings}")
