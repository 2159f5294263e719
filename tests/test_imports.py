"""Excel: safe reading, formula-free writing, and the unit and membership imports
(upload → preview with row errors → confirm, all or nothing)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from clusters import services
from clusters.imports import memberships as membership_import
from clusters.imports import units as unit_import
from clusters.models import Cluster, ClusterYear, Membership, Unit
from clusters.views.imports import SESSION_KEY
from core import excel
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members

pytestmark = pytest.mark.django_db

UNIT_HEADERS = [
    "Tên đơn vị",
    "Loại đơn vị",
    "Tên ngắn",
    "Đơn vị cấp trên",
    "Mã đơn vị",
    "Hiệu lực từ ngày",
    "Hiệu lực đến ngày",
    "Chức danh lãnh đạo",
]
MEMBERSHIP_HEADERS = ["Cụm thi đua", "Năm", "Thứ tự", "Đơn vị", "Vai trò"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(headers, rows) -> bytes:  # type: ignore[no-untyped-def]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(headers, rows, name="don-vi.xlsx") -> SimpleUploadedFile:  # type: ignore[no-untyped-def]
    return SimpleUploadedFile(name, xlsx_bytes(headers, rows), content_type=XLSX)


def unit_row(name, kind="Phường", short="", parent="", code="", start="", end="", title=""):  # type: ignore[no-untyped-def]
    return [name, kind, short, parent, code, start, end, title]


def _upload_and_preview(client, url_name, file):  # type: ignore[no-untyped-def]
    """Upload, follow to the preview; returns (preview response, token)."""
    response = client.post(reverse(url_name), {"step": "upload", "file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response["Location"].split("token=")[1]
    return client.get(response["Location"]), token


def _confirm(client, url_name, token):  # type: ignore[no-untyped-def]
    return client.post(reverse(url_name), {"step": "confirm", "token": token}, follow=True)


def _row_errors(plan) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    return {row.row: row.errors for row in plan.rows if row.errors}


# core.excel: reading -------------------------------------------------------------------


def test_reader_keeps_excel_row_numbers_skips_blank_rows_and_normalises_text():
    data = xlsx_bytes(
        ["  Tên   ĐƠN VỊ ", "Loai"],
        [["Hoa\u0300 Bi\u0300nh", "xa"], [None, None], ["  phường   Đức Xuân ", "Phường"]],
    )

    sheet = excel.read_rows(
        io.BytesIO(data), columns={"name": ("Tên đơn vị",), "kind": ("Loại",)}, required=["name"]
    )

    assert [number for number, _row in sheet.rows] == [2, 4]
    assert sheet.rows[0][1]["name"] == "Hoà Bình"  # composed (NFC)
    assert sheet.rows[1][1] == {"name": "phường Đức Xuân", "kind": "Phường"}


def test_reader_refuses_a_file_without_the_required_columns():
    data = xlsx_bytes(["Something else"], [["x"]])

    with pytest.raises(excel.ExcelError) as refused:
        excel.read_rows(io.BytesIO(data), columns={"name": ("Tên đơn vị",)}, required=["name"])

    assert "Tên đơn vị" in str(refused.value)


def test_reader_refuses_more_rows_than_allowed():
    data = xlsx_bytes(["Tên đơn vị"], [[f"xã {n}"] for n in range(4)])

    with pytest.raises(excel.ExcelError) as refused:
        excel.read_rows(io.BytesIO(data), columns={"name": ("Tên đơn vị",)}, max_rows=3)

    assert refused.value.message == excel.FILE_TOO_MANY_ROWS
    assert excel.MAX_ROWS == 5000


def test_reader_refuses_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")

    with pytest.raises(excel.ExcelError) as refused:
        excel.read_rows(io.BytesIO(buffer.getvalue()), columns={"name": ("Tên",)})

    assert refused.value.message == excel.FILE_NOT_XLSX


def test_dates_come_from_real_excel_dates_or_day_month_year_text():
    assert excel.parse_date(dt.datetime(2025, 7, 1, 0, 0)) == dt.date(2025, 7, 1)
    assert excel.parse_date("01/07/2025") == dt.date(2025, 7, 1)
    assert excel.parse_date("1/7/2025") == dt.date(2025, 7, 1)
    assert excel.parse_date("") is None
    with pytest.raises(excel.ExcelError):
        excel.parse_date("31/02/2025")
    with pytest.raises(excel.ExcelError):
        excel.parse_date("hôm qua")


def test_a_real_date_cell_is_read_as_that_date(world):
    data = xlsx_bytes(UNIT_HEADERS, [unit_row("phường Mới", start=dt.datetime(2025, 7, 1))])

    rows = unit_import.read_unit_file(io.BytesIO(data))
    plan = unit_import.check_unit_rows(organizer=world.org, raw_rows=rows)

    assert plan.rows[0].valid_from == dt.date(2025, 7, 1)


# core.excel: writing --------------------------------------------------------------------


def test_user_text_is_written_as_text_never_as_a_formula():
    dangerous = ['=HYPERLINK("http://evil.example","bấm")', "+1+2", "-3+4", "@SUM(A1)", "=1+1"]

    content = excel.build_workbook(
        [excel.SheetSpec(title="Xuất", headers=["=Tiêu đề"], rows=[[value] for value in dangerous])]
    )

    workbook = load_workbook(io.BytesIO(content))  # formulas kept as formulas if any
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert [cell.value for cell in cells] == ["=Tiêu đề", *dangerous]
    assert all(cell.data_type == "s" for cell in cells)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_unit_template_has_vietnamese_headers_an_example_and_the_kinds(world, client_for):
    response = client_for(world.board).get(reverse("unit_import_template"))

    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    units, kinds = workbook.worksheets
    rows = list(units.iter_rows(values_only=True))
    assert list(rows[0]) == UNIT_HEADERS
    assert len(rows) == 2 and rows[1][0] == "phường Đức Xuân"
    kind_codes = [row[1] for row in kinds.iter_rows(min_row=2, values_only=True)]
    assert kind_codes == [code for code, _label in Unit.Kind.choices]
    for sheet in workbook.worksheets:
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_template_imports_as_it_is(world, client_for):
    content = client_for(world.board).get(reverse("unit_import_template")).content

    plan = unit_import.check_unit_rows(
        organizer=world.org, raw_rows=unit_import.read_unit_file(io.BytesIO(content))
    )

    assert not plan.has_errors
    assert plan.rows[0].kind == "ward"


def test_membership_template_has_the_five_columns(world, client_for):
    response = client_for(world.board).get(reverse("membership_import_template"))

    workbook = load_workbook(io.BytesIO(response.content))
    header = next(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(header) == MEMBERSHIP_HEADERS


# Unit import ---------------------------------------------------------------------------------


def test_good_unit_file_previews_then_creates_every_row(world, client_for):
    client = client_for(world.board)
    file = upload(
        UNIT_HEADERS,
        [
            unit_row("UBND huyện Mới", "Huyện", "Mới", start="01/01/2010"),
            unit_row("xã Một", "xa", parent="UBND huyện Mới", code="X1", title="Chủ tịch UBND xã"),
            unit_row("phường Hai", "WARD", parent="ubnd huyen bac son"),
            unit_row("UBND huyện Đã Giải Thể", "district", start="01/01/2001", end="30/06/2025"),
        ],
    )

    preview, token = _upload_and_preview(client, "unit_import", file)

    html = preview.content.decode()
    assert 'id="confirm-import"' in html
    assert [row.row for row in preview.context["plan"].rows] == [2, 3, 4, 5]
    assert "xã Một" in html and "UBND huyện Mới" in html
    assert not Unit.objects.filter(name="xã Một").exists()

    done = _confirm(client, "unit_import", token)

    assert done.redirect_chain[-1][0] == reverse("unit_list")
    new = Unit.objects.get(name="UBND huyện Mới")
    one = Unit.objects.get(name="xã Một")
    assert (new.kind, new.short_name, new.valid_from) == ("district", "Mới", dt.date(2010, 1, 1))
    assert (one.kind, one.parent, one.code) == ("commune", new, "X1")
    assert one.valid_from == dt.date(2000, 1, 1)
    assert Unit.objects.get(name="phường Hai").parent == world.member_unit
    ended = Unit.objects.get(name="UBND huyện Đã Giải Thể")
    assert ended.valid_to == dt.date(2025, 6, 30)
    assert token not in client.session.get(SESSION_KEY, {})


def test_file_with_one_bad_row_shows_it_and_saves_nothing(world, client_for):
    client = client_for(world.board)
    before = Unit.objects.count()
    file = upload(
        UNIT_HEADERS,
        [unit_row("xã Tốt Một", "Xã"), unit_row("xã Lạ", "Làng"), unit_row("xã Tốt Hai", "Xã")],
    )

    preview, token = _upload_and_preview(client, "unit_import", file)

    html = preview.content.decode()
    assert _row_errors(preview.context["plan"]) == {
        3: [str(unit_import.UNKNOWN_KIND) % {"value": "Làng"}]
    }
    assert 'data-row="3"' in html and "preview-error" in html
    assert 'id="confirm-import"' not in html

    refused = _confirm(client, "unit_import", token)

    assert Unit.objects.count() == before
    assert 'id="confirm-import"' not in refused.content.decode()
    assert 3 in _row_errors(refused.context["plan"])


def test_every_kind_of_row_error_is_found_with_its_row_number(world):
    rows = [
        {"row": 2, "name": "", "kind": "Xã"},
        {"row": 3, "name": "xã Ba", "kind": ""},
        {"row": 4, "name": "xã Bốn", "kind": "Xã", "valid_from": "32/01/2020"},
        {"row": 5, "name": "xã Năm", "kind": "Xã"},
        {"row": 6, "name": "XÃ NĂM", "kind": "Xã"},
        {"row": 7, "name": "UBND huyện Bắc Sơn", "kind": "Huyện"},
        {"row": 8, "name": "xã Tám", "kind": "Xã", "parent": "Huyện Không Có"},
        {"row": 9, "name": "xã Chín", "kind": "Xã", "valid_from": "01/01/2020",
         "valid_to": "31/12/2019"},
        {"row": 10, "name": "UBND huyện Bắc Sơn", "kind": "Huyện", "valid_to": "31/12/1999",
         "valid_from": "01/01/1990"},
    ]  # fmt: skip

    errors = _row_errors(unit_import.check_unit_rows(organizer=world.org, raw_rows=rows))

    assert set(errors) == {2, 3, 4, 6, 7, 8, 9}
    assert errors[2] == [str(unit_import.MISSING_NAME)]
    assert errors[3] == [str(unit_import.MISSING_KIND)]
    assert "32/01/2020" in errors[4][0]
    assert errors[6] == [str(unit_import.DUPLICATE_IN_FILE) % {"name": "XÃ NĂM", "row": 5}]
    assert errors[7] == [str(services.DUPLICATE_UNIT) % {"name": "UBND huyện Bắc Sơn"}]
    assert errors[8] == [str(unit_import.PARENT_NOT_FOUND) % {"name": "Huyện Không Có"}]
    assert errors[9] == [str(services.DATES_REVERSED)]


def test_an_ended_parent_is_not_found(world):
    UnitFactory(organizer=world.org, name="UBND huyện Cũ", valid_to=dt.date(2020, 1, 1))

    plan = unit_import.check_unit_rows(
        organizer=world.org,
        raw_rows=[{"row": 2, "name": "xã Con", "kind": "Xã", "parent": "UBND huyện Cũ"}],
    )

    assert 2 in _row_errors(plan)


def test_kinds_are_read_by_code_or_vietnamese_name_without_accents_or_case(world):
    spellings = ["ward", "PHƯỜNG", "phuong", "Thi xa", "special_zone", "Đặc khu", "Khác"]
    rows = [
        {"row": number, "name": f"đơn vị {number}", "kind": kind}
        for number, kind in enumerate(spellings, start=2)
    ]

    plan = unit_import.check_unit_rows(organizer=world.org, raw_rows=rows)

    assert [row.kind for row in plan.rows] == [
        "ward", "ward", "ward", "town", "special_zone", "special_zone", "other",
    ]  # fmt: skip
    assert not plan.has_errors


def test_confirm_checks_the_rows_again(world, client_for):
    client = client_for(world.board)
    preview, token = _upload_and_preview(
        client, "unit_import", upload(UNIT_HEADERS, [unit_row("xã Trùng"), unit_row("xã Khác")])
    )
    assert 'id="confirm-import"' in preview.content.decode()
    services.unit_create(actor=world.board, organizer=world.org, name="xã Trùng", kind="commune")

    refused = _confirm(client, "unit_import", token)

    assert 2 in _row_errors(refused.context["plan"])
    assert not Unit.objects.filter(name="xã Khác").exists()


def test_oversized_file_is_refused(world, client_for, settings):
    settings.MAX_UPLOAD_BYTES = 4096
    rows = [unit_row(f"xã Số {n}", code="x" * 20, title="y" * 40) for n in range(400)]
    file = upload(UNIT_HEADERS, rows)
    assert file.size > 4096

    response = client_for(world.board).post(
        reverse("unit_import"), {"step": "upload", "file": file}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert str(excel.FILE_TOO_LARGE) % {"limit": "0,00390625"} in html
    assert not response.wsgi_request.session.get(SESSION_KEY)
    assert not Unit.objects.filter(name="xã Số 1").exists()


def test_a_text_file_named_xlsx_is_refused(world, client_for):
    file = SimpleUploadedFile("don-vi.xlsx", "Tên đơn vị;Loại\nxã A;Xã\n".encode(), XLSX)

    response = client_for(world.board).post(
        reverse("unit_import"), {"step": "upload", "file": file}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert str(excel.FILE_NOT_XLSX) in html
    assert not Unit.objects.filter(name="xã A").exists()


def test_an_unknown_or_foreign_token_is_not_confirmed(world, client_for):
    client = client_for(world.board)
    _preview, token = _upload_and_preview(
        client, "unit_import", upload(UNIT_HEADERS, [unit_row("xã Riêng")])
    )

    wrong = _confirm(client, "unit_import", "not-a-token")
    other_kind = _confirm(client, "membership_import", token)

    assert wrong.redirect_chain[-1][0] == reverse("unit_import")
    assert other_kind.redirect_chain[-1][0] == reverse("membership_import")
    assert not Unit.objects.filter(name="xã Riêng").exists()


@pytest.mark.parametrize(
    "name",
    ["unit_import", "unit_import_template", "membership_import", "membership_import_template"],
)
def test_imports_are_for_the_board_only(world, client_for, client, name):
    anonymous = client.get(reverse(name))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))

    officer = client_for(world.member_officer).get(reverse(name))

    assert officer.status_code == 403


# Membership import ------------------------------------------------------------------------


def test_membership_import_creates_a_cluster_year_with_head_and_deputy(world, client_for):
    client = client_for(world.board)
    file = upload(
        MEMBERSHIP_HEADERS,
        [
            ["cum thi dua cac huyen", 2025, 2, "UBND huyện Nam Sơn", "Phó trưởng cụm"],
            ["Cụm thi đua các huyện", 2025, 1, "UBND huyện Bắc Sơn", "Trưởng cụm"],
            ["Cụm thi đua các huyện", "2025", 3, "Sở Nội vụ", ""],
        ],
    )

    preview, token = _upload_and_preview(client, "membership_import", file)

    html = preview.content.decode()
    (group,) = preview.context["plan"].groups
    assert group.creates and group.year == 2025
    assert 'id="confirm-import"' in html
    assert not ClusterYear.objects.filter(year=2025).exists()

    _confirm(client, "membership_import", token)

    year = ClusterYear.objects.get(cluster=world.cluster, year=2025)
    assert year.head_unit == world.member_unit
    assert year.deputy_unit == world.deputy_unit
    assert [m.unit for m in year.memberships.order_by("order")] == [
        world.member_unit,
        world.deputy_unit,
        world.outsider_unit,
    ]


def test_membership_import_replaces_an_open_years_members_and_says_so(world, client_for):
    client = client_for(world.board)
    file = upload(
        MEMBERSHIP_HEADERS,
        [
            ["Cụm thi đua các huyện", 2024, 1, "UBND huyện Đông Sơn", "Trưởng cụm"],
            ["Cụm thi đua các huyện", 2024, 2, "Sở Nội vụ", "Phó trưởng cụm"],
            ["Cụm thi đua các huyện", 2024, 3, "UBND huyện Bắc Sơn", ""],
        ],
    )

    preview, token = _upload_and_preview(client, "membership_import", file)

    (group,) = preview.context["plan"].groups
    assert not group.creates
    assert len(group.current_members) == 4
    action = preview.content.decode().split('class="group-action">')[1].split("</td>")[0]
    assert "(4)" in action

    _confirm(client, "membership_import", token)

    world.this_year.refresh_from_db()
    assert world.this_year.head_unit == world.h_old
    assert world.this_year.deputy_unit == world.outsider_unit
    assert [m.unit for m in world.this_year.memberships.order_by("order")] == [
        world.h_old,
        world.outsider_unit,
        world.member_unit,
    ]


def test_membership_import_refuses_a_unit_already_in_another_cluster(world, client_for):
    other = ClusterFactory(organizer=world.org, name="Cụm thi đua các sở")
    other_year = ClusterYearFactory(cluster=other, year=2025, head_unit=world.outsider_unit)
    add_members(other_year, [world.outsider_unit])
    client = client_for(world.board)
    file = upload(
        MEMBERSHIP_HEADERS,
        [
            ["Cụm thi đua các huyện", 2025, 1, "UBND huyện Bắc Sơn", "Trưởng cụm"],
            ["Cụm thi đua các huyện", 2025, 2, "Sở Nội vụ", ""],
        ],
    )

    preview, token = _upload_and_preview(client, "membership_import", file)

    errors = _row_errors(preview.context["plan"])
    assert errors == {
        3: [
            str(services.UNIT_IN_OTHER_CLUSTER)
            % {"unit": "Sở Nội vụ", "cluster": "Cụm thi đua các sở", "year": 2025}
        ]
    }
    assert 'id="confirm-import"' not in preview.content.decode()
    _confirm(client, "membership_import", token)
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()


def test_membership_import_refuses_a_unit_in_two_clusters_of_the_file(world):
    ClusterFactory(organizer=world.org, name="Cụm thi đua các sở")
    rows = [
        {"row": 2, "cluster": "Cụm thi đua các huyện", "year": "2025", "unit": "Sở Nội vụ",
         "role": "Trưởng cụm"},
        {"row": 3, "cluster": "Cụm thi đua các sở", "year": "2025", "unit": "sở nội vụ",
         "role": "Trưởng cụm"},
    ]  # fmt: skip

    plan = membership_import.check_membership_rows(organizer=world.org, raw_rows=rows)

    assert _row_errors(plan) == {
        3: [
            str(membership_import.UNIT_TWICE_IN_FILE)
            % {"unit": "Sở Nội vụ", "row": 2, "year": 2025}
        ]
    }


def test_membership_import_finds_every_kind_of_row_error(world):
    UnitFactory(organizer=world.org, name="UBND huyện Mới Lập", valid_from=dt.date(2026, 1, 1))
    rows = [
        {"row": 2, "cluster": "Cụm Không Có", "year": "2025", "unit": "UBND huyện Bắc Sơn"},
        {"row": 3, "cluster": "Cụm thi đua các huyện", "year": "năm nay",
         "unit": "UBND huyện Bắc Sơn"},
        {"row": 4, "cluster": "Cụm thi đua các huyện", "year": "2025", "order": "1",
         "unit": "UBND huyện Bắc Sơn", "role": "Trưởng cụm"},
        {"row": 5, "cluster": "Cụm thi đua các huyện", "year": "2025", "order": "1",
         "unit": "UBND huyện Nam Sơn"},
        {"row": 6, "cluster": "Cụm thi đua các huyện", "year": "2025", "order": "3",
         "unit": "UBND huyện Không Có"},
        {"row": 7, "cluster": "Cụm thi đua các huyện", "year": "2025", "order": "4",
         "unit": "UBND huyện Mới Lập"},
        {"row": 8, "cluster": "Cụm thi đua các huyện", "year": "2025", "order": "5",
         "unit": "UBND huyện Tây Sơn", "role": "Trưởng cụm"},
        {"row": 9, "cluster": "Cụm thi đua các huyện", "year": "2025", "order": "6",
         "unit": "UBND huyện Đông Sơn", "role": "Chủ tịch"},
    ]  # fmt: skip

    plan = membership_import.check_membership_rows(organizer=world.org, raw_rows=rows)

    errors = _row_errors(plan)
    assert set(errors) == {2, 3, 5, 6, 7, 8, 9}
    assert errors[2] == [str(membership_import.UNKNOWN_CLUSTER) % {"name": "Cụm Không Có"}]
    assert errors[3] == [str(membership_import.YEAR_NOT_NUMBER) % {"value": "năm nay"}]
    assert errors[5] == [str(membership_import.DUPLICATE_ORDER) % {"order": 1, "row": 4}]
    assert errors[6] == [str(membership_import.UNKNOWN_UNIT) % {"name": "UBND huyện Không Có"}]
    assert "UBND huyện Mới Lập" in errors[7][0] and "2025" in errors[7][0]
    assert errors[8] == [str(membership_import.SECOND_HEAD) % {"row": 4}]
    assert errors[9] == [str(membership_import.UNKNOWN_ROLE) % {"value": "Chủ tịch"}]


def test_membership_import_needs_a_head_row(world, client_for):
    client = client_for(world.board)
    preview, token = _upload_and_preview(
        client,
        "membership_import",
        upload(MEMBERSHIP_HEADERS, [["Cụm thi đua các huyện", 2025, 1, "UBND huyện Bắc Sơn", ""]]),
    )

    (group,) = preview.context["plan"].groups
    assert group.errors == [str(membership_import.HEAD_MISSING)]
    assert 'id="confirm-import"' not in preview.content.decode()
    _confirm(client, "membership_import", token)
    assert not ClusterYear.objects.filter(year=2025).exists()


def test_membership_import_refuses_a_closed_year(world):
    rows = [
        {"row": 2, "cluster": "Cụm thi đua các huyện", "year": "2023",
         "unit": "UBND huyện Bắc Sơn", "role": "Trưởng cụm"},
    ]  # fmt: skip

    plan = membership_import.check_membership_rows(organizer=world.org, raw_rows=rows)

    assert plan.groups[0].errors == [str(services.YEAR_CLOSED) % {"year": 2023}]


def test_membership_import_moves_units_between_two_clusters_of_the_file(world):
    other = Cluster.objects.create(organizer=world.org, name="Cụm thi đua các sở")
    services.cluster_year_create(
        actor=world.board,
        cluster=other,
        year=2024,
        members=[world.outsider_unit],
        head_unit=world.outsider_unit,
    )
    # Swap: Bắc Sơn goes to the other cluster, Sở Nội vụ comes to ours.
    rows = [
        {"row": 2, "cluster": "Cụm thi đua các huyện", "year": "2024", "order": "1",
         "unit": "UBND huyện Tây Sơn", "role": "Trưởng cụm"},
        {"row": 3, "cluster": "Cụm thi đua các huyện", "year": "2024", "order": "2",
         "unit": "Sở Nội vụ", "role": "Phó trưởng cụm"},
        {"row": 4, "cluster": "Cụm thi đua các sở", "year": "2024", "order": "1",
         "unit": "UBND huyện Bắc Sơn", "role": "Trưởng cụm"},
    ]  # fmt: skip

    membership_import.apply_membership_import(actor=world.board, organizer=world.org, raw_rows=rows)

    ours = ClusterYear.objects.get(cluster=world.cluster, year=2024)
    theirs = ClusterYear.objects.get(cluster=other, year=2024)
    assert [m.unit for m in ours.memberships.all()] == [world.h_new, world.outsider_unit]
    assert (ours.head_unit, ours.deputy_unit) == (world.h_new, world.outsider_unit)
    assert [m.unit for m in theirs.memberships.all()] == [world.member_unit]
    assert theirs.head_unit == world.member_unit
    assert Membership.objects.filter(year=2024, unit=world.outsider_unit).count() == 1


def test_membership_file_with_errors_changes_nothing_at_confirm(world, client_for):
    client = client_for(world.board)
    good = [
        ["Cụm thi đua các huyện", 2024, 1, "UBND huyện Bắc Sơn", "Trưởng cụm"],
        ["Cụm thi đua các huyện", 2024, 2, "UBND huyện Nam Sơn", ""],
    ]
    _preview, token = _upload_and_preview(
        client, "membership_import", upload(MEMBERSHIP_HEADERS, good)
    )
    # Before the confirmation, someone closes the year: the whole import is refused.
    services.cluster_year_set_status(
        actor=world.board, cluster_year=world.this_year, status="closed"
    )

    refused = _confirm(client, "membership_import", token)

    assert refused.context["plan"].has_errors
    world.this_year.refresh_from_db()
    assert world.this_year.head_unit == world.h_new
    assert world.this_year.memberships.count() == 4


def test_preview_page_shows_row_numbers_and_errors(world, client_for):
    preview, _token = _upload_and_preview(
        client_for(world.board),
        "membership_import",
        upload(
            MEMBERSHIP_HEADERS,
            [
                ["Cụm thi đua các huyện", 2025, 1, "UBND huyện Bắc Sơn", "Trưởng cụm"],
                ["Cụm thi đua các huyện", 2025, 2, "Xã Ma", ""],
            ],
        ),
    )

    html = preview.content.decode()
    row = re.search(r'data-row="3">(.*?)</tr>', html, re.S).group(1)
    assert "Xã Ma" in row
    assert str(membership_import.UNKNOWN_UNIT) % {"name": "Xã Ma"} in row
