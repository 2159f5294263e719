"""Ranking pages (issue 6): who sees the ranking before and after publication, what the
page shows (ranks, sections, tie words, the SVG chart), one unit against the cluster
average, the tie-break form and the publish confirmation."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import Notification
from scoring.services.ranking import period_publish
from tests.scoring_world import scoring_world
from tests.test_scoring_ranking import finalise_all


@pytest.fixture
def en(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def ranked(world):  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world)
    return sw


def url(sw, name="period_ranking", *args):  # type: ignore[no-untyped-def]
    return reverse(name, args=[sw.period.pk, *args])


@pytest.mark.parametrize(
    ("persona", "before", "after"),
    [
        ("board", 200, 200),
        ("head_officer", 200, 200),
        ("member_officer", 404, 200),
        ("member_leader", 404, 200),
        ("last_head_officer", 404, 200),
        ("outsider_officer", 404, 404),
        ("other_board", 404, 404),
    ],
)
def test_who_sees_the_ranking_before_and_after_publication(
    world, ranked, client_for, persona, before, after
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(getattr(world, persona))
    card = ranked.card(world.member_unit)
    assert client.get(url(ranked)).status_code == before
    assert client.get(url(ranked, "period_ranking_unit", card.pk)).status_code == before
    period_publish(actor=world.board, period=ranked.period)
    assert client.get(url(ranked)).status_code == after
    assert client.get(url(ranked, "period_ranking_unit", card.pk)).status_code == after


def test_the_ranking_page_shows_ranks_sections_ties_and_the_chart(
    world, ranked, client_for, en
) -> None:  # type: ignore[no-untyped-def]
    page = client_for(world.head_officer).get(url(ranked)).content.decode()
    assert 'id="ranking-table"' in page
    assert world.deputy_unit.name in page and "43,5" in page
    assert "still tied with" in page and "the vote decides" in page
    assert "<svg" in page and "<title" in page and "chart-legend" in page
    assert "I: 15" in page  # a segment's title
    assert 'id="publish-link"' in page and 'id="tie-break-form"' in page
    assert "<script" not in page.split('id="ranking-chart"')[1].split("</figure>")[0]


def test_a_member_after_publication_sees_no_publish_button_nor_the_form(
    world, ranked, client_for, en
) -> None:  # type: ignore[no-untyped-def]
    period_publish(actor=world.head_officer, period=ranked.period)
    page = client_for(world.member_officer).get(url(ranked)).content.decode()
    assert 'id="published-badge"' in page
    assert 'id="publish-link"' not in page and 'id="tie-break-form"' not in page


def test_the_unit_page_compares_with_the_cluster_average(world, ranked, client_for, en) -> None:  # type: ignore[no-untyped-def]
    card = ranked.card(world.member_unit)
    page = client_for(world.board).get(url(ranked, "period_ranking_unit", card.pk)).content
    page = page.decode()
    assert 'id="breakdown-table"' in page and "Cluster average" in page
    assert 'id="unit-chart"' in page
    assert "15,5" in page and "17,63" in page  # I: (20 + 15 + 15,5 + 20) / 4
    assert "−2,13" in page


def test_a_card_not_final_has_no_unit_page_and_is_listed_apart(world, client_for, en) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world, units=("h_new", "deputy_unit"))
    client = client_for(world.board)
    card = sw.card(world.member_unit)
    assert client.get(url(sw, "period_ranking_unit", card.pk)).status_code == 404
    page = client.get(url(sw)).content.decode()
    assert 'id="not-final"' in page and world.member_unit.name in page


def test_the_period_page_links_to_the_ranking(world, ranked, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(world.head_officer).get(reverse("period_detail", args=[ranked.period.pk]))
    assert url(ranked) in page.content.decode()
    page = client_for(world.member_officer).get(reverse("period_detail", args=[ranked.period.pk]))
    assert url(ranked) not in page.content.decode()


def test_the_head_sets_the_tie_break_order(world, ranked, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(world.head_officer).post(
        url(ranked, "period_tie_breaks"), {"order": "fewer_deductions,first_section"}
    )
    assert response.status_code == 302
    ranked.period.refresh_from_db()
    assert ranked.period.tie_breaks == ["fewer_deductions", "first_section"]


def test_a_member_cannot_set_the_tie_breaks_nor_publish(world, ranked, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.member_officer)
    assert client.post(url(ranked, "period_tie_breaks"), {"order": "vote"}).status_code == 403
    assert client.get(url(ranked, "period_publish")).status_code == 403
    assert client.post(url(ranked, "period_publish"), {"confirm": "on"}).status_code == 403
    ranked.period.refresh_from_db()
    assert ranked.period.tie_breaks == [] and ranked.period.published_at is None


def test_publishing_asks_for_confirmation_then_publishes(
    world, ranked, client_for, django_capture_on_commit_callbacks, en
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.head_officer)
    page = client.get(url(ranked, "period_publish")).content.decode()
    assert 'id="publish-form"' in page and 'id="publish-blockers"' not in page
    client.post(url(ranked, "period_publish"), {})
    ranked.period.refresh_from_db()
    assert ranked.period.published_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(ranked, "period_publish"), {"confirm": "on"})
    assert response.status_code == 302 and response.url == url(ranked)
    ranked.period.refresh_from_db()
    assert ranked.period.published_at is not None
    assert Notification.objects.filter(key="scoring.period.published").exists()


def test_publishing_before_every_card_is_final_shows_the_refusal(world, client_for, en) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world, units=("h_new",))
    client = client_for(world.head_officer)
    page = client.get(url(sw, "period_publish")).content.decode()
    assert 'id="publish-blockers"' in page
    page = client.post(url(sw, "period_publish"), {"confirm": "on"}).content.decode()
    assert "every scorecard is final; not final yet" in page
    sw.period.refresh_from_db()
    assert sw.period.published_at is None
