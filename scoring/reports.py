"""The score summary of a period (issue 6): each ranked unit's points per section, bonus,
deductions, final total and rank, the cluster average, and the units not final yet.

``period_summary`` builds the rows once from ``selectors.ranking.period_ranking``; the
Excel download (``summary_xlsx``) and the PDF (``scoring.documents_reports``) both read
them. Text is Vietnamese: both are official documents of the cluster.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core import excel as core_excel
from core.text import vi_number
from scoring.models import Period
from scoring.selectors.ranking import period_ranking

ZERO = Decimal(0)
CENT = Decimal("0.01")
SHEET_TITLE = "Tổng hợp điểm"
KIND_SLUGS = {Period.Kind.MID_YEAR: "giua-nam", Period.Kind.YEAR_END: "cuoi-nam"}
KIND_WORDS = {Period.Kind.MID_YEAR: "sơ kết giữa năm", Period.Kind.YEAR_END: "tổng kết cuối năm"}
STATE_WORDS = {
    "draft": "đang chấm",
    "submitted": "đã gửi, đang thẩm định",
    "returned": "đang giải trình",
    "verified": "đã thẩm định, chờ Ban Thi đua",
}


@dataclass(frozen=True)
class SummarySection:
    code: str
    title: str
    max_points: Decimal

    @property
    def max_text(self) -> str:
        return vi_number(self.max_points)


@dataclass(frozen=True)
class SummaryRow:
    number: int
    unit: str
    sections: tuple[Decimal, ...]
    bonus: Decimal
    deduction: Decimal
    total: Decimal
    rank: int

    @property
    def section_texts(self) -> list[str]:
        return [vi_number(value) for value in self.sections]

    @property
    def bonus_text(self) -> str:
        return vi_number(self.bonus)

    @property
    def deduction_text(self) -> str:
        return vi_number(self.deduction)

    @property
    def total_text(self) -> str:
        return vi_number(self.total)


@dataclass
class Summary:
    period: Period
    sections: list[SummarySection]
    rows: list[SummaryRow]
    average: SummaryRow | None  # rank 0, number 0
    not_final: list[tuple[str, str]] = field(default_factory=list)  # (unit, state in words)

    @property
    def title(self) -> str:
        year = self.period.cluster_year.year
        return f"BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM {year}"

    @property
    def period_words(self) -> str:
        return f"Kỳ {KIND_WORDS.get(self.period.kind, self.period.kind)}"


def _average(values: list[Decimal]) -> Decimal:
    if not values:
        return ZERO
    return (sum(values, ZERO) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def period_summary(*, period: Period) -> Summary:
    """The period's ranked units in rank order, their average, the units not final yet."""
    ranking = period_ranking(period=period)
    sections = [
        SummarySection(section.code, section.title, section.max_points)
        for section in ranking.sections
    ]
    rows = [
        SummaryRow(
            number=number,
            unit=line.card.unit.name,
            sections=tuple(cell.points for cell in line.cells),
            bonus=line.bonus,
            deduction=line.deduction,
            total=line.card.final_total,
            rank=line.rank,
        )
        for number, line in enumerate(ranking.lines, start=1)
    ]
    average = None
    if rows:
        average = SummaryRow(
            number=0,
            unit="Bình quân cụm",
            sections=tuple(section.average for section in ranking.sections),
            bonus=ranking.bonus_average,
            deduction=ranking.deduction_average,
            total=_average([row.total for row in rows]),
            rank=0,
        )
    not_final = [
        (card.unit.name, STATE_WORDS.get(card.state, str(card.state))) for card in ranking.not_final
    ]
    return Summary(
        period=period, sections=sections, rows=rows, average=average, not_final=not_final
    )


def summary_filename(period: Period, extension: str) -> str:
    kind = KIND_SLUGS.get(period.kind, "ky")
    return f"tong-hop-diem-{period.cluster_year.year}-{kind}-{period.pk}.{extension}"


# Excel ------------------------------------------------------------------------------------


def _number(value: Decimal) -> int | float:
    """A number cell (openpyxl writes Decimal as text through ``write_cell``)."""
    return int(value) if value == value.to_integral_value() else float(value)


def summary_headers(summary: Summary) -> list[str]:
    return [
        "STT",
        "Đơn vị",
        *[f"{section.code}. {section.title}" for section in summary.sections],
        "Điểm thưởng",
        "Điểm trừ",
        "Tổng điểm",
        "Xếp hạng",
    ]


def _values(row: SummaryRow, *, average: bool = False) -> list[object]:
    return [
        None if average else row.number,
        row.unit,
        *[_number(value) for value in row.sections],
        _number(row.bonus),
        _number(row.deduction),
        _number(row.total),
        None if average else row.rank,
    ]


def summary_xlsx(summary: Summary) -> bytes:
    """One sheet: a title row, the header row, a row per ranked unit (numbers as numbers,
    unit names always text), the cluster average; units not final yet listed below."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    headers = summary_headers(summary)
    cluster = summary.period.cluster_year.cluster.name
    title = f"{summary.title} — {summary.period_words} — {cluster}"
    core_excel.write_cell(sheet, 1, 1, title).font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="A4161A")
    for column, header in enumerate(headers, start=1):
        cell = core_excel.write_cell(sheet, 2, column, header)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", horizontal="center", wrap_text=True)
    number_format = "#,##0.##"
    row_number = 2
    lines = [(row, False) for row in summary.rows]
    if summary.average is not None:
        lines.append((summary.average, True))
    for row, is_average in lines:
        row_number += 1
        for column, value in enumerate(_values(row, average=is_average), start=1):
            cell = core_excel.write_cell(sheet, row_number, column, value)
            if isinstance(value, float):
                cell.number_format = number_format
            if is_average:
                cell.font = Font(bold=True)
    if summary.not_final:
        row_number += 2
        core_excel.write_cell(
            sheet, row_number, 1, "Đơn vị chưa có điểm chính thức (chưa xếp hạng):"
        )
        for name, state in summary.not_final:
            row_number += 1
            core_excel.write_cell(sheet, row_number, 2, name)
            core_excel.write_cell(sheet, row_number, 3, state)
    widths = [6, 36, *[14] * len(summary.sections), 12, 12, 12, 10]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[2].height = 45
    sheet.freeze_panes = "C3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
