"""Two unit leaders sign a covenant on its page, the signing table shows who signed and
who is missing, and the board downloads the covenant's PDF through the job page."""

from __future__ import annotations

import shutil
import subprocess

from clusters.models import ClusterYear
from covenants.models import Covenant, CovenantState
from covenants.services.drafting import SectionInput, covenant_create, covenant_sections_save
from covenants.services.workflow import covenant_adopt, covenant_circulate, covenant_open_signing
from tests.browser.conftest import screenshot


def _covenant_in_signing() -> Covenant:
    """TP Bắc Kạn 2023 (head: phường Đức Xuân), moved to signing with the services."""
    from django.contrib.auth import get_user_model

    board = get_user_model().objects.get(username="backan")
    year = ClusterYear.objects.get(
        cluster__organizer__name__endswith="thành phố Bắc Kạn", year=2023
    )
    covenant = covenant_create(actor=board, cluster_year=year, title="Giao ước thi đua năm 2023")
    covenant_sections_save(
        actor=board,
        covenant=covenant,
        sections=[SectionInput(heading="Về kinh tế", body="Thu ngân sách đạt và vượt chỉ tiêu.")],
    )
    for step in (covenant_circulate, covenant_adopt, covenant_open_signing):
        covenant = step(actor=board, covenant=covenant)
    return covenant


def _sign(page, base: str, covenant: Covenant) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/covenants/{covenant.pk}/")
    page.click("a.sign-link")
    page.fill("#id_password", "demo12345")
    page.check("#id_confirm")
    page.once("dialog", lambda dialog: dialog.accept())  # "A signature cannot be withdrawn"
    page.click("button[type=submit][data-busy]")
    page.wait_for_url(f"{base}/covenants/{covenant.pk}/")


def _row(page, unit_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f"tr.signing-row[data-unit='{unit_id}']")


def test_two_leaders_sign_and_the_board_downloads_the_pdf(login, demo_server, tmp_path):  # type: ignore[no-untyped-def]
    covenant = _covenant_in_signing()
    base = demo_server.url
    members = {
        m.unit.name: m.unit for m in covenant.cluster_year.memberships.select_related("unit")
    }

    page = login("phungchikien_lanhdao")
    _sign(page, base, covenant)
    row = _row(page, members["phường Phùng Chí Kiên"].pk)
    assert "is-signed" in row.get_attribute("class")
    assert "Ma Văn G" in row.inner_text()
    assert "1/8" in page.locator(".signing-summary").inner_text()

    page.context.clear_cookies()  # log out: the next leader signs in on the same browser
    page = login("nguyenthiminhkhai_lanhdao")
    page.goto(f"{base}/covenants/{covenant.pk}/")
    # The head unit (phường Đức Xuân) is last in the order, marked as such.
    last = page.locator("tr.signing-row").last
    assert "phường Đức Xuân" in last.inner_text()
    assert last.locator(".badge-head").count() == 1
    _sign(page, base, covenant)
    screenshot(page, "covenant-signing-two-signed")

    summary = page.locator(".signing-summary").inner_text()
    assert "2/8" in summary
    for missing in ["phường Sông Cầu", "xã Nông Thượng", "phường Đức Xuân"]:
        assert missing in summary
    assert "Phùng Chí Kiên" not in summary
    signed_row = _row(page, members["phường Nguyễn Thị Minh Khai"].pk)
    assert "is-signed" in signed_row.get_attribute("class")
    assert "Nguyễn Văn" in signed_row.locator(".signer-name").inner_text()
    assert "is-missing" in _row(page, members["phường Sông Cầu"].pk).get_attribute("class")
    # Signed already: no second signature for this unit.
    assert page.locator("a.sign-link").count() == 0
    covenant.refresh_from_db()
    assert covenant.state == CovenantState.SIGNING
    assert covenant.signatures.count() == 2

    page.context.clear_cookies()
    page = login("backan")
    page.goto(f"{base}/covenants/{covenant.pk}/")
    page.click("button.pdf-button")
    page.wait_for_url(f"{base}/jobs/*/")
    page.wait_for_selector("#job-status[data-state='done']")
    screenshot(page, "covenant-signing-job")
    with page.expect_download() as download_info:
        page.click("a.job-download")
    path = tmp_path / "giao-uoc.pdf"
    download_info.value.save_as(path)

    pdftotext = shutil.which("pdftotext")
    assert pdftotext
    text = " ".join(
        subprocess.run(  # noqa: S603 - fixed tool, our own file
            [pdftotext, str(path), "-"], capture_output=True, check=True
        )
        .stdout.decode()
        .split()
    )
    assert "BẢN GIAO ƯỚC THI ĐUA" in text
    assert "UBND THÀNH PHỐ BẮC KẠN" in text
    assert "DỰ THẢO" in text
    assert "TM. PHƯỜNG PHÙNG CHÍ KIÊN" in text and "Ma Văn G" in text
    assert text.count("Đã ký (") == 2
    for name in members:
        assert name in text
