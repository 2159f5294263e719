"""The Decree 30/2020 layout, checked on the PDF itself (poppler's pdftotext,
pdffonts, pdfinfo): header, date line, title, one font family, A4 and margins,
page numbers from page 2, table header repeated on every page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core.documents.registry import example_context
from core.documents.render import render_pdf

MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def pdf_file(tmp_path):  # type: ignore[no-untyped-def]
    def make(**options) -> Path:  # type: ignore[no-untyped-def]
        options.setdefault("day", dt.date(2023, 3, 17))
        pdf = render_pdf("documents/example.html", example_context(**options))
        path = tmp_path / f"doc-{len(list(tmp_path.iterdir()))}.pdf"
        path.write_bytes(pdf)
        return path

    return make


def poppler(tool: str, *args: str) -> str:
    command = [shutil.which(tool) or tool, *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def page_text(path: Path, page: int) -> list[str]:
    text = poppler("pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-")
    return [line.strip() for line in text.splitlines() if line.strip()]


def page_count(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(path))).group(1))


def test_the_header_date_and_title_are_printed(pdf_file):  # type: ignore[no-untyped-def]
    path = pdf_file(number="42/BC-UBND")
    lines = poppler("pdftotext", str(path), "-").splitlines()

    assert "UBND TỈNH BẮC NINH" in lines
    assert "UBND HUYỆN LƯƠNG TÀI" in lines
    assert "Số: 42/BC-UBND" in lines
    # The national title fits on one line; the motto and the date line follow.
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines
    assert "Độc lập - Tự do - Hạnh phúc" in lines
    assert "Lương Tài, ngày 17 tháng 3 năm 2023" in lines
    assert "BÁO CÁO KẾT QUẢ HỘI NGHỊ KÝ KẾT GIAO ƯỚC THI ĐUA" in lines
    # Signature blocks and recipients.
    assert "TM. ỦY BAN NHÂN DÂN" in " ".join(lines)
    assert "Phạm Thanh Hải" in " ".join(lines)
    assert "Nơi nhận:" in lines
    assert "- Lưu: VT." in lines


def test_a_day_below_ten_and_early_month_take_a_leading_zero(pdf_file):  # type: ignore[no-untyped-def]
    lines = poppler("pdftotext", str(pdf_file(day=dt.date(2023, 1, 5))), "-").splitlines()
    assert "Lương Tài, ngày 05 tháng 01 năm 2023" in lines


def test_only_tinos_faces_are_in_the_pdf(pdf_file):  # type: ignore[no-untyped-def]
    # Bold, italic, the draft mark and the verification footer: every face in use.
    output = poppler("pdffonts", str(pdf_file(draft=True, verification_code="ABCDEFGHJK")))
    rows = output.splitlines()[2:]
    names = [row.split()[0].split("+", 1)[-1] for row in rows]
    assert sorted(names) == ["Tinos", "Tinos-Bold", "Tinos-Bold-Italic", "Tinos-Italic"]
    assert all(" yes " in row for row in rows)  # embedded


def test_the_page_is_a4_with_the_decree_margins(pdf_file):  # type: ignore[no-untyped-def]
    path = pdf_file(paragraphs=6)
    assert re.search(r"Page size:\s+595.2\d* x 841.89 pts \(A4\)", poppler("pdfinfo", str(path)))
    boxes = [
        [float(value) for value in match]
        for match in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"',
            poppler("pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"),
        )
    ]
    left = min(box[0] for box in boxes)
    right = max(box[2] for box in boxes)
    top = min(box[1] for box in boxes)
    # Text starts at the 30 mm left margin, stays inside the 15 mm right one, and
    # the first line sits just under the 20 mm top margin.
    assert left == pytest.approx(30 * MM, abs=1.5)
    assert right <= 595.28 - 15 * MM + 0.5
    assert right > 595.28 - 15 * MM - 3  # justified text reaches the right margin
    assert 20 * MM <= top < 20 * MM + 6


def test_page_numbers_start_on_page_two(pdf_file):  # type: ignore[no-untyped-def]
    path = pdf_file(paragraphs=25, rows=0)
    assert page_count(path) >= 3
    assert "1" not in page_text(path, 1)
    assert page_text(path, 2)[0] == "2"
    assert page_text(path, 3)[0] == "3"


def test_the_table_header_repeats_on_every_page(pdf_file):  # type: ignore[no-untyped-def]
    path = pdf_file(paragraphs=1, rows=90)
    pages = page_count(path)
    assert pages >= 3
    for page in range(1, pages):
        header = [line for line in page_text(path, page) if line.startswith("STT")]
        assert header and "Chỉ tiêu đăng ký" in header[0], f"page {page}"


def test_a_draft_says_so_and_the_verification_code_is_on_every_page(pdf_file):  # type: ignore[no-untyped-def]
    path = pdf_file(draft=True, paragraphs=12, verification_code="ABCDEFGHJK")
    assert page_count(path) >= 2
    assert "DỰ THẢO" in page_text(path, 1)
    for page in range(1, page_count(path) + 1):
        assert "Mã xác thực văn bản: ABCDEFGHJK" in page_text(path, page)
    assert "/verify/ABCDEFGHJK/" in " ".join(page_text(path, 1))
    assert "DỰ THẢO" not in poppler("pdftotext", str(pdf_file(draft=False)), "-")


def test_a_single_signer_signs_beside_the_recipients(tmp_path):  # type: ignore[no-untyped-def]
    context = example_context(day=dt.date(2023, 3, 17), rows=0, paragraphs=0)
    context["signatures"] = context["signatures"][:1]
    path = tmp_path / "single.pdf"
    path.write_bytes(render_pdf("documents/example.html", context))
    text = poppler("pdftotext", "-layout", str(path), "-")
    line = next(line for line in text.splitlines() if "Nơi nhận:" in line)
    assert "TM. ỦY BAN NHÂN DÂN" in line  # side by side, as the decree lays it out
