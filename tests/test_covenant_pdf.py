"""The covenant as an official PDF: the Decree 30 layout with the seed's text, one font
family, the organizer's signature that a one-byte change breaks, user text that stays
text (and fetches nothing), and who may ask for and read it."""

from __future__ import annotations

import datetime as dt
import http.server
import shutil
import subprocess
import threading
from decimal import Decimal

import pytest
from django.urls import reverse

from clusters.models import ClusterYear, Profile, Unit
from core.documents.jobs import job_request, latest_job
from core.documents.signing import validate_pdf
from core.models import DocumentJob, JobState
from covenants.models import Covenant, CovenantSection, CovenantState, Target, TargetValue
from tests.conftest import demo_loaded_once
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members, make_user
from tests.test_covenant_workflow import (
    leaders_for,
    make_covenant,
    sign_all,
)
from tests.test_signing import flip_one_signed_byte, font_names

S = CovenantState


@pytest.fixture
def signing_keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The demo CA signs the signed PDF (needs DEBUG on; pytest turns it off)."""
    settings.SIGNING_DEMO_KEYS = True
    settings.SIGNING_PKCS12_PATH = ""
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"


BAC_NINH_MEMBERS = [
    "UBND thành phố Bắc Ninh",
    "UBND thành phố Từ Sơn",
    "UBND huyện Quế Võ",
    "UBND huyện Thuận Thành",
    "UBND huyện Tiên Du",
    "UBND huyện Yên Phong",
    "UBND huyện Gia Bình",
    "UBND huyện Lương Tài",
]


def text_of(pdf: bytes) -> str:
    """pdftotext in reading order (table cells one after another), white space collapsed."""
    executable = shutil.which("pdftotext")
    assert executable, "pdftotext (poppler-utils) is needed by this test"
    result = subprocess.run(  # noqa: S603 - fixed tool and arguments, the PDF on stdin
        [executable, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def render(covenant: Covenant, kind: str, actor=None) -> DocumentJob:  # type: ignore[no-untyped-def]
    job = job_request(
        actor=actor,
        kind=kind,
        obj=covenant,
        scope_id=covenant.cluster_year.cluster.organizer_id,
    )
    job.refresh_from_db()
    return job


# --- the demo's Bắc Ninh covenant -------------------------------------------------------------


@pytest.fixture(scope="class")
def demo_once(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The demo loaded once for ``TestTheDemoCovenants`` (tests/conftest.py), rolled back
    after it, so the later tests of this module start from an empty database."""
    with demo_loaded_once(django_db_blocker, tmp_path_factory) as output:
        yield output


@pytest.fixture
def demo(demo_once, db):  # type: ignore[no-untyped-def]
    assert "demo12345" in demo_once


@pytest.fixture
def bac_ninh(demo) -> Covenant:  # type: ignore[no-untyped-def]
    return Covenant.objects.get(
        cluster_year__cluster__organizer__name="Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh",
        cluster_year__year=2023,
    )


@pytest.fixture
def bac_ninh_signed_pdf(bac_ninh, signing_keys) -> bytes:  # type: ignore[no-untyped-def]
    job = render(bac_ninh, "covenant_signed")
    assert job.state == JobState.DONE, job.error
    return job.file.read()


@pytest.mark.xdist_group("covenant_demo")  # one process, one load (--dist loadgroup)
class TestTheDemoCovenants:
    """These tests only read the demo: it is loaded once for the class (``demo``)."""

    def test_the_demo_bac_ninh_covenant_reads_as_the_official_document(self, bac_ninh_signed_pdf):
        text = text_of(bac_ninh_signed_pdf)
        for expected in [
            "UBND TỈNH BẮC NINH",
            "CỤM THI ĐUA CÁC HUYỆN, THÀNH PHỐ",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Lương Tài, ngày 17 tháng 3 năm 2023",
            "BẢN GIAO ƯỚC THI ĐUA",
            "NĂM 2023",
            "Căn cứ Kế hoạch số 21/KH-UBND ngày 30/01/2023 của UBND tỉnh Bắc Ninh;",
            "Căn cứ Quyết định số 42/QĐ-UBND ngày 12/01/2023 của UBND tỉnh Bắc Ninh;",
            "đồng chí Đàm Văn Bắc, Phó Trưởng ban, Ban Thi đua - Khen thưởng tỉnh",
            "I. Về kinh tế",
            "X. Tích cực, chủ động hội nhập quốc tế toàn diện và sâu rộng",
            "quy hoạch chung đô thị Bắc Ninh đến năm 1945",
            "Số xã được công nhận đạt chuẩn nông thôn mới nâng cao (toàn cụm: 09 xã)",
            "ĐƠN VỊ TRƯỞNG CỤM",
            "Phạm Thanh Hải",
            "Đã ký (15:35 ngày 17/03/2023)",
        ]:
            assert expected in text, expected
        for name in BAC_NINH_MEMBERS:
            assert name in text, name
            assert f"TM. {name.upper()}" in text, name
        assert "DỰ THẢO" not in text

    def test_every_target_of_the_bac_kan_covenant_is_in_its_pdf(self, demo, signing_keys):
        covenant = Covenant.objects.get(
            cluster_year__cluster__organizer__name__endswith="thành phố Bắc Kạn",
            cluster_year__year=2022,
        )
        job = render(covenant, "covenant")
        text = text_of(job.file.read())
        assert "Phùng Chí Kiên, ngày 28 tháng 4 năm 2022" in text
        assert "Lê Đăng Trưởng" in text
        for target in covenant.targets.all():
            assert target.indicator in text, target.indicator
        assert text.count("100") >= 4 * 8
        for membership in covenant.cluster_year.memberships.select_related("unit"):
            assert membership.unit.name in text

    def test_the_pdf_uses_only_tinos(self, bac_ninh_signed_pdf):
        fonts = font_names(bac_ninh_signed_pdf)
        assert fonts
        assert {font.split("-")[0] for font in fonts} == {"Tinos"}, fonts

    def test_the_signed_pdf_validates_and_one_changed_byte_breaks_it(self, bac_ninh_signed_pdf):
        report = validate_pdf(bac_ninh_signed_pdf)
        assert report.signed and report.intact and report.trusted
        assert report.signers[0].name == "Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh"
        changed = flip_one_signed_byte(bac_ninh_signed_pdf)
        assert len(changed) == len(bac_ninh_signed_pdf)
        assert sum(a != b for a, b in zip(changed, bac_ninh_signed_pdf, strict=True)) == 1
        assert not validate_pdf(changed).intact

    def test_the_signed_pdf_carries_the_verification_code(self, bac_ninh, bac_ninh_signed_pdf):
        job = latest_job(obj=bac_ninh, kind="covenant_signed")
        text = text_of(bac_ninh_signed_pdf)
        assert job.verification_code in text
        assert f"/verify/{job.verification_code}/" in text
        # The QR code (an SVG data URI, drawn as vector paths) points at the same page.
        from core.documents.qr import qr_data_uri
        from core.documents.render import render_html
        from core.documents.verification import verification_url
        from covenants.documents import TEMPLATE, covenant_context

        html = render_html(TEMPLATE, covenant_context(bac_ninh, job=job, draft=False))
        assert f'src="{qr_data_uri(verification_url(job.verification_code))}"' in html

    def test_the_demo_covenants_are_signed_by_all_eight_and_have_no_pdf_yet(self, demo):
        """No covenant PDF yet (Bắc Kạn 2022's year-end documents are rendered)."""
        for covenant in Covenant.objects.all():
            assert covenant.state == S.SIGNED
            assert covenant.signatures.count() == 8
            assert covenant.cluster_year.memberships.count() == 8
            head = covenant.signatures.get(unit=covenant.cluster_year.head_unit)
            assert head.signed_at == max(s.signed_at for s in covenant.signatures.all())
        assert not DocumentJob.objects.filter(kind__in=["covenant", "covenant_signed"]).exists()

    def test_the_demo_bac_ninh_covenant_is_the_seed(self, bac_ninh):
        assert bac_ninh.sections.count() == 10
        assert bac_ninh.conference_date == dt.date(2023, 3, 17)
        assert list(bac_ninh.guests.values_list("name", flat=True)) == [
            "Đàm Văn Bắc",
            "Phạm Thanh Hải",
        ]
        target = bac_ninh.targets.get()
        assert target.measure == "xã"
        assert not TargetValue.objects.filter(target=target, value__isnull=False).exists()
        head = bac_ninh.signatures.get(unit__name="UBND huyện Lương Tài")
        assert head.signer_name == "Phạm Thanh Hải"
        # Every member unit has a leader who can sign, with the demo password.
        for membership in bac_ninh.cluster_year.memberships.all():
            leader = Profile.objects.get(unit=membership.unit, role="leader")
            assert leader.user.check_password("demo12345")

    def test_load_demo_twice_makes_no_second_covenant_or_leader(self, demo):
        before = (Covenant.objects.count(), Profile.objects.count())
        from covenants.demo import load_covenant_demo

        assert load_covenant_demo() == []
        assert (Covenant.objects.count(), Profile.objects.count()) == before


# --- drafts -----------------------------------------------------------------------------------


def test_a_draft_carries_the_draft_mark_and_the_unsigned_leaders(world):
    leaders_for(world)
    covenant = make_covenant(world, state=S.CIRCULATED)
    job = render(covenant, "covenant", actor=world.board)
    assert job.state == JobState.DONE, job.error
    assert job.filename.endswith("-du-thao.pdf")
    text = text_of(job.file.read())
    assert "DỰ THẢO" in text
    assert "Tây Sơn, ngày 05 tháng 3 năm 2024" in text
    assert "Trần Văn Tây" in text  # the head unit's leader, still to sign
    assert "Đã ký" not in text
    assert not validate_pdf(job.file.read()).signed


def test_a_signed_document_of_an_unsigned_covenant_fails_with_a_reason(world):
    covenant = make_covenant(world, state=S.SIGNING)
    job = render(covenant, "covenant_signed", actor=world.board)
    assert job.state == JobState.FAILED
    assert "not signed" in job.error


def test_fifteen_members_fit_with_their_short_names(world):
    cluster = ClusterFactory(organizer=world.org, name="Cụm thi đua mười lăm")
    year = ClusterYearFactory(cluster=cluster, year=2025)
    units = [
        UnitFactory(organizer=world.org, name=f"UBND xã Thử Nghiệm Số {n}", short_name=f"Xã {n}")
        for n in range(1, 16)
    ]
    add_members(year, units)
    ClusterYear.objects.filter(pk=year.pk).update(head_unit=units[0])
    covenant = Covenant.objects.create(cluster_year=year, title="Giao ước 2025")
    CovenantSection.objects.create(covenant=covenant, order=1, heading="Về kinh tế")
    target = Target.objects.create(covenant=covenant, order=1, indicator="Thu ngân sách")
    for n, unit in enumerate(units, start=1):
        TargetValue.objects.create(target=target, unit=unit, value=Decimal(1000 + n) / 10)
    job = render(covenant, "covenant", actor=world.board)
    text = text_of(job.file.read())
    for n in range(1, 16):
        assert f"Xã {n}" in text
    assert "100,1" in text and "101,5" in text  # Vietnamese decimal comma


# --- user text is text, and nothing is fetched ------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    _Recorder.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_attack_input_in_the_text_is_printed_as_text_and_fetches_nothing(world, listener):
    port = listener.server_address[1]
    attack = (
        '<img src="file:///etc/passwd">\n'
        '<link rel="attachment" href="file:///etc/passwd">\n'
        f'<img src="http://127.0.0.1:{port}/leak.png"> http://127.0.0.1:{port}/visit'
    )
    covenant = make_covenant(world, preamble=f'<img src="http://127.0.0.1:{port}/pre.png">')
    CovenantSection.objects.create(
        covenant=covenant, order=2, heading="<b>Tấn công</b>", body=attack
    )
    Target.objects.create(
        covenant=covenant, order=2, indicator=f'<img src="http://127.0.0.1:{port}/t.png">'
    )
    job = render(covenant, "covenant", actor=world.board)
    assert job.state == JobState.DONE, job.error
    pdf = job.file.read()
    text = text_of(pdf)
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel="attachment" href="file:///etc/passwd">' in text
    assert f"http://127.0.0.1:{port}/visit" in text
    assert "<b>Tấn công</b>" in text
    assert "root:x:0:0" not in text
    assert b"/EmbeddedFile" not in pdf
    assert _Recorder.requests == []


# --- asking for the PDF and reading it --------------------------------------------------------


def test_the_head_asks_for_a_draft_pdf_and_is_sent_to_the_job(world, client_for):
    covenant = make_covenant(world)
    response = client_for(world.head_officer).post(reverse("covenant_pdf", args=[covenant.pk]))
    job = DocumentJob.objects.get()
    assert (job.kind, job.object_id, job.requested_by) == (
        "covenant",
        str(covenant.pk),
        world.head_officer,
    )
    assert response.status_code == 302
    assert response.url == reverse("job_detail", args=[job.pk])
    assert job.state == JobState.DONE


def test_a_signed_covenant_gives_its_one_signed_pdf(world, client_for, signing_keys):
    leaders = leaders_for(world)
    covenant = sign_all(world, make_covenant(world, state=S.SIGNING), leaders)
    issued = latest_job(obj=covenant, kind="covenant_signed")
    response = client_for(world.board).post(reverse("covenant_pdf", args=[covenant.pk]))
    assert response.url == reverse("job_detail", args=[issued.pk])
    assert DocumentJob.objects.filter(kind="covenant_signed").count() == 1


@pytest.mark.parametrize(
    "persona", ["member_officer", "member_leader", "last_head_officer", "head_officer", "board"]
)
def test_whoever_reads_the_covenant_may_ask_for_its_text(world, client_for, persona):
    """A member's leader needs the text to sign it with a USB token."""
    covenant = make_covenant(world)
    response = client_for(getattr(world, persona)).post(reverse("covenant_pdf", args=[covenant.pk]))
    job = DocumentJob.objects.get()
    assert response.url == reverse("job_detail", args=[job.pk])
    assert (job.kind, job.params) == ("covenant", {"state": covenant.state})


@pytest.mark.parametrize("persona", ["other_board", "outsider_officer"])
def test_strangers_cannot_ask_for_pdfs(world, client_for, persona):
    covenant = make_covenant(world)
    response = client_for(getattr(world, persona)).post(reverse("covenant_pdf", args=[covenant.pk]))
    assert response.status_code == 404
    assert not DocumentJob.objects.exists()


def test_the_pdf_request_needs_post(world, client_for):
    covenant = make_covenant(world)
    assert (
        client_for(world.board).get(reverse("covenant_pdf", args=[covenant.pk])).status_code == 405
    )


def test_whoever_sees_the_covenant_reads_its_pdf_and_nobody_else(world, client_for):
    covenant = make_covenant(world)
    job = render(covenant, "covenant", actor=world.board)
    download = reverse("job_download", args=[job.pk])
    response = client_for(world.member_officer).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"
    assert (
        client_for(world.member_officer).get(reverse("job_detail", args=[job.pk])).status_code
        == 200
    )
    assert client_for(world.other_board).get(download).status_code == 404
    assert client_for(world.outsider_officer).get(download).status_code == 404
    stranger = make_user("stranger", role=Profile.Role.LEADER, unit=world.other_unit)
    assert client_for(stranger).get(download).status_code == 404
    assert Unit.objects.exists()
