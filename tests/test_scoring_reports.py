"""The score summary of a period (issue 6): the rows built once from the ranking, the Excel
sheet (title, headers, numbers as numbers, unit names always text, the average row), the
PDF in the document layout (each unit with its total and rank, one font family) and who
may download either (as the ranking page: members only after publication)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from clusters.models import Unit
from config.urls import urlpatterns as project_urlpatterns
from core.documents.jobs import job_request
from core.models import DocumentJob, JobState
from scoring import documents_reports
from scoring.reports import SHEET_TITLE, period_summary, summary_xlsx
from scoring.services.ranking import period_publish
from scoring.views import reports as report_views
from tests.scoring_world import scoring_world
from tests.test_scoring_pdf import fonts_of, poppler, text_of
from tests.test_scoring_ranking import finalise_all

D = Decimal
# Until the lead adds the two lines to scoring/apps.py and scoring/urls.py, the tests
# register the kind themselves and run with these URLs (the project's and the reports').
urlpatterns = [*project_urlpatterns, *report_views.urlpatterns]
pytestmark = pytest.mark.urls("tests.test_scoring_reports")


@pytest.fixture(autouse=True)
def _registered():  # type: ignore[no-untyped-def]
    documents_reports.register()


@pytest.fixture
def ranked(world):  # type: ignore[no-untyped-def]
    """Tây Sơn, Nam Sơn and Bắc Sơn final (Tây Sơn, the head, by the board); Đông Sơn not."""
    sw = scoring_world(world)
    finalise_all(sw, world, units=("h_new", "deputy_unit", "member_unit"))
    return sw


@pytest.fixture
def all_final(world):  # type: ignore[no-untyped-def]
    """Every unit final: the results may be published."""
    sw = scoring_world(world)
    finalise_all(sw, world)
    return sw


def xlsx_url(sw) -> str:  # type: ignore[no-untyped-def]
    return reverse("period_summary_xlsx", args=[sw.period.pk])


def pdf_url(sw) -> str:  # type: ignore[no-untyped-def]
    return reverse("period_summary_pdf", args=[sw.period.pk])


def sheet_of(content: bytes):  # type: ignore[no-untyped-def]
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == [SHEET_TITLE]
    return workbook[SHEET_TITLE]


def pdf_of(sw, actor) -> bytes:  # type: ignore[no-untyped-def]
    period = sw.period
    job = job_request(
        actor=actor,
        kind=documents_reports.KIND,
        obj=period,
        scope_id=period.cluster_year.cluster.organizer_id,
    )
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    with job.file.open("rb") as handle:
        return handle.read()


def test_the_rows_come_from_the_ranking_with_the_average(world, ranked) -> None:  # type: ignore[no-untyped-def]
    summary = period_summary(period=ranked.period)
    assert [section.code for section in summary.sections] == ["I", "II"]
    rows = [(row.unit, row.sections, row.deduction, row.total, row.rank) for row in summary.rows]
    assert rows == [
        (world.deputy_unit.name, (D(15), D(40)), D(0), D(55), 1),
        (world.h_new.name, (D(20), D(30)), D(0), D(50), 2),
        (world.member_unit.name, (D("15.5"), D(30)), D(2), D("43.5"), 3),
    ]
    assert summary.average.sections == (D("16.83"), D("33.33"))
    assert summary.average.total == D("49.5")
    assert [name for name, _state in summary.not_final] == [world.h_old.name]


def test_the_excel_has_title_headers_numbers_and_the_average(world, ranked, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(world.head_officer).get(xlsx_url(ranked))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = sheet_of(response.content)
    assert "BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM 2024" in sheet["A1"].value
    headers = [cell.value for cell in sheet[2]]
    assert headers == [
        "STT",
        "Đơn vị",
        "I. Tiêu chí I",
        "II. Tiêu chí II",
        "Điểm thưởng",
        "Điểm trừ",
        "Tổng điểm",
        "Xếp hạng",
    ]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=6)]
    assert rows[0] == [1, world.deputy_unit.name, 15, 40, 0, 0, 55, 1]
    assert rows[2] == [3, world.member_unit.name, 15.5, 30, 0, 2, 43.5, 3]
    assert rows[3][1] == "Bình quân cụm" and rows[3][2:7] == [16.83, 33.33, 0, 0.67, 49.5]
    assert rows[3][0] is None and rows[3][7] is None
    for row in sheet.iter_rows(min_row=3, max_row=6, min_col=3, max_col=7):
        assert all(cell.data_type == "n" for cell in row)
    assert sheet.column_dimensions["B"].width == 36
    listed = [cell.value for cell in sheet["B"]]
    assert world.h_old.name in listed  # not final: under the table, unranked


def test_a_unit_name_starting_with_equals_stays_text(world, ranked) -> None:  # type: ignore[no-untyped-def]
    Unit.objects.filter(pk=world.member_unit.pk).update(name='=HYPERLINK("x")+1')
    sheet = sheet_of(summary_xlsx(period_summary(period=ranked.period)))
    cell = sheet["B5"]
    assert cell.value == '=HYPERLINK("x")+1'
    assert cell.data_type == "s" and cell.quotePrefix


def test_the_pdf_shows_each_unit_with_its_total_and_rank(world, ranked) -> None:  # type: ignore[no-untyped-def]
    pdf = pdf_of(ranked, world.head_officer)
    text = text_of(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM 2024" in text
    assert "Xếp hạng" in text and "Bình quân cụm" in text
    lines = poppler("pdftotext", pdf, "-layout").splitlines()

    def row_of(name: str) -> list[str]:
        line = next(line for line in lines if name in line)
        return line.split(name)[1].split()

    assert row_of(world.deputy_unit.name) == ["15", "40", "0", "0", "55", "1"]
    assert row_of(world.h_new.name) == ["20", "30", "0", "0", "50", "2"]
    assert row_of(world.member_unit.name) == ["15,5", "30", "0", "−2", "43,5", "3"]
    assert row_of("Bình quân cụm") == ["16,83", "33,33", "0", "−0,67", "49,5"]
    assert "16,83 33,33" in text and "49,5" in text
    assert "chưa xếp hạng" in text and world.h_old.name in text
    assert "DỰ THẢO" in text  # a unit is not final yet
    assert "TM. " in text and "(Đơn vị trưởng cụm)" in text
    assert all(font.startswith("Tinos") for font in fonts_of(pdf))


def test_asking_for_the_pdf_goes_to_the_job_page(world, ranked, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.head_officer)
    assert client.get(pdf_url(ranked)).url == reverse("period_ranking", args=[ranked.period.pk])
    response = client.post(pdf_url(ranked))
    job = DocumentJob.objects.get(kind=documents_reports.KIND)
    assert response.url == reverse("job_detail", args=[job.pk])
    assert client.get(pdf_url(ranked)).url == reverse("job_detail", args=[job.pk])
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 200


@pytest.mark.parametrize(
    ("persona", "before", "after"),
    [
        ("board", 200, 200),
        ("head_officer", 200, 200),
        ("member_officer", 404, 200),
        ("outsider_officer", 404, 404),
        ("other_board", 404, 404),
    ],
)
def test_who_downloads_the_summary_is_who_sees_the_ranking(
    world, all_final, client_for, persona, before, after
) -> None:  # type: ignore[no-untyped-def]
    ranked = all_final
    client = client_for(getattr(world, persona))
    assert client.get(xlsx_url(ranked)).status_code == before
    assert client.post(pdf_url(ranked)).status_code == (302 if before == 200 else 404)
    period_publish(actor=world.board, period=ranked.period)
    assert client.get(xlsx_url(ranked)).status_code == after
    assert client.post(pdf_url(ranked)).status_code == (302 if after == 200 else 404)


def test_a_member_does_not_read_a_pdf_job_before_publication(world, all_final, client_for) -> None:  # type: ignore[no-untyped-def]
    ranked = all_final
    pdf_of(ranked, world.head_officer)
    job = DocumentJob.objects.get(kind=documents_reports.KIND)
    client = client_for(world.member_officer)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
    period_publish(actor=world.board, period=ranked.period)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 200


def test_the_ranking_page_has_the_two_buttons(world, ranked, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(world.head_officer).get(reverse("period_ranking", args=[ranked.period.pk]))
    content = page.content.decode()
    assert xlsx_url(ranked) in content and 'id="summary-pdf-form"' in content
