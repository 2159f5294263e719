"""Targets from Excel: the template to fill in, reading an upload, checking its rows,
and replacing the covenant's targets with a clean file in one transaction.

The sheet: Chỉ tiêu | Đơn vị tính | Đưa vào chấm điểm | one column per member unit
(named as the unit, in the agreed order). The upload is read once (``core.excel``:
size cap, a real .xlsx, defused XML) into plain JSON-able rows that wait in the
session between the preview and the confirmation, and are checked again then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clusters.models import Membership
from core import excel
from core.text import fold, nfc, vi_number
from covenants.models import Covenant
from covenants.selectors.drafting import TargetRow
from covenants.services.drafting import TargetInput, parse_vi_decimal, targets_replace
from covenants.services.messages import (
    IMPORT_EMPTY_INDICATOR,
    IMPORT_NO_ROWS,
    IMPORT_UNKNOWN_UNIT_COLUMN,
)
from covenants.services.warnings import CovenantWarning, TargetData, target_warnings

INDICATOR, MEASURE, SCORING = "indicator", "measure", "scoring"
COLUMNS: dict[str, tuple[str, ...]] = {
    INDICATOR: ("Chỉ tiêu", "Indicator", "Tên chỉ tiêu"),
    MEASURE: ("Đơn vị tính", "Unit of measure", "ĐVT"),
    SCORING: ("Đưa vào chấm điểm", "Carried into scoring", "Chấm điểm"),
}
_YES = {"x", "co", "yes", "y", "1", "true", "dung", "v", "✓", "√"}
_NO = {"", "khong", "no", "n", "0", "false", "sai"}
# Numbers from a spreadsheet may carry float noise (33.333333…): keep four decimals.
_EXCEL_DECIMALS = 4

INDICATOR_TWICE = _("The indicator “%(indicator)s” is also in row %(row)s.")
SCORING_UNKNOWN = _("“%(value)s” in “Đưa vào chấm điểm”: write x (yes) or leave it empty.")
VALUE_ERROR = _("%(unit)s: %(error)s")


def _unit_key(membership: Membership) -> str:
    return f"unit_{membership.unit_id}"


def _columns(members: list[Membership]) -> dict[str, tuple[str, ...]]:
    columns = dict(COLUMNS)
    for membership in members:
        unit = membership.unit
        names = [unit.name] + ([unit.short_name] if unit.short_name else [])
        columns[_unit_key(membership)] = tuple(names)
    return columns


# The template -------------------------------------------------------------------------


def _cell_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def template_workbook(*, members: list[Membership], targets: list[TargetRow]) -> bytes:
    """The sheet to fill in, with the current targets and values already in it."""
    headers = [COLUMNS[INDICATOR][0], COLUMNS[MEASURE][0], COLUMNS[SCORING][0]] + [
        membership.unit.name for membership in members
    ]
    rows = [
        [
            row.target.indicator,
            row.target.measure,
            "x" if row.target.carried_into_scoring else "",
            *[_cell_number(value) for value in row.cells],
        ]
        for row in targets
    ]
    return excel.build_workbook(
        [
            excel.SheetSpec(
                title="Chỉ tiêu",
                headers=headers,
                rows=rows,
                widths=[50, 14, 12] + [18] * len(members),
            )
        ]
    )


# Reading ----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A value cell as text the grid's number parser reads (decimal comma)."""
    value = excel.clean_value(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return vi_number(round(Decimal(str(value)), _EXCEL_DECIMALS))
    return excel.text(value)


def read_targets_file(upload: IO[bytes], *, members: list[Membership]) -> dict[str, Any]:
    """The first sheet as {"unknown_columns": [...], "rows": [{row, indicator, measure,
    scoring, values: {unit id: text}}]}; raises ``excel.ExcelError`` for a file that
    cannot be read at all."""
    columns = _columns(members)
    sheet = excel.read_rows(upload, columns=columns, required=(INDICATOR,))
    known = {excel.header_key(text) for texts in columns.values() for text in texts}
    unknown = [
        header for header in sheet.headers if header and excel.header_key(header) not in known
    ]
    rows = []
    for number, row in sheet.rows:
        scoring = row[SCORING]
        rows.append(
            {
                "row": number,
                INDICATOR: excel.text(row[INDICATOR]),
                MEASURE: excel.text(row[MEASURE]),
                SCORING: ("x" if scoring else "")
                if isinstance(scoring, bool)
                else excel.text(scoring),
                "values": {
                    str(membership.unit_id): _cell_text(row[_unit_key(membership)])
                    for membership in members
                },
            }
        )
    return {"unknown_columns": unknown, "rows": rows}


# Checking ---------------------------------------------------------------------------------


@dataclass
class ImportRow:
    row: int
    indicator: str
    measure: str
    scoring_text: str
    raw_values: list[str]  # in member order
    scoring: bool = False
    values: list[Decimal | None] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class TargetImportPlan:
    members: list[Membership]
    rows: list[ImportRow]
    file_errors: list[str]
    warnings: list[CovenantWarning]

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.error_rows) or not self.rows

    def target_inputs(self) -> list[TargetInput]:
        return [
            TargetInput(
                key=f"row{row.row}",
                indicator=row.indicator,
                measure=row.measure,
                carried_into_scoring=row.scoring,
                values={
                    membership.unit_id: value
                    for membership, value in zip(self.members, row.values, strict=True)
                },
            )
            for row in self.rows
        ]


def _parse_scoring(text: str) -> bool | None:
    folded = fold(text).strip()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def check_target_rows(
    *, covenant: Covenant, members: list[Membership], data: dict[str, Any]
) -> TargetImportPlan:
    """Every row with what was read and its errors; the warnings the import would bring."""
    year = covenant.cluster_year.year
    file_errors = [
        str(IMPORT_UNKNOWN_UNIT_COLUMN) % {"column": column, "year": year}
        for column in data.get("unknown_columns", [])
    ]
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for raw in data.get("rows", []):
        raw_values = raw.get("values", {})
        row = ImportRow(
            row=int(raw.get("row") or 0),
            indicator=nfc(str(raw.get(INDICATOR, ""))),
            measure=nfc(str(raw.get(MEASURE, ""))),
            scoring_text=nfc(str(raw.get(SCORING, ""))),
            raw_values=[str(raw_values.get(str(m.unit_id), "")) for m in members],
        )
        if not row.indicator:
            row.errors.append(str(IMPORT_EMPTY_INDICATOR))
        else:
            folded = fold(row.indicator)
            if folded in seen:
                row.errors.append(
                    str(INDICATOR_TWICE) % {"indicator": row.indicator, "row": seen[folded]}
                )
            else:
                seen[folded] = row.row
        scoring = _parse_scoring(row.scoring_text)
        if scoring is None:
            row.errors.append(str(SCORING_UNKNOWN) % {"value": row.scoring_text})
        row.scoring = bool(scoring)
        for membership, text in zip(members, row.raw_values, strict=True):
            try:
                row.values.append(parse_vi_decimal(text))
            except ValidationError as exc:
                row.values.append(None)
                row.errors.append(
                    str(VALUE_ERROR)
                    % {"unit": membership.unit.name, "error": " ".join(exc.messages)}
                )
        rows.append(row)
    if not rows:
        file_errors.append(str(IMPORT_NO_ROWS))
    warnings = target_warnings(
        [
            TargetData(
                indicator=row.indicator,
                values={m.unit_id: v for m, v in zip(members, row.values, strict=True)},
            )
            for row in rows
            if not row.errors
        ],
        [(m.unit_id, m.unit.name) for m in members],
    )
    return TargetImportPlan(members=members, rows=rows, file_errors=file_errors, warnings=warnings)


class TargetImportRefused(Exception):
    def __init__(self, plan: TargetImportPlan) -> None:
        self.plan = plan
        super().__init__("target import refused")


def apply_target_import(
    *, actor: Any, covenant: Covenant, members: list[Membership], data: dict[str, Any]
) -> list[Any]:
    """Check the rows again and replace all targets; nothing at all on any error.

    The person has seen the warnings in the preview, so confirming is the consent.
    """
    plan = check_target_rows(covenant=covenant, members=members, data=data)
    if plan.has_errors:
        raise TargetImportRefused(plan)
    return targets_replace(
        actor=actor, covenant=covenant, rows=plan.target_inputs(), confirm_warnings=True
    )
