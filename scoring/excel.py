"""A scoring table in Excel: export, and reading an upload back, row by row.

The workbook (``rubric_to_xlsx``):

- sheet "Bảng chấm điểm", one row per criterion in tree order:
  Mã | Mã mục cha | Tiêu đề | Loại | Điểm tối đa | Tham số (JSON) | Chỉ tiêu |
  Bắt buộc minh chứng | Hướng dẫn. "Loại" is the type's code (manual, pass_fail,
  target_ratio, relative_leader, per_occurrence, bonus, deduction, group; the type's
  name in Vietnamese or English is read too). "Tham số (JSON)" holds the parameters
  beside the maximum, e.g. {"points_each": "5.00"} (empty when there are none);
  "Chỉ tiêu" the covenant target's indicator; "Bắt buộc minh chứng" x or empty.
- sheet "Cài đặt": Mục | Giá trị with Tổng điểm, Điểm thưởng tối đa, Điểm trừ tối đa.
- sheet "Loại tiêu chí": the types and their parameters, for whoever fills the sheet in.

User text is written as text, never as a formula (``core.excel.write_cell``).

Reading (``parse_rubric_xlsx``) is pure: no database. The upload is checked first
(size cap ``settings.MAX_UPLOAD_BYTES``, a real .xlsx by its content, no zip bomb;
``core.excel``); a file that cannot be read at all raises ``ValidationError``
({"file": [message]}). Everything wrong inside it comes back as ``row_errors``, each
with its sheet row number, and nothing of such a file may be saved:
``scoring.services.rubrics.rubric_import`` refuses a parse with any row error and
links the targets by indicator (that needs the database).

``ParsedRubric`` is a named tuple (nodes, settings, row_errors) and travels in the
session between the preview and the confirmation as JSON (``to_json`` /
``from_json``).
"""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import IO, Any, NamedTuple
from xml.etree.ElementTree import ParseError

from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core import excel
from core.text import fold
from scoring import formulas
from scoring.models import CriterionKind, Rubric
from scoring.selectors.rubrics import maximum_param, params_extras, rubric_criteria, stored_params
from scoring.services.criteria import CODE_LIMIT, TITLE_LIMIT, clean_text, parse_points
from scoring.services.messages import (
    GROUP_HAS_NO_PARAMS,
    IMPORT_BAD_JSON,
    IMPORT_CIRCULAR,
    IMPORT_CODE_EMPTY,
    IMPORT_CODE_TOO_LONG,
    IMPORT_CODE_TWICE,
    IMPORT_JSON_NOT_OBJECT,
    IMPORT_KIND_UNKNOWN,
    IMPORT_NEGATIVE,
    IMPORT_NO_ROWS,
    IMPORT_NOT_A_NUMBER,
    IMPORT_OWN_PARENT,
    IMPORT_PARAMS,
    IMPORT_PARENT_NOT_GROUP,
    IMPORT_SCALE_NOT_POSITIVE,
    IMPORT_SETTING_UNKNOWN,
    IMPORT_TITLE_EMPTY,
    IMPORT_TITLE_TOO_LONG,
    IMPORT_TOO_LARGE,
    IMPORT_TOO_MANY_DECIMALS,
    IMPORT_UNKNOWN_PARENT,
    IMPORT_YES_NO,
    MAX_NOT_POSITIVE,
    ROW_ERROR,
    SHEET_ROW_ERROR,
)
from scoring.validation import Node

SHEET_CRITERIA = "Bảng chấm điểm"
SHEET_SETTINGS = "Cài đặt"
SHEET_KINDS = "Loại tiêu chí"

CODE, PARENT, TITLE, KIND, MAX, PARAMS, TARGET, EVIDENCE, GUIDANCE = (
    "code", "parent", "title", "kind", "max_points", "params", "target", "evidence", "guidance",
)  # fmt: skip
# Column key → header texts read (the first is written), compared accent- and case-free.
COLUMNS: dict[str, tuple[str, ...]] = {
    CODE: ("Mã", "Code", "Mã tiêu chí"),
    PARENT: ("Mã mục cha", "Parent code", "Mục cha"),
    TITLE: ("Tiêu đề", "Title", "Tên tiêu chí", "Nội dung"),
    KIND: ("Loại", "Type", "Loại tiêu chí"),
    MAX: ("Điểm tối đa", "Maximum points", "Điểm chuẩn"),
    PARAMS: ("Tham số (JSON)", "Parameters (JSON)", "Tham số"),
    TARGET: ("Chỉ tiêu", "Target"),
    EVIDENCE: ("Bắt buộc minh chứng", "Evidence required", "Minh chứng"),
    GUIDANCE: ("Hướng dẫn", "Guidance", "Hướng dẫn chấm"),
}
REQUIRED = (CODE, TITLE, KIND, MAX)
SETTINGS: dict[str, tuple[str, ...]] = {
    "scale_total": ("Tổng điểm", "Total points"),
    "bonus_cap": ("Điểm thưởng tối đa", "Bonus cap"),
    "deduction_cap": ("Điểm trừ tối đa", "Deduction cap"),
}
SETTINGS_HEADERS = ("Mục", "Giá trị")
WIDTHS = [10, 12, 60, 16, 12, 30, 40, 12, 60]
_YES = {"x", "co", "yes", "y", "1", "true", "v", "✓", "√"}
_NO = {"", "khong", "no", "n", "0", "false"}


# The parsed file ------------------------------------------------------------------------


@dataclass
class RubricRow(Node):
    """One criterion read from the sheet (a ``scoring.validation.Node`` plus the rest).

    ``params`` are stored-form parameters (the maximum included, as the services
    store them); ``target_indicator`` is the covenant target's indicator, linked on
    import."""

    row: int = 0
    guidance: str = ""
    evidence_required: bool = False
    target_indicator: str = ""

    def __post_init__(self) -> None:
        self.has_target = bool(self.target_indicator)


@dataclass
class RubricSettings:
    scale_total: Decimal
    bonus_cap: Decimal = Decimal(0)
    deduction_cap: Decimal = Decimal(0)


@dataclass
class RowError:
    row: int
    message: str
    sheet: str = SHEET_CRITERIA

    def __str__(self) -> str:
        if self.sheet and self.sheet != SHEET_CRITERIA:
            params = {"sheet": self.sheet, "row": self.row, "message": self.message}
            return str(SHEET_ROW_ERROR % params)
        return str(ROW_ERROR % {"row": self.row, "message": self.message})


class ParsedRubric(NamedTuple):
    nodes: list[RubricRow]
    settings: RubricSettings | None
    row_errors: list[RowError]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (numbers as strings), for the session between preview and import."""
        return {
            "nodes": [
                {
                    item.name: str(getattr(node, item.name))
                    if isinstance(getattr(node, item.name), Decimal)
                    else getattr(node, item.name)
                    for item in fields(RubricRow)
                }
                for node in self.nodes
            ],
            "settings": (
                {key: str(value) for key, value in vars(self.settings).items()}
                if self.settings
                else None
            ),
            "row_errors": [vars(error) for error in self.row_errors],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParsedRubric:
        nodes = []
        for item in data.get("nodes", []):
            values = dict(item)
            values.pop("has_target", None)
            values["max_points"] = Decimal(values["max_points"])
            nodes.append(RubricRow(**values))
        settings = data.get("settings")
        return cls(
            nodes=nodes,
            settings=(
                RubricSettings(**{key: Decimal(value) for key, value in settings.items()})
                if settings
                else None
            ),
            row_errors=[RowError(**error) for error in data.get("row_errors", [])],
        )


# Export ---------------------------------------------------------------------------------


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _params_cell(kind: str, params: dict[str, Any]) -> str:
    extras = params_extras(kind, params)
    return json.dumps(extras, ensure_ascii=False) if extras else ""


def _kind_rows() -> list[list[str]]:
    rows = []
    for choice in CriterionKind:
        if choice == CriterionKind.GROUP:
            names = ""
        else:
            maximum = maximum_param(choice)
            names = ", ".join(
                item.name for item in fields(formulas.params_class(choice)) if item.name != maximum
            )
        rows.append([choice.value, str(choice.label), names])
    return rows


def rubric_to_xlsx(rubric: Rubric) -> bytes:
    """The workbook of a rubric (see the module docstring)."""
    criteria = rubric_criteria(rubric)
    rows = [
        [
            item.code,
            item.parent_code or "",
            item.title,
            item.kind,
            _number(item.max_points),
            _params_cell(item.kind, item.params or {}),
            item.target.indicator if item.target_id else "",
            "x" if item.evidence_required else "",
            item.guidance,
        ]
        for item in criteria
    ]
    settings_rows = [
        [SETTINGS["scale_total"][0], _number(rubric.scale_total)],
        [SETTINGS["bonus_cap"][0], _number(rubric.bonus_cap)],
        [SETTINGS["deduction_cap"][0], _number(rubric.deduction_cap)],
    ]
    return excel.build_workbook(
        [
            excel.SheetSpec(
                title=SHEET_CRITERIA,
                headers=[texts[0] for texts in COLUMNS.values()],
                rows=rows,
                widths=WIDTHS,
            ),
            excel.SheetSpec(
                title=SHEET_SETTINGS, headers=SETTINGS_HEADERS, rows=settings_rows, widths=[28, 14]
            ),
            excel.SheetSpec(
                title=SHEET_KINDS,
                headers=("Loại", "Tên", "Tham số (JSON)"),
                rows=_kind_rows(),
                widths=[18, 50, 60],
            ),
        ]
    )


def rubric_filename(rubric: Rubric) -> str:
    """An ASCII file name for the download: bang-cham-diem-2023-v2.xlsx."""
    year = rubric.cluster_year.year if rubric.cluster_year_id else "mau"
    suffix = f"-v{rubric.version}" if rubric.version > 1 else ""
    return f"bang-cham-diem-{year}{suffix}.xlsx"


# Reading --------------------------------------------------------------------------------


def _file_error(message: Any) -> ValidationError:
    return ValidationError({"file": [ValidationError(str(message))]})


def _open_workbook(upload: IO[bytes]) -> Any:
    try:
        data = excel._read_upload(upload)  # the shared size cap and content checks
        excel._check_xlsx(data)
    except excel.ExcelError as exc:
        raise _file_error(exc) from exc
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        ParseError,
    ) as exc:
        raise _file_error(excel.FILE_NOT_XLSX) from exc


def _sheet(workbook: Any, name: str, *, first: bool) -> Any:
    wanted = excel.header_key(name)
    for sheet in workbook.worksheets:
        if excel.header_key(sheet.title) == wanted:
            return sheet
    if first and workbook.worksheets:
        return workbook.worksheets[0]
    return None


def _rows(sheet: Any) -> list[tuple[int, list[Any]]]:
    """(Excel row number, raw cell values) of the non-empty rows, at most MAX_ROWS."""
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not any(value not in (None, "") and str(value).strip() for value in values):
            continue
        rows.append((number, list(values)))
        if len(rows) > excel.MAX_ROWS:
            limit = f"{excel.MAX_ROWS:,}".replace(",", ".")
            raise _file_error(excel.FILE_TOO_MANY_ROWS % {"limit": limit})
    return rows


def _kind_names() -> dict[str, str]:
    """What a "Loại" cell may say → the kind: its code, or its name in vi or en."""
    names: dict[str, str] = {}
    for language in ("en", "vi"):
        with translation.override(language):
            for choice in CriterionKind:
                names[excel.header_key(str(choice.label))] = choice.value
    for choice in CriterionKind:
        names[excel.header_key(choice.value)] = choice.value
    return names


def _points(value: Any, column: str, errors: list[str]) -> Decimal | None:
    """A number cell; None (with a message in ``errors``) when it is not usable."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
    if value in (None, ""):
        return Decimal(0)
    try:
        number = parse_points(value)
    except ValidationError as exc:
        message = {
            "decimals": IMPORT_TOO_MANY_DECIMALS,
            "too_large": IMPORT_TOO_LARGE,
        }.get(exc.code or "", IMPORT_NOT_A_NUMBER)
        errors.append(str(message % {"value": value, "column": column}))
        return None
    if number < 0:
        errors.append(str(IMPORT_NEGATIVE % {"column": column}))
        return None
    return number


def _yes_no(value: Any, column: str, errors: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    key = fold(excel.text(value)).strip()
    if key in _YES:
        return True
    if key not in _NO:
        errors.append(str(IMPORT_YES_NO % {"value": excel.text(value), "column": column}))
    return False


def _params(raw: Any, kind: str | None, maximum: Decimal | None, errors: list[str]) -> dict:
    text = unicodedata.normalize("NFC", str(raw if raw is not None else "")).strip()
    data: Any = {}
    if text:
        try:
            data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
        except ValueError as exc:
            errors.append(str(IMPORT_BAD_JSON % {"error": getattr(exc, "msg", str(exc))}))
            return {}
        if not isinstance(data, dict):
            errors.append(str(IMPORT_JSON_NOT_OBJECT))
            return {}
    if kind is None or maximum is None:
        return {}
    if kind == CriterionKind.GROUP:
        if data:
            errors.append(str(GROUP_HAS_NO_PARAMS))
        return {}
    if maximum == 0:
        errors.append(str(MAX_NOT_POSITIVE))
        return {}
    try:
        return stored_params(kind, maximum, data)
    except formulas.InvalidParameters as exc:
        errors.extend(str(IMPORT_PARAMS % {"error": message}) for message in exc.messages)
        return {}


def check_rows(nodes: list[RubricRow]) -> list[RowError]:
    """The rules between rows: codes present, short and unique; parents present,
    sections or groups, and no circle. Pure; run on parse and again on import."""
    errors: list[RowError] = []
    first_row: dict[str, RubricRow] = {}
    for node in nodes:
        if not node.code:
            errors.append(RowError(node.row, str(IMPORT_CODE_EMPTY)))
        elif len(node.code) > CODE_LIMIT:
            message = str(IMPORT_CODE_TOO_LONG % {"code": node.code, "limit": CODE_LIMIT})
            errors.append(RowError(node.row, message))
        elif node.code in first_row:
            errors.append(
                RowError(
                    node.row,
                    str(IMPORT_CODE_TWICE % {"code": node.code, "other": first_row[node.code].row}),
                )
            )
        else:
            first_row[node.code] = node
        if not node.title:
            errors.append(RowError(node.row, str(IMPORT_TITLE_EMPTY)))
        elif len(node.title) > TITLE_LIMIT:
            errors.append(RowError(node.row, str(IMPORT_TITLE_TOO_LONG % {"limit": TITLE_LIMIT})))
    for node in nodes:
        parent_code = node.parent_code
        if not parent_code:
            continue
        if parent_code == node.code:
            errors.append(RowError(node.row, str(IMPORT_OWN_PARENT % {"code": node.code})))
            continue
        parent = first_row.get(parent_code)
        if parent is None:
            errors.append(RowError(node.row, str(IMPORT_UNKNOWN_PARENT % {"parent": parent_code})))
        elif parent.kind != CriterionKind.GROUP:
            errors.append(
                RowError(
                    node.row,
                    str(IMPORT_PARENT_NOT_GROUP % {"parent": parent_code, "other": parent.row}),
                )
            )
    for node in nodes:  # circles: a node whose parents lead back to it
        if first_row.get(node.code) is not node:
            continue
        seen = {node.code}
        parent = first_row.get(node.parent_code or "")
        while parent is not None and parent.parent_code != parent.code:
            if parent.code in seen:
                errors.append(RowError(node.row, str(IMPORT_CIRCULAR % {"code": node.code})))
                break
            seen.add(parent.code)
            parent = first_row.get(parent.parent_code or "")
    errors.sort(key=lambda error: error.row)
    return errors


def _read_criteria(sheet: Any, row_errors: list[RowError]) -> list[RubricRow]:
    rows = _rows(sheet)
    if not rows:
        raise _file_error(IMPORT_NO_ROWS % {"sheet": sheet.title})
    _header_row, header = rows[0]
    aliases = {excel.header_key(text): key for key, texts in COLUMNS.items() for text in texts}
    positions = {
        aliases[excel.header_key(cell)]: index
        for index, cell in enumerate(header)
        if excel.header_key(cell) in aliases
    }
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise _file_error(excel.FILE_MISSING_COLUMNS % {"columns": ", ".join(missing)})
    if len(rows) == 1:
        raise _file_error(IMPORT_NO_ROWS % {"sheet": sheet.title})
    kinds = _kind_names()
    kinds_list = list(CriterionKind)
    nodes = []
    for number, values in rows[1:]:

        def cell(key: str, values: list[Any] = values) -> Any:
            index = positions.get(key)
            return values[index] if index is not None and index < len(values) else None

        errors: list[str] = []
        kind_text = excel.text(cell(KIND))
        kind = kinds.get(excel.header_key(kind_text))
        if kind is None:
            errors.append(
                str(
                    IMPORT_KIND_UNKNOWN
                    % {
                        "value": kind_text,
                        "kinds": ", ".join(choice.value for choice in kinds_list),
                    }
                )
            )
        maximum = _points(cell(MAX), COLUMNS[MAX][0], errors)
        params = _params(cell(PARAMS), kind, maximum, errors)
        evidence = _yes_no(cell(EVIDENCE), COLUMNS[EVIDENCE][0], errors)
        row_errors.extend(RowError(number, message) for message in errors)
        nodes.append(
            RubricRow(
                code=excel.text(cell(CODE)),
                title=excel.text(cell(TITLE)),
                kind=kind or "",
                max_points=maximum if maximum is not None else Decimal(0),
                parent_code=excel.text(cell(PARENT)) or None,
                params=params,
                row=number,
                guidance=clean_text(cell(GUIDANCE) if cell(GUIDANCE) is not None else ""),
                evidence_required=evidence,
                target_indicator=excel.text(cell(TARGET)),
            )
        )
    return nodes


def _read_settings(sheet: Any, row_errors: list[RowError]) -> RubricSettings | None:
    labels = {excel.header_key(text): key for key, texts in SETTINGS.items() for text in texts}
    skip = {excel.header_key(text) for text in SETTINGS_HEADERS} | {"muc", "item"}
    values: dict[str, Decimal] = {}
    for number, cells in _rows(sheet):
        label = excel.header_key(cells[0] if cells else "")
        if label in skip:
            continue
        key = labels.get(label)
        if key is None:
            message = str(IMPORT_SETTING_UNKNOWN % {"value": excel.text(cells[0])})
            row_errors.append(RowError(number, message, sheet.title))
            continue
        errors: list[str] = []
        value = _points(cells[1] if len(cells) > 1 else None, SETTINGS[key][0], errors)
        if value is not None and key == "scale_total" and value <= 0:
            errors.append(str(IMPORT_SCALE_NOT_POSITIVE))
        row_errors.extend(RowError(number, message, sheet.title) for message in errors)
        if not errors and value is not None:
            values[key] = value
    if "scale_total" not in values:
        return None
    return RubricSettings(**values)


def parse_rubric_xlsx(upload: IO[bytes]) -> ParsedRubric:
    """Read an uploaded workbook (see the module docstring). Raises ``ValidationError``
    for a file that is not a readable .xlsx within the size cap, or that lacks the
    criteria sheet's required columns; returns every row problem in ``row_errors``."""
    workbook = _open_workbook(upload)
    try:
        row_errors: list[RowError] = []
        try:
            criteria_sheet = _sheet(workbook, SHEET_CRITERIA, first=True)
            if criteria_sheet is None:
                raise _file_error(excel.FILE_EMPTY)
            nodes = _read_criteria(criteria_sheet, row_errors)
            settings_sheet = _sheet(workbook, SHEET_SETTINGS, first=False)
            settings = _read_settings(settings_sheet, row_errors) if settings_sheet else None
        except (KeyError, ValueError, TypeError, ParseError, zipfile.BadZipFile) as exc:
            raise _file_error(excel.FILE_NOT_XLSX) from exc
        row_errors.extend(check_rows(nodes))
        row_errors.sort(key=lambda error: (error.sheet != SHEET_CRITERIA, error.sheet, error.row))
        return ParsedRubric(nodes=nodes, settings=settings, row_errors=row_errors)
    finally:
        workbook.close()


def nodes_from_rows(nodes: list[RubricRow]) -> list[Node]:
    """Plain validation nodes (for a preview's problems list and running totals)."""
    return [
        Node(
            code=node.code,
            title=node.title,
            kind=node.kind,
            max_points=node.max_points,
            parent_code=node.parent_code,
            has_target=node.has_target,
            params=node.params,
        )
        for node in nodes
    ]
