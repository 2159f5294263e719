"""Signing the covenant: each member unit's leader with the password, the head unit
last, the board's witness when wanted, the copy signed with a USB token; then the
covenant is signed and its signed PDF issued."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clusters.models import Profile
from core.documents.jobs import job_request, latest_job
from core.documents.signing import validate_pdf
from core.models import ActionLog, JobState
from covenants.models import CovenantState, Signature
from covenants.services.messages import (
    SIGN_ALREADY_SIGNED,
    SIGN_HEAD_LAST,
    SIGN_NOT_LEADER,
    SIGN_NOT_MEMBER,
    SIGN_NOT_SIGNING,
    SIGN_TOO_MANY_ATTEMPTS,
    SIGN_WRONG_PASSWORD,
    TOKEN_FILE_NOT_INTACT,
    TOKEN_FILE_NOT_PDF,
    TOKEN_FILE_NOT_SIGNED,
    WITNESS_BOARD_STAFF_ONLY,
    WITNESS_TOO_EARLY,
)
from covenants.services.signing import (
    FAILED_ATTEMPTS_LIMIT,
    covenant_sign,
    covenant_token_upload,
    covenant_witness_sign,
    signing_order,
)
from tests.factories import PASSWORD, make_user
from tests.test_covenant_workflow import (
    leaders_for,
    make_covenant,
    sign_all,
    signing_order_units,
)
from tests.test_signing import (
    flip_one_signed_byte,
    pdftotext,
    sign_with_foreign_token,
    tinos_pdf,
)

S = CovenantState


@pytest.fixture
def signing_keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The demo CA signs the signed PDF (needs DEBUG on; pytest turns it off)."""
    settings.SIGNING_DEMO_KEYS = True
    settings.SIGNING_PKCS12_PATH = ""
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"


@pytest.fixture
def leaders(world):  # type: ignore[no-untyped-def]
    return leaders_for(world)


@pytest.fixture
def covenant(world, leaders):  # type: ignore[no-untyped-def]
    return make_covenant(world, state=S.SIGNING)


def issued_text(covenant) -> bytes:  # type: ignore[no-untyped-def]
    """The covenant's PDF of the adopted text as the application issues it (the
    file a leader signs with a USB token)."""
    job = job_request(
        actor=None,
        kind="covenant",
        obj=covenant,
        scope_id=covenant.cluster_year.cluster.organizer_id,
        params={"state": covenant.state},
    )
    job.refresh_from_db()
    assert job.state == "done", job.error
    return job.file.read()


def in_english(client):  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = "en"
    return client


def messages_of(refused: pytest.ExceptionInfo) -> list[str]:
    return refused.value.messages


# --- the order --------------------------------------------------------------------------------


def test_the_order_is_the_members_in_the_agreed_order_with_the_head_last(world, covenant):
    slots = signing_order(covenant)
    assert [slot.unit for slot in slots] == signing_order_units(world)
    assert [slot.is_head for slot in slots] == [False, False, False, True]


def test_the_witness_comes_after_the_members_and_before_the_head(world, leaders):
    covenant = make_covenant(world, state=S.SIGNING, needs_witness=True)
    slots = signing_order(covenant)
    assert [slot.is_witness for slot in slots] == [False, False, False, True, False]
    assert slots[-1].unit == world.h_new


# --- signing with the password ----------------------------------------------------------------


def test_all_leaders_sign_and_the_covenant_is_signed_with_its_signed_pdf(
    world, covenant, leaders, signing_keys
):
    covenant = sign_all(world, covenant, leaders)
    assert covenant.state == S.SIGNED
    assert covenant.signed_at is not None
    signatures = {s.unit_id: s for s in covenant.signatures.all()}
    bac_son = signatures[world.member_unit.pk]
    assert (bac_son.signer, bac_son.signer_name, bac_son.signer_position) == (
        world.member_leader,
        "Người lan",
        "Chủ tịch UBND huyện",
    )
    assert bac_son.ip_address == "10.0.0.9"
    assert bac_son.method == Signature.Method.IN_APP
    assert signatures[world.h_new.pk].signer_name == "Trần Văn Tây"
    assert covenant.signed_at >= signatures[world.h_new.pk].signed_at
    actions = list(
        ActionLog.objects.filter(object_id=str(covenant.pk))
        .filter(action__startswith="covenants.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-5:] == ["covenants.signature.created"] * 4 + ["covenants.covenant.signed"]
    # The signed PDF was requested with the last signature and (inline runner) is there.
    job = latest_job(obj=covenant, kind="covenant_signed")
    assert job is not None and job.state == JobState.DONE, job and job.error
    pdf = job.file.read()
    report = validate_pdf(pdf)
    assert report.signed and report.intact and report.trusted
    assert report.signers[0].name.endswith("tỉnh An Phú")
    text = pdftotext(pdf)
    for name in ["Trần Văn Tây", "Lê Thị Nam", "Phạm Văn Đông", "Người lan"]:
        assert name in text
    assert "ĐƠN VỊ TRƯỞNG CỤM" in text
    assert "DỰ THẢO" not in text


def test_a_wrong_password_signs_nothing_and_is_logged_as_a_failed_attempt(world, covenant):
    with pytest.raises(ValidationError) as refused:
        covenant_sign(
            actor=world.member_leader,
            covenant=covenant,
            password="not-the-password",
            ip_address="10.1.1.1",
        )
    assert refused.value.message_dict == {"password": [str(SIGN_WRONG_PASSWORD)]}
    assert not Signature.objects.exists()
    covenant.refresh_from_db()
    assert covenant.state == S.SIGNING
    failure = ActionLog.objects.get(action="covenants.signature.failed")
    assert failure.actor == world.member_leader
    assert failure.ip_address == "10.1.1.1"
    assert failure.data == {"reason": "wrong_password", "signing_for": "UBND huyện Bắc Sơn"}
    assert not ActionLog.objects.filter(action="covenants.signature.created").exists()


def test_too_many_wrong_passwords_stop_signing_for_a_while(world, covenant):
    for _ in range(FAILED_ATTEMPTS_LIMIT):
        with pytest.raises(ValidationError):
            covenant_sign(actor=world.member_leader, covenant=covenant, password="wrong")
    with pytest.raises(ValidationError) as refused:
        covenant_sign(actor=world.member_leader, covenant=covenant, password=PASSWORD)
    assert messages_of(refused) == [str(SIGN_TOO_MANY_ATTEMPTS) % {"minutes": 15}]
    assert not Signature.objects.exists()


def test_a_leader_of_a_unit_outside_the_cluster_cannot_sign(world, covenant):
    outsider_leader = make_user("outlead", role=Profile.Role.LEADER, unit=world.outsider_unit)
    with pytest.raises(ValidationError) as refused:
        covenant_sign(actor=outsider_leader, covenant=covenant, password=PASSWORD)
    assert messages_of(refused) == [str(SIGN_NOT_MEMBER) % {"unit": "Sở Nội vụ", "year": 2024}]
    assert not Signature.objects.exists()


@pytest.mark.parametrize("persona", ["member_officer", "head_officer", "board"])
def test_only_leaders_sign(world, covenant, persona):
    with pytest.raises(ValidationError) as refused:
        covenant_sign(actor=getattr(world, persona), covenant=covenant, password=PASSWORD)
    assert messages_of(refused) == [str(SIGN_NOT_LEADER)]
    assert not Signature.objects.exists()


def test_the_head_unit_cannot_sign_before_the_others(world, covenant, leaders):
    with pytest.raises(ValidationError) as refused:
        covenant_sign(actor=leaders[world.h_new.pk], covenant=covenant, password=PASSWORD)
    missing = "UBND huyện Nam Sơn, UBND huyện Bắc Sơn, UBND huyện Đông Sơn"
    assert messages_of(refused) == [str(SIGN_HEAD_LAST) % {"missing": missing}]
    covenant = sign_all(world, covenant, leaders, but=2)  # Nam Sơn and Bắc Sơn sign
    with pytest.raises(ValidationError) as refused:
        covenant_sign(actor=leaders[world.h_new.pk], covenant=covenant, password=PASSWORD)
    assert messages_of(refused) == [str(SIGN_HEAD_LAST) % {"missing": "UBND huyện Đông Sơn"}]
    assert not Signature.objects.filter(unit=world.h_new).exists()


def test_members_other_than_the_head_sign_in_any_order(world, covenant, leaders):
    covenant_sign(actor=leaders[world.h_old.pk], covenant=covenant, password=PASSWORD)
    covenant_sign(actor=world.member_leader, covenant=covenant, password=PASSWORD)
    assert covenant.signatures.count() == 2


def test_a_unit_signs_once(world, covenant):
    covenant_sign(actor=world.member_leader, covenant=covenant, password=PASSWORD)
    second_leader = make_user("lan2", role=Profile.Role.LEADER, unit=world.member_unit)
    for leader in [world.member_leader, second_leader]:
        with pytest.raises(ValidationError) as refused:
            covenant_sign(actor=leader, covenant=covenant, password=PASSWORD)
        assert messages_of(refused) == [str(SIGN_ALREADY_SIGNED) % {"unit": "UBND huyện Bắc Sơn"}]
    assert covenant.signatures.filter(unit=world.member_unit).count() == 1


@pytest.mark.parametrize("state", [S.DRAFT, S.CIRCULATED, S.ADOPTED])
def test_nobody_signs_before_signing_is_open(world, leaders, state):
    covenant = make_covenant(world, state=state)
    with pytest.raises(ValidationError) as refused:
        covenant_sign(actor=world.member_leader, covenant=covenant, password=PASSWORD)
    assert messages_of(refused) == [str(SIGN_NOT_SIGNING)]


# --- the board's witness ----------------------------------------------------------------------


def test_the_witness_signs_after_the_members_and_before_the_head(world, leaders):
    covenant = make_covenant(world, state=S.SIGNING, needs_witness=True)
    with pytest.raises(ValidationError) as refused:
        covenant_witness_sign(actor=world.board, covenant=covenant, password=PASSWORD)
    assert messages_of(refused) == [
        str(WITNESS_TOO_EARLY)
        % {"missing": "UBND huyện Nam Sơn, UBND huyện Bắc Sơn, UBND huyện Đông Sơn"}
    ]
    covenant = sign_all(world, covenant, leaders, but=1)
    with pytest.raises(ValidationError) as refused:
        covenant_sign(actor=leaders[world.h_new.pk], covenant=covenant, password=PASSWORD)
    assert refused.value.code == "head_last"
    for stranger in [world.head_officer, world.other_board]:
        with pytest.raises(ValidationError) as refused:
            covenant_witness_sign(actor=stranger, covenant=covenant, password=PASSWORD)
        assert messages_of(refused) == [str(WITNESS_BOARD_STAFF_ONLY)]
    witness = covenant_witness_sign(
        actor=world.board, covenant=covenant, password=PASSWORD, ip_address="10.2.2.2"
    )
    assert witness.is_witness and witness.unit is None and witness.signer == world.board
    covenant_sign(actor=leaders[world.h_new.pk], covenant=covenant, password=PASSWORD)
    covenant.refresh_from_db()
    assert covenant.state == S.SIGNED
    assert covenant.signatures.count() == 5


def test_the_witness_page_is_the_boards(world, client_for, leaders):
    covenant = make_covenant(world, state=S.SIGNING, needs_witness=True)
    url = reverse("covenant_witness", args=[covenant.pk])
    assert client_for(world.head_officer).get(url).status_code == 403
    assert client_for(world.other_board).get(url).status_code == 404
    sign_all(world, covenant, leaders, but=1)
    client = client_for(world.board)
    response = client.post(url, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert covenant.signatures.filter(is_witness=True).count() == 1


# --- the pages --------------------------------------------------------------------------------


def test_the_sign_page_shows_what_is_signed_and_by_whom(world, client_for, covenant):
    page = client_for(world.member_leader).get(reverse("covenant_sign", args=[covenant.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "UBND huyện Bắc Sơn" in html
    assert "Người lan" in html and "Chủ tịch UBND huyện" in html
    assert "Về kinh tế" in html
    assert "Xã đạt chuẩn nông thôn mới nâng cao: <strong>3</strong>" in html
    assert 'type="password"' in html and 'name="confirm"' in html
    assert "data-confirm=" in html


def test_signing_on_the_page_records_the_signature_and_its_address(world, client_for, covenant):
    client = client_for(world.member_leader)
    response = client.post(
        reverse("covenant_sign", args=[covenant.pk]), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    assert response.url == reverse("covenant_detail", args=[covenant.pk])
    signature = Signature.objects.get(covenant=covenant)
    assert (signature.unit, signature.ip_address) == (world.member_unit, "127.0.0.1")
    panel = client.get(response.url).content.decode()
    assert "1/4" in panel
    assert "UBND huyện Nam Sơn, UBND huyện Đông Sơn, UBND huyện Tây Sơn" in panel


def test_a_wrong_password_on_the_page_shows_the_reason_and_keeps_the_form(
    world, client_for, covenant
):
    client = in_english(client_for(world.member_leader))
    page = client.post(
        reverse("covenant_sign", args=[covenant.pk]), {"password": "sai-roi", "confirm": "on"}
    )
    assert page.status_code == 200
    assert str(SIGN_WRONG_PASSWORD) in page.content.decode()
    assert not Signature.objects.exists()


def test_without_the_confirmation_nothing_is_signed(world, client_for, covenant):
    client_for(world.member_leader).post(
        reverse("covenant_sign", args=[covenant.pk]), {"password": PASSWORD}
    )
    assert not Signature.objects.exists()
    assert not ActionLog.objects.filter(action__startswith="covenants.signature").exists()


def test_the_head_signing_too_early_on_the_page_is_told_who_is_missing(
    world, client_for, covenant, leaders
):
    client = in_english(client_for(leaders[world.h_new.pk]))
    page = client.post(
        reverse("covenant_sign", args=[covenant.pk]), {"password": PASSWORD, "confirm": "on"}
    )
    assert "UBND huyện Nam Sơn, UBND huyện Bắc Sơn, UBND huyện Đông Sơn" in page.content.decode()
    assert not Signature.objects.exists()


def test_the_sign_pages_say_why_not_instead_of_asking_for_the_password(
    world, client_for, covenant, leaders
):
    client = in_english(client_for(leaders[world.h_new.pk]))
    for name in ["covenant_sign", "covenant_token_upload"]:
        html = client.get(reverse(name, args=[covenant.pk])).content.decode()
        missing = "UBND huyện Nam Sơn, UBND huyện Bắc Sơn, UBND huyện Đông Sơn"
        assert str(SIGN_HEAD_LAST) % {"missing": missing} in html, name
        assert 'type="password"' not in html and 'type="file"' not in html, name


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member_leader", 200),
        ("member_officer", 403),
        ("head_officer", 403),
        ("board", 403),
        ("last_head_officer", 403),
        ("other_board", 404),
        ("outsider_officer", 404),
    ],
)
def test_who_opens_the_sign_and_token_pages(world, client_for, covenant, persona, status):
    client = client_for(getattr(world, persona))
    for name in ["covenant_sign", "covenant_token_upload"]:
        assert client.get(reverse(name, args=[covenant.pk])).status_code == status, name


def test_anonymous_is_sent_to_log_in(world, client, covenant):
    response = client.get(reverse("covenant_sign", args=[covenant.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_panel_shows_the_signing_order_at_a_glance(world, client_for, covenant, leaders):
    sign_all(world, covenant, leaders, but=2)
    html = (
        client_for(world.member_officer)
        .get(reverse("covenant_detail", args=[covenant.pk]))
        .content.decode()
    )
    table = html.split('class="table table-sm bg-white align-middle signing-table"')[1]
    rows = table.split('<tr class="signing-row')[1:]
    assert [("is-signed" in row.split(">")[0]) for row in rows] == [True, True, False, False]
    assert "Lê Thị Nam" in rows[0] and "Người lan" in rows[1]
    assert "UBND huyện Tây Sơn" in rows[3] and "badge-head" in rows[3]
    assert "2/4" in html
    assert "UBND huyện Đông Sơn, UBND huyện Tây Sơn" in html
    # A member officer has nothing to press.
    assert "sign-link" not in html


def test_the_leader_whose_turn_it_is_gets_the_sign_button(world, client_for, covenant):
    html = (
        client_for(world.member_leader)
        .get(reverse("covenant_detail", args=[covenant.pk]))
        .content.decode()
    )
    assert reverse("covenant_sign", args=[covenant.pk]) in html
    assert reverse("covenant_token_upload", args=[covenant.pk]) in html


# --- the copy signed with a USB token ---------------------------------------------------------


def test_a_copy_signed_by_a_foreign_ca_is_accepted_as_intact_but_unverified(
    world, client_for, covenant, signing_keys
):
    signed = sign_with_foreign_token(issued_text(covenant), common_name="Người lan")
    signature = covenant_token_upload(
        actor=world.member_leader,
        covenant=covenant,
        file_bytes=signed,
        filename="giao-uoc-ky-so.pdf",
        ip_address="10.3.3.3",
    )
    assert signature.method == Signature.Method.TOKEN_UPLOAD
    assert signature.unit == world.member_unit
    assert signature.file.read() == signed
    check = signature.validation
    assert (check["signed"], check["intact"], check["trusted"]) == (True, True, False)
    assert check["signers"][0]["name"] == "Người lan"
    assert check["original_filename"] == "giao-uoc-ky-so.pdf"
    html = (
        in_english(client_for(world.member_officer))
        .get(reverse("covenant_detail", args=[covenant.pk]))
        .content.decode()
    )
    assert "valid digital signature, certificate not verified" in html
    assert "Signed digitally (USB token)" in html
    file_url = reverse("covenant_signature_file", args=[covenant.pk, signature.pk])
    assert file_url in html


def test_the_token_signed_copy_is_downloaded_only_by_those_who_see_the_covenant(
    world, client_for, client, covenant, signing_keys
):
    signed = sign_with_foreign_token(issued_text(covenant), common_name="Người lan")
    signature = covenant_token_upload(
        actor=world.member_leader, covenant=covenant, file_bytes=signed, filename="a.pdf"
    )
    url = reverse("covenant_signature_file", args=[covenant.pk, signature.pk])
    response = client_for(world.member_officer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == signed
    assert response["Content-Type"] == "application/pdf"
    assert client_for(world.other_board).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    # An in-app signature has no file.
    in_app = covenant_sign(
        actor=Profile.objects.get(unit=world.h_old, role="leader").user,
        covenant=covenant,
        password=PASSWORD,
    )
    url = reverse("covenant_signature_file", args=[covenant.pk, in_app.pk])
    assert client_for(world.board).get(url).status_code == 404


def test_an_unsigned_pdf_is_refused(world, covenant):
    with pytest.raises(ValidationError) as refused:
        covenant_token_upload(
            actor=world.member_leader, covenant=covenant, file_bytes=tinos_pdf(), filename="a.pdf"
        )
    assert refused.value.message_dict == {"file": [str(TOKEN_FILE_NOT_SIGNED)]}
    assert not Signature.objects.exists()


def test_a_signed_pdf_changed_afterwards_is_refused(world, covenant, signing_keys):
    tampered = flip_one_signed_byte(sign_with_foreign_token(tinos_pdf()))
    with pytest.raises(ValidationError) as refused:
        covenant_token_upload(
            actor=world.member_leader, covenant=covenant, file_bytes=tampered, filename="a.pdf"
        )
    assert refused.value.message_dict == {"file": [str(TOKEN_FILE_NOT_INTACT)]}
    assert not Signature.objects.exists()


def test_something_that_is_no_pdf_is_refused(world, covenant):
    with pytest.raises(ValidationError) as refused:
        covenant_token_upload(
            actor=world.member_leader,
            covenant=covenant,
            file_bytes=b"PK\x03\x04 a zip file",
            filename="a.pdf",
        )
    assert refused.value.message_dict == {"file": [str(TOKEN_FILE_NOT_PDF)]}


def test_the_head_uploads_last_too(world, covenant, leaders, signing_keys):
    with pytest.raises(ValidationError) as refused:
        covenant_token_upload(
            actor=leaders[world.h_new.pk],
            covenant=covenant,
            file_bytes=sign_with_foreign_token(tinos_pdf()),
            filename="a.pdf",
        )
    assert refused.value.code == "head_last"


def test_the_token_page_uploads_and_reports_errors(world, client_for, covenant, signing_keys):
    client = in_english(client_for(world.member_leader))
    url = reverse("covenant_token_upload", args=[covenant.pk])
    page = client.post(
        url,
        {"file": SimpleUploadedFile("a.pdf", tinos_pdf(), "application/pdf"), "confirm": "on"},
    )
    assert page.status_code == 200
    assert str(TOKEN_FILE_NOT_SIGNED) in page.content.decode()
    response = client.post(
        url,
        {
            "file": SimpleUploadedFile(
                "ky-so.pdf",
                sign_with_foreign_token(issued_text(covenant), common_name="Người lan"),
                "application/pdf",
            ),
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    signature = Signature.objects.get(covenant=covenant)
    assert signature.method == Signature.Method.TOKEN_UPLOAD
    assert signature.ip_address == "127.0.0.1"


def test_a_covenant_completed_by_a_token_upload_is_signed(world, covenant, leaders, signing_keys):
    covenant = sign_all(world, covenant, leaders, but=1)
    covenant_token_upload(
        actor=leaders[world.h_new.pk],
        covenant=covenant,
        file_bytes=sign_with_foreign_token(issued_text(covenant), common_name="Trần Văn Tây"),
        filename="a.pdf",
    )
    covenant.refresh_from_db()
    assert covenant.state == S.SIGNED
    job = latest_job(obj=covenant, kind="covenant_signed")
    text = pdftotext(job.file.read())
    assert "Đã ký số" in text


def test_a_signed_pdf_of_another_document_is_not_this_units_signature(
    world, covenant, signing_keys
):
    """Any intact signed PDF (another covenant, a random file) is refused: the copy
    must be this covenant's issued text with signatures added after it."""
    from covenants.services.messages import TOKEN_FILE_NOT_THIS_COVENANT

    with pytest.raises(ValidationError) as refused:
        covenant_token_upload(
            actor=world.member_leader,
            covenant=covenant,
            file_bytes=sign_with_foreign_token(tinos_pdf(), common_name="Người lan"),
            filename="a.pdf",
        )
    assert refused.value.message_dict == {"file": [str(TOKEN_FILE_NOT_THIS_COVENANT)]}
    assert not Signature.objects.filter(covenant=covenant).exists()


def test_a_copy_signed_by_someone_else_than_the_leader_is_refused(world, covenant, signing_keys):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        covenant_token_upload(
            actor=world.member_leader,
            covenant=covenant,
            file_bytes=sign_with_foreign_token(issued_text(covenant), common_name="Lê Văn Khác"),
            filename="a.pdf",
        )
    with translation.override("en"):  # the message is translated when read
        refused_in_english = refused.value.message_dict
    assert refused_in_english == {
        "file": ["The file is signed by Lê Văn Khác, not by the unit's leader Người lan."]
    }
    assert not Signature.objects.filter(covenant=covenant).exists()
