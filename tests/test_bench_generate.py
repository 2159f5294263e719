"""The province generator of the benchmarks (bench/generate.py), at a tiny size."""

from __future__ import annotations

import pytest

from bench.generate import generate
from bench.province import PAGES, find_generated, measure
from clusters.models import ClusterYear, Membership, Unit
from covenants.models import TargetValue
from scoring.models import (
    Ballot,
    CastBallot,
    Criterion,
    Entry,
    Nomination,
    Nominee,
    Period,
    Scorecard,
)

SIZES = {"clusters": 2, "units": 3, "criteria": 5, "years": 2}


def _snapshot(generated) -> dict:  # type: ignore[no-untyped-def]
    """Names and values of one generated province, without primary keys."""
    organizer = generated.organizer
    return {
        "units": list(
            Unit.objects.filter(organizer=organizer).order_by("pk").values_list("name", flat=True)
        ),
        "targets": list(
            TargetValue.objects.filter(unit__organizer=organizer)
            .order_by("pk")
            .values_list("value", flat=True)
        ),
        "entries": list(
            Entry.objects.filter(scorecard__unit__organizer=organizer)
            .order_by("pk")
            .values_list("criterion__code", "points", "achieved", "passed", "count", "final_points")
        ),
        "totals": list(
            Scorecard.objects.filter(unit__organizer=organizer)
            .order_by("pk")
            .values_list("state", "self_total", "final_total")
        ),
        "nominees": list(
            Nominee.objects.filter(nomination__organizer=organizer)
            .order_by("pk")
            .values_list("unit__name", "award", "rank", "total", "votes")
        ),
    }


@pytest.mark.django_db
def test_tiny_province_has_every_row_it_should() -> None:
    generated = generate(**SIZES, seed=3)
    org = generated.organizer
    assert Unit.objects.filter(organizer=org).count() == 6
    assert ClusterYear.objects.filter(cluster__organizer=org).count() == 4
    assert Membership.objects.filter(organizer=org).count() == 12
    leaves = Criterion.objects.filter(rubric__organizer=org).exclude(kind="group")
    assert leaves.count() == 4 * 5
    assert {leaf.kind for leaf in leaves} >= {"manual", "pass_fail", "target_ratio"}
    assert Entry.objects.filter(scorecard__unit__organizer=org).count() == 12 * 5
    assert generated.counts["entries"] == 60

    past = Period.objects.get(cluster_year__cluster__organizer=org, cluster_year__year=2023,
                              cluster_year__cluster__name="Cụm thi đua số 01")  # fmt: skip
    assert past.state == "closed" and past.published_at is not None
    assert set(past.scorecards.values_list("state", flat=True)) == {"finalised"}
    card = past.scorecards.order_by("-final_total").first()
    assert card.final_total == sum(card.entries.values_list("final_points", flat=True))
    ballot = Ballot.objects.get(period=past)
    assert ballot.state == "closed" and ballot.result["returned"] == 3
    assert CastBallot.objects.filter(ballot=ballot).count() == 3
    nomination = Nomination.objects.get(period=past)
    assert nomination.state == "accepted"
    flag = Nominee.objects.get(nomination=nomination, award="flag")
    assert flag.rank == 1 and flag.total == card.final_total
    assert Nominee.objects.filter(nomination=nomination, award="merit").count() == 2

    current = Period.objects.filter(cluster_year__cluster__organizer=org, cluster_year__year=2024)
    assert set(current.values_list("state", flat=True)) == {"open"}
    assert not Ballot.objects.filter(period__in=current).exists()
    draft = generated.card
    assert draft.state == "draft" and draft.period.state == "open"
    # Half-way: a draft has half its entries filled in.
    assert draft.entries.filter(points__isnull=False).count() == 5 // 2
    assert draft.unit.pk == generated.officer.profile.unit_id


@pytest.mark.django_db
def test_same_seed_same_names_and_values() -> None:
    first = _snapshot(generate(**SIZES, seed=5, name="Một"))
    again = _snapshot(generate(**SIZES, seed=5, name="Hai"))
    other = _snapshot(generate(**SIZES, seed=6, name="Ba"))
    assert first == again
    assert first["units"] != other["units"]
    assert first["entries"] != other["entries"]


@pytest.mark.django_db
def test_benchmarked_pages_answer_on_the_tiny_province() -> None:
    generated = generate(**SIZES, seed=1)
    found = find_generated()
    assert (found.card.pk, found.officer.pk, found.ranking_period.pk) == (
        generated.card.pk,
        generated.officer.pk,
        generated.ranking_period.pk,
    )
    for page in PAGES:
        figures = measure(page, found, 2)  # raises SystemExit on anything but 200
        assert len(figures.times) == 2 and figures.queries > 0
