"""The provincial board (bacninh) builds a small scoring table for Bắc Ninh 2024 in the
editor: a section with two criteria and a bonus item. The running total of the section
follows each change, and a problem appears (the parts do not add up yet) then
disappears. (2024 has no table in the demo; 2023's is frozen: its scoring is open.)"""

from __future__ import annotations

from clusters.models import ClusterYear
from scoring.models import Rubric
from tests.browser.conftest import screenshot

CLUSTER = "Cụm thi đua các huyện, thành phố"


def _bac_ninh_2024() -> ClusterYear:
    """The demo year after the seed year: no scoring table yet."""
    year = ClusterYear.objects.get(cluster__name=CLUSTER, year=2024)
    assert not Rubric.objects.filter(cluster_year=year).exists()
    return year


def _fill_form(page, *, code: str | None = None, title: str, kind: str | None = None, **fields):  # type: ignore[no-untyped-def]
    form = page.locator("tr.criterion-form-row form.criterion-form")
    form.wait_for()
    if code is not None:
        form.locator("input[name=code]").fill(code)
    form.locator("textarea[name=title]").fill(title)
    if kind is not None:
        form.locator("select[name=kind]").select_option(kind)
    for name, value in fields.items():
        form.locator(f"input[name={name}]").fill(value)
    return form


def _save(page, form, code: str) -> None:  # type: ignore[no-untyped-def]
    form.locator(".save-button").click()
    page.locator(f"tr.criterion-row[data-code='{code}']").wait_for()
    page.locator("tr.criterion-form-row").wait_for(state="detached")


def test_the_board_builds_a_small_table(login, demo_server):  # type: ignore[no-untyped-def]
    year = _bac_ninh_2024()
    base = demo_server.url
    page = login("bacninh")

    # From the year's page to the create form.
    page.goto(f"{base}/years/{year.pk}/")
    page.click("a.rubric-link")
    page.check("#rubric-create-form input[name=start][value=scratch]")
    page.fill("#id_scale_total", "100")
    page.fill("#id_bonus_cap", "10")
    page.fill("#id_deduction_cap", "0")
    page.click("#create-rubric")
    page.wait_for_selector("#rubric-editor")
    rubric = Rubric.objects.get(cluster_year=year)
    assert page.url == f"{base}/rubrics/{rubric.pk}/"

    # A section of 100 points: the whole table adds up, but the section has no parts.
    page.click("#add-section")
    form = _fill_form(page, title="Về phát triển kinh tế", max_points="100")
    assert form.locator("input[name=code]").input_value() == "I"  # suggested
    _save(page, form, "I")
    assert page.locator(".sections-sum").inner_text() == "100"
    assert page.locator("li.problem[data-code='I']").count() == 1

    # Its first criterion (60 of 100): the running total shows 60; a problem says so.
    page.locator("tr.criterion-row[data-code='I'] .more-button").click()
    page.locator("tr.criterion-row[data-code='I'] .add-inside").click()
    form = _fill_form(page, title="Thu ngân sách nhà nước", kind="manual", max_points="60")
    assert form.locator("input[name=code]").input_value() == "1"
    # The live check warns before saving.
    page.locator(".criterion-preview .preview-new-problems").wait_for()
    _save(page, form, "1")
    assert "60" in page.locator("tr.criterion-row[data-code='I'] .parts-total").inner_text()
    problem = page.locator("li.problem[data-code='I']")
    assert problem.count() == 1
    assert "60" in problem.inner_text()
    screenshot(page, "rubric-editor-problem")

    # The second criterion (40, pass or fail), added below the first: the problem goes.
    page.locator("tr.criterion-row[data-code='1'] .more-button").click()
    page.locator("tr.criterion-row[data-code='1'] .add-below").click()
    form = _fill_form(page, title="Hoàn thành chỉ tiêu tuyển quân", kind="pass_fail")
    form.locator("input[name=max_points]").fill("40")
    _save(page, form, "2")
    assert "100" in page.locator("tr.criterion-row[data-code='I'] .parts-total").inner_text()
    assert page.locator("li.problem").count() == 0
    assert page.locator(".no-problems").is_visible()

    # A bonus item: 5 points each time, at most 10.
    page.click("#add-bonus")
    form = _fill_form(page, code="T1", title="Được Chính phủ tặng Cờ thi đua")
    assert form.locator("select[name=kind]").input_value() == "bonus"
    assert form.locator("[data-field=max_points]").is_hidden()
    form.locator("input[name=points_each]").fill("5")
    form.locator("input[name=cap]").fill("10")
    _save(page, form, "T1")
    assert page.locator(".bonus-sum").inner_text() == "10"
    assert page.locator("li.problem").count() == 0
    screenshot(page, "rubric-editor-built")

    rows = list(
        rubric.criteria.order_by("parent_id", "order").values_list(
            "code", "parent__code", "kind", "max_points"
        )
    )
    assert sorted(rows) == sorted(
        [
            ("I", None, "group", 100),
            ("1", "I", "manual", 60),
            ("2", "I", "pass_fail", 40),
            ("T1", None, "bonus", 10),
        ]
    )
