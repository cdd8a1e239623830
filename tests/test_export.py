"""The HTML export: offline (no network address anywhere a browser would fetch), code hidden in the
briefing, header first and in the title, images embedded."""

from __future__ import annotations

import base64
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lib.views import export

# A 1x1 PNG: stands for a matplotlib figure output.
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a5d70000000049454e44ae426082")).decode()
HEADER = ('<header class="briefing-header" data-corpus="my_corpus" data-documents="7" data-as-of="2026-11-23">'
          "<h1>Briefing: my_corpus</h1></header>")


def _notebook(tmp_path):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        new_markdown_cell("# 05 · Synthesis\n\nSome $x^2$ maths that must not pull MathJax from a CDN."),
        new_code_cell("secret_code_line = 1\nbriefing.header", outputs=[
            new_output("display_data", data={"text/html": HEADER, "text/plain": "header"})]),
        new_markdown_cell("## Bottom line"),
        new_code_cell("figure", outputs=[new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]),
    ]
    path = tmp_path / "05.ipynb"
    nbformat.write(nb, path)
    return path


def _fetched_urls(html: str) -> list[str]:
    """Every URL a browser would fetch: src/href attributes, CSS url(), @import."""
    urls = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html, re.IGNORECASE)
    urls += re.findall(r"""url\(\s*["']?([^"')]+)""", html)
    urls += re.findall(r"""@import\s+["']([^"']+)""", html)
    return [u for u in urls if not u.startswith(("data:", "#"))]


def test_briefing_export_is_offline_with_code_hidden_and_header_first(tmp_path):
    target = tmp_path / "briefing.html"
    export.export_briefing(_notebook(tmp_path), target)
    html = target.read_text(encoding="utf-8")
    assert _fetched_urls(html) == []
    assert "<script" not in html.lower()
    assert "secret_code_line" not in html
    assert "<title>Briefing: my_corpus (7 documents, as of 2026-11-23)</title>" in html
    assert html.index('class="briefing-header"') < html.index("05 · Synthesis")
    assert f"data:image/png;base64,{PNG[:20]}" in html
    assert "@media print" in html


def test_notebook_export_shows_code_and_stays_offline(tmp_path):
    target = tmp_path / "nb.html"
    export.export_notebook(_notebook(tmp_path), target)
    html = target.read_text(encoding="utf-8")
    assert "secret_code_line" in html
    assert _fetched_urls(html) == []


def test_strip_remote_removes_remote_scripts_and_links_only():
    html = ('<script src="https://cdn.example/x.js"></script><script src="//cdn.example/y.js"></script>'
            '<link rel="stylesheet" href="http://cdn.example/s.css"><p>keep</p><img src="data:image/png;base64,AA">')
    out = export.strip_remote(html)
    assert "cdn.example" not in out and "<p>keep</p>" in out and "data:image/png" in out
