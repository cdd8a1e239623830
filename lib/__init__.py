"""Research workbook: turns a folder of news articles into traceable evidence.

Layers, imports pointing only down: core -> ingest -> extract -> corpus -> views / evaluate ->
build -> the CLI (`python -m lib`). Importing any module has no side effects.
"""

__version__ = "0.1.0"
