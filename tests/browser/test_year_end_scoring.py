"""A year-end scorecard from self-scoring to the final points, in the browser.

A small world of its own (not the demo's rubrics): three communes in one cluster, 2024,
head xã Hòa An, deputy xã Hòa Bình, member xã Hòa Phú, a 20-point table

    I   group 20   1 manual 10 (evidence required) · 2 pass/fail 10

and an open year-end period. The member's officer scores both criteria (8 and "met"),
uploads a PDF for criterion 1 in its evidence modal and submits; the head's officer
proposes 6 for criterion 1 and returns the card for an explanation; the member answers
and submits again; the head decides 6 and finalises: 16 points (6 + 10)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import Profile
from scoring.demo_year_end import TINY_PDF
from scoring.models import Entry, Evidence, ExplanationRequest, Period, Scorecard
from scoring.services.criteria import criterion_add
from scoring.services.periods import period_create, period_open
from scoring.services.rubrics import rubric_create
from tests.browser.conftest import screenshot
from tests.factories import (
    ClusterFactory,
    ClusterYearFactory,
    OrganizerFactory,
    UnitFactory,
    add_members,
    make_user,
)

PASSWORD = "demo12345"
QUESTION = "Đề nghị giải trình: báo cáo chỉ chứng minh thu ngân sách đạt 60% kế hoạch."
ANSWER = "Số liệu quý IV chưa có trong báo cáo; đơn vị gửi kèm bản chụp báo cáo có dấu."


@dataclass
class Journey:
    card: Scorecard
    e1: Entry  # criterion 1: manual, 10 points, evidence required
    e2: Entry  # criterion 2: pass or fail, 10 points
    head_unit: Any
    member_unit: Any


def _small_world() -> Journey:
    org = OrganizerFactory(name="Hội đồng Thi đua - Khen thưởng huyện Thử Trình Duyệt")
    head_unit = UnitFactory(organizer=org, name="UBND xã Hòa An")
    deputy_unit = UnitFactory(organizer=org, name="UBND xã Hòa Bình")
    member_unit = UnitFactory(organizer=org, name="UBND xã Hòa Phú")
    cluster = ClusterFactory(organizer=org, name="Cụm thi đua các xã phía Nam")
    year = ClusterYearFactory(
        cluster=cluster, year=2024, head_unit=head_unit, deputy_unit=deputy_unit
    )
    add_members(year, [head_unit, deputy_unit, member_unit])
    board = make_user("ye_board", role=Profile.Role.BOARD, organizer=org)
    head = make_user("ye_head", role=Profile.Role.OFFICER, unit=head_unit)
    member = make_user("ye_member", role=Profile.Role.OFFICER, unit=member_unit)
    for user in (board, head, member):
        user.set_password(PASSWORD)
        user.save()

    rubric = rubric_create(
        actor=board,
        cluster_year=year,
        name="Bảng chấm điểm năm 2024",
        scale_total=Decimal(20),
        bonus_cap=Decimal(0),
        deduction_cap=Decimal(0),
    )
    group = criterion_add(
        actor=board, rubric=rubric, code="I", title="Về kinh tế", kind="group", max_points=20
    )
    criterion_add(
        actor=board,
        rubric=rubric,
        parent=group,
        code="1",
        title="Thu ngân sách nhà nước",
        kind="manual",
        max_points=10,
        evidence_required=True,
    )
    criterion_add(
        actor=board,
        rubric=rubric,
        parent=group,
        code="2",
        title="Hoàn thành chỉ tiêu tuyển quân",
        kind="pass_fail",
        max_points=10,
    )
    now = timezone.now()
    period = period_create(
        actor=board,
        cluster_year=year,
        kind=Period.Kind.YEAR_END,
        self_deadline=now + dt.timedelta(days=10),
        verification_deadline=now + dt.timedelta(days=20),
        explanation_deadline=now + dt.timedelta(days=25),
    )
    period = period_open(actor=board, period=period)
    card = Scorecard.objects.get(period=period, unit=member_unit)
    entries = {entry.criterion.code: entry for entry in card.entries.select_related("criterion")}
    return Journey(
        card=card,
        e1=entries["1"],
        e2=entries["2"],
        head_unit=head_unit,
        member_unit=member_unit,
    )


def _duplicate_ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate(
        """() => {
            const seen = new Set(), twice = new Set();
            for (const el of document.querySelectorAll("[id]")) {
                (seen.has(el.id) ? twice : seen).add(el.id);
            }
            return [...twice];
        }"""
    )


def _submit(page, base: str, card: Scorecard) -> None:  # type: ignore[no-untyped-def]
    """From the scorecard page through the confirmation page, back to the scorecard."""
    page.click("#submit-link")
    page.wait_for_url(f"{base}/scoring/scorecards/{card.pk}/submit/")
    expect(page.locator(".submit-totals")).to_be_visible()
    page.check("#id_confirm")
    page.once("dialog", lambda dialog: dialog.accept())  # "Submit now? Cannot be undone."
    page.click("#submit-button")
    page.wait_for_url(f"{base}/scoring/scorecards/{card.pk}/")


def test_a_unit_scores_submits_and_the_head_returns_and_finalises(login, demo_server):  # type: ignore[no-untyped-def]
    world = _small_world()
    card, e1, e2 = world.card, world.e1, world.e2
    base = demo_server.url
    card_url = f"{base}/scoring/scorecards/{card.pk}/"

    # 1. The member's officer scores both criteria; each row saves itself.
    page = login("ye_member")
    page.goto(card_url)
    expect(page.locator("#scorecard-summary .unit-name")).to_have_text("UBND xã Hòa Phú")
    expect(page.locator("#scorecard-summary .card-state")).to_have_text("Đang tự chấm")
    expect(page.locator("#grand-total")).to_have_text("0")

    page.fill(f"#entry-input-{e1.pk}", "8")
    expect(page.locator(f"#entry-status-{e1.pk} .entry-saved")).to_contain_text("Đã lưu lúc")
    expect(page.locator(f"#entry-points-{e1.pk} .points-value")).to_have_text("8")
    expect(page.locator("#grand-total")).to_have_text("8")

    page.select_option(f"#entry-input-{e2.pk}", "yes")
    expect(page.locator(f"#entry-status-{e2.pk} .entry-saved")).to_contain_text("Đã lưu lúc")
    expect(page.locator(f"#entry-points-{e2.pk} .points-value")).to_have_text("10")
    expect(page.locator("#grand-total")).to_have_text("18")
    expect(page.locator(f"#group-points-{e1.criterion.parent_id}")).to_contain_text("18")
    # Criterion 1 still lacks its evidence: the card is not complete yet.
    expect(page.locator("#scorecard-summary .completeness-detail")).to_contain_text("2/2")
    expect(page.locator("#scorecard-summary .completeness-detail")).to_contain_text("0/1")
    screenshot(page, "year_end_1_scored")

    page.reload()
    expect(page.locator(f"#entry-input-{e1.pk}")).to_have_value("8")
    expect(page.locator(f"#entry-input-{e2.pk}")).to_have_value("yes")
    expect(page.locator("#grand-total")).to_have_text("18")

    # 2. A PDF uploaded in criterion 1's evidence modal supports criterion 1.
    page.locator(f"#entry-evidence-{e1.pk} .evidence-button").click()
    modal = page.locator("#evidence-modal")
    expect(modal.locator("#evidence-modal-title")).to_contain_text("Minh chứng cho tiêu chí 1")
    expect(modal.locator(".nothing-attached")).to_be_visible()
    modal.locator("#panel-file").set_input_files(
        files=[
            {"name": "bao-cao-thu-ngan-sach.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}
        ]
    )
    modal.locator("#panel-upload-title").fill("Báo cáo thu ngân sách năm 2024")
    # Each field of the modal has an id of its own (labels point at the right input).
    assert _duplicate_ids(page) == []
    modal.locator("#panel-upload-form button[type=submit]").click()
    expect(modal.locator(".panel-notice")).to_contain_text("Báo cáo thu ngân sách năm 2024")
    expect(modal.locator(".attached-list")).to_contain_text("Báo cáo thu ngân sách năm 2024")
    screenshot(page, "year_end_2_evidence_modal")
    modal.locator(".modal-footer button[data-bs-dismiss=modal]").click()
    expect(modal).to_be_hidden()
    # Out of band: the row's chip, the library and the completeness meter.
    expect(page.locator(f"#entry-evidence-{e1.pk} .evidence-chip")).to_have_text(
        "Báo cáo thu ngân sách năm 2024"
    )
    expect(page.locator("#evidence-library .supported-codes")).to_have_text("1")
    expect(page.locator("#scorecard-summary .completeness-percent")).to_have_text("100%")

    _submit(page, base, card)
    expect(page.locator(".alert-success")).to_contain_text("UBND xã Hòa Phú")
    expect(page.locator("#scorecard-summary .card-state")).to_have_text("Đã nộp")
    expect(page.locator(".locked-banner")).to_be_visible()
    expect(page.locator(".entry-input")).to_have_count(0)  # read only now
    expect(page.locator("#submit-link")).to_have_count(0)
    expect(page.locator(f"#entry-{e1.pk} .entry-value")).to_have_text("8")
    screenshot(page, "year_end_3_submitted")

    card.refresh_from_db()
    assert card.state == Scorecard.State.SUBMITTED
    assert card.self_total == Decimal(18)
    evidence = Evidence.objects.get(scorecard=card)
    assert evidence.kind == Evidence.Kind.FILE
    assert evidence.original_name == "bao-cao-thu-ngan-sach.pdf"
    assert evidence.file.read() == TINY_PDF
    assert list(evidence.entries.all()) == [e1]

    # 3. The head's officer proposes 6 for criterion 1 (the head decides it) and returns
    # the card for an explanation.
    page.context.clear_cookies()
    page = login("ye_head")
    page.goto(f"{base}/scoring/scorecards/{card.pk}/verify/")
    expect(page.locator("h1 .state-badge")).to_have_text("Đã nộp")
    row = page.locator(f"#entry-{e1.pk}")
    expect(row.locator(".self-points")).to_have_text("8")
    expect(row.locator(".evidence-chip")).to_have_text("Báo cáo thu ngân sách năm 2024")
    row.locator("input.points-input").fill("6")
    row.locator("input.reason-input").fill("Báo cáo chỉ chứng minh đạt 60% kế hoạch thu.")
    row.locator(".save-button").click()
    expect(row.locator(".saved-notice")).to_contain_text("tiêu chí 1 được quyết định 6 điểm")
    expect(row.locator(".final-value")).to_have_text("6")
    expect(page.locator("#verify-totals .final-total")).to_have_text("16")
    expect(page.locator("#verify-totals .inflation")).to_have_text("+2")

    page.click("#return-link")
    page.wait_for_url(f"{base}/scoring/scorecards/{card.pk}/return/")
    page.check(f"#return-form input[name=entries][value='{e1.pk}']")
    page.fill("#id_question", QUESTION)
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=5)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    page.fill("#id_deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    screenshot(page, "year_end_4_return")
    page.click("#return-form button[type=submit]")
    page.wait_for_url(f"{base}/scoring/scorecards/{card.pk}/verify/")
    expect(page.locator("h1 .state-badge")).to_have_text("Trả lại để giải trình")
    expect(page.locator(".pending-requests")).to_contain_text(QUESTION)
    expect(page.locator("#finalise-link")).to_have_count(0)

    card.refresh_from_db()
    assert card.state == Scorecard.State.RETURNED
    request = ExplanationRequest.objects.get(scorecard=card)
    assert request.state == ExplanationRequest.State.OPEN
    assert list(request.entries.all()) == [e1]
    assert timezone.localtime(request.deadline) == deadline

    # 4. The member's officer answers from the scorecard page and submits again.
    page.context.clear_cookies()
    page = login("ye_member")
    page.goto(card_url)
    expect(page.locator("#scorecard-summary .card-state")).to_have_text("Trả lại để giải trình")
    explanation = page.locator(f"#explanation-{request.pk}")
    expect(explanation.locator(".question")).to_have_text(QUESTION)
    expect(explanation).to_contain_text(deadline.strftime("%d/%m/%Y %H:%M"))
    explanation.locator(".answer-link").click()
    page.wait_for_url(f"{base}/scoring/scorecards/{card.pk}/explanations/{request.pk}/answer/")
    page.fill("#id_answer", ANSWER)
    page.get_by_label("Báo cáo thu ngân sách năm 2024").check()
    page.click("#answer-form button[type=submit]")
    page.wait_for_url(f"{base}/scoring/scorecards/{card.pk}/explanations/")
    expect(page.get_by_text(ANSWER)).to_be_visible()

    page.goto(card_url)
    expect(page.locator(f"#explanation-{request.pk} .answer")).to_contain_text(ANSWER)
    expect(page.locator(f"#explanation-{request.pk} .answer-link")).to_have_count(0)
    _submit(page, base, card)
    expect(page.locator("#scorecard-summary .card-state")).to_have_text("Đã nộp")
    card.refresh_from_db()
    assert card.state == Scorecard.State.SUBMITTED
    request.refresh_from_db()
    assert request.state == ExplanationRequest.State.ANSWERED
    assert list(request.answer_evidence.all()) == [evidence]

    # 5. The head decides criterion 1 again (6, the explanation did not convince) and
    # finalises.
    page.context.clear_cookies()
    page = login("ye_head")
    page.goto(f"{base}/scoring/scorecards/{card.pk}/verify/")
    row = page.locator(f"#entry-{e1.pk}")
    expect(row.locator(".explained-badge")).to_be_visible()
    expect(page.locator(".pending-requests .answer-text")).to_contain_text(ANSWER)
    form = row.locator("form.propose-form")
    assert form.get_attribute("action").endswith(f"/verify/{e1.pk}/decide/")
    expect(form.locator("input.points-input")).to_have_value("6")
    form.locator("input.reason-input").fill("Giữ 6 điểm: số liệu quý IV chưa được xác nhận.")
    form.locator(".save-button").click()
    expect(row.locator(".saved-notice")).to_contain_text("tiêu chí 1 được quyết định 6 điểm")
    expect(row.locator(".explained-badge")).to_have_count(0)
    request.refresh_from_db()
    assert request.state == ExplanationRequest.State.DECIDED
    screenshot(page, "year_end_5_decided")

    page.click("#finalise-link")
    page.wait_for_url(f"{base}/scoring/scorecards/{card.pk}/finalise/")
    expect(page.locator(".final-total")).to_have_text("16")
    expect(page.locator(".changed-rows")).to_contain_text("Thu ngân sách nhà nước")
    expect(page.locator(".finalise-blockers")).to_have_count(0)
    page.check("#id_confirm")
    page.fill("#id_password", "demo12345")  # finalising asks the head to confirm it is them
    page.once("dialog", lambda dialog: dialog.accept())  # "Finalise? Cannot be undone."
    page.click("#finalise-form button[type=submit]")
    page.wait_for_url(f"{base}/scoring/scorecards/{card.pk}/comparison/")
    expect(page.locator(".alert-success").first).to_contain_text(
        "Đã chốt điểm bảng điểm của UBND xã Hòa Phú: 16 điểm."
    )
    screenshot(page, "year_end_6_finalised")

    page.goto(f"{base}/scoring/scorecards/{card.pk}/verify/")
    expect(page.locator("h1 .state-badge")).to_have_text("Đã chốt")
    expect(page.locator("#verify-totals .final-total")).to_have_text("16")
    expect(page.locator("#finalise-link")).to_have_count(0)
    expect(page.locator("form.propose-form")).to_have_count(0)

    card.refresh_from_db()
    assert card.state == Scorecard.State.FINALISED
    assert card.final_total == Decimal(16)
    e1.refresh_from_db()
    e2.refresh_from_db()
    assert (e1.self_points, e1.final_points) == (Decimal(8), Decimal(6))
    assert (e2.self_points, e2.final_points) == (Decimal(10), Decimal(10))
