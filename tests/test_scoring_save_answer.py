"""The answer to one save reads the card's entries as plain figures (``light``), not as
models: what it shows — every row's points, version and flags, the subtotals, totals and
completeness — is what the whole page shows for the same card."""

from __future__ import annotations

from decimal import Decimal

from scoring.selectors.scorecards import EntryFigures, scorecard_page
from scoring.services.scorecards import entry_save
from tests.scoring_world import scoring_world

D = Decimal


def _shown(page):  # type: ignore[no-untyped-def]
    summary = page.summary
    completeness = summary.completeness
    return {
        "rows": [
            (
                row.criterion.code,
                row.pk,
                row.version,
                row.points_text,
                row.final_text,
                row.self_explanation,
                row.required,
                row.missing_value,
                row.missing_evidence,
                row.needs_review,
                row.board_item,
            )
            for row in page.rows
        ],
        "totals": (summary.total_text, summary.sections_text, summary.bonus_text),
        "deductions": (summary.deduction_text, summary.final_total_text, summary.has_final),
        "completeness": (
            completeness.done,
            completeness.total,
            completeness.values_done,
            completeness.evidence_done,
            completeness.evidence_total,
        ),
        "sections": [(row.criterion.code, row.points_text) for row in page.section_rows],
    }


def test_the_light_answer_shows_what_the_whole_page_shows(world):  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    unit, officer = world.member_unit, world.member_officer
    for code, values in (
        ("1", {"points": "12,5"}),
        ("2", {"passed": "yes"}),
        ("3", {"achieved": "40"}),
        ("5", {"count": "2"}),
        ("B", {"count": "3"}),
        ("D", {"count": "1"}),
    ):
        entry_save(actor=officer, entry=sw.entry(unit, code), version=0, values=values)
    card = sw.card(unit)

    full = scorecard_page(card, may_edit=True, editable=True)
    light = scorecard_page(card, may_edit=True, editable=True, light=True)

    assert all(isinstance(row.entry, EntryFigures) for row in light.leaf_rows if row.entry)
    assert _shown(light) == _shown(full)
    assert _shown(full)["totals"][0] != "0"  # the card has points: the comparison means something
