"""Warnings about a covenant's content: stale or far-off years, empty target values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from covenants.models import Covenant
from covenants.services.drafting import SectionInput, UnconfirmedWarnings, covenant_sections_save
from covenants.services.warnings import (
    TargetData,
    covenant_warnings,
    target_warnings,
    text_year_warnings,
)
from tests.test_covenant_drafting import SEED_SLIP, add_sections, add_target, make_covenant

PLANNING = "Về quy hoạch, đầu tư công"


def test_the_seed_slip_1945_is_flagged_with_its_fragment():
    warnings = text_year_warnings(SEED_SLIP, year=2023, place="Mục “Về quy hoạch”")
    assert len(warnings) == 1
    message = warnings[0].message
    assert "1945" in message
    assert "quy hoạch chung đô thị Bắc Ninh đến năm 1945" in message
    assert "Mục “Về quy hoạch”" in message


@pytest.mark.parametrize(
    "text",
    [
        "quy hoạch chung đô thị Bắc Ninh đến năm 2045",
        "tầm nhìn đến năm 2050",
        "Kế hoạch số 21/KH-UBND ngày 30/01/2023",
        "Quyết định số 1830/QĐ-UBND",  # a document number, not a year
        "phấn đấu 1.500 hộ thoát nghèo",
        "giai đoạn 2021 - 2025",
        "",
    ],
)
def test_plausible_years_are_not_flagged(text):
    assert text_year_warnings(text, year=2023, place="x") == []


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("thực hiện từ năm 1960", "1960"),
        ("mục tiêu năm 2099", "2099"),
        ("hoàn thành tới năm 2020", "2020"),  # a horizon already past, though near
    ],
)
def test_far_or_past_years_are_flagged(text, year):
    warnings = text_year_warnings(text, year=2023, place="x")
    assert len(warnings) == 1
    assert year in warnings[0].message


def test_empty_values_and_units_without_any_value():
    members = [(1, "phường Đức Xuân"), (2, "xã Dương Quang"), (3, "phường Sông Cầu")]
    targets = [
        TargetData(indicator="Thu ngân sách", values={1: Decimal(100), 2: None}),
        TargetData(indicator="Tuyển quân", values={1: Decimal(100), 2: Decimal(100)}),
    ]
    messages = [warning.message for warning in target_warnings(targets, members)]
    assert any("Thu ngân sách" in m and "xã Dương Quang" in m for m in messages)
    # Sông Cầu has nothing at all: one warning naming it, not one per target.
    assert sum("phường Sông Cầu" in m for m in messages) == 1
    assert not any("phường Đức Xuân" in m for m in messages)
    assert target_warnings([], members) == []


def test_a_target_empty_for_every_unit_is_one_warning():
    members = [(1, "phường Đức Xuân"), (2, "xã Dương Quang")]
    targets = [
        TargetData(indicator="09 xã đạt chuẩn (toàn cụm)", values={}),
        TargetData(indicator="Tuyển quân", values={1: Decimal(100)}),
    ]
    warnings = target_warnings(targets, members)
    assert [w.kind for w in warnings] == ["target_no_values", "target_empty"]
    assert "09 xã đạt chuẩn (toàn cụm)" in warnings[0].message
    assert "xã Dương Quang" in warnings[1].message and "Tuyển quân" in warnings[1].message


def test_covenant_warnings_name_the_section(world):
    covenant = make_covenant(world, year=world.last_year)
    add_sections(covenant, world, [("Về kinh tế", "Tăng trưởng"), (PLANNING, SEED_SLIP)])
    warnings = covenant_warnings(covenant)
    flagged = [w for w in warnings if "1945" in w.message]
    assert len(flagged) == 1
    assert flagged[0].section_heading == PLANNING
    assert PLANNING in flagged[0].message
    # "tầm nhìn đến năm 2050" is quoted with it but never flagged on its own.
    assert [w for w in warnings if w.kind.startswith("text")] == flagged


def test_covenant_warnings_read_the_header_fields(world):
    covenant = make_covenant(world, theme="Chào mừng kỷ niệm năm 1930", legal_bases="Luật 2099")
    messages = " ".join(w.message for w in covenant_warnings(covenant))
    assert "1930" in messages and "2099" in messages


def test_the_covenant_page_lists_the_warnings(world, client_for):
    covenant = make_covenant(world, year=world.last_year)
    add_sections(covenant, world, [(PLANNING, SEED_SLIP)])
    add_target(covenant, world, "Xã đạt chuẩn nông thôn mới nâng cao", {world.h_old: 9})
    page = (
        client_for(world.member_officer)
        .get(reverse("covenant_detail", args=[covenant.pk]))
        .content.decode()
    )
    block = page[page.index('id="covenant-warnings"') :]
    block = block[: block.index("</div>")]
    assert "1945" in block and PLANNING in block
    assert "Xã đạt chuẩn nông thôn mới nâng cao" in block and world.h_new.name in block
    assert block.count('data-kind="text_') == 1  # 2050 is quoted, never flagged itself


def test_a_save_bringing_new_warnings_is_rolled_back_unless_confirmed(world):
    covenant = make_covenant(world)
    with pytest.raises(UnconfirmedWarnings) as refused:
        covenant_sections_save(
            actor=world.board, covenant=covenant, sections=[SectionInput(PLANNING, SEED_SLIP)]
        )
    assert any("1945" in str(w) for w in refused.value.warnings)
    assert not covenant.sections.exists()
    covenant_sections_save(
        actor=world.board,
        covenant=covenant,
        sections=[SectionInput(PLANNING, SEED_SLIP)],
        confirm_warnings=True,
    )
    assert covenant.sections.get().body == SEED_SLIP
    # The same warning again is not new: no confirmation needed.
    covenant_sections_save(
        actor=world.board,
        covenant=covenant,
        sections=[SectionInput(PLANNING, SEED_SLIP), SectionInput("Về văn hóa", "")],
    )
    assert covenant.sections.count() == 2


def test_the_sections_page_asks_before_saving_new_warnings(world, client_for):
    covenant = make_covenant(world)
    url = reverse("covenant_sections", args=[covenant.pk])
    data = {
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "0",
        "sections-0-heading": PLANNING,
        "sections-0-body": SEED_SLIP,
        "sections-0-ORDER": "1",
    }
    client = client_for(world.head_officer)
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="confirm_warnings"' in page and "1945" in page
    assert not covenant.sections.exists()
    response = client.post(url, {**data, "confirm_warnings": "on"})
    assert response.status_code == 302
    assert covenant.sections.get().heading == PLANNING


def test_warnings_never_block_an_adopted_covenant_page(world, client_for):
    covenant = make_covenant(world, preamble=SEED_SLIP)
    Covenant.objects.filter(pk=covenant.pk).update(state="signed")
    response = client_for(world.board).get(reverse("covenant_detail", args=[covenant.pk]))
    assert "1945" in response.content.decode()


def test_a_conference_date_outside_the_covenants_year_is_a_warning(world):
    import datetime as dt

    from django.utils import translation

    from covenants.models import Covenant
    from covenants.services.warnings import covenant_warnings

    covenant = Covenant.objects.create(
        cluster_year=world.this_year, title="Giao ước", conference_date=dt.date(2023, 3, 15)
    )
    with translation.override("en"):
        messages = [warning.message for warning in covenant_warnings(covenant)]
    assert "The conference date 15/03/2023 is not in 2024, the covenant's year." in messages

    covenant.conference_date = dt.date(2024, 3, 15)
    assert not any(w.kind == "conference_date" for w in covenant_warnings(covenant))
