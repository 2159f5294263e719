"""Evidence of a scorecard: files checked by their content (never their name) and size,
official documents cited by number and date, one piece supporting several criteria,
withdrawal that keeps the record, and files served only to those who may see the card.

The byte builders at the top (real minimal PDF, PNG, JPEG, GIF, Word and Excel files)
are shared with the other scorecard tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook
from PIL import Image

from clusters.models import Profile
from core.models import ActionLog
from scoring.models import EntryEvidence, Evidence
from scoring.services.messages import scorecards as msg
from scoring.services.scorecards import (
    evidence_link,
    evidence_reference,
    evidence_unlink,
    evidence_upload,
    evidence_withdraw,
    scorecard_missing,
)
from tests.factories import make_user
from tests.scoring_world import scoring_world

# Real minimal files ------------------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


@pytest.fixture(autouse=True)
def _english_messages():  # type: ignore[no-untyped-def]
    """Refusals are compared with their English msgids (the wording, not the
    translation): every lazy message in these tests is read in English."""
    with translation.override("en"):
        yield


def image_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def docx_bytes(main: str = WORD_MAIN) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Báo cáo</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "Số liệu"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ole2_bytes(stream: str) -> bytes:
    """The compound-file header and a directory naming the document's stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + stream.encode("utf-16-le") + b"\x00" * 1024


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):  # type: ignore[no-untyped-def]
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def add_file(sw, name="bao-cao.pdf", content=PDF, entries=(), title=""):  # type: ignore[no-untyped-def]
    return evidence_upload(
        actor=sw.world.member_officer,
        scorecard=sw.card(sw.world.member_unit),
        uploaded_file=upload(name, content),
        title=title,
        entries=entries,
    )


# Type by content -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("bao-cao.pdf", PDF, "application/pdf"),
        ("anh.png", image_bytes("PNG"), "image/png"),
        ("anh.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("anh.gif", image_bytes("GIF"), "image/gif"),
        (
            "bao-cao.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "so-lieu.xlsx",
            xlsx_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("cu.doc", ole2_bytes("WordDocument"), "application/msword"),
        ("cu.xls", ole2_bytes("Workbook"), "application/vnd.ms-excel"),
    ],
)
def test_real_files_are_accepted_and_typed_by_their_content(sw, name, content, content_type):
    evidence = add_file(sw, name=name, content=content)
    assert evidence.kind == Evidence.Kind.FILE
    assert evidence.content_type == content_type
    assert evidence.size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.original_name == name
    stored = Path(evidence.file.path)
    assert stored.read_bytes() == content
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT))


def test_the_type_comes_from_the_content_not_the_name(sw):
    evidence = add_file(sw, name="anh-chup.pdf", content=image_bytes("PNG"))
    assert evidence.content_type == "image/png"
    assert evidence.file.name.endswith(".png")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200),  # a program
        ("bao-cao.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("so-do.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
        ("ghi-chu.docx", b"plain text pretending"),
        ("nen.docx", b"PK\x03\x04not really a zip"),
        ("cai-dat.doc", ole2_bytes("SummaryInformation")),  # a compound file, not Word
    ],
)
def test_anything_else_is_refused_listing_the_allowed_types(sw, name, content):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        add_file(sw, name=name, content=content)
    assert caught.value.messages == [(msg.FILE_TYPE_REFUSED)]
    assert "PDF" in caught.value.messages[0] and ".xlsx" in caught.value.messages[0]
    assert not Evidence.objects.exists()


def test_a_zip_that_is_not_an_office_document_is_refused(sw):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ValidationError):
        add_file(sw, name="x.docx", content=buffer.getvalue())


def test_documents_with_macros_are_refused(sw):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        add_file(sw, name="bao-cao.docm", content=docx_bytes(WORD_MACRO_MAIN))
    assert caught.value.messages == [(msg.FILE_MACROS_REFUSED)]


def test_an_empty_file_is_refused(sw):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        add_file(sw, content=b"")
    assert caught.value.messages == [(msg.FILE_EMPTY)]


def test_a_file_over_the_size_limit_is_refused_with_its_size(sw, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1536 * 1024)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        add_file(sw, content=big)
    assert caught.value.messages == ["The file is 1,5 MB; at most 1 MB is accepted."]
    settings.EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
    assert add_file(sw, content=big).size == len(big)


def test_the_name_is_kept_in_nfc_without_any_folder(sw):
    decomposed = unicodedata.normalize("NFD", "../../Báo cáo tổng kết.pdf")
    evidence = add_file(sw, name=decomposed)
    assert evidence.original_name == "Báo cáo tổng kết.pdf"
    card = sw.card(sw.world.member_unit)
    assert evidence.file.name.startswith(f"scoring/evidence/{card.pk}/")
    assert ".." not in evidence.file.name
    windows = add_file(sw, name="..\\..\\windows\\x.pdf", content=PDF + b"%2")
    assert windows.original_name == "x.pdf"


def test_the_same_file_twice_is_stored_once(sw, world):
    first = add_file(sw, entries=[sw.entry(world.member_unit, "1")])
    again = add_file(sw, name="lan-2.pdf", entries=[sw.entry(world.member_unit, "5")])
    assert again.pk == first.pk
    assert Evidence.objects.count() == 1
    assert set(first.entries.values_list("criterion__code", flat=True)) == {"1", "5"}


def test_an_upload_is_logged(sw):
    evidence = add_file(sw, title="Báo cáo tổng kết")
    log = ActionLog.objects.get(action="scoring.evidence.uploaded")
    assert log.object_id == str(evidence.pk)
    assert log.data["sha256"] == evidence.sha256 and log.data["original_name"] == "bao-cao.pdf"


# Documents -----------------------------------------------------------------------------------


def test_a_document_is_cited_by_number_and_date(sw, world):
    document = evidence_reference(
        actor=world.member_officer,
        scorecard=sw.card(world.member_unit),
        doc_number=" 125/BC-UBND ",
        doc_date=dt.date(2024, 11, 20),
        doc_issuer="UBND huyện Bắc Sơn",
        title="Báo cáo tổng kết",
        entries=[sw.entry(world.member_unit, "1")],
    )
    assert document.kind == Evidence.Kind.DOCUMENT and document.doc_number == "125/BC-UBND"
    assert scorecard_missing(sw.card(world.member_unit))[0].startswith("1. Tiêu chí 1")
    assert list(document.entries.values_list("criterion__code", flat=True)) == ["1"]


def test_a_document_needs_a_number_and_a_date_not_in_the_future(sw, world):
    card = sw.card(world.member_unit)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        evidence_reference(actor=world.member_officer, scorecard=card, doc_number="", doc_date=None)
    assert caught.value.message_dict == {
        "doc_number": [(msg.DOC_NUMBER_REQUIRED)],
        "doc_date": [(msg.DOC_DATE_REQUIRED)],
    }
    with translation.override("en"), pytest.raises(ValidationError) as future:
        evidence_reference(
            actor=world.member_officer,
            scorecard=card,
            doc_number="1/QĐ",
            doc_date=dt.date.today() + dt.timedelta(days=2),
        )
    assert future.value.message_dict == {"doc_date": [(msg.DOC_DATE_FUTURE)]}
    assert not Evidence.objects.exists()


# Linking --------------------------------------------------------------------------------------


def test_one_piece_of_evidence_supports_several_criteria(sw, world):
    evidence = add_file(sw)
    for code in ("1", "3", "5"):
        evidence_link(
            actor=world.member_officer, entry=sw.entry(world.member_unit, code), evidence=evidence
        )
    evidence_link(
        actor=world.member_officer, entry=sw.entry(world.member_unit, "1"), evidence=evidence
    )
    assert EntryEvidence.objects.filter(evidence=evidence).count() == 3
    evidence_unlink(
        actor=world.member_officer, entry=sw.entry(world.member_unit, "3"), evidence=evidence
    )
    assert sorted(evidence.entries.values_list("criterion__code", flat=True)) == ["1", "5"]
    assert ActionLog.objects.filter(action="scoring.evidence.linked").count() == 3
    assert ActionLog.objects.filter(action="scoring.evidence.unlinked").count() == 1


def test_evidence_of_another_card_cannot_be_attached(sw, world):
    other = evidence_upload(
        actor=world.head_officer,
        scorecard=sw.card(world.h_new),
        uploaded_file=upload("tay-son.pdf", PDF),
    )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        evidence_link(
            actor=world.member_officer, entry=sw.entry(world.member_unit, "1"), evidence=other
        )
    assert caught.value.messages == [(msg.EVIDENCE_OTHER_CARD)]


def test_withdrawing_keeps_the_record_and_the_file(sw, world):
    evidence = add_file(sw, entries=[sw.entry(world.member_unit, "1")])
    evidence_withdraw(actor=world.member_leader, evidence=evidence)
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is not None and evidence.withdrawn_by == world.member_leader
    assert Path(evidence.file.path).exists()
    assert EntryEvidence.objects.filter(evidence=evidence).exists()  # the history stays
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        evidence_link(
            actor=world.member_officer, entry=sw.entry(world.member_unit, "5"), evidence=evidence
        )
    assert caught.value.messages == [(msg.EVIDENCE_WITHDRAWN)]
    log = ActionLog.objects.get(action="scoring.evidence.withdrawn")
    assert log.data["criterion"] == ["1"]


# Serving files -------------------------------------------------------------------------------


def download_url(sw, evidence) -> str:  # type: ignore[no-untyped-def]
    return reverse("evidence_download", args=[evidence.scorecard_id, evidence.pk])


def test_the_owner_downloads_the_exact_bytes_as_an_attachment(sw, world, client_for):
    evidence = add_file(sw, name="Báo cáo.pdf")
    response = client_for(world.member_officer).get(download_url(sw, evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "B%C3%A1o%20c%C3%A1o.pdf" in response["Content-Disposition"]


def test_a_name_that_lies_about_the_type_is_served_with_the_real_extension(sw, world, client_for):
    evidence = add_file(sw, name="chuong-trinh.exe")
    response = client_for(world.member_officer).get(download_url(sw, evidence))
    assert 'filename="chuong-trinh.exe.pdf"' in response["Content-Disposition"]


def test_another_member_unit_gets_404(sw, world, client_for):
    evidence = add_file(sw)
    assert client_for(world.last_head_officer).get(download_url(sw, evidence)).status_code == 404
    assert client_for(world.outsider_officer).get(download_url(sw, evidence)).status_code == 404
    assert client_for(world.other_board).get(download_url(sw, evidence)).status_code == 404


def test_the_verifiers_and_the_board_may_download(sw, world, client_for):
    evidence = add_file(sw)
    assert client_for(world.head_officer).get(download_url(sw, evidence)).status_code == 200
    deputy = make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
    assert client_for(deputy).get(download_url(sw, evidence)).status_code == 200
    assert client_for(world.board).get(download_url(sw, evidence)).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(sw, client):
    evidence = add_file(sw)
    response = client.get(download_url(sw, evidence))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_evidence_is_served_only_under_its_own_card(sw, world, client_for):
    theirs = evidence_upload(
        actor=world.head_officer, scorecard=sw.card(world.h_new), uploaded_file=upload("t.pdf", PDF)
    )
    url = reverse("evidence_download", args=[sw.card(world.member_unit).pk, theirs.pk])
    assert client_for(world.member_officer).get(url).status_code == 404


def test_a_cited_document_has_no_file_to_download(sw, world, client_for):
    document = evidence_reference(
        actor=world.member_officer,
        scorecard=sw.card(world.member_unit),
        doc_number="1/QĐ",
        doc_date=dt.date(2024, 3, 1),
    )
    assert client_for(world.member_officer).get(download_url(sw, document)).status_code == 404


def test_a_path_in_the_uploaded_name_is_harmless(sw, world, client_for):
    evidence = add_file(sw, name="../../../../etc/passwd")
    assert evidence.original_name == "passwd"
    assert Path(evidence.file.path).is_relative_to(
        Path(settings.MEDIA_ROOT) / "scoring" / "evidence"
    )
    response = client_for(world.member_officer).get(download_url(sw, evidence))
    assert response.status_code == 200
    assert 'filename="passwd.pdf"' in response["Content-Disposition"]
