"""Two people at once, on PostgreSQL with real concurrent connections (marked
``postgres``: CI runs them against the machine's PostgreSQL; SQLite serialises
writers and cannot show the race).

- Two people save the same entry from the same starting version: the second gets a
  conflict carrying the first one's value, and the first one's value stays.
- Two people save different entries of one scorecard at once: both are kept and the
  cached total is the sum of both (no lost update).
- A submission that waits for a lock past the deadline is refused and writes nothing;
  a save that waits for a submission to commit is refused, never applied to a
  submitted scorecard.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from scoring.models import Entry, EntryHistory, Scorecard
from scoring.services.scorecards import EntryConflict, entry_save, scorecard_submit
from tests.scoring_world import scoring_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

D = Decimal


@pytest.fixture(autouse=True)
def _needs_postgresql():  # type: ignore[no-untyped-def]
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"


def in_thread(target, results: dict, name: str) -> threading.Thread:  # type: ignore[no-untyped-def]
    """Run ``target`` on its own database connection; keep its result or error."""

    def run() -> None:
        try:
            results[name] = target()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each side got
            results[name] = exc
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def fill_all_but(sw, unit, *, skip: set[str] = frozenset()) -> None:  # type: ignore[no-untyped-def]
    """Enter a value for every criterion of the unit's card, with evidence where
    required, so it can be submitted."""
    from scoring.services.scorecards import evidence_link, evidence_reference

    card = sw.card(unit)
    officer = sw.world.member_officer
    values = {
        "1": {"points": "15"},
        "2": {"passed": True},
        "3": {"achieved": "80"},
        "4": {"achieved": "80"},
        "5": {"count": "2"},
    }
    for code, value in values.items():
        if code in skip:
            continue
        entry = sw.entry(unit, code)
        entry_save(actor=officer, entry=entry, version=entry.version, values=value)
    document = evidence_reference(
        actor=officer,
        scorecard=card,
        doc_number="125/BC-UBND",
        doc_date=dt.date(2024, 11, 20),
        title="Báo cáo tổng kết",
    )
    evidence_link(actor=officer, entry=sw.entry(unit, "1"), evidence=document)


def test_the_second_of_two_saves_from_one_version_gets_a_conflict(world):
    sw = scoring_world(world)
    entry = sw.entry(world.member_unit, "1")
    start = entry.version
    first_has_lock = threading.Event()
    results: dict = {}

    def first():  # type: ignore[no-untyped-def]
        with transaction.atomic():
            saved = entry_save(
                actor=world.member_officer,
                entry=Entry.objects.get(pk=entry.pk),
                version=start,
                values={"points": "12"},
            )
            first_has_lock.set()
            time.sleep(0.5)  # the second save is now waiting for this row
            return saved

    def second():  # type: ignore[no-untyped-def]
        first_has_lock.wait(5)
        return entry_save(
            actor=world.member_leader,
            entry=Entry.objects.get(pk=entry.pk),
            version=start,
            values={"points": "18"},
        )

    threads = [in_thread(first, results, "first"), in_thread(second, results, "second")]
    for thread in threads:
        thread.join(15)
    assert isinstance(results["first"], Entry)
    conflict = results["second"]
    assert isinstance(conflict, EntryConflict)
    assert conflict.current.points == D("12.00")
    entry.refresh_from_db()
    assert entry.points == D("12.00") and entry.self_points == D("12.00")
    assert entry.version == start + 1
    # Only the first value entered the history: the refused one left no trace.
    assert EntryHistory.objects.filter(entry=entry, field="points").count() == 1


def test_saves_of_two_entries_of_one_card_at_once_both_count(world):
    sw = scoring_world(world)
    manual = sw.entry(world.member_unit, "1")
    occurrences = sw.entry(world.member_unit, "5")
    go = threading.Barrier(2)
    results: dict = {}

    def save(entry, values):  # type: ignore[no-untyped-def]
        def run():  # type: ignore[no-untyped-def]
            go.wait(5)
            return entry_save(
                actor=world.member_officer,
                entry=Entry.objects.get(pk=entry.pk),
                version=entry.version,
                values=values,
            )

        return run

    threads = [
        in_thread(save(manual, {"points": "15"}), results, "manual"),
        in_thread(save(occurrences, {"count": "3"}), results, "occurrences"),
    ]
    for thread in threads:
        thread.join(15)
    assert isinstance(results["manual"], Entry) and isinstance(results["occurrences"], Entry)
    card = sw.card(world.member_unit)
    assert card.self_total == D("45.00")  # 15 + 3 × 10


def test_a_submission_that_gets_the_lock_after_the_deadline_is_refused(world):
    sw = scoring_world(world)
    fill_all_but(sw, world.member_unit)
    card = sw.card(world.member_unit)
    deadline = timezone.now() + dt.timedelta(seconds=1)
    type(sw.period).objects.filter(pk=sw.period.pk).update(self_deadline=deadline)
    holding = threading.Event()
    results: dict = {}

    def hold_the_card():  # type: ignore[no-untyped-def]
        with transaction.atomic():
            Scorecard.objects.select_for_update().get(pk=card.pk)
            holding.set()
            time.sleep(2)  # past the deadline
        return "released"

    def submit():  # type: ignore[no-untyped-def]
        holding.wait(5)
        return scorecard_submit(actor=world.member_officer, scorecard=card)

    threads = [in_thread(hold_the_card, results, "holder"), in_thread(submit, results, "submit")]
    for thread in threads:
        thread.join(15)
    assert isinstance(results["submit"], ValidationError)
    card.refresh_from_db()
    assert card.state == Scorecard.State.DRAFT
    assert card.submitted_at is None and card.submitted_by is None


def test_a_save_waiting_for_a_submission_is_refused_not_applied(world):
    sw = scoring_world(world)
    fill_all_but(sw, world.member_unit)
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    submitted = threading.Event()
    results: dict = {}

    def submit():  # type: ignore[no-untyped-def]
        with transaction.atomic():
            scorecard_submit(
                actor=world.member_officer, scorecard=Scorecard.objects.get(pk=card.pk)
            )
            submitted.set()
            time.sleep(0.5)  # the save below waits for this commit
        return "submitted"

    def save():  # type: ignore[no-untyped-def]
        submitted.wait(5)
        return entry_save(
            actor=world.member_leader,
            entry=Entry.objects.get(pk=entry.pk),
            version=entry.version,
            values={"points": "20"},
        )

    threads = [in_thread(submit, results, "submit"), in_thread(save, results, "save")]
    for thread in threads:
        thread.join(15)
    assert results["submit"] == "submitted"
    assert isinstance(results["save"], ValidationError)
    entry.refresh_from_db()
    assert entry.points == D("15.00")
    card.refresh_from_db()
    assert card.state == Scorecard.State.SUBMITTED and card.self_total > 0


def test_a_unit_recomputing_the_cluster_and_a_head_finalising_do_not_deadlock(world, monkeypatch):
    """A relative-to-leader save rewrites other units' entries; finalising writes every
    entry of a card. Both take the period's lock first, so one waits for the other
    instead of each holding what the other needs."""
    from scoring.services import computation
    from scoring.services.verification import scorecard_finalise
    from tests.test_scoring_verification import submit

    sw = scoring_world(world)
    with transaction.atomic():
        card = submit(sw, world.member_unit, {"4": {"achieved": D(120)}})  # the cluster's best
    original = computation.refresh_totals
    paused = threading.Event()

    def slow_refresh(ids, **kwargs):  # type: ignore[no-untyped-def]
        paused.set()
        time.sleep(0.6)  # the finalisation starts while this save holds its locks
        return original(ids, **kwargs)

    monkeypatch.setattr(computation, "refresh_totals", slow_refresh)
    results: dict = {}

    def unit_save():  # type: ignore[no-untyped-def]
        entry = Entry.objects.get(pk=sw.entry(world.h_new, "4").pk)
        return entry_save(
            actor=world.head_officer, entry=entry, version=entry.version, values={"achieved": "200"}
        )

    def finalise():  # type: ignore[no-untyped-def]
        paused.wait(5)
        return scorecard_finalise(
            actor=world.head_officer, scorecard=Scorecard.objects.get(pk=card.pk), role="head"
        )

    threads = [in_thread(unit_save, results, "save"), in_thread(finalise, results, "finalise")]
    for thread in threads:
        thread.join(20)
    assert isinstance(results["save"], Entry), results["save"]
    assert isinstance(results["finalise"], Scorecard), results["finalise"]
    card.refresh_from_db()
    assert card.state == Scorecard.State.FINALISED
