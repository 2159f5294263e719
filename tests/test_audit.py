"""The action log (core/audit.py, core/models.py): what an entry records, and that
nothing can rewrite it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory

from clusters import services
from clusters.models import Unit
from core.audit import changes, client_ip, log_action, snapshot
from core.models import ActionLog, AppendOnlyError
from tests.factories import OrganizerFactory, UnitFactory


@pytest.fixture
def entry(world):  # type: ignore[no-untyped-def]
    return log_action(
        actor=world.board,
        action="clusters.unit.updated",
        obj=world.member_unit,
        scope_id=world.org.pk,
        data={"name": {"old": "A", "new": "B"}},
    )


# What an entry records ----------------------------------------------------------------


def test_log_action_records_actor_object_scope_and_data(world):
    entry = log_action(
        actor=world.board,
        action="clusters.unit.updated",
        obj=world.member_unit,
        scope_id=world.org.pk,
        data={"valid_to": {"old": None, "new": dt.date(2025, 6, 30)}, "points": Decimal("8.5")},
        ip_address="10.0.0.7",
    )
    stored = ActionLog.objects.get(pk=entry.pk)
    assert stored.actor == world.board
    assert stored.actor_name == "alice"
    assert stored.action == "clusters.unit.updated"
    assert stored.scope_id == world.org.pk
    assert stored.content_type == ContentType.objects.get_for_model(Unit)
    assert stored.object_id == str(world.member_unit.pk)
    assert stored.object_repr == "UBND huyện Bắc Sơn"
    # Dates and decimals are stored in a JSON-safe form.
    assert stored.data == {"valid_to": {"old": None, "new": "2025-06-30"}, "points": "8.5"}
    assert stored.ip_address == "10.0.0.7"
    assert stored.created_at is not None
    assert "alice" in str(stored) and "clusters.unit.updated" in str(stored)


def test_log_action_without_a_signed_in_user_or_object(db):
    entry = log_action(actor=AnonymousUser(), action="core.demo.loaded")
    stored = ActionLog.objects.get(pk=entry.pk)
    assert stored.actor is None
    assert stored.actor_name == ""
    assert stored.content_type is None
    assert stored.object_id == ""
    assert stored.object_repr == ""
    assert stored.data == {}
    assert log_action(actor=None, action="core.demo.loaded").actor is None


def test_snapshot_and_changes_keep_only_what_changed(world):
    unit = world.member_unit
    fields = ["name", "parent", "valid_from", "valid_to"]
    before = snapshot(unit, fields)
    assert before == {
        "name": "UBND huyện Bắc Sơn",
        "parent": None,
        "valid_from": "2000-01-01",
        "valid_to": None,
    }
    unit.parent = world.h_old
    unit.valid_to = dt.date(2025, 6, 30)
    after = snapshot(unit, fields)
    assert changes(before, after) == {
        "parent": {"old": None, "new": {"id": world.h_old.pk, "repr": "UBND huyện Đông Sơn"}},
        "valid_to": {"old": None, "new": "2025-06-30"},
    }
    assert changes(after, after) == {}


def test_a_service_writes_old_and_new_values(world):
    services.unit_update(actor=world.board, unit=world.member_unit, short_name="Bắc Sơn", code="BS")
    entry = ActionLog.objects.get(action="clusters.unit.updated")
    assert entry.actor == world.board
    assert entry.scope_id == world.org.pk
    assert entry.object_id == str(world.member_unit.pk)
    assert entry.data == {
        "short_name": {"old": "", "new": "Bắc Sơn"},
        "code": {"old": "", "new": "BS"},
    }


def test_a_refused_service_call_leaves_no_entry(world):
    before = ActionLog.objects.count()
    with pytest.raises(ValidationError):
        services.unit_update(actor=world.board, unit=world.member_unit, name="UBND huyện Tây Sơn")
    assert ActionLog.objects.count() == before


def test_client_ip_reads_remote_addr():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.5")
    assert client_ip(request) == "192.0.2.5"
    assert client_ip(None) is None


# Append-only ----------------------------------------------------------------------------


def test_saving_an_existing_entry_is_refused(entry):
    entry.action = "clusters.unit.deleted"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert ActionLog.objects.get(pk=entry.pk).action == "clusters.unit.updated"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert ActionLog.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(AppendOnlyError):
        ActionLog.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        ActionLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        ActionLog.objects.update(data={})
    # bulk_update runs in an atomic block of its own caller's: give it a savepoint.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        ActionLog.objects.bulk_update([entry], ["action"])
    stored = ActionLog.objects.get(pk=entry.pk)
    assert stored.action == "clusters.unit.updated"
    assert stored.data == {"name": {"old": "A", "new": "B"}}


def _raw(sql: str, params: list) -> None:  # type: ignore[type-arg]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_cannot_rewrite_history_where_the_database_can_refuse(entry):
    """Every backend refuses rewriting through the ORM; PostgreSQL also refuses a
    raw UPDATE or DELETE with a trigger. SQLite has no such trigger (the ORM guard
    is what protects the log there)."""
    table = ActionLog._meta.db_table
    with pytest.raises(AppendOnlyError):
        ActionLog.objects.filter(pk=entry.pk).update(action="x")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(f"UPDATE {table} SET action = %s WHERE id = %s", ["rewritten", entry.pk])  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(f"DELETE FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
        stored = ActionLog.objects.get(pk=entry.pk)
        assert stored.action == "clusters.unit.updated"
    else:
        assert connection.vendor == "sqlite"
        with pytest.raises(AppendOnlyError):
            ActionLog.objects.filter(pk=entry.pk).delete()
        assert ActionLog.objects.filter(pk=entry.pk).exists()


def test_new_entries_can_still_be_added(entry):
    log_action(actor=None, action="clusters.unit.created")
    assert ActionLog.objects.count() == 2


def test_deleting_a_user_with_log_entries_is_refused_cleanly(db):
    organizer = OrganizerFactory()
    user = get_user_model().objects.create_user(username="staff", password="x-42-long-pass")
    unit = UnitFactory(organizer=organizer)
    services.unit_update(actor=user, unit=unit, code="X1")
    entry = ActionLog.objects.get(action="clusters.unit.updated")
    user_pk = user.pk
    try:
        with transaction.atomic():
            user.delete()
    except ProtectedError:
        pass
    finally:
        # What the test is about: the entry still names its actor.
        assert ActionLog.objects.get(pk=entry.pk).actor_id == user_pk
    assert get_user_model().objects.filter(pk=user_pk).exists()
