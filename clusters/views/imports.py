"""Excel imports for board staff: units, and cluster membership.

Upload → preview (every row, its parsed values and errors) → confirm. The file is
read once at upload and never stored: its rows wait in the session, as JSON,
under a random token, and are checked again when the import is confirmed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.forms.imports import ImportConfirmForm, ImportUploadForm
from clusters.imports import memberships as membership_import_rows
from clusters.imports import units as unit_import_rows
from clusters.permissions import board_for
from core import excel

SESSION_KEY = "pending_imports"
KEEP_PENDING = 4  # imports waiting for confirmation, per session


def _stash(request, kind: str, organizer_id: int, rows: list[dict[str, Any]]) -> str:  # type: ignore[no-untyped-def]
    pending = dict(request.session.get(SESSION_KEY, {}))
    # Forget the oldest waiting imports so the session stays small.
    while len(pending) >= KEEP_PENDING:
        pending.pop(min(pending, key=lambda key: pending[key]["at"]))
    token = secrets.token_urlsafe(16)
    pending[token] = {
        "kind": kind,
        "organizer": organizer_id,
        "at": timezone.now().isoformat(),
        "rows": rows,
    }
    request.session[SESSION_KEY] = pending
    return token


def _unstash(request, kind: str, organizer_id: int, token: str) -> list[dict[str, Any]] | None:  # type: ignore[no-untyped-def]
    entry = request.session.get(SESSION_KEY, {}).get(token or "")
    if not entry or entry["kind"] != kind or entry["organizer"] != organizer_id:
        return None
    return entry["rows"]


def _drop(request, token: str) -> None:  # type: ignore[no-untyped-def]
    pending = dict(request.session.get(SESSION_KEY, {}))
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending


def _import_view(
    request,  # type: ignore[no-untyped-def]
    *,
    kind: str,
    reader: Callable[..., list[dict[str, Any]]],
    check: Callable[..., Any],
    apply: Callable[..., list[Any]],
    refused: type[Exception],
    template: str,
    context: dict[str, Any],
    done: Callable[[list[Any]], str],
    success_url: str,
):
    """Upload, preview and confirm for one kind of import."""
    organizer = board_for(request)
    url = reverse(f"{kind}_import")
    context = {**context, "organizer": organizer}
    upload_form = ImportUploadForm(reader=reader)
    if request.method == "POST" and request.POST.get("step") == "confirm":
        confirm = ImportConfirmForm(request.POST)
        token = confirm.data.get("token", "")
        rows = _unstash(request, kind, organizer.pk, token) if confirm.is_valid() else None
        if rows is None:
            messages.error(request, _("This import has expired; upload the file again."))
            return redirect(url)
        try:
            written = apply(actor=request.user, organizer=organizer, raw_rows=rows)
        except refused as exc:
            messages.error(request, _("Nothing was imported: the file has errors."))
            plan = exc.plan  # type: ignore[attr-defined]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            plan = check(organizer=organizer, raw_rows=rows)
        else:
            _drop(request, token)
            messages.success(request, done(written))
            return redirect(success_url)
        return render(request, template, {**context, "plan": plan, "token": token})
    if request.method == "POST":
        upload_form = ImportUploadForm(request.POST, request.FILES, reader=reader)
        if upload_form.is_valid():
            token = _stash(request, kind, organizer.pk, upload_form.cleaned_data["file"])
            return redirect(f"{url}?token={token}")
    elif request.GET.get("token"):
        token = request.GET["token"]
        rows = _unstash(request, kind, organizer.pk, token)
        if rows is None:
            messages.error(request, _("This import has expired; upload the file again."))
            return redirect(url)
        plan = check(organizer=organizer, raw_rows=rows)
        return render(request, template, {**context, "plan": plan, "token": token})
    return render(
        request, "clusters/imports/upload.html", {**context, "form": upload_form, "kind": kind}
    )


# Units -------------------------------------------------------------------------------


def unit_import(request):  # type: ignore[no-untyped-def]
    return _import_view(
        request,
        kind="unit",
        reader=unit_import_rows.read_unit_file,
        check=unit_import_rows.check_unit_rows,
        apply=unit_import_rows.apply_unit_import,
        refused=unit_import_rows.UnitImportRefused,
        template="clusters/imports/unit_preview.html",
        context={
            "nav": "units",
            "title": _("Import units from Excel"),
            "columns": [names[0] for names in unit_import_rows.COLUMNS.values()],
            "required": [unit_import_rows.COLUMNS[key][0] for key in unit_import_rows.REQUIRED],
            "template_url": reverse("unit_import_template"),
            "back_url": reverse("unit_list"),
        },
        done=lambda units: _("%(count)s units were added to the register.") % {"count": len(units)},
        success_url=reverse("unit_list"),
    )


def unit_import_template(request):  # type: ignore[no-untyped-def]
    board_for(request)
    columns = unit_import_rows.COLUMNS
    kinds = unit_import_rows.kind_sheet_rows()
    ward_label = next(label for label, code, _aliases in kinds if code == "ward")
    content = excel.build_workbook(
        [
            excel.SheetSpec(
                title=_("Units"),
                headers=[names[0] for names in columns.values()],
                rows=[
                    [
                        "phường Đức Xuân",
                        ward_label,
                        "Đức Xuân",
                        "",
                        "",
                        "01/07/2025",
                        "",
                        "Chủ tịch UBND phường",
                    ]
                ],
                widths=[36, 24, 18, 30, 12, 16, 16, 24],
            ),
            excel.SheetSpec(
                title=_("Kinds of unit"),
                headers=[_("Kind of unit"), _("Code"), _("Other accepted spellings")],
                rows=kinds,
                widths=[40, 16, 36],
            ),
        ]
    )
    return excel.xlsx_response(content, "mau-nhap-don-vi.xlsx")


# Memberships -------------------------------------------------------------------------


def membership_import(request):  # type: ignore[no-untyped-def]
    return _import_view(
        request,
        kind="membership",
        reader=membership_import_rows.read_membership_file,
        check=membership_import_rows.check_membership_rows,
        apply=membership_import_rows.apply_membership_import,
        refused=membership_import_rows.MembershipImportRefused,
        template="clusters/imports/membership_preview.html",
        context={
            "nav": "clusters",
            "title": _("Import cluster membership from Excel"),
            "columns": [names[0] for names in membership_import_rows.COLUMNS.values()],
            "required": [
                membership_import_rows.COLUMNS[key][0] for key in membership_import_rows.REQUIRED
            ],
            "template_url": reverse("membership_import_template"),
            "back_url": reverse("cluster_list"),
        },
        done=lambda years: _("%(count)s cluster years were saved.") % {"count": len(years)},
        success_url=reverse("cluster_list"),
    )


def membership_import_template(request):  # type: ignore[no-untyped-def]
    board_for(request)
    year = timezone.localdate().year + 1
    example = [
        ["Cụm thi đua các xã, phường", year, 1, "phường Phùng Chí Kiên", "Trưởng cụm"],
        ["Cụm thi đua các xã, phường", year, 2, "phường Đức Xuân", "Phó trưởng cụm"],
        ["Cụm thi đua các xã, phường", year, 3, "xã Dương Quang", ""],
    ]
    content = excel.build_workbook(
        [
            excel.SheetSpec(
                title=_("Cluster members"),
                headers=[names[0] for names in membership_import_rows.COLUMNS.values()],
                rows=example,
                widths=[36, 8, 8, 36, 18],
            ),
            excel.SheetSpec(
                title=_("Roles"),
                headers=[membership_import_rows.COLUMNS["role"][0], _("Note")],
                rows=[
                    ["Trưởng cụm", _("Exactly one unit per cluster and year.")],
                    ["Phó trưởng cụm", _("Optional; at most one unit per cluster and year.")],
                    ["", _("Empty: a member unit.")],
                ],
                widths=[20, 44],
            ),
        ]
    )
    return excel.xlsx_response(content, "mau-nhap-thanh-vien-cum.xlsx")


urlpatterns = [
    path("units/import/", unit_import, name="unit_import"),
    path("units/import/template.xlsx", unit_import_template, name="unit_import_template"),
    path("clusters/import/", membership_import, name="membership_import"),
    path(
        "clusters/import/template.xlsx",
        membership_import_template,
        name="membership_import_template",
    ),
]
