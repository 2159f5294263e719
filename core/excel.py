"""Reading uploaded .xlsx files safely and writing workbooks that stay data.

Reading: the upload is checked before openpyxl sees it (size cap, a real
Office Open XML spreadsheet by its zip content rather than its name, no zip bomb),
then read in read-only, values-only mode (``defusedxml`` is installed, so
openpyxl parses the XML with it). Every text cell comes back in NFC.

Writing: user text is always written as a string cell. openpyxl turns any string
starting with "=" into a formula, and spreadsheet programs run "+", "-" and "@"
too, so every string cell is forced back to the string type and quote-prefixed.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from core.text import fold, nfc

MAX_ROWS = 5000
# A spreadsheet compresses well, but not a thousandfold: refuse anything that
# would unpack to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# A DTD can only come before the root element: the start of each part is enough.
_DTD_WINDOW = 64 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WORKBOOK_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")

FILE_TOO_LARGE = _("The file is too large: at most %(limit)s MB.")
FILE_NOT_XLSX = _("This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again.")
FILE_TOO_MANY_ROWS = _("The file has more than %(limit)s rows; split it into smaller files.")
FILE_EMPTY = _("The first sheet of the file has no rows.")
FILE_MISSING_COLUMNS = _("The header row is missing the column(s): %(columns)s.")
BAD_DATE = _("“%(value)s” is not a date (write it as dd/mm/yyyy).")


class ExcelError(Exception):
    """A file the user must fix; ``message`` is ready to show (translated lazily)."""

    def __init__(self, message: Any, params: dict[str, Any] | None = None) -> None:
        self.message = message
        self.params = params or {}
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


@dataclass
class SheetRows:
    """The rows of one sheet: ``rows`` holds (Excel row number, {column key: value})."""

    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}".replace(".", ",")


def _read_upload(upload: IO[bytes]) -> bytes:
    limit = settings.MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ExcelError(FILE_TOO_LARGE, {"limit": _mb(limit)})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ExcelError(FILE_TOO_LARGE, {"limit": _mb(limit)})
    return data


def _check_xlsx(data: bytes) -> None:
    """A real .xlsx: a zip with a spreadsheet workbook inside (not .xlsm, not a
    renamed text or .xls file), which does not unpack to an absurd size."""
    if not data.startswith(b"PK\x03\x04"):
        raise ExcelError(FILE_NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise ExcelError(FILE_NOT_XLSX)
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ExcelError(FILE_TOO_LARGE, {"limit": _mb(settings.MAX_UPLOAD_BYTES)})
            with archive.open("[Content_Types].xml") as types:
                content_types = types.read(1024 * 1024)
            for name in names:
                with archive.open(name) as part:
                    head = part.read(_DTD_WINDOW).replace(b"\0", b"").lower()
                    # Every part inflates and matches its checksum (within the size
                    # above), so openpyxl never meets a damaged one half-way.
                    while part.read(1024 * 1024):
                        pass
                # Office never writes a DTD; one in an upload is there for entity
                # tricks (billion laughs, external entities): refuse the file. (The
                # NULs go first so that a part in UTF-16 is read the same way.)
                if b"<!doctype" in head or b"<!entity" in head:
                    raise ExcelError(FILE_NOT_XLSX)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        RuntimeError,  # an encrypted part
        zlib.error,  # a damaged compressed part
    ) as exc:
        raise ExcelError(FILE_NOT_XLSX) from exc
    if _WORKBOOK_MAIN_TYPE not in content_types:
        raise ExcelError(FILE_NOT_XLSX)


def clean_value(value: Any) -> Any:
    """Text in NFC with white space collapsed ("" for an empty cell); whole
    numbers as int; dates as ``datetime.date``; anything else unchanged."""
    if value is None:
        return ""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def header_key(text: Any) -> str:
    """How a header is compared: accent-free, case-free, single spaces."""
    return " ".join(fold(str(text or "")).replace("*", " ").split())


def read_rows(
    upload: IO[bytes],
    *,
    columns: dict[str, Sequence[str]],
    required: Iterable[str] = (),
    max_rows: int = MAX_ROWS,
) -> SheetRows:
    """The data rows of the first sheet, keyed by column.

    ``columns`` maps a key to the header texts accepted for it (compared accent-
    and case-free, in any column order). Blank rows are skipped; row numbers are
    Excel's, so the header row is 1 and the first data row 2.
    """
    data = _read_upload(upload)
    _check_xlsx(data)
    aliases = {header_key(text): key for key, texts in columns.items() for text in texts}
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        ParseError,
    ) as exc:
        raise ExcelError(FILE_NOT_XLSX) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ExcelError(FILE_EMPTY)
        result: SheetRows | None = None
        positions: dict[int, str] = {}
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [clean_value(value) for value in values]
                if not any(cell != "" for cell in cells):
                    continue
                if result is None:
                    positions = {
                        index: aliases[header_key(cell)]
                        for index, cell in enumerate(cells)
                        if header_key(cell) in aliases
                    }
                    result = SheetRows(headers=[str(cell) for cell in cells])
                    missing = [columns[key][0] for key in required if key not in positions.values()]
                    if missing:
                        raise ExcelError(FILE_MISSING_COLUMNS, {"columns": ", ".join(missing)})
                    continue
                if len(result.rows) >= max_rows:
                    raise ExcelError(
                        FILE_TOO_MANY_ROWS, {"limit": f"{max_rows:,}".replace(",", ".")}
                    )
                row = dict.fromkeys(columns, "")
                for index, key in positions.items():
                    if index < len(cells):
                        row[key] = cells[index]
                result.rows.append((number, row))
        except (KeyError, ValueError, TypeError, ParseError, zipfile.BadZipFile) as exc:
            raise ExcelError(FILE_NOT_XLSX) from exc
        if result is None:
            raise ExcelError(FILE_EMPTY)
        return result
    finally:
        workbook.close()


def text(value: Any) -> str:
    """A cell as text: dates as dd/mm/yyyy, whole numbers without ".0"."""
    value = clean_value(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def parse_date(value: Any) -> dt.date | None:
    """A real Excel date, or text "dd/mm/yyyy" (also "yyyy-mm-dd"); None when
    empty. Raises ``ExcelError`` for anything else."""
    value = clean_value(value)
    if value == "":
        return None
    if isinstance(value, dt.date):
        return value
    raw = str(value).strip()
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ExcelError(BAD_DATE, {"value": raw})


# Writing ----------------------------------------------------------------------


@dataclass
class SheetSpec:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]] = ()
    widths: Sequence[int] = ()


def _safe_text(value: str) -> str:
    """NFC, without the control characters a workbook cannot hold (line breaks stay)."""
    return ILLEGAL_CHARACTERS_RE.sub("", unicodedata.normalize("NFC", value))


def write_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write one value; text is always a literal string, never a formula."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "DD/MM/YYYY"
        return cell
    if isinstance(value, bool | int | float):
        cell.value = value
        return cell
    cell.value = _safe_text(str(value))
    # Assigning "=…" made it a formula: force it back to a string, and mark it
    # quote-prefixed so editing the cell in Excel keeps it text too.
    cell.data_type = "s"
    if cell.value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        cell.quotePrefix = True
    return cell


def build_workbook(sheets: Sequence[SheetSpec]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="A4161A")
    for spec in sheets:
        sheet = workbook.create_sheet(title=_safe_text(spec.title)[:31] or "Sheet")
        for column, header in enumerate(spec.headers, start=1):
            cell = write_cell(sheet, 1, column, str(header))
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for row_number, values in enumerate(spec.rows, start=2):
            for column, value in enumerate(values, start=1):
                write_cell(sheet, row_number, column, value)
        for column in range(1, len(spec.headers) + 1):
            width = spec.widths[column - 1] if column - 1 < len(spec.widths) else 20
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A download of ``content``; ``filename`` must be plain ASCII."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
