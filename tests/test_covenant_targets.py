"""Targets: the grid of all members at once, and the Excel template and import."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import ActionLog
from covenants.models import Target, TargetValue
from covenants.services.drafting import parse_vi_decimal
from tests.test_covenant_drafting import add_target, make_covenant


def members(world):  # type: ignore[no-untyped-def]
    """this_year's members in the agreed order."""
    return [world.h_new, world.deputy_unit, world.member_unit, world.h_old]


def grid_data(covenant, world, **extra):  # type: ignore[no-untyped-def]
    """The grid as the page posts it, with the current values."""
    data = {"new_rows": "1"}
    for target in covenant.targets.prefetch_related("values"):
        values = {v.unit_id: v.value for v in target.values.all()}
        data[f"indicator_{target.pk}"] = target.indicator
        data[f"measure_{target.pk}"] = target.measure
        if target.carried_into_scoring:
            data[f"scoring_{target.pk}"] = "on"
        for unit in members(world):
            value = values.get(unit.pk)
            data[f"value_{target.pk}_{unit.pk}"] = "" if value is None else str(value)
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("9", Decimal(9)),
        ("95,5", Decimal("95.5")),
        ("1.234,5", Decimal("1234.5")),
        ("1.234", Decimal(1234)),
        ("12.345.678", Decimal(12345678)),
        ("9.5", Decimal("9.5")),
        (" 100 ", Decimal(100)),
        ("-2,5", Decimal("-2.5")),
        ("", None),
    ],
)
def test_numbers_are_read_as_vietnamese_write_them(text, value):
    assert parse_vi_decimal(text) == value


@pytest.mark.parametrize("text", ["abc", "9,5,1", "1,234.5", "12.34.5", "9 xã", "1,23456"])
def test_other_text_is_not_a_number(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        parse_vi_decimal(text)


def test_the_grid_has_a_column_per_member_in_the_agreed_order(world, client_for):
    covenant = make_covenant(world)
    add_target(covenant, world, "Thu ngân sách", {world.h_new: 100})
    page = (
        client_for(world.head_officer)
        .get(reverse("covenant_targets", args=[covenant.pk]))
        .content.decode()
    )
    target = covenant.targets.get()
    head = page[page.index('id="targets-grid"') : page.index("</thead>")]
    positions = [head.index(unit.name) for unit in members(world)]
    assert positions == sorted(positions)
    assert f'name="value_{target.pk}_{world.h_new.pk}"' in page
    assert f'name="value_new1_{world.member_unit.pk}"' in page


def test_saving_the_grid_writes_decimals_in_one_go(world, client_for):
    covenant = make_covenant(world)
    h_new, deputy, member, h_old = members(world)
    data = {
        "new_rows": "1",
        "indicator_new1": "Xã đạt chuẩn nông thôn mới nâng cao",
        "measure_new1": "xã",
        "scoring_new1": "on",
        f"value_new1_{h_new.pk}": "9",
        f"value_new1_{deputy.pk}": "1.234,5",
        f"value_new1_{member.pk}": "95,5",
        f"value_new1_{h_old.pk}": "0",
    }
    response = client_for(world.head_officer).post(
        reverse("covenant_targets", args=[covenant.pk]), data
    )
    assert response.status_code == 302
    target = Target.objects.get(covenant=covenant)
    assert (target.indicator, target.measure, target.carried_into_scoring) == (
        "Xã đạt chuẩn nông thôn mới nâng cao",
        "xã",
        True,
    )
    values = {v.unit_id: v.value for v in target.values.all()}
    assert values == {
        h_new.pk: Decimal(9),
        deputy.pk: Decimal("1234.5"),
        member.pk: Decimal("95.5"),
        h_old.pk: Decimal(0),
    }
    assert all(isinstance(value, Decimal) for value in values.values())
    entry = ActionLog.objects.get(action="covenants.covenant.target_added")
    assert entry.data["new"]["values"][str(deputy.pk)] == "1234.5"
    # Shown back as Vietnamese write it.
    page = (
        client_for(world.member_officer)
        .get(reverse("covenant_detail", args=[covenant.pk]))
        .content.decode()
    )
    assert "1.234,5" in page and "95,5" in page


def test_a_bad_value_keeps_what_was_typed_and_saves_nothing(world, client_for):
    covenant = make_covenant(world)
    add_target(covenant, world, "Thu ngân sách", dict.fromkeys(members(world), 100))
    target = covenant.targets.get()
    h_new, deputy, member, _h_old = members(world)
    data = grid_data(
        covenant,
        world,
        **{
            f"value_{target.pk}_{h_new.pk}": "120",
            f"value_{target.pk}_{member.pk}": "một trăm",
            "indicator_new1": "Tuyển quân",
            f"value_new1_{deputy.pk}": "100",
        },
    )
    response = client_for(world.head_officer).post(
        reverse("covenant_targets", args=[covenant.pk]), data
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="một trăm"' in page and 'value="120"' in page and 'value="Tuyển quân"' in page
    # The error sits with the bad cell.
    cell = f'id="id_value_{target.pk}_{member.pk}-error"'
    assert cell in page
    assert "một trăm" in page[page.index(cell) : page.index(cell) + 300]
    assert 'id="targets-errors"' in page
    assert covenant.targets.count() == 1
    assert TargetValue.objects.get(target=target, unit=h_new).value == Decimal(100)


def test_an_empty_indicator_or_a_duplicate_is_refused(world, client_for):
    covenant = make_covenant(world)
    add_target(covenant, world, "Thu ngân sách", dict.fromkeys(members(world), 100))
    url = reverse("covenant_targets", args=[covenant.pk])
    client = client_for(world.head_officer)
    response = client.post(url, grid_data(covenant, world, **{f"value_new1_{world.h_new.pk}": "5"}))
    assert (
        response.status_code == 200 and 'id="id_indicator_new1-error"' in response.content.decode()
    )
    response = client.post(url, grid_data(covenant, world, indicator_new1="thu ngan sach"))
    assert (
        response.status_code == 200 and 'id="id_indicator_new1-error"' in response.content.decode()
    )
    assert covenant.targets.count() == 1


def test_updating_and_deleting_targets(world, client_for):
    covenant = make_covenant(world)
    add_target(covenant, world, "Thu ngân sách", dict.fromkeys(members(world), 100))
    add_target(covenant, world, "Tuyển quân", dict.fromkeys(members(world), 100))
    first, second = covenant.targets.all()
    data = grid_data(
        covenant,
        world,
        **{
            f"value_{first.pk}_{world.h_new.pk}": "110,5",
            f"measure_{first.pk}": "%",
            f"delete_{second.pk}": "on",
        },
    )
    response = client_for(world.board).post(reverse("covenant_targets", args=[covenant.pk]), data)
    assert response.status_code == 302
    assert list(covenant.targets.values_list("indicator", flat=True)) == ["Thu ngân sách"]
    assert TargetValue.objects.get(target=first, unit=world.h_new).value == Decimal("110.5")
    updated = ActionLog.objects.get(action="covenants.covenant.target_updated")
    assert updated.data["measure"] == {"old": "xã", "new": "%"}
    assert ActionLog.objects.filter(action="covenants.covenant.target_deleted").exists()


def test_leaving_a_value_empty_needs_the_confirmation(world, client_for):
    covenant = make_covenant(world)
    data = {
        "new_rows": "1",
        "indicator_new1": "Tuyển quân",
        f"value_new1_{world.h_new.pk}": "100",
        f"value_new1_{world.deputy_unit.pk}": "100",
        f"value_new1_{world.member_unit.pk}": "100",
    }
    url = reverse("covenant_targets", args=[covenant.pk])
    client = client_for(world.head_officer)
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="confirm_warnings"' in page and world.h_old.name in page
    assert not covenant.targets.exists()
    response = client.post(url, {**data, "confirm_warnings": "on"})
    assert response.status_code == 302
    assert covenant.targets.get().values.count() == 3


# Excel ------------------------------------------------------------------------------------------


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("chi-tieu.xlsx", content)


def _workbook(rows) -> bytes:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_template_lists_the_targets_and_a_column_per_member(world, client_for):
    covenant = make_covenant(world)
    add_target(
        covenant, world, '=HYPERLINK("http://x")', {world.h_new: Decimal("95.5")}, scoring=True
    )
    response = client_for(world.head_officer).get(
        reverse("covenant_targets_template", args=[covenant.pk])
    )
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["Chỉ tiêu", "Đơn vị tính", "Đưa vào chấm điểm"] + [
        unit.name for unit in members(world)
    ]
    assert rows[1][:4] == ('=HYPERLINK("http://x")', "xã", "x", 95.5)
    assert sheet.cell(row=2, column=1).data_type == "s"  # text, never a formula


def test_template_then_import_round_trip(world, client_for):
    covenant = make_covenant(world)
    add_target(covenant, world, "Thu ngân sách", dict.fromkeys(members(world), 100))
    client = client_for(world.head_officer)
    template = client.get(reverse("covenant_targets_template", args=[covenant.pk])).content
    book = load_workbook(io.BytesIO(template))
    sheet = book.active
    sheet.cell(row=2, column=4, value=120)
    sheet.append(["Xã đạt chuẩn nông thôn mới nâng cao", "xã", "x", 9, "1.234,5", "95,5", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    url = reverse("covenant_targets_import", args=[covenant.pk])
    response = client.post(url, {"step": "upload", "file": _upload(buffer.getvalue())})
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "Xã đạt chuẩn nông thôn mới nâng cao" in preview and 'id="confirm-import"' in preview
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    assert covenant.targets.get().indicator == "Thu ngân sách"  # nothing saved yet
    response = client.post(url, {"step": "confirm", "token": token})
    assert response.status_code == 302
    targets = list(covenant.targets.prefetch_related("values"))
    assert [t.indicator for t in targets] == [
        "Thu ngân sách",
        "Xã đạt chuẩn nông thôn mới nâng cao",
    ]
    assert targets[1].carried_into_scoring is True
    values = {v.unit_id: v.value for v in targets[1].values.all()}
    assert values == {
        world.h_new.pk: Decimal(9),
        world.deputy_unit.pk: Decimal("1234.5"),
        world.member_unit.pk: Decimal("95.5"),
        world.h_old.pk: Decimal(3),
    }
    assert TargetValue.objects.get(target=targets[0], unit=world.h_new).value == Decimal(120)
    assert ActionLog.objects.filter(action="covenants.covenant.targets_imported").exists()


def test_a_bad_row_is_reported_with_its_number_and_nothing_is_saved(world, client_for):
    covenant = make_covenant(world)
    add_target(covenant, world, "Thu ngân sách", dict.fromkeys(members(world), 100))
    names = [unit.name for unit in members(world)]
    content = _workbook(
        [
            ["Chỉ tiêu", "Đơn vị tính", "Đưa vào chấm điểm", *names],
            ["Tuyển quân", "%", "", 100, 100, 100, 100],
            ["Xã nông thôn mới", "xã", "x", 9, "chín", 3, 2],
            ["", "xã", "", 1, 1, 1, 1],
            ["tuyen quan", "%", "", 1, 1, 1, 1],
        ]
    )
    client = client_for(world.head_officer)
    url = reverse("covenant_targets_import", args=[covenant.pk])
    response = client.post(url, {"step": "upload", "file": _upload(content)})
    preview = client.get(response["Location"]).content.decode()
    assert 'id="confirm-import"' not in preview
    for row in ("3", "4", "5"):
        assert f'data-row="{row}"' in preview
    bad = preview[preview.index('data-row="3"') :]
    bad = bad[: bad.index("</tr>")]
    assert (
        "preview-error"
        in preview[preview.index('data-row="3"') - 60 : preview.index('data-row="3"')]
    )
    assert "chín" in bad and world.deputy_unit.name in bad
    good = preview[preview.index('data-row="2"') - 60 : preview.index('data-row="2"')]
    assert "preview-error" not in good
    # Confirming anyway (a forged request) saves nothing.
    token = re.search(r"token=([\w-]+)", response["Location"]).group(1)
    client.post(url, {"step": "confirm", "token": token})
    assert list(covenant.targets.values_list("indicator", flat=True)) == ["Thu ngân sách"]
    assert not ActionLog.objects.filter(action="covenants.covenant.targets_imported").exists()


def test_an_unknown_unit_column_is_an_error(world, client_for):
    covenant = make_covenant(world)
    content = _workbook(
        [
            ["Chỉ tiêu", "Đơn vị tính", "Đưa vào chấm điểm", world.h_new.name, "UBND huyện Lạ"],
            ["Tuyển quân", "%", "", 100, 100],
        ]
    )
    client = client_for(world.head_officer)
    url = reverse("covenant_targets_import", args=[covenant.pk])
    response = client.post(url, {"step": "upload", "file": _upload(content)})
    preview = client.get(response["Location"]).content.decode()
    assert "UBND huyện Lạ" in preview and 'id="confirm-import"' not in preview


def test_a_file_that_is_not_a_workbook_is_refused_at_upload(world, client_for):
    covenant = make_covenant(world)
    response = client_for(world.head_officer).post(
        reverse("covenant_targets_import", args=[covenant.pk]),
        {"step": "upload", "file": SimpleUploadedFile("x.xlsx", b"%PDF-1.4 not excel")},
    )
    assert response.status_code == 200
    assert not covenant.targets.exists()


def test_an_import_token_of_another_covenant_is_expired(world, client_for):
    covenant = make_covenant(world)
    other = make_covenant(world, year=world.last_year)
    client = client_for(world.board)
    content = _workbook([["Chỉ tiêu", world.h_new.name], ["Tuyển quân", 100]])
    response = client.post(
        reverse("covenant_targets_import", args=[other.pk]),
        {"step": "upload", "file": _upload(content)},
    )
    token = re.search(r"token=([\w-]+)", response["Location"]).group(1)
    client.post(
        reverse("covenant_targets_import", args=[covenant.pk]), {"step": "confirm", "token": token}
    )
    assert not covenant.targets.exists()
