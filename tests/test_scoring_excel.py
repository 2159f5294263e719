"""A scoring table in Excel: export, parse, import; the round trip loses nothing, a bad
row is named with its row number and nothing is saved, unsafe files are refused, and
exported text never becomes a formula."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.models import ActionLog
from covenants.models import Target
from scoring.excel import (
    COLUMNS,
    SHEET_CRITERIA,
    SHEET_SETTINGS,
    ParsedRubric,
    parse_rubric_xlsx,
    rubric_to_xlsx,
)
from scoring.models import Criterion
from scoring.selectors.rubrics import rubric_criteria
from scoring.services.criteria import criterion_add, criterion_update
from scoring.services.rubrics import rubric_create, rubric_import, template_create
from tests.test_scoring_services import (
    build_tree,
    errors_of,
    make_covenant,
    new_rubric,
)

D = Decimal


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    """Messages compared with the English msgids."""
    with translation.override("en"):
        yield


HEADERS = [texts[0] for texts in COLUMNS.values()]


def upload(data: bytes, name: str = "bang-cham-diem.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def workbook_bytes(rows: list[list], settings: list[list] | None = None) -> bytes:
    """A workbook as a person would fill it in: the criteria sheet (header + rows) and
    optionally the settings sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_CRITERIA
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    if settings is not None:
        extra = workbook.create_sheet(SHEET_SETTINGS)
        extra.append(["Mục", "Giá trị"])
        for row in settings:
            extra.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def snapshot(rubric) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Every field of every criterion, in tree order, with parents by code."""
    return [
        (
            item.depth,
            item.parent_code,
            item.order,
            item.code,
            item.title,
            item.kind,
            item.max_points,
            item.params,
            item.target_id,
            item.evidence_required,
            item.guidance,
        )
        for item in rubric_criteria(rubric)
    ]


@pytest.fixture
def rich(world):  # type: ignore[no-untyped-def]
    """A rubric with every type, nesting, parameters, a target, guidance on several
    lines, and text that looks like a formula."""
    covenant = make_covenant(world.this_year, ["Thu ngân sách đạt dự toán", "Tuyển quân"])
    budget, recruits = covenant.targets.order_by("order")
    rubric = new_rubric(world, scale_total="1.000", bonus_cap=50, deduction_cap=30)

    def add(code, kind, points, parent=None, **extra):  # type: ignore[no-untyped-def]
        return criterion_add(
            actor=world.board,
            rubric=rubric,
            parent=parent,
            code=code,
            title=extra.pop("title", f"Tiêu chí {code}"),
            kind=kind,
            max_points=points,
            **extra,
        )

    one = add("I", "group", 600, title="=SUM(A1:A9)")
    sub = add("I.1", "group", "300", parent=one, title="+Kinh tế; -tăng trưởng")
    add("I.1.a", "manual", "150,5", parent=sub, title="@Tăng trưởng GRDP", evidence_required=True,
        guidance="Dòng một\nDòng hai: =1+1\n\nSau dòng trống")  # fmt: skip
    add("I.1.b", "pass_fail", "149,5", parent=sub)
    add("I.2", "target_ratio", 200, parent=one, target=budget,
        params={"extra_points_per_step": "2", "step_percent": "10", "extra_cap": "6"})  # fmt: skip
    add("I.3", "relative_leader", 100, parent=one, target=recruits)
    two = add("II", "group", 400)
    add("II.1", "per_occurrence", 400, parent=two, params={"points_each": "12.25"})
    add("TH", "bonus", 50, params={"points_each": "5"}, guidance="-5 nếu sai")
    add("TR", "deduction", 8, title="Không ký giao ước thi đua: trừ 8 điểm",
        params={"points_each": "8"})  # fmt: skip
    return rubric


# The round trip ------------------------------------------------------------------------------


def test_export_then_import_gives_the_same_tree_field_by_field(world, rich):
    before = snapshot(rich)
    settings_before = (rich.scale_total, rich.bonus_cap, rich.deduction_cap)
    parsed = parse_rubric_xlsx(upload(rubric_to_xlsx(rich)))
    assert parsed.row_errors == []
    assert parsed.settings is not None
    assert (parsed.settings.scale_total, parsed.settings.bonus_cap) == (D(1000), D(50))
    old_ids = set(rich.criteria.values_list("pk", flat=True))
    rubric_import(actor=world.head_officer, rubric=rich, parsed=parsed)
    rich.refresh_from_db()
    after = snapshot(rich)
    assert after == before
    assert (rich.scale_total, rich.bonus_cap, rich.deduction_cap) == settings_before
    # The rows are new: the file replaced the tree rather than patching it.
    assert not old_ids & set(rich.criteria.values_list("pk", flat=True))
    entry = ActionLog.objects.get(action="scoring.rubric.imported")
    assert entry.actor == world.head_officer and entry.scope_id == world.org.pk
    assert entry.data["copied"] == {"removed": 10, "criteria": 10, "targets_linked": 2}
    assert entry.data["changes"] == {}


def test_the_exported_sheet_reads_like_the_table(world, rich):
    book = load_workbook(io.BytesIO(rubric_to_xlsx(rich)))
    assert book.sheetnames == ["Bảng chấm điểm", "Cài đặt", "Loại tiêu chí"]
    sheet = book["Bảng chấm điểm"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "Mã", "Mã mục cha", "Tiêu đề", "Loại", "Điểm tối đa", "Tham số (JSON)", "Chỉ tiêu",
        "Bắt buộc minh chứng", "Hướng dẫn",
    ]  # fmt: skip
    by_code = {row[0]: row for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == [
        "I", "I.1", "I.1.a", "I.1.b", "I.2", "I.3", "II", "II.1", "TH", "TR",
    ]  # fmt: skip
    assert by_code["I.1.a"][1:5] == ("I.1", "@Tăng trưởng GRDP", "manual", 150.5)
    assert by_code["I.1.a"][7:] == ("x", "Dòng một\nDòng hai: =1+1\n\nSau dòng trống")
    assert json.loads(by_code["I.2"][5]) == {
        "extra_points_per_step": "2.00",
        "step_percent": "10.00",
        "extra_cap": "6.00",
    }
    assert by_code["I.2"][6] == "Thu ngân sách đạt dự toán"
    assert json.loads(by_code["TR"][5]) == {"points_each": "8.00"}
    assert by_code["I.1.b"][5] is None  # nothing beside the maximum
    assert list(book["Cài đặt"].iter_rows(values_only=True)) == [
        ("Mục", "Giá trị"),
        ("Tổng điểm", 1000),
        ("Điểm thưởng tối đa", 50),
        ("Điểm trừ tối đa", 30),
    ]


def test_exported_user_text_is_never_a_formula(world, rich):
    book = load_workbook(io.BytesIO(rubric_to_xlsx(rich)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    sheet = book["Bảng chấm điểm"]
    titles = {row[0].value: row[2] for row in sheet.iter_rows(min_row=2)}
    for code, text in [
        ("I", "=SUM(A1:A9)"),
        ("I.1", "+Kinh tế; -tăng trưởng"),
        ("I.1.a", "@Tăng trưởng GRDP"),
    ]:
        assert titles[code].value == text
        assert titles[code].data_type == "s"
        assert titles[code].quotePrefix
    guidance = {row[0].value: row[8] for row in sheet.iter_rows(min_row=2)}
    assert guidance["TH"].value == "-5 nếu sai" and guidance["TH"].data_type == "s"


def test_a_new_year_rubric_is_created_from_the_file_with_its_targets(world, rich):
    data = rubric_to_xlsx(rich)
    other_year = world.last_year
    make_covenant(other_year, ["Thu ngân sách đạt dự toán", "Tuyển quân"])
    rubric = rubric_create(
        actor=world.board,
        cluster_year=other_year,
        name="Bảng 2023 từ Excel",
        parsed=parse_rubric_xlsx(upload(data)),
    )
    assert (rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (D(1000), D(50), D(30))
    linked = dict(rubric.criteria.filter(target__isnull=False).values_list("code", "target"))
    assert linked == {
        "I.2": Target.objects.get(covenant__cluster_year=other_year, order=1).pk,
        "I.3": Target.objects.get(covenant__cluster_year=other_year, order=2).pk,
    }
    assert [row[3:8] for row in snapshot(rubric)] == [row[3:8] for row in snapshot(rich)]


def test_a_template_round_trips_too(world):
    template = template_create(
        actor=world.board, organizer=world.org, name="Mẫu", bonus_cap=5, deduction_cap=10
    )
    build_tree(template, world.board)
    before = snapshot(template)
    rubric_import(
        actor=world.board,
        rubric=template,
        parsed=parse_rubric_xlsx(upload(rubric_to_xlsx(template))),
    )
    assert snapshot(template) == before


def test_the_parsed_file_survives_the_session_as_json(world, rich):
    parsed = parse_rubric_xlsx(upload(rubric_to_xlsx(rich)))
    again = ParsedRubric.from_json(json.loads(json.dumps(parsed.to_json())))
    assert again == parsed


# A bad row -------------------------------------------------------------------------------


def test_a_bad_row_is_named_with_its_number_and_nothing_is_saved(world, rich, en):
    before = snapshot(rich)
    data = workbook_bytes(
        [
            ["I", "", "Kinh tế", "group", 100, "", "", "", ""],
            ["1", "I", "Tăng trưởng", "manual", "mười", "", "", "", ""],
            ["2", "I", "Thu ngân sách", "manual", 90, "", "", "", ""],
        ]
    )
    parsed = parse_rubric_xlsx(upload(data))
    assert [str(error) for error in parsed.row_errors] == [
        "Row 3: “mười” in “Điểm tối đa” is not a number."
    ]
    with pytest.raises(ValidationError) as exc:
        rubric_import(actor=world.board, rubric=rich, parsed=parsed)
    assert errors_of(exc) == [
        "Nothing was imported: fix these rows and upload the file again.",
        "Row 3: “mười” in “Điểm tối đa” is not a number.",
    ]
    assert snapshot(rich) == before
    assert not ActionLog.objects.filter(action="scoring.rubric.imported").exists()


def test_every_kind_of_bad_row_is_reported(world, en):
    data = workbook_bytes(
        [
            ["I", "", "Kinh tế", "group", 100, "", "", "", ""],  # row 2
            ["1", "I", "Không rõ loại", "lottery", 10, "", "", "", ""],  # 3
            ["2", "I", "JSON hỏng", "per_occurrence", 10, "{points_each: 5}", "", "", ""],  # 4
            ["3", "X", "Cha không có", "manual", 10, "", "", "", ""],  # 5
            ["1", "I", "Trùng mã", "manual", 10, "", "", "", ""],  # 6
            ["4", "I", "Âm", "manual", -5, "", "", "", ""],  # 7
            ["5", "I", "Thiếu tham số", "per_occurrence", 10, "", "", "", ""],  # 8
            ["6", "I", "Minh chứng?", "manual", 10, "", "", "có lẽ", ""],  # 9
            ["7", "6", "Dưới một lá", "manual", 10, "", "", "", ""],  # 10
            ["A", "B", "Vòng tròn A", "group", 0, "", "", "", ""],  # 11
            ["B", "A", "Vòng tròn B", "group", 0, "", "", "", ""],  # 12
            ["", "I", "", "manual", 10, "[1, 2]", "", "", ""],  # 13
            ["8", "I", "Ba chữ số thập phân", "manual", "1,255", "", "", "", ""],  # 14
            ["9", "I", "Điểm 0", "manual", 0, "", "", "", ""],  # 15
        ],
        settings=[["Tổng điểm", "một trăm"], ["Điểm thưởng", 5]],
    )
    parsed = parse_rubric_xlsx(upload(data))
    assert [str(error) for error in parsed.row_errors] == [
        "Row 3: “lottery” is not a criterion type; use one of: manual, pass_fail, "
        "target_ratio, relative_leader, per_occurrence, bonus, deduction, group.",
        'Row 4: the parameters are not valid JSON (write e.g. {"points_each": "5"}): '
        "Expecting property name enclosed in double quotes.",
        "Row 5: the parent code “X” is not in the table.",
        "Row 6: the code “1” is also in row 3.",
        "Row 7: “Điểm tối đa” cannot be negative.",
        "Row 8: parameters: Points each time is required.",
        "Row 9: “có lẽ” in “Bắt buộc minh chứng”: write x (yes) or leave it empty.",
        "Row 10: the parent “6” (row 9) is not a section or group.",
        "Row 11: “A” is inside itself (its parents go round in a circle).",
        "Row 12: “B” is inside itself (its parents go round in a circle).",
        'Row 13: the parameters must be a JSON object, e.g. {"points_each": "5"}.',
        "Row 13: the code is empty.",
        "Row 13: the title is empty.",
        "Row 14: “1,255” in “Điểm tối đa” has more than 2 decimal places.",
        "Row 15: A criterion that gives or takes points needs a maximum above 0 (only a "
        "section or group may have 0).",
        "Sheet “Cài đặt”, row 2: “một trăm” in “Tổng điểm” is not a number.",
        "Sheet “Cài đặt”, row 3: “Điểm thưởng” is not a setting of the table.",
    ]
    assert parsed.settings is None


def test_the_type_may_be_written_by_its_name_and_columns_in_any_order(world, en):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tiêu đề", "Điểm tối đa", "Loại", "Mã"])
    sheet.append(["Đạt chuẩn", 10, "Pass / fail", "1"])
    sheet.append(["Đạt chuẩn 2", 5, "đạt / không đạt", 2])
    sheet.append(["Do người chấm cho", 5.5, "Manual", "3"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = parse_rubric_xlsx(upload(buffer.getvalue()))
    assert parsed.row_errors == []
    assert [(n.code, n.kind, n.max_points) for n in parsed.nodes] == [
        ("1", "pass_fail", D(10)),
        ("2", "pass_fail", D(5)),
        ("3", "manual", D("5.5")),
    ]


def test_a_target_not_in_this_years_covenant_refuses_the_file(world, en):
    make_covenant(world.this_year, ["Thu ngân sách"])
    rubric = new_rubric(world)
    data = workbook_bytes(
        [
            ["1", "", "Tuyển quân", "target_ratio", 100, "", "Tuyển quân đạt 100%", "", ""],
            ["2", "", "Thủ công", "manual", 10, "", "Thu ngân sách", "", ""],
        ]
    )
    with pytest.raises(ValidationError) as exc:
        rubric_import(actor=world.board, rubric=rubric, parsed=parse_rubric_xlsx(upload(data)))
    assert errors_of(exc) == [
        "Nothing was imported: fix these rows and upload the file again.",
        "Row 2: the target “Tuyển quân đạt 100%” is not in this year's covenant.",
        "Row 3: only criteria scored against a target are linked to one.",
    ]
    assert not Criterion.objects.filter(rubric=rubric).exists()


def test_a_template_takes_no_targets_from_a_file(world, en):
    template = template_create(actor=world.board, organizer=world.org, name="Mẫu")
    data = workbook_bytes([["1", "", "Tỷ lệ", "target_ratio", 100, "", "Thu ngân sách", "", ""]])
    with pytest.raises(ValidationError) as exc:
        rubric_import(actor=world.board, rubric=template, parsed=parse_rubric_xlsx(upload(data)))
    assert errors_of(exc)[1] == "Row 2: a library template is not linked to covenant targets."


# Files that are not what they claim ------------------------------------------------------


def test_a_20_mb_file_is_refused_before_it_is_read(world, en, settings):
    assert settings.MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    big = upload(b"PK\x03\x04" + b"\0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        parse_rubric_xlsx(big)
    assert errors_of(exc) == {"file": ["The file is too large: at most 20 MB."]}


def test_a_text_file_named_xlsx_is_refused(world, en):
    with pytest.raises(ValidationError) as exc:
        parse_rubric_xlsx(upload("Mã;Tiêu đề\n1;Kinh tế\n".encode()))
    assert errors_of(exc) == {
        "file": ["This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again."]
    }


def test_a_sheet_without_the_required_columns_is_refused(world, en):
    workbook = Workbook()
    workbook.active.append(["Mã", "Tiêu đề"])
    workbook.active.append(["1", "Kinh tế"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ValidationError) as exc:
        parse_rubric_xlsx(upload(buffer.getvalue()))
    assert errors_of(exc) == {
        "file": ["The header row is missing the column(s): Loại, Điểm tối đa."]
    }


def test_a_sheet_with_only_headers_is_refused(world, en):
    with pytest.raises(ValidationError) as exc:
        parse_rubric_xlsx(upload(workbook_bytes([])))
    assert errors_of(exc) == {"file": ["The sheet “Bảng chấm điểm” has no criteria."]}


def test_a_changed_criterion_after_export_comes_back_changed(world, rich):
    """The file is the truth on import: what a person edits in Excel is what is saved."""
    data = rubric_to_xlsx(rich)
    book = load_workbook(io.BytesIO(data))
    sheet = book["Bảng chấm điểm"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "II.1":
            row[2].value = "Số dự án FDI mới"
            row[5].value = '{"points_each": "20"}'
    buffer = io.BytesIO()
    book.save(buffer)
    rubric_import(
        actor=world.board, rubric=rich, parsed=parse_rubric_xlsx(upload(buffer.getvalue()))
    )
    item = rich.criteria.get(code="II.1")
    assert item.title == "Số dự án FDI mới"
    assert item.params == {"max_points": "400.00", "points_each": "20.00"}
    criterion_update(actor=world.board, criterion=item, title="Lại đổi")
