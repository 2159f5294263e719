"""The demo's scoring periods: TP Bắc Kạn 2022 holds a complete year-end review;
Bắc Ninh 2023 is mid-way so a visitor can try each step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from clusters.models import ClusterYear
from scoring.demo_year_end import load_year_end_demo
from scoring.models import EntryHistory, Evidence, ExplanationRequest, Period, Review, Scorecard

D = Decimal
BAC_NINH = "Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh"
BAC_KAN = "Hội đồng Thi đua - Khen thưởng thành phố Bắc Kạn"


# One process runs them all (pytest-xdist's --dist loadgroup): one load of the demo.
pytestmark = pytest.mark.xdist_group("scoring_demo_year_end")


@pytest.fixture
def demo(demo_data, db):  # type: ignore[no-untyped-def]
    """The demo, loaded once for this module (tests/conftest.py ``demo_data``): its
    first load, and what one test writes is rolled back before the next."""
    assert "demo12345" in demo_data


def period_of(organizer: str, year: int) -> Period:
    return Period.objects.get(
        cluster_year__cluster__organizer__name=organizer, cluster_year__year=year
    )


def cards(period: Period) -> dict[str, Scorecard]:
    return {card.unit.name: card for card in period.scorecards.select_related("unit")}


def test_bac_kan_2022_is_complete_and_final(demo):
    period = period_of(BAC_KAN, 2022)
    assert period.kind == Period.Kind.YEAR_END and period.rubric.is_frozen
    by_unit = cards(period)
    assert len(by_unit) == 8
    assert {card.state for card in by_unit.values()} == {Scorecard.State.FINALISED}
    assert all(card.submitted_at and card.finalised_at for card in by_unit.values())
    # Every card has evidence, one report backing several criteria.
    for card in by_unit.values():
        summary = Evidence.objects.get(scorecard=card, doc_number="210/BC-UBND")
        assert summary.entries.count() == 3
    assert Evidence.objects.filter(kind=Evidence.Kind.FILE).count() == 1
    # The verifiers' changes and the explained questions left their marks.
    xuat_hoa = by_unit["phường Xuất Hóa"]
    assert (xuat_hoa.self_total, xuat_hoa.final_total) == (D("100.00"), D("98.00"))
    assert xuat_hoa.inflation == D("2.00")
    requests = ExplanationRequest.objects.filter(scorecard__period=period)
    assert sorted(request.scorecard.unit.name for request in requests) == [
        "phường Xuất Hóa",
        "xã Dương Quang",
    ]
    assert {request.state for request in requests} == {ExplanationRequest.State.DECIDED}
    assert all(request.answer for request in requests)
    # The head's own scorecard was verified by the deputy, not by itself.
    head_card = by_unit["phường Phùng Chí Kiên"]
    roles = set(Review.objects.filter(entry__scorecard=head_card).values_list("role", flat=True))
    assert roles == {Review.Role.DEPUTY}
    assert head_card.final_total == D("99.50")
    assert EntryHistory.objects.filter(entry__scorecard__period=period).count() > 8 * 12


def test_bac_kan_head_rights_moved_to_2023_after_the_review(demo):
    year_2023 = ClusterYear.objects.get(cluster__organizer__name=BAC_KAN, year=2023)
    assert year_2023.head_unit.name == "phường Đức Xuân"


def test_bac_ninh_2023_is_mid_way(demo):
    period = period_of(BAC_NINH, 2023)
    assert period.state == Period.State.OPEN and period.rubric.is_frozen
    states = {name: card.state for name, card in cards(period).items()}
    assert states == {
        "UBND huyện Gia Bình": Scorecard.State.SUBMITTED,
        "UBND huyện Tiên Du": Scorecard.State.SUBMITTED,
        "UBND huyện Yên Phong": Scorecard.State.RETURNED,
        "UBND huyện Quế Võ": Scorecard.State.DRAFT,
        "UBND huyện Thuận Thành": Scorecard.State.DRAFT,
        "UBND thành phố Bắc Ninh": Scorecard.State.DRAFT,
        "UBND thành phố Từ Sơn": Scorecard.State.DRAFT,
        "UBND huyện Lương Tài": Scorecard.State.DRAFT,
    }
    assert ExplanationRequest.objects.get(scorecard__period=period).state == "open"
    # Visitors can still act: the deadline is ahead, and every unit has an officer.
    from django.utils import timezone

    assert period.self_deadline > timezone.now()
    users = get_user_model().objects.filter(
        profile__unit__memberships__cluster_year=period.cluster_year, profile__role="officer"
    )
    assert users.values("profile__unit").distinct().count() == 8
    assert get_user_model().objects.filter(username="yenphong").exists()


def test_loading_again_creates_nothing(demo):
    before = (Period.objects.count(), Scorecard.objects.count(), EntryHistory.objects.count())
    assert load_year_end_demo() == []
    assert (
        Period.objects.count(),
        Scorecard.objects.count(),
        EntryHistory.objects.count(),
    ) == before


def test_bac_kan_2022_ranking_is_published_and_its_ballot_held(demo):
    from scoring.models import Ballot, BallotVoter, CastBallot

    period = period_of(BAC_KAN, 2022)
    assert period.published_at is not None
    assert period.published_at.date().isoformat() == "2022-12-15"
    ballot = Ballot.objects.get(
        cluster_year=period.cluster_year, purpose=Ballot.Purpose.LEADING_UNIT
    )
    assert ballot.state == Ballot.State.CLOSED
    assert BallotVoter.objects.filter(ballot=ballot).count() == 8
    assert CastBallot.objects.filter(ballot=ballot).count() == 8
    votes = {item["name"]: item["votes"] for item in ballot.result["candidates"]}
    assert votes == {"phường Phùng Chí Kiên": 7, "phường Đức Xuân": 1, "phường Xuất Hóa": 0}
    winner = ballot.candidates.get(pk__in=ballot.result["winners"])
    assert winner.name == "phường Phùng Chí Kiên"


def test_bac_kan_2022_goes_all_the_way_to_an_accepted_nomination(demo):
    """Deliberation recorded, the merit ballot held, every minute rendered, the
    nomination sent with its complete dossier on 22/12/2022 and accepted on 26/12."""
    from core.models import DocumentJob
    from scoring.models import Ballot, Nomination, NominationDocument

    period = period_of(BAC_KAN, 2022)
    meeting = period.deliberation
    assert meeting.held_at.date().isoformat() == "2022-12-20"
    assert meeting.attendees.count() == 8
    merit = Ballot.objects.get(cluster_year=period.cluster_year, purpose=Ballot.Purpose.MERIT)
    assert merit.state == Ballot.State.CLOSED and merit.result["decision"] == "elected"
    assert [row["name"] for row in merit.result["candidates"] if row["winner"]] == [
        "phường Đức Xuân",
        "phường Xuất Hóa",
    ]
    nomination = Nomination.objects.get(period=period)
    assert nomination.state == Nomination.State.ACCEPTED
    assert nomination.submitted_at.date().isoformat() == "2022-12-22"
    assert nomination.decided_at.date().isoformat() == "2022-12-26"
    nominees = {(n.unit.name, n.award) for n in nomination.nominees.select_related("unit")}
    assert nominees == {
        ("phường Phùng Chí Kiên", "flag"),
        ("phường Đức Xuân", "merit"),
        ("phường Xuất Hóa", "merit"),
    }
    live = nomination.documents.filter(withdrawn_at__isnull=True)
    kinds = sorted(live.values_list("kind", flat=True))
    assert kinds == sorted(
        ["achievement_report"] * 3
        + ["ballot_minutes"] * 2
        + ["deliberation_minutes", "score_summary", "submission"]
    )
    rendered = DocumentJob.objects.filter(pk__in=live.filter(job__isnull=False).values("job_id"))
    assert rendered.count() == 5 and set(rendered.values_list("state", flat=True)) == {"done"}
    assert all(document.file for document in live.filter(kind="achievement_report"))
    assert NominationDocument.objects.filter(nomination=nomination).count() == live.count()
