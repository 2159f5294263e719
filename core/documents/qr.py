"""QR codes for documents: an SVG data URI, so WeasyPrint's <img> needs no fetch."""

from __future__ import annotations

import base64
import io

import segno


def qr_data_uri(text: str) -> str:
    """``data:image/svg+xml;base64,…`` of a QR code for ``text``: error level M,
    black modules on white with a quiet zone. Size it with CSS in the document."""
    code = segno.make(text, error="m", micro=False, boost_error=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", dark="#000", light="#fff", border=4, scale=4, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def verification_stamp(job) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What a document prints at its foot so anyone can check it: the job's verification
    code, the page that verifies it and its QR image (all empty for a preview)."""
    code = job.verification_code if job is not None else ""
    if not code:
        return {"verification_code": "", "verification_url": "", "qr_image": ""}
    from core.documents.verification import verification_url

    url = verification_url(code)
    return {"verification_code": code, "verification_url": url, "qr_image": qr_data_uri(url)}
