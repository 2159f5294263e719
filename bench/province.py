"""Server time of the busiest pages at province scale (issue 8).

    python -m bench.province                 # all four pages, n = 50 each
    python -m bench.province scorecard -n 100
    python -m bench.province save ranking --profile
    python -m bench.province --generate      # rebuild the province first

Works on the database of ``bench.generate`` (``cumthidua_bench`` on the local PostgreSQL
by default); when it holds no generated province yet it generates the default one
(40 clusters × 12 units × 150 criteria × 3 years, seed 1) first. Each page is requested
N times through Django's test client with DEBUG off (middleware, session, permission
checks, selector, template: the server time a user waits for), after one warm-up:

- ``scorecard``: GET a unit officer's own current scorecard (150 criteria, open period);
- ``save``: the htmx POST of one entry of that card (as ``bench.scoring`` does);
- ``ranking``: GET the ranking of the cluster's last published period, as the board;
- ``dashboard``: GET the board's year dashboard of the current year (40 clusters).

It prints median, p95 and max per page, the number of SQL queries of one request
(counted on a separate request) and the target of issue 8. ``--profile`` adds, per page,
the functions that took the most cumulative time over N requests (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import logging
import os
import pstats
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.scoring import DEFAULT_DATABASE, _recreate_database, _setup

PAGES = ("scorecard", "save", "ranking", "dashboard")
# Asked for by name only: the scorecard page with every cache emptied before each request
# (rows, phase bar, rubric tree: the first view after a restart). No target of its own.
EXTRA_PAGES = ("scorecard-cold",)
# Issue 8: median / p95 in milliseconds.
TARGETS = {"scorecard": (60, 120), "save": (30, 60), "ranking": (80, 150), "dashboard": (300, 500)}
# ``--split``: where a request's time goes, by wrapping what the view calls
# (module, attribute, label): permission check, selector, service, template.
SPLITS = {
    "scorecard": [
        ("scoring.views.scorecards", "scorecard_for_user", "permission"),
        ("scoring.views.scorecards", "_page", "selector scorecard_page"),
        ("scoring.views.scorecards", "card_requests", "selector card_requests"),
        ("scoring.views.scorecards", "render", "template"),
    ],
    "save": [
        ("scoring.views.scorecards", "scorecard_for_user", "permission"),
        ("scoring.services.scorecards", "entry_save", "service entry_save"),
        ("scoring.views.scorecards", "_page", "selector scorecard_page(light)"),
        ("scoring.views.scorecards", "render", "template"),
    ],
    "ranking": [
        ("scoring.views.ranking", "period_for_user", "permission"),
        ("scoring.selectors.ranking", "period_ranking", "selector period_ranking"),
        ("scoring.selectors.ranking", "totals_chart", "totals_chart"),
        ("scoring.views.ranking", "render", "template"),
    ],
    "dashboard": [
        ("scoring.views.dashboard", "board_for", "permission"),
        ("scoring.views.dashboard", "year_dashboard", "selector year_dashboard"),
        ("scoring.views.dashboard", "render", "template"),
    ],
}
DEFAULT_SIZES = {"clusters": 40, "units": 12, "criteria": 150, "years": 3}


@dataclass
class Figures:
    page: str
    times: list[float]
    queries: int
    size_kib: float
    cpu: list[float] = field(default_factory=list)
    split: dict[str, list[float]] = field(default_factory=dict)

    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, round(len(ordered) * 0.95) - 1)]

    def row(self) -> str:
        median_ms = statistics.median(self.times) * 1000
        p95_ms = self.p95() * 1000
        target = TARGETS.get(self.page)  # none for scorecard-cold
        if target is None:
            wanted, verdict = "—", "—"
        else:
            wanted = f"{target[0]:>4} / {target[1]:<4}"
            verdict = "ok" if median_ms <= target[0] and p95_ms <= target[1] else "MISSED"
        return (
            f"| {self.page:<9} | {median_ms:7.1f} | {p95_ms:7.1f} | {max(self.times) * 1000:7.1f} "
            f"| {statistics.median(self.cpu) * 1000:7.1f} | {self.queries:>7} "
            f"| {self.size_kib:6.0f} | {wanted:<11} | {verdict:<6} |"
        )


HEADER = (
    "| page      |  median |     p95 |     max | cpu med | queries |    KiB "
    "| target ms   | result |\n"
    "|-----------|---------|---------|---------|---------|---------|--------|-------------|--------|"
)


def _database_has_province(url: str) -> bool:
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        return found is not None
    return os.path.exists(url.split(":///", 1)[-1])


def find_generated() -> Any:
    """The objects the benchmarks start from, found in an already generated database."""
    from bench.generate import Generated
    from clusters.models import Cluster, ClusterYear, Profile
    from scoring.models import Period, Scorecard

    # bench.generate names its officers bench_<organizer>_officer_<n> (bench.dashboard,
    # which shares the database, writes none): the last generated province.
    profile = (
        Profile.objects.filter(role="officer", user__username__contains="_officer_")
        .select_related("unit__organizer")
        .order_by("-pk")
        .first()
    )
    if profile is None:
        return None
    organizer = profile.unit.organizer
    cluster = Cluster.objects.filter(organizer=organizer, name="Cụm thi đua số 01").first()
    board = Profile.objects.filter(organizer=organizer, role="board").first()
    current = ClusterYear.objects.filter(cluster=cluster).order_by("-year").first()
    card = (
        Scorecard.objects.filter(period__cluster_year=current, state="draft")
        .select_related("unit")
        .order_by("pk")
        .first()
    )
    if board is None or card is None:
        return None
    officer = Profile.objects.filter(unit=card.unit, role="officer").first().user
    head_officer = Profile.objects.filter(unit=current.head_unit, role="officer").first().user
    ranking_period = (
        Period.objects.filter(cluster_year__cluster=cluster, published_at__isnull=False)
        .order_by("-cluster_year__year")
        .first()
    ) or Period.objects.get(cluster_year=current, kind="year_end")
    return Generated(
        organizer=organizer,
        board=board.user,
        officer=officer,
        card=card,
        head_officer=head_officer,
        ranking_period=ranking_period,
        current_year=current.year,
    )


def changed_value(entry: Any) -> dict[str, Any]:
    """A value different from the entry's current one: every measured save writes
    (saving an unchanged value skips the write, the history and the totals)."""
    kind = entry.criterion.kind
    if kind == "pass_fail":
        return {"passed": "no" if entry.passed else "yes"}
    if kind in ("target_ratio", "relative_leader"):
        return {"achieved": str(80 + (int(entry.achieved or 0) + 1) % 40)}
    if kind == "per_occurrence":
        return {"count": str(((entry.count or 0) + 1) % 4)}
    return {"points": str((int(entry.points or 0) + 1) % 10)}


def _requests(page: str, generated: Any) -> tuple[Any, Callable[[int], Any]]:
    """The logged-in client and a function doing request number ``step`` of ``page``."""
    from django.test import Client
    from django.urls import reverse

    from scoring.models import Entry

    client = Client()
    if page == "scorecard":
        client.force_login(generated.officer)
        url = reverse("scorecard_detail", args=[generated.card.pk])
        return client, lambda step: lambda: client.get(url)
    if page == "scorecard-cold":
        from django.conf import settings
        from django.core.cache import caches

        from scoring.selectors.rubrics import forget_frozen_trees

        client.force_login(generated.officer)
        url = reverse("scorecard_detail", args=[generated.card.pk])

        def cold(step: int) -> Any:
            caches[settings.FRAGMENT_CACHE].clear()  # outside the timer
            forget_frozen_trees()
            return lambda: client.get(url)

        return client, cold
    if page == "save":
        client.force_login(generated.officer)
        card = generated.card
        entries = list(
            Entry.objects.filter(scorecard=card).order_by("criterion__order").values_list("pk")
        )

        def save(step: int) -> Any:
            # Outside the measured request: the entry's current version, as the page has it.
            entry = Entry.objects.select_related("criterion").get(
                pk=entries[step % len(entries)][0]
            )
            data = {"version": entry.version} | changed_value(entry)
            url = reverse("entry_save", args=[card.pk, entry.pk])
            return lambda: client.post(url, data, HTTP_HX_REQUEST="true")

        return client, save
    if page == "ranking":
        client.force_login(generated.board)
        url = reverse("period_ranking", args=[generated.ranking_period.pk])
        return client, lambda step: lambda: client.get(url)
    client.force_login(generated.board)
    url = reverse("year_dashboard", args=[generated.current_year])
    return client, lambda step: lambda: client.get(url)


def _one(request: Callable[[int], Any], step: int) -> tuple[Any, float, float]:
    """Request ``step``: prepared first (for a save, the entry's version), then timed
    (wall and this process's CPU time: the database server's share is not in the latter)."""
    prepared = request(step)
    cpu = time.process_time()
    started = time.perf_counter()
    response = prepared()
    return response, time.perf_counter() - started, time.process_time() - cpu


@contextmanager
def _wrapped(page: str) -> Any:
    """Accumulate the time spent in each of ``SPLITS[page]`` per request."""
    spent: dict[str, float] = {}
    originals = []
    for module_name, attribute, label in SPLITS[page]:
        module = importlib.import_module(module_name)
        original = getattr(module, attribute)
        originals.append((module, attribute, original))

        def timed(*args: Any, _original: Any = original, _label: str = label, **kwargs: Any):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - started

        setattr(module, attribute, timed)
    try:
        yield spent
    finally:
        for module, attribute, original in originals:
            setattr(module, attribute, original)


def measure(
    page: str, generated: Any, n: int, profile: bool = False, split: bool = False
) -> Figures:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _client, request = _requests(page, generated)
    response, _, _ = _one(request, 0)  # warm-up: template loading, first connection
    if response.status_code != 200:
        raise SystemExit(f"{page}: unexpected status {response.status_code}")
    times: list[float] = []
    cpu: list[float] = []
    for step in range(1, n + 1):
        response, seconds, cpu_seconds = _one(request, step)
        times.append(seconds)
        cpu.append(cpu_seconds)
        if response.status_code != 200:
            raise SystemExit(f"{page}: unexpected status {response.status_code}")
    # Queries counted apart (counting slows a request).
    prepared = request(n + 1)
    with CaptureQueriesContext(connection) as queries:
        response = prepared()
    counted = len(queries.captured_queries)  # read now: the log is not kept for long
    parts: dict[str, list[float]] = {}
    if split:
        whole = []
        for step in range(n):
            with _wrapped(page) as spent:
                _response, seconds, _cpu = _one(request, 20_000 + step)
            whole.append(seconds)
            for label, value in spent.items():
                parts.setdefault(label, []).append(value)
        parts["whole request"] = whole
    if profile:
        _profile(page, request, n)
    return Figures(page, times, counted, len(response.content) / 1024, cpu, parts)


def _profile(page: str, request: Callable[[int], Any], n: int) -> None:
    profiler = cProfile.Profile()
    for step in range(n):
        prepared = request(10_000 + step)
        profiler.enable()
        prepared()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"(scoring|clusters|covenants|core)/|template/base|template/loader", 30)
    print(f"\n--- cProfile of {n} × {page} (cumulative seconds over all requests) ---")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "pages",
        nargs="*",
        help=f"any of {', '.join(PAGES + EXTRA_PAGES)} (default: all but {EXTRA_PAGES[0]})",
    )
    parser.add_argument("-n", type=int, default=50, help="requests per page")
    parser.add_argument("--generate", action="store_true", help="rebuild the province first")
    parser.add_argument("--profile", action="store_true", help="cProfile each page too")
    parser.add_argument(
        "--split", action="store_true", help="time permission, selector, template apart"
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write the block bench:province of docs/performance.md",
    )
    args = parser.parse_args(argv)
    pages = PAGES if "all" in args.pages or not args.pages else args.pages
    unknown = set(pages) - set(PAGES) - set(EXTRA_PAGES)
    if unknown:
        parser.error(f"unknown page: {', '.join(sorted(unknown))}")
    fresh = args.generate or not _database_has_province(args.database_url)
    if fresh:
        _recreate_database(args.database_url)
    warnings.filterwarnings("ignore", message="No directory at")
    _setup(args.database_url)
    logging.getLogger("axes").setLevel(logging.WARNING)

    from django.db import connection

    from bench.generate import generate, summary

    generated = None if fresh else find_generated()
    if generated is None:
        generated = generate(**DEFAULT_SIZES, seed=1)
        print(f"generated {DEFAULT_SIZES}: {summary(generated)}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    load = os.getloadavg()
    print(
        f"{connection.vendor}, n = {args.n} per page, DEBUG off; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    figures = [measure(page, generated, args.n, args.profile, args.split) for page in pages]
    print(HEADER)
    for item in figures:
        print(item.row())
    if args.write_docs:
        from bench import report

        report.write_printed(
            "province",
            f".venv/bin/python -m bench.province -n {args.n} {' '.join(args.pages)}".strip(),
            "\n".join([HEADER, *(item.row() for item in figures)]),
            heading="Province scale, as last measured by make bench",
            markdown=True,
        )
    for item in figures:
        if item.split:
            parts = ", ".join(
                f"{label} {statistics.median(values) * 1000:.1f}"
                for label, values in item.split.items()
            )
            print(f"{item.page}, median ms per request: {parts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
