"""The covenant's way from draft to signed, and amendments after signing.

One service per transition, all in the same shape: transaction → lock the covenant
→ check ``COVENANT_TRANSITIONS`` → write with ``update_fields`` → action log with
the old and new state. The last step (signing → signed) happens inside the signing
service when the last signature arrives (``covenants.services.signing``).

Once signed, a covenant never changes: content services refuse through
``require_editable``, and ``connect_signed_guard`` (connected in the app's
``ready()``) refuses any save or delete of a signed covenant, its content or its
signatures that slips past them.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.signals import pre_delete, pre_save
from django.utils import timezone

from core.audit import log_action
from covenants.models import (
    COVENANT_TRANSITIONS,
    AdoptedDocument,
    ConferenceGuest,
    Covenant,
    CovenantSection,
    CovenantState,
    Signature,
    Target,
    TargetValue,
)
from covenants.services.common import covenant_copy_content, lock_covenant, scope_of
from covenants.services.messages import (
    ADOPT_NEEDS_SECTION,
    AMEND_ALREADY_AMENDED,
    AMEND_ONLY_SIGNED,
    AMEND_REASON_REQUIRED,
    COVENANT_SIGNED_IMMUTABLE,
    COVENANT_TRANSITION_NOT_ALLOWED,
    COVENANT_TRANSITION_UNKNOWN,
    MEMBERSHIP_FIXED_BY_COVENANT,
    OPEN_SIGNING_NEEDS_MEMBERS,
)

# What an amendment carries over from the signed version besides its content.
HEADER_FIELDS = [
    "number", "title", "theme", "legal_bases", "preamble", "closing", "conference_date",
    "conference_place", "place_name", "chair_name", "chair_position", "needs_witness",
]  # fmt: skip


def _move(
    *,
    actor: Any,
    covenant: Covenant,
    to: str,
    check=None,  # type: ignore[no-untyped-def]
    data: dict[str, Any] | None = None,
) -> Covenant:
    with transaction.atomic():
        locked = lock_covenant(covenant)
        old = locked.state
        if to not in COVENANT_TRANSITIONS.get(old, set()):
            raise ValidationError(
                COVENANT_TRANSITION_NOT_ALLOWED,
                code="transition",
                params={
                    "old": CovenantState(old).label,
                    "new": CovenantState(to).label if to in CovenantState.values else to,
                },
            )
        extra = check(locked) if check is not None else None
        locked.state = to
        locked.save(update_fields=["state", "updated_at"])
        log_action(
            actor=actor,
            action=f"covenants.covenant.{to}",
            obj=locked,
            scope_id=scope_of(locked),
            data={"state": {"old": old, "new": to}, **(extra or {}), **(data or {})},
        )
    return locked


def covenant_circulate(*, actor: Any, covenant: Covenant) -> Covenant:
    """Draft → circulated: members read it and comment."""
    return _move(actor=actor, covenant=covenant, to=CovenantState.CIRCULATED)


def covenant_return_to_draft(*, actor: Any, covenant: Covenant) -> Covenant:
    """Circulated → draft: comments close while the head reworks the text."""
    return _move(actor=actor, covenant=covenant, to=CovenantState.DRAFT)


def covenant_reopen_comments(*, actor: Any, covenant: Covenant) -> Covenant:
    """Adopted → circulated: the conference sent the text back for more comments."""
    return _move(actor=actor, covenant=covenant, to=CovenantState.CIRCULATED)


def _adoption_record(covenant: Covenant) -> dict[str, Any]:
    sections = covenant.sections.count()
    if sections == 0:
        raise ValidationError(ADOPT_NEEDS_SECTION, code="no_sections")
    return {
        "adopted_at": timezone.now(),
        "conference_date": covenant.conference_date,
        "conference_place": covenant.conference_place,
        "sections": sections,
        "targets": covenant.targets.count(),
        "documents": [
            {"kind": document.kind, "title": document.title}
            for document in covenant.documents.all()
        ],
    }


def covenant_adopt(*, actor: Any, covenant: Covenant) -> Covenant:
    """Circulated → adopted at the conference. From here the content is fixed; the
    action log records what was adopted (sections, targets, documents)."""
    return _move(actor=actor, covenant=covenant, to=CovenantState.ADOPTED, check=_adoption_record)


def _signers_exist(covenant: Covenant) -> dict[str, Any]:
    members = covenant.cluster_year.memberships.count()
    if members == 0:
        raise ValidationError(
            OPEN_SIGNING_NEEDS_MEMBERS,
            code="no_members",
            params={"year": covenant.cluster_year.year},
        )
    return {"member_units": members, "needs_witness": covenant.needs_witness}


def covenant_open_signing(*, actor: Any, covenant: Covenant) -> Covenant:
    """Adopted → signing: each member unit's leader may now sign, the head unit last."""
    return _move(actor=actor, covenant=covenant, to=CovenantState.SIGNING, check=_signers_exist)


# The transitions a user moves by hand (signed comes with the last signature).
MANUAL_TRANSITIONS = {
    (CovenantState.DRAFT, CovenantState.CIRCULATED): covenant_circulate,
    (CovenantState.CIRCULATED, CovenantState.DRAFT): covenant_return_to_draft,
    (CovenantState.CIRCULATED, CovenantState.ADOPTED): covenant_adopt,
    (CovenantState.ADOPTED, CovenantState.CIRCULATED): covenant_reopen_comments,
    (CovenantState.ADOPTED, CovenantState.SIGNING): covenant_open_signing,
}


def covenant_transition(*, actor: Any, covenant: Covenant, to: str) -> Covenant:
    """Move the covenant to ``to`` with the service for that step (the panel's buttons)."""
    service = MANUAL_TRANSITIONS.get((covenant.state, to))
    if service is None:
        if to not in {target for _source, target in MANUAL_TRANSITIONS}:
            raise ValidationError(COVENANT_TRANSITION_UNKNOWN, code="unknown", params={"state": to})
        raise ValidationError(
            COVENANT_TRANSITION_NOT_ALLOWED,
            code="transition",
            params={"old": covenant.get_state_display(), "new": CovenantState(to).label},
        )
    return service(actor=actor, covenant=covenant)


# Amendment --------------------------------------------------------------------------


def covenant_amend(*, actor: Any, covenant: Covenant, reason: str) -> Covenant:
    """A signed covenant changes only by amendment: version + 1, a draft with the same
    content, to be adopted and signed again. The signed version stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(AMEND_REASON_REQUIRED, code="required")})
    with transaction.atomic():
        locked = lock_covenant(covenant)
        if locked.state != CovenantState.SIGNED:
            raise ValidationError(AMEND_ONLY_SIGNED, code="not_signed")
        existing = Covenant.objects.filter(amended_from=locked).first()
        if existing is not None:
            raise ValidationError(
                AMEND_ALREADY_AMENDED, code="amended", params={"version": existing.version}
            )
        latest = Covenant.objects.filter(cluster_year_id=locked.cluster_year_id).aggregate(
            latest=Max("version")
        )["latest"]
        amendment = Covenant.objects.create(
            cluster_year=locked.cluster_year,
            version=(latest or locked.version) + 1,
            amended_from=locked,
            amendment_reason=unicodedata.normalize("NFC", reason),
            state=CovenantState.DRAFT,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            **{name: getattr(locked, name) for name in HEADER_FIELDS},
        )
        copied = covenant_copy_content(source=locked, target=amendment)
        log_action(
            actor=actor,
            action="covenants.covenant.amended",
            obj=amendment,
            scope_id=scope_of(locked),
            data={
                "amends": {"id": locked.pk, "version": locked.version},
                "version": amendment.version,
                "reason": amendment.amendment_reason,
                "state": {"old": None, "new": CovenantState.DRAFT},
                "copied": copied,
            },
        )
    return amendment


# Immutability of a signed covenant ---------------------------------------------------


def _covenant_pk_of(instance: Any) -> int | None:
    if isinstance(instance, Covenant):
        return instance.pk
    if isinstance(instance, TargetValue):
        return (
            Target.objects.filter(pk=instance.target_id)
            .values_list("covenant_id", flat=True)
            .first()
        )
    return getattr(instance, "covenant_id", None)


def refuse_if_signed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Signal receiver: nothing of a signed covenant is saved or deleted again."""
    pk = _covenant_pk_of(instance)
    if pk is None:
        return
    if Covenant.objects.filter(pk=pk, state=CovenantState.SIGNED).exists():
        raise ValidationError(COVENANT_SIGNED_IMMUTABLE, code="signed")


GUARDED_MODELS = (
    Covenant,
    CovenantSection,
    ConferenceGuest,
    AdoptedDocument,
    Target,
    TargetValue,
    Signature,
)


def connect_signed_guard() -> None:
    for model in GUARDED_MODELS:
        uid = f"covenants.signed_guard.{model.__name__}"
        pre_save.connect(refuse_if_signed, sender=model, dispatch_uid=f"{uid}.save")
        pre_delete.connect(refuse_if_signed, sender=model, dispatch_uid=f"{uid}.delete")


def membership_fixed_by_covenant(cluster_year: Any) -> Any:
    """Why the year's members, head and deputy can no longer change: a covenant
    version of the year has been adopted (its signatures name them), or None."""
    fixed = Covenant.objects.filter(
        cluster_year=cluster_year,
        state__in=[CovenantState.ADOPTED, CovenantState.SIGNING, CovenantState.SIGNED],
    ).exists()
    if fixed:
        return MEMBERSHIP_FIXED_BY_COVENANT % {"year": cluster_year.year}
    return None
