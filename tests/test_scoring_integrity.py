"""Findings of the review of year-end scoring, each kept fixed by a test:

- before publication the period page lists other units' totals only to those who verify
  them (not to a non-verifying deputy, nor to a head that has rotated);
- a unit's relative-to-leader points moved by another unit's value leave a history row;
- "0.500" is half, not five hundred;
- a closed year's scorecards no longer change;
- a notification is written in the site's language whatever the language of whoever
  caused it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from clusters.models import ClusterYear, Profile
from core.models import Notification
from core.text import plain_number
from scoring.models import EntryHistory, Period
from scoring.services.scorecards import entry_save
from scoring.services.verification import scorecard_return
from tests.factories import ClusterYearFactory, make_user
from tests.scoring_world import scoring_world
from tests.test_scoring_verification import submit

D = Decimal


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def save(sw, unit, code, values, actor):  # type: ignore[no-untyped-def]
    entry = sw.entry(unit, code)
    return entry_save(actor=actor, entry=entry, version=entry.version, values=values)


def listed_units(response) -> set[str]:  # type: ignore[no-untyped-def]
    """The units whose scorecard rows (with totals) the period page lists."""
    rows = [*response.context["rows"], *response.context["own_rows"]]
    rows += response.context["assigned_rows"]
    return {row.card.unit.name.removeprefix("UBND huyện ") for row in rows}


# Who sees every unit's totals before publication ------------------------------------------


def test_a_deputy_that_does_not_verify_sees_only_its_own_row(world, client_for):
    sw = scoring_world(world, deputy_verifies=False)
    submit(sw, world.member_unit)
    dung = make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
    response = client_for(dung).get(f"/scoring/periods/{sw.period.pk}/")
    assert response.status_code == 200
    assert listed_units(response) == {"Nam Sơn"}


def test_a_head_that_has_rotated_sees_only_its_own_row(sw, world, client_for):
    submit(sw, world.member_unit)
    ClusterYearFactory(cluster=world.cluster, year=2025, head_unit=world.member_unit)
    response = client_for(world.head_officer).get(f"/scoring/periods/{sw.period.pk}/")
    assert listed_units(response) == {"Tây Sơn"}


def test_the_verifying_head_sees_every_row(sw, world, client_for):
    response = client_for(world.head_officer).get(f"/scoring/periods/{sw.period.pk}/")
    assert listed_units(response) == {"Tây Sơn", "Nam Sơn", "Bắc Sơn", "Đông Sơn"}


# No score moves silently -------------------------------------------------------------------


def test_points_moved_by_another_units_value_are_in_the_history(sw, world):
    # Bắc Sơn (target 80) achieves 120: the best over-achiever, full 10 points.
    save(sw, world.member_unit, "4", {"achieved": "120"}, world.member_officer)
    assert sw.entry(world.member_unit, "4").self_points == D("10.00")
    # Tây Sơn (target 100) achieves 200: now the best; Bắc Sơn's points drop.
    save(sw, world.h_new, "4", {"achieved": "200"}, world.head_officer)
    entry = sw.entry(world.member_unit, "4")
    assert entry.self_points < D("10.00")
    row = EntryHistory.objects.get(entry=entry, source=EntryHistory.Source.RECOMPUTED)
    assert (row.field, row.old_value, row.new_value) == (
        "self_points",
        "10",
        str(entry.self_points.normalize()),
    )
    assert "UBND huyện Tây Sơn" in row.reason and row.actor == world.head_officer
    card = sw.card(world.member_unit)
    assert card.self_total == entry.self_points


# Numbers as typed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("0.500", "0.500"),
        ("0.125", "0.125"),
        ("12.500", "12500"),
        ("1.000", "1000"),
        ("1.234,5", "1234.5"),
        ("12,5", "12.5"),
        ("2.5", "2.5"),
        ("١٢", None),
        ("1,2,3", None),
        ("", None),
    ],
)
def test_numbers_are_read_the_vietnamese_way(typed, plain):
    assert plain_number(typed) == plain


def test_half_is_not_five_hundred(sw, world):
    save(sw, world.member_unit, "3", {"achieved": "0.500"}, world.member_officer)
    entry = sw.entry(world.member_unit, "3")
    assert entry.achieved == D("0.5")
    assert entry.self_points == D("0.13")  # 20 × 0,5 / 80


# A closed year ------------------------------------------------------------------------------


def test_a_closed_years_scorecard_no_longer_changes(sw, world):
    ClusterYear.objects.filter(pk=world.this_year.pk).update(status=ClusterYear.Status.CLOSED)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        save(sw, world.member_unit, "1", {"points": "12"}, world.member_officer)
    assert caught.value.messages == [
        "The year 2024 is closed: its scorecards can no longer change."
    ]
    assert sw.entry(world.member_unit, "1").points is None


# Notifications in the site's language -------------------------------------------------------


def test_a_notification_is_in_vietnamese_whoever_caused_it(
    sw, world, django_capture_on_commit_callbacks
):
    card = submit(sw, world.member_unit)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        scorecard_return(
            actor=world.head_officer,
            scorecard=card,
            role="head",
            entries=[sw.entry(world.member_unit, "1")],
            question="Đề nghị giải trình tiêu chí 1.",
            deadline=timezone.now() + dt.timedelta(days=3),
        )
    note = Notification.objects.get(user=world.member_officer, key__contains="returned")
    text = note.subject + " " + note.body
    assert "Year-end review" not in text
    assert str(Period.Kind.YEAR_END.label) not in text or translation.get_language() == "vi"
    with translation.override("vi"):
        assert str(Period.Kind.YEAR_END.label).lower() in text.lower()
