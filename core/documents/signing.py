"""PAdES signatures on issued documents: the visible stamp, signing, and
validation of any signed PDF against our own trust roots.

Signing follows pyHanko's rules: the signature field (with its box on the last
page) is created in the same incremental update that fills it, and nothing but
incremental updates is ever written after it. The stamp is a small PDF rendered
by WeasyPrint in Tinos (every Vietnamese glyph is there, and ``pdffonts`` lists
only Tinos) and applied as a static stamp; its renderer reads nothing but the
two Tinos files and data: URIs. Validation always uses explicit trust roots
(``trust_roots()``, see ``keys.py``), never the operating system's list.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils import content, layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign import signers as pyhanko_signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from core.documents.keys import organizer_name, organizer_signer, trust_roots
from core.documents.render import BIDI_CONTROLS

__all__ = [
    "SignatureReport",
    "SignerInfo",
    "sign_pdf",
    "signer_common_names",
    "trust_roots",
    "validate_pdf",
]

# Messages a user may read in SignatureReport.error (translated when shown).
NOT_A_PDF = _("This file is not a PDF document.")
NOT_SIGNED = _("This PDF carries no digital signature.")
UNREADABLE_PDF = _("This PDF cannot be read; it may be damaged.")
SIGNATURE_UNREADABLE = _("This signature cannot be read.")

# The stamp: a box of 80 × 40 mm, 15 mm from the right edge and 12 mm from the
# bottom edge of the last page. Its text is part of an official Vietnamese
# document, not of the interface, so it is written in Vietnamese here.
MM = 72 / 25.4
STAMP_WIDTH = round(80 * MM)
STAMP_HEIGHT = round(40 * MM)
STAMP_RIGHT = round(15 * MM)
STAMP_BOTTOM = round(12 * MM)
STAMP_SIGNED_BY = "Ký số bởi"
STAMP_TIME = "Thời gian ký"
DOCUMENT_TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"

COVERAGE_ENTIRE_FILE = "entire_file"
COVERAGE_LATER_UPDATES = "later_updates"  # permitted incremental updates after it
COVERAGE_EXTRA_BYTES = "extra_bytes"  # bytes appended that are no revision (change nothing)
COVERAGE_PARTIAL = "partial"
COVERAGE_LABELS = {
    COVERAGE_ENTIRE_FILE: _("covers the whole file"),
    COVERAGE_LATER_UPDATES: _(
        "covers the document as signed; only permitted additions (such as further "
        "signatures) came after it"
    ),
    COVERAGE_EXTRA_BYTES: _(
        "covers the document as signed, but bytes were appended after it (they change "
        "nothing in the document)"
    ),
    COVERAGE_PARTIAL: _("does not cover the whole file: the document was changed after signing"),
}


@dataclass(frozen=True)
class SignerInfo:
    name: str  # the certificate's common name
    organization: str
    signed_at: dt.datetime | None
    intact: bool  # the signed bytes are unchanged and the coverage is acceptable
    trusted: bool  # the certificate chains to one of trust_roots()
    coverage: str  # one of the COVERAGE_* keys
    issuer: str = ""
    field_name: str = ""

    @property
    def coverage_label(self) -> str:
        return str(COVERAGE_LABELS.get(self.coverage, self.coverage))


@dataclass
class SignatureReport:
    signed: bool = False
    intact: bool = False
    trusted: bool = False
    signers: list[SignerInfo] = field(default_factory=list)
    error: str = ""


def signer_common_names(report: SignatureReport) -> list[str]:
    """The certificate names of everyone who signed, in signing order."""
    return [signer.name for signer in report.signers if signer.name]


# --- running pyHanko's asyncio API from sync code -----------------------------

T = TypeVar("T")


def outside_event_loop(function: Callable[[], T]) -> T:
    """pyHanko's sync wrappers call asyncio.run(), which refuses to run inside a
    running event loop (an async caller, a Playwright test): use a thread then."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


# --- the visible stamp ----------------------------------------------------------


# The stamp's renderer reads nothing but these two font files (by a name of its
# own, so no path or address in the HTML can point anywhere else) and data: URIs.
FONT_URLS = {
    "tinos-font:regular": "Tinos-Regular.ttf",
    "tinos-font:bold": "Tinos-Bold.ttf",
}
FONT_FACES = "\n".join(
    f'@font-face {{ font-family: "Tinos"; font-style: normal; font-weight: {weight}; '
    f'src: url("{url}") format("truetype"); }}'
    for weight, url in (("normal", "tinos-font:regular"), ("bold", "tinos-font:bold"))
)


@lru_cache(maxsize=len(FONT_URLS))
def _font_bytes(url: str) -> bytes:
    return (FONT_DIR / FONT_URLS[url]).read_bytes()


class StampFetcher(URLFetcher):
    """Serves the Tinos files above and data: URIs; refuses everything else
    (file:, http(s):, …) before any handler sees it, and follows no redirect."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

    def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
        if url in FONT_URLS:
            return URLFetcherResponse(url, _font_bytes(url), {"Content-Type": "font/ttf"})
        return super().fetch(url, headers)


def stamp_text_lines(*, organizer: str, signers_lines: list[str], signed_at: dt.datetime) -> list:
    when = signed_at.astimezone(DOCUMENT_TIME_ZONE).strftime("%d/%m/%Y %H:%M")
    return [
        f"{STAMP_SIGNED_BY}: {organizer}",
        *[line for line in signers_lines if line.strip()],
        f"{STAMP_TIME}: {when}",
    ]


def render_stamp(*, organizer: str, signers_lines: list[str], signed_at: dt.datetime) -> bytes:
    """A one-page PDF of exactly the stamp's box, in Tinos."""
    lines = stamp_text_lines(organizer=organizer, signers_lines=signers_lines, signed_at=signed_at)
    # Shrink the type as the list of signers grows, so it stays inside the box.
    size = max(5.0, min(9.0, 88 / (len(lines) + 1.5)))
    body = "".join(
        f'<p class="{"head" if index == 0 else "line"}">{escape(BIDI_CONTROLS.sub("", text))}</p>'
        for index, text in enumerate(lines)
    )
    page = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
{FONT_FACES}
@page {{ size: {STAMP_WIDTH}pt {STAMP_HEIGHT}pt; margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
.stamp {{ box-sizing: border-box; width: {STAMP_WIDTH}pt; height: {STAMP_HEIGHT}pt;
  overflow: hidden; border: 1pt solid #b3001b; border-radius: 3pt; padding: 3pt 5pt;
  font-family: "Tinos"; font-size: {size:.2f}pt; line-height: 1.18; color: #b3001b;
  background: #fff; }}
p {{ margin: 0; }}
.head {{ font-weight: bold; margin-bottom: 1pt; }}
</style></head><body><div class="stamp">{body}</div></body></html>"""
    return HTML(string=page, url_fetcher=StampFetcher()).write_pdf()


class _PdfBytesPage(content.ImportedPdfPage):
    """pyHanko's ImportedPdfPage, reading the page from bytes instead of a file name."""

    def __init__(self, data: bytes, page_ix: int = 0) -> None:
        self.data = data
        super().__init__(file_name="", page_ix=page_ix)

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobject = writer.import_page_as_xobject(PdfFileReader(BytesIO(self.data)), self.page_ix)
        resource_name = b"/Stamp" + secrets.token_hex(8).encode()
        self.resources.xobject[resource_name.decode("ascii")] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return resource_name + b" Do"


def _stamp_box(writer: IncrementalPdfFileWriter) -> tuple[int, int, int, int]:
    page = writer.find_page_for_modification(-1)[0].get_object()
    x1, y1, x2, y2 = (float(value) for value in page.get("/MediaBox", [0, 0, 595, 842]))
    right = round(max(x1, x2)) - STAMP_RIGHT
    bottom = round(min(y1, y2)) + STAMP_BOTTOM
    return (right - STAMP_WIDTH, bottom, right, bottom + STAMP_HEIGHT)


# --- signing ------------------------------------------------------------------------


def sign_pdf(
    pdf: bytes,
    *,
    organizer_id: int,
    signers: list[str],
    reason: str,
    location: str,
    field_name: str = "OrganizerSignature",
) -> bytes:
    """Sign ``pdf`` (PAdES B-B, SHA-256) with the organizer's key, with a visible
    stamp on the last page listing ``signers`` (one line each)."""
    signer = organizer_signer(organizer_id)
    organizer = organizer_name(organizer_id)
    signed_at = dt.datetime.now(dt.UTC)
    stamp = render_stamp(organizer=organizer, signers_lines=signers, signed_at=signed_at)

    def run() -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        existing = {name for name, _value, _ref in fields.enumerate_sig_fields(writer)}
        if field_name not in existing:
            # Field and signature in one incremental update, nothing rewritten.
            fields.append_signature_field(
                writer,
                fields.SigFieldSpec(sig_field_name=field_name, on_page=-1, box=_stamp_box(writer)),
            )
        metadata = pyhanko_signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
            name=organizer,
        )
        style = StaticStampStyle(
            background=_PdfBytesPage(stamp),
            border_width=0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
            ),
        )
        output = pyhanko_signers.PdfSigner(metadata, signer=signer, stamp_style=style).sign_pdf(
            writer, existing_fields_only=True
        )
        return output.getvalue()

    return outside_event_loop(run)


# --- validation ---------------------------------------------------------------------


def _first(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "")


def _certificate_fields(cert: asn1_x509.Certificate) -> tuple[str, str, str]:
    """The subject's common name and organization, and the issuer's name."""
    subject, issuer = cert.subject.native, cert.issuer.native
    return (
        _first(subject.get("common_name")),
        _first(subject.get("organization_name")),
        _first(issuer.get("common_name") or issuer.get("organization_name")),
    )


def _coverage(status: Any, embedded: Any, total_revisions: int) -> str:
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return COVERAGE_ENTIRE_FILE
    if status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.docmdp_ok:
        # pyHanko's difference analysis found nothing but permitted changes after
        # the signed revision: further revisions, or bytes that are no revision at all.
        if embedded.signed_revision >= total_revisions - 1:
            return COVERAGE_EXTRA_BYTES
        return COVERAGE_LATER_UPDATES
    return COVERAGE_PARTIAL


def _validate_one(embedded: Any, roots: list, total_revisions: int) -> SignerInfo:
    field_name = str(embedded.field_name)
    try:
        name, organization, issuer = _certificate_fields(embedded.signer_cert)
    except Exception:  # noqa: BLE001 - a damaged signature is reported, not raised
        return SignerInfo("", "", None, False, False, COVERAGE_PARTIAL, "", field_name)
    try:
        status = validate_pdf_signature(
            embedded,
            signer_validation_context=ValidationContext(trust_roots=roots, allow_fetching=False),
            # Government tokens carry nonRepudiation, digitalSignature or both.
            key_usage_settings=KeyUsageConstraints(
                key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
            ),
        )
    except Exception:  # noqa: BLE001 - a damaged signature is reported, not raised
        return SignerInfo(
            name, organization, None, False, False, COVERAGE_PARTIAL, issuer, field_name
        )
    coverage = _coverage(status, embedded, total_revisions)
    return SignerInfo(
        name=name,
        organization=organization,
        signed_at=status.signer_reported_dt or embedded.self_reported_timestamp,
        intact=bool(status.intact and status.valid and coverage != COVERAGE_PARTIAL),
        trusted=bool(
            status.valid
            and status.validation_path is not None
            and status.trust_problem_indic is None
        ),
        coverage=coverage,
        issuer=issuer,
        field_name=field_name,
    )


def validate_pdf(pdf: bytes) -> SignatureReport:
    """Validate every signature in ``pdf`` against ``trust_roots()``.

    Never raises on bad input: a file that is no PDF, cannot be read or carries no
    signature gives ``signed=False`` with the reason in ``error``.
    """
    if not isinstance(pdf, bytes | bytearray) or b"%PDF-" not in bytes(pdf[:1024]):
        return SignatureReport(error=str(NOT_A_PDF))
    data = bytes(pdf)

    def run() -> SignatureReport:
        try:
            reader = PdfFileReader(BytesIO(data))
            embedded = list(reader.embedded_regular_signatures)
            total_revisions = reader.xrefs.total_revisions
        except Exception:  # noqa: BLE001 - any parser error means "cannot be read"
            return SignatureReport(error=str(UNREADABLE_PDF))
        if not embedded:
            return SignatureReport(error=str(NOT_SIGNED))
        roots = trust_roots()
        found = [_validate_one(signature, roots, total_revisions) for signature in embedded]
        return SignatureReport(
            signed=True,
            intact=all(signer.intact for signer in found),
            trusted=all(signer.trusted for signer in found),
            signers=found,
            error=str(SIGNATURE_UNREADABLE) if any(not s.name for s in found) else "",
        )

    try:
        return outside_event_loop(run)
    except ImproperlyConfigured:
        raise  # a configuration error is the operator's to see, not the user's file's
    except Exception:  # noqa: BLE001 - garbage input never raises
        return SignatureReport(error=str(UNREADABLE_PDF))
