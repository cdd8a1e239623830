"""Research workbook: turns a folder of news articles into traceable evidence.

Stages (one module each): ingest -> claims -> actors/quotes -> forecasts -> synthesis.
Shared parts: nlp (the one model loader and parse cache), store (DuckDB), schema (declared
tables), text (utilities), pipeline (per-document extraction with caching).
Importing any module has no side effects.
"""

__version__ = "0.1.0"
