"""Importing units from Excel: one row per unit, checked against the register.

Rows travel as plain text dicts (JSON, in the session) from the upload to the
confirmation; ``check_unit_rows`` turns them into a plan with every row's parsed
values and errors, and ``apply_unit_import`` re-checks and writes them all in one
transaction through ``services.unit_create``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clusters import services
from clusters.imports import NameIndex, loose
from clusters.models import Organizer, Unit
from clusters.selectors.units import organizer_units
from core import excel
from core.text import nfc, vi_sort_key

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Tên đơn vị", "Tên", "Name"),
    "kind": ("Loại đơn vị", "Loại", "Kind"),
    "short_name": ("Tên ngắn", "Tên gọi tắt", "Short name"),
    "parent": ("Đơn vị cấp trên", "Parent unit", "Parent"),
    "code": ("Mã đơn vị", "Mã", "Code"),
    "valid_from": ("Hiệu lực từ ngày", "Hiệu lực từ", "Từ ngày", "Valid from"),
    "valid_to": ("Hiệu lực đến ngày", "Hiệu lực đến", "Đến ngày", "Valid to"),
    "leader_title": ("Chức danh lãnh đạo", "Leader's position", "Leader title"),
}
REQUIRED = ("name", "kind")
MAX_LENGTHS = {"name": 200, "short_name": 100, "code": 30, "leader_title": 120}
DEFAULT_VALID_FROM = dt.date(2000, 1, 1)

# Common ways a spreadsheet names a kind, besides its code and its label.
KIND_ALIASES: dict[str, str] = {
    "Sở, ban, ngành": Unit.Kind.PROVINCE_DEPARTMENT,
    "Sở": Unit.Kind.PROVINCE_DEPARTMENT,
    "Huyện": Unit.Kind.DISTRICT,
    "Quận": Unit.Kind.DISTRICT,
    "Thành phố": Unit.Kind.CITY,
    "Thị xã": Unit.Kind.TOWN,
    "Xã": Unit.Kind.COMMUNE,
    "Phường": Unit.Kind.WARD,
    "Đặc khu": Unit.Kind.SPECIAL_ZONE,
    "Đảng, đoàn thể": Unit.Kind.PARTY_BODY,
    "Doanh nghiệp": Unit.Kind.ENTERPRISE,
    "Đơn vị sự nghiệp": Unit.Kind.SCHOOL,
    "Trường học": Unit.Kind.SCHOOL,
    "Khác": Unit.Kind.OTHER,
}

MISSING_NAME = _("The unit name is missing.")
MISSING_KIND = _("The kind is missing.")
UNKNOWN_KIND = _("Unknown kind “%(value)s” (see the sheet of kinds in the template).")
TOO_LONG = _("“%(column)s” is longer than %(limit)s characters.")
DUPLICATE_IN_FILE = _("“%(name)s” is also in row %(row)s.")
PARENT_NOT_FOUND = _(
    "Parent unit “%(name)s” was not found among the current units or the rows above."
)
PARENT_AMBIGUOUS = _("Several units are called “%(name)s”; write the parent's full name.")
PARENT_IS_ROW_ITSELF = _("A unit cannot be its own parent.")
ROW_REFUSED = _("Row %(row)s: %(error)s")


def kind_lookup() -> dict[str, str]:
    """Accent- and case-free spelling → kind code: codes, labels in every
    language, and the common aliases."""
    table: dict[str, str] = {}
    for code, label in Unit.Kind.choices:
        table[loose(code)] = code
        for language in ("vi", "en"):
            with translation.override(language):
                table.setdefault(loose(str(label)), code)
    for alias, code in KIND_ALIASES.items():
        table.setdefault(loose(alias), code)
    return table


def kind_sheet_rows() -> list[tuple[str, str, str]]:
    """(label in Vietnamese, code, other accepted spellings) for the template."""
    aliases: dict[str, list[str]] = {}
    for alias, code in KIND_ALIASES.items():
        aliases.setdefault(code, []).append(alias)
    with translation.override("vi"):
        return [
            (str(label), code, "; ".join(aliases.get(code, [])))
            for code, label in Unit.Kind.choices
        ]


def read_unit_file(upload: IO[bytes]) -> list[dict[str, Any]]:
    """The rows of an uploaded file as JSON-ready dicts of text (dates as dd/mm/yyyy)."""
    sheet = excel.read_rows(upload, columns=COLUMNS, required=REQUIRED)
    return [
        {"row": number, **{key: excel.text(value) for key, value in row.items()}}
        for number, row in sheet.rows
    ]


@dataclass
class UnitRow:
    row: int
    name: str
    kind: str = ""
    kind_text: str = ""
    short_name: str = ""
    parent_name: str = ""
    parent: Unit | None = None
    parent_row: int | None = None
    code: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    leader_title: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(Unit.Kind(self.kind).label) if self.kind else self.kind_text

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


@dataclass
class UnitImportPlan:
    rows: list[UnitRow]

    @property
    def error_rows(self) -> list[UnitRow]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.error_rows) or not self.rows


class UnitImportRefused(Exception):
    """The rows have errors; ``plan`` says which."""

    def __init__(self, plan: UnitImportPlan) -> None:
        self.plan = plan
        super().__init__("unit import refused")


def _overlap(a: UnitRow, b: UnitRow) -> bool:
    start_a, start_b = a.valid_from or DEFAULT_VALID_FROM, b.valid_from or DEFAULT_VALID_FROM
    end_a, end_b = a.valid_to or dt.date.max, b.valid_to or dt.date.max
    return start_a <= end_b and start_b <= end_a


def _message(message: Any, **params: Any) -> str:
    return str(message) % params if params else str(message)


def _parse(raw: dict[str, Any], kinds: dict[str, str]) -> UnitRow:
    row = UnitRow(
        row=int(raw.get("row") or 0),
        name=nfc(str(raw.get("name", ""))),
        kind_text=nfc(str(raw.get("kind", ""))),
        short_name=nfc(str(raw.get("short_name", ""))),
        parent_name=nfc(str(raw.get("parent", ""))),
        code=nfc(str(raw.get("code", ""))),
        leader_title=nfc(str(raw.get("leader_title", ""))),
    )
    if not row.name:
        row.errors.append(_message(MISSING_NAME))
    for key, limit in MAX_LENGTHS.items():
        if len(getattr(row, key)) > limit:
            row.errors.append(_message(TOO_LONG, column=COLUMNS[key][0], limit=limit))
    if not row.kind_text:
        row.errors.append(_message(MISSING_KIND))
    else:
        row.kind = kinds.get(loose(row.kind_text), "")
        if not row.kind:
            row.errors.append(_message(UNKNOWN_KIND, value=row.kind_text))
    for key in ("valid_from", "valid_to"):
        try:
            setattr(row, key, excel.parse_date(raw.get(key, "")))
        except excel.ExcelError as exc:
            row.errors.append(f"{COLUMNS[key][0]}: {exc}")
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        row.errors.append(_message(services.DATES_REVERSED))
    return row


def check_unit_rows(*, organizer: Organizer, raw_rows: list[dict[str, Any]]) -> UnitImportPlan:
    """Every row parsed and checked: name, kind, dates, duplicates in the file and
    in the register, parent among current units or the rows above."""
    kinds = kind_lookup()
    rows = [_parse(raw, kinds) for raw in raw_rows]
    existing = organizer_units(organizer=organizer)
    current = [unit for unit in existing if unit.valid_to is None]
    current_keys = {unit.sort_key for unit in current}
    parents: NameIndex[Unit | UnitRow] = NameIndex(
        current, name=lambda unit: unit.name, short_name=lambda unit: unit.short_name
    )
    seen: dict[str, list[UnitRow]] = {}
    for row in rows:
        if row.name:
            key = vi_sort_key(row.name)
            for earlier in seen.get(key, []):
                if _overlap(earlier, row):
                    row.errors.append(_message(DUPLICATE_IN_FILE, name=row.name, row=earlier.row))
                    break
            seen.setdefault(key, []).append(row)
            if row.is_current and key in current_keys:
                row.errors.append(_message(services.DUPLICATE_UNIT, name=row.name))
        if row.parent_name:
            if row.name and vi_sort_key(row.parent_name) == vi_sort_key(row.name):
                row.errors.append(_message(PARENT_IS_ROW_ITSELF))
            else:
                found = parents.find(row.parent_name)
                if not found:
                    row.errors.append(_message(PARENT_NOT_FOUND, name=row.parent_name))
                elif len(found) > 1:
                    row.errors.append(_message(PARENT_AMBIGUOUS, name=row.parent_name))
                elif isinstance(found[0], Unit):
                    row.parent = found[0]
                else:
                    row.parent_row = found[0].row
        if row.name and row.is_current:
            parents.add(row, row.name, row.short_name)
    return UnitImportPlan(rows=rows)


def apply_unit_import(
    *, actor: Any, organizer: Organizer, raw_rows: list[dict[str, Any]]
) -> list[Unit]:
    """Create every row's unit, all or none. Raises ``UnitImportRefused`` when
    the rows (checked again now) have errors."""
    with transaction.atomic():
        # Hold the organizer's register still while the file is checked and written.
        Organizer.objects.select_for_update().filter(pk=organizer.pk).first()
        plan = check_unit_rows(organizer=organizer, raw_rows=raw_rows)
        if plan.has_errors:
            raise UnitImportRefused(plan)
        created: dict[int, Unit] = {}
        for row in plan.rows:
            parent = row.parent or (created[row.parent_row] if row.parent_row else None)
            try:
                created[row.row] = services.unit_create(
                    actor=actor,
                    organizer=organizer,
                    name=row.name,
                    kind=row.kind,
                    short_name=row.short_name,
                    parent=parent,
                    code=row.code,
                    valid_from=row.valid_from or DEFAULT_VALID_FROM,
                    valid_to=row.valid_to,
                    leader_title=row.leader_title,
                )
            except ValidationError as exc:
                raise ValidationError(
                    ROW_REFUSED, params={"row": row.row, "error": " ".join(exc.messages)}
                ) from exc
    return list(created.values())
