"""Scoring tables: creating one for a year (empty, from a template, from last year),
the library of templates, settings, freezing, and the refusals of a frozen table.

The helpers at the top (covenant with targets, a small rubric) are shared by the other
scoring service tests.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.models import ActionLog
from covenants.models import Covenant, Target
from scoring.models import Criterion, Rubric
from scoring.selectors.rubrics import rubric_criteria, rubric_problems
from scoring.services.criteria import (
    criterion_add,
    criterion_delete,
    criterion_indent,
    criterion_move,
    criterion_outdent,
    criterion_update,
)
from scoring.services.rubrics import (
    rubric_create,
    rubric_freeze,
    rubric_import,
    rubric_update_settings,
    template_create,
)
from scoring.services.versions import rubric_new_version

D = Decimal


# Shared helpers ------------------------------------------------------------------------


def make_covenant(cluster_year, indicators: list[str], version: int = 1) -> Covenant:  # type: ignore[no-untyped-def]
    """A covenant of the year with one target per indicator (written directly)."""
    covenant = Covenant.objects.create(
        cluster_year=cluster_year, version=version, title=f"Giao ước thi đua {cluster_year.year}"
    )
    for order, indicator in enumerate(indicators, start=1):
        Target.objects.create(covenant=covenant, order=order, indicator=indicator, measure="%")
    return covenant


def new_rubric(world, cluster_year=None, **settings):  # type: ignore[no-untyped-def]
    values = {"scale_total": D(100), "bonus_cap": D(5), "deduction_cap": D(10)} | settings
    return rubric_create(
        actor=world.board,
        cluster_year=cluster_year or world.this_year,
        name="Bảng chấm điểm năm 2024",
        **values,
    )


def build_tree(rubric, actor, target=None) -> dict[str, Criterion]:  # type: ignore[no-untyped-def]
    """I (60) = 1 manual 40 + 2 target ratio 20; II (40) = 3 pass/fail 40; B bonus 5;
    T deduction 8 (a consistent 100-point table)."""
    made: dict[str, Criterion] = {}

    def add(code, kind, points, parent=None, **extra):  # type: ignore[no-untyped-def]
        made[code] = criterion_add(
            actor=actor,
            rubric=rubric,
            parent=made.get(parent) if parent else None,
            code=code,
            title=f"Tiêu chí {code}",
            kind=kind,
            max_points=points,
            **extra,
        )

    add("I", "group", 60)
    add("1", "manual", 40, "I", guidance="Chấm theo báo cáo.", evidence_required=True)
    add("2", "target_ratio", 20, "I", target=target)
    add("II", "group", 40)
    add("3", "pass_fail", 40, "II")
    add("B", "bonus", 5, params={"points_each": "1"})
    add("T", "deduction", 8, params={"points_each": "8"})
    return made


def codes(rubric) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(item.depth, item.code) for item in rubric_criteria(rubric)]


def errors_of(exc: pytest.ExceptionInfo) -> dict[str, list[str]] | list[str]:
    error = exc.value
    return error.message_dict if hasattr(error, "error_dict") else error.messages


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    """Messages compared with the English msgids (the wording, not the translation)."""
    with translation.override("en"):
        yield


# Creating ----------------------------------------------------------------------------


def test_an_empty_rubric_belongs_to_the_year_and_is_logged(world, en):
    rubric = new_rubric(world)
    assert (rubric.organizer_id, rubric.cluster_year_id, rubric.version) == (
        world.org.pk,
        world.this_year.pk,
        1,
    )
    assert (rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (D(100), D(5), D(10))
    assert rubric.frozen_at is None and rubric.created_by == world.board
    assert rubric.criteria.count() == 0
    entry = ActionLog.objects.get(action="scoring.rubric.created")
    assert entry.scope_id == world.org.pk and entry.actor == world.board
    assert entry.data["new"]["scale_total"] == "100.00" and entry.data["source"] is None


def test_a_year_has_one_rubric_unless_versioning(world, en):
    new_rubric(world)
    with pytest.raises(ValidationError) as exc:
        new_rubric(world)
    assert errors_of(exc) == [
        "This cluster already has a scoring table for 2024; open it, or make a new version "
        "once it is frozen."
    ]
    assert Rubric.objects.filter(cluster_year=world.this_year).count() == 1


def test_settings_are_checked_field_by_field_and_nothing_is_saved(world, en):
    with pytest.raises(ValidationError) as exc:
        rubric_create(
            actor=world.board,
            cluster_year=world.this_year,
            name="  ",
            scale_total="0",
            bonus_cap="-5",
            deduction_cap="mười",
        )
    assert errors_of(exc) == {
        "name": ["Give the scoring table a name."],
        "scale_total": ["The total points must be greater than 0."],
        "bonus_cap": ["A cap cannot be negative."],
        "deduction_cap": ["“mười” is not a number (write e.g. 10, 12,5 or 1.000)."],
    }
    assert not Rubric.objects.exists()


def test_points_are_read_the_vietnamese_way(world):
    rubric = rubric_create(
        actor=world.board,
        cluster_year=world.this_year,
        name="Bảng 1.000 điểm",
        scale_total="1.000",
        bonus_cap="12,5",
        deduction_cap=30,
    )
    assert (rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (
        D(1000),
        D("12.5"),
        D(30),
    )


def test_from_a_template_the_criteria_are_copied_without_targets(world, en):
    template = template_create(
        actor=world.board, organizer=world.org, name="Mẫu 100 điểm", bonus_cap=5, deduction_cap=10
    )
    build_tree(template, world.board)
    rubric = rubric_create(
        actor=world.head_officer,
        cluster_year=world.this_year,
        name="Bảng chấm điểm 2024",
        template=template,
    )
    assert codes(rubric) == codes(template)
    assert (rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (D(100), D(5), D(10))
    copied = {c.code: c for c in rubric.criteria.all()}
    original = {c.code: c for c in template.criteria.all()}
    for code, item in original.items():
        assert (copied[code].title, copied[code].kind, copied[code].max_points) == (
            item.title,
            item.kind,
            item.max_points,
        )
        assert copied[code].params == item.params
        assert copied[code].guidance == item.guidance
        assert copied[code].evidence_required == item.evidence_required
        assert copied[code].target_id is None
    # The template keeps its own rows.
    assert template.criteria.count() == 7
    # A target-based criterion without target is what the freeze check then asks for.
    assert "“2” is scored against a target, but no target is chosen." in [
        problem.message for problem in rubric_problems(rubric)
    ]
    entry = ActionLog.objects.get(action="scoring.rubric.created")
    assert entry.data["source"]["kind"] == "template" and entry.data["copied"]["criteria"] == 7


def test_a_template_of_another_organizer_or_a_year_rubric_is_not_a_template(world, en):
    foreign = template_create(actor=world.other_board, organizer=world.other_org, name="Mẫu khác")
    with pytest.raises(ValidationError) as exc:
        new_rubric(world, template=foreign)
    assert errors_of(exc) == {"template": ["The template belongs to another organizer's library."]}
    last = new_rubric(world, cluster_year=world.last_year)
    with pytest.raises(ValidationError) as exc:
        new_rubric(world, template=last)
    assert errors_of(exc) == {"template": ["This scoring table is not a template of the library."]}
    assert not Rubric.objects.filter(cluster_year=world.this_year).exists()


def test_from_last_year_targets_are_relinked_by_indicator(world, en):
    make_covenant(world.last_year, ["Thu ngân sách đạt dự toán", "Tuyển quân đạt chỉ tiêu"])
    old_budget, old_recruits = Target.objects.order_by("order")
    # This year's covenant has the budget target (typed without some accents) but no
    # recruitment target.
    this_covenant = make_covenant(world.this_year, ["Thu ngan sach đạt dự toán", "Giảm nghèo"])
    last = rubric_create(
        actor=world.board,
        cluster_year=world.last_year,
        name="Bảng 2023",
        scale_total=100,
        bonus_cap=5,
        deduction_cap=10,
    )
    made = build_tree(last, world.board, target=old_budget)
    criterion_update(actor=world.board, criterion=made["1"], kind="relative_leader")
    criterion_update(actor=world.board, criterion=made["1"], target=old_recruits)

    rubric = rubric_create(
        actor=world.head_officer, cluster_year=world.this_year, name="Bảng 2024", copy_previous=True
    )
    assert codes(rubric) == codes(last)
    assert (rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (D(100), D(5), D(10))
    copied = {c.code: c for c in rubric.criteria.select_related("target")}
    assert copied["2"].target == this_covenant.targets.get(order=1)
    assert copied["1"].target is None  # no recruitment target this year
    entry = ActionLog.objects.get(action="scoring.rubric.created", object_id=str(rubric.pk))
    assert entry.data["source"] == {
        "kind": "previous_year",
        "id": last.pk,
        "name": "Bảng 2023",
        "version": 1,
    }
    assert entry.data["copied"] == {"criteria": 7, "targets_dropped": ["1"]}


def test_from_last_year_takes_the_newest_version(world):
    make_covenant(world.last_year, ["Thu ngân sách"])
    last = new_rubric(world, cluster_year=world.last_year)
    build_tree(last, world.board, target=Target.objects.get())
    rubric_freeze(actor=world.board, rubric=last)
    second = rubric_new_version(actor=world.board, rubric=last, change_note="Thêm tiêu chí 4")
    criterion_add(
        actor=world.board,
        rubric=second,
        parent=second.criteria.get(code="II"),
        code="4",
        title="Tiêu chí mới",
        kind="manual",
        max_points=5,
    )
    rubric = rubric_create(
        actor=world.board, cluster_year=world.this_year, name="Bảng 2024", copy_previous=True
    )
    assert rubric.criteria.filter(code="4").exists()


def test_without_last_year_rubric_or_with_two_sources_nothing_is_created(world, en):
    with pytest.raises(ValidationError) as exc:
        new_rubric(world, copy_previous=True)
    assert errors_of(exc) == ["The cluster has no scoring table for 2023 to copy."]
    template = template_create(actor=world.board, organizer=world.org, name="Mẫu")
    with pytest.raises(ValidationError) as exc:
        new_rubric(world, copy_previous=True, template=template)
    assert errors_of(exc) == ["Start from a template or from last year's table, not both."]
    assert not Rubric.objects.filter(cluster_year=world.this_year).exists()


# The library ---------------------------------------------------------------------------


def test_a_template_is_made_from_a_year_rubric_without_its_targets(world, en):
    make_covenant(world.this_year, ["Thu ngân sách"])
    rubric = new_rubric(world)
    build_tree(rubric, world.board, target=Target.objects.get())
    template = template_create(
        actor=world.board, organizer=world.org, name="Mẫu từ bảng 2024", from_rubric=rubric
    )
    assert template.is_template and template.cluster_year_id is None
    assert template.organizer_id == world.org.pk
    assert (template.scale_total, template.bonus_cap, template.deduction_cap) == (
        D(100),
        D(5),
        D(10),
    )
    assert codes(template) == codes(rubric)
    assert not template.criteria.filter(target__isnull=False).exists()
    assert rubric_problems(template) == []  # a template's target is chosen later
    entry = ActionLog.objects.get(action="scoring.rubric.template_created")
    assert entry.scope_id == world.org.pk and entry.data["copied"]["targets_dropped"] == ["2"]


def test_a_template_is_not_copied_from_another_organizer(world, en):
    foreign = template_create(actor=world.other_board, organizer=world.other_org, name="Mẫu B")
    with pytest.raises(ValidationError) as exc:
        template_create(actor=world.board, organizer=world.org, name="Mẫu", from_rubric=foreign)
    assert errors_of(exc) == {
        "from_rubric": ["The scoring table to copy belongs to another organizer."]
    }
    assert not Rubric.objects.filter(organizer=world.org).exists()


# Settings ------------------------------------------------------------------------------


def test_settings_change_is_logged_old_and_new(world):
    rubric = new_rubric(world)
    rubric_update_settings(
        actor=world.head_officer, rubric=rubric, name="Bảng mới", scale_total="1.000"
    )
    rubric.refresh_from_db()
    assert (rubric.name, rubric.scale_total) == ("Bảng mới", D(1000))
    entry = ActionLog.objects.get(action="scoring.rubric.updated")
    assert entry.data["changes"] == {
        "name": {"old": "Bảng chấm điểm năm 2024", "new": "Bảng mới"},
        "scale_total": {"old": "100.00", "new": "1000.00"},
    }


def test_settings_with_nothing_changed_write_no_log(world):
    rubric = new_rubric(world)
    rubric_update_settings(actor=world.board, rubric=rubric, scale_total="100")
    assert not ActionLog.objects.filter(action="scoring.rubric.updated").exists()


# Freezing ------------------------------------------------------------------------------


def test_freeze_is_refused_while_problems_remain_and_lists_them(world, en):
    rubric = new_rubric(world)
    with pytest.raises(ValidationError) as exc:
        rubric_freeze(actor=world.board, rubric=rubric)
    assert errors_of(exc) == [
        "The scoring table cannot be frozen until these problems are fixed:",
        "The scoring table has no criteria yet.",
    ]
    made = build_tree(rubric, world.board)  # "2" has no target yet
    criterion_update(actor=world.board, criterion=made["3"], max_points=30)
    with pytest.raises(ValidationError) as exc:
        rubric_freeze(actor=world.board, rubric=rubric)
    assert errors_of(exc) == [
        "The scoring table cannot be frozen until these problems are fixed:",
        "“2” is scored against a target, but no target is chosen.",
        "“II” has a maximum of 40 but its parts add up to 30.",
    ]
    rubric.refresh_from_db()
    assert rubric.frozen_at is None
    assert not ActionLog.objects.filter(action="scoring.rubric.frozen").exists()


def test_a_consistent_rubric_freezes_and_is_logged(world, en):
    make_covenant(world.this_year, ["Thu ngân sách"])
    rubric = new_rubric(world)
    build_tree(rubric, world.board, target=Target.objects.get())
    assert rubric_problems(rubric) == []
    frozen = rubric_freeze(actor=world.board, rubric=rubric)
    rubric.refresh_from_db()
    assert rubric.frozen_at is not None and rubric.frozen_at == frozen.frozen_at
    entry = ActionLog.objects.get(action="scoring.rubric.frozen")
    assert entry.scope_id == world.org.pk and entry.data["criteria"] == 7
    with pytest.raises(ValidationError) as exc:
        rubric_freeze(actor=world.board, rubric=rubric)
    assert errors_of(exc) == ["This scoring table is already frozen."]


def test_a_template_is_never_frozen(world, en):
    template = template_create(actor=world.board, organizer=world.org, name="Mẫu")
    build_tree(template, world.board)
    with pytest.raises(ValidationError) as exc:
        rubric_freeze(actor=world.board, rubric=template)
    assert errors_of(exc) == ["A library template is never frozen; only a cluster's table is."]
    template.refresh_from_db()
    assert template.frozen_at is None


FROZEN = "This scoring table is frozen because scoring has opened; make a new version to change it."


@pytest.mark.parametrize(
    "change",
    [
        "settings",
        "add",
        "update",
        "delete",
        "move",
        "indent",
        "outdent",
        "import",
    ],
)
def test_every_change_to_a_frozen_rubric_is_refused(world, en, change):
    from scoring.excel import ParsedRubric

    make_covenant(world.this_year, ["Thu ngân sách"])
    rubric = new_rubric(world)
    made = build_tree(rubric, world.board, target=Target.objects.get())
    rubric_freeze(actor=world.board, rubric=rubric)
    before = [
        (c.pk, c.code, c.title, c.order, c.parent_id, c.max_points, c.params)
        for c in Criterion.objects.filter(rubric=rubric).order_by("pk")
    ]
    log_count = ActionLog.objects.count()
    calls = {
        "settings": lambda: rubric_update_settings(actor=world.board, rubric=rubric, name="X"),
        "add": lambda: criterion_add(
            actor=world.board, rubric=rubric, code="9", title="Mới", kind="manual", max_points=1
        ),
        "update": lambda: criterion_update(actor=world.board, criterion=made["1"], title="X"),
        "delete": lambda: criterion_delete(actor=world.board, criterion=made["I"]),
        "move": lambda: criterion_move(actor=world.board, criterion=made["II"], direction="up"),
        "indent": lambda: criterion_indent(actor=world.board, criterion=made["II"]),
        "outdent": lambda: criterion_outdent(actor=world.board, criterion=made["1"]),
        "import": lambda: rubric_import(
            actor=world.board,
            rubric=rubric,
            parsed=ParsedRubric(nodes=[], settings=None, row_errors=[]),
        ),
    }
    with pytest.raises(ValidationError) as exc:
        calls[change]()
    assert errors_of(exc) == [FROZEN]
    after = [
        (c.pk, c.code, c.title, c.order, c.parent_id, c.max_points, c.params)
        for c in Criterion.objects.filter(rubric=rubric).order_by("pk")
    ]
    assert after == before
    rubric.refresh_from_db()
    assert rubric.name == "Bảng chấm điểm năm 2024"
    assert ActionLog.objects.count() == log_count


def test_refusals_read_in_vietnamese_by_default(world):
    """The lead merges the catalogue; this checks the pending translation is wired in."""
    make_covenant(world.this_year, ["Thu ngân sách"])
    rubric = new_rubric(world)
    build_tree(rubric, world.board, target=Target.objects.get())
    rubric_freeze(actor=world.board, rubric=rubric)
    with pytest.raises(ValidationError) as exc:
        rubric_update_settings(actor=world.board, rubric=rubric, name="X")
    assert errors_of(exc) == [
        "Bảng chấm điểm này đã bị khóa vì việc chấm điểm đã bắt đầu; hãy tạo phiên bản mới "
        "để thay đổi."
    ]
