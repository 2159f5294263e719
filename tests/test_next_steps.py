"""What each role is expected to do next (scoring.selectors.next_steps): the sentences
with their number (1 and 3), their links and deadlines, nothing of another cluster or
organizer, the box on the dashboard and the one-line count elsewhere, and the fixed
number of queries the guide adds to a page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from clusters.models import ClusterYear
from covenants.models import Covenant, Signature
from scoring.models import (
    Ballot,
    BallotVoter,
    ExplanationRequest,
    Nomination,
    NominationDocument,
    Nominee,
    Period,
    Scorecard,
)
from scoring.selectors.next_steps import board_steps, member_steps
from scoring.selectors.year_phase import with_phase_facts
from tests.factories import (
    ClusterFactory,
    ClusterYearFactory,
    UnitFactory,
    add_members,
    make_user,
)
from tests.scoring_world import scoring_world


def own_year(world):  # type: ignore[no-untyped-def]
    return with_phase_facts(ClusterYear.objects.filter(pk=world.this_year.pk)).get()


def steps_of(world, user, key=None, *, language="vi"):  # type: ignore[no-untyped-def]
    with translation.override(language):
        steps = member_steps(user, own_year(world))
    return [step for step in steps if key is None or step.key == key]


def board_of(world, key=None, *, organizer=None, language="vi"):  # type: ignore[no-untyped-def]
    with translation.override(language):
        steps = board_steps(organizer or world.org)
    return [step for step in steps if key is None or step.key == key]


def set_cards(sw, units, state):  # type: ignore[no-untyped-def]
    Scorecard.objects.filter(period=sw.period, unit__in=units).update(state=state)


def other_units(world):  # type: ignore[no-untyped-def]
    """Units whose cards the head verifies (not the head's own: the deputy does that)."""
    return [world.member_unit, world.deputy_unit, world.h_old]


def assert_link_answers(client, step):  # type: ignore[no-untyped-def]
    response = client.get(step.url)
    assert response.status_code == 200, (step.key, step.url, response.status_code)


# The head ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "vi", "en"),
    [
        (
            1,
            "1 phiếu chấm điểm đang chờ anh/chị thẩm định (tổng kết năm).",
            "1 scorecard is waiting for your verification",
        ),
        (
            3,
            "3 phiếu chấm điểm đang chờ anh/chị thẩm định (tổng kết năm).",
            "3 scorecards are waiting for your verification",
        ),
    ],
)
def test_the_head_sees_the_cards_waiting_for_verification(world, client_for, count, vi, en):
    sw = scoring_world(world)
    set_cards(sw, other_units(world)[:count], Scorecard.State.SUBMITTED)
    (step,) = steps_of(world, world.head_officer, "head_verify")
    assert step.text == vi and step.count == count
    assert step.url == reverse("verify_period", args=[sw.period.pk])
    assert step.deadline == sw.period.verification_deadline
    assert steps_of(world, world.head_officer, "head_verify", language="en")[0].text.startswith(en)
    assert_link_answers(client_for(world.head_officer), step)
    # the member officer, the leader: not theirs to verify
    assert steps_of(world, world.member_officer, "head_verify") == []
    assert steps_of(world, world.member_leader, "head_verify") == []


def test_the_heads_own_card_waits_for_the_deputy_not_for_the_head(world):
    sw = scoring_world(world)
    set_cards(sw, [world.h_new, world.member_unit], Scorecard.State.SUBMITTED)
    (step,) = steps_of(world, world.head_officer, "head_verify")
    assert step.count == 1 and step.text.startswith("1 phiếu chấm điểm")
    deputy_officer = make_user("canbo_pho_cum", role="officer", unit=world.deputy_unit)
    (step,) = steps_of(world, deputy_officer, "head_verify")
    assert step.count == 2


def test_a_proposed_units_officer_is_asked_for_the_achievement_report(world, client_for):
    sw = scoring_world(world)
    nomination = Nomination.objects.create(
        period=sw.period, cluster_year=world.this_year, organizer=world.org, year=2024
    )
    Nominee.objects.create(nomination=nomination, unit=world.member_unit, award="merit")
    (step,) = steps_of(world, world.member_officer, "officer_report")
    assert step.text.startswith("Đơn vị được đề nghị khen thưởng: hãy tải lên báo cáo")
    assert step.url == reverse("nomination_detail", args=[sw.period.pk])
    assert_link_answers(client_for(world.member_officer), step)
    assert steps_of(world, world.head_officer, "officer_report") == []  # not proposed
    NominationDocument.objects.create(
        nomination=nomination,
        unit=world.member_unit,
        kind=NominationDocument.Kind.ACHIEVEMENT_REPORT,
        file=ContentFile(b"%PDF-1.4 x", name="bao-cao.pdf"),
        uploaded_by=world.member_officer,
    )
    assert steps_of(world, world.member_officer, "officer_report") == []


def explanation(sw, unit, state, requested_by):  # type: ignore[no-untyped-def]
    return ExplanationRequest.objects.create(
        scorecard=sw.card(unit),
        question="Đề nghị giải trình tiêu chí 1.1",
        deadline=timezone.now() + dt.timedelta(days=3),
        state=state,
        requested_by=requested_by,
        requested_role="head",
    )


@pytest.mark.parametrize("count", [1, 3])
def test_the_head_sees_answered_explanations(world, client_for, count):
    sw = scoring_world(world)
    for unit in other_units(world)[:count]:
        explanation(sw, unit, ExplanationRequest.State.ANSWERED, world.head_officer)
    explanation(sw, world.member_unit, ExplanationRequest.State.OPEN, world.head_officer)
    (step,) = steps_of(world, world.head_officer, "head_explanations")
    assert step.text == f"{count} giải trình đã được trả lời, đang chờ anh/chị kết luận."
    en = steps_of(world, world.head_officer, "head_explanations", language="en")[0].text
    assert en.startswith(f"{count} explanation was" if count == 1 else f"{count} explanations were")
    assert_link_answers(client_for(world.head_officer), step)


def test_the_head_is_told_to_publish_then_to_send_the_nomination(world, client_for):
    sw = scoring_world(world)
    assert steps_of(world, world.head_officer, "head_publish") == []
    Scorecard.objects.filter(period=sw.period).update(state=Scorecard.State.FINALISED)
    (step,) = steps_of(world, world.head_officer, "head_publish")
    assert "đã chốt: có thể công bố kết quả xếp hạng" in step.text
    assert step.url == reverse("period_ranking", args=[sw.period.pk])
    assert_link_answers(client_for(world.head_officer), step)
    Period.objects.filter(pk=sw.period.pk).update(published_at=timezone.now())
    assert steps_of(world, world.head_officer, "head_publish") == []
    Nomination.objects.create(
        period=sw.period, cluster_year=world.this_year, organizer=world.org, year=2024
    )
    (step,) = steps_of(world, world.head_officer, "head_nomination")
    assert step.text == "Cần lập và gửi hồ sơ đề nghị khen thưởng cho Ban Thi đua – Khen thưởng."
    assert step.url == reverse("nomination_detail", args=[sw.period.pk])
    assert step.deadline == dt.date(2024, 12, 10)  # the default rules' deadline
    assert steps_of(world, world.member_officer, "head_nomination") == []
    Nomination.objects.update(state=Nomination.State.SUBMITTED)
    assert steps_of(world, world.head_officer, "head_nomination") == []


# Member officers and leaders -----------------------------------------------------------


def test_the_member_officer_has_the_scorecard_to_submit_with_its_deadline(world, client_for):
    sw = scoring_world(world)
    (step,) = steps_of(world, world.member_officer, "officer_scorecard")
    assert step.text == "Phiếu chấm điểm của đơn vị (tổng kết năm) cần tự chấm và nộp."
    assert step.deadline == sw.period.self_deadline and not step.overdue
    assert step.url == reverse("scorecard_detail", args=[sw.card(world.member_unit).pk])
    client = client_for(world.member_officer)
    assert_link_answers(client, step)
    html = client.get(reverse("dashboard")).content.decode()
    box = re.search(r'<section class="card mb-4 todo-box".*?</section>', html, re.S).group(0)
    assert step.text in box
    assert f"Hạn: {timezone.localtime(sw.period.self_deadline):%d/%m/%Y}" in box
    set_cards(sw, [world.member_unit], Scorecard.State.SUBMITTED)
    assert steps_of(world, world.member_officer, "officer_scorecard") == []


@pytest.mark.parametrize("count", [1, 3])
def test_the_member_officer_has_explanations_to_answer(world, client_for, count):
    sw = scoring_world(world)
    set_cards(sw, [world.member_unit], Scorecard.State.RETURNED)
    for _index in range(count):
        explanation(sw, world.member_unit, ExplanationRequest.State.OPEN, world.head_officer)
    explanation(sw, world.h_old, ExplanationRequest.State.OPEN, world.head_officer)  # not theirs
    (step,) = steps_of(world, world.member_officer, "officer_explanations")
    assert step.text == f"{count} yêu cầu giải trình đang chờ đơn vị trả lời."
    assert step.count == count and step.deadline is not None
    en = steps_of(world, world.member_officer, "officer_explanations", language="en")[0].text
    assert en.startswith(
        f"{count} explanation request is" if count == 1 else f"{count} explanation requests are"
    )
    assert_link_answers(client_for(world.member_officer), step)


def test_the_member_leader_signs_the_covenant_once(world, client_for):
    covenant = Covenant.objects.create(
        cluster_year=world.this_year, version=1, title="Giao ước thi đua 2024"
    )
    assert steps_of(world, world.member_leader, "leader_sign") == []
    Covenant.objects.filter(pk=covenant.pk).update(state=Covenant.State.SIGNING)
    (step,) = steps_of(world, world.member_leader, "leader_sign")
    assert step.text == "Giao ước thi đua năm 2024 đang chờ anh/chị ký."
    assert_link_answers(client_for(world.member_leader), step)
    assert steps_of(world, world.member_officer, "leader_sign") == []  # officers do not sign
    Signature.objects.create(
        covenant=covenant,
        unit=world.member_unit,
        signer=world.member_leader,
        signer_name="Lan",
        signer_position="Chủ tịch",
        signed_at=timezone.now(),
    )
    assert steps_of(world, world.member_leader, "leader_sign") == []


def open_ballot(world, purpose=Ballot.Purpose.MERIT):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Ballot.objects.create(
        cluster_year=world.this_year,
        purpose=purpose,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=2),
        state=Ballot.State.OPEN,
    )


@pytest.mark.parametrize("count", [1, 3])
def test_the_member_leader_has_ballots_to_vote(world, client_for, count):
    ballots = [open_ballot(world) for _index in range(count + 1)]
    BallotVoter.objects.create(
        ballot=ballots[0],
        unit=world.member_unit,
        voted_at=timezone.now(),
        voted_by=world.member_leader,
    )
    BallotVoter.objects.create(  # another unit's vote changes nothing for this one
        ballot=ballots[1], unit=world.h_new, voted_at=timezone.now(), voted_by=world.head_officer
    )
    (step,) = steps_of(world, world.member_leader, "leader_vote")
    assert step.text == f"{count} cuộc bỏ phiếu đang mở, chờ đơn vị anh/chị bỏ phiếu."
    assert step.deadline == ballots[1].closes_at
    expected = (
        reverse("ballot_vote", args=[ballots[1].pk])
        if count == 1
        else reverse("year_ballots", args=[world.this_year.pk])
    )
    assert step.url == expected
    assert_link_answers(client_for(world.member_leader), step)


# The board --------------------------------------------------------------------------------


def cluster_with_nomination(world, name, state):  # type: ignore[no-untyped-def]
    unit = UnitFactory(organizer=world.org, name=f"UBND {name}")
    cluster_year = ClusterYearFactory(
        cluster=ClusterFactory(organizer=world.org, name=name), year=2024, head_unit=unit
    )
    add_members(cluster_year, [unit])
    now = timezone.now()
    period = Period.objects.create(
        cluster_year=cluster_year,
        kind=Period.Kind.YEAR_END,
        self_deadline=now + dt.timedelta(days=1),
        verification_deadline=now + dt.timedelta(days=2),
        explanation_deadline=now + dt.timedelta(days=3),
    )
    return Nomination.objects.create(
        period=period, cluster_year=cluster_year, organizer=world.org, year=2024, state=state
    )


@pytest.mark.parametrize("count", [1, 3])
def test_the_board_sees_nominations_to_review(world, client_for, count):
    for index in range(count):
        cluster_with_nomination(world, f"Cụm số {index}", Nomination.State.SUBMITTED)
    cluster_with_nomination(world, "Cụm nháp", Nomination.State.DRAFT)  # not sent: not counted
    (step,) = board_of(world, "board_nominations")
    assert step.text == f"{count} hồ sơ đề nghị khen thưởng đang chờ anh/chị xem xét."
    en = board_of(world, "board_nominations", language="en")[0].text
    assert en.startswith(
        f"{count} award nomination is" if count == 1 else f"{count} award nominations are"
    )
    assert_link_answers(client_for(world.board), step)
    assert board_of(world, organizer=world.other_org) == []  # nothing of another organizer


@pytest.mark.parametrize("count", [1, 3])
def test_the_board_sees_cards_to_finalise(world, client_for, count):
    sw = scoring_world(world, board_finalises=True)
    assert board_of(world, "board_finalise") == []
    set_cards(sw, other_units(world)[:count], Scorecard.State.VERIFIED)
    (step,) = board_of(world, "board_finalise")
    assert step.text == f"{count} phiếu chấm điểm đang chờ Ban Thi đua – Khen thưởng chốt kết quả."
    assert_link_answers(client_for(world.board), step)
    assert board_of(world, organizer=world.other_org) == []


@pytest.mark.parametrize("count", [1, 3])
def test_the_board_sees_the_clusters_behind_schedule(world, client_for, count):
    # 2024's nomination deadline (10/12/2024) has passed: a cluster that has not sent its
    # nomination is late (the year dashboard's rule), one that has sent it is not
    cluster_with_nomination(world, "Cụm đã gửi", Nomination.State.SUBMITTED)
    for index in range(count - 1):
        cluster_with_nomination(world, f"Cụm chưa gửi {index}", Nomination.State.DRAFT)
    (late,) = board_of(world, "board_overdue")
    assert late.text == f"{count} cụm thi đua đang chậm so với thời hạn năm 2024."
    en = board_of(world, "board_overdue", language="en")[0].text
    assert en.startswith(f"{count} cluster is" if count == 1 else f"{count} clusters are")
    assert late.url == reverse("year_dashboard", args=[2024])
    assert_link_answers(client_for(world.board), late)
    assert board_of(world, organizer=world.other_org) == []


def test_nobody_sees_the_steps_of_another_cluster_or_organizer(world, client_for):
    sw = scoring_world(world)
    set_cards(sw, other_units(world), Scorecard.State.SUBMITTED)
    for user in (world.other_board, world.outsider_officer):
        html = client_for(user).get(reverse("dashboard")).content.decode()
        assert "đang chờ anh/chị thẩm định" not in html
        assert "Hiện chưa có việc nào chờ anh/chị." in html
    # the head of last year has no head work in this year
    assert all(step.key.startswith("officer") for step in steps_of(world, world.last_head_officer))


def test_other_pages_show_a_one_line_count_linking_to_the_dashboard(world, client_for):
    sw = scoring_world(world)
    set_cards(sw, [world.deputy_unit, world.member_unit, world.h_old], Scorecard.State.SUBMITTED)
    client = client_for(world.head_officer)
    html = client.get(reverse("notification_list")).content.decode()
    line = re.search(r'<p class="todo-line.*?</p>', html, re.S).group(0)
    # their own card to submit, and 3 cards to verify
    assert '<a href="/#todo">2 việc cần làm</a>' in line
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 'class="todo-line' not in dashboard  # the full box instead
    assert "3 phiếu chấm điểm đang chờ anh/chị thẩm định" in dashboard


# Queries ------------------------------------------------------------------------------------


def added_queries(client, path, settings) -> int:  # type: ignore[no-untyped-def]
    """Queries of ``path`` with the guide minus without it, the phase bar not found in
    the cache (tests/test_phase_bar_cache.py: found, it costs none)."""
    client.get(path)  # warm the session

    def count() -> int:
        caches[settings.FRAGMENT_CACHE].clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    with_guide = count()
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    p for p in processors if p != "scoring.context_processors.year_guide"
                ],
            },
        }
    ]
    try:
        return with_guide - count()
    finally:
        settings.TEMPLATES = [
            {
                **settings.TEMPLATES[0],
                "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "context_processors": processors},
            }
        ]


def grow(world, sw, size):  # type: ignore[no-untyped-def]
    """``size`` more of what the guide counts: member units with cards, explanations,
    ballots, clusters of the organizer."""
    start = Nomination.objects.count()
    for index in range(start, start + size):
        cluster_with_nomination(world, f"Cụm thêm {index}", Nomination.State.SUBMITTED)
        explanation(sw, world.member_unit, ExplanationRequest.State.OPEN, world.head_officer)
        explanation(sw, world.h_old, ExplanationRequest.State.ANSWERED, world.head_officer)
        open_ballot(world)
    Scorecard.objects.filter(period=sw.period, unit=world.deputy_unit).update(
        state=Scorecard.State.SUBMITTED
    )


PAGES = {
    "board": ["dashboard", "unit_list", "year_periods"],
    "head_officer": ["dashboard", "notification_list", "year_periods", "scorecard_detail"],
    "member_officer": ["dashboard", "scorecard_detail", "cluster_year_detail@last"],
    "member_leader": ["dashboard", "year_periods"],
}


def page_path(world, sw, name):  # type: ignore[no-untyped-def]
    if name == "cluster_year_detail@last":
        return reverse("cluster_year_detail", args=[world.last_year.pk])
    if name in ("year_periods",):
        return reverse(name, args=[world.this_year.pk])
    if name == "scorecard_detail":
        return reverse(name, args=[sw.card(world.member_unit).pk])
    return reverse(name)


def test_the_guide_adds_a_fixed_number_of_queries(world, client, settings):
    settings.AXES_ENABLED = False
    sw = scoring_world(world)
    measured: dict[tuple[str, str], list[int]] = {}
    for size in (1, 4):
        grow(world, sw, 1 if size == 1 else 3)
        for persona, pages in PAGES.items():
            client.force_login(getattr(world, persona))
            for name in pages:
                path = page_path(world, sw, name)
                if persona == "head_officer" and name == "scorecard_detail":
                    path = reverse(name, args=[sw.card(world.h_new).pk])
                measured.setdefault((persona, name), []).append(
                    added_queries(client, path, settings)
                )
    report = "\n".join(f"{p:15} {n:28} {c}" for (p, n), c in measured.items())
    print("\nqueries added by the phase bar and the to-do list (small, big):\n" + report)
    for (persona, name), (small, big) in measured.items():
        assert small == big, f"{persona} {name}: {small} then {big} queries\n{report}"
        # the board's dashboard: the year dashboard's 7 + its default year; elsewhere
        # at most the page's year and the user's own (2 + 1) and a leader's open ballots
        assert small <= (8 if (persona, name) == ("board", "dashboard") else 3), report
    assert measured["board", "unit_list"] == [0, 0]  # a page about no cluster year
    assert measured["board", "year_periods"] == [1, 1]  # the bar only
    assert measured["member_officer", "dashboard"] == [2, 2]  # the bar and the whole list
