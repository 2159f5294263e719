"""Cluster years (clusters/services.py): members in the agreed order, head and deputy,
the naming decision, and the open/closed status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clusters import services
from clusters.models import CLUSTER_YEAR_TRANSITIONS, Cluster, ClusterYear, Membership
from core.models import ActionLog
from tests.factories import ClusterFactory, UnitFactory


def message(constant, **params) -> str:  # type: ignore[no-untyped-def]
    return str(constant) % params if params else str(constant)


@pytest.fixture
def fresh(world):  # type: ignore[no-untyped-def]
    """A second cluster of the world's organizer with no years yet, and four units
    that are in no cluster."""
    cluster = ClusterFactory(organizer=world.org, name="Cụm thi đua các xã")
    units = [
        UnitFactory(organizer=world.org, name=name)
        for name in ["UBND xã Đông Hòa", "UBND xã Tây Hòa", "UBND xã Nam Hòa", "UBND xã Bắc Hòa"]
    ]
    return cluster, units


def create(world, cluster, year, members, **fields):  # type: ignore[no-untyped-def]
    return services.cluster_year_create(
        actor=world.board, cluster=cluster, year=year, members=members, **fields
    )


def assert_nothing_saved(cluster) -> None:  # type: ignore[no-untyped-def]
    assert not ClusterYear.objects.filter(cluster=cluster).exists()
    assert not Membership.objects.filter(cluster_year__cluster=cluster).exists()
    assert not ActionLog.objects.filter(action="clusters.cluster_year.created").exists()


# Create ---------------------------------------------------------------------------------


def test_create_keeps_the_order_and_names_head_and_deputy(world, fresh):
    cluster, (a, b, c, d) = fresh
    year = create(
        world,
        cluster,
        2024,
        [c, a, d, b],
        head_unit=d,
        deputy_unit=b,
        theme="  Đoàn kết,  sáng tạo ",
        decision_number="15/QĐ-HĐTĐKT",
        decision_date=dt.date(2023, 12, 20),
        decision_signer="Chủ tịch Hội đồng",
    )
    stored = ClusterYear.objects.get(pk=year.pk)
    assert (stored.year, stored.head_unit, stored.deputy_unit) == (2024, d, b)
    assert stored.status == ClusterYear.Status.OPEN
    assert stored.theme == "Đoàn kết, sáng tạo"
    assert (stored.decision_number, stored.decision_date) == ("15/QĐ-HĐTĐKT", dt.date(2023, 12, 20))
    memberships = list(stored.memberships.order_by("order"))
    assert [(m.order, m.unit) for m in memberships] == [(1, c), (2, a), (3, d), (4, b)]
    assert {(m.organizer_id, m.year) for m in memberships} == {(world.org.pk, 2024)}
    entry = ActionLog.objects.get(action="clusters.cluster_year.created")
    assert entry.actor == world.board
    assert entry.scope_id == world.org.pk
    assert entry.data["members"] == [c.name, a.name, d.name, b.name]
    assert entry.data["new"]["head_unit"] == {"id": d.pk, "repr": d.name}
    assert entry.data["new"]["decision_date"] == "2023-12-20"


def test_a_year_without_head_or_decision_is_allowed(world, fresh):
    cluster, (a, b, _c, _d) = fresh
    year = create(world, cluster, 2025, [a, b])
    assert year.head_unit is None and year.deputy_unit is None
    assert year.memberships.count() == 2


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        (lambda u: {"head_unit": u[3]}, "head_unit", services.HEAD_NOT_MEMBER),
        (
            lambda u: {"head_unit": u[0], "deputy_unit": u[3]},
            "deputy_unit",
            services.DEPUTY_NOT_MEMBER,
        ),
        (
            lambda u: {"head_unit": u[0], "deputy_unit": u[0]},
            "deputy_unit",
            services.HEAD_IS_DEPUTY,
        ),
    ],
    ids=["head-not-member", "deputy-not-member", "head-is-deputy"],
)
def test_head_and_deputy_must_be_two_members(world, fresh, fields, field, text):
    cluster, units = fresh
    with pytest.raises(ValidationError) as caught:
        create(world, cluster, 2024, units[:3], **fields(units))
    assert caught.value.message_dict == {field: [message(text)]}
    assert_nothing_saved(cluster)


def test_a_unit_of_another_organizer_is_refused(world, fresh):
    cluster, (a, b, _c, _d) = fresh
    with pytest.raises(ValidationError) as caught:
        create(world, cluster, 2024, [a, world.other_unit, b])
    assert caught.value.message_dict == {
        "members": [message(services.UNIT_OTHER_ORGANIZER, unit="UBND huyện Ngoài")]
    }
    assert_nothing_saved(cluster)


def test_a_unit_that_did_not_exist_that_year_is_refused(world, fresh):
    cluster, (a, b, _c, _d) = fresh
    ended = UnitFactory(
        organizer=world.org,
        name="UBND xã Cũ",
        valid_from=dt.date(2010, 1, 1),
        valid_to=dt.date(2022, 12, 31),
    )
    future = UnitFactory(organizer=world.org, name="UBND xã Mới", valid_from=dt.date(2025, 7, 1))
    with pytest.raises(ValidationError) as caught:
        create(world, cluster, 2024, [a, ended, future, b])
    assert caught.value.message_dict == {
        "members": [
            message(
                services.UNIT_NOT_VALID_IN_YEAR,
                unit="UBND xã Cũ",
                year=2024,
                period="01/01/2010 – 31/12/2022",
            ),
            message(
                services.UNIT_NOT_VALID_IN_YEAR,
                unit="UBND xã Mới",
                year=2024,
                period="01/07/2025 – …",
            ),
        ]
    }
    assert_nothing_saved(cluster)


def test_a_unit_valid_for_part_of_the_year_is_accepted(world, fresh):
    cluster, (a, _b, _c, _d) = fresh
    part = UnitFactory(organizer=world.org, name="UBND xã Nửa Năm", valid_to=dt.date(2025, 6, 30))
    year = create(world, cluster, 2025, [a, part])
    assert set(year.memberships.values_list("unit__name", flat=True)) == {a.name, "UBND xã Nửa Năm"}


def test_a_unit_in_another_cluster_the_same_year_is_refused(world, fresh):
    cluster, (a, b, _c, _d) = fresh
    with pytest.raises(ValidationError) as caught:
        create(world, cluster, 2024, [a, world.member_unit, b])
    assert caught.value.message_dict == {
        "members": [
            message(
                services.UNIT_IN_OTHER_CLUSTER,
                unit="UBND huyện Bắc Sơn",
                cluster="Cụm thi đua các huyện",
                year=2024,
            )
        ]
    }
    assert_nothing_saved(cluster)


def test_a_unit_in_another_cluster_in_another_year_is_fine(world, fresh):
    cluster, (a, _b, _c, _d) = fresh
    year = create(world, cluster, 2025, [a, world.member_unit])
    assert year.memberships.filter(unit=world.member_unit).exists()


def test_a_unit_listed_twice_is_refused(world, fresh):
    cluster, (a, b, _c, _d) = fresh
    with pytest.raises(ValidationError) as caught:
        create(world, cluster, 2024, [a, b, a])
    assert caught.value.message_dict == {
        "members": [message(services.UNIT_LISTED_TWICE, unit=a.name)]
    }
    assert_nothing_saved(cluster)


def test_the_database_refuses_a_unit_in_two_clusters_a_year(world, fresh):
    cluster, _units = fresh
    year = ClusterYear.objects.create(cluster=cluster, year=2024)
    with (
        pytest.raises(IntegrityError, match=r"membership_one_cluster_a_year|UNIQUE"),
        transaction.atomic(),
    ):
        Membership.objects.create(
            cluster_year=year, unit=world.member_unit, order=1, organizer=world.org, year=2024
        )
    assert not Membership.objects.filter(cluster_year=year).exists()


def test_a_duplicate_year_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        create(world, world.cluster, 2024, [world.outsider_unit, world.h_new])
    assert caught.value.message_dict == {"year": [message(services.DUPLICATE_YEAR, year=2024)]}
    assert ClusterYear.objects.filter(cluster=world.cluster).count() == 2


@pytest.mark.parametrize(
    ("decision_date", "accepted"),
    [
        (dt.date(2023, 9, 30), False),
        (dt.date(2023, 10, 1), True),
        (dt.date(2024, 1, 12), True),
        (dt.date(2024, 12, 31), True),
        (dt.date(2025, 1, 1), False),
        (dt.date(2022, 12, 1), False),
    ],
)
def test_the_decision_date_falls_between_october_before_and_the_end_of_the_year(
    world, fresh, decision_date, accepted
):
    cluster, (a, b, _c, _d) = fresh
    fields = {"head_unit": a, "decision_number": "42/QĐ-UBND", "decision_date": decision_date}
    if accepted:
        year = create(world, cluster, 2024, [a, b], **fields)
        assert ClusterYear.objects.get(pk=year.pk).decision_date == decision_date
    else:
        with pytest.raises(ValidationError) as caught:
            create(world, cluster, 2024, [a, b], **fields)
        assert caught.value.message_dict == {
            "decision_date": [message(services.DECISION_DATE_OUTSIDE, before=2023, year=2024)]
        }
        assert_nothing_saved(cluster)


@pytest.mark.parametrize(
    "fields",
    [{"decision_number": "42/QĐ-UBND"}, {"decision_date": dt.date(2024, 1, 12)}],
    ids=["number-without-date", "date-without-number"],
)
def test_decision_number_and_date_go_together(world, fresh, fields):
    cluster, (a, b, _c, _d) = fresh
    with pytest.raises(ValidationError) as caught:
        create(world, cluster, 2024, [a, b], **fields)
    assert caught.value.message_dict == {"decision_number": [message(services.DECISION_INCOMPLETE)]}
    assert_nothing_saved(cluster)


# Change members and details ---------------------------------------------------------------


def test_set_members_replaces_the_members_in_the_new_order(world):
    year = world.this_year
    services.cluster_year_set_members(
        actor=world.board,
        cluster_year=year,
        members=[world.member_unit, world.h_new, world.outsider_unit, world.deputy_unit],
    )
    assert [(m.order, m.unit) for m in year.memberships.order_by("order")] == [
        (1, world.member_unit),
        (2, world.h_new),
        (3, world.outsider_unit),
        (4, world.deputy_unit),
    ]
    assert not year.memberships.filter(unit=world.h_old).exists()
    entry = ActionLog.objects.get(action="clusters.cluster_year.members_changed")
    assert entry.data["members"] == {
        "old": [
            "UBND huyện Tây Sơn",
            "UBND huyện Nam Sơn",
            "UBND huyện Bắc Sơn",
            "UBND huyện Đông Sơn",
        ],
        "new": ["UBND huyện Bắc Sơn", "UBND huyện Tây Sơn", "Sở Nội vụ", "UBND huyện Nam Sơn"],
    }


def test_set_members_refuses_dropping_the_head(world):
    year = world.this_year
    with pytest.raises(ValidationError) as caught:
        services.cluster_year_set_members(
            actor=world.board, cluster_year=year, members=[world.deputy_unit, world.member_unit]
        )
    assert caught.value.message_dict == {"head_unit": [message(services.HEAD_NOT_MEMBER)]}
    assert year.memberships.count() == 4
    assert not ActionLog.objects.filter(action="clusters.cluster_year.members_changed").exists()


def test_set_members_refuses_a_unit_of_another_cluster_that_year(world, fresh):
    cluster, (a, b, _c, _d) = fresh
    create(world, cluster, 2024, [a, b])
    with pytest.raises(ValidationError) as caught:
        services.cluster_year_set_members(
            actor=world.board,
            cluster_year=world.this_year,
            members=[world.h_new, world.deputy_unit, a],
        )
    assert "members" in caught.value.message_dict
    assert not world.this_year.memberships.filter(unit=a).exists()


def test_update_changes_head_and_logs_old_and_new(world):
    services.cluster_year_update(
        actor=world.board,
        cluster_year=world.this_year,
        head_unit=world.member_unit,
        deputy_unit=world.h_new,
    )
    year = ClusterYear.objects.get(pk=world.this_year.pk)
    assert (year.head_unit, year.deputy_unit) == (world.member_unit, world.h_new)
    entry = ActionLog.objects.get(action="clusters.cluster_year.updated")
    assert entry.data == {
        "head_unit": {
            "old": {"id": world.h_new.pk, "repr": "UBND huyện Tây Sơn"},
            "new": {"id": world.member_unit.pk, "repr": "UBND huyện Bắc Sơn"},
        },
        "deputy_unit": {
            "old": {"id": world.deputy_unit.pk, "repr": "UBND huyện Nam Sơn"},
            "new": {"id": world.h_new.pk, "repr": "UBND huyện Tây Sơn"},
        },
    }


def test_update_refuses_a_head_who_is_not_a_member(world):
    with pytest.raises(ValidationError) as caught:
        services.cluster_year_update(
            actor=world.board, cluster_year=world.this_year, head_unit=world.outsider_unit
        )
    assert caught.value.message_dict == {"head_unit": [message(services.HEAD_NOT_MEMBER)]}
    assert ClusterYear.objects.get(pk=world.this_year.pk).head_unit == world.h_new


def test_a_closed_year_cannot_be_changed(world):
    last = world.last_year
    with pytest.raises(ValidationError) as caught:
        services.cluster_year_update(actor=world.board, cluster_year=last, theme="Đổi")
    assert caught.value.messages == [message(services.YEAR_CLOSED, year=2023)]
    with pytest.raises(ValidationError) as caught:
        services.cluster_year_set_members(
            actor=world.board, cluster_year=last, members=[world.h_old, world.h_new]
        )
    assert caught.value.messages == [message(services.YEAR_CLOSED, year=2023)]
    stored = ClusterYear.objects.get(pk=last.pk)
    assert stored.theme == ""
    assert stored.memberships.count() == 4


# Status ------------------------------------------------------------------------------------


def test_the_transition_table():
    assert {key: set(value) for key, value in CLUSTER_YEAR_TRANSITIONS.items()} == {
        "open": {"closed"},
        "closed": {"open"},
    }
    # Every status has an entry, and every target is a status.
    statuses = {choice.value for choice in ClusterYear.Status}
    assert set(CLUSTER_YEAR_TRANSITIONS) == statuses
    assert set().union(*CLUSTER_YEAR_TRANSITIONS.values()) <= statuses
    # No status moves to itself.
    assert all(status not in targets for status, targets in CLUSTER_YEAR_TRANSITIONS.items())


@pytest.mark.parametrize("old", [choice.value for choice in ClusterYear.Status])
@pytest.mark.parametrize("new", [choice.value for choice in ClusterYear.Status])
def test_set_status_follows_the_table(world, fresh, old, new):
    cluster, (a, b, _c, _d) = fresh
    year = create(world, cluster, 2024, [a, b])
    ClusterYear.objects.filter(pk=year.pk).update(status=old)
    if new in CLUSTER_YEAR_TRANSITIONS[old]:
        services.cluster_year_set_status(
            actor=world.board, cluster_year=year, status=new, reason="Bàn giao"
        )
        assert ClusterYear.objects.get(pk=year.pk).status == new
        entry = ActionLog.objects.filter(
            action__in=["clusters.cluster_year.closed", "clusters.cluster_year.reopened"]
        ).get()
        assert entry.action == (
            "clusters.cluster_year.closed" if new == "closed" else "clusters.cluster_year.reopened"
        )
        assert entry.data == {"status": {"old": old, "new": new}, "reason": "Bàn giao"}
    else:
        with pytest.raises(ValidationError) as caught:
            services.cluster_year_set_status(actor=world.board, cluster_year=year, status=new)
        assert caught.value.messages == [
            message(
                services.TRANSITION_NOT_ALLOWED,
                old=ClusterYear.Status(old).label,
                new=ClusterYear.Status(new).label,
            )
        ]
        assert ClusterYear.objects.get(pk=year.pk).status == old


def test_closing_then_reopening_allows_changes_again(world):
    last = world.last_year
    services.cluster_year_set_status(actor=world.board, cluster_year=last, status="open")
    services.cluster_year_update(actor=world.board, cluster_year=last, theme="Sửa sau khi mở lại")
    services.cluster_year_set_status(actor=world.board, cluster_year=last, status="closed")
    stored = ClusterYear.objects.get(pk=last.pk)
    assert (stored.status, stored.theme) == ("closed", "Sửa sau khi mở lại")
    assert ActionLog.objects.filter(action="clusters.cluster_year.reopened").count() == 1
    assert ActionLog.objects.filter(action="clusters.cluster_year.closed").count() == 1


def test_an_unknown_status_is_refused_with_a_message(world):
    with pytest.raises(ValidationError):
        services.cluster_year_set_status(
            actor=world.board, cluster_year=world.this_year, status="archived"
        )
    assert ClusterYear.objects.get(pk=world.this_year.pk).status == "open"


def test_cluster_create_refuses_a_duplicate_name(world):
    with pytest.raises(ValidationError) as caught:
        services.cluster_create(
            actor=world.board, organizer=world.org, name="CỤM THI ĐUA CÁC HUYỆN"
        )
    assert caught.value.message_dict == {
        "name": [message(services.DUPLICATE_CLUSTER, name="CỤM THI ĐUA CÁC HUYỆN")]
    }
    assert Cluster.objects.filter(organizer=world.org).count() == 1
