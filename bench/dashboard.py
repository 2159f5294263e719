"""How long the board's year dashboard takes for a big organizer, and in how many
queries.

    python -m bench.dashboard                        # PostgreSQL, 40 clusters × 12 × 150
    python -m bench.dashboard -n 50 --clusters 40 --units 12 --criteria 150
    python -m bench.dashboard --database sqlite:////tmp/bench.sqlite3

Builds a throwaway organizer in its own database (``cumthidua_bench`` on the local
PostgreSQL by default; dropped and re-created at each run, never the project's own):
``--clusters`` clusters of ``--units`` member units for 2024, each with a covenant at
some stage of signing, its own rubric of ``--criteria`` criteria in 10 sections, an
open year-end period with a scorecard per unit and an entry per criterion (self and
final points), and in some clusters a secret ballot and a nomination. Everything is
written with ``bulk_create`` (the entries in batches), so building takes well under a
minute. Then it GETs the dashboard N times through Django's test client as a board
member (the server time a user waits for, DEBUG off) and prints median, p95 and max,
and the number of SQL queries of one request and of the selector alone.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.build import YEAR, build
from bench.scoring import DEFAULT_DATABASE, _recreate_database, _setup, _summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="GETs of the dashboard")
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--units", type=int, default=12)
    parser.add_argument("--criteria", type=int, default=150)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write the block bench:dashboard of docs/performance.md",
    )
    args = parser.parse_args(argv)
    _recreate_database(args.database)
    _setup(args.database)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from scoring.selectors.dashboard import year_dashboard

    built = build(clusters=args.clusters, units=args.units, criteria=args.criteria)
    print(
        f"{connection.vendor}: {args.clusters} clusters × {args.units} units × "
        f"{args.criteria} criteria, {built.entries} entries, built in {built.seconds:.1f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = Client()
    client.force_login(built.board)
    url = reverse("year_dashboard", args=[YEAR])
    first = client.get(url)
    if first.status_code != 200:
        print(f"unexpected status {first.status_code}", file=sys.stderr)
        return 1
    request: list[float] = []
    for _ in range(args.n):
        started = time.perf_counter()
        response = client.get(url)
        request.append(time.perf_counter() - started)
        assert response.status_code == 200
    selector: list[float] = []
    for _ in range(args.n):
        started = time.perf_counter()
        year_dashboard(organizer=built.organizer, year=YEAR)
        selector.append(time.perf_counter() - started)

    # Queries counted apart (counting slows a request).
    with CaptureQueriesContext(connection) as page_queries:
        client.get(url)
    with CaptureQueriesContext(connection) as selector_queries:
        board = year_dashboard(organizer=built.organizer, year=YEAR)
    printed = "\n".join(
        [
            _summary("GET the year dashboard (request)", request),
            _summary("year_dashboard selector alone", selector),
            f"queries: {len(page_queries.captured_queries)} per request, "
            f"{len(selector_queries.captured_queries)} in the selector",
        ]
    )
    if args.write_docs:
        from bench import report

        report.write_printed(
            "dashboard",
            f".venv/bin/python -m bench.dashboard -n {args.n}",
            printed,
            heading="Year dashboard, as last measured by make bench",
        )
    print(_summary("GET the year dashboard (request)", request))
    print(_summary("year_dashboard selector alone", selector))
    print(
        f"queries: {len(page_queries.captured_queries)} per request "
        f"(session, user and profile included), {len(selector_queries.captured_queries)} "
        f"in the selector; {len(board.rows)} rows, {board.totals.overdue} with overdue items; "
        f"page {len(first.content) / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
