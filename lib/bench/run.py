"""The benchmark behind `make bench`: build speed, memory and incremental cost against corpus size.

For each size a fresh process generates a synthetic corpus (lib.bench.corpus), builds every table
headless (lib.build.build_store: the stage functions the notebooks call, without kernels or HTML),
measures the floor (bare spaCy `nlp.pipe` over the same cleaned texts, same model, same n_process),
then adds one article and builds again on the warm caches. One process per size keeps the peak
memory of one size from hiding in the next. A last process builds the same articles as saved web
pages and as text files, for ingest and extraction seconds per HTML page against per text file, and
the text path is compared with the results.json this run replaces. Results go to results.md,
results.json and scaling.png.

What the ratio means: per-document extraction (parse + every extractor + writing the caches) over
the floor (parse only). Cross-document stages are timed apart, per stage, so a step that grows
faster than the corpus shows up as a rising seconds-per-1,000-documents column."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from lib.bench import corpus as benchgen
from lib.build import build_store
from lib.core import nlp, store
from lib.ingest.folder import load_documents

# Cold-parse floor and full build of 5,000 articles must fit `make bench` into 15 minutes on 2 cores.
PARALLEL_FROM = 200  # nlp.parse_texts forks workers from this many texts on; the floor does the same


SAMPLE_SECONDS = 0.05


# One re-run after adding an article varies by a third on this 2-core VM (the cold build's cache
# files are still being written back to disk); the median of three additions is the figure.
INCREMENTAL_RUNS = 3


# Saved web pages measured against the same articles as text. 200 pages reach PARALLEL_FROM, so
# extraction runs with the workers the sizes use, and by results.md's per-document figures the two
# cold builds together add well under a minute to `make bench` on 2 cores.
HTML_PAGES = 200


# The text path is judged no slower than the previous results.json when its per-document ingest and
# extraction seconds at the largest size both runs measured are within this factor: an allowance for
# run-to-run noise, judged at the largest size because a long build averages the noise out.
TEXT_PATH_TOLERANCE = 1.10


class PeakMemory:
    """Samples the RSS of this process plus all its children (spaCy's workers) in a thread."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._peak = 0
        self._step_peak = 0
        self.step_peaks_mb: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total = self._process.memory_info().rss
        for child in self._process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # a worker that just exited
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._rss()
            self._peak = max(self._peak, rss)
            self._step_peak = max(self._step_peak, rss)
            self._stop.wait(SAMPLE_SECONDS)

    def reset(self) -> None:
        self._peak = self._step_peak = self._rss()
        self.step_peaks_mb = {}

    def end_step(self, name: str) -> None:
        """Record the peak since the previous step ended: which step holds the memory."""
        rss = self._rss()
        self.step_peaks_mb[name] = max(self._step_peak, rss) / 2**20
        self._step_peak = rss

    @property
    def peak_mb(self) -> float:
        return max(self._peak, self._rss()) / 2**20

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def n_process_for(n_texts: int) -> int:
    """The n_process nlp.parse_texts picks for this many texts to parse (kept in step with it)."""
    return min(os.cpu_count() or 1, 2) if n_texts >= PARALLEL_FROM else 1


def spacy_floor(texts: list[str], model: str | None = None) -> tuple[float, int, int]:
    """Seconds, tokens and n_process of bare `nlp.pipe` over `texts`: the cost nothing can beat."""

    language = nlp.load_model(model)
    n_process = n_process_for(len(texts))
    started = time.perf_counter()
    tokens = sum(len(doc) for doc in language.pipe(texts, n_process=n_process, batch_size=32))
    return time.perf_counter() - started, tokens, n_process


def _cleaned_texts(store_path: Path) -> list[str]:

    con = store.connect(store_path, read_only=True)
    try:
        return [d.text for d in load_documents(con)]
    finally:
        con.close()


def _status_counts(store_path: Path) -> dict[str, int]:

    con = store.connect(store_path, read_only=True)
    try:
        return dict(con.execute("SELECT status, count(*) FROM documents GROUP BY status ORDER BY status").fetchall())
    finally:
        con.close()


def measure_size(size: int, work: Path) -> dict[str, Any]:
    """Every measurement of one corpus size (run in a fresh process by `main`)."""

    corpus = work / "corpus"
    benchgen.write_corpus(corpus, size)
    nlp.load_model()  # loaded before any timing: neither the build nor the floor pays for it
    result: dict[str, Any] = {"size": size}
    with PeakMemory() as memory:
        memory.reset()
        started = time.perf_counter()
        result["stages"] = build_store(work / "workbook.duckdb", corpus, after_step=memory.end_step)
        result["build_seconds"] = time.perf_counter() - started
        result["build_peak_mb"] = memory.peak_mb
        result["step_peak_mb"] = memory.step_peaks_mb
        result["store_mb"] = (work / "workbook.duckdb").stat().st_size / 2**20
        result["statuses"] = _status_counts(work / "workbook.duckdb")

        texts = _cleaned_texts(work / "workbook.duckdb")
        memory.reset()
        floor_seconds, tokens, n_process = spacy_floor(texts)
        result.update(floor_seconds=floor_seconds, tokens=tokens, n_process=n_process,
                      floor_peak_mb=memory.peak_mb, documents=len(texts))

        memory.reset()
        runs = [_add_one_article(corpus, size + i, work / f"workbook-incremental-{i}.duckdb")
                for i in range(INCREMENTAL_RUNS)]
        median = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
        result["incremental_runs_seconds"] = [seconds for seconds, _ in runs]
        result["incremental_seconds"], result["incremental_stages"] = median
        result["incremental_peak_mb"] = memory.peak_mb
    return result


def _add_one_article(corpus: Path, index: int, store_path: Path) -> tuple[float, dict[str, float]]:
    """Add one new article, as a researcher does, and rebuild on the warm caches: (seconds, per step)."""

    benchgen.write_corpus(corpus, 1, start=index)
    started = time.perf_counter()
    stages = build_store(store_path, corpus)
    return time.perf_counter() - started, stages


def _mean_words(store_path: Path) -> float:
    """Mean words of the ingested bodies: how much of each page ingest kept (the text files give the target)."""
    con = store.connect(store_path, read_only=True)
    try:
        return con.execute("SELECT coalesce(avg(n_words), 0) FROM documents WHERE status = 'ok'").fetchone()[0]
    finally:
        con.close()


def _build_written(write: Callable[[Path, int], list[Path]], n: int, work: Path) -> dict[str, Any]:
    """Write `n` articles with `write`, build them cold into a store of their own, and time every step.

    Each corpus gets its own folder, store and cache: the text and the HTML articles clean to the
    same bodies, and a shared cache would hand the second build the first one's parses.
    """
    corpus = work / "corpus"
    write(corpus, n)
    store_path = work / "workbook.duckdb"
    started = time.perf_counter()
    stages = build_store(store_path, corpus)
    return {"files": n, "stages": stages, "build_seconds": time.perf_counter() - started,
            "statuses": _status_counts(store_path), "mean_words": _mean_words(store_path)}


def _warm_up(work: Path, index: int) -> None:
    """Build article `index` (outside the measured ones) once as text and once as a page, untimed."""
    corpus = work / "corpus"
    benchgen.write_corpus(corpus, 1, start=index)
    benchgen.write_html_corpus(corpus, 1, start=index + 1)
    build_store(work / "workbook.duckdb", corpus)


def measure_html(pages: int, work: Path) -> dict[str, Any]:
    """Saved web pages against the same articles as text files: ingest and extraction per document.

    HTML parsing and body extraction are part of the ingest stage, so the ingest difference is
    what pages cost; extraction sees the extracted bodies and should cost what text does. A warm-up
    build of one text file and one page comes first, so neither timed build pays the process's
    one-time costs (the model, lazy imports, language profiles).
    """
    nlp.load_model()
    _warm_up(work / "warm-up", pages)
    return {"pages": pages,
            "text": _build_written(benchgen.write_corpus, pages, work / "text"),
            "html": _build_written(benchgen.write_html_corpus, pages, work / "html")}


def _in_child(function: str, argument: int, work: Path) -> dict[str, Any]:
    """Run `function(argument, work)` of this module in a fresh process; its JSON result comes back through a file.

    A fresh process per measurement keeps one measurement's peak memory and warm model out of the next.
    """
    work.mkdir(parents=True)
    result_path = work / "result.json"
    code = ("import json; from pathlib import Path; from lib.bench import run; "
            f"Path({str(result_path)!r}).write_text(json.dumps(run.{function}({argument}, Path({str(work)!r}))))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
    return json.loads(result_path.read_text())


def _run_size(size: int, scratch: Path) -> dict[str, Any]:
    """Measure one size in a child process."""
    return _in_child("measure_size", size, scratch / str(size))


def _derived(r: dict[str, Any]) -> dict[str, Any]:
    extract = r["stages"].get("extract", 0.0)
    return {
        "ratio": extract / r["floor_seconds"] if r["floor_seconds"] else float("nan"),
        "docs_per_s": r["documents"] / r["build_seconds"],
        "tokens_per_s": r["tokens"] / r["build_seconds"],
        "incremental_pct": 100 * r["incremental_seconds"] / r["build_seconds"],
        "cross_document_seconds": sum(v for k, v in r["stages"].items() if k != "extract"),
    }


def results_markdown(results: list[dict[str, Any]], html: dict[str, Any] | None = None,
                     previous: list[dict[str, Any]] | None = None) -> str:
    """The committed results table, with each target stated as met or missed from the numbers.

    `html` is measure_html's result; `previous` is previous_text_path's (the results this run
    replaces). Either section is left out when not given.
    """
    rows = [{**r, **_derived(r)} for r in results]
    stage_names = [k for k in rows[0]["stages"]] if rows else []
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB RAM, "
        f"Python {platform.python_version()}, {platform.system()}. Written by `make bench` "
        "(`python -m lib bench`); raw numbers in results.json.",
        "",
        "Corpus: synthetic articles from `lib/bench/corpus.py` (fixed seed; about 230 words each: a headline, "
        "byline, date, a lead and six body paragraphs drawn from templates, plus a closing line). Short "
        "articles keep the whole benchmark (three sizes, each with a cold build, a floor and three "
        "one-article additions) within 15 minutes on 2 cores; cost per token is what scales. The "
        "'+1 article' figures are the median of the three additions (all three in results.json).",
        "",
        "| documents | tokens | build s | extraction s | spaCy floor s | ratio | n_process | docs/s | tokens/s "
        "| cross-doc s | +1 article s | +1 article % | peak RSS MB (build) | peak RSS MB (floor) | store MB |",
        "|" + "---:|" * 15,
    ]
    for r in rows:
        lines.append(
            f"| {r['documents']:,} | {r['tokens']:,} | {r['build_seconds']:.1f} | {r['stages'].get('extract', 0):.1f} "
            f"| {r['floor_seconds']:.1f} | {r['ratio']:.2f} | {r['n_process']} | {r['docs_per_s']:.1f} "
            f"| {r['tokens_per_s']:,.0f} | {r['cross_document_seconds']:.1f} | {r['incremental_seconds']:.1f} "
            f"| {r['incremental_pct']:.1f} | {r['build_peak_mb']:,.0f} | {r['floor_peak_mb']:,.0f} | {r['store_mb']:.1f} |"
        )
    lines += _step_table(rows, stage_names, "Seconds per 1,000 documents, per step (a rising row means a step grows "
                         "faster than the corpus):", lambda r, name: f"{1000 * r['stages'].get(name, 0) / r['documents']:.2f}")
    if all("step_peak_mb" in r for r in rows):
        lines += _step_table(rows, stage_names, "Peak RSS during each step of the cold build, MB (process + spaCy's "
                             "worker processes):", lambda r, name: f"{r['step_peak_mb'].get(name, 0):,.0f}")
    lines += _step_table(rows, stage_names, "After adding one article (warm caches), seconds per step:",
                         lambda r, name: f"{r['incremental_stages'].get(name, 0):.2f}")
    lines += _html_table(html) if html else []
    lines += _text_path_table(rows, previous) if previous is not None else []
    lines += ["", "## Targets", ""] + _verdicts(rows)
    lines += _html_verdicts(html) if html else []
    lines += _text_path_verdicts(rows, previous) if previous is not None else []
    return "\n".join(lines) + "\n"


def _html_figures(html: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Seconds per file of ingest, extraction and the cross-document steps, for the text and the HTML build."""
    def per_file(build: dict[str, Any]) -> dict[str, float]:
        stages, files = build["stages"], build["files"]
        other = sum(v for k, v in stages.items() if k not in {"ingest", "extract"})
        return {"ingest": stages.get("ingest", 0) / files, "extract": stages.get("extract", 0) / files,
                "other": other / files, "build": build["build_seconds"] / files}

    return {kind: per_file(html[kind]) for kind in ("text", "html")}


def _statuses(counts: dict[str, int]) -> str:
    return ", ".join(f"{status} {n:,}" for status, n in sorted(counts.items()))


def _html_table(html: dict[str, Any]) -> list[str]:
    """Saved web pages and the same articles as text, side by side, per document."""
    figures = _html_figures(html)
    lines = ["", f"Saved web pages: the same {html['pages']:,} articles as .html pages (`write_html_corpus`: "
             "doctype, head with meta tags, JSON-LD and a script, cookie banner, menu, byline, `<time>`, "
             "related links, footer) and as .txt files, each built cold in a store and cache of its own. "
             "Milliseconds per document:", "",
             "| corpus | documents | words per body | ingest ms | extraction ms | cross-doc ms | build ms |",
             "|---|---|" + "---:|" * 5]
    for kind, label in (("text", ".txt files"), ("html", ".html pages")):
        f, build = figures[kind], html[kind]
        lines.append(f"| {label} | {_statuses(build['statuses'])} | {build['mean_words']:.0f} | {1000 * f['ingest']:.1f} "
                     f"| {1000 * f['extract']:.1f} | {1000 * f['other']:.1f} | {1000 * f['build']:.1f} |")
    return lines


def _times(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def _html_verdicts(html: dict[str, Any]) -> list[str]:
    """The HTML target is to report the cost per page; a body that differs from the text file's is flagged."""
    figures = _html_figures(html)
    text, page = figures["text"], figures["html"]
    out = [f"- HTML ingest per page: reported: {1000 * page['ingest']:.1f} ms per page against "
           f"{1000 * text['ingest']:.1f} ms per text file (x{_times(page['ingest'], text['ingest'])}); extraction "
           f"{1000 * page['extract']:.1f} ms per page against {1000 * text['extract']:.1f} ms "
           f"(x{_times(page['extract'], text['extract'])}), over {html['pages']:,} pages."]
    words, text_words = html["html"]["mean_words"], html["text"]["mean_words"]
    if not 0.9 * text_words <= words <= 1.1 * text_words:
        out.append(f"  - The page bodies hold {words:.0f} words on average against {text_words:.0f} in the text files: "
                   "ingest kept page furniture or lost article text, so extraction ran on other input.")
    return out


def _text_per_document(rows: list[dict[str, Any]]) -> dict[int, tuple[float, float]]:
    """documents -> (ingest, extraction) seconds per document."""
    return {r["documents"]: (r["stages"].get("ingest", 0) / r["documents"], r["stages"].get("extract", 0) / r["documents"])
            for r in rows if r["documents"]}


def _text_path_table(rows: list[dict[str, Any]], previous: list[dict[str, Any]]) -> list[str]:
    """Ingest and extraction per text document, now and in the results this run replaced, at the sizes both measured."""
    now, before = _text_per_document(rows), _text_per_document(previous)
    common = sorted(set(now) & set(before))
    if not common:
        return []
    lines = ["", "Text path against the previous results.json, milliseconds per document:", "",
             "| documents | ingest before | ingest now | extraction before | extraction now |", "|" + "---:|" * 5]
    for n in common:
        lines.append(f"| {n:,} | {1000 * before[n][0]:.2f} | {1000 * now[n][0]:.2f} | {1000 * before[n][1]:.2f} "
                     f"| {1000 * now[n][1]:.2f} |")
    return lines


def _text_path_verdicts(rows: list[dict[str, Any]], previous: list[dict[str, Any]]) -> list[str]:
    """Reading HTML must not slow the text path: judged at the largest size both runs measured, where noise is least."""
    now, before = _text_per_document(rows), _text_per_document(previous)
    common = sorted(set(now) & set(before))
    if not common:
        return ["- Text path no slower than the previous results: no previous results at these sizes to compare with."]
    n = common[-1]
    ok = all(now[n][i] <= TEXT_PATH_TOLERANCE * before[n][i] for i in (0, 1))
    return [f"- Text path no slower than the previous results (ingest and extraction per document each within "
            f"x{TEXT_PATH_TOLERANCE:.2f} at {n:,} documents): ingest {1000 * before[n][0]:.2f} -> {1000 * now[n][0]:.2f} ms, "
            f"extraction {1000 * before[n][1]:.2f} -> {1000 * now[n][1]:.2f} ms per document, {'met' if ok else 'MISSED'}."]


def _step_table(rows: list[dict[str, Any]], stage_names: list[str], title: str,
                cell: Callable[[dict[str, Any], str], str]) -> list[str]:
    """A markdown table with a row per build step and a column per corpus size."""
    lines = ["", title, "", "| step | " + " | ".join(f"{r['documents']:,} docs" for r in rows) + " |",
             "|---|" + "---:|" * len(rows)]
    return lines + [f"| {name} | " + " | ".join(cell(r, name) for r in rows) + " |" for name in stage_names]


def _verdicts(rows: list[dict[str, Any]]) -> list[str]:
    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    out = []
    at_1000 = next((r for r in rows if r["documents"] >= 1000), None)
    if at_1000:
        out.append(f"- Extraction / spaCy floor <= 1.5 at {at_1000['documents']:,} documents: "
                   f"{at_1000['ratio']:.2f}, {met(at_1000['ratio'] <= 1.5)}.")
        runs = ", ".join(f"{v:.1f}" for v in at_1000.get("incremental_runs_seconds", []))
        out.append(f"- Adding one article costs <= 10% of the full build at {at_1000['documents']:,} documents: "
                   f"{at_1000['incremental_pct']:.1f}%, {met(at_1000['incremental_pct'] <= 10)}"
                   + (f" (median of {runs} s against {at_1000['build_seconds']:.1f} s)." if runs else "."))
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        growth = (large["build_seconds"] / large["documents"]) / (small["build_seconds"] / small["documents"])
        out.append(f"- Linear cost: build seconds per document at {large['documents']:,} vs {small['documents']:,} "
                   f"documents: x{growth:.2f} ({met(growth <= 1.5)}; x1 is linear, fixed costs make small corpora dearer).")
        for name in large["stages"]:
            per_small = small["stages"].get(name, 0) / small["documents"]
            per_large = large["stages"].get(name, 0) / large["documents"]
            if per_small > 0 and per_large / per_small > 2 and large["stages"][name] > 5:
                out.append(f"  - step `{name}` grows faster than the corpus: {1000 * per_small:.2f} -> "
                           f"{1000 * per_large:.2f} s per 1,000 documents.")
        out += _memory_verdicts(rows)
    multi = [r for r in rows if r["n_process"] > 1]
    if multi:
        out.append(f"- Both cores: parsing used n_process={multi[0]['n_process']} from {PARALLEL_FROM} documents on.")
    return out


def _memory_verdicts(rows: list[dict[str, Any]]) -> list[str]:
    """Peak memory against what parsing alone needs, and what the cross-document steps hold.

    The bare spaCy floor (same model, same worker processes) is the memory no build can go below;
    a build that streams documents stays under it at every size. The cross-document steps hold the
    corpus rows in memory, which grows with the corpus like the store does.
    """
    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    small, large = rows[0], rows[-1]
    under_floor = all(r["build_peak_mb"] <= r["floor_peak_mb"] for r in rows)
    peaks = ", ".join(f"{r['build_peak_mb']:,.0f} MB (floor {r['floor_peak_mb']:,.0f}) at {r['documents']:,}"
                      for r in rows)
    out = [f"- Flat memory, parsed documents streamed: build peak RSS {peaks} documents: at or under the bare "
           f"spaCy floor at every size, {met(under_floor)}."]
    if all("step_peak_mb" in r for r in (small, large)):
        def cross_peak(r: dict[str, Any]) -> float:
            return max(v for k, v in r["step_peak_mb"].items() if k not in {"ingest", "extract"})

        per_1000 = 1000 * (cross_peak(large) - cross_peak(small)) / (large["documents"] - small["documents"])
        out.append(f"  - The cross-document steps hold the corpus rows: their peak went from {cross_peak(small):,.0f} "
                   f"to {cross_peak(large):,.0f} MB ({per_1000:+.0f} MB per 1,000 documents; the store file grew "
                   f"{large['store_mb'] - small['store_mb']:.1f} MB, compressed).")
    return out


def plot(results: list[dict[str, Any]], path: Path) -> None:
    """Time and peak memory against corpus size, log-log, with the spaCy floor for reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["documents"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(sizes, [r["build_seconds"] for r in results], "o-", label="whole build")
    left.plot(sizes, [r["stages"].get("extract", 0) for r in results], "s-", label="per-document extraction")
    left.plot(sizes, [r["floor_seconds"] for r in results], "^--", label="bare spaCy floor")
    left.plot(sizes, [r["incremental_seconds"] for r in results], "d-", label="+1 article, warm caches")
    left.set(xscale="log", yscale="log", xlabel="documents", ylabel="seconds", title="Time")
    left.legend(fontsize=8)
    right.plot(sizes, [r["build_peak_mb"] for r in results], "o-", label="build")
    right.plot(sizes, [r["floor_peak_mb"] for r in results], "^--", label="bare spaCy floor")
    right.plot(sizes, [r["store_mb"] for r in results], "s:", label="store file")
    right.set(xscale="log", xlabel="documents", ylabel="MB", title="Peak RSS (process + children)")
    right.set_ylim(bottom=0)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def previous_text_path(path: Path) -> list[dict[str, Any]]:
    """Per-size ingest and extraction seconds of the results.json about to be replaced ([] when there is none).

    Kept in the new results.json, so the report can be regenerated from it and still say whether
    the text path got slower. Reads both layouts: a list of sizes (before HTML pages were measured)
    and {"sizes": [...], ...}.
    """
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    sizes = data if isinstance(data, list) else data.get("sizes", [])
    return [{"documents": r["documents"], "stages": {k: r["stages"][k] for k in ("ingest", "extract") if k in r["stages"]}}
            for r in sizes]


def main(sizes: list[int], out: Path, html_pages: int = HTML_PAGES) -> None:
    """Measure each size and the HTML pages, then write results.md, results.json and scaling.png into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    previous = previous_text_path(out / "results.json")
    results = []
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="workbook-bench-"))  # corpora and stores: not results
    try:
        for size in sizes:
            print(f"bench: {size} documents...", file=sys.stderr, flush=True)
            results.append(_run_size(size, scratch))
            _report_progress(results[-1], started)
        html = _run_html(html_pages, scratch) if html_pages > 0 else None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = {"sizes": results, "html": html, "previous_text": previous}
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(results_markdown(results, html, previous), encoding="utf-8")
    plot(results, out / "scaling.png")


def _run_html(pages: int, scratch: Path) -> dict[str, Any]:
    """The HTML measurement in a child process, with a progress line like the sizes'."""
    print(f"bench: {pages} HTML pages and the same articles as text...", file=sys.stderr, flush=True)
    html = _in_child("measure_html", pages, scratch / "html")
    figures = _html_figures(html)
    print(f"bench: HTML ingest {1000 * figures['html']['ingest']:.1f} ms per page "
          f"(text {1000 * figures['text']['ingest']:.1f} ms), extraction {1000 * figures['html']['extract']:.1f} ms "
          f"per page (text {1000 * figures['text']['extract']:.1f} ms)", file=sys.stderr, flush=True)
    return html


def _report_progress(result: dict[str, Any], started: float) -> None:
    r = {**result, **_derived(result)}
    print(f"bench: {r['documents']} documents: build {r['build_seconds']:.1f}s, ratio {r['ratio']:.2f}, "
          f"+1 article {r['incremental_pct']:.1f}%, peak {r['build_peak_mb']:.0f} MB "
          f"({time.perf_counter() - started:.0f}s so far)", file=sys.stderr, flush=True)
