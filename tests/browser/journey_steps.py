"""The steps of the whole-year journey (tests/browser/test_journey.py), each a function
of a :class:`Journey`: one browser page, the server's address, and who is logged in.

A fresh year of the demo cluster of Bắc Ninh (2025, three members):

    1 UBND thành phố Từ Sơn   (member; officer ``tuson``, leader ``tuson_lanhdao``)
    2 UBND huyện Gia Bình     (deputy; ``giabinh``, ``giabinh_lanhdao``)
    3 UBND huyện Lương Tài    (head, signs last; ``luongtai``, ``luongtai_lanhdao``)

Every step is done on the pages as its real persona would; the database is only read
(to find the object a page was about and to check what it holds), except where a user
would wait in real time — and none is needed: the ballot closes early once every unit
has voted, and documents render inline in the test process (tests/conftest.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS

expect.set_options(timeout=20_000)  # the CI machine is shared: pages may be slow

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo12345"
CLUSTER = "Cụm thi đua các huyện, thành phố"
YEAR = 2025
THEME = "Đoàn kết, đổi mới, hoàn thành xuất sắc nhiệm vụ năm 2025"
HEAD = "UBND huyện Lương Tài"
DEPUTY = "UBND huyện Gia Bình"
MEMBER = "UBND thành phố Từ Sơn"
MEMBERS = [MEMBER, DEPUTY, HEAD]  # the agreed order: the head signs last
OFFICERS = {MEMBER: "tuson", DEPUTY: "giabinh", HEAD: "luongtai"}
LEADERS = {MEMBER: "tuson_lanhdao", DEPUTY: "giabinh_lanhdao", HEAD: "luongtai_lanhdao"}
COVENANT_TITLE = "Giao ước thi đua năm 2025"
QUESTION = "Đề nghị giải trình: chưa có số liệu thu ngân sách quý IV."
ANSWER = "Thu ngân sách quý IV đạt 102% kế hoạch, báo cáo đã gửi kèm."


def pdf_text(path: Path) -> str:
    """The text of a PDF, whitespace collapsed (pdftotext, from poppler-utils)."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed to read the PDF"
    out = subprocess.run(  # noqa: S603 - fixed tool, our own file
        [pdftotext, str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    return " ".join(out.split())


@dataclass
class Journey:
    page: Page
    base: str
    tmp: Path
    user: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    shot_prefix: str = "journey"

    def __post_init__(self) -> None:
        # Every "… cannot be undone. Go on?" question of the pages is answered yes.
        self.page.on("dialog", lambda dialog: dialog.accept())

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def as_user(self, username: str) -> Page:
        """Log out whoever is in, log ``username`` in (lands on the dashboard)."""
        page = self.page
        if self.user == username:  # already in: back to the dashboard
            self.goto("/")
            return page
        page.context.clear_cookies()
        page.goto(self.url("/accounts/login/"))
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.url("/"))
        self.user = username
        return page

    def shot(self, name: str) -> None:
        configured = os.environ.get("SCREENSHOTS_DIR")
        folder = (ROOT / configured) if configured else ARTIFACTS
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{self.shot_prefix}-{name}.png"), full_page=True)

    def goto(self, path: str) -> Page:
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == 200, (path, response and response.status)
        return self.page


def cluster_year():  # type: ignore[no-untyped-def]
    from clusters.models import ClusterYear

    return ClusterYear.objects.select_related("head_unit", "deputy_unit").get(
        cluster__name=CLUSTER, year=YEAR
    )


def units() -> dict[str, Any]:
    from clusters.models import Unit

    return {unit.name: unit for unit in Unit.objects.filter(name__in=MEMBERS)}


# 1. The provincial board sets up the year, its head and deputy. --------------------


def board_sets_up_year(j: Journey) -> None:
    page = j.as_user("bacninh")
    j.goto("/clusters/")
    row = page.locator("tr", has_text=CLUSTER)
    row.locator("a[href$='/years/new/']").click()
    expect(page.locator("h1")).to_contain_text("Thiết lập năm")
    page.fill("#id_year", str(YEAR))
    page.fill("#id_theme", THEME)
    for box in page.locator("input[name=members]").all():
        box.set_checked(False)
    for order, name in enumerate(MEMBERS, start=1):
        box = page.get_by_label(re.compile(rf"^{re.escape(name)}"))
        box.check()
        unit_id = box.get_attribute("value")
        page.fill(f"input[name=order_{unit_id}]", str(order))
    page.select_option("#id_head_unit", label=HEAD)
    page.select_option("#id_deputy_unit", label=DEPUTY)
    j.shot("01-year-form")
    page.click("button[type=submit][data-busy]")
    expect(page.locator("h1 .year-number")).to_have_text(str(YEAR))
    expect(page.locator(".head-unit")).to_have_text(HEAD)
    expect(page.locator(".deputy-unit")).to_have_text(DEPUTY)
    expect(page.locator(".year-theme")).to_have_text(THEME)
    expect(page.locator("#member-table .member-name")).to_have_text(MEMBERS)
    j.shot("01-year-created")

    year = cluster_year()
    assert year.head_unit.name == HEAD and year.deputy_unit.name == DEPUTY
    assert [m.unit.name for m in year.memberships.order_by("order")] == MEMBERS


STEPS: list[Callable[[Journey], None]] = [board_sets_up_year]


# 2. The head drafts the covenant: a section and a target for every member. ---------


def head_drafts_covenant(j: Journey) -> None:
    page = j.as_user("luongtai")
    year = cluster_year()
    # The dashboard leads to the year, the year to its covenant.
    page.locator(f"a[href='/years/{year.pk}/']").first.click()
    expect(page.locator(".user-roles")).to_contain_text("trưởng cụm")
    page.click("a.covenant-link")
    expect(page.locator("#no-covenant")).to_have_text("Giao ước năm nay chưa được soạn thảo.")
    page.check("#id_start_0")
    page.fill("#id_title", COVENANT_TITLE)
    page.click("#create-covenant button[type=submit]")
    expect(page.locator("h1 .covenant-title")).to_have_text(COVENANT_TITLE)
    expect(page.locator("h1 .covenant-state")).to_have_text("Dự thảo")
    j.shot("02-covenant-created")
    covenant_url = page.url

    # One commitment section.
    page.click("a[href$='/sections/']")
    page.fill("#id_sections-0-ORDER", "1")
    page.fill("#id_sections-0-heading", "Về phát triển kinh tế")
    page.fill("#id_sections-0-body", "Thu ngân sách nhà nước đạt và vượt chỉ tiêu được giao.")
    page.click("#sections-form button[type=submit]")
    page.wait_for_url(covenant_url)
    expect(page.locator(".covenant-section .section-heading")).to_have_text(
        "1. Về phát triển kinh tế"
    )

    # One target, a value for each member unit, carried into scoring.
    page.click("a[href$='/targets/']")
    expect(page.locator("#targets-grid th.member-column")).to_have_text(MEMBERS)
    if page.locator("#target-rows tr.target-row").count() == 0:
        page.click("button[data-add-target]")
    row = page.locator("#target-rows tr.target-row").first
    row.locator("input[name^=indicator]").fill("Thu ngân sách nhà nước")
    row.locator("input[name^=measure]").fill("tỷ đồng")
    row.locator("input[name^=scoring]").check()
    for name, value in zip(MEMBERS, ["1.250", "480,5", "620"], strict=True):
        row.get_by_label(name).fill(value)
    page.click("#targets-form button[type=submit]")
    page.wait_for_url(covenant_url)
    expect(page.locator("#targets-table .target-indicator")).to_have_text("Thu ngân sách nhà nước")
    expect(page.locator("#targets-table .target-value")).to_have_text(["1.250", "480,5", "620"])
    j.shot("02-covenant-drafted")


# 3. The covenant goes round for comments, is adopted, signed by every leader. -------


def _transition(page: Page, to: str, notice: str) -> None:
    page.click(f".workflow-actions button[data-to='{to}']")
    expect(page.locator(".alert-success").first).to_contain_text(notice)


def covenant_workflow(j: Journey) -> None:
    page = j.as_user("luongtai")
    year = cluster_year()
    j.goto(f"/years/{year.pk}/covenants/")
    page.click(f"#covenant-versions a:text('{COVENANT_TITLE}')")
    panel = page.locator("#workflow-panel")
    expect(panel.locator(".next-action")).to_contain_text("gửi các đơn vị thành viên lấy ý kiến")
    _transition(page, "circulated", "")
    expect(panel.locator("[aria-current=step]")).to_contain_text("Đang lấy ý kiến")
    _transition(page, "adopted", "Đã ghi nhận việc thông qua tại hội nghị.")
    expect(page.locator(".read-only-banner")).to_contain_text("không thể sửa nội dung nữa")
    _transition(page, "signing", "Đã mở ký kết")
    expect(panel.locator(".signing-summary")).to_contain_text("Đã ký 0/3")
    j.shot("03-covenant-signing-open")


def _sign(j: Journey, leader: str) -> None:
    page = j.as_user(leader)
    # The dashboard's to-do list says the covenant waits for this leader's signature.
    todo = page.locator("#todo .todo-item a", has_text="đang chờ anh/chị ký")
    expect(todo).to_contain_text(COVENANT_TITLE)
    todo.click()
    page.wait_for_url(re.compile(r"/covenants/\d+/$"))
    covenant_url = page.url
    page.click("a.sign-link")
    page.fill("#id_password", PASSWORD)  # signing asks the password every time
    page.check("#id_confirm")
    page.click("button[type=submit][data-busy]")
    page.wait_for_url(covenant_url)
    expect(page.locator("a.sign-link")).to_have_count(0)


def leaders_sign(j: Journey) -> None:
    from covenants.models import Covenant, CovenantState

    unit = units()
    for done, name in enumerate(MEMBERS, start=1):
        _sign(j, LEADERS[name])
        page = j.page
        row = page.locator(f"tr.signing-row[data-unit='{unit[name].pk}']")
        expect(row).to_have_class(re.compile(r"\bis-signed\b"))
        if done < len(MEMBERS):
            expect(page.locator(".signing-summary")).to_contain_text(f"Đã ký {done}/3")
    j.shot("03-covenant-signed")
    expect(page.locator("h1 .covenant-state")).to_have_text("Đã ký")
    expect(page.locator(".signing-summary")).to_contain_text("Đã ký 3/3")
    covenant = Covenant.objects.get(cluster_year=cluster_year(), title=COVENANT_TITLE)
    assert covenant.state == CovenantState.SIGNED
    assert sorted(covenant.signatures.values_list("unit__name", flat=True)) == sorted(MEMBERS)


# 4. The signed covenant's PDF is made, downloaded and read. --------------------------


def covenant_pdf(j: Journey) -> None:
    page = j.as_user("luongtai")
    year = cluster_year()
    j.goto(f"/years/{year.pk}/covenants/")
    page.click(f"#covenant-versions a:text('{COVENANT_TITLE}')")
    page.click("button.pdf-button")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-status[data-state='done']")).to_be_visible()
    j.shot("04-covenant-pdf-job")
    with page.expect_download() as download_info:
        page.click("a.job-download")
    path = j.tmp / "giao-uoc-2025.pdf"
    download_info.value.save_as(path)
    text = pdf_text(path)
    j.notes["covenant_pdf"] = text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert CLUSTER.upper() in text.upper()
    for name in MEMBERS:
        assert name in text, name
    assert "DỰ THẢO" not in text


# 2b. The head builds the year's scoring table in the editor (3 criteria, 30 points). -


def _criterion_form(page: Page, *, title: str, kind: str | None = None, **fields: str):  # type: ignore[no-untyped-def]
    form = page.locator("tr.criterion-form-row form.criterion-form")
    form.wait_for()
    form.locator("textarea[name=title]").fill(title)
    if kind is not None:
        form.locator("select[name=kind]").select_option(kind)
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    return form


def _save_criterion(page: Page, form, code: str) -> None:  # type: ignore[no-untyped-def]
    form.locator(".save-button").click()
    page.locator(f"tr.criterion-row[data-code='{code}']").wait_for()
    page.locator("tr.criterion-form-row").wait_for(state="detached")


def head_builds_rubric(j: Journey) -> None:
    from scoring.models import Rubric

    page = j.as_user("luongtai")
    year = cluster_year()
    j.goto(f"/years/{year.pk}/")
    page.click("a.rubric-link")
    page.check("#rubric-create-form input[name=start][value=scratch]")
    page.fill("#id_name", "Bảng chấm điểm thi đua năm 2025")
    page.fill("#id_scale_total", "30")
    page.fill("#id_bonus_cap", "0")
    page.fill("#id_deduction_cap", "0")
    page.click("#create-rubric")
    page.wait_for_selector("#rubric-editor")

    page.click("#add-section")
    form = _criterion_form(page, title="Về phát triển kinh tế - xã hội", max_points="30")
    _save_criterion(page, form, "I")
    # 1: scored against the covenant's target, 2: manual points, 3: pass or fail.
    page.locator("tr.criterion-row[data-code='I'] .more-button").click()
    page.locator("tr.criterion-row[data-code='I'] .add-inside").click()
    form = _criterion_form(
        page, title="Thu ngân sách nhà nước so với chỉ tiêu", kind="target_ratio", max_points="10"
    )
    form.locator("select[name=target]").select_option(label="Thu ngân sách nhà nước (tỷ đồng)")
    _save_criterion(page, form, "1")
    page.locator("tr.criterion-row[data-code='1'] .more-button").click()
    page.locator("tr.criterion-row[data-code='1'] .add-below").click()
    form = _criterion_form(
        page, title="Cải cách hành chính, chuyển đổi số", kind="manual", max_points="10"
    )
    _save_criterion(page, form, "2")
    page.locator("tr.criterion-row[data-code='2'] .more-button").click()
    page.locator("tr.criterion-row[data-code='2'] .add-below").click()
    form = _criterion_form(page, title="Hoàn thành chỉ tiêu tuyển quân", kind="pass_fail")
    form.locator("input[name=max_points]").fill("10")
    _save_criterion(page, form, "3")
    expect(page.locator("tr.criterion-row[data-code='I'] .parts-total")).to_contain_text("30")
    expect(page.locator("li.problem")).to_have_count(0)
    expect(page.locator(".no-problems")).to_be_visible()
    j.shot("02-rubric-built")

    rubric = Rubric.objects.get(cluster_year=year)
    rows = sorted(rubric.criteria.values_list("code", "kind", "max_points", "evidence_required"))
    assert rows == [
        ("1", "target_ratio", 10, False),
        ("2", "manual", 10, False),
        ("3", "pass_fail", 10, False),
        ("I", "group", 30, False),
    ]
    assert rubric.criteria.get(code="1").target.indicator == "Thu ngân sách nhà nước"


# 5. The head opens the year-end scoring: the table freezes, every unit gets a card. --


def head_opens_period(j: Journey) -> None:
    from scoring.models import Period, Scorecard

    page = j.as_user("luongtai")
    year = cluster_year()
    j.goto(f"/years/{year.pk}/")
    page.click("a.periods-link")
    page.click("a.create-period:text('Tạo kỳ tổng kết năm')")
    expect(page.locator("#id_kind")).to_have_value("year_end")
    page.click("#period-form button[type=submit]")
    expect(page.locator("main")).to_contain_text("Chưa mở chấm điểm.")
    page.click("#open-link")
    expect(page.locator("main")).to_contain_text(
        "3 đơn vị thành viên nhận bảng điểm (3 tiêu chí cần chấm)"
    )
    page.click("#open-button")
    expect(page.locator(".alert-success").first).to_be_visible()
    j.shot("05-period-open")
    period = Period.objects.get(cluster_year=year, kind=Period.Kind.YEAR_END)
    assert period.state == Period.State.OPEN
    assert Scorecard.objects.filter(period=period).count() == 3


# 6. Each unit's officer self-scores and submits (Từ Sơn with an evidence file). -----

# achieved budget revenue (target: 1.250 / 480,5 / 620), manual points, recruitment met
SELF_SCORES = {
    MEMBER: ("1.300", "9", "yes"),  # 10 + 9 + 10 = 29
    DEPUTY: ("480,5", "9", "yes"),  # 10 + 9 + 10 = 29
    HEAD: ("558", "8", "yes"),  # 9 + 8 + 10 = 27
}
SELF_TOTALS = {MEMBER: "29", DEPUTY: "29", HEAD: "27"}


def year_end():  # type: ignore[no-untyped-def]
    from scoring.models import Period

    return Period.objects.get(cluster_year=cluster_year(), kind=Period.Kind.YEAR_END)


def ballot():  # type: ignore[no-untyped-def]
    from scoring.models import Ballot

    return Ballot.objects.get(cluster_year=cluster_year())


def card_of(unit_name: str):  # type: ignore[no-untyped-def]
    from scoring.models import Scorecard

    return Scorecard.objects.get(period__cluster_year=cluster_year(), unit__name=unit_name)


def entries_of(card) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {e.criterion.code: e for e in card.entries.select_related("criterion")}


def _fill_scorecard(j: Journey, unit_name: str) -> None:
    page = j.page
    card = card_of(unit_name)
    e = entries_of(card)
    achieved, points, passed = SELF_SCORES[unit_name]
    expect(page.locator("#scorecard-summary .unit-name")).to_have_text(unit_name)
    expect(page.locator("#scorecard-summary .card-state")).to_have_text("Đang tự chấm")
    page.fill(f"#entry-input-{e['1'].pk}", achieved)
    expect(page.locator(f"#entry-status-{e['1'].pk} .entry-saved")).to_contain_text("Đã lưu lúc")
    page.fill(f"#entry-input-{e['2'].pk}", points)
    expect(page.locator(f"#entry-status-{e['2'].pk} .entry-saved")).to_contain_text("Đã lưu lúc")
    page.select_option(f"#entry-input-{e['3'].pk}", passed)
    expect(page.locator(f"#entry-status-{e['3'].pk} .entry-saved")).to_contain_text("Đã lưu lúc")
    expect(page.locator("#grand-total")).to_have_text(SELF_TOTALS[unit_name])


def _upload_evidence(j: Journey, unit_name: str) -> None:
    from scoring.demo_year_end import TINY_PDF

    page = j.page
    e2 = entries_of(card_of(unit_name))["2"]
    page.locator(f"#entry-evidence-{e2.pk} .evidence-button").click()
    modal = page.locator("#evidence-modal")
    expect(modal.locator("#evidence-modal-title")).to_contain_text("Minh chứng cho tiêu chí 2")
    modal.locator("#panel-file").set_input_files(
        files=[{"name": "bao-cao-cchc-2025.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}]
    )
    modal.locator("#panel-upload-title").fill("Báo cáo cải cách hành chính năm 2025")
    modal.locator("#panel-upload-form button[type=submit]").click()
    expect(modal.locator(".attached-list")).to_contain_text("Báo cáo cải cách hành chính năm 2025")
    modal.locator(".modal-footer button[data-bs-dismiss=modal]").click()
    expect(modal).to_be_hidden()
    expect(page.locator(f"#entry-evidence-{e2.pk} .evidence-chip")).to_have_text(
        "Báo cáo cải cách hành chính năm 2025"
    )


def _submit_card(j: Journey, unit_name: str) -> None:
    page = j.page
    card_url = page.url
    page.click("#submit-link")
    expect(page.locator(".submit-totals")).to_be_visible()
    page.check("#id_confirm")
    page.click("#submit-button")
    page.wait_for_url(card_url)
    expect(page.locator(".alert-success")).to_contain_text(unit_name)
    expect(page.locator("#scorecard-summary .card-state")).to_have_text("Đã nộp")
    expect(page.locator(".entry-input")).to_have_count(0)  # read only now


def units_self_score(j: Journey) -> None:
    from scoring.models import Evidence, Scorecard

    for name in MEMBERS:
        page = j.as_user(OFFICERS[name])
        todo = page.locator("#todo .todo-item a", has_text="cần tự chấm và nộp")
        todo.click()
        page.wait_for_url(re.compile(r"/scoring/scorecards/\d+/$"))
        _fill_scorecard(j, name)
        if name == MEMBER:
            _upload_evidence(j, name)
            j.shot("06-self-scored-with-evidence")
        _submit_card(j, name)
    j.shot("06-submitted")
    for name in MEMBERS:
        card = card_of(name)
        assert card.state == Scorecard.State.SUBMITTED
        assert str(int(card.self_total)) == SELF_TOTALS[name]
    evidence = Evidence.objects.get(scorecard=card_of(MEMBER))
    assert evidence.original_name == "bao-cao-cchc-2025.pdf"


# 7. The head verifies: returns Từ Sơn's card with a question, the unit explains and
# submits again, the head decides and finalises; the deputy finalises the head's card.


def _finalise(j: Journey, unit_name: str, total: str) -> None:
    page = j.page
    card = card_of(unit_name)
    page.click("#finalise-link")
    page.wait_for_url(j.url(f"/scoring/scorecards/{card.pk}/finalise/"))
    expect(page.locator(".final-total")).to_have_text(total)
    expect(page.locator(".finalise-blockers")).to_have_count(0)
    page.check("#id_confirm")
    password = page.locator("#finalise-form #id_password")
    if password.count():  # asked unless typed in the last minutes (core/reauth.py)
        password.fill(PASSWORD)
    page.click("#finalise-form button[type=submit]")
    page.wait_for_url(j.url(f"/scoring/scorecards/{card.pk}/comparison/"))
    expect(page.locator(".alert-success").first).to_contain_text(
        f"Đã chốt điểm bảng điểm của {unit_name}: {total} điểm."
    )


def _open_verification(j: Journey, unit_name: str) -> None:
    page = j.page
    todo = page.locator("#todo .todo-item a", has_text="đang chờ anh/chị thẩm định")
    todo.click()
    page.wait_for_url(re.compile(r"/scoring/periods/\d+/verify/$"))
    page.locator("tr", has_text=unit_name).locator("a:text('Thẩm định')").click()
    page.wait_for_url(re.compile(r"/scoring/scorecards/\d+/verify/$"))
    expect(page.locator("h1")).to_contain_text(unit_name)


def head_returns_one_card(j: Journey) -> None:
    from django.utils import timezone

    from scoring.models import ExplanationRequest, Scorecard

    page = j.as_user("luongtai")
    card = card_of(MEMBER)
    e2 = entries_of(card)["2"]
    _open_verification(j, MEMBER)
    expect(page.locator("h1 .state-badge")).to_have_text("Đã nộp")
    row = page.locator(f"#entry-{e2.pk}")
    expect(row.locator(".self-points")).to_have_text("9")
    expect(row.locator(".evidence-chip")).to_have_text("Báo cáo cải cách hành chính năm 2025")
    row.locator("input.points-input").fill("8")
    row.locator("input.reason-input").fill("Chưa hoàn thành chỉ số chuyển đổi số cấp huyện.")
    row.locator(".save-button").click()
    expect(row.locator(".saved-notice")).to_contain_text("tiêu chí 2 được quyết định 8 điểm")
    expect(page.locator("#verify-totals .final-total")).to_have_text("28")

    page.click("#return-link")
    page.check(f"#return-form input[name=entries][value='{e2.pk}']")
    page.fill("#id_question", QUESTION)
    deadline = timezone.localtime() + timezone.timedelta(days=5)
    page.fill("#id_deadline", deadline.strftime("%Y-%m-%dT17:00"))
    j.shot("07-return")
    page.click("#return-form button[type=submit]")
    page.wait_for_url(j.url(f"/scoring/scorecards/{card.pk}/verify/"))
    expect(page.locator("h1 .state-badge")).to_have_text("Trả lại để giải trình")
    expect(page.locator(".pending-requests")).to_contain_text(QUESTION)
    card.refresh_from_db()
    assert card.state == Scorecard.State.RETURNED
    assert ExplanationRequest.objects.get(scorecard=card).state == ExplanationRequest.State.OPEN


def unit_explains(j: Journey) -> None:
    from scoring.models import ExplanationRequest

    page = j.as_user(OFFICERS[MEMBER])
    card = card_of(MEMBER)
    request = ExplanationRequest.objects.get(scorecard=card)
    j.goto(f"/scoring/scorecards/{card.pk}/")
    expect(page.locator("#scorecard-summary .card-state")).to_have_text("Trả lại để giải trình")
    explanation = page.locator(f"#explanation-{request.pk}")
    expect(explanation.locator(".question")).to_have_text(QUESTION)
    explanation.locator(".answer-link").click()
    page.fill("#id_answer", ANSWER)
    page.get_by_label("Báo cáo cải cách hành chính năm 2025").check()
    page.click("#answer-form button[type=submit]")
    page.wait_for_url(j.url(f"/scoring/scorecards/{card.pk}/explanations/"))
    expect(page.get_by_text(ANSWER)).to_be_visible()
    j.goto(f"/scoring/scorecards/{card.pk}/")
    _submit_card(j, MEMBER)
    request.refresh_from_db()
    assert request.state == ExplanationRequest.State.ANSWERED


def head_finalises(j: Journey) -> None:
    from scoring.models import ExplanationRequest, Scorecard

    page = j.as_user("luongtai")
    card = card_of(MEMBER)
    e2 = entries_of(card)["2"]
    _open_verification(j, MEMBER)
    row = page.locator(f"#entry-{e2.pk}")
    expect(row.locator(".explained-badge")).to_be_visible()
    expect(page.locator(".pending-requests .answer-text")).to_contain_text(ANSWER)
    form = row.locator("form.propose-form")
    expect(form.locator("input.points-input")).to_have_value("8")
    form.locator("input.reason-input").fill("Giữ 8 điểm: chỉ số chuyển đổi số chưa đạt.")
    form.locator(".save-button").click()
    expect(row.locator(".saved-notice")).to_contain_text("tiêu chí 2 được quyết định 8 điểm")
    assert ExplanationRequest.objects.get(scorecard=card).state == "decided"
    _finalise(j, MEMBER, "28")
    j.shot("07-finalised")

    # The deputy's card, as scored (the head decides nothing different).
    j.goto("/")
    _open_verification(j, DEPUTY)
    _finalise(j, DEPUTY, "29")

    # The head's own card is finalised by the deputy head's officer.
    page = j.as_user(OFFICERS[DEPUTY])
    _open_verification(j, HEAD)
    _finalise(j, HEAD, "27")

    finals = {name: card_of(name) for name in MEMBERS}
    assert {n: c.state for n, c in finals.items()} == dict.fromkeys(
        MEMBERS, Scorecard.State.FINALISED
    )
    assert {n: int(c.final_total) for n, c in finals.items()} == {
        MEMBER: 28,
        DEPUTY: 29,
        HEAD: 27,
    }


# 8. The head publishes the ranking. ---------------------------------------------------


def head_publishes_ranking(j: Journey) -> None:
    page = j.as_user("luongtai")
    todo = page.locator("#todo .todo-item a", has_text="có thể công bố kết quả xếp hạng")
    todo.click()
    page.wait_for_url(re.compile(r"/scoring/periods/\d+/ranking/$"))
    page.click("#publish-link")
    expect(page.locator("#publish-blockers")).to_have_count(0)
    expect(page.locator("#publish-preview li")).to_have_text(
        [f"{DEPUTY} — 29", f"{MEMBER} — 28", f"{HEAD} — 27"]
    )
    page.check("#publish-form input[type=checkbox]")
    page.click("#publish-form button[type=submit]")
    page.wait_for_url(re.compile(r"/scoring/periods/\d+/ranking/$"))
    expect(page.locator(".alert-success").first).to_be_visible()
    j.shot("08-ranking-published")
    assert year_end().published_at is not None


# 9. The secret ballot for the leading unit: every leader votes, the head closes. ----


def head_prepares_ballot(j: Journey) -> None:
    from django.utils import timezone

    from scoring.models import Ballot

    page = j.as_user("luongtai")
    year = cluster_year()
    j.goto(f"/scoring/periods/{year_end().pk}/")
    page.click("#ballots-link")
    page.click(f"a[href='/years/{year.pk}/ballots/new/']")
    page.select_option("select[name=purpose]", Ballot.Purpose.LEADING_UNIT)
    for box in page.locator("input[name=candidates]").all():
        box.set_checked(True)
    page.fill("input[name=choose_at_most]", "1")
    now = timezone.localtime()
    opens, closes = now - timezone.timedelta(minutes=1), now + timezone.timedelta(hours=2)
    page.fill("input[name=opens_at_0]", opens.strftime("%d/%m/%Y"))
    page.fill("input[name=opens_at_1]", opens.strftime("%H:%M"))
    page.fill("input[name=closes_at_0]", closes.strftime("%d/%m/%Y"))
    page.fill("input[name=closes_at_1]", closes.strftime("%H:%M"))
    page.click("#ballot-form button[type=submit]")
    expect(page.locator("#ballot-state")).to_have_text("Đang soạn")
    page.click(f'a[href="/scoring/ballots/{ballot().pk}/open/"]')
    expect(page.locator("h1")).to_have_text("Mở bỏ phiếu")
    page.click("#confirm-form button[type=submit]")
    expect(page.locator("#ballot-state")).to_have_text("Đang bỏ phiếu")
    expect(page.locator("#ballot-progress")).to_have_text("0/3 đơn vị đã bỏ phiếu.")


def vote(j: Journey, leader: str, choice_unit: str) -> str:
    """A leader votes from the dashboard's to-do list; returns the receipt code."""
    page = j.as_user(leader)
    todo = page.locator("#todo .todo-item[data-step=leader_vote] a")
    expect(todo).to_have_text("1 cuộc bỏ phiếu đang mở, chờ đơn vị anh/chị bỏ phiếu.")
    todo.click()  # straight to the ballot paper
    page.wait_for_url(re.compile(r"/scoring/ballots/\d+/vote/$"))
    choice = units()[choice_unit]
    page.check(f"#choice-{choice.pk}")
    page.click("#vote-form button[type=submit]")
    expect(page.locator("#vote-review")).to_contain_text("Kiểm tra lại phiếu bầu")
    expect(page.locator("#vote-review")).to_contain_text(choice_unit)
    password = page.locator("#cast-form #id_password")
    if password.count():  # casting the unit's vote asks the leader to confirm it is them
        password.fill(PASSWORD)
    page.click("#cast-form button[type=submit]")
    expect(page.locator("#vote-receipt")).to_contain_text("Đơn vị đã bỏ phiếu")
    code = page.locator("#receipt-code").inner_text().strip()
    assert code
    return code


def leaders_vote_and_head_closes(j: Journey) -> None:
    from scoring.models import Ballot, CastBallot

    ballot_pk = ballot().pk
    codes = [vote(j, LEADERS[name], DEPUTY) for name in MEMBERS]
    j.shot("09-vote-receipt")
    assert len(set(codes)) == 3
    assert CastBallot.objects.filter(ballot_id=ballot_pk).count() == 3

    # Everyone has voted: the head may close before the closing time.
    page = j.as_user("luongtai")
    j.goto(f"/scoring/ballots/{ballot_pk}/")
    expect(page.locator("#ballot-progress")).to_have_text("3/3 đơn vị đã bỏ phiếu.")
    page.click(f'a[href="/scoring/ballots/{ballot_pk}/close/"]')
    page.click("#confirm-form button[type=submit]")
    expect(page.locator("#ballot-state")).to_have_text("Đã kết thúc")
    page.goto(j.url(f"/scoring/ballots/{ballot_pk}/result/"))
    result = page.locator("#ballot-result")
    expect(result.locator("dd.issued")).to_have_text("3")
    expect(result.locator("dd.returned")).to_have_text("3")
    expect(result.locator("dd.invalid")).to_have_text("0")
    deputy = units()[DEPUTY]
    expect(result.locator(f'tr.candidate[data-unit="{deputy.pk}"] .votes')).to_have_text("3")
    expect(result.locator(f'tr.candidate[data-unit="{deputy.pk}"] .percent')).to_have_text(
        "100,00 %"
    )
    j.shot("09-ballot-result")
    assert ballot().state == Ballot.State.CLOSED


# 10. The nomination: the page lists what the dossier lacks; each piece is made where
# the page says, the nominated units upload their achievement reports, the head sends.


def _missing(page: Page) -> list[str]:
    return [
        text.removeprefix("✗ ").strip()
        for text in page.locator("#dossier-status .requirement[data-ok='0']").all_inner_texts()
    ]


def _render_job(page: Page) -> None:
    """After a "make the PDF" button: the job page, rendered (inline in the tests)."""
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-status[data-state='done']")).to_be_visible()


def _report_upload(j: Journey, officer: str, unit_name: str) -> None:
    from scoring.demo_year_end import TINY_PDF

    page = j.as_user(officer)
    # The published results (bell) → the ranking → the nomination the unit is named in.
    j.goto(f"/scoring/periods/{year_end().pk}/ranking/")
    page.click("#nomination-link")
    form = page.locator("#upload-form")
    if form.locator("select[name=kind]").count():  # the head's form has every kind
        form.locator("select[name=kind]").select_option("achievement_report")
        form.locator("select[name=unit]").select_option(label=unit_name)
    form.locator("input[name=title]").fill(f"Báo cáo thành tích năm 2025 của {unit_name}")
    form.locator("input[name=file]").set_input_files(
        files=[
            {"name": "bao-cao-thanh-tich.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}
        ]
    )
    form.locator("button[type=submit]").click()
    expect(page.locator("#document-list")).to_contain_text(
        f"Báo cáo thành tích năm 2025 của {unit_name}"
    )


def head_sends_nomination(j: Journey) -> None:
    from django.utils import timezone

    from scoring.models import Nomination

    period = year_end()
    nomination_url = j.url(f"/scoring/periods/{period.pk}/nomination/")
    page = j.as_user("luongtai")
    todo = page.locator("#todo .todo-item[data-step=head_nomination] a")
    expect(todo).to_contain_text("Cần lập và gửi hồ sơ đề nghị khen thưởng")
    todo.click()
    page.wait_for_url(nomination_url)
    expect(page.locator("#not-prepared")).to_be_visible()
    page.click("#prepare-form button[type=submit]")
    flag = page.locator("tr.nominee-row[data-award=flag]")
    expect(flag).to_have_count(1)
    expect(flag).to_have_attribute("data-unit", DEPUTY)
    nominees = page.locator("tr.nominee-row").evaluate_all("rows => rows.map(r => r.dataset.unit)")
    missing = _missing(page)
    assert "Tờ trình chưa có số." in missing
    assert "Chưa ghi nhận cuộc họp bình xét nên chưa lập được biên bản họp." in missing
    assert "Chưa lập bảng tổng hợp kết quả chấm điểm (PDF) của kỳ." in missing
    for name in nominees:
        assert f"Còn thiếu báo cáo thành tích của {name}." in missing
    j.shot("10-nomination-missing")

    # The deliberation meeting, recorded from the ranking page.
    page.click("a:text('Xếp hạng')")
    page.click("#deliberation-link")
    page.click(f"a[href='/scoring/periods/{period.pk}/deliberation/edit/']")
    now = timezone.localtime()
    page.fill("#id_held_at_0", now.strftime("%d/%m/%Y"))
    page.fill("#id_held_at_1", (now - timezone.timedelta(hours=2)).strftime("%H:%M"))
    page.fill("#id_place", "Hội trường UBND huyện Lương Tài")
    page.fill("#id_chaired_by", "Phạm Thanh Hải, Chủ tịch UBND huyện Lương Tài")
    page.fill("#id_secretary", "Nguyễn Văn A, Chuyên viên Phòng Nội vụ")
    for box in page.locator("input[name=attendees]").all():
        box.check()
    page.fill("#id_conclusions", f"Thống nhất đề nghị tặng Cờ thi đua cho {DEPUTY}.")
    page.click("#deliberation-form button[type=submit]")
    page.wait_for_url(re.compile(r"/deliberation/$"))

    # The ballot-count minutes, from the closed ballot's result page.
    j.goto(f"/scoring/ballots/{ballot().pk}/result/")
    page.click("#ballot-minutes-pdf button")
    _render_job(page)
    # The score summary, from the ranking page.
    j.goto(f"/scoring/periods/{period.pk}/ranking/")
    page.click("#summary-pdf-form button")
    _render_job(page)
    # The meeting's minutes, from its page.
    j.goto(f"/scoring/periods/{period.pk}/deliberation/")
    page.click("#deliberation-minutes-pdf button")
    _render_job(page)

    # The submission's number and date.
    page.goto(nomination_url)
    page.click("#edit-details")
    page.fill("#id_number", "15/TTr-CTĐ")
    page.fill("#id_date", timezone.localdate().strftime("%d/%m/%Y"))
    page.click("main form button[type=submit]")
    page.wait_for_url(nomination_url)
    assert _missing(page) == [f"Còn thiếu báo cáo thành tích của {name}." for name in nominees]

    # Each nominated unit uploads its achievement report.
    for name in nominees:
        _report_upload(j, OFFICERS[name], name)

    page = j.as_user("luongtai")
    page.goto(nomination_url)
    assert _missing(page) == []
    page.click("#submit-link")
    expect(page.locator("#missing")).to_have_count(0)
    expect(page.locator("#to-send")).to_contain_text("15/TTr-CTĐ")
    page.check("#confirm-form input[name=confirm]")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url(nomination_url)
    expect(page.locator("#nomination-state")).to_have_text("Đã gửi Ban Thi đua - Khen thưởng")
    j.shot("10-nomination-sent")
    assert Nomination.objects.get(period=period).state == Nomination.State.SUBMITTED


# 11. The board accepts the nomination. -------------------------------------------------


def board_accepts(j: Journey) -> None:
    from scoring.models import Nomination

    page = j.as_user("bacninh")
    todo = page.locator("#todo .todo-item[data-step=board_nominations] a")
    todo.click()
    page.wait_for_url(re.compile(r"/scoring/board/nominations/"))
    nomination = Nomination.objects.get(period=year_end())
    page.click(f"a[href='/scoring/board/nominations/{nomination.pk}/accept/']")
    expect(page.locator("h1")).to_contain_text(CLUSTER)
    page.check("#accept-form input[type=checkbox]")
    page.click("#accept-form button[type=submit]")
    expect(page.locator(".alert-success").first).to_have_text(
        f"Đã tiếp nhận hồ sơ đề nghị khen thưởng của {CLUSTER}."
    )
    expect(page.locator("main")).to_contain_text("Tờ trình: Số 15/TTr-CTĐ")
    j.shot("11-board-accepted")
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.ACCEPTED


# The phone (375 × 812): what must hold on every page of the journey's key steps. -----

PHONE_WIDTH = 375


def assert_fits_phone(page: Page, *selectors: str) -> None:
    """No sideways scroll of the whole page; each of ``selectors`` visible, inside the
    screen's width and large enough to tap."""
    page.wait_for_load_state()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH + 1, f"{page.url}: the page is {width} px wide"
    for selector in selectors:
        element = page.locator(selector).first
        expect(element).to_be_visible()
        element.scroll_into_view_if_needed()
        box = element.bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH + 1, (selector, box)
        tag = element.evaluate("e => e.tagName")
        if tag in {"A", "BUTTON", "INPUT", "SELECT", "TEXTAREA", "LABEL"}:
            assert box["height"] >= 24, (selector, box)  # a finger can hit it


def assert_phone_menu(j: Journey) -> None:
    """The top bar folds into the hamburger; it opens the menu with the user's links."""
    page = j.page
    toggler = page.locator("button.navbar-toggler")
    expect(toggler).to_be_visible()
    menu = page.locator("#main-nav")
    expect(menu).to_be_hidden()
    toggler.tap()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))  # opened, the animation over
    expect(toggler).to_have_attribute("aria-expanded", "true")
    links = menu.locator("a.nav-link")
    expect(links.first).to_be_visible()
    assert links.count() >= 2
    assert_fits_phone(page, "#main-nav a.nav-link")
    j.shot("phone-menu")
    toggler.tap()
    expect(menu).to_be_hidden()


def phone_leaders_sign(j: Journey) -> None:
    """Every leader signs on the phone: dashboard, covenant, signing page."""
    from covenants.models import Covenant, CovenantState

    for done, name in enumerate(MEMBERS, start=1):
        page = j.as_user(LEADERS[name])
        if done == 1:
            assert_phone_menu(j)
        todo = page.locator("#todo .todo-item a", has_text="đang chờ anh/chị ký")
        assert_fits_phone(page, "#todo .todo-item a")
        todo.tap()
        page.wait_for_url(re.compile(r"/covenants/\d+/$"))
        covenant_url = page.url
        # The signing table scrolls inside its own box, not the page.
        assert_fits_phone(
            page, "a.sign-link", ".signing-summary", "#workflow-panel .table-responsive"
        )
        if done == 1:
            j.shot("phone-covenant")
        page.locator("a.sign-link").tap()
        page.wait_for_url(re.compile(r"/sign/$"))
        assert_fits_phone(
            page, "#id_password", "label[for=id_confirm]", "button[type=submit][data-busy]"
        )
        page.fill("#id_password", PASSWORD)
        page.locator("label[for=id_confirm]").tap()
        if done == 1:
            j.shot("phone-sign")
        page.locator("button[type=submit][data-busy]").tap()
        page.wait_for_url(covenant_url)
        expect(page.locator(".signing-summary")).to_contain_text(f"Đã ký {done}/3")
        assert_fits_phone(page, ".signing-summary")
    covenant = Covenant.objects.get(cluster_year=cluster_year(), title=COVENANT_TITLE)
    assert covenant.state == CovenantState.SIGNED


def phone_officer_scores(j: Journey) -> None:
    """Từ Sơn's officer scores the three criteria and submits on the phone."""
    from scoring.models import Scorecard

    page = j.as_user(OFFICERS[MEMBER])
    todo = page.locator("#todo .todo-item a", has_text="cần tự chấm và nộp")
    assert_fits_phone(page, "#todo .todo-item a")
    todo.tap()
    page.wait_for_url(re.compile(r"/scoring/scorecards/\d+/$"))
    e = entries_of(card_of(MEMBER))
    inputs = [f"#entry-input-{e[code].pk}" for code in ("1", "2", "3")]
    assert_fits_phone(page, "#scorecard-summary", *inputs)
    _fill_scorecard(j, MEMBER)
    assert_fits_phone(page, "#grand-total", "#submit-link", *inputs)
    j.shot("phone-scorecard")
    card_url = page.url
    page.locator("#submit-link").tap()
    page.wait_for_url(re.compile(r"/submit/$"))
    assert_fits_phone(page, ".submit-totals", "label[for=id_confirm]", "#submit-button")
    page.locator("label[for=id_confirm]").tap()
    page.locator("#submit-button").tap()
    page.wait_for_url(card_url)
    expect(page.locator("#scorecard-summary .card-state")).to_have_text("Đã nộp")
    assert_fits_phone(page, "#scorecard-summary")
    assert card_of(MEMBER).state == Scorecard.State.SUBMITTED


def phone_leader_votes(j: Journey) -> None:
    """Từ Sơn's leader votes on the phone: ballot paper, review, password, receipt."""
    from scoring.models import CastBallot

    page = j.as_user(LEADERS[MEMBER])
    todo = page.locator("#todo .todo-item[data-step=leader_vote] a")
    assert_fits_phone(page, "#todo .todo-item[data-step=leader_vote] a")
    todo.tap()
    page.wait_for_url(re.compile(r"/scoring/ballots/\d+/vote/$"))
    choice = f"label[for=choice-{units()[DEPUTY].pk}]"  # the radio's label is the target
    assert_fits_phone(page, choice, "#vote-form button[type=submit]")
    page.locator(choice).tap()
    expect(page.locator(f"#choice-{units()[DEPUTY].pk}")).to_be_checked()
    page.locator("#vote-form button[type=submit]").tap()
    expect(page.locator("#vote-review")).to_contain_text(DEPUTY)
    assert_fits_phone(page, "#vote-review", "#cast-form button[type=submit]")
    password = page.locator("#cast-form #id_password")
    if password.count():
        password.fill(PASSWORD)
    page.locator("#cast-form button[type=submit]").tap()
    expect(page.locator("#vote-receipt")).to_contain_text("Đơn vị đã bỏ phiếu")
    assert_fits_phone(page, "#receipt-code")
    j.shot("phone-vote-receipt")
    assert CastBallot.objects.filter(ballot=ballot()).count() == 1
