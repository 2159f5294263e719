"""Tables whose rows are kept for good refuse UPDATE and DELETE in PostgreSQL itself
(``core.db.append_only``), so even a raw SQL statement cannot rewrite them. On SQLite
(the embedded default) there is no trigger: the test says so instead of skipping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from scoring.models import Disclosure, DisclosureComment, Nomination, Nominee
from tests.scoring_world import scoring_world


def _raw(sql: str, params: list) -> None:  # type: ignore[type-arg]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def comment(world):  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    now = timezone.now()
    nomination = Nomination.objects.create(
        period=sw.period,
        cluster_year=world.this_year,
        organizer=world.org,
        year=world.this_year.year,
        state=Nomination.State.SUBMITTED,
    )
    nominee = Nominee.objects.create(
        nomination=nomination, unit=world.h_new, award=Nominee.Award.FLAG
    )
    disclosure = Disclosure.objects.create(
        organizer=world.org,
        year=world.this_year.year,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=6),
    )
    return DisclosureComment.objects.create(
        disclosure=disclosure, nominee=nominee, author=world.member_officer, text="Đồng ý đề nghị."
    )


def test_disclosure_comments_cannot_be_rewritten_where_the_database_can_refuse(comment):
    table = DisclosureComment._meta.db_table
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(f"UPDATE {table} SET text = %s WHERE id = %s", ["sửa", comment.pk])  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(f"DELETE FROM {table} WHERE id = %s", [comment.pk])  # noqa: S608
    else:
        assert connection.vendor == "sqlite"
    assert DisclosureComment.objects.get(pk=comment.pk).text == "Đồng ý đề nghị."
