"""Verification pages: who may open which page (every URL × every persona), what each
person sees, the propose row with and without htmx, returning, answering, finalising
with its confirmation, the comparison pages, cross-scoring, and constant queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.models import Profile
from clusters.roles import roles_for
from scoring.models import (
    Entry,
    Evidence,
    ExplanationRequest,
    Period,
    Review,
    ReviewAssignment,
    Scorecard,
)
from scoring.permissions import verifier_roles
from scoring.selectors.verification import verifier_roles_in_period
from scoring.services.verification import review_propose, scorecard_return
from tests.factories import UnitFactory, add_members, make_user
from tests.scoring_world import scoring_world
from tests.test_scoring_verification import INPUTS, fill, submit

D = Decimal


class VW:
    """The scoring world with every verification persona and Bắc Sơn's card submitted,
    cross-scored by Đông Sơn."""

    def __init__(self, world, **settings):  # type: ignore[no-untyped-def]
        self.world = world
        self.trung_son = UnitFactory(organizer=world.org, name="UBND huyện Trung Sơn")
        add_members(world.this_year, [self.trung_son])
        self.sw = scoring_world(world, cross_scoring=True, **settings)
        self.deputy = make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
        self.unassigned = make_user("tuan", role=Profile.Role.OFFICER, unit=self.trung_son)
        self.card = submit(self.sw, world.member_unit)
        self.assignment = ReviewAssignment.objects.create(
            scorecard=self.card, reviewer_unit=world.h_old
        )
        self.period = self.sw.period

    def entry(self, code: str, unit=None) -> Entry:  # type: ignore[no-untyped-def]
        return self.sw.entry(unit or self.world.member_unit, code)

    def personas(self) -> dict:
        w = self.world
        return {
            "board": w.board,
            "head": w.head_officer,
            "deputy": self.deputy,
            "peer": w.last_head_officer,
            "unassigned": self.unassigned,
            "own": w.member_officer,
            "outsider": w.outsider_officer,
            "other_board": w.other_board,
        }


@pytest.fixture
def vw(world):  # type: ignore[no-untyped-def]
    return VW(world)


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# Every URL × every persona ---------------------------------------------------------------

PERSONAS = ["board", "head", "deputy", "peer", "unassigned", "own", "outsider", "other_board"]

# url name → (method, expected status per persona, in PERSONAS order)
MATRIX = {
    "verify_period": ("get", [200, 200, 200, 200, 200, 200, 404, 404]),
    "period_comparison": ("get", [200, 200, 200, 403, 403, 403, 404, 404]),
    "assignment_list": ("get", [200, 200, 403, 403, 403, 403, 404, 404]),
    "assignment_allocate": ("post", [302, 302, 403, 403, 403, 403, 404, 404]),
    "assignment_set": ("post", [302, 302, 403, 403, 403, 403, 404, 404]),
    "assignment_remove": ("post", [302, 302, 403, 403, 403, 403, 404, 404]),
    "verify_scorecard": ("get", [200, 200, 200, 200, 404, 403, 404, 404]),
    "verify_propose": ("post", [302, 302, 302, 302, 404, 403, 404, 404]),
    "verify_decide": ("post", [302, 302, 200, 200, 404, 403, 404, 404]),
    "verify_return": ("get", [200, 200, 403, 403, 404, 403, 404, 404]),
    "verify_finalise": ("get", [200, 200, 403, 403, 404, 403, 404, 404]),
    "verify_comparison": ("get", [200, 200, 200, 200, 404, 200, 404, 404]),
    "explanation_list": ("get", [200, 200, 200, 200, 404, 200, 404, 404]),
    "explanation_answer": ("get", [403, 403, 403, 403, 404, 200, 404, 404]),
}


def url_for(vw: VW, name: str) -> tuple[str, dict]:
    card, period = vw.card, vw.period
    entry = vw.entry("2")
    if name in ("verify_period", "period_comparison", "assignment_list", "assignment_allocate"):
        return reverse(name, args=[period.pk]), {}
    if name == "assignment_set":
        return reverse(name, args=[period.pk, card.pk]), {"reviewer_unit": vw.world.deputy_unit.pk}
    if name == "assignment_remove":
        return reverse(name, args=[period.pk, card.pk]), {}
    if name in ("verify_propose", "verify_decide"):
        return reverse(name, args=[card.pk, entry.pk]), {f"e{entry.pk}-points": "10"}
    if name == "explanation_answer":
        request = ExplanationRequest.objects.create(
            scorecard=card,
            question="Giải trình tiêu chí 2.",
            deadline=period.explanation_deadline,
            requested_by=vw.world.head_officer,
            requested_role="head",
        )
        request.entries.set([entry])
        return reverse(name, args=[card.pk, request.pk]), {}
    return reverse(name, args=[card.pk]), {}


@pytest.mark.parametrize("name", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(vw, client_for, name, persona):
    method, statuses = MATRIX[name]
    expected = statuses[PERSONAS.index(persona)]
    url, data = url_for(vw, name)
    client = client_for(vw.personas()[persona])
    response = getattr(client, method)(url, data)
    assert response.status_code == expected, (name, persona, response.status_code)


def test_a_unit_sees_another_unit_s_scorecard_only_once_results_are_published(vw, client_for):
    other = submit(vw.sw, vw.world.deputy_unit)
    client = client_for(vw.world.member_officer)
    for name in ("verify_comparison", "explanation_list"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    Period.objects.filter(pk=vw.period.pk).update(published_at=timezone.now())
    for name in ("verify_comparison", "explanation_list"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 200
    assert client.get(reverse("verify_scorecard", args=[other.pk])).status_code == 403
    assert client.get(reverse("period_comparison", args=[vw.period.pk])).status_code == 200


def test_the_verify_list_shows_only_what_the_user_verifies(vw, client_for):
    url = reverse("verify_period", args=[vw.period.pk])
    peer = page(client_for(vw.world.last_head_officer).get(url))
    assert "UBND huyện Bắc Sơn" in peer and "UBND huyện Nam Sơn" not in peer
    assert "UBND huyện Đông Sơn" in peer  # its own unit, to open its points
    alone = page(client_for(vw.unassigned).get(url))
    assert "UBND huyện Trung Sơn" in alone and "UBND huyện Bắc Sơn" not in alone
    head = page(client_for(vw.world.head_officer).get(url))
    for name in ("Bắc Sơn", "Nam Sơn", "Đông Sơn", "Trung Sơn", "Tây Sơn"):
        assert f"UBND huyện {name}" in head
    assert reverse("period_comparison", args=[vw.period.pk]) in head


# The verification page ---------------------------------------------------------------------


def test_the_page_shows_the_unit_s_points_every_proposal_and_the_decision(vw, client_for):
    one = vw.entry("1")
    review_propose(
        actor=vw.world.last_head_officer,
        entry=one,
        role="peer",
        points=14,
        reason="Thiếu minh chứng",
    )
    review_propose(
        actor=vw.world.head_officer, entry=one, role="head", points=16, reason="Trừ 2 điểm"
    )
    response = client_for(vw.world.board).get(reverse("verify_scorecard", args=[vw.card.pk]))
    html = page(response)
    assert response.status_code == 200
    start = html.index(f'id="entry-{one.pk}"')
    opening = html[html.rindex("<tr", 0, start) : html.index(">", start)]
    assert "differs" in opening  # the row is highlighted
    row = html[start : html.index("</tr>", start)]
    assert "18" in row and "14" in row and "Thiếu minh chứng" in row
    assert "16" in row and "Trừ 2 điểm" in row and "UBND huyện Đông Sơn" in row
    assert f'name="e{one.pk}-points"' in row  # the board may propose too
    assert reverse("verify_return", args=[vw.card.pk]) in html
    assert reverse("verify_finalise", args=[vw.card.pk]) in html


def test_a_peer_sees_its_proposal_is_advisory_and_cannot_finalise(vw, client_for):
    html = page(
        client_for(vw.world.last_head_officer).get(reverse("verify_scorecard", args=[vw.card.pk]))
    )
    assert "btn-outline-primary save-button" in html  # "Propose", not "Decide"
    assert reverse("verify_finalise", args=[vw.card.pk]) not in html
    assert reverse("verify_return", args=[vw.card.pk]) not in html


def test_a_proposal_saved_with_htmx_returns_its_row_and_the_totals(vw, client_for):
    one = vw.entry("1")
    response = client_for(vw.world.head_officer).post(
        reverse("verify_propose", args=[vw.card.pk, one.pk]),
        {f"e{one.pk}-points": "15,5", f"e{one.pk}-reason": "Thiếu số liệu quý IV"},
        HTTP_HX_REQUEST="true",
    )
    html = page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="entry-{one.pk}"')
    assert 'id="verify-totals"' in html and 'hx-swap-oob="true"' in html
    assert "15,5" in html and "saved-notice" in html
    one.refresh_from_db()
    assert one.final_points == D("15.5")


def test_a_refused_proposal_keeps_what_was_typed(vw, client_for):
    one = vw.entry("1")
    client = client_for(vw.world.head_officer)
    url = reverse("verify_propose", args=[vw.card.pk, one.pk])
    response = client.post(url, {f"e{one.pk}-points": "12,5"}, HTTP_HX_REQUEST="true")
    html = page(response)
    assert 'value="12,5"' in html and "reason-error" in html
    assert not Review.objects.exists()
    # Without JavaScript: the page comes back with the value and the message.
    response = client.post(url, {f"e{one.pk}-points": "25", f"e{one.pk}-reason": "x"})
    html = page(response)
    assert response.status_code == 200 and 'value="25"' in html and "points-error" in html
    assert not Review.objects.exists()


def test_a_plain_post_saves_and_comes_back_to_the_row(vw, client_for):
    two = vw.entry("2")
    response = client_for(vw.world.head_officer).post(
        reverse("verify_propose", args=[vw.card.pk, two.pk]),
        {f"e{two.pk}-points": "0", f"e{two.pk}-reason": "Không đạt"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#entry-{two.pk}")
    two.refresh_from_db()
    assert two.final_points == D(0)


# Returning, answering, deciding -----------------------------------------------------------


def test_the_head_returns_the_scorecard_from_the_form(vw, client_for):
    client = client_for(vw.world.head_officer)
    url = reverse("verify_return", args=[vw.card.pk])
    one = vw.entry("1")
    form = page(client.get(url, {"entry": one.pk}))
    assert f'value="{one.pk}"' in form and "checked" in form
    response = client.post(url, {"entries": [], "question": ""})
    assert response.status_code == 200
    assert Scorecard.objects.get(pk=vw.card.pk).state == "submitted"
    response = client.post(
        url,
        {
            "entries": [one.pk],
            "question": "Đề nghị giải trình số liệu.",
            "deadline": timezone.localtime(vw.period.explanation_deadline).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        },
    )
    assert response.status_code == 302
    assert Scorecard.objects.get(pk=vw.card.pk).state == "returned"
    assert ExplanationRequest.objects.get().question == "Đề nghị giải trình số liệu."


def test_the_unit_answers_and_the_head_decides(vw, client_for):
    one = vw.entry("1")
    request = scorecard_return(
        actor=vw.world.head_officer,
        scorecard=vw.card,
        role="head",
        entries=[one],
        question="Vì sao 18 điểm?",
    )
    unit = client_for(vw.world.member_officer)
    listing = page(unit.get(reverse("explanation_list", args=[vw.card.pk])))
    answer_url = reverse("explanation_answer", args=[vw.card.pk, request.pk])
    assert "Vì sao 18 điểm?" in listing and answer_url in listing
    response = unit.post(answer_url, {"answer": "  "})
    assert response.status_code == 200 and "is-invalid" in page(response)
    response = unit.post(answer_url, {"answer": "Có báo cáo 12/BC-UBND."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == "answered"
    Scorecard.objects.filter(pk=vw.card.pk).update(state="submitted")  # submitted again
    head = client_for(vw.world.head_officer)
    html = page(head.get(reverse("verify_scorecard", args=[vw.card.pk])))
    assert "explained-badge" in html and "Có báo cáo 12/BC-UBND." in html
    assert reverse("verify_decide", args=[vw.card.pk, one.pk]) in html
    head.post(reverse("verify_decide", args=[vw.card.pk, one.pk]), {f"e{one.pk}-points": "18"})
    request.refresh_from_db()
    assert request.state == "decided"


# Finalising ---------------------------------------------------------------------------------


def test_finalising_asks_for_confirmation_first(vw, client_for):
    client = client_for(vw.world.head_officer)
    url = reverse("verify_finalise", args=[vw.card.pk])
    html = page(client.get(url))
    assert "data-confirm" in html and 'name="confirm"' in html
    response = client.post(url, {})
    assert response.status_code == 200
    assert Scorecard.objects.get(pk=vw.card.pk).state == "submitted"
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("verify_comparison", args=[vw.card.pk])
    assert Scorecard.objects.get(pk=vw.card.pk).state == "finalised"
    # Afterwards the page offers nothing to change.
    html = page(client.get(reverse("verify_scorecard", args=[vw.card.pk])))
    assert "propose-form" not in html and reverse("verify_finalise", args=[vw.card.pk]) not in html


def test_the_finalise_page_says_what_blocks_it(world, client_for):
    vw = VW(world, board_criteria=["D"])
    html = page(client_for(world.head_officer).get(reverse("verify_finalise", args=[vw.card.pk])))
    assert "finalise-blockers" in html and "D" in html
    assert "disabled" in html


# Comparison pages ---------------------------------------------------------------------------


def test_one_scorecard_side_by_side_with_its_history(vw, client_for):
    one = vw.entry("1")
    review_propose(actor=vw.world.last_head_officer, entry=one, role="peer", points=14, reason="a")
    review_propose(actor=vw.world.head_officer, entry=one, role="head", points=15, reason="b")
    review_propose(actor=vw.world.head_officer, entry=one, role="head", points=16, reason="c")
    html = page(
        client_for(vw.world.member_officer).get(reverse("verify_comparison", args=[vw.card.pk]))
    )
    header = html[html.index("<thead") : html.index("</thead>")]
    assert "UBND huyện Tây Sơn" in header and "UBND huyện Đông Sơn" in header
    line = html[html.index(f'id="line-{one.pk}"') :]
    line = line[: line.index("</tr>")]
    assert "14" in line and "16" in line and "differs" in line
    history = html[html.index('id="history"') :]
    assert "15 → <strong>16</strong>" in history  # old → new of the head's proposals
    assert history.count("<tr>") >= 5


def test_the_period_comparison_shows_inflation_and_agreement(vw, client_for):
    one = vw.entry("1")
    review_propose(actor=vw.world.last_head_officer, entry=one, role="peer", points=14, reason="a")
    review_propose(actor=vw.world.head_officer, entry=one, role="head", points=16, reason="b")
    two = vw.entry("2")
    review_propose(actor=vw.world.last_head_officer, entry=two, role="peer", points=10)
    review_propose(actor=vw.world.head_officer, entry=two, role="head", points=10)
    html = page(client_for(vw.world.board).get(reverse("period_comparison", args=[vw.period.pk])))
    line = html[html.index(f'id="card-{vw.card.pk}"') :]
    line = line[: line.index("</tr>")]
    assert "+2" in line  # inflation: the head took 2 points off
    # Peer proposals compared with the final points: 14 ≠ 16, 10 = 10 → 50 %.
    assert '<div class="fs-3 fw-semibold agreement-share">50 %</div>' in html
    # Gaps between the two verifiers: |14 − 16| = 2 and 0 → mean 1.
    assert "1,00" in html[html.index("agreement-gap") :][:120]
    assert "How these figures are computed" in html or "definitions" in html


def make_big(world, units: int):  # type: ignore[no-untyped-def]
    """A period with ``units`` extra member units, all submitted and verified by two."""
    extra = [UnitFactory(organizer=world.org, name=f"UBND huyện Số {i}") for i in range(units)]
    add_members(world.this_year, extra)
    sw = scoring_world(world, cross_scoring=True)
    for unit in [world.member_unit, world.deputy_unit, world.h_old, *extra]:
        submit(sw, unit, INPUTS)
        card = sw.card(unit)
        ReviewAssignment.objects.create(scorecard=card, reviewer_unit=world.h_new)
        for code in ("1", "2", "5"):
            target = sw.entry(unit, code)
            review_propose(actor=world.board, entry=target, role="board", points=0, reason="x")
    return sw


@pytest.mark.parametrize("units", [0, 5])
def test_the_period_comparison_takes_the_same_queries_at_any_size(
    world, client_for, django_assert_max_num_queries, units
):
    sw = make_big(world, units)
    client = client_for(world.board)
    url = reverse("period_comparison", args=[sw.period.pk])
    client.get(url)
    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("units", [0, 5])
@pytest.mark.parametrize(
    "name,limit", [("verify_scorecard", 14), ("verify_comparison", 15), ("explanation_list", 10)]
)
def test_one_scorecard_s_pages_take_the_same_queries_at_any_size(
    world, client_for, django_assert_max_num_queries, units, name, limit
):
    sw = make_big(world, units)
    card = sw.card(world.member_unit)
    one = sw.entry(world.member_unit, "1")
    for number in range(units + 1):
        review_propose(actor=world.board, entry=one, role="board", points=number, reason="y")
        review_propose(actor=world.head_officer, entry=one, role="head", points=number, reason="z")
        request = ExplanationRequest.objects.create(
            scorecard=card,
            question=f"Câu hỏi {number}",
            deadline=sw.period.explanation_deadline,
            requested_by=world.head_officer,
            requested_role="head",
            state="decided",
            answer="Trả lời",
            answered_by=world.member_officer,
            answered_at=timezone.now(),
        )
        request.entries.set([one, sw.entry(world.member_unit, "2")])
        request.answer_evidence.set(
            [Evidence.objects.create(scorecard=card, kind="document", doc_number=f"{number}/BC")]
        )
    url = reverse(name, args=[card.pk])
    client = client_for(world.board)
    client.get(url)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


# Cross-scoring --------------------------------------------------------------------------


def test_the_head_assigns_by_hand_and_is_warned_of_mutual_pairs(vw, client_for):
    client = client_for(vw.world.head_officer)
    deputy_card = vw.sw.card(vw.world.deputy_unit)
    response = client.post(
        reverse("assignment_set", args=[vw.period.pk, deputy_card.pk]),
        {"reviewer_unit": vw.world.member_unit.pk},
        follow=True,
    )
    assert ReviewAssignment.objects.get(scorecard=deputy_card).reviewer_unit == vw.world.member_unit
    ReviewAssignment.objects.filter(scorecard=vw.card).update(reviewer_unit=vw.world.deputy_unit)
    response = client.post(
        reverse("assignment_set", args=[vw.period.pk, deputy_card.pk]),
        {"reviewer_unit": vw.world.member_unit.pk},
        follow=True,
    )
    assert "alert-warning" in page(response)
    response = client.post(
        reverse("assignment_set", args=[vw.period.pk, deputy_card.pk]),
        {"reviewer_unit": vw.world.deputy_unit.pk},
        follow=True,
    )
    assert "alert-danger" in page(response)  # its own unit: refused, nothing changed
    assert ReviewAssignment.objects.get(scorecard=deputy_card).reviewer_unit == vw.world.member_unit


def test_allocating_from_the_page(vw, client_for):
    client = client_for(vw.world.board)
    html = page(client.get(reverse("assignment_list", args=[vw.period.pk])))
    assert 'id="allocate-form"' in html and "data-confirm" in html
    client.post(reverse("assignment_allocate", args=[vw.period.pk]))
    assert ReviewAssignment.objects.filter(scorecard__period=vw.period).count() == 5
    assert ReviewAssignment.objects.get(scorecard=vw.card).method == "manual"


def test_without_cross_scoring_the_page_says_so(world, client_for):
    sw = scoring_world(world)
    html = page(client_for(world.board).get(reverse("assignment_list", args=[sw.period.pk])))
    assert 'id="cross-scoring-off"' in html and "allocate-form" not in html


def test_a_draft_scorecard_offers_no_form(world, client_for):
    sw = scoring_world(world)
    card = fill(sw, world.member_unit)
    html = page(client_for(world.head_officer).get(reverse("verify_scorecard", args=[card.pk])))
    assert "propose-form" not in html and "alert-secondary" in html


def test_the_list_s_roles_match_the_permission_helper_for_everyone(vw):
    Period.objects.filter(pk=vw.period.pk).update(deputy_verifies=True)
    cards = list(Scorecard.objects.filter(period=vw.period).select_related("period__cluster_year"))
    for user in vw.personas().values():
        roles = roles_for(user, vw.world.this_year)
        bulk = verifier_roles_in_period(user, vw.period, roles, cards)
        for card in cards:
            assert bulk[card.pk] == verifier_roles(user, card, roles), (user, card)
