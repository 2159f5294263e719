"""The phase bar: where a cluster year stands (scoring.selectors.year_phase), and the
bar every page shows for the cluster year it is about (scoring.context_processors)."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterYear
from covenants.models import Covenant
from scoring.models import Ballot, Nomination, Period, Scorecard
from scoring.selectors.year_phase import PHASE_KEYS, with_phase_facts, year_phase
from tests.scoring_world import scoring_world


def phase_of(cluster_year) -> str:  # type: ignore[no-untyped-def]
    cluster_year = ClusterYear.objects.get(pk=cluster_year.pk)
    return year_phase(cluster_year).key


def ballot(world, *, state, purpose=Ballot.Purpose.LEADING_UNIT, result=None):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Ballot.objects.create(
        cluster_year=world.this_year,
        purpose=purpose,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
        state=state,
        result=result or {},
    )


def test_a_year_goes_through_every_phase_in_order(world):
    reached = []
    fresh = ClusterYear.objects.create(cluster=world.cluster, year=2025)
    reached.append(phase_of(fresh))  # no head named yet
    reached.append(phase_of(world.this_year))  # head named, no covenant
    sw = scoring_world(world, open_period=False)  # a draft covenant, a draft period
    assert phase_of(world.this_year) == "covenant"
    covenant = Covenant.objects.get(cluster_year=world.this_year)
    Covenant.objects.filter(pk=covenant.pk).update(state=Covenant.State.SIGNING)
    reached.append(phase_of(world.this_year))
    Covenant.objects.filter(pk=covenant.pk).update(state=Covenant.State.SIGNED)
    reached.append(phase_of(world.this_year))
    from scoring.services.periods import period_open

    period_open(actor=world.board, period=sw.period)
    reached.append(phase_of(world.this_year))
    Period.objects.filter(pk=sw.period.pk).update(
        self_deadline=timezone.now() - dt.timedelta(hours=1)
    )
    reached.append(phase_of(world.this_year))
    Scorecard.objects.filter(period=sw.period).update(state=Scorecard.State.FINALISED)
    assert phase_of(world.this_year) == "verification"  # all final, not yet published
    Period.objects.filter(pk=sw.period.pk).update(published_at=timezone.now())
    reached.append(phase_of(world.this_year))
    leading = ballot(world, state=Ballot.State.OPEN)
    reached.append(phase_of(world.this_year))
    Ballot.objects.filter(pk=leading.pk).update(
        state=Ballot.State.CLOSED, result={"decision": "elected"}
    )
    reached.append(phase_of(world.this_year))
    nomination = Nomination.objects.create(
        period=sw.period, cluster_year=world.this_year, organizer=world.org, year=2024
    )
    assert phase_of(world.this_year) == "nomination"
    Nomination.objects.filter(pk=nomination.pk).update(state=Nomination.State.ACCEPTED)
    reached.append(phase_of(world.this_year))
    assert reached == list(PHASE_KEYS)


def test_self_scoring_ends_when_every_card_is_submitted(world):
    sw = scoring_world(world)
    assert phase_of(world.this_year) == "self_scoring"
    Scorecard.objects.filter(period=sw.period).update(state=Scorecard.State.SUBMITTED)
    assert phase_of(world.this_year) == "verification"


def test_a_ballot_without_a_winner_stays_in_the_ballot_phase(world):
    ballot(world, state=Ballot.State.CLOSED, result={"decision": "head_and_deputy"})
    assert phase_of(world.this_year) == "ballot"
    Ballot.objects.filter(cluster_year=world.this_year).update(
        result={"decision": "head_and_deputy", "head_decision": {"units": [1]}}
    )
    assert phase_of(world.this_year) == "nomination"


def test_a_handed_over_year_is_closed(world):
    assert phase_of(world.last_year) == "closed"


def test_the_phase_takes_two_queries_whatever_the_size(world, django_assert_num_queries):
    sw = scoring_world(world)
    ballot(world, state=Ballot.State.OPEN)
    ballot(world, state=Ballot.State.OPEN, purpose=Ballot.Purpose.MERIT)
    with django_assert_num_queries(2):
        # the cluster year with its covenant, periods' state, nomination and ballots;
        # the periods with their cards counted
        cluster_year = with_phase_facts(ClusterYear.objects.filter(pk=world.this_year.pk)).get()
        phase = year_phase(cluster_year)
        assert phase.key == "ballot"
    assert phase.year_end.cards.total == 4
    assert sw.period.pk == phase.year_end.period.pk
    cluster_year = with_phase_facts(ClusterYear.objects.filter(pk=world.this_year.pk)).get()
    with django_assert_num_queries(0):  # the bar alone: the cluster year's query only
        assert year_phase(cluster_year, periods=False).key == "ballot"


# The bar on the pages ------------------------------------------------------------------


def bar(html: str) -> str:
    found = re.search(r'<nav class="phase-bar".*?</nav>', html, re.S)
    return found.group(0) if found else ""


def test_the_scorecard_page_shows_the_year_at_self_scoring(world, client_for):
    sw = scoring_world(world)
    card = sw.card(world.member_unit)
    html = client_for(world.member_officer).get(reverse("scorecard_detail", args=[card.pk]))
    html = html.content.decode()
    shown = bar(html)
    assert "Cụm thi đua các huyện — 2024" in shown
    assert "Giai đoạn 5/10: Tự chấm điểm" in shown
    current = re.findall(r'<li class="phase-step[^"]*" aria-current="step">.*?</li>', shown)
    assert len(current) == 1 and "Tự chấm điểm" in current[0]
    assert "(giai đoạn hiện tại)" in current[0]  # said in words, not only by colour
    assert shown.count("(đã xong)") == 4


def test_a_page_of_last_year_shows_last_year(world, client_for):
    html = client_for(world.member_officer).get(
        reverse("cluster_year_detail", args=[world.last_year.pk])
    )
    shown = bar(html.content.decode())
    assert "— 2023" in shown and "Giai đoạn 10/10: Kết thúc năm" in shown


def test_the_dashboard_shows_the_members_own_year(world, client_for):
    scoring_world(world)
    html = client_for(world.member_leader).get(reverse("dashboard")).content.decode()
    assert "— 2024" in bar(html)
    assert "Giai đoạn 5/10" in bar(html)


def test_nobody_sees_the_phase_of_a_year_not_theirs(world, client_for):
    scoring_world(world)
    path = reverse("cluster_year_detail", args=[world.this_year.pk])
    for user in (world.other_board, world.outsider_officer):
        response = client_for(user).get(path)
        assert response.status_code in (403, 404)
        assert bar(response.content.decode()) == ""
        assert "Cụm thi đua các huyện" not in response.content.decode()
    # their own dashboard shows no bar of this cluster either
    html = client_for(world.outsider_officer).get(reverse("dashboard")).content.decode()
    assert bar(html) == ""


def test_the_board_sees_the_bar_on_a_year_page_and_the_progress_link_elsewhere(world, client_for):
    client = client_for(world.board)
    html = client.get(reverse("cluster_year_detail", args=[world.this_year.pk])).content.decode()
    assert "Giai đoạn 2/10: Xây dựng giao ước" in bar(html)
    html = client.get(reverse("unit_list")).content.decode()
    assert bar(html) == ""
    assert f'href="{reverse("year_dashboard_current")}"' in html
