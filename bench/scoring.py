"""How long saving one score entry takes on the server, and how a big scorecard page
costs in queries.

    python -m bench.scoring                     # PostgreSQL on 127.0.0.1, 150 criteria
    python -m bench.scoring -n 300 --criteria 150 --units 30
    python -m bench.scoring --database sqlite:////tmp/bench.sqlite3

Builds a throwaway world in its own database (``cumthidua_bench`` on the local
PostgreSQL by default; dropped and re-created at each run, never the project's own):
one cluster of ``--units`` member units, a rubric of ``--criteria`` criteria in 10
sections (every kind, including the relative-to-leader one that recomputes the whole
cluster), an open year-end period. Then it times, N times each:

- ``service``: ``scoring.services.scorecards.entry_save`` alone (lock, check, write,
  history, recompute, totals, commit);
- ``request``: the whole htmx POST through Django's test client (middleware, session,
  permission checks, the service and the row fragment), which is the server time a
  user waits for;
- the relative-to-leader criterion separately, since it recomputes every unit.

It prints median, p95 and max per case, and the number of SQL queries of one save and
of the scorecard page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/cumthidua_bench"


def _recreate_database(url: str) -> None:
    if not url.startswith("postgres"):
        path = url.split(":///", 1)[-1]
        if path and os.path.exists(path):
            os.remove(path)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("JOB_RUNNER", "inline")
    # Measured as production runs: DEBUG off (no query log, cached templates). The
    # test client speaks plain HTTP to "testserver" and static files are not collected.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _build(criteria: int, units: int):  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from clusters.models import Cluster, ClusterYear, Membership, Organizer, Profile, Unit
    from covenants.models import Covenant, Target, TargetValue
    from scoring.models import Criterion, Rubric
    from scoring.selectors.rubrics import stored_params
    from scoring.services.periods import period_create, period_open

    organizer = Organizer.objects.create(
        name="Hội đồng Thi đua - Khen thưởng tỉnh Đo Thử",
        level=Organizer.Level.PROVINCE,
        parent_body="UBND TỈNH ĐO THỬ",
        issuing_body="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        place_name="Đo Thử",
    )
    cluster = Cluster.objects.create(organizer=organizer, name="Cụm thi đua đo thử")
    members = [
        Unit.objects.create(
            organizer=organizer, name=f"UBND huyện Thử {number:02d}", kind=Unit.Kind.DISTRICT
        )
        for number in range(units)
    ]
    year = ClusterYear.objects.create(
        cluster=cluster, year=2024, head_unit=members[0], deputy_unit=members[1]
    )
    for order, unit in enumerate(members, start=1):
        Membership.objects.create(
            cluster_year=year, unit=unit, order=order, organizer=organizer, year=2024
        )
    user_model = get_user_model()
    officer = user_model.objects.create_user("bench_officer")
    Profile.objects.create(user=officer, role=Profile.Role.OFFICER, unit=members[2])
    board = user_model.objects.create_user("bench_board")
    Profile.objects.create(user=board, role=Profile.Role.BOARD, organizer=organizer)
    covenant = Covenant.objects.create(cluster_year=year, version=1, title="Giao ước 2024")
    target = Target.objects.create(covenant=covenant, order=1, indicator="Thu ngân sách")
    TargetValue.objects.bulk_create(
        TargetValue(target=target, unit=unit, value=Decimal(100)) for unit in members
    )
    sections = 10
    per_section = criteria // sections
    rubric = Rubric.objects.create(
        organizer=organizer,
        cluster_year=year,
        name="Bảng chấm điểm đo thử",
        scale_total=Decimal(sections * per_section * 10),
    )
    kinds = ["manual", "pass_fail", "target_ratio", "per_occurrence", "manual"]
    order = 0
    for number in range(sections):
        order += 1
        section = Criterion.objects.create(
            rubric=rubric,
            order=order,
            code=f"S{number + 1}",
            title=f"Phần {number + 1}",
            kind="group",
            max_points=Decimal(per_section * 10),
        )
        for index in range(per_section):
            kind = "relative_leader" if (number, index) == (0, 0) else kinds[index % 5]
            params = {"points_each": "5"} if kind == "per_occurrence" else {}
            order += 1
            Criterion.objects.create(
                rubric=rubric,
                parent=section,
                order=order,
                code=f"S{number + 1}.{index + 1}",
                title=f"Tiêu chí {index + 1} của phần {number + 1}",
                kind=kind,
                max_points=Decimal(10),
                params=stored_params(kind, Decimal(10), params),
                target=target if kind in ("target_ratio", "relative_leader") else None,
            )
    now = timezone.now()
    period = period_create(
        actor=board,
        cluster_year=year,
        kind="year_end",
        self_deadline=now + dt.timedelta(days=10),
        verification_deadline=now + dt.timedelta(days=20),
        explanation_deadline=now + dt.timedelta(days=25),
    )
    period = period_open(actor=board, period=period)
    card = period.scorecards.get(unit=members[2])
    return officer, card


def _value(kind: str, step: int) -> dict:
    if kind == "pass_fail":
        return {"passed": step % 2 == 0}
    if kind in ("target_ratio", "relative_leader"):
        return {"achieved": str(80 + step % 40)}
    if kind == "per_occurrence":
        return {"count": str(step % 3)}
    return {"points": str(step % 10)}


def _summary(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return (
        f"{name:<34} median {statistics.median(ordered) * 1000:6.1f} ms   "
        f"p95 {p95 * 1000:6.1f} ms   max {ordered[-1] * 1000:6.1f} ms   (n={len(ordered)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="saves per case")
    parser.add_argument("--criteria", type=int, default=150)
    parser.add_argument("--units", type=int, default=30)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    _recreate_database(args.database)
    _setup(args.database)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from scoring.models import Entry
    from scoring.services.scorecards import entry_save

    officer, card = _build(args.criteria, args.units)
    entries = list(Entry.objects.filter(scorecard=card).select_related("criterion"))
    plain = [entry for entry in entries if entry.criterion.kind != "relative_leader"]
    leader = next(entry for entry in entries if entry.criterion.kind == "relative_leader")
    print(
        f"{connection.vendor}: {args.criteria} criteria, {args.units} units, "
        f"{len(entries)} entries on the card"
    )

    service: list[float] = []
    for step in range(args.n):
        entry = Entry.objects.select_related("criterion", "scorecard").get(
            pk=plain[step % len(plain)].pk
        )
        started = time.perf_counter()
        entry_save(
            actor=officer,
            entry=entry,
            version=entry.version,
            values=_value(entry.criterion.kind, step),
        )
        service.append(time.perf_counter() - started)

    client = Client()
    client.force_login(officer)
    request: list[float] = []
    leader_times: list[float] = []
    for step in range(args.n):
        for target, times in ((plain[step % len(plain)], request), (leader, leader_times)):
            entry = Entry.objects.select_related("criterion").get(pk=target.pk)
            data = {"version": entry.version} | _value(entry.criterion.kind, step)
            url = reverse(ENTRY_URL_NAME, args=[card.pk, entry.pk])
            started = time.perf_counter()
            response = client.post(url, data, HTTP_HX_REQUEST="true")
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                print(f"unexpected status {response.status_code}", file=sys.stderr)
                return 1

    # Queries of one save and of the page, counted apart (counting slows a request).
    entry = Entry.objects.select_related("criterion").get(pk=plain[0].pk)
    data = {"version": entry.version} | _value(entry.criterion.kind, 1)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse(ENTRY_URL_NAME, args=[card.pk, entry.pk]), data, HTTP_HX_REQUEST="true")
    save_queries = len(queries.captured_queries)

    page = client.get(reverse("scorecard_detail", args=[card.pk]))
    page_times = []
    for _ in range(10):
        started = time.perf_counter()
        client.get(reverse("scorecard_detail", args=[card.pk]))
        page_times.append(time.perf_counter() - started)
    print(_summary("entry_save (service)", service))
    print(_summary("POST one entry (whole request)", request))
    print(_summary("POST relative-to-leader entry", leader_times))
    print(_summary("GET the scorecard page", page_times))
    # The page's queries are counted by tests/test_scoring_scorecard_queries.py.
    print(f"queries of one save request (session and permission checks included): {save_queries}")
    return 0 if page.status_code == 200 else 1


# The htmx endpoint that saves one entry (scoring/views/scorecards.py).
ENTRY_URL_NAME = "entry_save"

if __name__ == "__main__":
    sys.exit(main())
