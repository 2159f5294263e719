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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.scoring import DEFAULT_DATABASE, _recreate_database, _setup, _summary

SECTIONS = 10
YEAR = 2024
CARD_STATES = ("draft", "submitted", "returned", "verified", "finalised")


@dataclass
class Built:
    organizer: Any
    board: Any
    periods: list[Any]
    entries: int
    seconds: float


def build(
    *,
    clusters: int,
    units: int,
    criteria: int,
    all_final: bool = False,
    name: str = "Đo Thử",
) -> Built:
    """An organizer with ``clusters`` cluster years of ``units`` units in 2024."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from clusters.models import Cluster, ClusterYear, Membership, Organizer, Profile, Unit
    from covenants.models import Covenant, Signature
    from scoring.models import Ballot, Criterion, Entry, Nomination, Period, Rubric, Scorecard
    from scoring.selectors.rubrics import stored_params

    started = time.perf_counter()
    now = timezone.now()
    organizer = Organizer.objects.create(
        name=f"Hội đồng Thi đua - Khen thưởng tỉnh {name}",
        level=Organizer.Level.PROVINCE,
        parent_body=f"UBND TỈNH {name.upper()}",
        issuing_body="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        place_name=name,
    )
    user_model = get_user_model()
    board = user_model.objects.create_user(f"bench_board_{organizer.pk}")
    Profile.objects.create(user=board, role=Profile.Role.BOARD, organizer=organizer)

    per_section = max(1, criteria // SECTIONS)
    leaf_params = stored_params("manual", Decimal(10), {})
    periods: list[Period] = []
    entry_total = 0
    for number in range(clusters):
        members = [
            Unit.objects.create(
                organizer=organizer,
                name=f"UBND xã Thử {number + 1:02d}-{index + 1:02d}",
                kind=Unit.Kind.COMMUNE,
            )
            for index in range(units)
        ]
        cluster = Cluster.objects.create(
            organizer=organizer, name=f"Cụm thi đua số {number + 1:02d}"
        )
        year = ClusterYear.objects.create(
            cluster=cluster, year=YEAR, head_unit=members[0], deputy_unit=members[1]
        )
        Membership.objects.bulk_create(
            Membership(cluster_year=year, unit=unit, order=order, organizer=organizer, year=YEAR)
            for order, unit in enumerate(members, start=1)
        )
        # Covenants at every stage: signed, signing k of n, adopted, draft.
        stage = ("signed", "signing", "adopted", "draft")[number % 4]
        covenant = Covenant.objects.create(
            cluster_year=year, version=1, title=f"Giao ước thi đua {YEAR}", state=stage
        )
        signers = {"signed": units, "signing": units // 2}.get(stage, 0)
        Signature.objects.bulk_create(
            Signature(
                covenant=covenant,
                unit=unit,
                signer_name=f"Chủ tịch {unit.name}",
                signer_position="Chủ tịch",
                signed_at=now,
            )
            for unit in members[:signers]
        )
        rubric = Rubric.objects.create(
            organizer=organizer,
            cluster_year=year,
            name=f"Bảng chấm điểm năm {YEAR}",
            scale_total=Decimal(SECTIONS * per_section * 10),
            frozen_at=now,
        )
        sections = Criterion.objects.bulk_create(
            Criterion(
                rubric=rubric,
                order=index * (per_section + 1) + 1,
                code=f"S{index + 1}",
                title=f"Phần {index + 1}",
                kind="group",
                max_points=Decimal(per_section * 10),
            )
            for index in range(SECTIONS)
        )
        leaves = Criterion.objects.bulk_create(
            Criterion(
                rubric=rubric,
                parent=section,
                order=section.order + leaf + 1,
                code=f"{section.code}.{leaf + 1}",
                title=f"Tiêu chí {leaf + 1} của {section.title.lower()}",
                kind="manual",
                max_points=Decimal(10),
                params=leaf_params,
            )
            for section in sections
            for leaf in range(per_section)
        )
        # Deadlines: a third of the clusters are late with their self-scoring.
        late = number % 3 == 0 and not all_final
        self_deadline = now - dt.timedelta(days=2) if late else now + dt.timedelta(days=10)
        period = Period.objects.create(
            cluster_year=year,
            kind="year_end",
            state="open",
            rubric=rubric,
            self_deadline=self_deadline,
            verification_deadline=self_deadline + dt.timedelta(days=10),
            explanation_deadline=self_deadline + dt.timedelta(days=15),
            opened_at=now - dt.timedelta(days=30),
        )
        periods.append(period)
        cards = Scorecard.objects.bulk_create(
            Scorecard(
                period=period,
                unit=unit,
                state="finalised" if all_final else CARD_STATES[(number + index) % 5],
            )
            for index, unit in enumerate(members)
        )
        batch = []
        for card_index, card in enumerate(cards):
            self_total = final_total = Decimal(0)
            for leaf_index, leaf in enumerate(leaves):
                points = Decimal((card_index * 7 + leaf_index * 3) % 11 or 10)
                final = points if (card_index + leaf_index) % 9 else points - 1
                self_total += points
                final_total += final
                batch.append(
                    Entry(
                        scorecard=card,
                        criterion=leaf,
                        points=points,
                        self_points=points,
                        final_points=final if card.state in ("verified", "finalised") else None,
                        version=1,
                    )
                )
            card.self_total, card.final_total = self_total, final_total
        Scorecard.objects.bulk_update(cards, ["self_total", "final_total"])
        Entry.objects.bulk_create(batch, batch_size=5000)
        entry_total += len(batch)
        if number % 2 == 0:
            Ballot.objects.create(
                cluster_year=year,
                period=period,
                purpose="leading_unit",
                opens_at=now - dt.timedelta(days=1),
                closes_at=now - dt.timedelta(hours=1),
                state="closed" if number % 4 == 0 else "open",
                result={"decision": "elected"} if number % 4 == 0 else {},
            )
        if number % 4 == 0:
            Nomination.objects.create(
                period=period,
                cluster_year=year,
                organizer=organizer,
                year=YEAR,
                state="submitted",
                submitted_at=now,
            )
    return Built(
        organizer=organizer,
        board=board,
        periods=periods,
        entries=entry_total,
        seconds=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="GETs of the dashboard")
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--units", type=int, default=12)
    parser.add_argument("--criteria", type=int, default=150)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
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
