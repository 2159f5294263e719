"""The nomination pages (issue 6): who sees them before and after sending, preparing,
the nominee form with the quota refusal, the submission details, a nominated unit's
upload and the download, the confirmation page, the returned and late states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from clusters.models import Profile
from scoring.models import Nomination, NominationDocument
from scoring.services import nominations as services
from tests.factories import make_user
from tests.test_scoring_nominations import PDF, complete, pdf_file, publish_year_end

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kinds_registered():  # type: ignore[no-untyped-def]
    from scoring import documents_ballots, documents_nominations, documents_reports

    documents_ballots.register()
    documents_reports.register()
    documents_nominations.register()


@pytest.fixture
def published(world):  # type: ignore[no-untyped-def]
    return publish_year_end(world)


@pytest.fixture
def nomination(world, published):  # type: ignore[no-untyped-def]
    """Prepared from the ranking: Nam Sơn flag, Tây Sơn and Đông Sơn merit; Bắc Sơn
    (minh, lan) is not proposed."""
    return services.nomination_prepare(actor=world.head_officer, period=published.period)


def url(period, name="nomination_detail", *args):  # type: ignore[no-untyped-def]
    return reverse(name, args=[period.pk, *args])


def english(client):  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = "en"
    return client


def persona(world, name):  # type: ignore[no-untyped-def]
    if name == "deputy_officer":
        return make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
    return getattr(world, name)


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        ("board", 200, 200),
        ("head_officer", 200, 200),
        ("deputy_officer", 200, 200),
        ("member_officer", 404, 200),
        ("member_leader", 404, 200),
        ("last_head_officer", 200, 200),  # Đông Sơn is proposed: it uploads its report
        ("outsider_officer", 404, 404),
        ("other_board", 404, 404),
    ],
)
def test_who_sees_the_nomination_before_and_after_sending(
    world, published, nomination, client_for, name, before, after
):
    client = client_for(persona(world, name))
    assert client.get(url(published.period)).status_code == before
    complete(world, nomination, published)
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    assert client.get(url(published.period)).status_code == after


def test_anonymous_goes_to_the_login_page(published, client):
    response = client.get(url(published.period))
    assert response.status_code == 302
    assert response.url.startswith(reverse(django_settings.LOGIN_URL))


def test_the_head_prepares_from_the_page(world, published, client_for):
    client = english(client_for(world.head_officer))
    page = client.get(url(published.period))
    assert "The nomination has not been prepared yet." in page.content.decode()
    assert 'id="prepare-form"' in page.content.decode()
    response = client.post(url(published.period, "nomination_prepare"))
    assert response.status_code == 302
    page = client.get(url(published.period)).content.decode()
    assert "Being prepared" in page
    assert f'data-unit="{world.deputy_unit.name}" data-award="flag"' in page
    assert "Quota of the cluster: 1 emulation flag(s), 2 certificate(s) of merit." in page


def test_only_the_head_or_board_prepare(world, published, client_for):
    deputy = persona(world, "deputy_officer")
    assert client_for(deputy).post(url(published.period, "nomination_prepare")).status_code == 403
    member = client_for(world.member_officer)
    assert member.post(url(published.period, "nomination_prepare")).status_code == 404
    assert not Nomination.objects.exists()


def test_the_nominee_form_refuses_over_quota_and_keeps_what_was_typed(
    world, published, nomination, client_for
):
    client = english(client_for(world.head_officer))
    data = {
        f"award_{world.h_new.pk}": "flag",
        f"award_{world.deputy_unit.pk}": "flag",
        f"reason_{world.h_new.pk}": "Dẫn đầu toàn diện",
    }
    response = client.post(url(published.period, "nomination_nominees"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "At most 1 unit(s) can be proposed for the emulation flag." in page
    assert "Dẫn đầu toàn diện" in page
    data[f"award_{world.deputy_unit.pk}"] = "merit"
    data[f"women_{world.deputy_unit.pk}"] = "on"
    response = client.post(url(published.period, "nomination_nominees"), data)
    assert response.status_code == 302
    assert sorted(nomination.nominees.values_list("unit__name", "award", "women_preference")) == (
        sorted([(world.h_new.name, "flag", False), (world.deputy_unit.name, "merit", True)])
    )


def test_the_submission_details_are_saved(world, published, nomination, client_for):
    client = client_for(world.head_officer)
    response = client.post(
        url(published.period, "nomination_edit"),
        {"number": "25/TTr-UBND", "date": "05/12/2024", "summary": "Tóm tắt"},
    )
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.number, nomination.date) == ("25/TTr-UBND", dt.date(2024, 12, 5))
    # A nominated unit cannot.
    other = client_for(world.last_head_officer)
    assert other.post(url(published.period, "nomination_edit"), {"number": "1"}).status_code == 403


def test_a_nominated_unit_uploads_its_report_and_another_unit_cannot_read_it(
    world, published, nomination, client_for
):
    client = english(client_for(world.last_head_officer))
    page = client.get(url(published.period)).content.decode()
    assert "Upload your unit's achievement report" in page
    upload = pdf_file("Báo cáo Đông Sơn.pdf")
    response = client.post(url(published.period, "nomination_upload"), {"file": upload})
    assert response.status_code == 302
    document = NominationDocument.objects.get()
    assert (document.kind, document.unit) == ("achievement_report", world.h_old)
    download = client.get(url(published.period, "nomination_document_download", document.pk))
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    # Before sending: the deputy unit sees the whole dossier, an unproposed member nothing.
    deputy = client_for(make_user("nga", role=Profile.Role.LEADER, unit=world.deputy_unit))
    assert (
        deputy.get(url(published.period, "nomination_document_download", document.pk)).status_code
        == 200
    )
    member = client_for(world.member_officer)
    assert (
        member.get(url(published.period, "nomination_document_download", document.pk)).status_code
        == 404
    )


def test_an_exe_upload_is_refused_on_the_page(world, published, nomination, client_for):
    client = english(client_for(world.last_head_officer))
    exe = pdf_file("bao-cao.pdf", data=b"MZ\x90\x00" + b"\x00" * 100)
    response = client.post(url(published.period, "nomination_upload"), {"file": exe})
    assert response.status_code == 200
    assert "This kind of file is not accepted." in response.content.decode()
    assert not NominationDocument.objects.exists()


def test_a_unit_that_is_not_proposed_cannot_upload(world, published, nomination, client_for):
    client = client_for(world.member_officer)
    response = client.post(url(published.period, "nomination_upload"), {"file": pdf_file()})
    assert response.status_code == 404
    assert not NominationDocument.objects.exists()


def test_the_confirmation_lists_what_is_missing_and_refuses(
    world, published, nomination, client_for
):
    client = english(client_for(world.head_officer))
    page = client.get(url(published.period, "nomination_submit")).content.decode()
    assert "The nomination cannot be sent yet. Missing:" in page
    assert "The submission has no number." in page
    assert f"The achievement report of {world.h_old.name} is missing." in page
    response = client.post(url(published.period, "nomination_submit"), {"confirm": "on"})
    assert response.status_code == 200
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.DRAFT


def test_the_confirmation_then_sending(world, published, nomination, client_for):
    complete(world, nomination, published)
    client = english(client_for(world.head_officer))
    page = client.get(url(published.period, "nomination_submit")).content.decode()
    assert "The following will be sent to the emulation board:" in page
    assert "Score summary" in page
    assert "The submission no. 25/TTr-CTĐ of 05/12/2024" in page
    # Without ticking the confirmation nothing is sent.
    assert client.post(url(published.period, "nomination_submit"), {}).status_code == 200
    response = client.post(url(published.period, "nomination_submit"), {"confirm": "on"})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED
    page = client.get(url(published.period)).content.decode()
    assert "Sent to the board" in page
    assert 'data-kind="submission"' in page
    assert 'id="submit-link"' not in page
    assert 'id="prepare-form"' not in page


def test_a_returned_nomination_shows_the_reason_and_can_be_sent_again(
    world, published, nomination, client_for
):
    complete(world, nomination, published)
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    Nomination.objects.filter(pk=nomination.pk).update(
        state=Nomination.State.RETURNED,
        return_reason="Thiếu biên bản họp",
        decided_at=timezone.make_aware(dt.datetime(2024, 12, 7, 10, 30)),
    )
    head = english(client_for(world.head_officer))
    page = head.get(url(published.period)).content.decode()
    assert "Returned by the board" in page and "Thiếu biên bản họp" in page
    assert "07/12/2024 10:30" in page
    assert "Send again…" in page and 'id="edit-nominees"' in page
    assert head.post(url(published.period, "nomination_submit"), {"confirm": "on"}).status_code == (
        302
    )
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED


def test_a_late_nomination_is_flagged_on_the_page(world, published, nomination, client_for):
    complete(world, nomination, published)
    services.nomination_submit(
        actor=world.head_officer,
        nomination=nomination,
        at=timezone.make_aware(dt.datetime(2024, 12, 15, 9)),
    )
    page = english(client_for(world.board)).get(url(published.period)).content.decode()
    assert 'id="late-badge"' in page and "Sent after the deadline (10/12/2024)" in page


def test_the_ranking_page_links_to_the_nomination(world, published, client_for):
    page = client_for(world.head_officer).get(reverse("period_ranking", args=[published.period.pk]))
    assert url(published.period) in page.content.decode()
    member = client_for(world.member_officer).get(
        reverse("period_ranking", args=[published.period.pk])
    )
    assert 'id="nomination-link"' not in member.content.decode()


def test_the_page_is_vietnamese_by_default(world, published, nomination, client_for):
    page = client_for(world.head_officer).get(url(published.period)).content.decode()
    assert "Đề nghị khen thưởng" in page and "Đơn vị được đề nghị" in page


def test_the_submission_pdf_is_read_by_those_who_see_the_nomination(
    world, published, nomination, client_for
):
    complete(world, nomination, published)
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    job = NominationDocument.objects.get(kind="submission").job
    board = client_for(world.board)
    assert board.get(reverse("job_download", args=[job.pk])).status_code == 200
    other = client_for(world.other_board)
    assert other.get(reverse("job_download", args=[job.pk])).status_code == 404
    member = client_for(world.member_officer)
    assert member.get(reverse("job_download", args=[job.pk])).status_code == 200


def test_withdrawing_from_the_page_keeps_the_file(world, published, nomination, client_for):
    client = client_for(world.last_head_officer)
    client.post(url(published.period, "nomination_upload"), {"file": pdf_file()})
    document = NominationDocument.objects.get()
    stranger = client_for(world.member_officer)
    withdraw = url(published.period, "nomination_document_withdraw", document.pk)
    assert stranger.post(withdraw).status_code == 404
    client = client_for(world.last_head_officer)
    assert client.post(withdraw).status_code == 302
    document.refresh_from_db()
    assert document.withdrawn_at is not None and document.file
    page = client.get(url(published.period)).content.decode()
    assert 'data-kind="achievement_report"' not in page


def test_a_mid_year_period_has_no_nomination_page(world, published, client_for):
    from scoring.models import Period

    Period.objects.filter(pk=published.period.pk).update(kind=Period.Kind.MID_YEAR)
    assert client_for(world.board).get(url(published.period)).status_code == 404


def test_the_ballot_list_links_to_the_nomination_for_the_head(world, published, client_for):
    page = client_for(world.head_officer).get(reverse("year_ballots", args=[world.this_year.pk]))
    assert url(published.period) in page.content.decode()


def test_a_returned_nomination_is_hidden_again_from_other_members(
    world, published, nomination, client_for
):
    complete(world, nomination, published)
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    member = client_for(world.member_officer)  # Bắc Sơn, not proposed
    assert member.get(url(published.period)).status_code == 200
    Nomination.objects.filter(pk=nomination.pk).update(
        state=Nomination.State.RETURNED, return_reason="Thiếu", decided_at=timezone.now()
    )
    assert member.get(url(published.period)).status_code == 404
    # A proposed unit sees the page, but only its own uploads, not the whole dossier.
    other = NominationDocument.objects.filter(
        nomination=nomination, kind="achievement_report", unit=world.deputy_unit
    ).first()
    proposed = client_for(world.last_head_officer)  # Đông Sơn
    assert proposed.get(
        url(published.period, "nomination_document_download", other.pk)
    ).status_code in (
        403,
        404,
    )


def test_the_nominees_of_a_commented_returned_nomination_are_saved_from_the_page(
    world, published, nomination, client_for
):
    from scoring.models import DisclosureComment
    from tests.test_scoring_nominations import _returned_with_a_comment

    commented = _returned_with_a_comment(world, nomination)
    head = english(client_for(world.head_officer))
    data = {f"award_{n.unit_id}": n.award for n in nomination.nominees.all()}
    assert head.post(url(published.period, "nomination_nominees"), data).status_code == 302
    assert DisclosureComment.objects.get().nominee_id == commented.pk
    del data[f"award_{world.h_new.pk}"]
    page = head.post(url(published.period, "nomination_nominees"), data)
    assert page.status_code == 200
    assert (
        f"{world.h_new.name} has comments from the public disclosure and cannot be removed"
        in page.content.decode()
    )
    assert nomination.nominees.filter(unit=world.h_new).exists()
