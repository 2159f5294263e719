"""The scoring table as a printable PDF: the Decree 30 header, the title of the year,
every criterion with its maximum and how it is computed, bonus and deduction items
after the sections, the totals, the header row on every page, one font family, user
text kept as text, and who may ask for it and read it."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from core.documents.jobs import job_request
from core.models import DocumentJob, JobState
from scoring.models import Criterion, Rubric
from scoring.selectors.rubrics import criterion_explanation
from scoring.services.criteria import criterion_add
from scoring.services.rubrics import rubric_freeze
from tests.test_scoring_views import make_rubric

D = Decimal


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    executable = shutil.which(tool)
    assert executable, f"{tool} (poppler-utils) is needed by this test"
    result = subprocess.run(  # noqa: S603 - fixed tool and arguments, the PDF on stdin
        [executable, *args, "-", "-"] if tool == "pdftotext" else [executable, "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def text_of(pdf: bytes) -> str:
    return " ".join(poppler("pdftotext", pdf).split())


def fonts_of(pdf: bytes) -> set[str]:
    lines = poppler("pdffonts", pdf).splitlines()[2:]
    return {line.split()[0].split("+")[-1] for line in lines if line.strip()}


def pdf_of(rubric: Rubric, actor=None) -> bytes:  # type: ignore[no-untyped-def]
    job = job_request(actor=actor, kind="rubric", obj=rubric, scope_id=rubric.organizer_id)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    with job.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def rubric(world):  # type: ignore[no-untyped-def]
    return make_rubric(world)


def test_the_pdf_has_the_header_title_criteria_and_totals(world, rubric):
    text = text_of(pdf_of(rubric))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND TỈNH THỬ" in text
    assert "CỤM THI ĐUA CÁC HUYỆN" in text
    assert "BẢNG CHẤM ĐIỂM THI ĐUA NĂM 2024" in text
    assert "STT/Mã" in text and "Cách tính" in text and "Điểm tối" in text
    tokens = set(text.split())
    assert {"I", "1", "2", "II", "3", "T1", "TR1"} <= tokens
    for code in ["1", "2", "3"]:
        assert f"Tiêu chí {code} về kinh tế" in text
    assert "Tổng điểm tối đa: 100 điểm" in text
    assert "điểm thưởng tối đa: 5 điểm" in text
    assert "điểm trừ tối đa: 10 điểm" in text
    assert "Tổng điểm các phần" in text
    # Bonus and deduction items come after the sections.
    assert text.index("Tiêu chí 3 về kinh tế") < text.index("Tiêu chí T1 về kinh tế")
    assert text.index("Tiêu chí T1 về kinh tế") < text.index("Tiêu chí TR1 về kinh tế")
    assert "DỰ THẢO" in text  # not frozen yet


def test_the_pdf_explains_each_formula(world, rubric):
    text = text_of(pdf_of(rubric))
    # The pass/fail criterion 2 (20 points) and the deduction (8 points each time).
    assert ("20" in text) and ("8" in text)
    with translation.override("vi"):
        explanation = criterion_explanation(rubric.criteria.get(code="2"))
    assert " ".join(explanation.split()) in text


def test_a_frozen_table_has_its_date_and_no_draft_mark(world, rubric):
    import datetime as dt

    from django.utils import timezone

    moment = timezone.make_aware(dt.datetime(2024, 3, 5, 9, 0))
    rubric_freeze(actor=world.board, rubric=rubric, at=moment)
    text = text_of(pdf_of(rubric))
    assert "ngày 05 tháng 3 năm 2024" in text
    assert "DỰ THẢO" not in text


def test_only_the_tinos_family_is_used(world, rubric):
    fonts = fonts_of(pdf_of(rubric))
    assert fonts
    assert all(name.startswith("Tinos") for name in fonts), fonts


def test_the_header_row_repeats_on_every_page(world, rubric):
    section = rubric.criteria.get(code="II")
    for number in range(70):
        criterion_add(
            actor=world.board,
            rubric=rubric,
            parent=section,
            code=f"II.{number}",
            title=f"Tiêu chí dài số {number} về công tác cải cách hành chính của đơn vị",
            kind="manual",
            max_points=D(1),
        )
    raw = poppler("pdftotext", pdf_of(rubric))
    pages = [page for page in raw.split("\f") if "Tiêu chí dài số" in page]
    assert len(pages) >= 3
    assert all("STT/Mã" in page and "Cách tính" in page for page in pages)


def test_user_text_stays_text(world, rubric):
    Criterion.objects.filter(rubric=rubric, code="1").update(
        title='<b>Đậm</b> <img src="file:///etc/passwd">'
    )
    text = text_of(pdf_of(rubric))
    assert "<b>Đậm</b>" in text


def test_a_template_prints_as_a_template(world):
    template = Rubric.objects.create(organizer=world.org, name="Mẫu cấp huyện")
    Criterion.objects.create(
        rubric=template, order=1, code="I", title="Phần mẫu", kind="group", max_points=D(100)
    )
    text = text_of(pdf_of(template))
    assert "BẢNG CHẤM ĐIỂM THI ĐUA (MẪU)" in text
    assert "Phần mẫu" in text


# Asking for it and reading it -------------------------------------------------------------------


def test_the_head_asks_for_the_pdf_and_lands_on_the_job(world, rubric, client_for):
    client = client_for(world.head_officer)
    response = client.post(reverse("rubric_pdf", args=[rubric.pk]))
    job = DocumentJob.objects.get(kind="rubric")
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.state == JobState.DONE
    assert job.filename == "bang-cham-diem-2024-du-thao.pdf"
    detail = client.get(reverse("rubric_detail", args=[rubric.pk])).content.decode()
    assert reverse("job_detail", args=[job.pk]) in detail


def test_members_may_read_the_pdf_but_not_ask_for_it(world, rubric, client_for):
    job = job_request(actor=world.board, kind="rubric", obj=rubric, scope_id=rubric.organizer_id)
    member = client_for(world.member_officer)
    assert member.post(reverse("rubric_pdf", args=[rubric.pk])).status_code == 403
    download = member.get(reverse("job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"


def test_other_organizers_cannot_read_it(world, rubric, client_for):
    job = job_request(actor=world.board, kind="rubric", obj=rubric, scope_id=rubric.organizer_id)
    for persona in (world.other_board, world.outsider_officer):
        assert client_for(persona).get(reverse("job_detail", args=[job.pk])).status_code == 404


# The demo's Bắc Ninh table ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_table_of_bac_ninh_prints_every_code():
    call_command("load_demo", verbosity=0)
    rubric = Rubric.objects.get(
        cluster_year__year=2023, cluster_year__cluster__name="Cụm thi đua các huyện, thành phố"
    )
    pdf = pdf_of(rubric)
    text = text_of(pdf)
    assert "BẢNG CHẤM ĐIỂM THI ĐUA NĂM 2023" in text
    assert "UBND TỈNH BẮC NINH" in text
    tokens = set(text.split())
    codes = set(rubric.criteria.values_list("code", flat=True))
    assert codes <= tokens, codes - tokens
    assert "Tổng điểm tối đa: 1.000 điểm" in text
    assert "Không ký giao ước thi đua" in text
    assert all(name.startswith("Tinos") for name in fonts_of(pdf))
