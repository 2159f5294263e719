"""Hostile files sent to every file field of the project (issue 7, "Files and documents").

The upload points (every form with a file field, every view reading ``request.FILES``):

==================  =========================================  =========================
field               page                                       what it keeps
==================  =========================================  =========================
evidence            the scorecard's evidence library            Evidence + file
nomination          a nominated unit's achievement report       NominationDocument + file
adopted_document    the covenant's adopted documents            AdoptedDocument + file
token_signed        a leader's copy signed with a USB token     Signature + file
decision            the naming decision of a new cluster year   ClusterYear + file
verify              /verify/: a copy checked against the issue  nothing
unit_import         Excel import of units                       session (preview)
membership_import   Excel import of memberships                 session (preview)
targets_import      Excel import of a covenant's targets        session (preview)
rubric_import       Excel import of a scoring table             session (preview)
==================  =========================================  =========================

Every field gets every attack file: a Windows executable named .pdf, HTML and SVG
with script named .png, an oversized file of the field's own type (the limits are
made small here instead of sending 20 MB), a zip bomb (a small zip that unpacks
beyond the limit, lowered here), a macro workbook (.xlsm) named .xlsx and a text file
named .xlsx. Each must be refused with a Vietnamese message on the page, nothing new
under MEDIA_ROOT, no new row, nothing stashed in the session.

Hostile names (path traversal, NUL, right-to-left override, the uploader's own name)
with a valid file: the fields that keep files store them inside MEDIA_ROOT under a
name of the application's making, and serve them only as an attachment with nosniff.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import slugify
from openpyxl import Workbook

import core.excel
import scoring.services.scorecards as scorecard_services
from clusters.forms.clusters import FILE_CONTENT_MISMATCH, FILE_NOT_ALLOWED, FILE_TOO_BIG
from clusters.models import ClusterYear
from core.documents.verification import UPLOAD_NOT_PDF, UPLOAD_TOO_LARGE
from core.text import fold
from covenants.models import AdoptedDocument, CovenantState, Signature
from covenants.services.messages import (
    DOCUMENT_TOO_LARGE,
    DOCUMENT_TYPE_NOT_ALLOWED,
    TOKEN_FILE_NOT_PDF,
    TOKEN_FILE_NOT_SIGNED,
    TOKEN_FILE_TOO_LARGE,
)
from scoring.models import Evidence, NominationDocument
from scoring.services import nominations as nomination_services
from scoring.services.messages import scorecards as evidence_messages
from scoring.services.rubrics import rubric_create
from tests.scoring_world import scoring_world
from tests.test_cluster_year_views import create_url, year_post
from tests.test_covenant_workflow import leaders_for, make_covenant
from tests.test_scoring_nominations import publish_year_end

pytestmark = [pytest.mark.django_db, pytest.mark.sweep]  # sweep: see pyproject.toml

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SMALL_LIMIT = 4096  # MAX_UPLOAD_BYTES and EVIDENCE_MAX_BYTES for the oversized file
LIMIT = 1024 * 1024  # the same for every other attack: none is refused for its size
UNPACKED_LIMIT = 256 * 1024  # MAX_UNPACKED_BYTES while a test runs (200 MB in production)

# Every message by which an upload may be refused (English msgids; the page shows
# them in Vietnamese).
REFUSALS = [
    UPLOAD_NOT_PDF,
    UPLOAD_TOO_LARGE,
    FILE_TOO_BIG,
    FILE_NOT_ALLOWED,
    FILE_CONTENT_MISMATCH,
    DOCUMENT_TOO_LARGE,
    DOCUMENT_TYPE_NOT_ALLOWED,
    TOKEN_FILE_NOT_PDF,
    TOKEN_FILE_NOT_SIGNED,
    TOKEN_FILE_TOO_LARGE,
    evidence_messages.FILE_TOO_LARGE,
    evidence_messages.FILE_TYPE_REFUSED,
    evidence_messages.FILE_MACROS_REFUSED,
    core.excel.FILE_TOO_LARGE,
    core.excel.FILE_NOT_XLSX,
]
SIZE_REFUSALS = {
    str(message)
    for message in (
        UPLOAD_TOO_LARGE,
        FILE_TOO_BIG,
        DOCUMENT_TOO_LARGE,
        TOKEN_FILE_TOO_LARGE,
        evidence_messages.FILE_TOO_LARGE,
        core.excel.FILE_TOO_LARGE,
    )
}


# Attack files ----------------------------------------------------------------------------


def xlsx_bytes(rows: int = 3, *, macro: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tên đơn vị", "Loại"])
    for n in range(rows):
        sheet.append([f"xã Số {n} " + "x" * 30, "Xã"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not macro:
        return buffer.getvalue()
    # The same workbook as Excel saves it with macros (.xlsm): the macro-enabled main
    # part and a VBA project inside.
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" '
                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            target.writestr(item, data)
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook-shaped zip of a few KB whose one sheet unpacks to 4 MB of zeros."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data + b" " * (4 * 1024 * 1024)
            target.writestr(item.filename, data)
    return buffer.getvalue()


def oversized(kind: str) -> tuple[str, bytes]:
    """A file of the field's own type, larger than SMALL_LIMIT."""
    if kind == "xlsx":
        data = xlsx_bytes(rows=400)
        assert len(data) > SMALL_LIMIT
        return "bang.xlsx", data
    return "bao-cao.pdf", PDF[:-6] + b"%" + b"0" * (SMALL_LIMIT * 2) + b"\n%%EOF\n"


ATTACKS: dict[str, Callable[[str], tuple[str, bytes]]] = {
    "exe-named-pdf": lambda kind: ("bao-cao.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200),
    "html-named-png": lambda kind: (
        "anh.png",
        b"<!DOCTYPE html><html><body><script>fetch('/x?c='+document.cookie)</script></body></html>",
    ),
    "svg-named-png": lambda kind: (
        "anh.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(document.domain)</script></svg>",
    ),
    "oversized": oversized,
    "zip-bomb": lambda kind: ("bang.xlsx", zip_bomb()),
    "xlsm-named-xlsx": lambda kind: ("bang.xlsx", xlsx_bytes(macro=True)),
    "text-named-xlsx": lambda kind: ("bang.xlsx", "Tên đơn vị;Loại\nxã A;Xã\n".encode()),
}


# Upload points ---------------------------------------------------------------------------


@dataclass
class Target:
    client: Any
    url: str
    data: dict[str, Any]
    kind: str  # the type the field accepts: "pdf" or "xlsx"
    rows: Callable[[], QuerySet]  # the rows an accepted upload adds
    field_name: str = "file"
    download: Callable[[Any], str] | None = None  # the download URL of a stored row
    stored: Callable[[Any], Any] | None = None  # the row's FieldFile
    uploader: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _evidence(world, client_for) -> Target:  # type: ignore[no-untyped-def]
    card = scoring_world(world).card(world.member_unit)
    return Target(
        client=client_for(world.member_officer),
        url=reverse("evidence_upload", args=[card.pk]),
        data={"from": "library", "title": "Báo cáo"},
        kind="pdf",
        rows=lambda: Evidence.objects.filter(scorecard=card),
        download=lambda row: reverse("evidence_download", args=[card.pk, row.pk]),
        stored=lambda row: row.file,
        uploader=world.member_officer,
    )


def _nomination(world, client_for) -> Target:  # type: ignore[no-untyped-def]
    from scoring import documents_ballots, documents_nominations, documents_reports

    documents_ballots.register()
    documents_reports.register()
    documents_nominations.register()
    period = publish_year_end(world).period
    nomination_services.nomination_prepare(actor=world.head_officer, period=period)
    return Target(
        client=client_for(world.last_head_officer),  # Đông Sơn, proposed
        url=reverse("nomination_upload", args=[period.pk]),
        data={},
        kind="pdf",
        rows=lambda: NominationDocument.objects.filter(kind="achievement_report"),
        download=lambda row: reverse("nomination_document_download", args=[period.pk, row.pk]),
        stored=lambda row: row.file,
        uploader=world.last_head_officer,
    )


def _adopted_document(world, client_for) -> Target:  # type: ignore[no-untyped-def]
    covenant = make_covenant(world)
    return Target(
        client=client_for(world.head_officer),
        url=reverse("covenant_documents", args=[covenant.pk]),
        data={"kind": "regulations", "title": "Quy chế hoạt động"},
        kind="pdf",
        rows=lambda: AdoptedDocument.objects.filter(covenant=covenant),
        download=lambda row: reverse("covenant_document_file", args=[covenant.pk, row.pk]),
        stored=lambda row: row.file,
        uploader=world.head_officer,
    )


def _token_signed(world, client_for) -> Target:  # type: ignore[no-untyped-def]
    leaders_for(world)
    covenant = make_covenant(world, state=CovenantState.SIGNING)
    return Target(
        client=client_for(world.member_leader),
        url=reverse("covenant_token_upload", args=[covenant.pk]),
        data={"confirm": "on"},
        kind="pdf",
        rows=lambda: Signature.objects.filter(covenant=covenant),
    )


def _decision(world, client_for) -> Target:  # type: ignore[no-untyped-def]
    def download(row: ClusterYear) -> str:
        return reverse("cluster_year_decision_file", args=[row.pk])

    return Target(
        client=client_for(world.board),
        url=create_url(world),
        data=year_post(world),
        kind="pdf",
        rows=lambda: ClusterYear.objects.filter(cluster=world.cluster, year=2025),
        field_name="decision_file",
        download=download,
        stored=lambda row: row.decision_file,
        uploader=world.board,
    )


def _verify(world, client_for) -> Target:  # type: ignore[no-untyped-def]
    return Target(
        client=client_for(world.member_officer),
        url="/verify/",
        data={},
        kind="pdf",
        rows=lambda: Evidence.objects.none(),  # keeps nothing, by design
    )


def _import(name: str, *args: Any) -> Callable[..., Target]:
    def make(world, client_for) -> Target:  # type: ignore[no-untyped-def]
        if name == "covenant_targets_import":
            user, url_args = world.head_officer, [make_covenant(world).pk]
        elif name == "rubric_import":
            rubric = rubric_create(
                actor=world.board,
                cluster_year=world.this_year,
                name="Bảng chấm điểm",
                scale_total=100,
                bonus_cap=5,
                deduction_cap=10,
            )
            user, url_args = world.board, [rubric.pk]
        else:
            user, url_args = world.board, []
        return Target(
            client=client_for(user),
            url=reverse(name, args=url_args),
            data={"step": "upload"},
            kind="xlsx",
            rows=lambda: Evidence.objects.none(),  # an import keeps nothing before "confirm"
        )

    return make


TARGETS: dict[str, Callable[..., Target]] = {
    "evidence": _evidence,
    "nomination": _nomination,
    "adopted_document": _adopted_document,
    "token_signed": _token_signed,
    "decision": _decision,
    "verify": _verify,
    "unit_import": _import("unit_import"),
    "membership_import": _import("membership_import"),
    "targets_import": _import("covenant_targets_import"),
    "rubric_import": _import("rubric_import"),
}
KEEPS_FILES = ["evidence", "nomination", "adopted_document", "decision"]


@pytest.fixture
def media(settings, tmp_path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MAX_UPLOAD_BYTES = LIMIT
    settings.EVIDENCE_MAX_BYTES = LIMIT
    for module in (core.excel, scorecard_services):
        monkeypatch.setattr(module, "MAX_UNPACKED_BYTES", UNPACKED_LIMIT)
    return tmp_path / "media"


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def vietnamese(message: Any) -> str:
    """The Vietnamese text of a refusal up to its first placeholder, as the page shows it."""
    with translation.override("vi"):
        text = str(message)
    return escape(text.split("%(")[0].strip())


def shown_refusals(html: str) -> list[str]:
    return [str(message) for message in REFUSALS if vietnamese(message) in html]


def post(target: Target, name: str, content: bytes):  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return target.client.post(target.url, {**target.data, target.field_name: upload}, follow=True)


def test_every_refusal_is_translated() -> None:
    for message in REFUSALS:
        with translation.override("en"):
            english = str(message)
        with translation.override("vi"):
            assert str(message) != english, english


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("target_name", list(TARGETS))
def test_an_attack_file_is_refused_with_a_vietnamese_message_and_nothing_kept(
    world, client_for, media, settings, target_name, attack
) -> None:  # type: ignore[no-untyped-def]
    target = TARGETS[target_name](world, client_for)
    if attack == "oversized":
        settings.MAX_UPLOAD_BYTES = settings.EVIDENCE_MAX_BYTES = SMALL_LIMIT
    name, content = ATTACKS[attack](target.kind)
    files_before = files_under(media)
    rows_before = set(target.rows().values_list("pk", flat=True))
    session_before = dict(target.client.session.items())

    response = post(target, name, content)

    assert response.status_code in (200, 422)  # the form again, with the reason
    html = response.content.decode()
    shown = shown_refusals(html)
    assert shown, f"no refusal message on the page:\n{html[:3000]}"
    # refused for the right reason: its size only when it is too large
    if attack == "oversized":
        assert set(shown) <= SIZE_REFUSALS, shown
    elif not (attack == "zip-bomb" and target.kind == "xlsx"):  # an import says "too large"
        assert not set(shown) & SIZE_REFUSALS, shown
    assert files_under(media) == files_before
    assert set(target.rows().values_list("pk", flat=True)) == rows_before
    assert dict(target.client.session.items()) == session_before


def _hostile_names(user) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        "../../etc/passwd.pdf",
        "..\\..\\windows\\win.ini.pdf",
        "bao\x00cao.pdf",
        "bao-cao\u202egpj.pdf",  # shows as "bao-caofdp.jpg"
        f"{user.get_full_name()} {user.username} tự đánh giá.pdf",
    ]


@pytest.mark.parametrize("case", range(5))
@pytest.mark.parametrize("target_name", KEEPS_FILES)
def test_a_stored_file_has_a_name_of_our_making_and_is_served_as_an_attachment(
    world, client_for, media, target_name, case
) -> None:  # type: ignore[no-untyped-def]
    target = TARGETS[target_name](world, client_for)
    name = _hostile_names(target.uploader)[case]
    rows_before = set(target.rows().values_list("pk", flat=True))

    response = post(target, name, PDF)

    assert response.status_code == 200
    new = target.rows().exclude(pk__in=rows_before)
    assert new.count() == 1, response.content.decode()[:3000]
    row = new.get()
    stored = target.stored(row)
    path = Path(stored.path).resolve()
    assert path.is_relative_to(media.resolve()) and path.read_bytes() == PDF
    basename = path.name
    assert basename.endswith(".pdf")
    assert ".." not in stored.name and "\x00" not in stored.name and "\u202e" not in stored.name
    # Nothing of the name the user gave, nor the user's own name, on disk.
    user = target.uploader
    for part in (
        "passwd", "win", "bao", "gpj", "tu-danh-gia", "danh",
        slugify(fold(user.last_name)), user.username.lower(),
    ):  # fmt: skip
        assert part not in fold(basename).lower(), (part, stored.name)
    download = target.client.get(target.download(row))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
