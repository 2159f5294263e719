"""Read queries of the ranking pages: every finalised scorecard of a period with its
points per top-level section, bonus and deductions, ranked by ``scoring.ranking``; the
cluster's average per section; one unit against that average; and the SVG geometry of
both charts (drawn server-side, no JavaScript).

``period_ranking`` reads three queries whatever the number of units and criteria: the
scorecards (with their units), the rubric's criteria, the entries' points.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.text import vi_number
from scoring import formulas
from scoring.formulas import CriterionKind
from scoring.models import Entry, Period, Scorecard
from scoring.ranking import RankedRow, UnitRow, effective_tie_breaks, rank_units
from scoring.selectors.rubrics import rubric_criteria
from scoring.services.messages.ranking import TIE_BREAK_LABELS

ZERO = Decimal(0)
CENT = Decimal("0.01")
OUTSIDE = frozenset({CriterionKind.BONUS, CriterionKind.DEDUCTION})
# Colour-blind-safe palette (Okabe–Ito), one per section; the bonus is grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
BONUS_COLOUR = "#999999"


@dataclass
class Section:
    code: str
    title: str
    max_points: Decimal
    colour: str
    average: Decimal = ZERO

    @property
    def average_text(self) -> str:
        return vi_number(self.average)

    @property
    def max_text(self) -> str:
        return vi_number(self.max_points)


@dataclass
class Cell:
    section: Section
    points: Decimal
    average: Decimal

    @property
    def points_text(self) -> str:
        return vi_number(self.points)

    @property
    def difference_text(self) -> str:
        difference = self.points - self.average
        if difference > 0:
            return f"+{vi_number(difference)}"
        if difference < 0:
            return f"−{vi_number(-difference)}"
        return "0"

    @property
    def difference(self) -> Decimal:
        return self.points - self.average


@dataclass
class Line:
    """One ranked unit."""

    card: Scorecard
    ranked: RankedRow
    cells: list[Cell]
    bonus: Decimal
    deduction: Decimal

    @property
    def rank(self) -> int:
        return self.ranked.rank

    @property
    def total_text(self) -> str:
        return vi_number(self.card.final_total)

    @property
    def bonus_text(self) -> str:
        return vi_number(self.bonus)

    @property
    def deduction_text(self) -> str:
        return vi_number(self.deduction)


@dataclass
class Segment:
    x: Decimal
    width: Decimal
    colour: str
    title: str


@dataclass
class Bar:
    label: str
    y: int
    segments: list[Segment]
    value_text: str
    value_x: Decimal
    link: Any = None


@dataclass
class Chart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    legend: list[tuple[str, str]]  # (colour, words)
    bar_height: int = 22
    ticks: list[tuple[Decimal, str]] = field(default_factory=list)


@dataclass
class Ranking:
    period: Period
    sections: list[Section]
    lines: list[Line]
    not_final: list[Scorecard]
    tie_breaks: list[str]
    bonus_average: Decimal = ZERO
    deduction_average: Decimal = ZERO

    @property
    def tie_break_words(self) -> list[str]:
        return [str(TIE_BREAK_LABELS[key]) for key in [*self.tie_breaks, "vote"]]

    @property
    def all_final(self) -> bool:
        return bool(self.lines) and not self.not_final

    def line_for(self, card_pk: int) -> Line | None:
        return next((line for line in self.lines if line.card.pk == card_pk), None)


def _average(values: list[Decimal]) -> Decimal:
    if not values:
        return ZERO
    return (sum(values, ZERO) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def period_ranking(*, period: Period) -> Ranking:
    """The period's finalised scorecards ranked; the others listed as not final yet."""
    cards = list(
        Scorecard.objects.filter(period=period).select_related("unit").order_by("unit__sort_key")
    )
    rubric = period.rubric
    tie_breaks = effective_tie_breaks(period.tie_breaks)
    if rubric is None:
        return Ranking(period=period, sections=[], lines=[], not_final=cards, tie_breaks=tie_breaks)
    criteria = rubric_criteria(rubric)
    top_of: dict[str, str] = {}  # criterion code → its top-level ancestor's code
    sections: list[Section] = []
    by_id: dict[int, Any] = {}
    for criterion in criteria:
        by_id[criterion.pk] = criterion
        parent = getattr(criterion, "parent_code", None)
        top_of[criterion.code] = top_of[parent] if parent else criterion.code
        if parent is None and criterion.kind not in OUTSIDE:
            colour = PALETTE[len(sections) % len(PALETTE)]
            sections.append(Section(criterion.code, criterion.title, criterion.max_points, colour))
    final = [card for card in cards if card.state == Scorecard.State.FINALISED]
    not_final = [card for card in cards if card.state != Scorecard.State.FINALISED]
    points: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    entries = Entry.objects.filter(
        scorecard_id__in=[card.pk for card in final], criterion__rubric_id=rubric.pk
    ).values_list("scorecard_id", "criterion_id", "final_points", "self_points")
    for scorecard_id, criterion_id, final_points, self_points in entries:
        counted = final_points if final_points is not None else self_points
        if counted is None:
            continue
        criterion = by_id[criterion_id]
        if criterion.kind == CriterionKind.BONUS:
            bucket = "+bonus"
        elif criterion.kind == CriterionKind.DEDUCTION:
            bucket = "+deduction"
        else:
            bucket = top_of[criterion.code]
        points[scorecard_id][bucket] += counted
    unit_rows: dict[int, UnitRow] = {}
    extras: dict[int, tuple[Decimal, Decimal]] = {}
    for card in final:
        sums = points[card.pk]
        capped = formulas.total_breakdown(
            ZERO,
            sums["+bonus"],
            sums["+deduction"],
            scale_total=rubric.scale_total,
            bonus_cap=rubric.bonus_cap,
            deduction_cap=rubric.deduction_cap,
        )
        extras[card.pk] = (capped.bonus, capped.deduction)
        unit_rows[card.pk] = UnitRow(
            unit_id=card.pk,  # the scorecard's id: unique within the period
            name=card.unit.name,
            total=card.final_total,
            sections=tuple(sums[section.code] for section in sections),
            deduction=capped.deduction,
        )
    for index, section in enumerate(sections):
        section.average = _average([row.sections[index] for row in unit_rows.values()])
    ranked = rank_units(
        unit_rows.values(), period.tie_breaks, [section.code for section in sections]
    )
    cards_by_pk = {card.pk: card for card in final}
    lines = [
        Line(
            card=cards_by_pk[item.row.unit_id],
            ranked=item,
            cells=[
                Cell(section, item.row.sections[index], section.average)
                for index, section in enumerate(sections)
            ],
            bonus=extras[item.row.unit_id][0],
            deduction=extras[item.row.unit_id][1],
        )
        for item in ranked
    ]
    return Ranking(
        period=period,
        sections=sections,
        lines=lines,
        not_final=not_final,
        tie_breaks=tie_breaks,
        bonus_average=_average([line.bonus for line in lines]),
        deduction_average=_average([line.deduction for line in lines]),
    )


# Charts ----------------------------------------------------------------------------------

PLOT_WIDTH = 640
LABEL_WIDTH = 220
VALUE_WIDTH = 60
ROW = 32
TOP = 10


def _scale(maximum: Decimal) -> Decimal:
    return Decimal(PLOT_WIDTH) / maximum if maximum > 0 else ZERO


def _ticks(maximum: Decimal, scale: Decimal) -> list[tuple[Decimal, str]]:
    step = maximum / 4
    return [
        ((LABEL_WIDTH + step * index * scale).quantize(CENT), vi_number(step * index, 0))
        for index in range(5)
    ]


def totals_chart(ranking: Ranking, bonus_words: str) -> Chart:
    """Horizontal bars, one per ranked unit, stacked by section then the bonus; the
    figure at the end of the bar is the final total (after deductions)."""
    maximum = max(
        [sum((cell.points for cell in line.cells), ZERO) + line.bonus for line in ranking.lines]
        + [ranking.period.rubric.scale_total if ranking.period.rubric else Decimal(100)]
    )
    scale = _scale(maximum)
    bars: list[Bar] = []
    for index, line in enumerate(ranking.lines):
        x = Decimal(LABEL_WIDTH)
        segments: list[Segment] = []
        parts = [
            (cell.points, cell.section.colour, f"{cell.section.code}: {cell.points_text}")
            for cell in line.cells
        ]
        parts.append((line.bonus, BONUS_COLOUR, f"{bonus_words}: {line.bonus_text}"))
        for value, colour, words in parts:
            width = (value * scale).quantize(CENT)
            if width > 0:
                segments.append(Segment(x, width, colour, f"{line.card.unit.name} — {words}"))
                x += width
        bars.append(
            Bar(
                label=f"{line.rank}. {line.card.unit.name}",
                y=TOP + index * ROW,
                segments=segments,
                value_text=line.total_text,
                value_x=x + 6,
            )
        )
    legend = [(section.colour, f"{section.code}. {section.title}") for section in ranking.sections]
    legend.append((BONUS_COLOUR, bonus_words))
    return Chart(
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        height=TOP + len(bars) * ROW + 30,
        label_width=LABEL_WIDTH,
        bars=bars,
        legend=legend,
        ticks=_ticks(maximum, scale),
    )


def unit_chart(ranking: Ranking, line: Line, unit_words: str, average_words: str) -> Chart:
    """Per section two bars: the unit's points and the cluster average, on the
    section's maximum."""
    maximum = max([section.max_points for section in ranking.sections] + [Decimal(1)])
    scale = _scale(maximum)
    bars: list[Bar] = []
    y = TOP
    for cell in line.cells:
        for value, colour, who, text in (
            (cell.points, cell.section.colour, unit_words, cell.points_text),
            (cell.average, BONUS_COLOUR, average_words, vi_number(cell.average)),
        ):
            width = (value * scale).quantize(CENT)
            bars.append(
                Bar(
                    label=f"{cell.section.code} — {who}",
                    y=y,
                    segments=[
                        Segment(Decimal(LABEL_WIDTH), width, colour, f"{cell.section.code}: {text}")
                    ]
                    if width > 0
                    else [],
                    value_text=text,
                    value_x=Decimal(LABEL_WIDTH) + width + 6,
                )
            )
            y += ROW
        y += 8
    return Chart(
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        height=y + 30,
        label_width=LABEL_WIDTH,
        bars=bars,
        legend=[(BONUS_COLOUR, average_words)],
        ticks=_ticks(maximum, scale),
    )
