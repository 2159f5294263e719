"""The multi-year view of a unit (issue 6): clusters, ranks, ballots won and awards per
year; ranks only once published; followed across merges both ways; who may see it;
a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterYear, Profile, UnitLineage
from scoring.models import Ballot, Nomination, Nominee, Period, Rubric, Scorecard
from scoring.selectors.ranking import period_ranking
from scoring.selectors.unit_history import unit_history
from scoring.services.ranking import period_publish
from tests.factories import ClusterYearFactory, UnitFactory, add_members, make_user
from tests.scoring_world import scoring_world
from tests.test_scoring_ranking import finalise_all

D = Decimal


@pytest.fixture
def en_client(client):  # type: ignore[no-untyped-def]
    def login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return login


def url(unit) -> str:  # type: ignore[no-untyped-def]
    return reverse("unit_history", args=[unit.pk])


def year_end(cluster_year, totals, *, published=True):  # type: ignore[no-untyped-def]
    """A closed year-end period with finalised scorecards (``totals``: unit → total),
    written directly (the scoring services are tested on their own)."""
    now = timezone.now()
    rubric = Rubric.objects.create(
        organizer=cluster_year.cluster.organizer,
        cluster_year=cluster_year,
        name=f"Bảng chấm điểm {cluster_year.year}",
    )
    period = Period.objects.create(
        cluster_year=cluster_year,
        kind=Period.Kind.YEAR_END,
        state=Period.State.CLOSED,
        rubric=rubric,
        self_deadline=now,
        verification_deadline=now,
        explanation_deadline=now,
        published_at=now if published else None,
    )
    for unit, total in totals.items():
        Scorecard.objects.create(
            period=period, unit=unit, state=Scorecard.State.FINALISED, final_total=D(total)
        )
    return period


def nominate(period, unit, award, state):  # type: ignore[no-untyped-def]
    year = period.cluster_year
    nomination, _ = Nomination.objects.get_or_create(
        period=period,
        defaults={
            "cluster_year": year,
            "organizer": year.cluster.organizer,
            "year": year.year,
            "state": state,
        },
    )
    return Nominee.objects.create(nomination=nomination, unit=unit, award=award)


def elect(cluster_year, winner, loser, *, votes=3, issued=4):  # type: ignore[no-untyped-def]
    now = timezone.now()
    ballot = Ballot.objects.create(
        cluster_year=cluster_year,
        purpose=Ballot.Purpose.LEADING_UNIT,
        opens_at=now - dt.timedelta(hours=2),
        closes_at=now - dt.timedelta(hours=1),
        state=Ballot.State.CLOSED,
        closed_at=now - dt.timedelta(hours=1),
        result={
            "issued": issued,
            "returned": issued,
            "candidates": [
                {"unit_id": winner.pk, "name": winner.name, "votes": votes, "percent": "75.00"},
                {"unit_id": loser.pk, "name": loser.name, "votes": 1, "percent": "25.00"},
            ],
            "winners": [winner.pk],
        },
    )
    ballot.candidates.set([winner, loser])
    return ballot


@pytest.fixture
def merged(world):  # type: ignore[no-untyped-def]
    """Two communes (2023, 2024 in the cluster) merged into a new one from 1 July 2025;
    the new commune is in the cluster in 2025. Each has an officer."""
    org, cluster = world.org, world.cluster
    old_a = UnitFactory(
        organizer=org, name="Xã Hòa An", kind="commune", valid_to=dt.date(2025, 6, 30)
    )
    old_b = UnitFactory(
        organizer=org, name="Xã Hòa Bình", kind="commune", valid_to=dt.date(2025, 6, 30)
    )
    new = UnitFactory(
        organizer=org, name="Xã Hòa Thịnh", kind="commune", valid_from=dt.date(2025, 7, 1)
    )
    for old in (old_a, old_b):
        UnitLineage.objects.create(
            predecessor=old,
            successor=new,
            kind=UnitLineage.Kind.MERGE,
            date=dt.date(2025, 7, 1),
            decision="Nghị quyết số 1656/NQ-UBTVQH15",
        )
    add_members(world.last_year, [old_a, old_b])
    add_members(world.this_year, [old_a, old_b])
    y2025 = ClusterYearFactory(cluster=cluster, year=2025, head_unit=new)
    add_members(y2025, [new, world.h_new, world.member_unit])
    return {
        "a": old_a,
        "b": old_b,
        "new": new,
        "y2025": y2025,
        "a_officer": make_user("an", role=Profile.Role.OFFICER, unit=old_a),
        "new_officer": make_user("thinh", role=Profile.Role.OFFICER, unit=new),
    }


# Ranks and totals ---------------------------------------------------------------------


def test_the_rank_and_total_are_hidden_until_the_results_are_published(world, en_client) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world)
    client = en_client(world.member_officer)
    page = client.get(url(world.member_unit)).content.decode()
    assert "results not yet published" in page
    assert "43,5" not in page and "4/4" not in page
    history = unit_history(unit=world.member_unit)
    row = next(row for row in history.rows if row.year == 2024)
    assert row.rank is None and row.total is None
    # Not even the board sees a rank before publication.
    board_page = en_client(world.board).get(url(world.member_unit)).content.decode()
    assert "results not yet published" in board_page and "4/4" not in board_page
    client = en_client(world.member_officer)

    period_publish(actor=world.head_officer, period=sw.period)
    page = client.get(url(world.member_unit)).content.decode()
    # Bắc Sơn: 43.5, last of four (Nam Sơn 55, Tây Sơn and Đông Sơn 50).
    assert '<td class="text-end row-rank fw-semibold">4/4</td>' in page
    assert '<td class="text-end row-total">43,5</td>' in page
    assert "results not yet published" not in page


def test_the_rank_agrees_with_the_published_ranking_including_ties(world) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world)
    period_publish(actor=world.board, period=sw.period)
    official = {line.card.unit_id: line.rank for line in period_ranking(period=sw.period).lines}
    assert sorted(official.values()) == [1, 2, 2, 4]  # a tie the vote decides
    for unit in (world.h_new, world.deputy_unit, world.member_unit, world.h_old):
        row = next(row for row in unit_history(unit=unit).rows if row.year == 2024)
        assert (row.rank, row.ranked_count) == (official[unit.pk], 4)


def test_years_come_newest_first_with_the_cluster_and_head_or_member(world, en_client) -> None:  # type: ignore[no-untyped-def]
    year_end(world.last_year, {world.h_new: 70, world.h_old: 90, world.member_unit: 80})
    history = unit_history(unit=world.h_new)
    assert [row.year for row in history.rows] == [2024, 2023]
    assert [row.is_head for row in history.rows] == [True, False]
    assert history.rows[1].is_deputy
    page = en_client(world.head_officer).get(url(world.h_new)).content.decode()
    assert page.index('data-year="2024"') < page.index('data-year="2023"')
    assert "Cụm thi đua các huyện" in page
    row_2023 = page[page.index('data-year="2023"') :]
    assert "Deputy head" in row_2023[:600] and "3/3" in row_2023[:1200]
    # 2024 has no year-end period yet: nothing to show, no rank invented.
    row_2024 = page[page.index('data-year="2024"') : page.index('data-year="2023"')]
    assert "Head" in row_2024 and "/3" not in row_2024


# Lineage ------------------------------------------------------------------------------


def test_the_merged_unit_shows_the_old_communes_years_under_their_names(
    world, merged, en_client
) -> None:  # type: ignore[no-untyped-def]
    year_end(world.last_year, {merged["a"]: 90, merged["b"]: 80, world.h_new: 85})
    history = unit_history(unit=merged["new"])
    assert [(row.year, row.unit.name) for row in history.rows] == [
        (2025, "Xã Hòa Thịnh"),
        (2024, "Xã Hòa An"),
        (2024, "Xã Hòa Bình"),
        (2023, "Xã Hòa An"),
        (2023, "Xã Hòa Bình"),
    ]
    page = en_client(merged["new_officer"]).get(url(merged["new"])).content.decode()
    assert "Xã Hòa An → Xã Hòa Thịnh: merge, from 01/07/2025" in page
    assert "Nghị quyết số 1656/NQ-UBTVQH15" in page
    row_a = page[page.index(f'data-year="2023" data-unit="{merged["a"].pk}"') :][:900]
    assert "Xã Hòa An" in row_a and "1/3" in row_a
    row_b = page[page.index(f'data-year="2023" data-unit="{merged["b"].pk}"') :][:900]
    assert "3/3" in row_b


def test_a_merged_away_unit_points_to_its_successor(world, merged, en_client) -> None:  # type: ignore[no-untyped-def]
    history = unit_history(unit=merged["a"])
    assert [link.successor for link in history.successor_links] == [merged["new"]]
    assert [row.year for row in history.rows] == [2024, 2023]  # not the successor's years
    page = en_client(world.board).get(url(merged["a"])).content.decode()
    assert "Merged into Xã Hòa Thịnh, from 01/07/2025, under Nghị quyết số 1656" in page
    assert f'href="{url(merged["new"])}"' in page
    # The old commune's own officer reads its years but the new commune's view is
    # not theirs: named, not linked.
    page = en_client(merged["a_officer"]).get(url(merged["a"])).content.decode()
    assert "Merged into Xã Hòa Thịnh" in page
    assert f'href="{url(merged["new"])}"' not in page


def test_lineage_is_followed_through_several_steps(world, merged) -> None:  # type: ignore[no-untyped-def]
    # Hòa An had been "Xã An Lạc" until 2023, renamed on 1 January 2024.
    older = UnitFactory(
        organizer=world.org, name="Xã An Lạc", kind="commune", valid_to=dt.date(2023, 12, 31)
    )
    UnitLineage.objects.create(
        predecessor=older, successor=merged["a"], kind="rename", date=dt.date(2024, 1, 1)
    )
    y2022 = ClusterYearFactory(cluster=world.cluster, year=2022, status=ClusterYear.Status.CLOSED)
    add_members(y2022, [older])
    history = unit_history(unit=merged["new"])
    assert (2022, "Xã An Lạc") in [(row.year, row.unit.name) for row in history.rows]
    assert {unit.name for unit in history.units} == {
        "Xã Hòa Thịnh",
        "Xã Hòa An",
        "Xã Hòa Bình",
        "Xã An Lạc",
    }


# Ballots and awards -------------------------------------------------------------------


def test_awards_show_their_kind_and_whether_the_board_accepted_them(world, en_client) -> None:  # type: ignore[no-untyped-def]
    p2023 = year_end(world.last_year, {world.member_unit: 90, world.h_old: 80})
    p2024 = year_end(world.this_year, {world.member_unit: 90, world.h_new: 80})
    nominate(p2023, world.member_unit, Nominee.Award.FLAG, Nomination.State.ACCEPTED)
    nominate(p2024, world.member_unit, Nominee.Award.MERIT, Nomination.State.SUBMITTED)
    page = en_client(world.member_leader).get(url(world.member_unit)).content.decode()
    row_2024 = page[page.index('data-year="2024"') : page.index('data-year="2023"')]
    row_2023 = page[page.index('data-year="2023"') :]
    assert "Certificate of merit" in row_2024 and "proposed to the board" in row_2024
    assert "accepted by the board" not in row_2024
    assert "Emulation flag" in row_2023 and "accepted by the board" in row_2023


def test_a_nomination_still_being_prepared_shows_no_award(world) -> None:  # type: ignore[no-untyped-def]
    period = year_end(world.this_year, {world.member_unit: 90})
    nominate(period, world.member_unit, Nominee.Award.FLAG, Nomination.State.DRAFT)
    row = next(row for row in unit_history(unit=world.member_unit).rows if row.year == 2024)
    assert row.awards == []


def test_a_ballot_won_is_shown_and_a_ballot_lost_is_not(world, en_client) -> None:  # type: ignore[no-untyped-def]
    elect(world.this_year, world.member_unit, world.deputy_unit)
    page = en_client(world.board).get(url(world.member_unit)).content.decode()
    row_2024 = page[page.index('data-year="2024"') : page.index('data-year="2023"')]
    assert "Leading unit of the cluster: 3 votes, 75 %" in row_2024
    assert unit_history(unit=world.deputy_unit).rows[0].elections == []


# Who may see it -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("board", 200),
        ("member_officer", 200),
        ("member_leader", 200),
        ("head_officer", 404),  # the cluster's head: another unit's record
        ("outsider_officer", 404),
        ("other_board", 404),
    ],
)
def test_only_the_board_and_the_units_own_users_see_it(world, client, persona, status) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.personas()[persona])
    assert client.get(url(world.member_unit)).status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(world, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url(world.member_unit))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_successors_users_see_the_predecessors_years_but_not_the_other_way(
    world, merged, client
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(merged["new_officer"])
    assert client.get(url(merged["a"])).status_code == 200
    assert client.get(url(merged["b"])).status_code == 200
    client.force_login(merged["a_officer"])
    assert client.get(url(merged["a"])).status_code == 200
    assert client.get(url(merged["new"])).status_code == 404
    assert client.get(url(merged["b"])).status_code == 404


# Queries, links, Vietnamese -----------------------------------------------------------


@pytest.mark.parametrize("extra_years", [0, 4])
def test_the_view_reads_a_fixed_number_of_queries(
    world, merged, client, django_assert_max_num_queries, extra_years
) -> None:  # type: ignore[no-untyped-def]
    cluster_years = [world.last_year, world.this_year, merged["y2025"]]
    for offset in range(extra_years):
        year = ClusterYearFactory(cluster=world.cluster, year=2015 + offset)
        add_members(year, [merged["a"], merged["b"], world.h_new])
        cluster_years.append(year)
    for year in cluster_years:
        units = [u.unit for u in year.memberships.select_related("unit")]
        period = year_end(year, {unit: 50 + position for position, unit in enumerate(units)})
        for unit in units:
            nominate(period, unit, Nominee.Award.MERIT, Nomination.State.ACCEPTED)
        elect(year, units[0], units[1])
    client.force_login(merged["new_officer"])
    client.cookies["django_language"] = "en"
    with django_assert_max_num_queries(15):
        response = client.get(url(merged["new"]))
    # Hòa An and Hòa Bình in 2023, 2024 and the extra years; Hòa Thịnh in 2025.
    rows = 2 * (2 + extra_years) + 1
    page = response.content.decode()
    assert page.count("accepted by the board") == rows
    assert page.count('class="text-end row-rank fw-semibold"') == rows


def test_the_unit_page_and_the_dashboard_link_to_it_in_vietnamese(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.member_officer)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Quá trình thi đua qua các năm" in dashboard and url(world.member_unit) in dashboard
    client.force_login(world.board)
    detail = client.get(reverse("unit_detail", args=[world.member_unit.pk])).content.decode()
    assert "Quá trình thi đua qua các năm" in detail and url(world.member_unit) in detail
    page = client.get(url(world.member_unit)).content.decode()
    assert '<h1 class="h3 mb-1">Quá trình thi đua qua các năm</h1>' in page
    assert '<th scope="col">Năm</th>' in page and "Thứ hạng" in page and "Thành viên" in page


def test_the_merge_is_told_in_vietnamese(world, merged, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(merged["new_officer"])
    page = client.get(url(merged["a"])).content.decode()
    assert (
        "Đã sáp nhập vào Xã Hòa Thịnh, từ ngày 01/07/2025, theo Nghị quyết số 1656/NQ-UBTVQH15."
        in page
    )
    assert "Xem quá trình thi đua của Xã Hòa Thịnh" in page
    page = client.get(url(merged["new"])).content.decode()
    assert "Xã Hòa An → Xã Hòa Thịnh: hợp nhất, từ ngày 01/07/2025" in page
