"""Drafting a covenant: creating it (from scratch, from last year's), the covenant
page, editing the header, sections, guests and adopted documents, and who may do it."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from core.models import ActionLog
from covenants.models import AdoptedDocument, Covenant, CovenantSection, Target, TargetValue
from covenants.services import drafting as services
from covenants.services.drafting import SectionInput, TargetInput
from covenants.services.messages import (
    COVENANT_EXISTS_FOR_YEAR,
    COVENANT_NOT_EDITABLE,
    DOCUMENT_TYPE_NOT_ALLOWED,
    WITNESS_BOARD_ONLY,
)

SEED_SLIP = (
    "Tập trung hoàn thành quy hoạch chung đô thị Bắc Ninh đến năm 1945, tầm nhìn đến năm 2050."
)


# Helpers shared by the covenant test modules (imported by name; no tests here) -------------


def make_covenant(world, *, year=None, actor=None, **fields):  # type: ignore[no-untyped-def]
    """The covenant of ``year`` (this_year by default), created through the service."""
    cluster_year = year or world.this_year
    covenant = services.covenant_create(
        actor=actor or world.board,
        cluster_year=cluster_year,
        title=fields.pop("title", f"Giao ước thi đua năm {cluster_year.year}"),
        theme=fields.pop("theme", ""),
        place_name=fields.pop("place_name", "Tây Sơn"),
    )
    if fields:
        Covenant.objects.filter(pk=covenant.pk).update(**fields)
        covenant.refresh_from_db()
    return covenant


def add_sections(covenant, world, sections):  # type: ignore[no-untyped-def]
    return services.covenant_sections_save(
        actor=world.board,
        covenant=covenant,
        sections=[SectionInput(heading=heading, body=body) for heading, body in sections],
        confirm_warnings=True,
    )


def add_target(covenant, world, indicator, values, measure="xã", scoring=False):  # type: ignore[no-untyped-def]
    """Append one target; ``values`` maps units to numbers (others left empty)."""
    existing = [
        TargetInput(
            key=str(target.pk),
            pk=target.pk,
            indicator=target.indicator,
            measure=target.measure,
            carried_into_scoring=target.carried_into_scoring,
            values={v.unit_id: v.value for v in target.values.all()},
        )
        for target in covenant.targets.prefetch_related("values")
    ]
    members = covenant.cluster_year.memberships.values_list("unit_id", flat=True)
    new = TargetInput(
        key="new1",
        indicator=indicator,
        measure=measure,
        carried_into_scoring=scoring,
        values=dict.fromkeys(members)
        | {unit.pk: Decimal(str(value)) for unit, value in values.items()},
    )
    return services.targets_save(
        actor=world.board, covenant=covenant, rows=[*existing, new], confirm_warnings=True
    )


def docx_bytes() -> bytes:
    """The same bytes at every call: each part dated, not stamped with the clock (two
    calls a second apart differed in the zip's time field, and a download compared with
    a second call failed now and then)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<document/>"),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# Creating ------------------------------------------------------------------------------------


def test_the_year_page_links_to_the_covenant(world, client_for):
    response = client_for(world.member_officer).get(
        reverse("cluster_year_detail", args=[world.this_year.pk])
    )
    assert reverse("covenant_list_for_year", args=[world.this_year.pk]) in page_text(response)


def test_the_head_sees_a_prefilled_create_form(world, client_for):
    world.this_year.theme = "Đoàn kết, sáng tạo, về đích sớm"
    world.this_year.save()
    world.h_new.short_name = "Tây Sơn"
    world.h_new.save()
    page = page_text(
        client_for(world.head_officer).get(
            reverse("covenant_list_for_year", args=[world.this_year.pk])
        )
    )
    assert 'value="Giao ước thi đua năm 2024"' in page
    assert "Đoàn kết, sáng tạo, về đích sớm" in page
    assert 'value="Tây Sơn"' in page
    # No covenant last year: only "from scratch" is offered.
    assert 'value="copy"' not in page


def test_creating_from_scratch(world, client_for):
    response = client_for(world.head_officer).post(
        reverse("covenant_create", args=[world.this_year.pk]),
        {
            "start": "scratch",
            "title": "Giao ước thi đua năm 2024",
            "theme": "",
            "place_name": "Tây Sơn",
        },
    )
    covenant = Covenant.objects.get(cluster_year=world.this_year)
    assert response.status_code == 302
    assert response["Location"] == reverse("covenant_detail", args=[covenant.pk])
    assert (covenant.version, covenant.state, covenant.place_name) == (1, "draft", "Tây Sơn")
    assert covenant.created_by == world.head_officer
    entry = ActionLog.objects.get(action="covenants.covenant.created")
    assert entry.scope_id == world.org.pk
    assert entry.data["new"]["title"] == "Giao ước thi đua năm 2024"


def test_only_one_covenant_a_year(world, client_for):
    make_covenant(world)
    response = client_for(world.board).post(
        reverse("covenant_create", args=[world.this_year.pk]),
        {"start": "scratch", "title": "Thứ hai", "theme": "", "place_name": ""},
    )
    assert Covenant.objects.filter(cluster_year=world.this_year).count() == 1
    # The page lists the existing version and no longer offers to create one.
    assert "Thứ hai" not in page_text(response)
    with pytest.raises(Exception) as refused:
        make_covenant(world)
    assert str(COVENANT_EXISTS_FOR_YEAR) % {"year": 2024} in str(refused.value)


def test_creating_from_last_years_covenant_copies_the_content(world, client_for):
    last = make_covenant(world, year=world.last_year, title="Giao ước thi đua năm 2023")
    add_sections(last, world, [("Về kinh tế", "Phấn đấu 09 xã đạt chuẩn."), ("Về văn hóa", "")])
    # h_old, h_new, deputy_unit and member_unit were members in 2023; all but
    # member_unit get a value, and a unit that left (added below) must not come along.
    add_target(
        last,
        world,
        "Xã đạt chuẩn nông thôn mới nâng cao",
        {world.h_old: 9, world.h_new: 3, world.deputy_unit: Decimal("2.5")},
    )
    services.covenant_guests_save(
        actor=world.board,
        covenant=last,
        guests=[services.GuestInput(name="Đàm Văn Bắc", position="Phó Trưởng ban")],
    )
    Covenant.objects.filter(pk=last.pk).update(state="signed", legal_bases="Kế hoạch 21/KH-UBND")
    # deputy_unit is no member in 2024 any more.
    world.this_year.memberships.filter(unit=world.deputy_unit).delete()

    page = page_text(
        client_for(world.head_officer).get(
            reverse("covenant_list_for_year", args=[world.this_year.pk])
        )
    )
    assert 'value="copy"' in page

    client_for(world.head_officer).post(
        reverse("covenant_create", args=[world.this_year.pk]),
        {
            "start": "copy",
            "title": "Giao ước thi đua năm 2024",
            "theme": "",
            "place_name": "Tây Sơn",
        },
    )
    covenant = Covenant.objects.get(cluster_year=world.this_year)
    assert [s.heading for s in covenant.sections.all()] == ["Về kinh tế", "Về văn hóa"]
    assert covenant.sections.first().body == "Phấn đấu 09 xã đạt chuẩn."
    assert covenant.legal_bases == "Kế hoạch 21/KH-UBND"
    assert [g.name for g in covenant.guests.all()] == ["Đàm Văn Bắc"]
    target = covenant.targets.get()
    assert target.indicator == "Xã đạt chuẩn nông thôn mới nâng cao"
    values = {v.unit_id: v.value for v in target.values.all()}
    assert values == {world.h_old.pk: Decimal(9), world.h_new.pk: Decimal(3)}
    entry = ActionLog.objects.filter(action="covenants.covenant.created").latest("pk")
    assert entry.data["source"]["id"] == last.pk
    assert entry.data["copied"]["sections"] == 2
    assert entry.data["copied"]["target_values"] == 2
    # The source is untouched.
    assert last.sections.count() == 2
    assert last.targets.get().values.count() == 3


# The covenant page ---------------------------------------------------------------------------


def test_the_covenant_page_shows_the_whole_covenant(world, client_for, settings, tmp_path):
    covenant = make_covenant(
        world,
        number="01/GƯTĐ-CTĐ",
        theme="Đoàn kết, đổi mới",
        legal_bases="Kế hoạch số 21/KH-UBND ngày 30/01/2024\nQuyết định số 42/QĐ-UBND",
        conference_date=dt.date(2024, 3, 17),
        conference_place="Hội trường UBND huyện Tây Sơn",
        chair_name="Phạm Thanh Hải",
        chair_position="Chủ tịch UBND huyện",
    )
    add_sections(covenant, world, [("Về kinh tế", "Tăng trưởng 8,5%"), ("Về quốc phòng", "")])
    everyone = (world.h_new, world.deputy_unit, world.member_unit, world.h_old)
    add_target(covenant, world, "Thu ngân sách", dict.fromkeys(everyone, 100))
    services.covenant_guests_save(
        actor=world.board,
        covenant=covenant,
        guests=[services.GuestInput(name="Đàm Văn Bắc", position="Phó Trưởng ban Thi đua")],
    )
    services.covenant_document_add(
        actor=world.board,
        covenant=covenant,
        kind="regulations",
        title="Quy chế hoạt động cụm",
        upload=SimpleUploadedFile("Quy chế.pdf", b"%PDF-1.4 test"),
    )
    page = page_text(
        client_for(world.member_officer).get(reverse("covenant_detail", args=[covenant.pk]))
    )
    for text in ("01/GƯTĐ-CTĐ", "Đoàn kết, đổi mới", "Kế hoạch số 21/KH-UBND ngày 30/01/2024",
                 "17/03/2024", "Hội trường UBND huyện Tây Sơn", "Phạm Thanh Hải",
                 "Đàm Văn Bắc", "Về kinh tế", "Tăng trưởng 8,5%", "Thu ngân sách",
                 "Quy chế hoạt động cụm"):  # fmt: skip
        assert text in page, text
    # Sections in order, member columns in the agreed order.
    assert page.index("Về kinh tế") < page.index("Về quốc phòng")
    names = [world.h_new.name, world.deputy_unit.name, world.member_unit.name, world.h_old.name]
    header = page[page.index('id="targets-table"') :]
    positions = [header.index(name) for name in names]
    assert positions == sorted(positions)
    document = covenant.documents.get()
    assert reverse("covenant_document_file", args=[covenant.pk, document.pk]) in page
    # A member sees no edit buttons.
    assert reverse("covenant_edit", args=[covenant.pk]) not in page


def test_the_manager_sees_edit_buttons_and_a_read_only_banner_after_adoption(world, client_for):
    covenant = make_covenant(world)
    url = reverse("covenant_detail", args=[covenant.pk])
    assert reverse("covenant_edit", args=[covenant.pk]) in page_text(
        client_for(world.head_officer).get(url)
    )
    Covenant.objects.filter(pk=covenant.pk).update(state="adopted")
    page = page_text(client_for(world.head_officer).get(url))
    assert reverse("covenant_edit", args=[covenant.pk]) not in page
    assert "read-only-banner" in page


def _grow(world, covenant, sections, targets, extra_members, tag=""):  # type: ignore[no-untyped-def]
    from tests.factories import UnitFactory, add_members

    units = [UnitFactory(organizer=world.org) for _ in range(extra_members)]
    add_members(world.this_year, units)
    existing = [(s.heading, s.body) for s in covenant.sections.all()]
    add_sections(
        covenant, world, existing + [(f"Mục {tag}{n}", f"Nội dung {n}") for n in range(sections)]
    )
    for n in range(targets):
        add_target(
            covenant, world, f"Chỉ tiêu {tag}{n}", {world.h_new: n, units[0]: n} if units else {}
        )
    for n in range(sections):
        covenant.comments.create(author=world.member_officer, unit=world.member_unit, text=f"Ý {n}")


@pytest.mark.parametrize("size", [1, 6])
def test_the_covenant_page_takes_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries, size
):
    covenant = make_covenant(world)
    _grow(world, covenant, sections=size * 2, targets=size, extra_members=size)
    client = client_for(world.board)
    url = reverse("covenant_detail", args=[covenant.pk])
    client.get(url)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(24):
        response = client.get(url)
    assert f"Chỉ tiêu {size - 1}" in page_text(response)


def test_the_query_count_does_not_grow_with_the_covenant(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    covenant = make_covenant(world)
    client = client_for(world.board)
    url = reverse("covenant_detail", args=[covenant.pk])
    _grow(world, covenant, sections=1, targets=1, extra_members=1)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _grow(world, covenant, sections=5, targets=7, extra_members=6, tag="b")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


# Editing ---------------------------------------------------------------------------------------


def test_the_head_edits_the_header(world, client_for):
    covenant = make_covenant(world)
    response = client_for(world.head_officer).post(
        reverse("covenant_edit", args=[covenant.pk]),
        {
            "number": "01/GƯTĐ",
            "title": "Giao ước thi đua năm 2024",
            "theme": "Kỷ cương, hành động",
            "legal_bases": "Kế hoạch số 5/KH-UBND ngày 10/01/2024",
            "preamble": "",
            "closing": "Các đơn vị cam kết thực hiện.",
            "conference_date": "17/03/2024",
            "conference_place": "UBND huyện Tây Sơn",
            "place_name": "Tây Sơn",
            "chair_name": "Nguyễn Văn A",
            "chair_position": "Chủ tịch",
        },
    )
    assert response.status_code == 302
    covenant.refresh_from_db()
    assert covenant.conference_date == dt.date(2024, 3, 17)
    assert covenant.number == "01/GƯTĐ"
    entry = ActionLog.objects.get(action="covenants.covenant.updated")
    assert entry.data["conference_date"] == {"old": None, "new": "2024-03-17"}
    assert entry.scope_id == world.org.pk


def test_only_the_board_decides_on_a_witness(world, client_for):
    covenant = make_covenant(world)
    data = {"title": covenant.title, "place_name": "Tây Sơn", "needs_witness": "on"}
    client_for(world.head_officer).post(reverse("covenant_edit", args=[covenant.pk]), data)
    covenant.refresh_from_db()
    assert covenant.needs_witness is False  # the field is disabled for the head
    with pytest.raises(Exception) as refused:
        services.covenant_update(actor=world.head_officer, covenant=covenant, needs_witness=True)
    assert str(WITNESS_BOARD_ONLY) in str(refused.value)
    client_for(world.board).post(reverse("covenant_edit", args=[covenant.pk]), data)
    covenant.refresh_from_db()
    assert covenant.needs_witness is True


def test_a_save_with_new_warnings_asks_for_confirmation(world, client_for):
    covenant = make_covenant(world)
    url = reverse("covenant_edit", args=[covenant.pk])
    data = {"title": covenant.title, "place_name": "Tây Sơn", "preamble": SEED_SLIP}
    client = client_for(world.head_officer)
    response = client.post(url, data)
    covenant.refresh_from_db()
    assert response.status_code == 200
    assert covenant.preamble == ""  # not saved yet
    page = page_text(response)
    assert 'name="confirm_warnings"' in page
    assert "1945" in page and escape(SEED_SLIP[:40]) in page  # typed text kept
    response = client.post(url, {**data, "confirm_warnings": "on"})
    assert response.status_code == 302
    covenant.refresh_from_db()
    assert covenant.preamble == SEED_SLIP
    # Saving again without changes brings no NEW warning: no question.
    response = client.post(url, {**data, "chair_name": "Ai đó"})
    assert response.status_code == 302


def test_sections_are_added_reordered_and_deleted_in_one_save(world, client_for):
    covenant = make_covenant(world)
    first, second = add_sections(covenant, world, [("Về kinh tế", "A"), ("Về văn hóa", "B")])
    url = reverse("covenant_sections", args=[covenant.pk])
    page = page_text(client_for(world.head_officer).get(url))
    assert "Về kinh tế" in page and 'name="sections-TOTAL_FORMS"' in page
    response = client_for(world.head_officer).post(
        url,
        {
            "sections-TOTAL_FORMS": "3",
            "sections-INITIAL_FORMS": "2",
            "sections-0-id": first.pk,
            "sections-0-heading": "Về kinh tế",
            "sections-0-body": "A",
            "sections-0-ORDER": "2",
            "sections-1-id": second.pk,
            "sections-1-heading": "Về văn hóa - xã hội",
            "sections-1-body": "B",
            "sections-1-ORDER": "1",
            "sections-1-DELETE": "",
            "sections-2-heading": "Về quốc phòng",
            "sections-2-body": "C",
            "sections-2-ORDER": "3",
        },
    )
    assert response.status_code == 302
    assert [(s.order, s.heading) for s in covenant.sections.all()] == [
        (1, "Về văn hóa - xã hội"),
        (2, "Về kinh tế"),
        (3, "Về quốc phòng"),
    ]
    actions = set(ActionLog.objects.values_list("action", flat=True))
    assert {"covenants.covenant.section_added", "covenants.covenant.section_updated",
            "covenants.covenant.section_moved"} <= actions  # fmt: skip
    response = client_for(world.head_officer).post(
        url,
        {
            "sections-TOTAL_FORMS": "1",
            "sections-INITIAL_FORMS": "1",
            "sections-0-id": first.pk,
            "sections-0-heading": "Về kinh tế",
            "sections-0-body": "A",
            "sections-0-ORDER": "1",
            "sections-0-DELETE": "on",
        },
    )
    assert response.status_code == 302
    assert not CovenantSection.objects.filter(pk=first.pk).exists()
    assert ActionLog.objects.filter(action="covenants.covenant.section_deleted").exists()


def test_guests_are_saved_in_order(world, client_for):
    covenant = make_covenant(world)
    response = client_for(world.head_officer).post(
        reverse("covenant_guests", args=[covenant.pk]),
        {
            "guests-TOTAL_FORMS": "2",
            "guests-INITIAL_FORMS": "0",
            "guests-0-name": "Phạm Thanh Hải",
            "guests-0-position": "Chủ tịch UBND huyện",
            "guests-0-ORDER": "2",
            "guests-1-name": "Đàm Văn Bắc",
            "guests-1-position": "Phó Trưởng ban",
            "guests-1-ORDER": "1",
        },
    )
    assert response.status_code == 302
    assert [g.name for g in covenant.guests.all()] == ["Đàm Văn Bắc", "Phạm Thanh Hải"]
    assert ActionLog.objects.filter(action="covenants.covenant.guests_changed").exists()


@pytest.mark.parametrize("state", ["adopted", "signing", "signed"])
def test_editing_is_refused_once_adopted(world, client_for, state):
    covenant = make_covenant(world)
    Covenant.objects.filter(pk=covenant.pk).update(state=state)
    client = client_for(world.head_officer)
    for name in ("covenant_edit", "covenant_sections", "covenant_guests", "covenant_documents",
                 "covenant_targets", "covenant_targets_import"):  # fmt: skip
        response = client.post(reverse(name, args=[covenant.pk]), {"title": "Đổi"}, follow=True)
        assert escape(str(COVENANT_NOT_EDITABLE)) in page_text(response), name
    covenant.refresh_from_db()
    assert covenant.title != "Đổi"
    with pytest.raises(Exception) as refused:
        services.covenant_update(actor=world.board, covenant=covenant, title="Đổi")
    assert str(COVENANT_NOT_EDITABLE) in str(refused.value)


# Adopted documents -------------------------------------------------------------------------------


def test_documents_are_uploaded_checked_by_content_and_downloaded(world, client_for):
    covenant = make_covenant(world)
    client = client_for(world.head_officer)
    url = reverse("covenant_documents", args=[covenant.pk])
    response = client.post(
        url,
        {
            "kind": "criteria",
            "title": "",
            "file": SimpleUploadedFile("../../Tiêu chí chấm điểm.docx", docx_bytes()),
        },
    )
    assert response.status_code == 302
    document = covenant.documents.get()
    assert document.title == str(AdoptedDocument.Kind.CRITERIA.label)
    assert "tieu-chi-cham-diem" in document.file.name.split("/")[-1]  # the title's slug
    assert document.file.name.endswith(".docx") and ".." not in document.file.name
    download = client_for(world.member_officer).get(
        reverse("covenant_document_file", args=[covenant.pk, document.pk])
    )
    assert b"".join(download.streaming_content) == docx_bytes()
    assert ActionLog.objects.filter(action="covenants.covenant.document_added").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("quy-che.pdf", b"MZ\x90\x00 this is an executable"),
        ("quy-che.docx", b"%PDF-1.4 a pdf called docx"),
        ("bang-diem.xlsx", docx_bytes()),  # a Word file called .xlsx
        ("quy-che.exe", b"%PDF-1.4"),
        ("quy-che.html", b"<script>alert(1)</script>"),
    ],
)
def test_a_disguised_document_is_refused(world, client_for, name, content):
    covenant = make_covenant(world)
    response = client_for(world.head_officer).post(
        reverse("covenant_documents", args=[covenant.pk]),
        {"kind": "regulations", "title": "Quy chế", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert escape(str(DOCUMENT_TYPE_NOT_ALLOWED)) in page_text(response)
    assert not covenant.documents.exists()


def test_old_office_files_are_accepted(world):
    covenant = make_covenant(world)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    document = services.covenant_document_add(
        actor=world.board,
        covenant=covenant,
        kind="scoring_table",
        title="Bảng điểm",
        upload=SimpleUploadedFile("Bảng điểm.xls", ole),
    )
    assert document.file.name.rsplit("/", 1)[-1].startswith("bang-diem")
    assert document.file.name.endswith(".xls")


def test_document_size_is_capped(world, client_for, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    covenant = make_covenant(world)
    client_for(world.head_officer).post(
        reverse("covenant_documents", args=[covenant.pk]),
        {"kind": "regulations", "file": SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 2000)},
    )
    assert not covenant.documents.exists()


def test_removing_a_document_asks_and_logs(world, client_for):
    covenant = make_covenant(world)
    document = services.covenant_document_add(
        actor=world.board,
        covenant=covenant,
        kind="regulations",
        title="Quy chế",
        upload=SimpleUploadedFile("q.pdf", b"%PDF-1.7"),
    )
    page = page_text(
        client_for(world.head_officer).get(reverse("covenant_documents", args=[covenant.pk]))
    )
    assert "data-confirm" in page
    client_for(world.head_officer).post(
        reverse("covenant_document_delete", args=[covenant.pk, document.pk])
    )
    assert not covenant.documents.exists()
    assert ActionLog.objects.filter(action="covenants.covenant.document_deleted").exists()


def test_a_document_of_another_covenant_is_not_found(world, client_for):
    covenant = make_covenant(world)
    other = make_covenant(world, year=world.last_year)
    document = services.covenant_document_add(
        actor=world.board,
        covenant=other,
        kind="regulations",
        title="Quy chế",
        upload=SimpleUploadedFile("q.pdf", b"%PDF-1.7"),
    )
    response = client_for(world.board).get(
        reverse("covenant_document_file", args=[covenant.pk, document.pk])
    )
    assert response.status_code == 404


# Who may do what ---------------------------------------------------------------------------------

EDIT_PAGES = [
    "covenant_edit",
    "covenant_sections",
    "covenant_guests",
    "covenant_documents",
    "covenant_targets",
    "covenant_targets_import",
    "covenant_targets_template",
]


@pytest.mark.parametrize("name", ["covenant_detail", *EDIT_PAGES])
def test_anonymous_visitors_are_sent_to_log_in(world, client, name):
    covenant = make_covenant(world)
    response = client.get(reverse(name, args=[covenant.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["covenant_detail", *EDIT_PAGES])
def test_another_organizers_board_gets_404(world, client_for, name):
    covenant = make_covenant(world)
    assert client_for(world.other_board).get(reverse(name, args=[covenant.pk])).status_code == 404


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_a_member_may_read_but_not_edit(world, client_for, name):
    covenant = make_covenant(world, title="Giao ước của cụm")
    client = client_for(world.member_officer)
    assert "Giao ước của cụm" in page_text(
        client.get(reverse("covenant_detail", args=[covenant.pk]))
    )
    assert client.get(reverse(name, args=[covenant.pk])).status_code == 403
    assert client.post(reverse(name, args=[covenant.pk]), {"title": "x"}).status_code == 403


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_last_years_head_cannot_manage_this_year(world, client_for, name):
    covenant = make_covenant(world)
    client = client_for(world.last_head_officer)
    assert client.get(reverse("covenant_detail", args=[covenant.pk])).status_code == 200
    assert client.get(reverse(name, args=[covenant.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["head_officer", "board"])
@pytest.mark.parametrize("name", EDIT_PAGES)
def test_the_head_and_the_board_open_the_edit_pages(world, client_for, persona, name):
    covenant = make_covenant(world)
    response = client_for(getattr(world, persona)).get(reverse(name, args=[covenant.pk]))
    assert response.status_code == 200


def test_year_pages_permissions(world, client_for, client):
    list_url = reverse("covenant_list_for_year", args=[world.this_year.pk])
    create_url = reverse("covenant_create", args=[world.this_year.pk])
    data = {"start": "scratch", "title": "Giao ước", "theme": "", "place_name": ""}
    assert client.get(list_url).status_code == 302
    assert client_for(world.other_board).get(list_url).status_code == 404
    assert client_for(world.outsider_officer).get(list_url).status_code == 404
    page = page_text(client_for(world.member_officer).get(list_url))
    assert create_url not in page
    assert client_for(world.member_officer).post(create_url, data).status_code == 403
    assert client_for(world.last_head_officer).post(create_url, data).status_code == 403
    assert not Covenant.objects.exists()
    assert create_url in page_text(client_for(world.head_officer).get(list_url))
    assert client_for(world.board).post(create_url, data).status_code == 302
    assert Covenant.objects.filter(cluster_year=world.this_year).count() == 1


def test_the_year_page_lists_versions_with_state_and_signed_date(world, client_for):
    import datetime

    from django.utils import timezone

    covenant = make_covenant(world)
    Covenant.objects.filter(pk=covenant.pk).update(
        state="signed",
        signed_at=timezone.make_aware(datetime.datetime(2024, 3, 17, 10, 0)),
    )
    Covenant.objects.create(
        cluster_year=world.this_year, version=2, amended_from=covenant, title="Sửa đổi"
    )
    page = page_text(
        client_for(world.member_officer).get(
            reverse("covenant_list_for_year", args=[world.this_year.pk])
        )
    )
    assert "17/03/2024" in page and "Sửa đổi" in page
    assert page.index('data-version="2"') < page.index('data-version="1"')


def test_targets_counted_in_the_seed_scale(world):
    """A covenant of eight members and ten sections loads (a smoke test of the helpers)."""
    covenant = make_covenant(world)
    add_sections(covenant, world, [(f"Mục {n}", "") for n in range(10)])
    add_target(covenant, world, "Xã đạt chuẩn", {world.h_new: 9})
    assert Target.objects.filter(covenant=covenant).count() == 1
    assert TargetValue.objects.filter(target__covenant=covenant).count() == 1
