"""The targets grid: a value per member unit for every target, and its Excel
template and import (preview, then one transaction)."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.forms.imports import ImportConfirmForm, ImportUploadForm
from core import excel
from core.forms import apply_service_errors, error_text
from covenants.forms.drafting import (
    TargetsGridForm,
)
from covenants.models import Covenant
from covenants.permissions import covenant_for_user
from covenants.selectors import drafting as selectors
from covenants.services import drafting as services
from covenants.services import targets_import
from covenants.services.drafting import UnconfirmedWarnings
from covenants.services.messages import (
    IMPORT_EXPIRED,
)
from covenants.views.drafting import edit_context, refuse_if_not_editable

IMPORT_SESSION_KEY = "covenant_target_imports"
KEEP_PENDING_IMPORTS = 3


# Targets ---------------------------------------------------------------------------------------


def covenant_targets(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "edit")
    if refused := refuse_if_not_editable(request, covenant):
        return refused
    members = selectors.year_members(cluster_year=covenant.cluster_year)
    rows = selectors.target_rows(covenant=covenant, members=members)
    form = TargetsGridForm(request.POST or None, targets=rows, members=members)
    new_warnings = None
    if request.method == "POST" and form.is_valid():
        try:
            services.targets_save(
                actor=request.user,
                covenant=covenant,
                rows=form.target_inputs(),
                confirm_warnings=form.cleaned_data["confirm_warnings"],
            )
        except UnconfirmedWarnings as exc:
            new_warnings = exc.warnings
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The targets were saved."))
            return redirect("covenant_detail", covenant.pk)
    return render(
        request,
        "covenants/drafting/covenant_targets.html",
        edit_context(covenant, form=form, members=members, new_warnings=new_warnings),
    )


def covenant_targets_template(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "edit")
    members = selectors.year_members(cluster_year=covenant.cluster_year)
    rows = selectors.target_rows(covenant=covenant, members=members)
    content = targets_import.template_workbook(members=members, targets=rows)
    return excel.xlsx_response(content, f"chi-tieu-giao-uoc-{covenant.cluster_year.year}.xlsx")


def _stash(request: HttpRequest, covenant: Covenant, data: dict[str, Any]) -> str:
    pending = dict(request.session.get(IMPORT_SESSION_KEY, {}))
    while len(pending) >= KEEP_PENDING_IMPORTS:
        pending.pop(min(pending, key=lambda key: pending[key]["at"]))
    token = secrets.token_urlsafe(16)
    pending[token] = {"covenant": covenant.pk, "at": timezone.now().isoformat(), "data": data}
    request.session[IMPORT_SESSION_KEY] = pending
    return token


def _unstash(request: HttpRequest, covenant: Covenant, token: str) -> dict[str, Any] | None:
    entry = request.session.get(IMPORT_SESSION_KEY, {}).get(token or "")
    if not entry or entry["covenant"] != covenant.pk:
        return None
    return entry["data"]


def _drop(request: HttpRequest, token: str) -> None:
    pending = dict(request.session.get(IMPORT_SESSION_KEY, {}))
    pending.pop(token, None)
    request.session[IMPORT_SESSION_KEY] = pending


def covenant_targets_import(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "edit")
    if refused := refuse_if_not_editable(request, covenant):
        return refused
    members = selectors.year_members(cluster_year=covenant.cluster_year)
    reader = partial(targets_import.read_targets_file, members=members)
    url = reverse("covenant_targets_import", args=[covenant.pk])
    context = edit_context(covenant, members=members)
    if request.method == "POST" and request.POST.get("step") == "confirm":
        confirm = ImportConfirmForm(request.POST)
        token = confirm.data.get("token", "")
        data = _unstash(request, covenant, token) if confirm.is_valid() else None
        if data is None:
            messages.error(request, str(IMPORT_EXPIRED))
            return redirect(url)
        try:
            saved = targets_import.apply_target_import(
                actor=request.user, covenant=covenant, members=members, data=data
            )
        except targets_import.TargetImportRefused as exc:
            messages.error(request, _("Nothing was imported: the file has errors."))
            plan = exc.plan
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            plan = targets_import.check_target_rows(covenant=covenant, members=members, data=data)
        else:
            _drop(request, token)
            messages.success(
                request,
                _("%(count)s targets were imported; they replace the previous ones.")
                % {"count": len(saved)},
            )
            return redirect("covenant_detail", covenant.pk)
        return render(
            request,
            "covenants/drafting/targets_import_preview.html",
            {**context, "plan": plan, "token": token},
        )
    form = ImportUploadForm(reader=reader)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, reader=reader)
        if form.is_valid():
            token = _stash(request, covenant, form.cleaned_data["file"])
            return redirect(f"{url}?token={token}")
    elif request.GET.get("token"):
        token = request.GET["token"]
        data = _unstash(request, covenant, token)
        if data is None:
            messages.error(request, str(IMPORT_EXPIRED))
            return redirect(url)
        plan = targets_import.check_target_rows(covenant=covenant, members=members, data=data)
        return render(
            request,
            "covenants/drafting/targets_import_preview.html",
            {**context, "plan": plan, "token": token},
        )
    return render(
        request,
        "covenants/drafting/targets_import.html",
        {
            **context,
            "form": form,
            "columns": [names[0] for names in targets_import.COLUMNS.values()],
        },
    )


urlpatterns = [
    path("covenants/<int:pk>/targets/", covenant_targets, name="covenant_targets"),
    path(
        "covenants/<int:pk>/targets/template.xlsx",
        covenant_targets_template,
        name="covenant_targets_template",
    ),
    path(
        "covenants/<int:pk>/targets/import/",
        covenant_targets_import,
        name="covenant_targets_import",
    ),
]
