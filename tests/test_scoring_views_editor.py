"""The rubric editor: each action changes the tree as the user asked (add, edit, a
refused value kept in the form, delete with the parts, move, indent, outdent), the
htmx answers (the editor swapped in with its totals and problems, or the form again),
the live check, a frozen table, and a constant number of queries."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from scoring.models import Criterion
from scoring.services import messages as msg
from scoring.services.criteria import criterion_add
from scoring.services.rubrics import rubric_freeze
from tests.test_scoring_views import code_of, make_rubric, page

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rubric(world):  # type: ignore[no-untyped-def]
    return make_rubric(world)


@pytest.fixture
def head(world, client_for):  # type: ignore[no-untyped-def]
    return client_for(world.head_officer)


def tree(rubric) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """(code, parent code) in the order the editor shows them."""
    from scoring.selectors.rubrics import rubric_criteria

    return [(item.code, item.parent_code) for item in rubric_criteria(rubric)]


def vi(message, **params) -> str:  # type: ignore[no-untyped-def]
    with translation.override("vi"):
        return str(message % params if params else message)


def url(name: str, rubric, criterion=None) -> str:  # type: ignore[no-untyped-def]
    args = [rubric.pk] if criterion is None else [rubric.pk, criterion.pk]
    return reverse(name, args=args)


# Adding ----------------------------------------------------------------------------------------


def test_adding_a_section_at_the_end(rubric, head):
    response = head.post(
        url("criterion_add", rubric),
        {"code": "III", "title": "Về xã hội", "kind": "group", "max_points": ""},
    )
    assert response.status_code == 302
    section = code_of(rubric, "III")
    assert (section.kind, section.parent_id, section.max_points) == ("group", None, D(0))
    assert [code for code, _parent in tree(rubric)][-1] == "III"


def test_adding_inside_a_section_puts_it_last(rubric, head):
    section = code_of(rubric, "I")
    head.post(
        url("criterion_add", rubric),
        {
            "parent": section.pk,
            "code": "2b",
            "title": "Thu ngân sách",
            "kind": "per_occurrence",
            "max_points": "10",
            "points_each": "2,5",
        },
    )
    added = code_of(rubric, "2b")
    assert added.parent_id == section.pk
    assert added.params["points_each"] in {"2.50", "2.5"}
    assert tree(rubric)[:4] == [("I", None), ("1", "I"), ("2", "I"), ("2b", "I")]


def test_adding_below_keeps_the_level_and_the_place(rubric, head):
    one = code_of(rubric, "1")
    head.post(
        url("criterion_add", rubric),
        {"after": one.pk, "code": "1a", "title": "Mới", "kind": "pass_fail", "max_points": "5"},
    )
    assert tree(rubric)[:4] == [("I", None), ("1", "I"), ("1a", "I"), ("2", "I")]


def test_the_add_form_suggests_the_next_code(rubric, head):
    one = code_of(rubric, "2")
    text = page(head.get(url("criterion_add", rubric) + f"?after={one.pk}", **HTMX))
    assert 'name="code" value="3"' not in text  # "3" is taken (criteria are numbered on)
    assert 'value="4"' in text
    text = page(head.get(url("criterion_add", rubric) + "?kind=group", **HTMX))
    assert 'value="III"' in text


def test_adding_with_htmx_swaps_in_the_editor_with_totals_and_problems(rubric, head):
    response = head.post(
        url("criterion_add", rubric),
        {
            "parent": code_of(rubric, "II").pk,
            "code": "4",
            "title": "Cải cách hành chính",
            "kind": "manual",
            "max_points": "15",
        },
        **HTMX,
    )
    text = page(response)
    assert response["HX-Retarget"] == "#rubric-editor"
    assert 'id="rubric-editor"' in text
    assert "<html" not in text
    assert "Cải cách hành chính" in text
    # II is now worth 40 but its parts add up to 55: the running total and the problem say so.
    assert "Σ 55" in text
    assert vi(msg_children(), code="II", max="40", sum="55") in text
    assert 'sections-sum">100<' in text


def msg_children():  # type: ignore[no-untyped-def]
    from scoring.validation import CHILDREN_DO_NOT_ADD_UP

    return CHILDREN_DO_NOT_ADD_UP


# Editing ---------------------------------------------------------------------------------------


def test_editing_in_place_returns_a_form_row(rubric, head):
    one = code_of(rubric, "1")
    response = head.get(url("criterion_edit", rubric, one), **HTMX)
    text = page(response)
    assert text.lstrip().startswith("<tr")
    assert 'class="criterion-form-row"' in text
    assert "Tiêu chí 1 về kinh tế" in text
    assert 'value="40"' in text


def test_editing_changes_the_criterion(rubric, head):
    one = code_of(rubric, "1")
    response = head.post(
        url("criterion_edit", rubric, one),
        {
            "code": "1",
            "title": "Tăng trưởng kinh tế",
            "kind": "manual",
            "max_points": "30",
            "guidance": "Theo số liệu Cục Thống kê",
            "evidence_required": "on",
        },
        **HTMX,
    )
    one.refresh_from_db()
    assert (one.title, one.max_points, one.evidence_required) == (
        "Tăng trưởng kinh tế",
        D(30),
        True,
    )
    assert one.guidance == "Theo số liệu Cục Thống kê"
    text = page(response)
    # The changed row is marked; its section I (now 50 of 60) is flagged.
    assert re.search(rf'id="criterion-{one.pk}" class="[^"]*just-changed', text)
    section = code_of(rubric, "I")
    assert re.search(rf'id="criterion-{section.pk}" class="[^"]*has-problem', text)


def test_a_value_that_is_not_a_number_is_refused_and_kept(rubric, head):
    one = code_of(rubric, "1")
    response = head.post(
        url("criterion_edit", rubric, one),
        {"code": "1", "title": "Tiêu đề đã sửa", "kind": "manual", "max_points": "bốn mươi"},
        **HTMX,
    )
    text = page(response)
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    assert 'value="bốn mươi"' in text
    assert "Tiêu đề đã sửa" in text
    assert "is-invalid" in text
    one.refresh_from_db()
    assert (one.title, one.max_points) == ("Tiêu chí 1 về kinh tế", D(40))


def test_a_code_already_used_is_refused_next_to_the_field(rubric, head):
    one = code_of(rubric, "1")
    response = head.post(
        url("criterion_edit", rubric, one),
        {"code": "2", "title": "Tiêu chí 1 về kinh tế", "kind": "manual", "max_points": "40"},
    )
    text = page(response)
    assert response.status_code == 200
    assert vi(msg.CODE_TAKEN, code="2") in text
    assert 'name="code" value="2"' in text
    one.refresh_from_db()
    assert one.code == "1"


def test_bonus_points_take_their_cap_as_maximum(rubric, head):
    bonus = code_of(rubric, "T1")
    head.post(
        url("criterion_edit", rubric, bonus),
        {"code": "T1", "title": "Khen thưởng", "kind": "bonus", "points_each": "2", "cap": "4"},
    )
    bonus.refresh_from_db()
    assert bonus.max_points == D(4)
    assert D(bonus.params["points_each"]) == D(2)


def test_a_target_ratio_needs_its_target(rubric, head):
    one = code_of(rubric, "1")
    response = head.post(
        url("criterion_edit", rubric, one),
        {"code": "1", "title": "Thu ngân sách", "kind": "target_ratio", "max_points": "40"},
    )
    assert response.status_code == 200
    one.refresh_from_db()
    assert one.kind == "manual"


# Deleting and moving ---------------------------------------------------------------------------


def test_deleting_a_section_removes_its_parts(rubric, head):
    text = page(head.get(url("rubric_detail", rubric)))
    assert "hx-confirm=" in text
    response = head.post(url("criterion_delete", rubric, code_of(rubric, "I")), **HTMX)
    assert tree(rubric) == [("II", None), ("3", "II"), ("T1", None), ("TR1", None)]
    assert "Tiêu chí 1 về kinh tế" not in page(response)


def test_moving_up_and_down(rubric, head):
    head.post(url("criterion_move", rubric, code_of(rubric, "II")), {"direction": "up"})
    assert [code for code, parent in tree(rubric) if parent is None][:2] == ["II", "I"]
    head.post(url("criterion_move", rubric, code_of(rubric, "II")), {"direction": "down"})
    assert [code for code, parent in tree(rubric) if parent is None][:2] == ["I", "II"]


def test_moving_the_first_up_is_refused_with_a_message(rubric, head):
    response = head.post(
        url("criterion_move", rubric, code_of(rubric, "1")), {"direction": "up"}, **HTMX
    )
    assert vi(msg.MOVE_ALREADY_FIRST, code="1") in page(response)
    assert tree(rubric)[1] == ("1", "I")


def test_indenting_goes_into_the_section_above(rubric, head):
    head.post(url("criterion_indent", rubric, code_of(rubric, "II")))
    assert tree(rubric)[:5] == [("I", None), ("1", "I"), ("2", "I"), ("II", "I"), ("3", "II")]


def test_outdenting_comes_out_after_the_section(rubric, head):
    head.post(url("criterion_outdent", rubric, code_of(rubric, "2")))
    assert tree(rubric)[:4] == [("I", None), ("1", "I"), ("2", None), ("II", None)]


# The live check ----------------------------------------------------------------------------------


def test_the_check_explains_and_warns_before_saving(rubric, head):
    one = code_of(rubric, "1")
    data = {"criterion": one.pk, "code": "1", "title": "Tiêu chí 1", "kind": "manual"}
    text = page(head.post(url("criterion_check", rubric), {**data, "max_points": "50"}))
    assert vi(msg_children(), code="I", max="60", sum="70") in text
    assert "preview-new-problems" in text
    text = page(head.post(url("criterion_check", rubric), {**data, "max_points": "40"}))
    assert "preview-ok" in text
    one.refresh_from_db()
    assert one.max_points == D(40)


def test_the_check_says_what_a_change_fixes(rubric, head):
    three = code_of(rubric, "3")
    Criterion.objects.filter(pk=three.pk).update(max_points=D(30))
    data = {"criterion": three.pk, "code": "3", "title": "Tiêu chí 3", "kind": "manual"}
    text = page(head.post(url("criterion_check", rubric), {**data, "max_points": "40"}))
    assert "preview-fixed-problems" in text
    assert vi(msg_children(), code="II", max="40", sum="30") in text


# A frozen table ----------------------------------------------------------------------------------


def test_a_frozen_table_shows_a_banner_and_no_edit_controls(world, rubric, client_for):
    rubric_freeze(actor=world.board, rubric=rubric)
    text = page(client_for(world.head_officer).get(url("rubric_detail", rubric)))
    assert 'id="frozen-banner"' in text
    assert 'class="criterion-actions' not in text
    assert 'id="add-section"' not in text
    assert 'id="settings-link"' not in text


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("criterion_add", {"code": "9", "title": "Mới", "kind": "manual", "max_points": "1"}),
        ("criterion_edit", {"code": "1", "title": "Đổi", "kind": "manual", "max_points": "1"}),
        ("criterion_delete", {}),
        ("criterion_move", {"direction": "down"}),
        ("criterion_outdent", {}),
    ],
)
def test_a_frozen_table_refuses_every_change(world, rubric, client_for, name, data):
    rubric_freeze(actor=world.board, rubric=rubric)
    before = list(rubric.criteria.values_list("code", "title", "max_points", "parent", "order"))
    one = code_of(rubric, "1")
    target = url(name, rubric) if name == "criterion_add" else url(name, rubric, one)
    response = client_for(world.head_officer).post(target, data, **HTMX)
    assert vi(msg.RUBRIC_FROZEN) in page(response)
    after = list(rubric.criteria.values_list("code", "title", "max_points", "parent", "order"))
    assert after == before


def test_a_frozen_table_refuses_settings(world, rubric, client_for):
    rubric_freeze(actor=world.board, rubric=rubric)
    response = client_for(world.head_officer).post(
        url("rubric_settings", rubric), {"name": "Đổi tên", "scale_total": "100"}, follow=True
    )
    assert vi(msg.RUBRIC_FROZEN) in page(response)
    rubric.refresh_from_db()
    assert rubric.name == "Bảng chấm điểm năm 2024"


# Queries -----------------------------------------------------------------------------------------


def _queries(client, rubric) -> int:  # type: ignore[no-untyped-def]
    # Counted with the phase bar not yet cached (it is on a second view: fewer queries).
    caches[settings.FRAGMENT_CACHE].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("rubric_detail", rubric))
    assert response.status_code == 200
    return len(queries)


def test_the_editor_page_takes_the_same_queries_whatever_its_size(world, rubric, head):
    small = _queries(head, rubric)
    section = code_of(rubric, "II")
    for number in range(40):
        criterion_add(
            actor=world.board,
            rubric=rubric,
            parent=section,
            code=f"II.{number}",
            title=f"Tiêu chí bổ sung {number}",
            kind="pass_fail" if number % 2 else "manual",
            max_points=D(1),
        )
    assert rubric.criteria.count() == 47
    assert _queries(head, rubric) == small
