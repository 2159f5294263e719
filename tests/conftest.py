"""A fixture world with a fixed persona for every role (see ``World``).

Organizer ``org`` runs cluster ``cluster`` with years ``last_year`` (2023, closed,
head ``h_old``) and ``this_year`` (2024, open, head ``h_new``, deputy ``deputy_unit``);
``other_org`` is a second organizer whose staff must never see ``org``'s data.
"""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass
from typing import Any

import pytest

from clusters.models import ClusterYear, Profile
from core import reauth
from tests.factories import (
    ClusterFactory,
    ClusterYearFactory,
    OrganizerFactory,
    UnitFactory,
    add_members,
    make_user,
)


@dataclass
class World:
    org: Any
    other_org: Any
    cluster: Any
    last_year: Any
    this_year: Any
    h_old: Any  # head unit in 2023
    h_new: Any  # head unit in 2024
    deputy_unit: Any
    member_unit: Any
    outsider_unit: Any  # same organizer, in no cluster
    other_unit: Any  # registered by the other organizer
    board: Any
    other_board: Any
    head_officer: Any  # officer of this year's head unit
    last_head_officer: Any  # officer of last year's head unit
    member_officer: Any
    member_leader: Any
    outsider_officer: Any

    def personas(self) -> dict[str, Any]:
        return {
            "board": self.board,
            "other_board": self.other_board,
            "head_officer": self.head_officer,
            "last_head_officer": self.last_head_officer,
            "member_officer": self.member_officer,
            "member_leader": self.member_leader,
            "outsider_officer": self.outsider_officer,
        }


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    org = OrganizerFactory(name="Hội đồng Thi đua - Khen thưởng tỉnh An Phú", place_name="An Phú")
    other_org = OrganizerFactory(name="Hội đồng Thi đua - Khen thưởng tỉnh Bình Lâm")
    h_old = UnitFactory(organizer=org, name="UBND huyện Đông Sơn")
    h_new = UnitFactory(organizer=org, name="UBND huyện Tây Sơn")
    deputy_unit = UnitFactory(organizer=org, name="UBND huyện Nam Sơn")
    member_unit = UnitFactory(organizer=org, name="UBND huyện Bắc Sơn")
    outsider_unit = UnitFactory(organizer=org, name="Sở Nội vụ", kind="department")
    other_unit = UnitFactory(organizer=other_org, name="UBND huyện Ngoài")
    cluster = ClusterFactory(organizer=org, name="Cụm thi đua các huyện")
    last_year = ClusterYearFactory(
        cluster=cluster,
        year=2023,
        head_unit=h_old,
        deputy_unit=h_new,
        status=ClusterYear.Status.CLOSED,
    )
    add_members(last_year, [h_old, h_new, deputy_unit, member_unit])
    this_year = ClusterYearFactory(
        cluster=cluster, year=2024, head_unit=h_new, deputy_unit=deputy_unit
    )
    add_members(this_year, [h_new, deputy_unit, member_unit, h_old])
    return World(
        org=org,
        other_org=other_org,
        cluster=cluster,
        last_year=last_year,
        this_year=this_year,
        h_old=h_old,
        h_new=h_new,
        deputy_unit=deputy_unit,
        member_unit=member_unit,
        outsider_unit=outsider_unit,
        other_unit=other_unit,
        board=make_user("alice", role=Profile.Role.BOARD, organizer=org),
        other_board=make_user("bob", role=Profile.Role.BOARD, organizer=other_org),
        head_officer=make_user("hana", role=Profile.Role.OFFICER, unit=h_new),
        last_head_officer=make_user("olga", role=Profile.Role.OFFICER, unit=h_old),
        member_officer=make_user("minh", role=Profile.Role.OFFICER, unit=member_unit),
        member_leader=make_user("lan", role=Profile.Role.LEADER, unit=member_unit),
        outsider_officer=make_user("oscar", role=Profile.Role.OFFICER, unit=outsider_unit),
    )


def password_just_confirmed(client) -> None:  # type: ignore[no-untyped-def]
    """The logged-in user of ``client`` has just typed their password again."""
    session = client.session
    session[reauth.SESSION_KEY] = time.time()
    session.save()


@pytest.fixture
def client_for(client):  # type: ignore[no-untyped-def]
    """``client_for(user)``: the test client logged in as ``user``, who has just typed
    their password again (``core.reauth``: voting and finalising do not ask for it within
    the window). ``client_for(user, confirmed=False)``: logged in only;
    tests/test_reauth.py checks what that user is asked."""

    def login(user, *, confirmed: bool = True):  # type: ignore[no-untyped-def]
        client.force_login(user)
        if confirmed:
            password_just_confirmed(client)
        return client

    return login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """The world creates many accounts; hashing strength is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _caches_start_empty():  # type: ignore[no-untyped-def]
    """Per-process caches keyed by primary keys (frozen rubric trees, rendered rows)
    must not outlive a test's database, whose keys the next test reuses."""
    from django.core.cache import caches

    from scoring.selectors.rubrics import forget_frozen_trees

    forget_frozen_trees()
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _documents_in_the_test_process(request, settings, tmp_path):  # type: ignore[no-untyped-def]
    """Document jobs run inline and files land in a temporary media root, except
    in tests of a real worker (marked ``worker``), which need the worker."""
    if request.node.get_closest_marker("worker") is None:
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.SIGNING_KEYS_DIR = tmp_path / "keys"
        settings.SIGNING_DEMO_KEYS = True
        settings.JOB_RUNNER = "inline"


@contextlib.contextmanager
def demo_loaded_once(django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The whole demo (``load_demo``, ≈ 5 s) loaded once, inside a transaction rolled
    back on leaving; yields the command's output. Tests inside still run each in its own
    savepoint (they request ``db`` as usual), so what one test writes is gone before the
    next. Settings as ``_documents_in_the_test_process`` and ``_fast_password_hashing``
    give a single test, with a media root of its own. Never with ``transaction=True`` or
    ``live_server`` (they flush the database)."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    root = tmp_path_factory.mktemp("demo")
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=root / "media",
        SIGNING_KEYS_DIR=root / "keys",
        SIGNING_DEMO_KEYS=True,
        JOB_RUNNER="inline",
    ):
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
        try:
            with django_db_blocker.unblock():
                out = io.StringIO()
                call_command("load_demo", stdout=out)
            yield out.getvalue()
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """``demo_loaded_once`` for a whole module: only for modules whose every test wants
    the demo (it stays visible to each later test of the module)."""
    with demo_loaded_once(django_db_blocker, tmp_path_factory) as output:
        yield output
