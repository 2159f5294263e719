"""The ballot-count minutes (biên bản kiểm phiếu) as a PDF: the Decree 30 header, the
title, every count, each candidate with votes and share, the outcome, one font family;
only for a closed ballot, and only for whoever may see the ballot."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from config.urls import urlpatterns as root_urlpatterns
from core.documents.jobs import job_request
from core.models import DocumentJob, JobState
from core.text import document_date
from scoring import documents_ballots
from scoring.services.ballots import ballot_cast, ballot_close
from scoring.views import ballot_documents
from tests.test_scoring_ballots import leaders, make_ballot
from tests.test_scoring_pdf import fonts_of, text_of

# Until scoring/urls.py includes ballot_documents.urlpatterns.
urlpatterns = [*root_urlpatterns, *ballot_documents.urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def _kind_registered():  # type: ignore[no-untyped-def]
    """Until ScoringConfig.ready calls documents_ballots.register()."""
    documents_ballots.register()


def closed_ballot(world, *, split=False):  # type: ignore[no-untyped-def]
    """Four member units. Elected: three votes for h_new, one blank. Split: 2–2."""
    voters = leaders(world)
    ballot = make_ballot(world)
    by_unit = {
        world.h_new.pk: [world.h_new],
        world.deputy_unit.pk: [world.h_new] if not split else [world.member_unit],
        world.h_old.pk: [world.h_new],
        world.member_unit.pk: [] if not split else [world.member_unit],
    }
    for unit_pk, user in voters.items():
        choices = by_unit[unit_pk]
        ballot_cast(actor=user, ballot=ballot, choices=choices, abstain=not choices)
    return ballot_close(actor=world.head_officer, ballot=ballot)


def pdf_of(ballot, actor=None) -> bytes:  # type: ignore[no-untyped-def]
    job = job_request(
        actor=actor,
        kind="ballot_minutes",
        obj=ballot,
        scope_id=ballot.cluster_year.cluster.organizer_id,
    )
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    with job.file.open("rb") as handle:
        return handle.read()


def test_the_minutes_have_the_header_title_counts_candidates_and_outcome(world):
    ballot = closed_ballot(world)
    pdf = pdf_of(ballot)
    text = text_of(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert world.cluster.name.upper() in text
    assert "BIÊN BẢN KIỂM PHIẾU" in text
    assert "suy tôn đơn vị dẫn đầu Cụm thi đua năm 2024 (vòng 1)" in text
    day = timezone.localtime(ballot.closed_at).date()
    assert f"ngày {day:%d/%m/%Y}, {world.cluster.name} kết thúc" in text
    assert document_date(day) in text
    assert "Số phiếu phát ra 4" in text
    assert "Số phiếu thu về 4" in text
    assert "Số phiếu hợp lệ 4" in text
    assert "Số phiếu không hợp lệ 0" in text
    assert "Số phiếu trống (không chọn đơn vị nào) 1" in text
    assert "Số phiếu thu về đạt tỷ lệ tối thiểu" in text
    assert f"{world.h_new.name} 3 75,00% Trúng cử" in text
    assert f"{world.member_unit.name} 0 0,00% Không trúng cử" in text
    assert f"Các đơn vị trúng cử: {world.h_new.name}." in text
    assert "TRƯỞNG BAN KIỂM PHIẾU" in text
    assert f"TM. {world.h_new.name.upper()}" in text
    assert "Nơi nhận:" in text
    assert all(font.startswith("Tinos") for font in fonts_of(pdf))


def test_a_split_vote_calls_for_the_next_round(world):
    text = text_of(pdf_of(closed_ballot(world, split=True)))
    assert f"{world.h_new.name} 2 50,00% Không trúng cử" in text
    assert f"{world.member_unit.name} 2 50,00% Không trúng cử" in text
    assert "tổ chức bỏ phiếu vòng 2" in text


def test_an_open_ballot_has_no_minutes(world, client_for):
    ballot = make_ballot(world)
    client = client_for(world.member_officer)
    url = reverse("ballot_minutes_pdf", args=[ballot.pk])
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 404
    assert not DocumentJob.objects.exists()
    # Nor does a job asked for it some other way render.
    job = job_request(actor=None, kind="ballot_minutes", obj=ballot, scope_id=None)
    job.refresh_from_db()
    assert job.state != JobState.DONE


@pytest.mark.parametrize("persona", ["member_officer", "member_leader", "board", "head_officer"])
def test_members_and_the_board_ask_for_and_read_the_minutes(world, client_for, persona):
    ballot = closed_ballot(world)
    client = client_for(getattr(world, persona))
    url = reverse("ballot_minutes_pdf", args=[ballot.pk])
    response = client.post(url)
    job = DocumentJob.objects.get(kind="ballot_minutes")
    assert response.status_code == 302
    assert response.url == reverse("job_detail", args=[job.pk])
    assert client.get(url).url == reverse("job_detail", args=[job.pk])
    download = client.get(reverse("job_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:5] == b"%PDF-"


@pytest.mark.parametrize("persona", ["other_board", "outsider_officer"])
def test_strangers_get_nothing(world, client_for, persona):
    ballot = closed_ballot(world)
    job = job_request(
        actor=world.board,
        kind="ballot_minutes",
        obj=ballot,
        scope_id=ballot.cluster_year.cluster.organizer_id,
    )
    client = client_for(getattr(world, persona))
    assert client.post(reverse("ballot_minutes_pdf", args=[ballot.pk])).status_code == 404
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404


def test_before_any_job_get_goes_back_to_the_result(world, client_for):
    ballot = closed_ballot(world)
    response = client_for(world.board).get(reverse("ballot_minutes_pdf", args=[ballot.pk]))
    assert response.url == reverse("ballot_result", args=[ballot.pk])


def test_the_result_page_of_a_closed_ballot_has_the_button(world, client_for):
    ballot = closed_ballot(world)
    page = client_for(world.member_officer).get(reverse("ballot_result", args=[ballot.pk]))
    assert b'id="ballot-minutes-pdf"' in page.content
    assert reverse("ballot_minutes_pdf", args=[ballot.pk]).encode() in page.content
