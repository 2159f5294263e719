"""Signing the covenant: each member unit's leader for the unit, the board's witness
when the organizer wants one, the head unit last; then the covenant is signed.

Order (shown on the covenant page): the member units in the cluster's agreed order,
then the board's witness (when ``needs_witness``), then the head unit. The witness
signs after every member except the head and before the head, so the head unit
closes the signing as it closes the conference.

A leader signs by re-entering the password (``covenant_sign``) or by uploading a
copy signed with a government USB token (``covenant_token_upload``). A wrong
password records nothing but a failed attempt in the action log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import Profile, Unit
from clusters.roles import profile_of
from core.audit import log_action
from core.models import ActionLog
from core.text import fold
from covenants.models import COVENANT_TRANSITIONS, Covenant, CovenantState, Signature
from covenants.services.common import lock_covenant, scope_of
from covenants.services.messages import (
    SIGN_ALREADY_SIGNED,
    SIGN_HEAD_LAST,
    SIGN_NOT_LEADER,
    SIGN_NOT_MEMBER,
    SIGN_NOT_SIGNING,
    SIGN_TOO_MANY_ATTEMPTS,
    SIGN_WRONG_PASSWORD,
    TOKEN_FILE_NOT_INTACT,
    TOKEN_FILE_NOT_PDF,
    TOKEN_FILE_NOT_SIGNED,
    TOKEN_FILE_NOT_THIS_COVENANT,
    TOKEN_FILE_OTHER_SIGNER,
    TOKEN_FILE_TOO_LARGE,
    WITNESS_ALREADY_SIGNED,
    WITNESS_BOARD_STAFF_ONLY,
    WITNESS_NOT_NEEDED,
    WITNESS_TOO_EARLY,
)

# Wrong passwords on the signing pages: this many within the window lock signing
# for the account until the window has passed (the login page has its own lock).
FAILED_ATTEMPTS_LIMIT = 5
FAILED_ATTEMPTS_WINDOW = dt.timedelta(minutes=15)


# The signing order --------------------------------------------------------------------


@dataclass
class SigningSlot:
    """One signature the covenant needs, in the order they are given."""

    position: int
    unit: Unit | None  # None: the board's witness
    is_head: bool
    is_witness: bool
    signature: Signature | None

    @property
    def label(self) -> str:
        return self.unit.name if self.unit is not None else _("Witness of the emulation board")

    @property
    def is_signed(self) -> bool:
        return self.signature is not None


def signing_order(covenant: Covenant) -> list[SigningSlot]:
    """Every signature the covenant needs: members in the agreed order, the witness
    (when wanted), the head unit last. Two queries."""
    cluster_year = covenant.cluster_year
    units = [
        membership.unit
        for membership in cluster_year.memberships.select_related("unit").order_by("order", "pk")
    ]
    signatures = list(covenant.signatures.select_related("unit"))
    by_unit = {s.unit_id: s for s in signatures if not s.is_witness}
    witness = next((s for s in signatures if s.is_witness), None)
    head_id = cluster_year.head_unit_id
    slots: list[SigningSlot] = []

    def add(unit: Unit | None, *, is_head: bool = False, is_witness: bool = False) -> None:
        signature = witness if is_witness else by_unit.get(unit.pk if unit else None)
        slots.append(SigningSlot(len(slots) + 1, unit, is_head, is_witness, signature))

    for unit in units:
        if unit.pk != head_id:
            add(unit)
    if covenant.needs_witness:
        add(None, is_witness=True)
    for unit in units:
        if unit.pk == head_id:
            add(unit, is_head=True)
    return slots


def missing_slots(slots: list[SigningSlot]) -> list[SigningSlot]:
    return [slot for slot in slots if not slot.is_signed]


def _names(slots: list[SigningSlot]) -> str:
    return ", ".join(slot.label for slot in slots)


def unit_signing_refusal(
    covenant: Covenant, unit: Unit, slots: list[SigningSlot]
) -> ValidationError | None:
    """Why ``unit`` cannot sign now (state, membership, already signed, its turn), or None."""
    if covenant.state != CovenantState.SIGNING:
        return ValidationError(SIGN_NOT_SIGNING, code="not_signing")
    slot = next((s for s in slots if s.unit is not None and s.unit.pk == unit.pk), None)
    if slot is None:
        return ValidationError(
            SIGN_NOT_MEMBER,
            code="not_member",
            params={"unit": unit.name, "year": covenant.cluster_year.year},
        )
    if slot.is_signed:
        return ValidationError(
            SIGN_ALREADY_SIGNED, code="already_signed", params={"unit": unit.name}
        )
    if slot.is_head:
        before = [s for s in missing_slots(slots) if not s.is_head]
        if before:
            return ValidationError(
                SIGN_HEAD_LAST, code="head_last", params={"missing": _names(before)}
            )
    return None


def witness_signing_refusal(covenant: Covenant, slots: list[SigningSlot]) -> ValidationError | None:
    if not covenant.needs_witness:
        return ValidationError(WITNESS_NOT_NEEDED, code="no_witness")
    if covenant.state != CovenantState.SIGNING:
        return ValidationError(SIGN_NOT_SIGNING, code="not_signing")
    if any(slot.is_witness and slot.is_signed for slot in slots):
        return ValidationError(WITNESS_ALREADY_SIGNED, code="already_signed")
    before = [s for s in missing_slots(slots) if not s.is_head and not s.is_witness]
    if before:
        return ValidationError(
            WITNESS_TOO_EARLY, code="witness_early", params={"missing": _names(before)}
        )
    return None


# Who signs --------------------------------------------------------------------------


def _leader_profile(actor: Any, covenant: Covenant) -> Profile:
    """The actor's profile when it is a leader of one of the year's member units."""
    profile = profile_of(actor)
    if profile is None or profile.role != Profile.Role.LEADER or profile.unit_id is None:
        raise ValidationError(SIGN_NOT_LEADER, code="not_leader")
    if not covenant.cluster_year.memberships.filter(unit_id=profile.unit_id).exists():
        raise ValidationError(
            SIGN_NOT_MEMBER,
            code="not_member",
            params={"unit": profile.unit.name, "year": covenant.cluster_year.year},
        )
    return profile


def _board_profile(actor: Any, covenant: Covenant) -> Profile:
    profile = profile_of(actor)
    if (
        profile is None
        or profile.role != Profile.Role.BOARD
        or profile.organizer_id != covenant.cluster_year.cluster.organizer_id
    ):
        raise ValidationError(WITNESS_BOARD_STAFF_ONLY, code="not_board")
    return profile


def _full_name(actor: Any) -> str:
    return actor.get_full_name().strip() or actor.get_username()


def _check_password(
    *, actor: Any, covenant: Covenant, password: str, ip_address: str | None, signing_for: str
) -> None:
    """Re-check the password; a wrong one is logged as a failed attempt (committed even
    though the signing is refused) and nothing else is written."""
    since = timezone.now() - FAILED_ATTEMPTS_WINDOW
    recent_failures = ActionLog.objects.filter(
        actor=actor, action="covenants.signature.failed", created_at__gte=since
    ).count()
    if recent_failures >= FAILED_ATTEMPTS_LIMIT:
        raise ValidationError(
            SIGN_TOO_MANY_ATTEMPTS,
            code="too_many_attempts",
            params={"minutes": int(FAILED_ATTEMPTS_WINDOW.total_seconds() // 60)},
        )
    if actor.check_password(password or ""):
        return
    log_action(
        actor=actor,
        action="covenants.signature.failed",
        obj=covenant,
        scope_id=scope_of(covenant),
        data={"reason": "wrong_password", "signing_for": signing_for},
        ip_address=ip_address,
    )
    raise ValidationError({"password": ValidationError(SIGN_WRONG_PASSWORD, code="password")})


def _fresh(covenant: Covenant) -> Covenant:
    return Covenant.objects.select_related(
        "cluster_year__cluster__organizer", "cluster_year__head_unit"
    ).get(pk=covenant.pk)


# Completion -------------------------------------------------------------------------


def _complete_if_all_signed(*, actor: Any, covenant: Covenant) -> bool:
    """Inside the signing transaction, on the locked covenant: when no signature is
    missing, the covenant becomes signed and its signed PDF is requested."""
    if missing_slots(signing_order(covenant)):
        return False
    old = covenant.state
    if CovenantState.SIGNED not in COVENANT_TRANSITIONS[old]:
        return False
    covenant.state = CovenantState.SIGNED
    covenant.signed_at = timezone.now()
    covenant.save(update_fields=["state", "signed_at", "updated_at"])
    log_action(
        actor=actor,
        action="covenants.covenant.signed",
        obj=covenant,
        scope_id=scope_of(covenant),
        data={
            "state": {"old": old, "new": CovenantState.SIGNED},
            "signatures": covenant.signatures.count(),
        },
    )
    # The signed PDF (with the organizer's PAdES signature): the job row is written in
    # this transaction, so it exists exactly when the covenant is signed; job_request
    # hands it to the worker only once the transaction has committed.
    from core.documents.jobs import job_request

    job_request(actor=actor, kind="covenant_signed", obj=covenant, scope_id=scope_of(covenant))
    return True


def _record(
    *,
    actor: Any,
    covenant: Covenant,
    signature: Signature,
    ip_address: str | None,
) -> Signature:
    signature.save()
    log_action(
        actor=actor,
        action="covenants.signature.created",
        obj=covenant,
        scope_id=scope_of(covenant),
        data={
            "unit": signature.unit.name if signature.unit else None,
            "witness": signature.is_witness,
            "signer_name": signature.signer_name,
            "signer_position": signature.signer_position,
            "method": signature.method,
        },
        ip_address=ip_address,
    )
    _complete_if_all_signed(actor=actor, covenant=covenant)
    return signature


# Services ---------------------------------------------------------------------------


def covenant_sign(
    *, actor: Any, covenant: Covenant, password: str, ip_address: str | None = None
) -> Signature:
    """The actor, leader of a member unit, signs for the unit after re-entering the password."""
    covenant = _fresh(covenant)
    profile = _leader_profile(actor, covenant)
    refusal = unit_signing_refusal(covenant, profile.unit, signing_order(covenant))
    if refusal is not None:
        raise refusal
    _check_password(
        actor=actor,
        covenant=covenant,
        password=password,
        ip_address=ip_address,
        signing_for=profile.unit.name,
    )
    with transaction.atomic():
        locked = lock_covenant(covenant)
        refusal = unit_signing_refusal(locked, profile.unit, signing_order(locked))
        if refusal is not None:
            raise refusal
        return _record(
            actor=actor,
            covenant=locked,
            signature=_unit_signature(
                locked, actor, profile, ip_address, method=Signature.Method.IN_APP
            ),
            ip_address=ip_address,
        )


def _unit_signature(
    covenant: Covenant, actor: Any, profile: Any, ip_address: str | None, **fields: Any
) -> Signature:
    """A unit's signature as its leader gives it now: name and position as signed."""
    return Signature(
        covenant=covenant,
        unit=profile.unit,
        signer=actor,
        signer_name=_full_name(actor),
        signer_position=profile.position or profile.unit.leader_title,
        signed_at=timezone.now(),
        ip_address=ip_address,
        **fields,
    )


def covenant_witness_sign(
    *, actor: Any, covenant: Covenant, password: str, ip_address: str | None = None
) -> Signature:
    """A board staff member signs as witness: after every member except the head."""
    covenant = _fresh(covenant)
    profile = _board_profile(actor, covenant)
    refusal = witness_signing_refusal(covenant, signing_order(covenant))
    if refusal is not None:
        raise refusal
    _check_password(
        actor=actor,
        covenant=covenant,
        password=password,
        ip_address=ip_address,
        signing_for="witness",
    )
    with transaction.atomic():
        locked = lock_covenant(covenant)
        refusal = witness_signing_refusal(locked, signing_order(locked))
        if refusal is not None:
            raise refusal
        return _record(
            actor=actor,
            covenant=locked,
            signature=Signature(
                covenant=locked,
                unit=None,
                is_witness=True,
                signer=actor,
                signer_name=_full_name(actor),
                signer_position=profile.position,
                signed_at=timezone.now(),
                ip_address=ip_address,
                method=Signature.Method.IN_APP,
            ),
            ip_address=ip_address,
        )


def _validation_record(report: Any, file_bytes: bytes, filename: str) -> dict[str, Any]:
    signers = []
    for signer in getattr(report, "signers", []) or []:
        signed_at = getattr(signer, "signed_at", None)
        signers.append(
            {
                "name": getattr(signer, "name", "") or "",
                "organization": getattr(signer, "organization", "") or "",
                "signed_at": signed_at.isoformat() if signed_at else None,
                "intact": bool(getattr(signer, "intact", False)),
                "trusted": bool(getattr(signer, "trusted", False)),
                "coverage": str(getattr(signer, "coverage", "") or ""),
            }
        )
    return {
        "signed": bool(report.signed),
        "intact": bool(report.intact),
        "trusted": bool(report.trusted),
        "signers": signers,
        "error": str(getattr(report, "error", "") or ""),
        "sha256": hashlib.sha256(file_bytes).hexdigest(),
        "size": len(file_bytes),
        "original_filename": filename[:200],
        "validated_at": timezone.now().isoformat(),
    }


def issued_texts(covenant: Covenant) -> list[Any]:
    """The PDFs of this covenant's adopted text the application issued (the jobs
    asked for once it was adopted): what a leader may sign with a USB token."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import DocumentJob, JobState

    return list(
        DocumentJob.objects.filter(
            content_type=ContentType.objects.get_for_model(Covenant),
            object_id=str(covenant.pk),
            kind="covenant",
            state=JobState.DONE,
            params__state__in=[CovenantState.ADOPTED, CovenantState.SIGNING],
        ).only("pk", "size", "sha256")
    )


def _check_token_copy(covenant: Covenant, actor: Any, file_bytes: bytes, report: Any) -> None:
    """A token-signed copy must be one of this covenant's issued PDFs of the adopted
    text, with signatures only added after it (an incremental update leaves the
    original bytes untouched), signed by this unit's leader."""
    original = any(
        job.size
        and len(file_bytes) > job.size
        and hashlib.sha256(file_bytes[: job.size]).hexdigest() == job.sha256
        for job in issued_texts(covenant)
    )
    if not original:
        raise ValidationError({"file": ValidationError(TOKEN_FILE_NOT_THIS_COVENANT, code="other")})
    leader = fold(_full_name(actor))
    names = [getattr(signer, "name", "") or "" for signer in report.signers or []]
    if not any(fold(name) == leader for name in names):
        raise ValidationError(
            {
                "file": ValidationError(
                    TOKEN_FILE_OTHER_SIGNER,
                    params={"names": ", ".join(names) or "—", "leader": _full_name(actor)},
                    code="signer",
                )
            }
        )


def covenant_token_upload(
    *,
    actor: Any,
    covenant: Covenant,
    file_bytes: bytes,
    filename: str,
    ip_address: str | None = None,
) -> Signature:
    """The leader uploads a copy signed with a government USB token (PAdES).

    The signature must be there and intact; a certificate that does not chain to a
    root we trust is accepted but recorded (``validation["trusted"]`` is False) and
    shown as such. The same order rules as in-app signing apply.
    """
    from core.documents.signing import validate_pdf

    covenant = _fresh(covenant)
    profile = _leader_profile(actor, covenant)
    refusal = unit_signing_refusal(covenant, profile.unit, signing_order(covenant))
    if refusal is not None:
        raise refusal
    limit = settings.MAX_UPLOAD_BYTES
    if len(file_bytes) > limit:
        raise ValidationError(
            {"file": ValidationError(TOKEN_FILE_TOO_LARGE, params={"limit": limit // 2**20})}
        )
    if file_bytes.lstrip()[:5] != b"%PDF-":
        raise ValidationError({"file": ValidationError(TOKEN_FILE_NOT_PDF, code="not_pdf")})
    report = validate_pdf(file_bytes)
    if not report.signed:
        raise ValidationError({"file": ValidationError(TOKEN_FILE_NOT_SIGNED, code="unsigned")})
    if not report.intact or not all(getattr(s, "intact", True) for s in report.signers or []):
        raise ValidationError({"file": ValidationError(TOKEN_FILE_NOT_INTACT, code="tampered")})
    _check_token_copy(covenant, actor, file_bytes, report)
    validation = _validation_record(report, file_bytes, filename)
    with transaction.atomic():
        locked = lock_covenant(covenant)
        refusal = unit_signing_refusal(locked, profile.unit, signing_order(locked))
        if refusal is not None:
            raise refusal
        signature = _unit_signature(
            locked,
            actor,
            profile,
            ip_address,
            method=Signature.Method.TOKEN_UPLOAD,
            validation=validation,
        )
        # A name of our making: the uploaded name is kept in the validation record only.
        signature.file.save(
            f"giao-uoc-{locked.pk}-v{locked.version}-don-vi-{profile.unit_id}.pdf",
            ContentFile(file_bytes),
            save=False,
        )
        return _record(actor=actor, covenant=locked, signature=signature, ip_address=ip_address)
