"""Command line: `python -m lib build --corpus DIR --out DIR` and friends.

Exits non-zero with a one-line reason when it cannot do what was asked. The commands import
their modules lazily so `python -m lib --help` answers without loading spaCy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="run every notebook on a corpus folder")
    build.add_argument("--corpus", required=True, type=Path, help="folder of article files")
    build.add_argument("--out", required=True, type=Path, help="output folder (store, HTML, cache)")
    build.add_argument("--model", default=None, help="spaCy model name (default: $WORKBOOK_SPACY_MODEL or the pinned small model)")
    build.add_argument("--engine", default="local", choices=["local", "dask"], help="where per-document work runs")
    build.add_argument("--scheduler", default=None, help="Dask scheduler address with --engine dask")
    build.add_argument("--as-of", default=None, help="date (YYYY-MM-DD) forecasts are judged as of")
    build.add_argument("--force", action="store_true", help="ignore caches and rebuild from scratch")
    build.add_argument("--aliases", default=None, type=Path,
                       help="a corpus's own alias file (format: lib/data/corpus_aliases.example.yaml); "
                            "same as $WORKBOOK_ALIASES")

    sub.add_parser("notebooks", help="re-execute the committed notebooks in place (before committing)")
    schema = sub.add_parser("schema", help="print the data dictionary of the store as markdown")
    schema.add_argument("--write-readme", action="store_true", help="regenerate the README's data dictionary")

    bench = sub.add_parser("bench", help="measure build speed and memory on synthetic corpora")
    bench.add_argument("--sizes", default="100,1000,5000", help="comma-separated corpus sizes")
    bench.add_argument("--out", default=Path("benchmarks/results"), type=Path)
    return parser


def _run(args: argparse.Namespace) -> None:
    if args.command == "build":
        from lib import build

        plan = build.BuildPlan(corpus=args.corpus, out=args.out, model=args.model, engine=args.engine,
                               scheduler=args.scheduler, as_of=args.as_of, force=args.force,
                               aliases=args.aliases)
        store = build.build(plan)
        print(f"wrote {store} and {args.out / 'briefing.html'}")
    elif args.command == "notebooks":
        from lib import build

        build.execute_in_place()
    elif args.command == "schema":
        from lib.core import tables
        from lib.core.config import REPO_DIR

        if args.write_readme:
            readme = REPO_DIR / "README.md"
            readme.write_text(tables.readme_with_dictionary(readme.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            print(tables.data_dictionary_markdown())
    elif args.command == "bench":
        from lib.bench import run

        run.main([int(s) for s in args.sizes.split(",") if s.strip()], args.out)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from lib.build import BuildError

    try:
        _run(args)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the CLI promises a one-line reason, not a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
