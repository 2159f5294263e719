from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from clusters.models import Cluster, ClusterYear, Membership, Organizer, Profile, Unit

PASSWORD = "correct-horse-42"


class OrganizerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organizer

    name = factory.Sequence(lambda n: f"Hội đồng Thi đua - Khen thưởng tỉnh Thử {n}")
    level = Organizer.Level.PROVINCE
    parent_body = "UBND TỈNH THỬ"
    issuing_body = "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"
    place_name = "Thử"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    organizer = factory.SubFactory(OrganizerFactory)
    name = factory.Sequence(lambda n: f"UBND xã Thử Nghiệm {n}")
    kind = Unit.Kind.COMMUNE
    valid_from = dt.date(2000, 1, 1)


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    organizer = factory.SubFactory(OrganizerFactory)
    name = factory.Sequence(lambda n: f"Cụm thi đua số {n}")


class ClusterYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterYear

    cluster = factory.SubFactory(ClusterFactory)
    year = 2024


def add_members(cluster_year: ClusterYear, units: list[Unit]) -> None:
    """Memberships written directly (the services are tested on their own)."""
    start = cluster_year.memberships.count()
    for position, unit in enumerate(units, start=start + 1):
        Membership.objects.create(
            cluster_year=cluster_year,
            unit=unit,
            order=position,
            organizer_id=cluster_year.cluster.organizer_id,
            year=cluster_year.year,
        )


def make_user(username: str, *, role: str, organizer=None, unit=None, position=""):  # type: ignore[no-untyped-def]
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name="Người", last_name=username
    )
    Profile.objects.create(
        user=user,
        role=role,
        organizer=organizer if role == Profile.Role.BOARD else None,
        unit=unit if role != Profile.Role.BOARD else None,
        position=position,
    )
    return user
