"""A province's worth of data for the benchmarks, the same for the same seed.

    python -m bench.generate --clusters 40 --units 12 --criteria 150 --years 3 [--seed 1]
    python -m bench.generate --database-url sqlite:////tmp/province.sqlite3

Writes into its own database (``cumthidua_bench`` on the local PostgreSQL by default;
dropped and re-created, never the project's own) one provincial organizer with its board
user and ``--clusters`` clusters of ``--units`` commune units (one officer each), and for
each of ``--years`` years ending with 2024, in every cluster:

- the cluster year (head and deputy in rotation) and its memberships;
- a covenant with two targets and each unit's target value (past years signed by all);
- a rubric of ``--criteria`` criteria in 10 sections (manual, pass/fail, target ratio,
  per occurrence in turn);
- a year-end period with a scorecard per unit and an entry per criterion. Past years are
  closed and published, every card final, with a closed leading-unit ballot (voters and
  ballot papers, counted by ``scoring.services.ballots.count``), a deliberation meeting
  and an accepted nomination (one flag, two certificates of merit). The current year is
  open and half-way: cards in every state, drafts with half their entries filled.

Everything is written with ``bulk_create``; it prints what was written and how long it
took. ``generate(...)`` is the same as a function (tests call it on SQLite).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.build import (
    bulk_named,
    bulk_officers,
    bulk_rubric,
    bulk_units,
    make_board,
    make_organizer,
    section_sizes,
)

CURRENT_YEAR = 2024
KINDS = ("manual", "pass_fail", "target_ratio", "per_occurrence", "manual")
# The current year's cards, half-way through self-scoring (by unit, in turn).
CURRENT_STATES = ("draft", "submitted", "draft", "verified", "returned", "draft")
PLACES = (
    "An", "Bình", "Cẩm", "Đông", "Đức", "Gia", "Hòa", "Hưng", "Kim", "Lạc", "Long", "Minh",
    "Nam", "Ninh", "Phú", "Phúc", "Quang", "Quế", "Tân", "Thạch", "Thanh", "Thuận", "Tiên",
    "Trung", "Vĩnh", "Xuân", "Yên",
)  # fmt: skip
SECOND = (
    "Bình", "Châu", "Điền", "Giang", "Hà", "Hải", "Hòa", "Khánh", "Lâm", "Lộc", "Lợi",
    "Mỹ", "Nghĩa", "Phong", "Sơn", "Thành", "Thịnh", "Thủy", "Tiến", "Trạch", "Xá",
)  # fmt: skip
TWO = Decimal("0.01")


@dataclass
class Generated:
    """What was written, with the objects the benchmarks start from."""

    organizer: Any
    board: Any
    officer: Any  # officer of a unit whose current card is a draft
    card: Any  # that card (current year, open period)
    head_officer: Any  # officer of the head unit of that cluster this year
    ranking_period: Any  # the last published period of that cluster (or the current one)
    current_year: int
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def _unit_names(rng: random.Random, count: int) -> list[str]:
    names = []
    for number in range(count):
        place = f"{rng.choice(PLACES)} {rng.choice(SECOND)}"
        # The number keeps names unique (one current unit of a name per organizer).
        names.append(f"UBND xã {place} {number + 1:03d}")
    return names


def _entry_values(
    kind: str, rng: random.Random, target_value: Decimal | None
) -> tuple[dict[str, Any], Decimal]:
    """A unit's input for one criterion and the points it gives (max 10)."""
    if kind == "pass_fail":
        passed = rng.random() < 0.85
        return {"passed": passed}, Decimal(10) if passed else Decimal(0)
    if kind == "per_occurrence":
        count = rng.randint(0, 6)
        return {"count": count}, min(Decimal(2 * count), Decimal(10))
    if kind == "target_ratio" and target_value:
        achieved = (target_value * Decimal(rng.randint(70, 125)) / 100).quantize(TWO)
        ratio = min(achieved / target_value, Decimal(1))
        return {"achieved": achieved}, (ratio * 10).quantize(TWO)
    points = Decimal(rng.randint(10, 20)) / 2
    return {"points": points}, points


def generate(
    *,
    clusters: int,
    units: int,
    criteria: int,
    years: int,
    seed: int = 1,
    current_year: int = CURRENT_YEAR,
    name: str = "Đo Thử",
) -> Generated:
    """Write the province (see the module's text); the same seed gives the same data."""
    from django.db import transaction
    from django.utils import timezone

    started = time.perf_counter()
    with transaction.atomic():
        generated = _generate(
            clusters=clusters,
            units=units,
            criteria=criteria,
            years=years,
            seed=seed,
            current_year=current_year,
            name=name,
            now=timezone.now(),
        )
    generated.seconds = time.perf_counter() - started
    return generated


def _generate(
    *,
    clusters: int,
    units: int,
    criteria: int,
    years: int,
    seed: int,
    current_year: int,
    name: str,
    now: dt.datetime,
) -> Generated:
    from clusters.models import Cluster, ClusterYear, Membership, Unit
    from covenants.models import Covenant, Signature, Target, TargetValue
    from scoring.models import (
        Ballot,
        BallotVoter,
        CastBallot,
        Deliberation,
        Entry,
        Nomination,
        Nominee,
        Period,
        Scorecard,
    )
    from scoring.services.ballots import count as count_ballot
    from scoring.services.ballots import receipt_hash

    if units < 3:
        raise ValueError("a cluster needs at least 3 units (head, deputy, a member)")
    rng = random.Random(seed)
    counts: Counter = Counter()
    organizer = make_organizer(name)
    board = make_board(organizer, f"bench_board_{organizer.pk}")
    all_units = bulk_units(organizer, _unit_names(rng, clusters * units), Unit.Kind.COMMUNE)
    officers = bulk_officers(all_units, f"bench_{organizer.pk}_officer_")
    officer_of = {unit.pk: user for unit, user in zip(all_units, officers, strict=True)}
    counts.update(units=len(all_units), users=len(officers) + 1)
    cluster_rows = bulk_named(
        Cluster,
        [
            Cluster(organizer=organizer, name=f"Cụm thi đua số {number + 1:02d}")
            for number in range(clusters)
        ],
    )
    counts["clusters"] = len(cluster_rows)
    sizes = section_sizes(criteria)
    first_year = current_year - years + 1
    bench: dict[str, Any] = {}
    for year in range(first_year, current_year + 1):
        past = year < current_year
        year_end = dt.datetime(year, 12, 15, 8, 0, tzinfo=dt.UTC)
        for number, cluster in enumerate(cluster_rows):
            members = all_units[number * units : (number + 1) * units]
            turn = (year - first_year) % units
            cluster_year = ClusterYear.objects.create(
                cluster=cluster,
                year=year,
                head_unit=members[turn],
                deputy_unit=members[(turn + 1) % units],
                status="closed" if past else "open",
            )
            Membership.objects.bulk_create(
                Membership(
                    cluster_year=cluster_year,
                    unit=unit,
                    order=order,
                    organizer=organizer,
                    year=year,
                )
                for order, unit in enumerate(members, start=1)
            )
            counts.update(cluster_years=1, memberships=len(members))
            stage = "signed" if past else ("signed", "signing", "adopted", "draft")[number % 4]
            covenant = Covenant.objects.create(
                cluster_year=cluster_year,
                version=1,
                title=f"Giao ước thi đua năm {year}",
                state=stage,
                signed_at=year_end.replace(month=3) if stage == "signed" else None,
            )
            signers = {"signed": units, "signing": units // 2}.get(stage, 0)
            Signature.objects.bulk_create(
                Signature(
                    covenant=covenant,
                    unit=unit,
                    signer_name=f"Chủ tịch {unit.name}",
                    signer_position="Chủ tịch UBND",
                    signed_at=year_end.replace(month=3),
                )
                for unit in members[:signers]
            )
            targets = Target.objects.bulk_create(
                Target(
                    covenant=covenant,
                    order=order,
                    indicator=indicator,
                    measure=measure,
                    carried_into_scoring=True,
                )
                for order, (indicator, measure) in enumerate(
                    (("Thu ngân sách nhà nước", "triệu đồng"), ("Giải quyết việc làm", "người")),
                    start=1,
                )
            )
            values = TargetValue.objects.bulk_create(
                TargetValue(target=target, unit=unit, value=Decimal(rng.randint(80, 400) * 10))
                for target in targets
                for unit in members
            )
            target_of = {(value.target_id, value.unit_id): value.value for value in values}
            counts.update(covenants=1, signatures=signers, targets=2, target_values=len(values))
            rubric, leaves = bulk_rubric(
                organizer=organizer,
                cluster_year=cluster_year,
                sizes=sizes,
                kinds=KINDS,
                targets=targets,
                frozen_at=year_end.replace(month=2),
            )
            counts.update(rubrics=1, criteria=len(leaves))
            self_deadline = year_end if past else now + dt.timedelta(days=7 + number % 5)
            period = Period.objects.create(
                cluster_year=cluster_year,
                kind="year_end",
                state="closed" if past else "open",
                rubric=rubric,
                self_deadline=self_deadline,
                verification_deadline=self_deadline + dt.timedelta(days=7),
                explanation_deadline=self_deadline + dt.timedelta(days=10),
                opened_at=(year_end if past else now) - dt.timedelta(days=30),
                published_at=year_end + dt.timedelta(days=12) if past else None,
            )
            counts["periods"] += 1
            states = [
                "finalised" if past else CURRENT_STATES[(number + index) % len(CURRENT_STATES)]
                for index in range(units)
            ]
            cards = Scorecard.objects.bulk_create(
                Scorecard(
                    period=period,
                    unit=unit,
                    state=state,
                    submitted_at=None if state == "draft" else self_deadline,
                    finalised_at=year_end + dt.timedelta(days=10) if state == "finalised" else None,
                )
                for unit, state in zip(members, states, strict=True)
            )
            counts["scorecards"] += len(cards)
            batch = []
            for card, unit in zip(cards, members, strict=True):
                filled = len(leaves) if card.state != "draft" else len(leaves) // 2
                checked = card.state in ("verified", "finalised")
                self_total = final_total = Decimal(0)
                for index, leaf in enumerate(leaves):
                    entry = Entry(scorecard=card, criterion=leaf, version=0)
                    if index < filled:
                        target_value = target_of.get((leaf.target_id, unit.pk))
                        inputs, points = _entry_values(leaf.kind, rng, target_value)
                        for key, value in inputs.items():
                            setattr(entry, key, value)
                        if leaf.kind == "target_ratio":
                            entry.target_used = target_value
                        entry.points = entry.self_points = points
                        entry.version = 1
                        self_total += points
                        if checked:
                            final = points - 1 if points >= 1 and rng.random() < 0.1 else points
                            entry.final_points = final
                            final_total += final
                    batch.append(entry)
                card.self_total = self_total
                card.final_total = final_total if checked else Decimal(0)
            Scorecard.objects.bulk_update(cards, ["self_total", "final_total"])
            Entry.objects.bulk_create(batch, batch_size=5000)
            counts["entries"] += len(batch)
            if past:
                _close_year(
                    counts=counts,
                    rng=rng,
                    organizer=organizer,
                    cluster_year=cluster_year,
                    period=period,
                    cards=cards,
                    members=members,
                    officer_of=officer_of,
                    board=board,
                    year_end=year_end,
                    models=(Ballot, BallotVoter, CastBallot, Deliberation, Nomination, Nominee),
                    count_ballot=count_ballot,
                    receipt_hash=receipt_hash,
                )
            if number == 0:
                if past:
                    bench["ranking_period"] = period
                else:
                    draft = next(card for card in cards if card.state == "draft")
                    bench["card"] = draft
                    bench["officer"] = officer_of[draft.unit_id]
                    bench["head_officer"] = officer_of[cluster_year.head_unit_id]
                    bench.setdefault("ranking_period", period)
    return Generated(
        organizer=organizer,
        board=board,
        officer=bench["officer"],
        card=bench["card"],
        head_officer=bench["head_officer"],
        ranking_period=bench["ranking_period"],
        current_year=current_year,
        counts=counts,
    )


def _close_year(
    *,
    counts: Counter,
    rng: random.Random,
    organizer: Any,
    cluster_year: Any,
    period: Any,
    cards: list[Any],
    members: list[Any],
    officer_of: dict[int, Any],
    board: Any,
    year_end: dt.datetime,
    models: tuple[Any, ...],
    count_ballot: Any,
    receipt_hash: Any,
) -> None:
    """A past year's ballot (voted by every unit, counted), deliberation and accepted
    nomination: the first by final total gets the flag, the next two merit."""
    Ballot, BallotVoter, CastBallot, Deliberation, Nomination, Nominee = models
    ranked = sorted(cards, key=lambda card: (-card.final_total, card.unit.sort_key))
    candidates = [card.unit for card in ranked[:3]]
    opens = year_end + dt.timedelta(days=13)
    ballot = Ballot.objects.create(
        cluster_year=cluster_year,
        period=period,
        purpose="leading_unit",
        opens_at=opens,
        closes_at=opens + dt.timedelta(hours=2),
        state="open",
        opened_at=opens,
        opened_by=board,
        salt=f"{rng.getrandbits(128):032x}",
    )
    ballot.candidates.set(candidates)
    BallotVoter.objects.bulk_create(
        BallotVoter(ballot=ballot, unit=unit, voted_at=opens, voted_by=officer_of[unit.pk])
        for unit in members
    )
    # Most vote for the leader of the ranking: a clear winner.
    CastBallot.objects.bulk_create(
        CastBallot(
            ballot=ballot,
            choices=[(candidates[0] if rng.random() < 0.75 else rng.choice(candidates)).pk],
            receipt_hash=receipt_hash(ballot, f"{cluster_year.pk}-{index}"),
        )
        for index in range(len(members))
    )
    result = count_ballot(ballot)
    result["closed_at"] = (opens + dt.timedelta(hours=2)).isoformat()
    ballot.result = result
    ballot.state = "closed"
    ballot.closed_at = opens + dt.timedelta(hours=2)
    ballot.closed_by = board
    ballot.save(update_fields=["result", "state", "closed_at", "closed_by"])
    deliberation = Deliberation.objects.create(
        period=period,
        held_at=opens,
        ended_at=opens + dt.timedelta(hours=3),
        place=f"Trụ sở {cluster_year.head_unit.name}",
        chaired_by=f"Chủ tịch {cluster_year.head_unit.name}",
        secretary="Chuyên viên Phòng Nội vụ",
        conclusions="Thống nhất đề nghị khen thưởng theo kết quả chấm điểm và bỏ phiếu.",
    )
    deliberation.attendees.set(members)
    nomination = Nomination.objects.create(
        period=period,
        cluster_year=cluster_year,
        organizer=organizer,
        year=cluster_year.year,
        state="accepted",
        number=f"{cluster_year.pk:02d}/TTr-CTĐ",
        date=(opens + dt.timedelta(days=2)).date(),
        submitted_at=opens + dt.timedelta(days=2),
        submitted_by=officer_of[cluster_year.head_unit_id],
        decided_at=opens + dt.timedelta(days=9),
        decided_by=board,
    )
    votes = {row["unit_id"]: row["votes"] for row in result["candidates"]}
    Nominee.objects.bulk_create(
        Nominee(
            nomination=nomination,
            unit=card.unit,
            award="flag" if rank == 1 else "merit",
            rank=rank,
            total=card.final_total,
            votes=votes.get(card.unit_id) if rank == 1 else None,
            ballot=ballot if rank == 1 else None,
            order=rank,
        )
        for rank, card in enumerate(ranked[:3], start=1)
    )
    counts.update(
        ballots=1,
        ballot_papers=len(members),
        deliberations=1,
        nominations=1,
        nominees=3,
    )


def summary(generated: Generated) -> str:
    counts = ", ".join(f"{key} {value:,}" for key, value in sorted(generated.counts.items()))
    return f"built in {generated.seconds:.1f} s: {counts}"


def main(argv: list[str] | None = None) -> int:
    from bench.scoring import DEFAULT_DATABASE, _recreate_database, _setup

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--units", type=int, default=12)
    parser.add_argument("--criteria", type=int, default=150)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    _recreate_database(args.database_url)
    _setup(args.database_url)
    from django.db import connection

    generated = generate(
        clusters=args.clusters,
        units=args.units,
        criteria=args.criteria,
        years=args.years,
        seed=args.seed,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {args.clusters} clusters × {args.units} units × "
        f"{args.criteria} criteria × {args.years} years (seed {args.seed}), " + summary(generated)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
