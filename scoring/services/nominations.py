"""A cluster's nomination (Tờ trình đề nghị khen thưởng), the cluster head's side:
prepare it from the vote (or, without one, from the published ranking), choose the
units within the organizer's quotas, give the submission its number and date, gather
the dossier and send it to the board.

The board's acceptance or return is ``scoring.services.nomination_review``. After a
return the head edits and sends it again. Nothing of the dossier is deleted: a
document is withdrawn (``withdrawn_at``), and kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clusters.models import Profile, Unit
from clusters.roles import Role, can_act_as_head, profile_of, roles_for
from core.audit import log_action
from core.documents.jobs import job_request
from core.text import nfc
from scoring.models import (
    DisclosureComment,
    Nomination,
    NominationDocument,
    Nominee,
    Period,
    rules_for,
)
from scoring.phase_stamp import bump_phase
from scoring.selectors import nominations as selectors
from scoring.services.messages import nominations as msg
from scoring.services.scorecards import clean_file_name, read_checked_upload

EDITABLE = (Nomination.State.DRAFT, Nomination.State.RETURNED)
NUMBER_LIMIT = 60
TITLE_LIMIT = 300
# The documents of the engine attached to the dossier when it is sent.
JOB_KINDS = (
    NominationDocument.Kind.SUBMISSION,
    NominationDocument.Kind.BALLOT_MINUTES,
    NominationDocument.Kind.SCORE_SUMMARY,
    NominationDocument.Kind.DELIBERATION_MINUTES,
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _scope(nomination: Nomination) -> int:
    return nomination.organizer_id


def _check_head(actor: Any, nomination_or_year: Any) -> None:
    year = getattr(nomination_or_year, "cluster_year", nomination_or_year)
    if not can_act_as_head(roles_for(actor, year), year):
        raise ValidationError(msg.NOMINATION_NOT_ALLOWED)


def _check_editable(nomination: Nomination) -> None:
    if nomination.state not in EDITABLE:
        raise ValidationError(msg.NOMINATION_NOT_EDITABLE)


def lock_nomination(nomination: Nomination | int) -> Nomination:
    pk = nomination if isinstance(nomination, int) else nomination.pk
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("cluster_year__cluster", "period")
        .get(pk=pk)
    )


def _names(unit_ids: Iterable[int]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=list(unit_ids)).values_list("pk", "name"))


def _write_nominees(
    nomination: Nomination,
    basis: selectors.Basis,
    chosen: list[tuple[int, str]],
    reasons: Mapping[int, str] | None = None,
    women: Iterable[int] = (),
) -> None:
    """The nominee rows, changed in place by unit (a row may carry comments from the
    public disclosure, which are never lost): new units added, removed ones deleted,
    unless they have comments (refused, naming the unit)."""
    reasons = reasons or {}
    women = set(women)
    existing = {nominee.unit_id: nominee for nominee in nomination.nominees.all()}
    wanted = {unit_id for unit_id, _award in chosen}
    removed = [pk for pk in existing if pk not in wanted]
    commented = set(
        DisclosureComment.objects.filter(
            nominee__nomination=nomination, nominee__unit_id__in=removed
        ).values_list("nominee__unit_id", flat=True)
    )
    if commented:
        names = _names(commented)
        raise ValidationError(
            [
                ValidationError(msg.NOMINATION_NOMINEE_HAS_COMMENTS, params={"unit": names[pk]})
                for pk in sorted(commented, key=lambda pk: names[pk])
            ]
        )
    Nominee.objects.filter(nomination=nomination, unit_id__in=removed).delete()
    orders = {Nominee.Award.FLAG: 0, Nominee.Award.MERIT: 0}
    new_rows = []
    for unit_id, award in chosen:
        orders[award] += 1
        values = {
            "award": award,
            "order": orders[award],
            "women_preference": unit_id in women,
            "reason": nfc(reasons.get(unit_id, "") or "").strip(),
            **basis.snapshot(unit_id, award),
        }
        nominee = existing.get(unit_id)
        if nominee is None:
            new_rows.append(Nominee(nomination=nomination, unit_id=unit_id, **values))
        else:
            for name, value in values.items():
                setattr(nominee, name, value)
            nominee.save(update_fields=list(values))
    Nominee.objects.bulk_create(new_rows)
    bump_phase(nomination.organizer_id)  # bulk_create sends no signal


def _proposals(nomination: Nomination, basis: selectors.Basis) -> tuple[list, str]:
    """The units the vote elected (or, without a vote, the top of the ranking)."""
    members = set(selectors.member_units_ids(nomination.cluster_year_id))
    chosen: list[tuple[int, str]] = []
    sources: set[str] = set()

    def take(unit_ids: Iterable[int], award: str, quota: int) -> None:
        count = 0
        for unit_id in unit_ids:
            if count >= quota:
                break
            if unit_id in members and all(unit_id != pk for pk, _ in chosen):
                chosen.append((unit_id, award))
                count += 1

    if basis.flag_ballot is not None:
        take(selectors.elected_units(basis.flag_ballot), Nominee.Award.FLAG, nomination.flag_quota)
        sources.add("ballot")
    else:
        take(basis.ranked_units[:1], Nominee.Award.FLAG, nomination.flag_quota)
        sources.add("ranking")
    if basis.merit_ballot is not None:
        take(
            selectors.elected_units(basis.merit_ballot),
            Nominee.Award.MERIT,
            nomination.merit_quota,
        )
        sources.add("ballot")
    else:
        take(basis.ranked_units, Nominee.Award.MERIT, nomination.merit_quota)
        sources.add("ranking")
    return chosen, "+".join(sorted(sources))


# Services -----------------------------------------------------------------------------


def nomination_prepare(*, actor: Any, period: Period) -> Nomination:
    """The period's nomination, created as a draft with proposed units (the one already
    there is returned as it is)."""
    with transaction.atomic():
        period = (
            Period.objects.select_for_update(of=("self",))
            .select_related("cluster_year__cluster")
            .get(pk=period.pk)
        )
        _check_head(actor, period.cluster_year)
        existing = Nomination.objects.filter(period=period).first()
        if existing is not None:
            return existing
        if period.kind != Period.Kind.YEAR_END:
            raise ValidationError(msg.NOMINATION_NOT_YEAR_END)
        if period.published_at is None:
            raise ValidationError(msg.NOMINATION_NOT_PUBLISHED)
        year = period.cluster_year
        rules = rules_for(year.cluster.organizer_id)
        nomination = Nomination.objects.create(
            period=period,
            cluster_year=year,
            organizer_id=year.cluster.organizer_id,
            year=year.year,
            flag_quota=rules.flag_quota,
            merit_quota=rules.merit_quota,
            created_by=_user(actor),
        )
        basis = selectors.proposal_basis(period)
        chosen, source = _proposals(nomination, basis)
        _write_nominees(nomination, basis, chosen)
        log_action(
            actor=actor,
            action="scoring.nomination.prepared",
            obj=nomination,
            scope_id=_scope(nomination),
            data={
                "flag": [pk for pk, award in chosen if award == Nominee.Award.FLAG],
                "merit": [pk for pk, award in chosen if award == Nominee.Award.MERIT],
                "source": source,
            },
        )
    return nomination


def nomination_set_nominees(
    *,
    actor: Any,
    nomination: Nomination,
    flag: Iterable[int] = (),
    merit: Iterable[int] = (),
    reasons: Mapping[int, str] | None = None,
    women: Iterable[int] = (),
) -> Nomination:
    """The proposed units: at most the quotas, member units of the year, each once."""
    flag, merit = [int(pk) for pk in flag], [int(pk) for pk in merit]
    with transaction.atomic():
        nomination = lock_nomination(nomination)
        _check_head(actor, nomination)
        _check_editable(nomination)
        errors: dict[str, list[ValidationError]] = {}
        if len(set(flag)) > nomination.flag_quota:
            errors.setdefault("flag", []).append(
                ValidationError(msg.NOMINATION_FLAG_QUOTA, params={"quota": nomination.flag_quota})
            )
        if len(set(merit)) > nomination.merit_quota:
            errors.setdefault("merit", []).append(
                ValidationError(
                    msg.NOMINATION_MERIT_QUOTA, params={"quota": nomination.merit_quota}
                )
            )
        names = _names(flag + merit)
        members = set(selectors.member_units_ids(nomination.cluster_year_id))
        for pk in dict.fromkeys(flag + merit):
            if pk not in members:
                errors.setdefault("__all__", []).append(
                    ValidationError(
                        msg.NOMINATION_NOT_MEMBER, params={"unit": names.get(pk, str(pk))}
                    )
                )
        seen: set[int] = set()
        for pk in flag + merit:
            if pk in seen and pk in members:
                errors.setdefault("__all__", []).append(
                    ValidationError(msg.NOMINATION_UNIT_TWICE, params={"unit": names[pk]})
                )
            seen.add(pk)
        if errors:
            raise ValidationError(errors)
        before = list(nomination.nominees.values_list("unit_id", "award"))
        chosen = [(pk, Nominee.Award.FLAG) for pk in flag] + [
            (pk, Nominee.Award.MERIT) for pk in merit
        ]
        basis = selectors.proposal_basis(nomination.period)
        _write_nominees(nomination, basis, chosen, reasons=reasons, women=women)
        log_action(
            actor=actor,
            action="scoring.nomination.nominees_set",
            obj=nomination,
            scope_id=_scope(nomination),
            data={
                "flag": {"old": [u for u, a in before if a == "flag"], "new": flag},
                "merit": {"old": [u for u, a in before if a == "merit"], "new": merit},
            },
        )
    return nomination


def nomination_update(
    *,
    actor: Any,
    nomination: Nomination,
    number: str,
    date: dt.date | None,
    summary: str = "",
) -> Nomination:
    """The submission's number, date and summary of achievements."""
    number = nfc(number or "").strip()
    if len(number) > NUMBER_LIMIT:
        raise ValidationError(
            {"number": ValidationError(msg.NOMINATION_NUMBER_TOO_LONG, params={"limit": 60})}
        )
    with transaction.atomic():
        nomination = lock_nomination(nomination)
        _check_head(actor, nomination)
        _check_editable(nomination)
        old = {
            "number": nomination.number,
            "date": nomination.date.isoformat() if nomination.date else None,
            "summary": nomination.summary,
        }
        nomination.number = number
        nomination.date = date
        nomination.summary = nfc(summary or "").strip()
        nomination.save(update_fields=["number", "date", "summary"])
        new = {
            "number": nomination.number,
            "date": date.isoformat() if date else None,
            "summary": nomination.summary,
        }
        log_action(
            actor=actor,
            action="scoring.nomination.updated",
            obj=nomination,
            scope_id=_scope(nomination),
            data={k: {"old": old[k], "new": new[k]} for k in old if old[k] != new[k]},
        )
    return nomination


def may_upload(actor: Any, nomination: Nomination, kind: str, unit_id: int | None) -> bool:
    """The head uploads any kind; an officer or leader of a nominated unit uploads only
    its own achievement report."""
    roles = roles_for(actor, nomination.cluster_year)
    if can_act_as_head(roles, nomination.cluster_year):
        return True
    profile = profile_of(actor)
    if profile is None or profile.unit_id is None:
        return False
    if not roles & {Role.MEMBER_OFFICER, Role.MEMBER_LEADER}:
        return False
    return (
        kind == NominationDocument.Kind.ACHIEVEMENT_REPORT
        and unit_id == profile.unit_id
        and nomination.nominees.filter(unit_id=profile.unit_id).exists()
    )


def nomination_upload(
    *,
    actor: Any,
    nomination: Nomination,
    kind: str,
    file: Any,
    unit: Unit | int | None = None,
    title: str = "",
) -> NominationDocument:
    """A file of the dossier, checked like evidence (size cap, type by content)."""
    if kind not in NominationDocument.Kind.values:
        raise ValidationError({"kind": ValidationError(msg.NOMINATION_KIND_UNKNOWN)})
    unit_id = getattr(unit, "pk", unit)
    if unit_id is None and kind == NominationDocument.Kind.ACHIEVEMENT_REPORT:
        profile = profile_of(actor)
        unit_id = profile.unit_id if profile else None
    title = nfc(title or "").strip()[:TITLE_LIMIT]
    with transaction.atomic():
        nomination = lock_nomination(nomination)
        if not may_upload(actor, nomination, kind, unit_id):
            raise ValidationError(msg.NOMINATION_UPLOAD_NOT_ALLOWED)
        _check_editable(nomination)
        if kind == NominationDocument.Kind.ACHIEVEMENT_REPORT and (
            unit_id is None or not nomination.nominees.filter(unit_id=unit_id).exists()
        ):
            raise ValidationError({"unit": ValidationError(msg.NOMINATION_REPORT_UNIT)})
        data, file_type = read_checked_upload(file)
        digest = hashlib.sha256(data).hexdigest()
        document = NominationDocument(
            nomination=nomination,
            kind=kind,
            unit_id=unit_id,
            title=title,
            original_name=clean_file_name(getattr(file, "name", "")),
            content_type=file_type.content_type,
            size=len(data),
            sha256=digest,
            uploaded_by=_user(actor),
        )
        document.file.save(f"{digest[:16]}{file_type.extension}", ContentFile(data), save=False)
        stored = document.file.name
        try:
            document.save()
            log_action(
                actor=actor,
                action="scoring.nomination.document_added",
                obj=nomination,
                scope_id=_scope(nomination),
                data={
                    "kind": kind,
                    "unit": unit_id,
                    "original_name": document.original_name,
                    "size": document.size,
                    "sha256": digest,
                },
            )
        except BaseException:
            document.file.storage.delete(stored)
            raise
    return document


def nomination_withdraw_document(
    *, actor: Any, document: NominationDocument, at: dt.datetime | None = None
) -> NominationDocument:
    """Withdraw a piece of the dossier (kept, never deleted): the head any, a
    nominated unit its own achievement report."""
    with transaction.atomic():
        nomination = lock_nomination(document.nomination_id)
        document = NominationDocument.objects.select_for_update().get(pk=document.pk)
        if document.nomination_id != nomination.pk:  # pragma: no cover - defensive
            raise ValidationError(msg.NOMINATION_DOCUMENT_NOT_YOURS)
        if not may_upload(actor, nomination, document.kind, document.unit_id):
            raise ValidationError(msg.NOMINATION_DOCUMENT_NOT_YOURS)
        _check_editable(nomination)
        if document.withdrawn_at is not None:
            raise ValidationError(msg.NOMINATION_DOCUMENT_WITHDRAWN)
        document.withdrawn_at = at or timezone.now()
        document.save(update_fields=["withdrawn_at"])
        log_action(
            actor=actor,
            action="scoring.nomination.document_withdrawn",
            obj=nomination,
            scope_id=_scope(nomination),
            data={
                "kind": document.kind,
                "unit": document.unit_id,
                "original_name": document.original_name,
            },
        )
    return document


def board_user_ids(organizer_id: int) -> list[int]:
    return list(
        Profile.objects.filter(
            role=Profile.Role.BOARD, organizer_id=organizer_id, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _attach_jobs(nomination: Nomination, pieces: list[tuple[str, Any]]) -> None:
    """The rendered documents as dossier pieces; those of an earlier sending that are
    not part of this one are withdrawn (kept)."""
    wanted = {(kind, job.pk) for kind, job in pieces}
    current = nomination.documents.filter(
        kind__in=JOB_KINDS, job__isnull=False, withdrawn_at__isnull=True
    )
    have = set()
    for document in current:
        if (document.kind, document.job_id) in wanted:
            have.add((document.kind, document.job_id))
        else:
            document.withdrawn_at = timezone.now()
            document.save(update_fields=["withdrawn_at"])
    NominationDocument.objects.bulk_create(
        NominationDocument(nomination=nomination, kind=kind, job=job)
        for kind, job in pieces
        if (kind, job.pk) not in have
    )
    bump_phase(nomination.organizer_id)  # bulk_create sends no signal


def nomination_submit(
    *, actor: Any, nomination: Nomination, at: dt.datetime | None = None
) -> Nomination:
    """Draft or returned → submitted, when the dossier is complete (every missing
    piece is named). The submission PDF is asked for and joins the dossier; the
    organizer's board staff are told. After the deadline it is accepted but marked late."""
    from core.notifications import notify

    now = at or timezone.now()
    with transaction.atomic():
        nomination = lock_nomination(nomination)
        _check_head(actor, nomination)
        _check_editable(nomination)
        # The quotas in force when it is sent (the organizer's rules may have changed).
        rules = rules_for(nomination.organizer_id)
        nomination.flag_quota, nomination.merit_quota = rules.flag_quota, rules.merit_quota
        counts = {
            award: nomination.nominees.filter(award=award).count()
            for award in (Nominee.Award.FLAG, Nominee.Award.MERIT)
        }
        over = []
        if counts[Nominee.Award.FLAG] > rules.flag_quota:
            over.append(msg.NOMINATION_FLAG_QUOTA % {"quota": rules.flag_quota})
        if counts[Nominee.Award.MERIT] > rules.merit_quota:
            over.append(msg.NOMINATION_MERIT_QUOTA % {"quota": rules.merit_quota})
        found = selectors.dossier(nomination)
        if over or found.missing:
            raise ValidationError([str(text) for text in over] + found.missing)
        resent = nomination.state == Nomination.State.RETURNED
        nomination.state = Nomination.State.SUBMITTED
        nomination.submitted_at = now
        nomination.submitted_by = _user(actor)
        nomination.save(
            update_fields=["state", "submitted_at", "submitted_by", "flag_quota", "merit_quota"]
        )
        # The rendered pieces first: the submission lists them.
        _attach_jobs(nomination, [(item.kind, item.job) for item in found.jobs])
        submission = job_request(
            actor=actor,
            kind=selectors.SUBMISSION,
            obj=nomination,
            scope_id=_scope(nomination),
        )
        NominationDocument.objects.create(
            nomination=nomination, kind=NominationDocument.Kind.SUBMISSION, job=submission
        )
        deadline = selectors.nomination_deadline(nomination)
        late = selectors.is_late(nomination, now)
        cluster = nomination.cluster_year.cluster
        log_action(
            actor=actor,
            action="scoring.nomination.submitted",
            obj=nomination,
            scope_id=_scope(nomination),
            data={
                "number": nomination.number,
                "date": nomination.date.isoformat() if nomination.date else None,
                "flag": list(
                    nomination.nominees.filter(award=Nominee.Award.FLAG).values_list(
                        "unit_id", flat=True
                    )
                ),
                "merit": list(
                    nomination.nominees.filter(award=Nominee.Award.MERIT).values_list(
                        "unit_id", flat=True
                    )
                ),
                "late": late,
                "deadline": deadline.isoformat(),
                "resent": resent,
            },
        )
        notify(
            user_ids=board_user_ids(nomination.organizer_id),
            key="scoring.nomination.submitted",
            subject=msg.NOMINATION_SUBMITTED_SUBJECT,
            body=msg.NOMINATION_SUBMITTED_LATE_BODY if late else msg.NOMINATION_SUBMITTED_BODY,
            params={
                "cluster": cluster.name,
                "year": nomination.year,
                "number": nomination.number,
                "deadline": deadline.strftime("%d/%m/%Y"),
            },
            link=reverse("nomination_detail", args=[nomination.period_id]),
            scope_id=_scope(nomination),
        )
    return nomination
