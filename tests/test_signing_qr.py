"""QR codes on documents: an SVG data URI WeasyPrint can draw without fetching."""

from __future__ import annotations

import base64

from core.documents.qr import qr_data_uri
from tests.test_signing import poppler


def _svg(uri: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return base64.b64decode(uri.removeprefix(prefix)).decode()


def test_the_qr_code_is_a_black_on_white_svg_data_uri():
    svg = _svg(qr_data_uri("https://cumthidua.example/verify/ABCD234567/"))

    assert svg.startswith("<svg")
    assert 'stroke="#000"' in svg
    assert 'fill="#fff"' in svg


def test_different_texts_give_different_codes_and_the_same_text_the_same():
    first = qr_data_uri("https://cumthidua.example/verify/ABCD234567/")

    assert first == qr_data_uri("https://cumthidua.example/verify/ABCD234567/")
    assert first != qr_data_uri("https://cumthidua.example/verify/ZZZZ234567/")


def _dark_pixels(pdf: bytes) -> int:
    """Rasterize the first page in grey and count the (nearly) black pixels."""
    image = poppler("pdftoppm", "-gray", "-r", "50", "-f", "1", "-l", "1", "-", pdf=pdf)
    header, _, pixels = image.partition(b"255\n")
    assert header.startswith(b"P5")
    return sum(1 for value in pixels if value < 64)


def test_the_qr_code_draws_in_a_weasyprint_document_without_any_fetch():
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    uri = qr_data_uri("https://cumthidua.example/verify/ABCD234567/")
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    with_code = HTML(
        string=f'<img src="{uri}" style="width: 25mm; height: 25mm">', url_fetcher=fetcher
    ).write_pdf()
    without = HTML(string="<p></p>", url_fetcher=fetcher).write_pdf()

    # 25 mm at 50 dpi is about 49 × 49 pixels, roughly half of them dark.
    assert _dark_pixels(with_code) > 600
    assert _dark_pixels(without) == 0
