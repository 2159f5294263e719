"""The covenant's way from draft to signed: the transition table, each step's service,
who may press which button, the workflow panel, immutability once signed, and the
amendment that makes a new version.

The helpers at the top (``leaders_for``, ``make_covenant``, ``sign_all``) are used by
tests/test_covenant_signing.py and tests/test_covenant_pdf.py too."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clusters.models import Profile
from core.models import ActionLog
from covenants.models import (
    COVENANT_TRANSITIONS,
    EDITABLE_STATES,
    AdoptedDocument,
    ConferenceGuest,
    Covenant,
    CovenantSection,
    CovenantState,
    Signature,
    Target,
    TargetValue,
)
from covenants.services import drafting
from covenants.services.messages import (
    ADOPT_NEEDS_SECTION,
    AMEND_ALREADY_AMENDED,
    AMEND_ONLY_SIGNED,
    COVENANT_NOT_EDITABLE,
    COVENANT_SIGNED_IMMUTABLE,
    COVENANT_TRANSITION_NOT_ALLOWED,
)
from covenants.services.workflow import (
    MANUAL_TRANSITIONS,
    covenant_adopt,
    covenant_amend,
    covenant_circulate,
    covenant_open_signing,
    covenant_reopen_comments,
    covenant_return_to_draft,
    covenant_transition,
)
from tests.factories import PASSWORD, make_user

S = CovenantState

# --- helpers shared with the signing and PDF tests --------------------------------------------


def leaders_for(world) -> dict:  # type: ignore[no-untyped-def]
    """A leader for every member unit of ``world.this_year`` (Bắc Sơn's is member_leader)."""
    people = {world.member_unit.pk: world.member_leader}
    for username, unit, name in [
        ("lead_tay", world.h_new, ("Trần Văn", "Tây")),
        ("lead_nam", world.deputy_unit, ("Lê Thị", "Nam")),
        ("lead_dong", world.h_old, ("Phạm Văn", "Đông")),
    ]:
        user = make_user(username, role=Profile.Role.LEADER, unit=unit, position="Chủ tịch UBND")
        user.first_name, user.last_name = name
        user.save(update_fields=["first_name", "last_name"])
        people[unit.pk] = user
    Profile.objects.filter(user=world.member_leader).update(position="Chủ tịch UBND huyện")
    world.member_leader.refresh_from_db()
    return people


def make_covenant(world, *, state: str = S.DRAFT, needs_witness: bool = False, **fields):  # type: ignore[no-untyped-def]
    """A covenant of world.this_year with a section, a guest and a target for every
    member, moved to ``state`` with the workflow services."""
    covenant = Covenant.objects.create(
        cluster_year=world.this_year,
        title=fields.pop("title", "Giao ước thi đua năm 2024"),
        theme="Đoàn kết, sáng tạo",
        legal_bases="Kế hoạch số 15/KH-UBND ngày 20/01/2024 của UBND tỉnh An Phú",
        conference_date=dt.date(2024, 3, 5),
        conference_place="UBND huyện Tây Sơn",
        place_name="Tây Sơn",
        closing="Các đơn vị cam kết thực hiện.",
        needs_witness=needs_witness,
        **fields,
    )
    CovenantSection.objects.create(
        covenant=covenant, order=1, heading="Về kinh tế", body="Tăng trưởng 8%."
    )
    ConferenceGuest.objects.create(
        covenant=covenant, order=1, name="Đỗ Văn Khách", position="Phó Trưởng ban"
    )
    target = Target.objects.create(
        covenant=covenant, order=1, indicator="Xã đạt chuẩn nông thôn mới nâng cao", measure="xã"
    )
    for index, membership in enumerate(world.this_year.memberships.all(), start=1):
        TargetValue.objects.create(target=target, unit=membership.unit, value=Decimal(index))
    steps = {
        S.CIRCULATED: [covenant_circulate],
        S.ADOPTED: [covenant_circulate, covenant_adopt],
        S.SIGNING: [covenant_circulate, covenant_adopt, covenant_open_signing],
    }
    for step in steps.get(state, []):
        covenant = step(actor=world.board, covenant=covenant)
    return covenant


def signing_order_units(world) -> list:  # type: ignore[no-untyped-def]
    """this_year's members in the agreed order, the head unit (h_new) last."""
    return [world.deputy_unit, world.member_unit, world.h_old, world.h_new]


def sign_all(world, covenant, leaders, *, but: int = 0):  # type: ignore[no-untyped-def]
    """Every member signs with the password, in order; ``but`` leaves the last ones out."""
    from covenants.services.signing import covenant_sign

    units = signing_order_units(world)
    for unit in units[: len(units) - but]:
        covenant_sign(
            actor=leaders[unit.pk], covenant=covenant, password=PASSWORD, ip_address="10.0.0.9"
        )
    covenant.refresh_from_db()
    return covenant


# --- the transition table ---------------------------------------------------------------------


def test_the_transition_table_is_the_agreed_way():
    expected = {
        S.DRAFT: {S.CIRCULATED},
        S.CIRCULATED: {S.DRAFT, S.ADOPTED},
        S.ADOPTED: {S.SIGNING, S.CIRCULATED},
        S.SIGNING: {S.SIGNED},
        S.SIGNED: set(),
    }
    assert expected == COVENANT_TRANSITIONS
    assert set(COVENANT_TRANSITIONS) == set(S.values)
    assert {S.DRAFT, S.CIRCULATED} == EDITABLE_STATES


def test_every_manual_step_is_in_the_table_and_signed_is_reached_only_by_signing():
    assert all(target in COVENANT_TRANSITIONS[source] for source, target in MANUAL_TRANSITIONS)
    assert all(target != S.SIGNED for _source, target in MANUAL_TRANSITIONS)
    table_steps = {(source, target) for source, targets in COVENANT_TRANSITIONS.items()
                   for target in targets}  # fmt: skip
    assert table_steps - set(MANUAL_TRANSITIONS) == {(S.SIGNING, S.SIGNED)}


def test_a_signed_covenant_goes_nowhere():
    assert COVENANT_TRANSITIONS[S.SIGNED] == set()


# --- the services -----------------------------------------------------------------------------


def test_the_whole_way_logs_each_step_with_old_and_new_state(world):
    covenant = make_covenant(world)
    covenant = covenant_circulate(actor=world.head_officer, covenant=covenant)
    covenant = covenant_return_to_draft(actor=world.head_officer, covenant=covenant)
    covenant = covenant_circulate(actor=world.head_officer, covenant=covenant)
    covenant = covenant_adopt(actor=world.head_officer, covenant=covenant)
    covenant = covenant_reopen_comments(actor=world.board, covenant=covenant)
    covenant = covenant_adopt(actor=world.head_officer, covenant=covenant)
    covenant = covenant_open_signing(actor=world.head_officer, covenant=covenant)
    covenant.refresh_from_db()
    assert covenant.state == S.SIGNING
    entries = ActionLog.objects.filter(object_id=str(covenant.pk)).order_by("id")
    assert [(e.action, e.data["state"]["old"], e.data["state"]["new"]) for e in entries] == [
        ("covenants.covenant.circulated", "draft", "circulated"),
        ("covenants.covenant.draft", "circulated", "draft"),
        ("covenants.covenant.circulated", "draft", "circulated"),
        ("covenants.covenant.adopted", "circulated", "adopted"),
        ("covenants.covenant.circulated", "adopted", "circulated"),
        ("covenants.covenant.adopted", "circulated", "adopted"),
        ("covenants.covenant.signing", "adopted", "signing"),
    ]
    assert entries.first().actor == world.head_officer
    assert all(e.scope_id == world.org.pk for e in entries)


def test_adoption_records_what_was_adopted(world):
    covenant = make_covenant(world, state=S.CIRCULATED)
    AdoptedDocument.objects.create(covenant=covenant, kind="regulations", title="Quy chế")
    covenant_adopt(actor=world.head_officer, covenant=covenant)
    entry = ActionLog.objects.get(action="covenants.covenant.adopted")
    assert entry.data["sections"] == 1
    assert entry.data["targets"] == 1
    assert entry.data["documents"] == [{"kind": "regulations", "title": "Quy chế"}]
    assert entry.data["conference_date"] == "2024-03-05"


def test_adoption_needs_a_section(world):
    covenant = make_covenant(world, state=S.CIRCULATED)
    covenant.sections.all().delete()
    with pytest.raises(ValidationError) as refused:
        covenant_adopt(actor=world.head_officer, covenant=covenant)
    assert refused.value.messages == [str(ADOPT_NEEDS_SECTION)]
    covenant.refresh_from_db()
    assert covenant.state == S.CIRCULATED
    assert not ActionLog.objects.filter(action="covenants.covenant.adopted").exists()


@pytest.mark.parametrize(
    ("state", "service"),
    [
        (S.DRAFT, covenant_adopt),
        (S.DRAFT, covenant_open_signing),
        (S.DRAFT, covenant_return_to_draft),
        (S.CIRCULATED, covenant_open_signing),
        (S.ADOPTED, covenant_return_to_draft),
        (S.SIGNING, covenant_circulate),
        (S.SIGNING, covenant_return_to_draft),
        (S.SIGNING, covenant_reopen_comments),
    ],
)
def test_a_step_not_in_the_table_is_refused(world, state, service):
    covenant = make_covenant(world, state=state)
    with pytest.raises(ValidationError) as refused:
        service(actor=world.board, covenant=covenant)
    assert refused.value.code == "transition"
    covenant.refresh_from_db()
    assert covenant.state == state


def test_the_service_reads_the_state_from_the_database_not_the_callers_copy(world):
    covenant = make_covenant(world, state=S.CIRCULATED)
    stale = Covenant.objects.get(pk=covenant.pk)
    covenant_adopt(actor=world.board, covenant=covenant)
    with pytest.raises(ValidationError):
        covenant_adopt(actor=world.board, covenant=stale)  # stale says "circulated"
    assert ActionLog.objects.filter(action="covenants.covenant.adopted").count() == 1


def test_covenant_transition_dispatches_and_refuses_signed_by_hand(world):
    covenant = make_covenant(world, state=S.SIGNING)
    with pytest.raises(ValidationError) as refused:
        covenant_transition(actor=world.board, covenant=covenant, to=S.SIGNED)
    assert refused.value.code == "unknown"
    covenant = make_covenant(world, title="Khác", state=S.DRAFT, version=2)
    covenant = covenant_transition(actor=world.board, covenant=covenant, to=S.CIRCULATED)
    assert covenant.state == S.CIRCULATED


# --- who may move it (through the pages) ------------------------------------------------------


def transition_url(covenant) -> str:  # type: ignore[no-untyped-def]
    return reverse("covenant_transition", args=[covenant.pk])


@pytest.mark.parametrize("persona", ["board", "head_officer"])
def test_the_head_and_the_board_move_the_covenant(world, client_for, persona):
    covenant = make_covenant(world)
    client = client_for(getattr(world, persona))
    for to in [S.CIRCULATED, S.ADOPTED, S.SIGNING]:
        response = client.post(transition_url(covenant), {"to": to})
        assert response.status_code == 302
        assert response.url == reverse("covenant_detail", args=[covenant.pk])
        covenant.refresh_from_db()
        assert covenant.state == to
    entry = ActionLog.objects.filter(action="covenants.covenant.signing").get()
    assert entry.actor == getattr(world, persona)


@pytest.mark.parametrize("persona", ["member_officer", "member_leader", "last_head_officer"])
def test_members_and_last_years_head_cannot_move_it(world, client_for, persona):
    covenant = make_covenant(world)
    response = client_for(getattr(world, persona)).post(
        transition_url(covenant), {"to": S.CIRCULATED}
    )
    assert response.status_code == 403
    covenant.refresh_from_db()
    assert covenant.state == S.DRAFT


@pytest.mark.parametrize("persona", ["other_board", "outsider_officer"])
def test_strangers_do_not_see_it(world, client_for, persona):
    covenant = make_covenant(world)
    response = client_for(getattr(world, persona)).post(
        transition_url(covenant), {"to": S.CIRCULATED}
    )
    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in(world, client):
    covenant = make_covenant(world)
    response = client.post(transition_url(covenant), {"to": S.CIRCULATED})
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_permission_helper_refuses_manage_to_members(world, rf):
    from django.contrib.sessions.backends.db import SessionStore

    from covenants.permissions import covenant_for_user

    covenant = make_covenant(world)
    for persona in [world.member_officer, world.last_head_officer]:
        request = rf.get("/")
        request.user, request.session = persona, SessionStore()
        with pytest.raises(PermissionDenied):
            covenant_for_user(request, covenant.pk, "manage")


def test_a_step_not_allowed_now_shows_the_reason_and_changes_nothing(world, client_for):
    covenant = make_covenant(world)
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    response = client.post(transition_url(covenant), {"to": S.SIGNING}, follow=True)
    expected = str(COVENANT_TRANSITION_NOT_ALLOWED) % {"old": "Draft", "new": "Signing"}
    assert expected in response.content.decode()
    covenant.refresh_from_db()
    assert covenant.state == S.DRAFT


def test_transition_needs_post(world, client_for):
    covenant = make_covenant(world)
    assert client_for(world.board).get(transition_url(covenant)).status_code == 405


# --- the panel on the covenant page -----------------------------------------------------------


def test_the_panel_shows_the_steps_and_the_buttons_for_the_head(world, client_for):
    covenant = make_covenant(world, state=S.CIRCULATED)
    page = client_for(world.head_officer).get(reverse("covenant_detail", args=[covenant.pk]))
    html = page.content.decode()
    assert 'id="workflow-panel"' in html
    assert 'data-step="circulated" aria-current="step"' in html
    assert 'data-to="adopted"' in html and 'data-to="draft"' in html
    assert 'data-to="signing"' not in html
    # Adoption is irreversible: the browser asks first.
    adopt_form = html.split('data-to="adopted"')[0].rsplit("<form", 1)[1]
    assert "data-confirm=" in adopt_form


def test_members_see_the_steps_but_no_buttons(world, client_for):
    covenant = make_covenant(world, state=S.CIRCULATED)
    html = (
        client_for(world.member_officer)
        .get(reverse("covenant_detail", args=[covenant.pk]))
        .content.decode()
    )
    assert 'id="workflow-panel"' in html
    assert "data-to=" not in html
    assert reverse("covenant_pdf", args=[covenant.pk]) not in html


# --- immutability after signing ---------------------------------------------------------------


@pytest.fixture
def signed_covenant(world):  # type: ignore[no-untyped-def]
    leaders = leaders_for(world)
    covenant = make_covenant(world, state=S.SIGNING)
    covenant = sign_all(world, covenant, leaders)
    assert covenant.state == S.SIGNED
    return covenant


def _pdf_upload():  # type: ignore[no-untyped-def]
    upload = io.BytesIO(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    upload.name = "quy-che.pdf"
    return upload


def content_services(world, covenant):  # type: ignore[no-untyped-def]
    """Every drafting service that changes content, with arguments that would work on a
    draft."""
    actor = world.board
    section = covenant.sections.first()
    target = covenant.targets.first()
    document = AdoptedDocument.objects.filter(covenant=covenant).first()
    values = {m.unit_id: Decimal(5) for m in world.this_year.memberships.all()}
    row = drafting.TargetInput(
        key="0", indicator=target.indicator, measure="xã", values=values, pk=target.pk
    )
    services = {
        "covenant_update": lambda: drafting.covenant_update(
            actor=actor, covenant=covenant, title="Đổi tên"
        ),
        "covenant_sections_save": lambda: drafting.covenant_sections_save(
            actor=actor,
            covenant=covenant,
            sections=[drafting.SectionInput(heading="Mới", body="", pk=section.pk)],
        ),
        "covenant_guests_save": lambda: drafting.covenant_guests_save(
            actor=actor, covenant=covenant, guests=[drafting.GuestInput(name="Người mới")]
        ),
        "covenant_document_add": lambda: drafting.covenant_document_add(
            actor=actor, covenant=covenant, kind="other", title="Mới", upload=_pdf_upload()
        ),
        "targets_save": lambda: drafting.targets_save(
            actor=actor, covenant=covenant, rows=[row], confirm_warnings=True
        ),
        "targets_replace": lambda: drafting.targets_replace(
            actor=actor, covenant=covenant, rows=[row], confirm_warnings=True
        ),
    }
    if document is not None:
        services["covenant_document_delete"] = lambda: drafting.covenant_document_delete(
            actor=actor, covenant=covenant, document=document
        )
    return services


def _snapshot(covenant) -> dict:  # type: ignore[no-untyped-def]
    covenant = Covenant.objects.get(pk=covenant.pk)
    return {
        "covenant": [covenant.title, covenant.state, covenant.signed_at, covenant.updated_at],
        "sections": list(covenant.sections.values_list("heading", "body", "order")),
        "guests": list(covenant.guests.values_list("name", "position")),
        "documents": list(covenant.documents.values_list("title", "kind")),
        "targets": list(covenant.targets.values_list("indicator", "measure")),
        "values": list(
            TargetValue.objects.filter(target__covenant=covenant).values_list("unit_id", "value")
        ),
        "signatures": list(
            covenant.signatures.values_list("unit_id", "signer_name", "signed_at", "method")
        ),
    }


def test_every_content_service_refuses_a_signed_covenant(world, signed_covenant):
    before = _snapshot(signed_covenant)
    services = content_services(world, signed_covenant)
    assert len(services) >= 6
    for name, call in services.items():
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.messages == [str(COVENANT_NOT_EDITABLE)], name
    assert _snapshot(signed_covenant) == before


def test_every_content_service_refuses_once_adopted(world):
    covenant = make_covenant(world, state=S.CIRCULATED)
    AdoptedDocument.objects.create(covenant=covenant, kind="regulations", title="Quy chế")
    covenant = covenant_adopt(actor=world.board, covenant=covenant)
    for name, call in content_services(world, covenant).items():
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.messages == [str(COVENANT_NOT_EDITABLE)], name


def test_the_model_guard_refuses_any_save_or_delete_of_a_signed_covenants_parts(
    world, signed_covenant
):
    before = _snapshot(signed_covenant)
    section = signed_covenant.sections.first()
    target = signed_covenant.targets.first()
    value = TargetValue.objects.filter(target=target).first()
    signature = signed_covenant.signatures.first()
    guest = signed_covenant.guests.first()
    attempts = {
        "section save": lambda: (setattr(section, "body", "đổi"), section.save()),
        "section delete": section.delete,
        "new section": lambda: CovenantSection.objects.create(
            covenant=signed_covenant, order=9, heading="Thêm"
        ),
        "target save": lambda: (setattr(target, "indicator", "đổi"), target.save()),
        "value save": lambda: (setattr(value, "value", Decimal(99)), value.save()),
        "value delete": value.delete,
        "guest save": lambda: (setattr(guest, "name", "đổi"), guest.save()),
        "document add": lambda: AdoptedDocument.objects.create(
            covenant=signed_covenant, kind="other", title="Thêm"
        ),
        "signature save": lambda: (setattr(signature, "signer_name", "Giả"), signature.save()),
        "signature delete": signature.delete,
        "covenant save": lambda: (
            setattr(signed_covenant, "state", S.DRAFT),
            signed_covenant.save(),
        ),
    }
    for name, attempt in attempts.items():
        # Each in its own savepoint: a refused delete dooms the transaction it runs in.
        with pytest.raises(ValidationError) as refused, transaction.atomic():
            attempt()
        assert refused.value.messages == [str(COVENANT_SIGNED_IMMUTABLE)], name
    assert _snapshot(signed_covenant) == before


def test_a_signed_covenant_takes_no_further_signature(world, signed_covenant):
    from covenants.services.signing import covenant_sign

    leader = Profile.objects.get(unit=world.member_unit, role="leader").user
    with pytest.raises(ValidationError):
        covenant_sign(actor=leader, covenant=signed_covenant, password=PASSWORD)
    with pytest.raises(ValidationError), transaction.atomic():
        Signature.objects.create(
            covenant=signed_covenant,
            unit=world.outsider_unit,
            signer_name="Giả",
            signer_position="Giả",
            signed_at=timezone.now(),
        )
    assert signed_covenant.signatures.count() == 4


# --- amendment --------------------------------------------------------------------------------


def test_amendment_makes_version_two_as_a_draft_and_keeps_version_one(world, signed_covenant):
    before = _snapshot(signed_covenant)
    amendment = covenant_amend(
        actor=world.head_officer, covenant=signed_covenant, reason="Bổ sung chỉ tiêu"
    )
    assert (amendment.version, amendment.state) == (2, S.DRAFT)
    assert amendment.amended_from == signed_covenant
    assert amendment.amendment_reason == "Bổ sung chỉ tiêu"
    assert amendment.title == signed_covenant.title
    assert list(amendment.sections.values_list("heading", "body")) == [
        ("Về kinh tế", "Tăng trưởng 8%.")
    ]
    assert list(amendment.guests.values_list("name", flat=True)) == ["Đỗ Văn Khách"]
    assert TargetValue.objects.filter(target__covenant=amendment).count() == 4
    assert amendment.signatures.count() == 0
    assert _snapshot(signed_covenant) == before
    entry = ActionLog.objects.get(action="covenants.covenant.amended")
    assert entry.data["amends"] == {"id": signed_covenant.pk, "version": 1}
    assert entry.data["reason"] == "Bổ sung chỉ tiêu"
    # The new version is a draft like any other: editable, then signed again.
    drafting.covenant_update(actor=world.head_officer, covenant=amendment, title="Bản sửa đổi")
    amendment.refresh_from_db()
    assert amendment.title == "Bản sửa đổi"
    assert Covenant.objects.get(pk=signed_covenant.pk).title == "Giao ước thi đua năm 2024"


def test_only_a_signed_covenant_is_amended_and_only_once(world, signed_covenant):
    draft = make_covenant(world, title="Nháp", version=5)
    with pytest.raises(ValidationError) as refused:
        covenant_amend(actor=world.board, covenant=draft, reason="x")
    assert refused.value.messages == [str(AMEND_ONLY_SIGNED)]
    covenant_amend(actor=world.board, covenant=signed_covenant, reason="Lần một")
    with pytest.raises(ValidationError) as refused:
        covenant_amend(actor=world.board, covenant=signed_covenant, reason="Lần hai")
    assert refused.value.messages == [str(AMEND_ALREADY_AMENDED) % {"version": 6}]
    with pytest.raises(ValidationError) as refused:
        covenant_amend(actor=world.board, covenant=signed_covenant, reason="  ")
    assert "reason" in refused.value.message_dict


def test_both_versions_are_readable_and_point_at_each_other(world, client_for, signed_covenant):
    client = client_for(world.member_officer)
    head = client_for(world.head_officer)
    response = head.post(
        reverse("covenant_amend", args=[signed_covenant.pk]),
        {"reason": "Điều chỉnh chỉ tiêu", "confirm": "on"},
    )
    amendment = Covenant.objects.get(amended_from=signed_covenant)
    assert response.status_code == 302
    assert response.url == reverse("covenant_detail", args=[amendment.pk])
    old_page = client.get(reverse("covenant_detail", args=[signed_covenant.pk])).content.decode()
    new_page = client.get(reverse("covenant_detail", args=[amendment.pk])).content.decode()
    assert "superseded-note" in old_page
    assert reverse("covenant_detail", args=[amendment.pk]) in old_page
    assert "amends-note" in new_page
    assert reverse("covenant_detail", args=[signed_covenant.pk]) in new_page
    assert "Điều chỉnh chỉ tiêu" in new_page
    # The signed version still shows its signatures.
    assert old_page.count("is-signed") == 4


def test_the_amend_page_is_for_the_head_and_the_board(world, client_for, signed_covenant):
    url = reverse("covenant_amend", args=[signed_covenant.pk])
    assert client_for(world.member_officer).get(url).status_code == 403
    assert client_for(world.last_head_officer).get(url).status_code == 403
    assert client_for(world.other_board).get(url).status_code == 404
    page = client_for(world.board).get(url)
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    # Without the confirmation nothing happens.
    client_for(world.board).post(url, {"reason": "Thiếu xác nhận"})
    assert not Covenant.objects.filter(amended_from=signed_covenant).exists()


# Membership is fixed once the covenant is adopted --------------------------------------


def test_after_adoption_the_years_members_and_head_cannot_change_but_its_theme_can(world):
    from django.utils import translation

    from clusters import services as cluster_services

    covenant = make_covenant(world, state=S.ADOPTED)
    year = covenant.cluster_year
    members_before = list(year.memberships.values_list("unit_id", flat=True))

    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            cluster_services.cluster_year_set_members(
                actor=world.board, cluster_year=year, members=[world.h_new, world.deputy_unit]
            )
        assert "covenant has been adopted with these members" in str(refused.value)
        with pytest.raises(ValidationError):
            cluster_services.cluster_year_update(
                actor=world.board, cluster_year=year, head_unit=world.member_unit
            )
    cluster_services.cluster_year_update(actor=world.board, cluster_year=year, theme="Chủ đề mới")

    year.refresh_from_db()
    assert list(year.memberships.values_list("unit_id", flat=True)) == members_before
    assert year.head_unit == world.h_new
    assert year.theme == "Chủ đề mới"


def test_a_draft_covenant_does_not_fix_the_members(world):
    from clusters import services as cluster_services

    covenant = make_covenant(world, state=S.CIRCULATED)
    cluster_services.cluster_year_set_members(
        actor=world.board,
        cluster_year=covenant.cluster_year,
        members=[world.h_new, world.deputy_unit, world.member_unit],
    )
    assert covenant.cluster_year.memberships.count() == 3
