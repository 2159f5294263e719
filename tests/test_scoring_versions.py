"""A frozen scoring table changes by a new version: copy, change note, members told by
e-mail once it commits, and the mapping that carries scores from one version to the
next."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from clusters.models import Profile
from core.models import ActionLog
from covenants.models import Target
from scoring.models import Rubric
from scoring.services.criteria import criterion_add, criterion_delete, criterion_update
from scoring.services.rubrics import rubric_freeze, template_create
from scoring.services.versions import criterion_mapping, member_addresses, rubric_new_version
from tests.factories import make_user
from tests.test_scoring_services import (
    build_tree,
    codes,
    errors_of,
    make_covenant,
    new_rubric,
)

D = Decimal


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    """Messages compared with the English msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def frozen(world):  # type: ignore[no-untyped-def]
    make_covenant(world.this_year, ["Thu ngân sách", "Tuyển quân"])
    rubric = new_rubric(world)
    build_tree(rubric, world.board, target=Target.objects.get(order=1))
    return rubric_freeze(actor=world.board, rubric=rubric)


def with_emails(world) -> None:  # type: ignore[no-untyped-def]
    """Addresses for member units' people, one without, one inactive, and outsiders."""
    for user, email in [
        (world.head_officer, "hana@tayson.gov.vn"),
        (world.member_officer, "minh@bacson.gov.vn"),
        (world.member_leader, "lan@bacson.gov.vn"),
        (world.last_head_officer, "olga@dongson.gov.vn"),  # h_old is a member in 2024 too
        (world.outsider_officer, "oscar@noivu.gov.vn"),  # not in the cluster
        (world.board, "alice@ban.gov.vn"),  # board staff: not a member unit
        (world.other_board, "bob@khac.gov.vn"),
    ]:
        user.email = email
        user.save(update_fields=["email"])
    gone = make_user("gone", role=Profile.Role.OFFICER, unit=world.member_unit)
    gone.email = "gone@bacson.gov.vn"
    gone.is_active = False
    gone.save(update_fields=["email", "is_active"])
    make_user("quiet", role=Profile.Role.OFFICER, unit=world.deputy_unit)  # no address


def test_a_new_version_copies_the_frozen_one_and_can_be_changed(world, frozen):
    new = rubric_new_version(
        actor=world.head_officer, rubric=frozen, change_note="  Tiêu chí 3 giảm còn 30 điểm  "
    )
    assert (new.version, new.previous_id, new.cluster_year_id) == (
        2,
        frozen.pk,
        frozen.cluster_year_id,
    )
    assert new.change_note == "Tiêu chí 3 giảm còn 30 điểm"
    assert new.frozen_at is None and new.created_by == world.head_officer
    assert (new.name, new.scale_total, new.bonus_cap, new.deduction_cap) == (
        frozen.name,
        frozen.scale_total,
        frozen.bonus_cap,
        frozen.deduction_cap,
    )
    assert codes(new) == codes(frozen)
    old = {c.code: c for c in frozen.criteria.all()}
    for item in new.criteria.all():
        original = old[item.code]
        assert (item.title, item.kind, item.max_points, item.params, item.target_id) == (
            original.title,
            original.kind,
            original.max_points,
            original.params,
            original.target_id,
        )
        assert (item.guidance, item.evidence_required, item.order) == (
            original.guidance,
            original.evidence_required,
            original.order,
        )
    # The new version is editable, the frozen one is untouched.
    criterion_update(actor=world.board, criterion=new.criteria.get(code="3"), max_points=30)
    assert frozen.criteria.get(code="3").max_points == D(40)
    entry = ActionLog.objects.get(action="scoring.rubric.version_created")
    assert entry.scope_id == world.org.pk and entry.object_id == str(new.pk)
    assert entry.data["replaces"] == {"id": frozen.pk, "version": 1}
    assert entry.data["change_note"] == "Tiêu chí 3 giảm còn 30 điểm"
    assert entry.data["copied"] == {"criteria": 7, "targets_dropped": []}


def test_a_new_version_needs_a_frozen_newest_rubric_and_a_note(world, frozen, en):
    with pytest.raises(ValidationError) as exc:
        rubric_new_version(actor=world.board, rubric=frozen, change_note="   ")
    assert errors_of(exc) == {"change_note": ["Say what changes in the new version."]}
    new = rubric_new_version(actor=world.board, rubric=frozen, change_note="Sửa")
    with pytest.raises(ValidationError) as exc:
        rubric_new_version(actor=world.board, rubric=new, change_note="Sửa nữa")
    assert errors_of(exc) == [
        "Only a frozen scoring table gets a new version; until it is frozen, change it directly."
    ]
    with pytest.raises(ValidationError) as exc:
        rubric_new_version(actor=world.board, rubric=frozen, change_note="Lần hai")
    assert errors_of(exc) == ["This version has already been replaced by version 2."]
    template = template_create(actor=world.board, organizer=world.org, name="Mẫu")
    with pytest.raises(ValidationError) as exc:
        rubric_new_version(actor=world.board, rubric=template, change_note="Sửa")
    assert errors_of(exc) == [
        "Only a frozen scoring table gets a new version; until it is frozen, change it directly."
    ]
    assert Rubric.objects.filter(cluster_year=world.this_year).count() == 2


def test_version_three_follows_two(world, frozen):
    second = rubric_new_version(actor=world.board, rubric=frozen, change_note="Lần 1")
    rubric_freeze(actor=world.board, rubric=second)
    third = rubric_new_version(actor=world.board, rubric=second, change_note="Lần 2")
    assert (third.version, third.previous_id) == (3, second.pk)
    assert str(third) == "Bảng chấm điểm năm 2024 (v3)"


def test_member_units_are_emailed_in_vietnamese_once_it_commits(
    world, frozen, en, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://thidua.example.vn"
    with_emails(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        new = rubric_new_version(actor=world.board, rubric=frozen, change_note="Bỏ tiêu chí 3")
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == []
    assert message.bcc == [
        "hana@tayson.gov.vn",
        "lan@bacson.gov.vn",
        "minh@bacson.gov.vn",
        "olga@dongson.gov.vn",
    ]
    # Whatever the language of the request, the e-mail is in the site's language.
    assert message.subject == "Bảng chấm điểm Cụm thi đua các huyện năm 2024: phiên bản mới 2"
    assert "Nội dung thay đổi:\nBỏ tiêu chí 3" in message.body
    assert "(phiên bản 2), thay cho phiên bản 1." in message.body
    assert f"https://thidua.example.vn/rubrics/{new.pk}/" in message.body
    entry = ActionLog.objects.get(action="scoring.rubric.members_notified")
    assert entry.object_id == str(new.pk) and entry.scope_id == world.org.pk
    assert entry.data["recipients"] == 4


def test_no_addresses_no_message(world, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rubric_new_version(actor=world.board, rubric=frozen, change_note="Sửa")
    assert mail.outbox == []
    assert not ActionLog.objects.filter(action="scoring.rubric.members_notified").exists()


def test_a_mail_failure_is_logged_and_the_version_stays(
    world, frozen, monkeypatch, django_capture_on_commit_callbacks
):
    with_emails(world)

    def broken(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with django_capture_on_commit_callbacks(execute=True):
        new = rubric_new_version(actor=world.board, rubric=frozen, change_note="Sửa")
    assert Rubric.objects.filter(pk=new.pk).exists()
    entry = ActionLog.objects.get(action="scoring.rubric.notification_failed")
    assert entry.data == {"recipients": 4, "error": "SMTP server unreachable"}


def test_member_addresses_follow_the_year_not_the_profile(world, frozen):
    with_emails(world)
    assert "olga@dongson.gov.vn" in member_addresses(frozen)
    assert "oscar@noivu.gov.vn" not in member_addresses(frozen)


# Carrying scores ---------------------------------------------------------------------------


def test_the_mapping_says_where_each_criterion_went_and_whether_it_changed(world, frozen):
    new = rubric_new_version(actor=world.board, rubric=frozen, change_note="Sửa")
    old = {c.code: c for c in frozen.criteria.all()}
    now = {c.code: c for c in new.criteria.all()}
    criterion_update(actor=world.board, criterion=now["1"], title="Tiêu chí 1 (sửa lời)")
    criterion_update(actor=world.board, criterion=now["3"], max_points=30)
    criterion_update(actor=world.board, criterion=now["B"], params={"points_each": "2"})
    criterion_update(actor=world.board, criterion=now["2"], target=Target.objects.get(order=2))
    criterion_update(actor=world.board, criterion=now["T"], guidance="Chỉ hướng dẫn đổi")
    criterion_delete(actor=world.board, criterion=now["II"])  # and 3 under it
    criterion_add(
        actor=world.board, rubric=new, code="II.new", title="Mới", kind="manual", max_points=40
    )
    mapping = criterion_mapping(frozen, new)
    assert mapping == {
        old["I"].pk: (now["I"].pk, False),
        old["1"].pk: (now["1"].pk, True),  # title
        old["2"].pk: (now["2"].pk, True),  # target
        old["II"].pk: (None, True),
        old["3"].pk: (None, True),
        old["B"].pk: (now["B"].pk, True),  # parameters
        old["T"].pk: (now["T"].pk, False),  # guidance is not what is scored
    }


def test_an_identical_copy_maps_every_criterion_unchanged(world, frozen):
    new = rubric_new_version(actor=world.board, rubric=frozen, change_note="Không đổi gì")
    mapping = criterion_mapping(frozen, new)
    assert len(mapping) == 7
    assert all(new_id is not None and not changed for new_id, changed in mapping.values())
    # Parameters written differently but equal are the same.
    item = new.criteria.get(code="B")
    item.params = {"points_each": "1", "cap": "5"}
    item.save(update_fields=["params"])
    assert criterion_mapping(frozen, new)[frozen.criteria.get(code="B").pk] == (item.pk, False)
