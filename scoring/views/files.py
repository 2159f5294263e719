"""A scoring table in and out: Excel download, Excel import (upload → preview →
confirm, like the board's imports) and the printable PDF (a document job).

The uploaded file is read once and never stored: its parsed rows wait in the
session, as JSON, under a random token, and the services check them again when
the import is confirmed.
"""

from __future__ import annotations

import secrets
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.forms.imports import ImportConfirmForm
from clusters.roles import Role
from core import excel as core_excel
from core.documents.jobs import job_request
from core.text import fold, vi_number
from scoring import excel
from scoring.forms.rubrics import RubricImportForm
from scoring.models import OUTSIDE_TOTAL, CriterionKind, Rubric
from scoring.permissions import rubric_for_user
from scoring.selectors import rubrics as selectors
from scoring.selectors.rubrics import TARGET_KINDS
from scoring.services import rubrics as rubric_services
from scoring.services.messages import (
    IMPORT_TARGET_NOT_FOR_KIND,
    IMPORT_TARGET_ON_TEMPLATE,
    IMPORT_TARGET_UNKNOWN,
    RUBRIC_FROZEN,
)
from scoring.validation import section_totals, validate_tree

SESSION_KEY = "rubric_imports"
KEEP_PENDING = 3


def rubric_export(request: HttpRequest, pk: int) -> HttpResponse:
    rubric, _roles = rubric_for_user(request, pk, "view")
    return core_excel.xlsx_response(excel.rubric_to_xlsx(rubric), excel.rubric_filename(rubric))


# Import ------------------------------------------------------------------------------------


def _stash(request: HttpRequest, rubric: Rubric, parsed: excel.ParsedRubric) -> str:
    pending = dict(request.session.get(SESSION_KEY, {}))
    while len(pending) >= KEEP_PENDING:
        pending.pop(min(pending, key=lambda key: pending[key]["at"]))
    token = secrets.token_urlsafe(16)
    pending[token] = {
        "rubric": rubric.pk,
        "at": timezone.now().isoformat(),
        "data": parsed.to_json(),
    }
    request.session[SESSION_KEY] = pending
    return token


def _unstash(request: HttpRequest, rubric: Rubric, token: str) -> excel.ParsedRubric | None:
    entry = request.session.get(SESSION_KEY, {}).get(token or "")
    if not entry or entry["rubric"] != rubric.pk:
        return None
    return excel.ParsedRubric.from_json(entry["data"])


def _drop(request: HttpRequest, token: str) -> None:
    pending = dict(request.session.get(SESSION_KEY, {}))
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending


def _plan(rubric: Rubric, parsed: excel.ParsedRubric, errors: list[str] | None = None) -> dict:
    """What the preview shows: the rows in tree order with their depth and errors,
    the settings the file brings, running totals and the tree's problems."""
    nodes = parsed.nodes
    by_row: dict[int, list[str]] = defaultdict(list)
    other_errors: list[str] = []
    for error in parsed.row_errors:
        if error.sheet == excel.SHEET_CRITERIA:
            by_row[error.row].append(error.message)
        else:
            other_errors.append(str(error))
    target_errors = _target_errors(rubric, nodes)
    for row, message in target_errors:
        by_row[row].append(message)
    depth: dict[str, int] = {}
    codes = {node.code for node in nodes}

    def depth_of(code: str, seen: frozenset[str] = frozenset()) -> int:
        if code in depth:
            return depth[code]
        node = next((n for n in nodes if n.code == code), None)
        if node is None or not node.parent_code or node.parent_code not in codes or code in seen:
            value = 0
        else:
            value = depth_of(node.parent_code, seen | {code}) + 1
        depth[code] = value
        return value

    plain = excel.nodes_from_rows(nodes) if not parsed.row_errors else []
    totals = section_totals(plain) if plain else {}
    settings = parsed.settings
    scale_total = settings.scale_total if settings else rubric.scale_total
    bonus_cap = settings.bonus_cap if settings else rubric.bonus_cap
    deduction_cap = settings.deduction_cap if settings else rubric.deduction_cap
    problems = (
        validate_tree(
            plain, scale_total=scale_total, bonus_cap=bonus_cap, deduction_cap=deduction_cap
        )
        if plain
        else []
    )
    sections = sum(
        (n.max_points for n in nodes if not n.parent_code and n.kind not in OUTSIDE_TOTAL),
        start=type(scale_total)(0),
    )
    rows = [
        {
            "row": node.row,
            "code": node.code,
            "title": node.title,
            "kind": node.kind,
            "kind_label": CriterionKind(node.kind).label
            if node.kind in CriterionKind.values
            else node.kind,
            "max": vi_number(node.max_points),
            "parts": vi_number(totals[node.code]) if node.code in totals else "",
            "target": node.target_indicator,
            "evidence": node.evidence_required,
            "indent_rem": f"{depth_of(node.code) * 1.5:.1f}",
            "errors": by_row.get(node.row, []),
        }
        for node in nodes
    ]
    known = {node.row for node in nodes}
    other_errors += [
        f"{_('Row %(row)s') % {'row': row}}: {message}"
        for row, messages_ in sorted(by_row.items())
        if row not in known
        for message in messages_
    ]
    return {
        "rows": rows,
        "has_errors": bool(parsed.row_errors) or bool(target_errors) or bool(errors),
        "error_rows": len(
            {error.row for error in parsed.row_errors} | {row for row, _ in target_errors}
        ),
        "other_errors": other_errors,
        "service_errors": errors or [],
        "settings": settings,
        "scale_text": vi_number(scale_total),
        "bonus_cap_text": vi_number(bonus_cap),
        "deduction_cap_text": vi_number(deduction_cap),
        "sections_text": vi_number(sections),
        "problems": problems,
        "replaces": rubric.criteria.count(),
    }


def _target_errors(rubric: Rubric, nodes: list[excel.RubricRow]) -> list[tuple[int, str]]:
    """Rows whose target cannot be linked (the import would refuse them): shown in
    the preview already, with their row number."""
    wanted = [node for node in nodes if node.target_indicator]
    if not wanted:
        return []
    year_id = rubric.cluster_year_id
    targets = [] if year_id is None else selectors.year_targets(cluster_year=year_id)
    indicators = {fold(target.indicator) for target in targets}
    errors = []
    for node in wanted:
        if rubric.is_template:
            errors.append((node.row, str(IMPORT_TARGET_ON_TEMPLATE)))
        elif node.kind not in TARGET_KINDS:
            errors.append((node.row, str(IMPORT_TARGET_NOT_FOR_KIND)))
        elif fold(node.target_indicator) not in indicators:
            message = IMPORT_TARGET_UNKNOWN % {"target": node.target_indicator}
            errors.append((node.row, str(message)))
    return errors


def _page(request: HttpRequest, rubric: Rubric, roles: frozenset[Role], template: str, **extra):  # type: ignore[no-untyped-def]
    return render(
        request,
        template,
        {
            "nav": "clusters",
            "rubric": rubric,
            "cluster_year": rubric.cluster_year,
            "is_board": Role.BOARD in roles,
            **extra,
        },
    )


def rubric_import(request: HttpRequest, pk: int) -> HttpResponse:
    rubric, roles = rubric_for_user(request, pk, "edit")
    if rubric.is_frozen:
        messages.error(request, str(RUBRIC_FROZEN))
        return redirect("rubric_detail", rubric.pk)
    url = reverse("rubric_import", args=[rubric.pk])
    preview = "scoring/rubric_import_preview.html"
    if request.method == "POST" and request.POST.get("step") == "confirm":
        confirm = ImportConfirmForm(request.POST)
        token = confirm.data.get("token", "")
        parsed = _unstash(request, rubric, token) if confirm.is_valid() else None
        if parsed is None:
            messages.error(request, _("This import has expired; upload the file again."))
            return redirect(url)
        try:
            rubric_services.rubric_import(actor=request.user, rubric=rubric, parsed=parsed)
        except ValidationError as exc:
            messages.error(request, _("Nothing was imported: the file has errors."))
            plan = _plan(rubric, parsed, errors=exc.messages)
            return _page(request, rubric, roles, preview, plan=plan, token=token)
        _drop(request, token)
        messages.success(
            request,
            _("%(count)s criteria were imported; they replace the previous ones.")
            % {"count": len(parsed.nodes)},
        )
        return redirect("rubric_detail", rubric.pk)
    form = RubricImportForm()
    if request.method == "POST":
        form = RubricImportForm(request.POST, request.FILES)
        if form.is_valid():
            token = _stash(request, rubric, form.cleaned_data["file"])
            return redirect(f"{url}?token={token}")
    elif request.GET.get("token"):
        token = request.GET["token"]
        parsed = _unstash(request, rubric, token)
        if parsed is None:
            messages.error(request, _("This import has expired; upload the file again."))
            return redirect(url)
        return _page(request, rubric, roles, preview, plan=_plan(rubric, parsed), token=token)
    return _page(
        request,
        rubric,
        roles,
        "scoring/rubric_import.html",
        form=form,
        columns=[names[0] for names in excel.COLUMNS.values()],
        required=[excel.COLUMNS[key][0] for key in excel.REQUIRED],
        settings_rows=[names[0] for names in excel.SETTINGS.values()],
        sheets=(excel.SHEET_CRITERIA, excel.SHEET_SETTINGS),
    )


# PDF --------------------------------------------------------------------------------------


@require_POST
def rubric_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the table's PDF (a draft until it is frozen) and go to the job page."""
    rubric, _roles = rubric_for_user(request, pk, "manage")
    job = job_request(actor=request.user, kind="rubric", obj=rubric, scope_id=rubric.organizer_id)
    return redirect("job_detail", job.pk)


urlpatterns = [
    path("rubrics/<int:pk>/export.xlsx", rubric_export, name="rubric_export"),
    path("rubrics/<int:pk>/import/", rubric_import, name="rubric_import"),
    path("rubrics/<int:pk>/pdf/", rubric_pdf, name="rubric_pdf"),
]
