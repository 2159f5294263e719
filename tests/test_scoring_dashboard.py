"""The board's year dashboard (scoring/selectors/dashboard.py, scoring/views/dashboard.py):
phases of each cluster year, overdue flags against a fixed "now", who may see it and a
constant number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from covenants.models import Covenant, Signature
from scoring.models import Ballot, Nomination, Period, Scorecard
from scoring.models.results import AwardRules
from scoring.selectors.dashboard import nomination_deadline, year_dashboard
from scoring.services.periods import period_open
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members
from tests.scoring_world import scoring_world

pytestmark = pytest.mark.django_db
CARD = Scorecard.State


def row_of(board, cluster_year):  # type: ignore[no-untyped-def]
    return next(row for row in board.rows if row.cluster_year.pk == cluster_year.pk)


def dashboard(world, **kwargs):  # type: ignore[no-untyped-def]
    return year_dashboard(organizer=world.org, year=2024, **kwargs)


def set_cards(sw, states):  # type: ignore[no-untyped-def]
    """States of the four cards, in the order Tây Sơn, Nam Sơn, Bắc Sơn, Đông Sơn."""
    world = sw.world
    units = [world.h_new, world.deputy_unit, world.member_unit, world.h_old]
    for unit, state in zip(units, states, strict=True):
        Scorecard.objects.filter(period=sw.period, unit=unit).update(state=state)


def sign(covenant, units):  # type: ignore[no-untyped-def]
    for unit in units:
        Signature.objects.create(
            covenant=covenant,
            unit=unit,
            signer_name="Nguyễn Văn A",
            signer_position="Chủ tịch",
            signed_at=timezone.now(),
        )


def make_ballot(cluster_year, *, state, decision="", purpose="leading_unit", round_=1):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Ballot.objects.create(
        cluster_year=cluster_year,
        purpose=purpose,
        round=round_,
        opens_at=now - dt.timedelta(hours=2),
        closes_at=now - dt.timedelta(hours=1),
        state=state,
        result={"decision": decision} if decision else {},
    )


def make_nomination(period, *, state):  # type: ignore[no-untyped-def]
    year = period.cluster_year
    return Nomination.objects.create(
        period=period,
        cluster_year=year,
        organizer=year.cluster.organizer,
        year=year.year,
        state=state,
        submitted_at=timezone.now() if state != "draft" else None,
    )


# --- phases ------------------------------------------------------------------------


def test_a_year_with_nothing_yet(world):
    row = row_of(dashboard(world), world.this_year)
    assert row.members == 4
    assert row.cluster_year.head_unit == world.h_new
    assert row.cluster_year.deputy_unit == world.deputy_unit
    assert (row.covenant_phase, row.period_phase, row.ballot_phase, row.nomination_phase) == (
        "none",
        "none",
        "none",
        "none",
    )


def test_only_the_organizers_cluster_years_of_that_year(world):
    other = ClusterYearFactory(
        cluster=ClusterFactory(organizer=world.other_org, name="Cụm ngoài"), year=2024
    )
    board = dashboard(world)
    ids = [row.cluster_year.pk for row in board.rows]
    assert ids == [world.this_year.pk]
    assert other.pk not in ids and world.last_year.pk not in ids
    assert board.years == [2024, 2023]


def test_covenant_signing_counts_member_signatures_of_the_latest_version(world):
    old = Covenant.objects.create(cluster_year=world.this_year, version=1, title="v1")
    sign(old, [world.h_new, world.deputy_unit, world.member_unit])
    latest = Covenant.objects.create(
        cluster_year=world.this_year, version=2, title="v2", amended_from=old, state="signing"
    )
    sign(latest, [world.h_new])
    Signature.objects.create(
        covenant=latest,
        is_witness=True,
        signer_name="Cán bộ Ban",
        signer_position="Chuyên viên",
        signed_at=timezone.now(),
    )
    row = row_of(dashboard(world), world.this_year)
    assert row.covenant == latest
    assert (row.covenant_phase, row.signed) == ("signing", 1)


def test_signed_covenant(world):
    Covenant.objects.create(cluster_year=world.this_year, version=1, title="v1", state="signed")
    board = dashboard(world)
    assert row_of(board, world.this_year).covenant_phase == "signed"
    assert board.totals.covenants_signed == 1


def test_draft_period_then_self_scoring(world):
    sw = scoring_world(world, open_period=False)
    assert row_of(dashboard(world), world.this_year).period_phase == "draft"
    period_open(actor=world.board, period=sw.period)
    row = row_of(dashboard(world), world.this_year)
    assert row.period_phase == "self_scoring"
    assert (row.cards.total, row.cards.not_submitted) == (4, 4)
    assert row.covenant_phase == "draft"  # scoring_world's covenant


def test_counts_of_scorecards_per_state(world):
    sw = scoring_world(world)
    set_cards(sw, [CARD.SUBMITTED, CARD.RETURNED, CARD.VERIFIED, CARD.FINALISED])
    cards = row_of(dashboard(world), world.this_year).cards
    assert (
        cards.not_submitted,
        cards.submitted,
        cards.returned,
        cards.verified,
        cards.finalised,
    ) == (0, 1, 1, 1, 1)
    assert cards.unverified == 2


def test_verification_all_final_and_published(world):
    sw = scoring_world(world)
    after_self = sw.period.self_deadline + dt.timedelta(hours=1)
    set_cards(sw, [CARD.SUBMITTED, CARD.SUBMITTED, CARD.VERIFIED, CARD.FINALISED])
    assert row_of(dashboard(world, now=after_self), world.this_year).period_phase == (
        "verification"
    )
    set_cards(sw, [CARD.FINALISED] * 4)
    assert row_of(dashboard(world), world.this_year).period_phase == "all_final"
    Period.objects.filter(pk=sw.period.pk).update(published_at=timezone.now())
    board = dashboard(world)
    assert row_of(board, world.this_year).period_phase == "published"
    assert board.totals.periods_published == 1


def test_ballot_phases_follow_the_leading_unit_ballot(world):
    make_ballot(world.this_year, state="closed", decision="next_round")
    make_ballot(world.this_year, state="closed", decision="elected", purpose="merit")
    row = row_of(dashboard(world), world.this_year)
    assert (row.ballot_phase, row.ballot_decision, row.ballot_count) == ("held", "next_round", 2)
    make_ballot(world.this_year, state="open", round_=2)
    row = row_of(dashboard(world), world.this_year)
    assert (row.ballot_phase, row.ballot_decision) == ("open", "")


@pytest.mark.parametrize(
    ("state", "phase"),
    [("draft", "draft"), ("submitted", "sent"), ("returned", "returned"), ("accepted", "accepted")],
)
def test_nomination_phases(world, state, phase):
    sw = scoring_world(world)
    make_nomination(sw.period, state=state)
    assert row_of(dashboard(world), world.this_year).nomination_phase == phase


# --- overdue ------------------------------------------------------------------------


def test_self_scoring_overdue_only_after_the_deadline_with_unsubmitted_cards(world):
    sw = scoring_world(world)
    set_cards(sw, [CARD.SUBMITTED, CARD.SUBMITTED, CARD.SUBMITTED, CARD.DRAFT])
    before = sw.period.self_deadline - dt.timedelta(minutes=1)
    after = sw.period.self_deadline + dt.timedelta(minutes=1)
    assert not row_of(dashboard(world, now=before), world.this_year).overdue_self
    row = row_of(dashboard(world, now=after), world.this_year)
    assert row.overdue_self and row.cards.late_drafts == 1
    # A unit the board let score late is not overdue until its new date.
    Scorecard.objects.filter(period=sw.period, state=CARD.DRAFT).update(
        reopened_until=after + dt.timedelta(days=1)
    )
    assert not row_of(dashboard(world, now=after), world.this_year).overdue_self
    set_cards(sw, [CARD.SUBMITTED] * 4)
    assert not row_of(dashboard(world, now=after), world.this_year).overdue_self


def test_verification_overdue_with_unverified_cards(world):
    sw = scoring_world(world)
    set_cards(sw, [CARD.VERIFIED, CARD.FINALISED, CARD.SUBMITTED, CARD.VERIFIED])
    after = sw.period.verification_deadline + dt.timedelta(minutes=1)
    before = sw.period.verification_deadline - dt.timedelta(minutes=1)
    assert not row_of(dashboard(world, now=before), world.this_year).overdue_verification
    assert row_of(dashboard(world, now=after), world.this_year).overdue_verification
    set_cards(sw, [CARD.VERIFIED, CARD.FINALISED, CARD.VERIFIED, CARD.VERIFIED])
    assert not row_of(dashboard(world, now=after), world.this_year).overdue_verification


def test_nothing_is_overdue_once_results_are_published(world):
    sw = scoring_world(world)
    Period.objects.filter(pk=sw.period.pk).update(published_at=timezone.now())
    row = row_of(
        dashboard(world, now=sw.period.explanation_deadline + dt.timedelta(days=1)),
        world.this_year,
    )
    assert not (row.overdue_self or row.overdue_verification or row.overdue_explanation)


def test_nomination_overdue_after_the_rules_deadline_unless_sent(world):
    AwardRules.objects.create(
        organizer=world.org, nomination_deadline_day=31, nomination_deadline_month=11
    )
    sw = scoring_world(world)
    assert nomination_deadline(
        AwardRules(nomination_deadline_day=31, nomination_deadline_month=11), 2024
    ) == dt.date(2024, 11, 30)
    on_time = timezone.make_aware(dt.datetime(2024, 11, 30, 23, 0))
    late = timezone.make_aware(dt.datetime(2024, 12, 1, 8, 0))
    assert not row_of(dashboard(world, now=on_time), world.this_year).overdue_nomination
    assert row_of(dashboard(world, now=late), world.this_year).overdue_nomination
    nomination = make_nomination(sw.period, state="returned")
    assert row_of(dashboard(world, now=late), world.this_year).overdue_nomination
    Nomination.objects.filter(pk=nomination.pk).update(state="submitted")
    board = dashboard(world, now=late)
    assert not row_of(board, world.this_year).overdue_nomination
    assert (board.totals.nominations_sent, board.totals.overdue) == (1, 0)


# --- the page -----------------------------------------------------------------------


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def test_board_sees_the_year_with_overdue_cells_and_links(world, client_for):
    sw = scoring_world(world)
    Period.objects.filter(pk=sw.period.pk).update(
        self_deadline=timezone.now() - dt.timedelta(days=1)
    )
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("year_dashboard", args=[2024]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Cụm thi đua các huyện" in text and "UBND huyện Tây Sơn" in text
    assert 'class="phase-period is-overdue"' in text
    assert "⚠ Overdue: self-scoring closed" in text and "4 not submitted" in text
    assert reverse("period_detail", args=[sw.period.pk]) in text
    assert reverse("period_ranking", args=[sw.period.pk]) in text
    assert reverse("year_ballots", args=[world.this_year.pk]) in text
    assert reverse("cluster_year_detail", args=[world.this_year.pk]) in text
    assert '<option value="2023">' in text


def test_page_renders_in_vietnamese_by_default(world, client_for):
    scoring_world(world)
    text = page_text(client_for(world.board).get(reverse("year_dashboard", args=[2024])))
    assert "Tiến độ năm 2024" in text
    assert "tự chấm điểm" in text.lower()


def test_year_picker_redirects_to_the_chosen_year(world, client_for):
    response = client_for(world.board).get(reverse("year_dashboard_current"), {"year": "2023"})
    assert response.status_code == 302
    assert response["Location"] == reverse("year_dashboard", args=[2023])


def test_another_organizers_board_sees_only_its_own_clusters(world, client_for):
    scoring_world(world)
    response = client_for(world.other_board).get(reverse("year_dashboard", args=[2024]))
    assert response.status_code == 200
    assert "Cụm thi đua các huyện" not in response.content.decode()


@pytest.mark.parametrize("persona", ["head_officer", "member_officer", "member_leader"])
def test_units_are_refused(world, client_for, persona):
    response = client_for(getattr(world, persona)).get(reverse("year_dashboard", args=[2024]))
    assert response.status_code == 403


def test_anonymous_users_go_to_the_login(world, client):
    response = client.get(reverse("year_dashboard", args=[2024]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_main_dashboard_links_to_the_years_progress(world, client_for):
    text = client_for(world.board).get(reverse("dashboard")).content.decode()
    assert reverse("year_dashboard", args=[2024]) in text


# --- queries ------------------------------------------------------------------------


def add_clusters(world, numbers: range, units_each: int) -> None:
    now = timezone.now()
    for number in numbers:
        units = [
            UnitFactory(organizer=world.org, name=f"UBND xã Thử {number}-{index}")
            for index in range(units_each)
        ]
        year = ClusterYearFactory(
            cluster=ClusterFactory(organizer=world.org, name=f"Cụm thử {number}"),
            year=2024,
            head_unit=units[0],
            deputy_unit=units[1],
        )
        add_members(year, units)
        covenant = Covenant.objects.create(
            cluster_year=year, version=1, title="GƯ", state="signing"
        )
        sign(covenant, units[:2])
        period = Period.objects.create(
            cluster_year=year,
            kind="year_end",
            self_deadline=now,
            verification_deadline=now + dt.timedelta(days=1),
            explanation_deadline=now + dt.timedelta(days=2),
        )
        Scorecard.objects.bulk_create(Scorecard(period=period, unit=unit) for unit in units)
        make_ballot(year, state="closed", decision="elected")
        make_nomination(period, state="submitted")


def count_queries(world, client) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as selector:
        board = dashboard(world)
        assert board.rows
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("year_dashboard", args=[2024])).status_code == 200
    return len(selector.captured_queries), len(page.captured_queries)


def test_constant_number_of_queries_at_two_sizes(world, client_for):
    scoring_world(world)
    client = client_for(world.board)
    add_clusters(world, range(1), 3)
    small = count_queries(world, client)
    add_clusters(world, range(1, 6), 8)
    large = count_queries(world, client)
    assert len(dashboard(world).rows) == 7
    assert small == large
    assert small[0] <= 7


def test_totals_add_up_over_the_clusters(world):
    sw = scoring_world(world)
    set_cards(sw, [CARD.SUBMITTED, CARD.RETURNED, CARD.VERIFIED, CARD.FINALISED])
    add_clusters(world, range(2), 3)  # each: signing, 3 draft cards, ballot held, sent
    totals = dashboard(world).totals
    assert (totals.clusters, totals.units) == (3, 10)
    assert (totals.cards.total, totals.cards.not_submitted, totals.cards.finalised) == (10, 6, 1)
    assert (totals.ballots_held, totals.nominations_sent, totals.covenants_signed) == (2, 2, 0)


def test_links_to_the_nomination_once_results_are_published(world, client_for):
    sw = scoring_world(world)
    url = reverse("nomination_detail", args=[sw.period.pk])
    client = client_for(world.board)
    assert url not in client.get(reverse("year_dashboard", args=[2024])).content.decode()
    Period.objects.filter(pk=sw.period.pk).update(published_at=timezone.now())
    text = client.get(reverse("year_dashboard", args=[2024])).content.decode()
    assert url in text
    # Every cell names its column, so the stacked rows read on a phone.
    assert text.count("data-label=") >= 7


def test_a_year_out_of_range_is_not_found(world, client_for):
    client = client_for(world.board)
    assert client.get(reverse("year_dashboard", args=[99999])).status_code == 404
    response = client.get(reverse("year_dashboard_current"), {"year": "abc"})
    # Without a year: the latest one up to today that has clusters (2024 here).
    assert response["Location"] == reverse("year_dashboard", args=[2024])
