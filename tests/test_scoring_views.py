"""Scoring-table pages: who may see and change what (every URL × every persona), the
year's page and its create form, settings, freezing, new versions, the board's
library, and the Excel download and import.

The helpers at the top (a small rubric for a year, a template) are shared by the
other scoring view tests.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from covenants.models import Covenant, Target
from scoring import excel
from scoring.models import Criterion, Rubric
from scoring.services.criteria import criterion_add
from scoring.services.rubrics import rubric_create, rubric_freeze

D = Decimal


# Shared helpers (imported by the other scoring view tests) ------------------------------


def make_rubric(world, cluster_year=None, *, name="Bảng chấm điểm năm 2024"):  # type: ignore[no-untyped-def]
    """A consistent 100-point table through the services:
    I (60) = 1 manual 40 + 2 pass/fail 20; II (40) = 3 manual 40; T1 bonus; TR1 deduction."""
    rubric = rubric_create(
        actor=world.board,
        cluster_year=cluster_year or world.this_year,
        name=name,
        scale_total=D(100),
        bonus_cap=D(5),
        deduction_cap=D(10),
    )
    add_tree(rubric, world.board)
    return rubric


def add_tree(rubric, actor):  # type: ignore[no-untyped-def]
    made: dict[str, Criterion] = {}

    def add(code, kind, points, parent=None, params=None):  # type: ignore[no-untyped-def]
        made[code] = criterion_add(
            actor=actor,
            rubric=rubric,
            parent=made.get(parent) if parent else None,
            code=code,
            title=f"Tiêu chí {code} về kinh tế",
            kind=kind,
            max_points=D(points),
            params=params or {},
        )

    add("I", "group", 60)
    add("1", "manual", 40, parent="I")
    add("2", "pass_fail", 20, parent="I")
    add("II", "group", 40)
    add("3", "manual", 40, parent="II")
    add("T1", "bonus", 5, params={"points_each": "1"})
    add("TR1", "deduction", 8, params={"points_each": "8"})
    return made


def closed_year_rubric(world) -> Rubric:  # type: ignore[no-untyped-def]
    """Last year's table (the year is closed), written directly."""
    rubric = Rubric.objects.create(
        organizer=world.org, cluster_year=world.last_year, name="Bảng chấm điểm năm 2023"
    )
    Criterion.objects.create(
        rubric=rubric, order=1, code="I", title="Về kinh tế", kind="group", max_points=D(100)
    )
    return rubric


def make_template(world, name="Mẫu bảng chấm điểm cấp huyện") -> Rubric:  # type: ignore[no-untyped-def]
    template = Rubric.objects.create(
        organizer=world.org, cluster_year=None, name=name, scale_total=D(100)
    )
    Criterion.objects.create(
        rubric=template,
        order=1,
        code="I",
        title="Phát triển kinh tế mẫu",
        kind="group",
        max_points=D(100),
    )
    return template


def code_of(rubric: Rubric, code: str) -> Criterion:
    return rubric.criteria.get(code=code)


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.fixture
def setup(world):  # type: ignore[no-untyped-def]
    this = make_rubric(world)
    last = closed_year_rubric(world)
    template = make_template(world)
    return {"this": this, "last": last, "template": template}


# Every URL × every persona ---------------------------------------------------------------------

READERS = {"board", "head_officer", "last_head_officer", "member_officer", "member_leader"}
EDITORS = {"board", "head_officer"}


def _request(client, name, method, setup, world, data=None):  # type: ignore[no-untyped-def]
    rubric = setup["this"]
    one = code_of(rubric, "1")
    args = {
        "rubric_for_year": [world.this_year.pk],
        "rubric_detail": [rubric.pk],
        "rubric_export": [rubric.pk],
        "rubric_settings": [rubric.pk],
        "criterion_add": [rubric.pk],
        "criterion_check": [rubric.pk],
        "criterion_edit": [rubric.pk, one.pk],
        "criterion_delete": [rubric.pk, one.pk],
        "criterion_move": [rubric.pk, one.pk],
        "criterion_indent": [rubric.pk, code_of(rubric, "II").pk],
        "criterion_outdent": [rubric.pk, one.pk],
        "rubric_import": [rubric.pk],
        "rubric_freeze": [rubric.pk],
        "rubric_new_version": [rubric.pk],
        "rubric_pdf": [rubric.pk],
    }[name]
    url = reverse(name, args=args)
    if method == "post":
        return client.post(url, data or {})
    return client.get(url)


READ_VIEWS = [("rubric_for_year", "get"), ("rubric_detail", "get"), ("rubric_export", "get")]
EDIT_VIEWS = [
    ("rubric_settings", "get", None),
    ("criterion_add", "get", None),
    ("criterion_check", "post", {"code": "9", "title": "Mới", "kind": "manual", "max_points": "5"}),
    ("criterion_edit", "get", None),
    ("criterion_delete", "post", None),
    ("criterion_move", "post", {"direction": "down"}),
    ("criterion_indent", "post", None),
    ("criterion_outdent", "post", None),
    ("rubric_import", "get", None),
    ("rubric_freeze", "post", None),
    ("rubric_new_version", "get", None),
    ("rubric_pdf", "post", None),
]
PERSONAS = [
    "board",
    "other_board",
    "head_officer",
    "last_head_officer",
    "member_officer",
    "member_leader",
    "outsider_officer",
]


@pytest.mark.parametrize(("name", "method"), READ_VIEWS)
def test_read_views_require_login(world, setup, client, name, method):
    response = _request(client, name, method, setup, world)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "method", "data"), EDIT_VIEWS)
def test_edit_views_require_login(world, setup, client, name, method, data):
    response = _request(client, name, method, setup, world, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "method"), READ_VIEWS)
def test_read_views_by_persona(world, setup, client_for, persona, name, method):
    response = _request(client_for(world.personas()[persona]), name, method, setup, world)
    if persona in READERS:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "method", "data"), EDIT_VIEWS)
def test_edit_views_by_persona(world, setup, client_for, persona, name, method, data):
    response = _request(client_for(world.personas()[persona]), name, method, setup, world, data)
    if persona in EDITORS:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("login"))
    elif persona in READERS:
        assert response.status_code == 403
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("rubric_detail", "get", None),
        ("rubric_export", "get", None),
        ("rubric_settings", "get", None),
        ("criterion_add", "get", None),
        ("criterion_edit", "get", None),
        ("criterion_delete", "post", None),
        ("criterion_move", "post", {"direction": "up"}),
        ("rubric_import", "get", None),
        ("rubric_pdf", "post", None),
    ],
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_last_years_table(world, setup, client_for, persona, name, method, data):
    """Last year (closed): members read it; its head no longer changes it; the board does."""
    rubric = setup["last"]
    args = [rubric.pk] if name in {"rubric_detail", "rubric_export", "rubric_settings"} else None
    if name in {"criterion_edit", "criterion_delete", "criterion_move"}:
        args = [rubric.pk, code_of(rubric, "I").pk]
    url = reverse(name, args=args or [rubric.pk])
    client = client_for(world.personas()[persona])
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    readers = {"board", "head_officer", "last_head_officer", "member_officer", "member_leader"}
    if persona == "board":
        assert response.status_code in (200, 302)
    elif persona in readers and name in {"rubric_detail", "rubric_export"}:
        assert response.status_code == 200
    elif persona in readers:
        assert response.status_code == 403
    else:
        assert response.status_code == 404


def test_the_head_of_last_year_gets_403_on_last_years_table(world, setup, client_for):
    rubric = setup["last"]
    client = client_for(world.last_head_officer)
    assert client.get(reverse("rubric_settings", args=[rubric.pk])).status_code == 403
    response = client.post(reverse("criterion_delete", args=[rubric.pk, code_of(rubric, "I").pk]))
    assert response.status_code == 403
    assert rubric.criteria.filter(code="I").exists()


TEMPLATE_VIEWS = [("template_list", "get"), ("template_create", "get"), ("detail", "get")]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "method"), TEMPLATE_VIEWS)
def test_the_library_is_for_the_board_only(world, setup, client_for, persona, name, method):
    url = (
        reverse("rubric_detail", args=[setup["template"].pk]) if name == "detail" else reverse(name)
    )
    response = client_for(world.personas()[persona]).get(url)
    if persona == "board":
        assert response.status_code == 200
        assert "Mẫu bảng chấm điểm cấp huyện" in page(response) or name == "template_create"
    elif persona == "other_board" and name != "detail":
        # Its own (empty) library: never this organizer's templates.
        assert response.status_code == 200
        assert "Mẫu bảng chấm điểm cấp huyện" not in page(response)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(("name", "method"), TEMPLATE_VIEWS)
def test_the_library_requires_login(world, setup, client, name, method):
    url = (
        reverse("rubric_detail", args=[setup["template"].pk]) if name == "detail" else reverse(name)
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# The year's page -------------------------------------------------------------------------------


def test_the_year_page_links_to_the_scoring_table(world, client_for):
    response = client_for(world.member_officer).get(
        reverse("cluster_year_detail", args=[world.this_year.pk])
    )
    assert reverse("rubric_for_year", args=[world.this_year.pk]) in page(response)


def test_members_see_the_versions_of_the_year(world, setup, client_for):
    response = client_for(world.member_officer).get(
        reverse("rubric_for_year", args=[world.this_year.pk])
    )
    text = page(response)
    assert "Bảng chấm điểm năm 2024" in text
    assert reverse("rubric_detail", args=[setup["this"].pk]) in text
    assert 'id="rubric-create-form"' not in text


def test_a_member_sees_no_create_form_when_there_is_no_table(world, client_for):
    response = client_for(world.member_officer).get(
        reverse("rubric_for_year", args=[world.this_year.pk])
    )
    assert response.status_code == 200
    assert 'id="rubric-create-form"' not in page(response)
    assert 'id="no-rubric"' in page(response)


def test_the_head_creates_an_empty_table(world, client_for):
    client = client_for(world.head_officer)
    form = client.get(reverse("rubric_for_year", args=[world.this_year.pk]))
    assert 'value="Bảng chấm điểm thi đua năm 2024"' in page(form)
    response = client.post(
        reverse("rubric_for_year", args=[world.this_year.pk]),
        {
            "start": "scratch",
            "name": "Bảng chấm điểm thi đua năm 2024",
            "scale_total": "1.000",
            "bonus_cap": "50",
            "deduction_cap": "30",
        },
    )
    rubric = Rubric.objects.get(cluster_year=world.this_year)
    assert response.status_code == 302
    assert response["Location"] == reverse("rubric_detail", args=[rubric.pk])
    assert (rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (D(1000), D(50), D(30))
    assert rubric.criteria.count() == 0


def test_the_head_starts_from_a_template(world, client_for):
    template = make_template(world)
    response = client_for(world.head_officer).post(
        reverse("rubric_for_year", args=[world.this_year.pk]),
        {
            "start": "template",
            "template": template.pk,
            "name": "Bảng năm 2024",
            "scale_total": "100",
            "bonus_cap": "0",
            "deduction_cap": "0",
        },
    )
    assert response.status_code == 302
    rubric = Rubric.objects.get(cluster_year=world.this_year)
    assert list(rubric.criteria.values_list("title", flat=True)) == ["Phát triển kinh tế mẫu"]


def test_the_head_starts_from_last_years_table(world, client_for):
    closed_year_rubric(world)
    client = client_for(world.head_officer)
    form = page(client.get(reverse("rubric_for_year", args=[world.this_year.pk])))
    assert 'value="previous"' in form
    response = client.post(
        reverse("rubric_for_year", args=[world.this_year.pk]),
        {
            "start": "previous",
            "name": "Bảng năm 2024",
            "scale_total": "100",
            "bonus_cap": "0",
            "deduction_cap": "0",
        },
    )
    assert response.status_code == 302
    rubric = Rubric.objects.get(cluster_year=world.this_year)
    assert list(rubric.criteria.values_list("code", "title")) == [("I", "Về kinh tế")]


def test_starting_from_excel_leads_to_the_import(world, client_for):
    response = client_for(world.head_officer).post(
        reverse("rubric_for_year", args=[world.this_year.pk]),
        {"start": "excel", "name": "Bảng năm 2024", "scale_total": "100"},
    )
    rubric = Rubric.objects.get(cluster_year=world.this_year)
    assert response["Location"] == reverse("rubric_import", args=[rubric.pk])


def test_a_refused_create_keeps_what_was_typed(world, client_for):
    response = client_for(world.head_officer).post(
        reverse("rubric_for_year", args=[world.this_year.pk]),
        {"start": "scratch", "name": "Bảng của tôi", "scale_total": "mười", "bonus_cap": "-5"},
    )
    text = page(response)
    assert response.status_code == 200
    assert 'value="Bảng của tôi"' in text
    assert 'value="mười"' in text
    assert "is-invalid" in text
    assert not Rubric.objects.filter(cluster_year=world.this_year).exists()


def test_a_second_table_for_the_year_is_refused(world, setup, client_for):
    response = client_for(world.board).post(
        reverse("rubric_for_year", args=[world.this_year.pk]),
        {"start": "scratch", "name": "Bảng thứ hai", "scale_total": "100"},
        follow=True,
    )
    assert "alert-danger" in page(response)
    assert "Bảng chấm điểm năm 2024" in page(response)
    assert Rubric.objects.filter(cluster_year=world.this_year).count() == 1


# Settings, freezing, versions ---------------------------------------------------------------------


def test_the_head_changes_the_settings(world, setup, client_for):
    rubric = setup["this"]
    response = client_for(world.head_officer).post(
        reverse("rubric_settings", args=[rubric.pk]),
        {"name": "Bảng mới", "description": "", "scale_total": "1.000", "bonus_cap": "2,5"},
    )
    assert response.status_code == 302
    rubric.refresh_from_db()
    assert (rubric.name, rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (
        "Bảng mới",
        D(1000),
        D("2.5"),
        D(0),
    )


def test_a_bad_total_is_shown_next_to_the_field(world, setup, client_for):
    rubric = setup["this"]
    response = client_for(world.head_officer).post(
        reverse("rubric_settings", args=[rubric.pk]),
        {"name": "Bảng mới", "scale_total": "0", "bonus_cap": "abc"},
    )
    text = page(response)
    assert 'value="abc"' in text
    assert text.count("is-invalid") >= 2
    rubric.refresh_from_db()
    assert rubric.name == "Bảng chấm điểm năm 2024"


def test_freezing_a_consistent_table(world, setup, client_for):
    rubric = setup["this"]
    client = client_for(world.head_officer)
    response = client.post(reverse("rubric_freeze", args=[rubric.pk]))
    assert response.status_code == 302
    rubric.refresh_from_db()
    assert rubric.is_frozen
    text = page(client.get(reverse("rubric_detail", args=[rubric.pk])))
    assert 'id="frozen-banner"' in text
    assert 'id="new-version-link"' in text


def test_freezing_is_refused_while_there_are_problems(world, setup, client_for):
    rubric = setup["this"]
    code_of(rubric, "3").delete()
    client = client_for(world.head_officer)
    response = client.post(reverse("rubric_freeze", args=[rubric.pk]), follow=True)
    rubric.refresh_from_db()
    assert not rubric.is_frozen
    assert "“II”" in page(response)


def test_a_new_version_of_a_frozen_table(world, setup, client_for, mailoutbox):
    rubric = setup["this"]
    rubric_freeze(actor=world.board, rubric=rubric)
    client = client_for(world.head_officer)
    form = client.get(reverse("rubric_new_version", args=[rubric.pk]))
    assert "data-confirm" in page(form)
    response = client.post(
        reverse("rubric_new_version", args=[rubric.pk]),
        {"change_note": "Tăng điểm tiêu chí 1 theo chỉ đạo của tỉnh"},
    )
    new = Rubric.objects.get(cluster_year=world.this_year, version=2)
    assert response["Location"] == reverse("rubric_detail", args=[new.pk])
    assert new.previous_id == rubric.pk
    assert new.criteria.count() == rubric.criteria.count()
    old_page = page(client.get(reverse("rubric_detail", args=[rubric.pk])))
    assert 'id="newer-version"' in old_page


def test_a_new_version_needs_a_note(world, setup, client_for):
    rubric = setup["this"]
    rubric_freeze(actor=world.board, rubric=rubric)
    response = client_for(world.head_officer).post(
        reverse("rubric_new_version", args=[rubric.pk]), {"change_note": ""}
    )
    assert response.status_code == 200
    assert "is-invalid" in page(response)
    assert Rubric.objects.filter(cluster_year=world.this_year).count() == 1


def test_a_member_reads_the_table_with_explanations(world, setup, client_for):
    rubric = setup["this"]
    one = code_of(rubric, "1")
    one.guidance = "Căn cứ báo cáo kinh tế - xã hội của đơn vị"
    one.save()
    text = page(client_for(world.member_officer).get(reverse("rubric_detail", args=[rubric.pk])))
    assert "Tiêu chí 1 về kinh tế" in text
    assert "Căn cứ báo cáo kinh tế - xã hội của đơn vị" in text
    assert "criterion-explanation" in text
    assert "0 đến 40" in text or "0 to 40" in text
    assert 'class="criterion-actions' not in text
    assert 'id="add-section"' not in text


# The library ------------------------------------------------------------------------------------


def test_the_board_lists_and_creates_templates(world, setup, client_for):
    client = client_for(world.board)
    listing = page(client.get(reverse("template_list")))
    assert "Mẫu bảng chấm điểm cấp huyện" in listing
    assert "Bảng chấm điểm năm 2024" not in listing
    response = client.post(
        reverse("template_create"),
        {
            "name": "Mẫu mới từ bảng 2024",
            "from_rubric": setup["this"].pk,
            "scale_total": "100",
            "bonus_cap": "5",
            "deduction_cap": "10",
        },
    )
    template = Rubric.objects.get(name="Mẫu mới từ bảng 2024")
    assert response["Location"] == reverse("rubric_detail", args=[template.pk])
    assert template.is_template
    assert template.criteria.count() == setup["this"].criteria.count()


def test_another_organizers_template_is_not_offered(world, setup, client_for):
    Rubric.objects.create(organizer=world.other_org, name="Mẫu của tỉnh khác")
    text = page(client_for(world.board).get(reverse("template_list")))
    assert "Mẫu của tỉnh khác" not in text


# Excel ------------------------------------------------------------------------------------------


def test_the_excel_download_has_every_criterion(world, setup, client_for):
    response = client_for(world.member_officer).get(
        reverse("rubric_export", args=[setup["this"].pk])
    )
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook[excel.SHEET_CRITERIA]
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert codes == ["I", "1", "2", "II", "3", "T1", "TR1"]


def _upload(client, rubric, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("rubric_import", args=[rubric.pk]),
        {"step": "upload", "file": SimpleUploadedFile("bang.xlsx", content)},
    )


def test_an_import_is_previewed_then_confirmed(world, setup, client_for):
    source = setup["this"]
    content = excel.rubric_to_xlsx(source)
    empty = Rubric.objects.create(organizer=world.org, name="Mẫu trống", scale_total=D(10))
    client = client_for(world.board)
    response = _upload(client, empty, content)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    text = page(preview)
    assert 'id="confirm-import"' in text
    assert "Tiêu chí 3 về kinh tế" in text
    assert empty.criteria.count() == 0
    token = response["Location"].split("token=")[1]
    done = client.post(
        reverse("rubric_import", args=[empty.pk]), {"step": "confirm", "token": token}
    )
    assert done["Location"] == reverse("rubric_detail", args=[empty.pk])
    assert sorted(empty.criteria.values_list("code", flat=True)) == sorted(
        source.criteria.values_list("code", flat=True)
    )
    empty.refresh_from_db()
    assert empty.scale_total == D(100)


def test_an_import_with_a_bad_row_saves_nothing(world, setup, client_for):
    rubric = setup["this"]
    workbook = load_workbook(io.BytesIO(excel.rubric_to_xlsx(rubric)))
    sheet = workbook[excel.SHEET_CRITERIA]
    sheet.cell(row=3, column=5, value="nhiều")  # "Điểm tối đa" of row 3
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_for(world.head_officer)
    response = _upload(client, rubric, buffer.getvalue())
    preview = page(client.get(response["Location"]))
    assert 'id="import-errors"' in preview
    assert 'data-row="3"' in preview
    assert "nhiều" in preview
    assert 'id="confirm-import"' not in preview
    assert rubric.criteria.count() == 7


def test_a_file_that_is_not_excel_is_refused_at_upload(world, setup, client_for):
    response = _upload(client_for(world.head_officer), setup["this"], b"not a workbook")
    assert response.status_code == 200
    assert "is-invalid" in page(response) or "invalid-feedback" in page(response)


def test_a_frozen_table_cannot_be_imported_into(world, setup, client_for):
    rubric = setup["this"]
    rubric_freeze(actor=world.board, rubric=rubric)
    response = client_for(world.head_officer).get(reverse("rubric_import", args=[rubric.pk]))
    assert response["Location"] == reverse("rubric_detail", args=[rubric.pk])


# Targets ---------------------------------------------------------------------------------------


def test_the_criterion_form_offers_the_years_covenant_targets(world, setup, client_for):
    covenant = Covenant.objects.create(cluster_year=world.this_year, title="Giao ước 2024")
    Target.objects.create(covenant=covenant, order=1, indicator="Thu ngân sách đạt dự toán")
    other = Covenant.objects.create(cluster_year=world.last_year, title="Giao ước 2023")
    Target.objects.create(covenant=other, order=1, indicator="Chỉ tiêu năm trước")
    text = page(
        client_for(world.head_officer).get(reverse("criterion_add", args=[setup["this"].pk]))
    )
    assert "Thu ngân sách đạt dự toán" in text
    assert "Chỉ tiêu năm trước" not in text


def test_a_template_has_no_target_field(world, setup, client_for):
    text = page(client_for(world.board).get(reverse("criterion_add", args=[setup["template"].pk])))
    assert 'name="target"' not in text


def test_the_frozen_date_is_shown(world, setup, client_for):
    rubric = setup["this"]
    rubric_freeze(actor=world.board, rubric=rubric, at=timezone.now())
    text = page(client_for(world.member_officer).get(reverse("rubric_detail", args=[rubric.pk])))
    assert timezone.localdate().strftime("%d/%m/%Y") in text


def test_the_preview_shows_targets_a_template_cannot_have(world, setup, client_for):
    """A row linked to a covenant target cannot go into a library template: the preview
    says so on that row, before any confirmation."""
    covenant = Covenant.objects.create(cluster_year=world.this_year, title="Giao ước 2024")
    target = Target.objects.create(covenant=covenant, order=1, indicator="Thu ngân sách")
    one = code_of(setup["this"], "1")
    Criterion.objects.filter(pk=one.pk).update(
        kind="target_ratio", target=target, params={"max_points": "40.00"}
    )
    content = excel.rubric_to_xlsx(setup["this"])
    client = client_for(world.board)
    response = _upload(client, setup["template"], content)
    preview = page(client.get(response["Location"]))
    assert 'id="import-errors"' in preview
    assert 'id="confirm-import"' not in preview
    assert 'data-row="3"' in preview.split('class="preview-error')[1][:80]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member_officer", 403),
        ("member_leader", 403),
        ("last_head_officer", 403),
        ("other_board", 404),
        ("outsider_officer", 404),
    ],
)
def test_only_the_head_or_the_board_starts_the_years_table(world, client_for, persona, status):
    response = client_for(world.personas()[persona]).post(
        reverse("rubric_for_year", args=[world.this_year.pk]),
        {"start": "scratch", "name": "Bảng năm 2024", "scale_total": "100"},
    )
    assert response.status_code == status
    assert not Rubric.objects.filter(cluster_year=world.this_year).exists()


def test_last_years_head_cannot_start_last_years_table(world, client_for):
    response = client_for(world.last_head_officer).post(
        reverse("rubric_for_year", args=[world.last_year.pk]),
        {"start": "scratch", "name": "Bảng năm 2023", "scale_total": "100"},
    )
    assert response.status_code == 403
    assert not Rubric.objects.filter(cluster_year=world.last_year).exists()
