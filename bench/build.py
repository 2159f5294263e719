"""Builders shared by the benchmarks: an organizer, its units, cluster years, rubrics,
periods, scorecards and entries, all written with ``bulk_create``.

``build`` is the one-year world of ``bench.dashboard`` and ``bench.reports``;
``bench.generate`` builds a whole province over several years from the same pieces.
Everything here runs on SQLite and PostgreSQL and needs Django set up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

SECTIONS = 10
YEAR = 2024
CARD_STATES = ("draft", "submitted", "returned", "verified", "finalised")


def make_organizer(name: str) -> Any:
    from clusters.models import Organizer

    return Organizer.objects.create(
        name=f"Hội đồng Thi đua - Khen thưởng tỉnh {name}",
        level=Organizer.Level.PROVINCE,
        parent_body=f"UBND TỈNH {name.upper()}",
        issuing_body="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        place_name=name,
    )


def make_board(organizer: Any, username: str) -> Any:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX  # force_login only

    from clusters.models import Profile

    board = get_user_model().objects.create(username=username, password=UNUSABLE_PASSWORD_PREFIX)
    Profile.objects.create(user=board, role=Profile.Role.BOARD, organizer=organizer)
    return board


def bulk_units(organizer: Any, names: list[str], kind: str) -> list[Any]:
    """Units written in one query (``NamedModel.save``'s derived fields filled here)."""
    from clusters.models import Unit
    from core.text import nfc, vi_sort_key

    units = []
    for name in names:
        unit = Unit(organizer=organizer, name=nfc(name), kind=kind)
        unit.sort_key = vi_sort_key(unit.name)
        unit.search_text = unit.extra_search_text()
        units.append(unit)
    return Unit.objects.bulk_create(units)


def bulk_named(model: Any, objects: list[Any]) -> list[Any]:
    """Like ``bulk_units`` for any ``NamedModel`` (clusters)."""
    from core.text import fold, nfc, vi_sort_key

    for obj in objects:
        obj.name = nfc(obj.name)
        obj.sort_key = vi_sort_key(obj.name)
        obj.search_text = fold(obj.name)
    return model.objects.bulk_create(objects)


def bulk_officers(units: list[Any], prefix: str) -> list[Any]:
    """One officer per unit (username ``{prefix}{n}``), in two queries."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX  # force_login only

    from clusters.models import Profile

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"{prefix}{index + 1:04d}", password=UNUSABLE_PASSWORD_PREFIX)
        for index in range(len(units))
    )
    Profile.objects.bulk_create(
        Profile(user=user, role=Profile.Role.OFFICER, unit=unit)
        for user, unit in zip(users, units, strict=True)
    )
    return users


def section_sizes(criteria: int, sections: int = SECTIONS) -> list[int]:
    """``criteria`` leaves spread over at most ``sections`` sections, as evenly as can be."""
    count = max(1, min(sections, criteria))
    return [criteria // count + (1 if index < criteria % count else 0) for index in range(count)]


def bulk_rubric(
    *,
    organizer: Any,
    cluster_year: Any,
    sizes: list[int],
    kinds: tuple[str, ...] = ("manual",),
    targets: list[Any] = (),  # type: ignore[assignment]
    frozen_at: Any = None,
) -> tuple[Any, list[Any]]:
    """A rubric of sections of ``sizes`` leaves (kinds in turn; ``target_ratio`` leaves
    point at ``targets`` in turn). Returns the rubric and its leaves in order."""
    from scoring.models import Criterion, Rubric
    from scoring.selectors.rubrics import stored_params

    leaf_max = Decimal(10)
    params = {
        kind: stored_params(
            kind, leaf_max, {"points_each": "2"} if kind == "per_occurrence" else {}
        )
        for kind in set(kinds)
    }
    rubric = Rubric.objects.create(
        organizer=organizer,
        cluster_year=cluster_year,
        name=f"Bảng chấm điểm năm {cluster_year.year}",
        scale_total=leaf_max * sum(sizes),
        frozen_at=frozen_at,
    )
    orders, order = [], 0
    for size in sizes:
        orders.append(order + 1)
        order += size + 1
    sections = Criterion.objects.bulk_create(
        Criterion(
            rubric=rubric,
            order=orders[index],
            code=f"S{index + 1}",
            title=f"Phần {index + 1}",
            kind="group",
            max_points=leaf_max * size,
        )
        for index, size in enumerate(sizes)
    )
    leaves: list[Criterion] = []
    number = 0
    for section, size in zip(sections, sizes, strict=True):
        for leaf in range(size):
            kind = kinds[number % len(kinds)]
            target = None
            if kind == "target_ratio" and targets:
                target = targets[number % len(targets)]
            leaves.append(
                Criterion(
                    rubric=rubric,
                    parent=section,
                    order=section.order + leaf + 1,
                    code=f"{section.code}.{leaf + 1}",
                    title=f"Tiêu chí {leaf + 1} của {section.title.lower()}",
                    kind=kind,
                    max_points=leaf_max,
                    params=params[kind],
                    target=target,
                )
            )
            number += 1
    return rubric, Criterion.objects.bulk_create(leaves)


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
    """An organizer with ``clusters`` cluster years of ``units`` units in 2024, one open
    year-end period each (``bench.dashboard``; ``all_final`` for ``bench.reports``)."""
    import datetime as dt

    from django.utils import timezone

    from clusters.models import Cluster, ClusterYear, Membership, Unit
    from covenants.models import Covenant, Signature
    from scoring.models import Ballot, Entry, Nomination, Period, Scorecard

    started = time.perf_counter()
    now = timezone.now()
    organizer = make_organizer(name)
    board = make_board(organizer, f"bench_board_{organizer.pk}")

    per_section = max(1, criteria // SECTIONS)
    periods: list[Period] = []
    entry_total = 0
    for number in range(clusters):
        members = bulk_units(
            organizer,
            [f"UBND xã Thử {number + 1:02d}-{index + 1:02d}" for index in range(units)],
            Unit.Kind.COMMUNE,
        )
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
        rubric, leaves = bulk_rubric(
            organizer=organizer,
            cluster_year=year,
            sizes=[per_section] * SECTIONS,
            frozen_at=now,
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
