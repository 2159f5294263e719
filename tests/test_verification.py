"""The verification page: a code printed on a document, and uploaded copies."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.documents import verification
from core.documents.signing import sign_pdf
from core.models import DocumentJob, JobState
from tests.test_signing import LEADER_LINE, flip_one_signed_byte, sign_with_foreign_token, tinos_pdf

CODE = "ABCD234567"


@pytest.fixture
def signed_pdf(world, settings, tmp_path) -> bytes:  # type: ignore[no-untyped-def]
    settings.SIGNING_DEMO_KEYS = True
    settings.SIGNING_PKCS12_PATH = ""
    return sign_pdf(
        tinos_pdf(),
        organizer_id=world.org.pk,
        signers=[LEADER_LINE],
        reason="Phát hành bản giao ước thi đua đã ký",
        location="Bắc Ninh",
    )


def make_job(obj, pdf: bytes, *, code: str = CODE, state: str = JobState.DONE) -> DocumentJob:  # type: ignore[no-untyped-def]
    job = DocumentJob.objects.create(
        kind="test-document",
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        scope_id=None,
        state=state,
        verification_code=code,
        finished_at=timezone.now() if state == JobState.DONE else None,
        filename="giao-uoc-thi-dua-2024.pdf",
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
    )
    job.file.save(job.filename, ContentFile(pdf), save=True)
    return job


@pytest.fixture
def issued(world, signed_pdf) -> DocumentJob:  # type: ignore[no-untyped-def]
    return make_job(world.this_year, signed_pdf)


def upload(client, url: str, data: bytes, name: str = "ban-sao.pdf"):  # type: ignore[no-untyped-def]
    return client.post(url, {"file": SimpleUploadedFile(name, data, "application/pdf")})


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- who may see it -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/verify/", f"/verify/{CODE}/"])
def test_anonymous_visitors_are_sent_to_log_in(client, issued, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["member_officer", "other_board", "outsider_officer"])
def test_any_logged_in_user_with_the_code_sees_what_was_issued(
    world, client_for, issued, signed_pdf, persona
):
    response = client_for(world.personas()[persona]).get(f"/verify/{CODE}/")
    text = page(response)

    assert response.status_code == 200
    assert hashlib.sha256(signed_pdf).hexdigest() in text
    assert issued.sha256 in text
    assert str(world.this_year) in text  # what the document is about
    assert world.org.name in text  # who signed (validated from the stored file)
    assert 'data-verdict="intact"' in text and 'data-verdict="trusted"' in text
    assert "giao-uoc-thi-dua-2024.pdf" in text
    assert (
        issued.finished_at.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y %H:%M")
        in text
    )


# --- codes -------------------------------------------------------------------------------


def test_an_unknown_code_answers_404_with_a_message(world, client_for, issued):
    response = client_for(world.member_officer).get("/verify/ZZZZ999999/")
    text = page(response)

    assert response.status_code == 404
    assert 'id="verify-unknown"' in text
    assert "ZZZZ999999" in text
    assert issued.sha256 not in text


def test_a_document_still_in_production_has_no_page_yet(world, client_for, signed_pdf):
    make_job(world.this_year, signed_pdf, code="PEND234567", state=JobState.RUNNING)

    response = client_for(world.member_officer).get("/verify/PEND234567/")

    assert response.status_code == 404
    assert 'id="verify-unknown"' in page(response)


def test_the_code_form_accepts_a_code_as_people_retype_it(world, client_for, issued):
    response = client_for(world.member_officer).get("/verify/", {"code": " abcd-2345 67 "})

    assert response.status_code == 302
    assert response["Location"] == f"/verify/{CODE}/"


def test_a_code_in_lower_case_in_the_address_is_redirected(world, client_for, issued):
    response = client_for(world.member_officer).get(f"/verify/{CODE.lower()}/")

    assert response.status_code == 302
    assert response["Location"] == f"/verify/{CODE}/"


def test_a_malformed_code_stays_on_the_form(world, client_for):
    response = client_for(world.member_officer).get("/verify/", {"code": "<b>?"})

    assert response.status_code == 200
    assert response.context["code_form"].has_error("code")


def test_the_verification_url_is_absolute(settings):
    settings.SITE_URL = "https://cumthidua.example/"

    assert verification.verification_url(CODE) == f"https://cumthidua.example/verify/{CODE}/"


# --- checking an uploaded copy -------------------------------------------------------------


def test_the_identical_file_is_recognised(world, client_for, issued, signed_pdf):
    response = upload(client_for(world.member_leader), f"/verify/{CODE}/", signed_pdf)
    text = page(response)

    assert response.status_code == 200
    assert 'data-result="identical"' in text
    assert 'data-result="differs"' not in text


def test_a_copy_with_one_byte_changed_differs_and_is_not_intact(
    world, client_for, issued, signed_pdf
):
    changed = flip_one_signed_byte(signed_pdf)

    response = upload(client_for(world.member_leader), f"/verify/{CODE}/", changed)
    text = page(response)

    assert 'data-result="differs"' in text
    assert hashlib.sha256(changed).hexdigest() in text
    assert 'id="upload-verdict"' in text
    assert 'data-verdict="broken"' in text.split('id="upload-verdict"')[1]


def test_a_copy_signed_by_a_leaders_token_differs_and_shows_its_signer(world, client_for, issued):
    token_signed = sign_with_foreign_token(tinos_pdf(), "Phạm Thanh Hải")

    response = upload(client_for(world.member_leader), f"/verify/{CODE}/", token_signed)
    upload_part = page(response).split('id="verify-differs"')[1]

    assert "Phạm Thanh Hải" in upload_part
    assert 'data-verdict="intact"' in upload_part
    assert 'data-verdict="untrusted"' in upload_part


def test_a_file_that_is_not_a_pdf_is_refused(world, client_for, issued):
    response = upload(client_for(world.member_leader), f"/verify/{CODE}/", b"MZ\x90\x00 not a pdf")

    assert response.status_code == 200
    assert response.context["upload_form"].has_error("file", "not_pdf")
    assert 'id="verify-result-card"' not in page(response)


def test_a_file_over_the_size_limit_is_refused(world, client_for, issued, settings):
    settings.MAX_UPLOAD_BYTES = 1024

    response = upload(client_for(world.member_leader), f"/verify/{CODE}/", b"%PDF-1.7\n" * 200)

    assert response.context["upload_form"].has_error("file", "too_large")
    assert 'id="verify-result-card"' not in page(response)


def test_a_file_uploaded_without_a_code_is_found_by_its_fingerprint(
    world, client_for, issued, signed_pdf
):
    response = upload(client_for(world.member_leader), "/verify/", signed_pdf)
    text = page(response)

    assert 'data-result="identical"' in text
    assert f'href="/verify/{CODE}/"' in text


def test_a_file_uploaded_without_a_code_that_nobody_issued_is_checked_on_its_own(
    world, client_for, issued
):
    response = upload(client_for(world.member_leader), "/verify/", tinos_pdf())
    text = page(response)

    assert 'data-result="not-issued"' in text
    assert 'id="upload-no-signature"' in text


def test_a_stored_file_changed_on_the_server_is_flagged(world, client_for, issued, signed_pdf):
    with issued.file.open("wb") as stored:
        stored.write(flip_one_signed_byte(signed_pdf))

    text = page(client_for(world.member_officer).get(f"/verify/{CODE}/"))

    assert 'id="verify-stored-changed"' in text
    assert 'data-verdict="broken"' in text
