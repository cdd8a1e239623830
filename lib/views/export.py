"""HTML exports of executed notebooks: every notebook for researchers, the briefing for readers.

Why our own template: nbconvert's lab template links require.js, MathJax and mermaid from a CDN.
An exported briefing must work offline, from a file, and must never call a network address (a
reader's browser should not tell a CDN what they are reading). So we extend the lab template with
those script blocks emptied, keep its inlined CSS, add our own screen and print CSS, and embed every
image (nbconvert inlines matplotlib PNGs as data: URIs). A last pass strips any remote <script> or
<link> that a future template might add, so the guarantee does not rest on nbconvert internals."""

from __future__ import annotations

import re
from pathlib import Path

# Blocks of nbconvert's lab/index.html.j2 that load scripts from the network: emptied.
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style type="text/css">{{ resources.workbook_css }}</style>{%- endblock extra_css -%}
"""


# Readable on a laptop (a measure of ~75 characters for prose, tables allowed wider) and in print.
BASE_CSS = """
body.jp-Notebook, body { font-size: 15px; }
main, .jp-Notebook { max-width: 1180px; margin: 0 auto; }
.jp-RenderedHTMLCommon p, .jp-RenderedMarkdown p { max-width: 80ch; line-height: 1.5; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
table.wb-table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 13px; width: 100%; }
table.wb-table caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
.jp-RenderedHTMLCommon table.wb-table th, .jp-RenderedHTMLCommon table.wb-table td,
table.wb-table th, table.wb-table td { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left;
  vertical-align: top; white-space: normal; overflow-wrap: break-word; max-width: none; }
.jp-RenderedHTMLCommon table.wb-table { table-layout: auto; }
table.wb-table th { background: #f3f5f8; }
.jp-RenderedHTMLCommon table.wb-table td.num, table.wb-table td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.wb-table td.empty { color: #57606a; font-style: italic; }
p.wb-note { color: #57606a; font-size: 12px; }
.side-by-side { display: flex; gap: 1.5em; align-items: flex-start; }
.side-by-side > div { flex: 1 1 0; min-width: 0; }
.bluf { border-left: 4px solid #1f4e79; padding: 0.2em 1em; background: #f5f8fc; }
.bluf p { margin: 0.5em 0; font-size: 16px; }
header.briefing-header { border-bottom: 2px solid #1f4e79; margin-bottom: 1em; }
header.briefing-header h1 { margin: 0.2em 0; }
.briefing-meta { color: #24292f; }
@media (max-width: 900px) { .side-by-side { display: block; } }
@media print {
  body, body.jp-Notebook { font-size: 11pt; background: #fff; }
  main, .jp-Notebook { max-width: none; }
  .jp-Cell { break-inside: auto; }
  tr, img, .bluf, header.briefing-header { break-inside: avoid; }
  h2 { break-after: avoid; }
  a.anchor-link { display: none; }
  .side-by-side { display: block; }
  table.wb-table { font-size: 9pt; }
}
"""


_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>", re.IGNORECASE)


_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)


_HEADER = re.compile(r'<header class="briefing-header" data-corpus="([^"]*)" data-documents="(\d+)" data-as-of="([^"]*)"')


def strip_remote(html: str) -> str:
    """Remove any <script src> or <link href> pointing at a network address."""
    return _REMOTE_LINK.sub("", _REMOTE_SCRIPT.sub("", html))


def header_first(nb) -> None:
    """Move the generated briefing header (corpus, documents, as-of) above everything else, so a
    reader of the exported page sees what the briefing covers before the notebook's title."""
    import nbformat

    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for output in outputs:
            if _HEADER.search(str(output.get("data", {}).get("text/html", ""))):
                outputs.remove(output)
                holder = nbformat.v4.new_code_cell(source="", outputs=[output])
                holder.id = "briefing-header"
                nb.cells.insert(0, holder)
                return


def briefing_title(nb) -> str | None:
    """The title from the header the synthesis notebook displays (corpus name, documents, as-of)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            found = _HEADER.search(str(output.get("data", {}).get("text/html", "")))
            if found:
                corpus, n_docs, as_of = found.groups()
                return f"Briefing: {corpus} ({n_docs} documents, as of {as_of})"
    return None


def render(nb, hide_code: bool = False, title: str | None = None) -> str:
    """One notebook node as a self-contained, offline HTML page."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"offline.html.j2": OFFLINE_TEMPLATE})])
    exporter.template_file = "offline.html.j2"
    exporter.exclude_input = hide_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    if title:
        nb.metadata["title"] = title  # the lab template reads the <title> from here
    body, _ = exporter.from_notebook_node(nb, resources={"workbook_css": BASE_CSS})
    return strip_remote(body)


def _export(executed: Path, target: Path, hide_code: bool = False, title: str | None = None) -> None:
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    if hide_code and title is None:
        title = briefing_title(nb)
        header_first(nb)
    html = render(nb, hide_code=hide_code, title=title or Path(executed).stem)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


def export_notebook(executed: Path, target: Path) -> None:
    """The full workings, code included, for researchers."""
    _export(executed, target, hide_code=False)


def export_briefing(executed: Path, target: Path) -> None:
    """The synthesis notebook as a report: code hidden, titled after the corpus and as-of date."""
    _export(executed, target, hide_code=True)
