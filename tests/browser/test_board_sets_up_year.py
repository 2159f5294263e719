"""A board officer logs in and sets up a cluster year with members and a head."""

from __future__ import annotations

from clusters.models import ClusterYear
from tests.browser.conftest import screenshot


def test_board_sees_seed_head_on_dashboard(login, demo_server):  # type: ignore[no-untyped-def]
    page = login("bacninh")
    row = page.locator("tr[data-year='2023']")
    assert "UBND huyện Lương Tài" in row.locator(".head-unit").inner_text()
    screenshot(page, "dashboard-bacninh")


def test_city_board_sees_its_own_seed_year_and_nothing_of_the_province(login, demo_server):  # type: ignore[no-untyped-def]
    page = login("backan")
    row = page.locator("tr[data-year='2022']")
    assert "phường Phùng Chí Kiên" in row.locator(".head-unit").inner_text()
    assert "Cụm thi đua các huyện, thành phố" not in page.content()


def test_board_creates_cluster_year_with_members_and_head(login, demo_server):  # type: ignore[no-untyped-def]
    page = login("bacninh")
    page.click("text=Cụm thi đua các huyện, thành phố")
    page.click("a[href$='/years/new/']")
    page.fill("#id_year", "2025")
    page.fill("#id_theme", "Năm thử nghiệm trên trình duyệt")
    # Last year's members come ticked in last year's order; two leave this year.
    assert page.locator("input[name=members]:checked").count() == 8
    for name in ["UBND huyện Tiên Du", "UBND huyện Yên Phong"]:
        page.get_by_label(name, exact=True).uncheck()
    page.select_option("#id_head_unit", label="UBND thành phố Từ Sơn")
    page.select_option("#id_deputy_unit", label="UBND huyện Gia Bình")
    screenshot(page, "cluster-year-create")
    page.click("button[type=submit][data-busy]")
    page.wait_for_selector("text=Năm thử nghiệm trên trình duyệt")
    screenshot(page, "cluster-year-detail")

    year = ClusterYear.objects.get(cluster__name="Cụm thi đua các huyện, thành phố", year=2025)
    assert year.head_unit.name == "UBND thành phố Từ Sơn"
    assert year.deputy_unit.name == "UBND huyện Gia Bình"
    assert [m.unit.name for m in year.memberships.order_by("order")] == [
        "UBND thành phố Bắc Ninh",
        "UBND thành phố Từ Sơn",
        "UBND huyện Quế Võ",
        "UBND huyện Thuận Thành",
        "UBND huyện Gia Bình",
        "UBND huyện Lương Tài",
    ]
    assert "UBND thành phố Từ Sơn" in page.content()
