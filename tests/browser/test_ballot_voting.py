"""The secret ballot in the browser, on the demo data (Bắc Ninh 2023, head UBND huyện
Lương Tài, eight member units).

The head's officer (``luongtai``) prepares a ballot for the leading unit of the cluster
with three candidates, voting from a minute ago until about 45 seconds ahead, and
opens it (confirmation). Three leaders vote, each through the ballot paper, the check
of the choice and the receipt shown once: Lương Tài and Từ Sơn for TP Bắc Ninh, Quế Võ
abstains. The head cannot close early (five units have not voted: the service refuses
and says so); once the closing time has passed the head closes and counts
(confirmation). Eight ballots issued, three returned, three valid (one abstention):
TP Bắc Ninh 2 votes, 25,00 % of the member units; the quorum (2/3) is not met, so a
further round may be held. Lương Tài's leader then checks the receipt code: counted."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import ClusterYear, Profile
from scoring.models import Ballot, CastBallot
from tests.browser.conftest import screenshot

# Until the closing time the service refuses to close while units have not voted.
CLOSES_IN = dt.timedelta(seconds=45)


def _year_and_units():  # type: ignore[no-untyped-def]
    year = ClusterYear.objects.select_related("head_unit").get(
        year=2023, head_unit__profiles__user__username="luongtai"
    )
    units = {
        name: Profile.objects.select_related("unit").get(user__username=name).unit
        for name in ("bacninh_lanhdao", "tuson_lanhdao", "quevo_lanhdao", "luongtai_lanhdao")
    }
    return year, units


def _log_in(page, login, username: str):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    return login(username)


def _vote(page, login, server, ballot_pk: int, username: str, choice_pk: int | None) -> str:  # type: ignore[no-untyped-def]
    """One leader votes for ``choice_pk`` (None: abstains); returns the receipt code."""
    _log_in(page, login, username)
    page.goto(f"{server.url}/scoring/ballots/{ballot_pk}/")
    expect(page.locator("#ballot-state")).to_have_text("Đang bỏ phiếu")
    page.click("#vote-link")
    if choice_pk is None:
        page.check("#abstain")
    else:
        page.check(f"#choice-{choice_pk}")
    page.click("#vote-form button[type=submit]")
    review = page.locator("#vote-review")
    expect(review).to_contain_text("Kiểm tra lại phiếu bầu")
    if choice_pk is None:
        expect(review).to_contain_text("phiếu trắng")
    # Casting the unit's vote asks the leader to confirm it is them.
    page.fill("#cast-form #id_password", "demo12345")
    page.click("#cast-form button[type=submit]")
    expect(page.locator("#vote-receipt")).to_contain_text("Đơn vị đã bỏ phiếu")
    code = page.locator("#receipt-code").inner_text().strip()
    assert code
    # Shown once: back on the ballot the unit is marked as having voted, no code.
    page.goto(f"{server.url}/scoring/ballots/{ballot_pk}/")
    expect(page.locator("#own-voted")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(code)
    return code


def test_three_leaders_vote_and_the_head_closes_and_counts(login, page, demo_server) -> None:  # type: ignore[no-untyped-def]
    server = demo_server
    year, units = _year_and_units()
    city, tuson = units["bacninh_lanhdao"], units["tuson_lanhdao"]
    quevo = units["quevo_lanhdao"]
    candidates = [city, tuson, quevo]
    page.on("dialog", lambda dialog: dialog.accept())  # "… cannot be undone." questions

    # The head prepares the ballot from the year's ballots page.
    _log_in(page, login, "luongtai")
    page.goto(f"{server.url}/years/{year.pk}/ballots/")
    page.click(f'a[href="/years/{year.pk}/ballots/new/"]')
    page.select_option("select[name=purpose]", Ballot.Purpose.LEADING_UNIT)
    for box in page.locator("input[name=candidates]").all():
        box.set_checked(False)
    for unit in candidates:
        page.check(f'input[name=candidates][value="{unit.pk}"]')
    page.fill("input[name=choose_at_most]", "1")
    now = timezone.localtime()
    opens = now - dt.timedelta(minutes=1)
    closes = now + CLOSES_IN
    page.fill("input[name=opens_at_0]", opens.strftime("%d/%m/%Y"))
    page.fill("input[name=opens_at_1]", opens.strftime("%H:%M"))
    page.fill("input[name=closes_at_0]", closes.strftime("%d/%m/%Y"))
    page.fill("input[name=closes_at_1]", closes.strftime("%H:%M:%S"))
    page.click("#ballot-form button[type=submit]")
    expect(page.locator("#ballot-state")).to_have_text("Đang soạn")
    ballot = Ballot.objects.get(cluster_year=year, state=Ballot.State.DRAFT)
    ballot_url = f"{server.url}/scoring/ballots/{ballot.pk}/"
    assert set(ballot.candidates.values_list("pk", flat=True)) == {u.pk for u in candidates}
    closes_at = ballot.closes_at
    screenshot(page, "ballot_1_prepared")

    # Opening asks for confirmation on its own page.
    page.click(f'a[href="/scoring/ballots/{ballot.pk}/open/"]')
    expect(page.locator("h1")).to_have_text("Mở bỏ phiếu")
    page.click("#confirm-form button[type=submit]")
    expect(page.locator("#ballot-state")).to_have_text("Đang bỏ phiếu")
    expect(page.locator("#ballot-progress")).to_have_text("0/8 đơn vị đã bỏ phiếu.")

    # Three leaders vote; Quế Võ abstains.
    codes = {
        "luongtai_lanhdao": _vote(page, login, server, ballot.pk, "luongtai_lanhdao", city.pk),
    }
    screenshot(page, "ballot_2_voted")
    codes["tuson_lanhdao"] = _vote(page, login, server, ballot.pk, "tuson_lanhdao", city.pk)
    # The receipt, as the third leader sees it (shown once).
    _log_in(page, login, "quevo_lanhdao")
    page.goto(ballot_url)
    page.click("#vote-link")
    page.check("#abstain")
    page.click("#vote-form button[type=submit]")
    expect(page.locator("#vote-review")).to_contain_text("phiếu trắng")
    page.fill("#cast-form #id_password", "demo12345")
    page.click("#cast-form button[type=submit]")
    expect(page.locator("#vote-receipt")).to_contain_text("Đơn vị đã bỏ phiếu")
    codes["quevo_lanhdao"] = page.locator("#receipt-code").inner_text().strip()
    screenshot(page, "ballot_3_receipt")
    assert len(set(codes.values())) == 3
    assert CastBallot.objects.filter(ballot=ballot).count() == 3

    # Before the closing time the head cannot close: five units have not voted.
    _log_in(page, login, "luongtai")
    page.goto(ballot_url)
    expect(page.locator("#ballot-progress")).to_have_text("3/8 đơn vị đã bỏ phiếu.")
    # Voting takes about ten seconds here: well before the closing time.
    assert timezone.now() < closes_at - dt.timedelta(seconds=10)
    page.click(f'a[href="/scoring/ballots/{ballot.pk}/close/"]')
    page.click("#confirm-form button[type=submit]")
    expect(page.locator(".alert-danger")).to_contain_text(
        "còn 5 đơn vị chưa bỏ phiếu: chỉ được kết thúc sớm khi tất cả các đơn vị thành viên"
    )
    expect(page.locator("#ballot-state")).to_have_text("Đang bỏ phiếu")
    screenshot(page, "ballot_4_close_refused")

    # Once the closing time has passed, the head closes and counts.
    remaining = (closes_at - timezone.now()).total_seconds()
    time.sleep(max(0.0, remaining + 1.5))
    page.goto(ballot_url)
    page.click(f'a[href="/scoring/ballots/{ballot.pk}/close/"]')
    expect(page.locator("#ballot-progress")).to_have_text("3/8 đơn vị đã bỏ phiếu.")
    page.click("#confirm-form button[type=submit]")
    expect(page.locator("#ballot-state")).to_have_text("Đã kết thúc")
    expect(page.locator("body")).to_contain_text("Đã kết thúc bỏ phiếu và kiểm phiếu.")

    # The result page: issued, returned, valid, each candidate's votes and share.
    page.goto(f"{ballot_url}result/")
    result = page.locator("#ballot-result")
    expect(result.locator("dd.issued")).to_have_text("8")
    expect(result.locator("dd.returned")).to_have_text("3")
    expect(result.locator("dd.valid")).to_contain_text("3")
    expect(result.locator("dd.valid")).to_contain_text("1")  # one abstention
    expect(result.locator("dd.invalid")).to_have_text("0")
    rows = {unit.pk: result.locator(f'tr.candidate[data-unit="{unit.pk}"]') for unit in candidates}
    expect(rows[city.pk].locator(".votes")).to_have_text("2")
    expect(rows[city.pk].locator(".percent")).to_have_text("25,00 %")
    for unit in (tuson, quevo):
        expect(rows[unit.pk].locator(".votes")).to_have_text("0")
        expect(rows[unit.pk].locator(".percent")).to_have_text("0,00 %")
    expect(result.locator("#result-decision")).to_contain_text(
        "Chưa đủ đơn vị đạt ngưỡng: có thể tổ chức bỏ phiếu vòng tiếp theo."
    )
    expect(result.locator("dd.quorum")).to_contain_text("6")
    screenshot(page, "ballot_5_result")

    # A leader checks that its receipt was counted; a made-up code is not found.
    _log_in(page, login, "luongtai_lanhdao")
    page.goto(f"{ballot_url}receipt/")
    page.fill("#code", codes["luongtai_lanhdao"])
    page.click("#receipt-form button[type=submit]")
    expect(page.locator("#receipt-result")).to_have_text("Phiếu có mã xác nhận này đã được kiểm.")
    screenshot(page, "ballot_6_receipt_counted")
    page.fill("#code", "AAAA-BBBB-CCCC")
    page.click("#receipt-form button[type=submit]")
    expect(page.locator("#receipt-result")).not_to_have_text(
        "Phiếu có mã xác nhận này đã được kiểm."
    )
