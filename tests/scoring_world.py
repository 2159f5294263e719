"""A year-end scoring period on top of the ``world`` fixture (tests/conftest.py).

``scoring_world(world)`` gives the 2024 year a covenant with one target (values per
unit: Tây Sơn 100, Nam Sơn 50, Bắc Sơn 80, Đông Sơn none), a consistent 100-point
rubric, and an OPEN year-end period with a scorecard per member unit:

    I   group 60   1 manual 20 (evidence required) · 2 pass/fail 10 ·
                   3 target ratio 20 (target) · 4 relative to the leader 10 (target)
    II  group 40   5 per occurrence 40 (10 points each)
    B   bonus, cap 5 (1 point each) · D deduction, cap 10 (2 points each)

Deadlines: self-scoring in 10 days, verification in 20, explanations in 25.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from covenants.models import Covenant, Target, TargetValue
from scoring.models import Criterion, Entry, Period, Scorecard
from scoring.services.criteria import criterion_add
from scoring.services.periods import period_create, period_open
from scoring.services.rubrics import rubric_create

D = Decimal


@dataclass
class ScoringWorld:
    world: Any
    rubric: Any
    target: Target
    criteria: dict[str, Criterion]
    period: Period

    def card(self, unit) -> Scorecard:  # type: ignore[no-untyped-def]
        return Scorecard.objects.get(period=self.period, unit=unit)

    def entry(self, unit, code: str) -> Entry:  # type: ignore[no-untyped-def]
        return Entry.objects.get(
            scorecard__period=self.period, scorecard__unit=unit, criterion__code=code
        )


def build_rubric(world, cluster_year, actor=None):  # type: ignore[no-untyped-def]
    """The covenant, its target and the rubric described above (not frozen)."""
    actor = actor or world.board
    covenant = Covenant.objects.create(
        cluster_year=cluster_year, version=1, title=f"Giao ước thi đua {cluster_year.year}"
    )
    target = Target.objects.create(
        covenant=covenant, order=1, indicator="Thu ngân sách", measure="tỷ đồng"
    )
    values = {world.h_new: D(100), world.deputy_unit: D(50), world.member_unit: D(80)}
    for unit, value in values.items():
        TargetValue.objects.create(target=target, unit=unit, value=value)
    rubric = rubric_create(
        actor=actor,
        cluster_year=cluster_year,
        name=f"Bảng chấm điểm năm {cluster_year.year}",
        scale_total=D(100),
        bonus_cap=D(5),
        deduction_cap=D(10),
    )
    made: dict[str, Criterion] = {}

    def add(code, kind, points, parent=None, **extra):  # type: ignore[no-untyped-def]
        made[code] = criterion_add(
            actor=actor,
            rubric=rubric,
            parent=made.get(parent) if parent else None,
            code=code,
            title=f"Tiêu chí {code}",
            kind=kind,
            max_points=points,
            **extra,
        )

    add("I", "group", 60)
    add("1", "manual", 20, "I", guidance="Chấm theo báo cáo.", evidence_required=True)
    add("2", "pass_fail", 10, "I")
    add("3", "target_ratio", 20, "I", target=target)
    add("4", "relative_leader", 10, "I", target=target)
    add("II", "group", 40)
    add("5", "per_occurrence", 40, "II", params={"points_each": "10"})
    add("B", "bonus", 5, params={"points_each": "1"})
    add("D", "deduction", 10, params={"points_each": "2"})
    return rubric, target, made


def scoring_world(world, *, open_period: bool = True, **period_settings) -> ScoringWorld:  # type: ignore[no-untyped-def]
    rubric, target, made = build_rubric(world, world.this_year)
    now = timezone.now()
    settings = {
        "self_deadline": now + dt.timedelta(days=10),
        "verification_deadline": now + dt.timedelta(days=20),
        "explanation_deadline": now + dt.timedelta(days=25),
    } | period_settings
    period = period_create(
        actor=world.board, cluster_year=world.this_year, kind=Period.Kind.YEAR_END, **settings
    )
    if open_period:
        period = period_open(actor=world.board, period=period)
        rubric.refresh_from_db()
    return ScoringWorld(world=world, rubric=rubric, target=target, criteria=made, period=period)
