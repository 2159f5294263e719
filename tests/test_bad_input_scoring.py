"""Bad input on the scoring side (issue 7): parsers, services, Excel import, pages.

Random and hostile values (tests/bad_input.py) → either a result or a
``ValidationError`` whose messages read in Vietnamese, never another exception; stored
text in NFC; markup shown escaped.
"""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from core.text import plain_number
from scoring.excel import parse_rubric_xlsx
from scoring.forms.fields import parse_points as form_points
from scoring.models import Entry, ExplanationRequest, Review
from scoring.services import criteria as criteria_services
from scoring.services import scorecards as scorecard_services
from scoring.services.award_rules import award_rules_save
from scoring.services.ballots import ballot_cast, ballot_close, ballot_record_decision
from scoring.services.deliberations import deliberation_save
from scoring.services.verification import explanation_answer, review_propose, scorecard_return
from tests.bad_input import (
    ATTACKS,
    FAST,
    IMG,
    NFC_NAME,
    NFD_NAME,
    SCRIPT,
    attack_text,
    looks_vietnamese,
)
from tests.scoring_world import scoring_world
from tests.test_api_entries import url as api_url
from tests.test_api_read import api
from tests.test_scoring_ballots import leaders, make_ballot
from tests.test_scoring_deliberation import meeting_fields
from tests.test_scoring_verification import submit

ANY_VALUE = st.one_of(
    attack_text,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)

JSON_VALUE = st.one_of(
    attack_text,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def vietnamese(error: ValidationError) -> None:
    """Every message of ``error`` differs between Vietnamese and English."""
    with translation.override("en"):
        english = list(error.messages)
    with translation.override("vi"):
        vi = list(error.messages)
    for en_text, vi_text in zip(english, vi, strict=True):
        # A message put in the active language when raised reads the same in both.
        assert vi_text != en_text or looks_vietnamese(vi_text), f"untranslated: {en_text!r}"


def result_or_refusal(call: Any) -> Any:
    try:
        return call()
    except ValidationError as error:
        vietnamese(error)
        return None


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


# Parsers -------------------------------------------------------------------------------


@FAST
@given(text=attack_text)
def test_plain_number_gives_a_decimal_or_none(text: str) -> None:
    plain = plain_number(text)
    assert plain is None or Decimal(plain).is_finite()


@FAST
@given(raw=ANY_VALUE)
def test_number_parsers_answer_or_refuse_in_vietnamese(raw: Any) -> None:
    for parse in (
        form_points,
        criteria_services.parse_points,
        lambda value: scorecard_services.parse_number(value, places=2),
        scorecard_services.parse_count,
        scorecard_services.parse_yes_no,
    ):
        value = result_or_refusal(lambda parse=parse: parse(raw))
        assert value is None or isinstance(value, Decimal | int | bool)


@FAST
@given(
    code=ANY_VALUE,
    title=ANY_VALUE,
    kind=st.one_of(
        st.sampled_from(["manual", "pass_fail", "per_occurrence", "group"]), attack_text
    ),
    max_points=ANY_VALUE,
    params=st.one_of(
        ANY_VALUE, st.dictionaries(st.sampled_from(["points_each", "cap", "x"]), ANY_VALUE)
    ),
    guidance=ANY_VALUE,
)
def test_criterion_values_answer_or_refuse(sw, code, title, kind, max_points, params, guidance):  # type: ignore[no-untyped-def]
    result_or_refusal(
        lambda: criteria_services.criterion_values(
            sw.rubric,
            code=code,
            title=title,
            kind=kind,
            max_points=max_points,
            params=params,
            guidance=guidance,
            evidence_required=False,
            target=None,
        )
    )


# The Excel import -------------------------------------------------------------------------


class Upload(io.BytesIO):
    name = "bang.xlsx"

    @property
    def size(self) -> int:
        return len(self.getvalue())


@FAST
@given(data=st.one_of(st.binary(max_size=2000), st.just(b"PK\x03\x04" + b"\x00" * 200)))
def test_random_bytes_are_refused_as_a_file_error(data: bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rubric_xlsx(Upload(data))
    vietnamese(caught.value)


CELL = st.one_of(attack_text, st.none(), st.integers(), st.floats(allow_nan=True), st.booleans())


@FAST
@given(
    header=st.lists(
        st.one_of(
            st.sampled_from(["Mã", "Nội dung", "Loại", "Điểm tối đa", "Tham số"]), attack_text
        ),
        max_size=8,
    ),
    rows=st.lists(st.lists(CELL, max_size=8), max_size=6),
    second_sheet=st.booleans(),
)
def test_random_workbooks_parse_or_refuse(header, rows, second_sheet) -> None:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append([_cell(value) for value in row])
    if second_sheet:
        book.create_sheet("Cài đặt").append([_cell(v) for v in rows[0]] if rows else ["x"])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = result_or_refusal(lambda: parse_rubric_xlsx(Upload(buffer.getvalue())))
    if parsed is not None:
        with translation.override("vi"):
            for error in parsed.row_errors:
                str(error)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters in cells; a real file cannot hold them.
        return "".join(char for char in value if unicodedata.category(char) != "Cc")[:1000]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


# Self-scoring, verification, ballots, rules -----------------------------------------------


@FAST
@given(
    code=st.sampled_from(["1", "2", "3", "5", "B", "D"]),
    field=st.sampled_from(["achieved", "points", "passed", "count", "comment"]),
    raw=ANY_VALUE,
)
def test_entry_save_saves_or_refuses(world, sw, code, field, raw) -> None:  # type: ignore[no-untyped-def]
    entry = sw.entry(world.member_unit, code)
    saved = result_or_refusal(
        lambda: scorecard_services.entry_save(
            actor=world.member_officer, entry=entry, version=entry.version, values={field: raw}
        )
    )
    if saved is None:
        assert Entry.objects.get(pk=entry.pk).version == entry.version


@FAST
@given(
    body=st.dictionaries(
        st.sampled_from(["version", "achieved", "points", "passed", "count", "comment", "x"]),
        JSON_VALUE,
        max_size=4,
    )
)
def test_the_api_patch_never_fails_with_a_server_error(world, sw, body) -> None:  # type: ignore[no-untyped-def]
    response = api(world.member_officer).patch(api_url(sw, world.member_unit, "5"), body)
    assert response.status_code < 500


@FAST
@given(points=ANY_VALUE, reason=attack_text)
def test_a_proposal_is_recorded_or_refused(world, sw, points, reason) -> None:  # type: ignore[no-untyped-def]
    if not Review.objects.exists() and sw.card(world.member_unit).state != "submitted":
        submit(sw, world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    review = result_or_refusal(
        lambda: review_propose(
            actor=world.head_officer, entry=entry, role="head", points=points, reason=reason
        )
    )
    if review is not None:
        assert review.reason == unicodedata.normalize("NFC", review.reason)
        assert len(review.reason) <= 2000


@FAST
@given(choices=st.lists(st.integers(), max_size=4), abstain=st.booleans())
def test_ballot_cast_counts_or_refuses(world, choices, abstain) -> None:  # type: ignore[no-untyped-def]
    ballot = getattr(world, "_fuzz_ballot", None)
    if ballot is None:
        leaders(world)
        ballot = world._fuzz_ballot = make_ballot(world)
    result_or_refusal(
        lambda: ballot_cast(
            actor=world.member_leader, ballot=ballot, choices=choices, abstain=abstain
        )
    )


@FAST
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["quorum_numerator", "quorum_denominator", "threshold_numerator",
             "threshold_denominator", "max_rounds", "flag_quota", "nomination_deadline_day"]
        ),
        st.one_of(st.integers(), attack_text, st.none()),
    )
)  # fmt: skip
def test_award_rules_save_or_refuse(world, fields) -> None:  # type: ignore[no-untyped-def]
    result_or_refusal(lambda: award_rules_save(actor=world.board, organizer=world.org, **fields))


def test_a_huge_denominator_is_refused_not_a_database_overflow(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        award_rules_save(actor=world.board, organizer=world.org, quorum_denominator=10**30)
    assert "quorum_denominator" in caught.value.message_dict
    vietnamese(caught.value)


def test_a_huge_deadline_day_is_refused_not_an_overflow(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        award_rules_save(actor=world.board, organizer=world.org, nomination_deadline_day=10**20)
    assert "nomination_deadline_day" in caught.value.message_dict
    vietnamese(caught.value)


def test_the_award_rules_page_refuses_a_huge_number(world, client_for) -> None:  # type: ignore[no-untyped-def]
    data = {
        "quorum_numerator": 2, "quorum_denominator": "9" * 30, "threshold_numerator": 1,
        "threshold_denominator": 2, "threshold_strict": "on", "max_rounds": 3,
        "flag_quota": 1, "merit_quota": 2, "nomination_deadline_day": 15,
        "nomination_deadline_month": 11,
    }  # fmt: skip
    response = client_for(world.board).post(reverse("award_rules"), data)
    assert response.status_code == 200
    assert "Mẫu số không được lớn hơn 100" in response.content.decode()


# NFC, lengths and escaping of the free text ------------------------------------------------


def test_verification_texts_are_stored_in_nfc(world, sw) -> None:  # type: ignore[no-untyped-def]
    card = submit(sw, world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    review = review_propose(
        actor=world.head_officer, entry=entry, role="head", points=12, reason=NFD_NAME
    )
    assert Review.objects.get(pk=review.pk).reason == NFC_NAME
    assert Entry.objects.get(pk=entry.pk).final_reason == NFC_NAME
    request = scorecard_return(
        actor=world.head_officer, scorecard=card, role="head", entries=[entry], question=NFD_NAME
    )
    assert ExplanationRequest.objects.get(pk=request.pk).question == NFC_NAME
    explanation_answer(actor=world.member_officer, request=request, answer=NFD_NAME)
    assert ExplanationRequest.objects.get(pk=request.pk).answer == NFC_NAME


def test_a_too_long_reason_is_refused_with_a_message(world, sw) -> None:  # type: ignore[no-untyped-def]
    submit(sw, world.member_unit)
    with pytest.raises(ValidationError) as caught:
        review_propose(
            actor=world.head_officer,
            entry=sw.entry(world.member_unit, "1"),
            role="head",
            points=12,
            reason="x" * 2001,
        )
    vietnamese(caught.value)


MEETING_TEXTS = ("place", "chaired_by", "secretary", "guests", "proceedings", "conclusions")


def test_meeting_texts_are_stored_in_nfc(world) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    fields = meeting_fields(world) | dict.fromkeys(MEETING_TEXTS, NFD_NAME)
    meeting = deliberation_save(actor=world.head_officer, period=sw.period, **fields)
    meeting.refresh_from_db()
    for name in MEETING_TEXTS:
        assert getattr(meeting, name) == NFC_NAME, name


def test_the_head_decision_reason_is_stored_in_nfc(world) -> None:  # type: ignore[no-untyped-def]
    ballot = make_ballot(world, max_rounds=1)
    ballot = ballot_close(actor=world.head_officer, ballot=ballot, at=ballot.closes_at)
    ballot = ballot_record_decision(
        actor=world.head_officer,
        ballot=ballot,
        units=[world.h_new],
        reason=NFD_NAME,
        deputy_agreed=True,
    )
    ballot.refresh_from_db()
    assert ballot.result["head_decision"]["reason"] == NFC_NAME


def test_a_self_score_comment_is_nfc_and_shown_escaped(world, sw, client_for) -> None:  # type: ignore[no-untyped-def]
    entry = sw.entry(world.member_unit, "1")
    scorecard_services.entry_save(
        actor=world.member_officer,
        entry=entry,
        version=entry.version,
        values={"comment": NFD_NAME + " " + SCRIPT},
    )
    assert Entry.objects.get(pk=entry.pk).comment == NFC_NAME + " " + SCRIPT
    page = client_for(world.member_officer).get(
        reverse("scorecard_detail", args=[sw.card(world.member_unit).pk])
    )
    html = page.content.decode()
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_reasons_and_explanations_are_shown_escaped(world, sw, client_for) -> None:  # type: ignore[no-untyped-def]
    card = submit(sw, world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    review_propose(actor=world.head_officer, entry=entry, role="head", points=12, reason=IMG)
    request = scorecard_return(
        actor=world.head_officer, scorecard=card, role="head", entries=[entry], question=SCRIPT
    )
    explanation_answer(actor=world.member_officer, request=request, answer=IMG + SCRIPT)
    for user, name in (
        (world.head_officer, "verify_scorecard"),
        (world.member_officer, "scorecard_detail"),
    ):
        html = client_for(user).get(reverse(name, args=[card.pk])).content.decode()
        assert SCRIPT not in html and IMG not in html, name
        assert "&lt;img src=x onerror=" in html or "&lt;script&gt;" in html, name


@FAST
@given(values=st.lists(attack_text, min_size=2, max_size=2))
def test_posting_attack_values_to_the_self_score_page_is_never_a_server_error(
    world, sw, client_for, values
) -> None:  # type: ignore[no-untyped-def]
    card = sw.card(world.member_unit)
    client = client_for(world.member_officer)
    for code, field in (("1", "points"), ("5", "count")):
        entry = sw.entry(world.member_unit, code)
        response = client.post(
            reverse("entry_save", args=[card.pk, entry.pk]),
            {"version": values[0], field: values[1], "comment": values[1]},
        )
        assert response.status_code < 500


def test_attack_strings_are_all_exercised() -> None:
    assert len(ATTACKS) >= 40 and any(len(text) > 10_000 for text in ATTACKS)


def test_a_quorum_beyond_the_small_integer_columns_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        make_ballot(world, quorum=(1, 40_000), open_it=False)
    vietnamese(caught.value)


def test_nomination_texts_are_nfc_and_shown_escaped(world, client_for) -> None:  # type: ignore[no-untyped-def]
    from scoring import documents_nominations
    from scoring.models import Nominee
    from scoring.services.nominations import (
        nomination_prepare,
        nomination_set_nominees,
        nomination_update,
    )
    from tests.test_scoring_nominations import publish_year_end

    documents_nominations.register()
    published = publish_year_end(world)
    nomination = nomination_prepare(actor=world.head_officer, period=published.period)
    nomination_update(
        actor=world.head_officer,
        nomination=nomination,
        number=NFD_NAME[:20],
        date=None,
        summary=NFD_NAME + SCRIPT,
    )
    nomination.refresh_from_db()
    assert nomination.summary == NFC_NAME + SCRIPT
    flag = list(nomination.nominees.filter(award="flag").values_list("unit_id", flat=True))
    nomination_set_nominees(
        actor=world.head_officer,
        nomination=nomination,
        flag=flag,
        reasons={flag[0]: NFD_NAME + IMG},
    )
    assert Nominee.objects.get(nomination=nomination, unit_id=flag[0]).reason == NFC_NAME + IMG
    html = client_for(world.head_officer).get(
        reverse("nomination_detail", args=[published.period.pk])
    )
    page = html.content.decode()
    assert SCRIPT not in page and IMG not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_meeting_texts_are_shown_escaped(world, client_for) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    fields = meeting_fields(world) | {"place": SCRIPT, "proceedings": IMG, "conclusions": SCRIPT}
    deliberation_save(actor=world.head_officer, period=sw.period, **fields)
    page = client_for(world.head_officer).get(reverse("deliberation_detail", args=[sw.period.pk]))
    html = page.content.decode()
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@FAST
@given(values=st.lists(attack_text, min_size=4, max_size=4))
def test_posting_attack_values_to_scoring_pages_is_never_a_server_error(  # type: ignore[no-untyped-def]
    world, client_for, values
):
    if not hasattr(world, "_fuzz_sw"):
        world._fuzz_sw = scoring_world(world)
        submit(world._fuzz_sw, world.member_unit)
    sw = world._fuzz_sw
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    a, b, c, d = values
    head = client_for(world.head_officer)
    posts = [
        (reverse("verify_propose", args=[card.pk, entry.pk]), {"points": a, "reason": b}),
        (reverse("verify_return", args=[card.pk]),
         {"entries": [a, str(entry.pk)], "question": b, "deadline": c}),
        (reverse("deliberation_edit", args=[sw.period.pk]),
         {"held_at_0": a, "held_at_1": b, "place": c, "chaired_by": d, "secretary": d,
          "attendees": [a], "guests": b, "proceedings": c, "conclusions": d}),
        (reverse("ballot_create", args=[world.this_year.pk]),
         {"purpose": a, "candidates": [b], "choose_at_most": c, "opens_at_0": d,
          "quorum_numerator": a, "quorum_denominator": b}),
    ]  # fmt: skip
    for url, data in posts:
        assert head.post(url, data).status_code < 500, url
    board = client_for(world.board)
    rules = dict.fromkeys(("quorum_numerator", "quorum_denominator", "max_rounds"), a)
    assert board.post(reverse("award_rules"), rules | {"flag_quota": b}).status_code < 500


def test_a_nul_in_a_comment_is_dropped_not_a_database_error(sw, world):  # type: ignore[no-untyped-def]
    """Found by the property tests on PostgreSQL, which cannot store a NUL: every model's
    text loses its NUL characters before a save (core.db.drop_nul_characters), the rest
    of the comment is kept."""
    entry = sw.entry(world.member_unit, "1")
    saved = scorecard_services.entry_save(
        actor=world.member_officer, entry=entry, version=entry.version, values={"comment": "a\x00b"}
    )
    saved.refresh_from_db()
    assert saved.comment == "ab"


def test_a_nul_in_a_proposals_reason_is_dropped_from_the_row_and_the_audit_log(sw, world):  # type: ignore[no-untyped-def]
    """The same for the audit log's JSON details (PostgreSQL's JSON cannot hold \\u0000
    either)."""
    from django.db import connection

    from core.models import ActionLog

    submit(sw, world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    review = review_propose(
        actor=world.head_officer, entry=entry, role="head", points="5", reason="Thiếu\x00 hồ sơ"
    )
    review.refresh_from_db()
    assert review.reason == "Thiếu hồ sơ"
    logged = ActionLog.objects.order_by("-pk").first()
    # Written, not a database error; PostgreSQL keeps it without the NUL (SQLite stores
    # JSON as text, where the NUL is the escape sequence \u0000 and harmless).
    assert logged.data["reason"].replace("\x00", "") == "Thiếu hồ sơ"
    if connection.vendor == "postgresql":
        assert logged.data["reason"] == "Thiếu hồ sơ"
