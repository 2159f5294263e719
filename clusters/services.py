"""Every write to organizers, units, clusters, years, memberships and people.

Each service is one transaction: lock, check, write, log. Messages are module
constants so tests (and forms) can assert the exact text the user sees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from clusters.models import (
    CLUSTER_YEAR_TRANSITIONS,
    Cluster,
    ClusterYear,
    Membership,
    Organizer,
    Profile,
    Unit,
    UnitLineage,
)
from clusters.selectors.units import unit_successors
from core.audit import changes, log_action, snapshot
from core.text import nfc, vi_sort_key

# Messages the user sees.
DUPLICATE_UNIT = _("A current unit named “%(name)s” already exists in this organizer.")
DUPLICATE_ORGANIZER = _("An organizer named “%(name)s” already exists.")
DUPLICATE_CLUSTER = _("A cluster named “%(name)s” already exists in this organizer.")
DUPLICATE_YEAR = _("This cluster already has a year %(year)s.")
UNIT_OTHER_ORGANIZER = _("“%(unit)s” is registered by another organizer.")
UNIT_NOT_VALID_IN_YEAR = _("“%(unit)s” did not exist in %(year)s (valid %(period)s).")
UNIT_IN_OTHER_CLUSTER = _("“%(unit)s” is already a member of “%(cluster)s” in %(year)s.")
UNIT_LISTED_TWICE = _("“%(unit)s” is listed twice.")
HEAD_NOT_MEMBER = _("The head unit must be a member of the cluster in this year.")
DEPUTY_NOT_MEMBER = _("The deputy head unit must be a member of the cluster in this year.")
HEAD_IS_DEPUTY = _("A unit cannot be both head and deputy head in the same year.")
DECISION_DATE_OUTSIDE = _(
    "The decision date must fall between 01/10/%(before)s and 31/12/%(year)s."
)
DECISION_INCOMPLETE = _("Give the decision number together with its date.")
DATES_REVERSED = _("“Valid to” must not be before “valid from”.")
PARENT_OTHER_ORGANIZER = _("The parent unit must belong to the same organizer.")
PARENT_IS_SELF = _("A unit cannot be its own parent.")
UNIT_ALREADY_ENDED = _("“%(unit)s” already ended on %(date)s.")
CHANGE_DATE_BEFORE_START = _("The change date must be after “%(unit)s” began (%(date)s).")
MERGE_NEEDS_TWO = _("A merge needs at least two units.")
SPLIT_NEEDS_TWO = _("A split needs at least two new units.")
YEAR_CLOSED = _("The year %(year)s is closed; reopen it before changing it.")
UNKNOWN_STATUS = _("“%(status)s” is not a status of a cluster year.")
UNIT_ENDS_BEFORE_MEMBERSHIP = _(
    "“%(unit)s” is a member of “%(cluster)s” in %(year)s, so it must exist in that year."
)
TRANSITION_NOT_ALLOWED = _("This year cannot go from “%(old)s” to “%(new)s”.")
ROTATION_NEEDS_ORDER = _("Rotation needs at least two members and a head in the agreed order.")
NEXT_YEAR_HAS_HEAD = _("Year %(year)s already has a head; change it on that year's page.")
USERNAME_TAKEN = _("The user name “%(username)s” is taken.")
ROLE_NEEDS_UNIT = _("Unit officers and leaders need a unit.")
UNIT_FIELDS = [
    "name", "kind", "short_name", "parent", "code", "valid_from", "valid_to", "leader_title",
]  # fmt: skip
CLUSTER_FIELDS = ["name", "kind", "description", "is_active"]
YEAR_FIELDS = [
    "theme", "head_unit", "deputy_unit", "head_selection", "decision_number",
    "decision_date", "decision_signer", "decision_file",
]  # fmt: skip


def _period(unit: Unit) -> str:
    end = unit.valid_to.strftime("%d/%m/%Y") if unit.valid_to else "…"
    return f"{unit.valid_from:%d/%m/%Y} – {end}"


# Organizers -------------------------------------------------------------------


def _check_organizer(organizer: Organizer) -> None:
    name = nfc(organizer.name)
    if Organizer.objects.filter(sort_key=vi_sort_key(name)).exclude(pk=organizer.pk).exists():
        raise ValidationError({"name": ValidationError(DUPLICATE_ORGANIZER, params={"name": name})})


def organizer_create(*, actor: Any, **fields: Any) -> Organizer:
    organizer = Organizer(**fields)
    with transaction.atomic():
        _check_organizer(organizer)
        organizer.save()
        log_action(
            actor=actor,
            action="clusters.organizer.created",
            obj=organizer,
            scope_id=organizer.pk,
            data={"new": snapshot(organizer, fields)},
        )
    return organizer


def organizer_update(*, actor: Any, organizer: Organizer, **fields: Any) -> Organizer:
    with transaction.atomic():
        organizer = Organizer.objects.select_for_update().get(pk=organizer.pk)
        before = snapshot(organizer, fields)
        for name, value in fields.items():
            setattr(organizer, name, value)
        _check_organizer(organizer)
        organizer.save()
        log_action(
            actor=actor,
            action="clusters.organizer.updated",
            obj=organizer,
            scope_id=organizer.pk,
            data=changes(before, snapshot(organizer, fields)),
        )
    return organizer


# Units ------------------------------------------------------------------------


def _check_unit(unit: Unit) -> None:
    errors: dict[str, list] = {}
    if unit.valid_to and unit.valid_to < unit.valid_from:
        errors.setdefault("valid_to", []).append(DATES_REVERSED)
    if unit.parent_id:
        if unit.parent_id == unit.pk:
            errors.setdefault("parent", []).append(PARENT_IS_SELF)
        elif unit.parent.organizer_id != unit.organizer_id:
            errors.setdefault("parent", []).append(PARENT_OTHER_ORGANIZER)
    if unit.pk:
        # A unit cannot stop existing before (or start after) a year it is a member of.
        memberships = unit.memberships.select_related("cluster_year__cluster").order_by("year")
        for membership in memberships:
            if not unit.is_valid_in_year(membership.year):
                errors.setdefault(
                    "valid_to"
                    if unit.valid_to and unit.valid_to.year < membership.year
                    else "valid_from",
                    [],
                ).append(
                    ValidationError(
                        UNIT_ENDS_BEFORE_MEMBERSHIP,
                        params={
                            "unit": unit.name,
                            "cluster": membership.cluster_year.cluster.name,
                            "year": membership.year,
                        },
                    )
                )
                break
    if unit.valid_to is None:
        clash = Unit.objects.filter(
            organizer_id=unit.organizer_id,
            sort_key=vi_sort_key(nfc(unit.name)),
            valid_to__isnull=True,
        ).exclude(pk=unit.pk)
        if clash.exists():
            errors.setdefault("name", []).append(
                ValidationError(DUPLICATE_UNIT, params={"name": nfc(unit.name)})
            )
    if errors:
        raise ValidationError(errors)


def unit_create(*, actor: Any, organizer: Organizer, **fields: Any) -> Unit:
    unit = Unit(organizer=organizer, **fields)
    unit.name = nfc(unit.name)
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=organizer.pk)  # serialise name checks
        _check_unit(unit)
        unit.save()
        log_action(
            actor=actor,
            action="clusters.unit.created",
            obj=unit,
            scope_id=organizer.pk,
            data={"new": snapshot(unit, UNIT_FIELDS)},
        )
    return unit


def unit_update(*, actor: Any, unit: Unit, **fields: Any) -> Unit:
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=unit.organizer_id)
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        before = snapshot(unit, UNIT_FIELDS)
        for name, value in fields.items():
            setattr(unit, name, value)
        _check_unit(unit)
        unit.save()
        log_action(
            actor=actor,
            action="clusters.unit.updated",
            obj=unit,
            scope_id=unit.organizer_id,
            data=changes(before, snapshot(unit, UNIT_FIELDS)),
        )
    return unit


def _end_units(units: Sequence[Unit], date: dt.date) -> None:
    for unit in units:
        if unit.valid_to is not None:
            raise ValidationError(
                UNIT_ALREADY_ENDED, params={"unit": unit.name, "date": f"{unit.valid_to:%d/%m/%Y}"}
            )
        if date <= unit.valid_from:
            raise ValidationError(
                CHANGE_DATE_BEFORE_START,
                params={"unit": unit.name, "date": f"{unit.valid_from:%d/%m/%Y}"},
            )
        unit.valid_to = date - dt.timedelta(days=1)
        unit.save(update_fields=["valid_to"])


def _lineage_change(
    *,
    actor: Any,
    kind: str,
    predecessors: Sequence[Unit],
    successors_fields: Sequence[dict[str, Any]],
    date: dt.date,
    decision: str,
) -> list[Unit]:
    organizer_id = predecessors[0].organizer_id
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=organizer_id)
        locked = list(Unit.objects.select_for_update().filter(pk__in=[u.pk for u in predecessors]))
        if any(unit.organizer_id != organizer_id for unit in locked):
            raise ValidationError(PARENT_OTHER_ORGANIZER)
        _end_units(locked, date)
        successors = []
        for fields in successors_fields:
            successor = Unit(organizer_id=organizer_id, valid_from=date, **fields)
            successor.name = nfc(successor.name)
            _check_unit(successor)
            successor.save()
            successors.append(successor)
        for predecessor in locked:
            for successor in successors:
                UnitLineage.objects.create(
                    predecessor=predecessor,
                    successor=successor,
                    kind=kind,
                    date=date,
                    decision=nfc(decision),
                )
        log_action(
            actor=actor,
            action=f"clusters.unit.{kind}d" if kind != "split" else "clusters.unit.split",
            obj=successors[0],
            scope_id=organizer_id,
            data={
                "predecessors": [u.name for u in locked],
                "successors": [u.name for u in successors],
                "date": date,
                "decision": decision,
            },
        )
    return successors


def unit_rename(
    *, actor: Any, unit: Unit, new_name: str, date: dt.date, decision: str = ""
) -> Unit:
    """The renamed unit is a new register entry; the old name keeps its history."""
    fields = {
        "name": new_name,
        "kind": unit.kind,
        "short_name": "",
        "parent": unit.parent,
        "code": unit.code,
        "leader_title": unit.leader_title,
    }
    return _lineage_change(
        actor=actor,
        kind=UnitLineage.Kind.RENAME,
        predecessors=[unit],
        successors_fields=[fields],
        date=date,
        decision=decision,
    )[0]


def units_merge(
    *,
    actor: Any,
    units: Sequence[Unit],
    name: str,
    kind: str,
    date: dt.date,
    decision: str = "",
    parent: Unit | None = None,
) -> Unit:
    if len({unit.pk for unit in units}) < 2:
        raise ValidationError(MERGE_NEEDS_TWO)
    return _lineage_change(
        actor=actor,
        kind=UnitLineage.Kind.MERGE,
        predecessors=units,
        successors_fields=[{"name": name, "kind": kind, "parent": parent}],
        date=date,
        decision=decision,
    )[0]


def unit_split(
    *, actor: Any, unit: Unit, names: Sequence[str], kind: str, date: dt.date, decision: str = ""
) -> list[Unit]:
    names = [nfc(name) for name in names if nfc(name)]
    if len(names) < 2:
        raise ValidationError(SPLIT_NEEDS_TWO)
    return _lineage_change(
        actor=actor,
        kind=UnitLineage.Kind.SPLIT,
        predecessors=[unit],
        successors_fields=[{"name": name, "kind": kind, "parent": unit.parent} for name in names],
        date=date,
        decision=decision,
    )


# Clusters -----------------------------------------------------------------------


def _check_cluster(cluster: Cluster) -> None:
    clash = Cluster.objects.filter(
        organizer_id=cluster.organizer_id, sort_key=vi_sort_key(nfc(cluster.name))
    ).exclude(pk=cluster.pk)
    if clash.exists():
        raise ValidationError(
            {"name": ValidationError(DUPLICATE_CLUSTER, params={"name": nfc(cluster.name)})}
        )


def cluster_create(*, actor: Any, organizer: Organizer, **fields: Any) -> Cluster:
    cluster = Cluster(organizer=organizer, **fields)
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=organizer.pk)
        _check_cluster(cluster)
        cluster.save()
        log_action(
            actor=actor,
            action="clusters.cluster.created",
            obj=cluster,
            scope_id=organizer.pk,
            data={"new": snapshot(cluster, CLUSTER_FIELDS)},
        )
    return cluster


def cluster_update(*, actor: Any, cluster: Cluster, **fields: Any) -> Cluster:
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=cluster.organizer_id)
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        before = snapshot(cluster, CLUSTER_FIELDS)
        for name, value in fields.items():
            setattr(cluster, name, value)
        _check_cluster(cluster)
        cluster.save()
        log_action(
            actor=actor,
            action="clusters.cluster.updated",
            obj=cluster,
            scope_id=cluster.organizer_id,
            data=changes(before, snapshot(cluster, CLUSTER_FIELDS)),
        )
    return cluster


# Cluster years and membership -----------------------------------------------------


def _check_members(
    cluster: Cluster, year: int, units: Sequence[Unit], exclude_year_pk: int | None
) -> None:
    errors: list[ValidationError] = []
    seen: set[int] = set()
    for unit in units:
        if unit.pk in seen:
            errors.append(ValidationError(UNIT_LISTED_TWICE, params={"unit": unit.name}))
            continue
        seen.add(unit.pk)
        if unit.organizer_id != cluster.organizer_id:
            errors.append(ValidationError(UNIT_OTHER_ORGANIZER, params={"unit": unit.name}))
        elif not unit.is_valid_in_year(year):
            errors.append(
                ValidationError(
                    UNIT_NOT_VALID_IN_YEAR,
                    params={"unit": unit.name, "year": year, "period": _period(unit)},
                )
            )
    elsewhere = (
        Membership.objects.filter(organizer_id=cluster.organizer_id, year=year, unit_id__in=seen)
        .exclude(cluster_year_id=exclude_year_pk)
        .select_related("unit", "cluster_year__cluster")
    )
    for membership in elsewhere:
        errors.append(
            ValidationError(
                UNIT_IN_OTHER_CLUSTER,
                params={
                    "unit": membership.unit.name,
                    "cluster": membership.cluster_year.cluster.name,
                    "year": year,
                },
            )
        )
    if errors:
        raise ValidationError({"members": errors})


def _check_year_fields(cluster_year: ClusterYear, member_ids: set[int]) -> None:
    errors: dict[str, list] = {}
    head, deputy = cluster_year.head_unit_id, cluster_year.deputy_unit_id
    if head and head not in member_ids:
        errors.setdefault("head_unit", []).append(HEAD_NOT_MEMBER)
    if deputy and deputy not in member_ids:
        errors.setdefault("deputy_unit", []).append(DEPUTY_NOT_MEMBER)
    if head and deputy and head == deputy:
        errors.setdefault("deputy_unit", []).append(HEAD_IS_DEPUTY)
    date = cluster_year.decision_date
    year = cluster_year.year
    # The naming decision is issued during set-up, from autumn of the year before.
    if date and not (dt.date(year - 1, 10, 1) <= date <= dt.date(year, 12, 31)):
        errors.setdefault("decision_date", []).append(
            ValidationError(DECISION_DATE_OUTSIDE, params={"before": year - 1, "year": year})
        )
    if bool(cluster_year.decision_number) != bool(date):
        errors.setdefault("decision_number", []).append(DECISION_INCOMPLETE)
    if errors:
        raise ValidationError(errors)


def _write_members(cluster_year: ClusterYear, units: Sequence[Unit]) -> None:
    cluster_year.memberships.all().delete()
    Membership.objects.bulk_create(
        Membership(
            cluster_year=cluster_year,
            unit=unit,
            order=position,
            organizer_id=cluster_year.cluster.organizer_id,
            year=cluster_year.year,
        )
        for position, unit in enumerate(units, start=1)
    )


def cluster_year_create(
    *,
    actor: Any,
    cluster: Cluster,
    year: int,
    members: Sequence[Unit],
    **fields: Any,
) -> ClusterYear:
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=cluster.organizer_id)
        if ClusterYear.objects.filter(cluster=cluster, year=year).exists():
            raise ValidationError({"year": ValidationError(DUPLICATE_YEAR, params={"year": year})})
        cluster_year = ClusterYear(cluster=cluster, year=year, **fields)
        cluster_year.theme = nfc(cluster_year.theme)
        _check_members(cluster, year, members, exclude_year_pk=None)
        _check_year_fields(cluster_year, {unit.pk for unit in members})
        cluster_year.save()
        _write_members(cluster_year, members)
        log_action(
            actor=actor,
            action="clusters.cluster_year.created",
            obj=cluster_year,
            scope_id=cluster.organizer_id,
            data={
                "new": snapshot(cluster_year, YEAR_FIELDS),
                "members": [unit.name for unit in members],
            },
        )
    return cluster_year


def _lock_year(cluster_year: ClusterYear) -> ClusterYear:
    Organizer.objects.select_for_update().get(pk=cluster_year.cluster.organizer_id)
    locked = (
        ClusterYear.objects.select_for_update().select_related("cluster").get(pk=cluster_year.pk)
    )
    if not locked.is_open:
        raise ValidationError(YEAR_CLOSED, params={"year": locked.year})
    return locked


def cluster_year_update(*, actor: Any, cluster_year: ClusterYear, **fields: Any) -> ClusterYear:
    with transaction.atomic():
        cluster_year = _lock_year(cluster_year)
        before = snapshot(cluster_year, YEAR_FIELDS)
        for name, value in fields.items():
            setattr(cluster_year, name, value)
        cluster_year.theme = nfc(cluster_year.theme)
        member_ids = set(cluster_year.memberships.values_list("unit_id", flat=True))
        _check_year_fields(cluster_year, member_ids)
        cluster_year.save()
        log_action(
            actor=actor,
            action="clusters.cluster_year.updated",
            obj=cluster_year,
            scope_id=cluster_year.cluster.organizer_id,
            data=changes(before, snapshot(cluster_year, YEAR_FIELDS)),
        )
    return cluster_year


def cluster_year_set_members(
    *, actor: Any, cluster_year: ClusterYear, members: Sequence[Unit]
) -> ClusterYear:
    """Replace the members with ``members`` in this (agreed) order."""
    with transaction.atomic():
        cluster_year = _lock_year(cluster_year)
        old = list(
            cluster_year.memberships.select_related("unit").values_list("unit__name", flat=True)
        )
        _check_members(cluster_year.cluster, cluster_year.year, members, cluster_year.pk)
        _check_year_fields(cluster_year, {unit.pk for unit in members})
        _write_members(cluster_year, members)
        log_action(
            actor=actor,
            action="clusters.cluster_year.members_changed",
            obj=cluster_year,
            scope_id=cluster_year.cluster.organizer_id,
            data={"members": {"old": old, "new": [unit.name for unit in members]}},
        )
    return cluster_year


def cluster_year_set_status(
    *, actor: Any, cluster_year: ClusterYear, status: str, reason: str = ""
) -> ClusterYear:
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=cluster_year.cluster.organizer_id)
        cluster_year = (
            ClusterYear.objects.select_for_update()
            .select_related("cluster")
            .get(pk=cluster_year.pk)
        )
        old = cluster_year.status
        if status not in ClusterYear.Status.values:
            raise ValidationError(UNKNOWN_STATUS, params={"status": status})
        if status not in CLUSTER_YEAR_TRANSITIONS[old]:
            raise ValidationError(
                TRANSITION_NOT_ALLOWED,
                params={
                    "old": ClusterYear.Status(old).label,
                    "new": ClusterYear.Status(status).label,
                },
            )
        cluster_year.status = status
        cluster_year.save(update_fields=["status"])
        log_action(
            actor=actor,
            action=f"clusters.cluster_year.{'closed' if status == 'closed' else 'reopened'}",
            obj=cluster_year,
            scope_id=cluster_year.cluster.organizer_id,
            data={"status": {"old": old, "new": status}, "reason": reason},
        )
    return cluster_year


# Rotation ---------------------------------------------------------------------------


def rotation_preview(*, cluster_year: ClusterYear, years: int) -> list[dict[str, Any]]:
    """Heads and deputies for the next ``years`` years, following the agreed order.

    The head passes to the next member in the order; the deputy is the member
    after the new head (so this year's deputy usually heads next year). A member
    renamed or merged is carried by its successor; one that no longer exists in a
    year is passed over; the preview stops at a year with fewer than two members.
    """
    members = [m.unit for m in cluster_year.memberships.select_related("unit").order_by("order")]
    ids = [unit.pk for unit in members]
    if len(members) < 2 or cluster_year.head_unit_id not in ids:
        raise ValidationError(ROTATION_NEEDS_ORDER)
    head_position = ids.index(cluster_year.head_unit_id)
    plan = []
    for year in range(cluster_year.year + 1, cluster_year.year + years + 1):
        # (place in the agreed order, the unit that holds it in this year)
        places: list[tuple[int, Unit]] = []
        for position, unit in enumerate(members):
            carried = _carried(unit, year)
            # Merged members hold one place: the first of theirs in the order.
            if carried is not None and all(carried != held for _p, held in places):
                places.append((position, carried))
        if len(places) < 2:
            break
        following = [place for place in places if place[0] > head_position] or places
        index = places.index(following[0])
        head_position, head = places[index]
        deputy = places[(index + 1) % len(places)][1]
        plan.append({"year": year, "head": head, "deputy": deputy})
    return plan


def _carried(unit: Unit, year: int) -> Unit | None:
    """The unit itself if it exists in ``year``, else its only successor that does
    (a renamed unit keeps its place in the rotation)."""
    if unit.is_valid_in_year(year):
        return unit
    successors = [
        successor
        for successor in unit_successors(unit, on=dt.date(year, 12, 31))
        if successor.is_valid_in_year(year)
    ]
    return successors[0] if len(successors) == 1 else None


def _members_carried_into(cluster_year: ClusterYear, year: int) -> list[Unit]:
    members: list[Unit] = []
    for membership in cluster_year.memberships.select_related("unit").order_by("order"):
        unit = _carried(membership.unit, year)
        if unit is not None and unit not in members:
            members.append(unit)
    return members


def rotation_apply_next(*, actor: Any, cluster_year: ClusterYear) -> ClusterYear:
    """Create next year with the same members in the same order and the rotated
    head and deputy (or name them on an existing next year that has no head)."""
    preview = rotation_preview(cluster_year=cluster_year, years=1)
    if not preview:
        raise ValidationError(ROTATION_NEEDS_ORDER)
    plan = preview[0]
    cluster = cluster_year.cluster
    next_year = ClusterYear.objects.filter(cluster=cluster, year=plan["year"]).first()
    if next_year is None:
        return cluster_year_create(
            actor=actor,
            cluster=cluster,
            year=plan["year"],
            members=_members_carried_into(cluster_year, plan["year"]),
            head_unit=plan["head"],
            deputy_unit=plan["deputy"],
            head_selection=ClusterYear.HeadSelection.ROTATION,
        )
    if next_year.head_unit_id:
        raise ValidationError(NEXT_YEAR_HAS_HEAD, params={"year": next_year.year})
    return cluster_year_update(
        actor=actor, cluster_year=next_year, head_unit=plan["head"], deputy_unit=plan["deputy"]
    )


# People -------------------------------------------------------------------------------

PROFILE_FIELDS = ["role", "organizer", "unit", "position", "phone"]


def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str,
    email: str = "",
    role: str,
    organizer: Organizer | None = None,
    unit: Unit | None = None,
    position: str = "",
    phone: str = "",
):  # type: ignore[no-untyped-def]
    user_model = get_user_model()
    if role != Profile.Role.BOARD and unit is None:
        raise ValidationError({"unit": ROLE_NEEDS_UNIT})
    if role == Profile.Role.BOARD:
        unit = None
    else:
        organizer = None
    full_name = nfc(full_name)
    first, _sep, last = full_name.rpartition(" ")
    candidate = user_model(username=username, first_name=first, last_name=last, email=email)
    validate_password(password, user=candidate)
    with transaction.atomic():
        if user_model.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                {"username": ValidationError(USERNAME_TAKEN, params={"username": username})}
            )
        try:
            user = user_model.objects.create_user(
                username=username, password=password, email=email, first_name=first, last_name=last
            )
        except IntegrityError as exc:
            raise ValidationError(
                {"username": ValidationError(USERNAME_TAKEN, params={"username": username})}
            ) from exc
        profile = Profile.objects.create(
            user=user, role=role, organizer=organizer, unit=unit, position=position, phone=phone
        )
        log_action(
            actor=actor,
            action="clusters.user.created",
            obj=user,
            scope_id=profile.home_organizer_id,
            data={
                "new": {
                    "username": username,
                    "full_name": full_name,
                    **snapshot(profile, PROFILE_FIELDS),
                }
            },
        )
    return user


def user_update(
    *, actor: Any, user: Any, full_name: str, email: str, is_active: bool, **profile_fields: Any
):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        _refuse_self_deactivation(actor=actor, user=user, is_active=is_active)
        profile = Profile.objects.select_for_update().get(user=user)
        before = {
            "full_name": user.get_full_name(),
            "email": user.email,
            "is_active": user.is_active,
            **snapshot(profile, PROFILE_FIELDS),
        }
        full_name = nfc(full_name)
        user.first_name, _sep, user.last_name = full_name.rpartition(" ")
        user.email = email
        user.is_active = is_active
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        if profile.role == Profile.Role.BOARD:
            profile.unit = None
        elif profile.unit is None:
            raise ValidationError({"unit": ROLE_NEEDS_UNIT})
        else:
            profile.organizer = None
        user.save(update_fields=["first_name", "last_name", "email", "is_active"])
        profile.save()
        after = {
            "full_name": user.get_full_name(),
            "email": user.email,
            "is_active": user.is_active,
            **snapshot(profile, PROFILE_FIELDS),
        }
        log_action(
            actor=actor,
            action="clusters.user.updated",
            obj=user,
            scope_id=profile.home_organizer_id,
            data=changes(before, after),
        )
    return user


def user_set_password(*, actor: Any, user: Any, password: str) -> None:
    validate_password(password, user=user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log_action(
            actor=actor,
            action="clusters.user.password_set",
            obj=user,
            scope_id=user.profile.home_organizer_id if hasattr(user, "profile") else None,
        )


# People: nobody deactivates their own account ------------------------------------------
# (Checked by ``user_update``: whoever manages accounts must not lock themselves out.)

CANNOT_DEACTIVATE_SELF = _("You cannot deactivate your own account.")


def _refuse_self_deactivation(*, actor: Any, user: Any, is_active: bool) -> None:
    if user.is_active and not is_active and getattr(actor, "pk", None) == user.pk:
        raise ValidationError({"is_active": CANNOT_DEACTIVATE_SELF})
