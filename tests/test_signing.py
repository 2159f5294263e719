"""PAdES signing of issued documents and the validation of any signed PDF."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import subprocess
import threading
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from weasyprint import HTML

from core.documents import keys, signing
from core.documents.signing import outside_event_loop, sign_pdf, signer_common_names, validate_pdf

LEADER_LINE = "TM. UBND huyện Lương Tài — Phạm Thanh Hải, Chủ tịch"


# --- helpers (imported by tests/test_verification.py too) -------------------------


def tinos_pdf(text: str = "Bản giao ước thi đua", pages: int = 2) -> bytes:
    """A small unsigned PDF set in Tinos only, fetching nothing."""
    body = "".join(
        f'<p style="break-before: page">{text} — trang {page + 1}</p>' for page in range(pages)
    )
    html = (
        f"<html><head><style>{signing.FONT_FACES} body {{ font-family: Tinos }}</style>"
        f"</head><body>{body}</body></html>"
    )
    return HTML(string=html, url_fetcher=signing.StampFetcher()).write_pdf()


def byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    found = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    return tuple(int(value) for value in found[-1])  # type: ignore[return-value]


def flip_one_signed_byte(pdf: bytes) -> bytes:
    """Change one byte inside a content stream, well inside the signed range."""
    start, length, _second, _second_length = byte_range(pdf)
    position = pdf.index(b"stream\n") + 20
    assert start <= position < start + length
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


def foreign_pkcs12(common_name: str = "Phạm Thanh Hải") -> tuple[bytes, bytes, x509.Certificate]:
    """A self-made CA (not ours) and a signing certificate under it, as PKCS#12."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ban Cơ yếu giả lập")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND huyện Lương Tài"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    passphrase = b"token-pin"
    data = pkcs12.serialize_key_and_certificates(
        b"leader", key, cert, [ca_cert], serialization.BestAvailableEncryption(passphrase)
    )
    return data, passphrase, ca_cert


def sign_with_foreign_token(pdf: bytes, common_name: str = "Phạm Thanh Hải") -> bytes:
    """What a unit leader's government USB token would do, with a CA we don't trust."""
    data, passphrase, _ca = foreign_pkcs12(common_name)
    signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase)
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="UnitLeader", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    # pyHanko's sync call runs asyncio.run(): off the loop a browser test leaves running.
    output = outside_event_loop(lambda: signers.sign_pdf(writer, metadata, signer=signer))
    return output.getvalue()


def poppler(tool: str, *args: str, pdf: bytes) -> bytes:
    """Run a poppler-utils tool (pdftotext, pdffonts, pdftoppm) on ``pdf``."""
    executable = shutil.which(tool)
    assert executable, f"{tool} (poppler-utils) is needed by this test"
    result = subprocess.run(  # noqa: S603 - fixed tool and arguments, the PDF on stdin
        [executable, *args], input=pdf, capture_output=True, check=True
    )
    return result.stdout


def pdftotext(pdf: bytes, *, last_page_only: bool = False) -> str:
    pages = ["-f", str(_page_count(pdf)), "-l", str(_page_count(pdf))] if last_page_only else []
    return " ".join(poppler("pdftotext", "-layout", *pages, "-", "-", pdf=pdf).decode().split())


def _page_count(pdf: bytes) -> int:
    return int(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"])


def font_names(pdf: bytes) -> list[str]:
    lines = poppler("pdffonts", "-", pdf=pdf).decode().splitlines()[2:]
    return [line.split()[0].split("+")[-1] for line in lines if line.strip()]


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def demo_keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The embedded demo: no PKCS#12 configured, demo keys allowed."""
    settings.SIGNING_DEMO_KEYS = True
    settings.SIGNING_PKCS12_PATH = ""
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"
    return settings.SIGNING_KEYS_DIR


@pytest.fixture
def signed(world, demo_keys) -> bytes:  # type: ignore[no-untyped-def]
    return sign_pdf(
        tinos_pdf(),
        organizer_id=world.org.pk,
        signers=[LEADER_LINE, "TM. UBND huyện Gia Bình — Nguyễn Văn An, Chủ tịch"],
        reason="Phát hành bản giao ước thi đua đã ký",
        location="Bắc Ninh",
    )


# --- signing and validating -------------------------------------------------------------


def test_a_signed_pdf_validates_as_intact_and_trusted_in_the_organizers_name(world, signed):
    report = validate_pdf(signed)

    assert report.signed and report.intact and report.trusted
    assert report.error == ""
    [signer] = report.signers
    assert signer.name == world.org.name
    assert signer_common_names(report) == [world.org.name]
    assert signer.issuer == keys.CA_COMMON_NAME
    assert signer.coverage == signing.COVERAGE_ENTIRE_FILE
    assert abs(signer.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2)


def test_the_signature_is_pades_with_sha256_reason_and_location(signed):
    [embedded] = PdfFileReader(BytesIO(signed)).embedded_regular_signatures
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.md_algorithm == "sha256"
    assert embedded.sig_object["/Reason"] == "Phát hành bản giao ước thi đua đã ký"
    assert embedded.sig_object["/Location"] == "Bắc Ninh"
    assert embedded.field_name == "OrganizerSignature"


def test_the_visible_stamp_is_on_the_last_page_in_the_bottom_right(signed):
    reader = PdfFileReader(BytesIO(signed))
    [embedded] = reader.embedded_regular_signatures
    widget = embedded.sig_field
    x1, y1, x2, y2 = (float(value) for value in widget["/Rect"])
    last_page = reader.root["/Pages"]["/Kids"][-1].get_object()
    page_width = float(last_page["/MediaBox"][2])
    annotations = [annotation.get_object() for annotation in last_page["/Annots"]]
    assert any(annotation.get("/T") == "OrganizerSignature" for annotation in annotations)
    assert round(x2 - x1) == signing.STAMP_WIDTH and round(y2 - y1) == signing.STAMP_HEIGHT
    assert x2 > page_width * 0.8 and y1 < 100


def test_one_flipped_byte_inside_the_signed_range_breaks_the_signature(signed):
    report = validate_pdf(flip_one_signed_byte(signed))

    assert report.signed
    assert not report.intact
    assert not report.signers[0].intact


def test_a_byte_appended_after_the_end_is_reported_as_not_covered(signed):
    report = validate_pdf(signed + b"\n")

    # pyHanko: the signed revision is untouched (no new revision, nothing changed),
    # but the signature no longer covers the entire file.
    [signer] = report.signers
    assert signer.coverage == signing.COVERAGE_EXTRA_BYTES
    assert signer.coverage != signing.COVERAGE_ENTIRE_FILE
    assert report.signed and report.intact


def test_a_signature_from_a_foreign_ca_is_intact_but_not_trusted(demo_keys):
    report = validate_pdf(sign_with_foreign_token(tinos_pdf()))

    assert report.signed and report.intact
    assert not report.trusted
    assert signer_common_names(report) == ["Phạm Thanh Hải"]
    assert report.signers[0].organization == "UBND huyện Lương Tài"


def test_an_organizer_signature_over_a_token_signed_copy_keeps_both_signatures(world, demo_keys):
    token_signed = sign_with_foreign_token(tinos_pdf())
    both = sign_pdf(
        token_signed, organizer_id=world.org.pk, signers=[LEADER_LINE], reason="", location=""
    )
    report = validate_pdf(both)

    assert signer_common_names(report) == ["Phạm Thanh Hải", world.org.name]
    assert [s.intact for s in report.signers] == [True, True]
    assert report.signers[0].coverage == signing.COVERAGE_LATER_UPDATES
    assert [s.trusted for s in report.signers] == [False, True]


@pytest.mark.parametrize(
    "garbage",
    [b"", b"hello", b"\x00" * 4096, b"%PDF-1.7\n" + bytes(range(256)) * 8, "not bytes"],
)
def test_garbage_gives_unsigned_with_a_reason_and_never_raises(garbage):
    report = validate_pdf(garbage)  # type: ignore[arg-type]

    assert not report.signed and not report.intact and not report.trusted
    assert report.signers == []
    assert report.error in {str(signing.NOT_A_PDF), str(signing.UNREADABLE_PDF)}


def test_an_unsigned_pdf_gives_unsigned_with_a_reason():
    report = validate_pdf(tinos_pdf())

    assert not report.signed
    assert report.error == str(signing.NOT_SIGNED)


def test_half_a_signed_pdf_does_not_raise(signed):
    report = validate_pdf(signed[: len(signed) // 2])

    assert not report.intact


def test_validation_works_inside_a_running_event_loop(signed):
    async def validate() -> signing.SignatureReport:
        return validate_pdf(signed)

    assert asyncio.run(validate()).intact


# --- what the stamp looks like -----------------------------------------------------------


def test_the_signed_pdf_uses_only_tinos_faces(signed):
    names = font_names(signed)

    assert names
    assert all(name.startswith("Tinos") for name in names), names


def test_the_stamp_lists_the_organizer_the_signers_and_the_time(world, signed):
    text = pdftotext(signed, last_page_only=True)

    assert f"Ký số bởi: {world.org.name}" in text
    assert LEADER_LINE in text
    assert re.search(r"Thời gian ký: \d{2}/\d{2}/\d{4} \d{2}:\d{2}", text)


def test_the_stamp_shows_the_time_in_vietnam():
    lines = signing.stamp_text_lines(
        organizer="X", signers_lines=[], signed_at=dt.datetime(2023, 3, 17, 2, 5, tzinfo=dt.UTC)
    )
    assert lines[-1] == "Thời gian ký: 17/03/2023 09:05"


def test_the_stamp_shows_user_text_as_text_and_fetches_nothing(world, demo_keys):
    attack = '<img src="file:///etc/passwd"> <link rel="attachment" href="http://127.0.0.1:1/">'
    signed = sign_pdf(
        tinos_pdf(), organizer_id=world.org.pk, signers=[attack], reason="", location=""
    )

    assert attack in pdftotext(signed, last_page_only=True)
    assert b"root:x:0:0" not in signed
    fetcher = signing.StampFetcher()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:1/",
        "https://example.com/",
        "tinos-font:../../../etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher(url)


def test_eight_signer_lines_fit_in_the_stamp(world, demo_keys):
    lines = [f"TM. UBND đơn vị số {index} — Nguyễn Văn {index}, Chủ tịch" for index in range(8)]
    signed = sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=lines, reason="", location="")

    text = pdftotext(signed, last_page_only=True)
    assert all(line in text for line in lines)
    assert "Thời gian ký:" in text


# --- keys ----------------------------------------------------------------------------------


def _signer_serial(pdf: bytes) -> int:
    [embedded] = PdfFileReader(BytesIO(pdf)).embedded_regular_signatures
    return embedded.signer_cert.serial_number


def test_demo_keys_are_made_once_and_reused(world, demo_keys):
    first = sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=[], reason="", location="")
    key_file = demo_keys / f"organizer-{world.org.pk}.p12"
    stored = key_file.read_bytes()
    ca_pem = (demo_keys / "demo-ca.pem").read_bytes()

    second = sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=[], reason="", location="")

    assert key_file.read_bytes() == stored
    assert (demo_keys / "demo-ca.pem").read_bytes() == ca_pem
    assert _signer_serial(first) == _signer_serial(second)
    for path in demo_keys.iterdir():
        if path.suffix in {".p12", ".pass"}:
            assert path.stat().st_mode & 0o777 == 0o600, path
    ca = x509.load_pem_x509_certificate(ca_pem)
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == keys.CA_COMMON_NAME
    assert (ca.not_valid_after_utc - ca.not_valid_before_utc).days >= 3650


def test_each_organizer_gets_its_own_certificate(world, demo_keys):
    ours = sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=[], reason="", location="")
    theirs = sign_pdf(
        tinos_pdf(), organizer_id=world.other_org.pk, signers=[], reason="", location=""
    )

    assert signer_common_names(validate_pdf(theirs)) == [world.other_org.name]
    assert _signer_serial(ours) != _signer_serial(theirs)
    assert validate_pdf(theirs).trusted


def test_a_renamed_organizer_signs_under_its_new_name(world, demo_keys):
    sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=[], reason="", location="")
    world.org.name = "Hội đồng Thi đua - Khen thưởng tỉnh An Phú Mới"
    world.org.save()

    again = sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=[], reason="", location="")

    assert signer_common_names(validate_pdf(again)) == [world.org.name]


def test_processes_racing_for_the_demo_keys_get_the_same_certificate(demo_keys, monkeypatch):
    monkeypatch.setattr(keys, "organizer_name", lambda organizer_id: "Cơ quan tổ chức thử")
    serials: list[int] = []

    def make() -> None:
        serials.append(keys.organizer_signer(7).signing_cert.serial_number)

    threads = [threading.Thread(target=make) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(serials) == 6 and len(set(serials)) == 1
    assert sorted(path.name for path in demo_keys.iterdir() if not path.name.startswith(".")) == [
        "demo-ca.p12",
        "demo-ca.pass",
        "demo-ca.pem",
        "organizer-7.p12",
        "organizer-7.pass",
    ]


def test_demo_keys_are_refused_in_production(world, settings, tmp_path):
    settings.SIGNING_DEMO_KEYS = False
    settings.SIGNING_PKCS12_PATH = ""
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"

    with pytest.raises(ImproperlyConfigured, match="SIGNING_PKCS12_PATH"):
        sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=[], reason="", location="")
    assert not (tmp_path / "keys").exists()


def test_production_signs_with_the_configured_pkcs12_and_trusts_its_chain(
    world, settings, tmp_path
):
    data, passphrase, _ca = foreign_pkcs12("Hội đồng Thi đua - Khen thưởng tỉnh An Phú")
    (tmp_path / "organizer.p12").write_bytes(data)
    settings.SIGNING_DEMO_KEYS = False
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "organizer.p12")
    settings.SIGNING_PKCS12_PASSPHRASE = passphrase.decode()
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"

    signed = sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=[], reason="", location="")
    report = validate_pdf(signed)

    assert report.intact and report.trusted
    assert signer_common_names(report) == ["Hội đồng Thi đua - Khen thưởng tỉnh An Phú"]
    assert not (tmp_path / "keys").exists()
    # Signatures under any other CA are not trusted.
    assert not validate_pdf(sign_with_foreign_token(tinos_pdf())).trusted


def test_a_wrong_production_passphrase_is_a_configuration_error(world, settings, tmp_path):
    data, _passphrase, _ca = foreign_pkcs12()
    (tmp_path / "organizer.p12").write_bytes(data)
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "organizer.p12")
    settings.SIGNING_PKCS12_PASSPHRASE = "wrong"

    with pytest.raises(ImproperlyConfigured, match="SIGNING_PKCS12_PASSPHRASE"):
        sign_pdf(tinos_pdf(), organizer_id=world.org.pk, signers=[], reason="", location="")
