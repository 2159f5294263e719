"""The self-scoring pages: the tree with its inputs, points and totals; saving one entry
with htmx (points, subtotals and totals come back) and without JavaScript; refused values
and conflicts shown back to the person; the evidence panel; the submit confirmation;
and who may see or change what (every URL × every persona)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clusters.models import Profile
from scoring.models import Entry, Evidence, Period, Scorecard
from scoring.services.scorecards import entry_save, evidence_reference
from tests.factories import make_user
from tests.scoring_world import scoring_world
from tests.test_scoring_evidence import PDF
from tests.test_scoring_submit import fill

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def english(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def detail_url(card) -> str:  # type: ignore[no-untyped-def]
    return reverse("scorecard_detail", args=[card.pk])


def save_url(entry) -> str:  # type: ignore[no-untyped-def]
    return reverse("entry_save", args=[entry.scorecard_id, entry.pk])


# The page ---------------------------------------------------------------------------------


def test_the_page_shows_the_whole_tree_with_inputs_by_kind(sw, world, client_for):
    card = sw.card(world.member_unit)
    html = page(english(client_for(world.member_officer)).get(detail_url(card)))
    assert "UBND huyện Bắc Sơn" in html
    for code in ("I", "1", "2", "3", "4", "II", "5", "B", "D"):
        assert f'data-code="{code}"' in html
    entry = {code: sw.entry(world.member_unit, code).pk for code in ("1", "2", "3", "5")}
    assert f'name="points" id="entry-input-{entry["1"]}"' in html
    assert f'<select name="passed" id="entry-input-{entry["2"]}"' in html
    assert f'name="achieved" id="entry-input-{entry["3"]}"' in html
    assert f'name="count" id="entry-input-{entry["5"]}"' in html
    assert "Target: 80" in html  # Bắc Sơn's covenant target, before anything is entered
    assert "Points = 20 × min(achieved / target, 1)." in html  # the formula explained
    assert "Chấm theo báo cáo." in html  # the guidance, folded
    assert "Self-assessed total" in html and "0/5 criteria scored" in html


def test_the_page_is_vietnamese_by_default(sw, world, client_for):
    html = page(client_for(world.member_officer).get(detail_url(sw.card(world.member_unit))))
    assert '<html lang="vi">' in html
    assert "Tiêu chí 1" in html
    assert "Đạt: 10 điểm; không đạt: 0 điểm." in html  # the formula, in Vietnamese


def test_the_page_shows_saved_values_points_subtotals_and_totals(sw, world, client_for):
    fill(sw, world.member_unit)
    entry_save(
        actor=world.member_officer,
        entry=sw.entry(world.member_unit, "D"),
        version=0,
        values={"count": "1"},
    )
    html = page(
        english(client_for(world.member_officer)).get(detail_url(sw.card(world.member_unit)))
    )
    # 15 + 10 + 20 + 5 (exactly its target on 4) = 50 in I; 20 in II; −2.
    assert 'value="15"' in html and '<option value="yes" selected>' in html
    assert '<span class="fw-semibold">50</span>' in html
    assert '<span id="grand-total">68</span>' in html
    assert "−2" in html and "100%" in html
    assert "Báo cáo tổng kết năm" in html  # the evidence chip


def test_verified_points_show_read_only_once_decided(sw, world, client_for):
    Entry.objects.filter(pk=sw.entry(world.member_unit, "1").pk).update(
        points=D(18), self_points=D(18), final_points=D(12), final_reason="Thiếu minh chứng"
    )
    html = page(
        english(client_for(world.member_officer)).get(detail_url(sw.card(world.member_unit)))
    )
    assert "Verified points" in html
    assert '<span class="final-value text-danger fw-semibold">12</span>' in html
    assert "Thiếu minh chứng" in html


def test_no_verified_column_before_any_decision(sw, world, client_for):
    html = page(
        english(client_for(world.member_officer)).get(detail_url(sw.card(world.member_unit)))
    )
    assert "Verified points" not in html


def test_after_the_deadline_the_page_is_read_only_and_says_why(sw, world, client_for):
    Period.objects.filter(pk=sw.period.pk).update(
        self_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    html = page(
        english(client_for(world.member_officer)).get(detail_url(sw.card(world.member_unit)))
    )
    assert "has passed: the scorecard is locked" in html
    assert 'class="entry-form"' not in html
    assert "The deadline has passed." in html


def test_the_head_sees_the_card_read_only(sw, world, client_for):
    entry_save(
        actor=world.member_officer,
        entry=sw.entry(world.member_unit, "2"),
        version=0,
        values={"passed": "yes", "comment": "Đã hoàn thành"},
    )
    html = page(english(client_for(world.head_officer)).get(detail_url(sw.card(world.member_unit))))
    assert 'class="entry-form"' not in html
    assert '<span class="entry-value">met</span>' in html
    assert "Đã hoàn thành" in html
    assert "only the unit's own people can change it" in html


# Saving with htmx -----------------------------------------------------------------------------


def test_an_htmx_save_returns_the_points_subtotals_and_totals(sw, world, client_for):
    entry = sw.entry(world.member_unit, "3")
    client = english(client_for(world.member_officer))
    response = client.post(save_url(entry), {"version": 0, "achieved": "40"}, **HTMX)
    html = page(response)
    assert response.status_code == 200
    assert "Saved at" in html
    assert f'<div id="entry-points-{entry.pk}" class="entry-points" hx-swap-oob="true">' in html
    assert '<span class="points-value">10</span>' in html
    assert "20 × min(40 / 80, 1) = 10" in html
    assert f'id="entry-version-{entry.pk}" hx-swap-oob="true"' in html and 'value="1"' in html
    group = sw.criteria["I"].pk
    assert f'<span id="group-points-{group}" class="group-points" hx-swap-oob="true">' in html
    assert 'id="scorecard-summary"' in html and '<span id="grand-total">10</span>' in html
    entry.refresh_from_db()
    assert entry.achieved == D(40) and entry.version == 1


def test_an_htmx_save_of_a_bad_value_shows_the_message_and_keeps_the_stored_one(
    sw, world, client_for
):
    entry = sw.entry(world.member_unit, "1")
    entry_save(actor=world.member_officer, entry=entry, version=0, values={"points": "15"})
    client = english(client_for(world.member_officer))
    response = client.post(save_url(entry), {"version": 1, "points": "25"}, **HTMX)
    html = page(response)
    assert response.status_code == 200
    assert "Points must be between 0 and 20." in html
    assert "the value saved before is unchanged" in html
    assert "entry-version" not in html  # the version stays where it was
    entry.refresh_from_db()
    assert entry.points == D(15) and entry.version == 1


def test_a_conflict_shows_the_other_persons_value_and_both_choices(sw, world, client_for):
    entry = sw.entry(world.member_unit, "1")
    entry_save(actor=world.member_leader, entry=entry, version=0, values={"points": "12,5"})
    client = english(client_for(world.member_officer))
    response = client.post(save_url(entry), {"version": 0, "points": "18"}, **HTMX)
    html = page(response)
    assert "Someone else (Người lan) saved this criterion at" in html
    assert "their value is 12,5" in html
    assert '<strong class="your-value">18</strong>' in html
    assert 'class="btn btn-sm btn-outline-secondary take-theirs"' in html
    assert 'data-value="12,5"' in html and 'data-version="1"' in html
    assert "Keep mine" in html
    entry.refresh_from_db()
    assert entry.points == D("12.5")


def test_keep_mine_saves_over_the_other_value(sw, world, client_for):
    entry = sw.entry(world.member_unit, "1")
    entry_save(actor=world.member_leader, entry=entry, version=0, values={"points": "12"})
    client = client_for(world.member_officer)
    response = client.post(save_url(entry), {"version": 1, "points": "18"}, **HTMX)
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.points == D(18) and entry.version == 2


# Without JavaScript ---------------------------------------------------------------------------


def test_a_plain_post_saves_and_comes_back_to_the_row(sw, world, client_for):
    entry = sw.entry(world.member_unit, "5")
    response = client_for(world.member_officer).post(
        save_url(entry), {"version": 0, "count": "2", "comment": "Hai lần"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"{detail_url(entry.scorecard)}#entry-{entry.pk}")
    entry.refresh_from_db()
    assert entry.count == 2 and entry.comment == "Hai lần"


def test_a_plain_post_of_a_bad_value_shows_the_page_with_the_typed_value(sw, world, client_for):
    entry = sw.entry(world.member_unit, "3")
    client = english(client_for(world.member_officer))
    response = client.post(save_url(entry), {"version": 0, "achieved": "bốn mươi", "comment": "x"})
    html = page(response)
    assert response.status_code == 200
    assert "“bốn mươi” is not a number" in html
    assert 'value="bốn mươi"' in html
    entry.refresh_from_db()
    assert entry.achieved is None and entry.comment == ""


def test_a_plain_post_conflict_offers_to_keep_mine(sw, world, client_for):
    entry = sw.entry(world.member_unit, "1")
    entry_save(actor=world.member_leader, entry=entry, version=0, values={"points": "12"})
    client = english(client_for(world.member_officer))
    response = client.post(save_url(entry), {"version": 0, "points": "18"})
    html = page(response)
    assert response.status_code == 409
    assert "their value is 12" in html
    assert 'value="18"' in html  # mine, still in the box
    assert f'name="version" value="1" id="entry-version-{entry.pk}"' in html  # "save" = keep mine


def test_a_save_without_a_version_is_refused(sw, world, client_for):
    entry = sw.entry(world.member_unit, "1")
    client = english(client_for(world.member_officer))
    html = page(client.post(save_url(entry), {"points": "18"}, **HTMX))
    assert "The page is out of date" in html
    entry.refresh_from_db()
    assert entry.points is None


# Evidence --------------------------------------------------------------------------------------


def test_the_evidence_panel_attaches_uploads_and_cites(sw, world, client_for):
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    client = english(client_for(world.member_officer))
    panel_url = reverse("entry_evidence", args=[card.pk, entry.pk])
    html = page(client.get(panel_url, **HTMX))
    assert "Evidence for 1" in html and "Nothing attached yet." in html
    response = client.post(
        reverse("evidence_upload", args=[card.pk]),
        {
            "from": "panel",
            "entry": entry.pk,
            "title": "Báo cáo",
            "file": SimpleUploadedFile("bc.pdf", PDF),
        },
        **HTMX,
    )
    html = page(response)
    assert "“Báo cáo” was added to the evidence." in html
    assert f'id="entry-evidence-{entry.pk}" class="entry-evidence" hx-swap-oob="true"' in html
    assert 'id="scorecard-summary"' in html and 'id="evidence-library"' in html
    evidence = Evidence.objects.get()
    assert list(evidence.entries.all()) == [entry]
    # The same evidence for a second criterion, from the library.
    other = sw.entry(world.member_unit, "5")
    client.post(reverse("evidence_link", args=[card.pk, evidence.pk]), {"entry": other.pk}, **HTMX)
    assert set(evidence.entries.all()) == {entry, other}
    client.post(
        reverse("evidence_unlink", args=[card.pk, evidence.pk]), {"entry": other.pk}, **HTMX
    )
    assert list(evidence.entries.all()) == [entry]
    response = client.post(
        reverse("evidence_reference", args=[card.pk]),
        {"from": "panel", "entry": entry.pk, "doc_number": "125/BC-UBND", "doc_date": "20/11/2024"},
        **HTMX,
    )
    assert "Document 125/BC-UBND was added to the evidence." in page(response)
    assert entry.evidence.count() == 2


def test_a_refused_upload_says_why_in_the_panel(sw, world, client_for):
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    client = english(client_for(world.member_officer))
    response = client.post(
        reverse("evidence_upload", args=[card.pk]),
        {
            "from": "panel",
            "entry": entry.pk,
            "file": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00"),
        },
        **HTMX,
    )
    assert "This kind of file is not accepted." in page(response)
    assert not Evidence.objects.exists()


def test_the_library_uploads_for_several_criteria_and_withdraws(sw, world, client_for):
    card = sw.card(world.member_unit)
    one, five = sw.entry(world.member_unit, "1"), sw.entry(world.member_unit, "5")
    client = client_for(world.member_officer)
    response = client.post(
        reverse("evidence_upload", args=[card.pk]),
        {"from": "library", "entries": [one.pk, five.pk], "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 302 and response["Location"].endswith("#evidence-library")
    evidence = Evidence.objects.get()
    assert set(evidence.entries.all()) == {one, five}
    htmx = client.post(
        reverse("evidence_reference", args=[card.pk]),
        {"from": "library", "doc_number": "2/KH", "doc_date": "02/01/2024", "entries": [five.pk]},
        **HTMX,
    )
    assert htmx["HX-Refresh"] == "true"
    response = client.post(reverse("evidence_withdraw", args=[card.pk, evidence.pk]))
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is not None


def test_a_library_citation_without_a_date_comes_back_with_the_message(sw, world, client_for):
    card = sw.card(world.member_unit)
    client = english(client_for(world.member_officer))
    response = client.post(
        reverse("evidence_reference", args=[card.pk]),
        {"from": "library", "doc_number": "2/KH", "doc_date": ""},
        **HTMX,
    )
    html = page(response)
    assert "Give the document&#x27;s date." in html and 'value="2/KH"' in html


# Submitting -------------------------------------------------------------------------------------


def test_the_submit_page_lists_what_is_missing(sw, world, client_for):
    fill(sw, world.member_unit, skip={"4"}, evidence=False)
    client = english(client_for(world.member_officer))
    html = page(client.get(reverse("scorecard_submit", args=[sw.card(world.member_unit).pk])))
    assert "The scorecard cannot be submitted yet. Still missing:" in html
    one, four = sw.entry(world.member_unit, "1").pk, sw.entry(world.member_unit, "4").pk
    assert f'#entry-{one}">1. Tiêu chí 1: evidence is required and none is attached.</a>' in html
    assert f'#entry-{four}">4. Tiêu chí 4: not scored yet.</a>' in html
    assert 'id="submit-button"' not in html


def test_the_submit_page_asks_for_confirmation_then_submits(sw, world, client_for):
    fill(sw, world.member_unit)
    card = sw.card(world.member_unit)
    client = english(client_for(world.member_officer))
    url = reverse("scorecard_submit", args=[card.pk])
    html = page(client.get(url))
    assert 'id="submit-button"' in html and "cannot be undone" in html
    assert "data-confirm=" in html
    unconfirmed = client.post(url, {})
    assert "Tick the box to confirm the submission." in page(unconfirmed)
    card.refresh_from_db()
    assert card.state == Scorecard.State.DRAFT
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.state == Scorecard.State.SUBMITTED
    html = page(client.get(detail_url(card)))
    assert "The scorecard of UBND huyện Bắc Sơn was submitted." in html
    assert 'class="entry-form"' not in html and "Your unit has submitted this scorecard" in html


def test_a_submission_refused_by_the_service_lists_the_reasons(sw, world, client_for):
    fill(sw, world.member_unit, skip={"2"})
    card = sw.card(world.member_unit)
    client = english(client_for(world.member_officer))
    response = client.post(reverse("scorecard_submit", args=[card.pk]), {"confirm": "on"})
    assert response.status_code == 422
    assert "2. Tiêu chí 2: not scored yet." in page(response)


# Who may do what: every URL × every persona ------------------------------------------------------

VIEWERS = {"member_officer", "member_leader", "head_officer", "board", "deputy_officer"}
EDITORS = {"member_officer", "member_leader"}


def _urls(sw, world):  # type: ignore[no-untyped-def]
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    document = evidence_reference(
        actor=world.member_officer, scorecard=card, doc_number="1/BC", doc_date=dt.date(2024, 1, 5)
    )
    return {
        "detail": ("get", detail_url(card), None),
        "panel": ("get", reverse("entry_evidence", args=[card.pk, entry.pk]), None),
        "save": ("post", save_url(entry), {"version": 0, "points": "5"}),
        "submit": ("get", reverse("scorecard_submit", args=[card.pk]), None),
        "link": (
            "post",
            reverse("evidence_link", args=[card.pk, document.pk]),
            {"entry": entry.pk},
        ),
        "withdraw": ("post", reverse("evidence_withdraw", args=[card.pk, document.pk]), {}),
    }


@pytest.mark.parametrize(
    "persona",
    [
        "member_officer",
        "member_leader",
        "head_officer",
        "deputy_officer",
        "board",
        "last_head_officer",
        "outsider_officer",
        "other_board",
    ],
)
def test_permission_matrix(sw, world, client, persona):
    users = world.personas() | {
        "deputy_officer": make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
    }
    client.force_login(users[persona])
    for name, (method, url, data) in _urls(sw, world).items():
        response = getattr(client, method)(url, data or {})
        is_write = name in {"save", "submit", "link", "withdraw"}
        if persona not in VIEWERS:
            expected = {404}
        elif is_write and persona not in EDITORS:
            expected = {403}
        else:
            expected = {200, 302}
        assert response.status_code in expected, (persona, name, response.status_code)


def test_anonymous_visitors_are_sent_to_log_in(sw, world, client):
    response = client.get(detail_url(sw.card(world.member_unit)))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_head_units_own_card_is_edited_by_its_people(sw, world, client_for):
    card = sw.card(world.h_new)
    entry = sw.entry(world.h_new, "1")
    client = client_for(world.head_officer)
    assert 'class="entry-form"' in page(client.get(detail_url(card)))
    assert client.post(save_url(entry), {"version": 0, "points": "7"}, **HTMX).status_code == 200
