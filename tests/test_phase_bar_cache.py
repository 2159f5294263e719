"""The phase bar from the fragments cache (scoring.context_processors ``bar_html``): read
once, then served without its queries until ``Organizer.phase_stamp`` moves on
(scoring.phase_stamp) — and it moves on after each change the bar shows, made through
the real services."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from clusters.models import Organizer
from covenants.models import CovenantState
from covenants.services.signing import covenant_sign
from scoring.context_processors import YearGuide
from scoring.models import Ballot, Scorecard
from scoring.phase_stamp import _Bump, bump_phase
from scoring.services.ballots import ballot_create, ballot_open
from scoring.services.periods import period_open
from scoring.services.scorecards import scorecard_submit
from tests.factories import PASSWORD
from tests.scoring_world import scoring_world
from tests.test_covenant_workflow import leaders_for, make_covenant, sign_all
from tests.test_scoring_submit import fill

TODO_ONE = '<a href="/#todo">1 việc cần làm</a>'


def shown(html: str) -> str:
    """What the bar puts on a page: the bar, the board's progress link, the to-do line."""
    found = re.findall(
        r'<nav class="phase-bar".*?</nav>|<p class="phase-bar-board.*?</p>'
        r'|<p class="todo-line.*?</p>',
        html,
        re.S,
    )
    return "\n".join(found)


def page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    return shown(response.content.decode())


def phase_queries(queries) -> list[str]:  # type: ignore[no-untyped-def]
    """The cluster year's query with the phase's subqueries."""
    return [q["sql"] for q in queries.captured_queries if "phase_covenant_state" in q["sql"]]


def stamp(organizer) -> int:  # type: ignore[no-untyped-def]
    return Organizer.objects.values_list("phase_stamp", flat=True).get(pk=organizer.pk)


@contextmanager
def committed(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run the stamp's callbacks of what the block wrote as its commit would (the test's
    own transaction never commits); the e-mail and documents the services also leave
    for the commit are not under test here."""
    with django_capture_on_commit_callbacks() as callbacks:
        yield
    for callback in callbacks:
        if isinstance(callback, _Bump):
            callback()


# The cache ----------------------------------------------------------------------------------


def test_the_second_page_takes_the_bar_from_the_cache(world, client_for):
    scoring_world(world)
    client = client_for(world.member_officer)
    path = reverse("notification_list")
    with CaptureQueriesContext(connection) as first:
        html = page(client, path)
    with CaptureQueriesContext(connection) as second:
        again = page(client, path)
    assert "Giai đoạn 5/10: Tự chấm điểm" in html and TODO_ONE in html
    assert again == html
    assert len(phase_queries(first)) == 1
    assert phase_queries(second) == []
    # the cluster year with its phase, the periods with the unit's own card
    assert len(second.captured_queries) == len(first.captured_queries) - 2


def guide_for(user, path: str) -> YearGuide:  # type: ignore[no-untyped-def]
    request = RequestFactory().get(path)
    request.user = user
    request.session = {}
    request.resolver_match = resolve(path)
    return YearGuide(request)


def test_the_cached_bar_is_what_the_include_renders(world):
    sw = scoring_world(world)
    card = sw.card(world.member_unit)
    include = engines["django"].from_string('{% include "includes/year_phase_bar.html" %}')
    cases = [
        (world.member_officer, reverse("notification_list")),  # own year, to-do line
        (world.member_officer, reverse("scorecard_detail", args=[card.pk])),
        (world.member_leader, reverse("dashboard")),  # no to-do line on the dashboard
        (world.member_officer, reverse("cluster_year_detail", args=[world.last_year.pk])),
        (world.board, reverse("cluster_year_detail", args=[world.this_year.pk])),
        (world.board, reverse("unit_list")),  # the progress link
    ]
    for user, path in cases:
        request = guide_for(user, path).request
        expected = include.render({"year_guide": YearGuide(request)}, request)
        assert expected.strip(), (user, path)
        for _time in ("missed", "found"):
            assert guide_for(user, path).bar_html == expected, (user, path, _time)


def test_two_people_of_one_organizer_get_their_own_bar(world, client_for):
    scoring_world(world)
    path = reverse("notification_list")
    officer = page(client_for(world.member_officer), path)
    leader = page(client_for(world.member_leader), path)
    assert TODO_ONE in officer  # their unit's scorecard to submit
    assert "todo-line" not in leader  # a leader does not score
    assert "Giai đoạn 5/10" in leader
    assert page(client_for(world.member_officer), path) == officer


# Each change shows on the next page ------------------------------------------------------------


def test_opening_the_period_moves_the_bar_to_self_scoring(
    world, client_for, django_capture_on_commit_callbacks
):
    sw = scoring_world(world, open_period=False)
    client = client_for(world.member_officer)
    path = reverse("notification_list")
    before = page(client, path)
    assert "Giai đoạn 2/10: Xây dựng giao ước" in before and "todo-line" not in before
    with committed(django_capture_on_commit_callbacks):
        period_open(actor=world.board, period=sw.period)
    after = page(client, path)
    assert "Giai đoạn 5/10: Tự chấm điểm" in after
    assert TODO_ONE in after  # the unit's scorecard to self-score


def test_the_last_signature_moves_the_bar_to_the_covenant_in_force(
    world, client_for, django_capture_on_commit_callbacks
):
    leaders = leaders_for(world)
    covenant = make_covenant(world, state=CovenantState.SIGNING)
    sign_all(world, covenant, leaders, but=1)
    client = client_for(world.member_officer)
    path = reverse("cluster_year_detail", args=[world.this_year.pk])
    assert "Giai đoạn 3/10: Ký giao ước" in page(client, path)
    with committed(django_capture_on_commit_callbacks):
        covenant_sign(  # the head unit's leader signs last
            actor=leaders[world.h_new.pk], covenant=covenant, password=PASSWORD
        )
    covenant.refresh_from_db()
    assert covenant.state == CovenantState.SIGNED
    assert "Giai đoạn 4/10: Thực hiện giao ước" in page(client, path)


def test_submitting_the_scorecard_takes_it_off_the_to_do_line(
    world, client_for, django_capture_on_commit_callbacks
):
    sw = scoring_world(world)
    fill(sw, world.member_unit)
    client = client_for(world.member_officer)
    path = reverse("notification_list")
    assert TODO_ONE in page(client, path)
    with committed(django_capture_on_commit_callbacks):
        scorecard_submit(actor=world.member_officer, scorecard=sw.card(world.member_unit))
    after = page(client, path)
    assert "todo-line" not in after
    assert "Giai đoạn 5/10" in after  # the other units are still scoring


def test_opening_a_ballot_puts_the_vote_on_the_leaders_to_do_line(
    world, client_for, django_capture_on_commit_callbacks
):
    now = timezone.now()
    ballot = ballot_create(
        actor=world.head_officer,
        cluster_year=world.this_year,
        purpose=Ballot.Purpose.LEADING_UNIT,
        candidates=[world.h_new, world.member_unit],
        choose_at_most=1,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=2),
    )
    client = client_for(world.member_leader)
    path = reverse("notification_list")
    before = page(client, path)
    assert "Giai đoạn 8/10: Bình xét, bỏ phiếu" in before and "todo-line" not in before
    with committed(django_capture_on_commit_callbacks):
        ballot_open(actor=world.head_officer, ballot=ballot)
    assert TODO_ONE in page(client, path)


# The stamp ---------------------------------------------------------------------------------


def test_a_totals_only_save_keeps_the_stamp_and_a_state_change_moves_it(
    world, django_capture_on_commit_callbacks
):
    sw = scoring_world(world)
    start = stamp(world.org)
    with committed(django_capture_on_commit_callbacks):
        fill(sw, world.member_unit)  # every entry saved, the card's totals refreshed
    card = sw.card(world.member_unit)
    assert card.self_total > 0
    assert stamp(world.org) == start
    with committed(django_capture_on_commit_callbacks):
        card.self_total += 1
        card.save(update_fields=["self_total", "final_total"])
    assert stamp(world.org) == start
    with committed(django_capture_on_commit_callbacks):
        card.state = Scorecard.State.SUBMITTED
        card.save(update_fields=["state"])
    assert stamp(world.org) == start + 1
    assert stamp(world.other_org) == 0


def test_one_transaction_moves_the_stamp_once(world, django_capture_on_commit_callbacks):
    sw = scoring_world(world)
    start = stamp(world.org)
    with committed(django_capture_on_commit_callbacks), transaction.atomic():
        for card in Scorecard.objects.filter(period=sw.period):
            card.state = Scorecard.State.SUBMITTED
            card.save(update_fields=["state"])
        bump_phase(world.org.pk)
    assert stamp(world.org) == start + 1


def test_saving_an_organizer_read_before_a_change_keeps_the_newer_stamp(
    world, django_capture_on_commit_callbacks
):
    organizer = Organizer.objects.get(pk=world.org.pk)
    with committed(django_capture_on_commit_callbacks):
        bump_phase(world.org.pk)
    organizer.place_name = "Phú An"
    organizer.save()
    organizer.refresh_from_db()
    assert organizer.place_name == "Phú An"
    assert organizer.phase_stamp == 1


@pytest.mark.django_db(transaction=True)
def test_a_page_drawn_by_the_post_that_made_a_change_shows_it(world, client_for):  # type: ignore[no-untyped-def]
    """The ballot's receipt, drawn by the POST that cast the vote: the stamp read at the
    start of that request predates the vote, so a POST never takes the bar from the
    cache (real commits here: the bump runs as in production)."""
    from scoring.models import BallotVoter
    from tests.test_scoring_ballots import make_ballot

    ballot = make_ballot(world)
    client = client_for(world.member_leader)
    url = reverse("ballot_vote", args=[ballot.pk])
    assert "todo-line" in client.get(url).content.decode()  # the vote is to do, and cached

    receipt = client.post(url, {"step": "cast", "choice": [world.h_new.pk]})

    assert BallotVoter.objects.filter(ballot=ballot, unit=world.member_unit).exists()
    assert "todo-line" not in receipt.content.decode()
    assert "todo-line" not in client.get(reverse("notification_list")).content.decode()


def test_an_unreachable_cache_still_draws_the_bar(world, client_for, monkeypatch):  # type: ignore[no-untyped-def]
    """Redis down costs the bar's query, not the page (as for the scorecard's rows)."""
    from django.conf import settings
    from django.core.cache import caches

    scoring_world(world)
    cache = caches[settings.FRAGMENT_CACHE]

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    html = page(client_for(world.member_officer), reverse("notification_list"))
    assert "Giai đoạn 5/10: Tự chấm điểm" in html and TODO_ONE in html
