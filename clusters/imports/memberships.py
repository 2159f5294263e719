"""Importing cluster membership from Excel: one row per (cluster, year, unit).

Each (cluster, year) in the file is created with its members, head and deputy, or,
when it exists, has its members replaced and its head and deputy set — all in one
transaction through ``services.cluster_year_create``, ``cluster_year_set_members``
and ``cluster_year_update``, and nothing at all when any row has an error.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from clusters import services
from clusters.imports import NameIndex, loose
from clusters.models import Cluster, ClusterYear, Membership, Organizer, Unit
from clusters.selectors.units import organizer_units
from core import excel
from core.text import nfc

COLUMNS: dict[str, tuple[str, ...]] = {
    "cluster": ("Cụm thi đua", "Cụm, khối thi đua", "Khối thi đua", "Cụm", "Cluster"),
    "year": ("Năm", "Year"),
    "order": ("Thứ tự", "STT", "Order"),
    "unit": ("Đơn vị", "Đơn vị thành viên", "Unit"),
    "role": ("Vai trò", "Role"),
}
REQUIRED = ("cluster", "year", "unit")
HEAD, DEPUTY = "head", "deputy"
ROLE_SPELLINGS: dict[str, str] = {
    loose(text): role
    for role, texts in {
        HEAD: ("Trưởng cụm", "Cụm trưởng", "Trưởng khối", "Khối trưởng", "Head"),
        DEPUTY: (
            "Phó trưởng cụm",
            "Cụm phó",
            "Phó trưởng khối",
            "Khối phó",
            "Deputy",
            "Deputy head",
        ),
    }.items()
    for text in texts
}
ROLE_LABELS = {HEAD: "Trưởng cụm", DEPUTY: "Phó trưởng cụm"}

MISSING_CLUSTER = _("The cluster is missing.")
UNKNOWN_CLUSTER = _("No cluster called “%(name)s” in this organizer.")
AMBIGUOUS_CLUSTER = _("Several clusters match “%(name)s”; write its full name.")
MISSING_YEAR = _("The year is missing.")
YEAR_NOT_NUMBER = _("The year “%(value)s” is not a number between 2000 and 2100.")
ORDER_NOT_NUMBER = _("The order “%(value)s” is not a whole number.")
MISSING_UNIT = _("The unit is missing.")
UNKNOWN_UNIT = _("No unit called “%(name)s” in the register.")
AMBIGUOUS_UNIT = _("Several units called “%(name)s” existed in %(year)s; write the full name.")
UNKNOWN_ROLE = _("Unknown role “%(value)s”: write “Trưởng cụm”, “Phó trưởng cụm” or nothing.")
UNIT_TWICE_IN_FILE = _("“%(unit)s” is also in row %(row)s for %(year)s.")
DUPLICATE_ORDER = _("Order %(order)s is also used in row %(row)s.")
SECOND_HEAD = _("A second head for this cluster year (the first is in row %(row)s).")
SECOND_DEPUTY = _("A second deputy head for this cluster year (the first is in row %(row)s).")
HEAD_MISSING = _("No row names the head (“Trưởng cụm”) of this cluster year.")
GROUP_REFUSED = _("%(cluster)s — %(year)s: %(error)s")


def read_membership_file(upload: IO[bytes]) -> list[dict[str, Any]]:
    sheet = excel.read_rows(upload, columns=COLUMNS, required=REQUIRED)
    return [
        {"row": number, **{key: excel.text(value) for key, value in row.items()}}
        for number, row in sheet.rows
    ]


@dataclass
class MembershipRow:
    row: int
    cluster_name: str
    year_text: str
    order_text: str
    unit_name: str
    role_text: str
    cluster: Cluster | None = None
    year: int | None = None
    order: int | None = None
    unit: Unit | None = None
    role: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role_text)


@dataclass
class YearGroup:
    """One (cluster, year) of the file and what importing it does."""

    cluster: Cluster
    year: int
    rows: list[MembershipRow] = field(default_factory=list)
    existing: ClusterYear | None = None
    current_members: list[Unit] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def members(self) -> list[Unit]:
        ordered = sorted(self.rows, key=lambda row: (row.order is None, row.order or 0, row.row))
        return [row.unit for row in ordered if row.unit is not None]

    @property
    def head(self) -> Unit | None:
        return next((row.unit for row in self.rows if row.role == HEAD), None)

    @property
    def deputy(self) -> Unit | None:
        return next((row.unit for row in self.rows if row.role == DEPUTY), None)

    @property
    def creates(self) -> bool:
        return self.existing is None

    @property
    def first_row(self) -> int:
        return min(row.row for row in self.rows)

    @property
    def last_row(self) -> int:
        return max(row.row for row in self.rows)


@dataclass
class MembershipImportPlan:
    rows: list[MembershipRow]
    groups: list[YearGroup]

    @property
    def error_rows(self) -> list[MembershipRow]:
        return [row for row in self.rows if row.errors]

    @property
    def error_groups(self) -> list[YearGroup]:
        return [group for group in self.groups if group.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.error_rows or self.error_groups) or not self.rows


class MembershipImportRefused(Exception):
    def __init__(self, plan: MembershipImportPlan) -> None:
        self.plan = plan
        super().__init__("membership import refused")


def _message(message: Any, **params: Any) -> str:
    return str(message) % params if params else str(message)


def _period(unit: Unit) -> str:
    end = f"{unit.valid_to:%d/%m/%Y}" if unit.valid_to else "…"
    return f"{unit.valid_from:%d/%m/%Y} – {end}"


def _whole_number(text: str) -> int | None:
    text = text.strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isascii() and text.isdigit() else None


def _parse(raw: dict[str, Any], clusters: NameIndex[Cluster]) -> MembershipRow:
    row = MembershipRow(
        row=int(raw.get("row") or 0),
        cluster_name=nfc(str(raw.get("cluster", ""))),
        year_text=nfc(str(raw.get("year", ""))),
        order_text=nfc(str(raw.get("order", ""))),
        unit_name=nfc(str(raw.get("unit", ""))),
        role_text=nfc(str(raw.get("role", ""))),
    )
    if not row.cluster_name:
        row.errors.append(_message(MISSING_CLUSTER))
    else:
        found = clusters.find(row.cluster_name)
        if not found:
            row.errors.append(_message(UNKNOWN_CLUSTER, name=row.cluster_name))
        elif len(found) > 1:
            row.errors.append(_message(AMBIGUOUS_CLUSTER, name=row.cluster_name))
        else:
            row.cluster = found[0]
    if not row.year_text:
        row.errors.append(_message(MISSING_YEAR))
    else:
        year = _whole_number(row.year_text)
        if year is None or not 2000 <= year <= 2100:
            row.errors.append(_message(YEAR_NOT_NUMBER, value=row.year_text))
        else:
            row.year = year
    if row.order_text:
        row.order = _whole_number(row.order_text)
        if row.order is None:
            row.errors.append(_message(ORDER_NOT_NUMBER, value=row.order_text))
    if row.role_text:
        row.role = ROLE_SPELLINGS.get(loose(row.role_text), "")
        if not row.role:
            row.errors.append(_message(UNKNOWN_ROLE, value=row.role_text))
    if not row.unit_name:
        row.errors.append(_message(MISSING_UNIT))
    return row


def _match_unit(row: MembershipRow, units: NameIndex[Unit]) -> None:
    found = units.find(row.unit_name)
    if not found:
        row.errors.append(_message(UNKNOWN_UNIT, name=row.unit_name))
        return
    if row.year is None:
        return
    valid = [unit for unit in found if unit.is_valid_in_year(row.year)]
    if len(valid) > 1:
        row.errors.append(_message(AMBIGUOUS_UNIT, name=row.unit_name, year=row.year))
    elif not valid:
        unit = found[-1]
        row.errors.append(
            _message(
                services.UNIT_NOT_VALID_IN_YEAR,
                unit=unit.name,
                year=row.year,
                period=_period(unit),
            )
        )
    else:
        row.unit = valid[0]


def check_membership_rows(
    *, organizer: Organizer, raw_rows: list[dict[str, Any]]
) -> MembershipImportPlan:
    """Every row parsed and matched, grouped by (cluster, year), with the checks
    of rows (names, year, order, role, a unit twice) and of groups (head present,
    one head and one deputy, the year still open)."""
    clusters: NameIndex[Cluster] = NameIndex(
        Cluster.objects.filter(organizer=organizer), name=lambda cluster: cluster.name
    )
    units: NameIndex[Unit] = NameIndex(
        organizer_units(organizer=organizer),
        name=lambda unit: unit.name,
        short_name=lambda unit: unit.short_name,
    )
    rows = [_parse(raw, clusters) for raw in raw_rows]
    for row in rows:
        if row.unit_name:
            _match_unit(row, units)

    groups: dict[tuple[int, int], YearGroup] = {}
    for row in rows:
        if row.cluster is not None and row.year is not None:
            key = (row.cluster.pk, row.year)
            groups.setdefault(key, YearGroup(cluster=row.cluster, year=row.year)).rows.append(row)

    # A unit is in one cluster of the organizer a year, across the whole file.
    placed: dict[tuple[int, int], MembershipRow] = {}
    for row in rows:
        if row.unit is None or row.year is None or row.cluster is None:
            continue
        earlier = placed.setdefault((row.unit.pk, row.year), row)
        if earlier is not row:
            row.errors.append(
                _message(UNIT_TWICE_IN_FILE, unit=row.unit.name, row=earlier.row, year=row.year)
            )

    years = {year for _cluster, year in groups}
    existing = {
        (cluster_year.cluster_id, cluster_year.year): cluster_year
        for cluster_year in ClusterYear.objects.filter(
            cluster__organizer=organizer, year__in=years
        ).select_related("cluster")
    }
    memberships = (
        Membership.objects.filter(organizer=organizer, year__in=years)
        .select_related("unit", "cluster_year__cluster")
        .order_by("cluster_year_id", "order", "pk")
    )
    by_year: dict[int, list[Membership]] = defaultdict(list)
    elsewhere: dict[tuple[int, int], Membership] = {}
    for membership in memberships:
        by_year[membership.cluster_year_id].append(membership)
        key = (membership.cluster_year.cluster_id, membership.year)
        if key not in groups:  # a cluster year the file does not replace
            elsewhere[(membership.unit_id, membership.year)] = membership

    for (cluster_id, year), group in groups.items():
        group.existing = existing.get((cluster_id, year))
        if group.existing is not None:
            group.current_members = [m.unit for m in by_year.get(group.existing.pk, [])]
            if not group.existing.is_open:
                group.errors.append(_message(services.YEAR_CLOSED, year=year))
        orders: dict[int, MembershipRow] = {}
        head_row = deputy_row = None
        for row in group.rows:
            if row.unit is not None and (row.unit.pk, year) in elsewhere:
                other = elsewhere[(row.unit.pk, year)]
                row.errors.append(
                    _message(
                        services.UNIT_IN_OTHER_CLUSTER,
                        unit=row.unit.name,
                        cluster=other.cluster_year.cluster.name,
                        year=year,
                    )
                )
            if row.order is not None:
                first = orders.setdefault(row.order, row)
                if first is not row:
                    row.errors.append(_message(DUPLICATE_ORDER, order=row.order, row=first.row))
            if row.role == HEAD:
                if head_row is None:
                    head_row = row
                else:
                    row.errors.append(_message(SECOND_HEAD, row=head_row.row))
            elif row.role == DEPUTY:
                if deputy_row is None:
                    deputy_row = row
                else:
                    row.errors.append(_message(SECOND_DEPUTY, row=deputy_row.row))
        if head_row is None:
            group.errors.append(_message(HEAD_MISSING))
    ordered = sorted(groups.values(), key=lambda group: (group.cluster.sort_key, group.year))
    return MembershipImportPlan(rows=rows, groups=ordered)


def _refused(group: YearGroup, exc: ValidationError) -> ValidationError:
    return ValidationError(
        GROUP_REFUSED,
        params={"cluster": group.cluster.name, "year": group.year, "error": " ".join(exc.messages)},
    )


def apply_membership_import(
    *, actor: Any, organizer: Organizer, raw_rows: list[dict[str, Any]]
) -> list[ClusterYear]:
    """Write every cluster year of the file, all or none. Raises
    ``MembershipImportRefused`` when the rows (checked again now) have errors."""
    with transaction.atomic():
        # Hold the organizer's clusters still while the file is checked and written.
        Organizer.objects.select_for_update().filter(pk=organizer.pk).first()
        plan = check_membership_rows(organizer=organizer, raw_rows=raw_rows)
        if plan.has_errors:
            raise MembershipImportRefused(plan)
        target = {(unit.pk, group.year): group for group in plan.groups for unit in group.members}
        years: dict[int, ClusterYear] = {}
        # First take out of their current cluster year the units the file moves to
        # another cluster year of the file, so no unit is ever in two at once.
        for group in plan.groups:
            if group.existing is None:
                continue
            leaving = {
                unit.pk
                for unit in group.current_members
                if target.get((unit.pk, group.year), group) is not group
            }
            if not leaving:
                continue
            try:
                cluster_year = group.existing
                cleared = {
                    name: None
                    for name in ("head_unit", "deputy_unit")
                    if getattr(cluster_year, f"{name}_id") in leaving
                }
                if cleared:
                    cluster_year = services.cluster_year_update(
                        actor=actor, cluster_year=cluster_year, **cleared
                    )
                years[cluster_year.pk] = services.cluster_year_set_members(
                    actor=actor,
                    cluster_year=cluster_year,
                    members=[unit for unit in group.current_members if unit.pk not in leaving],
                )
            except ValidationError as exc:
                raise _refused(group, exc) from exc
        written = []
        for group in plan.groups:
            members = group.members
            head, deputy = group.head, group.deputy
            try:
                if group.existing is None:
                    written.append(
                        services.cluster_year_create(
                            actor=actor,
                            cluster=group.cluster,
                            year=group.year,
                            members=members,
                            head_unit=head,
                            deputy_unit=deputy,
                        )
                    )
                    continue
                cluster_year = years.get(group.existing.pk, group.existing)
                member_ids = {unit.pk for unit in members}
                cleared = {
                    name: None
                    for name in ("head_unit", "deputy_unit")
                    if getattr(cluster_year, f"{name}_id") not in member_ids | {None}
                }
                if cleared:
                    cluster_year = services.cluster_year_update(
                        actor=actor, cluster_year=cluster_year, **cleared
                    )
                cluster_year = services.cluster_year_set_members(
                    actor=actor, cluster_year=cluster_year, members=members
                )
                new_deputy_id = deputy.pk if deputy else None
                if (cluster_year.head_unit_id, cluster_year.deputy_unit_id) != (
                    head.pk if head else None,
                    new_deputy_id,
                ):
                    cluster_year = services.cluster_year_update(
                        actor=actor, cluster_year=cluster_year, head_unit=head, deputy_unit=deputy
                    )
                written.append(cluster_year)
            except ValidationError as exc:
                raise _refused(group, exc) from exc
    return written
