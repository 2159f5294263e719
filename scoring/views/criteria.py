"""The rubric editor's actions on criteria: add, edit in place, delete, move, indent,
outdent, and the live check of a form being typed.

Every action works twice: with htmx (the page stays, the editor — tree, running
totals and problems — is swapped in, or the form comes back with its errors) and
as a plain form post (redirect to the editor with a message).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.roles import Role
from core.forms import apply_service_errors, error_text
from core.text import vi_number
from scoring.forms.criteria import CriterionForm, next_code
from scoring.models import Criterion, CriterionKind, Rubric
from scoring.permissions import rubric_for_user
from scoring.selectors import editor
from scoring.selectors import rubrics as selectors
from scoring.services import criteria as services
from scoring.services.messages import RUBRIC_FROZEN
from scoring.validation import Node, validate_tree
from scoring.views.rubrics import editor_context

DIRECTIONS = {"up", "down"}


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _editor(
    request: HttpRequest,
    rubric: Rubric,
    roles: frozenset[Role],
    *,
    changed: int | None = None,
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    """After an action: the editor fragment (htmx) or back to the page (plain post)."""
    if _is_htmx(request):
        response = render(
            request,
            "scoring/rubric_detail.html#editor",
            editor_context(rubric, roles, changed=changed, notice=notice, error=error),
        )
        response["HX-Retarget"] = "#rubric-editor"
        response["HX-Reswap"] = "outerHTML"
        return response
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    url = reverse("rubric_detail", args=[rubric.pk])
    return redirect(f"{url}#criterion-{changed}" if changed else url)


def _criterion(rubric: Rubric, pk: int) -> Criterion:
    from django.http import Http404

    criterion = editor.criterion_in(rubric=rubric, pk=pk)
    if criterion is None:
        raise Http404
    return criterion


def _form_response(
    request: HttpRequest,
    rubric: Rubric,
    roles: frozenset[Role],
    form: CriterionForm,
    *,
    action_url: str,
    criterion: Criterion | None = None,
    parent: Criterion | None = None,
    after: Criterion | None = None,
    depth: int = 0,
) -> HttpResponse:
    context = {
        "nav": "clusters",
        "rubric": rubric,
        "cluster_year": rubric.cluster_year,
        "is_board": Role.BOARD in roles,
        "form": form,
        "criterion": criterion,
        "parent": parent,
        "after": after,
        "depth": depth,
        "indent_rem": f"{depth * 1.5:.1f}",
        "action_url": action_url,
        "check_url": reverse("criterion_check", args=[rubric.pk]),
    }
    if _is_htmx(request):
        return render(request, "scoring/_criterion_form.html", {**context, "as_row": True})
    return render(request, "scoring/criterion_form.html", context)


def _refuse_frozen(
    request: HttpRequest, rubric: Rubric, roles: frozenset[Role]
) -> HttpResponse | None:
    if rubric.is_frozen:
        return _editor(request, rubric, roles, error=str(RUBRIC_FROZEN))
    return None


def _placement(rubric: Rubric, source: Any) -> tuple[Criterion | None, Criterion | None]:
    """The parent and the sibling to add after, named by id in the request."""
    parent = (
        editor.criterion_in(rubric=rubric, pk=source.get("parent"))
        if source.get("parent")
        else None
    )
    after = (
        editor.criterion_in(rubric=rubric, pk=source.get("after")) if source.get("after") else None
    )
    if after is not None:
        parent = None
    return parent, after


def _depth_of(criteria: list[Criterion], pk: int | None) -> int:
    for item in criteria:
        if item.pk == pk:
            return getattr(item, "depth", 0)
    return -1


# Add --------------------------------------------------------------------------------------


def criterion_add(request: HttpRequest, pk: int) -> HttpResponse:
    rubric, roles = rubric_for_user(request, pk, "edit")
    if refused := _refuse_frozen(request, rubric, roles):
        return refused
    source = request.POST if request.method == "POST" else request.GET
    parent, after = _placement(rubric, source)
    criteria = selectors.rubric_criteria(rubric)
    if after is not None:
        depth = _depth_of(criteria, after.pk)
        parent_id = after.parent_id
    elif parent is not None:
        depth = _depth_of(criteria, parent.pk) + 1
        parent_id = parent.pk
    else:
        depth, parent_id = 0, None
    targets = editor.target_choices(rubric=rubric)
    action_url = reverse("criterion_add", args=[rubric.pk])
    if request.method == "POST":
        form = CriterionForm(request.POST, rubric=rubric, targets=targets)
        if form.is_valid():
            try:
                criterion = services.criterion_add(
                    actor=request.user,
                    rubric=rubric,
                    parent=parent,
                    after=after,
                    **form.criterion_fields(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return _editor(
                    request,
                    rubric,
                    roles,
                    changed=criterion.pk,
                    notice=_("“%(code)s” was added.") % {"code": criterion.code},
                )
    else:
        kind = source.get("kind")
        if kind not in CriterionKind.values:
            kind = CriterionKind.GROUP if parent_id is None else CriterionKind.MANUAL
        siblings = [item for item in criteria if item.parent_id == parent_id]
        parent_code = next((item.code for item in criteria if item.pk == parent_id), None)
        form = CriterionForm(
            rubric=rubric,
            targets=targets,
            initial={
                "kind": kind,
                "code": next_code(
                    siblings=[item.code for item in siblings if _same_side(item.kind, kind)],
                    parent_code=parent_code,
                    kind=kind,
                    taken={item.code for item in criteria},
                ),
                "parent": parent.pk if parent else None,
                "after": after.pk if after else None,
            },
        )
    return _form_response(
        request,
        rubric,
        roles,
        form,
        action_url=action_url,
        parent=parent,
        after=after,
        depth=max(depth, 0),
    )


def _same_side(kind: str, other: str) -> bool:
    """Bonus, deduction and the sections are numbered each on their own."""
    outside = {CriterionKind.BONUS, CriterionKind.DEDUCTION}
    if kind in outside or other in outside:
        return kind == other
    return True


# Edit -------------------------------------------------------------------------------------


def criterion_edit(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    rubric, roles = rubric_for_user(request, pk, "edit")
    if refused := _refuse_frozen(request, rubric, roles):
        return refused
    criterion = _criterion(rubric, criterion_pk)
    criteria = selectors.rubric_criteria(rubric)
    targets = editor.target_choices(rubric=rubric, current=criterion.target)
    form = CriterionForm(request.POST or None, rubric=rubric, targets=targets, criterion=criterion)
    if request.method == "POST" and form.is_valid():
        group_total = selectors.rubric_totals(rubric, criteria).get(criterion.code)
        try:
            criterion = services.criterion_update(
                actor=request.user,
                criterion=criterion,
                **form.criterion_fields(group_total=group_total),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _editor(
                request,
                rubric,
                roles,
                changed=criterion.pk,
                notice=_("“%(code)s” was saved.") % {"code": criterion.code},
            )
    return _form_response(
        request,
        rubric,
        roles,
        form,
        action_url=reverse("criterion_edit", args=[rubric.pk, criterion.pk]),
        criterion=criterion,
        depth=max(_depth_of(criteria, criterion.pk), 0),
    )


# Delete, move, indent, outdent ----------------------------------------------------------------


@require_POST
def criterion_delete(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    rubric, roles = rubric_for_user(request, pk, "edit")
    criterion = _criterion(rubric, criterion_pk)
    code = criterion.code
    try:
        services.criterion_delete(actor=request.user, criterion=criterion)
    except ValidationError as exc:
        return _editor(request, rubric, roles, changed=criterion.pk, error=error_text(exc))
    return _editor(request, rubric, roles, notice=_("“%(code)s” was deleted.") % {"code": code})


def _tree_action(request: HttpRequest, pk: int, criterion_pk: int, action: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
    rubric, roles = rubric_for_user(request, pk, "edit")
    criterion = _criterion(rubric, criterion_pk)
    try:
        action(actor=request.user, criterion=criterion, **kwargs)
    except ValidationError as exc:
        return _editor(request, rubric, roles, changed=criterion.pk, error=error_text(exc))
    return _editor(
        request,
        rubric,
        roles,
        changed=criterion.pk,
        notice=_("“%(code)s” was moved.") % {"code": criterion.code},
    )


@require_POST
def criterion_move(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    direction = request.POST.get("direction", "")
    return _tree_action(
        request,
        pk,
        criterion_pk,
        services.criterion_move,
        direction=direction if direction in DIRECTIONS else "",
    )


@require_POST
def criterion_indent(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    return _tree_action(request, pk, criterion_pk, services.criterion_indent)


@require_POST
def criterion_outdent(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    return _tree_action(request, pk, criterion_pk, services.criterion_outdent)


# The live check --------------------------------------------------------------------------------


@require_POST
def criterion_check(request: HttpRequest, pk: int) -> HttpResponse:
    """What the form being typed would do, before it is saved: how the criterion is
    scored, the sections' total, and the problems it makes or fixes. Saves nothing."""
    rubric, _roles = rubric_for_user(request, pk, "edit")
    criterion = (
        editor.criterion_in(rubric=rubric, pk=request.POST["criterion"])
        if request.POST.get("criterion")
        else None
    )
    parent, after = _placement(rubric, request.POST)
    criteria = selectors.rubric_criteria(rubric)
    targets = editor.target_choices(rubric=rubric, current=criterion.target if criterion else None)
    form = CriterionForm(request.POST, rubric=rubric, targets=targets, criterion=criterion)
    context: dict[str, Any] = {"form": form, "rubric": rubric}
    typed_errors = [
        str(error)
        for name, errors in form.errors.items()
        if name != "__all__" and (form.data.get(name) or "").strip()
        for error in errors
    ]
    if form.is_valid():
        nodes = selectors.criteria_nodes(rubric, criteria)
        totals = selectors.rubric_totals(rubric, criteria)
        fields = form.criterion_fields(
            group_total=totals.get(criterion.code) if criterion else None
        )
        changed_nodes = _with_change(nodes, criterion, parent, after, fields, rubric, criteria)
        before = _messages(rubric, nodes)
        after_messages = _messages(rubric, changed_nodes)
        sections = sum(
            (
                node.max_points
                for node in changed_nodes
                if not node.parent_code and node.kind not in {"bonus", "deduction"}
            ),
            Decimal(0),
        )
        context.update(
            {
                "valid": True,
                "explanation": "" if fields["kind"] == "group" else form.params.describe(),
                "sections_text": vi_number(sections),
                "scale_text": vi_number(rubric.scale_total),
                "new_problems": [m for m in after_messages if m not in before],
                "fixed_problems": [m for m in before if m not in after_messages],
            }
        )
    else:
        context.update({"valid": False, "typed_errors": typed_errors})
    return render(request, "scoring/_criterion_preview.html", context)


def _messages(rubric: Rubric, nodes: list[Node]) -> list[str]:
    problems = validate_tree(
        nodes,
        scale_total=rubric.scale_total,
        bonus_cap=rubric.bonus_cap,
        deduction_cap=rubric.deduction_cap,
    )
    return [problem.message for problem in problems]


def _with_change(
    nodes: list[Node],
    criterion: Criterion | None,
    parent: Criterion | None,
    after: Criterion | None,
    fields: dict[str, Any],
    rubric: Rubric,
    criteria: list[Criterion],
) -> list[Node]:
    """The tree's nodes as they would be once the form is saved."""
    has_target = fields["target"] is not None or rubric.is_template
    if criterion is not None:
        old = criterion.code
        result = []
        for node in nodes:
            if node.code == old:
                node = replace(
                    node,
                    code=fields["code"],
                    title=fields["title"],
                    kind=fields["kind"],
                    max_points=fields["max_points"],
                    has_target=has_target,
                    params=fields["params"],
                )
            elif node.parent_code == old:
                node = replace(node, parent_code=fields["code"])
            result.append(node)
        return result
    if after is not None:
        parent_code = next(
            (getattr(item, "parent_code", None) for item in criteria if item.pk == after.pk), None
        )
    else:
        parent_code = parent.code if parent is not None else None
    return [
        *nodes,
        Node(
            code=fields["code"],
            title=fields["title"],
            kind=fields["kind"],
            max_points=fields["max_points"],
            parent_code=parent_code,
            has_target=has_target,
            params=fields["params"],
        ),
    ]


urlpatterns = [
    path("rubrics/<int:pk>/criteria/add/", criterion_add, name="criterion_add"),
    path("rubrics/<int:pk>/criteria/check/", criterion_check, name="criterion_check"),
    path(
        "rubrics/<int:pk>/criteria/<int:criterion_pk>/edit/",
        criterion_edit,
        name="criterion_edit",
    ),
    path(
        "rubrics/<int:pk>/criteria/<int:criterion_pk>/delete/",
        criterion_delete,
        name="criterion_delete",
    ),
    path(
        "rubrics/<int:pk>/criteria/<int:criterion_pk>/move/",
        criterion_move,
        name="criterion_move",
    ),
    path(
        "rubrics/<int:pk>/criteria/<int:criterion_pk>/indent/",
        criterion_indent,
        name="criterion_indent",
    ),
    path(
        "rubrics/<int:pk>/criteria/<int:criterion_pk>/outdent/",
        criterion_outdent,
        name="criterion_outdent",
    ),
]
