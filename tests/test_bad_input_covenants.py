"""Bad input on covenants (issue 7): numbers, the targets file, free text in NFC and
shown escaped, attack values posted to the comment page."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core import excel
from covenants.models import ConferenceGuest, Covenant, CovenantComment, CovenantSection, Target
from covenants.services.drafting import covenant_comment_add, covenant_update
from covenants.services.drafting.content import GuestInput, covenant_guests_save
from covenants.services.drafting.targets import parse_vi_decimal
from covenants.services.targets_import import read_targets_file
from tests.bad_input import FAST, IMG, NFC_NAME, NFD_NAME, SCRIPT, attack_text, looks_vietnamese
from tests.test_covenant_comments import circulated
from tests.test_covenant_drafting import add_sections, add_target, make_covenant

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@FAST
@given(raw=st.one_of(attack_text, st.none(), st.integers(), st.decimals()))
def test_target_values_parse_or_refuse_in_vietnamese(raw) -> None:  # type: ignore[no-untyped-def]
    try:
        value = parse_vi_decimal(raw)
    except ValidationError as error:
        with translation.override("vi"):
            assert all(looks_vietnamese(text) for text in error.messages), error.messages
        return
    assert value is None or (isinstance(value, Decimal) and value.is_finite())


class Upload(io.BytesIO):
    name = "chi-tieu.xlsx"

    @property
    def size(self) -> int:
        return len(self.getvalue())


@FAST
@given(data=st.binary(max_size=2000))
def test_random_bytes_as_a_targets_file_are_refused(world, data) -> None:  # type: ignore[no-untyped-def]
    members = list(world.this_year.memberships.all())
    try:
        read_targets_file(Upload(data), members=members)
    except excel.ExcelError as error:
        with translation.override("vi"):
            assert looks_vietnamese(str(error)), str(error)


def test_covenant_texts_are_stored_in_nfc(world) -> None:  # type: ignore[no-untyped-def]
    covenant = make_covenant(world)
    covenant_update(
        actor=world.board,
        covenant=covenant,
        confirm_warnings=True,
        title=NFD_NAME,
        theme=NFD_NAME,
        preamble=NFD_NAME,
        closing=NFD_NAME,
        chair_name=NFD_NAME,
        conference_place=NFD_NAME,
    )
    stored = Covenant.objects.get(pk=covenant.pk)
    for name in ("title", "theme", "preamble", "closing", "chair_name", "conference_place"):
        assert getattr(stored, name) == NFC_NAME, name
    add_sections(covenant, world, [(NFD_NAME, NFD_NAME)])
    section = CovenantSection.objects.get(covenant=covenant)
    assert (section.heading, section.body) == (NFC_NAME, NFC_NAME)
    covenant_guests_save(
        actor=world.board, covenant=covenant, guests=[GuestInput(NFD_NAME, NFD_NAME)]
    )
    guest = ConferenceGuest.objects.get(covenant=covenant)
    assert (guest.name, guest.position) == (NFC_NAME, NFC_NAME)
    add_target(covenant, world, NFD_NAME, {world.member_unit: Decimal(5)}, measure=NFD_NAME)
    target = Target.objects.get(covenant=covenant)
    assert (target.indicator, target.measure) == (NFC_NAME, NFC_NAME)


def test_markup_in_the_draft_and_comments_is_shown_escaped(world, client_for) -> None:  # type: ignore[no-untyped-def]
    covenant = circulated(world)
    add_sections(covenant, world, [(SCRIPT, IMG), ("Về văn hóa", SCRIPT)])
    add_target(covenant, world, SCRIPT, {world.member_unit: Decimal(5)}, measure=IMG)
    comment = covenant_comment_add(
        actor=world.member_officer, covenant=covenant, text=NFD_NAME + SCRIPT
    )
    assert CovenantComment.objects.get(pk=comment.pk).text == NFC_NAME + SCRIPT
    for user in (world.member_officer, world.board):
        html = client_for(user).get(reverse("covenant_detail", args=[covenant.pk])).content.decode()
        assert SCRIPT not in html and IMG not in html
        assert ESCAPED_SCRIPT in html


@FAST
@given(text=attack_text, section=attack_text)
def test_posting_attack_comments_is_never_a_server_error(world, client_for, text, section) -> None:  # type: ignore[no-untyped-def]
    covenant = Covenant.objects.filter(state="circulated").first() or circulated(world)
    response = client_for(world.member_officer).post(
        reverse("covenant_comment", args=[covenant.pk]), {"text": text, "section": section}
    )
    assert response.status_code < 500
    for stored in CovenantComment.objects.all():
        assert len(stored.text) <= 5000
