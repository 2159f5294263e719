"""How long the score-summary PDF of a big cluster takes to render, and its memory.

    python -m bench.reports                          # PostgreSQL, 15 units × 150 criteria
    python -m bench.reports -n 5 --units 15 --criteria 150
    python -m bench.reports --database sqlite:////tmp/bench.sqlite3

Builds one cluster of ``--units`` units with a rubric of ``--criteria`` criteria in 10
sections and a year-end period whose scorecards are all final (``bench.build.build``,
in its own throwaway database ``cumthidua_bench``), then renders the period's
score summary N times through the registered renderer, as the worker does
(``scoring.documents_reports.render_summary``: ranking, context, WeasyPrint), with
``bench.documents.measure``. Prints the first (cold) render apart, median, p95 and max
of the others, and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bench.scoring import DEFAULT_DATABASE, _recreate_database, _setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5, help="renders (the first is cold)")
    parser.add_argument("--units", type=int, default=15)
    parser.add_argument("--criteria", type=int, default=150)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write the block bench:reports of docs/performance.md",
    )
    args = parser.parse_args(argv)
    _recreate_database(args.database)
    _setup(args.database)

    from django.db import connection

    # WeasyPrint's font subsetting logs every glyph at INFO: not a figure.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from bench.build import build
    from bench.documents import measure, report
    from scoring.documents_reports import KIND

    built = build(clusters=1, units=args.units, criteria=args.criteria, all_final=True)
    period = built.periods[0]
    print(
        f"{connection.vendor}: 1 cluster × {args.units} units × {args.criteria} criteria, "
        f"{built.entries} entries, built in {built.seconds:.1f} s"
    )
    # One more render than asked: the first (cold) one is reported apart.
    result = measure(KIND, period, args.n + 1, sign=False)
    print(report(result))
    if args.write_docs:
        from bench.report import write_printed

        write_printed(
            "reports",
            f".venv/bin/python -m bench.reports -n {args.n}  # target ≤ 6 s",
            report(result),
            heading="Score summary PDF, as last measured by make bench",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
