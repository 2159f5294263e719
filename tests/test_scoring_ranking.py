"""Ranking (issue 6): the pure ranking of ``scoring.ranking`` (ranks, tie-breaks, the
words of each tie, Decimal exactness, the tie-break keys), the selector that builds it
from the database in a fixed number of queries, and the services that set the tie-break
order and publish the results."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.models import ActionLog, Notification
from scoring.models import Period, Scorecard
from scoring.ranking import DEFAULT_TIE_BREAKS, UnitRow, clean_tie_breaks, rank_units
from scoring.selectors.ranking import period_ranking, totals_chart, unit_chart
from scoring.services.messages import ranking as msg
from scoring.services.ranking import period_publish, period_set_tie_breaks
from scoring.services.verification import scorecard_finalise
from tests.factories import make_user
from tests.scoring_world import scoring_world
from tests.test_scoring_verification import submit

D = Decimal
CODES = ["I", "II"]
PENDING_FILE = Path(__file__).resolve().parent.parent / "locale/vi/pending/scoring_ranking.json"


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def row(unit_id, name, total, first="0", second="0", deduction="0"):  # type: ignore[no-untyped-def]
    return UnitRow(unit_id, name, D(total), (D(first), D(second)), D(deduction))


def ranks(result) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(item.row.name, item.rank) for item in result]


# The pure ranking -------------------------------------------------------------------------


def test_units_are_ranked_by_final_total_best_first(en) -> None:  # type: ignore[no-untyped-def]
    result = rank_units([row(1, "A", 70), row(2, "B", 90), row(3, "C", 80)], [], CODES)
    assert ranks(result) == [("B", 1), ("C", 2), ("A", 3)]
    assert all(item.explanation == "" for item in result)


def test_the_first_section_breaks_a_tie_by_default(en) -> None:  # type: ignore[no-untyped-def]
    result = rank_units([row(1, "A", 80, 40, 40), row(2, "B", 80, 45, 35)], [], CODES)
    assert ranks(result) == [("B", 1), ("A", 2)]
    assert result[0].explanation == (
        "Tied on total (80) with A; ahead of A on section I (45 vs 40)."
    )
    assert result[1].explanation == ("Tied on total (80) with B; behind B on section I (40 vs 45).")


def test_fewer_deductions_break_a_tie_the_first_section_leaves(en) -> None:  # type: ignore[no-untyped-def]
    result = rank_units(
        [row(1, "A", 80, 40, 40, deduction=4), row(2, "B", 80, 40, 40, deduction=2)], [], CODES
    )
    assert ranks(result) == [("B", 1), ("A", 2)]
    assert "ahead of A with fewer deductions (2 vs 4)" in result[0].explanation
    assert "behind B with more deductions (4 vs 2)" in result[1].explanation


def test_a_tie_after_every_rule_shares_the_rank_and_the_next_rank_skips(en) -> None:  # type: ignore[no-untyped-def]
    result = rank_units(
        [row(1, "A", 90), row(2, "B", 80, 40, 40, 2), row(3, "C", 80, 40, 40, 2), row(4, "E", 70)],
        [],
        CODES,
    )
    assert ranks(result) == [("A", 1), ("B", 2), ("C", 2), ("E", 4)]
    assert result[1].vote_decides and result[2].vote_decides
    assert result[1].explanation == (
        "Tied on total (80) with C; still tied with C on total, section I and deductions: "
        "the vote decides."
    )


def test_a_three_way_tie_settled_step_by_step(en) -> None:  # type: ignore[no-untyped-def]
    result = rank_units(
        [
            row(1, "A", 80, 40, 40, deduction=4),
            row(2, "B", 80, 45, 35, deduction=6),
            row(3, "C", 80, 40, 40, deduction=2),
        ],
        [],
        CODES,
    )
    assert ranks(result) == [("B", 1), ("C", 2), ("A", 3)]
    assert result[0].explanation == (
        "Tied on total (80) with C and A; ahead of C on section I (45 vs 40); "
        "ahead of A on section I (45 vs 40)."
    )
    assert result[1].explanation == (
        "Tied on total (80) with B and A; behind B on section I (40 vs 45); "
        "ahead of A with fewer deductions (2 vs 4)."
    )
    assert result[1].tied_on_total == ["B", "A"]
    assert not any(item.vote_decides for item in result)


def test_a_three_way_tie_the_rules_cannot_break(en) -> None:  # type: ignore[no-untyped-def]
    result = rank_units(
        [row(1, "A", 80, 40, 40, 2), row(2, "B", 80, 40, 40, 2), row(3, "C", 80, 40, 40, 2)],
        [],
        CODES,
    )
    assert [item.rank for item in result] == [1, 1, 1]
    assert result[0].vote_with == ["B", "C"]
    assert result[0].explanation.endswith(
        "still tied with B and C on total, section I and deductions: the vote decides."
    )


def test_two_ties_in_one_ranking_are_explained_apart(en) -> None:  # type: ignore[no-untyped-def]
    result = rank_units(
        [row(1, "A", 90, 50), row(2, "B", 90, 45), row(3, "C", 80, 40), row(4, "E", 80, 41)],
        [],
        CODES,
    )
    assert ranks(result) == [("A", 1), ("B", 2), ("E", 3), ("C", 4)]
    assert "with B;" in result[0].explanation and "E" not in result[0].explanation
    assert result[2].explanation.startswith("Tied on total (80) with C;")


def test_the_tie_break_order_is_configurable(en) -> None:  # type: ignore[no-untyped-def]
    rows = [row(1, "A", 80, 45, 35, deduction=6), row(2, "B", 80, 40, 40, deduction=2)]
    assert ranks(rank_units(rows, ["first_section", "fewer_deductions"], CODES))[0] == ("A", 1)
    assert ranks(rank_units(rows, ["fewer_deductions", "first_section"], CODES))[0] == ("B", 1)
    assert ranks(rank_units(rows, ["fewer_deductions"], CODES))[0] == ("B", 1)
    by_vote = rank_units(rows, ["vote"], CODES)
    assert [item.rank for item in by_vote] == [1, 1]
    assert by_vote[0].explanation.endswith("still tied with B on total: the vote decides.")


def test_only_the_configured_rules_count(en) -> None:  # type: ignore[no-untyped-def]
    rows = [row(1, "A", 80, 40, 40, deduction=6), row(2, "B", 80, 40, 40, deduction=2)]
    result = rank_units(rows, ["first_section"], CODES)
    assert [item.rank for item in result] == [1, 1]
    assert "on total and section I: the vote decides" in result[0].explanation


def test_decimals_are_compared_exactly(en) -> None:  # type: ignore[no-untyped-def]
    result = rank_units(
        [row(1, "A", "80.10", "40.05"), row(2, "B", "80.1", "40.04"), row(3, "C", "80.09")],
        [],
        CODES,
    )
    assert ranks(result) == [("A", 1), ("B", 2), ("C", 3)]
    assert "ahead of B on section I (40,05 vs 40,04)" in result[0].explanation
    assert "Tied on total (80,1) with B" in result[0].explanation
    assert result[2].explanation == ""
    # 0.1 + 0.2 = 0.3 exactly in Decimal (not in float).
    same = rank_units([row(1, "A", D("0.1") + D("0.2")), row(2, "B", "0.3")], ["vote"], CODES)
    assert [item.rank for item in same] == [1, 1]


def test_the_order_among_vote_ties_is_by_name_and_stable(en) -> None:  # type: ignore[no-untyped-def]
    rows = [row(3, "C", 80), row(1, "A", 80), row(2, "B", 80)]
    assert [item.row.name for item in rank_units(rows, [], CODES)] == ["A", "B", "C"]
    assert [item.row.name for item in rank_units(reversed(rows), [], CODES)] == ["A", "B", "C"]


def test_no_rows_and_no_sections(en) -> None:  # type: ignore[no-untyped-def]
    assert rank_units([], [], CODES) == []
    single = UnitRow(1, "A", D(50))
    other = UnitRow(2, "B", D(50))
    result = rank_units([single, other], [], [])
    assert [item.rank for item in result] == [1, 1]  # no sections: section points count as 0


def test_every_ranking_message_has_its_vietnamese_in_the_pending_file() -> None:
    pending = json.loads(PENDING_FILE.read_text(encoding="utf-8"))
    lazies = [
        value for name, value in vars(msg).items() if name.isupper() and not isinstance(value, dict)
    ]
    for table in (msg.TIE_BREAK_LABELS, msg.ACTION_LABELS, msg.ACTION_FIELDS):
        lazies += list(table.values())
    with translation.override("en"):
        msgids = [str(value) for value in lazies]
    missing = [msgid for msgid in msgids if not pending.get(msgid)]
    assert missing == []
    # Same placeholders on both sides.
    for msgid in msgids:
        assert sorted(re.findall(r"%\((\w+)\)s", msgid)) == sorted(
            re.findall(r"%\((\w+)\)s", pending[msgid])
        ), msgid


def test_tie_break_keys_are_validated(en) -> None:  # type: ignore[no-untyped-def]
    assert clean_tie_breaks([]) == DEFAULT_TIE_BREAKS
    assert clean_tie_breaks(None) == DEFAULT_TIE_BREAKS
    assert clean_tie_breaks(["fewer_deductions", "vote"]) == ["fewer_deductions"]
    cases = [
        (["height"], "“height” is not a tie-break rule."),
        (["first_section", "first_section"], "The tie-break rule “first_section” is listed twice."),
        (["vote", "first_section"], str(msg.TIE_BREAK_VOTE_LAST)),
    ]
    for keys, words in cases:
        with pytest.raises(ValidationError) as info:
            clean_tie_breaks(keys)
        assert info.value.messages == [words]
    with pytest.raises(ValidationError):
        rank_units([row(1, "A", 1)], ["nonsense"], CODES)


# The selector ------------------------------------------------------------------------------

# Per unit: criterion 1 points (section I), criterion 5 count (section II, 10 each), D count.
SCORES = {
    "h_new": {"1": {"points": D(20)}, "5": {"count": 3}, "D": {"count": 0}},
    "deputy_unit": {"1": {"points": D(15)}, "5": {"count": 4}, "D": {"count": 0}},
    "member_unit": {"1": {"points": D("15.5")}, "5": {"count": 3}, "D": {"count": 1}},
    "h_old": {"1": {"points": D(20)}, "5": {"count": 3}, "D": {"count": 0}},
}


def finalise_all(sw, world, units=("h_new", "deputy_unit", "member_unit", "h_old")):  # type: ignore[no-untyped-def]
    for name in units:
        card = submit(sw, getattr(world, name), SCORES[name])
        if name == "h_new":
            scorecard_finalise(actor=world.board, scorecard=card, role="board")
        else:
            scorecard_finalise(actor=world.head_officer, scorecard=card, role="head")


def test_the_selector_ranks_final_scorecards_with_sections_and_deductions(world, en) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world, units=("h_new", "deputy_unit", "member_unit"))
    ranking = period_ranking(period=sw.period)
    assert [section.code for section in ranking.sections] == ["I", "II"]
    lines = {line.card.unit.name: line for line in ranking.lines}
    tay, nam, bac = world.h_new.name, world.deputy_unit.name, world.member_unit.name
    assert [line.card.unit.name for line in ranking.lines] == [nam, tay, bac]
    assert [line.rank for line in ranking.lines] == [1, 2, 3]
    assert [cell.points for cell in lines[tay].cells] == [D(20), D(30)]
    assert lines[bac].deduction == D(2) and lines[bac].card.final_total == D("43.5")
    assert lines[bac].deduction_text == "2" and lines[bac].total_text == "43,5"
    assert [section.average for section in ranking.sections] == [D("16.83"), D("33.33")]
    assert [card.unit.name for card in ranking.not_final] == [world.h_old.name]
    assert not ranking.all_final
    assert ranking.lines[1].ranked.explanation == ""


def test_the_selector_explains_a_tie_from_the_database(world, en) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world)
    ranking = period_ranking(period=sw.period)
    # Tây Sơn and Đông Sơn: 50 each, same section I, no deductions → the vote decides.
    tied = [line for line in ranking.lines if line.card.final_total == D(50)]
    assert [line.rank for line in tied] == [2, 2]
    assert all(line.ranked.vote_decides for line in tied)
    assert ranking.all_final
    chart = totals_chart(ranking, "Bonus")
    assert len(chart.bars) == 4 and chart.legend[-1][1] == "Bonus"
    assert any("I: 15" in segment.title for segment in chart.bars[0].segments)
    unit = unit_chart(ranking, ranking.lines[0], "Unit", "Average")
    assert len(unit.bars) == 4


@pytest.mark.parametrize("finalised", [1, 4])
def test_the_selector_reads_a_fixed_number_of_queries(
    world, django_assert_max_num_queries, finalised
) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    units = ("h_new", "deputy_unit", "member_unit", "h_old")[-finalised:]
    finalise_all(sw, world, units=units)
    # 4: cards, entries, and the frozen rubric's tree (its light count, then the tree
    # itself the first time this process reads it — see ``rubric_criteria``).
    with django_assert_max_num_queries(4):
        ranking = period_ranking(period=sw.period)
        totals_chart(ranking, "Bonus")
    assert len(ranking.lines) == finalised


# Services -----------------------------------------------------------------------------------


def test_the_head_sets_the_tie_break_order_and_it_is_logged(world, en) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    period = period_set_tie_breaks(
        actor=world.head_officer, period=sw.period, tie_breaks=["fewer_deductions", "vote"]
    )
    period.refresh_from_db()
    assert period.tie_breaks == ["fewer_deductions"]
    log = ActionLog.objects.get(action="scoring.period.tie_breaks_set")
    assert log.data["tie_breaks"] == {"old": [], "new": ["fewer_deductions"]}
    period_set_tie_breaks(actor=world.board, period=period, tie_breaks=["vote"])
    period.refresh_from_db()
    assert period.tie_breaks == ["vote"]


def test_setting_the_tie_breaks_is_refused_to_members_bad_keys_and_after_publication(
    world, en
) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    with pytest.raises(ValidationError) as info:
        period_set_tie_breaks(actor=world.member_officer, period=sw.period, tie_breaks=[])
    assert info.value.messages == [str(msg.RANKING_HEAD_ONLY)]
    with pytest.raises(ValidationError) as info:
        period_set_tie_breaks(actor=world.head_officer, period=sw.period, tie_breaks=["x"])
    assert info.value.messages == ["“x” is not a tie-break rule."]
    finalise_all(sw, world)
    period_publish(actor=world.head_officer, period=sw.period)
    with pytest.raises(ValidationError) as info:
        period_set_tie_breaks(actor=world.head_officer, period=sw.period, tie_breaks=[])
    assert info.value.messages == [str(msg.RANKING_PUBLISHED)]


def test_publishing_is_refused_until_every_scorecard_is_final(world, en) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world, units=("h_new", "deputy_unit"))
    with pytest.raises(ValidationError) as info:
        period_publish(actor=world.head_officer, period=sw.period)
    waiting = Scorecard.objects.filter(period=sw.period).exclude(state="finalised")
    names = ", ".join(card.unit.name for card in waiting.order_by("unit__sort_key"))
    assert info.value.messages == [
        f"The results can be published only when every scorecard is final; not final yet: {names}."
    ]
    sw.period.refresh_from_db()
    assert sw.period.published_at is None


def test_publishing_is_refused_to_a_member_and_a_second_time(world, en) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world)
    with pytest.raises(ValidationError) as info:
        period_publish(actor=world.member_officer, period=sw.period)
    assert info.value.messages == [str(msg.RANKING_HEAD_ONLY)]
    deputy = make_user("dung", role="officer", unit=world.deputy_unit)
    with pytest.raises(ValidationError):
        period_publish(actor=deputy, period=sw.period)
    period_publish(actor=world.board, period=sw.period)
    with pytest.raises(ValidationError) as info:
        period_publish(actor=world.head_officer, period=sw.period)
    assert info.value.messages == [str(msg.RANKING_PUBLISHED)]


def test_publishing_sets_the_time_logs_and_notifies_every_member(
    world, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        period = period_publish(actor=world.head_officer, period=sw.period)
    period.refresh_from_db()
    assert period.published_at is not None
    assert ActionLog.objects.filter(action="scoring.period.published").count() == 1
    notified = set(
        Notification.objects.filter(key="scoring.period.published").values_list(
            "user__username", flat=True
        )
    )
    assert {"hana", "minh", "lan", "olga"} <= notified
    assert "oscar" not in notified and "alice" not in notified


def test_a_period_where_the_vote_decides_straight_away_applies_no_rule(world, en) -> None:  # type: ignore[no-untyped-def]
    """Stored ["vote"]: units tied on total stay tied even though their section I
    differs (the default order would have split them)."""
    sw = scoring_world(world)
    scores = {
        "h_new": {"1": {"points": D(20)}, "5": {"count": 3}, "D": {"count": 0}},
        "h_old": {"1": {"points": D(10)}, "5": {"count": 4}, "D": {"count": 0}},
    }
    for name, values in scores.items():
        card = submit(sw, getattr(world, name), values)
        role = "board" if name == "h_new" else "head"
        actor = world.board if name == "h_new" else world.head_officer
        scorecard_finalise(actor=actor, scorecard=card, role=role)

    def ranks() -> dict[str, int]:
        ranking = period_ranking(period=Period.objects.get(pk=sw.period.pk))
        return {line.card.unit.name: line.rank for line in ranking.lines}

    assert ranks() == {world.h_new.name: 1, world.h_old.name: 2}
    Period.objects.filter(pk=sw.period.pk).update(tie_breaks=["vote"])
    assert ranks() == {world.h_new.name: 1, world.h_old.name: 1}
