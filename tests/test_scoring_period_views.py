"""Scoring-period pages: the year's periods, create and change, the confirmation before
opening, the period with its scorecards, reopening a late unit; who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.models import Profile
from core.models import Notification
from scoring.models import Period, ReviewAssignment, Scorecard
from scoring.services.periods import period_create
from tests.factories import make_user
from tests.scoring_world import build_rubric, scoring_world


def local(value: dt.datetime) -> tuple[str, str]:
    value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y"), value.strftime("%H:%M")


def form_data(days: int = 10, **extra) -> dict[str, str]:  # type: ignore[no-untyped-def]
    now = timezone.now()
    data: dict[str, str] = {}
    for name, offset in (
        ("self_deadline", days),
        ("verification_deadline", days + 10),
        ("explanation_deadline", days + 15),
    ):
        date, _time = local(now + dt.timedelta(days=offset))
        data[f"{name}_0"], data[f"{name}_1"] = date, "17:00"
    data |= {"kind": "year_end", "deputy_verifies": "on"}
    return data | extra


def draft(world) -> Period:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return period_create(
        actor=world.board,
        cluster_year=world.this_year,
        kind=Period.Kind.YEAR_END,
        self_deadline=now + dt.timedelta(days=10),
        verification_deadline=now + dt.timedelta(days=20),
        explanation_deadline=now + dt.timedelta(days=25),
    )


# Permission matrix ---------------------------------------------------------------------

PERSONAS = [
    "board",
    "other_board",
    "head_officer",
    "member_officer",
    "last_head_officer",
    "outsider_officer",
]


def _urls(sw, world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    card = sw.card(world.member_unit)
    return {
        "year_periods": reverse("year_periods", args=[world.this_year.pk]),
        "period_create": reverse("period_create", args=[world.this_year.pk]),
        "period_detail": reverse("period_detail", args=[sw.period.pk]),
        "period_edit": reverse("period_edit", args=[sw.period.pk]),
        "period_open": reverse("period_open", args=[sw.period.pk]),
        "scorecard_reopen": reverse("scorecard_reopen", args=[card.pk]),
    }


# Expected GET status per page and persona: 404 not yours to see, 403 yours to see,
# not to change. period_open redirects (302) once the period is open.
EXPECTED = {
    "year_periods": {
        "board": 200,
        "other_board": 404,
        "head_officer": 200,
        "member_officer": 200,
        "last_head_officer": 200,
        "outsider_officer": 404,
    },
    "period_create": {
        "board": 200,  # the form (the mid-year period is still missing)
        "other_board": 404,
        "head_officer": 200,
        "member_officer": 403,
        "last_head_officer": 403,
        "outsider_officer": 404,
    },
    "period_detail": {
        "board": 200,
        "other_board": 404,
        "head_officer": 200,
        "member_officer": 200,
        "last_head_officer": 200,
        "outsider_officer": 404,
    },
    "period_edit": {
        "board": 200,
        "other_board": 404,
        "head_officer": 200,
        "member_officer": 403,
        "last_head_officer": 403,
        "outsider_officer": 404,
    },
    "period_open": {
        "board": 302,
        "other_board": 404,
        "head_officer": 302,
        "member_officer": 403,
        "last_head_officer": 403,
        "outsider_officer": 404,
    },
    "scorecard_reopen": {
        "board": 200,
        "other_board": 404,
        "head_officer": 403,  # verifies the card, but only the board reopens
        "member_officer": 403,  # its own card
        "last_head_officer": 404,  # another unit's card before results are published
        "outsider_officer": 404,
    },
}


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_each_persona_as_expected(world, client_for, page, persona):
    sw = scoring_world(world)
    user = world.personas()[persona]
    response = client_for(user).get(_urls(sw, world)[page])
    assert response.status_code == EXPECTED[page][persona]


@pytest.mark.parametrize(
    "persona, expected", [("member_officer", 403), ("head_officer", 302), ("outsider_officer", 404)]
)
def test_deleting_is_for_those_who_manage(world, client_for, persona, expected):
    period = draft(world)
    response = client_for(world.personas()[persona]).post(
        reverse("period_delete", args=[period.pk])
    )
    assert response.status_code == expected
    assert Period.objects.filter(pk=period.pk).exists() == (expected != 302)


def test_the_head_of_a_closed_year_may_not_manage_its_periods(world, client_for):
    sw = scoring_world(world)
    world.this_year.status = "closed"
    world.this_year.save(update_fields=["status"])
    client = client_for(world.head_officer)
    assert client.get(reverse("period_edit", args=[sw.period.pk])).status_code == 403
    assert client.get(reverse("period_detail", args=[sw.period.pk])).status_code == 200


# The year's periods -----------------------------------------------------------------------


def test_the_year_page_links_to_scoring(world, client_for):
    page = client_for(world.member_officer).get(
        reverse("cluster_year_detail", args=[world.this_year.pk])
    )
    assert reverse("year_periods", args=[world.this_year.pk]) in page.content.decode()


def test_the_year_periods_list_offers_the_missing_kinds_to_the_head(world, client_for):
    sw = scoring_world(world)
    page = client_for(world.head_officer).get(reverse("year_periods", args=[world.this_year.pk]))
    html = page.content.decode()
    assert reverse("period_detail", args=[sw.period.pk]) in html
    assert 'data-kind="mid_year"' in html and "create-period" in html
    assert 'class="btn btn-primary create-period"' not in html  # year-end exists
    member = client_for(world.member_officer).get(
        reverse("year_periods", args=[world.this_year.pk])
    )
    assert "create-period" not in member.content.decode()


# Creating and changing ---------------------------------------------------------------------


def test_creating_a_period_from_the_form(world, client_for):
    build_rubric(world, world.this_year)
    client = client_for(world.head_officer)
    page = client.get(reverse("period_create", args=[world.this_year.pk]) + "?kind=year_end")
    html = page.content.decode()
    # The board-appraised criteria are the leaves of the year's table.
    assert 'value="D"' in html and 'value="I"' not in html
    response = client.post(
        reverse("period_create", args=[world.this_year.pk]),
        form_data(cross_scoring="on", board_criteria=["D", "B"]),
    )
    period = Period.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("period_detail", args=[period.pk])
    assert period.kind == "year_end" and period.cross_scoring and period.deputy_verifies
    assert sorted(period.board_criteria) == ["B", "D"]
    assert timezone.localtime(period.self_deadline).strftime("%H:%M") == "17:00"
    assert period.state == Period.State.DRAFT


def test_a_wrong_form_keeps_what_was_typed_and_says_why(world, client_for):
    client = client_for(world.board)
    data = form_data()
    data["verification_deadline_0"] = data["self_deadline_0"]
    data["verification_deadline_1"] = "08:00"  # before the self-scoring deadline's 17:00
    data["explanation_deadline_0"] = "31/02/2030"
    response = client.post(reverse("period_create", args=[world.this_year.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "31/02/2030" in html  # nothing lost
    assert 'value="08:00"' in html
    assert not Period.objects.exists()


def test_the_service_refusal_shows_next_to_the_field(world, client_for):
    client = client_for(world.board)
    data = form_data()
    data["verification_deadline_0"], data["verification_deadline_1"] = local(
        timezone.now() + dt.timedelta(days=5)
    )
    data["verification_deadline_1"] = "17:00"
    response = client.post(reverse("period_create", args=[world.this_year.pk]), data)
    form = response.context["form"]
    assert "verification_deadline" in form.errors
    assert not Period.objects.exists()


def test_deadlines_in_the_past_are_refused_when_creating(world, client_for):
    data = form_data(days=-30)
    response = client_for(world.board).post(
        reverse("period_create", args=[world.this_year.pk]), data
    )
    assert set(response.context["form"].errors) >= {"self_deadline"}
    assert not Period.objects.exists()


def test_when_both_periods_exist_create_goes_back_to_the_list(world, client_for):
    scoring_world(world)
    client = client_for(world.board)
    client.post(reverse("period_create", args=[world.this_year.pk]), form_data(kind="mid_year"))
    response = client.get(reverse("period_create", args=[world.this_year.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("year_periods", args=[world.this_year.pk])


def test_after_opening_only_deadlines_can_be_changed(world, client_for):
    sw = scoring_world(world)
    client = client_for(world.board)
    page = client.get(reverse("period_edit", args=[sw.period.pk]))
    assert "deputy_verifies" not in page.context["form"].fields
    assert 'id="chain-fixed"' in page.content.decode()
    data = {k: v for k, v in form_data(days=12).items() if k != "kind"}
    response = client.post(reverse("period_edit", args=[sw.period.pk]), data)
    assert response.status_code == 302
    sw.period.refresh_from_db()
    assert sw.period.self_deadline.date() >= (timezone.now() + dt.timedelta(days=11)).date()


def test_a_draft_period_is_deleted_after_confirmation(world, client_for):
    period = draft(world)
    client = client_for(world.board)
    page = client.get(reverse("period_edit", args=[period.pk]))
    assert "data-confirm" in page.content.decode().split('class="mt-4 delete-form"')[1][:200]
    response = client.post(reverse("period_delete", args=[period.pk]))
    assert response["Location"] == reverse("year_periods", args=[world.this_year.pk])
    assert not Period.objects.exists()


def test_an_open_period_is_not_deleted(world, client_for):
    sw = scoring_world(world)
    response = client_for(world.board).post(reverse("period_delete", args=[sw.period.pk]))
    assert response.status_code == 302
    assert Period.objects.filter(pk=sw.period.pk).exists()


# Opening -------------------------------------------------------------------------------


def test_the_confirmation_says_what_opening_will_do(world, client_for):
    build_rubric(world, world.this_year)
    period = draft(world)
    client = client_for(world.head_officer)
    page = client.get(reverse("period_open", args=[period.pk]))
    preview = page.context["preview"]
    assert len(preview.units) == 4 and preview.leaves == 7 and preview.will_freeze
    assert preview.can_open
    html = page.content.decode()
    assert "<strong>" in html.split('class="preview-rubric"')[1][:600]  # "frozen now"
    assert world.member_unit.name in html
    assert 'data-confirm="' in html.split('id="open-form"')[1][:100]
    assert Scorecard.objects.count() == 0  # nothing happened on GET


def test_opening_from_the_confirmation(world, client_for, django_capture_on_commit_callbacks):
    rubric, _target, _made = build_rubric(world, world.this_year)
    period = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.head_officer).post(reverse("period_open", args=[period.pk]))
    assert response["Location"] == reverse("period_detail", args=[period.pk])
    rubric.refresh_from_db()
    assert rubric.is_frozen and Scorecard.objects.filter(period=period).count() == 4
    assert Notification.objects.filter(key="scoring.period.opened").exists()


def test_the_confirmation_lists_what_stops_opening_and_the_button_is_off(world, client_for):
    period = draft(world)  # no rubric
    page = client_for(world.board).get(reverse("period_open", args=[period.pk]))
    assert not page.context["preview"].can_open
    html = page.content.decode()
    assert 'class="blocker"' in html
    assert "disabled" in html.split('id="open-button"')[1][:40]


def test_a_refused_opening_shows_the_reasons(world, client_for):
    period = draft(world)
    response = client_for(world.board).post(reverse("period_open", args=[period.pk]))
    assert response.status_code == 200
    assert response.context["errors"]
    assert 'id="open-errors"' in response.content.decode()
    period.refresh_from_db()
    assert period.state == Period.State.DRAFT


# The period page ----------------------------------------------------------------------


def test_the_head_sees_every_scorecard_with_its_progress(world, client_for):
    sw = scoring_world(world)
    entry = sw.entry(world.member_unit, "2")
    entry.passed = True
    entry.save()
    page = client_for(world.head_officer).get(reverse("period_detail", args=[sw.period.pk]))
    rows = page.context["rows"]
    assert len(rows) == 4
    bac_son = next(row for row in rows if row.card.unit == world.member_unit)
    assert bac_son.completeness == 14  # 1 of 7
    html = page.content.decode()
    assert world.h_old.name in html and world.deputy_unit.name in html
    assert "reopen-link" not in html  # only the board reopens
    assert reverse("scorecard_detail", args=[sw.card(world.member_unit).pk]) in html


def test_a_member_sees_only_its_own_scorecard(world, client_for):
    sw = scoring_world(world)
    page = client_for(world.member_officer).get(reverse("period_detail", args=[sw.period.pk]))
    assert page.context["rows"] == []
    assert [row.card.unit for row in page.context["own_rows"]] == [world.member_unit]
    html = page.content.decode()
    assert world.h_old.name not in html  # another member unit's card
    assert html.count('class="card-row"') == 1
    assert 'id="own-link"' in html


def test_a_peer_unit_sees_the_scorecards_it_cross_scores(world, client_for):
    sw = scoring_world(world)
    Period.objects.filter(pk=sw.period.pk).update(cross_scoring=True)
    ReviewAssignment.objects.create(scorecard=sw.card(world.deputy_unit), reviewer_unit=world.h_old)
    page = client_for(world.last_head_officer).get(reverse("period_detail", args=[sw.period.pk]))
    assert [row.card.unit for row in page.context["assigned_rows"]] == [world.deputy_unit]
    assert world.member_unit.name not in page.content.decode()


def test_deadlines_and_the_chain_are_in_words(world, client_for):
    sw = scoring_world(world, cross_scoring=True, board_criteria=["D"], board_finalises=True)
    page = client_for(world.board).get(reverse("period_detail", args=[sw.period.pk]))
    html = page.content.decode()
    date, _time = local(sw.period.self_deadline)
    assert date in html
    chain = page.context["chain"]
    assert len(chain) == 5
    assert world.h_new.name in chain[0] and world.deputy_unit.name in chain[1]
    assert "D" in chain[3]


def test_the_board_sees_late_units_and_can_reopen_them(world, client_for):
    now = timezone.now()
    sw = scoring_world(
        world,
        self_deadline=now - dt.timedelta(days=1),
        verification_deadline=now + dt.timedelta(days=5),
        explanation_deadline=now + dt.timedelta(days=6),
    )
    Scorecard.objects.filter(pk=sw.card(world.h_new).pk).update(state=Scorecard.State.SUBMITTED)
    page = client_for(world.board).get(reverse("period_detail", args=[sw.period.pk]))
    html = page.content.decode()
    assert html.count("card-late") == 3
    assert html.count("reopen-link") == 3


# Reopening -----------------------------------------------------------------------------


def test_the_board_reopens_a_late_unit_from_its_form(world, client_for):
    now = timezone.now()
    sw = scoring_world(
        world,
        self_deadline=now - dt.timedelta(days=1),
        verification_deadline=now + dt.timedelta(days=5),
        explanation_deadline=now + dt.timedelta(days=6),
    )
    card = sw.card(world.member_unit)
    client = client_for(world.board)
    page = client.get(reverse("scorecard_reopen", args=[card.pk]))
    assert "data-confirm" in page.content.decode()
    date, _time = local(now + dt.timedelta(days=2))
    response = client.post(
        reverse("scorecard_reopen", args=[card.pk]),
        {"until_0": date, "until_1": "17:00", "reason": "Đơn vị mất điện ngày cuối"},
    )
    assert response["Location"] == reverse("period_detail", args=[sw.period.pk])
    card.refresh_from_db()
    assert card.reopen_reason == "Đơn vị mất điện ngày cuối"
    assert timezone.localtime(card.reopened_until).strftime("%d/%m/%Y %H:%M") == f"{date} 17:00"


def test_reopening_without_a_reason_keeps_the_form(world, client_for):
    sw = scoring_world(world)
    card = sw.card(world.member_unit)
    date, _time = local(timezone.now() + dt.timedelta(days=2))
    response = client_for(world.board).post(
        reverse("scorecard_reopen", args=[card.pk]),
        {"until_0": date, "until_1": "17:00", "reason": "   "},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    card.refresh_from_db()
    assert card.reopened_until is None


def test_a_submitted_card_offers_no_reopening(world, client_for):
    sw = scoring_world(world)
    card = sw.card(world.member_unit)
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.SUBMITTED)
    page = client_for(world.board).get(reverse("scorecard_reopen", args=[card.pk]))
    assert 'id="not-reopenable"' in page.content.decode()
    assert 'id="reopen-form"' not in page.content.decode()


def test_a_deputy_without_head_rights_cannot_manage(world, client_for):
    deputy = make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
    sw = scoring_world(world)
    client = client_for(deputy)
    assert client.get(reverse("period_edit", args=[sw.period.pk])).status_code == 403
    page = client.get(reverse("period_detail", args=[sw.period.pk]))
    assert len(page.context["rows"]) == 4  # the deputy verifies: it sees every card


@pytest.mark.parametrize("extra_units", [0, 6])
def test_the_period_page_costs_the_same_queries_for_more_units(
    world, client_for, extra_units, django_assert_max_num_queries
):
    from tests.factories import UnitFactory, add_members

    add_members(world.this_year, [UnitFactory(organizer=world.org) for _ in range(extra_units)])
    sw = scoring_world(world)
    client = client_for(world.board)
    client.get(reverse("period_detail", args=[sw.period.pk]))  # warm caches
    with django_assert_max_num_queries(8):
        page = client.get(reverse("period_detail", args=[sw.period.pk]))
    assert len(page.context["rows"]) == 4 + extra_units


def test_the_period_page_leads_to_verification_and_cross_scoring(world, client_for):
    sw = scoring_world(world, cross_scoring=True)
    html = client_for(world.head_officer).get(reverse("period_detail", args=[sw.period.pk]))
    html = html.content.decode()
    assert reverse("verify_period", args=[sw.period.pk]) in html
    assert reverse("assignment_list", args=[sw.period.pk]) in html
    member = client_for(world.member_officer).get(reverse("period_detail", args=[sw.period.pk]))
    assert reverse("assignment_list", args=[sw.period.pk]) not in member.content.decode()
